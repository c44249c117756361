"""A virtual table of examples: draws only the visible lines, so 1M rows cost nothing.

The table holds a list of row ids (the current filtered and sorted view) and asks
a `RowSource` for the cells of the few rows on screen. There are no per-row
widgets and no per-row objects beyond that list.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar, Protocol

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

__all__ = ["COLUMNS", "MARKS", "Column", "ExampleTable", "RowCells", "RowSource"]


@dataclass(frozen=True)
class Column:
    """One column of the table."""

    key: str
    """Sort key and id: line, status, turns, tokens, trained, preview."""
    label: str
    width: int
    """Cells wide; 0 for the flexible preview column."""
    right: bool = False
    """Right-align the values (numbers)."""


COLUMNS: tuple[Column, ...] = (
    Column("line", "line", 5, right=True),
    Column("status", "status", 7),
    Column("turns", "turns", 5, right=True),
    Column("tokens", "tokens", 7, right=True),
    Column("trained", "trained", 7, right=True),
    Column("preview", "first user turn", 0),
)
"""The table's columns, left to right."""

MARKS: tuple[tuple[str, str, str], ...] = (
    ("error", "E", "error: the line or example is invalid"),
    ("warning", "W", "warning: the service may reject or mistrain it"),
    ("exact_dup", "=", "exact duplicate of another example"),
    ("near_dup", "~", "near duplicate of another example"),
    ("over_limit", ">", "longer than the model's training context"),
    ("zero_weight", "0", "has assistant turns with weight 0 (not trained)"),
    ("edited", "*", "edited or added since the file was opened"),
)
"""Status marks in column order: (name, glyph, meaning). The help screen lists them."""


@dataclass(frozen=True)
class RowCells:
    """What the table draws for one row."""

    line: str
    marks: frozenset[str]
    """Names from `MARKS` that apply."""
    turns: str
    tokens: str
    trained: str
    preview: str
    """One line of plain, already cleaned text."""


class RowSource(Protocol):
    """Where the table gets the cells of a row (the curate screen)."""

    def row_cells(self, row_id: int) -> RowCells:
        """The cells of a row, by id."""
        ...


