"""The OpenTelemetry integration, read back through the SDK's in-memory exporter."""

from __future__ import annotations

import asyncio
import json
import runpy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

from agentguard import InputError, Monitor, Report
from agentguard.integrations.otel import instrument, uninstrument
from tests.conftest import load_example
from tests.test_render import repeated_lookup_and_arithmetic

OTEL_EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "integrations"


@pytest.fixture
def exporter() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    yield exporter
    exporter.shutdown()


@pytest.fixture
def provider(exporter: InMemorySpanExporter) -> TracerProvider:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider


@pytest.fixture
def monitor(provider: TracerProvider) -> Monitor:
    return instrument(Monitor(), tracer_provider=provider)


def _only_span(exporter: InMemorySpanExporter) -> ReadableSpan:
    (span,) = exporter.get_finished_spans()
    return span


def _events(span: ReadableSpan) -> list[dict[str, Any]]:
    return [dict(e.attributes or {}) for e in span.events if e.name == "gen_ai.evaluation.result"]


def test_a_check_is_one_span_with_the_decision_and_support(
    monitor: Monitor, exporter: InMemorySpanExporter
) -> None:
    report = monitor.check(load_example("flight_missing_origin"))
    span = _only_span(exporter)
    attrs = dict(span.attributes or {})
    assert span.name == "agentguard.check"
    assert attrs["agentguard.decision.action"] == report.decision.action == "ask_user"
    assert attrs["agentguard.support"] == report.support
    assert attrs["agentguard.policy"] == "balanced"
    assert attrs["agentguard.estimator"] == report.estimator
    assert attrs["agentguard.flags.count"] == len(report.flags) > 0
    assert attrs["agentguard.claims.count"] == len(report.claims)
    assert attrs["agentguard.flags.types"] == ("silent_assumption",)
    assert attrs["agentguard.latency_ms"] == report.latency_ms
    assert attrs["agentguard.checked"] is True
    assert span.status.status_code is StatusCode.UNSET


def test_one_evaluation_event_per_flagged_claim_and_none_for_supported_ones(
    monitor: Monitor, exporter: InMemorySpanExporter
) -> None:
    report = monitor.check(load_example("flight_missing_origin"))
    events = _events(_only_span(exporter))
    flagged = {f.claim_id for f in report.flags}
    assert sorted(e["agentguard.claim.id"] for e in events) == sorted(flagged)
    supported = {c.id for c in report.claims if c.label == "supported"}
    assert supported and not supported & {e["agentguard.claim.id"] for e in events}
    origin = next(e for e in events if e.get("agentguard.claim.path") == "origin")
    claim = next(c for c in report.claims if c.path == "origin")
    assert origin["gen_ai.evaluation.name"] == "agentguard.claim_support"
    assert origin["gen_ai.evaluation.score.value"] == claim.support
    assert origin["gen_ai.evaluation.score.label"] == "silent_assumption"
    assert origin["agentguard.claim.tool"] == "book_flight"
    assert origin["agentguard.claim.label"] == "unsupported"
    assert "assumed without saying so" in str(origin["gen_ai.evaluation.explanation"])


def test_an_allowed_output_has_no_evaluation_events(
    monitor: Monitor, exporter: InMemorySpanExporter
) -> None:
    report = monitor.check(load_example("refund_order_from_tool"))
    span = _only_span(exporter)
    assert report.decision.action == "allow"
    assert _events(span) == []
    assert dict(span.attributes or {})["agentguard.flags.count"] == 0


def test_a_malformed_call_is_an_event_without_a_score(
    monitor: Monitor, exporter: InMemorySpanExporter
) -> None:
    report = monitor.check(load_example("malformed_tool_call"))
    span = _only_span(exporter)
    (event,) = _events(span)
    assert event["gen_ai.evaluation.score.label"] == "malformed_tool_call"
    assert "gen_ai.evaluation.score.value" not in event
    assert report.support is None and "agentguard.support" not in (span.attributes or {})


def test_bad_input_marks_the_span_as_an_error_and_still_raises(
    monitor: Monitor, exporter: InMemorySpanExporter
) -> None:
    with pytest.raises(InputError, match="messages"):
        monitor.check({"messages": [{"content": "no role"}], "output": {"content": "Hi."}})
    span = _only_span(exporter)
    assert span.status.status_code is StatusCode.ERROR
    assert dict(span.attributes or {})["error.type"] == "InputError"
    assert [e.name for e in span.events] == ["exception"]


