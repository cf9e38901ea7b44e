from __future__ import annotations

import json
import operator
import runpy
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Annotated, Any

import jsonschema
import pytest
from langchain.agents import create_agent
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, SystemMessage, messages_from_dict
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.tools import tool
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode, tools_condition
from langgraph.types import Command, Overwrite
from typing_extensions import TypedDict

import agentguard
from agentguard import Agent, InputError, Monitor, ScriptedModel, load_policy, tool_call
from agentguard.demos.travel import book_flight as agent_book_flight
from agentguard.estimators.base import Estimate
from agentguard.integrations.langchain import AgentguardMiddleware
from agentguard.integrations.langgraph import (
    held_message,
    monitor_node,
    post_model_hook,
    report_of,
)
from agentguard.runtime import AgentState

EXAMPLE = (
    Path(__file__).resolve().parent.parent / "examples" / "integrations" / "langgraph_monitor.py"
)
SYSTEM = "You are a travel agent. Today is Wednesday, 1 May 2024."
ASK = "Book me a flight to Denver on 2024-05-03."
QUESTION = "Could you tell me the origin?"

booked: list[str] = []


@pytest.fixture(autouse=True)
def _no_bookings() -> None:
    booked.clear()


@tool
def book_flight(origin: str, destination: str, date: str) -> str:
    """Book a one-way flight.

    Args:
        origin: City of departure.
        destination: City of arrival.
        date: Date of the flight, YYYY-MM-DD.
    """
    booked.append(origin)
    return f"Booked {origin} -> {destination} on {date}."


def booking(call_id: str, origin: str) -> AIMessage:
    args = {"origin": origin, "destination": "Denver", "date": "2024-05-03"}
    return AIMessage("", tool_calls=[{"id": call_id, "name": "book_flight", "args": args}])


class ScriptedChatModel(BaseChatModel):
    """Returns its replies in order and keeps what it was shown."""

    replies: list[AIMessage]
    seen: list[list[BaseMessage]] = []

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> ChatResult:
        self.seen.append(list(messages))
        return ChatResult(generations=[ChatGeneration(message=self.replies.pop(0))])

    def bind_tools(self, tools: Any, **kwargs: Any) -> ScriptedChatModel:
        return self


def scripted(*replies: AIMessage) -> ScriptedChatModel:
    return ScriptedChatModel(replies=list(replies), seen=[])


def guessing_model() -> ScriptedChatModel:
    """Books from Boston (never said), then from Chicago (the answer), then says it is done."""
    return scripted(booking("c1", "Boston"), booking("c2", "Chicago"), AIMessage("Done."))


def existing_graph(
    model: ScriptedChatModel, node: Any, checkpointer: Any = None, tools: Any = (book_flight,)
) -> Any:
    def agent(state: MessagesState) -> dict[str, Any]:
        return {"messages": [model.invoke([("system", SYSTEM), *state["messages"]])]}

    graph = StateGraph(MessagesState)
    graph.add_node("agent", agent)
    graph.add_node("monitor", node)
    graph.add_node("tools", ToolNode(list(tools)))
    graph.add_edge(START, "agent")
    graph.add_edge("agent", "monitor")
    graph.add_conditional_edges("monitor", tools_condition)
    graph.add_edge("tools", "agent")
    return graph.compile(checkpointer=checkpointer)


def config(thread: str = "t1") -> Any:
    return {"configurable": {"thread_id": thread}}


def kinds(messages: list[BaseMessage]) -> list[tuple[str, str]]:
    return [(m.type, str(m.content)) for m in messages]


# -- the monitor node in an existing graph ---------------------------------------------------


