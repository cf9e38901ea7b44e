from __future__ import annotations

import time

import numpy as np
import pytest
from sklearn import metrics as skm
from sklearn.calibration import calibration_curve

from agentguard.evaluation.stats.metrics import (
    Bin,
    Metric,
    accuracy_f1,
    auprc,
    auroc,
    behaviour_metrics,
    bootstrap,
    brier,
    brier_decomposition,
    ece,
    error_coverage,
    log_loss,
    mce,
    reliability_bins,
)

SIZES = [10, 57, 500, 4000]


def data(n: int, seed: int, ties: bool = False, skew: float = 1.5) -> tuple[np.ndarray, np.ndarray]:
    """Miscalibrated forecasts (y drawn from p**skew); with ties, p lives on a coarse grid
    that stays off the equal-width edges k/15 (so both binning conventions agree there)."""
    rng = np.random.default_rng(seed)
    p = (rng.integers(0, 40, n) + 0.04) / 40 if ties else rng.uniform(0.0, 1.0, n)
    y = (rng.uniform(size=n) < p**skew).astype(int)
    if y.min() == y.max():  # the reference metrics need both classes
        y[0] = 1 - y[0]
    return p, y


def ref_bins(p: np.ndarray, y: np.ndarray, n_bins: int, strategy: str) -> tuple:
    """Non-empty bins from scikit-learn, with the count of each."""
    frac, mean = calibration_curve(y, p, n_bins=n_bins, strategy=strategy)
    if strategy == "uniform":
        counts, _ = np.histogram(p, bins=n_bins, range=(0.0, 1.0))
    else:
        edges = np.percentile(p, np.linspace(0, 1, n_bins + 1) * 100)
        counts = np.bincount(np.searchsorted(edges[1:-1], p), minlength=n_bins)
    return frac, mean, counts[counts > 0]


# --- against scikit-learn ---------------------------------------------------------------------


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("ties", [False, True])
def test_ranking_metrics_match_sklearn(n: int, ties: bool) -> None:
    p, y = data(n, seed=n, ties=ties)
    assert auroc(p, y, n_boot=0).value == pytest.approx(skm.roc_auc_score(y, p), abs=1e-12)
    assert auprc(p, y, n_boot=0).value == pytest.approx(
        skm.average_precision_score(y, p), abs=1e-12
    )


def test_ranking_metrics_with_heavy_ties_match_sklearn() -> None:
    rng = np.random.default_rng(3)
    p = rng.integers(0, 4, 300) / 3
    y = (rng.uniform(size=300) < 0.2 + 0.6 * p).astype(int)
    assert auroc(p, y, n_boot=0).value == pytest.approx(skm.roc_auc_score(y, p), abs=1e-12)
    assert auprc(p, y, n_boot=0).value == pytest.approx(
        skm.average_precision_score(y, p), abs=1e-12
    )


@pytest.mark.parametrize("n", SIZES)
def test_scores_match_sklearn(n: int) -> None:
    p, y = data(n, seed=n + 1, ties=n % 2 == 0)
    assert brier(p, y, n_boot=0).value == pytest.approx(skm.brier_score_loss(y, p), rel=1e-12)
    q = np.clip(p, 0.001, 0.999)  # scikit-learn clips at machine epsilon, we at eps
    assert log_loss(q, y, n_boot=0).value == pytest.approx(skm.log_loss(y, q), rel=1e-10)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("threshold", [0.3, 0.5, 0.8])
def test_accuracy_f1_match_sklearn(n: int, threshold: float) -> None:
    p, y = data(n, seed=7 * n)
    pred = (p >= threshold).astype(int)
    out = accuracy_f1(p, y, threshold, n_boot=0)
    assert out["accuracy"].value == pytest.approx(skm.accuracy_score(y, pred), abs=1e-12)
    assert out["f1"].value == pytest.approx(skm.f1_score(y, pred), abs=1e-12)


def test_threshold_is_inclusive() -> None:
    out = accuracy_f1([0.5, 0.5], [1, 0], 0.5, n_boot=0)
    assert out["accuracy"].value == 0.5
    assert out["f1"].value == pytest.approx(2 / 3)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize(("strategy", "sk"), [("width", "uniform"), ("mass", "quantile")])
