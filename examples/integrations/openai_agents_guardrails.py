"""OpenAI Agents SDK: agentguard as a tool-input guardrail and an output guardrail.

Offline: the SDK's `ScriptedModel` plays the model. First it books a flight from a city the user
never named; the tool-input guardrail rejects the call and the model reads the clarifying
question instead of a booking. Then an agent answers about an order it never looked up; the
output guardrail trips.

    pip install 'agentguard[agents]'
    python examples/integrations/openai_agents_guardrails.py
"""

from __future__ import annotations

import asyncio

from agents import Agent, OutputGuardrailTripwireTriggered, RunConfig, Runner, function_tool
from agents.testing import ScriptedModel, assistant_message, function_call

from agentguard.integrations.openai_agents import (
    AgentGuardHooks,
    agentguard_output_guardrail,
    agentguard_tool_input_guardrail,
)

# Tracing would export to the OpenAI API; this example stays offline.
OFFLINE = RunConfig(tracing_disabled=True)
hooks = AgentGuardHooks()


@function_tool(tool_input_guardrails=[agentguard_tool_input_guardrail(hooks=hooks)])
def book_flight(origin: str, destination: str) -> str:
    """Book a one-way flight.

    Args:
        origin: City of departure.
        destination: City of arrival.
    """
    return f"Booked {origin} to {destination}."


async def main() -> None:
    """Run both scenarios and print what the guardrails did."""
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
    travel = Agent(
        name="travel", instructions="You book flights.", model=model, tools=[book_flight]
    )
    result = await Runner.run(
        travel, "Book me a flight to Denver.", run_config=OFFLINE, hooks=hooks
    )
    (guard,) = result.tool_input_guardrail_results
    if guard.output.behavior["type"] == "reject_content":
        told = guard.output.output_info.question
        print(f"tool call book_flight: rejected, the model was told: {told}")
    print(f"final answer: {result.final_output}")

    support = Agent(
        name="support",
        instructions="You answer questions about orders.",
        model=ScriptedModel([[assistant_message("Your order A-1042 was delivered on 3 May.")]]),
        output_guardrails=[agentguard_output_guardrail(hooks=hooks)],
    )
    try:
        await Runner.run(support, "Where is my order A-1042?", run_config=OFFLINE, hooks=hooks)
    except OutputGuardrailTripwireTriggered as tripped:
        info = tripped.guardrail_result.output.output_info
        print(f"output guardrail: tripped ({info.report.decision.action})")
        print(f"why: {info.question}")


if __name__ == "__main__":
    asyncio.run(main())
