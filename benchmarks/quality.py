"""Quality benchmark of the default estimator on the dev splits of the public sets.

Runs `Monitor().check` (policy `balanced`, default estimator, no calibration map) on every
dev case of each public set that `agentguard.evaluation.adapters.load_public` reads, and
prints, next to the issue's targets (PASS/FAIL; the targets are fixed here, never tuned):

- HaluEval QA and dialogue: response-level score p = `report.support` (P(all claims
  supported); a report without claims scores 1.0, and how often that happens is printed)
  against gold `supported`: AUROC, AUPRC, balanced accuracy and F1 at the policy threshold,
  ECE (15 equal-mass bins) and Brier, each with a bootstrap 95% interval. Then AUROC on the
  "sentence pairs" (both answers of the pair have at least 5 whitespace-separated words,
  metadata `answer_words`), and on the "hard pairs": pairs whose hallucinated answer uses
  only words of the knowledge, that is every word token of the answer (stopwords included)
  is among the word tokens of the knowledge document. Dialogue is reported, not a target.
- FaithBench: the same response-level figures, and beside them, on the same samples, the
  other detectors of the sample `metadata`: AUROC of the probability ones and balanced
  accuracy of the 0/1 verdicts (1 = consistent, a verdict counts as "consistent" at >= 0.5),
  each only on the samples where that detector has a value (n is printed).
- FaithBench span level, on every dev sample, by characters of the summary (the output's
  content, which the annotation offsets index). Gold: the characters inside an annotated span
  whose label starts with "Unwanted" (the union of such spans). Predicted: the characters of
  `report.unsupported_spans()` (text claims labelled unsupported or contradicted). Per sample
  tp = |predicted & gold|; summed over samples (micro average), precision = sum tp / sum
  |predicted|, recall = sum tp / sum |gold|, F1 = 2 sum tp / (sum |predicted| + sum |gold|).
  A figure whose denominator is 0 is undefined (n/a with a note). The 95% interval resamples
  samples (not characters) and recomputes the micro figure. References on the same samples:
  "every character unsupported" (predicted = the whole summary: recall 1) and "no character
  unsupported" (predicted = nothing: precision undefined, recall 0, F1 0 whenever some gold
  character exists). Also printed: the share of samples with any predicted span.
- BFCL multi-turn: in `bfcl-miss-param`, the share of `-missing` cases whose withheld
  arguments are all flagged (a flag whose `claim_id` is an argument claim of the same tool,
  path and value), and the share of `-given` cases, and of `bfcl-base` turns, where any
  argument is flagged (complete calls should pass). Calibration on argument claims: p =
  claim support, y = the gold label (`gold_label`), over argument claims that have one.
- Speed: wall time of the checks per set and ms per case (loading the set apart).

Word tokens: maximal runs of letters and digits (`[^\\W_]+`) of the lower-cased text. The
naive floor scores an output by the fraction of its word tokens that are not in
`agentguard.support.lexicon.STOPWORDS` and occur among the word tokens of the context (all
message contents and documents; 1.0 when the output has no such token). It is printed with
that context and, for comparison, with the documents alone as context.

Run:
    .venv/bin/python benchmarks/quality.py                 # every set, full dev splits
    .venv/bin/python benchmarks/quality.py --quick         # 100 cases per set, 100 resamples
    .venv/bin/python benchmarks/quality.py --sets faithbench --json out.json
    .venv/bin/python benchmarks/quality.py --data /path/to/data --limit 400 --n-boot 200

The data folder defaults to `../shared/data` beside the repository; without it the script
says so and exits 0. A malformed data file stops it with the adapter's error and exit 2.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from agentguard import Monitor, __version__
from agentguard.errors import InputError
from agentguard.evaluation.adapters import PUBLIC_SETS, PublicSuite, load_public
from agentguard.evaluation.metrics import (
    Array,
    Metric,
    Statistic,
    evaluate,
    percentile_interval,
    replicates,
    with_interval,
    with_intervals,
)
from agentguard.evaluation.resampling import claim_statistics
from agentguard.evaluation.runner import gold_label
from agentguard.evaluation.suite import EvalCase
from agentguard.policy import add_resolvers, load_policy
from agentguard.progress import Progress
from agentguard.support.lexicon import STOPWORDS
from agentguard.types import Report

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
POLICY = "balanced"
BFCL_SETS = ("bfcl-miss-param", "bfcl-base")
QUICK_LIMIT = 100
QUICK_BOOT = 100
MIN_SENTENCE_WORDS = 5
PROGRESS_FROM = 500
PROBABILITY_DETECTORS = ("hhemv1", "hhem-2.1", "hhem-2.1-english")
VERDICT_DETECTORS = ("trueteacher", "true_nli", "gpt-3.5-turbo", "gpt-4-turbo", "gpt_4o")
TITLES = {
    "halueval-qa": "HaluEval QA",
    "halueval-dialogue": "HaluEval dialogue (reported, not a target)",
    "faithbench": "FaithBench",
    "bfcl-miss-param": "BFCL multi-turn miss_param",
    "bfcl-base": "BFCL multi-turn base",
}
_WORD = re.compile(r"[^\W_]+")


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


@dataclass(frozen=True)
class Checked:
    """One case and the monitor's report on it."""

    case: EvalCase
    report: Report
    ms: float


