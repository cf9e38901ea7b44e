"""The Monitor: context + output -> claims -> support -> flags -> decision."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import OrderedDict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from agentguard.calibration import CalibrationMap, load_calibration
from agentguard.claims import extract
from agentguard.context import ContextHistory, build_context
from agentguard.decide import decide, make_flags
from agentguard.errors import InputError
from agentguard.estimators.base import (
    Estimate,
    Estimator,
    as_estimator,
    check_estimates,
    failure_text,
    product_or,
)
from agentguard.estimators.default import DefaultEstimator
from agentguard.estimators.index import IndexCache
from agentguard.inputs import CheckInput, InputHistory, parse_check_input
from agentguard.needless_calls import find_needless_calls
from agentguard.policy import Policy, builtin_policies, load_policy
from agentguard.trace import TraceWriter, provenance
from agentguard.types import Claim, ClaimDraft, Context, Decision, Label, Report, generic_path


def _label(p: float, contradicted: bool, threshold: float) -> Label:
    if p >= threshold:
        return "supported"
    return "contradicted" if contradicted else "unsupported"


def _calibration(spec: str | Path | CalibrationMap | None) -> CalibrationMap | None:
    if spec is None or not isinstance(spec, (str, Path)):
        return spec
    return load_calibration(spec)


def _raw_input(data: object, fields: dict[str, Any]) -> object:
    """The input object of `check(data)` or `check(**fields)`, a string output made a message."""
    if data is None:
        data = fields
    elif fields:
        raise TypeError("pass either one input object or keyword fields, not both")
    if isinstance(data, dict) and isinstance(data.get("output"), str):
        data = {**data, "output": {"role": "assistant", "content": data["output"]}}
    return data


class Monitor:
    """Checks model outputs against the context the model had.

    Args:
        policy: A built-in policy name (`strict`, `balanced`, `permissive`), a YAML path,
            or a `Policy`.
        estimator: The support estimator; the offline default when omitted. Any object with
            `name` and `score` works: the other methods of `Estimator` get their defaults.
            When it raises, the policy's `fail_mode` decides (`Policy.fail_mode`): `check`
            never raises because an estimator failed.
        trace: A path (or an open `TraceWriter`) where every report is appended, with the
            input's id (or a hash of its messages and output), the output text and the flagged
            spans.
        trace_inputs: Also store the context (messages, tools, documents) in each trace
            record, redacted like the rest. Off by default: conversations may be private.
        calibration: A calibration file (`agentguard calibrate`) or map applied to the support
            of text and argument claims before labels and decisions. With one, the report's
            support is the product of the claims' supports; without, the response model of the
            estimator that scored them gives it (`Estimator.response_support`).
        policies: Policies the `policy` field of a checked input may name, besides the
            built-in ones: name to YAML path or `Policy`, loaded here. The field is looked up
            by name only, never opened as a path, so an input cannot make the monitor read a
            file.

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
        policies: Mapping[str, str | Path | Policy] | None = None,
        trace_inputs: bool = False,
    ) -> None:
        self.policy = load_policy(policy)
        self.policies = {name: load_policy(p) for name, p in (policies or {}).items()}
        self.estimator: Estimator = (
            DefaultEstimator() if estimator is None else as_estimator(estimator)
        )
        self.calibration = _calibration(calibration)
        self.trace_inputs = trace_inputs
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
        return self._run(data, fields, None)

    def _run(self, data: object, fields: dict[str, Any], session: MonitorSession | None) -> Report:
        """Every check goes through here, a session's too (`integrations.otel` wraps it)."""
        start = time.perf_counter()
        raw = _raw_input(data, fields)
        if session is None:
            inp = parse_check_input(raw)
            context = build_context(inp)
        else:
            inp, context = session._read(raw)
        return self._report(inp, context, start)

    def session(self) -> MonitorSession:
        """A monitor for one conversation, whose checks read only what is new since the last.

        Each check of an agent loop passes the whole conversation again; a session keeps the
        parsed messages, their sources and the default estimator's index of them, so a check
        costs in proportion to the new messages and the output, not to the conversation's
        length. The reports are the same as `check` gives. Use one session per conversation
        (it is thread-safe; a changed history is read again from where it changed). Every
        integration and the agent runtime check through sessions, not `check`: a subclass
        that changes how checks are made overrides `session()` as well.

        Example:
            >>> from agentguard import Monitor
            >>> session = Monitor().session()
            >>> chat = [{"role": "user", "content": "Book me a flight to Denver."}]
            >>> report = session.check(messages=chat, output="Your flight from Boston is booked.")
            >>> report.decision.action
            'retry'
        """
        return MonitorSession(self)

    def _report(self, inp: CheckInput, context: Context, start: float) -> Report:
        """The report on a parsed input with its context, written to the trace."""
        policy = self._input_policy(inp.policy) if inp.policy else self.policy
        report = self._check(inp, context, policy, start)
        if self.trace is not None:
            extra = provenance(inp, report, context=self.trace_inputs)
            self.trace.write(report, input_id=inp.id, metadata=inp.metadata, **extra)
        return report

    def _input_policy(self, name: str) -> Policy:
        """The policy a checked input names: an allowed name or a built-in one, never a path."""
        found = self.policies.get(name)
        if found is not None:
            return found
        if name in builtin_policies():
            return load_policy(name)
        # The same words whatever the value, and no file opened: an input cannot probe files.
        allowed = ", ".join(sorted({*builtin_policies(), *self.policies}))
        raise InputError("policy", f"not an allowed policy name (allowed: {allowed})")

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

    def _check(self, inp: CheckInput, context: Context, policy: Policy, start: float) -> Report:
        extraction = extract(inp.output, context)
        drafts, malformed = extraction.claims, extraction.malformed
        scored = self._score_or_fail(drafts, context, inp.output.text, policy, start)
        if isinstance(scored, Report):
            return scored
        claims, notes = scored.claims, [*scored.notes, *extraction.notes]
        needless = find_needless_calls(inp.messages, inp.output.tool_calls, inp.tools)
        flags = make_flags(claims, malformed, policy, needless)
        decision = decide(
            claims, flags, context, policy, unchecked=extraction.capped, needless=needless
        )
        if not claims and not malformed:
            notes.append("no claims: the output asserts nothing checkable")
        return Report(
            support=None if scored.support is None else round(scored.support, 6),
            no_claims=not claims,
            claims=tuple(claims),
            flags=tuple(flags),
            decision=decision,
            policy=policy.name,
            estimator=scored.estimator,
            notes=tuple(notes),
            estimator_error=scored.failure,
            latency_ms=round((time.perf_counter() - start) * 1000, 3),
        )

    def _score_or_fail(
        self, drafts: list[ClaimDraft], context: Context, text: str, policy: Policy, start: float
    ) -> _Scored | Report:
        """Claims scored by the estimator; when it fails, what the policy's fail mode says.

        `fallback` scores with the offline estimator (the notes and `estimator_error` say why);
        `open` and `closed` give an unchecked report (`_failed`). Any exception an estimator
        raises is handled here, so `check` never raises because of one.
        """
        try:
            return self._score(self.estimator, self.calibration, drafts, context, text, policy)
        except Exception as exc:  # noqa: BLE001 - an estimator fault is the fail mode's to handle
            failure = f"estimator {self.estimator.name!r} failed: {failure_text(exc)}"
        if policy.fail_mode != "fallback":
            return self._failed(policy, failure, start)
        try:
            # No calibration map here: a map fitted on another estimator's scores does not fit.
            scored = self._score(DefaultEstimator(), None, drafts, context, text, policy)
        except Exception as exc:  # noqa: BLE001 - nothing is left to score with: fail closed
            failure += f"; the offline estimator failed too: {failure_text(exc)}"
            return self._failed(policy, failure, start, closed=True)
        scored.notes.insert(0, f"{failure}; scored by the offline estimator instead")
        scored.failure = failure
        return scored

    def _score(
        self,
        estimator: Estimator,
        calibration: CalibrationMap | None,
        drafts: list[ClaimDraft],
        context: Context,
        text: str,
        policy: Policy,
    ) -> _Scored:
        """Claims scored by `estimator`; raises whatever the estimator's output makes fail."""
        assessment = estimator.assess(drafts, context, text)
        check_estimates(assessment.estimates, len(drafts))
        claims = [
            self._claim(i, d, e, policy, calibration)
            for i, (d, e) in enumerate(zip(drafts, assessment.estimates, strict=True), 1)
        ]
        asserted = [c.support for c in claims if c.kind != "question"]
        # A calibration map of ours changes the claim supports the estimator's response model
        # was fitted on, so with one the response support is the plain product.
        response = assessment.response_support if calibration is None else None
        name = estimator.name if calibration is None else f"{estimator.name}+{calibration.method}"
        failure = assessment.failure
        return _Scored(
            claims=claims,
            support=product_or(response, asserted),
            notes=[str(n) for n in assessment.notes],
            estimator=name,
            failure=None if failure is None else str(failure),
        )

    def _claim(
        self,
        i: int,
        d: ClaimDraft,
        e: Estimate,
        policy: Policy,
        calibration: CalibrationMap | None,
    ) -> Claim:
        p = e.support
        rule = policy.rule(d.tool, generic_path(d.path or "")) if d.kind == "argument" else None
        if rule is not None and rule.must_ground and e.support_without_schema is not None:
            p = e.support_without_schema
        if calibration is not None and d.kind != "question":
            p = calibration.apply(p)
        answer = e.answer if d.kind == "question" else None
        if answer is not None and answer.origin == "default":
            asked = policy.rule(answer.tool, generic_path(answer.path))
            if asked.must_ground and e.support_without_schema is not None:
                p, answer = e.support_without_schema, None  # the default is not enough
        if answer is not None:  # the parameter asked for, and what the context holds for it
            d = replace(d, tool=answer.tool, path=answer.path, value=answer.value)
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
            answered_by=None if answer is None else answer.origin,
        )

    def _failed(
        self, policy: Policy, failure: str, start: float, *, closed: bool = False
    ) -> Report:
        """The unchecked report: `checked` false, blocked or let through as the fail mode says.

        `closed` forces a block (the offline fallback failed too).
        """
        block = closed or policy.fail_mode != "open"
        mode = "closed" if closed else policy.fail_mode
        if block:
            outcome = f"fail mode {mode}: blocked, not checked"
        else:
            outcome = "fail mode open: let through, NOT CHECKED"
        return Report(
            support=None,
            claims=(),
            flags=(),
            decision=Decision(action="block" if block else "allow", reason=f"{failure}; {outcome}"),
            policy=policy.name,
            estimator=self.estimator_name,
            notes=(f"{failure}; {outcome}",),
            checked=False,
            estimator_error=failure,
            latency_ms=round((time.perf_counter() - start) * 1000, 3),
        )


