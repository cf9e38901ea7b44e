from __future__ import annotations

import asyncio
import threading
import time
from typing import Any, Literal

import pytest

from agentguard import Agent, Policy, ScriptedModel, Tool, load_policy, tool
from agentguard.runtime.calls import Calls
from agentguard.runtime.interventions import with_resolvers
from agentguard.runtime.tools import as_tools


def _book(origin: str, seats: int = 1, cabin: Literal["economy", "business"] = "economy") -> str:
    """Book a flight.

    Args:
        origin: The city you fly from.
        seats: How many seats,
            counted per passenger.
        cabin: Cabin class.

    Returns:
        A confirmation.
    """
    return f"{origin}:{seats}:{cabin}"


def test_schema_comes_from_signature_and_docstring() -> None:
    t = tool(_book)
    fn = t.definition["function"]
    assert fn["name"] == "_book"
    assert fn["description"] == "Book a flight."
    props = fn["parameters"]["properties"]
    assert props["origin"] == {"type": "string", "description": "The city you fly from."}
    assert props["seats"]["default"] == 1
    assert props["seats"]["description"] == "How many seats, counted per passenger."
    assert props["cabin"]["enum"] == ["economy", "business"]
    assert fn["parameters"]["required"] == ["origin"]
    assert t.required == ("origin",)


def test_decorator_options() -> None:
    @tool(name="lookup", description="Find it.", resolves=["order_id"], cost=0.2, timeout=3)
    def f(email: str) -> str:
        return email

    assert isinstance(f, Tool)
    assert (f.name, f.description, f.resolves, f.cost, f.timeout) == (
        "lookup", "Find it.", ("order_id",), 0.2, 3
    )  # fmt: skip


def test_run_validates_and_converts() -> None:
    t = tool(_book)
    assert t.run({"origin": "Oslo", "seats": "2"}).content == "Oslo:2:economy"
    bad = t.run({"seats": 2, "extra": 1})
    assert bad.error == "invalid_arguments"
    assert "origin" in bad.content and "extra" in bad.content


def test_structured_results_are_json() -> None:
    @tool
    def info(n: int) -> dict[str, int]:
        return {"n": n}

    assert info.run({"n": 3}).content == '{"n": 3}'


def test_exceptions_become_error_results() -> None:
    @tool
    def broken() -> str:
        raise RuntimeError("database is down")

    result = broken.run({})
    assert result.error == "exception"
    assert result.content == "error: RuntimeError: database is down"


def test_hanging_tool_times_out() -> None:
    @tool(timeout=0.2)
    def hang() -> str:
        time.sleep(5)
        return "late"

    start = time.perf_counter()
    result = hang.run({})
    assert time.perf_counter() - start < 2
    assert result.error == "timeout"
    assert "timed out after 0.2 s" in result.content


def test_async_tools_run_and_time_out() -> None:
    @tool
    async def slow_add(a: int, b: int) -> int:
        await asyncio.sleep(0.01)
        return a + b

    @tool(timeout=0.2)
    async def never() -> str:
        await asyncio.sleep(5)
        return "late"

    assert slow_add.run({"a": 2, "b": 3}).content == "5"
    assert never.run({}).error == "timeout"


def test_async_tool_inside_running_event_loop() -> None:
    @tool(timeout=None)
    async def ping() -> str:
        return "pong"

    async def main() -> str:
        return ping.run({}).content

    assert asyncio.run(main()) == "pong"


def test_var_args_are_rejected() -> None:
    def f(*args: int) -> None: ...

    with pytest.raises(TypeError, match="cannot be described"):
        tool(f)


def test_duplicate_tool_names_are_rejected() -> None:
    with pytest.raises(ValueError, match="two tools are named '_book'"):
        as_tools([_book, tool(_book)])


def test_declared_resolvers_join_the_policy() -> None:
    @tool(resolves=["order_id", "text:number"], cost=0.1)
    def lookup(email: str) -> str:
        return ""

    policy = with_resolvers(load_policy("balanced"), [lookup])
    rule = policy.rule("refund", "order_id")
    assert (rule.resolver, rule.cost_tool) == ("lookup", 0.1)
    resolver = policy.text_resolver(("number",))
    assert resolver is not None and resolver.tool == "lookup"
    assert load_policy("balanced").rule("refund", "order_id").resolver is None  # not mutated


def test_policy_resolver_must_be_an_agent_tool() -> None:
    policy = Policy(name="p", tools={"*": {"params": {"order_id": {"resolver": "find_orders"}}}})
    with pytest.raises(ValueError, match="resolver 'find_orders'.*not one of the agent's tools"):
        Agent(ScriptedModel([]), [], policy=policy)


def test_hung_async_tools_are_cancelled_not_abandoned() -> None:
    @tool(timeout=0.05)
    async def wait_forever() -> str:
        await asyncio.Event().wait()
        return "never"

    calls = Calls(max_abandoned=1)
    before = threading.active_count()
    results = [wait_forever.run({}, calls=calls) for _ in range(20)]
    assert [r.error for r in results] == ["timeout"] * 20  # no call_limit: nothing is left over
    assert calls.abandoned == 0
    assert threading.active_count() <= before  # (threads of earlier tests may end meanwhile)


def test_calls_refuse_new_calls_while_the_cap_of_hung_ones_is_reached() -> None:
    release = threading.Event()

    @tool(timeout=0.05)
    def stuck() -> str:
        release.wait(30)
        return "late"

    calls = Calls(max_abandoned=2)
    try:
        errors = [stuck.run({}, calls=calls).error for _ in range(5)]
        refused = stuck.run({}, calls=calls)
    finally:
        release.set()
    assert errors == ["timeout", "timeout", "call_limit", "call_limit", "call_limit"]
    assert refused.content == (
        "error: stuck not started: 2 earlier calls timed out and are still running (the limit is 2)"
    )
    with pytest.raises(ValueError, match="at least 1"):
        Calls(max_abandoned=0)


def test_a_result_that_cannot_be_text_is_an_error_result() -> None:
    @tool
    def deep() -> Any:
        node: list[Any] = []
        for _ in range(100_000):
            node = [node]
        return node

    result = deep.run({})
    assert result.error == "exception"
    assert result.content.startswith("error: the result is not text or JSON (RecursionError")
