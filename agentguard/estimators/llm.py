"""An LLM judge: any model litellm reaches reads the sources and rules on the claims.

One `litellm.completion` call per batch of claims, with structured output (a JSON schema in
`response_format`) validated by pydantic. litellm is imported when a call is made, never by
`import agentguard`. Any failure (an error from litellm, a timeout, a reply that is not the
JSON asked for, a claim left out) raises, so that the policy's fail mode or `WithFallback`
handles it. A circuit breaker stops calling a judge that keeps failing: while it is open a
check fails at once (`JudgeError("... circuit open ...")`) instead of waiting out the timeout.
The prompt (`llm_prompt`) delimits every source with tags carrying a per-prompt nonce, so that
source text cannot forge a source.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agentguard.estimators.base import Assessment, Estimate, Estimator
from agentguard.estimators.breaker import CircuitBreaker, CircuitOpen
from agentguard.estimators.llm_prompt import CLAIM_CHARS as CLAIM_CHARS
from agentguard.estimators.llm_prompt import INSTRUCTIONS as INSTRUCTIONS
from agentguard.estimators.llm_prompt import SOURCE_CHARS as SOURCE_CHARS
from agentguard.estimators.llm_prompt import build_prompt as build_prompt
from agentguard.estimators.llm_prompt import clip, source_ids
from agentguard.text.lexicon import HEDGE_RE
from agentguard.text.values import fold
from agentguard.types import ClaimDraft, Context, Evidence, Source

_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL)


def import_litellm() -> ModuleType:
    """litellm, imported on first use (about 3 s), set to stay quiet and offline.

    Its price list is read from the copy it ships with instead of fetched from GitHub at import
    (unless `LITELLM_LOCAL_MODEL_COST_MAP` is set otherwise), so nothing but the model call
    itself leaves the machine; and it prints no "Give Feedback" banner on errors.
    """
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    litellm.suppress_debug_info = True
    return litellm


class EvidenceRef(BaseModel):
    """A quote from one source that a verdict rests on."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str
    """Id of the source, as listed in the prompt (`user#1`, `tool:get_order#1`, ...)."""
    quote: str
    """Text copied from that source."""


class Verdict(BaseModel):
    """The judge's ruling on one claim."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    """The claim id from the prompt (`c1`, `c2`, ...)."""
    verdict: Literal["supported", "contradicted", "unsupported"]
    """Whether the sources support the claim, contradict it, or leave it unsettled."""
    confidence: float = Field(ge=0.0, le=1.0)
    """Probability that the verdict is right."""
    evidence: list[EvidenceRef]
    """Quotes the verdict rests on."""


class Verdicts(BaseModel):
    """The judge's whole reply: one verdict per claim."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    claims: list[Verdict]
    """One verdict per claim id."""


class JudgeError(RuntimeError):
    """The judge gave no usable answer (an API error, a malformed reply, a claim left out)."""


@dataclass
class _Usage:
    """Tokens and cost over the calls of one check."""

    prompt: int = 0
    completion: int = 0
    cost: float | None = 0.0
    calls: int = 0

    def add(self, response: Any) -> None:
        import litellm

        usage = getattr(response, "usage", None)
        self.prompt += int(getattr(usage, "prompt_tokens", 0) or 0)
        self.completion += int(getattr(usage, "completion_tokens", 0) or 0)
        self.calls += 1
        try:
            cost = float(litellm.completion_cost(completion_response=response))
        except Exception:  # noqa: BLE001 - an unknown model has no price: report tokens only
            cost = None
        self.cost = None if cost is None or self.cost is None else self.cost + cost


def response_format() -> dict[str, Any]:
    """The `response_format` asking for `Verdicts` JSON (OpenAI structured outputs)."""
    schema = Verdicts.model_json_schema()
    return {
        "type": "json_schema",
        "json_schema": {"name": "verdicts", "schema": schema, "strict": True},
    }


def _dollars(cost: float) -> str:
    """`$0.00031`: three significant digits, never in exponent form."""
    if cost <= 0:
        return "$0"
    decimals = max(2, 2 - math.floor(math.log10(cost)))
    return f"${cost:.{decimals}f}".rstrip("0").rstrip(".")


