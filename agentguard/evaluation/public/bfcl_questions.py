"""Questions an agent could ask on BFCL live requests: redundant, needless and needed ones.

Each `bfcl-live` case (a real request, the tools offered and the ground-truth call, see
`bfcl_live`) gives question cases: the request as the user message, the same tools, and as the
model output an assistant text message that asks for one top-level parameter of a tool the
ground truth calls. A parameter falls in at most one kind, tried in this order:

- `redundant`: the request states the value. Every ground-truth call of the tool gives the
  parameter a value one of whose acceptable forms (any allowed value, not only the first) the
  request holds as whole words, case ignored (`bfcl.mentions`: strings of 3+ characters,
  numbers also with thousands separators; flags and nested values never count as stated).
- `needless`: an optional parameter whose schema states a default (a `default` key, or one
  the description states, `context.described_default`), which the ground truth leaves out or
  sets to that default: proceeding with the default is what the call needs.
- `needed` (derived): a required parameter without a stated default that is `redundant`,
  asked on the request with every acceptable form of its value cut out of the user's words
  (`value_forms`, the forms `mentions` finds), kept only when the cut request then states
  none of the values in any form: no content word of a string value is a word of it, a
  number is there neither in digits nor as a word (`bfcl_live.unstated`). The request still
  speaks of the slot ("wait up to seconds"), so slot words alone must not count as an answer.

Needed questions are derived rather than taken from the ground truth as it is: BFCL live's
values nearly always follow from the request, and those the word test misses are mostly
stated in another form or language ("medium" for `MID`, "5 mins", "February" for 2, a date in
Chinese), where the question would be redundant.

Other parameters (optional without a default, values stated only in another form, flags,
nested values) give no case. Parameters of tools the ground truth does not call give none
either: whether the request answers them is not known.

Every parameter is asked for in up to four phrasings (`TEMPLATES`), built from its name and
description: "What is your {name}?", "Could you tell me the {description phrase}?", "Which
{name} would you like?", and a paraphrase from the description's words that are not the name's
("What would you like for the {keywords}?"; left out when the description has no such word).
A tool called several times (parallel calls) gives each parameter once.

The gold claim label says whether asking is unneeded: a redundant or needless question is
supported (the request or the schema's default answers it), a needed one is not (ask the
user). The kind, template, tool, parameter, first acceptable value (`value`) and every
acceptable value (`values`) are in `metadata`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from agentguard.context import described_default
from agentguard.evaluation.harness.suite import EvalCase, parse_case
from agentguard.evaluation.public.bfcl import mentions, value_forms
from agentguard.evaluation.public.bfcl_live import LIVE_KINDS, bfcl_live_source, unstated
from agentguard.evaluation.public.bfcl_single import ground_truths
from agentguard.evaluation.public.common import CaseSource, Split, require_file
from agentguard.text.lexicon import STOPWORDS
from agentguard.text.values import fold

QuestionKind = Literal["redundant", "needless", "needed"]
"""Why a question is or is not needed (see the module docstring)."""
QUESTION_KINDS: tuple[QuestionKind, ...] = ("redundant", "needless", "needed")
TEMPLATES = ("name", "description", "which", "paraphrase")
"""The phrasings of a question, in the order `phrasings` builds them."""
SET_NAME = "bfcl-live-questions"
_OMITTED = ("", None)  # BFCL live's marks for "the default is fine"
_PHRASE_WORDS = 8
_KEYWORDS = 3
# Leading words of a description that are no part of the noun phrase ("Specifies the ...").
_LEAD = re.compile(
    r"^(?:(?:specif(?:y|ies)|indicates?|defines?|determines?|represents?|sets?|contains?|"
    r"provides?|is|are|this is|the|a|an|optional|required)\b[\s:,-]*)+",
    re.IGNORECASE,
)
_ARTICLES = ("the", "a", "an")
_CLAUSE_WORDS = frozenset({"whether", "if", "when", "how", "to", "this", "it"})
_CLAUSE_END = re.compile(r"[.,;:()\[\]]| - |\be\.g\b|\bsuch as\b|\bin the format\b")


def name_words(param: str) -> str:
    """A parameter name as words: `food_item`, `foodItem` and `food-item` give `food item`."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", param)
    return " ".join(re.split(r"[\W_]+", spaced)).strip().lower() or param


