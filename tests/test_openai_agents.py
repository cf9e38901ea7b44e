"""The OpenAI Agents SDK guardrails, run offline with the SDK's own ScriptedModel."""

from __future__ import annotations

import asyncio
import runpy
from pathlib import Path
from typing import Any

import pytest
from agents import (
    Agent,
    OutputGuardrailTripwireTriggered,
    RunConfig,
    Runner,
    RunResult,
    function_tool,
)
from agents.testing import ScriptedModel, assistant_message, function_call

from agentguard import Monitor
from agentguard.integrations.openai_agents import (
    AgentGuardHooks,
    GuardrailInfo,
    agentguard_output_guardrail,
    agentguard_tool_input_guardrail,
    chat_messages,
)
from tests.recording import RecordingMonitor, same_report

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "integrations"
SYSTEM = "You are a travel agent."
# Tracing would try to export to the OpenAI API; the tests stay offline.
OFFLINE = RunConfig(tracing_disabled=True)


def _booking_agent(model: ScriptedModel, booked: list[dict[str, str]], **guard: Any) -> Agent[Any]:
    @function_tool(tool_input_guardrails=[agentguard_tool_input_guardrail(**guard)])
    def book_flight(origin: str, destination: str) -> str:
        """Book a one-way flight.

        Args:
            origin: City of departure.
            destination: City of arrival.
        """
        booked.append({"origin": origin, "destination": destination})
        return "Booked."

    return Agent(name="travel", instructions=SYSTEM, model=model, tools=[book_flight])


def _run(
    agent: Agent[Any], text: str | list[Any], hooks: AgentGuardHooks | None = None
) -> RunResult:
    return asyncio.run(Runner.run(agent, text, run_config=OFFLINE, hooks=hooks))


def _tool_outputs(model: ScriptedModel) -> list[str]:
    """What the model was told each tool call returned, at its latest call."""
    call = model.last_call
    assert call is not None
    return [i["output"] for i in call.input if i.get("type") == "function_call_output"]


def test_a_guessed_argument_is_rejected_and_the_model_reads_the_question() -> None:
    model = ScriptedModel(
        [
            [
                function_call(
                    "book_flight", {"origin": "Boston", "destination": "Denver"}, call_id="c1"
                )
            ],
            [assistant_message("Which city are you flying from?")],
        ]
    )
    booked: list[dict[str, str]] = []
    result = _run(_booking_agent(model, booked), "Book me a flight to Denver.")
    assert booked == []
    (said,) = _tool_outputs(model)
    assert said == "Could you tell me the city of departure?"
    (guard,) = result.tool_input_guardrail_results
    info = guard.output.output_info
    assert isinstance(info, GuardrailInfo)
    assert info.held and info.question == said
    assert info.report.decision.action == "ask_user"
    flagged = {
        c.path for c in info.report.claims if c.id in {f.claim_id for f in info.report.flags}
    }
    assert flagged == {"origin"}
    assert result.final_output == "Which city are you flying from?"
    model.assert_complete()


def test_stated_arguments_pass_and_the_tool_runs() -> None:
    model = ScriptedModel(
        [
            [
                function_call(
                    "book_flight", {"origin": "Boston", "destination": "Denver"}, call_id="c1"
                )
            ],
            [assistant_message("Done.")],
        ]
    )
    booked: list[dict[str, str]] = []
    result = _run(_booking_agent(model, booked), "Book me a flight from Boston to Denver.")
    assert booked == [{"origin": "Boston", "destination": "Denver"}]
    assert _tool_outputs(model) == ["Booked."]
    (guard,) = result.tool_input_guardrail_results
    assert guard.output.behavior["type"] == "allow"
    assert guard.output.output_info.report.decision.action in {"allow", "annotate"}


def test_on_flag_raise_halts_the_run() -> None:
    from agents.exceptions import ToolInputGuardrailTripwireTriggered

    model = ScriptedModel(
        [
            [
                function_call(
                    "book_flight", {"origin": "Boston", "destination": "Denver"}, call_id="c1"
                )
            ]
        ]
    )
    booked: list[dict[str, str]] = []
    with pytest.raises(ToolInputGuardrailTripwireTriggered) as caught:
        _run(_booking_agent(model, booked, on_flag="raise"), "Book me a flight to Denver.")
    assert booked == []
    assert caught.value.output.output_info.report.decision.action == "ask_user"


def _order_agent(model: ScriptedModel, hooks: AgentGuardHooks | None) -> Agent[Any]:
    @function_tool
    def get_order(order_id: str) -> str:
        """Look up an order by its id."""
        return '{"order_id": "A-1042", "status": "shipped", "carrier": "UPS"}'

    return Agent(
        name="support",
        instructions="You answer questions about orders.",
        model=model,
        tools=[get_order],
        output_guardrails=[agentguard_output_guardrail(Monitor(), hooks=hooks)],
    )


def test_the_output_guardrail_trips_on_an_unsupported_final_answer() -> None:
    model = ScriptedModel([[assistant_message("Your order A-1042 was delivered on 3 May 2024.")]])
    with pytest.raises(OutputGuardrailTripwireTriggered) as caught:
        _run(_order_agent(model, None), "Where is my order A-1042?")
    info = caught.value.guardrail_result.output.output_info
    assert isinstance(info, GuardrailInfo)
    assert info.held and info.report.decision.action in {"ask_user", "retry", "block"}
    assert info.question


