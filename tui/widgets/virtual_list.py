"""A one-line-per-row list that renders only the visible rows (Line API)."""

from __future__ import annotations

from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

__all__ = ["VirtualList"]


class VirtualList(ScrollView, can_focus=True):
    """Base class for long lists: subclasses say how many rows and how to draw one.

    Rows are rendered on demand, so a list of a million rows costs as much as a
    list of a screenful. Subclasses implement `render_row` and `row_selected`,
    and call `set_row_count` whenever their data changes.

    | Key | Action |
    | :- | :- |
    | up / down | Move the cursor. |
    | pageup / pagedown | Move by a page. |
    | home / end | First / last row. |
    | enter | Select the row under the cursor. |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", "Up", show=False),
        Binding("down", "cursor_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
        Binding("enter", "select", "Select", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {"virtual-list--cursor"}

    DEFAULT_CSS = """
    VirtualList {
        height: 1fr;
        overflow-x: hidden;
        overflow-y: auto;
        background: $surface;
        & > .virtual-list--cursor {
            color: $block-cursor-blurred-foreground;
            background: $block-cursor-blurred-background;
        }
        &:focus > .virtual-list--cursor {
            color: $block-cursor-foreground;
            background: $block-cursor-background;
            text-style: $block-cursor-text-style;
        }
    }
    """

    cursor: reactive[int] = reactive(-1, init=False, always_update=True)
    """Index of the highlighted row, -1 when the list is empty."""

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._row_count = 0
        self._cache: LRUCache[tuple[int, bool, int], Strip] = LRUCache(512)

    # ------------------------------------------------------------------ subclass API
    @property
    def row_count(self) -> int:
        """Number of rows."""
        return self._row_count

    def render_row(self, index: int) -> Text:
        """Draw row `index` as one line of text (subclasses override)."""
        raise NotImplementedError

    def row_selected(self, index: int) -> None:
        """Called on enter or click on row `index` (subclasses override)."""

    def cursor_moved(self, index: int) -> None:
        """Called when the cursor moves to row `index`, -1 when empty (optional)."""

    def set_row_count(self, count: int, *, cursor: int | None = None) -> None:
        """Replace the rows: clears the render cache and clamps the cursor.

        Args:
            count: The new number of rows.
            cursor: Where to put the cursor (default: keep it, clamped).
        """
        self._row_count = count
        self._cache.clear()
        self.virtual_size = Size(self.size.width, count)
        wanted = self.cursor if cursor is None else cursor
        wanted = -1 if count == 0 else min(max(wanted, 0), count - 1)
        self.cursor = wanted
        self.refresh()

    def refresh_rows(self) -> None:
        """Redraw every row (after the data behind them changed in place)."""
        self._cache.clear()
        self.refresh()

    # ------------------------------------------------------------------ rendering
    def render_line(self, y: int) -> Strip:
        """Render one visible line (Line API)."""
        index = self.scroll_offset.y + y
        width = self.size.width
        base = self.rich_style
        if index >= self._row_count or index < 0:
            return Strip.blank(width, base)
        selected = index == self.cursor
        key = (index, selected and self.has_focus, width)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        text = self.render_row(index)
        text.no_wrap = True
        text.end = ""
        style: Style = base
        if selected:
            style = base + self.get_component_rich_style("virtual-list--cursor")
        text.stylize_before(style)  # unstyled spans would lose the background
        strip = Strip(text.render(self.app.console), text.cell_len)
        strip = strip.crop_extend(0, width, style).apply_offsets(0, index)
        self._cache[key] = strip
        return strip

    def on_resize(self, event: events.Resize) -> None:
        """Keep the virtual width equal to the widget (no horizontal scroll)."""
        self._cache.clear()
        self.virtual_size = Size(event.size.width, self._row_count)

    def on_focus(self) -> None:
        """Redraw the cursor row in its focused colours."""
        self._cache.clear()
        self.refresh()

    def on_blur(self) -> None:
        """Redraw the cursor row in its blurred colours."""
        self._cache.clear()
        self.refresh()

    def watch_cursor(self, old: int, new: int) -> None:
        """Scroll the cursor into view and redraw the two rows that changed."""
        if new >= 0:
            self.scroll_to_region(
                Region(0, new, 1, 1), animate=False, force=True, immediate=True
            )
        self._cache.clear()
        self.refresh()
        self.cursor_moved(new)

    # ------------------------------------------------------------------ input
    def _move(self, delta: int) -> None:
        if self._row_count:
            self.cursor = min(max(self.cursor + delta, 0), self._row_count - 1)

    def action_cursor_up(self) -> None:
        """Move the cursor up one row."""
        self._move(-1)

    def action_cursor_down(self) -> None:
        """Move the cursor down one row."""
        self._move(1)

    def action_page_up(self) -> None:
        """Move the cursor up a page."""
        self._move(-max(self.size.height - 1, 1))

    def action_page_down(self) -> None:
        """Move the cursor down a page."""
        self._move(max(self.size.height - 1, 1))

    def action_first(self) -> None:
        """Move the cursor to the first row."""
        if self._row_count:
            self.cursor = 0

    def action_last(self) -> None:
        """Move the cursor to the last row."""
        if self._row_count:
            self.cursor = self._row_count - 1

    def action_select(self) -> None:
        """Select the row under the cursor."""
        if 0 <= self.cursor < self._row_count:
            self.row_selected(self.cursor)

    def on_click(self, event: events.Click) -> None:
        """Clicking a row moves the cursor there and selects it."""
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = self.scroll_offset.y + offset.y
        if 0 <= index < self._row_count:
            self.cursor = index
            self.row_selected(index)
