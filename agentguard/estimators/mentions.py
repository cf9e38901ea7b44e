"""Mentions: where the context holds a value, who says it, how, and for which slot.

A hit of a tool-call argument's value becomes a `Mention` with its holder (the kind of source:
user, tool, document, system), its polarity (`agentguard.text.polarity`) and its slot: the
JSON key it sits under in a tool result, or the role a preposition gives it ("from Boston").
Only a mention that asserts the value for a slot that can be the parameter's supports the
argument; one that denies it for that slot contradicts it; any other is no evidence:

- a tool result or document sentence that shares no word with the parameter, its tool or
  its description ("Weather update: Boston is sunny today." for `book_flight.origin`) talks
  about something else;
- a JSON key or a role that names another parameter of the tool (`"destination": "Boston"`
  or "to Boston" for `origin`) puts the value in another slot;
- the user's relayed words ("my wife said ...") count as the user's own; a tool's or a
  document's reported or quoted words are not an instruction.

References (ids, emails, urls, phone numbers) are specific enough that a tool result naming
one is about it, and a question or condition about one still means it ("Is ORD-1 shipped?").
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from agentguard.estimators.index import ContextIndex, Hit
from agentguard.text.polarity import Polarity, parameter_role, polarity, role_before
from agentguard.text.tokens import content_terms
from agentguard.text.values import fold
from agentguard.types import ClaimDraft

REFERENCE_KINDS = frozenset({"id", "email", "url", "phone"})
_OPERAND_KINDS = frozenset({"number", "money"})
_JSON_KEY = re.compile(r"\"([A-Za-z_][\w .-]{0,40})\"\s*:\s*\[?\s*\"?\s*$")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


@functools.lru_cache(maxsize=4096)
def name_words(name: str) -> frozenset[str]:
    """The lower-case words of an identifier: `private_visibility`, `fromCity`, `tool.name`."""
    return frozenset(_CAMEL.sub(" ", name).replace("_", " ").replace(".", " ").lower().split())


@functools.lru_cache(maxsize=4096)
def text_terms(text: str) -> frozenset[str]:
    """`content_terms`, kept for the descriptions and messages that come back every check."""
    return frozenset(content_terms(text))


@functools.lru_cache(maxsize=4096)
def name_terms(name: str) -> frozenset[str]:
    """Content terms of an identifier (stop words left out, words stemmed)."""
    return text_terms(_CAMEL.sub(" ", name).replace("_", " ").replace(".", " "))


@dataclass(frozen=True)
class Mention:
    """One place the context holds a claim's value, read for what it says of it."""

    hit: Hit
    holder: str
    """The kind of source: `user`, `tool`, `doc`, `system`."""
    polarity: Polarity
    slot: str | None
    """The JSON key the value sits under, or the role its preposition gives it."""
    fits: bool
    """Whether the slot can be the parameter's (see the module docstring)."""

    @property
    def supports(self) -> bool:
        """Asserted for a slot that can be the parameter's."""
        return self.polarity == "asserted" and self.fits

    @property
    def denies(self) -> bool:
        """Negated for a slot that can be the parameter's."""
        return self.polarity == "negated" and self.fits

    def note(self) -> str:
        """How the mention bears on the claim, for the report's evidence."""
        verb = {
            "asserted": "states",
            "negated": "denies",
            "asked": "only asks about",
            "hypothetical": "only supposes",
            "reported": "only reports",
        }[self.polarity]
        slot = f" as {self.slot}" if self.slot else ""
        if not self.fits:
            return f"{self.holder} mentions it{slot}, for another slot or subject"
        return f"{self.holder} {verb} it{slot}"


@dataclass(frozen=True)
class Slot:
    """What the argument's parameter is, for telling its mentions from other slots'."""

    words: frozenset[str]
    """Terms of the parameter's name, its description and its tool's name."""
    own: frozenset[str]
    """Terms of the parameter's own name (the last path segment)."""
    others: frozenset[str]
    """Terms of the tool's other parameter names, less `own`."""
    role: str | None
    reference: bool
    """True for an id, email, url or phone number."""
    presupposed: bool
    """True for a reference or an amount (see `agentguard.text.polarity.polarity`)."""

    @classmethod
    def of(cls, claim: ClaimDraft, index: ContextIndex, value_kind: str | None) -> Slot:
        """The slot of an argument claim, from its path and the tool's schema."""
        path = claim.path or ""
        leaf = path.split(".")[-1].split("[")[0]
        own = name_terms(leaf)
        param = index.context.param(claim.tool, path)
        words = set(own) | name_terms(claim.tool or "")
        if param is not None:
            words |= text_terms(param.description)
        others: set[str] = set()
        for tool, other in index.context.params:
            if tool == claim.tool and other.split(".")[-1] != leaf:
                others |= name_terms(other.split(".")[-1].split("[")[0])
        return cls(
            words=frozenset(words),
            own=frozenset(own),
            others=frozenset(others - own),
            role=parameter_role(name_words(leaf)),
            reference=value_kind in REFERENCE_KINDS,
            presupposed=value_kind in REFERENCE_KINDS | _OPERAND_KINDS,
        )