def test_interrupt_holds_the_call_back_and_the_answer_completes_the_run() -> None:
    model = guessing_model()
    node = monitor_node(tools=[book_flight], system=SYSTEM)
    app = existing_graph(model, node, InMemorySaver())

    state = app.invoke({"messages": [("user", ASK)]}, config())
    (asked,) = state["__interrupt__"]
    assert asked.value["question"] == QUESTION
    assert asked.value["report"]["decision"]["action"] == "ask_user"
    json.dumps(asked.value)  # the payload is plain JSON
    assert booked == []  # the guessed call never reached the tools
    assert state["messages"][-1].tool_calls  # not replaced until the user answers

    state = app.invoke(Command(resume="From Chicago."), config())
    assert booked == ["Chicago"]
    assert kinds(state["messages"]) == [
        ("human", ASK),
        ("ai", QUESTION),
        ("human", "From Chicago."),
        ("ai", ""),
        ("tool", "Booked Chicago -> Denver on 2024-05-03."),
        ("ai", "Done."),
    ]
    replaced = state["messages"][1]
    assert replaced.tool_calls == []
    assert report_of(replaced).decision.action == "ask_user"  # type: ignore[union-attr]
    held = held_message(replaced)
    assert held is not None
    (original,) = messages_from_dict([held])
    assert original.tool_calls[0]["args"]["origin"] == "Boston"  # type: ignore[attr-defined]
    assert report_of(state["messages"][3]).decision.action == "allow"  # type: ignore[union-attr]
    # The model's second turn read the question and the answer, not the guessed call.
    assert kinds(model.seen[1])[1:] == [
        ("human", ASK),
        ("ai", QUESTION),
        ("human", "From Chicago."),
    ]


def test_conversations_on_one_node_are_checked_apart() -> None:
    node = monitor_node(tools=[book_flight], system=SYSTEM)
    model = scripted(booking("a1", "Boston"), booking("b1", "Chicago"), AIMessage("Done."))
    app = existing_graph(model, node, InMemorySaver())
    guessed = app.invoke({"messages": [("user", ASK)]}, config("a"))
    told = app.invoke({"messages": [("user", f"{ASK[:-1]} from Chicago.")]}, config("b"))
    assert guessed["__interrupt__"][0].value["question"] == QUESTION
    assert "__interrupt__" not in told
    assert booked == ["Chicago"]
    assert told["messages"][-1].content == "Done."


def test_an_empty_answer_is_asked_again() -> None:
    app = existing_graph(guessing_model(), monitor_node(tools=[book_flight], system=SYSTEM),
                         InMemorySaver())  # fmt: skip
    app.invoke({"messages": [("user", ASK)]}, config())
    state = app.invoke(Command(resume="  "), config())
    (asked,) = state["__interrupt__"]
    assert asked.value["question"] == QUESTION
    assert asked.value["note"] == "an answer is needed"
    state = app.invoke(Command(resume="Chicago"), config())
    assert booked == ["Chicago"]
    assert state["messages"][2].content == "Chicago"


def test_replace_ends_the_turn_with_the_question() -> None:
    node = monitor_node(tools=[book_flight], system=SYSTEM, on_flag="replace")
    state = existing_graph(guessing_model(), node).invoke({"messages": [("user", ASK)]})
    assert "__interrupt__" not in state
    assert booked == []
    assert kinds(state["messages"]) == [("human", ASK), ("ai", QUESTION)]
    assert state["messages"][-1].tool_calls == []


def test_annotate_lets_the_call_through_with_its_report() -> None:
    node = monitor_node(tools=[book_flight], system=SYSTEM, on_flag="annotate")
    model = scripted(booking("c1", "Boston"), AIMessage("Done."))
    state = existing_graph(model, node).invoke({"messages": [("user", ASK)]})
    assert booked == ["Boston"]
    call = state["messages"][1]
    report = report_of(call)
    assert report is not None and report.decision.action == "ask_user"
    flagged = {c.id for c in report.claims if c.path == "origin"}
    assert [f.type for f in report.flags if f.claim_id in flagged] == ["silent_assumption"]
    assert held_message(call) is None


def test_openai_dict_messages_under_a_reducer() -> None:
    class DictState(TypedDict):
        messages: Annotated[list[dict[str, Any]], operator.add]
        agentguard: dict[str, Any]

    guessed = {"role": "assistant", "content": None, "tool_calls": [tool_call(
        "book_flight", {"origin": "Boston", "destination": "Denver", "date": "2024-05-03"}, "c1"
    )]}  # fmt: skip
    graph = StateGraph(DictState)
    graph.add_node("agent", lambda state: {"messages": [guessed]})
    node = monitor_node(tools=[book_flight], system=SYSTEM, on_flag="replace",
                        report_key="agentguard")  # fmt: skip
    graph.add_node("monitor", node)
    graph.add_edge(START, "agent")
    graph.add_edge("agent", "monitor")
    graph.add_edge("monitor", END)
    user = {"role": "user", "content": ASK}
    state = graph.compile().invoke({"messages": [user]})
    assert state["messages"] == [user, {"role": "assistant", "content": QUESTION}]
    assert state["agentguard"]["report"]["decision"]["action"] == "ask_user"
    assert state["agentguard"]["held"] == guessed


