"""Side-by-side view of two duplicate-cluster members, word diff, keep/drop."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ftui.core.example_edits import content_text
from ftui.tui.plain import clean

if TYPE_CHECKING:
    from ftui.core.dataset import Dataset
    from ftui.core.jsonl import Record

__all__ = [
    "CompareScreen",
    "diff_texts",
    "example_blocks",
    "example_document",
    "fold_identical",
]

_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")
# difflib is quadratic in the worst case: past this many tokens a side, show
# the texts without highlighting rather than freeze the UI.
_MAX_DIFF_TOKENS = 20_000


def _part_text(part: Any) -> str:
    if not isinstance(part, dict):
        return json.dumps(part, ensure_ascii=False)
    kind = part.get("type")
    if isinstance(part.get("text"), str):
        return str(part["text"])
    if kind == "image_url":
        image = part.get("image_url")
        url = image.get("url") if isinstance(image, dict) else image
        url = str(url)
        if url.startswith("data:"):
            url = url[:40] + f"… ({len(url)} chars)"
        return f"[image: {url}]"
    return json.dumps(part, ensure_ascii=False)


def _message_block(index: int, message: Any) -> str:
    if not isinstance(message, dict):
        return f"── {index + 1} (not an object) ──\n{json.dumps(message)}"
    role = message.get("role", "?")
    head = f"── {index + 1} {role}"
    if message.get("weight") == 0:
        head += " · weight 0"
    if message.get("name"):
        head += f" · {message['name']}"
    lines = [head + " ──"]
    content = message.get("content")
    if isinstance(content, list):
        lines.extend(_part_text(part) for part in content)
    elif content is not None:
        lines.append(content_text(content) or json.dumps(content, ensure_ascii=False))
    for call in message.get("tool_calls") or []:
        function = call.get("function", {}) if isinstance(call, dict) else {}
        name = function.get("name", "?") if isinstance(function, dict) else "?"
        arguments = function.get("arguments", "") if isinstance(function, dict) else ""
        lines.append(f"→ {name}({arguments})")
    return "\n".join(lines)


def example_blocks(record: Record) -> list[str]:
    """The example as plain-text blocks, one per turn (what the diff compares).

    Args:
        record: A dataset line.

    Returns:
        Chat turns as `── N role ──` blocks; preference rows as input turns and
        both outputs; other objects as one block of indented JSON; invalid
        lines as one block of their text.
    """
    data = record.data
    if data is None:
        return [record.text()]
    messages = data.get("messages")
    if isinstance(messages, list):
        return [_message_block(i, m) for i, m in enumerate(messages)]
    if "input" in data:
        given = data.get("input", {})
        turns = given.get("messages", []) if isinstance(given, dict) else []
        blocks = [_message_block(i, m) for i, m in enumerate(turns)]
        for key in ("preferred_output", "non_preferred_output"):
            outputs = data.get(key) or []
            texts = [
                content_text(m.get("content")) if isinstance(m, dict) else str(m)
                for m in (outputs if isinstance(outputs, list) else [outputs])
            ]
            blocks.append(f"── {key} ──\n" + "\n".join(texts))
        return blocks
    return [json.dumps(data, ensure_ascii=False, indent=2)]


def example_document(record: Record) -> str:
    """The whole example as plain text: its `example_blocks` joined by blank lines."""
    return "\n\n".join(example_blocks(record))


def fold_identical(
    left: list[str], right: list[str], *, min_chars: int = 160
) -> tuple[str, str]:
    """Join two block lists, collapsing long blocks that are the same on both sides.

    A long system prompt shared by both members would otherwise push the
    differences off screen; a folded block keeps its header line.

    Args:
        left: Blocks of one example.
        right: Blocks of the other.

    Returns:
        The two documents.
    """
    out_left, out_right = [], []
    for index in range(max(len(left), len(right))):
        a = left[index] if index < len(left) else None
        b = right[index] if index < len(right) else None
        if a is not None and a == b and "\n" in a:
            header, body = a.split("\n", 1)
            if len(body) >= min_chars:
                a = b = f"{header}\n(same on both sides: {len(body):,} characters)"
        if a is not None:
            out_left.append(a)
        if b is not None:
            out_right.append(b)
    return "\n\n".join(out_left), "\n\n".join(out_right)


def diff_texts(
    left: str, right: str
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Word-level differences between two texts, as character spans.

    Args:
        left: One text.
        right: The other.

    Returns:
        Spans `(start, end)` of `left` not in `right`, and of `right` not in
        `left` (whitespace-only changes are ignored). Both empty when the
        texts are too long to compare quickly.
    """
    a, b = _TOKEN.findall(left), _TOKEN.findall(right)
    if max(len(a), len(b)) > _MAX_DIFF_TOKENS:
        return [], []
    starts_a, starts_b = _offsets(a), _offsets(b)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    left_spans: list[tuple[int, int]] = []
    right_spans: list[tuple[int, int]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if i2 > i1 and "".join(a[i1:i2]).strip():
            left_spans.append((starts_a[i1], starts_a[i2]))
        if j2 > j1 and "".join(b[j1:j2]).strip():
            right_spans.append((starts_b[j1], starts_b[j2]))
    return left_spans, right_spans


def _offsets(tokens: list[str]) -> list[int]:
    offsets = [0]
    for token in tokens:
        offsets.append(offsets[-1] + len(token))
    return offsets


class ComparePane(VerticalScroll, can_focus=True):
    """One side of the comparison (focus it to make it the active side)."""

    def __init__(self, side: int) -> None:
        super().__init__(id=("compare-left", "compare-right")[side])
        self.side = side

    def compose(self) -> ComposeResult:
        yield Static(id=f"{self.id}-text", markup=False)


class CompareScreen(ModalScreen[tuple[int, ...] | None]):
    """Two members of a duplicate cluster side by side, differences highlighted.

    Dismisses with the row ids marked "drop" (in cluster order), or `None`
    when cancelled. At least one member must be kept.

    | Key | Action |
    | :- | :- |
    | left / right | Make the left / right side active. |
    | n / p | Show the next / previous member on the active side. |
    | space / x | Toggle keep/drop for the member on the active side. |
    | a | Show turns that are the same on both sides / fold them again. |
    | enter | Apply: drop the marked members. |
    | escape | Close without dropping. |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left,h", "side(0)", "Left", show=False),
        Binding("right,l", "side(1)", "Right", show=False),
        Binding("n", "cycle(1)", "Next member"),
        Binding("p", "cycle(-1)", "Prev member"),
        Binding("space,x", "toggle_drop", "Keep/drop"),
        Binding("a", "toggle_fold", "Show all"),
        Binding("enter", "apply", "Apply"),
        Binding("escape", "cancel", "Cancel"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {"compare--changed"}

    DEFAULT_CSS = """
    CompareScreen {
        align: center middle;
        & > #compare-dialog {
            width: 95%;
            height: 90%;
            border: thick $primary;
            background: $surface;
            padding: 0 1;
        }
        & #compare-members { height: auto; color: $text-muted; }
        & #compare-panes { height: 1fr; }
        & ComparePane {
            width: 1fr;
            border: round $foreground 30%;
            padding: 0 1;
            &:focus { border: round $border; }
            &.-drop { border: round $error; }
            &.-drop:focus { border: double $error; }
        }
        & #compare-help { height: 1; color: $text-muted; }
        & > .compare--changed {
            color: $text-warning;
            background: $warning-muted;
            text-style: bold underline;
        }
    }
    """

    def __init__(
        self,
        dataset: Dataset,
        row_ids: Sequence[int],
        *,
        lines: Sequence[int | None] | None = None,
        scores: Mapping[int, float] | None = None,
        left: int = 0,
        right: int = 1,
        title: str = "Compare duplicates",
        dropped: Sequence[int] = (),
    ) -> None:
        """Set up the comparison.

        Args:
            dataset: Where the members' current content is read from.
            row_ids: The cluster's members, representative first (two or more).
            lines: Line numbers to show for each member (default: from the records).
            scores: Similarity of each member (by row id) to the representative.
            left: Index in `row_ids` shown on the left.
            right: Index in `row_ids` shown on the right.
            title: Shown in the dialog border.
            dropped: Members already marked "drop".
        """
        super().__init__()
        if len(row_ids) < 2:
            raise ValueError("a comparison needs at least two members")
        self.dataset = dataset
        self.row_ids = tuple(row_ids)
        self.lines = (
            tuple(lines)
            if lines is not None
            else tuple(dataset.record(row_id).line for row_id in self.row_ids)
        )
        self.scores = dict(scores or {})
        self.title_text = title
        self.shown = [left % len(row_ids), right % len(row_ids)]
        if self.shown[0] == self.shown[1]:
            self.shown[1] = (self.shown[0] + 1) % len(row_ids)
        self.drop: set[int] = set(dropped) & set(self.row_ids)
        self.active = 1
        self.fold = True
        """Collapse turns that are identical on both sides."""

    def compose(self) -> ComposeResult:
        """The member strip, the two panes and a key hint."""
        with Vertical(id="compare-dialog") as dialog:
            dialog.border_title = self.title_text
            yield Static(id="compare-members", markup=False)
            with Horizontal(id="compare-panes"):
                yield ComparePane(0)
                yield ComparePane(1)
            yield Static(
                "←/→ side · n/p member · space keep/drop · a all · "
                "enter apply · esc cancel",
                id="compare-help",
                markup=False,
            )

    def on_mount(self) -> None:
        """Fill the panes and focus the right one (the non-representative)."""
        self._render_all()
        self.query_one("#compare-right", ComparePane).focus()

    # ------------------------------------------------------------------ state
    @property
    def dropped(self) -> tuple[int, ...]:
        """Row ids currently marked "drop", in cluster order."""
        return tuple(row_id for row_id in self.row_ids if row_id in self.drop)

    def _label(self, index: int) -> str:
        row_id = self.row_ids[index]
        line = self.lines[index]
        parts = [f"line {line}" if line is not None else "new row"]
        if index == 0:
            parts.append("representative")
        elif row_id in self.scores:
            parts.append(f"score {self.scores[row_id]:.2f}")
        parts.append("DROP" if row_id in self.drop else "keep")
        return " · ".join(parts)

    def _render_all(self) -> None:
        members = Text("members: ", end="")
        for index, row_id in enumerate(self.row_ids):
            line = self.lines[index]
            mark = "✗" if row_id in self.drop else "✓"
            star = "★" if index == 0 else ""
            label = f"{star}{line if line is not None else 'new'}{mark}"
            style = "reverse" if index in self.shown else ""
            members.append(f" {label} ", style=style)
        self.query_one("#compare-members", Static).update(members)
        left, right = (
            [clean(b) for b in example_blocks(self.dataset.record(self.row_ids[i]))]
            for i in self.shown
        )
        if self.fold:
            texts = list(fold_identical(left, right))
        else:
            texts = ["\n\n".join(left), "\n\n".join(right)]
        spans = diff_texts(texts[0], texts[1])
        changed = self.get_component_rich_style("compare--changed")
        for side in (0, 1):
            pane = self.query_one(
                ("#compare-left", "#compare-right")[side], ComparePane
            )
            row_id = self.row_ids[self.shown[side]]
            pane.border_title = self._label(self.shown[side])
            pane.set_class(row_id in self.drop, "-drop")
            text = Text(texts[side], end="")
            for start, end in spans[side]:
                text.stylize(changed, start, end)
            pane.query_one(Static).update(text)

    # ------------------------------------------------------------------ actions
    def on_descendant_focus(self) -> None:
        """The focused pane is the active side."""
        focused = self.focused
        if isinstance(focused, ComparePane):
            self.active = focused.side

    def action_side(self, side: int) -> None:
        """Make a side active."""
        self.query_one(("#compare-left", "#compare-right")[side], ComparePane).focus()
        self.active = side

    def action_cycle(self, step: int) -> None:
        """Show another member on the active side (never the one on the other side)."""
        count = len(self.row_ids)
        other = self.shown[1 - self.active]
        index = self.shown[self.active]
        for _ in range(count):
            index = (index + step) % count
            if index != other:
                break
        self.shown[self.active] = index
        self._render_all()

    def action_toggle_drop(self) -> None:
        """Mark or unmark the active side's member for dropping."""
        row_id = self.row_ids[self.shown[self.active]]
        if row_id in self.drop:
            self.drop.discard(row_id)
        elif len(self.drop) + 1 >= len(self.row_ids):
            self.notify("Keep at least one member of the cluster.", severity="warning")
            return
        else:
            self.drop.add(row_id)
        self._render_all()

    def action_toggle_fold(self) -> None:
        """Show or fold the turns that are the same on both sides."""
        self.fold = not self.fold
        self._render_all()

    def action_apply(self) -> None:
        """Close, returning the members to drop."""
        self.dismiss(self.dropped)

    def action_cancel(self) -> None:
        """Close without dropping anything."""
        self.dismiss(None)
