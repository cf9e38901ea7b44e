"""MCP: a tool call whose arguments nobody gave is held back before it reaches the server.

Offline: a FastMCP server with a `book_flight` tool runs in this process, connected through the
MCP SDK's in-memory transport. With a real server, wrap the `ClientSession` you already have
(stdio, SSE, streamable HTTP) the same way.

    pip install 'agentguard[mcp]'
    python examples/integrations/mcp_guarded.py
"""

from __future__ import annotations

import asyncio
from typing import Any

from mcp.server.fastmcp import FastMCP
from mcp.shared.memory import create_connected_server_and_client_session
from mcp.types import TextContent

from agentguard.integrations.mcp import GuardedSession

server = FastMCP("travel")
booked: list[str] = []


@server.tool()
def book_flight(origin: str, destination: str, date: str) -> str:
    """Book a one-way flight.

    Args:
        origin: City of departure.
        destination: City of arrival.
        date: Date of the flight, YYYY-MM-DD.
    """
    booked.append(f"{origin} -> {destination} on {date}")
    return f"Booked {origin} -> {destination} on {date}."


def text(result: Any) -> str:
    return " ".join(c.text for c in result.content if isinstance(c, TextContent))


async def main() -> None:
    conversation: list[dict[str, Any]] = [
        {"role": "system", "content": "You are a travel agent. Today is Wednesday, 1 May 2024."},
        {"role": "user", "content": "Book me a flight to Denver on 2024-05-03."},
    ]
    async with create_connected_server_and_client_session(server) as session:
        guarded = GuardedSession(session, messages=conversation, on_flag="result")

        # The model guessed the origin: the call is not sent, the question comes back instead.
        args = {"origin": "Boston", "destination": "Denver", "date": "2024-05-03"}
        result = await guarded.call_tool("book_flight", args)
        assert guarded.last_report is not None
        print(f"decision: {guarded.last_report.decision.action}")
        print(f"held back: {text(result)}")

        # The user answers; the same call now rests on what they said and goes through.
        conversation.append({"role": "user", "content": "From Boston."})
        result = await guarded.call_tool("book_flight", args)
        assert guarded.last_report is not None
        print(f"decision: {guarded.last_report.decision.action}")
        print(f"sent: {text(result)}")
    print(f"server bookings: {booked}")


if __name__ == "__main__":
    asyncio.run(main())
