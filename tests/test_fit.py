from __future__ import annotations

import json
import math
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from agentguard import ClaimDraft, Coefficients, Context, DefaultEstimator, InputError, Monitor
from agentguard.estimators.base import Estimate
from agentguard.estimators.calibrated import (
    RESPONSE_FEATURES,
    SupportCalibration,
    response_features,
)
from agentguard.estimators.coefficients import FEATURES, FITTED_PATH
from agentguard.evaluation.harness.recalibrate import fit_platt
from agentguard.evaluation.harness.suite import load_suite
from tests.conftest import call, tool, user

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
FIT = ROOT / "training" / "fit.py"
SUITES = sorted((ROOT / "agentguard" / "evaluation" / "suites").glob("*.jsonl"))


class _Capture:
    """Passes scoring to the default estimator, keeping what the monitor asked it."""

    name = "default"

    def __init__(self) -> None:
        self.inner = DefaultEstimator()
        self.calls: list[tuple[Sequence[ClaimDraft], Context, str]] = []

    def score(
        self, claims: Sequence[ClaimDraft], context: Context, output_text: str
    ) -> list[Estimate]:
        self.calls.append((claims, context, output_text))
        return self.inner.score(claims, context, output_text)


BOOK = tool(
    "book_flight",
    origin={"type": "string"},
    destination={"type": "string"},
    date={"type": "string"},
    cabin={"type": "string", "enum": ["economy", "business"], "default": "economy"},
    refundable={"type": "boolean"},
    note={"type": "string"},
)
CHECKS: list[dict[str, Any]] = [
    {
        "messages": [user("Book me a refundable flight from Boston to Denver on 2024-05-03.")],
        "tools": [BOOK],
        "output": {
            "role": "assistant",
            "tool_calls": [
                call(
                    "book_flight",
                    {
                        "origin": "Boston",
                        "destination": "Denver Intl",
                        "date": "2024-05-04",
                        "cabin": "economy",
                        "refundable": True,
                        "note": "please seat the passenger near the front of the plane",
                    },
                )
            ],
        },
    },
    {
        "messages": [user("When does the museum open?")],
        "documents": [
            {"id": "d1", "text": "The museum opens at 9 am. Tickets cost $20 for adults."}
        ],
        "output": {
            "role": "assistant",
            "content": "The museum opens at 10 am. Tickets cost $20. It was built in 1901.",
        },
    },
    {
        "messages": [user("I need to change my order.")],
        "output": {"role": "assistant", "content": "What is your order number?"},
    },
]


def _captured() -> list[tuple[Sequence[ClaimDraft], Context, str]]:
    capture = _Capture()
    monitor = Monitor(estimator=capture)
    for check in CHECKS:
        monitor.check(check)
    return capture.calls


def test_support_is_the_sigmoid_of_features_times_hand_weights() -> None:
    estimator, hand = DefaultEstimator.hand_set(), Coefficients()
    kinds: set[str] = set()
    for claims, context, text in _captured():
        features = estimator.features(claims, context, text)
        estimates = estimator.score(claims, context, text)
        assert len(features) == len(estimates) == len(claims)
        for (kind, f), est in zip(features, estimates, strict=True):
            kinds.add(kind)
            names = FEATURES[kind]  # type: ignore[index]
            assert len(f) == len(names)
            z = sum(getattr(hand, field) * x for (_, field), x in zip(names, f, strict=True))
            assert math.log(est.support / (1.0 - est.support)) == pytest.approx(z, abs=1e-9)
    assert kinds == {"text", "argument", "question"}


def test_fitted_weights_give_other_support_than_hand_ones() -> None:
    fitted = DefaultEstimator(Coefficients.fitted())
    claims, context, text = _captured()[1]
    p_hand = [e.support for e in DefaultEstimator.hand_set().score(claims, context, text)]
    p_fitted = [e.support for e in fitted.score(claims, context, text)]
    assert p_hand != p_fitted


def test_fitted_loads_the_shipped_file_and_keeps_hand_question_weights() -> None:
    fitted, hand = Coefficients.fitted(), Coefficients()
    data = json.loads(FITTED_PATH.read_text(encoding="utf-8"))
    assert fitted.weights("text") == [data["weights"]["text"][n] for n, _ in FEATURES["text"]]
    assert fitted.weights("argument") != hand.weights("argument")
    assert fitted.weights("text") != hand.weights("text")
    assert fitted.weights("question") == hand.weights("question")
    assert all(math.isfinite(getattr(fitted, f.name)) for f in fields(fitted))
    assert Coefficients() == hand  # `Coefficients()` stays the hand-set weights