# --- running ------------------------------------------------------------------------------


def check_cases(cases: Sequence[EvalCase], *, label: str = "cases") -> list[Checked]:
    """Check every case with the default monitor (a progress bar for long sets)."""
    base = Monitor(POLICY)
    by_resolvers: dict[tuple[tuple[str, str], ...], Monitor] = {}
    out = []
    with Progress(len(cases), label, enabled=len(cases) >= PROGRESS_FROM) as bar:
        for case in cases:
            monitor = base
            if case.resolvers:
                key = tuple(sorted(case.resolvers.items()))
                if key not in by_resolvers:
                    policy = add_resolvers(base.policy, [(f, t, None) for f, t in key])
                    by_resolvers[key] = Monitor(policy, estimator=base.estimator)
                monitor = by_resolvers[key]
            start = time.perf_counter()
            report = monitor.check(case.check_input())
            out.append(Checked(case, report, (time.perf_counter() - start) * 1000))
            bar.update()
    return out


# --- scores -------------------------------------------------------------------------------


def words(text: str) -> list[str]:
    """The word tokens of `text`: runs of letters and digits, lower-cased."""
    return _WORD.findall(text.lower())


def naive_score(output: str, context: str) -> float:
    """Fraction of the output's non-stopword tokens that occur anywhere in the context."""
    seen = set(words(context))
    content = [w for w in words(output) if w not in STOPWORDS]
    if not content:
        return 1.0
    return sum(w in seen for w in content) / len(content)


def _text(content: str | list[dict[str, Any]] | None) -> str:
    if isinstance(content, list):
        return "\n".join(
            str(part.get("text", "")) for part in content if part.get("type") == "text"
        )
    return content or ""


def case_texts(case: EvalCase, *, documents_only: bool = False) -> tuple[str, str]:
    """The output text of a case and its context (messages and documents, or documents)."""
    output = _text(case.output.content) if case.output is not None else ""
    parts = [d.text for d in case.documents]
    if not documents_only:
        parts += [_text(m.content) for m in case.messages]
    return output, "\n".join(parts)


def naive_scores(cases: Iterable[EvalCase], *, documents_only: bool = False) -> Array:
    """The naive floor score of each case."""
    return np.array(
        [naive_score(*case_texts(c, documents_only=documents_only)) for c in cases], dtype=float
    )


def response_scores(runs: Sequence[Checked]) -> tuple[Array, Array, int]:
    """p = `report.support` (1.0 without claims), y = gold `supported`, and the no-claim count."""
    p = np.array([1.0 if r.report.support is None else r.report.support for r in runs])
    y = np.array([float(bool(r.case.gold.supported)) for r in runs])
    return p, y, sum(r.report.support is None for r in runs)


def _pairs(cases: Sequence[EvalCase]) -> dict[Any, list[int]]:
    pairs: dict[Any, list[int]] = {}
    for i, c in enumerate(cases):
        pairs.setdefault(c.metadata.get("pair"), []).append(i)
    pairs.pop(None, None)
    return pairs


def _pair_mask(cases: Sequence[EvalCase], keep: Callable[[list[EvalCase]], bool]) -> Array:
    mask = np.zeros(len(cases), dtype=bool)
    for members in _pairs(cases).values():
        if len(members) == 2 and keep([cases[i] for i in members]):
            mask[members] = True
    return mask