def description_phrase(description: str) -> str | None:
    """The noun phrase a description opens with, at most eight words, or None.

    "The starting location for the Uber ride, in the format of ..." gives "starting location
    for the Uber ride"; leading verbs and articles ("Specifies the") are dropped, and a
    description that opens with a clause ("Whether to ...", "If ...") gives None.
    """
    first = _CLAUSE_END.split(description.strip(), maxsplit=1)[0]
    phrase = _LEAD.sub("", first.strip()).strip()
    words = phrase.split()[: _PHRASE_WORDS + 1]
    if len(words) > 1 and words[0].lower().endswith("s") and words[1].lower() in _ARTICLES:
        words = words[1:]  # a verb the lead pattern does not know: "Limits the number ..."
    if words and words[0].lower() in _ARTICLES:
        words = words[1:]
    words = words[:_PHRASE_WORDS]
    if not words or words[0].lower() in _CLAUSE_WORDS:
        return None
    if not words[0].isupper():  # keep an acronym ("URL of ..."), lower a sentence's capital
        words[0] = words[0][0].lower() + words[0][1:]
    return " ".join(words)


def _stems(text: str) -> list[str]:
    words = re.findall(r"[^\W_]+", text.lower())
    return [w for w in words if w not in STOPWORDS and w not in _CLAUSE_WORDS and len(w) > 1]


def _shares_stem(word: str, names: list[str]) -> bool:
    """Whether `word` and a name word are one word or one's prefix (`loc`, `location`)."""
    return any(
        word == n or (min(len(word), len(n)) >= 3 and (word.startswith(n) or n.startswith(word)))
        for n in names
    )


def phrasings(param: str, description: str) -> list[tuple[str, str]]:
    """`(template, question)` for each phrasing of a question for `param` (see `TEMPLATES`)."""
    name = name_words(param)
    phrase = description_phrase(description) or name
    if not _stems(name):  # `a`, `from`, `to`: no noun to ask with, so the description's
        name = phrase
    out = [
        ("name", f"What is your {name}?"),
        ("description", f"Could you tell me the {phrase}?"),
        ("which", f"Which {name} would you like?"),
    ]
    names = _stems(name)
    source = description_phrase(description) or description
    keywords = [w for w in _stems(source) if not _shares_stem(w, names)][:_KEYWORDS]
    if keywords:
        out.append(("paraphrase", f"What would you like for the {' '.join(keywords)}?"))
    return out


# -- which parameters a request answers ----------------------------------------------------


def _request(case: dict[str, Any]) -> str:
    return "\n".join(str(m["content"]) for m in case["messages"])


def _case(
    case: dict[str, Any],
    kind: QuestionKind,
    slot: tuple[str, str, list[Any]],
    question: tuple[str, str],
) -> dict[str, Any]:
    """One question case: `slot` is (tool, parameter, values), `question` (template, text)."""
    tool, param, values = slot
    first = values[0] if values else None
    template, text = question
    cut = ":cut" if kind == "needed" else ""
    return {
        "id": f"{case['id']}:{tool}.{param}{cut}:{template}",
        "domain": f"{SET_NAME}-{kind}",
        "messages": case["messages"],
        "tools": case["tools"],
        "output": {"role": "assistant", "content": text},
        "gold": {"claims": [{"text": text, "supported": kind != "needed"}]},
        "metadata": {
            "entry": case["id"],
            "file": case["metadata"].get("file"),
            "kind": kind,
            "template": template,
            "tool": tool,
            "param": param,
            "value": first,
            "values": values,
        },
    }


def _options(truth: Any) -> dict[tuple[str, str], list[list[Any]]]:
    """The allowed values of each (tool, parameter) of a ground truth, one list per call."""
    out: dict[tuple[str, str], list[list[Any]]] = {}
    for call in truth:
        for tool, params in call.items():
            for param, options in params.items():
                out.setdefault((tool, param), []).append(list(options))
    return out


def same_value(found: Any, truth: Any) -> bool:
    """Whether a value found in the context is a ground-truth value of the parameter.

    Compared case-folded, numbers by value; one may hold the other, as "Berkeley, CA" and
    "Berkeley, CA, USA" do.
    """
    if isinstance(truth, (int, float)) and not isinstance(truth, bool):
        try:
            return float(str(found).replace(",", "")) == float(truth)
        except ValueError:
            return False
    a, b = fold(str(found)).strip(" '\"."), fold(str(truth)).strip(" '\".")
    if not a or not b:
        return False
    return a == b or (min(len(a), len(b)) >= 3 and (a in b or b in a))


