"""The MCP integration, against a real FastMCP server over the SDK's in-memory transport."""

from __future__ import annotations

import asyncio
import json
import runpy
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from mcp import ClientSession
from mcp.server.fastmcp import FastMCP
from mcp.shared.memory import create_connected_server_and_client_session
from mcp.types import CallToolResult, TextContent

from agentguard import Monitor, Report
from agentguard.integrations.mcp import AssumptionFlagged, GuardedSession

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "integrations"
T = TypeVar("T")

SYSTEM = {"role": "system", "content": "You are a travel agent. Today is Wednesday, 1 May 2024."}
GUESSED = {"origin": "Boston", "destination": "Denver", "date": "2024-05-03"}


def _server(calls: list[dict[str, str]]) -> FastMCP:
    server = FastMCP("travel")

    @server.tool()
    def book_flight(origin: str, destination: str, date: str) -> str:
        """Book a one-way flight.

        Args:
            origin: City of departure.
            destination: City of arrival.
            date: Date of the flight, YYYY-MM-DD.
        """
        calls.append({"origin": origin, "destination": destination, "date": date})
        return f"Booked {origin} -> {destination} on {date}."

    @server.resource("travel://policy")
    def policy() -> str:
        return "No refunds."

    return server


def _run(calls: list[dict[str, str]], body: Callable[[ClientSession], Awaitable[T]]) -> T:
    async def main() -> T:
        async with create_connected_server_and_client_session(_server(calls)) as session:
            return await body(session)

    return asyncio.run(main())


def _text(result: CallToolResult) -> str:
    return " ".join(c.text for c in result.content if isinstance(c, TextContent))


def test_a_call_with_an_argument_nobody_gave_is_not_sent_and_raises() -> None:
    calls: list[dict[str, str]] = []
    messages = [SYSTEM, {"role": "user", "content": "Book me a flight to Denver on 2024-05-03."}]

    async def body(session: ClientSession) -> AssumptionFlagged:
        guarded = GuardedSession(session, messages=messages)
        with pytest.raises(AssumptionFlagged) as caught:
            await guarded.call_tool("book_flight", GUESSED)
        assert guarded.last_report is caught.value.report
        return caught.value

    flagged = _run(calls, body)
    assert calls == []
    assert flagged.report.decision.action == "ask_user"
    assert flagged.question == flagged.report.decision.question
    assert "origin" in flagged.question
    origin = next(c for c in flagged.report.claims if c.path == "origin")
    assert origin.tool == "book_flight"
    assert origin.label != "supported"


def test_on_flag_result_returns_the_question_as_an_error_result() -> None:
    calls: list[dict[str, str]] = []
    messages = [SYSTEM, {"role": "user", "content": "Book me a flight to Denver on 2024-05-03."}]

    async def body(session: ClientSession) -> CallToolResult:
        return await GuardedSession(session, messages=messages, on_flag="result").call_tool(
            "book_flight", GUESSED
        )

    result = _run(calls, body)
    assert calls == []
    assert result.isError
    assert "origin" in _text(result)


def test_a_call_whose_arguments_the_user_stated_is_sent() -> None:
    calls: list[dict[str, str]] = []
    conversation: list[dict[str, Any]] = [
        SYSTEM,
        {"role": "user", "content": "Book me a flight from Boston to Denver on 2024-05-03."},
    ]

    async def body(session: ClientSession) -> tuple[CallToolResult, str]:
        guarded = GuardedSession(session, Monitor(), messages=lambda: conversation)
        result = await guarded.call_tool("book_flight", GUESSED)
        assert guarded.last_report is not None
        return result, guarded.last_report.decision.action

    result, action = _run(calls, body)
    assert action in ("allow", "annotate")
    assert not result.isError
    assert calls == [GUESSED]
    assert _text(result) == "Booked Boston -> Denver on 2024-05-03."


