"""Fitting recalibration maps on labelled claims (`y = 1` when the claim is supported).

The maps and their file format are core (`agentguard.calibration`); this module fits them:

- `isotonic`: pool-adjacent-violators on `p`.
- `platt`: a logistic model on `logit(p)`, fitted by Newton steps with a small L2 penalty on
  the slope `a` (`PLATT_L2`), never on the intercept. The penalty keeps the fit finite when
  the labels are separable; otherwise it matches an unpenalised fit to a few decimals.

`fit_report` compares both by cross-validated ECE and names the better one as the default.

Example:
    >>> m = fit_isotonic([0.2, 0.4, 0.6, 0.8], [0, 0, 1, 1], source="demo")
    >>> m.apply(0.5), m.apply(0.9)
    (0.5, 1.0)
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np
import numpy.typing as npt

from agentguard.calibration import METHODS, CalibrationMap, FloatArray, Method, logit, sigmoid
from agentguard.evaluation.stats.metrics import ece

PLATT_L2 = 1e-3
"""L2 penalty `PLATT_L2 * a**2 / 2` on the Platt slope (as `LogisticRegression(C=1000)`)."""
_ONE_CLASS = "needs both supported and unsupported claims"


def _labelled(p: npt.ArrayLike, y: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Checked float arrays of raw support and 0/1 labels with both classes present."""
    pa = np.asarray(p, dtype=np.float64)
    ya = np.asarray(y, dtype=np.float64)
    if pa.ndim != 1 or ya.shape != pa.shape:
        raise ValueError(f"p and y must be 1-D and equally long, got {pa.shape} and {ya.shape}")
    if not ((pa >= 0.0) & (pa <= 1.0)).all():
        raise ValueError("p must be in [0, 1] (and not NaN)")
    if not ((ya == 0.0) | (ya == 1.0)).all():
        raise ValueError("y must hold 0/1 labels (1 = supported)")
    if pa.size == 0 or bool(ya.all()) or not ya.any():  # y is 0/1 here: one class only
        raise ValueError(
            f"calibration {_ONE_CLASS} (got {pa.size} claims, {int(ya.sum())} supported)"
        )
    return pa, ya


def fit_isotonic(
    p: npt.ArrayLike,
    y: npt.ArrayLike,
    *,
    source: str = "",
    weight: npt.ArrayLike | None = None,
) -> CalibrationMap:
    """Fit a non-decreasing map by pool-adjacent-violators.

    Claims with equal `p` are grouped first and enter as one point weighted by their count (by
    the sum of their `weight`, when given: one positive number per claim), so the map is a
    function of `p`. Interior breakpoints of flat runs are dropped: they do not change the
    interpolated map.

    Raises:
        ValueError: If `p` is empty, `y` holds one class only, or `weight` does not give one
            positive number per claim.
    """
    pa, ya = _labelled(p, y)
    wa = np.ones_like(pa) if weight is None else np.asarray(weight, dtype=np.float64)
    if wa.shape != pa.shape or not (wa > 0.0).all():
        raise ValueError("weight must give one positive number per claim")
    xs, inverse = np.unique(pa, return_inverse=True)
    counts = np.bincount(inverse, weights=wa).astype(np.float64)
    means = np.bincount(inverse, weights=ya * wa) / counts
    # Each block keeps its weighted mean, weight and how many distinct p values it spans.
    values: list[float] = []
    weights: list[float] = []
    spans: list[int] = []
    block_weights = cast(list[float], counts.tolist())
    for mean, weight in zip(means.tolist(), block_weights, strict=True):
        values.append(mean)
        weights.append(weight)
        spans.append(1)
        while len(values) > 1 and values[-2] >= values[-1]:
            w = weights[-2] + weights[-1]
            values[-2] = (values[-2] * weights[-2] + values[-1] * weights[-1]) / w
            weights[-2] = w
            spans[-2] += spans[-1]
            del values[-1], weights[-1], spans[-1]
    ys = np.clip(np.repeat(values, spans), 0.0, 1.0)
    keep = np.ones(xs.size, dtype=bool)
    keep[1:-1] = (ys[1:-1] != ys[:-2]) | (ys[1:-1] != ys[2:])
    return CalibrationMap("isotonic", tuple(xs[keep]), tuple(ys[keep]), n=pa.size, source=source)


