"""OpenTelemetry for the monitor: one span per check, one evaluation event per flag.

`instrument(monitor)` wraps the monitor's `check` (and so `acheck` and `check_many`, which go
through it) in a span named `agentguard.check` that carries the decision, the support, the policy,
the estimator and the latency as `agentguard.*` attributes. Each flag becomes a
`gen_ai.evaluation.result` event on that span, with the attributes of the OpenTelemetry GenAI
semantic conventions (`gen_ai.evaluation.name`, `.score.value`, `.score.label`, `.explanation`).

No message content reaches a span: no claim text, argument value, question or decision reason,
only ids, kinds, tool names, argument paths, source ids and numbers.

Needs the `otel` extra (`pip install 'agentguard[otel]'`); `import agentguard` never imports
OpenTelemetry, only this module does.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from agentguard import __version__
from agentguard.monitor import Monitor
from agentguard.types import Claim, Flag, Report

try:
    from opentelemetry import trace
    from opentelemetry.trace import Span, Status, StatusCode, TracerProvider
except ImportError as exc:  # pragma: no cover - the extra is installed in development
    raise ImportError(
        "agentguard.integrations.otel needs OpenTelemetry: pip install 'agentguard[otel]'"
    ) from exc

__all__ = ["EVALUATION_NAME", "EVENT_NAME", "SPAN_NAME", "instrument", "uninstrument"]

SPAN_NAME = "agentguard.check"
"""Name of the span of one check (the GenAI conventions define no evaluation span)."""
EVENT_NAME = "gen_ai.evaluation.result"
"""Name of the event recorded for each flag (GenAI semantic conventions)."""
EVALUATION_NAME = "agentguard.claim_support"
"""`gen_ai.evaluation.name` of those events: the score is the flagged claim's support."""

_TRACER_NAME = "agentguard"
# The instance attribute that marks an instrumented monitor and keeps its own `check`.
_ORIGINAL = "_agentguard_otel_original_check"


def instrument(monitor: Monitor, tracer_provider: TracerProvider | None = None) -> Monitor:
    """Record a span for every check `monitor` makes, and an event for every flag.

    The monitor is changed in place (its `check` is wrapped) and returned; instrumenting it twice
    changes nothing. A check that raises (an `InputError` for malformed input) ends its span with
    an error status and the exception recorded, and the exception reaches the caller unchanged.

    Args:
        monitor: The monitor to instrument.
        tracer_provider: Where the spans go; the global tracer provider when omitted.

    Returns:
        The same monitor.

    Example:
        >>> from opentelemetry.sdk.trace import TracerProvider
        >>> from agentguard import Monitor
        >>> from agentguard.integrations.otel import instrument
        >>> monitor = instrument(Monitor(), tracer_provider=TracerProvider())
        >>> monitor.check(messages=[{"role": "user", "content": "Hi"}],
        ...               output={"content": "Hello!"}).decision.action
        'allow'
    """
    if _ORIGINAL in vars(monitor):
        return monitor
    tracer = trace.get_tracer(_TRACER_NAME, __version__, tracer_provider=tracer_provider)
    run: Callable[..., Report] = monitor._run

    @functools.wraps(run)
    def traced_run(data: Any, fields: dict[str, Any], session: Any) -> Report:
        with tracer.start_as_current_span(SPAN_NAME, kind=trace.SpanKind.INTERNAL) as span:
            try:
                report = run(data, fields, session)
            except Exception as error:
                # The span context manager records the exception and sets the status; the
                # conventions also want the error's class as an attribute.
                span.set_attribute("error.type", type(error).__qualname__)
                raise
            if span.is_recording():
                _record(span, report)
            return report

    setattr(monitor, _ORIGINAL, run)
    # An instance attribute shadows the method every check goes through (`check`, `acheck`,
    # `check_many` and the checks of `monitor.session()`), without touching the Monitor class.
    monitor._run = traced_run  # type: ignore[method-assign]
    return monitor


