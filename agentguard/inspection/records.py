"""A trace record as `agentguard inspect` shows it: output, claims, evidence and decision.

`shown_record` turns one report record of a trace (any version) into a `ShownRecord`: what the
terminal rendering and `--json` print. It reads records defensively: a field of the wrong type
is treated as absent, so one odd record shows what it can instead of failing. A record without
`output_text` (versions 1 and 2) gets an output rebuilt from its text claims, marked as such.
When the record carries its `context` (`trace_inputs`), each piece of evidence gets the text
around its span in the source it came from.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, Field

from agentguard.context import build_context
from agentguard.errors import InputError
from agentguard.inputs import parse_check_input

__all__ = ["ShownClaim", "ShownEvidence", "ShownRecord", "shown_record", "value_text"]

WINDOW_CHARS = 60
"""Characters of the source shown on each side of an evidence span."""


class ShownEvidence(BaseModel):
    """One piece of evidence behind a claim: where in which source, and what it says."""

    source: str
    """The source's id: `user#1`, `tool:get_order#1`, `doc:ID`, `system`, `schema:TOOL.PARAM`."""
    span: tuple[int, int] | None = None
    """Character offsets of the evidence in the source's text."""
    text: str | None = None
    """The source's text on that span."""
    note: str | None = None
    """How the source bears on the claim (`user states it`, `user denies it`, ...)."""
    before: str | None = None
    """Up to `WINDOW_CHARS` characters of the source before the span (records with context)."""
    after: str | None = None
    """Up to `WINDOW_CHARS` characters of the source after the span (records with context)."""


class ShownClaim(BaseModel):
    """One claim of a report, with the flags raised on it."""

    id: str | None = None
    """The claim's id in its report (`c1`, ...)."""
    kind: str | None = None
    """`text`, `argument` or `question`."""
    text: str | None = None
    """The claim's text (text and question claims)."""
    tool: str | None = None
    """The tool called (argument claims)."""
    call_id: str | None = None
    """The id of the tool call (argument claims)."""
    path: str | None = None
    """The argument's path in the call (`origin`, `passengers[0].name`)."""
    value: Any = None
    """The argument's value (argument claims)."""
    support: float | None = None
    """How well the context supports the claim, 0 to 1."""
    label: str | None = None
    """`supported`, `contradicted` or `unsupported`."""
    span: tuple[int, int] | None = None
    """Character offsets of the claim in `ShownRecord.output_text`, where it was found there."""
    hedged: bool = False
    """Whether the output says the claim is a guess."""
    flags: list[str] = Field(default_factory=list)
    """The types of the flags raised on this claim (empty when none)."""
    messages: list[str] = Field(default_factory=list)
    """The messages of those flags."""
    evidence: list[ShownEvidence] = Field(default_factory=list)
    """What carried or contradicted the claim."""

    def what(self) -> str:
        """The claim in one line: its text, or `tool.path = value` for an argument."""
        if self.kind == "argument":
            return f"{self.tool}.{self.path} = {value_text(self.value)}"
        return self.text or ""


