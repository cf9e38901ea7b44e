"""The monitor sessions of an agent's conversations, one per graph thread."""

from __future__ import annotations

import threading
from collections import OrderedDict

from agentguard.monitor import Monitor, MonitorSession

__all__ = ["ThreadSessions"]

MAX_SESSIONS = 1024
"""Threads whose monitor session an agent keeps; the least recently checked is dropped past it."""


class ThreadSessions:
    """One `Monitor.session()` per graph thread, so each step reads only what is new.

    A thread is one conversation: every step of it checks the whole history again, and its
    session keeps what earlier steps read. Only the `size` most recently checked threads keep
    a session; a dropped thread's next check starts a new one (it reads the whole history
    once, the report is the same).

    Args:
        monitor: The monitor whose sessions these are.
        size: How many threads keep a session.

    Example:
        >>> from agentguard import Monitor
        >>> sessions = ThreadSessions(Monitor())
        >>> sessions.checker("t1") is sessions.checker("t1")
        True
        >>> isinstance(sessions.checker(""), Monitor)  # no thread: check from scratch
        True
    """

    def __init__(self, monitor: Monitor, size: int = MAX_SESSIONS) -> None:
        """Keep up to `size` sessions of `monitor`."""
        if size < 1:
            raise ValueError(f"size must be at least 1, not {size}")
        self.monitor = monitor
        self.size = size
        self._sessions: OrderedDict[str, MonitorSession] = OrderedDict()
        self._lock = threading.Lock()

    def checker(self, thread: str) -> Monitor | MonitorSession:
        """The session of `thread`, or the monitor itself when there is no thread (`""`)."""
        if not thread:
            return self.monitor
        with self._lock:
            found = self._sessions.pop(thread, None)
            self._sessions[thread] = found if found is not None else self.monitor.session()
            while len(self._sessions) > self.size:
                self._sessions.popitem(last=False)
            return self._sessions[thread]

    def __len__(self) -> int:
        """How many threads keep a session now."""
        return len(self._sessions)
