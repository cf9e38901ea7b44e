from agentguard import build_context, parse_check_input
from agentguard.claims import extract_claims, text_claims
from agentguard.inputs import Output
from tests.conftest import call, tool, user


def _extract(output: dict, tools: list | None = None):  # type: ignore[no-untyped-def]
    inp = parse_check_input({"messages": [user("hi")], "tools": tools or [], "output": output})
    return extract_claims(inp.output, build_context(inp))


def test_sentences_become_text_claims_with_spans() -> None:
    text = "Your order shipped on May 3. It will arrive by Friday, May 10."
    claims = text_claims(text)
    assert [c.kind for c in claims] == ["text", "text"]
    for c in claims:
        assert c.span is not None
        assert text[c.span[0] : c.span[1]] == c.text
    assert claims[0].text == "Your order shipped on May 3."


def test_clauses_split_on_semicolons_and_conjunctions() -> None:
    text = "The hotel has a pool on the roof; breakfast is served until ten in the lobby."
    claims = text_claims(text)
    assert [c.text for c in claims] == [
        "The hotel has a pool on the roof",
        "breakfast is served until ten in the lobby.",
    ]


def test_courtesies_are_not_claims_but_intents_with_values_are() -> None:
    claims = text_claims("Sure, I can help with that! Let me check. Let me look up order A1234.")
    assert [c.text for c in claims] == ["Let me look up order A1234."]


def test_questions_are_question_claims_and_offers_are_not() -> None:
    claims = text_claims("What is your order number? Would you like me to check the status?")
    assert [(c.kind, c.text) for c in claims] == [("question", "What is your order number?")]


def test_markdown_bullets_are_stripped_from_claims() -> None:
    claims = text_claims("Details:\n- Flight UA123 departs at 9am\n- Seat 14C is confirmed")
    assert [c.text for c in claims] == ["Flight UA123 departs at 9am", "Seat 14C is confirmed"]


def test_arguments_are_flattened_to_json_paths() -> None:
    args = {"trip": {"to": "Oslo"}, "passengers": [{"name": "Ann"}, {"name": "Bo"}], "note": None}
    claims, malformed = _extract({"tool_calls": [call("book", args)]})
    assert malformed == []
    assert [(c.path, c.value) for c in claims] == [
        ("trip.to", "Oslo"),
        ("passengers[0].name", "Ann"),
        ("passengers[1].name", "Bo"),
    ]
    assert all(c.tool == "book" and c.call_id == "call_1" for c in claims)


def test_invalid_json_arguments_are_a_malformed_call_not_an_error() -> None:
    claims, malformed = _extract({"tool_calls": [call("book", '{"to": "Oslo"')]})
    assert claims == []
    assert len(malformed) == 1 and "not valid JSON" in malformed[0].reason


def test_non_object_arguments_are_malformed() -> None:
    _, malformed = _extract({"tool_calls": [call("book", "[1, 2]")]})
    assert "must be a JSON object, not list" in malformed[0].reason


def test_unknown_tool_and_schema_violations_are_malformed() -> None:
    tools = [
        tool(
            "book",
            to={"type": "string"},
            n={"type": "integer"},
            cabin={"type": "string", "enum": ["eco"]},
        )
    ]
    _, unknown = _extract({"tool_calls": [call("fly", {"to": "Oslo"})]}, tools)
    assert "unknown tool 'fly'" in unknown[0].reason
    _, bad = _extract(
        {"tool_calls": [call("book", {"to": "Oslo", "n": "two", "cabin": "first"})]}, tools
    )
    reason = bad[0].reason
    assert "n: expected integer, got str" in reason and "cabin: 'first' is not one of" in reason
    _, missing = _extract({"tool_calls": [call("book", {"to": "Oslo", "cabin": "eco"})]}, tools)
    assert "n: required argument missing" in missing[0].reason


def test_output_text_from_content_parts() -> None:
    out = Output(content=[{"type": "text", "text": "Flight UA1 is at 9am."}, {"type": "image_url"}])
    assert out.text == "Flight UA1 is at 9am."


def test_intents_and_pleasantries_without_values_are_not_claims() -> None:
    text = (
        "I'll go ahead and search for that now. I'm checking availability. "
        "Enjoy your day! Have a safe trip. I hope this helps."
    )
    assert text_claims(text) == []


def test_a_unit_after_a_number_ends_the_sentence() -> None:
    claims = text_claims("The high is 22°C. The low is 14°C.")
    assert [c.text for c in claims] == ["The high is 22°C.", "The low is 14°C."]
