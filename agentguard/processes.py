"""The processors this process may use: the default number of worker processes."""

from __future__ import annotations

import os


def processors() -> int:
    """The processors this process may run on (its CPU affinity where the platform has one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1