class MonitorSession:
    """One conversation's monitor: `check` reads only what is new since its last check.

    Made by `Monitor.session()`; the reports go to that monitor's trace.
    """

    def __init__(self, monitor: Monitor) -> None:
        """Check with `monitor`, keeping what one conversation's checks share."""
        self.monitor = monitor
        self._inputs = InputHistory()
        self._contexts = ContextHistory(memo=IndexCache())
        self._lock = threading.Lock()

    def check(self, data: CheckInput | dict[str, Any] | None = None, /, **fields: Any) -> Report:
        """`Monitor.check` for the next step of this conversation.

        Raises:
            InputError: if the input is malformed (naming the field).
        """
        with self._lock:
            return self.monitor._run(data, fields, self)

    def _read(self, raw: object) -> tuple[CheckInput, Context]:
        """The parsed input and its context, reusing what earlier checks read."""
        inp = self._inputs.parse(raw)
        return inp, self._contexts.build(inp)

    async def acheck(
        self, data: CheckInput | dict[str, Any] | None = None, /, **fields: Any
    ) -> Report:
        """`check` for async code; runs in a worker thread so the event loop stays free."""
        return await asyncio.to_thread(self.check, data, **fields)


class SessionCache:
    """The sessions of many conversations of one monitor, each found by a key of the caller's.

    Integrations know a conversation by a thread id, or by how it starts; this keeps one
    `Monitor.session()` per key for the `size` most recently used keys (the least recently
    used is dropped: its conversation's next check reads the history once again, with the same
    report). Thread-safe.
    """

    def __init__(self, monitor: Monitor, size: int) -> None:
        """Keep up to `size` sessions of `monitor`."""
        if size < 1:
            raise ValueError(f"size must be at least 1, not {size}")
        self.monitor = monitor
        self.size = size
        self._sessions: OrderedDict[Hashable, MonitorSession] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> MonitorSession:
        """The session of the conversation `key` names, made on first use."""
        with self._lock:
            found = self._sessions.pop(key, None)
            self._sessions[key] = found if found is not None else self.monitor.session()
            while len(self._sessions) > self.size:
                self._sessions.popitem(last=False)
            return self._sessions[key]

    def __len__(self) -> int:
        """How many conversations keep a session now."""
        return len(self._sessions)


@dataclass
class _Scored:
    """What scoring the claims gave, before flags and the decision."""

    claims: list[Claim]
    support: float | None
    notes: list[str]
    estimator: str
    failure: str | None