def locate(quote: str, text: str) -> tuple[int, int] | None:
    """Span of `quote` in `text`: exact, else ignoring case, accents and runs of whitespace."""
    quote = quote.strip()
    if not quote:
        return None
    at = text.find(quote)
    if at >= 0:
        return at, at + len(quote)
    # fold keeps the length, so a match in the folded text is a span of the original.
    words = fold(quote).split()
    m = re.search(r"\s+".join(map(re.escape, words)), fold(text))
    return m.span() if m else None


def _hedged(claims: Sequence[ClaimDraft], output_text: str) -> list[bool]:
    """The output's own hedge cues, read the same way the default estimator reads them."""
    spans = [m.span() for m in HEDGE_RE.finditer(output_text)]
    near = [fold(output_text[max(0, a - 80) : b + 80]) for a, b in spans]
    out = []
    for c in claims:
        if c.kind == "argument":
            out.append(c.value is not None and any(fold(str(c.value)) in h for h in near))
        else:
            sa, sb = c.sentence_span or c.span or (0, 0)
            out.append(any(sa <= a < sb for a, _ in spans))
    return out


def _to_estimate(
    verdict: Verdict, ids: dict[str, str], texts: dict[str, str], hedged: bool
) -> Estimate:
    """The estimate a verdict gives; evidence is kept only where it names a real source.

    A cited id that is no source of the prompt (a header that source text imitated, an id the
    judge made up) or a quote not found in the named source gives no evidence.
    """
    evidence = []
    for ref in verdict.evidence:
        sid = ids.get(ref.source)
        text = None if sid is None else texts[sid]
        span = None if text is None else locate(ref.quote, text)
        if sid is not None and text is not None and span is not None:
            evidence.append(Evidence(source=sid, span=span, text=text[span[0] : span[1]]))
    supported = verdict.verdict == "supported"
    p = verdict.confidence if supported else 1.0 - verdict.confidence
    contradicted = verdict.verdict == "contradicted"
    return Estimate(p, contradicted, hedged, tuple(dict.fromkeys(evidence)))


