"""A circuit breaker: stop calling a remote estimator that keeps failing, for a while.

Closed (calls pass) until `failures` calls in a row fail; then open: calls fail at once, without
waiting out a timeout, for `cooldown` seconds; then half-open: one call goes through as a probe
(others still fail at once), and its outcome closes the breaker or opens it for another
cool-down. Safe to share between threads.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

_REASON_CHARS = 200
"""Longest part of the last failure's message the open breaker repeats."""


class CircuitOpen(RuntimeError):
    """The breaker is open: the call was not made."""


class CircuitBreaker:
    """Counts consecutive failures of a call and refuses calls while it is open.

    Wrap each call in `call(fn)`, or call `before()` ahead of it and `succeeded()` or
    `failed(exc)` after it.

    Args:
        failures: Consecutive failures that open the breaker (at least 1).
        cooldown: Seconds the breaker stays open before it lets one probe call through.
        clock: Monotonic clock in seconds (replaceable in tests).

    Example:
        >>> breaker = CircuitBreaker(failures=2, cooldown=30.0)
        >>> breaker.failed(TimeoutError("slow"))
        >>> breaker.failed(TimeoutError("slow"))
        >>> breaker.state
        'open'
    """

    def __init__(
        self,
        failures: int = 3,
        cooldown: float = 30.0,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failures < 1:
            raise ValueError(f"a circuit breaker needs failures >= 1, not {failures}")
        if not cooldown >= 0:  # NaN fails too
            raise ValueError(f"a circuit breaker needs cooldown >= 0, not {cooldown}")
        self.failures = failures
        self.cooldown = cooldown
        self.clock = clock
        self._lock = threading.Lock()
        self._streak = 0
        self._open = False
        self._opened_at = 0.0
        self._probing = False
        self._last = ""

    @property
    def state(self) -> str:
        """`closed`, `open` (refusing calls) or `half-open` (the cool-down is over)."""
        with self._lock:
            if not self._open:
                return "closed"
            return "open" if self._remaining() > 0 or self._probing else "half-open"

    def before(self) -> None:
        """Let a call through, or refuse it.

        Raises:
            CircuitOpen: while the breaker is open, and while another call is the probe.
        """
        with self._lock:
            if not self._open:
                return
            remaining = self._remaining()
            if remaining <= 0 and not self._probing:
                self._probing = True  # this call is the probe; the rest wait for its outcome
                return
            why = f"after {self._streak} consecutive failures (last: {self._last})"
            when = (
                f"calls resume in {remaining:.1f} s"
                if remaining > 0
                else "a probe call is in flight"
            )
            raise CircuitOpen(f"circuit open {why}; {when}")

    def succeeded(self) -> None:
        """Record a call that worked: the breaker closes."""
        with self._lock:
            self._streak = 0
            self._open = False
            self._probing = False

    def failed(self, exc: BaseException) -> None:
        """Record a call that failed; the breaker opens at `failures` in a row, or on a probe."""
        with self._lock:
            self._streak += 1
            message = f"{type(exc).__name__}: {exc}"
            if len(message) > _REASON_CHARS:
                message = message[:_REASON_CHARS] + "..."
            self._last = message
            if self._probing or self._streak >= self.failures:
                self._open = True
                self._opened_at = self.clock()
            self._probing = False

    def call(self, fn: Callable[[], T]) -> T:
        """`fn()` through the breaker: refused while open, its outcome recorded.

        Raises:
            CircuitOpen: when the breaker refuses the call.
        """
        self.before()
        try:
            result = fn()
        except Exception as exc:
            self.failed(exc)
            raise
        except BaseException:
            # An interrupt says nothing about the remote side: free the probe slot only.
            with self._lock:
                self._probing = False
            raise
        self.succeeded()
        return result

    def _remaining(self) -> float:
        return self._opened_at + self.cooldown - self.clock()
