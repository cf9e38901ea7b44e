"""The embedded default estimator: value grounding, lexical support, contradiction and hedge cues.

Runs offline on numpy and the standard library. Each claim gets a feature vector f (floats, in
the fixed order of `FEATURES` for its kind) and a raw support p = sigmoid(w . f), with the
weights w taken from `Coefficients`. `DefaultEstimator()` is the learned default: the weights
and the calibration (`agentguard.estimators.calibrated`) that `training/fit.py` fits on the
train splits of the public sets and on agent conversations drawn from the bundled suites'
templates, shipped in `fitted_coefficients.json`. `DefaultEstimator.hand_set()` gives the
hand-set weights without calibration, and `DefaultEstimator.fitted(path)` a fit of your own.

The features and their weights are described in `agentguard.estimators.coefficients`.
"""

from __future__ import annotations

import functools
import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from agentguard.estimators.argument_lookup import CONTRADICTABLE, argument_lookup, slot_rival
from agentguard.estimators.base import Answer, Estimate, Estimator
from agentguard.estimators.calibrated import SupportCalibration
from agentguard.estimators.coefficients import FEATURES, Coefficients, FeatureKind
from agentguard.estimators.index import ContextIndex, Hit, index_of
from agentguard.estimators.mentions import (
    REFERENCE_KINDS,
    Mention,
    Slot,
    json_rival,
    read_mentions,
)
from agentguard.estimators.question_model import features as question_features
from agentguard.estimators.question_model import support as question_support
from agentguard.estimators.questions import (
    AskedParam,
    Candidate,
    answer_candidates,
    answer_of_kind,
    asked_kinds,
    asked_params,
    corrections,
)
from agentguard.text.lexicon import HEDGE_RE, QUESTION_FILLER
from agentguard.text.tokens import content_terms, has_negation, negated_near
from agentguard.text.values import Value, extract_values, fold
from agentguard.types import ClaimDraft, Context, Evidence


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def _evidence(index: ContextIndex, hit: Hit, note: str | None = None) -> Evidence:
    """Evidence with its span in the source text as the agent saw it."""
    text = index.originals[hit.source]
    a, b = max(0, hit.span[0]), min(len(text), hit.span[1])
    return Evidence(source=hit.source, span=(a, b), text=text[a:b], note=note)


@dataclass(frozen=True)
class _Signals:
    """What the estimator found about one claim, before the weights are applied."""

    kind: FeatureKind
    features: list[float]
    contradicted: bool = False
    hedged: bool = False
    evidence: tuple[Evidence, ...] = ()
    schema_only: bool = False  # only the schema default supports it: report p without it too
    p: float | None = None
    """The support itself, for a question mapped to a parameter: its answer's support."""
    answer: Answer | None = None


@dataclass(frozen=True)
class QuestionAnswer:
    """A value the context may state for what a question asks, and how sure that is."""

    asked: AskedParam
    """The parameter the question is taken to ask for."""
    candidate: Candidate
    """The value, where it sits and how it was found."""
    features: list[float]
    """Its feature vector (`question_model.FEATURES`)."""
    support: float
    """The question model's probability that the context states it for that parameter."""
    evidence: Evidence
    """The sentence (or tool result) that states it."""


_TAKEN_BACK = "stated, then taken back"
_ANSWERED = 0.5
"""A candidate at least this likely answers the question; two such disagreeing conflict."""


@dataclass
class _Lexical:
    """How well the best context sentences cover a claim's content words."""

    top: list[tuple[int, float]]
    best: float
    anywhere: float
    terms: set[str]
    """The claim's content terms."""


@functools.cache
def _shipped() -> tuple[Coefficients, SupportCalibration]:
    """The shipped fitted weights and calibration, read once per process."""
    return Coefficients.fitted(), SupportCalibration.fitted()


