"""LangGraph: a monitor node for a graph you already have, and a `post_model_hook`.

`monitor_node()` is a node to put between your model node and your tools. It checks the last
AI message of the state's `messages` (its text and its tool calls) against the messages before
it, and per decision:

- `allow`, `annotate`, `call_tool`: the message goes on, with the report stored on it
  (`report_of(message)`).
- `ask_user`: with `on_flag="interrupt"` (the default) the node asks through LangGraph's
  `interrupt()`; resumed with `Command(resume=answer)`, the flagged message is replaced by the
  question (its tool calls gone) and the answer is added as a human message, and the graph goes
  back to the model node. With `on_flag="replace"` the message is replaced by the question.
- `retry`, `block`: the message is replaced by a notice with the decision's reason.
- `use_context` (the agent asks for, or calls a tool for, what it already has): no interrupt
  and no question. A question the context answers is replaced by a `SystemMessage` holding
  `decision.message`, and the graph goes back to the model node. Needless tool calls are
  answered by `ToolMessage`s holding the known values (the message and its other calls stay);
  the graph goes back to the model node, or sends the calls still to run to the tools node.

A replaced message has no tool calls, so `tools_condition` (or any router that looks for tool
calls) never sends a held-back call to the `ToolNode`; the original message is kept on the
replacement (`held_message(message)`). With `on_flag="annotate"` every message goes on.

`post_model_hook()` is the same node for `create_react_agent(..., post_model_hook=...)`; the
`create_agent` middleware of LangChain v1 is `agentguard.integrations.langchain`.

A monitor that raises on what it is handed (an `InputError` for a message it cannot read)
never costs the model's message: the report is unchecked and the policy's `fail_mode` says
whether it blocks (`closed`) or lets through. `import agentguard` never imports LangGraph;
this module does.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, TypeAlias

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
    message_to_dict,
)
from langchain_core.utils.function_calling import convert_to_openai_tool
from langgraph.config import get_config
from langgraph.types import Command, Overwrite, Send, interrupt

from agentguard.decide import call_answers, context_note
from agentguard.input_limits import clean_text
from agentguard.integrations._common import AssumptionFlagged, unchecked_report
from agentguard.message_forms import plain_input
from agentguard.monitor import Monitor, MonitorSession, SessionCache
from agentguard.policy import Policy
from agentguard.types import Report

__all__ = [
    "METADATA_KEY",
    "AssumptionFlagged",
    "MonitorNode",
    "OnFlag",
    "held_message",
    "monitor_node",
    "post_model_hook",
    "report_of",
]

OnFlag: TypeAlias = Literal["interrupt", "replace", "annotate"]
"""What a held-back AI message gets: a question put to the user through `interrupt()`, the
question (or a notice) in its place, or nothing (it goes on with its report)."""

METADATA_KEY = "agentguard"
"""The `response_metadata` key of a checked LangChain message: `{"report": ..., "held": ...}`."""

# The decisions that hold a message back, as `AssumptionFlagged` documents them.
_HOLD = frozenset({"ask_user", "retry", "block"})
Goto: TypeAlias = Literal["model", "tools"] | None
"""Where the graph goes after a check: back to the model, on to the tools with the calls still
to run, or (`None`) wherever the graph's own edges lead."""
# Conversations whose monitor session is kept; the oldest is dropped past this.
_MAX_SESSIONS = 1024


def report_of(message: object) -> Report | None:
    """The report stored on a checked LangChain message, or `None` when it has none.

    Example:
        >>> from langchain_core.messages import AIMessage
        >>> report_of(AIMessage("Hello")) is None
        True
    """
    stored = _stored(message).get("report")
    return Report.model_validate(stored) if isinstance(stored, dict) else None


def held_message(message: object) -> dict[str, Any] | None:
    """The original of a message the monitor replaced, or `None` when it replaced nothing.

    A LangChain message is given back as `message_to_dict` wrote it (restore it with
    `messages_from_dict([...])[0]`); an OpenAI-format dict as it was.
    """
    held = _stored(message).get("held")
    return held if isinstance(held, dict) else None


def _stored(message: object) -> dict[str, Any]:
    metadata = getattr(message, "response_metadata", None)
    stored = metadata.get(METADATA_KEY) if isinstance(metadata, dict) else None
    return stored if isinstance(stored, dict) else {}


def _is_ai(message: object) -> bool:
    if isinstance(message, BaseMessage):
        return message.type in ("ai", "AIMessageChunk")
    return isinstance(message, dict) and message.get("role") == "assistant"


