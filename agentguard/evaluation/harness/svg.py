"""Charts and styles of the HTML eval report: reliability, error-coverage, confusion matrix.

The charts are drawn here in plain Python so the report page needs no JavaScript, fonts or
network. Every string that reaches the markup goes through `html.escape`, and every number is
checked to be finite first, so a degenerate bin never puts `nan` into the page.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

# Geometry shared by both charts: a square plot with room for tick labels on the left and below.
_W, _ML, _MR, _MT = 320, 44, 12, 12
_PW = _W - _ML - _MR
_PH = 240
_AXIS_H = 38  # tick labels and axis title under the plot
_STRIP_H = 46  # the bin-count histogram under a reliability diagram

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2933;
max-width:1200px;margin:24px auto;padding:0 16px}
h1{font-size:22px}
h2{font-size:18px;border-bottom:1px solid #d9dee3;padding-bottom:4px;margin-top:32px}
h3{font-size:15px;margin:20px 0 8px}table{border-collapse:collapse;margin:6px 0 14px}
th,td{border:1px solid #d9dee3;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f3f5f7;font-weight:600}td.num{text-align:right;white-space:nowrap}
.ci{display:block;color:#6b7785;font-size:12px}.note{color:#9a6700;font-style:italic;font-size:12px}
td.note{text-align:center}td.na,.empty{color:#9aa5b1}.wrap{overflow-x:auto;max-width:100%}
.figs{display:flex;flex-wrap:wrap;gap:14px}figure{margin:0;border:1px solid #e4e7eb;padding:8px;
max-width:100%;box-sizing:border-box}figure .wrap{max-width:320px}.chart{max-width:100%;height:auto}
figcaption{font-size:12px;max-width:320px}details{font-size:12px}td.cases{min-width:14em}
.hint{background:#f3f5f7;padding:6px 10px}code{font-size:13px}.miss{margin:4px 0}
.chart a:hover .bar{fill-opacity:.9}tr:target,th:target{background:#fef3c7}
.chart text{font-size:10px;fill:#3e4c59}.chart .label{font-size:11px}.mid{text-anchor:middle}
.end{text-anchor:end}.frame{fill:#fff;stroke:#9aa5b1}.grid{stroke:#eef0f2}
.diag{stroke:#7b8794;stroke-dasharray:4 3}.bar{fill:#93c5fd;fill-opacity:.55;stroke:#fff}
.gap{stroke:#dc2626;stroke-width:1.5}.pt{fill:#1d4ed8}.hist{fill:#cbd2d9;stroke:#fff}
.curve{fill:none;stroke:#1d4ed8;stroke-width:2}
"""
"""Styles of the report page, its tables and its charts, for the page's `<style>` element."""


def finite(value: Any) -> float | None:
    """`value` as a float when it is a finite real number, else None (bools are not numbers)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _clamp(v: float) -> float:
    return min(1.0, max(0.0, v))


def _x(p: float) -> float:
    return _ML + _clamp(p) * _PW


def _y(p: float, top: float = 1.0) -> float:
    return _MT + (1.0 - _clamp(p / top)) * _PH


def _axes(x_title: str, y_title: str, y_top: float) -> list[str]:
    """Frame, grid lines, tick labels and axis titles of a unit-square plot."""
    out = [f'<rect x="{_ML}" y="{_MT}" width="{_PW}" height="{_PH}" class="frame"/>']
    for i in range(5):
        t = i / 4
        x, y = _x(t), _y(t)
        out.append(f'<line x1="{x:.1f}" y1="{_MT}" x2="{x:.1f}" y2="{_MT + _PH}" class="grid"/>')
        out.append(f'<line x1="{_ML}" y1="{y:.1f}" x2="{_ML + _PW}" y2="{y:.1f}" class="grid"/>')
        out.append(f'<text x="{x:.1f}" y="{_MT + _PH + 13}" class="tick mid">{t:g}</text>')
        out.append(f'<text x="{_ML - 5}" y="{y + 3:.1f}" class="tick end">{t * y_top:.2g}</text>')
    out.append(
        f'<text x="{_ML + _PW / 2:.1f}" y="{_MT + _PH + 30}" class="label mid">'
        f"{escape(x_title)}</text>"
    )
    cy = _MT + _PH / 2
    out.append(
        f'<text x="12" y="{cy:.1f}" class="label mid" transform="rotate(-90 12 {cy:.1f})">'
        f"{escape(y_title)}</text>"
    )
    return out


def _svg(height: int, body: list[str], label: str) -> str:
    return (
        f'<svg class="chart" viewBox="0 0 {_W} {height}" width="{_W}" height="{height}" '
        f'role="img" aria-label="{escape(label)}">' + "".join(body) + "</svg>"
    )


def _no_data(height: int, body: list[str], label: str) -> str:
    body.append(
        f'<text x="{_ML + _PW / 2:.1f}" y="{_MT + _PH / 2:.1f}" class="label mid">no data</text>'
    )
    return _svg(height, body, label)


def _bin_title(lo: float, hi: float, count: int, mean_p: float | None, frac: float | None) -> str:
    mp = "-" if mean_p is None else f"{mean_p:.3f}"
    fp = "-" if frac is None else f"{frac:.3f}"
    return escape(f"bin [{lo:.3f}, {hi:.3f}]: n={count}, mean p {mp}, fraction supported {fp}")


def _bin_marks(lo: float, hi: float, count: int, mean_p: float | None, frac: float | None) -> str:
    """Bar over the bin's range at its positive fraction, the point, and its gap to the diagonal."""
    if frac is None or count <= 0:
        return ""
    x0, x1, yf = _x(lo), _x(hi), _y(frac)
    parts = [
        f'<rect x="{x0:.1f}" y="{yf:.1f}" width="{max(x1 - x0, 0.5):.1f}" '
        f'height="{_MT + _PH - yf:.1f}" class="bar"/>'
    ]
    if mean_p is not None:
        xp = _x(mean_p)
        parts.append(
            f'<line x1="{xp:.1f}" y1="{yf:.1f}" x2="{xp:.1f}" y2="{_y(mean_p):.1f}" class="gap"/>'
        )
        parts.append(f'<circle cx="{xp:.1f}" cy="{yf:.1f}" r="3" class="pt"/>')
    return "".join(parts)


