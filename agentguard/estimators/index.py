"""An index of the context: one folded text, sentence offsets, and look-ups on demand.

Building the index joins the sources into one text, finds the sentence boundaries with one
regular expression, and turns every word into an integer term key with numpy (no Python work
per word), so a check stays fast however long the conversation. Values are looked up per
claim through the anchors of `agentguard.text.anchors`; each hit is confirmed by running
the value normaliser at the token starts just before it. Offsets in the folded text are
offsets in the original text, because `fold` never changes the length.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import re
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from agentguard.text.anchors import anchors
from agentguard.text.forms import stated_forms
from agentguard.text.numbers import THOUSANDS, number_start, scale_after, token_matches
from agentguard.text.tokens import sentence_ends, term, term_key
from agentguard.text.values import (
    Value,
    extract_values,
    fold,
    values_at,
)
from agentguard.types import Context

IntArray = npt.NDArray[np.int64]

_SEP = "\n\n"
MAX_MENTIONS = 2_000
"""Most places one anchor of a claim value is looked at in the context (the first ones): a
value written thousands of times is found among its first mentions, and the work per claim
stays bounded however often a short anchor ("1", "may") recurs."""
_TOKEN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_.,#$€£¥")
_WINDOW = 24
# A digit, an email, or a capitalised word inside a sentence (a name): a sentence that can
# answer a question such as "what is your order number?".
_HAS_VALUE = re.compile(r"\d|@|(?<=[a-z,;:] )[A-Z]")
_ALNUM = np.zeros(256, dtype=bool)
_ALNUM[np.frombuffer(b"abcdefghijklmnopqrstuvwxyz0123456789", dtype=np.uint8)] = True
_MASKS = np.array([(1 << (8 * i)) - 1 for i in range(7)], dtype=np.uint64)


def clear_cache() -> None:
    """Forget memoised word stems (benchmarks call this to measure a cold check)."""
    term.cache_clear()


def word_terms(blob: str) -> tuple[IntArray, IntArray, IntArray]:
    """Start offset, end offset and term key of every word of `blob` (folded text).

    The term is the word's stem cut to six characters (see `agentguard.text.tokens.term`):
    the stemmer's suffix rules are applied to all words at once.
    """
    b = np.frombuffer(blob.encode("latin-1", "replace"), dtype=np.uint8)
    edges = np.diff(np.concatenate(([False], _ALNUM[b], [False])).astype(np.int8))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    if len(starts) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    n = ends - starts
    c1, c2, c3 = b[ends - 1], b[np.maximum(ends - 2, 0)], b[np.maximum(ends - 3, 0)]
    ing = (n > 5) & (c3 == ord("i")) & (c2 == ord("n")) & (c1 == ord("g"))
    ed = ~ing & (n > 4) & (c2 == ord("e")) & (c1 == ord("d"))
    sxz = (c3 == ord("s")) | (c3 == ord("x")) | (c3 == ord("z"))
    es = ~ing & ~ed & (n > 4) & (c2 == ord("e")) & (c1 == ord("s")) & sxz
    s = ~ing & ~ed & ~es & (n > 3) & (c1 == ord("s")) & (c2 != ord("s"))
    length = np.minimum(n - 3 * ing - 2 * (ed | es) - s, 6)
    # Eight bytes read at every word start as one little-endian integer, cut to the term.
    padded = np.concatenate((b, np.zeros(8, dtype=np.uint8)))
    eight: npt.NDArray[np.uint64] = np.ndarray((len(b),), dtype="<u8", buffer=padded, strides=(1,))
    keys = (eight[starts] & _MASKS[length]).astype(np.int64)
    return starts.astype(np.int64), ends.astype(np.int64), keys


_MARGIN = 64
"""How far before the first changed source the look-ups of an extended index look again: a
check at a hit reads a few characters around it, which may lie across a source's end."""


def _found_order(found: tuple[int, int, Hit]) -> tuple[int, int]:
    return found[0], found[1]


