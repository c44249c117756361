"""Snapshot tests of the curate screen's main layouts (pytest-textual-snapshot)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.tui.curate_helpers import make_app, settle, write_fixture


@pytest.fixture
def relative_fixture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The fixture opened by a relative name, so the title bar is the same every run."""
    write_fixture(tmp_path)
    monkeypatch.chdir(tmp_path)
    return Path("data.jsonl")


async def _ready(pilot: Any) -> None:
    await settle(pilot)
    await pilot.pause()


class TestCurateScreen:
    def test_main_80x24(self, snap_compare: Any, relative_fixture: Path) -> None:
        app = make_app(relative_fixture)
        assert snap_compare(app, terminal_size=(80, 24), run_before=_ready)

    def test_main_120x40(self, snap_compare: Any, relative_fixture: Path) -> None:
        app = make_app(relative_fixture)

        async def run_before(pilot: Any) -> None:
            await _ready(pilot)
            await pilot.press("down", "down", "down", "down", "down")
            await pilot.press("right_square_bracket", "right_square_bracket")
            await pilot.pause()

        assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)

    def test_markup_row_120x40(self, snap_compare: Any, relative_fixture: Path) -> None:
        app = make_app(relative_fixture)

        async def run_before(pilot: Any) -> None:
            await _ready(pilot)
            await pilot.press("colon", "1", "0", "enter")
            await pilot.pause()

        assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)

    def test_cost_panel_80x24(self, snap_compare: Any, relative_fixture: Path) -> None:
        app = make_app(relative_fixture)

        async def run_before(pilot: Any) -> None:
            await _ready(pilot)
            await pilot.press("dollar_sign")
            await pilot.pause()

        assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)

    def test_help_100x40(self, snap_compare: Any, relative_fixture: Path) -> None:
        app = make_app(relative_fixture, analyse=False)
        assert snap_compare(app, terminal_size=(100, 40), press=["question_mark"])
