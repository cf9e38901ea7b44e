"""Show how the default estimator scores HaluEval dialogue responses, right and hallucinated.

HaluEval dialogue labels a response "right" when it is true of the world, not when the given
knowledge supports it, so a right response that adds a fact the knowledge does not hold (a
release year, another film) is one a context-support monitor should call unsupported. This
script prints answer pairs of the dev split with the knowledge, the last user turn, both
responses, each claim's support and label, and how the pair's responses rank.

By default it shows the first `--count` pairs (in file order) of each of two kinds: pairs
whose right response the monitor flags (support below the policy threshold), and pairs it
ranks as the labels do with the right response unflagged.

Run:
    .venv/bin/python benchmarks/dialogue_examples.py               # 2 pairs of each kind
    .venv/bin/python benchmarks/dialogue_examples.py --count 5 --data /path/to/data
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path

from quality_scores import POLICY, case_pairs

from agentguard import Monitor
from agentguard.errors import InputError
from agentguard.evaluation.harness.suite import EvalCase
from agentguard.evaluation.public.adapters import load_public
from agentguard.types import Report

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
WIDTH = 96


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def _print_pair(cases: Sequence[EvalCase], reports: Sequence[Report], kind: str) -> None:
    right = next(i for i, c in enumerate(cases) if c.gold.supported)
    first = cases[0]
    knowledge = " ".join(d.text for d in first.documents)
    user = next((m.text for m in reversed(first.messages) if m.role == "user"), "")
    print(f"-- {first.metadata.get('pair')} ({kind})")
    print(textwrap.fill(f"knowledge: {_clip(knowledge, 300)}", WIDTH, subsequent_indent="  "))
    print(textwrap.fill(f"user: {_clip(user, 200)}", WIDTH, subsequent_indent="  "))
    for i, (case, report) in enumerate(zip(cases, reports, strict=True)):
        label = "right" if i == right else "hallucinated"
        support = "n/a" if report.support is None else f"{report.support:.3f}"
        text = case.output.content if case.output is not None else ""
        print(textwrap.fill(f"{label} response (support {support}): {_clip(str(text), 300)}",
                            WIDTH, subsequent_indent="  "))  # fmt: skip
        for claim in report.claims:
            print(f"    {claim.support:5.2f}  {claim.label:<12} {_clip(claim.text, 70)}")
    print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, metavar="DIR")
    parser.add_argument("--count", type=int, default=2, metavar="N", help="pairs of each kind")
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        print(f"dialogue_examples: no data folder at {args.data}; nothing to show")
        return 0
    try:
        cases = load_public("halueval-dialogue", args.data, split="dev").cases
    except InputError as exc:
        print(f"dialogue_examples: {exc}")
        return 2
    monitor = Monitor(policy=POLICY)
    threshold = monitor.policy.threshold
    shown = {"right response flagged": 0, "ranked as labelled": 0}
    for members in case_pairs(cases).values():
        if len(members) != 2 or all(v >= args.count for v in shown.values()):
            continue
        pair = [cases[i] for i in members]
        reports = [monitor.check(c.check_input()) for c in pair]
        supports = [r.support if r.support is not None else 1.0 for r in reports]
        right = 0 if pair[0].gold.supported else 1
        if supports[right] < threshold:
            kind = "right response flagged"
        elif supports[right] > supports[1 - right]:
            kind = "ranked as labelled"
        else:
            continue
        if shown[kind] < args.count:
            shown[kind] += 1
            _print_pair(pair, reports, kind)
    return 0


if __name__ == "__main__":
    sys.exit(main())
