"""The terminal rendering of `agentguard inspect`: records, the summary table, the footer.

Claims are coloured by support band: red below 0.3, yellow below the policy's threshold,
green at or above it; flagged claims are also underlined. Without colour, claims below the
threshold are marked `[[like this]]`, as in the `agentguard check` report.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from typing import Any

from agentguard.inspection.records import ShownClaim, ShownEvidence, ShownRecord, value_text
from agentguard.render import _FLAG_STYLE, _Style

__all__ = ["LOW_SUPPORT", "render_footer", "render_record", "render_summary"]

LOW_SUPPORT = 0.3
"""Below this, a claim is shown red; from it to the threshold, yellow."""
_WIDTH = 96
_RED, _YELLOW, _GREEN, _DIM, _BOLD = "31", "33", "32", "2", "1"


# Control characters of a record (a model's output may hold escape sequences) are shown as
# visible symbols, one for one so that spans still hold: a trace must not drive the terminal.
_CONTROLS = {c: 0x2400 + c for c in range(32) if c not in (9, 10)}
_CONTROLS |= {0x7F: 0x2421} | {c: 0xFFFD for c in range(0x80, 0xA0)}


def _printable(value: Any) -> Any:
    """`value` (a dumped record: dicts, lists, strings) with control characters made visible."""
    if isinstance(value, str):
        return value.translate(_CONTROLS)
    if isinstance(value, dict):
        return {k: _printable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_printable(v) for v in value]
    return value


def _band(support: float | None, threshold: float) -> str:
    if support is None:
        return _DIM
    if support < LOW_SUPPORT:
        return _RED
    return _YELLOW if support < threshold else _GREEN


def _mark(text: str, claim: ShownClaim, style: _Style, threshold: float) -> str:
    """A claim's text in its band's colour; without colour, `[[...]]` when below threshold."""
    low = claim.support is None or claim.support < threshold
    if not style.color:
        return f"[[{text}]]" if low or claim.flags else text
    code = _band(claim.support, threshold)
    return style(text, code + (";4" if claim.flags else ""))


def _marked_output(record: ShownRecord, style: _Style, threshold: float) -> str:
    text = record.output_text
    spans = [(c.span, c) for c in record.claims if c.span is not None]
    spans.sort(key=lambda found: found[0])
    out, pos = [], 0
    for (a, b), claim in spans:
        if a < pos:
            continue  # nested in a claim already marked
        out += [text[pos:a], _mark(text[a:b], claim, style, threshold)]
        pos = b
    out.append(text[pos:])
    return "".join(out)


def _calls(record: ShownRecord, style: _Style, threshold: float) -> list[str]:
    """One line per tool call, its arguments coloured by support."""
    calls: dict[tuple[str | None, str | None], list[ShownClaim]] = {}
    for claim in record.claims:
        if claim.kind == "argument":
            calls.setdefault((claim.tool, claim.call_id), []).append(claim)
    lines = []
    for (tool, _), args in calls.items():
        shown = ", ".join(
            f"{c.path}={_mark(value_text(c.value), c, style, threshold)}" for c in args
        )
        lines.append(f"  {tool}({shown})")
    return lines


def _header(record: ShownRecord, style: _Style) -> str:
    who = record.input_id or (
        f"sha256:{record.input_sha256[:12]}" if record.input_sha256 else "(no input id)"
    )
    parts = [f"line {record.line}", who]
    if record.suite or record.domain:
        parts.append("/".join(dict.fromkeys(p for p in (record.suite, record.domain) if p)))
    if record.thread:
        parts.append(f"thread {record.thread}" + (f" step {record.step}" if record.step else ""))
    if record.time:
        parts.append(record.time.replace("T", " ")[:19])
    parts.append((record.decision or "no decision").upper())
    title = " · ".join(parts)
    return style(f"── {title} ", _BOLD) + style("─" * max(0, 70 - len(title)), _DIM)


def _evidence_lines(e: ShownEvidence, style: _Style) -> list[str]:
    where = e.source + (f" [{e.span[0]}:{e.span[1]}]" if e.span else "")
    said = f" {e.text!r}" if e.text is not None and e.before is None else ""
    note = f" — {e.note}" if e.note else ""
    code = _RED if e.note and ("denies" in e.note or "contradict" in e.note) else _DIM
    lines = [f"      evidence {style(where, code)}{_clip(said, 80)}{note}"]
    if e.before is not None and e.text is not None:
        window = (
            ("…" if len(e.before) >= 60 else "")
            + e.before
            + (style(e.text, _BOLD + ";4") if style.color else f"[[{e.text}]]")
            + (e.after or "")
            + ("…" if e.after is not None and len(e.after) >= 60 else "")
        )
        lines.append("        " + " ".join(window.split()))
    return lines


def _wrapped(text: str, indent: str) -> list[str]:
    return textwrap.wrap(text, _WIDTH, initial_indent=indent, subsequent_indent=indent + "  ")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _flagged_lines(claim: ShownClaim, style: _Style, threshold: float) -> list[str]:
    support = "n/a" if claim.support is None else f"{claim.support:.2f}"
    band = style(f"support {support}", _band(claim.support, threshold))
    lines = []
    for flag in claim.flags:
        lines.append(style(f"  ! {flag}", _FLAG_STYLE.get(flag, _RED)) + f"  {claim.id or ''}")
    what = _clip(claim.what(), 90) + (" (hedged)" if claim.hedged else "")
    lines.append(f"    {what}")
    lines.append(f"    {band} · {claim.label or 'no label'} · {claim.kind or '?'}")
    for message in dict.fromkeys(m for m in claim.messages if m):
        lines += _wrapped(f"why: {_clip(message, 300)}", "    ")
    if not claim.evidence:
        lines.append("      evidence: none (no source states it)")
    for e in claim.evidence:
        lines += _evidence_lines(e, style)
    return lines


def render_record(record: ShownRecord, *, color: bool, threshold: float = 0.5) -> str:
    """One record: header, marked output, tool calls, flagged claims and decision."""
    style = _Style(color)
    record = ShownRecord.model_validate(_printable(record.model_dump()))
    lines = [_header(record, style)]
    label = "output (rebuilt from its claims):" if record.output_rebuilt else "output:"
    if record.output_text.strip():
        lines.append(label)
        for para in _marked_output(record, style, threshold).splitlines():
            wrapped = textwrap.wrap(para, _WIDTH, initial_indent="  ", subsequent_indent="  ")
            lines += wrapped or [""]
    calls = _calls(record, style, threshold)
    if calls:
        lines += ["calls:", *calls]
    flagged = record.flagged
    if flagged or record.other_flags:
        lines.append("flagged:")
    for claim in flagged:
        lines += _flagged_lines(claim, style, threshold)
    for flag in record.other_flags:
        lines.append(style(f"  ! {flag['type']}", _FLAG_STYLE.get(flag["type"], _RED)))
        lines += _wrapped(_clip(flag["message"], 300), "    ")
    lines.append("decision: " + style((record.decision or "none").upper(), _BOLD))
    if record.reason:
        lines += _wrapped(f"why: {record.reason}", "  ")
    if record.question:
        lines += _wrapped(f"ask: {record.question}", "  ")
    return "\n".join(lines)


def render_summary(entries: Iterable[dict[str, Any]], *, color: bool) -> str:
    """The table of flagged claims by tool and parameter, most flagged first."""
    style = _Style(color)
    entries = _printable(list(entries))
    head = ("tool", "parameter", "flags", "records", "mean support", "flag types")
    rows = [
        (
            e["tool"] or "(no tool)",
            e["param"] or "-",
            str(e["flags"]),
            str(e["records"]),
            "n/a" if e["mean_support"] is None else f"{e['mean_support']:.3f}",
            ", ".join(e["flag_types"]),
        )
        for e in entries
    ]
    if not rows:
        return "no flagged claim matched"
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(5)]
    right = (False, False, True, True, True)

    def cells(row: tuple[str, ...]) -> str:
        parts = [
            c.rjust(w) if r else c.ljust(w) for c, w, r in zip(row[:5], widths, right, strict=True)
        ]
        return "  ".join([*parts, row[5]])

    return "\n".join([style(cells(head), _DIM), *(cells(r) for r in rows)])


def render_footer(shown: int, offset: int, limit: int, matched: int, total: int) -> str:
    """Which records were shown of how many, and how to see the next page."""
    if matched == 0:
        return f"no record matched ({total} report records in the trace)"
    if shown == 0:
        return f"{matched} records matched; none from --offset {offset} on"
    pages = -(-matched // limit) if limit else 1
    page = offset // limit + 1 if limit else 1
    text = f"records {offset + 1}-{offset + shown} of {matched} matched (page {page} of {pages})"
    if offset + shown < matched:
        text += f"; next page: the same command with --offset {offset + shown}"
    return text
