"""What the runtime does with a decision.

Resolver rules from the tools' declarations, the node a decision routes to, a resolver's
arguments, the short notes a model gets when its output was held back, and the values a
`use_context` decision hands the model in place of a question or a tool call.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from agentguard.decide import call_answers
from agentguard.policy import Policy, add_resolvers
from agentguard.runtime.tools import Tool
from agentguard.types import Claim, Decision, Report

NOTE_PREFIX = "[agentguard]"
"""Opens every note the runtime gives the model, so it is never mistaken for the user."""


def with_resolvers(policy: Policy, tools: Iterable[Tool]) -> Policy:
    """`policy` plus the resolvers the tools declare; the policy's own rules win.

    Raises:
        ValueError: when a resolver the policy names is not one of `tools`.
    """
    tools = list(tools)
    merged = add_resolvers(policy, [(f, t.name, t.cost) for t in tools for f in t.resolves])
    names = {t.name for t in tools}
    for where, resolver in _resolvers(merged):
        if resolver not in names:
            raise ValueError(
                f"policy {policy.name!r}: {where} names resolver {resolver!r}, which is not one "
                f"of the agent's tools ({', '.join(sorted(names)) or 'none'})"
            )
    return merged


def _resolvers(policy: Policy) -> list[tuple[str, str]]:
    out = [
        (f"tools.{tool}.params.{path}", rule.resolver)
        for tool, tool_rule in policy.tools.items()
        for path, rule in tool_rule.params.items()
        if rule.resolver
    ]
    out += [(f"text_resolvers.{kind}", r.tool) for kind, r in policy.text_resolvers.items()]
    return out


def resolver_arguments(tool: Tool, report: Report) -> dict[str, Any]:
    """Arguments for a resolver: what the decision names, then same-named supported arguments.

    A refund call with a guessed `order_id` and a given `email` lends `email` to
    `find_orders(email)`.
    """
    request = report.decision.tool_call
    args: dict[str, Any] = dict(request.arguments) if request else {}
    wanted = set(tool.parameters.get("properties", {}))
    for c in report.claims:
        if c.kind == "argument" and c.label == "supported" and c.path and c.path in wanted:
            args.setdefault(c.path, c.value)
    return args


def route_for(action: str, acting: str, retries: int, max_retries: int) -> str:
    """The node a decision leads to; `acting` is `tools` or `respond` (what the output does).

    `finish` ends the run (a block, or a held-back tool call with no retry left). A
    `use_context` answer that keeps asking what the context holds once the retries are spent
    goes out as it is (`respond`); needless tool calls are always answered from the context.
    """
    if action in ("allow", "annotate"):
        return acting
    if action == "use_context":
        return "use_context" if acting == "tools" or retries < max_retries else "respond"
    if action == "block":
        return "finish"
    if action == "ask_user":
        return "ask_user"
    if retries >= max_retries:
        # Out of retries: an answer goes out with its flags; a call is not made unchecked.
        return "respond" if acting == "respond" else "finish"
    return "call_tool" if action == "call_tool" else "retry"


def _quote(c: Claim) -> str:
    if c.kind == "argument":
        return f"{c.tool}({c.path}={c.value!r})"
    return repr(c.text)


def retry_note(report: Report) -> str:
    """The note that asks the model to regenerate, naming what was not supported."""
    if any(f.type == "malformed_tool_call" for f in report.flags):
        problems = "; ".join(f.message for f in report.flags if f.type == "malformed_tool_call")
        return (
            f"{NOTE_PREFIX} Your last reply was not used: {problems}. Call only the tools you "
            "were given, with arguments that are a JSON object matching the tool's schema."
        )
    ids = {f.claim_id for f in report.flags}
    named = "; ".join(_quote(c) for c in report.claims if c.id in ids)
    return (
        f"{NOTE_PREFIX} Your last reply was not sent, because nothing in the conversation, the "
        f"documents or the tool results supports this: {named}. Reply again using only what "
        "those sources say; where you do not know something, say so or ask."
    )


def resolve_note(tool: Tool, report: Report) -> str:
    """The note that asks the model to call a resolver tool instead of guessing."""
    request = report.decision.tool_call
    ids = set(request.resolves) if request else set()
    named = "; ".join(_quote(c) for c in report.claims if c.id in ids)
    return (
        f"{NOTE_PREFIX} Your last reply was not sent: nothing supports {named}. Call the "
        f"`{tool.name}` tool to find out instead of guessing, then continue."
    )


def feedback_message(note: str) -> dict[str, Any]:
    """A note as a message for the model's next call only; it never joins the context."""
    return {"role": "user", "content": note}


def known_answers(decision: Decision, calls: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Tool-message contents by call id, for the OpenAI-format `calls` the decision answers."""
    return call_answers(decision, (c.get("id") for c in calls))
