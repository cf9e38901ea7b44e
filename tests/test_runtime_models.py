"""The openai and litellm adapters, for real through their SDKs, against a local server."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import openai
import pytest

from agentguard import Agent, LiteLLMModel, Model, OpenAIModel, tool, tool_call
from tests.conftest import user
from tests.openai_server import ChatServer


@tool
def get_order_status(order_id: str) -> dict[str, str]:
    """Look up an order's shipping status.

    Args:
        order_id: The order's id, as the customer gave it (e.g. A1234).
    """
    return {"order_id": order_id, "status": "shipped", "carrier": "UPS"}


TOOLS = [get_order_status.definition]
SYSTEM = "You are a support agent for an online shop."
QUESTION = "What is the status of my order A1234?"
ANSWER = "Order A1234 has shipped with UPS."


@pytest.fixture
def server() -> Iterator[ChatServer]:
    with ChatServer() as running:
        yield running


def openai_model(url: str, **options: Any) -> Model:
    client = openai.OpenAI(base_url=url + "/v1", api_key="sk-test", max_retries=0)
    return OpenAIModel("test-model", client=client, **options)


def litellm_model(url: str, **options: Any) -> Model:
    return LiteLLMModel(
        "openai/test-model", api_base=url + "/v1", api_key="sk-test", num_retries=0, **options
    )


MakeModel = Callable[..., Model]
ADAPTERS = pytest.mark.parametrize("make", [openai_model, litellm_model], ids=["openai", "litellm"])


@ADAPTERS
def test_text_reply_and_the_request_sent(server: ChatServer, make: MakeModel) -> None:
    server.say("Hello there")
    model = make(server.url, temperature=0.25)

    out = model.complete([user("hi")], TOOLS)

    assert out == {"role": "assistant", "content": "Hello there"}
    (request,) = server.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer sk-test"
    assert request.body["model"] == "test-model"
    assert request.body["messages"] == [{"role": "user", "content": "hi"}]
    assert request.body["tools"] == TOOLS
    assert request.body["tools"][0]["function"]["parameters"]["required"] == ["order_id"]
    assert request.body["temperature"] == 0.25


def test_server_also_serves_the_path_without_v1(server: ChatServer) -> None:
    server.say("Hi")
    client = openai.OpenAI(base_url=server.url, api_key="sk-test", max_retries=0)
    assert OpenAIModel("test-model", client=client).complete([user("hi")], [])["content"] == "Hi"
    assert server.requests[0].path == "/chat/completions"


@ADAPTERS
def test_no_tools_sends_no_tools_key(server: ChatServer, make: MakeModel) -> None:
    server.say("Hi")
    assert make(server.url).complete([user("hi")], [])["content"] == "Hi"
    assert "tools" not in server.bodies[0]


@ADAPTERS
def test_tool_calls_keep_id_name_and_argument_text(server: ChatServer, make: MakeModel) -> None:
    first = ("call_abc", "get_order_status", '{"order_id": "A1234"}')
    second = ("call_def", "get_order_status", '{"order_id":"B77"}')  # no spaces: kept verbatim
    server.call(first, second)

    out = make(server.url).complete([user(QUESTION)], TOOLS)

    assert out == {
        "role": "assistant",
        "content": None,
        "tool_calls": [tool_call(n, a, i) for i, n, a in (first, second)],
    }


@ADAPTERS
def test_agent_calls_the_tool_then_answers(server: ChatServer, make: MakeModel) -> None:
    server.call(("call_abc", "get_order_status", '{"order_id": "A1234"}'))
    server.say(ANSWER)
    agent = Agent(make(server.url), [get_order_status], system=SYSTEM)

    result = agent.run(QUESTION)

    assert result.status == "answered", result.detail
    assert result.answer == ANSWER
    assert result.steps == 2
    tool_result = {
        "role": "tool",
        "tool_call_id": "call_abc",
        "content": json.dumps({"order_id": "A1234", "status": "shipped", "carrier": "UPS"}),
    }
    assert tool_result in result.messages
    assert len(result.reports) == 2
    assert all(r.decision.action in ("allow", "annotate") for r in result.reports)

    first, second = server.bodies
    assert first["messages"] == [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": QUESTION},
    ]
    assert first["tools"] == second["tools"] == TOOLS
    assert second["messages"][:2] == first["messages"]
    (sent_call,) = second["messages"][2]["tool_calls"]
    assert second["messages"][2]["role"] == "assistant"
    assert sent_call["id"] == "call_abc"
    assert sent_call["function"] == {
        "name": "get_order_status",
        "arguments": '{"order_id": "A1234"}',
    }
    assert second["messages"][3] == tool_result
    assert len(second["messages"]) == 4


def test_litellm_mock_response_is_offline() -> None:
    model = LiteLLMModel("openai/gpt-4o-mini", mock_response="Hello")
    assert model.complete([user("hi")], TOOLS) == {"role": "assistant", "content": "Hello"}


@ADAPTERS
def test_http_error_ends_the_run_as_model_error(server: ChatServer, make: MakeModel) -> None:
    server.fail(500, "The server had an error while processing your request")
    agent = Agent(make(server.url), [get_order_status], system=SYSTEM)

    result = agent.run(QUESTION)

    assert result.status == "model_error"
    assert result.answer is None
    assert result.detail is not None
    assert "InternalServerError" in result.detail
    assert "The server had an error while processing your request" in result.detail
    assert len(server.requests) == 1  # no retry by the SDK


@ADAPTERS
def test_slow_model_times_out(server: ChatServer, make: MakeModel) -> None:
    server.say("too late", delay=5.0)
    agent = Agent(make(server.url), [get_order_status], system=SYSTEM, model_timeout=0.5)

    started = time.monotonic()
    result = agent.run(QUESTION)

    assert time.monotonic() - started < 3.0
    assert result.status == "model_error"
    assert result.detail is not None
    assert "timed out" in result.detail
    assert result.reports == []


def test_agent_passes_its_model_timeout_to_the_sdks() -> None:
    lite = Agent(LiteLLMModel("openai/test-model"), model_timeout=7).model
    sdk = Agent(OpenAIModel("gpt-test", timeout=3), model_timeout=7).model
    assert isinstance(lite, LiteLLMModel) and lite.options["timeout"] == 7
    assert isinstance(sdk, OpenAIModel) and sdk.options["timeout"] == 3  # the user's own wins
