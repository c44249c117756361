"""Benchmark `ftui dedup`: quality on planted duplicates, speed, memory, vs all-pairs.

For each size it generates a file with benchmarks/make_dedup_dataset.py, then in
a fresh child process (so peak memory is the search's own) opens it and runs
`find_duplicates` with default settings, and scores the groups against the
planted truth:

* near-duplicate pairs: the truth is every (base, near copy) pair and every
  pair of near copies of one base; a predicted pair is any two rows that end up
  in one duplicate group (exact groups merged into the near group of their
  representative), not counting pairs of exact copies. Precision and recall
  are over those pairs; the similar-but-distinct pairs (half-rewritten and
  refilled-template siblings) wrongly grouped are counted separately (they
  are also in the precision: any predicted pair not planted lowers it).
* exact copies: every planted exact copy must be in its base's exact group.

Then it times the naive alternative, rapidfuzz `process.cdist(fuzz.ratio,
workers=-1)` on the same scope texts of the first size, on a subset of rows
against all rows, and extrapolates to all n(n-1)/2 pairs (stated as such).

Usage: `python benchmarks/bench_dedup.py [--sizes 10000 100000] [--cdist-rows 200]`.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def _pairs(lines: list[int]) -> set[tuple[int, int]]:
    return {(a, b) for a, b in itertools.combinations(sorted(lines), 2)}


def _peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM; ru_maxrss would include
    the parent's peak, which Linux carries across fork + exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(path: Path) -> None:
    """Run the search once and print timings, memory and groups as JSON."""
    from ftui.core.dataset import open_dataset
    from ftui.core.dedup import find_duplicates

    baseline = _peak_rss_mb()
    cpu_before = time.process_time()
    start = time.perf_counter()
    dataset = open_dataset(path)
    marks: dict[str, float] = {}

    def progress(done: int, total: int) -> None:
        if done >= total // 2 and "read" not in marks:
            marks["read"] = time.perf_counter() - start

    report = find_duplicates(dataset, progress=progress)
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu_before
    peak = _peak_rss_mb()
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "cpu_seconds": cpu,
                "read_seconds": marks.get("read"),
                "peak_rss_mb": peak,
                "rss_before_mb": baseline,
                "examples": report.examples,
                "exact": [list(g.lines) for g in report.exact_groups],
                "near": [
                    {"lines": list(g.lines), "min_score": g.min_score}
                    for g in report.near_groups
                ],
            }
        )
    )


def evaluate(result: dict[str, Any], truth: dict[str, Any]) -> dict[str, Any]:
    """Precision/recall of the reported groups against the planted truth."""
    exact_groups = [set(lines) for lines in result["exact"]]
    exact_of = {line: g for g in exact_groups for line in g}
    cluster: dict[int, set[int]] = {}
    for group in result["near"]:
        merged: set[int] = set()
        for line in group["lines"]:
            merged |= exact_of.get(line, {line})
        for line in merged:
            cluster[line] = merged
    for group in exact_groups:
        for line in group:
            cluster.setdefault(line, group)
    predicted: set[tuple[int, int]] = set()
    for group in {id(g): g for g in cluster.values()}.values():
        predicted |= _pairs(list(group))

    true_near: set[tuple[int, int]] = set()
    exact_pairs: set[tuple[int, int]] = set()
    exact_found = exact_total = 0
    for family in truth["families"]:
        copies = [family["base"], *family["exact"]]
        exact_pairs |= _pairs(copies)
        near_lines = [n["line"] for n in family["near"]]
        if near_lines:
            true_near |= _pairs(copies[:1] + near_lines)
            # an exact copy of the base is also a duplicate of its near copies
            true_near |= {tuple(sorted((e, n))) for e in copies for n in near_lines}
        for line in family["exact"]:
            exact_total += 1
            exact_found += family["base"] in exact_of.get(line, set())
    predicted_near = predicted - exact_pairs
    hit = len(predicted_near & true_near)
    siblings = {tuple(sorted(p)) for p in truth["siblings"]}
    refilled = {tuple(sorted(p)) for p in truth.get("refilled", [])}
    short = {tuple(sorted(p)) for p in truth.get("short_siblings", [])}
    return {
        "near_true_pairs": len(true_near),
        "near_predicted_pairs": len(predicted_near),
        "precision": hit / len(predicted_near) if predicted_near else 1.0,
        "recall": hit / len(true_near) if true_near else 1.0,
        "exact_copies_found": f"{exact_found}/{exact_total}",
        "sibling_pairs_grouped": f"{len(siblings & predicted)}/{len(siblings)}",
        "refilled_pairs_grouped": f"{len(refilled & predicted)}/{len(refilled)}",
        "short_pairs_grouped": f"{len(short & predicted)}/{len(short)}",
        "missed_by_edit": _missed_by_edit(truth, predicted),
    }


def _missed_by_edit(truth: dict[str, Any], predicted: set[tuple[int, int]]) -> Any:
    missed: dict[str, int] = {}
    for family in truth["families"]:
        for near in family["near"]:
            pair = tuple(sorted((family["base"], near["line"])))
            if pair not in predicted:
                missed[near["edit"]] = missed.get(near["edit"], 0) + 1
    return missed


def _ratio_alone(path: Path, truth: dict[str, Any]) -> str:
    """How many short templated pairs fuzz.ratio >= 0.9 alone would group."""
    from rapidfuzz import fuzz

    from ftui.core.dataset import open_dataset
    from ftui.core.dedup_text import scope_text

    dataset = open_dataset(path)
    pairs = truth.get("short_siblings", [])
    hits = sum(
        fuzz.ratio(scope_text(dataset.record(a - 1)), scope_text(dataset.record(b - 1)))
        >= 90
        for a, b in pairs
    )
    return f"{hits}/{len(pairs)}"


def time_cdist(path: Path, rows: int) -> dict[str, Any]:
    """Time all-pairs fuzz.ratio on `rows` query rows against every row."""
    from rapidfuzz import fuzz, process

    from ftui.core.dataset import open_dataset
    from ftui.core.dedup_text import scope_text

    texts = [t for t in (scope_text(r) for r in open_dataset(path)) if t]
    queries = texts[:rows]
    start = time.perf_counter()
    process.cdist(queries, texts, scorer=fuzz.ratio, score_cutoff=90, workers=-1)
    elapsed = time.perf_counter() - start
    pairs_done = len(queries) * len(texts)
    all_pairs = len(texts) * (len(texts) - 1) // 2
    return {
        "rows_measured": len(queries),
        "pairs_measured": pairs_done,
        "seconds_measured": elapsed,
        "pairs_per_second": pairs_done / elapsed,
        "all_pairs": all_pairs,
        "extrapolated_seconds": all_pairs / (pairs_done / elapsed),
    }


def main() -> None:
    """Generate, run, score and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--cdist-rows", type=int, default=200)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    sys.path.insert(0, str(HERE))
    from make_dedup_dataset import generate

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="ftui-dedup-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(
        f"cpus: {os.cpu_count()}, load average {os.getloadavg()[0]:.1f} "
        f"(other work on the machine slows wall-clock times), files in {workdir}"
    )
    timings: dict[int, float] = {}
    for size in args.sizes:
        path = workdir / f"dedup_{size}.jsonl"
        truth_path = path.with_suffix(".truth.json")
        if not path.exists() or not truth_path.exists():
            lines, truth = generate(size)
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
            truth_path.write_text(json.dumps(truth), encoding="utf-8")
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        run = subprocess.run(
            [sys.executable, __file__, "--child", str(path)],
            capture_output=True,
            text=True,
            check=True,
        )
        result = json.loads(run.stdout)
        scores = evaluate(result, truth)
        timings[size] = result["seconds"]
        mb = path.stat().st_size / 1e6
        print(
            f"\n{size} rows ({mb:.0f} MB): find_duplicates {result['seconds']:.2f} s "
            f"wall, {result['cpu_seconds']:.2f} s CPU (all threads) "
            f"(reading + canonicalizing {result['read_seconds']:.2f} s), "
            f"peak RSS {result['peak_rss_mb']:.0f} MB "
            f"(interpreter + imports {result['rss_before_mb']:.0f} MB)"
        )
        print(
            f"  exact groups {len(result['exact'])}, near groups "
            f"{len(result['near'])}; exact copies found {scores['exact_copies_found']}"
        )
        print(
            f"  near pairs: precision {scores['precision']:.4f}, recall "
            f"{scores['recall']:.4f} ({scores['near_predicted_pairs']} predicted, "
            f"{scores['near_true_pairs']} planted); similar-but-distinct pairs "
            f"wrongly grouped: half-rewritten {scores['sibling_pairs_grouped']}, "
            f"refilled template {scores['refilled_pairs_grouped']}, short "
            f"templated {scores['short_pairs_grouped']} (fuzz.ratio alone would "
            f"group {_ratio_alone(path, truth)}); missed by edit "
            f"{scores['missed_by_edit'] or 'none'}"
        )
    first = args.sizes[0]
    naive = time_cdist(workdir / f"dedup_{first}.jsonl", args.cdist_rows)
    print(
        f"\nnaive cdist(fuzz.ratio, workers=-1) on {first} rows: measured "
        f"{naive['rows_measured']} rows x all = {naive['pairs_measured']} pairs in "
        f"{naive['seconds_measured']:.2f} s ({naive['pairs_per_second']:.0f} pairs/s); "
        f"EXTRAPOLATED to all {naive['all_pairs']} pairs: "
        f"{naive['extrapolated_seconds']:.0f} s"
    )
    print(
        f"ratio naive/ftui at {first}: "
        f"{naive['extrapolated_seconds'] / timings[first]:.0f}x"
    )
    if len(args.sizes) > 1:
        last = args.sizes[-1]
        print(
            f"scaling {first} -> {last}: {timings[last] / timings[first]:.1f}x time "
            f"for {last / first:.0f}x rows"
        )


if __name__ == "__main__":
    main()
