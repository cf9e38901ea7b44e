"""The cases behind the figures of the HTML eval report.

Every reliability bin lists the cases (and claim ids) it holds, every miss of the behaviour
section (a silent assumption let through, a question that should not have been asked) lists
its cases, and each case id links to its row in the page's case table, which gives the case's
line in the run's trace: `agentguard view RUN_DIR` opens the trace there, and a viewer page
written into the run folder (`agentguard view RUN_DIR -o RUN_DIR/view.html`) opens at that line
from the link. The page stays free of scripts: lists fold with `<details>`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any

__all__ = [
    "CaseLinks",
    "bin_cases_html",
    "bin_members",
    "case_anchor",
    "cases_html",
    "misses_html",
    "needs_cases_html",
    "viewer_hint_html",
]

Rows = Sequence[Mapping[str, Any]]
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")
_MISSES: tuple[tuple[str, str, Callable[[Any, Any], bool]], ...] = (
    (
        "Silent assumptions let through",
        "the right action was to ask or call a tool; the output went through",
        lambda g, b: g in ("ask_user", "call_tool") and b == "allow",
    ),
    (
        "Wrong questions",
        "the monitor had the agent ask where the right action was another",
        lambda g, b: b == "ask_user" and g != "ask_user",
    ),
    (
        "Questions not asked",
        "the right action was to ask; the agent did something else",
        lambda g, b: g == "ask_user" and b not in ("ask_user", "allow"),
    ),
)


@dataclass
class CaseLinks:
    """What the report needs to link its figures to cases: the rows and where each case is."""

    folder: str
    """The run folder, as the user named it (for the `agentguard view` hint)."""
    results: list[dict[str, Any]] = field(default_factory=list)
    """The run's result lines (labelled gold applied)."""
    rows: tuple[list[dict[str, Any]], ...] = ([], [], [])
    """Claim, response and behaviour rows (`runner.rows`), each naming its suite and case."""
    lines: dict[tuple[str, str], int] = field(default_factory=dict)
    """(suite, case) -> the line of its report in the run's trace."""
    problems: list[str] = field(default_factory=list)
    """Lines of the label file that were skipped."""
    n_bins: int = 15
    """Bins of the reliability diagrams (as `summarize` made them)."""


def case_anchor(suite: Any, case: Any) -> str:
    """The id of a case's row in the case table: `case-<suite>-<id>`, odd characters coded."""
    raw = f"case-{suite}-{case}"
    return _UNSAFE.sub(lambda m: f"~{ord(m.group()):x}", raw)


def _case_link(suite: Any, case: Any, claims: Sequence[str] = ()) -> str:
    ids = f" ({', '.join(escape(str(c)) for c in claims)})" if claims else ""
    return (
        f'<a href="#{case_anchor(suite, case)}" title="{escape(str(suite))}">'
        f"{escape(str(case))}</a>{ids}"
    )


def bin_members(
    rows: Rows, bins: Sequence[Mapping[str, Any]], scheme: str, n_bins: int
) -> list[list[Mapping[str, Any]]] | None:
    """The rows in each bin of a reliability diagram, as `reliability_bins` assigns them.

    Returns None when the rows do not give the bins' counts (a summary from other rows).
    """
    import numpy as np

    from agentguard.evaluation.stats.resampling import bin_index

    if not rows:
        return None
    p = np.array([float(r["p"]) for r in rows], dtype=np.float64)
    idx = bin_index(p[None, :], n_bins, scheme)[0][0]
    members: list[list[Mapping[str, Any]]] = [[] for _ in range(n_bins)]
    for row, i in zip(rows, idx.tolist(), strict=True):
        members[i].append(row)
    if scheme == "mass":  # reliability_bins drops the empty bins of equal-mass binning
        members = [m for m in members if m]
    counts = [b.get("count") for b in bins]
    return members if counts == [len(m) for m in members] else None


def bin_cases_html(
    members: list[list[Mapping[str, Any]]], bins: Sequence[Mapping[str, Any]], slug: str
) -> str:
    """A folded table: each bin's range, count and cases (with claim ids), by bin."""
    out = []
    for k, (b, rows) in enumerate(zip(bins, members, strict=True)):
        if not rows:
            continue
        by_case: dict[tuple[str, str], list[str]] = {}
        for r in rows:
            claims = by_case.setdefault((str(r.get("suite")), str(r.get("case"))), [])
            if r.get("claim") is not None:
                claims.append(str(r["claim"]))
        links = ", ".join(_case_link(s, c, ids) for (s, c), ids in by_case.items())
        lo, hi = b.get("lo"), b.get("hi")
        span = f"{lo:.3f}-{hi:.3f}" if isinstance(lo, float) and isinstance(hi, float) else "-"
        out.append(
            f'<tr id="bin-{slug}-{k}"><td class="num">{span}</td>'
            f'<td class="num">{len(rows)}</td><td class="cases">{links}</td></tr>'
        )
    head = "<tr><th>bin</th><th>n</th><th>cases (claim ids)</th></tr>"
    return (
        f'<details class="bincases"><summary>cases per bin</summary><div class="wrap">'
        f"<table>{head}{''.join(out)}</table></div></details>"
    )


