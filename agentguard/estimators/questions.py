"""What a question asks for, and where the context might already hold the answer.

A question is mapped to the tool parameter it asks for (`asked_params`), by the words it
shares with each parameter's name and description, the role it asks about ("leaving from" is
an origin, "heading to" a destination) and the kind of value it asks for ("when" asks for a
date), and the enum members it offers as choices. The candidates for its answer
(`answer_candidates`) are the values the context places in that parameter's slot: a member of
the parameter's enum, a value under a JSON key of a tool result that names the parameter, a
value of a fitting kind in a sentence that the parameter fits better than the tool's others do
("port 5432", "the database named 'main_db'", "from Boston", "in Berkeley"), a value taken by
position ("add 5.0 to 3.0"), the one value no other parameter takes, or a correction ("Sorry, I
meant Dublin."). The estimator then checks each candidate as it would check the argument itself
(polarity, holder, slot), and the question model (`question_model`) says how sure it is, so a
question is answered only by a value the context states for that slot.

The word lists are the parameter's own name and description: nothing here knows a domain.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from agentguard.estimators.index import ContextIndex, Hit
from agentguard.estimators.mentions import name_terms, name_words, text_terms
from agentguard.text.forms import stated_forms
from agentguard.text.lexicon import QUESTION_FILLER, QUESTION_KINDS
from agentguard.text.polarity import parameter_role, role_before
from agentguard.text.tokens import content_terms, term
from agentguard.text.values import Value, fold
from agentguard.types import Context, ParamSchema, Scalar

MAX_CANDIDATES = 8
"""Most answers read per parameter asked for: each is checked as an argument would be."""
MAX_SENTENCES = 500
"""Most sentences searched for answers, the latest first: a question asks about what is
current, and a huge context must not make each question cost more."""
_HEADING_TURNS = 3  # the user's latest messages say where the conversation is heading
USER_SENTENCES = 8
"""The user's latest sentences, read for every question: what the user said lately."""
NAMED_SENTENCES = 8
"""Most of the other sentences read for a parameter: the latest that use a word of its name."""
MAX_ASKED = 3
"""Most parameters a question is taken to ask for (ties of the best score)."""
_MIN_SCORE = 2.0
_TIE = 0.5  # parameters scoring this close to the best are asked for too
_MAX_OPTIONS = 40  # an enum longer than this is a list of ids, not choices a question offers
_PREFIX = 4
_BEFORE_CHARS = 36
_AFTER_CHARS = 16
_SCALAR_TYPES = (None, "string", "integer", "number")
_ASKABLE_TYPES = (*_SCALAR_TYPES, "boolean")
_NUMBER_KINDS = frozenset({"number", "money"})
_DATE_WORDS = frozenset({"date", "day", "when", "birthday", "deadline"})
_TIME_WORDS = frozenset({"time", "hour", "clock"})
_MIN_AFFINITY = 1.0
_ENUM_AFFINITY = 5.0
_LEFTOVER_AFFINITY = 0.0
STRONG_AFFINITY = 3.0
"""An answer this sure, in another sentence than a second one, makes the two conflict."""
_REFERENCE_WORDS = frozenset({"id", "ids", "uuid", "number", "no", "code", "name", "type", "value"})
_REFERENCE_TERMS = frozenset(term(w) for w in _REFERENCE_WORDS)
_GENERIC_WEIGHT = 1.0  # "id", "name", "number": a word every slot has says little alone
_PLACE_WORDS = frozenset("city location place town area address where region country".split())
_PLACE_BEFORE = re.compile(r"\b(?:in|at|near|around)\s+(?:the\s+)?$")
_MARGIN = 0.25
_LOOK_BACK = 8  # sentences, blank ones between messages included
_CORRECTION = re.compile(
    r"(?:actually|sorry|wait|oops|correction|no,|hmm|i mean|i meant"
    r"|make (?:it|that)|change (?:it|that))\b",
    re.IGNORECASE,
)
_LIST_JOIN = re.compile(r"\s*(?:[NSEW]\b\s*)?(?:,|and|to|by|x|×|and then)\s*", re.IGNORECASE)
_SYSTEM_AFFINITY = 3.0  # an operator's prompt answers only what it names outright
_CLAUSE_BREAK = re.compile(r"[,;:.!?()]|\b(?:and|or|but|with|the|is|are|was)\b", re.IGNORECASE)
_WORDS = re.compile(r"[a-z0-9]+")
_QUOTED = re.compile(r"(?<!\w)['\"‘“]([^'\"’”\n]{1,80})['\"’”](?!\w)")
_PLACE_JOIN = re.compile(r",\s?")
_PLACE_CODE = re.compile(r"[A-Z]{2,3}")
_JSON_PAIR = re.compile(
    r"\"([A-Za-z_][\w .-]{0,40})\"\s*:\s*(?:\"((?:[^\"\\]|\\.){1,200})\"|(-?\d+(?:\.\d+)?)\b)"
)


