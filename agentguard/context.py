"""Turn messages, tool definitions and documents into sources with stable ids."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from agentguard.inputs import CheckInput, Message, ToolDef
from agentguard.text.dates import REFERENCE_CUES, find_reference_date
from agentguard.text.values import absolute_dates
from agentguard.types import Context, ParamSchema, Source


def _walk_schema(
    tool: str, schema: dict[str, Any], prefix: str, out: dict[tuple[str, str], ParamSchema]
) -> None:
    props = schema.get("properties")
    if not isinstance(props, dict):
        return
    required = set(schema.get("required") or [])
    for name, sub in props.items():
        if not isinstance(sub, dict):
            continue
        path = f"{prefix}.{name}" if prefix else name
        enum = sub.get("enum")
        typ = sub.get("type")
        description = str(sub.get("description") or "")
        default = (sub["default"],) if "default" in sub else described_default(description)
        out[(tool, path)] = ParamSchema(
            tool=tool,
            path=path,
            description=description,
            type=typ if isinstance(typ, str) else None,
            enum=tuple(enum) if isinstance(enum, list) else None,
            default=default[0] if default else None,
            has_default=default is not None,
            required=name in required,
        )
        if typ == "object":
            _walk_schema(tool, sub, path, out)
        elif typ == "array" and isinstance(sub.get("items"), dict):
            items = sub["items"]
            if items.get("type") == "object":
                _walk_schema(tool, items, f"{path}[]", out)


_DESCRIBED_DEFAULT = re.compile(
    r"\bdefaults?(?: value)?(?: is| to| of|\s*[:=])\s*(?:'(?P<q1>[^'\n]{1,80})'"
    r"|\"(?P<q2>[^\"\n]{1,80})\"|(?P<num>-?\d+(?:\.\d+)?(?:e-?\d+)?)(?![\w])"
    r"|(?P<word>true|false|zero)\b|(?P<bare>[\w/%°²³-]+))",
    re.IGNORECASE,
)
# "If user doesn't specify, please use 100": the same groups as `_DESCRIBED_DEFAULT`.
_UNSPECIFIED_USE = re.compile(
    r"\bif (?:the )?(?:user )?(?:does(?: no|n['’])t specify|not specified|unspecified)[,;]?"
    r"\s+(?:please\s+)?(?:use|set(?: it)? to|assume)\s+(?:'(?P<q1>[^'\n]{1,80})'"
    r"|\"(?P<q2>[^\"\n]{1,80})\"|(?P<num>-?\d+(?:\.\d+)?(?:e-?\d+)?)(?![\w])"
    r"|(?P<word>true|false|zero)\b|(?P<bare>[\w/%°²³-]+))",
    re.IGNORECASE,
)
_DEFAULT_WORDS = {"true": True, "false": False, "zero": 0}


def described_default(description: str) -> tuple[Any] | None:
    """The default a parameter's description states ("Default is 'cm'", "defaults to 0").

    A quoted string, a number, true, false or zero, or else the word that follows ("Default
    is km/h"). A default told in other words ("the current date") gives its first word,
    which no argument equals, so it supports nothing. The value is wrapped in a 1-tuple,
    so that a missing default (`None`) and a stated null differ.
    """
    if "efault" not in description and "specif" not in description:
        return None  # most descriptions: no need for the expressions
    m = _DESCRIBED_DEFAULT.search(description) or _UNSPECIFIED_USE.search(description)
    if m is None:
        return None
    if m["num"] is not None:
        x = float(m["num"])
        return (int(x) if x.is_integer() and "." not in m["num"] else x,)
    if m["word"] is not None:
        return (_DEFAULT_WORDS[m["word"].lower()],)
    return (next(g for g in (m["q1"], m["q2"], m["bare"]) if g is not None),)


def _schema_sources(params: dict[tuple[str, str], ParamSchema]) -> list[Source]:
    sources = []
    for (tool, path), p in params.items():
        parts = []
        if p.has_default:
            parts.append(f"default: {json.dumps(p.default)}")
        if p.enum:
            parts.append("one of: " + ", ".join(json.dumps(v) for v in p.enum))
        if parts:
            sources.append(Source(id=f"schema:{tool}.{path}", kind="schema", text="; ".join(parts)))
    return sources


def _message_sources(messages: list[Message]) -> list[Source]:
    sources: list[Source] = []
    call_names: dict[str, str] = {}
    n_user = n_tool = n_system = 0
    for m in messages:
        for call in m.tool_calls or []:
            if call.id:
                call_names[call.id] = call.function.name
        text = m.text
        if m.role in ("system", "developer"):
            n_system += 1
            sid = "system" if n_system == 1 else f"system#{n_system}"
            sources.append(Source(id=sid, kind="system", text=text))
        elif m.role == "user":
            n_user += 1
            sources.append(Source(id=f"user#{n_user}", kind="user", text=text))
        elif m.role == "tool":
            n_tool += 1
            name = call_names.get(m.tool_call_id or "", m.name or "tool")
            sources.append(Source(id=f"tool:{name}#{n_tool}", kind="tool", text=text))
        # Earlier assistant turns are not sources: a guess repeated is still a guess.
    return sources


def build_context(inp: CheckInput) -> Context:
    """Build the sources of a validated input.

    Ids: `system` (then `system#2`...), `user#N` (Nth user turn), `tool:NAME#N` (Nth tool
    result), `doc:ID`, `schema:TOOL.PARAM` (a parameter's default or enum).
    """
    sources = _message_sources(inp.messages)
    sources += [Source(id=f"doc:{d.id}", kind="doc", text=d.text) for d in inp.documents]
    params: dict[tuple[str, str], ParamSchema] = {}
    tools: dict[str, ToolDef] = {}
    for t in inp.tools:
        tools[t.function.name] = t
        _walk_schema(t.function.name, t.function.parameters, "", params)
    sources += _schema_sources(params)
    return Context(
        sources=tuple(sources), params=params, tools=tools, today=_reference_date(sources)
    )


def _reference_date(sources: list[Source]) -> dt.date | None:
    """The first date stated as today, looking in system prompts first."""
    system = [s for s in sources if s.kind == "system"]
    others = [s for s in sources if s.kind not in ("system", "schema")]
    for group in (system, others):
        with_cue = [s.text for s in group if any(cue in s.text.lower() for cue in REFERENCE_CUES)]
        found = find_reference_date(with_cue, absolute_dates) if with_cue else None
        if found is not None:
            return found
    return None
