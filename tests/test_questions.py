"""Questions the agent does not need: answered by the context, or by a schema default."""

from __future__ import annotations

import json
from typing import Any

from agentguard import Monitor, load_policy
from agentguard.types import Report
from tests.conftest import call, tool, user

BOOK = tool(
    "book_flight",
    origin={"type": "string", "description": "The city you fly from."},
    destination={"type": "string", "description": "The city you fly to."},
    date={"type": "string", "description": "Departure date, YYYY-MM-DD."},
    cabin={
        "type": "string",
        "enum": ["economy", "business"],
        "default": "economy",
        "description": "Cabin class.",
    },
)
REFUND = tool("issue_refund", order_id={"type": "string", "description": "The order number."})


def _ask(
    messages: list[dict[str, Any]],
    question: str,
    tools: list[dict[str, Any]] | None = None,
    policy: str | Any = "balanced",
) -> Report:
    data = {
        "messages": messages,
        "tools": tools if tools is not None else [BOOK],
        "output": {"role": "assistant", "content": question},
    }
    return Monitor(policy=policy).check(data)


def _user(text: str) -> list[dict[str, Any]]:
    return [user(text)]


def test_a_question_the_user_answered_is_not_sent_and_the_agent_gets_the_value() -> None:
    report = _ask(
        _user("I'm flying from Boston. Book me a flight to Denver on 2026-12-20."),
        "Which city will you be leaving from?",
    )
    (claim,) = report.claims
    assert (claim.kind, claim.tool, claim.path, claim.value) == (
        "question",
        "book_flight",
        "origin",
        "Boston",
    )
    assert claim.answered_by == "stated" and claim.label == "supported"
    assert [f.type for f in report.flags] == ["redundant_question"]
    decision = report.decision
    assert decision.action == "use_context"
    (known,) = decision.known
    assert (known.origin, known.path, known.value) == ("stated", "origin", "Boston")
    assert known.evidence[0].source == "user#1"
    assert decision.message is not None
    assert (
        "origin is 'Boston'" in decision.message and "I'm flying from Boston." in decision.message
    )


def test_paraphrases_map_to_the_parameter_they_ask_for() -> None:
    told = _user("I'm leaving from Boston on 2026-12-20 and going to Denver.")
    for question, path, value in (
        ("What is your departure city?", "origin", "Boston"),
        ("Where are you heading to?", "destination", "Denver"),
        ("When do you want to fly?", "date", "2026-12-20"),
    ):
        report = _ask(told, question)
        claim = report.claims[0]
        assert (claim.path, claim.value, claim.label) == (path, value, "supported"), question


def test_an_inference_is_less_sure_than_a_statement() -> None:
    stated = _ask(
        _user("I'm leaving from Boston on 2026-12-20 and going to Denver."),
        "What is your departure city?",
    )
    inferred = _ask(
        _user("I live in Boston. Book me a flight to Denver on 2026-12-20."),
        "What is your departure city?",
    )
    assert inferred.claims[0].value == stated.claims[0].value == "Boston"
    assert inferred.claims[0].support < stated.claims[0].support
    assert stated.decision.action == "use_context"


def test_an_answer_in_a_tool_result_counts() -> None:
    messages = [
        *_user("My blender arrived broken, please refund it."),
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "c0",
                    "type": "function",
                    "function": {"name": "find_orders", "arguments": "{}"},
                }
            ],
        },
        {
            "role": "tool",
            "tool_call_id": "c0",
            "content": json.dumps([{"order_id": "HD-40213", "item": "blender"}]),
        },
    ]
    report = _ask(messages, "Could you give me the order number?", tools=[REFUND])
    claim = report.claims[0]
    assert (claim.path, claim.value, claim.answered_by) == ("order_id", "HD-40213", "stated")
    assert claim.evidence[0].source == "tool:find_orders#1"
    assert report.decision.action == "use_context"


def test_two_values_for_the_slot_leave_the_question_to_the_user() -> None:
    report = _ask(
        _user("Book me a flight from Boston to Denver on 2026-12-20. Actually, fly from Chicago."),
        "Which city will you be leaving from?",
    )
    assert report.flags == () and report.decision.action == "allow"
    assert report.claims[0].label == "unsupported"
    sources = {e.text for e in report.claims[0].evidence}
    assert len(sources) == 2  # both statements are shown


def test_a_question_for_a_value_nobody_gave_is_needed() -> None:
    report = _ask(_user("Book me a flight to Denver on 2026-12-20."), "Where are you flying from?")
    assert report.flags == () and report.decision.action == "allow"
    assert report.claims[0].label == "unsupported" and report.claims[0].value is None


def test_an_optional_parameter_with_a_default_is_a_needless_question() -> None:
    report = _ask(
        _user("Book me a flight from Boston to Denver on 2026-12-20."),
        "Which cabin class would you like?",
    )
    claim = report.claims[0]
    assert (claim.path, claim.value, claim.answered_by) == ("cabin", "economy", "default")
    assert [f.type for f in report.flags] == ["needless_question"]
    assert report.decision.action == "use_context"
    assert report.decision.known[0].origin == "default"
    assert "defaults to 'economy'" in (report.decision.message or "")


