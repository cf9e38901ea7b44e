"""The BFCL live adapters: real user requests to real APIs, and calls with one value replaced.

Reads `bfcl_live/BFCL_v4_live_{simple,multiple,parallel,parallel_multiple}.json` and their
ground truth under `bfcl_live/possible_answer/`, in the layout of the single-turn BFCL files
(`bfcl_single`). Entries are split by their tool-set number, the middle number of an id such
as `live_multiple_412-130-2`: even train, odd dev. Requests that share a tool set share schemas
and conventions, so the split keeps each set on one side.

Two public sets come from them:

- `bfcl-live`: each entry's ground-truth call (the first allowed value of each argument; a
  parameter whose first allowed value is `None`, its default, is left out), every argument gold
  supported and the action `allow`: the value follows from the request, the schema
  or plain knowledge of codes and formats, even where it is written in another form.
- `bfcl-live-replaced`: for each top-level argument of those calls that has a plausible
  replacement, the same call with that one value replaced by a value of the same type and slot
  that the request does not state: another member of the parameter's enum, or a value that
  another entry of the same split gives the same parameter (of the same tool set first). The
  replaced argument is gold unsupported and the action `ask_user`; its call id and path are in
  `metadata.replaced`. A string is a candidate only when none of its content words is a word of
  the request, a number only when the request holds it neither in digits nor (up to twenty) as
  a word: a value the request states in another form is no replacement.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from agentguard.errors import InputError
from agentguard.evaluation.public.bfcl import mentions
from agentguard.evaluation.public.bfcl_single import ground_truths, single_case
from agentguard.evaluation.public.common import (
    CaseSource,
    Split,
    read_jsonl,
    require_file,
    text_field,
)
from agentguard.text.lexicon import STOPWORDS

LIVE_KINDS = ("live_simple", "live_multiple", "live_parallel", "live_parallel_multiple")
"""The BFCL live files, in the order the sets read them."""
_LIVE_ID = re.compile(r"_(\d+)-(\d+)-(\d+)$")
_NUMBER_WORDS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty"
).split()
Slot = tuple[str, str, str]  # (tool set, tool, parameter)


def live_split(entry_id: str, split: Split, where: str) -> bool:
    """Whether an entry belongs to `split`: an even tool-set number is train, odd dev."""
    found = _LIVE_ID.search(entry_id)
    if found is None:
        raise InputError(f"{where}: id", f"{entry_id!r} has no '-SET-N' suffix to split on")
    return split == "all" or (int(found.group(2)) % 2 == 1) == (split == "dev")


def _positives(name: str, root: Path, split: Split, skips: Counter[str]) -> CaseSource:
    for kind in LIVE_KINDS:
        entries = require_file(name, root, f"bfcl_live/BFCL_v4_{kind}.json")
        truth_file = require_file(name, root, f"bfcl_live/possible_answer/BFCL_v4_{kind}.json")
        answers = (ground_truths(truth_file), truth_file)
        for n, record in read_jsonl(entries):
            where = f"{entries}:{n}"
            eid = text_field(record, "id", where)
            if not live_split(eid, split, where):
                continue
            try:
                case = single_case(name, record, where, answers, skips)
            except InputError as exc:
                # A few live entries' ground truth breaks BFCL's own form (an empty list of
                # allowed values, a nested object of bare values) or names a parameter the
                # entry's tool does not have: no call can be built from them.
                if "ground_truth" not in str(exc):
                    raise
                skips["ground truth that does not fit BFCL's form or the entry's tools"] += 1
                continue
            if case is not None:
                case["metadata"]["file"] = kind
                yield _without_nulls(case), where


def _without_nulls(case: dict[str, Any]) -> dict[str, Any]:
    """The case with top-level `null` arguments left out of its calls.

    Live ground truth writes `None` among the allowed values of an optional parameter (its
    default); sent as JSON `null` to a string parameter it would break the tool's schema.
    """
    calls = []
    for call in case["output"]["tool_calls"]:
        args = json.loads(call["function"]["arguments"])
        kept = {k: v for k, v in args.items() if v is not None}
        function = {"name": call["function"]["name"], "arguments": json.dumps(kept)}
        calls.append({**call, "function": function})
    return {**case, "output": {**case["output"], "tool_calls": calls}}


def bfcl_live_source(root: Path, split: Split, skips: Counter[str]) -> CaseSource:
    """The `bfcl-live` cases: every ground-truth call of the split, all arguments supported."""
    yield from _positives("bfcl-live", root, split, skips)


# -- replaced values -----------------------------------------------------------------------


def _request(case: dict[str, Any]) -> str:
    return "\n".join(str(m["content"]) for m in case["messages"])


def _arguments(case: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """`(call id, tool, arguments)` of each call of the case's output."""
    return [
        (c["id"], c["function"]["name"], json.loads(c["function"]["arguments"]))
        for c in case["output"]["tool_calls"]
    ]


def _properties(case: dict[str, Any], tool: str) -> dict[str, Any]:
    for t in case["tools"]:
        if t["function"]["name"] == tool:
            props: dict[str, Any] = t["function"]["parameters"].get("properties", {})
            return props
    return {}


def _tool_set(case: dict[str, Any]) -> str:
    found = _LIVE_ID.search(case["id"])
    return found.group(2) if found else ""


