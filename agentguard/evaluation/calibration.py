"""Recalibration maps: turn the monitor's raw support `p` into a calibrated probability.

Two methods, both fitted on labelled claims (`y = 1` when the claim is supported):

- `isotonic`: pool-adjacent-violators on `p`, applied by linear interpolation between the
  fitted breakpoints and clipped at the ends. Flexible, needs a few hundred claims.
- `platt`: a logistic model on `logit(p)`, `p' = sigmoid(a * logit(p) + b)`, fitted by Newton
  steps with a small L2 penalty on the slope `a` (`PLATT_L2`), never on the intercept. The
  penalty keeps the fit finite when the labels are separable; otherwise it matches an
  unpenalised fit to a few decimals. Two parameters, so it is stable on small samples.

`fit_report` compares both by cross-validated ECE and names the better one as the default;
`save_calibration` writes the maps to one JSON file that `load_calibration` reads back (both
live in `agentguard.evaluation.calibration_io` and are importable from here too).

Example:
    >>> m = fit_isotonic([0.2, 0.4, 0.6, 0.8], [0, 0, 1, 1], source="demo")
    >>> m.apply(0.5), m.apply(0.9)
    (0.5, 1.0)
    >>> save_calibration("cal.json", {"isotonic": m}, {"fitted_on": "demo"})  # doctest: +SKIP
    >>> load_calibration("cal.json") == m  # doctest: +SKIP
    True
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field
from typing import Any, Literal, cast

import numpy as np
import numpy.typing as npt

from agentguard.errors import InputError
from agentguard.evaluation.calibration_io import CALIBRATION_KIND as CALIBRATION_KIND
from agentguard.evaluation.calibration_io import CALIBRATION_VERSION as CALIBRATION_VERSION
from agentguard.evaluation.calibration_io import CalibrationFile as CalibrationFile
from agentguard.evaluation.calibration_io import load_calibration as load_calibration
from agentguard.evaluation.calibration_io import read_calibration as read_calibration
from agentguard.evaluation.calibration_io import save_calibration as save_calibration
from agentguard.evaluation.metrics import ece

Method = Literal["isotonic", "platt"]
METHODS: tuple[Method, ...] = ("platt", "isotonic")
"""Known methods, in order of preference when their cross-validated ECE ties."""
PLATT_L2 = 1e-3
"""L2 penalty `PLATT_L2 * a**2 / 2` on the Platt slope (as `LogisticRegression(C=1000)`)."""
P_CLIP = 1e-6
"""Raw `p` is clipped to `[P_CLIP, 1 - P_CLIP]` before the logit."""
_ONE_CLASS = "needs both supported and unsupported claims"

FloatArray = npt.NDArray[np.float64]
_FIELDS = ("xs", "ys", "a", "b", "n", "source")


@dataclass(frozen=True)
class CalibrationMap:
    """A fitted map from raw support `p` to a calibrated probability.

    Attributes:
        method: `isotonic` (breakpoints `xs`, `ys`) or `platt` (slope `a`, intercept `b`).
        xs: Isotonic breakpoints in raw `p`, strictly increasing, in [0, 1].
        ys: Calibrated value at each breakpoint, non-decreasing, in [0, 1].
        a: Platt slope on `logit(p)`.
        b: Platt intercept.
        n: Number of claims the map was fitted on.
        source: Free text naming what it was fitted on, e.g. a trace or suite.
    """

    method: Method
    xs: tuple[float, ...] = ()
    ys: tuple[float, ...] = ()
    a: float = 1.0
    b: float = 0.0
    n: int = 0
    source: str = ""
    _x: FloatArray = field(init=False, repr=False, compare=False)
    _y: FloatArray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_values(self.method, {k: getattr(self, k) for k in _FIELDS}, "CalibrationMap")
        # Plain floats, so that maps built from numpy values compare equal and serialise.
        for name in ("xs", "ys"):
            object.__setattr__(self, name, tuple(float(v) for v in getattr(self, name)))
        object.__setattr__(self, "a", float(self.a))
        object.__setattr__(self, "b", float(self.b))
        # Kept as arrays so that applying the map per claim does not convert tuples each time.
        object.__setattr__(self, "_x", np.asarray(self.xs, dtype=np.float64))
        object.__setattr__(self, "_y", np.asarray(self.ys, dtype=np.float64))

    def apply(self, p: float) -> float:
        """The calibrated probability for one raw `p` in [0, 1].

        An isotonic map interpolates as `np.interp` does, without numpy's per-call overhead:
        the monitor applies it to every claim.
        """
        if self.method != "isotonic" or not 0.0 <= p <= 1.0:
            return float(self.apply_many(np.asarray([p], dtype=np.float64))[0])
        xs, ys = self.xs, self.ys
        if p <= xs[0]:
            return min(1.0, max(0.0, ys[0]))
        if p >= xs[-1]:
            return min(1.0, max(0.0, ys[-1]))
        j = bisect.bisect_right(xs, p) - 1
        slope = (ys[j + 1] - ys[j]) / (xs[j + 1] - xs[j])
        return min(1.0, max(0.0, slope * (p - xs[j]) + ys[j]))

    def apply_many(self, p: npt.ArrayLike) -> FloatArray:
        """The calibrated probabilities for an array of raw `p` in [0, 1], same shape.

        Raises:
            ValueError: If a value is NaN or outside [0, 1].
        """
        arr = np.asarray(p, dtype=np.float64)
        bad = ~((arr >= 0.0) & (arr <= 1.0))
        if bad.any():
            raise ValueError(f"p must be in [0, 1]; {int(bad.sum())} value(s) are not")
        if self.method == "isotonic":
            out = np.interp(arr, self._x, self._y)
        else:
            out = _sigmoid(self.a * _logit(arr) + self.b)
        return cast(FloatArray, np.clip(out, 0.0, 1.0))

    def to_json(self) -> dict[str, Any]:
        """The map as a JSON-ready dict holding only its method's fields."""
        data: dict[str, Any] = {"method": self.method}
        if self.method == "isotonic":
            data.update(xs=list(self.xs), ys=list(self.ys))
        else:
            data.update(a=self.a, b=self.b)
        data.update(n=self.n, source=self.source)
        return data

    @classmethod
    def from_json(cls, data: Any, where: str = "calibration") -> CalibrationMap:
        """Validate and build a map from `to_json` output.

        Raises:
            InputError: Naming the bad field under `where`, e.g. `calibration.xs[3]`.
        """
        if not isinstance(data, dict):
            raise InputError(where, "a calibration map must be an object")
        method = data.get("method")
        if method not in ("isotonic", "platt"):
            what = "missing" if method is None else f"unknown method {method!r}"
            raise InputError(f"{where}.method", f"{what}; expected 'isotonic' or 'platt'")
        params = ("xs", "ys") if method == "isotonic" else ("a", "b")
        for key in data:
            if key not in ("method", "n", "source", *params):
                raise InputError(f"{where}.{key}", f"unknown field for a {method} map")
        for key in params:
            if key not in data:
                raise InputError(f"{where}.{key}", f"missing; a {method} map needs it")
        values = {k: data[k] for k in ("n", "source", *params) if k in data}
        _check_values(method, values, where)
        return cls(method=method, **values)


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(where, f"must be a number, got {type(value).__name__}")
    if not math.isfinite(value):
        raise InputError(where, f"must be finite, got {value!r}")
    return float(value)


