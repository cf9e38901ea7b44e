"""Estimators made of estimators: a weighted ensemble, and a primary with a fallback."""

from __future__ import annotations

import math
from collections.abc import Sequence

from agentguard.claims import ClaimDraft
from agentguard.context import Context
from agentguard.support.base import Estimate, Estimator, score_with_notes
from agentguard.support.default import DefaultEstimator
from agentguard.types import Evidence

_EPS = 1e-6
"""Support is clipped to [EPS, 1 - EPS] before log-odds, so a member's 0 or 1 stays finite."""


def _logit(p: float) -> float:
    p = min(1.0 - _EPS, max(_EPS, p))
    return math.log(p / (1.0 - p))


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def _weights(n: int, weights: Sequence[float] | None) -> tuple[float, ...]:
    if n == 0:
        raise ValueError("an ensemble needs at least one estimator")
    if weights is None:
        return (1.0,) * n
    if len(weights) != n:
        raise ValueError(f"an ensemble of {n} estimators got {len(weights)} weights")
    out = tuple(float(w) for w in weights)
    if any(not math.isfinite(w) or w < 0 for w in out):
        raise ValueError(f"ensemble weights must be finite and >= 0, got {list(out)}")
    if sum(out) <= 0:
        raise ValueError("ensemble weights must not all be 0")
    return out


class Ensemble:
    """Averages its members' support in log-odds space, with weights.

    `contradicted` and `hedged` hold when any member with a weight above 0 says so; evidence is
    the members' evidence merged. Members' notes are passed on; a member that raises makes the
    ensemble raise (wrap it in `WithFallback` to fall back).

    Args:
        estimators: The members.
        weights: One weight >= 0 per member; equal weights when omitted.

    Example:
        >>> Ensemble([DefaultEstimator(), DefaultEstimator()]).name
        'ensemble(default+default)'
    """

    def __init__(
        self, estimators: Sequence[Estimator], weights: Sequence[float] | None = None
    ) -> None:
        self.estimators = tuple(estimators)
        self.weights = _weights(len(self.estimators), weights)
        self.name = "ensemble(" + "+".join(e.name for e in self.estimators) + ")"

    def score(
        self, claims: Sequence[ClaimDraft], context: Context, output_text: str
    ) -> list[Estimate]:
        """One combined estimate per claim, in order."""
        return self.score_noted(claims, context, output_text)[0]

    def score_noted(
        self, claims: Sequence[ClaimDraft], context: Context, output_text: str
    ) -> tuple[list[Estimate], tuple[str, ...]]:
        """Combined estimates, and the members' notes."""
        notes: list[str] = []
        per_member: list[list[Estimate]] = []
        for est, w in zip(self.estimators, self.weights, strict=True):
            if w == 0:
                continue  # a member weighed at 0 would change nothing: it is not run
            estimates, member_notes = score_with_notes(est, claims, context, output_text)
            if len(estimates) != len(claims):
                raise ValueError(
                    f"ensemble member {est.name!r} gave {len(estimates)} estimates "
                    f"for {len(claims)} claims"
                )
            per_member.append(estimates)
            notes += member_notes
        active = [w for w in self.weights if w > 0]
        combined = [self._combine(list(row), active) for row in zip(*per_member, strict=True)]
        return combined, tuple(notes)

    @staticmethod
    def _combine(row: list[Estimate], weights: list[float]) -> Estimate:
        total = sum(weights)
        z = sum(w * _logit(e.p) for w, e in zip(weights, row, strict=True)) / total
        without = None
        if any(e.p_without_schema is not None for e in row):
            zs = sum(
                w * _logit(e.p if e.p_without_schema is None else e.p_without_schema)
                for w, e in zip(weights, row, strict=True)
            )
            without = _sigmoid(zs / total)
        evidence: dict[tuple[str, tuple[int, int]], Evidence] = {}
        for e in row:
            for ev in e.evidence:
                evidence.setdefault((ev.source, ev.span), ev)
        return Estimate(
            p=_sigmoid(z),
            contradicted=any(e.contradicted for e in row),
            hedged=any(e.hedged for e in row),
            evidence=tuple(evidence.values()),
            p_without_schema=without,
        )


class WithFallback:
    """Scores with `primary`; if it raises (a timeout included), with `fallback` instead.

    The report's notes say when the fallback was taken, and why.

    Args:
        primary: The estimator to try first (e.g. an `LLMJudge`).
        fallback: The estimator used when the primary fails; the offline default when omitted.

    Example:
        >>> WithFallback(DefaultEstimator()).name
        'default|default'
    """

    def __init__(self, primary: Estimator, fallback: Estimator | None = None) -> None:
        self.primary = primary
        self.fallback: Estimator = fallback or DefaultEstimator()
        self.name = f"{primary.name}|{self.fallback.name}"

    def score(
        self, claims: Sequence[ClaimDraft], context: Context, output_text: str
    ) -> list[Estimate]:
        """One estimate per claim, in order."""
        return self.score_noted(claims, context, output_text)[0]

    def score_noted(
        self, claims: Sequence[ClaimDraft], context: Context, output_text: str
    ) -> tuple[list[Estimate], tuple[str, ...]]:
        """The primary's estimates and notes, or the fallback's with a note saying why."""
        try:
            estimates, notes = score_with_notes(self.primary, claims, context, output_text)
            if len(estimates) != len(claims):
                raise ValueError(f"{len(estimates)} estimates for {len(claims)} claims")
        except Exception as exc:  # noqa: BLE001 - any primary fault is what the fallback is for
            estimates, notes = score_with_notes(self.fallback, claims, context, output_text)
            why = (
                f"estimator {self.primary.name!r} failed ({type(exc).__name__}: {exc}); "
                f"scored by {self.fallback.name!r} instead"
            )
            return estimates, (why, *notes)
        return estimates, notes