class DefaultEstimator(Estimator):
    """Offline support estimator (see the module docstring).

    Example:
        >>> from agentguard import Monitor
        >>> Monitor(estimator=DefaultEstimator()).estimator.name
        'default'
    """

    name = "default"

    def __init__(
        self,
        coefficients: Coefficients | None = None,
        calibration: SupportCalibration | None = None,
    ) -> None:
        """The learned default when called without arguments.

        With arguments: the weights given (hand-set when only a calibration is given),
        calibrated when a calibration is given.

        Raises:
            InputError: when the shipped fitted file is missing or malformed.
        """
        if coefficients is None and calibration is None:
            coefficients, calibration = _shipped()
        self.k = coefficients or Coefficients()
        self.calibration = calibration
        # Read once: `logit` runs for every claim.
        self._weights = {kind: self.k.weights(kind) for kind in FEATURES}

    @classmethod
    def fitted(cls, path: str | Path | None = None) -> DefaultEstimator:
        """The weights and calibration of a file `training/fit.py` wrote.

        Args:
            path: The fitted file; the `fitted_coefficients.json` the package ships (the
                default estimator) when omitted.

        Raises:
            InputError: when the file is missing or malformed (naming the field).
        """
        if path is None:
            return cls()
        return cls(Coefficients.fitted(path), SupportCalibration.fitted(path))

    @classmethod
    def hand_set(cls) -> DefaultEstimator:
        """The hand-set weights (`Coefficients()`), without calibration."""
        return cls(Coefficients())

    def score(
        self, claims: Sequence[ClaimDraft], context: Context, output_text: str
    ) -> list[Estimate]:
        """One estimate per claim; the context is indexed once for the whole batch."""
        out = []
        cal = self.calibration
        for s in self._signals(claims, context, output_text):
            if s.p is not None:  # a question whose parameter was found: scored already
                out.append(self._question_estimate(s))
                continue
            p = _sigmoid(self.logit(s.kind, s.features))
            without = _sigmoid(self.k.arg_nothing) if s.schema_only else None
            if cal is not None and s.kind != "question":
                p = cal.claim(s.kind, p)
                without = None if without is None else cal.claim(s.kind, without)
            out.append(Estimate(p, s.contradicted, s.hedged, s.evidence, without))
        return out

    def _question_estimate(self, s: _Signals) -> Estimate:
        """A mapped question's estimate; answered by a default, `without` is unanswered."""
        p = s.p if s.p is not None else 0.0
        default = s.answer is not None and s.answer.origin == "default"
        without = self._unanswered() if default else None
        return Estimate(p, False, False, s.evidence, without, answer=s.answer)

    def _unanswered(self) -> float:
        return _sigmoid(self.logit("question", [1.0, 0.0, 0.0, 0.0, 0.0]))

    def _argument_support(self, s: _Signals) -> float:
        """The support `score` gives an argument's signals (calibrated when it calibrates)."""
        p = _sigmoid(self.logit(s.kind, s.features))
        return self.calibration.claim(s.kind, p) if self.calibration is not None else p

    def response_support(self, supports: Sequence[float]) -> float | None:
        """P(every claim is supported) from the supports of an output's asserted claims.

        The product of the supports, or the fitted response model when the estimator has a
        calibration; None without claims.
        """
        if self.calibration is not None:
            return self.calibration.response_support(supports)
        return math.prod(supports) if supports else None

    def features(
        self, claims: Sequence[ClaimDraft], context: Context, output_text: str
    ) -> list[tuple[str, list[float]]]:
        """Per claim, the kind of weight vector that applies and its feature vector.

        The kind is `text`, `argument` or `question` (a free-text argument is scored as
        text); the vector follows the order of `FEATURES[kind]`, and `score` gives
        p = sigmoid(`logit(kind, vector)`).
        """
        return [(s.kind, s.features) for s in self._signals(claims, context, output_text)]

    def logit(self, kind: FeatureKind, features: Sequence[float]) -> float:
        """The log-odds w . f of a feature vector under this estimator's coefficients."""
        weights = self._weights[kind]
        if len(features) != len(weights):
            raise ValueError(f"{kind}: {len(features)} features, expected {len(weights)}")
        z = 0.0
        for w, f in zip(weights, features, strict=True):
            z += w * f  # summed in order, left to right, so the hand-set weights stay exact
        return z

    def _signals(
        self, claims: Sequence[ClaimDraft], context: Context, output_text: str
    ) -> list[_Signals]:
        index = index_of(context)
        terms = [content_terms(c.text) if c.kind != "argument" else set() for c in claims]
        index.prefetch([t for ts in terms for t in ts])
        hedge_spans = [m.span() for m in HEDGE_RE.finditer(output_text)]
        hedges = [fold(output_text[max(0, a - 80) : b + 80]) for a, b in hedge_spans]
        out: list[_Signals] = []
        for claim, claim_terms in zip(claims, terms, strict=True):
            if claim.kind == "argument":
                out.append(self._argument(claim, index, hedges))
            elif claim.kind == "question":
                out.append(self._question(claim, index))
            else:
                lex = self._lexical(claim_terms, index)
                sig = self._text(claim.text, list(claim.values), index, lex)
                sa, sb = claim.sentence_span or claim.span or (0, 0)
                if any(sa <= a < sb for a, _ in hedge_spans):
                    sig = replace(sig, hedged=True)
                out.append(sig)
        return out

    # -- text ------------------------------------------------------------------------------

    def _lexical(self, stems: set[str], index: ContextIndex) -> _Lexical:
        # Sorted, so sums and ties do not follow the process's string hashing.
        weights = {t: index.idf(t) for t in sorted(stems)}
        total = sum(weights.values()) or 1.0
        found = [t for t in weights if len(index.sentences_with(t))]
        anywhere = sum(weights[t] for t in found)
        if not found:
            return _Lexical([], 0.0, 0.0, stems)
        postings = [index.sentences_with(t) for t in found]
        lengths = [len(p) for p in postings]
        if sum(lengths) < 256:  # few postings: a dict is cheaper than numpy's call overhead
            acc: dict[int, float] = {}
            for t, p in zip(found, postings, strict=True):
                w = weights[t]
                for si in p.tolist():
                    acc[si] = acc.get(si, 0.0) + w
            # Highest score first, then the earliest sentence: plain tuples, no key function.
            leaders = heapq.nsmallest(3, [(-score, si) for si, score in acc.items()])
            top = [(si, -neg / total) for neg, si in leaders]
            return _Lexical(top, top[0][1], anywhere / total, stems)
        # Weighted word overlap of every sentence at once: one bincount over the postings.
        scores = np.bincount(
            np.concatenate(postings),
            weights=np.repeat([weights[t] for t in found], lengths),
            minlength=index.n_sentences,
        )
        best = np.argpartition(scores, -3)[-3:] if len(scores) > 3 else np.arange(len(scores))
        ranked = sorted(
            ((int(i), float(scores[i]) / total) for i in best), key=lambda kv: (-kv[1], kv[0])
        )
        top = [(si, cov) for si, cov in ranked if cov > 0]
        return _Lexical(top, top[0][1] if top else 0.0, anywhere / total, stems)

    def _text(
        self,
        text: str,
        values: list[Value],
        index: ContextIndex,
        lex: _Lexical | None = None,
    ) -> _Signals:
        if lex is None:
            lex = self._lexical(content_terms(text), index)
        evidence: list[Evidence] = []
        missing: list[Value] = []
        cited: set[Hit] = set()  # a value repeated in the claim cites its first hit once
        for v in values:
            hits = index.find_value(v)
            if not hits and v.kind == "name" and " " in v.text:
                # "Flight UA 455": a capital that only opens the sentence is no part of the name.
                hits = index.find_phrase(v.text.split(" ", 1)[1])
            if hits and hits[0] not in cited:
                cited.add(hits[0])
                evidence.append(_evidence(index, hits[0]))
            if not hits:
                missing.append(v)
        contradiction = self._contradiction(text, values, missing, lex, index, evidence)
        negation = contradiction == "negation"
        if lex.top and lex.best >= 0.3:
            evidence.append(_evidence(index, index.sentence(lex.top[0][0])))
        features = [
            1.0,
            lex.best,
            lex.anywhere,
            float(bool(values) and not missing),
            float(bool(missing)),
            len(missing) / len(values) if values else 0.0,
            float(bool(contradiction) and not negation),
        ]
        t = float(index.has_documents)  # set when the index is built
        features += [t, t * lex.best, t * lex.anywhere, float(negation)]
        features.append(t * _attributes_missing(lex.terms, values, index))
        return _Signals("text", features, bool(contradiction), False, tuple(_dedupe(evidence)))

    def _contradiction(
        self,
        text: str,
        values: list[Value],
        missing: list[Value],
        lex: _Lexical,
        index: ContextIndex,
        evidence: list[Evidence],
    ) -> str:
        """How the context contradicts the claim, or the empty string.

        `value`: the same slot holds another value (a number, date or name); `negation`: a
        sentence says the same but for a negation among the claim's words.
        """
        negated: bool | None = None  # computed only when a sentence is close enough to compare
        # A value the claim itself states is no rival ("from Boston to Denver" vs "to Denver").
        stated = {key for v in values for key in v.keys}
        for si, cov in lex.top:
            for v in missing:
                if v.kind not in CONTRADICTABLE or cov < (0.6 if v.kind == "name" else 0.5):
                    continue
                rivals = [
                    w
                    for w in index.sentence_values(si)
                    if w.kind == v.kind and not stated.intersection(w.keys)
                ]
                if rivals:
                    evidence.append(_evidence(index, index.sentence_value_hit(si, rivals[0])))
                    return "value"
            if cov < 0.75:
                continue
            if negated is None:
                negated = has_negation(text)
            if negated != negated_near(index.sentence_text(si), lex.terms):
                evidence.append(_evidence(index, index.sentence(si)))
                return "negation"
        return ""

    # -- arguments -------------------------------------------------------------------------

    def _argument(self, claim: ClaimDraft, index: ContextIndex, hedges: list[str]) -> _Signals:
        value = claim.value
        param = index.context.param(claim.tool, claim.path)
        # Hedged when a hedge in the output text sits next to the value ("I'll assume economy").
        hedged = value is not None and any(fold(str(value)) in h for h in hedges)
        schema_ev: list[Evidence] = []
        if param is not None and param.has_default and param.default == value:
            sid = f"schema:{param.tool}.{param.path}"
            text = index.originals[sid]
            schema_ev = [
                Evidence(source=sid, span=(0, len(text)), text=text, note="schema default")
            ]

        if isinstance(value, str) and len(value.split()) > 6 and not index.find_phrase(value):
            # Free text the model composed (a message body, a search query): score it as text.
            # Text the context holds word for word (a post the user dictated) is a value found.
            values = extract_values(value, index.today, claim=True)
            return replace(self._text(value, values, index), hedged=hedged)

        found = argument_lookup(claim, index)
        hits, partial, parts = found.hits, found.partial, found.parts
        unheld: list[Evidence] = []  # mentions that do not state the value for this slot
        denied = stale = False
        evidence: list[Evidence] = []
        notes = found.notes
        slot: Slot | None = None
        if hits and not found.worded:
            slot = Slot.of(claim, index, found.kind)
            mentions = read_mentions(hits, slot, index)
            held = [m for m in mentions if m.supports]
            if not held:
                # Mentioned, but denied, asked, supposed or for another slot: not stated, and
                # its words found there are no partial support either.
                denied = any(m.denies for m in mentions)
                unheld = [_evidence(index, m.hit, m.note()) for m in mentions]
                partial, parts = 0.0, []
            if held:
                later = self._overridden(claim, held, mentions, index)
                if later is not None:  # denied or corrected after it was stated: stale
                    evidence.append(later)
                    unheld = [_evidence(index, m.hit, _TAKEN_BACK) for m in held]
                    stale, held, partial, parts = True, [], 0.0, []
            hits = [m.hit for m in held]
            notes = {m.hit: _joined(found.notes.get(m.hit), m.note()) for m in held}
        # exact, schema_default, partial_branch, partial_coverage, nothing
        features = [0.0] * 5
        if hits:
            features[0] = 1.0
        elif schema_ev:
            features[1] = 1.0
        elif partial > 0:
            features[2], features[3] = 1.0, partial
        else:
            features[4] = 1.0
        evidence = [_evidence(index, h, notes.get(h)) for h in hits or parts] + evidence
        contradicted = (denied or stale) and not schema_ev
        evidence += unheld
        if not hits and not schema_ev and not denied:
            rival = slot_rival(claim, found.kind, index) or json_rival(
                value, slot or Slot.of(claim, index, found.kind), index
            )
            if rival is not None:
                evidence.append(_evidence(index, rival, "another value for the same slot"))
                contradicted = True
        return _Signals(
            "argument",
            features,
            contradicted,
            hedged,
            tuple(_dedupe(evidence or schema_ev)),
            schema_only=bool(schema_ev) and not hits,
        )

    @staticmethod
    def _overridden(
        claim: ClaimDraft, held: list[Mention], mentions: list[Mention], index: ContextIndex
    ) -> Evidence | None:
        """A user's denial or correction that comes after every statement of the value.

        "Sorry, I meant Chicago, not Boston." after "from Boston": the value was stated, then
        taken back, so stating it is no support for it now.
        """
        last = max(index.sentence_at(m.hit) for m in held)
        for m in mentions:
            if m.denies and m.holder == "user" and index.sentence_at(m.hit) > last:
                return _evidence(index, m.hit, "the user takes it back later")
        param = index.context.param(claim.tool, claim.path)
        if param is None:
            return None
        wanted = fold(str(claim.value)).strip()
        for cand in corrections(param, index):
            if cand.sentence > last and fold(str(cand.value)).strip() != wanted and cand.hit:
                return _evidence(index, cand.hit, "a later correction gives another value")
        return None

    # -- questions -------------------------------------------------------------------------

    def _question(self, claim: ClaimDraft, index: ContextIndex) -> _Signals:
        """Whether the context already answers the question.

        A question that asks for a tool parameter (`questions.asked_params`) is answered by a
        value the context states for that parameter, found as the argument itself would be
        (`_argument`); two different values leave it unanswered (ask which). Unanswered, an
        optional parameter with a schema default is answered by the default. A question that
        asks for no parameter is scored by its slot words (`_question_words`).
        """
        params = asked_params(claim.text, index.context)
        if not params:
            stated = answer_of_kind(claim.text, index)
            if stated is None:
                return self._question_words(claim, index)
            si, value = stated
            hit = index.sentence_value_hit(si, value)
            ev = _evidence(index, index.sentence(si), f"{index.kinds.get(hit.source)} states it")
            p = self._argument_support(_Signals("argument", [1.0, 0.0, 0.0, 0.0, 0.0]))
            return _Signals("question", [1.0, 0.0, 0.0, 0.0, 0.0], evidence=(ev,), p=p)
        unanswered = self._unanswered()
        answers = self._answers(params, index)
        found = [a for a in answers if a.support >= _ANSWERED]
        if found:
            best = max(found, key=lambda a: (a.support, a.candidate.sentence))
            key = fold(str(best.candidate.value)).strip()
            rivals = [  # another value stated outright for the slot, somewhere else
                a
                for a in answers
                if fold(str(a.candidate.value)).strip() != key
                and a.candidate.sentence != best.candidate.sentence
                and (
                    a.support >= _ANSWERED
                    or a.candidate.strong
                    or a.candidate.kind in REFERENCE_KINDS  # a second email is no slip
                )
            ]
            if rivals:  # two values stated for the slot: stale or ambiguous, so ask which
                evidence = tuple(a.evidence for a in (best, *rivals))[:4]
                return _Signals("question", [1.0, 0.0, 0.0, 0.0, 0.0], evidence=evidence,
                                p=unanswered)  # fmt: skip
            cand = best.candidate
            answer = Answer(cand.param.tool, cand.param.path, cand.value, "stated")
            return _Signals("question", [1.0, 0.0, 0.0, 0.0, 0.0], evidence=(best.evidence,),
                            p=best.support, answer=answer)  # fmt: skip
        shown = {fold(str(a.candidate.value)).strip(): a for a in answers}
        if len(shown) > 1:  # values the context gives the slot, none sure: show them all
            ranked = sorted(shown.values(), key=lambda a: -a.support)[:4]
            evidence = tuple(a.evidence for a in ranked)
            return _Signals("question", [1.0, 0.0, 0.0, 0.0, 0.0], evidence=evidence,
                            p=unanswered)  # fmt: skip
        asked = [a.param for a in params]
        defaults = [p for p in asked if not p.required and p.has_default]
        if defaults and len(defaults) == len(asked):  # every parameter it may ask for
            for param in defaults[:1]:
                sid = f"schema:{param.tool}.{param.path}"
                text = index.originals.get(sid, "")
                ev = Evidence(source=sid, span=(0, len(text)), text=text, note="schema default")
                p = self._argument_support(_Signals("argument", [0.0, 1.0, 0.0, 0.0, 0.0]))
                answer = Answer(param.tool, param.path, param.default, "default")
                return _Signals("question", [1.0, 0.0, 0.0, 0.0, 0.0], evidence=(ev,), p=p,
                                answer=answer)  # fmt: skip
        return _Signals("question", [1.0, 0.0, 0.0, 0.0, 0.0], p=unanswered)

    def question_answers(self, question: str, context: Context) -> list[QuestionAnswer]:
        """Every value the context may state for what `question` asks, with its support.

        The candidates of each parameter the question asks for (`questions.asked_params`,
        `questions.answer_candidates`) that the context states for that parameter as the
        argument itself would be stated (`_argument`), each scored by the question model
        (`agentguard.estimators.question_model`). Empty for a question that asks for no
        parameter.
        """
        index = index_of(context)
        return self._answers(asked_params(question, context), index)

    def _answers(self, params: list[AskedParam], index: ContextIndex) -> list[QuestionAnswer]:
        out = []
        for asked in params:
            param = asked.param
            stated = []
            for cand in answer_candidates(param, index):
                draft = ClaimDraft(
                    kind="argument",
                    text=f"{param.path}={cand.value}",
                    tool=param.tool,
                    path=param.path.replace("[]", "[0]"),
                    value=cand.value,
                )
                sig = self._argument(draft, index, [])
                if sig.kind != "argument":
                    continue  # free text, scored as text
                taken_back = any(e.note == _TAKEN_BACK for e in sig.evidence)
                if not taken_back and (sig.features[0] != 1.0 or sig.contradicted):
                    continue  # not stated for the slot
                stated.append((cand, sig, taken_back))
            for cand, sig, taken_back in stated:
                key = fold(str(cand.value)).strip()
                rivals = [c for c, _, _ in stated if fold(str(c.value)).strip() != key]
                f = question_features(asked, cand, rivals)
                evidence = self._answer_evidence(sig, index)
                # A value stated, then taken back, answers nothing, but still shows that the
                # slot had two values (the question's conflict rule).
                support = 0.0 if taken_back else question_support(f)
                out.append(QuestionAnswer(asked, cand, f, support, evidence))
        return out

    @staticmethod
    def _answer_evidence(sig: _Signals, index: ContextIndex) -> Evidence:
        """The sentence that states an answer, with the note on how it states it."""
        own = [e for e in sig.evidence if e.note == _TAKEN_BACK]  # where it was stated
        first = own[0] if own else sig.evidence[0]
        hit = Hit(first.source, first.span)
        sentence = index.sentence(index.sentence_at(hit))
        if sentence.source != first.source:  # a value that spans sentences: keep the value
            return first
        return _evidence(index, sentence, first.note)

    def _question_words(self, claim: ClaimDraft, index: ContextIndex) -> _Signals:
        """Whether the context already answers the question: its slot words sit by a value."""
        slot = {t for t in content_terms(claim.text) if t not in QUESTION_FILLER and len(t) > 2}
        counts: dict[int, int] = {}
        for t in slot:
            for si in index.sentences_with(t).tolist():
                counts[si] = counts.get(si, 0) + 1
        if not counts:
            return _Signals("question", [1.0, 0.0, 0.0, 0.0, 0.0])
        best_si, best = -1, -1.0
        candidates = heapq.nlargest(5, counts.items(), key=lambda kv: (kv[1], -kv[0]))
        for si, n in candidates:
            score = n / len(slot) + (0.5 if index.sentence_has_value(si) else 0.0)
            if score > best:
                best_si, best = si, score
        cov = counts[best_si] / len(slot)
        has_value = index.sentence_has_value(best_si)
        # One slot word ("where ... flying from?") says less about what is asked than two
        # ("order number"): its coverage counts half.
        cov_weight = min(1.0, len(slot) / 2)
        user_exact = index.sentence_kind(best_si) == "user" and cov == 1.0 and len(slot) >= 2
        # A sentence with a slot word that holds a value of the kind asked for answers it.
        asked = asked_kinds(claim.text)
        answered = next(
            (
                si
                for si, _ in candidates
                if asked and any(_answers(v, asked) for v in index.sentence_values(si))
            ),
            None,
        )
        features = [1.0, cov * cov_weight, float(has_value), float(user_exact), 0.0]
        if answered is not None:
            features[4] = 1.0
            best_si = answered
        return _Signals("question", features, evidence=(_evidence(index, index.sentence(best_si)),))


