"""The `ftui` command line: one module per subcommand, imported on demand.

Each module in `COMMANDS` exposes `register(subparsers)`, which adds its parser
and sets `handler` to a function taking the parsed arguments and returning the
exit code. Modules keep heavy imports (Textual, the SDK, tiktoken) inside their
handlers so `ftui --help` and `ftui --version` stay fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from ftui.core import __version__
from ftui.core.errors import FtuiError

COMMANDS: tuple[str, ...] = (
    "curate",
    "validate",
    "estimate",
    "dedup",
    "jobs",
    "config",
    "emulator",
)
"""Subcommand modules of `ftui.tui.cli`, in the order `--help` lists them."""


def build_parser() -> argparse.ArgumentParser:
    """Build the `ftui` argument parser with every available subcommand."""
    parser = argparse.ArgumentParser(
        prog="ftui",
        description="Curate fine-tuning data, estimate its cost, run and watch "
        "fine-tuning jobs on Azure OpenAI and OpenAI.",
    )
    parser.add_argument("--version", action="version", version=f"ftui {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"ftui.tui.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"ftui.tui.cli.{name}":
                raise
            continue  # a subcommand not built yet
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `ftui` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        return int(handler(args))
    except FtuiError as exc:
        print(f"ftui: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("ftui: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `ftui ... | head` closed the pipe early
        return 0