class LLMJudge(Estimator):
    """Support from an LLM judge reached through litellm (any provider), with structured output.

    Args:
        model: litellm model string.
        timeout: Seconds to wait for each call; past it the call raises `TimeoutError`.
        max_claims_per_call: Claims per request; more claims make several requests.
        breaker_failures: Consecutive failed calls (an error, a timeout, an unusable reply)
            after which the judge is not called for `breaker_cooldown` seconds: checks then
            fail at once with `JudgeError("... circuit open ...")`. `None` turns the breaker
            off.
        breaker_cooldown: Seconds the breaker stays open; then one call probes the judge, and
            its outcome closes the breaker or opens it again.
        **options: Passed to `litellm.completion` (`api_base`, `api_key`, `temperature`, ...).
            One attempt per call unless `num_retries` says otherwise: a judge that fails
            should fail fast, so that the fallback or the fail mode takes over.

    Example:
        >>> from agentguard import Monitor, WithFallback
        >>> Monitor(estimator=WithFallback(LLMJudge("openai/gpt-4o-mini"))).estimator.name
        'llm|default'
    """

    name = "llm"

    def __init__(
        self,
        model: str = "openai/gpt-4o-mini",
        *,
        timeout: float = 30.0,
        max_claims_per_call: int = 40,
        breaker_failures: int | None = 3,
        breaker_cooldown: float = 30.0,
        **options: Any,
    ) -> None:
        if max_claims_per_call < 1:
            raise ValueError(f"max_claims_per_call must be at least 1, not {max_claims_per_call}")
        self.model = model
        self.timeout = timeout
        self.max_claims_per_call = max_claims_per_call
        self.breaker: CircuitBreaker | None = (
            None if breaker_failures is None else CircuitBreaker(breaker_failures, breaker_cooldown)
        )
        """Shared by every check this judge scores (and every thread); `None`: no breaker."""
        self.options: dict[str, Any] = {"num_retries": 0, **options}

    def score(
        self, claims: Sequence[ClaimDraft], context: Context, output_text: str
    ) -> list[Estimate]:
        """One estimate per claim, in order.

        Raises:
            TimeoutError: if a call takes longer than `timeout`.
            JudgeError: if litellm fails, the reply is unusable, or the breaker is open.
        """
        return list(self.assess(claims, context, output_text).estimates)

    def assess(
        self, claims: Sequence[ClaimDraft], context: Context, output_text: str
    ) -> Assessment:
        """Estimates, and a note with the tokens (and cost, where litellm knows the price)."""
        if not claims:
            return Assessment(())
        ids = [f"c{i}" for i in range(1, len(claims) + 1)]
        pairs = list(zip(ids, claims, strict=True))
        usage = _Usage()
        verdicts: dict[str, Verdict] = {}
        for at in range(0, len(pairs), self.max_claims_per_call):
            batch = pairs[at : at + self.max_claims_per_call]
            verdicts.update(self._judge(batch, context.sources, output_text, usage))
        cited = source_ids(context.sources)
        texts = {s.id: s.text for s in context.sources}
        hedged = _hedged(claims, output_text)
        estimates = tuple(
            _to_estimate(verdicts[i], cited, texts, h) for i, h in zip(ids, hedged, strict=True)
        )
        return Assessment(estimates, (self._note(usage),))

    def _judge(
        self,
        batch: list[tuple[str, ClaimDraft]],
        sources: Sequence[Source],
        output_text: str,
        usage: _Usage,
    ) -> dict[str, Verdict]:
        """One call's verdicts, through the breaker: any failure of the call counts."""
        if self.breaker is None:
            return self._call(batch, sources, output_text, usage)
        try:
            return self.breaker.call(lambda: self._call(batch, sources, output_text, usage))
        except CircuitOpen as exc:
            raise JudgeError(f"llm judge {self.model}: {exc}") from None

    def _call(
        self,
        batch: list[tuple[str, ClaimDraft]],
        sources: Sequence[Source],
        output_text: str,
        usage: _Usage,
    ) -> dict[str, Verdict]:
        response = self._complete(build_prompt(batch, sources, output_text))
        usage.add(response)
        parsed = self._parse(response)
        wanted = [cid for cid, _ in batch]
        got: dict[str, Verdict] = {}
        for v in parsed.claims:
            if v.id in wanted:
                got.setdefault(v.id, v)  # the first verdict on a claim stands
        missing = [cid for cid in wanted if cid not in got]
        if missing:
            raise JudgeError(f"llm judge {self.model}: no verdict on claim(s) {', '.join(missing)}")
        return got

    def _complete(self, messages: list[dict[str, str]]) -> Any:
        litellm = import_litellm()
        from litellm.exceptions import Timeout

        kwargs: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "response_format": response_format(),
            "timeout": self.timeout,
            **self.options,
        }
        try:
            return litellm.completion(**kwargs)
        except Timeout as exc:
            raise TimeoutError(
                f"llm judge {self.model}: no reply within {self.timeout:g} s"
            ) from exc
        except Exception as exc:
            raise JudgeError(f"llm judge {self.model}: {type(exc).__name__}: {exc}") from exc

    def _parse(self, response: Any) -> Verdicts:
        choices = getattr(response, "choices", None)
        content = getattr(choices[0].message, "content", None) if choices else None
        if not isinstance(content, str) or not content.strip():
            raise JudgeError(f"llm judge {self.model}: the reply has no text")
        fenced = _FENCE.match(content)
        try:
            return Verdicts.model_validate_json(fenced.group(1) if fenced else content)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "reply"
            raise JudgeError(
                f"llm judge {self.model}: the reply is not the verdict JSON asked for "
                f"({where}: {first['msg']}): {clip(content, 200)!r}"
            ) from exc

    def _note(self, usage: _Usage) -> str:
        calls = f" in {usage.calls} calls" if usage.calls > 1 else ""
        cost = "cost unknown" if usage.cost is None else _dollars(usage.cost)
        tokens = f"{usage.prompt} prompt + {usage.completion} completion tokens"
        return f"llm judge {self.model}: {tokens}{calls}, {cost}"
