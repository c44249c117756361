"""The curate screen: example table, detail pane, side panels and every editing action.

The screen owns the `Dataset` and what background analysis found about it
(token counts, issues, duplicate groups). Edits go through the dataset (so they
are undoable); after each one only the changed rows are recounted and
revalidated, and whole-file checks rerun in the background a moment later.
"""

from __future__ import annotations

import difflib
import json
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import suppress
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any, ClassVar, Literal

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Static, TabbedContent, TabPane
from textual.worker import Worker, WorkerState, get_current_worker

from ftui.core import example_edits as edits
from ftui.core.cost import estimate_cost
from ftui.core.dataset import Dataset, Edit
from ftui.core.errors import (
    FileChangedError,
    FtuiError,
    OutputExistsError,
    SourceRewrittenError,
)
from ftui.core.model_table import load_model_table
from ftui.core.settings import load_settings
from ftui.core.validation import validate_record
from ftui.tui import analysis
from ftui.tui.analysis import FILTERS, SORTS, RowFacts, ViewSpec
from ftui.tui.messages import (
    AnalysisFailed,
    AnalysisProgress,
    DedupFinished,
    RowsAnalysed,
    SearchFinished,
    TokensCounted,
    ValidationFinished,
    ViewComputed,
)
from ftui.tui.plain import clean_line
from ftui.tui.screens.dialogs import (
    BusyDialog,
    ChoiceDialog,
    ConfirmDialog,
    EditTurnDialog,
    RawLineDialog,
    TextPromptDialog,
)
from ftui.tui.screens.export import ExportDialog
from ftui.tui.widgets.cost_panel import CostPanel
from ftui.tui.widgets.duplicates_panel import DuplicatesPanel
from ftui.tui.widgets.example_detail import ExampleDetail
from ftui.tui.widgets.example_table import ExampleTable, RowCells
from ftui.tui.widgets.issue_list import IssueList

__all__ = ["KEYS", "CurateScreen", "KeySpec"]

SYNC_ROWS = 2_000
"""Edits touching more rows than this are re-analysed in a worker."""
SYNC_VIEW_ROWS = 200_000
"""Views over more rows than this are filtered and sorted in a worker."""
VALIDATE_DELAY = 0.8
"""Seconds after the last edit before the whole file is revalidated."""
DEDUP_DELAY = 2.0
"""Seconds after the last edit before duplicates are searched again."""
SAVE_IN_THREAD_BYTES = 32 * 1024 * 1024
"""Files this big are written in a worker (a 2.7 GB file takes seconds)."""
DETAIL_IDLE = 0.15
"""A cursor move this long after the last detail redraw redraws it at once."""
DETAIL_DELAY = 0.08
"""Otherwise the detail pane is redrawn once the keys pause this long."""


@dataclass(frozen=True)
class KeySpec:
    """One screen action: its key and how the footer, help and palette name it."""

    key: str
    action: str
    title: str
    help: str
    group: str
    show: bool = False


KEYS: tuple[KeySpec, ...] = (
    KeySpec(
        "ctrl+s",
        "save",
        "Save",
        "write the file (atomic; untouched lines byte-identical)",
        "File",
        True,
    ),
    KeySpec("S", "save_as", "Save as", "write to another file", "File"),
    KeySpec(
        "x",
        "export",
        "Export split",
        "write train/validation files split by a seeded fraction",
        "File",
    ),
    KeySpec(
        "w",
        "toggle_weight",
        "Weight",
        "toggle the selected assistant turn between trained and weight 0",
        "Edit",
        True,
    ),
    KeySpec(
        "W",
        "zero_weights",
        "Weight 0 all but last",
        "weight 0 on every assistant turn but the last, in marked "
        "(or all shown) examples",
        "Edit",
    ),
    KeySpec(
        "e",
        "edit_turn",
        "Edit",
        "edit the selected turn's text (or the raw line if it does not parse)",
        "Edit",
        True,
    ),
    KeySpec(
        "E", "raw_edit", "Edit raw line", "edit the whole line as raw JSON", "Edit"
    ),
    KeySpec(
        "r", "change_role", "Change role", "change the selected turn's role", "Edit"
    ),
    KeySpec("a", "add_turn", "Add turn", "add a turn after the selected one", "Edit"),
    KeySpec("X", "delete_turn", "Delete turn", "delete the selected turn", "Edit"),
    KeySpec(
        "A", "add_example", "Add example", "add a new example after this one", "Edit"
    ),
    KeySpec(
        "M",
        "mark_all",
        "Mark all shown",
        "mark every shown example (again: unmark all)",
        "Edit",
    ),
    KeySpec(
        "d",
        "delete_example",
        "Delete example",
        "delete the marked examples, or this one",
        "Edit",
    ),
    KeySpec(
        "c",
        "duplicate_example",
        "Duplicate example",
        "insert a copy of this example after it",
        "Edit",
    ),
    KeySpec("u", "undo", "Undo", "undo the last change", "Edit", True),
    KeySpec("U,ctrl+r", "redo", "Redo", "redo the last undone change", "Edit"),
    KeySpec(
        "/",
        "search",
        "Search",
        "fuzzy search across all turns (rapidfuzz)",
        "View",
        True,
    ),
    KeySpec("f", "filter", "Filter", "show only examples with a status", "View", True),
    KeySpec("s", "sort", "Sort", "sort by a column (again: reverse)", "View"),
    KeySpec("colon", "goto_line", "Go to line", "jump to line N of the file", "View"),
    KeySpec(
        "n",
        "next_problem",
        "Next problem",
        "next example with an error or warning",
        "View",
    ),
    KeySpec(
        "N",
        "previous_problem",
        "Previous problem",
        "previous example with an error or warning",
        "View",
    ),
    KeySpec(
        "right_square_bracket", "next_turn", "Next turn", "select the next turn", "View"
    ),
    KeySpec(
        "left_square_bracket",
        "previous_turn",
        "Previous turn",
        "select the previous turn",
        "View",
    ),
    KeySpec(
        "escape",
        "back",
        "Back",
        "clear search and filter, or return to the table",
        "View",
    ),
    KeySpec(
        "i",
        "show_panel('issues')",
        "Issues",
        "show the validation issues panel",
        "Panels",
    ),
    KeySpec(
        "equals_sign",
        "show_panel('duplicates')",
        "Duplicates",
        "show the duplicates panel",
        "Panels",
    ),
    KeySpec(
        "dollar_sign", "show_panel('cost')", "Cost", "show the cost panel", "Panels"
    ),
    KeySpec(
        "question_mark,f1", "help", "Help", "all keys and the status marks", "App", True
    ),
)
"""Every screen action; bindings, help screen and command palette derive from it."""

_FILTER_LABELS = dict(FILTERS)
_SORT_LABELS = dict(SORTS)


def _raw_bytes(text: str) -> bytes:
    """The bytes `Dataset.set_raw` would store for `text`."""
    return text.replace("\r", "").replace("\n", " ").encode("utf-8")


def _edit_rows(edit: Edit) -> tuple[set[int], bool]:
    """Rows whose content an edit changed, and whether it inserted or deleted rows."""
    rows: set[int] = set()
    structural = False
    for step in edit.steps:
        if step[0] == "put":
            rows.add(step[1])
        else:
            structural = True
    return rows, structural


