"""Checks per second on 1, 2 and all cores, and on Ray: per-check cost and scaling efficiency.

The bundled suites' cases (`agentguard/evaluation/suites/*.jsonl`) are cycled into one JSONL
file of `--checks` check inputs. Each engine checks the whole file the way `agentguard check
--jsonl --json --trace` does (the report line and the trace record of every input, written
in input order), and the figures are taken from the wall-clock time of that:

- local, N workers: `agentguard.scale.local.check_raw_inputs` with N processes (1: this
  process alone). The estimator is warmed up first (`warm_up`) in every case, so the time is
  the checking, not the first loading of place names and models (about a second, once per
  command); starting the workers is included.
- ray: `agentguard.scale.ray.check_files` on a local Ray started first with all cores (the
  start is not included; reading, checking and writing the parts is).

Each is run `--repeats` times and the best run is kept (this machine may be busy with other
work; the best run is the closest to what the cores can do). Printed per engine: checks per
second, per-check cost (wall time x workers / checks: the core time one check takes, so a
cost that stays flat as workers are added means perfect scaling), speedup over one worker,
scaling efficiency (speedup / workers, the target being at least 80%) and what each added core
brought. Then whether every engine gave the same reports (compared without `latency_ms`).

Run:
    .venv/bin/python benchmarks/scaling.py                  # 6,000 checks, 3 repeats, with Ray
    .venv/bin/python benchmarks/scaling.py --checks 2000 --repeats 1 --no-ray
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from agentguard.evaluation.harness.suite import load_suite
from agentguard.input_files import raw_inputs
from agentguard.scale.check_job import CheckJob, CheckSettings, error_line, warm_up
from agentguard.scale.local import check_raw_inputs
from agentguard.scale.pool import processors
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


def run_ray(path: Path, workers: int, folder: Path) -> tuple[float, list[dict[str, Any]]]:
    """Seconds `check_files` takes on the running Ray, and the report lines."""
    from agentguard.scale.ray import check_files, read_reports

    out = folder / "ray-out"
    start = time.perf_counter()
    check_files([str(path)], str(out), workers=workers, resume=False, progress=False)
    seconds = time.perf_counter() - start
    rows = []
    for row in read_reports(str(out)):
        row.pop("latency_ms", None)
        rows.append(row)
    return seconds, rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checks", type=int, default=6000, help="check inputs in the file")
    parser.add_argument("--repeats", type=int, default=3, help="runs per engine (best kept)")
    parser.add_argument("--no-ray", action="store_true", help="local engines only")
    args = parser.parse_args(argv)
    cores = processors()
    counts = sorted({1, 2, cores})
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "inputs.jsonl"
        distinct = write_inputs(path, args.checks)
        print(f"{args.checks:,} check inputs ({distinct} distinct bundled cases), {cores} cores")
        results: list[tuple[str, int, float]] = []
        reports: dict[str, list[dict[str, Any]]] = {}
        for workers in counts:
            times = []
            for _ in range(args.repeats):
                seconds, rows = run_local(path, workers, folder)
                times.append(seconds)
            name = f"local, {workers} worker{'s' if workers > 1 else ''}"
            print(f"  {name}: " + ", ".join(f"{t:.2f} s" for t in times), flush=True)
            results.append((name, workers, min(times)))
            reports[name] = rows
        if not args.no_ray:
            import ray

            ray.init(num_cpus=cores, include_dashboard=False, log_to_driver=False)
            try:
                times = []
                for _ in range(args.repeats):
                    seconds, rows = run_ray(path, cores, folder)
                    times.append(seconds)
                print("  ray: " + ", ".join(f"{t:.2f} s" for t in times), flush=True)
                results.append((f"ray, {cores} workers", cores, min(times)))
                reports["ray"] = rows
            finally:
                ray.shutdown()
        print_table(results, args.checks)
        base = reports[results[0][0]]
        same = all(rows == base for rows in reports.values())
        print(f"reports identical across engines (without latency_ms): {'yes' if same else 'NO'}")
        local = [r for r in results if r[0].startswith("local")]
        worst = min((efficiency(r, local[0]) for r in local[1:]), default=1.0)
        verdict = "met" if worst >= TARGET and same else "NOT met"
        print(f"target: local scaling efficiency >= {TARGET:.0%} per added core: "
              f"lowest {worst:.1%}: {verdict}")  # fmt: skip
    return 0


def efficiency(result: tuple[str, int, float], one: tuple[str, int, float]) -> float:
    """Speedup over one worker divided by the workers."""
    return (one[2] / result[2]) / result[1]


def print_table(results: list[tuple[str, int, float]], n: int) -> None:
    one = results[0]
    print()
    print(f"{'engine':<22}{'checks/s':>10}{'ms/check':>10}{'speedup':>9}{'efficiency':>12}"
          f"{'added core':>12}")  # fmt: skip
    previous: tuple[str, int, float] | None = None
    for result in results:
        name, workers, seconds = result
        rate = n / seconds
        cost = seconds * workers / n * 1000
        speedup = one[2] / seconds
        added = ""
        if previous is not None and name.startswith("local") and workers > previous[1]:
            gain = (n / seconds - n / previous[2]) / (n / one[2]) / (workers - previous[1])
            added = f"{gain:.0%}"
        print(f"{name:<22}{rate:>10,.0f}{cost:>10.3f}{speedup:>9.2f}"
              f"{efficiency(result, one):>12.1%}{added:>12}")  # fmt: skip
        if name.startswith("local"):
            previous = result


if __name__ == "__main__":
    sys.exit(main())
