from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

from agentguard import CalibrationMap, InputError, load_calibration
from agentguard.calibration import read_calibration, save_calibration
from agentguard.evaluation.harness.recalibrate import (
    PLATT_L2,
    cross_validated_ece,
    fit_isotonic,
    fit_platt,
    fit_report,
)
from agentguard.evaluation.stats.metrics import ece

GRID = np.linspace(0.0, 1.0, 201)


def miscalibrated(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    p = rng.uniform(0.0, 1.0, n)
    y = (rng.uniform(0.0, 1.0, n) < p**3).astype(float)
    return p, y


def tied(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    # Rounded to 2 decimals so that many claims share a p value, within [0.1, 0.9] so that
    # 0 and 1 fall outside the breakpoints.
    rng = np.random.default_rng(seed)
    p = np.round(rng.uniform(0.1, 0.9, n), 2)
    y = (rng.uniform(0.0, 1.0, n) < p**2).astype(float)
    return p, y


# --- isotonic ---------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_isotonic_matches_sklearn_with_ties(seed: int) -> None:
    p, y = tied(400, seed)
    ours = fit_isotonic(p, y)
    ref = IsotonicRegression(out_of_bounds="clip", y_min=0, y_max=1).fit(p, y)
    queries = np.concatenate([GRID, p])
    np.testing.assert_allclose(ours.apply_many(queries), ref.predict(queries), atol=1e-12)
    assert ours.n == 400
    assert len(ours.xs) < len(np.unique(p))  # flat runs keep only their ends


def test_isotonic_matches_sklearn_on_continuous_p() -> None:
    p, y = miscalibrated(300, 7)
    ours = fit_isotonic(p, y)
    ref = IsotonicRegression(out_of_bounds="clip", y_min=0, y_max=1).fit(p, y)
    np.testing.assert_allclose(ours.apply_many(GRID), ref.predict(GRID), atol=1e-12)


def test_isotonic_weights_tied_p_by_count() -> None:
    # p=0.2 has mean 2/3 over 3 claims, p=0.5 has 0 over 1: pooled, (2 + 0) / 4 = 0.5.
    # Pooling the distinct values unweighted would give 1/3.
    m = fit_isotonic([0.2, 0.2, 0.2, 0.5], [1, 1, 0, 0])
    assert m.xs == (0.2, 0.5)
    assert m.ys == (0.5, 0.5)


@pytest.mark.parametrize("seed", [0, 1])
def test_isotonic_sample_weights_match_sklearn_and_repeated_rows(seed: int) -> None:
    p, y = tied(300, seed)
    w = np.random.default_rng(seed).integers(1, 4, size=p.size).astype(float)
    ours = fit_isotonic(p, y, weight=w)
    ref = IsotonicRegression(out_of_bounds="clip", y_min=0, y_max=1).fit(p, y, sample_weight=w)
    np.testing.assert_allclose(ours.apply_many(GRID), ref.predict(GRID), atol=1e-12)
    repeated = fit_isotonic(np.repeat(p, w.astype(int)), np.repeat(y, w.astype(int)))
    np.testing.assert_allclose(ours.apply_many(GRID), repeated.apply_many(GRID), atol=1e-12)


@pytest.mark.parametrize("weight", [[1.0, 1.0], [1.0, 0.0, 2.0], [1.0, -1.0, 1.0]])
def test_isotonic_rejects_weights_that_are_not_one_positive_number_per_claim(
    weight: list[float],
) -> None:
    with pytest.raises(ValueError, match="one positive number per claim"):
        fit_isotonic([0.1, 0.5, 0.9], [0, 1, 1], weight=weight)


def test_isotonic_applies_by_interpolation_and_clips_at_the_ends() -> None:
    m = fit_isotonic([0.2, 0.4, 0.6, 0.8], [0, 0, 1, 1])
    assert m.xs == (0.2, 0.4, 0.6, 0.8)
    assert m.ys == (0.0, 0.0, 1.0, 1.0)
    assert m.apply(0.5) == pytest.approx(0.5)
    assert m.apply(0.45) == pytest.approx(0.25)
    assert m.apply(0.0) == 0.0
    assert m.apply(0.1) == 0.0
    assert m.apply(0.9) == 1.0
    assert m.apply(1.0) == 1.0


def test_isotonic_with_one_distinct_p_is_constant() -> None:
    m = fit_isotonic([0.7, 0.7, 0.7, 0.7], [1, 0, 0, 0])
    assert m.xs == (0.7,)
    assert [m.apply(v) for v in (0.0, 0.7, 1.0)] == [0.25, 0.25, 0.25]


# --- platt ------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_platt_matches_sklearn_logistic_regression(seed: int) -> None:
    p, y = miscalibrated(500, seed)
    ours = fit_platt(p, y)
    z = np.log(np.clip(p, 1e-6, 1 - 1e-6) / (1 - np.clip(p, 1e-6, 1 - 1e-6)))
    ref = LogisticRegression(C=1.0 / PLATT_L2, tol=1e-12, max_iter=10_000).fit(z[:, None], y)
    assert ours.a == pytest.approx(ref.coef_[0, 0], abs=1e-5)
    assert ours.b == pytest.approx(ref.intercept_[0], abs=1e-5)
    np.testing.assert_allclose(
        ours.apply_many(GRID), ref.predict_proba(_logit(GRID))[:, 1], atol=1e-6
    )
    # With a far weaker penalty the fit barely moves.
    loose = LogisticRegression(C=1e8, tol=1e-12, max_iter=10_000).fit(z[:, None], y)
    assert ours.a == pytest.approx(loose.coef_[0, 0], abs=1e-3)
    assert ours.b == pytest.approx(loose.intercept_[0], abs=1e-3)


def _logit(p: np.ndarray) -> np.ndarray:
    q = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(q / (1 - q))[:, None]


def test_platt_formula_and_clipping_at_0_and_1() -> None:
    m = CalibrationMap("platt", a=2.0, b=-1.0)
    z = math.log(0.3 / 0.7)
    assert m.apply(0.3) == pytest.approx(1 / (1 + math.exp(-(2 * z - 1))))
    low = 1 / (1 + math.exp(-(2 * math.log(1e-6 / (1 - 1e-6)) - 1)))
    assert m.apply(0.0) == pytest.approx(low, rel=1e-9)
    assert 0.0 < m.apply(0.0) < m.apply(1.0) < 1.0


def test_platt_stays_finite_on_separable_labels() -> None:
    m = fit_platt([0.1, 0.2, 0.3, 0.7, 0.8, 0.9], [0, 0, 0, 1, 1, 1])
    assert math.isfinite(m.a) and math.isfinite(m.b) and m.a > 1
    assert m.apply(0.2) < 0.05 < 0.95 < m.apply(0.8)


def test_platt_on_calibrated_data_stays_near_identity() -> None:
    rng = np.random.default_rng(5)
    p = rng.uniform(0.02, 0.98, 20_000)
    y = (rng.uniform(size=p.size) < p).astype(float)
    m = fit_platt(p, y)
    assert m.a == pytest.approx(1.0, abs=0.05)
    assert m.b == pytest.approx(0.0, abs=0.05)


# --- both maps --------------------------------------------------------------------------------


@pytest.mark.parametrize("fit", [fit_isotonic, fit_platt])
def test_maps_are_monotone_and_stay_in_unit_interval(fit: Any) -> None:
    p, y = tied(300, 11)
    m = fit(p, y)
    out = m.apply_many(GRID)
    assert np.all(np.diff(out) >= 0)
    assert out.min() >= 0.0 and out.max() <= 1.0
    assert [m.apply(v) for v in GRID[::20]] == out[::20].tolist()
    assert m.apply_many(GRID.reshape(3, 67)).shape == (3, 67)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.5, 0.75, 0.9, 1.0]), st.booleans()),
        min_size=2,
        max_size=40,
    )
)
def test_fitted_maps_are_monotone_and_bounded_on_any_labels(rows: list[tuple[float, bool]]) -> None:
    p = np.array([r[0] for r in rows])
    y = np.array([float(r[1]) for r in rows])
    if y.min() == y.max():
        with pytest.raises(ValueError, match="needs both supported and unsupported claims"):
            fit_isotonic(p, y)
        return
    iso = fit_isotonic(p, y)
    ref = IsotonicRegression(out_of_bounds="clip", y_min=0, y_max=1).fit(p, y)
    if len(np.unique(p)) > 1:
        np.testing.assert_allclose(iso.apply_many(GRID), ref.predict(GRID), atol=1e-12)
    for m in (iso, fit_platt(p, y)):
        out = m.apply_many(GRID)
        assert np.all(np.isfinite(out)) and np.all(np.diff(out) >= 0)
        assert out.min() >= 0.0 and out.max() <= 1.0