class CurateScreen(Screen[None]):
    """Browse, check and edit one JSONL dataset."""

    CSS_PATH = "curate.tcss"
    HORIZONTAL_BREAKPOINTS = [  # noqa: RUF012 (typed by Screen)
        (0, "-narrow"),
        (110, "-wide"),
    ]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(spec.key, spec.action, spec.title, show=spec.show, id=f"curate.{i}")
        for i, spec in enumerate(KEYS)
    ]

    def __init__(
        self,
        dataset: Dataset,
        *,
        model: str | None = None,
        analyse: bool = True,
    ) -> None:
        """Args: `model` overrides the config default; `analyse=False`: no workers."""
        super().__init__()
        self.dataset = dataset
        self.analyse = analyse
        self.model_name = model
        self.model_info: Any = None
        self.epochs: int | Literal["auto"] = "auto"
        self.provider = "openai"
        self.tier = "standard"
        self.counter: Any = None
        self.tokens: dict[int, Any] = {}
        self.tokens_ready = False
        self.tokens_exact = True
        self.row_issues: dict[int, list[Any]] = {}
        self.file_issues: list[Any] = []
        self.error_rows: set[int] = set()
        self.warning_rows: set[int] = set()
        self.validation_report: Any = None
        self.dedup_report: Any = None
        self.exact_rows: set[int] = set()
        self.near_rows: set[int] = set()
        self.spec = ViewSpec()
        self.search_query = ""
        self.progress: dict[str, tuple[int, int]] = {}
        self.unavailable: dict[str, str] = {}
        self._stamp: dict[int, int] = {}
        self._view_token = 0
        self._status_shown: tuple[str, str] = ("", "")
        self._initial_queue: list[str] = []
        self._debounce_timers: dict[str, Timer] = {}
        self._cost_pending = False
        self._line_width = len(str(max(len(dataset), 1)))
        self.cost_estimate: Any = None
        self.token_total = 0
        """Tokens of the valid examples (what the estimate prices)."""
        self._detail_shown_at = 0.0
        self.save_in_thread_bytes = SAVE_IN_THREAD_BYTES
        """Files at least this big are saved in a worker behind a modal."""
        self.validate_delay = VALIDATE_DELAY
        """Seconds after an edit before the whole file is revalidated."""
        self.dedup_delay = DEDUP_DELAY
        """Seconds after an edit before duplicates are searched again."""
        self.trained_total = 0

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        """Title, table, detail and side panels, status line, footer."""
        yield Static(id="title-bar")
        yield ExampleTable(self, id="table")
        with Horizontal(id="lower"):
            yield ExampleDetail(id="detail")
            with TabbedContent(id="side", initial="issues"):
                with TabPane("Issues", id="issues"):
                    yield IssueList(id="issue-list")
                with TabPane("Duplicates", id="duplicates"):
                    yield DuplicatesPanel(id="duplicates-panel")
                with TabPane("Cost", id="cost"):
                    yield CostPanel(id="cost-panel", model=self.model_name)
        with Horizontal(id="status-bar"):
            yield Static(id="status-left")
            yield Static(id="status-right")
        yield Footer()

    @property
    def table(self) -> ExampleTable:
        """The example table."""
        return self.query_one("#table", ExampleTable)

    @property
    def detail(self) -> ExampleDetail:
        """The detail pane."""
        return self.query_one("#detail", ExampleDetail)

    def on_mount(self) -> None:
        """Show the rows at once, then start the analysis in the background."""
        self._resolve_model()
        self.table.set_rows(list(self.dataset.row_ids), line_width=self._line_width)
        self.table.focus()
        self._update_title()
        self._update_status()
        if self.analyse:
            # One CPU-bound job at a time: threads share the GIL with the UI, and
            # three at once made keys lag (measured: see benchmarks/bench_curate.py).
            # Validation first (errors matter most), then tokens, then duplicates.
            self._initial_queue = ["tokens", "duplicates"]
            self.start_validation()
        else:
            for job in ("tokens", "validation", "duplicates"):
                self.unavailable[job] = "off"
            self._update_status()

    def _resolve_model(self) -> None:
        try:
            name = self.model_name or load_settings().default_model
            self.model_info = load_model_table().lookup(name)
            self.model_name = self.model_info.id
        except FtuiError as error:
            self.notify(str(error), title="Model", severity="error")

    # ------------------------------------------------------------------ workers
    def _run(
        self, job: str, function: Callable[..., None], *args: Any, **kwargs: Any
    ) -> None:
        def target() -> None:
            worker = get_current_worker()
            function(
                *args,
                post=self.post_message,
                should_stop=lambda: worker.is_cancelled,
                **kwargs,
            )

        self.progress[job] = (0, 0)
        self.run_worker(
            target,
            name=job,
            group=job,
            thread=True,
            exclusive=True,
            exit_on_error=False,
        )
        self._update_status()

    def start_validation(self) -> None:
        """Validate the whole file in a worker (with token totals once known)."""
        totals = None
        context = None
        if self.tokens_ready and self.model_info is not None:
            totals = _Totals(self.tokens)
            context = self.model_info.training_context
        self._run(
            "validation",
            analysis.validate,
            self.dataset,
            training_context=context,
            token_totals=totals,
        )

    def start_token_count(self) -> None:
        """Count every example's tokens in a worker."""
        if self.model_info is None:
            self.unavailable["tokens"] = "no model"
            return
        self.tokens_ready = False
        self._run("tokens", analysis.count_tokens, self.dataset, self.model_info)

    def start_dedup(self) -> None:
        """Search for duplicate examples in a worker."""
        self._run("duplicates", analysis.find_dups, self.dataset)

    def _debounce(self, name: str, delay: float, callback: Callable[[], None]) -> None:
        timer = self._debounce_timers.pop(name, None)
        if timer is not None:
            timer.stop()

        def fire() -> None:
            self._debounce_timers.pop(name, None)
            callback()

        self._debounce_timers[name] = self.set_timer(delay, fire)

    @property
    def busy(self) -> bool:
        """True while background work runs or is about to (tests wait on this)."""
        return bool(self.progress or self._debounce_timers or self._cost_pending)

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if event.state in (WorkerState.SUCCESS, WorkerState.CANCELLED):
            self.progress.pop(worker.name, None)
            self._update_status()
        elif event.state == WorkerState.ERROR:
            self.progress.pop(worker.name, None)
            self.unavailable[worker.name] = "failed"
            self.notify(
                f"{worker.name} stopped: {worker.error}",
                title="Background job failed",
                severity="error",
            )
            self._update_status()
            self._next_initial_job()

    @on(AnalysisProgress)
    def _progress(self, message: AnalysisProgress) -> None:
        self.progress[message.job] = (message.done, message.total)
        self._update_status()

    @on(AnalysisFailed)
    def _failed(self, message: AnalysisFailed) -> None:
        self.unavailable[message.job] = "failed"
        self.notify(message.error, title=message.job, severity="error")
        self._update_status()
        self._next_initial_job()

    @on(TokensCounted)
    def _tokens_counted(self, message: TokensCounted) -> None:
        result = message.result
        for row_id, counts in result.by_row.items():
            if self._stamp.get(row_id, -1) <= message.version:
                self.tokens[row_id] = counts
        self.tokens_exact = result.exact
        if result.warning:
            self.notify(result.warning, title="Token counts", severity="warning")
        self.counter = self._make_counter()
        # rows edited while counting were not in this result: count them now
        stale = [r for r, v in self._stamp.items() if v > message.version]
        self._recount(stale)
        self.tokens_ready = True
        self.unavailable.pop("tokens", None)
        self.table.refresh_rows()
        self._show_detail()
        self._schedule_cost()
        self.start_validation()  # again, now with over-context checks
        self._next_initial_job()

    def _make_counter(self) -> Any:
        from ftui.core.tokens import TokenCounter

        return TokenCounter.for_model(self.model_info)

    def _next_initial_job(self) -> None:
        """Start the next job of the first analysis, if any is left."""
        if not self._initial_queue:
            return
        job = self._initial_queue.pop(0)
        if job == "tokens":
            self.start_token_count()
            if "tokens" in self.unavailable:
                self._next_initial_job()
        else:
            self.start_dedup()

    @on(ValidationFinished)
    def _validated(self, message: ValidationFinished) -> None:
        if self._initial_queue and self._initial_queue[0] == "tokens":
            self._next_initial_job()
        if message.version != self.dataset.version:
            return  # an edit since then has scheduled a fresh run
        report = message.report
        self.validation_report = report
        self.row_issues = {k: list(v) for k, v in report.by_row.items()}
        self.file_issues = [i for i in report.issues if i.row_id is None]
        self._rebuild_issue_sets()
        self.unavailable.pop("validation", None)
        issue_list = self._panel("issue-list")
        if issue_list is not None and hasattr(issue_list, "show"):
            issue_list.show(report)
        self.table.refresh_rows()
        self._show_detail()
        self._schedule_cost()

    def _rebuild_issue_sets(self) -> None:
        self.error_rows = set()
        self.warning_rows = set()
        for row_id, issues in self.row_issues.items():
            self._classify(row_id, issues)

    def _classify(self, row_id: int, issues: list[Any]) -> None:
        severities = {str(i.severity) for i in issues}
        for severity, rows in (
            ("error", self.error_rows),
            ("warning", self.warning_rows),
        ):
            if severity in severities:
                rows.add(row_id)
            else:
                rows.discard(row_id)

    @on(DedupFinished)
    def _deduplicated(self, message: DedupFinished) -> None:
        if message.version != self.dataset.version:
            return
        report = message.report
        self.dedup_report = report
        self.exact_rows = {r for g in report.exact_groups for r in g.row_ids}
        self.near_rows = {r for g in report.near_groups for r in g.row_ids}
        self.unavailable.pop("duplicates", None)
        panel = self._panel("duplicates-panel")
        if panel is not None and hasattr(panel, "show"):
            panel.show(report, self.dataset)
        self.table.refresh_rows()

    @on(RowsAnalysed)
    def _rows_analysed(self, message: RowsAnalysed) -> None:
        for row_id, counts in message.tokens.items():
            if self._stamp.get(row_id, -1) <= message.version:
                if counts is None:
                    self.tokens.pop(row_id, None)
                else:
                    self.tokens[row_id] = counts
        for row_id, issues in message.issues.items():
            if self._stamp.get(row_id, -1) <= message.version:
                self.row_issues[row_id] = issues
                self._classify(row_id, issues)
        self.table.refresh_rows()
        self._show_detail()
        self._schedule_cost()

    def _panel(self, widget_id: str) -> Any:
        try:
            return self.query_one(f"#{widget_id}")
        except NoMatches:
            return None

    # ------------------------------------------------------------------ rows
    def row_cells(self, row_id: int) -> RowCells:
        """Cells of one row for the table (called only for visible rows)."""
        record = self.dataset.record(row_id)
        data = record.data
        marks: set[str] = set()
        if row_id in self.error_rows or record.error is not None:
            marks.add("error")
        if row_id in self.warning_rows:
            marks.add("warning")
        if row_id in self.exact_rows:
            marks.add("exact_dup")
        if row_id in self.near_rows:
            marks.add("near_dup")
        counts = self.tokens.get(row_id)
        if (
            counts is not None
            and self.model_info is not None
            and counts.total > self.model_info.training_context
        ):
            marks.add("over_limit")
        if edits.has_zero_weight(data):
            marks.add("zero_weight")
        if self.dataset.is_edited(row_id):
            marks.add("edited")
        if data is None:
            preview = "(blank line)" if record.error is None else record.text()[:400]
            turns = "-"
        else:
            preview = edits.first_user_text(data)[:400]
            if not preview and edits.messages_of(data) is None:
                preview = record.text()[:400]
            turns = str(edits.turn_count(data))
        if counts is not None:
            total, trained = f"{counts.total:,}", f"{counts.trained:,}"
        elif data is None or self.tokens_ready or "tokens" in self.unavailable:
            total = trained = "-"
        else:
            total = trained = "…"
        line = str(record.line) if record.line is not None else "new"
        return RowCells(
            line, frozenset(marks), turns, total, trained, clean_line(preview)
        )

    def _issues_of(self, row_id: int) -> list[Any]:
        return self.row_issues.get(row_id, [])

    @on(ExampleTable.CursorMoved)
    def _cursor_moved(self, message: ExampleTable.CursorMoved) -> None:
        # Redrawing the detail pane costs a layout pass (tens of ms); while keys
        # repeat, only the table follows each key and the pane catches up after.
        if time.monotonic() - self._detail_shown_at >= DETAIL_IDLE:
            self._show_detail()
        else:
            self._debounce("detail", DETAIL_DELAY, self._show_detail)

    def _sync_detail(self) -> None:
        """Bring a pending detail update forward (actions read the pane's turn)."""
        timer = self._debounce_timers.pop("detail", None)
        if timer is not None:
            timer.stop()
        if self.detail.row_id != self.table.row_id:
            self._show_detail()

    def _show_detail(self, selected: int | None = None) -> None:
        self._detail_shown_at = time.monotonic()
        timer = self._debounce_timers.pop("detail", None)
        if timer is not None:
            timer.stop()
        row_id = self.table.row_id
        detail = self.detail
        if row_id is None:
            detail.show(
                None, None, title="no examples shown (escape clears the filter)"
            )
            return
        record = self.dataset.record(row_id)
        counts = self.tokens.get(row_id)
        parts = [f"line {record.line}" if record.line is not None else "new line"]
        parts.append(f"{self.table.cursor + 1:,} of {len(self.table.rows):,} shown")
        if counts is not None:
            parts.append(f"{counts.total:,} tokens, {counts.trained:,} trained")
        if self.dataset.is_edited(row_id):
            parts.append("edited")
        detail.show(
            row_id,
            record,
            per_message=counts.per_message if counts is not None else None,
            issues=self._issues_of(row_id),
            title=" · ".join(parts),
            selected=selected,
        )

    @on(ExampleTable.Activated)
    def _activated(self, message: ExampleTable.Activated) -> None:
        self.detail.focus()

    @on(ExampleTable.HeaderClicked)
    def _header_clicked(self, message: ExampleTable.HeaderClicked) -> None:
        self._sort_by(message.column)

    # ------------------------------------------------------------------ view
    def _facts(self) -> RowFacts:
        return RowFacts(
            errors=self.error_rows,
            warnings=self.warning_rows,
            exact_dup=self.exact_rows,
            near_dup=self.near_rows,
            tokens=self.tokens,
            training_context=(
                self.model_info.training_context if self.model_info else None
            ),
            marked=self.table.marked,
        )

    def rebuild_view(self, *, keep: int | None = None) -> None:
        """Recompute the table's rows from the filter, search and sort."""
        keep = self.table.row_id if keep is None else keep
        self._view_token += 1
        spec = self.spec
        if spec.is_plain:
            self.table.set_rows(
                list(self.dataset.row_ids), keep=keep, line_width=self._line_width
            )
            self._after_view()
            return
        heavy = spec.filter == "zero_weight" or spec.sort in ("turns", "preview")
        if len(self.dataset) <= SYNC_VIEW_ROWS and not (
            heavy and len(self.dataset) > 20_000
        ):
            rows = analysis.compute_view(self.dataset, spec, self._facts())
            assert rows is not None
            self.table.set_rows(rows, keep=keep, line_width=self._line_width)
            self._after_view()
            return
        self._pending_keep = keep
        self._run(
            "view",
            analysis.compute_view_job,
            self.dataset,
            spec,
            self._facts(),
            self._view_token,
        )

    @on(ViewComputed)
    def _view_computed(self, message: ViewComputed) -> None:
        if message.token != self._view_token:
            return
        self.table.set_rows(
            message.row_ids,
            keep=getattr(self, "_pending_keep", None),
            line_width=self._line_width,
        )
        self._after_view()

    def _after_view(self) -> None:
        table = self.table
        table.sort_column = (
            None
            if self.spec.sort in ("line", "relevance") and not self.spec.reverse
            else self.spec.sort
        )
        table.sort_reverse = self.spec.reverse
        table.refresh_rows()
        self._update_title()
        self._show_detail()

    def _sort_by(self, column: str) -> None:
        if column == self.spec.sort:
            self.spec = replace(self.spec, reverse=not self.spec.reverse)
        else:
            self.spec = replace(self.spec, sort=column, reverse=False)
        self.rebuild_view()

    def set_filter(self, name: str) -> None:
        """Show only rows with a status (`analysis.FILTERS`)."""
        self.spec = replace(self.spec, filter=name)
        self.rebuild_view()

    def run_search(self, query: str) -> None:
        """Fuzzy-search all rows (empty query clears the search)."""
        self.search_query = query.strip()
        if not self.search_query:
            self.spec = replace(self.spec, search=None, sort="line", reverse=False)
            self.rebuild_view()
            return
        self._run(
            "search",
            analysis.search_rows,
            self.dataset,
            list(self.dataset.row_ids),
            self.search_query,
        )

    @on(SearchFinished)
    def _searched(self, message: SearchFinished) -> None:
        if message.query != self.search_query:
            return
        self.spec = replace(
            self.spec, search=tuple(message.row_ids), sort="relevance", reverse=False
        )
        self.rebuild_view(keep=message.row_ids[0] if message.row_ids else None)
        if message.row_ids:
            self.table.move_cursor(0, force=True)
        self.notify(
            f"{len(message.row_ids):,} examples match “{message.query}”",
            title="Search",
        )

    def goto_line(self, line: int) -> bool:
        """Select the row read from physical line `line`; False if there is none."""
        row_id = line - 1
        try:
            record = self.dataset.record(row_id)
            self.dataset.position_of(row_id)
        except (IndexError, ValueError):
            record = None
        if record is None or record.line != line:
            self.notify(f"there is no line {line}", severity="warning")
            return False
        if not self.table.select_row(row_id):
            self.spec = ViewSpec()
            self.search_query = ""
            self.rebuild_view(keep=row_id)
            self.table.select_row(row_id)
            self.notify(f"line {line} was hidden: showing all examples")
        self.table.focus()
        self._show_detail()
        return True

    def jump_to(self, row_id: int, message_index: int | None = None) -> None:
        """Select a row (clearing the filter if it hides it) and optionally a turn."""
        if not self.table.select_row(row_id):
            try:
                self.dataset.position_of(row_id)
            except ValueError:
                self.notify("that example was deleted", severity="warning")
                return
            self.spec = ViewSpec()
            self.search_query = ""
            self.rebuild_view(keep=row_id)
            self.table.select_row(row_id)
        self._show_detail(selected=message_index or 0)

    # ------------------------------------------------------------------ edits
    def _current(self) -> tuple[int, Any] | None:
        self._sync_detail()
        row_id = self.table.row_id
        if row_id is None:
            self.notify("no example selected", severity="warning")
            return None
        return row_id, self.dataset.record(row_id)

    def _current_turn(self) -> tuple[int, dict[str, Any], int] | None:
        current = self._current()
        if current is None:
            return None
        row_id, record = current
        if record.data is None or edits.messages_of(record.data) is None:
            self.notify(
                "this line has no turns: E edits it as raw JSON", severity="warning"
            )
            return None
        if not edits.messages_of(record.data):
            self.notify("this example has no turns: a adds one", severity="warning")
            return None
        return row_id, record.data, self.detail.selected_turn

    def apply(self, changes: dict[int, dict[str, Any]], label: str) -> None:
        """Write new contents for rows as one undoable edit, then refresh."""
        if not changes:
            return
        self.dataset.set_many(changes, label)
        self.after_edit(set(changes), structural=False)

    def after_edit(self, rows: Iterable[int], *, structural: bool) -> None:
        """Bring counts, issues, view and panels up to date after a change."""
        rows = list(rows)
        version = self.dataset.version
        for row_id in rows:
            self._stamp[row_id] = version
        if len(rows) <= SYNC_ROWS:
            self._recount(rows)
        else:
            self._run(
                "recount",
                analysis.recount_rows,
                self.dataset,
                rows,
                self.counter,
            )
        if structural:
            self.rebuild_view()
        else:
            self.table.refresh_rows()
            self._show_detail()
        self._update_title()
        self._schedule_cost()
        if self.analyse:
            self._debounce("validation", self.validate_delay, self.start_validation)
            self._debounce("duplicates", self.dedup_delay, self.start_dedup)

    def _recount(self, rows: Iterable[int]) -> None:
        for row_id in rows:
            try:
                record = self.dataset.record(row_id)
            except (IndexError, KeyError):
                continue
            if self.counter is not None:
                counts = self.counter.count_record(record)
                if counts is None:
                    self.tokens.pop(row_id, None)
                else:
                    self.tokens[row_id] = counts
            if self.analyse:
                issues = validate_record(record, row_id)
                self.row_issues[row_id] = issues
                self._classify(row_id, issues)

    def _edit_turn_data(
        self, transform: Callable[[dict[str, Any]], dict[str, Any]], label: str
    ) -> bool:
        current = self._current_turn()
        if current is None:
            return False
        row_id, data, _ = current
        try:
            changed = transform(data)
        except (ValueError, IndexError) as error:
            self.notify(str(error), severity="warning")
            return False
        if changed is not data:
            self.apply({row_id: changed}, label)
        return True

    def action_toggle_weight(self) -> None:
        """Toggle the selected assistant turn between trained and weight 0."""
        current = self._current_turn()
        if current is None:
            return
        _, _, turn = current
        if self.detail.role_of(turn) != "assistant":
            self.notify(
                "weight applies to assistant turns: select one with ] and [",
                severity="warning",
            )
            return
        self._edit_turn_data(lambda d: edits.toggle_weight(d, turn), "toggle weight")

    def action_zero_weights(self) -> None:
        """Weight 0 on all assistant turns but the last, in marked or shown examples."""
        targets = list(self.table.marked) or list(self.table.rows)
        scope = "marked" if self.table.marked else "shown"
        if not targets:
            return

        def confirmed(answer: bool | None) -> None:
            if answer:
                self._zero_weights(targets)

        self.app.push_screen(
            ConfirmDialog(
                f"Set weight 0 on every assistant turn except the last one, in "
                f"{len(targets):,} {scope} examples? (u undoes it)",
                title="Train only on the last answer",
            ),
            confirmed,
        )

    @work(thread=True, exclusive=True, group="bulk", name="bulk", exit_on_error=False)
    def _zero_weights(self, targets: list[int]) -> None:
        """Prepare the bulk edit off the UI thread (it parses every target row)."""
        version = self.dataset.version
        changes: dict[int, dict[str, Any]] = {}
        worker = get_current_worker()
        for done, row_id in enumerate(targets):
            if done % 5000 == 0:
                if worker.is_cancelled:
                    return
                self.post_message(AnalysisProgress("bulk", done, len(targets)))
            data = self.dataset.record(row_id).data
            if data is None:
                continue
            changed = edits.zero_weights_except_last(data)
            if changed is not data:
                changes[row_id] = changed
        self.app.call_from_thread(self._apply_zero_weights, version, changes)

    def _apply_zero_weights(self, version: int, changes: dict[int, Any]) -> None:
        self.progress.pop("bulk", None)
        if version != self.dataset.version:
            self.notify("the data changed meanwhile: run it again", severity="warning")
            return
        if not changes:
            self.notify("nothing to change: no example has an earlier assistant turn")
            self._update_status()
            return
        self.apply(changes, f"weight 0 except last ({len(changes):,} examples)")
        self.notify(f"weight 0 set in {len(changes):,} examples (u undoes)")

    def action_edit_turn(self) -> None:
        """Edit the selected turn (its text, or its JSON when not plain text)."""
        current = self._current()
        if current is None:
            return
        row_id, record = current
        messages = edits.messages_of(record.data)
        if record.data is None or not messages:
            self.action_raw_edit()
            return
        turn = min(self.detail.selected_turn, len(messages) - 1)
        message = messages[turn]
        if (
            isinstance(message, dict)
            and isinstance(message.get("content", ""), str)
            and not (message.get("tool_calls") or message.get("function_call"))
        ):
            role = message.get("role", "?")

            def done(text: str | None) -> None:
                if text is not None and text != message.get("content"):
                    data = self.dataset.record(row_id).data
                    assert data is not None
                    self.apply(
                        {row_id: edits.set_content(data, turn, text)}, "edit turn"
                    )

            self.app.push_screen(
                EditTurnDialog(
                    str(message.get("content") or ""),
                    title=f"Edit turn {turn + 1} ({role}), line {record.line or 'new'}",
                ),
                done,
            )
            return

        def done_json(text: str | None) -> None:
            if text is None:
                return
            value = json.loads(text)
            data = self.dataset.record(row_id).data
            assert data is not None
            self.apply({row_id: edits.replace_message(data, turn, value)}, "edit turn")

        self.app.push_screen(
            EditTurnDialog(
                json.dumps(message, ensure_ascii=False, indent=2),
                title=f"Edit turn {turn + 1} as JSON",
                check=_json_object_problem,
            ),
            done_json,
        )

    def action_raw_edit(self) -> None:
        """Edit the whole line as raw JSON (repairs lines that do not parse)."""
        current = self._current()
        if current is None:
            return
        row_id, record = current

        def done(text: str | None) -> None:
            # compare bytes: a line that is not UTF-8 shows (and comes back) as
            # text with U+FFFD, equal to record.text() though the bytes differ
            if text is None or _raw_bytes(text) == record.raw:
                return
            self.dataset.set_raw(row_id, text)
            self.after_edit({row_id}, structural=False)
            self.notify(f"line {record.line or 'new'} updated (u undoes)")

        where = f"line {record.line}" if record.line else "the new line"
        verb = "Edit" if record.error is None and record.data is not None else "Repair"
        title = f"{verb} {where} (raw JSON)"
        if record.error is not None and record.error.code == "invalid_utf8":
            title += " · \ufffd marks bytes that were not UTF-8"
        self.app.push_screen(RawLineDialog(record.text(), title=title), done)

    def action_change_role(self) -> None:
        """Change the selected turn's role."""
        current = self._current_turn()
        if current is None:
            return
        _, _, turn = current
        role = self.detail.role_of(turn)

        def done(choice: str | None) -> None:
            if choice is not None and choice != role:
                self._edit_turn_data(
                    lambda d: edits.set_role(d, turn, choice), "change role"
                )

        # a misspelt role ("asistant") starts on its closest valid role
        guess = role if role in edits.ROLES else None
        if guess is None and role:
            close = difflib.get_close_matches(role.lower(), edits.ROLES, n=1)
            guess = close[0] if close else None
        self.app.push_screen(
            ChoiceDialog(
                f"Role of turn {turn + 1} (now {role!r})",
                [(r, r) for r in edits.ROLES],
                current=guess,
            ),
            done,
        )

    def action_add_turn(self) -> None:
        """Add a turn after the selected one, then edit it."""
        current = self._current()
        if current is None:
            return
        row_id, record = current
        messages = edits.messages_of(record.data)
        if messages is None:
            self.notify(
                "this line has no turns: E edits it as raw JSON", severity="warning"
            )
            return
        position = min(self.detail.selected_turn + 1, len(messages)) if messages else 0
        previous = self.detail.role_of(position - 1)
        suggested = "assistant" if previous in ("user", "tool") else "user"

        def written(role: str, text: str | None) -> None:
            # the turn is added only once its text is kept: escape adds nothing,
            # and the turn with its text is one undo step
            if text is None:
                self.notify("no turn added")
                return
            data = self.dataset.record(row_id).data
            assert data is not None
            changed = edits.insert_message(
                data, position, {"role": role, "content": text}
            )
            self.apply({row_id: changed}, "add turn")
            self._show_detail(selected=position)

        def chosen(role: str | None) -> None:
            if role is None:
                return
            self.app.push_screen(
                EditTurnDialog(
                    "",
                    title=f"New turn {position + 1} ({role}), "
                    f"line {record.line or 'new'}",
                ),
                partial(written, role),
            )

        self.app.push_screen(
            ChoiceDialog(
                "Role of the new turn", [(r, r) for r in edits.ROLES], current=suggested
            ),
            chosen,
        )

    def action_delete_turn(self) -> None:
        """Delete the selected turn."""
        current = self._current_turn()
        if current is None:
            return
        _, _, turn = current
        if self._edit_turn_data(lambda d: edits.delete_message(d, turn), "delete turn"):
            self.notify(f"turn {turn + 1} deleted (u undoes)")

    def action_add_example(self) -> None:
        """Ask for a user turn and its answer; insert them after the selected example.

        The selected example's system prompt is copied (datasets share one, and
        an example without it gets a warning). Nothing is inserted until both
        texts are kept: escape in either editor adds nothing.
        """
        row_id = self.table.row_id
        position = 0 if row_id is None else self.dataset.position_of(row_id) + 1
        system = self._system_prompt(row_id)
        line = None if row_id is None else self.dataset.record(row_id).line
        where = "at the top" if row_id is None else f"after line {line or 'new'}"
        copied = " · system prompt copied" if system is not None else ""

        def answered(user: str, answer: str | None) -> None:
            if answer is None:
                self.notify("no example added")
                return
            example = edits.new_example(user, answer, system=system)
            new_id = self.dataset.insert(position, example)
            self.after_edit({new_id}, structural=True)
            self.jump_to(new_id, len(example["messages"]) - 2)
            self.notify("example added (u undoes)")

        def asked(user: str | None) -> None:
            if user is None:
                self.notify("no example added")
                return
            self.app.push_screen(
                EditTurnDialog(
                    "", title=f"New example {where}: the assistant's answer"
                ),
                partial(answered, user),
            )

        self.app.push_screen(
            EditTurnDialog("", title=f"New example {where}: the user turn{copied}"),
            asked,
        )

    def _system_prompt(self, row_id: int | None) -> str | None:
        """The text of the example's leading system turn, if it has one."""
        if row_id is None:
            return None
        messages = edits.messages_of(self.dataset.record(row_id).data)
        if not messages or not isinstance(messages[0], dict):
            return None
        first = messages[0]
        if first.get("role") != "system" or not isinstance(first.get("content"), str):
            return None
        return str(first["content"])

    def action_mark_all(self) -> None:
        """Mark every shown example; when all are marked already, unmark all."""
        table = self.table
        shown = set(table.rows)
        if shown and shown <= table.marked:
            table.marked.clear()
            self.notify("all examples unmarked")
        else:
            table.marked.update(shown)
            self.notify(f"{len(table.marked):,} examples marked (d deletes them)")
        table.refresh_rows()

    def action_delete_example(self) -> None:
        """Delete the marked examples, or the selected one."""
        marked = [r for r in self.table.rows if r in self.table.marked]
        targets = marked or (
            [self.table.row_id] if self.table.row_id is not None else []
        )
        if not targets:
            return
        # name the line: "deleted example" did not say which one went
        line = self.dataset.record(targets[0]).line
        label = (
            f"delete {len(targets):,} examples"
            if len(targets) > 1
            else (f"delete line {line}" if line else "delete new example")
        )
        self.dataset.delete(targets, label)
        self.table.marked.difference_update(targets)
        index = self.table.cursor
        self.after_edit((), structural=True)
        self.table.move_cursor(index, force=True)
        self.notify(f"{label.replace('delete', 'deleted')} (u undoes)")

    def action_duplicate_example(self) -> None:
        """Insert a copy of the selected example after it."""
        current = self._current()
        if current is None:
            return
        new_id = self.dataset.duplicate(current[0])
        self.after_edit({new_id}, structural=True)
        self.jump_to(new_id)
        self.notify("example duplicated (u undoes)")

    def action_undo(self) -> None:
        """Undo the last change."""
        edit = self.dataset.undo()
        if edit is None:
            self.notify("nothing to undo")
            return
        rows, structural = _edit_rows(edit)
        self.after_edit(rows, structural=structural)
        self.notify(f"undone: {edit.label}")

    def action_redo(self) -> None:
        """Redo the last undone change."""
        edit = self.dataset.redo()
        if edit is None:
            self.notify("nothing to redo")
            return
        rows, structural = _edit_rows(edit)
        self.after_edit(rows, structural=structural)
        self.notify(f"redone: {edit.label}")

    # ------------------------------------------------------------------ saving
    def action_save(self) -> None:
        """Save atomically; if the file changed on disk, offer overwrite or save-as."""
        self.save()

    def save(
        self, *, force: bool = False, then: Callable[[], None] | None = None
    ) -> None:
        """Save (asking what to do if the file changed on disk), then run `then`."""
        self._write(None, force, partial(self._saved, then=then))

    def _write(
        self,
        target: Path | None,
        force: bool,
        done: Callable[[Path | Exception], None],
    ) -> None:
        """Save to `target` (None: the file itself); big files save in a worker.

        While a big file is written a modal blocks edits (the dataset must not
        change under the writer) but the screen keeps drawing.
        """
        if self.dataset.source_size < self.save_in_thread_bytes:
            try:
                done(self.dataset.save(target, force=force))
            except FtuiError as error:
                done(error)
            return
        self.app.push_screen(BusyDialog(f"Saving {len(self.dataset):,} lines…"))
        self._save_worker(target, force, done)

    @work(thread=True, exclusive=True, group="save", name="save", exit_on_error=False)
    def _save_worker(
        self,
        target: Path | None,
        force: bool,
        done: Callable[[Path | Exception], None],
    ) -> None:
        """Write the file off the UI thread."""
        outcome: Path | Exception
        try:
            outcome = self.dataset.save(target, force=force)
        except FtuiError as error:
            outcome = error
        self.app.call_from_thread(self._save_finished, outcome, done)

    def _save_finished(
        self, outcome: Path | Exception, done: Callable[[Path | Exception], None]
    ) -> None:
        if isinstance(self.app.screen, BusyDialog):
            self.app.pop_screen()
        done(outcome)

    def _saved(
        self, outcome: Path | Exception, then: Callable[[], None] | None
    ) -> None:
        if isinstance(outcome, SourceRewrittenError):
            self.notify(str(outcome), title="Not saved", severity="error", timeout=20)
            return
        if isinstance(outcome, FileChangedError):

            def choose(choice: str | None) -> None:
                if choice == "overwrite":
                    self.save(force=True, then=then)
                elif choice == "save_as":
                    self.action_save_as(then=then)

            self.app.push_screen(
                ChoiceDialog(
                    f"{self.dataset.path} changed on disk since it was opened.",
                    [
                        ("save_as", "Save as another file…"),
                        ("overwrite", "Overwrite it (lose the changes made on disk)"),
                        ("cancel", "Cancel"),
                    ],
                    current="save_as",
                ),
                choose,
            )
            return
        if isinstance(outcome, Exception):
            self.notify(str(outcome), title="Not saved", severity="error")
            return
        self._update_title()
        self.notify(f"saved {len(self.dataset):,} lines to {outcome}", title="Saved")
        if then is not None:
            then()

    def action_save_as(self, then: Callable[[], None] | None = None) -> None:
        """Write the dataset to another file."""
        default = str(self.dataset.path) if self.dataset.path else "data.jsonl"

        def chosen(value: str | None) -> None:
            if not value:
                return
            target = Path(value).expanduser()
            self._save_as(target, force=False, then=then)

        self.app.push_screen(
            TextPromptDialog(
                "Save as", value=default, hint="enter saves · escape cancels"
            ),
            chosen,
        )

    def _save_as(
        self, target: Path, *, force: bool, then: Callable[[], None] | None
    ) -> None:
        same = (
            self.dataset.path is not None
            and target.resolve() == self.dataset.path.resolve()
        )

        def done(outcome: Path | Exception) -> None:
            if isinstance(outcome, OutputExistsError):

                def confirm(answer: bool | None) -> None:
                    if answer:
                        self._save_as(target, force=True, then=then)

                self.app.push_screen(
                    ConfirmDialog(f"{target} exists. Overwrite it?", title="Save as"),
                    confirm,
                )
                return
            self._saved(outcome, then)

        self._write(target, force or same, done)

    # ------------------------------------------------------------------ export
    def action_export(self) -> None:
        """Split into train/validation files (export dialog); written in a worker."""
        if self.dataset.path is None:
            self.notify("save the dataset first (S)", severity="warning")
            return
        examples = (
            sum(
                1
                for row_id in self.dataset.row_ids
                if row_id not in self.error_rows and row_id in self.tokens
            )
            or None
        )
        self.app.push_screen(
            ExportDialog(self.dataset.path, examples=examples), self._export
        )

    def _export(self, request: Any) -> None:
        if request is not None:
            self._write_split(request, set(self.error_rows))

    @work(
        thread=True, exclusive=True, group="export", name="export", exit_on_error=False
    )
    def _write_split(self, request: Any, exclude: set[int]) -> None:
        """Split (keeping duplicate clusters together) and write both files."""
        from ftui.core.split import split_dataset, write_split

        try:
            result = split_dataset(
                self.dataset,
                request.validation_fraction,
                request.seed,
                self.dedup_report,
                exclude=exclude,
            )
            train, valid = write_split(
                result,
                request.train_path,
                request.valid_path,
                overwrite=request.overwrite,
            )
        except (FtuiError, ValueError) as error:
            self.app.call_from_thread(
                self.notify, str(error), title="Export failed", severity="error"
            )
            return
        self.app.call_from_thread(
            self.notify,
            f"{result.summary()}: {train}, {valid}",
            title="Exported",
        )

    # ------------------------------------------------------------------ view actions
    def action_search(self) -> None:
        """Ask for a search text."""

        def done(value: str | None) -> None:
            if value is not None:
                self.run_search(value)

        self.app.push_screen(
            TextPromptDialog(
                "Search all turns (fuzzy)",
                value=self.search_query,
                placeholder="words to find; empty clears the search",
            ),
            done,
        )

    def action_filter(self) -> None:
        """Choose a status filter."""

        def done(choice: str | None) -> None:
            if choice is not None:
                self.set_filter(choice)

        self.app.push_screen(
            ChoiceDialog("Show", list(FILTERS), current=self.spec.filter), done
        )

    def action_sort(self) -> None:
        """Choose the sort column (choosing the current one reverses it)."""

        def done(choice: str | None) -> None:
            if choice is not None:
                self._sort_by(choice)

        options = list(SORTS)
        if self.spec.search is not None:
            options.insert(0, ("relevance", "search relevance"))
        self.app.push_screen(
            ChoiceDialog("Sort by", options, current=self.spec.sort), done
        )

    def action_goto_line(self) -> None:
        """Ask for a line number and jump to it."""

        def check(value: str) -> str | None:
            return None if value.strip().isdigit() else "type a line number"

        def done(value: str | None) -> None:
            if value:
                self.goto_line(int(value.strip()))

        self.app.push_screen(TextPromptDialog("Go to line", check=check), done)

    def _step_problem(self, step: int) -> None:
        rows = self.table.rows
        if not rows:
            return
        problems = self.error_rows | self.warning_rows
        start = self.table.cursor
        for offset in range(1, len(rows) + 1):
            index = (start + step * offset) % len(rows)
            row_id = rows[index]
            if row_id in problems or self.dataset.record(row_id).error is not None:
                self.table.move_cursor(index)
                return
        self.notify("no errors or warnings in the shown examples")

    def action_next_problem(self) -> None:
        """Select the next row with an error or warning."""
        self._step_problem(1)

    def action_previous_problem(self) -> None:
        """Select the previous row with an error or warning."""
        self._step_problem(-1)

    def action_next_turn(self) -> None:
        """Select the next turn of the example."""
        self._sync_detail()
        self.detail.action_next_turn()

    def action_previous_turn(self) -> None:
        """Select the previous turn of the example."""
        self._sync_detail()
        self.detail.action_previous_turn()

    def action_show_panel(self, tab: str) -> None:
        """Open a side panel (on narrow terminals it replaces the detail pane)."""
        side = self.query_one("#side", TabbedContent)
        side.active = tab
        self.add_class("-side-open")
        pane = side.get_pane(tab)
        focusable = [w for w in pane.query("*") if w.focusable]
        if focusable:
            focusable[0].focus()

    def action_back(self) -> None:
        """Return to the table; from the table, clear the search and filter."""
        if self.has_class("-side-open") or self.focused is not self.table:
            self.remove_class("-side-open")
            self.table.focus()
            return
        if not self.spec.is_plain:
            self.spec = ViewSpec()
            self.search_query = ""
            self.rebuild_view()
            self.notify("showing all examples")

    def action_help(self) -> None:
        """Show every key and the status marks."""
        from ftui.tui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen())

    # ------------------------------------------------------------------ panels
    def _on_issue_selected(self, issue: Any) -> None:
        if issue.row_id is None:
            self.notify(issue.message)
            return
        self.jump_to(issue.row_id, issue.message_index)
        if self.has_class("-narrow"):
            self.remove_class("-side-open")
            self.table.focus()

    def on_issue_list_issue_selected(self, message: Any) -> None:
        """An issue was picked in the issues panel: show its example and turn."""
        self._on_issue_selected(message.issue)

    def on_duplicates_panel_jump_requested(self, message: Any) -> None:
        """Show a duplicate cluster member."""
        self.jump_to(message.row_id)
        if self.has_class("-narrow"):
            self.remove_class("-side-open")
            self.table.focus()

    def on_duplicates_panel_drop_requested(self, message: Any) -> None:
        """Delete duplicate rows (one undoable step)."""
        rows = tuple(message.row_ids)
        if not rows:
            return
        self.dataset.delete(rows, message.label)
        self.after_edit((), structural=True)
        self.notify(f"{message.label} (u undoes)")

    def on_cost_panel_settings_changed(self, message: Any) -> None:
        """Recompute the estimate; recount tokens if the tokenizer changes."""
        self.epochs, self.provider, self.tier = (
            message.epochs if isinstance(message.epochs, int) else "auto",
            message.provider,
            message.tier,
        )
        if message.model and message.model != self.model_name:
            try:
                info = load_model_table().lookup(message.model)
            except FtuiError as error:
                self.notify(str(error), severity="error")
                return
            old = self.model_info
            self.model_info, self.model_name = info, info.id
            if old is None or old.encoding != info.encoding:
                self.tokens = {}
                self._stamp = {}
                self.counter = None
                self.table.refresh_rows()
                self.start_token_count()
                return
            self.table.refresh_rows()
            if self.analyse:  # over-context warnings depend on the model
                self.start_validation()
        self._schedule_cost()

    # ------------------------------------------------------------------ status
    def _schedule_cost(self) -> None:
        if not self._cost_pending:
            self._cost_pending = True
            self.set_timer(0.05, self._update_cost)

    def _update_cost(self) -> None:
        self._cost_pending = False
        if not self.tokens:
            self._update_status()
            return
        totals: list[int] = []
        trained = 0
        tokens = self.tokens
        errors = self.error_rows
        for row_id in self.dataset.row_ids:
            counts = tokens.get(row_id)
            if counts is not None and row_id not in errors:
                totals.append(counts.total)
                trained += counts.trained
        self.token_total = sum(totals)
        self.trained_total = trained
        self.cost_estimate = None
        if self.model_info is not None:
            try:
                self.cost_estimate = estimate_cost(
                    totals,
                    self.model_info,
                    epochs=self.epochs,
                    provider=self.provider,
                    tier=self.tier,
                )
            except FtuiError as error:
                self.notify(str(error), title="Cost", severity="error")
        panel = self._panel("cost-panel")
        if (
            self.cost_estimate is not None
            and panel is not None
            and hasattr(panel, "show")
        ):
            panel.show(self.cost_estimate, totals, self.tokens_exact, trained=trained)
        self._update_status()

    def _update_title(self) -> None:
        dataset = self.dataset
        name = str(dataset.path) if dataset.path else "(new file)"
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append("ftui curate  ", style="bold")
        text.append(clean_line(name))
        if dataset.modified:
            text.append("  ● modified", style="bold")
        view = []
        if self.spec.filter != "all":
            view.append(f"filter: {_FILTER_LABELS[self.spec.filter]}")
        if self.spec.search is not None:
            view.append(f"search: {clean_line(self.search_query)}")
        if self.spec.sort not in ("line", "relevance") or self.spec.reverse:
            view.append(f"sort: {self.spec.sort}{' ▼' if self.spec.reverse else ''}")
        if view:
            shown = len(self.table.rows) if self.is_mounted else 0
            text.append(f"  [{' · '.join(view)} — {shown:,} of {len(dataset):,}]")
        with suppress(NoMatches):  # not composed yet
            self.query_one("#title-bar", Static).update(text)

    def status_text(self, *, compact: bool = False) -> tuple[str, str]:
        """The two halves of the status line (also used by tests).

        `compact` drops the line count and shortens labels, so the trained
        tokens and the $ estimate still fit an 80-column terminal.
        """
        left: list[str] = [] if compact else [f"{len(self.dataset):,} lines"]
        if self.validation_report is not None:
            left.append(f"{len(self.error_rows):,} err")
            left.append(f"{len(self.warning_rows):,} warn")
        if self.dedup_report is not None:
            dups = len(self.dedup_report.exact_groups) + len(
                self.dedup_report.near_groups
            )
            noun = "dup" if compact else ("dup group" if dups == 1 else "dup groups")
            left.append(f"{dups:,} {noun}")
        if self.tokens:
            approx = "" if self.tokens_exact else "~"
            left.append(
                f"{approx}{_short(self.token_total)} tok "
                f"({_short(self.trained_total)} trained)"
            )
        estimate = self.cost_estimate
        if estimate is not None and estimate.cost_usd is not None:
            epochs = "" if compact else f" ({estimate.epochs} ep)"
            left.append(f"${estimate.cost_usd:,.2f}{epochs}")
        right: list[str] = []
        for job, (done, total) in self.progress.items():
            if total:
                right.append(f"{job} {100 * done // max(total, 1)}%")
            else:
                right.append(f"{job}…")
        for job, why in self.unavailable.items():
            if why != "off":
                right.append(f"{job}: {why}")
        if not right:
            right.append("ready" if self.analyse else "analysis off")
        return " · ".join(left), " · ".join(right)

    def on_resize(self) -> None:
        """Refit the status line to the new width."""
        self._update_status()

    def _update_status(self) -> None:
        if not self.is_mounted:
            return
        shown = self.status_text()
        # 4 = the padding of both halves: past that the $ estimate was cut off
        if sum(len(half) for half in shown) + 4 > self.size.width:
            shown = self.status_text(compact=True)
        if shown == self._status_shown:
            return  # progress arrives often; an unchanged line costs no layout pass
        self._status_shown = shown
        left, right = shown
        with suppress(NoMatches):  # not composed yet
            self.query_one("#status-left", Static).update(Text(left, no_wrap=True))
            self.query_one("#status-right", Static).update(Text(right, no_wrap=True))

    def _duplicates_action(self, action: str) -> None:
        """Run a duplicates panel action on the selected example's cluster."""
        panel = self._panel("duplicates-panel")
        if panel is None or panel.report is None:
            self.notify("the duplicate search has not finished yet", severity="warning")
            return
        self.action_show_panel("duplicates")
        row_id = self.table.row_id
        if row_id is not None:
            panel.select_row(row_id)
        if action == "compare":
            panel.action_compare()
        else:
            panel.action_drop()

    # ------------------------------------------------------------------ palette
    def commands(self) -> Iterator[tuple[str, str, Callable[[], Any]]]:
        """Every screen action for the command palette: (title, help, callback)."""
        for spec in KEYS:
            action = spec.action
            key = spec.key.split(",")[0]
            key_name = {
                "colon": ":",
                "right_square_bracket": "]",
                "left_square_bracket": "[",
                "equals_sign": "=",
                "dollar_sign": "$",
                "question_mark": "?",
            }.get(key, key)
            yield (
                spec.title,
                f"{spec.help} ({key_name})",
                partial(self.run_action, action),
            )
        # the duplicates panel's own keys (c, D) work only inside the panel
        yield (
            "Compare duplicates",
            "side by side: the selected example's duplicate cluster (= then c)",
            partial(self._duplicates_action, "compare"),
        )
        yield (
            "Drop duplicates",
            "drop all but the representative, one cluster or all (= then D)",
            partial(self._duplicates_action, "drop"),
        )
        for name, label in FILTERS:
            yield (
                f"Filter: {label}",
                "show only these examples",
                partial(self.set_filter, name),
            )
        for name, label in SORTS:
            yield (f"Sort by {label}", "sort the table", partial(self._sort_by, name))


class _Totals(Mapping[int, int]):
    """Total tokens by row id, read live from the token counts (no 1M-row copy)."""

    def __init__(self, tokens: dict[int, Any]) -> None:
        self._tokens = tokens

    def __getitem__(self, row_id: int) -> int:
        return int(self._tokens[row_id].total)

    def __iter__(self) -> Iterator[int]:
        return iter(list(self._tokens))

    def __len__(self) -> int:
        return len(self._tokens)


def _short(value: int) -> str:
    if value >= 1_000_000:
        return f"{value / 1_000_000:.1f}M"
    if value >= 10_000:
        return f"{value / 1000:.0f}k"
    return f"{value:,}"


def _json_object_problem(text: str) -> str | None:
    try:
        value = json.loads(text)
    except ValueError as error:
        return f"not valid JSON: {error}"
    if not isinstance(value, dict):
        return "a turn must be a JSON object"
    return None
