"""Build an agent, run it, answer its clarifying question, resume, and read the trace.

Runs offline: the model is a `FunctionModel` that guesses the origin city unless the user gave
one. Swap in `model="openai/gpt-4o-mini"` (litellm) or `OpenAIModel("gpt-4o-mini")` for a real
model. Run: `python examples/agents/quickstart.py`.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from agentguard import Agent, FunctionModel, read_trace, tool, tool_call


@tool
def book_flight(origin: str, destination: str, date: str) -> str:
    """Book a one-way flight.

    Args:
        origin: The city you fly from.
        destination: The city you fly to.
        date: Departure date, YYYY-MM-DD.
    """
    return f"Booked {origin} -> {destination} on {date}, confirmation K7Q2."


def model(messages, tools):
    if messages[-1]["role"] == "tool":
        return messages[-1]["content"]
    said = " ".join(m["content"] for m in messages if m["role"] == "user")
    origin = re.search(r"\bfrom ([A-Z][a-z]+)", said)
    args = {
        "origin": origin.group(1) if origin else "Boston",
        "destination": "Denver",
        "date": "2026-11-27",
    }
    return {"tool_calls": [tool_call("book_flight", args)]}


def main() -> None:
    trace = Path(tempfile.mkdtemp()) / "trace.jsonl"
    agent = Agent(
        FunctionModel(model),
        tools=[book_flight],
        system="You book flights. Today is Wednesday, 2026-11-25.",
        policy="balanced",
        trace=trace,  # every report and run event
        checkpointer="memory",  # or a SQLite path, to resume in another process
    )
    result = agent.run("Book me a flight to Denver next Friday.")
    while result.status == "waiting_for_user":  # the monitor stopped a guess
        print("agent asks:", result.question)
        result = agent.resume("I'm flying from Chicago.", thread_id=result.thread_id)
    print(result.status, "->", result.answer)
    agent.close()

    for record in read_trace(trace).records:
        if record["kind"] == "report":
            print("step", record["step"], record["report"]["decision"]["action"])
        else:
            print("event", record["event"])


if __name__ == "__main__":
    main()
