"""The claim statistics on bootstrap resamples given as count weights over the original data.

A resample of n claims drawn with replacement is fully described by how often it drew each
claim. Every statistic here is prepared once on the original `(a, b)` arrays (sorted once, tie
runs found once) and then maps a `(B, n)` array of such counts to the `B` resampled values with
weighted sums and cumulative sums along the pre-sorted order, instead of sorting each resample.
The values equal the row-wise statistics of `agentguard.evaluation.stats.resampling` on the
resamples the counts describe, up to floating-point rounding.

Example:
    >>> p, y = np.array([0.9, 0.2, 0.7, 0.4]), np.array([1.0, 0.0, 0.0, 1.0])
    >>> auroc = auroc_weighted(p, y)
    >>> auroc(np.array([[1.0, 1.0, 1.0, 1.0], [2.0, 1.0, 1.0, 0.0]])).round(3).tolist()
    [0.75, 1.0]
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]


def _float(x: object) -> Array:
    return np.asarray(x, dtype=np.float64)


Weighted = Callable[[Array], Array]
"""A prepared statistic: `(B, n)` resample counts in the original order to `B` values."""


def linear(values: Array, scale: float | None = None) -> Weighted:
    """The mean of `values` over each resample (`scale` divides instead of n)."""
    n = float(values.size if scale is None else scale)
    return lambda w: np.asarray(w @ values / n, dtype=np.float64)


def ratio(num: Array, den: Array, den2: Array | None = None, factor: float = 1.0) -> Weighted:
    """`factor * sum(w num) / sum(w den [+ w den2])` per resample, NaN where the sum is 0."""

    def fn(w: Array) -> Array:
        d = w @ den if den2 is None else w @ den + w @ den2
        return np.where(d > 0, factor * (w @ num) / np.maximum(d, 1), np.nan)

    return fn


class Runs:
    """Claims sorted once by a key, with per-resample counts of each run of tied keys.

    `counts(w)` gives, for each row of `w`, the resampled claims in each run and the positives
    among them, both `(B, runs)`, runs in ascending key order; the last row's result is kept,
    since several statistics ask for the same block.
    """

    def __init__(self, key: Array, y: Array) -> None:
        """Sort by key, then label, so each run is one block of negatives then positives."""
        self.order = np.lexsort((y, key))
        k, ys = key[self.order], y[self.order]
        new_run = np.concatenate([[True], k[1:] != k[:-1]])
        new_part = new_run | np.concatenate([[True], ys[1:] != ys[:-1]])
        self.part_starts = np.flatnonzero(new_part)
        self.part_run = np.cumsum(new_run)[self.part_starts] - 1
        self.part_pos = ys[self.part_starts] == 1
        self.values = k[new_run]
        self._last: list[tuple[Array, tuple[Array, Array]]] = []

    def counts(self, w: Array) -> tuple[Array, Array]:
        """Claims and positives per run, each `(B, runs)`."""
        last = self._last[0] if self._last else None  # read once: another thread may replace it
        if last is not None and last[0] is w:
            return last[1]
        parts = _float(np.add.reduceat(w[:, self.order], self.part_starts, axis=1))
        size = np.zeros((w.shape[0], self.values.size))
        pos = np.zeros_like(size)
        np.add.at(size.T, self.part_run, parts.T)
        pos[:, self.part_run[self.part_pos]] = parts[:, self.part_pos]
        self._last[:] = [(w, (size, pos))]  # holding w keeps its id from being reused
        return size, pos


def _memo(make: Callable[..., Runs]) -> Callable[..., Runs]:
    """`make` remembering its last result, so statistics on the same claims share one sort."""
    last: list[tuple[tuple[object, ...], Runs]] = []

    def call(*args: object) -> Runs:
        entry = last[0] if last else None
        if entry is not None and all(a is b for a, b in zip(entry[0], args, strict=True)):
            return entry[1]
        runs = make(*args)
        last[:] = [(args, runs)]
        return runs

    return call


p_runs = _memo(lambda p, y: Runs(p, y))
confidence_runs = _memo(
    lambda p, y: Runs(-np.maximum(p, 1 - p), ((p >= 0.5) != (y == 1)).astype(np.float64))
)


def auroc_weighted(p: Array, y: Array) -> Weighted:
    """AUROC from the mid-ranks of the resample, tied scores counting one half."""
    runs = p_runs(p, y)

    def fn(w: Array) -> Array:
        size, pos = runs.counts(w)
        neg = size - pos
        below = np.cumsum(neg, axis=1) - neg
        u = (pos * (below + neg / 2)).sum(axis=1)
        pairs = pos.sum(axis=1) * neg.sum(axis=1)
        return np.where(pairs > 0, u / np.maximum(pairs, 1), np.nan)

    return fn


def auprc_weighted(p: Array, y: Array) -> Weighted:
    """Average precision: precision at each threshold times the positives it adds."""
    runs = p_runs(p, y)

    def fn(w: Array) -> Array:
        size, pos = (c[:, ::-1] for c in runs.counts(w))  # highest score first
        precision = np.cumsum(pos, axis=1) / np.maximum(np.cumsum(size, axis=1), 1)
        n_pos, n = pos.sum(axis=1), size.sum(axis=1)
        defined = (n_pos > 0) & (n_pos < n)
        return np.where(defined, (pos * precision).sum(axis=1) / np.maximum(n_pos, 1), np.nan)

    return fn


def auec_weighted(p: Array, y: Array) -> Weighted:
    """Mean error rate over the coverages 1/n .. n/n, errors spread evenly within a confidence tie.

    A tie run of W resampled claims after S others, with E errors before it and e in it, has
    error rate (E + (k - S) e / W) / k at coverage k = S+1 .. S+W; summing over k needs only the
    harmonic numbers H(S+W) - H(S).
    """
    n = p.size
    runs = confidence_runs(p, y)  # "positive" here means wrong; most confident run first
    harmonic = np.concatenate([[0.0], np.cumsum(1.0 / np.arange(1, n + 1))])

    def fn(w: Array) -> Array:
        size, errs = runs.counts(w)
        before = np.cumsum(size, axis=1) - size
        e_before = np.cumsum(errs, axis=1) - errs
        lo, hi = before.astype(np.intp), (before + size).astype(np.intp)
        h = harmonic[hi] - harmonic[lo]
        spread = np.where(size > 0, errs / np.maximum(size, 1), 0.0)
        total = e_before * h + spread * (size - before * h)
        return np.asarray(total.sum(axis=1) / n, dtype=np.float64)

    return fn


# --- binned statistics --------------------------------------------------------------------------


BinSums = Callable[[Array], tuple[Array, Array, Array]]


def width_sums(p: Array, y: Array, n_bins: int) -> BinSums:
    """Count, sum of p and sum of y per equal-width bin of each resample, each `(B, n_bins)`."""
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    onehot = np.zeros((p.size, n_bins))
    onehot[np.arange(p.size), np.searchsorted(edges[1:-1], p, side="right")] = 1.0
    table = np.concatenate([onehot, onehot * p[:, None], onehot * y[:, None]], axis=1)

    def fn(w: Array) -> tuple[Array, Array, Array]:
        sums = w @ table
        return sums[:, :n_bins], sums[:, n_bins : 2 * n_bins], sums[:, 2 * n_bins :]

    return fn


def _lerp(a: Array, b: Array, t: Array) -> Array:
    # numpy.percentile's interpolation, so an edge between equal values is exactly that value
    diff = b - a
    return np.where(t >= 0.5, b - diff * (1 - t), a + diff * t)


def mass_sums(p: Array, y: Array, n_bins: int) -> BinSums:
    """Sums per quantile bin of each resample, with edges as numpy.percentile gives them.

    Bins are `(lo, hi]` with the first closed, as `resampling.bin_index` makes them; an edge
    never splits a run of equal p, so the sums come from the counts per run.
    """
    n = p.size
    runs = p_runs(p, y)
    values = runs.values
    virtual = (n - 1) * (np.linspace(0.0, 1.0, n_bins + 1) * 100 / 100)
    below = np.floor(virtual).astype(np.int64)
    gamma = virtual - below
    ranks = np.concatenate([below, np.minimum(below + 1, n - 1)])

    def fn(w: Array) -> tuple[Array, Array, Array]:
        size, pos = runs.counts(w)
        rows, n_runs = size.shape
        cum = np.cumsum(size, axis=1)
        # The k-th smallest of a resample lies in the first run whose running count exceeds
        # k; offsetting each row keeps the flattened running counts sorted.
        offset = (n + 1) * np.arange(rows)[:, None]
        at = np.searchsorted((cum + offset).ravel(), ranks[None, :] + offset, side="right")
        at -= n_runs * np.arange(rows)[:, None]
        lo, hi = values[at[:, : n_bins + 1]], values[at[:, n_bins + 1 :]]
        edges = _lerp(lo, hi, np.broadcast_to(gamma, lo.shape))
        bounds = np.full((rows, n_bins + 1), n_runs, dtype=np.intp)
        bounds[:, 0] = 0
        inner = np.searchsorted(values, edges[:, 1:-1].ravel(), side="right")
        bounds[:, 1:-1] = inner.reshape(rows, n_bins - 1)
        out = []
        for per_run in (size, size * values, pos):
            c = np.concatenate([np.zeros((rows, 1)), np.cumsum(per_run, axis=1)], axis=1)
            out.append(np.diff(np.take_along_axis(c, bounds, axis=1), axis=1))
        return out[0], out[1], out[2]

    return fn
