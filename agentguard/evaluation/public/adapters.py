"""Adapters that turn public evaluation sets into eval suites.

The sets are not shipped with the package: `load_public` reads a copy of them laid out as
`halueval/`, `faithbench/` and `bfcl/` under the folder the user names, and builds `EvalCase`s
in the `check` input form with gold labels. Every case goes through `parse_case`, so a suite
built here is valid input for the runner.

Splits follow the sets' own layout: HaluEval lines 1-6000 are train and 6001-8000 dev;
FaithBench batches 1-8 train and 9-12 dev; BFCL dialogues and entries with an even numeric id suffix
train and odd ones dev (the same suffix is the same dialogue in every BFCL file).

The HaluEval and FaithBench adapters live here; the BFCL multi-turn ones are in `bfcl`, the
single-turn ones in `bfcl_single`, and what they share (the split names, file reading, field
checks) in `public_common`.

Example:
    >>> suite = load_public("halueval-qa", "../shared/data", split="dev", limit=4)
    >>> [c.id for c in suite.cases][:2]
    ['halueval-qa-6001-right', 'halueval-qa-6001-hallucinated']
"""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from agentguard.errors import InputError
from agentguard.evaluation.harness.suite import EvalCase, Suite, parse_case
from agentguard.evaluation.public.bfcl import bfcl_source
from agentguard.evaluation.public.bfcl_live import LIVE_SOURCES
from agentguard.evaluation.public.bfcl_single import bfcl_single_source
from agentguard.evaluation.public.common import (
    HINT,
    CaseSource,
    read_jsonl,
    require_file,
    text_field,
)
from agentguard.evaluation.public.common import Split as Split

PUBLIC_SETS: dict[str, str] = {
    "halueval-qa": "HaluEval QA: a right and a deliberately hallucinated answer per question, "
    "with the knowledge paragraph as the only document",
    "halueval-dialogue": "HaluEval dialogue: a right and a hallucinated reply per dialogue, "
    "with the knowledge paragraph as the only document",
    "faithbench": "FaithBench: LLM summaries of short sources with human span annotations; "
    "hallucinated when any span is labeled Unwanted",
    "bfcl-miss-param": "BFCL multi-turn miss_param: a tool call made before the user gave one "
    "of its values (ask the user) and the same call after (answer)",
    "bfcl-base": "BFCL multi-turn base: every turn's ground-truth tool calls, all arguments "
    "supported",
    "bfcl-simple": "BFCL single-turn simple_python: a request and its ground-truth call to the "
    "one tool offered, all arguments supported",
    "bfcl-multiple": "BFCL single-turn multiple: a request and its ground-truth call to one of "
    "two to four tools offered, all arguments supported",
    "bfcl-live": "BFCL live: real user requests to real APIs and their ground-truth calls, all "
    "arguments supported (values often stated in another form)",
    "bfcl-live-replaced": "BFCL live with one argument of a ground-truth call replaced by a "
    "plausible value the request does not state (ask the user)",
}
_HALUEVAL_DEV_FROM = 6001
_FAITHBENCH_DEV_FROM = 9
_SUMMARY_REQUEST = "Summarize the document above in a few sentences."
_SPEAKER = re.compile(r"\[\s*(human|user|assistant)\s*\]\s*:?", re.IGNORECASE)


@dataclass(frozen=True)
class PublicSuite(Suite):
    """A suite built from a public set, with what the adapter had to leave out.

    Attributes:
        skipped: Entries of the set that gave no case (counted among the entries read).
        notes: One line per reason for skipping, with its count.
    """

    skipped: int = 0
    notes: tuple[str, ...] = ()


