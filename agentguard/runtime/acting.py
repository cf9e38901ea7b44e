"""Running the model's tool calls, and finding calls already made in a conversation."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from agentguard.runtime.calls import Calls
from agentguard.runtime.models import MessageDict
from agentguard.runtime.tools import Tool


def run_tool(
    tools: Mapping[str, Tool], name: str, raw: str, *, calls: Calls | None = None
) -> tuple[str, dict[str, Any] | None]:
    """Run the tool `name` on the JSON arguments `raw` (`calls` bounds abandoned threads).

    A bad call is the model's error, so it is returned, never raised: the content is what the
    model sees in the tool message.

    Returns:
        `(content, error)`, where `error` holds the fields of a `tool_error` event (`error`,
        and the tool's `message` when the tool itself failed), or None when the call ran.
    """
    tool = tools.get(name)
    if tool is None:
        shown = name if len(name) <= 80 else name[:80] + "..."
        return f"error: there is no tool named {shown!r}", {"error": "unknown tool"}
    try:
        args = json.loads(raw)
    except (ValueError, RecursionError):
        args = None
    if not isinstance(args, dict):
        error = {"error": "arguments not a JSON object"}
        return "error: the arguments are not a JSON object", error
    result = tool.run(args, calls=calls)
    if result.error:
        return result.content, {"error": result.error, "message": result.content}
    return result.content, None


def already_called(messages: Sequence[MessageDict], name: str, args: dict[str, Any]) -> bool:
    """Whether an assistant message in `messages` called `name` with these same arguments."""
    wanted = json.dumps(args, sort_keys=True)
    for m in messages:
        for c in m.get("tool_calls") or []:
            if c["function"]["name"] != name:
                continue
            try:
                same = json.dumps(json.loads(c["function"]["arguments"]), sort_keys=True)
            except (ValueError, RecursionError):
                continue
            if same == wanted:
                return True
    return False
