"""Background analysis for the curate screen: plain functions run in thread workers.

Each function takes `post` (the screen's thread-safe `post_message`) and
`should_stop` (the worker's cancellation flag), calls into `ftui.core`, and posts
its result tagged with the `Dataset.version` it started from, so the screen can
drop results that edits made stale. Nothing here touches widgets.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz
from textual.message import Message

from ftui.core.dataset import Dataset
from ftui.core.errors import FtuiError
from ftui.core.example_edits import (
    content_text,
    first_user_text,
    has_zero_weight,
    messages_of,
    turn_count,
)
from ftui.core.jsonl import Record
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

__all__ = [
    "FILTERS",
    "SORTS",
    "RowFacts",
    "ViewSpec",
    "compute_view",
    "count_tokens",
    "find_dups",
    "recount_rows",
    "search_rows",
    "searchable_text",
    "validate",
]

Post = Callable[[Message], object]
ShouldStop = Callable[[], bool]

FILTERS: tuple[tuple[str, str], ...] = (
    ("all", "all examples"),
    ("problems", "errors or warnings"),
    ("error", "errors"),
    ("warning", "warnings"),
    ("exact_dup", "exact duplicates"),
    ("near_dup", "near duplicates"),
    ("over_limit", "over the training context"),
    ("zero_weight", "with weight-0 turns"),
    ("edited", "edited or added"),
    ("marked", "marked"),
)
"""Status filters: (id, label)."""

SORTS: tuple[tuple[str, str], ...] = (
    ("line", "line number"),
    ("status", "status (errors first)"),
    ("turns", "number of turns"),
    ("tokens", "total tokens"),
    ("trained", "trained tokens"),
    ("preview", "first user turn (A-Z)"),
)
"""Sort columns: (id, label)."""


@dataclass
class RowFacts:
    """What the screen knows about rows, shared read-only with view workers."""

    errors: Collection[int] = frozenset()
    warnings: Collection[int] = frozenset()
    exact_dup: Collection[int] = frozenset()
    near_dup: Collection[int] = frozenset()
    tokens: Mapping[int, Any] = field(default_factory=dict)
    """row_id → ExampleTokens."""
    training_context: int | None = None
    marked: Collection[int] = frozenset()


@dataclass(frozen=True)
class ViewSpec:
    """Which rows the table shows, in which order."""

    filter: str = "all"
    sort: str = "line"
    reverse: bool = False
    search: tuple[int, ...] | None = None
    """Rows matching the active search, best first (None: no search)."""

    @property
    def is_plain(self) -> bool:
        """True when the view is simply every row in file order."""
        return (
            self.filter == "all"
            and self.sort == "line"
            and not self.reverse
            and self.search is None
        )


def _record(dataset: Dataset, row_id: int) -> Record | None:
    """A row's record, or None when an edit on the UI thread just removed it.

    Workers read the dataset while the user edits it; their results are
    dropped or merged by version, so a row that vanished is simply skipped.
    """
    try:
        return dataset.record(row_id)
    except (IndexError, KeyError):
        return None


def _data(dataset: Dataset, row_id: int) -> dict[str, Any] | None:
    record = _record(dataset, row_id)
    return None if record is None else record.data


def _progress(post: Post, job: str) -> Callable[[int, int], None]:
    def report(done: int, total: int) -> None:
        post(AnalysisProgress(job, done, total))

    return report


def count_tokens(
    dataset: Dataset, model: Any, post: Post, should_stop: ShouldStop
) -> None:
    """Count every example's tokens; posts `TokensCounted`.

    Args:
        dataset: The rows.
        model: A `ModelInfo` (decides the encoding).
        post: Thread-safe message poster.
        should_stop: Worker cancellation flag.
    """
    from ftui.core.tokens import count_dataset

    version = dataset.version
    try:
        result = count_dataset(
            dataset,
            model,
            progress=_progress(post, "tokens"),
            should_stop=should_stop,
        )
    except FtuiError as error:
        post(AnalysisFailed("tokens", str(error)))
        return
    if not should_stop() and result.complete:
        post(TokensCounted(version, result))


def validate(
    dataset: Dataset,
    post: Post,
    should_stop: ShouldStop,
    *,
    training_context: int | None = None,
    token_totals: Mapping[int, int] | None = None,
) -> None:
    """Validate every row and the file; posts `ValidationFinished`."""
    from ftui.core.validation import validate_dataset

    version = dataset.version
    report = validate_dataset(
        dataset,
        training_context=training_context,
        token_totals=token_totals,
        progress=_progress(post, "validation"),
        should_stop=should_stop,
    )
    if not should_stop() and not report.cancelled:
        post(ValidationFinished(version, report))


def find_dups(dataset: Dataset, post: Post, should_stop: ShouldStop) -> None:
    """Find exact and near-duplicate groups; posts `DedupFinished`."""
    from ftui.core.dedup import DedupCancelled, find_duplicates

    version = dataset.version
    try:
        report = find_duplicates(
            dataset, progress=_progress(post, "duplicates"), should_stop=should_stop
        )
    except DedupCancelled:
        return
    except FtuiError as error:
        post(AnalysisFailed("duplicates", str(error)))
        return
    if not should_stop():
        post(DedupFinished(version, report))


def recount_rows(
    dataset: Dataset,
    row_ids: Sequence[int],
    counter: Any,
    post: Post,
    should_stop: ShouldStop,
) -> None:
    """Recount tokens and revalidate rows an edit changed; posts `RowsAnalysed`.

    Args:
        dataset: The rows.
        row_ids: Rows to analyse again.
        counter: A `TokenCounter`, or None when tokens are not counted yet.
        post: Thread-safe message poster.
        should_stop: Worker cancellation flag.
    """
    from ftui.core.validation import validate_record

    version = dataset.version
    tokens: dict[int, Any] = {}
    issues: dict[int, list[Any]] = {}
    report = _progress(post, "recount")
    for done, row_id in enumerate(row_ids):
        if done % 1000 == 0:
            if should_stop():
                return
            report(done, len(row_ids))
        record = _record(dataset, row_id)
        if record is None:
            continue
        if counter is not None:
            tokens[row_id] = counter.count_record(record)
        issues[row_id] = validate_record(record, row_id)
    report(len(row_ids), len(row_ids))
    post(RowsAnalysed(version, tokens, issues))


def searchable_text(data: dict[str, Any] | None, raw: str) -> str:
    """The text a search looks at: every turn's content, or the raw line."""
    messages = messages_of(data)
    if messages is None:
        return raw
    parts = [content_text(m.get("content")) for m in messages if isinstance(m, dict)]
    if isinstance(data, dict):
        for key in ("preferred_output", "non_preferred_output"):
            outputs = data.get(key)
            if isinstance(outputs, list):
                parts.extend(
                    content_text(m.get("content"))
                    for m in outputs
                    if isinstance(m, dict)
                )
    return "\n".join(parts)


