"""The emulated service's memory: files, jobs, deployments and idempotency keys.

One re-entrant lock guards everything; slow work (validating an upload,
counting tokens, indexing a training file for chat) runs outside it and its
result is inserted afterwards, re-checking idempotency keys under the lock so
two racing retries still create one object.
"""

from __future__ import annotations

import hashlib
import json
import random
import threading
import uuid
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from ftui.core.emulator.analysis import (
    ChatIndex,
    build_chat_index,
    count_training_tokens,
)
from ftui.core.emulator.apierrors import ApiError, not_found
from ftui.core.emulator.clock import SimClock
from ftui.core.emulator.files import (
    FILE_PENDING_S,
    FILE_PURPOSES,
    FILE_RUN_BASE_S,
    FILE_RUN_PER_MB_S,
    StoredFile,
    analyze_upload,
)
from ftui.core.emulator.jobs import TERMINAL, Job, JobFailure, Timings
from ftui.core.emulator.params import parse_job_request
from ftui.core.emulator.training import plan_training

__all__ = ["EmulatorState"]


def _new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex}"


def _fingerprint(value: Any) -> str:
    return hashlib.sha256(
        json.dumps(value, sort_keys=True, default=str).encode("utf-8")
    ).hexdigest()


def _page(items: list[dict[str, Any]], after: str | None, limit: int) -> dict[str, Any]:
    """Cursor page over `items` (already in list order): the ones after `after`."""
    start = 0
    if after is not None:
        ids = [item["id"] for item in items]
        start = ids.index(after) + 1 if after in ids else len(items)
    data = items[start : start + limit]
    return {
        "object": "list",
        "data": data,
        "has_more": start + limit < len(items),
        "first_id": data[0]["id"] if data else None,
        "last_id": data[-1]["id"] if data else None,
    }


