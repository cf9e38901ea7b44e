"""Eval suites: JSONL cases in the `check` input form plus gold labels.

One case per line:

    {"id": "travel-001", "domain": "travel",
     "messages": [...], "tools": [...], "documents": [...],
     "output": {...} | null, "resolvers": {"order_id": "find_orders"},
     "gold": {"action": "ask_user", "supported": false,
              "claims": [{"path": "origin", "supported": false}], "others": true}}

`output` is the recorded model output (offline replay); when it is `null` a live model
(`agentguard eval --model`) produces it. `gold` needs at least one of `action` (the right move
for the agent at this point), `supported` (the whole output) or `claims` (per claim).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from agentguard.errors import InputError, from_validation_error
from agentguard.input_limits import MAX_DEPTH, MAX_NUMBER_DIGITS, short
from agentguard.inputs import Document, Message, Output, ToolDef, parse_check_input

MAX_LINE_BYTES = 16 << 20
"""Longest suite line read, in bytes (a case at `MAX_INPUT_CHARS` of text fits, escaped)."""
_SURROGATE = re.compile("[\ud800-\udfff]")

GoldAction = Literal["allow", "ask_user", "call_tool", "block", "retry"]
"""The right move, named as the monitor's decisions are: proceed (`allow`: send the text, make
the tool call the output makes), ask the user, call a resolver tool, refuse (`block`), or
regenerate the output (`retry`). `annotate` is `allow` with a note, so gold never needs it."""
GOLD_ACTIONS: tuple[str, ...] = ("allow", "ask_user", "call_tool", "block", "retry")
LEGACY_ACTIONS = {"answer": "allow", "refuse": "block"}
"""Gold action names of earlier suite files, read as the decision names they mean."""


class GoldClaim(BaseModel):
    """The gold label of the claims one entry matches."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str | None = None
    """Argument claims: the argument's JSON path (`origin`, `passengers[0].name`)."""
    tool: str | None = None
    """Argument claims: the tool, when the path alone is ambiguous."""
    text: str | None = None
    """Text and question claims: a part of the claim's text (case is ignored)."""
    supported: bool
    """True when the context supports the claim (for a question: already answers it)."""

    @model_validator(mode="after")
    def _one_selector(self) -> GoldClaim:
        if (self.path is None) == (self.text is None):
            raise ValueError("give exactly one of 'path' (an argument) or 'text' (a sentence)")
        return self


