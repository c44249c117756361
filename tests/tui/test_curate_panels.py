"""Curate screen wiring of the side panels: issues, duplicates, cost, export."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import TabbedContent

from ftui.tui.widgets.cost_panel import CostPanel
from ftui.tui.widgets.duplicates_panel import DuplicatesPanel
from ftui.tui.widgets.issue_list import IssueList
from tests.tui.curate_helpers import make_app, settle, write_fixture


async def test_issue_selected_jumps_to_row_and_turn(tmp_path: Path) -> None:
    app = make_app(write_fixture(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(pilot)
        await pilot.press("i")
        await pilot.pause()
        assert screen.query_one("#side", TabbedContent).active == "issues"
        issues = screen.query_one(IssueList)
        role_issue = next(i for i in issues.visible_issues if i.row_id == 8)
        issues.post_message(IssueList.IssueSelected(issues, role_issue))
        await pilot.pause()
        assert screen.table.row_id == 8
        assert screen.detail.selected_turn == role_issue.message_index == 2


async def test_issue_jump_clears_filter_that_hides_row(tmp_path: Path) -> None:
    app = make_app(write_fixture(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(pilot)
        screen.set_filter("exact_dup")
        issues = screen.query_one(IssueList)
        issue = next(i for i in issues.visible_issues if i.row_id == 7)
        issues.post_message(IssueList.IssueSelected(issues, issue))
        await pilot.pause()
        assert screen.table.row_id == 7
        assert screen.spec.filter == "all"


async def test_narrow_terminal_side_panel_replaces_detail(tmp_path: Path) -> None:
    app = make_app(write_fixture(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settle(pilot)
        side = screen.query_one("#side")
        assert screen.has_class("-narrow")
        assert not side.display or side.region.width == 0
        await pilot.press("equals_sign")
        await pilot.pause()
        assert side.region.width > 0
        assert screen.detail.region.width == 0
        await pilot.press("escape")
        await pilot.pause()
        assert screen.detail.region.width > 0
        assert screen.table.has_focus


async def test_drop_duplicates_is_undoable(tmp_path: Path) -> None:
    app = make_app(write_fixture(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(pilot)
        panel = screen.query_one(DuplicatesPanel)
        assert panel.report is not None
        group = panel.report.exact_group_of(0)
        assert group is not None
        panel.post_message(
            DuplicatesPanel.DropRequested(panel, group.row_ids[1:], "drop duplicates")
        )
        await settle(pilot)
        assert 6 not in screen.dataset.row_ids
        assert len(screen.table.rows) == 11
        assert screen.dedup_report.exact_group_of(0) is None  # searched again
        await pilot.press("u")
        await settle(pilot)
        assert 6 in screen.table.rows
        assert screen.dedup_report.exact_group_of(0) is not None


async def test_duplicate_jump(tmp_path: Path) -> None:
    app = make_app(write_fixture(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(pilot)
        panel = screen.query_one(DuplicatesPanel)
        panel.post_message(DuplicatesPanel.JumpRequested(panel, 6))
        await pilot.pause()
        assert screen.table.row_id == 6


async def test_cost_settings_change_recomputes(tmp_path: Path) -> None:
    app = make_app(write_fixture(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(pilot)
        before = screen.cost_estimate
        assert before is not None
        panel = screen.query_one(CostPanel)
        panel.post_message(
            CostPanel.SettingsChanged(panel, screen.model_name, 7, "openai", "standard")
        )
        await settle(pilot)
        assert screen.cost_estimate.epochs == 7
        assert screen.cost_estimate.billed_tokens == 7 * before.billed_tokens_per_epoch
        # a model with another tokenizer: tokens are counted again
        panel.post_message(
            CostPanel.SettingsChanged(
                panel, "babbage-002", "auto", "openai", "standard"
            )
        )
        await settle(pilot)
        assert screen.model_name == "babbage-002"
        assert screen.tokens
        assert screen.tokens_ready


async def test_export_writes_split(tmp_path: Path) -> None:
    from ftui.tui.screens.export import ExportRequest

    path = write_fixture(tmp_path)
    app = make_app(path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(pilot)
        train, valid = tmp_path / "t.jsonl", tmp_path / "v.jsonl"
        screen._export(ExportRequest(0.2, 7, train, valid, False))
        await settle(pilot)
        train_lines = train.read_bytes().splitlines()
        valid_lines = valid.read_bytes().splitlines()
        # 12 lines - 1 invalid - 1 with an error = 10 examples, both sides non-empty
        assert len(train_lines) + len(valid_lines) == 10
        assert valid_lines
        original = set(path.read_bytes().splitlines())
        assert set(train_lines) | set(valid_lines) <= original


async def test_escape_from_a_panel_returns_to_the_table(tmp_path: Path) -> None:
    app = make_app(write_fixture(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(pilot)
        await pilot.press("dollar_sign")
        await pilot.pause()
        assert screen.query_one("#side", TabbedContent).active == "cost"
        assert not screen.table.has_focus
        await pilot.press("escape")
        await pilot.pause()
        assert screen.table.has_focus


async def test_x_opens_the_export_dialog(tmp_path: Path) -> None:
    from ftui.tui.screens.export import ExportDialog

    app = make_app(write_fixture(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ExportDialog)
        assert app.screen.examples == 10  # 12 lines - broken line - role error
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ExportDialog)


async def test_issue_jump_on_narrow_terminal_shows_the_turn(tmp_path: Path) -> None:
    import json

    long_text = "word " * 800
    row = {
        "messages": [
            {"role": "user", "content": long_text},
            {"role": "assistant", "content": "ok"},
            {"role": "asistant", "content": "misspelt role"},
            {"role": "user", "content": long_text},
            {"role": "assistant", "content": "done"},
        ]
    }
    path = tmp_path / "long.jsonl"
    path.write_text(
        json.dumps(
            {
                "messages": [
                    {"role": "user", "content": "hi"},
                    {"role": "assistant", "content": "yo"},
                ]
            }
        )
        + "\n"
        + json.dumps(row)
        + "\n"
    )
    app = make_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settle(pilot)
        await pilot.press("i")  # the side panel replaces the (now hidden) detail
        await pilot.pause()
        issues = screen.query_one(IssueList)
        issue = next(i for i in issues.visible_issues if i.row_id == 1)
        issues.post_message(IssueList.IssueSelected(issues, issue))
        await pilot.pause()
        await pilot.pause()
        detail = screen.detail
        assert detail.region.width > 0
        assert detail._wrapped_width == detail.scrollable_content_region.width - 2
        start = detail._starts[2]
        top = int(detail.scroll_y)
        assert top <= start < top + detail.scrollable_content_region.height
        assert detail.selected_turn == 2
