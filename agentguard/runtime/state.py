"""The agent graph's state and the plain helpers around it.

`AgentState` is what LangGraph checkpoints between steps; `as_messages` checks a run's input
before it enters that state; `open_checkpointer` turns the `checkpointer` argument of `Agent`
into a saver. LangGraph is imported inside the functions that need it, so importing this
module (and `agentguard`) stays light.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import ValidationError
from typing_extensions import TypedDict

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


def append_messages(left: list[MessageDict], right: list[MessageDict]) -> list[MessageDict]:
    """The `messages` reducer: `right` appended to `left`, or `right` when it repeats `left`.

    A graph run as a subgraph hands its parent the whole conversation, which starts with the
    parent's own messages; so does a caller that sends the whole history again. Appending
    would repeat those messages, so an update that starts with all of `left` replaces it.

    Example:
        >>> hi = {"role": "user", "content": "Hi"}
        >>> hello = {"role": "assistant", "content": "Hello!"}
        >>> append_messages([hi], [hello]) == [hi, hello]
        True
        >>> append_messages([hi], [hi, hello]) == [hi, hello]
        True
    """
    if left and len(right) >= len(left) and right[: len(left)] == left:
        return list(right)
    return [*left, *right]


class AgentState(TypedDict, total=False):
    """The state of the agent's graph (checkpointed, so plain JSON-like values only).

    Use it as the state of a parent graph that runs `Agent(...).graph` as a node: the parent
    passes `messages` (OpenAI-format dicts) in and reads `messages`, `status` and `reports`
    back. A parent that runs the agent again on the same thread sets `steps` and `retries` to
    0 in its input, as `Agent.run` does.
    """

    messages: Annotated[list[MessageDict], append_messages]
    """The conversation, in OpenAI chat format: the model's context and the monitor's."""
    feedback: list[MessageDict]
    """One-shot notes for the next model call (a retry's reason); never part of the context."""
    output: MessageDict | None
    """The latest model output, before the monitor has let it into `messages`."""
    report: dict[str, Any] | None
    """The monitor's report on `output` (a `Report` as JSON)."""
    reports: list[dict[str, Any]]
    """Every report of the run, in order."""
    steps: int
    """Model calls made in this run."""
    retries: int
    """Regenerations made in this run (retries, resolver notes and `use_context` notes
    together)."""
    route: str
    """The node the last step chose to go to next."""
    status: str
    """`running`, `answered`, or why the run stopped (`blocked`, `step_limit`, ...)."""
    detail: str | None
    """A line on how the run ended."""
    run: str
    """The run's id, written into trace records."""


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
