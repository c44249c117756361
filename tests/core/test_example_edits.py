"""Tests for the pure turn edits in ftui.core.example_edits."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ftui.core import example_edits as ed


def chat() -> dict[str, Any]:
    return {
        "messages": [
            {"role": "system", "content": "sys"},
            {"role": "user", "content": "q1"},
            {"role": "assistant", "content": "a1"},
            {"role": "user", "content": [{"type": "text", "text": "q2"}]},
            {"role": "assistant", "content": "a2", "weight": 1},
        ],
        "tools": [],
    }


def test_toggle_weight_round_trip_and_input_untouched() -> None:
    data = chat()
    before = copy.deepcopy(data)
    off = ed.toggle_weight(data, 2)
    assert off["messages"][2] == {"role": "assistant", "content": "a1", "weight": 0}
    assert data == before
    assert ed.has_zero_weight(off)
    on = ed.toggle_weight(off, 2)
    assert on == before
    assert list(on) == ["messages", "tools"]


def test_toggle_weight_refuses_non_assistant() -> None:
    with pytest.raises(ValueError, match="assistant"):
        ed.toggle_weight(chat(), 1)
    with pytest.raises(IndexError):
        ed.toggle_weight(chat(), 9)


def test_set_content_and_role() -> None:
    data = ed.set_content(chat(), 1, "new")
    assert data["messages"][1]["content"] == "new"
    data = ed.set_role(data, 4, "user")
    assert data["messages"][4] == {"role": "user", "content": "a2"}


def test_insert_delete_replace() -> None:
    data = ed.insert_message(chat(), 5, {"role": "user", "content": "x"})
    assert ed.turn_count(data) == 6
    data = ed.delete_message(data, 0)
    assert data["messages"][0]["role"] == "user"
    data = ed.replace_message(data, 0, {"role": "developer", "content": "d"})
    assert data["messages"][0]["role"] == "developer"
    with pytest.raises(IndexError):
        ed.insert_message(chat(), 7, {})
    with pytest.raises(ValueError, match="no list"):
        ed.delete_message({"prompt": "p", "completion": "c"}, 0)


def test_zero_weights_except_last() -> None:
    data = ed.zero_weights_except_last(chat())
    weights = [m.get("weight") for m in data["messages"]]
    assert weights == [None, None, 0, None, 1]
    assert ed.zero_weights_except_last(data) is data


def test_preference_rows_edit_input_messages() -> None:
    data = {
        "input": {"messages": [{"role": "user", "content": "hi"}]},
        "preferred_output": [{"role": "assistant", "content": "a"}],
    }
    changed = ed.set_content(data, 0, "hello")
    assert changed["input"]["messages"][0]["content"] == "hello"
    assert data["input"]["messages"][0]["content"] == "hi"
    assert ed.first_user_text(changed) == "hello"


def test_readers() -> None:
    assert ed.first_user_text(chat()) == "q1"
    assert (
        ed.content_text([{"type": "text", "text": "a"}, {"type": "image_url"}]) == "a"
    )
    assert ed.content_text(None) == ""
    assert ed.turn_count(None) == 0
    assert ed.first_user_text({"prompt": "p", "completion": "c"}) == "p"
    assert ed.messages_of({"messages": "nope"}) is None
