"""Cost: epochs heuristic, capped billing, prices, Azure hosting."""

from __future__ import annotations

import pytest

from ftui.core.cost import (
    HOURS_PER_MONTH,
    default_epochs,
    estimate_cost,
    parse_epochs,
)
from ftui.core.errors import ConfigError
from ftui.core.model_table import ModelInfo, Price, load_model_table


def cookbook_epochs(n: int) -> int:
    """The cookbook's code, verbatim (reference §6.5)."""
    n_epochs = 3
    if n * 3 < 100:
        n_epochs = min(25, 100 // n)
    elif n * 3 > 25000:
        n_epochs = max(1, 25000 // n)
    return n_epochs


@pytest.mark.parametrize(
    ("n", "epochs"),
    [
        (1, 25),
        (4, 25),
        (5, 20),
        (10, 10),  # the Azure tutorial's 10-example job trained 10 epochs
        (33, 3),  # 99 < 100 -> 100 // 33 = 3
        (34, 3),
        (100, 3),
        (8333, 3),  # 24,999: not above 25,000
        (8334, 2),  # 25,002 > 25,000 -> 25,000 // 8,334 = 2
        (12_500, 2),
        (12_501, 1),
        (25_000, 1),
        (100_000, 1),  # 25,000 // 100,000 = 0 -> at least 1
    ],
)
def test_default_epochs(n: int, epochs: int) -> None:
    assert default_epochs(n) == epochs == cookbook_epochs(n)


def test_default_epochs_matches_the_cookbook_everywhere() -> None:
    for n in range(1, 40_000, 7):
        assert default_epochs(n) == cookbook_epochs(n), n
    assert default_epochs(0) == 25


def small_model(**prices: Price) -> ModelInfo:
    return ModelInfo(
        "test-model",
        (),
        "o200k_base",
        100,
        training_prices=prices or {"openai": Price(2.0, False, "test", "2026")},
    )


def test_billing_caps_each_example_at_the_training_context() -> None:
    estimate = estimate_cost([10, 250, 100, 101, 40], small_model(), epochs=4)
    assert estimate.examples == 5
    assert estimate.total_tokens == 501
    assert estimate.billed_tokens_per_epoch == 10 + 100 + 100 + 100 + 40
    assert estimate.over_limit == 2  # 250 and 101; exactly 100 is not over
    assert estimate.epochs == 4
    assert not estimate.epochs_auto
    assert estimate.billed_tokens == 350 * 4
    assert estimate.cost_usd == pytest.approx(1400 * 2.0 / 1e6)
    assert estimate.price_per_million == 2.0
    assert not estimate.price_uncertain
    assert estimate.hosting_per_hour is None  # OpenAI: no hosting fee


def test_auto_epochs_use_the_heuristic() -> None:
    estimate = estimate_cost([50] * 10, small_model())
    assert (estimate.epochs, estimate.epochs_auto) == (10, True)
    assert estimate.billed_tokens == 500 * 10


def test_azure_tutorial_figures() -> None:
    # 10 examples, 498 tokens: the cookbook's estimate is 4,980 billed tokens
    mini = load_model_table().lookup("gpt-4o-mini")
    totals = [46, 59, 48, 49, 47, 53, 46, 47, 52, 51]
    estimate = estimate_cost(totals, mini)
    assert (estimate.billed_tokens_per_epoch, estimate.epochs) == (498, 10)
    assert estimate.billed_tokens == 4980
    assert estimate.cost_usd == pytest.approx(4980 * 3.0 / 1e6)


def test_azure_hosting_and_uncertain_prices() -> None:
    mini = load_model_table().lookup("gpt-4o-mini")
    standard = estimate_cost([1000], mini, epochs=1, provider="azure", tier="standard")
    assert standard.provider == "azure"
    assert standard.tier == "standard"
    assert standard.price_uncertain
    assert standard.hosting_per_hour == pytest.approx(1.70)
    assert standard.hosting_per_day == pytest.approx(1.70 * 24)
    assert standard.hosting_per_month == pytest.approx(1.70 * HOURS_PER_MONTH) == 1224
    developer = estimate_cost(
        [1000], mini, epochs=1, provider="azure", tier="developer"
    )
    assert developer.hosting_per_hour == 0
    assert developer.cost_usd == pytest.approx(standard.cost_usd * 0.8 * 0.5)  # type: ignore[operator]
    openai = estimate_cost([1000], mini, epochs=1, provider="openai", tier="developer")
    assert openai.tier is None
    assert openai.hosting_per_hour is None


def test_unknown_price_gives_no_cost() -> None:
    model = small_model(openai=Price(None, True, "unknown"))
    estimate = estimate_cost([10], model, epochs=1)
    assert estimate.cost_usd is None
    assert estimate.billed_tokens == 10
    missing = estimate_cost(
        [10], small_model(), epochs=1, provider="azure", tier="global"
    )
    assert missing.cost_usd is None
    assert missing.price_uncertain


def test_no_examples_costs_nothing() -> None:
    estimate = estimate_cost([], small_model())
    assert (estimate.examples, estimate.billed_tokens, estimate.cost_usd) == (0, 0, 0.0)


@pytest.mark.parametrize("value", [0, 51, "x", "1.5", -3, ""])
def test_bad_epochs(value: object) -> None:
    with pytest.raises(ConfigError, match="epochs"):
        parse_epochs(value)  # type: ignore[arg-type]
    with pytest.raises(ConfigError):
        estimate_cost([1], small_model(), epochs=value)  # type: ignore[arg-type]


def test_parse_epochs() -> None:
    assert parse_epochs("auto") == "auto"
    assert parse_epochs(" AUTO ") == "auto"
    assert parse_epochs("7") == 7
    assert parse_epochs(50) == 50


def test_bad_provider_or_tier() -> None:
    with pytest.raises(ConfigError, match="provider"):
        estimate_cost([1], small_model(), provider="gcp")
    with pytest.raises(ConfigError, match="tier"):
        estimate_cost([1], small_model(), provider="azure", tier="gold")
