"""Fit the default estimator's text and argument weights and their calibration on train data.

Writes `agentguard/estimators/fitted_coefficients.json`: the weights, which `Coefficients.fitted()`
loads, and the calibration fitted beside them. Together they are the default estimator
(`DefaultEstimator()`); `DefaultEstimator.hand_set()` keeps the hand-set weights.

Training rows, one per claim, from the train splits only (dev is for reporting):

- text claims: HaluEval QA answers whose report has exactly one text claim (label: the case's
  `gold.supported`; answers with several claims are left out because the set does not say
  which claim of a hallucinated answer is wrong), and FaithBench claims: a claim whose span
  overlaps an annotated summary span labelled `Unwanted*` is unsupported; a claim of a sample
  without any `Unwanted*` annotation is supported; a claim of a hallucinated sample that
  overlaps no `Unwanted*` span is left out (its status is unknown, and counted in `skipped`).
- argument claims: `bfcl-miss-param`, `bfcl-base`, `bfcl-simple` and `bfcl-multiple` argument
  claims with a gold label (`agentguard.evaluation.harness.runner.gold_label`). A long free-text
  argument is scored with the text weights; such claims are left out of both fits (counted in
  `skipped`). So is a supported argument whose value the context never states (case metadata
  `unstated`: the user turns so far, the initial state and the tool schema do not give it; it
  comes from a tool result BFCL does not record, from world knowledge, or is computed): from
  the context the monitor sees, its label cannot be judged.
- agent conversations: the text and argument claims with a gold label of conversations drawn
  from the bundled suites' templates (`evals/suitegen`) with other seeds (`AGENT_SEEDS`: four
  draws of every suite, 1043 conversations). The bundled suites themselves, drawn with the
  suites' own seeds, are not fitted on: they stay for evaluation, and a draw identical to one
  of their cases (one) is left out. Their rows of each kind
  together weigh as much as the public sets' rows of that kind (`row_weights`).
- questions: no public set labels them, so the hand-set question weights stay.

Calibration (`agentguard.estimators.calibrated`), fitted on the same train rows after the weights:

- claim level: an isotonic map per kind from p = sigmoid(w . f) (rounded to 4 decimals, as the
  monitor reports claim support) to the share of supported rows;
- response level: a logistic model of P(every claim is supported) over `RESPONSE_FEATURES` of
  the calibrated claim supports, fitted on the HaluEval QA answers, FaithBench summaries and
  agent conversations with two or more asserted claims (one claim: its calibrated support is
  the response's). A FaithBench summary weighs `RESPONSE_WEIGHT` rows, and the agent
  conversations together as much as the rest; L2 `L2` on every weight but the bias. When
  the monitor applies it, its value is capped at the least claim support
  (`SupportCalibration.response_support`).

The response-level design was chosen by 5-fold cross-validation on the public train splits
(folds by answer pair and by sample; the weights refitted in each fold), taking the lowest of
the larger of the HaluEval QA and FaithBench ECEs (15 equal-mass bins) among: the product of
uncalibrated supports; claim isotonic maps alone; a response model over the claims' raw
log-odds; claim maps plus a response model (Platt or isotonic claim maps; response features
sum log p, min logit, mean logit, log(1 + n), share below 0.5 in four subsets; FaithBench
weight 1, 3, 10 or 30).

The claim-level design was chosen by 5-fold cross-validation over all training rows (row i in
fold i mod 5; weights and isotonic map refitted in each fold; `training/fit_cv.py` prints
the table again), taking the candidate with the
highest mean AUROC and the lowest mean ECE (15 equal-mass bins) over the three text sources:
text features with or without the `documents*` ones, the agent conversations weighing 0, 0.5
or 1 times the public rows. Cross-validated (AUROC, ECE) per source, and the hand-set weights
for reference:

| text claims | agent conversations | FaithBench | HaluEval QA |
|---|---|---|---|
| hand-set weights | 0.980, 0.101 | 0.680, 0.228 | 0.849, 0.319 |
| no `documents*`, agent weight 0 | 0.924, 0.318 | 0.661, 0.329 | 0.891, 0.037 |
| no `documents*`, agent weight 0.5 | 0.967, 0.200 | 0.659, 0.196 | 0.880, 0.123 |
| no `documents*`, agent weight 1 | 0.974, 0.143 | 0.664, 0.181 | 0.867, 0.164 |
| `documents*`, agent weight 0 | 0.934, 0.343 | 0.659, 0.329 | 0.891, 0.036 |
| `documents*`, agent weight 0.5 | 0.967, 0.134 | 0.673, 0.246 | 0.879, 0.090 |
| `documents*`, agent weight 1 (chosen) | 0.977, 0.109 | 0.673, 0.210 | 0.871, 0.126 |

No single calibration map fits every source: fitted on the public sets alone it calibrates
HaluEval QA (ECE 0.036) and leaves the agent conversations at 0.343. For arguments, the agent
weight 1 gave the lowest ECE on every source (agent conversations 0.023 against 0.097 with
weight 0; BFCL `miss_param` 0.130 against 0.153).

Features come from `DefaultEstimator.features` (see `agentguard.estimators.coefficients.FEATURES`),
read while `Monitor().check` runs each case, so the fit sees exactly what the estimator
computes.
Each kind gets a logistic regression fitted by Newton's method (IRLS) in float64 with an L2
penalty of 1.0 on every weight except the text `bias` (the argument features are one-hot
branches and have no separate bias, so all of them are penalised). A feature that no training
row has (booleans named in the request: every supported boolean is left out as `unstated`)
keeps its hand-set weight, listed under `hand_set`. Rows are in load order and
nothing is random, and the estimator's sums and ties do not depend on string hashing, so two
runs write byte-identical files.

Run:
    .venv/bin/python training/fit.py            # fit and write the file
    .venv/bin/python training/fit.py --check    # exit 1 when the committed file differs
    .venv/bin/python training/fit.py --data /path/to/data --out /tmp/fitted.json
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from agentguard import Monitor
from agentguard.calibration import CalibrationMap
from agentguard.errors import InputError
from agentguard.estimators.base import Estimate
from agentguard.estimators.calibrated import (
    RESPONSE_FEATURES,
    SupportCalibration,
    response_features,
)
from agentguard.estimators.coefficients import FEATURES, FITTED_PATH, Coefficients
from agentguard.estimators.default import DefaultEstimator
from agentguard.evaluation.harness.recalibrate import fit_isotonic
from agentguard.evaluation.harness.runner import gold_label
from agentguard.evaluation.harness.suite import EvalCase, load_suite, parse_case
from agentguard.evaluation.public.adapters import load_public
from agentguard.types import Claim, ClaimDraft, Context

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "evals"))  # the suites' templates (`evals/suitegen`)
import suitegen  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data"
SUITES_DIR = ROOT / "agentguard" / "evaluation" / "suites"
"""The bundled suites: never fitted on; a training draw equal to one of their cases is left out."""
L2 = 1.0
FITTED_KINDS = ("text", "argument")
UNPENALISED = {("text", "bias")}
DECIMALS = 6
UNSTATED = "supported arguments whose value the dialogue never states"
P_DECIMALS = 4  # the monitor reports claim support to 4 decimals
# Row weight of a FaithBench summary in the response model (a HaluEval answer weighs 1):
# chosen among 1, 3, 10 and 30 by 5-fold cross-validation on train (see the docstring).
RESPONSE_WEIGHT = {"faithbench": 30.0}
ARGUMENT_SETS = (
    "bfcl-miss-param",
    "bfcl-base",
    "bfcl-simple",
    "bfcl-multiple",
    "bfcl-live",
    "bfcl-live-replaced",
)
"""The public sets whose argument claims the fit reads (train split)."""
AGENT = "agent-conversations"
SUITE_SEEDS = sorted((s, seed) for s, seed in suitegen.SEEDS.items() if s not in suitegen.HELD_OUT)
AGENT_SEEDS = {suite: tuple(seed + 1000 * k for k in (1, 2, 3, 4)) for suite, seed in SUITE_SEEDS}


class _Recorder:
    """The default estimator, keeping each claim's feature vector as it scores."""

    name = "default"

    def __init__(self) -> None:
        self.inner = DefaultEstimator.hand_set()  # features only: no weights needed
        self.last: list[tuple[str, list[float]]] = []

    def score(
        self, claims: Sequence[ClaimDraft], context: Context, output_text: str
    ) -> list[Estimate]:
        self.last = self.inner.features(claims, context, output_text)
        return self.inner.score(claims, context, output_text)


