from __future__ import annotations

from agentguard import Monitor, Report
from tests.conftest import call, tool, user

SHIPPED = user("My order A1234 shipped on May 2.")
BOOK = tool(
    "book_flight",
    origin={"type": "string", "description": "City the flight departs from"},
    destination={"type": "string", "description": "City the flight arrives in"},
)


def _check(output: str, *, messages: list[dict[str, object]] | None = None) -> Report:
    return Monitor().check(messages=messages or [SHIPPED], output=output)


def _text(output: str, spans: list[tuple[int, int]]) -> list[str]:
    return [output[a:b] for a, b in spans]


def test_the_unsupported_sentence_is_the_span() -> None:
    output = "Your order A1234 shipped on May 2. It will arrive on June 3."
    report = _check(output)
    start = output.index("It will")
    assert report.unsupported_spans() == [(start, len(output))]
    assert _text(output, report.unsupported_spans()) == ["It will arrive on June 3."]


def test_contradicted_claims_count_as_unsupported() -> None:
    output = "Your order A1234 shipped on May 5. It will arrive on June 3."
    report = _check(output)
    assert [c.label for c in report.claims] == ["contradicted", "unsupported"]
    assert _text(output, report.unsupported_spans()) == [
        "Your order A1234 shipped on May 5.",
        "It will arrive on June 3.",
    ]


def test_a_fully_supported_output_has_no_spans() -> None:
    report = _check("Your order A1234 shipped on May 2.")
    assert [c.label for c in report.claims] == ["supported"]
    assert report.unsupported_spans() == []


def test_no_text_claims_gives_no_spans() -> None:
    assert _check("Hello!").claims == ()
    assert _check("Hello!").unsupported_spans() == []
    question = _check("Which order do you mean?")
    assert [c.kind for c in question.claims] == ["question"]
    assert question.unsupported_spans() == []


def test_questions_and_arguments_are_left_out() -> None:
    output = "It will arrive on June 3. Would you like tracking?"
    report = _check(output)
    assert [(c.kind, c.label) for c in report.claims] == [
        ("text", "unsupported"),
        ("question", "unsupported"),
    ]
    assert _text(output, report.unsupported_spans()) == ["It will arrive on June 3."]

    text = "Booked it for you from Boston."
    args = {"origin": "Boston", "destination": "Denver"}
    booked = Monitor().check(
        messages=[user("Book me a flight to Denver.")],
        tools=[BOOK],
        output={"content": text, "tool_calls": [call("book_flight", args)]},
    )
    assert [(c.kind, c.path, c.label) for c in booked.claims] == [
        ("text", None, "unsupported"),
        ("argument", "origin", "unsupported"),
        ("argument", "destination", "supported"),
    ]
    assert booked.unsupported_spans() == [(0, len(text))]


def test_overlapping_and_touching_spans_merge_in_order() -> None:
    output = "Your order A1234 shipped on May 5. It will arrive on June 3."
    base = _check(output)
    first, second = base.claims
    spans = [(40, 60), (0, 20), (10, 30), (30, 35), (50, 55)]
    claims = [
        first.model_copy(update={"id": f"c{i}", "span": span}) for i, span in enumerate(spans)
    ]
    supported = second.model_copy(update={"id": "c9", "span": (35, 40), "label": "supported"})
    report = base.model_copy(update={"claims": (*claims, supported), "flags": ()})
    # (0, 20) and (10, 30) overlap, (30, 35) touches them; (35, 40) is supported, so it does
    # not bridge the gap to (40, 60), which swallows (50, 55)
    assert report.unsupported_spans() == [(0, 35), (40, 60)]


def test_spans_are_not_part_of_the_json_form() -> None:
    report = _check("It will arrive on June 3.")
    assert report.unsupported_spans() == [(0, 25)]
    assert "unsupported_spans" not in report.model_dump(mode="json")
