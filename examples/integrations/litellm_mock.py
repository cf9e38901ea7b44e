"""litellm: a checked completion, an observe-only logger and the proxy guardrail, offline.

The model is litellm's `mock_response`: it "books" a flight from an origin the user never
gave. `guarded_completion` returns the clarifying question instead; the logger only reports;
the guardrail's hook (which the litellm proxy calls after each answer) rewrites the answer.

    pip install agentguard
    python examples/integrations/litellm_mock.py
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import litellm

from agentguard.integrations.litellm import (
    AgentguardGuardrail,
    AgentguardLogger,
    guarded_completion,
    report_of,
)
from agentguard.types import Report

MESSAGES = [
    {"role": "system", "content": "You are a travel agent. Today is Wednesday, 1 May 2024."},
    {"role": "user", "content": "Book me a flight to Denver on 2024-05-03."},
]
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
# The model guesses the origin; nothing in the conversation says Boston.
CALL: dict[str, Any] = {
    "model": "gpt-4o-mini",
    "messages": MESSAGES,
    "tools": TOOLS,
    "mock_response": "",
    "mock_tool_calls": [
        {
            "id": "call_1",
            "type": "function",
            "function": {
                "name": "book_flight",
                "arguments": json.dumps(
                    {"origin": "Boston", "destination": "Denver", "date": "2024-05-03"}
                ),
            },
        }
    ],
}


def main() -> None:
    # 1. The wrapped call: the guessed tool call becomes the question.
    response = guarded_completion(on_flag="replace", **CALL)
    report = report_of(response)
    assert report is not None
    message = response.choices[0].message
    print(f"guarded_completion: {report.decision.action}")
    print(f"  the caller gets: {message.content}")
    print(f"  tool calls held back: {not message.tool_calls}")

    # 2. The logger: every completion litellm makes is checked; the answer is left alone.
    seen: list[tuple[Report, Any]] = []
    litellm.callbacks = [AgentguardLogger(on_report=lambda r, kwargs: seen.append((r, kwargs)))]
    call_id = litellm.completion(**CALL)._hidden_params["litellm_call_id"]
    # litellm logs sync calls from a worker thread, so the report comes a moment later (and
    # reports of earlier calls may still arrive): wait for this call's.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        mine = [r for r, kwargs in seen if kwargs.get("litellm_call_id") == call_id]
        if mine:
            break
        time.sleep(0.02)
    print(f"logger saw: {mine[0].decision.action if mine else 'nothing'}")

    # 3. The proxy guardrail, called as the proxy calls it after an answer.
    guardrail = AgentguardGuardrail(guardrail_name="agentguard", default_on=True)
    answer = litellm.completion(**CALL)
    request = {"model": "gpt-4o-mini", "messages": MESSAGES, "tools": TOOLS}
    answer = asyncio.run(
        guardrail.async_post_call_success_hook(
            data=request, user_api_key_dict=None, response=answer
        )
    )
    checked = report_of(answer)
    print(f"guardrail: {checked.decision.action if checked else 'not run'}")


if __name__ == "__main__":
    main()
