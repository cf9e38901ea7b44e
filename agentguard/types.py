"""Pydantic models of the monitor's vocabulary: sources, claims, support, flags, decisions, reports.

Everything here is logged or returned by `Monitor.check`, so every model is frozen and
serialises with `model_dump(mode="json")`; that JSON form is the `check` contract.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from agentguard.inputs import ToolDef
from agentguard.text.values import Value

ClaimKind = Literal["text", "argument", "question"]
Label = Literal["supported", "contradicted", "unsupported"]
FlagType = Literal[
    "silent_assumption",
    "contradiction",
    "redundant_question",
    "declared_assumption",
    "malformed_tool_call",
    "needless_question",
    "needless_tool_call",
]
Action = Literal["allow", "annotate", "use_context", "ask_user", "call_tool", "retry", "block"]
KnownOrigin = Literal["stated", "default", "computed", "earlier_call"]
"""Where a value the agent already has comes from: a source `stated` it, the tool schema's
`default` is what the call needs, the monitor `computed` it exactly (arithmetic), or an
`earlier_call` with the same arguments returned it."""
SourceKind = Literal["system", "user", "tool", "doc", "schema"]
Scalar = str | int | float | bool | None
"""A JSON scalar: the value of one flattened tool-call argument."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Source(_Frozen):
    """One piece of context the agent legitimately has."""

    id: str
    """Stable id: `system`, `user#3`, `tool:get_order#2`, `doc:<id>`, `schema:TOOL.PARAM`."""
    kind: SourceKind
    """What sort of context this is."""
    text: str
    """The text the agent saw (for `schema:` sources, a rendering of the default or enum)."""


class Evidence(_Frozen):
    """A span of a source that bears on a claim."""

    source: str
    """Id of the source the span is in."""
    span: tuple[int, int]
    """Character offsets `[start, end)` in the source text."""
    text: str
    """The text of the span."""
    note: str | None = None
    """How the span bears on the claim, where the estimator says: "user states it as from",
    "user denies it", "tool mentions it, for another slot or subject", "country code of
    'United Kingdom'", "schema default"."""


class Claim(_Frozen):
    """One atomic thing a model output asserts, with the monitor's support estimate."""

    id: str
    """Id within the report: `c1`, `c2`, ..."""
    kind: ClaimKind
    """`text` (a clause of the message), `argument` (a tool-call argument) or `question`."""
    text: str
    """The claim as written: the clause, the question, or `path=value` for an argument."""
    span: tuple[int, int] | None = None
    """Character offsets of the claim in the output's `content` (text and question claims)."""
    tool: str | None = None
    """Tool name (argument claims)."""
    call_id: str | None = None
    """Id of the tool call the argument belongs to (argument claims)."""
    path: str | None = None
    """JSON path of the argument, e.g. `passengers[0].name` (argument claims)."""
    value: str | int | float | bool | None = None
    """The argument value (argument claims)."""
    support: float
    """Probability that the context entails the claim. For questions: that it already answers it."""
    label: Label
    """`supported`, `contradicted` or `unsupported`; for questions, `supported` means answered."""
    value_kinds: tuple[str, ...] = ()
    """Kinds of the typed values a text claim states (`number`, `date`, `money`, ...)."""
    hedged: bool = False
    """The output itself marks the claim as an assumption or as uncertain."""
    evidence: tuple[Evidence, ...] = ()
    """Spans of the context that support or contradict the claim."""
    answered_by: Literal["stated", "default"] | None = None
    """For a question the context answers: a source `stated` the value, or the parameter is
    optional and its schema `default` is what the call needs. `tool`, `path` and `value` then
    name the parameter asked for and the value the context holds."""


class Flag(_Frozen):
    """A finding about one claim or one tool call."""

    type: FlagType
    """What was found."""
    claim_id: str | None
    """The claim it concerns; `None` for a malformed tool call, which has no argument claims."""
    risk: float
    """Expected cost of letting the output through unchanged: `(1 - support) * cost_wrong`."""
    message: str
    """One line a person can read."""


