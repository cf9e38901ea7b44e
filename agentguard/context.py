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


class _MessageSources:
    """The sources of a conversation's messages, added one message at a time."""

    def __init__(self) -> None:
        self.sources: list[Source] = []
        self.system_today: dt.date | None = None
        """The first date a system prompt states as today."""
        self.other_today: dt.date | None = None
        """The first date another message states as today."""
        self._call_names: dict[str, str] = {}
        self._n = {"system": 0, "user": 0, "tool": 0}

    def add(self, m: Message) -> None:
        for call in m.tool_calls or []:
            if call.id:
                self._call_names[call.id] = call.function.name
        if m.role in ("system", "developer"):
            n = self._n["system"] = self._n["system"] + 1
            self._append(
                Source(id="system" if n == 1 else f"system#{n}", kind="system", text=m.text)
            )
        elif m.role == "user":
            n = self._n["user"] = self._n["user"] + 1
            self._append(Source(id=f"user#{n}", kind="user", text=m.text))
        elif m.role == "tool":
            n = self._n["tool"] = self._n["tool"] + 1
            name = self._call_names.get(m.tool_call_id or "", m.name or "tool")
            self._append(Source(id=f"tool:{name}#{n}", kind="tool", text=m.text))
        # Earlier assistant turns are not sources: a guess repeated is still a guess.

    def _append(self, source: Source) -> None:
        self.sources.append(source)
        if source.kind == "system" and self.system_today is None:
            self.system_today = _stated_today(source.text)
        elif source.kind != "system" and self.other_today is None:
            self.other_today = _stated_today(source.text)


def build_context(inp: CheckInput) -> Context:
    """Build the sources of a validated input.

    Ids: `system` (then `system#2`...), `user#N` (Nth user turn), `tool:NAME#N` (Nth tool
    result), `doc:ID`, `schema:TOOL.PARAM` (a parameter's default or enum).
    """
    found = _MessageSources()
    for m in inp.messages:
        found.add(m)
    return _context(inp, found, None)


class ContextHistory:
    """One conversation's message sources, kept between its checks (`Monitor.session()`).

    `build` reads only the messages after those it has seen (the same `Message` objects, as
    `InputHistory` hands them back); documents and tools are read on every check. Every context
    it builds carries `memo`, where estimators keep their own work on the sources.
    """

    def __init__(self, memo: object | None = None) -> None:
        """Start with no messages seen; `memo` goes into each context built."""
        self.memo = memo
        self._messages: list[Message] = []
        self._found = _MessageSources()

    def build(self, inp: CheckInput) -> Context:
        """The context of `inp`, the same as `build_context(inp)` gives."""
        seen, messages = self._messages, inp.messages
        k = 0
        n = min(len(seen), len(messages))
        while k < n and messages[k] is seen[k]:
            k += 1
        if k < len(seen):
            self._found, k = _MessageSources(), 0  # the history changed: read it again
        for m in messages[k:]:
            self._found.add(m)
        self._messages = list(messages)
        return _context(inp, self._found, self.memo)


def _context(inp: CheckInput, found: _MessageSources, memo: object | None) -> Context:
    sources = list(found.sources)
    docs = [Source(id=f"doc:{d.id}", kind="doc", text=d.text) for d in inp.documents]
    sources += docs
    params: dict[tuple[str, str], ParamSchema] = {}
    tools: dict[str, ToolDef] = {}
    for t in inp.tools:
        tools[t.function.name] = t
        _walk_schema(t.function.name, t.function.parameters, "", params)
    sources += _schema_sources(params)
    # The first date stated as today, looking in system prompts first.
    today = found.system_today or found.other_today
    if today is None:
        today = next((d for d in map(_stated_today, (d.text for d in docs)) if d), None)
    return Context(sources=tuple(sources), params=params, tools=tools, today=today, memo=memo)


def _stated_today(text: str) -> dt.date | None:
    """The date a text states as today ("Today is 3 May 2024"), if it states one."""
    lowered = text.lower()
    if not any(cue in lowered for cue in REFERENCE_CUES):
        return None
    return find_reference_date([text], absolute_dates)
