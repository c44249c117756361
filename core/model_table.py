"""The model table: fine-tunable models, tokenizer, training context, prices.

Shipped as package data (`core/data/models.toml`) and overridable field by field
from the user's config.toml (`[models."<id>"]`). Fine-tuned model names
(`ft:<base>:org:suffix:id`, Azure `<base>.ft-<hex>`, `:ckpt-step-N`) resolve to
their base model.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from ftui.core.errors import ConfigError
from ftui.core.settings import Settings, load_settings

__all__ = [
    "PRICE_KEYS",
    "PROVIDERS",
    "TIERS",
    "HostingPrice",
    "ModelInfo",
    "ModelTable",
    "Price",
    "base_model_name",
    "guess_encoding",
    "load_model_table",
    "price_key",
]

PROVIDERS = ("openai", "azure")
"""Services ftui can price a run for."""
TIERS = ("standard", "global", "developer")
"""Azure training tiers (Standard = regional, Global Standard, Developer)."""
PRICE_KEYS = ("openai", "azure_standard", "azure_global", "azure_developer")
"""Keys of `training_price` / `hosting_per_hour` tables."""

_TIER_ALIASES = {
    "standard": "standard",
    "regional": "standard",
    "global": "global",
    "globalstandard": "global",
    "global_standard": "global",
    "global-standard": "global",
    "developer": "developer",
    "developertier": "developer",
    "dev": "developer",
}
_MODEL_FIELDS = frozenset(
    {
        "aliases",
        "encoding",
        "training_context",
        "context_source",
        "context_uncertain",
        "note",
        "training_price",
        "hosting_per_hour",
    }
)
_CKPT = re.compile(r":ckpt-step-\d+$")
# Prefix rules for names the table does not know, as tiktoken's model.py has them
# (checked after mapping fine-tuned names to their base, so ft:gpt-4.1 is right).
_ENCODING_PREFIXES = (
    ("gpt-4o", "o200k_base"),
    ("gpt-4.1", "o200k_base"),
    ("gpt-4.5", "o200k_base"),
    ("gpt-5", "o200k_base"),
    ("o1", "o200k_base"),
    ("o3", "o200k_base"),
    ("o4", "o200k_base"),
    ("gpt-4", "cl100k_base"),
    ("gpt-3.5", "cl100k_base"),
    ("davinci-002", "cl100k_base"),
    ("babbage-002", "cl100k_base"),
)


@dataclass(frozen=True)
class Price:
    """A training price per 1M tokens for one provider/tier.

    Attributes:
        usd_per_million: USD per 1M training tokens; `None` when unknown.
        uncertain: The figure is assumed, derived or from memory: label it.
        source: Where the figure comes from.
        date: Date of the source, as precise as known.
    """

    usd_per_million: float | None
    uncertain: bool = False
    source: str = ""
    date: str = ""


@dataclass(frozen=True)
class HostingPrice:
    """What a deployed fine-tuned model costs per hour while it exists (Azure).

    Attributes:
        usd_per_hour: USD per hour per deployment.
        uncertain: The figure is not confirmed: label it.
        source: Where the figure comes from.
        date: Date of the source.
    """

    usd_per_hour: float
    uncertain: bool = False
    source: str = ""
    date: str = ""


@dataclass(frozen=True)
class ModelInfo:
    """One fine-tunable base model.

    Attributes:
        id: Canonical model id, e.g. `gpt-4o-mini-2024-07-18`.
        aliases: Other names that mean this model (`gpt-4o-mini`).
        encoding: tiktoken encoding name (`o200k_base`, `cl100k_base`).
        training_context: Maximum tokens per training example; longer ones are
            truncated by the service and billed at this cap.
        training_prices: Price per `PRICE_KEYS` key (missing key = unknown).
        hosting_per_hour: Hosting price per Azure key (`azure_standard`, ...).
        context_source: Where the training context figure comes from.
        context_uncertain: The training context is not confirmed.
        note: Anything the user should know when pricing this model.
        overridden: Some field comes from the user's config.toml.
    """

    id: str
    aliases: tuple[str, ...]
    encoding: str
    training_context: int
    training_prices: Mapping[str, Price] = field(default_factory=dict)
    hosting_per_hour: Mapping[str, HostingPrice] = field(default_factory=dict)
    context_source: str = ""
    context_uncertain: bool = False
    note: str | None = None
    overridden: bool = False

    def price(self, provider: str = "openai", tier: str = "standard") -> Price:
        """The training price for a provider and (Azure) tier.

        Args:
            provider: `openai` or `azure`.
            tier: Azure tier: `standard`, `global` or `developer` (ignored for OpenAI).

        Returns:
            The price; `usd_per_million` is `None` when the table has no figure.

        Raises:
            ConfigError: Unknown provider or tier.
        """
        key = price_key(provider, tier)
        known = self.training_prices.get(key)
        if known is not None:
            return known
        return Price(
            None,
            True,
            f"no {key} training price for {self.id} in the model table; "
            f'set it in config.toml under [models."{self.id}".training_price]',
        )

    def hosting(self, provider: str, tier: str = "standard") -> HostingPrice | None:
        """Hosting price per hour of a deployed fine-tuned model, or `None`.

        OpenAI charges no hosting fee, so this is `None` for `openai`.

        Raises:
            ConfigError: Unknown provider or tier.
        """
        key = price_key(provider, tier)
        if key == "openai":
            return None
        return self.hosting_per_hour.get(key)


def price_key(provider: str, tier: str = "standard") -> str:
    """The price-table key for a provider and tier (`azure_global`, `openai`, ...).

    Raises:
        ConfigError: Unknown provider or tier.
    """
    provider_name = provider.strip().lower()
    if provider_name == "openai":
        return "openai"
    if provider_name != "azure":
        raise ConfigError(
            f"unknown provider {provider!r}; use one of: {', '.join(PROVIDERS)}"
        )
    tier_name = _TIER_ALIASES.get(tier.strip().lower())
    if tier_name is None:
        raise ConfigError(
            f"unknown Azure tier {tier!r}; use one of: {', '.join(TIERS)}"
        )
    return f"azure_{tier_name}"


def _normalize(name: str) -> str:
    # Azure spells gpt-3.5 "gpt-35"; compare in one spelling.
    name = name.strip().lower()
    return name.replace("gpt-35-", "gpt-3.5-").replace("gpt-35", "gpt-3.5")


def base_model_name(name: str) -> str:
    """Strip fine-tuning decorations from a model name, leaving the base model.

    `ft:gpt-4.1-mini-2025-04-14:org:suffix:abc123` → `gpt-4.1-mini-2025-04-14`;
    Azure `gpt-4o-mini-2024-07-18.ft-0123abcd-suffix` → `gpt-4o-mini-2024-07-18`;
    a trailing `:ckpt-step-N` is dropped. Names without decoration are returned
    stripped of surrounding spaces (aliases are resolved by `ModelTable.lookup`).

    Args:
        name: A base, fine-tuned or checkpoint model name.

    Returns:
        The base model name.
    """
    name = _CKPT.sub("", name.strip())
    if name.startswith("ft:"):
        parts = name.split(":")
        name = parts[1] if len(parts) > 1 else ""
    if ".ft-" in name:
        name = name.split(".ft-", 1)[0]
    return name


def guess_encoding(name: str) -> str | None:
    """The tiktoken encoding a model family uses, by name prefix; `None` if unknown."""
    base = _normalize(base_model_name(name))
    for prefix, encoding in _ENCODING_PREFIXES:
        if base.startswith(prefix):
            return encoding
    return None


class ModelTable:
    """Models by id, with alias and fine-tuned-name resolution."""

    def __init__(self, models: Mapping[str, ModelInfo]) -> None:
        self._models = dict(models)
        self._names: dict[str, str] = {}
        for model in self._models.values():
            for alias in model.aliases:
                self._names[_normalize(alias)] = model.id
        for model in self._models.values():  # ids win over aliases
            self._names[_normalize(model.id)] = model.id

    def __iter__(self) -> Iterator[ModelInfo]:
        return iter(self._models.values())

    def __len__(self) -> int:
        return len(self._models)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.resolve_id(name) is not None

    @property
    def ids(self) -> tuple[str, ...]:
        """Canonical ids, in table order."""
        return tuple(self._models)

    def resolve_id(self, name: str) -> str | None:
        """The canonical id `name` refers to, or `None`."""
        return self._names.get(_normalize(base_model_name(name)))

    def lookup(self, name: str) -> ModelInfo:
        """Find a model by id, alias, or fine-tuned / checkpoint name.

        Args:
            name: E.g. `gpt-4o-mini`, `gpt-35-turbo`, `ft:gpt-4o-2024-08-06:org::id`,
                `gpt-4.1-2025-04-14.ft-abc123`.

        Returns:
            The base model's entry.

        Raises:
            ConfigError: The model is not in the table (the message lists the
                known ones).
        """
        model_id = self.resolve_id(name)
        if model_id is None:
            raise ConfigError(
                f"unknown model {name!r}; known models: {', '.join(self.ids)} "
                f'(add others in config.toml under [models."<id>"])'
            )
        return self._models[model_id]


# ---------------------------------------------------------------- building the table
def _price(value: Any, where: str, default_source: str) -> Price:
    if isinstance(value, bool):
        raise ConfigError(f"{where}: expected a number or a table")
    if isinstance(value, int | float):
        return Price(float(value), False, default_source)
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: expected a number or a table")
    amount = value.get("usd_per_million")
    if amount is not None and (
        isinstance(amount, bool) or not isinstance(amount, int | float) or amount < 0
    ):
        raise ConfigError(f"{where}.usd_per_million: expected a number >= 0")
    return Price(
        None if amount is None else float(amount),
        bool(value.get("uncertain", False)),
        str(value.get("source", default_source)),
        str(value.get("date", "")),
    )


def _hosting(value: Any, where: str, default_source: str) -> HostingPrice:
    if isinstance(value, bool):
        raise ConfigError(f"{where}: expected a number or a table")
    if isinstance(value, int | float):
        return HostingPrice(float(value), False, default_source)
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: expected a number or a table")
    amount = value.get("usd_per_hour")
    if isinstance(amount, bool) or not isinstance(amount, int | float) or amount < 0:
        raise ConfigError(f"{where}.usd_per_hour: expected a number >= 0")
    return HostingPrice(
        float(amount),
        bool(value.get("uncertain", False)),
        str(value.get("source", default_source)),
        str(value.get("date", "")),
    )


def _price_table(value: Any, where: str, source: str, parse: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: expected a table keyed by {', '.join(PRICE_KEYS)}")
    table = {}
    for key, item in value.items():
        if key not in PRICE_KEYS:
            raise ConfigError(
                f"{where}: unknown key {key!r}; use {', '.join(PRICE_KEYS)}"
            )
        table[key] = parse(item, f"{where}.{key}", source)
    return table


def _apply_fields(
    model: ModelInfo, fields: Mapping[str, Any], where: str, source: str
) -> ModelInfo:
    """Return `model` with the fields given in a TOML table replaced."""
    unknown = set(fields) - _MODEL_FIELDS
    if unknown:
        raise ConfigError(
            f"{where}: unknown field(s) {', '.join(sorted(unknown))}; "
            f"known: {', '.join(sorted(_MODEL_FIELDS))}"
        )
    changes: dict[str, Any] = {}
    if "aliases" in fields:
        aliases = fields["aliases"]
        if not isinstance(aliases, list) or not all(
            isinstance(a, str) for a in aliases
        ):
            raise ConfigError(f"{where}.aliases: expected a list of names")
        changes["aliases"] = tuple(aliases)
    if "encoding" in fields:
        if not isinstance(fields["encoding"], str) or not fields["encoding"]:
            raise ConfigError(f"{where}.encoding: expected an encoding name")
        changes["encoding"] = fields["encoding"]
    if "training_context" in fields:
        context = fields["training_context"]
        if isinstance(context, bool) or not isinstance(context, int) or context < 1:
            raise ConfigError(f"{where}.training_context: expected a positive integer")
        changes["training_context"] = context
    for name in ("context_source", "note"):
        if name in fields:
            changes[name] = str(fields[name])
    if "context_uncertain" in fields:
        changes["context_uncertain"] = bool(fields["context_uncertain"])
    if "training_price" in fields:
        prices = dict(model.training_prices)
        prices.update(
            _price_table(
                fields["training_price"], f"{where}.training_price", source, _price
            )
        )
        changes["training_prices"] = prices
    if "hosting_per_hour" in fields:
        hosting = dict(model.hosting_per_hour)
        hosting.update(
            _price_table(
                fields["hosting_per_hour"],
                f"{where}.hosting_per_hour",
                source,
                _hosting,
            )
        )
        changes["hosting_per_hour"] = hosting
    return replace(model, **changes)


def _new_model(
    model_id: str,
    fields: Mapping[str, Any],
    where: str,
    hosting: Mapping[str, HostingPrice],
) -> ModelInfo:
    encoding = fields.get("encoding") or guess_encoding(model_id)
    if encoding is None:
        raise ConfigError(
            f"{where}: set `encoding` (o200k_base or cl100k_base) for this new model"
        )
    if "training_context" not in fields:
        raise ConfigError(f"{where}: set `training_context` for this new model")
    return ModelInfo(model_id, (), str(encoding), 1, {}, dict(hosting))


def _load_package_table() -> dict[str, Any]:
    resource = resources.files("ftui.core.data").joinpath("models.toml")
    return tomllib.loads(resource.read_text("utf-8"))


def build_model_table(
    document: Mapping[str, Any],
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    override_source: str = "config.toml",
) -> ModelTable:
    """Build a table from a models.toml document plus user overrides.

    Args:
        document: Parsed models.toml (`[hosting_per_hour]`, `[models."<id>"]`).
        overrides: `[models."<name>"]` tables from config.toml; a name matching a
            known id or alias changes that model, any other name adds a model.
        override_source: Shown as the source of prices given as bare numbers.

    Returns:
        The table.

    Raises:
        ConfigError: A field has the wrong type, or a new model lacks
            `training_context`/`encoding`.
    """
    hosting = _price_table(
        document.get("hosting_per_hour", {}), "hosting_per_hour", "", _hosting
    )
    models: dict[str, ModelInfo] = {}
    for model_id, fields in document.get("models", {}).items():
        where = f'models."{model_id}"'
        base = _new_model(model_id, fields, where, hosting)
        models[model_id] = _apply_fields(base, fields, where, "")
    table = ModelTable(models)
    for name, fields in (overrides or {}).items():
        where = f'{override_source}: [models."{name}"]'
        known = table.resolve_id(name)
        if known is not None:
            base = models[known]
        else:
            known = name.strip()
            base = _new_model(known, fields, where, hosting)
        models[known] = replace(
            _apply_fields(base, fields, where, override_source), overridden=True
        )
        table = ModelTable(models)
    return table


def load_model_table(settings: Settings | None = None) -> ModelTable:
    """The shipped model table with the user's config.toml overrides applied.

    Args:
        settings: Settings to take overrides from; read from config.toml by default.

    Returns:
        The merged table.

    Raises:
        ConfigError: config.toml is malformed or an override is invalid.
    """
    settings = load_settings() if settings is None else settings
    document = _load_package_table()
    source = str(settings.config_path or Path("config.toml"))
    return build_model_table(document, settings.model_overrides, override_source=source)
