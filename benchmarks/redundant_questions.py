"""Questions the agent does not need, on BFCL live requests (`../shared/data/bfcl_live`).

Each case is a real request, the tools offered, and as the model output one question for a
parameter of a tool the ground truth calls, in four phrasings (name, description phrase, "which
...", a paraphrase from the description's other words). How the cases are built and which
parameters count as stated: `agentguard.evaluation.public.bfcl_questions`. Three figures per
split, each with a bootstrap 95% interval over cases:

1. **Redundant recognised**: questions for a value the request states, flagged
   `redundant_question`. Target >= 90%. Broken down by phrasing, and by whether the monitor
   finds the ground-truth argument itself supported when it checks the call (`bfcl-live`).
2. **Needless recognised**: questions for an optional parameter with a stated default that the
   call leaves at its default, flagged `needless_question`. Target >= 80%. The share flagged
   `redundant_question` is printed beside it.
3. **Needed wrongly flagged**: questions for a required parameter the request does not state
   (a stated one, with its value cut out of the request), flagged `redundant_question` or
   `needless_question`. Target <= 5%.

Then how the monitor reads the questions for stated values: how many have the ground-truth
value among the candidate answers at all, how many have it as the best candidate, and, for
thresholds on the best candidate's support, the share of stated-value questions that would be
recognised against the share of needed ones that would be wrongly answered (the policy's cost
rule uses 0.75 under `balanced`).

    .venv/bin/python benchmarks/redundant_questions.py              # train and dev
    .venv/bin/python benchmarks/redundant_questions.py --split dev --data DIR

Without the data folder it says so and exits 0.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from agentguard.context import build_context
from agentguard.estimators.default import DefaultEstimator
from agentguard.evaluation.public.adapters import load_public
from agentguard.evaluation.public.bfcl_questions import TEMPLATES, load_questions, same_value
from agentguard.evaluation.stats.metrics import Metric
from agentguard.inputs import parse_check_input
from agentguard.types import Report

sys.path.insert(0, str(Path(__file__).resolve().parent))
from quality_scores import Checked, check_cases, share  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
N_BOOT = 1000
NEEDLESS = "needless_question"
UNNEEDED = ("redundant_question", NEEDLESS)


def question_flagged(report: Report, types: tuple[str, ...]) -> bool:
    """Whether some question claim of the report has a flag of one of `types`."""
    questions = {c.id for c in report.claims if c.kind == "question"}
    return any(f.type in types and f.claim_id in questions for f in report.flags)


def supported_arguments(data: Path, split: str) -> set[tuple[str, str, str]]:
    """(entry, tool, parameter) of each ground-truth argument the monitor finds supported.

    A parameter of a tool called several times counts as supported when all its claims are.
    """
    suite = load_public("bfcl-live", data, split=split)  # type: ignore[arg-type]
    out: dict[tuple[str, str, str], bool] = {}
    for run in check_cases(suite.cases, label="bfcl-live"):
        for c in run.report.claims:
            if c.kind == "argument" and c.tool and c.path:
                key = (run.case.id, c.tool, c.path.split(".")[0].split("[")[0])
                out[key] = out.get(key, True) and c.label == "supported"
    return {key for key, ok in out.items() if ok}


def _key(run: Checked) -> tuple[str, str, str]:
    meta = run.case.metadata
    return meta["entry"], meta["tool"], meta["param"]


def _params(runs: list[Checked]) -> int:
    return len({_key(r) for r in runs})


def _fmt(m: Metric) -> str:
    if m.value is None or m.low is None or m.high is None:
        return f"undefined ({m.note})"
    return f"{100 * m.value:.1f}% [{100 * m.low:.1f}, {100 * m.high:.1f}]"


def _line(label: str, hits: list[bool], target: str = "", ok: bool | None = None) -> None:
    m = share(hits, N_BOOT)
    verdict = "" if ok is None or m.value is None else ("PASS" if ok else "FAIL")
    count = f"{sum(hits)}/{len(hits)}"
    print(f"  {label:<38} {count:>9}  {_fmt(m):<22} {target:<14} {verdict}".rstrip())


def _breakdown(label: str, runs: list[Checked], key: str, types: tuple[str, ...]) -> None:
    total = Counter(str(r.case.metadata[key]) for r in runs)
    hits = Counter(str(r.case.metadata[key]) for r in runs if question_flagged(r.report, types))
    order = [t for t in TEMPLATES if t in total] or sorted(total)
    print(f"  {label}: " + ", ".join(f"{k} {hits[k]}/{total[k]}" for k in order))


def report_split(data: Path, split: str) -> None:
    """Check the question cases of one split and print the figures."""
    supported = supported_arguments(data, split)
    cases, notes = load_questions(data, split)  # type: ignore[arg-type]
    runs = check_cases(cases, label=f"questions-{split}")
    by_kind = {k: [r for r in runs if r.case.metadata["kind"] == k] for k in ("redundant",
               "needless", "needed")}  # fmt: skip
    entries = len({r.case.metadata["entry"] for r in runs})
    print(f"\nBFCL live questions, {split} split ({len(runs)} cases from {entries} requests), "
          "policy balanced, default estimator")  # fmt: skip
    for note in notes:
        print(f"  {note}")
    no_claim = sum(not any(c.kind == "question" for c in r.report.claims) for r in runs)
    print(f"  cases whose question gave no question claim: {no_claim}")

    redundant = by_kind["redundant"]
    params = _params(redundant)
    print(f"\nquestions for a value the request states ({params} parameters)")
    hits = [question_flagged(r.report, ("redundant_question",)) for r in redundant]
    m = share(hits, N_BOOT)
    _line("flagged redundant_question", hits, "target >= 90%",
          m.value is not None and m.value >= 0.90)  # fmt: skip
    _breakdown("by phrasing", redundant, "template", ("redundant_question",))
    print("  by whether the monitor finds the ground-truth argument supported (bfcl-live):")
    for label, want in (
        ("  the call's argument supported", True),
        ("  the call's argument not supported", False),
    ):
        part = [
            question_flagged(r.report, ("redundant_question",))
            for r in redundant
            if (_key(r) in supported) is want
        ]
        _line(label, part)

    needless = by_kind["needless"]
    params = _params(needless)
    print(f"\nquestions for an optional parameter left at its stated default ({params} parameters)")
    hits = [question_flagged(r.report, (NEEDLESS,)) for r in needless]
    m = share(hits, N_BOOT)
    _line(f"flagged {NEEDLESS}", hits, "target >= 80%", m.value is not None and m.value >= 0.80)
    _line("flagged redundant_question", [
        question_flagged(r.report, ("redundant_question",)) for r in needless])  # fmt: skip
    _breakdown("redundant_question by phrasing", needless, "template", ("redundant_question",))

    needed = by_kind["needed"]
    params = _params(needed)
    print(f"\nquestions for a required parameter the request does not state, its value cut out "
          f"({params} parameters)")  # fmt: skip
    hits = [question_flagged(r.report, UNNEEDED) for r in needed]
    m = share(hits, N_BOOT)
    _line("wrongly flagged redundant or needless", hits, "target <= 5%",
          m.value is not None and m.value <= 0.05)  # fmt: skip
    _breakdown("by phrasing", needed, "template", UNNEEDED)
    reading(runs)


THRESHOLDS = (0.5, 0.6, 0.7, 0.75, 0.8, 0.9)


def reading(runs: list[Checked]) -> None:
    """Print how the questions for stated values are read (see the module docstring)."""
    estimator = DefaultEstimator()
    best: dict[str, list[float]] = {"redundant": [], "needed": []}
    found = first = 0
    for run in runs:
        kind = run.case.metadata["kind"]
        if kind not in best:
            continue
        inp = parse_check_input(run.case.check_input())
        answers = estimator.question_answers(inp.output.text, build_context(inp))
        best[kind].append(max((a.support for a in answers), default=0.0))
        if kind != "redundant":
            continue
        meta = run.case.metadata

        def right(a: Any, meta: dict[str, Any] = meta) -> bool:
            return (a.asked.param.tool, a.asked.param.path) == (
                meta["tool"],
                meta["param"],
            ) and any(same_value(a.candidate.value, v) for v in meta["values"])

        found += any(right(a) for a in answers)
        first += bool(answers) and right(max(answers, key=lambda a: a.support))
    n = len(best["redundant"])
    print(f"\nhow the questions for stated values are read ({n} questions)")
    print(f"  the ground-truth value among the candidates  {found}/{n}  {100 * found / n:.1f}%")
    print(f"  the ground-truth value the best candidate    {first}/{n}  {100 * first / n:.1f}%")
    print("  support of the best candidate >= t: stated-value questions recognised, needed ones")
    print("  wrongly answered")
    for t in THRESHOLDS:
        r = sum(p >= t for p in best["redundant"]) / max(1, n)
        f = sum(p >= t for p in best["needed"]) / max(1, len(best["needed"]))
        print(f"    t = {t:<4}  {100 * r:5.1f}%  {100 * f:5.1f}%")


def main(argv: list[str] | None = None) -> int:
    """Print the figures; exit 0 (also when the data folder is absent)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the public data folder")
    parser.add_argument("--split", choices=("train", "dev", "both"), default="both")
    args = parser.parse_args(argv)
    if not (args.data / "bfcl_live").is_dir():
        print(f"redundant_questions: no data at {args.data / 'bfcl_live'}; nothing measured")
        return 0
    start = time.perf_counter()
    for split in ("train", "dev") if args.split == "both" else (args.split,):
        report_split(args.data, split)
    print(f"\n(benchmark ran for {time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
