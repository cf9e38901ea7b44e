"""The query strings of the viewer's API, checked by the rules of `agentguard inspect`'s options.

A query key the route does not take, a flag type or decision that does not exist, a support
bound that is no number from 0 to 1 (or a `min` above `max`) and a time that is no ISO time
are each an `InputError` naming the key, which the server answers with 400.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence

from agentguard.errors import InputError, clip
from agentguard.inspection import options
from agentguard.inspection.index import Filters

__all__ = ["FILTER_KEYS", "PAGE_KEYS", "check_keys", "filters_of", "one", "values"]

FILTER_KEYS: tuple[str, ...] = (
    "flag", "tool", "param", "domain", "decision", "input", "min", "max", "since", "until", "all",
)  # fmt: skip
"""The filter keys of `/api/rows` and `/api/summary`."""
PAGE_KEYS: tuple[str, ...] = ("offset", "limit", "cases")
"""The further keys of `/api/rows`."""
# The inspect option an error of `options.filters_of` names, and the query key(s) it stands for.
_KEY_OF_OPTION = {
    "--flag": "flag",
    "--decision": "decision",
    "--support": "min/max",
    "--since": "since",
    "--until": "until",
}
_YES, _NO = ("1", "true", "yes"), ("0", "false", "no")


def values(query: Mapping[str, Sequence[str]], key: str) -> tuple[str, ...]:
    """The values of a query key, given repeated or comma-separated; blanks dropped."""
    out: list[str] = []
    for value in query.get(key, ()):
        out += [v.strip() for v in value.split(",") if v.strip()]
    return tuple(out)


def one(query: Mapping[str, Sequence[str]], key: str) -> str | None:
    """The last non-blank value of a query key, or None."""
    found = [v for v in query.get(key, ()) if v.strip()]
    return found[-1].strip() if found else None


def check_keys(query: Mapping[str, Sequence[str]], allowed: Sequence[str]) -> None:
    """Refuse a query key that is not in `allowed`.

    Raises:
        InputError: naming the first unknown key and listing the valid ones.
    """
    for key in query:
        if key not in allowed:
            raise InputError(clip(key, 20), f"no such query key (valid: {', '.join(allowed)})")


def _flagged(query: Mapping[str, Sequence[str]]) -> bool:
    text = one(query, "all")
    if text is None or text.lower() in _NO:
        return True
    if text.lower() in _YES:
        return False
    raise InputError("all", f"{clip(text, 20)!r} is not 1 or 0")


def filters_of(query: Mapping[str, Sequence[str]], extra_keys: Sequence[str] = ()) -> Filters:
    """The `Filters` of a query string parsed by `urllib.parse.parse_qs`.

    Keys: `flag`, `tool`, `param`, `domain`, `decision` (each any of, repeated or
    comma-separated), `input` (an input id, `*` for any run of characters), `min` and `max`
    (support), `since`, `until` (ISO times or dates), and `all=1` for records without flags
    too. Each is checked as the matching option of `agentguard inspect` is.

    Args:
        query: The parsed query.
        extra_keys: Further keys the route takes (paging), checked elsewhere.

    Raises:
        InputError: naming the key, for an unknown key or a value that key does not take.
    """
    check_keys(query, (*FILTER_KEYS, *extra_keys))
    low, high = one(query, "min"), one(query, "max")
    args = argparse.Namespace(
        flag=list(values(query, "flag")),
        tool=list(values(query, "tool")),
        param=list(values(query, "param")),
        domain=list(values(query, "domain")),
        decision=list(values(query, "decision")),
        input=one(query, "input"),
        support=None if low is None and high is None else f"{low or ''}:{high or ''}",
        since=one(query, "since"),
        until=one(query, "until"),
        all=not _flagged(query),
    )
    try:
        return options.filters_of(args)
    except InputError as exc:
        raise InputError(_KEY_OF_OPTION.get(exc.where, exc.where), exc.what) from None
