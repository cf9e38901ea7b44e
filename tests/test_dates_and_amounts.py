"""Dates and amounts as agents write them: a weekday before a date, a year-less date against an
ISO date or of another year, and amounts with a decimal comma."""

import datetime as dt

from agentguard import build_context, parse_check_input
from agentguard.estimators.index import ContextIndex
from agentguard.text.values import extract_values


def _index(text: str, today: str | None = None) -> ContextIndex:
    messages = [{"role": "user", "content": text}]
    if today:
        messages.insert(0, {"role": "system", "content": f"Today is {today}."})
    data = {"messages": messages, "output": {"content": "ok"}}
    return ContextIndex.build(build_context(parse_check_input(data)))


def _found(claim: str, context: str, today: str | None = None) -> list[str]:
    index = _index(context, today)
    day = dt.date.fromisoformat(today) if today else None
    values = extract_values(claim, day, claim=True)
    return [v.text.rstrip(".") for v in values if index.find_value(v)]


def test_a_weekday_before_a_date_only_names_its_day() -> None:
    values = extract_values("It shipped on Sunday, August 3.", dt.date(2025, 8, 4), claim=True)
    assert [(v.kind, v.text) for v in values] == [("date", "August 3")]
    (alone,) = extract_values("Come on Sunday, 3pm is fine.", dt.date(2025, 8, 4), claim=True)[:1]
    assert alone.text == "on Sunday"


def test_a_year_less_date_meets_an_iso_date_when_no_today_is_known() -> None:
    tool = '{"shipped_on": "2024-10-24", "estimated_delivery": "2024-10-29"}'
    assert _found("It shipped on 24 October.", tool) == ["24 October"]
    assert _found("It shipped on 25 October.", tool) == []


def test_a_year_less_date_may_be_of_the_year_before() -> None:
    tool = '{"shipped_on": "2025-12-31"}'
    assert _found("It shipped on 31 December.", tool, today="2026-01-02") == ["31 December"]
    assert _found("It shipped on 31 December.", '{"on": "2025-12-31"}', "2026-08-02") == []


def test_amounts_with_a_decimal_comma() -> None:
    (ticket, day) = extract_values("A ticket costs €7,60 and a day pass €12,00.")
    assert ticket.keys == ("num:7.6",) and day.keys == ("num:12",)
    (thousands,) = extract_values("It costs €1,234.")
    assert thousands.keys == ("num:1234",)
    prices = "A single ticket costs €5,80 and a day pass €12,00."
    assert _found("A ticket is €5.80.", prices) == ["€5.80"]
    assert _found("A ticket is €5.90.", prices) == []
    assert _found("A day pass is €12.", prices) == ["€12"]


def test_a_year_less_date_in_the_context_may_be_of_next_year() -> None:
    index = _index("Book me a flight to Tokyo on 7 March.", today="2024-12-15")
    (date,) = extract_values("2025-03-07", dt.date(2024, 12, 15), claim=True)
    assert index.find_value(date)
    (far,) = extract_values("2025-07-07", dt.date(2024, 12, 15), claim=True)
    assert not _index("Fly on 7 July.", today="2024-12-15").find_value(far)


def test_a_week_from_today() -> None:
    (date,) = extract_values("Fly a week from today.", dt.date(2025, 12, 15))
    assert date.keys[0] == "date:2025-12-22"
    (arg,) = extract_values("2025-12-22", dt.date(2025, 12, 15), claim=True)
    for said in ("a week from today", "a week from now"):
        assert _index(f"Book Toronto to Lima {said}.", today="2025-12-15").find_value(arg)
    assert not _index("Book Toronto to Lima a week from Monday.", "2025-12-15").find_value(arg)
