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

import itertools
import json
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentguard.errors import InputError
from agentguard.evaluation.harness.cases import (
    MAX_ERROR_CHARS,
    CaseDone,
    CaseItem,
    CaseJob,
    CaseSettings,
    alone_behaviour,
    behaviour,
    case_job_factory,
    error_text,
    gold_label,
)
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
from agentguard.evaluation.harness.suite import EvalCase, Suite
from agentguard.policy import Policy, load_policy
from agentguard.progress import Progress
from agentguard.runtime.calls import CANCEL_GRACE_S, CallLimit, Calls, CallTimeout
from agentguard.runtime.models import Model, ModelError, as_model, give_timeout, model_view
from agentguard.scale.pool import ENGINES, OrderedPool, default_workers
from agentguard.trace import TraceWriter

__all__ = [
    "ENGINES",
    "MAX_ERROR_CHARS",
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


@dataclass
class _Live:
    """A live model and the limits of its calls."""

    model: Model
    timeout: float | None
    grace: float
    calls: Calls

    def complete(self, case: EvalCase) -> dict[str, Any]:
        """The model's output for a case (raises on a failed or timed-out call)."""
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


def run_eval(
    suites: list[Suite],
    out: str | Path,
    *,
    policy: str | Path | Policy = "balanced",
    model: str | Model | None = None,
    calibration: str | Path | None = None,
    concurrency: int = 1,
    workers: int | None = None,
    engine: str = "local",
    ray_address: str | None = None,
    fresh: bool = False,
    progress: bool | None = None,
    model_timeout: float | None = 120.0,
) -> RunResult:
    """Run every case of `suites` into the folder `out` (resuming what it already holds).

    A case whose model call fails or takes longer than `model_timeout` seconds gets a result
    line with its `error` (and a trace error record); the run goes on, and the next run into
    the same folder runs it again.

    Args:
        suites: The suites to run, in order.
        out: The run folder.
        policy: A built-in policy name, a YAML path or a `Policy`.
        model: A live model (a litellm model string or a `Model`); none replays the recorded
            outputs.
        calibration: A calibration file applied to every check.
        concurrency: Live model calls at once (threads).
        workers: Processes checking the cases (`None`: `default_workers()`, all cores); the
            result lines and trace records are written in case order, the same whatever the
            number. With `engine="ray"`, Ray actors (`None`: the cluster's CPUs).
        engine: `local` (processes on this machine) or `ray` (`agentguard[ray]`).
        ray_address: The Ray cluster to join (`auto`, `ray://host:10001`); none starts a
            local Ray.
        fresh: Start over instead of resuming.
        progress: Show a progress bar (`None`: on standard error).
        model_timeout: Seconds a live model call may take.

    Raises:
        InputError: for a folder holding a run with other settings, or unusable settings.
    """
    if concurrency < 1:
        raise InputError("--concurrency", f"must be at least 1, not {concurrency}")
    if workers is not None and workers < 1:
        raise InputError("--workers", f"must be at least 1, not {workers}")
    if engine not in ENGINES:
        raise InputError("--engine", f"expected one of {', '.join(ENGINES)}, not {engine!r}")
    if engine == "local" and workers is None:
        workers = default_workers()  # a bad AGENTGUARD_WORKERS is refused before any write
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
    todo = [(si, ci) for si, s in enumerate(suites) for ci, c in enumerate(s.cases)
            if (s.name, c.id) not in finished]  # fmt: skip
    result = RunResult(out=out, header=header, results=list(prepared.done),
                       skipped=len(finished), retried=prepared.retried)  # fmt: skip
    started = time.perf_counter()
    job_settings = CaseSettings(tuple(suites), pol, settings.calibration, model_name)
    job = CaseJob(job_settings)
    with (
        TraceWriter(out / "trace.jsonl", meta={"run": header["run_id"]}) as trace,
        _pool(job, engine, _workers(workers, engine, len(todo)), ray_address) as pool,
    ):
        header["estimator"] = job.monitors.base.estimator_name
        write_header(out, header)
        items = _items(suites, todo, live, concurrency)
        with (
            (out / "results.jsonl").open("a", encoding="utf-8") as sink,
            Progress(len(todo), "cases", enabled=progress) as bar,
        ):
            for done in pool.map(_batches(items, 1 if live is not None else CASE_BATCH)):
                for case in done:
                    # The trace record first, the result line second: the result line is what
                    # makes the case finished, so a crash between them leaves a record that
                    # the next run drops before running the case again.
                    _trace_case(trace, case)
                    _append_result(sink, case.row)
                    result.results.append(case.row)
                    bar.update()
    result.ran = len(todo)
    header.update(
        finished=now(),
        duration_s=round(time.perf_counter() - started, 3),
        cases=len(result.results),
        errors=len(result.failed),
    )
    write_header(out, header)
    return result


CASE_BATCH = 32
"""Recorded cases sent to a worker at once."""


def _workers(workers: int | None, engine: str, cases: int) -> int | None:
    """How many workers to start: none beyond one when there is little to check."""
    if engine == "ray" or workers is None:
        return workers
    return min(workers, max(1, -(-cases // CASE_BATCH)))


def _pool(
    job: CaseJob, engine: str, workers: int | None, address: str | None
) -> OrderedPool[list[CaseItem], list[CaseDone]] | Any:
    factory = case_job_factory(job.settings)
    if engine == "ray":
        from agentguard.scale.ray import RayPool

        return RayPool(factory, workers, address=address)
    return OrderedPool(factory, workers or 1, job=job)


def _items(
    suites: list[Suite], todo: list[tuple[int, int]], live: _Live | None, concurrency: int
) -> Iterator[CaseItem]:
    """The cases to check, with the live model's outputs when there is a model.

    The model calls are made here, `concurrency` at once.
    """
    if live is None:
        yield from (CaseItem(si, ci) for si, ci in todo)
        return

    def complete(at: tuple[int, int]) -> CaseItem:
        si, ci = at
        try:
            return CaseItem(si, ci, output=live.complete(suites[si].cases[ci]))
        except Exception as exc:  # noqa: BLE001 - a failing live model is recorded
            return CaseItem(si, ci, error=error_text(exc))

    yield from _map(complete, todo, concurrency)


def _batches(items: Iterator[CaseItem], size: int) -> Iterator[list[CaseItem]]:
    while batch := list(itertools.islice(items, size)):
        yield batch


def _live(model: str | Model | None, timeout: float | None, concurrency: int) -> _Live | None:
    if model is None:
        return None
    live = as_model(model)
    grace = CANCEL_GRACE_S if give_timeout(live, timeout) else 0.0
    return _Live(live, timeout, grace, Calls(max_abandoned=concurrency + 3))


def _trace_case(trace: TraceWriter, case: CaseDone) -> None:
    if case.record is not None:
        trace.write_prepared(case.record)
    else:
        row = case.row
        trace.write_error(f"{row['suite']}/{row['case']}", row["error"], input_id=row["case"],
                          suite=row["suite"])  # fmt: skip


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
