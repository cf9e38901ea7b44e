"""Text helpers shared by claim extraction and the estimators: tokens, sentences, negation."""

from __future__ import annotations

import re
from functools import lru_cache

from agentguard.text.lexicon import NEGATIONS, STOPWORDS
from agentguard.text.values import fold

_TOKEN = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
_PUNCT_RUN = re.compile(r"[.!?]+(?=\s*\Z|\s+[^a-z\s])")
_TITLES = frozenset("mr mrs ms dr st jr sr no vs etc inc ltd approx".split())


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

    `agentguard.estimators.index` computes the same keys for every word of the context at once
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


def content_word_starts(text: str, a: int, b: int) -> list[int]:
    """Offsets of the content words of `text[a:b]` (as `content_words` counts them), in order.

    Counting the words between two offsets is then two bisections, where `content_words` of
    every slice would read the text again for each slice.
    """
    folded = fold(text[a:b])
    return [
        a + m.start()
        for m in _WORD.finditer(folded)
        if m.group() not in STOPWORDS and not m.group().isdigit()
    ]


def has_negation(text: str) -> bool:
    """True if `text` contains a negation word."""
    folded = fold(text).replace("’", "'")
    return "n't" in folded or any(t in NEGATIONS for t in _TOKEN.findall(folded))


def negated_near(text: str, terms: set[str], before: int = 2) -> bool:
    """True if a negation word sits among the words of `text` whose terms are in `terms`.

    The stretch runs from `before` words ahead of the first such word to the last one, so
    "my flight is not on may 5" is negated for {flight, may, 5}, but a sentence that only
    mentions "Not Ready for Prime Time" beside "Saturday Night Live" is not, for the show.
    """
    tokens = _TOKEN.findall(fold(text).replace("’", "'"))
    hits = [i for i, t in enumerate(tokens) if term(t) in terms]
    if not hits:
        return False
    stretch = tokens[max(0, hits[0] - before) : hits[-1] + 1]
    return any(t in NEGATIONS or t.endswith("n't") for t in stretch)


def _positions(text: str, char: str) -> list[int]:
    out, pos = [], text.find(char)
    while pos >= 0:
        out.append(pos)
        pos = text.find(char, pos + 1)
    return out


def sentence_ends(text: str, *, brackets: bool = False) -> list[int]:
    """Offsets just after each sentence end, in order.

    A sentence ends at a run of . ! ? followed by whitespace and a word that is not lower-case
    (or by the end), unless the period ends an initial or a title ("Dr. Smith", "B. Müller"),
    and at a line break; with `brackets`, also at the end of a JSON object or list. A period
    inside a token ("$39.95", "a.b@example.com") ends nothing. The candidates are found with
    `str.find`, which skips ahead far faster than a regular expression's character-class scan;
    only the punctuation candidates are then matched.
    """
    ends = [p + 1 for c in ("\n}]" if brackets else "\n") for p in _positions(text, c)]
    for c in ".!?":
        for p in _positions(text, c):
            if p and text[p - 1] in ".!?":
                continue  # inside a run ("..."): the run's first mark decides
            m = _PUNCT_RUN.match(text, p)
            if m is None:
                continue
            if text[p] == "." and p and text[p - 1].isalpha() and _abbreviation(text, p):
                continue
            ends.append(m.end())
    ends.sort()
    return ends


def _abbreviation(text: str, dot: int) -> bool:
    """True when the period at `dot` ends an initial or a title, not a sentence."""
    if dot >= 7 and text[dot - 7 : dot].isalpha():
        return False  # a word of seven letters or more: longer than any title
    word_start = dot
    while word_start > dot - 7 and word_start > 0 and text[word_start - 1].isalpha():
        word_start -= 1
    word = text[word_start:dot]
    before = text[word_start - 1] if word_start else " "
    if before.isalnum():
        return False
    # An initial stands alone ("Gerd B. Müller"); "14°C." ends a sentence.
    initial = len(word) == 1 and word.isupper() and (before.isspace() or before in "(\"'“")
    return initial or word.lower() in _TITLES


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences (or lines) of `text`, trimmed (see `sentence_ends`)."""
    spans = []
    start = 0
    for end in [*sentence_ends(text), len(text)]:
        a, b = start, end
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a < b:
            spans.append((a, b))
        start = end
    return spans
