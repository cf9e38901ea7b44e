"""The filter options of the inspection commands, and their checking into `Filters`.

Each bad value is an `InputError` that names the option and shows the value's first
characters; a flag type or decision that does not exist lists the ones that do.
"""

from __future__ import annotations

import argparse
import datetime as dt
from typing import get_args

from agentguard.errors import InputError, clip
from agentguard.inspection.index import Filters
from agentguard.types import Action, FlagType

__all__ = ["FLAG_TYPES", "DECISIONS", "add_filter_options", "filters_of"]

FLAG_TYPES: tuple[str, ...] = get_args(FlagType)
"""The flag types `--flag` accepts."""
DECISIONS: tuple[str, ...] = get_args(Action)
"""The decisions `--decision` accepts."""


def add_filter_options(parser: argparse.ArgumentParser) -> None:
    """Add the filter options (`--flag`, `--tool`, ..., `--all`) to `parser`."""
    group = parser.add_argument_group(
        "filters", "which records to show; repeated options match any of their values"
    )
    group.add_argument(
        "--flag",
        action="append",
        metavar="TYPE",
        help=f"records with a flag of this type ({', '.join(FLAG_TYPES)})",
    )
    group.add_argument("--tool", action="append", metavar="NAME", help="a flagged call of a tool")
    group.add_argument(
        "--param", action="append", metavar="PATH", help="a flagged argument (origin, a.b[0])"
    )
    group.add_argument("--domain", action="append", metavar="NAME", help="an eval case's domain")
    group.add_argument(
        "--decision", action="append", metavar="ACTION", help=f"one of {', '.join(DECISIONS)}"
    )
    group.add_argument("--input", metavar="ID", help="an input id; * and ? match as in a glob")
    group.add_argument(
        "--support",
        metavar="MIN:MAX",
        help="a flagged claim's support in this range (either side may be left out: 0.2:, :0.5)",
    )
    group.add_argument("--since", metavar="TIME", help="records at or after this ISO time or date")
    group.add_argument("--until", metavar="TIME", help="records before this ISO time (or date)")
    group.add_argument(
        "--all", action="store_true", help="also records without flags (the default: flagged)"
    )


def _choices(option: str, values: list[str] | None, valid: tuple[str, ...]) -> tuple[str, ...]:
    for value in values or ():
        if value not in valid:
            raise InputError(option, f"no such value {clip(value)!r} (valid: {', '.join(valid)})")
    return tuple(dict.fromkeys(values or ()))


def _bound(option: str, text: str, spec: str) -> float | None:
    if not text.strip():
        return None
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0.0 <= value <= 1.0:
        raise InputError(option, f"{clip(spec)!r} is not MIN:MAX with numbers from 0 to 1")
    return value


def _support(spec: str | None) -> tuple[float | None, float | None]:
    if spec is None:
        return None, None
    low, sep, high = spec.partition(":")
    if not sep:
        raise InputError("--support", f"{clip(spec)!r} is not MIN:MAX (such as 0.2:0.6 or :0.3)")
    lo, hi = _bound("--support", low, spec), _bound("--support", high, spec)
    if lo is not None and hi is not None and lo > hi:
        raise InputError("--support", f"{clip(spec)!r}: MIN is above MAX")
    return lo, hi


def _time(option: str, text: str | None) -> str | None:
    """An ISO time or date as the trace writes it (UTC, `+00:00`), for comparing as text."""
    if text is None:
        return None
    value = text.strip()
    try:
        if len(value) == 10:
            return dt.date.fromisoformat(value).isoformat()
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "T", 1))
    except ValueError:
        raise InputError(
            option, f"{clip(text)!r} is no ISO date or time (2026-05-03, 2026-05-03T14:00)"
        ) from None
    if when.tzinfo is not None:
        when = when.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return when.isoformat(timespec="milliseconds")


def filters_of(args: argparse.Namespace) -> Filters:
    """The `Filters` of parsed filter options.

    Raises:
        InputError: naming the option, for a value that is not one it takes.
    """
    lo, hi = _support(args.support)
    return Filters(
        flag_types=_choices("--flag", args.flag, FLAG_TYPES),
        tools=tuple(dict.fromkeys(args.tool or ())),
        params=tuple(dict.fromkeys(args.param or ())),
        domains=tuple(dict.fromkeys(args.domain or ())),
        decisions=_choices("--decision", args.decision, DECISIONS),
        input_id=args.input or None,
        support_min=lo,
        support_max=hi,
        since=_time("--since", args.since),
        until=_time("--until", args.until),
        flagged=not args.all,
    )