def load_public(
    name: str,
    data_dir: str | Path,
    *,
    split: Split = "dev",
    limit: int | None = None,
) -> PublicSuite:
    """Build the eval suite of one public set from a copy of the data.

    Args:
        name: One of `PUBLIC_SETS`.
        data_dir: The folder holding `halueval/`, `faithbench/` and `bfcl/`.
        split: `train` to fit on, `dev` to report on, `all` for both.
        limit: At most this many cases, the first ones of the split.

    Returns:
        The suite; its `skipped` and `notes` say which entries gave no case and why.

    Raises:
        InputError: for an unknown name or split, a missing folder or file, or a malformed
            record (naming the file, the line or sample, and the field).
    """
    if name not in PUBLIC_SETS:
        raise InputError("name", f"unknown public set {name!r} (known: {', '.join(PUBLIC_SETS)})")
    if split not in ("train", "dev", "all"):
        raise InputError("split", f"unknown split {split!r} (expected train, dev or all)")
    if limit is not None and limit < 0:
        raise InputError("limit", f"must be at least 0, not {limit}")
    root = Path(data_dir)
    if not root.is_dir():
        raise InputError(name, f"the data folder {root} does not exist ({HINT})")
    skips: Counter[str] = Counter()
    source = _SOURCES[name](root, split, skips)
    first = list(itertools.islice(source, 1))  # finds a missing file even when limit is 0
    cases: list[EvalCase] = []
    seen: dict[str, str] = {}
    for data, where in itertools.islice(itertools.chain(first, source), limit):
        case = parse_case(data, where)
        if case.id in seen:
            raise InputError(f"{where}: id", f"duplicate id {case.id!r} (first at {seen[case.id]})")
        seen[case.id] = where
        cases.append(case)
    notes = tuple(f"{name}: skipped {n} ({why})" for why, n in sorted(skips.items()))
    return PublicSuite(
        name=f"{name}-{split}",
        cases=tuple(cases),
        path=str(root),
        skipped=sum(skips.values()),
        notes=notes,
    )


def _dialogue_turns(history: str) -> list[dict[str, str]]:
    """Split `[Human]: ... [Assistant]: ...` into chat messages.

    Text before the first speaker tag is the user's; a history without tags is one user turn.
    Only the two speaker tags split, so bracketed titles inside a turn stay where they are.
    """
    marks = list(_SPEAKER.finditer(history))
    turns: list[dict[str, str]] = []
    head = history[: marks[0].start()] if marks else history
    if head.strip():
        turns.append({"role": "user", "content": head.strip()})
    for i, mark in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(history)
        text = history[mark.end() : end].strip()
        if text:
            role = "assistant" if mark.group(1).lower() == "assistant" else "user"
            turns.append({"role": role, "content": text})
    return turns


def _halueval(kind: Literal["qa", "dialogue"]) -> Callable[[Path, Split, Counter[str]], CaseSource]:
    name = f"halueval-{kind}"
    context_field, right_field, wrong_field = (
        ("question", "right_answer", "hallucinated_answer")
        if kind == "qa"
        else ("dialogue_history", "right_response", "hallucinated_response")
    )

    def keep(split: Split) -> Callable[[int], bool]:
        return lambda n: split == "all" or (n >= _HALUEVAL_DEV_FROM) == (split == "dev")

    def cases(root: Path, split: Split, skips: Counter[str]) -> CaseSource:
        path = require_file(name, root, f"halueval/{kind}.jsonl")
        for n, record in read_jsonl(path, keep(split)):
            where = f"{path}:{n}"
            knowledge = text_field(record, "knowledge", where)
            context = text_field(record, context_field, where)
            messages = (
                [{"role": "user", "content": context}] if kind == "qa" else _dialogue_turns(context)
            )
            if not messages:
                raise InputError(f"{where}: {context_field}", "has no turn with text")
            for tag, field, right in (
                ("right", right_field, True),
                ("hallucinated", wrong_field, False),
            ):
                answer = text_field(record, field, where)
                gold: dict[str, Any] = (
                    {"action": "allow", "supported": True, "others": True}
                    if right
                    # Only some claims of a hallucinated answer are wrong and the set does not
                    # say which, so its claims stay unlabeled (`others` None).
                    else {"action": "retry", "supported": False, "others": None}
                )
                yield (
                    {
                        "id": f"{name}-{n}-{tag}",
                        "domain": name,
                        "messages": messages,
                        "documents": [{"id": "knowledge", "text": knowledge}],
                        "output": {"role": "assistant", "content": answer},
                        "gold": gold,
                        "metadata": {"pair": n, "answer_words": len(answer.split())},
                    },
                    where,
                )

    return cases


