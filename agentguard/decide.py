"""Flags from scored claims, and the cost-based decision rule.

For each flagged claim with support `p`: proceeding costs `(1 - p) * cost_wrong`, asking costs
`costs.ask_user`, a resolver tool `cost_tool`, a retry `costs.retry`, blocking `costs.block`;
the cheapest wins. Then the most disruptive action any claim needs is taken for the output,
and every fact the user must supply goes into one question.

The other direction uses the same rule: a question the context already answers costs
`costs.ask_user` if sent, and carrying on with the value the context holds costs
`(1 - p) * cost_wrong`; when that is cheaper the question is flagged (`redundant_question`, or
`needless_question` when the schema's default is what the call needs) and, under a policy whose
setting for it is `use_context`, the agent carries on with the known value instead of asking.
A tool call whose result the agent already has (`agentguard.needless_calls`) costs its tool
cost for nothing: it is flagged `needless_tool_call` and its result is used instead.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from agentguard.needless_calls import NeedlessCall
from agentguard.policy import Policy
from agentguard.types import (
    Action,
    Claim,
    Context,
    Decision,
    Flag,
    KnownValue,
    MalformedCall,
    ToolCallRequest,
    generic_path,
)

_PRIORITY: tuple[Action, ...] = (
    "block",
    "call_tool",
    "ask_user",
    "retry",
    "use_context",
    "annotate",
    "allow",
)


@dataclass(frozen=True)
class _Choice:
    action: Action
    claim: Claim | None
    cost: float
    proceed_cost: float
    resolver: str | None = None
    known: KnownValue | None = None


def cost_wrong(claim: Claim, policy: Policy) -> float:
    """What letting this claim through costs if it is wrong."""
    if claim.kind == "argument":
        return policy.cost_wrong_argument(claim.tool, generic_path(claim.path or ""))
    if claim.kind == "question":
        return policy.costs.wrong_question
    return policy.costs.wrong_text


def make_flags(
    claims: list[Claim],
    malformed: list[MalformedCall],
    policy: Policy,
    needless: list[NeedlessCall] | None = None,
) -> list[Flag]:
    """Flags for unsupported, contradicted, redundant and needless claims and calls."""
    flags: list[Flag] = []
    for c in claims:
        risk = round((1.0 - c.support) * cost_wrong(c, policy), 4)
        if c.kind == "question":
            waste = policy.costs.ask_user - risk
            if c.label == "supported" and waste > 0:
                flags.append(_question_flag(c, waste))
            continue
        rule = policy.rule(c.tool, generic_path(c.path or "")) if c.kind == "argument" else None
        if c.label == "contradicted":
            flags.append(Flag(type="contradiction", claim_id=c.id, risk=risk,
                              message=f"{_what(c)} conflicts with {_cite(c)}"))  # fmt: skip
        elif c.label == "unsupported" and not (rule is not None and rule.may_default):
            kind = "declared_assumption" if c.hedged else "silent_assumption"
            how = "assumed, and says so" if c.hedged else "assumed without saying so"
            flags.append(Flag(type=kind, claim_id=c.id, risk=risk,
                              message=f"{_what(c)} is {how}: no source supports it"))  # fmt: skip
    for m in malformed:
        flags.append(
            Flag(
                type="malformed_tool_call",
                claim_id=None,
                risk=policy.costs.wrong_argument,
                message=f"call {m.index + 1} to {m.tool!r}: {m.reason}",
            )
        )
    for n in needless or []:
        flags.append(
            Flag(
                type="needless_tool_call",
                claim_id=_call_claim(claims, n),
                risk=round(_tool_cost(policy, n.tool), 4),
                message=f"call {n.index + 1}: {n.why}",
            )
        )
    return flags


def _question_flag(c: Claim, waste: float) -> Flag:
    if c.answered_by == "default":
        return Flag(
            type="needless_question",
            claim_id=c.id,
            risk=round(waste, 4),
            message=f"asks for {c.tool}.{c.path}, optional with the default {c.value!r}",
        )
    what = f" ({c.tool}.{c.path}={c.value!r})" if c.path else ""
    return Flag(
        type="redundant_question",
        claim_id=c.id,
        risk=round(waste, 4),
        message=f"asks for what the context already says{what} ({_cite(c)})",
    )


def _call_claim(claims: list[Claim], call: NeedlessCall) -> str | None:
    """The first argument claim of the call, if the call has one."""
    for c in claims:
        if c.kind == "argument" and c.tool == call.tool and c.call_id == call.call_id:
            return c.id
    return None


def _tool_cost(policy: Policy, tool: str) -> float:
    """What calling `tool` costs: a resolver's own cost where the policy names one."""
    costs = [r.cost_tool for r in policy.text_resolvers.values() if r.tool == tool]
    for rules in policy.tools.values():
        costs += [r.cost_tool for r in rules.params.values() if r.resolver == tool]
    return next((c for c in costs if c is not None), policy.costs.tool)


