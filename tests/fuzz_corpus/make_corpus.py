"""Write the crash corpus: one `check` input per file, each of which once crashed the monitor.

Run from the repository root (`.venv/bin/python tests/fuzz_corpus/make_corpus.py`); the files
are committed. Files that are no valid JSON for Python (an integer of 4,301 digits, a byte that
is no UTF-8) are written as bytes on purpose: the CLI must refuse them with exit code 2. A file of
100,000 `[` characters is too large to commit; `tests/test_fuzz.py` writes it in a temporary
folder.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
USER = {"role": "user", "content": "Book a flight to Denver on May 3."}


def _input(**fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"messages": [USER], "output": {"content": "Booked for May 3."}}
    data.update(fields)
    return data


def _call(arguments: Any, name: str = "book") -> dict[str, Any]:
    return {"id": "c1", "type": "function", "function": {"name": name, "arguments": arguments}}


def _tool(parameters: Any) -> list[dict[str, Any]]:
    return [{"type": "function", "function": {"name": "book", "parameters": parameters}}]


def _deep(n: int) -> Any:
    node: Any = 1
    for i in range(n):
        node = [node] if i % 2 else {"k": node}
    return node


CASES: dict[str, Any] = {
    "surrogate_output": _input(output={"content": "Order \ud800 ships May 3."}),
    "surrogate_user": _input(messages=[{"role": "user", "content": "Order \udfff ships May 3."}]),
    "surrogate_escaped_argument": _input(output={"tool_calls": [_call('{"to": "\\ud800"}')]}),
    "surrogate_key": _input(metadata={"\ud83d": "x"}),
    "circled_digit": _input(output={"content": "Step ① is done."}),
    "superscript": _input(output={"content": "²"}),
    "relative_days_5000_digits": _input(
        messages=[{"role": "system", "content": "Today is 1 May 2024."}, USER],
        output={"content": "It ships in " + "1" * 5000 + " days."},
    ),
    "numeric_code_points": _input(
        messages=[{"role": "user", "content": "x² is ½, Ⅻ and ⑳ or ١٢"}],
        output={"content": "It is ² and ①②③④ and １２３４ and ⑳ kg."},
    ),
    "deep_arguments_text": _input(output={"tool_calls": [_call("[" * 5000 + "]" * 5000)]}),
    "deep_arguments_object": _input(output={"tool_calls": [_call({"a": _deep(200)})]}),
    "deep_metadata": _input(metadata={"a": _deep(500)}),
    "required_number": _input(
        tools=_tool({"type": "object", "properties": {"to": {"type": "string"}}, "required": 5}),
        output={"tool_calls": [_call('{"to": "Denver"}')]},
    ),
    "properties_list": _input(tools=_tool({"type": "object", "properties": []})),
    "enum_string": _input(tools=_tool({"properties": {"to": {"enum": "Denver"}}})),
    "type_number": _input(tools=_tool({"type": 3})),
    "items_string": _input(tools=_tool({"properties": {"to": {"items": "x"}}})),
    "property_not_object": _input(tools=_tool({"properties": {"to": 5}})),
    "nested_required_true": _input(
        tools=_tool({"properties": {"to": {"type": "object", "required": True}}}),
        output={"tool_calls": [_call('{"to": {}}')]},
    ),
    "nan_arguments": _input(output={"tool_calls": [_call('{"n": NaN, "m": Infinity}')]}),
    "huge_float_arguments": _input(output={"tool_calls": [_call('{"n": 1e400}')]}),
    "arguments_object": _input(output={"tool_calls": [_call({"to": "Denver", "n": [1, 2]})]}),
    "arguments_not_object": _input(output={"tool_calls": [_call("[1, 2]")]}),
    "long_argument_path": _input(
        output={"tool_calls": [_call(json.dumps({"k" * 600: {"j" * 600: 1}}))]}
    ),
    "long_digit_run": _input(
        messages=[{"role": "user", "content": "Order " + "7" * 5000 + " ships."}],
        output={"content": "Order " + "7" * 5000 + " ships May 3."},
    ),
    "letter_token": _input(output={"content": "1" + "a" * 5000 + "_ ships."}),
    "filler_run": _input(output={"content": "I " * 3000 + "Anna"}),
    "role_huge": {"messages": [{"role": "x" * 5000}], "output": {}},
    "tool_call_id_huge": _input(
        messages=[USER, {"role": "tool", "tool_call_id": "x" * 5000, "content": "{}"}]
    ),
    "output_shorthand_surrogate": _input(output="Done \ud800."),
    "tools_number": _input(tools=5),
    "tools_float": _input(tools=1.5),
}

RAW: dict[str, bytes] = {
    # Python's json refuses integers of more than 4,300 digits.
    "int_4301_digits_argument": (
        b'{"messages": [], "output": {"tool_calls": [{"id": "c1", "function": {"name": "f",'
        b' "arguments": {"n": ' + b"1" * 4301 + b"}}}]}}"
    ),
    "int_4301_digits_id": b'{"messages": [], "output": {}, "id": ' + b"1" * 4301 + b"}",
    "byte_ff": b"\xff",
    "nan_metadata": b'{"messages": [], "output": {}, "metadata": {"a": NaN}}',
    "not_an_object": b"[1, 2, 3]",
}


def main() -> None:
    """Write every case."""
    for name, data in CASES.items():
        text = json.dumps(data, ensure_ascii=True)
        (HERE / f"{name}.json").write_text(text + "\n", encoding="ascii")
    for name, raw in RAW.items():
        (HERE / f"{name}.json").write_bytes(raw)


if __name__ == "__main__":
    main()
