"""One eval case checked: its result row and trace record.

`CaseJob` makes them in worker processes or Ray actors (`agentguard.scale`) while the runner
writes them in case order.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from agentguard.errors import InputError, safe_message
from agentguard.evaluation.harness.suite import EvalCase, Gold, Suite
from agentguard.inputs import content_text
from agentguard.monitor import Monitor
from agentguard.policy import Policy, add_resolvers
from agentguard.trace import PreparedRecord, flagged_spans, prepare_record
from agentguard.types import Claim, Report

MAX_ERROR_CHARS = 500
"""Longest error message kept in a result line."""


def gold_label(claim: Claim, gold: Gold) -> bool | None:
    """The gold label of a claim: the first matching entry of `gold.claims`, else `others`."""
    for g in gold.claims:
        if g.path is not None:
            if claim.kind == "argument" and claim.path == g.path and g.tool in (None, claim.tool):
                return g.supported
        elif (
            g.text is not None and claim.kind != "argument" and g.text.lower() in claim.text.lower()
        ):
            return g.supported
    return gold.others


def alone_behaviour(report: Report, output: dict[str, Any], resolvers: Iterable[str]) -> str:
    """What the output does on its own: call a resolver, ask the user, or go ahead."""
    calls = [c["function"]["name"] for c in output.get("tool_calls") or []]
    if calls:
        return "call_tool" if set(calls) & set(resolvers) else "allow"
    return "ask_user" if any(c.kind == "question" for c in report.claims) else "allow"


def behaviour(report: Report, alone: str) -> str:
    """What the agent does with the monitor's decision applied to the output.

    `allow` and `annotate` let the output do what it does alone; `use_context` goes ahead
    with what the context holds instead of asking or calling (`allow`); any other decision is
    itself the behaviour.
    """
    action = report.decision.action
    if action == "use_context":
        return "allow"
    return alone if action in ("allow", "annotate") else action


class Monitors:
    """One monitor per set of declared resolvers; all share the estimator.

    They have no trace: the runner writes each case's record itself, naming suite and case.
    """

    def __init__(self, policy: Policy, calibration: str | None) -> None:
        self.base = Monitor(policy, calibration=calibration)
        self._by_facts: dict[tuple[tuple[str, str], ...], Monitor] = {}
        self._lock = threading.Lock()

    def for_case(self, case: EvalCase) -> Monitor:
        """The monitor for a case: the base one, or one with the case's resolvers."""
        if not case.resolvers:
            return self.base
        key = tuple(sorted(case.resolvers.items()))
        with self._lock:
            found = self._by_facts.get(key)
            if found is None:
                policy = add_resolvers(self.base.policy, [(f, t, None) for f, t in key])
                found = Monitor(policy, estimator=self.base.estimator)
                found.calibration = self.base.calibration
                self._by_facts[key] = found
        return found


def base_row(suite: Suite, case: EvalCase, model_name: str) -> dict[str, Any]:
    """The fields of a case's result row that come before it is checked."""
    return {
        "suite": suite.name,
        "case": case.id,
        "domain": case.domain,
        "model": model_name,
        "gold_action": case.gold.action,
        "gold_supported": case.gold.supported,
    }


def error_text(exc: Exception) -> str:
    """An error of a case as its result line keeps it: redacted and cut short."""
    if isinstance(exc, InputError):
        return str(exc)[:MAX_ERROR_CHARS]
    # A provider's error can quote a key or a header: redacted like every error message.
    return safe_message(f"{type(exc).__name__}: {exc}")[:MAX_ERROR_CHARS]


