"""OpenAI Agents SDK: an output guardrail and a tool-input guardrail backed by the monitor.

`agentguard_tool_input_guardrail()` checks a function tool call's arguments before the tool runs.
When the policy decides `ask_user`, `retry` or `block` (an argument nobody stated, a malformed
call), the call is rejected and the model reads the clarifying question in place of the tool's
result, so it asks the user instead of acting on a guess. When it decides `use_context` (a call
whose result the agent already has: the same call made earlier, or exact arithmetic), the call
is rejected too and the model reads the known result (`decision.message`) in its place.

`agentguard_output_guardrail()` checks the agent's final text against the conversation and trips
(`OutputGuardrailTripwireTriggered`) on the same decisions, a question the conversation already
answers (`use_context`) included, with a `GuardrailInfo` (the report and the question, or what
the agent already has) as the guardrail's `output_info`.

A call rejected for a question (`ask_user`, `retry`, `block`) never ran: the guardrails given the
same monitor remember it, and leave it and its rejection out of the conversation they check, so
the same call made once the user has answered is not taken for a repeat of one with a result.

Both see the agent's instructions, its function tools and the run's input. Pass one
`AgentGuardHooks` as `Runner.run(..., hooks=...)` and to the guardrails, and they also see what
the model saw at its latest call: earlier tool calls and their results.

Checks go through the monitor's session of the conversation (`Monitor.session()`, found by the
conversation's first two messages: the instructions and the first input), shared by every
guardrail given the same monitor, so each check of a long run reads only what is new.

Needs the `agents` extra (`pip install 'agentguard[agents]'`); `import agentguard` never imports
the Agents SDK, only this module does.
"""

from __future__ import annotations

import json
import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import Any, Literal, TypeAlias

from pydantic import BaseModel, ConfigDict

from agentguard.integrations._common import pool_of
from agentguard.integrations._continue import without_refused
from agentguard.monitor import Monitor
from agentguard.policy import Policy
from agentguard.types import Report

try:
    from agents import (
        Agent,
        FunctionTool,
        GuardrailFunctionOutput,
        OutputGuardrail,
        RunContextWrapper,
        RunHooks,
        ToolGuardrailFunctionOutput,
        ToolInputGuardrail,
        ToolInputGuardrailData,
    )
except ImportError as exc:  # pragma: no cover - the extra is installed in development
    raise ImportError(
        "agentguard.integrations.openai_agents needs the OpenAI Agents SDK: "
        "pip install 'agentguard[agents]'"
    ) from exc

__all__ = [
    "AgentGuardHooks",
    "GuardrailInfo",
    "OnFlag",
    "agentguard_output_guardrail",
    "agentguard_tool_input_guardrail",
    "chat_messages",
]

OnFlag: TypeAlias = Literal["reject", "raise"]
"""What a held-back tool call does: answer the model with the question, or halt the run."""

# Decisions that hold an output or a call back; `annotate` and `call_tool` let it through (the
# report says why), as `allow` does. The same set as the other wrappers, and `use_context`: the
# agent asked or called for what it already has.
_HOLD = frozenset({"ask_user", "retry", "block", "use_context"})
_REJECTED_ATTR = "_agentguard_rejected_calls"
_REJECTED_SIZE = 4096
_rejected_lock = threading.Lock()


class GuardrailInfo(BaseModel):
    """What an agentguard guardrail found: its `output_info`."""

    model_config = ConfigDict(frozen=True)

    report: Report
    """The monitor's report on the checked output or tool call."""
    held: bool
    """True when the decision held the output or call back (`ask_user`, `retry`, `block`,
    `use_context`)."""
    question: str | None = None
    """When held: the clarifying question, for `use_context` what the agent already has
    (`decision.message`), or the decision's reason when the policy gave neither."""


class AgentGuardHooks(RunHooks[Any]):
    """Run hooks that keep what the model saw last, so the guardrails see tool results too.

    Pass the same instance to `Runner.run(..., hooks=...)` and to the guardrail factories. One
    instance serves any number of runs, concurrent ones included: each run's record is kept
    apart and dropped when the run's context is.
    """

    def __init__(self) -> None:
        """Start with no runs recorded."""
        self._seen: dict[int, tuple[str | None, list[Any]]] = {}

    async def on_llm_start(
        self,
        context: RunContextWrapper[Any],
        agent: Agent[Any],
        system_prompt: str | None,
        input_items: list[Any],
    ) -> None:
        """Record the system prompt and the input items of this model call."""
        key = _run_key(context)
        if key not in self._seen:
            weakref.finalize(context.usage, self._seen.pop, key, None)
        self._seen[key] = (system_prompt, list(input_items))

    def seen(self, context: RunContextWrapper[Any]) -> tuple[str | None, list[Any]] | None:
        """The system prompt and input items of the run's latest model call, if recorded."""
        return self._seen.get(_run_key(context))