def stated_default(spec: dict[str, Any]) -> tuple[Any] | None:
    """The default a parameter schema states (a `default` key or its description), or None."""
    if "default" in spec:
        return (spec["default"],)
    return described_default(str(spec.get("description", "")))


def _kind(
    spec: dict[str, Any], required: bool, calls: list[list[Any]], request: str
) -> QuestionKind | None:
    """The kind of a question for a parameter (see the module docstring), or None."""
    values = [[v for v in options if v not in _OMITTED] for options in calls]
    if calls and all(any(mentions(request, v) for v in vs) for vs in values):
        return "redundant"
    default = stated_default(spec)
    if default is not None and not required:
        if all(not vs or default[0] in vs for vs in values):
            return "needless"
        return None
    return None


def cut_request(messages: list[dict[str, Any]], values: list[Any]) -> list[dict[str, Any]] | None:
    """The user messages with every written form of `values` cut out, or None.

    None when a value is a flag or nested, or when the cut messages still state one of the
    values (a content word of it, or a number in digits or words) or no longer differ.
    """
    if any(isinstance(v, (bool, dict, list)) or v is None for v in values):
        return None
    forms = sorted({f for v in values for f in value_forms(v)}, key=len, reverse=True)
    if not forms:
        return None
    pattern = re.compile("|".join(rf"(?<![\w.]){re.escape(f)}(?!\w)" for f in forms), re.IGNORECASE)
    out = []
    for m in messages:
        text = str(m["content"])
        if m["role"] == "user":
            text = re.sub(r"[ \t]{2,}", " ", pattern.sub("", text))
        out.append({**m, "content": text})
    request = "\n".join(str(m["content"]) for m in out)
    if out == messages or not all(unstated(v, request) for v in values):
        return None
    return out


def question_cases(case: dict[str, Any], truth: Any) -> Iterator[dict[str, Any]]:
    """The question cases of one `bfcl-live` case, given its raw ground truth.

    Args:
        case: A `bfcl-live` case object (request, tools and ground-truth call).
        truth: Its ground truth in BFCL's form, `[{tool: {parameter: [allowed values]}}]`.

    Yields:
        Case objects in the `check` input form, one per parameter, kind and phrasing.
    """
    request = _request(case)
    options = _options(truth)
    called = list(dict.fromkeys(name for call in truth for name in call))
    tools = {t["function"]["name"]: t["function"] for t in case["tools"]}
    for tool in called:
        schema = tools[tool].get("parameters", {})
        required = set(schema.get("required", []))
        for param, spec in schema.get("properties", {}).items():
            calls = options.get((tool, param), [])
            kind = _kind(spec, param in required, calls, request)
            if kind is None:
                continue
            values = [v for vs in calls for v in vs if v not in _OMITTED]
            slot = (tool, param, values)
            asked = phrasings(param, str(spec.get("description", "")))
            for question in asked:
                yield _case(case, kind, slot, question)
            if kind != "redundant" or param not in required or stated_default(spec) is not None:
                continue
            messages = cut_request(case["messages"], values)
            if messages is not None:
                for question in asked:
                    yield _case({**case, "messages": messages}, "needed", slot, question)


def bfcl_questions_source(root: Path, split: Split, skips: Counter[str]) -> CaseSource:
    """The question cases of every `bfcl-live` case of the split."""
    truths: dict[str, dict[str, tuple[Any, str]]] = {}
    for kind in LIVE_KINDS:
        path = require_file(SET_NAME, root, f"bfcl_live/possible_answer/BFCL_v4_{kind}.json")
        truths[kind] = ground_truths(path)
    for case, where in bfcl_live_source(root, split, skips):
        truth, _ = truths[case["metadata"]["file"]][case["id"]]
        for question in question_cases(case, truth):
            yield question, where


def load_questions(root: str | Path, split: Split = "dev") -> tuple[list[EvalCase], list[str]]:
    """The question cases of a split, parsed, and one note per reason an entry gave none.

    Raises:
        InputError: for a missing file or a malformed record.
    """
    skips: Counter[str] = Counter()
    source = bfcl_questions_source(Path(root), split, skips)
    cases = [parse_case(data, where) for data, where in source]
    notes = [f"{SET_NAME}: skipped {n} entries ({why})" for why, n in sorted(skips.items())]
    return cases, notes
