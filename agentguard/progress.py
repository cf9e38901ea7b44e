"""A small progress bar for long work (evals), on standard error."""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO


class Progress:
    """Counts finished items; redraws one line on a terminal, prints every 10% elsewhere.

    Example:
        >>> with Progress(100, "cases", enabled=False) as bar:
        ...     bar.update()
    """

    def __init__(
        self,
        total: int,
        label: str,
        *,
        stream: TextIO | None = None,
        enabled: bool | None = None,
    ) -> None:
        self.total = max(total, 0)
        self.label = label
        self.stream = stream or sys.stderr
        self.enabled = enabled if enabled is not None else True
        self.tty = self.stream.isatty()
        self.done = 0
        self.start = time.perf_counter()
        self._last_draw = 0.0
        self._last_tenth = -1
        self._lock = threading.Lock()

    def update(self, n: int = 1) -> None:
        """Count `n` more finished items (thread-safe)."""
        with self._lock:
            self.done += n
            if self.enabled:
                self._draw(final=False)

    def _draw(self, *, final: bool) -> None:
        now = time.perf_counter()
        elapsed = now - self.start
        if self.tty:
            if not final and now - self._last_draw < 0.1 and self.done < self.total:
                return
            self._last_draw = now
            width = 30
            filled = width * self.done // self.total if self.total else width
            bar = "#" * filled + "." * (width - filled)
            rate = self.done / elapsed if elapsed > 0 else 0.0
            line = f"\r[{bar}] {self.done}/{self.total} {self.label} {elapsed:.1f} s ({rate:.0f}/s)"
            self.stream.write(line + ("\n" if final else ""))
        else:
            tenth = 10 * self.done // self.total if self.total else 10
            if tenth == self._last_tenth and not final:
                return
            self._last_tenth = tenth
            if final or tenth > 0:
                self.stream.write(f"{self.done}/{self.total} {self.label} ({elapsed:.1f} s)\n")
        self.stream.flush()

    def close(self) -> None:
        """Draw the last state and end the line."""
        with self._lock:
            if self.enabled and (self.tty or self._last_tenth != 10):
                self._draw(final=True)

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
