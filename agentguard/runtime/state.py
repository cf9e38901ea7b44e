"""The agent graph's state and the plain helpers around it.

`AgentState` is what LangGraph checkpoints between steps; `as_messages` checks a run's input
before it enters that state; `open_checkpointer` turns the `checkpointer` argument of `Agent`
into a saver. LangGraph is imported inside the functions that need it, so importing this
module (and `agentguard`) stays light.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypedDict

from pydantic import ValidationError

from agentguard.errors import InputError, from_validation_error
from agentguard.inputs import Message
from agentguard.runtime.models import MessageDict, valid_strings

if TYPE_CHECKING:
    import sqlite3

    from langgraph.checkpoint.base import BaseCheckpointSaver


StepCallback = Callable[[str, dict[str, Any]], None]
"""`on_step(node, update)`: called with each graph step's name and state update."""

END_ROUTE = "__end__"
"""The route that ends the graph (LangGraph's `END`, without importing LangGraph)."""


class AgentState(TypedDict, total=False):
    """The graph state (checkpointed, so plain JSON-like values only)."""

    messages: Annotated[list[MessageDict], operator.add]
    feedback: list[MessageDict]
    output: MessageDict | None
    report: dict[str, Any] | None
    reports: list[dict[str, Any]]
    steps: int
    retries: int
    route: str
    status: str
    detail: str | None
    run: str


def next_route(state: AgentState) -> str:
    """The node a step's `route` names; the end when it names none."""
    return state.get("route", END_ROUTE)


def current_thread_id() -> str:
    """The thread of the graph run in progress; `""` outside a run."""
    from langgraph.config import get_config

    try:
        return str(get_config()["configurable"]["thread_id"])
    except (RuntimeError, KeyError):
        return ""


def as_messages(input: str | MessageDict | list[MessageDict]) -> list[MessageDict]:
    """A run's input as a list of copied, validated messages (text becomes a user message).

    Lone surrogates in the text become U+FFFD, as in model outputs.

    Raises:
        InputError: Naming the bad message and field, e.g. `input[1].role`.
    """
    if isinstance(input, str):
        return [{"role": "user", "content": valid_strings(input)}]
    items = [input] if isinstance(input, dict) else input
    if not isinstance(items, list):
        raise InputError("input", "must be text, a message, or a list of messages")
    for i, m in enumerate(items):
        if not isinstance(m, dict):
            raise InputError(f"input[{i}]", f"must be a message object, not {type(m).__name__}")
        try:
            Message.model_validate(m)
        except ValidationError as exc:
            where, what = from_validation_error(exc)
            raise InputError(f"input[{i}].{where}", what) from None
    return [valid_strings(dict(m)) for m in items]


def open_checkpointer(
    spec: object,
) -> tuple[BaseCheckpointSaver[Any], sqlite3.Connection | None]:
    """A saver for `spec`, with the SQLite connection opened for it (the caller closes it).

    `None` or `"memory"` gives an in-memory saver; a `str` or `Path` a SQLite file there
    (its folder is created); anything else is taken to be a LangGraph checkpointer.
    """
    if spec is None or spec == "memory":
        from langgraph.checkpoint.memory import InMemorySaver

        return InMemorySaver(), None
    if isinstance(spec, (str, Path)):
        import sqlite3

        from langgraph.checkpoint.sqlite import SqliteSaver

        path = Path(spec)
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), check_same_thread=False)
        return SqliteSaver(conn), conn
    return spec, None  # type: ignore[return-value]  # a BaseCheckpointSaver of the user's
