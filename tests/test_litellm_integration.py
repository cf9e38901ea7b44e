from __future__ import annotations

import asyncio
import json
import runpy
import time
from pathlib import Path
from typing import Any

import litellm
import pytest
from litellm.integrations.custom_logger import CustomLogger

from agentguard import Monitor, MonitorSession
from agentguard.integrations._common import AssumptionFlagged, pool_of
from agentguard.integrations.litellm import (
    AgentguardGuardrail,
    AgentguardLogger,
    FlaggedCompletion,
    guarded_acompletion,
    guarded_completion,
    held_response,
    report_of,
)
from agentguard.policy import load_policy
from agentguard.types import Report
from tests.conftest import call, system, tool, user

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "integrations" / "litellm_mock.py"

MESSAGES = [
    system("You are a travel agent. Today is Wednesday, 1 May 2024."),
    user("Book me a flight to Denver on 2024-05-03."),
]
TOOLS = [
    tool(
        "book_flight",
        origin={"type": "string", "description": "City of departure"},
        destination={"type": "string", "description": "City of arrival"},
        date={"type": "string", "description": "Date, YYYY-MM-DD"},
    )
]
GUESSED_CALL: dict[str, Any] = {
    "id": "call_1",
    "type": "function",
    "function": {
        "name": "book_flight",
        "arguments": json.dumps(
            {"origin": "Boston", "destination": "Denver", "date": "2024-05-03"}
        ),
    },
}
# What the model would return when it guesses the origin nobody stated.
GUESSING: dict[str, Any] = {
    "model": "gpt-4o-mini",
    "messages": MESSAGES,
    "tools": TOOLS,
    "mock_response": "",
    "mock_tool_calls": [GUESSED_CALL],
}
GROUNDED: dict[str, Any] = {
    "model": "gpt-4o-mini",
    "messages": MESSAGES,
    "mock_response": "Which city will you fly from?",
}


_CALLBACK_LISTS = (
    "callbacks",
    "input_callback",
    "success_callback",
    "failure_callback",
    "_async_success_callback",
    "_async_failure_callback",
)


@pytest.fixture(autouse=True)
def _own_callbacks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fresh litellm callback lists per test: litellm copies `callbacks` into the others on the
    first call and skips a second logger of the same class, so one would leak into the next."""
    for name in _CALLBACK_LISTS:
        monkeypatch.setattr(litellm, name, [])


class BrokenSession(MonitorSession):
    """A conversation's session whose check itself fails."""

    def check(self, data: Any = None, /, **fields: Any) -> Report:
        raise RuntimeError("monitor crashed")


class BrokenMonitor(Monitor):
    """A monitor whose check itself fails (not its estimator, which the policy handles)."""

    def check(self, data: Any = None, /, **fields: Any) -> Report:
        raise RuntimeError("monitor crashed")

    def session(self) -> MonitorSession:
        return BrokenSession(self)


def _broken(fail_mode: str) -> Monitor:
    policy = load_policy("balanced").model_copy(update={"fail_mode": fail_mode})
    return BrokenMonitor(policy)


def _message(response: Any) -> Any:
    return response.choices[0].message


def test_replace_turns_a_guessed_tool_call_into_the_question() -> None:
    response = guarded_completion(**GUESSING)
    report = report_of(response)
    assert report is not None
    assert report.decision.action == "ask_user"
    assert report.decision.question
    assert _message(response).content == report.decision.question
    assert not _message(response).tool_calls
    assert response.choices[0].finish_reason == "stop"
    assert any(c.path == "origin" for c in report.flagged_claims)


def test_raise_keeps_the_response_on_the_exception() -> None:
    with pytest.raises(FlaggedCompletion) as info:
        guarded_completion(on_flag="raise", **GUESSING)
    assert isinstance(info.value, AssumptionFlagged)
    assert info.value.report.decision.action == "ask_user"
    assert info.value.question == info.value.report.decision.question
    kept = info.value.response
    assert report_of(kept) is info.value.report
    assert _message(kept).tool_calls[0].function.name == "book_flight"


