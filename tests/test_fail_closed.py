"""When an estimator fails, the policy's fail mode decides, and the report always says so."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Sequence
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
    Report,
    WithFallback,
    load_policy,
)
from agentguard.estimators.breaker import CircuitBreaker, CircuitOpen
from agentguard.estimators.llm import JudgeError
from tests.conftest import load_example
from tests.openai_server import ChatServer
from tests.test_llm_estimator import drafts

FLIGHT = load_example("flight_missing_origin")  # the origin "Boston" is a silent assumption
N_CLAIMS = 5


@pytest.fixture
def server() -> Iterator[ChatServer]:
    with ChatServer() as running:
        yield running


def judge(server: ChatServer, **options: Any) -> LLMJudge:
    return LLMJudge("openai/test-model", api_base=server.url + "/v1", api_key="sk-test", **options)


def all_supported(n: int = N_CLAIMS) -> str:
    verdict = {"verdict": "supported", "confidence": 0.9, "evidence": []}
    return json.dumps({"claims": [{"id": f"c{i}", **verdict} for i in range(1, n + 1)]})


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# Each way the judge fails, as (what the server is told, the judge's options, the error seen).
FAILURES: dict[str, tuple[Callable[[ChatServer], None], dict[str, Any], str]] = {
    "http-500": (
        lambda s: s.fail(500, "The server had an error while processing your request"),
        {},
        "JudgeError: llm judge openai/test-model: InternalServerError",
    ),
    "not-json": (
        lambda s: s.say("Sure! Everything in the message is supported."),
        {},
        "JudgeError: llm judge openai/test-model: the reply is not the verdict JSON asked for",
    ),
    "timeout": (
        lambda s: s.say(all_supported(), delay=5.0),
        {"timeout": 0.5},
        "TimeoutError: llm judge openai/test-model: no reply within 0.5 s",
    ),
}


@pytest.mark.parametrize("failure", sorted(FAILURES))
def test_a_failing_judge_under_balanced_is_scored_by_the_offline_estimator(
    server: ChatServer, failure: str
) -> None:
    script, options, error = FAILURES[failure]
    script(server)
    report = Monitor("balanced", estimator=judge(server, **options)).check(FLIGHT)
    offline = Monitor("balanced").check(FLIGHT)

    assert len(server.requests) == 1
    assert report.checked and report.estimator == "default"
    assert report.claims == offline.claims and len(report.claims) == N_CLAIMS
    assert [(f.type, f.claim_id) for f in report.flags] == [
        ("silent_assumption", "c1"),
        ("silent_assumption", "c2"),
    ]
    assert report.decision == offline.decision and report.decision.action == "ask_user"
    assert report.estimator_error is not None
    assert report.estimator_error.startswith(f"estimator 'llm' failed: {error}")
    assert report.notes[0] == f"{report.estimator_error}; scored by the offline estimator instead"


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"mock_response": Exception("upstream down")}, "InternalServerError"),
        ({"mock_response": "litellm.InternalServerError"}, "InternalServerError"),
        ({"mock_response": "All claims look fine to me."}, "not the verdict JSON asked for"),
        ({"mock_response": all_supported(), "mock_timeout": True, "timeout": 0.2}, "TimeoutError"),
    ],
    ids=["exception", "server-error", "not-json", "timeout"],
)
def test_litellm_mock_failures_follow_every_fail_mode(options: dict[str, Any], error: str) -> None:
    policy = load_policy("balanced")
    fallback = Monitor(policy, estimator=LLMJudge("openai/test-model", **options)).check(FLIGHT)
    assert fallback.checked and fallback.claims == Monitor().check(FLIGHT).claims
    assert error in (fallback.estimator_error or "") and error in fallback.notes[0]

    for mode, action in (("closed", "block"), ("open", "allow")):
        strict_or_loose = policy.model_copy(update={"fail_mode": mode})
        judge = LLMJudge("openai/test-model", **options)
        report = Monitor(strict_or_loose, estimator=judge).check(FLIGHT)
        assert report.decision.action == action and not report.checked, mode
        assert report.claims == () and report.support is None and report.flags == ()
        assert error in (report.estimator_error or "")


def test_closed_blocks_and_says_the_output_was_not_checked(server: ChatServer) -> None:
    server.fail(500, "down")
    report = Monitor("strict", estimator=judge(server)).check(FLIGHT)
    assert report.decision.action == "block" and not report.checked
    assert report.estimator == "llm" and report.claims == ()
    why = report.estimator_error or ""
    assert why.startswith("estimator 'llm' failed: JudgeError: ")
    assert report.decision.reason == f"{why}; fail mode closed: blocked, not checked"
    assert report.notes == (report.decision.reason,)


def test_an_old_policy_with_fail_mode_open_allows_but_marks_the_report_unchecked(
    server: ChatServer, tmp_path: Path
) -> None:
    path = tmp_path / "legacy.yaml"
    path.write_text("name: legacy\nthreshold: 0.5\nfail_mode: open\n")
    assert load_policy(path).fail_mode == "open"
    server.fail(500, "down")
    report = Monitor(path, estimator=judge(server)).check(FLIGHT)

    assert report.decision.action == "allow" and not report.checked
    why = report.estimator_error or ""
    assert why.startswith("estimator 'llm' failed: JudgeError: ") and "down" in why
    assert report.decision.reason == f"{why}; fail mode open: let through, NOT CHECKED"
    assert report.notes == (report.decision.reason,)
    assert report.model_dump(mode="json")["checked"] is False


def test_a_policy_without_fail_mode_falls_back(server: ChatServer, tmp_path: Path) -> None:
    path = tmp_path / "shop.yaml"
    path.write_text("threshold: 0.6\n")
    assert load_policy(path).fail_mode == "fallback"
    server.fail(500, "down")
    report = Monitor(path, estimator=judge(server)).check(FLIGHT)
    assert report.checked and report.estimator == "default" and report.estimator_error


def test_reports_written_before_the_new_fields_still_read() -> None:
    old = Monitor().check(FLIGHT).model_dump(mode="json")
    del old["checked"], old["estimator_error"]
    report = Report.model_validate(old)
    assert report.checked is True and report.estimator_error is None


def test_a_working_judge_leaves_the_report_checked_with_no_error(server: ChatServer) -> None:
    server.say(all_supported())
    report = Monitor("balanced", estimator=judge(server)).check(FLIGHT)
    assert report.checked and report.estimator_error is None and report.estimator == "llm"
    assert [c.support for c in report.claims] == [0.9] * N_CLAIMS


def test_the_breaker_opens_after_n_failures_and_the_next_check_sends_nothing(
    server: ChatServer,
) -> None:
    for _ in range(3):
        server.say(all_supported(), delay=5.0)  # each one sleeps past the timeout
    monitor = Monitor("balanced", estimator=judge(server, timeout=0.5, breaker_failures=3))
    reports = [monitor.check(FLIGHT) for _ in range(4)]

    assert len(server.requests) == 3  # the fourth check never reached the server
    for report in reports[:3]:
        assert "TimeoutError" in (report.estimator_error or "")
    last = reports[3]
    assert last.checked and last.claims == Monitor().check(FLIGHT).claims
    why = last.estimator_error or ""
    assert why.startswith(
        "estimator 'llm' failed: JudgeError: llm judge openai/test-model: circuit open after "
        "3 consecutive failures (last: TimeoutError: llm judge openai/test-model: no reply "
        "within 0.5 s); calls resume in "
    )


def test_after_the_cooldown_one_probe_closes_or_reopens_the_breaker(server: ChatServer) -> None:
    clock = Clock()
    llm = judge(server)
    llm.breaker = CircuitBreaker(failures=2, cooldown=30.0, clock=clock)
    monitor = Monitor("strict", estimator=llm)

    server.fail(500, "down")
    server.fail(500, "down")
    assert [monitor.check(FLIGHT).decision.action for _ in range(3)] == ["block"] * 3
    assert len(server.requests) == 2 and llm.breaker.state == "open"

    clock.now += 29.0
    assert "calls resume in 1.0 s" in (monitor.check(FLIGHT).estimator_error or "")
    assert len(server.requests) == 2

    clock.now += 1.0  # the cool-down is over: the probe fails, which opens it again at once
    assert llm.breaker.state == "half-open"
    server.fail(500, "still down")
    assert not monitor.check(FLIGHT).checked
    assert len(server.requests) == 3 and llm.breaker.state == "open"
    assert "circuit open" in (monitor.check(FLIGHT).estimator_error or "")
    assert len(server.requests) == 3

    clock.now += 30.0  # the next probe works: the breaker closes and checks go through
    server.say(all_supported())
    server.say(all_supported())
    assert [monitor.check(FLIGHT).checked for _ in range(2)] == [True, True]
    assert len(server.requests) == 5 and llm.breaker.state == "closed"


def test_the_breaker_counts_consecutive_failures_only(server: ChatServer) -> None:
    llm = judge(server, breaker_failures=2)
    monitor = Monitor("strict", estimator=llm)
    for reply in ("fail", "ok", "fail", "ok", "fail"):
        if reply == "fail":
            server.fail(500, "down")
        else:
            server.say(all_supported())
        assert monitor.check(FLIGHT).checked is (reply == "ok")
    assert len(server.requests) == 5 and llm.breaker is not None
    assert llm.breaker.state == "closed"


def test_the_breaker_can_be_turned_off(server: ChatServer) -> None:
    llm = judge(server, breaker_failures=None)
    for _ in range(5):
        server.fail(500, "down")
        with pytest.raises(JudgeError, match="InternalServerError"):
            llm.score(*drafts(FLIGHT))
    assert llm.breaker is None and len(server.requests) == 5


def test_only_one_probe_goes_through_when_threads_race() -> None:
    clock = Clock()
    breaker = CircuitBreaker(failures=1, cooldown=10.0, clock=clock)
    with pytest.raises(OSError):
        breaker.call(_raise(OSError("down")))
    clock.now += 10.0

    entered = threading.Semaphore(0)
    release = threading.Event()
    calls: list[str] = []

    def probe() -> str:
        calls.append("probe")
        entered.release()
        release.wait(5)
        return "ok"

    results: list[str] = []
    first = threading.Thread(target=lambda: results.append(breaker.call(probe)))
    first.start()
    assert entered.acquire(timeout=5)
    refused: list[str] = []

    def other() -> None:
        try:
            breaker.call(probe)
        except CircuitOpen as exc:
            refused.append(str(exc))

    others = [threading.Thread(target=other) for _ in range(8)]
    for t in others:
        t.start()
    for t in others:
        t.join(5)
    release.set()
    first.join(5)

    assert calls == ["probe"] and results == ["ok"]
    assert len(refused) == 8 and all("a probe call is in flight" in r for r in refused)
    assert breaker.state == "closed"


def test_concurrent_failures_open_the_breaker_once_and_counts_stay_consistent() -> None:
    breaker = CircuitBreaker(failures=50, cooldown=60.0)
    barrier = threading.Barrier(20)
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        barrier.wait(5)
        for _ in range(10):
            try:
                breaker.call(_raise(RuntimeError("down")))
            except CircuitOpen:
                kind = "refused"
            except RuntimeError:
                kind = "failed"
            with lock:
                outcomes.append(kind)

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    # Calls already past the breaker when it opened still end (at most one per other thread);
    # every call after it opened was refused, and no outcome was lost.
    failed = outcomes.count("failed")
    assert 50 <= failed <= 50 + 19 and outcomes.count("refused") == 200 - failed
    assert breaker.state == "open"


def test_breaker_arguments_are_checked() -> None:
    with pytest.raises(ValueError, match="failures >= 1"):
        CircuitBreaker(failures=0)
    with pytest.raises(ValueError, match="cooldown >= 0"):
        CircuitBreaker(cooldown=float("nan"))


class _Raises(Estimator):
    name = "raises"

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc

    def score(
        self, claims: Sequence[ClaimDraft], context: Context, output_text: str
    ) -> list[Estimate]:
        raise self.exc


class _BadResponseModel(Estimator):
    name = "bad-response"

    def score(
        self, claims: Sequence[ClaimDraft], context: Context, output_text: str
    ) -> list[Estimate]:
        return [Estimate(0.9) for _ in claims]

    def response_support(self, supports: Sequence[float]) -> float | None:
        raise ZeroDivisionError("division by zero")


class _BadEvidence(Estimator):
    name = "bad-evidence"

    def score(
        self, claims: Sequence[ClaimDraft], context: Context, output_text: str
    ) -> list[Estimate]:
        return [Estimate(0.9, evidence=("not evidence",)) for _ in claims]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("estimator", "error"),
    [
        (_Raises(RecursionError("maximum recursion depth exceeded")), "RecursionError"),
        (_Raises(KeyError("x" * 5000)), "KeyError"),
        (_Raises(MemoryError()), "MemoryError"),
        (_BadResponseModel(), "ZeroDivisionError"),
        (_BadEvidence(), "ValidationError"),
    ],
    ids=["recursion", "long-message", "memory", "response-model", "evidence"],
)
@pytest.mark.parametrize("mode", ["fallback", "closed", "open"])
def test_no_estimator_fault_escapes_the_monitor(
    estimator: Estimator, error: str, mode: str
) -> None:
    policy = load_policy("balanced").model_copy(update={"fail_mode": mode})
    report = Monitor(policy, estimator=estimator).check(FLIGHT)
    why = report.estimator_error or ""
    assert why.startswith(f"estimator {estimator.name!r} failed: {error}")
    assert len(why) < 500  # a long message is cut, never repeated whole
    expected = {"fallback": "ask_user", "closed": "block", "open": "allow"}[mode]
    assert report.decision.action == expected
    assert report.checked is (mode == "fallback")


def test_when_the_offline_estimator_fails_too_the_output_is_blocked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*args: object) -> Assessment:
        raise RuntimeError("fitted file unreadable")

    monkeypatch.setattr(DefaultEstimator, "assess", broken)
    report = Monitor("balanced", estimator=_Raises(OSError("unreachable"))).check(FLIGHT)
    assert report.decision.action == "block" and not report.checked
    assert report.estimator_error == (
        "estimator 'raises' failed: OSError: unreachable; the offline estimator failed too: "
        "RuntimeError: fitted file unreadable"
    )
    assert report.decision.reason.endswith("; fail mode closed: blocked, not checked")


def test_a_fallback_inside_an_ensemble_reaches_the_report(server: ChatServer) -> None:
    server.fail(500, "down")
    member = WithFallback(judge(server))
    report = Monitor(estimator=Ensemble([DefaultEstimator(), member])).check(FLIGHT)
    assert report.checked and report.estimator == "ensemble(default+llm|default)"
    assert (report.estimator_error or "").startswith("estimator 'llm' failed: JudgeError: ")
    assert "scored by 'default' instead" in report.notes[0]


def _raise(exc: Exception) -> Callable[[], str]:
    def fn() -> str:
        raise exc

    return fn
