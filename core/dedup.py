"""Exact and near-duplicate examples in a dataset, and overlap between two files.

Exact duplicates share a canonical key (see `ftui.core.dedup_text`): same JSON
object up to key order and whitespace (and case, if asked). The first
occurrence is the group's representative.

Near-duplicates are found among the representatives (an exact copy follows its
representative into a near group only through its exact group). Their *scope
text* (all non-system turns by default; see `scope_content`) is scored and a
pair is a near-duplicate when the score reaches `threshold` (default 0.90). The
score (`ftui.core.similarity`) is the lower of

* rapidfuzz `fuzz.ratio` (normalized Indel similarity, 1 - edits / total
  length, on case-folded, whitespace-collapsed text): order-sensitive and
  proportional to the size of the change. One or two words, punctuation or case
  changed in a paragraph keep it above 0.95; a sentence added to or dropped
  from a 600-character conversation gives about 0.93; and
* the Dice overlap of the two word sets, each word weighted by its rarity in
  the file (smoothed IDF). Words every templated example shares weigh little,
  so two short examples that fill one template with different specifics
  ("opening price of Chevron's stock" / "...of IBM's stock") score low even
  though fuzz.ratio puts them above 0.9; a real near-copy shares its rare words
  and keeps a high score.

Examples with different images or audio never match. Only candidate pairs from
MinHash LSH (`ftui.core.minhash`) are scored, so the cost grows about linearly
with the number of rows. Groups are the connected components of verified
pairs; their representative is the earliest row.

Blank and invalid lines are skipped: they are never duplicates and never
dropped by `DedupReport.redundant_row_ids`.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from ftui.core.dataset import Dataset
from ftui.core.dedup_text import Scope, canonical_key, scope_content
from ftui.core.errors import FtuiError
from ftui.core.minhash import (
    LshParams,
    candidate_pairs,
    common_shingles,
    estimated_jaccard,
    signatures,
)
from ftui.core.similarity import WordWeights

__all__ = [
    "DedupCancelled",
    "DedupReport",
    "DedupSettings",
    "ExactGroup",
    "NearGroup",
    "NearPair",
    "Overlap",
    "exact_duplicate_row_ids",
    "find_duplicates",
    "find_overlap",
]

Progress = Callable[[int, int], None]
ShouldStop = Callable[[], bool]
_SCOPES = ("all", "user", "assistant")
_CHECK_EVERY = 2048
_VERIFY_CHUNK = 20_000


class DedupCancelled(Exception):
    """Raised when `should_stop` asked a search to stop; no result is produced."""


@dataclass(frozen=True, slots=True)
class DedupSettings:
    """What counts as a duplicate.

    Attributes:
        scope: Turns compared for near-duplicates: `"all"` non-system turns,
            `"user"` or `"assistant"` turns only.
        threshold: Minimum `fuzz.ratio` similarity, as a fraction (0.9 = 90%),
            for two examples to be near-duplicates.
        casefold: Ignore letter case for exact duplicates too (near-duplicate
            comparison always ignores case).
    """

    scope: Scope = "all"
    threshold: float = 0.90
    casefold: bool = False

    def __post_init__(self) -> None:
        if self.scope not in _SCOPES:
            raise FtuiError(f"unknown scope {self.scope!r}; use all, user or assistant")
        if not 0.0 < self.threshold <= 1.0:
            raise FtuiError(
                f"threshold {self.threshold} is out of range; give a fraction "
                "above 0 and at most 1 (0.9 means 90% similar)"
            )


@dataclass(frozen=True, slots=True)
class ExactGroup:
    """Rows holding the same example; the representative (kept) comes first.

    Attributes:
        row_ids: Member row ids in dataset order.
        lines: Their 1-based physical line numbers (`None` for new rows).
    """

    row_ids: tuple[int, ...]
    lines: tuple[int | None, ...]

    @property
    def representative(self) -> int:
        """Row id of the occurrence that is kept."""
        return self.row_ids[0]


@dataclass(frozen=True, slots=True)
class NearPair:
    """A verified near-duplicate pair inside a group.

    Attributes:
        a: Row id of the earlier row.
        b: Row id of the later row.
        score: `fuzz.ratio` similarity as a fraction.
    """

    a: int
    b: int
    score: float


@dataclass(frozen=True, slots=True)
class NearGroup:
    """Rows that nearly duplicate each other; the representative comes first.

    Attributes:
        row_ids: Member row ids in dataset order (exact copies of a member are
            in that member's `ExactGroup`, not here).
        lines: Their physical line numbers (`None` for new rows).
        pairs: The verified pairs that joined the group, with their scores.
        min_score: The lowest score among `pairs` (never below the threshold).
    """

    row_ids: tuple[int, ...]
    lines: tuple[int | None, ...]
    pairs: tuple[NearPair, ...]
    min_score: float

    @property
    def representative(self) -> int:
        """Row id of the row that is kept."""
        return self.row_ids[0]

    def score(self, a: int, b: int) -> float | None:
        """The verified score of a pair, or `None` if that pair was not verified."""
        low, high = sorted((a, b))
        for pair in self.pairs:
            if (pair.a, pair.b) in ((low, high), (high, low)):
                return pair.score
        return None


@dataclass(slots=True)
class DedupReport:
    """Duplicate groups found in one dataset.

    Attributes:
        settings: What the search used.
        examples: Rows that are JSON objects (the rows compared).
        exact_groups: Groups of identical examples, in order of representative.
        near_groups: Groups of near-duplicates, in order of representative.
        version: `Dataset.version` the search ran on (to drop stale results).
    """

    settings: DedupSettings
    examples: int
    exact_groups: list[ExactGroup]
    near_groups: list[NearGroup]
    version: int = 0
    _exact_of: dict[int, ExactGroup] = field(default_factory=dict, repr=False)
    _near_of: dict[int, NearGroup] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for group in self.exact_groups:
            for row_id in group.row_ids:
                self._exact_of[row_id] = group
        for near in self.near_groups:
            for row_id in near.row_ids:
                self._near_of[row_id] = near

    def exact_group_of(self, row_id: int) -> ExactGroup | None:
        """The exact group a row belongs to, if any."""
        return self._exact_of.get(row_id)

    def near_group_of(self, row_id: int) -> NearGroup | None:
        """The near group of a row or of the representative of its exact group."""
        group = self._exact_of.get(row_id)
        return self._near_of.get(group.representative if group else row_id)

    def group_of(self, row_id: int) -> ExactGroup | NearGroup | None:
        """The row's exact group if it has one, else its near group, else `None`."""
        return self._exact_of.get(row_id) or self._near_of.get(row_id)

    def redundant_row_ids(self) -> set[int]:
        """Rows a clean copy leaves out: every group member but the representative.

        An exact copy of a near group's non-representative goes too; blank,
        invalid and unique rows never do.
        """
        redundant: set[int] = set()
        for group in self.exact_groups:
            redundant.update(group.row_ids[1:])
        for near in self.near_groups:
            for row_id in near.row_ids[1:]:
                redundant.add(row_id)
                exact = self._exact_of.get(row_id)
                if exact is not None:
                    redundant.update(exact.row_ids)
        return redundant


@dataclass(frozen=True, slots=True)
class Overlap:
    """A row of one file that duplicates rows of another file.

    Attributes:
        row_id: The row in the dataset searched.
        line: Its physical line number.
        kind: `"exact"` or `"near"` (exact wins when both apply).
        score: Best similarity to the other file (1.0 for exact).
        other_row_ids: Matching rows of the other file, best first.
        other_lines: Their physical line numbers.
    """

    row_id: int
    line: int | None
    kind: Literal["exact", "near"]
    score: float
    other_row_ids: tuple[int, ...]
    other_lines: tuple[int | None, ...]


# --------------------------------------------------------------------- scanning
@dataclass(slots=True)
class _Rows:
    """What one pass over a dataset collects for every example row."""

    row_ids: list[int]
    lines: list[int | None]
    keys: list[bytes]
    texts: list[str]
    attachments: list[tuple[str, ...]]


def _check(should_stop: ShouldStop | None) -> None:
    if should_stop is not None and should_stop():
        raise DedupCancelled("duplicate search cancelled")


def _scan(
    dataset: Dataset,
    *,
    casefold: bool,
    scope: Scope | None,
    progress: Callable[[int], None] | None = None,
    should_stop: ShouldStop | None = None,
) -> _Rows:
    rows = _Rows([], [], [], [], [])
    for done, (row_id, record) in enumerate(dataset.items(), 1):
        if done % _CHECK_EVERY == 0:
            _check(should_stop)
            if progress is not None:
                progress(done)
        if record.data is None:
            continue
        rows.row_ids.append(row_id)
        rows.lines.append(record.line)
        rows.keys.append(canonical_key(record.data, casefold=casefold))
        if scope is not None:
            text, attachments = scope_content(record, scope)
            rows.texts.append(text)
            rows.attachments.append(attachments)
    if progress is not None:
        progress(len(dataset))
    return rows


def _exact_groups(rows: _Rows) -> tuple[list[ExactGroup], list[int]]:
    """Group rows by key; also return, per row index, its representative's index."""
    first: dict[bytes, int] = {}
    members: dict[int, list[int]] = {}
    rep_of = []
    for index, key in enumerate(rows.keys):
        rep = first.setdefault(key, index)
        rep_of.append(rep)
        if rep != index:
            members.setdefault(rep, [rep]).append(index)
    groups = [
        ExactGroup(
            tuple(rows.row_ids[i] for i in indexes),
            tuple(rows.lines[i] for i in indexes),
        )
        for _, indexes in sorted(members.items())
    ]
    return groups, rep_of


_exact_cache: weakref.WeakKeyDictionary[Dataset, tuple[int, list[list[int]]]] = (
    weakref.WeakKeyDictionary()
)


def exact_duplicate_row_ids(dataset: Dataset) -> list[list[int]]:
    """Groups of exactly duplicated rows (key order and whitespace ignored).

    One pass, no near-duplicate work; the answer is cached per dataset version,
    so asking again before an edit costs nothing.

    Args:
        dataset: The dataset.

    Returns:
        One list of row ids per group of two or more, first occurrence first,
        groups ordered by their first occurrence.
    """
    cached = _exact_cache.get(dataset)
    if cached is not None and cached[0] == dataset.version:
        return [list(group) for group in cached[1]]
    version = dataset.version  # before the scan: an edit meanwhile makes it stale
    groups, _ = _exact_groups(_scan(dataset, casefold=False, scope=None))
    result = [list(group.row_ids) for group in groups]
    _exact_cache[dataset] = (version, result)
    return [list(group) for group in result]


# ---------------------------------------------------------------- near matching
class _UnionFind:
    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, item: int) -> int:
        parent = self.parent
        root = item
        while parent[root] != root:
            root = parent[root]
        while parent[item] != root:
            parent[item], item = root, parent[item]
        return root

    def union(self, a: int, b: int) -> None:
        root_a, root_b = self.find(a), self.find(b)
        if root_a != root_b:
            # the smaller index stays root, so roots are the earliest members
            if root_b < root_a:
                root_a, root_b = root_b, root_a
            self.parent[root_b] = root_a


