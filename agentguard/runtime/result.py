"""What an agent run returns."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from agentguard.types import Flag, Report

Status = Literal[
    "answered", "waiting_for_user", "blocked", "step_limit", "model_error", "retry_limit",
    "no_answer", "input_error", "call_limit",
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
    stopped: `blocked`, `step_limit`, `model_error`, `retry_limit`, `no_answer`,
    `input_error` (the monitor cannot check the conversation: over `MAX_INPUT_CHARS` or
    `MAX_MESSAGES`, ...; the output is not acted on), `call_limit` (too many timed-out model or
    tool calls still hold threads; see `Agent(max_abandoned_calls=...)`)."""
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


def result_of(thread_id: str, values: Mapping[str, Any], question: str | None) -> AgentResult:
    """The result of a run from the graph state it ended with (`question`: it waits for one)."""
    common: dict[str, Any] = {
        "thread_id": thread_id,
        "steps": values.get("steps", 0),
        "messages": values.get("messages", []),
        "reports": [Report.model_validate(r) for r in values.get("reports", [])],
    }
    if question is not None:
        return AgentResult(status="waiting_for_user", question=question, **common)
    status = values.get("status", "answered")
    answer = None
    if status == "answered":
        answer = (values.get("output") or {}).get("content") or ""
    return AgentResult(status=status, answer=answer, detail=values.get("detail"), **common)
