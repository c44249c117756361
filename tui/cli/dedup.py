"""`ftui dedup`: find exact and near-duplicate examples, optionally write a clean copy.

Exit status: 0 when the search ran, whether or not duplicates were found (so
scripts can chain it; use `--json` and count the groups to decide), 2 when a
file cannot be read or written or an argument is wrong.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ftui.core.dataset import Dataset
    from ftui.core.dedup import DedupReport, DedupSettings, Overlap

_SCOPE_NAMES = {
    "all": "all non-system turns",
    "user": "user turns",
    "assistant": "assistant turns",
}
_MAX_PAIRS_SHOWN = 10


def _threshold(text: str) -> float:
    """Parse --threshold: a fraction (0.9) or a percentage (90)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if 1.0 < value <= 100.0:
        value /= 100.0
    if not 0.0 < value <= 1.0:
        raise argparse.ArgumentTypeError(
            f"{text} is out of range: give 0.9 or 90 for 90% similar"
        )
    return value


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add the `dedup` subcommand."""
    parser = subparsers.add_parser(
        "dedup",
        help="find exact and near-duplicate examples (and train/validation overlap)",
        description="Find examples that are exact duplicates (same JSON up to key "
        "order and whitespace) or near-duplicates: the chosen turns (case and "
        "whitespace ignored) score at least the threshold, the score being the "
        "lower of rapidfuzz fuzz.ratio and the overlap of their words weighted by "
        "rarity in the file (so examples that share only template wording do not "
        "match). Examples with different images never match. "
        "The first occurrence of each group is its representative. Exit status "
        "is 0 whether or not duplicates are found, 2 on errors.",
    )
    parser.add_argument("file", type=Path, metavar="FILE", help="JSONL file to check")
    parser.add_argument(
        "--scope",
        choices=tuple(_SCOPE_NAMES),
        default="all",
        help="turns compared for near-duplicates (default: all non-system turns; "
        "DPO rows: input turns plus both outputs)",
    )
    parser.add_argument(
        "--threshold",
        type=_threshold,
        default=0.90,
        metavar="T",
        help="near-duplicate similarity, 0.9 or 90 (default 0.9)",
    )
    parser.add_argument(
        "--casefold",
        action="store_true",
        help="ignore letter case for exact duplicates too",
    )
    parser.add_argument(
        "--against",
        type=Path,
        metavar="OTHER",
        help="also report rows of FILE that (nearly) duplicate rows of OTHER, "
        "e.g. training vs validation file",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print JSON: 1-based line numbers, representative first, scores "
        "as fractions (0.9 = 90%%)",
    )
    parser.add_argument(
        "--write",
        type=Path,
        metavar="OUT",
        help="write a copy keeping each group's representative and every other "
        "line (invalid lines included) in order",
    )
    parser.add_argument(
        "--force", action="store_true", help="let --write replace an existing OUT"
    )
    parser.set_defaults(handler=run)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and a.samefile(b))
    except OSError:
        return False


def run(args: argparse.Namespace) -> int:
    """Run `ftui dedup`; returns the exit status."""
    from ftui.core.dataset import open_dataset
    from ftui.core.dedup import DedupSettings, find_duplicates, find_overlap
    from ftui.core.errors import DatasetError, OutputExistsError

    settings = DedupSettings(args.scope, args.threshold, args.casefold)
    out: Path | None = args.write
    if out is not None:
        for source in (args.file, args.against):
            if source is not None and _same_file(out, source):
                raise DatasetError(
                    f"--write {out} is an input file; ftui dedup never overwrites "
                    "its inputs, choose a new name"
                )
        if out.exists() and not args.force:  # fail before the slow part
            raise OutputExistsError(f"{out} exists; pass --force to overwrite it")
    dataset = open_dataset(args.file)
    report = find_duplicates(dataset, settings)
    overlaps: list[Overlap] = []
    if args.against is not None:
        overlaps = find_overlap(dataset, open_dataset(args.against), settings)

    if args.json:
        print(json.dumps(_to_json(args.file, report, overlaps), ensure_ascii=False))
    else:
        _print_human(args, dataset, report, overlaps, settings)
    if out is not None:
        _write(dataset, report, out, force=args.force, quiet=args.json)
    return 0


def _to_json(path: Path, report: DedupReport, overlaps: list[Overlap]) -> Any:
    return {
        "file": str(path),
        "examples": report.examples,
        "exact_groups": [list(group.lines) for group in report.exact_groups],
        "near_groups": [
            {
                "lines": list(group.lines),
                "min_score": group.min_score,
                "representative": group.lines[0],
            }
            for group in report.near_groups
        ],
        "against": [
            {
                "line": overlap.line,
                "kind": overlap.kind,
                "score": overlap.score,
                "other_lines": list(overlap.other_lines),
            }
            for overlap in overlaps
        ],
    }


def _lines(lines: tuple[int | None, ...]) -> str:
    return ", ".join(str(line) for line in lines)


def _percent(score: float) -> str:
    return f"{score * 100:.1f}%"


def _print_human(
    args: argparse.Namespace,
    dataset: Dataset,
    report: DedupReport,
    overlaps: list[Overlap],
    settings: DedupSettings,
) -> None:
    from ftui.core.dedup_text import diff_preview, printable, scope_text

    name = printable(str(args.file))
    redundant = len(report.redundant_row_ids())
    print(
        f"{name}: {report.examples} examples in {len(dataset)} lines; "
        f"exact-duplicate groups: {len(report.exact_groups)}, near-duplicate "
        f"groups: {len(report.near_groups)}; --write would leave out {redundant} "
        "lines"
    )
    print(
        f"near-duplicates: {_SCOPE_NAMES[settings.scope]} scoring at least "
        f"{_percent(settings.threshold)} (case and whitespace ignored)"
    )
    if report.exact_groups:
        print("\nExact duplicates (same example up to key order and whitespace):")
        for group in report.exact_groups:
            print(f"  lines {_lines(group.lines)}: keep line {group.lines[0]}")
    if report.near_groups:
        print(
            "\nNear duplicates (each linked pair with its score and what differs; "
            "score = lower of fuzz.ratio and the rare-word overlap):"
        )
    for near in report.near_groups:
        print(
            f"  lines {_lines(near.lines)}: keep line {near.lines[0]}, "
            f"lowest score {_percent(near.min_score)}"
        )
        line_of = dict(zip(near.row_ids, near.lines, strict=True))
        for pair in near.pairs[:_MAX_PAIRS_SHOWN]:
            print(
                f"    line {line_of[pair.b]} ~ line {line_of[pair.a]}: "
                f"{_percent(pair.score)}"
            )
            old = scope_text(dataset.record(pair.a), settings.scope, casefold=False)
            new = scope_text(dataset.record(pair.b), settings.scope, casefold=False)
            for change in diff_preview(old, new):
                print(f"      {change}")
        if len(near.pairs) > _MAX_PAIRS_SHOWN:
            print(f"    … and {len(near.pairs) - _MAX_PAIRS_SHOWN} more pairs")
    if not report.exact_groups and not report.near_groups:
        print("\nNo duplicates found.")
    if args.against is not None:
        other = printable(str(args.against))
        exact = sum(1 for overlap in overlaps if overlap.kind == "exact")
        print(
            f"\nOverlap with {other}: {len(overlaps)} lines of {name} also appear "
            f"there ({exact} exact, {len(overlaps) - exact} near)"
        )
        for overlap in overlaps:
            sign = "=" if overlap.kind == "exact" else "≈"
            shown = _lines(overlap.other_lines[:5])
            more = len(overlap.other_lines) - 5
            print(
                f"  line {overlap.line} {sign} {other} line"
                f"{'s' if len(overlap.other_lines) > 1 else ''} {shown}"
                f"{f' (+{more} more)' if more > 0 else ''}"
                f"  ({overlap.kind}, {_percent(overlap.score)})"
            )


def _write(
    dataset: Dataset, report: DedupReport, out: Path, *, force: bool, quiet: bool
) -> None:
    from ftui.core.jsonl import write_records

    redundant = report.redundant_row_ids()
    kept = [record for row_id, record in dataset.items() if row_id not in redundant]
    write_records(out, kept, bom=dataset.bom, newline=dataset.newline, overwrite=force)
    message = (
        f"wrote {out}: {len(kept)} of {len(dataset)} lines kept, "
        f"{len(dataset) - len(kept)} duplicates left out"
    )
    print(message, file=sys.stderr if quiet else sys.stdout)
