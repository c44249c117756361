"""Model table: name resolution, shipped figures, config overrides, settings."""

from __future__ import annotations

import pytest

from ftui.core.errors import ConfigError
from ftui.core.model_table import (
    PRICE_KEYS,
    base_model_name,
    guess_encoding,
    load_model_table,
    price_key,
)
from ftui.core.paths import config_file
from ftui.core.settings import DEFAULT_MODEL, load_settings
from ftui.core.tokens import encoding_name_for


def write_config(text: str) -> None:
    path = config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "base"),
    [
        ("gpt-4o-mini-2024-07-18", "gpt-4o-mini-2024-07-18"),
        ("ft:gpt-4o-mini-2024-07-18:my-org:custom:9abc", "gpt-4o-mini-2024-07-18"),
        ("ft:gpt-4.1-mini-2025-04-14:org::abc", "gpt-4.1-mini-2025-04-14"),
        (
            "ft:gpt-4o-2024-08-06:org:sfx:id123:ckpt-step-40",
            "gpt-4o-2024-08-06",
        ),
        (
            "gpt-4.1-2025-04-14.ft-0e208cf33a6a466994aff31a08aba678",
            "gpt-4.1-2025-04-14",
        ),
        (
            "gpt-4o-mini-2024-07-18.ft-0e208cf33a6a466994aff31a08aba678-my-suffix",
            "gpt-4o-mini-2024-07-18",
        ),
        ("gpt-35-turbo-0125.ft-abc:ckpt-step-10", "gpt-35-turbo-0125"),
        ("  gpt-4o  ", "gpt-4o"),
    ],
)
def test_base_model_name_strips_fine_tuning_decorations(name: str, base: str) -> None:
    assert base_model_name(name) == base


@pytest.mark.parametrize(
    ("name", "model_id"),
    [
        ("gpt-4o-mini", "gpt-4o-mini-2024-07-18"),
        ("GPT-4o-Mini", "gpt-4o-mini-2024-07-18"),
        ("gpt-4o", "gpt-4o-2024-08-06"),
        ("gpt-4.1", "gpt-4.1-2025-04-14"),
        ("gpt-4.1-nano", "gpt-4.1-nano-2025-04-14"),
        ("gpt-3.5-turbo", "gpt-3.5-turbo-0125"),
        ("gpt-35-turbo", "gpt-3.5-turbo-0125"),
        ("gpt-35-turbo-1106", "gpt-3.5-turbo-1106"),
        ("gpt-35-turbo-0613.ft-b044a9d3cf9c4228b5d393567f693b83", "gpt-3.5-turbo-0613"),
        ("ft:gpt-4.1-mini-2025-04-14:org::abc", "gpt-4.1-mini-2025-04-14"),
        ("ft:gpt-4o-mini:org:x:y", "gpt-4o-mini-2024-07-18"),
        ("o4-mini", "o4-mini-2025-04-16"),
    ],
)
def test_lookup_resolves_aliases_and_fine_tuned_names(name: str, model_id: str) -> None:
    assert load_model_table().lookup(name).id == model_id


@pytest.mark.parametrize(
    ("model_id", "context", "encoding"),
    [
        ("gpt-4o-mini-2024-07-18", 65_536, "o200k_base"),
        ("gpt-4o-2024-08-06", 65_536, "o200k_base"),
        ("gpt-4.1-2025-04-14", 65_536, "o200k_base"),
        ("gpt-4.1-mini-2025-04-14", 65_536, "o200k_base"),
        ("gpt-4.1-nano-2025-04-14", 32_768, "o200k_base"),
        ("o4-mini-2025-04-16", 65_536, "o200k_base"),
        ("gpt-3.5-turbo-0125", 16_385, "cl100k_base"),
        ("gpt-3.5-turbo-1106", 16_385, "cl100k_base"),
        ("gpt-3.5-turbo-0613", 4_096, "cl100k_base"),
    ],
)
def test_shipped_contexts_and_encodings(
    model_id: str, context: int, encoding: str
) -> None:
    info = load_model_table().lookup(model_id)
    assert (info.training_context, info.encoding) == (context, encoding)


def test_unknown_model_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError, match=r"unknown model 'llama-3'.*gpt-4o-mini"):
        load_model_table().lookup("llama-3")


def test_encoding_for_fine_tuned_gpt41_is_o200k_unlike_tiktoken() -> None:
    # tiktoken maps "ft:gpt-4…" prefixes to cl100k, which is wrong for gpt-4.1
    assert encoding_name_for("ft:gpt-4.1-mini-2025-04-14:org::abc") == "o200k_base"
    assert encoding_name_for("gpt-35-turbo-0125.ft-abc") == "cl100k_base"
    assert encoding_name_for("gpt-5-foo") == "o200k_base"  # not in the table: guessed
    assert guess_encoding("mistral-large") is None
    with pytest.raises(ConfigError, match="tokenizer"):
        encoding_name_for("mistral-large")


