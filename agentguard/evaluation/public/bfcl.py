"""The BFCL multi-turn adapter: dialogues with ground-truth tool calls as eval cases.

Reads `bfcl/BFCL_v4_multi_turn_{kind}.json`, its ground truth under `bfcl/possible_answer/`
and the tool docs under `bfcl/multi_turn_func_doc/`. Ground-truth calls are Python call
strings, parsed with `ast` and never evaluated. Each case's output makes a turn's
ground-truth calls, with the dialogue so far (earlier calls answered by a "not recorded"
marker) as its messages and the tools' initial state, when there is one, as its only
document.

`miss_param` gives two cases per dialogue: the calls made one turn early, before the user
gave a value they need (gold: ask the user), and the same calls once it is given (gold:
answer). `base` gives one answer case per turn with calls. Dialogues with an even numeric id
suffix are train and odd ones dev.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from agentguard.errors import InputError
from agentguard.evaluation.public.bfcl_calls import BfclFunction, Call, bfcl_function, parse_call
from agentguard.evaluation.public.common import (
    CaseSource,
    Split,
    read_jsonl,
    require_file,
    text_field,
)

_BFCL_DOCS = {  # BFCL's class names and their files in multi_turn_func_doc/
    "GorillaFileSystem": "gorilla_file_system",
    "MathAPI": "math_api",
    "MessageAPI": "message_api",
    "TicketAPI": "ticket_api",
    "TradingBot": "trading_bot",
    "TravelAPI": "travel_booking",
    "TwitterAPI": "posting_api",
    "VehicleControlAPI": "vehicle_control",
    "WebSearchAPI": "web_search",
}
# BFCL runs its tools in a simulator and keeps no results; the marker keeps the transcript a
# valid chat (every call answered) without inventing values.
_NOT_RECORDED = "(result not recorded)"


@dataclass(frozen=True)
class _Dialogue:
    id: str
    where: str
    turns: list[list[dict[str, Any]]]
    """The user messages of each turn."""
    calls: list[list[Call]]
    """The ground-truth calls of each turn."""
    functions: dict[str, BfclFunction]
    state: str
    """The initial state of the tools as JSON text; empty when there is none."""


def _function_docs(
    root: Path, cls: str, cache: dict[str, list[BfclFunction]]
) -> list[BfclFunction]:
    stem = _BFCL_DOCS[cls]
    if stem not in cache:
        path = require_file("bfcl", root, f"bfcl/multi_turn_func_doc/{stem}.json")
        cache[stem] = [bfcl_function(doc, f"{path}:{n}") for n, doc in read_jsonl(path)]
    return cache[stem]


def user_turns(question: Any, where: str) -> list[list[dict[str, Any]]]:
    """The turns of a BFCL `question`, each a list of chat messages, checked for shape."""
    if not isinstance(question, list) or not question:
        raise InputError(f"{where}: question", "must be a non-empty list of turns")
    turns = []
    for t, turn in enumerate(question):
        messages = [turn] if isinstance(turn, dict) else turn
        if not isinstance(messages, list) or not all(
            isinstance(m, dict) and isinstance(m.get("content"), str) for m in messages
        ):
            raise InputError(f"{where}: question[{t}]", "must be a list of messages with text")
        turns.append([{"role": m.get("role", "user"), "content": m["content"]} for m in messages])
    return turns


def _dialogue_functions(
    record: dict[str, Any], root: Path, cache: dict[str, list[BfclFunction]], where: str
) -> dict[str, BfclFunction]:
    classes = record.get("involved_classes")
    if not isinstance(classes, list) or not all(isinstance(c, str) for c in classes):
        raise InputError(f"{where}: involved_classes", "must be a list of class names")
    excluded = record.get("excluded_function") or []
    if not isinstance(excluded, list):
        raise InputError(f"{where}: excluded_function", "must be a list of function names")
    functions: dict[str, BfclFunction] = {}
    for cls in classes:
        if cls not in _BFCL_DOCS:
            known = ", ".join(_BFCL_DOCS)
            raise InputError(
                f"{where}: involved_classes", f"unknown class {cls!r} (known: {known})"
            )
        for f in _function_docs(root, cls, cache):
            name = f.tool["function"]["name"]
            if name not in excluded:
                functions.setdefault(name, f)
    return functions


def _dialogue(
    record: dict[str, Any],
    where: str,
    answers: dict[str, tuple[Any, str]],
    root: Path,
    cache: dict[str, list[BfclFunction]],
) -> _Dialogue:
    did = text_field(record, "id", where)
    turns = user_turns(record.get("question"), where)
    if did not in answers:
        raise InputError(f"{where}: id", f"no ground truth for {did!r} in possible_answer/")
    truth, at = answers[did]
    if not isinstance(truth, list) or len(truth) != len(turns):
        raise InputError(
            f"{at}: ground_truth", f"must list the calls of each of {len(turns)} turns"
        )
    functions = _dialogue_functions(record, root, cache, where)
    calls: list[list[Call]] = []
    for t, texts in enumerate(truth):
        if not isinstance(texts, list) or not all(isinstance(c, str) for c in texts):
            raise InputError(f"{at}: ground_truth[{t}]", "must be a list of call strings")
        calls.append(
            [parse_call(c, functions, f"{at}: ground_truth[{t}][{i}]") for i, c in enumerate(texts)]
        )
    state = record.get("initial_config") or {}
    text = json.dumps(state, ensure_ascii=False) if state else ""
    return _Dialogue(did, where, turns, calls, functions, text)


def _bfcl_dialogues(kind: str, root: Path, split: Split) -> Iterator[_Dialogue]:
    name = "bfcl-miss-param" if kind == "miss_param" else "bfcl-base"
    entries = require_file(name, root, f"bfcl/BFCL_v4_multi_turn_{kind}.json")
    truth = require_file(name, root, f"bfcl/possible_answer/BFCL_v4_multi_turn_{kind}.json")
    answers = {
        str(rec.get("id")): (rec.get("ground_truth"), f"{truth}:{n}")
        for n, rec in read_jsonl(truth)
    }
    cache: dict[str, list[BfclFunction]] = {}
    for n, record in read_jsonl(entries):
        where = f"{entries}:{n}"
        if in_split(text_field(record, "id", where), split, where):
            yield _dialogue(record, where, answers, root, cache)


def in_split(entry_id: str, split: Split, where: str) -> bool:
    """Whether an entry belongs to `split`: an even numeric id suffix is train, odd dev."""
    suffix = re.search(r"_(\d+)$", entry_id)
    if suffix is None:
        raise InputError(f"{where}: id", f"{entry_id!r} has no numeric suffix to split on")
    return split == "all" or (int(suffix.group(1)) % 2 == 1) == (split == "dev")


def leaves(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    """Argument values flattened to paths the way claims are (`tags[0]`, `a.b`)."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from leaves(v, f"{path}.{k}" if path else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from leaves(v, f"{path}[{i}]")
    else:
        yield path, value