def _count_strip(bins: list[tuple[float, float, int]], top: float) -> list[str]:
    """A histogram of bin counts under the plot; counts are written where the bin has room."""
    base = top + _STRIP_H - 4
    peak = max(c for _, _, c in bins) or 1
    out = [f'<text x="{_ML - 5}" y="{base:.1f}" class="tick end">n</text>']
    for lo, hi, count in bins:
        x0, x1 = _x(lo), _x(hi)
        h = (_STRIP_H - 16) * count / peak
        out.append(
            f'<rect x="{x0:.1f}" y="{base - h:.1f}" width="{max(x1 - x0, 0.5):.1f}" '
            f'height="{h:.1f}" class="hist"/>'
        )
        label = str(count)
        if x1 - x0 >= 6 * len(label) + 2:
            xm = (x0 + x1) / 2
            out.append(f'<text x="{xm:.1f}" y="{base - h - 2:.1f}" class="tick mid">{label}</text>')
    return out


def reliability_svg(
    bins: Sequence[Mapping[str, Any]],
    label: str,
    links: Sequence[str | None] | None = None,
) -> str:
    """A reliability diagram: the diagonal, each bin's fraction supported against its mean support.

    Bars span each bin's `[lo, hi]` at the bin's positive fraction; a dot marks `(mean_p,
    frac_pos)` and a red segment its distance from the diagonal. A histogram strip below shows
    the bin counts, written as numbers where the bin is wide enough (always in the tooltip).

    Args:
        bins: Bins as in the eval summary: `lo`, `hi`, `count`, `mean_p`, `frac_pos`.
        label: Accessible name of the chart (escaped here).
        links: Optional, one per bin: where a click on the bin's marks leads (escaped here),
            such as the bin's list of cases; None for no link.

    Returns:
        One `<svg>` element as a string.
    """
    height = _MT + _PH + _AXIS_H + _STRIP_H
    body = _axes("mean support in bin", "fraction supported", 1.0)
    body.append(f'<line x1="{_x(0)}" y1="{_y(0)}" x2="{_x(1)}" y2="{_y(1)}" class="diag"/>')
    kept: list[tuple[float, float, int]] = []
    for k, b in enumerate(bins):
        lo, hi = finite(b.get("lo")), finite(b.get("hi"))
        count = b.get("count")
        if lo is None or hi is None or not isinstance(count, int):
            continue
        mean_p, frac = finite(b.get("mean_p")), finite(b.get("frac_pos"))
        kept.append((lo, hi, count))
        marks = _bin_marks(lo, hi, count, mean_p, frac)
        if marks:
            group = f"<g><title>{_bin_title(lo, hi, count, mean_p, frac)}</title>{marks}</g>"
            link = links[k] if links is not None and k < len(links) else None
            body.append(f'<a href="{escape(link)}">{group}</a>' if link else group)
    if not kept or all(c <= 0 for _, _, c in kept):
        return _no_data(height, body, label)
    body += _count_strip(kept, _MT + _PH + _AXIS_H)
    return _svg(height, body, label)


def error_coverage_svg(
    coverage: Sequence[Any], error: Sequence[Any], label: str, *, caption: str = ""
) -> str:
    """An error-coverage curve: error rate among the claims kept, the most confident kept first.

    Args:
        coverage: Fractions of claims kept, in the order the curve is drawn.
        error: Error rate among the kept claims at each coverage.
        label: Accessible name of the chart (escaped here).
        caption: Optional text drawn in the plot's corner, e.g. the AUEC (escaped here).

    Returns:
        One `<svg>` element as a string.
    """
    clean: list[tuple[float, float]] = []
    for c, r in zip(coverage, error, strict=False):
        fc, fr = finite(c), finite(r)
        if fc is not None and fr is not None:
            clean.append((fc, fr))
    top = max((r for _, r in clean), default=0.0)
    # Round the y range up to a readable value so small error rates still fill the plot.
    y_top = next((s for s in (0.05, 0.1, 0.2, 0.25, 0.5, 1.0) if top <= s), max(top, 1.0))
    height = _MT + _PH + _AXIS_H
    body = _axes("coverage", "error rate", y_top)
    if len(clean) < 2:
        return _no_data(height, body, label)
    line = " ".join(f"{_x(c):.1f},{_y(r, y_top):.1f}" for c, r in clean)
    body.append(f'<polyline points="{line}" class="curve"/>')
    if caption:
        body.append(f'<text x="{_ML + 6}" y="{_MT + 14}" class="label">{escape(caption)}</text>')
    return _svg(height, body, label)


