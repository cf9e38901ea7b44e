"""The Monitor: context + output -> claims -> support -> flags -> decision."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from agentguard.calibration import CalibrationMap, load_calibration
from agentguard.claims import extract_claims
from agentguard.context import build_context
from agentguard.decide import decide, make_flags
from agentguard.estimators.base import (
    Estimate,
    Estimator,
    as_estimator,
    check_estimates,
    product_or,
)
from agentguard.estimators.default import DefaultEstimator
from agentguard.inputs import CheckInput, parse_check_input
from agentguard.policy import Policy, load_policy
from agentguard.trace import TraceWriter
from agentguard.types import Claim, ClaimDraft, Context, Decision, Label, Report, generic_path


def _label(p: float, contradicted: bool, threshold: float) -> Label:
    if p >= threshold:
        return "supported"
    return "contradicted" if contradicted else "unsupported"


def _calibration(spec: str | Path | CalibrationMap | None) -> CalibrationMap | None:
    if spec is None or not isinstance(spec, (str, Path)):
        return spec
    return load_calibration(spec)


def _as_input(data: object, fields: dict[str, Any]) -> CheckInput:
    if data is None:
        data = fields
    elif fields:
        raise TypeError("pass either one input object or keyword fields, not both")
    if isinstance(data, dict) and isinstance(data.get("output"), str):
        data = {**data, "output": {"role": "assistant", "content": data["output"]}}
    return parse_check_input(data)


class Monitor:
    """Checks model outputs against the context the model had.

    Args:
        policy: A built-in policy name (`strict`, `balanced`, `permissive`), a YAML path,
            or a `Policy`.
        estimator: The support estimator; the offline default when omitted. Any object with
            `name` and `score` works: the other methods of `Estimator` get their defaults.
        trace: A path (or an open `TraceWriter`) where every report is appended.
        calibration: A calibration file (`agentguard calibrate`) or map applied to the support
            of text and argument claims before labels and decisions. With one, the report's
            support is the product of the claims' supports; without, the response model of the
            estimator that scored them gives it (`Estimator.response_support`).

    Example:
        >>> from agentguard import Monitor
        >>> report = Monitor().check(
        ...     messages=[{"role": "user", "content": "Book me a flight to Denver."}],
        ...     output={"tool_calls": [{"id": "1", "type": "function", "function": {
        ...         "name": "book", "arguments": '{"to": "Denver", "from": "Boston"}'}}]},
        ... )
        >>> report.decision.action
        'ask_user'
    """

    def __init__(
        self,
        policy: str | Path | Policy = "balanced",
        *,
        estimator: Estimator | None = None,
        trace: str | Path | TraceWriter | None = None,
        calibration: str | Path | CalibrationMap | None = None,
    ) -> None:
        self.policy = load_policy(policy)
        self.estimator: Estimator = (
            DefaultEstimator() if estimator is None else as_estimator(estimator)
        )
        self.calibration = _calibration(calibration)
        if trace is None or isinstance(trace, TraceWriter):
            self.trace = trace
        else:
            self.trace = TraceWriter(trace, meta={"policy": self.policy.name})

    @property
    def estimator_name(self) -> str:
        """The estimator's name, with the calibration method when there is one."""
        if self.calibration is None:
            return self.estimator.name
        return f"{self.estimator.name}+{self.calibration.method}"

    def check(self, data: CheckInput | dict[str, Any] | None = None, /, **fields: Any) -> Report:
        """Check one output. Pass a `check` input object, or its fields as keywords.

        Raises:
            InputError: if the input is malformed (naming the field).
        """
        start = time.perf_counter()
        inp = _as_input(data, fields)
        policy = load_policy(inp.policy) if inp.policy else self.policy
        report = self._check(inp, policy, start)
        if self.trace is not None:
            self.trace.write(report, input_id=inp.id, metadata=inp.metadata)
        return report

    async def acheck(
        self, data: CheckInput | dict[str, Any] | None = None, /, **fields: Any
    ) -> Report:
        """`check` for async code; runs in a worker thread so the event loop stays free."""
        return await asyncio.to_thread(self.check, data, **fields)

    def check_many(self, inputs: Iterable[CheckInput | dict[str, Any]]) -> list[Report]:
        """Check several inputs, in order (raises on the first malformed one)."""
        return [self.check(i) for i in inputs]

    def close(self) -> None:
        """Close the trace, writing its summary line."""
        if self.trace is not None:
            self.trace.close()

    def __enter__(self) -> Monitor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _check(self, inp: CheckInput, policy: Policy, start: float) -> Report:
        context = build_context(inp)
        drafts, malformed = extract_claims(inp.output, context)
        try:
            assessment = self.estimator.assess(drafts, context, inp.output.text)
            check_estimates(assessment.estimates, len(drafts))
        except Exception as exc:  # noqa: BLE001 - an estimator fault is policy's to handle
            return self._failed(policy, exc, start)
        notes = list(assessment.notes)
        claims = [
            self._claim(i, d, e, context, policy)
            for i, (d, e) in enumerate(zip(drafts, assessment.estimates, strict=True), 1)
        ]
        flags = make_flags(claims, malformed, policy)
        decision = decide(claims, flags, context, policy)
        asserted = [c.support for c in claims if c.kind != "question"]
        # A calibration map of ours changes the claim supports the estimator's response model
        # was fitted on, so with one the response support is the plain product.
        response = assessment.response_support if self.calibration is None else None
        support = product_or(response, asserted)
        if not claims and not malformed:
            notes.append("no claims: the output asserts nothing checkable")
        return Report(
            support=None if support is None else round(support, 6),
            no_claims=not claims,
            claims=tuple(claims),
            flags=tuple(flags),
            decision=decision,
            policy=policy.name,
            estimator=self.estimator_name,
            notes=tuple(notes),
            latency_ms=round((time.perf_counter() - start) * 1000, 3),
        )

    def _claim(self, i: int, d: ClaimDraft, e: Estimate, context: Context, policy: Policy) -> Claim:
        p = e.support
        rule = policy.rule(d.tool, generic_path(d.path or "")) if d.kind == "argument" else None
        if rule is not None and rule.must_ground and e.support_without_schema is not None:
            p = e.support_without_schema
        if self.calibration is not None and d.kind != "question":
            p = self.calibration.apply(p)
        return Claim(
            id=f"c{i}",
            kind=d.kind,
            text=d.text,
            span=d.span,
            tool=d.tool,
            call_id=d.call_id,
            path=d.path,
            value=d.value,
            support=round(p, 4),
            label=_label(p, e.contradicted, policy.threshold),
            value_kinds=tuple(dict.fromkeys(v.kind for v in d.values)) if d.kind == "text" else (),
            hedged=e.hedged,
            evidence=e.evidence,
        )

    def _failed(self, policy: Policy, exc: Exception, start: float) -> Report:
        closed = policy.fail_mode == "closed"
        note = f"estimator {self.estimator.name!r} failed: {type(exc).__name__}: {exc}"
        return Report(
            support=None,
            claims=(),
            flags=(),
            decision=Decision(
                action="block" if closed else "allow",
                reason=f"{note}; fail mode {policy.fail_mode}",
            ),
            policy=policy.name,
            estimator=self.estimator_name,
            notes=(note,),
            latency_ms=round((time.perf_counter() - start) * 1000, 3),
        )
