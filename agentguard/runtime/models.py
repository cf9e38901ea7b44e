"""Model adapters: litellm (any provider), the openai SDK, and offline test doubles.

A model turns the conversation (OpenAI-format messages) and the tool definitions into one
assistant message: `{"role": "assistant", "content": ..., "tool_calls": [...]}`. litellm and
openai are imported when a call is made, never by `import agentguard`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any, Protocol, runtime_checkable

from agentguard.estimators.llm import import_litellm
from agentguard.input_limits import clean_text

MessageDict = dict[str, Any]
"""An `agentguard.Message` in its JSON form (an OpenAI chat message as a plain dict): what
models, tools and the agent's state pass around."""


_MAX_DEPTH = 64


def valid_strings(node: Any, depth: int = 0) -> Any:
    """A copy of a JSON-like value whose strings (keys too) are valid Unicode.

    A lone surrogate (from a bad decode upstream) cannot be written as UTF-8, so it would fail
    every trace, checkpoint and request it reaches: it becomes U+FFFD (`clean_text`).
    """
    if isinstance(node, str):
        return clean_text(node)
    if depth >= _MAX_DEPTH:
        return node  # deeper than any message has reason to be; the monitor refuses it
    if isinstance(node, dict):
        return {valid_strings(k, depth + 1): valid_strings(v, depth + 1) for k, v in node.items()}
    if isinstance(node, list):
        return [valid_strings(v, depth + 1) for v in node]
    return node


class ModelError(RuntimeError):
    """A model that could not produce an output (an exhausted script, an unusable reply)."""


@runtime_checkable
class Model(Protocol):
    """Anything that answers a conversation with one assistant message."""

    name: str

    def complete(self, messages: list[MessageDict], tools: list[MessageDict]) -> MessageDict:
        """The assistant's next message for `messages`, given the tool definitions."""
        ...


def tool_call(name: str, arguments: dict[str, Any] | str, id: str | None = None) -> MessageDict:
    """An OpenAI tool call; `arguments` may be a dict or raw (possibly malformed) JSON text.

    Example:
        >>> tool_call("find_orders", {"email": "a@b.co"})["function"]["arguments"]
        '{"email": "a@b.co"}'
    """
    text = arguments if isinstance(arguments, str) else json.dumps(arguments, ensure_ascii=False)
    call: MessageDict = {"type": "function", "function": {"name": name, "arguments": text}}
    if id is not None:
        call["id"] = id
    return call


def assistant_message(output: str | MessageDict) -> MessageDict:
    """Normalise a model's output to an assistant message with string tool-call arguments.

    Text that is not valid Unicode (a lone surrogate) is repaired (`valid_strings`).

    Accepts text, an assistant message, or the flat call form `{"name", "arguments"}` inside
    `tool_calls`.

    Raises:
        ModelError: for anything else.
    """
    if isinstance(output, str):
        return {"role": "assistant", "content": output}
    if not isinstance(output, dict):
        raise ModelError(f"a model output must be text or a message, not {type(output).__name__}")
    content = output.get("content")
    if content is not None and not isinstance(content, str):
        raise ModelError("a model output's content must be text")
    calls = []
    for call in output.get("tool_calls") or []:
        if not isinstance(call, dict):
            raise ModelError("each tool call must be an object")
        fn = call.get("function", call)
        if not isinstance(fn, dict) or "name" not in fn:
            raise ModelError("a tool call has no function name")
        made = tool_call(str(fn["name"]), fn.get("arguments", "{}"), call.get("id"))
        calls.append(made)
    message: MessageDict = {"role": "assistant", "content": content}
    if calls:
        message["tool_calls"] = calls
    return valid_strings(message)  # type: ignore[no-any-return]


class ScriptedModel:
    """Returns a fixed list of outputs in order (text, assistant messages, tool calls).

    Example:
        >>> model = ScriptedModel(["Hello!", {"tool_calls": [tool_call("ping", {})]}])
        >>> model.complete([], [])["content"]
        'Hello!'
    """

    def __init__(self, outputs: Iterable[str | MessageDict], *, name: str = "scripted") -> None:
        self.outputs = [assistant_message(o) for o in outputs]
        self.name = name
        self.calls: list[list[MessageDict]] = []

    def complete(self, messages: list[MessageDict], tools: list[MessageDict]) -> MessageDict:
        """The next scripted output."""
        if len(self.calls) >= len(self.outputs):
            given = len(self.outputs)
            raise ModelError(f"{self.name}: the script has no output left ({given} given)")
        self.calls.append(list(messages))
        return dict(self.outputs[len(self.calls) - 1])


