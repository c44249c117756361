"""Parsing `results.csv`: OpenAI and Azure column names, plain or base64."""

from __future__ import annotations

import base64
import binascii
import csv
import io
import math

from ftui.core.errors import ServiceError
from ftui.core.service.models import MetricPoint

__all__ = ["COLUMN_ALIASES", "decode_results_bytes", "parse_results_csv"]

COLUMN_ALIASES: dict[str, str] = {
    "step": "step",
    "train_loss": "train_loss",
    "training_loss": "train_loss",
    "train_accuracy": "train_accuracy",
    "train_mean_token_accuracy": "train_accuracy",
    "training_mean_token_accuracy": "train_accuracy",
    "valid_loss": "valid_loss",
    "validation_loss": "valid_loss",
    "valid_accuracy": "valid_accuracy",
    "valid_mean_token_accuracy": "valid_accuracy",
    "validation_mean_token_accuracy": "valid_accuracy",
    "validation_accuracy": "valid_accuracy",
    "full_valid_loss": "full_valid_loss",
    "full_validation_loss": "full_valid_loss",
    "full_valid_accuracy": "full_valid_accuracy",
    "full_valid_mean_token_accuracy": "full_valid_accuracy",
    "full_validation_mean_token_accuracy": "full_valid_accuracy",
}
"""Lower-cased header name → `MetricPoint` field. OpenAI writes `train_accuracy`
and `valid_mean_token_accuracy`; Azure documents `train_mean_token_accuracy` and
`validation_mean_token_accuracy` (reference §4 and §10.3)."""


def _looks_like_csv(text: str) -> bool:
    return text.lstrip().lower().startswith("step")


def decode_results_bytes(content: bytes) -> str:
    """Return the CSV text of a result file, decoding base64 when needed.

    Rule (reference §4): if the content starts with ``step`` it is CSV; else it
    is base64-encoded CSV (what OpenAI returns).

    Args:
        content: The raw bytes of the file.

    Returns:
        The CSV text.

    Raises:
        ServiceError: Neither CSV nor base64 of CSV.
    """
    text = content.decode("utf-8-sig", errors="replace")
    if _looks_like_csv(text):
        return text
    compact = b"".join(content.split())
    try:
        decoded = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        decoded = b""
    decoded_text = decoded.decode("utf-8-sig", errors="replace")
    if decoded and _looks_like_csv(decoded_text):
        return decoded_text
    raise ServiceError(
        "the result file is neither a results CSV nor base64 of one "
        f"(starts with {text[:20]!r})"
    )


def _number(cell: str | None) -> float | None:
    if cell is None:
        return None
    cell = cell.strip()
    if not cell:
        return None
    try:
        value = float(cell)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def parse_results_csv(content: bytes | str) -> list[MetricPoint]:
    """Parse a `results.csv` into metric points, one per step, in step order.

    Column names are matched case-insensitively through `COLUMN_ALIASES`;
    unknown columns are ignored; blank cells become None; rows without a
    numeric step are skipped.

    Args:
        content: The file's bytes (plain or base64) or its decoded text.

    Returns:
        The points, sorted by step (a repeated step keeps the last row).

    Raises:
        ServiceError: The content is not a results file (no `step` column).
    """
    text = decode_results_bytes(content) if isinstance(content, bytes) else content
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header:
        return []
    fields = [COLUMN_ALIASES.get(name.strip().lower()) for name in header]
    if "step" not in fields:
        raise ServiceError(f"the result file has no 'step' column (columns: {header})")
    by_step: dict[int, MetricPoint] = {}
    for row in reader:
        values: dict[str, float | None] = {}
        for field, cell in zip(fields, row, strict=False):
            if field is not None:
                values[field] = _number(cell)
        step = values.pop("step", None)
        if step is None:
            continue
        by_step[int(step)] = MetricPoint(step=int(step), **values)
    return [by_step[s] for s in sorted(by_step)]
