"""Fit the default estimator's text and argument weights on the TRAIN splits of the public sets.

Writes `agentguard/support/fitted_coefficients.json`, which `Coefficients.fitted()` loads. The
default estimator keeps its hand-set weights; the fitted ones are opt-in.

Training rows, one per claim, from the train splits only (dev is for reporting):

- text claims: HaluEval QA answers whose report has exactly one text claim (label: the case's
  `gold.supported`; answers with several claims are left out because the set does not say
  which claim of a hallucinated answer is wrong), and FaithBench claims: a claim whose span
  overlaps an annotated summary span labelled `Unwanted*` is unsupported; a claim of a sample
  without any `Unwanted*` annotation is supported; a claim of a hallucinated sample that
  overlaps no `Unwanted*` span is left out (its status is unknown, and counted in `skipped`).
- argument claims: `bfcl-miss-param` and `bfcl-base` argument claims with a gold label
  (`agentguard.evaluation.runner.gold_label`). A long free-text argument is scored with the
  text weights; such claims are left out of both fits (counted in `skipped`).
- questions: no public set labels them, so the hand-set question weights stay.

Features come from `DefaultEstimator.features` (see `agentguard.support.coefficients.FEATURES`),
read while `Monitor().check` runs each case, so the fit sees exactly what the estimator
computes.
Each kind gets a logistic regression fitted by Newton's method (IRLS) in float64 with an L2
penalty of 1.0 on every weight except the text `bias` (the argument features are one-hot
branches and have no separate bias, so all of them are penalised). Rows are in load order and
nothing is random, and the estimator's sums and ties do not depend on string hashing, so two
runs write byte-identical files.

Run:
    .venv/bin/python benchmarks/fit.py            # fit and write the file
    .venv/bin/python benchmarks/fit.py --check    # exit 1 when the committed file differs
    .venv/bin/python benchmarks/fit.py --data /path/to/data --out /tmp/fitted.json
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from agentguard import Monitor
from agentguard.claims import ClaimDraft
from agentguard.context import Context
from agentguard.errors import InputError
from agentguard.evaluation.adapters import load_public
from agentguard.evaluation.runner import gold_label
from agentguard.evaluation.suite import EvalCase
from agentguard.support.base import Estimate
from agentguard.support.coefficients import FEATURES, FITTED_PATH
from agentguard.support.default import DefaultEstimator
from agentguard.types import Claim

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data"
L2 = 1.0
FITTED_KINDS = ("text", "argument")
UNPENALISED = {("text", "bias")}
DECIMALS = 6


class _Recorder:
    """The default estimator, keeping each claim's feature vector as it scores."""

    name = "default"

    def __init__(self) -> None:
        self.inner = DefaultEstimator()
        self.last: list[tuple[str, list[float]]] = []

    def score(
        self, claims: Sequence[ClaimDraft], context: Context, output_text: str
    ) -> list[Estimate]:
        self.last = self.inner.features(claims, context, output_text)
        return self.inner.score(claims, context, output_text)


@dataclass
class Rows:
    """Training rows per kind, with counts of where they came from."""

    x: dict[str, list[list[float]]] = field(default_factory=lambda: {k: [] for k in FITTED_KINDS})
    y: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in FITTED_KINDS})
    counts: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)

    def add(self, kind: str, source: str, features: list[float], supported: bool) -> None:
        self.x[kind].append(features)
        self.y[kind].append(1.0 if supported else 0.0)
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
    for name in ("bfcl-miss-param", "bfcl-base"):
        suite = load_public(name, data, split="train").cases
        _argument_rows(rows, name, _checked(monitor, recorder, suite))
    return rows


def _halueval_rows(rows: Rows, checked: Iterable[tuple[EvalCase, list[Any]]]) -> None:
    for case, claims in checked:
        text = [f for c, _, f in claims if c.kind == "text"]
        if len(text) != 1 or case.gold.supported is None:
            rows.skipped["halueval-qa: answers without exactly one text claim"] += 1
            continue
        rows.add("text", "halueval-qa", text[0], case.gold.supported)


def _faithbench_rows(rows: Rows, checked: Iterable[tuple[EvalCase, list[Any]]]) -> None:
    for case, claims in checked:
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
        for claim, kind, f in claims:
            label = gold_label(claim, case.gold) if claim.kind == "argument" else None
            if label is None:
                continue
            if kind != "argument":
                rows.skipped[f"{name}: free-text arguments scored as text"] += 1
                continue
            rows.add("argument", name, f, label)


def fit_logistic(
    x: np.ndarray, y: np.ndarray, penalty: np.ndarray, iterations: int = 100
) -> tuple[np.ndarray, int]:
    """Penalised logistic regression by Newton's method; the weights and the steps taken.

    Minimises sum(log loss) + 0.5 * sum(penalty * w**2), so `penalty` is L2 per weight.
    """
    w = np.zeros(x.shape[1])
    for step in range(1, iterations + 1):
        p = 1.0 / (1.0 + np.exp(-(x @ w)))
        grad = x.T @ (p - y) + penalty * w
        hess = (x * (p * (1.0 - p))[:, None]).T @ x + np.diag(penalty)
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
    for kind in ("miss_param", "base"):
        names += [f"bfcl/BFCL_v4_multi_turn_{kind}.json"]
        names += [f"bfcl/possible_answer/BFCL_v4_multi_turn_{kind}.json"]
    names += sorted(
        p.relative_to(data).as_posix() for p in (data / "bfcl" / "multi_turn_func_doc").glob("*")
    )
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
        penalty = np.array([0.0 if (kind, n) in UNPENALISED else L2 for n in names])
        w, steps = fit_logistic(x, y, penalty)
        weights[kind] = {n: round(float(v), DECIMALS) + 0.0 for n, v in zip(names, w, strict=True)}
        by_source: dict[str, dict[str, int]] = {}
        for (k, source, label), n in sorted(rows.counts.items()):
            if k == kind:
                by_source.setdefault(source, {})[label] = n
        fits[kind] = {
            "features": names,
            "rows": len(y),
            "by_source": by_source,
            "newton_steps": steps,
            "mean_log_loss": round(_mean_log_loss(x, y, w), DECIMALS),
        }
    return {
        "about": "Weights of DefaultEstimator fitted on the train splits by benchmarks/fit.py; "
        "question weights are not fitted (no public labels) and stay hand-set.",
        "l2": L2,
        "unpenalised": sorted(f"{k}.{n}" for k, n in UNPENALISED),
        "weights": weights,
        "training": fits,
        "skipped": dict(sorted(rows.skipped.items())),
        "data_files": _data_files(data),
    }


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
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.is_file() else None
        if current != text:
            print(f"fit: {args.out} differs from a fresh fit (run benchmarks/fit.py)")
            return 1
        print(f"fit: {args.out} is up to date")
        return 0
    args.out.write_text(text, encoding="utf-8")
    print(f"fit: wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
