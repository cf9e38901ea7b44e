"""Calibration maps and their file format: raw support `p` -> a calibrated probability.

A map is fitted on labelled claims (`agentguard calibrate`, or
`agentguard.evaluation.harness.recalibrate`) and applied by the monitor
(`Monitor(calibration=...)`) to every text and argument claim. Two methods:

- `isotonic`: breakpoints `xs -> ys`, applied by linear interpolation between them and clipped
  at the ends. Flexible, needs a few hundred claims.
- `platt`: a logistic model on `logit(p)`, `p' = sigmoid(a * logit(p) + b)`. Two parameters,
  so it is stable on small samples.

A calibration file holds the fitted maps, the default one and free metadata:
`save_calibration` writes it atomically, `read_calibration` validates all of it and
`load_calibration` returns its default map.

Example:
    >>> m = CalibrationMap("isotonic", xs=(0.2, 0.8), ys=(0.0, 1.0))
    >>> m.apply(0.5), m.apply(0.9)
    (0.5, 1.0)
    >>> save_calibration("cal.json", {"isotonic": m}, {"fitted_on": "demo"})  # doctest: +SKIP
    >>> load_calibration("cal.json") == m  # doctest: +SKIP
    True
"""

from __future__ import annotations

import bisect
import json
import math
import os
from dataclasses import dataclass, field
from typing import Any, Literal, cast

import numpy as np
import numpy.typing as npt

from agentguard.atomic import UnreadableFile, read_regular_file, write_text_atomic
from agentguard.errors import InputError
from agentguard.input_limits import PREFIX_CHARS, short

Method = Literal["isotonic", "platt"]
METHODS: tuple[Method, ...] = ("platt", "isotonic")
"""Known methods, in order of preference when their cross-validated ECE ties."""
P_CLIP = 1e-6
"""Raw `p` is clipped to `[P_CLIP, 1 - P_CLIP]` before the logit."""
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
            out = sigmoid(self.a * logit(arr) + self.b)
        clipped: FloatArray = np.clip(out, 0.0, 1.0)
        return clipped

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
            what = "missing" if method is None else f"unknown method {short(method)}"
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
    try:
        finite = math.isfinite(value)
    except OverflowError:  # an integer too large for a float
        finite = False
    if not finite:
        raise InputError(where, f"must be finite, got {short(value)}")
    return float(value)


def _numbers(value: Any, where: str) -> tuple[float, ...]:
    if not isinstance(value, (list, tuple)):
        raise InputError(where, "must be a list of numbers")
    return tuple(_number(v, f"{where}[{i}]") for i, v in enumerate(value))


def _check_values(method: Any, values: dict[str, Any], where: str) -> None:
    """Check a map's fields (`xs`, `ys`, `a`, `b`, `n`, `source`; absent ones are skipped)."""
    if method not in ("isotonic", "platt"):
        raise InputError(f"{where}.method", f"unknown method {short(method)}")
    n = values.get("n", 0)
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise InputError(f"{where}.n", f"must be a non-negative integer, got {short(n)}")
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
                raise InputError(f"{where}.{key}[{i}]", f"must be in [0, 1], got {short(v)}")
    for i in range(1, len(xs)):
        if xs[i] <= xs[i - 1]:
            raise InputError(f"{where}.xs[{i}]", "breakpoints must be strictly increasing")
        if ys[i] < ys[i - 1]:
            raise InputError(f"{where}.ys[{i}]", "values must be non-decreasing")


def sigmoid(t: FloatArray) -> FloatArray:
    """The logistic function, elementwise."""
    # One monotone formula (no branch on the sign of t), so the map never steps down by a
    # rounding error where two formulas would meet.
    out: FloatArray = 0.5 * (1.0 + np.tanh(0.5 * t))
    return out


def logit(p: FloatArray) -> FloatArray:
    """log(p / (1 - p)) elementwise, `p` clipped to `[P_CLIP, 1 - P_CLIP]` first."""
    q = np.clip(p, P_CLIP, 1.0 - P_CLIP)
    # log(q / (1 - q)) rounds monotonically in q; log(q) - log1p(-q) can dip by 1e-17.
    return cast(FloatArray, np.log(q / (1.0 - q)))


CALIBRATION_VERSION = 1
"""Version of the calibration file format; bumped on any change to it."""
CALIBRATION_KIND = "agentguard-calibration"
"""The `kind` every calibration file holds, so that other JSON files are refused by name."""


@dataclass(frozen=True)
class CalibrationFile:
    """Everything a calibration file holds.

    Attributes:
        maps: The fitted maps by method name.
        default: The method `load_calibration` returns.
        meta: Free metadata written with the maps (what they were fitted on, scores).
    """

    maps: dict[str, CalibrationMap]
    default: str
    meta: dict[str, Any]


