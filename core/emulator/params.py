"""Checking a fine-tuning job create request as the service does (400 answers)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ftui.core.emulator.apierrors import ApiError

__all__ = ["JobRequest", "parse_job_request"]

_SUFFIX = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
_TRAINING_TYPES = {
    "standard": "Standard",
    "globalstandard": "GlobalStandard",
    "global": "GlobalStandard",
    "developer": "Developer",
    "developertier": "Developer",
}


@dataclass(frozen=True)
class JobRequest:
    """The checked fields of a `POST /fine_tuning/jobs` body.

    Attributes:
        model: Base (or fine-tuned) model to train.
        method: "supervised" or "dpo".
        requested: n_epochs, batch_size, learning_rate_multiplier (and beta for
            DPO) as asked for; None means "auto".
        suffix: Suffix to echo.
        seed: Seed asked for, if any.
        training_type: Azure `trainingType`, as sent.
        metadata: String pairs to store and echo.
    """

    model: str
    method: str
    requested: dict[str, Any]
    suffix: str | None
    seed: int | None
    training_type: str | None
    metadata: dict[str, str] | None


def _positive_int(value: Any, name: str, low: int, high: int) -> int | None:
    if value is None or value == "auto":
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not low <= value <= high
    ):
        raise ApiError(
            400,
            "invalidPayload",
            f"{name} must be an integer from {low} to {high} or 'auto', got {value!r}.",
            param=name,
        )
    return value


def _positive_float(value: Any, name: str, high: float | None = None) -> float | None:
    if value is None or value == "auto":
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or value <= 0
        or (high is not None and value > high)
    ):
        limit = f" and at most {high}" if high is not None else ""
        raise ApiError(
            400,
            "invalidPayload",
            f"{name} must be a number above 0{limit} or 'auto', got {value!r}.",
            param=name,
        )
    return float(value)


def _valid_metadata(value: Any) -> bool:
    """OpenAI's metadata rules: <= 16 pairs, str keys <= 64, str values <= 512."""
    return (
        isinstance(value, dict)
        and len(value) <= 16
        and all(
            isinstance(k, str) and isinstance(v, str) and len(k) <= 64 and len(v) <= 512
            for k, v in value.items()
        )
    )


def _hyperparameters(body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The method type and requested hyperparameters (None = auto) of a create body."""
    method = body.get("method")
    raw: Any = body.get("hyperparameters") or {}
    kind = "supervised"
    if method is not None:
        if not isinstance(method, dict) or method.get("type") not in {
            "supervised",
            "dpo",
        }:
            raise ApiError(
                400,
                "invalidPayload",
                "method.type must be 'supervised' or 'dpo' (reinforcement is not "
                "emulated).",
                param="method",
            )
        kind = method["type"]
        section = method.get(kind) or {}
        if not isinstance(section, dict):
            raise ApiError(400, "invalidPayload", f"method.{kind} must be an object.")
        # Azure's DPO sample puts beta directly under `dpo`; accept both shapes.
        raw = {**{k: v for k, v in section.items() if k != "hyperparameters"}}
        raw.update(section.get("hyperparameters") or {})
    if not isinstance(raw, dict):
        raise ApiError(400, "invalidPayload", "hyperparameters must be an object.")
    requested: dict[str, Any] = {
        "n_epochs": _positive_int(raw.get("n_epochs"), "n_epochs", 1, 50),
        "batch_size": _positive_int(raw.get("batch_size"), "batch_size", 1, 256),
        "learning_rate_multiplier": _positive_float(
            raw.get("learning_rate_multiplier"), "learning_rate_multiplier"
        ),
    }
    if kind == "dpo":
        requested["beta"] = _positive_float(raw.get("beta"), "beta", 2.0)
    return kind, requested


def parse_job_request(body: dict[str, Any]) -> JobRequest:
    """Check a job create body (files are checked by the state, which has them).

    Args:
        body: The JSON request body.

    Returns:
        The checked request.

    Raises:
        ApiError: 400 `invalidPayload` naming the bad field in `param`.
    """
    from ftui.core.errors import ConfigError
    from ftui.core.model_table import load_model_table

    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise ApiError(400, "invalidPayload", "model is required.", param="model")
    try:
        load_model_table().lookup(model)
    except ConfigError:
        raise ApiError(
            400,
            "invalidPayload",
            f"The model '{model}' is not supported for fine-tuning.",
            param="model",
        ) from None
    method, requested = _hyperparameters(body)
    suffix = body.get("suffix")
    if suffix is not None and (
        not isinstance(suffix, str) or not _SUFFIX.match(suffix)
    ):
        raise ApiError(
            400,
            "invalidPayload",
            "suffix must be 1-40 characters of letters, digits, '-' or '_'.",
            param="suffix",
        )
    seed = body.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise ApiError(400, "invalidPayload", "seed must be an integer.", param="seed")
    training_type = body.get("trainingType")
    if training_type is not None and (
        not isinstance(training_type, str)
        or training_type.lower() not in _TRAINING_TYPES
    ):
        raise ApiError(
            400,
            "invalidPayload",
            "trainingType must be one of Standard, GlobalStandard, Developer; "
            f"got {training_type!r}.",
            param="trainingType",
        )
    metadata = body.get("metadata")
    if metadata is not None and not _valid_metadata(metadata):
        raise ApiError(
            400,
            "invalidPayload",
            "metadata must be at most 16 string pairs (keys up to 64 "
            "characters, values up to 512).",
            param="metadata",
        )
    return JobRequest(
        model=model,
        method=method,
        requested=requested,
        suffix=suffix,
        seed=seed,
        training_type=training_type,
        metadata=metadata,
    )
