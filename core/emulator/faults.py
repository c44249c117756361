"""Fault injection: seeded, per-request 429s, 5xx errors, dropped connections, latency.

Spec syntax (the `--faults` option), comma-separated `key=value` pairs::

    429=0.1,5xx=0.1,drop=0.1,drop_after=0.05,latency=0.2,delay=0.5,retry_after=1,seed=7

- `429`, `5xx`, `drop`, `drop_after` are probabilities per API request; at most one
  of them hits a request (one uniform draw against their cumulative sum, so their
  sum must be <= 1).
  `429` answers 429 with `Retry-After`/`retry-after-ms`; `5xx` answers 500 or 503;
  `drop` closes the connection *before* the request is handled (nothing changes);
  `drop_after` handles the request completely and then closes the connection
  instead of sending the response (a whole state change, never half of one —
  this is what makes idempotency keys matter; a chat stream is cut halfway).
- `latency` is the probability of added delay (drawn independently), `delay` the
  maximum added delay in real seconds (uniform 0..delay, default 0.5).
- `retry_after` is the Retry-After value in real seconds (default 1.0).
- `seed` makes the sequence reproducible.

The decision is taken before a request touches any state.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Fault", "FaultDecision", "FaultInjector", "FaultSpec", "parse_faults"]


class Fault(StrEnum):
    """What happens to one request."""

    NONE = "none"
    RATE_LIMIT = "429"
    SERVER_ERROR = "5xx"
    DROP = "drop"
    DROP_AFTER = "drop_after"


@dataclass(frozen=True)
class FaultSpec:
    """Fault probabilities and parameters (see the module docstring).

    Attributes:
        rate_limit: Probability of a 429 answer.
        server_error: Probability of a 500/503 answer.
        drop: Probability of closing the connection before handling the request.
        drop_after: Probability of handling the request, then closing the
            connection without answering.
        latency: Probability of added delay.
        delay: Maximum added delay in real seconds.
        retry_after: Retry-After of 429 answers, in real seconds.
        seed: Seed of the random sequence (None = unpredictable).
    """

    rate_limit: float = 0.0
    server_error: float = 0.0
    drop: float = 0.0
    drop_after: float = 0.0
    latency: float = 0.0
    delay: float = 0.5
    retry_after: float = 1.0
    seed: int | None = None

    def __post_init__(self) -> None:
        """Check the ranges.

        Raises:
            ValueError: A probability is outside 0..1, the exclusive faults add
                up to more than 1, or a duration is negative.
        """
        for name in ("rate_limit", "server_error", "drop", "drop_after", "latency"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"fault probability {name}={value} is not in 0..1")
        if self.rate_limit + self.server_error + self.drop + self.drop_after > 1.0:
            raise ValueError("429 + 5xx + drop + drop_after must not exceed 1")
        if self.delay < 0 or self.retry_after <= 0:
            raise ValueError("delay must be >= 0 and retry_after > 0")

    @property
    def active(self) -> bool:
        """True when any fault can happen."""
        return (
            self.rate_limit + self.server_error + self.drop + self.drop_after > 0
            or (self.latency > 0 and self.delay > 0)
        )


_KEYS = {
    "429": "rate_limit",
    "rate_limit": "rate_limit",
    "5xx": "server_error",
    "server_error": "server_error",
    "drop": "drop",
    "drop_after": "drop_after",
    "latency": "latency",
    "delay": "delay",
    "retry_after": "retry_after",
    "seed": "seed",
}


def parse_faults(spec: str | FaultSpec | None) -> FaultSpec:
    """Parse a `--faults` spec such as `429=0.1,5xx=0.1,drop=0.1,latency=0.2,seed=1`.

    Args:
        spec: The text, an existing `FaultSpec` (returned as is) or None/"" (no faults).

    Returns:
        The fault settings.

    Raises:
        ValueError: Unknown key, missing `=`, or a value out of range.
    """
    if isinstance(spec, FaultSpec):
        return spec
    if not spec or not spec.strip():
        return FaultSpec()
    values: dict[str, float | int] = {}
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        key, sep, raw = part.partition("=")
        field = _KEYS.get(key.strip().lower())
        if not sep or field is None:
            known = ", ".join(_KEYS)
            raise ValueError(
                f"bad fault setting {part!r}; use key=value with keys {known}"
            )
        try:
            values[field] = int(raw) if field == "seed" else float(raw)
        except ValueError:
            raise ValueError(f"bad number in fault setting {part!r}") from None
    return FaultSpec(**values)  # type: ignore[arg-type]


@dataclass(frozen=True)
class FaultDecision:
    """The faults chosen for one request.

    Attributes:
        fault: The exclusive fault (or `Fault.NONE`).
        delay: Real seconds to wait before handling the request.
        status: HTTP status for 429/5xx faults, else 0.
    """

    fault: Fault
    delay: float = 0.0
    status: int = 0


class FaultInjector:
    """Thread-safe, seeded source of fault decisions, with counters for tests."""

    def __init__(self, spec: str | FaultSpec | None = None) -> None:
        """Create an injector.

        Args:
            spec: Fault settings (see `parse_faults`).
        """
        self._lock = threading.Lock()
        self._spec = parse_faults(spec)
        self._rng = random.Random(self._spec.seed)
        self.counts: Counter[str] = Counter()

    @property
    def spec(self) -> FaultSpec:
        """The current settings."""
        return self._spec

    def configure(self, spec: str | FaultSpec | None) -> None:
        """Replace the settings and restart the random sequence and counters.

        Args:
            spec: Fault settings (see `parse_faults`).
        """
        parsed = parse_faults(spec)
        with self._lock:
            self._spec = parsed
            self._rng = random.Random(parsed.seed)
            self.counts = Counter()

    def decide(self) -> FaultDecision:
        """Draw the faults for one request (and count them)."""
        with self._lock:
            spec = self._spec
            self.counts["requests"] += 1
            if not spec.active:
                return FaultDecision(Fault.NONE)
            draw = self._rng.random()
            delay = 0.0
            # Always draw for latency so one setting doesn't shift the other's sequence.
            latency_draw = self._rng.random()
            delay_draw = self._rng.random()
            if latency_draw < spec.latency and spec.delay > 0:
                delay = delay_draw * spec.delay
                self.counts["latency"] += 1
            fault, status = Fault.NONE, 0
            edge = spec.rate_limit
            if draw < edge:
                fault, status = Fault.RATE_LIMIT, 429
            elif draw < (edge := edge + spec.server_error):
                fault = Fault.SERVER_ERROR
                status = 503 if self._rng.random() < 0.5 else 500
            elif draw < (edge := edge + spec.drop):
                fault = Fault.DROP
            elif draw < edge + spec.drop_after:
                fault = Fault.DROP_AFTER
            if fault is not Fault.NONE:
                self.counts[fault.value] += 1
            return FaultDecision(fault, delay, status)
