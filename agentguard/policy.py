"""Policies: thresholds, costs and per-tool parameter rules, loaded from validated YAML."""

from __future__ import annotations

import os
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agentguard.atomic import UnreadableFile, read_regular_file
from agentguard.errors import PolicyError, clip, from_validation_error

POLICY_DIR = Path(__file__).parent / "policies"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ParamRule(_Strict):
    """How to treat one tool parameter."""

    must_ground: bool = False
    """A schema default is not enough: the value must come from the conversation or a tool."""
    may_default: bool = False
    """The model may fill this parameter on its own; an unsupported value is not flagged."""
    resolver: str | None = None
    """A tool that can supply the value; the monitor may call it instead of asking the user."""
    cost_wrong: float | None = Field(default=None, ge=0)
    """Cost of proceeding with a wrong value; overrides `costs.wrong_argument`."""
    cost_tool: float | None = Field(default=None, ge=0)
    """Cost of calling the resolver; overrides `costs.tool`."""
    question: str | None = None
    """How to ask the user for it (a noun phrase: "the city you fly from")."""


_DEFAULT_RULE = ParamRule()


class ToolRule(_Strict):
    """Rules for one tool's parameters, keyed by path (`origin`, `passengers[].name`)."""

    params: dict[str, ParamRule] = Field(default_factory=dict)
    """Per-parameter rules."""
    cost_wrong: float | None = Field(default=None, ge=0)
    """Default cost of a wrong argument of this tool."""


class TextResolver(_Strict):
    """A tool that can settle an unsupported sentence stating a value of some kind."""

    tool: str
    """The resolver tool (e.g. `calculator` for numbers)."""
    cost_tool: float | None = Field(default=None, ge=0)
    """Cost of calling it; overrides `costs.tool`."""


class Costs(_Strict):
    """The costs the decision rule compares (any common unit)."""

    ask_user: float = Field(default=1.0, ge=0)
    """Cost of interrupting the user with a question."""
    retry: float = Field(default=0.5, ge=0)
    """Cost of regenerating the output."""
    tool: float = Field(default=0.3, ge=0)
    """Default cost of calling a resolver tool."""
    block: float = Field(default=20.0, ge=0)
    """Cost of refusing to pass the output at all."""
    wrong_text: float = Field(default=2.0, ge=0)
    """Cost of letting a wrong sentence through."""
    wrong_argument: float = Field(default=4.0, ge=0)
    """Cost of calling a tool with a wrong argument."""
    wrong_question: float = Field(default=4.0, ge=0)
    """Cost of not asking when the answer was in fact needed (for redundant questions)."""


class Policy(_Strict):
    """A monitor policy. Load one with `load_policy("balanced")` or from a YAML path."""

    name: str
    """Policy name, shown in reports."""
    description: str = ""
    """What the policy is for."""
    threshold: float = Field(default=0.5, gt=0, lt=1)
    """Claims with support below this are unsupported (or contradicted)."""
    costs: Costs = Field(default_factory=Costs)
    """Costs compared by the decision rule."""
    hedged_assumptions: Literal["allow", "flag"] = "allow"
    """`allow`: a hedged unsupported claim passes (annotated); `flag`: treat it as silent."""
    contradiction: Literal["block", "retry", "ask_user", "annotate"] = "retry"
    """What a contradiction gets."""
    redundant_question: Literal["use_context", "retry", "annotate", "allow"] = "use_context"
    """What a question the context already answers gets. `use_context`: the question is not
    sent; the agent carries on with the value the context states (and its source), when that
    costs less than asking (see `agentguard.decide`)."""
    needless_question: Literal["use_context", "retry", "annotate", "allow"] = "use_context"
    """What a question for an optional parameter whose schema states a default gets.
    `use_context`: the agent proceeds with the default, when the expected cost of a wrong
    default is below the cost of asking."""
    needless_tool_call: Literal["use_context", "retry", "annotate", "allow"] = "use_context"
    """What a tool call whose result the agent already has gets (the same call made before, or
    arithmetic the monitor computes exactly). `use_context`: the call is not made; the agent
    gets the result it already has."""
    malformed_tool_call: Literal["retry", "block"] = "retry"
    """What a tool call with unparsable or schema-violating arguments gets."""
    annotate: bool = True
    """Attach the report (`annotate`) when flags remain but nothing needs doing; else `allow`."""
    fail_mode: Literal["fallback", "closed", "open"] = "fallback"
    """When the estimator fails (raises, times out, returns estimates that break the contract):
    `fallback` scores with the offline default estimator instead and says so in the report;
    `closed` blocks the output unchecked; `open` lets it through unchecked. Every one of them
    sets the report's `estimator_error`, and `open` and `closed` set `checked: false`."""
    tools: dict[str, ToolRule] = Field(default_factory=dict)
    """Per-tool parameter rules, by tool name; `"*"` applies to every tool."""
    text_resolvers: dict[str, TextResolver] = Field(default_factory=dict)
    """Resolver tools for unsupported sentences, by the kind of value the sentence states
    (`number`, `money`, `date`, `time`, ...): a calculator settles arithmetic."""

    def rule(self, tool: str | None, path: str | None) -> ParamRule:
        """The rule for a tool parameter (generic path), falling back to `"*"` then defaults."""
        for name in (tool, "*"):
            if name is not None and name in self.tools and path is not None:
                found = self.tools[name].params.get(path)
                if found is not None:
                    return found
        return _DEFAULT_RULE

    def text_resolver(self, value_kinds: tuple[str, ...]) -> TextResolver | None:
        """The resolver for a sentence stating values of these kinds, if the policy names one."""
        for kind in value_kinds:
            found = self.text_resolvers.get(kind)
            if found is not None:
                return found
        return None

    def cost_wrong_argument(self, tool: str | None, path: str | None) -> float:
        """Cost of a wrong value for this parameter."""
        rule = self.rule(tool, path)
        if rule.cost_wrong is not None:
            return rule.cost_wrong
        tool_rule = self.tools.get(tool or "")
        if tool_rule is not None and tool_rule.cost_wrong is not None:
            return tool_rule.cost_wrong
        return self.costs.wrong_argument


