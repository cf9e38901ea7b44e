from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from agentguard import (
    Agent,
    FunctionModel,
    InputError,
    Monitor,
    ScriptedModel,
    read_trace,
    tool,
    tool_call,
)
from agentguard.demos import orders, travel
from agentguard.demos.travel import book_flight
from agentguard.runtime.sessions import ThreadSessions
from tests.recording import RecordingMonitor

SYSTEM = "You are a travel assistant. Today is Wednesday, 2026-11-25."


def booking(origin: str = "Boston") -> dict[str, Any]:
    args = {"origin": origin, "destination": "Denver", "date": "2026-11-27"}
    return {"tool_calls": [tool_call("book_flight", args)]}


def travel_agent(outputs: list[Any], **options: Any) -> Agent:
    return Agent(ScriptedModel(outputs), [book_flight], system=SYSTEM, **options)


def events(path: Path) -> list[str]:
    return [e["event"] for e in read_trace(path).events]


# -- the monitor in the loop ---------------------------------------------------------------


def test_guarded_asks_where_unguarded_guessed() -> None:
    outputs = [booking("Boston"), "Booked."]
    bare = travel_agent(outputs, guard=False).run("Book me a flight to Denver next Friday.")
    assert bare.status == "answered"
    booked = [m for m in bare.messages if m.get("tool_calls")]
    assert '"origin": "Boston"' in booked[0]["tool_calls"][0]["function"]["arguments"]
    assert bare.reports == []

    guarded = travel_agent(outputs).run("Book me a flight to Denver next Friday.")
    assert guarded.status == "waiting_for_user"
    assert guarded.question == "Could you tell me the city you fly from?"
    assert not any(m.get("tool_calls") for m in guarded.messages)  # nothing was booked


def test_guarded_does_not_ask_when_the_facts_were_given() -> None:
    agent = travel_agent([booking("Chicago"), "Booked: confirmation SKY-7Q2ZP."])
    result = agent.run("Book me a flight from Chicago to Denver next Friday.")
    assert result.status == "answered"
    assert [r.decision.action for r in result.reports] == ["allow", "allow"]
    assert result.answer == "Booked: confirmation SKY-7Q2ZP."


def test_ask_then_resume_continues_with_the_answer(tmp_path: Path) -> None:
    agent = travel.build(trace=tmp_path / "t.jsonl")
    first = agent.run("Book me a flight to Denver next Friday.", thread_id="t1")
    assert (first.status, first.thread_id) == ("waiting_for_user", "t1")
    # The date "next Friday" resolved against the system prompt's date: only origin is asked.
    claims = {c.path: c.label for c in first.reports[0].claims}
    assert claims == {"origin": "unsupported", "destination": "supported", "date": "supported"}
    done = agent.resume("I'm flying from Chicago.", thread_id="t1")
    agent.close()
    assert done.status == "answered"
    assert "from Chicago to Denver on 2026-11-27" in (done.answer or "")
    roles = [m["role"] for m in done.messages]
    assert roles == ["system", "user", "assistant", "user", "assistant", "tool", "assistant"]
    assert done.messages[2]["content"] == first.question
    trace = read_trace(tmp_path / "t.jsonl")
    reports = [r for r in trace.records if r["kind"] == "report"]
    assert [r["step"] for r in reports] == [1, 2, 3]
    # Each flag leads back to its words: the first step guessed the origin of a tool call.
    assert [(f["type"], f["path"]) for f in reports[0]["flagged_spans"]] == [
        ("silent_assumption", "origin")
    ]
    assert reports[2]["output_text"] == done.answer and reports[2]["flagged_spans"] == []
    assert events(tmp_path / "t.jsonl") == ["ask", "answer", "run_end"]


def test_sqlite_checkpointer_resumes(tmp_path: Path) -> None:
    db = tmp_path / "state.sqlite"
    with travel.build(checkpointer=db) as agent:
        assert agent.run("Book me a flight to Denver next Friday.", thread_id="s").question
        assert agent.resume("From Chicago.", thread_id="s").status == "answered"
    assert db.exists()