def test_bins_and_ece_match_calibration_curve(n: int, ties: bool, strategy: str, sk: str) -> None:
    p, y = data(n, seed=n + 11, ties=ties)
    frac, mean, counts = ref_bins(p, y, 15, sk)
    bins = [b for b in reliability_bins(p, y, 15, strategy) if b.count]
    assert [b.count for b in bins] == counts.tolist()
    assert np.allclose([b.frac_pos for b in bins], frac, atol=1e-12)
    assert np.allclose([b.mean_p for b in bins], mean, atol=1e-12)
    ref_ece = float(np.sum(counts / n * np.abs(frac - mean)))
    assert ece(p, y, 15, strategy, n_boot=0).value == pytest.approx(ref_ece, abs=1e-12)
    assert mce(p, y, 15, strategy, n_boot=0).value == pytest.approx(
        float(np.max(np.abs(frac - mean))), abs=1e-12
    )


@pytest.mark.parametrize("n_bins", [1, 5, 10, 20])
def test_mass_bins_on_a_coarse_grid_match_calibration_curve(n_bins: int) -> None:
    rng = np.random.default_rng(n_bins)
    p = rng.integers(0, 5, 400) / 4  # five values, so many quantile edges coincide
    y = (rng.uniform(size=400) < p).astype(int)
    frac, mean, counts = ref_bins(p, y, n_bins, "quantile")
    bins = reliability_bins(p, y, n_bins, "mass")
    assert all(b.count > 0 for b in bins)
    assert [b.count for b in bins] == counts.tolist()
    assert np.allclose([b.frac_pos for b in bins], frac)
    assert np.allclose([b.mean_p for b in bins], mean)


# --- bins -------------------------------------------------------------------------------------


def test_width_bins_are_left_closed_with_the_last_closed() -> None:
    bins = reliability_bins([0.0, 0.5, 1.0], [0, 1, 1], n_bins=2)
    assert bins == [Bin(0.0, 0.5, 1, 0.0, 0.0), Bin(0.5, 1.0, 2, 0.75, 1.0)]


def test_width_bins_keep_empty_bins_without_numbers() -> None:
    bins = reliability_bins([0.1, 0.12, 0.95], [0, 1, 1], n_bins=5)
    assert [b.count for b in bins] == [2, 0, 0, 0, 1]
    assert bins[1].mean_p is None and bins[1].frac_pos is None
    assert [b.lo for b in bins] == pytest.approx([0.0, 0.2, 0.4, 0.6, 0.8])


def test_mass_bins_merge_tied_edges_into_fewer_bins() -> None:
    rng = np.random.default_rng(0)
    p = np.concatenate([np.full(80, 0.3), rng.uniform(0.5, 1.0, 20)])
    y = (rng.uniform(size=100) < p).astype(int)
    bins = reliability_bins(p, y, 10, "mass")
    assert len(bins) < 10
    assert all(b.count > 0 for b in bins)
    assert sum(b.count for b in bins) == 100
    assert all(a.hi == b.lo for a, b in zip(bins[:-1], bins[1:], strict=True))
    tied = bins[0]
    assert (tied.lo, tied.hi, tied.count, tied.mean_p) == (0.3, 0.3, 80, pytest.approx(0.3))


def test_all_probabilities_equal() -> None:
    p = np.full(50, 0.7)
    y = np.r_[np.ones(30), np.zeros(20)].astype(int)
    assert reliability_bins(p, y, 15, "mass") == [Bin(0.7, 0.7, 50, pytest.approx(0.7), 0.6)]
    for strategy in ("width", "mass"):
        assert ece(p, y, strategy=strategy, n_boot=0).value == pytest.approx(0.1)
    assert auroc(p, y, n_boot=0).value == 0.5 == skm.roc_auc_score(y, p)
    assert auprc(p, y, n_boot=0).value == pytest.approx(skm.average_precision_score(y, p))


