"""`ftui jobs …` and `ftui config …` in-process against the emulator: exit codes, JSON shapes."""

from __future__ import annotations

import io
import json
import stat
from pathlib import Path
from typing import Any

import pytest

from ftui.core.paths import config_file
from ftui.tui.cli import main
from tests.service.conftest import CANARY_KEY, KEY_ENV, MODEL, chat_rows, write_jsonl

ROUTES = ["dated", "v1"]


@pytest.fixture(params=ROUTES)
def sdk_env(
    request: pytest.FixtureRequest, emu: Any, monkeypatch: pytest.MonkeyPatch
) -> str:
    """Point the SDK's own environment variables at the emulator (no profile)."""
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "AZURE_OPENAI_AD_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    endpoint = emu.azure_endpoint if request.param == "dated" else emu.v1_base_url
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", endpoint)
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", CANARY_KEY)
    monkeypatch.setenv("OPENAI_API_VERSION", "2025-04-01-preview")
    return str(request.param)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert CANARY_KEY not in out + err, "the API key leaked into the output"
    assert "Traceback" not in err
    return code, out, err


def _submit(capsys: pytest.CaptureFixture[str], train: Path, *extra: str) -> str:
    code, out, err = run(
        capsys,
        "jobs",
        "submit",
        str(train),
        "--model",
        MODEL,
        "--yes",
        "--json",
        *extra,
    )
    assert code == 0, err
    job = json.loads(out)
    return str(job["id"])


def test_submit_follow_show_list(
    sdk_env: str, capsys: pytest.CaptureFixture[str], train_file: Path, valid_file: Path
) -> None:
    code, out, err = run(
        capsys,
        "jobs",
        "submit",
        str(train_file),
        "--model",
        MODEL,
        "--validation",
        str(valid_file),
        "--epochs",
        "2",
        "--seed",
        "7",
        "--suffix",
        "cli",
        "--yes",
    )
    assert code == 0, err
    assert "estimated cost" in out
    assert "billed tokens" in out
    assert "epochs           2" in out
    job_id = out.split("created job ")[1].split()[0]
    assert job_id.startswith("ftjob-")

    code, out, err = run(capsys, "jobs", "follow", job_id, "--interval", "0.01")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[-1].startswith(f"job {job_id} succeeded: ")
    assert any("Job succeeded." in line for line in lines)
    assert "-- status: succeeded" in out

    code, out, _ = run(capsys, "jobs", "show", job_id, "--json")
    assert code == 0
    detail = json.loads(out)
    assert set(detail) == {"job", "metrics", "checkpoints", "events", "warnings"}
    assert detail["job"]["id"] == job_id
    assert detail["job"]["status"] == "succeeded"
    assert detail["job"]["seed"] == 7
    assert detail["job"]["hyperparameters"]["n_epochs"] == 2
    points = detail["metrics"]["points"]
    assert points
    assert {"step", "train_loss", "valid_loss", "full_valid_loss"} <= set(points[0])
    assert [p["step"] for p in points] == sorted(p["step"] for p in points)
    assert all(p["train_loss"] is not None for p in points)
    assert detail["checkpoints"]
    assert "step_number" in detail["checkpoints"][0]
    assert 0 < len(detail["events"]) <= 20

    code, out, _ = run(capsys, "jobs", "show", job_id)
    assert code == 0
    assert "metrics:" in out
    assert "checkpoints:" in out

    code, out, _ = run(capsys, "jobs", "list", "--json")
    assert code == 0
    jobs = json.loads(out)
    assert [j["id"] for j in jobs] == [job_id]
    assert {"id", "status", "model", "fine_tuned_model", "created_at"} <= set(jobs[0])
    code, out, _ = run(capsys, "jobs", "list")
    assert code == 0
    assert job_id in out
    assert "succeeded" in out


