"""Every estimator and wrapper through the one `Estimator` interface, on the example inputs."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from agentguard import (
    Assessment,
    ClaimDraft,
    Context,
    DefaultEstimator,
    Ensemble,
    Estimate,
    Estimator,
    LLMJudge,
    Monitor,
    NLIEstimator,
    Report,
    WithFallback,
    load_policy,
)
from tests.conftest import EXAMPLES
from tests.openai_server import ChatServer
from tests.test_llm_estimator import drafts
from tests.test_nli_estimator import make_dir

EXAMPLE_FILES = sorted(EXAMPLES.glob("*.json"))
POLICIES = ("strict", "balanced", "permissive")


def examples() -> Iterator[tuple[str, dict[str, Any]]]:
    for path in EXAMPLE_FILES:
        yield path.stem, json.loads(path.read_text())


def same_report(a: Report, b: Report) -> bool:
    """Equal in everything but the estimator's name and the time taken."""
    skip = {"estimator", "latency_ms"}
    return a.model_dump(exclude=skip) == b.model_dump(exclude=skip)


class Halves(Estimator):
    """Writes only `score`; inherits `assess` and `response_support`."""

    name = "halves"

    def score(
        self, claims: Sequence[ClaimDraft], context: Context, output_text: str
    ) -> list[Estimate]:
        return [Estimate(0.5) for _ in claims]


class DuckDefault:
    """Not an `Estimator` subclass: only `name` and `score`, which the monitor accepts."""

    name = "duck"

    def score(
        self, claims: Sequence[ClaimDraft], context: Context, output_text: str
    ) -> list[Estimate]:
        return DefaultEstimator().score(claims, context, output_text)


@pytest.mark.parametrize("policy", POLICIES)
def test_wrapping_the_default_changes_nothing(policy: str) -> None:
    bare = Monitor(policy)
    wrapped = [
        Monitor(policy, estimator=WithFallback(DefaultEstimator())),
        Monitor(policy, estimator=Ensemble([DefaultEstimator()])),
        Monitor(policy, estimator=Ensemble([DefaultEstimator(), DefaultEstimator()], [1, 3])),
        Monitor(policy, estimator=WithFallback(Ensemble([DefaultEstimator()]))),
    ]
    for name, data in examples():
        expected = bare.check(data)
        for monitor in wrapped:
            assert same_report(monitor.check(data), expected), (name, monitor.estimator.name)


def test_the_wrappers_forward_the_response_model() -> None:
    data = json.loads((EXAMPLES / "flight_missing_origin.json").read_text())
    support = Monitor().check(data).support
    assert support == 0.0607  # the fitted response model, not the product of the claims (0.0124)
    assert Monitor(estimator=WithFallback(DefaultEstimator())).check(data).support == support
    assert Monitor(estimator=Ensemble([DefaultEstimator()])).check(data).support == support
    product = Monitor(estimator=DefaultEstimator.hand_set()).check(data)
    asserted = [c.support for c in product.claims if c.kind != "question"]
    assert product.support == pytest.approx(math.prod(asserted), abs=1e-6)


def test_an_estimator_that_writes_only_score_gets_the_documented_defaults() -> None:
    est = Halves()
    assert est.response_support([0.5, 0.5]) is None
    context = Context(sources=())
    claims = [ClaimDraft("text", "It ships today.")]
    assessment = est.assess(claims, context, "It ships today.")
    assert assessment == Assessment((Estimate(0.5),), (), est.response_support)
    report = Monitor(estimator=est).check(
        messages=[{"role": "user", "content": "Hi"}], output="Your order ships on May 3."
    )
    assert report.estimator == "halves" and report.support == 0.5  # the product of one claim


def test_a_plain_object_with_name_and_score_is_accepted() -> None:
    monitor = Monitor(estimator=DuckDefault())  # type: ignore[arg-type]
    assert isinstance(monitor.estimator, Estimator) and monitor.estimator.name == "duck"
    for name, data in examples():
        got, expected = monitor.check(data), Monitor(estimator=DefaultEstimator()).check(data)
        # The same claims; only the response support differs (a plain object has no
        # response model, so it is the product of the claims' supports).
        assert got.claims == expected.claims and got.decision == expected.decision, name
    with pytest.raises(TypeError, match="needs a score"):
        Monitor(estimator=object())  # type: ignore[arg-type]


