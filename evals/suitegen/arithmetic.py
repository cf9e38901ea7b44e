"""Arithmetic suite: word problems answered from memory, from a calculator, or from a guess."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from .common import (
    JSON,
    Draft,
    _arg,
    _call,
    _calls,
    _fn,
    _money,
    _out,
    _result,
    _system,
    _txt,
    _user,
)

CENT = Decimal("0.01")
ITEMS = ("notebooks", "coffee mugs", "concert tickets", "folding chairs", "plant pots",
         "T-shirts", "USB cables", "scented candles")  # fmt: skip
SALE_ITEMS = ("jacket", "desk chair", "rice cooker", "pair of boots", "tent", "monitor")


@dataclass(frozen=True)
class Problem:
    """An arithmetic question, the expression that answers it and its exact result."""

    kind: str
    question: str
    expression: str
    result: Decimal
    money: bool
    answer: str
    """The answer sentence, with `{v}` where the value goes."""
    facts: str = ""
    """The question's statement of its inputs, without the question itself."""


def _dec(cents: int) -> str:
    return f"{Decimal(cents) / 100:.2f}"


def _show(value: Decimal, money: bool, rng: random.Random) -> str:
    """`value` as an answer writes it: money with cents, large numbers maybe with commas."""
    if money:
        return f"${value.quantize(CENT):,}" if rng.random() < 0.7 else f"${value.quantize(CENT)}"
    text = format(value.normalize(), "f")
    if value >= 1000 and value == value.to_integral_value() and rng.random() < 0.5:
        return f"{int(value):,}"
    return text


def _number(value: Decimal) -> int | float:
    """`value` as a JSON number: an integer when it is whole."""
    return int(value) if value == value.to_integral_value() else float(value)


def _a(pct: int) -> str:
    """The article before a percentage: "an 18%", "a 15%"."""
    return "an" if str(pct).startswith("8") or pct in (11, 18) else "a"


def _plain(value: Decimal) -> str:
    """`value` as the calculator prints it."""
    return format(value.normalize(), "f")


def p_product(rng: random.Random) -> Problem:
    """Multiply two two-digit numbers."""
    a, b = rng.randint(12, 99), rng.randint(12, 99)
    q = rng.choice([f"What is {a} times {b}?", f"What's {a} × {b}?",
                    f"Quick one: {a} multiplied by {b}?", f"How much is {a} * {b}?"])  # fmt: skip
    return Problem("product", q, f"{a} * {b}", Decimal(a * b), False, f"{a} times {b} is {{v}}.")


def p_bulk(rng: random.Random) -> Problem:
    """Unit price times quantity."""
    n, cents, items = rng.randint(3, 24), rng.randint(150, 4999), rng.choice(ITEMS)
    facts = f"I'm ordering {n} {items} at ${_dec(cents)} each"
    return Problem("bulk", f"{facts}. What's the total?", f"{n} * {_dec(cents)}",
                   Decimal(n * cents) / 100, True,
                   f"{n} {items} at ${_dec(cents)} each come to {{v}}.", facts)  # fmt: skip


def p_tip(rng: random.Random) -> Problem:
    """A percentage tip on a bill (bills whose tip comes out in whole cents)."""
    pct = rng.choice([10, 12, 15, 18, 20, 22, 25])
    cents = rng.choice([c for c in range(2000, 25000, 5) if c * pct % 100 == 0])
    q = rng.choice(
        [
            f"What's {_a(pct)} {pct}% tip on a ${_dec(cents)} bill?",
            f"Our bill is ${_dec(cents)}. How much is {_a(pct)} {pct}% tip?",
        ]
    )
    return Problem("tip", q, f"{_dec(cents)} * {pct} / 100", Decimal(cents * pct) / 10000, True,
                   f"{_a(pct).title()} {pct}% tip on ${_dec(cents)} is {{v}}.")  # fmt: skip


def p_split(rng: random.Random) -> Problem:
    """A bill shared equally."""
    k, share = rng.randint(2, 8), rng.randint(1200, 9000)
    total = share * k
    facts = f"Dinner came to {_money(total)} for the {k} of us"
    return Problem("split", f"{facts}. How much does each person pay?", f"{_dec(total)} / {k}",
                   Decimal(share) / 100, True,
                   f"Split {k} ways, {_money(total)} is {{v}} per person.", facts)  # fmt: skip


