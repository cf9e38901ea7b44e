"""Argument grounding on BFCL live: real user requests to real APIs (`../shared/data/bfcl_live`).

Two figures, each with a bootstrap 95% interval, on the dev split (odd tool-set numbers):

1. **Ground-truth calls flagged**: the share of `bfcl-live` cases (each a request and its
   ground-truth call, every value following from the request, the schema or plain knowledge of
   codes and formats) where some argument gets a `silent_assumption` flag. Target <= 5%. The
   share with any flag at all is printed beside it.
2. **Replaced argument flagged**: the share of `bfcl-live-replaced` cases (the same calls with
   one argument replaced by a plausible value of the same type and slot that the request does
   not state) where the replaced argument's claim gets a `silent_assumption` or
   `contradiction` flag. Target >= 95%.

Then the calibration of the argument claims of both sets (the replaced argument gold
unsupported, every other argument supported): ECE over 15 equal-mass bins, target <= 0.05, with
Brier and AUROC. How the cases are built: `agentguard.evaluation.public.bfcl_live`.

    .venv/bin/python benchmarks/bfcl_live.py                  # dev split of ../shared/data
    .venv/bin/python benchmarks/bfcl_live.py --data DIR --split train

Without the data folder it says so and exits 0.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

from agentguard.evaluation.public.adapters import load_public
from agentguard.evaluation.stats.metrics import Metric
from agentguard.types import Report

sys.path.insert(0, str(Path(__file__).resolve().parent))
from quality_scores import Checked, check_cases, claim_metrics, share  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
FLAGGED = ("silent_assumption", "contradiction")
N_BOOT = 1000


def silent(report: Report) -> bool:
    """Whether some argument claim of the report has a `silent_assumption` flag."""
    arguments = {c.id for c in report.claims if c.kind == "argument"}
    return any(f.type == "silent_assumption" and f.claim_id in arguments for f in report.flags)


def any_flag(report: Report) -> bool:
    """Whether some argument claim of the report has any flag."""
    arguments = {c.id for c in report.claims if c.kind == "argument"}
    return any(f.claim_id in arguments for f in report.flags)


def replaced_claim(run: Checked) -> str | None:
    """The id of the claim of the replaced argument (by its call id and path)."""
    r = run.case.metadata["replaced"]
    for c in run.report.claims:
        if c.kind == "argument" and c.call_id == r["call_id"] and c.path == r["path"]:
            return c.id
    return None


def replaced_flagged(run: Checked) -> bool:
    """Whether the replaced argument's claim has a flag that stops the call from going ahead."""
    claim = replaced_claim(run)
    return any(f.claim_id == claim and f.type in FLAGGED for f in run.report.flags)


def argument_labels(positives: list[Checked], negatives: list[Checked]) -> tuple[list, list]:
    """Support and gold label of every argument claim of both sets."""
    p: list[float] = []
    y: list[float] = []
    for run in positives:
        for c in run.report.claims:
            if c.kind == "argument":
                p.append(c.support)
                y.append(1.0)
    for run in negatives:
        wrong = replaced_claim(run)
        for c in run.report.claims:
            if c.kind == "argument":
                p.append(c.support)
                y.append(0.0 if c.id == wrong else 1.0)
    return p, y


def _fmt(m: Metric, percent: bool = False) -> str:
    if m.value is None or m.low is None or m.high is None:
        return f"undefined ({m.note})"
    if percent:
        return f"{100 * m.value:.1f}% [{100 * m.low:.1f}, {100 * m.high:.1f}]"
    return f"{m.value:.3f} [{m.low:.3f}, {m.high:.3f}]"


def _verdict(m: Metric, ok: bool) -> str:
    return "" if m.value is None else ("PASS" if ok else "FAIL")


def main(argv: list[str] | None = None) -> int:
    """Print the figures; exit 0 (also when the data folder is absent)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the public data folder")
    parser.add_argument("--split", choices=("train", "dev"), default="dev")
    args = parser.parse_args(argv)
    if not (args.data / "bfcl_live").is_dir():
        print(f"bfcl_live: no data at {args.data / 'bfcl_live'}; nothing measured")
        return 0
    start = time.perf_counter()
    positives = load_public("bfcl-live", args.data, split=args.split)
    negatives = load_public("bfcl-live-replaced", args.data, split=args.split)
    pos = check_cases(positives.cases, label="bfcl-live")
    neg = check_cases(negatives.cases, label="bfcl-live-replaced")
    print(f"BFCL live, {args.split} split, policy balanced, default estimator")
    for note in (*positives.notes, *negatives.notes):
        print(f"  {note}")
    flagged = share([silent(r.report) for r in pos], N_BOOT)
    anything = share([any_flag(r.report) for r in pos], N_BOOT)
    caught = share([replaced_flagged(r) for r in neg], N_BOOT)
    print(f"\nground-truth calls ({len(pos)})")
    ok = flagged.value is not None and flagged.value <= 0.05
    print(f"  silent_assumption on some argument  {_fmt(flagged, True):<24} "
          f"target <= 5%   {_verdict(flagged, ok)}")  # fmt: skip
    print(f"  any flag on some argument           {_fmt(anything, True)}")
    by_file = Counter(r.case.metadata["file"] for r in pos)
    hits = Counter(r.case.metadata["file"] for r in pos if silent(r.report))
    print("  by file: " + ", ".join(f"{k} {hits[k]}/{n}" for k, n in sorted(by_file.items())))
    print(f"\ncalls with one argument replaced by an unstated value ({len(neg)})")
    ok = caught.value is not None and caught.value >= 0.95
    print(f"  replaced argument flagged           {_fmt(caught, True):<24} "
          f"target >= 95%  {_verdict(caught, ok)}")  # fmt: skip
    origin = Counter(r.case.metadata["replaced"]["from"] for r in neg)
    hit = Counter(r.case.metadata["replaced"]["from"] for r in neg if replaced_flagged(r))
    print("  by replacement: " + ", ".join(f"{k} {hit[k]}/{n}" for k, n in sorted(origin.items())))
    p, y = argument_labels(pos, neg)
    metrics = claim_metrics(np.array(p), np.array(y), N_BOOT)
    print(f"\nargument claims ({len(p)}, {int(len(y) - sum(y))} unsupported)")
    ece = metrics["ece"]
    ok = ece.value is not None and ece.value <= 0.05
    print(f"  ECE (15 equal-mass bins)            {_fmt(ece):<24} target <= 0.05 "
          f"{_verdict(ece, ok)}")  # fmt: skip
    print(f"  Brier                               {_fmt(metrics['brier'])}")
    print(f"  AUROC                               {_fmt(metrics['auroc'])}")
    print(f"\n(benchmark ran for {time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
