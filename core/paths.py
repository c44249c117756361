"""Where ftui keeps its files: config and cache folders (platformdirs).

`FTUI_CONFIG_DIR` and `FTUI_CACHE_DIR` override them (the tests use this).
"""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_cache_path, user_config_path

__all__ = ["APP_NAME", "cache_dir", "config_dir", "config_file"]

APP_NAME = "ftui"


def config_dir() -> Path:
    """The folder holding `config.toml` (not created here)."""
    if override := os.environ.get("FTUI_CONFIG_DIR"):
        return Path(override)
    return user_config_path(APP_NAME, appauthor=False)


def config_file() -> Path:
    """The user's config file: model/price overrides, defaults, connection profiles."""
    return config_dir() / "config.toml"


def cache_dir() -> Path:
    """The folder for caches such as token counts (not created here)."""
    if override := os.environ.get("FTUI_CACHE_DIR"):
        return Path(override)
    return user_cache_path(APP_NAME, appauthor=False)
