"""The near-duplicate score of two texts: fuzz.ratio, checked against template words.

`fuzz.ratio` (normalized Indel similarity) counts every character alike, so two
short examples built from one template ("What was the opening price of
Chevron's stock?" / "...of IBM's stock?") score above 0.9 although they are
different examples: the template is most of their text. The second measure
weighs each word by how rare it is in the file (smoothed inverse document
frequency, ln((n + 1) / (df + 1)) + 1, estimated on an evenly spaced sample) and
takes the weighted Dice overlap of the two texts' bags of words. Template words
weigh little and the words that make an example specific (names, numbers,
findings) weigh a lot, so the same template filled differently scores low,
while a real near-copy, which shares its specific words, keeps a high score.
The pair score is the lower of the two: both must reach the threshold.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np
from rapidfuzz import fuzz

from ftui.core.minhash import word_hashes

__all__ = ["WordWeights", "pair_score"]

_SAMPLE = 5000
_CHUNK = 1024


class WordWeights:
    """Inverse document frequency of the words of a collection of texts."""

    def __init__(self, texts: Sequence[str], *, sample: int = _SAMPLE) -> None:
        """Estimate word weights.

        Args:
            texts: Normalized texts (the whole collection being compared).
            sample: At most this many evenly spaced texts are counted.
        """
        step = max(1, len(texts) // sample) if texts else 1
        chosen = [texts[i] for i in range(0, len(texts), step)]
        distinct = []
        for start in range(0, len(chosen), _CHUNK):
            hashes, owners = word_hashes(chosen[start : start + _CHUNK])
            # owners come in order, so after a stable sort by hash the copies of
            # one word inside one text are adjacent: keep one per text
            order = np.argsort(hashes, kind="stable")
            hashes, owners = hashes[order], owners[order]
            first = np.ones(len(hashes), dtype=bool)
            first[1:] = (hashes[1:] != hashes[:-1]) | (owners[1:] != owners[:-1])
            distinct.append(hashes[first])
        size = len(chosen)
        self._default = math.log(size + 1) + 1.0
        self._idf: dict[int, float] = {}
        if distinct:
            values, counts = np.unique(np.concatenate(distinct), return_counts=True)
            weights = np.log((size + 1) / (counts + 1)) + 1.0
            self._idf = dict(zip(values.tolist(), weights.tolist(), strict=True))

    def word_bags(self, texts: Sequence[str]) -> list[Counter[int]]:
        """The words of each text (as hashes) with how often each occurs."""
        bags: list[Counter[int]] = []
        # chunks: hashing needs about 60 bytes of temporary arrays per character
        for start in range(0, len(texts), _CHUNK):
            chunk = texts[start : start + _CHUNK]
            hashes, owners = word_hashes(chunk)
            bounds = np.searchsorted(owners, np.arange(len(chunk) + 1)).tolist()
            values = hashes.tolist()
            bags += [
                Counter(values[bounds[i] : bounds[i + 1]]) for i in range(len(chunk))
            ]
        return bags

    def weight(self, bag: Counter[int]) -> float:
        """Total weight of a bag of words (each occurrence counts)."""
        get, default = self._idf.get, self._default
        return sum(get(word, default) * count for word, count in bag.items())

    def dice(
        self,
        a: Counter[int],
        b: Counter[int],
        weight_a: float | None = None,
        weight_b: float | None = None,
    ) -> float:
        """Weighted Dice overlap 2 w(a ∩ b) / (w(a) + w(b)) of two bags of words.

        The intersection keeps each word's smaller count, so a text that
        repeats a specific word ("IBM ... symbol IBM") differs by both
        occurrences. Two empty bags give 1.0.

        Args:
            a: One bag.
            b: The other.
            weight_a: `weight(a)` if already known (saves recomputing it).
            weight_b: `weight(b)` if already known.
        """
        total = (self.weight(a) if weight_a is None else weight_a) + (
            self.weight(b) if weight_b is None else weight_b
        )
        if total == 0:
            return 1.0
        get, default = self._idf.get, self._default
        common = a.keys() & b.keys()  # a C-level set intersection
        shared = sum(get(word, default) * min(a[word], b[word]) for word in common)
        return 2.0 * shared / total


def pair_score(a: str, b: str, weights: WordWeights) -> float:
    """The near-duplicate score of two normalized texts, as a fraction.

    Args:
        a: One text.
        b: The other.
        weights: Word weights of the collection the texts come from.

    Returns:
        min(fuzz.ratio / 100, weighted word Dice), rounded to 4 decimals.
    """
    ratio = fuzz.ratio(a, b) / 100.0
    bags = weights.word_bags([a, b])
    return round(min(ratio, weights.dice(bags[0], bags[1])), 4)