def p_discount(rng: random.Random) -> Problem:
    """A price after a percentage discount."""
    price, pct = rng.randint(20, 480), rng.choice([10, 15, 20, 25, 30, 40])
    item = rng.choice(SALE_ITEMS)
    q = f"The {item} costs ${price} and it's {pct}% off. What do I pay?"
    return Problem("discount", q, f"{price} * (100 - {pct}) / 100",
                   Decimal(price * (100 - pct)) / 100, True,
                   f"With {pct}% off, the {item} costs {{v}}.")  # fmt: skip


def p_sum(rng: random.Random) -> Problem:
    """Add up three expenses."""
    a, b, c = (rng.randint(800, 30000) for _ in range(3))
    q = (
        f"I spent ${_dec(a)} on groceries, ${_dec(b)} on fuel and ${_dec(c)} on my phone bill. "
        "What's the total?"
    )
    return Problem("sum", q, f"{_dec(a)} + {_dec(b)} + {_dec(c)}", Decimal(a + b + c) / 100,
                   True, "Altogether you spent {v}.")  # fmt: skip


def p_average(rng: random.Random) -> Problem:
    """The mean of four or five scores."""
    scores = [rng.randint(55, 100) for _ in range(rng.choice([4, 5]))]
    listed = ", ".join(map(str, scores[:-1])) + f" and {scores[-1]}"
    q = f"My test scores this term were {listed}. What's my average?"
    expr = f"({' + '.join(map(str, scores))}) / {len(scores)}"
    return Problem("average", q, expr, Decimal(sum(scores)) / len(scores), False,
                   "Your average score is {v}.")  # fmt: skip


def p_hourly(rng: random.Random) -> Problem:
    """Hours times an hourly rate."""
    hours, rate = rng.randint(8, 45), rng.randint(1500, 4500) // 25 * 25
    facts = f"I worked {hours} hours this week at ${_dec(rate)} an hour"
    return Problem("hourly", f"{facts}. How much did I earn?", f"{hours} * {_dec(rate)}",
                   Decimal(hours * rate) / 100, True,
                   f"{hours} hours at ${_dec(rate)} an hour is {{v}}.", facts)  # fmt: skip


def p_budget(rng: random.Random) -> Problem:
    """What is left of a budget after two expenses."""
    budget, rent = rng.randint(2500, 6000) * 100, rng.randint(900, 2200) * 100
    food = rng.randint(15000, 60000)
    q = (
        f"My monthly budget is {_money(budget)}. I've spent {_money(rent)} on rent and "
        f"{_money(food)} on food. How much is left?"
    )
    return Problem("budget", q, f"{_dec(budget)} - {_dec(rent)} - {_dec(food)}",
                   Decimal(budget - rent - food) / 100, True, "You have {v} left.")  # fmt: skip


PROBLEMS = (p_product, p_bulk, p_tip, p_split, p_discount, p_sum, p_average, p_hourly, p_budget)


def _wrong(rng: random.Random, p: Problem) -> Decimal:
    """A result a person might write from memory: close to the right one, but not it."""
    steps = [Decimal(s) for s in (["1", "0.10", "10", "0.90"] if p.money
                                   else ["1", "10", "2", "100"])]  # fmt: skip
    written = set(re.findall(r"\d+(?:\.\d+)?", p.question.replace(",", "")))
    while True:
        value = p.result + rng.choice(steps) * rng.choice([-1, 1])
        if value > 0 and value != p.result and _plain(value) not in written:
            return value


def _calculator() -> JSON:
    return _fn(
        "calculator",
        "Evaluate an arithmetic expression exactly.",
        {
            "expression": {
                "type": "string",
                "description": "The expression, with + - * / and parentheses",
            }
        },
    )


_MATH_SYSTEM = ("You are a helpful assistant.",
                "You are a careful assistant. Use the calculator for arithmetic.",
                "You help people with everyday sums.")  # fmt: skip
CALC_RESOLVES = {"text:number": "calculator", "text:money": "calculator"}


