"""Modal dialogs: confirm, text prompt, choice list, turn editor, raw line repair."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import (
    Button,
    Input,
    Label,
    LoadingIndicator,
    OptionList,
    Static,
    TextArea,
)
from textual.widgets.option_list import Option

from ftui.core.jsonl import parse_line
from ftui.tui.plain import clean

__all__ = [
    "BusyDialog",
    "ChoiceDialog",
    "ConfirmDialog",
    "EditTurnDialog",
    "RawLineDialog",
    "TextPromptDialog",
]

_DIALOG_CSS = """
{name} {{
    align: center middle;
    background: $background 60%;
    & > Vertical {{
        width: 76%;
        max-width: 110;
        min-width: 40;
        height: auto;
        max-height: 90%;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }}
    & .dialog-title {{ text-style: bold; color: $primary; width: 1fr; }}
    & .dialog-message {{ width: 1fr; margin: 1 0; }}
    & .dialog-hint {{ color: $text-muted; width: 1fr; }}
    & .dialog-error {{ color: $error; width: 1fr; }}
    & .dialog-ok {{ color: $success; width: 1fr; }}
    & Horizontal {{ height: auto; align-horizontal: right; }}
    & Button {{ margin-left: 1; min-width: 10; }}
}}
"""


class BusyDialog(ModalScreen[None]):
    """Blocks input while something that must not overlap with edits runs."""

    DEFAULT_CSS = (
        _DIALOG_CSS.format(name="BusyDialog")
        + """
    BusyDialog LoadingIndicator { height: 1; }
    """
    )

    def __init__(self, message: str) -> None:
        super().__init__()
        self._message = message

    def compose(self) -> ComposeResult:
        """The message and a spinner."""
        with Vertical():
            yield Label(self._message, classes="dialog-title")
            yield LoadingIndicator()


class ConfirmDialog(ModalScreen[bool]):
    """Ask a yes/no question; returns True for yes.

    | Key | Action |
    |---|---|
    | y / enter | yes |
    | n / escape | no |
    """

    DEFAULT_CSS = _DIALOG_CSS.format(name="ConfirmDialog")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(
        self, message: str, *, title: str = "Confirm", yes: str = "Yes", no: str = "No"
    ) -> None:
        super().__init__()
        self._message = message
        self._title = title
        self._yes = yes
        self._no = no

    def compose(self) -> ComposeResult:
        """Title, message and two buttons."""
        with Vertical():
            yield Label(self._title, classes="dialog-title")
            yield Static(Text(self._message), classes="dialog-message")
            with Horizontal():
                yield Button(f"{self._yes} (y)", variant="primary", id="yes")
                yield Button(f"{self._no} (n)", id="no")

    def on_mount(self) -> None:
        """Enter answers yes."""
        self.query_one("#yes", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        """Close with an answer."""
        self.dismiss(answer)


class TextPromptDialog(ModalScreen[str | None]):
    """Ask for one line of text; returns it, or None when cancelled.

    An optional `check` returns an error message for values it refuses.
    """

    DEFAULT_CSS = _DIALOG_CSS.format(name="TextPromptDialog")
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        title: str,
        *,
        value: str = "",
        placeholder: str = "",
        hint: str = "",
        check: Callable[[str], str | None] | None = None,
    ) -> None:
        super().__init__()
        self._title = title
        self._value = value
        self._placeholder = placeholder
        self._hint = hint
        self._check = check

    def compose(self) -> ComposeResult:
        """Title, input, hint and error line."""
        with Vertical():
            yield Label(self._title, classes="dialog-title")
            yield Input(self._value, placeholder=self._placeholder, id="prompt-input")
            yield Static(
                Text(self._hint or "enter accepts · escape cancels"),
                classes="dialog-hint",
            )
            yield Static("", classes="dialog-error")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        value = event.value
        if self._check is not None:
            problem = self._check(value)
            if problem:
                self.query_one(".dialog-error", Static).update(Text(problem))
                return
        self.dismiss(value)

    def action_cancel(self) -> None:
        """Close without a value."""
        self.dismiss(None)


class ChoiceDialog(ModalScreen[str | None]):
    """Pick one of several options; returns its id, or None when cancelled."""

    DEFAULT_CSS = (
        _DIALOG_CSS.format(name="ChoiceDialog")
        + """
    ChoiceDialog OptionList { height: auto; max-height: 20; border: none; }
    """
    )
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        title: str,
        options: Sequence[tuple[str, str]],
        *,
        current: str | None = None,
        hint: str = "",
    ) -> None:
        """Args: options are (id, label) pairs; `current` is highlighted first."""
        super().__init__()
        self._title = title
        self._options = list(options)
        self._current = current
        self._hint = hint

    def compose(self) -> ComposeResult:
        """Title and the option list."""
        with Vertical():
            yield Label(self._title, classes="dialog-title")
            yield OptionList(
                *[Option(Text(label), id=key) for key, label in self._options]
            )
            yield Static(
                Text(self._hint or "enter picks · escape cancels"),
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        """Highlight the current choice."""
        option_list = self.query_one(OptionList)
        option_list.focus()
        keys = [key for key, _ in self._options]
        if self._current in keys:
            option_list.highlighted = keys.index(self._current)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        """Close without a choice."""
        self.dismiss(None)


class EditTurnDialog(ModalScreen[str | None]):
    """Edit a turn's text in a multi-line editor; returns the text or None.

    | Key | Action |
    |---|---|
    | ctrl+s | keep the text |
    | escape | discard |
    """

    DEFAULT_CSS = (
        _DIALOG_CSS.format(name="EditTurnDialog")
        + """
    EditTurnDialog > Vertical { height: 90%; max-width: 140; }
    EditTurnDialog TextArea { height: 1fr; }
    """
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "accept", "Keep", priority=True),
        # priority: the TextArea would otherwise take escape to move focus to
        # the buttons, so "escape discards" needed a second press
        Binding("escape", "cancel", "Discard", priority=True),
        # TextArea has no select-to-start/end of the text: without them, cutting
        # a pasted 1,000-line log out of a turn took a keypress per line
        Binding("ctrl+shift+end,shift+ctrl+end", "select_to('end')", "Select to end"),
        Binding("ctrl+shift+home", "select_to('start')", "Select to start"),
    ]

    def __init__(
        self,
        text: str,
        *,
        title: str = "Edit turn",
        language: str | None = None,
        check: Callable[[str], str | None] | None = None,
    ) -> None:
        """Args: `check` returns an error for text it refuses (e.g. invalid JSON)."""
        super().__init__()
        self._text = text
        self._title = title
        self._language = language
        self._check = check

    def compose(self) -> ComposeResult:
        """Title, editor, status line and buttons."""
        with Vertical():
            yield Label(self._title, classes="dialog-title")
            yield TextArea(
                self._text,
                language=self._language,
                soft_wrap=True,
                show_line_numbers=False,
                tab_behavior="indent",
                id="editor",
            )
            yield Static("", classes="dialog-error", id="status")
            with Horizontal():
                yield Button("Keep (ctrl+s)", variant="primary", id="keep")
                yield Button("Discard (esc)", id="discard")

    def on_mount(self) -> None:
        """Focus the editor and check the initial text."""
        self.query_one(TextArea).focus()
        self._update_status()

    @on(TextArea.Changed)
    def _changed(self) -> None:
        self._update_status()

    def _problem(self) -> str | None:
        if self._check is None:
            return None
        return self._check(self.query_one(TextArea).text)

    def _update_status(self) -> None:
        status = self.query_one("#status", Static)
        problem = self._problem()
        status.set_class(problem is None, "dialog-ok")
        status.set_class(problem is not None, "dialog-error")
        if self._check is None:
            status.update(
                Text(
                    "ctrl+s keeps the text · escape discards it · "
                    "ctrl+shift+end / home selects to the end / start"
                )
            )
        else:
            status.update(Text(clean(problem) if problem else "valid: ctrl+s keeps it"))

    def action_select_to(self, where: str) -> None:
        """Extend the selection to the start or the end of the text."""
        editor = self.query_one(TextArea)
        target = editor.document.end if where == "end" else (0, 0)
        editor.move_cursor(target, select=True)

    @on(Button.Pressed, "#keep")
    def action_accept(self) -> None:
        """Keep the text, unless the check refuses it."""
        if self._problem() is not None:
            self.notify("fix the problem shown first", severity="warning")
            return
        self.dismiss(self.query_one(TextArea).text)

    @on(Button.Pressed, "#discard")
    def _discard(self) -> None:
        self.dismiss(None)

    def action_cancel(self) -> None:
        """Close without changes; asks first when text was typed (escape is reflex)."""
        if self.query_one(TextArea).text == self._text:
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(
            ConfirmDialog(
                "Throw away what you typed in this editor?",
                title="Discard changes",
                yes="Discard",
                no="Keep editing",
            ),
            answered,
        )


def raw_line_problem(text: str) -> str | None:
    """Why `text` is not yet a valid JSONL line (None when it parses to an object)."""
    raw = text.replace("\r", "").replace("\n", " ").encode("utf-8")
    record = parse_line(raw)
    if record.error is not None:
        return str(record.error.message)
    if record.data is None:
        return "the line is empty"
    return None


class RawLineDialog(EditTurnDialog):
    """Edit one line as raw JSON; it can only be kept once it parses to an object."""

    DEFAULT_CSS = (
        _DIALOG_CSS.format(name="RawLineDialog")
        + """
    RawLineDialog > Vertical { height: 90%; max-width: 140; }
    RawLineDialog TextArea { height: 1fr; }
    """
    )

    def __init__(self, text: str, *, title: str = "Repair line (raw JSON)") -> None:
        super().__init__(text, title=title, language=None, check=raw_line_problem)

    def on_mount(self) -> None:
        """Start at the end: a cut-off line is usually fixed there."""
        super().on_mount()
        editor = self.query_one(TextArea)
        editor.move_cursor(editor.document.end)
