"""Split a model output into claims: text clauses, tool-call arguments and questions.

No LLM is involved: sentences and clauses come from punctuation, arguments from the parsed
tool-call JSON (flattened to paths), questions from question marks. Courtesies and statements of
intent that carry no value ("Sure, let me check.") are not claims.

The work is bounded: at most `MAX_TEXT_CLAIMS` text and question claims and
`MAX_ARGUMENT_CLAIMS` argument claims are taken from one output (reading stops there, and the
extraction says so in a note), and a long output is read in blocks of whole sentences.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from agentguard.input_limits import loads_arguments, short
from agentguard.inputs import Output, ToolCall
from agentguard.schema_check import schema_problems
from agentguard.text.lexicon import NONFACTUAL_RE, PERMISSION_Q_RE
from agentguard.text.tokens import content_word_starts, content_words, split_sentences
from agentguard.text.values import Value, extract_values
from agentguard.types import ClaimDraft, Context, MalformedCall, Scalar

_CLAUSE_BREAK = re.compile(r";\s+|,\s+(?:but|and|while|whereas|although|so)\s+|\s+but\s+")
_MARKUP = re.compile(r"\s*(?:[-*•]|\d+[.)]|#+)\s+")

MAX_TEXT_CLAIMS = 1_000
"""Most text and question claims read from one output; the rest of its text goes unread."""
MAX_ARGUMENT_CLAIMS = 1_000
"""Most argument claims read from one output's tool calls; the remaining arguments go unread."""
MAX_PATH_CHARS = 1_000
"""Longest argument path (`a.b[0].c`): a call with a longer one is a malformed tool call."""
MAX_SENTENCE_CHARS = 5_000
"""Longest sentence read as one: a longer run of text is cut at spaces into pieces this long."""
_BLOCK_CHARS = 100_000
"""An output longer than this is read in blocks of whole sentences of about this size."""
_MAX_PROBLEMS = 10
"""Schema problems named in a malformed call's reason (the count of the rest follows)."""


def _is_claim(text: str, has_value: bool) -> bool:
    if has_value:
        return True
    if NONFACTUAL_RE.search(text):
        return False
    return content_words(text) >= 2


def _clauses(text: str, a: int, b: int) -> list[tuple[int, int]]:
    """Split a sentence into clauses where both sides say something on their own."""
    breaks = list(_CLAUSE_BREAK.finditer(text, a, b))
    if not breaks:
        return [(a, b)]
    # Content words counted by bisection, not by reading the rest of the sentence at each
    # break (which made a long sentence of many breaks quadratic).
    words = content_word_starts(text, a, b)
    end = len(words)
    spans, start = [], a
    for m in breaks:
        left = bisect.bisect_left(words, m.start()) - bisect.bisect_left(words, start)
        right = end - bisect.bisect_left(words, m.end())
        if left >= 2 and right >= 2:
            spans.append((start, m.start()))
            start = m.end()
    spans.append((start, b))
    return spans


def text_claims(text: str, today: dt.date | None = None) -> list[ClaimDraft]:
    """Text and question claims of an assistant message, with spans into `text`.

    `today` (the date the context states) resolves relative dates in the claims' values.
    At most `MAX_TEXT_CLAIMS` claims are returned.
    """
    return _text_claims(text, today)[0]


def _blocks(text: str) -> Iterator[tuple[int, list[tuple[int, int]]]]:
    """`(offset, sentences)` blocks of about `_BLOCK_CHARS` characters; one for a short text."""
    sentences = _bounded(text, split_sentences(text))
    if len(text) <= _BLOCK_CHARS:
        yield 0, sentences
        return
    first = 0
    for i, (_, b) in enumerate(sentences):
        if b - sentences[first][0] >= _BLOCK_CHARS or i == len(sentences) - 1:
            yield sentences[first][0], sentences[first : i + 1]
            first = i + 1


