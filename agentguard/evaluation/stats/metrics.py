"""Calibration and behaviour metrics for offline evals, in numpy.

Claim metrics take `p`, the predicted probability that each claim is supported, and `y`, 1
where it is. Behaviour metrics take the right action for each case and the action taken.
Every metric comes back as a `Metric`: a value with a bootstrap 95% interval, or `None` and a
note where the data leave it undefined (no claims, one class only), never NaN.

Each metric is a `Statistic` from `agentguard.evaluation.stats.resampling` that works row by row
on a 2-D array of resamples, so 1000 bootstrap resamples cost a few numpy calls on a block of rows
instead of 1000 Python calls. The names summaries and comparisons use from that module are
re-exported here.

Example:
    >>> import numpy as np
    >>> m = brier(np.array([0.9, 0.2, 0.7]), np.array([1, 0, 0]), n_boot=200)
    >>> round(m.value, 4), m.n
    (0.18, 3)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from agentguard.evaluation.stats.resampling import (
    Array,
    Statistic,
    bin_index,
    bin_sums,
    binned_statistic,
    bootstrap,
    check_bins,
    check_boot,
    check_claims,
    claim_statistics,
    error_curve,
    evaluate,
    percentile_interval,
    replicates,
    replicates_many,
)

__all__ = [
    "ACTIONS",
    "BEHAVIOUR_METRICS",
    "Array",
    "Bin",
    "Metric",
    "Statistic",
    "Strategy",
    "accuracy_f1",
    "auprc",
    "auroc",
    "behaviour_metrics",
    "behaviour_statistic",
    "bootstrap",
    "brier",
    "brier_decomposition",
    "check_claims",
    "claim_statistics",
    "ece",
    "encode_actions",
    "evaluate",
    "log_loss",
    "mce",
    "percentile_interval",
    "reliability_bins",
    "replicates",
    "error_coverage",
    "with_interval",
    "with_intervals",
]

Strategy = Literal["width", "mass"]
ACTIONS = ("allow", "ask_user", "call_tool", "block", "retry")
"""The actions a behaviour metric knows, in the order of their integer codes."""
BEHAVIOUR_METRICS = (
    "silent_assumption_rate",
    "ask_precision",
    "ask_recall",
    "redundant_question_rate",
    "tool_forcing_rate",
)
_CODES = {a: i for i, a in enumerate(ACTIONS)}
# name: (column conditioned on, its values, values of the other column that count as a hit)
_RATES: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "silent_assumption_rate": ("gold", ("ask_user", "call_tool"), ("allow",)),
    "ask_precision": ("behaviour", ("ask_user",), ("ask_user",)),
    "ask_recall": ("gold", ("ask_user",), ("ask_user",)),
    "redundant_question_rate": ("gold", ("allow",), ("ask_user",)),
    "tool_forcing_rate": ("gold", ("call_tool",), ("call_tool",)),
}


@dataclass(frozen=True)
class Metric:
    """A metric value and its bootstrap interval; None, with a note saying why, when undefined."""

    value: float | None
    low: float | None = None
    high: float | None = None
    n: int = 0
    note: str | None = None

    def to_json(self) -> dict[str, float | int | str | None]:
        """The metric as a JSON-ready dict with keys value, low, high, n, note."""
        return {
            "value": self.value,
            "low": self.low,
            "high": self.high,
            "n": self.n,
            "note": self.note,
        }


@dataclass(frozen=True)
class Bin:
    """One bin of a reliability diagram; `mean_p` and `frac_pos` are None for an empty bin."""

    lo: float
    hi: float
    count: int
    mean_p: float | None
    frac_pos: float | None


def encode_actions(values: object, name: str) -> Array:
    """Actions as their float codes (indices into `ACTIONS`).

    Raises:
        ValueError: naming the first value that is not an action.
    """
    arr = np.asarray(values, dtype=object)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array, got shape {arr.shape}")
    codes = np.empty(arr.size)
    for i, v in enumerate(arr.tolist()):
        if not isinstance(v, str) or v not in _CODES:
            raise ValueError(f"{name}[{i}] = {v!r} is not one of {', '.join(ACTIONS)}")
        codes[i] = _CODES[v]
    return codes


# --- intervals --------------------------------------------------------------------------------


def _estimate(
    stats: Mapping[str, Statistic],
    a: Array,
    b: Array,
    *,
    sizes: Mapping[str, int],
    boot: tuple[int, int, float],
    empty: str | None = None,
) -> dict[str, Metric]:
    n_boot, seed, alpha = boot
    check_boot(n_boot, alpha)
    values = {k: evaluate(s, a, b) for k, s in stats.items()}
    out = {k: Metric(None, n=sizes[k], note=empty or s.undefined) for k, s in stats.items()}
    for k, v in values.items():
        if v is not None and sizes[k] < 2:
            # every resample of a single case repeats it: a zero-width interval would be a fake
            out[k] = Metric(v, n=sizes[k], note="only one case: no interval")
    resampled = [k for k, v in values.items() if v is not None and sizes[k] >= 2]
    reps = replicates_many([stats[k] for k in resampled], a, b, n_boot, seed)
    for k, rep in zip(resampled, reps, strict=True):
        out[k] = Metric(values[k], *percentile_interval(rep, alpha), n=sizes[k])
    return out


def with_intervals(
    stats: Mapping[str, Statistic],
    p: object,
    y: object,
    *,
    n_boot: int = 1000,
    seed: int = 0,
    alpha: float = 0.05,
) -> dict[str, Metric]:
    """Each statistic on the claims, with bootstrap percentile intervals over resampled claims.

    All statistics see the same resamples, drawn once. Empty input gives `Metric(None,
    note="no claims")`; a statistic undefined on the data gives None with its own note.
    """
    pa, ya = check_claims(p, y)
    sizes = dict.fromkeys(stats, int(pa.size))
    empty = "no claims" if pa.size == 0 else None
    return _estimate(stats, pa, ya, sizes=sizes, boot=(n_boot, seed, alpha), empty=empty)


def with_interval(
    stat: Statistic, p: object, y: object, *, n_boot: int = 1000, seed: int = 0, alpha: float = 0.05
) -> Metric:
    """`stat` on the claims, with a bootstrap percentile interval over resampled claims."""
    return with_intervals({"m": stat}, p, y, n_boot=n_boot, seed=seed, alpha=alpha)["m"]


# --- claim metrics ----------------------------------------------------------------------------


def reliability_bins(
    p: object, y: object, n_bins: int = 15, strategy: Strategy = "width"
) -> list[Bin]:
    """The bins of a reliability diagram.

    `width`: `n_bins` equal-width bins over [0, 1], each `[lo, hi)` with the last closed; empty
    bins are kept, with None means. `mass`: quantile edges (as `numpy.percentile` computes
    them), each bin `(lo, hi]` with the first closed; duplicate edges from ties, and any bin
    left empty, are merged into the next bin, so fewer than `n_bins` bins come back.
    """
    pa, ya = check_claims(p, y)
    check_bins(n_bins, strategy)
    if pa.size == 0:
        edges = np.linspace(0.0, 1.0, n_bins + 1)
        return (
            []
            if strategy == "mass"
            else [Bin(float(edges[i]), float(edges[i + 1]), 0, None, None) for i in range(n_bins)]
        )
    edges = bin_index(pa[None, :], n_bins, strategy)[1][0]
    count, sum_p, sum_y = (a[0] for a in bin_sums(pa[None, :], ya[None, :], n_bins, strategy))
    bins: list[Bin] = []
    lo = float(edges[0])
    for i in range(n_bins):
        c = int(count[i])
        if c == 0 and strategy == "mass":
            continue  # holds no data, so widening the next bin over it changes no assignment
        hi = float(edges[i + 1])
        mean_p, frac = (float(sum_p[i] / c), float(sum_y[i] / c)) if c else (None, None)
        bins.append(Bin(lo, hi, c, mean_p, frac))
        lo = hi
    return bins


def ece(
    p: object, y: object, n_bins: int = 15, strategy: Strategy = "width", *,
    n_boot: int = 1000, seed: int = 0,
) -> Metric:  # fmt: skip
    """Expected calibration error: sum over bins of count/n * |frac_pos - mean_p|.

    Bins as in `reliability_bins`. Binned ECE is biased upward, and a resample more so (it adds
    its own noise to every bin), so on well-calibrated data the percentile interval can sit
    wholly above the estimate; read it as the spread of the estimate, not a bound on the truth.
    """
    stat = binned_statistic("ece", n_bins, strategy)
    return with_interval(stat, p, y, n_boot=n_boot, seed=seed)


def mce(
    p: object, y: object, n_bins: int = 15, strategy: Strategy = "width", *,
    n_boot: int = 1000, seed: int = 0,
) -> Metric:  # fmt: skip
    """Maximum calibration error: max |frac_pos - mean_p| over the non-empty bins."""
    stat = binned_statistic("mce", n_bins, strategy)
    return with_interval(stat, p, y, n_boot=n_boot, seed=seed)


def brier(p: object, y: object, *, n_boot: int = 1000, seed: int = 0) -> Metric:
    """Brier score: mean (p - y)^2."""
    return with_interval(claim_statistics()["brier"], p, y, n_boot=n_boot, seed=seed)


def brier_decomposition(
    p: object, y: object, n_bins: int = 15, *, n_boot: int = 1000, seed: int = 0
) -> dict[str, Metric]:
    """Murphy's decomposition of the Brier score on equal-width bins.

    reliability = sum count/n (mean_p - frac_pos)^2, resolution = sum count/n (frac_pos - base)^2,
    uncertainty = base (1 - base), with base the fraction supported. reliability - resolution +
    uncertainty equals the Brier score exactly only when the forecasts within each bin are
    equal; otherwise the within-bin spread of the forecasts makes up the difference.
    """
    stats = claim_statistics(n_bins=n_bins)
    parts = {k: stats[f"brier_{k}"] for k in ("reliability", "resolution", "uncertainty")}
    return with_intervals(parts, p, y, n_boot=n_boot, seed=seed)


def log_loss(
    p: object, y: object, eps: float = 1e-15, *, n_boot: int = 1000, seed: int = 0
) -> Metric:
    """Mean negative log-likelihood, with p clipped to [eps, 1 - eps]."""
    if not 0.0 < eps < 0.5:
        raise ValueError(f"eps must lie in (0, 0.5), got {eps}")
    stat = claim_statistics(eps=eps)["log_loss"]
    return with_interval(stat, p, y, n_boot=n_boot, seed=seed)


def auroc(p: object, y: object, *, n_boot: int = 1000, seed: int = 0) -> Metric:
    """Area under the ROC curve from ranks, tied scores counting one half."""
    return with_interval(claim_statistics()["auroc"], p, y, n_boot=n_boot, seed=seed)


def auprc(p: object, y: object, *, n_boot: int = 1000, seed: int = 0) -> Metric:
    """Average precision: sum over thresholds of (recall gain) * precision, as scikit-learn."""
    return with_interval(claim_statistics()["auprc"], p, y, n_boot=n_boot, seed=seed)


def accuracy_f1(
    p: object, y: object, threshold: float, *, n_boot: int = 1000, seed: int = 0
) -> dict[str, Metric]:
    """Accuracy and F1 of predicting supported when p >= threshold (supported is positive)."""
    stats = claim_statistics(threshold=threshold)
    both = {k: stats[k] for k in ("accuracy", "f1")}
    return with_intervals(both, p, y, n_boot=n_boot, seed=seed)


def error_coverage(
    p: object, y: object, *, n_boot: int = 1000, seed: int = 0
) -> tuple[Array, Array, Metric]:
    """The error-coverage curve of selective prediction and its area (AUEC).

    Claims are taken most confident first (confidence max(p, 1 - p)); the error rate at coverage
    k/n is the error rate of predicting supported when p >= 0.5 among the first k. Claims tied in
    confidence are one block whose errors are spread evenly over it, so input order does not
    matter. AUEC is the mean error rate over all n coverage points.

    Returns:
        Coverage and error-rate arrays (length n) and AUEC as a Metric.
    """
    pa, ya = check_claims(p, y)
    metric = with_interval(claim_statistics()["auec"], pa, ya, n_boot=n_boot, seed=seed)
    if pa.size == 0:
        return np.empty(0), np.empty(0), metric
    return np.arange(1, pa.size + 1) / pa.size, error_curve(pa[None, :], ya[None, :])[0], metric


# --- behaviour metrics ------------------------------------------------------------------------


def _condition(name: str, gold: Array, behaviour: Array) -> npt.NDArray[np.bool_]:
    on, given, _ = _RATES[name]
    return np.isin(gold if on == "gold" else behaviour, [_CODES[a] for a in given])


def behaviour_statistic(name: str) -> Statistic:
    """The behaviour rate `name` (one of `BEHAVIOUR_METRICS`) on coded gold/behaviour arrays.

    Raises:
        ValueError: for an unknown name.
    """
    if name not in _RATES:
        raise ValueError(f"unknown behaviour metric {name!r}; known: {', '.join(_RATES)}")
    on, given, hit = _RATES[name]
    hit_codes = [_CODES[a] for a in hit]

    def fn(gold: Array, behaviour: Array) -> Array:
        cond = _condition(name, gold, behaviour)
        hits = cond & np.isin(behaviour if on == "gold" else gold, hit_codes)
        size = cond.sum(axis=1)
        return np.where(size > 0, hits.sum(axis=1) / np.maximum(size, 1), np.nan)

    who = "right action" if on == "gold" else "behaviour"
    return Statistic(name, fn, f"no case whose {who} is {' or '.join(given)}")


def behaviour_metrics(
    gold: Sequence[str] | npt.NDArray[np.object_] | npt.NDArray[np.str_],
    behaviour: Sequence[str] | npt.NDArray[np.object_] | npt.NDArray[np.str_],
    *,
    n_boot: int = 1000,
    seed: int = 0,
) -> dict[str, Metric]:
    """Behaviour rates, each with a bootstrap interval over resampled cases.

    silent_assumption_rate = P(allow | right action is ask_user or call_tool);
    ask_precision = P(right action ask_user | asked); ask_recall = P(asked | right action
    ask_user); redundant_question_rate = P(asked | right action allow); tool_forcing_rate =
    P(call_tool | right action call_tool). `n` is the size of the conditioning set.
    """
    g, b = encode_actions(gold, "gold"), encode_actions(behaviour, "behaviour")
    if g.size != b.size:
        raise ValueError(f"gold and behaviour must have the same length, got {g.size} and {b.size}")
    stats = {name: behaviour_statistic(name) for name in BEHAVIOUR_METRICS}
    sizes = {name: int(_condition(name, g, b).sum()) for name in BEHAVIOUR_METRICS}
    return _estimate(stats, g, b, sizes=sizes, boot=(n_boot, seed, 0.05))
