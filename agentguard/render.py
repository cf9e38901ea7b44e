"""A readable terminal rendering of a report: the output with assumed claims marked.

Below the claims comes the decision: the question to ask (`ask_user`), the resolver to call
(`call_tool`), or, for `use_context`, what the agent is told in place of its redundant question
or needless tool call (`decision.message`).
"""

from __future__ import annotations

import textwrap

from agentguard.types import Claim, Report

_FLAG_STYLE = {
    "silent_assumption": "31",  # red
    "contradiction": "35",  # magenta
    "declared_assumption": "33",  # yellow
    "redundant_question": "36",  # cyan: the agent asks for what it has
    "needless_question": "36",
    "needless_tool_call": "34",  # blue: the agent calls for what it has
    "malformed_tool_call": "31",
}
# The decision's colour: bold, and cyan where the agent goes on with what it already has.
_ACTION_STYLE = {"use_context": "1;36"}


class _Style:
    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.color else text

    def mark(self, text: str, code: str) -> str:
        return self(text, code + ";4") if self.color else f"[[{text}]]"


def _marked_output(text: str, report: Report, style: _Style) -> str:
    """The output text with each flagged text claim (and flagged argument value) marked."""
    kinds = {f.claim_id: f.type for f in report.flags if f.claim_id}
    spans: list[tuple[int, int, str]] = []
    for c in report.claims:
        if c.id not in kinds:
            continue
        code = _FLAG_STYLE[kinds[c.id]]
        if c.span is not None and c.kind == "text":
            spans.append((c.span[0], c.span[1], code))
        elif c.kind == "argument" and isinstance(c.value, str) and c.value:
            at = text.find(c.value)
            if at >= 0:
                spans.append((at, at + len(c.value), code))
    spans.sort()
    out, pos = [], 0
    for a, b, code in spans:
        if a < pos:
            continue  # nested in a span already marked
        out += [text[pos:a], style.mark(text[a:b], code)]
        pos = b
    out.append(text[pos:])
    return "".join(out)


def _claim_line(c: Claim, flag: str | None, style: _Style) -> str:
    what = f"{c.tool}.{c.path} = {c.value!r}" if c.kind == "argument" else c.text
    if len(what) > 70:
        what = what[:67] + "..."
    sources = ", ".join(dict.fromkeys(e.source for e in c.evidence)) or "no source"
    mark = style(f"  ! {flag}", _FLAG_STYLE[flag]) if flag else ""
    hedge = " (hedged)" if c.hedged else ""
    return (
        f"  {c.id:<4}{c.kind:<10}{c.support:>7.2f}  {c.label:<13}{what}{hedge}\n"
        f"{'':>6}evidence: {sources}{mark}"
    )


def render_report(report: Report, output_text: str, *, title: str = "", color: bool = False) -> str:
    """Render a report for a terminal; `color` adds ANSI colours, else `[[...]]` marks claims."""
    style = _Style(color)
    lines = []
    if title:
        lines.append(style(f"── {title} ", "1") + style("─" * max(0, 60 - len(title)), "2"))
    if output_text.strip():
        lines.append("output:")
        marked = _marked_output(output_text, report, style)
        for para in marked.splitlines():
            lines += textwrap.wrap(para, 96, initial_indent="  ", subsequent_indent="  ") or [""]
    flag_of = {f.claim_id: f.type for f in report.flags if f.claim_id}
    if report.claims:
        lines.append("claims:")
        lines.append(style(f"  {'id':<4}{'kind':<10}{'support':>7}  {'label':<13}claim", "2"))
        lines += [_claim_line(c, flag_of.get(c.id), style) for c in report.claims]
    else:
        lines.append("claims: none (the output asserts nothing checkable)")
    for f in report.flags:
        if f.claim_id is None:
            lines.append(style(f"  ! {f.type}: {f.message}", _FLAG_STYLE[f.type]))
    d = report.decision
    lines.append("decision: " + style(d.action.upper(), _ACTION_STYLE.get(d.action, "1")))
    if d.question:
        lines.append(f"  ask: {d.question}")
    if d.message:
        lines.append(f"  tell the agent: {d.message}")
    if d.tool_call:
        lines.append(f"  call: {d.tool_call.name} (resolves {', '.join(d.tool_call.resolves)})")
    lines.append(f"  why: {d.reason}")
    for note in report.notes:
        lines.append(f"  note: {note}")
    if report.support is not None:
        support = f"{report.support:.3f}"
    else:
        support = "n/a (questions only)" if report.claims else "n/a (no claims)"
    lines.append(
        style(
            f"support {support} · {len(report.claims)} claims · {len(report.flags)} flags · "
            f"policy {report.policy} · {report.latency_ms:.2f} ms",
            "2",
        )
    )
    return "\n".join(lines)