def value_forms(value: Any) -> list[str]:
    """The written forms `mentions` looks for: a number also with separators, no flags."""
    if isinstance(value, bool) or value is None:
        return []  # a flag's value is never written out in the request
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return [str(int(value)), f"{int(value):,}"]
    if isinstance(value, float):
        return [repr(value)]
    if isinstance(value, str):
        # Shorter words ("on", "a") turn up in any request by chance.
        text = value.strip()
        return [f for f in (text, text.lstrip("@#")) if len(f) >= 3]
    return []


def mentions(text: str, value: Any) -> bool:
    """Whether `text` states `value`: whole words, case ignored, `@handle` also as `handle`."""
    folded = text.casefold()
    return any(
        re.search(rf"(?<![\w.]){re.escape(form.casefold())}(?!\w)", folded)
        for form in value_forms(value)
    )


def _stated(d: _Dialogue, tool: str, path: str, value: Any, text: str) -> bool:
    """Whether the user text, the initial state or the schema default gives `value`."""
    function = d.functions[tool]
    default = path in function.defaults and function.defaults[path] == value
    return default or mentions(text, value) or mentions(d.state, value)


def _unstated(d: _Dialogue, calls: list[Call], turn: int, text: str) -> list[dict[str, Any]]:
    """The arguments of `calls` (made at ground-truth `turn`) that `text` and the state miss.

    Each entry names the call id of the case's output and the argument path, so that a claim
    (`call_id`, `path`) can be matched to it even when a call is repeated.
    """
    return [
        {"call_id": f"call_{turn}_{i}", "tool": tool, "path": path}
        for i, (tool, args) in enumerate(calls)
        for path, value in leaves(args, "")
        if not _stated(d, tool, path, value, text)
    ]


def _user_text(d: _Dialogue, first: int, last: int) -> str:
    return "\n".join(m["content"] for turn in d.turns[first : last + 1] for m in turn)


def _withheld_labels(d: _Dialogue, k: int) -> tuple[list[dict[str, Any]], list[Any]] | None:
    """Gold claims of turn k+1's calls made at turn k, and the withheld values; None if none.

    Withheld: a value the turn after states and the dialogue so far does not. Supported: stated
    so far, in the initial state or the schema default. Other arguments (flags, computed
    numbers, values from tool results BFCL does not record) stay unlabeled, and so does a
    tool and path that holds both a withheld and a stated value (a gold claim cannot tell the
    two calls apart).
    """
    before, later = _user_text(d, 0, k), _user_text(d, k + 1, k + 1)
    labels: dict[tuple[str, str], set[bool | None]] = {}
    withheld: list[Any] = []
    for tool, args in d.calls[k + 1]:
        for path, value in leaves(args, ""):
            label: bool | None = None
            if mentions(later, value) and not mentions(before, value):
                label = False
                in_state = mentions(d.state, value)
                withheld.append({"tool": tool, "path": path, "value": value, "in_state": in_state})
            elif _stated(d, tool, path, value, before):
                label = True
            labels.setdefault((tool, path), set()).add(label)
    if not withheld:
        return None
    claims = [
        {"tool": tool, "path": path, "supported": next(iter(seen))}
        for (tool, path), seen in labels.items()
        if len(seen) == 1 and None not in seen
    ]
    return claims, withheld