def _tool_defs(tools: Sequence[Any] | None) -> list[Any]:
    """`tools` as OpenAI definitions: dicts kept, LangChain tools and functions converted.

    Raises:
        InputError: naming the tool whose form is not supported, and the supported forms.
    """
    converted = [
        convert_to_openai_tool(t) if callable(t) and not isinstance(t, type) else t
        for t in tools or ()
    ]
    return list(plain_input({"tools": converted})["tools"])


def _thread_id() -> str:
    """The thread of the graph run in progress; `""` outside a run or without a checkpointer."""
    try:
        return str(get_config().get("configurable", {}).get("thread_id") or "")
    except RuntimeError:
        return ""


class _Guard:
    """What the node and the middleware share: check the last AI message, then act on it."""

    def __init__(
        self,
        monitor: Monitor | None,
        policy: str | Path | Policy,
        tools: Sequence[Any] | None,
        on_flag: OnFlag,
        system: str | None,
        messages_key: str,
        report_key: str | None,
    ) -> None:
        if on_flag not in ("interrupt", "replace", "annotate"):
            raise ValueError(
                f"on_flag must be 'interrupt', 'replace' or 'annotate', not {on_flag!r}"
            )
        self.monitor = monitor if monitor is not None else Monitor(policy)
        self.tools = _tool_defs(tools)
        self.on_flag = on_flag
        self.system = [{"role": "system", "content": system}] if system else []
        self.messages_key = messages_key
        self.report_key = report_key
        self.keep_questions = False
        """Keep a question the context answers, with the note after it, instead of replacing
        it (`create_react_agent`'s routing needs an AI message in the conversation)."""
        self._sessions = SessionCache(self.monitor, _MAX_SESSIONS)

    def _checker(self) -> Monitor | MonitorSession:
        """The conversation's monitor session, so each turn reads only what is new."""
        thread = _thread_id()
        # No thread to keep a session for: the monitor reads the whole conversation.
        return self._sessions.get(thread) if thread else self.monitor

    def check(self, messages: Sequence[Any], output: Any) -> Report:
        """The report on `output`; unchecked (per the fail mode) when the monitor raises."""
        start = time.perf_counter()
        try:
            report = self._checker().check(
                messages=[*self.system, *messages], tools=self.tools, output=output
            )
        except Exception as exc:  # noqa: BLE001 - the model's message must survive a monitor fault
            failure = f"monitor failed: {type(exc).__name__}: {str(exc)[:300]}"
            report = unchecked_report(self.monitor, failure, start)
        return report

    def last_ai(self, state: Any) -> tuple[list[Any], Any] | None:
        """The state's messages and their last message, when that one is an AI message."""
        messages = state.get(self.messages_key) if isinstance(state, dict) else None
        if not isinstance(messages, list) or not messages or not _is_ai(messages[-1]):
            return None
        return messages, messages[-1]

    def act(self, messages: list[Any], report: Report) -> tuple[dict[str, Any], Goto]:
        """The state update for `report` on the last message, and where the graph goes next.

        `"model"` once the user has answered or the model is told what the context holds;
        `"tools"` when some calls were answered from the context and others are still to run.
        Asks through `interrupt()` when the decision and `on_flag` say so (the node stops
        there and runs again from the top when resumed).
        """
        last, action = messages[-1], report.decision.action
        if action == "use_context" and self.on_flag != "annotate":
            return self._use_context(messages, report)
        if action not in _HOLD or self.on_flag == "annotate":
            return self._update(messages, [self._annotated(last, report)], report, None), None
        question = report.decision.question if action == "ask_user" else None
        if question is None:
            text = f"agentguard held this answer back ({action}): {report.decision.reason}"
            return self._update(messages, [self._replaced(last, text, report)], report, last), None
        replacement = self._replaced(last, question, report)
        if self.on_flag == "replace":
            return self._update(messages, [replacement], report, last), None
        answer = _ask(question, report)
        human: Any = (
            HumanMessage(content=answer)
            if isinstance(last, BaseMessage)
            else {"role": "user", "content": answer}
        )
        return self._update(messages, [replacement, human], report, last), "model"

    def _use_context(self, messages: list[Any], report: Report) -> tuple[dict[str, Any], Goto]:
        """A question replaced by a system note, or needless calls answered by tool messages.

        The update depends on the state alone, so running the node again gives the same one.
        """
        last, decision = messages[-1], report.decision
        calls = _tool_calls_of(last)
        answers = call_answers(decision, (c.get("id") for c in calls))
        if not answers:
            text = context_note(decision) or ""
            if self.keep_questions:
                new = [
                    self._annotated(last, report),
                    self._note(last, text, report, replaces=False),
                ]
                return self._update(messages, new, report, None), "model"
            note = self._note(last, text, report, replaces=True)
            return self._update(messages, [note], report, last), "model"
        results = [
            self._tool_result(last, c, answers[c["id"]]) for c in calls if c.get("id") in answers
        ]
        pending = [c for c in calls if c.get("id") not in answers]
        asked = context_note(decision, questions_only=True)
        if asked is not None and not pending:
            # Tool messages must follow their calls: a note goes after the last of them.
            results.append(self._note(last, asked, report, replaces=False))
        new = [self._annotated(last, report), *results]
        return self._update(messages, new, report, None), "tools" if pending else "model"

    def _note(self, last: Any, text: str, report: Report, *, replaces: bool) -> Any:
        """A system message with `text`, of `last`'s form; with `replaces`, in its place."""
        if not isinstance(last, BaseMessage):
            return {"role": "system", "content": text}
        if not replaces:
            return SystemMessage(content=text)
        metadata = {METADATA_KEY: self._annotation(report, last)}
        return SystemMessage(content=text, id=last.id, response_metadata=metadata)

    def _tool_result(self, last: Any, call: dict[str, Any], content: str) -> Any:
        if isinstance(last, BaseMessage):
            return ToolMessage(content=content, tool_call_id=call["id"], name=call.get("name"))
        return {"role": "tool", "tool_call_id": call["id"], "content": content}

    def _annotation(self, report: Report, held: Any) -> dict[str, Any]:
        if held is not None:
            held = message_to_dict(held) if isinstance(held, BaseMessage) else dict(held)
        return {"report": report.model_dump(mode="json"), "held": held}

    def _annotated(self, last: Any, report: Report) -> Any:
        if not isinstance(last, BaseMessage):
            return last  # an OpenAI dict has no place for it: see `report_key`
        metadata = {**last.response_metadata, METADATA_KEY: self._annotation(report, None)}
        return last.model_copy(update={"response_metadata": metadata})

    def _replaced(self, last: Any, text: str, report: Report) -> Any:
        if not isinstance(last, BaseMessage):
            return {"role": "assistant", "content": text}
        metadata = {**last.response_metadata, METADATA_KEY: self._annotation(report, last)}
        return AIMessage(content=text, id=last.id, name=last.name, response_metadata=metadata)

    def _update(
        self, messages: list[Any], new: list[Any], report: Report, held: Any
    ) -> dict[str, Any]:
        """The update that puts `new` in place of the last message.

        LangChain messages with ids (`add_messages` gives every message one) are replaced by
        id; anything else is written whole, past the channel's reducer.
        """
        update: dict[str, Any] = {}
        if new[0] is not messages[-1] or len(new) > 1:
            by_id = all(isinstance(m, BaseMessage) and m.id for m in messages)
            update[self.messages_key] = new if by_id else Overwrite([*messages[:-1], *new])
        if self.report_key is not None:
            update[self.report_key] = self._annotation(report, held)
        return update


