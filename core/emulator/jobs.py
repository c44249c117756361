"""One emulated fine-tuning job: its timeline, events, checkpoints and JSON form.

A job does not run on a timer. Its whole future is a function of simulated time:
`advance(now)` applies every transition scheduled at or before `now`, stamping
events with the time they were due, so polling less often never changes what a
client eventually sees. User actions (cancel, pause, resume) first advance to
"now", then change the schedule.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ftui.core.emulator.apierrors import ApiError
from ftui.core.emulator.clock import SimClock
from ftui.core.emulator.training import LossCurve, TrainingPlan, results_csv

__all__ = ["TERMINAL", "Job", "JobFailure", "Timings"]

TERMINAL = frozenset({"succeeded", "failed", "cancelled"})
"""Statuses a job never leaves."""

_KEEP_CHECKPOINTS = 3


@dataclass(frozen=True)
class Timings:
    """Simulated durations (seconds) of the phases around training.

    Attributes:
        queue: From creation to start (also waits for file processing).
        setup: From "Job started." to the first step.
        postprocess: From the last step to success.
        pause: From a pause request to `paused`.
        resume: From a resume request to `running`.
    """

    queue: float = 10.0
    setup: float = 15.0
    postprocess: float = 20.0
    pause: float = 10.0
    resume: float = 10.0


@dataclass(frozen=True)
class JobFailure:
    """Why a job will fail when it starts (decided when it is created).

    Attributes:
        code: Error code in `job.error.code`.
        message: Human-readable reason.
        param: The request field at fault.
    """

    code: str
    message: str
    param: str | None


ResultFileMaker = Callable[["Job", bytes, float], str]
"""Stores a job's results.csv at a simulated time and returns the new file id."""


def _hex() -> str:
    return uuid.uuid4().hex