@dataclass
class _Search:
    """One look-up's finds so far, and how far into the folded text it has looked."""

    upto: int = 0
    """Offsets before this one have been looked at."""
    found: list[tuple[int, int, Hit]] = field(default_factory=list)
    """(group, offset looked at, hit): the group orders a phrase's variants."""
    seen: dict[str, list[int]] = field(default_factory=dict)
    """Anchor -> the offsets it was looked at (at most `MAX_MENTIONS`)."""
    hits: list[Hit] | None = None
    """The finds as hits, made when first asked for."""

    def rewind(self, to: int) -> None:
        """Forget what was found from offset `to` on, to look there again."""
        if self.upto <= to:
            return
        self.upto = to
        self.found = [f for f in self.found if f[1] < to]
        self.seen = {a: [p for p in ps if p < to] for a, ps in self.seen.items()}
        self.hits = None


@dataclass(frozen=True)
class Hit:
    """Where something was found: a source id and a span of its text."""

    source: str
    span: tuple[int, int]


@dataclass
class ContextIndex:
    """The folded context with sentence offsets and term postings."""

    context: Context
    today: dt.date | None
    originals: dict[str, str]
    """The source text as the agent saw it, by source id."""
    kinds: dict[str, str]
    text: str = ""
    """All non-schema sources joined (original case)."""
    blob: str = ""
    """`text`, folded (same length)."""
    src_ids: list[str] = field(default_factory=list)
    src_starts: list[int] = field(default_factory=list)
    src_offsets: dict[str, int] = field(default_factory=dict)
    """Where each source starts in `text`, by source id."""
    sent_starts: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    sent_ends: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    _keys: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    _key_sentences: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    _postings: dict[str, IntArray] = field(default_factory=dict)
    _idf: dict[str, float] = field(default_factory=dict)
    _values: dict[int, list[Value]] = field(default_factory=dict)
    _found: dict[tuple[str, tuple[str, ...]], _Search] = field(default_factory=dict)
    _phrases: dict[str, _Search] = field(default_factory=dict)
    _has_slash: bool | None = None
    has_documents: bool = False
    """Whether documents (retrieved text) are among the sources."""
    _at: dict[int, list[Value]] = field(default_factory=dict)
    _forms: dict[str, list[tuple[Hit, str]]] | None = None
    _source_forms: dict[str, dict[str, list[tuple[int, int, str]]]] = field(default_factory=dict)
    readings: dict[str, dict[object, object]] = field(default_factory=dict)
    """Source id -> what the estimator read at places in it, by its own keys: kept while the
    source's text and sentences stay as they are (`extend` drops the sources it reads again)."""

    @classmethod
    def build(cls, context: Context) -> ContextIndex:
        """Join, fold and split the sources; key every word (schema sources stay out)."""
        index = cls(context=context, today=context.today, originals={}, kinds={})
        index._append(context, 0)
        return index

    def extends_to(self, context: Context) -> bool:
        """Whether `context` holds this index's sources, unchanged and first, and its date.

        Then `extend` can add what follows instead of building the index again.
        """
        if context.today != self.today:
            return False  # relative dates read differently
        sources = context.sources
        if len(sources) < len(self.src_ids):
            return False
        originals = self.originals
        for sid, s in zip(self.src_ids, sources, strict=False):
            if s.id != sid or s.kind == "schema" or s.text != originals[sid]:
                return False
        return True

    def extend(self, context: Context) -> None:
        """Add the sources `context` has after this index's own (`extends_to` must hold).

        Only the new text is split and keyed, from the start of the last source that holds
        anything but spaces (a sentence end at a source's end looks ahead into what follows);
        the look-ups cached so far are kept and continue over the new text when next asked.
        The index is the same as one built on `context` from scratch.
        """
        old = len(self.src_ids)
        if sum(s.kind != "schema" for s in context.sources) == old:
            self.context = context  # nothing new to index; the schemas may differ
            self.originals = {s.id: s.text for s in context.sources}
            self.kinds = {s.id: s.kind for s in context.sources}
            return
        last = next(
            (i for i in range(old - 1, -1, -1) if self.originals[self.src_ids[i]].strip()), 0
        )
        self._append(context, self.src_starts[last] if old else 0)

    def _append(self, context: Context, cut: int) -> None:
        """Take `context`'s new sources and redo every derived table from offset `cut` on."""
        sources = [s for s in context.sources if s.kind != "schema"]
        new = sources[len(self.src_ids) :]
        self.context = context
        self.originals = {s.id: s.text for s in context.sources}
        self.kinds = {s.id: s.kind for s in context.sources}
        self.has_documents = "doc" in self.kinds.values()
        offset = len(self.text) + len(_SEP) if self.src_ids else 0
        for s in new:
            self.src_ids.append(s.id)
            self.src_starts.append(offset)
            self.src_offsets[s.id] = offset
            offset += len(s.text) + len(_SEP)
        tail = _SEP.join(s.text for s in new)
        if new and len(self.src_ids) > len(new):
            self.text, self.blob = self.text + _SEP + tail, self.blob + _SEP + fold(tail)
        elif new:
            self.text, self.blob = tail, fold(tail)
        first = int(np.searchsorted(self.sent_starts, cut, side="left")) if cut else 0
        region = self.text[cut:]
        ends = [cut + e for e in _bounded_ends(region, sentence_ends(region, brackets=True))]
        kept = self.sent_starts[1:first].tolist() if cut else []
        bounds = [*kept, *([cut] if cut else []), *ends]
        self.sent_starts = np.array([0, *bounds], dtype=np.int64)
        self.sent_ends = np.array([*bounds, len(self.text)], dtype=np.int64)
        self._key_words(cut, first)
        self._forget_from(cut, first)

    def _key_words(self, cut: int, first: int) -> None:
        """Key the words from offset `cut` (sentence `first`) on; keep the entries before it."""
        starts, _, keys = word_terms(self.blob[cut:])
        sentences = np.searchsorted(self.sent_starts, starts + cut, side="right") - 1
        order = np.lexsort((sentences, keys))
        keys, sentences = keys[order], sentences[order]
        # One entry per (term, sentence): a term said twice in a sentence counts once.
        once = np.ones(len(keys), dtype=bool)
        once[1:] = (keys[1:] != keys[:-1]) | (sentences[1:] != sentences[:-1])
        keys, sentences = keys[once], sentences[once]
        if first:
            before = self._key_sentences < first
            keys = np.concatenate((self._keys[before], keys))
            sentences = np.concatenate((self._key_sentences[before], sentences))
            # Two runs sorted by (term, sentence), every sentence of the second after the
            # first's: a stable sort on the term alone merges them in linear time.
            order = np.argsort(keys, kind="stable")
            keys, sentences = keys[order], sentences[order]
        self._keys, self._key_sentences = keys, sentences

    def _forget_from(self, cut: int, first: int) -> None:
        """Drop what the look-up caches hold about text from `cut` (sentence `first`) on."""
        self._postings.clear()
        self._idf.clear()
        self._at.clear()
        self._has_slash = None
        self._values = {i: v for i, v in self._values.items() if i < first}
        resume = max(0, cut - _MARGIN)
        for search in self._found.values():
            search.rewind(resume)
        for phrase in self._phrases.values():
            phrase.rewind(resume)
        self._forms = None
        for sid in self.src_ids[bisect.bisect_left(self.src_starts, cut) :]:
            self._source_forms.pop(sid, None)
            self.readings.pop(sid, None)

    # -- positions -------------------------------------------------------------------------

    @property
    def n_sentences(self) -> int:
        """Number of sentences in the context."""
        return len(self.sent_starts)

    def _hit(self, a: int, b: int) -> Hit:
        n = bisect.bisect_right(self.src_starts, a) - 1
        start = self.src_starts[n]
        return Hit(self.src_ids[n], (a - start, b - start))

    def sentence(self, i: int) -> Hit:
        """Source and span of sentence `i`, trimmed of surrounding whitespace and brackets."""
        a, b = int(self.sent_starts[i]), int(self.sent_ends[i])
        text = self.text
        while a < b and (text[a].isspace() or text[a] in "{[,"):
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        return self._hit(a, b)

    def sentence_at(self, hit: Hit) -> int:
        """The sentence a hit starts in."""
        start = self.src_offsets[hit.source] + hit.span[0]
        return int(np.searchsorted(self.sent_starts, start, side="right")) - 1

    def offset_in_sentence(self, hit: Hit, i: int) -> int:
        """Where a hit starts, as an offset in the text of sentence `i`."""
        return self.src_offsets[hit.source] + hit.span[0] - int(self.sent_starts[i])

    def sentence_text(self, i: int) -> str:
        """The text of sentence `i`."""
        return self.text[int(self.sent_starts[i]) : int(self.sent_ends[i])]

    def sentence_kind(self, i: int) -> str:
        """Kind of the source sentence `i` is in."""
        return self.kinds[self._hit(int(self.sent_starts[i]), 0).source]

    def sentence_values(self, i: int) -> list[Value]:
        """Values of sentence `i`, offsets relative to the sentence (extracted on first use)."""
        if i not in self._values:
            self._values[i] = extract_values(self.sentence_text(i), self.today)
        return self._values[i]

    def sentence_has_value(self, i: int) -> bool:
        """True if sentence `i` states something answer-like: a number, an email, a name."""
        return (
            _HAS_VALUE.search(self.text, int(self.sent_starts[i]), int(self.sent_ends[i]))
            is not None
        )

    def sentence_value_hit(self, i: int, value: Value) -> Hit:
        """Where a value of `sentence_values(i)` is, as a hit in its source."""
        start = int(self.sent_starts[i])
        return self._hit(start + value.span[0], start + value.span[1])

    # -- words -----------------------------------------------------------------------------

    def sentences_with(self, term: str) -> IntArray:
        """Sentences holding a word whose term is `term` (see `agentguard.text.tokens.term`)."""
        found = self._postings.get(term)
        if found is None:
            self.prefetch([term])
            found = self._postings[term]
        return found

    def prefetch(self, terms: list[str]) -> None:
        """Look up the postings of many terms in two vectorised searches."""
        todo = [t for t in dict.fromkeys(terms) if t not in self._postings]
        if not todo:
            return
        keys = np.array([term_key(t) for t in todo], dtype=np.int64)
        lo = np.searchsorted(self._keys, keys, side="left").tolist()
        hi = np.searchsorted(self._keys, keys, side="right").tolist()
        for t, a, b in zip(todo, lo, hi, strict=True):
            self._postings[t] = self._key_sentences[a:b]

    def densest_sentence(self, terms: set[str]) -> tuple[float, Hit | None]:
        """The sentence holding the most of `terms` (the earliest of a tie), and their share."""
        counts: dict[int, int] = {}
        for t in sorted(terms):
            for si in self.sentences_with(t).tolist():
                counts[si] = counts.get(si, 0) + 1
        if not counts:
            return 0.0, None
        si = max(counts, key=lambda s: (counts[s], -s))
        return counts[si] / len(terms), self.sentence(si)

    def idf(self, term: str) -> float:
        """Inverse sentence frequency: rare words weigh more; unseen words weigh most."""
        found = self._idf.get(term)
        if found is None:
            n = self.n_sentences
            found = math.log((n + 1) / (len(self.sentences_with(term)) + 0.5)) + 1.0
            self._idf[term] = found
        return found

    # -- phrases and values ----------------------------------------------------------------

    def find_phrase(self, phrase: str) -> list[Hit]:
        """Whole-word occurrences of a phrase (case, accents, `_`/`-` and spacing ignored)."""
        search = self._phrases.get(phrase)
        if search is None:
            search = self._phrases[phrase] = _Search()
        if search.upto < len(self.blob):
            words = fold(phrase).replace("_", " ").replace("-", " ").split()
            variants = dict.fromkeys((" ".join(words), "-".join(words), "_".join(words)))
            for group, variant in enumerate(variants):
                if variant:
                    for a, b in self._find_words(variant, search.upto):
                        search.found.append((group, a, self._hit(a, b)))
            search.upto = len(self.blob)
            search.hits = None
        if search.hits is None:
            # In the order found: variant by variant, each from the start of the text.
            search.hits = [hit for _, _, hit in sorted(search.found, key=_found_order)]
        return search.hits

    def find_prefix(self, prefix: str) -> list[Hit]:
        """Whole words that begin with `prefix` ("asc" -> "ascending"), folded."""
        needle, blob = fold(prefix), self.blob
        out: list[Hit] = []
        pos = blob.find(needle)
        while pos >= 0 and len(out) < 8:
            if not (pos and blob[pos - 1].isalnum()):
                end = pos + len(needle)
                while end < len(blob) and blob[end].isalnum():
                    end += 1
                out.append(self._hit(pos, end))
            pos = blob.find(needle, pos + 1)
        return out

    def _find_words(self, needle: str, start: int = 0) -> list[tuple[int, int]]:
        blob, out = self.blob, []
        # Chinese, Japanese and Korean words are not set apart by spaces: "李雷" in
        # "我叫李雷，今年18" has letters on both sides.
        open_start, open_end = _unspaced(needle[0]), _unspaced(needle[-1])
        pos = blob.find(needle, start)
        while pos >= 0:
            end = pos + len(needle)
            before = blob[pos - 1] if pos and not open_start else " "
            after = blob[end] if end < len(blob) and not open_end else " "
            if not before.isalnum() and not after.isalnum():
                out.append((pos, end))
            pos = blob.find(needle, pos + 1)
        return out

    def stated_forms(self) -> dict[str, list[tuple[Hit, str]]]:
        """Folded form -> where the context names what it is a form of, and which form.

        The places, countries, languages and currencies of `agentguard.text.forms`; built
        on first use.
        """
        if self._forms is None:
            out: dict[str, list[tuple[Hit, str]]] = {}
            for sid, start in self.src_offsets.items():
                found = self._source_forms.get(sid)
                if found is None:
                    original = self.originals[sid]
                    blob = self.blob[start : start + len(original)]
                    found = self._source_forms[sid] = stated_forms(blob, original)
                for form, places in found.items():
                    out.setdefault(form, []).extend((Hit(sid, (a, b)), n) for a, b, n in places)
            self._forms = out
        return self._forms

    def find_value(self, value: Value) -> list[Hit]:
        """Where the context states `value`, in any rendering its normaliser accepts."""
        if value.kind in ("name", "quoted"):
            return self.find_phrase(value.text.strip('"“”').replace(".", " "))
        key = (value.kind, value.query)
        search = self._found.get(key)
        if search is None:
            search = self._found[key] = _Search()
        if search.upto < len(self.blob):
            self._search_value(value, search)
        if search.hits is None:
            found = {
                (self.src_offsets[h.source] + h.span[0], h.span[1] - h.span[0]): h
                for *_, h in search.found
            }
            search.hits = [found[k] for k in sorted(found)]
        return search.hits

    def _search_value(self, value: Value, search: _Search) -> None:
        """Continue `search` for `value` over the text it has not looked at yet."""
        wanted = set(value.query)
        blob = self.blob
        days = _days(value.query) if value.kind == "date" else set()
        for anchor in anchors(value, self.today):
            if not self._may_hold(anchor):
                continue
            # A month name says nothing until the day is beside it: most month names in a
            # context belong to other dates of that month.
            month = bool(days) and anchor in _MONTH_ANCHORS
            # An anchor not looked for before (the context lacked it) is looked for everywhere.
            start = search.upto if anchor in search.seen else 0
            seen = search.seen.setdefault(anchor, [])
            pos = blob.find(anchor, start)
            while pos >= 0 and len(seen) < MAX_MENTIONS:
                seen.append(pos)
                span = None
                if month and not _day_near(blob, pos, days):
                    pass
                elif value.kind == "id" or _plausible(blob, anchor, pos):
                    span = self._confirm(value, wanted, pos, pos + len(anchor))
                if span is not None:
                    search.found.append((0, pos, self._hit(*span)))
                pos = blob.find(anchor, pos + 1)
        search.upto = len(blob)
        search.hits = None

    def _may_hold(self, anchor: str) -> bool:
        """False when the context surely lacks `anchor`, known without scanning it again.

        A word anchor ("friday", "tomorrow"), or a phrase ending in one ("from today"), needs
        that word among the context's terms; a date written with slashes needs a slash
        somewhere in the context.
        """
        if "/" in anchor:
            if self._has_slash is None:
                self._has_slash = "/" in self.blob
            return self._has_slash
        word = anchor.rsplit(" ", 1)[-1]
        if word in _WORD_ANCHORS:
            return len(self.sentences_with(term(word))) > 0
        return True

    def _token_at(self, a: int, b: int) -> tuple[int, int]:
        blob = self.blob
        while a > 0 and blob[a - 1] in _TOKEN_CHARS:
            a -= 1
        while b < len(blob) and blob[b] in _TOKEN_CHARS:
            b += 1
        while b > a and blob[b - 1] in ".,-_":
            b -= 1
        return a, b

    def _number_token(self, wanted: set[str], a: int, b: int) -> tuple[int, int] | None:
        """The digit token around an anchor hit, if it reads as a wanted number or id.

        A scale word after the token counts ("50 million", "8 percent"); in a list written
        without spaces ("[200,300,400]", "46.60,1.88") the comma-separated part holding the
        hit is read on its own when the whole token reads as something else.
        """
        blob = self.blob
        ta, tb = self._token_at(a, b)
        token = blob[ta:tb]
        if token_matches(token, wanted, scale_after(blob, tb)):
            return ta, tb
        listed = ta > 0 and blob[ta - 1] in "[("
        if "," not in token or (THOUSANDS.fullmatch(token) and not listed):
            return None  # "1,200" is one number, unless a bracket opens it as a list
        pa = blob.rfind(",", ta, a) + 1 or ta
        pb = blob.find(",", b, tb)
        pb = tb if pb < 0 else pb
        return (pa, pb) if token_matches(blob[pa:pb], wanted, 1.0) else None

    def _confirm(self, value: Value, wanted: set[str], a: int, b: int) -> tuple[int, int] | None:
        """The span of the value at this anchor hit, if the text there normalises to it."""
        blob = self.blob
        if value.kind in ("email", "url"):
            ok = (a == 0 or blob[a - 1] not in _TOKEN_CHARS) and (b >= len(blob) or blob[b] != "@")
            return (a, b) if ok else None
        if value.kind in ("number", "money", "id") and number_start(blob, a):
            # A digit token decides by itself ("2" in "2024" is no 2).
            return self._number_token(wanted, a, b)
        n = bisect.bisect_right(self.src_starts, a) - 1
        floor = max(a - _WINDOW, self.src_starts[n])
        for start in _token_starts(blob, a, floor, _TOKENS_BACK.get(value.kind, 2)):
            found = self._at.get(start)
            if found is None:
                found = self._at[start] = values_at(blob, start, self.today)
            for v in found:
                va, vb = v.span
                if va <= a and b <= vb + 1 and wanted.intersection(v.keys):
                    return va, vb
        return None