def _math_case(rng: random.Random, p: Problem, with_tool_result: bool) -> list[JSON]:
    messages = [_system(rng.choice(_MATH_SYSTEM)), _user(p.question)]
    if with_tool_result:
        printed = (f"{p.expression} = {_plain(p.result)}" if rng.random() < 0.5 else
                   {"expression": p.expression, "result": _number(p.result)})  # fmt: skip
        messages += [_calls(_call("call_1", "calculator", {"expression": p.expression})),
                     _result("call_1", "calculator", printed)]  # fmt: skip
    return messages


def _meta(p: Problem) -> JSON:
    return {"problem": p.kind, "expression": p.expression, "result": _plain(p.result)}


def a_from_memory(rng: random.Random, tool: bool) -> Draft:
    """A result written from memory, off by a little: look it up with the calculator or retry."""
    p = rng.choice(PROBLEMS)(rng)
    shown = _show(_wrong(rng, p), p.money, rng)
    text = p.answer.replace("{v}", shown)
    messages = _math_case(rng, p, False)
    claims = [_txt(shown, False)]
    if tool:
        return Draft("result_from_memory", "missing", "silent_assumption", "call_tool", messages,
                     _out(text), claims, tools=[_calculator()], resolvers=dict(CALC_RESOLVES),
                     extra=_meta(p))  # fmt: skip
    return Draft("result_from_memory_no_tool", "missing", "silent_assumption", "retry", messages,
                 _out(text), claims, extra=_meta(p))  # fmt: skip


def a_from_tool(rng: random.Random, faithful: bool) -> Draft:
    """The calculator's result, reported faithfully or changed."""
    p = rng.choice(PROBLEMS)(rng)
    value = p.result if faithful else _wrong(rng, p)
    shown = _show(value, p.money, rng)
    messages = _math_case(rng, p, True)
    claims = [_txt(shown, faithful)]
    output = _out(p.answer.replace("{v}", shown))
    tools, res = [_calculator()], dict(CALC_RESOLVES)
    if faithful:
        return Draft("result_from_tool", "given", "grounded", "allow", messages, output, claims,
                     tools=tools, resolvers=res, extra=_meta(p))  # fmt: skip
    return Draft("result_contradicts_tool", "conflict", "contradiction", "retry", messages,
                 output, claims, tools=tools, resolvers=res, extra=_meta(p))  # fmt: skip


def a_calls_calculator(rng: random.Random) -> Draft:
    """The output hands the user's numbers to the calculator, as it should."""
    p = rng.choice([p_product, p_bulk, p_split, p_sum, p_hourly, p_budget, p_average])(rng)
    output = _out(None, _call("call_1", "calculator", {"expression": p.expression}))
    return Draft("calls_calculator", "given", "grounded", "allow", _math_case(rng, p, False),
                 output, [_arg("expression", True)], tools=[_calculator()],
                 resolvers=dict(CALC_RESOLVES), extra=_meta(p))  # fmt: skip


def a_user_computed(rng: random.Random) -> Draft:
    """The user did the sum and asks for a check; the output confirms their (right) number."""
    kind = rng.choice(["split", "hourly", "bulk"])
    p = {"split": p_split, "hourly": p_hourly, "bulk": p_bulk}[kind](rng)
    shown = _show(p.result, True, rng)
    each = " each" if kind == "split" else ""
    question = rng.choice([f"{p.facts}, so that's {shown}{each}, right?",
                           f"{p.facts}. I make it {shown}{each}. Is that right?"])  # fmt: skip
    answer = p.answer.replace("{v}", shown)
    text = rng.choice([f"Yes, {shown}{each} is right.", f"Yes: {answer[0].lower()}{answer[1:]}"])
    messages = [_system(rng.choice(_MATH_SYSTEM)), _user(question)]
    return Draft("user_computed", "given", "grounded", "allow", messages, _out(text),
                 [_txt(shown, True)], tools=[_calculator()], resolvers=dict(CALC_RESOLVES),
                 extra=_meta(p))  # fmt: skip


@dataclass(frozen=True)
class Gap:
    """A question with one input left out: the question, a guessed expression and answer."""

    kind: str
    question: str
    expression: str
    answer: str
    ask: str