@dataclass(frozen=True)
class Report:
    """A free-text output of the train splits: its gold and the asserted claims' features."""

    source: str
    supported: bool
    claims: list[tuple[str, list[float]]]


@dataclass
class Rows:
    """Training rows per kind, with counts of where they came from."""

    x: dict[str, list[list[float]]] = field(default_factory=lambda: {k: [] for k in FITTED_KINDS})
    y: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in FITTED_KINDS})
    sources: dict[str, list[str]] = field(default_factory=lambda: {k: [] for k in FITTED_KINDS})
    counts: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    reports: list[Report] = field(default_factory=list)

    def add(self, kind: str, source: str, features: list[float], supported: bool) -> None:
        self.x[kind].append(features)
        self.y[kind].append(1.0 if supported else 0.0)
        self.sources[kind].append(source)
        self.counts[(kind, source, "supported" if supported else "unsupported")] += 1


def _checked(
    monitor: Monitor, recorder: _Recorder, cases: Iterable[EvalCase]
) -> Iterable[tuple[EvalCase, list[tuple[Claim, str, list[float]]]]]:
    """Each case with its report's claims, each beside its feature kind and vector."""
    for case in cases:
        report = monitor.check(case.check_input())
        if report.claims and len(recorder.last) != len(report.claims):
            raise RuntimeError(f"{case.id}: features and claims do not line up")
        feats = recorder.last if report.claims else []
        yield case, [(c, k, f) for c, (k, f) in zip(report.claims, feats, strict=True)]


