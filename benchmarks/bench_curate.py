"""Benchmark the curate screen: first screen, fully analysed, key latency at 1M rows.

Drives the real app headlessly with Textual's Pilot (160x50)::

    TIKTOKEN_CACHE_DIR=/work/shared/tiktoken-cache \\
        python benchmarks/bench_curate.py            # 10k, 100k and the 1M scroll
    python benchmarks/bench_curate.py --sizes 10000 --no-scroll

Figures:

- *first screen (process)*: from launching a fresh Python process that runs
  `ftui curate FILE` headlessly to the first painted table row (interpreter
  start, imports, mmap + line index, layout, first frame).
- *first screen (in process)*: the same from `open_dataset` on, imports done.
- *fully analysed*: until token counting (cold cache), validation (both runs)
  and the duplicate search are all finished and shown.
- *key latency*: Pilot `press` time per key, minus the median time of an
  unbound key in the same run (the harness's own cost, see performance.md §3);
  plus the time spent inside `render_line` per key (the widget's own work).

Data: `benchmarks/make_dataset.py` examples (~3.6 KB each) for 10k and 100k; the
1M-row file repeats 4,000 shorter generated examples (~1.2 KB each), since
scrolling only ever parses the visible rows. Files go to benchmarks/out/.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_dataset import OUT, make_examples, write_dataset

SIZE = (160, 50)


def dataset_file(n: int) -> Path:
    """The benchmark file for `n` examples (generated once)."""
    label = f"{n // 1000}k" if n < 1_000_000 else f"{n // 1_000_000}M"
    path = OUT / f"curate_{label}.jsonl"
    if path.exists() and path.stat().st_size > 0:
        return path
    if n < 1_000_000:
        return write_dataset(n, path=path)
    base = make_examples(4000, seed=99, system_words=(20, 60))
    OUT.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        for index in range(n):
            handle.write(base[index % len(base)] + b"\n")
    return path


_CHILD = r"""
import asyncio, sys, time
from ftui.core.dataset import open_dataset
from ftui.tui.app import FtuiApp
from ftui.tui.widgets.example_table import ExampleTable

painted = []
original = ExampleTable.render_line
def render_line(self, y):
    if y >= 1 and self.rows and not painted:
        painted.append(time.time())
    return original(self, y)
ExampleTable.render_line = render_line

async def main():
    app = FtuiApp(open_dataset(sys.argv[1]), analyse=False)
    async with app.run_test(size=(160, 50)) as pilot:
        while not painted:
            await pilot.pause(0.005)
    print(painted[0])

asyncio.run(main())
"""


def first_screen_process(path: Path) -> float:
    """Seconds from starting a new Python process to the first painted row."""
    start = time.time()
    result = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(result.stdout.strip().splitlines()[-1]) - start


class Probe:
    """Records when the table first paints a row and how long render_line takes."""

    def __init__(self) -> None:
        from ftui.tui.widgets.example_table import ExampleTable

        self.first_paint: float | None = None
        self.render_seconds = 0.0
        self.lines = 0
        original = ExampleTable.render_line
        probe = self

        def render_line(table: Any, y: int) -> Any:
            began = time.perf_counter()
            strip = original(table, y)
            probe.render_seconds += time.perf_counter() - began
            probe.lines += 1
            if y >= 1 and table.rows and probe.first_paint is None:
                probe.first_paint = time.perf_counter()
            return strip

        ExampleTable.render_line = render_line  # type: ignore[method-assign]
        self._restore: Callable[[], None] = lambda: setattr(
            ExampleTable, "render_line", original
        )

    def close(self) -> None:
        """Put the original method back."""
        self._restore()


async def _press_times(
    pilot: Any, key: str, count: int, probe: Probe
) -> tuple[list[float], list[float]]:
    walls: list[float] = []
    renders: list[float] = []
    for _ in range(count):
        probe.render_seconds = 0.0
        began = time.perf_counter()
        await pilot.press(key)
        walls.append(time.perf_counter() - began)
        renders.append(probe.render_seconds)
    return walls, renders


class Frames:
    """Records when each frame reaches the (headless) terminal, with the cursor then."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.frames: list[tuple[float, int]] = []
        original = app._display

        def display(screen: Any, renderable: Any) -> None:
            original(screen, renderable)
            if renderable is not None:
                table = getattr(app.screen, "table", None)
                cursor = table.cursor if table is not None else -1
                self.frames.append((time.perf_counter(), cursor))

        app._display = display

    async def key_to_frame(self, key: str, target: int) -> float:
        """Seconds from posting a key to the first frame showing its cursor move.

        Keys are posted straight to the app (as a terminal would), so no test
        harness waits are included; the result is what a user sees.
        """
        began = time.perf_counter()
        self.app.simulate_key(key)
        while True:
            await asyncio.sleep(0.001)
            for moment, cursor in reversed(self.frames):
                if moment < began:
                    break
                if cursor == target:
                    return moment - began
            if time.perf_counter() - began > 30:
                raise TimeoutError(key)


