"""The inspection subcommands of `agentguard`, each in a module of its own.

A subcommand module has `add_parser(sub)`, which adds its parser to the `agentguard`
subparsers and sets `func` to its `run(args, stdout, stderr) -> int`.
"""

from __future__ import annotations

from typing import Any

from agentguard.inspection import inspect_command

__all__ = ["add_parsers"]

_SUBCOMMANDS = (inspect_command,)


def add_parsers(sub: Any) -> None:
    """Add the inspection subcommands (`inspect`) to the `agentguard` subparsers `sub`."""
    for module in _SUBCOMMANDS:
        module.add_parser(sub)
