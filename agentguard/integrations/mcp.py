"""MCP: check a tool call's arguments against the conversation before the call reaches the server.

`GuardedSession` wraps an `mcp.ClientSession`. Its `call_tool(name, arguments)` first checks the
call, as one assistant tool call, against the conversation so far (OpenAI-format messages the
caller supplies) and the server's tools (from `list_tools()`, converted to OpenAI tool
definitions and cached). When the policy decides `ask_user`, `retry` or `block`, the call is not
sent: `AssumptionFlagged` is raised, or with `on_flag="result"` a `CallToolResult` with
`isError=True` and the clarifying question as its text comes back, for the model to read.
When it decides `use_context` (a needless call: the conversation already holds the result of the
same call with the same arguments, or the call is arithmetic the monitor computes exactly), the
call is not sent either: the known result comes back as the tool's result (`isError=False`), as
the server would have answered, whatever `on_flag` says.
Everything else (`list_resources`, `get_prompt`, `initialize`, ...) goes to the wrapped session.

A `GuardedSession` is one conversation: its checks go through one `Monitor.session()`, so each
call reads only the messages added since the previous one (a conversation edited in place is
read again from where it changed); the reports are those `Monitor.check` gives. A call held back
with `on_flag="result"` never ran: when the conversation keeps it with the question as its
result, the call and that result are left out of later checks, so the same call made once the
user has answered is not taken for a repeat.

Needs the `mcp` extra (`pip install 'agentguard[mcp]'`); `import agentguard` never imports the
MCP SDK, only this module does.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable
from typing import Any, Literal, TypeAlias

from agentguard.integrations._common import AssumptionFlagged
from agentguard.integrations._continue import needless_answers, without_refused
from agentguard.monitor import Monitor, MonitorSession
from agentguard.types import Report

try:
    from mcp import ClientSession
    from mcp.types import CallToolResult, ListToolsResult, TextContent, Tool
except ImportError as exc:  # pragma: no cover - the extra is installed in development
    raise ImportError(
        "agentguard.integrations.mcp needs the MCP SDK: pip install 'agentguard[mcp]'"
    ) from exc

__all__ = ["AssumptionFlagged", "GuardedSession", "OnFlag", "openai_tool"]

OnFlag: TypeAlias = Literal["raise", "result"]
"""What a held-back call does: raise `AssumptionFlagged`, or return an error `CallToolResult`."""

Messages: TypeAlias = Iterable[Any] | Callable[[], Iterable[Any]]
"""The conversation so far: a list the caller keeps appending to, or a callable returning it."""

# Decisions that hold the call back; `annotate` and `call_tool` let it through (the report says
# why), as `allow` does.
_HOLD = frozenset({"ask_user", "retry", "block"})


def openai_tool(tool: Tool) -> dict[str, Any]:
    """An MCP tool as an OpenAI tool definition: name, description, `inputSchema` as parameters.

    Example:
        >>> from mcp.types import Tool
        >>> openai_tool(Tool(name="ping", inputSchema={"type": "object"}))["function"]["name"]
        'ping'
    """
    return {
        "type": "function",
        "function": {
            "name": tool.name,
            "description": tool.description or getattr(tool, "title", None) or "",
            "parameters": tool.inputSchema,
        },
    }


class GuardedSession:
    """An `mcp.ClientSession` whose `call_tool` is checked before the call is sent.

    Args:
        session: The connected, initialized client session to wrap.
        monitor: The monitor that checks each call; a default `Monitor()` when omitted.
        messages: The conversation so far, in OpenAI chat format (or any form `Monitor.check`
            accepts): a list read afresh at every call, so one the caller keeps appending to
            works, or a callable returning it.
        on_flag: `"raise"` (the default) raises `AssumptionFlagged` for a held-back call;
            `"result"` returns a `CallToolResult` with `isError=True` and the question as text.

    Attributes:
        last_report: The report on the latest checked call, or `None` before the first.
        monitor_session: The monitor's session of this conversation, which every check of
            this wrapper goes through.

    Example:
        >>> async def book(session, conversation):  # doctest: +SKIP
        ...     guarded = GuardedSession(session, messages=conversation, on_flag="result")
        ...     result = await guarded.call_tool("book_flight", {"origin": "Boston", ...})
        ...     if result.isError:  # not sent: the user never said Boston
        ...         print(result.content[0].text)  # the clarifying question
    """

    def __init__(
        self,
        session: ClientSession,
        monitor: Monitor | None = None,
        *,
        messages: Messages,
        on_flag: OnFlag = "raise",
    ) -> None:
        if on_flag not in ("raise", "result"):
            raise ValueError(f"on_flag must be 'raise' or 'result', not {on_flag!r}")
        self.session = session
        self.monitor = monitor if monitor is not None else Monitor()
        self.monitor_session: MonitorSession = self.monitor.session()
        self.messages = messages
        self.on_flag: OnFlag = on_flag
        self.last_report: Report | None = None
        self._tools: list[dict[str, Any]] | None = None
        self._ids = itertools.count(1)
        self._refused: set[str] = set()  # the questions handed back in place of results

    def __getattr__(self, name: str) -> Any:
        # Only reached for names this class lacks: the rest of the session's API, unchanged.
        return getattr(self.session, name)

    async def __aenter__(self) -> GuardedSession:
        await self.session.__aenter__()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.session.__aexit__(*exc)

    async def list_tools(self, *args: Any, **kwargs: Any) -> ListToolsResult:
        """The wrapped session's `list_tools`; a full first page also refreshes the tool cache."""
        result = await self.session.list_tools(*args, **kwargs)
        if not args and not kwargs and result.nextCursor is None:
            self._tools = [openai_tool(t) for t in result.tools]
        return result

    async def tools(self, *, refresh: bool = False) -> list[dict[str, Any]]:
        """The server's tools as OpenAI tool definitions, listed once (every page) and cached."""
        if self._tools is None or refresh:
            found: list[Tool] = []
            cursor: str | None = None
            while True:
                page = await self.session.list_tools(cursor)
                found.extend(page.tools)
                cursor = page.nextCursor
                if not cursor:
                    break
            self._tools = [openai_tool(t) for t in found]
        return self._tools

    async def check_call(self, name: str, arguments: dict[str, Any] | None = None) -> Report:
        """Check a call to `name` with `arguments` against the conversation, without sending it."""
        report, _ = await self._check(name, arguments)
        return report

    async def _check(self, name: str, arguments: dict[str, Any] | None) -> tuple[Report, str]:
        """The report on the call, and the id the call had in the check."""
        call_id = f"mcp_call_{next(self._ids)}"
        call = {
            "id": call_id,
            "type": "function",
            "function": {"name": name, "arguments": json.dumps(arguments or {})},
        }
        source = self.messages() if callable(self.messages) else self.messages
        refused = self._refused
        report = await self.monitor_session.acheck(
            messages=without_refused(list(source), lambda _, text: text in refused),
            tools=await self.tools(),
            output={"content": None, "tool_calls": [call]},
        )
        self.last_report = report
        return report, call_id

    async def call_tool(
        self, name: str, arguments: dict[str, Any] | None = None, *args: Any, **kwargs: Any
    ) -> CallToolResult:
        """Check the call, then send it, or hold it back when the policy asks, retries or blocks.

        A needless call (`use_context`) is not sent: its known result is returned as the tool's
        result. Other arguments (`read_timeout_seconds`, `progress_callback`, `meta`) go to the
        wrapped session's `call_tool` as they are.

        Raises:
            AssumptionFlagged: if the call is held back and `on_flag` is `"raise"`.
        """
        report, call_id = await self._check(name, arguments)
        if report.decision.action == "use_context":
            known = needless_answers(report.decision, [{"id": call_id}])
            if known is not None:
                return CallToolResult(content=[TextContent(type="text", text=known[call_id])])
        if report.decision.action not in _HOLD:
            return await self.session.call_tool(name, arguments, *args, **kwargs)
        flagged = AssumptionFlagged(report)
        if self.on_flag == "raise":
            raise flagged
        self._refused.add(flagged.question)
        return CallToolResult(
            content=[TextContent(type="text", text=flagged.question)],
            isError=True,
        )
