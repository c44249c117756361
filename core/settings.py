"""User settings read from config.toml: the default model and model-table overrides.

The file is shared with other parts of ftui (connection profiles live in it too);
this module reads only the `[defaults]` and `[models]` tables::

    [defaults]
    model = "gpt-4.1-mini"            # used when --model is not given

    [models."gpt-4o-mini-2024-07-18".training_price]
    azure_global = 2.70               # USD per 1M training tokens
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ftui.core.errors import ConfigError
from ftui.core.paths import config_file

__all__ = ["DEFAULT_MODEL", "Settings", "load_settings", "read_config"]

DEFAULT_MODEL = "gpt-4o-mini-2024-07-18"
"""The model priced when neither `--model` nor `[defaults] model` says otherwise."""


@dataclass(frozen=True)
class Settings:
    """What config.toml says about models.

    Attributes:
        default_model: Model used when none is given.
        model_overrides: `[models."<id>"]` tables, as written, keyed by model name.
        config_path: The file read (it may not exist).
    """

    default_model: str = DEFAULT_MODEL
    model_overrides: dict[str, dict[str, Any]] = field(default_factory=dict)
    config_path: Path | None = None


def read_config(path: Path | None = None) -> dict[str, Any]:
    """Parse config.toml; a missing file is an empty config.

    Args:
        path: File to read; by default `ftui.core.paths.config_file()`.

    Returns:
        The parsed TOML document.

    Raises:
        ConfigError: The file exists but is not valid TOML or cannot be read.
    """
    path = config_file() if path is None else path
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from exc


def load_settings(path: Path | None = None) -> Settings:
    """Read the default model and model overrides from config.toml.

    Args:
        path: Config file; by default `ftui.core.paths.config_file()`.

    Returns:
        The settings; defaults when the file or the tables are absent.

    Raises:
        ConfigError: The file is malformed or a value has the wrong type.
    """
    path = config_file() if path is None else path
    document = read_config(path)
    defaults = document.get("defaults", {})
    if not isinstance(defaults, dict):
        raise ConfigError(f"{path}: [defaults] must be a table")
    model = defaults.get("model", DEFAULT_MODEL)
    if not isinstance(model, str) or not model.strip():
        raise ConfigError(f"{path}: [defaults] model must be a model name (a string)")
    models = document.get("models", {})
    if not isinstance(models, dict) or not all(
        isinstance(value, dict) for value in models.values()
    ):
        raise ConfigError(
            f'{path}: [models] must hold tables like [models."gpt-4o-mini-2024-07-18"]'
        )
    return Settings(model.strip(), dict(models), path)