class FunctionModel:
    """A model that is a function of the messages (and tool definitions).

    Example:
        >>> echo = FunctionModel(lambda messages, tools: "You said: " + messages[-1]["content"])
        >>> echo.complete([{"role": "user", "content": "hi"}], [])["content"]
        'You said: hi'
    """

    def __init__(
        self,
        fn: Callable[[list[MessageDict], list[MessageDict]], str | MessageDict],
        *,
        name: str | None = None,
    ) -> None:
        self.fn = fn
        self.name: str = name or str(getattr(fn, "__name__", "function"))

    def complete(self, messages: list[MessageDict], tools: list[MessageDict]) -> MessageDict:
        """The function's output for these messages."""
        return assistant_message(self.fn(messages, tools))


def model_view(messages: list[MessageDict], documents: list[dict[str, str]]) -> list[MessageDict]:
    """The conversation as a model sees it: the documents follow the system prompt."""
    if not documents:
        return messages
    listing = "\n\n".join(f"[{d['id']}] {d['text']}" for d in documents)
    docs = {"role": "system", "content": "Documents you can use:\n\n" + listing}
    at = 1 if messages and messages[0]["role"] == "system" else 0
    return [*messages[:at], docs, *messages[at:]]


def _from_sdk(message: Any) -> MessageDict:
    """An assistant message from an openai or litellm response message object."""
    calls = [
        tool_call(c.function.name, c.function.arguments or "{}", c.id)
        for c in (getattr(message, "tool_calls", None) or [])
    ]
    out: MessageDict = {"role": "assistant", "content": getattr(message, "content", None)}
    if calls:
        out["tool_calls"] = calls
    return out


def _first_message(response: Any, who: str) -> Any:
    choices = getattr(response, "choices", None)
    if not choices:
        raise ModelError(f"{who}: the response has no choices")
    return choices[0].message


class LiteLLMModel:
    """Any provider litellm reaches (`openai/gpt-4o-mini`, `anthropic/...`, a local server).

    Args:
        model: litellm model string.
        **options: Passed to `litellm.completion` (`api_base`, `api_key`, `temperature`,
            `timeout`, `mock_response`, ...).
    """

    def __init__(self, model: str, **options: Any) -> None:
        self.model = model
        self.name = model
        self.options = options

    def complete(self, messages: list[MessageDict], tools: list[MessageDict]) -> MessageDict:
        """One `litellm.completion` call."""
        litellm = import_litellm()
        kwargs: dict[str, Any] = {"model": self.model, "messages": messages, **self.options}
        if tools:
            kwargs["tools"] = tools
        return _from_sdk(_first_message(litellm.completion(**kwargs), self.name))


class OpenAIModel:
    """The openai SDK's chat completions, directly.

    Args:
        model: Model name.
        client: An `openai.OpenAI` client; one is made from the environment when omitted.
        **options: Passed to `chat.completions.create` (`temperature`, `timeout`, ...).
    """

    def __init__(self, model: str, *, client: Any = None, **options: Any) -> None:
        self.model = model
        self.name = model
        self.client = client
        self.options = options

    def complete(self, messages: list[MessageDict], tools: list[MessageDict]) -> MessageDict:
        """One `chat.completions.create` call."""
        if self.client is None:
            import openai

            self.client = openai.OpenAI()
        kwargs: dict[str, Any] = {"model": self.model, "messages": messages, **self.options}
        if tools:
            kwargs["tools"] = tools
        response = self.client.chat.completions.create(**kwargs)
        return _from_sdk(_first_message(response, self.name))


def give_timeout(model: Model, timeout: float | None) -> bool:
    """Pass `timeout` to a litellm or openai model as its own, unless its options set one.

    The SDK then gives up too, so a timed-out request does not hold its connection and thread.

    Returns:
        Whether the model now has a timeout of its own.
    """
    if not isinstance(model, (LiteLLMModel, OpenAIModel)):
        return False
    if timeout is not None:
        model.options.setdefault("timeout", timeout)
    return "timeout" in model.options


def as_model(model: Model | str | Callable[[list[MessageDict], list[MessageDict]], Any]) -> Model:
    """A `Model` from a model, a litellm model string, or a function of the messages."""
    if isinstance(model, str):
        return LiteLLMModel(model)
    if isinstance(model, Model):
        return model
    if callable(model):
        return FunctionModel(model)
    raise TypeError(f"model must be a Model, a litellm model string or a function, not {model!r}")