class IndexCache:
    """One conversation's index, kept between its checks and extended as it grows.

    `Monitor.session()` puts one in the `Context.memo` of each check it builds; the default
    estimator then asks it for the index instead of building one (`index`).
    """

    def __init__(self) -> None:
        """Start empty: the first check builds the index."""
        self._index: ContextIndex | None = None
        self.builds = 0
        """How many times the index was built from scratch (the history changed)."""

    def index(self, context: Context) -> ContextIndex:
        """The index of `context`: the kept one extended when `context` continues it."""
        index = self._index
        if index is not None and index.extends_to(context):
            index.extend(context)
            return index
        self.builds += 1
        self._index = ContextIndex.build(context)
        return self._index


def index_of(context: Context) -> ContextIndex:
    """The index of `context`, from its session's cache when it has one."""
    memo = context.memo
    return memo.index(context) if isinstance(memo, IndexCache) else ContextIndex.build(context)


MAX_SENTENCE_CHARS = 5_000
"""Longest context sentence: a longer run without a sentence end is cut at spaces, so the
per-claim reading of a claim's best sentences stays bounded."""


def _bounded_ends(text: str, ends: list[int]) -> list[int]:
    """Sentence ends, with cuts added (at a space where there is one) in overlong sentences."""
    bounds = [0, *ends, len(text)]
    if all(b - a <= MAX_SENTENCE_CHARS for a, b in zip(bounds, bounds[1:], strict=False)):
        return ends
    out: list[int] = []
    for a, b in zip(bounds, bounds[1:], strict=False):
        while b - a > MAX_SENTENCE_CHARS:
            cut = text.rfind(" ", a + 1, a + MAX_SENTENCE_CHARS)
            a = a + MAX_SENTENCE_CHARS if cut < 0 else cut + 1
            out.append(a)
        out.append(b)
    if not ends or ends[-1] != len(text):
        out.pop()  # the end of the text, which `ends` lists only when a sentence ends there
    return sorted(set(out))