class ToolCallRequest(_Frozen):
    """A call the monitor wants the runtime to make before the model continues."""

    name: str
    """The resolver tool to run."""
    arguments: dict[str, object] = Field(default_factory=dict)
    """Arguments for it; empty when the runtime should let the model fill them."""
    resolves: tuple[str, ...] = ()
    """Ids of the claims this call is meant to settle."""


class KnownValue(_Frozen):
    """A value the agent already has, used instead of asking or calling a tool (`use_context`)."""

    claim_id: str | None
    """The question claim, or the first argument claim of the needless tool call."""
    origin: KnownOrigin
    """`stated`, `default`, `computed` or `earlier_call`."""
    tool: str | None = None
    """The tool whose parameter the value is for (a question) or the tool not to call."""
    path: str | None = None
    """The parameter the value is for, when known."""
    call_id: str | None = None
    """The id of the needless tool call, for `computed` and `earlier_call`."""
    value: Any = None
    """The value: the answer, the default, the computed result or the earlier call's result."""
    evidence: tuple[Evidence, ...] = ()
    """Where the context holds it."""


class Decision(_Frozen):
    """What should happen to the output."""

    action: Action
    """`allow`, `annotate`, `use_context`, `ask_user`, `call_tool`, `retry` or `block`."""
    question: str | None = None
    """The clarifying question, for `ask_user`."""
    tool_call: ToolCallRequest | None = None
    """The resolver call, for `call_tool`."""
    known: tuple[KnownValue, ...] = ()
    """For `use_context`: the values the agent already has, in place of its questions or of
    its needless tool calls."""
    message: str | None = None
    """For `use_context`: what the agent is told instead (the known values and their sources),
    so that it carries on without asking or calling."""
    reason: str
    """Why this action, in one or two sentences."""


class Report(_Frozen):
    """Claims, flags and decision for one model output."""

    support: float | None
    """P(every text and argument claim is supported); `None` when there are none."""
    no_claims: bool = False
    """True when the output asserts nothing checkable (then `support` is `None`, not 1.0)."""
    claims: tuple[Claim, ...]
    """Every claim found, in output order (text and questions first, then arguments)."""
    flags: tuple[Flag, ...]
    """Findings, in claim order."""
    decision: Decision
    """The policy's decision."""
    policy: str
    """Name of the policy that decided."""
    estimator: str
    """Name of the estimator that scored the claims."""
    notes: tuple[str, ...] = ()
    """Anything the user should know about how this report was made (e.g. an estimator fallback)."""
    checked: bool = True
    """False when no estimator scored the output (the estimator failed and the policy's fail
    mode is `open` or `closed`): then there are no claims and the decision rests on no check."""
    estimator_error: str | None = None
    """Which estimator failed and why, when one did (`"estimator 'llm' failed: TimeoutError:
    ..."`), whether another then scored in its place or nothing did; `None` when none failed."""
    latency_ms: float
    """Wall time of the check."""

    @property
    def flagged_claims(self) -> list[Claim]:
        """Claims that carry at least one flag, in order."""
        ids = {f.claim_id for f in self.flags}
        return [c for c in self.claims if c.id in ids]

    def unsupported_spans(self) -> list[tuple[int, int]]:
        """Character spans `[start, end)` of the output's content that no source supports.

        The spans of the text claims labelled `unsupported` or `contradicted`, sorted, with
        overlapping or touching spans merged. Questions and tool-call arguments are left out:
        a question asserts nothing and an argument has no place in the text.

        Example:
            >>> from agentguard import Monitor
            >>> output = "Your order shipped on May 2. It will arrive on June 3."
            >>> report = Monitor().check(
            ...     messages=[{"role": "user", "content": "My order shipped on May 2."}],
            ...     output=output,
            ... )
            >>> [output[a:b] for a, b in report.unsupported_spans()]
            ['It will arrive on June 3.']
        """
        spans = sorted(
            c.span
            for c in self.claims
            if c.kind == "text" and c.span is not None and c.label != "supported"
        )
        merged: list[tuple[int, int]] = []
        for start, end in spans:
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        return merged


