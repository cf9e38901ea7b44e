"""Fit the question model: how sure a value the context holds answers what a question asks.

Writes `agentguard/estimators/fitted_questions.json`, the weights of
`agentguard.estimators.question_model` (one per `FEATURES` name).

Training rows, one per candidate answer, from the **train** split of the questions derived
from BFCL live (`agentguard.evaluation.public.bfcl_questions`; dev is for reporting, by
`benchmarks/redundant_questions.py`). For each question, every value the default estimator
finds stated for a parameter the question is taken to ask for
(`DefaultEstimator.question_answers`) is a row:

- label 1 when the request states that value for the parameter asked for: the question is
  `redundant`, the candidate is for the parameter the question was built from, and its value
  is one the ground truth accepts (compared case-folded; numbers by value; one may hold the
  other, as "Berkeley, CA" and "Berkeley, CA, USA" do);
- label 0 otherwise: a candidate for another parameter, another value, any candidate of a
  question whose value was cut from the request (`needed`), or of a question for an optional
  parameter left at its default (`needless`: the request states no value for it).

And rows from conversations drawn from the question suites' templates (`evals/suitegen`:
`QUESTION_SUITES`) with other seeds than the bundled suites' (`DRAW_SEEDS`), as
`training/fit.py` draws its agent conversations: their questions come after tool results and
several turns, which BFCL live's single requests never have. A candidate is the answer when
the case's question is `redundant_question` (its gold action `allow`) and the candidate is for
the parameter the case asks for (`metadata.asks_for`); every other candidate is not. A draw
whose check input equals a bundled case is left out, and so are the needed questions of the
stale and conflicting value suites (`CONFLICT_SUITES`): there two values are stated, each one
truly, and the estimator's conflict rule, not the model, makes the agent ask.

Penalised logistic regression (`training/fit.py`'s `fit_logistic`, L2 `L2` on every weight but
the bias). Every phrasing of a question is a row: the four phrasings of one parameter weigh as
one (`1 / phrasings`), so a parameter is not counted four times.

    .venv/bin/python training/fit_questions.py            # refit and write the file
    .venv/bin/python training/fit_questions.py --check    # exit 1 if the file is not a fresh fit
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from agentguard.context import build_context
from agentguard.errors import InputError
from agentguard.estimators.default import DefaultEstimator
from agentguard.estimators.question_model import FEATURES, FITTED_PATH
from agentguard.evaluation.harness.suite import EvalCase, load_suite, parse_case
from agentguard.evaluation.public.bfcl_questions import load_questions, same_value
from agentguard.inputs import CheckInput, parse_check_input

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "training"))
sys.path.insert(0, str(ROOT / "evals"))
import suitegen  # noqa: E402
from fit import SUITES_DIR, case_key, fit_logistic, write_or_check  # noqa: E402

QUESTION_SUITES = (
    "paraphrased",
    "tool_answers",
    "stale_values",
    "conflicting_values",
    "optional_defaults",
)
CONFLICT_SUITES = ("stale_values", "conflicting_values")
"""Their needed questions have two values stated for the slot: each is stated, and
`DefaultEstimator` asks which because they disagree; they are no rows for the model."""
DRAW_SEEDS = {s: tuple(suitegen.SEEDS[s] + 1000 * k for k in (1, 2, 3, 4)) for s in QUESTION_SUITES}

DEFAULT_DATA = ROOT.parent / "shared" / "data"
L2 = 1.0
DECIMALS = 4


def _input(case: EvalCase) -> CheckInput:
    return parse_check_input(
        {
            "messages": [m.model_dump(exclude_none=True) for m in case.messages],
            "tools": [t.model_dump() for t in case.tools],
            "output": case.output.model_dump(exclude_none=True),
        }
    )


class _Rows:
    def __init__(self) -> None:
        self.x: list[list[float]] = []
        self.y: list[float] = []
        self.w: list[float] = []
        self.counts: Counter[str] = Counter()
        self.estimator = DefaultEstimator()

    def add(self, inp: CheckInput, source: str, weight: float, right: Any) -> None:
        """One row per candidate answer; `right(answer)` says whether it is the answer."""
        answers = self.estimator.question_answers(inp.output.text, build_context(inp))
        for a in answers:
            label = bool(right(a))
            self.x.append(a.features)
            self.y.append(1.0 if label else 0.0)
            self.w.append(weight)
            self.counts[f"{source}: rows {'answer' if label else 'not the answer'}"] += 1


def _bfcl_rows(rows: _Rows, data: Path) -> None:
    cases, _ = load_questions(data, "train")
    phrasings = Counter(
        (c.metadata["entry"], c.metadata["tool"], c.metadata["param"], c.metadata["kind"])
        for c in cases
    )
    for case in cases:
        meta = case.metadata
        key = (meta["entry"], meta["tool"], meta["param"], meta["kind"])
        rows.counts[f"bfcl-live questions: {meta['kind']}"] += 1

        def right(a: Any, meta: dict[str, Any] = meta) -> bool:
            return (
                meta["kind"] == "redundant"
                and (a.asked.param.tool, a.asked.param.path) == (meta["tool"], meta["param"])
                and any(same_value(a.candidate.value, v) for v in meta["values"])
            )

        rows.add(_input(case), "bfcl-live", 1.0 / phrasings[key], right)


def _suite_rows(rows: _Rows) -> None:
    bundled = {case_key(case) for s in QUESTION_SUITES for case in load_suite(
        SUITES_DIR / f"{s}.jsonl").cases}  # fmt: skip
    for suite, seeds in DRAW_SEEDS.items():
        for seed in seeds:
            for data in suitegen.build(suite, seed):
                case = parse_case(data, f"{data['id']}@{seed}")
                asks = case.metadata.get("asks_for")
                if not asks or not case.output.text or case_key(case) in bundled:
                    continue
                pattern = case.metadata.get("pattern")
                if suite in CONFLICT_SUITES and pattern != "redundant_question":
                    continue  # two values stated: the conflict rule asks, not the model
                rows.counts[f"suite questions: {pattern}"] += 1

                def right(a: Any, asks: str = asks, pattern: Any = pattern) -> bool:
                    return pattern == "redundant_question" and a.asked.param.path == asks

                rows.add(_input(case), "suites", 1.0, right)


def rows(data: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, Counter[str]]:
    """Feature matrix, labels, row weights and counts of the training candidates."""
    found = _Rows()
    _bfcl_rows(found, data)
    _suite_rows(found)
    return np.array(found.x), np.array(found.y), np.array(found.w), found.counts


def build(data: Path) -> dict[str, Any]:
    """The content of the fitted-questions file."""
    x, y, w, counts = rows(data)
    if len(y) == 0 or y.min() == y.max():
        raise RuntimeError("the train rows hold a single label or none")
    penalty = np.array([0.0 if name == "bias" else L2 for name in FEATURES])
    weights, steps = fit_logistic(x, y, penalty, weight=w)
    return {
        "about": "Weights of the question model (agentguard.estimators.question_model), fitted "
        "by training/fit_questions.py on the train split of the questions derived from BFCL "
        "live and on draws of the question suites' templates with other seeds.",
        "weights": {
            n: round(float(v), DECIMALS) + 0.0 for n, v in zip(FEATURES, weights, strict=True)
        },
        "l2": L2,
        "draw_seeds": {suite: list(seeds) for suite, seeds in DRAW_SEEDS.items()},
        "rows": len(y),
        "counts": dict(sorted(counts.items())),
        "newton_steps": steps,
    }


def render(content: dict[str, Any]) -> str:
    """The file's text: indented JSON with a final newline."""
    return json.dumps(content, indent=1) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder")
    parser.add_argument("--out", type=Path, default=FITTED_PATH, help="where to write the file")
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 when --out differs"
    )
    args = parser.parse_args(argv)
    if not (args.data / "bfcl_live").is_dir():
        print(f"fit_questions: no BFCL live data at {args.data / 'bfcl_live'} (needed to fit)")
        return 2
    try:
        text = render(build(args.data))
    except InputError as exc:
        print(f"fit_questions: {exc}")
        return 2
    return write_or_check("fit_questions", args.out, text, check=args.check)


if __name__ == "__main__":
    sys.exit(main())