@dataclass(frozen=True)
class Candidate:
    """A value the context may state for the parameter a question asks for."""

    param: ParamSchema
    value: Scalar
    hit: Hit | None
    """Where it sits, when the index can point at it."""
    affinity: float = _ENUM_AFFINITY
    """How well the parameter fits it where it sits (`_affinity`)."""
    sentence: int = -1
    """The sentence it sits in, or -1 (an enum member or a tool result's key)."""
    route: str = "enum"
    """How it was found: `enum`, `json`, `named` (the parameter fits it best where it sits),
    `order` (by position among values of one kind), `leftover` (the one value left) or
    `correction` (a value that corrects the parameter's: "Sorry, I meant Boston.")."""
    why: Affinity | None = None
    """For a value in a sentence: why the parameter fits it there."""
    holder: str = "user"
    """The kind of source it is in: `user`, `tool`, `doc`, `system`."""
    kind: str = ""
    """The kind of value it was read as (`quoted`, `number`, `name`, ...); `""` for an enum
    member or a tool result's value."""
    lead: float = 0.0
    """For a value in a sentence: how much better the parameter fits it than the tool's next
    best parameter does."""

    @property
    def strong(self) -> bool:
        """Named by the parameter's role or name right by it, or a member of its enum."""
        return self.affinity >= STRONG_AFFINITY


@functools.lru_cache(maxsize=65536)
def _matches(term: str, terms: frozenset[str]) -> bool:
    """One stem, or one a prefix of the other with 4+ letters (`loc`, `location`)."""
    if term in terms:
        return True
    return len(term) >= _PREFIX and any(
        len(t) >= _PREFIX and (t.startswith(term) or term.startswith(t)) for t in terms
    )


@functools.lru_cache(maxsize=4096)
def _param_terms(tool: str, path: str, description: str) -> tuple[frozenset[str], frozenset[str]]:
    leaf = path.split(".")[-1].replace("[]", "")
    own = name_terms(leaf)
    desc = text_terms(description) - own
    return own, desc


def asked_kinds(question: str) -> frozenset[str]:
    """The value kinds a question asks for, by its wording (`QUESTION_KINDS`)."""
    folded = fold(question)
    kinds: frozenset[str] = frozenset()
    for pattern, found in QUESTION_KINDS:
        if pattern.search(folded):
            kinds |= found
    return kinds


def param_kinds(param: ParamSchema) -> frozenset[str]:
    """The value kinds the parameter takes, by its type and its name's words."""
    return _kinds_of(param.path, param.type)


@functools.lru_cache(maxsize=4096)
def _kinds_of(path: str, type_: str | None) -> frozenset[str]:
    words = name_words(path.split(".")[-1].replace("[]", ""))
    if type_ in ("integer", "number"):
        return frozenset({"number", "money"})
    found = set()
    if words & _DATE_WORDS:
        found.add("date")
    if words & _TIME_WORDS:
        found.add("time")
    if "email" in words or "mail" in words:
        found.add("email")
    if words & {"phone", "mobile", "tel"}:
        found.add("phone")
    return frozenset(found)


def _role_asked(question: str) -> str | None:
    """The role a question asks about (`from`, `to`), or None.

    Its role words ("departure", "heading") or a closing "from?" or "to?" give it; an
    infinitive "to" ("want to fly") is no role.
    """
    folded = fold(question)
    words = set(re.findall(r"[a-z]+", folded)) - {"from", "to"}
    last = re.search(r"\b(from|to)\W*$", folded)
    if last is not None:
        words.add(last.group(1))
    return parameter_role(frozenset(words))


@dataclass(frozen=True)
class AskedParam:
    """A parameter a question asks for, and how sure that is."""

    param: ParamSchema
    score: float
    """Words of its name (2 each) and description (1 each) the question uses, its role (+2,
    or -3 for the other role) and its kind of value (+2)."""
    ties: int
    """How many parameters the question may ask for, this one included."""


