"""`FineTuningService`: async files, jobs, events, checkpoints, results and metrics.

Every method returns ftui's own models (`ftui.core.service.models`) and raises
`ServiceError` subclasses with plain, key-free messages — never SDK objects or
SDK exceptions. The same code serves the Azure dated API (`AsyncAzureOpenAI`),
the Azure v1 API and OpenAI (`AsyncOpenAI`).
"""

from __future__ import annotations

import asyncio
import io
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ftui.core.errors import DatasetError, ServiceError
from ftui.core.service.errors import (
    ServiceNotFoundError,
    ServiceRequestError,
    is_transient,
    translate_error,
)
from ftui.core.service.metrics import build_metrics, metric_point_from_mapping
from ftui.core.service.models import (
    Checkpoint,
    FileInfo,
    FileStatus,
    Hyperparameters,
    JobError,
    JobEvent,
    JobInfo,
    MetricPoint,
    MetricsSeries,
)
from ftui.core.service.profiles import Profile, build_client
from ftui.core.service.results import parse_results_csv
from ftui.core.service.retry import Backoff

if TYPE_CHECKING:
    from openai import AsyncOpenAI

    from ftui.core.service.backend import FineTuningBackend

__all__ = [
    "IDEMPOTENCY_HEADER",
    "SUBMIT_TAG",
    "EventReader",
    "FileProcessingError",
    "FineTuningService",
    "JobDetail",
    "JobRequest",
    "UploadRefusedError",
    "check_dataset_for_upload",
]

IDEMPOTENCY_HEADER = "Idempotency-Key"
"""Header carrying the per-submission key. The SDK generates an idempotency key
for every non-GET request but sends it only when a client sets
`_idempotency_header`, which neither `OpenAI` nor `AzureOpenAI` does (3.60), so
ftui sends its own — the same value on every retry of one submission."""

SUBMIT_TAG = "ftui_submit_id"
"""Job metadata key holding the same key, so a retry can first look for the job
a lost response may have created (works even where the header is ignored)."""

Sleep = Callable[[float], Awaitable[None]]
Progress = Callable[[int, int], None]


class FileProcessingError(ServiceError):
    """Azure marked an uploaded file `error`; the message holds `status_details`."""

    def __init__(self, message: str, file: FileInfo) -> None:
        super().__init__(message)
        self.file = file


class UploadRefusedError(DatasetError):
    """The file has validation errors and the upload was not forced."""

    def __init__(self, message: str, errors: int) -> None:
        super().__init__(message)
        self.errors = errors


class JobRequest(BaseModel):
    """What to train: everything `create_job` sends."""

    model_config = ConfigDict(frozen=True)

    model: str
    training_file: str
    validation_file: str | None = None
    suffix: str | None = None
    seed: int | None = None
    method: Literal["supervised", "dpo"] = "supervised"
    n_epochs: int | None = None
    """None = auto."""
    batch_size: int | None = None
    learning_rate_multiplier: float | None = None
    beta: float | None = None
    """DPO only."""
    training_type: str | None = None
    """Azure `trainingType` (Standard, GlobalStandard, Developer), via extra_body."""
    metadata: Mapping[str, str] = Field(default_factory=dict)


class JobDetail(BaseModel):
    """Everything `ftui jobs show` prints about one job."""

    model_config = ConfigDict(frozen=True)

    job: JobInfo
    metrics: MetricsSeries
    checkpoints: tuple[Checkpoint, ...] = ()
    events: tuple[JobEvent, ...] = ()
    """The last events, oldest first."""
    warnings: tuple[str, ...] = ()
    """Parts that could not be fetched (e.g. checkpoints on an old api-version)."""


# ------------------------------------------------------------------ conversions


def _as_dict(obj: Any) -> dict[str, Any]:
    if obj is None:
        return {}
    if isinstance(obj, Mapping):
        return dict(obj)
    dump = getattr(obj, "model_dump", None)
    if callable(dump):
        result = dump()
        return dict(result) if isinstance(result, Mapping) else {}
    return dict(vars(obj))


def _auto(value: Any, kind: type[int] | type[float]) -> Any:
    """None for "auto", Azure's -1 and missing values; else the number."""
    if value is None or value == "auto" or isinstance(value, bool):
        return None
    try:
        number = kind(value)
    except (TypeError, ValueError):
        return None
    return None if number == -1 else number


