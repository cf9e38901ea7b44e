"""Building blocks of the quality benchmark (`quality.py`): running the checks and scoring.

The monitor run over the cases of a set, the naive lexical floor and the answer pairs of
HaluEval, the response-level metrics with their bootstrap intervals, and the character
counts and micro scores of the FaithBench span level. `quality.py` documents the figures.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from agentguard import Monitor
from agentguard.estimators.base import Estimator
from agentguard.evaluation.harness.suite import EvalCase
from agentguard.evaluation.stats.metrics import (
    Array,
    Metric,
    Statistic,
    evaluate,
    percentile_interval,
    replicates,
    with_interval,
    with_intervals,
)
from agentguard.evaluation.stats.resampling import claim_statistics
from agentguard.policy import add_resolvers
from agentguard.progress import Progress
from agentguard.text.lexicon import STOPWORDS
from agentguard.types import Report

POLICY = "balanced"
MIN_SENTENCE_WORDS = 5
PROGRESS_FROM = 500
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Checked:
    """One case and the monitor's report on it."""

    case: EvalCase
    report: Report
    ms: float


# --- running ------------------------------------------------------------------------------


def check_cases(
    cases: Sequence[EvalCase], *, label: str = "cases", estimator: Estimator | None = None
) -> list[Checked]:
    """Check every case with the default monitor (a progress bar for long sets).

    `estimator` replaces the default estimator (the fitted coefficients, say) when given.
    """
    base = Monitor(POLICY, estimator=estimator)
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


def case_pairs(cases: Sequence[EvalCase]) -> dict[Any, list[int]]:
    """Indices of the cases of each answer pair (metadata `pair`); cases without one left out."""
    pairs: dict[Any, list[int]] = {}
    for i, c in enumerate(cases):
        pairs.setdefault(c.metadata.get("pair"), []).append(i)
    pairs.pop(None, None)
    return pairs


def _pair_mask(cases: Sequence[EvalCase], keep: Callable[[list[EvalCase]], bool]) -> Array:
    mask = np.zeros(len(cases), dtype=bool)
    for members in case_pairs(cases).values():
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


def claim_metrics(p: Array, y: Array, n_boot: int) -> dict[str, Metric]:
    """ECE (15 equal-mass bins), Brier and AUROC of argument claims."""
    stats = claim_statistics(n_bins=15)
    chosen = {"ece": stats["ece_mass"], "brier": stats["brier"], "auroc": stats["auroc"]}
    return with_intervals(chosen, p, y, n_boot=n_boot)


# --- span level ---------------------------------------------------------------------------


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
