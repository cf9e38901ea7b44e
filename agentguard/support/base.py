"""The estimator interface: claims and context in, one estimate per claim out, batched."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from agentguard.claims import ClaimDraft
from agentguard.context import Context
from agentguard.types import Evidence


@dataclass(frozen=True)
class Estimate:
    """An estimator's verdict on one claim.

    `p` is the probability that the context entails the claim (for a question: that the context
    already answers it); `contradicted` says the context states something else; `evidence`
    names the spans the verdict rests on.
    """

    p: float
    contradicted: bool = False
    hedged: bool = False
    evidence: tuple[Evidence, ...] = ()
    p_without_schema: float | None = None
    """Support ignoring tool-schema defaults (for `must_ground` parameters); `None`: same as p."""


class Estimator(Protocol):
    """Scores claims against a context. Implementations must be safe to call concurrently."""

    name: str

    def score(
        self, claims: Sequence[ClaimDraft], context: Context, output_text: str
    ) -> list[Estimate]:
        """One estimate per claim, in order."""
        ...


@runtime_checkable
class NotedEstimator(Estimator, Protocol):
    """An estimator that also returns notes for the report (token usage, a fallback taken).

    Optional: the monitor calls `score_noted` when an estimator has it, `score` otherwise.
    """

    def score_noted(
        self, claims: Sequence[ClaimDraft], context: Context, output_text: str
    ) -> tuple[list[Estimate], tuple[str, ...]]:
        """One estimate per claim, in order, and the notes to append to the report."""
        ...


def score_with_notes(
    estimator: Estimator, claims: Sequence[ClaimDraft], context: Context, output_text: str
) -> tuple[list[Estimate], tuple[str, ...]]:
    """Estimates and notes: by `score_noted` where the estimator has one, else by `score`."""
    # getattr, not isinstance on the runtime protocol: that check costs ~18 us on every check.
    noted = getattr(estimator, "score_noted", None)
    if noted is not None:
        result: tuple[list[Estimate], tuple[str, ...]] = noted(claims, context, output_text)
        return result
    return estimator.score(claims, context, output_text), ()
