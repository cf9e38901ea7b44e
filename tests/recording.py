"""A monitor that records what its sessions check, for tests of the integrations."""

from __future__ import annotations

import copy
from typing import Any

from agentguard import Monitor, MonitorSession, Report


class RecordingSession(MonitorSession):
    """A session that keeps every input it checks, with its report."""

    def check(self, data: Any = None, /, **fields: Any) -> Report:
        report = super().check(data, **fields)
        assert isinstance(self.monitor, RecordingMonitor)
        self.monitor.checked.append((copy.deepcopy(fields), report))
        return report


class RecordingMonitor(Monitor):
    """A monitor whose sessions record what they check."""

    def __init__(self, policy: Any = "balanced") -> None:
        super().__init__(policy)
        self.checked: list[tuple[dict[str, Any], Report]] = []
        self.sessions: list[MonitorSession] = []

    def session(self) -> MonitorSession:
        found = RecordingSession(self)
        self.sessions.append(found)
        return found


def same_report(a: Report, b: Report) -> None:
    """Assert two reports are equal but for their latency."""
    left, right = a.model_dump(mode="json"), b.model_dump(mode="json")
    left.pop("latency_ms")
    right.pop("latency_ms")
    assert left == right