def _file_info(obj: Any) -> FileInfo:
    data = _as_dict(obj)
    details = data.get("status_details")
    return FileInfo(
        id=str(data["id"]),
        filename=str(data.get("filename") or ""),
        bytes=data.get("bytes"),
        purpose=str(data.get("purpose") or ""),
        status=data.get("status") or None,
        status_details=str(details) if details else None,
        created_at=data.get("created_at"),
    )


def _job_info(obj: Any) -> JobInfo:
    data = _as_dict(obj)
    method = data.get("method") or {}
    method_type = method.get("type") if isinstance(method, Mapping) else None
    hp: dict[str, Any] = {}
    if method_type and isinstance(method.get(method_type), Mapping):
        hp = dict(method[method_type].get("hyperparameters") or {})
    for key, value in (data.get("hyperparameters") or {}).items():
        if hp.get(key) in (None, "auto"):
            hp[key] = value
    error = data.get("error")
    error_info = None
    if isinstance(error, Mapping) and (error.get("message") or error.get("code")):
        error_info = JobError(
            code=error.get("code"),
            message=error.get("message"),
            param=error.get("param"),
        )
    metadata = data.get("metadata")
    return JobInfo(
        id=str(data["id"]),
        status=str(data.get("status") or "unknown"),
        model=str(data.get("model") or ""),
        fine_tuned_model=data.get("fine_tuned_model"),
        created_at=data.get("created_at"),
        finished_at=data.get("finished_at"),
        estimated_finish=data.get("estimated_finish"),
        training_file=data.get("training_file"),
        validation_file=data.get("validation_file"),
        result_files=tuple(data.get("result_files") or ()),
        trained_tokens=data.get("trained_tokens"),
        method=method_type,
        hyperparameters=Hyperparameters(
            n_epochs=_auto(hp.get("n_epochs"), int),
            batch_size=_auto(hp.get("batch_size"), int),
            learning_rate_multiplier=_auto(hp.get("learning_rate_multiplier"), float),
            beta=_auto(hp.get("beta"), float),
        ),
        seed=data.get("seed"),
        suffix=data.get("suffix"),
        error=error_info,
        metadata={str(k): str(v) for k, v in metadata.items()}
        if isinstance(metadata, Mapping)
        else None,
    )


def _event(obj: Any) -> JobEvent:
    data = _as_dict(obj)
    payload = data.get("data")
    return JobEvent(
        id=str(data["id"]),
        created_at=int(data.get("created_at") or 0),
        level=str(data.get("level") or "info"),
        message=str(data.get("message") or ""),
        type=data.get("type"),
        data=dict(payload) if isinstance(payload, Mapping) else None,
    )


def _checkpoint(obj: Any) -> Checkpoint:
    data = _as_dict(obj)
    step = int(data.get("step_number") or 0)
    metrics = data.get("metrics")
    point = None
    if isinstance(metrics, Mapping) and metrics:
        point_step = metrics.get("step")
        point = metric_point_from_mapping(
            int(point_step) if isinstance(point_step, int | float) else step, metrics
        )
    return Checkpoint(
        id=str(data["id"]),
        created_at=data.get("created_at"),
        fine_tuned_model_checkpoint=data.get("fine_tuned_model_checkpoint"),
        fine_tuning_job_id=data.get("fine_tuning_job_id"),
        step_number=step,
        metrics=point,
    )


class _ProgressReader(io.RawIOBase):
    """A read-only file wrapper that reports how many bytes were read."""

    def __init__(self, path: Path, progress: Progress | None) -> None:
        self._handle = path.open("rb")
        self._total = path.stat().st_size
        self._progress = progress
        self.name = path.name

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._handle.seek(offset, whence)

    def tell(self) -> int:
        return self._handle.tell()

    def readinto(self, buffer: Any) -> int:
        count = self._handle.readinto(buffer)
        if self._progress is not None and count:
            self._progress(self._handle.tell(), self._total)
        return count or 0

    def close(self) -> None:
        self._handle.close()
        super().close()


# ---------------------------------------------------------------------- service


