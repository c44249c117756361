"""Pilot tests for the curate side panels, compare view and export dialog."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Select

from ftui.core.cost import estimate_cost
from ftui.core.dataset import Dataset, open_dataset
from ftui.core.dedup import DedupReport, find_duplicates
from ftui.core.model_table import load_model_table
from ftui.core.validation import Issue, Severity, ValidationReport, validate_dataset
from ftui.tui.screens.compare import (
    CompareScreen,
    diff_texts,
    example_blocks,
    example_document,
    fold_identical,
)
from ftui.tui.screens.export import ExportDialog, ExportRequest, parse_fraction
from ftui.tui.widgets.cost_panel import CostPanel, TokenHistogram, histogram_bins
from ftui.tui.widgets.duplicates_panel import DropDuplicatesDialog, DuplicatesPanel
from ftui.tui.widgets.issue_list import IssueList

MARKUP = "[bold]x[/] \x1b[31mred"
"""Dataset text that would style the screen if it were ever taken as markup or ANSI."""

QUESTION = (
    "Outpatient follow-up. 64-year-old man with type 2 diabetes on metformin, A1c "
    "7.4%, no retinopathy, neuropathy or kidney disease documented. Which ICD-10 "
    "code fits type 2 diabetes mellitus without complications?"
)
# near-duplicate search is MinHash-based: it needs a realistic amount of text


def _chat(user: str, assistant: str = "E11.9") -> str:
    return json.dumps(
        {
            "messages": [
                {"role": "system", "content": "You are a medical coder."},
                {"role": "user", "content": user},
                {"role": "assistant", "content": assistant},
            ]
        }
    )


@pytest.fixture
def dataset_path(tmp_path: Path) -> Path:
    """Eight lines: an invalid one, exact copies, a near copy, markup text."""
    lines = [
        _chat(QUESTION),  # line 1, representative
        _chat("Code for essential hypertension?", "I10"),
        _chat(QUESTION),  # line 3, exact copy of 1
        "{not json",  # line 4, invalid
        _chat(QUESTION.replace("without", "with no")),  # line 5, near copy of 1
        _chat(MARKUP, "ok"),  # line 6
        _chat(QUESTION),  # line 7, exact copy of 1
        json.dumps({"messages": [{"role": "user", "content": "no answer"}]}),
    ]
    path = tmp_path / "med.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def dataset(dataset_path: Path) -> Dataset:
    return open_dataset(dataset_path)


class PanelApp(App[None]):
    """Mounts one widget and records the messages it posts."""

    def __init__(self, widget: Widget) -> None:
        super().__init__()
        self.widget = widget
        self.messages: list[Message] = []

    def compose(self) -> ComposeResult:
        yield self.widget

    def on_issue_list_issue_selected(self, message: IssueList.IssueSelected) -> None:
        self.messages.append(message)

    def on_duplicates_panel_jump_requested(
        self, message: DuplicatesPanel.JumpRequested
    ) -> None:
        self.messages.append(message)

    def on_duplicates_panel_drop_requested(
        self, message: DuplicatesPanel.DropRequested
    ) -> None:
        self.messages.append(message)

    def on_cost_panel_settings_changed(
        self, message: CostPanel.SettingsChanged
    ) -> None:
        self.messages.append(message)


def _strip_texts(widget: Widget, height: int) -> list[str]:
    """The text a Line API widget draws on its first `height` lines."""
    return [widget.render_line(y).text for y in range(height)]


# --------------------------------------------------------------------- IssueList
class TestIssueList:
    async def test_enter_and_click_post_issue_selected(self, dataset: Dataset) -> None:
        report = validate_dataset(dataset)
        assert report.errors >= 2  # the invalid line and the missing answer
        panel = IssueList()
        app = PanelApp(panel)
        async with app.run_test(size=(100, 20)) as pilot:
            panel.show(report)
            panel.rows.focus()
            await pilot.pause()
            await pilot.press("down", "enter")
            await pilot.pause()
            assert len(app.messages) == 1
            message = app.messages[0]
            assert isinstance(message, IssueList.IssueSelected)
            assert message.control is panel
            assert message.issue is report.issues[1]
            await pilot.click(panel.rows, offset=(3, 0))
            await pilot.pause()
            assert app.messages[-1].issue is report.issues[0]  # type: ignore[attr-defined]

    async def test_filter_cycles_through_severities(self, dataset: Dataset) -> None:
        report = validate_dataset(dataset)
        panel = IssueList()
        async with PanelApp(panel).run_test() as pilot:
            panel.show(report)
            panel.rows.focus()
            await pilot.press("f")
            assert panel.severity_filter == "error"
            assert len(panel.visible_issues) == report.errors
            assert all(i.severity is Severity.ERROR for i in panel.visible_issues)
            await pilot.press("f")
            assert len(panel.visible_issues) == report.warnings
            await pilot.press("f", "f")
            assert panel.severity_filter == "all"
            assert len(panel.visible_issues) == len(report.issues)

    async def test_m_maximizes_and_restores_the_panel(self, dataset: Dataset) -> None:
        panel = IssueList()
        async with PanelApp(panel).run_test() as pilot:
            panel.show(validate_dataset(dataset))
            panel.rows.focus()
            await pilot.press("m")
            assert pilot.app.screen.maximized is panel
            await pilot.press("m")
            assert pilot.app.screen.maximized is None

    async def test_tens_of_thousands_of_issues_render_lazily(self) -> None:
        issues = [
            Issue(n, Severity.WARNING, "long_line", "", f"issue {n}", n - 1)
            for n in range(1, 40_001)
        ]
        report = ValidationReport(issues=issues, lines=40_000, warnings=40_000)
        panel = IssueList()
        async with PanelApp(panel).run_test(size=(80, 24)) as pilot:
            panel.show(report)
            panel.rows.focus()
            await pilot.press("end")
            await pilot.pause()
            # no widget per issue: the whole panel is a handful of widgets
            assert len(list(panel.walk_children())) < 10
            assert panel.highlighted_issue is issues[-1]
            visible = "\n".join(_strip_texts(panel.rows, panel.rows.size.height))
            assert "issue 40000" in visible

    async def test_issue_text_is_never_markup_or_escape(self) -> None:
        first = Issue(2, Severity.INFO, "other", "", "first", 1)
        issue = Issue(3, Severity.ERROR, "bad", "messages[1]", MARKUP, 2, 1)
        panel = IssueList()
        async with PanelApp(panel).run_test() as pilot:
            panel.show(ValidationReport(issues=[first, issue], lines=3, errors=1))
            await pilot.pause()
            line = panel.rows.render_line(1)  # not the cursor row (that one is bold)
            assert "[bold]x[/]" in line.text
            assert "\x1b" not in line.text
            assert "␛[31mred" in line.text
            message = [seg for seg in line if "x[/]" in seg.text]
            assert message
            assert not any(seg.style and seg.style.bold for seg in message)


# --------------------------------------------------------------------- duplicates
@pytest.fixture
def dedup_report(dataset: Dataset) -> DedupReport:
    report = find_duplicates(dataset)
    # the fixture's planted clusters: lines 1, 3, 7 identical; line 5 near line 1
    assert [g.row_ids for g in report.exact_groups] == [(0, 2, 6)]
    assert [g.row_ids for g in report.near_groups] == [(0, 4)]
    return report


class TestDuplicatesPanel:
    async def test_enter_on_member_requests_a_jump(
        self, dataset: Dataset, dedup_report: DedupReport
    ) -> None:
        panel = DuplicatesPanel()
        app = PanelApp(panel)
        async with app.run_test(size=(100, 20)) as pilot:
            panel.show(dedup_report, dataset)
            panel.rows.focus()
            await pilot.press("down", "down", "enter")  # header, line 1, line 3
            await pilot.pause()
            jump = app.messages[-1]
            assert isinstance(jump, DuplicatesPanel.JumpRequested)
            assert jump.row_id == 2
            assert jump.control is panel

    async def test_drop_this_cluster_then_undo(
        self, dataset: Dataset, dedup_report: DedupReport
    ) -> None:
        panel = DuplicatesPanel()
        app = PanelApp(panel)
        async with app.run_test(size=(100, 20)) as pilot:
            panel.show(dedup_report, dataset)
            panel.rows.focus()
            await pilot.press("D")
            assert isinstance(app.screen, DropDuplicatesDialog)
            await pilot.press("g")
            await pilot.pause()
            drop = app.messages[-1]
            assert isinstance(drop, DuplicatesPanel.DropRequested)
            assert drop.row_ids == (2, 6)
            assert "line 1" in drop.label
        # what the shell does with it: one undoable delete
        before = len(dataset)
        dataset.delete(drop.row_ids, drop.label)
        assert len(dataset) == before - 2
        dataset.undo()
        assert len(dataset) == before

    async def test_drop_all_clusters_keeps_representatives(
        self, dataset: Dataset, dedup_report: DedupReport
    ) -> None:
        panel = DuplicatesPanel()
        app = PanelApp(panel)
        async with app.run_test(size=(100, 20)) as pilot:
            panel.show(dedup_report, dataset)
            panel.rows.focus()
            await pilot.press("D", "a")
            await pilot.pause()
            drop = app.messages[-1]
            assert isinstance(drop, DuplicatesPanel.DropRequested)
            assert drop.row_ids == (2, 4, 6)
            await pilot.press("D", "escape")
            await pilot.pause()
            assert len(app.messages) == 1

    async def test_preview_shows_markup_literally(self, tmp_path: Path) -> None:
        path = tmp_path / "m.jsonl"
        path.write_text(_chat(MARKUP) + "\n" + _chat(MARKUP) + "\n", encoding="utf-8")
        dataset = open_dataset(path)
        panel = DuplicatesPanel()
        async with PanelApp(panel).run_test(size=(100, 10)) as pilot:
            panel.show(find_duplicates(dataset), dataset)
            await pilot.pause()
            texts = _strip_texts(panel.rows, 3)
            assert "[bold]x[/]" in texts[1]
            assert all("\x1b" not in text for text in texts)


# --------------------------------------------------------------------- compare
class TestCompareScreen:
    async def test_compare_keep_drop_posts_drop_request(
        self, dataset: Dataset, dedup_report: DedupReport
    ) -> None:
        panel = DuplicatesPanel()
        app = PanelApp(panel)
        async with app.run_test(size=(120, 36)) as pilot:
            panel.show(dedup_report, dataset)
            panel.rows.focus()
            await pilot.press("end", "c")  # near cluster: line 1 vs line 5
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, CompareScreen)
            assert screen.shown == [0, 1]
            assert screen.scores[4] >= 0.9
            await pilot.press("space")
            assert screen.dropped == (4,)
            await pilot.press("space", "space", "enter")  # toggle off and on again
            await pilot.pause()
            drop = app.messages[-1]
            assert isinstance(drop, DuplicatesPanel.DropRequested)
            assert drop.row_ids == (4,)

    async def test_cycle_members_and_keep_at_least_one(self, dataset: Dataset) -> None:
        results: list[tuple[int, ...] | None] = []

        class CompareApp(App[None]):
            def on_mount(self) -> None:
                self.push_screen(CompareScreen(dataset, [0, 2, 6]), results.append)

        app = CompareApp()
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, CompareScreen)
            await pilot.press("n")
            assert screen.shown == [0, 2]
            await pilot.press("n")  # wraps past the left member
            assert screen.shown == [0, 1]
            await pilot.press("space", "n", "space")  # drop rows 2 and 6
            await pilot.press("left", "space")  # would drop the last one: refused
            assert screen.dropped == (2, 6)
            await pilot.press("escape")
            await pilot.pause()
        assert results == [None]

    async def test_compare_shows_text_literally(self, tmp_path: Path) -> None:
        path = tmp_path / "m.jsonl"
        path.write_text(_chat(MARKUP) + "\n" + _chat("plain") + "\n", encoding="utf-8")
        dataset = open_dataset(path)

        class CompareApp(App[None]):
            def on_mount(self) -> None:
                self.push_screen(CompareScreen(dataset, [0, 1]))

        app = CompareApp()
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            left = app.screen.query_one("#compare-left-text")
            rendered = "\n".join(
                strip.text for strip in left.render_lines(left.region.reset_offset)
            )
            assert "[bold]x[/]" in rendered
            assert "\x1b" not in rendered

    def test_diff_marks_changed_words_only(self) -> None:
        left, right = "the cat sat on the mat", "the dog sat on a mat"
        left_spans, right_spans = diff_texts(left, right)
        assert [left[a:b] for a, b in left_spans] == ["cat", "the"]
        assert [right[a:b] for a, b in right_spans] == ["dog", "a"]
        assert diff_texts("same words", "same words") == ([], [])

    def test_identical_turns_fold(self) -> None:
        left = ["── 1 system ──\nlong prompt", "── 2 user ──\nhello"]
        right = ["── 1 system ──\nlong prompt", "── 2 user ──\nhullo", "extra"]
        a, b = fold_identical(left, right, min_chars=5)
        assert a.split("\n\n") == [
            "── 1 system ──\n(same on both sides: 11 characters)",
            "── 2 user ──\nhello",
        ]
        assert b.endswith("── 2 user ──\nhullo\n\nextra")
        assert fold_identical(left, right)[0] == "\n\n".join(left)  # short: kept

    async def test_a_shows_folded_turns(self, tmp_path: Path) -> None:
        system = "Follow the official coding guidelines. " * 10
        rows = [json.loads(_chat(QUESTION)), json.loads(_chat(QUESTION + " Thanks"))]
        for row in rows:
            row["messages"][0]["content"] = system
        path = tmp_path / "long.jsonl"
        path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
        dataset = open_dataset(path)

        class CompareApp(App[None]):
            def on_mount(self) -> None:
                self.push_screen(CompareScreen(dataset, [0, 1]))

        app = CompareApp()
        async with app.run_test(size=(100, 40)) as pilot:
            await pilot.pause()
            text = app.screen.query_one("#compare-left-text")
            assert "same on both sides: 390 characters" in str(text.render())
            assert "Follow the official" not in str(text.render())
            await pilot.press("a")
            assert "Follow the official" in str(text.render())

    def test_example_blocks_show_tool_calls_images_and_weights(self) -> None:
        from ftui.core.jsonl import parse_line

        data = {
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "What is on this chart?"},
                        {"type": "image_url", "image_url": {"url": "https://x/c.png"}},
                    ],
                },
                {
                    "role": "assistant",
                    "weight": 0,
                    "tool_calls": [
                        {
                            "id": "c1",
                            "type": "function",
                            "function": {"name": "lookup", "arguments": '{"q": 1}'},
                        }
                    ],
                },
            ]
        }
        record = parse_line(json.dumps(data).encode())
        blocks = example_blocks(record)
        assert blocks[0] == (
            "── 1 user ──\nWhat is on this chart?\n[image: https://x/c.png]"
        )
        assert blocks[1] == '── 2 assistant · weight 0 ──\n→ lookup({"q": 1})'

    def test_example_document_lists_turns(self, dataset: Dataset) -> None:
        text = example_document(dataset.record(0))
        assert "── 2 user ──" in text
        assert QUESTION in text
        assert example_document(dataset.record(3)) == "{not json"


# --------------------------------------------------------------------- cost
def _estimate(totals: list[int], **kwargs: Any) -> Any:
    model = load_model_table().lookup("gpt-4o-mini-2024-07-18")
    return estimate_cost(totals, model, **kwargs)


class TestCostPanel:
    async def test_settings_changes_post_messages(self) -> None:
        panel = CostPanel(model="gpt-4o-mini")
        app = PanelApp(panel)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            assert app.messages == []  # mounting is not a change
            panel.query_one("#cost-provider", Select).value = "azure"
            await pilot.pause()
            panel.query_one("#cost-tier", Select).value = "developer"
            await pilot.pause()
            panel.query_one("#cost-epochs", Input).focus()
            await pilot.press("x")  # invalid: nothing posted
            await pilot.pause()
            await pilot.press("backspace", "4")
            await pilot.pause()
            panel.query_one("#cost-model", Select).value = "gpt-4.1-2025-04-14"
            await pilot.pause()
        changes = [
            (m.model, m.epochs, m.provider, m.tier)
            for m in app.messages
            if isinstance(m, CostPanel.SettingsChanged)
        ]
        assert changes == [
            ("gpt-4o-mini-2024-07-18", "auto", "azure", "standard"),
            ("gpt-4o-mini-2024-07-18", "auto", "azure", "developer"),
            ("gpt-4o-mini-2024-07-18", 4, "azure", "developer"),
            ("gpt-4.1-2025-04-14", 4, "azure", "developer"),
        ]

    async def test_show_labels_estimates_and_hosting(self) -> None:
        panel = CostPanel(model="gpt-4o-mini", provider="azure", tier="global")
        async with PanelApp(panel).run_test(size=(100, 40)) as pilot:
            totals = [120, 340, 90, 70_000]
            estimate = _estimate(totals, provider="azure", tier="global", epochs=2)
            panel.show(estimate, totals, exact=False, trained=200)
            await pilot.pause()
            figures = str(panel.query_one("#cost-figures").render())
            assert "Examples  4 " in figures
            assert "1 over the 65,536-token context" in figures
            assert "estimated tokens" in figures
            if estimate.price_uncertain:
                assert "(uncertain price)" in figures
            assert "200 trained" in figures
            assert f"Billed    {estimate.billed_tokens:,}" in figures
            assert "/day" in figures
            assert "/month" in figures
            histogram = str(panel.query_one(TokenHistogram).render())
            assert "over limit" in histogram

    def test_histogram_bins_cover_every_example(self) -> None:
        totals = [*range(100, 1100), 50_000, 90_000]
        bins = histogram_bins(totals, limit=65_536)
        assert sum(b.count for b in bins) == len(totals)
        assert bins[-1].over_limit
        assert bins[-1].count == 1
        assert bins[-2].label.startswith(">= ")  # the long tail is folded
        assert len(bins) <= 12
        assert histogram_bins([]) == []
        assert [b.count for b in histogram_bins([5, 5, 5])] == [3]


# --------------------------------------------------------------------- export
class ExportApp(App[None]):
    def __init__(self, source: Path, **kwargs: Any) -> None:
        super().__init__()
        self.source = source
        self.kwargs = kwargs
        self.results: list[ExportRequest | None] = []

    def on_mount(self) -> None:
        self.push_screen(ExportDialog(self.source, **self.kwargs), self.results.append)


class TestExportDialog:
    async def test_defaults_next_to_the_file(self, dataset_path: Path) -> None:
        app = ExportApp(dataset_path, examples=100)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            app.screen.query_one("#export-fraction", Input).value = "20%"
            app.screen.query_one("#export-seed", Input).value = "7"
            await pilot.press("enter")
            await pilot.pause()
        assert app.results == [
            ExportRequest(
                0.2,
                7,
                dataset_path.with_name("med.train.jsonl"),
                dataset_path.with_name("med.valid.jsonl"),
                False,
            )
        ]

    async def test_existing_output_needs_a_second_confirmation(
        self, dataset_path: Path
    ) -> None:
        dataset_path.with_name("med.valid.jsonl").write_text("old\n")
        app = ExportApp(dataset_path)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await pilot.press("enter")
            await pilot.pause()
            assert app.results == []
            assert "exist" in str(app.screen.query_one("#export-warning").render())
            await pilot.press("enter")
            await pilot.pause()
        assert len(app.results) == 1
        assert app.results[0] is not None
        assert app.results[0].overwrite

    async def test_invalid_values_and_cancel(self, dataset_path: Path) -> None:
        app = ExportApp(dataset_path)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            fraction = app.screen.query_one("#export-fraction", Input)
            fraction.value = "1.5"  # 1.5% is fine; 150 is not
            fraction.value = "150"
            await pilot.press("enter")
            await pilot.pause()
            assert app.results == []
            app.screen.query_one("#export-fraction", Input).value = "0.1"
            app.screen.query_one("#export-train", Input).value = str(dataset_path)
            await pilot.press("enter")
            await pilot.pause()
            assert app.results == []
            await pilot.press("escape")
            await pilot.pause()
        assert app.results == [None]

    @pytest.mark.parametrize(
        ("text", "expected"), [("0.1", 0.1), (".25", 0.25), ("10%", 0.1), ("5", 0.05)]
    )
    def test_parse_fraction(self, text: str, expected: float) -> None:
        assert parse_fraction(text) == pytest.approx(expected)

    @pytest.mark.parametrize("text", ["", "abc", "100", "-0.1"])
    def test_parse_fraction_rejects(self, text: str) -> None:
        with pytest.raises(ValueError, match=r"."):
            parse_fraction(text)


# --------------------------------------------------------------------- snapshots
def _snapshot_app(widget: Widget, show: Iterable[Any] = ()) -> App[None]:
    class SnapApp(App[None]):
        def compose(self) -> ComposeResult:
            yield widget

        def on_mount(self) -> None:
            for call in show:
                call()

    return SnapApp()


class TestSnapshots:
    def test_issue_list(self, snap_compare: Any, dataset: Dataset) -> None:
        panel = IssueList()
        report = validate_dataset(dataset)
        app = _snapshot_app(panel, [lambda: panel.show(report)])
        assert snap_compare(app, terminal_size=(80, 12))

    def test_duplicates_panel(self, snap_compare: Any, dataset: Dataset) -> None:
        panel = DuplicatesPanel()
        report = find_duplicates(dataset)
        app = _snapshot_app(panel, [lambda: panel.show(report, dataset)])
        assert snap_compare(app, terminal_size=(80, 12))

    def test_compare_screen(self, snap_compare: Any, dataset: Dataset) -> None:
        class CompareApp(App[None]):
            def on_mount(self) -> None:
                self.push_screen(
                    CompareScreen(dataset, [0, 4], scores={4: 0.97}, title="Near")
                )

        assert snap_compare(CompareApp(), press=["space"], terminal_size=(80, 24))

    def test_cost_panel(self, snap_compare: Any) -> None:
        panel = CostPanel(model="gpt-4o-mini", provider="azure", tier="standard")
        totals = [60 + (i * 37) % 900 for i in range(500)] + [70_000]
        estimate = _estimate(totals, provider="azure", tier="standard")
        app = _snapshot_app(panel, [lambda: panel.show(estimate, totals, exact=True)])
        assert snap_compare(app, terminal_size=(80, 30))

    def test_export_dialog(self, snap_compare: Any) -> None:
        app = ExportApp(Path("/data/medical_coding.jsonl"), examples=120)
        assert snap_compare(app, terminal_size=(80, 24))
