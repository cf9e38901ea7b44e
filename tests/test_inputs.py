import pytest

from agentguard import MAX_INPUT_CHARS, InputError, Monitor, parse_check_input
from agentguard.input_limits import MAX_DEPTH, MAX_NUMBER_DIGITS
from tests.conftest import call, user


def _err(data: object) -> str:
    with pytest.raises(InputError) as err:
        parse_check_input(data)
    return str(err.value)


def test_minimal_input_is_messages_and_output() -> None:
    inp = parse_check_input({"messages": [user("hi")], "output": {"content": "hello"}})
    assert inp.output.text == "hello" and inp.tools == [] and inp.documents == []


def test_not_an_object() -> None:
    assert _err([1, 2]) == "input: must be a JSON object, not list"


def test_missing_required_fields() -> None:
    assert _err({"messages": []}) == "input: missing field 'output'"
    assert _err({"output": {}}) == "input: missing field 'messages'"


def test_message_without_role() -> None:
    assert (
        _err({"messages": [user("a"), {"content": "b"}], "output": {}})
        == "messages[1]: missing field 'role'"
    )


def test_unknown_role() -> None:
    msg = _err({"messages": [{"role": "bot", "content": "x"}], "output": {}})
    assert msg.startswith("messages[0].role: unknown role 'bot' (expected one of system, developer")


def test_tool_result_naming_no_earlier_call() -> None:
    messages = [
        user("a"),
        {"role": "assistant", "content": None, "tool_calls": [call("f", {}, "call_1")]},
        {"role": "tool", "tool_call_id": "call_9", "content": "{}"},
    ]
    assert _err({"messages": messages, "output": {}}) == (
        "messages[2].tool_call_id: 'call_9' names no earlier assistant tool call"
    )
    no_id = [user("a"), {"role": "tool", "content": "{}"}]
    assert (
        _err({"messages": no_id, "output": {}})
        == "messages[1]: tool message without 'tool_call_id'"
    )


def test_wrong_types_name_the_field() -> None:
    assert _err({"messages": "hi", "output": {}}) == "messages: must be a list of messages, not str"
    msg = _err({"messages": [user("a")], "output": {"content": 5}})
    assert msg.startswith("output.content")
    msg = _err({"messages": [user("a")], "output": {}, "documents": [{"id": "d"}]})
    assert msg == "documents[0].text: Field required"


def test_unknown_top_level_field() -> None:
    assert _err({"messages": [], "output": {}, "mesages": []}) == "mesages: unknown field"


