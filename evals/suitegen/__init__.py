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
from .common import JSON, Draft, make_case, relative_dates, render, render_date
from .orders import ORDERS
from .retrieval import RETRIEVAL
from .travel import TRAVEL

__all__ = [
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
SEEDS = {
    "travel": 4101,
    "orders": 4202,
    "retrieval": 4303,
    "arithmetic": 4404,
    "adversarial": 4505,
}
HELD_OUT = frozenset({"adversarial"})
"""Suites whose templates `training/fit.py` does not draw from: they test what it never saw."""

PLANS: dict[str, list[tuple[Callable[[random.Random], Draft], int]]] = {
    "travel": TRAVEL,
    "orders": ORDERS,
    "retrieval": RETRIEVAL,
    "arithmetic": ARITHMETIC,
    "adversarial": ADVERSARIAL,
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