def _tool_calls_of(message: Any) -> list[dict[str, Any]]:
    """The tool calls of an AI message: LangChain `ToolCall`s or OpenAI-format dicts."""
    calls = (
        message.get("tool_calls")
        if isinstance(message, dict)
        else getattr(message, "tool_calls", None)
    )
    return [c for c in calls or () if isinstance(c, dict)]


def _ask(question: str, report: Report) -> str:
    """The user's answer to `question`, through `interrupt()`; asked again until it has text."""
    payload = {"question": question, "report": report.model_dump(mode="json")}
    answer = interrupt(payload)
    while not isinstance(answer, str) or not answer.strip():
        answer = interrupt({**payload, "note": "an answer is needed"})
    return clean_text(answer)


class MonitorNode:
    """A LangGraph node that checks the last AI message; see `monitor_node`.

    Attributes:
        monitor: The monitor that checks.
        model_node: The node the graph goes back to once the user has answered, or once the
            model is to read what the context already holds.
        tools_node: The node the calls still to run are sent to when others were answered
            from the context; `None` when the graph's own edges send them.
    """

    def __init__(self, guard: _Guard, model_node: str, tools_node: str | None = "tools") -> None:
        """Wrap the shared checking logic; use `monitor_node()` to build one."""
        self._guard = guard
        self.monitor = guard.monitor
        self.model_node = model_node
        self.tools_node = tools_node

    def __call__(self, state: dict[str, Any]) -> dict[str, Any] | Command[Any]:
        """Check the state's last AI message and return the state update."""
        found = self._guard.last_ai(state)
        if found is None:
            return {}  # nothing the model said since: nothing to check
        messages, last = found
        report = self._guard.check(messages[:-1], last)
        update, goto = self._guard.act(messages, report)
        if goto == "model":
            return Command(goto=self.model_node, update=update)
        if goto == "tools" and self.tools_node is not None:
            # Answered calls have their tool messages; only the others go to the tools, one
            # `Send` each, in the form `ToolNode` takes.
            answered = call_answers(report.decision, (c.get("id") for c in _tool_calls_of(last)))
            pending = [c for c in _tool_calls_of(last) if c.get("id") not in answered]
            sends = [Send(self.tools_node, [call]) for call in pending]
            return Command(goto=sends, update=update)
        return update