@dataclass
class Job:
    """State and schedule of one fine-tuning job (guarded by the state's lock)."""

    id: str
    model: str
    fine_tuned_name: str
    training_file: str
    validation_file: str | None
    suffix: str | None
    seed: int
    method: str
    requested: dict[str, Any]
    training_type: str | None
    metadata: dict[str, str] | None
    created_at: float
    start_at: float
    plan: TrainingPlan
    tokens_per_epoch: int
    failure: JobFailure | None
    timings: Timings
    clock: SimClock
    status: str = "pending"
    phase: str = "queued"
    phase_until: float | None = None
    steps_done: int = 0
    anchor_time: float = 0.0
    anchor_step: int = 0
    trained_seconds: float = 0.0
    finished_at: float | None = None
    created_stamp: int = 0
    finished_stamp: int | None = None
    fine_tuned_model: str | None = None
    trained_tokens: int | None = None
    result_files: list[str] = field(default_factory=list)
    error: dict[str, Any] | None = None
    events: list[dict[str, Any]] = field(default_factory=list)
    event_pos: dict[str, int] = field(default_factory=dict)
    checkpoints: list[dict[str, Any]] = field(default_factory=list)
    curve: LossCurve | None = None

    def __post_init__(self) -> None:
        """Build the loss curve, stamp the creation and log the enqueue event."""
        self.created_stamp = self.clock.stamp(self.created_at)
        self.curve = LossCurve(
            self.seed,
            self.plan,
            has_validation=self.validation_file is not None,
            method=self.method,
        )
        self._event(
            self.created_at, "Job enqueued. Waiting for jobs ahead to complete."
        )

    # ---- events -------------------------------------------------------------

    def _event(
        self,
        at: float,
        message: str,
        *,
        level: str = "info",
        kind: str = "message",
        data: dict[str, Any] | None = None,
    ) -> None:
        event_id = f"ftevent-{_hex()}"
        event: dict[str, Any] = {
            "id": event_id,
            "object": "fine_tuning.job.event",
            "created_at": self.clock.stamp(at),
            "level": level,
            "message": message,
            "type": kind,
            "data": data,
        }
        self.event_pos[event_id] = len(self.events)
        self.events.append(event)

    # ---- schedule -----------------------------------------------------------

    def _next_time(self) -> float | None:
        if self.phase == "queued":
            return self.start_at
        if self.phase == "training":
            ahead = self.steps_done + 1 - self.anchor_step
            return self.anchor_time + ahead * self.plan.step_seconds
        if self.phase in {"setup", "postprocessing", "pausing", "resuming"}:
            return self.phase_until
        return None  # paused or done

    def advance(self, now: float, make_result_file: ResultFileMaker) -> None:
        """Apply every transition due at or before `now`.

        Args:
            now: Current simulated time.
            make_result_file: Stores results.csv when the job succeeds.
        """
        while (due := self._next_time()) is not None and due <= now:
            self._transition(due, make_result_file)

    def _transition(self, t: float, make_result_file: ResultFileMaker) -> None:
        timings = self.timings
        if self.phase == "queued":
            if self.failure is not None:
                self._fail(t, self.failure)
                return
            self.status, self.phase = "running", "setup"
            self.phase_until = t + timings.setup
            self._event(t, "Job started.")
        elif self.phase == "setup":
            self.phase, self.anchor_time, self.anchor_step = "training", t, 0
            self.trained_seconds += timings.setup
            plan = self.plan
            self._event(
                t,
                f"Training started: {plan.n_epochs} epoch(s), batch size "
                f"{plan.batch_size}, {plan.total_steps} steps.",
            )
        elif self.phase == "training":
            self._train_step(t)
        elif self.phase == "postprocessing":
            self._succeed(t, make_result_file)
        elif self.phase == "pausing":
            self.status, self.phase, self.phase_until = "paused", "paused", None
            if (
                not self.checkpoints
                or self.checkpoints[-1]["step_number"] != self.steps_done
            ):
                self._checkpoint(t)
            self._event(t, f"Job paused at step {self.steps_done}.")
        elif self.phase == "resuming":
            self.status, self.phase, self.phase_until = "running", "training", None
            self.anchor_time, self.anchor_step = t, self.steps_done
            self._event(t, "Job resumed.")

    def _train_step(self, t: float) -> None:
        assert self.curve is not None
        plan = self.plan
        self.steps_done += 1
        self.trained_seconds += plan.step_seconds
        step = self.steps_done
        metrics = self.curve.at(step)
        message = f"Step {step}: training loss={metrics['train_loss']:.6f}"
        if "full_valid_loss" in metrics:
            message += f", full validation loss={metrics['full_valid_loss']:.6f}"
        elif "valid_loss" in metrics:
            message += f", validation loss={metrics['valid_loss']:.6f}"
        data = dict(metrics)
        data["total_steps"] = plan.total_steps
        self._event(t, message, kind="metrics", data=data)
        if step % plan.steps_per_epoch == 0:
            self._checkpoint(t)
        if step == plan.total_steps:
            self.phase, self.phase_until = (
                "postprocessing",
                t + self.timings.postprocess,
            )
            self._event(t, "Postprocessing started.")

    def _checkpoint(self, t: float) -> None:
        assert self.curve is not None
        step = self.steps_done
        name = f"{self.fine_tuned_name}:ckpt-step-{step}"
        self.checkpoints.append(
            {
                "id": f"ftchkpt-{_hex()}",
                "object": "fine_tuning.job.checkpoint",
                "created_at": self.clock.stamp(t),
                "fine_tuned_model_checkpoint": name,
                "fine_tuning_job_id": self.id,
                "step_number": step,
                "metrics": self.curve.at(step),
            }
        )
        self._event(t, f"Checkpoint created at step {step} with Snapshot ID: {name}")

    def _succeed(self, t: float, make_result_file: ResultFileMaker) -> None:
        assert self.curve is not None
        rows = [self.curve.at(step) for step in range(1, self.plan.total_steps + 1)]
        file_id = make_result_file(self, results_csv(rows), t)
        self.result_files = [file_id]
        self._event(t, f"Completed results file: {file_id}")
        self._event(t, f"Training hours billed: {self.trained_seconds / 3600:.3f}")
        self.status, self.phase, self.phase_until = "succeeded", "done", None
        self.finished_at = t
        self.finished_stamp = self.clock.stamp(t)
        self.fine_tuned_model = self.fine_tuned_name
        self.trained_tokens = self.tokens_per_epoch * self.plan.n_epochs
        self._event(t, "Job succeeded.")

    def _fail(self, t: float, failure: JobFailure) -> None:
        self.status, self.phase, self.phase_until = "failed", "done", None
        self.finished_at = t
        self.finished_stamp = self.clock.stamp(t)
        self.error = {
            "code": failure.code,
            "message": failure.message,
            "param": failure.param,
        }
        self._event(t, f"Job failed: {failure.message}", level="error")

    # ---- user actions (callers advance to `now` first) ----------------------

    def _refuse(self, action: str) -> ApiError:
        return ApiError(
            400,
            "unexpectedEntityState",
            f"The job '{self.id}' cannot be {action} because it is {self.status}.",
        )

    def cancel(self, now: float) -> None:
        """Cancel the job now.

        Args:
            now: Current simulated time.

        Raises:
            ApiError: The job already ended.
        """
        if self.status in TERMINAL:
            raise self._refuse("cancelled")
        if self.steps_done:
            epochs_done = self.steps_done / self.plan.steps_per_epoch
            self.trained_tokens = round(self.tokens_per_epoch * epochs_done)
        self.status, self.phase, self.phase_until = "cancelled", "done", None
        self.finished_at = now
        self.finished_stamp = self.clock.stamp(now)
        self._event(now, "Job cancelled.")

    def pause(self, now: float) -> None:
        """Start pausing a running job that trained at least one step.

        Args:
            now: Current simulated time.

        Raises:
            ApiError: The job is not training, or has not trained a step yet.
        """
        if self.status != "running" or self.phase != "training" or not self.steps_done:
            if self.status == "running":
                raise ApiError(
                    400,
                    "unexpectedEntityState",
                    f"The job '{self.id}' can only be paused while training, "
                    "after at least one step.",
                )
            raise self._refuse("paused")
        self.status, self.phase = "pausing", "pausing"
        self.phase_until = now + self.timings.pause
        self._event(now, "Job pausing.")

    def resume(self, now: float) -> None:
        """Start resuming a paused job.

        Args:
            now: Current simulated time.

        Raises:
            ApiError: The job is not paused.
        """
        if self.status != "paused":
            raise self._refuse("resumed")
        self.status, self.phase = "resuming", "resuming"
        self.phase_until = now + self.timings.resume
        self._event(now, "Job resuming.")

    # ---- views --------------------------------------------------------------

    def estimated_finish(self) -> int | None:
        """Unix time the job should succeed, while it is running."""
        if self.status != "running":
            return None
        plan, post = self.plan, self.timings.postprocess
        if self.phase == "setup" and self.phase_until is not None:
            left = self.phase_until + plan.total_steps * plan.step_seconds + post
        elif self.phase == "training":
            remaining = plan.total_steps - self.anchor_step
            left = self.anchor_time + remaining * plan.step_seconds + post
        elif self.phase_until is not None:
            left = self.phase_until
        else:
            return None
        return self.clock.stamp(left)

    def visible_checkpoints(self) -> list[dict[str, Any]]:
        """Checkpoints the service keeps (the last 3), newest first."""
        return list(reversed(self.checkpoints[-_KEEP_CHECKPOINTS:]))

    def hyperparameters(self) -> dict[str, Any]:
        """Hyperparameters as Azure echoes them: -1 (lr: 1) for "auto"."""
        requested = self.requested
        values: dict[str, Any] = {
            "n_epochs": requested.get("n_epochs") or -1,
            "batch_size": requested.get("batch_size") or -1,
            "learning_rate_multiplier": requested.get("learning_rate_multiplier") or 1,
        }
        if self.method == "dpo":
            values["beta"] = requested.get("beta") or -1
        return values

    def to_json(self) -> dict[str, Any]:
        """The `fine_tuning.job` object."""
        hyperparameters = self.hyperparameters()
        body: dict[str, Any] = {
            "id": self.id,
            "object": "fine_tuning.job",
            "created_at": self.created_stamp,
            "finished_at": self.finished_stamp,
            "model": self.model,
            "fine_tuned_model": self.fine_tuned_model,
            "organization_id": None,
            "status": self.status,
            "training_file": self.training_file,
            "validation_file": self.validation_file,
            "result_files": list(self.result_files),
            "trained_tokens": self.trained_tokens,
            "estimated_finish": self.estimated_finish(),
            "hyperparameters": {
                k: v for k, v in hyperparameters.items() if k != "beta"
            },
            "seed": self.seed,
            "suffix": self.suffix,
            "error": self.error,
            "method": {
                "type": self.method,
                self.method: {"hyperparameters": hyperparameters},
            },
            "integrations": None,
            "metadata": self.metadata,
        }
        if self.training_type is not None:
            body["trainingType"] = self.training_type
        return body