def _overlaps(span: tuple[int, int] | None, spans: list[tuple[int, int]]) -> bool:
    return span is not None and any(span[0] < b and a < span[1] for a, b in spans)


def collect(data: Path) -> Rows:
    """Claim-level training rows of the train splits (see the module docstring)."""
    recorder = _Recorder()
    monitor = Monitor(estimator=recorder)
    rows = Rows()
    qa = load_public("halueval-qa", data, split="train").cases
    _halueval_rows(rows, _checked(monitor, recorder, qa))
    fb = load_public("faithbench", data, split="train").cases
    _faithbench_rows(rows, _checked(monitor, recorder, fb))
    for name in ARGUMENT_SETS:
        suite = load_public(name, data, split="train").cases
        _argument_rows(rows, name, _checked(monitor, recorder, suite))
    _agent_rows(rows, _checked(monitor, recorder, agent_conversations()))
    return rows


def agent_conversations() -> list[EvalCase]:
    """Agent conversations drawn from the bundled suites' templates with `AGENT_SEEDS`.

    A draw whose check input equals one of a bundled case is left out: those are for
    evaluation.
    """
    held_out = {
        case_key(case)
        for path in sorted(SUITES_DIR.glob("*.jsonl"))
        for case in load_suite(path).cases
    }
    cases = []
    for suite in AGENT_SEEDS:
        for seed in AGENT_SEEDS[suite]:
            for data in suitegen.build(suite, seed):
                data["id"] = f"{data['id']}@{seed}"
                case = parse_case(data, data["id"])
                if case_key(case) not in held_out:
                    cases.append(case)
    return cases


def case_key(case: EvalCase) -> str:
    """A case's check input without its id and metadata, as JSON text."""
    data = case.check_input()
    del data["id"], data["metadata"]
    return json.dumps(data, sort_keys=True)


def _agent_rows(rows: Rows, checked: Iterable[tuple[EvalCase, list[Any]]]) -> None:
    for case, claims in checked:
        _report(rows, AGENT, case, claims)
        for claim, kind, f in claims:
            label = gold_label(claim, case.gold) if claim.kind != "question" else None
            if label is not None:
                rows.add(kind, AGENT, f, label)