def asked_params(question: str, context: Context) -> list[AskedParam]:
    """The parameters a question asks for: the best-scoring ones, ties kept, at most three.

    Empty when no parameter shares enough with the question (a score of 2: one word of its
    name, or two of its description, or the role it asks about).
    """
    terms = frozenset(t for t in content_terms(question) if t not in QUESTION_FILLER)
    role = _role_asked(question)
    folded = fold(question)
    words = frozenset(re.findall(r"[a-z]+", folded))
    kinds = asked_kinds(question)
    forms: list[frozenset[str]] = []  # other forms of the names it uses, read when needed
    scored: list[tuple[float, ParamSchema]] = []
    for param in context.params.values():
        if param.type not in _ASKABLE_TYPES:
            continue  # objects and arrays are not asked for by one question
        own, desc = _param_terms(param.tool, param.path, param.description)
        own_hits = sum(1 for t in terms if _matches(t, own))
        desc_hits = sum(1 for t in terms if not _matches(t, own) and _matches(t, desc))
        score = 2.0 * own_hits + desc_hits
        extra = {w for w in name_words(param.path.split(".")[-1]) if term(w) not in own}
        score += len(extra & words)  # "from" of `from_city`, a stop word the terms leave out
        param_role = parameter_role(name_words(param.path.split(".")[-1]))
        if role is not None and param_role is not None:
            score += 2.0 if role == param_role else -3.0
        if kinds & param_kinds(param):
            score += 2.0
        score += 2.0 * min(2, _options_named(param, folded, forms))
        if score >= _MIN_SCORE:
            scored.append((score, param))
    if not scored:
        return []
    best = max(s for s, _ in scored)
    top = [(s, p) for s, p in sorted(scored, key=lambda sp: -sp[0]) if s >= best - _TIE]
    tools = {p.tool for _, p in top}
    if len(tools) > 1:  # the tool the conversation is heading to, if one
        relevance = {t: _relevance(t, context) for t in tools}
        most = max(relevance.values())
        if list(relevance.values()).count(most) == 1:
            top = [(s, p) for s, p in top if relevance[p.tool] == most]
    top = top[:MAX_ASKED]
    return [AskedParam(p, s, len(top)) for s, p in top]


@functools.lru_cache(maxsize=1024)
def _forms(folded: str) -> frozenset[str]:
    """Codes of the currencies, countries and languages a question names, plurals included."""
    singular = re.sub(r"(?<=\w{3})s\b", "", folded)  # "euros" names the euro too
    found = set(stated_forms(folded, folded)) | set(stated_forms(singular, singular))
    return frozenset(found)


def _options_named(param: ParamSchema, folded: str, forms: list[frozenset[str]]) -> int:
    """How many of the parameter's enum members a question offers ("USD, EUR or GBP?").

    A member counts as written or in another form ("dollars or euros?" for `USD`, `EUR`).
    """
    if not param.enum or len(param.enum) > _MAX_OPTIONS:
        return 0
    named = 0
    for member in param.enum:
        key = fold(str(member)).replace("_", " ").strip()
        if len(key) < 2:
            continue
        if re.search(rf"(?<!\w){re.escape(key)}(?!\w)", folded):
            named += 1
            continue
        if not forms:
            forms.append(_forms(folded))
        if key in forms[0]:
            named += 1
    return named


def _relevance(tool: str, context: Context) -> int:
    """How many words of the tool's name and description the user's latest messages use."""
    found = context.tools.get(tool)
    words = name_terms(tool) | (
        text_terms(found.function.description) if found is not None else frozenset()
    )
    said: set[str] = set()
    users = [source for source in context.sources if source.kind == "user"]
    for source in users[-_HEADING_TURNS:]:
        said |= text_terms(source.text[:4000])
    return len(words & said)


def answer_candidates(param: ParamSchema, index: ContextIndex) -> list[Candidate]:
    """Values the context states for `param`, the best placed first, at most `MAX_CANDIDATES`.

    A value in a sentence is the parameter's when the parameter fits it best of the tool's
    parameters (`_affinity`): its name sits closest to the value, its role is the value's, or
    its kind is; when no value fits it, the one value no other parameter takes (`_leftover`).
    """
    out: list[Candidate] = []
    seen: set[str] = set()
    if param.type not in _SCALAR_TYPES:
        return out  # a flag is set by what the request asks for, never stated as a value
    found = [*_enum_members(param, index), *_json_values(param, index)]
    found += _assigned(param, index) or list(_leftover(param, index))
    found += corrections(param, index)
    found.sort(key=lambda c: (-c.affinity, -c.sentence))  # sure and recent first
    for cand in found:
        key = fold(str(cand.value)).strip()
        if not key or key in seen:
            continue
        seen.add(key)
        out.append(cand)
        if len(out) >= MAX_CANDIDATES:
            break
    return out


