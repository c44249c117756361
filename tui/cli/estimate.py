"""`ftui estimate FILE`: count a dataset's tokens and price a training run."""

from __future__ import annotations

import argparse
import bisect
import json
import math
import statistics
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ftui.core.cost import CostEstimate
    from ftui.core.model_table import ModelInfo
    from ftui.core.tokens import DatasetTokens

__all__ = ["histogram", "register", "run", "token_stats"]

_BAR_WIDTH = 40
_BINS = 10


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add the `estimate` subcommand."""
    parser = subparsers.add_parser(
        "estimate",
        help="count tokens and estimate the training cost of a JSONL file",
        description="Count the tokens of every example (OpenAI cookbook method) and "
        "price a fine-tuning run: billed tokens = sum of min(training context, "
        "tokens) x epochs. Exit status: 0 done, 2 the file cannot be read or bad "
        "arguments.",
    )
    parser.add_argument("file", metavar="FILE", help="the training JSONL file")
    parser.add_argument(
        "--model",
        metavar="M",
        help="base or fine-tuned model name (default: [defaults] model in "
        "config.toml, else gpt-4o-mini-2024-07-18)",
    )
    parser.add_argument(
        "--epochs",
        metavar="N|auto",
        default="auto",
        help="epochs to price: a number 1-50, or auto (the service's heuristic; "
        "default)",
    )
    parser.add_argument(
        "--provider",
        choices=("openai", "azure"),
        default="openai",
        help="whose prices to use (default: openai)",
    )
    parser.add_argument(
        "--tier",
        choices=("standard", "global", "developer"),
        default="standard",
        help="Azure training tier (default: standard; ignored for openai)",
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="count again instead of reading the token cache",
    )
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object instead of text"
    )
    parser.set_defaults(handler=run)


# ------------------------------------------------------------------ figures
def _percentile(ordered: Sequence[int], fraction: float) -> float:
    """Linear-interpolated percentile of sorted values (numpy's default method)."""
    position = (len(ordered) - 1) * fraction
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def token_stats(totals: Sequence[int]) -> dict[str, float | int | None]:
    """min, max, mean, median, p10, p90 of per-example totals (None when empty)."""
    if not totals:
        return dict.fromkeys(("min", "max", "mean", "median", "p10", "p90"))
    ordered = sorted(totals)
    return {
        "min": ordered[0],
        "max": ordered[-1],
        "mean": round(statistics.fmean(ordered), 2),
        "median": statistics.median(ordered),
        "p10": round(_percentile(ordered, 0.10), 2),
        "p90": round(_percentile(ordered, 0.90), 2),
    }


def _edges(low: int, high: int, bins: int) -> list[int]:
    """Bin edges from `low` to `high + 1`: linear, or geometric for skewed data."""
    if high + 1 > 20 * max(low, 1):  # a few huge examples: equal ratios per bin
        ratio = ((high + 1) / max(low, 1)) ** (1 / bins)
        edges = [low] + [math.ceil(max(low, 1) * ratio**i) for i in range(1, bins)]
    else:
        width = max(1, math.ceil((high - low + 1) / bins))
        edges = list(range(low, high + 1, width))
    edges = [*sorted(set(edges)), high + 1]
    return [e for i, e in enumerate(edges) if i == 0 or e > edges[i - 1]]


def histogram(totals: Sequence[int], bins: int = _BINS) -> list[str]:
    """A small text histogram of per-example token totals, one line per bin.

    Bins are equal-width, or equal-ratio (log scale) when the largest example is
    over 20 times the smallest, so a few huge examples do not squash the rest.
    """
    if not totals:
        return []
    low, high = min(totals), max(totals)
    edges = _edges(low, high, bins)
    counts = [0] * (len(edges) - 1)
    for total in totals:
        counts[bisect.bisect_right(edges, total) - 1] += 1
    peak = max(counts)
    label_width = len(f"{high:,}")
    lines = []
    for index, count in enumerate(counts):
        start, end = edges[index], edges[index + 1] - 1
        bar = "#" * math.ceil(count / peak * _BAR_WIDTH) if count else ""
        span = f"{start:>{label_width},}-{end:<{label_width},}"
        lines.append(f"  {span} | {bar} {count:,}")
    return lines


def _money(value: float) -> str:
    if value == 0:
        return "$0.00"
    if abs(value) < 0.01:
        return f"${value:.4f}"
    return f"${value:,.2f}"


# ------------------------------------------------------------------ output
def _to_json(
    path: str,
    info: ModelInfo,
    tokens: DatasetTokens,
    estimate: CostEstimate,
    over_limit_lines: list[int],
) -> dict[str, Any]:
    totals = [t.total for t in tokens.by_row.values()]
    return {
        "file": path,
        "model": info.id,
        "encoding": tokens.encoding_name,
        "exact": tokens.exact,
        "examples": estimate.examples,
        "total_tokens": estimate.total_tokens,
        "trained_tokens": sum(t.trained for t in tokens.by_row.values()),
        "billed_tokens_per_epoch": estimate.billed_tokens_per_epoch,
        "epochs": estimate.epochs,
        "billed_tokens": estimate.billed_tokens,
        "price_per_million": estimate.price_per_million,
        "cost_usd": (
            None if estimate.cost_usd is None else round(estimate.cost_usd, 6)
        ),
        "over_limit_lines": over_limit_lines,
        "token_stats": token_stats(totals),
        "provider": estimate.provider,
        "tier": estimate.tier,
        "epochs_auto": estimate.epochs_auto,
        "training_context": estimate.training_context,
        "price_uncertain": estimate.price_uncertain,
        "price_source": estimate.price_source,
        "price_date": estimate.price_date,
        "hosting": (
            None
            if estimate.hosting_per_hour is None
            else {
                "per_hour": estimate.hosting_per_hour,
                "per_day": round(estimate.hosting_per_day or 0.0, 2),
                "per_month": round(estimate.hosting_per_month or 0.0, 2),
                "uncertain": estimate.hosting_uncertain,
            }
        ),
        "invalid_lines": len(tokens.skipped_rows),
        "blank_lines": tokens.blank_rows,
        "warning": tokens.warning,
    }


def _human(
    path: str,
    info: ModelInfo,
    tokens: DatasetTokens,
    estimate: CostEstimate,
    over_limit_lines: list[int],
) -> list[str]:
    totals = [t.total for t in tokens.by_row.values()]
    trained = sum(t.trained for t in tokens.by_row.values())
    approx = "" if tokens.exact else "~"
    est = "" if tokens.exact else " (estimated)"
    lines = [f"{path}"]
    lines.append(
        f"  model      {info.id} ({tokens.encoding_name}, training context "
        f"{info.training_context:,} tokens"
        f"{', uncertain' if info.context_uncertain else ''})"
    )
    skipped = []
    if tokens.skipped_rows:
        count = len(tokens.skipped_rows)
        skipped.append(
            f"{count:,} invalid or unrecognised line{'s' if count != 1 else ''} skipped"
        )
    if tokens.blank_rows:
        skipped.append(
            f"{tokens.blank_rows:,} blank line{'s' if tokens.blank_rows != 1 else ''}"
        )
    extra = f" ({'; '.join(skipped)})" if skipped else ""
    lines.append(f"  examples   {estimate.examples:,}{extra}")
    if not totals:
        lines.append("  nothing to price: no examples")
        return lines
    stats = token_stats(totals)
    lines.append(
        f"  tokens     {approx}{estimate.total_tokens:,} total, {approx}{trained:,} "
        f"trained{est}"
    )
    lines.append(
        f"  per example  min {stats['min']:,}  p10 {stats['p10']:,}  median "
        f"{stats['median']:,}  mean {stats['mean']:,}  p90 {stats['p90']:,}  "
        f"max {stats['max']:,}{est}"
    )
    how = "auto" if estimate.epochs_auto else "given"
    lines.append(
        f"  billed     {approx}{estimate.billed_tokens_per_epoch:,} tokens per epoch x "
        f"{estimate.epochs} epochs ({how}) = {approx}{estimate.billed_tokens:,} "
        f"tokens{est}"
    )
    where = "OpenAI" if estimate.provider == "openai" else f"Azure {estimate.tier}"
    uncertain = " (uncertain)" if estimate.price_uncertain else ""
    if estimate.price_per_million is None:
        lines.append(f"  price      unknown for {where}{uncertain}")
        lines.append(f"             {estimate.price_source}")
        lines.append("  cost       unknown")
    else:
        dated = f", {estimate.price_date}" if estimate.price_date else ""
        lines.append(
            f"  price      ${estimate.price_per_million:,.2f} per 1M training tokens "
            f"({where}){uncertain}"
        )
        lines.append(f"             source: {estimate.price_source}{dated}")
        cost = estimate.cost_usd or 0.0
        lines.append(f"  cost       {approx}{_money(cost)}{uncertain}{est}")
    if estimate.note:
        lines.append(f"  note       {estimate.note}")
    if estimate.hosting_per_hour is not None:
        hosted = " (uncertain)" if estimate.hosting_uncertain else ""
        if estimate.hosting_per_hour == 0:
            lines.append("  hosting    none on the Developer tier (deployments expire)")
        else:
            lines.append(
                f"  hosting    {_money(estimate.hosting_per_hour)}/hour while deployed "
                f"= {_money(estimate.hosting_per_day or 0)}/day, "
                f"{_money(estimate.hosting_per_month or 0)}/month{hosted} "
                "(charged even when idle: delete unused deployments)"
            )
    if over_limit_lines:
        shown = ", ".join(str(n) for n in over_limit_lines[:20])
        more = (
            f" and {len(over_limit_lines) - 20:,} more"
            if len(over_limit_lines) > 20
            else ""
        )
        lines.append(
            f"  over limit {len(over_limit_lines):,} example(s) longer than "
            f"{info.training_context:,} tokens will be truncated (billed at the cap): "
            f"line {shown}{more}"
        )
    lines.append(f"  tokens per example{est}:")
    lines.extend(histogram(totals))
    return lines


# ------------------------------------------------------------------ command
def run(args: argparse.Namespace) -> int:
    """Count, price and print; returns the exit code.

    Raises:
        DatasetError: The file cannot be read (exit 2 via the CLI).
        ConfigError: Unknown model, bad epochs, or a malformed config (exit 2).
    """
    from ftui.core.cost import estimate_cost, parse_epochs
    from ftui.core.dataset import open_dataset
    from ftui.core.model_table import load_model_table
    from ftui.core.settings import load_settings
    from ftui.core.tokens import count_dataset

    settings = load_settings()
    table = load_model_table(settings)
    info = table.lookup(args.model or settings.default_model)
    epochs = parse_epochs(args.epochs)
    dataset = open_dataset(args.file, in_memory=False)  # read-only pass
    progress = None
    if sys.stderr.isatty() and len(dataset) > 5000:

        def progress(done: int, total: int) -> None:
            end = "\n" if done >= total else ""
            print(
                f"\rcounting tokens: {done:,}/{total:,} lines",
                end=end,
                file=sys.stderr,
                flush=True,
            )

    try:
        tokens = count_dataset(
            dataset, info, progress=progress, use_cache=not args.no_cache
        )
    finally:
        dataset.close()
    if tokens.warning:
        print(f"ftui: warning: {tokens.warning}", file=sys.stderr)
    totals = [t.total for t in tokens.by_row.values()]
    estimate = estimate_cost(
        totals, info, epochs=epochs, provider=args.provider, tier=args.tier
    )
    over_limit_lines = sorted(
        row_id + 1
        for row_id, t in tokens.by_row.items()
        if t.total > info.training_context
    )
    if args.json:
        document = _to_json(args.file, info, tokens, estimate, over_limit_lines)
        print(json.dumps(document, ensure_ascii=False))
    else:
        print("\n".join(_human(args.file, info, tokens, estimate, over_limit_lines)))
    return 0