def uninstrument(monitor: Monitor) -> Monitor:
    """Undo `instrument`: the monitor's checks are no longer traced. Returns the same monitor."""
    state = vars(monitor)
    if _ORIGINAL in state:
        del state[_ORIGINAL]
        state.pop("_run", None)
    return monitor


def _report_attributes(report: Report) -> dict[str, str | bool | int | float | list[str]]:
    """The `agentguard.*` attributes of the span of a check that produced `report`."""
    attrs: dict[str, str | bool | int | float | list[str]] = {
        "agentguard.decision.action": report.decision.action,
        "agentguard.policy": report.policy,
        "agentguard.estimator": report.estimator,
        "agentguard.claims.count": len(report.claims),
        "agentguard.flags.count": len(report.flags),
        "agentguard.flags.types": sorted({f.type for f in report.flags}),
        "agentguard.checked": report.checked,
        "agentguard.no_claims": report.no_claims,
        "agentguard.latency_ms": report.latency_ms,
    }
    if report.support is not None:
        attrs["agentguard.support"] = report.support
    if report.decision.tool_call is not None:
        attrs["agentguard.decision.tool"] = report.decision.tool_call.name
    return attrs


def _flag_attributes(flag: Flag, claim: Claim | None) -> dict[str, str | bool | float | list[str]]:
    """The attributes of the `gen_ai.evaluation.result` event of one flag."""
    attrs: dict[str, str | bool | float | list[str]] = {
        "gen_ai.evaluation.name": EVALUATION_NAME,
        "gen_ai.evaluation.score.label": flag.type,
        "gen_ai.evaluation.explanation": _explanation(flag, claim),
        "agentguard.flag.type": flag.type,
        "agentguard.flag.risk": flag.risk,
    }
    if claim is None:
        return attrs  # a malformed call has no claim and so no score
    attrs["gen_ai.evaluation.score.value"] = claim.support
    attrs["agentguard.claim.id"] = claim.id
    attrs["agentguard.claim.kind"] = claim.kind
    attrs["agentguard.claim.label"] = claim.label
    attrs["agentguard.claim.hedged"] = claim.hedged
    if claim.tool is not None:
        attrs["agentguard.claim.tool"] = claim.tool
    if claim.path is not None:
        attrs["agentguard.claim.path"] = claim.path
    sources = sorted({e.source for e in claim.evidence})
    if sources:
        attrs["agentguard.claim.evidence_sources"] = sources
    return attrs


def _record(span: Span, report: Report) -> None:
    span.set_attributes(_report_attributes(report))
    claims = {c.id: c for c in report.claims}
    for flag in report.flags:
        claim = claims.get(flag.claim_id) if flag.claim_id is not None else None
        span.add_event(EVENT_NAME, _flag_attributes(flag, claim))
    if not report.checked:
        # The policy's fail mode decided without a check: worth an alert, not an exception.
        span.set_status(Status(StatusCode.ERROR, "no estimator scored the output"))


def _explanation(flag: Flag, claim: Claim | None) -> str:
    """Why the claim was flagged, in words that quote nothing from the conversation."""
    if claim is None:
        # Only tool-call flags come without a claim (a call with no arguments has none).
        return f"{flag.type}: {_REASONS.get(flag.type, _REASONS['malformed_tool_call'])}"
    where = f"{claim.kind} claim {claim.id}"
    if claim.tool is not None:
        where += f" ({claim.tool}.{claim.path})" if claim.path else f" ({claim.tool})"
    sources = ", ".join(sorted({e.source for e in claim.evidence})) or "no source"
    reason = _REASONS.get(flag.type, flag.type)
    return f"{where}: {reason} (support {claim.support:.2f}; evidence: {sources})"


_REASONS = {
    "silent_assumption": "assumed without saying so",
    "declared_assumption": "assumed, and the output says so",
    "contradiction": "conflicts with the context",
    "redundant_question": "asks for what the context already says",
    "needless_question": "asks for an optional parameter whose schema default is what it needs",
    "needless_tool_call": "calls a tool for a result the agent already has",
    "malformed_tool_call": "the tool-call arguments do not parse or do not fit the schema",
}
"""Why a flag of each type was raised, for `gen_ai.evaluation.explanation`."""
