"""Curate screen: weights, turn edits, examples, raw repair, undo and redo."""

from __future__ import annotations

import json
from pathlib import Path

from textual.widgets import OptionList, TextArea

from ftui.tui.screens.dialogs import (
    ChoiceDialog,
    ConfirmDialog,
    EditTurnDialog,
    RawLineDialog,
)
from tests.tui.curate_helpers import SYSTEM, make_app, settle, write_fixture


async def _choose(pilot, option_id: str) -> None:
    dialog = pilot.app.screen
    assert isinstance(dialog, ChoiceDialog)
    option_list = dialog.query_one(OptionList)
    option_list.highlighted = [o.id for o in option_list.options].index(option_id)
    await pilot.press("enter")
    await pilot.pause()


async def test_toggle_weight_updates_trained_tokens_and_cost(tmp_path: Path) -> None:
    app = make_app(write_fixture(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(pilot)
        screen.goto_line(6)  # user, assistant, user, assistant
        await pilot.pause()
        before = screen.tokens[5]
        trained_before = screen.trained_total
        await pilot.press("right_square_bracket", "right_square_bracket")
        assert screen.detail.selected_turn == 2
        await pilot.press("w")
        await settle(pilot)
        data = screen.dataset.record(5).data
        assert data["messages"][2]["weight"] == 0
        after = screen.tokens[5]
        assert after.total == before.total
        assert 0 < after.trained < before.trained
        assert screen.trained_total == trained_before - (before.trained - after.trained)
        assert "zero_weight" in screen.row_cells(5).marks
        assert "edited" in screen.row_cells(5).marks
        assert screen.cost_estimate is not None
        # a non-assistant turn refuses, and changes nothing
        version = screen.dataset.version
        await pilot.press("left_square_bracket")
        await pilot.press("w")
        assert screen.dataset.version == version
        await pilot.press("u")
        await settle(pilot)
        assert screen.tokens[5].trained == before.trained
        assert not screen.dataset.is_edited(5)


async def test_bulk_weight_zero_except_last(tmp_path: Path) -> None:
    app = make_app(write_fixture(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(pilot)
        await pilot.press("W")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
        messages = screen.dataset.record(5).data["messages"]
        assert [m.get("weight") for m in messages] == [None, None, 0, None, None]
        # single-answer examples are untouched
        assert not screen.dataset.is_edited(0)
        assert screen.row_cells(5).marks >= {"zero_weight", "edited"}


async def test_edit_turn_text(tmp_path: Path) -> None:
    app = make_app(write_fixture(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(pilot)
        await pilot.press("right_square_bracket")  # the user turn
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, EditTurnDialog)
        area = app.screen.query_one(TextArea)
        area.text = "Wrong VAT number on my invoice, a much longer question now"
        await pilot.press("ctrl+s")
        await settle(pilot)
        message = screen.dataset.record(0).data["messages"][1]
        assert message["content"].startswith("Wrong VAT number")
        assert screen.tokens[0].per_message[1] > 8
        await pilot.press("u")
        await settle(pilot)
        assert (
            screen.dataset.record(0)
            .data["messages"][1]["content"]
            .startswith("My invoice")
        )
        await pilot.press("U")
        await settle(pilot)
        assert (
            screen.dataset.record(0)
            .data["messages"][1]["content"]
            .startswith("Wrong VAT")
        )


async def test_edit_discard_changes_nothing(tmp_path: Path) -> None:
    app = make_app(write_fixture(tmp_path), analyse=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one(TextArea).text = "changed"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)  # typed text: asks first
        await pilot.press("y")
        await pilot.pause()
        assert not isinstance(app.screen, EditTurnDialog)
        assert not app.dataset.modified


async def test_change_role_fixes_misspelt_role(tmp_path: Path) -> None:
    app = make_app(write_fixture(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(pilot)
        screen.goto_line(9)
        await pilot.pause()
        assert 8 in screen.error_rows
        await pilot.press("right_square_bracket", "right_square_bracket", "r")
        await pilot.pause()
        options = app.screen.query_one(OptionList)
        # the misspelt role starts on its closest valid role: enter accepts it
        assert options.get_option_at_index(options.highlighted).id == "assistant"
        await pilot.press("enter")
        await pilot.pause()
        await settle(pilot)
        assert screen.dataset.record(8).data["messages"][2]["role"] == "assistant"
        assert 8 not in screen.error_rows


async def test_add_and_delete_turn(tmp_path: Path) -> None:
    app = make_app(write_fixture(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(pilot)
        await pilot.press("end")  # last example, select its assistant turn
        await pilot.press("right_square_bracket", "right_square_bracket")
        await pilot.press("a")
        await pilot.pause()
        await _choose(pilot, "user")
        assert isinstance(app.screen, EditTurnDialog)
        app.screen.query_one(TextArea).text = "And in pounds?"
        await pilot.press("ctrl+s")
        await settle(pilot)
        messages = screen.dataset.record(11).data["messages"]
        assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
        assert messages[3]["content"] == "And in pounds?"
        assert screen.detail.selected_turn == 3
        await pilot.press("X")
        await settle(pilot)
        assert len(screen.dataset.record(11).data["messages"]) == 3
        await pilot.press("u", "u", "u")
        await settle(pilot)
        assert not screen.dataset.is_edited(11)


async def test_delete_duplicate_add_example(tmp_path: Path) -> None:
    app = make_app(write_fixture(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(pilot)
        dataset = screen.dataset
        await pilot.press("d")
        await settle(pilot)
        assert len(dataset) == 11
        assert 0 not in dataset.row_ids
        assert screen.table.rows[0] == 1
        await pilot.press("c")
        await settle(pilot)
        assert len(dataset) == 12
        copy = screen.table.row_id
        assert copy not in (0, 1)
        assert dataset.record(copy).raw == dataset.record(1).raw
        assert "edited" in screen.row_cells(copy).marks
        await pilot.press("A")
        await pilot.pause()
        assert isinstance(app.screen, EditTurnDialog)
        app.screen.query_one(TextArea).text = "Brand new question"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, EditTurnDialog)  # then the answer
        app.screen.query_one(TextArea).text = "how-to"
        await pilot.press("ctrl+s")
        await settle(pilot)
        new = screen.table.row_id
        assert dataset.record(new).data["messages"] == [
            {"role": "system", "content": SYSTEM},  # copied from the example above
            {"role": "user", "content": "Brand new question"},
            {"role": "assistant", "content": "how-to"},
        ]
        assert new not in screen.warning_rows
        assert dataset.position_of(new) == dataset.position_of(copy) + 1
        # mark two rows, delete both in one step
        await pilot.press("home", "space", "space")
        assert len(screen.table.marked) == 2
        await pilot.press("d")
        await settle(pilot)
        assert len(dataset) == 11
        for _ in range(5):
            await pilot.press("u")
        await settle(pilot)
        assert len(dataset) == 12
        assert list(dataset.row_ids) == list(range(12))
        assert not any(dataset.is_edited(r) for r in dataset.row_ids)


async def test_raw_repair_of_invalid_line(tmp_path: Path) -> None:
    app = make_app(write_fixture(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(pilot)
        screen.goto_line(8)
        await pilot.pause()
        assert 7 in screen.error_rows
        await pilot.press("e")  # invalid line: e opens the raw editor
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, RawLineDialog)
        await pilot.press("ctrl+s")  # still invalid: refused
        await pilot.pause()
        assert app.screen is dialog
        assert "not valid JSON" in str(dialog.query_one("#status").render())
        await pilot.press(*'"},{"role":"assistant","content":"bug"}]}')
        await pilot.pause()
        assert "valid" in str(dialog.query_one("#status").render())
        await pilot.press("ctrl+s")
        await settle(pilot)
        record = screen.dataset.record(7)
        assert record.error is None
        assert record.data["messages"][1] == {"role": "assistant", "content": "bug"}
        assert 7 not in screen.error_rows
        assert 7 in screen.tokens
        await pilot.press("u")
        await settle(pilot)
        assert screen.dataset.record(7).error is not None
        assert 7 in screen.error_rows


async def test_edit_turn_with_tool_calls_as_json(tmp_path: Path) -> None:
    path = tmp_path / "tools.jsonl"
    row = {
        "messages": [
            {"role": "user", "content": "weather?"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {
                            "name": "get_weather",
                            "arguments": '{"city":"Oslo"}',
                        },
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": "12C"},
            {"role": "assistant", "content": "It is 12C in Oslo."},
        ]
    }
    path.write_text(json.dumps(row) + "\n")
    app = make_app(path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(pilot)
        bodies = [screen.detail.turn_text(i) for i in range(4)]
        assert "→ tool call get_weather call_1" in bodies[1]
        assert '"city": "Oslo"' in bodies[1]
        assert "(result of call_1)" in bodies[2]
        await pilot.press("right_square_bracket", "e")
        await pilot.pause()
        area = app.screen.query_one(TextArea)
        assert json.loads(area.text)["tool_calls"][0]["id"] == "call_1"
        area.text = area.text.replace("Oslo", "Bergen")
        await pilot.press("ctrl+s")
        await settle(pilot)
        call = screen.dataset.record(0).data["messages"][1]["tool_calls"][0]
        assert "Bergen" in call["function"]["arguments"]


async def test_empty_file_add_first_example_and_save(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"")
    app = make_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settle(pilot)
        assert screen.table.row_id is None
        assert "no examples shown" in screen.detail.text
        await pilot.press("A")
        await pilot.pause()
        app.screen.query_one(TextArea).text = "First question"
        await pilot.press("ctrl+s")
        await pilot.pause()
        app.screen.query_one(TextArea).text = "First answer"
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await pilot.pause()
    saved = json.loads(path.read_bytes())
    assert saved["messages"] == [
        {"role": "user", "content": "First question"},
        {"role": "assistant", "content": "First answer"},
    ]


async def test_mark_all_shown_then_delete(tmp_path: Path) -> None:
    app = make_app(write_fixture(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(pilot)
        screen.set_filter("exact_dup")
        await pilot.press("M")
        assert screen.table.marked == {0, 6}
        await pilot.press("escape")  # back to all rows; the marks stay
        await pilot.pause()
        assert len(screen.table.rows) == 12
        await pilot.press("d")
        await settle(pilot)
        assert 0 not in screen.dataset.row_ids
        assert 6 not in screen.dataset.row_ids
        assert len(screen.dataset) == 10
        await pilot.press("M", "M")  # mark all, then unmark all
        assert not screen.table.marked
