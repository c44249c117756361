"""The selected example, turn by turn: role, plain text, tokens, weight and issues.

Dataset text is always drawn as `rich.text.Text` after `ftui.tui.plain.clean`,
never as markup, so `[bold]` stays literal and escape codes become visible symbols.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Static

from ftui.core.example_edits import messages_of
from ftui.core.jsonl import Record
from ftui.tui.plain import clean, plain

__all__ = ["BODY_LIMIT", "ExampleDetail", "TurnView", "render_content"]

BODY_LIMIT = 20_000
"""Characters of one turn drawn in the pane; longer text is cut (edit shows all)."""


def _size(text: str) -> str:
    kb = len(text) * 3 / 4 / 1024  # base64 → bytes
    return f"{kb:.0f} KB" if kb >= 1 else f"{len(text)} chars"


def _part_text(part: Any) -> str:
    if not isinstance(part, dict):
        return f"[part: {json.dumps(part, ensure_ascii=False)[:200]}]"
    kind = part.get("type")
    if kind == "text" or (kind is None and isinstance(part.get("text"), str)):
        return str(part.get("text", ""))
    if kind == "image_url":
        image = part.get("image_url")
        url = image.get("url", "") if isinstance(image, dict) else str(image)
        detail = image.get("detail") if isinstance(image, dict) else None
        if isinstance(url, str) and url.startswith("data:"):
            header = url.split(",", 1)[0]
            shown = f"{header} ({_size(url)})"
        else:
            shown = str(url)
        return f"[image: {shown}{f', detail={detail}' if detail else ''}]"
    if kind == "input_audio":
        audio = part.get("input_audio")
        audio_format = audio.get("format", "?") if isinstance(audio, dict) else "?"
        data = audio.get("data", "") if isinstance(audio, dict) else ""
        return f"[audio: {audio_format}, {_size(str(data))}]"
    if kind == "file":
        file = part.get("file")
        name = (
            file.get("filename") or file.get("file_id")
            if isinstance(file, dict)
            else None
        )
        return f"[file: {name or '?'}]"
    return f"[{kind} part: {json.dumps(part, ensure_ascii=False)[:200]}]"


def render_content(message: dict[str, Any]) -> str:
    """A turn's content as readable plain text (parts, tool calls, refusals).

    Args:
        message: One message object.

    Returns:
        The text to show (not yet cleaned of control characters).
    """
    pieces: list[str] = []
    content = message.get("content")
    if isinstance(content, str):
        pieces.append(content)
    elif isinstance(content, list):
        pieces.extend(_part_text(part) for part in content)
    elif content is not None:
        pieces.append(json.dumps(content, ensure_ascii=False))
    if isinstance(message.get("refusal"), str):
        pieces.append(f"refusal: {message['refusal']}")
    calls = message.get("tool_calls")
    if isinstance(calls, list):
        for call in calls:
            function = call.get("function", {}) if isinstance(call, dict) else {}
            name = function.get("name", "?") if isinstance(function, dict) else "?"
            arguments = (
                function.get("arguments", "") if isinstance(function, dict) else ""
            )
            try:
                arguments = json.dumps(
                    json.loads(arguments), ensure_ascii=False, indent=2
                )
            except (TypeError, ValueError):
                arguments = str(arguments)
            call_id = call.get("id", "") if isinstance(call, dict) else ""
            pieces.append(f"→ tool call {name} {call_id}\n{arguments}".rstrip())
    legacy = message.get("function_call")
    if isinstance(legacy, dict):
        pieces.append(
            f"→ function call {legacy.get('name', '?')}\n{legacy.get('arguments', '')}"
        )
    if message.get("tool_call_id"):
        pieces.insert(0, f"(result of {message['tool_call_id']})")
    return "\n".join(pieces) if pieces else "(no content)"


class TurnView(Vertical):
    """One turn: a header line, its issues and its text."""

    DEFAULT_CSS = """
    TurnView {
        height: auto;
        padding: 0 1;
        border-left: blank;
        & > .turn-header { color: $text-muted; }
        & > .turn-issues { color: $warning; }
        & > .turn-issues.-error { color: $error; }
        & > .turn-body { color: $foreground; }
        &.-role-assistant > .turn-header { color: $success; }
        &.-role-user > .turn-header { color: $primary; }
        &.-role-system > .turn-header { color: $secondary; }
        &.-role-developer > .turn-header { color: $secondary; }
        &.-role-tool > .turn-header { color: $accent; }
        &.-role-unknown > .turn-header { color: $error; }
        &.-untrained > .turn-body { color: $text-muted; }
        &.-untrained > .turn-header { text-style: italic; }
        &.-selected { border-left: thick $accent; background: $boost; }
        &.-extra > .turn-header { color: $accent; }
    }
    """

    @dataclass
    class Clicked(Message):
        """A turn was clicked (the pane selects it)."""

        turn: TurnView

    def __init__(
        self, index: int, header: Text, issues: Text | None, error: bool, body: Text
    ) -> None:
        super().__init__()
        self.index = index
        """Index of the turn in the example's message list; -1 for extra sections."""
        self._content = (header, issues, error, body)

    def compose(self) -> ComposeResult:
        """Header, issues, body."""
        header, issues, error, body = self._content
        yield Static(header, classes="turn-header")
        issue_view = Static(issues or "", classes="turn-issues")
        issue_view.display = issues is not None
        issue_view.set_class(error, "-error")
        yield issue_view
        yield Static(body, classes="turn-body")

    def set_content(
        self, header: Text, issues: Text | None, error: bool, body: Text
    ) -> None:
        """Update the three parts in place."""
        self._content = (header, issues, error, body)
        if not self.is_mounted or not self.children:
            return
        self.query_one(".turn-header", Static).update(header)
        issue_view = self.query_one(".turn-issues", Static)
        issue_view.display = issues is not None
        issue_view.set_class(error, "-error")
        issue_view.update(issues or "")
        self.query_one(".turn-body", Static).update(body)

    def on_click(self, event: events.Click) -> None:
        """Let the pane select this turn."""
        self.post_message(self.Clicked(self))