def _unspaced(char: str) -> bool:
    """True for a letter of a script written without spaces between words (CJK, Thai)."""
    return (
        "\u0e00" <= char <= "\u0e7f" or "\u3040" <= char <= "\ud7af" or "\uf900" <= char <= "\ufaff"
    )


def _token_starts(text: str, pos: int, floor: int, most: int = 4) -> list[int]:
    """`pos` and the starts of up to `most` tokens before it, not before `floor`.

    A value holding the anchor at `pos` starts at one of them: "1 may 2024" (one token back),
    "next friday", "in 3 days" (two), "+1 (555) 123-4567" (three).
    """
    starts = [pos]
    i = pos
    while len(starts) <= most:
        while i > floor and text[i - 1].isspace():
            i -= 1
        if i <= floor:
            break
        j = i
        while j > floor and not text[j - 1].isspace():
            j -= 1
        # Inside a token ("(555)" or "+1"), a value may also start after its punctuation.
        for k in range(j, i):
            if text[k].isalnum() or text[k] in "+($€£¥#":
                if k not in starts:
                    starts.append(k)
                if text[k].isalnum():
                    break
        i = j
    return starts


_WORD_ANCHORS = frozenset(
    "today tonight tomorrow yesterday noon midnight now monday tuesday wednesday thursday"
    " friday saturday sunday".split()
)
_MONTH_ANCHORS = frozenset(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
)
_DIGIT = re.compile(r"\d")
# How many tokens before an anchor its value may start: "the day after tomorrow" and
# "+1 (555) 123-4567" need three, "3:30 pm" none.
_TOKENS_BACK = {"date": 3, "phone": 3, "time": 0}


