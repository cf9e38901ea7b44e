"""The metrics of an eval run, overall and per claim kind, tool, domain and model.

`summarize` turns the joined rows of a run (claims with their support and gold label,
responses, behaviour cases) into one JSON-ready dict, the `summary.json` of a run folder and
the input of the terminal and HTML reports. Degenerate groups say so: a metric that is
undefined on a group is `{"value": null, "note": ...}`, and a group with no rows is left out.

Example:
    >>> claims = [{"p": 0.9, "y": 1, "kind": "text", "tool": None, "domain": "travel",
    ...            "model": "m"}, {"p": 0.2, "y": 0, "kind": "argument",
    ...            "tool": "book_flight", "domain": "travel", "model": "m"}]
    >>> s = summarize(claims, [], [], threshold=0.5, n_boot=100)
    >>> s["claims"]["overall"]["metrics"]["auroc"]["value"], list(s["claims"]["by_tool"])
    (1.0, ['book_flight'])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

import numpy as np
import numpy.typing as npt

from agentguard.evaluation.harness.needs import need_section
from agentguard.evaluation.stats.metrics import (
    ACTIONS,
    Array,
    behaviour_metrics,
    check_claims,
    claim_statistics,
    encode_actions,
    error_coverage,
    reliability_bins,
    with_intervals,
)

Rows = Sequence[Mapping[str, Any]]
CLAIM_KINDS = ("text", "argument", "question")
MAX_CURVE_POINTS = 101
"""Error-coverage points kept per group; the curve is thinned evenly beyond this."""


def _column(rows: Rows, key: str, where: str, *, required: bool) -> list[Any]:
    out = []
    for i, row in enumerate(rows):
        if not isinstance(row, Mapping):
            raise ValueError(f"{where}[{i}] must be a mapping, got {type(row).__name__}")
        if key not in row and required:
            raise ValueError(f"{where}[{i}] has no {key!r}")
        value = row.get(key)
        if not required and value is not None and not isinstance(value, str):
            raise ValueError(f"{where}[{i}].{key} must be a string or None, got {value!r}")
        out.append(value)
    return out


def _is_number(v: object) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating))


def outcome_arrays(rows: Rows, where: str) -> tuple[Array, Array]:
    """The `p` and `y` columns of claim or response rows, checked.

    Raises:
        ValueError: naming `where`, the row and the key.
    """
    p, y = _column(rows, "p", where, required=True), _column(rows, "y", where, required=True)
    for i, (pi, yi) in enumerate(zip(p, y, strict=True)):
        if not _is_number(pi) or not 0.0 <= pi <= 1.0:  # NaN fails the range check
            raise ValueError(f"{where}[{i}].p must be a probability in [0, 1], got {pi!r}")
        if not _is_number(yi) or yi not in (0, 1):
            raise ValueError(f"{where}[{i}].y must be 0 or 1 (1 = supported), got {yi!r}")
    return check_claims(np.array(p, dtype=np.float64), np.array(y, dtype=np.float64))


def action_arrays(rows: Rows, where: str, column: str = "behaviour") -> tuple[Array, Array]:
    """The coded `gold` and `column` actions of behaviour rows, checked.

    Raises:
        ValueError: naming `where`, the key and the row.
    """
    gold = _column(rows, "gold", where, required=True)
    done = _column(rows, column, where, required=True)
    return encode_actions(gold, f"{where}.gold"), encode_actions(done, f"{where}.{column}")


def _groups(values: list[str | None]) -> dict[str, npt.NDArray[np.intp]]:
    """Row indices per value, sorted by value; rows whose value is None belong to no group."""
    names = sorted({v for v in values if v is not None})
    arr = np.array(values, dtype=object)
    return {name: np.flatnonzero(arr == name) for name in names}


def _thin(n: int) -> npt.NDArray[np.intp]:
    if n <= MAX_CURVE_POINTS:
        return np.arange(n)
    return np.unique(np.round(np.linspace(0, n - 1, MAX_CURVE_POINTS)).astype(np.intp))


def _outcome_group(p: Array, y: Array, opts: dict[str, Any]) -> dict[str, Any]:
    stats = claim_statistics(n_bins=opts["n_bins"], threshold=opts["threshold"])
    boot = {"n_boot": opts["n_boot"], "seed": opts["seed"]}
    coverage, error, _ = error_coverage(p, y, n_boot=0)
    keep = _thin(coverage.size)
    return {
        "n": int(p.size),
        "n_supported": int(y.sum()),
        "metrics": {k: m.to_json() for k, m in with_intervals(stats, p, y, **boot).items()},
        "reliability": {
            s: [asdict(b) for b in reliability_bins(p, y, opts["n_bins"], s)]
            for s in ("width", "mass")
        },
        "error_coverage": {"coverage": coverage[keep].tolist(), "error": error[keep].tolist()},
    }


def _outcome_section(
    rows: Rows, where: str, by: tuple[str, ...], opts: dict[str, Any]
) -> dict[str, Any]:
    p, y = outcome_arrays(rows, where)
    section: dict[str, Any] = {"overall": _outcome_group(p, y, opts)}
    for key in by:
        values = _column(rows, key, where, required=False)
        section[f"by_{key}"] = {
            name: _outcome_group(p[idx], y[idx], opts) for name, idx in _groups(values).items()
        }
    return section


def _behaviour_group(gold: list[str], done: list[str], opts: dict[str, Any]) -> dict[str, Any]:
    confusion = {g: dict.fromkeys(ACTIONS, 0) for g in ACTIONS}
    for g, d in zip(gold, done, strict=True):
        confusion[g][d] += 1
    metrics = behaviour_metrics(gold, done, n_boot=opts["n_boot"], seed=opts["seed"])
    return {
        "n": len(gold),
        "metrics": {k: m.to_json() for k, m in metrics.items()},
        "confusion": confusion,
    }


def _behaviour_section(rows: Rows, opts: dict[str, Any]) -> dict[str, Any]:
    where = "behaviour_rows"
    action_arrays(rows, where)  # checks every row before any grouping
    gold = _column(rows, "gold", where, required=True)
    done = _column(rows, "behaviour", where, required=True)
    section: dict[str, Any] = {"overall": _behaviour_group(gold, done, opts)}
    for key in ("domain", "model"):
        section[f"by_{key}"] = {
            name: _behaviour_group([gold[i] for i in idx], [done[i] for i in idx], opts)
            for name, idx in _groups(_column(rows, key, where, required=False)).items()
        }
    alone = _column(rows, "alone", where, required=False)
    known = [i for i, a in enumerate(alone) if a is not None]
    if known:
        encode_actions([alone[i] for i in known], f"{where}.alone")
        section["model_alone"] = _behaviour_group(
            [gold[i] for i in known], [alone[i] for i in known], opts
        )
    return section


def _check_kinds(rows: Rows) -> None:
    for i, kind in enumerate(_column(rows, "kind", "claim_rows", required=False)):
        if kind is not None and kind not in CLAIM_KINDS:
            raise ValueError(f"claim_rows[{i}].kind must be one of {CLAIM_KINDS}, got {kind!r}")


def summarize(
    claim_rows: Rows,
    response_rows: Rows,
    behaviour_rows: Rows,
    *,
    threshold: float,
    n_bins: int = 15,
    n_boot: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """Claim, response and behaviour metrics of a run, overall and per group.

    Args:
        claim_rows: `p`, `y` (1 = supported) and the grouping keys `kind`, `tool`, `domain`,
            `model`; a missing or None grouping key leaves the row out of that breakdown.
        response_rows: `p`, `y` for whole outputs, with `domain` and `model`.
        behaviour_rows: `gold` (the right action), `behaviour` (what happened with the
            monitor), `alone` (what the model's output would have done without it; None when
            unknown, leaving the row out of `model_alone`), `domain` and `model`; optionally
            `suite` and `needs`, the case's need items (`needs.need_items`), counted into
            `needless` overall, per suite and per domain (`needs.need_section`).
        threshold: Support at or above which a claim counts as predicted supported.
        n_bins: Bins of the reliability diagrams, ECE, MCE and the Brier decomposition.
        n_boot: Bootstrap resamples per interval (0 for none).
        seed: Seed of the resamples.

    Returns:
        A dict that `json.dumps(..., allow_nan=False)` accepts. `overall` is always there
        (with n = 0 and undefined metrics when there are no rows); groups come only from rows.

    Raises:
        ValueError: naming the list, the row and the key of bad input.
    """
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must lie in [0, 1], got {threshold!r}")
    opts = {"threshold": threshold, "n_bins": n_bins, "n_boot": n_boot, "seed": seed}
    _check_kinds(claim_rows)
    claims = _outcome_section(claim_rows, "claim_rows", ("kind", "tool", "domain", "model"), opts)
    responses = _outcome_section(response_rows, "response_rows", ("domain", "model"), opts)
    return {
        "threshold": threshold,
        "claims": claims,
        "responses": responses,
        "behaviour": _behaviour_section(behaviour_rows, opts),
        "needless": need_section(behaviour_rows),
    }
