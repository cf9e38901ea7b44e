"""Errors and warnings the package raises on purpose.

Messages are redacted (`agentguard.redaction`) and clipped: a bad value shows as its first
characters and its length, never whole (a 3 MB argument must not reach a log or a terminal).
"""

from __future__ import annotations

import re

from pydantic import ValidationError

from agentguard.redaction import redact_text

SHOWN_CHARS = 60
"""Characters of a bad value an error message shows."""
MAX_MESSAGE_CHARS = 400
"""Longest error message part (`where` or `what`) shown whole."""
# Longer than a clipped value with its quotes and `…`, so a value clipped already stays as is.
_LONG_WORD = re.compile(rf"\S{{{SHOWN_CHARS + 8},}}")
# A file path in a message (`... in /data/bfcl/answers.json`) is the operator's, not a value of
# the input: it stays whole, within the message's overall limit.
_PATH = re.compile(r"""^['"(]?(?:/|\.{1,2}/|~/|[A-Za-z]:\\)""")


def clip(value: object, limit: int = SHOWN_CHARS) -> str:
    """`value` as text, cut to `limit` characters with `…` and its length when longer.

    Example:
        >>> clip("x" * 100, 5)
        'xxxxx… (100 characters)'
    """
    try:
        text = value if isinstance(value, str) else str(value)
    except ValueError:  # an int with more digits than `str` converts
        return f"<{type(value).__name__} too long to show>"
    # Redacted before it is cut: a cut secret no longer matches its pattern.
    shown = redact_text(text[: limit + 400])
    if len(text) <= limit and len(shown) <= limit:
        return shown
    return f"{shown[:limit]}… ({len(text):,} characters)"


def safe_message(text: str, *, words: bool = True) -> str:
    """An error message part, redacted, with long words and a long whole clipped.

    Args:
        text: The message part.
        words: Also clip each run of over `SHOWN_CHARS` non-space characters (a value);
            off for locations, which hold file paths.
    """
    text = redact_text(text)
    if words and len(text) > SHOWN_CHARS + 7:
        text = _LONG_WORD.sub(
            lambda m: m.group() if _PATH.match(m.group()) else clip(m.group()), text
        )
    return clip(text, MAX_MESSAGE_CHARS)


class AgentguardWarning(UserWarning):
    """Base class of the warnings agentguard emits."""


class InputError(ValueError):
    """Malformed input: the message names what is wrong and where.

    Attributes:
        where: Location of the problem, e.g. `messages[2].role` or `x.yaml: costs.ask_user`.
        what: What is wrong there.
    """

    def __init__(self, where: str, what: str) -> None:
        where, what = safe_message(where, words=False), safe_message(what)
        self.where = where
        self.what = what
        super().__init__(f"{where}: {what}" if where else what)

    def __reduce__(self) -> tuple[type[InputError], tuple[str, str]]:
        # Crosses to and from worker processes and Ray actors as it is (the default pickling
        # would pass the one message argument).
        return type(self), (self.where, self.what)


class PolicyError(InputError):
    """An invalid policy file or policy object."""


def _loc(parts: tuple[int | str, ...], prefix: str) -> str:
    out = prefix
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            # A part can be a key of the input itself (an unknown field): show a prefix only.
            name = clip(part)
            out += f".{name}" if out else name
    return out


def from_validation_error(exc: ValidationError, prefix: str = "") -> tuple[str, str]:
    """Turn a pydantic error into `(where, what)` for its first problem, counting the rest."""
    errors = exc.errors(include_url=False)
    first = errors[0]
    where = _loc(tuple(first["loc"]), prefix) or prefix or "input"
    what = first["msg"]
    if first["type"] == "extra_forbidden":
        what = "unknown field"
    elif first["type"] == "value_error":
        what = what.removeprefix("Value error, ")  # our own validators' messages stand alone
    what = clip(what, MAX_MESSAGE_CHARS)
    if len(errors) > 1:
        what += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    return where, what