def test_the_output_guardrail_sees_tool_results_through_the_hooks() -> None:
    hooks = AgentGuardHooks()
    model = ScriptedModel(
        [
            [function_call("get_order", {"order_id": "A-1042"}, call_id="c1")],
            [assistant_message("Your order A-1042 has shipped with UPS.")],
        ]
    )
    result = _run(_order_agent(model, hooks), "Where is my order A-1042?", hooks=hooks)
    (guard,) = result.output_guardrail_results
    assert not guard.output.tripwire_triggered
    report = guard.output.output_info.report
    assert any(e.source.startswith("tool:get_order") for c in report.claims for e in c.evidence)


def test_input_items_become_chat_messages() -> None:
    items = [
        {"role": "developer", "content": "Be brief."},
        {"role": "user", "content": [{"type": "input_text", "text": "Where is A-1042?"}]},
        {"type": "function_call", "call_id": "c1", "name": "get_order", "arguments": "{}"},
        {"type": "function_call", "call_id": "c2", "name": "get_user", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "c1", "output": "shipped"},
        {"type": "reasoning", "id": "r1", "summary": []},
    ]
    messages = chat_messages(items, system_prompt="Support agent.")
    assert [m["role"] for m in messages] == ["system", "system", "user", "assistant", "tool"]
    assert messages[2]["content"] == "Where is A-1042?"
    assert [c["id"] for c in messages[3]["tool_calls"]] == ["c1", "c2"]
    assert messages[4] == {"role": "tool", "tool_call_id": "c1", "content": "shipped"}


def test_the_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    runpy.run_path(str(EXAMPLES / "openai_agents_guardrails.py"), run_name="__main__")
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (
        "tool call book_flight: rejected, the model was told: "
        "Could you tell me the city of departure?"
    )
    assert out[1] == "final answer: Which city are you flying from?"
    assert out[2] in {f"output guardrail: tripped ({a})" for a in ("ask_user", "retry", "block")}
    assert out[3].startswith("why: ")


def test_a_conversation_is_checked_through_one_session_of_the_monitor() -> None:
    monitor, hooks = RecordingMonitor(), AgentGuardHooks()
    booked: list[dict[str, str]] = []
    guard = agentguard_tool_input_guardrail(monitor, hooks=hooks)

    @function_tool(tool_input_guardrails=[guard])
    def book_flight(origin: str, destination: str) -> str:
        """Book a one-way flight.

        Args:
            origin: City of departure.
            destination: City of arrival.
        """
        booked.append({"origin": origin, "destination": destination})
        return "Booked."

    flight = {"origin": "Boston", "destination": "Denver"}
    model = ScriptedModel(
        [
            [function_call("book_flight", flight, call_id="c1")],
            [assistant_message("Which city are you flying from?")],
            [function_call("book_flight", flight, call_id="c2")],
            [assistant_message("Your flight from Boston to Denver is booked.")],
        ]
    )
    agent = Agent(
        name="travel",
        instructions=SYSTEM,
        model=model,
        tools=[book_flight],
        output_guardrails=[agentguard_output_guardrail(monitor, hooks=hooks)],
    )
    first = _run(agent, "Book me a flight to Denver.", hooks=hooks)
    second = _run(
        agent, [*first.to_input_list(), {"role": "user", "content": "From Boston."}], hooks
    )
    assert booked == [flight]
    assert second.final_output == "Your flight from Boston to Denver is booked."
    fresh = Monitor()
    actions = []
    for fields, report in monitor.checked:
        same_report(report, fresh.check(**fields))
        actions.append(report.decision.action)
    assert actions == ["ask_user", "allow", "allow", "allow"]
    # Both guardrails, over both runs, checked through the one session of the conversation.
    (session,) = monitor.sessions
    assert session._contexts.memo.builds == 1  # type: ignore[attr-defined]
    model.assert_complete()


def test_a_needless_tool_call_is_rejected_with_the_known_value() -> None:
    ran: list[str] = []

    @function_tool(tool_input_guardrails=[agentguard_tool_input_guardrail()])
    def calculator(expression: str) -> str:
        """Evaluate an arithmetic expression.

        Args:
            expression: The expression, e.g. "2 + 2".
        """
        ran.append(expression)
        return "391"

    model = ScriptedModel(
        [
            [function_call("calculator", {"expression": "17 * 23"}, call_id="c1")],
            [assistant_message("17 times 23 is 391.")],
        ]
    )
    agent = Agent(name="math", instructions="You do sums.", model=model, tools=[calculator])
    result = _run(agent, "What is 17 times 23?")
    assert ran == []  # the tool never ran: the model was told the result
    assert _tool_outputs(model) == ["No need to call calculator: 17 * 23 = 391."]
    (guard,) = result.tool_input_guardrail_results
    info = guard.output.output_info
    assert info.held and info.report.decision.action == "use_context"
    assert info.question == info.report.decision.message
    assert result.final_output == "17 times 23 is 391."
    model.assert_complete()


def test_the_output_guardrail_trips_on_a_question_the_conversation_answers() -> None:
    @function_tool
    def book_flight(origin: str, destination: str) -> str:
        """Book a one-way flight.

        Args:
            origin: The city you fly from.
            destination: The city you fly to.
        """
        return "Booked."

    model = ScriptedModel([[assistant_message("Which city will you be leaving from?")]])
    agent = Agent(
        name="travel",
        instructions=SYSTEM,
        model=model,
        tools=[book_flight],
        output_guardrails=[agentguard_output_guardrail()],
    )
    with pytest.raises(OutputGuardrailTripwireTriggered) as caught:
        _run(agent, "I'm flying from Boston. Book me a flight to Denver.")
    info = caught.value.guardrail_result.output.output_info
    assert info.held and info.report.decision.action == "use_context"
    assert info.question == info.report.decision.message
    assert "Boston" in info.question