def test_post_model_hook_of_create_react_agent() -> None:
    from langgraph.prebuilt import create_react_agent

    hook = post_model_hook(tools=[book_flight], system=SYSTEM)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # superseded by create_agent
        app = create_react_agent(guessing_model(), [book_flight], prompt=SYSTEM,
                                 post_model_hook=hook, checkpointer=InMemorySaver())  # fmt: skip
    state = app.invoke({"messages": [("user", ASK)]}, config())
    assert state["__interrupt__"][0].value["question"] == QUESTION
    assert booked == []
    state = app.invoke(Command(resume="From Chicago."), config())
    assert booked == ["Chicago"]
    assert state["messages"][-1].content == "Done."


# -- the create_agent middleware --------------------------------------------------------------


def test_middleware_asks_through_interrupt_and_goes_back_to_the_model() -> None:
    model = guessing_model()
    middleware = AgentguardMiddleware(tools=[book_flight], system=SYSTEM)
    app = create_agent(model, [book_flight], system_prompt=SYSTEM, middleware=[middleware],
                       checkpointer=InMemorySaver())  # fmt: skip
    state = app.invoke({"messages": [("user", ASK)]}, config())
    assert state["__interrupt__"][0].value["question"] == QUESTION
    assert booked == []
    state = app.invoke(Command(resume="From Chicago."), config())
    assert booked == ["Chicago"]
    assert kinds(state["messages"])[:3] == [
        ("human", ASK),
        ("ai", QUESTION),
        ("human", "From Chicago."),
    ]
    assert state["messages"][-1].content == "Done."
    assert report_of(state["messages"][-1]).decision.action == "allow"  # type: ignore[union-attr]


def test_middleware_replace_ends_the_run_with_the_question() -> None:
    middleware = AgentguardMiddleware(tools=[book_flight], system=SYSTEM, on_flag="replace")
    app = create_agent(guessing_model(), [book_flight], middleware=[middleware])
    state = app.invoke({"messages": [("user", ASK)]})
    assert booked == []
    assert kinds(state["messages"]) == [("human", ASK), ("ai", QUESTION)]


# -- use_context: what the context already holds ----------------------------------------------

FROM_BOSTON = "I'm flying from Boston. Book me a flight to Denver on 2024-05-03."
REDUNDANT = "Which city will you be leaving from?"
KNOWN_ORIGIN = (
    "Already known, no need to ask: origin is 'Boston' (user#1: \"I'm flying from Boston.\")."
)
evaluated: list[str] = []


@tool
def calculator(expression: str) -> str:
    """Evaluate an arithmetic expression.

    Args:
        expression: The expression, such as `2 * (3 + 4)`.
    """
    evaluated.append(expression)
    return "the calculator ran"


@pytest.fixture(autouse=True)
def _no_evaluations() -> None:
    evaluated.clear()


def calculation(call_id: str = "k1") -> dict[str, Any]:
    return {"id": call_id, "name": "calculator", "args": {"expression": "17 * 23"}}


def graph_with(model: ScriptedChatModel, node: Any, tools: list[Any]) -> Any:
    return existing_graph(model, node, InMemorySaver(), tools)


def test_node_answers_a_needless_calculator_call_without_running_the_tool() -> None:
    model = scripted(AIMessage("", tool_calls=[calculation()]), AIMessage("It is 391."))
    app = graph_with(model, monitor_node(tools=[calculator], system=SYSTEM), [calculator])
    state = app.invoke({"messages": [("user", "What is 17 times 23?")]}, config())
    assert "__interrupt__" not in state
    assert evaluated == []  # the Python tool never ran
    assert kinds(state["messages"]) == [
        ("human", "What is 17 times 23?"), ("ai", ""), ("tool", "391"), ("ai", "It is 391.")
    ]  # fmt: skip
    call, answer = state["messages"][1:3]
    assert call.tool_calls[0]["id"] == "k1"  # the call is kept, answered by the tool message
    assert (answer.tool_call_id, answer.name) == ("k1", "calculator")
    report = report_of(call)
    assert report is not None and report.decision.action == "use_context"
    assert held_message(call) is None
    assert kinds(model.seen[1])[-1] == ("tool", "391")  # the model read the known value