def add_resolvers(policy: Policy, declared: Iterable[tuple[str, str, float | None]]) -> Policy:
    """`policy` plus resolvers declared as `(fact, tool, cost)`; the policy's own rules win.

    A fact is a parameter path (`"order_id"`: that parameter of any tool) or `"text:KIND"`
    (sentences stating a value of that kind). `cost` is the cost of calling the tool, or
    `None` for the policy's `costs.tool`.
    """
    params = dict(policy.tools.get("*", ToolRule()).params)
    text = dict(policy.text_resolvers)
    for fact, tool, cost in declared:
        if fact.startswith("text:"):
            text.setdefault(fact[5:], TextResolver(tool=tool, cost_tool=cost))
            continue
        rule = params.get(fact, ParamRule())
        if rule.resolver is None:
            own = rule.cost_tool if rule.cost_tool is not None else cost
            params[fact] = rule.model_copy(update={"resolver": tool, "cost_tool": own})
    star = policy.tools.get("*", ToolRule()).model_copy(update={"params": params})
    return policy.model_copy(update={"tools": {**policy.tools, "*": star}, "text_resolvers": text})


def builtin_policies() -> list[str]:
    """Names of the policies shipped with the package."""
    return list(_builtin_names())


@lru_cache(maxsize=1)
def _builtin_names() -> tuple[str, ...]:
    # Package data does not change while the process runs; an input naming a policy is looked
    # up on every check, so the folder is listed once.
    return tuple(sorted(p.stem for p in POLICY_DIR.glob("*.yaml")))


MAX_POLICY_BYTES = 1_000_000
"""Largest policy file read; a policy is a few kilobytes."""


def _read_policy_file(path: Path) -> str:
    """The file's text: a regular file of at most `MAX_POLICY_BYTES` (no FIFO, no device)."""
    try:
        return read_regular_file(path, MAX_POLICY_BYTES)
    except UnreadableFile as exc:
        what = "no such policy file" if exc.missing else f"cannot read policy file ({exc})"
        raise PolicyError(clip(path, 240), what) from None


def _from_file(path: Path) -> Policy:
    text = _read_policy_file(path)
    where = clip(path, 240)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f"{where}:{mark.line + 1}" if mark is not None else where
        raise PolicyError(at, f"not valid YAML ({getattr(exc, 'problem', exc)})") from None
    except RecursionError:
        raise PolicyError(where, "not valid YAML (nested too deeply)") from None
    except (ValueError, OverflowError) as exc:  # e.g. a date that does not exist
        raise PolicyError(where, f"not valid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise PolicyError(where, "a policy file must hold a mapping of fields")
    data.setdefault("name", path.stem)
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        at, what = from_validation_error(exc)
        raise PolicyError(f"{where}: {at}", what) from None
    except RecursionError:
        raise PolicyError(where, "nested too deeply") from None


@lru_cache(maxsize=64)
def _load_cached(key: str) -> Policy:
    if key in builtin_policies():
        return _from_file(POLICY_DIR / f"{key}.yaml")
    path = Path(key)
    if path.suffix in (".yaml", ".yml") or os.path.lexists(path):
        return _from_file(path)
    raise PolicyError(
        "policy",
        f"unknown policy {clip(key)!r} (built-in: {', '.join(builtin_policies())}; or a path)",
    )


def load_policy(policy: str | Path | Policy) -> Policy:
    """A built-in policy by name (`strict`, `balanced`, `permissive`), a YAML path, or a Policy.

    Paths are for the operator: the `policy` field of a checked input is looked up by name
    only (see `Monitor`). A path must name a regular file of at most `MAX_POLICY_BYTES`.

    Raises:
        PolicyError: naming the file, the field and the reason.

    Example:
        >>> load_policy("balanced").threshold
        0.5
    """
    if isinstance(policy, Policy):
        return policy
    return _load_cached(str(policy))
