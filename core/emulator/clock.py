"""Simulated clock of the emulator: real time scaled by a speed factor."""

from __future__ import annotations

import threading
import time

__all__ = ["SimClock"]


class SimClock:
    """The emulated service's time: real time scaled by a speed factor.

    Simulated ("engine") time starts at the wall-clock time the clock is created
    and then runs `speed` simulated seconds per real second; it schedules every
    phase of files and jobs. `speed=0` freezes it, so only `advance()` moves it
    (deterministic tests). Changing the speed re-anchors the clock, so simulated
    time never jumps backwards.

    Timestamps shown to clients (`stamp()`) are wall-clock times instead: the
    moment, in real time, at which an engine time happens at the current speed.
    So a client comparing `created_at` or `estimated_finish` with its own clock
    sees a fast service, not one living hours in the future; only durations are
    compressed (and "Training hours billed" is computed in simulated time).
    """

    def __init__(self, speed: float) -> None:
        """Create a clock.

        Args:
            speed: Simulated seconds per real second (0 = manual clock).

        Raises:
            ValueError: `speed` is negative.
        """
        self._lock = threading.Lock()
        self._speed = _check_speed(speed)
        self._anchor_sim = time.time()
        self._anchor_real = time.monotonic()
        self._floor = 0.0

    @property
    def speed(self) -> float:
        """Simulated seconds per real second."""
        return self._speed

    def now(self) -> float:
        """Current simulated unix time (seconds, float)."""
        with self._lock:
            return self._now_locked()

    def _now_locked(self) -> float:
        return self._anchor_sim + (time.monotonic() - self._anchor_real) * self._speed

    def set_speed(self, speed: float) -> None:
        """Change the speed from now on.

        Args:
            speed: Simulated seconds per real second (0 = manual clock).

        Raises:
            ValueError: `speed` is negative.
        """
        speed = _check_speed(speed)
        with self._lock:
            self._anchor_sim = self._now_locked()
            self._anchor_real = time.monotonic()
            self._speed = speed

    def advance(self, seconds: float) -> float:
        """Jump simulated time forward.

        Args:
            seconds: Simulated seconds to add (>= 0).

        Returns:
            The new simulated time.

        Raises:
            ValueError: `seconds` is negative.
        """
        if seconds < 0:
            raise ValueError("the clock cannot go backwards")
        with self._lock:
            self._anchor_sim += seconds
            return self._now_locked()

    def stamp(self, at: float) -> int:
        """Wall-clock unix time (seconds) of engine time `at`, for API objects.

        Past times map back at the current speed but never before a stamp
        already given out, so stamps taken in order never decrease (after
        `advance()`, everything that became due is stamped "now"). Future times
        (estimates) map forward at the current speed (1 when frozen).

        Args:
            at: An engine time.

        Returns:
            Unix seconds.
        """
        with self._lock:
            now = self._now_locked()
            wall = time.time() + (at - now) / (self._speed or 1.0)
            if at <= now:
                wall = max(wall, self._floor)
                self._floor = wall
            return int(wall)

    def real_seconds(self, simulated: float) -> float:
        """How many real seconds `simulated` seconds take at the current speed.

        Args:
            simulated: A simulated duration.

        Returns:
            The real duration (infinite when the clock is frozen).
        """
        return simulated / self._speed if self._speed > 0 else float("inf")


def _check_speed(speed: float) -> float:
    if speed < 0:
        raise ValueError(f"speed must be >= 0, got {speed}")
    return float(speed)
