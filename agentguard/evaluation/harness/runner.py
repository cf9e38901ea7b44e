"""The eval runner: replay (or ask a live model for) each case's output, check it, join gold.

A run lives in one folder:

    run.json        settings of the run (suites, policy, model, estimator, calibration)
    results.jsonl   one line per finished case, appended and flushed as each case ends
    trace.jsonl     the monitor's trace of every report
    summary.json    the metrics (`summarize`), rewritten at the end of every run
    report.html     the self-contained report

Running again into the same folder skips the cases `results.jsonl` already holds, so a run
cut short resumes where it stopped; `fresh=True` starts over.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentguard.atomic import write_text_atomic
from agentguard.errors import InputError
from agentguard.evaluation.harness.suite import EvalCase, Gold, Suite
from agentguard.monitor import Monitor
from agentguard.policy import Policy, add_resolvers, load_policy
from agentguard.progress import Progress
from agentguard.runtime.models import Model, as_model, model_view
from agentguard.trace import TraceWriter
from agentguard.types import Claim, Report

RUN_VERSION = 1
"""Bumped on any change to the layout of `run.json` or `results.jsonl`."""


@dataclass(frozen=True)
class RunSettings:
    """What makes two runs comparable; a folder only resumes a run with the same settings."""

    suites: tuple[str, ...]
    policy: str
    model: str = "replay"
    estimator: str = "default"
    calibration: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The settings as stored in `run.json`."""
        return {
            "suites": list(self.suites),
            "policy": self.policy,
            "model": self.model,
            "estimator": self.estimator,
            "calibration": self.calibration,
        }


