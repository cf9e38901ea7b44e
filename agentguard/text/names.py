"""Names in text: runs of capitalised words that are no sentence opener, filler or value."""

from __future__ import annotations

import bisect
import re

from agentguard.text.lexicon import COMMON_CAPITALISED

_UPPER = "A-ZÀ-ÖØ-Þ"
_NAME_WORD = rf"(?:(?<!\S)[{_UPPER}]\.(?=\s)|[{_UPPER}][\w'’-]*)"
_NAME = re.compile(
    rf"{_NAME_WORD}(?:\s+(?:(?:of|de|del|der|van|von|da|di|la|le|du|al|bin)\s+)?{_NAME_WORD})*"
)
_NON_SPACE = re.compile(r"\S+")

_I_FORMS = frozenset({"I", "I'm", "I'll", "I've", "I'd", "I’m", "I’ll", "I’ve", "I’d"})
_CONNECTORS = frozenset(
    {"of", "de", "del", "der", "van", "von", "da", "di", "la", "le", "du", "al", "bin"}
)


def _sentence_start(text: str, pos: int) -> bool:
    j = pos - 1
    while j >= 0 and text[j] in " \t\"'“(*-#>":
        j -= 1
    return j < 0 or text[j] in ".!?:;\n"


def _is_filler(word: str) -> bool:
    return word in _I_FORMS or word.lower().rstrip(".,") in COMMON_CAPITALISED


class _Spans:
    """Sorted spans with a fast overlap test (spans found by the value scan)."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        spans = sorted(spans)
        self.starts = [a for a, _ in spans]
        # Running maximum of the ends, so one look-up answers "does anything before b reach a?"
        self.reach: list[int] = []
        top = -1
        for _, b in spans:
            top = max(top, b)
            self.reach.append(top)

    def overlaps(self, a: int, b: int) -> bool:
        i = bisect.bisect_left(self.starts, b)
        return i > 0 and self.reach[i - 1] > a


def _droppable(text: str, word: tuple[int, int], taken: _Spans) -> bool:
    """True for an edge word that is no part of a name: inside a value, a filler, a connector."""
    a, b = word
    w = text[a:b]
    return taken.overlaps(a, b) or _is_filler(w) or w.lower() in _CONNECTORS


def name_spans(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans of the names in `text` (runs of capitalised words) that overlap none of `spans`.

    A lone capitalised word at a sentence start, a filler ("I'm", "Thanks") and connectors at
    the edges ("of", "van") are no names.
    """
    out = []
    taken = _Spans(spans)
    for m in _NAME.finditer(text):
        whole = m.group(0)
        if " " not in whole and "\n" not in whole and "\t" not in whole:
            # One capitalised word, the common case: mostly a sentence opener.
            a, b = m.span()
            if len(whole) < 2 or _is_filler(whole) or whole.lower() in _CONNECTORS:
                continue
            if taken.overlaps(a, b) or (_sentence_start(text, a) and not whole.isupper()):
                continue
            out.append((a, b))
            continue
        words = [(w.start() + m.start(), w.end() + m.start()) for w in _NON_SPACE.finditer(whole)]
        # Edge words are dropped by moving two indices (popping the front of a long run of
        # fillers, "I I I ...", was quadratic).
        first, last = 0, len(words) - 1
        while first <= last and _droppable(text, words[first], taken):
            first += 1
        while last >= first and _droppable(text, words[last], taken):
            last -= 1
        if first > last:
            continue
        kept = last - first + 1
        start, end = words[first][0], words[last][1]
        if taken.overlaps(start, end):
            continue
        name = text[start:end]
        if len(name) < 2:
            continue
        if kept == 1 and _sentence_start(text, start) and not name.isupper():
            continue  # "Order 12345 ...": a capital at a sentence start says nothing
        out.append((start, end))
    return out
