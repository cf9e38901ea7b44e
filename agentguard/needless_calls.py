"""Tool calls whose result the agent already has: the same call made before, or exact arithmetic.

Two kinds are found, both certain rather than estimated:

- `earlier_call`: the conversation already holds a call to the same tool with the same
  arguments (compared as parsed JSON, key order ignored) and that call's result, one that is
  not an error (an `error` key, or text opening with "Error", "failed" ...). Calling it
  again returns what the agent has, unless the world changed; a policy that expects that
  (prices, stock) can let such calls through (`needless_tool_call: allow`).
- `computed`: a calculator-style tool called on arithmetic the monitor evaluates exactly: a
  tool named or described as a calculator whose one argument is an expression
  (`calculator(expression="17 * 23")`), or a two-operand tool named for its operation
  (`multiply(a=3, b=10)`). Expressions are parsed with `ast`, never evaluated by Python, and
  only numbers, `+ - * / // % **` and parentheses are read; powers and results are bounded.
"""

from __future__ import annotations

import ast
import json
import math
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from agentguard.inputs import Message, ToolCall, ToolDef
from agentguard.types import Evidence

MAX_EXPRESSION = 200
"""Longest expression read, in characters."""
MAX_EVIDENCE = 500
"""Most characters of an earlier result quoted as the evidence of a repeated call."""
_MAX_EXPONENT = 64
_MAX_MAGNITUDE = 1e30
_CALCULATOR = re.compile(r"calculat|arithmetic|evaluate (?:an? )?(?:math|arithmetic)?\s*expression")
_OPERAND_TOOLS: tuple[tuple[re.Pattern[str], Callable[[float, float], float]], ...] = (
    (re.compile(r"^(?:multiply|product|times|mul)$"), operator.mul),
    (re.compile(r"^(?:add|sum|plus)$"), operator.add),
    (re.compile(r"^(?:subtract|sub|minus|difference)$"), operator.sub),
    (re.compile(r"^(?:divide|div|quotient)$"), operator.truediv),
)
_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_ERROR_TEXT = re.compile(r"(?:error|exception|failed|failure|traceback)\b", re.IGNORECASE)
_EXPRESSION_CHARS = re.compile(r"^[\d\s.+\-*/%()x×÷^]+$")


@dataclass(frozen=True)
class NeedlessCall:
    """A tool call of the output whose result the agent already has."""

    index: int
    """Position of the call among the output's tool calls, from 0."""
    call_id: str | None
    """The call's id, when it has one."""
    tool: str
    """The tool it calls."""
    origin: str
    """`earlier_call` or `computed`."""
    value: Any
    """The result the agent has: the earlier result's text, or the number computed."""
    evidence: tuple[Evidence, ...]
    """The earlier result (its source), or the expression with its value."""
    why: str
    """One line a person can read."""


def find_needless_calls(
    messages: Sequence[Message], calls: Sequence[ToolCall], tools: Sequence[ToolDef]
) -> list[NeedlessCall]:
    """The calls among `calls` whose result the conversation `messages` already holds."""
    if not calls:
        return []
    earlier = _earlier_results(messages)
    described = {t.function.name: t.function.description or "" for t in tools}
    out: list[NeedlessCall] = []
    for i, call in enumerate(calls):
        args = _arguments(call)
        if args is None:
            continue  # malformed: another flag's business
        name = call.function.name
        found = earlier.get(_key(name, args))
        if found is not None:
            source, text = found
            shown = text[:MAX_EVIDENCE]  # the value keeps it all; the evidence points at its start
            evidence = Evidence(source=source, span=(0, len(shown)), text=shown, note="same call")
            why = f"{name} was called with the same arguments before ({source})"
            out.append(NeedlessCall(i, call.id, name, "earlier_call", text, (evidence,), why))
            continue
        computed = _computed(name, described.get(name, ""), args)
        if computed is not None:
            expression, value = computed
            shown = _number_text(value)
            text = f"{expression} = {shown}"
            evidence = Evidence(source="computed", span=(0, len(text)), text=text, note="exact")
            why = f"{name} computes {expression}, which is {shown} exactly"
            out.append(NeedlessCall(i, call.id, name, "computed", value, (evidence,), why))
    return out


def _arguments(call: ToolCall) -> dict[str, Any] | None:
    raw = call.function.arguments
    if isinstance(raw, dict):
        return raw
    try:
        args = json.loads(raw or "{}")
    except (ValueError, RecursionError):
        return None
    return args if isinstance(args, dict) else None