def _tool_params(param: ParamSchema, index: ContextIndex) -> list[ParamSchema]:
    return [
        q
        for (tool, _), q in index.context.params.items()
        if tool == param.tool and q.type in _SCALAR_TYPES
    ]


def _sentences(
    index: ContextIndex, param: ParamSchema | None = None
) -> Iterator[tuple[int, str, list[Value]]]:
    """(sentence, text, values) of the sentences that may answer, latest first.

    The user's latest `USER_SENTENCES` sentences, and, for a parameter, the latest
    `NAMED_SENTENCES` that use a word of its name; without a parameter, the
    latest `MAX_SENTENCES` of the user and of tools. A tool result in JSON is read by its keys
    (`_json_values`), not as sentences: its keys and values in quotes are no prose.
    """
    last = index.n_sentences
    floor = max(0, last - MAX_SENTENCES)
    kinds = _sentence_kinds(index)
    chosen = set(_user_sentences(index))
    if param is None:
        chosen.update(si for si in range(floor, last) if kinds[si] == "tool")
    if param is not None:  # elsewhere, only the latest sentences that use its name
        own, _ = _param_terms(param.tool, param.path, param.description)
        named: set[int] = set()
        for t in own:
            named.update(int(si) for si in index.sentences_with(t)[-NAMED_SENTENCES:])
        chosen.update(sorted(si for si in named if si >= floor)[-NAMED_SENTENCES:])
    for si in sorted(chosen, reverse=True):
        if kinds[si] == "tool" and _structured(index, si):
            continue
        values = sentence_values(index, si)
        if values:
            yield si, index.sentence_text(si), values


def _user_sentences(index: ContextIndex) -> list[int]:
    """The user's latest `USER_SENTENCES` sentences, latest first."""
    kinds = _sentence_kinds(index)
    last = index.n_sentences
    found = []
    for si in range(last - 1, max(-1, last - 1 - MAX_SENTENCES), -1):
        if kinds[si] == "user":
            found.append(si)
            if len(found) == USER_SENTENCES:
                break
    return found


def _sentence_kinds(index: ContextIndex) -> list[str]:
    """The source kind of every sentence, read once per index (and again as it grows)."""
    memo = index.readings.setdefault("questions:kinds", {})
    found = memo.get(_layout(index))
    if not isinstance(found, list):
        sources = np.searchsorted(index.src_starts, index.sent_starts, side="right") - 1
        found = [index.kinds[index.src_ids[int(n)]] for n in sources]
        memo.clear()
        memo[_layout(index)] = found
    return found


def _layout(index: ContextIndex) -> tuple[int, int]:
    """What the memos of this module are valid for: the index's sentences and text as they are.

    A session's index grows, or reads its last source again when that changed; either changes
    the count of sentences or the length of the text.
    """
    return index.n_sentences, len(index.text)


def _structured(index: ContextIndex, si: int) -> bool:
    source = index.sentence(si).source
    return index.originals.get(source, "").lstrip()[:1] in ("{", "[")


def sentence_values(index: ContextIndex, si: int) -> list[Value]:
    """The values of sentence `si`, read as a parameter takes them.

    Quoted text ('main_db', 'Julian is testing12') is one value, whatever it holds; an address
    ("2020 Addison Street, Berkeley, CA") and a place with its state or country code
    ("Berkeley, CA") are one value, not several.
    """
    text = index.sentence_text(si)
    memo = index.readings.setdefault("questions:values", {})
    found = memo.get((si, text))
    if isinstance(found, list):
        return found
    quoted = [
        Value("quoted", m.group(1), (m.start(1), m.end(1)), (), ()) for m in _QUOTED.finditer(text)
    ]
    merged: list[Value] = []
    for v in index.sentence_values(si):
        if any(q.span[0] - 1 <= v.span[0] < q.span[1] + 1 for q in quoted):
            continue  # inside quotes: the quoted text is the value
        prev = merged[-1] if merged else None
        if prev is not None and _joins(prev, v, text):
            span = (prev.span[0], v.span[1])
            kind = "name" if v.kind == "name" else prev.kind
            merged[-1] = Value(kind, text[span[0] : span[1]], span, prev.keys, prev.query)
            continue
        merged.append(v)
    merged += quoted
    merged.sort(key=lambda v: v.span)
    memo[(si, text)] = merged
    return merged


