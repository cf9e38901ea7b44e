"""The calibration fitted with the default estimator's weights: per claim and per response.

Two stages, both fitted on the train splits by `training/fit.py` and shipped in
`fitted_coefficients.json` under `calibration`:

- claim level: one isotonic map per weight kind (`text`, `argument`) from the logistic
  model's p to the share of such claims that are supported;
- response level: the support of a whole output, P(every claim is supported). An output with
  one asserted claim gets that claim's calibrated support. With several, a logistic model
  over `RESPONSE_FEATURES` of their calibrated supports replaces the product, which treats
  the claims as independent and so grows too sure that one of many claims fails; it is capped
  at the least claim support.

`DefaultEstimator.fitted()` applies both; `Monitor` asks the estimator for the response
support through `response_support` when no calibration map of its own is given.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agentguard.calibration import CalibrationMap
from agentguard.errors import InputError
from agentguard.estimators.coefficients import read_fitted

RESPONSE_FEATURES = ("bias", "sum_log_p", "min_logit", "log_claims")
"""Response-level features of the calibrated claim supports p_i (clipped to `P_CLIP`): 1,
sum log p_i, min logit p_i and log(1 + number of claims)."""
P_CLIP = 1e-4
CLAIM_KINDS = ("text", "argument")


def response_features(supports: Sequence[float]) -> list[float]:
    """The `RESPONSE_FEATURES` of the calibrated supports of an output's asserted claims."""
    ps = [min(1.0 - P_CLIP, max(P_CLIP, p)) for p in supports]
    return [
        1.0,
        math.fsum(math.log(p) for p in ps),
        min(math.log(p / (1.0 - p)) for p in ps),
        math.log1p(len(ps)),
    ]


@dataclass(frozen=True)
class SupportCalibration:
    """Claim maps by weight kind and the response model's weights (see the module docstring).

    Attributes:
        claims: An isotonic map per weight kind (`text`, `argument`).
        response: The weights of `RESPONSE_FEATURES`, in order.
    """

    claims: dict[str, CalibrationMap]
    response: tuple[float, ...]

    def claim(self, kind: str, p: float) -> float:
        """The calibrated support of one claim scored with the `kind` weights."""
        m = self.claims.get(kind)
        return p if m is None else m.apply(p)

    def response_support(self, supports: Sequence[float]) -> float | None:
        """P(every claim is supported) from the calibrated claim supports; None without any.

        The response model's value, capped at the least claim support: every claim cannot be
        likelier supported than the least supported one.
        """
        if not supports:
            return None
        if len(supports) == 1:
            return float(supports[0])
        z = math.fsum(
            w * f for w, f in zip(self.response, response_features(supports), strict=True)
        )
        p = 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))
        return min(p, float(min(supports)))

    @classmethod
    def fitted(cls, path: str | Path | None = None) -> SupportCalibration:
        """The calibration shipped in `fitted_coefficients.json` (`training/fit.py`).

        Raises:
            InputError: when the file is missing or unreadable, or its `calibration` entry
                lacks a map per kind or one finite weight per response feature.
        """
        where, data = read_fitted(path)
        raw = data.get("calibration") if isinstance(data, dict) else None
        if not isinstance(raw, dict):
            raise InputError(f"{where}: calibration", "missing; expected an object")
        return cls.from_json(raw, f"{where}: calibration")

    @classmethod
    def from_json(cls, raw: dict[str, Any], where: str = "calibration") -> SupportCalibration:
        """Validate and build from the `calibration` entry of a fitted file.

        Raises:
            InputError: naming the bad field under `where`.
        """
        claims = raw.get("claims")
        if not isinstance(claims, dict) or sorted(claims) != sorted(CLAIM_KINDS):
            raise InputError(f"{where}.claims", f"expected one map per kind {list(CLAIM_KINDS)}")
        maps = {k: CalibrationMap.from_json(claims[k], f"{where}.claims.{k}") for k in CLAIM_KINDS}
        response = raw.get("response")
        weights = response.get("weights") if isinstance(response, dict) else None
        if not isinstance(weights, dict) or sorted(weights) != sorted(RESPONSE_FEATURES):
            raise InputError(
                f"{where}.response.weights", f"expected the features {list(RESPONSE_FEATURES)}"
            )
        out = []
        for name in RESPONSE_FEATURES:
            w = weights[name]
            if isinstance(w, bool) or not isinstance(w, (int, float)) or not math.isfinite(w):
                raise InputError(f"{where}.response.weights.{name}", f"not a finite number: {w!r}")
            out.append(float(w))
        return cls(maps, tuple(out))
