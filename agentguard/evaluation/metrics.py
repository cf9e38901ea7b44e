"""Calibration and behaviour metrics for offline evals, in numpy.

Claim metrics take `p`, the predicted probability that each claim is supported, and `y`, 1
where it is. Behaviour metrics take the right action for each case and the action taken.
Every metric comes back as a `Metric`: a value with a bootstrap 95% interval, or `None` and a
note where the data leave it undefined (no claims, one class only), never NaN.

Each metric is a `Statistic` that works row by row on a 2-D array of resamples, so 1000
bootstrap resamples cost a few numpy calls on a block of rows instead of 1000 Python calls.

Example:
    >>> import numpy as np
    >>> m = brier(np.array([0.9, 0.2, 0.7]), np.array([1, 0, 0]), n_boot=200)
    >>> round(m.value, 4), m.n
    (0.18, 3)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]
Strategy = Literal["width", "mass"]
ACTIONS = ("answer", "ask_user", "call_tool", "refuse", "retry")
"""The actions a behaviour metric knows, in the order of their integer codes."""
BEHAVIOUR_METRICS = (
    "silent_assumption_rate",
    "ask_precision",
    "ask_recall",
    "redundant_question_rate",
    "tool_forcing_rate",
)
_CHUNK = 1 << 20  # elements per block of resamples, so memory stays bounded whatever n_boot is
_CODES = {a: i for i, a in enumerate(ACTIONS)}
# name: (column conditioned on, its values, values of the other column that count as a hit)
_RATES: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "silent_assumption_rate": ("gold", ("ask_user", "call_tool"), ("answer",)),
    "ask_precision": ("behaviour", ("ask_user",), ("ask_user",)),
    "ask_recall": ("gold", ("ask_user",), ("ask_user",)),
    "redundant_question_rate": ("gold", ("answer",), ("ask_user",)),
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


@dataclass(frozen=True)
class Statistic:
    """A metric computed row by row: `fn` maps two `(B, n)` arrays to `B` values.

    A row where the metric is undefined gets NaN, which never leaves this module: it becomes
    `Metric(None, note=undefined)` or a skipped resample.
    """

    name: str
    fn: Callable[[Array, Array], Array]
    undefined: str = "undefined"

    def __call__(self, a: Array, b: Array) -> Array:
        """The statistic of each row of `a` and `b`."""
        return self.fn(a, b)


# --- validation -------------------------------------------------------------------------------


def _as_1d(x: object, name: str) -> Array:
    try:
        a = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric: {exc}") from None
    if a.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array, got shape {a.shape}")
    return a


def check_claims(p: object, y: object) -> tuple[Array, Array]:
    """`p` and `y` as float arrays, after checking shapes and ranges.

    Raises:
        ValueError: naming the array and the first bad entry.
    """
    pa, ya = _as_1d(p, "p"), _as_1d(y, "y")
    if pa.size != ya.size:
        raise ValueError(f"p and y must have the same length, got {pa.size} and {ya.size}")
    bad = np.flatnonzero(~((pa >= 0.0) & (pa <= 1.0)))  # NaN fails both comparisons
    if bad.size:
        raise ValueError(f"p must hold probabilities in [0, 1]; p[{bad[0]}] = {pa[bad[0]]}")
    bad = np.flatnonzero((ya != 0.0) & (ya != 1.0))
    if bad.size:
        raise ValueError(f"y must hold 0 or 1 (1 = supported); y[{bad[0]}] = {ya[bad[0]]}")
    return pa, ya


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


def _check_bins(n_bins: int, strategy: str) -> None:
    if isinstance(n_bins, bool) or not isinstance(n_bins, (int, np.integer)) or n_bins < 1:
        raise ValueError(f"n_bins must be a positive integer, got {n_bins!r}")
    if strategy not in ("width", "mass"):
        raise ValueError(f"strategy must be 'width' or 'mass', got {strategy!r}")


def _check_threshold(threshold: float) -> None:
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must lie in [0, 1], got {threshold!r}")


def _check_boot(n_boot: int, alpha: float) -> None:
    if n_boot < 0:
        raise ValueError(f"n_boot must be >= 0, got {n_boot}")
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must lie in (0, 1), got {alpha}")


# --- bootstrap --------------------------------------------------------------------------------


def _resamples(n: int, n_boot: int, seed: int) -> Iterator[npt.NDArray[np.int64]]:
    # Blocks depend only on n, so every caller with the same seed sees the same resamples.
    rng = np.random.default_rng(seed)
    rows = max(1, _CHUNK // n)
    for start in range(0, n_boot, rows):
        yield rng.integers(0, n, size=(min(rows, n_boot - start), n))


def _replicates_many(
    stats: Sequence[Statistic], a: Array, b: Array, n_boot: int, seed: int
) -> list[Array]:
    # One pass over the resamples for all statistics: each block is drawn and gathered once.
    if a.size == 0 or n_boot == 0:
        return [np.full(n_boot, np.nan) for _ in stats]
    parts: list[list[Array]] = [[] for _ in stats]
    for idx in _resamples(a.size, n_boot, seed):
        ra, rb = a[idx], b[idx]
        for part, stat in zip(parts, stats, strict=True):
            part.append(stat(ra, rb))
    return [np.concatenate(part) for part in parts]


def replicates(stat: Statistic, a: Array, b: Array, *, n_boot: int = 1000, seed: int = 0) -> Array:
    """`stat` on `n_boot` resamples (with replacement) of the pairs `(a[i], b[i])`.

    Undefined resamples are NaN; callers drop them.
    """
    _check_boot(n_boot, 0.05)
    return _replicates_many([stat], a, b, n_boot, seed)[0]


def percentile_interval(values: Array, alpha: float = 0.05) -> tuple[float | None, float | None]:
    """The `1 - alpha` percentile interval of the finite `values`; None, None with fewer than 2."""
    finite = values[np.isfinite(values)]
    if finite.size < 2:
        return None, None
    low, high = np.quantile(finite, [alpha / 2, 1 - alpha / 2])
    return float(low), float(high)


def bootstrap(
    fn: Callable[[Array, Array], float | None],
    p: object,
    y: object,
    *,
    n_boot: int = 1000,
    seed: int = 0,
    alpha: float = 0.05,
) -> tuple[float | None, float | None]:
    """Percentile interval of `fn` over resamples of the claims with replacement.

    Resamples where `fn` returns None are skipped. The resamples are the ones `with_interval`
    draws for the same seed, so both give the same interval for the same metric.

    Returns:
        `(low, high)`, or `(None, None)` when fewer than 2 resamples gave a value.
    """
    pa, ya = check_claims(p, y)
    _check_boot(n_boot, alpha)
    values: list[float] = []
    if pa.size:
        for idx in _resamples(pa.size, n_boot, seed):
            for row in idx:
                v = fn(pa[row], ya[row])
                if v is not None:
                    values.append(v)
    return percentile_interval(np.asarray(values, dtype=np.float64), alpha)


def evaluate(stat: Statistic, a: Array, b: Array) -> float | None:
    """`stat` on the whole data, None when undefined or empty."""
    if a.size == 0:
        return None
    value = float(stat(a[None, :], b[None, :])[0])
    return value if np.isfinite(value) else None


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
    _check_boot(n_boot, alpha)
    values = {k: evaluate(s, a, b) for k, s in stats.items()}
    out = {k: Metric(None, n=sizes[k], note=empty or s.undefined) for k, s in stats.items()}
    for k, v in values.items():
        if v is not None and sizes[k] < 2:
            # every resample of a single case repeats it: a zero-width interval would be a fake
            out[k] = Metric(v, n=sizes[k], note="only one case: no interval")
    resampled = [k for k, v in values.items() if v is not None and sizes[k] >= 2]
    reps = _replicates_many([stats[k] for k in resampled], a, b, n_boot, seed)
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


# --- row-wise statistics ----------------------------------------------------------------------


def _float(x: object) -> Array:
    return np.asarray(x, dtype=np.float64)


def _bin_index(p: Array, n_bins: int, strategy: str) -> tuple[npt.NDArray[np.intp], Array]:
    """The bin of every entry of the `(B, n)` array `p`, and the `(B, n_bins + 1)` edges."""
    if strategy == "width":
        edges = np.linspace(0.0, 1.0, n_bins + 1)
        # [lo, hi), the last bin closed so that 1.0 falls in it
        return np.searchsorted(edges[1:-1], p, side="right"), np.tile(edges, (p.shape[0], 1))
    # Quantile edges as numpy.percentile gives them; bins are (lo, hi] with the first closed
    # (scikit-learn's calibration_curve agrees), so a tie sitting on an edge stays whole in
    # the lower bin and duplicate edges only leave empty bins behind.
    edges = np.percentile(p, np.linspace(0.0, 1.0, n_bins + 1) * 100, axis=1).T
    idx = np.zeros(p.shape, dtype=np.intp)
    for j in range(1, n_bins):
        idx += p > edges[:, j : j + 1]
    return idx, edges


Sums = Callable[[Array, Array], tuple[Array, Array, Array]]


def _shared(fn: Sums) -> Sums:
    """`fn` remembering its last result, so statistics over the same bins bin each block once."""
    last: list[tuple[Array, Array, tuple[Array, Array, Array]]] = []

    def call(p: Array, y: Array) -> tuple[Array, Array, Array]:
        entry = last[0] if last else None  # read once: another thread may replace it
        if entry is not None and entry[0] is p and entry[1] is y:
            return entry[2]
        sums = fn(p, y)
        last[:] = [(p, y, sums)]  # holding p and y keeps their ids from being reused
        return sums

    return call


def _binning(n_bins: int, strategy: str) -> Sums:
    return lambda p, y: _bin_sums(p, y, n_bins, strategy)


def _bin_sums(p: Array, y: Array, n_bins: int, strategy: str) -> tuple[Array, Array, Array]:
    """Count, sum of p and sum of y per bin, each `(B, n_bins)`."""
    idx, _ = _bin_index(p, n_bins, strategy)
    rows = p.shape[0]
    flat = (idx + n_bins * np.arange(rows)[:, None]).ravel()
    size = rows * n_bins
    count = np.bincount(flat, minlength=size).reshape(rows, n_bins).astype(np.float64)
    sum_p = np.bincount(flat, weights=p.ravel(), minlength=size).reshape(rows, n_bins)
    sum_y = np.bincount(flat, weights=y.ravel(), minlength=size).reshape(rows, n_bins)
    return count, _float(sum_p), _float(sum_y)


def _ece_fn(sums: Sums) -> Callable[[Array, Array], Array]:
    def fn(p: Array, y: Array) -> Array:
        _, sum_p, sum_y = sums(p, y)
        # count * |frac_pos - mean_p| = |sum_y - sum_p|
        return _float(np.abs(sum_y - sum_p).sum(axis=1) / p.shape[1])

    return fn


def _mce_fn(sums: Sums) -> Callable[[Array, Array], Array]:
    def fn(p: Array, y: Array) -> Array:
        count, sum_p, sum_y = sums(p, y)
        gap = np.where(count > 0, np.abs(sum_y - sum_p) / np.maximum(count, 1), -np.inf)
        return _float(gap.max(axis=1))

    return fn


def _murphy_fn(sums: Sums, part: int) -> Callable[[Array, Array], Array]:
    def fn(p: Array, y: Array) -> Array:
        count, sum_p, sum_y = sums(p, y)
        n = p.shape[1]
        mean_p, frac = sum_p / np.maximum(count, 1), sum_y / np.maximum(count, 1)
        base = sum_y.sum(axis=1, keepdims=True) / n
        parts = (
            (count * (mean_p - frac) ** 2).sum(axis=1) / n,
            (count * (frac - base) ** 2).sum(axis=1) / n,
            (base * (1 - base))[:, 0],
        )
        return _float(parts[part])

    return fn


def _brier(p: Array, y: Array) -> Array:
    return _float(((p - y) ** 2).mean(axis=1))


def _log_loss_fn(eps: float) -> Callable[[Array, Array], Array]:
    def fn(p: Array, y: Array) -> Array:
        q = np.clip(p, eps, 1 - eps)
        return _float(-(y * np.log(q) + (1 - y) * np.log1p(-q)).mean(axis=1))

    return fn


def _sort_rows(key: Array, other: Array) -> tuple[Array, Array]:
    order = np.argsort(key, axis=1)  # every caller is invariant to the order within ties
    return np.take_along_axis(key, order, axis=1), np.take_along_axis(other, order, axis=1)


def _tie_bounds(s: Array) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """First and last position of each entry's run of equal values in the row-sorted `s`."""
    rows, n = s.shape
    pos = np.broadcast_to(np.arange(n), (rows, n))
    first = np.ones((rows, n), dtype=bool)
    first[:, 1:] = s[:, 1:] != s[:, :-1]
    last = np.ones((rows, n), dtype=bool)
    last[:, :-1] = first[:, 1:]
    start = np.maximum.accumulate(np.where(first, pos, 0), axis=1)
    end = np.minimum.accumulate(np.where(last, pos, n - 1)[:, ::-1], axis=1)[:, ::-1]
    return start, end


