"""The compact terminal summary of an eval run (`agentguard eval` prints it).

Example:
    >>> print(render_summary(summary, run))  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agentguard.evaluation.harness.needs import NEED_COUNTS
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
)
from agentguard.evaluation.harness.svg import finite

__all__ = ["render_summary"]

_TERMINAL_COLS = (("ece_width", "ece_mass", "brier"), ("auroc", "auprc", "f1"))
_MAX_ROWS = 6  # groups per breakdown in the terminal; the HTML page lists them all
_LABEL, _CELL = 24, 23
_MAX_NEED_ROWS, _NEED_LABEL = 16, 36  # rows per breakdown and label width of the needless block


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
    ] + ([f"  labels {f['labels']}"] if "labels" in f else [])


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


def _need_rows(block: Mapping[str, Any], prefix: str) -> list[tuple[str, list[int]]]:
    """`(label, counts)` of the questions and calls of one group that has any."""
    out = []
    for group, word in (("questions", "questions"), ("calls", "tool calls")):
        counts = _map(block, group)
        values = [_count(counts.get(k)) for k in NEED_COUNTS]
        if any(values):
            out.append((f"{prefix}{word}", values))
    return out


def _needless_lines(summary: Mapping[str, Any], st: _Style) -> list[str]:
    block = _map(summary, "needless")
    rows = _need_rows(_map(block, "overall"), "")
    if not rows:
        return []
    hidden = 0
    for key, word in (("by_suite", "suite"), ("by_domain", "domain")):
        groups = sorted(_map(block, key).items())
        if len(groups) < 2 or (key == "by_domain" and _map(block, key) == _map(block, "by_suite")):
            continue
        shown = [r for name, g in groups for r in _need_rows(g, f"{word} {name}: ")]
        rows += shown[:_MAX_NEED_ROWS]
        hidden += max(0, len(shown) - _MAX_NEED_ROWS)
    names = "".join(name.ljust(11) for name in NEED_COUNTS.values()).rstrip()
    lines = [
        st("not needed: questions and tool calls", "1"),
        st(f"  {'':<{_NEED_LABEL}}{names}", "2"),
    ]
    lines += [f"  {_label(label, _NEED_LABEL)}" + "".join(f"{v:<11}" for v in values).rstrip()
              for label, values in rows]  # fmt: skip
    if hidden:
        lines.append(st(f"  (+{hidden} more rows: see summary.json or the HTML report)", "2"))
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
        _needless_lines(summary, st),
    ]
    return "\n\n".join("\n".join(b) for b in blocks if b)
