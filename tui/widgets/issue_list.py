"""The validation panel: every issue of a report, filterable by severity."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Static

from ftui.tui.plain import clean, clean_line
from ftui.tui.widgets.side_panel import SidePanel
from ftui.tui.widgets.virtual_list import VirtualList

if TYPE_CHECKING:
    from ftui.core.validation import Issue, ValidationReport

__all__ = ["SEVERITY_FILTERS", "IssueList"]

SEVERITY_FILTERS = ("all", "error", "warning", "info")
"""Values of `IssueList.severity_filter`, in the order `f` cycles through them."""

_SEVERITY_LABEL = {"error": "error", "warning": "warn", "info": "info"}


def _count(n: int, noun: str) -> str:
    """`n` and the noun, plural unless n is 1 ("1 warning", "2 errors")."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


class IssueRows(VirtualList):
    """The rows of an `IssueList` (one line per issue, rendered on demand)."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "virtual-list--cursor",
        "issue-list--error",
        "issue-list--warning",
        "issue-list--info",
        "issue-list--dim",
    }

    DEFAULT_CSS = """
    IssueRows {
        & > .issue-list--error { color: $text-error; text-style: bold; }
        & > .issue-list--warning { color: $text-warning; }
        & > .issue-list--info { color: $text-primary; }
        & > .issue-list--dim { text-style: dim; }
    }
    """

    def __init__(self, owner: IssueList) -> None:
        super().__init__(id="issue-rows")
        self._owner = owner
        self.issues: Sequence[Issue] = ()
        self._line_width = 4
        self._code_width = 8

    def set_issues(self, issues: Sequence[Issue]) -> None:
        """Show these issues (already filtered), keeping the cursor index."""
        self.issues = issues
        lines = [issue.line for issue in issues if issue.line is not None]
        self._line_width = max(4, len(str(max(lines))) if lines else 1)
        # widest code among a sample is enough to align the message column
        codes = [len(issue.code) for issue in issues[:2000]]
        self._code_width = min(max(codes, default=8), 24)
        self.set_row_count(len(issues))

    def render_row(self, index: int) -> Text:
        """One issue: line, severity, code, message, path."""
        issue = self.issues[index]
        severity = str(issue.severity)
        line = "-" if issue.line is None else str(issue.line)
        text = Text(no_wrap=True, end="")
        text.append(f" {line:>{self._line_width}} ")
        text.append(
            f"{_SEVERITY_LABEL.get(severity, severity):<5} ",
            self.get_component_rich_style(f"issue-list--{severity}", partial=True),
        )
        text.append(f"{issue.code:<{self._code_width}} ")
        text.append(clean_line(issue.message))
        if issue.path:
            text.append(" ")
            text.append(
                clean_line(issue.path),
                self.get_component_rich_style("issue-list--dim", partial=True),
            )
        return text

    def cursor_moved(self, index: int) -> None:
        """Show the highlighted issue in full below the list."""
        self._owner.describe(self.issues[index] if index >= 0 else None)

    def row_selected(self, index: int) -> None:
        """Tell the owner which issue was picked."""
        self._owner.post_message(
            IssueList.IssueSelected(self._owner, self.issues[index])
        )


class IssueList(SidePanel):
    """All validation issues with line, severity, code and message.

    Renders only the visible rows, so reports with tens of thousands of issues
    stay instant. Issue text is always shown literally (never as markup).

    | Key | Action |
    | :- | :- |
    | enter / click | Post `IssueList.IssueSelected` for the issue. |
    | f | Cycle the severity filter: all, errors, warnings, info. |
    | m | Maximize the panel / restore it. |
    | up / down / pageup / pagedown / home / end | Move. |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f", "cycle_filter", "Filter severity", id="issues.filter"),
    ]

    DEFAULT_CSS = """
    IssueList {
        height: 1fr;
        & > #issue-summary {
            height: 1;
            padding: 0 1;
            background: $panel;
            color: $text-muted;
        }
        & > #issue-detail {
            height: auto;
            max-height: 4;
            padding: 0 1;
            background: $panel;
        }
    }
    """

    severity_filter: reactive[str] = reactive("all", init=False)
    """Which severity is shown: one of `SEVERITY_FILTERS`."""

    @dataclass
    class IssueSelected(Message):
        """Posted when the user picks an issue (enter or click).

        Handle with `on_issue_list_issue_selected` or `@on(IssueList.IssueSelected)`.
        """

        issue_list: IssueList
        """The list the issue was picked in."""
        issue: Issue
        """The picked issue (its `row_id`, `line` and `message_index` locate it)."""

        @property
        def control(self) -> IssueList:
            """The `IssueList` that posted the message."""
            return self.issue_list

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._report: ValidationReport | None = None
        self._rows = IssueRows(self)

    def compose(self) -> ComposeResult:
        """A one-line summary above the rows."""
        yield Static("Validation not run yet", id="issue-summary", markup=False)
        yield self._rows
        yield Static(id="issue-detail", markup=False)

    @property
    def rows(self) -> VirtualList:
        """The scrolling list (focus it to move through the issues)."""
        return self._rows

    @property
    def visible_issues(self) -> Sequence[Issue]:
        """The issues currently listed (after the severity filter)."""
        return self._rows.issues

    @property
    def highlighted_issue(self) -> Issue | None:
        """The issue under the cursor, if any."""
        index = self._rows.cursor
        issues = self._rows.issues
        return issues[index] if 0 <= index < len(issues) else None

    def show(self, report: ValidationReport) -> None:
        """Display a validation report (replaces the previous one).

        Args:
            report: The report; its issues are shown in their order (by line).
        """
        self._report = report
        self._refilter()

    def describe(self, issue: Issue | None) -> None:
        """Show one issue's full message under the list (messages are long)."""
        detail = self.query_one("#issue-detail", Static)
        if issue is None:
            detail.update("")
            return
        where = f"line {issue.line}" if issue.line is not None else "file"
        if issue.path:
            where += f", {issue.path}"
        text = Text(end="")
        text.append(f"{where}: ", style="bold")
        text.append(clean(issue.message))
        detail.update(text)

    def on_mount(self) -> None:
        """Apply a report given before the widget was mounted."""
        self._refilter()

    def watch_severity_filter(self) -> None:
        """Re-list the issues when the filter changes."""
        self._refilter()

    def action_cycle_filter(self) -> None:
        """Show the next severity (all → errors → warnings → info → all)."""
        index = SEVERITY_FILTERS.index(self.severity_filter)
        self.severity_filter = SEVERITY_FILTERS[(index + 1) % len(SEVERITY_FILTERS)]

    def _refilter(self) -> None:
        report = self._report
        if report is None or not self.is_mounted:
            return
        wanted = self.severity_filter
        issues: Sequence[Issue] = report.issues
        if wanted != "all":
            issues = [issue for issue in issues if str(issue.severity) == wanted]
        self._rows.set_issues(issues)
        infos = sum(1 for issue in report.issues if str(issue.severity) == "info")
        summary = (
            f"{_count(report.errors, 'error')} · "
            f"{_count(report.warnings, 'warning')} · {infos:,} info"
            f"  |  showing {wanted} ({len(issues)})  [f] filter"
        )
        if not report.issues:
            summary = f"No issues in {report.lines} lines"
        self.query_one("#issue-summary", Static).update(Text(summary))