def sentence_pair_mask(cases: Sequence[EvalCase], min_words: int = MIN_SENTENCE_WORDS) -> Array:
    """Cases of the pairs whose two answers both have at least `min_words` words."""
    return _pair_mask(
        cases, lambda pair: all(c.metadata.get("answer_words", 0) >= min_words for c in pair)
    )


def _hard(pair: list[EvalCase]) -> bool:
    wrong = [c for c in pair if c.gold.supported is False]
    if len(wrong) != 1:
        return False
    answer, _ = case_texts(wrong[0])
    knowledge = set(words(case_texts(wrong[0], documents_only=True)[1]))
    return all(w in knowledge for w in words(answer))


def hard_pair_mask(cases: Sequence[EvalCase]) -> Array:
    """Cases of the pairs whose hallucinated answer has only word tokens of the knowledge."""
    return _pair_mask(cases, _hard)


# --- metrics ------------------------------------------------------------------------------


def _balanced_accuracy_fn(threshold: float) -> Callable[[Array, Array], Array]:
    def fn(p: Array, y: Array) -> Array:
        pred, pos = p >= threshold, y == 1
        n_pos, n_neg = pos.sum(axis=1), (~pos).sum(axis=1)
        tpr = (pred & pos).sum(axis=1) / np.maximum(n_pos, 1)
        tnr = (~pred & ~pos).sum(axis=1) / np.maximum(n_neg, 1)
        return np.where((n_pos > 0) & (n_neg > 0), (tpr + tnr) / 2, np.nan)

    return fn


def balanced_accuracy_statistic(threshold: float) -> Statistic:
    """Mean of the true-positive and true-negative rates of predicting supported at p >= t."""
    return Statistic("balanced_accuracy", _balanced_accuracy_fn(threshold), "one class only")


def response_metrics(p: Array, y: Array, threshold: float, n_boot: int) -> dict[str, Metric]:
    """AUROC, AUPRC, balanced accuracy, F1, ECE (15 equal-mass bins) and Brier, resampled."""
    stats = claim_statistics(n_bins=15, threshold=threshold)
    chosen = {
        "auroc": stats["auroc"],
        "auprc": stats["auprc"],
        "balanced_accuracy": balanced_accuracy_statistic(threshold),
        "f1": stats["f1"],
        "ece": stats["ece_mass"],
        "brier": stats["brier"],
    }
    return with_intervals(chosen, p, y, n_boot=n_boot)


def auroc_of(p: Array, y: Array, n_boot: int) -> Metric:
    """AUROC with its interval; None with a note when empty or one class only."""
    if p.size == 0:
        return Metric(None, note="no cases")
    return with_interval(claim_statistics()["auroc"], p, y, n_boot=n_boot)


def share(flags: Sequence[bool], n_boot: int) -> Metric:
    """The share of True, with a bootstrap interval over cases."""
    if not flags:
        return Metric(None, note="no cases")
    a = np.array(flags, dtype=float)
    mean = Statistic("share", lambda v, _: v.mean(axis=1))
    return with_interval(mean, a, a, n_boot=n_boot)


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
    if _pairs(cases):
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


Span = tuple[int, int]
Counts = tuple[int, int, int]


def characters(spans: Iterable[Sequence[int]]) -> set[int]:
    """The character offsets covered by `[start, end)` spans (overlaps counted once)."""
    return {i for span in spans for i in range(span[0], span[1])}


def gold_spans(case: EvalCase) -> list[Span]:
    """The annotated spans of a case whose label starts with "Unwanted"."""
    return [
        (int(a), int(b))
        for a, b, label in case.metadata.get("spans", [])
        if label.startswith("Unwanted")
    ]


def char_counts(predicted: Iterable[Sequence[int]], gold: Iterable[Sequence[int]]) -> Counts:
    """`(tp, predicted, gold)` character counts of one sample: overlap and the two sizes."""
    pred, true = characters(predicted), characters(gold)
    return len(pred & true), len(pred), len(true)


def _ratio(undefined: str) -> Statistic:
    def fn(num: Array, den: Array) -> Array:
        n, d = num.sum(axis=1), den.sum(axis=1)
        return np.where(d > 0, n / np.maximum(d, 1), np.nan)

    return Statistic("ratio", fn, undefined)


