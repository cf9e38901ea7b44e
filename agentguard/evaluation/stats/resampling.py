"""Bootstrap resampling and the row-wise numpy statistics behind the eval metrics.

A `Statistic` maps two `(B, n)` arrays, B rows of n paired values, to B values, so 1000
bootstrap resamples cost a few numpy calls on a block of rows instead of 1000 Python calls.
Most also have a weighted form (`agentguard.evaluation.stats.weighted`) that takes each resample as
counts over the original data, sorted once, so large resamples are never gathered or sorted.
`replicates` runs statistics over blocks of resamples and `percentile_interval` turns the
replicates into an interval (`bootstrap` does both for any Python function of the claims);
`claim_statistics` names the claim-level statistics a summary reports. Everything here takes
and returns arrays or floats: `agentguard.evaluation.stats.metrics` wraps it into the public metric
functions and their `Metric` results.

Example:
    >>> import numpy as np
    >>> p, y = np.array([0.9, 0.2, 0.7, 0.4]), np.array([1.0, 0.0, 0.0, 1.0])
    >>> brier = claim_statistics()["brier"]
    >>> round(evaluate(brier, p, y), 4), replicates(brier, p, y, n_boot=200).shape
    (0.225, (200,))
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from agentguard.evaluation.stats import weighted as wt

Array = npt.NDArray[np.float64]
_CHUNK = 1 << 20  # elements per block of resamples, so memory stays bounded whatever n_boot is


@dataclass(frozen=True)
class Statistic:
    """A metric computed row by row: `fn` maps two `(B, n)` arrays to `B` values.

    A row where the metric is undefined gets NaN, which never reaches a report: `evaluate` and
    `percentile_interval` drop it, and the metrics module turns it into
    `Metric(None, note=undefined)` or a skipped resample.
    """

    name: str
    fn: Callable[[Array, Array], Array]
    undefined: str = "undefined"
    weighted: Callable[[Array, Array], wt.Weighted] | None = None
    """Prepares the statistic on the original data for resamples given as counts; the
    resamples are gathered and `fn` used where None."""

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


def check_bins(n_bins: int, strategy: str) -> None:
    """Raise ValueError unless `n_bins` is a positive integer and `strategy` width or mass."""
    if isinstance(n_bins, bool) or not isinstance(n_bins, (int, np.integer)) or n_bins < 1:
        raise ValueError(f"n_bins must be a positive integer, got {n_bins!r}")
    if strategy not in ("width", "mass"):
        raise ValueError(f"strategy must be 'width' or 'mass', got {strategy!r}")


def check_threshold(threshold: float) -> None:
    """Raise ValueError unless `threshold` lies in [0, 1]."""
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must lie in [0, 1], got {threshold!r}")


def check_boot(n_boot: int, alpha: float) -> None:
    """Raise ValueError unless `n_boot` >= 0 and `alpha` lies in (0, 1)."""
    if n_boot < 0:
        raise ValueError(f"n_boot must be >= 0, got {n_boot}")
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must lie in (0, 1), got {alpha}")


# --- bootstrap --------------------------------------------------------------------------------


def _resamples(n: int, n_boot: int, seed: int) -> Iterator[npt.NDArray[np.int64]]:
    """`n_boot` resamples of `range(n)` with replacement, as blocks of rows of indices."""
    # Blocks depend only on n, so every caller with the same seed sees the same resamples.
    rng = np.random.default_rng(seed)
    rows = max(1, _CHUNK // n)
    for start in range(0, n_boot, rows):
        yield rng.integers(0, n, size=(min(rows, n_boot - start), n))


def replicates_many(
    stats: Sequence[Statistic], a: Array, b: Array, n_boot: int, seed: int
) -> list[Array]:
    """`replicates` of each statistic, all on the same resamples; arguments are not checked."""
    # One pass over the resamples for all statistics: each block is drawn once, turned into
    # counts for the weighted statistics and gathered only for the others.
    if a.size == 0 or n_boot == 0:
        return [np.full(n_boot, np.nan) for _ in stats]
    n = a.size
    prepared = [None if s.weighted is None else s.weighted(a, b) for s in stats]
    parts: list[list[Array]] = [[] for _ in stats]
    for idx in _resamples(n, n_boot, seed):
        rows = np.arange(idx.shape[0])[:, None]
        counts = np.bincount((idx + n * rows).ravel(), minlength=rows.size * n)
        w = counts.reshape(rows.size, n).astype(np.float64)
        gathered: tuple[Array, Array] | None = None
        for part, stat, prep in zip(parts, stats, prepared, strict=True):
            if prep is not None:
                part.append(prep(w))
                continue
            gathered = gathered or (a[idx], b[idx])
            part.append(stat(*gathered))
    return [np.concatenate(part) for part in parts]


def replicates(stat: Statistic, a: Array, b: Array, *, n_boot: int = 1000, seed: int = 0) -> Array:
    """`stat` on `n_boot` resamples (with replacement) of the pairs `(a[i], b[i])`.

    Undefined resamples are NaN; callers drop them.
    """
    check_boot(n_boot, 0.05)
    return replicates_many([stat], a, b, n_boot, seed)[0]


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
    check_boot(n_boot, alpha)
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


# --- row-wise statistics ----------------------------------------------------------------------


def _float(x: object) -> Array:
    return np.asarray(x, dtype=np.float64)


def bin_index(p: Array, n_bins: int, strategy: str) -> tuple[npt.NDArray[np.intp], Array]:
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


Row = Callable[[Array, Array], Array]
Prepare = Callable[[Array, Array], wt.Weighted]
Binned = Callable[[Array, Array, Array, int], Array]  # (count, sum_p, sum_y, n) to values


def bin_sums(p: Array, y: Array, n_bins: int, strategy: str) -> tuple[Array, Array, Array]:
    """Count, sum of p and sum of y per bin, each `(B, n_bins)`."""
    idx, _ = bin_index(p, n_bins, strategy)
    rows = p.shape[0]
    flat = (idx + n_bins * np.arange(rows)[:, None]).ravel()
    size = rows * n_bins
    count = np.bincount(flat, minlength=size).reshape(rows, n_bins).astype(np.float64)
    sum_p = np.bincount(flat, weights=p.ravel(), minlength=size).reshape(rows, n_bins)
    sum_y = np.bincount(flat, weights=y.ravel(), minlength=size).reshape(rows, n_bins)
    return count, _float(sum_p), _float(sum_y)


def _ece(count: Array, sum_p: Array, sum_y: Array, n: int) -> Array:
    # count * |frac_pos - mean_p| = |sum_y - sum_p|
    return _float(np.abs(sum_y - sum_p).sum(axis=1) / n)


def _mce(count: Array, sum_p: Array, sum_y: Array, n: int) -> Array:
    gap = np.where(count > 0, np.abs(sum_y - sum_p) / np.maximum(count, 1), -np.inf)
    return _float(gap.max(axis=1))


def _murphy(part: int) -> Binned:
    def fn(count: Array, sum_p: Array, sum_y: Array, n: int) -> Array:
        mean_p, frac = sum_p / np.maximum(count, 1), sum_y / np.maximum(count, 1)
        base = sum_y.sum(axis=1, keepdims=True) / n
        parts = (
            (count * (mean_p - frac) ** 2).sum(axis=1) / n,
            (count * (frac - base) ** 2).sum(axis=1) / n,
            (base * (1 - base))[:, 0],
        )
        return _float(parts[part])

    return fn


def _binned(of: Binned, n_bins: int, strategy: str) -> tuple[Row, Prepare]:
    """`of` on the bins of resampled rows, and its weighted form."""
    prepare = wt.width_sums if strategy == "width" else wt.mass_sums

    def rowwise(p: Array, y: Array) -> Array:
        return of(*bin_sums(p, y, n_bins, strategy), p.shape[1])

    def weighted(p: Array, y: Array) -> wt.Weighted:
        sums = prepare(p, y, n_bins)
        return lambda w: of(*sums(w), p.size)

    return rowwise, weighted


def _brier(p: Array, y: Array) -> Array:
    return _float(((p - y) ** 2).mean(axis=1))


def _log_losses(p: Array, y: Array, eps: float) -> Array:
    q = np.clip(p, eps, 1 - eps)
    return _float(-(y * np.log(q) + (1 - y) * np.log1p(-q)))


def _log_loss_fn(eps: float) -> Row:
    return lambda p, y: _float(_log_losses(p, y, eps).mean(axis=1))


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


def error_curve(p: Array, y: Array) -> Array:
    """Error rate at each coverage k/n, `(B, n)`; claims tied in confidence share their errors."""
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


def _auec(p: Array, y: Array) -> Array:
    return _float(error_curve(p, y).mean(axis=1))


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
    check_bins(n_bins, "width")
    check_threshold(threshold)
    named: dict[str, tuple[Row, Prepare, str]] = {
        "ece_width": (*_binned(_ece, n_bins, "width"), ""),
        "ece_mass": (*_binned(_ece, n_bins, "mass"), ""),
        "mce": (*_binned(_mce, n_bins, "width"), ""),
        "brier": (_brier, lambda p, y: wt.linear((p - y) ** 2), ""),
        "brier_reliability": (*_binned(_murphy(0), n_bins, "width"), ""),
        "brier_resolution": (*_binned(_murphy(1), n_bins, "width"), ""),
        "brier_uncertainty": (*_binned(_murphy(2), n_bins, "width"), ""),
        "log_loss": (_log_loss_fn(eps), lambda p, y: wt.linear(_log_losses(p, y, eps)), ""),
        "auroc": (_auroc, wt.auroc_weighted, "one class only"),
        "auprc": (_auprc, wt.auprc_weighted, "one class only"),
        "accuracy": (
            _accuracy_fn(threshold),
            lambda p, y: wt.linear(_float((p >= threshold) == (y == 1))),
            "",
        ),
        "f1": (
            _f1_fn(threshold),
            lambda p, y: wt.ratio(
                _float((p >= threshold) & (y == 1)), _float(p >= threshold), y, 2
            ),
            "no predicted and no true positives",
        ),
        "auec": (_auec, wt.auec_weighted, ""),
    }
    return {
        k: Statistic(k, fn, note or "undefined", weighted)
        for k, (fn, weighted, note) in named.items()
    }


def binned_statistic(name: Literal["ece", "mce"], n_bins: int, strategy: str) -> Statistic:
    """ECE or MCE on `n_bins` bins of `strategy` (`width` or `mass`), as `bin_index` bins them.

    Raises:
        ValueError: for a bad `n_bins` or `strategy`.
    """
    check_bins(n_bins, strategy)
    fn, weighted = _binned(_ece if name == "ece" else _mce, n_bins, strategy)
    return Statistic(name, fn, "undefined", weighted)