def misses_html(behaviour_rows: Rows) -> str:
    """The cases of each kind of miss of the monitor's behaviour, as lists of case links."""
    out = ["<h3>Misses</h3>"]
    for title, what, test in _MISSES:
        hit = [r for r in behaviour_rows if test(r.get("gold"), r.get("behaviour"))]
        links = ", ".join(
            _case_link(r.get("suite"), r.get("case"))
            + f' <span class="note">{escape(str(r.get("gold")))}'
            f" → {escape(str(r.get('behaviour')))}</span>"
            for r in hit
        )
        body = links or '<span class="empty">none</span>'
        out.append(
            f'<p class="miss"><b>{escape(title)}</b> ({len(hit)}; {escape(what)}): {body}</p>'
        )
    return "".join(out)


_NEED_LISTS: tuple[tuple[str, str, Callable[[Mapping[str, Any]], bool]], ...] = (
    ("recognised and acted on", "not needed; flagged, and the decision used the context",
     lambda i: not i.get("needed") and bool(i.get("acted"))),
    ("recognised, not acted on", "not needed; flagged, another decision",
     lambda i: not i.get("needed") and bool(i.get("flagged")) and not i.get("acted")),
    ("not recognised", "not needed; not flagged",
     lambda i: not i.get("needed") and not i.get("flagged")),
    ("wrongly suppressed", "needed; flagged as not needed or held back by the decision",
     lambda i: bool(i.get("needed")) and bool(i.get("suppressed"))),
)  # fmt: skip


def needs_cases_html(behaviour_rows: Rows) -> str:
    """The cases behind the counts of unneeded questions and calls, as lists of case links.

    Each list names the question's claim id or the call's id after the case.
    """
    out = []
    for kind, word in (("question", "Questions"), ("call", "Tool calls")):
        items = [(r, i) for r in behaviour_rows for i in r.get("needs") or []
                 if i.get("kind") == kind]  # fmt: skip
        if not items:
            continue
        for title, what, test in _NEED_LISTS:
            hit = [(r, i) for r, i in items if test(i)]
            links = ", ".join(
                _case_link(r.get("suite"), r.get("case"), [str(i.get("item"))]) for r, i in hit
            )
            body = links or '<span class="empty">none</span>'
            out.append(
                f'<p class="miss"><b>{word}, {escape(title)}</b> ({len(hit)}; {escape(what)}): '
                f"{body}</p>"
            )
    return "".join(out)


def _cell(value: Any) -> str:
    if value is None or value == "":
        return "<td>-</td>"
    if isinstance(value, float):
        return f'<td class="num">{value:.3f}</td>'
    return f"<td>{escape(str(value))}</td>"


def cases_html(links: CaseLinks) -> str:
    """The case table: every case of the run, each row the target of the figures' links."""
    head = ("case", "suite", "domain", "gold action", "behaviour", "decision", "support",
            "flags", "labels", "trace line")  # fmt: skip
    rows = []
    for r in links.results:
        suite, case = str(r.get("suite")), str(r.get("case"))
        line = links.lines.get((suite, case))
        labelled = sum(1 for c in r.get("claims") or [] if c.get("labelled"))
        view = (
            f'<td class="num"><a href="view.html#line={line}" title="in the viewer page of '
            f'the run folder">{line}</a></td>'
            if line is not None
            else "<td>-</td>"
        )
        flags = ", ".join(str(f) for f in r.get("flags") or []) or None
        cells = [
            f'<th id="{case_anchor(suite, case)}">{escape(case)}</th>',
            _cell(suite),
            _cell(r.get("domain")),
            _cell(r.get("gold_action")),
            _cell(r.get("behaviour")),
            _cell(r.get("action") or ("error" if r.get("error") else None)),
            _cell(r.get("support")),
            _cell(flags),
            _cell(labelled or None),
            view,
        ]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    ths = "".join(f"<th>{h}</th>" for h in head)
    return (
        f"<h2>Cases</h2><p>{len(rows)} cases; the figures above link here.</p>"
        f'<div class="wrap"><table class="cases"><tr>{ths}</tr>{"".join(rows)}</table></div>'
    )


def viewer_hint_html(folder: str) -> str:
    """How to open the run's cases: the viewer and inspect commands for the run folder."""
    quoted = escape(folder if re.fullmatch(r"[\w./~+-]+", folder) else repr(folder))
    return (
        f'<p class="hint">Open the cases: <code>agentguard view {quoted}</code> (the browser), '
        f"<code>agentguard inspect {quoted}</code> (the terminal). Each case id below links to "
        "its row in the case table, which gives its line in the trace; with "
        f"<code>agentguard view {quoted} -o {quoted}/view.html</code> the line links open the "
        "viewer there.</p>"
    )
