"""Eval reports: a compact terminal summary and one self-contained HTML page.

Both read the JSON-serialisable summary of an eval run (claims, responses and behaviour, each
overall and broken down by kind, tool, domain and model, every metric with a bootstrap interval)
plus the run header. Any part may be missing and any metric may be undefined: an undefined
metric shows its note ("one class only") instead of a number, so no `nan` ever reaches a reader.
The terminal summary is `report_terminal.render_summary`, also importable from here.

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
from agentguard.evaluation.harness.needs import NEED_COUNTS
from agentguard.evaluation.harness.report_cases import (
    CaseLinks,
    bin_cases_html,
    bin_members,
    cases_html,
    misses_html,
    needs_cases_html,
    viewer_hint_html,
)
from agentguard.evaluation.harness.report_common import (
    BEHAVIOUR_METRICS,
    CLAIM_METRICS,
    _check,
    _count,
    _fmt,
    _groups,
    _int,
    _map,
    _run_fields,
    _seq,
)
from agentguard.evaluation.harness.report_terminal import render_summary
from agentguard.evaluation.harness.svg import (
    CSS,
    confusion_table,
    error_coverage_figure,
    finite,
    reliability_figure,
)

__all__ = ["BEHAVIOUR_METRICS", "CLAIM_METRICS", "render_html", "render_summary", "write_html"]

_BETTER = {"ask_precision": "higher", "ask_recall": "higher"}


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


Charted = tuple[str, Mapping[str, Any], "list[dict[str, Any]] | None"]


def _reliability_fig(chart: Charted, scheme: str, n_bins: int) -> str:
    label, group, rows = chart
    bins = [b for b in _seq(_map(group, "reliability").get(scheme)) if isinstance(b, Mapping)]
    ece = _fmt(_map(group, "metrics").get(f"ece_{scheme}"))
    caption = f"{label}: equal-{scheme} bins, ECE {ece}, n={_int(group.get('n'))}"
    members = bin_members(rows, bins, scheme, n_bins) if rows is not None else None
    if members is None:
        return reliability_figure(bins, f"reliability, {label}, equal-{scheme} bins", caption)
    slug = "-".join(label.split()) + f"-{scheme}"
    links = [f"#bin-{slug}-{k}" if m else None for k, m in enumerate(members)]
    return reliability_figure(bins, f"reliability, {label}, equal-{scheme} bins", caption,
                              links=links, extra=bin_cases_html(members, bins, slug))  # fmt: skip


def _error_fig(label: str, group: Mapping[str, Any]) -> str:
    rc = _map(group, "error_coverage")
    auec = "AUEC " + _fmt(_map(group, "metrics").get("auec"))
    return error_coverage_figure(_seq(rc.get("coverage")), _seq(rc.get("error")), label, auec)


def _charts(charted: list[Charted], n_bins: int) -> str:
    rel = "".join(_reliability_fig(c, s, n_bins) for c in charted for s in ("width", "mass"))
    errors = "".join(_error_fig(lab, g) for lab, g, _ in charted)
    return (
        f'<h3>Reliability</h3><div class="figs">{rel}</div>'
        f'<h3>Error-coverage</h3><div class="figs">{errors}</div>'
    )


def _level_html(
    summary: Mapping[str, Any],
    key: str,
    breakdowns: tuple[str, ...],
    cases: CaseLinks | None = None,
) -> str:
    """Charts and breakdown tables of the claim or the response level."""
    block, noun = _map(summary, key), key.rstrip("s")
    out = [f"<h2>{noun.capitalize()}-level support</h2>"]
    overall = _map(block, "overall")
    if not overall and not any(_map(block, f"by_{b}") for b in breakdowns):
        return out[0] + f'<p class="empty">No {noun}-level results in this run.</p>'
    rows = None if cases is None else cases.rows[0 if key == "claims" else 1]
    charted: list[Charted] = [(f"all {key}", overall, rows)] if overall else []
    if "kind" in breakdowns:
        charted += [
            (f"{name} {key}", g, None if rows is None else [r for r in rows if r["kind"] == name])
            for name, g in _groups(block, "by_kind")
        ]
    if charted:
        out.append(_charts(charted, cases.n_bins if cases is not None else 15))
    if overall:
        out.append(
            "<h3>Overall</h3>" + _group_table(noun, [(f"all {key}", overall)], CLAIM_METRICS)
        )
    for b in breakdowns:
        if groups := _groups(block, f"by_{b}"):
            out.append(f"<h3>By {b}</h3>" + _group_table(b, groups, CLAIM_METRICS))
    return "".join(out)


def _behaviour_html(summary: Mapping[str, Any], cases: CaseLinks | None = None) -> str:
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
    if cases is not None:
        out.append(misses_html(cases.rows[2]))
    if alone:
        out.append(confusion_table("Confusion: model alone", _map(alone, "confusion")))
    return "".join(out)


def _need_table(title: str, groups: list[tuple[str, Mapping[str, Any]]]) -> str:
    rows = []
    for name, block in groups:
        for group, word in (("questions", "questions"), ("calls", "tool calls")):
            counts = _map(block, group)
            if not any(_count(counts.get(k)) for k in NEED_COUNTS):
                continue
            label = word if title == "" else f"{name}: {word}"
            rows.append([f"<th>{_e(label)}</th>"] + [
                f'<td class="num">{_count(counts.get(k))}</td>' for k in NEED_COUNTS
            ])  # fmt: skip
    head = [_e(title or "output"), *(_e(v) for v in NEED_COUNTS.values())]
    return _table(head, rows) if rows else ""


def _needless_html(summary: Mapping[str, Any], cases: CaseLinks | None = None) -> str:
    """Counts of questions and tool calls the agent did not need, with the cases behind them."""
    block = _map(summary, "needless")
    overall = _need_table("", [("all", _map(block, "overall"))])
    out = ["<h2>Questions and tool calls not needed</h2>"]
    if not overall:
        return out[0] + '<p class="empty">No labelled questions or tool calls in this run.</p>'
    out.append(
        "<p>Not needed: a question the context already answers (or an optional parameter's "
        "default settles), a tool call whose result the agent already has. Recognised: flagged "
        "so; acted on: the decision <code>use_context</code>. Wrongly suppressed: a needed "
        "question or call flagged as not needed, or a needed question held back by "
        "<code>use_context</code>.</p>"
    )
    out.append(overall)
    for b in ("suite", "domain"):
        groups = sorted(_map(block, f"by_{b}").items())
        if b == "domain" and _map(block, "by_domain") == _map(block, "by_suite"):
            continue
        if len(groups) > 1 and (table := _need_table(b, [(str(k), g) for k, g in groups])):
            out.append(f"<h3>By {b}</h3>" + table)
    if cases is not None:
        out.append("<h3>Cases</h3>" + needs_cases_html(cases.rows[2]))
    return "".join(out)


def _run_html(run: Mapping[str, Any], summary: Mapping[str, Any]) -> str:
    rows = [[f"<th>{k}</th>", f"<td>{_e(v)}</td>"] for k, v in _run_fields(run, summary)]
    return "<h2>Run</h2>" + _table(["field", "value"], rows)


def render_html(
    summary: Mapping[str, Any], run: Mapping[str, Any], *, cases: CaseLinks | None = None
) -> str:
    """One self-contained HTML page: run info, reliability diagrams, error-coverage, tables.

    The page has inline CSS and SVG only: no scripts, fonts or URLs, so it opens from disk
    anywhere. Every string taken from `summary` or `run` is HTML-escaped.

    Args:
        summary: The eval summary (claims, responses, behaviour); any part may be missing.
        run: The run header: `run_id`, `suites`, `policy`, `model`, `estimator`, ...
        cases: The cases behind the figures: with them, every reliability bin lists its cases
            and claim ids, the misses of the behaviour section list theirs, and a case table
            ends the page, each case id linking to its row.

    Returns:
        The page as a string.
    """
    _check(summary, run)
    title = _e(f"agentguard eval: {run.get('run_id') or 'run'}")
    body = [
        f"<h1>{title}</h1>",
        viewer_hint_html(cases.folder) if cases is not None else "",
        _run_html(run, summary),
        _level_html(summary, "claims", ("kind", "tool", "domain", "model"), cases),
        _level_html(summary, "responses", ("domain", "model"), cases),
        _behaviour_html(summary, cases),
        _needless_html(summary, cases),
        cases_html(cases) if cases is not None else "",
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title><style>{CSS}</style></head><body>"
        + "\n".join(body)
        + "</body></html>\n"
    )


def write_html(
    path: str | os.PathLike[str],
    summary: Mapping[str, Any],
    run: Mapping[str, Any],
    *,
    cases: CaseLinks | None = None,
) -> Path:
    """Render the HTML report and write it atomically (temporary file, then `os.replace`).

    A reader never sees a half-written page: the old file stays until the new one is complete.

    Args:
        path: Where to write the page; missing parent folders are created.
        summary: The eval summary.
        run: The run header.
        cases: The cases behind the figures (see `render_html`).

    Returns:
        The path written.
    """
    return write_text_atomic(path, render_html(summary, run, cases=cases))
