"""How sure the default estimator is that a value the context holds answers a question.

A question the context may answer has candidates (`agentguard.estimators.questions`): values
placed in the slot of the parameter it asks for, by an enum, a tool result's key, the
parameter's name or role next to the value, position, or being the one value left. Each
candidate gets a feature vector (`FEATURES`, `features`) and a support p = sigmoid(w . f): the
probability that the context states that value for the parameter the question asks for.

The weights are fitted by `training/fit_questions.py` on the train split of the questions
derived from BFCL live (`agentguard.evaluation.public.bfcl_questions`: questions for stated
values, and the same questions with the value cut from the request), and shipped in
`fitted_questions.json`; the dev split is for reporting (`benchmarks/redundant_questions.py`).
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Sequence
from pathlib import Path

from agentguard.estimators.questions import AskedParam, Candidate

FITTED_PATH = Path(__file__).with_name("fitted_questions.json")
"""The shipped weights."""
FEATURES: tuple[str, ...] = (
    "bias",
    "asked_score",
    "asked_ties",
    "route_enum",
    "route_json",
    "route_json_related",
    "route_named",
    "route_order",
    "route_leftover",
    "name_before",
    "name_after",
    "description",
    "role_match",
    "role_other",
    "place",
    "kind",
    "value_quoted",
    "value_number",
    "value_reference",
    "value_date",
    "value_name",
    "from_tool",
    "from_system",
    "from_document",
    "values_for_slot",
    "required",
    "lead",
    "best_for_slot",
    "slot_margin",
)
"""The feature names, in vector order."""
_ROUTES = ("enum", "json", "json_related", "named", "order", "leftover")


def features(asked: AskedParam, cand: Candidate, rivals: Sequence[Candidate]) -> list[float]:
    """The feature vector of one candidate, in `FEATURES` order.

    Args:
        asked: The parameter the question is taken to ask for, with its mapping score.
        cand: The candidate answer.
        rivals: The parameter's other candidates with another value.
    """
    kind = cand.kind
    values = 1 + len({str(r.value) for r in rivals})
    why = cand.why
    f = [1.0, min(asked.score, 8.0) / 4.0, float(asked.ties > 1)]
    f += [float(cand.route == r) for r in _ROUTES]
    if why is None:
        f += [0.0] * 7
    else:
        f += [
            min(why.name_before, 6.0) / 3.0,
            min(why.name_after, 6.0) / 3.0,
            min(why.description, 2.0) / 2.0,
            float(why.role > 0),
            float(why.role < 0),
            float(why.place > 0),
            float(why.kind > 0),
        ]
    f += [
        float(kind == "quoted"),
        float(kind in ("number", "money")),
        float(kind in ("id", "email", "url", "phone")),
        float(kind in ("date", "time")),
        float(kind == "name"),
        float(cand.holder == "tool"),
        float(cand.holder == "system"),
        float(cand.holder == "doc"),
        float(values > 1),
        float(asked.param.required),
        max(-2.0, min(cand.lead, 6.0)) / 4.0,
    ]
    best_rival = max((r.affinity for r in rivals), default=None)
    f.append(float(best_rival is None or cand.affinity >= best_rival))
    margin = 0.0 if best_rival is None else cand.affinity - best_rival
    f.append(max(-6.0, min(margin, 6.0)) / 4.0)
    return f


@functools.cache
def _weights(path: str) -> tuple[float, ...]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    weights = data["weights"]
    missing = [name for name in FEATURES if name not in weights]
    if missing:
        raise ValueError(f"{path}: no weight for {', '.join(missing)}")
    return tuple(float(weights[name]) for name in FEATURES)


def support(f: Sequence[float], path: Path = FITTED_PATH) -> float:
    """P = sigmoid(w . f) under the weights in `path` (the shipped ones by default)."""
    w = _weights(str(path))
    z = 0.0
    for wi, fi in zip(w, f, strict=True):
        z += wi * fi
    return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0