def test_follow_ndjson_and_exit_1_on_failure(
    sdk_env: str, capsys: pytest.CaptureFixture[str], train_file: Path
) -> None:
    job_id = _submit(capsys, train_file, "--method", "dpo")  # chat data: fails
    code, out, _ = run(
        capsys, "jobs", "follow", job_id, "--ndjson", "--interval", "0.01"
    )
    assert code == 1
    records = [json.loads(line) for line in out.splitlines()]
    assert {r["type"] for r in records} <= {"event", "status", "reconnecting"}
    events = [r["event"] for r in records if r["type"] == "event"]
    assert events
    assert all({"id", "created_at", "message"} <= set(e) for e in events)
    assert [e["created_at"] for e in events] == sorted(e["created_at"] for e in events)
    assert len({e["id"] for e in events}) == len(events)
    assert records[-1]["type"] == "status"
    assert records[-1]["job"]["status"] == "failed"
    assert records[-1]["job"]["error"]["message"]


def test_cancel_then_follow_exits_1(
    sdk_env: str, emu: Any, capsys: pytest.CaptureFixture[str], train_file: Path
) -> None:
    emu.set_speed(50)  # the upload is processed in ~0.1 s, the job queues 0.2 s
    job_id = _submit(capsys, train_file)
    emu.set_speed(0)
    code, out, _ = run(capsys, "jobs", "cancel", job_id, "--json")
    assert code == 0
    assert json.loads(out)["id"] == job_id
    emu.advance(60)
    code, out, _ = run(capsys, "jobs", "follow", job_id, "--interval", "0.01")
    assert code == 1
    assert out.splitlines()[-1] == f"job {job_id} cancelled"


def test_pause_and_resume(
    sdk_env: str, emu: Any, capsys: pytest.CaptureFixture[str], train_file: Path
) -> None:
    emu.set_speed(50)
    job_id = _submit(capsys, train_file, "--epochs", "10")  # 120 steps of ~1 s
    emu.set_speed(0)
    emu.advance(40)  # past queue (10 s) and setup (15 s): training
    code, out, err = run(capsys, "jobs", "pause", job_id)
    assert code == 0, err
    assert out.strip() in (f"{job_id}: pausing", f"{job_id}: paused")
    emu.advance(60)
    code, out, _ = run(capsys, "jobs", "resume", job_id)
    assert code == 0
    assert out.strip() in (f"{job_id}: resuming", f"{job_id}: running")


def test_submit_refuses_without_a_terminal_unless_yes(
    sdk_env: str,
    capsys: pytest.CaptureFixture[str],
    train_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))
    code, out, err = run(capsys, "jobs", "submit", str(train_file), "--model", MODEL)
    assert code == 2
    errors = [line for line in err.splitlines() if line.startswith("ftui:")]
    assert len(errors) == 1
    assert "--yes" in errors[0]
    assert "estimated cost" in out  # the estimate is shown before refusing
    code, out, _ = run(capsys, "jobs", "list", "--json")
    assert json.loads(out) == []


