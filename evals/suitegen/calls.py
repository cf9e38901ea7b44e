"""Tool-call suites: repeated calls and calculator calls on exact arithmetic.

A call is needless when the agent already has its result: the conversation holds the same call
(same tool, same arguments) and its result, and nothing asked for a fresh one; or the call asks
a calculator for arithmetic on numbers the user gave (`+ - * /` and percentages), which is exact
and needs no tool. Its gold is `allow` (the agent goes on with what it has) with the call in
`gold.needless_calls`. A call is needed when it asks for something new: the same tool with other
arguments, the same call after the earlier one failed, a calculator function (a square root, a
logarithm, a sine) or an exchange rate; its gold is `allow` with `needless_calls` empty. Every
argument is a value the user stated, so every argument claim is supported.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass

from .common import (
    CITIES,
    JSON,
    Draft,
    _arg,
    _assistant,
    _call,
    _calls,
    _fn,
    _out,
    _result,
    _system,
    _user,
)
from .slots import RESTAURANTS, TIMES


@dataclass(frozen=True)
class Lookup:
    """A read-only tool, how a user asks for it, and what it returns."""

    domain: str
    tool: JSON
    ask: tuple[str, ...]
    args: Callable[[random.Random], JSON]
    result: Callable[[random.Random, JSON], JSON]
    reply: str


def _order(rng: random.Random) -> JSON:
    return {"order_id": f"{rng.choice('ABKMRW')}-{rng.randint(10000, 99999)}"}


LOOKUPS = (
    Lookup(
        "orders",
        _fn("get_order_status", "Where an order is and how it ships.",
            {"order_id": {"type": "string", "description": "The order number"}}),
        ("Where is my order {order_id}?", "Can you check on order {order_id}?"),
        _order,
        lambda r, a: {**a, "status": r.choice(["shipped", "packed", "out for delivery"]),
                      "carrier": r.choice(["UPS", "DHL", "FedEx"])},
        "Your order is on its way.",
    ),
    Lookup(
        "weather",
        _fn("get_weather", "Today's forecast for a city.",
            {"city": {"type": "string", "description": "The city"}}),
        ("What's the weather like in {city} today?", "Is it going to rain in {city}?"),
        lambda r: {"city": r.choice(CITIES)},
        lambda r, a: {**a, "forecast": r.choice(["light rain", "sunny", "cloudy"]),
                      "high_c": r.randint(4, 31)},
        "Here is today's forecast.",
    ),
    Lookup(
        "travel",
        _fn("search_flights", "Flights between two cities on a date.",
            {"origin": {"type": "string", "description": "Departure city"},
             "destination": {"type": "string", "description": "Arrival city"}}),
        ("Which flights go from {origin} to {destination}?",
         "Find me flights from {origin} to {destination}."),
        lambda r: dict(zip(("origin", "destination"), r.sample(CITIES, 2), strict=True)),
        lambda r, a: {"flights": [{"flight": f"{r.choice(['SK', 'LH'])} {r.randint(100, 999)}",
                                   "departs": r.choice(["07:40", "11:15", "16:05"])}
                                  for _ in range(2)]},
        "I found two flights.",
    ),
    Lookup(
        "dining",
        _fn("check_availability", "Whether a restaurant has a free table at a time.",
            {"restaurant": {"type": "string", "description": "Name of the restaurant"},
             "time": {"type": "string", "description": "Reservation time"}}),
        ("Is there a table at {restaurant} at {time}?",
         "Can you see if {restaurant} has room at {time}?"),
        lambda r: {"restaurant": r.choice(RESTAURANTS), "time": r.choice(TIMES)},
        lambda r, a: {**a, "available": r.choice([True, False])},
        "I checked the restaurant.",
    ),
    Lookup(
        "payments",
        _fn("get_balance", "The balance of one of the user's accounts.",
            {"account": {"type": "string", "enum": ["checking", "savings"],
                         "description": "Which account"}}),
        ("What's the balance on my {account} account?", "How much is in my {account} account?"),
        lambda r: {"account": r.choice(["checking", "savings"])},
        lambda r, a: {**a, "balance": round(r.uniform(40, 9000), 2), "currency": "USD"},
        "Here is your balance.",
    ),
)  # fmt: skip
FOLLOW_UPS = ("Thanks. Can you remind me what it said?", "Great, thanks. What was that again?",
              "Sorry, I missed that. What did it say?")  # fmt: skip


def t_repeated(rng: random.Random, kind: str) -> Draft:
    """A lookup made, then made again (`kind`: `same`, `other_args`, `after_error`)."""
    look = rng.choice(LOOKUPS)
    args = look.args(rng)
    name = look.tool["function"]["name"]
    turns = [_system("You are a helpful assistant with tools."),
             _user(rng.choice(look.ask).format(**args)),
             _calls(_call("call_1", name, args))]  # fmt: skip
    if kind == "after_error":
        turns.append(_result("call_1", name, {"error": "the service timed out, please retry"}))
    else:
        turns.append(_result("call_1", name, look.result(rng, args)))
    again = args
    if kind == "other_args":
        for _ in range(100):
            again = look.args(rng)
            if again != args:
                break
        follow = rng.choice(look.ask).format(**again)
        turns += [_assistant(look.reply), _user(f"Thanks. And {follow[0].lower()}{follow[1:]}")]
    elif kind == "same" and rng.random() < 0.6:
        turns += [_assistant(look.reply), _user(rng.choice(FOLLOW_UPS))]
    out = _out(None, _call("call_2", name, again))
    claims = [_arg(k, True) for k in again]
    needless = ["call_2"] if kind == "same" else []
    return Draft(
        f"repeat_{kind}",
        "given" if kind == "same" else "missing",
        "needless_call" if kind == "same" else "needed_call",
        "allow",
        turns,
        out,
        claims,
        tools=[look.tool],
        domain=look.domain,
        needless_calls=needless,
    )


REPEATED = [
    (lambda r: t_repeated(r, "same"), 14),
    (lambda r: t_repeated(r, "other_args"), 8),
    (lambda r: t_repeated(r, "after_error"), 6),
]


# --- calculator calls -----------------------------------------------------------------------------

CALCULATOR = _fn(
    "calculator",
    "Evaluate an arithmetic expression exactly (+ - * / ^, sqrt, log, sin).",
    {"expression": {"type": "string", "description": "The expression to evaluate"}},
)
MULTIPLY = _fn("multiply", "Multiply two numbers.",
               {"a": {"type": "number"}, "b": {"type": "number"}})  # fmt: skip
ADD = _fn("add", "Add two numbers.", {"a": {"type": "number"}, "b": {"type": "number"}})
CONVERT = _fn(
    "convert_currency",
    "Convert an amount at today's exchange rate.",
    {"amount": {"type": "number", "description": "The amount"},
     "from_currency": {"type": "string", "description": "ISO code, e.g. USD"},
     "to_currency": {"type": "string", "description": "ISO code, e.g. EUR"}},
)  # fmt: skip


def _price(rng: random.Random) -> str:
    return f"{rng.randint(3, 60)}.{rng.choice(['00', '50', '25', '75', '99'])}"


def _exact(rng: random.Random) -> tuple[str, str, str]:
    """`(domain, question, expression)` of a sum on the user's numbers."""
    a, b, c = rng.randint(12, 99), rng.randint(12, 99), rng.randint(3, 40)
    n, p = rng.randint(2, 9), _price(rng)
    bill, k, pct = rng.randint(40, 300), rng.randint(2, 6), rng.choice([10, 15, 18, 20, 25])
    forms = [
        ("math", f"What is {a} times {b}?", f"{a} * {b}"),
        ("math", f"What's {a * c} divided by {c}?", f"{a * c} / {c}"),
        ("math", f"Add {a}, {b} and {c} for me.", f"{a} + {b} + {c}"),
        ("shopping", f"I bought {n} tickets at ${p} each. What's the total?", f"{n} * {p}"),
        ("dining", f"Our bill is ${bill}. How much is it each if we split it {k} ways?",
         f"{bill} / {k}"),
        ("dining", f"How much is a tip of {pct}% on a ${bill} bill?", f"{bill} * {pct} / 100"),
        ("finance", f"I earn ${bill * 10} a month and spend ${a * 10}. What's left?",
         f"{bill * 10} - {a * 10}"),
    ]  # fmt: skip
    return rng.choice(forms)


