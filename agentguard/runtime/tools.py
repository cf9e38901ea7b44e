"""Tools from plain Python functions: a JSON schema from the signature and docstring.

A tool can declare the facts it resolves, so the monitor may call it instead of letting the
model guess: a parameter path (`"order_id"`: that parameter of any tool) or `"text:KIND"` for
sentences stating a value of that kind (`"text:number"`: a calculator settles arithmetic).
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, overload

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from agentguard.input_limits import clean_text
from agentguard.runtime.calls import DEFAULT_CALLS, CallLimit, Calls, CallTimeout

_ARG_LINE = re.compile(r"^ {1,4}\*{0,2}(\w+)(?:\s*\([^)]*\))?\s*:\s*(.*)$")
_SECTION = re.compile(r"^\s*(Args|Arguments|Parameters|Returns|Raises|Yields|Example|Examples)\s*:")


class ToolResult(BaseModel):
    """What running a tool gave: the content the model sees, and whether it was an error."""

    model_config = ConfigDict(frozen=True)

    content: str
    """The result as text (JSON for structured results), or the error message."""
    error: str | None = None
    """`exception`, `timeout`, `invalid_arguments`, or `call_limit` (not run: too many earlier
    calls hang) when the tool did not succeed."""


def _doc_parts(fn: Callable[..., Any]) -> tuple[str, dict[str, str]]:
    """The summary and the per-argument descriptions of a Google-style docstring."""
    doc = inspect.getdoc(fn) or ""
    summary: list[str] = []
    args: dict[str, str] = {}
    section, current = None, None
    for line in doc.splitlines():
        head = _SECTION.match(line)
        if head:
            section, current = head.group(1), None
            continue
        if section is None:
            summary.append(line.strip())
        elif section in ("Args", "Arguments", "Parameters"):
            m = _ARG_LINE.match(line)
            if m:
                current = m.group(1)
                args[current] = m.group(2).strip()
            elif current and line.strip():
                args[current] = (args[current] + " " + line.strip()).strip()
    text = " ".join(s for s in summary if s)
    return text, args


def _strip_titles(schema: Any) -> Any:
    if isinstance(schema, dict):
        return {k: _strip_titles(v) for k, v in schema.items() if k != "title"}
    if isinstance(schema, list):
        return [_strip_titles(v) for v in schema]
    return schema


def _arguments_model(name: str, fn: Callable[..., Any], docs: dict[str, str]) -> type[BaseModel]:
    fields: dict[str, Any] = {}
    hints = inspect.get_annotations(fn, eval_str=True)
    for p in inspect.signature(fn).parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            raise TypeError(f"tool {name!r}: *args and **kwargs cannot be described as a schema")
        annotation = hints.get(p.name, Any)
        default = ... if p.default is inspect.Parameter.empty else p.default
        fields[p.name] = (annotation, Field(default, description=docs.get(p.name)))
    config = ConfigDict(extra="forbid")
    model: type[BaseModel] = create_model(f"{name}_arguments", __config__=config, **fields)
    return model


@dataclass
class Tool:
    """A tool the agent can call, built from a Python function (sync or async).

    Build one with the `tool` decorator or `Tool.from_function`.
    """

    name: str
    description: str
    fn: Callable[..., Any]
    arguments: type[BaseModel]
    resolves: tuple[str, ...] = ()
    cost: float | None = None
    timeout: float | None = 30.0
    parameters: dict[str, Any] = field(init=False)

    def __post_init__(self) -> None:
        self.parameters = _strip_titles(self.arguments.model_json_schema())
        self.parameters.setdefault("properties", {})

    @classmethod
    def from_function(
        cls,
        fn: Callable[..., Any],
        *,
        name: str | None = None,
        description: str | None = None,
        resolves: Iterable[str] = (),
        cost: float | None = None,
        timeout: float | None = 30.0,
    ) -> Tool:
        """A tool whose schema comes from `fn`'s signature and Google-style docstring."""
        tool_name = name or fn.__name__
        summary, docs = _doc_parts(fn)
        return cls(
            name=tool_name,
            description=description if description is not None else summary,
            fn=fn,
            arguments=_arguments_model(tool_name, fn, docs),
            resolves=tuple(resolves),
            cost=cost,
            timeout=timeout,
        )

    @property
    def definition(self) -> dict[str, Any]:
        """The OpenAI tool definition the model is given."""
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": self.parameters,
            },
        }

    @property
    def required(self) -> tuple[str, ...]:
        """Names of the parameters without a default."""
        return tuple(self.parameters.get("required", ()))

    def run(self, arguments: dict[str, Any], *, calls: Calls | None = None) -> ToolResult:
        """Validate the arguments and run the tool; failures become error results, not raises.

        `calls` bounds the threads that timed-out calls leave behind (an agent passes its own;
        a process-wide one by default).
        """
        try:
            parsed = self.arguments.model_validate(arguments)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'arguments'}: {e['msg']}" for e in exc.errors()
            )
            return ToolResult(content=f"error: invalid arguments ({problems})",
                              error="invalid_arguments")  # fmt: skip
        kwargs = {k: getattr(parsed, k) for k in type(parsed).model_fields}
        try:
            value = (calls or DEFAULT_CALLS).call(self.fn, kwargs, self.timeout)
        except CallTimeout as exc:
            return ToolResult(content=f"error: {self.name} {exc}", error="timeout")
        except CallLimit as exc:
            return ToolResult(content=f"error: {self.name} {exc}", error="call_limit")
        except Exception as exc:  # noqa: BLE001 - the model should see what went wrong
            message = f"error: {type(exc).__name__}: {str(exc)[:1000]}"
            return ToolResult(content=clean_text(message), error="exception")
        try:
            text = _as_text(value)
        except (ValueError, TypeError, RecursionError) as exc:
            what = f"{type(exc).__name__}: {str(exc)[:200]}"
            return ToolResult(content=f"error: the result is not text or JSON ({what})",
                              error="exception")  # fmt: skip
        # Lone surrogates (from a bad decode) become U+FFFD here, so no trace, checkpoint or
        # model request downstream fails on text that cannot be encoded.
        return ToolResult(content=clean_text(text))


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, BaseModel):
        return value.model_dump_json()
    return json.dumps(value, ensure_ascii=False, default=str)