def _joins(prev: Value, v: Value, text: str) -> bool:
    """Whether `v` continues `prev` as one value: "2020 Addison Street", "Berkeley, CA"."""
    gap = text[prev.span[1] : v.span[0]]
    if prev.kind == "number" and v.kind == "name" and gap == " ":
        return True  # a house number and its street
    if prev.kind != "name" or v.kind != "name" or not _PLACE_JOIN.fullmatch(gap):
        return False
    return bool(_PLACE_CODE.fullmatch(v.text)) or prev.text[:1].isdigit()


def _assigned(param: ParamSchema, index: ContextIndex) -> list[Candidate]:
    """The values of the context's sentences that `param` fits best (see `_affinity`)."""
    params = _tool_params(param, index)
    out = []
    for si, sentence, values in _sentences(index, param):
        in_order = _in_order(param, params, sentence, values)
        if in_order is not None:
            why = affinity_of(param, sentence, in_order)
            value = _typed(in_order.text, param)
            hit = _hit(index, si, in_order)
            holder = index.sentence_kind(si)
            lead = _lead(param, in_order, sentence, params)
            out.append(Candidate(param, value, hit, _MIN_AFFINITY, si, "order", why, holder,
                                 in_order.kind, lead))  # fmt: skip
        holder = index.sentence_kind(si)
        floor = _SYSTEM_AFFINITY if holder == "system" else _MIN_AFFINITY
        for v in values:
            why = affinity_of(param, sentence, v)
            if why.total >= floor and _owner(v, sentence, params) is param:
                value, hit = _typed(v.text, param), _hit(index, si, v)
                out.append(
                    Candidate(param, value, hit, why.total, si, "named", why, holder, v.kind)
                )
    return out


def corrections(param: ParamSchema, index: ContextIndex) -> list[Candidate]:
    """Values a correction gives the parameter: "Sorry, I meant Boston." after "from Chicago".

    A sentence that opens as a correction and names no slot of its own restates the slot of
    the value stated just before it (in the sentence before, or the one before that, across a
    message break), when that value is of the same kind and the parameter's.
    """
    memo = index.readings.setdefault("questions:corrections", {})
    if memo.get("layout") != _layout(index):
        memo.clear()
        memo["layout"] = _layout(index)
    key = (param.tool, param.path)
    found = memo.get(key)
    if isinstance(found, list):
        return found  # every argument of the parameter asks again: read the user once
    params = _tool_params(param, index)
    out: list[Candidate] = []
    memo[key] = out
    for si in sorted(_user_sentences(index)):
        sentence = index.sentence_text(si)
        if not _CORRECTION.match(sentence.strip()):
            continue
        fitting = [
            v for v in sentence_values(index, si) if _fits_kind(v, param, param_kinds(param))
        ]
        if len(fitting) != 1 or _names_slot(fitting[0], sentence, params):
            continue  # "Actually, the party is 6" names its slot: the usual reading holds
        looked = 0
        for before in range(si - 1, max(-1, si - 1 - _LOOK_BACK), -1):
            earlier = index.sentence_text(before)
            if not earlier.strip():
                continue  # the break between two messages
            looked += 1
            owned = [
                _owner(v, earlier, params) or _only_fit(v, params)
                for v in sentence_values(index, before)
                if _value_group(v) == _value_group(fitting[0])
            ]
            if owned or looked == 2:
                if owned and owned[-1] is param:
                    v = fitting[0]
                    why = affinity_of(param, sentence, v)
                    out.append(Candidate(param, _typed(v.text, param), _hit(index, si, v),
                                         STRONG_AFFINITY, si, "correction", why, "user",
                                         v.kind))  # fmt: skip
                break
    return out


def _only_fit(v: Value, params: list[ParamSchema]) -> ParamSchema | None:
    """The one parameter of the tool that takes a value of this kind, if only one does.

    A number goes to the tool's one numeric parameter; an email to its one email parameter.
    """
    fit = [q for q in params if not q.enum and _fits_kind(v, q, param_kinds(q))]
    typed = [q for q in fit if _type_group(q) == _value_group(v) and param_kinds(q)]
    for group in (typed, fit):
        if len(group) == 1:
            return group[0]
    return None


