"""The eval runner: replay (or ask a live model for) each case's output, check it, join gold.

A run lives in one folder:

    run.json        settings of the run (suites, policy, model, estimator, calibration)
    results.jsonl   one line per finished case, appended and flushed as each case ends
    trace.jsonl     the monitor's trace of every report
    summary.json    the metrics (`summarize`), rewritten at the end of every run
    report.html     the self-contained report

Running again into the same folder skips the cases `results.jsonl` holds without an error, so
a run cut short resumes where it stopped and failed cases (a model error) run again;
`fresh=True` starts over. A case's trace record is written before its result line, and a resume
drops the trace records of unfinished cases first (`folder.prepare`), so every finished case
has exactly one of each.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentguard.errors import InputError, safe_message
from agentguard.evaluation.harness.folder import (
    RUN_VERSION,
    RunSettings,
    failed,
    load_run,
    now,
    prepare,
    read_results,
    write_header,
)
from agentguard.evaluation.harness.needs import need_items
from agentguard.evaluation.harness.suite import EvalCase, Gold, Suite
from agentguard.inputs import content_text
from agentguard.monitor import Monitor
from agentguard.policy import Policy, add_resolvers, load_policy
from agentguard.progress import Progress
from agentguard.runtime.calls import CANCEL_GRACE_S, CallLimit, Calls, CallTimeout
from agentguard.runtime.models import Model, ModelError, as_model, give_timeout, model_view
from agentguard.trace import TraceWriter, flagged_spans
from agentguard.types import Claim, Report

__all__ = [
    "RUN_VERSION",
    "RunResult",
    "RunSettings",
    "alone_behaviour",
    "behaviour",
    "gold_label",
    "load_run",
    "read_results",
    "rows",
    "run_eval",
]

MAX_ERROR_CHARS = 500
"""Longest error message kept in a result line."""


@dataclass
class RunResult:
    """Where a run wrote its files, and what it did."""

    out: Path
    header: dict[str, Any]
    results: list[dict[str, Any]] = field(default_factory=list)
    ran: int = 0
    skipped: int = 0
    retried: int = 0

    @property
    def failed(self) -> list[dict[str, Any]]:
        """The result lines of the cases that failed (each with its `error`)."""
        return failed(self.results)


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


class _Monitors:
    """One monitor per set of declared resolvers; all share the estimator.

    They have no trace: the runner writes each case's record itself, naming suite and case.
    """

    def __init__(self, policy: Policy, calibration: str | None) -> None:
        self.base = Monitor(policy, calibration=calibration)
        self._by_facts: dict[tuple[tuple[str, str], ...], Monitor] = {}
        self._lock = threading.Lock()

    def for_case(self, case: EvalCase) -> Monitor:
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


@dataclass
class _Live:
    """A live model and the limits of its calls."""

    model: Model
    timeout: float | None
    grace: float
    calls: Calls

    def complete(self, case: EvalCase) -> dict[str, Any]:
        messages = [m.model_dump(exclude_none=True) for m in case.messages]
        docs = [d.model_dump() for d in case.documents]
        tools = [t.model_dump() for t in case.tools]
        kwargs = {"messages": model_view(messages, docs), "tools": tools}
        try:
            output: dict[str, Any] = self.calls.call(
                self.model.complete, kwargs, self.timeout, grace=self.grace
            )
        except (CallTimeout, CallLimit) as exc:
            raise ModelError(f"model {self.model.name!r} {exc}") from None
        return output


def _case_result(
    suite: Suite, case: EvalCase, monitors: _Monitors, live: _Live | None, model_name: str
) -> tuple[dict[str, Any], Report | None, str]:
    """The result row of one case, its report (`None` on an error) and its output's text."""
    base: dict[str, Any] = {
        "suite": suite.name,
        "case": case.id,
        "domain": case.domain,
        "model": model_name,
        "gold_action": case.gold.action,
        "gold_supported": case.gold.supported,
    }
    try:
        if live is not None:
            output = live.complete(case)
        elif case.output is not None:
            output = case.output.model_dump(exclude_none=True)
        else:
            raise InputError(f"case {case.id}", "no recorded output; pass a live model (--model)")
        report = monitors.for_case(case).check(case.check_input(output))
    except InputError as exc:
        return {**base, "error": str(exc)[:MAX_ERROR_CHARS]}, None, ""
    except Exception as exc:  # noqa: BLE001 - a failing live model is recorded, the run goes on
        # A provider's error can quote a key or a header: redacted like every error message.
        message = safe_message(f"{type(exc).__name__}: {exc}")
        return {**base, "error": message[:MAX_ERROR_CHARS]}, None, ""
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