def _key(name: str, args: dict[str, Any]) -> str:
    return name + "\0" + json.dumps(args, sort_keys=True, ensure_ascii=False, default=str)


def _earlier_results(messages: Sequence[Message]) -> dict[str, tuple[str, str]]:
    """(tool, arguments) key -> (source id, result text) of each earlier call with a result.

    Source ids follow `agentguard.context`: the Nth tool message is `tool:NAME#N`.
    """
    pending: dict[str, tuple[str, str]] = {}
    out: dict[str, tuple[str, str]] = {}
    n = 0
    for m in messages:
        for call in m.tool_calls or []:
            args = _arguments(call)
            if call.id and args is not None:
                pending[call.id] = (call.function.name, _key(call.function.name, args))
        if m.role == "tool":
            n += 1
            found = pending.get(m.tool_call_id or "")
            if found is not None:
                name, key = found
                if _failed(m.text):
                    out.pop(key, None)  # a failed call is worth making again
                else:
                    out[key] = (f"tool:{name}#{n}", m.text)
    return out


def _failed(result: str) -> bool:
    """Whether a tool result reports a failure: an `error` key, or text that says so."""
    head = result.lstrip()[:200]
    if head.startswith("{"):
        try:
            parsed = json.loads(result)
        except (ValueError, RecursionError):
            parsed = None
        if isinstance(parsed, dict) and (parsed.get("error") or parsed.get("errors")):
            return True
    return bool(_ERROR_TEXT.match(head))


def _computed(name: str, description: str, args: dict[str, Any]) -> tuple[str, float] | None:
    """(expression, exact value) when the call is arithmetic the monitor can do, else None."""
    folded = name.lower()
    for pattern, op in _OPERAND_TOOLS:
        if pattern.match(folded):
            numbers = [v for v in args.values() if _is_number(v)]
            if len(numbers) != 2 or len(args) != 2:
                return None
            a, b = numbers
            symbol = {operator.mul: "*", operator.add: "+", operator.sub: "-"}.get(op, "/")
            value = _bounded(op, a, b)
            return (
                None if value is None else (f"{_number_text(a)} {symbol} {_number_text(b)}", value)
            )
    if not _CALCULATOR.search(f"{folded} {description.lower()}"):
        return None
    strings = [v for v in args.values() if isinstance(v, str)]
    if len(strings) != 1 or len(args) != 1:
        return None
    expression = strings[0].strip()
    value = evaluate(expression)
    return None if value is None else (expression, value)


def evaluate(expression: str) -> float | None:
    """The exact value of an arithmetic expression, or None when it is not one the monitor reads.

    Example:
        >>> evaluate("17 * 23")
        391
        >>> evaluate("2024-05-03") is None  # not a number Python reads: 05
        True
    """
    if len(expression) > MAX_EXPRESSION or not _EXPRESSION_CHARS.match(expression):
        return None
    if not re.search(r"\d\s*[-+*/%x×÷^]+\s*\(?\s*-?\d", expression):
        return None
    text = expression.replace("×", "*").replace("x", "*").replace("÷", "/").replace("^", "**")
    try:
        tree = ast.parse(text, mode="eval")
    except (SyntaxError, ValueError, RecursionError):
        return None
    return _bounded(_eval, tree.body)


def _bounded(compute: Callable[..., Any], *args: Any) -> float | None:
    """`compute(*args)` when it is a finite number of bounded size, else None."""
    try:
        value = compute(*args)
    except (ArithmeticError, ValueError, _NotArithmetic, RecursionError):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if not math.isfinite(value) or abs(value) > _MAX_MAGNITUDE:
        return None
    return value


class _NotArithmetic(Exception):
    pass


def _eval(node: ast.expr) -> Any:
    if isinstance(node, ast.Constant) and _is_number(node.value):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = _eval(node.operand)
        return -inner if isinstance(node.op, ast.USub) else inner
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _eval(node.left), _eval(node.right)
        if isinstance(node.op, ast.Pow) and (abs(right) > _MAX_EXPONENT or abs(left) > 1e6):
            raise _NotArithmetic
        result = _BINARY[type(node.op)](left, right)
        if abs(result) > _MAX_MAGNITUDE:
            raise _NotArithmetic
        return result
    raise _NotArithmetic


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _number_text(value: float) -> str:
    """`391`, `2.5`: a float with an integer value is written without `.0`."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)
