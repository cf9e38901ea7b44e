"""Figures of one set for the quality benchmark (`quality.py`), from the checked cases.

Free-text sets: response-level metrics, the naive floor, the answer pairs, the other
detectors of FaithBench and its span level. BFCL sets: the flagged shares of the `-missing`
and complete cases, the argument paths flagged most often in complete cases and the
calibration of the argument claims. `quality.py` documents them.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from quality_scores import (
    Checked,
    Span,
    auroc_of,
    balanced_accuracy_statistic,
    case_pairs,
    case_texts,
    char_counts,
    char_scores,
    characters,
    claim_metrics,
    gold_spans,
    hard_pair_mask,
    naive_scores,
    response_metrics,
    response_scores,
    sentence_pair_mask,
    share,
)

from agentguard.evaluation.harness.runner import gold_label
from agentguard.evaluation.harness.suite import EvalCase
from agentguard.evaluation.stats.metrics import Array, Metric, with_interval
from agentguard.evaluation.stats.resampling import claim_statistics
from agentguard.types import Report

TOP_PATHS = 5
PROBABILITY_DETECTORS = ("hhemv1", "hhem-2.1", "hhem-2.1-english")
VERDICT_DETECTORS = ("trueteacher", "true_nli", "gpt-3.5-turbo", "gpt-4-turbo", "gpt_4o")


# --- per set ------------------------------------------------------------------------------


def text_figures(runs: Sequence[Checked], threshold: float, n_boot: int) -> dict[str, Any]:
    """Response-level figures of a free-text set (pairs and floor where the set has them)."""
    cases = [r.case for r in runs]
    p, y, no_claims = response_scores(runs)
    floor, floor_docs = naive_scores(cases), naive_scores(cases, documents_only=True)
    figures: dict[str, Any] = {
        "n": len(runs),
        "no_claims": no_claims,
        "metrics": response_metrics(p, y, threshold, n_boot),
        "floor": {
            "auroc": auroc_of(floor, y, n_boot),
            "docs_auroc": auroc_of(floor_docs, y, n_boot),
        },
    }
    if case_pairs(cases):
        for key, mask in (("sentence", sentence_pair_mask(cases)), ("hard", hard_pair_mask(cases))):
            figures[f"{key}_pairs"] = {
                "pairs": int(mask.sum()) // 2,
                "auroc": auroc_of(p[mask], y[mask], n_boot),
                "floor_auroc": auroc_of(floor[mask], y[mask], n_boot),
                "floor_docs_auroc": auroc_of(floor_docs[mask], y[mask], n_boot),
            }
    if any("detectors" in c.metadata for c in cases):
        figures["detectors"] = detector_figures(runs, threshold, n_boot)
    if any("spans" in c.metadata for c in cases):
        figures["spans"] = span_figures(runs, n_boot)
    return figures


def detector_figures(
    runs: Sequence[Checked], threshold: float, n_boot: int
) -> list[dict[str, Any]]:
    """Each metadata detector beside the monitor, on the samples where it has a value."""
    p, y, _ = response_scores(runs)
    found = {k for r in runs for k in r.case.metadata.get("detectors", {})}
    names = [*PROBABILITY_DETECTORS, *VERDICT_DETECTORS]
    names += sorted(found - set(names))
    rows = []
    for name in names:
        values = [r.case.metadata.get("detectors", {}).get(name) for r in runs]
        have = np.array([v is not None for v in values])
        if not have.any():
            rows.append({"detector": name, "n": 0, "note": "no values on these samples"})
            continue
        d = np.array([float(v) for v in values if v is not None])
        verdict = name in VERDICT_DETECTORS or (
            name not in PROBABILITY_DETECTORS and set(d.tolist()) <= {0.0, 1.0}
        )
        if verdict:
            stat, ours = balanced_accuracy_statistic(0.5), balanced_accuracy_statistic(threshold)
            metric = "balanced_accuracy"
        else:
            stat = ours = claim_statistics()["auroc"]
            metric = "auroc"
        rows.append(
            {
                "detector": name,
                "metric": metric,
                "n": int(have.sum()),
                "detector_value": with_interval(stat, np.clip(d, 0, 1), y[have], n_boot=n_boot),
                "agentguard": with_interval(ours, p[have], y[have], n_boot=n_boot),
            }
        )
    return rows


def span_figures(runs: Sequence[Checked], n_boot: int) -> dict[str, Any]:
    """Character-level scores of `report.unsupported_spans()` and of the two references."""
    outputs = [case_texts(r.case)[0] for r in runs]
    golds = [gold_spans(r.case) for r in runs]
    predicted = [r.report.unsupported_spans() for r in runs]
    whole = [[(0, len(text))] for text in outputs]
    gold_chars = sum(len(characters(g)) for g in golds)
    return {
        "n": len(runs),
        "gold_samples": sum(bool(g) for g in golds),
        "gold_chars": gold_chars,
        "chars": sum(len(text) for text in outputs),
        "agentguard": _scored(predicted, golds, n_boot),
        "all_unsupported": _scored(whole, golds, n_boot),
        "none_unsupported": _scored([[] for _ in golds], golds, n_boot),
        "any_predicted": share([bool(p) for p in predicted], n_boot),
    }


def _scored(
    predicted: Sequence[Sequence[Span]], golds: Sequence[Sequence[Span]], n_boot: int
) -> dict[str, Metric]:
    counts = [char_counts(p, g) for p, g in zip(predicted, golds, strict=True)]
    return char_scores(counts, n_boot)


def _argument_claim_ids(report: Report) -> set[str]:
    return {c.id for c in report.claims if c.kind == "argument"}


def any_argument_flagged(report: Report) -> bool:
    """Whether some flag of the report points at an argument claim."""
    ids = _argument_claim_ids(report)
    return any(f.claim_id in ids for f in report.flags)


def complete_runs(runs: Iterable[Checked]) -> list[Checked]:
    """The cases whose call is complete: every case of a BFCL set but the `-missing` ones."""
    return [r for r in runs if not r.case.id.endswith("-missing")]


def flagged_path_counts(runs: Iterable[Checked]) -> Counter[str]:
    """How many flagged argument claims each argument path has (a claim counts once)."""
    counts: Counter[str] = Counter()
    for r in runs:
        flagged = {f.claim_id for f in r.report.flags}
        counts.update(
            c.path or "" for c in r.report.claims if c.kind == "argument" and c.id in flagged
        )
    return counts


def top_paths(counts: Counter[str], top: int = TOP_PATHS) -> list[dict[str, Any]]:
    """The `top` paths with the most flagged claims, most first (ties by path)."""
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    return [{"path": path, "count": n} for path, n in ranked]


def withheld_flagged(case: EvalCase, report: Report) -> list[bool]:
    """For each distinct withheld argument of the case, whether its claim is flagged.

    The claim is an argument claim of the same tool and path, of the same value where
    several match; a flag on any one of them counts.
    """
    flagged = {f.claim_id for f in report.flags}
    out = []
    seen = set()
    for w in case.metadata.get("withheld", []):
        key = (w.get("tool"), w.get("path"), json.dumps(w.get("value")))
        if key in seen:
            continue
        seen.add(key)
        same = [
            c
            for c in report.claims
            if c.kind == "argument" and c.tool == key[0] and c.path == key[1]
        ]
        exact = [c for c in same if c.value == w.get("value")]
        out.append(any(c.id in flagged for c in exact or same))
    return out


def argument_claims(runs: Iterable[Checked], *, stated_only: bool = False) -> tuple[Array, Array]:
    """Support and gold label of every argument claim that has a gold label.

    With `stated_only`, a supported claim whose value the dialogue never states (metadata
    `unstated`: a value from a tool result BFCL does not record, or a computed one) is left
    out: the context the monitor sees cannot tell it from a guess.
    """
    p, y = [], []
    for r in runs:
        unstated = {(u["call_id"], u["path"]) for u in r.case.metadata.get("unstated", [])}
        for c in r.report.claims:
            label = gold_label(c, r.case.gold) if c.kind == "argument" else None
            if label is None or (stated_only and label and (c.call_id, c.path) in unstated):
                continue
            p.append(c.support)
            y.append(float(label))
    return np.array(p, dtype=float), np.array(y, dtype=float)


def bfcl_figures(runs: Sequence[Checked], n_boot: int) -> dict[str, Any]:
    """Flagged shares of a BFCL set, its most flagged paths and its argument-claim calibration."""
    missing = [r for r in runs if r.case.id.endswith("-missing")]
    complete = complete_runs(runs)
    per_arg = [withheld_flagged(r.case, r.report) for r in missing]
    outside = [
        all(f) and bool(f)
        for r, f in zip(missing, per_arg, strict=True)
        if not any(w.get("in_state") for w in r.case.metadata.get("withheld", []))
    ]
    figures: dict[str, Any] = {"n": len(runs), "complete_cases": len(complete)}
    if missing:
        figures["missing_cases"] = len(missing)
        figures["missing_flagged"] = share([all(f) and bool(f) for f in per_arg], n_boot)
        figures["withheld_arguments_flagged"] = share([x for f in per_arg for x in f], n_boot)
        figures["missing_flagged_not_in_state"] = share(outside, n_boot)
    figures["complete_flagged"] = share([any_argument_flagged(r.report) for r in complete], n_boot)
    # Calls whose every value the context states (the adapters list the others in `unmatched`,
    # e.g. values from tool results BFCL does not record): flags there are false alarms for sure.
    stated = [r for r in complete if not r.case.metadata.get("unmatched")]
    figures["complete_flagged_stated"] = share(
        [any_argument_flagged(r.report) for r in stated], n_boot
    )
    paths = flagged_path_counts(complete)
    figures["flagged_claims"] = sum(paths.values())
    figures["flagged_paths"] = top_paths(paths)
    figures["argument_claims"] = claim_metrics(*argument_claims(runs), n_boot)
    figures["argument_claims_stated"] = claim_metrics(
        *argument_claims(runs, stated_only=True), n_boot
    )
    return figures