def t_calculator(rng: random.Random, kind: str) -> Draft:
    """A calculator-style call (`kind`: `exact`, `operands`, `function`, `conversion`)."""
    system = _system("You are a careful assistant. Use your tools for arithmetic.")
    if kind == "exact":
        domain, question, expression = _exact(rng)
        tool, args = CALCULATOR, {"expression": expression}
    elif kind == "operands":
        a, b = rng.randint(13, 250), rng.randint(13, 250)
        if rng.random() < 0.5:
            domain, question, tool = "math", f"What is {a} multiplied by {b}?", MULTIPLY
        else:
            domain, question, tool = "math", f"What do {a} and {b} add up to?", ADD
        args = {"a": a, "b": b}
    elif kind == "function":
        n = rng.choice([k for k in range(2, 200) if math.isqrt(k) ** 2 != k])
        domain, question, expression = rng.choice(
            [("math", f"What's the square root of {n}?", f"sqrt({n})"),
             ("math", f"What's the natural log of {n}?", f"log({n})"),
             ("math", f"What is the sine of {n % 89 + 1} degrees?", f"sin({n % 89 + 1} deg)")]
        )  # fmt: skip
        tool, args = CALCULATOR, {"expression": expression}
    else:
        amount = rng.randint(20, 900)
        pair = rng.choice([("dollars", "euros", "USD", "EUR"), ("euros", "pounds", "EUR", "GBP"),
                           ("pounds", "dollars", "GBP", "USD")])  # fmt: skip
        domain = "finance"
        question = f"How much is {amount} {pair[0]} in {pair[1]}?"
        tool = CONVERT
        args = {"amount": amount, "from_currency": pair[2], "to_currency": pair[3]}
    name = tool["function"]["name"]
    out = _out(None, _call("call_1", name, args))
    needless = kind in ("exact", "operands")
    return Draft(
        f"calculator_{kind}",
        "given" if needless else "missing",
        "needless_call" if needless else "needed_call",
        "allow",
        [system, _user(question)],
        out,
        [_arg(k, True) for k in args],
        tools=[tool],
        domain=domain,
        needless_calls=["call_1"] if needless else [],
        extra={"expression": args["expression"]} if "expression" in args else {},
    )


CALCULATOR_PLAN = [
    (lambda r: t_calculator(r, "exact"), 12),
    (lambda r: t_calculator(r, "operands"), 6),
    (lambda r: t_calculator(r, "function"), 6),
    (lambda r: t_calculator(r, "conversion"), 6),
]
