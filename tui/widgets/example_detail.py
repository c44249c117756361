"""The selected example, turn by turn: role, plain text, tokens, weight and issues.

Drawn with the Line API (like the table): the example is wrapped once into
lines and only visible lines are painted, so moving through examples costs no
layout pass and a huge turn costs no widgets. Dataset text is always a
`rich.text.Text` cleaned by `ftui.tui.plain.clean`, never markup, so `[bold]`
stays literal and escape codes become visible symbols.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ftui.core.example_edits import messages_of
from ftui.core.jsonl import Record
from ftui.tui.plain import clean, plain

__all__ = ["BODY_LIMIT", "ExampleDetail", "render_content"]

BODY_LIMIT = 60_000
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


_ROLES = ("system", "developer", "user", "assistant", "tool", "function")


@dataclass
class _Block:
    """One part of the pane: a title, a turn, or an extra section."""

    turn: int
    """Index of the turn; -1 for the title and extra sections."""
    header: Text
    issues: Text | None
    body: Text
    role_class: str
    untrained: bool = False
    error: bool = False


class ExampleDetail(ScrollView, can_focus=True):
    """The selected example, one block per turn, with a turn cursor.

    | Key | Action |
    |---|---|
    | up / k, down / j | previous / next turn |
    | pageup, pagedown, home, end | scroll |
    | click | select a turn |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "previous_turn", "Previous turn", show=False),
        Binding("down,j", "next_turn", "Next turn", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "example-detail--title",
        "example-detail--error",
        "example-detail--warning",
        "example-detail--cursor",
        "example-detail--untrained",
        "example-detail--role-system",
        "example-detail--role-user",
        "example-detail--role-assistant",
        "example-detail--role-tool",
        "example-detail--role-unknown",
        "example-detail--role-extra",
    }

    DEFAULT_CSS = """
    ExampleDetail {
        background: $surface;
        overflow-x: hidden;
        & > .example-detail--title { color: $text-muted; }
        & > .example-detail--error { color: $error; }
        & > .example-detail--warning { color: $warning; }
        & > .example-detail--cursor { color: $accent; background: $boost; }
        & > .example-detail--untrained { color: $text-muted; }
        & > .example-detail--role-system { color: $secondary; text-style: bold; }
        & > .example-detail--role-user { color: $primary; text-style: bold; }
        & > .example-detail--role-assistant { color: $success; text-style: bold; }
        & > .example-detail--role-tool { color: $accent; text-style: bold; }
        & > .example-detail--role-unknown { color: $error; text-style: bold; }
        & > .example-detail--role-extra { color: $accent; text-style: bold; }
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
        self._blocks: list[_Block] = []
        self._lines: list[tuple[int, Strip]] = []
        """(turn index or -1, wrapped line) for the current width."""
        self._starts: dict[int, int] = {}
        self._wrapped_width = -1
        self._scroll_pending = False

    # ------------------------------------------------------------------ content
    def role_of(self, index: int) -> str | None:
        """Role of turn `index` of the shown example."""
        if 0 <= index < len(self._roles):
            return self._roles[index]
        return None

    @property
    def text(self) -> str:
        """Everything the pane shows, as plain text (tests, copy)."""
        return "\n".join(strip.text for _, strip in self._lines)

    def turn_text(self, index: int) -> str:
        """The shown body of turn `index` as plain text."""
        for block in self._blocks:
            if block.turn == index:
                return block.body.plain
        raise IndexError(index)

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
        data = record.data if record is not None else None
        messages = messages_of(data) or []
        self._roles = []
        blocks: list[_Block] = []
        line_issues = [i for i in issues if getattr(i, "message_index", None) is None]
        notes: list[str] = []
        error = False
        if record is not None and record.error is not None:
            if not any(i.code == record.error.code for i in line_issues):
                notes.append(f"{record.error.code}: {record.error.message}")
            notes.append("press e to edit the raw line until it parses")
            error = True
        for issue in line_issues:
            notes.append(f"{issue.severity}: {issue.message} [{issue.code}]")
            error = error or str(issue.severity) == "error"
        raw = Text("")
        if record is not None and (record.data is None or not messages):
            raw_text = (
                record.text()
                if record.data is None
                else json.dumps(record.data, ensure_ascii=False, indent=2)
            )
            raw = plain(raw_text[:BODY_LIMIT])
        blocks.append(
            _Block(
                -1,
                Text(clean(title)),
                Text(clean("\n".join(notes))) if notes else None,
                raw,
                "title",
                error=error,
            )
        )
        for index, message in enumerate(messages):
            blocks.append(self._turn(index, message, per_message, issues))
        if isinstance(data, dict) and "input" in data:
            for key in ("preferred_output", "non_preferred_output"):
                outputs = data.get(key)
                if isinstance(outputs, list):
                    for message in outputs:
                        if isinstance(message, dict):
                            body = plain(render_content(message)[:BODY_LIMIT])
                            label = Text(key.replace("_", " "))
                            blocks.append(_Block(-1, label, None, body, "extra"))
        self._blocks = blocks
        self.turn_total = len(messages)
        self._wrapped_width = -1
        self._wrap()
        if selected is not None:
            self.selected_turn = selected
        elif not same_row:
            self.selected_turn = 0
        if not same_row and selected is None:
            self.scroll_to(y=0, animate=False, immediate=True)
        self.select_turn(
            self.selected_turn, scroll=not same_row or selected is not None
        )
        self.refresh()

    def _turn(
        self,
        index: int,
        message: Any,
        per_message: Sequence[int] | None,
        issues: Sequence[Any],
    ) -> _Block:
        if not isinstance(message, dict):
            self._roles.append("?")
            body = plain(json.dumps(message, ensure_ascii=False)[:BODY_LIMIT])
            return _Block(
                index, Text(f"{index + 1} (not an object)"), None, body, "unknown"
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
            untrained = message.get("weight") == 0
            parts.append("· weight 0: not trained" if untrained else "· trained")
        if role_text in ("system", "developer"):
            role_class = "system"
        elif role_text in ("tool", "function"):
            role_class = "tool"
        elif role_text in _ROLES:
            role_class = role_text
        else:
            role_class = "unknown"
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
            more = len(text) - BODY_LIMIT
            text = text[:BODY_LIMIT] + f"\n… {more:,} more characters (e edits all)"
        return _Block(
            index,
            Text(" ".join(parts)),
            issue_text,
            plain(text),
            role_class,
            untrained=untrained,
            error=error,
        )

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"example-detail--{name}", partial=True)

    def _wrap(self) -> None:
        """Wrap every block to the pane's width (two columns go to the turn cursor).

        A hidden pane (narrow layout with a side panel open) has no width: it
        wraps when it is shown again, then scrolls to the selected turn.
        """
        if self.scrollable_content_region.width <= 2 or not self.display:
            self._wrapped_width = -1
            self._scroll_pending = True
            return
        width = max(10, self.scrollable_content_region.width - 2)
        if width == self._wrapped_width:
            return
        self._wrapped_width = width
        console = self.app.console
        lines: list[tuple[int, Strip]] = []
        starts: dict[int, int] = {}
        base = self.rich_style
        for block in self._blocks:
            starts.setdefault(block.turn, len(lines))
            header_style = (
                self._style("title")
                if block.role_class == "title"
                else self._style(f"role-{block.role_class}")
            )
            pieces: list[tuple[Text, Style | None]] = [(block.header, header_style)]
            if block.issues is not None:
                pieces.append(
                    (block.issues, self._style("error" if block.error else "warning"))
                )
            if block.body.plain:
                body_style = self._style("untrained") if block.untrained else None
                pieces.append((block.body, body_style))
            for text, style in pieces:
                if style is not None:
                    text = text.copy()
                    text.stylize(style)
                for line in text.wrap(console, width, overflow="fold"):
                    segments = list(line.render(console))
                    strip = Strip(segments).apply_style(base)
                    lines.append((block.turn, strip.adjust_cell_length(width, base)))
            if block.role_class != "title" or block.body.plain or block.issues:
                lines.append((-1, Strip.blank(width, base)))
        self._lines = lines
        self._starts = starts
        self.virtual_size = Size(width + 2, len(lines))

    def notify_style_update(self) -> None:
        """Styles changed (theme switch): wrap again with the new colours."""
        super().notify_style_update()
        if self._wrapped_width > 0:
            self._wrapped_width = -1
            self._wrap()

    def on_resize(self, event: events.Resize) -> None:
        """Re-wrap to the new width (and finish a scroll asked for while hidden)."""
        self._wrap()
        if self._scroll_pending and self._wrapped_width > 0:
            self._scroll_pending = False
            # after the layout pass, which would clamp an earlier scroll
            self.call_after_refresh(self.select_turn, self.selected_turn)
        self.refresh()

    def render_line(self, y: int) -> Strip:
        """One wrapped line, with the turn cursor bar on the selected turn."""
        index = int(self.scroll_y) + y
        width = self.scrollable_content_region.width
        base = self.rich_style
        if index >= len(self._lines):
            return Strip.blank(width, base)
        turn, strip = self._lines[index]
        selected = turn >= 0 and turn == self.selected_turn and self.turn_total > 0
        if selected:
            gutter = Strip([Segment("▌ ", base + self._style("cursor"))])
        else:
            gutter = Strip.blank(2, base)
        return Strip.join([gutter, strip]).adjust_cell_length(width, base)

    # ------------------------------------------------------------------ turn cursor
    def select_turn(self, index: int, *, scroll: bool = True) -> None:
        """Move the turn cursor (clamped) and scroll the turn into view."""
        index = max(0, min(index, self.turn_total - 1)) if self.turn_total else 0
        self.selected_turn = index
        if scroll and self.turn_total and self._wrapped_width < 0:
            self._scroll_pending = True  # hidden: scroll once it is shown
        elif scroll and self.turn_total:
            start = self._starts.get(index, 0)
            end = self._starts.get(index + 1, len(self._lines))
            top, height = int(self.scroll_y), self.scrollable_content_region.height
            if start < top or start >= top + height:
                self.scroll_to(y=start, animate=False, immediate=True)
            elif end > top + height and end - start <= height:
                self.scroll_to(y=end - height, animate=False, immediate=True)
        self.refresh()
        self.post_message(self.TurnSelected(self, index))

    def action_previous_turn(self) -> None:
        """Select the previous turn."""
        self.select_turn(self.selected_turn - 1)

    def action_next_turn(self) -> None:
        """Select the next turn."""
        self.select_turn(self.selected_turn + 1)

    def on_click(self, event: events.Click) -> None:
        """Select the clicked turn."""
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = int(self.scroll_y) + offset.y
        if 0 <= index < len(self._lines):
            turn = self._lines[index][0]
            if turn >= 0:
                self.select_turn(turn, scroll=False)