@overload
def tool(fn: Callable[..., Any], /) -> Tool: ...


@overload
def tool(
    *,
    name: str | None = None,
    description: str | None = None,
    resolves: Iterable[str] = (),
    cost: float | None = None,
    timeout: float | None = 30.0,
) -> Callable[[Callable[..., Any]], Tool]: ...


def tool(
    fn: Callable[..., Any] | None = None,
    /,
    *,
    name: str | None = None,
    description: str | None = None,
    resolves: Iterable[str] = (),
    cost: float | None = None,
    timeout: float | None = 30.0,
) -> Tool | Callable[[Callable[..., Any]], Tool]:
    """Turn a function into a `Tool`; use bare (`@tool`) or with options.

    Args:
        fn: The function (when used bare).
        name: Tool name; the function's name by default.
        description: What the tool does; the docstring's summary by default.
        resolves: Facts the tool can supply: parameter paths (`"order_id"`) or `"text:KIND"`.
        cost: Cost of calling it as a resolver; the policy's `costs.tool` by default.
        timeout: Seconds before a call is abandoned and reported to the model as timed out.

    Example:
        >>> @tool(resolves=["order_id"])
        ... def find_orders(email: str) -> list[str]:
        ...     '''Order numbers of a customer.
        ...
        ...     Args:
        ...         email: The customer's email address.
        ...     '''
        ...     return ["A1001"]
        >>> find_orders.definition["function"]["parameters"]["properties"]["email"]["description"]
        "The customer's email address."
    """

    def wrap(f: Callable[..., Any]) -> Tool:
        return Tool.from_function(
            f, name=name, description=description, resolves=resolves, cost=cost, timeout=timeout
        )

    return wrap(fn) if fn is not None else wrap


def as_tools(tools: Iterable[Tool | Callable[..., Any]]) -> dict[str, Tool]:
    """Tools by name; plain functions are wrapped with `tool`.

    Raises:
        ValueError: when two tools share a name.
    """
    out: dict[str, Tool] = {}
    for t in tools:
        made = t if isinstance(t, Tool) else Tool.from_function(t)
        if made.name in out:
            raise ValueError(f"two tools are named {made.name!r}")
        out[made.name] = made
    return out