def _run_key(context: RunContextWrapper[Any]) -> int:
    # A tool's `ToolContext` is a new object per call, but it shares the run's `Usage` object
    # with the run's context wrapper, so that object identifies the run in both places.
    return id(context.usage)


def _text(content: Any) -> str:
    """The text of a message content: a string, or the text of its parts."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, Iterable):
        parts = []
        for part in content:
            item = _plain(part)
            if isinstance(item, Mapping):
                text = item.get("text") or item.get("refusal")
                if isinstance(text, str):
                    parts.append(text)
            elif isinstance(item, str):
                parts.append(item)
        return "\n".join(parts)
    return str(content)


def _plain(item: Any) -> Any:
    """A pydantic item (an SDK output item) as a dict; anything else unchanged."""
    if isinstance(item, BaseModel):
        return item.model_dump(exclude_none=True)
    return item


def chat_messages(items: str | Iterable[Any], system_prompt: str | None = None) -> list[Any]:
    """Agents SDK input items (Responses API form) as OpenAI chat messages.

    Messages keep their role (`developer` becomes `system`), function calls become assistant
    `tool_calls` (consecutive ones in one message), function call outputs become `tool`
    messages. Items with no chat form (reasoning, hosted tool calls) are left out.

    Example:
        >>> chat_messages("Hi", system_prompt="Be brief.")
        [{'role': 'system', 'content': 'Be brief.'}, {'role': 'user', 'content': 'Hi'}]
    """
    messages: list[dict[str, Any]] = []
    if system_prompt:
        messages.append({"role": "system", "content": system_prompt})
    if isinstance(items, str):
        messages.append({"role": "user", "content": items})
        return messages
    for raw in items:
        item = _plain(raw)
        if not isinstance(item, Mapping):
            continue
        kind = item.get("type", "message")
        if kind == "message" and "role" in item:
            role = "system" if item["role"] == "developer" else item["role"]
            messages.append({"role": role, "content": _text(item.get("content"))})
        elif kind == "function_call":
            call = {
                "id": item.get("call_id", ""),
                "type": "function",
                "function": {"name": item.get("name", ""), "arguments": item.get("arguments", "")},
            }
            last = messages[-1] if messages else None
            if last is not None and last["role"] == "assistant" and "tool_calls" in last:
                last["tool_calls"].append(call)
            else:
                messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
        elif kind == "function_call_output":
            output = item.get("output")
            content = output if isinstance(output, str) else _text(output)
            messages.append(
                {"role": "tool", "tool_call_id": item.get("call_id", ""), "content": content}
            )
    return messages


def _tools(agent: Agent[Any]) -> list[dict[str, Any]]:
    """The agent's function tools as OpenAI tool definitions."""
    return [
        {
            "type": "function",
            "function": {
                "name": tool.name,
                "description": tool.description,
                "parameters": tool.params_json_schema,
            },
        }
        for tool in agent.tools
        if isinstance(tool, FunctionTool)
    ]


class _Rejected:
    """The tool calls a monitor's guardrails rejected for a question: call id -> what was said."""

    def __init__(self) -> None:
        self._said: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, call_id: str, said: str) -> None:
        with self._lock:
            self._said[call_id] = said
            while len(self._said) > _REJECTED_SIZE:
                self._said.popitem(last=False)

    def drop_from(self, messages: list[Any]) -> list[Any]:
        """`messages` without the rejected calls and their rejections (which are no results)."""
        with self._lock:
            said = dict(self._said)
        if not said:
            return messages
        return without_refused(messages, lambda call_id, text: said.get(call_id) == text)


def _rejected(monitor: Monitor) -> _Rejected:
    """The rejected calls of `monitor`'s guardrails, shared by every guardrail given it."""
    found = vars(monitor).get(_REJECTED_ATTR)
    if isinstance(found, _Rejected):
        return found
    with _rejected_lock:
        found = vars(monitor).get(_REJECTED_ATTR)
        if not isinstance(found, _Rejected):
            found = _Rejected()
            setattr(monitor, _REJECTED_ATTR, found)
        return found


async def _conversation(
    context: RunContextWrapper[Any],
    agent: Agent[Any],
    hooks: AgentGuardHooks | None,
    monitor: Monitor,
) -> list[Any]:
    """The conversation the model had: recorded by the hooks, else instructions and run input.

    Calls the guardrails of `monitor` rejected for a question are left out, with their
    rejections: they never ran.
    """
    seen = hooks.seen(context) if hooks is not None else None
    if seen is not None:
        messages = chat_messages(seen[1], system_prompt=seen[0])
    else:
        prompt = await agent.get_system_prompt(context)
        messages = chat_messages(context.turn_input, system_prompt=prompt)
    return _rejected(monitor).drop_from(messages)


def _info(report: Report) -> GuardrailInfo:
    decision = report.decision
    held = decision.action in _HOLD
    said = decision.message if decision.action == "use_context" else decision.question
    question = (said or decision.reason) if held else None
    return GuardrailInfo(report=report, held=held, question=question)