def _attributes_missing(terms: set[str], values: list[Value], index: ContextIndex) -> float:
    """The idf-weighted share of a naming claim's other words that occur nowhere in the context.

    0 for a claim without names or without other words.

    "The Aero X1 comes with a lifetime warranty" is about the Aero X1, and a source that names
    the Aero X1 says nothing of the warranty: the name is checked as a value (found or
    missing), and this says whether what is claimed of it is found at all.
    """
    names = [content_terms(v.text) for v in values if v.kind == "name"]
    if not names:
        return 0.0
    rest = sorted(terms - set().union(*names))
    if not rest:
        return 0.0
    weights = [index.idf(t) for t in rest]
    missing = sum(w for t, w in zip(rest, weights, strict=True) if not _occurs(t, index))
    return missing / sum(weights)


def _occurs(t: str, index: ContextIndex) -> bool:
    """True if the term, or a word that begins like it, occurs ("stars" and "starring")."""
    return len(index.sentences_with(t)) > 0 or bool(index.find_prefix(t[: max(4, len(t) - 2)]))


def _answers(value: Value, asked: frozenset[str]) -> bool:
    """A value of a kind asked for; a percentage is a rate, never the amount asked for."""
    return value.kind in asked and not value.text.endswith(("%", "percent"))


def _joined(*notes: str | None) -> str:
    return "; ".join(n for n in notes if n)


def _dedupe(evidence: list[Evidence]) -> list[Evidence]:
    seen, out = set(), []
    for e in evidence:
        if (e.source, e.span) not in seen:
            seen.add((e.source, e.span))
            out.append(e)
    return out