class FineTuningService:
    """Async fine-tuning operations for one profile.

    Args:
        client: A configured `AsyncOpenAI`/`AsyncAzureOpenAI` (tests may pass one
            built on `httpx2.MockTransport`).
        profile: The profile it came from (used for messages and Azure rules).
        sleep: Awaitable sleep used between retries and polls (tests inject one).
        backoff: Backoff policy for ftui's own retries.
    """

    def __init__(
        self,
        client: AsyncOpenAI,
        profile: Profile | None = None,
        *,
        sleep: Sleep = asyncio.sleep,
        backoff: Backoff | None = None,
    ) -> None:
        self._client = client
        self.profile = profile
        self._sleep = sleep
        self.backoff = backoff or Backoff()
        self.last_latency: float | None = None
        """Seconds the last `check_connection` call took."""

    @classmethod
    def from_profile(
        cls,
        profile: Profile,
        *,
        max_retries: int = 2,
        timeout: float | None = None,
        http_client: Any = None,
        sleep: Sleep = asyncio.sleep,
        backoff: Backoff | None = None,
    ) -> FineTuningService:
        """Build the client for `profile` and wrap it.

        Raises:
            ConfigError: The profile lacks a key/endpoint, or Entra ID is unavailable.
        """
        client = build_client(
            profile, max_retries=max_retries, timeout=timeout, http_client=http_client
        )
        return cls(client, profile, sleep=sleep, backoff=backoff)

    @property
    def client(self) -> AsyncOpenAI:
        """The underlying SDK client (for chat; not for the UI)."""
        return self._client

    @property
    def is_azure(self) -> bool:
        """True when talking to Azure OpenAI (dated or v1 API)."""
        if self.profile is not None:
            return self.profile.is_azure
        return "azure" in type(self._client).__name__.lower()

    @property
    def where(self) -> str:
        """The endpoint, for messages."""
        if self.profile is not None:
            return self.profile.url
        return str(self._client.base_url)

    def with_retries(self, max_retries: int) -> FineTuningService:
        """A view of this service whose SDK client retries `max_retries` times.

        ftui's own loops (follow, create) use 0 so every failure is visible to
        them and their injected sleep is the only one.
        """
        return FineTuningService(
            self._client.with_options(max_retries=max_retries),
            self.profile,
            sleep=self._sleep,
            backoff=self.backoff,
        )

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        await self._client.close()

    async def __aenter__(self) -> FineTuningService:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def _call(self, action: str, coro: Awaitable[Any]) -> Any:
        try:
            return await coro
        except ServiceError:
            raise
        except Exception as exc:
            raise translate_error(exc, action=action, where=self.where) from None

    # ----------------------------------------------------------------- files

    async def upload_file(
        self,
        path: str | Path,
        *,
        purpose: str = "fine-tune",
        progress: Progress | None = None,
        force: bool = False,
        validate: bool = True,
        wait: bool | None = None,
        poll_interval: float = 2.0,
        max_wait: float = 1800.0,
        max_attempts: int = 6,
    ) -> FileInfo:
        """Upload a JSONL file for fine-tuning.

        Args:
            path: The file.
            purpose: Files API purpose.
            progress: Called with `(bytes_sent, total_bytes)` while uploading.
            force: Upload even when validation finds errors.
            validate: Run ftui's validator first (skipped when False).
            wait: Poll until `processed`/`error`; defaults to True on Azure,
                where files are processed before a job may use them.
            poll_interval: Seconds between status polls.
            max_wait: Give up waiting after this many seconds.
            max_attempts: Sends before giving up on transient errors (each
                attempt carries the same `Idempotency-Key`).

        Returns:
            The file (processed on Azure when waiting).

        Raises:
            UploadRefusedError: Validation found errors and `force` is False.
            FileProcessingError: Azure marked the file `error` (message has
                `status_details`).
            ServiceError: The upload failed.
        """
        path = Path(path)
        if not path.is_file():
            raise DatasetError(f"{path}: no such file")
        if validate and not force:
            check_dataset_for_upload(path)
        # One key for every attempt: a retried upload whose first response was
        # lost comes back as the same file on a server that honours the header.
        key = uuid.uuid4().hex
        files = self._client.with_options(max_retries=0).files
        attempt = 0
        while True:
            attempt += 1
            reader = _ProgressReader(path, progress)  # fresh position per attempt
            try:
                created = await files.create(
                    file=(path.name, reader),  # type: ignore[arg-type]
                    purpose=purpose,  # type: ignore[arg-type]
                    extra_headers={IDEMPOTENCY_HEADER: key},
                )
                break
            except Exception as exc:
                err = translate_error(
                    exc, action=f"upload {path.name}", where=self.where
                )
            finally:
                reader.close()
            if not is_transient(err) or attempt >= max_attempts:
                raise err
            await self._sleep(
                self.backoff.delay(attempt, getattr(err, "retry_after", None))
            )
        info = _file_info(created)
        if wait if wait is not None else self.is_azure:
            info = await self.wait_for_file(
                info.id, poll_interval=poll_interval, max_wait=max_wait
            )
        return info

    async def retrieve_file(self, file_id: str) -> FileInfo:
        """Fetch a file's metadata and status."""
        obj = await self._call(
            f"get file {file_id}", self._client.files.retrieve(file_id)
        )
        return _file_info(obj)

    async def wait_for_file(
        self, file_id: str, *, poll_interval: float = 2.0, max_wait: float = 1800.0
    ) -> FileInfo:
        """Poll a file until it is processed, failed or deleted.

        Transient errors (429, 5xx, dropped connections) are retried.

        Raises:
            FileProcessingError: The file ended in `error` or `deleted`.
            ServiceError: Timed out, or a non-transient error.
        """
        waited = 0.0
        failures = 0
        polls = 0
        while True:
            try:
                info = await self.retrieve_file(file_id)
                failures = 0
            except ServiceError as err:
                if not is_transient(err):
                    raise
                failures += 1
                delay = self.backoff.delay(failures, getattr(err, "retry_after", None))
                waited += delay
                if waited > max_wait:
                    raise
                await self._sleep(delay)
                continue
            if info.status is not None and info.status.is_terminal:
                if info.status is FileStatus.PROCESSED:
                    return info
                details = info.status_details or "no details given"
                raise FileProcessingError(
                    f"the service rejected {info.filename or file_id} "
                    f"(file {file_id}, status {info.status}): {details}",
                    info,
                )
            if info.status is None:
                return info  # OpenAI may drop the deprecated field: nothing to wait for
            if waited >= max_wait:
                raise ServiceError(
                    f"file {file_id} still '{info.status}' after {max_wait:g}s"
                )
            # Small files are processed in seconds: start fast, slow down to
            # `poll_interval`.
            delay = min(poll_interval, 0.25 * 2.0**polls)
            polls += 1
            await self._sleep(delay)
            waited += delay

    async def list_files(self, *, purpose: str | None = None) -> list[FileInfo]:
        """List files (all pages)."""

        async def collect() -> list[FileInfo]:
            kwargs: dict[str, Any] = {}
            if purpose:
                kwargs["purpose"] = purpose
            return [_file_info(f) async for f in self._client.files.list(**kwargs)]

        result: list[FileInfo] = await self._call("list files", collect())
        return result

    async def delete_file(self, file_id: str) -> None:
        """Delete a file."""
        await self._call(f"delete file {file_id}", self._client.files.delete(file_id))

    async def download_file(self, file_id: str) -> bytes:
        """Return a file's content."""
        response = await self._call(
            f"download file {file_id}", self._client.files.content(file_id)
        )
        return bytes(response.content)

    # ------------------------------------------------------------------ jobs

    def _create_body(self, request: JobRequest) -> dict[str, Any]:
        hp: dict[str, Any] = {}
        if request.n_epochs is not None:
            hp["n_epochs"] = request.n_epochs
        if request.batch_size is not None:
            hp["batch_size"] = request.batch_size
        if request.learning_rate_multiplier is not None:
            hp["learning_rate_multiplier"] = request.learning_rate_multiplier
        if request.method == "dpo" and request.beta is not None:
            hp["beta"] = request.beta
        body: dict[str, Any] = {
            "model": request.model,
            "training_file": request.training_file,
        }
        if request.validation_file:
            body["validation_file"] = request.validation_file
        if request.suffix:
            body["suffix"] = request.suffix
        if request.seed is not None:
            body["seed"] = request.seed
        version = self.profile.effective_api_version if self.profile else None
        if version is not None and version < "2025-04-01":
            # Dated Azure versions before 2025-04-01-preview know no `method`.
            if request.method != "supervised":
                raise ServiceRequestError(
                    f"{request.method.upper()} needs api-version 2025-04-01-preview "
                    f"or later (this profile uses {version})"
                )
            if hp:
                body["hyperparameters"] = hp
        else:
            body["method"] = {
                "type": request.method,
                request.method: {"hyperparameters": hp},
            }
        return body

    async def create_job(
        self,
        request: JobRequest,
        *,
        idempotency_key: str | None = None,
        max_attempts: int = 6,
    ) -> JobInfo:
        """Create a fine-tuning job, at most once even across retries.

        One key identifies this submission. It is sent in the
        `Idempotency-Key` header (a server that honours it answers a repeated
        request with the job it already made) and stored in the job's
        metadata under `SUBMIT_TAG`. The SDK's own retries are off here: after
        a transient failure (dropped connection, timeout, 429, 5xx) ftui first
        lists the most recent jobs and returns the one carrying the key, and
        only resends — with the same key — when none does.

        Args:
            request: What to train.
            idempotency_key: Reuse a key (e.g. after a crash); a new UUID by default.
            max_attempts: Give up after this many sends.

        Returns:
            The created (or found) job.

        Raises:
            ServiceError: A non-transient refusal, or still failing after
                `max_attempts`.
        """
        key = idempotency_key or uuid.uuid4().hex
        body = self._create_body(request)
        metadata = {**request.metadata, SUBMIT_TAG: key}
        extra_body: dict[str, Any] = {}
        if request.training_type:
            extra_body["trainingType"] = request.training_type
        jobs = self._client.with_options(max_retries=0).fine_tuning.jobs
        send_metadata = True
        attempt = 0
        while True:
            attempt += 1
            kwargs: dict[str, Any] = dict(body)
            if send_metadata:
                kwargs["metadata"] = metadata
            try:
                created = await jobs.create(
                    **kwargs,
                    extra_headers={IDEMPOTENCY_HEADER: key},
                    extra_body=extra_body or None,
                )
                return _job_info(created)
            except Exception as exc:
                err = translate_error(exc, action="create the job", where=self.where)
            if (
                send_metadata
                and isinstance(err, ServiceRequestError)
                and err.status_code == 400
                and "metadata" in f"{err.param} {err}".lower()
            ):
                # An older api-version that rejects `metadata`: the header remains.
                send_metadata = False
                attempt -= 1
                continue
            if not is_transient(err) or attempt >= max_attempts:
                raise err
            found = await self._find_submitted(key)
            if found is not None:
                return found
            await self._sleep(
                self.backoff.delay(attempt, getattr(err, "retry_after", None))
            )

    async def _find_submitted(self, key: str) -> JobInfo | None:
        """The recent job tagged with `key`, or None (also when listing fails)."""
        try:
            page = await self._client.with_options(max_retries=0).fine_tuning.jobs.list(
                limit=20, metadata={SUBMIT_TAG: key}
            )
        except Exception:
            return None
        for job in page.data:
            info = _job_info(job)
            if info.metadata and info.metadata.get(SUBMIT_TAG) == key:
                return info
        return None

    async def list_jobs(
        self, *, limit: int | None = None, page_size: int = 100
    ) -> list[JobInfo]:
        """List jobs, newest first, following every page.

        Args:
            limit: Stop after this many jobs (all when None).
            page_size: Jobs per request.
        """

        async def collect() -> list[JobInfo]:
            out: list[JobInfo] = []
            size = min(page_size, limit) if limit else page_size
            async for job in self._client.fine_tuning.jobs.list(limit=size):
                out.append(_job_info(job))
                if limit is not None and len(out) >= limit:
                    break
            return out

        result: list[JobInfo] = await self._call("list jobs", collect())
        return result

    async def retrieve_job(self, job_id: str) -> JobInfo:
        """Fetch one job."""
        obj = await self._call(
            f"get job {job_id}", self._client.fine_tuning.jobs.retrieve(job_id)
        )
        return _job_info(obj)

    async def cancel_job(self, job_id: str) -> JobInfo:
        """Cancel a job; returns its new state."""
        obj = await self._call(
            f"cancel job {job_id}", self._client.fine_tuning.jobs.cancel(job_id)
        )
        return _job_info(obj)

    async def pause_job(self, job_id: str) -> JobInfo:
        """Pause a running job (Azure 2025-04-01-preview+, OpenAI)."""
        obj = await self._call(
            f"pause job {job_id}", self._client.fine_tuning.jobs.pause(job_id)
        )
        return _job_info(obj)

    async def resume_job(self, job_id: str) -> JobInfo:
        """Resume a paused job."""
        obj = await self._call(
            f"resume job {job_id}", self._client.fine_tuning.jobs.resume(job_id)
        )
        return _job_info(obj)

    async def list_events_page(
        self, job_id: str, *, after: str | None = None, limit: int = 100
    ) -> tuple[list[JobEvent], bool]:
        """Fetch one page of events, newest first as the service lists them.

        Args:
            job_id: The job.
            after: Event id to continue after (towards older events).
            limit: Events per page.

        Returns:
            The events and whether more (older) ones exist.
        """

        async def one() -> tuple[list[JobEvent], bool]:
            kwargs: dict[str, Any] = {"limit": limit}
            if after is not None:
                kwargs["after"] = after
            page = await self._client.fine_tuning.jobs.list_events(job_id, **kwargs)
            return [_event(e) for e in page.data], bool(page.has_more)

        result: tuple[list[JobEvent], bool] = await self._call(
            f"list events of {job_id}", one()
        )
        return result

    async def list_events(
        self,
        job_id: str,
        *,
        since_event_id: str | None = None,
        page_size: int = 100,
        max_events: int | None = None,
    ) -> list[JobEvent]:
        """Return a job's events oldest first, de-duplicated by id.

        Args:
            job_id: The job.
            since_event_id: Only events newer than this one.
            page_size: Events per request.
            max_events: Stop after collecting this many (the newest ones).

        Returns:
            The events, oldest first.
        """
        reader = EventReader(
            self, job_id, since_event_id=since_event_id, page_size=page_size
        )
        return await reader.read(max_events=max_events)

    async def list_checkpoints(self, job_id: str) -> list[Checkpoint]:
        """Return a job's checkpoints (all pages), in step order."""

        async def collect() -> list[Checkpoint]:
            pages = self._client.fine_tuning.jobs.checkpoints.list(job_id, limit=100)
            return [_checkpoint(c) async for c in pages]

        result: list[Checkpoint] = await self._call(
            f"list checkpoints of {job_id}", collect()
        )
        return sorted(result, key=lambda c: c.step_number)

    async def download_results(self, job: JobInfo | str) -> list[MetricPoint]:
        """Download and parse a job's `results.csv` (empty when it has none yet)."""
        info = job if isinstance(job, JobInfo) else await self.retrieve_job(job)
        for file_id in info.result_files:
            content = await self.download_file(file_id)
            return parse_results_csv(content)
        return []

    async def get_metrics(
        self,
        job: JobInfo | str,
        *,
        events: Sequence[JobEvent] | None = None,
        checkpoints: Sequence[Checkpoint] | None = None,
    ) -> tuple[MetricsSeries, list[str]]:
        """Build the metrics series from whatever the job has.

        Args:
            job: The job or its id.
            events: Already fetched events (fetched when None).
            checkpoints: Already fetched checkpoints (fetched when None).

        Returns:
            The series and warnings about the parts that could not be read.
        """
        info = job if isinstance(job, JobInfo) else await self.retrieve_job(job)
        warnings: list[str] = []
        if events is None:
            events = await self.list_events(info.id)
        if checkpoints is None:
            try:
                checkpoints = await self.list_checkpoints(info.id)
            except ServiceNotFoundError as err:
                warnings.append(f"no checkpoints: {err}")
                checkpoints = []
        results: list[MetricPoint] = []
        try:
            results = await self.download_results(info)
        except ServiceError as err:
            warnings.append(f"results file not used: {err}")
        return build_metrics(
            events=events, checkpoints=checkpoints, results=results
        ), warnings

    async def get_job_detail(self, job_id: str, *, last_events: int = 20) -> JobDetail:
        """Job, metrics series, checkpoints and the last events, for `jobs show`."""
        info = await self.retrieve_job(job_id)
        events = await self.list_events(job_id)
        warnings: list[str] = []
        try:
            checkpoints = await self.list_checkpoints(job_id)
        except ServiceNotFoundError as err:
            warnings.append(f"no checkpoints: {err}")
            checkpoints = []
        metrics, more = await self.get_metrics(
            info, events=events, checkpoints=checkpoints
        )
        warnings.extend(more)
        return JobDetail(
            job=info,
            metrics=metrics,
            checkpoints=tuple(checkpoints),
            events=tuple(events[-last_events:] if last_events > 0 else ()),
            warnings=tuple(warnings),
        )

    async def check_connection(self) -> list[JobInfo]:
        """Make one cheap call (list one job) to prove reachability and auth.

        Raises:
            ServiceError: With `explain_connection_error` wording in the CLI.
        """

        async def one() -> list[JobInfo]:
            page = await self._client.fine_tuning.jobs.list(limit=1)
            return [_job_info(j) for j in page.data]

        started = time.perf_counter()
        result: list[JobInfo] = await self._call("reach the service", one())
        self.last_latency = time.perf_counter() - started
        return result


