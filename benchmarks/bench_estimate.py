"""Time token counting on one file: cookbook method vs ftui cold vs ftui warm.

In one run, on the same file:

(a) the OpenAI cookbook method: `json.loads` per line, `encode` every string
    value of every message, one core (the encoding is loaded before timing);
(b) ftui cold: `open_dataset` + `count_dataset` with an empty token cache, in a
    fresh subprocess (encoding loaded before timing), which also reports its peak
    resident memory (`ru_maxrss`);
(c) ftui warm: the same in another fresh subprocess, reading the cache filled
    by (b).

It checks that (a) and (b) agree on every example's total, prints the figures
and the ratios against the goals (cold >= 1.5x faster than the cookbook method,
warm >= 20x faster than cold, peak memory <= 2x file size + 300 MB)::

    python benchmarks/make_dataset.py 10000
    TIKTOKEN_CACHE_DIR=../shared/tiktoken-cache \\
        python benchmarks/bench_estimate.py benchmarks/out/chat_10k.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

MODEL = "gpt-4o-mini-2024-07-18"


def cookbook_totals(path: Path, encoding_name: str) -> tuple[list[int], float, float]:
    """The cookbook's num_tokens_from_messages over a file, single-threaded.

    Returns:
        (per-example totals, seconds to load the encoding, seconds to count)
    """
    import tiktoken

    start = time.perf_counter()
    encoding = tiktoken.get_encoding(encoding_name)
    loaded = time.perf_counter() - start
    start = time.perf_counter()
    totals = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            example = json.loads(line)
            num_tokens = 0
            for message in example["messages"]:
                num_tokens += 3
                for key, value in message.items():
                    if not isinstance(value, str):  # e.g. weight: the cookbook crashes
                        continue
                    num_tokens += len(encoding.encode(value))
                    if key == "name":
                        num_tokens += 1
            num_tokens += 3
            totals.append(num_tokens)
    return totals, loaded, time.perf_counter() - start


def child(path: Path, preload: bool) -> None:
    """Run one ftui count in this process and print its figures as JSON."""
    from ftui.core.dataset import open_dataset
    from ftui.core.model_table import load_model_table
    from ftui.core.tokens import TokenCounter, count_dataset

    info = load_model_table().lookup(MODEL)
    loaded = 0.0
    if preload:
        start = time.perf_counter()
        TokenCounter.for_model(info)
        loaded = time.perf_counter() - start
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    dataset = open_dataset(path)
    result = count_dataset(dataset, info)
    seconds = time.perf_counter() - start
    totals = [result.by_row[row_id].total for row_id in sorted(result.by_row)]
    print(
        json.dumps(
            {
                "seconds": seconds,
                "load_seconds": loaded,
                "examples": len(totals),
                "sum": sum(totals),
                "totals_hash": hash(tuple(totals)),
                "cached_rows": result.cached_rows,
                "exact": result.exact,
                "maxrss_kb_before": rss_before,
                "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            }
        )
    )


def run_child(path: Path, cache: Path, preload: bool) -> dict[str, Any]:
    env = dict(os.environ, FTUI_CACHE_DIR=str(cache), PYTHONHASHSEED="0")
    command = [sys.executable, __file__, "--child", str(path)]
    if preload:
        command.append("--preload")
    output = subprocess.run(
        command, env=env, check=True, capture_output=True, text=True
    )
    return dict(json.loads(output.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--preload", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.file, args.preload)
        return
    size = args.file.stat().st_size
    print(f"file: {args.file}  {size / 1e6:.1f} MB")
    with tempfile.TemporaryDirectory(prefix="ftui-bench-cache-") as cache_name:
        cache = Path(cache_name)
        cold = run_child(args.file, cache, preload=True)
        print(
            f"(b) ftui cold : {cold['seconds']:8.2f} s  "
            f"({cold['examples']:,} examples, "
            f"{size / 1e6 / cold['seconds']:.1f} MB/s; tokenizer load "
            f"{cold['load_seconds']:.2f} s not included)"
        )
        warm = run_child(args.file, cache, preload=False)
        print(
            f"(c) ftui warm : {warm['seconds']:8.2f} s  ({warm['cached_rows']:,} rows "
            "from the cache; tokenizer not loaded)"
        )
    totals, load_seconds, cookbook_seconds = cookbook_totals(args.file, "o200k_base")
    print(
        f"(a) cookbook  : {cookbook_seconds:8.2f} s  (json + encode per value, 1 core; "
        f"tokenizer load {load_seconds:.2f} s not included)"
    )
    os.environ["PYTHONHASHSEED"] = "0"
    same = (
        sum(totals) == cold["sum"] == warm["sum"]
        and len(totals) == cold["examples"]
        and cold["totals_hash"] == warm["totals_hash"]
    )
    print(
        f"token sum     : cookbook {sum(totals):,}  cold {cold['sum']:,}  warm "
        f"{warm['sum']:,}  -> {'identical' if same else 'MISMATCH'}"
    )
    speedup = cookbook_seconds / cold["seconds"]
    warm_ratio = cold["seconds"] / warm["seconds"]
    peak_mb = cold["maxrss_kb"] * 1024 / 1e6
    base_mb = cold["maxrss_kb_before"] * 1024 / 1e6
    limit_mb = 2 * size / 1e6 + 300
    print(
        f"cold vs cookbook : {speedup:5.2f}x faster   (goal >= 1.5x: "
        f"{'met' if speedup >= 1.5 else 'NOT met'})"
    )
    print(
        f"warm vs cold     : {warm_ratio:5.1f}x faster   (goal >= 20x: "
        f"{'met' if warm_ratio >= 20 else 'NOT met'})"
    )
    print(
        f"peak memory cold : {peak_mb:7.1f} MB (ru_maxrss; {base_mb:.1f} MB before "
        f"counting) vs file {size / 1e6:.1f} MB; limit 2 x file + 300 = "
        f"{limit_mb:.1f} MB: {'met' if peak_mb <= limit_mb else 'NOT met'}"
    )
    print(f"peak memory warm : {warm['maxrss_kb'] * 1024 / 1e6:7.1f} MB")


if __name__ == "__main__":
    main()
