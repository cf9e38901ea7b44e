"""What `agentguard.wrap` adds to an OpenAI client call, beyond the check itself.

Against the scripted OpenAI-compatible server on 127.0.0.1 (`agentguard.testing`), the same
requests are sent through a plain `openai.OpenAI` client and through `agentguard.wrap` of it,
one after the other, `--calls` times:

- non-streaming: a chat completion whose answer is a tool call with three arguments (the
  monitor extracts and scores them). The client's `request` (the HTTP exchange and reading the
  answer into SDK objects) is timed inside every call, so the loopback's jitter drops out: a
  call's own time is its time less its `request` time. The wrapper's overhead is a wrapped
  call's own time, less the check (the report's `latency_ms`: parsing the request and checking
  the answer), less the plain call's own time just before it. What is left is the wrapper's
  own work: finding the conversation's session, reading the answer, attaching the report.
- streaming: a streamed text answer of two sentences. Time to first token is the time from
  the call to the first chunk with text. Text streams through as it comes, so the added time
  to first token is the wrapper's handling of the first chunks; with `hold_sentences=True` the
  first text waits for the first sentence to be checked, shown on its own line.

Times are in milliseconds; p50 and p90 of the paired differences. One CPU core is used where
the platform allows pinning (the server thread shares it).

Run:
    .venv/bin/python benchmarks/wrapper_overhead.py
    .venv/bin/python benchmarks/wrapper_overhead.py --calls 200
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

import openai

import agentguard
from agentguard.testing import ChatServer

try:  # the same pinning as the other speed benchmarks
    from benchmarks.agent_overhead import pin_one_core
except ImportError:  # run as a script from the benchmarks folder
    from agent_overhead import pin_one_core  # type: ignore[no-redef]

MESSAGES = [
    {"role": "system", "content": "You book flights for Atlas Journeys. Today is 2026-04-20."},
    {"role": "user", "content": "Please fly me from Boston to Denver on May 3, 2026."},
]
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "book_flight",
            "parameters": {
                "type": "object",
                "properties": {
                    "origin": {"type": "string"},
                    "destination": {"type": "string"},
                    "date": {"type": "string"},
                },
                "required": ["origin", "destination", "date"],
            },
        },
    }
]
ARGS = json.dumps({"origin": "Boston", "destination": "Denver", "date": "2026-05-03"})
STORY = "Your flight from Boston to Denver on May 3 is booked. Have a good trip!"


def quantiles(values: list[float]) -> str:
    cuts = statistics.quantiles(values, n=10)
    return f"p50 {statistics.median(values):7.3f}   p90 {cuts[8]:7.3f}"


def first_text(stream: Any) -> float:
    """Seconds until the first chunk with text; the rest of the stream is read too."""
    start = time.perf_counter()
    seen = None
    for chunk in stream:
        if seen is None and chunk.choices and chunk.choices[0].delta.content:
            seen = time.perf_counter() - start
    assert seen is not None
    return seen


def paired(
    server: ChatServer,
    queue: Callable[[], None],
    plain: Callable[[], float],
    wrapped: Callable[[], float],
    calls: int,
) -> list[float]:
    """`wrapped() - plain()` for each of `calls` pairs, plain first, after a warm-up."""
    out = []
    for i in range(calls + 5):
        queue()
        a = plain()
        queue()
        b = wrapped()
        if i >= 5:
            out.append((b - a) * 1000)
    return out


class TimedOpenAI(openai.OpenAI):
    """An `openai.OpenAI` that records how long each `request` (HTTP and parsing) takes."""

    spent: list[float] = []

    def request(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        start = time.perf_counter()
        try:
            return super().request(*args, **kwargs)
        finally:
            TimedOpenAI.spent.append(time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=500, help="pairs of calls per figure")
    args = parser.parse_args()
    print(pin_one_core())
    with ChatServer() as server:
        plain = TimedOpenAI(base_url=server.url + "/v1", api_key="sk-test", max_retries=0)
        wrapped = agentguard.wrap(plain)
        held = agentguard.wrap(plain, hold_sentences=True)
        checks: list[float] = []

        def call_plain() -> float:
            t = time.perf_counter()
            plain.chat.completions.create(model="m", messages=MESSAGES, tools=TOOLS)
            return time.perf_counter() - t - TimedOpenAI.spent[-1]

        def call_wrapped() -> float:
            t = time.perf_counter()
            done = wrapped.chat.completions.create(model="m", messages=MESSAGES, tools=TOOLS)
            took = time.perf_counter() - t - TimedOpenAI.spent[-1]
            report = agentguard.report_of(done)
            assert report is not None and report.decision.action == "allow", report
            checks.append(report.latency_ms)
            return took - report.latency_ms / 1000

        overhead = paired(
            server,
            lambda: server.call(("c1", "book_flight", ARGS)),
            call_plain,
            call_wrapped,
            args.calls,
        )

        def stream_of(client: Any) -> Callable[[], float]:
            return lambda: first_text(
                client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
            )

        say = lambda: server.say(STORY)  # noqa: E731
        ttft = paired(server, say, stream_of(plain), stream_of(wrapped), args.calls)
        ttft_held = paired(server, say, stream_of(plain), stream_of(held), args.calls)
    print(f"{args.calls} paired calls against {server.url}; milliseconds\n")
    print(f"check itself (report latency_ms)          {quantiles(checks[5:])}")
    print(f"non-streaming: wrapper overhead           {quantiles(overhead)}")
    print(f"streaming: added time to first token      {quantiles(ttft)}")
    print(f"  with hold_sentences=True                {quantiles(ttft_held)}")


if __name__ == "__main__":
    main()