def test_sqlite_resume_after_process_restart(tmp_path: Path) -> None:
    db = tmp_path / "state.sqlite"
    script = (
        "import sys\n"
        "from agentguard.demos import travel\n"
        "agent = travel.build(checkpointer=sys.argv[1])\n"
        "r = agent.run('Book me a flight to Denver next Friday.', thread_id='restart')\n"
        "print(r.status, r.question)\n"
        "agent.close()\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(db)], capture_output=True, text=True, check=True
    )
    assert out.stdout.startswith("waiting_for_user Could you tell me the city you fly from?")
    with travel.build(checkpointer=db) as agent:  # a new process's agent: state from SQLite only
        done = agent.resume("I'm flying from Chicago.", thread_id="restart")
    assert done.status == "answered"
    assert "from Chicago" in (done.answer or "")


def test_resolver_tool_is_called_instead_of_guessing(tmp_path: Path) -> None:
    agent = orders.build(trace=tmp_path / "s.jsonl")
    result = agent.run(orders.SCENE.turns[0])
    agent.close()
    assert result.status == "answered"
    assert [r.decision.action for r in result.reports] == ["call_tool", "allow", "allow"]
    lookup = result.messages[2]["tool_calls"][0]["function"]
    assert lookup["name"] == "find_orders"
    assert json.loads(lookup["arguments"]) == {"email": "dana.lee@example.com"}
    assert result.answer == "I've refunded $89.99 for order HD-20417."
    assert "resolver_call" in events(tmp_path / "s.jsonl")


