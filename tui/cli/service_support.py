"""Shared by `ftui jobs` and `ftui config`: profile option, service, safe printing."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

from ftui.core.text import escape_controls

if TYPE_CHECKING:
    from ftui.core.service import FineTuningService, Profile

__all__ = [
    "add_profile_option",
    "clean",
    "emit_json",
    "format_time",
    "open_service",
    "run_async",
]

T = TypeVar("T")


def add_profile_option(parser: argparse.ArgumentParser) -> None:
    """Add `--profile NAME` to a subcommand parser."""
    parser.add_argument(
        "--profile",
        metavar="NAME",
        help="connection profile from config.toml (default: default_profile, "
        "else the AZURE_OPENAI_* / OPENAI_* environment variables)",
    )


def clean(text: object) -> str:
    """Text from a service or dataset, with control characters escaped.

    Args:
        text: Anything; None becomes "".

    Returns:
        A string that cannot move the cursor or change terminal colours.
    """
    if text is None:
        return ""
    return escape_controls(str(text))


def format_time(timestamp: int | None) -> str:
    """A unix timestamp as `YYYY-MM-DD HH:MM:SS` UTC ("-" when missing)."""
    if not timestamp:
        return "-"
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S")


def emit_json(
    data: Any, stream: TextIO | None = None, *, indent: int | None = 2
) -> None:
    """Print JSON (keys never contain secrets: models carry no keys)."""
    out = stream or sys.stdout
    out.write(json.dumps(data, indent=indent, ensure_ascii=False) + "\n")
    out.flush()


def open_service(profile_name: str | None) -> tuple[Profile, FineTuningService]:
    """Resolve the profile and build the service for it.

    Raises:
        ConfigError: No usable profile (printed as one line by `ftui.tui.cli.main`).
    """
    from ftui.core.service import FineTuningService, resolve_profile

    profile = resolve_profile(profile_name)
    return profile, FineTuningService.from_profile(profile)


def run_async(
    factory: Callable[[], Coroutine[Any, Any, T]] | Callable[[], Awaitable[T]],
) -> T:
    """Run a coroutine to completion on a fresh event loop."""

    async def runner() -> T:
        return await factory()

    return asyncio.run(runner())
