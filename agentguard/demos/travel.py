"""Travel booking: the user never says where they fly from, and says "next Friday".

The model behaves like the people it imitates: it books from the city most customers fly from
(Boston) without asking. The monitor finds that nothing supports `origin`, asks for it, and
accepts the date because "next Friday" resolves against the date in the system prompt.
Run it: `python -m agentguard.demos.travel`.
"""

from __future__ import annotations

import json
import re

from agentguard.demos.scene import Scene
from agentguard.runtime.models import MessageDict, tool_call
from agentguard.runtime.tools import tool


@tool
def book_flight(origin: str, destination: str, date: str) -> dict[str, str]:
    """Book a one-way economy flight.

    Args:
        origin: The city you fly from.
        destination: The city you fly to.
        date: Departure date, YYYY-MM-DD.
    """
    return {"confirmation": "SKY-7Q2ZP", "origin": origin, "destination": destination,
            "date": date}  # fmt: skip


def travel_model(messages: list[MessageDict], tools: list[MessageDict]) -> str | MessageDict:
    """A behaviour-cloned booking agent: it fills every argument, known or not."""
    last = messages[-1]
    if last["role"] == "tool":
        booked = json.loads(last["content"])
        return (
            f"You're booked from {booked['origin']} to {booked['destination']} on "
            f"{booked['date']}. Your confirmation code is {booked['confirmation']}."
        )
    said = " ".join(m["content"] for m in messages if m["role"] == "user")
    origin = re.search(r"\b(?i:from) ([A-Z][a-z]+)", said)
    args = {
        "origin": origin.group(1) if origin else "Boston",  # most customers fly from Boston
        "destination": "Denver",
        "date": "2026-11-27",  # next Friday
    }
    return {"tool_calls": [tool_call("book_flight", args)]}


SCENE = Scene(
    name="travel",
    title='Travel booking: the user never says where they fly from, and says "next Friday".',
    model=travel_model,
    tools=(book_flight,),
    system="You are a travel assistant for Skyward Air. Today is Wednesday, 2026-11-25.",
    turns=("Book me a flight to Denver next Friday.",),
    answers=("I'm flying from Chicago.",),
)
build = SCENE.build


if __name__ == "__main__":
    from agentguard.demos.show import run_scene_main

    run_scene_main(SCENE)