async def _frame_times(
    frames: Frames, table: Any, key: str, count: int, step: int
) -> list[float]:
    times = []
    for _ in range(count):
        target = max(0, min(len(table.rows) - 1, table.cursor + step))
        times.append(await frames.key_to_frame(key, target))
        await asyncio.sleep(0.03)  # a fast typist, not a key-repeat flood
    return times


def _ms(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return (
        f"median {statistics.median(values) * 1000:6.1f} ms, p95 {p95 * 1000:6.1f} ms"
    )


async def analyse_run(path: Path, n: int) -> None:
    """First screen and fully analysed, in process, cold token cache."""
    from ftui.core.dataset import open_dataset
    from ftui.tui.app import FtuiApp
    from ftui.tui.screens.curate import CurateScreen

    probe = Probe()
    began = time.perf_counter()
    app = FtuiApp(open_dataset(path))
    async with app.run_test(size=SIZE) as pilot:
        while probe.first_paint is None:
            await pilot.pause(0.005)
        first = probe.first_paint - began
        screen = app.screen
        assert isinstance(screen, CurateScreen)
        # typing while the analysis runs: key to frame, posted like a terminal
        frames = Frames(app)
        await asyncio.sleep(0.5)
        busy_keys = await _frame_times(frames, screen.table, "down", 40, 1)
        jobs = ", ".join(screen.progress) or "none"
        while screen.busy or any(not w.is_finished for w in app.workers):
            await pilot.pause(0.05)
        done = time.perf_counter() - began
        left, _ = screen.status_text()
    probe.close()
    print(f"{n:>9,} rows  first screen (in process) {first * 1000:7.0f} ms")
    print(f"{'':>9}       fully analysed            {done:7.1f} s   [{left}]")
    print(
        f"{'':>9}       'down' key to frame while analysing ({jobs} running): "
        f"{_ms(busy_keys)}"
    )


async def scroll_run(path: Path, n: int) -> None:
    """Key-to-repaint latency while moving through a big file (analysis off)."""
    from ftui.core.dataset import open_dataset
    from ftui.tui.app import FtuiApp

    probe = Probe()
    began = time.perf_counter()
    app = FtuiApp(open_dataset(path), analyse=False)
    async with app.run_test(size=SIZE) as pilot:
        while probe.first_paint is None:
            await pilot.pause(0.005)
        first = probe.first_paint - began
        await pilot.pause(0.2)
        base, _ = await _press_times(pilot, "f9", 60, probe)
        results: dict[str, tuple[list[float], list[float]]] = {}
        for key, count in (("down", 150), ("pagedown", 60), ("up", 60), ("pageup", 30)):
            results[key] = await _press_times(pilot, key, count, probe)
        walls: list[float] = []
        renders: list[float] = []
        for key in ("end", "home") * 8:  # alternate, so every press moves
            wall, render = await _press_times(pilot, key, 1, probe)
            walls += wall
            renders += render
        results["end/home"] = (walls, renders)
        frames = Frames(app)
        table = app.screen.table
        table.move_cursor(0)
        await pilot.pause()
        direct = {
            "down": await _frame_times(frames, table, "down", 100, 1),
            "pagedown": await _frame_times(
                frames,
                table,
                "pagedown",
                40,
                table.scrollable_content_region.height - 2,
            ),
        }
        # jump to a line near the end, through the screen's own method
        screen = app.screen
        jump_began = time.perf_counter()
        screen.goto_line(n - 10)  # type: ignore[attr-defined]
        await pilot.pause()
        jump = time.perf_counter() - jump_began
    probe.close()
    base_median = statistics.median(base)
    print(
        f"{n:>9,} rows  first screen (in process) {first * 1000:7.0f} ms  "
        "(analysis off)"
    )
    print(f"{'':>9}       unbound key (harness cost): {_ms(base)}")
    for key, (walls, renders) in results.items():
        net = statistics.median(walls) - base_median
        print(
            f"{'':>9}       {key:<9} {_ms(walls)}; net median {net * 1000:5.1f} ms; "
            f"render_line {statistics.median(renders) * 1000:.2f} ms/key"
        )
    for key, times in direct.items():
        print(f"{'':>9}       {key:<9} key to frame (no harness): {_ms(times)}")
    print(
        f"{'':>9}       go to line {n - 10:,}: {jump * 1000:.0f} ms (incl. one pause)"
    )


async def busy_run(path: Path, n: int) -> None:
    """Key to frame at `n` rows while the first analysis runs (not waited for)."""
    from ftui.core.dataset import open_dataset
    from ftui.tui.app import FtuiApp

    app = FtuiApp(open_dataset(path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.5)
        frames = Frames(app)
        screen = app.screen
        times = await _frame_times(frames, screen.table, "down", 60, 1)  # type: ignore[attr-defined]
        jobs = ", ".join(screen.progress) or "none"  # type: ignore[attr-defined]
    print(f"{n:>9,} rows  'down' key to frame while analysing ({jobs}): {_ms(times)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="*", type=int, default=[10_000, 100_000])
    parser.add_argument("--scroll-rows", type=int, default=1_000_000)
    parser.add_argument("--no-scroll", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("TIKTOKEN_CACHE_DIR", "/work/shared/tiktoken-cache")
    with tempfile.TemporaryDirectory() as home:
        # fresh config and a cold token cache for every run
        os.environ["FTUI_CONFIG_DIR"] = str(Path(home) / "config")
        os.environ["FTUI_CACHE_DIR"] = str(Path(home) / "cache")
        for n in args.sizes:
            path = dataset_file(n)
            size_mb = path.stat().st_size / 1e6
            print(f"{path.name}: {n:,} rows, {size_mb:,.0f} MB")
            seconds = [first_screen_process(path) for _ in range(3)]
            print(
                f"{n:>9,} rows  first screen (new process, ftui curate) "
                f"best {min(seconds) * 1000:.0f} ms of 3 (median "
                f"{statistics.median(seconds) * 1000:.0f} ms)"
            )
            asyncio.run(analyse_run(path, n))
        if not args.no_scroll:
            path = dataset_file(args.scroll_rows)
            print(
                f"{path.name}: {args.scroll_rows:,} rows, "
                f"{path.stat().st_size / 1e6:,.0f} MB"
            )
            seconds = [first_screen_process(path) for _ in range(3)]
            print(
                f"{args.scroll_rows:>9,} rows  first screen (new process) best "
                f"{min(seconds) * 1000:.0f} ms of 3 (median "
                f"{statistics.median(seconds) * 1000:.0f} ms)"
            )
            asyncio.run(scroll_run(path, args.scroll_rows))
            asyncio.run(busy_run(path, args.scroll_rows))


if __name__ == "__main__":
    main()