def test_resolver_needing_unknown_arguments_is_left_to_the_model() -> None:
    @tool(resolves=["text:number"], cost=0.1)
    def calculator(expression: str) -> str:
        return "17 * 23 = 391"

    seen: list[list[dict[str, Any]]] = []

    def model(messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> Any:
        seen.append(messages)
        if messages[-1]["role"] == "tool":
            return "17 times 23 is 391."
        if messages[-1]["content"].startswith("[agentguard]"):
            return {"tool_calls": [tool_call("calculator", {"expression": "17 * 23"})]}
        return "17 times 23 is 381."

    result = Agent(FunctionModel(model), [calculator]).run("What is 17 times 23?")
    assert result.status == "answered"
    assert result.answer == "17 times 23 is 391."
    # The model made the call itself; the monitor computes 17 * 23 exactly, so the call is
    # answered from the context (`use_context`) instead of running the tool.
    assert [r.decision.action for r in result.reports] == ["call_tool", "use_context", "allow"]
    called = [m for m in result.messages if m.get("tool_calls")]
    assert [c["function"]["name"] for c in called[0]["tool_calls"]] == ["calculator"]
    answered = {"role": "tool", "tool_call_id": called[0]["tool_calls"][0]["id"], "content": "391"}
    assert seen[2][-1] == answered
    note = seen[1][-1]["content"]
    assert "`calculator`" in note and "381" in note
    # The note went to the model only: the conversation (the monitor's context) never holds it.
    assert not any("[agentguard]" in str(m.get("content")) for m in result.messages)


def test_retry_names_the_unsupported_sentence_and_regenerates() -> None:
    docs = [{"id": "w", "text": "The kettle has a two-year warranty."}]
    seen: list[list[dict[str, Any]]] = []

    def model(messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> str:
        seen.append(messages)
        if messages[-1]["content"].startswith("[agentguard]"):
            return "The kettle has a two-year warranty."
        return "The kettle has a two-year warranty. It ships with a free descaler."

    result = Agent(FunctionModel(model), documents=docs).run("What warranty does it have?")
    assert result.status == "answered"
    assert result.answer == "The kettle has a two-year warranty."
    assert [r.decision.action for r in result.reports] == ["retry", "allow"]
    assert "It ships with a free descaler." in seen[1][-1]["content"]
    assert any("[w] The kettle" in str(m["content"]) for m in seen[0])  # documents reach the model


def test_retries_are_bounded_then_the_answer_goes_out_with_its_flags() -> None:
    agent = Agent(ScriptedModel(["It ships on May 3."] * 5), max_retries=2)
    result = agent.run("When does it ship?")
    assert result.status == "answered"
    assert [r.decision.action for r in result.reports] == ["retry", "retry", "retry"]
    assert result.flags and result.flags[0].type == "silent_assumption"
    assert result.detail == "answered with 1 flag(s) attached"


def test_block_ends_the_run(tmp_path: Path) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text("name: tight\ncosts: {block: 0.01}\n")
    agent = travel_agent([booking("Boston")], policy=policy)
    result = agent.run("Book me a flight to Denver next Friday.")
    assert result.status == "blocked"
    assert result.answer is None and "block" in (result.detail or "")


# -- use_context: what the context already holds ----------------------------------------------

FROM_BOSTON = "I'm flying from Boston. Book me a flight to Denver next Friday."
KNOWN_ORIGIN = (
    "Already known, no need to ask: origin is 'Boston' (user#1: \"I'm flying from Boston.\")."
)


@tool
def calculator(expression: str) -> str:
    """Evaluate an arithmetic expression.

    Args:
        expression: The expression, such as `2 * (3 + 4)`.
    """
    evaluated.append(expression)
    return "the calculator ran"


evaluated: list[str] = []


@pytest.fixture(autouse=True)
def _no_evaluations() -> None:
    evaluated.clear()


def test_a_redundant_question_is_not_sent_and_the_model_goes_on_with_the_value(
    tmp_path: Path,
) -> None:
    seen: list[list[dict[str, Any]]] = []

    def model(messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> Any:
        seen.append(messages)
        if messages[-1]["role"] == "tool":
            return "Booked: confirmation SKY-7Q2ZP."
        if messages[-1]["role"] == "system" and messages[-1]["content"].startswith("Already"):
            return booking("Boston")
        return "Which city will you be leaving from?"

    agent = Agent(FunctionModel(model), [book_flight], system=SYSTEM, trace=tmp_path / "u.jsonl")
    result = agent.run(FROM_BOSTON)
    agent.close()
    assert result.status == "answered"
    assert result.answer == "Booked: confirmation SKY-7Q2ZP."
    assert [r.decision.action for r in result.reports] == ["use_context", "allow", "allow"]
    assert [f.type for f in result.reports[0].flags] == ["redundant_question"]
    # The question never reached the user or the conversation; the model read the known value.
    assert seen[1][-1] == {"role": "system", "content": KNOWN_ORIGIN}
    assert not any(m.get("content") == "Which city will you be leaving from?"
                   for m in result.messages)  # fmt: skip
    assert [m["role"] for m in result.messages] == [
        "system", "user", "system", "assistant", "tool", "assistant"
    ]  # fmt: skip
    booked = json.loads(result.messages[3]["tool_calls"][0]["function"]["arguments"])
    assert booked["origin"] == "Boston"
    assert events(tmp_path / "u.jsonl") == ["use_context", "run_end"]
    (event,) = read_trace(tmp_path / "u.jsonl").events[:1]
    assert (event["message"], event["answered"], event["step"]) == (KNOWN_ORIGIN, [], 1)


def test_a_question_asked_again_after_the_note_goes_out_once_retries_are_spent() -> None:
    asking = ["Which city will you be leaving from?"] * 3
    result = Agent(ScriptedModel(asking), [book_flight], system=SYSTEM, max_retries=2).run(
        FROM_BOSTON
    )
    assert result.status == "answered"
    assert [r.decision.action for r in result.reports] == ["use_context"] * 3
    assert result.answer == "Which city will you be leaving from?"
    assert [m["content"] for m in result.messages if m["role"] == "system"][1:] == [
        KNOWN_ORIGIN, KNOWN_ORIGIN
    ]  # fmt: skip


def test_a_needless_calculator_call_is_answered_without_running_the_tool(tmp_path: Path) -> None:
    def model(messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> Any:
        if messages[-1]["role"] == "tool":
            return f"17 times 23 is {messages[-1]['content']}."
        return {"tool_calls": [tool_call("calculator", {"expression": "17 * 23"}, "calc1")]}

    agent = Agent(FunctionModel(model), [calculator], trace=tmp_path / "c.jsonl")
    result = agent.run("What is 17 times 23?")
    agent.close()
    assert evaluated == []  # the Python tool never ran
    assert result.status == "answered"
    assert result.answer == "17 times 23 is 391."
    assert [r.decision.action for r in result.reports] == ["use_context", "allow"]
    (known,) = result.reports[0].decision.known
    assert (known.origin, known.call_id, known.value) == ("computed", "calc1", 391)
    assert result.messages[1]["tool_calls"][0]["id"] == "calc1"  # the call itself is kept
    assert result.messages[2] == {"role": "tool", "tool_call_id": "calc1", "content": "391"}
    (event,) = [e for e in read_trace(tmp_path / "c.jsonl").events if e["event"] == "use_context"]
    assert event["answered"] == ["calc1"]
    assert event["message"] == "No need to call calculator: 17 * 23 = 391."


def test_other_calls_of_the_same_output_run_as_usual() -> None:
    calls = {"tool_calls": [
        tool_call("calculator", {"expression": "17 * 23"}, "calc1"),
        tool_call("book_flight", {"origin": "Boston", "destination": "Denver",
                                  "date": "2026-11-27"}, "book1"),
    ]}  # fmt: skip
    agent = Agent(ScriptedModel([calls, "Booked, and 17 * 23 is 391."]),
                  [calculator, book_flight], system=SYSTEM)  # fmt: skip
    result = agent.run(f"{FROM_BOSTON} Also, what is 17 times 23?")
    assert result.status == "answered"
    assert evaluated == []
    assert [r.decision.action for r in result.reports] == ["use_context", "allow"]
    tools = {m["tool_call_id"]: m["content"] for m in result.messages if m["role"] == "tool"}
    assert tools["calc1"] == "391"
    assert json.loads(tools["book1"])["confirmation"] == "SKY-7Q2ZP"  # the booking ran


def test_the_use_context_step_is_safe_to_run_twice() -> None:
    agent = Agent(ScriptedModel([]), [calculator])
    call = tool_call("calculator", {"expression": "17 * 23"}, "calc1")
    output = {"role": "assistant", "content": None, "tool_calls": [call]}
    state = {"messages": [{"role": "user", "content": "What is 17 times 23?"}],
             "output": output, "steps": 1}  # fmt: skip
    checked = agent._monitor_node(state)  # type: ignore[arg-type]
    assert checked["route"] == "use_context"
    state["report"] = checked["report"]
    first = agent._use_context_node(state)  # type: ignore[arg-type]
    second = agent._use_context_node(state)  # type: ignore[arg-type]
    assert first == second
    assert first["messages"][1] == {"role": "tool", "tool_call_id": "calc1", "content": "391"}
    assert first["route"] == "model" and "retries" not in first
    assert evaluated == []


# -- faults ----------------------------------------------------------------------------------


def test_malformed_tool_call_json_is_retried(tmp_path: Path) -> None:
    bad = {"tool_calls": [tool_call("book_flight", '{"origin": "Chicago",')]}
    agent = travel_agent([bad, booking("Chicago"), "Booked."], trace=tmp_path / "m.jsonl")
    result = agent.run("Fly me from Chicago to Denver next Friday.")
    agent.close()
    assert result.status == "answered"
    assert [r.decision.action for r in result.reports] == ["retry", "allow", "allow"]
    assert result.reports[0].flags[0].type == "malformed_tool_call"
    assert "retry" in events(tmp_path / "m.jsonl")


def test_unknown_tool_is_retried_then_stops_at_the_retry_limit() -> None:
    call = {"tool_calls": [tool_call("launch_rocket", {})]}
    result = travel_agent([call] * 4, max_retries=1).run("Hi")
    assert result.status == "retry_limit"
    assert "launch_rocket" in (result.detail or "")


def test_unguarded_unknown_tool_becomes_an_error_result() -> None:
    model = ScriptedModel([{"tool_calls": [tool_call("nope", {})]}, "ok"])
    result = Agent(model, guard=False).run("Hi")
    assert result.status == "answered"
    call_id = result.messages[1]["tool_calls"][0]["id"]
    assert call_id.startswith("call_") and call_id.endswith("_1_1")  # run id, step, position
    error = {
        "role": "tool",
        "tool_call_id": call_id,
        "content": "error: there is no tool named 'nope'",
    }
    assert result.messages[-2] == error


def test_model_exception_ends_the_run(tmp_path: Path) -> None:
    def model(messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> str:
        raise ConnectionError("provider unreachable")

    agent = Agent(FunctionModel(model, name="flaky"), trace=tmp_path / "e.jsonl")
    result = agent.run("Hi")
    agent.close()
    assert result.status == "model_error"
    assert result.detail == "model 'flaky' failed: ConnectionError: provider unreachable"
    assert events(tmp_path / "e.jsonl") == ["model_error", "run_end"]


def test_exhausted_script_is_a_model_error() -> None:
    result = Agent(ScriptedModel([])).run("Hi")
    assert result.status == "model_error"
    assert "no output left" in (result.detail or "")


def test_model_timeout_ends_the_run() -> None:
    def slow(messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> str:
        time.sleep(3)
        return "late"

    start = time.perf_counter()
    result = Agent(FunctionModel(slow, name="slow"), model_timeout=0.2).run("Hi")
    assert time.perf_counter() - start < 2
    assert result.status == "model_error"
    assert result.detail == "model 'slow' timed out after 0.2 s"


def test_tool_errors_and_timeouts_reach_the_model(tmp_path: Path) -> None:
    @tool
    def lookup(order_id: str) -> str:
        raise KeyError(order_id)

    @tool(timeout=0.2)
    def track(order_id: str) -> str:
        time.sleep(3)
        return "late"

    calls = {"tool_calls": [tool_call("lookup", {"order_id": "A1"}, "c1"),
                            tool_call("track", {"order_id": "A1"}, "c2")]}  # fmt: skip
    agent = Agent(ScriptedModel([calls, "Sorry, our systems are down."]), [lookup, track],
                  trace=tmp_path / "f.jsonl")  # fmt: skip
    result = agent.run("Where is order A1?")
    agent.close()
    assert result.status == "answered"
    tool_msgs = [m["content"] for m in result.messages if m["role"] == "tool"]
    assert tool_msgs == ["error: KeyError: 'A1'", "error: track timed out after 0.2 s"]
    errors = [
        e["error"] for e in read_trace(tmp_path / "f.jsonl").events if e["event"] == "tool_error"
    ]
    assert errors == ["exception", "timeout"]


def test_step_limit(tmp_path: Path) -> None:
    @tool
    def ping(n: int) -> str:
        return "pong"

    calls = [{"tool_calls": [tool_call("ping", {"n": 1})]}] * 10
    agent = Agent(ScriptedModel(calls), [ping], max_steps=3, policy="permissive",
                  trace=tmp_path / "l.jsonl")  # fmt: skip
    result = agent.run("Ping 1, forever.")
    agent.close()
    assert result.status == "step_limit"
    assert result.steps == 3
    assert result.detail == "no final answer after 3 model calls (max_steps=3)"
    assert "step_limit" in events(tmp_path / "l.jsonl")


def test_empty_answer_asks_again(tmp_path: Path) -> None:
    agent = travel.build(trace=tmp_path / "q.jsonl")
    first = agent.run("Book me a flight to Denver next Friday.", thread_id="e")
    again = agent.resume("", thread_id="e")
    assert again.status == "waiting_for_user" and again.question == first.question
    done = agent.resume("From Chicago.", thread_id="e")
    agent.close()
    assert done.status == "answered"
    answers = [e for e in read_trace(tmp_path / "q.jsonl").events if e["event"] == "answer"]
    assert len(answers) == 1 and answers[0]["empty_replies"] == 1


def test_only_empty_answers_stop_the_run() -> None:
    agent = travel.build(max_empty_answers=1)
    agent.run("Book me a flight to Denver next Friday.", thread_id="n")
    assert agent.resume("  ", thread_id="n").status == "waiting_for_user"
    result = agent.resume("", thread_id="n")
    assert result.status == "no_answer"
    assert "after 2 empty replies" in (result.detail or "")


# -- API edges -------------------------------------------------------------------------------


def test_run_and_resume_guard_the_thread_state() -> None:
    agent = travel.build()
    agent.run("Book me a flight to Denver next Friday.", thread_id="w")
    with pytest.raises(ValueError, match="waiting for an answer: call resume"):
        agent.run("hello", thread_id="w")
    with pytest.raises(ValueError, match="not waiting for an answer"):
        agent.resume("x", thread_id="other")


@pytest.mark.parametrize(
    ("bad", "where"),
    [
        ([{"content": "hi"}], "input[0].role"),
        ([{"role": "robot", "content": "hi"}], "input[0].role"),
        (["hi"], "input[0]"),
        (3, "input"),
    ],
)
def test_bad_run_input_is_named(bad: Any, where: str) -> None:
    with pytest.raises(InputError) as info:
        Agent(ScriptedModel(["x"])).run(bad)
    assert info.value.where == where


def test_conversation_continues_on_the_same_thread(tmp_path: Path) -> None:
    model = ScriptedModel(["Hi Dana.", "You said your name is Dana."])
    agent = Agent(model, trace=tmp_path / "c.jsonl")
    agent.run("I'm Dana.", thread_id="c")
    second = agent.run("What is my name?", thread_id="c")
    agent.close()
    assert second.answer == "You said your name is Dana."
    assert [m["role"] for m in second.messages] == ["user", "assistant", "user", "assistant"]
    assert len(second.reports) == 1  # reports are per run; the trace keeps them all
    records = [r for r in read_trace(tmp_path / "c.jsonl").records if r["kind"] == "report"]
    assert [(r["thread"], r["step"]) for r in records] == [("c", 1), ("c", 1)]
    assert records[0]["run"] != records[1]["run"]  # each run() has its own id


def test_async_run_and_resume() -> None:
    async def main() -> str:
        agent = travel.build()
        first = await agent.arun("Book me a flight to Denver next Friday.", thread_id="a")
        done = await agent.aresume("From Chicago.", thread_id="a")
        return f"{first.status} {done.status}"

    assert asyncio.run(main()) == "waiting_for_user answered"


def test_monitor_step_is_safe_to_run_twice(tmp_path: Path) -> None:
    agent = travel.build(trace=tmp_path / "twice.jsonl")
    state = {
        "messages": [{"role": "system", "content": SYSTEM},
                     {"role": "user", "content": "Fly me to Denver next Friday."}],
        "output": booking("Boston"),
        "steps": 1,
    }  # fmt: skip
    first = agent._monitor_node(state)  # type: ignore[arg-type]
    second = agent._monitor_node(state)  # type: ignore[arg-type]
    agent.close()
    strip = lambda u: {**u, "report": {**u["report"], "latency_ms": 0}, "reports": None}  # noqa: E731
    assert strip(first) == strip(second)
    assert first["route"] == "ask_user"
    assert len(read_trace(tmp_path / "twice.jsonl").reports) == 1


# -- every run ends with a status ------------------------------------------------------------


def test_an_oversized_tool_result_ends_the_run_as_input_error(tmp_path: Path) -> None:
    @tool
    def dump() -> str:
        """Everything in the warehouse."""
        return "crate " * 350_000  # 2.1M characters, over MAX_INPUT_CHARS

    model = ScriptedModel([{"tool_calls": [tool_call("dump", {})]}, "Here is the list."])
    agent = Agent(model, [dump], policy="permissive", trace=tmp_path / "big.jsonl")
    result = agent.run("List the warehouse.")
    agent.close()
    assert result.status == "input_error"
    assert result.answer is None
    assert result.detail is not None and "MAX_INPUT_CHARS" in result.detail
    assert re.search(r"2,1\d\d,\d\d\d characters", result.detail)  # the size, not the text
    assert len(result.detail) < 400
    assert events(tmp_path / "big.jsonl")[-2:] == ["input_error", "run_end"]


def test_a_lone_surrogate_in_a_model_answer_is_repaired_with_a_trace(tmp_path: Path) -> None:
    agent = Agent(ScriptedModel(["Hello \ud800 there, how can I help?"]),
                  trace=tmp_path / "s.jsonl", checkpointer=tmp_path / "s.sqlite")  # fmt: skip
    result = agent.run("Hi \udfff")
    agent.close()
    assert result.status == "answered"
    assert result.answer == "Hello \ufffd there, how can I help?"
    assert result.messages[0]["content"] == "Hi \ufffd"
    trace = read_trace(tmp_path / "s.jsonl")
    assert len(trace.reports) == 1
    assert "\ufffd" in (tmp_path / "s.jsonl").read_text(encoding="utf-8")


def test_surrogates_in_tool_results_and_answers_are_repaired() -> None:
    @tool
    def note() -> str:
        """The note."""
        return "half a pair \ud83d, a whole pair \ud83d\ude00"

    model = ScriptedModel([{"tool_calls": [tool_call("note", {})]}, "Done."])
    result = Agent(model, [note], policy="permissive").run("Read the note.")
    assert result.status == "answered"
    content = next(m["content"] for m in result.messages if m["role"] == "tool")
    assert content == "half a pair \ufffd, a whole pair \U0001f600"


def test_a_thread_over_the_message_limit_ends_as_input_error() -> None:
    turns: list[dict[str, Any]] = []
    for i in range(2500):
        turns += [{"role": "user", "content": f"Question {i}?"},
                  {"role": "assistant", "content": f"Answer {i}."}]  # fmt: skip
    agent = Agent(ScriptedModel(["Sure."]))
    result = agent.run([*turns, {"role": "user", "content": "One more?"}], thread_id="long")
    assert result.status == "input_error"
    assert result.detail is not None and "5001 messages; the limit is 5000" in result.detail
    assert result.messages[-1] == {"role": "user", "content": "One more?"}  # nothing unchecked


# -- hung calls hold a bounded number of threads ---------------------------------------------


def test_hung_tools_leave_a_bounded_number_of_threads() -> None:
    release = threading.Event()

    @tool(timeout=0.05)
    def lookup(order_id: str) -> str:
        """Look an order up."""
        release.wait(30)
        return "late"

    def model(messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> Any:
        if messages[-1]["role"] == "tool":
            return "The lookup is not answering; please try later."
        return {"tool_calls": [tool_call("lookup", {"order_id": "A1"})]}

    # No model limit: the model runs in the caller's thread, so only the tool needs threads.
    agent = Agent(FunctionModel(model), [lookup], policy="permissive", model_timeout=None,
                  max_abandoned_calls=3)  # fmt: skip
    before = threading.active_count()
    try:
        results = [agent.run("Where is order A1?") for _ in range(20)]
        peak = threading.active_count()
    finally:
        release.set()
    assert peak <= before + 3
    statuses = [r.status for r in results]
    assert statuses == ["answered"] * 3 + ["call_limit"] * 17
    assert results[0].messages[-2]["content"] == "error: lookup timed out after 0.05 s"
    last = results[-1]
    assert last.detail is not None and "3 earlier calls timed out" in last.detail
    assert last.messages[-1]["role"] == "tool"  # the refused call still has its tool message
    deadline = time.monotonic() + 5
    while agent.calls.abandoned and time.monotonic() < deadline:
        time.sleep(0.01)
    assert agent.calls.abandoned == 0  # released threads are no longer counted
    assert agent.run("Where is order A1?").status == "answered"
    release.set()


def test_hung_model_calls_leave_a_bounded_number_of_threads() -> None:
    release = threading.Event()

    def hang(messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> str:
        release.wait(30)
        return "late"

    agent = Agent(FunctionModel(hang, name="hang"), model_timeout=0.05, max_abandoned_calls=2)
    before = threading.active_count()
    try:
        results = [agent.run("Hi") for _ in range(20)]
        peak = threading.active_count()
    finally:
        release.set()
    assert peak <= before + 2
    assert [r.status for r in results] == ["model_error"] * 2 + ["call_limit"] * 18
    assert results[-1].detail == (
        "model 'hang' not started: 2 earlier calls timed out and are still running (the limit is 2)"
    )


# -- one monitor session per thread -----------------------------------------------------------


def test_each_thread_is_checked_through_its_own_session() -> None:
    outputs = [booking("Boston"), booking("Chicago"), "Booked.", "You fly from Chicago.",
               booking("Boston")]  # fmt: skip
    agent = travel_agent(outputs)
    recorder = RecordingMonitor(agent.policy)
    agent.sessions = ThreadSessions(recorder)
    assert agent.run("Book me a flight to Denver next Friday.", thread_id="t1").question
    assert agent.resume("From Chicago.", thread_id="t1").answer == "Booked."
    assert agent.run("Where do I fly from?", thread_id="t1").answer == "You fly from Chicago."
    other = agent.run("Book me a flight to Denver next Friday.", thread_id="t2")
    assert other.status == "waiting_for_user"
    fresh = Monitor(agent.policy)
    for fields, report in recorder.checked:
        left = report.model_dump(mode="json", exclude={"latency_ms"})
        assert left == fresh.check(**fields).model_dump(mode="json", exclude={"latency_ms"})
    actions = [r.decision.action for _, r in recorder.checked]
    assert actions == ["ask_user", "allow", "allow", "allow", "ask_user"]
    # One session per thread; t1's four checks extended the index its first check built.
    first, second = recorder.sessions
    assert agent.sessions.checker("t1") is first and agent.sessions.checker("t2") is second
    assert first._contexts.memo.builds == 1  # type: ignore[attr-defined]


def test_the_agent_keeps_a_bounded_number_of_thread_sessions() -> None:
    agent = Agent(FunctionModel(lambda messages, tools: "Hello! How can I help?"))
    agent.sessions = ThreadSessions(agent.monitor, size=2)
    for thread in ("b", "a"):
        agent.run("Hi", thread_id=thread)
    a, b = agent.sessions.checker("a"), agent.sessions.checker("b")
    agent.run("Hi again", thread_id="a")
    agent.run("Hi", thread_id="c")  # drops b, the least recently checked
    assert len(agent.sessions) == 2
    assert agent.sessions.checker("a") is a
    assert agent.sessions.checker("b") is not b  # a new session: b's was dropped
    assert agent.sessions.checker("a") is a
    assert isinstance(agent.sessions.checker(""), Monitor)  # outside a graph run: no session
    with pytest.raises(ValueError, match="size must be at least 1"):
        ThreadSessions(agent.monitor, size=0)
