"""`ftui curate FILE`: open a JSONL file in the dataset editor."""

from __future__ import annotations

import argparse

__all__ = ["register", "run"]


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the `curate` subcommand."""
    parser = subparsers.add_parser(
        "curate",
        help="browse, check and edit a JSONL dataset (the editor)",
        description="Open a fine-tuning JSONL file in the dataset editor: validation, "
        "token counts, duplicates and cost update as you edit. Press ? for keys.",
    )
    parser.add_argument("file", help="the JSONL file to open")
    parser.add_argument(
        "--model",
        help="model whose tokenizer, training context and price to use "
        "(default: [defaults] model in config.toml, else gpt-4o-mini-2024-07-18)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Open the editor; returns the exit code."""
    from ftui.core.dataset import open_dataset

    if args.model:  # an unknown model is a one-line error, before the screen opens
        from ftui.core.model_table import load_model_table

        load_model_table().lookup(args.model)
    dataset = open_dataset(args.file)
    from ftui.tui.app import FtuiApp  # deferred: keeps `ftui --help` fast

    FtuiApp(dataset, model=args.model).run()
    return 0