def _ratio_metric(num: Array, den: Array, undefined: str, n_boot: int) -> Metric:
    stat, n = _ratio(undefined), int(num.size)
    value = evaluate(stat, num, den)
    if value is None:
        return Metric(None, n=n, note="no samples" if n == 0 else undefined)
    if n < 2:
        return Metric(value, n=n, note="only one case: no interval")
    low, high = percentile_interval(replicates(stat, num, den, n_boot=n_boot))
    return Metric(value, low, high, n=n)


def char_scores(counts: Sequence[Counts], n_boot: int) -> dict[str, Metric]:
    """Micro precision, recall and F1 over characters, from per-sample `(tp, predicted, gold)`.

    The intervals resample samples; all three figures see the same resamples.
    """
    a = np.array(counts, dtype=float).reshape(-1, 3)
    tp, pred, gold = a[:, 0], a[:, 1], a[:, 2]
    return {
        "precision": _ratio_metric(tp, pred, "none predicted", n_boot),
        "recall": _ratio_metric(tp, gold, "no gold spans", n_boot),
        "f1": _ratio_metric(2 * tp, pred + gold, "nothing to score", n_boot),
    }


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


def argument_claims(runs: Iterable[Checked]) -> tuple[Array, Array]:
    """Support and gold label of every argument claim that has a gold label."""
    p, y = [], []
    for r in runs:
        for c in r.report.claims:
            label = gold_label(c, r.case.gold) if c.kind == "argument" else None
            if label is not None:
                p.append(c.support)
                y.append(float(label))
    return np.array(p, dtype=float), np.array(y, dtype=float)


def claim_metrics(p: Array, y: Array, n_boot: int) -> dict[str, Metric]:
    """ECE (15 equal-mass bins), Brier and AUROC of argument claims."""
    stats = claim_statistics(n_bins=15)
    chosen = {"ece": stats["ece_mass"], "brier": stats["brier"], "auroc": stats["auroc"]}
    return with_intervals(chosen, p, y, n_boot=n_boot)


def bfcl_figures(runs: Sequence[Checked], n_boot: int) -> dict[str, Any]:
    """Flagged shares of a BFCL set and the calibration of its argument claims."""
    missing = [r for r in runs if r.case.id.endswith("-missing")]
    complete = [r for r in runs if not r.case.id.endswith("-missing")]
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
    figures["argument_claims"] = claim_metrics(*argument_claims(runs), n_boot)
    return figures


# --- printing -----------------------------------------------------------------------------


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


