"""Unit tests of the emulator's parts: fault specs, multipart, clock, loss curve, CSV."""

from __future__ import annotations

import csv
import io
import json
import time
from pathlib import Path

import httpx2
import pytest

from ftui.core.emulator.clock import SimClock
from ftui.core.emulator.faults import Fault, FaultInjector, FaultSpec, parse_faults
from ftui.core.emulator.multipart import MultipartError, parse_multipart
from ftui.core.emulator.training import (
    RESULTS_COLUMNS,
    LossCurve,
    default_batch_size,
    default_epochs,
    plan_training,
    results_csv,
)


def test_parse_faults() -> None:
    spec = parse_faults("429=0.1, 5xx=0.2,drop=0.05,drop_after=0.01,latency=0.3,seed=9")
    assert spec == FaultSpec(
        rate_limit=0.1,
        server_error=0.2,
        drop=0.05,
        drop_after=0.01,
        latency=0.3,
        seed=9,
    )
    assert parse_faults("") == FaultSpec()
    assert parse_faults(None) == FaultSpec()
    assert not FaultSpec().active
    assert parse_faults("delay=2,retry_after=0.5") == FaultSpec(
        delay=2, retry_after=0.5
    )


@pytest.mark.parametrize(
    "bad", ["429", "404=0.1", "429=lots", "429=1.5", "429=0.6,5xx=0.6", "delay=-1"]
)
def test_parse_faults_rejects(bad: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the messages differ per case
        parse_faults(bad)


def test_injector_rates_and_counts() -> None:
    injector = FaultInjector("429=0.5,drop=0.25,seed=1")
    faults = [injector.decide().fault for _ in range(4000)]
    assert 0.45 < faults.count(Fault.RATE_LIMIT) / 4000 < 0.55
    assert 0.2 < faults.count(Fault.DROP) / 4000 < 0.3
    assert injector.counts["requests"] == 4000
    injector.configure(None)
    assert injector.decide().fault is Fault.NONE
    assert injector.counts["requests"] == 1


def _encoded(data: bytes, filename: str = "t.jsonl") -> tuple[bytes, str]:
    request = httpx2.Request(
        "POST",
        "http://x/files",
        data={"purpose": "fine-tune"},
        files={"file": (filename, data, "application/jsonl")},
    )
    return request.read(), request.headers["content-type"]


def test_multipart_is_byte_exact() -> None:
    payload = b"\xef\xbb\xbf{}\r\n{}\n\xff\xfe broken utf-8\r\n\r\n--not-a-boundary\r\n"
    body, content_type = _encoded(payload, "d\u00e9j\u00e0 vu.jsonl")
    parts = {p.name: p for p in parse_multipart(body, content_type)}
    assert parts["file"].data == payload
    assert parts["file"].filename == "d\u00e9j\u00e0 vu.jsonl"
    assert parts["file"].content_type == "application/jsonl"
    assert parts["purpose"].data == b"fine-tune"
    assert parts["purpose"].filename is None


def test_multipart_empty_file() -> None:
    body, content_type = _encoded(b"")
    parts = {p.name: p for p in parse_multipart(body, content_type)}
    assert parts["file"].data == b""


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"x", "application/json"),
        (b"x", "multipart/form-data"),
        (b"--b\r\nno separator--b--", "multipart/form-data; boundary=b"),
        (b"--b\r\n\r\nno headers\r\n--b--\r\n", "multipart/form-data; boundary=b"),
        (
            b'--b\r\nContent-Disposition: form-data; name="a"\r\n\r\nx\r\n--b\r\n',
            "multipart/form-data; boundary=b",
        ),
    ],
)
def test_multipart_rejects(body: bytes, content_type: str) -> None:
    with pytest.raises(MultipartError):
        parse_multipart(body, content_type)


def test_clock_speed_freeze_and_advance() -> None:
    clock = SimClock(0)
    start = clock.now()
    assert clock.now() == start
    assert clock.advance(100) == pytest.approx(start + 100)
    clock.set_speed(1e6)
    later = clock.now()
    assert later >= start + 100
    clock.set_speed(0)
    frozen = clock.now()
    assert frozen >= later  # changing speed never moves time backwards
    assert clock.real_seconds(10) == float("inf")
    with pytest.raises(ValueError):  # noqa: PT011
        clock.advance(-1)
    with pytest.raises(ValueError):  # noqa: PT011
        SimClock(-1)