def test_huge_input_is_refused_with_the_limit() -> None:
    big = "word " * (MAX_INPUT_CHARS // 5 + 10)
    msg = _err({"messages": [user(big)], "output": {"content": "ok"}})
    assert msg.startswith("input: ") and "the limit is 2,000,000 (MAX_INPUT_CHARS)" in msg


def test_flat_tool_definitions_are_accepted() -> None:
    inp = parse_check_input(
        {
            "messages": [user("a")],
            "output": {},
            "tools": [{"name": "f", "parameters": {"type": "object"}}],
        }
    )
    assert inp.tools[0].function.name == "f"


# -- limits and cleaning at the door ---------------------------------------------------------


def _deep(n: int) -> object:
    node: object = 1
    for _ in range(n):
        node = [node]
    return node


def test_a_lone_surrogate_becomes_a_replacement_character() -> None:
    report = Monitor().check(messages=[user("Ships May 3.")], output="Order \ud800 ships May 3.")
    assert report.claims[0].text == "Order \ufffd ships May 3."
    inp = parse_check_input({"messages": [user("a \ud83d\ude00")], "output": {}})
    assert inp.messages[0].text == "a 😀"  # a valid pair, written as two halves, is kept


def test_tool_call_arguments_and_metadata_count_toward_the_size_limit() -> None:
    big = "x" * (MAX_INPUT_CHARS + 1)
    args = {"messages": [user("a")], "output": {"tool_calls": [call("f", {"a": big})]}}
    assert "(MAX_INPUT_CHARS), counting tool-call arguments" in _err(args)
    history = [user("a"), {"role": "assistant", "tool_calls": [call("f", big)]}]
    assert "MAX_INPUT_CHARS" in _err({"messages": history, "output": {}})
    assert "MAX_INPUT_CHARS" in _err({"messages": [], "output": {}, "metadata": {"m": big}})


def test_nesting_is_limited_to_max_depth() -> None:
    parse_check_input({"messages": [], "output": {}, "metadata": {"a": _deep(MAX_DEPTH - 3)}})
    msg = _err({"messages": [], "output": {}, "metadata": {"a": _deep(MAX_DEPTH)}})
    assert msg.startswith("metadata.a[0][0]") and msg.endswith(
        f"nested deeper than {MAX_DEPTH} levels (MAX_DEPTH)"
    )
    assert len(msg) < 200
    deep_args = {"messages": [], "output": {"tool_calls": [call("f", "[" * 5000 + "]" * 5000)]}}
    assert _err(deep_args) == (
        "output.tool_calls[0].function.arguments: nested deeper than 64 levels (MAX_DEPTH)"
    )


def test_integers_are_limited_to_max_number_digits() -> None:
    ok = 10 ** (MAX_NUMBER_DIGITS - 1)
    parse_check_input({"messages": [], "output": {}, "metadata": {"n": ok}})
    msg = _err({"messages": [], "output": {}, "metadata": {"n": 10**MAX_NUMBER_DIGITS}})
    assert (
        msg
        == "metadata.n: an integer of more than 100 digits; the limit is 100 (MAX_NUMBER_DIGITS)"
    )
    text_args = '{"id": ' + "1" * 4301 + "}"
    msg = _err({"messages": [], "output": {"tool_calls": [call("f", text_args)]}})
    assert msg.startswith("output.tool_calls[0].function.arguments: an integer of more than 100")


def test_only_json_values_are_accepted() -> None:
    assert _err({"messages": [], "output": {}, "metadata": {1: "x"}}) == (
        "metadata: object keys must be strings, not int (1)"
    )
    assert _err({"messages": [], "output": {}, "metadata": {"n": float("nan")}}) == (
        "metadata.n: nan is not a JSON number"
    )
    assert _err({"messages": [], "output": {}, "metadata": {"s": {1}}}).startswith(
        "metadata.s: set is not a JSON value"
    )


def test_schema_parts_of_the_wrong_shape_are_named() -> None:
    def with_params(params: object) -> str:
        tools = [{"type": "function", "function": {"name": "f", "parameters": params}}]
        return _err({"messages": [user("a")], "output": {}, "tools": tools})

    assert with_params({"type": "object", "required": 5}) == (
        "tools[0].function.parameters.required: must be a list (JSON Schema), not int"
    )
    assert with_params({"properties": []}) == (
        "tools[0].function.parameters.properties: must be an object (JSON Schema), not list"
    )
    assert with_params({"properties": {"a": {"enum": "x"}}}) == (
        "tools[0].function.parameters.properties.a.enum: must be a list (JSON Schema), not str"
    )
    assert with_params({"type": 3}).startswith("tools[0].function.parameters.type: must be")
    assert with_params({"properties": {"a": {"type": "object", "required": True}}}).startswith(
        "tools[0].function.parameters.properties.a.required: must be a list"
    )


def test_error_messages_show_a_short_prefix_of_a_bad_value() -> None:
    msg = _err({"messages": [{"role": "x" * 100_000}], "output": {}})
    assert msg.startswith("messages[0].role: unknown role 'xxx") and len(msg) < 200
    messages = [user("a"), {"role": "tool", "tool_call_id": "y" * 100_000, "content": ""}]
    assert len(_err({"messages": messages, "output": {}})) < 200


def test_non_json_numbers_in_arguments_are_a_malformed_call_not_bad_input() -> None:
    for text in ('{"n": NaN}', '{"n": Infinity}', '{"n": 1e400}'):
        report = Monitor().check(messages=[user("a")], output={"tool_calls": [call("f", text)]})
        assert [f.type for f in report.flags] == ["malformed_tool_call"]
        assert report.decision.action == "retry"