def test_annotate_passes_the_answer_with_its_report() -> None:
    response = guarded_completion(on_flag="annotate", **GUESSING)
    report = report_of(response)
    assert report is not None and report.decision.action == "ask_user"
    assert (
        _message(response).tool_calls[0].function.arguments == GUESSED_CALL["function"]["arguments"]
    )


def test_an_answer_that_guesses_nothing_passes_unchanged() -> None:
    response = guarded_completion(on_flag="raise", **GROUNDED)
    report = report_of(response)
    assert report is not None and report.decision.action in ("allow", "annotate")
    assert _message(response).content == "Which city will you fly from?"


def test_async_completion_is_checked_too() -> None:
    response = asyncio.run(guarded_acompletion(policy="balanced", **GUESSING))
    report = report_of(response)
    assert report is not None and report.decision.action == "ask_user"
    assert _message(response).content == report.decision.question


def test_a_given_monitor_writes_its_trace(tmp_path: Path) -> None:
    with Monitor(trace=tmp_path / "trace.jsonl") as monitor:
        guarded_completion(monitor=monitor, **GUESSING)
    records = [json.loads(line) for line in (tmp_path / "trace.jsonl").read_text().splitlines()]
    assert any(r.get("report", {}).get("decision", {}).get("action") == "ask_user" for r in records)


@pytest.mark.parametrize(("fail_mode", "action"), [("open", "allow"), ("closed", "block")])
def test_a_failing_monitor_never_loses_the_response(fail_mode: str, action: str) -> None:
    response = guarded_completion(monitor=_broken(fail_mode), **GUESSING)
    report = report_of(response)
    assert report is not None
    assert report.checked is False
    assert report.decision.action == action
    assert "monitor crashed" in (report.estimator_error or "")
    assert _message(response).tool_calls[0].function.name == "book_flight"


def test_a_failing_closed_monitor_raises_with_the_response() -> None:
    with pytest.raises(FlaggedCompletion) as info:
        guarded_completion(monitor=_broken("closed"), on_flag="raise", **GUESSING)
    assert info.value.report.decision.action == "block"
    assert _message(info.value.response).tool_calls


def test_bad_arguments_fail_before_the_model_is_called() -> None:
    with pytest.raises(ValueError, match="on_flag"):
        guarded_completion(on_flag="drop", **GROUNDED)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="stream"):
        guarded_completion(stream=True, **GROUNDED)


def _report_for(seen: list[tuple[Report, Any]], response: Any) -> Report | None:
    """The logger's report on `response`; litellm logs from a worker thread, a moment later,
    and a report of an earlier test's call may still arrive."""
    call_id = response._hidden_params["litellm_call_id"]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for report, kwargs in list(seen):
            if kwargs.get("litellm_call_id") == call_id:
                return report
        time.sleep(0.02)
    return None


def test_logger_observes_sync_and_async_calls() -> None:
    seen: list[tuple[Report, Any]] = []
    logger = AgentguardLogger(on_report=lambda report, kwargs: seen.append((report, kwargs)))
    litellm.callbacks = [logger]
    response = litellm.completion(**GUESSING)
    report = _report_for(seen, response)
    assert report is not None and report.decision.action == "ask_user"
    # Observe only: the answer keeps its tool call and carries no report.
    assert _message(response).tool_calls
    assert report_of(response) is None

    async def call() -> tuple[Any, Report | None]:
        response = await litellm.acompletion(**GUESSING)
        # The async hook runs as a task on this loop: wait here, before the loop closes.
        call_id = response._hidden_params["litellm_call_id"]
        for _ in range(500):
            for report, kwargs in list(seen):
                if kwargs.get("litellm_call_id") == call_id:
                    return response, report
            await asyncio.sleep(0.02)
        return response, None

    response, report = asyncio.run(call())
    assert report is not None and report.decision.action == "ask_user"
    assert _message(response).tool_calls
    assert all(kwargs.get("model") == "gpt-4o-mini" for _, kwargs in seen)


