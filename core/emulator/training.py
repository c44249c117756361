"""The emulated training run: hyperparameters, step count and a seeded loss curve.

Nothing here touches the network or the clock: given the same inputs (and the
same seed) every function returns the same values, so a job's metrics are
deterministic and `results.csv` matches its events exactly.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any

__all__ = [
    "RESULTS_COLUMNS",
    "LossCurve",
    "TrainingPlan",
    "default_batch_size",
    "default_epochs",
    "plan_training",
    "results_csv",
]

RESULTS_COLUMNS = (
    "step",
    "train_loss",
    "train_mean_token_accuracy",
    "valid_loss",
    "validation_mean_token_accuracy",
    "full_valid_loss",
    "full_valid_mean_token_accuracy",
)
"""Azure's documented `results.csv` header (note `validation_mean_token_accuracy`)."""


def default_epochs(examples: int) -> int:
    """Epochs the service picks for `n_epochs="auto"` (the cookbook heuristic).

    Args:
        examples: Number of training examples.

    Returns:
        3 epochs, more for small files (up to 25), fewer for huge ones (down to 1).
    """
    target, min_examples, max_examples = 3, 100, 25_000
    n = max(1, examples)
    if n * target < min_examples:
        return min(25, min_examples // n)
    if n * target > max_examples:
        return max(1, max_examples // n)
    return target


def default_batch_size(examples: int) -> int:
    """Batch size for `batch_size="auto"`: about 0.2% of the examples, 1..256.

    Args:
        examples: Number of training examples.

    Returns:
        The batch size.
    """
    return max(1, min(256, math.ceil(examples * 0.002)))


@dataclass(frozen=True)
class TrainingPlan:
    """The resolved shape of a training run.

    Attributes:
        n_epochs: Epochs trained.
        batch_size: Examples per step.
        learning_rate_multiplier: Effective multiplier.
        steps_per_epoch: Steps in one epoch.
        total_steps: Steps in the whole run.
        step_seconds: Simulated seconds per step.
    """

    n_epochs: int
    batch_size: int
    learning_rate_multiplier: float
    steps_per_epoch: int
    total_steps: int
    step_seconds: float


def plan_training(
    examples: int,
    tokens_per_epoch: int,
    *,
    n_epochs: int | None,
    batch_size: int | None,
    learning_rate_multiplier: float | None,
) -> TrainingPlan:
    """Resolve "auto" hyperparameters and derive the step count and pace.

    Args:
        examples: Training examples in the file.
        tokens_per_epoch: Tokens in one pass over the file.
        n_epochs: Requested epochs, None for auto.
        batch_size: Requested batch size, None for auto.
        learning_rate_multiplier: Requested multiplier, None for auto.

    Returns:
        The plan; `total_steps = ceil(examples / batch_size) * n_epochs`.
    """
    examples = max(1, examples)
    epochs = n_epochs or default_epochs(examples)
    batch = batch_size or default_batch_size(examples)
    steps_per_epoch = math.ceil(examples / batch)
    tokens_per_example = tokens_per_epoch / examples if tokens_per_epoch else 100.0
    # A step costs a fixed overhead plus time proportional to the batch's tokens.
    step_seconds = min(60.0, 1.0 + tokens_per_example * batch / 4000.0)
    return TrainingPlan(
        n_epochs=epochs,
        batch_size=batch,
        learning_rate_multiplier=learning_rate_multiplier or 1.0,
        steps_per_epoch=steps_per_epoch,
        total_steps=steps_per_epoch * epochs,
        step_seconds=step_seconds,
    )


class LossCurve:
    """A plausible, noisy, decreasing loss curve, deterministic per seed.

    Training loss falls exponentially from ~2 (SFT) or ln 2 (DPO) towards a floor
    with multiplicative noise; validation loss falls a little slower and turns up
    slightly late in training (mild over-fitting); full-validation values are
    the smooth validation curve at epoch ends. Accuracy rises as loss falls.
    """

    def __init__(
        self,
        seed: int,
        plan: TrainingPlan,
        *,
        has_validation: bool,
        method: str = "supervised",
    ) -> None:
        """Create the curve.

        Args:
            seed: The job's seed (same seed and plan → same numbers).
            plan: The run's shape.
            has_validation: Whether `valid_*`/`full_valid_*` values exist.
            method: "supervised" or "dpo" (changes the starting loss).
        """
        rng = random.Random(seed)
        self._seed = seed
        self._plan = plan
        self._has_validation = has_validation
        if method == "dpo":
            self._start = math.log(2) * rng.uniform(0.95, 1.05)
            self._floor = rng.uniform(0.05, 0.2)
        else:
            self._start = rng.uniform(1.6, 2.4)
            self._floor = rng.uniform(0.08, 0.35)
        lr = max(0.01, plan.learning_rate_multiplier)
        self._rate = rng.uniform(3.0, 5.0) * min(2.0, math.sqrt(lr))
        self._gap = rng.uniform(0.03, 0.2)
        self.valid_interval = max(1, min(10, plan.total_steps // 10))
        """Steps between `valid_*` measurements."""

    def _smooth_train(self, progress: float) -> float:
        return self._floor + (self._start - self._floor) * math.exp(
            -self._rate * progress
        )

    def _smooth_valid(self, progress: float) -> float:
        drop = math.exp(-self._rate * 0.85 * progress)
        return (
            self._floor * 1.15
            + (self._start - self._floor) * drop
            + self._gap * progress**2
        )

    @staticmethod
    def _accuracy(loss: float, noise: float) -> float:
        return min(1.0, max(0.0, 1.0 / (1.0 + 0.8 * loss) + noise))

    def at(self, step: int) -> dict[str, float]:
        """The metrics logged at one step (1-based).

        Args:
            step: The step number, 1..total_steps.

        Returns:
            `step`, `train_loss`, `train_mean_token_accuracy`; plus `valid_loss`,
            `valid_mean_token_accuracy` every `valid_interval` steps and
            `full_valid_loss`, `full_valid_mean_token_accuracy` at epoch ends
            (only with a validation file). Values rounded to 6 decimals.
        """
        rng = random.Random(self._seed * 1_000_003 + step)
        progress = step / self._plan.total_steps
        train = self._smooth_train(progress) * math.exp(rng.gauss(0.0, 0.12))
        metrics: dict[str, float] = {
            "step": step,
            "train_loss": round(train, 6),
            "train_mean_token_accuracy": round(
                self._accuracy(train, rng.gauss(0.0, 0.02)), 6
            ),
        }
        valid_noise = rng.gauss(0.0, 0.08)
        acc_noise = rng.gauss(0.0, 0.02)
        if not self._has_validation:
            return metrics
        smooth_valid = self._smooth_valid(progress)
        if step % self.valid_interval == 0 or step == self._plan.total_steps:
            valid = smooth_valid * math.exp(valid_noise)
            metrics["valid_loss"] = round(valid, 6)
            metrics["valid_mean_token_accuracy"] = round(
                self._accuracy(valid, acc_noise), 6
            )
        if step % self._plan.steps_per_epoch == 0:
            metrics["full_valid_loss"] = round(smooth_valid, 6)
            metrics["full_valid_mean_token_accuracy"] = round(
                self._accuracy(smooth_valid, 0.0), 6
            )
        return metrics


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def results_csv(rows: list[dict[str, float]]) -> bytes:
    """Render step metrics as Azure's `results.csv` (blank cells are empty strings).

    Args:
        rows: Metrics dicts as returned by `LossCurve.at`, in step order.

    Returns:
        The CSV bytes (LF line ends, header first).
    """
    lines = [",".join(RESULTS_COLUMNS)]
    for row in rows:
        values = [
            row.get("step"),
            row.get("train_loss"),
            row.get("train_mean_token_accuracy"),
            row.get("valid_loss"),
            row.get("valid_mean_token_accuracy"),
            row.get("full_valid_loss"),
            row.get("full_valid_mean_token_accuracy"),
        ]
        lines.append(",".join(_cell(v) for v in values))
    return ("\n".join(lines) + "\n").encode("utf-8")
