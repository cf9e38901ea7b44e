"""Cross-validate the claim-level designs `training/fit.py` chose among, on train rows only.

For text claims: the features with or without the `documents*` ones, the agent conversations
weighing 0, 0.5 or 1 times the public rows (`fit.row_weights` is weight 1); for argument
claims, the same three weights. Each candidate is refitted in 5 folds (row i in fold i mod 5):
the logistic weights as `fit.build` fits them, then the isotonic map on the fold's training
rows. It prints, per source, the AUROC and the ECE (15 equal-mass bins) of the held-out
calibrated supports, the hand-set weights' figures on the same rows for reference, and the
text weights fitted on the public rows alone.

Run:
    .venv/bin/python training/fit_cv.py                  # needs ../shared/data (train splits)
    .venv/bin/python training/fit_cv.py --data /path/to/data
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import fit
import numpy as np

from agentguard.errors import InputError
from agentguard.estimators.coefficients import FEATURES
from agentguard.estimators.default import DefaultEstimator
from agentguard.evaluation.harness.recalibrate import fit_isotonic
from agentguard.evaluation.stats.metrics import auroc, ece

FOLDS = 5
WEIGHTS = (0.0, 0.5, 1.0)
DOCUMENTS = ("documents", "documents_best_sentence", "documents_anywhere")


def _figures(p: np.ndarray, y: np.ndarray, sources: np.ndarray) -> str:
    cells = []
    for source in sorted(set(sources.tolist())):
        mask = sources == source
        a = auroc(p[mask], y[mask], n_boot=0).value if 0 < y[mask].sum() < mask.sum() else None
        e = ece(p[mask], y[mask], strategy="mass", n_boot=0).value
        cells.append(f"{source} {'n/a' if a is None else f'{a:.3f}'}, {e:.3f}")
    return " | ".join(cells)


def _fit(
    kind: str, x: np.ndarray, y: np.ndarray, weight: np.ndarray, names: list[str]
) -> np.ndarray:
    w, _ = fit.fit_logistic(x, y, fit.penalties(kind, names), weight=weight)
    return w


def cross_validate(rows: fit.Rows, kind: str, names: list[str], agent_weight: float) -> str:
    """Held-out (AUROC, ECE) per source of one design, as one printed line."""
    order = [n for n, _ in FEATURES[kind]]  # type: ignore[index]
    x = np.array(rows.x[kind], dtype=np.float64)[:, [order.index(n) for n in names]]
    y = np.array(rows.y[kind], dtype=np.float64)
    sources = np.array(rows.sources[kind])
    weight = fit.row_weights(rows, kind, agent_weight)
    out = np.zeros(len(y))
    for k in range(FOLDS):
        test = np.arange(len(y)) % FOLDS == k
        train = ~test & (weight > 0)
        seen = [j for j in range(x.shape[1]) if np.any(x[train][:, j])]
        w = _fit(kind, x[train][:, seen], y[train], weight[train], [names[j] for j in seen])
        p = np.round(1.0 / (1.0 + np.exp(-(x[:, seen] @ w))), fit.P_DECIMALS)
        mapping = fit_isotonic(p[train], y[train], weight=weight[train])
        out[test] = mapping.apply_many(p[test])
    return _figures(out, y, sources)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--data", type=Path, default=fit.DEFAULT_DATA, metavar="DIR")
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        print(f"fit_cv: no data folder at {args.data} (the train splits are needed)")
        return 2
    try:
        rows = fit.collect(args.data)
    except InputError as exc:
        print(f"fit_cv: {exc}")
        return 2
    hand = DefaultEstimator.hand_set()
    print("(AUROC, ECE 15 equal-mass bins) per source, held out in 5 folds")
    for kind in fit.FITTED_KINDS:
        y = np.array(rows.y[kind], dtype=np.float64)
        p = np.array(fit.raw_supports(hand, kind, rows))
        print(f"{kind}, hand-set weights: {_figures(p, y, np.array(rows.sources[kind]))}")
    every = [n for n, _ in FEATURES["text"]]
    without = [n for n in every if n not in DOCUMENTS]
    for label, names in (("without documents*", without), ("with documents*", every)):
        for agent_weight in WEIGHTS:
            line = cross_validate(rows, "text", names, agent_weight)
            print(f"text, {label}, agent weight {agent_weight:g}: {line}")
    arguments = [n for n, _ in FEATURES["argument"]]
    for agent_weight in WEIGHTS:
        line = cross_validate(rows, "argument", arguments, agent_weight)
        print(f"argument, agent weight {agent_weight:g}: {line}")
    x = np.array(rows.x["text"], dtype=np.float64)[:, [every.index(n) for n in without]]
    public = np.array(rows.sources["text"]) != fit.AGENT
    y = np.array(rows.y["text"], dtype=np.float64)[public]
    w = _fit("text", x[public], y, np.ones(int(public.sum())), without)
    print("text weights fitted on the public rows alone, without documents*: "
          + ", ".join(f"{n} {v:+.2f}" for n, v in zip(without, w, strict=True)))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