def _score_pairs(
    texts: list[str],
    pairs: np.ndarray[Any, Any],
    threshold: float,
    weights: WordWeights,
) -> list[tuple[int, int, float]]:
    """Score candidate pairs; keep those whose score reaches the threshold.

    fuzz.ratio runs first on every candidate (in C, on all cores); the word
    weights (see `ftui.core.similarity`) are only computed for the survivors.
    """
    from rapidfuzz import fuzz, process

    if not len(pairs):
        return []
    # fuzz.ratio <= 2 min(la, lb) / (la + lb): drop pairs too unequal in length
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    la, lb = lengths[pairs[:, 0]], lengths[pairs[:, 1]]
    pairs = pairs[2 * np.minimum(la, lb) >= threshold * (la + lb)]
    cutoff = threshold * 100.0
    survivors: list[list[int]] = []
    kept_ratios: list[float] = []
    for start in range(0, len(pairs), _VERIFY_CHUNK):
        # rapidfuzz copies every string it is given: chunks bound that memory
        block = pairs[start : start + _VERIFY_CHUNK]
        ratios = process.cpdist(
            [texts[i] for i in block[:, 0]],
            [texts[j] for j in block[:, 1]],
            scorer=fuzz.ratio,
            score_cutoff=cutoff,
            workers=-1,
        )
        keep = ratios >= cutoff
        survivors += block[keep].tolist()
        kept_ratios += ratios[keep].tolist()
    involved = sorted({i for pair in survivors for i in pair})
    bags = dict(
        zip(involved, weights.word_bags([texts[i] for i in involved]), strict=True)
    )
    totals = {i: weights.weight(bag) for i, bag in bags.items()}
    scored = []
    for (i, j), ratio in zip(survivors, kept_ratios, strict=True):
        score = round(
            min(ratio / 100.0, weights.dice(bags[i], bags[j], totals[i], totals[j])), 4
        )
        if score >= threshold:
            scored.append((i, j, score))
    return scored