def read_mentions(hits: list[Hit], slot: Slot, index: ContextIndex) -> list[Mention]:
    """Each hit read as a mention of the value for `slot`."""
    return [_read(h, slot, index) for h in hits]


@dataclass
class _Reading:
    """What a hit says whatever the parameter: kept by the index across a session's checks."""

    holder: str
    polarity: Polarity
    role: str | None
    key: str | None
    structured: bool
    sentence: str
    sentence_terms: frozenset[str] | None = None
    """Content terms of the sentence, read when first needed."""


def _reading(hit: Hit, presupposed: bool, index: ContextIndex) -> _Reading:
    memo = index.readings.setdefault(hit.source, {})
    found = memo.get((hit.span, presupposed))
    if isinstance(found, _Reading):
        return found
    holder = index.kinds.get(hit.source, "user")
    si = index.sentence_at(hit)
    sentence = index.sentence_text(si)
    offset = index.offset_in_sentence(hit, si)
    source = index.originals[hit.source]
    key_match = _JSON_KEY.search(source[max(0, hit.span[0] - 60) : hit.span[0]])
    key = key_match.group(1) if key_match else None
    structured = key is not None or source.lstrip()[:1] in ("{", "[")
    pol = polarity(
        sentence,
        offset,
        presupposed=presupposed,
        user=holder == "user",
        structured=structured,
    )
    if pol == "reported" and holder in ("user", "system"):
        pol = "asserted"  # the user relaying someone's words makes them the user's
    reading = _Reading(holder, pol, role_before(sentence, offset), key, structured, sentence)
    memo[(hit.span, presupposed)] = reading
    return reading


def _read(hit: Hit, slot: Slot, index: ContextIndex) -> Mention:
    r = _reading(hit, slot.presupposed, index)
    holder, key, structured = r.holder, r.key, r.structured
    key_terms = name_terms(key) if key is not None else set()
    key_role = parameter_role(name_words(key)) if key is not None else r.role
    if slot.role and key_role and key_role != slot.role:
        fits = False  # "to Boston" or `"destination": "Boston"` for an origin
    elif key_terms & slot.own:
        fits = True
    elif key_terms & slot.others:
        fits = False  # the key names another parameter of the tool
    elif holder in ("tool", "doc") and not slot.reference and (key is not None or not structured):
        # Prose, or a JSON value under a key; a JSON key itself ("driver": {...}) is a name.
        if r.sentence_terms is None:
            r.sentence_terms = frozenset(content_terms(r.sentence))
        near = r.sentence_terms | key_terms | name_terms(_tool_of(hit.source))
        fits = bool(near & slot.words)
    else:
        fits = True
    return Mention(hit, holder, r.polarity, key or r.role, fits)


def _tool_of(source: str) -> str:
    """The tool name of a source id such as `tool:get_weather#2` (empty for other sources)."""
    return source.split(":", 1)[1].split("#")[0] if source.startswith("tool:") else ""


_JSON_PAIR = re.compile(
    r"\"([A-Za-z_][\w .-]{0,40})\"\s*:\s*(?:\"((?:[^\"\\]|\\.){1,200})\"|(-?\d[\d.]*))"
)


def json_rival(value: object, slot: Slot, index: ContextIndex) -> Hit | None:
    """A tool result giving the parameter's own key another value (`"origin": "Chicago"`)."""
    if not slot.own or isinstance(value, bool) or value is None:
        return None
    wanted = fold(str(value)).strip()
    for sid, kind in index.kinds.items():
        if kind != "tool":
            continue
        text = index.originals[sid]
        for m in _JSON_PAIR.finditer(text):
            key = m.group(1)
            if name_terms(key) != slot.own:
                continue
            found = m.group(2) if m.group(2) is not None else m.group(3)
            if fold(found).strip() != wanted:
                a = m.start(2) if m.group(2) is not None else m.start(3)
                return Hit(sid, (a, a + len(found)))
    return None