SEARCH_CUTOFF = 80.0
"""Lowest rapidfuzz `partial_ratio` (0-100) that counts as a match."""


def search_rows(
    dataset: Dataset,
    rows: Sequence[int],
    query: str,
    post: Post,
    should_stop: ShouldStop,
) -> None:
    """Fuzzy-search the content of `rows`; posts `SearchFinished`, best match first.

    An exact (case-insensitive) substring scores 100; otherwise rapidfuzz's
    `partial_ratio` scores how well the query matches the best window of text.
    """
    version = dataset.version
    needle = query.casefold()
    scored: list[tuple[float, int, int]] = []
    report = _progress(post, "search")
    total = len(rows)
    for position, row_id in enumerate(rows):
        if position % 2000 == 0:
            if should_stop():
                return
            report(position, total)
        record = _record(dataset, row_id)
        if record is None:
            continue
        text = searchable_text(record.data, record.text()).casefold()
        if needle in text:
            score = 100.0
        else:
            score = fuzz.partial_ratio(needle, text, score_cutoff=SEARCH_CUTOFF)
        if score:
            scored.append((-score, position, row_id))
    scored.sort()
    report(total, total)
    post(SearchFinished(version, query, [row_id for _, _, row_id in scored]))


def _status_rank(row_id: int, facts: RowFacts) -> int:
    rank = 0
    if row_id in facts.errors:
        rank += 16
    if row_id in facts.warnings:
        rank += 8
    if row_id in facts.exact_dup:
        rank += 4
    if row_id in facts.near_dup:
        rank += 2
    return rank


