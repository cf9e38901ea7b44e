"""What the integrations share: the exception a held-back call raises, the unchecked report."""

from __future__ import annotations

import time

from agentguard.monitor import Monitor
from agentguard.types import Decision, Report

__all__ = ["AssumptionFlagged", "unchecked_report"]


class AssumptionFlagged(Exception):
    """A checked output or tool call was held back: it rests on something nobody said.

    Raised by the wrappers when the policy decides `ask_user`, `retry` or `block` and the
    caller asked for an exception (`on_flag="raise"`).

    Attributes:
        report: The monitor's report on the held-back output or call.
        question: The clarifying question to put to the user, or the decision's reason when
            the policy gave no question (`retry`, `block`).
    """

    def __init__(self, report: Report) -> None:
        """Carry `report`; the message is its question (or its reason)."""
        self.report = report
        self.question: str = report.decision.question or report.decision.reason
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
