"""What the monitor adds to each step of an agent run.

Runs the four demo agents (`agentguard.demos`) many times, with the monitor (`guard=True`)
and without it (`guard=False`, the same graph whose monitor node passes everything through),
and times every graph node from the `on_step` callback: a node's time is the wall time from the
previous node's end to its own end, so LangGraph's own bookkeeping between nodes is included.

The monitor's added latency per step is the monitor node's time guarded minus unguarded; the
script also prints the whole step (model + monitor + acting node) for scale. Scripted models
answer instantly, so the figures are the runtime's own cost; a real model adds its latency on
top. One CPU core is used where the platform allows pinning.

Run:
    .venv/bin/python benchmarks/agent_overhead.py            # 200 runs per scene and mode
    .venv/bin/python benchmarks/agent_overhead.py --runs 20  # quicker
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import defaultdict
from typing import Any

from agentguard.demos.catalog import SCENES
from agentguard.demos.scene import Scene
from agentguard.demos.show import scripted_answers


def pin_one_core() -> str:
    if hasattr(os, "sched_setaffinity"):
        cpu = sorted(os.sched_getaffinity(0))[0]
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    return "not pinned (no sched_setaffinity)"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def run_scene(scene: Scene, guard: bool) -> dict[str, list[float]]:
    """Node durations (ms) of one run of the scene, by node name."""
    agent = scene.build(guard=guard)
    answer = scripted_answers(scene.answers)
    times: dict[str, list[float]] = defaultdict(list)
    last = [0.0]

    def on_step(node: str, update: dict[str, Any]) -> None:
        now = time.perf_counter()
        times[node].append((now - last[0]) * 1000)
        last[0] = now

    for turn in scene.turns:
        last[0] = time.perf_counter()
        result = agent.run(turn, thread_id="bench", on_step=on_step)
        while result.status == "waiting_for_user":
            reply = answer(result.question or "")
            last[0] = time.perf_counter()
            result = agent.resume(reply, thread_id="bench", on_step=on_step)
    return times


def measure(runs: int) -> dict[str, dict[str, dict[str, list[float]]]]:
    out: dict[str, dict[str, dict[str, list[float]]]] = {}
    for name, scene in SCENES.items():
        for mode, guard in (("guarded", True), ("unguarded", False)):
            run_scene(scene, guard)  # warm-up: imports, compiled regexes, caches
            merged: dict[str, list[float]] = defaultdict(list)
            for _ in range(runs):
                for node, values in run_scene(scene, guard).items():
                    merged[node] += values
            out.setdefault(name, {})[mode] = dict(merged)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200, help="runs per scene and mode")
    args = parser.parse_args(argv)
    print(f"agent overhead benchmark: {args.runs} runs per scene and mode, {pin_one_core()}")
    print(f"Python {sys.version.split()[0]}; times in ms per step (one model output)\n")
    data = measure(args.runs)
    header = (
        f"{'scene':<11}{'steps/run':>10}{'monitor p50':>13}{'p99':>8}"
        f"{'unguarded p50':>15}{'added p50':>11}{'step p50':>10}"
    )
    print(header)
    all_added: list[float] = []
    all_guarded: list[float] = []
    for name, modes in data.items():
        g, u = modes["guarded"], modes["unguarded"]
        mon, bare = g["monitor"], u["monitor"]
        steps = len(mon) / args.runs
        step_total = [a + b for a, b in zip(g["model"], mon, strict=False)]
        added = statistics.median(mon) - statistics.median(bare)
        all_added.append(added)
        all_guarded += mon
        print(
            f"{name:<11}{steps:>10.1f}{statistics.median(mon):>13.3f}{percentile(mon, 0.99):>8.3f}"
            f"{statistics.median(bare):>15.3f}{added:>11.3f}{statistics.median(step_total):>10.3f}"
        )
    print(
        f"\nmonitor node over all steps: p50 {statistics.median(all_guarded):.3f} ms, "
        f"p99 {percentile(all_guarded, 0.99):.3f} ms; added latency per step (p50 guarded - "
        f"p50 unguarded), median over scenes: {statistics.median(all_added):.3f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
