"""Quality benchmark of the default estimator on the dev splits of the public sets.

Runs `Monitor().check` (policy `balanced`, default estimator, no calibration map) on every
dev case of each public set that `agentguard.evaluation.public.adapters.load_public` reads, and
prints, next to the issue's targets (PASS/FAIL; the targets are fixed here, never tuned):

- HaluEval QA and dialogue: response-level score p = `report.support` (P(all claims
  supported); a report without claims scores 1.0, and how often that happens is printed)
  against gold `supported`: AUROC, AUPRC, balanced accuracy and F1 at the policy threshold,
  ECE (15 equal-mass bins) and Brier, each with a bootstrap 95% interval. Then AUROC on the
  "sentence pairs" (both answers of the pair have at least 5 whitespace-separated words,
  metadata `answer_words`), and on the "hard pairs": pairs whose hallucinated answer uses
  only words of the knowledge, that is every word token of the answer (stopwords included)
  is among the word tokens of the knowledge document. Dialogue is reported, not a target.
- FaithBench: the same response-level figures, and beside them, on the same samples, the
  other detectors of the sample `metadata`: AUROC of the probability ones and balanced
  accuracy of the 0/1 verdicts (1 = consistent, a verdict counts as "consistent" at >= 0.5),
  each only on the samples where that detector has a value (n is printed).
- FaithBench span level, on every dev sample, by characters of the summary (the output's
  content, which the annotation offsets index). Gold: the characters inside an annotated span
  whose label starts with "Unwanted" (the union of such spans). Predicted: the characters of
  `report.unsupported_spans()` (text claims labelled unsupported or contradicted). Per sample
  tp = |predicted & gold|; summed over samples (micro average), precision = sum tp / sum
  |predicted|, recall = sum tp / sum |gold|, F1 = 2 sum tp / (sum |predicted| + sum |gold|).
  A figure whose denominator is 0 is undefined (n/a with a note). The 95% interval resamples
  samples (not characters) and recomputes the micro figure. References on the same samples:
  "every character unsupported" (predicted = the whole summary: recall 1) and "no character
  unsupported" (predicted = nothing: precision undefined, recall 0, F1 0 whenever some gold
  character exists). Also printed: the share of samples with any predicted span.
- BFCL: in `bfcl-miss-param`, the share of `-missing` cases whose withheld arguments are
  all flagged (a flag whose `claim_id` is an argument claim of the same tool, path and value),
  and the share of complete calls where any argument is flagged (complete calls should pass):
  the `-given` cases, the `bfcl-base` turns and the single-turn `bfcl-simple` and
  `bfcl-multiple` requests. Beside it, the same share on the calls whose every value the
  context states (metadata `unmatched` empty), and the 5 argument paths (`claim.path`) with
  the most flagged claims in complete calls, with counts (a claim counts once). Calibration on
  argument claims: p = claim support, y = the gold label (`gold_label`), over argument claims
  that have one, printed again without the supported claims whose value the context never
  states (metadata `unstated`), which no context-based estimator can tell from a guess.
  Pooled over the BFCL sets measured: the complete-call share (resampling the calls of all
  sets together) and the argument-claim calibration.
- Speed: wall time of the checks per set and ms per case (loading the set apart).

Word tokens: maximal runs of letters and digits (`[^\\W_]+`) of the lower-cased text. The
naive floor scores an output by the fraction of its word tokens that are not in
`agentguard.text.lexicon.STOPWORDS` and occur among the word tokens of the context (all
message contents and documents; 1.0 when the output has no such token). It is printed with
that context and, for comparison, with the documents alone as context.

Run:
    .venv/bin/python benchmarks/quality.py                 # every set, full dev splits
    .venv/bin/python benchmarks/quality.py --quick         # 100 cases per set, 100 resamples
    .venv/bin/python benchmarks/quality.py --sets faithbench --json out.json
    .venv/bin/python benchmarks/quality.py --data /path/to/data --limit 400 --n-boot 200
    .venv/bin/python benchmarks/quality.py --coefficients hand     # the hand-set weights

`--coefficients` picks the default estimator's weights: `fitted` (the default estimator as
shipped, `DefaultEstimator()`: the weights and the claim- and response-level calibration that
`training/fit.py` fits on the train splits), `hand` (`DefaultEstimator.hand_set()`: the
hand-set weights, no calibration), or `fitted-weights` (the fitted weights without the
calibration, `DefaultEstimator(Coefficients.fitted())`).

The data folder defaults to `../shared/data` beside the repository; without it the script
says so and exits 0. Without `--sets`, a set whose files the folder lacks is printed as not
measured and the others go on; a set named in `--sets` must be there. A malformed data file
stops it with the adapter's error and exit 2.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from quality_figures import (
    any_argument_flagged,
    argument_claims,
    bfcl_figures,
    complete_runs,
    text_figures,
)
from quality_print import METRIC_LABELS, TARGETS, print_bfcl, print_row, print_speed, print_text
from quality_scores import POLICY, check_cases, claim_metrics, share

from agentguard import __version__
from agentguard.errors import InputError
from agentguard.estimators.default import Coefficients, DefaultEstimator
from agentguard.evaluation.public.adapters import PublicSuite, load_public
from agentguard.evaluation.stats.metrics import Metric
from agentguard.policy import load_policy

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
BFCL_SETS = ("bfcl-miss-param", "bfcl-base", "bfcl-simple", "bfcl-multiple")
ESTIMATORS: dict[str, Callable[[], DefaultEstimator]] = {
    "fitted": DefaultEstimator,
    "hand": DefaultEstimator.hand_set,
    "fitted-weights": lambda: DefaultEstimator(Coefficients.fitted()),
}
QUICK_LIMIT = 100
QUICK_BOOT = 100
TITLES = {
    "halueval-qa": "HaluEval QA",
    "halueval-dialogue": "HaluEval dialogue (reported, not a target)",
    "faithbench": "FaithBench",
    "bfcl-miss-param": "BFCL multi-turn miss_param",
    "bfcl-base": "BFCL multi-turn base",
    "bfcl-simple": "BFCL single-turn simple_python",
    "bfcl-multiple": "BFCL single-turn multiple",
}
COMPLETE_LABELS = {  # what one complete case of a BFCL set is
    "bfcl-miss-param": "-given",
    "bfcl-base": "complete turns",
    "bfcl-simple": "complete calls",
    "bfcl-multiple": "complete calls",
}


# --- main ---------------------------------------------------------------------------------


def measure(
    name: str, data: Path, limit: int | None, n_boot: int, coefficients: str = "fitted"
) -> dict[str, Any]:
    """Load the dev split of one set, check it, and compute its figures."""
    start = time.perf_counter()
    suite: PublicSuite = load_public(name, data, split="dev", limit=limit)
    estimator = ESTIMATORS[coefficients]()
    runs = check_cases(suite.cases, label=f"{name} cases", estimator=estimator)
    check_ms = sum(r.ms for r in runs)
    threshold = load_policy(POLICY).threshold
    text = name not in BFCL_SETS
    fig = text_figures(runs, threshold, n_boot) if text else bfcl_figures(runs, n_boot)
    fig["skipped"], fig["notes"] = suite.skipped, list(suite.notes)
    fig["speed"] = {
        "check_s": check_ms / 1000,
        "ms_per_case": check_ms / len(runs) if runs else 0.0,
        "wall_s": time.perf_counter() - start,
    }
    fig["_runs"] = runs
    return fig


def print_set(name: str, fig: dict[str, Any]) -> None:
    """Heading, figures and speed of one set."""
    print(f"\n== {TITLES.get(name, name)} ({name}, dev): {fig['n']} cases ==")
    for note in fig["notes"]:
        print(f"   {note}")
    if name in BFCL_SETS:
        print_bfcl(fig, COMPLETE_LABELS[name])
    else:
        print_text(name, fig, load_policy(POLICY).threshold)
    print_speed(fig)


def print_bfcl_pooled(figures: dict[str, dict[str, Any]], n_boot: int) -> dict[str, Metric]:
    """Complete-call flags and argument-claim calibration over all BFCL sets measured."""
    measured = [name for name in BFCL_SETS if "_runs" in figures.get(name, {})]
    runs = [r for name in measured for r in figures[name]["_runs"]]
    complete = share([any_argument_flagged(r.report) for r in complete_runs(runs)], n_boot)
    pooled = {"complete_flagged": complete, **claim_metrics(*argument_claims(runs), n_boot)}
    targets = TARGETS["bfcl"]
    print(f"\n== BFCL, pooled ({', '.join(measured)}) ==")
    print(f"   {'':<40}{'value':>7}  {'95% interval':<16}{'n':>6}")
    print_row("complete calls: any argument flagged", complete, targets["complete_flagged"])
    print("   argument claims with a gold label (p = claim support):")
    for key, m in pooled.items():
        if key != "complete_flagged":
            print_row(f"  {METRIC_LABELS[key]}", m, targets["ece"] if key == "ece" else None)
    stated = claim_metrics(*argument_claims(runs, stated_only=True), n_boot)
    print("   the same, without supported values the context never states:")
    for key, m in stated.items():
        print_row(f"  {METRIC_LABELS[key]}", m)
    absent = [name for name in BFCL_SETS if "not_measured" in figures.get(name, {})]
    if absent:
        print(f"   not measured (no data files): {', '.join(absent)}")
    return pooled


def to_json(value: Any) -> Any:
    """Figures as JSON values: Metrics as dicts, numpy scalars as numbers."""
    if isinstance(value, Metric):
        return value.to_json()
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items() if not k.startswith("_")}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA,
        metavar="DIR",
        help=f"folder of the public sets (default {DEFAULT_DATA})",
    )
    parser.add_argument(
        "--sets",
        nargs="+",
        choices=list(TITLES),
        metavar="NAME",
        help=f"sets to measure (default all: {', '.join(TITLES)}; without this option, a "
        "set whose files the data folder lacks is reported as not measured; BFCL live has its "
        "own benchmark, bfcl_live.py)",
    )
    parser.add_argument("--limit", type=int, metavar="N", help="at most N dev cases per set")
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke run: {QUICK_LIMIT} cases per set, {QUICK_BOOT} resamples",
    )
    parser.add_argument(
        "--n-boot",
        type=int,
        default=1000,
        metavar="N",
        help="bootstrap resamples per interval (default 1000)",
    )
    parser.add_argument(
        "--coefficients",
        choices=list(ESTIMATORS),
        default="fitted",
        help="the default estimator's weights: fitted on train with the calibration fitted "
        "beside them (default, as shipped), hand-set, or the fitted weights alone",
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write figures as JSON")
    return parser.parse_args(argv)


def measure_or_note(
    name: str, args: argparse.Namespace, limit: int | None, n_boot: int
) -> dict[str, Any]:
    """Measure and print one set; without `--sets`, a set whose files are absent is a note."""
    try:
        fig = measure(name, args.data, limit, n_boot, args.coefficients)
    except InputError as exc:
        # The adapters name the set itself (not a file and line) when its files are absent.
        if args.sets or exc.where != name:
            raise
        print(f"\n== {TITLES.get(name, name)} ({name}, dev): not measured ==\n   {exc.what}")
        return {"not_measured": exc.what}
    print_set(name, fig)
    return fig


def main(argv: list[str] | None = None) -> int:
    """Measure the selected sets and print their tables; 0 when done or skipped, 2 on bad data."""
    args = parse_args(argv)
    if not args.data.is_dir():
        print(
            f"quality benchmark skipped: no data folder at {args.data} (the public sets are "
            "not shipped with the project; pass --data DIR with a copy of them)"
        )
        return 0
    limit = args.limit if args.limit is not None else (QUICK_LIMIT if args.quick else None)
    n_boot = min(args.n_boot, QUICK_BOOT) if args.quick else args.n_boot
    print(
        f"agentguard {__version__} quality benchmark{' (--quick)' if args.quick else ''}: "
        f"default estimator ({args.coefficients} coefficients), policy {POLICY}, "
        f"dev splits of {args.data}"
    )
    print(
        f"Python {platform.python_version()}; {n_boot} bootstrap resamples per 95% interval; "
        f"{'at most ' + str(limit) if limit is not None else 'all'} cases per set"
    )
    start = time.perf_counter()
    figures: dict[str, dict[str, Any]] = {}
    try:
        for name in args.sets or TITLES:
            figures[name] = measure_or_note(name, args, limit, n_boot)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out: dict[str, Any] = {"sets": figures}
    if any("_runs" in figures.get(name, {}) for name in BFCL_SETS):
        out["bfcl_pooled"] = print_bfcl_pooled(figures, n_boot)
    elapsed = time.perf_counter() - start
    if args.json:
        meta = {
            "agentguard": __version__,
            "python": platform.python_version(),
            "policy": POLICY,
            "coefficients": args.coefficients,
            "data": str(args.data),
            "limit": limit,
            "n_boot": n_boot,
            "seconds": elapsed,
        }
        targets = {k: {m: vars(t) for m, t in v.items()} for k, v in TARGETS.items()}
        doc = {"meta": meta, "quick": args.quick, "targets": targets, **to_json(out)}
        args.json.write_text(json.dumps(doc, indent=2, allow_nan=False) + "\n", encoding="utf-8")
        print(f"\nwrote {args.json}")
    print(f"\n(benchmark ran for {elapsed:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