def _auroc(p: Array, y: Array) -> Array:
    s, ys = _sort_rows(p, y)
    start, end = _tie_bounds(s)
    ranks = (start + end) / 2 + 1  # tied scores share their mean rank
    pos = ys.sum(axis=1)
    pairs = pos * (p.shape[1] - pos)
    u = (ranks * ys).sum(axis=1) - pos * (pos + 1) / 2
    return np.where(pairs > 0, u / np.maximum(pairs, 1), np.nan)


def _auprc(p: Array, y: Array) -> Array:
    s, ys = _sort_rows(-p, y)
    _, end = _tie_bounds(s)
    precision = np.cumsum(ys, axis=1) / np.arange(1, p.shape[1] + 1)
    # Each positive adds 1/pos recall at its threshold, i.e. at the end of its tie run.
    at_threshold = np.take_along_axis(precision, end, axis=1)
    pos = ys.sum(axis=1)
    # With every claim supported the precision is 1 at any threshold: a fake perfect score.
    defined = (pos > 0) & (pos < p.shape[1])
    return np.where(defined, (ys * at_threshold).sum(axis=1) / np.maximum(pos, 1), np.nan)


def _risk(p: Array, y: Array) -> Array:
    """Risk at each coverage k/n, `(B, n)`; claims tied in confidence spread their errors evenly."""
    wrong = ((p >= 0.5) != (y == 1)).astype(np.float64)
    s, ws = _sort_rows(-np.maximum(p, 1 - p), wrong)
    start, end = _tie_bounds(s)
    cum = np.concatenate([np.zeros((p.shape[0], 1)), np.cumsum(ws, axis=1)], axis=1)
    before = np.take_along_axis(cum, start, axis=1)
    through = np.take_along_axis(cum, end + 1, axis=1)
    k = np.arange(1, p.shape[1] + 1)
    # Averaging over orderings within a tie makes the curve independent of input order.
    errors = before + (k - start) * (through - before) / (end - start + 1)
    return _float(errors / k)


