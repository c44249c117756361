"""Curate screen: stale background results are dropped; the detail pane keeps up."""

from __future__ import annotations

import time
from pathlib import Path

from ftui.core.dedup import find_duplicates
from ftui.core.validation import validate_dataset
from ftui.tui.messages import DedupFinished, TokensCounted, ValidationFinished
from ftui.tui.widgets.example_detail import ExampleDetail
from tests.tui.curate_helpers import make_app, settle, write_fixture


async def test_stale_reports_are_dropped(tmp_path: Path) -> None:
    app = make_app(write_fixture(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(pilot)
        old_version = screen.dataset.version
        stale_validation = validate_dataset(screen.dataset)
        stale_dups = find_duplicates(screen.dataset)
        await pilot.press("d")  # delete line 1: version moves on
        await settle(pilot)
        current = screen.validation_report
        screen.post_message(ValidationFinished(old_version, stale_validation))
        screen.post_message(DedupFinished(old_version, stale_dups))
        await pilot.pause()
        assert screen.validation_report is current
        assert screen.dedup_report.exact_group_of(6) is None  # line 1 is gone


async def test_token_result_keeps_counts_of_rows_edited_since(tmp_path: Path) -> None:
    app = make_app(write_fixture(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(pilot)
        from ftui.core.tokens import count_dataset

        stale = count_dataset(screen.dataset, screen.model_info, use_cache=False)
        version = screen.dataset.version
        await pilot.press("right_square_bracket", "e")
        await pilot.pause()
        from textual.widgets import TextArea

        app.screen.query_one(TextArea).text = "a much longer question " * 20
        await pilot.press("ctrl+s")
        await settle(pilot)
        fresh = screen.tokens[0]
        assert fresh.total > stale.by_row[0].total
        screen.post_message(TokensCounted(version, stale))
        await settle(pilot)
        assert screen.tokens[0] == fresh  # the older full count did not win
        assert screen.tokens[1] == stale.by_row[1]


async def test_actions_after_fast_moves_target_the_row_under_the_cursor(
    tmp_path: Path,
) -> None:
    app = make_app(write_fixture(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(pilot)
        screen.goto_line(5)
        await pilot.pause()
        # move on and act at once: the detail pane has not caught up yet
        screen._detail_shown_at = time.monotonic()  # as if keys were repeating
        await pilot.press("down", "right_square_bracket", "right_square_bracket", "w")
        await settle(pilot)
        assert screen.table.row_id == 5
        assert screen.dataset.record(5).data["messages"][2]["weight"] == 0
        assert not screen.dataset.is_edited(4)


async def test_click_selects_a_turn(tmp_path: Path) -> None:
    app = make_app(write_fixture(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(pilot)
        detail = screen.detail
        line = next(i for i, (turn, _) in enumerate(detail._lines) if turn == 2)
        await pilot.click(ExampleDetail, offset=(5, line - int(detail.scroll_y)))
        await pilot.pause()
        assert detail.selected_turn == 2
