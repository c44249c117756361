"""Shared fixtures: offline tiktoken files, isolated config and cache, sample paths."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from ftui.core.emulator.server import EmulatorHandle

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SHARED_DATASETS = SHARED / "datasets"
EXAMPLE_DATASET = ROOT / "core" / "data" / "medical_coding.jsonl"
BROKEN_DATASET = ROOT / "core" / "data" / "broken.jsonl"

# Tokenizer files cannot be downloaded here: use the verified copies when present.
if "TIKTOKEN_CACHE_DIR" not in os.environ and (SHARED / "tiktoken-cache").is_dir():
    os.environ["TIKTOKEN_CACHE_DIR"] = str(SHARED / "tiktoken-cache")


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Point ftui's config and cache folders at fresh temp folders for each test."""
    base = tmp_path_factory.mktemp("ftui-home")
    saved = {k: os.environ.get(k) for k in ("FTUI_CONFIG_DIR", "FTUI_CACHE_DIR")}
    os.environ["FTUI_CONFIG_DIR"] = str(base / "config")
    os.environ["FTUI_CACHE_DIR"] = str(base / "cache")
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


EMULATOR_TEST_SPEED = 1000.0
"""Simulated seconds per real second in tests: a 10-example job ends in ~0.2 s."""


@pytest.fixture(scope="session")
def _emulator_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[EmulatorHandle]:
    """One emulator for the whole session (a thread on a free loopback port)."""
    from ftui.core.emulator.server import start_emulator

    handle = start_emulator(
        speed=EMULATOR_TEST_SPEED, data_dir=tmp_path_factory.mktemp("emulator")
    )
    yield handle
    handle.stop()


@pytest.fixture
def emulator(_emulator_server: EmulatorHandle) -> Iterator[EmulatorHandle]:
    """The local Azure OpenAI emulator, with empty state, no faults, test speed.

    Use `emulator.azure_endpoint` / `emulator.v1_base_url` and `emulator.api_key`
    with the real SDK; `set_faults()`, `set_speed()`, `advance()`, `deploy()`
    change it for one test (the next test starts from a reset).
    """
    _emulator_server.reset()
    yield _emulator_server
    _emulator_server.reset()


def shared_dataset(name: str) -> Path:
    """Path of a file in ../shared/datasets, skipping the test when it is absent."""
    path = SHARED_DATASETS / name
    if not path.is_file():
        pytest.skip(
            f"{path} is not here (the shared sample datasets are not in this checkout)"
        )
    return path