class Gold(BaseModel):
    """What is right for a case."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    action: GoldAction | None = None
    """The right move for the agent given its context."""
    supported: bool | None = None
    """Whether the context supports the whole output (response level)."""
    claims: list[GoldClaim] = Field(default_factory=list)
    """Labels of single claims."""
    others: bool | None = None
    """The label of claims no entry of `claims` matches; `None` leaves them unlabeled."""
    needless_calls: list[str] | None = None
    """Ids of the output's tool calls whose result the agent already has (the same call made
    before with its result in the conversation, or arithmetic a calculator is asked to do that
    needs no tool); the output's other calls are needed. `None` leaves its calls unlabeled."""

    @field_validator("action", mode="before")
    @classmethod
    def _current_name(cls, value: object) -> object:
        return LEGACY_ACTIONS.get(value, value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _something(self) -> Gold:
        if (
            self.action is None
            and self.supported is None
            and not self.claims
            and self.others is None
            and self.needless_calls is None
        ):
            raise ValueError(
                "gold needs at least one of 'action', 'supported', 'claims', 'others', "
                "'needless_calls'"
            )
        return self


class EvalCase(BaseModel):
    """One eval case: a `check` input (with or without the output) and its gold labels."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    """Unique within its suite."""
    domain: str | None = None
    """A tag for breakdowns (`travel`, `support`, ...)."""
    messages: list[Message]
    """The conversation so far, OpenAI chat format."""
    tools: list[ToolDef] = Field(default_factory=list)
    """Tool definitions the model had."""
    documents: list[Document] = Field(default_factory=list)
    """Retrieved documents the model had."""
    output: Output | None = None
    """The recorded output to replay; `None` asks a live model for one."""
    resolvers: dict[str, str] = Field(default_factory=dict)
    """Facts the case's tools can supply, as `@tool(resolves=...)` declares them: a parameter
    path or `text:KIND`, mapped to the tool (`{"order_id": "find_orders"}`)."""
    gold: Gold
    """The gold labels."""
    metadata: dict[str, Any] = Field(default_factory=dict)
    """Free-form, echoed into the results."""

    def check_input(self, output: Output | dict[str, Any] | None = None) -> dict[str, Any]:
        """The `check` input of this case, with `output` (or the recorded one)."""
        out = output if output is not None else self.output
        if out is None:
            raise ValueError(f"case {self.id!r} has no recorded output: a live model must give one")
        return {
            "id": self.id,
            "messages": [m.model_dump(exclude_none=True) for m in self.messages],
            "tools": [t.model_dump() for t in self.tools],
            "documents": [d.model_dump() for d in self.documents],
            "output": out if isinstance(out, dict) else out.model_dump(exclude_none=True),
            "metadata": self.metadata,
        }


@dataclass(frozen=True)
class Suite:
    """A named list of cases."""

    name: str
    cases: tuple[EvalCase, ...]
    path: str = ""


def parse_case(data: object, where: str) -> EvalCase:
    """Validate one case (a parsed JSON object).

    Raises:
        InputError: naming `where` and the field.
    """
    if not isinstance(data, dict):
        raise InputError(where, f"a case must be a JSON object, not {type(data).__name__}")
    try:
        case = EvalCase.model_validate(data)
    except ValidationError as exc:
        field, what = from_validation_error(exc)
        raise InputError(f"{where}: {field}", what) from None
    names = {t.function.name for t in case.tools}
    for fact, tool in case.resolvers.items():
        if tool not in names:
            raise InputError(
                f"{where}: resolvers.{fact}", f"{tool!r} is not one of the case's tools"
            )
    if case.gold.needless_calls is not None and case.output is not None:
        ids = {c.id for c in case.output.tool_calls or []}
        for n, call_id in enumerate(case.gold.needless_calls):
            if call_id not in ids:
                raise InputError(
                    f"{where}: gold.needless_calls[{n}]",
                    f"{short(call_id)} is not the id of a tool call of the output",
                )
    if case.output is not None:
        try:
            parse_check_input(case.check_input())
        except InputError as exc:
            raise InputError(f"{where}: {exc.where}", exc.what) from None
    return case


def load_suite(path: str | Path, name: str | None = None) -> Suite:
    """Read a JSONL suite; every malformed line is named by file, line number and field.

    Lines are split on newlines only (a raw U+2028 inside a string stays in its line), read one at
    a time, and each must be UTF-8 (a byte-order mark on the first is allowed), at most
    `MAX_LINE_BYTES` long, nested at most `MAX_DEPTH` deep, and free of lone surrogates.

    Raises:
        InputError: for a missing or unreadable file, a line that is not a valid case, a
            duplicate id, or an empty suite.
    """
    path = Path(path)
    try:
        regular, exists = path.is_file(), path.exists()
    except (OSError, ValueError) as exc:  # a name too long, a NUL byte in it, ...
        raise InputError(short(str(path)), f"cannot read suite ({exc})") from None
    if not regular:
        what = "not a regular file" if exists else "no such file"
        raise InputError(str(path), f"cannot read suite ({what})")
    cases: list[EvalCase] = []
    seen: dict[str, int] = {}
    try:
        with path.open("rb") as f:
            for n, data in _json_lines(f, str(path)):
                where = f"{path}:{n}"
                case = parse_case(data, where)
                if case.id in seen:
                    raise InputError(
                        f"{where}: id",
                        f"duplicate id {short(case.id)} (first on line {seen[case.id]})",
                    )
                seen[case.id] = n
                cases.append(case)
    except OSError as exc:
        raise InputError(str(path), f"cannot read suite ({exc.strerror})") from None
    if not cases:
        raise InputError(str(path), "the suite has no cases")
    return Suite(name=name or path.stem, cases=tuple(cases), path=str(path))


def _json_lines(f: BinaryIO, name: str) -> Iterator[tuple[int, object]]:
    """`(line number, parsed JSON)` of each non-blank line of `f`.

    Raises:
        InputError: naming `name:line` (and the field, for a value past a limit).
    """
    for n, raw in enumerate(iter(lambda: f.readline(MAX_LINE_BYTES + 1), b""), 1):
        where = f"{name}:{n}"
        if len(raw) > MAX_LINE_BYTES:
            raise InputError(where, f"a line longer than {MAX_LINE_BYTES:,} bytes (MAX_LINE_BYTES)")
        try:
            line = raw.decode("utf-8-sig" if n == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            bad = raw[exc.start]
            raise InputError(
                where, f"not UTF-8 text (byte 0x{bad:02X} at byte {exc.start})"
            ) from None
        if not line.strip():
            continue
        try:
            data = json.loads(line, parse_int=_int)
        except _LongNumber:
            raise InputError(
                where,
                f"an integer of more than {MAX_NUMBER_DIGITS} digits; "
                f"the limit is {MAX_NUMBER_DIGITS} (MAX_NUMBER_DIGITS)",
            ) from None
        except RecursionError:
            raise InputError(where, f"nested deeper than {MAX_DEPTH} levels (MAX_DEPTH)") from None
        except ValueError as exc:
            raise InputError(where, f"not JSON ({str(exc)[:120]})") from None
        problem = _unfit(data)
        if problem is not None:
            raise InputError(f"{where}: {problem[0]}", problem[1])
        yield n, data


class _LongNumber(ValueError):
    """An integer past `MAX_NUMBER_DIGITS`, found while parsing."""


def _int(text: str) -> int:
    # Python's own limit (4,300 digits) would fail later and with a less useful message.
    if len(text) > MAX_NUMBER_DIGITS + 1 and len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise _LongNumber(text[:20])
    return int(text)


def _unfit(data: object) -> tuple[str, str] | None:
    """`(field, problem)` for the first value past the depth limit or holding a lone surrogate.

    A lone surrogate (an escaped U+D800 to U+DFFF in JSON) is no Unicode character: no report,
    result line or trace could hold it as UTF-8, so the suite is refused, its text unchanged.
    """
    stack: list[tuple[object, str, int]] = [(data, "", 0)]
    while stack:
        node, at, depth = stack.pop()
        if isinstance(node, str):
            if _SURROGATE.search(node):
                return at or "case", "a lone surrogate (not valid Unicode)"
            continue
        if not isinstance(node, (dict, list)):
            continue
        if depth >= MAX_DEPTH:
            return _cut(at), f"nested deeper than {MAX_DEPTH} levels (MAX_DEPTH)"
        items = list(node.items()) if isinstance(node, dict) else list(enumerate(node))
        for key, value in reversed(items):  # popped in document order
            if isinstance(key, str) and _SURROGATE.search(key):
                return at or "case", f"a key with a lone surrogate ({short(key)})"
            stack.append((value, _cut(_join(at, key)), depth + 1))
    return None


def _join(at: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{at}[{key}]"
    return f"{at}.{key[:40]}" if at else key[:40]


def _cut(at: str) -> str:
    # A deep location keeps its start and its end.
    return at if len(at) <= 120 else f"{at[:70]}...{at[-40:]}"
