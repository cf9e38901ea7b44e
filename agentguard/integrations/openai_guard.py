"""What a wrapped OpenAI client checks with, and what it does with a held-back answer."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

from agentguard.integrations._common import (
    AssumptionFlagged,
    SessionPool,
    attach_report,
    report_of,
    unchecked_report,
)
from agentguard.integrations._continue import CONTINUED, chat_follow_up, responses_follow_up
from agentguard.integrations.openai_forms import (
    HELD,
    HELD_ATTR,
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

__all__ = ["FollowUp", "Guard", "OnFlag"]

OnFlag: TypeAlias = Literal["replace", "raise", "annotate"]
"""What a held-back answer (`ask_user`, `retry`, `block`) becomes: the question (or a notice)
in its place with the tool calls held back, an `AssumptionFlagged` exception, or the answer
unchanged with its report attached. For `use_context`: the agent continued with what it
already has (one follow-up request), an `AssumptionFlagged` exception, or the answer
unchanged."""


@dataclass(frozen=True)
class FollowUp:
    """The one follow-up request that continues the agent after a `use_context` decision."""

    kwargs: dict[str, Any]
    """The request to send: the original one with the known values added to the conversation."""
    answer: Any
    """The model's first answer, its report attached (`held_response` of the final answer)."""
    report: Report
    """The report on the first answer."""

    def finish(self, final: Any) -> Any:
        """`final`, the checked answer to the follow-up, marked as continuing `answer`."""
        report = report_of(final)
        if report is not None:
            note = CONTINUED + (self.report.decision.message or self.report.decision.reason)
            attach_report(final, report.model_copy(update={"notes": (*report.notes, note)}))
        object.__setattr__(final, HELD_ATTR, self.answer)
        return final


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

    def uses_context(self, report: Report) -> bool:
        """Whether `report` decides `use_context` and the caller wants it acted on."""
        return report.decision.action == "use_context" and self.on_flag != "annotate"

    # -- chat completions -------------------------------------------------------------------

    def chat(self, completion: Any, kwargs: dict[str, Any], may_continue: bool = False) -> Any:
        """A checked chat completion, acted on per `on_flag`.

        With `may_continue`, a `use_context` decision the caller acts on gives a `FollowUp`
        (the request to send next) in place of the completion.
        """
        choices = getattr(completion, "choices", None)
        if not choices or getattr(choices[0], "message", None) is None:
            return completion  # nothing was answered
        message = choices[0].message
        report = self.check(kwargs.get("messages"), kwargs.get("tools"), message)
        follow = None
        if may_continue and self.uses_context(report):
            calls = list(getattr(message, "tool_calls", None) or [])
            messages = chat_follow_up(
                kwargs.get("messages"), getattr(message, "content", None), calls, report.decision
            )
            follow = None if messages is None else {**kwargs, "messages": messages}
        return self._act(completion, report, replaced_completion, follow)

    def _act(
        self,
        answer: Any,
        report: Report,
        replace: Callable[[Any, str], Any],
        follow: dict[str, Any] | None = None,
    ) -> Any:
        attach_report(answer, report)
        if self.on_flag == "raise" and report.decision.action == "use_context":
            raise AssumptionFlagged(report)
        if follow is not None and self.on_flag == "replace":
            return FollowUp(follow, answer, report)
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

    def response(self, response: Any, kwargs: dict[str, Any], may_continue: bool = False) -> Any:
        """A checked Responses API response, acted on per `on_flag` (`FollowUp` as `chat`)."""
        if getattr(response, "output", None) is None:
            return response
        messages = self.conversation(kwargs)
        output = response_output(response)
        report = self.check(messages, kwargs.get("tools"), output, self.unseen_previous(kwargs))
        self.memory.keep(getattr(response, "id", None), [*messages, output])
        follow = None
        if may_continue and self.uses_context(report):
            follow = responses_follow_up(kwargs, response, output["tool_calls"], report.decision)
        return self._act(response, report, replaced_response, follow)