@pytest.mark.parametrize("fit", [fit_isotonic, fit_platt])
@pytest.mark.parametrize(
    ("p", "y"),
    [([], []), ([0.2, 0.9], [1, 1]), ([0.2, 0.9], [0, 0])],
)
def test_fit_needs_both_classes(fit: Any, p: list[float], y: list[int]) -> None:
    with pytest.raises(ValueError, match="needs both supported and unsupported claims"):
        fit(p, y)


@pytest.mark.parametrize(
    ("p", "y", "match"),
    [
        ([0.2, 1.5], [0, 1], r"p must be in \[0, 1\]"),
        ([0.2, float("nan")], [0, 1], r"p must be in \[0, 1\]"),
        ([0.2, 0.4], [0, 0.5], "0/1 labels"),
        ([0.2, 0.4], [0, 1, 1], "equally long"),
    ],
)
def test_fit_rejects_bad_input(p: list[float], y: list[float], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        fit_isotonic(p, y)


@pytest.mark.parametrize("value", [-0.1, 1.1, float("nan")])
def test_apply_rejects_p_outside_unit_interval(value: float) -> None:
    m = CalibrationMap("isotonic", xs=(0.0, 1.0), ys=(0.0, 1.0))
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\]"):
        m.apply(value)


# --- JSON and files ---------------------------------------------------------------------------