class ExampleTable(ScrollView, can_focus=True):
    """Example list drawn with the Line API.

    | Key | Action |
    |---|---|
    | up / k, down / j | previous / next example |
    | pageup, pagedown | one page up / down |
    | home / g, end / G | first / last example |
    | space | mark or unmark the example (for bulk actions) |
    | enter | open the example in the detail pane |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "Up", show=False),
        Binding("down,j", "cursor_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home,g", "first", "First", show=False),
        Binding("end,G", "last", "Last", show=False),
        Binding("space", "toggle_mark", "Mark", show=False),
        Binding("enter", "activate", "Open", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "example-table--header",
        "example-table--sorted",
        "example-table--cursor",
        "example-table--cursor-blurred",
        "example-table--marked",
        "example-table--dim",
        "example-table--error",
        "example-table--warning",
        "example-table--exact_dup",
        "example-table--near_dup",
        "example-table--over_limit",
        "example-table--zero_weight",
        "example-table--edited",
    }

    DEFAULT_CSS = """
    ExampleTable {
        overflow-x: hidden;
        overflow-y: auto;
        background: $surface;
        & > .example-table--header {
            background: $panel; color: $foreground; text-style: bold;
        }
        & > .example-table--sorted {
            background: $panel; color: $accent; text-style: bold;
        }
        & > .example-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
        }
        & > .example-table--cursor-blurred { background: $panel-lighten-2; }
        & > .example-table--marked { background: $secondary 30%; }
        & > .example-table--dim { color: $foreground-muted; }
        & > .example-table--error { color: $error; text-style: bold; }
        & > .example-table--warning { color: $warning; text-style: bold; }
        & > .example-table--exact_dup { color: $accent; text-style: bold; }
        & > .example-table--near_dup { color: $accent; }
        & > .example-table--over_limit { color: $error; }
        & > .example-table--zero_weight { color: $secondary; text-style: bold; }
        & > .example-table--edited { color: $primary; text-style: bold; }
    }
    """

    @dataclass
    class CursorMoved(Message):
        """The cursor moved to another row (or the view changed under it)."""

        table: ExampleTable
        row_id: int | None
        index: int

        @property
        def control(self) -> ExampleTable:
            """The table that sent it."""
            return self.table

    @dataclass
    class Activated(Message):
        """Enter or double click on a row."""

        table: ExampleTable
        row_id: int

        @property
        def control(self) -> ExampleTable:
            """The table that sent it."""
            return self.table

    @dataclass
    class HeaderClicked(Message):
        """A column header was clicked (the screen sorts by it)."""

        table: ExampleTable
        column: str

        @property
        def control(self) -> ExampleTable:
            """The table that sent it."""
            return self.table

    def __init__(
        self,
        source: RowSource,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._source = source
        self._rows: list[int] = []
        self._positions: dict[int, int] | None = None
        self.cursor = 0
        """Index of the selected row in the current view."""
        self.marked: set[int] = set()
        """Row ids marked for bulk actions."""
        self.sort_column: str | None = None
        self.sort_reverse = False
        self._line_width = 5
        self._cache: LRUCache[tuple[int, int, bool, bool], Strip] = LRUCache(1024)

    # ------------------------------------------------------------------ view
    @property
    def rows(self) -> Sequence[int]:
        """Row ids of the current view, top to bottom."""
        return self._rows

    @property
    def row_id(self) -> int | None:
        """Row id under the cursor, or `None` when the view is empty."""
        if 0 <= self.cursor < len(self._rows):
            return self._rows[self.cursor]
        return None

    def set_rows(
        self, rows: list[int], *, keep: int | None = None, line_width: int = 5
    ) -> None:
        """Show a new view, keeping the cursor on row `keep` when it is still there.

        Args:
            rows: Row ids, top to bottom (the table keeps this list).
            keep: Row id to keep selected; by default the cursor index is kept.
            line_width: Cells needed for the largest line number.
        """
        self._rows = rows
        self._positions = None
        self._line_width = max(4, line_width)
        self._cache.clear()
        index = self.cursor
        if keep is not None:
            found = self.index_of(keep)
            if found is not None:
                index = found
        self.virtual_size = Size(self.scrollable_content_region.width, len(rows) + 1)
        self.cursor = -1
        self.move_cursor(min(index, len(rows) - 1) if rows else 0, force=True)
        self.refresh()

    def index_of(self, row_id: int) -> int | None:
        """Index of a row in the view, or `None` when it is filtered out."""
        rows = self._rows
        if 0 <= row_id < len(rows) and rows[row_id] == row_id:
            return row_id  # file order, nothing inserted or deleted before it
        if self._positions is None:
            # built on demand: a dict over 1M rows takes ~100 ms, once per view
            self._positions = {r: i for i, r in enumerate(self._rows)}
        return self._positions.get(row_id)

    def refresh_rows(self, row_ids: Iterable[int] | None = None) -> None:
        """Redraw rows whose cells changed (all rows when `row_ids` is None)."""
        self._cache.clear()
        self.refresh()

    # ------------------------------------------------------------------ cursor
    def move_cursor(self, index: int, *, force: bool = False) -> None:
        """Select the row at `index` (clamped) and scroll it into view."""
        index = max(0, min(index, len(self._rows) - 1)) if self._rows else 0
        if index == self.cursor and not force:
            return
        old = self.cursor
        self.cursor = index
        self._refresh_index(old)
        self._refresh_index(index)
        self._scroll_to_cursor()
        self.post_message(self.CursorMoved(self, self.row_id, index))

    def select_row(self, row_id: int) -> bool:
        """Move the cursor to a row id; False when it is not in the view."""
        index = self.index_of(row_id)
        if index is None:
            return False
        self.move_cursor(index, force=True)
        return True

    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height - 2)

    def _scroll_to_cursor(self) -> None:
        visible = max(1, self.scrollable_content_region.height - 1)
        top = int(self.scroll_y)
        if self.cursor < top:
            top = self.cursor
        elif self.cursor >= top + visible:
            top = self.cursor - visible + 1
        if top != int(self.scroll_y):
            self.scroll_to(y=top, animate=False, immediate=True)

    def _refresh_index(self, index: int) -> None:
        y = index - int(self.scroll_y) + 1
        if 0 < y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    def action_cursor_up(self) -> None:
        """Select the previous row."""
        self.move_cursor(self.cursor - 1)

    def action_cursor_down(self) -> None:
        """Select the next row."""
        self.move_cursor(self.cursor + 1)

    def action_page_up(self) -> None:
        """Move one page up."""
        self.move_cursor(self.cursor - self._page())

    def action_page_down(self) -> None:
        """Move one page down."""
        self.move_cursor(self.cursor + self._page())

    def action_first(self) -> None:
        """Select the first row."""
        self.move_cursor(0)

    def action_last(self) -> None:
        """Select the last row."""
        self.move_cursor(len(self._rows) - 1)

    def action_toggle_mark(self) -> None:
        """Mark or unmark the selected row, then move down."""
        row_id = self.row_id
        if row_id is None:
            return
        self.marked.symmetric_difference_update({row_id})
        self._refresh_index(self.cursor)
        self.move_cursor(self.cursor + 1)

    def action_activate(self) -> None:
        """Open the selected row."""
        if self.row_id is not None:
            self.post_message(self.Activated(self, self.row_id))

    # ------------------------------------------------------------------ events
    def on_resize(self, event: events.Resize) -> None:
        """Keep the virtual width in step with the widget."""
        self._cache.clear()
        self.virtual_size = Size(
            self.scrollable_content_region.width, len(self._rows) + 1
        )
        self._scroll_to_cursor()

    def notify_style_update(self) -> None:
        """Styles changed (theme switch): drop strips drawn with the old ones."""
        super().notify_style_update()
        self._cache.clear()

    def on_focus(self) -> None:
        """The cursor style depends on focus."""
        self._cache.clear()
        self.refresh()

    def on_blur(self) -> None:
        """The cursor style depends on focus."""
        self._cache.clear()
        self.refresh()

    def on_click(self, event: events.Click) -> None:
        """Click a header to sort by it, a row to select it; double click opens it."""
        offset = event.get_content_offset(self)
        if offset is None:
            return
        if offset.y == 0:
            column = self._column_at(offset.x)
            if column is not None:
                self.post_message(self.HeaderClicked(self, column))
            return
        index = int(self.scroll_y) + offset.y - 1
        if 0 <= index < len(self._rows):
            self.move_cursor(index)
            if event.chain >= 2:
                self.action_activate()

    # ------------------------------------------------------------------ drawing
    def _layout(self, width: int) -> list[tuple[Column, int]]:
        widths: list[tuple[Column, int]] = []
        used = 0
        for column in COLUMNS:
            size = self._line_width if column.key == "line" else column.width
            if column.width == 0:
                size = max(0, width - used)
            widths.append((column, size))
            used += size + 1
        return widths

    def _column_at(self, x: int) -> str | None:
        start = 0
        for column, size in self._layout(self.scrollable_content_region.width):
            if start <= x < start + size + 1:
                return column.key
            start += size + 1
        return None

    @staticmethod
    def _fit(text: str, size: int, right: bool) -> str:
        if len(text) > size:
            text = text[: max(0, size - 1)] + "…" if size > 1 else text[:size]
        return text.rjust(size) if right else text.ljust(size)

    def _header(self, width: int) -> Strip:
        base = self.get_component_rich_style("example-table--header")
        sorted_style = self.get_component_rich_style("example-table--sorted")
        segments: list[Segment] = []
        for column, size in self._layout(width):
            label = column.label
            style = base
            if column.key == self.sort_column:
                label = f"{label}{'▼' if self.sort_reverse else '▲'}"
                style = sorted_style
            segments.append(Segment(self._fit(label, size, column.right), style))
            segments.append(Segment(" ", base))
        return Strip(segments).adjust_cell_length(width, base)

    def _row_strip(self, index: int, width: int) -> Strip:
        row_id = self._rows[index]
        is_cursor = index == self.cursor
        is_marked = row_id in self.marked
        key = (row_id, width, is_cursor, is_marked)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        cells = self._source.row_cells(row_id)
        base = self.rich_style
        if is_marked:
            base = base + self.get_component_rich_style("example-table--marked")
        if is_cursor:
            name = (
                "example-table--cursor"
                if self.has_focus
                else "example-table--cursor-blurred"
            )
            base = base + self.get_component_rich_style(name)
        dim = base + self.get_component_rich_style("example-table--dim", partial=True)
        segments: list[Segment] = []
        values = {
            "line": cells.line,
            "turns": cells.turns,
            "tokens": cells.tokens,
            "trained": cells.trained,
            "preview": cells.preview,
        }
        for column, size in self._layout(width):
            if column.key == "status":
                segments.extend(self._marks(cells.marks, base))
                segments.append(Segment(" " * (size - len(MARKS) + 1), base))
                continue
            text = values[column.key]
            style = dim if column.key == "line" or text in ("…", "-") else base
            segments.append(Segment(self._fit(text, size, column.right), style))
            segments.append(Segment(" ", base))
        strip = Strip(segments).adjust_cell_length(width, base)
        self._cache[key] = strip
        return strip

    def _marks(self, marks: frozenset[str], base: Style) -> list[Segment]:
        segments = []
        for name, glyph, _ in MARKS:
            if name in marks:
                style = base + self.get_component_rich_style(
                    f"example-table--{name}", partial=True
                )
                segments.append(Segment(glyph, style))
            else:
                segments.append(Segment(" ", base))
        return segments

    def render_line(self, y: int) -> Strip:
        """Draw line `y` of the widget: the header, or one row of the view."""
        width = self.scrollable_content_region.width
        if y == 0:
            return self._header(width)
        index = int(self.scroll_y) + y - 1
        if index >= len(self._rows):
            return Strip.blank(width, self.rich_style)
        return self._row_strip(index, width)