def test_every_price_has_a_source_and_azure_training_prices_are_uncertain() -> None:
    table = load_model_table()
    for info in table:
        for key, price in info.training_prices.items():
            assert key in PRICE_KEYS
            assert price.source, (info.id, key)
            if key.startswith("azure_"):
                assert price.uncertain, (info.id, key)
    mini = table.lookup("gpt-4o-mini")
    assert mini.price("openai").usd_per_million == 3.00
    assert mini.price("azure", "global").uncertain
    assert mini.price("azure", "developer").usd_per_million == pytest.approx(
        mini.price("azure", "global").usd_per_million * 0.5  # type: ignore[operator]
    )


def test_hosting_prices() -> None:
    mini = load_model_table().lookup("gpt-4o-mini")
    assert mini.hosting("openai") is None
    assert mini.hosting("azure", "standard").usd_per_hour == 1.70  # type: ignore[union-attr]
    assert mini.hosting("azure", "global").usd_per_hour == 1.70  # type: ignore[union-attr]
    assert mini.hosting("azure", "developer").usd_per_hour == 0.0  # type: ignore[union-attr]


def test_unknown_price_is_none_and_says_how_to_set_it() -> None:
    price = load_model_table().lookup("davinci-002").price("azure", "global")
    assert price.usd_per_million is None
    assert "config.toml" in price.source


def test_price_key_validates_provider_and_tier() -> None:
    assert price_key("openai", "developer") == "openai"
    assert price_key("azure", "GlobalStandard") == "azure_global"
    assert price_key("Azure", "developerTier") == "azure_developer"
    with pytest.raises(ConfigError, match="provider"):
        price_key("aws")
    with pytest.raises(ConfigError, match="tier"):
        price_key("azure", "premium")


def test_config_overrides_fields_of_a_model_by_alias() -> None:
    write_config(
        """
[models."gpt-4o-mini".training_price]
openai = 1.25
azure_global = { usd_per_million = 2.0, uncertain = true, source = "my quote", date = "2026-11-01" }
[models."gpt-4o-mini"]
training_context = 1000
"""
    )
    info = load_model_table().lookup("gpt-4o-mini-2024-07-18")
    assert info.overridden
    assert info.training_context == 1000
    openai = info.price("openai")
    assert (openai.usd_per_million, openai.uncertain) == (1.25, False)
    assert "config.toml" in openai.source
    glob = info.price("azure", "global")
    assert (glob.usd_per_million, glob.uncertain, glob.source, glob.date) == (
        2.0,
        True,
        "my quote",
        "2026-11-01",
    )
    # untouched fields keep the shipped values
    assert info.price("azure", "developer").usd_per_million == 1.20
    assert info.encoding == "o200k_base"


def test_config_adds_a_model() -> None:
    write_config(
        """
[models."gpt-4.1-mini-2026-01-01"]
aliases = ["my-mini"]
training_context = 131072
training_price = { openai = 4.0 }
"""
    )
    table = load_model_table()
    info = table.lookup("ft:my-mini:org::x")
    assert info.id == "gpt-4.1-mini-2026-01-01"
    assert info.encoding == "o200k_base"  # guessed from the family
    assert info.training_context == 131_072
    assert info.price("openai").usd_per_million == 4.0
    assert info.hosting("azure", "standard").usd_per_hour == 1.70  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[models."gpt-4o-mini"]\ntraining_contxt = 5\n', "unknown field"),
        ('[models."gpt-4o-mini"]\ntraining_context = "big"\n', "positive integer"),
        ('[models."gpt-4o-mini".training_price]\nopenai = "cheap"\n', "number"),
        ('[models."gpt-4o-mini".training_price]\nbedrock = 1\n', "unknown key"),
        ('[models."new-model"]\nencoding = "o200k_base"\n', "training_context"),
        ('[models."mystery"]\ntraining_context = 10\n', "encoding"),
        ("[models\n", "not valid TOML"),
        ("models = 3\n", r"\[models\]"),
    ],
)
def test_bad_config_is_a_config_error(text: str, message: str) -> None:
    write_config(text)
    with pytest.raises(ConfigError, match=message):
        load_model_table()


def test_settings_default_model() -> None:
    assert load_settings().default_model == DEFAULT_MODEL == "gpt-4o-mini-2024-07-18"
    write_config('[defaults]\nmodel = "gpt-4.1-nano"\n[profiles.x]\nkind = "azure"\n')
    settings = load_settings()
    assert settings.default_model == "gpt-4.1-nano"
    assert settings.config_path == config_file()
    write_config("[defaults]\nmodel = 5\n")
    with pytest.raises(ConfigError, match="model"):
        load_settings()
