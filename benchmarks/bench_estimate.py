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


def cookbook_totals(
    path: Path, encoding_name: str
) -> tuple[list[int], float, float, float]:
    """The cookbook's num_tokens_from_messages over a file, single-threaded.

    Returns:
        (per-example totals, seconds to load the encoding, seconds to count,
        CPU seconds to count)
    """
    import tiktoken

    start = time.perf_counter()
    encoding = tiktoken.get_encoding(encoding_name)
    loaded = time.perf_counter() - start
    start = time.perf_counter()
    cpu_start = time.process_time()
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
    return totals, loaded, time.perf_counter() - start, time.process_time() - cpu_start


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
    cpu_start = time.process_time()
    dataset = open_dataset(path, in_memory=False)  # as `ftui estimate` does
    result = count_dataset(dataset, info)
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start
    totals = [result.by_row[row_id].total for row_id in sorted(result.by_row)]
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu_seconds": cpu_seconds,
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


def _best_and_median(values: list[float]) -> str:
    ordered = sorted(values)
    median = ordered[len(ordered) // 2]
    runs = ", ".join(f"{v:.2f}" for v in values)
    return f"best {ordered[0]:7.2f} s  median {median:7.2f} s  (runs: {runs})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="rounds of (cold, warm, cookbook), interleaved so that load from other "
        "processes hits all three alike (default 3)",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--preload", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.file, args.preload)
        return
    size = args.file.stat().st_size
    print(
        f"file: {args.file}  {size / 1e6:.1f} MB, {os.cpu_count()} CPUs, "
        f"load average before: {os.getloadavg()[0]:.2f}"
    )
    colds: list[dict[str, Any]] = []
    warms: list[dict[str, Any]] = []
    cookbooks: list[float] = []
    cookbook_cpu: list[float] = []
    totals: list[int] = []
    load_seconds = 0.0
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory(prefix="ftui-bench-cache-") as cache_name:
            cache = Path(cache_name)
            colds.append(run_child(args.file, cache, preload=True))
            warms.append(run_child(args.file, cache, preload=False))
        totals, loaded, seconds, cpu = cookbook_totals(args.file, "o200k_base")
        load_seconds = max(load_seconds, loaded)
        cookbooks.append(seconds)
        cookbook_cpu.append(cpu)
    cold_s = [c["seconds"] for c in colds]
    warm_s = [w["seconds"] for w in warms]
    examples = colds[0]["examples"]
    print(
        f"(a) cookbook  : {_best_and_median(cookbooks)}  json + encode per value, "
        f"1 core; tokenizer load {load_seconds:.2f} s not included"
    )
    print(
        f"(b) ftui cold : {_best_and_median(cold_s)}  {examples:,} examples, "
        f"{size / 1e6 / min(cold_s):.1f} MB/s; tokenizer load "
        f"{colds[0]['load_seconds']:.2f} s not included"
    )
    print(
        f"(c) ftui warm : {_best_and_median(warm_s)}  {warms[0]['cached_rows']:,} "
        "rows from the cache; tokenizer not loaded"
    )
    same = all(
        sum(totals) == c["sum"] == w["sum"]
        and len(totals) == c["examples"]
        and c["totals_hash"] == w["totals_hash"] == colds[0]["totals_hash"]
        for c, w in zip(colds, warms, strict=True)
    )
    print(
        f"token sum     : cookbook {sum(totals):,}  ftui cold {colds[0]['sum']:,}  "
        f"warm {warms[0]['sum']:,}  -> {'identical' if same else 'MISMATCH'}"
    )
    median = lambda values: sorted(values)[len(values) // 2]  # noqa: E731
    speedup = min(cookbooks) / min(cold_s)
    speedup_median = median(cookbooks) / median(cold_s)
    warm_ratio = min(cold_s) / min(warm_s)
    warm_ratio_median = median(cold_s) / median(warm_s)
    peak_mb = max(c["maxrss_kb"] for c in colds) * 1024 / 1e6
    base_mb = colds[0]["maxrss_kb_before"] * 1024 / 1e6
    limit_mb = 2 * size / 1e6 + 300
    print(
        f"cold vs cookbook : {speedup:5.2f}x faster (best/best), "
        f"{speedup_median:5.2f}x (median/median)   goal >= 1.5x: "
        f"{'met' if speedup >= 1.5 else 'NOT met'}"
    )
    print(
        f"warm vs cold     : {warm_ratio:5.1f}x faster (best/best), "
        f"{warm_ratio_median:5.1f}x (median/median)   goal >= 20x: "
        f"{'met' if warm_ratio >= 20 else 'NOT met'}"
    )
    print(
        f"peak memory cold : {peak_mb:7.1f} MB (ru_maxrss of the cold process; "
        f"{base_mb:.1f} MB before counting) vs file {size / 1e6:.1f} MB; limit "
        f"2 x file + 300 = {limit_mb:.1f} MB: "
        f"{'met' if peak_mb <= limit_mb else 'NOT met'}"
    )
    print(
        f"peak memory warm : {max(w['maxrss_kb'] for w in warms) * 1024 / 1e6:7.1f} MB"
    )
    cold_cpu = min(c["cpu_seconds"] for c in colds)
    print(
        f"CPU time (all threads), best: cookbook {min(cookbook_cpu):.2f} s, ftui cold "
        f"{cold_cpu:.2f} s ({min(cookbook_cpu) / cold_cpu:.2f}x less work), warm "
        f"{min(w['cpu_seconds'] for w in warms):.2f} s"
    )
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
