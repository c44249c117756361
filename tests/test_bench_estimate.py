"""The estimate benchmark runs end to end on a tiny generated file and agrees."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

BENCHMARKS = ROOT / "benchmarks"


def test_generator_and_benchmark_agree(tmp_path: Path) -> None:
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import make_dataset
    finally:
        sys.path.remove(str(BENCHMARKS))
    path = make_dataset.write_dataset(300, tmp_path / "chat.jsonl", seed=7)
    again = make_dataset.write_dataset(300, tmp_path / "again.jsonl", seed=7)
    assert path.read_bytes() == again.read_bytes()  # deterministic
    result = subprocess.run(
        [
            sys.executable,
            str(BENCHMARKS / "bench_estimate.py"),
            str(path),
            "--repeat",
            "1",
        ],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=120,
        check=True,
    )
    assert "-> identical" in result.stdout, result.stdout + result.stderr
    for label in ("(a) cookbook", "(b) ftui cold", "(c) ftui warm", "peak memory cold"):
        assert label in result.stdout
