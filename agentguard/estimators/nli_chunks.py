"""Source chunks for the NLI estimator: sentences grouped to a size, ranked by word overlap.

A cross-encoder reads a few hundred tokens at a time, so each source is cut into chunks of
whole sentences (a sentence longer than a chunk is cut at spaces). For each claim only the
chunks sharing the most content words with it are put to the model: a cheap lexical
pre-ranking that keeps the number of model calls per claim fixed however long the context is.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass

from agentguard.text.tokens import content_terms, split_sentences
from agentguard.types import Evidence, Source


@dataclass(frozen=True)
class Chunk:
    """A run of whole sentences of one source, with its span in the source text."""

    source: str
    span: tuple[int, int]
    text: str
    terms: frozenset[str]
    """Content terms of the text (folded, stemmed, stopwords dropped), for the pre-ranking."""

    def evidence(self) -> Evidence:
        """The chunk as evidence: its source id, span and text."""
        return Evidence(source=self.source, span=self.span, text=self.text)


def _windows(text: str, a: int, b: int, limit: int) -> list[tuple[int, int]]:
    """`text[a:b]` cut at spaces into pieces of at most `limit` characters."""
    out = []
    while b - a > limit:
        cut = text.rfind(" ", a + 1, a + limit + 1)
        if cut < 0:
            cut = a + limit  # no space to cut at (a long token): cut inside it
        end = cut
        while end > a and text[end - 1].isspace():
            end -= 1
        if end > a:
            out.append((a, end))
        a = cut
        while a < b and text[a].isspace():
            a += 1
    if a < b:
        out.append((a, b))
    return out


def chunk_spans(text: str, chunk_chars: int) -> list[tuple[int, int]]:
    """Spans of `text` grouping consecutive sentences, each at most `chunk_chars` long.

    Example:
        >>> chunk_spans("One two. Three four. Five.", 20)
        [(0, 20), (21, 26)]
    """
    pieces = [w for a, b in split_sentences(text) for w in _windows(text, a, b, chunk_chars)]
    spans: list[tuple[int, int]] = []
    for a, b in pieces:
        if spans and b - spans[-1][0] <= chunk_chars:
            spans[-1] = (spans[-1][0], b)
        else:
            spans.append((a, b))
    return spans


def chunk_sources(sources: Sequence[Source], chunk_chars: int) -> list[Chunk]:
    """The chunks of every source, in source order."""
    return [
        Chunk(s.id, (a, b), s.text[a:b], frozenset(content_terms(s.text[a:b])))
        for s in sources
        for a, b in chunk_spans(s.text, chunk_chars)
    ]


def rank_chunks(terms: set[str], chunks: Sequence[Chunk], k: int) -> list[int]:
    """Indices of the `k` chunks sharing the most terms with `terms`, best first.

    Ties go to the earlier chunk, so the choice does not depend on hashing or timing.
    """
    return heapq.nsmallest(k, range(len(chunks)), key=lambda i: (-len(terms & chunks[i].terms), i))