def test_the_conversation_is_read_afresh_at_each_call() -> None:
    calls: list[dict[str, str]] = []
    conversation: list[dict[str, Any]] = [
        SYSTEM,
        {"role": "user", "content": "Book me a flight to Denver on 2024-05-03."},
    ]

    async def body(session: ClientSession) -> list[bool]:
        guarded = GuardedSession(session, messages=conversation, on_flag="result")
        first = await guarded.call_tool("book_flight", GUESSED)
        conversation.append({"role": "user", "content": "From Boston."})
        second = await guarded.call_tool("book_flight", GUESSED)
        return [bool(first.isError), bool(second.isError)]

    assert _run(calls, body) == [True, False]
    assert calls == [GUESSED]


def test_tools_are_listed_once_as_openai_definitions_and_the_rest_is_delegated() -> None:
    calls: list[dict[str, str]] = []
    messages = [SYSTEM, {"role": "user", "content": "Book Boston to Denver on 2024-05-03."}]

    async def body(session: ClientSession) -> tuple[list[dict[str, Any]], int, str]:
        listed = 0
        original = session.list_tools

        async def counting(*args: Any, **kwargs: Any) -> Any:
            nonlocal listed
            listed += 1
            return await original(*args, **kwargs)

        session.list_tools = counting  # type: ignore[method-assign]
        guarded = GuardedSession(session, messages=messages)
        await guarded.call_tool("book_flight", GUESSED)
        await guarded.call_tool("book_flight", GUESSED)
        resource = await guarded.read_resource("travel://policy")  # delegated
        text = resource.contents[0].text
        return await guarded.tools(), listed, text

    tools, listed, text = _run(calls, body)
    assert listed == 1
    assert text == "No refunds."
    (tool,) = tools
    assert tool["type"] == "function"
    fn = tool["function"]
    assert fn["name"] == "book_flight"
    assert fn["description"].startswith("Book a one-way flight.")
    assert fn["parameters"]["required"] == ["origin", "destination", "date"]
    assert set(fn["parameters"]["properties"]) == {"origin", "destination", "date"}


def test_a_bad_on_flag_is_refused() -> None:
    with pytest.raises(ValueError, match="on_flag"):
        GuardedSession(object(), messages=[], on_flag="ignore")  # type: ignore[arg-type]


def test_the_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    runpy.run_path(str(EXAMPLES / "mcp_guarded.py"), run_name="__main__")
    assert capsys.readouterr().out.splitlines() == [
        "decision: ask_user",
        "held back: Could you tell me the origin?",
        "decision: allow",
        "sent: Booked Boston -> Denver on 2024-05-03.",
        "server bookings: ['Boston -> Denver on 2024-05-03']",
    ]


def _same(a: Report, b: Report) -> None:
    left, right = a.model_dump(mode="json"), b.model_dump(mode="json")
    left.pop("latency_ms")
    right.pop("latency_ms")
    assert left == right


def test_a_conversation_is_checked_through_the_wrappers_one_session() -> None:
    calls: list[dict[str, str]] = []
    conversation: list[dict[str, Any]] = [SYSTEM]
    turns = [
        ("Book me a flight to Denver on 2024-05-03.", GUESSED),
        ("From Boston.", GUESSED),
        (
            "And a flight on 2024-05-07.",
            {"origin": "Denver", "destination": "Chicago", "date": "2024-05-07"},
        ),
        (
            "From Denver to Chicago.",
            {"origin": "Denver", "destination": "Chicago", "date": "2024-05-07"},
        ),
    ]
    fresh = Monitor()

    async def body(session: ClientSession) -> list[str]:
        guarded = GuardedSession(session, messages=conversation, on_flag="result")
        first = guarded.monitor_session
        actions = []
        for n, (text, arguments) in enumerate(turns, 1):
            conversation.append({"role": "user", "content": text})
            result = await guarded.call_tool("book_flight", arguments)
            report = guarded.last_report
            assert report is not None and guarded.monitor_session is first
            call = {
                "id": f"mcp_call_{n}",
                "type": "function",
                "function": {"name": "book_flight", "arguments": json.dumps(arguments)},
            }
            expected = fresh.check(
                messages=conversation,
                tools=await guarded.tools(),
                output={"content": None, "tool_calls": [call]},
            )
            _same(report, expected)
            actions.append(report.decision.action)
            if result.isError:
                conversation.append({"role": "assistant", "content": _text(result)})
            else:
                conversation.append({"role": "assistant", "content": None, "tool_calls": [call]})
                conversation.append(
                    {"role": "tool", "tool_call_id": call["id"], "content": _text(result)}
                )
        # Every call extended the index the first call built: none read the conversation again.
        assert first._contexts.memo.builds == 1  # type: ignore[attr-defined]
        return actions

    assert _run(calls, body) == ["ask_user", "allow", "ask_user", "allow"]
    assert len(calls) == 2


