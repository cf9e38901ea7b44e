"""What a wrapper sends to carry an agent on when the monitor decides `use_context`.

A `use_context` decision says the agent asked for something it already has, or called a tool
whose result it already has. A wrapper that acts on it continues the agent itself, once:

- a question (known values of origin `stated` or `default`): the question is not sent; the
  follow-up request is the original conversation and a `system` message saying what is known
  (`decision.message`);
- needless tool calls (origin `computed` or `earlier_call`): the calls are not run; the
  follow-up request is the original conversation, the assistant message with its calls, and a
  `tool` message answering each call with the known value. This is done only when every tool
  call of the output is needless: a call that must run is the caller's to run, so an output
  with one passes unchanged, with its report.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agentguard.decide import call_answers, known_text
from agentguard.message_forms import dump_model
from agentguard.types import Decision

__all__ = [
    "CONTINUED",
    "chat_follow_up",
    "known_text",
    "needless_answers",
    "responses_follow_up",
    "without_refused",
]

CONTINUED = "continued after use_context: "
"""How the note on a follow-up's report begins; the rest is the first decision's message."""
_QUESTION_ORIGINS = frozenset({"stated", "default"})


def _call_id(call: Any) -> Any:
    return call.get("id") if isinstance(call, dict) else getattr(call, "id", None)


def needless_answers(decision: Decision, calls: list[Any]) -> dict[str, str] | None:
    """Call id -> known result, when the decision answers every call of `calls`; else `None`."""
    ids = [_call_id(c) for c in calls]
    answers = call_answers(decision, ids)
    if not ids or any(i not in answers for i in ids):
        return None
    return {i: answers[i] for i in ids}


def _asks(decision: Decision) -> bool:
    """Whether the decision answers a question of the output (and has a message to say so)."""
    return bool(decision.message) and any(k.origin in _QUESTION_ORIGINS for k in decision.known)


def _chat_call(call: Any) -> dict[str, Any]:
    plain = call if isinstance(call, dict) else dump_model(call)
    function = plain.get("function") or {}
    return {
        "id": plain.get("id"),
        "type": "function",
        "function": {"name": function.get("name"), "arguments": function.get("arguments", "")},
    }


def chat_follow_up(
    messages: Any, content: str | None, calls: list[Any], decision: Decision
) -> list[Any] | None:
    """The messages of the follow-up chat request for a `use_context` decision, or `None`.

    Args:
        messages: The original request's messages (any form the chat API takes).
        content: The text of the model's answer.
        calls: Its tool calls (dicts or SDK objects).
        decision: The decision on the answer.

    Returns:
        `None` when the decision is not `use_context` or the agent cannot be continued (a
        tool call the decision does not answer, or nothing to tell it).

    Example:
        >>> from agentguard.types import Decision, KnownValue
        >>> known = KnownValue(claim_id="c1", origin="computed", call_id="c1", value=391)
        >>> decision = Decision(action="use_context", known=(known,), reason="exact")
        >>> call = {"id": "c1", "function": {"name": "calculator", "arguments": "{}"}}
        >>> chat_follow_up([], None, [call], decision)[-1]
        {'role': 'tool', 'tool_call_id': 'c1', 'content': '391'}
    """
    if decision.action != "use_context":
        return None
    before = list(messages or [])
    if not calls:
        if not _asks(decision):
            return None
        return [*before, {"role": "system", "content": decision.message}]
    answers = needless_answers(decision, calls)
    if answers is None:
        return None
    said = {"role": "assistant", "content": content, "tool_calls": [_chat_call(c) for c in calls]}
    results = [{"role": "tool", "tool_call_id": i, "content": t} for i, t in answers.items()]
    note = [{"role": "system", "content": decision.message}] if _asks(decision) else []
    return [*before, said, *results, *note]


def _input_item(item: Any) -> Any:
    """A response output item as a Responses API input item (parsed fields left out)."""
    plain = dump_model(item) if callable(getattr(item, "model_dump", None)) else item
    if not isinstance(plain, dict):
        return plain
    plain.pop("parsed_arguments", None)
    for part in plain.get("content") or []:
        if isinstance(part, dict):
            part.pop("parsed", None)
    return plain


def responses_follow_up(
    kwargs: dict[str, Any], response: Any, calls: list[Any], decision: Decision
) -> dict[str, Any] | None:
    """The keyword arguments of the follow-up Responses API request, or `None`.

    The follow-up is self-contained (it works with `store=False`): the original `input`, then
    for needless calls every output item of `response` and a `function_call_output` per call,
    or for a question a `system` message. `previous_response_id` and the rest are kept.

    Args:
        kwargs: The original request's keyword arguments.
        response: The model's response.
        calls: Its function calls, in chat form (`id` is the call id).
        decision: The decision on the response.
    """
    if decision.action != "use_context":
        return None
    given = kwargs.get("input")
    items: list[Any] = [{"role": "user", "content": given}] if isinstance(given, str) else []
    if not isinstance(given, str):
        items = list(given or [])
    if not calls:
        if not _asks(decision):
            return None
        return {**kwargs, "input": [*items, {"role": "system", "content": decision.message}]}
    answers = needless_answers(decision, calls)
    if answers is None:
        return None
    said = [_input_item(item) for item in getattr(response, "output", None) or []]
    results = [
        {"type": "function_call_output", "call_id": i, "output": t} for i, t in answers.items()
    ]
    note = [{"role": "system", "content": decision.message}] if _asks(decision) else []
    return {**kwargs, "input": [*items, *said, *results, *note]}


def without_refused(messages: list[Any], refused: Callable[[Any, Any], bool]) -> list[Any]:
    """`messages` without the tool calls a wrapper refused, and without their refusals.

    A call a wrapper held back for a question never ran: the `tool` message that carries the
    question is no result, and a conversation that kept it would make the same call, once the
    user has answered, look like a repeat of one already answered. `refused(call_id, content)`
    says whether a `tool` message is such a refusal. Messages that are not OpenAI-form dicts
    are kept as they are.

    Example:
        >>> call = {"id": "c1", "function": {"name": "book", "arguments": "{}"}}
        >>> chat = [
        ...     {"role": "user", "content": "Book it."},
        ...     {"role": "assistant", "content": None, "tool_calls": [call]},
        ...     {"role": "tool", "tool_call_id": "c1", "content": "Where from?"},
        ... ]
        >>> without_refused(chat, lambda i, text: text == "Where from?")
        [{'role': 'user', 'content': 'Book it.'}]
    """
    gone = {
        m.get("tool_call_id")
        for m in messages
        if isinstance(m, dict)
        and m.get("role") == "tool"
        and refused(m.get("tool_call_id"), m.get("content"))
    }
    if not gone:
        return messages
    out: list[Any] = []
    for m in messages:
        if not isinstance(m, dict):
            out.append(m)
            continue
        if m.get("role") == "tool" and m.get("tool_call_id") in gone:
            continue
        calls = m.get("tool_calls")
        if calls:
            kept = [c for c in calls if _call_id(c) not in gone]
            if len(kept) != len(calls):
                if not kept and not m.get("content"):
                    continue
                m = {k: v for k, v in m.items() if k != "tool_calls"}
                if kept:
                    m["tool_calls"] = kept
        out.append(m)
    return out