# -- the pipeline's own data: drafts before scoring, the context they are scored against --


@dataclass(frozen=True)
class ClaimDraft:
    """A claim as extraction finds it, before it is scored: what `Estimator.score` receives."""

    kind: ClaimKind
    """`text`, `argument` or `question`."""
    text: str
    """The clause or question as written; `path=value` for an argument."""
    span: tuple[int, int] | None = None
    """Character offsets in the output's content (text and question claims)."""
    sentence: str = ""
    """The whole sentence the claim is part of (text and question claims)."""
    tool: str | None = None
    """Tool name (argument claims)."""
    call_id: str | None = None
    """Id of the tool call the argument belongs to (argument claims)."""
    path: str | None = None
    """Flattened JSON path of the argument, e.g. `passengers[0].name` (argument claims)."""
    value: Scalar = None
    """The argument's value (argument claims)."""
    values: tuple[Value, ...] = ()
    """Typed values of a text claim (dates resolved against the context's today)."""
    sentence_span: tuple[int, int] | None = None
    """Span of the whole sentence the claim is part of (text and question claims)."""


@dataclass(frozen=True)
class MalformedCall:
    """A tool call whose arguments do not parse or do not fit the tool's schema."""

    index: int
    """Position of the call among the output's tool calls, from 0."""
    call_id: str | None
    """The call's id, when it has one."""
    tool: str
    """The tool name the call gives."""
    reason: str
    """What is wrong, in one line."""


@dataclass(frozen=True)
class ParamSchema:
    """What a tool schema says about one parameter."""

    tool: str
    """The tool the parameter belongs to."""
    path: str
    """Schema-level path of the parameter, list items as `[]` (`passengers[].name`)."""
    description: str = ""
    """The parameter's description."""
    type: str | None = None
    """Its JSON schema type, when it declares one."""
    enum: tuple[Any, ...] | None = None
    """Its allowed values, when it declares an enum."""
    default: Any = None
    """Its default value (see `has_default`)."""
    has_default: bool = False
    """True when the schema or the description declares a default (which may be `None`)."""
    required: bool = False
    """True when the parameter is required."""


@dataclass(frozen=True)
class Context:
    """Everything the agent legitimately has, as sources, plus the tool schemas."""

    sources: tuple[Source, ...]
    """The sources, in the order the agent saw them."""
    params: dict[tuple[str, str], ParamSchema] = field(default_factory=dict)
    """Parameter schemas by `(tool, schema-level path)`."""
    tools: dict[str, ToolDef] = field(default_factory=dict)
    """The tool definitions by name."""
    today: dt.date | None = None
    """The date the context says is today ("Today is 1 May 2024"), for relative dates."""
    memo: object | None = field(default=None, compare=False, repr=False)
    """What a session keeps between the checks of one conversation (`Monitor.session()`):
    estimators that know it reuse the work done on the sources seen before."""

    def param(self, tool: str | None, path: str | None) -> ParamSchema | None:
        """The schema of `tool`'s parameter at `path` (list indices ignored), if declared."""
        if tool is None or path is None:
            return None
        return self.params.get((tool, generic_path(path)))


@lru_cache(maxsize=4096)
def generic_path(path: str) -> str:
    """`passengers[0].name` -> `passengers[].name`: the schema-level path of an argument."""
    if "[" not in path:
        return path
    out, depth = [], 0
    for ch in path:
        if ch == "[":
            depth += 1
            out.append("[]")
        elif ch == "]":
            depth -= 1
        elif depth == 0:
            out.append(ch)
    return "".join(out)
