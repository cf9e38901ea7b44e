"""Estimators made of estimators: a weighted ensemble, and a primary with a fallback."""

from __future__ import annotations

import math
from collections.abc import Sequence

from agentguard.estimators.base import (
    Assessment,
    Estimate,
    Estimator,
    ResponseSupport,
    as_estimator,
    check_estimates,
    failure_text,
    product_or,
)
from agentguard.estimators.default import DefaultEstimator
from agentguard.types import ClaimDraft, Context, Evidence

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


class Ensemble(Estimator):
    """Averages its members' support in log-odds space, with weights.

    `contradicted` and `hedged` hold when any member with a weight above 0 says so; evidence is
    the members' evidence merged. Members' notes are passed on; a member that raises makes the
    ensemble raise (wrap it in `WithFallback` to fall back). The response support is the same
    weighted log-odds average of the members' response supports, so an ensemble of one
    estimator reports exactly what that estimator does.

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
        self.estimators = tuple(as_estimator(e) for e in estimators)
        self.weights = _weights(len(self.estimators), weights)
        self.name = "ensemble(" + "+".join(e.name for e in self.estimators) + ")"

    def score(
        self, claims: Sequence[ClaimDraft], context: Context, output_text: str
    ) -> list[Estimate]:
        """One combined estimate per claim, in order."""
        return list(self.assess(claims, context, output_text).estimates)

    def assess(
        self, claims: Sequence[ClaimDraft], context: Context, output_text: str
    ) -> Assessment:
        """Combined estimates, the members' notes, and the combined response model."""
        notes: list[str] = []
        per_member: list[tuple[Estimate, ...]] = []
        responses: list[ResponseSupport | None] = []
        failure: str | None = None
        for est, w in zip(self.estimators, self.weights, strict=True):
            if w == 0:
                continue  # a member weighed at 0 would change nothing: it is not run
            member = est.assess(claims, context, output_text)
            try:
                check_estimates(member.estimates, len(claims))
            except ValueError as exc:
                raise ValueError(f"ensemble member {est.name!r}: {exc}") from None
            per_member.append(member.estimates)
            responses.append(member.response_support)
            notes += member.notes
            failure = failure or member.failure  # a member that fell back says so, first one wins
        active = [w for w in self.weights if w > 0]
        combined = tuple(self._combine(list(row), active) for row in zip(*per_member, strict=True))
        return Assessment(combined, tuple(notes), _combined_response(responses, active), failure)

    @staticmethod
    def _combine(row: list[Estimate], weights: list[float]) -> Estimate:
        total = sum(weights)
        z = sum(w * _logit(e.support) for w, e in zip(weights, row, strict=True)) / total
        without = None
        if any(e.support_without_schema is not None for e in row):
            zs = sum(
                w * _logit(e.support if (s := e.support_without_schema) is None else s)
                for w, e in zip(weights, row, strict=True)
            )
            without = _sigmoid(zs / total)
        evidence: dict[tuple[str, tuple[int, int]], Evidence] = {}
        for e in row:
            for ev in e.evidence:
                evidence.setdefault((ev.source, ev.span), ev)
        # A question's answer is kept when the members that find one agree on it.
        answers = {e.answer for e in row if e.answer is not None}
        return Estimate(
            support=_sigmoid(z),
            contradicted=any(e.contradicted for e in row),
            hedged=any(e.hedged for e in row),
            evidence=tuple(evidence.values()),
            support_without_schema=without,
            answer=answers.pop() if len(answers) == 1 else None,
        )


def _combined_response(
    responses: list[ResponseSupport | None], weights: list[float]
) -> ResponseSupport | None:
    """The members' response supports averaged in log-odds space, with the members' weights.

    `None` (the product of the claim supports) when no member has a response model of its own;
    a lone member's model as it is.
    """
    if len(responses) == 1 or all(r is None for r in responses):
        return responses[0] if len(responses) == 1 else None

    def response(supports: Sequence[float]) -> float | None:
        values = [product_or(r, supports) for r in responses]
        if any(v is None for v in values):
            return None
        z = sum(w * _logit(v) for w, v in zip(weights, values, strict=True) if v is not None)
        return _sigmoid(z / sum(weights))

    return response


class WithFallback(Estimator):
    """Scores with `primary`; if it raises (a timeout included), with `fallback` instead.

    The report's notes say when the fallback was taken, and why, and so does its
    `estimator_error`. Everything of the estimator that did the scoring is passed on, its
    response model included. A fallback that fails too raises, and the policy's fail mode
    decides.

    Args:
        primary: The estimator to try first (e.g. an `LLMJudge`).
        fallback: The estimator used when the primary fails; the offline default when omitted.

    Example:
        >>> WithFallback(DefaultEstimator()).name
        'default|default'
    """

    def __init__(self, primary: Estimator, fallback: Estimator | None = None) -> None:
        self.primary = as_estimator(primary)
        self.fallback = DefaultEstimator() if fallback is None else as_estimator(fallback)
        self.name = f"{primary.name}|{self.fallback.name}"

    def score(
        self, claims: Sequence[ClaimDraft], context: Context, output_text: str
    ) -> list[Estimate]:
        """One estimate per claim, in order."""
        return list(self.assess(claims, context, output_text).estimates)

    def assess(
        self, claims: Sequence[ClaimDraft], context: Context, output_text: str
    ) -> Assessment:
        """The primary's assessment, or the fallback's with a note saying why."""
        try:
            done = self.primary.assess(claims, context, output_text)
            check_estimates(done.estimates, len(claims))
        except Exception as exc:  # noqa: BLE001 - any primary fault is what the fallback is for
            done = self.fallback.assess(claims, context, output_text)
            error = failure_text(exc)
            why = f"estimator {self.primary.name!r} failed ({error}); "
            why += f"scored by {self.fallback.name!r} instead"
            failure = f"estimator {self.primary.name!r} failed: {error}"
            return Assessment(done.estimates, (why, *done.notes), done.response_support, failure)
        return done