def row_weights(rows: Rows, kind: str, agent_weight: float = 1.0) -> np.ndarray:
    """Row weights: the agent conversations together weigh `agent_weight` times the public sets.

    `agent_weight` 1 (the fit's) gives them as much weight as the public sets together; 0
    leaves them out (`training/fit_cv.py` compares such designs).
    """
    sources = np.array(rows.sources[kind])
    agent = sources == AGENT
    n_agent, n_public = int(agent.sum()), int((~agent).sum())
    if n_agent == 0 or n_public == 0:
        return np.ones(len(sources))
    return np.where(agent, agent_weight * n_public / n_agent, 1.0)


def penalties(kind: str, names: Sequence[str]) -> np.ndarray:
    """The L2 penalty of each named weight of a kind: `L2`, or 0 for those `UNPENALISED`."""
    return np.array([0.0 if (kind, n) in UNPENALISED else L2 for n in names])


def raw_supports(estimator: DefaultEstimator, kind: str, rows: Rows) -> list[float]:
    """p = sigmoid(w . f) of one kind's rows, rounded as the monitor reports claim support."""
    return [round(_sigmoid(estimator.logit(kind, f)), P_DECIMALS) for f in rows.x[kind]]  # type: ignore[arg-type]


def _report(rows: Rows, source: str, case: EvalCase, claims: list[Any]) -> None:
    if case.gold.supported is not None:
        asserted = [(k, f) for c, k, f in claims if c.kind != "question"]
        rows.reports.append(Report(source, case.gold.supported, asserted))


def _halueval_rows(rows: Rows, checked: Iterable[tuple[EvalCase, list[Any]]]) -> None:
    for case, claims in checked:
        _report(rows, "halueval-qa", case, claims)
        text = [f for c, _, f in claims if c.kind == "text"]
        if len(text) != 1 or case.gold.supported is None:
            rows.skipped["halueval-qa: answers without exactly one text claim"] += 1
            continue
        rows.add("text", "halueval-qa", text[0], case.gold.supported)


def _faithbench_rows(rows: Rows, checked: Iterable[tuple[EvalCase, list[Any]]]) -> None:
    for case, claims in checked:
        _report(rows, "faithbench", case, claims)
        spans = case.metadata["spans"]
        unwanted = [(a, b) for a, b, label in spans if label.startswith("Unwanted")]
        for claim, kind, f in claims:
            if claim.kind != "text" or kind != "text":
                continue
            if _overlaps(claim.span, unwanted):
                rows.add("text", "faithbench", f, False)
            elif case.gold.supported:
                rows.add("text", "faithbench", f, True)
            else:
                rows.skipped["faithbench: claims of hallucinated samples overlapping no span"] += 1


def _argument_rows(rows: Rows, name: str, checked: Iterable[tuple[EvalCase, list[Any]]]) -> None:
    for case, claims in checked:
        unstated = {(u["call_id"], u["path"]) for u in case.metadata.get("unstated", [])}
        for claim, kind, f in claims:
            label = gold_label(claim, case.gold) if claim.kind == "argument" else None
            if label is None:
                continue
            if kind != "argument":
                rows.skipped[f"{name}: free-text arguments scored as text"] += 1
                continue
            if label and (claim.call_id, claim.path) in unstated:
                # Supported, but by a tool result BFCL does not record or a computation: the
                # context the monitor sees cannot tell it from a guess.
                rows.skipped[f"{name}: {UNSTATED}"] += 1
                continue
            rows.add("argument", name, f, label)


