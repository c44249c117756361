"""Training cost of a dataset: epochs heuristic, billed tokens, price, Azure hosting.

Billing (reference §6.4/§6.5): each example is billed up to the model's training
context (longer ones are truncated by the service), every epoch::

    billed_tokens_per_epoch = Σ min(training_context, total_tokens)
    billed_tokens = billed_tokens_per_epoch x epochs
    cost_usd = billed_tokens x price_per_million / 1e6

Validation files are not billed. Azure deployments of the result cost an
hourly hosting fee whether or not they are used; OpenAI charges none.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from ftui.core.errors import ConfigError
from ftui.core.model_table import ModelInfo, price_key

__all__ = [
    "HOURS_PER_MONTH",
    "MAX_EPOCHS",
    "CostEstimate",
    "default_epochs",
    "estimate_cost",
    "parse_epochs",
]

TARGET_EPOCHS = 3
MIN_TARGET_EXAMPLES = 100
MAX_TARGET_EXAMPLES = 25_000
MIN_DEFAULT_EPOCHS = 1
MAX_DEFAULT_EPOCHS = 25
MAX_EPOCHS = 50
"""The API accepts `n_epochs` 1-50 (reference §3.2)."""
HOURS_PER_MONTH = 720
"""The month Azure's cost page uses (1.70 x 720 h = $1,224)."""


def default_epochs(n_examples: int) -> int:
    """Epochs the service picks for `n_epochs="auto"` (the cookbook's heuristic).

    Target 3 epochs; small files get more (so ~100 examples are seen), capped
    at 25; large files fewer (so ~25,000 examples are seen), at least 1.

    Args:
        n_examples: Number of training examples.

    Returns:
        The number of epochs. 0 examples gives 25, the small-file cap
        (nothing is billed anyway).
    """
    n = n_examples
    if n <= 0:
        return MAX_DEFAULT_EPOCHS
    if n * TARGET_EPOCHS < MIN_TARGET_EXAMPLES:
        return min(MAX_DEFAULT_EPOCHS, MIN_TARGET_EXAMPLES // n)
    if n * TARGET_EPOCHS > MAX_TARGET_EXAMPLES:
        return max(MIN_DEFAULT_EPOCHS, MAX_TARGET_EXAMPLES // n)
    return TARGET_EPOCHS


def parse_epochs(value: str | int) -> int | Literal["auto"]:
    """Read an epochs setting: `auto` or an integer 1-50.

    Raises:
        ConfigError: Anything else.
    """
    if isinstance(value, str) and value.strip().lower() == "auto":
        return "auto"
    try:
        epochs = int(value)
    except (TypeError, ValueError):
        raise ConfigError(
            f"epochs must be 'auto' or a whole number 1-{MAX_EPOCHS}, not {value!r}"
        ) from None
    if not 1 <= epochs <= MAX_EPOCHS:
        raise ConfigError(f"epochs must be between 1 and {MAX_EPOCHS}, not {epochs}")
    return epochs


@dataclass(frozen=True)
class CostEstimate:
    """What a training run on a dataset would cost.

    Attributes:
        model: Model id priced.
        provider: `openai` or `azure`.
        tier: Azure tier (`standard`, `global`, `developer`); `None` for OpenAI.
        examples: Examples counted.
        total_tokens: Σ tokens of all examples, uncapped.
        training_context: The per-example cap applied.
        over_limit: Examples longer than the cap (truncated by the service).
        billed_tokens_per_epoch: Σ min(cap, tokens).
        epochs: Epochs priced.
        epochs_auto: True when `epochs` came from the heuristic.
        billed_tokens: Per-epoch tokens x epochs.
        price_per_million: USD per 1M training tokens; `None` when unknown.
        price_uncertain: The price is assumed/derived: label it in the output.
        price_source: Where the price comes from.
        price_date: Date of that source.
        cost_usd: Training cost; `None` when the price is unknown.
        hosting_per_hour: Azure deployment hosting USD/hour (`None`: OpenAI).
        hosting_per_day: `hosting_per_hour` x 24.
        hosting_per_month: `hosting_per_hour` x 720.
        hosting_uncertain: The hosting figure is not confirmed.
        note: Anything else about pricing this model (e.g. billed per hour).
    """

    model: str
    provider: str
    tier: str | None
    examples: int
    total_tokens: int
    training_context: int
    over_limit: int
    billed_tokens_per_epoch: int
    epochs: int
    epochs_auto: bool
    billed_tokens: int
    price_per_million: float | None
    price_uncertain: bool
    price_source: str
    price_date: str
    cost_usd: float | None
    hosting_per_hour: float | None = None
    hosting_per_day: float | None = None
    hosting_per_month: float | None = None
    hosting_uncertain: bool = False
    note: str | None = None


def estimate_cost(
    totals: Iterable[int],
    model: ModelInfo,
    *,
    epochs: int | Literal["auto"] = "auto",
    provider: str = "openai",
    tier: str = "standard",
) -> CostEstimate:
    """Price a training run.

    Args:
        totals: Total tokens of each valid training example.
        model: The base model (its training context caps each example).
        epochs: A number of epochs (1-50) or `"auto"` (the service's heuristic).
        provider: `openai` or `azure`.
        tier: Azure training tier: `standard`, `global` or `developer`.

    Returns:
        The estimate; `cost_usd` is `None` when the table has no price.

    Raises:
        ConfigError: Bad epochs, provider or tier.
    """
    key = price_key(provider, tier)  # validates provider and tier first
    counts = list(totals)
    limit = model.training_context
    per_epoch = sum(min(limit, n) for n in counts)
    chosen = parse_epochs(epochs)
    n_epochs = default_epochs(len(counts)) if chosen == "auto" else chosen
    billed = per_epoch * n_epochs
    price = model.price(provider, tier)
    cost = None
    if price.usd_per_million is not None:
        cost = billed * price.usd_per_million / 1e6
    hosting = model.hosting(provider, tier)
    hourly = None if hosting is None else hosting.usd_per_hour
    return CostEstimate(
        model=model.id,
        provider="openai" if key == "openai" else "azure",
        tier=None if key == "openai" else key.removeprefix("azure_"),
        examples=len(counts),
        total_tokens=sum(counts),
        training_context=limit,
        over_limit=sum(1 for n in counts if n > limit),
        billed_tokens_per_epoch=per_epoch,
        epochs=n_epochs,
        epochs_auto=chosen == "auto",
        billed_tokens=billed,
        price_per_million=price.usd_per_million,
        price_uncertain=price.uncertain,
        price_source=price.source,
        price_date=price.date,
        cost_usd=cost,
        hosting_per_hour=hourly,
        hosting_per_day=None if hourly is None else hourly * 24,
        hosting_per_month=None if hourly is None else hourly * HOURS_PER_MONTH,
        hosting_uncertain=bool(hosting and hosting.uncertain),
        note=model.note,
    )
