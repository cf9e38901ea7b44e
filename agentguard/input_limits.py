"""Limits every `check` input is held to before it is validated, and the screen that applies them.

A monitor sees whatever users type and tools return, so an input is screened once, at the door,
before any other code reads it:

- it must be JSON: objects with string keys, lists, strings, finite numbers, booleans, null;
- objects and lists nest at most `MAX_DEPTH` levels deep (counted from the top of the input,
  and again from the top of each tool call's `arguments` string);
- an integer has at most `MAX_NUMBER_DIGITS` digits;
- its size, counted as the characters of every string (keys included) plus one for every
  other value, is at most `MAX_INPUT_CHARS`: message text, tool-call arguments, tool schemas,
  documents and metadata all count;
- a lone surrogate (half of a UTF-16 pair, which no UTF-8 file can hold) becomes U+FFFD, so
  that every report and trace can be written as UTF-8;
- a tool's parameter schema uses JSON Schema's shapes where the monitor reads it.

A breach raises `InputError` naming where it is and what is wrong, echoing at most a short
prefix of the value.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from agentguard.errors import InputError
from agentguard.redaction import redact_text

MAX_INPUT_CHARS = 2_000_000
"""Largest accepted input, in characters (about 500k tokens): the characters of every string,
keys included, plus one for every number, boolean, null, list and object."""
MAX_MESSAGES = 5_000
"""Most messages accepted in one input."""
MAX_DEPTH = 64
"""Deepest nesting of objects and lists, from the top of the input (or of an arguments string)."""
MAX_NUMBER_DIGITS = 100
"""Most digits an integer may have (larger numbers are refused: they are no data a tool takes)."""
PREFIX_CHARS = 40
"""How much of a bad value an error message shows."""
_REDACT_WINDOW = 400
"""How much of a bad value is redacted before it is cut: any secret that starts within the
part shown ends within this window."""

_SURROGATE = re.compile("[\ud800-\udfff]")
_INT_LIMIT = 10**MAX_NUMBER_DIGITS
_Loc = tuple[Any, ...]  # (key or index, parent location), built as the walk goes down


def short(value: object) -> str:
    """`repr` of a value cut to `PREFIX_CHARS` characters, for error messages.

    A string is redacted before it is cut (a cut secret no longer matches its pattern), and a
    cut one says how long it was.
    """
    if not isinstance(value, str):
        text = repr(value)
        return text if len(text) <= PREFIX_CHARS else text[: PREFIX_CHARS - 3] + "..."
    text = repr(redact_text(value[:_REDACT_WINDOW])[: PREFIX_CHARS + 1])
    if len(text) > PREFIX_CHARS:
        text = text[: PREFIX_CHARS - 3] + "..."
    return text if len(value) <= PREFIX_CHARS else f"{text} ({len(value):,} characters)"


def clean_text(text: str) -> str:
    """`text` with each lone surrogate replaced by U+FFFD (a valid pair becomes its character)."""
    if text.isascii() or _SURROGATE.search(text) is None:
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


_LONG_DIGITS = re.compile(rf"[0-9]{{{MAX_NUMBER_DIGITS + 1}}}")  # JSON writes integers in ASCII
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")


def loads_arguments(raw: str) -> Any:
    r"""Parse JSON arguments strictly, and clean them like the input itself.

    NaN and Infinity are no JSON numbers; escaped lone surrogates (`"\ud800"`) become U+FFFD.

    Raises:
        ValueError: the text is no JSON (`json.JSONDecodeError`) or holds a non-JSON number.
    """
    parsed = json.loads(raw, parse_constant=_no_constant, parse_float=_finite)
    return _clean_json(parsed) if _ESCAPED_SURROGATE.search(raw) else parsed


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    x = float(text)
    if not math.isfinite(x):
        raise ValueError(f"{text[:PREFIX_CHARS]} is out of range for a number")
    return x


def _clean_json(node: Any) -> Any:
    if isinstance(node, str):
        return clean_text(node)
    if isinstance(node, dict):
        return {clean_text(k): _clean_json(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_clean_json(v) for v in node]
    return node


def where(loc: _Loc | None, root: str = "") -> str:
    """`messages[2].content` for a location built by the walk."""
    parts: list[str] = []
    while loc:
        key, loc = loc
        if isinstance(key, int):
            parts.append(f"[{key}]")
        else:
            parts.append(f".{key[:PREFIX_CHARS]}" if key.isidentifier() else f"[{short(key)}]")
    text = (root + "".join(reversed(parts))).lstrip(".") or "input"
    # A deep location is cut in the middle: its start and its end say where.
    return text if len(text) <= 100 else f"{text[:60]}...{text[-30:]}"


class _Screen:
    """One walk over an input: a cleaned copy, its size, and the first breach of a limit."""

    def __init__(self, root: str = "") -> None:
        self.root = root
        self.size = 0

    def value(self, node: Any, loc: _Loc | None, depth: int) -> Any:
        if isinstance(node, str):
            self.size += len(node)
            return clean_text(node)
        self.size += 1
        if node is None or isinstance(node, bool):
            return node
        if isinstance(node, int):
            if -_INT_LIMIT < node < _INT_LIMIT:
                return node
            raise InputError(
                where(loc, self.root),
                f"an integer of more than {MAX_NUMBER_DIGITS} digits; "
                f"the limit is {MAX_NUMBER_DIGITS} (MAX_NUMBER_DIGITS)",
            )
        if isinstance(node, float):
            if math.isfinite(node):
                return node
            raise InputError(where(loc, self.root), f"{node!r} is not a JSON number")
        if depth >= MAX_DEPTH:
            raise InputError(
                where(loc, self.root),
                f"nested deeper than {MAX_DEPTH} levels (MAX_DEPTH)",
            )
        if isinstance(node, dict):
            out = {}
            for k, v in node.items():
                if not isinstance(k, str):
                    raise InputError(
                        where(loc, self.root),
                        f"object keys must be strings, not {type(k).__name__} ({short(k)})",
                    )
                out[self.value(k, loc, depth)] = self.value(v, (k, loc), depth + 1)
            return out
        if isinstance(node, (list, tuple)):
            return [self.value(v, (i, loc), depth + 1) for i, v in enumerate(node)]
        raise InputError(
            where(loc, self.root), f"{type(node).__name__} is not a JSON value ({short(node)})"
        )


def screen(data: dict[str, Any]) -> dict[str, Any]:
    """A cleaned copy of a raw input object, after checking every limit above.

    Most inputs break no limit and hold nothing to clean; `_fits` makes sure of that at C speed
    and the input is then returned as it is. Otherwise the walk finds the first breach.

    Raises:
        InputError: on the first limit the input breaks, naming where.
    """
    out = data
    if not _fits(data):
        walk = _Screen()
        out = walk.value(data, None, 0)
        if walk.size > MAX_INPUT_CHARS:
            raise InputError(
                "input",
                f"{walk.size:,} characters of text; the limit is {MAX_INPUT_CHARS:,} "
                "(MAX_INPUT_CHARS), counting tool-call arguments, schemas and metadata",
            )
    _check_arguments(out)
    for i, tool in enumerate(_list(out, "tools")):
        function = tool.get("function", tool) if isinstance(tool, dict) else None
        params = function.get("parameters") if isinstance(function, dict) else None
        if isinstance(params, dict):
            name = "function." if isinstance(tool, dict) and "function" in tool else ""
            check_schema(params, f"tools[{i}].{name}parameters")
    return out


def _fits(data: Any) -> bool:
    """Whether the input surely breaks no limit and holds no lone surrogate.

    Its JSON text, written by the C encoder, is no shorter than the size the walk counts, holds
    every surrogate, and cannot be written at all for a non-JSON value or number; the nesting,
    the keys' types and the integers' sizes are left to a loop over the containers. Any doubt
    sends the input to the full walk, which names the problem.
    """
    try:
        text = json.dumps(data, ensure_ascii=False, allow_nan=False, check_circular=False)
    except (TypeError, ValueError, RecursionError):
        return False
    if len(text) > MAX_INPUT_CHARS:
        return False
    if not text.isascii() and _SURROGATE.search(text):
        return False
    return _containers_fit(data)


def _containers_fit(data: Any) -> bool:
    # A loop over a stack rather than recursion through generators: this runs on every check.
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        node, depth = stack.pop()
        if depth >= MAX_DEPTH:
            return False
        if isinstance(node, dict):
            if not all(isinstance(key, str) for key in node):
                return False
            children: Any = node.values()
        else:
            children = node
        for value in children:
            if isinstance(value, (dict, list, tuple)):
                stack.append((value, depth + 1))
            elif isinstance(value, int) and not -_INT_LIMIT < value < _INT_LIMIT:
                return False
    return True


def _check_arguments(data: dict[str, Any]) -> None:
    """Apply the depth and number limits inside every tool call's `arguments` string.

    Arguments that are not JSON at all are left alone: that is a finding about the model
    (a `malformed_tool_call` flag), not bad input.
    """
    calls: list[tuple[str, Any]] = []
    output = data.get("output")
    if isinstance(output, dict):
        found = _list(output, "tool_calls")
        calls += [(f"output.tool_calls[{j}]", c) for j, c in enumerate(found)]
    for i, m in enumerate(_list(data, "messages")):
        if isinstance(m, dict):
            found = _list(m, "tool_calls")
            calls += [(f"messages[{i}].tool_calls[{j}]", c) for j, c in enumerate(found)]
    for at, call in calls:
        function = call.get("function") if isinstance(call, dict) else None
        raw = function.get("arguments") if isinstance(function, dict) else None
        if isinstance(raw, str):
            check_arguments_text(raw, f"{at}.function.arguments")


def _list(node: dict[str, Any], key: str) -> list[Any]:
    found = node.get(key)
    return found if isinstance(found, list) else []


def check_arguments_text(raw: str, at: str) -> None:
    """Raise `InputError` when a JSON arguments string nests too deep or holds a huge integer."""
    if "[" not in raw and raw.count("{") <= 1 and not _LONG_DIGITS.search(raw):
        return  # one level at most and no long digit run: nothing to check (most calls are flat)
    try:
        parsed = json.loads(raw)
    except RecursionError:
        raise InputError(at, f"nested deeper than {MAX_DEPTH} levels (MAX_DEPTH)") from None
    except json.JSONDecodeError:
        return  # not JSON: the model's fault, flagged as a malformed tool call
    except ValueError:  # Python's own limit on the digits of an integer
        raise InputError(
            at,
            f"an integer of more than {MAX_NUMBER_DIGITS} digits; "
            f"the limit is {MAX_NUMBER_DIGITS} (MAX_NUMBER_DIGITS)",
        ) from None
    walk = _Screen(at)
    try:
        walk.value(parsed, None, 0)
    except InputError as exc:
        if "is not a JSON number" in exc.what:
            return  # NaN or Infinity: not JSON, so a malformed tool call
        raise


_SCHEMA_TYPES = {
    "type": (str, list),
    "properties": (dict,),
    "required": (list,),
    "enum": (list,),
    "items": (dict, list),
    "additionalProperties": (bool, dict),
    "description": (str,),
}
_SHAPES = {
    str: "a string",
    list: "a list",
    dict: "an object",
    bool: "a boolean",
}


def check_schema(schema: dict[str, Any], at: str) -> None:
    """Raise `InputError` where a parameter schema's parts do not have JSON Schema's shapes.

    The parts the monitor reads are checked: `type` (a string or a list of strings),
    `properties` (an object of schemas), `required` (a list of strings), `enum` (a list),
    `items` (a schema or a list of schemas), `additionalProperties` (a boolean or a schema)
    and `description` (a string). Other keywords pass unread.
    """
    for key, allowed in _SCHEMA_TYPES.items():
        if key not in schema:
            continue
        part = schema[key]
        if not isinstance(part, allowed):
            shapes = " or ".join(_SHAPES[t] for t in allowed)
            raise InputError(
                f"{at}.{key}", f"must be {shapes} (JSON Schema), not {type(part).__name__}"
            )
    kinds = schema.get("type")
    if isinstance(kinds, list) and not all(isinstance(k, str) for k in kinds):
        raise InputError(f"{at}.type", "a list of types must hold strings")
    required = schema.get("required")
    if isinstance(required, list) and not all(isinstance(r, str) for r in required):
        raise InputError(f"{at}.required", "must list parameter names (strings)")
    for name, sub in (schema.get("properties") or {}).items():
        sub_at = f"{at}.properties.{name[:PREFIX_CHARS]}"
        if not isinstance(sub, dict):
            raise InputError(sub_at, f"must be an object (a schema), not {type(sub).__name__}")
        check_schema(sub, sub_at)
    items = schema.get("items")
    for i, sub in enumerate(items if isinstance(items, list) else [items]):
        if sub is None:
            continue
        sub_at = f"{at}.items" + (f"[{i}]" if isinstance(items, list) else "")
        if not isinstance(sub, dict):
            raise InputError(sub_at, f"must be an object (a schema), not {type(sub).__name__}")
        check_schema(sub, sub_at)
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        check_schema(extra, f"{at}.additionalProperties")
