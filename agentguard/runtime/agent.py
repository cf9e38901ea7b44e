"""The agent loop on LangGraph: model -> monitor -> the node its decision names -> model.

The monitor routes each output to `tools`, `use_context`, `ask_user`, `call_tool`, `retry` or
`respond` (which ends the run with the answer).

Every model output goes through the monitor before anything acts on it. The graph state holds
the conversation (OpenAI-format messages, which are also the monitor's context), one-shot notes
for the next model call (never part of the context), and the run's counters. A thread's checks
go through one monitor session (`ThreadSessions`), so each step reads only what is new.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentguard.decide import context_note
from agentguard.errors import InputError
from agentguard.estimators.base import Estimator
from agentguard.input_limits import clean_text
from agentguard.inputs import content_text
from agentguard.monitor import Monitor
from agentguard.policy import Policy, load_policy
from agentguard.runtime.acting import already_called, run_tool
from agentguard.runtime.calls import CANCEL_GRACE_S, CallLimit, Calls, CallTimeout
from agentguard.runtime.interventions import (
    feedback_message,
    known_answers,
    resolve_note,
    resolver_arguments,
    retry_note,
    route_for,
    with_resolvers,
)
from agentguard.runtime.models import (
    MessageDict,
    Model,
    as_model,
    assistant_message,
    give_timeout,
    model_view,
    tool_call,
    valid_strings,
)
from agentguard.runtime.result import AgentResult, result_of
from agentguard.runtime.sessions import ThreadSessions
from agentguard.runtime.state import (
    END_ROUTE,
    AgentState,
    StepCallback,
    as_messages,
    current_thread_id,
    next_route,
    open_checkpointer,
)
from agentguard.runtime.tools import Tool, as_tools
from agentguard.runtime.tracing import RunLog
from agentguard.trace import TraceWriter
from agentguard.types import Report

if TYPE_CHECKING:
    from langchain_core.runnables import RunnableConfig
    from langgraph.graph.state import CompiledStateGraph


class Agent:
    """A tool-using agent with the monitor in front of every model output.

    Args:
        model: A `Model`, a litellm model string (`"openai/gpt-4o-mini"`), or a function of
            the messages.
        tools: `Tool`s or plain functions (their schema comes from the signature).
        policy: Policy name, YAML path or `Policy`; tools' declared resolvers are added to it.
        system: System prompt opening every new conversation (state today's date here, so
            relative dates can be checked).
        documents: Retrieved documents the model and the monitor both see.
        checkpointer: `"memory"` (default), a SQLite file path, or a LangGraph checkpointer.
        trace: Path or `TraceWriter` receiving every report and every run event.
        guard: `False` runs the same loop without the monitor (for comparisons).
        max_steps: Model calls allowed per run.
        max_retries: Regenerations allowed per run (retries, resolver notes and notes of what
            the context already holds, together).
        max_empty_answers: Empty answers to a question before the run stops as `no_answer`.
        model_timeout: Seconds a model call may take (also passed to litellm and openai as
            their `timeout` unless the model's options set one).
        max_abandoned_calls: Model and tool calls that timed out but still run (each holds a
            thread) at which the agent stops starting new ones: the run ends as `call_limit`.
        estimator: The monitor's support estimator; the default one when omitted.
        name: Written into trace records.

    Example:
        >>> from agentguard import Agent, ScriptedModel
        >>> agent = Agent(ScriptedModel(["Hello! How can I help?"]))
        >>> agent.run("Hi").answer
        'Hello! How can I help?'
    """

    def __init__(
        self,
        model: Model | str | Callable[[list[MessageDict], list[MessageDict]], Any],
        tools: Iterable[Tool | Callable[..., Any]] = (),
        *,
        policy: str | Path | Policy = "balanced",
        system: str | None = None,
        documents: Sequence[dict[str, str]] = (),
        checkpointer: object = None,
        trace: str | Path | TraceWriter | None = None,
        guard: bool = True,
        max_steps: int = 12,
        max_retries: int = 2,
        max_empty_answers: int = 2,
        model_timeout: float | None = 120.0,
        max_abandoned_calls: int = 4,
        estimator: Estimator | None = None,
        name: str = "agent",
    ) -> None:
        self.model = as_model(model)
        # An SDK model gets the limit as its own `timeout` too, and the first chance to give up,
        # so its thread ends with the request instead of being abandoned.
        self._grace = CANCEL_GRACE_S if give_timeout(self.model, model_timeout) else 0.0
        self.tools = as_tools(tools)
        self.policy = with_resolvers(load_policy(policy), self.tools.values())
        self.monitor = Monitor(self.policy, estimator=estimator)
        # One monitor session per thread: each step reads only what the conversation added.
        self.sessions = ThreadSessions(self.monitor)
        self.system = clean_text(system) if system is not None else None
        self.documents = [valid_strings(dict(d)) for d in documents]
        self.guard = guard
        self.max_steps = max_steps
        self.max_retries = max_retries
        self.max_empty_answers = max_empty_answers
        self.model_timeout = model_timeout
        self.calls = Calls(max_abandoned_calls)
        self.name = name
        self._own_trace = trace is not None and not isinstance(trace, TraceWriter)
        if trace is None or isinstance(trace, TraceWriter):
            self.trace = trace
        else:
            self.trace = TraceWriter(trace, meta={"policy": self.policy.name, "agent": name})
        self.log = RunLog(self.trace, name)
        self._tool_defs = [t.definition for t in self.tools.values()]
        self.checkpointer, self._conn = open_checkpointer(checkpointer)
        self.graph: CompiledStateGraph[Any, Any, Any, Any] = self._build()

    # -- graph -----------------------------------------------------------------------------

    def _build(self) -> CompiledStateGraph[Any, Any, Any, Any]:
        from langgraph.graph import END, START, StateGraph

        g = StateGraph(AgentState)
        g.add_node("model", self._model_node)
        g.add_node("monitor", self._monitor_node)
        g.add_node("tools", self._tools_node)
        g.add_node("use_context", self._use_context_node)
        g.add_node("ask_user", self._ask_node)
        g.add_node("call_tool", self._call_tool_node)
        g.add_node("retry", self._retry_node)
        g.add_node("respond", self._respond_node)
        g.add_edge(START, "model")
        routes = ["model", "monitor", "tools", "use_context", "ask_user", "call_tool", "retry",
                  "respond", END]  # fmt: skip
        for node in ("model", "monitor", "tools", "use_context", "ask_user", "call_tool"):
            g.add_conditional_edges(node, next_route, routes)
        g.add_edge("retry", "model")
        g.add_edge("respond", END)
        return g.compile(checkpointer=self.checkpointer)

    def _model_node(self, state: AgentState) -> dict[str, Any]:
        steps = state.get("steps", 0)
        if steps >= self.max_steps:
            detail = f"no final answer after {steps} model calls (max_steps={self.max_steps})"
            return self._stop(state, "step_limit", detail)
        view = model_view(state.get("messages", []), self.documents)
        messages = [*view, *state.get("feedback", [])]
        name = self.model.name
        try:
            raw = self.calls.call(
                self.model.complete, {"messages": messages, "tools": self._tool_defs},
                self.model_timeout, grace=self._grace,
            )  # fmt: skip
            output = assistant_message(raw)
        except CallLimit as exc:
            return self._stop(state, "call_limit", f"model {name!r} {exc}", step=steps + 1)
        except Exception as exc:  # noqa: BLE001 - a failing model ends the run with its reason
            why = exc if isinstance(exc, CallTimeout) else f"failed: {type(exc).__name__}: {exc}"
            detail = f"model {name!r} {why}"[:500]
            return self._stop(state, "model_error", detail, step=steps + 1)
        for i, call in enumerate(output.get("tool_calls", []), 1):
            call.setdefault("id", f"call_{state.get('run', '')}_{steps + 1}_{i}")
        return {"output": output, "feedback": [], "steps": steps + 1, "route": "monitor"}

    def _monitor_node(self, state: AgentState) -> dict[str, Any]:
        output = state["output"] or {}
        step = state.get("steps", 0)
        acting = "tools" if output.get("tool_calls") else "respond"
        if not self.guard:
            return {"route": acting, "report": None}
        try:
            report = self.sessions.checker(current_thread_id()).check(
                messages=state.get("messages", []),
                output=output,
                tools=self._tool_defs,
                documents=self.documents,
            )
        except InputError as exc:
            # Too large, too many messages, ...: the output is not acted on unchecked.
            detail = f"the monitor cannot check this step: {str(exc)[:300]}"
            return self._stop(state, "input_error", detail, step=step)
        route = route_for(report.decision.action, acting, state.get("retries", 0), self.max_retries)
        self.log.report(report, thread=current_thread_id(), run=state.get("run", ""), step=step,
                        route=route, output_text=content_text(output.get("content")))  # fmt: skip
        dumped = report.model_dump(mode="json")
        update: dict[str, Any] = {
            "route": route,
            "report": dumped,
            "reports": [*state.get("reports", []), dumped],
        }
        if route == "finish":
            status = "blocked" if report.decision.action == "block" else "retry_limit"
            update.update(route=END_ROUTE, status=status, detail=report.decision.reason)
        return update

    def _tools_node(self, state: AgentState) -> dict[str, Any]:
        return self._answer_calls(state, state["output"] or {}, {})

    def _answer_calls(
        self, state: AgentState, output: MessageDict, known: dict[str, str]
    ) -> dict[str, Any]:
        """The output and a tool message for each of its calls: `known` content, or a run."""
        results, refused = [], None
        for call in output.get("tool_calls", []):
            if call["id"] in known:
                content = known[call["id"]]  # the agent has the result: the tool is not run
            else:
                name, raw = call["function"]["name"], call["function"]["arguments"]
                content, error = self._run_tool(state, name, raw)
                if error == "call_limit":
                    refused = refused or content.removeprefix("error: ")
            results.append({"role": "tool", "tool_call_id": call["id"], "content": content})
        update: dict[str, Any] = {"messages": [output, *results], "route": "model"}
        if refused is not None:
            # Every call keeps its tool message (the conversation stays well formed), but the
            # run ends: the model would only meet the same refusal again.
            update.update(self._stop(state, "call_limit", refused))
        return update

    def _run_tool(self, state: AgentState, name: str, raw: str) -> tuple[str, str | None]:
        content, error = run_tool(self.tools, name, raw, calls=self.calls)
        if error is not None:
            self._event(state, "tool_error", tool=name, **error)
        return content, error.get("error") if error else None

    def _use_context_node(self, state: AgentState) -> dict[str, Any]:
        """Carry on with what the context holds: no question is sent, no needless call runs.

        A question the context answers is dropped and the model reads the known values in a
        system message (a regeneration, counted as a retry). Needless tool calls are answered
        by tool messages holding the known results; the output's other calls run as usual.
        The update depends on the state alone, so running the node again gives the same one.
        """
        output = state["output"] or {}
        decision = Report.model_validate(state["report"]).decision
        answers = known_answers(decision, output.get("tool_calls", []))
        self._event(state, "use_context", message=decision.message, answered=sorted(answers))
        if not answers:
            note = {"role": "system", "content": context_note(decision) or ""}
            return {"messages": [note], "retries": state.get("retries", 0) + 1, "route": "model"}
        update = self._answer_calls(state, output, answers)
        asked = context_note(decision, questions_only=True)
        if asked is not None:
            update["messages"].append({"role": "system", "content": asked})
        return update

    def _ask_node(self, state: AgentState) -> dict[str, Any]:
        from langgraph.types import interrupt

        # Runs again from the top on every resume: nothing before the last interrupt has effects.
        report = state["report"] or {}
        question = report["decision"]["question"]
        step = state.get("steps", 0)
        answer = interrupt({"question": question, "step": step})
        empty = 0
        while not isinstance(answer, str) or not answer.strip():
            empty += 1
            if empty > self.max_empty_answers:
                detail = f"no answer to {question!r} after {empty} empty replies"
                return self._stop(state, "no_answer", detail)
            answer = interrupt({"question": question, "step": step, "note": "an answer is needed"})
        self._event(state, "answer", question=question, answer=answer, empty_replies=empty)
        turn = [{"role": "assistant", "content": question}, {"role": "user", "content": answer}]
        return {"messages": turn, "route": "model"}

    def _call_tool_node(self, state: AgentState) -> dict[str, Any]:
        report = Report.model_validate(state["report"])
        request = report.decision.tool_call
        tool = self.tools[request.name] if request else None
        step = state.get("steps", 0)
        retries = state.get("retries", 0)
        if tool is None:
            return self._stop(state, "blocked", "call_tool decision without a resolver")
        args = resolver_arguments(tool, report)
        missing = any(p not in args for p in tool.required)
        if missing or already_called(state.get("messages", []), tool.name, args):
            # The model must make the call itself (it knows what to pass); count it as a retry.
            self._event(state, "resolve_by_model", tool=tool.name)
            note = feedback_message(resolve_note(tool, report))
            return {"feedback": [note], "retries": retries + 1, "route": "model"}
        call_id = f"agentguard_{state.get('run', '')}_{step}_{tool.name}"
        content, error = self._run_tool(state, tool.name, json.dumps(args))
        self._event(state, "resolver_call", tool=tool.name, arguments=args)
        call = {"role": "assistant", "content": None,
                "tool_calls": [tool_call(tool.name, args, call_id)]}  # fmt: skip
        result = {"role": "tool", "tool_call_id": call_id, "content": content}
        if error == "call_limit":
            stop = self._stop(state, "call_limit", content.removeprefix("error: "))
            return {"messages": [call, result], **stop}
        return {"messages": [call, result], "route": "model"}

    def _retry_node(self, state: AgentState) -> dict[str, Any]:
        report = Report.model_validate(state["report"])
        self._event(state, "retry", reason=report.decision.reason)
        note = feedback_message(retry_note(report))
        return {"feedback": [note], "retries": state.get("retries", 0) + 1}

    def _respond_node(self, state: AgentState) -> dict[str, Any]:
        output = state["output"] or {}
        report = state.get("report")
        detail = None
        if report is not None and report["flags"]:
            detail = f"answered with {len(report['flags'])} flag(s) attached"
        return {"messages": [output], "status": "answered", "detail": detail}

    def _stop(self, state: AgentState, status: str, detail: str, **fields: Any) -> dict[str, Any]:
        self._event(state, status, detail=detail, **fields)
        return {"route": END_ROUTE, "status": status, "detail": detail}

    def _event(self, state: AgentState, event: str, **fields: Any) -> None:
        """An event record of this step; `thread` and `run` say which conversation and run."""
        fields.setdefault("step", state.get("steps", 0))
        self.log.event(event, thread=current_thread_id(), run=state.get("run", ""), **fields)

    # -- running ---------------------------------------------------------------------------

    def _config(self, thread_id: str) -> RunnableConfig:
        return {
            "configurable": {"thread_id": thread_id},
            "recursion_limit": 4 * (self.max_steps + self.max_retries) + 10,
        }

    def run(
        self,
        input: str | MessageDict | list[MessageDict],
        *,
        thread_id: str | None = None,
        on_step: StepCallback | None = None,
    ) -> AgentResult:
        """Run until the model answers, a question needs the user, or the run stops.

        `input` is the user's turn (text, a message, or several messages). Reuse `thread_id`
        to continue a conversation. `on_step(node, update)` sees each graph step as it ends
        (`model` with the raw `output`, `monitor` with the `report`, `tools`, ...).

        Raises:
            InputError: when `input` is not a valid message.
            ValueError: when the thread is waiting for an answer (use `resume`).
        """
        thread_id = thread_id or uuid.uuid4().hex
        config = self._config(thread_id)
        snapshot = self.graph.get_state(config)
        if snapshot.interrupts:
            raise ValueError(f"thread {thread_id!r} is waiting for an answer: call resume()")
        new = as_messages(input)
        if not snapshot.values.get("messages") and self.system:
            new = [{"role": "system", "content": self.system}, *new]
        start = {"messages": new, "feedback": [], "reports": [], "steps": 0, "retries": 0,
                 "status": "running", "detail": None, "run": uuid.uuid4().hex[:12]}  # fmt: skip
        return self._invoke(start, thread_id, on_step)

    def resume(
        self, answer: str, *, thread_id: str, on_step: StepCallback | None = None
    ) -> AgentResult:
        """Answer the clarifying question a run stopped on, and go on.

        Raises:
            ValueError: when the thread is not waiting for an answer.
        """
        from langgraph.types import Command

        snapshot = self.graph.get_state(self._config(thread_id))
        if not snapshot.interrupts:
            raise ValueError(f"thread {thread_id!r} is not waiting for an answer")
        answer = clean_text(answer) if isinstance(answer, str) else answer
        return self._invoke(Command(resume=answer), thread_id, on_step)

    async def arun(
        self, input: str | MessageDict | list[MessageDict], *, thread_id: str | None = None
    ) -> AgentResult:
        """`run` for async code (in a worker thread, so the event loop stays free)."""
        return await asyncio.to_thread(self.run, input, thread_id=thread_id)

    async def aresume(self, answer: str, *, thread_id: str) -> AgentResult:
        """`resume` for async code."""
        return await asyncio.to_thread(self.resume, answer, thread_id=thread_id)

    def _invoke(self, payload: Any, thread_id: str, on_step: StepCallback | None) -> AgentResult:
        from langgraph.errors import GraphRecursionError

        config = self._config(thread_id)
        try:
            for chunk in self.graph.stream(payload, config, stream_mode="updates"):
                for node, update in chunk.items():
                    if on_step is not None and not node.startswith("__"):
                        on_step(node, update or {})
        except GraphRecursionError:
            self._stop_outside(thread_id, "step_limit", "the graph's recursion limit was reached")
        return self._result(thread_id)

    def _stop_outside(self, thread_id: str, status: str, detail: str) -> None:
        config = self._config(thread_id)
        self.graph.update_state(config, {"status": status, "detail": detail})
        self._run_event(thread_id, self.graph.get_state(config).values, status, detail=detail)

    def _run_event(self, thread_id: str, values: dict[str, Any], event: str, **fields: Any) -> None:
        run, steps = values.get("run", ""), values.get("steps", 0)
        self.log.event(event, thread=thread_id, run=run, steps=steps, **fields)

    def _result(self, thread_id: str) -> AgentResult:
        snapshot = self.graph.get_state(self._config(thread_id))
        values = snapshot.values
        question = snapshot.interrupts[0].value["question"] if snapshot.interrupts else None
        result = result_of(thread_id, values, question)
        if question is not None:
            self._run_event(thread_id, values, "ask", question=question)
        else:
            self._run_event(
                thread_id, values, "run_end", status=result.status, detail=result.detail
            )
        return result

    def close(self) -> None:
        """Close the trace this agent opened and its SQLite connection."""
        if self.trace is not None and self._own_trace:
            self.trace.close()
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> Agent:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
