"""`agentguard.wrap`: an OpenAI client whose answers are checked, offline.

A scripted OpenAI-compatible server on 127.0.0.1 (`agentguard.testing.ChatServer`) plays the
model. It "books" a flight from an origin the user never gave: the wrapped client returns the
clarifying question instead, with the tool call held back. Told the origin, the same call goes
through. Asked again for the origin it was told, the model does not get to send the question:
the wrapper continues it once with the value and its source (`use_context`). A streamed answer
flows through as it comes and is cut after a sentence that guesses; with `hold_sentences=True`
that sentence never reaches the user.

    pip install agentguard
    python examples/integrations/openai_wrap.py
"""

from __future__ import annotations

import json

import openai

import agentguard
from agentguard.integrations.openai_client import held_response
from agentguard.testing import ChatServer

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "book_flight",
            "description": "Book a one-way flight.",
            "parameters": {
                "type": "object",
                "properties": {
                    "origin": {"type": "string", "description": "City of departure"},
                    "destination": {"type": "string", "description": "City of arrival"},
                    "date": {"type": "string", "description": "Date, YYYY-MM-DD"},
                },
                "required": ["origin", "destination", "date"],
            },
        },
    }
]
BOOKING = json.dumps({"origin": "Boston", "destination": "Denver", "date": "2024-05-03"})


def main() -> None:
    with ChatServer() as model:
        client = agentguard.wrap(openai.OpenAI(base_url=model.url + "/v1", api_key="sk-local"))
        chat = [
            {"role": "system", "content": "You are a travel agent. Today is 1 May 2024."},
            {"role": "user", "content": "Book me a flight to Denver on 2024-05-03."},
        ]

        model.call(("call_1", "book_flight", BOOKING))  # the model guesses the origin
        answer = client.chat.completions.create(model="gpt-4o-mini", messages=chat, tools=TOOLS)
        report = agentguard.report_of(answer)
        print(f"decision: {report.decision.action}")
        print(f"the agent asks: {answer.choices[0].message.content}")
        print(f"tool calls sent on: {answer.choices[0].message.tool_calls}")

        chat += [
            {"role": "assistant", "content": answer.choices[0].message.content},
            {"role": "user", "content": "From Boston."},
        ]
        model.call(("call_2", "book_flight", BOOKING))
        answer = client.chat.completions.create(model="gpt-4o-mini", messages=chat, tools=TOOLS)
        call = answer.choices[0].message.tool_calls[0]
        action = agentguard.report_of(answer).decision.action
        print(f"told the origin: {action}, {call.function.name} {call.function.arguments}")

        # The model asks again for what the user already said: the question is not sent; the
        # wrapper asks the model once more, telling it the origin and where the user said it.
        model.say("Which city will you be leaving from?")
        model.call(("call_3", "book_flight", BOOKING))
        answer = client.chat.completions.create(model="gpt-4o-mini", messages=chat, tools=TOOLS)
        first = held_response(answer)
        print(f"asked again: {agentguard.report_of(first).decision.action}")
        print(f"the model was told: {model.bodies[-1]['messages'][-1]['content']}")
        call = answer.choices[0].message.tool_calls[0]
        print(f"it goes on: {call.function.name} {call.function.arguments}")

        # Text streams through as it comes; with hold_sentences=True each sentence waits for
        # its check, so the guessed one never reaches the user.
        held = client.with_options(timeout=10)
        for name, streamer in (
            ("streamed", held),
            ("held", agentguard.wrap(held, hold_sentences=True)),
        ):
            model.say("Your flight to Denver is booked. It leaves Boston at 9 am. Enjoy the trip!")
            stream = streamer.chat.completions.create(
                model="gpt-4o-mini", messages=chat[:2], stream=True
            )
            text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
            print(f"{name}:", " | ".join(text.split("\n\n")))


if __name__ == "__main__":
    main()
