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


def schema_problems(value: Any, schema: dict[str, Any], path: str = "") -> list[str]:
    """Ways `value` does not fit `schema`, each naming the argument path."""
    where = path or "arguments"
    if "type" in schema and not _type_ok(value, schema["type"]):
        return [f"{where}: expected {schema['type']}, got {type(value).__name__}"]
    enum = schema.get("enum")
    if isinstance(enum, list) and value not in enum:
        return [f"{where}: {value!r} is not one of {enum}"]
    problems: list[str] = []
    if isinstance(value, dict):
        props = schema.get("properties") or {}
        for name in schema.get("required") or []:
            if name not in value:
                problems.append(f"{path + '.' if path else ''}{name}: required argument missing")
        for name, sub in value.items():
            sub_path = f"{path}.{name}" if path else str(name)
            if name in props and isinstance(props[name], dict):
                problems += schema_problems(sub, props[name], sub_path)
            elif props and schema.get("additionalProperties") is False:
                problems.append(f"{sub_path}: unknown argument")
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            problems += schema_problems(item, schema["items"], f"{path}[{i}]")
    return problems
