"""Flags from scored claims, and the cost-based decision rule.

For each flagged claim with support `p`: proceeding costs `(1 - p) * cost_wrong`, asking costs
`costs.ask_user`, a resolver tool `cost_tool`, a retry `costs.retry`, blocking `costs.block`;
the cheapest wins. Then the most disruptive action any claim needs is taken for the output,
and every fact the user must supply goes into one question.
"""

from __future__ import annotations

from dataclasses import dataclass

from agentguard.policy import Policy
from agentguard.types import (
    Action,
    Claim,
    Context,
    Decision,
    Flag,
    MalformedCall,
    ToolCallRequest,
    generic_path,
)

_PRIORITY: tuple[Action, ...] = ("block", "call_tool", "ask_user", "retry", "annotate", "allow")


@dataclass(frozen=True)
class _Choice:
    action: Action
    claim: Claim | None
    cost: float
    proceed_cost: float
    resolver: str | None = None


def cost_wrong(claim: Claim, policy: Policy) -> float:
    """What letting this claim through costs if it is wrong."""
    if claim.kind == "argument":
        return policy.cost_wrong_argument(claim.tool, generic_path(claim.path or ""))
    if claim.kind == "question":
        return policy.costs.wrong_question
    return policy.costs.wrong_text


def make_flags(claims: list[Claim], malformed: list[MalformedCall], policy: Policy) -> list[Flag]:
    """Flags for unsupported, contradicted and redundant claims and for malformed calls."""
    flags: list[Flag] = []
    for c in claims:
        risk = round((1.0 - c.support) * cost_wrong(c, policy), 4)
        if c.kind == "question":
            waste = policy.costs.ask_user - risk
            if c.label == "supported" and waste > 0:
                flags.append(
                    Flag(
                        type="redundant_question",
                        claim_id=c.id,
                        risk=round(waste, 4),
                        message=f"asks for what the context already says ({_cite(c)})",
                    )
                )
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
    return flags


def _what(c: Claim) -> str:
    if c.kind == "argument":
        return f"{c.tool}.{c.path}={c.value!r}"
    return repr(c.text if len(c.text) <= 60 else c.text[:57] + "...")


def _cite(c: Claim) -> str:
    return ", ".join(sorted({e.source for e in c.evidence})) or "no source"


def _choose(claim: Claim, flag: Flag, policy: Policy) -> _Choice:
    costs = policy.costs
    proceed = (1.0 - claim.support) * cost_wrong(claim, policy)
    if flag.type == "contradiction":
        action: Action = policy.contradiction
        return _Choice(action, claim, 0.0, proceed)
    if flag.type == "redundant_question":
        return _Choice(policy.redundant_question, claim, 0.0, proceed)
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
) -> Decision:
    """The policy's decision for one output.

    `unchecked` says that a cap on claims (`agentguard.claims.MAX_TEXT_CLAIMS`,
    `MAX_ARGUMENT_CLAIMS`) left part of the output unread. Such an output is never allowed
    silently: an `allow` becomes `annotate` (with the reason saying what went unchecked), and
    under a policy that fails closed, `block`.
    """
    decision = _decide(claims, flags, context, policy)
    if not unchecked or decision.action not in ("allow", "annotate"):
        return decision
    why = "part of the output is unchecked (it has more claims than the monitor reads)"
    if policy.fail_mode == "closed":
        return Decision(action="block", reason=f"{why}; fail mode closed")
    return Decision(action="annotate", reason=f"{why}; {decision.reason}")


def _decide(claims: list[Claim], flags: list[Flag], context: Context, policy: Policy) -> Decision:
    by_id = {c.id: c for c in claims}
    if not claims and not flags:
        return Decision(action="allow", reason="no claims: the output asserts nothing checkable")
    malformed = [f for f in flags if f.type == "malformed_tool_call"]
    if malformed:
        action: Action = policy.malformed_tool_call
        return Decision(action=action, reason="malformed tool call: " + malformed[0].message)
    choices = [_choose(by_id[f.claim_id], f, policy) for f in flags if f.claim_id in by_id]
    if not choices:
        return Decision(action="allow", reason=f"all {len(claims)} claims are supported")
    action = min((c.action for c in choices), key=_PRIORITY.index)
    chosen = [c for c in choices if c.action == action]
    if action == "annotate" and not policy.annotate:
        action = "allow"
    reason = _reason(action, chosen, len(flags))
    if action == "ask_user":
        return Decision(action=action, question=_question(chosen, context, policy), reason=reason)
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
    if action == "retry":
        return f"{what}{more} has {support}; regenerating is cheapest"
    if action in ("annotate", "allow"):
        return (
            f"{n_flags} flag(s), none worth acting on: proceeding is cheapest "
            f"(expected cost {max(x.proceed_cost for x in chosen):.2f})"
        )
    return f"{what}{more}: {action} by policy"
