"""Benchmark the curate side panels and the train/validation split.

Headless, in process (Pilot, 120x36)::

    python benchmarks/bench_panels.py     # 100k issues, 33,334 clusters (100k rows)
    python benchmarks/bench_panels.py --issues 1000000

Figures:

- *IssueList.show*: time for `show(report)` plus the first paint, for a report
  of N issues (the list renders only visible rows, so this is the filter pass).
- *issue cursor step*: time spent in the list's `render_line` per `down` key
  at the bottom of the list (the widget's own work per keypress).
- *DuplicatesPanel.show*: `show(report, dataset)` plus first paint for N
  synthetic clusters of 3 rows.
- *split + write*: `split_dataset` (with the clusters) and `write_split` for a
  dataset of N rows.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from textual.app import App, ComposeResult
from textual.widget import Widget

from ftui.core.dataset import open_dataset
from ftui.core.dedup import DedupReport, DedupSettings, ExactGroup
from ftui.core.split import split_dataset, write_split
from ftui.core.validation import Issue, Severity, ValidationReport
from ftui.tui.widgets.duplicates_panel import DuplicatesPanel
from ftui.tui.widgets.issue_list import IssueList


class _Host(App[None]):
    def __init__(self, widget: Widget) -> None:
        super().__init__()
        self.widget = widget

    def compose(self) -> ComposeResult:
        yield self.widget


def _write_rows(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for i in range(rows):
            text = f"question {i % (rows // 3 or 1)} about coding"
            handle.write(
                json.dumps(
                    {
                        "messages": [
                            {"role": "user", "content": text},
                            {"role": "assistant", "content": f"answer {i}"},
                        ]
                    }
                )
                + "\n"
            )


async def bench_issues(count: int) -> dict[str, Any]:
    issues = [
        Issue(n, Severity.WARNING if n % 3 else Severity.ERROR, "code", "", f"m {n}", n)
        for n in range(1, count + 1)
    ]
    report = ValidationReport(issues=issues, lines=count, warnings=count)
    panel = IssueList()
    async with _Host(panel).run_test(size=(120, 36)) as pilot:
        start = time.perf_counter()
        panel.show(report)
        await pilot.pause()
        shown = time.perf_counter() - start
        panel.rows.focus()
        await pilot.press("end")
        rows = panel.rows
        original = rows.render_line
        spent: list[float] = []

        def timed(y: int) -> Any:
            t = time.perf_counter()
            try:
                return original(y)
            finally:
                spent.append(time.perf_counter() - t)

        rows.render_line = timed  # type: ignore[method-assign]
        per_key = []
        for _ in range(30):
            spent.clear()
            await pilot.press("up")
            await pilot.pause()
            per_key.append(sum(spent))
    return {
        "issues": count,
        "show_s": round(shown, 3),
        "render_per_key_ms": round(statistics.median(per_key) * 1000, 2),
    }


async def bench_clusters(groups: int, folder: Path) -> dict[str, Any]:
    path = folder / "dups.jsonl"
    _write_rows(path, groups * 3)
    dataset = open_dataset(path)
    exact = [
        ExactGroup(
            (g, g + groups, g + 2 * groups), (g + 1, g + groups + 1, g + 2 * groups + 1)
        )
        for g in range(groups)
    ]
    report = DedupReport(DedupSettings(), groups * 3, exact, [])
    panel = DuplicatesPanel()
    async with _Host(panel).run_test(size=(120, 36)) as pilot:
        start = time.perf_counter()
        panel.show(report, dataset)
        await pilot.pause()
        shown = time.perf_counter() - start
    start = time.perf_counter()
    result = split_dataset(dataset, 0.1, seed=1, dedup_report=report)
    split_s = time.perf_counter() - start
    start = time.perf_counter()
    write_split(result, folder / "t.jsonl", folder / "v.jsonl")
    write_s = time.perf_counter() - start
    return {
        "clusters": groups,
        "rows": len(dataset),
        "panel_show_s": round(shown, 3),
        "split_s": round(split_s, 3),
        "write_s": round(write_s, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--issues", type=int, default=100_000)
    parser.add_argument("--clusters", type=int, default=33_334)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(bench_issues(args.issues))))
    with tempfile.TemporaryDirectory() as folder:
        print(json.dumps(asyncio.run(bench_clusters(args.clusters, Path(folder)))))


if __name__ == "__main__":
    main()
