"""Arguments whose value the schema ties to words the context states.

- **Described codes:** a description that says what each code means ("1 represents Bangkok,
  2 for Chiang Mai", "Use 'asc' for ascending") supports the code when the context states
  what it stands for.
- **Enum members in other words:** `asc` for "ascending", `POWER_ON` for "turn it on": an enum
  member whose words, or their beginnings, the context holds more of than any other member's.
- **Booleans the request implies:** `private_visibility=true` for "keep the transaction
  private": the parameter's own words, less the generic ones ("include", "is", "flag"), in one
  sentence.

Each gives evidence with a note on how the value follows.
"""

from __future__ import annotations

import re

from agentguard.estimators.index import ContextIndex, Hit
from agentguard.estimators.mentions import name_words
from agentguard.text.tokens import content_terms
from agentguard.text.values import fold
from agentguard.types import ParamSchema

_LABEL = re.compile(
    r"(?:'(?P<q1>[^'\n]{1,40})'|\"(?P<q2>[^\"\n]{1,40})\"|(?<![\w.-])(?P<bare>[\w-]{1,20}))"
    r"\s*(?:represents|stands for|means|for|=|:|->|is)\s+(?P<label>[^,.;:()\n]{2,60})",
    re.IGNORECASE,
)
_GENERIC = frozenset(
    "is include including enable enabled use show only with has flag allow set should get"
    " want make mark keep return fetch".split()
)
_WORD = re.compile(r"[a-z0-9]+")


def described_labels(description: str) -> dict[str, str]:
    """Folded code -> what the description says it stands for."""
    out: dict[str, str] = {}
    for m in _LABEL.finditer(description):
        code = m["q1"] or m["q2"] or m["bare"]
        label = m["label"].strip()
        label = re.split(r"\s+(?:and|or)\s+", label)[0].strip()
        if code and label and fold(code) not in out:
            out[fold(code)] = label
    return out


def described_code(value: object, param: ParamSchema | None, index: ContextIndex) -> dict[Hit, str]:
    """Where the context states what the description says `value` stands for."""
    if param is None or not param.description or isinstance(value, bool):
        return {}
    label = described_labels(param.description).get(fold(str(value)))
    if label is None:
        return {}
    hits = index.find_phrase(label)
    if not hits:
        hit = _best_sentence(content_terms(label), index)
        hits = [hit] if hit is not None else []
    note = f"the description gives {value!r} for {label!r}"
    return {h: note for h in hits[:1]}


def enum_member(value: object, param: ParamSchema | None, index: ContextIndex) -> dict[Hit, str]:
    """Where the context words the enum member `value`, if it words no other member as well."""
    if param is None or not param.enum or value not in param.enum or len(param.enum) < 2:
        return {}
    scores = {str(m): _word_share(str(m), index) for m in param.enum}
    share, hit = scores[str(value)]
    if hit is None or share < 0.5:
        return {}
    if any(s >= share for m, (s, _) in scores.items() if m != str(value)):
        return {}
    return {
        hit: f"enum member {value!r}, worded as {index.originals[hit.source][slice(*hit.span)]!r}"
    }


def _word_share(member: str, index: ContextIndex) -> tuple[float, Hit | None]:
    """The share of a member's words the context holds, whole or as a beginning, and one hit."""
    words = [w for w in _WORD.findall(fold(member.replace("_", " "))) if len(w) >= 2]
    if not words:
        return 0.0, None
    found, first = 0, None
    for w in words:
        hits = index.find_phrase(w) or (index.find_prefix(w) if len(w) >= 3 else [])
        if hits:
            found += 1
            first = first or hits[0]
    return found / len(words), first


def implied_boolean(path: str, index: ContextIndex) -> tuple[float, Hit | None]:
    """The share of a boolean parameter's own words (less generic ones) in one sentence."""
    leaf = path.split(".")[-1].split("[")[0]
    words = {w for w in name_words(leaf) if w not in _GENERIC}
    return index.densest_sentence(content_terms(" ".join(words)))


def _best_sentence(terms: set[str], index: ContextIndex) -> Hit | None:
    """The sentence holding at least half of `terms`, the most of them."""
    share, hit = index.densest_sentence(terms)
    return hit if share >= 0.5 else None
