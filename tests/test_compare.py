from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from agentguard.evaluation.harness.compare import (
    COMPARED,
    Difference,
    compare,
    gate,
    render_differences,
)
from agentguard.evaluation.stats.metrics import auroc

ACTIONS = ["allow", "ask_user", "call_tool"]


def run(seed: int, noise: float = 0.0, n: int = 400, guess: float = 0.1) -> tuple[list, list, list]:
    """Claims whose support is p (calibrated) blurred by `noise`; behaviour that answers
    instead of gathering with probability `guess`."""
    rng = np.random.default_rng(seed)
    truth = rng.uniform(size=n)
    y = (rng.uniform(size=n) < truth).astype(int)
    p = np.clip(truth + rng.normal(0.0, noise, n), 0.0, 1.0) if noise else truth
    claims = [{"p": float(a), "y": int(b)} for a, b in zip(p, y, strict=True)]
    responses = claims[: n // 2]
    behaviours: list[dict[str, Any]] = []
    for g in rng.integers(0, 3, n // 2):
        gold = ACTIONS[g]
        done = "allow" if gold != "allow" and rng.uniform() < guess else gold
        behaviours.append({"gold": gold, "behaviour": done})
    return claims, responses, behaviours


@pytest.fixture(scope="module")
def worse() -> list[Difference]:
    return compare(run(0), run(1, noise=0.4, guess=0.5), n_boot=200)


def test_compares_every_known_metric(worse: list[Difference]) -> None:
    assert [(d.level, d.name) for d in worse] == [(lvl, name) for lvl, name, _ in COMPARED]
    claims = run(0)[0]
    p, y = np.array([c["p"] for c in claims]), np.array([c["y"] for c in claims])
    d = next(d for d in worse if d.key == "claims.auroc")
    assert d.a == pytest.approx(auroc(p, y, n_boot=0).value)
    assert d.delta == pytest.approx(d.b - d.a)
    assert d.higher_is_better
    assert d.low is not None and d.high is not None and d.low <= d.delta <= d.high


def test_a_clearly_worse_candidate_fails_the_gate(worse: list[Difference]) -> None:
    for metric in ["claims.ece_width", "claims.brier", "claims.auroc", "silent_assumption_rate"]:
        ok, reason = gate(worse, metric, tolerance=0.02)
        assert not ok, reason
        assert "more than the tolerance 0.02" in reason
        assert "\n" not in reason
    d = next(d for d in worse if d.key == "claims.auroc")
    assert d.delta is not None and d.delta < 0
    assert d.worse_by() == pytest.approx(-d.delta)
    e = next(d for d in worse if d.key == "claims.brier")
    assert e.worse_by() == pytest.approx(e.delta) and e.worse_by() > 0  # type: ignore[operator]
    assert e.high is not None and e.low is not None and 0 < e.low <= e.high


def test_a_candidate_within_tolerance_passes() -> None:
    diffs = compare(run(0), run(1), n_boot=200)  # same process, other sample
    ok, reason = gate(diffs, "claims.ece_width", tolerance=0.05)
    assert ok, reason
    assert "within the tolerance 0.05" in reason
    assert gate(diffs, "behaviour.ask_recall", tolerance=0.2)[0]


def test_identical_runs_differ_by_nothing() -> None:
    diffs = compare(run(3), run(3), n_boot=200)
    for d in diffs:
        assert d.delta == 0.0
        assert d.low is not None and d.high is not None and d.low <= 0.0 <= d.high
        assert gate(diffs, d.key, tolerance=0.0)[0]


def test_metric_selection_and_names() -> None:
    diffs = compare(run(0), run(1), metrics=["brier", "responses.auroc"], n_boot=50)
    assert [d.key for d in diffs] == ["claims.brier", "responses.auroc"]
    assert gate(diffs, "brier", 1.0)[0]
    with pytest.raises(ValueError, match="'auroc' is ambiguous; use one of: claims.auroc"):
        compare(run(0), run(1), metrics=["auroc"])
    with pytest.raises(ValueError, match=r"unknown metric 'ece'; known: claims\.ece_width"):
        compare(run(0), run(1), metrics=["ece"])
    with pytest.raises(ValueError, match=r"unknown metric 'claims.auroc'; known: claims\.brier"):
        gate(diffs, "claims.auroc", 0.1)
    with pytest.raises(ValueError, match="tolerance must be >= 0"):
        gate(diffs, "brier", -0.1)


def test_an_undefined_metric_fails_the_gate() -> None:
    one_class = [{"p": 0.3, "y": 1}, {"p": 0.8, "y": 1}]
    diffs = compare(run(0), (one_class, [], []), n_boot=50)
    d = next(d for d in diffs if d.key == "claims.auroc")
    assert (d.b, d.delta, d.low, d.high) == (None, None, None, None)
    assert d.note == "undefined in run B: one class only"
    assert d.worse_by() is None
    ok, reason = gate(diffs, "claims.auroc", tolerance=1.0)
    assert not ok and "undefined in run B: one class only" in reason
    ok, reason = gate(diffs, "behaviour.silent_assumption_rate", tolerance=1.0)
    assert not ok and "no cases in run B" in reason
    assert next(d for d in diffs if d.key == "claims.brier").delta is not None


def test_bad_runs_are_named() -> None:
    with pytest.raises(ValueError, match=r"run B must be \(claim_rows, response_rows"):
        compare(run(0), ([], []), n_boot=0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"run A claim_rows\[0\]\.p must be a probability"):
        compare(([{"p": 2.0, "y": 1}], [], []), run(0), n_boot=0)


def test_render_differences_aligns_columns(worse: list[Difference]) -> None:
    text = render_differences(worse)
    lines = text.splitlines()
    assert len(lines) == len(worse) + 1
    head = lines[0]
    assert head.split() == ["metric", "A", "B", "B-A", "95%", "CI", "better", "note"]
    col = head.index("better")
    for line, d in zip(lines[1:], worse, strict=True):
        assert line.startswith(d.key)
        assert line[col:].split()[0] == ("higher" if d.higher_is_better else "lower")
        assert line[col - 2 : col] == "  "
    # numbers are right-aligned under their headings
    end_b = head.index("B-A") - 2
    assert all(line[end_b - 1].isdigit() for line in lines[1:])
    undefined = render_differences(compare(run(0), ([], [], []), metrics=["brier"]))
    assert "n/a" in undefined and "no claims in run B" in undefined