def _aurc(p: Array, y: Array) -> Array:
    return _float(_risk(p, y).mean(axis=1))


def _accuracy_fn(threshold: float) -> Callable[[Array, Array], Array]:
    def fn(p: Array, y: Array) -> Array:
        return _float(((p >= threshold) == (y == 1)).mean(axis=1))

    return fn


def _f1_fn(threshold: float) -> Callable[[Array, Array], Array]:
    def fn(p: Array, y: Array) -> Array:
        pred = p >= threshold
        tp = (pred & (y == 1)).sum(axis=1)
        denom = pred.sum(axis=1) + y.sum(axis=1)  # 2tp + fp + fn
        return np.where(denom > 0, 2 * tp / np.maximum(denom, 1), np.nan)

    return fn


def claim_statistics(
    *, n_bins: int = 15, threshold: float = 0.5, eps: float = 1e-15
) -> dict[str, Statistic]:
    """The claim-level statistics a summary reports, by name (MCE uses equal-width bins)."""
    _check_bins(n_bins, "width")
    _check_threshold(threshold)
    width = _shared(_binning(n_bins, "width"))
    named = {
        "ece_width": (_ece_fn(width), ""),
        "ece_mass": (_ece_fn(_binning(n_bins, "mass")), ""),
        "mce": (_mce_fn(width), ""),
        "brier": (_brier, ""),
        "brier_reliability": (_murphy_fn(width, 0), ""),
        "brier_resolution": (_murphy_fn(width, 1), ""),
        "brier_uncertainty": (_murphy_fn(width, 2), ""),
        "log_loss": (_log_loss_fn(eps), ""),
        "auroc": (_auroc, "one class only"),
        "auprc": (_auprc, "one class only"),
        "accuracy": (_accuracy_fn(threshold), ""),
        "f1": (_f1_fn(threshold), "no predicted and no true positives"),
        "aurc": (_aurc, ""),
    }
    return {k: Statistic(k, fn, note or "undefined") for k, (fn, note) in named.items()}


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
    _check_bins(n_bins, strategy)
    if pa.size == 0:
        edges = np.linspace(0.0, 1.0, n_bins + 1)
        return (
            []
            if strategy == "mass"
            else [Bin(float(edges[i]), float(edges[i + 1]), 0, None, None) for i in range(n_bins)]
        )
    edges = _bin_index(pa[None, :], n_bins, strategy)[1][0]
    count, sum_p, sum_y = (a[0] for a in _bin_sums(pa[None, :], ya[None, :], n_bins, strategy))
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
    _check_bins(n_bins, strategy)
    return with_interval(
        Statistic("ece", _ece_fn(_binning(n_bins, strategy))), p, y, n_boot=n_boot, seed=seed
    )


