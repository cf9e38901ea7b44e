"""Checks per second on 1, 2 and all cores, and on Ray: per-check cost and scaling efficiency.

The bundled suites' cases (`agentguard/evaluation/suites/*.jsonl`) are cycled into one JSONL
file of `--checks` check inputs. Each engine checks the whole file the way `agentguard check
--jsonl --json --trace` does (the report line and the trace record of every input, written
in input order), and the figures are taken from the wall-clock time of that:

- local, N workers: `agentguard.scale.local.check_raw_inputs` with N processes (1: this
  process alone). The estimator is warmed up first (`warm_up`) in every case, so the time is
  the checking, not the first loading of place names and models (about a second, once per
  command); starting the workers is included.
- ray: `agentguard.scale.ray.check_files` on a local Ray started with all cores for the run
  (the start is not included; starting the actors, reading, checking and writing the parts
  is), the file cut into four shards per worker.

The engines run one after another in `--repeats` rounds. A machine shared with other work
speeds up and slows down over minutes, so each speedup is taken within a round and the median
over rounds is printed. Printed per engine: checks per second, per-check cost (wall time x
workers / checks: the core time one check takes, so a cost that stays flat as workers are
added means perfect scaling), speedup over one worker, scaling efficiency (speedup / workers)
and the gain of each added core (the speedup it added, in cores); the target is at least 80%
for both. Then whether every engine
gave the same reports (compared without `latency_ms`).

Run:
    .venv/bin/python benchmarks/scaling.py                  # 6,000 checks, 3 rounds, with Ray
    .venv/bin/python benchmarks/scaling.py --checks 2000 --repeats 1 --no-ray
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from agentguard.evaluation.harness.suite import load_suite
from agentguard.input_files import raw_inputs
from agentguard.processes import processors
from agentguard.scale.check_job import CheckJob, CheckSettings, error_line, warm_up
from agentguard.scale.local import check_raw_inputs
from agentguard.trace import TraceWriter

SUITES = Path(__file__).resolve().parent.parent / "agentguard" / "evaluation" / "suites"
TARGET = 0.80


def write_inputs(path: Path, n: int) -> int:
    """Write `n` check inputs cycling through the bundled cases; returns how many distinct."""
    inputs = [
        case.check_input(case.output.model_dump(exclude_none=True))
        for suite in sorted(SUITES.glob("*.jsonl"))
        for case in load_suite(suite).cases
        if case.output is not None
    ]
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            f.write(json.dumps(inputs[i % len(inputs)], ensure_ascii=False) + "\n")
    return len(inputs)


def comparable(line: str) -> dict[str, Any]:
    """A report line without what differs from run to run."""
    row: dict[str, Any] = json.loads(line)
    row.pop("latency_ms", None)
    return row


def run_local(path: Path, workers: int, folder: Path) -> tuple[float, list[dict[str, Any]]]:
    """Seconds to check the file with `workers` processes, and the report lines."""
    job = CheckJob(CheckSettings(show="jsonl", trace=True))
    warm_up(job.monitor)
    lines: list[str] = []
    trace_path = folder / f"trace-{workers}.jsonl"
    trace_path.unlink(missing_ok=True)
    with TraceWriter(trace_path) as trace:
        start = time.perf_counter()
        raws = raw_inputs([str(path)], True, io.StringIO())
        with check_raw_inputs(job, raws, workers) as checked:
            for c in checked:
                if c.record is not None:
                    trace.write_prepared(c.record)
                lines.append(c.shown if c.bad is None and c.shown else error_line(c.bad))  # type: ignore[arg-type]
        seconds = time.perf_counter() - start
    return seconds, [comparable(x) for x in lines]


RAY_STARTS: list[float] = []
"""Seconds a `check_files` call of one input per worker took, in each round (its fixed cost)."""


def run_ray(path: Path, workers: int, folder: Path) -> tuple[float, list[dict[str, Any]]]:
    """Seconds `check_files` takes on a local Ray, and the report lines.

    Also times, first, a call on one input per worker (`RAY_STARTS`): what any call costs
    before checking (starting the actors and their monitors, planning the dataset).
    """
    import ray

    from agentguard.scale.ray import check_files, read_reports

    out = folder / "ray-out"
    with path.open("rb") as f:
        lines = sum(1 for _ in f)
    small = folder / "ray-small.jsonl"
    with path.open("rb") as f, small.open("wb") as g:
        g.writelines(itertools.islice(f, workers))
    ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
    try:
        start = time.perf_counter()
        check_files([str(small)], str(folder / "ray-small"), workers=workers, resume=False,
                    progress=False, shard_rows=1)  # fmt: skip
        RAY_STARTS.append(time.perf_counter() - start)
        start = time.perf_counter()
        check_files([str(path)], str(out), workers=workers, resume=False, progress=False,
                    shard_rows=-(-lines // (4 * workers)))  # fmt: skip
        seconds = time.perf_counter() - start
    finally:
        ray.shutdown()
    rows = []
    for row in read_reports(str(out)):
        row.pop("latency_ms", None)
        rows.append(row)
    return seconds, rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checks", type=int, default=6000, help="check inputs in the file")
    parser.add_argument("--repeats", type=int, default=3, help="rounds of every engine")
    parser.add_argument("--no-ray", action="store_true", help="local engines only")
    args = parser.parse_args(argv)
    cores = processors()
    engines: list[tuple[str, int]] = [("local", n) for n in sorted({1, 2, cores})]
    if cores == 2:
        print("this machine has 2 cores: 'all workers' is the 2-worker run")
    if not args.no_ray:
        engines.append(("ray", cores))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "inputs.jsonl"
        distinct = write_inputs(path, args.checks)
        print(f"{args.checks:,} check inputs ({distinct} distinct bundled cases), {cores} cores")
        times: dict[tuple[str, int], list[float]] = {e: [] for e in engines}
        reports: dict[tuple[str, int], list[dict[str, Any]]] = {}
        for round_ in range(1, args.repeats + 1):
            for engine, workers in engines:
                run = run_ray if engine == "ray" else run_local
                seconds, rows = run(path, workers, folder)
                times[engine, workers].append(seconds)
                reports[engine, workers] = rows
            shown = ", ".join(f"{e} {w}: {times[e, w][-1]:.2f} s" for e, w in engines)
            print(f"  round {round_}: {shown}", flush=True)
        same = all(rows == reports[engines[0]] for rows in reports.values())
        worst = print_table(engines, times, args.checks)
        if RAY_STARTS:
            print_ray_start(times["ray", cores], args.checks, cores)
        print(f"reports identical across engines (without latency_ms): {'yes' if same else 'NO'}")
        verdict = "met" if min(worst) >= TARGET and same else "NOT met"
        print(f"target: local scaling efficiency and the gain of each added core >= "
              f"{TARGET:.0%}: lowest efficiency {worst[0]:.1%}, lowest gain {worst[1]:.1%}: "
              f"{verdict}")  # fmt: skip
    return 0


def print_table(
    engines: list[tuple[str, int]], times: dict[tuple[str, int], list[float]], n: int
) -> tuple[float, float]:
    """Print the figures of the median round; return the lowest local efficiency and gain.

    The speedup of an engine is taken within each round (this machine's speed drifts between
    rounds; within one, every engine ran within seconds), and the median over rounds kept.
    """
    one = times["local", 1]
    print()
    print(f"{'engine':<18}{'checks/s':>10}{'ms/check':>10}{'speedup':>9}{'efficiency':>12}"
          f"{'added core':>12}")  # fmt: skip
    worst = [float("inf"), float("inf")]
    previous: tuple[int, float] | None = None
    for engine, workers in engines:
        runs = times[engine, workers]
        seconds = statistics.median(runs)
        speedup = statistics.median(a / b for a, b in zip(one, runs, strict=True))
        efficiency = speedup / workers
        added = ""
        if engine == "local" and previous is not None:
            gain = (speedup - previous[1]) / (workers - previous[0])
            added = f"{gain:.0%}"
            worst[1] = min(worst[1], gain)
        if engine == "local":
            previous = (workers, speedup)
            if workers > 1:
                worst[0] = min(worst[0], efficiency)
        name = f"{engine}, {workers} worker{'s' if workers > 1 else ''}"
        print(f"{name:<18}{n / seconds:>10,.0f}{seconds * workers / n * 1000:>10.3f}"
              f"{speedup:>9.2f}{efficiency:>12.1%}{added:>12}")  # fmt: skip
    lowest_efficiency, lowest_gain = (1.0 if w == float("inf") else w for w in worst)
    return lowest_efficiency, lowest_gain


def print_ray_start(runs: list[float], n: int, workers: int) -> None:
    """Ray's fixed cost per call, and its rate once started (from the same rounds)."""
    start = statistics.median(RAY_STARTS)
    after = statistics.median(
        (n - workers) / (t - s) for t, s in zip(runs, RAY_STARTS, strict=True)
    )
    print(f"ray: a call costs {start:.2f} s before it checks (actors, their monitors, the "
          f"dataset plan; median of {len(RAY_STARTS)}); after that, {after:,.0f} checks/s "
          f"({workers * 1000 / after:.3f} ms per check per worker)")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