def test_the_llm_judge_and_its_fallback_on_every_example() -> None:
    with ChatServer() as server:
        judge = LLMJudge("openai/test-model", api_base=server.url + "/v1", api_key="sk-test")
        for name, data in examples():
            n = len(drafts(data)[0])
            verdict = {"verdict": "supported", "confidence": 0.8, "evidence": []}
            claims = [{"id": f"c{i}", **verdict} for i in range(1, n + 1)]
            if n:
                server.say(json.dumps({"claims": claims}))
            report = Monitor(estimator=judge).check(data)
            assert report.estimator == "llm" and len(report.claims) == n, name
            assert all(c.support == 0.8 for c in report.claims), name
            if n:
                server.say("not JSON")  # the judge fails; the fallback scores instead
                guarded = Monitor(estimator=WithFallback(judge)).check(data)
                plain = guarded.model_copy(update={"notes": (), "estimator_error": None})
                assert same_report(plain, Monitor().check(data))
                assert "scored by 'default' instead" in guarded.notes[0], name
                assert (guarded.estimator_error or "").startswith("estimator 'llm' failed: "), name


def test_the_nli_estimator_on_every_example(tmp_path: Path) -> None:
    nli = NLIEstimator(make_dir(tmp_path))
    for name, data in examples():
        report = Monitor(estimator=nli).check(data)
        default = Monitor().check(data)
        assert [c.kind for c in report.claims] == [c.kind for c in default.claims], name
        for mine, theirs in zip(report.claims, default.claims, strict=True):
            if mine.kind != "text":  # arguments and questions are the default's
                assert mine == theirs, name
        for wrapped in (WithFallback(nli), Ensemble([nli])):
            assert same_report(Monitor(estimator=wrapped).check(data), report), name


def test_a_subclass_that_does_not_write_score_is_refused_when_the_monitor_is_built() -> None:
    class Forgot(Estimator):
        name = "forgot"

        def scores(self) -> None: ...

    with pytest.raises(TypeError, match="Forgot subclasses Estimator but does not write score"):
        Monitor(estimator=Forgot())
    with pytest.raises(TypeError, match="does not write score"):
        WithFallback(Forgot())


class Returns(Estimator):
    """Gives every claim the same (possibly broken) estimate, or the wrong number of them."""

    name = "returns"

    def __init__(self, support: float, extra: int = 0) -> None:
        self.support, self.extra = support, extra

    def score(
        self, claims: Sequence[ClaimDraft], context: Context, output_text: str
    ) -> list[Estimate]:
        return [Estimate(self.support) for _ in range(len(claims) + self.extra)]


@pytest.mark.parametrize(
    ("estimator", "why"),
    [
        (Returns(1.5), "support must be a number in [0, 1], not 1.5"),
        (Returns(-0.5), "support must be a number in [0, 1], not -0.5"),
        (Returns(float("nan")), "support must be a number in [0, 1], not nan"),
        (Returns(0.5, extra=1), "6 estimates for 5 claims"),
    ],
)
def test_estimates_that_break_the_contract_are_an_estimator_fault(
    estimator: Estimator, why: str
) -> None:
    data = json.loads((EXAMPLES / "flight_missing_origin.json").read_text())
    strict = Monitor("strict", estimator=estimator).check(data)
    assert strict.decision.action == "block" and why in strict.notes[0]
    assert not strict.checked and why in (strict.estimator_error or "")
    # balanced falls back to the offline estimator, which scores as it always does.
    balanced = Monitor("balanced", estimator=estimator).check(data)
    assert balanced.checked and why in balanced.notes[0]
    assert "scored by the offline estimator instead" in balanced.notes[0]
    assert balanced.claims == Monitor().check(data).claims
    assert balanced.decision.action == "ask_user"
    fail_open = load_policy("balanced").model_copy(update={"fail_mode": "open"})
    unchecked = Monitor(fail_open, estimator=estimator).check(data)
    assert unchecked.decision.action == "allow" and not unchecked.checked
    assert why in unchecked.notes[0] and "NOT CHECKED" in unchecked.decision.reason
    guarded = Monitor("strict", estimator=WithFallback(estimator)).check(data)
    assert (
        guarded.decision.action == "ask_user" and "scored by 'default' instead" in guarded.notes[0]
    )