def test_logger_survives_a_failing_monitor() -> None:
    seen: list[Report] = []
    logger = AgentguardLogger(_broken("open"), on_report=lambda r, kw: seen.append(r))
    response = litellm.completion(**GUESSING)
    logger.log_success_event(dict(GUESSING), response, None, None)
    assert seen[0].checked is False and seen[0].decision.action == "allow"
    assert _message(response).tool_calls


def _proxy_request(**extra: Any) -> dict[str, Any]:
    return {"model": "gpt-4o-mini", "messages": MESSAGES, "tools": TOOLS, **extra}


def test_guardrail_replaces_a_guess_with_the_question() -> None:
    guardrail = AgentguardGuardrail(guardrail_name="agentguard", default_on=True)
    response = litellm.completion(**GUESSING)
    assert isinstance(response, litellm.ModelResponse)
    out = asyncio.run(
        guardrail.async_post_call_success_hook(
            data=_proxy_request(), user_api_key_dict=None, response=response
        )
    )
    report = report_of(out)
    assert report is not None and report.decision.action == "ask_user"
    assert _message(out).content == report.decision.question
    assert not _message(out).tool_calls


def test_guardrail_built_as_the_proxy_builds_it_traces(tmp_path: Path) -> None:
    # The proxy passes guardrail_name, event_hook (`mode`), default_on and the extra
    # litellm_params of config.yaml as keywords.
    trace = tmp_path / "proxy.jsonl"
    guardrail = AgentguardGuardrail(
        guardrail_name="agentguard",
        event_hook="post_call",
        default_on=True,
        policy="strict",
        trace=str(trace),
    )
    response = litellm.completion(**GUESSING)
    asyncio.run(
        guardrail.async_post_call_success_hook(
            data=_proxy_request(), user_api_key_dict=None, response=response
        )
    )
    guardrail.monitor.close()
    assert guardrail.monitor.policy.name == "strict"
    assert report_of(response) is not None
    assert "ask_user" in trace.read_text()


def test_guardrail_passes_a_grounded_answer() -> None:
    guardrail = AgentguardGuardrail(guardrail_name="agentguard", default_on=True)
    response = litellm.completion(**GROUNDED)
    out = asyncio.run(
        guardrail.async_post_call_success_hook(
            data=_proxy_request(), user_api_key_dict=None, response=response
        )
    )
    assert _message(out).content == "Which city will you fly from?"


def test_guardrail_blocks_when_a_closed_monitor_fails() -> None:
    guardrail = AgentguardGuardrail(_broken("closed"), guardrail_name="agentguard", default_on=True)
    response = litellm.completion(**GUESSING)
    out = asyncio.run(
        guardrail.async_post_call_success_hook(
            data=_proxy_request(), user_api_key_dict=None, response=response
        )
    )
    assert "withheld" in _message(out).content
    assert not _message(out).tool_calls


def test_guardrail_not_switched_on_leaves_the_answer() -> None:
    guardrail = AgentguardGuardrail(guardrail_name="agentguard", default_on=False)
    response = litellm.completion(**GUESSING)
    out = asyncio.run(
        guardrail.async_post_call_success_hook(
            data=_proxy_request(), user_api_key_dict=None, response=response
        )
    )
    assert _message(out).tool_calls
    assert report_of(out) is None


def test_the_litellm_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    runpy.run_path(str(EXAMPLE), run_name="__main__")
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "guarded_completion: ask_user"
    assert out[1].startswith("  the caller gets: ")
    assert out[1].endswith("?")
    assert out[2:] == [
        "  tool calls held back: True",
        "logger saw: ask_user",
        "guardrail: ask_user",
    ]


