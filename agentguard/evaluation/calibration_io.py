"""Calibration files: one JSON file holding the fitted maps, a default and free metadata.

`save_calibration` writes it atomically, `read_calibration` validates all of it and
`load_calibration` returns its default map. The maps themselves are built and fitted in
`agentguard.evaluation.calibration`, which also re-exports every name of this module.

Example:
    >>> from agentguard.evaluation.calibration import fit_platt
    >>> m = fit_platt([0.2, 0.4, 0.6, 0.8], [0, 0, 1, 1])
    >>> save_calibration("cal.json", {"platt": m}, {"fitted_on": "demo"})  # doctest: +SKIP
    >>> load_calibration("cal.json") == m  # doctest: +SKIP
    True
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from agentguard.atomic import write_text_atomic
from agentguard.errors import InputError

if TYPE_CHECKING:
    from agentguard.evaluation.calibration import CalibrationMap

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
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(name, "no such calibration file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(name, f"cannot read calibration file ({exc})") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{name}:{exc.lineno}", f"not valid JSON ({exc.msg})") from None
    if not isinstance(doc, dict):
        raise InputError(name, "a calibration file must hold a JSON object")
    if doc.get("kind") != CALIBRATION_KIND:
        raise InputError(f"{name}: kind", f"must be {CALIBRATION_KIND!r}, got {doc.get('kind')!r}")
    version = doc.get("version")
    if isinstance(version, bool) or version != CALIBRATION_VERSION:
        raise InputError(f"{name}: version", f"unsupported version {version!r}; expected 1")
    for key in doc:
        if key not in ("version", "kind", "default", "maps", "meta"):
            raise InputError(f"{name}: {key}", "unknown field")
    maps = _read_maps(doc.get("maps"), name)
    default = doc.get("default")
    if default not in maps:
        raise InputError(f"{name}: default", f"{default!r} is not one of maps ({', '.join(maps)})")
    meta = doc.get("meta", {})
    if not isinstance(meta, dict):
        raise InputError(f"{name}: meta", "must be an object")
    return CalibrationFile(maps=maps, default=cast(str, default), meta=meta)


def _read_maps(raw: Any, name: str) -> dict[str, CalibrationMap]:
    # Imported here: `calibration` imports this module at its top to re-export its names.
    from agentguard.evaluation.calibration import METHODS, CalibrationMap

    if not isinstance(raw, dict) or not raw:
        raise InputError(f"{name}: maps", "must be an object holding at least one map")
    maps: dict[str, CalibrationMap] = {}
    for key, value in raw.items():
        if key not in METHODS:
            raise InputError(f"{name}: maps.{key}", "unknown method; expected isotonic or platt")
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
