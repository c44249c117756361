"""Curate screen: opening a file, background analysis, marks, literal text, jumps."""

from __future__ import annotations

from pathlib import Path

from ftui.tui.screens.help import HelpScreen
from ftui.tui.widgets.example_table import ExampleTable
from tests.tui.curate_helpers import curate, make_app, settle, write_fixture


def _visible_text(table: ExampleTable) -> list[str]:
    return [table.render_line(y).text for y in range(table.size.height)]


async def test_opens_and_analyses(tmp_path: Path) -> None:
    app = make_app(write_fixture(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(pilot)
        table = screen.table
        assert len(table.rows) == 12
        assert table.has_focus
        # tokens counted for every example (the broken line 8 has none)
        assert len(screen.tokens) == 11
        assert 7 not in screen.tokens
        # validation: line 8 (invalid JSON) and line 9 (misspelt role) are errors,
        # line 7 repeats line 1
        assert screen.error_rows == {7, 8}
        assert 6 in screen.warning_rows
        assert {0, 6} <= screen.exact_rows
        cells = screen.row_cells(6)
        assert {"warning", "exact_dup"} <= cells.marks
        assert "zero_weight" not in screen.row_cells(5).marks
        left, right = screen.status_text()
        assert "12 lines" in left
        assert "2 err" in left
        assert "$" in left
        assert right == "ready"
        header = _visible_text(table)[0]
        assert header.split()[:5] == ["line", "status", "turns", "tokens", "trained"]


async def test_markup_and_escape_codes_render_literally(tmp_path: Path) -> None:
    app = make_app(write_fixture(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(pilot)
        assert screen.goto_line(10)
        await pilot.pause()
        row = screen.table.render_line(screen.table.cursor + 1).text
        assert "[bold]x[/] and ␛[31mred␛[0m text" in row
        detail = screen.detail
        user_body = detail.turn_text(1)
        assert "[bold]x[/]" in user_body
        assert "\x1b" not in user_body
        assert "␛[31m" in user_body
        assert "[link]no[/link]" in detail.turn_text(2)
        # what is painted: the literal text, no escape byte, nothing made bold
        painted = [
            segment
            for widget in (screen.table, detail)
            for y in range(widget.size.height)
            for segment in widget.render_line(y)
        ]
        assert not any("\x1b" in segment.text for segment in painted)
        literal = [s for s in painted if "[bold]x[/]" in s.text]
        assert literal
        assert all(not (s.style and s.style.bold) for s in literal)


async def test_goto_line_and_palette_provider(tmp_path: Path) -> None:
    app = make_app(write_fixture(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(pilot)
        await pilot.press("colon")
        await pilot.press(*"9", "enter")
        await pilot.pause()
        assert screen.table.row_id == 8
        assert screen.detail.text.startswith("line 9")
        assert not screen.goto_line(99)
        # the palette offers "Go to line N"
        from ftui.tui.commands import CurateCommands

        provider = CurateCommands(screen)
        hits = [hit async for hit in provider.search("3")]
        assert hits
        assert hits[0].text == "Go to line 3"
        hits[0].command()
        await pilot.pause()
        assert screen.table.row_id == 2


async def test_system_commands_list_every_action(tmp_path: Path) -> None:
    app = make_app(write_fixture(tmp_path), analyse=False)
    async with app.run_test(size=(120, 40)):
        screen = curate(app)
        titles = {c.title for c in app.get_system_commands(screen)}
        assert {
            "Save",
            "Weight",
            "Undo",
            "Redo",
            "Search",
            "Filter",
            "Go to line",
        } <= titles
        assert "Filter: errors" in titles


async def test_help_screen_lists_keys_and_marks(tmp_path: Path) -> None:
    app = make_app(write_fixture(tmp_path), analyse=False)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        from ftui.tui.screens.help import help_rows

        keys = {row[1] for row in help_rows()}
        assert {"ctrl+s", "w", "u", "U / ctrl+r", "/", ":", "?"} <= keys | {"?"}
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


async def test_table_keys_and_mouse(tmp_path: Path) -> None:
    app = make_app(write_fixture(tmp_path), analyse=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = curate(app)
        table = screen.table
        await pilot.press("down", "down")
        assert table.cursor == 2
        await pilot.press("end")
        assert table.cursor == 11
        await pilot.press("home")
        assert table.cursor == 0
        await pilot.press("pagedown")
        assert table.cursor > 3
        await pilot.press("home")
        await pilot.click(ExampleTable, offset=(10, 4))
        await pilot.pause()
        assert table.cursor == 3 + int(table.scroll_y)
        await pilot.press("space")
        assert 3 in table.marked


async def test_palette_runs_screen_actions(tmp_path: Path) -> None:
    app = make_app(write_fixture(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"filter: errors")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert list(screen.table.rows) == [7, 8]
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"delete example")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert 7 not in screen.dataset.row_ids


async def test_theme_switch_redraws_with_new_colours(tmp_path: Path) -> None:
    app = make_app(write_fixture(tmp_path), analyse=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = curate(app)
        await pilot.pause()
        before_row = screen.table.render_line(1)
        before_detail = screen.detail.render_line(1)
        app.theme = "textual-light"
        await pilot.pause()
        await pilot.pause()
        assert screen.table.render_line(1) != before_row
        assert screen.detail.render_line(1) != before_detail
