"""Handle controls (reset, stop) and the `ftui emulator` command."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx2
import pytest
from openai import AsyncAzureOpenAI

from ftui.core.emulator.server import EmulatorHandle, start_emulator
from tests.emulator.conftest import upload
from tests.emulator.data import training_bytes


async def test_reset_clears_everything(
    emulator: EmulatorHandle, azure: AsyncAzureOpenAI
) -> None:
    training = await upload(azure, training_bytes())
    job = await azure.fine_tuning.jobs.create(
        model="gpt-4o-mini-2024-07-18", training_file=training.id
    )
    stored = list(emulator.state.data_dir.iterdir())
    assert stored  # the upload is kept in the emulator's temp folder
    emulator.set_faults("latency=1,delay=0.01")
    emulator.set_speed(0)
    emulator.reset()
    assert (await azure.files.list()).data == []
    assert (await azure.fine_tuning.jobs.list()).data == []
    assert not any(p.exists() for p in stored)
    assert not emulator.faults.spec.active
    assert emulator.clock.speed > 0
    with pytest.raises(Exception, match="could not be found"):
        await azure.fine_tuning.jobs.retrieve(job.id)


def test_stop_removes_its_temp_folder() -> None:
    handle = start_emulator(port=0)
    folder = handle.state.data_dir
    assert folder.is_dir()
    response = httpx2.get(f"{handle.base_url}/emulator/health")
    assert response.status_code == 200
    handle.stop()
    assert not folder.exists()
    with pytest.raises(httpx2.TransportError):
        httpx2.get(f"{handle.base_url}/emulator/health", timeout=2)


def test_base_urls() -> None:
    with start_emulator(port=0, api_key="k") as handle:
        assert handle.base_url == f"http://127.0.0.1:{handle.port}"
        assert handle.azure_endpoint == handle.base_url
        assert handle.v1_base_url == handle.base_url + "/openai/v1/"
        assert handle.api_key == "k"


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_ftui_emulator_command(stop: signal.Signals) -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "ftui.tui", "emulator", "--port", "0", "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        lines: list[str] = []
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line.rstrip("\n"))
            if line.startswith("export OPENAI_API_KEY="):
                break
        text = "\n".join(lines)
        folder = next(
            Path(line.split(": ", 1)[1]) for line in lines if line.startswith("Files ")
        )
        assert folder.is_dir()
        exports = dict(
            line[len("export ") :].split("=", 1)
            for line in lines
            if line.startswith("export ")
        )
        assert set(exports) == {
            "AZURE_OPENAI_ENDPOINT",
            "AZURE_OPENAI_API_KEY",
            "OPENAI_API_VERSION",
            "OPENAI_BASE_URL",
            "OPENAI_API_KEY",
        }, text
        endpoint = exports["AZURE_OPENAI_ENDPOINT"]
        assert exports["OPENAI_BASE_URL"] == endpoint + "/openai/v1/"
        response = httpx2.get(
            exports["OPENAI_BASE_URL"] + "files",
            headers={"Authorization": f"Bearer {exports['OPENAI_API_KEY']}"},
        )
        assert response.status_code == 200
    finally:
        process.send_signal(stop)
        _, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert "stopped" in err
    assert not folder.exists()


def test_ftui_emulator_rejects_bad_faults() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ftui.tui", "emulator", "--faults", "429=2"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "--faults" in result.stderr