def fit_logistic(
    x: np.ndarray,
    y: np.ndarray,
    penalty: np.ndarray,
    iterations: int = 100,
    weight: np.ndarray | None = None,
) -> tuple[np.ndarray, int]:
    """Penalised logistic regression by Newton's method; the weights and the steps taken.

    Minimises sum(weight * log loss) + 0.5 * sum(penalty * w**2), so `penalty` is L2 per
    weight and `weight` (1 for every row when omitted) weighs the rows.
    """
    r = np.ones(len(y)) if weight is None else weight
    w = np.zeros(x.shape[1])
    for step in range(1, iterations + 1):
        p = 1.0 / (1.0 + np.exp(-(x @ w)))
        grad = x.T @ (r * (p - y)) + penalty * w
        hess = (x * (r * p * (1.0 - p))[:, None]).T @ x + np.diag(penalty)
        delta = np.linalg.solve(hess, grad)
        w = w - delta
        if float(np.max(np.abs(delta))) < 1e-10:
            return w, step
    raise RuntimeError(f"Newton's method did not converge in {iterations} steps")


def _mean_log_loss(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    z = x @ w
    # log(1 + e^z) - y z, written to stay finite for large |z|
    return float(np.mean(np.logaddexp(0.0, z) - y * z))


def _data_files(data: Path) -> dict[str, int]:
    """Sizes in bytes of the files the train loaders read."""
    names = ["halueval/qa.jsonl", *(f"faithbench/batch_{i}.json" for i in range(1, 9))]
    for kind in ("multi_turn_miss_param", "multi_turn_base", "simple_python", "multiple"):
        names += [f"bfcl/BFCL_v4_{kind}.json", f"bfcl/possible_answer/BFCL_v4_{kind}.json"]
    names += sorted(
        p.relative_to(data).as_posix() for p in (data / "bfcl" / "multi_turn_func_doc").glob("*")
    )
    names += sorted(p.relative_to(data).as_posix() for p in (data / "bfcl_live").rglob("*.json"))
    return {n: (data / n).stat().st_size for n in names if (data / n).is_file()}


def build(data: Path) -> dict[str, Any]:
    """The content of the fitted-coefficients file."""
    rows = collect(data)
    weights: dict[str, dict[str, float]] = {}
    fits: dict[str, dict[str, Any]] = {}
    for kind in FITTED_KINDS:
        names = [name for name, _ in FEATURES[kind]]  # type: ignore[index]
        x = np.array(rows.x[kind], dtype=np.float64)
        y = np.array(rows.y[kind], dtype=np.float64)
        if len(y) == 0 or y.min() == y.max():
            raise RuntimeError(f"{kind}: the train rows hold a single label or none")
        # A feature no training row has keeps its hand-set weight: the data say nothing of it.
        seen = [j for j in range(len(names)) if np.any(x[:, j])]
        unseen = [names[j] for j in range(len(names)) if j not in seen]
        penalty = penalties(kind, [names[j] for j in seen])
        w_seen, steps = fit_logistic(x[:, seen], y, penalty, weight=row_weights(rows, kind))
        hand = Coefficients()
        attrs = dict(FEATURES[kind])  # type: ignore[index]
        w = np.array([getattr(hand, attrs[n]) for n in names], dtype=np.float64)
        w[seen] = w_seen
        weights[kind] = {n: round(float(v), DECIMALS) + 0.0 for n, v in zip(names, w, strict=True)}
        by_source: dict[str, dict[str, int]] = {}
        for (k, source, label), n in sorted(rows.counts.items()):
            if k == kind:
                by_source.setdefault(source, {})[label] = n
        fits[kind] = {
            "features": names,
            "hand_set": unseen,
            "rows": len(y),
            "by_source": by_source,
            "newton_steps": steps,
            "mean_log_loss": round(_mean_log_loss(x, y, w), DECIMALS),
        }
    return {
        "about": "Weights and calibration of the default estimator, fitted by training/fit.py "
        "on the train splits of the public sets and on agent conversations drawn from the "
        "bundled suites' templates with other seeds; question weights are not fitted (no "
        "public labels) and stay hand-set.",
        "agent_seeds": {suite: list(seeds) for suite, seeds in sorted(AGENT_SEEDS.items())},
        "calibration": calibration(rows, weights),
        "l2": L2,
        "unpenalised": sorted(f"{k}.{n}" for k, n in UNPENALISED),
        "weights": weights,
        "training": fits,
        "skipped": dict(sorted(rows.skipped.items())),
        "data_files": _data_files(data),
    }


def _coefficients(weights: dict[str, dict[str, float]]) -> Coefficients:
    """The hand-set coefficients with the fitted kinds' weights in place."""
    fitted = {
        attr: weights[kind][name]
        for kind in FITTED_KINDS
        for name, attr in FEATURES[kind]  # type: ignore[index]
    }
    return replace(Coefficients(), **fitted)


def _claim_map(kind: str, rows: Rows, estimator: DefaultEstimator) -> CalibrationMap:
    """Isotonic map of one kind's training rows, on p as the estimator computes it."""
    p = raw_supports(estimator, kind, rows)
    m = fit_isotonic(
        p,
        rows.y[kind],
        source=f"training/fit.py: {kind} training rows",
        weight=row_weights(rows, kind),
    )
    ys = tuple(round(v, DECIMALS) + 0.0 for v in m.ys)
    return CalibrationMap("isotonic", m.xs, ys, n=m.n, source=m.source)


def calibration(rows: Rows, weights: dict[str, dict[str, float]]) -> dict[str, Any]:
    """The `calibration` entry: claim maps per kind and the response model."""
    estimator = DefaultEstimator(_coefficients(weights))
    maps = {kind: _claim_map(kind, rows, estimator) for kind in FITTED_KINDS}
    cal = SupportCalibration(maps, (0.0,) * len(RESPONSE_FEATURES))
    x, y, weight, sources = [], [], [], []
    used: Counter[str] = Counter()
    for report in rows.reports:
        if len(report.claims) < 2:
            continue  # one claim: its calibrated support is the report's
        supports = [
            round(cal.claim(k, _sigmoid(estimator.logit(k, f))), P_DECIMALS)  # type: ignore[arg-type]
            for k, f in report.claims
        ]
        x.append(response_features(supports))
        y.append(1.0 if report.supported else 0.0)
        weight.append(RESPONSE_WEIGHT.get(report.source, 1.0))
        sources.append(report.source)
        used[f"{report.source}: {'supported' if report.supported else 'unsupported'}"] += 1
    r = np.array(weight)
    agent = np.array(sources) == AGENT
    if agent.any() and (~agent).any():  # the agent conversations weigh as much as the rest
        r[agent] = r[~agent].sum() / agent.sum()
    penalty = np.array([0.0] + [L2] * (len(RESPONSE_FEATURES) - 1))
    w, steps = fit_logistic(np.array(x), np.array(y), penalty, weight=r)
    return {
        "claims": {kind: m.to_json() for kind, m in maps.items()},
        "response": {
            "weights": {
                n: round(float(v), DECIMALS) + 0.0
                for n, v in zip(RESPONSE_FEATURES, w, strict=True)
            },
            "rows": dict(sorted(used.items())),
            "row_weight": RESPONSE_WEIGHT,
            "newton_steps": steps,
        },
    }


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + float(np.exp(-z)))


def render(content: dict[str, Any]) -> str:
    """The file's text: sorted keys, two-space indent, a trailing newline."""
    return json.dumps(content, indent=2, sort_keys=True, ensure_ascii=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder")
    parser.add_argument("--out", type=Path, default=FITTED_PATH, help="where to write the file")
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 when --out differs"
    )
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        print(f"fit: no data folder at {args.data} (the public sets are needed to fit)")
        return 2
    try:
        text = render(build(args.data))
    except InputError as exc:
        print(f"fit: {exc}")
        return 2
    return write_or_check("fit", args.out, text, check=args.check)


def write_or_check(name: str, out: Path, text: str, *, check: bool) -> int:
    """Write a fresh fit to `out`, or with `check` compare it: exit 1 when the file differs."""
    if check:
        current = out.read_text(encoding="utf-8") if out.is_file() else None
        if current != text:
            print(f"{name}: {out} differs from a fresh fit (run training/{name}.py)")
            return 1
        print(f"{name}: {out} is up to date")
        return 0
    out.write_text(text, encoding="utf-8")
    print(f"{name}: wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
