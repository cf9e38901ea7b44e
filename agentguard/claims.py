"""Split a model output into claims: text clauses, tool-call arguments and questions.

No LLM is involved: sentences and clauses come from punctuation, arguments from the parsed
tool-call JSON (flattened to paths), questions from question marks. Courtesies and statements of
intent that carry no value ("Sure, let me check.") are not claims.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from agentguard.inputs import Output, ToolCall
from agentguard.schema_check import schema_problems
from agentguard.text.lexicon import NONFACTUAL_RE, PERMISSION_Q_RE
from agentguard.text.tokens import content_words, split_sentences
from agentguard.text.values import extract_values
from agentguard.types import ClaimDraft, Context, MalformedCall, Scalar

_CLAUSE_BREAK = re.compile(r";\s+|,\s+(?:but|and|while|whereas|although|so)\s+|\s+but\s+")
_MARKUP = re.compile(r"\s*(?:[-*•]|\d+[.)]|#+)\s+")


def _is_claim(text: str, has_value: bool) -> bool:
    if has_value:
        return True
    if NONFACTUAL_RE.search(text):
        return False
    return content_words(text) >= 2


def _clauses(text: str, a: int, b: int) -> list[tuple[int, int]]:
    """Split a sentence into clauses where both sides say something on their own."""
    spans, start = [], a
    for m in _CLAUSE_BREAK.finditer(text, a, b):
        left, right = text[start : m.start()], text[m.end() : b]
        if content_words(left) >= 2 and content_words(right) >= 2:
            spans.append((start, m.start()))
            start = m.end()
    spans.append((start, b))
    return spans


def text_claims(text: str, today: dt.date | None = None) -> list[ClaimDraft]:
    """Text and question claims of an assistant message, with spans into `text`.

    `today` (the date the context states) resolves relative dates in the claims' values.
    """
    out: list[ClaimDraft] = []
    values = extract_values(text, today, claim=True)
    for a, b in split_sentences(text):
        marker = _MARKUP.match(text, a)
        if marker:
            a = marker.end()
        sentence = text[a:b]
        if sentence.rstrip().endswith("?"):
            if not PERMISSION_Q_RE.search(sentence) and content_words(sentence):
                out.append(ClaimDraft("question", sentence, (a, b), sentence, sentence_span=(a, b)))
            continue
        for ca, cb in _clauses(text, a, b):
            clause = text[ca:cb].rstrip(" ,;")
            cb = ca + len(clause)
            inside = tuple(v for v in values if ca <= v.span[0] and v.span[1] <= cb)
            if clause and _is_claim(clause, bool(inside)):
                out.append(
                    ClaimDraft(
                        "text", clause, (ca, cb), sentence, values=inside, sentence_span=(a, b)
                    )
                )
    return out


def _flatten(value: Any, path: str) -> list[tuple[str, Scalar]]:
    if isinstance(value, dict):
        out: list[tuple[str, Scalar]] = []
        for k, v in value.items():
            out += _flatten(v, f"{path}.{k}" if path else str(k))
        return out
    if isinstance(value, list):
        return [item for i, v in enumerate(value) for item in _flatten(v, f"{path}[{i}]")]
    return [(path, value)]


def _parse_arguments(call: ToolCall) -> tuple[dict[str, Any] | None, str | None]:
    raw = call.function.arguments
    if isinstance(raw, dict):
        return raw, None
    try:
        parsed = json.loads(raw) if raw.strip() else {}
    except json.JSONDecodeError as exc:
        return None, f"arguments are not valid JSON ({exc.msg} at position {exc.pos})"
    if not isinstance(parsed, dict):
        return None, f"arguments must be a JSON object, not {type(parsed).__name__}"
    return parsed, None


def argument_claims(
    output: Output, context: Context
) -> tuple[list[ClaimDraft], list[MalformedCall]]:
    """One claim per scalar argument of each well-formed tool call; the malformed calls."""
    claims: list[ClaimDraft] = []
    malformed: list[MalformedCall] = []
    for i, call in enumerate(output.tool_calls):
        name = call.function.name
        args, problem = _parse_arguments(call)
        if problem is None and context.tools and name not in context.tools:
            problem = f"unknown tool {name!r} (tools given: {', '.join(sorted(context.tools))})"
        if problem is None and args is not None and name in context.tools:
            problems = schema_problems(args, context.tools[name].function.parameters)
            problem = "; ".join(problems) if problems else None
        if problem is not None or args is None:
            malformed.append(MalformedCall(i, call.id, name, problem or "unparsable arguments"))
            continue
        for path, value in _flatten(args, ""):
            if value is None or value == "" or not path:
                continue  # an empty value asserts nothing
            text = f"{path}={json.dumps(value, ensure_ascii=False)}"
            claims.append(ClaimDraft("argument", text, None, "", name, call.id, path, value))
    return claims, malformed


def extract_claims(
    output: Output, context: Context
) -> tuple[list[ClaimDraft], list[MalformedCall]]:
    """All claims of an output (text and questions first, then arguments) and malformed calls."""
    arg_claims, malformed = argument_claims(output, context)
    return text_claims(output.text, context.today) + arg_claims, malformed
