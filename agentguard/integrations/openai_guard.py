"""What a wrapped OpenAI client checks with, and what it does with a held-back answer."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Literal, TypeAlias

from agentguard.integrations._common import (
    AssumptionFlagged,
    SessionPool,
    attach_report,
    unchecked_report,
)
from agentguard.integrations.openai_forms import (
    HELD,
    ResponseMemory,
    chat_tools,
    notice,
    replaced_completion,
    replaced_response,
    response_messages,
    response_output,
)
from agentguard.monitor import Monitor
from agentguard.types import Report

__all__ = ["Guard", "OnFlag"]

OnFlag: TypeAlias = Literal["replace", "raise", "annotate"]
"""What a held-back answer (`ask_user`, `retry`, `block`) becomes: the question (or a notice)
in its place with the tool calls held back, an `AssumptionFlagged` exception, or the answer
unchanged with its report attached."""


class Guard:
    """What a wrapped client checks with and how it acts; shared by its copies."""

    def __init__(
        self, monitor: Monitor, on_flag: OnFlag, hold_sentences: bool, pool_size: int
    ) -> None:
        """Check with `monitor` through one session per conversation (up to `pool_size`)."""
        self.monitor = monitor
        self.on_flag = on_flag
        self.hold_sentences = hold_sentences
        self.pool = SessionPool(monitor, size=pool_size)
        self.memory = ResponseMemory(size=pool_size)

    def check(self, messages: Any, tools: Any, output: Any, note: str | None = None) -> Report:
        """The report on `output`; never raises (a monitor fault gives an unchecked report).

        `note` is added to the report's notes (what the check could not see).
        """
        start = time.perf_counter()
        data = {"messages": messages, "tools": chat_tools(tools), "output": output}
        try:
            report = self.pool.check(data)
        except Exception as exc:  # noqa: BLE001 - the model's answer must survive a monitor fault
            report = unchecked_report(
                self.monitor, f"monitor failed: {type(exc).__name__}: {exc}", start
            )
        return (
            report if note is None else report.model_copy(update={"notes": (*report.notes, note)})
        )

    def unseen_previous(self, kwargs: dict[str, Any]) -> str | None:
        """A note when a request continues a response this client has not seen."""
        previous = kwargs.get("previous_response_id")
        if previous is None or self.memory.before(previous):
            return None
        return (
            f"previous_response_id {str(previous)[:60]!r} is not a response of this client: "
            "checked against this call's input only"
        )

    def held(self, report: Report) -> bool:
        """Whether `report` holds its answer back and the caller wants it changed or raised."""
        return report.decision.action in HELD and self.on_flag != "annotate"

    # -- chat completions -------------------------------------------------------------------

    def chat(self, completion: Any, kwargs: dict[str, Any]) -> Any:
        """A checked chat completion, acted on per `on_flag`."""
        choices = getattr(completion, "choices", None)
        if not choices or getattr(choices[0], "message", None) is None:
            return completion  # nothing was answered
        report = self.check(kwargs.get("messages"), kwargs.get("tools"), choices[0].message)
        return self._act(completion, report, replaced_completion)

    def _act(self, answer: Any, report: Report, replace: Callable[[Any, str], Any]) -> Any:
        attach_report(answer, report)
        if not self.held(report):
            return answer
        if self.on_flag == "raise":
            raise AssumptionFlagged(report)
        replaced = replace(answer, notice(report))
        attach_report(replaced, report)
        return replaced

    # -- the Responses API ------------------------------------------------------------------

    def conversation(self, kwargs: dict[str, Any]) -> list[dict[str, Any]]:
        """A Responses API request's conversation: what its previous response ended, then it."""
        before = self.memory.before(kwargs.get("previous_response_id"))
        return before + response_messages(kwargs.get("instructions"), kwargs.get("input"))

    def response(self, response: Any, kwargs: dict[str, Any]) -> Any:
        """A checked Responses API response, acted on per `on_flag`."""
        if getattr(response, "output", None) is None:
            return response
        messages = self.conversation(kwargs)
        output = response_output(response)
        report = self.check(messages, kwargs.get("tools"), output, self.unseen_previous(kwargs))
        self.memory.keep(getattr(response, "id", None), [*messages, output])
        return self._act(response, report, replaced_response)
