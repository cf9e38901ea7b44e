"""Messages, outputs and tools in the forms people have: OpenAI SDK, LangChain, litellm objects."""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from openai.types.chat import (
    ChatCompletion,
    ChatCompletionMessage,
    ChatCompletionMessageFunctionToolCall,
)
from openai.types.chat.chat_completion_message_function_tool_call import Function
from openai.types.shared import FunctionDefinition

from agentguard import InputError, Monitor, parse_check_input
from agentguard.input_limits import MAX_DEPTH
from tests.conftest import call, tool, user

BOOK = tool("book_flight", origin={"type": "string"}, destination={"type": "string"})
DICT_INPUT: dict[str, Any] = {
    "messages": [
        {"role": "system", "content": "You book flights."},
        user("Book me a flight from Boston to Denver."),
        {"role": "assistant", "tool_calls": [call("lookup", {"city": "Denver"}, "c0")]},
        {"role": "tool", "tool_call_id": "c0", "content": '{"airport": "DEN"}'},
    ],
    "output": {
        "role": "assistant",
        "content": "Booking it now.",
        "tool_calls": [call("book_flight", {"origin": "Boston", "destination": "Denver"})],
    },
    "tools": [BOOK],
}


def _sdk_call(
    name: str, args: dict[str, Any], call_id: str
) -> ChatCompletionMessageFunctionToolCall:
    return ChatCompletionMessageFunctionToolCall(
        id=call_id, type="function", function=Function(name=name, arguments=json.dumps(args))
    )


def _sdk_output() -> ChatCompletionMessage:
    return ChatCompletionMessage(
        role="assistant",
        content="Booking it now.",
        tool_calls=[
            _sdk_call("book_flight", {"origin": "Boston", "destination": "Denver"}, "call_1")
        ],
    )


def _same_as_dicts(data: dict[str, Any]) -> None:
    assert parse_check_input(data) == parse_check_input(DICT_INPUT)


def test_openai_sdk_messages_tool_calls_and_completion() -> None:
    messages: list[Any] = [
        DICT_INPUT["messages"][0],
        DICT_INPUT["messages"][1],
        ChatCompletionMessage(
            role="assistant",
            content=None,
            tool_calls=[_sdk_call("lookup", {"city": "Denver"}, "c0")],
        ),
        DICT_INPUT["messages"][3],
    ]
    _same_as_dicts({**DICT_INPUT, "messages": messages, "output": _sdk_output()})
    completion = ChatCompletion(
        id="x",
        created=0,
        model="m",
        object="chat.completion",
        choices=[{"index": 0, "finish_reason": "tool_calls", "message": _sdk_output()}],
    )
    _same_as_dicts({**DICT_INPUT, "messages": messages, "output": completion})
    # An SDK tool call inside a dict message, and a tool definition as an SDK model.
    mixed = {**DICT_INPUT["output"], "tool_calls": _sdk_output().tool_calls}
    sdk_tool = {"type": "function", "function": FunctionDefinition(**BOOK["function"])}
    _same_as_dicts({**DICT_INPUT, "output": mixed, "tools": [sdk_tool]})
    _same_as_dicts({**DICT_INPUT, "tools": [FunctionDefinition(**BOOK["function"])]})


def test_langchain_messages() -> None:
    messages = [
        SystemMessage("You book flights."),
        HumanMessage("Book me a flight from Boston to Denver."),
        AIMessage("", tool_calls=[{"name": "lookup", "args": {"city": "Denver"}, "id": "c0"}]),
        ToolMessage('{"airport": "DEN"}', tool_call_id="c0"),
    ]
    output = AIMessage(
        "Booking it now.",
        tool_calls=[
            {
                "name": "book_flight",
                "args": {"origin": "Boston", "destination": "Denver"},
                "id": "call_1",
            }
        ],
    )
    inp = parse_check_input({**DICT_INPUT, "messages": messages, "output": output})
    assert [m.role for m in inp.messages] == ["system", "user", "assistant", "tool"]
    assert inp.output == parse_check_input(DICT_INPUT).output
    assert inp.messages[2].tool_calls is not None
    assert json.loads(str(inp.messages[2].tool_calls[0].function.arguments)) == {"city": "Denver"}
    report = Monitor().check({**DICT_INPUT, "messages": messages, "output": output})
    assert report == Monitor().check(DICT_INPUT).model_copy(
        update={"latency_ms": report.latency_ms}
    )