def _near_edges(
    texts: list[str],
    attachments: list[tuple[str, ...]],
    threshold: float,
    params: LshParams,
    *,
    sides: list[int] | None = None,
    progress: Callable[[int], None] | None = None,
    should_stop: ShouldStop | None = None,
) -> list[tuple[int, int, float]]:
    """Verified near-duplicate pairs `(i, j, score)` among texts (i < j).

    Args:
        texts: Scope texts (non-empty).
        attachments: Each text's attachments; only equal ones can match.
        threshold: Minimum score.
        params: Candidate-step settings.
        sides: For cross-file search, 0 or 1 per text: only pairs of texts from
            different sides are returned (all of them, not just a spanning set).
        progress: Called with the number of texts hashed.
        should_stop: Polled between steps.
    """
    # identical (text, attachments) are scored once and joined with 1.0
    unique_index: dict[tuple[str, tuple[str, ...]], int] = {}
    unique_texts: list[str] = []
    attach_ids: dict[tuple[str, ...], int] = {}
    unique_attach: list[int] = []
    rows_of: list[list[int]] = []
    for index, key in enumerate(zip(texts, attachments, strict=True)):
        slot = unique_index.get(key)
        if slot is None:
            slot = unique_index[key] = len(unique_texts)
            unique_texts.append(key[0])
            unique_attach.append(attach_ids.setdefault(key[1], len(attach_ids)))
            rows_of.append([])
        rows_of[slot].append(index)

    def cross(a: int, b: int) -> bool:
        return sides is None or sides[a] != sides[b]

    edges: list[tuple[int, int, float]] = []
    for group in rows_of:
        if len(group) < 2:
            continue
        if sides is None:  # a star keeps the group connected
            edges.extend((group[0], index, 1.0) for index in group[1:])
        else:
            edges.extend(
                (a, b, 1.0)
                for n, a in enumerate(group)
                for b in group[n + 1 :]
                if cross(a, b)
            )
    _check(should_stop)
    attach = np.array(unique_attach, dtype=np.int64)
    if sides is None:

        def allowed(left: np.ndarray[Any, Any], right: np.ndarray[Any, Any]) -> Any:
            return attach[left] == attach[right]

    else:
        on = np.zeros((len(unique_texts), 2), dtype=bool)
        for slot, group in enumerate(rows_of):
            for index in group:
                on[slot, sides[index]] = True

        def allowed(left: np.ndarray[Any, Any], right: np.ndarray[Any, Any]) -> Any:
            spans = (on[left, 0] & on[right, 1]) | (on[left, 1] & on[right, 0])
            return spans & (attach[left] == attach[right])

    if len(unique_texts) < params.exhaustive_below:
        pairs = np.argwhere(np.triu(np.ones((len(unique_texts),) * 2, bool), 1))
        pairs = pairs[allowed(pairs[:, 0], pairs[:, 1])] if len(pairs) else pairs
        if progress is not None:
            progress(len(unique_texts))
    else:
        common = common_shingles(unique_texts, params)
        sig = signatures(
            unique_texts, params, common, progress=progress, should_stop=should_stop
        )
        _check(should_stop)
        pairs = candidate_pairs(sig, params, allowed=allowed)
        if len(pairs):
            words = np.array([t.count(" ") + t.count("\n") + 1 for t in unique_texts])
            short = np.minimum(words[pairs[:, 0]], words[pairs[:, 1]])
            agree = estimated_jaccard(sig, pairs)
            pairs = pairs[
                (agree >= params.min_jaccard) | (short < params.short_text_words)
            ]
    _check(should_stop)
    weights = WordWeights(unique_texts)
    # a pair of unique texts stands for the rows sharing those texts
    for i, j, score in _score_pairs(unique_texts, pairs, threshold, weights):
        if sides is None:
            edges.append((rows_of[i][0], rows_of[j][0], score))
            continue
        for a in rows_of[i]:
            for b in rows_of[j]:
                if cross(a, b):
                    edges.append((min(a, b), max(a, b), score))
    edges.sort()
    return edges


