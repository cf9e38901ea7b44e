"""BFCL function docs as OpenAI tools, and ground-truth call strings as JSON arguments.

Shared by the multi-turn adapter (`bfcl.py`) and the single-turn one (`bfcl_single.py`). Call
strings are parsed with `ast` and never evaluated: an argument that is not a literal is an
error.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass
from typing import Any

from agentguard.errors import InputError
from agentguard.evaluation.public.common import text_field

_BFCL_TYPES: dict[str, str | None] = {
    "dict": "object",
    "float": "number",
    "int": "integer",
    "bool": "boolean",
    "str": "string",
    "tuple": "array",
    "list": "array",
    "any": None,
}
Call = tuple[str, dict[str, Any]]


@dataclass(frozen=True)
class BfclFunction:
    """A BFCL function doc converted: its OpenAI tool definition and what it states."""

    tool: dict[str, Any]
    """The OpenAI tool definition."""
    order: tuple[str, ...]
    """Parameter names in declaration order, for positional arguments."""
    defaults: dict[str, Any]


def _json_schema(node: Any) -> Any:
    """A BFCL parameter schema as JSON schema: Python type names mapped, the rest kept."""
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "type" and isinstance(value, str):
            mapped = _BFCL_TYPES.get(value, value)
            if mapped is not None:  # `any` is a schema without a type
                out["type"] = mapped
        elif key == "properties" and isinstance(value, dict):
            out[key] = {k: _json_schema(v) for k, v in value.items()}
        elif key == "items":
            out[key] = _json_schema(value)
        else:
            out[key] = value
    return out


def bfcl_function(doc: dict[str, Any], where: str) -> BfclFunction:
    """A BFCL function doc as an OpenAI tool (`where` names the record in errors)."""
    name = text_field(doc, "name", where)
    params = doc.get("parameters", {})
    props = params.get("properties", {}) if isinstance(params, dict) else None
    if not isinstance(props, dict):
        raise InputError(f"{where}: parameters", "must be an object with 'properties'")
    schema = _json_schema(params)
    schema["type"] = "object"
    schema.setdefault("properties", {})
    tool = {
        "type": "function",
        "function": {
            "name": name,
            "description": str(doc.get("description", "")),
            "parameters": schema,
        },
    }
    defaults = {k: v["default"] for k, v in props.items() if isinstance(v, dict) and "default" in v}
    return BfclFunction(tool, tuple(props), defaults)


def _literal(node: ast.expr, where: str) -> Any:
    """A literal argument as a JSON value; anything else is an error, never evaluated."""
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        raise InputError(where, f"argument {ast.unparse(node)!r} is not a literal") from None
    return _jsonable(value, where)


def _jsonable(value: Any, where: str) -> Any:
    if isinstance(value, (list, tuple)):
        return [_jsonable(v, where) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {k: _jsonable(v, where) for k, v in value.items()}
    if value is None or isinstance(value, (str, int)):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    raise InputError(where, f"argument value {value!r} has no JSON form")


def parse_call(text: str, functions: dict[str, BfclFunction], where: str) -> Call:
    """`cd(folder='documents')` as `("cd", {"folder": "documents"})`."""
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        raise InputError(where, f"not a Python call: {text!r}") from None
    if not isinstance(node, ast.Call) or not isinstance(node.func, (ast.Name, ast.Attribute)):
        raise InputError(where, f"not a Python call: {text!r}")
    name = node.func.id if isinstance(node.func, ast.Name) else node.func.attr
    function = functions.get(name)
    if function is None:
        raise InputError(where, f"calls {name!r}, which is not one of the dialogue's tools")
    if len(node.args) > len(function.order):
        raise InputError(
            where, f"{name} takes {len(function.order)} arguments, not {len(node.args)}"
        )
    args = {function.order[i]: _literal(arg, where) for i, arg in enumerate(node.args)}
    for kw in node.keywords:
        if kw.arg is None:
            raise InputError(where, f"**kwargs are not supported: {text!r}")
        args[kw.arg] = _literal(kw.value, where)
    return name, args