def _span_label(labels: list[str]) -> str:
    """One label per annotation: the most severe, and the most specific of equal severity."""
    unwanted = sorted((lab for lab in labels if lab.startswith("Unwanted")), key=len)
    if unwanted:
        return unwanted[-1]
    for label in ("Questionable", "Benign"):
        if label in labels:
            return label
    return labels[0] if labels else "Unlabeled"


def _annotations(record: dict[str, Any], summary: str, where: str) -> tuple[list[Any], bool]:
    annotations = record.get("annotations", [])
    if not isinstance(annotations, list):
        raise InputError(f"{where}.annotations", "must be a list")
    spans: list[Any] = []
    hallucinated = False
    for j, ann in enumerate(annotations):
        at = f"{where}.annotations[{j}]"
        labels = ann.get("label") if isinstance(ann, dict) else None
        if isinstance(labels, str):
            labels = [labels]
        if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
            raise InputError(f"{at}.label", "must be a list of label strings")
        label = _span_label(labels)
        hallucinated = hallucinated or label.startswith("Unwanted")
        start, end = ann.get("summary_start"), ann.get("summary_end")
        if start is None and end is None:
            continue  # an annotation of the source only
        if not (
            isinstance(start, int) and isinstance(end, int) and 0 <= start <= end <= len(summary)
        ):
            raise InputError(
                f"{at}.summary_start",
                f"span [{start}, {end}] does not fit the summary ({len(summary)} characters)",
            )
        spans.append([start, end, label])
    return spans, hallucinated


def _faithbench_case(batch: int, record: Any, where: str) -> dict[str, Any]:
    if not isinstance(record, dict):
        raise InputError(where, f"must be an object, not {type(record).__name__}")
    source = text_field(record, "source", where, ".")
    summary = text_field(record, "summary", where, ".")
    sample = record.get("sample_id")
    if not isinstance(sample, int) or isinstance(sample, bool):
        raise InputError(f"{where}.sample_id", "must be an integer")
    spans, hallucinated = _annotations(record, summary, where)
    meta = record.get("metadata", {})
    if not isinstance(meta, dict):
        raise InputError(f"{where}.metadata", "must be an object")
    detectors = {
        k: v
        for k, v in meta.items()
        if k not in ("summarizer", "raw_sample_id")
        and (v is None or (isinstance(v, (int, float)) and v == v))  # NaN is not a score
    }
    return {
        "id": f"faithbench-{batch}-{sample}",
        "domain": "faithbench",
        "messages": [{"role": "user", "content": _SUMMARY_REQUEST}],
        "documents": [{"id": "source", "text": source}],
        "output": {"role": "assistant", "content": summary},
        "gold": {"action": "retry", "supported": False}
        if hallucinated
        else {"action": "allow", "supported": True},
        "metadata": {
            "batch": batch,
            "sample_id": sample,
            "summarizer": meta.get("summarizer"),
            "spans": spans,
            "detectors": detectors,
        },
    }


def _faithbench(root: Path, split: Split, skips: Counter[str]) -> CaseSource:
    folder = root / "faithbench"
    batches = sorted(
        (int(m.group(1)), p)
        for p in (folder.glob("batch_*.json") if folder.is_dir() else [])
        if (m := re.fullmatch(r"batch_(\d+)\.json", p.name))
    )
    if not batches:
        raise InputError("faithbench", f"no faithbench/batch_N.json under {root} ({HINT})")
    for batch, path in batches:
        if split != "all" and (batch >= _FAITHBENCH_DEV_FROM) != (split == "dev"):
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise InputError(str(path), f"not JSON ({exc})") from None
        samples = data.get("samples") if isinstance(data, dict) else None
        if not isinstance(samples, list):
            raise InputError(f"{path}: samples", "missing or not a list")
        for i, record in enumerate(samples):
            where = f"{path}: samples[{i}]"
            yield _faithbench_case(batch, record, where), where


_SOURCES: dict[str, Callable[[Path, Split, Counter[str]], CaseSource]] = {
    "halueval-qa": _halueval("qa"),
    "halueval-dialogue": _halueval("dialogue"),
    "faithbench": _faithbench,
    "bfcl-miss-param": bfcl_source("miss_param"),
    "bfcl-base": bfcl_source("base"),
    "bfcl-simple": bfcl_single_source("simple_python"),
    "bfcl-multiple": bfcl_single_source("multiple"),
    **LIVE_SOURCES,
}
