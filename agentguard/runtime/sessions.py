"""The monitor sessions of an agent's conversations, one per graph thread."""

from __future__ import annotations

from agentguard.monitor import Monitor, MonitorSession, SessionCache

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
        self.monitor = monitor
        self._sessions = SessionCache(monitor, size)

    def checker(self, thread: str) -> Monitor | MonitorSession:
        """The session of `thread`, or the monitor itself when there is no thread (`""`)."""
        return self._sessions.get(thread) if thread else self.monitor

    def __len__(self) -> int:
        """How many threads keep a session now."""
        return len(self._sessions)
