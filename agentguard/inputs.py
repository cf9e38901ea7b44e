"""The `check` input: OpenAI-format messages, tools, documents and the model output to check.

`parse_check_input` is the one door every entry point goes through, so a malformed input gets
the same one-line error from the API, the CLI and the eval runner. The door first screens the
input against the limits of `agentguard.input_limits` (size, nesting depth, number length, JSON
values only, schema shapes) and replaces lone surrogates with U+FFFD.
"""

from __future__ import annotations

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


def _check_tool_results(messages: list[Message]) -> None:
    seen: set[str] = set()
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


def parse_check_input(data: object) -> CheckInput:
    """Validate one `check` input given as a parsed JSON object (or a `CheckInput`).

    Messages, the output and tools may also be OpenAI SDK, LangChain or litellm objects
    (`agentguard.message_forms`); they are converted to OpenAI dicts before the screen.

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
    _check_tool_results(inp.messages)
    return inp