def _calc_server(calls: list[Any]) -> FastMCP:
    server = _server(calls)

    @server.tool()
    def calculator(expression: str) -> str:
        """Evaluate an arithmetic expression.

        Args:
            expression: The expression, e.g. "2 + 2".
        """
        calls.append({"expression": expression})
        return "391"

    return server


def _run_calc(calls: list[Any], body: Callable[[ClientSession], Awaitable[T]]) -> T:
    async def main() -> T:
        async with create_connected_server_and_client_session(_calc_server(calls)) as session:
            return await body(session)

    return asyncio.run(main())


def test_a_needless_call_returns_the_known_value_without_reaching_the_server() -> None:
    calls: list[Any] = []
    messages = [{"role": "user", "content": "What is 17 times 23?"}]

    async def body(session: ClientSession) -> tuple[CallToolResult, Report | None]:
        guarded = GuardedSession(session, messages=messages)
        result = await guarded.call_tool("calculator", {"expression": "17 * 23"})
        return result, guarded.last_report

    result, report = _run_calc(calls, body)
    assert calls == []
    assert not result.isError and _text(result) == "391"
    assert report is not None and report.decision.action == "use_context"
    assert report.decision.known[0].origin == "computed"


def test_a_call_already_answered_in_the_conversation_is_not_sent_again() -> None:
    calls: list[Any] = []
    booked = "Booked Boston -> Denver on 2024-05-03."
    messages = [
        SYSTEM,
        {"role": "user", "content": "Book me a flight from Boston to Denver on 2024-05-03."},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "book_flight", "arguments": json.dumps(GUESSED)},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": booked},
    ]

    async def body(session: ClientSession) -> tuple[CallToolResult, Report | None]:
        guarded = GuardedSession(session, messages=messages, on_flag="result")
        result = await guarded.call_tool("book_flight", dict(reversed(GUESSED.items())))
        return result, guarded.last_report

    result, report = _run_calc(calls, body)
    assert calls == []  # not booked twice
    assert not result.isError and _text(result) == booked
    assert report is not None and report.decision.known[0].origin == "earlier_call"


def test_a_call_held_back_and_made_again_after_the_answer_is_sent() -> None:
    calls: list[Any] = []
    messages: list[dict[str, Any]] = [
        SYSTEM,
        {"role": "user", "content": "Book me a flight to Denver on 2024-05-03."},
    ]

    async def body(session: ClientSession) -> tuple[str, CallToolResult, Report | None]:
        guarded = GuardedSession(session, messages=messages, on_flag="result")
        held = await guarded.call_tool("book_flight", GUESSED)
        # The agent loop keeps the call and the question it got back as the call's result.
        call = {
            "id": "call_1",
            "type": "function",
            "function": {"name": "book_flight", "arguments": json.dumps(GUESSED)},
        }
        messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
        messages.append({"role": "tool", "tool_call_id": "call_1", "content": _text(held)})
        messages.append({"role": "user", "content": "From Boston."})
        sent = await guarded.call_tool("book_flight", GUESSED)
        return _text(held), sent, guarded.last_report

    question, sent, report = _run(calls, body)
    assert "origin" in question
    assert report is not None and report.decision.action == "allow"
    assert calls == [GUESSED] and not sent.isError
