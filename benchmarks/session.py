"""The monitor's total cost over one long conversation: a session against checking from scratch.

An agent loop checks each model output against the whole conversation so far. `Monitor.check`
reads that conversation again every time, so a conversation's total monitor cost grows with
the square of its length; `Monitor.session()` keeps the parsed messages, their sources and the
index, so each check costs in proportion to what is new. This script plays one conversation of
`--turns` turns (a user request, a tool call, its JSON result and an answer per turn, with
dates, amounts and order numbers throughout), checks each turn's tool call and answer both
ways, confirms the reports are the same, and prints the per-check time at a few turns and the
totals. One CPU core is used where the platform allows pinning.

Run:
    .venv/bin/python benchmarks/session.py               # 200 turns
    .venv/bin/python benchmarks/session.py --turns 50
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from agentguard import Monitor

try:  # the same pinning as the other speed benchmarks
    from benchmarks.agent_overhead import pin_one_core
except ImportError:  # run as a script from the benchmarks folder
    from agent_overhead import pin_one_core  # type: ignore[no-redef]

CITIES = ["Boston", "Denver", "Chicago", "Austin", "Seattle", "Miami", "Portland", "Atlanta"]
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_order",
            "parameters": {
                "type": "object",
                "properties": {"order_id": {"type": "string"}},
                "required": ["order_id"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "book_flight",
            "parameters": {
                "type": "object",
                "properties": {
                    "origin": {"type": "string"},
                    "destination": {"type": "string"},
                    "date": {"type": "string", "description": "YYYY-MM-DD"},
                },
                "required": ["origin", "destination", "date"],
            },
        },
    },
]


def turn(i: int) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], str]:
    """Turn `i`: the user's request, the model's tool call, the tool's result, the answer."""
    a, b = CITIES[i % len(CITIES)], CITIES[(i * 3 + 1) % len(CITIES)]
    day = i % 28 + 1
    order = f"A{1000 + i}"
    user = {
        "role": "user",
        "content": f"Order {order} was the wrong size. Please fly me from {a} to {b} on "
        f"May {day}, 2026; my budget is ${100 + i * 7} and I have {i % 4 + 1} bags.",
    }
    args = {"origin": a, "destination": b, "date": f"2026-05-{day:02d}"}
    call = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": f"call{i}",
                "type": "function",
                "function": {"name": "book_flight", "arguments": json.dumps(args)},
            }
        ],
    }
    result = {
        "role": "tool",
        "tool_call_id": f"call{i}",
        "content": json.dumps({"confirmation": f"K{i:04d}", "price": 90 + i * 5, **args}),
    }
    answer = f"Booked {a} to {b} on May {day}, confirmation K{i:04d}, for ${90 + i * 5}."
    return user, call, result, answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=200, help="turns in the conversation")
    args = parser.parse_args()
    print(pin_one_core())
    system = {
        "role": "system",
        "content": "You book trips for Atlas Journeys. Today is 2026-04-20.",
    }
    monitor = Monitor()
    session = monitor.session()
    messages: list[dict[str, Any]] = [system]
    fresh_ms: list[float] = []
    session_ms: list[float] = []
    Monitor().check(messages=messages, output="warm-up")  # imports and caches, both ways
    for i in range(args.turns):
        user, call, result, answer = turn(i)
        messages.append(user)
        for output, after in ((call, result), ({"role": "assistant", "content": answer}, None)):
            data = {"messages": messages, "output": output, "tools": TOOLS}
            t0 = time.perf_counter()
            mine = session.check(data)
            t1 = time.perf_counter()
            theirs = monitor.check(data)
            t2 = time.perf_counter()
            session_ms.append((t1 - t0) * 1000)
            fresh_ms.append((t2 - t1) * 1000)
            left, right = mine.model_dump(), theirs.model_dump()
            left.pop("latency_ms")
            right.pop("latency_ms")
            if left != right:
                raise SystemExit(f"turn {i}: the session's report differs from check's")
            messages.append(output if after is None else call)
            if after is not None:
                messages.append(after)
    checks = len(fresh_ms)
    print(f"{args.turns} turns, {checks} checks, {len(messages)} messages at the end;")
    print("every session report equals check's\n")
    print(f"{'turn':>6} {'check ms':>10} {'session ms':>11}")
    for t in sorted({1, 10, 50, 100, args.turns} & set(range(1, args.turns + 1))):
        window = slice(2 * (t - 1), 2 * t)
        f = sum(fresh_ms[window]) / 2
        s = sum(session_ms[window]) / 2
        print(f"{t:>6} {f:>10.2f} {s:>11.2f}")
    total_f, total_s = sum(fresh_ms) / 1000, sum(session_ms) / 1000
    print(f"\ntotal monitor time: check {total_f:.2f} s, session {total_s:.2f} s")
    print(f"the session costs {total_s / total_f:.1%} of checking from scratch")


if __name__ == "__main__":
    main()
