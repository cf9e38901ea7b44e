"""Tool calls whose result the agent already has: the same call before, exact arithmetic."""

from __future__ import annotations

import json
from typing import Any

import pytest

from agentguard import Monitor, load_policy
from agentguard.needless_calls import evaluate
from agentguard.types import Report
from tests.conftest import call, tool

WEATHER = tool("get_weather", city={"type": "string"})
CALC = tool("calculator", expression={"type": "string"})
MULTIPLY = tool("multiply", a={"type": "integer"}, b={"type": "integer"})


def _call(name: str, args: dict[str, Any], call_id: str) -> dict[str, Any]:
    return {"role": "assistant", "content": None, "tool_calls": [call(name, args, call_id)]}


def _check(
    messages: list[dict[str, Any]],
    output: dict[str, Any],
    tools: list[dict[str, Any]],
    policy: Any = "balanced",
) -> Report:
    return Monitor(policy=policy).check({"messages": messages, "tools": tools, "output": output})


WEATHER_SEEN = [
    {"role": "user", "content": "What's the weather in Paris?"},
    _call("get_weather", {"city": "Paris"}, "c0"),
    {"role": "tool", "tool_call_id": "c0", "content": '{"city": "Paris", "sky": "sunny"}'},
    {"role": "user", "content": "And is it sunny there?"},
]


def test_the_same_call_made_before_is_needless_and_its_result_is_used() -> None:
    report = _check(WEATHER_SEEN, _call("get_weather", {"city": "Paris"}, "c1"), [WEATHER])
    assert [f.type for f in report.flags] == ["needless_tool_call"]
    assert report.flags[0].claim_id == report.claims[0].id
    decision = report.decision
    assert decision.action == "use_context"
    (known,) = decision.known
    assert (known.origin, known.tool, known.call_id) == ("earlier_call", "get_weather", "c1")
    assert known.value == '{"city": "Paris", "sky": "sunny"}'
    assert known.evidence[0].source == "tool:get_weather#1"
    assert decision.message is not None and "get_weather again" in decision.message


def test_a_call_that_failed_before_is_worth_making_again() -> None:
    failed = [
        *WEATHER_SEEN[:2],
        {"role": "tool", "tool_call_id": "c0", "content": '{"error": "timed out, retry"}'},
        WEATHER_SEEN[3],
    ]
    report = _check(failed, _call("get_weather", {"city": "Paris"}, "c1"), [WEATHER])
    assert "needless_tool_call" not in {f.type for f in report.flags}


def test_other_arguments_are_a_new_call() -> None:
    report = _check(WEATHER_SEEN, _call("get_weather", {"city": "Lyon"}, "c1"), [WEATHER])
    assert "needless_tool_call" not in {f.type for f in report.flags}


def test_a_calculator_on_arithmetic_the_monitor_does_exactly_is_needless() -> None:
    messages = [{"role": "user", "content": "What is 17 times 23?"}]
    report = _check(messages, _call("calculator", {"expression": "17 * 23"}, "c1"), [CALC])
    assert [f.type for f in report.flags] == ["needless_tool_call"]
    (known,) = report.decision.known
    assert (known.origin, known.value) == ("computed", 391)
    assert report.decision.message == "No need to call calculator: 17 * 23 = 391."
    operands = _check(messages, _call("multiply", {"a": 17, "b": 23}, "c1"), [MULTIPLY])
    assert operands.decision.known[0].value == 391


def test_a_policy_can_let_needless_calls_through() -> None:
    base = load_policy("balanced").model_dump()
    policy = load_policy("balanced").model_validate({**base, "needless_tool_call": "allow"})
    messages = [{"role": "user", "content": "What is 17 times 23?"}]
    report = _check(messages, _call("calculator", {"expression": "17 * 23"}, "c1"), [CALC], policy)
    assert [f.type for f in report.flags] == ["needless_tool_call"]
    assert report.decision.action == "allow" and report.decision.known == ()


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ("17 * 23", 391),
        ("(2 + 3) * 4", 20),
        ("7 x 8", 56),
        ("10 / 4", 2.5),
        ("2 ** 10", 1024),
        ("1 / 0", None),
        ("9 ** 9 ** 9", None),  # bounded, not computed
        ("__import__('os').system('true')", None),
        ("2024-05-03", None),
        ("42", None),  # no arithmetic to do
        ("1 +" * 200 + "1", None),  # longer than MAX_EXPRESSION
    ],
)
def test_evaluate_reads_only_bounded_arithmetic(expression: str, value: float | None) -> None:
    assert evaluate(expression) == value


def test_a_string_argument_of_another_tool_is_never_arithmetic() -> None:
    book = {
        "type": "function",
        "function": {
            "name": "book",
            "parameters": {"type": "object", "properties": {"date": {"type": "string"}}},
        },
    }
    messages = [{"role": "user", "content": "Book it for 2024-5-3."}]
    report = _check(messages, _call("book", {"date": "2024-5-3"}, "c1"), [book])
    assert "needless_tool_call" not in {f.type for f in report.flags}


def test_a_long_earlier_result_is_the_value_and_only_its_start_the_evidence() -> None:
    big = json.dumps({"city": "Paris", "hourly": ["sunny"] * 5000})
    seen = [
        {"role": "user", "content": "What's the weather in Paris?"},
        _call("get_weather", {"city": "Paris"}, "c0"),
        {"role": "tool", "tool_call_id": "c0", "content": big},
    ]
    report = _check(seen, _call("get_weather", {"city": "Paris"}, "c1"), [WEATHER])
    (known,) = report.decision.known
    assert known.value == big
    assert len(known.evidence[0].text) == 500 and big.startswith(known.evidence[0].text)