def _flight(call_id: str, origin: str, destination: str, date: str) -> dict[str, Any]:
    return call(
        "book_flight", {"origin": origin, "destination": destination, "date": date}, call_id
    )


# A conversation of several turns: the user's message, what the model answers, and what the
# conversation keeps of the turn afterwards.
TURNS: list[tuple[str, dict[str, Any], list[dict[str, Any]]]] = [
    (
        "Book me a flight to Denver on 2024-05-03.",
        {"mock_response": "Which city will you fly from?"},
        [{"role": "assistant", "content": "Which city will you fly from?"}],
    ),
    (
        "From Chicago.",
        {
            "mock_response": "",
            "mock_tool_calls": [_flight("c1", "Chicago", "Denver", "2024-05-03")],
        },
        [
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [_flight("c1", "Chicago", "Denver", "2024-05-03")],
            },
            {"role": "tool", "tool_call_id": "c1", "content": '{"booking": "CH-DEN-123"}'},
            {"role": "assistant", "content": "Booked: CH-DEN-123."},
        ],
    ),
    (
        "Now book the return flight on 2024-05-07.",
        {"mock_response": "", "mock_tool_calls": [_flight("c2", "Denver", "Boston", "2024-05-07")]},
        [{"role": "assistant", "content": "Where should the return flight go?"}],
    ),
    (
        "From Denver back to Chicago.",
        {
            "mock_response": "",
            "mock_tool_calls": [_flight("c3", "Denver", "Chicago", "2024-05-07")],
        },
        [],
    ),
]


def _same(a: Report, b: Report) -> None:
    left, right = a.model_dump(mode="json"), b.model_dump(mode="json")
    left.pop("latency_ms")
    right.pop("latency_ms")
    assert left == right


@pytest.mark.parametrize("wrapper", ["completion", "logger", "guardrail"])
def test_a_conversation_is_checked_through_one_session(wrapper: str) -> None:
    monitor, fresh = Monitor(), Monitor()
    seen: list[Report] = []
    logger = AgentguardLogger(monitor, on_report=lambda report, kwargs: seen.append(report))
    guardrail = AgentguardGuardrail(monitor, guardrail_name="agentguard", default_on=True)
    messages: list[dict[str, Any]] = [MESSAGES[0]]
    actions = []
    for text, answer, kept in TURNS:
        messages.append(user(text))
        kwargs = {"model": "gpt-4o-mini", "messages": list(messages), "tools": TOOLS, **answer}
        if wrapper == "completion":
            response = guarded_completion(monitor=monitor, on_flag="annotate", **kwargs)
            report = report_of(response)
            expected = fresh.check(messages=messages, tools=TOOLS, output=_message(response))
        else:
            response = litellm.completion(**kwargs)
            # Before the guardrail can replace the answer with its question.
            expected = fresh.check(messages=messages, tools=TOOLS, output=_message(response))
            if wrapper == "logger":
                logger.log_success_event(kwargs, response, None, None)
                report = seen[-1]
            else:
                report = guardrail.apply(kwargs, response)
        assert report is not None
        _same(report, expected)
        actions.append(report.decision.action)
        messages += kept
    assert actions == ["allow", "allow", "ask_user", "allow"]
    session = pool_of(monitor).session(messages)
    assert pool_of(monitor).size == 256 and len(pool_of(monitor)._sessions) == 1
    # Every turn extended the index the first turn built: none read the conversation again.
    assert session._contexts.memo.builds == 1  # type: ignore[attr-defined]


# -- use_context: a question or tool calls the agent does not need ---------------------------