def _near_groups(
    rows: _Rows, candidates: list[int], edges: Iterable[tuple[int, int, float]]
) -> list[NearGroup]:
    """Connected components of verified edges, over `candidates` (row indexes)."""
    finder = _UnionFind(len(candidates))
    edge_list = list(edges)
    for a, b, _ in edge_list:
        finder.union(a, b)
    members: dict[int, list[int]] = {}
    for local in range(len(candidates)):
        members.setdefault(finder.find(local), []).append(local)
    pairs_of: dict[int, list[NearPair]] = {}
    for a, b, score in edge_list:
        pairs_of.setdefault(finder.find(a), []).append(
            NearPair(rows.row_ids[candidates[a]], rows.row_ids[candidates[b]], score)
        )
    groups = []
    for root, locals_ in sorted(members.items()):
        if len(locals_) < 2:
            continue
        indexes = [candidates[i] for i in locals_]
        pairs = tuple(pairs_of[root])
        groups.append(
            NearGroup(
                tuple(rows.row_ids[i] for i in indexes),
                tuple(rows.lines[i] for i in indexes),
                pairs,
                min(pair.score for pair in pairs),
            )
        )
    return groups


# ------------------------------------------------------------------- public API
def _scaled(
    progress: Progress | None, offset: int, span: int, total: int, parts: int
) -> Callable[[int], None] | None:
    """A per-phase progress callback mapped onto one overall `(done, total)`."""
    if progress is None:
        return None

    def report(done: int) -> None:
        progress(offset + span * min(done, parts) // max(parts, 1), total)

    return report


def find_duplicates(
    dataset: Dataset,
    settings: DedupSettings | None = None,
    *,
    progress: Progress | None = None,
    should_stop: ShouldStop | None = None,
    params: LshParams | None = None,
) -> DedupReport:
    """Find exact and near-duplicate groups in a dataset.

    Args:
        dataset: The dataset (blank and invalid lines are ignored).
        settings: Scope, threshold and case handling; defaults to `DedupSettings()`.
        progress: Called with `(done, total)` as work advances (total is twice
            the number of rows: one pass to read, one to compare).
        should_stop: Polled regularly; when it returns true the search stops.
        params: Candidate-step tuning (tests and benchmarks).

    Returns:
        The groups, deterministic for the same rows and settings.

    Raises:
        DedupCancelled: `should_stop` returned true.
    """
    settings = settings or DedupSettings()
    params = params or LshParams()
    version = dataset.version
    total = 2 * len(dataset)
    rows = _scan(
        dataset,
        casefold=settings.casefold,
        scope=settings.scope,
        progress=_scaled(progress, 0, len(dataset), total, len(dataset)),
        should_stop=should_stop,
    )
    exact, rep_of = _exact_groups(rows)
    candidates = [
        index for index, rep in enumerate(rep_of) if rep == index and rows.texts[index]
    ]
    edges = _near_edges(
        [rows.texts[i] for i in candidates],
        [rows.attachments[i] for i in candidates],
        settings.threshold,
        params,
        progress=_scaled(progress, len(dataset), len(dataset), total, len(candidates)),
        should_stop=should_stop,
    )
    near = _near_groups(rows, candidates, edges)
    if progress is not None:
        progress(total, total)
    return DedupReport(settings, len(rows.row_ids), exact, near, version)


def find_overlap(
    dataset: Dataset,
    other: Dataset,
    settings: DedupSettings | None = None,
    *,
    progress: Progress | None = None,
    should_stop: ShouldStop | None = None,
    params: LshParams | None = None,
) -> list[Overlap]:
    """Rows of `dataset` that duplicate or nearly duplicate rows of `other`.

    Typical use: training file vs validation file (leakage makes validation
    loss look better than it is).

    Args:
        dataset: The file whose rows are reported.
        other: The file they are compared against.
        settings: As for `find_duplicates`.
        progress: Called with `(done, total)`.
        should_stop: Polled regularly; true stops the search.
        params: Candidate-step tuning.

    Returns:
        One `Overlap` per row of `dataset` that matches, in dataset order; exact
        matches take precedence over near ones.

    Raises:
        DedupCancelled: `should_stop` returned true.
    """
    settings = settings or DedupSettings()
    params = params or LshParams()
    size = len(dataset) + len(other)
    total = 2 * size
    mine = _scan(
        dataset,
        casefold=settings.casefold,
        scope=settings.scope,
        progress=_scaled(progress, 0, len(dataset), total, len(dataset)),
        should_stop=should_stop,
    )
    theirs = _scan(
        other,
        casefold=settings.casefold,
        scope=settings.scope,
        progress=_scaled(progress, len(dataset), len(other), total, len(other)),
        should_stop=should_stop,
    )
    their_keys: dict[bytes, list[int]] = {}
    for index, key in enumerate(theirs.keys):
        their_keys.setdefault(key, []).append(index)

    found: dict[int, Overlap] = {}
    for index, key in enumerate(mine.keys):
        matches = their_keys.get(key)
        if matches:
            found[index] = Overlap(
                mine.row_ids[index],
                mine.lines[index],
                "exact",
                1.0,
                tuple(theirs.row_ids[m] for m in matches),
                tuple(theirs.lines[m] for m in matches),
            )
    # near: my texts (not already exact) followed by all their texts
    my_part = [i for i, text in enumerate(mine.texts) if text and i not in found]
    their_part = [i for i, text in enumerate(theirs.texts) if text]
    split = len(my_part)
    texts = [mine.texts[i] for i in my_part] + [theirs.texts[i] for i in their_part]
    attachments = [mine.attachments[i] for i in my_part] + [
        theirs.attachments[i] for i in their_part
    ]
    edges = _near_edges(
        texts,
        attachments,
        settings.threshold,
        params,
        sides=[0] * split + [1] * len(their_part),
        progress=_scaled(progress, size, size, total, len(texts)),
        should_stop=should_stop,
    )
    best: dict[int, list[tuple[float, int]]] = {}
    for a, b, score in edges:
        best.setdefault(a, []).append((-score, their_part[b - split]))
    for local, ranked in best.items():
        ranked.sort()  # best score first, then file order
        index = my_part[local]
        found[index] = Overlap(
            mine.row_ids[index],
            mine.lines[index],
            "near",
            -ranked[0][0],
            tuple(theirs.row_ids[m] for _, m in ranked),
            tuple(theirs.lines[m] for _, m in ranked),
        )
    if progress is not None:
        progress(total, total)
    return [found[index] for index in sorted(found)]
