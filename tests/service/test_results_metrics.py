"""results.csv parsing (both spellings, plain and base64) and the merged metrics series."""

from __future__ import annotations

import base64

import pytest

from ftui.core.errors import ServiceError
from ftui.core.service import (
    Checkpoint,
    JobEvent,
    MetricPoint,
    build_metrics,
    parse_results_csv,
)
from tests.conftest import shared_dataset

OPENAI_CSV = (
    "step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy\n"
    "1,3.63265,0.5,,\n"
    "2,2.45992,0.80952,,\n"
    "3,1.5,0.9,1.75,0.7\n"
)
AZURE_CSV = (
    "step,train_loss,train_mean_token_accuracy,valid_loss,"
    "validation_mean_token_accuracy,full_valid_loss,full_valid_mean_token_accuracy\n"
    "1,2.0,0.4,,,,\n"
    "2,1.5,0.5,1.6,0.45,,\n"
    "3,1.0,0.6,,,1.2,0.55\n"
)


def test_openai_spelling() -> None:
    points = parse_results_csv(OPENAI_CSV.encode())
    assert [p.step for p in points] == [1, 2, 3]
    assert points[0] == MetricPoint(step=1, train_loss=3.63265, train_accuracy=0.5)
    assert points[2].valid_loss == 1.75
    assert points[2].valid_accuracy == 0.7
    assert points[2].full_valid_loss is None


def test_azure_spelling() -> None:
    points = parse_results_csv(AZURE_CSV.encode())
    assert points[1].valid_accuracy == 0.45
    assert points[1].train_accuracy == 0.5
    assert points[2].full_valid_loss == 1.2
    assert points[2].full_valid_accuracy == 0.55
    assert points[0].valid_loss is None


@pytest.mark.parametrize("csv_text", [OPENAI_CSV, AZURE_CSV])
def test_base64_content_is_decoded(csv_text: str) -> None:
    encoded = base64.b64encode(csv_text.encode())
    assert parse_results_csv(encoded) == parse_results_csv(csv_text.encode())
    wrapped = base64.encodebytes(csv_text.encode())  # with line breaks
    assert parse_results_csv(wrapped) == parse_results_csv(csv_text.encode())


def test_headers_are_case_insensitive_with_bom_and_crlf() -> None:
    text = "\ufeffStep,Train_Loss,EXTRA\r\n5,0.25,x\r\n4,0.5,y\r\n"
    points = parse_results_csv(text.encode("utf-8"))
    assert [(p.step, p.train_loss) for p in points] == [(4, 0.5), (5, 0.25)]


def test_garbage_is_a_service_error() -> None:
    with pytest.raises(ServiceError, match="neither"):
        parse_results_csv(b"\x00\x01 not a csv")
    with pytest.raises(ServiceError, match="step"):
        parse_results_csv("loss,acc\n1,2\n")


def test_real_openai_cookbook_results_file() -> None:
    path = shared_dataset("openai_cookbook_results_csv_from_function_calling_nb.csv")
    raw = path.read_bytes()
    points = parse_results_csv(raw)
    rows = raw.decode().strip().splitlines()[1:]
    assert len(points) == len(rows)
    assert points[0].step == 1
    assert points[0].train_loss == pytest.approx(3.63265)
    assert points[-1].step == int(rows[-1].split(",")[0])
    # That run had no validation file: the valid columns are blank throughout.
    assert all(p.valid_loss is None and p.valid_accuracy is None for p in points)
    assert all(0.0 <= (p.train_accuracy or 0.0) <= 1.0 for p in points)
    assert parse_results_csv(base64.b64encode(raw)) == points


def _metrics_event(step: int, **data: float) -> JobEvent:
    return JobEvent(
        id=f"ev-{step}",
        created_at=step,
        type="metrics",
        message=f"Step {step}",
        data={"step": step, "total_steps": 4, **data},
    )


def test_series_merges_results_events_and_checkpoints_by_step() -> None:
    results = parse_results_csv(AZURE_CSV.encode())
    events = [
        _metrics_event(3, train_loss=9.9, valid_mean_token_accuracy=0.61),
        _metrics_event(4, train_loss=0.8, full_valid_loss=0.9),
        JobEvent(id="m", created_at=0, message="Job started."),
    ]
    checkpoints = [
        Checkpoint(
            id="ck",
            step_number=4,
            metrics=MetricPoint(step=4, train_loss=7.0, train_accuracy=0.7),
        )
    ]
    series = build_metrics(events=events, checkpoints=checkpoints, results=results)
    assert [p.step for p in series.points] == [1, 2, 3, 4]
    assert series.sources == ("results", "events", "checkpoints")
    assert series.total_steps == 4
    step3 = series.points[2]
    assert step3.train_loss == 1.0  # the results file wins
    assert step3.valid_accuracy == 0.61  # filled from the event
    step4 = series.points[3]
    assert step4.train_loss == 0.8
    assert step4.full_valid_loss == 0.9
    assert step4.train_accuracy == 0.7  # filled from the checkpoint
    assert series.column("full_valid_loss") == [(3, 1.2), (4, 0.9)]


def test_events_without_data_are_read_from_their_message() -> None:
    events = [
        JobEvent(
            id="a",
            created_at=1,
            message="Step 290/303: training loss=0.00, validation loss=0.31",
        ),
        JobEvent(
            id="b",
            created_at=2,
            message="Step 303/303: training loss=1.5e-3, full validation loss=0.33",
        ),
        JobEvent(id="c", created_at=3, message="Step 100: training loss=0.0016"),
    ]
    series = build_metrics(events=events)
    by_step = {p.step: p for p in series.points}
    assert by_step[290].train_loss == 0.0
    assert by_step[290].valid_loss == 0.31
    assert by_step[290].full_valid_loss is None
    assert by_step[303].full_valid_loss == 0.33
    assert by_step[303].valid_loss is None
    assert by_step[303].train_loss == pytest.approx(0.0015)
    assert by_step[100].train_loss == 0.0016
    assert series.total_steps == 303


def test_empty_inputs_give_an_empty_series() -> None:
    series = build_metrics()
    assert series.points == ()
    assert series.sources == ()
    assert series.total_steps is None
