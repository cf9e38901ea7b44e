"""Eval reports: a compact terminal summary and one self-contained HTML page.

Both read the JSON-serialisable summary of an eval run (claims, responses and behaviour, each
overall and broken down by kind, tool, domain and model, every metric with a bootstrap interval)
plus the run header. Any part may be missing and any metric may be undefined: an undefined
metric shows its note ("one class only") instead of a number, so no `nan` ever reaches a reader.

Example:
    >>> text = render_summary(summary, run)  # doctest: +SKIP
    >>> write_html("eval.html", summary, run)  # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from html import escape
from pathlib import Path
from typing import Any

from agentguard.atomic import write_text_atomic
from agentguard.evaluation.harness.svg import (
    CSS,
    confusion_table,
    error_coverage_figure,
    finite,
    reliability_figure,
)

CLAIM_METRICS: dict[str, str] = {
    "ece_width": "ECE (width)",
    "ece_mass": "ECE (mass)",
    "mce": "MCE",
    "brier": "Brier",
    "brier_reliability": "Brier rel.",
    "brier_resolution": "Brier res.",
    "brier_uncertainty": "Brier unc.",
    "log_loss": "log loss",
    "auroc": "AUROC",
    "auprc": "AUPRC",
    "accuracy": "accuracy",
    "f1": "F1",
    "auec": "AUEC",
}
"""Claim and response metrics in display order, with their column names."""

BEHAVIOUR_METRICS: dict[str, str] = {
    "silent_assumption_rate": "silent-assumption rate",
    "ask_precision": "ask precision",
    "ask_recall": "ask recall",
    "redundant_question_rate": "redundant-question rate",
    "tool_forcing_rate": "tool-forcing rate",
}
"""Behaviour metrics in display order, with their row names."""

_BETTER = {"ask_precision": "higher", "ask_recall": "higher"}
_TERMINAL_COLS = (("ece_width", "ece_mass", "brier"), ("auroc", "auprc", "f1"))
_MAX_ROWS = 6  # groups per breakdown in the terminal; the HTML page lists them all
_LABEL, _CELL = 24, 23


def _map(node: Any, *keys: str) -> Mapping[str, Any]:
    """The mapping at `node[k1][k2]...`, or an empty one where any step is missing."""
    for key in keys:
        node = node.get(key) if isinstance(node, Mapping) else None
    return node if isinstance(node, Mapping) else {}


def _seq(node: Any) -> list[Any]:
    return list(node) if isinstance(node, (list, tuple)) else []


def _int(value: Any) -> str:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else "-"


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _fmt(metric: Any) -> str:
    """`0.123 [0.100, 0.150]`; the value alone without an interval; the note when undefined."""
    if not isinstance(metric, Mapping):
        return "n/a"
    value = finite(metric.get("value"))
    if value is None:
        return str(metric.get("note") or "undefined")
    lo, hi = finite(metric.get("low")), finite(metric.get("high"))
    return f"{value:.3f}" if lo is None or hi is None else f"{value:.3f} [{lo:.3f}, {hi:.3f}]"


def _groups(block: Mapping[str, Any], key: str) -> list[tuple[str, Mapping[str, Any]]]:
    """The groups of one breakdown, largest first, so a cut-off list keeps the big ones."""
    items = [(str(k), g) for k, g in _map(block, key).items() if isinstance(g, Mapping)]
    return sorted(items, key=lambda kv: (-_count(kv[1].get("n")), kv[0]))


def _run_fields(run: Mapping[str, Any], summary: Mapping[str, Any]) -> list[tuple[str, str]]:
    duration = finite(run.get("duration_s"))
    threshold = finite(summary.get("threshold"))
    fields = [
        ("run", run.get("run_id")),
        ("suites", ", ".join(str(s) for s in _seq(run.get("suites")))),
        ("policy", run.get("policy")),
        ("model", run.get("model")),
        ("estimator", run.get("estimator")),
        ("calibration", run.get("calibration") or "none"),
        ("cases", _int(run.get("cases"))),
        ("errors", _int(run.get("errors"))),
        ("started", run.get("started")),
        ("finished", run.get("finished")),
        ("duration", f"{duration:.2f} s" if duration is not None else None),
        ("support threshold", f"{threshold:.2f}" if threshold is not None else None),
    ]
    return [(k, "-" if v is None or v == "" else str(v)) for k, v in fields]


def _check(summary: Any, run: Any) -> None:
    for name, value in (("summary", summary), ("run", run)):
        if not isinstance(value, Mapping):
            raise TypeError(f"report: `{name}` must be a dict, got {type(value).__name__}")


# ---------------------------------------------------------------------------- terminal


class _Style:
    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.color else text


def _cell(metric: Any, style: _Style, *, last: bool = False) -> str:
    text = _fmt(metric)
    if len(text) >= _CELL:
        text = text[: _CELL - 2] + "…"
    defined = isinstance(metric, Mapping) and finite(metric.get("value")) is not None
    text = text if last else text.ljust(_CELL)
    return text if defined else style(text, "2")


def _label(text: str, width: int = _LABEL) -> str:
    return (text if len(text) < width else text[: width - 2] + "…").ljust(width)


def _run_lines(run: Mapping[str, Any], summary: Mapping[str, Any], st: _Style) -> list[str]:
    f = dict(_run_fields(run, summary))
    err = f"errors {f['errors']}"
    return [
        st(f"run {f['run']}", "1")
        + "".join(f"  {k} {f[k]}" for k in ("suites", "policy", "model")),
        "".join(f"  {k} {f[k]}" for k in ("estimator", "calibration", "cases"))
        + "  "
        + (err if f["errors"] in ("0", "-") else st(err, "31"))
        + f"  {f['duration']}",
    ]


def _claim_lines(summary: Mapping[str, Any], st: _Style) -> list[str]:
    claims = _map(summary, "claims")
    rows: list[tuple[str, Mapping[str, Any]]] = []
    if _map(claims, "overall"):
        rows.append(("overall", _map(claims, "overall")))
    hidden = []
    for key, word in (("by_kind", "kind"), ("by_domain", "domain")):
        groups = _groups(claims, key)
        rows += [(f"{word} {name}", g) for name, g in groups[:_MAX_ROWS]]
        if len(groups) > _MAX_ROWS:
            hidden.append(f"{len(groups) - _MAX_ROWS} more by {word}")
    if not rows:
        return [st("claims", "1") + "  none in this run"]
    threshold = finite(summary.get("threshold"))
    head = st("claims", "1") + (
        f" (support threshold {threshold:.2f})" if threshold is not None else ""
    )
    lines = [head]
    for cols in _TERMINAL_COLS:
        names = "".join(CLAIM_METRICS[c].ljust(_CELL) for c in cols).rstrip()
        lines.append(st(f"  {'':<{_LABEL}}{'n':>6}  {names}", "2"))
        for label, group in rows:
            metrics = _map(group, "metrics")
            cells = [_cell(metrics.get(c), st, last=i == len(cols) - 1) for i, c in enumerate(cols)]
            lines.append(f"  {_label(label)}{_int(group.get('n')):>6}  " + "".join(cells))
    if hidden:
        lines.append(st(f"  (+{', '.join(hidden)}: see the HTML report)", "2"))
    return lines


def _response_lines(summary: Mapping[str, Any], st: _Style) -> list[str]:
    overall = _map(summary, "responses", "overall")
    if not overall:
        return []
    metrics = _map(overall, "metrics")
    shown = (("ece_width", "ECE"), ("brier", "Brier"), ("auroc", "AUROC"))
    parts = [f"{name} {_fmt(metrics.get(k))}" for k, name in shown]
    return [st("responses", "1") + f" n={_int(overall.get('n'))}  " + "  ".join(parts)]


def _behaviour_lines(summary: Mapping[str, Any], st: _Style) -> list[str]:
    with_monitor = _map(summary, "behaviour", "overall")
    alone = _map(summary, "behaviour", "model_alone")
    if not with_monitor and not alone:
        return []
    n = _int(with_monitor.get("n") if with_monitor else alone.get("n"))
    lines = [
        st(f"behaviour (n={n})", "1"),
        st(f"  {'':<{_LABEL}}{'with monitor'.ljust(_CELL)}model alone", "2"),
    ]
    for key, name in BEHAVIOUR_METRICS.items():
        mine = _cell(_map(with_monitor, "metrics").get(key), st)
        theirs = _cell(_map(alone, "metrics").get(key), st, last=True)
        lines.append(f"  {_label(name)}{mine}{theirs}")
    return lines


def render_summary(
    summary: Mapping[str, Any], run: Mapping[str, Any], *, color: bool = False
) -> str:
    """A compact terminal summary of an eval run (about 25-40 lines).

    Args:
        summary: The eval summary (claims, responses, behaviour); any part may be missing.
        run: The run header: `run_id`, `suites`, `policy`, `model`, `estimator`, ...
        color: Add ANSI colours (bold headings, dim notes, red errors).

    Returns:
        The summary as text, without a final newline. Metrics read `0.123 [0.100, 0.150]`
        (value and 95% interval), or the metric's note, e.g. `one class only`, where undefined.

    Example:
        >>> print(render_summary(summary, run))  # doctest: +SKIP
    """
    _check(summary, run)
    st = _Style(color)
    blocks = [
        _run_lines(run, summary, st),
        _claim_lines(summary, st),
        _response_lines(summary, st),
        _behaviour_lines(summary, st),
    ]
    return "\n\n".join("\n".join(b) for b in blocks if b)


# ---------------------------------------------------------------------------- HTML


def _e(value: Any) -> str:
    return escape(str(value))


def _td(metric: Any) -> str:
    if not isinstance(metric, Mapping):
        return '<td class="na">n/a</td>'
    value, note = finite(metric.get("value")), metric.get("note")
    if value is None:
        return f'<td class="note">{_e(note or "undefined")}</td>'
    lo, hi = finite(metric.get("low")), finite(metric.get("high"))
    ci = (
        f'<span class="ci">[{lo:.3f}, {hi:.3f}]</span>' if lo is not None and hi is not None else ""
    )
    extra = f'<span class="note">{_e(note)}</span>' if note else ""
    return f'<td class="num">{value:.3f}{ci}{extra}</td>'


def _table(head: list[str], rows: list[list[str]]) -> str:
    """A table from escaped header names and rows of ready-made `<td>`/`<th>` cells."""
    ths = "".join(f"<th>{h}</th>" for h in head)
    body = "".join("<tr>" + "".join(r) + "</tr>" for r in rows)
    return f'<div class="wrap"><table><tr>{ths}</tr>{body}</table></div>'


def _group_table(
    title: str, groups: list[tuple[str, Mapping[str, Any]]], metrics: Mapping[str, str]
) -> str:
    counts = ["n", "n_supported"] if metrics is CLAIM_METRICS else ["n"]
    head = [_e(title), *(("supported" if c == "n_supported" else c) for c in counts)]
    rows = []
    for name, group in groups:
        cells = [f"<th>{_e(name)}</th>"] + [
            f'<td class="num">{_int(group.get(c))}</td>' for c in counts
        ]
        rows.append(cells + [_td(_map(group, "metrics").get(k)) for k in metrics])
    return _table(head + [_e(v) for v in metrics.values()], rows)


def _reliability_fig(label: str, group: Mapping[str, Any], scheme: str) -> str:
    bins = [b for b in _seq(_map(group, "reliability").get(scheme)) if isinstance(b, Mapping)]
    ece = _fmt(_map(group, "metrics").get(f"ece_{scheme}"))
    caption = f"{label}: equal-{scheme} bins, ECE {ece}, n={_int(group.get('n'))}"
    return reliability_figure(bins, f"reliability, {label}, equal-{scheme} bins", caption)


def _error_fig(label: str, group: Mapping[str, Any]) -> str:
    rc = _map(group, "error_coverage")
    auec = "AUEC " + _fmt(_map(group, "metrics").get("auec"))
    return error_coverage_figure(_seq(rc.get("coverage")), _seq(rc.get("error")), label, auec)


def _charts(charted: list[tuple[str, Mapping[str, Any]]]) -> str:
    rel = "".join(_reliability_fig(lab, g, s) for lab, g in charted for s in ("width", "mass"))
    errors = "".join(_error_fig(lab, g) for lab, g in charted)
    return (
        f'<h3>Reliability</h3><div class="figs">{rel}</div>'
        f'<h3>Error-coverage</h3><div class="figs">{errors}</div>'
    )


def _level_html(summary: Mapping[str, Any], key: str, breakdowns: tuple[str, ...]) -> str:
    """Charts and breakdown tables of the claim or the response level."""
    block, noun = _map(summary, key), key.rstrip("s")
    out = [f"<h2>{noun.capitalize()}-level support</h2>"]
    overall = _map(block, "overall")
    if not overall and not any(_map(block, f"by_{b}") for b in breakdowns):
        return out[0] + f'<p class="empty">No {noun}-level results in this run.</p>'
    charted = [(f"all {key}", overall)] if overall else []
    if "kind" in breakdowns:
        charted += [(f"{name} {key}", g) for name, g in _groups(block, "by_kind")]
    if charted:
        out.append(_charts(charted))
    if overall:
        out.append(
            "<h3>Overall</h3>" + _group_table(noun, [(f"all {key}", overall)], CLAIM_METRICS)
        )
    for b in breakdowns:
        if groups := _groups(block, f"by_{b}"):
            out.append(f"<h3>By {b}</h3>" + _group_table(b, groups, CLAIM_METRICS))
    return "".join(out)


def _behaviour_html(summary: Mapping[str, Any]) -> str:
    beh = _map(summary, "behaviour")
    with_monitor, alone = _map(beh, "overall"), _map(beh, "model_alone")
    out = ["<h2>Behaviour</h2>"]
    if not beh:
        return out[0] + '<p class="empty">No behaviour results in this run.</p>'
    rows = [
        [f"<th>{_e(name)}</th>", f"<td>{_BETTER.get(key, 'lower')}</td>"]
        + [_td(_map(g, "metrics").get(key)) for g in (with_monitor, alone)]
        for key, name in BEHAVIOUR_METRICS.items()
    ]
    n_head = [
        f"with monitor (n={_int(with_monitor.get('n'))})",
        f"model alone (n={_int(alone.get('n'))})",
    ]
    out.append(_table(["metric", "better", *n_head], rows))
    for b in ("domain", "model"):
        if groups := _groups(beh, f"by_{b}"):
            out.append(f"<h3>By {b}</h3>" + _group_table(b, groups, BEHAVIOUR_METRICS))
    out.append(confusion_table("Confusion: with monitor", _map(with_monitor, "confusion")))
    if alone:
        out.append(confusion_table("Confusion: model alone", _map(alone, "confusion")))
    return "".join(out)


def _run_html(run: Mapping[str, Any], summary: Mapping[str, Any]) -> str:
    rows = [[f"<th>{k}</th>", f"<td>{_e(v)}</td>"] for k, v in _run_fields(run, summary)]
    return "<h2>Run</h2>" + _table(["field", "value"], rows)


def render_html(summary: Mapping[str, Any], run: Mapping[str, Any]) -> str:
    """One self-contained HTML page: run info, reliability diagrams, error-coverage, tables.

    The page has inline CSS and SVG only: no scripts, fonts or URLs, so it opens from disk
    anywhere. Every string taken from `summary` or `run` is HTML-escaped.

    Args:
        summary: The eval summary (claims, responses, behaviour); any part may be missing.
        run: The run header: `run_id`, `suites`, `policy`, `model`, `estimator`, ...

    Returns:
        The page as a string.
    """
    _check(summary, run)
    title = _e(f"agentguard eval: {run.get('run_id') or 'run'}")
    body = [
        f"<h1>{title}</h1>",
        _run_html(run, summary),
        _level_html(summary, "claims", ("kind", "tool", "domain", "model")),
        _level_html(summary, "responses", ("domain", "model")),
        _behaviour_html(summary),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title><style>{CSS}</style></head><body>"
        + "\n".join(body)
        + "</body></html>\n"
    )


def write_html(
    path: str | os.PathLike[str], summary: Mapping[str, Any], run: Mapping[str, Any]
) -> Path:
    """Render the HTML report and write it atomically (temporary file, then `os.replace`).

    A reader never sees a half-written page: the old file stays until the new one is complete.

    Args:
        path: Where to write the page; missing parent folders are created.
        summary: The eval summary.
        run: The run header.

    Returns:
        The path written.
    """
    return write_text_atomic(path, render_html(summary, run))
