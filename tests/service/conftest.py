"""Fixtures for the service tests: one emulator per session, reset per test, both API routes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from ftui.core.service import FineTuningService, Profile, ProfileKind
from ftui.core.service.retry import Backoff

CANARY_KEY = "sk-ftui-CANARY-7f3a9c1e5b2d4f60a8e1c3b5d7f9a2c4"
"""The emulator's key: recognisable, so tests can grep every output for it."""
KEY_ENV = "FTUI_TEST_EMULATOR_KEY"
MODEL = "gpt-4o-mini-2024-07-18"


def chat_rows(n: int = 12) -> list[dict[str, Any]]:
    """`n` small valid chat examples."""
    return [
        {
            "messages": [
                {"role": "system", "content": "You answer with a number."},
                {"role": "user", "content": f"What is {i} plus {i}?"},
                {"role": "assistant", "content": str(2 * i)},
            ]
        }
        for i in range(n)
    ]


def write_jsonl(path: Path, rows: list[Any]) -> Path:
    """Write rows as JSONL and return the path."""
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[Any]:
    """One emulator for the whole session (fast simulated clock)."""
    server_module = pytest.importorskip(
        "ftui.core.emulator.server", reason="the emulator is not in this build"
    )
    handle = server_module.start_emulator(speed=2000.0, api_key=CANARY_KEY)
    yield handle
    handle.stop()


@pytest.fixture
def emu(emulator_server: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The session emulator, reset, with its key in `KEY_ENV`."""
    emulator_server.reset()
    monkeypatch.setenv(KEY_ENV, CANARY_KEY)
    yield emulator_server
    emulator_server.reset()


async def no_wait(seconds: float) -> None:
    """A sleep that only yields to the loop (recorded by `SleepLog`)."""
    await asyncio.sleep(0)


class SleepLog:
    """An injectable sleep that records the requested delays and barely waits."""

    def __init__(self, cap: float = 0.002) -> None:
        self.delays: list[float] = []
        self.cap = cap

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        await asyncio.sleep(min(seconds, self.cap))


@pytest.fixture(params=["dated", "v1"])
def profile(request: pytest.FixtureRequest, emu: Any) -> Profile:
    """A profile for the emulator on the dated Azure route and on the v1 route."""
    if request.param == "dated":
        return Profile(
            name="emu-dated",
            kind=ProfileKind.AZURE,
            endpoint=emu.azure_endpoint,
            api_key_env=KEY_ENV,
        )
    return Profile(
        name="emu-v1",
        kind=ProfileKind.AZURE_V1,
        endpoint=emu.azure_endpoint,
        api_key_env=KEY_ENV,
    )


@pytest.fixture
async def service(profile: Profile) -> AsyncIterator[FineTuningService]:
    """A service on `profile` with no SDK retries and no real waiting."""
    svc = FineTuningService.from_profile(
        profile, max_retries=0, sleep=SleepLog(), backoff=Backoff(base=0.01, cap=0.05)
    )
    async with svc:
        yield svc


@pytest.fixture
def train_file(tmp_path: Path) -> Path:
    """A small valid chat training file."""
    return write_jsonl(tmp_path / "train.jsonl", chat_rows(12))


@pytest.fixture
def valid_file(tmp_path: Path) -> Path:
    """A small valid chat validation file."""
    rows = chat_rows(22)[12:]
    return write_jsonl(tmp_path / "valid.jsonl", rows)
