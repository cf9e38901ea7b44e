"""Printing of the quality benchmark (`quality.py`): targets, rows with intervals, sections.

`quality.py` documents the figures; this module only lays them out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from quality_scores import MIN_SENTENCE_WORDS, POLICY

from agentguard.evaluation.stats.metrics import Metric


@dataclass(frozen=True)
class Target:
    """A target of the issue: `value >= bound` (or `<=` when `at_most`)."""

    bound: float
    at_most: bool = False

    def verdict(self, value: float | None) -> str:
        """`>= 0.95 PASS`, `<= 0.05 FAIL`, or `n/a` when the figure is undefined."""
        sign = "<=" if self.at_most else ">="
        if value is None:
            return f"{sign} {self.bound:g}  n/a"
        ok = value <= self.bound if self.at_most else value >= self.bound
        return f"{sign} {self.bound:g}  {'PASS' if ok else 'FAIL'}"


_ECE = Target(0.05, at_most=True)
TARGETS: dict[str, dict[str, Target]] = {
    "halueval-qa": {"auroc": Target(0.95), "sentence_auroc": Target(0.92), "ece": _ECE},
    "faithbench": {"balanced_accuracy": Target(0.62), "auroc": Target(0.72), "ece": _ECE},
    "bfcl": {
        "missing_flagged": Target(0.95),
        "complete_flagged": Target(0.05, at_most=True),
        "ece": _ECE,
    },
}


def _num(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def _cell(m: Metric) -> str:
    note = f"({m.note})"
    if m.value is None:
        return f"{'n/a':>7}  {note:<16}"
    interval = f"[{_num(m.low)}, {_num(m.high)}]" if m.low is not None else note
    return f"{m.value:>7.3f}  {interval:<16}"


def print_row(label: str, m: Metric, target: Target | None = None) -> None:
    """One figure: value, 95% interval, n and the target's verdict."""
    verdict = f"  target {target.verdict(m.value)}" if target else ""
    print(f"   {label:<40}{_cell(m)}{m.n:>6}{verdict}")


METRIC_LABELS = {
    "auroc": "AUROC",
    "auprc": "AUPRC",
    "balanced_accuracy": "balanced accuracy @ threshold",
    "f1": "F1 @ threshold",
    "ece": "ECE (15 equal-mass bins)",
    "brier": "Brier",
}


def print_text(name: str, fig: dict[str, Any], threshold: float) -> None:
    """The figures of a free-text set."""
    targets = TARGETS.get(name, {})
    print(f"   score p = report.support; {fig['no_claims']} of {fig['n']} reports had no claims")
    print(f"   (scored 1.0); threshold {threshold:g} ({POLICY}); supported is the positive class")
    print(f"   {'':<40}{'value':>7}  {'95% interval':<16}{'n':>6}")
    for key, m in fig["metrics"].items():
        print_row(METRIC_LABELS[key], m, targets.get(key))
    for key, title in (
        ("sentence", f"sentence pairs (both answers >= {MIN_SENTENCE_WORDS} words)"),
        ("hard", "hard pairs (hallucinated answer: only knowledge words)"),
    ):
        if f"{key}_pairs" in fig:
            sub = fig[f"{key}_pairs"]
            print(f"   {title}: {sub['pairs']} pairs")
            target = targets.get("sentence_auroc") if key == "sentence" else None
            print_row("  AUROC", sub["auroc"], target)
            print_row("  naive floor AUROC", sub["floor_auroc"])
            print_row("  naive floor AUROC (documents only)", sub["floor_docs_auroc"])
    print_row("naive floor AUROC", fig["floor"]["auroc"])
    print_row("naive floor AUROC (documents only)", fig["floor"]["docs_auroc"])
    if "detectors" in fig:
        print_detectors(fig["detectors"])
    if "spans" in fig:
        print_spans(fig["spans"])


def print_detectors(rows: list[dict[str, Any]]) -> None:
    """Other detectors beside the monitor on the same samples."""
    print("   other detectors, each on the samples where it has a value (1 = consistent):")
    print(f"   {'detector':<18}{'metric':<19}{'n':>5}   {'detector':<27}agentguard (same samples)")
    for row in rows:
        if "metric" not in row:
            print(f"   {row['detector']:<18}{row['note']}")
            continue
        metric = "AUROC" if row["metric"] == "auroc" else "balanced accuracy"
        print(
            f"   {row['detector']:<18}{metric:<19}{row['n']:>5}   "
            f"{_cell(row['detector_value']):<27}{_cell(row['agentguard'])}".rstrip()
        )


def print_spans(fig: dict[str, Any]) -> None:
    """Character-level scores of the unsupported spans against the Unwanted annotations."""
    print("   span level, by character: predicted = report.unsupported_spans(), gold = the")
    print(
        f"   Unwanted* spans ({fig['gold_chars']} of {fig['chars']} characters, in "
        f"{fig['gold_samples']} of {fig['n']} samples)"
    )
    print("   micro average over characters; 95% interval over resampled samples")
    names = {"precision": "precision", "recall": "recall", "f1": "F1"}
    for key, title in (
        ("agentguard", ""),
        ("all_unsupported", "reference: every character unsupported"),
        ("none_unsupported", "reference: no character unsupported"),
    ):
        if title:
            print(f"   {title}")
        for metric, name in names.items():
            print_row(f"{'  ' if title else ''}char {name}", fig[key][metric])
    print_row("samples with any predicted span", fig["any_predicted"])


def print_bfcl(fig: dict[str, Any], complete: str = "complete turns") -> None:
    """The flagged shares and argument-claim calibration of a BFCL set.

    `complete` names the set's complete cases in the labels (`-given`, `complete calls`).
    """
    targets = TARGETS["bfcl"]
    print(f"   {'':<40}{'value':>7}  {'95% interval':<16}{'n':>6}")
    if "missing_flagged" in fig:
        print_row(
            "-missing: withheld argument(s) flagged",
            fig["missing_flagged"],
            targets["missing_flagged"],
        )
        print_row("  by withheld argument", fig["withheld_arguments_flagged"])
        print_row("  cases whose value is not in the state", fig["missing_flagged_not_in_state"])
    print_row(
        f"{complete}: any argument flagged", fig["complete_flagged"], targets["complete_flagged"]
    )
    print_row("  calls whose values are all stated", fig["complete_flagged_stated"])
    print_paths(fig, complete)
    print("   argument claims with a gold label (p = claim support):")
    for key, m in fig["argument_claims"].items():
        print_row(f"  {METRIC_LABELS[key]}", m, targets["ece"] if key == "ece" else None)
    print("   the same, without supported values the dialogue never states:")
    for key, m in fig["argument_claims_stated"].items():
        print_row(f"  {METRIC_LABELS[key]}", m)


def print_paths(fig: dict[str, Any], complete: str) -> None:
    """The argument paths with the most flagged claims in the complete cases, with counts."""
    top = fig.get("flagged_paths", [])
    if not top:
        print(f"   {complete}: no argument claim flagged")
        return
    print(
        f"   {complete}: {fig['flagged_claims']} flagged argument claims; "
        f"most flagged paths (top {len(top)}):"
    )
    for row in top:
        print(f"   {'  ' + row['path']:<40}{row['count']:>7}")


def print_speed(fig: dict[str, Any]) -> None:
    """Load and check time of a set."""
    s = fig["speed"]
    print(
        f"   speed: {fig['n']} checks in {s['check_s']:.2f} s ({s['ms_per_case']:.2f} ms per "
        f"case, wall {s['wall_s']:.2f} s with loading and metrics)"
    )
