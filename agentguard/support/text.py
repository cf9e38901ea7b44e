"""Text helpers shared by claim extraction and the estimators: tokens, sentences, negation."""

from __future__ import annotations

import re
from functools import lru_cache

from agentguard.support.lexicon import NEGATIONS, STOPWORDS
from agentguard.support.values import fold

_TOKEN = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)|\n")
# An initial ("Gerd B. Müller") or a title; "14°C." and "UA123." end sentences.
_ABBREV_END = re.compile(
    r"(?:(?<!\S)[A-Z]|\b(?:Mr|Mrs|Ms|Dr|St|Inc|Ltd|Jr|Sr|vs|etc|No|approx))\.$"
)


def stem(token: str) -> str:
    """A crude suffix stripper: enough for "booking"/"booked"/"books" to meet."""
    if len(token) > 5 and token.endswith("ing"):
        return token[:-3]
    if len(token) > 4 and token.endswith("ed"):
        return token[:-2]
    if len(token) > 4 and token.endswith("es") and token[-3] in "sxz":
        return token[:-2]
    if len(token) > 3 and token.endswith("s") and not token.endswith("ss"):
        return token[:-1]
    return token


@lru_cache(maxsize=65536)
def term(word: str) -> str:
    """The index term of a folded word: its stem cut to six letters.

    The cut lets "delivery" meet "delivered" and "booking" meet "book", where the stemmer
    alone would not; it costs a few collisions between long words that share a prefix.
    """
    return stem(word)[:6]


_WORD = re.compile(r"[a-z0-9]+")


def term_key(t: str) -> int:
    """A term (at most six ASCII letters or digits) packed into one integer, byte i = char i.

    `agentguard.support.index` computes the same keys for every word of the context at once
    with numpy; the two must agree, which `tests/test_index.py` checks.
    """
    return int.from_bytes(t.encode("ascii"), "little")


def sentence_terms(folded: str, a: int, b: int) -> set[str]:
    """The distinct content terms of `folded[a:b]` (already folded text)."""
    return {
        term(w) for w in set(_WORD.findall(folded, a, b)) if w not in STOPWORDS and not w.isdigit()
    }


def content_terms(text: str) -> set[str]:
    """The distinct content terms of `text`."""
    folded = fold(text)
    return sentence_terms(folded, 0, len(folded))


def content_words(text: str) -> int:
    """How many content words (not stopwords, not bare numbers) `text` has."""
    return sum(1 for w in _WORD.findall(fold(text)) if w not in STOPWORDS and not w.isdigit())


def has_negation(text: str) -> bool:
    """True if `text` contains a negation word."""
    folded = fold(text).replace("’", "'")
    return "n't" in folded or any(t in NEGATIONS for t in _TOKEN.findall(folded))


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences (or lines) of `text`, trimmed, abbreviations kept together.

    A sentence ends at `.`, `!` or `?` followed by whitespace, or at a line break; a period
    inside a token ("$39.95", "a.b@example.com") ends nothing.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        _add_sentence(text, start, m.end(), spans)
        start = m.end()
    _add_sentence(text, start, len(text), spans)
    return spans


def _add_sentence(text: str, a: int, b: int, spans: list[tuple[int, int]]) -> None:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    if a >= b:
        return
    if spans and _joinable(text, spans[-1], a):
        spans[-1] = (spans[-1][0], b)
    else:
        spans.append((a, b))


def _joinable(text: str, prev: tuple[int, int], start: int) -> bool:
    gap = text[prev[1] : start]
    if "\n" in gap:
        return False
    if start < len(text) and text[start].islower():
        return True
    if text[prev[1] - 1] != ".":
        return False
    # "Dr. Smith", "Gerd B. Müller": a period that does not end a sentence. Only the sentence's
    # last few characters can hold the abbreviation, so only they are searched.
    return _ABBREV_END.search(text, max(prev[0], prev[1] - 8), prev[1]) is not None
