"""The help screen: every key of the curate screen and the status marks."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ftui.tui.widgets.example_table import MARKS

__all__ = ["HelpScreen", "help_rows"]

_KEY_NAMES = {
    "colon": ":",
    "right_square_bracket": "]",
    "left_square_bracket": "[",
    "equals_sign": "=",
    "dollar_sign": "$",
    "question_mark": "?",
}

_TABLE_KEYS = (
    ("↑ ↓ / k j", "previous / next example (in the detail pane: previous / next turn)"),
    ("pgup pgdn", "page up / down"),
    ("home end / g G", "first / last example"),
    ("space", "mark or unmark the example (bulk actions use marked examples)"),
    ("enter / double click", "move into the detail pane"),
    ("click a header", "sort by that column (again: reverse)"),
    ("tab / shift+tab", "move between table, detail and panels"),
)

_EDITOR_KEYS = (
    ("ctrl+s", "keep the text (the raw line editor: once it parses)"),
    ("escape", "discard (asks first when you typed something)"),
    ("ctrl+shift+end / home", "select to the end / start of the text"),
)

_APP_KEYS = (
    ("ctrl+p", "command palette: every action, filters, sorts, “go to line N”"),
    ("ctrl+q", "quit (asks first when there are unsaved changes)"),
)


def _key(key: str) -> str:
    return " / ".join(_KEY_NAMES.get(k, k) for k in key.split(","))


_PANELS = (
    ("ftui.tui.widgets.side_panel", "SidePanel", "any panel"),
    ("ftui.tui.widgets.issue_list", "IssueList", "issues"),
    ("ftui.tui.widgets.duplicates_panel", "DuplicatesPanel", "duplicates"),
)


def _panel_rows() -> list[tuple[str, str, str]]:
    """Keys the side panels bind themselves (read from their classes)."""
    from textual.binding import Binding

    rows: list[tuple[str, str, str]] = []
    for module, name, where in _PANELS:
        try:
            widget = getattr(__import__(module, fromlist=[name]), name)
        except (ImportError, AttributeError):
            continue
        for binding in widget.__dict__.get("BINDINGS", []):
            if isinstance(binding, Binding):
                rows.append(
                    ("In panels", _key(binding.key), f"{binding.description} ({where})")
                )
    return rows


def help_rows() -> list[tuple[str, str, str]]:
    """(group, keys, what it does) for every key, in display order."""
    from ftui.tui.screens.curate import KEYS

    rows = [("Move", key, text) for key, text in _TABLE_KEYS]
    rows += [(spec.group, _key(spec.key), spec.help) for spec in KEYS]
    rows += _panel_rows()
    rows += [("In editors", key, text) for key, text in _EDITOR_KEYS]
    rows += [("App", key, text) for key, text in _APP_KEYS]
    return rows


class HelpScreen(ModalScreen[None]):
    """All keys, grouped, and the legend of the status column."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,f1", "close", "Close"),
    ]

    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
        background: $background 60%;
        & > VerticalScroll {
            width: 90%;
            max-width: 110;
            height: 90%;
            border: thick $primary;
            background: $surface;
            padding: 0 1;
        }
    }
    """

    def compose(self) -> ComposeResult:
        """The keys table and the marks legend."""
        keys = Table.grid(padding=(0, 2))
        keys.add_column(style="bold", no_wrap=True)
        keys.add_column(no_wrap=True)
        keys.add_column()
        group = ""
        for row_group, key, text in help_rows():
            keys.add_row(row_group if row_group != group else "", key, text)
            group = row_group
        marks = Table.grid(padding=(0, 2))
        marks.add_column(style="bold", no_wrap=True)
        marks.add_column()
        for _, glyph, meaning in MARKS:
            marks.add_row(glyph, meaning)
        with VerticalScroll():
            yield Static(Text("Keys (escape closes)", style="bold"))
            yield Static(keys)
            yield Static(Text("\nStatus column", style="bold"))
            yield Static(marks)

    def action_close(self) -> None:
        """Close the help."""
        self.dismiss(None)
