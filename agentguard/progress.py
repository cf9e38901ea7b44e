"""Progress of long work (evals, checking a big JSONL file), on standard error.

On a terminal the bar is tqdm's (count, rate, elapsed time and ETA): tqdm is the maintained
standard for this and already comes with the `openai` client. Elsewhere (a log, CI) a plain
line is printed at every tenth of the work, with the rate and the time left, since a
redrawn bar would fill a log with carriage returns.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from tqdm import tqdm


class Progress:
    """Counts finished items. `total` may be `None` (unknown: rate and count only).

    Example:
        >>> with Progress(100, "cases", enabled=False) as bar:
        ...     bar.update()
    """

    def __init__(
        self,
        total: int | None,
        label: str,
        *,
        stream: TextIO | None = None,
        enabled: bool | None = None,
    ) -> None:
        self.total = None if total is None else max(total, 0)
        self.label = label
        self.stream = stream or sys.stderr
        self.enabled = enabled if enabled is not None else True
        self.tty = isatty(self.stream)
        self.done = 0
        self.start = time.perf_counter()
        self._last_tenth = 0
        self._lock = threading.Lock()
        self._bar: tqdm[Any] | None = None
        if self.enabled and self.tty:
            from tqdm import tqdm

            self._bar = tqdm(
                total=self.total, unit=f" {label}", file=self.stream, dynamic_ncols=True,
                mininterval=0.1, smoothing=0.1,
            )  # fmt: skip

    def update(self, n: int = 1) -> None:
        """Count `n` more finished items (thread-safe)."""
        with self._lock:
            self.done += n
            if self._bar is not None:
                self._bar.update(n)
            elif self.enabled and self.total:
                tenth = 10 * self.done // self.total
                if tenth > self._last_tenth and self.done < self.total:
                    self._last_tenth = tenth
                    self._line()

    def _line(self) -> None:
        elapsed = time.perf_counter() - self.start
        rate = self.done / elapsed if elapsed > 0 else 0.0
        count = f"{self.done}" if self.total is None else f"{self.done}/{self.total}"
        text = f"{count} {self.label} ({elapsed:.1f} s, {rate:,.0f}/s"
        if self.total and rate > 0 and self.done < self.total:
            text += f", about {(self.total - self.done) / rate:,.0f} s left"
        self.stream.write(text + ")\n")
        self.stream.flush()

    def above(self, stream: TextIO) -> TextIO:
        """`stream`, or a stream writing above the bar when the bar is drawn on `stream`.

        Lines printed to a terminal while the bar runs would otherwise break it.
        """
        if self._bar is None or not isatty(stream):
            return stream
        return _AboveBar(self._bar, stream)  # type: ignore[return-value]

    def close(self, *, finished: bool = True) -> None:
        """Draw the last state and end the line.

        When the work `finished`, a total that the count fell short of (blank lines skipped)
        becomes the count; work cut short keeps its total, so the bar does not look done.
        """
        with self._lock:
            if self._bar is not None:
                if finished and self._bar.total is not None and self.done != self._bar.total:
                    self._bar.total = self.done
                    self._bar.refresh()
                self._bar.close()
                self._bar = None
            elif self.enabled and self._last_tenth != -1:
                if finished:
                    self.total = self.done
                self._line()
                self._last_tenth = -1

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        self.close(finished=kind is None)


class _AboveBar:
    """A text stream that clears the bar, writes, and draws the bar again."""

    def __init__(self, bar: tqdm[Any], stream: TextIO) -> None:
        self._bar = bar
        self._stream = stream
        self.encoding = getattr(stream, "encoding", None)

    def write(self, text: str) -> int:
        with self._bar.external_write_mode(file=self._stream):
            return self._stream.write(text)

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        return True


def isatty(stream: TextIO) -> bool:
    """Whether `stream` is a terminal (`False` for one without `isatty`, or closed)."""
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