def test_map_json_round_trip_keeps_only_its_fields() -> None:
    p, y = tied(200, 3)
    for m in (fit_isotonic(p, y, source="run-1"), fit_platt(p, y, source="run-1")):
        data = json.loads(json.dumps(m.to_json()))
        assert CalibrationMap.from_json(data) == m
        expected = {"xs", "ys"} if m.method == "isotonic" else {"a", "b"}
        assert set(data) == {"method", "n", "source"} | expected
        assert data["n"] == 200 and data["source"] == "run-1"


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    p, y = miscalibrated(300, 1)
    maps = {"isotonic": fit_isotonic(p, y), "platt": fit_platt(p, y)}
    path = tmp_path / "cal.json"
    save_calibration(path, maps, {"fitted_on": "train"}, default="platt")
    doc = json.loads(path.read_text())
    assert doc["version"] == 1 and doc["kind"] == "agentguard-calibration"
    assert doc["default"] == "platt" and set(doc["maps"]) == {"isotonic", "platt"}
    assert load_calibration(path) == maps["platt"]
    whole = read_calibration(str(path))
    assert whole.maps == maps and whole.default == "platt" and whole.meta == {"fitted_on": "train"}
    save_calibration(path, maps, {})
    assert load_calibration(path) == maps["isotonic"]  # the first map when no default is named
    save_calibration(path, maps, {"default": "platt"})
    assert load_calibration(path) == maps["platt"]  # else the one meta names
    assert sorted(f.name for f in tmp_path.iterdir()) == ["cal.json"]


def test_failed_save_leaves_the_old_file_and_no_temp_file(tmp_path: Path) -> None:
    path = tmp_path / "cal.json"
    m = CalibrationMap("platt", a=1.5, b=0.2, n=10)
    save_calibration(path, {"platt": m}, {"note": "first"})
    before = path.read_text()
    with pytest.raises(ValueError, match="meta is not JSON-ready"):
        save_calibration(path, {"platt": m}, {"bad": float("nan")})
    with pytest.raises(ValueError, match="meta is not JSON-ready"):
        save_calibration(path, {"platt": m}, {"bad": object()})
    with pytest.raises(ValueError, match="default 'isotonic' is not one of the maps"):
        save_calibration(path, {"platt": m}, {}, default="isotonic")
    with pytest.raises(ValueError, match="key maps by their method"):
        save_calibration(path, {"isotonic": m}, {})
    with pytest.raises(ValueError, match="at least one map"):
        save_calibration(path, {}, {})
    assert path.read_text() == before
    assert [f.name for f in tmp_path.iterdir()] == ["cal.json"]


def _valid_doc() -> dict[str, Any]:
    return {
        "version": 1,
        "kind": "agentguard-calibration",
        "default": "isotonic",
        "maps": {
            "isotonic": {
                "method": "isotonic",
                "xs": [0.1, 0.5, 0.9],
                "ys": [0.0, 0.4, 1.0],
                "n": 30,
                "source": "t",
            },
            "platt": {"method": "platt", "a": 1.2, "b": -0.3, "n": 30, "source": "t"},
        },
        "meta": {},
    }