def test_submit_asks_on_a_terminal(
    sdk_env: str,
    capsys: pytest.CaptureFixture[str],
    train_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stdin", Tty("n\n"))
    code, out, _ = run(capsys, "jobs", "submit", str(train_file), "--model", MODEL)
    assert code == 1
    assert "not submitted" in out
    monkeypatch.setattr("sys.stdin", Tty("y\n"))
    code, out, _ = run(capsys, "jobs", "submit", str(train_file), "--model", MODEL)
    assert code == 0
    assert "created job ftjob-" in out


def test_submit_refuses_a_file_with_errors_unless_forced(
    sdk_env: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    rows: list[Any] = chat_rows(12)
    rows[3] = {"messages": "not a list"}
    bad = write_jsonl(tmp_path / "bad.jsonl", rows)
    code, _, err = run(capsys, "jobs", "submit", str(bad), "--model", MODEL, "--yes")
    assert code == 2
    assert "validation error" in err
    assert "line 4" in err
    code, out, _ = run(capsys, "jobs", "list", "--json")
    assert json.loads(out) == []


def test_unknown_job_is_one_line_exit_2(
    sdk_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "jobs", "show", "ftjob-nope")
    assert code == 2
    assert out == ""
    assert err.startswith("ftui: cannot get job ftjob-nope: not found (HTTP 404)")
    assert len(err.strip().splitlines()) == 1


def test_unreachable_service_is_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", "http://127.0.0.1:9")  # discard port
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", CANARY_KEY)
    code, out, err = run(capsys, "jobs", "list")
    assert code == 2
    assert out == ""
    assert err.startswith("ftui: cannot list jobs: could not connect to the service")
    assert len(err.strip().splitlines()) == 1


def test_no_configuration_at_all(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in (
        "AZURE_OPENAI_ENDPOINT",
        "AZURE_OPENAI_API_KEY",
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    code, _, err = run(capsys, "jobs", "list")
    assert code == 2
    assert "ftui config add" in err
    assert len(err.strip().splitlines()) == 1


# ------------------------------------------------------------------------ config


def test_config_add_list_show_test(
    emu: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys,
        "config",
        "add",
        "emu",
        "--kind",
        "azure",
        "--endpoint",
        emu.azure_endpoint,
        "--api-key-env",
        KEY_ENV,
    )
    assert code == 0
    assert "saved profile emu" in out
    code, out, _ = run(
        capsys,
        "config",
        "add",
        "emu1",
        "--kind",
        "azure-v1",
        "--endpoint",
        emu.azure_endpoint,
        "--api-key-env",
        KEY_ENV,
    )
    assert code == 0
    code, out, _ = run(capsys, "config", "list", "--json")
    listing = json.loads(out)
    assert listing["default_profile"] == "emu"
    assert [p["name"] for p in listing["profiles"]] == ["emu", "emu1"]
    assert listing["profiles"][1]["url"] == emu.v1_base_url
    code, out, _ = run(capsys, "config", "list")
    assert out.startswith("* emu ")
    code, out, _ = run(capsys, "config", "show", "--json")
    shown = json.loads(out)
    assert shown["name"] == "emu"
    assert shown["api_version"] == "2025-04-01-preview"
    assert shown["key"].startswith(f"${KEY_ENV} (****")
    for name in ("emu", "emu1"):
        code, out, err = run(capsys, "config", "test", name)
        assert code == 0, err
        assert out.startswith(f"ok: {name} ")
        assert "authenticated" in out
    # The commands use the default profile with no environment variables at all.
    code, out, _ = run(capsys, "jobs", "list", "--json", "--profile", "emu1")
    assert code == 0
    assert json.loads(out) == []


def test_config_test_explains_a_wrong_key_and_a_wrong_api_version(
    emu: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = "sk-ftui-WRONG-CANARY-0000111122223333"
    monkeypatch.setenv("WRONG_KEY", wrong)
    run(
        capsys,
        "config",
        "add",
        "bad",
        "--kind",
        "azure",
        "--endpoint",
        emu.azure_endpoint,
        "--api-key-env",
        "WRONG_KEY",
    )
    code, out, err = run(capsys, "config", "test", "bad")
    assert code == 1
    assert "authentication failed (HTTP 401)" in err
    assert wrong not in out + err
    assert len(err.strip().splitlines()) == 1
    run(
        capsys,
        "config",
        "add",
        "oldapi",
        "--kind",
        "azure",
        "--endpoint",
        emu.azure_endpoint + "/nothing-here",
        "--api-key-env",
        KEY_ENV,
    )
    code, _, err = run(capsys, "config", "test", "oldapi")
    assert code == 1
    assert "404" in err
    assert "api-version" in err
    run(
        capsys,
        "config",
        "add",
        "badversion",
        "--kind",
        "azure",
        "--endpoint",
        emu.azure_endpoint,
        "--api-version",
        "latest",
        "--api-key-env",
        KEY_ENV,
    )
    code, _, err = run(capsys, "config", "test", "badversion")
    assert code == 1
    assert "the API version latest is not accepted" in err


def test_config_test_unreachable(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ENV, CANARY_KEY)
    run(
        capsys,
        "config",
        "add",
        "down",
        "--kind",
        "openai",
        "--base-url",
        "http://127.0.0.1:9/v1",
        "--api-key-env",
        KEY_ENV,
    )
    code, _, err = run(capsys, "config", "test", "down")
    assert code == 1
    assert err.startswith("ftui: cannot reach http://127.0.0.1:9/v1")


def test_a_stored_key_is_private_and_masked(
    emu: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(CANARY_KEY + "\n"))
    code, out, _ = run(
        capsys,
        "config",
        "add",
        "stored",
        "--kind",
        "azure-v1",
        "--endpoint",
        emu.azure_endpoint,
        "--store-key",
    )
    assert code == 0
    assert stat.S_IMODE(config_file().stat().st_mode) == 0o600
    assert CANARY_KEY in config_file().read_text()  # where the user asked for it
    code, out, _ = run(capsys, "config", "show", "stored")
    assert "stored in config file (****" in out
    code, out, _ = run(capsys, "config", "test", "stored")
    assert code == 0


def test_ctrl_c_prints_a_resume_point_and_since_resumes_without_repeats(
    sdk_env: str, emu: Any, capsys: pytest.CaptureFixture[str], train_file: Path
) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    emu.set_speed(20)  # the job takes seconds of real time: room to interrupt
    job_id = _submit(capsys, train_file)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ftui.tui",
            "jobs",
            "follow",
            job_id,
            "--interval",
            "0.05",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )
    assert proc.stdout is not None
    first: list[str] = []
    deadline = time.monotonic() + 30
    while len(first) < 3 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line and not line.startswith("--"):
            first.append(line)
    proc.send_signal(signal.SIGINT)
    # read() keeps what readline() already buffered (communicate() would not)
    rest = proc.stdout.read()
    assert proc.stderr is not None
    err = proc.stderr.read()
    proc.wait(timeout=30)
    assert proc.returncode == 130
    assert "Traceback" not in err
    assert "resume with: ftui jobs follow" in err
    since = err.split("--since ")[1].split()[0]
    seen = first + [
        line + "\n" for line in rest.splitlines() if not line.startswith("--")
    ]
    emu.set_speed(2000)
    time.sleep(0.2)
    capsys.readouterr()  # the emulator thread may log the dropped connection
    code, out, _ = run(
        capsys, "jobs", "follow", job_id, "--since", since, "--interval", "0.01"
    )
    assert code == 0
    later = [line for line in out.splitlines() if line[:2] == "20"]
    assert later, "events after the resume point are printed"
    assert not set(later) & {s.rstrip("\n") for s in seen}, "an event was printed twice"
    # Together they are exactly the job's events.
    code, out, _ = run(capsys, "jobs", "show", job_id, "--json", "--events", "100000")
    total = len(json.loads(out)["events"])
    assert len([s for s in seen if s[:2] == "20"]) + len(later) == total


def test_submit_checks_epochs_and_prices_the_azure_tier(
    sdk_env: str, capsys: pytest.CaptureFixture[str], train_file: Path
) -> None:
    code, _, err = run(
        capsys, "jobs", "submit", str(train_file), "--model", MODEL, "--epochs", "0"
    )
    assert code == 2
    assert "--epochs must be 1-50" in err
    code, out, err = run(
        capsys,
        "jobs",
        "submit",
        str(train_file),
        "--model",
        MODEL,
        "--training-type",
        "GlobalStandard",
        "--yes",
    )
    assert code == 0, err
    assert "estimated cost" in out
    assert "created job ftjob-" in out


def test_submit_sends_the_dated_model_an_alias_stands_for(
    sdk_env: str, capsys: pytest.CaptureFixture[str], train_file: Path
) -> None:
    code, out, err = run(
        capsys, "jobs", "submit", str(train_file), "--model", "gpt-4o-mini", "--yes"
    )
    assert code == 0, err
    job_id = out.split("created job ")[1].split()[0]
    code, out, _ = run(capsys, "jobs", "show", job_id, "--json")
    job = json.loads(out)["job"]
    assert job["model"] == "gpt-4o-mini-2024-07-18"
    code, out, _ = run(capsys, "jobs", "list")
    header, row = out.splitlines()[:2]
    # columns line up however long the ids are
    assert row.index("gpt-4o-mini-2024-07-18") == header.index("MODEL")