def _value_group(v: Value) -> str:
    return "number" if v.kind in _NUMBER_KINDS else "text"


def _names_slot(v: Value, sentence: str, params: list[ParamSchema]) -> bool:
    """Whether a parameter's name or role sits by the value in its sentence."""
    for q in params:
        why = affinity_of(q, sentence, v)
        if why.name_before > 0 or why.name_after > 0 or why.role > 0:
            return True
    return False


def _in_order(
    param: ParamSchema, params: list[ParamSchema], sentence: str, values: list[Value]
) -> Value | None:
    """The value a parameter takes by position, when nothing but order tells them apart.

    "Add 5.0 to 3.0" for `sum(a, b)`, "37.8 N, 119.5 W" for `(latitude, longitude)`: when a
    sentence holds exactly as many values of a kind as the tool has parameters of that kind,
    and no value fits one parameter better than another, the n-th value is the n-th
    parameter's.
    """
    group = [q for q in params if _type_group(q) == _type_group(param) and not q.enum]
    group = [q for q in group if param_kinds(q) == param_kinds(param)]
    if len(group) < 2 or param not in group:
        return None
    fitting = [v for v in values if _fits_kind(v, param, param_kinds(param))]
    if len(fitting) != len(group):
        return None
    for a, b in zip(fitting, fitting[1:], strict=False):
        if not _LIST_JOIN.fullmatch(sentence[a.span[1] : b.span[0]]):
            return None  # not one list of values ("5.0 to 3.0", "36 and 48", "37.8 N, 119.5 W")
    for v in fitting:
        scores = {round(_affinity(q, sentence, v), 3) for q in group}
        if len(scores) != 1:
            return None
    return fitting[group.index(param)]


def _hit(index: ContextIndex, si: int, v: Value) -> Hit:
    return index.sentence_value_hit(si, v)


def _owner(v: Value, sentence: str, params: list[ParamSchema]) -> ParamSchema | None:
    """The parameter that fits the value best, by a clear margin, or None."""
    scored = sorted(((_affinity(q, sentence, v), i) for i, q in enumerate(params)), reverse=True)
    if not scored or scored[0][0] < _MIN_AFFINITY:
        return None
    if len(scored) > 1 and scored[0][0] - scored[1][0] < _MARGIN:
        return None
    return params[scored[0][1]]


def _lead(param: ParamSchema, v: Value, sentence: str, params: list[ParamSchema]) -> float:
    """How much better `param` fits the value than the best of the tool's other parameters."""
    others = [_affinity(q, sentence, v) for q in params if q.path != param.path]
    return _affinity(param, sentence, v) - max(others, default=0.0)


@dataclass(frozen=True)
class Affinity:
    """Why a parameter fits a value where it sits; `total` is how well."""

    name_before: float = 0.0
    """The parameter's name just before the value ("port 5432"), nearer counting more."""
    name_after: float = 0.0
    """Its name just after it, in the same phrase ("4 GB", "2 adults")."""
    description: float = 0.0
    """Words of its description before the value."""
    role: float = 0.0
    """+4 when the value's preposition gives it the parameter's role ("from Boston" for an
    origin), -10 when it gives the other one."""
    place: float = 0.0
    """+2 for "in", "at" or "near" before a value for a city, a location, an address."""
    kind: float = 0.0
    """+1 when the value is of the kind the parameter takes (a date for a date, a number for
    a number), or quoted text for a string."""

    @property
    def total(self) -> float:
        """The sum of the parts."""
        return (
            self.name_before + self.name_after + self.description + self.role + self.place
        ) + self.kind


_UNFIT = Affinity(kind=-1.0)
_ENUM_MEMBER = Affinity(kind=_ENUM_AFFINITY)


def affinity_of(param: ParamSchema, sentence: str, v: Value) -> Affinity:
    """How well the parameter fits the value where it sits: role, name nearby, kind."""
    members = tuple(fold(str(m)).strip() for m in param.enum) if param.enum else None
    key = (param.tool, param.path, param.description, param.type, members)
    return _affinity_at(key, sentence, v.kind, v.text, v.span)


_ParamKey = tuple[str, str, str, "str | None", "tuple[str, ...] | None"]


