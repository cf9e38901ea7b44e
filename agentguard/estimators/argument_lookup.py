"""Where the context holds a tool-call argument's value, wholly or in part.

Used by the default estimator for argument claims: a value is looked up as the typed value it
is (a date, an amount), as a phrase, as a currency name for an ISO code, in another form
(`agentguard.text.forms`, `agentguard.estimators.schema_values`, `derived_number`), and else
by how much of it occurs; a named boolean by its parameter's words. A value that is not found
may meet a rival: another value of the same kind that the user or a tool gives the parameter.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass, field

from agentguard.estimators.index import ContextIndex, Hit
from agentguard.estimators.schema_values import described_code, enum_member, implied_boolean
from agentguard.text.lexicon import CURRENCY_NAMES
from agentguard.text.tokens import content_terms
from agentguard.text.values import Value, extract_values, fold, num_key
from agentguard.types import ClaimDraft

_MAY_BE_VALUE = re.compile(
    r"[\d@]|\b(?:today|tonight|tomorrow|yesterday|monday|tuesday|wednesday|thursday|friday"
    r"|saturday|sunday|noon|midnight|week)",
    re.IGNORECASE,
)
CONTRADICTABLE = ("number", "money", "date", "time", "email", "phone", "id", "name")
"""Value kinds of which a rival value in the same place contradicts a claim."""


def whole_value(text: str, index: ContextIndex) -> Value | None:
    """The single typed value a string argument is, if it is one ("2024-05-03", "$20")."""
    if not _MAY_BE_VALUE.search(text):
        return None  # no digit, no @, no relative date: a name or a plain word
    values = extract_values(text, index.today, claim=True)
    if len(values) == 1 and len(values[0].text) >= 0.8 * len(text.strip()):
        return values[0]
    return None


@dataclass
class Lookup:
    """Where the context holds an argument's value."""

    hits: list[Hit]
    """Where the whole value is, in its own form or another."""
    partial: float = 0.0
    """Else, how much of it occurs (0-1)."""
    parts: list[Hit] = field(default_factory=list)
    """Where its parts occur."""
    notes: dict[Hit, str] = field(default_factory=dict)
    """For a hit in another form, what form it is ("country code of 'UK'")."""
    kind: str | None = None
    """The kind of typed value the argument is (`id`, `date`, `number`...); None for words."""
    worded: bool = False
    """True when `hits` are where the request words a boolean parameter ("keep it private"
    for `private_visibility=true`): the parameter's words, not a mention of the value."""


def argument_lookup(claim: ClaimDraft, index: ContextIndex) -> Lookup:
    """Where the value is, in its own form or another, else how much of it occurs."""
    value = claim.value
    if value is None:
        return Lookup([])
    if isinstance(value, bool):
        # "including human impact" words `include_human_impact`: the parameter's own words,
        # stemmed, in one sentence.
        share, hit = implied_boolean(claim.path or "", index)
        if share >= 0.5 and hit is not None:
            return Lookup([hit], notes={hit: "the request words the parameter"}, worded=True)
        return Lookup([])
    number = isinstance(value, (int, float))
    whole = None if number else whole_value(str(value), index)
    kind = "number" if number else (whole.kind if whole is not None else None)
    hits, partial, parts = _value_hits(value, whole, index)
    if hits:
        return Lookup(hits, kind=kind)
    param = index.context.param(claim.tool, claim.path)
    notes = (
        ({} if number else other_forms(str(value), index))
        or described_code(value, param, index)
        or enum_member(value, param, index)
        or (derived_number(float(value), index) if number else {})
    )
    if notes:
        return Lookup(list(notes), notes=notes, kind=kind)
    return Lookup([], partial, parts, kind=kind)


def other_forms(text: str, index: ContextIndex) -> dict[Hit, str]:
    """Where the context names what `text` is another form of, with the form's note.

    "GB" for "the UK", "da" for "Danish", "Oakland, CA" for "Oakland": a value of
    comma-separated parts is found when each part is, as written or in another form.
    """
    forms = index.stated_forms()
    key = " ".join(fold(text).split())
    found = forms.get(key)
    if found:
        return dict(found)
    parts = [p.strip() for p in key.split(",")]
    if len(parts) < 2 or len(parts) > 4 or not all(parts):
        return {}
    out: dict[Hit, str] = {}
    for part in parts:
        direct = index.find_phrase(part)
        if direct:
            out.update({h: f"part {part!r} as written" for h in direct[:1]})
        elif part in forms:
            out.update(dict(forms[part][:1]))
        else:
            return {}
    return out


