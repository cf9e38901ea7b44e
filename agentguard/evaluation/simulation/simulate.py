"""The premise's three thought experiments, simulated with the real monitor in the loop.

A behaviour-cloned (BC) agent acts as confidently as the people it imitates, whatever it knows:

1. `hidden_fact`: the demonstrator knew a fact (the customer's home city, order number or
   email, from the CRM) that the agent sees only sometimes (half the episodes). BC never asks:
   it states the fact, so where the context lacks it, it guesses and says nothing. Its guess
   (the city most customers fly from, the usual email pattern) is right 25% or 30% of the
   time; a guessed order number never is.
2. `reverse`: the agent has the fact, but the demonstrator did not and asked for it. BC asks
   anyway: a redundant question.
3. `calculator`: the demonstrator did arithmetic in their head reliably; the agent's own
   answer is wrong with a probability that grows with the size of the numbers (1x1 digits:
   1%, 2x1: 5%, 2x2: 20%, 3x2: 45%, 3x3: 70%), and a calculator costs a little. In a quarter
   of the episodes the user already states the result ("my calculator says ..."), and the
   right move is to confirm it. An answer from the head counts as a silent assumption even
   when it happens to be right: nothing in the context supports it.

Every episode is a real `check` input (OpenAI messages, tool schemas, the BC output as a tool
call or text), and `Monitor(policy).check(...)` decides what `bc+monitor` does:

| decision | hidden_fact | reverse | calculator |
|---|---|---|---|
| allow, annotate | BC's output goes out | the question goes out | BC's answer goes out |
| use_context | goes on with the fact | goes on with it, no question | gives the known result |
| ask_user | asks, gets the fact | asks | asks, gets the answer |
| call_tool | a lookup supplies the fact | a lookup supplies the fact | calculator |
| retry, block | regenerates, and asks | regenerates, using the context | regenerates, calculator |

`use_context` means the agent goes on with what the context holds (`decision.message` tells it
the value and where it is), so the output that goes out is grounded in the context. Where the
context does not in fact hold the fact, the monitor suppressed a question or a call wrongly: the
agent is left with its own statement (BC's guess or head answer, a silent assumption) and
nothing is asked. The rows count these cases for `bc+monitor`: `flagged_redundant` (questions
the monitor flags `redundant_question` or `needless_question`), `used_context` (decisions
`use_context`) and `wrongly_suppressed` (`use_context` where the context lacked the fact).

`optimal` knows what its context holds and how likely its own statement is to be right, and
takes the action with the best expected reward; `bc` is the demonstrator's behaviour copied.

Rewards (`REWARDS`): a correct outcome +1, a wrong fact or answer delivered -4, each question
to the user -0.3, each tool call -0.1. A redundant question costs the asking cost and gains
nothing. So `optimal` uses the calculator exactly when its error probability `q` times the
loss of a wrong answer (1 - (-4) = 5) exceeds the tool cost 0.1, i.e. when `q > 0.02`.
The monitor decides with its policy's own costs, not these rewards; the policy gets a
calculator resolver for sentences stating numbers and money (cost 0.1) unless it names one.

Under `balanced` and `strict`, a redundant question the monitor recognises is flagged
`redundant_question` and decided `use_context`: the question does not go out and the agent
proceeds with the fact the context holds. A redundant question the monitor does not recognise
goes out and counts as asked. A policy whose `redundant_question` is `annotate` or `allow` lets
every question out (`--policy permissive`); one with `retry` regenerates the reply, which then
uses the context too.

The episodes are built in `agentguard.evaluation.simulation.episodes`.

Run it: `agentguard simulate [--n N] [--seed S] [--policy NAME] [--json]`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TextIO

from agentguard.errors import InputError
from agentguard.evaluation.simulation.episodes import (
    ASK,
    BC_OUTPUT,
    GROUNDED_OUTPUT,
    TOOL,
    USE_CONTEXT,
    Episode,
    Move,
    build_episodes,
)
from agentguard.monitor import Monitor
from agentguard.policy import Policy, TextResolver, load_policy

SCENARIOS = ("hidden_fact", "reverse", "calculator")
"""The thought experiments, in table order."""
POLICIES = ("bc", "bc+monitor", "optimal")
"""The policies compared, in table order."""


@dataclass(frozen=True)
class Rewards:
    """The simulation's cost table: an episode earns `correct` or `wrong`, less its costs."""

    correct: float = 1.0
    """A correct fact or answer delivered."""
    wrong: float = -4.0
    """A wrong fact or answer delivered."""
    ask: float = 0.3
    """Cost of one question to the user (their time), answered or redundant."""
    tool: float = 0.1
    """Cost of one tool call (a lookup or the calculator)."""


REWARDS = Rewards()