def _what(c: Claim) -> str:
    if c.kind == "argument":
        return f"{c.tool}.{c.path}={c.value!r}"
    return repr(c.text if len(c.text) <= 60 else c.text[:57] + "...")


def _cite(c: Claim) -> str:
    return ", ".join(sorted({e.source for e in c.evidence})) or "no source"


def _choose_call(flag: Flag, call: NeedlessCall, claim: Claim | None, policy: Policy) -> _Choice:
    """A needless tool call: use the result the agent has, or what the policy says."""
    action: Action = policy.needless_tool_call
    known = KnownValue(
        claim_id=flag.claim_id,
        origin="earlier_call" if call.origin == "earlier_call" else "computed",
        tool=call.tool,
        call_id=call.call_id,
        value=call.value,
        evidence=call.evidence,
    )
    return _Choice(action, claim, 0.0, flag.risk, known=known)


def _choose(claim: Claim, flag: Flag, policy: Policy) -> _Choice:
    costs = policy.costs
    proceed = (1.0 - claim.support) * cost_wrong(claim, policy)
    if flag.type == "contradiction":
        action: Action = policy.contradiction
        return _Choice(action, claim, 0.0, proceed)
    if flag.type in ("redundant_question", "needless_question"):
        action = (
            policy.redundant_question
            if flag.type == "redundant_question"
            else policy.needless_question
        )
        known = KnownValue(
            claim_id=claim.id,
            origin="default" if claim.answered_by == "default" else "stated",
            tool=claim.tool,
            path=claim.path,
            value=claim.value,
            evidence=claim.evidence,
        )
        # The flag exists because carrying on costs less than asking (`make_flags`).
        return _Choice(action, claim, proceed, proceed, known=known)
    if flag.type == "declared_assumption" and policy.hedged_assumptions == "allow":
        return _Choice("annotate", claim, proceed, proceed)
    options: dict[Action, float] = {"annotate": proceed, "block": costs.block}
    resolver = None
    if claim.kind == "argument":
        rule = policy.rule(claim.tool, generic_path(claim.path or ""))
        options["ask_user"] = costs.ask_user
        if rule.resolver:
            resolver = rule.resolver
            options["call_tool"] = rule.cost_tool if rule.cost_tool is not None else costs.tool
    else:
        options["retry"] = costs.retry
        text_resolver = policy.text_resolver(claim.value_kinds) if claim.kind == "text" else None
        if text_resolver is not None:
            resolver = text_resolver.tool
            cost = text_resolver.cost_tool
            options["call_tool"] = cost if cost is not None else costs.tool
    # Ties go to the less disruptive action (later in _PRIORITY).
    best = min(options, key=lambda a: (options[a], -_PRIORITY.index(a)))
    return _Choice(best, claim, options[best], proceed, resolver)


def _phrase(claim: Claim, context: Context, policy: Policy) -> str:
    """A noun phrase for what the user should supply, from the policy or the tool schema."""
    path = generic_path(claim.path or "")
    rule = policy.rule(claim.tool, path)
    if rule.question:
        return rule.question
    param = context.param(claim.tool, claim.path)
    desc = (param.description if param else "").strip().rstrip(".")
    if desc:
        first = desc.split()[0].lower()
        desc = desc[0].lower() + desc[1:]
        return desc if first in ("the", "a", "an", "your", "which", "what") else f"the {desc}"
    return "the " + path.replace("[]", "").replace("_", " ").replace(".", " ")


def _join(parts: list[str]) -> str:
    unique = list(dict.fromkeys(parts))
    return unique[0] if len(unique) == 1 else ", ".join(unique[:-1]) + " and " + unique[-1]


def _question(choices: list[_Choice], context: Context, policy: Policy) -> str:
    args = [c.claim for c in choices if c.claim is not None and c.claim.kind == "argument"]
    texts = [c.claim for c in choices if c.claim is not None and c.claim.kind != "argument"]
    parts = []
    if args:
        parts.append(f"Could you tell me {_join([_phrase(a, context, policy) for a in args])}?")
    for t in texts:
        parts.append(f"Could you confirm this: {t.text}?")
    return " ".join(parts)


