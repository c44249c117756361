"""Untrusted text is printed with its control characters escaped."""

from __future__ import annotations

import pytest

from ftui.core.text import escape_controls


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("plain text, é ü 漢字", "plain text, é ü 漢字"),
        ("\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m"),
        ("bell\x07 tab\t", "bell\\x07 tab\\t"),
        ("right\u202eto left", "right\\u202eto left"),
        ("no\u00a0break", "no\u00a0break"),
        ("line\u2028sep", "line\\u2028sep"),
        ("[bold]x[/]", "[bold]x[/]"),
    ],
)
def test_escape_controls(text: str, shown: str) -> None:
    assert escape_controls(text) == shown