def _plausible(blob: str, anchor: str, pos: int) -> bool:
    """Cheap checks that spare a normalisation for hits that cannot be the value.

    Not for ids: their anchor is a digit run inside a token ("10123" in "1z999aa10123").
    """
    if pos and blob[pos - 1].isalnum() and anchor[0] != "-":
        return False  # "two" inside "network", "4" inside "2024"; "-10-24" ends "2024-10-24"
    end = pos + len(anchor)
    if anchor[-1].isdigit() and end < len(blob) and blob[end].isdigit():
        # "20" at the start of "2024"; but "74.006" may go on with zeros ("74.0060")
        return "." in anchor and blob[end] == "0"
    if anchor in _MONTH_ANCHORS:
        # "may" the verb has no day number beside it
        return _DIGIT.search(blob, max(0, pos - 12), pos + 16) is not None
    return True


_DAY_RUN = re.compile(r"(?<![0-9])[0-9]{1,2}(?![0-9])")


def _days(query: tuple[str, ...]) -> set[int]:
    """The day numbers of a date value's keys (`date:2024-05-03`, `md:05-03` -> {3})."""
    return {int(key[-2:]) for key in query if key.startswith(("date:", "md:"))}


def _day_near(blob: str, pos: int, days: set[int]) -> bool:
    """True if one of `days` is written as a number close to the month name at `pos`.

    "3rd of may" and "september 3" put the day within 16 characters before or 20 after the
    start of the month's three-letter anchor; a window cut through a number can only let
    more hits through to the normaliser, never fewer.
    """
    return any(int(m.group()) in days for m in _DAY_RUN.finditer(blob, max(0, pos - 16), pos + 20))