def _set(doc: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    node = doc
    for key in parents:
        node = node[key]
    if value is _DELETE:
        del node[last]
    else:
        node[last] = value


_DELETE = object()
ISO = "maps.isotonic"

MALFORMED = [
    ("kind", "something-else", "kind"),
    ("kind", _DELETE, "kind"),
    ("version", 2, "version"),
    ("version", True, "version"),
    ("version", "1", "version"),
    ("extra", 1, "extra"),
    ("default", "spline", "default"),
    ("default", _DELETE, "default"),
    ("meta", [], "meta"),
    ("maps", {}, "maps"),
    ("maps", [], "maps"),
    ("maps.spline", {"method": "platt", "a": 1, "b": 0}, "maps.spline"),
    ("maps.platt", "x", "maps.platt"),
    ("maps.platt.method", "isotonic", "maps.platt.method"),
    (f"{ISO}.method", "platt", f"{ISO}.method"),
    (f"{ISO}.b", 1.0, f"{ISO}.b"),
    (f"{ISO}.method", "spline", f"{ISO}.method"),
    (f"{ISO}.method", _DELETE, f"{ISO}.method"),
    (f"{ISO}.xs", [0.1, 0.5], f"{ISO}.ys"),
    (f"{ISO}.xs", [0.5, 0.1, 0.9], f"{ISO}.xs[1]"),
    (f"{ISO}.xs", [0.1, 0.1, 0.9], f"{ISO}.xs[1]"),
    (f"{ISO}.ys", [0.0, 0.6, 0.4], f"{ISO}.ys[2]"),
    (f"{ISO}.xs", [0.1, 0.5, 1.5], f"{ISO}.xs[2]"),
    (f"{ISO}.ys", [-0.1, 0.4, 1.0], f"{ISO}.ys[0]"),
    (f"{ISO}.ys", [0.0, "0.4", 1.0], f"{ISO}.ys[1]"),
    (f"{ISO}.ys", [0.0, None, 1.0], f"{ISO}.ys[1]"),
    (f"{ISO}.xs", "0.1,0.5,0.9", f"{ISO}.xs"),
    (f"{ISO}.xs", _DELETE, f"{ISO}.xs"),
    (f"{ISO}.ys", _DELETE, f"{ISO}.ys"),
    (f"{ISO}.xs", [], f"{ISO}.xs"),
    (f"{ISO}.a", 1.0, f"{ISO}.a"),
    (f"{ISO}.n", -1, f"{ISO}.n"),
    (f"{ISO}.n", 2.5, f"{ISO}.n"),
    (f"{ISO}.source", 3, f"{ISO}.source"),
    ("maps.platt.a", _DELETE, "maps.platt.a"),
    ("maps.platt.b", _DELETE, "maps.platt.b"),
    ("maps.platt.b", "0", "maps.platt.b"),
    ("maps.platt.a", False, "maps.platt.a"),
    ("maps.platt.xs", [0.1], "maps.platt.xs"),
]


@pytest.mark.parametrize(("field", "value", "where"), MALFORMED)
def test_malformed_calibration_file_names_the_file_and_field(
    tmp_path: Path, field: str, value: Any, where: str
) -> None:
    doc = _valid_doc()
    _set(doc, field, value)
    path = tmp_path / "cal.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(InputError) as info:
        load_calibration(path)
    assert info.value.where == f"{path}: {where}"
    assert str(path) in str(info.value)


def test_non_finite_numbers_in_a_file_are_rejected(tmp_path: Path) -> None:
    path = tmp_path / "cal.json"
    path.write_text(json.dumps(_valid_doc()).replace("1.2", "NaN"))
    with pytest.raises(InputError) as info:
        load_calibration(path)
    assert info.value.where == f"{path}: maps.platt.a"
    assert "finite" in info.value.what


def test_the_valid_document_loads(tmp_path: Path) -> None:
    path = tmp_path / "cal.json"
    path.write_text(json.dumps(_valid_doc()))
    m = load_calibration(path)
    assert m == CalibrationMap("isotonic", xs=(0.1, 0.5, 0.9), ys=(0.0, 0.4, 1.0), n=30, source="t")
    assert m.apply(0.3) == pytest.approx(0.2)


def test_missing_unreadable_and_non_json_files(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    with pytest.raises(InputError, match="no such calibration file") as info:
        load_calibration(missing)
    assert info.value.where == str(missing)
    bad = tmp_path / "bad.json"
    bad.write_text('{"version": 1,\n "kind": ')
    with pytest.raises(InputError, match="not valid JSON") as info:
        load_calibration(bad)
    assert info.value.where == f"{bad}:2"
    listing = tmp_path / "list.json"
    listing.write_text("[1, 2]")
    with pytest.raises(InputError, match="must hold a JSON object"):
        load_calibration(listing)
    with pytest.raises(InputError, match="cannot read calibration file"):
        load_calibration(tmp_path)


def test_from_json_uses_the_given_location() -> None:
    with pytest.raises(InputError) as info:
        CalibrationMap.from_json({"method": "platt", "a": 1.0})
    assert info.value.where == "calibration.b"
    with pytest.raises(InputError) as info:
        CalibrationMap.from_json([], where="policy.calibration")
    assert info.value.where == "policy.calibration"


def test_constructor_validates_too() -> None:
    with pytest.raises(InputError, match="strictly increasing"):
        CalibrationMap("isotonic", xs=(0.5, 0.2), ys=(0.1, 0.2))
    with pytest.raises(InputError, match="no breakpoints"):
        CalibrationMap("platt", xs=(0.5,), ys=(0.5,))
    with pytest.raises(InputError, match="finite"):
        CalibrationMap("platt", a=float("inf"))


# --- cross-validation and the fit report ------------------------------------------------------


@pytest.mark.parametrize("method", ["isotonic", "platt"])
def test_cross_validated_ece_drops_on_miscalibrated_data(method: Any) -> None:
    p, y = miscalibrated(2000, 0)
    before, after = cross_validated_ece(p, y, method, folds=5, seed=0)
    assert before == pytest.approx(ece(p, y, n_boot=0).value)
    assert before > 0.15
    assert after < 0.06
    assert cross_validated_ece(p, y, method, folds=5, seed=0) == (before, after)
    assert cross_validated_ece(p, y, method, folds=3, seed=1)[1] < 0.06


def test_cross_validated_ece_works_with_few_claims_per_class() -> None:
    p = [0.1, 0.2, 0.3, 0.6, 0.7, 0.8, 0.9]
    y = [0, 1, 0, 0, 1, 1, 1]
    methods: list[Any] = ["isotonic", "platt"]
    for method in methods:
        before, after = cross_validated_ece(p, y, method, folds=5)
        assert 0.0 <= before <= 1.0 and 0.0 <= after <= 1.0


@pytest.mark.parametrize(
    ("p", "y", "kwargs", "match"),
    [
        ([0.1, 0.2, 0.8, 0.9], [0, 1, 1, 1], {}, "at least 2 of each"),
        ([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1], {"folds": 1}, "folds must be"),
        ([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1], {"method": "beta"}, "unknown calibration method"),
        ([0.1, 0.2], [1, 1], {}, "needs both supported and unsupported claims"),
    ],
)
def test_cross_validated_ece_rejects_degenerate_input(
    p: list[float], y: list[int], kwargs: dict[str, Any], match: str
) -> None:
    method = kwargs.pop("method", "platt")
    with pytest.raises(ValueError, match=match):
        cross_validated_ece(p, y, method, **kwargs)


def test_fit_report_picks_the_lower_cross_validated_ece(tmp_path: Path) -> None:
    p, y = miscalibrated(1500, 4)
    report = fit_report(p, y, folds=4, seed=2)
    assert report["n"] == 1500 and report["folds"] == 4 and report["seed"] == 2
    assert set(report["methods"]) == set(report["maps"]) == {"isotonic", "platt"}
    for name, scores in report["methods"].items():
        assert (scores["ece_before"], scores["ece_after"]) == cross_validated_ece(
            p, y, name, folds=4, seed=2
        )
        assert scores["ece_after"] < scores["ece_before"]
    best = min(report["methods"], key=lambda k: report["methods"][k]["ece_after"])
    assert report["default"] == best
    assert report["maps"]["isotonic"] == fit_isotonic(p, y)
    assert report["maps"]["platt"] == fit_platt(p, y)
    path = tmp_path / "cal.json"
    save_calibration(
        path, report["maps"], {"methods": report["methods"]}, default=report["default"]
    )
    assert load_calibration(path) == report["maps"][best]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_isotonic_apply_of_one_value_equals_apply_many(seed: int) -> None:
    p, y = miscalibrated(300, seed)
    m = fit_isotonic(np.round(p, 3), y)
    queries = np.concatenate([GRID, np.asarray(m.xs), [0.0, 1.0]])
    assert [m.apply(float(q)) for q in queries] == m.apply_many(queries).tolist()