_ROLES = ("system", "developer", "user", "assistant", "tool", "function")


class ExampleDetail(VerticalScroll, can_focus=True):
    """The selected example, one block per turn, with a turn cursor.

    | Key | Action |
    |---|---|
    | up / k, down / j | previous / next turn |
    | pageup, pagedown | scroll |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "previous_turn", "Previous turn", show=False),
        Binding("down,j", "next_turn", "Next turn", show=False),
    ]

    DEFAULT_CSS = """
    ExampleDetail {
        background: $surface;
        & > .detail-title { color: $text-muted; padding: 0 1; }
        & > .detail-error { color: $error; padding: 0 1; }
        & > .detail-raw { padding: 0 1; }
    }
    """

    @dataclass
    class TurnSelected(Message):
        """The turn cursor moved."""

        detail: ExampleDetail
        index: int

        @property
        def control(self) -> ExampleDetail:
            """The pane that sent it."""
            return self.detail

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.row_id: int | None = None
        """The example shown."""
        self.selected_turn = 0
        """Index of the selected turn in the message list."""
        self.turn_total = 0
        self._roles: list[str] = []

    def compose(self) -> ComposeResult:
        """Title, error and raw line slots; turns are mounted by `show`."""
        yield Static(classes="detail-title")
        yield Static(classes="detail-error")
        yield Static(classes="detail-raw")

    def role_of(self, index: int) -> str | None:
        """Role of turn `index` of the shown example."""
        if 0 <= index < len(self._roles):
            return self._roles[index]
        return None

    def show(
        self,
        row_id: int | None,
        record: Record | None,
        *,
        per_message: Sequence[int] | None = None,
        issues: Sequence[Any] = (),
        title: str = "",
        selected: int | None = None,
    ) -> None:
        """Draw an example.

        Args:
            row_id: Its id (kept so the screen knows what is shown).
            record: The line, or `None` to clear the pane.
            per_message: Token count of each turn, when counted.
            issues: Validation issues of this row (`Issue` objects).
            title: One line above the turns (line number, counts).
            selected: Turn to select; by default the current one is kept.
        """
        same_row = row_id == self.row_id
        self.row_id = row_id
        title_view = self.query_one(".detail-title", Static)
        error_view = self.query_one(".detail-error", Static)
        raw_view = self.query_one(".detail-raw", Static)
        title_view.update(Text(title))
        turns: list[tuple[Text, Text | None, bool, Text, list[str]]] = []
        data = record.data if record is not None else None
        messages = messages_of(data) or []
        self._roles = []
        line_issues = [i for i in issues if getattr(i, "message_index", None) is None]
        error_lines = []
        if record is not None and record.error is not None:
            if not any(i.code == record.error.code for i in line_issues):
                error_lines.append(f"{record.error.code}: {record.error.message}")
            error_lines.append("press e to edit the raw line until it parses")
        for issue in line_issues:
            error_lines.append(f"{issue.severity}: {issue.message} [{issue.code}]")
        error_view.update(Text(clean("\n".join(error_lines))))
        error_view.display = bool(error_lines)
        show_raw = record is not None and (
            record.data is None or (not messages and record.data is not None)
        )
        raw_view.display = show_raw
        if show_raw and record is not None:
            raw_text = (
                record.text()
                if record.data is None
                else json.dumps(record.data, ensure_ascii=False, indent=2)
            )
            raw_view.update(plain(raw_text[:BODY_LIMIT]))
        for index, message in enumerate(messages):
            turns.append(self._turn(index, message, per_message, issues))
        if isinstance(data, dict) and "input" in data:
            for key in ("preferred_output", "non_preferred_output"):
                outputs = data.get(key)
                if isinstance(outputs, list):
                    for message in outputs:
                        if isinstance(message, dict):
                            header = Text(key.replace("_", " "))
                            body = plain(render_content(message)[:BODY_LIMIT])
                            turns.append((header, None, False, body, ["-extra"]))
        self.turn_total = len(messages)
        self._sync_turns(turns)
        if selected is not None:
            self.selected_turn = selected
        elif not same_row:
            self.selected_turn = 0
        self.select_turn(
            self.selected_turn, scroll=not same_row or selected is not None
        )
        if not same_row and selected is None:
            self.scroll_home(animate=False, immediate=True)

    def _turn(
        self,
        index: int,
        message: Any,
        per_message: Sequence[int] | None,
        issues: Sequence[Any],
    ) -> tuple[Text, Text | None, bool, Text, list[str]]:
        if not isinstance(message, dict):
            self._roles.append("?")
            body = plain(json.dumps(message, ensure_ascii=False)[:BODY_LIMIT])
            return (
                Text(f"{index + 1} (not an object)"),
                None,
                False,
                body,
                ["-role-unknown"],
            )
        role = message.get("role")
        role_text = role if isinstance(role, str) else json.dumps(role)
        self._roles.append(role_text)
        parts = [f"{index + 1} {clean(role_text)}"]
        if message.get("name"):
            parts.append(f"({clean(str(message['name']))})")
        if per_message is not None and index < len(per_message):
            parts.append(f"· {per_message[index]:,} tok")
        untrained = False
        if role == "assistant":
            weight = message.get("weight")
            untrained = weight == 0
            parts.append("· weight 0: not trained" if untrained else "· trained")
        classes = [f"-role-{role_text}" if role_text in _ROLES else "-role-unknown"]
        if untrained:
            classes.append("-untrained")
        mine = [i for i in issues if getattr(i, "message_index", None) == index]
        issue_text = None
        error = False
        if mine:
            issue_text = Text(
                clean("\n".join(f"{i.severity}: {i.message} [{i.code}]" for i in mine))
            )
            error = any(str(i.severity) == "error" for i in mine)
        text = render_content(message)
        if len(text) > BODY_LIMIT:
            text = (
                text[:BODY_LIMIT]
                + f"\n… {len(text) - BODY_LIMIT:,} more characters (e edits all of it)"
            )
        return Text(" ".join(parts)), issue_text, error, plain(text), classes

    def _sync_turns(
        self, turns: list[tuple[Text, Text | None, bool, Text, list[str]]]
    ) -> None:
        views = list(self.query(TurnView))
        if len(views) > len(turns):
            for view in views[len(turns) :]:
                view.remove()
            views = views[: len(turns)]
        for position, (view, turn) in enumerate(zip(views, turns, strict=False)):
            header, issues, error, body, classes = turn
            view.index = position if "-extra" not in classes else -1
            view.set_classes(classes)
            view.set_content(header, issues, error, body)
        new = []
        for position in range(len(views), len(turns)):
            header, issues, error, body, classes = turns[position]
            view = TurnView(
                position if "-extra" not in classes else -1, header, issues, error, body
            )
            view.set_classes(classes)
            new.append(view)
        if new:
            self.mount_all(new)

    def select_turn(self, index: int, *, scroll: bool = True) -> None:
        """Move the turn cursor (clamped) and scroll the turn into view."""
        index = max(0, min(index, self.turn_total - 1)) if self.turn_total else 0
        self.selected_turn = index
        target: TurnView | None = None
        for view in self.query(TurnView):
            selected = view.index == index and self.turn_total > 0
            view.set_class(selected, "-selected")
            if selected:
                target = view
        if target is not None and scroll:
            self.call_after_refresh(self.scroll_to_widget, target, animate=False)
        self.post_message(self.TurnSelected(self, index))

    def action_previous_turn(self) -> None:
        """Select the previous turn."""
        self.select_turn(self.selected_turn - 1)

    def action_next_turn(self) -> None:
        """Select the next turn."""
        self.select_turn(self.selected_turn + 1)

    def on_turn_view_clicked(self, event: TurnView.Clicked) -> None:
        """Select a clicked turn."""
        if event.turn.index >= 0:
            self.select_turn(event.turn.index)
