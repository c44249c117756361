"""One per-step metrics series built from events, checkpoints and the results file."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ftui.core.service.models import Checkpoint, JobEvent, MetricPoint, MetricsSeries

__all__ = ["build_metrics", "metric_point_from_event", "metric_point_from_mapping"]

_FIELDS = (
    "train_loss",
    "train_accuracy",
    "valid_loss",
    "valid_accuracy",
    "full_valid_loss",
    "full_valid_accuracy",
)

_DATA_KEYS: dict[str, str] = {
    "train_loss": "train_loss",
    "train_mean_token_accuracy": "train_accuracy",
    "train_accuracy": "train_accuracy",
    "valid_loss": "valid_loss",
    "validation_loss": "valid_loss",
    "valid_mean_token_accuracy": "valid_accuracy",
    "validation_mean_token_accuracy": "valid_accuracy",
    "valid_accuracy": "valid_accuracy",
    "full_valid_loss": "full_valid_loss",
    "full_validation_loss": "full_valid_loss",
    "full_valid_mean_token_accuracy": "full_valid_accuracy",
    "full_validation_mean_token_accuracy": "full_valid_accuracy",
    "full_valid_accuracy": "full_valid_accuracy",
}

_NUM = r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)"
_STEP_RE = re.compile(r"Step (\d+)(?:/(\d+))?:")
_MESSAGE_RES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("full_valid_loss", re.compile(r"full validation loss=" + _NUM)),
    ("valid_loss", re.compile(r"(?<!full )validation loss=" + _NUM)),
    ("train_loss", re.compile(r"training loss=" + _NUM)),
)


def _float(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def metric_point_from_mapping(step: int, data: Mapping[str, Any]) -> MetricPoint:
    """Build a point from a metrics dict in either spelling (events, checkpoints).

    Args:
        step: The training step.
        data: Keys such as `train_loss`, `valid_mean_token_accuracy`.

    Returns:
        The point; unknown keys are ignored.
    """
    values: dict[str, float | None] = {}
    for key, value in data.items():
        field = _DATA_KEYS.get(str(key).lower())
        if field is not None and values.get(field) is None:
            values[field] = _float(value)
    return MetricPoint(step=step, **values)


def metric_point_from_event(event: JobEvent) -> tuple[MetricPoint, int | None] | None:
    """Read the metrics of one event, from `data` or else from its message text.

    Older events lack `type`/`data`; their message reads like
    ``Step 290/303: training loss=0.00, validation loss=0.31`` (reference §3.6).

    Args:
        event: A job event.

    Returns:
        `(point, total_steps)` or None when the event carries no metrics.
    """
    data = event.data or {}
    step = data.get("step")
    if step is not None and (event.type in (None, "metrics") or "train_loss" in data):
        try:
            step_int = int(step)
        except (TypeError, ValueError):
            step_int = None
        if step_int is not None:
            total = data.get("total_steps")
            total_int = (
                int(total) if isinstance(total, int | float) and total > 0 else None
            )
            return metric_point_from_mapping(step_int, data), total_int
    match = _STEP_RE.search(event.message or "")
    if match is None:
        return None
    values: dict[str, float | None] = {}
    for field, pattern in _MESSAGE_RES:
        found = pattern.search(event.message)
        if found:
            values[field] = _float(found.group(1))
    if not values:
        return None
    total_steps = int(match.group(2)) if match.group(2) else None
    return MetricPoint(step=int(match.group(1)), **values), total_steps


def _merge(base: MetricPoint | None, extra: MetricPoint) -> MetricPoint:
    """Fill `base`'s missing fields from `extra` (base wins where both have a value)."""
    if base is None:
        return extra
    updates = {
        f: getattr(extra, f)
        for f in _FIELDS
        if getattr(base, f) is None and getattr(extra, f) is not None
    }
    return base.model_copy(update=updates) if updates else base


def build_metrics(
    *,
    events: Iterable[JobEvent] = (),
    checkpoints: Sequence[Checkpoint] = (),
    results: Sequence[MetricPoint] = (),
    total_steps: int | None = None,
) -> MetricsSeries:
    """Merge whatever metrics exist into one series keyed by step.

    Precedence per field: the results file (complete, written at the end), then
    metrics events (live), then checkpoint metrics (one per kept epoch).

    Args:
        events: Job events in any order; non-metric events are ignored.
        checkpoints: Checkpoints of the job.
        results: Points parsed from `results.csv`.
        total_steps: Known total, if any (else taken from the events).

    Returns:
        The merged series, sorted by step.
    """
    by_step: dict[int, MetricPoint] = {}
    sources: list[str] = []
    for point in results:
        by_step[point.step] = _merge(by_step.get(point.step), point)
    if results:
        sources.append("results")
    seen_event = False
    for event in events:
        parsed = metric_point_from_event(event)
        if parsed is None:
            continue
        point, total = parsed
        seen_event = True
        by_step[point.step] = _merge(by_step.get(point.step), point)
        if total and not total_steps:
            total_steps = total
    if seen_event:
        sources.append("events")
    seen_checkpoint = False
    for checkpoint in checkpoints:
        if checkpoint.metrics is None:
            continue
        seen_checkpoint = True
        point = checkpoint.metrics
        by_step[point.step] = _merge(by_step.get(point.step), point)
    if seen_checkpoint:
        sources.append("checkpoints")
    points = tuple(by_step[s] for s in sorted(by_step))
    return MetricsSeries(points=points, total_steps=total_steps, sources=tuple(sources))