def _over_limit(row_id: int, facts: RowFacts) -> bool:
    counts = facts.tokens.get(row_id)
    return (
        counts is not None
        and facts.training_context is not None
        and counts.total > facts.training_context
    )


def compute_view(
    dataset: Dataset,
    spec: ViewSpec,
    facts: RowFacts,
    *,
    should_stop: ShouldStop = lambda: False,
    progress: Callable[[int, int], None] | None = None,
) -> list[int] | None:
    """Filter and sort the dataset's rows as `spec` says.

    Filters and sorts that need a row's content (weight-0 turns, number of turns,
    preview text) parse those rows, which is why big files do this in a worker.

    Returns:
        Row ids top to bottom, or None when cancelled.
    """
    rows: Sequence[int] = (
        list(spec.search) if spec.search is not None else dataset.row_ids
    )
    if spec.search is not None:
        live = set(dataset.row_ids)
        rows = [r for r in rows if r in live]
    kept: list[int]
    name = spec.filter
    if name == "all":
        kept = list(rows)
    elif name == "problems":
        kept = [r for r in rows if r in facts.errors or r in facts.warnings]
    elif name in ("error", "warning", "exact_dup", "near_dup", "marked"):
        members = {
            "error": facts.errors,
            "warning": facts.warnings,
            "exact_dup": facts.exact_dup,
            "near_dup": facts.near_dup,
            "marked": facts.marked,
        }[name]
        kept = [r for r in rows if r in members]
    elif name == "over_limit":
        kept = [r for r in rows if _over_limit(r, facts)]
    elif name == "edited":
        kept = [r for r in rows if dataset.is_edited(r)]
    elif name == "zero_weight":
        kept = []
        for done, row_id in enumerate(rows):
            if done % 5000 == 0:
                if should_stop():
                    return None
                if progress is not None:
                    progress(done, len(rows))
            if has_zero_weight(_data(dataset, row_id)):
                kept.append(row_id)
    else:
        raise ValueError(f"unknown filter {name!r}")
    if spec.sort == "relevance" or (spec.sort == "line" and spec.search is None):
        if spec.reverse:
            kept.reverse()
        return kept
    key: Callable[[int], Any]
    if spec.sort == "line":  # search results back in file order
        order = {row_id: i for i, row_id in enumerate(dataset.row_ids)}
        key = order.__getitem__
    elif spec.sort == "status":

        def key(row_id: int) -> Any:
            return -_status_rank(row_id, facts)

    elif spec.sort in ("tokens", "trained"):
        attribute = "total" if spec.sort == "tokens" else "trained"

        def key(row_id: int) -> Any:
            counts = facts.tokens.get(row_id)
            return -1 if counts is None else getattr(counts, attribute)

    elif spec.sort in ("turns", "preview"):
        values: dict[int, Any] = {}
        for done, row_id in enumerate(kept):
            if done % 5000 == 0:
                if should_stop():
                    return None
                if progress is not None:
                    progress(done, len(kept))
            data = _data(dataset, row_id)
            values[row_id] = (
                turn_count(data)
                if spec.sort == "turns"
                else first_user_text(data).casefold()
            )
        key = values.__getitem__
    else:
        raise ValueError(f"unknown sort column {spec.sort!r}")
    # sorted() is stable, so rows with equal keys keep file (or search) order
    return sorted(kept, key=key, reverse=spec.reverse)


def compute_view_job(
    dataset: Dataset,
    spec: ViewSpec,
    facts: RowFacts,
    token: int,
    post: Post,
    should_stop: ShouldStop,
) -> None:
    """`compute_view` for a worker; posts `ViewComputed`."""
    version = dataset.version
    rows = compute_view(
        dataset,
        spec,
        facts,
        should_stop=should_stop,
        progress=_progress(post, "view"),
    )
    if rows is not None and not should_stop():
        post(ViewComputed(version, token, rows))