def _numbers(value: Any, where: str) -> tuple[float, ...]:
    if not isinstance(value, (list, tuple)):
        raise InputError(where, "must be a list of numbers")
    return tuple(_number(v, f"{where}[{i}]") for i, v in enumerate(value))


def _check_values(method: Any, values: dict[str, Any], where: str) -> None:
    """Check a map's fields (`xs`, `ys`, `a`, `b`, `n`, `source`; absent ones are skipped)."""
    if method not in ("isotonic", "platt"):
        raise InputError(f"{where}.method", f"unknown method {method!r}")
    n = values.get("n", 0)
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise InputError(f"{where}.n", f"must be a non-negative integer, got {n!r}")
    if not isinstance(values.get("source", ""), str):
        raise InputError(f"{where}.source", "must be a string")
    if method == "platt":
        if values.get("xs") or values.get("ys"):
            raise InputError(f"{where}.xs", "a platt map has no breakpoints")
        if _number(values.get("a", 1.0), f"{where}.a") < 0.0:
            raise InputError(f"{where}.a", "must be >= 0: a calibration map keeps the order of p")
        _number(values.get("b", 0.0), f"{where}.b")
        return
    xs = _numbers(values.get("xs", ()), f"{where}.xs")
    _check_breakpoints(xs, _numbers(values.get("ys", ()), f"{where}.ys"), where)


def _check_breakpoints(xs: tuple[float, ...], ys: tuple[float, ...], where: str) -> None:
    if not xs:
        raise InputError(f"{where}.xs", "an isotonic map needs at least one breakpoint")
    if len(ys) != len(xs):
        raise InputError(f"{where}.ys", f"has {len(ys)} values but xs has {len(xs)}")
    for key, values in (("xs", xs), ("ys", ys)):
        for i, v in enumerate(values):
            if not 0.0 <= v <= 1.0:
                raise InputError(f"{where}.{key}[{i}]", f"must be in [0, 1], got {v!r}")
    for i in range(1, len(xs)):
        if xs[i] <= xs[i - 1]:
            raise InputError(f"{where}.xs[{i}]", "breakpoints must be strictly increasing")
        if ys[i] < ys[i - 1]:
            raise InputError(f"{where}.ys[{i}]", "values must be non-decreasing")


def _sigmoid(t: FloatArray) -> FloatArray:
    # One monotone formula (no branch on the sign of t), so the map never steps down by a
    # rounding error where two formulas would meet.
    out: FloatArray = 0.5 * (1.0 + np.tanh(0.5 * t))
    return out


def _logit(p: FloatArray) -> FloatArray:
    q = np.clip(p, P_CLIP, 1.0 - P_CLIP)
    # log(q / (1 - q)) rounds monotonically in q; log(q) - log1p(-q) can dip by 1e-17.
    return cast(FloatArray, np.log(q / (1.0 - q)))


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
    if pa.size == 0 or ya.min() == ya.max():
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
    z = _logit(pa)
    feats = np.column_stack([z, np.ones_like(z)])
    penalty = np.array([PLATT_L2, 0.0])

    def loss(w: FloatArray) -> float:
        t = feats @ w
        return float(np.sum(np.logaddexp(0.0, t) - ya * t) + 0.5 * PLATT_L2 * w[0] ** 2)

    w = np.array([1.0, 0.0])
    current = loss(w)
    for _ in range(100):
        s = _sigmoid(feats @ w)
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
        w = np.array([0.0, float(_logit(np.array([ya.mean()]))[0])])
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
