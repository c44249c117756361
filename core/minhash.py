"""Candidate pairs for near-duplicate detection: numpy one-permutation MinHash + LSH.

Comparing every pair of examples is quadratic (about an hour for 10k examples
with rapidfuzz, see benchmarks/README.md), so candidates are found first and only
they are scored. The pipeline, vectorized over chunks of texts:

1. words = runs of ASCII letters/digits or non-ASCII bytes of the (already
   case-folded) UTF-8 text, so punctuation and whitespace edits do not change
   them; each word gets a deterministic 64-bit polynomial hash.
2. shingles = `k` (4) consecutive words (texts shorter than `k` words are one
   shingle). Shingles found in a large share of the texts (templated phrasing
   such as "Please assign the codes for this note") are dropped: they say
   nothing about which examples duplicate each other, and left in they would
   put every templated example into the same LSH bucket.
3. one-permutation MinHash (Li, Owen & Zhang 2012): each shingle hash goes to
   one of `bins` bins by its top bits and each bin keeps its minimum; empty bins
   are filled from the next non-empty bin (rotation densification, Shrivastava
   & Li 2014). Two texts share a bin value with probability about equal to the
   Jaccard similarity of their shingle sets.
4. LSH: the first `bands * rows` bins are cut into `bands` bands of `rows`
   values; texts whose values all agree in some band are candidates. With 25
   bands of 5 a pair of Jaccard similarity 0.7 is found with probability 0.99,
   0.6 with 0.87, and a pair of 0.2 with probability 0.008 (densification
   makes short texts collide more easily than this). Candidates whose
   signatures agree on under `min_jaccard` of all bins are chance collisions
   and are dropped, except for short texts.
5. Fewer than `exhaustive_below` texts: every pair is a candidate instead.

Everything is deterministic: no salted Python `hash`, no randomness.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "LshParams",
    "candidate_pairs",
    "common_shingles",
    "estimated_jaccard",
    "shingle_hashes",
    "signatures",
    "word_hashes",
]

U64 = np.uint64
_Array = np.ndarray[Any, Any]

_MASK64 = (1 << 64) - 1
_WORD_BYTES = np.zeros(256, dtype=bool)
for _byte in range(256):
    _WORD_BYTES[_byte] = chr(_byte).isalnum() if _byte < 128 else True
_POWERS = np.array([pow(0x100000001B3, i, 1 << 64) for i in range(64)], dtype=np.uint64)
# fixed odd multipliers combining the words of a shingle / the values of a band
_MULTIPLIERS = np.array(
    [(0x9E3779B97F4A7C15 * (2 * i + 1)) & _MASK64 for i in range(16)], dtype=np.uint64
)
_EMPTY = np.uint64(_MASK64)
_CHUNK_CHARS = 2_000_000


@dataclass(frozen=True, slots=True)
class LshParams:
    """Settings of the candidate step.

    Attributes:
        shingle: Words per shingle.
        bins: MinHash values per text (a power of two, at least bands * rows).
        bands: LSH bands.
        rows: Values per band.
        common_share: Shingles found in more than this share of the texts are
            treated as template text and ignored...
        common_min: ...unless they are found in at most this many texts.
        sample: How many texts (evenly spaced) are used to find common shingles.
        chunk: Texts processed per vectorized step (bounds the memory used).
        max_bucket: Texts sharing one band value beyond this many are only
            paired with the bucket's first text and their neighbours (bounds
            the work on pathological inputs).
        min_jaccard: Candidates whose signatures agree on fewer than this
            share of values are dropped before scoring...
        short_text_words: ...unless one of the texts has fewer words than
            this (few shingles make the estimate unreliable).
        exhaustive_below: With fewer texts than this every pair is a candidate
            (small files get an exact answer at little cost).
    """

    shingle: int = 4
    bins: int = 128
    bands: int = 25
    rows: int = 5
    common_share: float = 0.002
    common_min: int = 50
    sample: int = 20000
    chunk: int = 4096
    max_bucket: int = 64
    min_jaccard: float = 0.25
    short_text_words: int = 40
    exhaustive_below: int = 600

    def __post_init__(self) -> None:
        if self.bins & (self.bins - 1) or self.bands * self.rows > self.bins:
            raise ValueError("bins must be a power of two >= bands * rows")


def _mix(values: _Array) -> _Array:
    """SplitMix64 finalizer: spreads polynomial hashes over all 64 bits."""
    with np.errstate(over="ignore"):
        values = values ^ (values >> U64(30))
        values = values * U64(0xBF58476D1CE4E5B9)
        values = values ^ (values >> U64(27))
        values = values * U64(0x94D049BB133111EB)
        mixed: _Array = values ^ (values >> U64(31))
    return mixed


def word_hashes(texts: Sequence[str]) -> tuple[_Array, _Array]:
    """Hash every word of several texts at once.

    A word is a run of ASCII letters and digits or of non-ASCII bytes, so
    punctuation and whitespace never change a word.

    Args:
        texts: Normalized (case-folded) texts.

    Returns:
        `(hashes, owners)`: one uint64 hash per word, in text order, and the
        index in `texts` of the text each word belongs to (non-decreasing).
    """
    encoded = [text.encode("utf-8") for text in texts]
    lengths = np.fromiter(
        (len(b) + 1 for b in encoded), dtype=np.int64, count=len(texts)
    )
    text_starts = (
        np.concatenate(([0], np.cumsum(lengths)[:-1])) if len(texts) else lengths
    )
    buffer = np.frombuffer(b"\n".join(encoded) + b"\n", dtype=np.uint8)
    is_word = _WORD_BYTES[buffer]
    starts_flag = is_word.copy()
    starts_flag[1:] &= ~is_word[:-1]
    word_starts = np.flatnonzero(starts_flag)
    if not len(word_starts):
        return np.empty(0, np.uint64), np.empty(0, np.int64)
    ends_flag = is_word.copy()
    ends_flag[:-1] &= ~is_word[1:]
    word_lengths = np.flatnonzero(ends_flag) + 1 - word_starts
    word_bytes = np.flatnonzero(is_word)
    first_byte = np.concatenate(([0], np.cumsum(word_lengths)[:-1]))
    position = np.arange(len(word_bytes)) - np.repeat(first_byte, word_lengths)
    with np.errstate(over="ignore"):
        values = (buffer[word_bytes].astype(np.uint64) + U64(1)) * _POWERS[
            np.minimum(position, 63)
        ]
        word_hash = np.add.reduceat(values, first_byte)
    word_owner = np.searchsorted(text_starts, word_starts, side="right") - 1
    return _mix(word_hash), word_owner.astype(np.int64)


def shingle_hashes(texts: Sequence[str], shingle: int = 4) -> tuple[_Array, _Array]:
    """Hash the word shingles of several texts at once.

    Args:
        texts: Normalized (case-folded) texts.
        shingle: Words per shingle.

    Returns:
        `(hashes, owners)`: uint64 shingle hashes and, for each, the index of
        its text in `texts`. A text with no word has no shingle.
    """
    word_hash, word_owner = word_hashes(texts)
    if not len(word_hash):
        return word_hash, word_owner
    count = len(word_hash)
    parts_hash, parts_owner = [], []
    if count >= shingle:
        span = count - shingle + 1
        with np.errstate(over="ignore"):
            combined = word_hash[:span] * _MULTIPLIERS[0]
            for j in range(1, shingle):
                combined = combined + word_hash[j : j + span] * _MULTIPLIERS[j]
        inside = word_owner[:span] == word_owner[shingle - 1 :]
        parts_hash.append(combined[inside])
        parts_owner.append(word_owner[:span][inside])
    # texts with fewer words than a shingle: all their words form one shingle
    words_per_text = np.bincount(word_owner, minlength=len(texts))
    first_word = np.concatenate(([0], np.cumsum(words_per_text)[:-1]))
    for owner in np.flatnonzero((words_per_text > 0) & (words_per_text < shingle)):
        start, size = int(first_word[owner]), int(words_per_text[owner])
        with np.errstate(over="ignore"):
            value = (word_hash[start : start + size] * _MULTIPLIERS[:size]).sum(
                dtype=np.uint64
            )
        parts_hash.append(np.array([value], dtype=np.uint64))
        parts_owner.append(np.array([owner], dtype=np.int64))
    if not parts_hash:
        return np.empty(0, np.uint64), np.empty(0, np.int64)
    return _mix(np.concatenate(parts_hash)), np.concatenate(parts_owner).astype(
        np.int64
    )


def common_shingles(texts: Sequence[str], params: LshParams) -> _Array:
    """Shingles frequent enough to be template text (sorted uint64 array).

    Counted on an evenly spaced sample of the texts, so the cost is bounded.

    Args:
        texts: All texts to be compared.
        params: Candidate-step settings.

    Returns:
        The hashes of shingles found in more than
        `max(common_share, common_min / len(texts))` of the sampled texts.
    """
    total = len(texts)
    if total <= params.common_min:
        return np.empty(0, np.uint64)
    step = max(1, total // params.sample)
    sample = [texts[i] for i in range(0, total, step)]
    distinct = []
    for start, end in _chunks(sample, params.chunk):
        hashes, owners = shingle_hashes(sample[start:end], params.shingle)
        # count a shingle once per text: a stable sort by hash keeps each
        # text's copies of it next to each other (owners come in order)
        order = np.argsort(hashes, kind="stable")
        hashes, owners = hashes[order], owners[order]
        first = np.ones(len(hashes), dtype=bool)
        first[1:] = (hashes[1:] != hashes[:-1]) | (owners[1:] != owners[:-1])
        distinct.append(hashes[first])
    if not distinct:
        return np.empty(0, np.uint64)
    values, counts = np.unique(np.concatenate(distinct), return_counts=True)
    share = max(params.common_share, params.common_min / total)
    return values[counts > share * len(sample)]


def signatures(
    texts: Sequence[str],
    params: LshParams,
    common: _Array,
    *,
    progress: Callable[[int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> _Array:
    """One-permutation MinHash signatures, one row of `params.bins` per text.

    Args:
        texts: Normalized texts.
        params: Candidate-step settings.
        common: Sorted shingle hashes to ignore (see `common_shingles`); a text
            made only of them keeps them all instead.
        progress: Called with the number of texts done after each chunk.
        should_stop: Polled between chunks; when true, stops early.

    Returns:
        A `(len(texts), bins)` uint64 array; rows of texts without words are
        all-ones (they match nothing).
    """
    bins = params.bins
    shift = U64(64 - int(bins).bit_length() + 1)
    result = np.full((len(texts), bins), _EMPTY, dtype=np.uint64)
    for first, end in _chunks(texts, params.chunk):
        if should_stop is not None and should_stop():
            break
        chunk = texts[first:end]
        hashes, owners = shingle_hashes(chunk, params.shingle)
        if len(common) and len(hashes):
            keep = ~np.isin(hashes, common, assume_unique=False)
            kept_per_text = np.bincount(owners[keep], minlength=len(chunk))
            keep |= kept_per_text[owners] == 0
            hashes, owners = hashes[keep], owners[keep]
        flat = np.full(len(chunk) * bins, _EMPTY, dtype=np.uint64)
        slot = owners * bins + (hashes >> shift).astype(np.int64)
        np.minimum.at(flat, slot, hashes)
        sig = flat.reshape(len(chunk), bins)
        _densify(sig)
        result[first : first + len(chunk)] = sig
        if progress is not None:
            progress(first + len(chunk))
    return result


def _chunks(texts: Sequence[str], max_texts: int) -> Iterator[tuple[int, int]]:
    """Cut texts into runs of at most `max_texts` texts and about 2M characters.

    The vectorized hashing uses about 60 bytes of temporary arrays per byte of
    text, so chunks are bounded by size as well as by count.
    """
    start = 0
    while start < len(texts):
        end, size = start, 0
        while end < len(texts) and end - start < max_texts and size < _CHUNK_CHARS:
            size += len(texts[end])
            end += 1
        yield start, end
        start = end


def _densify(sig: _Array) -> None:
    """Fill empty bins from the next non-empty bin to the right (circularly).

    A filled bin takes its donor's value salted by the distance, so two texts
    only agree on it when their donors agree at the same distance.
    """
    count, bins = sig.shape
    if not count:
        return
    nonempty = sig != _EMPTY
    columns = np.arange(bins)
    # the row twice over: the next non-empty bin at or after each bin,
    # wrapping around, is a suffix minimum of positions
    position = np.where(nonempty, columns, 3 * bins)
    doubled = np.concatenate([position, position + bins], axis=1)
    nearest = np.minimum.accumulate(doubled[:, ::-1], axis=1)[:, ::-1][:, :bins]
    distance = nearest - columns
    fill = (distance > 0) & (nearest < 2 * bins)
    rows, cols = np.nonzero(fill)
    donors = sig[rows, nearest[rows, cols] % bins]
    with np.errstate(over="ignore"):
        sig[rows, cols] = _mix(
            donors + distance[rows, cols].astype(np.uint64) * _MULTIPLIERS[15]
        )


def candidate_pairs(
    sig: _Array,
    params: LshParams,
    *,
    allowed: Callable[[_Array, _Array], _Array] | None = None,
) -> _Array:
    """Pairs of texts that agree on every value of at least one band.

    Args:
        sig: Signatures from `signatures`.
        params: Candidate-step settings.
        allowed: Optional filter `(left, right) -> bool mask` (e.g. only pairs
            across two files).

    Returns:
        An `(m, 2)` int64 array of index pairs `(i, j)` with `i < j`, sorted,
        without repeats.
    """
    count = len(sig)
    valid = np.flatnonzero(sig[:, 0] != _EMPTY)
    if count < 2 or len(valid) < 2:
        return np.empty((0, 2), np.int64)
    sub = sig if len(valid) == count else sig[valid]
    keys = []
    with np.errstate(over="ignore"):
        for band in range(params.bands):
            block = sub[:, band * params.rows : (band + 1) * params.rows]
            key = (block * _MULTIPLIERS[: params.rows]).sum(axis=1, dtype=np.uint64)
            keys.append(_mix(key + U64(band) * _MULTIPLIERS[14]))
    all_keys = np.concatenate(keys)
    del keys
    order = np.argsort(all_keys, kind="stable")
    sorted_keys = all_keys[order]
    del all_keys
    # entry k of the concatenated bands belongs to text valid[k % len(valid)]
    sorted_members = valid[order % len(valid)]
    del order
    boundary = np.flatnonzero(np.diff(sorted_keys) != 0) + 1
    run_starts = np.concatenate(([0], boundary))
    run_ends = np.concatenate((boundary, [len(sorted_keys)]))
    sizes = run_ends - run_starts
    lefts, rights = [], []
    # all buckets of one size at once: their members sit at run start + offset
    for size in np.unique(sizes[(sizes >= 2) & (sizes <= params.max_bucket)]).tolist():
        starts = run_starts[sizes == size]
        i, j = np.triu_indices(size, k=1)
        lefts.append(sorted_members[(starts[:, None] + i).ravel()])
        rights.append(sorted_members[(starts[:, None] + j).ravel()])
    for start, end in zip(
        run_starts[sizes > params.max_bucket],
        run_ends[sizes > params.max_bucket],
        strict=True,
    ):
        # a huge bucket: star around its first text plus each text's next
        # neighbours, so it stays connected without quadratic work
        bucket = sorted_members[start:end]
        size = len(bucket)
        i = np.concatenate(
            [np.zeros(size - 1, np.int64)]
            + [np.arange(0, size - d) for d in range(1, 4)]
        )
        j = np.concatenate(
            [np.arange(1, size)] + [np.arange(d, size) for d in range(1, 4)]
        )
        lefts.append(bucket[i])
        rights.append(bucket[j])
    if not lefts:
        return np.empty((0, 2), np.int64)
    left = np.concatenate(lefts).astype(np.int64)
    right = np.concatenate(rights).astype(np.int64)
    low, high = np.minimum(left, right), np.maximum(left, right)
    keep = low != high
    if allowed is not None:
        keep &= allowed(low, high)
    codes = np.sort(low[keep] * count + high[keep])
    if len(codes):
        codes = codes[np.concatenate(([True], codes[1:] != codes[:-1]))]
    return np.stack([codes // count, codes % count], axis=1)


def estimated_jaccard(sig: _Array, pairs: _Array, *, chunk: int = 8192) -> _Array:
    """Share of MinHash values two texts agree on, for each pair.

    An estimate of the Jaccard similarity of their shingle sets (within about
    ±0.05 at 128 bins), used to drop chance LSH collisions cheaply.

    Args:
        sig: Signatures from `signatures`.
        pairs: `(m, 2)` index pairs.
        chunk: Pairs compared per step (bounds the memory used).

    Returns:
        A float array of `m` values in [0, 1].
    """
    result = np.empty(len(pairs), dtype=np.float64)
    for start in range(0, len(pairs), chunk):
        block = pairs[start : start + chunk]
        result[start : start + len(block)] = (
            sig[block[:, 0]] == sig[block[:, 1]]
        ).mean(axis=1)
    return result
