"""The duplicates panel: exact and near-duplicate clusters, jump, compare and drop."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Literal

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from ftui.core.example_edits import first_user_text
from ftui.tui.plain import clean_line
from ftui.tui.screens.compare import CompareScreen
from ftui.tui.widgets.side_panel import SidePanel
from ftui.tui.widgets.virtual_list import VirtualList

if TYPE_CHECKING:
    from ftui.core.dataset import Dataset
    from ftui.core.dedup import DedupReport, ExactGroup, NearGroup

__all__ = ["DropDuplicatesDialog", "DuplicatesPanel"]

_PREVIEW_CHARS = 200


def _count(n: int, noun: str) -> str:
    """`1 row`, `3 rows`."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _line_label(line: int | None) -> str:
    return "new" if line is None else str(line)


def _lines_summary(lines: tuple[int | None, ...], limit: int = 6) -> str:
    shown = ", ".join(_line_label(line) for line in lines[:limit])
    if len(lines) > limit:
        shown += f", … (+{len(lines) - limit})"
    return shown


def member_score(group: NearGroup, row_id: int) -> float | None:
    """Similarity of a member to the group's representative, or its best verified pair.

    Args:
        group: A near-duplicate group.
        row_id: One of its members.

    Returns:
        The score as a fraction, or `None` for the representative itself.
    """
    if row_id == group.representative:
        return None
    direct = group.score(group.representative, row_id)
    if direct is not None:
        return direct
    scores = [p.score for p in group.pairs if row_id in (p.a, p.b)]
    return max(scores) if scores else None


@dataclass(frozen=True, slots=True)
class _Row:
    kind: Literal["exact", "near"]
    group: int
    member: int  # -1 for the group's header row