def call_dicts(calls: list[Call], turn: int) -> list[dict[str, Any]]:
    """Calls as OpenAI tool calls, with ids `call_{turn}_{i}`."""
    return [
        {
            "id": f"call_{turn}_{i}",
            "type": "function",
            "function": {"name": n, "arguments": json.dumps(a)},
        }
        for i, (n, a) in enumerate(calls)
    ]


def _history(d: _Dialogue, upto: int) -> list[dict[str, Any]]:
    """The user turns up to `upto`, with the ground-truth calls of the turns before it."""
    messages: list[dict[str, Any]] = []
    for t in range(upto + 1):
        messages += d.turns[t]
        if t < upto and d.calls[t]:
            calls = call_dicts(d.calls[t], t)
            messages.append({"role": "assistant", "content": None, "tool_calls": calls})
            messages += [
                {
                    "role": "tool",
                    "tool_call_id": c["id"],
                    "name": c["function"]["name"],
                    "content": _NOT_RECORDED,
                }
                for c in calls
            ]
    return messages


def _bfcl_case(
    d: _Dialogue,
    name: str,
    suffix: str,
    turn: int,
    calls: tuple[int, list[Call]],
    gold: dict[str, Any],
    **meta: Any,
) -> tuple[dict[str, Any], str]:
    """A case at `turn` whose output makes `calls` (the ground truth of the turn they name)."""
    truth_turn, made = calls
    unstated = _unstated(d, made, truth_turn, _user_text(d, 0, turn))
    case = {
        "id": f"{d.id}-{suffix}",
        "domain": name,
        "messages": _history(d, turn),
        "tools": [f.tool for f in d.functions.values()],
        "documents": [{"id": "initial_state", "text": d.state}] if d.state else [],
        "output": {
            "role": "assistant",
            "content": None,
            "tool_calls": call_dicts(made, truth_turn),
        },
        "gold": gold,
        "metadata": {
            "dialogue": d.id,
            "turn": turn,
            "unmatched": [f"{u['tool']}.{u['path']}" for u in unstated],
            "unstated": unstated,
            **meta,
        },
    }
    return case, d.where


def _miss_param_cases(d: _Dialogue, skips: Counter[str]) -> CaseSource:
    gaps = [k for k in range(len(d.calls) - 1) if not d.calls[k] and d.calls[k + 1]]
    if len(gaps) != 1:
        skips["not exactly one turn without calls followed by one with calls"] += 1
        return
    k = gaps[0]
    found = _withheld_labels(d, k)
    if found is None:
        skips["no argument value is stated only by the turn after the one without calls"] += 1
        return
    claims, withheld = found
    calls = (k + 1, d.calls[k + 1])
    ask = {"action": "ask_user", "supported": False, "claims": claims, "others": None}
    yield _bfcl_case(d, "bfcl-miss-param", "missing", k, calls, ask, withheld=withheld)
    answer = {"action": "allow", "supported": True, "others": True}
    yield _bfcl_case(d, "bfcl-miss-param", "given", k + 1, calls, answer, withheld=withheld)


def _base_cases(d: _Dialogue, skips: Counter[str]) -> CaseSource:
    for t, calls in enumerate(d.calls):
        if not calls:
            skips["turns without ground-truth calls give no case"] += 1
            continue
        answer = {"action": "allow", "supported": True, "others": True}
        yield _bfcl_case(d, "bfcl-base", f"turn{t}", t, (t, calls), answer)


def bfcl_source(
    kind: Literal["miss_param", "base"],
) -> Callable[[Path, Split, Counter[str]], CaseSource]:
    """The case source of one BFCL multi-turn file, for `load_public`.

    Args:
        kind: `miss_param` for the ask-the-user / answer pairs, `base` for one case per turn
            with ground-truth calls.

    Returns:
        A function of the data folder, the split and a counter of skipped entries by reason,
        yielding the cases of the split's dialogues.
    """
    per_dialogue = _miss_param_cases if kind == "miss_param" else _base_cases

    def cases(root: Path, split: Split, skips: Counter[str]) -> CaseSource:
        for d in _bfcl_dialogues(kind, root, split):
            yield from per_dialogue(d, skips)

    return cases
