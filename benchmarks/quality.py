"""Quality benchmark of the default estimator on the dev splits of the public sets.

Runs `Monitor().check` (policy `balanced`, default estimator, no calibration map) on every
dev case of each public set that `agentguard.evaluation.adapters.load_public` reads, and
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
`agentguard.support.lexicon.STOPWORDS` and occur among the word tokens of the context (all
message contents and documents; 1.0 when the output has no such token). It is printed with
that context and, for comparison, with the documents alone as context.

Run:
    .venv/bin/python benchmarks/quality.py                 # every set, full dev splits
    .venv/bin/python benchmarks/quality.py --quick         # 100 cases per set, 100 resamples
    .venv/bin/python benchmarks/quality.py --sets faithbench --json out.json
    .venv/bin/python benchmarks/quality.py --data /path/to/data --limit 400 --n-boot 200
    .venv/bin/python benchmarks/quality.py --coefficients fitted   # benchmarks/fit.py weights

`--coefficients` picks the default estimator: `hand` (hand-set weights, no calibration; the
default, as shipped), `fitted` (`DefaultEstimator.fitted()`: the weights and the claim- and
response-level calibration fitted on the train splits by `benchmarks/fit.py`), or
`fitted-weights` (the fitted weights alone, `DefaultEstimator(Coefficients.fitted())`).

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
from dataclasses import dataclass
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
from quality_scores import MIN_SENTENCE_WORDS, POLICY, check_cases, claim_metrics, share

from agentguard import __version__
from agentguard.errors import InputError
from agentguard.evaluation.adapters import PUBLIC_SETS, PublicSuite, load_public
from agentguard.evaluation.metrics import Metric
from agentguard.policy import load_policy
from agentguard.support.default import Coefficients, DefaultEstimator

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
BFCL_SETS = ("bfcl-miss-param", "bfcl-base", "bfcl-simple", "bfcl-multiple")
ESTIMATORS: dict[str, Callable[[], DefaultEstimator]] = {
    "hand": DefaultEstimator,
    "fitted": DefaultEstimator.fitted,
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


@dataclass(frozen=True)
class Target:
    """A target of the issue: `value >= bound` (or `<=` when `at_most`)."""

    bound: float
    at_most: bool = False

    def verdict(self, value: float | None) -> str:
        """`>= 0.95 PASS`, `<= 0.05 FAIL`, or `n/a` when the figure is undefined."""
        sign = "<=" if self.at_most else ">="
        if value is None:
            return f"{sign} {self.bound:g}  n/a"
        ok = value <= self.bound if self.at_most else value >= self.bound
        return f"{sign} {self.bound:g}  {'PASS' if ok else 'FAIL'}"


_ECE = Target(0.05, at_most=True)
TARGETS: dict[str, dict[str, Target]] = {
    "halueval-qa": {"auroc": Target(0.95), "sentence_auroc": Target(0.92), "ece": _ECE},
    "faithbench": {"balanced_accuracy": Target(0.62), "auroc": Target(0.72), "ece": _ECE},
    "bfcl": {
        "missing_flagged": Target(0.95),
        "complete_flagged": Target(0.05, at_most=True),
        "ece": _ECE,
    },
}


# --- printing -----------------------------------------------------------------------------


def _num(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def _cell(m: Metric) -> str:
    note = f"({m.note})"
    if m.value is None:
        return f"{'n/a':>7}  {note:<16}"
    interval = f"[{_num(m.low)}, {_num(m.high)}]" if m.low is not None else note
    return f"{m.value:>7.3f}  {interval:<16}"


def print_row(label: str, m: Metric, target: Target | None = None) -> None:
    """One figure: value, 95% interval, n and the target's verdict."""
    verdict = f"  target {target.verdict(m.value)}" if target else ""
    print(f"   {label:<40}{_cell(m)}{m.n:>6}{verdict}")


_METRIC_LABELS = {
    "auroc": "AUROC",
    "auprc": "AUPRC",
    "balanced_accuracy": "balanced accuracy @ threshold",
    "f1": "F1 @ threshold",
    "ece": "ECE (15 equal-mass bins)",
    "brier": "Brier",
}


def print_text(name: str, fig: dict[str, Any], threshold: float) -> None:
    """The figures of a free-text set."""
    targets = TARGETS.get(name, {})
    print(f"   score p = report.support; {fig['no_claims']} of {fig['n']} reports had no claims")
    print(f"   (scored 1.0); threshold {threshold:g} ({POLICY}); supported is the positive class")
    print(f"   {'':<40}{'value':>7}  {'95% interval':<16}{'n':>6}")
    for key, m in fig["metrics"].items():
        print_row(_METRIC_LABELS[key], m, targets.get(key))
    for key, title in (
        ("sentence", f"sentence pairs (both answers >= {MIN_SENTENCE_WORDS} words)"),
        ("hard", "hard pairs (hallucinated answer: only knowledge words)"),
    ):
        if f"{key}_pairs" in fig:
            sub = fig[f"{key}_pairs"]
            print(f"   {title}: {sub['pairs']} pairs")
            target = targets.get("sentence_auroc") if key == "sentence" else None
            print_row("  AUROC", sub["auroc"], target)
            print_row("  naive floor AUROC", sub["floor_auroc"])
            print_row("  naive floor AUROC (documents only)", sub["floor_docs_auroc"])
    print_row("naive floor AUROC", fig["floor"]["auroc"])
    print_row("naive floor AUROC (documents only)", fig["floor"]["docs_auroc"])
    if "detectors" in fig:
        print_detectors(fig["detectors"])
    if "spans" in fig:
        print_spans(fig["spans"])