# --- Brier decomposition ----------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("n_bins", [5, 15])
def test_brier_decomposition_is_exact_on_bin_centre_forecasts(seed: int, n_bins: int) -> None:
    rng = np.random.default_rng(seed)
    p = (rng.integers(0, n_bins, 300) + 0.5) / n_bins
    y = (rng.uniform(size=300) < p**2).astype(int)
    parts = brier_decomposition(p, y, n_bins, n_boot=0)
    rel, res, unc = (parts[k].value for k in ("reliability", "resolution", "uncertainty"))
    assert rel - res + unc == pytest.approx(brier(p, y, n_boot=0).value, abs=1e-12)
    assert unc == pytest.approx(y.mean() * (1 - y.mean()))


def test_brier_decomposition_parts_on_spread_forecasts() -> None:
    p, y = data(1000, seed=4)
    parts = brier_decomposition(p, y, n_boot=0)
    assert all(parts[k].value >= 0 for k in parts)
    # within-bin spread makes the identity approximate, not exact
    rel, res, unc = (parts[k].value for k in ("reliability", "resolution", "uncertainty"))
    assert rel - res + unc == pytest.approx(brier(p, y, n_boot=0).value, abs=0.01)


# --- error-coverage ----------------------------------------------------------------------------


def naive_error(p: np.ndarray, y: np.ndarray) -> np.ndarray:
    order = np.argsort(-np.maximum(p, 1 - p), kind="stable")
    wrong = ((p >= 0.5).astype(int) != y)[order]
    return np.array([wrong[:k].mean() for k in range(1, len(p) + 1)])


@pytest.mark.parametrize("n", [10, 57, 500])
def test_error_coverage_matches_a_direct_count(n: int) -> None:
    p, y = data(n, seed=n + 5)
    coverage, risk, auec = error_coverage(p, y, n_boot=0)
    assert coverage == pytest.approx(np.arange(1, n + 1) / n)
    assert risk == pytest.approx(naive_error(p, y))
    assert auec.value == pytest.approx(naive_error(p, y).mean())
    assert risk[-1] == pytest.approx(np.mean((p >= 0.5) != y))


def test_error_coverage_does_not_depend_on_the_order_of_tied_claims() -> None:
    p = np.array([0.9, 0.9, 0.1, 0.6, 0.4])
    y = np.array([1, 0, 0, 1, 1])
    _, risk, auec = error_coverage(p, y, n_boot=0)
    # the three claims of confidence 0.9 hold one error, spread evenly over them; so do the
    # two of confidence 0.6
    assert risk == pytest.approx([1 / 3, 1 / 3, 1 / 3, 1.5 / 4, 2 / 5])
    perm = [4, 2, 0, 3, 1]
    _, risk2, auec2 = error_coverage(p[perm], y[perm], n_boot=0)
    assert risk2 == pytest.approx(risk)
    assert auec2.value == pytest.approx(auec.value)


# --- degenerate input -------------------------------------------------------------------------


def test_one_class_only() -> None:
    p = np.array([0.2, 0.6, 0.9])
    m = auroc(p, [1, 1, 1])
    assert (m.value, m.low, m.high, m.n, m.note) == (None, None, None, 3, "one class only")
    assert auroc(p, [0, 0, 0]).note == "one class only"
    no_pos = auprc(p, [0, 0, 0])
    assert no_pos.value is None and no_pos.note == "one class only"
    # scikit-learn gives 1.0 when every claim is supported: a perfect score that means nothing.
    assert skm.average_precision_score([1, 1, 1], p) == 1.0
    all_pos = auprc(p, [1, 1, 1], n_boot=0)
    assert all_pos.value is None and all_pos.note == "one class only"
    assert brier(p, [1, 1, 1], n_boot=0).value == pytest.approx(np.mean((p - 1) ** 2))


def test_f1_without_predicted_or_true_positives_is_undefined() -> None:
    out = accuracy_f1([0.1, 0.2], [0, 0], 0.5)
    assert out["accuracy"].value == 1.0
    assert out["f1"].value is None
    assert out["f1"].note == "no predicted and no true positives"