def _num(value: Any) -> str:
    v = finite(value)
    return "-" if v is None else f"{v:.3f}"


def _bin_table(bins: Sequence[Mapping[str, Any]]) -> str:
    """The bins as a folded table, so exact counts are readable however narrow a bin is."""
    head = "".join(f"<th>{h}</th>" for h in ("from", "to", "count", "mean support", "fraction"))
    rows = []
    for b in bins:
        count = b.get("count")
        cells = [
            _num(b.get("lo")),
            _num(b.get("hi")),
            str(count) if isinstance(count, int) else "-",
        ]
        cells += [_num(b.get("mean_p")), _num(b.get("frac_pos"))]
        rows.append("<tr>" + "".join(f'<td class="num">{c}</td>' for c in cells) + "</tr>")
    return (
        f'<details><summary>bins</summary><div class="wrap"><table><tr>{head}</tr>'
        f"{''.join(rows)}</table></div></details>"
    )


def reliability_figure(
    bins: Sequence[Mapping[str, Any]],
    label: str,
    caption: str,
    *,
    links: Sequence[str | None] | None = None,
    extra: str = "",
) -> str:
    """A `<figure>`: the reliability diagram, its caption and a folded table of its bins.

    Args:
        bins: Bins as in the eval summary: `lo`, `hi`, `count`, `mean_p`, `frac_pos`.
        label: Accessible name of the chart (escaped here).
        caption: Caption text (escaped here).
        links: Where a click on each bin leads (see `reliability_svg`).
        extra: Markup added at the end of the figure, ready-made (the bins' cases).

    Returns:
        One `<figure>` element as a string.
    """
    svg = reliability_svg(bins, label, links)
    return (
        f"<figure>{svg}<figcaption>{escape(caption)}</figcaption>{_bin_table(bins)}{extra}</figure>"
    )


def error_coverage_figure(
    coverage: Sequence[Any], error: Sequence[Any], title: str, auec: str
) -> str:
    """A `<figure>`: the error-coverage curve of one group, with its AUEC in and under the plot.

    Args:
        coverage: Fractions of claims kept.
        error: Error rate among the kept claims at each coverage.
        title: Which group the curve is for, e.g. `all claims` (escaped here).
        auec: The area under the curve as text, e.g. `AUEC 0.081 [0.060, 0.100]` (escaped here).

    Returns:
        One `<figure>` element as a string.
    """
    svg = error_coverage_svg(coverage, error, f"error-coverage, {title}", caption=auec)
    return f"<figure>{svg}<figcaption>{escape(f'{title}: {auec}')}</figcaption></figure>"


def confusion_table(title: str, confusion: Mapping[str, Any]) -> str:
    """A heat-shaded table of counts: gold action (rows) against the behaviour seen (columns).

    Args:
        title: Heading above the table (escaped here).
        confusion: `{gold_action: {behaviour: count}}`; non-integer counts read as 0.

    Returns:
        A heading and a `<table>`, or a note where the matrix is empty.
    """
    rows_in = {str(g): row for g, row in confusion.items() if isinstance(row, Mapping)}
    if not rows_in:
        return f'<h3>{escape(title)}</h3><p class="empty">No confusion matrix.</p>'
    counts = {
        g: {
            str(b): c if isinstance(c, int) and not isinstance(c, bool) else 0
            for b, c in row.items()
        }
        for g, row in rows_in.items()
    }
    behaviours = sorted({b for row in counts.values() for b in row})
    peak = max((c for row in counts.values() for c in row.values()), default=0) or 1
    head = ["gold action \\ behaviour", *behaviours, "total"]
    out = ["<tr>" + "".join(f"<th>{escape(h)}</th>" for h in head) + "</tr>"]
    for gold in sorted(counts):
        cells = [f"<th>{escape(gold)}</th>"]
        for b in behaviours:
            c = counts[gold].get(b, 0)
            # Shade by share of the largest cell so the dominant outcomes stand out at a glance.
            shade = (
                f' style="background:rgba(29,78,216,{0.08 + 0.5 * c / peak:.2f})"' if c > 0 else ""
            )
            cells.append(f'<td class="num"{shade}>{c}</td>')
        cells.append(f'<td class="num">{sum(counts[gold].values())}</td>')
        out.append("<tr>" + "".join(cells) + "</tr>")
    return f'<h3>{escape(title)}</h3><div class="wrap"><table>{"".join(out)}</table></div>'