def test_no_message_content_reaches_a_span(
    monitor: Monitor, exporter: InMemorySpanExporter
) -> None:
    data = load_example("flight_missing_origin")
    report = monitor.check(data)
    exported = _only_span(exporter).to_json()
    texts = [m["content"] for m in data["messages"]] + [data["output"]["content"]]
    for call in data["output"]["tool_calls"]:
        texts += [str(v) for v in json.loads(call["function"]["arguments"]).values()]
    texts += [c.text for c in report.claims] + [report.decision.question or ""]
    assert [t for t in texts if t and t in exported] == []


def test_acheck_and_check_many_are_traced_under_the_callers_span(
    monitor: Monitor, exporter: InMemorySpanExporter, provider: TracerProvider
) -> None:
    example = load_example("refund_order_from_tool")
    with provider.get_tracer("test").start_as_current_span("agent step") as parent:
        report = asyncio.run(monitor.acheck(example))
        monitor.check_many([example, example])
    assert isinstance(report, Report)
    checks = [s for s in exporter.get_finished_spans() if s.name == "agentguard.check"]
    assert len(checks) == 3
    trace_id = parent.get_span_context().trace_id
    assert all(s.parent is not None and s.context.trace_id == trace_id for s in checks)


def test_instrumenting_twice_records_once_and_uninstrument_stops(
    monitor: Monitor, exporter: InMemorySpanExporter, provider: TracerProvider
) -> None:
    assert instrument(monitor, tracer_provider=provider) is monitor
    monitor.check(load_example("refund_order_from_tool"))
    assert len(exporter.get_finished_spans()) == 1
    uninstrument(monitor)
    monitor.check(load_example("refund_order_from_tool"))
    assert len(exporter.get_finished_spans()) == 1


def test_the_console_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    runpy.run_path(str(OTEL_EXAMPLE / "otel_console.py"), run_name="__main__")
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "decision: ask_user"
    assert out[1].startswith("span agentguard.check: action=ask_user support=0.")
    assert out[2:] == [
        "  event gen_ai.evaluation.result: silent_assumption on c1 (text)",
        "  event gen_ai.evaluation.result: silent_assumption on c2 (argument book_flight.origin)",
    ]


def test_the_checks_of_a_session_are_traced_too(
    monitor: Monitor, exporter: InMemorySpanExporter
) -> None:
    session = monitor.session()
    chat = [{"role": "user", "content": "Book me a flight to Denver."}]
    session.check(messages=chat, output="Your flight from Boston to Denver is booked.")
    chat.append({"role": "user", "content": "From Boston."})
    session.check(messages=chat, output="Your flight from Boston to Denver is booked.")
    actions = [
        dict(s.attributes or {})["agentguard.decision.action"]
        for s in exporter.get_finished_spans()
    ]
    assert len(actions) == 2 and actions[1] == "allow" and actions[0] != "allow"


def test_a_redundant_question_event_explains_it_without_the_value(
    monitor: Monitor, exporter: InMemorySpanExporter
) -> None:
    report = monitor.check(load_example("redundant_question"))
    span = _only_span(exporter)
    assert dict(span.attributes or {})["agentguard.decision.action"] == "use_context"
    (event,) = _events(span)
    assert event["gen_ai.evaluation.score.label"] == "redundant_question"
    assert event["gen_ai.evaluation.explanation"] == (
        "question claim c1 (send_replacement_part.order_id): asks for what the context already "
        f"says (support {report.claims[0].support:.2f}; evidence: user#1)"
    )
    # The value the context holds and the message for the agent are content: not on the span.
    assert report.decision.message and "ORD-40417" in report.decision.message
    shown = json.dumps([dict(span.attributes or {}), *_events(span)])
    assert "ORD-40417" not in shown and "Already known" not in shown


def test_needless_tool_calls_are_explained_with_or_without_a_claim(
    monitor: Monitor, exporter: InMemorySpanExporter
) -> None:
    report = monitor.check(repeated_lookup_and_arithmetic())
    assert [f.type for f in report.flags] == ["needless_tool_call", "needless_tool_call"]
    assert report.decision.action == "use_context"
    lookup, calc = _events(_only_span(exporter))
    # The repeated lookup has no arguments, so no claim and no score: not a malformed call.
    assert lookup["gen_ai.evaluation.explanation"] == (
        "needless_tool_call: calls a tool for a result the agent already has"
    )
    assert "gen_ai.evaluation.score.value" not in lookup
    assert calc["agentguard.claim.tool"] == "calculator"
    assert str(calc["gen_ai.evaluation.explanation"]).startswith(
        "argument claim c1 (calculator.expression): calls a tool for a result the agent already "
        "has (support "
    )
    assert "Denver" not in json.dumps([lookup, calc])
