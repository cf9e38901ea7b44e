"""A small JSON-schema check for tool-call arguments: types, required, enums, unknown fields.

It covers what OpenAI tool schemas use in practice; anything it does not understand passes.
"""

from __future__ import annotations

from typing import Any

_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
    "null": (type(None),),
}


def _type_ok(value: Any, expected: object) -> bool:
    names = expected if isinstance(expected, list) else [expected]
    for name in names:
        if not isinstance(name, str) or name not in _TYPES:
            return True
        if isinstance(value, bool) and name in ("integer", "number"):
            continue
        if isinstance(value, _TYPES[name]):
            return True
    return False


MAX_PROBLEMS = 10
"""Problems collected per call at most: enough to say what is wrong, and the work stays linear."""


def _in_enum(value: Any, enum: list[Any], sets: dict[int, frozenset[Any]]) -> bool:
    """`value in enum`, with a set of the enum's hashable entries built once per enum."""
    key = id(enum)
    if key not in sets:
        sets[key] = frozenset(v for v in enum if not isinstance(v, (dict, list)))
    if isinstance(value, (dict, list)):
        return value in enum
    return value in sets[key]  # equality as `in` has it: 1 == 1.0 == True


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 1_000 else text[:997] + "..."


def schema_problems(value: Any, schema: dict[str, Any], path: str = "") -> list[str]:
    """Ways `value` does not fit `schema`, naming the argument path (at most `MAX_PROBLEMS`)."""
    problems: list[str] = []
    _problems(value, schema, path, problems, {})
    return problems


def _problems(
    value: Any, schema: dict[str, Any], path: str, out: list[str], sets: dict[int, frozenset[Any]]
) -> None:
    where = path or "arguments"
    if "type" in schema and not _type_ok(value, schema["type"]):
        out.append(f"{where}: expected {schema['type']}, got {type(value).__name__}")
        return
    enum = schema.get("enum")
    if isinstance(enum, list) and not _in_enum(value, enum, sets):
        out.append(f"{where}: {_short(value)} is not one of {_short(enum)}")
        return
    if isinstance(value, dict):
        _object_problems(value, schema, path, out, sets)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            if len(out) >= MAX_PROBLEMS:
                return
            _problems(item, schema["items"], f"{path}[{i}]", out, sets)


def _object_problems(
    value: dict[str, Any],
    schema: dict[str, Any],
    path: str,
    out: list[str],
    sets: dict[int, frozenset[Any]],
) -> None:
    props = schema.get("properties") or {}
    for name in schema.get("required") or []:
        if name not in value:
            out.append(f"{path + '.' if path else ''}{name}: required argument missing")
    for name, sub in value.items():
        if len(out) >= MAX_PROBLEMS:
            return
        sub_path = f"{path}.{name}" if path else str(name)
        if name in props and isinstance(props[name], dict):
            _problems(sub, props[name], sub_path, out, sets)
        elif props and schema.get("additionalProperties") is False:
            out.append(f"{sub_path}: unknown argument")
