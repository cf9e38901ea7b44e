"""What the integrations share: the exception a held-back call raises."""

from __future__ import annotations

from agentguard.types import Report

__all__ = ["AssumptionFlagged"]


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
