"""Errors and warnings the package raises on purpose."""

from __future__ import annotations

from pydantic import ValidationError


class AgentguardWarning(UserWarning):
    """Base class of the warnings agentguard emits."""


class InputError(ValueError):
    """Malformed input: the message names what is wrong and where.

    Attributes:
        where: Location of the problem, e.g. `messages[2].role` or `x.yaml: costs.ask_user`.
        what: What is wrong there.
    """

    def __init__(self, where: str, what: str) -> None:
        self.where = where
        self.what = what
        super().__init__(f"{where}: {what}" if where else what)


class PolicyError(InputError):
    """An invalid policy file or policy object."""


def _loc(parts: tuple[int | str, ...], prefix: str) -> str:
    out = prefix
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
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
    if len(errors) > 1:
        what += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    return where, what
