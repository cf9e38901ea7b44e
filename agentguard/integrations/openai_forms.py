"""What a wrapped OpenAI call is checked on, and the answer that replaces a held-back one.

Chat completions need little: the request's `messages` and `tools`, and the first choice's
message. The Responses API is turned into the same OpenAI chat form here: `instructions`
become a system message, the `input` items become messages (`function_call` items an
assistant message's tool calls, `function_call_output` items tool results; reasoning and other
items are left out), function tools become chat tools, and the response's output text and
`function_call` items become the checked output. `ResponseMemory` keeps the conversations of
recent responses, so a call that continues one with `previous_response_id` is checked against
what came before it.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import Any

from agentguard.message_forms import dump_model
from agentguard.types import Report

__all__ = ["ResponseMemory", "chat_tools", "replaced_completion", "replaced_response"]

HELD = frozenset({"ask_user", "retry", "block"})
"""The decisions that hold an answer back, as `AssumptionFlagged` documents them."""
HELD_ATTR = "_agentguard_held"
"""The attribute a replaced response keeps the model's own response in (`held_response`)."""


def notice(report: Report) -> str:
    """What replaces a held-back answer: the question, or a notice saying why it was held."""
    if report.decision.action == "ask_user" and report.decision.question:
        return report.decision.question
    return f"agentguard held this answer back ({report.decision.action}): {report.decision.reason}"


def _plain(value: Any) -> Any:
    return dump_model(value) if callable(getattr(value, "model_dump", None)) else value


def chat_tools(tools: Any) -> list[Any]:
    """The function tools of a request, in chat form; other tools (web search, ...) left out."""
    out: list[Any] = []
    for tool in tools or []:
        tool = _plain(tool)
        if not isinstance(tool, dict):
            out.append(tool)  # left for the check to name
        elif "function" in tool or tool.get("type", "function") != "function":
            if tool.get("type", "function") == "function":
                out.append(tool)
        else:  # the Responses API's flat form
            keys = ("name", "description", "parameters")
            out.append({"type": "function", "function": {k: tool[k] for k in keys if k in tool}})
    return out


def _text_of(content: Any) -> str | None:
    if content is None or isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [_plain(p) for p in content]
        return "".join(str(p.get("text", "")) for p in parts if isinstance(p, dict))
    return str(content)


def response_messages(instructions: Any, items: Any) -> list[dict[str, Any]]:
    """A Responses API request's `instructions` and `input`, as chat messages."""
    messages: list[dict[str, Any]] = []
    if isinstance(instructions, str) and instructions:
        messages.append({"role": "system", "content": instructions})
    if isinstance(items, str):
        return [*messages, {"role": "user", "content": items}]
    for item in items or []:
        item = _plain(item)
        if not isinstance(item, dict):
            continue
        kind = item.get("type", "message")
        if kind == "message" and "role" in item:
            messages.append({"role": item["role"], "content": _text_of(item.get("content"))})
        elif kind == "function_call":
            call = {
                "id": item.get("call_id"),
                "type": "function",
                "function": {"name": item.get("name"), "arguments": item.get("arguments", "")},
            }
            last = messages[-1] if messages else None
            if last is not None and last["role"] == "assistant" and last.get("tool_calls"):
                last["tool_calls"].append(call)
            else:
                messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
        elif kind == "function_call_output":
            output = item.get("output")
            text = output if isinstance(output, str) else json.dumps(output, default=str)
            messages.append({"role": "tool", "tool_call_id": item.get("call_id"), "content": text})
    return messages


def response_output(response: Any) -> dict[str, Any]:
    """A Responses API response's output text and function calls, as one assistant message."""
    calls = []
    for item in getattr(response, "output", None) or []:
        if getattr(item, "type", None) == "function_call":
            function = {"name": item.name, "arguments": item.arguments}
            calls.append({"id": item.call_id, "type": "function", "function": function})
    text = getattr(response, "output_text", "")
    return {"role": "assistant", "content": text or None, "tool_calls": calls}


class ResponseMemory:
    """The conversations of the most recent responses, for `previous_response_id`."""

    def __init__(self, size: int = 256) -> None:
        """Keep the conversations of up to `size` responses, the oldest dropped first."""
        self.size = size
        self._seen: OrderedDict[str, list[dict[str, Any]]] = OrderedDict()
        self._lock = threading.Lock()

    def before(self, previous_id: Any) -> list[dict[str, Any]]:
        """The conversation up to and including response `previous_id` (empty if unknown)."""
        if not isinstance(previous_id, str):
            return []
        with self._lock:
            return list(self._seen.get(previous_id, []))

    def keep(self, response_id: Any, messages: list[dict[str, Any]]) -> None:
        """Remember the conversation that response `response_id` ends."""
        if not isinstance(response_id, str):
            return
        with self._lock:
            self._seen[response_id] = messages
            self._seen.move_to_end(response_id)
            while len(self._seen) > self.size:
                self._seen.popitem(last=False)


def replaced_completion(completion: Any, text: str) -> Any:
    """A copy of a chat completion whose first choice says `text`, with no tool calls."""
    copy = completion.model_copy(deep=True)
    choice = copy.choices[0]
    message = choice.message
    message.content = text
    message.tool_calls = None
    if getattr(message, "function_call", None) is not None:
        message.function_call = None
    if getattr(message, "parsed", None) is not None:
        message.parsed = None  # a structured answer is what was held back
    if choice.finish_reason in ("tool_calls", "function_call"):
        choice.finish_reason = "stop"
    object.__setattr__(copy, HELD_ATTR, completion)
    return copy


def replaced_response(response: Any, text: str, *, item_id: str = "msg_agentguard") -> Any:
    """A copy of a Responses API response whose output is one message saying `text`."""
    from openai.types.responses import ResponseOutputMessage, ResponseOutputText

    part = ResponseOutputText.model_construct(type="output_text", text=text, annotations=[])
    message = ResponseOutputMessage.model_construct(
        id=item_id, type="message", role="assistant", status="completed", content=[part]
    )
    copy = response.model_copy(update={"output": [message]})
    object.__setattr__(copy, HELD_ATTR, response)
    return copy
