"""README screenshots of the curate screen on the bundled example (run with -m screenshots)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Select

from ftui.core.dataset import open_dataset
from ftui.tui.app import FtuiApp
from ftui.tui.screens.compare import CompareScreen
from ftui.tui.widgets.cost_panel import CostPanel
from ftui.tui.widgets.duplicates_panel import DuplicatesPanel
from tests.conftest import EXAMPLE_DATASET, ROOT
from tests.tui.curate_helpers import settle

SCREENSHOTS = ROOT / "screenshots"
SIZE = (120, 36)

pytestmark = pytest.mark.screenshots


@pytest.fixture
def example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the bundled example, opened by a relative name (as a user would)."""
    if not EXAMPLE_DATASET.is_file():
        pytest.skip(f"{EXAMPLE_DATASET} is missing")
    (tmp_path / EXAMPLE_DATASET.name).write_bytes(EXAMPLE_DATASET.read_bytes())
    monkeypatch.chdir(tmp_path)
    return Path(EXAMPLE_DATASET.name)


def _save(app: FtuiApp, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    app.save_screenshot(filename=name, path=str(SCREENSHOTS))
    return SCREENSHOTS / name


async def test_screenshots(example: Path) -> None:
    """curate.svg, duplicates.svg, compare.svg and cost.svg, after analysis."""
    app = FtuiApp(open_dataset(example))
    async with app.run_test(size=SIZE) as pilot:
        screen = await settle(pilot)
        assert screen.validation_report is not None
        assert screen.dedup_report is not None
        await pilot.press("n")  # first example with a problem: its issue shows
        await pilot.pause()
        written = [_save(app, "curate.svg")]

        await pilot.press("equals_sign")
        panel = screen.query_one(DuplicatesPanel)
        await pilot.press("end")  # last cluster: a near duplicate
        await pilot.pause()
        written.append(_save(app, "duplicates.svg"))

        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, CompareScreen)
        await pilot.press("space")  # mark the near copy for dropping
        await pilot.pause()
        written.append(_save(app, "compare.svg"))
        await pilot.press("escape")
        await pilot.pause()
        assert panel.report is not None

        await pilot.press("dollar_sign")
        cost = screen.query_one(CostPanel)
        cost.query_one("#cost-provider", Select).value = "azure"
        await settle(pilot)
        await pilot.press("m")  # the side pane is too short for the histogram
        await pilot.pause()
        assert screen.maximized is cost
        written.append(_save(app, "cost.svg"))

    for path in written:
        assert path.stat().st_size > 10_000, path
