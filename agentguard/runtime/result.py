"""What an agent run returns."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from agentguard.types import Flag, Report

Status = Literal[
    "answered", "waiting_for_user", "blocked", "step_limit", "model_error", "retry_limit",
    "no_answer",
]  # fmt: skip


class AgentResult(BaseModel):
    """The outcome of `Agent.run` or `Agent.resume`.

    Example:
        >>> result = agent.run("Book me a flight to Denver.")  # doctest: +SKIP
        >>> if result.status == "waiting_for_user":  # doctest: +SKIP
        ...     result = agent.resume("From Boston.", thread_id=result.thread_id)
    """

    model_config = ConfigDict(frozen=True)

    status: Status
    """`answered`; `waiting_for_user` (answer `question` with `resume`); or why the run
    stopped: `blocked`, `step_limit`, `model_error`, `retry_limit`, `no_answer`."""
    answer: str | None = None
    """The final answer, when `status` is `answered`."""
    question: str | None = None
    """The clarifying question, when `status` is `waiting_for_user`."""
    detail: str | None = None
    """Why the run ended as it did, in one line (an error, the block reason, ...)."""
    thread_id: str
    """The conversation's id: pass it to `resume` and to later `run` calls."""
    steps: int = 0
    """Model calls in this run."""
    messages: list[dict[str, Any]]
    """The whole conversation of the thread so far, OpenAI format."""
    reports: list[Report]
    """The monitor's report for every model output of this run, in order."""

    @property
    def flags(self) -> list[Flag]:
        """The flags of the last report (what an annotated answer carries)."""
        return list(self.reports[-1].flags) if self.reports else []
