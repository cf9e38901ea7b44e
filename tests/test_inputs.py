import pytest

from agentguard import MAX_INPUT_CHARS, InputError, parse_check_input
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