def test_langchain_invalid_tool_call_is_a_finding_not_bad_input() -> None:
    output = AIMessage(
        "",
        invalid_tool_calls=[
            {"name": "book_flight", "args": '{"origin": "Bos', "id": "call_1", "error": "bad"}
        ],
    )
    report = Monitor().check({**DICT_INPUT, "output": output})
    assert [f.type for f in report.flags] == ["malformed_tool_call"]


def test_litellm_message_and_model_response() -> None:
    from litellm.types.utils import ChatCompletionMessageToolCall, Message, ModelResponse
    from litellm.types.utils import Function as LiteFunction

    def lite_output() -> Message:
        return Message(
            role="assistant",
            content="Booking it now.",
            tool_calls=[
                ChatCompletionMessageToolCall(
                    id="call_1",
                    type="function",
                    function=LiteFunction(
                        name="book_flight",
                        arguments=json.dumps({"origin": "Boston", "destination": "Denver"}),
                    ),
                )
            ],
        )

    _same_as_dicts({**DICT_INPUT, "output": lite_output()})
    response = ModelResponse(
        choices=[{"index": 0, "finish_reason": "stop", "message": lite_output().model_dump()}]
    )
    _same_as_dicts({**DICT_INPUT, "output": response})
    lite_messages = [Message(role="user", content="Book me a flight from Boston to Denver.")]
    inp = parse_check_input({**DICT_INPUT, "messages": lite_messages})
    assert inp.messages[0].text == "Book me a flight from Boston to Denver."


class ChatFoo:
    role = "user"
    content = "hello"


def test_an_unsupported_type_is_named_with_the_supported_forms() -> None:
    data = {**DICT_INPUT, "messages": [user("hi"), ChatFoo()]}
    with pytest.raises(InputError) as err:
        Monitor().check(data)
    message = str(err.value)
    assert message.startswith(
        "messages[1]: ChatFoo is not a supported message form (supported: dict"
    )
    assert "OpenAI SDK" in message and "LangChain" in message and "litellm" in message
    with pytest.raises(InputError, match=r"^output: ChatFoo is not a supported output form"):
        parse_check_input({**DICT_INPUT, "output": ChatFoo()})
    with pytest.raises(InputError, match=r"^tools\[0\]: ChatFoo is not a supported tool form"):
        parse_check_input({**DICT_INPUT, "tools": [ChatFoo()]})
    # JSON values that are no objects keep their own error.
    with pytest.raises(InputError, match=r"messages\[0\]: must be an object, not int"):
        parse_check_input({**DICT_INPUT, "messages": [3]})


def test_an_empty_completion_is_refused() -> None:
    completion = ChatCompletion(id="x", created=0, model="m", object="chat.completion", choices=[])
    with pytest.raises(InputError, match=r"^output: ChatCompletion has no choices"):
        parse_check_input({**DICT_INPUT, "output": completion})


def test_converted_objects_are_screened_like_dicts() -> None:
    deep: Any = "x"
    for _ in range(MAX_DEPTH + 5):
        deep = {"k": deep}
    output = AIMessage(
        "", tool_calls=[{"name": "book_flight", "args": {"a": deep}, "id": "call_1"}]
    )
    with pytest.raises(InputError, match="deep"):
        parse_check_input({**DICT_INPUT, "output": output})
    with pytest.raises(InputError, match="limit"):
        parse_check_input({**DICT_INPUT, "messages": [HumanMessage("x" * 2_100_000)]})


def test_langchain_tools_are_converted_by_langchain() -> None:
    from langchain_core.tools import tool as lc_tool

    @lc_tool
    def book_flight(origin: str, destination: str) -> str:
        """Book a flight."""
        return "ok"

    inp = parse_check_input({**DICT_INPUT, "tools": [book_flight]})
    function = inp.tools[0].function
    assert function.name == "book_flight"
    assert set(function.parameters["properties"]) == {"origin", "destination"}