def _same_type(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return False  # a flag has no "other value" a request could leave unstated
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return True
    return isinstance(a, str) and isinstance(b, str)


def _words(text: str) -> set[str]:
    """Content words of `text`: 3+ letters or digits, no stopword, a plural `s` cut off."""
    words = {w.removesuffix("s") for w in re.findall(r"[^\W_]{3,}", text.casefold())}
    return words - STOPWORDS


def unstated(value: Any, request: str) -> bool:
    """Whether `request` says nothing of `value`, in this form or another.

    A string is unstated when none of its content words is a word of the request (so
    "San Francisco, CA" is stated by "San Francisco", and "AIR_CLEAN" by "set to clean"); a
    number when the request holds it neither in digits nor, up to twenty, as a word.
    """
    if isinstance(value, str):
        words = _words(value)
        return bool(words) and not words & _words(request) and not mentions(request, value)
    if isinstance(value, (int, float)):
        if not float(value).is_integer():
            return re.search(rf"(?<![\d.]){re.escape(repr(value))}(?!\d)", request) is None
        n = int(value)
        digits = re.search(rf"(?<![\d.]){n}(?![\d])", request) is not None
        word = 0 <= n < len(_NUMBER_WORDS) and _NUMBER_WORDS[n] in _words(request)
        return not digits and not word
    return False


def _pools(cases: list[dict[str, Any]]) -> tuple[dict[Slot, list[Any]], dict[str, list[Any]]]:
    """Values each (tool set, tool, parameter) and each parameter name takes across `cases`."""
    by_slot: dict[Slot, list[Any]] = defaultdict(list)
    by_name: dict[str, list[Any]] = defaultdict(list)
    for case in cases:
        tool_set = _tool_set(case)
        for _, tool, args in _arguments(case):
            for param, value in args.items():
                if not isinstance(value, (str, int, float)):
                    continue
                for pool in (by_slot[(tool_set, tool, param)], by_name[param]):
                    if value not in pool:
                        pool.append(value)
    return by_slot, by_name


def _pick(options: list[Any], key: str) -> Any:
    """One of `options`, the same every run (chosen by a hash of `key`)."""
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return options[int.from_bytes(digest[:4], "big") % len(options)]


def _replacement(
    case: dict[str, Any],
    tool: str,
    param: str,
    value: Any,
    pools: tuple[dict[Slot, list[Any]], dict[str, list[Any]]],
) -> tuple[Any, str] | None:
    """A plausible value for `param` that the request does not state, and where it came from."""
    request = _request(case)
    spec = _properties(case, tool).get(param, {})
    default = spec.get("default", object())

    def fits(v: Any) -> bool:
        return v != value and v != default and _same_type(v, value) and unstated(v, request)

    enum = spec.get("enum")
    if isinstance(enum, list):
        options = [v for v in enum if fits(v)]
        return (_pick(options, f"{case['id']}.{param}"), "enum") if options else None
    by_slot, by_name = pools
    for origin, pool in (
        ("tool set", by_slot.get((_tool_set(case), tool, param), [])),
        ("parameter", by_name.get(param, [])),
    ):
        options = [v for v in pool if fits(v)]
        if options:
            return _pick(options, f"{case['id']}.{param}"), origin
    return None


def _replaced_cases(case: dict[str, Any], pools: Any, skips: Counter[str]) -> Iterator[Any]:
    calls = _arguments(case)
    paths = Counter((tool, param) for _, tool, args in calls for param in args)
    for call_id, tool, args in calls:
        for param, value in args.items():
            if isinstance(value, (dict, list)):
                skips["nested argument: not replaced"] += 1
                continue
            found = _replacement(case, tool, param, value, pools)
            if found is None:
                skips["no plausible unstated value of the same type and slot"] += 1
                continue
            new, origin = found
            tool_calls = [
                c
                if c["id"] != call_id
                else {
                    **c,
                    "function": {"name": tool, "arguments": json.dumps({**args, param: new})},
                }
                for c in case["output"]["tool_calls"]
            ]
            gold: dict[str, Any] = {"action": "ask_user", "supported": False}
            if paths[(tool, param)] == 1:  # a gold entry matches by tool and path only
                gold["claims"] = [{"path": param, "tool": tool, "supported": False}]
            yield {
                **case,
                "id": f"{case['id']}:{call_id}.{param}",
                "domain": "bfcl-live-replaced",
                "output": {**case["output"], "tool_calls": tool_calls},
                "gold": gold,
                "metadata": {
                    **case["metadata"],
                    "replaced": {
                        "call_id": call_id,
                        "tool": tool,
                        "path": param,
                        "original": value,
                        "value": new,
                        "from": origin,
                    },
                },
            }


def bfcl_live_replaced_source(root: Path, split: Split, skips: Counter[str]) -> CaseSource:
    """The `bfcl-live-replaced` cases: one per replaceable argument of the split's calls."""
    ignored: Counter[str] = Counter()  # the positives' own skips are `bfcl-live`'s to report
    positives = list(_positives("bfcl-live-replaced", root, split, ignored))
    pools = _pools([case for case, _ in positives])
    for case, where in positives:
        for replaced in _replaced_cases(case, pools, skips):
            yield replaced, where


LIVE_SOURCES: dict[str, Callable[[Path, Split, Counter[str]], CaseSource]] = {
    "bfcl-live": bfcl_live_source,
    "bfcl-live-replaced": bfcl_live_replaced_source,
}
"""The case source of each BFCL live set, for `load_public`."""