def agentguard_output_guardrail(
    monitor: Monitor | None = None,
    *,
    policy: str | Policy = "balanced",
    hooks: AgentGuardHooks | None = None,
    name: str = "agentguard",
) -> OutputGuardrail[Any]:
    """An output guardrail that trips when the agent's final answer rests on something unsaid.

    The final output (its text, or its JSON for a structured output type) is checked against
    the conversation. The tripwire is triggered when the decision is `ask_user`, `retry` or
    `block`, or `use_context` (the answer asks for something the conversation already holds);
    `output_info` is a `GuardrailInfo` with the report and the question (for `use_context`,
    what the agent already has) either way.

    Args:
        monitor: The monitor that checks; a `Monitor(policy=policy)` when omitted.
        policy: The policy of the default monitor (ignored when `monitor` is given).
        hooks: The run's `AgentGuardHooks`, so tool results count as evidence.
        name: The guardrail's name in traces and results.

    Returns:
        An `OutputGuardrail` for `Agent(output_guardrails=[...])`.

    Example:
        >>> from agents import Agent
        >>> agent = Agent(name="support", output_guardrails=[agentguard_output_guardrail()])
    """
    checker = monitor if monitor is not None else Monitor(policy)

    async def check_output(
        context: RunContextWrapper[Any], agent: Agent[Any], output: Any
    ) -> GuardrailFunctionOutput:
        if isinstance(output, str):
            text = output
        elif isinstance(output, BaseModel):
            text = output.model_dump_json()
        else:
            text = json.dumps(output, default=str)
        messages = await _conversation(context, agent, hooks, checker)
        session = pool_of(checker).session(messages)
        report = await session.acheck(
            messages=messages,
            tools=_tools(agent),
            output={"role": "assistant", "content": text},
        )
        info = _info(report)
        return GuardrailFunctionOutput(output_info=info, tripwire_triggered=info.held)

    return OutputGuardrail(guardrail_function=check_output, name=name)


def agentguard_tool_input_guardrail(
    monitor: Monitor | None = None,
    *,
    policy: str | Policy = "balanced",
    hooks: AgentGuardHooks | None = None,
    on_flag: OnFlag = "reject",
    name: str = "agentguard",
) -> ToolInputGuardrail[Any]:
    """A tool-input guardrail that stops a call whose arguments were guessed.

    The call is checked, as one assistant tool call, against the conversation before the tool
    runs. When the decision is `ask_user`, `retry` or `block`, the call is rejected: the tool
    does not run and the model gets the clarifying question (or the reason) as the tool's
    result, so its next turn asks the user. When it is `use_context` (the agent already has
    the call's result), the tool does not run either and the model gets that result
    (`decision.message`, e.g. "No need to call calculator: 17 * 23 = 391.") as the tool's
    result. With `on_flag="raise"` the run halts with `ToolInputGuardrailTripwireTriggered`
    instead, for both. `output_info` is a `GuardrailInfo`.

    Args:
        monitor: The monitor that checks; a `Monitor(policy=policy)` when omitted.
        policy: The policy of the default monitor (ignored when `monitor` is given).
        hooks: The run's `AgentGuardHooks`, so earlier tool results count as evidence.
        on_flag: `"reject"` (the default) answers the model with the question; `"raise"`
            halts the run.
        name: The guardrail's name in traces and results.

    Returns:
        A `ToolInputGuardrail` for `@function_tool(tool_input_guardrails=[...])`.

    Example:
        >>> from agents import function_tool
        >>> @function_tool(tool_input_guardrails=[agentguard_tool_input_guardrail()])
        ... def book_flight(origin: str, destination: str) -> str:
        ...     '''Book a flight.'''
        ...     return "booked"
    """
    checker = monitor if monitor is not None else Monitor(policy)

    async def check_tool_input(data: ToolInputGuardrailData) -> ToolGuardrailFunctionOutput:
        context = data.context
        call = {
            "id": context.tool_call_id,
            "type": "function",
            "function": {"name": context.tool_name, "arguments": context.tool_arguments},
        }
        messages = await _conversation(context, data.agent, hooks, checker)
        # The hooks record the model's input, which ends before this very call was made.
        session = pool_of(checker).session(messages)
        report = await session.acheck(
            messages=messages,
            tools=_tools(data.agent),
            output={"role": "assistant", "content": None, "tool_calls": [call]},
        )
        info = _info(report)
        if not info.held:
            return ToolGuardrailFunctionOutput.allow(output_info=info)
        if on_flag == "raise":
            return ToolGuardrailFunctionOutput.raise_exception(output_info=info)
        said = info.question or report.decision.reason
        if report.decision.action != "use_context":
            _rejected(checker).add(context.tool_call_id, said)  # no result: a question
        return ToolGuardrailFunctionOutput.reject_content(message=said, output_info=info)

    return ToolInputGuardrail(guardrail_function=check_tool_input, name=name)