def test_stamps_are_wall_clock_and_never_decrease() -> None:
    clock = SimClock(100)
    now = clock.now()
    assert abs(clock.stamp(now) - time.time()) <= 1
    assert abs(clock.stamp(now + 1000) - (time.time() + 10)) <= 1  # future: /speed
    first = clock.stamp(now)
    clock.set_speed(0)
    clock.advance(10_000)
    # Things that became due during the jump are stamped "now", not in the past.
    assert clock.stamp(now + 5) >= first
    assert clock.stamp(now + 1) >= first


def test_auto_hyperparameters() -> None:
    assert default_epochs(10) == 10
    assert default_epochs(1) == 25
    assert default_epochs(100) == 3
    assert default_epochs(100_000) == 1
    assert default_batch_size(10) == 1
    assert default_batch_size(5000) == 10
    assert default_batch_size(10**6) == 256
    plan = plan_training(
        25, 2500, n_epochs=None, batch_size=4, learning_rate_multiplier=None
    )
    assert (plan.n_epochs, plan.batch_size, plan.steps_per_epoch) == (4, 4, 7)
    assert plan.total_steps == 28
    assert plan.learning_rate_multiplier == 1.0
    assert plan.step_seconds > 1


def test_loss_curve_is_deterministic_and_decreasing() -> None:
    plan = plan_training(
        50, 5000, n_epochs=3, batch_size=1, learning_rate_multiplier=None
    )
    curve = LossCurve(3, plan, has_validation=True)
    again = LossCurve(3, plan, has_validation=True)
    rows = [curve.at(s) for s in range(1, plan.total_steps + 1)]
    assert rows == [again.at(s) for s in range(1, plan.total_steps + 1)]
    assert rows != [
        LossCurve(4, plan, has_validation=True).at(s) for s in range(1, 151)
    ]
    first = sum(r["train_loss"] for r in rows[:15])
    last = sum(r["train_loss"] for r in rows[-15:])
    assert last < 0.5 * first
    assert all(r["train_loss"] > 0 for r in rows)
    full = [r["step"] for r in rows if "full_valid_loss" in r]
    assert full == [50, 100, 150]
    dpo = LossCurve(3, plan, has_validation=False, method="dpo")
    assert 0.5 < dpo.at(1)["train_loss"] < 0.95  # starts near ln 2
    assert "valid_loss" not in dpo.at(plan.total_steps)


def test_results_csv_blank_cells() -> None:
    text = results_csv(
        [
            {"step": 1, "train_loss": 1.5, "train_mean_token_accuracy": 0.5},
            {
                "step": 2,
                "train_loss": 1.25,
                "train_mean_token_accuracy": 0.55,
                "valid_loss": 1.3,
                "valid_mean_token_accuracy": 0.52,
            },
        ]
    ).decode()
    lines = text.splitlines()
    assert lines[0] == ",".join(RESULTS_COLUMNS)
    assert lines[1] == "1,1.5,0.5,,,,"
    assert lines[2] == "2,1.25,0.55,1.3,0.52,,"
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[1]["validation_mean_token_accuracy"] == "0.52"


def test_trained_tokens_are_capped_at_the_training_context(tmp_path: Path) -> None:
    from ftui.core.dataset import open_dataset
    from ftui.core.emulator.analysis import count_training_tokens
    from ftui.core.tokens import count_dataset

    long_note = "The patient reports intermittent chest pain. " * 600  # ~5k tokens
    rows = [
        {
            "messages": [
                {"role": "user", "content": long_note},
                {"role": "assistant", "content": "R07.9"},
            ]
        },
        {
            "messages": [
                {"role": "user", "content": "Short note."},
                {"role": "assistant", "content": "Z00.00"},
            ]
        },
    ]
    path = tmp_path / "train.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    totals = [
        c.total
        for c in count_dataset(open_dataset(path), "gpt-3.5-turbo-0613").by_row.values()
    ]
    assert totals[0] > 4096 > totals[1]
    billed, examples = count_training_tokens(path, "gpt-3.5-turbo-0613")
    assert (billed, examples) == (4096 + totals[1], 2)
