"""`ftui validate FILE [--model M] [--json]`: check a JSONL file against the rules."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ftui.core.text import escape_controls

if TYPE_CHECKING:
    from ftui.core.dataset import Dataset
    from ftui.core.validation import Issue, ValidationReport

__all__ = ["register", "run"]


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add the `validate` subcommand."""
    parser = subparsers.add_parser(
        "validate",
        help="check a JSONL file against the fine-tuning data rules",
        description="Check a fine-tuning JSONL file (chat or preference format) "
        "line by line against the OpenAI / Azure OpenAI data rules. Exit status: "
        "0 no errors, 1 errors found, 2 the file cannot be read or bad arguments.",
    )
    parser.add_argument("file", metavar="FILE", help="the JSONL file to check")
    parser.add_argument(
        "--model",
        metavar="M",
        help="count tokens for model M and warn about examples longer than its "
        "training context (they would be truncated); default: the configured "
        "default model",
    )
    parser.add_argument(
        "--no-tokens",
        action="store_true",
        help="skip token counting (and so the training-context check)",
    )
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object instead of text"
    )
    parser.set_defaults(handler=run)


def _token_limits(
    dataset: Dataset, model: str
) -> tuple[int | None, Mapping[int, int] | None, list[str]]:
    """Training context and per-row token totals for `model`, plus notes to show.

    Raises:
        ConfigError: The model is not in the model table.
    """
    from ftui.core.model_table import load_model_table
    from ftui.core.tokens import count_dataset

    info = load_model_table().lookup(model)  # unknown model: ConfigError, exit 2
    notes: list[str] = []
    counts = count_dataset(dataset, model)
    if counts.warning:
        notes.append(counts.warning)
    elif not counts.exact:
        notes.append("token counts are estimates, not exact")
    totals = {row_id: tokens.total for row_id, tokens in counts.by_row.items()}
    notes.append(
        f"model {info.id}: training context {info.training_context:,} tokens per "
        "example"
    )
    return info.training_context, totals, notes


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def _issue_line(issue: Issue, width: int) -> str:
    where = f"line {issue.line}" if issue.line is not None else "file"
    parts = [where.ljust(width), str(issue.severity).ljust(7)]
    if issue.path:
        parts.append(escape_controls(issue.path))
    parts.append(f"{issue.code}: {escape_controls(issue.message)}")
    return "  ".join(parts)


def _human(file: str, report: ValidationReport, notes: list[str]) -> str:
    lines = [
        escape_controls(file),
        f"  format: {report.format}   lines: {report.lines:,}   "
        f"valid examples: {report.examples:,}",
        f"  {_plural(report.errors, 'error')}, {_plural(report.warnings, 'warning')}"
        + (f", {report.infos:,} info" if report.infos else ""),
    ]
    if len(report.issues) > 1:
        counts = Counter((str(i.severity), i.code) for i in report.issues)
        order = {"error": 0, "warning": 1, "info": 2}
        ranked = sorted(counts.items(), key=lambda kv: (order[kv[0][0]], -kv[1]))
        lines.append(
            "  by rule: "
            + ", ".join(f"{code} ({severity}) x{n:,}" for (severity, code), n in ranked)
        )
    lines += [f"  note: {escape_controls(note)}" for note in notes]
    if report.cancelled:
        lines.append("  stopped early: the counts cover only part of the file")
    if report.issues:
        lines.append("")
        last = max((i.line or 0 for i in report.issues), default=0)
        width = len(f"line {last}")
        # file-level issues (no line) first, then by line; stable within a line
        ordered = sorted(
            report.issues,
            key=lambda i: (i.line is not None, i.line or 0),
        )
        lines += [_issue_line(issue, width) for issue in ordered]
    else:
        lines.append("  no issues found")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Validate `args.file`; return 0 (no errors), 1 (errors) or 2 (unreadable).

    Raises:
        DatasetError: The file cannot be read (the CLI prints it, exit 2).
        ConfigError: `--model` names an unknown model (exit 2).
    """
    from ftui.core.dataset import open_dataset
    from ftui.core.validation import validate_dataset

    dataset = open_dataset(args.file, in_memory=False)  # read-only pass
    notes: list[str] = []
    training_context: int | None = None
    token_totals: Mapping[int, int] | None = None
    if not args.no_tokens:
        from ftui.core.settings import load_settings

        model = args.model or load_settings().default_model
        training_context, token_totals, notes = _token_limits(dataset, model)
    report = validate_dataset(
        dataset,
        training_context=training_context,
        token_totals=token_totals,
        file_size=dataset.source_size,
    )
    if args.json:
        for note in notes:
            print(f"ftui: note: {escape_controls(note)}", file=sys.stderr)
        print(json.dumps(report.to_json(args.file), ensure_ascii=False, indent=2))
    else:
        if args.no_tokens:
            notes.append("token lengths not checked (--no-tokens)")
        print(_human(args.file, report, notes))
    return 1 if report.errors else 0
