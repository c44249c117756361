"""The table's filter/sort/search logic (`ftui.tui.analysis.compute_view`), no UI."""

from __future__ import annotations

from pathlib import Path

from ftui.core.dataset import open_dataset
from ftui.core.tokens import count_dataset
from ftui.tui.analysis import RowFacts, ViewSpec, compute_view, search_rows
from ftui.tui.messages import SearchFinished
from tests.tui.curate_helpers import write_fixture


def test_sorts_filters_and_search_order(tmp_path: Path) -> None:
    dataset = open_dataset(write_fixture(tmp_path))
    tokens = count_dataset(dataset, "gpt-4o-mini", use_cache=False).by_row
    facts = RowFacts(errors={7, 8}, warnings={6}, exact_dup={0, 6}, tokens=tokens)
    assert compute_view(dataset, ViewSpec(), facts) == list(range(12))
    assert compute_view(dataset, ViewSpec(sort="status"), facts)[:3] == [7, 8, 6]
    by_turns = compute_view(dataset, ViewSpec(sort="turns", reverse=True), facts)
    assert by_turns[0] == 5  # the 5-turn example
    assert by_turns[-1] == 7  # the broken line has no turns
    by_preview = compute_view(dataset, ViewSpec(sort="preview"), facts)
    first_words = [dataset.record(r).data for r in by_preview[:2]]
    assert first_words[0] is None  # broken line: empty preview sorts first
    totals = [
        tokens[r].total
        for r in compute_view(
            dataset, ViewSpec(sort="tokens", filter="exact_dup"), facts
        )
    ]
    assert totals == sorted(totals)
    assert compute_view(dataset, ViewSpec(filter="warning"), facts) == [6]
    # search results: best first by default, file order on request
    spec = ViewSpec(search=(11, 0, 3), sort="relevance")
    assert compute_view(dataset, spec, facts) == [11, 0, 3]
    assert compute_view(dataset, ViewSpec(search=(11, 0, 3)), facts) == [0, 3, 11]


def test_search_ranks_exact_substring_first(tmp_path: Path) -> None:
    dataset = open_dataset(write_fixture(tmp_path))
    posted: list[SearchFinished] = []
    search_rows(
        dataset,
        list(dataset.row_ids),
        "Invoice in euros",
        posted.append,  # type: ignore[arg-type]
        lambda: False,
    )
    result = next(m for m in posted if isinstance(m, SearchFinished))
    assert result.row_ids[0] == 11
    assert 2 not in result.row_ids  # "export my data to CSV" is no match