@dataclass(frozen=True)
class PolicyStats:
    """How one policy did on one scenario (or on all of them: `scenario == "all"`)."""

    policy: str
    """`bc`, `bc+monitor` or `optimal`."""
    scenario: str
    """`hidden_fact`, `reverse`, `calculator` or `all`."""
    episodes: int
    """Episodes the row averages over."""
    reward: float
    """Mean reward per episode."""
    ask_rate: float
    """Share of episodes where the user was asked."""
    silent_assumption_rate: float
    """Share of episodes where a fact or answer the context did not support went out."""
    redundant_question_rate: float
    """Share of episodes where the user was asked for what the context already held."""
    tool_rate: float
    """Share of episodes where a tool (lookup or calculator) was called."""
    error_rate: float
    """Share of episodes where a wrong fact or answer went out."""
    flagged_redundant: int | None = None
    """Episodes where the monitor flagged BC's question as one the context answers
    (`redundant_question` or `needless_question`); `None` for policies without the monitor."""
    used_context: int | None = None
    """Episodes where the monitor decided `use_context` (no question, no call: the agent goes
    on with what the context holds); `None` for policies without the monitor."""
    wrongly_suppressed: int | None = None
    """Episodes decided `use_context` although the context did not hold the fact; `None` for
    policies without the monitor."""


@dataclass(frozen=True)
class _Outcome:
    asked: bool = False
    tool: bool = False
    silent: bool = False
    wrong: bool = False
    redundant: bool = False
    flagged: bool = False
    """The monitor flagged BC's question as redundant or needless."""
    used_context: bool = False
    """The monitor decided `use_context`."""
    wrongly_suppressed: bool = False
    """The monitor decided `use_context` but the context lacked the fact."""

    def reward(self, r: Rewards) -> float:
        value = r.wrong if self.wrong else r.correct
        return value - r.ask * self.asked - r.tool * self.tool


# -- policies ------------------------------------------------------------------------------


def _outcome(ep: Episode, move: Move) -> _Outcome:
    if move.action == "use_context":
        if ep.in_context:
            return _Outcome()
        # Nothing in the context to go on with: the agent's own statement goes out, unasked.
        return _Outcome(silent=True, wrong=not ep.bc_right)
    if move.action == "ask_user":
        return _Outcome(asked=True, redundant=ep.in_context)
    if move.action == "call_tool":
        return _Outcome(tool=True)
    if move.grounded:
        return _Outcome()
    if ep.bc_asks:
        return _Outcome(asked=True, redundant=ep.in_context)
    return _Outcome(silent=not ep.in_context, wrong=not ep.bc_right)


def _optimal_move(ep: Episode, r: Rewards) -> Move:
    if ep.in_context:
        return GROUNDED_OUTPUT
    value: dict[Move, float] = {
        BC_OUTPUT: ep.p_right * r.correct + (1 - ep.p_right) * r.wrong,
        ASK: r.correct - r.ask,
    }
    if ep.has_tool:
        value[TOOL] = r.correct - r.tool
    return max(value, key=lambda m: value[m])


_MONITOR_MOVE: dict[str, Move | None] = {
    "allow": BC_OUTPUT,
    "annotate": BC_OUTPUT,
    "use_context": USE_CONTEXT,
    "ask_user": ASK,
    "call_tool": TOOL,
    "retry": None,  # a regeneration: ep.fallback
    "block": None,
}


_QUESTION_FLAGS = ("redundant_question", "needless_question")


def simulation_policy(policy: str | Path | Policy) -> Policy:
    """The monitor policy the simulation uses: `policy` plus a calculator for numbers and money.

    Raises:
        PolicyError: for an unknown policy name or an invalid policy file.
    """
    base = load_policy(policy)
    calc = TextResolver(tool="calculator", cost_tool=REWARDS.tool)
    resolvers = {"number": calc, "money": calc, **base.text_resolvers}
    return base.model_copy(update={"text_resolvers": resolvers})


def _stats(policy: str, scenario: str, outcomes: list[_Outcome], r: Rewards) -> PolicyStats:
    n = len(outcomes)

    def rate(attr: str) -> float:
        return round(sum(1 for o in outcomes if getattr(o, attr)) / n, 4)

    def count(attr: str) -> int | None:
        if policy != "bc+monitor":
            return None
        return sum(1 for o in outcomes if getattr(o, attr))

    return PolicyStats(
        policy=policy,
        scenario=scenario,
        episodes=n,
        reward=round(sum(o.reward(r) for o in outcomes) / n, 4),
        ask_rate=rate("asked"),
        silent_assumption_rate=rate("silent"),
        redundant_question_rate=rate("redundant"),
        tool_rate=rate("tool"),
        error_rate=rate("wrong"),
        flagged_redundant=count("flagged"),
        used_context=count("used_context"),
        wrongly_suppressed=count("wrongly_suppressed"),
    )