def save_calibration(
    path: str | os.PathLike[str],
    maps: dict[str, CalibrationMap],
    meta: dict[str, Any],
    *,
    default: str | None = None,
) -> None:
    """Write `maps` to one JSON file, atomically: a reader sees the old file or the new one.

    Args:
        path: The file to write (its folder must exist).
        maps: Maps keyed by their method, e.g. `fit_report(...)["maps"]`.
        meta: JSON-ready metadata, e.g. the data the maps were fitted on and their scores.
        default: The map `load_calibration` returns; when omitted, `meta["default"]` if
            given, else the first of `maps`.

    Raises:
        ValueError: If `maps` is empty, a key is not its map's method, `default` is not in
            `maps`, or `meta` is not JSON-ready.
    """
    if not maps:
        raise ValueError("save_calibration needs at least one map")
    for name, m in maps.items():
        if name != m.method:
            raise ValueError(f"map {name!r} is a {m.method} map; key maps by their method")
    chosen = default if default is not None else meta.get("default", next(iter(maps)))
    if chosen not in maps:
        raise ValueError(f"default {chosen!r} is not one of the maps ({', '.join(maps)})")
    doc = {
        "version": CALIBRATION_VERSION,
        "kind": CALIBRATION_KIND,
        "default": chosen,
        "maps": {name: m.to_json() for name, m in maps.items()},
        "meta": meta,
    }
    try:
        text = json.dumps(doc, indent=2, allow_nan=False) + "\n"
    except (TypeError, ValueError) as exc:
        raise ValueError(f"meta is not JSON-ready: {exc}") from None
    write_text_atomic(path, text)


def read_calibration(path: str | os.PathLike[str]) -> CalibrationFile:
    """Read and validate a whole calibration file written by `save_calibration`.

    Raises:
        InputError: Naming the file and the field, e.g. `cal.json: maps.platt.a`.
    """
    name = str(path)
    text = _read_text(path, name)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{name}:{exc.lineno}", f"not valid JSON ({exc.msg})") from None
    except RecursionError:
        raise InputError(name, "not a calibration file: nested too deeply") from None
    except ValueError as exc:  # an integer of more digits than Python reads
        raise InputError(name, f"not valid JSON ({str(exc)[:80]})") from None
    if not isinstance(doc, dict):
        raise InputError(name, "a calibration file must hold a JSON object")
    if doc.get("kind") != CALIBRATION_KIND:
        kind = short(doc.get("kind"))
        raise InputError(f"{name}: kind", f"must be {CALIBRATION_KIND!r}, got {kind}")
    version = doc.get("version")
    if isinstance(version, bool) or version != CALIBRATION_VERSION:
        raise InputError(f"{name}: version", f"unsupported version {short(version)}; expected 1")
    for key in doc:
        if key not in ("version", "kind", "default", "maps", "meta"):
            raise InputError(f"{name}: {key}", "unknown field")
    maps = _read_maps(doc.get("maps"), name)
    default = doc.get("default")
    if not isinstance(default, str) or default not in maps:
        raise InputError(
            f"{name}: default", f"{short(default)} is not one of maps ({', '.join(maps)})"
        )
    meta = doc.get("meta", {})
    if not isinstance(meta, dict):
        raise InputError(f"{name}: meta", "must be an object")
    return CalibrationFile(maps=maps, default=default, meta=meta)


MAX_CALIBRATION_BYTES = 10_000_000
"""Largest calibration file read (a fitted file is a few kilobytes)."""


def _read_text(path: str | os.PathLike[str], name: str) -> str:
    """The file's text: a regular file of at most `MAX_CALIBRATION_BYTES` (no FIFO, no device)."""
    try:
        return read_regular_file(path, MAX_CALIBRATION_BYTES)
    except UnreadableFile as exc:
        what = (
            "no such calibration file" if exc.missing else f"cannot read calibration file ({exc})"
        )
        raise InputError(name, what) from None


def _read_maps(raw: Any, name: str) -> dict[str, CalibrationMap]:
    if not isinstance(raw, dict) or not raw:
        raise InputError(f"{name}: maps", "must be an object holding at least one map")
    maps: dict[str, CalibrationMap] = {}
    for key, value in raw.items():
        if key not in METHODS:
            raise InputError(
                f"{name}: maps.{key[:PREFIX_CHARS]}", "unknown method; expected isotonic or platt"
            )
        method = value.get("method") if isinstance(value, dict) else None
        if method in METHODS and method != key:
            raise InputError(f"{name}: maps.{key}.method", f"is {method!r}, stored as {key!r}")
        maps[key] = CalibrationMap.from_json(value, where=f"{name}: maps.{key}")
    return maps


def load_calibration(path: str | os.PathLike[str]) -> CalibrationMap:
    """The default map of a calibration file.

    Raises:
        InputError: Naming the file and the field when the file is missing or malformed.
    """
    cal = read_calibration(path)
    return cal.maps[cal.default]