def _bounded(text: str, sentences: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The sentences, each longer than `MAX_SENTENCE_CHARS` cut at spaces into pieces."""
    if all(b - a <= MAX_SENTENCE_CHARS for a, b in sentences):
        return sentences
    out = []
    for a, b in sentences:
        while b - a > MAX_SENTENCE_CHARS:
            cut = text.rfind(" ", a + 1, a + MAX_SENTENCE_CHARS)
            cut = a + MAX_SENTENCE_CHARS if cut < 0 else cut
            out.append((a, cut))
            a = cut
            while a < b and text[a].isspace():
                a += 1
        if a < b:
            out.append((a, b))
    return out


def _shifted(values: list[Value], offset: int) -> list[Value]:
    if not offset:
        return values
    return [
        Value(v.kind, v.text, (v.span[0] + offset, v.span[1] + offset), v.keys, v.query)
        for v in values
    ]


def _text_claims(text: str, today: dt.date | None) -> tuple[list[ClaimDraft], bool]:
    """The claims, and whether reading stopped at `MAX_TEXT_CLAIMS` with text left unread."""
    out: list[ClaimDraft] = []
    for offset, sentences in _blocks(text):
        end = sentences[-1][1] if sentences else offset
        values = _shifted(extract_values(text[offset:end], today, claim=True), offset)
        starts = [v.span[0] for v in values]  # sorted: a clause's values are found by bisection
        for a, b in sentences:
            if len(out) >= MAX_TEXT_CLAIMS:
                return out, True
            _sentence_claims(text, a, b, values, starts, out)
    return out, False


def _sentence_claims(
    text: str, a: int, b: int, values: list[Value], starts: list[int], out: list[ClaimDraft]
) -> None:
    # The marker's match ends at most one character past the sentence: a list marker is short,
    # and a digit run running on past a cut piece of a long sentence is not read again.
    marker = _MARKUP.match(text, a, b + 1)
    if marker:
        a = marker.end()
    sentence = text[a:b]
    if sentence.rstrip().endswith("?"):
        if not PERMISSION_Q_RE.search(sentence) and content_words(sentence):
            out.append(ClaimDraft("question", sentence, (a, b), sentence, sentence_span=(a, b)))
        return
    for ca, cb in _clauses(text, a, b):
        clause = text[ca:cb].rstrip(" ,;")
        cb = ca + len(clause)
        first, last = bisect.bisect_left(starts, ca), bisect.bisect_left(starts, cb)
        inside = tuple(v for v in values[first:last] if v.span[1] <= cb)
        if clause and _is_claim(clause, bool(inside)):
            out.append(
                ClaimDraft("text", clause, (ca, cb), sentence, values=inside, sentence_span=(a, b))
            )


class _PathTooLong(Exception):
    pass


def _flatten(value: Any, path: str) -> Iterator[tuple[str, Scalar]]:
    """`(path, scalar)` for every leaf, in order (lazily: a reader may stop early)."""
    if len(path) > MAX_PATH_CHARS:
        raise _PathTooLong
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _flatten(v, f"{path}.{k}" if path else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _flatten(v, f"{path}[{i}]")
    else:
        yield path, value


def _parse_arguments(call: ToolCall) -> tuple[dict[str, Any] | None, str | None]:
    raw = call.function.arguments
    if isinstance(raw, dict):
        return raw, None
    try:
        parsed = loads_arguments(raw) if raw.strip() else {}
    except json.JSONDecodeError as exc:
        return None, f"arguments are not valid JSON ({exc.msg} at position {exc.pos})"
    except ValueError as exc:  # NaN, Infinity, a number out of range
        return None, f"arguments are not valid JSON ({exc})"
    if not isinstance(parsed, dict):
        return None, f"arguments must be a JSON object, not {type(parsed).__name__}"
    return parsed, None


def _problem(call: ToolCall, args: dict[str, Any] | None, context: Context) -> str | None:
    """What makes a parsed call malformed: an unknown tool or arguments off its schema."""
    name = call.function.name
    if context.tools and name not in context.tools:
        given = ", ".join(sorted(context.tools)[:10]) + (", ..." if len(context.tools) > 10 else "")
        return f"unknown tool {short(name)} (tools given: {given})"
    if args is not None and name in context.tools:
        problems = schema_problems(args, context.tools[name].function.parameters)
        if problems:
            named = [p if len(p) <= 2_000 else p[:1_997] + "..." for p in problems[:_MAX_PROBLEMS]]
            rest = len(problems) - len(named)
            return "; ".join(named) + (f" (and {rest} more)" if rest else "")
    return None


def argument_claims(
    output: Output, context: Context
) -> tuple[list[ClaimDraft], list[MalformedCall]]:
    """One claim per scalar argument of each well-formed tool call; the malformed calls.

    At most `MAX_ARGUMENT_CLAIMS` claims are returned.
    """
    claims, malformed, _ = _argument_claims(output, context)
    return claims, malformed


def _argument_claims(
    output: Output, context: Context
) -> tuple[list[ClaimDraft], list[MalformedCall], bool]:
    claims: list[ClaimDraft] = []
    malformed: list[MalformedCall] = []
    capped = False
    for i, call in enumerate(output.tool_calls):
        name = call.function.name
        args, problem = _parse_arguments(call)
        if problem is None:
            problem = _problem(call, args, context)
        if problem is not None or args is None:
            malformed.append(MalformedCall(i, call.id, name, problem or "unparsable arguments"))
            continue
        found: list[ClaimDraft] = []
        try:
            for path, value in _flatten(args, ""):
                if value is None or value == "" or not path:
                    continue  # an empty value asserts nothing
                if len(claims) + len(found) >= MAX_ARGUMENT_CLAIMS:
                    capped = True
                    break
                text = f"{path}={json.dumps(value, ensure_ascii=False)}"
                found.append(ClaimDraft("argument", text, None, "", name, call.id, path, value))
        except _PathTooLong:
            reason = f"an argument path is longer than {MAX_PATH_CHARS:,} characters"
            malformed.append(MalformedCall(i, call.id, name, reason))
            continue
        claims += found
    return claims, malformed, capped


@dataclass(frozen=True)
class Extraction:
    """What `extract` finds in one output."""

    claims: list[ClaimDraft]
    """Text and question claims first, then argument claims, in output order."""
    malformed: list[MalformedCall]
    """Tool calls whose arguments do not parse or do not fit the tool's schema."""
    notes: tuple[str, ...] = ()
    """What the report should say about the extraction (a cap that was reached)."""

    @property
    def capped(self) -> bool:
        """True when a cap left part of the output unchecked."""
        return bool(self.notes)


def extract(output: Output, context: Context) -> Extraction:
    """All claims of an output, its malformed calls, and notes on any cap reached."""
    texts, text_capped = _text_claims(output.text, context.today)
    args, malformed, args_capped = _argument_claims(output, context)
    notes = []
    if text_capped:
        notes.append(
            f"only the first {MAX_TEXT_CLAIMS:,} text claims were checked (MAX_TEXT_CLAIMS): "
            "the rest of the output's text is unchecked"
        )
    if args_capped:
        notes.append(
            f"only the first {MAX_ARGUMENT_CLAIMS:,} tool-call arguments were checked "
            "(MAX_ARGUMENT_CLAIMS): the other arguments are unchecked"
        )
    return Extraction(texts + args, malformed, tuple(notes))


def extract_claims(
    output: Output, context: Context
) -> tuple[list[ClaimDraft], list[MalformedCall]]:
    """All claims of an output (text and questions first, then arguments) and malformed calls."""
    found = extract(output, context)
    return found.claims, found.malformed
