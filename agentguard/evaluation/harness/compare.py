"""Compare two eval runs metric by metric, with bootstrap intervals of the differences, and gate.

Run A is the baseline, run B the candidate. Each run is resampled on its own (the runs need
not share cases), and the interval of B - A comes from pairing the i-th resample of A with
the i-th resample of B.

Example:
    >>> claims_a = [{"p": 0.9, "y": 1}, {"p": 0.2, "y": 0}, {"p": 0.6, "y": 1}]
    >>> claims_b = [{"p": 0.6, "y": 1}, {"p": 0.5, "y": 0}, {"p": 0.4, "y": 1}]
    >>> diffs = compare((claims_a, [], []), (claims_b, [], []), metrics=["claims.brier"])
    >>> gate(diffs, "claims.brier", tolerance=0.01)[0]
    False
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from agentguard.evaluation.harness.summary import action_arrays, outcome_arrays
from agentguard.evaluation.stats.metrics import (
    Array,
    Statistic,
    behaviour_statistic,
    claim_statistics,
    evaluate,
    percentile_interval,
    replicates,
)

Level = Literal["claims", "responses", "behaviour"]
Rows = Sequence[Mapping[str, Any]]
RunRows = Sequence[Rows]
"""`(claim_rows, response_rows, behaviour_rows)` of one run, as `summarize` takes them."""
COMPARED: tuple[tuple[Level, str, bool], ...] = (
    ("claims", "ece_width", False),
    ("claims", "ece_mass", False),
    ("claims", "brier", False),
    ("claims", "log_loss", False),
    ("claims", "auroc", True),
    ("claims", "auprc", True),
    ("claims", "auec", False),
    ("responses", "auroc", True),
    ("responses", "ece_width", False),
    ("behaviour", "silent_assumption_rate", False),
    ("behaviour", "redundant_question_rate", False),
    ("behaviour", "ask_recall", True),
)
"""(level, metric, higher is better) for every metric `compare` knows."""


@dataclass(frozen=True)
class Difference:
    """One metric in runs A and B, and B - A with its bootstrap 95% interval."""

    name: str
    level: Level
    a: float | None
    b: float | None
    delta: float | None
    low: float | None
    high: float | None
    higher_is_better: bool
    note: str | None = None

    @property
    def key(self) -> str:
        """`level.name`, e.g. `claims.ece_width`."""
        return f"{self.level}.{self.name}"

    def worse_by(self) -> float | None:
        """How much worse B is than A (positive = worse), None when either is undefined."""
        if self.delta is None:
            return None
        return -self.delta if self.higher_is_better else self.delta


def _pick(keys: Sequence[tuple[str, str]], metric: str) -> int:
    """Index of `metric` (`level.name`, or a bare name that only one level has) in `keys`."""
    hits = [i for i, (level, name) in enumerate(keys) if metric in (f"{level}.{name}", name)]
    if len(hits) == 1:
        return hits[0]
    if hits:
        options = ", ".join(f"{keys[i][0]}.{keys[i][1]}" for i in hits)
        raise ValueError(f"metric {metric!r} is ambiguous; use one of: {options}")
    known = ", ".join(f"{level}.{name}" for level, name in keys)
    raise ValueError(f"unknown metric {metric!r}; known: {known}")


def _arrays(rows: RunRows, run: str) -> dict[str, tuple[Array, Array]]:
    if isinstance(rows, (str, bytes)) or not isinstance(rows, Sequence) or len(rows) != 3:
        raise ValueError(f"run {run} must be (claim_rows, response_rows, behaviour_rows)")
    claims, responses, behaviour = rows
    return {
        "claims": outcome_arrays(claims, f"run {run} claim_rows"),
        "responses": outcome_arrays(responses, f"run {run} response_rows"),
        "behaviour": action_arrays(behaviour, f"run {run} behaviour_rows"),
    }


def _why_undefined(stat: Statistic, data: tuple[Array, Array], level: str, run: str) -> str:
    if data[0].size == 0:
        return f"no {'cases' if level == 'behaviour' else level} in run {run}"
    return f"undefined in run {run}: {stat.undefined}"


def compare(
    rows_a: RunRows,
    rows_b: RunRows,
    *,
    metrics: list[str] | None = None,
    n_bins: int = 15,
    n_boot: int = 1000,
    seed: int = 0,
) -> list[Difference]:
    """Each metric in run A (baseline) and run B (candidate), with B - A and its interval.

    Args:
        rows_a: `(claim_rows, response_rows, behaviour_rows)` of run A, as for `summarize`.
        rows_b: The same for run B.
        metrics: Names from `COMPARED` (`claims.auroc`, or a bare name such as `brier` that
            only one level has); all of them when None.
        n_bins: Bins of the ECEs.
        n_boot: Bootstrap resamples of each run (0 for no intervals).
        seed: Seed of run A's resamples; run B's use `seed + 1`, so the two are independent.

    Raises:
        ValueError: for an unknown metric name or bad rows.
    """
    keys = [(level, name) for level, name, _ in COMPARED]
    chosen = range(len(COMPARED)) if metrics is None else [_pick(keys, m) for m in metrics]
    data = {"A": _arrays(rows_a, "A"), "B": _arrays(rows_b, "B")}
    stats = claim_statistics(n_bins=n_bins)
    out = []
    for i in chosen:
        level, name, higher = COMPARED[i]
        stat = behaviour_statistic(name) if level == "behaviour" else stats[name]
        a, b = (evaluate(stat, *data[r][level]) for r in ("A", "B"))
        if a is None or b is None:
            why = "; ".join(
                _why_undefined(stat, data[r][level], level, r)
                for r, v in (("A", a), ("B", b))
                if v is None
            )
            out.append(Difference(name, level, a, b, None, None, None, higher, why))
            continue
        rep_a = replicates(stat, *data["A"][level], n_boot=n_boot, seed=seed)
        rep_b = replicates(stat, *data["B"][level], n_boot=n_boot, seed=seed + 1)
        low, high = percentile_interval(rep_b - rep_a)
        out.append(Difference(name, level, a, b, b - a, low, high, higher))
    return out


def gate(differences: Sequence[Difference], metric: str, tolerance: float) -> tuple[bool, str]:
    """Whether run B stays within `tolerance` of run A on `metric`, and a one-line reason.

    `tolerance` is in the metric's own units: B may be worse than A by at most that much. A
    metric undefined in either run fails, since nothing says it did not get worse.

    Raises:
        ValueError: for a negative tolerance or a metric not among `differences`.
    """
    if not tolerance >= 0.0:
        raise ValueError(f"tolerance must be >= 0, got {tolerance!r}")
    d = differences[_pick([(x.level, x.name) for x in differences], metric)]
    worse = d.worse_by()
    if worse is None or d.a is None or d.b is None or d.delta is None:
        return False, f"{d.key} cannot be compared: {d.note or 'undefined'}"
    better = "higher" if d.higher_is_better else "lower"
    interval = f", 95% CI [{d.low:+.4f}, {d.high:+.4f}]" if d.low is not None else ""
    facts = f"{d.key} A {d.a:.4f} -> B {d.b:.4f} (B-A {d.delta:+.4f}{interval}; {better} is better)"
    if worse > tolerance:
        return False, f"{facts}: worse by {worse:.4f}, more than the tolerance {tolerance:g}"
    return True, f"{facts}: within the tolerance {tolerance:g}"


def _num(x: float | None, sign: bool = False) -> str:
    if x is None:
        return "n/a"
    return f"{x:+.4f}" if sign else f"{x:.4f}"


def render_differences(differences: Sequence[Difference]) -> str:
    """The differences as an aligned plain-text table, one metric per line."""
    head = ("metric", "A", "B", "B-A", "95% CI", "better", "note")
    rows = [
        (
            d.key,
            _num(d.a),
            _num(d.b),
            _num(d.delta, sign=True),
            f"[{_num(d.low, True)}, {_num(d.high, True)}]" if d.low is not None else "n/a",
            "higher" if d.higher_is_better else "lower",
            d.note or "",
        )
        for d in differences
    ]
    widths = [max(len(r[c]) for r in (head, *rows)) for c in range(len(head))]
    numeric = {1, 2, 3, 4}
    lines = [
        "  ".join(
            cell.rjust(w) if c in numeric else cell.ljust(w)
            for c, (cell, w) in enumerate(zip(r, widths, strict=True))
        ).rstrip()
        for r in (head, *rows)
    ]
    return "\n".join(lines)