def test_must_ground_makes_the_default_not_enough() -> None:
    base = load_policy("balanced").model_dump()
    base["tools"] = {"book_flight": {"params": {"cabin": {"must_ground": True}}}}
    policy = load_policy("balanced").model_validate(base)
    report = _ask(
        _user("Book me a flight from Boston to Denver on 2026-12-20."),
        "Which cabin class would you like?",
        policy=policy,
    )
    assert report.flags == () and report.claims[0].answered_by is None


def test_the_policy_decides_what_a_recognised_question_gets() -> None:
    told = _user("I'm flying from Boston. Book me a flight to Denver on 2026-12-20.")
    question = "Which city will you be leaving from?"
    assert _ask(told, question, policy="permissive").decision.action == "allow"
    base = load_policy("balanced").model_dump()
    for setting, action in (("annotate", "annotate"), ("retry", "retry")):
        policy = load_policy("balanced").model_validate({**base, "redundant_question": setting})
        report = _ask(told, question, policy=policy)
        assert [f.type for f in report.flags] == ["redundant_question"]
        assert report.decision.action == action and report.decision.known == ()


def test_an_email_asked_for_without_a_parameter_is_found_by_its_kind() -> None:
    crm = {"type": "function", "function": {"name": "get_customer", "parameters": {}}}
    report = _ask(
        _user("Hi, I'm kito55@mailbox.org. I forgot my password."),
        "Which email address is on your account?",
        tools=[crm],
    )
    assert [f.type for f in report.flags] == ["redundant_question"]
    two = _ask(
        _user("I'm kito55@mailbox.org, or maybe kito@example.com. I forgot my password."),
        "Which email address is on your account?",
        tools=[crm],
    )
    assert two.flags == ()


def test_a_huge_context_is_read_only_near_its_end() -> None:
    filler = "The weather was fine and nothing else happened. " * 20_000
    messages = [
        *_user(filler),
        *_user("I'm flying from Boston. Book me a flight to Denver on 2026-12-20."),
    ]
    report = _ask(messages, "Which city will you be leaving from?")
    assert report.decision.action == "use_context"
    assert report.decision.known[0].value == "Boston"


def test_a_long_quoted_answer_is_read_as_the_value_it_is() -> None:
    say = {
        "type": "function",
        "function": {
            "name": "send_message",
            "parameters": {
                "type": "object",
                "properties": {"text": {"type": "string", "description": "The text to send."}},
                "required": ["text"],
            },
        },
    }
    report = _ask(
        _user("Send the text 'we will meet at the old harbour by the red boat at noon today'."),
        "Which text would you like to send?",
        tools=[say],
    )
    assert report.checked and report.estimator_error is None
    assert report.claims[0].kind == "question"


def test_a_correction_in_a_later_message_leaves_the_question_to_the_user() -> None:
    messages = [
        *_user("I want to go to Osaka on 2026-12-20. I'm flying from Stockholm."),
        {"role": "assistant", "content": "Sure, let me set that up."},
        *_user("Sorry, I meant Dublin."),
    ]
    report = _ask(messages, "Where does your trip start?")
    assert report.flags == () and report.decision.action == "allow"
    assert {e.text for e in report.claims[0].evidence} == {
        "I'm flying from Stockholm.",
        "Sorry, I meant Dublin.",
    }


def test_a_needed_question_beside_a_redundant_one_still_goes_out() -> None:
    report = _ask(
        _user("I'm flying from Boston to Denver."),
        "Which city will you be leaving from? And what date would you like to fly?",
    )
    assert "redundant_question" in {f.type for f in report.flags}
    assert report.decision.action == "annotate" and report.decision.known == ()
    assert "its other questions are needed" in report.decision.reason


def test_a_question_nobody_answered_says_so_in_the_reason() -> None:
    report = _ask(_user("Book me a flight to Denver on 2026-12-20."), "Where are you flying from?")
    assert report.decision.reason == "the 1 question(s) ask for what the context does not hold"


FORECAST = tool("get_forecast", city={"type": "string", "description": "The city"})


def _forecast(messages: list[dict[str, Any]], city: str) -> Report:
    output = {
        "role": "assistant",
        "content": None,
        "tool_calls": [call("get_forecast", {"city": city})],
    }
    return Monitor().check({"messages": messages, "tools": [FORECAST], "output": output})


def test_a_value_the_user_took_back_no_longer_supports_the_call() -> None:
    corrected = [
        *_user("Give me the forecast for Boston."),
        {"role": "assistant", "content": "Sure."},
        *_user("Actually, make it Chicago."),
    ]
    stale = _forecast(corrected, "Boston")
    (claim,) = stale.claims
    assert claim.label == "contradicted" and stale.decision.action == "retry"
    assert any(e.note == "a later correction gives another value" for e in claim.evidence)
    assert _forecast(corrected, "Chicago").claims[0].label == "supported"
    denied = _forecast(
        [
            *_user("What's the weather going to be in Boston?"),
            *_user("Sorry, I meant Chicago, not Boston."),
        ],  # fmt: skip
        "Boston",
    )
    assert denied.claims[0].label == "contradicted"
    assert _forecast(_user("Give me the forecast for Boston."), "Boston").decision.action == "allow"
