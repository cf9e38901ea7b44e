"""Seeded templates for the bundled eval suites, one module per suite, and the `build` of each.

`build(suite)` draws the suite's templates in the counts its plan gives from a generator seeded
with `SEEDS[suite]`, shuffles them and numbers them; `render` turns the cases into the file's
text. The command is `evals/build_suites.py`.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from .adversarial import ADVERSARIAL
from .arithmetic import ARITHMETIC
from .calls import CALCULATOR_PLAN, REPEATED
from .common import JSON, Draft, make_case, relative_dates, render, render_date
from .orders import ORDERS
from .questions import CONFLICTING, DEFAULTS, PARAPHRASED, STALE, TOOL_ANSWERS
from .retrieval import RETRIEVAL
from .travel import TRAVEL

__all__ = [
    "ALL_SUITES",
    "NEED_SUITES",
    "PLANS",
    "SEEDS",
    "SUITES",
    "HELD_OUT",
    "Draft",
    "build",
    "make_case",
    "relative_dates",
    "render",
    "render_date",
]

SUITES = ("travel", "orders", "retrieval", "arithmetic", "adversarial")
NEED_SUITES = ("paraphrased", "tool_answers", "stale_values", "conflicting_values",
               "optional_defaults", "repeated_calls", "calculator_calls")  # fmt: skip
"""Suites of questions and tool calls the agent may not need; their cases carry the domain of
their task (`travel`, `orders`, `dining`, ...) instead of the suite's name."""
ALL_SUITES = SUITES + NEED_SUITES
SEEDS = {
    "travel": 4101,
    "orders": 4202,
    "retrieval": 4303,
    "arithmetic": 4404,
    "adversarial": 4505,
    "paraphrased": 4606,
    "tool_answers": 4707,
    "stale_values": 4808,
    "conflicting_values": 4909,
    "optional_defaults": 5010,
    "repeated_calls": 5111,
    "calculator_calls": 5212,
}
HELD_OUT = frozenset({"adversarial", *NEED_SUITES})
"""Suites whose templates `training/fit.py` does not draw from: they test what it never saw."""

PLANS: dict[str, list[tuple[Callable[[random.Random], Draft], int]]] = {
    "travel": TRAVEL,
    "orders": ORDERS,
    "retrieval": RETRIEVAL,
    "arithmetic": ARITHMETIC,
    "adversarial": ADVERSARIAL,
    "paraphrased": PARAPHRASED,
    "tool_answers": TOOL_ANSWERS,
    "stale_values": STALE,
    "conflicting_values": CONFLICTING,
    "optional_defaults": DEFAULTS,
    "repeated_calls": REPEATED,
    "calculator_calls": CALCULATOR_PLAN,
}


def build(suite: str, seed: int | None = None) -> list[JSON]:
    """The cases of one suite, in a seeded order, with ids `<suite>-001`, `<suite>-002`, ...

    `seed` replaces the suite's own seed (`SEEDS`): the same templates with other values, as
    `training/fit.py` draws its training conversations.
    """
    rng = random.Random(SEEDS[suite] if seed is None else seed)
    drafts = [scene(rng) for scene, count in PLANS[suite] for _ in range(count)]
    rng.shuffle(drafts)
    return [make_case(suite, n, d) for n, d in enumerate(drafts, 1)]