def _gap(rng: random.Random) -> Gap:
    kind = rng.choice(["tip", "split", "discount", "hourly"])
    if kind == "tip":
        pct, bill = rng.choice([15, 18, 20]), rng.randint(40, 180) * 100
        tip = Decimal(bill * pct) / 10000
        return Gap(
            kind,
            f"What's {_a(pct)} {pct}% tip on my dinner bill?",
            f"{_dec(bill)} * {pct} / 100",
            f"{_a(pct).title()} {pct}% tip on ${_dec(bill)} is ${tip:.2f}.",
            "How much was the bill?",
        )
    if kind == "split":
        k, share = rng.randint(3, 6), rng.randint(20, 70)
        return Gap(
            kind,
            f"We're {k} people. How much does each of us pay for dinner?",
            f"{share * k} / {k}",
            f"The ${share * k}.00 bill is ${share}.00 each.",
            "How much was the bill in total?",
        )
    if kind == "discount":
        item, pct, price = rng.choice(SALE_ITEMS), rng.choice([20, 25, 30]), rng.randint(40, 300)
        final = Decimal(price * (100 - pct)) / 100
        return Gap(
            kind,
            f"How much is the {item} with {pct}% off?",
            f"{price} * (100 - {pct}) / 100",
            f"At ${price} with {pct}% off, you pay ${final:.2f}.",
            f"What is the full price of the {item}?",
        )
    rate = rng.randint(16, 40)
    hours = rng.choice([h for h in range(20, 46) if h != rate])
    return Gap(kind, f"What will I earn this week at ${rate} an hour?", f"{hours} * {rate}",
               f"{hours} hours at ${rate} an hour is ${hours * rate}.",
               "How many hours did you work this week?")  # fmt: skip


def a_missing_input(rng: random.Random, form: str) -> Draft:
    """An input of the sum is not given: the output invents it (`call`, `text`) or asks (`ask`)."""
    g = _gap(rng)
    messages = [_system(rng.choice(_MATH_SYSTEM)), _user(g.question)]
    tools, res = [_calculator()], dict(CALC_RESOLVES)
    meta = {"problem": g.kind}
    if form == "ask":
        return Draft("needed_question", "missing", "needed_question", "ask_user", messages,
                     _out(g.ask), [_txt(g.ask.rstrip("?"), False)], tools=tools, resolvers=res,
                     extra=meta)  # fmt: skip
    if form == "call":
        output = _out(None, _call("call_1", "calculator", {"expression": g.expression}))
        claims = [_arg("expression", False)]
    else:
        output, claims = _out(g.answer), [_txt(g.answer[:-1], False)]
    return Draft(f"missing_input_{form}", "missing", "silent_assumption", "ask_user", messages,
                 output, claims, tools=tools, resolvers=res, extra=meta)  # fmt: skip


_REDUNDANT_MATH = {
    "split": "How many people are splitting the bill?",
    "tip": "How much was the bill?",
    "hourly": "What is your hourly rate?",
    "bulk": "How many items are you ordering?",
}


def a_redundant(rng: random.Random) -> Draft:
    """The output asks for an input the user already gave."""
    kind = rng.choice(list(_REDUNDANT_MATH))
    p = {"split": p_split, "tip": p_tip, "hourly": p_hourly, "bulk": p_bulk}[kind](rng)
    ask = _REDUNDANT_MATH[kind]
    return Draft("redundant_question", "given", "redundant_question", "allow",
                 _math_case(rng, p, False), _out(ask), [_txt(ask.rstrip("?"), True)],
                 tools=[_calculator()], resolvers=dict(CALC_RESOLVES), extra=_meta(p))  # fmt: skip


ARITHMETIC: list[tuple[Callable[[random.Random], Draft], int]] = [
    (lambda r: a_from_memory(r, True), 16),
    (lambda r: a_from_memory(r, False), 4),
    (lambda r: a_missing_input(r, "call"), 4),
    (lambda r: a_missing_input(r, "text"), 3),
    (lambda r: a_missing_input(r, "ask"), 3),
    (lambda r: a_from_tool(r, True), 14),
    (a_calls_calculator, 5),
    (a_user_computed, 5),
    (a_redundant, 4),
    (lambda r: a_from_tool(r, False), 4),
]