class ShownRecord(BaseModel):
    """One report record of a trace, as shown."""

    line: int
    """The record's line in the trace (the header is line 1)."""
    input_id: str | None = None
    """The input's id (an eval case id), when it had one."""
    input_sha256: str | None = None
    """The hash of the input, for inputs without an id."""
    time: str | None = None
    """When the record was written (ISO 8601)."""
    suite: str | None = None
    """The eval suite (eval runs)."""
    domain: str | None = None
    """The case's domain (eval runs, or the record's metadata)."""
    thread: str | None = None
    """The conversation (agent runs)."""
    run: str | None = None
    """The agent run (agent runs)."""
    step: int | None = None
    """The step in the run (agent runs)."""
    decision: str | None = None
    """The decision's action: `allow`, `annotate`, `ask_user`, `call_tool`, `retry`, `block`."""
    reason: str | None = None
    """Why the monitor decided so."""
    question: str | None = None
    """The question to ask the user (`ask_user`)."""
    support: float | None = None
    """The report's support: that of its weakest claim."""
    policy: str | None = None
    """The policy the report was made under."""
    output_text: str = ""
    """The text of the checked output."""
    output_rebuilt: bool = False
    """True when the record has no output text (older traces) and it was rebuilt from claims."""
    claims: list[ShownClaim] = Field(default_factory=list)
    """Every claim of the report, flagged or not."""
    other_flags: list[dict[str, str]] = Field(default_factory=list)
    """Flags on no claim (a malformed tool call): `type` and `message`."""

    @property
    def flagged(self) -> list[ShownClaim]:
        """The claims with at least one flag."""
        return [c for c in self.claims if c.flags]

    def to_json(self) -> dict[str, Any]:
        """The record as `agentguard inspect --json` prints it (flagged claims only)."""
        body = self.model_dump(mode="json", exclude={"claims"})
        body["flagged_claims"] = [c.model_dump(mode="json") for c in self.flagged]
        return body


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _num(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    return float(value) if isinstance(value, (int, float)) else None


def _span(value: Any) -> tuple[int, int] | None:
    if (
        isinstance(value, (list, tuple))
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        and 0 <= value[0] <= value[1]
    ):
        return (value[0], value[1])
    return None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def value_text(value: Any, limit: int = 60) -> str:
    """A value as JSON, cut to `limit` characters."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _evidence(item: dict[str, Any], sources: dict[str, str]) -> ShownEvidence:
    shown = ShownEvidence(
        source=_str(item.get("source")) or "?",
        span=_span(item.get("span")),
        text=_str(item.get("text")),
        note=_str(item.get("note")),
    )
    source = sources.get(shown.source)
    if source is not None and shown.span is not None and shown.span[1] <= len(source):
        a, b = shown.span
        shown.before = source[max(0, a - WINDOW_CHARS) : a]
        shown.after = source[b : b + WINDOW_CHARS]
    return shown


def _claim(item: dict[str, Any], sources: dict[str, str]) -> ShownClaim:
    hedged = item.get("hedged")
    return ShownClaim(
        id=_str(item.get("id")),
        kind=_str(item.get("kind")),
        text=_str(item.get("text")),
        tool=_str(item.get("tool")),
        call_id=_str(item.get("call_id")),
        path=_str(item.get("path")),
        value=item.get("value"),
        support=_num(item.get("support")),
        label=_str(item.get("label")),
        span=_span(item.get("span")),
        hedged=hedged is True,
        evidence=[_evidence(e, sources) for e in _dicts(item.get("evidence"))],
    )


def source_texts(context: Any) -> dict[str, str]:
    """Source id -> text, for a record's `context`; empty when it has none or it is unreadable.

    The ids are made as the monitor made them (`agentguard.context.build_context`), so they
    match the `source` of the evidence.
    """
    if not isinstance(context, dict) or not isinstance(context.get("messages"), list):
        return {}
    data = {
        "messages": context["messages"],
        "tools": context.get("tools") or [],
        "documents": context.get("documents") or [],
        "output": {"role": "assistant", "content": ""},
    }
    try:
        built = build_context(parse_check_input(data))
    except (InputError, ValueError, TypeError, RecursionError):
        return {}
    return {s.id: s.text for s in built.sources}


def _place_spans(output: str, claims: list[ShownClaim]) -> None:
    """Keep each text claim's span only where the output holds the claim's text there.

    A redacted secret can shift the stored text against the spans: the text is then looked
    for, and a claim not found keeps no span.
    """
    for claim in claims:
        if claim.kind not in ("text", "question") or not claim.text:
            claim.span = None
            continue
        if claim.span is not None and output[claim.span[0] : claim.span[1]] == claim.text:
            continue
        at = output.find(claim.text)
        claim.span = (at, at + len(claim.text)) if at >= 0 else None


def rebuild_output(claims: list[ShownClaim]) -> str:
    """An output rebuilt from the text claims, for records that lack `output_text`.

    Each claim goes where its span says when the spans fit together (gaps become spaces);
    otherwise the claims are joined by spaces.
    """
    texts = sorted(
        (c for c in claims if c.kind in ("text", "question") and c.text),
        key=lambda c: c.span or (0, 0),
    )
    if all(c.span and c.span[1] - c.span[0] == len(c.text or "") for c in texts):
        out = ""
        for c in texts:
            start = c.span[0] if c.span else 0
            if start < len(out):
                break  # overlapping spans: join instead
            out += " " * (start - len(out)) + (c.text or "")
        else:
            return out
    return " ".join(c.text or "" for c in texts)


def shown_record(record: dict[str, Any], line: int, domain: str | None = None) -> ShownRecord:
    """The record on `line` of a trace, as shown; `domain` is the index's, when it knows one."""
    report = _dict(record.get("report"))
    decision = _dict(report.get("decision"))
    sources = source_texts(record.get("context"))
    claims = [_claim(c, sources) for c in _dicts(report.get("claims"))]
    by_id = {c.id: c for c in claims if c.id}
    other: list[dict[str, str]] = []
    for flag in _dicts(report.get("flags")):
        kind, message = _str(flag.get("type")) or "?", _str(flag.get("message")) or ""
        claim = by_id.get(_str(flag.get("claim_id")) or "")
        if claim is None:
            other.append({"type": kind, "message": message})
        else:
            claim.flags.append(kind)
            claim.messages.append(message)
    text = _str(record.get("output_text"))
    rebuilt = text is None
    output = rebuild_output(claims) if text is None else text
    _place_spans(output, claims)
    metadata = record.get("metadata")
    step = record.get("step")
    return ShownRecord(
        line=line,
        input_id=_str(record.get("input_id")),
        input_sha256=_str(record.get("input_sha256")),
        time=_str(record.get("time")),
        suite=_str(record.get("suite")),
        domain=domain or (_str(metadata.get("domain")) if isinstance(metadata, dict) else None),
        thread=_str(record.get("thread")),
        run=_str(record.get("run")),
        step=step if isinstance(step, int) and not isinstance(step, bool) else None,
        decision=_str(decision.get("action")),
        reason=_str(decision.get("reason")),
        question=_str(decision.get("question")),
        support=_num(report.get("support")),
        policy=_str(report.get("policy")),
        output_text=output,
        output_rebuilt=rebuilt,
        claims=claims,
        other_flags=other,
    )
