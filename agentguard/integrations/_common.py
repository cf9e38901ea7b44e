"""What the integrations share: the exception a held-back call raises, the unchecked report."""

from __future__ import annotations

import contextlib
import threading
import time
from typing import Any

from agentguard.monitor import Monitor, MonitorSession, SessionCache
from agentguard.types import Decision, Report

__all__ = [
    "REPORT_ATTR",
    "AssumptionFlagged",
    "SessionPool",
    "attach_report",
    "pool_of",
    "report_of",
    "unchecked_report",
]

REPORT_ATTR = "_agentguard_report"
"""The attribute a wrapped response (OpenAI, litellm) carries its report in."""
METADATA_KEY = "agentguard"
"""The `response_metadata` key of a checked LangChain message: `{"report": ..., "held": ...}`."""


def attach_report(response: object, report: Report) -> None:
    """Put `report` on `response` (`report_of` reads it back); objects without room are left."""
    # A slotted or built-in object takes no attribute: the caller has the report anyway.
    with contextlib.suppress(AttributeError, TypeError):
        object.__setattr__(response, REPORT_ATTR, report)


def report_of(response: object) -> Report | None:
    """The agentguard report of a response or message a wrapper checked, or `None`.

    Reads what `agentguard.wrap` (OpenAI clients), the litellm wrappers and the LangGraph and
    LangChain integrations leave: a report on the response object (`ChatCompletion`,
    `Response`, a streamed chunk, litellm's `ModelResponse`) or in a LangChain message's
    `response_metadata`.

    Example:
        >>> from agentguard import report_of
        >>> report_of({"choices": []}) is None
        True
    """
    found = getattr(response, REPORT_ATTR, None)
    if isinstance(found, Report):
        return found
    metadata = getattr(response, "response_metadata", None)
    stored = metadata.get(METADATA_KEY) if isinstance(metadata, dict) else None
    report = stored.get("report") if isinstance(stored, dict) else None
    if isinstance(report, Report):
        return report
    return Report.model_validate(report) if isinstance(report, dict) else None


class AssumptionFlagged(Exception):
    """A checked output or tool call was held back: it rests on something nobody said.

    Raised by the wrappers when the policy decides `ask_user`, `retry` or `block` and the
    caller asked for an exception (`on_flag="raise"`); the OpenAI client wrapper and the
    litellm wrappers raise it for `use_context` too (a question or tool call the agent does
    not need).

    Attributes:
        report: The monitor's report on the held-back output or call.
        question: The clarifying question to put to the user, for `use_context` what the agent
            already has (`decision.message`), or the decision's reason when the policy gave
            neither (`retry`, `block`).
    """

    def __init__(self, report: Report) -> None:
        """Carry `report`; the message is its question (or its message, or its reason)."""
        self.report = report
        decision = report.decision
        self.question: str = decision.question or decision.message or decision.reason
        super().__init__(f"{report.decision.action}: {self.question}")


def unchecked_report(monitor: Monitor, failure: str, start: float) -> Report:
    """The report of an output the monitor could not check: blocked only in fail mode `closed`.

    The wrappers give this report when the monitor raises on what it was handed (an
    `InputError` for a message it cannot read), so the model's output is never lost to a
    monitor fault. `fallback` has nothing to fall back to here and lets through, as `open` does.

    Args:
        monitor: The monitor whose policy's `fail_mode` decides.
        failure: What went wrong, for the decision's reason and `estimator_error`.
        start: `time.perf_counter()` when the check began, for `latency_ms`.
    """
    closed = monitor.policy.fail_mode == "closed"
    outcome = "blocked, not checked" if closed else "let through, NOT CHECKED"
    reason = f"{failure}; fail mode {monitor.policy.fail_mode}: {outcome}"
    return Report(
        support=None,
        claims=(),
        flags=(),
        decision=Decision(action="block" if closed else "allow", reason=reason),
        policy=monitor.policy.name,
        estimator=monitor.estimator_name,
        notes=(reason,),
        checked=False,
        estimator_error=failure,
        latency_ms=round((time.perf_counter() - start) * 1000, 3),
    )


class SessionPool:
    """The sessions of the conversations a wrapper sees, found by how each conversation starts.

    A wrapped client or callback is handed whole conversations, one call at a time, with no
    conversation id. The pool keeps one `Monitor.session()` per conversation start (its first
    two messages) for the most recent `size` conversations. Two conversations that start alike
    share a session; that costs speed (the session reads a changed history again), never
    correctness: a session's reports are always those `Monitor.check` gives.
    """

    def __init__(self, monitor: Monitor, size: int = 256) -> None:
        """Keep up to `size` sessions of `monitor`, the least recently used dropped first."""
        self.monitor = monitor
        self.size = size
        self._sessions = SessionCache(monitor, size)

    def session(self, messages: object) -> MonitorSession:
        """The session of the conversation `messages` (a list of messages in any form)."""
        return self._sessions.get(_start_of(messages))

    def check(self, data: dict[str, Any]) -> Report:
        """`Monitor.check` of `data` through the session of its conversation."""
        return self.session(data.get("messages")).check(data)


_POOL_ATTR = "_agentguard_pool"
_pool_lock = threading.Lock()


def pool_of(monitor: Monitor) -> SessionPool:
    """The `SessionPool` of `monitor`, made on first use: one per monitor, shared by wrappers.

    Every wrapper handed the same monitor (a litellm callback and a guardrail, the two
    OpenAI Agents guardrails) finds a conversation's session in the same pool, so what one
    wrapper read of it another does not read again. The pool lives on the monitor instance
    (a weak mapping would keep the monitor alive through the pool's own reference to it), so
    it goes when the monitor does.

    Example:
        >>> from agentguard import Monitor
        >>> monitor = Monitor()
        >>> pool_of(monitor) is pool_of(monitor)
        True
    """
    found = vars(monitor).get(_POOL_ATTR)
    if isinstance(found, SessionPool):
        return found
    with _pool_lock:
        found = vars(monitor).get(_POOL_ATTR)
        if not isinstance(found, SessionPool):
            found = SessionPool(monitor)
            setattr(monitor, _POOL_ATTR, found)
        return found


def _start_of(messages: object) -> object:
    """A key for how a conversation starts: the role and text of its first two messages."""
    if not isinstance(messages, list):
        return None
    parts: list[object] = []
    for m in messages[:2]:
        if isinstance(m, dict):
            role, content = m.get("role"), m.get("content")
        else:
            role = getattr(m, "role", None) or getattr(m, "type", None)
            content = getattr(m, "content", None)
        text = content if isinstance(content, str) else repr(content)
        parts.append((str(role), text[:1000]))
    return tuple(parts)