def test_fitted_file_missing_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no fitted coefficients"):
        Coefficients.fitted(tmp_path / "absent.json")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "unreadable fitted coefficients"),
        ("[]", "expected an object with a `weights` object"),
        ('{"weights": {"image": {}}}', "unknown kind 'image'"),
        ('{"weights": {"text": {"bias": 1.0}}}', r"weights\.text: expected the features"),
    ],
)
def test_malformed_fitted_file_is_a_clear_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "fitted.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        Coefficients.fitted(path)


def test_non_number_weight_names_its_place(tmp_path: Path) -> None:
    data = json.loads(FITTED_PATH.read_text(encoding="utf-8"))
    data["weights"]["argument"]["exact"] = "high"
    path = tmp_path / "fitted.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(InputError, match=r"weights\.argument\.exact: not a finite number"):
        Coefficients.fitted(path)


@pytest.mark.skipif(not DATA.is_dir(), reason=f"no public data at {DATA} (needed to fit)")
def test_fit_check_passes_on_the_committed_file() -> None:
    # One fresh fit takes most of this file's time budget, so the exit-1 path is not run here.
    done = subprocess.run(
        [sys.executable, str(FIT), "--check", "--data", str(DATA)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "is up to date" in done.stdout


def test_fitted_estimator_calibrates_claims_and_combines_responses() -> None:
    cal = SupportCalibration.fitted()
    assert set(cal.claims) == {"text", "argument"}
    assert all(m.method == "isotonic" for m in cal.claims.values())
    assert len(cal.response) == len(RESPONSE_FEATURES)
    fitted = DefaultEstimator.fitted()
    raw = DefaultEstimator(Coefficients.fitted())
    for claims, context, text in _captured():
        kinds = [k for k, _ in raw.features(claims, context, text)]
        for kind, e_raw, e_cal in zip(
            kinds,
            raw.score(claims, context, text),
            fitted.score(claims, context, text),
            strict=True,
        ):
            expected = e_raw.support if kind == "question" else cal.claim(kind, e_raw.support)
            assert e_cal.support == pytest.approx(expected)
    assert fitted.response_support([]) is None
    assert fitted.response_support([0.7]) == 0.7
    many = fitted.response_support([0.9, 0.8, 0.95])
    assert many is not None and 0.0 < many <= 0.8
    low = fitted.response_support([0.9, 0.95, 0.05])
    assert low is not None and 0.0 < low <= 0.05  # never above the least claim support
    assert DefaultEstimator.hand_set().response_support([0.5, 0.5]) == 0.25


def test_the_default_estimator_is_the_shipped_fit() -> None:
    default, shipped = DefaultEstimator(), DefaultEstimator.fitted()
    assert default.k == Coefficients.fitted() and default.calibration == shipped.calibration
    assert Monitor().estimator.k == default.k  # type: ignore[attr-defined]
    hand = DefaultEstimator.hand_set()
    assert hand.k == Coefficients() and hand.calibration is None
    for claims, context, text in _captured():
        assert default.score(claims, context, text) == shipped.score(claims, context, text)


def test_response_features_are_clipped_and_ordered() -> None:
    f = response_features([1.0, 0.5])
    assert f[0] == 1.0 and f[3] == pytest.approx(math.log(3))
    assert f[1] == pytest.approx(math.log(1 - 1e-4) + math.log(0.5))
    assert f[2] == pytest.approx(0.0)


def test_monitor_report_support_comes_from_the_response_model() -> None:
    fitted = DefaultEstimator.fitted()
    report = Monitor(estimator=fitted).check(CHECKS[1])
    asserted = [c.support for c in report.claims if c.kind != "question"]
    assert len(asserted) >= 2
    expected = fitted.response_support(asserted)
    assert expected is not None and report.support == pytest.approx(expected, abs=1e-6)
    assert report.support != pytest.approx(math.prod(asserted), abs=1e-4)
    # A calibration map of the monitor's own replaces the response model by the product.
    mapped = Monitor(estimator=fitted, calibration=fit_platt([0.2, 0.8], [0, 1])).check(CHECKS[1])
    claimed = [c.support for c in mapped.claims if c.kind != "question"]
    assert mapped.support == pytest.approx(math.prod(claimed), abs=1e-6)
    hand = Monitor(estimator=DefaultEstimator.hand_set()).check(CHECKS[1])
    claimed = [c.support for c in hand.claims if c.kind != "question"]
    assert hand.support == pytest.approx(math.prod(claimed), abs=1e-6)


def test_missing_calibration_entry_is_a_clear_error(tmp_path: Path) -> None:
    data = json.loads(FITTED_PATH.read_text(encoding="utf-8"))
    path = tmp_path / "fitted.json"
    bad = {k: v for k, v in data.items() if k != "calibration"}
    path.write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(InputError, match="calibration: missing"):
        DefaultEstimator.fitted(path)
    data["calibration"]["response"]["weights"]["min_logit"] = None
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(InputError, match=r"response\.weights\.min_logit: not a finite number"):
        SupportCalibration.fitted(path)
    del data["calibration"]["claims"]["argument"]
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(InputError, match=r"calibration\.claims: expected one map per kind"):
        SupportCalibration.fitted(path)


def _text_features(check: dict[str, Any]) -> dict[str, float]:
    capture = _Capture()
    Monitor(estimator=capture).check(check)
    ((claims, context, text),) = capture.calls
    ((kind, f),) = capture.inner.features(claims, context, text)
    assert kind == "text"
    return dict(zip([n for n, _ in FEATURES["text"]], f, strict=True))


def test_documents_features_repeat_word_overlap_only_when_documents_are_there() -> None:
    said = "The museum opens at 9 am on Sundays."
    out = {"content": "The museum opens at 9 am on Sundays."}
    with_doc = _text_features(
        {
            "messages": [user("When does it open?")],
            "documents": [{"id": "d", "text": said}],
            "output": out,
        }  # fmt: skip
    )
    in_chat = _text_features({"messages": [user(said), user("When does it open?")], "output": out})
    assert with_doc["documents"] == 1.0 and in_chat["documents"] == 0.0
    assert with_doc["documents_best_sentence"] == with_doc["best_sentence"] > 0
    assert with_doc["documents_anywhere"] == with_doc["anywhere"] > 0
    assert in_chat["documents_best_sentence"] == in_chat["documents_anywhere"] == 0.0


@pytest.mark.parametrize(
    ("said", "claim", "negation"),
    [
        ("My flight is not on May 5, it's on May 7.", "Your flight is on May 5.", 1.0),
        ("The shop doesn't open on Sundays.", "The shop opens on Sundays.", 1.0),
        (
            'He was one of the "Not Ready for Prime Time Players" on "Saturday Night Live".',
            "He was on Saturday Night Live.",
            0.0,
        ),
    ],
)
def test_a_negation_counts_only_among_the_claims_words(
    said: str, claim: str, negation: float
) -> None:
    features = _text_features({"messages": [user(said)], "output": {"content": claim}})
    assert features["negation"] == negation
    assert features["contradiction"] == 0.0  # no rival value: that feature is for values


def test_training_conversations_are_other_draws_than_the_bundled_suites() -> None:
    sys.path.insert(0, str(ROOT / "training"))
    import fit

    cases = fit.agent_conversations()
    fitted_suites = [p for p in SUITES if p.stem not in fit.suitegen.HELD_OUT]
    assert len(cases) > 3.9 * sum(len(load_suite(p).cases) for p in fitted_suites)
    bundled = {fit.case_key(c) for p in SUITES for c in load_suite(p).cases}
    assert not bundled & {fit.case_key(c) for c in cases}
    for suite, seed in fit.suitegen.SEEDS.items():
        assert seed not in fit.AGENT_SEEDS.get(suite, ())
    assert not set(fit.AGENT_SEEDS) & fit.suitegen.HELD_OUT  # the adversarial suite is unseen


def test_fit_cv_without_data_says_so(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "training"))
    import fit_cv

    assert fit_cv.main(["--data", str(tmp_path / "absent")]) == 2
    assert "no data folder" in capsys.readouterr().out


@pytest.mark.skipif(not DATA.is_dir(), reason=f"no public data at {DATA} (needed to fit)")
def test_fit_cv_prints_every_design(capsys: pytest.CaptureFixture[str]) -> None:
    sys.path.insert(0, str(ROOT / "training"))
    import fit_cv

    assert fit_cv.main(["--data", str(DATA)]) == 0
    out = capsys.readouterr().out
    for weight in ("0", "0.5", "1"):
        assert f"text, with documents*, agent weight {weight}: agent-conversations" in out
        assert f"argument, agent weight {weight}: agent-conversations" in out
    assert "text weights fitted on the public rows alone" in out
