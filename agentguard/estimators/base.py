"""The estimator interface: claims and context in, one estimate per claim out, batched.

`Estimator` declares every method the monitor calls. Only `name` and `score` have to be
written: subclass `Estimator` to inherit the documented defaults of the others, or pass any
object with `name` and `score` to `Monitor`, which gives it the same defaults (`as_estimator`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

from agentguard.types import ClaimDraft, Context, Evidence, Scalar

ResponseSupport = Callable[[Sequence[float]], "float | None"]
"""Claim supports in, P(every claim is supported) out; `None` means their product."""


@dataclass(frozen=True)
class Estimate:
    """An estimator's verdict on one claim."""

    support: float
    """Probability that the context entails the claim (for a question: already answers it)."""
    contradicted: bool = False
    """The context states something else for the claim."""
    hedged: bool = False
    """The output itself marks the claim as an assumption or as uncertain."""
    evidence: tuple[Evidence, ...] = ()
    """The spans of the context the verdict rests on."""
    support_without_schema: float | None = None
    """Support ignoring tool-schema defaults (for `must_ground` parameters); `None`: the same."""
    answer: Answer | None = None
    """For a question: the parameter it asks for and the value the context holds for it."""


@dataclass(frozen=True)
class Answer:
    """What the context holds for the parameter a question asks for."""

    tool: str
    """The tool whose parameter the question asks for."""
    path: str
    """The parameter's path."""
    value: Scalar
    """The value a source states, or the schema's default."""
    origin: Literal["stated", "default"]
    """`stated` by a source, or the optional parameter's schema `default`."""


@dataclass(frozen=True)
class Assessment:
    """Everything one scoring call gives the monitor."""

    estimates: tuple[Estimate, ...]
    """One estimate per claim, in order."""
    notes: tuple[str, ...] = ()
    """Lines for the report's notes: token usage, a fallback taken, claims scored by another."""
    response_support: ResponseSupport | None = None
    """How the estimator that did the scoring turns the final claim supports into the response's
    support; `None` (or a `None` result): their product."""
    failure: str | None = None
    """Set when an estimator failed and another scored in its place (`WithFallback`): which one
    failed and why (`"estimator 'llm' failed: TimeoutError: ..."`). The report shows it as
    `estimator_error`."""


@runtime_checkable
class Estimator(Protocol):
    """Scores claims against a context. Implementations must be safe to call concurrently.

    Example:
        >>> from agentguard import Estimate, Estimator
        >>> class Half(Estimator):
        ...     name = "half"
        ...
        ...     def score(self, claims, context, output_text):
        ...         return [Estimate(0.5) for _ in claims]
        >>> Half().response_support([0.5, 0.5]) is None
        True
    """

    name: str
    """Shown in reports (`report.estimator`) and notes."""

    def score(
        self, claims: Sequence[ClaimDraft], context: Context, output_text: str
    ) -> list[Estimate]:
        """One estimate per claim, in order. The one method an estimator must write."""
        ...

    def assess(
        self, claims: Sequence[ClaimDraft], context: Context, output_text: str
    ) -> Assessment:
        """Estimates, notes and response model of one call; what the monitor calls.

        Default: the estimates of `score`, no notes, and this estimator's `response_support`.
        Estimators that have notes to give (token usage, a fallback taken) override it.
        """
        estimates = tuple(self.score(claims, context, output_text))
        return Assessment(estimates, (), self.response_support)

    def response_support(self, supports: Sequence[float]) -> float | None:
        """P(every claim is supported), given the final support of each non-question claim.

        Default: `None`, and the monitor takes the product of `supports`. `DefaultEstimator`
        has a fitted response model instead.
        """
        return None


class _WithDefaults(Estimator):
    """An object with only `name` and `score`, given the protocol's other methods."""

    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.name = str(getattr(inner, "name", type(inner).__name__))

    def score(
        self, claims: Sequence[ClaimDraft], context: Context, output_text: str
    ) -> list[Estimate]:
        """The wrapped object's estimates."""
        result: list[Estimate] = self.inner.score(claims, context, output_text)  # type: ignore[attr-defined]
        return result


def as_estimator(obj: object) -> Estimator:
    """`obj` itself when it has every method of `Estimator`, else `obj` with the defaults.

    Raises:
        TypeError: if `obj` has no `score` method of its own.
    """
    if isinstance(obj, Estimator):
        if type(obj).score is Estimator.score:
            raise TypeError(
                f"{type(obj).__name__} subclasses Estimator but does not write "
                "score(claims, context, output_text)"
            )
        return obj
    if not callable(getattr(obj, "score", None)):
        raise TypeError(
            f"an estimator needs a score(claims, context, output_text) method; "
            f"{type(obj).__name__} has none"
        )
    return _WithDefaults(obj)


def product_or(response: ResponseSupport | None, supports: Sequence[float]) -> float | None:
    """The response support `response` gives, or the product of `supports` where it gives none.

    `None` when there are no supports (an output with no non-question claims).
    """
    value = response(supports) if response is not None else None
    if value is not None:
        return value
    return math.prod(supports) if supports else None


def _probability(value: object) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and 0.0 <= value <= 1.0  # NaN fails both comparisons
    )


def check_estimates(estimates: Sequence[Estimate], n_claims: int) -> None:
    """Check what an estimator returned against the interface's contract.

    Raises:
        ValueError: if there is not one `Estimate` per claim, or a support is not a number in
            [0, 1]: the estimator is at fault, and the policy's fail mode decides.
    """
    if len(estimates) != n_claims:
        raise ValueError(f"{len(estimates)} estimates for {n_claims} claims")
    for i, e in enumerate(estimates):
        if not isinstance(e, Estimate):
            raise ValueError(f"estimate {i}: an Estimate is needed, not {type(e).__name__}")
        if not _probability(e.support):
            raise ValueError(f"estimate {i}: support must be a number in [0, 1], not {e.support!r}")
        if e.support_without_schema is not None and not _probability(e.support_without_schema):
            raise ValueError(
                f"estimate {i}: support_without_schema must be a number in [0, 1], "
                f"not {e.support_without_schema!r}"
            )


FAILURE_CHARS = 300
"""Longest part of an estimator's error message a report repeats."""


def failure_text(exc: BaseException) -> str:
    """`Type: message` of an estimator's error, the message cut to `FAILURE_CHARS`."""
    message = " ".join(str(exc).split())  # one line: notes and reasons are single lines
    if len(message) > FAILURE_CHARS:
        message = f"{message[:FAILURE_CHARS]} [... {len(message) - FAILURE_CHARS} more characters]"
    return f"{type(exc).__name__}: {message}"
