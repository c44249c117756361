"""`FineTuningBackend`: the service operations the UI needs, as a Protocol."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from ftui.core.service.client import FineTuningService, JobDetail, JobRequest
from ftui.core.service.models import (
    Checkpoint,
    FileInfo,
    JobEvent,
    JobInfo,
    MetricsSeries,
)

__all__ = ["FineTuningBackend"]


class FineTuningBackend(Protocol):
    """The operations `FineTuningService` offers; `follow_job` needs only these.

    A screen depends on this Protocol, so its tests can pass a small fake
    instead of a client.
    """

    def with_retries(self, max_retries: int) -> FineTuningBackend:
        """A view whose requests are retried `max_retries` times by the SDK."""
        ...

    async def upload_file(
        self,
        path: str | Path,
        *,
        purpose: str = ...,
        progress: Callable[[int, int], None] | None = ...,
        force: bool = ...,
    ) -> FileInfo:
        """Upload a training or validation file."""
        ...

    async def create_job(self, request: JobRequest) -> JobInfo:
        """Create a job (at most once)."""
        ...

    async def list_jobs(self, *, limit: int | None = ...) -> list[JobInfo]:
        """List jobs, newest first."""
        ...

    async def retrieve_job(self, job_id: str) -> JobInfo:
        """Fetch one job."""
        ...

    async def cancel_job(self, job_id: str) -> JobInfo:
        """Cancel a job."""
        ...

    async def pause_job(self, job_id: str) -> JobInfo:
        """Pause a job."""
        ...

    async def resume_job(self, job_id: str) -> JobInfo:
        """Resume a job."""
        ...

    async def list_events_page(
        self, job_id: str, *, after: str | None = ..., limit: int = ...
    ) -> tuple[list[JobEvent], bool]:
        """One page of events, newest first, and whether older ones exist."""
        ...

    async def list_events(
        self, job_id: str, *, since_event_id: str | None = ...
    ) -> list[JobEvent]:
        """Events oldest first."""
        ...

    async def list_checkpoints(self, job_id: str) -> list[Checkpoint]:
        """Checkpoints in step order."""
        ...

    async def get_metrics(
        self,
        job: JobInfo | str,
        *,
        events: Sequence[JobEvent] | None = ...,
        checkpoints: Sequence[Checkpoint] | None = ...,
    ) -> tuple[MetricsSeries, list[str]]:
        """The merged metrics series and warnings."""
        ...

    async def get_job_detail(self, job_id: str, *, last_events: int = ...) -> JobDetail:
        """Job, metrics, checkpoints and last events."""
        ...


def _conforms(service: FineTuningService) -> FineTuningBackend:
    return service  # mypy checks that the service satisfies the Protocol