def test_empty_input_says_no_claims() -> None:
    empty: list[float] = []
    metrics = [
        ece(empty, empty),
        ece(empty, empty, strategy="mass"),
        mce(empty, empty),
        brier(empty, empty),
        log_loss(empty, empty),
        auroc(empty, empty),
        auprc(empty, empty),
        error_coverage(empty, empty)[2],
        *brier_decomposition(empty, empty).values(),
        *accuracy_f1(empty, empty, 0.5).values(),
    ]
    assert all(m == Metric(None, note="no claims") for m in metrics)
    assert reliability_bins(empty, empty, 4, "mass") == []
    assert [b.count for b in reliability_bins(empty, empty, 4)] == [0, 0, 0, 0]
    coverage, risk, _ = error_coverage(empty, empty)
    assert coverage.size == 0 and risk.size == 0
    assert bootstrap(lambda p, y: 0.0, empty, empty) == (None, None)


@pytest.mark.parametrize(
    ("p", "y", "message"),
    [
        ([[0.1, 0.2]], [[0, 1]], "p must be a 1-D array"),
        ([0.1, 0.2], [0, 1, 1], "same length, got 2 and 3"),
        ([0.1, 1.2], [0, 1], r"p\[1\] = 1.2"),
        ([0.1, float("nan")], [0, 1], r"p\[1\] = nan"),
        ([-0.1, 0.2], [0, 1], r"p\[0\] = -0.1"),
        ([0.1, 0.2], [0, 2], r"y\[1\] = 2"),
        ([0.1, 0.2], [0.5, 1], r"y\[0\] = 0.5"),
        (["a", "b"], [0, 1], "p must be numeric"),
    ],
)
def test_bad_input_is_named(p: object, y: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        brier(p, y)


def test_bad_settings_are_named() -> None:
    p, y = [0.1, 0.9], [0, 1]
    with pytest.raises(ValueError, match="n_bins must be a positive integer"):
        ece(p, y, n_bins=0)
    with pytest.raises(ValueError, match="strategy must be 'width' or 'mass'"):
        reliability_bins(p, y, strategy="uniform")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="threshold must lie in"):
        accuracy_f1(p, y, 1.5)
    with pytest.raises(ValueError, match="n_boot must be >= 0"):
        brier(p, y, n_boot=-1)
    with pytest.raises(ValueError, match="alpha must lie in"):
        bootstrap(lambda a, b: 0.0, p, y, alpha=1.0)
    with pytest.raises(ValueError, match="eps must lie in"):
        log_loss(p, y, eps=0.0)


def test_bool_labels_are_accepted() -> None:
    assert brier([0.8, 0.3], [True, False], n_boot=0).value == pytest.approx(0.065)


# --- bootstrap --------------------------------------------------------------------------------


def test_intervals_contain_the_estimate_on_reasonable_data() -> None:
    p, y = data(800, seed=21, skew=2.5)
    for m in [
        brier(p, y),
        log_loss(p, y),
        auroc(p, y),
        auprc(p, y),
        ece(p, y),
        ece(p, y, strategy="mass"),
        error_coverage(p, y)[2],
        *accuracy_f1(p, y, 0.5).values(),
    ]:
        assert m.value is not None and m.low is not None and m.high is not None
        assert m.low <= m.value <= m.high
        assert m.high - m.low < 0.2
        assert m.n == 800


def test_intervals_are_reproducible_with_the_seed() -> None:
    p, y = data(300, seed=2)
    assert auroc(p, y, seed=5) == auroc(p, y, seed=5)
    assert ece(p, y, seed=5) == ece(p, y, seed=5)
    assert auroc(p, y, seed=5).low != auroc(p, y, seed=6).low


def test_bootstrap_of_a_function_matches_the_vectorised_intervals() -> None:
    p, y = data(400, seed=9)
    for fn, metric in [
        (lambda a, b: brier(a, b, n_boot=0).value, brier(p, y, n_boot=300, seed=4)),
        (lambda a, b: ece(a, b, n_boot=0).value, ece(p, y, n_boot=300, seed=4)),
        (lambda a, b: auroc(a, b, n_boot=0).value, auroc(p, y, n_boot=300, seed=4)),
    ]:
        low, high = bootstrap(fn, p, y, n_boot=300, seed=4)
        assert (low, high) == (pytest.approx(metric.low), pytest.approx(metric.high))