def test_node_replaces_a_redundant_question_by_a_system_note_and_goes_back_to_the_model() -> None:
    model = scripted(AIMessage(REDUNDANT), booking("c1", "Boston"), AIMessage("Done."))
    app = graph_with(model, monitor_node(tools=[book_flight], system=SYSTEM), [book_flight])
    state = app.invoke({"messages": [("user", FROM_BOSTON)]}, config())
    assert "__interrupt__" not in state  # nobody was asked
    assert booked == ["Boston"]
    assert kinds(state["messages"]) == [
        ("human", FROM_BOSTON),
        ("system", KNOWN_ORIGIN),
        ("ai", ""),
        ("tool", "Booked Boston -> Denver on 2024-05-03."),
        ("ai", "Done."),
    ]
    note = state["messages"][1]
    assert isinstance(note, SystemMessage)
    assert report_of(note).decision.action == "use_context"  # type: ignore[union-attr]
    (question,) = messages_from_dict([held_message(note)])  # type: ignore[list-item]
    assert question.content == REDUNDANT
    assert kinds(model.seen[1])[-1] == ("system", KNOWN_ORIGIN)


def test_node_sends_only_the_other_calls_to_the_tools() -> None:
    both = AIMessage("", tool_calls=[calculation(), booking("b1", "Boston").tool_calls[0]])
    model = scripted(both, AIMessage("Done."))
    tools = [calculator, book_flight]
    app = graph_with(model, monitor_node(tools=tools, system=SYSTEM), tools)
    state = app.invoke({"messages": [("user", f"{FROM_BOSTON} And what is 17 * 23?")]}, config())
    assert evaluated == [] and booked == ["Boston"]
    results = {m.tool_call_id: m.content for m in state["messages"] if m.type == "tool"}
    assert results == {"k1": "391", "b1": "Booked Boston -> Denver on 2024-05-03."}
    assert state["messages"][-1].content == "Done."


def test_node_with_annotate_lets_the_question_and_the_call_through() -> None:
    node = monitor_node(tools=[book_flight], system=SYSTEM, on_flag="annotate")
    state = graph_with(scripted(AIMessage(REDUNDANT)), node, [book_flight]).invoke(
        {"messages": [("user", FROM_BOSTON)]}, config()
    )
    assert kinds(state["messages"]) == [("human", FROM_BOSTON), ("ai", REDUNDANT)]
    assert report_of(state["messages"][1]).decision.action == "use_context"  # type: ignore[union-attr]

    node = monitor_node(tools=[calculator], system=SYSTEM, on_flag="annotate")
    model = scripted(AIMessage("", tool_calls=[calculation()]), AIMessage("It is 391."))
    state = graph_with(model, node, [calculator]).invoke(
        {"messages": [("user", "What is 17 times 23?")]}, config()
    )
    assert evaluated == ["17 * 23"]
    assert kinds(state["messages"])[2] == ("tool", "the calculator ran")


def test_node_on_openai_dicts_answers_the_call_past_the_reducer() -> None:
    call = {"role": "assistant", "content": None,
            "tool_calls": [tool_call("calculator", {"expression": "17 * 23"}, "k1")]}  # fmt: skip
    user = {"role": "user", "content": "What is 17 times 23?"}
    node = monitor_node(tools=[calculator], report_key="agentguard")
    command = node({"messages": [user, call]})
    assert isinstance(command, Command) and command.goto == "agent"
    update: Any = command.update
    # Dicts have no ids: the list is written whole, the call kept and answered.
    assert isinstance(update["messages"], Overwrite)
    answer = {"role": "tool", "tool_call_id": "k1", "content": "391"}
    assert update["messages"].value == [user, call, answer]
    assert update["agentguard"]["report"]["decision"]["action"] == "use_context"
    assert update["agentguard"]["held"] is None
    assert evaluated == []


