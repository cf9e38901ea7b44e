"""How values meet the ways people write them: percentages, scale words, signs, lists, dashed
dates, currency names, defaults told in a description, booleans by name; and questions whose
kind of value the context already holds."""

from typing import Any

import pytest

from agentguard import Monitor, build_context, parse_check_input
from agentguard.context import described_default
from agentguard.text.values import extract_values, num_key

MONITOR = Monitor()


def _support(user: str, args: dict[str, Any], schema: dict[str, Any] | None = None) -> dict:
    props = schema or {name: {"type": "string"} for name in args}
    data = {
        "messages": [{"role": "user", "content": user}],
        "tools": [
            {
                "type": "function",
                "function": {
                    "name": "act",
                    "parameters": {"type": "object", "properties": props},
                },
            }
        ],
        "output": {
            "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "act", "arguments": args}}
            ]
        },
    }
    report = MONITOR.check(data)
    return {c.path: c.label for c in report.claims if c.kind == "argument"}


@pytest.mark.parametrize(
    ("user", "value"),
    [
        ("The annual rate of return is 8%.", 0.08),
        ("It grows 7.5 percent a year.", 0.075),
        ("The payout was 50 million USD.", 50_000_000),
        ("A company with 2.5 billion in revenue.", 2_500_000_000),
        ("Point at (40.7128, -74.0060) please.", -74.006),
        ("Solve with b=-3 and c=2.", -3),
        ("Cash flows: [-50000, 10000, 15000].", -50000),
        ("Use the values [200,300,400,500].", 300),
        ("Coordinates 46.603354,1.8883340 are the centre.", 1.888334),
        ("It is 298K inside.", 298),
        ("The charges are 1e-9 and 2e-9.", 1e-9),
    ],
)
def test_numbers_written_other_ways_support_the_argument(user: str, value: float) -> None:
    assert _support(user, {"x": value}, {"x": {"type": "number"}}) == {"x": "supported"}


@pytest.mark.parametrize(
    ("user", "value"),
    [
        ("The annual rate of return is 8%.", 0.8),
        ("It costs 1,200 dollars.", 200),
        ("Solve with b=3.", -3),
        ("Pages 3-5 are missing.", -5),
        ("The payout was 50 million USD.", 50),
        ("The charges are 1e-9 and 2e-9.", 0),
    ],
)
def test_other_numbers_do_not(user: str, value: float) -> None:
    assert _support(user, {"x": value}, {"x": {"type": "number"}}) != {"x": "supported"}


def test_small_numbers_keep_their_value() -> None:
    assert num_key(1e-9) == "num:1e-09"
    assert num_key(1e-9) != num_key(2e-9)
    assert num_key(2.01 * 1000) == "num:2010"


def test_scale_words_and_percent_words_in_text() -> None:
    (million,) = extract_values("It cost 50 million.")
    (percent,) = extract_values("The rate is 8 percent.")
    (sign,) = extract_values("The rate is 7%.")
    assert million.keys == ("num:50000000",)
    assert percent.keys == ("num:8", "num:0.08")
    assert sign.keys == ("num:7", "num:0.07")


def test_dates_with_dashes_read_month_first() -> None:
    (date,) = extract_values("Check in on 07-10-2022.")
    assert date.keys[0] == "date:2022-07-10"
    assert _support("Book it from July 10, 2022.", {"from_date": "07-10-2022"}) == {
        "from_date": "supported"
    }
    assert _support("Book it from 07-10-2022.", {"from_date": "2022-07-10"}) == {
        "from_date": "supported"
    }


def test_currency_codes_meet_currency_names() -> None:
    labels = _support(
        "How many Canadian dollars can I get for 500 US dollars?",
        {"base_currency": "USD", "target_currency": "CAD"},
    )
    assert labels == {"base_currency": "supported", "target_currency": "supported"}
    assert _support("Convert 150 Euros.", {"to_currency": "GBP"}) != {"to_currency": "supported"}


@pytest.mark.parametrize(
    ("description", "default"),
    [
        ("The unit. Default is 'cm'.", ("cm",)),
        ("Initial velocity, defaults to 0.", (0,)),
        ("Gravity. Default value is 9.8.", (9.8,)),
        ("Whether to format. Default is True.", (True,)),
        ("The speed unit, default is km/h.", ("km/h",)),
        ('Format (default: "fasta").', ("fasta",)),
        ("The start date.", None),
    ],
)
def test_a_default_told_in_the_description(description: str, default: tuple | None) -> None:
    assert described_default(description) == default


def test_a_described_default_supports_the_argument_as_a_schema_default() -> None:
    schema = {"unit": {"type": "string", "description": "The unit. Default is 'cm'."}}
    assert _support("Area of a circle of radius 3.", {"unit": "cm"}, schema) == {
        "unit": "supported"
    }
    inp = parse_check_input(
        {
            "messages": [{"role": "user", "content": "hi"}],
            "tools": [
                {
                    "type": "function",
                    "function": {
                        "name": "act",
                        "parameters": {"type": "object", "properties": schema},
                    },
                }
            ],
            "output": {},
        }
    )
    sources = {s.id: s.text for s in build_context(inp).sources}
    assert sources["schema:act.unit"] == 'default: "cm"'
    assert _support("Area of a circle of radius 3.", {"unit": "m"}, schema) != {"unit": "supported"}


def test_a_boolean_is_mentioned_by_the_stems_of_its_name() -> None:
    schema = {"include_human_impact": {"type": "boolean"}}
    said = "Predict the forest growth including human impact."
    assert _support(said, {"include_human_impact": True}, schema) == {
        "include_human_impact": "supported"
    }
    unsaid = "Predict the forest growth."
    assert _support(unsaid, {"include_human_impact": True}, schema) != {
        "include_human_impact": "supported"
    }


def _question(user: str, question: str) -> tuple[float, list[str]]:
    report = MONITOR.check(
        {"messages": [{"role": "user", "content": user}], "output": {"content": question}}
    )
    (claim,) = [c for c in report.claims if c.kind == "question"]
    return claim.support, [f.type for f in report.flags]


@pytest.mark.parametrize(
    ("user", "question"),
    [
        ("My email is grace@example.com. I'd like to return something.", "What is your email?"),
        ("What's a 22% tip on a $132.50 bill?", "How much was the bill?"),
        ("I'm ordering 23 folding chairs at $19.66 each.", "How many chairs are you ordering?"),
    ],
)
def test_a_question_whose_kind_of_value_is_given_is_redundant(user: str, question: str) -> None:
    support, flags = _question(user, question)
    assert support > 0.75
    assert flags == ["redundant_question"]


@pytest.mark.parametrize(
    ("user", "question"),
    [
        ("What's a 20% tip on my dinner bill?", "How much was the bill?"),
        ("I'd like to return something I bought.", "What is your email address?"),
    ],
)
def test_a_question_the_context_does_not_answer_is_not(user: str, question: str) -> None:
    support, flags = _question(user, question)
    assert support < 0.75
    assert "redundant_question" not in flags


@pytest.mark.parametrize(
    ("user", "args", "label"),
    [
        ("Please refund order BH-56431.", {"order_id": "BH-54631"}, "contradicted"),
        (
            "I'm Lee Rahul, update my email please.",
            {"email": "lee.rahul@example.com"},
            "unsupported",
        ),
    ],
)
def test_an_id_or_email_is_found_whole_or_not_at_all(
    user: str, args: dict[str, Any], label: str
) -> None:
    assert list(_support(user, args).values()) == [label]