class EventReader:
    """Reads a job's new events oldest first, keeping its place across failures.

    The service lists events newest first and `after` pages towards older
    ones, so new events are read from the newest page down to the last event
    already seen, then reversed. When a page fails midway the pages already
    read are kept and the next `read` continues after them — so catching up on
    a long history works even when many requests fail.

    Args:
        service: The service to read from.
        job_id: The job.
        since_event_id: The last event already seen (resume point), if any.
        page_size: Events per request.
    """

    def __init__(
        self,
        service: FineTuningBackend,
        job_id: str,
        *,
        since_event_id: str | None = None,
        page_size: int = 100,
    ) -> None:
        self._service = service
        self._job_id = job_id
        self._page_size = page_size
        self.last_event_id = since_event_id
        """The newest event returned so far (or the resume point)."""
        self.pages_read = 0
        """Pages fetched successfully so far (shows whether the service answers)."""
        self._collected: list[JobEvent] = []  # newest first, catch-up in progress
        self._ids: set[str] = set()
        self._after: str | None = None

    async def read(self, *, max_events: int | None = None) -> list[JobEvent]:
        """Return the events newer than `last_event_id`, oldest first.

        Args:
            max_events: Stop after this many (the newest ones).

        Returns:
            New events, each once.

        Raises:
            ServiceError: A page failed; the next call resumes where this stopped.
        """
        while True:
            page, has_more = await self._service.list_events_page(
                self._job_id, after=self._after, limit=self._page_size
            )
            self.pages_read += 1
            reached = False
            for event in page:
                if event.id == self.last_event_id:
                    reached = True
                    break
                if event.id not in self._ids:
                    self._ids.add(event.id)
                    self._collected.append(event)
            if reached or not page or not has_more:
                break
            if max_events is not None and len(self._collected) >= max_events:
                break
            next_after = page[-1].id
            if next_after == self._after:
                break  # a server that ignores `after` would loop forever
            self._after = next_after
        newest_first = self._collected
        if max_events is not None:
            newest_first = newest_first[:max_events]
        if newest_first:
            self.last_event_id = newest_first[0].id
        self._collected, self._ids, self._after = [], set(), None
        events = newest_first[::-1]
        events.sort(key=lambda e: e.created_at)  # stable: keeps ties in order
        return events


def check_dataset_for_upload(path: Path) -> None:
    """Refuse a file that ftui's validator finds errors in.

    Raises:
        UploadRefusedError: The report has errors (message shows the first ones).
    """
    try:
        from ftui.core.validation import validate_dataset
    except ModuleNotFoundError as exc:  # validation not installed in this build
        if exc.name != "ftui.core.validation":
            raise
        return
    from ftui.core.dataset import open_dataset

    dataset = open_dataset(path)
    report = validate_dataset(dataset, file_size=path.stat().st_size)
    if report.errors:
        first = [i for i in report.issues if str(i.severity) == "error"][:3]
        shown = "; ".join(
            f"line {i.line}: {i.message}" if i.line else i.message for i in first
        )
        raise UploadRefusedError(
            f"{path.name} has {report.errors} validation error(s) "
            f"({shown}); fix them (`ftui validate {path}`) or force the upload",
            report.errors,
        )
