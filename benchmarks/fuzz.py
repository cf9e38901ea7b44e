"""A long fuzz run of `Monitor().check`: every input must give a report or an `InputError`.

Inputs come from a seeded generator (input `i` of seed `s` is always the same): conversations
of random roles and contents, text mixing values of every kind the monitor reads (dates, money,
ids, names, number words) with odd characters (lone surrogates, circled and superscript digits,
combining marks, right-to-left text, line separators), tool schemas of random shape, tool calls
with random arguments (JSON strings, objects, broken JSON, NaN, deep nesting, long numbers),
documents, metadata, and random breakage of the input's structure. Each input is checked in a
worker process with a per-check alarm: anything else than a `Report` or an `InputError` is a
crash, a check over `--hang` seconds (5 by default) a hang. The first reproducers are saved as
JSON files (with the traceback beside them) in `--save`.

Run:
    .venv/bin/python benchmarks/fuzz.py                      # 100,000 inputs, every core
    .venv/bin/python benchmarks/fuzz.py --n 5000 --seed 7    # a quick run
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import signal
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from agentguard import InputError, Monitor, Report

WORDS = (
    "the order ships on to from Denver Boston Anna Müller flight booked is not was your my "
    "we refund of total price at for and but today tomorrow next Friday Sure let me check "
    "I'll confirm it will arrive in days weeks user tool said default is one two twelve"
).split()
VALUES = [
    "May 3", "3 May 2024", "2024-05-03", "05/03/2024", "3.5.2024", "May 3rd, 2024", "7pm",
    "10:30", "noon", "$1,200.50", "€7,60", "1200 dollars", "usd 30k", "50 million", "8%",
    "ORD-58213", "#A123", "a1b2c3", "10kg", "+1 (555) 123-4567", "555-123-4567",
    "anna@example.com", "https://example.com/x?y=1", '"Quoted name"', "“curly”", "in 3 days",
    "two weeks from today", "the day after tomorrow", "next friday", "Today is 1 May 2024.",
    "-74.006", "1e-9", "0.0001", "1,2,3", "[200,300,400]", "3rd", "II", "UA 455",
]  # fmt: skip
ODD = [
    "\ud800", "\udfff", "\ud83d", "\ude00", "\ud83d\ude00", "①", "②", "⑳", "²", "³", "¹", "½",
    "Ⅻ", "１２３", "٣٤", "৩", "\u0301", "e\u0301", "\u200b", "\u200f", "\u202e", "\u2028",
    "\u2029", "\u0085", "\x00", "\x1b[0m", "\ufeff", "\uffff", "İ", "ß", "ﬁ", "ǅ", "Å", "ẞ",
    "李雷", "ไทย", "😀", "🏳️‍🌈", "\t", "\r\n", "...", "?!", "•", "- ", "# ", "1) ", "\\",
]  # fmt: skip
BROKEN_ARGUMENTS = [
    '{"a": NaN}', '{"a": Infinity}', '{"a": 1e400}', "[1,2]", '"x"', "", "  ", "{",
    '{"a": 1,}', "null", '{"a": ' + "1" * 4301 + "}", "[" * 100_000, "{" * 50 + "}" * 50,
    '{"a": "\\ud800"}', '{"\\u0000": 1}', '{"a": ' + "[" * 70 + "]" * 70 + "}",
]  # fmt: skip
SCHEMA_TYPES = ["string", "integer", "number", "boolean", "array", "object", "null", "date"]


class Gen:
    """Random inputs from one seeded `random.Random`."""

    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)

    def pick(self, seq: list[Any]) -> Any:
        """One item of `seq`."""
        return seq[self.r.randrange(len(seq))]

    def number(self) -> int | float:
        """A number, now and then a huge, tiny or non-finite one."""
        r = self.r
        choice = r.randrange(80)
        if choice == 0:
            return int("9" * r.choice([15, 99, 100, 101, 400, 4300]))
        if choice == 1:
            return r.choice([float("nan"), float("inf"), -float("inf"), 1e308, 5e-324, -0.0])
        if choice < 50:
            return r.randint(-5, 40)
        return round(r.uniform(-1e6, 1e6), r.randrange(5))

    def text(self, most: int = 30) -> str:
        """Words, values, odd characters, numbers and digit runs, with punctuation."""
        r = self.r
        parts = []
        for _ in range(r.randrange(most + 1)):
            x = r.random()
            if x < 0.45:
                parts.append(self.pick(WORDS))
            elif x < 0.7:
                parts.append(self.pick(VALUES))
            elif x < 0.85:
                parts.append(self.pick(ODD))
            elif x < 0.9:
                parts.append(str(self.number()))
            elif x < 0.93:
                parts.append(r.choice("0123456789") * r.choice([5, 50, 400, 5000]))
            elif x < 0.96:
                parts.append(chr(r.randrange(0x20, 0x3000)) * r.randrange(1, 4))
            else:
                parts.append(r.choice(["(", ")", "[", "]", "{", "}", '"', "'", ":", ";", ","]))
            parts.append(r.choice([" ", " ", " ", ". ", ", ", "\n", "? ", "! ", ""]))
        return "".join(parts)

    def json_value(self, depth: int = 0) -> Any:
        """Any JSON-like value (non-finite floats and deep nesting included)."""
        r = self.r
        x = r.random()
        if (depth > 3 and x < 0.6) or x < 0.25:
            return self.text(5)
        if x < 0.45:
            return self.number()
        if x < 0.5:
            return r.choice([True, False, None, ""])
        if x < 0.505:
            return self.deep(r.choice([10, 62, 63, 64, 65, 200, 3000]))
        if x < 0.75:
            return [self.json_value(depth + 1) for _ in range(r.randrange(4))]
        return {self.key(): self.json_value(depth + 1) for _ in range(r.randrange(5))}

    def key(self) -> str:
        """An object key: mostly a plain one."""
        if self.r.random() < 0.7:
            return str(
                self.pick(["to", "from", "date", "order_id", "passengers", "name", "", "a.b"])
            )
        return self.text(2)

    def deep(self, n: int) -> Any:
        """A value nested `n` levels deep."""
        node: Any = self.r.choice([1, "x", None])
        for _ in range(n):
            node = [node] if self.r.random() < 0.5 else {"k": node}
        return node

    def arguments(self) -> Any:
        """Tool-call arguments: JSON text, an object, broken JSON or plain text."""
        r = self.r
        x = r.random()
        if x < 0.4:
            return _dumps({self.key(): self.json_value() for _ in range(r.randrange(5))})
        if x < 0.55:
            return {self.key(): self.json_value() for _ in range(r.randrange(4))}
        if x < 0.65:
            return self.pick(BROKEN_ARGUMENTS)
        if x < 0.75:
            return self.text(8)
        return _dumps(self.json_value())

    def schema(self, depth: int = 0) -> Any:
        """A parameter schema, now and then with parts of the wrong shape."""
        r = self.r
        if r.random() < 0.02:
            return self.json_value()
        out: dict[str, Any] = {}
        if r.random() < 0.8:
            out["type"] = self.pick(SCHEMA_TYPES) if r.random() < 0.97 else self.json_value()
        if r.random() < 0.5 and depth < 4:
            out["properties"] = {self.key(): self.schema(depth + 1) for _ in range(r.randrange(4))}
        if r.random() < 0.3:
            good = r.random() < 0.95
            out["required"] = [self.key() for _ in range(3)] if good else self.json_value()
        if r.random() < 0.3:
            good = r.random() < 0.95
            out["enum"] = [self.json_value(3) for _ in range(3)] if good else self.json_value()
        if r.random() < 0.3:
            out["description"] = self.text(12) if r.random() < 0.97 else self.json_value()
        if r.random() < 0.2:
            out["default"] = self.json_value(3)
        if r.random() < 0.2 and depth < 4:
            out["items"] = self.schema(depth + 1)
        if r.random() < 0.1:
            out["additionalProperties"] = r.choice([False, True, {}, {}, {}, 3])
        return out

    def tool_call(self, i: int) -> Any:
        """An OpenAI tool call, now and then missing parts or of another shape."""
        r = self.r
        if r.random() < 0.02:
            return self.json_value()
        function = {"name": r.choice(["book", "get_order", "f", self.text(2)])}
        function["arguments"] = self.arguments()
        if r.random() < 0.05:
            del function["name"]
        call_id = f"call_{i}" if r.random() < 0.97 else self.json_value()
        return {"id": call_id, "type": "function", "function": function}

    def content(self) -> Any:
        """A message content: text, text parts, nothing, or something else."""
        r = self.r
        x = r.random()
        if x < 0.75:
            return self.text()
        if x < 0.9:
            return [{"type": "text", "text": self.text()} for _ in range(r.randrange(3))]
        if x < 0.97:
            return None
        return self.json_value()

    def message(self, i: int, calls: list[Any]) -> Any:
        """One chat message of a random role."""
        r = self.r
        role = r.choice(["user", "user", "system", "assistant", "tool", "developer"])
        if role == "tool" and not calls and r.random() < 0.9:
            role = "user"  # a tool result needs an earlier call (mostly)
        if r.random() < 0.01:
            role = self.json_value()
        m: dict[str, Any] = {"role": role, "content": self.content()}
        if role == "assistant" and r.random() < 0.6:
            m["tool_calls"] = [self.tool_call(i * 10 + j) for j in range(r.randrange(1, 3))]
            calls += [c["id"] for c in m["tool_calls"] if isinstance(c, dict) and "id" in c]
        if role == "tool":
            m["tool_call_id"] = r.choice(calls) if calls and r.random() < 0.9 else "nope"
        if r.random() < 0.03:
            m["name"] = self.json_value() if r.random() < 0.3 else self.text(2)
        return m

    def check_input(self) -> Any:
        """One `check` input (sometimes broken on purpose)."""
        r = self.r
        calls: list[Any] = []
        output: dict[str, Any] = {"role": "assistant", "content": self.content()}
        data: dict[str, Any] = {
            "messages": [self.message(i, calls) for i in range(r.randrange(6))],
            "output": output,
        }
        if r.random() < 0.6:
            output["tool_calls"] = [self.tool_call(100 + j) for j in range(r.randrange(3))]
        if r.random() < 0.5:
            data["tools"] = [
                {
                    "type": "function",
                    "function": {
                        "name": r.choice(["book", "get_order", "f"]),
                        "description": self.text(10),
                        "parameters": self.schema(),
                    },
                }
                for _ in range(r.randrange(3))
            ]
        if r.random() < 0.3:
            data["documents"] = [
                {"id": self.text(1), "text": self.text(40)} for _ in range(r.randrange(3))
            ]
        if r.random() < 0.3:
            data["metadata"] = {self.key(): self.json_value() for _ in range(r.randrange(4))}
        if r.random() < 0.2:
            data["id"] = self.json_value() if r.random() < 0.1 else self.text(3)
        if r.random() < 0.05:
            data["policy"] = r.choice(["balanced", "strict", "permissive"])
        return self.break_some(data)

    def break_some(self, data: dict[str, Any]) -> Any:
        """Now and then drop or replace a field, or replace the whole input."""
        r = self.r
        if r.random() > 0.05:
            return data
        x = r.random()
        if x < 0.2:
            return self.json_value()
        if x < 0.4:
            data.pop(r.choice(list(data)))
        elif x < 0.7:
            data[r.choice(list(data))] = self.json_value()
        else:
            data["output"] = self.text(10)  # the API's shorthand: the output's text
        return data


def _dumps(value: Any) -> str:
    """JSON text of a value; a value too deep for `json.dumps` gives nested brackets."""
    try:
        return json.dumps(value, allow_nan=True)
    except RecursionError:
        return "[" * 3000 + "1" + "]" * 3000


def generate(seed: int, i: int) -> Any:
    """Input `i` of the run with this seed."""
    return Gen(seed * 1_000_003 + i).check_input()


_MONITOR: Monitor | None = None


def _alarm(signum: int, frame: Any) -> None:
    raise TimeoutError("hang")


def one(seed: int, i: int, hang: float) -> tuple[str, str]:
    """`ok`, `input_error`, `crash` or `hang` for input `i`, and a traceback for a crash."""
    global _MONITOR
    if _MONITOR is None:
        _MONITOR = Monitor()
    data = generate(seed, i)
    signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, hang)
    try:
        report = _MONITOR.check(data)
        # The report must serialise to UTF-8 JSON, as the CLI and the trace write it.
        json.dumps(report.model_dump(mode="json"), ensure_ascii=False).encode("utf-8")
        return ("ok" if isinstance(report, Report) else "crash"), ""
    except InputError:
        return "input_error", ""
    except TimeoutError:
        return "hang", ""
    except BaseException:  # noqa: BLE001 - any other exception is what this run looks for
        return "crash", traceback.format_exc(limit=-4)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def _job(args: tuple[int, int, int, float]) -> list[tuple[int, str, str]]:
    seed, start, stop, hang = args
    return [(i, *one(seed, i, hang)) for i in range(start, stop)]


def _save(folder: Path, seed: int, i: int, status: str, tb: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    data = generate(seed, i)
    try:
        text = json.dumps(data, ensure_ascii=True, allow_nan=True)
    except (TypeError, ValueError, RecursionError):
        text = json.dumps({"repr": repr(data)[:100_000]})
    (folder / f"{status}-{seed}-{i}.json").write_text(text)
    (folder / f"{status}-{seed}-{i}.txt").write_text(tb)


def main(argv: list[str] | None = None) -> int:
    """Run the fuzz loop and print the tally; exit 1 on any crash or hang."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="inputs to try")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--hang", type=float, default=5.0, help="seconds that make a hang")
    parser.add_argument("--save", type=Path, default=Path("fuzz-failures"))
    parser.add_argument("--keep", type=int, default=10, help="reproducers to save")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    chunk = 200
    jobs = [(args.seed, a, min(a + chunk, args.n), args.hang) for a in range(0, args.n, chunk)]
    tally = {"ok": 0, "input_error": 0, "crash": 0, "hang": 0}
    first: list[str] = []
    with mp.get_context("fork").Pool(args.jobs) as pool:
        for results in pool.imap_unordered(_job, jobs):
            for i, status, tb in results:
                tally[status] += 1
                if status in ("crash", "hang") and len(first) < args.keep:
                    _save(args.save, args.seed, i, status, tb)
                    last = tb.strip().splitlines()[-1] if tb.strip() else ""
                    first.append(f"{status} on input {i}: {last[:150]}")
    seconds = time.perf_counter() - start
    print(f"fuzz: {args.n:,} inputs tried (seed {args.seed}) in {seconds:.0f} s, {args.jobs} jobs")
    print(
        f"  reports {tally['ok']:,}   input errors {tally['input_error']:,}   "
        f"crashes {tally['crash']:,}   hangs over {args.hang:g} s {tally['hang']:,}"
    )
    for line in first:
        print("  " + line)
    if first:
        print(f"  reproducers saved in {args.save}/")
    sys.stdout.flush()
    return 1 if tally["crash"] or tally["hang"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