def run_eval(
    suites: list[Suite],
    out: str | Path,
    *,
    policy: str | Path | Policy = "balanced",
    model: str | Model | None = None,
    calibration: str | Path | None = None,
    concurrency: int = 1,
    fresh: bool = False,
    progress: bool | None = None,
    model_timeout: float | None = 120.0,
) -> RunResult:
    """Run every case of `suites` into the folder `out` (resuming what it already holds).

    A case whose model call fails or takes longer than `model_timeout` seconds gets a result
    line with its `error` (and a trace error record); the run goes on, and the next run into
    the same folder runs it again.

    Raises:
        InputError: for a folder holding a run with other settings, or unusable settings.
    """
    if concurrency < 1:
        raise InputError("--concurrency", f"must be at least 1, not {concurrency}")
    out = Path(out)
    pol = load_policy(policy)
    live = _live(model, model_timeout, concurrency)
    model_name = live.model.name if live is not None else "replay"
    settings = RunSettings(
        suites=tuple(s.name for s in suites),
        policy=pol.name,
        model=model_name,
        calibration=str(calibration) if calibration else None,
    )
    prepared = prepare(out, settings, fresh)
    header = prepared.header
    finished = {(r["suite"], r["case"]) for r in prepared.done}
    todo = [(s, c) for s in suites for c in s.cases if (s.name, c.id) not in finished]
    result = RunResult(out=out, header=header, results=list(prepared.done),
                       skipped=len(finished), retried=prepared.retried)  # fmt: skip
    started = time.perf_counter()
    with TraceWriter(out / "trace.jsonl", meta={"run": header["run_id"]}) as trace:
        monitors = _Monitors(pol, str(calibration) if calibration else None)
        header["estimator"] = monitors.base.estimator_name
        write_header(out, header)
        with (
            (out / "results.jsonl").open("a", encoding="utf-8") as sink,
            Progress(len(todo), "cases", enabled=progress) as bar,
        ):
            lock = threading.Lock()

            def one(item: tuple[Suite, EvalCase]) -> None:
                suite, case = item
                row, report, text = _case_result(suite, case, monitors, live, model_name)
                with lock:
                    # The trace record first, the result line second: the result line is what
                    # makes the case finished, so a crash between them leaves a record that
                    # the next run drops before running the case again.
                    _trace_case(trace, suite, case, row, report, text)
                    _append_result(sink, row)
                    result.results.append(row)
                bar.update()

            for _ in _map(one, todo, concurrency):
                pass
    result.ran = len(todo)
    header.update(
        finished=now(),
        duration_s=round(time.perf_counter() - started, 3),
        cases=len(result.results),
        errors=len(result.failed),
    )
    write_header(out, header)
    return result


def _live(model: str | Model | None, timeout: float | None, concurrency: int) -> _Live | None:
    if model is None:
        return None
    live = as_model(model)
    grace = CANCEL_GRACE_S if give_timeout(live, timeout) else 0.0
    return _Live(live, timeout, grace, Calls(max_abandoned=concurrency + 3))


def _trace_case(
    trace: TraceWriter,
    suite: Suite,
    case: EvalCase,
    row: dict[str, Any],
    report: Report | None,
    output_text: str,
) -> None:
    if report is not None:
        extra = {"output_text": output_text, "flagged_spans": flagged_spans(report)}
        trace.write(report, input_id=case.id, metadata=case.metadata, suite=suite.name, **extra)
    else:
        trace.write_error(f"{suite.name}/{case.id}", row["error"], input_id=case.id,
                          suite=suite.name)  # fmt: skip


def _append_result(sink: Any, row: dict[str, Any]) -> None:
    sink.write(json.dumps(row, ensure_ascii=False) + "\n")
    sink.flush()


def _map(fn: Any, items: list[Any], concurrency: int) -> Iterator[Any]:
    if concurrency == 1:
        yield from map(fn, items)
        return
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        yield from pool.map(fn, items)


def _ids(result: dict[str, Any], claim: str | None = None) -> dict[str, Any]:
    """Which case (and claim) a row comes from: the report links each figure to its cases."""
    out = {"suite": result.get("suite"), "case": result.get("case")}
    return out if claim is None else {**out, "claim": claim}


def rows(results: Iterable[dict[str, Any]]) -> tuple[list[dict[str, Any]], ...]:
    """Claim, response and behaviour rows of finished cases, for `summarize` and `compare`.

    Each row also names its `suite` and `case` (and a claim row its `claim` id); a behaviour
    row carries the case's `needs` (`needs.need_items`: its questions and labelled tool calls).
    """
    claims, responses, behaviours = [], [], []
    for r in results:
        if r.get("error"):
            continue
        for c in r["claims"]:
            if c["gold"] is not None:
                claims.append(
                    {
                        "p": c["support"],
                        "y": int(c["gold"]),
                        "kind": c["kind"],
                        "tool": c["tool"],
                        "domain": r["domain"],
                        "model": r["model"],
                        **_ids(r, c["id"]),
                    }
                )
        if r["gold_supported"] is not None and r["support"] is not None:
            responses.append(
                {
                    "p": r["support"],
                    "y": int(r["gold_supported"]),
                    "domain": r["domain"],
                    "model": r["model"],
                    **_ids(r),
                }
            )
        if r["gold_action"] is not None:
            behaviours.append(
                {
                    "gold": r["gold_action"],
                    "behaviour": r["behaviour"],
                    "alone": r["alone"],
                    "needs": need_items(r),
                    "domain": r["domain"],
                    "model": r["model"],
                    **_ids(r),
                }
            )
    return claims, responses, behaviours
