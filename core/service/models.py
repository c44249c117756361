"""ftui's own models of files, jobs, events, metrics and chat (never SDK objects)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "ChatChunk",
    "ChatResult",
    "ChatUsage",
    "Checkpoint",
    "FileInfo",
    "FileStatus",
    "FollowUpdate",
    "Hyperparameters",
    "JobError",
    "JobEvent",
    "JobInfo",
    "JobStatus",
    "MetricPoint",
    "MetricsSeries",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class _TolerantStrEnum(StrEnum):
    """A StrEnum that turns unknown strings into extra members instead of failing.

    The services add states over time (`pausing`, `paused` arrived in 2025), and
    the SDK does not validate them, so neither do we: an unknown value becomes a
    pseudo-member whose value is the original string.
    """

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = value.upper()
        member._value_ = value
        return member


class JobStatus(_TolerantStrEnum):
    """A fine-tuning job state, OpenAI's and Azure's spellings together."""

    CREATED = "created"
    VALIDATING_FILES = "validating_files"
    QUEUED = "queued"
    PENDING = "pending"
    RUNNING = "running"
    PAUSING = "pausing"
    PAUSED = "paused"
    RESUMING = "resuming"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_terminal(self) -> bool:
        """True when the job will not change any more."""
        return self.value in _TERMINAL_JOB_STATES

    @property
    def is_known(self) -> bool:
        """False for a state string this version of ftui has never seen."""
        return self.value in JobStatus._value2member_map_


_TERMINAL_JOB_STATES = frozenset({"succeeded", "failed", "cancelled"})


class FileStatus(_TolerantStrEnum):
    """A file's processing state (meaningful on Azure; deprecated on OpenAI)."""

    UPLOADED = "uploaded"
    PENDING = "pending"
    RUNNING = "running"
    PROCESSED = "processed"
    ERROR = "error"
    DELETING = "deleting"
    DELETED = "deleted"

    @property
    def is_terminal(self) -> bool:
        """True once the file is processed, failed or deleted."""
        return self.value in {"processed", "error", "deleted"}


class FileInfo(_Frozen):
    """An uploaded file."""

    id: str
    filename: str
    bytes: int | None = None
    purpose: str
    status: FileStatus | None = None
    status_details: str | None = None
    created_at: int | None = None


class Hyperparameters(_Frozen):
    """Hyperparameters of a job; None = auto (Azure reports auto as -1)."""

    n_epochs: int | None = None
    batch_size: int | None = None
    learning_rate_multiplier: float | None = None
    beta: float | None = None


class JobError(_Frozen):
    """Why a job failed, as the service reports it."""

    code: str | None = None
    message: str | None = None
    param: str | None = None


class JobInfo(_Frozen):
    """A fine-tuning job snapshot."""

    id: str
    status: JobStatus
    model: str
    fine_tuned_model: str | None = None
    created_at: int | None = None
    finished_at: int | None = None
    estimated_finish: int | None = None
    training_file: str | None = None
    validation_file: str | None = None
    result_files: tuple[str, ...] = ()
    trained_tokens: int | None = None
    method: str | None = None
    hyperparameters: Hyperparameters = Field(default_factory=Hyperparameters)
    seed: int | None = None
    suffix: str | None = None
    error: JobError | None = None
    metadata: Mapping[str, str] | None = None


class JobEvent(_Frozen):
    """One job event (message or metrics)."""

    id: str
    created_at: int
    level: str = "info"
    message: str = ""
    type: str | None = None
    data: Mapping[str, Any] | None = None


class MetricPoint(_Frozen):
    """Metrics of one training step; None where that step has no value."""

    step: int
    train_loss: float | None = None
    train_accuracy: float | None = None
    valid_loss: float | None = None
    valid_accuracy: float | None = None
    full_valid_loss: float | None = None
    full_valid_accuracy: float | None = None


class Checkpoint(_Frozen):
    """A saved checkpoint (the service keeps the last three epochs)."""

    id: str
    created_at: int | None = None
    fine_tuned_model_checkpoint: str | None = None
    fine_tuning_job_id: str | None = None
    step_number: int
    metrics: MetricPoint | None = None


class MetricsSeries(_Frozen):
    """Per-step metrics merged from the results file, events and checkpoints."""

    points: tuple[MetricPoint, ...] = ()
    total_steps: int | None = None
    sources: tuple[str, ...] = ()
    """Where the points came from: any of "results", "events", "checkpoints"."""

    def column(self, name: str) -> list[tuple[int, float]]:
        """Return `(step, value)` pairs of one metric, skipping steps without it.

        Args:
            name: A `MetricPoint` field, e.g. "train_loss".

        Returns:
            The pairs in step order.
        """
        out: list[tuple[int, float]] = []
        for point in self.points:
            value = getattr(point, name)
            if value is not None:
                out.append((point.step, float(value)))
        return out


class FollowUpdate(_Frozen):
    """One update of `follow_job`: a snapshot, the new events, and the link state."""

    state: Literal["ok", "reconnecting"]
    job: JobInfo | None = None
    """The latest snapshot (the last good one while reconnecting; None before any)."""
    events: tuple[JobEvent, ...] = ()
    """Events not yielded before, oldest first."""
    last_event_id: str | None = None
    """Pass this as `since_event_id` to resume after a restart."""
    error: str | None = None
    """While reconnecting: what went wrong, in one line."""
    retry_in: float | None = None
    """While reconnecting: seconds until the next attempt."""
    attempt: int = 0
    """While reconnecting: how many attempts in a row have failed."""


class ChatUsage(_Frozen):
    """Token usage of one chat completion."""

    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    total_tokens: int | None = None


class ChatChunk(_Frozen):
    """A piece of streamed assistant text."""

    text: str


class ChatResult(_Frozen):
    """The end of a chat completion: the full text and how it went."""

    text: str
    finish_reason: str | None = None
    usage: ChatUsage | None = None
    latency: float
    """Seconds from sending the request to the last chunk."""
    first_token_latency: float | None = None
    """Seconds from sending the request to the first text chunk."""
    model: str | None = None
    cancelled: bool = False