def fit_platt(p: npt.ArrayLike, y: npt.ArrayLike, *, source: str = "") -> CalibrationMap:
    """Fit `p' = sigmoid(a * logit(p) + b)` by damped Newton steps.

    The loss is the logistic log loss plus `PLATT_L2 * a**2 / 2` (the intercept is not
    penalised), the objective of `LogisticRegression(C=1 / PLATT_L2)` on `logit(p)`. The fit
    starts from the identity map (`a = 1`, `b = 0`). The slope is kept `>= 0` so that the map
    never reverses the order of `p`.

    Raises:
        ValueError: If `p` is empty or `y` holds one class only.
    """
    pa, ya = _labelled(p, y)
    z = logit(pa)
    feats = np.column_stack([z, np.ones_like(z)])
    penalty = np.array([PLATT_L2, 0.0])

    def loss(w: FloatArray) -> float:
        t = feats @ w
        return float(np.sum(np.logaddexp(0.0, t) - ya * t) + 0.5 * PLATT_L2 * w[0] ** 2)

    w = np.array([1.0, 0.0])
    current = loss(w)
    for _ in range(100):
        s = sigmoid(feats @ w)
        grad = feats.T @ (s - ya) + penalty * w
        hess = (feats * (s * (1.0 - s))[:, None]).T @ feats + np.diag(penalty + 1e-12)
        step = np.linalg.solve(hess, grad)
        scale = 1.0
        # Halve the step until the loss does not rise; Newton steps overshoot when saturated.
        while scale > 1e-10 and loss(w - scale * step) > current:
            scale /= 2.0
        w = w - scale * step
        previous, current = current, loss(w)
        if float(np.max(np.abs(scale * step))) < 1e-10 or previous - current < 1e-13:
            break
    if w[0] <= 0.0:
        # The loss is convex, so with the optimum at a negative slope the best non-decreasing
        # map has a = 0: the base rate, whatever p says.
        w = np.array([0.0, float(logit(np.array([ya.mean()]))[0])])
    return CalibrationMap("platt", a=float(w[0]), b=float(w[1]), n=pa.size, source=source)


_FITTERS = {"isotonic": fit_isotonic, "platt": fit_platt}


def _folds(y: FloatArray, folds: int, seed: int) -> npt.NDArray[np.int64]:
    """A fold index per claim: each class shuffled, then dealt round-robin over the folds."""
    rng = np.random.default_rng(seed)
    order = np.concatenate([rng.permutation(np.flatnonzero(y == c)) for c in (1.0, 0.0)])
    fold = np.empty(y.size, dtype=np.int64)
    fold[order] = np.arange(y.size) % folds
    return fold


def cross_validated_ece(
    p: npt.ArrayLike,
    y: npt.ArrayLike,
    method: Method,
    *,
    folds: int = 5,
    seed: int = 0,
    n_bins: int = 15,
) -> tuple[float, float]:
    """ECE of the raw `p` and of out-of-fold calibrated `p` (equal-width bins).

    Each fold is calibrated by a map fitted on the other folds; the calibrated values of all
    folds are pooled into one ECE. Folds are stratified: each class is shuffled with `seed`
    and dealt round-robin, so every training part holds both classes.

    Returns:
        `(ece_raw, ece_calibrated)`.

    Raises:
        ValueError: If `method` is unknown, `folds < 2`, or a class has fewer than 2 claims.
    """
    if method not in _FITTERS:
        raise ValueError(f"unknown calibration method {method!r}; expected isotonic or platt")
    if isinstance(folds, bool) or not isinstance(folds, int) or folds < 2:
        raise ValueError(f"folds must be an integer >= 2, got {folds!r}")
    pa, ya = _labelled(p, y)
    if min(ya.sum(), ya.size - ya.sum()) < 2:
        raise ValueError(f"cross-validation {_ONE_CLASS}, at least 2 of each")
    fold = _folds(ya, folds, seed)
    out = np.empty_like(pa)
    for k in range(folds):
        test = fold == k
        if test.any():
            out[test] = _FITTERS[method](pa[~test], ya[~test]).apply_many(pa[test])
    return _ece(pa, ya, n_bins), _ece(out, ya, n_bins)


def _ece(p: FloatArray, y: FloatArray, n_bins: int) -> float:
    # No bootstrap: only the point value is wanted, and fit_report computes several.
    metric = ece(p, y, n_bins=n_bins, strategy="width", n_boot=0)
    if metric.value is None:
        raise ValueError(f"ECE is undefined here ({metric.note})")
    return float(metric.value)


def fit_report(
    p: npt.ArrayLike, y: npt.ArrayLike, *, folds: int = 5, seed: int = 0
) -> dict[str, Any]:
    """Fit both methods on all claims and score them by cross-validated ECE.

    Returns:
        `{"n", "folds", "seed", "default", "methods": {name: {"ece_before", "ece_after"}},
        "maps": {name: CalibrationMap}}`, where `default` has the lowest `ece_after` (platt
        on a tie, being the simpler map) and comes first in `maps`, so that
        `save_calibration(path, report["maps"], meta)` makes it the file's default.

    Raises:
        ValueError: As `cross_validated_ece`.
    """
    pa, ya = _labelled(p, y)
    methods: dict[str, dict[str, float]] = {}
    maps: dict[str, CalibrationMap] = {}
    for name in METHODS:
        before, after = cross_validated_ece(pa, ya, name, folds=folds, seed=seed)
        methods[name] = {"ece_before": before, "ece_after": after}
        maps[name] = _FITTERS[name](pa, ya)
    default = min(METHODS, key=lambda name: methods[name]["ece_after"])
    maps = {default: maps[default], **maps}
    return {
        "n": int(pa.size),
        "folds": folds,
        "seed": seed,
        "default": default,
        "methods": methods,
        "maps": maps,
    }
