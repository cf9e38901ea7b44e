"""The message forms people already have, turned into the OpenAI dicts of the `check` input.

Accepted besides plain dicts: OpenAI SDK objects (`ChatCompletionMessage`,
`ChatCompletionMessageToolCall`, a whole `ChatCompletion`, which stands for its first choice's
message), LangChain messages (`SystemMessage`, `HumanMessage`, `AIMessage` with its
`tool_calls`, `ToolMessage`, `ChatMessage`), litellm objects (`Message`, `ModelResponse`) and
any other pydantic model (read with `model_dump(exclude_none=True)`).

Nothing here imports openai, langchain or litellm: a form is known by its type's module and its
attributes, so a user who has none of them pays nothing. The converted input is screened and
validated afterwards like any other (`agentguard.inputs`).
"""

from __future__ import annotations

import json
from typing import Any

from agentguard.errors import InputError

__all__ = ["SUPPORTED_FORMS", "dump_model", "plain_input"]

SUPPORTED_FORMS = (
    "dict, OpenAI SDK (ChatCompletionMessage, ChatCompletion), "
    "LangChain (SystemMessage, HumanMessage, AIMessage, ToolMessage), "
    "litellm (Message, ModelResponse), pydantic models"
)
"""The forms a message or output may take, as error messages name them."""

_LANGCHAIN_ROLES = {
    "system": "system",
    "developer": "developer",
    "human": "user",
    "ai": "assistant",
    "tool": "tool",
}
"""LangChain message `type` -> OpenAI role (chunks are the same with `MessageChunk` spelt out)."""


def _is_langchain(value: object) -> bool:
    return type(value).__module__.startswith(("langchain_core.", "langchain.")) and hasattr(
        value, "content"
    )


def _arguments(args: object, where: str) -> str:
    """LangChain's parsed `args` as the JSON string of OpenAI's `arguments`."""
    if isinstance(args, str):
        return args  # an invalid tool call keeps what the model wrote: the monitor flags it
    try:
        return json.dumps(args, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError) as exc:
        raise InputError(where, f"arguments are not JSON ({type(exc).__name__})") from None


def dump_model(value: Any) -> Any:
    """`value.model_dump(exclude_none=True)`, without pydantic's serializer warnings.

    The SDKs declare fields their objects do not always hold (a parsed message's `parsed` is
    typed by the caller's response format): pydantic warns while it dumps them, and a caller
    who turns warnings into errors must not lose the check to that.
    """
    try:
        return value.model_dump(exclude_none=True, warnings=False)
    except TypeError:  # a `model_dump` that takes no `warnings` (not pydantic 2)
        return value.model_dump(exclude_none=True)


def _tool_call(call: object, where: str) -> object:
    """One tool call in OpenAI form: LangChain's `{name, args, id}` and SDK objects converted."""
    if not isinstance(call, dict):
        if not callable(getattr(call, "model_dump", None)):
            return call  # left for validation to name
        call = dump_model(call)
    if isinstance(call, dict) and "function" not in call and "name" in call and "args" in call:
        return {
            "id": call.get("id"),
            "type": "function",
            "function": {"name": call["name"], "arguments": _arguments(call["args"], where)},
        }
    return call


def _langchain_message(msg: Any, where: str) -> dict[str, Any]:
    kind = str(getattr(msg, "type", ""))
    base = kind.removesuffix("MessageChunk").lower()  # `AIMessageChunk` is an `ai` message
    role = _LANGCHAIN_ROLES.get(str(msg.role), msg.role) if base == "chat" else None
    role = role or _LANGCHAIN_ROLES.get(base)
    if role is None:
        raise InputError(where, f"LangChain message of type {kind!r} has no OpenAI role")
    content = msg.content
    if isinstance(content, list):  # LangChain allows bare strings among the content blocks
        content = [{"type": "text", "text": p} if isinstance(p, str) else p for p in content]
    out: dict[str, Any] = {"role": role, "content": content}
    calls = [*(getattr(msg, "tool_calls", None) or ()), *(getattr(msg, "invalid_tool_calls", ()))]
    if calls:
        out["tool_calls"] = [_tool_call(c, f"{where}.tool_calls[{i}]") for i, c in enumerate(calls)]
    if getattr(msg, "tool_call_id", None) is not None:
        out["tool_call_id"] = msg.tool_call_id
    if role == "tool" and getattr(msg, "name", None):
        out["name"] = msg.name
    return out


def _message(value: object, where: str, what: str) -> object:
    """One message (or output) as a plain dict; a dict's SDK tool calls are converted too."""
    if value is None or isinstance(value, (str, int, float, list)):
        return value  # JSON, but no object: validation names what is wrong
    if isinstance(value, dict):
        msg: object = value
    elif _is_langchain(value):
        msg = _langchain_message(value, where)
    elif hasattr(value, "choices") and hasattr(value, "model_dump"):  # ChatCompletion, litellm
        choices = value.choices
        if not choices:
            raise InputError(where, f"{type(value).__name__} has no choices")
        return _message(getattr(choices[0], "message", None), f"{where}.choices[0].message", what)
    elif callable(getattr(value, "model_dump", None)):
        msg = dump_model(value)
    else:
        raise InputError(
            where,
            f"{type(value).__name__} is not a supported {what} form (supported: {SUPPORTED_FORMS})",
        )
    if isinstance(msg, dict) and isinstance(msg.get("tool_calls"), list):
        calls = [_tool_call(c, f"{where}.tool_calls[{i}]") for i, c in enumerate(msg["tool_calls"])]
        msg = {**msg, "tool_calls": calls}
    return msg


def _tool(value: object, where: str) -> object:
    """A tool definition as a dict: SDK models dumped, LangChain tools converted by LangChain."""
    if isinstance(value, dict):
        function = value.get("function")
        if callable(getattr(function, "model_dump", None)):
            return {**value, "function": dump_model(function)}
        return value
    if type(value).__module__.startswith(("langchain_core.", "langchain.")):
        # The object's module is loaded, so LangChain is installed and this import is free.
        from langchain_core.utils.function_calling import convert_to_openai_tool

        return convert_to_openai_tool(value)  # type: ignore[arg-type]
    if callable(getattr(value, "model_dump", None)):
        return dump_model(value)
    raise InputError(
        where,
        f"{type(value).__name__} is not a supported tool form "
        "(supported: dict, OpenAI SDK or other pydantic models, LangChain tools)",
    )


def plain_input(data: dict[str, Any]) -> dict[str, Any]:
    """`data` with its messages, output and tools in plain OpenAI dict form.

    Fields that are not lists (or not there), and a string output, are left for validation.

    Raises:
        InputError: naming the item whose type is no supported form, and the supported ones.
    """
    out = dict(data)
    messages = out.get("messages")
    if isinstance(messages, list):
        out["messages"] = [_message(m, f"messages[{i}]", "message") for i, m in enumerate(messages)]
    if "output" in out and not isinstance(out["output"], str):
        out["output"] = _message(out["output"], "output", "output")
    tools = out.get("tools")
    if isinstance(tools, list):
        out["tools"] = [_tool(t, f"tools[{i}]") for i, t in enumerate(tools)]
    return out