def monitor_node(
    monitor: Monitor | None = None,
    *,
    policy: str | Path | Policy = "balanced",
    tools: Sequence[Any] | None = None,
    on_flag: OnFlag = "interrupt",
    model_node: str = "agent",
    tools_node: str = "tools",
    system: str | None = None,
    messages_key: str = "messages",
    report_key: str | None = None,
) -> MonitorNode:
    """A node that checks the model's last message before anything acts on it.

    Put it after the model node and route on from it as before (`tools_condition`): a
    held-back message has no tool calls left, so no held-back call reaches the tools.

    Args:
        monitor: The monitor that checks; a `Monitor(policy)` when omitted.
        policy: The policy of that monitor (ignored when `monitor` is given).
        tools: The tools the model may call (LangChain tools, functions or OpenAI
            definitions), so the monitor knows their parameters.
        on_flag: `"interrupt"` asks the user an `ask_user` question through `interrupt()`,
            `"replace"` puts the question in place of the message, `"annotate"` lets every
            message through with its report. `retry` and `block` replace the message by a
            notice unless `"annotate"`; so does `use_context` replace a question the context
            answers by a system message (or answer needless tool calls with tool messages).
        model_node: The node to go to once the user has answered (the answer is the last
            message then, so the model reads it), or once the model is to read what the
            context already holds.
        tools_node: The node that runs tool calls: when some calls of a message were answered
            from the context, the others are sent there (`Send(tools_node, [call])`, the form
            `ToolNode` takes).
        system: The system prompt the model sees, when it is not among the state's messages.
        messages_key: The state key of the conversation: LangChain messages (with
            `add_messages`, as in `MessagesState`) or OpenAI-format dicts (under a key with a
            reducer, such as `operator.add`).
        report_key: A state key of yours to write `{"report": ..., "held": ...}` to after
            every check (needed to keep reports with OpenAI-format dicts).

    Returns:
        The node, for `graph.add_node("monitor", ...)`.

    Raises:
        ValueError: for an unknown `on_flag`.
        InputError: for a tool of no supported form (the error names the forms).

    Example:
        >>> node = monitor_node(policy="strict", on_flag="replace")
        >>> node({"messages": []})
        {}
    """
    guard = _Guard(monitor, policy, tools, on_flag, system, messages_key, report_key)
    return MonitorNode(guard, model_node, tools_node)


def post_model_hook(
    monitor: Monitor | None = None,
    *,
    policy: str | Path | Policy = "balanced",
    tools: Sequence[Any] | None = None,
    on_flag: OnFlag = "interrupt",
    model_node: str = "agent",
    system: str | None = None,
) -> MonitorNode:
    """`monitor_node` for `langgraph.prebuilt.create_react_agent(..., post_model_hook=...)`.

    That agent's model node is `"agent"` (`"pre_model_hook"` when it has one: pass it as
    `model_node`); give the same `tools` as to the agent, and its prompt as `system`. Tool
    calls still to run after others were answered from the context (`use_context`) go to the
    tools through the agent's own routing, which sends every call without a tool message. A
    question the context answers stays in the conversation, followed by the system message
    that says what is known (that agent's routing needs an AI message to look at).

    Example:
        >>> hook = post_model_hook(policy="balanced")
        >>> hook.model_node
        'agent'
    """
    guard = _Guard(monitor, policy, tools, on_flag, system, "messages", None)
    guard.keep_questions = True
    return MonitorNode(guard, model_node, None)
