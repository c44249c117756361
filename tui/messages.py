"""Messages that carry background analysis results to the curate screen."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from textual.message import Message

__all__ = [
    "AnalysisFailed",
    "AnalysisProgress",
    "DedupFinished",
    "RowsAnalysed",
    "SearchFinished",
    "SummaryFinished",
    "TokensCounted",
    "ValidationFinished",
    "ViewComputed",
]


@dataclass
class AnalysisProgress(Message):
    """A background job made progress (posted often; only the latest matters)."""

    job: str
    """Which job: "tokens", "validation", "duplicates", "summary", "search", "sort"."""
    done: int
    total: int

    def can_replace(self, message: Message) -> bool:
        """Coalesce queued progress updates of the same job."""
        return isinstance(message, AnalysisProgress) and message.job == self.job


@dataclass
class AnalysisFailed(Message):
    """A background job stopped with an error the user should see."""

    job: str
    error: str


@dataclass
class TokensCounted(Message):
    """Token counts for every example of the dataset at `version`."""

    version: int
    result: Any
    """A `ftui.core.tokens.DatasetTokens`."""


@dataclass
class ValidationFinished(Message):
    """A full validation report computed at `version`."""

    version: int
    report: Any
    """A `ftui.core.validation.ValidationReport`."""


@dataclass
class DedupFinished(Message):
    """Duplicate clusters found at `version`."""

    version: int
    report: Any
    """A `ftui.core.dedup.DedupReport`."""


@dataclass
class SummaryFinished(Message):
    """Turn counts and weight-0 flags for every row at `version`."""

    version: int
    turns: dict[int, int]
    zero_weight: set[int]


@dataclass
class RowsAnalysed(Message):
    """Fresh token counts and issues for rows changed by an edit."""

    version: int
    tokens: Mapping[int, Any]
    """row_id → `ExampleTokens | None`."""
    issues: Mapping[int, list[Any]]
    """row_id → `list[Issue]`."""


@dataclass
class SearchFinished(Message):
    """Rows matching a fuzzy search, best first."""

    version: int
    query: str
    row_ids: list[int]


@dataclass
class ViewComputed(Message):
    """A filtered and sorted list of rows for the example table."""

    version: int
    token: int
    """Which request this answers (older ones are dropped)."""
    row_ids: list[int]
