"""The BFCL single-turn adapters: a request and its ground-truth call as an eval case.

Reads `bfcl/BFCL_v4_{kind}.json` (`simple_python`: one tool per entry, `multiple`: two to four
tools of which the request needs one) and its ground truth under `bfcl/possible_answer/`. An
entry holds the user's request (`question`, a list of turns), the tools (`function`, in BFCL's
schema, converted as in `bfcl_calls`) and, in the ground-truth file, the call as
`{function: {parameter: [allowed values]}}`, where `""` among the allowed values means the
parameter may be left out (its default is fine).

Each entry gives one case whose output makes the ground-truth call with, for every parameter,
the first allowed value that is not `""` (a parameter whose only value is `""` is left out);
dictionaries inside a value hold allowed values in the same way and are resolved alike. The
data README counts these calls as positives (every argument comes from the request or from a
tool default), so every claim is gold supported and the action is `answer`, as in `bfcl-base`.
Entries with an even numeric id suffix are train and odd ones dev.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from agentguard.errors import InputError
from agentguard.evaluation.public.bfcl import call_dicts, in_split, leaves, mentions, user_turns
from agentguard.evaluation.public.bfcl_calls import BfclFunction, Call, bfcl_function
from agentguard.evaluation.public.common import (
    CaseSource,
    Split,
    read_jsonl,
    require_file,
    text_field,
)

SingleKind = Literal["simple_python", "multiple"]
"""The BFCL single-turn files these adapters read."""
SET_NAMES: dict[str, str] = {"simple_python": "bfcl-simple", "multiple": "bfcl-multiple"}
"""The public-set name of each file."""
_OMITTED = ""  # BFCL's mark for "the parameter may be left out"


def _resolve(value: Any, where: str) -> Any:
    """A ground-truth value with its nested allowed-value lists resolved to their first choice."""
    if isinstance(value, dict):
        return _resolve_args(value, where)
    if isinstance(value, list):
        return [_resolve(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, float) and not math.isfinite(value):
        raise InputError(where, f"value {value!r} has no JSON form")
    return value


def _resolve_args(params: dict[str, Any], where: str) -> dict[str, Any]:
    """`{param: [allowed values]}` as `{param: first allowed value that is not ""}`."""
    args: dict[str, Any] = {}
    for name, options in params.items():
        at = f"{where}.{name}"
        if not isinstance(options, list) or not options:
            raise InputError(at, "must be a non-empty list of allowed values")
        chosen = [o for o in options if o != _OMITTED]
        if chosen:  # only "": the tool's default is the answer, so the call leaves it out
            args[name] = _resolve(chosen[0], at)
    return args


def _truth_calls(truth: Any, functions: dict[str, BfclFunction], at: str) -> list[Call]:
    if not isinstance(truth, list) or not truth:
        raise InputError(f"{at}: ground_truth", "must be a non-empty list of calls")
    calls: list[Call] = []
    for i, call in enumerate(truth):
        here = f"{at}: ground_truth[{i}]"
        if not isinstance(call, dict) or len(call) != 1:
            raise InputError(here, "must be an object with one function name")
        ((name, params),) = call.items()
        if name not in functions:
            known = ", ".join(functions)
            raise InputError(here, f"calls {name!r}, not one of the entry's tools ({known})")
        if not isinstance(params, dict):
            raise InputError(f"{here}.{name}", "must map parameter names to allowed values")
        declared = functions[name].order
        for param in params:
            if param not in declared:
                raise InputError(f"{here}.{name}.{param}", f"is not a parameter of {name}")
        calls.append((name, _resolve_args(params, f"{here}.{name}")))
    return calls


def _entry_functions(record: dict[str, Any], where: str) -> dict[str, BfclFunction]:
    docs = record.get("function")
    if not isinstance(docs, list) or not docs:
        raise InputError(f"{where}: function", "must be a non-empty list of tool docs")
    functions: dict[str, BfclFunction] = {}
    for i, doc in enumerate(docs):
        if not isinstance(doc, dict):
            raise InputError(f"{where}: function[{i}]", "must be an object")
        f = bfcl_function(doc, f"{where}: function[{i}]")
        functions.setdefault(f.tool["function"]["name"], f)
    return functions


def _unstated(
    calls: list[Call], functions: dict[str, BfclFunction], text: str
) -> list[dict[str, Any]]:
    """Each value that neither the request nor the tool's schema states, with its call id.

    The schema counts whole (a default, an enum, a description): BFCL often gives a default
    only in the parameter's description ("defaults to 'units'"). Call ids are those of
    `call_dicts(calls, 0)`, the output's calls.
    """
    out = []
    for i, (tool, args) in enumerate(calls):
        f = functions[tool]
        schema = json.dumps(f.tool, ensure_ascii=False)
        for path, value in leaves(args, ""):
            default = path in f.defaults and f.defaults[path] == value
            if not (default or mentions(text, value) or mentions(schema, value)):
                out.append({"call_id": f"call_0_{i}", "tool": tool, "path": path})
    return out


def _omissible(truth: Any) -> list[str]:
    """`tool.param` of each top-level parameter the ground truth also accepts left out."""
    return [
        f"{name}.{param}"
        for call in truth
        for name, params in call.items()
        for param, options in params.items()
        if _OMITTED in options and any(o != _OMITTED for o in options)
    ]


def single_case(
    name: str,
    record: dict[str, Any],
    where: str,
    answers: tuple[dict[str, tuple[Any, str]], Path],
    skips: Counter[str],
) -> dict[str, Any] | None:
    """The case of one entry (see the module docstring), or None when its call has no argument.

    `answers` holds the ground truth of each id (`ground_truths`) and the file it was read from.
    """
    eid = text_field(record, "id", where)
    messages = [m for turn in user_turns(record.get("question"), where) for m in turn]
    functions = _entry_functions(record, where)
    truths, truth_file = answers
    if eid not in truths:
        raise InputError(f"{where}: id", f"no ground truth for {eid!r} in {truth_file}")
    truth, at = truths[eid]
    calls = _truth_calls(truth, functions, at)
    if not any(args for _, args in calls):
        skips["every ground-truth argument may be left out: the call has no argument"] += 1
        return None
    text = "\n".join(m["content"] for m in messages)
    unstated = _unstated(calls, functions, text)
    return {
        "id": eid,
        "domain": name,
        "messages": messages,
        "tools": [f.tool for f in functions.values()],
        "output": {"role": "assistant", "content": None, "tool_calls": call_dicts(calls, 0)},
        "gold": {"action": "allow", "supported": True, "others": True},
        "metadata": {
            "entry": eid,
            "unmatched": [f"{u['tool']}.{u['path']}" for u in unstated],
            "unstated": unstated,
            "omissible": _omissible(truth),
        },
    }


def ground_truths(path: Path) -> dict[str, tuple[Any, str]]:
    """The ground truth of each id, with where it is (`file:line`)."""
    answers: dict[str, tuple[Any, str]] = {}
    for n, rec in read_jsonl(path):
        where = f"{path}:{n}"
        aid = text_field(rec, "id", where)
        if aid in answers:
            raise InputError(f"{where}: id", f"duplicate id {aid!r} (first at {answers[aid][1]})")
        answers[aid] = (rec.get("ground_truth"), where)
    return answers


def bfcl_single_source(kind: SingleKind) -> Callable[[Path, Split, Counter[str]], CaseSource]:
    """The case source of one BFCL single-turn file, for `load_public`.

    Args:
        kind: `simple_python` (one tool offered) or `multiple` (several tools, one needed).

    Returns:
        A function of the data folder, the split and a counter of skipped entries by reason,
        yielding one case per entry of the split: the request, the tools and the
        ground-truth call, every argument gold supported and the action `allow`.
    """
    name = SET_NAMES[kind]

    def cases(root: Path, split: Split, skips: Counter[str]) -> CaseSource:
        entries = require_file(name, root, f"bfcl/BFCL_v4_{kind}.json")
        truth_file = require_file(name, root, f"bfcl/possible_answer/BFCL_v4_{kind}.json")
        answers = (ground_truths(truth_file), truth_file)
        for n, record in read_jsonl(entries):
            where = f"{entries}:{n}"
            if not in_split(text_field(record, "id", where), split, where):
                continue
            case = single_case(name, record, where, answers, skips)
            if case is not None:
                yield case, where

    return cases
