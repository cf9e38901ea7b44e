"""The `check` input: OpenAI-format messages, tools, documents and the model output to check.

`parse_check_input` is the one door every entry point goes through, so a malformed input gets
the same one-line error from the API, the CLI and the eval runner. The door first screens the
input against the limits of `agentguard.input_limits` (size, nesting depth, number length, JSON
values only, schema shapes) and replaces lone surrogates with U+FFFD.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from agentguard.errors import InputError, from_validation_error
from agentguard.input_limits import MAX_INPUT_CHARS, MAX_MESSAGES, screen, short
from agentguard.message_forms import plain_input

__all__ = ["MAX_INPUT_CHARS", "MAX_MESSAGES", "CheckInput", "parse_check_input"]

ROLES = ("system", "developer", "user", "assistant", "tool")


class FunctionCall(BaseModel):
    """The `function` part of an OpenAI tool call."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    name: str
    """Name of the tool called."""
    arguments: str | dict[str, Any] = "{}"
    """Arguments as the model wrote them: a JSON string (or an already-parsed object)."""


class ToolCall(BaseModel):
    """One tool call made by the assistant."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str | None = None
    """Call id that a later `tool` message refers to."""
    type: Literal["function"] = "function"
    """Always `function`."""
    function: FunctionCall
    """Name and arguments."""


def content_text(content: str | list[dict[str, Any]] | None) -> str:
    """A message's text: the string itself, or its `text` parts joined by newlines."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return "\n".join(str(p.get("text", "")) for p in content if p.get("type") == "text")


class Message(BaseModel):
    """One OpenAI chat message."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    role: Literal["system", "developer", "user", "assistant", "tool"]
    """Who wrote it."""
    content: str | list[dict[str, Any]] | None = None
    """Text, or a list of content parts (only `text` parts are read)."""
    tool_calls: list[ToolCall] | None = None
    """Tool calls (assistant messages)."""
    tool_call_id: str | None = None
    """The call this message answers (tool messages)."""
    name: str | None = None
    """Tool name (tool messages, optional)."""

    @property
    def text(self) -> str:
        """The message's text content, content parts joined by newlines."""
        return content_text(self.content)


class FunctionDef(BaseModel):
    """The `function` part of an OpenAI tool definition."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    name: str
    """Tool name."""
    description: str = ""
    """What the tool does."""
    parameters: dict[str, Any] = Field(default_factory=dict)
    """JSON schema of the arguments."""


class ToolDef(BaseModel):
    """An OpenAI tool definition: `{"type": "function", "function": {...}}`."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    type: Literal["function"] = "function"
    """Always `function`."""
    function: FunctionDef
    """Name, description and parameter schema."""


class Document(BaseModel):
    """A retrieved document the agent has."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    """Document id; its source id is `doc:<id>`."""
    text: str
    """Document text."""


class Output(BaseModel):
    """The model output to check."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    role: Literal["assistant"] = "assistant"
    """Always `assistant`."""
    content: str | list[dict[str, Any]] | None = None
    """The assistant's text."""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    """Tool calls the output makes."""

    @field_validator("tool_calls", mode="before")
    @classmethod
    def _none_is_empty(cls, value: object) -> object:
        return [] if value is None else value

    @property
    def text(self) -> str:
        """The output's text content."""
        return content_text(self.content)


class CheckInput(BaseModel):
    """One `check` input: the context the agent had and the output it produced."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    messages: list[Message]
    """The conversation so far, OpenAI chat format."""
    output: Output
    """The model output to check."""
    tools: list[ToolDef] = Field(default_factory=list)
    """Tool definitions the model was given."""
    documents: list[Document] = Field(default_factory=list)
    """Retrieved documents the model was given."""
    policy: str | None = None
    """Policy name or path; overrides the monitor's policy for this input."""
    id: str | None = None
    """Optional id, echoed into the trace."""
    metadata: dict[str, Any] = Field(default_factory=dict)
    """Free-form metadata, echoed into the trace."""

    @field_validator("tools", mode="before")
    @classmethod
    def _accept_flat_tools(cls, value: object) -> object:
        # Accept the flat `{"name", "description", "parameters"}` form some SDKs emit.
        if isinstance(value, list):
            return [
                {"type": "function", "function": t}
                if isinstance(t, dict) and "function" not in t and "name" in t
                else t
                for t in value
            ]
        return value


def _check_roles(messages: object) -> None:
    if not isinstance(messages, list):
        raise InputError("messages", f"must be a list of messages, not {type(messages).__name__}")
    if len(messages) > MAX_MESSAGES:
        raise InputError("messages", f"{len(messages)} messages; the limit is {MAX_MESSAGES}")
    for i, m in enumerate(messages):
        if not isinstance(m, dict):
            raise InputError(f"messages[{i}]", f"must be an object, not {type(m).__name__}")
        if "role" not in m:
            raise InputError(f"messages[{i}]", "missing field 'role'")
        if m["role"] not in ROLES:
            raise InputError(
                f"messages[{i}].role",
                f"unknown role {short(m['role'])} (expected one of {', '.join(ROLES)})",
            )


def _check_tool_results(messages: list[Message], earlier: Iterable[str] = ()) -> None:
    seen: set[str] = set(earlier)
    for i, m in enumerate(messages):
        for call in m.tool_calls or []:
            if call.id:
                seen.add(call.id)
        if m.role == "tool":
            if m.tool_call_id is None:
                raise InputError(f"messages[{i}]", "tool message without 'tool_call_id'")
            if m.tool_call_id not in seen:
                raise InputError(
                    f"messages[{i}].tool_call_id",
                    f"{short(m.tool_call_id)} names no earlier assistant tool call",
                )