def simulate(
    n: int = 300, seed: int = 0, policy: str | Path | Policy = "balanced"
) -> list[PolicyStats]:
    """Run `n` episodes per scenario through `bc`, `bc+monitor` and `optimal`.

    Args:
        n: Episodes per scenario.
        seed: Seed of the episode generator; the same seed gives the same numbers.
        policy: The monitor's policy: a built-in name, a YAML path or a `Policy`.

    Returns:
        One row per (scenario, policy), scenarios in `SCENARIOS` order, then an `all` row per
        policy over every episode.

    Raises:
        ValueError: if `n` is not a positive integer.
        PolicyError: for an unknown or invalid policy.

    Example:
        >>> rows = simulate(n=20, seed=1)
        >>> [(s.scenario, s.policy) for s in rows][:2]
        [('hidden_fact', 'bc'), ('hidden_fact', 'bc+monitor')]
    """
    if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
        raise ValueError(f"n: episodes per scenario must be a positive integer, got {n!r}")
    monitor = Monitor(policy=simulation_policy(policy))
    results: dict[tuple[str, str], list[_Outcome]] = {}
    for ep in build_episodes(n, seed):
        report = monitor.check(ep.check)
        action = report.decision.action
        flagged = any(f.type in _QUESTION_FLAGS for f in report.flags)
        moves: dict[str, Move] = {
            "bc": BC_OUTPUT,
            "bc+monitor": _MONITOR_MOVE[action] or ep.fallback,
            "optimal": _optimal_move(ep, REWARDS),
        }
        for name, move in moves.items():
            outcome = _outcome(ep, move)
            if name == "bc+monitor":
                used = action == "use_context"
                outcome = replace(
                    outcome,
                    flagged=flagged,
                    used_context=used,
                    wrongly_suppressed=used and not ep.in_context,
                )
            results.setdefault((ep.scenario, name), []).append(outcome)
            results.setdefault(("all", name), []).append(outcome)
    return [_stats(p, s, results[(s, p)], REWARDS) for s in (*SCENARIOS, "all") for p in POLICIES]


# -- output --------------------------------------------------------------------------------

_COLUMNS = (
    ("scenario", "scenario"),
    ("policy", "policy"),
    ("reward", "reward"),
    ("ask", "ask_rate"),
    ("silent assumption", "silent_assumption_rate"),
    ("redundant question", "redundant_question_rate"),
    ("tool", "tool_rate"),
    ("error", "error_rate"),
    ("flagged redundant", "flagged_redundant"),
    ("used context", "used_context"),
    ("wrongly suppressed", "wrongly_suppressed"),
)


def _cell(stats: PolicyStats, field: str) -> str:
    value = getattr(stats, field)
    if value is None:
        return "-"
    if field == "reward":
        return f"{value:+.2f}"
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def render_table(stats: Sequence[PolicyStats]) -> str:
    """An aligned plain-text table, one row per policy.

    The columns are the reward per episode, the rates, and the monitor's redundant-question
    counts (`-` for policies without the monitor).
    """
    rows = [[head for head, _ in _COLUMNS]]
    rows += [[_cell(s, field) for _, field in _COLUMNS] for s in stats]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_COLUMNS))]
    lines = []
    for k, row in enumerate(rows):
        cells = [
            c.ljust(w) if i < 2 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="agentguard simulate",
        description="Simulate the hidden-fact, reverse and calculator thought experiments: a "
        "behaviour-cloned agent alone, behind the monitor, and the optimal policy.",
    )
    parser.add_argument("--n", type=int, default=300, help="episodes per scenario (default 300)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--policy", default="balanced", metavar="NAME|PATH", help="monitor policy (balanced)"
    )
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    return parser


def main(
    argv: Sequence[str] | None = None,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """`agentguard simulate`: print the table (or `--json`); 0 on success, 2 on bad arguments."""
    out, err = stdout or sys.stdout, stderr or sys.stderr
    args = _parser().parse_args(argv)
    try:
        stats = simulate(n=args.n, seed=args.seed, policy=args.policy)
    except (ValueError, InputError) as exc:
        print(f"agentguard simulate: error: {exc}", file=err)
        return 2
    if args.json:
        body = {
            "n": args.n,
            "seed": args.seed,
            "policy": args.policy,
            "rewards": asdict(REWARDS),
            "rows": [asdict(s) for s in stats],
        }
        print(json.dumps(body, indent=2), file=out)
        return 0
    r = REWARDS
    print(
        f"{args.n} episodes per scenario, seed {args.seed}, monitor policy {args.policy}; "
        f"rewards: correct {r.correct:+g}, wrong {r.wrong:+g}, ask {-r.ask:+g}, "
        f"tool {-r.tool:+g}",
        file=out,
    )
    print(render_table(stats), file=out)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