CALCULATOR = [
    {
        "type": "function",
        "function": {
            "name": "calculator",
            "description": "Evaluate an arithmetic expression.",
            "parameters": {"type": "object", "properties": {"expression": {"type": "string"}}},
        },
    }
]
TIMES = [user("What is 17 times 23?")]
CALC_CALL: dict[str, Any] = {
    "id": "c1",
    "type": "function",
    "function": {"name": "calculator", "arguments": json.dumps({"expression": "17 * 23"})},
}
NEEDLESS: dict[str, Any] = {
    "model": "gpt-4o-mini",
    "messages": TIMES,
    "tools": CALCULATOR,
    "mock_response": "",
    "mock_tool_calls": [CALC_CALL],
}
FLY = [
    tool(
        "book_flight",
        origin={"type": "string", "description": "The city you fly from."},
        destination={"type": "string", "description": "The city you fly to."},
    )
]
FROM_BOSTON = [user("I'm flying from Boston. Book me a flight to Denver.")]
REDUNDANT: dict[str, Any] = {
    "model": "gpt-4o-mini",
    "messages": FROM_BOSTON,
    "tools": FLY,
    "mock_response": "Which city will you be leaving from?",
}


class SentMessages(CustomLogger):
    """Keeps the messages of every call litellm is about to make (logged before the call)."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[list[dict[str, Any]]] = []

    def log_pre_api_call(self, model: Any, messages: Any, kwargs: Any) -> None:
        self.sent.append(messages)


@pytest.fixture
def sent() -> SentMessages:
    logger = SentMessages()
    litellm.callbacks = [logger]
    return logger


def test_needless_tool_calls_are_answered_in_one_follow_up_call(sent: SentMessages) -> None:
    response = guarded_completion(**NEEDLESS)
    first = held_response(response)
    assert first is not None and first is not response
    first_report, report = report_of(first), report_of(response)
    assert first_report is not None and first_report.decision.action == "use_context"
    assert report is not None
    assert f"continued after use_context: {first_report.decision.message}" in report.notes
    # The follow-up: the conversation, the assistant's call, the call answered with 391.
    assert len(sent.sent) == 2
    said, result = sent.sent[1][-2:]
    assert sent.sent[1][:-2] == TIMES
    assert said["tool_calls"][0]["id"] == "c1"
    assert result == {"role": "tool", "tool_call_id": "c1", "content": "391"}
    # The mocked model calls again: that answer is returned with its report, never continued.
    assert report.decision.action == "use_context"
    assert _message(response).tool_calls[0].id == "c1"


def test_a_redundant_question_is_continued_with_a_system_note(sent: SentMessages) -> None:
    response = asyncio.run(guarded_acompletion(**REDUNDANT))
    first = held_response(response)
    first_report = report_of(first)
    assert first_report is not None and first_report.decision.action == "use_context"
    message = first_report.decision.message
    assert message and "Boston" in message
    assert sent.sent[1] == [*FROM_BOSTON, {"role": "system", "content": message}]
    assert response is not first and len(sent.sent) == 2


def test_use_context_raises_with_raise_and_passes_with_annotate(sent: SentMessages) -> None:
    with pytest.raises(FlaggedCompletion) as info:
        guarded_completion(on_flag="raise", **NEEDLESS)
    assert info.value.question == "No need to call calculator: 17 * 23 = 391."
    response = guarded_completion(on_flag="annotate", **NEEDLESS)
    assert _message(response).tool_calls and held_response(response) is None
    assert len(sent.sent) == 2  # one call each


def test_guardrail_answers_a_needless_call_with_the_known_value() -> None:
    guardrail = AgentguardGuardrail(guardrail_name="agentguard", default_on=True)
    response = litellm.completion(**NEEDLESS)
    data = {"model": "gpt-4o-mini", "messages": TIMES, "tools": CALCULATOR}
    out = asyncio.run(
        guardrail.async_post_call_success_hook(data=data, user_api_key_dict=None, response=response)
    )
    report = report_of(out)
    assert report is not None and report.decision.action == "use_context"
    assert _message(out).content == "No need to call calculator: 17 * 23 = 391."
    assert not _message(out).tool_calls
