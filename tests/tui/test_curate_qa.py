"""Curate screen: bugs found walking through the screen as a new user (issue 4)."""

from __future__ import annotations

import json
from pathlib import Path

from textual.widgets import OptionList, TextArea

from ftui.tui.screens.compare import CompareScreen
from ftui.tui.screens.dialogs import (
    ChoiceDialog,
    ConfirmDialog,
    EditTurnDialog,
    RawLineDialog,
)
from ftui.tui.screens.help import help_rows
from tests.tui.curate_helpers import chat, curate, make_app, settle, write_fixture


async def test_escape_in_the_turn_editor_discards_at_once(tmp_path: Path) -> None:
    # the editor's TextArea used escape to move focus to the Keep button, so the
    # advertised "escape discards it" needed two presses (and enter then kept it)
    app = make_app(write_fixture(tmp_path), analyse=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, EditTurnDialog)
        await pilot.press("escape")  # nothing typed: closes at once
        await pilot.pause()
        assert not isinstance(app.screen, EditTurnDialog)
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one(TextArea).text = "changed"
        await pilot.press("escape")  # typed text: asks first
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")  # keep editing
        await pilot.pause()
        assert isinstance(app.screen, EditTurnDialog)
        assert app.screen.query_one(TextArea).text == "changed"
        await pilot.press("escape", "y")
        await pilot.pause()
        assert not isinstance(app.screen, (EditTurnDialog, ConfirmDialog))
        assert not app.dataset.modified


