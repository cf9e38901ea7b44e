"""`agentguard.wrap` on real OpenAI SDK clients, against the scripted server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import runpy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest

import agentguard
from agentguard import AssumptionFlagged, Monitor, Report, report_of
from agentguard.estimators.base import Estimate
from agentguard.integrations.openai_client import held_response
from agentguard.policy import load_policy
from agentguard.testing import ChatServer

ASK = [{"role": "user", "content": "Book me a flight to Denver on 2026-05-03."}]
TOLD = [{"role": "user", "content": "Book me a flight from Boston to Denver on 2026-05-03."}]
PARAMS = {
    "type": "object",
    "properties": {
        "origin": {"type": "string"},
        "destination": {"type": "string"},
        "date": {"type": "string"},
    },
    "required": ["origin", "destination", "date"],
}
TOOLS = [{"type": "function", "function": {"name": "book", "parameters": PARAMS}}]
FLAT_TOOLS = [{"type": "function", "name": "book", "parameters": PARAMS}]
ARGS = {"origin": "Boston", "destination": "Denver", "date": "2026-05-03"}
CALL = ("c1", "book", json.dumps(ARGS))
QUESTION = "Could you tell me the origin?"


@pytest.fixture
def server() -> Iterator[ChatServer]:
    with ChatServer() as server:
        yield server


def _client(server: ChatServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.url + "/v1", api_key="sk-test", max_retries=0)


def _aclient(server: ChatServer) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(base_url=server.url + "/v1", api_key="sk-test", max_retries=0)


def _report(value: object) -> Report:
    report = report_of(value)
    assert report is not None
    return report


# -- plain chat completions ----------------------------------------------------------------


def test_a_guessed_argument_is_replaced_by_the_question_and_the_call_held_back(
    server: ChatServer,
) -> None:
    base = _client(server)
    client = agentguard.wrap(base)
    assert isinstance(client, openai.OpenAI) and client is not base
    server.call(CALL)
    completion = client.chat.completions.create(model="m", messages=ASK, tools=TOOLS)
    message = completion.choices[0].message
    assert message.content == QUESTION and message.tool_calls is None
    assert completion.choices[0].finish_reason == "stop"
    assert _report(completion).decision.action == "ask_user"
    original = held_response(completion)
    assert original.choices[0].message.tool_calls[0].function.name == "book"
    # The client passed in is left as it was.
    server.call(CALL)
    plain = base.chat.completions.create(model="m", messages=ASK, tools=TOOLS)
    assert plain.choices[0].message.tool_calls and report_of(plain) is None


def test_a_grounded_call_passes_with_its_report(server: ChatServer) -> None:
    client = agentguard.wrap(_client(server))
    server.call(CALL)
    completion = client.chat.completions.create(model="m", messages=TOLD, tools=TOOLS)
    assert completion.choices[0].message.tool_calls[0].function.arguments == CALL[2]
    assert _report(completion).decision.action == "allow"
    assert held_response(completion) is None


def test_raise_carries_the_report_and_annotate_passes_the_answer(server: ChatServer) -> None:
    raising = agentguard.wrap(_client(server), on_flag="raise")
    server.call(CALL)
    with pytest.raises(AssumptionFlagged) as caught:
        raising.chat.completions.create(model="m", messages=ASK, tools=TOOLS)
    assert caught.value.question == QUESTION
    assert caught.value.report.decision.action == "ask_user"
    annotating = agentguard.wrap(_client(server), on_flag="annotate")
    server.call(CALL)
    completion = annotating.chat.completions.create(model="m", messages=ASK, tools=TOOLS)
    assert completion.choices[0].message.tool_calls
    assert _report(completion).decision.action == "ask_user"


def test_copies_stay_wrapped_and_raw_responses_are_checked_on_parse(server: ChatServer) -> None:
    client = agentguard.wrap(_client(server))
    for copy in (client.with_options(timeout=5), client.copy(max_retries=1)):
        assert isinstance(copy, openai.OpenAI)
        server.call(CALL)
        completion = copy.chat.completions.create(model="m", messages=ASK, tools=TOOLS)
        assert completion.choices[0].message.content == QUESTION
    server.call(CALL)
    raw = client.chat.completions.with_raw_response.create(model="m", messages=ASK, tools=TOOLS)
    assert raw.headers["content-type"] == "application/json" and raw.status_code == 200
    parsed = raw.parse()
    assert parsed.choices[0].message.content == QUESTION
    server.call(CALL)
    with client.chat.completions.with_streaming_response.create(
        model="m", messages=ASK, tools=TOOLS
    ) as response:
        assert response.parse().choices[0].message.content == QUESTION


def test_structured_parse_is_checked(server: ChatServer) -> None:
    client = agentguard.wrap(_client(server))
    strict = {**PARAMS, "additionalProperties": False}
    function = {"name": "book", "parameters": strict, "strict": True}
    tools = [{"type": "function", "function": function}]
    server.call(CALL)
    parsed = client.chat.completions.parse(model="m", messages=ASK, tools=tools)
    assert parsed.choices[0].message.content == QUESTION
    assert _report(parsed).decision.action == "ask_user"


def test_every_check_of_a_conversation_goes_through_one_session(server: ChatServer) -> None:
    client = agentguard.wrap(_client(server), on_flag="annotate")
    chat: list[dict[str, Any]] = list(ASK)
    fresh = Monitor()
    for turn in range(4):
        server.say(f"Noted, turn {turn}: Denver on May 3.")
        completion = client.chat.completions.create(model="m", messages=chat)
        expected = fresh.check(messages=chat, output=completion.choices[0].message)
        got = _report(completion).model_dump(exclude={"latency_ms"})
        assert got == expected.model_dump(exclude={"latency_ms"})
        chat += [{"role": "assistant", "content": completion.choices[0].message.content}]
        chat += [{"role": "user", "content": f"Thanks, question {turn}."}]
    guard = client._agentguard_guard
    session = guard.pool.session(chat)
    assert session._contexts.memo.builds == 1  # built once, extended at every turn


# -- the Responses API ---------------------------------------------------------------------


def test_a_response_with_a_guessed_call_is_replaced(server: ChatServer) -> None:
    client = agentguard.wrap(_client(server))
    server.call(CALL, content="Booking it now.")
    response = client.responses.create(model="m", input=ASK[0]["content"], tools=FLAT_TOOLS)
    assert response.output_text == QUESTION
    assert [item.type for item in response.output] == ["message"]
    assert [i.type for i in held_response(response).output] == ["message", "function_call"]


def test_previous_response_id_brings_the_earlier_turns_into_the_check(server: ChatServer) -> None:
    client = agentguard.wrap(_client(server))
    server.say("Which day?")
    first = client.responses.create(
        model="m", instructions="You book flights.", input=TOLD[0]["content"]
    )
    assert _report(first).decision.action == "allow"
    server.call(CALL)
    second = client.responses.create(
        model="m", input="Yes, book it.", previous_response_id=first.id, tools=FLAT_TOOLS
    )
    # The origin was stated in the first turn, which the server keeps and the monitor remembers.
    assert _report(second).decision.action == "allow"
    assert [item.type for item in second.output] == ["function_call"]


# -- streams -------------------------------------------------------------------------------


def _texts(chunks: list[Any]) -> str:
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


def test_text_streams_through_and_is_cut_after_a_flagged_sentence(server: ChatServer) -> None:
    client = agentguard.wrap(_client(server))
    server.say("Your flight to Denver is booked. It leaves from Boston at 9 am. Have a nice trip!")
    chunks = list(client.chat.completions.create(model="m", messages=ASK, stream=True))
    text = _texts(chunks)
    sent, notice = text.split("\n\n")
    # Text streams through whole chunks; nothing after the chunk that ended the flagged
    # sentence is read.
    assert sent == "Your flight to Denver is booked. It leaves from Boston at 9 am. Have a "
    assert "Boston" in notice
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert _report(chunks[-1]).decision.action == "retry"


def test_held_sentences_never_reach_the_caller(server: ChatServer) -> None:
    client = agentguard.wrap(_client(server), hold_sentences=True)
    server.say("Your flight to Denver is booked. It leaves from Boston at 9 am. Have a nice trip!")
    chunks = list(client.chat.completions.create(model="m", messages=ASK, stream=True))
    text = _texts(chunks)
    sent, notice = text.split("\n\n")
    assert sent == "Your flight to Denver is booked."  # the flagged sentence is never sent
    assert notice.startswith("agentguard held this answer back (retry)")
    assert chunks[-1].choices[0].finish_reason == "stop"


def test_a_streamed_tool_call_is_checked_before_it_reaches_the_caller(server: ChatServer) -> None:
    client = agentguard.wrap(_client(server))
    server.call(CALL)
    chunks = list(client.chat.completions.create(model="m", messages=ASK, tools=TOOLS, stream=True))
    assert not any(c.choices and c.choices[0].delta.tool_calls for c in chunks)
    assert _texts(chunks) == QUESTION
    server.call(CALL)
    stream = client.chat.completions.create(
        model="m", messages=TOLD, tools=TOOLS, stream=True, stream_options={"include_usage": True}
    )
    chunks = list(stream)
    calls = [c for c in chunks if c.choices and c.choices[0].delta.tool_calls]
    args = "".join(c.choices[0].delta.tool_calls[0].function.arguments or "" for c in calls)
    assert args == CALL[2]
    assert chunks[-1].usage is not None  # the usage chunk still comes last
    assert _report(stream).decision.action == "allow"


def test_a_stream_raises_at_the_flag_with_raise(server: ChatServer) -> None:
    client = agentguard.wrap(_client(server), on_flag="raise")
    server.call(CALL)
    stream = client.chat.completions.create(model="m", messages=ASK, tools=TOOLS, stream=True)
    with pytest.raises(AssumptionFlagged) as caught:
        list(stream)
    assert caught.value.question == QUESTION


def test_the_stream_helper_reads_the_checked_stream(server: ChatServer) -> None:
    client = agentguard.wrap(_client(server))
    server.call(CALL)
    with client.chat.completions.stream(model="m", messages=ASK, tools=TOOLS) as stream:
        for _ in stream:
            pass
        final = stream.get_final_completion()
    assert final.choices[0].message.content == QUESTION
    assert not final.choices[0].message.tool_calls


def test_a_streamed_response_with_a_guessed_call_ends_with_the_question(
    server: ChatServer,
) -> None:
    client = agentguard.wrap(_client(server))
    server.call(CALL, content="Booking it now.")
    events = list(
        client.responses.create(model="m", input=ASK[0]["content"], tools=FLAT_TOOLS, stream=True)
    )
    kinds = [e.type for e in events]
    assert not any(k.startswith("response.function_call") for k in kinds)
    deltas = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert deltas == "Booking it now.\n\n" + QUESTION
    assert kinds[-1] == "response.completed"
    # The message the caller saw begin ends with the question, in the events and the response.
    assert events[-1].response.output_text == "Booking it now.\n\n" + QUESTION
    assert _report(events[-1].response).decision.action == "ask_user"
    assert kinds.count("response.output_item.added") == kinds.count("response.output_item.done")
    server.call(CALL, content="Booking it now.")
    with client.responses.stream(model="m", input=ASK[0]["content"], tools=FLAT_TOOLS) as stream:
        for _ in stream:
            pass
        final = stream.get_final_response()
    assert final.output_text == "Booking it now.\n\n" + QUESTION


def test_a_grounded_streamed_response_passes_whole(server: ChatServer) -> None:
    client = agentguard.wrap(_client(server))
    server.call(CALL, content="Booking it now.")
    events = list(
        client.responses.create(model="m", input=TOLD[0]["content"], tools=FLAT_TOOLS, stream=True)
    )
    kinds = [e.type for e in events]
    assert "response.function_call_arguments.done" in kinds
    assert [e.sequence_number for e in events] == sorted(e.sequence_number for e in events)
    assert _report(events[-1]).decision.action == "allow"


# -- async ---------------------------------------------------------------------------------


def test_the_async_client_is_checked_plain_and_streamed(server: ChatServer) -> None:
    async def run() -> tuple[Any, list[Any], Any]:
        client = agentguard.wrap(_aclient(server))
        assert isinstance(client, openai.AsyncOpenAI)
        server.call(CALL)
        completion = await client.chat.completions.create(model="m", messages=ASK, tools=TOOLS)
        server.say("Your flight to Denver is booked. It leaves from Boston at 9 am. Bye now!")
        stream = await client.chat.completions.create(model="m", messages=ASK, stream=True)
        chunks = [c async for c in stream]
        server.call(CALL, content="On it.")
        response = await client.with_options(timeout=5).responses.create(
            model="m", input=ASK[0]["content"], tools=FLAT_TOOLS
        )
        return completion, chunks, response

    completion, chunks, response = asyncio.run(run())
    assert completion.choices[0].message.content == QUESTION
    assert "\n\n" in _texts(chunks) and chunks[-1].choices[0].finish_reason == "stop"
    assert response.output_text == QUESTION


# -- bad input and failing monitors --------------------------------------------------------


def test_an_unsupported_client_is_named_with_the_supported_ones() -> None:
    with pytest.raises(TypeError, match=r"cannot wrap builtins\.dict: it wraps openai\.OpenAI"):
        agentguard.wrap({})
    with pytest.raises(ValueError, match="on_flag"):
        agentguard.wrap(openai.OpenAI(api_key="sk-test"), on_flag="ignore")


class _Broken:
    name = "broken"

    def score(self, claims: Any, context: Any) -> list[Estimate]:
        raise RuntimeError("the judge is down")


def test_a_failing_monitor_never_loses_the_answer(server: ChatServer) -> None:
    strict = load_policy("strict")
    closed = Monitor(strict, estimator=_Broken())
    client = agentguard.wrap(_client(server), monitor=closed)
    server.call(CALL)
    completion = client.chat.completions.create(model="m", messages=TOLD, tools=TOOLS)
    report = _report(completion)
    assert report.decision.action == "block" and not report.checked
    assert held_response(completion).choices[0].message.tool_calls[0].function.arguments == CALL[2]
    # A request the monitor cannot read: the answer passes, marked unchecked.
    client = agentguard.wrap(_client(server))
    server.say("Hello!")
    weird = [{"role": "user", "content": "Hi", "name": {"not": "a string"}}]
    completion = client.chat.completions.create(model="m", messages=weird)
    assert completion.choices[0].message.content == "Hello!"
    assert _report(completion).checked is False


def test_wrap_writes_its_trace(server: ChatServer, tmp_path: Path) -> None:
    path = tmp_path / "trace.jsonl"
    client = agentguard.wrap(_client(server), trace=path)
    server.call(CALL)
    client.chat.completions.create(model="m", messages=ASK, tools=TOOLS)
    client._agentguard_guard.monitor.close()
    records = agentguard.read_trace(path)
    assert [r.decision.action for r in records.reports] == ["ask_user"]


def test_a_wrapped_client_wrapped_again_checks_with_the_new_settings(server: ChatServer) -> None:
    once = agentguard.wrap(_client(server), on_flag="annotate")
    twice = agentguard.wrap(once, on_flag="raise")
    server.call(CALL)
    with pytest.raises(AssumptionFlagged):
        twice.chat.completions.create(model="m", messages=ASK, tools=TOOLS)
    server.call(CALL)
    assert once.chat.completions.create(model="m", messages=ASK, tools=TOOLS).choices[0].message


def test_the_example_runs_offline(capsys: pytest.CaptureFixture[str]) -> None:
    example = (
        Path(__file__).resolve().parent.parent / "examples" / "integrations" / "openai_wrap.py"
    )
    runpy.run_path(str(example), run_name="__main__")
    lines = capsys.readouterr().out.splitlines()
    assert lines[:4] == [
        "decision: ask_user",
        "the agent asks: Could you tell me the city of departure?",
        "tool calls sent on: None",
        'told the origin: allow, book_flight {"origin": "Boston", "destination": "Denver", '
        '"date": "2024-05-03"}',
    ]
    assert lines[4:7] == [
        "asked again: use_context",
        "the model was told: Already known, no need to ask: origin is 'Boston' "
        '(user#2: "From Boston.").',
        'it goes on: book_flight {"origin": "Boston", "destination": "Denver", '
        '"date": "2024-05-03"}',
    ]
    assert lines[7].startswith("streamed: Your flight to Denver is booked. It leaves Boston")
    assert lines[8].startswith("held: Your flight to Denver is booked. | agentguard held")


# -- what a first user ran into ------------------------------------------------------------


def test_a_cut_stream_and_its_final_answers_carry_the_report(server: ChatServer) -> None:
    client = agentguard.wrap(_client(server))
    server.call(CALL)
    stream = client.chat.completions.create(model="m", messages=ASK, tools=TOOLS, stream=True)
    list(stream)
    assert _report(stream).decision.action == "ask_user"
    server.call(CALL, content="Booking it now.")
    events = client.responses.create(
        model="m", input=ASK[0]["content"], tools=FLAT_TOOLS, stream=True
    )
    last = list(events)[-1]
    assert _report(events).decision.action == _report(last.response).decision.action == "ask_user"
    server.call(CALL)
    with client.chat.completions.stream(model="m", messages=ASK, tools=TOOLS) as helper:
        assert _report(helper.get_final_completion()).decision.action == "ask_user"
    server.call(CALL, content="Booking it now.")
    with client.responses.stream(model="m", input=ASK[0]["content"], tools=FLAT_TOOLS) as helper:
        assert _report(helper.get_final_response()).decision.action == "ask_user"


def test_held_sentences_keep_a_good_sentence_before_a_guessed_call(server: ChatServer) -> None:
    client = agentguard.wrap(_client(server), hold_sentences=True)
    server.call(CALL, content="Booking it now.")
    chunks = list(client.chat.completions.create(model="m", messages=ASK, tools=TOOLS, stream=True))
    assert _texts(chunks) == "Booking it now.\n\n" + QUESTION
    server.call(CALL, content="Booking it now.")
    events = list(
        client.responses.create(model="m", input=ASK[0]["content"], tools=FLAT_TOOLS, stream=True)
    )
    kinds = [e.type for e in events]
    # Every message begun is ended, and the final response says what the events said.
    assert kinds.count("response.output_item.added") == kinds.count("response.output_item.done")
    deltas = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert deltas == events[-1].response.output_text == "Booking it now.\n\n" + QUESTION


def test_structured_parse_is_checked_when_warnings_are_errors(server: ChatServer) -> None:
    import warnings

    from pydantic import BaseModel

    class Booking(BaseModel):
        city: str

    client = agentguard.wrap(_client(server))
    server.say('{"city": "Boston"}')
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        parsed = client.chat.completions.parse(model="m", messages=ASK, response_format=Booking)
    report = _report(parsed)
    assert report.checked and report.estimator_error is None


def test_options_are_checked_and_a_litellm_mistake_gets_a_pointer() -> None:
    import litellm

    for wrong in (litellm, litellm.completion):
        with pytest.raises(TypeError, match="agentguard.integrations.litellm"):
            agentguard.wrap(wrong)
    client = openai.OpenAI(api_key="sk-test")
    with pytest.raises(TypeError, match="hold_sentences must be True or False"):
        agentguard.wrap(client, hold_sentences="yes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="pass policy and trace to your Monitor"):
        agentguard.wrap(client, monitor=Monitor(), policy="strict")


def test_an_unseen_previous_response_is_said_in_the_notes(server: ChatServer) -> None:
    client = agentguard.wrap(_client(server))
    server.say("Booked from Chicago.")
    response = client.responses.create(
        model="m", input="From Chicago.", previous_response_id="resp_x"
    )
    assert any("'resp_x' is not a response of this client" in n for n in _report(response).notes)


# -- use_context: a question or tool calls the agent does not need ---------------------------

FLY = [
    {
        "type": "function",
        "function": {
            "name": "book_flight",
            "parameters": {
                "type": "object",
                "properties": {
                    "origin": {"type": "string", "description": "The city you fly from."},
                    "destination": {"type": "string", "description": "The city you fly to."},
                },
                "required": ["origin", "destination"],
            },
        },
    }
]
FROM_BOSTON = [{"role": "user", "content": "I'm flying from Boston. Book me a flight to Denver."}]
LEAVING = "Which city will you be leaving from?"
FLY_CALL = ("c9", "book_flight", json.dumps({"origin": "Boston", "destination": "Denver"}))
CALC_PARAMS = {"type": "object", "properties": {"expression": {"type": "string"}}}
CALC_INFO = {"name": "calculator", "description": "Evaluate an arithmetic expression."}
CALC = [{"type": "function", "function": {**CALC_INFO, "parameters": CALC_PARAMS}}]
FLAT_CALC = [{"type": "function", **CALC_INFO, "parameters": CALC_PARAMS}]
TIMES = [{"role": "user", "content": "What is 17 times 23?"}]
CALC_CALL = ("c1", "calculator", json.dumps({"expression": "17 * 23"}))
ANSWER = "17 times 23 is 391."


def test_a_redundant_question_is_not_sent_and_the_agent_continues(server: ChatServer) -> None:
    client = agentguard.wrap(_client(server))
    server.say(LEAVING)
    server.call(FLY_CALL)
    completion = client.chat.completions.create(model="m", messages=FROM_BOSTON, tools=FLY)
    # The follow-up's answer comes back, checked; the question never reaches the caller.
    assert completion.choices[0].message.tool_calls[0].function.arguments == FLY_CALL[2]
    assert _report(completion).decision.action == "allow"
    first = held_response(completion)
    assert first.choices[0].message.content == LEAVING
    decision = _report(first).decision
    assert decision.action == "use_context" and decision.message
    assert "Boston" in decision.message
    assert f"continued after use_context: {decision.message}" in _report(completion).notes
    # One follow-up: the original messages, the question left out, the note as a system message.
    assert len(server.bodies) == 2
    assert server.bodies[1]["messages"] == [
        *FROM_BOSTON,
        {"role": "system", "content": decision.message},
    ]


def test_needless_tool_calls_are_answered_with_the_known_value(server: ChatServer) -> None:
    client = agentguard.wrap(_client(server))
    server.call(CALC_CALL)
    server.say(ANSWER)
    completion = client.chat.completions.create(model="m", messages=TIMES, tools=CALC)
    assert completion.choices[0].message.content == ANSWER
    assert _report(completion).decision.action == "allow"
    assert _report(held_response(completion)).decision.action == "use_context"
    (follow,) = server.bodies[1:]
    assert follow["messages"][:-2] == TIMES
    said, result = follow["messages"][-2:]
    assert [c["id"] for c in said["tool_calls"]] == ["c1"]
    assert said["role"] == "assistant"
    assert result == {"role": "tool", "tool_call_id": "c1", "content": "391"}


def test_the_agent_is_continued_once_only(server: ChatServer) -> None:
    client = agentguard.wrap(_client(server))
    server.call(CALC_CALL)
    server.call(("c2", *CALC_CALL[1:]))
    completion = client.chat.completions.create(model="m", messages=TIMES, tools=CALC)
    # The follow-up repeats the call: it is returned with its report, not continued again.
    assert completion.choices[0].message.tool_calls[0].id == "c2"
    assert _report(completion).decision.action == "use_context"
    assert len(server.bodies) == 2


def test_calls_that_must_run_are_not_continued(server: ChatServer) -> None:
    client = agentguard.wrap(_client(server))
    server.call(CALC_CALL, FLY_CALL)
    completion = client.chat.completions.create(
        model="m",
        messages=[{"role": "user", "content": FROM_BOSTON[0]["content"] + " And 17*23?"}],
        tools=[*CALC, *FLY],
    )
    assert [c.id for c in completion.choices[0].message.tool_calls] == ["c1", "c9"]
    assert _report(completion).decision.action == "use_context"
    assert held_response(completion) is None and len(server.bodies) == 1


def test_use_context_raises_with_raise_and_passes_with_annotate(server: ChatServer) -> None:
    raising = agentguard.wrap(_client(server), on_flag="raise")
    server.call(CALC_CALL)
    with pytest.raises(AssumptionFlagged) as caught:
        raising.chat.completions.create(model="m", messages=TIMES, tools=CALC)
    assert caught.value.question == "No need to call calculator: 17 * 23 = 391."
    annotating = agentguard.wrap(_client(server), on_flag="annotate")
    server.say(LEAVING)
    completion = annotating.chat.completions.create(model="m", messages=FROM_BOSTON, tools=FLY)
    assert completion.choices[0].message.content == LEAVING
    assert _report(completion).decision.action == "use_context"
    assert len(server.bodies) == 2  # one request each, no follow-up


def test_a_response_with_needless_calls_is_continued(server: ChatServer) -> None:
    client = agentguard.wrap(_client(server))
    server.call(CALC_CALL)
    server.say(ANSWER)
    response = client.responses.create(model="m", input=TIMES[0]["content"], tools=FLAT_CALC)
    assert response.output_text == ANSWER
    assert _report(response).decision.action == "allow"
    assert [i.type for i in held_response(response).output] == ["function_call"]
    items = server.bodies[1]["input"]
    assert items[0] == {"role": "user", "content": TIMES[0]["content"]}
    assert [i.get("type") for i in items[1:]] == ["function_call", "function_call_output"]
    assert items[-1] == {"type": "function_call_output", "call_id": "c1", "output": "391"}
    server.say(LEAVING)
    server.call(FLY_CALL)
    flat = [{"type": "function", **FLY[0]["function"]}]
    response = client.responses.create(model="m", input=FROM_BOSTON[0]["content"], tools=flat)
    assert [i.type for i in response.output] == ["function_call"]
    assert server.bodies[-1]["input"][-1]["role"] == "system"
    assert "Boston" in server.bodies[-1]["input"][-1]["content"]


def test_a_stream_of_needless_calls_continues_with_a_streamed_follow_up(
    server: ChatServer,
) -> None:
    client = agentguard.wrap(_client(server))
    server.call(CALC_CALL)
    server.say(ANSWER)
    stream = client.chat.completions.create(model="m", messages=TIMES, tools=CALC, stream=True)
    chunks = list(stream)
    assert not any(c.choices and c.choices[0].delta.tool_calls for c in chunks)
    assert _texts(chunks) == ANSWER
    assert _report(stream).decision.action == _report(chunks[-1]).decision.action == "allow"
    assert any(n.startswith("continued after use_context") for n in _report(stream).notes)
    follow = server.bodies[1]
    assert follow["stream"] is True
    assert follow["messages"][-1] == {"role": "tool", "tool_call_id": "c1", "content": "391"}
    # A question in streamed text has gone out as it came: it passes, with its report.
    server.say(LEAVING)
    chunks = list(
        client.chat.completions.create(model="m", messages=FROM_BOSTON, tools=FLY, stream=True)
    )
    assert _texts(chunks) == LEAVING
    assert _report(chunks[-1]).decision.action == "use_context"
    assert len(server.bodies) == 3


def test_the_async_client_continues_after_needless_calls(server: ChatServer) -> None:
    async def run() -> tuple[Any, list[Any]]:
        client = agentguard.wrap(_aclient(server))
        server.call(CALC_CALL)
        server.say(ANSWER)
        completion = await client.chat.completions.create(model="m", messages=TIMES, tools=CALC)
        server.call(CALC_CALL)
        server.say(ANSWER)
        stream = await client.chat.completions.create(
            model="m", messages=TIMES, tools=CALC, stream=True
        )
        return completion, [c async for c in stream]

    completion, chunks = asyncio.run(run())
    assert completion.choices[0].message.content == ANSWER
    assert _report(held_response(completion)).decision.action == "use_context"
    assert _texts(chunks) == ANSWER
    assert [b["messages"][-1]["content"] for b in server.bodies[1::2]] == ["391", "391"]


def test_the_stream_helper_reads_the_follow_up_and_raw_streams_are_not_continued(
    server: ChatServer,
) -> None:
    client = agentguard.wrap(_client(server))
    server.call(CALC_CALL)
    server.say(ANSWER)
    with client.chat.completions.stream(model="m", messages=TIMES, tools=CALC) as stream:
        for _ in stream:
            pass
        final = stream.get_final_completion()
    assert final.choices[0].message.content == ANSWER and not final.choices[0].message.tool_calls
    assert _report(final).decision.action == "allow"
    server.call(CALC_CALL)
    with client.chat.completions.with_streaming_response.create(
        model="m", messages=TIMES, tools=CALC, stream=True
    ) as raw:
        chunks = list(raw.parse())
    assert any(c.choices and c.choices[0].delta.tool_calls for c in chunks)
    assert _report(chunks[-1]).decision.action == "use_context"
    assert len(server.bodies) == 3