def mce(
    p: object, y: object, n_bins: int = 15, strategy: Strategy = "width", *,
    n_boot: int = 1000, seed: int = 0,
) -> Metric:  # fmt: skip
    """Maximum calibration error: max |frac_pos - mean_p| over the non-empty bins."""
    _check_bins(n_bins, strategy)
    return with_interval(
        Statistic("mce", _mce_fn(_binning(n_bins, strategy))), p, y, n_boot=n_boot, seed=seed
    )


def brier(p: object, y: object, *, n_boot: int = 1000, seed: int = 0) -> Metric:
    """Brier score: mean (p - y)^2."""
    return with_interval(Statistic("brier", _brier), p, y, n_boot=n_boot, seed=seed)


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
    return with_interval(Statistic("log_loss", _log_loss_fn(eps)), p, y, n_boot=n_boot, seed=seed)


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


def risk_coverage(
    p: object, y: object, *, n_boot: int = 1000, seed: int = 0
) -> tuple[Array, Array, Metric]:
    """The risk-coverage curve of selective prediction and its area (AURC).

    Claims are taken most confident first (confidence max(p, 1 - p)); the risk at coverage k/n
    is the error rate of predicting supported when p >= 0.5 among the first k. Claims tied in
    confidence are one block whose errors are spread evenly over it, so input order does not
    matter. AURC is the mean risk over all n coverage points.

    Returns:
        Coverage and risk arrays (length n) and AURC as a Metric.
    """
    pa, ya = check_claims(p, y)
    metric = with_interval(claim_statistics()["aurc"], pa, ya, n_boot=n_boot, seed=seed)
    if pa.size == 0:
        return np.empty(0), np.empty(0), metric
    return np.arange(1, pa.size + 1) / pa.size, _risk(pa[None, :], ya[None, :])[0], metric


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

    silent_assumption_rate = P(answer | right action is ask_user or call_tool);
    ask_precision = P(right action ask_user | asked); ask_recall = P(asked | right action
    ask_user); redundant_question_rate = P(asked | right action answer); tool_forcing_rate =
    P(call_tool | right action call_tool). `n` is the size of the conditioning set.
    """
    g, b = encode_actions(gold, "gold"), encode_actions(behaviour, "behaviour")
    if g.size != b.size:
        raise ValueError(f"gold and behaviour must have the same length, got {g.size} and {b.size}")
    stats = {name: behaviour_statistic(name) for name in BEHAVIOUR_METRICS}
    sizes = {name: int(_condition(name, g, b).sum()) for name in BEHAVIOUR_METRICS}
    return _estimate(stats, g, b, sizes=sizes, boot=(n_boot, seed, 0.05))