def print_detectors(rows: list[dict[str, Any]]) -> None:
    """Other detectors beside the monitor on the same samples."""
    print("   other detectors, each on the samples where it has a value (1 = consistent):")
    print(f"   {'detector':<18}{'metric':<19}{'n':>5}   {'detector':<27}agentguard (same samples)")
    for row in rows:
        if "metric" not in row:
            print(f"   {row['detector']:<18}{row['note']}")
            continue
        metric = "AUROC" if row["metric"] == "auroc" else "balanced accuracy"
        print(
            f"   {row['detector']:<18}{metric:<19}{row['n']:>5}   "
            f"{_cell(row['detector_value']):<27}{_cell(row['agentguard'])}".rstrip()
        )


def print_spans(fig: dict[str, Any]) -> None:
    """Character-level scores of the unsupported spans against the Unwanted annotations."""
    print("   span level, by character: predicted = report.unsupported_spans(), gold = the")
    print(
        f"   Unwanted* spans ({fig['gold_chars']} of {fig['chars']} characters, in "
        f"{fig['gold_samples']} of {fig['n']} samples)"
    )
    print("   micro average over characters; 95% interval over resampled samples")
    names = {"precision": "precision", "recall": "recall", "f1": "F1"}
    for key, title in (
        ("agentguard", ""),
        ("all_unsupported", "reference: every character unsupported"),
        ("none_unsupported", "reference: no character unsupported"),
    ):
        if title:
            print(f"   {title}")
        for metric, name in names.items():
            print_row(f"{'  ' if title else ''}char {name}", fig[key][metric])
    print_row("samples with any predicted span", fig["any_predicted"])


def print_bfcl(fig: dict[str, Any], complete: str = "complete turns") -> None:
    """The flagged shares and argument-claim calibration of a BFCL set.

    `complete` names the set's complete cases in the labels (`-given`, `complete calls`).
    """
    targets = TARGETS["bfcl"]
    print(f"   {'':<40}{'value':>7}  {'95% interval':<16}{'n':>6}")
    if "missing_flagged" in fig:
        print_row(
            "-missing: withheld argument(s) flagged",
            fig["missing_flagged"],
            targets["missing_flagged"],
        )
        print_row("  by withheld argument", fig["withheld_arguments_flagged"])
        print_row("  cases whose value is not in the state", fig["missing_flagged_not_in_state"])
    print_row(
        f"{complete}: any argument flagged", fig["complete_flagged"], targets["complete_flagged"]
    )
    print_row("  calls whose values are all stated", fig["complete_flagged_stated"])
    print_paths(fig, complete)
    print("   argument claims with a gold label (p = claim support):")
    for key, m in fig["argument_claims"].items():
        print_row(f"  {_METRIC_LABELS[key]}", m, targets["ece"] if key == "ece" else None)
    print("   the same, without supported values the dialogue never states:")
    for key, m in fig["argument_claims_stated"].items():
        print_row(f"  {_METRIC_LABELS[key]}", m)


def print_paths(fig: dict[str, Any], complete: str) -> None:
    """The argument paths with the most flagged claims in the complete cases, with counts."""
    top = fig.get("flagged_paths", [])
    if not top:
        print(f"   {complete}: no argument claim flagged")
        return
    print(
        f"   {complete}: {fig['flagged_claims']} flagged argument claims; "
        f"most flagged paths (top {len(top)}):"
    )
    for row in top:
        print(f"   {'  ' + row['path']:<40}{row['count']:>7}")


def print_speed(fig: dict[str, Any]) -> None:
    """Load and check time of a set."""
    s = fig["speed"]
    print(
        f"   speed: {fig['n']} checks in {s['check_s']:.2f} s ({s['ms_per_case']:.2f} ms per "
        f"case, wall {s['wall_s']:.2f} s with loading and metrics)"
    )


# --- main ---------------------------------------------------------------------------------


def measure(
    name: str, data: Path, limit: int | None, n_boot: int, coefficients: str = "hand"
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
            print_row(f"  {_METRIC_LABELS[key]}", m, targets["ece"] if key == "ece" else None)
    stated = claim_metrics(*argument_claims(runs, stated_only=True), n_boot)
    print("   the same, without supported values the context never states:")
    for key, m in stated.items():
        print_row(f"  {_METRIC_LABELS[key]}", m)
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
        choices=list(PUBLIC_SETS),
        metavar="NAME",
        help=f"sets to measure (default all: {', '.join(PUBLIC_SETS)}; without this option, a "
        "set whose files the data folder lacks is reported as not measured)",
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
        default="hand",
        help="the default estimator's weights: hand-set (default), fitted on train with the "
        "calibration fitted beside them, or the fitted weights alone",
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
        for name in args.sets or PUBLIC_SETS:
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