def decide(
    claims: list[Claim],
    flags: list[Flag],
    context: Context,
    policy: Policy,
    *,
    unchecked: bool = False,
    needless: list[NeedlessCall] | None = None,
) -> Decision:
    """The policy's decision for one output.

    `unchecked` says that a cap on claims (`agentguard.claims.MAX_TEXT_CLAIMS`,
    `MAX_ARGUMENT_CLAIMS`) left part of the output unread. Such an output is never allowed
    silently: an `allow` becomes `annotate` (with the reason saying what went unchecked), and
    under a policy that fails closed, `block`.
    """
    decision = _decide(claims, flags, context, policy, needless or [])
    if not unchecked or decision.action not in ("allow", "annotate"):
        return decision
    why = "part of the output is unchecked (it has more claims than the monitor reads)"
    if policy.fail_mode == "closed":
        return Decision(action="block", reason=f"{why}; fail mode closed")
    return Decision(action="annotate", reason=f"{why}; {decision.reason}")


def _decide(
    claims: list[Claim],
    flags: list[Flag],
    context: Context,
    policy: Policy,
    needless: list[NeedlessCall],
) -> Decision:
    by_id = {c.id: c for c in claims}
    if not claims and not flags:
        return Decision(action="allow", reason="no claims: the output asserts nothing checkable")
    malformed = [f for f in flags if f.type == "malformed_tool_call"]
    if malformed:
        action: Action = policy.malformed_tool_call
        return Decision(action=action, reason="malformed tool call: " + malformed[0].message)
    calls = [f for f in flags if f.type == "needless_tool_call"]
    choices = [
        _choose(by_id[f.claim_id], f, policy)
        for f in flags
        if f.claim_id in by_id and f.type != "needless_tool_call"
    ]
    choices += [
        _choose_call(f, n, by_id.get(f.claim_id or ""), policy)
        for f, n in zip(calls, needless, strict=True)
    ]
    if not choices:
        return Decision(action="allow", reason=_nothing_to_do(claims))
    flagged = {f.claim_id for f in flags}
    needed = [c for c in claims if c.kind == "question" and c.id not in flagged]
    if needed:  # the output asks what the context lacks too: it must go out, questions and all
        choices = [
            replace(c, action="annotate") if c.action == "use_context" and _asks(c) else c
            for c in choices
        ]
    action = min((c.action for c in choices), key=_PRIORITY.index)
    chosen = [c for c in choices if c.action == action]
    if action == "annotate" and not policy.annotate:
        action = "allow"
    reason = _reason(action, chosen, len(flags))
    if action == "ask_user":
        return Decision(action=action, question=_question(chosen, context, policy), reason=reason)
    if action == "use_context":
        known = tuple(c.known for c in chosen if c.known is not None)
        return Decision(action=action, known=known, message=context_message(known), reason=reason)
    if action == "call_tool":
        resolver = chosen[0].resolver or ""
        ids = tuple(c.claim.id for c in chosen if c.claim is not None and c.resolver == resolver)
        call = ToolCallRequest(name=resolver, resolves=ids)
        return Decision(action=action, tool_call=call, reason=reason)
    return Decision(action=action, reason=reason)


def _reason(action: Action, chosen: list[_Choice], n_flags: int) -> str:
    c = chosen[0]
    what = _what(c.claim) if c.claim is not None else "the output"
    support = f"support {c.claim.support:.2f}" if c.claim is not None else ""
    more = f" (and {len(chosen) - 1} more)" if len(chosen) > 1 else ""
    if action in ("ask_user", "call_tool", "block") and c.cost > 0:
        return (
            f"{what}{more} has {support}: {action} (cost {c.cost:.2f}) is cheaper than "
            f"proceeding (expected cost {c.proceed_cost:.2f})"
        )
    if action == "retry" and (_asks(c) or c.known is not None):
        return (
            f"{what}{more} is not needed (support {c.claim.support if c.claim else 1:.2f}): "
            "regenerating by policy"
        )
    if action == "retry":
        return f"{what}{more} has {support}; regenerating is cheapest"
    if action == "use_context":
        if c.known is not None and c.known.origin == "computed":
            return f"the monitor computes the tool call's result{more} exactly: no need to call it"
        if c.claim is None or c.claim.kind == "argument":
            return f"the agent already has the result of the tool call{more}: no need to call it"
        return (
            f"{what}{more} is already answered (support {c.claim.support:.2f}): carrying on "
            f"with it (expected cost {c.cost:.2f}) is cheaper than asking"
        )
    if action in ("annotate", "allow") and any(_asks(x) or x.known is not None for x in chosen):
        return (
            f"{what}{more} is not needed, but the output goes out: its other questions are "
            "needed, or the policy lets such questions and calls through"
        )
    if action in ("annotate", "allow"):
        return (
            f"{n_flags} flag(s), none worth acting on: proceeding is cheapest "
            f"(expected cost {max(x.proceed_cost for x in chosen):.2f})"
        )
    return f"{what}{more}: {action} by policy"