async def test_cancelled_new_turn_adds_nothing(tmp_path: Path) -> None:
    # "a" used to insert an empty turn before the editor opened: escaping the
    # editor left an empty turn behind (an empty_content warning to clean up)
    app = make_app(write_fixture(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(pilot)
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, EditTurnDialog)
        await pilot.press("escape")
        await settle(pilot)
        assert not screen.dataset.modified
        assert len(screen.dataset.record(0).data["messages"]) == 3


async def test_new_turn_and_its_text_are_one_undo_step(tmp_path: Path) -> None:
    app = make_app(write_fixture(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(pilot)
        await pilot.press("right_square_bracket", "right_square_bracket", "a")
        await pilot.pause()
        options = app.screen.query_one(OptionList)
        options.highlighted = [o.id for o in options.options].index("user")
        await pilot.press("enter")
        await pilot.pause()
        app.screen.query_one(TextArea).text = "And in pounds?"
        await pilot.press("ctrl+s")
        await settle(pilot)
        messages = screen.dataset.record(0).data["messages"]
        assert messages[3] == {"role": "user", "content": "And in pounds?"}
        assert screen.detail.selected_turn == 3
        await pilot.press("u")
        await settle(pilot)
        assert not screen.dataset.is_edited(0)


async def test_raw_repair_keeps_a_line_that_was_not_utf8(tmp_path: Path) -> None:
    # the editor shows the bad byte as U+FFFD and says "valid: ctrl+s keeps it",
    # but ctrl+s compared the text with the (equally decoded) line and did nothing
    path = tmp_path / "latin1.jsonl"
    good = json.dumps(chat("Dark mode please", "feature-request")).encode()
    bad = json.dumps(chat("Caf\u00e9 menu", "how-to"), ensure_ascii=False).encode(
        "latin-1"
    )
    path.write_bytes(good + b"\n" + bad + b"\n")
    app = make_app(path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(pilot)
        screen.goto_line(2)
        await pilot.pause()
        assert 1 in screen.error_rows
        await pilot.press("e")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, RawLineDialog)
        assert "UTF-8" in str(dialog.query_one(".dialog-title").render())
        await pilot.press("ctrl+s")
        await settle(pilot)
        record = screen.dataset.record(1)
        assert record.error is None
        assert record.data["messages"][1]["content"] == "Caf\ufffd menu"
        assert 1 not in screen.error_rows
        assert screen.dataset.modified


async def test_status_line_keeps_the_estimate_at_80_columns(tmp_path: Path) -> None:
    # at 80x24 the full status line ran past the edge: the $ estimate (what a
    # weight toggle or a deletion changes) was cut off
    app = make_app(write_fixture(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settle(pilot)
        bar = screen.query_one("#status-left")
        shown = str(bar.render())
        assert "$" in shown
        assert "trained" in shown
        assert len(shown) + 2 <= bar.size.width
        await pilot.resize_terminal(200, 60)
        await pilot.pause()
        assert "12 lines" in str(screen.query_one("#status-left").render())


async def test_palette_compares_and_drops_duplicates(tmp_path: Path) -> None:
    # compare and drop were panel-only keys: the command palette did not list them
    app = make_app(write_fixture(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(pilot)
        screen.goto_line(7)  # the exact duplicate of line 1
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"compare duplicates")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.2)
        compare = app.screen
        assert isinstance(compare, CompareScreen)
        assert set(compare.row_ids) == {0, 6}
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"drop duplicates")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.2)
        await pilot.press("g")  # this cluster
        await settle(pilot)
        assert 6 not in screen.dataset.row_ids
        assert 0 in screen.dataset.row_ids


async def test_turn_editor_selects_to_the_end_of_the_text(tmp_path: Path) -> None:
    # shortening an over-long turn (a pasted log) needed one keypress per line:
    # TextArea has no "select to the end of the text"
    path = tmp_path / "long.jsonl"
    log = "\n".join(f"hour {i}: all fine" for i in range(300))
    rows = [chat("Dark mode please", "feature-request"), chat(f"Code this\n{log}", "x")]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    app = make_app(path, analyse=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = curate(app)
        screen.goto_line(2)
        await pilot.pause()
        await pilot.press("right_square_bracket", "e")
        await pilot.pause()
        area = app.screen.query_one(TextArea)
        area.move_cursor((1, 0))
        await pilot.press("ctrl+shift+end")
        await pilot.press("delete")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.dataset.record(1).data["messages"][1]["content"] == "Code this\n"
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one(TextArea).move_cursor((1, 0))
        await pilot.press("ctrl+shift+home")
        assert app.screen.query_one(TextArea).selected_text == "Code this\n"


async def test_issue_summary_uses_singular_for_one(tmp_path: Path) -> None:
    # the issues panel said "0 errors · 1 warnings"
    path = tmp_path / "one.jsonl"
    rows = [chat(f"question {i}", "answer") for i in range(12)]
    rows[5] = rows[2]  # one exact duplicate: one warning
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    app = make_app(path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(pilot)
        await pilot.press("i")
        await pilot.pause()
        summary = str(screen.query_one("#issue-summary").render())
        assert summary.startswith("0 errors · 1 warning · 0 info"), summary


async def test_delete_example_names_the_line(tmp_path: Path) -> None:
    app = make_app(write_fixture(tmp_path), analyse=False)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        screen = curate(app)
        screen.goto_line(3)
        await pilot.pause()
        await pilot.press("d")
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert "deleted line 3 (u undoes)" in messages, messages
        await pilot.press("u")
        await pilot.pause()
        assert "undone: delete line 3" in [n.message for n in app._notifications]


async def test_raw_editor_title_names_the_line(tmp_path: Path) -> None:
    # E on a valid line said "Repair line (raw JSON)": nothing to repair, no line
    app = make_app(write_fixture(tmp_path), analyse=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = curate(app)
        screen.goto_line(2)
        await pilot.pause()
        await pilot.press("E")
        await pilot.pause()
        title = str(app.screen.query_one(".dialog-title").render())
        assert title == "Edit line 2 (raw JSON)"
        await pilot.press("escape")
        screen.goto_line(8)  # cut off: does not parse
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        title = str(app.screen.query_one(".dialog-title").render())
        assert title == "Repair line 8 (raw JSON)"


async def test_cancelled_new_example_adds_nothing(tmp_path: Path) -> None:
    # "A" used to insert a blank example first: escaping its editor left an
    # example with two empty turns (and warnings) behind
    app = make_app(write_fixture(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(pilot)
        await pilot.press("A")
        await pilot.pause()
        assert isinstance(app.screen, EditTurnDialog)
        await pilot.press("escape")
        await settle(pilot)
        assert not screen.dataset.modified
        assert len(screen.dataset) == 12
        await pilot.press("A")
        await pilot.pause()
        app.screen.query_one(TextArea).text = "question"
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("escape")  # no answer: still nothing
        await settle(pilot)
        assert not screen.dataset.modified


async def test_cost_panel_says_weight_0_turns_are_billed(tmp_path: Path) -> None:
    # toggling a weight changed the trained tokens but not the $: without a
    # word on what is billed, the estimate looked stale
    app = make_app(write_fixture(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(pilot)
        await pilot.press("dollar_sign")
        await pilot.pause()
        figures = str(screen.query_one("#cost-figures").render())
        assert "weight-0 turns too" in figures


def test_help_lists_the_editor_keys() -> None:
    # the turn editor's keys (keep, discard, select to the end) were only shown
    # inside the editor, not in the ? help
    rows = [(group, key) for group, key, _ in help_rows()]
    assert ("In editors", "ctrl+s") in rows
    assert ("In editors", "ctrl+shift+end / home") in rows
