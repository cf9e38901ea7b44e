"""Time and peak memory of `Monitor().check` as inputs grow, for several input shapes.

Every shape is built at about 10 KB, 100 KB and 1 MB of input JSON; for each size the benchmark
prints the wall-clock time of one check, its peak memory (`tracemalloc`, measured on a second
run so the first run's caches do not count) and the ratio to the size ten times smaller. Work
that grows linearly with the input gives ratios near 10; a quadratic spot gives ratios near 100.
An input over a limit (`docs/performance.md`, "Limits") is refused with an `InputError`; the
benchmark then prints the error's one line and the time it took to refuse it.

Run:
    .venv/bin/python benchmarks/bounded_work.py             # every shape, 10 KB to 1 MB
    .venv/bin/python benchmarks/bounded_work.py --sizes 10000 100000 --shape sentences
    .venv/bin/python benchmarks/bounded_work.py --profile sentences --sizes 100000
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import json
import pstats
import random
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from agentguard import InputError, Monitor
from agentguard.estimators.index import clear_cache

Input = dict[str, Any]
USER = {"role": "user", "content": "Book me a table for two at Luigi's on May 3 at 7pm."}


def _repeat(unit: str, size: int) -> str:
    return unit * max(1, size // len(unit))


def _call(name: str, arguments: Any, call_id: str = "c1") -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def sentences_out(size: int) -> Input:
    """The output repeats one short dated sentence: many claims, each with a value."""
    return {"messages": [USER], "output": {"content": _repeat("May 3. ", size)}}


def varied_out(size: int) -> Input:
    """Many different claims, each naming values the context also holds."""
    parts = [
        f"Order A{i:05d} for {i % 9 + 1} guests ships on May {i % 28 + 1} to Denver. "
        for i in range(size // 60)
    ]
    context = " ".join(parts[: max(1, len(parts) // 2)])
    return {
        "messages": [USER, {"role": "user", "content": context}],
        "output": {"content": "".join(parts[len(parts) // 2 :]) or parts[0]},
    }


def sentences_ctx(size: int) -> Input:
    """A user turn repeating one sentence; a short output."""
    user = {"role": "user", "content": _repeat("The order 4411 ships on May 3. ", size)}
    return {"messages": [user], "output": {"content": "Your order 4411 ships on May 3."}}


def one_sentence(size: int) -> Input:
    """One huge sentence without punctuation, in the context and in the output."""
    words = _repeat("order 12 ships to Denver on May 3 with Anna ", size // 2)
    return {"messages": [{"role": "user", "content": words}], "output": {"content": words}}


def numbers(size: int) -> Input:
    """The same number many times, in the context and in the output."""
    text = _repeat("12 ", size // 2)
    return {"messages": [{"role": "user", "content": text}], "output": {"content": text}}


def digits(size: int) -> Input:
    """One long run of digits (an id of many digits) in the context and the output."""
    text = "Order " + "7" * (size // 2 - 20) + " ships."
    return {"messages": [{"role": "user", "content": text}], "output": {"content": text}}


def tool_result(size: int) -> Input:
    """One big JSON tool result (a list of orders); the output cites one order."""
    rows = [
        {"order_id": f"A{i:06d}", "status": "shipped", "eta": f"2024-05-{i % 28 + 1:02d}"}
        for i in range(size // 70)
    ]
    return {
        "messages": [
            USER,
            {"role": "assistant", "tool_calls": [_call("list_orders", "{}")]},
            {"role": "tool", "tool_call_id": "c1", "content": json.dumps(rows)},
        ],
        "output": {"content": "Order A000003 shipped and arrives on 2024-05-04."},
    }


def arguments(size: int) -> Input:
    """One tool call with many arguments (a JSON string), each a value to look up."""
    args = {f"field_{i}": f"value {i} on May {i % 28 + 1}" for i in range(size // 35)}
    return {
        "messages": [USER],
        "output": {"tool_calls": [_call("book", json.dumps(args))]},
    }


def history_arguments(size: int) -> Input:
    """Big arguments in an earlier assistant turn's tool call, and a big metadata object."""
    args = {f"k{i}": "x" * 20 for i in range(size // 60)}
    meta = {f"m{i}": "y" * 20 for i in range(size // 60)}
    return {
        "messages": [
            USER,
            {"role": "assistant", "tool_calls": [_call("book", json.dumps(args))]},
            {"role": "tool", "tool_call_id": "c1", "content": "booked"},
        ],
        "output": {"content": "It is booked."},
        "metadata": meta,
    }


def messages(size: int) -> Input:
    """Many messages (up to the limit of 5,000): user turns and tool results in turn."""
    msgs: list[dict[str, Any]] = []
    turns = min(1_600, max(1, size // 260))
    pad = " Thanks." * max(0, (size // turns - 240) // 8)
    for i in range(turns):
        msgs.append({"role": "user", "content": f"What about order {i} for May {i % 28 + 1}?{pad}"})
        msgs.append({"role": "assistant", "tool_calls": [_call("get", f'{{"id": {i}}}', f"t{i}")]})
        msgs.append({"role": "tool", "tool_call_id": f"t{i}", "content": f'{{"id": {i}}}'})
    return {"messages": msgs, "output": {"content": "Order 3 ships on May 4."}}


def digit_soup(size: int) -> Input:
    """Claims of many different numbers against a context of random digits (every short
    number occurs there thousands of times, inside longer ones)."""
    rng = random.Random(0)
    soup = "".join(rng.choice("0123456789 ") for _ in range(size // 2))
    claims = " ".join(f"It costs {i} dollars." for i in range(size // 2 // 22))
    return {"messages": [{"role": "user", "content": soup}], "output": {"content": claims}}


def long_paths(size: int) -> Input:
    """Arguments under one long key: every leaf's path repeats it."""
    inner = {f"k{i}": i for i in range(size // 20)}
    args = {"x" * 900: inner}
    return {"messages": [USER], "output": {"tool_calls": [_call("book", json.dumps(args))]}}


def enum_items(size: int) -> Input:
    """A long array argument checked against a schema with a long enum."""
    enum = [f"choice {i}" for i in range(size // 40)]
    tool = {
        "type": "function",
        "function": {
            "name": "book",
            "parameters": {
                "type": "object",
                "properties": {"picks": {"type": "array", "items": {"enum": enum}}},
            },
        },
    }
    args = {"picks": [f"other {i}" for i in range(size // 40)]}
    return {
        "messages": [USER],
        "tools": [tool],
        "output": {"tool_calls": [_call("book", json.dumps(args))]},
    }


SHAPES: dict[str, Callable[[int], Input]] = {
    "sentences": sentences_out,
    "varied_claims": varied_out,
    "context_sentences": sentences_ctx,
    "one_sentence": one_sentence,
    "numbers": numbers,
    "digits": digits,
    "tool_result": tool_result,
    "arguments": arguments,
    "history_args": history_arguments,
    "messages": messages,
    "digit_soup": digit_soup,
    "long_paths": long_paths,
    "enum_items": enum_items,
}


def _measure(monitor: Monitor, data: Input) -> tuple[float, int, str]:
    """Seconds and peak bytes of one check, and `ok` or the input error's line."""
    clear_cache()
    start = time.perf_counter()
    try:
        monitor.check(data)
        status = "ok"
    except InputError as exc:
        status = f"InputError: {str(exc)[:70]}"
    seconds = time.perf_counter() - start
    clear_cache()
    tracemalloc.start()
    with contextlib.suppress(InputError):
        monitor.check(data)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return seconds, peak, status


def main(argv: list[str] | None = None) -> int:
    """Print the table (or a profile of one shape)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--shape", action="append", choices=sorted(SHAPES))
    parser.add_argument("--profile", choices=sorted(SHAPES), help="cProfile one check")
    args = parser.parse_args(argv)
    monitor = Monitor()
    for shape in SHAPES.values():  # warm the imports and lazy tables
        monitor.check(shape(2_000))
    if args.profile:
        data = SHAPES[args.profile](args.sizes[-1])
        profiler = cProfile.Profile()
        profiler.enable()
        try:
            monitor.check(data)
        except InputError as exc:
            print(exc)
        profiler.disable()
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(25)
        return 0
    print(f"{'shape':<18} {'bytes':>10} {'seconds':>9} {'ratio':>6} {'peak MB':>9} {'ratio':>6}")
    for name in args.shape or list(SHAPES):
        previous: tuple[float, int] | None = None
        for size in args.sizes:
            data = SHAPES[name](size)
            n = len(json.dumps(data))
            seconds, peak, status = _measure(monitor, data)
            t_ratio = f"{seconds / previous[0]:6.1f}" if previous else "      "
            m_ratio = f"{peak / previous[1]:6.1f}" if previous else "      "
            print(
                f"{name:<18} {n:>10,} {seconds:>9.3f} {t_ratio} {peak / 1e6:>9.2f} {m_ratio}"
                + ("" if status == "ok" else f"  {status}")
            )
            previous = (seconds, peak)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
