"""How long an offline eval of 10,000 cases takes, end to end.

The bundled suites (`agentguard/evaluation/suites/*.jsonl`) are repeated, with fresh ids, into
one suite of `--cases` cases (10,000 by default) written to a temporary folder; `agentguard eval`
then runs it offline (replay) into a fresh run folder, computes every metric with bootstrap
intervals and writes the HTML report, exactly as the CLI does. The script prints the time of
each stage.

Run:
    .venv/bin/python benchmarks/eval_speed.py               # 10,000 cases
    .venv/bin/python benchmarks/eval_speed.py --cases 2000  # quicker
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
import time
from pathlib import Path

from agentguard.evaluation.commands import DEFAULT_SUITES, SUITES_DIR, summarise_run
from agentguard.evaluation.harness.report import render_summary, write_html
from agentguard.evaluation.harness.runner import run_eval
from agentguard.evaluation.harness.suite import load_suite


def build_suite(path: Path, n: int) -> int:
    """Write `n` cases cycling through the bundled suites; returns how many distinct ones."""
    lines = []
    for name in DEFAULT_SUITES:
        lines += (SUITES_DIR / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            case = json.loads(lines[i % len(lines)])
            case["id"] = f"{case['id']}#{i // len(lines)}"
            f.write(json.dumps(case, ensure_ascii=False) + "\n")
    return len(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000, help="cases in the eval")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        distinct = build_suite(folder / "bench.jsonl", args.cases)
        t0 = time.perf_counter()
        suite = load_suite(folder / "bench.jsonl")
        t1 = time.perf_counter()
        run_eval([suite], folder / "run", progress=False)
        t2 = time.perf_counter()
        header, summary = summarise_run(folder / "run")
        t3 = time.perf_counter()
        write_html(folder / "run" / "report.html", summary, header)
        render_summary(summary, header)
        t4 = time.perf_counter()
        claims = summary["claims"]["overall"]["n"] if summary.get("claims") else 0
    out = io.StringIO()
    out.write(
        f"offline eval of {args.cases:,} cases ({distinct} distinct bundled cases repeated), "
        f"{claims:,} labeled claims, one process\n"
    )
    out.write(f"  load and validate the suite   {t1 - t0:7.2f} s\n")
    out.write(f"  check every case (replay)     {t2 - t1:7.2f} s  "
              f"({(t2 - t1) / args.cases * 1000:.2f} ms per case)\n")  # fmt: skip
    out.write(f"  metrics with bootstrap CIs    {t3 - t2:7.2f} s\n")
    out.write(f"  HTML report and summary       {t4 - t3:7.2f} s\n")
    out.write(f"  total                         {t4 - t0:7.2f} s\n")
    sys.stdout.write(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