class EmulatorState:
    """Everything the emulated service remembers; thread-safe."""

    def __init__(
        self, clock: SimClock, data_dir: Path, timings: Timings | None = None
    ) -> None:
        """Create an empty service.

        Args:
            clock: The simulated clock.
            data_dir: Temp folder for uploaded and generated files.
            timings: Simulated phase durations of jobs.
        """
        self.clock = clock
        self.data_dir = data_dir
        self.timings = timings or Timings()
        self.lock = threading.RLock()
        self.files: dict[str, StoredFile] = {}
        self.jobs: dict[str, Job] = {}
        self.deployments: dict[str, str] = {}
        self._idempotency: dict[tuple[str, str], tuple[str, str]] = {}
        self._tokens: dict[tuple[str, str], tuple[int, int]] = {}
        self._chat: dict[str, ChatIndex] = {}
        self._workers = ThreadPoolExecutor(2, thread_name_prefix="ftui-emulator-work")

    def close(self) -> None:
        """Stop the background workers (pending validations are dropped)."""
        self._workers.shutdown(wait=False, cancel_futures=True)

    def reset(self) -> None:
        """Forget every file, job, deployment and idempotency key."""
        with self.lock:
            for stored in self.files.values():
                stored.path.unlink(missing_ok=True)
            self.files.clear()
            self.jobs.clear()
            self.deployments.clear()
            self._idempotency.clear()
            self._tokens.clear()
            self._chat.clear()

    # ---- idempotency --------------------------------------------------------

    def _replay(self, scope: str, key: str | None, fingerprint: str) -> str | None:
        """The object id created earlier with this key, or None (lock held)."""
        if key is None:
            return None
        seen = self._idempotency.get((scope, key))
        if seen is None:
            return None
        if seen[0] != fingerprint:
            raise ApiError(
                400,
                "invalidPayload",
                "This Idempotency-Key was already used with a different request.",
            )
        return seen[1]

    # ---- files --------------------------------------------------------------

    def upload(
        self, filename: str, purpose: str, data: bytes, key: str | None = None
    ) -> tuple[dict[str, Any], bool]:
        """Store an upload; fine-tune files are validated by ftui's validator.

        Args:
            filename: Name sent with the file.
            purpose: Upload purpose.
            data: The file's bytes.
            key: Idempotency-Key header, if sent.

        Returns:
            `(file object, created)`; `created` is False for a replayed key.

        Raises:
            ApiError: Unknown purpose or a reused key with different content.
        """
        if purpose not in FILE_PURPOSES or purpose == "fine-tune-results":
            raise ApiError(
                400,
                "invalidPayload",
                f"The purpose '{purpose}' is not supported.",
                param="purpose",
            )
        fingerprint = _fingerprint(
            [filename, purpose, hashlib.sha256(data).hexdigest()]
        )
        with self.lock:
            if (existing := self._replay("file", key, fingerprint)) is not None:
                return self._file(existing).to_json(self.clock.now()), False
        file_id = _new_id("file")
        path = self.data_dir / f"{file_id}.bin"
        path.write_bytes(data)
        with self.lock:
            if (existing := self._replay("file", key, fingerprint)) is not None:
                path.unlink(missing_ok=True)
                return self._file(existing).to_json(self.clock.now()), False
            now = self.clock.now()
            running_at = now + FILE_PENDING_S
            ready_at = (
                running_at + FILE_RUN_BASE_S + FILE_RUN_PER_MB_S * len(data) / 2**20
            )
            # Validation runs in the background, as on the service: the upload
            # answers at once and the file stays `running` until it is done.
            work = (
                self._workers.submit(analyze_upload, path)
                if purpose == "fine-tune"
                else None
            )
            stored = StoredFile(
                file_id,
                filename,
                purpose,
                len(data),
                self.clock.stamp(now),
                path,
                running_at,
                ready_at,
                work,
            )
            self.files[file_id] = stored
            if key is not None:
                self._idempotency[("file", key)] = (fingerprint, file_id)
            return stored.to_json(now), True

    def _file(self, file_id: str) -> StoredFile:
        stored = self.files.get(file_id)
        if stored is None:
            raise not_found("file", file_id)
        return stored

    def _result_file(self, job: Job, content: bytes, at: float) -> str:
        file_id = _new_id("file")
        path = self.data_dir / f"{file_id}.csv"
        path.write_bytes(content)
        self.files[file_id] = StoredFile(
            file_id,
            "results.csv",
            "fine-tune-results",
            len(content),
            self.clock.stamp(at),
            path,
            at,
            at,
            None,
        )
        return file_id

    def list_files(
        self, *, purpose: str | None, after: str | None, limit: int, order: str
    ) -> dict[str, Any]:
        """List files (newest first unless `order="asc"`).

        Args:
            purpose: Only files with this purpose (None = all).
            after: Id of the last file of the previous page.
            limit: Page size.
            order: "asc" for oldest first, anything else newest first.

        Returns:
            A cursor page: `object`, `data`, `has_more`, `first_id`, `last_id`.
        """
        with self.lock:
            now = self.clock.now()
            items = [
                f.to_json(now)
                for f in self.files.values()
                if purpose is None or f.purpose == purpose
            ]
        if order != "asc":
            items.reverse()
        return _page(items, after, limit)

    def get_file(self, file_id: str) -> dict[str, Any]:
        """One file object.

        Args:
            file_id: The file.

        Returns:
            The `file` object at the current simulated time.

        Raises:
            ApiError: 404 for an unknown id.
        """
        with self.lock:
            return self._file(file_id).to_json(self.clock.now())

    def file_content(self, file_id: str) -> bytes:
        """A file's bytes.

        Args:
            file_id: The file.

        Returns:
            The content, exactly as uploaded (or generated).

        Raises:
            ApiError: 404 for an unknown id.
        """
        with self.lock:
            path = self._file(file_id).path
        return path.read_bytes()

    def delete_file(self, file_id: str) -> dict[str, Any]:
        """Delete a file (allowed even when a job used it, as on Azure).

        Args:
            file_id: The file.

        Returns:
            `{"id", "object": "file", "deleted": True}`.

        Raises:
            ApiError: 404 for an unknown id.
        """
        with self.lock:
            stored = self._file(file_id)
            del self.files[file_id]
            stored.path.unlink(missing_ok=True)
        return {"id": file_id, "object": "file", "deleted": True}

    # ---- jobs ---------------------------------------------------------------

    def _job(self, job_id: str) -> Job:
        job = self.jobs.get(job_id)
        if job is None:
            raise not_found("fine-tuning job", job_id)
        job.advance(self.clock.now(), self._result_file)
        return job

    def _training_input(
        self, file_id: Any, param: str, required: bool
    ) -> StoredFile | None:
        if file_id is None and not required:
            return None
        if not isinstance(file_id, str) or not file_id:
            raise ApiError(400, "invalidPayload", f"{param} is required.", param=param)
        stored = self.files.get(file_id)
        if stored is None:
            raise ApiError(
                400,
                "invalidPayload",
                f"The file '{file_id}' does not exist.",
                param=param,
            )
        if stored.purpose != "fine-tune":
            raise ApiError(
                400,
                "invalidPayload",
                f"The file '{file_id}' has purpose '{stored.purpose}', "
                "not 'fine-tune'.",
                param=param,
            )
        return stored

    def create_job(
        self, body: dict[str, Any], key: str | None = None
    ) -> tuple[dict[str, Any], bool]:
        """Create a fine-tuning job.

        Args:
            body: The JSON request body.
            key: Idempotency-Key header, if sent.

        Returns:
            `(job object, created)`; `created` is False for a replayed key.

        Raises:
            ApiError: Invalid parameters, unknown files or model.
        """
        from ftui.core.model_table import base_model_name

        request = parse_job_request(body)
        model, method, requested = request.model, request.method, request.requested
        fingerprint = _fingerprint(body)
        with self.lock:
            if (existing := self._replay("job", key, fingerprint)) is not None:
                return self._job(existing).to_json(), False
            training = self._training_input(
                body.get("training_file"), "training_file", True
            )
            validation = self._training_input(
                body.get("validation_file"), "validation_file", False
            )
            assert training is not None
            cached = self._tokens.get((training.id, model))
        # Outside the lock: may wait for the files' validation to finish.
        failure = _failure_of(training, validation, method)
        if failure is None and cached is None:
            cached = count_training_tokens(training.path, base_model_name(model))
        tokens, examples = cached or (0, 0)
        analysis = training.analysis()
        if analysis is not None and analysis.ok:
            examples = analysis.examples
        plan = plan_training(
            examples,
            tokens,
            n_epochs=requested["n_epochs"],
            batch_size=requested["batch_size"],
            learning_rate_multiplier=requested["learning_rate_multiplier"],
        )
        with self.lock:
            if (existing := self._replay("job", key, fingerprint)) is not None:
                return self._job(existing).to_json(), False
            if failure is None:
                self._tokens[(training.id, model)] = (tokens, examples)
            now = self.clock.now()
            ready = max(training.ready_at, validation.ready_at if validation else 0.0)
            job = Job(
                id=_new_id("ftjob"),
                model=model,
                fine_tuned_name=f"{base_model_name(model)}.ft-{uuid.uuid4().hex}",
                training_file=training.id,
                validation_file=validation.id if validation else None,
                suffix=request.suffix,
                seed=request.seed
                if request.seed is not None
                else random.randrange(2**31),
                method=method,
                requested=requested,
                training_type=request.training_type,
                metadata=request.metadata,
                created_at=now,
                start_at=max(now + self.timings.queue, ready),
                plan=plan,
                tokens_per_epoch=tokens,
                failure=failure,
                timings=self.timings,
                clock=self.clock,
            )
            self.jobs[job.id] = job
            if key is not None:
                self._idempotency[("job", key)] = (fingerprint, job.id)
            return job.to_json(), True

    def _advance_all(self) -> Iterable[Job]:
        now = self.clock.now()
        for job in self.jobs.values():
            job.advance(now, self._result_file)
        return self.jobs.values()

    def list_jobs(
        self,
        *,
        after: str | None,
        limit: int,
        metadata: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """List jobs, newest first.

        Args:
            after: Id of the last job of the previous page.
            limit: Page size.
            metadata: Only jobs whose metadata has all these pairs
                (`?metadata[k]=v`).

        Returns:
            A cursor page: `object`, `data`, `has_more`.
        """
        wanted = (metadata or {}).items()
        with self.lock:
            items = [
                job.to_json()
                for job in self._advance_all()
                if wanted <= (job.metadata or {}).items()
            ]
        items.reverse()
        page = _page(items, after, limit)
        del page["first_id"], page["last_id"]
        return page

    def get_job(self, job_id: str) -> dict[str, Any]:
        """One job object, advanced to the current simulated time.

        Args:
            job_id: The job.

        Returns:
            The `fine_tuning.job` object.

        Raises:
            ApiError: 404 for an unknown id.
        """
        with self.lock:
            return self._job(job_id).to_json()

    def job_action(self, job_id: str, action: str) -> dict[str, Any]:
        """Cancel, pause or resume a job.

        Args:
            job_id: The job.
            action: "cancel", "pause" or "resume".

        Returns:
            The job object after the action.

        Raises:
            ApiError: Unknown job, or the job's status does not allow the action.
        """
        with self.lock:
            job = self._job(job_id)
            getattr(job, action)(self.clock.now())
            return job.to_json()

    def delete_job(self, job_id: str) -> None:
        """Delete a finished job (Azure's DELETE route).

        Args:
            job_id: The job.

        Raises:
            ApiError: 404 for an unknown id, 400 while the job is not finished.
        """
        with self.lock:
            job = self._job(job_id)
            if job.status not in TERMINAL:
                raise ApiError(
                    400,
                    "unexpectedEntityState",
                    f"The job '{job_id}' is {job.status}; cancel it before "
                    "deleting it.",
                )
            del self.jobs[job_id]

    def list_events(
        self, job_id: str, *, after: str | None, limit: int
    ) -> dict[str, Any]:
        """A page of a job's events, newest first.

        Args:
            job_id: The job.
            after: Id of the last (oldest) event of the previous page; the
                page then holds older events.
            limit: Page size.

        Returns:
            `{"object": "list", "data": [...], "has_more": bool}`.

        Raises:
            ApiError: 404 for an unknown job.
        """
        with self.lock:
            job = self._job(job_id)
            total = len(job.events)
            # Newest-first position of `after`, without copying the whole list.
            if after is None:
                end = total
            elif after in job.event_pos:
                end = job.event_pos[after]
            else:
                end = 0
            start = max(0, end - limit)
            data = list(reversed(job.events[start:end]))
        return {"object": "list", "data": data, "has_more": start > 0}

    def list_checkpoints(
        self, job_id: str, *, after: str | None, limit: int
    ) -> dict[str, Any]:
        """A page of a job's kept checkpoints (last 3 epochs), newest first.

        Args:
            job_id: The job.
            after: Id of the last checkpoint of the previous page.
            limit: Page size.

        Returns:
            A cursor page of `fine_tuning.job.checkpoint` objects.

        Raises:
            ApiError: 404 for an unknown job.
        """
        with self.lock:
            items = self._job(job_id).visible_checkpoints()
        return _page(items, after, limit)

    # ---- deployments and chat -----------------------------------------------

    def _model_source(self, model: str) -> Job | None:
        """The job that produced a deployable model name or checkpoint (lock held)."""
        for job in self._advance_all():
            if job.fine_tuned_model == model:
                return job
            for checkpoint in job.visible_checkpoints():
                if model in (
                    checkpoint["id"],
                    checkpoint["fine_tuned_model_checkpoint"],
                ):
                    return job
        return None

    def deploy(self, name: str, model: str) -> dict[str, Any]:
        """Register a deployment of a fine-tuned model or checkpoint.

        Args:
            name: Deployment name used in chat requests.
            model: A succeeded job's `fine_tuned_model`, or a kept checkpoint's id
                or `fine_tuned_model_checkpoint`.

        Returns:
            `{"name", "model"}`.

        Raises:
            ApiError: The model is not a fine-tuned model or checkpoint here.
        """
        if not name or "/" in name:
            raise ApiError(400, "invalidPayload", "A deployment name is required.")
        with self.lock:
            if self._model_source(model) is None:
                raise ApiError(
                    400,
                    "invalidPayload",
                    f"'{model}' is not a fine-tuned model or checkpoint of this "
                    "resource.",
                    param="model",
                )
            self.deployments[name] = model
        return {"name": name, "model": model}

    def list_deployments(self) -> list[dict[str, str]]:
        """Explicit and implicit deployments (each succeeded job's model name).

        Returns:
            `{"name", "model"}` dicts; explicit ones override implicit ones.
        """
        with self.lock:
            implicit = {
                job.fine_tuned_model: job.fine_tuned_model
                for job in self._advance_all()
                if job.fine_tuned_model
            }
            merged = {**implicit, **self.deployments}
        return [{"name": k, "model": v} for k, v in merged.items()]

    def chat_target(self, deployment: str) -> tuple[str, str, ChatIndex]:
        """The model behind a deployment and the prompt → reply index it learned.

        Args:
            deployment: Deployment name (Azure route) or `model` (v1 route).

        Returns:
            `(deployed model name, the job's base model, chat index of its
            training file)`.

        Raises:
            ApiError: 404 DeploymentNotFound.
        """
        with self.lock:
            model = self.deployments.get(deployment, deployment)
            job = self._model_source(model)
            explicit = deployment in self.deployments
            if job is None or (not explicit and job.fine_tuned_model != deployment):
                raise ApiError(
                    404,
                    "DeploymentNotFound",
                    "The API deployment for this resource does not exist. If you "
                    "created the deployment within the last 5 minutes, please wait a "
                    "moment and try again.",
                )
            training = self.files.get(job.training_file)
            index = self._chat.get(job.training_file)
        if index is None:
            # Indexing a big file is slow: do it outside the lock, keep the first one.
            index = build_chat_index(training.path) if training else ChatIndex()
            with self.lock:
                index = self._chat.setdefault(job.training_file, index)
        return model, job.model, index

    def list_models(self) -> dict[str, Any]:
        """Base models and fine-tuned models, as `/models` lists them.

        Returns:
            `{"object": "list", "data": [model objects]}`.
        """
        from ftui.core.model_table import load_model_table

        now = self.clock.stamp(self.clock.now())
        data = [
            {"id": m, "object": "model", "created": now, "owned_by": "system"}
            for m in load_model_table().ids  # the models jobs may be created for
        ]
        with self.lock:
            for job in self._advance_all():
                if job.fine_tuned_model:
                    data.append(
                        {
                            "id": job.fine_tuned_model,
                            "object": "model",
                            "created": job.finished_stamp or now,
                            "owned_by": "user",
                        }
                    )
        return {"object": "list", "data": data}


def _failure_of(
    training: StoredFile, validation: StoredFile | None, method: str
) -> JobFailure | None:
    """Why a job on these files will fail at start, or None."""
    for stored, param in ((training, "training_file"), (validation, "validation_file")):
        analysis = stored.analysis() if stored is not None else None
        if stored is None or analysis is None:
            continue
        if not analysis.ok:
            return JobFailure(
                "invalidTrainingFile"
                if param == "training_file"
                else "invalidValidationFile",
                f"The {param.replace('_', ' ')} '{stored.id}' failed validation. "
                f"{analysis.status_details}",
                param,
            )
        wanted = "preference" if method == "dpo" else "chat"
        if analysis.format != wanted:
            return JobFailure(
                "invalidTrainingFile"
                if param == "training_file"
                else "invalidValidationFile",
                f"Method '{method}' needs {wanted}-format examples; the "
                f"{param.replace('_', ' ')} '{stored.id}' is {analysis.format}.",
                param,
            )
    return None