class DuplicateRows(VirtualList):
    """The rows of a `DuplicatesPanel`: a header per cluster, then its members."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "virtual-list--cursor",
        "duplicates--exact",
        "duplicates--near",
        "duplicates--dim",
    }

    DEFAULT_CSS = """
    DuplicateRows {
        & > .duplicates--exact { color: $text-error; text-style: bold; }
        & > .duplicates--near { color: $text-warning; text-style: bold; }
        & > .duplicates--dim { text-style: dim; }
    }
    """

    def __init__(self, owner: DuplicatesPanel) -> None:
        super().__init__(id="duplicate-rows")
        self._owner = owner
        self.rows: list[_Row] = []
        self.line_width = 3

    def render_row(self, index: int) -> Text:
        """A cluster header or one member with its line, score and preview."""
        row = self.rows[index]
        report = self._owner.report
        assert report is not None
        dim = self.get_component_rich_style("duplicates--dim", partial=True)
        text = Text(no_wrap=True, end="")
        if row.kind == "exact":
            exact = report.exact_groups[row.group]
            row_ids, lines = exact.row_ids, exact.lines
            score: float | None = 1.0
        else:
            near = report.near_groups[row.group]
            row_ids, lines = near.row_ids, near.lines
            score = near.min_score
        if row.member < 0:
            style = self.get_component_rich_style(
                f"duplicates--{row.kind}", partial=True
            )
            text.append(" EXACT " if row.kind == "exact" else " NEAR  ", style)
            count = len(row_ids)
            noun = "copies" if row.kind == "exact" else "members"
            text.append(f"{count} {noun}")
            if row.kind == "near":
                text.append(f" · min score {score:.2f}")
            text.append(f" · lines {_lines_summary(lines)}", dim)
            return text
        row_id = row_ids[row.member]
        mark = "★" if row.member == 0 else " "
        line = _line_label(lines[row.member])
        text.append(f"   {mark} line {line:>{self.line_width}}  ")
        if row.kind == "near" and row.member > 0:
            member = member_score(report.near_groups[row.group], row_id)
            text.append("  ?  " if member is None else f"{member:.2f} ", dim)
        elif row.member == 0:
            text.append("keep ", dim)
        else:
            text.append("copy ", dim)
        text.append(clean_line(self._owner.preview(row_id)))
        return text

    def row_selected(self, index: int) -> None:
        """Enter or click: ask to jump to the member (or the representative)."""
        row = self.rows[index]
        row_ids, _ = self._owner.group_members(row)
        member = max(row.member, 0)
        self._owner.post_message(
            DuplicatesPanel.JumpRequested(self._owner, row_ids[member])
        )


class DropDuplicatesDialog(ModalScreen[str | None]):
    """Ask whether to drop the duplicates of one cluster or of every cluster.

    Dismisses with `"group"`, `"all"` or `None` (cancel).

    | Key | Action |
    | :- | :- |
    | g / enter | This cluster. |
    | a | Every cluster. |
    | escape | Cancel. |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("g", "choose('group')", "This cluster"),
        Binding("a", "choose('all')", "All clusters"),
        Binding("escape", "choose(None)", "Cancel"),
    ]

    DEFAULT_CSS = """
    DropDuplicatesDialog {
        align: center middle;
        & > Vertical {
            width: 72;
            max-width: 95%;
            height: auto;
            border: thick $warning;
            background: $surface;
            padding: 1 2;
        }
        & Static { margin-bottom: 1; }
        & Horizontal { height: auto; }
        & Button { margin-right: 1; }
    }
    """

    def __init__(self, group_text: str, group_count: int, all_text: str) -> None:
        """Describe the two choices.

        Args:
            group_text: What dropping the selected cluster removes.
            group_count: Rows that removes (0 disables the choice).
            all_text: What dropping every cluster removes.
        """
        super().__init__()
        self.group_text = group_text
        self.group_count = group_count
        self.all_text = all_text

    def compose(self) -> ComposeResult:
        """The question and three buttons."""
        with Vertical() as box:
            box.border_title = "Drop duplicates (undoable)"
            yield Static(f"[g] {self.group_text}\n[a] {self.all_text}", markup=False)
            with Horizontal():
                yield Button(
                    "This cluster",
                    id="drop-group",
                    variant="warning",
                    disabled=self.group_count == 0,
                )
                yield Button("All clusters", id="drop-all", variant="error")
                yield Button("Cancel", id="drop-cancel")

    def on_mount(self) -> None:
        """Focus the safer choice."""
        button = "#drop-group" if self.group_count else "#drop-cancel"
        self.query_one(button, Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Map the buttons to results."""
        results = {"drop-group": "group", "drop-all": "all"}
        self.dismiss(results.get(event.button.id or ""))

    def action_choose(self, choice: str | None) -> None:
        """Dismiss with a choice."""
        if choice == "group" and not self.group_count:
            return
        self.dismiss(choice)


class DuplicatesPanel(SidePanel):
    """Exact and near-duplicate clusters with line numbers and similarity scores.

    Each cluster shows a header row and one row per member; the representative
    (kept) is marked ★. Drops are posted as `DropRequested` for the screen to
    apply through the dataset (so they are undoable).

    | Key | Action |
    | :- | :- |
    | enter / click | Post `JumpRequested` for the member (header: representative). |
    | c | Compare two members side by side (keep/drop per member). |
    | D | Drop all but the representative: this cluster, or all (asks). |
    | m | Maximize the panel / restore it. |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "compare", "Compare", id="duplicates.compare"),
        Binding("D", "drop", "Drop dups", id="duplicates.drop"),
    ]

    DEFAULT_CSS = """
    DuplicatesPanel {
        height: 1fr;
        & > #duplicates-summary {
            height: 1;
            padding: 0 1;
            background: $panel;
            color: $text-muted;
        }
    }
    """

    @dataclass
    class JumpRequested(Message):
        """The user wants to see a row in the table (enter or click on a member)."""

        panel: DuplicatesPanel
        """The panel that posted the message."""
        row_id: int
        """The row to show."""

        @property
        def control(self) -> DuplicatesPanel:
            """The `DuplicatesPanel` that posted the message."""
            return self.panel

    @dataclass
    class DropRequested(Message):
        """The user asked to delete rows (apply with `dataset.delete`, undoable)."""

        panel: DuplicatesPanel
        """The panel that posted the message."""
        row_ids: tuple[int, ...]
        """Rows to delete."""
        label: str
        """What the change is, for the undo list and a notification."""

        @property
        def control(self) -> DuplicatesPanel:
            """The `DuplicatesPanel` that posted the message."""
            return self.panel

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.report: DedupReport | None = None
        """The report on display."""
        self.dataset: Dataset | None = None
        """Where member previews are read from."""
        self._rows = DuplicateRows(self)
        self._previews: dict[int, str] = {}

    def compose(self) -> ComposeResult:
        """A summary line above the cluster rows."""
        yield Static(
            "Duplicate search not run yet", id="duplicates-summary", markup=False
        )
        yield self._rows

    @property
    def rows(self) -> VirtualList:
        """The scrolling list (focus it to move through the clusters)."""
        return self._rows

    def show(self, report: DedupReport, dataset: Dataset) -> None:
        """Display a duplicate report (replaces the previous one).

        Args:
            report: Groups from `find_duplicates`.
            dataset: The dataset the report is about (for previews).
        """
        self.report = report
        self.dataset = dataset
        self._previews.clear()
        if self.is_mounted:
            self._refresh_rows()

    def on_mount(self) -> None:
        """Apply a report given before the widget was mounted."""
        if self.report is not None:
            self._refresh_rows()

    def _refresh_rows(self) -> None:
        report = self.report
        assert report is not None
        rows: list[_Row] = []
        for index, exact in enumerate(report.exact_groups):
            rows.append(_Row("exact", index, -1))
            rows.extend(_Row("exact", index, m) for m in range(len(exact.row_ids)))
        for index, near in enumerate(report.near_groups):
            rows.append(_Row("near", index, -1))
            rows.extend(_Row("near", index, m) for m in range(len(near.row_ids)))
        self._rows.rows = rows
        groups: list[ExactGroup | NearGroup] = [
            *report.exact_groups,
            *report.near_groups,
        ]
        widest = max((line or 0 for g in groups for line in g.lines), default=0)
        self._rows.line_width = max(3, len(str(widest)))
        self._rows.set_row_count(len(rows))
        redundant = len(report.redundant_row_ids())
        if rows:
            summary = (
                f"Clusters: {len(report.exact_groups)} exact, "
                f"{len(report.near_groups)} near · "
                f"{_count(redundant, 'row')} droppable  "
                "[enter] jump [c] compare [D] drop"
            )
        else:
            summary = f"No duplicates among {report.examples} examples"
        self.query_one("#duplicates-summary", Static).update(Text(summary))

    # ------------------------------------------------------------------ helpers
    def preview(self, row_id: int) -> str:
        """First user turn of a row, shortened (cached until the next `show`)."""
        cached = self._previews.get(row_id)
        if cached is None:
            if self.dataset is None:
                return ""
            record = self.dataset.record(row_id)
            text = first_user_text(record.data) or record.text()
            cached = " ".join(text.split())[:_PREVIEW_CHARS]
            self._previews[row_id] = cached
        return cached

    def group_members(
        self, row: _Row
    ) -> tuple[tuple[int, ...], tuple[int | None, ...]]:
        """Row ids and lines of the cluster a list row belongs to."""
        assert self.report is not None
        group: ExactGroup | NearGroup
        if row.kind == "exact":
            group = self.report.exact_groups[row.group]
        else:
            group = self.report.near_groups[row.group]
        return group.row_ids, group.lines

    def select_row(self, row_id: int) -> bool:
        """Put the cursor on `row_id`'s member row (exact cluster first).

        Returns:
            Whether the row is in a cluster on display.
        """
        for kind in ("exact", "near"):
            for index, row in enumerate(self._rows.rows):
                if row.kind != kind or row.member < 0:
                    continue
                row_ids, _ = self.group_members(row)
                if row_ids[row.member] == row_id:
                    self._rows.cursor = index
                    return True
        return False

    def _current(self) -> _Row | None:
        index = self._rows.cursor
        if self.report is None or not 0 <= index < len(self._rows.rows):
            return None
        return self._rows.rows[index]

    def _droppable(self, row: _Row) -> tuple[int, ...]:
        """Every member but the representative (near: plus their exact copies)."""
        assert self.report is not None
        row_ids, _ = self.group_members(row)
        doomed: list[int] = list(row_ids[1:])
        if row.kind == "near":
            for member in row_ids[1:]:
                exact = self.report.exact_group_of(member)
                if exact is not None:
                    doomed.extend(r for r in exact.row_ids if r != member)
        return tuple(dict.fromkeys(doomed))

    # ------------------------------------------------------------------ actions
    def action_compare(self) -> None:
        """Open the side-by-side view for the selected cluster."""
        row = self._current()
        if row is None or self.dataset is None or self.report is None:
            self.notify("No duplicate cluster selected.", severity="warning")
            return
        row_ids, lines = self.group_members(row)
        scores: dict[int, float] = {}
        title = f"Exact duplicates · {len(row_ids)} copies"
        if row.kind == "near":
            near = self.report.near_groups[row.group]
            title = f"Near duplicates · min score {near.min_score:.2f}"
            for member in row_ids[1:]:
                score = member_score(near, member)
                if score is not None:
                    scores[member] = score
        right = row.member if row.member > 0 else 1
        first_line = _line_label(lines[0])

        def dropped(result: tuple[int, ...] | None) -> None:
            if result:
                noun = "duplicate" if len(result) == 1 else "duplicates"
                self.post_message(
                    DuplicatesPanel.DropRequested(
                        self, result, f"drop {len(result)} {noun} of line {first_line}"
                    )
                )

        screen = CompareScreen(
            self.dataset, row_ids, lines=lines, scores=scores, right=right, title=title
        )
        self.app.push_screen(screen, dropped)

    def action_drop(self) -> None:
        """Drop all but the representative, for this cluster or every cluster (asks)."""
        report = self.report
        if report is None or not self._rows.rows:
            self.notify("No duplicates to drop.", severity="warning")
            return
        row = self._current()
        group_ids = self._droppable(row) if row is not None else ()
        lines = self.group_members(row)[1] if row is not None else ()
        everything = tuple(sorted(report.redundant_row_ids()))
        clusters = len(report.exact_groups) + len(report.near_groups)
        first_line = _line_label(lines[0]) if lines else "?"
        dropped = _count(len(group_ids), "row")
        group_text = f"This cluster: drop {dropped}, keep line {first_line}"
        all_text = (
            f"All {_count(clusters, 'cluster')}: "
            f"drop {_count(len(everything), 'row')}, "
            "keep each representative"
        )

        def chosen(choice: str | None) -> None:
            if choice == "group" and group_ids:
                self.post_message(
                    DuplicatesPanel.DropRequested(
                        self,
                        group_ids,
                        f"drop {_count(len(group_ids), 'duplicate')} "
                        f"of line {first_line}",
                    )
                )
            elif choice == "all" and everything:
                self.post_message(
                    DuplicatesPanel.DropRequested(
                        self,
                        everything,
                        f"drop {_count(len(everything), 'duplicate')} "
                        f"in {_count(clusters, 'cluster')}",
                    )
                )

        self.app.push_screen(
            DropDuplicatesDialog(group_text, len(group_ids), all_text), chosen
        )