def test_post_model_hook_uses_the_context_in_create_react_agent() -> None:
    from langgraph.prebuilt import create_react_agent

    tools = [calculator, book_flight]
    both = AIMessage("", tool_calls=[calculation(), booking("b1", "Boston").tool_calls[0]])
    model = scripted(AIMessage(REDUNDANT), both, AIMessage("Done."))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # superseded by create_agent
        hook = post_model_hook(tools=tools, system=SYSTEM)
        app = create_react_agent(model, tools, prompt=SYSTEM, post_model_hook=hook,
                                 checkpointer=InMemorySaver())  # fmt: skip
    state = app.invoke({"messages": [("user", f"{FROM_BOSTON} And what is 17 * 23?")]}, config())
    assert "__interrupt__" not in state
    assert evaluated == [] and booked == ["Boston"]
    # That agent's routing needs an AI message: the question stays, the note follows it.
    assert kinds(state["messages"])[1:3] == [("ai", REDUNDANT), ("system", KNOWN_ORIGIN)]
    results = {m.tool_call_id: m.content for m in state["messages"] if m.type == "tool"}
    assert results == {"k1": "391", "b1": "Booked Boston -> Denver on 2024-05-03."}
    assert state["messages"][-1].content == "Done."


def test_middleware_uses_the_context_and_asks_nobody() -> None:
    tools = [calculator, book_flight]
    both = AIMessage("", tool_calls=[calculation(), booking("b1", "Boston").tool_calls[0]])
    model = scripted(AIMessage(REDUNDANT), both, AIMessage("Done."))
    middleware = AgentguardMiddleware(tools=tools, system=SYSTEM)
    app = create_agent(model, tools, system_prompt=SYSTEM, middleware=[middleware],
                       checkpointer=InMemorySaver())  # fmt: skip
    state = app.invoke({"messages": [("user", f"{FROM_BOSTON} And what is 17 * 23?")]}, config())
    assert "__interrupt__" not in state
    assert evaluated == [] and booked == ["Boston"]
    assert kinds(state["messages"])[:2] == [
        ("human", f"{FROM_BOSTON} And what is 17 * 23?"),
        ("system", KNOWN_ORIGIN),
    ]
    results = {m.tool_call_id: m.content for m in state["messages"] if m.type == "tool"}
    assert results == {"k1": "391", "b1": "Booked Boston -> Denver on 2024-05-03."}
    assert state["messages"][-1].content == "Done."
    actions = [report_of(m).decision.action for m in state["messages"] if report_of(m)]  # type: ignore[union-attr]
    assert actions == ["use_context", "use_context", "allow"]


# -- bad input and failing monitors ----------------------------------------------------------


class _Unsupported:
    content = "a note"


def test_an_unsupported_message_is_unchecked_per_fail_mode_and_names_the_forms() -> None:
    node = monitor_node(tools=[book_flight], system=SYSTEM)
    call = booking("c1", "Boston")
    update = node({"messages": [_Unsupported(), call]})
    assert isinstance(update, dict)
    # Not every message has an id, so the node writes the list whole, past the reducer.
    assert isinstance(update["messages"], Overwrite)
    unreadable, kept = update["messages"].value
    assert kept.tool_calls == call.tool_calls  # balanced fails open here: the call goes on
    report = report_of(kept)
    assert report is not None and not report.checked
    assert report.decision.action == "allow"
    assert "_Unsupported is not a supported message form" in (report.estimator_error or "")
    assert "LangChain (SystemMessage, HumanMessage, AIMessage, ToolMessage)" in (
        report.estimator_error or ""
    )


def test_an_unsupported_tool_is_refused_naming_the_forms() -> None:
    with pytest.raises(InputError, match=r"tools\[0\].*object is not a supported tool form"):
        monitor_node(tools=[object()])


def test_a_bad_on_flag_is_refused() -> None:
    with pytest.raises(ValueError, match="on_flag"):
        monitor_node(on_flag="ignore")  # type: ignore[arg-type]


class Broken:
    name = "broken"

    def score(self, claims: Any, context: Any, output_text: str) -> list[Estimate]:
        raise RuntimeError("the estimator is down")


