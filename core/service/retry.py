"""Backoff for creating and following jobs: exponential, jittered, Retry-After."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

__all__ = ["Backoff"]


@dataclass
class Backoff:
    """Exponential backoff with jitter.

    The n-th consecutive failure waits ``min(cap, base * 2**(n-1))`` scaled by a
    random factor in ``[1 - jitter, 1]`` (so many clients do not retry in step).
    A server's Retry-After wins over the computed delay, capped at `cap_retry_after`.

    Attributes:
        base: Delay after the first failure, seconds.
        cap: Longest computed delay, seconds.
        jitter: Fraction of the delay that is randomised (0..1).
        cap_retry_after: Longest Retry-After honoured, seconds.
        rng: Random source (tests pass a seeded one).
    """

    base: float = 1.0
    cap: float = 60.0
    jitter: float = 0.5
    cap_retry_after: float = 300.0
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before attempt `attempt + 1`.

        Args:
            attempt: How many attempts in a row have failed (1 for the first).
            retry_after: The server's Retry-After in seconds, if it sent one.

        Returns:
            The delay in seconds (never negative).
        """
        if retry_after is not None and retry_after >= 0:
            return min(retry_after, self.cap_retry_after)
        exponent = max(0, attempt - 1)
        raw = min(self.cap, self.base * (2.0 ** min(exponent, 30)))
        factor = 1.0 - self.jitter * self.rng.random()
        return max(0.0, raw * factor)
