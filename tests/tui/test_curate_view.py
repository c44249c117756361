"""Curate screen: sort, filter, fuzzy search, next problem."""

from __future__ import annotations

from pathlib import Path

from ftui.tui.screens.dialogs import ChoiceDialog, TextPromptDialog
from ftui.tui.widgets.example_table import ExampleTable
from tests.tui.curate_helpers import make_app, settle, write_fixture


async def test_sort_by_tokens_and_reverse(tmp_path: Path) -> None:
    app = make_app(write_fixture(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(pilot)
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceDialog)
        screen_dialog = app.screen
        from textual.widgets import OptionList

        option_list = screen_dialog.query_one(OptionList)
        option_list.highlighted = [o.id for o in option_list.options].index("tokens")
        await pilot.press("enter")
        await pilot.pause()
        totals = [
            screen.tokens[r].total if r in screen.tokens else -1
            for r in screen.table.rows
        ]
        assert totals == sorted(totals)
        assert screen.table.sort_column == "tokens"
        screen._sort_by("tokens")  # same column again: reversed
        await pilot.pause()
        totals = [
            screen.tokens[r].total if r in screen.tokens else -1
            for r in screen.table.rows
        ]
        assert totals == sorted(totals, reverse=True)
        assert "sort: tokens ▼" in str(screen.query_one("#title-bar").render())


async def test_header_click_sorts(tmp_path: Path) -> None:
    app = make_app(write_fixture(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(pilot)
        # the "turns" header sits after line (5) and status (7) columns
        await pilot.click(ExampleTable, offset=(14, 0))
        await pilot.pause()
        assert screen.spec.sort == "turns"
        assert screen.table.rows[-1] == 5  # the only 5-turn example comes last


async def test_filter_by_status(tmp_path: Path) -> None:
    app = make_app(write_fixture(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(pilot)
        screen.set_filter("error")
        await pilot.pause()
        assert list(screen.table.rows) == [7, 8]
        screen.set_filter("exact_dup")
        assert list(screen.table.rows) == [0, 6]
        screen.set_filter("zero_weight")
        assert list(screen.table.rows) == []
        screen.set_filter("problems")
        assert set(screen.table.rows) == {6, 7, 8}
        await pilot.press("escape")
        await pilot.pause()
        assert len(screen.table.rows) == 12


async def test_fuzzy_search(tmp_path: Path) -> None:
    app = make_app(write_fixture(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(pilot)
        await pilot.press("slash")
        await pilot.pause()
        assert isinstance(app.screen, TextPromptDialog)
        await pilot.press(*"invoce", "enter")  # typo on purpose: fuzzy
        await settle(pilot)
        rows = list(screen.table.rows)
        assert set(rows) >= {0, 11}
        assert 1 not in rows  # "app crashes" does not match
        assert screen.table.row_id == rows[0]
        assert "search: invoce" in str(screen.query_one("#title-bar").render())
        await pilot.press("escape")
        await pilot.pause()
        assert len(screen.table.rows) == 12


async def test_next_problem_wraps(tmp_path: Path) -> None:
    app = make_app(write_fixture(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(pilot)
        await pilot.press("n")
        assert screen.table.row_id == 6
        await pilot.press("n", "n")
        assert screen.table.row_id == 8
        await pilot.press("n")
        assert screen.table.row_id == 6
        await pilot.press("N")
        assert screen.table.row_id == 8
