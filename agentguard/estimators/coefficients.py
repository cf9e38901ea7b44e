"""Weights of the default estimator's logistic model, and the features they weigh.

`Coefficients()` holds the hand-set weights; `Coefficients.fitted()` the weights that
`training/fit.py` fits on the train splits, which the default estimator uses (see
`agentguard.estimators.default`). The hand-set weights of the `documents*` features are 0.

Features (`FEATURES`, name: meaning):

- text claims (also free-text arguments of more than six words): `bias` 1; `best_sentence`
  the idf-weighted share of the claim's content words in the best context sentence;
  `anywhere` the same share over the whole context; `values_found` 1 when the claim has typed
  values and all occur; `any_value_missing` 1 when one of them does not; `share_missing`
  the share of its values that do not occur (0 without values); `contradiction` 1 when a
  close sentence states another value of the same kind; `documents` 1 when the context holds
  documents (retrieved text), and `documents_best_sentence`, `documents_anywhere` the two
  shares again in that case (0 otherwise), so that a fit may weigh word overlap one way in
  documents and another in a conversation with tools; `negation` 1 when a close sentence says
  the same with the opposite polarity (a negation among the claim's words);
  `attributes_missing`, for a claim that names something ("the Aero X1 comes with a lifetime
  warranty"), the idf-weighted share of its other content words that occur nowhere in the
  context, when the context holds documents (0 otherwise, and for a claim without names): a
  document that names the Aero X1 says nothing of a warranty. In a conversation, "I'm Dana"
  states what "your name is Dana" claims in other words, so the feature stays off there.
- argument claims (one branch applies): `exact` 1 when the context states the value, in
  its own form or another (a boolean: when the request words the parameter, "keep it private"
  for `private_visibility`); `schema_default` 1 when it is the schema default;
  `partial_branch` 1 and `partial_coverage` the covered share when only part of it occurs;
  `nothing` 1 when none of it does.
- questions: `bias` 1; `slot_coverage` the share of the slot words in the best sentence
  (half weight with a single slot word); `value_present` 1 when that sentence holds a value;
  `user_exact` 1 when a user sentence holds all of two or more slot words; `kind_answered` 1
  when a sentence with a slot word holds a value of the kind the question asks for (an email
  for "what is your email?", an amount for "how much was the bill?"; `QUESTION_KINDS`).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from agentguard.errors import InputError

FeatureKind = Literal["text", "argument", "question"]

# Per kind: (feature name, the `Coefficients` field that weighs it), in feature-vector order.
FEATURES: dict[FeatureKind, tuple[tuple[str, str], ...]] = {
    "text": (
        ("bias", "text_bias"),
        ("best_sentence", "text_best_sentence"),
        ("anywhere", "text_anywhere"),
        ("values_found", "text_values_found"),
        ("any_value_missing", "text_any_value_missing"),
        ("share_missing", "text_values_missing"),
        ("contradiction", "text_contradiction"),
        ("documents", "text_documents"),
        ("documents_best_sentence", "text_documents_best_sentence"),
        ("documents_anywhere", "text_documents_anywhere"),
        ("negation", "text_negation"),
        ("attributes_missing", "text_attributes_missing"),
    ),
    "argument": (
        ("exact", "arg_exact"),
        ("schema_default", "arg_schema_default"),
        ("partial_branch", "arg_partial_bias"),
        ("partial_coverage", "arg_partial"),
        ("nothing", "arg_nothing"),
    ),
    "question": (
        ("bias", "question_bias"),
        ("slot_coverage", "question_slot"),
        ("value_present", "question_value"),
        ("user_exact", "question_user_exact"),
        ("kind_answered", "question_kind_answered"),
    ),
}
FITTED_PATH = Path(__file__).with_name("fitted_coefficients.json")


@dataclass(frozen=True)
class Coefficients:
    """Weights of the logistic combination of signals (log-odds units)."""

    text_bias: float = -2.6
    text_best_sentence: float = 4.0
    text_anywhere: float = 1.6
    text_documents: float = 0.0
    text_documents_best_sentence: float = 0.0
    text_documents_anywhere: float = 0.0
    text_negation: float = -4.5
    text_attributes_missing: float = -3.0
    text_values_found: float = 0.8
    text_values_missing: float = -2.0
    text_any_value_missing: float = -3.5
    text_contradiction: float = -4.5
    arg_exact: float = 3.2
    arg_schema_default: float = 1.7
    arg_partial_bias: float = -3.0
    arg_partial: float = 6.0
    arg_nothing: float = -2.4
    question_bias: float = -2.5
    question_slot: float = 3.0
    question_value: float = 1.5
    question_user_exact: float = 1.0
    question_kind_answered: float = 1.5

    def weights(self, kind: FeatureKind) -> list[float]:
        """The weight vector of a claim kind, in the order of `FEATURES[kind]`."""
        return [getattr(self, name) for _, name in FEATURES[kind]]

    @classmethod
    def fitted(cls, path: str | Path | None = None) -> Coefficients:
        """The weights fitted on the train splits (`training/fit.py`), hand-set for questions.

        Args:
            path: The JSON file; defaults to the `fitted_coefficients.json` the package ships.

        Raises:
            InputError: when the file is missing, is not JSON, or its weights do not name the
                features of `FEATURES` in order with finite numbers.

        Example:
            >>> Coefficients.fitted() != Coefficients()
            True
        """
        where, data = read_fitted(path)
        if not isinstance(data, dict) or not isinstance(data.get("weights"), dict):
            raise InputError(where, "expected an object with a `weights` object")
        values: dict[str, float] = {}
        for kind, table in data["weights"].items():
            values.update(_fitted_kind(where, kind, table))
        return cls(**values)


def read_fitted(path: str | Path | None = None) -> tuple[str, object]:
    """The parsed fitted-coefficients file, and its path for error messages.

    Raises:
        InputError: when the file is missing or is not JSON.
    """
    where = str(path or FITTED_PATH)
    try:
        return where, json.loads(Path(where).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(where, "no fitted coefficients (run training/fit.py)") from None
    except (OSError, ValueError) as e:
        raise InputError(where, f"unreadable fitted coefficients: {e}") from None


def _fitted_kind(where: str, kind: object, table: object) -> dict[str, float]:
    """The `Coefficients` fields one kind's entry of a fitted file sets."""
    if kind not in FEATURES:
        raise InputError(f"{where}: weights", f"unknown kind {kind!r} (known: text, argument)")
    order = FEATURES[kind]
    names = [name for name, _ in order]
    if not isinstance(table, dict) or sorted(table) != sorted(names):
        raise InputError(f"{where}: weights.{kind}", f"expected the features {names}")
    out = {}
    for name, field_name in order:
        w = table[name]
        if isinstance(w, bool) or not isinstance(w, (int, float)) or not math.isfinite(w):
            raise InputError(f"{where}: weights.{kind}.{name}", f"not a finite number: {w!r}")
        out[field_name] = float(w)
    return out
