"""The terminal report: flags of both directions and what a `use_context` decision says."""

from __future__ import annotations

from typing import Any

from agentguard import Monitor
from agentguard.render import render_report
from tests.conftest import load_example


def repeated_lookup_and_arithmetic() -> dict[str, Any]:
    """A lookup made again with the same (no) arguments, and arithmetic the monitor computes."""
    tools = [
        {"type": "function", "function": {
            "name": "get_customer", "description": "Look up the signed-in customer's profile.",
            "parameters": {"type": "object", "properties": {}}}},
        {"type": "function", "function": {
            "name": "calculator", "description": "Evaluate an arithmetic expression.",
            "parameters": {"type": "object", "properties": {"expression": {"type": "string"}}}}},
    ]  # fmt: skip
    lookup = {"name": "get_customer", "arguments": "{}"}
    return {
        "messages": [
            {"role": "user", "content": "What's my home city? And what is 17 times 23?"},
            {"role": "assistant", "content": None,
             "tool_calls": [{"id": "c0", "type": "function", "function": lookup}]},
            {"role": "tool", "tool_call_id": "c0",
             "content": '{"name": "Dana Lee", "home_city": "Denver"}'},
        ],
        "tools": tools,
        "output": {"role": "assistant", "content": None, "tool_calls": [
            {"id": "c1", "type": "function", "function": lookup},
            {"id": "c2", "type": "function", "function": {
                "name": "calculator", "arguments": '{"expression": "17 * 23"}'}},
        ]},
    }  # fmt: skip


def test_a_redundant_question_shows_what_the_agent_is_told_instead() -> None:
    report = Monitor().check(load_example("redundant_question"))
    text = render_report(report, "Sorry to hear that! What is your order number?")
    support = f"{report.claims[0].support:.2f}"
    assert f"c1  question  {support:>7}  supported    What is your order number?" in text
    assert "evidence: user#1  ! redundant_question" in text
    told = "decision: USE_CONTEXT\n  tell the agent: Already known, no need to ask: order_id is "
    assert told + "'ORD-40417' (user#1: " in text
    colored = render_report(report, "What is your order number?", color=True)
    assert "\x1b[36m  ! redundant_question\x1b[0m" in colored
    assert "decision: \x1b[1;36mUSE_CONTEXT\x1b[0m" in colored


def test_needless_tool_calls_are_listed_and_answered() -> None:
    report = Monitor().check(repeated_lookup_and_arithmetic())
    text = render_report(report, "")
    # The lookup has no argument claim: its flag gets a line of its own.
    assert (
        "  ! needless_tool_call: call 1: get_customer was called with the same arguments before "
        "(tool:get_customer#1)"
    ) in text
    calc = "calculator.expression = '17 * 23'\n      evidence: user#1  ! needless_tool_call"
    assert calc in text
    assert "  tell the agent: No need to call get_customer again: the same call returned " in text
    assert text.count("No need to call calculator: 17 * 23 = 391.") == 1
    colored = render_report(report, "", color=True)
    assert "\x1b[34m  ! needless_tool_call: call 1: get_customer" in colored


def test_other_decisions_say_nothing_to_the_agent() -> None:
    report = Monitor().check(load_example("flight_missing_origin"))
    text = render_report(report, "")
    assert "decision: ASK_USER" in text and "tell the agent" not in text