@pytest.mark.parametrize("fail_mode", ["open", "closed"])
def test_a_failing_estimator_follows_the_fail_mode_and_keeps_the_message(fail_mode: str) -> None:
    policy = load_policy("balanced").model_copy(update={"fail_mode": fail_mode})
    monitor = Monitor(policy, estimator=Broken())  # type: ignore[arg-type]
    node = monitor_node(monitor, tools=[book_flight], system=SYSTEM)
    model = scripted(booking("c1", "Boston"), AIMessage("Done."))
    state = existing_graph(model, node, InMemorySaver()).invoke(
        {"messages": [("user", ASK)]}, config()
    )
    call = state["messages"][1]
    report = report_of(call)
    assert report is not None and not report.checked
    assert "the estimator is down" in (report.estimator_error or "")
    if fail_mode == "open":
        assert booked == ["Boston"]
        assert call.tool_calls[0]["args"]["origin"] == "Boston"
    else:
        assert booked == []
        assert report.decision.action == "block"
        assert call.content.startswith("agentguard held this answer back (block)")
        (original,) = messages_from_dict([held_message(call)])  # type: ignore[list-item]
        assert original.tool_calls[0]["args"]["origin"] == "Boston"  # type: ignore[attr-defined]


# -- the agent's own graph as a subgraph -----------------------------------------------------


AGENT_SYSTEM = {"role": "system", "content": "You are a travel assistant. Today is 2026-11-25."}


def travel_agent(outputs: list[Any]) -> Agent:
    return Agent(ScriptedModel(outputs), [agent_book_flight], system=AGENT_SYSTEM["content"])


def test_agent_state_is_public() -> None:
    assert agentguard.AgentState is AgentState
    assert "AgentState" in agentguard.__all__


def test_the_agent_graph_has_valid_json_schemas() -> None:
    graph = travel_agent(["Hello!"]).graph
    sample = {"messages": [{"role": "user", "content": "Hi"}], "steps": 0, "status": "running"}
    for schema in (graph.get_input_jsonschema(), graph.get_output_jsonschema()):
        json.dumps(schema)
        jsonschema.Draft202012Validator.check_schema(schema)
        jsonschema.validate(sample, schema)
        assert schema["properties"]["messages"]["type"] == "array"
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({"messages": "Hi"}, schema)


def test_the_agent_graph_runs_as_a_subgraph() -> None:
    args = {"origin": "Chicago", "destination": "Denver", "date": "2026-11-27"}
    guessed = {"tool_calls": [tool_call("book_flight", {**args, "origin": "Boston"})]}
    agent = travel_agent([guessed, {"tool_calls": [tool_call("book_flight", args)]}, "Booked."])
    parent = StateGraph(AgentState)
    parent.add_node("travel", agent.graph)
    parent.add_edge(START, "travel")
    parent.add_edge("travel", END)
    app = parent.compile(checkpointer=InMemorySaver())

    user = {"role": "user", "content": "Book me a flight to Denver next Friday."}
    # `Agent.run` opens a conversation with the system prompt; a parent graph passes it itself.
    state = app.invoke({"messages": [AGENT_SYSTEM, user]}, config())
    assert state["__interrupt__"][0].value["question"] == "Could you tell me the city you fly from?"
    state = app.invoke(Command(resume="Chicago"), config())
    assert state["status"] == "answered"
    roles = [m["role"] for m in state["messages"]]
    assert roles == ["system", "user", "assistant", "user", "assistant", "tool", "assistant"]
    assert state["messages"][:2] == [AGENT_SYSTEM, user]  # handed back whole, not appended twice
    assert state["messages"][-1]["content"] == "Booked."
    assert [r["decision"]["action"] for r in state["reports"]] == ["ask_user", "allow", "allow"]


def test_importing_agentguard_loads_no_langchain() -> None:
    code = (
        "import sys, agentguard\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('langchain', 'langchain_core', 'langgraph'))))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == ""


def test_the_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    runpy.run_path(str(EXAMPLE), run_name="__main__")
    assert capsys.readouterr().out.splitlines() == [
        "decision: ask_user",
        f"asked: {QUESTION}",
        "booked so far: []",
        f"ai: {QUESTION} [ask_user]",
        "human: From Chicago.",
        "ai: book_flight(Chicago) [allow]",
        "tool: Booked Chicago -> Denver on 2024-05-03.",
        "ai: Done! [allow]",
        "booked: ['Chicago -> Denver on 2024-05-03']",
    ]