def case_row(
    suite: Suite,
    case: EvalCase,
    output: dict[str, Any] | None,
    monitors: Monitors,
    model_name: str,
) -> tuple[dict[str, Any], Report | None, str]:
    """The result row of one case, its report (`None` on an error) and its output's text.

    `output` is the live model's; `None` replays the case's recorded output.
    """
    base = base_row(suite, case, model_name)
    try:
        if output is None:
            if case.output is None:
                raise InputError(
                    f"case {case.id}", "no recorded output; pass a live model (--model)"
                )
            output = case.output.model_dump(exclude_none=True)
        report = monitors.for_case(case).check(case.check_input(output))
    except Exception as exc:  # noqa: BLE001 - a failing case is recorded, the run goes on
        return {**base, "error": error_text(exc)}, None, ""
    alone = alone_behaviour(report, output, case.resolvers.values())
    claims = [
        {
            "id": c.id,
            "kind": c.kind,
            "tool": c.tool,
            "path": c.path,
            "call_id": c.call_id,
            "support": c.support,
            "label": c.label,
            "gold": gold_label(c, case.gold),
        }
        for c in report.claims
    ]
    row = {
        **base,
        "action": report.decision.action,
        "behaviour": behaviour(report, alone),
        "alone": alone,
        "support": report.support,
        "claims": claims,
        "flags": [f.type for f in report.flags],
        "flag_claims": [f.claim_id for f in report.flags],
        "calls": _call_ids(output),
        "needless_calls": _needless_calls(report, output),
        "gold_needless_calls": case.gold.needless_calls,
        "latency_ms": report.latency_ms,
        "error": None,
    }
    return row, report, content_text(output.get("content"))


def _call_ids(output: dict[str, Any]) -> list[str]:
    """The output's tool calls, by id (`#N`, from 1, for a call without one)."""
    return [c.get("id") or f"#{n}" for n, c in enumerate(output.get("tool_calls") or [], 1)]


def _needless_calls(report: Report, output: dict[str, Any]) -> list[str]:
    """The output's calls that the monitor flagged `needless_tool_call`, by id."""
    flags = [f for f in report.flags if f.type == "needless_tool_call"]
    if not flags:
        return []
    ids = _call_ids(output)
    of_claim = {c.id: c.call_id for c in report.claims if c.call_id}
    found = {of_claim[f.claim_id] for f in flags if f.claim_id in of_claim}
    found |= {k.call_id for k in report.decision.known if k.call_id is not None}
    if len(found) < len(flags) and len(ids) == 1:  # a flagged call without arguments
        found.add(ids[0])
    return [i for i in ids if i in found]


@dataclass(frozen=True)
class CaseItem:
    """One case to check: where it is in the job's suites, and the live model's output.

    A live model's failed call is its `error`; with neither, the recorded output is replayed.
    """

    suite: int
    case: int
    output: dict[str, Any] | None = None
    error: str | None = None


@dataclass(frozen=True)
class CaseDone:
    """A checked case: its result row, and its trace record (`None` when it failed)."""

    row: dict[str, Any]
    record: PreparedRecord | None


@dataclass(frozen=True)
class CaseSettings:
    """What a worker needs to check cases as the runner would; picklable."""

    suites: tuple[Suite, ...]
    policy: Policy
    calibration: str | None
    model_name: str


class CaseJob:
    """Checks batches of eval cases (`agentguard.scale.pool.Job`)."""

    def __init__(self, settings: CaseSettings) -> None:
        self.settings = settings
        self.monitors = Monitors(settings.policy, settings.calibration)

    def run(self, batch: Sequence[CaseItem]) -> list[CaseDone]:
        """Check each case of a batch, in order."""
        return [self.one(item) for item in batch]

    def one(self, item: CaseItem) -> CaseDone:
        """The result row and trace record of one case."""
        suite = self.settings.suites[item.suite]
        case = suite.cases[item.case]
        if item.error is not None:
            return CaseDone({**base_row(suite, case, self.settings.model_name),
                             "error": item.error}, None)  # fmt: skip
        row, report, text = case_row(suite, case, item.output, self.monitors,
                                     self.settings.model_name)  # fmt: skip
        if report is None:
            return CaseDone(row, None)
        extra = {"output_text": text, "flagged_spans": flagged_spans(report)}
        record = prepare_record(report, input_id=case.id, metadata=case.metadata,
                                suite=suite.name, **extra)  # fmt: skip
        return CaseDone(row, record)


def case_job_factory(settings: CaseSettings) -> Callable[[], CaseJob]:
    """Builds the job in a spawned worker or a Ray actor (a picklable callable)."""
    return functools.partial(CaseJob, settings)