def test_bootstrap_skips_undefined_resamples() -> None:
    p, y = data(50, seed=1)
    calls = iter(range(10_000))

    def half_defined(a: np.ndarray, b: np.ndarray) -> float | None:
        return float(a.mean()) if next(calls) % 2 else None

    low, high = bootstrap(half_defined, p, y, n_boot=200)
    assert low is not None and high is not None and low < p.mean() < high
    assert bootstrap(lambda a, b: None, p, y) == (None, None)
    assert bootstrap(lambda a, b: 1.0, p, y, n_boot=1) == (None, None)
    assert brier(p, y, n_boot=0) == Metric(brier(p, y).value, n=50)


def test_one_class_resamples_are_skipped_not_faked() -> None:
    p = np.array([0.1, 0.2, 0.8, 0.9])
    y = np.array([0, 0, 0, 1])  # many resamples have no positive
    m = auroc(p, y, n_boot=500)
    assert m.value == 1.0
    assert m.low is not None and 0.0 <= m.low <= m.high <= 1.0  # type: ignore[operator]


def test_ece_bootstrap_is_fast() -> None:
    p, y = data(10_000, seed=0)
    start = time.perf_counter()
    m = ece(p, y, n_boot=1000)
    assert time.perf_counter() - start < 2.0
    assert m.low is not None


# --- behaviour --------------------------------------------------------------------------------


def test_behaviour_rates_by_hand() -> None:
    gold = ["allow", "allow", "ask_user", "ask_user", "call_tool", "call_tool", "block"]
    done = ["allow", "ask_user", "ask_user", "allow", "allow", "call_tool", "ask_user"]
    out = behaviour_metrics(gold, done, n_boot=200)
    expect = {
        "silent_assumption_rate": (2 / 4, 4),
        "ask_precision": (1 / 3, 3),
        "ask_recall": (1 / 2, 2),
        "redundant_question_rate": (1 / 2, 2),
        "tool_forcing_rate": (1 / 2, 2),
    }
    for name, (value, n) in expect.items():
        m = out[name]
        assert (m.value, m.n, m.note) == (pytest.approx(value), n, None)
        assert m.low is not None and m.high is not None
        assert 0.0 <= m.low <= m.value <= m.high <= 1.0


def test_behaviour_rates_with_an_empty_conditioning_set() -> None:
    out = behaviour_metrics(["allow", "block"], ["allow", "allow"])
    assert out["ask_recall"] == Metric(None, n=0, note="no case whose right action is ask_user")
    assert out["ask_precision"].note == "no case whose behaviour is ask_user"
    assert out["silent_assumption_rate"].note == (
        "no case whose right action is ask_user or call_tool"
    )
    assert out["redundant_question_rate"].value == 0.0
    empty = behaviour_metrics([], [])
    assert all(m.value is None and m.note for m in empty.values())


def test_behaviour_intervals_are_reproducible() -> None:
    rng = np.random.default_rng(0)
    actions = np.array(["allow", "ask_user", "call_tool", "block", "retry"])
    gold = actions[rng.integers(0, 5, 300)]
    done = np.where(rng.uniform(size=300) < 0.7, gold, actions[rng.integers(0, 5, 300)])
    assert behaviour_metrics(gold, done, seed=3) == behaviour_metrics(gold, done, seed=3)


def test_behaviour_input_is_checked() -> None:
    with pytest.raises(ValueError, match=r"behaviour\[1\] = 'ask' is not one of"):
        behaviour_metrics(["allow", "allow"], ["allow", "ask"])
    with pytest.raises(ValueError, match="same length"):
        behaviour_metrics(["allow"], ["allow", "allow"])


def test_a_single_case_gets_no_interval() -> None:
    assert brier([0.3], [0]) == Metric(pytest.approx(0.09), n=1, note="only one case: no interval")
    out = behaviour_metrics(["ask_user", "allow", "allow"], ["ask_user", "allow", "allow"])
    assert out["ask_recall"] == Metric(1.0, n=1, note="only one case: no interval")
    assert out["redundant_question_rate"].low == 0.0