@functools.lru_cache(maxsize=65536)
def _affinity_at(
    key: _ParamKey, sentence: str, kind: str, text: str, span: tuple[int, int]
) -> Affinity:
    """`affinity_of`, kept for the sentences a session checks again and again."""
    tool, path, description, type_, members = key
    param = ParamSchema(tool=tool, path=path, description=description, type=type_)
    v = Value(kind, text, span, (), ())
    if members is not None:
        return _ENUM_MEMBER if fold(text).strip() in members else _UNFIT
    if not _fits_kind(v, param, param_kinds(param)):
        return _UNFIT
    own, desc = _param_terms(param.tool, param.path, param.description)
    words = name_words(param.path.split(".")[-1]) | frozenset(fold(param.description).split())
    place = 0.0
    if words & _PLACE_WORDS and _PLACE_BEFORE.search(sentence[max(0, v.span[0] - 12) : v.span[0]]):
        place = 2.0  # "in Boston" for a city, a location, an address
    role = 0.0
    param_role = parameter_role(name_words(param.path.split(".")[-1]))
    said = role_before(sentence, v.span[0])
    if param_role is not None and said is not None:
        role = 4.0 if param_role == said else -10.0
    a, b = v.span
    start = max(0, a - _BEFORE_CHARS)
    before = described = 0.0
    for m in _WORDS.finditer(fold(sentence[start:a])):
        t = term(m.group())
        if _matches(t, own):
            weight = _GENERIC_WEIGHT if m.group() in _REFERENCE_WORDS else 3.0
            before += weight * (1.0 - (a - start - m.end()) / (2 * _BEFORE_CHARS))
        elif _matches(t, desc):
            described += 0.5
    after = 0.0
    phrase = _CLAUSE_BREAK.split(sentence[b : b + _AFTER_CHARS], maxsplit=1)[0]
    for m in _WORDS.finditer(fold(phrase)):
        if _matches(term(m.group()), own):  # "4 GB", "2 adults": the unit names the slot
            weight = _GENERIC_WEIGHT if m.group() in _REFERENCE_WORDS else 3.0
            after += weight * (1.0 - m.start() / (2 * _AFTER_CHARS))
    fits = 0.0
    if v.kind in param_kinds(param):
        fits = 1.0
    elif v.kind == "quoted" and param.type in (None, "string") and not words & _PLACE_WORDS:
        fits = 1.0  # text set in quotes is meant word for word: a string's value
    return Affinity(before, after, described, role, place, fits)


def _affinity(param: ParamSchema, sentence: str, v: Value) -> float:
    return affinity_of(param, sentence, v).total


def _leftover(param: ParamSchema, index: ContextIndex) -> Iterator[Candidate]:
    """The one value a user states that no other parameter of the tool can take.

    When every other parameter of the tool that takes values of this kind has a value of its
    own, and exactly one value of the kind is left that none fits, it is this parameter's:
    "I live in Boston. Book me a flight to Denver." leaves Boston for the origin.
    """
    if param.enum:
        return
    kinds, group = param_kinds(param), _type_group(param)
    params = _tool_params(param, index)
    rivals = [
        q
        for q in params
        if q.path != param.path
        and not q.enum
        and param_kinds(q) == kinds
        and _type_group(q) == group
    ]
    values = [
        (si, v)
        for si in _user_sentences(index)
        for v in sentence_values(index, si)
        if _fits_kind(v, param, kinds)
    ]
    if not any(
        _affinity(param, index.sentence_text(si), v) >= _LEFTOVER_AFFINITY for si, v in values
    ):
        return  # no value here speaks of this slot at all: nothing can be left for it
    left: dict[str, tuple[int, Value]] = {}
    filled: set[str] = set()
    for si, v in values:
        sentence = index.sentence_text(si)
        owner = _owner(v, sentence, params)
        if owner is None:
            left.setdefault(fold(v.text).strip(), (si, v))
        else:
            filled.add(owner.path)
    if len(left) != 1 or any(q.path not in filled for q in rivals):
        return
    ((si, v),) = left.values()
    why = affinity_of(param, index.sentence_text(si), v)
    if why.total < _LEFTOVER_AFFINITY:
        return  # nothing by it speaks of this slot: the value may be about anything
    value, hit = _typed(v.text, param), _hit(index, si, v)
    lead = _lead(param, v, index.sentence_text(si), params)
    yield Candidate(param, value, hit, _MIN_AFFINITY, si, "leftover", why, "user", v.kind, lead)