_METRIC_LABELS = {
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
        print_row(_METRIC_LABELS[key], m, targets.get(key))
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


def print_bfcl(fig: dict[str, Any]) -> None:
    """The flagged shares and argument-claim calibration of a BFCL set."""
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
        label = "-given: any argument flagged"
    else:
        label = "complete turns: any argument flagged"
    print_row(label, fig["complete_flagged"], targets["complete_flagged"])
    print("   argument claims with a gold label (p = claim support):")
    for key, m in fig["argument_claims"].items():
        print_row(f"  {_METRIC_LABELS[key]}", m, targets["ece"] if key == "ece" else None)


def print_speed(fig: dict[str, Any]) -> None:
    """Load and check time of a set."""
    s = fig["speed"]
    print(
        f"   speed: {fig['n']} checks in {s['check_s']:.2f} s ({s['ms_per_case']:.2f} ms per "
        f"case, wall {s['wall_s']:.2f} s with loading and metrics)"
    )


# --- main ---------------------------------------------------------------------------------


def measure(name: str, data: Path, limit: int | None, n_boot: int) -> dict[str, Any]:
    """Load the dev split of one set, check it, and compute its figures."""
    start = time.perf_counter()
    suite: PublicSuite = load_public(name, data, split="dev", limit=limit)
    runs = check_cases(suite.cases, label=f"{name} cases")
    check_ms = sum(r.ms for r in runs)
    threshold = load_policy(POLICY).threshold
    text = name not in BFCL_SETS
    fig = text_figures(runs, threshold, n_boot) if text else bfcl_figures(runs, n_boot)
    fig["skipped"], fig["notes"] = suite.skipped, list(suite.notes)
    fig["speed"] = {
        "check_s": check_ms / 1000,
        "ms_per_case": check_ms / len(runs) if runs else 0.0,
        "wall_s": time.perf_counter() - start,
    }
    fig["_runs"] = runs
    return fig


def print_set(name: str, fig: dict[str, Any]) -> None:
    """Heading, figures and speed of one set."""
    print(f"\n== {TITLES.get(name, name)} ({name}, dev): {fig['n']} cases ==")
    for note in fig["notes"]:
        print(f"   {note}")
    if name in BFCL_SETS:
        print_bfcl(fig)
    else:
        print_text(name, fig, load_policy(POLICY).threshold)
    print_speed(fig)


def print_bfcl_pooled(figures: dict[str, dict[str, Any]], n_boot: int) -> dict[str, Metric]:
    """Argument-claim calibration over all BFCL sets measured, against the ECE target."""
    runs = [r for name in BFCL_SETS if name in figures for r in figures[name]["_runs"]]
    pooled = claim_metrics(*argument_claims(runs), n_boot)
    sets = ", ".join(name for name in BFCL_SETS if name in figures)
    print(f"\n== BFCL argument claims, pooled ({sets}) ==")
    for key, m in pooled.items():
        target = TARGETS["bfcl"]["ece"] if key == "ece" else None
        print_row(_METRIC_LABELS[key], m, target)
    singles = ("simple_python", "multiple")
    if not any(s.replace("_", "-") in n for n in PUBLIC_SETS for s in singles):
        print("   single-turn simple_python / multiple: not measured (the adapters have no")
        print("   single-turn BFCL set yet: load_public reads only multi-turn miss_param and base)")
    return pooled


def to_json(value: Any) -> Any:
    """Figures as JSON values: Metrics as dicts, numpy scalars as numbers."""
    if isinstance(value, Metric):
        return value.to_json()
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items() if not k.startswith("_")}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA,
        metavar="DIR",
        help=f"folder of the public sets (default {DEFAULT_DATA})",
    )
    parser.add_argument(
        "--sets",
        nargs="+",
        choices=list(PUBLIC_SETS),
        default=list(PUBLIC_SETS),
        metavar="NAME",
        help=f"sets to measure (default all: {', '.join(PUBLIC_SETS)})",
    )
    parser.add_argument("--limit", type=int, metavar="N", help="at most N dev cases per set")
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke run: {QUICK_LIMIT} cases per set, {QUICK_BOOT} resamples",
    )
    parser.add_argument(
        "--n-boot",
        type=int,
        default=1000,
        metavar="N",
        help="bootstrap resamples per interval (default 1000)",
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write figures as JSON")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Measure the selected sets and print their tables; 0 when done or skipped, 2 on bad data."""
    args = parse_args(argv)
    if not args.data.is_dir():
        print(
            f"quality benchmark skipped: no data folder at {args.data} (the public sets are "
            "not shipped with the project; pass --data DIR with a copy of them)"
        )
        return 0
    limit = args.limit if args.limit is not None else (QUICK_LIMIT if args.quick else None)
    n_boot = min(args.n_boot, QUICK_BOOT) if args.quick else args.n_boot
    print(
        f"agentguard {__version__} quality benchmark{' (--quick)' if args.quick else ''}: "
        f"default estimator, policy {POLICY}, dev splits of {args.data}"
    )
    print(
        f"Python {platform.python_version()}; {n_boot} bootstrap resamples per 95% interval; "
        f"{'at most ' + str(limit) if limit is not None else 'all'} cases per set"
    )
    start = time.perf_counter()
    figures: dict[str, dict[str, Any]] = {}
    try:
        for name in args.sets:
            figures[name] = measure(name, args.data, limit, n_boot)
            print_set(name, figures[name])
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out: dict[str, Any] = {"sets": figures}
    if any(name in figures for name in BFCL_SETS):
        out["bfcl_pooled"] = print_bfcl_pooled(figures, n_boot)
    elapsed = time.perf_counter() - start
    if args.json:
        meta = {
            "agentguard": __version__,
            "python": platform.python_version(),
            "policy": POLICY,
            "data": str(args.data),
            "limit": limit,
            "n_boot": n_boot,
            "seconds": elapsed,
        }
        targets = {k: {m: vars(t) for m, t in v.items()} for k, v in TARGETS.items()}
        doc = {"meta": meta, "quick": args.quick, "targets": targets, **to_json(out)}
        args.json.write_text(json.dumps(doc, indent=2, allow_nan=False) + "\n", encoding="utf-8")
        print(f"\nwrote {args.json}")
    print(f"\n(benchmark ran for {elapsed:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
