"""Bounded work: caps on claims, argument paths and sentence length, and what a report says."""

from __future__ import annotations

import json

from agentguard import Monitor
from agentguard.claims import MAX_ARGUMENT_CLAIMS, MAX_SENTENCE_CHARS, MAX_TEXT_CLAIMS
from tests.conftest import call, user


def test_text_claims_stop_at_the_cap_with_a_note_and_no_silent_allow() -> None:
    text = "".join(f"Order {i} ships on May 3. " for i in range(MAX_TEXT_CLAIMS + 500))
    context = [user(text)]  # every claim is supported: only the cap stands in the way
    report = Monitor().check(messages=context, output=text)
    assert len(report.claims) == MAX_TEXT_CLAIMS
    assert any("only the first 1,000 text claims were checked" in n for n in report.notes)
    assert report.decision.action == "annotate"
    assert report.decision.reason.startswith("part of the output is unchecked")
    strict = Monitor("strict").check(messages=context, output=text)
    assert strict.decision.action == "block"


def test_an_output_under_the_cap_is_decided_as_before() -> None:
    text = "".join(f"Order {i} ships on May 3. " for i in range(50))
    report = Monitor().check(messages=[user(text)], output=text)
    assert len(report.claims) == 50 and report.decision.action == "allow"
    assert not any("were checked" in n for n in report.notes)


def test_argument_claims_stop_at_the_cap() -> None:
    args = {f"k{i}": f"v{i}" for i in range(MAX_ARGUMENT_CLAIMS + 10)}
    report = Monitor().check(messages=[user("a")], output={"tool_calls": [call("f", args)]})
    assert len(report.claims) == MAX_ARGUMENT_CLAIMS
    assert any("tool-call arguments were checked" in n for n in report.notes)


def test_an_overlong_argument_path_is_a_malformed_call() -> None:
    args = json.dumps({"k" * 600: {"j" * 600: 1}})
    report = Monitor().check(messages=[user("a")], output={"tool_calls": [call("f", args)]})
    assert [f.type for f in report.flags] == ["malformed_tool_call"]
    assert "argument path is longer than 1,000 characters" in report.flags[0].message


def test_a_sentence_without_an_end_is_read_in_pieces() -> None:
    text = "order 12 ships to Denver with Anna " * 1000  # 35,000 characters, no period
    report = Monitor().check(messages=[user(text)], output=text)
    spans = [c.span for c in report.claims if c.span is not None]
    assert len(spans) > 1 and all(b - a <= MAX_SENTENCE_CHARS for a, b in spans)


def test_schema_problems_are_named_up_to_ten() -> None:
    tool = {
        "type": "function",
        "function": {
            "name": "f",
            "parameters": {"properties": {"picks": {"items": {"enum": ["a", "b"]}}}},
        },
    }
    args = {"picks": [f"x{i}" for i in range(5000)]}
    report = Monitor().check(
        messages=[user("a")], tools=[tool], output={"tool_calls": [call("f", args)]}
    )
    message = report.flags[0].message
    assert message.count("is not one of") == 10 and len(message) < 1000
