from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest

from agentguard.evaluation.harness.summary import summarize
from agentguard.evaluation.stats.metrics import auroc, brier, ece, reliability_bins

ACTIONS = ["allow", "ask_user", "call_tool", "block", "retry"]
CLAIM_KEYS = {
    "ece_width", "ece_mass", "mce", "brier", "brier_reliability", "brier_resolution",
    "brier_uncertainty", "log_loss", "auroc", "auprc", "accuracy", "f1", "auec",
}  # fmt: skip
BEHAVIOUR_KEYS = {
    "silent_assumption_rate", "ask_precision", "ask_recall", "redundant_question_rate",
    "tool_forcing_rate",
}  # fmt: skip


def make_rows(n: int = 300, seed: int = 0) -> tuple[list[dict[str, Any]], ...]:
    rng = np.random.default_rng(seed)
    claims = []
    for i in range(n):
        p = float(rng.uniform())
        claims.append(
            {
                "p": p,
                "y": int(rng.uniform() < p),
                "kind": ["text", "argument"][i % 2],  # no "question" claims at all
                "tool": [None, "book_flight", "get_order"][i % 3],
                "domain": ["travel", "retail"][i % 2],
                "model": "m1" if i % 4 else "m2",
            }
        )
    # a tool whose claims are all supported, and a domain with a single claim
    claims += [
        {"p": 0.8, "y": 1, "kind": "argument", "tool": "lookup", "domain": "travel", "model": "m1"},
        {"p": 0.6, "y": 1, "kind": "argument", "tool": "lookup", "domain": "travel", "model": "m1"},
        {"p": 0.7, "y": 0, "kind": "text", "tool": None, "domain": "solo", "model": "m1"},
    ]
    responses = [
        {"p": c["p"], "y": c["y"], "domain": c["domain"], "model": c["model"]}
        for c in claims[: n // 2]
    ]
    behaviours = []
    for i in range(n // 2):
        gold = ACTIONS[int(rng.integers(0, 3))]
        done = gold if rng.uniform() < 0.7 else ACTIONS[int(rng.integers(0, 5))]
        behaviours.append(
            {
                "gold": gold,
                "behaviour": done,
                "alone": "allow" if i % 5 else None,
                "domain": ["travel", "retail"][i % 2],
                "model": "m1",
            }
        )
    return claims, responses, behaviours


@pytest.fixture(scope="module")
def summary() -> dict[str, Any]:
    return summarize(*make_rows(), threshold=0.5, n_boot=100)


def no_nan(node: Any) -> bool:
    if isinstance(node, float):
        return math.isfinite(node)
    if isinstance(node, dict):
        return all(no_nan(v) for v in node.values())
    if isinstance(node, list):
        return all(no_nan(v) for v in node)
    return True


def test_summary_is_strict_json(summary: dict[str, Any]) -> None:
    text = json.dumps(summary, allow_nan=False)
    assert json.loads(text) == summary
    assert no_nan(summary)


def test_structure(summary: dict[str, Any]) -> None:
    assert summary["threshold"] == 0.5
    assert set(summary["claims"]) == {"overall", "by_kind", "by_tool", "by_domain", "by_model"}
    assert set(summary["responses"]) == {"overall", "by_domain", "by_model"}
    assert set(summary["behaviour"]) == {"overall", "by_domain", "by_model", "model_alone"}
    group = summary["claims"]["overall"]
    assert group["n"] == 303
    assert group["n_supported"] == sum(c["y"] for c in make_rows()[0])
    assert set(group["metrics"]) == CLAIM_KEYS
    assert set(group["metrics"]["brier"]) == {"value", "low", "high", "n", "note"}
    assert len(group["reliability"]["width"]) == 15
    assert set(group["reliability"]["width"][0]) == {"lo", "hi", "count", "mean_p", "frac_pos"}
    assert set(summary["responses"]["overall"]["metrics"]) == CLAIM_KEYS
    beh = summary["behaviour"]["overall"]
    assert set(beh["metrics"]) == BEHAVIOUR_KEYS
    assert set(beh["confusion"]) == set(ACTIONS)


def test_groups_come_only_from_rows(summary: dict[str, Any]) -> None:
    claims = summary["claims"]
    assert list(claims["by_kind"]) == ["argument", "text"]  # no question claims: no group
    assert list(claims["by_tool"]) == ["book_flight", "get_order", "lookup"]
    with_tool = sum(1 for c in make_rows()[0] if c["tool"] is not None)
    assert sum(g["n"] for g in claims["by_tool"].values()) == with_tool
    assert claims["by_domain"]["solo"]["n"] == 1
    for section in ("claims", "responses", "behaviour"):
        for key, groups in summary[section].items():
            if key.startswith("by_"):
                assert all(g["n"] > 0 for g in groups.values())


def test_degenerate_groups_are_reported_not_faked(summary: dict[str, Any]) -> None:
    lookup = summary["claims"]["by_tool"]["lookup"]["metrics"]
    assert lookup["auroc"] == {
        "value": None, "low": None, "high": None, "n": 2, "note": "one class only"
    }  # fmt: skip
    assert lookup["brier"]["value"] == pytest.approx((0.2**2 + 0.4**2) / 2)
    solo = summary["claims"]["by_domain"]["solo"]["metrics"]
    assert solo["auprc"]["note"] == "one class only"
    assert solo["brier"] == {
        "value": pytest.approx(0.49), "low": None, "high": None, "n": 1,
        "note": "only one case: no interval",
    }  # fmt: skip


def test_values_match_the_metric_functions(summary: dict[str, Any]) -> None:
    claims = make_rows()[0]
    p = np.array([c["p"] for c in claims])
    y = np.array([c["y"] for c in claims])
    got = summary["claims"]["overall"]["metrics"]
    # same seed, same resamples: the intervals agree too
    assert got["brier"] == brier(p, y, n_boot=100).to_json()
    assert got["auroc"] == auroc(p, y, n_boot=100).to_json()
    assert got["ece_mass"] == ece(p, y, strategy="mass", n_boot=100).to_json()
    mass = summary["claims"]["overall"]["reliability"]["mass"]
    assert mass == [b.__dict__ for b in reliability_bins(p, y, 15, "mass")]


def test_error_coverage_is_thinned_to_101_points(summary: dict[str, Any]) -> None:
    curve = summary["claims"]["overall"]["error_coverage"]
    assert len(curve["coverage"]) == len(curve["error"]) == 101
    assert curve["coverage"][0] == pytest.approx(1 / 303)
    assert curve["coverage"][-1] == 1.0
    assert curve["coverage"] == sorted(curve["coverage"])
    small = summary["claims"]["by_tool"]["lookup"]["error_coverage"]
    assert small["coverage"] == [0.5, 1.0]


def test_behaviour_and_model_alone(summary: dict[str, Any]) -> None:
    behaviours = make_rows()[2]
    overall = summary["behaviour"]["overall"]
    assert overall["n"] == len(behaviours)
    for gold in ACTIONS:
        for done in ACTIONS:
            count = sum(1 for b in behaviours if (b["gold"], b["behaviour"]) == (gold, done))
            assert overall["confusion"][gold][done] == count
    alone = summary["behaviour"]["model_alone"]
    known = [b for b in behaviours if b["alone"] is not None]
    assert alone["n"] == len(known)
    assert sum(alone["confusion"][g]["allow"] for g in ACTIONS) == len(known)
    gather = [b for b in known if b["gold"] in ("ask_user", "call_tool")]
    assert alone["metrics"]["silent_assumption_rate"]["value"] == 1.0
    assert alone["metrics"]["silent_assumption_rate"]["n"] == len(gather)
    assert alone["metrics"]["ask_precision"]["note"] == "no case whose behaviour is ask_user"


def test_empty_run() -> None:
    out = summarize([], [], [], threshold=0.5, n_boot=10)
    json.dumps(out, allow_nan=False)
    overall = out["claims"]["overall"]
    assert overall["n"] == 0 and overall["n_supported"] == 0
    assert all(m["value"] is None and m["note"] == "no claims" for m in overall["metrics"].values())
    assert overall["reliability"]["mass"] == []
    assert all(b["count"] == 0 and b["mean_p"] is None for b in overall["reliability"]["width"])
    assert overall["error_coverage"] == {"coverage": [], "error": []}
    assert out["claims"]["by_kind"] == {} and out["claims"]["by_tool"] == {}
    beh = out["behaviour"]
    assert beh["overall"]["n"] == 0
    assert all(m["value"] is None and m["note"] for m in beh["overall"]["metrics"].values())
    assert "model_alone" not in beh


@pytest.mark.parametrize(
    ("claims", "behaviours", "message"),
    [
        ([{"p": 0.5, "kind": "text", "model": "m"}], [], r"claim_rows\[0\] has no 'y'"),
        ([{"p": 1.5, "y": 1}], [], r"claim_rows\[0\]\.p must be a probability"),
        ([{"p": "0.5", "y": 1}], [], r"claim_rows\[0\]\.p must be a probability"),
        ([{"p": 0.5, "y": 2}], [], r"claim_rows\[0\]\.y must be 0 or 1"),
        ([{"p": 0.5, "y": 1, "kind": "prose"}], [], r"claim_rows\[0\]\.kind must be one of"),
        ([{"p": 0.5, "y": 1, "tool": 3}], [], r"claim_rows\[0\]\.tool must be a string"),
        ([], [{"gold": "ask", "behaviour": "allow"}], r"behaviour_rows\.gold\[0\] = 'ask'"),
        ([], [{"gold": "allow"}], r"behaviour_rows\[0\] has no 'behaviour'"),
        (
            [],
            [{"gold": "allow", "behaviour": "allow", "alone": "guess"}],
            r"behaviour_rows\.alone\[0\] = 'guess'",
        ),
    ],
)
def test_bad_rows_are_named(claims: list[Any], behaviours: list[Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        summarize(claims, [], behaviours, threshold=0.5, n_boot=0)


def test_bad_threshold() -> None:
    with pytest.raises(ValueError, match="threshold must lie in"):
        summarize([], [], [], threshold=2.0)
