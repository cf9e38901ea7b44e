"""A lazy index of the context: one folded text, sentence offsets, and look-ups on demand.

Building the index only folds each source and finds its sentence boundaries (cached by source
text, so an agent loop that re-checks a growing conversation pays only for the new turns).
Everything else is looked up per claim: word postings with `str.find`, values through the
anchors of `agentguard.support.anchors`, confirmed by normalising a small window around each
hit. A check costs time proportional to the context size with a small constant.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from agentguard.context import Context
from agentguard.support.anchors import anchors
from agentguard.support.dates import find_reference_date
from agentguard.support.text import (
    content_terms,
    has_negation,
    readable_text,
    sentence_terms,
    split_sentences,
    term,
)
from agentguard.support.values import Value, absolute_dates, extract_values, fold, num_key

_SEP = "\n\n"
_CUES = ("today", "current date", "the date", "date today", "as of", "now")
_TOKEN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_.,#$€£¥")
_WINDOW = 24


@dataclass(frozen=True)
class _Analysis:
    folded: str
    sentences: tuple[tuple[int, int], ...]
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    postings: dict[str, tuple[int, ...]]
    """Term -> the sentences (local numbers) it occurs in."""


@lru_cache(maxsize=4096)
def _analyse(text: str) -> _Analysis:
    """Folded text, sentence spans and term postings of one source."""
    folded = fold(text)
    sentences = tuple(split_sentences(text))
    postings: dict[str, list[int]] = {}
    for i, (a, b) in enumerate(sentences):
        for t in sentence_terms(folded, a, b):
            postings.setdefault(t, []).append(i)
    return _Analysis(
        folded,
        sentences,
        tuple(a for a, _ in sentences),
        tuple(b for _, b in sentences),
        {t: tuple(v) for t, v in postings.items()},
    )


def clear_cache() -> None:
    """Forget analysed sources (benchmarks use this to measure a cold check)."""
    _analyse.cache_clear()
    readable_text.cache_clear()
    term.cache_clear()


@dataclass(frozen=True)
class Hit:
    """Where something was found: a source id and a span of its analysed text."""

    source: str
    span: tuple[int, int]


@dataclass
class ContextIndex:
    """The folded context with sentence offsets; look-ups are computed on demand and cached."""

    context: Context
    today: dt.date | None
    texts: dict[str, str]
    """Text that was analysed, by source id (a JSON tool result rendered as `key: value` lines)."""
    originals: dict[str, str]
    """The source text as the agent saw it, by source id."""
    kinds: dict[str, str]
    blob: str = ""
    src_ids: list[str] = field(default_factory=list)
    src_starts: list[int] = field(default_factory=list)
    sent_starts: list[int] = field(default_factory=list)
    sent_ends: list[int] = field(default_factory=list)
    sent_src: list[int] = field(default_factory=list)
    _postings: dict[str, list[int]] = field(default_factory=dict)
    _analyses: list[_Analysis] = field(default_factory=list)
    _first_sentence: list[int] = field(default_factory=list)
    _term_sources: dict[str, list[int]] = field(default_factory=dict)
    _values: dict[int, list[Value]] = field(default_factory=dict)
    _found: dict[tuple[str, tuple[str, ...]], list[Hit]] = field(default_factory=dict)
    _arrays: dict[str, np.ndarray[Any, np.dtype[np.intp]]] = field(default_factory=dict)

    @classmethod
    def build(cls, context: Context) -> ContextIndex:
        """Fold and split every source (schema sources stay out: they are read from the schema)."""
        sources = [s for s in context.sources if s.kind != "schema"]
        texts = {s.id: readable_text(s.text) if s.kind == "tool" else s.text for s in sources}
        index = cls(
            context=context,
            today=None,
            texts=texts,
            originals={s.id: s.text for s in context.sources},
            kinds={s.id: s.kind for s in context.sources},
        )
        parts: list[str] = []
        offset = 0
        for s in sources:
            analysis = _analyse(texts[s.id])
            folded, sentences = analysis.folded, analysis.sentences
            index.src_ids.append(s.id)
            index.src_starts.append(offset)
            n = len(index.src_ids) - 1
            index._analyses.append(analysis)
            index._first_sentence.append(len(index.sent_starts))
            for t in analysis.postings:
                index._term_sources.setdefault(t, []).append(n)
            index.sent_starts.extend([offset + a for a in analysis.starts])
            index.sent_ends.extend([offset + b for b in analysis.ends])
            index.sent_src.extend([n] * len(sentences))
            parts.append(folded)
            offset += len(folded) + len(_SEP)
        index.blob = _SEP.join(parts)
        index.today = index._reference_date()
        return index

    def _reference_date(self) -> dt.date | None:
        ordered = [sid for sid in self.src_ids if self.kinds[sid] == "system"]
        ordered += [sid for sid in self.src_ids if self.kinds[sid] != "system"]
        with_cue = []
        for sid in ordered:
            folded = _analyse(self.texts[sid]).folded
            if any(cue in folded for cue in _CUES):
                with_cue.append(self.texts[sid])
        return find_reference_date(with_cue, absolute_dates) if with_cue else None

    # -- positions -----------------------------------------------------------------------

    def locate(self, source: str, span: tuple[int, int]) -> tuple[int, int]:
        """Map a span of the analysed text back onto the original source text.

        Spans of a rendered JSON tool result are found again in the JSON: the whole rendered
        line if it occurs, else its value part, else the span of the whole source.
        """
        text, original = self.texts.get(source, ""), self.originals[source]
        if text == original:
            return span
        piece = text[span[0] : span[1]]
        for needle in (piece, piece.rsplit(": ", 1)[-1]):
            at = original.find(needle) if needle else -1
            if at >= 0:
                return (at, at + len(needle))
        return (0, len(original))

    @property
    def n_sentences(self) -> int:
        """Number of sentences in the context."""
        return len(self.sent_starts)

    def _source_at(self, pos: int) -> int:
        return bisect.bisect_right(self.src_starts, pos) - 1

    def _sentence_at(self, pos: int) -> int:
        return bisect.bisect_right(self.sent_starts, pos) - 1

    def _hit(self, a: int, b: int) -> Hit:
        n = self._source_at(a)
        start = self.src_starts[n]
        return Hit(self.src_ids[n], (a - start, b - start))

    def sentence(self, i: int) -> Hit:
        """Source and span of sentence `i`."""
        return self._hit(self.sent_starts[i], self.sent_ends[i])

    def sentence_text(self, i: int) -> str:
        """The analysed text of sentence `i` (original case)."""
        hit = self.sentence(i)
        return self.texts[hit.source][hit.span[0] : hit.span[1]]

    def sentence_kind(self, i: int) -> str:
        """Kind of the source sentence `i` is in."""
        return self.kinds[self.src_ids[self.sent_src[i]]]

    def sentence_values(self, i: int) -> list[Value]:
        """Values of sentence `i` (extracted on first use)."""
        if i not in self._values:
            self._values[i] = extract_values(self.sentence_text(i), self.today)
        return self._values[i]

    def sentence_negated(self, i: int) -> bool:
        """True if sentence `i` contains a negation."""
        return has_negation(self.sentence_text(i))

    # -- words -----------------------------------------------------------------------------

    def sentences_with(self, term: str) -> list[int]:
        """Sentences holding `term` (see `agentguard.support.text.term`), in order."""
        found = self._postings.get(term)
        if found is None:
            found = []
            for n in self._term_sources.get(term, ()):
                first = self._first_sentence[n]
                found.extend(first + i for i in self._analyses[n].postings[term])
            self._postings[term] = found
        return found

    def postings_array(self, term: str) -> np.ndarray[Any, np.dtype[np.intp]]:
        """`sentences_with(term)` as a numpy array (cached)."""
        found = self._arrays.get(term)
        if found is None:
            found = self._arrays[term] = np.array(self.sentences_with(term), dtype=np.intp)
        return found

    def idf(self, stem: str) -> float:
        """Inverse sentence frequency: rare words weigh more; unseen words weigh most."""
        n = self.n_sentences
        return math.log((n + 1) / (len(self.sentences_with(stem)) + 0.5)) + 1.0

    # -- phrases and values ----------------------------------------------------------------

    def find_phrase(self, phrase: str) -> list[Hit]:
        """Whole-word occurrences of a phrase (case, accents, `_`/`-` and spacing ignored)."""
        words = fold(phrase).replace("_", " ").replace("-", " ").split()
        if not words:
            return []
        hits = []
        for variant in dict.fromkeys((" ".join(words), "-".join(words), "_".join(words))):
            hits += [self._hit(a, b) for a, b in self._find_words(variant)]
        return hits

    def _find_words(self, needle: str) -> list[tuple[int, int]]:
        blob, out = self.blob, []
        pos = blob.find(needle)
        while pos >= 0:
            end = pos + len(needle)
            before = blob[pos - 1] if pos else " "
            after = blob[end] if end < len(blob) else " "
            if not before.isalnum() and not after.isalnum():
                out.append((pos, end))
            pos = blob.find(needle, pos + 1)
        return out

    def find_value(self, value: Value) -> list[Hit]:
        """Where the context states `value`, in any rendering its normaliser accepts."""
        if value.kind in ("name", "quoted"):
            return self.find_phrase(value.text.strip('"“”').replace(".", " "))
        cache_key = (value.kind, value.query)
        cached = self._found.get(cache_key)
        if cached is None:
            cached = self._found[cache_key] = self._find_value(value)
        return cached

    def _find_value(self, value: Value) -> list[Hit]:
        wanted = set(value.query)
        hits: dict[tuple[int, int], None] = {}
        blob = self.blob
        for anchor in anchors(value, self.today):
            pos = blob.find(anchor)
            while pos >= 0:
                span = None
                if value.kind == "id" or _plausible(blob, anchor, pos):
                    span = self._confirm(value, wanted, pos, pos + len(anchor))
                if span is not None:
                    hits[span] = None
                pos = self.blob.find(anchor, pos + 1)
        return [self._hit(a, b) for a, b in sorted(hits)]

    def _token_at(self, a: int, b: int) -> tuple[int, int]:
        blob = self.blob
        while a > 0 and blob[a - 1] in _TOKEN_CHARS:
            a -= 1
        while b < len(blob) and blob[b] in _TOKEN_CHARS:
            b += 1
        while b > a and blob[b - 1] in ".,-_":
            b -= 1
        return a, b

    def _confirm(self, value: Value, wanted: set[str], a: int, b: int) -> tuple[int, int] | None:
        """The span of the value at this anchor hit, if the text there normalises to it."""
        blob = self.blob
        if value.kind in ("email", "url"):
            ok = (a == 0 or blob[a - 1] not in _TOKEN_CHARS) and (b >= len(blob) or blob[b] != "@")
            return (a, b) if ok else None
        if value.kind in ("number", "money", "id") and blob[a].isdigit():
            # A digit token decides by itself; no window needed ("2" in "2024" is no 2).
            ta, tb = self._token_at(a, b)
            return (ta, tb) if _token_matches(blob[ta:tb], wanted) else None
        lo = max(a - _WINDOW, self.src_starts[self._source_at(a)])
        window = blob[lo : b + _WINDOW]
        for v in extract_values(window, self.today):
            va, vb = v.span[0] + lo, v.span[1] + lo
            if va <= a and b <= vb + 1 and wanted.intersection(v.keys):
                return va, vb
        return None


_MONTH_ANCHORS = frozenset(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
)
_MULTIPLIERS = {"k": 1e3, "m": 1e6}
_IN_N = re.compile(r"\bin (?:\d+|[a-z]+) $")


def _plausible(blob: str, anchor: str, pos: int) -> bool:
    """Cheap checks that spare a window normalisation for hits that cannot be the value.

    Not for ids: their anchor is a digit run inside a token ("10123" in "1z999aa10123").
    """
    if pos and blob[pos - 1].isalnum():
        return False  # "two" inside "network", "4" inside "2024"
    end = pos + len(anchor)
    if anchor[-1].isdigit() and end < len(blob) and blob[end].isdigit():
        return False  # "20" at the start of "2024"
    if anchor in _MONTH_ANCHORS:
        near = blob[max(0, pos - 12) : pos + 16]
        return any(c.isdigit() for c in near)  # "may" the verb has no day number beside it
    if anchor in ("day", "week"):
        return _IN_N.search(blob, max(0, pos - 16), pos) is not None
    return True


def _token_matches(token: str, wanted: set[str]) -> bool:
    """A digit-bearing token ("$1,200.50", "ord-58213", "10kg", "$2k") against wanted keys."""
    if "id:" + "".join(c for c in token if c.isalnum()) in wanted:
        return True
    bare = token.lstrip("#$€£¥").replace(",", "").rstrip("%")
    digits = bare.rstrip("abcdefghijklmnopqrstuvwxyz")
    unit = bare[len(digits) :]
    if not digits or len(unit) > 3:
        return False
    try:
        x = float(digits) * _MULTIPLIERS.get(unit, 1.0)
    except ValueError:
        return False
    return num_key(x) in wanted


def content_stems(text: str) -> set[str]:
    """The distinct content terms of `text` (the keys of `sentences_with`)."""
    return content_terms(text)
