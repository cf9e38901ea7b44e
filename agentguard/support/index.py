"""An index of the context for fast lookups: sentences, content tokens and value keys.

Each source is analysed once (cached by its text and the reference date), so an agent loop that
re-checks a growing conversation pays only for the new turns.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from agentguard.context import Context
from agentguard.support.dates import find_reference_date
from agentguard.support.lexicon import NEGATIONS, STOPWORDS
from agentguard.support.values import Value, absolute_dates, extract_values, fold

_TOKEN = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
_SENTENCE = re.compile(r"[^\n.!?]*(?:[.!?]+(?=\s|$)|\n|$)|[^\n]+")
_ABBREV_END = re.compile(r"(?:\b[A-Z]|\b(?:Mr|Mrs|Ms|Dr|St|Inc|Ltd|Jr|Sr|vs|etc|No|approx))\.$")


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


def content_tokens(text: str) -> list[tuple[str, int, int]]:
    """`(stem, start, end)` for each non-stopword token of `text`."""
    out = []
    for m in _TOKEN.finditer(fold(text)):
        tok = m.group(0)
        if tok not in STOPWORDS and not tok.isdigit():
            out.append((stem(tok.replace("’", "'").split("'")[0]), m.start(), m.end()))
    return out


def has_negation(text: str) -> bool:
    """True if `text` contains a negation word."""
    folded = fold(text).replace("’", "'")
    return "n't" in folded or any(t in NEGATIONS for t in _TOKEN.findall(folded))


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences (or lines) of `text`, trimmed, abbreviations kept together."""
    spans: list[tuple[int, int]] = []
    for m in _SENTENCE.finditer(text):
        a, b = m.span()
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a >= b:
            continue
        if spans and _joinable(text, spans[-1], a):
            spans[-1] = (spans[-1][0], b)
        else:
            spans.append((a, b))
    return spans


def _joinable(text: str, prev: tuple[int, int], start: int) -> bool:
    gap = text[prev[1] : start]
    if "\n" in gap:
        return False
    chunk = text[prev[0] : prev[1]]
    # "Dr. Smith", "Gerd B. Müller", "3.5": a period that does not end a sentence.
    return bool(_ABBREV_END.search(chunk)) or (start < len(text) and text[start].islower())


@dataclass(frozen=True)
class Sentence:
    """One sentence of one source, analysed."""

    source: str
    kind: str
    span: tuple[int, int]
    tokens: frozenset[str]
    values: tuple[Value, ...]
    negated: bool


@dataclass(frozen=True)
class _Analysis:
    text: str
    folded: str
    sentences: tuple[tuple[tuple[int, int], frozenset[str], tuple[Value, ...], bool], ...]
    values: tuple[Value, ...]


def readable_text(text: str) -> str:
    """Render a JSON tool result as `key: value` lines, so words and values can be matched."""
    stripped = text.strip()
    if not stripped or stripped[0] not in "[{":
        return text
    try:
        data = json.loads(stripped)
    except ValueError:
        return text
    lines: list[str] = []

    def walk(node: object, prefix: str) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, f"{prefix}{str(k).replace('_', ' ')} ")
        elif isinstance(node, list):
            for item in node:
                walk(item, prefix)
        else:
            lines.append(f"{prefix.strip()}: {node}" if prefix else str(node))

    walk(data, "")
    return "\n".join(lines)


@lru_cache(maxsize=4096)
def _analyse(text: str, today: dt.date | None) -> _Analysis:
    values = tuple(extract_values(text, today))
    sentences = []
    vi = 0
    for a, b in split_sentences(text):
        while vi < len(values) and values[vi].span[0] < a:
            vi += 1
        vj = vi
        while vj < len(values) and values[vj].span[0] < b:
            vj += 1
        chunk = text[a:b]
        toks = frozenset(t for t, _, _ in content_tokens(chunk))
        sentences.append(((a, b), toks, values[vi:vj], has_negation(chunk)))
    return _Analysis(text, fold(text), tuple(sentences), values)


def clear_cache() -> None:
    """Forget analysed sources (benchmarks use this to measure a cold check)."""
    _analyse.cache_clear()


@dataclass
class ContextIndex:
    """Sentences, token postings and value keys of every source of a context."""

    context: Context
    today: dt.date | None
    texts: dict[str, str] = field(default_factory=dict)
    """Text that was analysed, by source id (a JSON tool result rendered as `key: value` lines)."""
    originals: dict[str, str] = field(default_factory=dict)
    """The source text as the agent saw it, by source id."""
    folded: dict[str, str] = field(default_factory=dict)
    sentences: list[Sentence] = field(default_factory=list)
    postings: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    keys: dict[str, list[tuple[str, Value]]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def build(cls, context: Context) -> ContextIndex:
        """Analyse every source; find the date the context says is today."""
        texts = {
            s.id: readable_text(s.text) if s.kind == "tool" else s.text for s in context.sources
        }
        ordered = [texts[s.id] for s in context.sources if s.kind == "system"]
        ordered += [texts[s.id] for s in context.sources if s.kind != "system"]
        today = find_reference_date(ordered, absolute_dates)
        originals = {s.id: s.text for s in context.sources}
        index = cls(context=context, today=today, texts=texts, originals=originals)
        for source in context.sources:
            analysis = _analyse(texts[source.id], today)
            index.folded[source.id] = analysis.folded
            for span, toks, vals, neg in analysis.sentences:
                n = len(index.sentences)
                index.sentences.append(Sentence(source.id, source.kind, span, toks, vals, neg))
                for t in toks:
                    index.postings[t].append(n)
            for v in analysis.values:
                for k in v.keys:
                    index.keys[k].append((source.id, v))
        return index

    def locate(self, source: str, span: tuple[int, int]) -> tuple[int, int]:
        """Map a span of the analysed text back onto the original source text.

        Spans of a rendered JSON tool result are found again in the JSON: the whole rendered
        line if it occurs, else its value part, else the span of the whole source.
        """
        text, original = self.texts[source], self.originals[source]
        if text is original or text == original:
            return span
        piece = text[span[0] : span[1]]
        for needle in (piece, piece.rsplit(": ", 1)[-1]):
            at = original.find(needle) if needle else -1
            if at >= 0:
                return (at, at + len(needle))
        return (0, len(original))

    def idf(self, token: str) -> float:
        """Inverse sentence frequency: rare words weigh more; unseen words weigh most."""
        n = len(self.sentences)
        return math.log((n + 1) / (len(self.postings.get(token, ())) + 0.5)) + 1.0