@dataclass
class RunResult:
    """Where a run wrote its files, and what it did."""

    out: Path
    header: dict[str, Any]
    results: list[dict[str, Any]] = field(default_factory=list)
    ran: int = 0
    skipped: int = 0


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

    `allow` and `annotate` let the output do what it does alone; any other decision is itself
    the behaviour.
    """
    action = report.decision.action
    return alone if action in ("allow", "annotate") else action


class _Monitors:
    """One monitor per set of declared resolvers; all share the estimator and the trace."""

    def __init__(self, policy: Policy, trace: TraceWriter, calibration: str | None) -> None:
        self.base = Monitor(policy, trace=trace, calibration=calibration)
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
                found = Monitor(policy, estimator=self.base.estimator, trace=self.base.trace)
                found.calibration = self.base.calibration
                self._by_facts[key] = found
        return found


def _case_result(
    suite: Suite, case: EvalCase, monitors: _Monitors, model: Model | None, model_name: str
) -> dict[str, Any]:
    base: dict[str, Any] = {
        "suite": suite.name,
        "case": case.id,
        "domain": case.domain,
        "model": model_name,
        "gold_action": case.gold.action,
        "gold_supported": case.gold.supported,
    }
    try:
        if model is not None:
            messages = [m.model_dump(exclude_none=True) for m in case.messages]
            docs = [d.model_dump() for d in case.documents]
            tools = [t.model_dump() for t in case.tools]
            output: dict[str, Any] = model.complete(model_view(messages, docs), tools)
        elif case.output is not None:
            output = case.output.model_dump(exclude_none=True)
        else:
            raise InputError(f"case {case.id}", "no recorded output; pass a live model (--model)")
        report = monitors.for_case(case).check(case.check_input(output))
    except InputError as exc:
        return {**base, "error": str(exc)}
    except Exception as exc:  # noqa: BLE001 - a failing live model is recorded, the run goes on
        return {**base, "error": f"{type(exc).__name__}: {exc}"}
    alone = alone_behaviour(report, output, case.resolvers.values())
    claims = [
        {
            "id": c.id,
            "kind": c.kind,
            "tool": c.tool,
            "path": c.path,
            "support": c.support,
            "label": c.label,
            "gold": gold_label(c, case.gold),
        }
        for c in report.claims
    ]
    return {
        **base,
        "action": report.decision.action,
        "behaviour": behaviour(report, alone),
        "alone": alone,
        "support": report.support,
        "claims": claims,
        "flags": [f.type for f in report.flags],
        "latency_ms": report.latency_ms,
        "error": None,
    }


def read_results(path: Path) -> list[dict[str, Any]]:
    """The finished cases of a results file; a cut last line (a crash mid-write) is dropped."""
    if not path.exists():
        return []
    out = []
    lines = path.read_text(encoding="utf-8").split("\n")
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            out.append(json.loads(line))
        except ValueError:
            if n == len(lines):
                break  # the last line, cut short: that case runs again
            raise InputError(f"{path}:{n}", "corrupt result line (not JSON)") from None
    return out


def _prepare(
    out: Path, settings: RunSettings, fresh: bool
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    header_path, results_path = out / "run.json", out / "results.jsonl"
    if fresh:
        for name in ("run.json", "results.jsonl", "trace.jsonl", "summary.json", "report.html"):
            (out / name).unlink(missing_ok=True)
    if out.exists() and not out.is_dir():
        raise InputError(str(out), "is a file; a run needs a folder (choose another --out)")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(str(out), f"cannot create the run folder ({exc.strerror})") from None
    if header_path.exists():
        header = json.loads(header_path.read_text(encoding="utf-8"))
        if header.get("settings") != settings.to_json():
            raise InputError(
                str(out),
                "holds a run with other settings "
                f"({json.dumps(header.get('settings'))}); choose another --out or use --fresh",
            )
    else:
        header = {
            "version": RUN_VERSION,
            "kind": "agentguard-run",
            "run_id": out.name,
            "settings": settings.to_json(),
            "created": _now(),
        }
    done = read_results(results_path)
    # A half-written last line (a crash mid-write) is cut off, so new results start on a line of
    # their own; a whole file is left as it is.
    if results_path.exists():
        with results_path.open("rb+") as f:
            data = f.read()
            if data and not data.endswith(b"\n"):
                f.truncate(data.rfind(b"\n") + 1)
    return header, done


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


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
) -> RunResult:
    """Run every case of `suites` into the folder `out` (resuming what it already holds).

    Raises:
        InputError: for a folder holding a run with other settings, or unusable settings.
    """
    if concurrency < 1:
        raise InputError("--concurrency", f"must be at least 1, not {concurrency}")
    out = Path(out)
    pol = load_policy(policy)
    live = as_model(model) if model is not None else None
    model_name = live.name if live is not None else "replay"
    settings = RunSettings(
        suites=tuple(s.name for s in suites),
        policy=pol.name,
        model=model_name,
        calibration=str(calibration) if calibration else None,
    )
    header, done = _prepare(out, settings, fresh)
    finished = {(r["suite"], r["case"]) for r in done}
    todo = [(s, c) for s in suites for c in s.cases if (s.name, c.id) not in finished]
    result = RunResult(out=out, header=header, results=list(done), skipped=len(finished))
    started = time.perf_counter()
    with TraceWriter(out / "trace.jsonl", meta={"run": header["run_id"]}) as trace:
        monitors = _Monitors(pol, trace, str(calibration) if calibration else None)
        header["estimator"] = monitors.base.estimator_name
        _write_header(out, header)
        with (
            (out / "results.jsonl").open("a", encoding="utf-8") as sink,
            Progress(len(todo), "cases", enabled=progress) as bar,
        ):
            lock = threading.Lock()

            def one(item: tuple[Suite, EvalCase]) -> None:
                row = _case_result(item[0], item[1], monitors, live, model_name)
                with lock:
                    sink.write(json.dumps(row, ensure_ascii=False) + "\n")
                    sink.flush()
                    result.results.append(row)
                bar.update()

            for _ in _map(one, todo, concurrency):
                pass
    result.ran = len(todo)
    header.update(
        finished=_now(),
        duration_s=round(time.perf_counter() - started, 3),
        cases=len(result.results),
        errors=sum(1 for r in result.results if r.get("error")),
    )
    _write_header(out, header)
    return result


def _map(fn: Any, items: list[Any], concurrency: int) -> Iterator[Any]:
    if concurrency == 1:
        yield from map(fn, items)
        return
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        yield from pool.map(fn, items)


def _write_header(out: Path, header: dict[str, Any]) -> None:
    write_text_atomic(out / "run.json", json.dumps(header, indent=2, ensure_ascii=False) + "\n")


def rows(results: Iterable[dict[str, Any]]) -> tuple[list[dict[str, Any]], ...]:
    """Claim, response and behaviour rows of finished cases, for `summarize` and `compare`."""
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
                    }
                )
        if r["gold_supported"] is not None and r["support"] is not None:
            responses.append(
                {
                    "p": r["support"],
                    "y": int(r["gold_supported"]),
                    "domain": r["domain"],
                    "model": r["model"],
                }
            )
        if r["gold_action"] is not None:
            behaviours.append(
                {
                    "gold": r["gold_action"],
                    "behaviour": r["behaviour"],
                    "alone": r["alone"],
                    "domain": r["domain"],
                    "model": r["model"],
                }
            )
    return claims, responses, behaviours


def load_run(run: str | Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The header and results of a run folder.

    Raises:
        InputError: when the folder is not a run.
    """
    run = Path(run)
    header_path = run / "run.json"
    if not header_path.exists():
        raise InputError(str(run), "not a run folder (no run.json); make one with agentguard eval")
    try:
        header = json.loads(header_path.read_text(encoding="utf-8"))
    except ValueError:
        raise InputError(str(header_path), "not JSON") from None
    if not isinstance(header, dict) or header.get("kind") != "agentguard-run":
        raise InputError(str(header_path), "not an agentguard run header")
    if header.get("version") != RUN_VERSION:
        raise InputError(
            str(header_path),
            f"run version {header.get('version')!r}; this agentguard reads {RUN_VERSION}",
        )
    return header, read_results(run / "results.jsonl")