def _value_hits(
    value: object, whole: Value | None, index: ContextIndex
) -> tuple[list[Hit], float, list[Hit]]:
    """Hits of the whole value as written; else how much of it occurs (0-1), and where.

    `whole` is the typed value a string argument is (`whole_value`).
    """
    if isinstance(value, (int, float)):
        key = num_key(value)
        return index.find_value(Value("number", str(value), (0, 0), (key,), (key,))), 0.0, []
    text = str(value)
    hits = (index.find_value(whole) if whole else []) or index.find_phrase(text)
    for name in CURRENCY_NAMES.get(text.upper(), ()) if not hits else ():
        hits = index.find_phrase(name)  # `"USD"` for "500 US dollars"
        if hits:
            break
    if hits:
        return hits, 0.0, []
    share, parts = _value_coverage(text, index)
    if whole is not None:  # an id, date or amount is found whole or not: "BH-54631" is no "BH"
        return [], share, parts
    words, sentence = index.densest_sentence(content_terms(text.replace("_", " ")))
    if words > share and sentence is not None:
        return [], words, [sentence]  # "panda" in "pandas in the wild": the sentence is evidence
    return [], share, parts


def _value_coverage(value: str, index: ContextIndex) -> tuple[float, list[Hit]]:
    """For a string made of several values ("17 * 23"): the share the context holds."""
    if not _MAY_BE_VALUE.search(value):
        return 0.0, []
    values = extract_values(value, index.today, claim=True)
    if len(values) < 2:
        return 0.0, []
    found = [hits[0] for hits in map(index.find_value, values) if hits]
    return len(found) / len(values), found


def slot_rival(claim: ClaimDraft, kind: str | None, index: ContextIndex) -> Hit | None:
    """Where the user or a tool names the parameter with another value of the same kind.

    `kind` is the kind of typed value of a string argument (`Lookup.kind`); None for words.
    """
    if kind is None or kind not in CONTRADICTABLE or kind == "name":
        return None
    for t in sorted(content_terms((claim.path or "").replace("_", " "))):
        for si in index.sentences_with(t).tolist():
            if index.sentence_kind(si) not in ("user", "tool"):
                continue
            rival = next((w for w in index.sentence_values(si) if w.kind == kind), None)
            if rival is not None:
                return index.sentence_value_hit(si, rival)
    return None


_MOST_SENTENCES = 200
_MOST_DATES = 24


def derived_number(value: float, index: ContextIndex) -> dict[Hit, str]:
    """Where `value` follows from two stated values, with both as evidence.

    The days between two dates ("I arrive on 3 May and leave on 7 May" -> 4 nights), or the
    sum of two numbers of one sentence ("2 adults and 1 child" -> 3).

    Only the first sentences of the user, system and tool sources are read, so a long
    context costs no more than a short one.
    """
    if not float(value).is_integer() or not 0 < value <= 3660:
        return {}
    n = int(value)
    dates: list[tuple[dt.date, Hit, str]] = []
    for si in range(min(index.n_sentences, _MOST_SENTENCES)):
        if index.sentence_kind(si) not in ("user", "system", "tool"):
            continue
        numbers: list[tuple[float, Value]] = []
        for v in index.sentence_values(si):
            day = next((k[5:] for k in v.keys if k.startswith("date:")), None)
            if day is not None and len(dates) < _MOST_DATES:
                dates.append((dt.date.fromisoformat(day), index.sentence_value_hit(si, v), v.text))
            elif v.kind == "number":
                numbers += [(float(k[4:]), v) for k in v.keys[:1] if k.startswith("num:")]
        for (a, va), (b, vb) in itertools.combinations(numbers, 2):
            if a + b == n and a != n and b != n:
                note = f"derived: {va.text} + {vb.text} = {n}"
                return {index.sentence_value_hit(si, w): note for w in (va, vb)}
    for (d1, h1, t1), (d2, h2, t2) in itertools.combinations(dates, 2):
        if abs((d2 - d1).days) == n:
            note = f"derived: {n} days from {t1} to {t2}"
            return {h1: note, h2: note}
    return {}