def _type_group(param: ParamSchema) -> str:
    return "number" if param.type in ("integer", "number") else "text"


def _enum_members(param: ParamSchema, index: ContextIndex) -> Iterator[Candidate]:
    for member in param.enum or ():
        if isinstance(member, str) and len(member) >= 2:
            for hit in index.find_phrase(member)[:1]:
                if index.kinds.get(hit.source) != "schema":
                    holder = index.kinds.get(hit.source, "user")
                    yield Candidate(param, member, hit, _ENUM_AFFINITY, index.sentence_at(hit),
                                    "enum", None, holder)  # fmt: skip


def _json_pairs(index: ContextIndex) -> list[tuple[str, re.Match[str], frozenset[str]]]:
    """(source, match, key terms) of every `"key": value` pair of the tool results.

    Read once per index (and again when tool results are added).
    """
    memo = index.readings.setdefault("questions:json", {})
    tools = [sid for sid, kind in index.kinds.items() if kind == "tool"]
    found = memo.get("pairs")
    if isinstance(found, tuple) and found[0] == (tools, _layout(index)):
        pairs: list[tuple[str, re.Match[str], frozenset[str]]] = found[1]
        return pairs
    pairs = [
        (sid, m, name_terms(m.group(1)))
        for sid in tools
        for m in _JSON_PAIR.finditer(index.originals[sid])
    ]
    memo["pairs"] = ((tools, _layout(index)), pairs)
    return pairs


def _json_values(param: ParamSchema, index: ContextIndex) -> Iterator[Candidate]:
    """Values under a key of a tool result that names the parameter.

    The parameter's own name (`"origin": ...`) is a strong answer; a key that shares a word
    with its description (`"home_city"` for "The city you fly from") a weaker one.
    """
    own, desc = _param_terms(param.tool, param.path, param.description)
    for sid, m, key in _json_pairs(index):
        if own and key == own:
            affinity = _ENUM_AFFINITY
        elif (key & (own | desc)) - _REFERENCE_TERMS:  # "home_city", not "customer_id"
            affinity = _MIN_AFFINITY
        else:
            continue
        if m.group(2) is not None:
            try:
                found: Scalar = json.loads(f'"{m.group(2)}"')
            except ValueError:
                continue
            a, b = m.span(2)
        else:
            found = _typed(m.group(3), param)
            a, b = m.span(3)
        hit = Hit(sid, (a, b))
        route = "json" if affinity == _ENUM_AFFINITY else "json_related"
        yield Candidate(param, found, hit, affinity, index.sentence_at(hit), route, None, "tool")


def _fits_kind(v: Value, param: ParamSchema, kinds: frozenset[str]) -> bool:
    if param.type in ("integer", "number"):
        return v.kind in _NUMBER_KINDS and not v.text.endswith(("%", "percent"))
    if kinds:
        return v.kind in kinds
    own = _param_terms(param.tool, param.path, param.description)[0]
    terms = text_terms(v.text)
    if terms and terms <= own | _REFERENCE_WORDS:
        return False  # the slot's own name ("order ID is ..."), not a value for it
    return v.kind not in ("date", "time") or "date" in param.description.lower()


def _typed(text: str, param: ParamSchema) -> Scalar:
    """A number for a numeric parameter when the text reads as one, else the text."""
    if param.type in ("integer", "number"):
        cleaned = text.replace(",", "").lstrip("$€£")
        try:
            number = float(cleaned)
        except ValueError:
            return text
        return int(number) if param.type == "integer" and number.is_integer() else number
    return text


_DISTINCT_KINDS = frozenset({"email", "phone", "url"})


def answer_of_kind(question: str, index: ContextIndex) -> tuple[int, Value] | None:
    """The one email, phone number or url the user or a tool states, for a question asking one.

    For a question that asks for no tool parameter; returns (sentence, value), or None. Two
    different values of the kind leave it unanswered (ask which); a value in a question
    ("Is dana@example.com right?") is not stated.
    """
    kinds = asked_kinds(question) & _DISTINCT_KINDS
    if not kinds:
        return None
    found: dict[str, tuple[int, Value]] = {}
    for si, sentence, values in _sentences(index):
        if index.sentence_kind(si) not in ("user", "tool") or sentence.rstrip().endswith("?"):
            continue
        for v in values:
            if v.kind in kinds:
                found.setdefault(fold(v.text).strip(), (si, v))
    return next(iter(found.values())) if len(found) == 1 else None