def _asks(choice: _Choice) -> bool:
    """A choice about a question the agent does not need to send."""
    return choice.claim is not None and choice.claim.kind == "question"


def _nothing_to_do(claims: list[Claim]) -> str:
    asserted = sum(1 for c in claims if c.kind != "question")
    asked = len(claims) - asserted
    parts = []
    if asserted:
        parts.append(f"all {asserted} asserted claim(s) are supported")
    if asked:
        parts.append(f"the {asked} question(s) ask for what the context does not hold")
    return "; ".join(parts) or "nothing to check"


def context_message(known: tuple[KnownValue, ...]) -> str:
    """What the agent is told in place of its questions or needless calls, citing sources.

    Example:
        >>> from agentguard.types import Evidence, KnownValue
        >>> said = Evidence(source="user#1", span=(0, 21), text="I am flying from Boston")
        >>> print(context_message((KnownValue(claim_id="c1", origin="stated",
        ...     tool="book_flight", path="origin", value="Boston", evidence=(said,)),)))
        Already known, no need to ask: origin is 'Boston' (user#1: "I am flying from Boston").
    """
    parts = []
    for k in known:
        where = _where(k)
        if k.origin == "stated":
            what = f"{k.path} is {k.value!r}" if k.path and k.value is not None else "the answer"
            parts.append(f"Already known, no need to ask: {what} ({where}).")
        elif k.origin == "default" and k.value is None:
            parts.append(
                f"No need to ask: {k.tool}.{k.path} is optional and may be left out "
                f"({where}); proceed without it unless the user says otherwise."
            )
        elif k.origin == "default":
            parts.append(
                f"No need to ask: {k.tool}.{k.path} is optional and defaults to {k.value!r} "
                f"({where}); proceed with the default unless the user says otherwise."
            )
        elif k.origin == "computed":
            parts.append(f"No need to call {k.tool}: {where}.")
        else:
            parts.append(f"No need to call {k.tool} again: the same call returned ({where}).")
    return " ".join(parts)


def _where(k: KnownValue) -> str:
    if not k.evidence:
        return "in the context"
    e = k.evidence[0]
    text = e.text if len(e.text) <= 200 else e.text[:197] + "..."
    if k.origin == "computed":
        return text
    return f'{e.source}: "{text}"'


_QUESTION_ORIGINS = ("stated", "default")


def known_text(known: KnownValue) -> str:
    """The content of the tool message that answers a needless call with `known.value`.

    Text as it is (an earlier call's result); a number as `str` gives it, a whole float
    without its `.0`; anything else as JSON.

    Example:
        >>> known_text(KnownValue(claim_id="c1", origin="computed", value=391.0))
        '391'
    """
    value = known.value
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return json.dumps(value, ensure_ascii=False, default=str)


def call_answers(decision: Decision, call_ids: Iterable[Any]) -> dict[str, str]:
    """Tool-message contents by call id, for the calls among `call_ids` the decision answers.

    A known value of a needless call (`computed` or `earlier_call`) answers the call its
    `call_id` names.
    """
    ids = set(call_ids)
    return {
        k.call_id: known_text(k)
        for k in decision.known
        if k.call_id is not None and k.call_id in ids and k.origin not in _QUESTION_ORIGINS
    }


def context_note(decision: Decision, *, questions_only: bool = False) -> str | None:
    """What a `use_context` decision tells the model (`decision.message`), or `None`.

    With `questions_only`, only the values standing in for questions (`stated`, `default`)
    are told: the needless calls are answered by their tool messages.
    """
    if not questions_only:
        return decision.message or (context_message(decision.known) if decision.known else None)
    asked = tuple(k for k in decision.known if k.origin in _QUESTION_ORIGINS)
    return context_message(asked) if asked else None