def parse_check_input(data: object, *, earlier_calls: Iterable[str] = ()) -> CheckInput:
    """Validate one `check` input given as a parsed JSON object (or a `CheckInput`).

    Messages, the output and tools may also be OpenAI SDK, LangChain or litellm objects
    (`agentguard.message_forms`); they are converted to OpenAI dicts before the screen.

    Args:
        data: The input.
        earlier_calls: Ids of tool calls made in messages before these, which tool results
            here may answer (`InputHistory` parses only a conversation's new messages).

    Raises:
        InputError: naming the field and what is wrong with it (a bad value shows as a short
            prefix only).
    """
    if isinstance(data, CheckInput):
        data = data.model_dump()  # screened like any other input: it may hold what JSON cannot
    if not isinstance(data, dict):
        raise InputError("input", f"must be a JSON object, not {type(data).__name__}")
    for required in ("messages", "output"):
        if required not in data:
            raise InputError("input", f"missing field {required!r}")
    if isinstance(data["messages"], list) and len(data["messages"]) > MAX_MESSAGES:
        _check_roles(data["messages"])  # refuse a huge list before walking it
    data = screen(plain_input(data))  # SDK and LangChain objects are screened once converted
    _check_roles(data["messages"])
    try:
        inp = CheckInput.model_validate(data)
    except ValidationError as exc:
        raise InputError(*from_validation_error(exc)) from None
    _check_tool_results(inp.messages, earlier_calls)
    return inp


class InputHistory:
    """One conversation's messages as parsed so far, so that its next input parses only what is new.

    A check of the same conversation passes the whole message list again, with new messages at
    its end. `parse` compares the list with the messages seen before (by value, against copies,
    so a list changed in place is noticed), screens and validates only the messages after the
    first difference, and reuses the parsed ones before it. The result is the input
    `parse_check_input` gives: any input it cannot be sure of (a bad one, one near the size
    limit, one not in dict form) is parsed whole, so errors name the same places.
    """

    def __init__(self) -> None:
        """Start with no messages seen."""
        self._raw: list[Any] = []
        self._parsed: list[Message] = []
        self._chars: list[int] = [0]
        """`_chars[i]`: characters of JSON of the first `i` messages."""
        self._calls: list[frozenset[str]] = [frozenset()]
        """`_calls[i]`: ids of the tool calls made in the first `i` messages."""

    def parse(self, data: object) -> CheckInput:
        """The validated input `data` (see `parse_check_input`).

        Raises:
            InputError: as `parse_check_input` does.
        """
        if not isinstance(data, dict):
            return self._whole(data)
        messages = data.get("messages")
        if not isinstance(messages, list) or len(messages) > MAX_MESSAGES or "output" not in data:
            return self._whole(data)
        k = self._common_prefix(messages)
        if k == 0:
            return self._whole(data)
        try:
            rest = plain_input({**data, "messages": messages[k:]})
            size = len(json.dumps(rest, ensure_ascii=False, allow_nan=False, check_circular=False))
        except (InputError, TypeError, ValueError, RecursionError):
            return self._whole(data)  # the whole input's error names the right message
        if self._chars[k] + size > MAX_INPUT_CHARS:
            return self._whole(data)  # near the limit: counted exactly on the whole input
        try:
            inp = parse_check_input(rest, earlier_calls=self._calls[k])
        except InputError:
            return self._whole(data)
        full = inp.model_copy(update={"messages": [*self._parsed[:k], *inp.messages]})
        self._remember(messages, rest["messages"], full.messages, k)
        return full

    def _common_prefix(self, messages: list[Any]) -> int:
        raw, n = self._raw, min(len(messages), len(self._raw))
        k = 0
        while k < n and messages[k] == raw[k]:
            k += 1
        return k

    def _whole(self, data: object) -> CheckInput:
        self._raw, self._parsed, self._chars, self._calls = [], [], [0], [frozenset()]
        if not isinstance(data, dict) or not isinstance(data.get("messages"), list):
            return parse_check_input(data)
        plain = plain_input(data)
        inp = parse_check_input(plain)
        self._remember(data["messages"], plain["messages"], inp.messages, 0)
        return inp

    def _remember(self, raw: list[Any], plain: list[Any], parsed: list[Message], k: int) -> None:
        """Keep copies of the raw messages from `k` on (the caller may change its own).

        `plain` holds the messages from `k` on in dict form, as the screen measured them.
        """
        try:
            self._raw[k:] = copy.deepcopy(raw[k:])
        except Exception:  # noqa: BLE001 - an object that cannot be copied is read again next time
            self._raw, self._parsed, self._chars, self._calls = [], [], [0], [frozenset()]
            return
        self._parsed = list(parsed)
        del self._chars[k + 1 :]
        del self._calls[k + 1 :]
        total, calls = self._chars[k], self._calls[k]
        for m, p in zip(parsed[k:], plain, strict=True):
            total += len(json.dumps(p, ensure_ascii=False, default=str, check_circular=False))
            self._chars.append(total)
            ids = [c.id for c in m.tool_calls or [] if c.id]
            calls = calls.union(ids) if ids else calls
            self._calls.append(calls)
