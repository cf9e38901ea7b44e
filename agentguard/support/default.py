"""The embedded default estimator: value grounding, lexical support, contradiction and hedge cues.

Runs offline on the standard library. Signals are combined by a logistic model whose
coefficients live in `Coefficients`; they are set by hand for now and meant to be refitted.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from agentguard.claims import ClaimDraft
from agentguard.context import Context
from agentguard.support.base import Estimate
from agentguard.support.index import ContextIndex, content_tokens, has_negation
from agentguard.support.lexicon import HEDGE_RE, QUESTION_FILLER
from agentguard.support.values import Value, extract_values, fold, num_key
from agentguard.types import Evidence

_CONTRADICTABLE = ("number", "money", "date", "time", "email", "phone", "id", "name")


@dataclass(frozen=True)
class Coefficients:
    """Weights of the logistic combination of signals (log-odds units)."""

    text_bias: float = -2.6
    text_best_sentence: float = 4.0
    text_anywhere: float = 1.6
    text_values_found: float = 0.8
    text_values_missing: float = -3.2
    text_any_value_missing: float = -1.5
    text_contradiction: float = -3.0
    arg_exact: float = 3.2
    arg_schema_default: float = 1.7
    arg_partial_bias: float = -3.0
    arg_partial: float = 6.0
    arg_nothing: float = -2.4
    arg_bool_mentioned: float = 0.4
    question_bias: float = -2.5
    question_slot: float = 3.0
    question_value: float = 1.5
    question_user_exact: float = 1.0


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def _evidence(index: ContextIndex, source: str, span: tuple[int, int]) -> Evidence:
    """Evidence with its span in the source text as the agent saw it."""
    a, b = index.locate(source, span)
    text = index.originals[source]
    a, b = max(0, a), min(len(text), b)
    return Evidence(source=source, span=(a, b), text=text[a:b])


def _phrase_hits(phrase: str, index: ContextIndex) -> list[Evidence]:
    """Where a phrase occurs, whole words, accents and case ignored (schema sources excluded)."""
    folded = " ".join(fold(phrase).replace("_", " ").split())
    if not folded:
        return []
    pattern = re.compile(r"(?<!\w)" + re.escape(folded).replace(r"\ ", r"[\s_-]+") + r"(?!\w)")
    hits = []
    for sid, text in index.folded.items():
        if sid.startswith("schema:"):
            continue
        m = pattern.search(text)
        if m:
            hits.append(_evidence(index, sid, m.span()))
    return hits


def _value_hits(value: Value, index: ContextIndex) -> list[Evidence]:
    hits = []
    seen: set[tuple[str, tuple[int, int]]] = set()
    for key in value.query:
        for sid, v in index.keys.get(key, ()):
            if (sid, v.span) not in seen and not sid.startswith("schema:"):
                seen.add((sid, v.span))
                hits.append(_evidence(index, sid, v.span))
    if not hits and value.kind in ("name", "quoted"):
        inner = value.text.strip('"“”')
        hits = _phrase_hits(inner.replace(".", ""), index) or _phrase_hits(inner, index)
    return hits


def _whole_value(text: str, index: ContextIndex) -> Value | None:
    """The single typed value a string argument is, if it is one ("2024-05-03", "$20")."""
    values = extract_values(text, index.today, claim=True)
    if len(values) == 1 and len(values[0].text) >= 0.8 * len(text.strip()):
        return values[0]
    return None


class DefaultEstimator:
    """Offline support estimator (see the module docstring).

    Example:
        >>> from agentguard import Monitor
        >>> Monitor(estimator=DefaultEstimator()).estimator.name
        'default'
    """

    name = "default"

    def __init__(self, coefficients: Coefficients | None = None) -> None:
        self.k = coefficients or Coefficients()

    def score(
        self, claims: Sequence[ClaimDraft], context: Context, output_text: str
    ) -> list[Estimate]:
        """One estimate per claim; the context is indexed once for the whole batch."""
        index = ContextIndex.build(context)
        out = []
        for claim in claims:
            if claim.kind == "argument":
                out.append(self._argument(claim, index, output_text))
            elif claim.kind == "question":
                out.append(self._question(claim, index))
            else:
                out.append(self._text(claim.text, claim.sentence, index))
        return out

    # -- text ------------------------------------------------------------------------------

    def _text(self, text: str, sentence: str, index: ContextIndex) -> Estimate:
        k = self.k
        stems = {t for t, _, _ in content_tokens(text)}
        weights = {t: index.idf(t) for t in stems}
        total = sum(weights.values()) or 1.0
        scores: dict[int, float] = {}
        for t in stems:
            w = weights[t]
            for si in index.postings.get(t, ()):
                scores[si] = scores.get(si, 0.0) + w
        top = heapq.nlargest(3, scores.items(), key=lambda kv: kv[1])
        cov_best = top[0][1] / total if top else 0.0
        cov_any = sum(w for t, w in weights.items() if t in index.postings) / total

        evidence: list[Evidence] = []
        values = extract_values(text, index.today, claim=True)
        missing: list[Value] = []
        for v in values:
            hits = _value_hits(v, index)
            evidence += hits[:1]
            if not hits:
                missing.append(v)
        contradiction = self._contradiction(text, missing, top, total, index, evidence)
        if top and cov_best >= 0.3:
            s = index.sentences[top[0][0]]
            evidence.append(_evidence(index, s.source, s.span))
        z = k.text_bias + k.text_best_sentence * cov_best + k.text_anywhere * cov_any
        if values:
            z += k.text_values_found * (not missing) + k.text_any_value_missing * bool(missing)
            z += k.text_values_missing * len(missing) / len(values)
        z += k.text_contradiction * contradiction
        hedged = bool(HEDGE_RE.search(sentence or text))
        return Estimate(_sigmoid(z), contradiction, hedged, tuple(_dedupe(evidence)))

    def _contradiction(
        self,
        text: str,
        missing: list[Value],
        top: list[tuple[int, float]],
        total: float,
        index: ContextIndex,
        evidence: list[Evidence],
    ) -> bool:
        """Same slot, other value (a number, date or name), or a negation mismatch."""
        negated = has_negation(text)
        # A value the claim itself states is no rival ("from Boston to Denver" vs "to Denver").
        stated = {key for v in extract_values(text, index.today, claim=True) for key in v.keys}
        for si, score in top:
            s = index.sentences[si]
            cov = score / total
            for v in missing:
                if v.kind not in _CONTRADICTABLE or cov < (0.6 if v.kind == "name" else 0.5):
                    continue
                rivals = [w for w in s.values if w.kind == v.kind and not set(w.keys) & stated]
                if rivals:
                    evidence.append(_evidence(index, s.source, rivals[0].span))
                    return True
            if cov >= 0.75 and negated != s.negated:
                evidence.append(_evidence(index, s.source, s.span))
                return True
        return False

    # -- arguments -------------------------------------------------------------------------

    def _argument(self, claim: ClaimDraft, index: ContextIndex, output_text: str) -> Estimate:
        k = self.k
        value = claim.value
        param = index.context.param(claim.tool, claim.path)
        hedged = self._argument_hedged(claim, output_text)
        schema_ev: list[Evidence] = []
        if param is not None and param.has_default and param.default == value:
            sid = f"schema:{param.tool}.{param.path}"
            schema_ev = [_evidence(index, sid, (0, len(index.originals[sid])))]

        if isinstance(value, str) and len(value.split()) > 6:
            # Free text the model composed (a message body, a search query): score it as text.
            est = self._text(value, "", index)
            return Estimate(est.p, est.contradicted, hedged, est.evidence)

        hits, partial = self._argument_hits(claim, index)
        if hits:
            z = k.arg_exact
        elif schema_ev:
            z = k.arg_schema_default
        elif isinstance(value, bool):
            z = k.arg_nothing + partial * (k.arg_bool_mentioned - k.arg_nothing)
        elif partial > 0:
            z = k.arg_partial_bias + k.arg_partial * partial
        else:
            z = k.arg_nothing
        contradicted = False
        if not hits and not schema_ev:
            contradicted = self._slot_contradiction(claim, index, hits)
        without_schema = None
        if schema_ev and not hits:
            without_schema = _sigmoid(k.arg_nothing)
        evidence = tuple(_dedupe(hits or schema_ev))
        return Estimate(_sigmoid(z), contradicted, hedged, evidence, without_schema)

    def _argument_hits(
        self, claim: ClaimDraft, index: ContextIndex
    ) -> tuple[list[Evidence], float]:
        """Where the value occurs; else how much of it does (0-1, or 1 for a named boolean)."""
        value = claim.value
        if isinstance(value, bool):
            words = (claim.path or "").replace("_", " ").split(".")[-1]
            return [], 1.0 if _phrase_hits(words, index) else 0.0
        if isinstance(value, (int, float)):
            return _value_hits(
                Value("number", str(value), (0, 0), (), (num_key(value),)), index
            ), 0.0
        text = str(value)
        whole = _whole_value(text, index)
        hits = (_value_hits(whole, index) if whole else []) or _phrase_hits(text, index)
        return hits, 0.0 if hits else self._token_coverage(text, index)

    def _token_coverage(self, value: str, index: ContextIndex) -> float:
        stems = {t for t, _, _ in content_tokens(value.replace("_", " "))}
        if not stems:
            return 0.0
        best: Counter[int] = Counter()
        for t in stems:
            for si in index.postings.get(t, ()):
                if not index.sentences[si].source.startswith("schema:"):
                    best[si] += 1
        return best.most_common(1)[0][1] / len(stems) if best else 0.0

    def _slot_contradiction(
        self, claim: ClaimDraft, index: ContextIndex, evidence: list[Evidence]
    ) -> bool:
        """The user or a tool names the parameter with another value of the same kind."""
        if claim.value is None or isinstance(claim.value, bool):
            return False
        text = str(claim.value)
        whole = _whole_value(text, index)
        if whole is None or whole.kind not in _CONTRADICTABLE or whole.kind == "name":
            return False
        slot = {t for t, _, _ in content_tokens((claim.path or "").replace("_", " "))}
        for t in slot:
            for si in index.postings.get(t, ()):
                s = index.sentences[si]
                if s.kind in ("user", "tool") and any(w.kind == whole.kind for w in s.values):
                    rival = next(w for w in s.values if w.kind == whole.kind)
                    evidence.append(_evidence(index, s.source, rival.span))
                    return True
        return False

    @staticmethod
    def _argument_hedged(claim: ClaimDraft, output_text: str) -> bool:
        if not output_text or claim.value is None:
            return False
        needle = fold(str(claim.value))
        for m in HEDGE_RE.finditer(output_text):
            window = fold(output_text[max(0, m.start() - 80) : m.end() + 80])
            if needle in window:
                return True
        return False

    # -- questions -------------------------------------------------------------------------

    def _question(self, claim: ClaimDraft, index: ContextIndex) -> Estimate:
        """P(the context already answers the question): its slot words sit next to a value."""
        k = self.k
        slot = {
            t for t, _, _ in content_tokens(claim.text) if t not in QUESTION_FILLER and len(t) > 2
        }
        if not slot:
            return Estimate(_sigmoid(k.question_bias))
        best, best_si = 0.0, -1
        for t in slot:
            for si in index.postings.get(t, ()):
                s = index.sentences[si]
                if s.kind == "schema":
                    continue
                cov = len(slot & s.tokens) / len(slot)
                has_value = bool(s.values)
                score = cov + (0.5 if has_value else 0.0)
                if score > best:
                    best, best_si = score, si
        if best_si < 0:
            return Estimate(_sigmoid(k.question_bias))
        s = index.sentences[best_si]
        cov = len(slot & s.tokens) / len(slot)
        z = k.question_bias + k.question_slot * cov + k.question_value * bool(s.values)
        if s.kind == "user" and cov == 1.0 and len(slot) >= 2:
            z += k.question_user_exact
        ev = (_evidence(index, s.source, s.span),)
        return Estimate(_sigmoid(z), False, False, ev)


def _dedupe(evidence: list[Evidence]) -> list[Evidence]:
    seen, out = set(), []
    for e in evidence:
        if (e.source, e.span) not in seen:
            seen.add((e.source, e.span))
            out.append(e)
    return out
