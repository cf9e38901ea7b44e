"""What the terminal summary and the HTML page of an eval run share: metric names, formats.

Any part of a summary may be missing and any metric may be undefined: an undefined metric
reads as its note ("one class only") instead of a number, so no `nan` ever reaches a reader.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agentguard.evaluation.harness.svg import finite

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
        ("started", run.get("started") or run.get("created")),
        ("finished", run.get("finished")),
        ("duration", f"{duration:.2f} s" if duration is not None else None),
        ("support threshold", f"{threshold:.2f}" if threshold is not None else None),
    ]
    if isinstance(labels := run.get("labels"), Mapping):
        fields.append(("labels", _labels_text(labels)))
    return [(k, "-" if v is None or v == "" else str(v)) for k, v in fields]


def _labels_text(labels: Mapping[str, Any]) -> str:
    """`3 of 4 used as gold (1 changed the suite's gold, 1 added gold); 1 stale`."""
    used, n = _count(labels.get("used")), _count(labels.get("labels"))
    words = (("changed", "changed the suite's gold"), ("added", "added gold"))
    parts = [f"{_count(labels.get(k))} {w}" for k, w in words if labels.get(k)]
    text = f"{used} of {n} used as gold" + (f" ({', '.join(parts)})" if parts else "")
    return text + (f"; {_count(labels.get('stale'))} stale" if labels.get("stale") else "")


def _check(summary: Any, run: Any) -> None:
    for name, value in (("summary", summary), ("run", run)):
        if not isinstance(value, Mapping):
            raise TypeError(f"report: `{name}` must be a dict, got {type(value).__name__}")
