"""Latency benchmark of `Monitor().check` on synthetic, realistic agent turns.

What it measures, on one CPU core (the process is pinned with `os.sched_setaffinity` where the
platform has it):

1. The upper bound of a typical agent turn: a context of about 4,000 tokens (system prompt
   with today's date, user turns with names, dates, order numbers and emails, JSON tool
   results, retrieved documents), an output of about 300 tokens (supported and unsupported
   facts, one question) and two tool calls with 10 arguments in all (some nested). Hundreds of
   different turns are checked, each "cold" (`agentguard.estimators.index.clear_cache()` first),
   and each again "warm": the same turn with one more user turn appended, the next step of an
   agent loop. Latency is timed with `time.perf_counter` around the whole `check` call, input
   validation included.
2. Mixed typical turns: sizes drawn uniformly within that envelope (context 500-4,000
   tokens, output 20-300 tokens, 0-10 tool arguments), cold; the median of this distribution
   is what a "p50 for a typical agent turn" is about, while table 1 is its upper bound.
3. Scaling: the median cold check at contexts of about 1k, 4k, 16k, 64k and 100k tokens.
4. Import cost: `import agentguard` in a fresh interpreter (best of 5), and whether heavy
   optional dependencies (litellm, langgraph, openai) are loaded by the import and one check.

Tokens are counted as characters / 4 over message contents, documents and tool schemas.

Run:
    .venv/bin/python benchmarks/speed.py                # full run (a minute or two)
    .venv/bin/python benchmarks/speed.py --quick        # smoke run, fewer iterations
    .venv/bin/python benchmarks/speed.py --json out.json  # also write the figures as JSON
    .venv/bin/python benchmarks/speed.py --profile      # also print a cProfile of cold checks
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
import io
import json
import os
import platform
import pstats
import random
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agentguard import Monitor, __version__
from agentguard.estimators.index import clear_cache

Turn = dict[str, Any]

TARGET_P50_MS = 2.0
TARGET_P99_MS = 10.0
TYPICAL_TOKENS = 4_000
SCALING_TOKENS = (1_000, 4_000, 16_000, 64_000, 100_000)
HEAVY_MODULES = ("litellm", "langgraph", "openai")


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST = _words("Dana Omar Priya Lukas Mei Jonas Aisha Carlos Ingrid Tomasz Yuki Fatima Noah Elena")
LAST = _words("Lee Haddad Sharma Becker Chen Larsen Okafor Ruiz Nilsen Kowalski Sato Malik Brooks")
CITIES = _words("Boston Denver Lisbon Chicago Seattle Austin Madrid Dublin Toronto Oslo Lyon")
PRODUCTS = {
    "Blender Pro 500": 89.99,
    "Espresso Max 2": 249.0,
    "TrailRunner GTX shoes": 134.5,
    "Noise-cancelling headphones QC45": 279.0,
    "Cast iron skillet 12in": 39.95,
    "Standing desk Flexi 140": 429.0,
    "Robot vacuum S7": 319.99,
    "Wool blanket Nordic": 74.0,
}
CARRIERS = ("UPS", "FedEx", "DHL", "USPS")
STATUSES = ("processing", "shipped", "delivered", "returned")
TOPICS = (
    "refund",
    "baggage",
    "shipping",
    "warranty",
    "loyalty",
    "cancellation",
    "seating",
    "returns",
)
PROSE = (
    "Customers may request a {topic} review within {n} days of delivery by contacting support.",
    "Orders shipped with {carrier} usually arrive within {n} business days of dispatch.",
    "Items that arrive damaged are refunded in full, including shipping, once a photo is sent.",
    "The {topic} policy was last revised on {date} and applies to every order placed since.",
    "Flights from {city} to {city2} operate {n} times a week during the summer schedule.",
    "Economy fares include one personal item; a checked bag costs ${price} on most routes.",
    "Refunds are issued to the original payment method and take up to {n} business days.",
    "Members of the Acme Miles programme earn {n} miles for every dollar spent on fares.",
    "Changes made less than {n} hours before departure incur a fee of ${price} per passenger.",
    "Warranty claims for the {product} are handled by the manufacturer, not by Acme.",
    "Our {city} warehouse closes at {hour} pm on weekdays, so late orders ship next morning.",
    "A {topic} request is answered by email, usually within {n} hours, from help@acme.example.",
    "Unused e-tickets can be credited for future travel within {n} months of the issue date.",
    "Support agents must confirm the customer's email before discussing any order details.",
)
USER_LINES = (
    "Hi, I'm {name} ({email}). Where is my order {oid}? I ordered the {product} on {date}.",
    "Can you check whether {oid} has shipped yet? It was due on {date}.",
    "My colleague {name} needs the invoice for {oid}; please send it to {email}.",
    "I'd like to fly from {city} to {city2} on {date}, ideally before {hour} pm.",
    "The {product} I received is broken. The order number is {oid} and I paid ${price}.",
    "Please update my email to {email} and cancel order {oid} if it hasn't left {city}.",
    "We are {n} travellers; {name} will join us in {city2} on {date}.",
)


@dataclass(frozen=True)
class Facts:
    """The values a turn's core context states, which the output then repeats (or not)."""

    today: dt.date
    name: str
    email: str
    companion: str
    companion_email: str
    order_id: str
    product: str
    price: float
    carrier: str
    tracking: str
    origin: str
    destination: str
    flight_date: dt.date
    flight_no: str
    departs: str


def _person(rng: random.Random) -> tuple[str, str]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    return f"{first} {last}", f"{first.lower()}.{last.lower()}@example.com"


def _order_id(rng: random.Random) -> str:
    return f"ORD-{rng.randrange(10_000, 99_999)}"


def _date_text(rng: random.Random, day: dt.date) -> str:
    forms = ("%B %d, %Y", "%Y-%m-%d", "%d %B %Y", "%A, %B %d")
    return day.strftime(rng.choice(forms))


def _make_facts(rng: random.Random) -> Facts:
    today = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(300))
    name, email = _person(rng)
    companion, companion_email = _person(rng)
    product = rng.choice(sorted(PRODUCTS))
    origin, destination = rng.sample(CITIES, 2)
    return Facts(
        today=today,
        name=name,
        email=email,
        companion=companion,
        companion_email=companion_email,
        order_id=_order_id(rng),
        product=product,
        price=PRODUCTS[product],
        carrier=rng.choice(CARRIERS),
        tracking=f"1Z{rng.randrange(10**15, 10**16)}",
        origin=origin,
        destination=destination,
        flight_date=today + dt.timedelta(days=rng.randrange(3, 40)),
        flight_no=f"AC{rng.randrange(100, 999)}",
        departs=f"{rng.randrange(6, 21):02d}:{rng.choice(('05', '20', '35', '50'))}",
    )


def _fill(rng: random.Random, template: str, today: dt.date) -> str:
    name, email = _person(rng)
    city, city2 = rng.sample(CITIES, 2)
    return template.format(
        name=name,
        email=email,
        oid=_order_id(rng),
        product=rng.choice(sorted(PRODUCTS)),
        date=_date_text(rng, today + dt.timedelta(days=rng.randrange(-60, 60))),
        city=city,
        city2=city2,
        hour=rng.randrange(1, 11),
        n=rng.randrange(2, 30),
        price=rng.randrange(15, 400),
        carrier=rng.choice(CARRIERS),
        topic=rng.choice(TOPICS),
    )


def _document(rng: random.Random, today: dt.date, doc_id: str) -> dict[str, str]:
    paragraphs = []
    for _ in range(rng.randrange(2, 4)):
        sentences = [_fill(rng, rng.choice(PROSE), today) for _ in range(rng.randrange(3, 7))]
        paragraphs.append(" ".join(sentences))
    return {"id": doc_id, "text": "\n\n".join(paragraphs)}


def _order_record(
    rng: random.Random, today: dt.date, order_id: str | None = None
) -> dict[str, Any]:
    product = rng.choice(sorted(PRODUCTS))
    placed = today - dt.timedelta(days=rng.randrange(1, 90))
    return {
        "order_id": order_id or _order_id(rng),
        "item": product,
        "total": PRODUCTS[product],
        "status": rng.choice(STATUSES),
        "ordered_on": placed.isoformat(),
        "carrier": rng.choice(CARRIERS),
        "shipping_address": {"city": rng.choice(CITIES), "zip": f"{rng.randrange(10**4, 10**5)}"},
    }


def _tool_exchange(call_id: str, name: str, args: dict[str, Any], result: Any) -> list[Turn]:
    call = {"id": call_id, "type": "function", "function": {"name": name}}
    call["function"]["arguments"] = json.dumps(args)
    return [
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": call_id, "content": json.dumps(result)},
    ]


def _core_messages(rng: random.Random, f: Facts) -> list[Turn]:
    today = f.today.strftime("%A, %d %B %Y")
    system = (
        f"You are the support and travel agent of Acme Travel & Shop. Today is {today}. "
        "Use the tools to look up orders and flights before acting, never invent order "
        "numbers, dates, prices or email addresses, and ask the user when a required detail "
        "is missing. Refunds above $500 need a supervisor."
    )
    order = _order_record(rng, f.today, f.order_id) | {
        "item": f.product,
        "total": f.price,
        "status": "delivered",
        "carrier": f.carrier,
        "tracking": f.tracking,
    }
    flights = [
        {"flight": f.flight_no, "from": f.origin, "to": f.destination, "departs": f.departs},
        {"flight": f"AC{rng.randrange(100, 999)}", "from": f.origin, "to": f.destination},
    ]
    user1 = (
        f"Hi, I'm {f.name} and my email is {f.email}. The {f.product} from order "
        f"{f.order_id} arrived damaged, I want a refund."
    )
    user2 = (
        f"Also, {f.companion} ({f.companion_email}) and I need to fly from {f.origin} to "
        f"{f.destination} on {f.flight_date.strftime('%B %d')}. Economy is fine."
    )
    return [
        {"role": "system", "content": system},
        {"role": "user", "content": user1},
        *_tool_exchange("call_0", "find_orders", {"email": f.email}, {"orders": [order]}),
        {"role": "user", "content": user2},
        *_tool_exchange("call_1", "search_flights", {"to": f.destination}, {"flights": flights}),
    ]


def _filler(rng: random.Random, today: dt.date, n: int) -> tuple[list[Turn], dict[str, str] | None]:
    """One block of extra context: a user turn, a tool lookup, or a retrieved document."""
    kind = rng.random()
    if kind < 0.55:
        return [{"role": "user", "content": _fill(rng, rng.choice(USER_LINES), today)}], None
    if kind < 0.93:
        orders = [_order_record(rng, today) for _ in range(rng.randrange(1, 4))]
        args = {"email": _person(rng)[1]}
        return _tool_exchange(f"call_{n}", "find_orders", args, {"orders": orders}), None
    return [], _document(rng, today, f"kb-{n}")


def _tool_defs() -> list[Turn]:
    def fn(name: str, props: dict[str, Any], required: list[str]) -> Turn:
        params = {"type": "object", "properties": props, "required": required}
        return {"type": "function", "function": {"name": name, "parameters": params}}

    s = {"type": "string"}
    passenger = {"type": "object", "properties": {"name": s, "email": s}, "required": ["name"]}
    return [
        fn("find_orders", {"email": s}, ["email"]),
        fn("search_flights", {"to": s, "from": s, "date": s}, ["to"]),
        fn(
            "book_flight",
            {
                "origin": s,
                "destination": s,
                "date": {"type": "string", "description": "Departure date, YYYY-MM-DD"},
                "passengers": {"type": "array", "items": passenger},
            },
            ["origin", "destination", "date", "passengers"],
        ),
        fn(
            "refund_order",
            {
                "order_id": s,
                "amount": {"type": "number"},
                "reason": {"type": "string", "enum": ["damaged", "late", "other"]},
            },
            ["order_id", "amount", "reason"],
        ),
    ]


def _output(rng: random.Random, f: Facts) -> Turn:
    """About 300 tokens: supported and unsupported facts, one question, 10 tool arguments."""
    eta = f.today + dt.timedelta(days=rng.randrange(2, 9))
    back = (f.flight_date + dt.timedelta(days=7)).strftime("%B %d")
    order = (
        f"Thanks, {f.name.split()[0]}. I found your order {f.order_id} for the {f.product}, "
        f"which was delivered by {f.carrier} with tracking number {f.tracking}. "
        f"The money should reach your card ending in {rng.randrange(1000, 9999)} within "
        f"{rng.randrange(3, 8)} business days. A replacement {f.product} will also ship on "
        f"{eta.strftime('%B %d')} from our {rng.choice(CITIES)} warehouse at no extra cost. "
        f"I'm refunding the full ${f.price:.2f} to your original payment method now."
    )
    trip = (
        f"For the trip, I've booked you and {f.companion} on flight {f.flight_no} from "
        f"{f.origin} to {f.destination}, departing on {f.flight_date.strftime('%B %d')} at "
        f"{f.departs}. The fare is ${rng.randrange(180, 650)} per person in economy, and "
        f"your seats are {rng.randrange(8, 30)}A and {rng.randrange(8, 30)}B. "
        f"Confirmation emails are going to {f.email} and {f.companion_email}. "
        f"You both earn {rng.randrange(500, 3000)} Acme Miles for this booking, and your "
        f"loyalty number AM{rng.randrange(10**6, 10**7)} has been credited already. "
        "Checked bags are not included on this fare, but one personal item is."
    )
    ask = (
        f"Your return flight on {back} is not booked yet. "
        "Which departure time do you prefer for the return leg?"
    )
    # Paragraphs, and the decimal price last in its paragraph: the sentence splitter reads
    # from a mid-sentence decimal point ("$39.95 to") to the end of the line as one sentence.
    text = "\n\n".join((order, trip, ask))
    return {"role": "assistant", "content": text, "tool_calls": _output_calls(f)}


def _output_calls(f: Facts) -> list[Turn]:
    passengers = [
        {"name": f.name, "email": f.email},
        {"name": f.companion, "email": f.companion_email},
    ]
    book = {
        "origin": f.origin,
        "destination": f.destination,
        "date": f.flight_date.isoformat(),
        "passengers": passengers,
    }
    refund = {"order_id": f.order_id, "amount": f.price, "reason": "damaged"}
    calls = [("book_flight", book), ("refund_order", refund)]
    return [
        {"id": f"out_{i}", "type": "function", "function": {"name": n, "arguments": json.dumps(a)}}
        for i, (n, a) in enumerate(calls)
    ]


def context_tokens(turn: Turn) -> int:
    """Context size in tokens, estimated as characters / 4."""
    chars = sum(len(m.get("content") or "") for m in turn["messages"])
    chars += sum(len(json.dumps(m["tool_calls"])) for m in turn["messages"] if m.get("tool_calls"))
    chars += sum(len(d["text"]) for d in turn["documents"])
    chars += len(json.dumps(turn["tools"]))
    return chars // 4


def output_tokens(turn: Turn) -> int:
    """Output size in tokens (text and tool-call arguments), estimated as characters / 4."""
    out = turn["output"]
    args = sum(len(c["function"]["arguments"]) for c in out["tool_calls"])
    return (len(out["content"]) + args) // 4


def make_turn(seed: int, tokens: int = TYPICAL_TOKENS) -> Turn:
    """A deterministic agent turn whose context is about `tokens` tokens."""
    rng = random.Random(seed)
    facts = _make_facts(rng)
    turn: Turn = {
        "messages": _core_messages(rng, facts),
        "tools": _tool_defs(),
        "documents": [_document(rng, facts.today, "policy")],
        "output": _output(random.Random(seed + 1_000_003), facts),
    }
    n = 2
    while context_tokens(turn) < tokens:
        messages, doc = _filler(rng, facts.today, n)
        turn["messages"] += messages
        turn["documents"] += [doc] if doc else []
        n += 1
    return turn


def _first_arguments(calls: list[Turn], keep: int) -> list[Turn]:
    """The calls cut down to their first `keep` top-level arguments (calls left empty dropped).

    Nested arguments (`passengers`) count as one here; the monitor sees each leaf.
    """
    out = []
    for call in calls:
        args = json.loads(call["function"]["arguments"])
        kept = dict(list(args.items())[: max(0, keep)])
        keep -= len(kept)
        if kept:
            out.append({**call, "function": {**call["function"], "arguments": json.dumps(kept)}})
    return out


def make_mixed_turn(seed: int) -> Turn:
    """A turn with sizes drawn uniformly within the typical envelope of the speed target.

    Context 500-4,000 tokens, output 20-300 tokens (whole sentences of the full output), and
    0-10 tool arguments: the distribution whose median the p50 target is about.
    """
    rng = random.Random(seed + 31)
    turn = make_turn(seed, rng.randint(500, TYPICAL_TOKENS))
    output = turn["output"]
    sentences = re.split(r"(?<=[.?!])\s+", output["content"])
    budget = rng.randint(20, 300) * 4
    text = ""
    for sentence in sentences:
        if text and len(text) + len(sentence) > budget:
            break
        text = f"{text} {sentence}".strip()
    calls = _first_arguments(output["tool_calls"], rng.randint(0, 7))  # 0-10 leaf arguments
    turn["output"] = {**output, "content": text, "tool_calls": calls}
    return turn


def with_extra_user_turn(turn: Turn, seed: int) -> Turn:
    """The same turn with one more user message: the next step of an agent loop."""
    rng = random.Random(seed + 7)
    line = _fill(rng, rng.choice(USER_LINES), dt.date(2024, 6, 1))
    return {**turn, "messages": [*turn["messages"], {"role": "user", "content": line}]}


def pin_one_core() -> str:
    """Pin this process (and children it starts) to its first allowed CPU."""
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (os.sched_setaffinity unavailable on this platform)"
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return f"pinned to CPU {cpu} with os.sched_setaffinity"


def time_check(monitor: Monitor, turn: Turn, *, cold: bool) -> float:
    """Milliseconds of one `monitor.check(turn)`, validation included."""
    if cold:
        clear_cache()
    start = time.perf_counter()
    monitor.check(turn)
    return (time.perf_counter() - start) * 1000


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100), linear interpolation between closest ranks."""
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summarise(values: list[float]) -> dict[str, float]:
    """p50, p90, p99, mean and max of latencies in ms."""
    return {
        "n": len(values),
        "p50": percentile(values, 50),
        "p90": percentile(values, 90),
        "p99": percentile(values, 99),
        "mean": statistics.fmean(values),
        "max": max(values),
    }


def bench_typical(monitor: Monitor, n: int, warmup: int) -> dict[str, Any]:
    """Cold and warm latency over `n` different typical turns."""
    turns = [make_turn(10_000 + i) for i in range(n)]
    for i in range(warmup):
        time_check(monitor, make_turn(i), cold=True)
    gc.collect()
    cold = [time_check(monitor, t, cold=True) for t in turns]
    warm = []
    for i, t in enumerate(turns):
        clear_cache()
        monitor.check(t)  # the previous step of the agent loop fills the cache
        warm.append(time_check(monitor, with_extra_user_turn(t, 10_000 + i), cold=False))
    report = monitor.check(turns[0])
    return {
        "context_tokens_mean": statistics.fmean(context_tokens(t) for t in turns),
        "output_tokens_mean": statistics.fmean(output_tokens(t) for t in turns),
        "messages_mean": statistics.fmean(len(t["messages"]) for t in turns),
        "documents_mean": statistics.fmean(len(t["documents"]) for t in turns),
        "claims": len(report.claims),
        "arguments": sum(c.kind == "argument" for c in report.claims),
        "cold": summarise(cold),
        "warm": summarise(warm),
    }


def bench_mixed(monitor: Monitor, n: int) -> dict[str, Any]:
    """Cold latency over `n` turns of mixed size within the typical envelope."""
    turns = [make_mixed_turn(20_000 + i) for i in range(n)]
    gc.collect()
    cold = [time_check(monitor, t, cold=True) for t in turns]
    reports = [monitor.check(t) for t in turns]
    return {
        "context_tokens_mean": statistics.fmean(context_tokens(t) for t in turns),
        "output_tokens_mean": statistics.fmean(output_tokens(t) for t in turns),
        "claims_mean": statistics.fmean(len(r.claims) for r in reports),
        "arguments_mean": statistics.fmean(
            sum(c.kind == "argument" for c in r.claims) for r in reports
        ),
        "cold": summarise(cold),
    }


def bench_scaling(monitor: Monitor, runs: dict[int, int]) -> list[dict[str, float]]:
    """Median cold latency at each context size (`runs`: tokens -> number of turns)."""
    rows = []
    for tokens, n in runs.items():
        turns = [make_turn(20_000 + i, tokens) for i in range(n)]
        time_check(monitor, turns[0], cold=True)
        gc.collect()
        times = [time_check(monitor, t, cold=True) for t in turns]
        size = statistics.fmean(context_tokens(t) for t in turns)
        median = statistics.median(times)
        per_1k = median / (size / 1000)
        rows.append(
            {"target": tokens, "tokens": size, "n": n, "median_ms": median, "ms_per_1k": per_1k}
        )
    return rows


IMPORT_TIME = (
    "import time; t = time.perf_counter(); import agentguard; print(time.perf_counter() - t)"
)
MODULES_AFTER_CHECK = (
    "import json, sys; import agentguard; agentguard.Monitor().check(json.load(sys.stdin)); "
    f"print(json.dumps({{m: m in sys.modules for m in {list(HEAVY_MODULES)!r}}}))"
)


def _python(code: str, stdin: str = "") -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], input=stdin, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def bench_import(turn: Turn) -> dict[str, Any]:
    """`import agentguard` time in a fresh interpreter, and heavy modules loaded by a check."""
    seconds = [float(_python(IMPORT_TIME)) for _ in range(5)]
    loaded = json.loads(_python(MODULES_AFTER_CHECK, json.dumps(turn)))
    return {"import_ms_best_of_5": min(seconds) * 1000, "loaded": loaded}


def profile_cold(monitor: Monitor, n: int) -> str:
    """cProfile of `n` cold checks of different typical turns: top 10 by cumulative time."""
    turns = [make_turn(30_000 + i) for i in range(n)]
    monitor.check(turns[0])
    profiler = cProfile.Profile()
    for t in turns:
        clear_cache()
        profiler.runcall(monitor.check, t)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.strip_dirs().sort_stats("cumulative").print_stats(10)
    return out.getvalue().strip()


def _verdict(value: float, target: float) -> str:
    return "PASS" if value < target else "FAIL"


def print_typical(res: dict[str, Any]) -> None:
    """The typical-turn table: cold and warm percentiles, targets next to the cold ones."""
    print(
        f"\n1. Upper-bound turn ({res['cold']['n']} different turns): context "
        f"~{res['context_tokens_mean']:,.0f} tokens ({res['messages_mean']:.1f} messages, "
        f"{res['documents_mean']:.1f} documents), output ~{res['output_tokens_mean']:.0f} tokens, "
        f"{res['claims']} claims of which {res['arguments']} tool arguments"
    )
    print(f"   {'':<26}{'p50':>8}{'p90':>8}{'p99':>8}{'mean':>8}{'max':>8}   (ms)")
    for label, key in (("cold (cache cleared)", "cold"), ("warm (+1 user turn)", "warm")):
        s = res[key]
        cells = "".join(f"{s[k]:>8.3f}" for k in ("p50", "p90", "p99", "mean", "max"))
        print(f"   {label:<26}{cells}")
    cold = res["cold"]
    print(
        f"   target (cold)             p50 < {TARGET_P50_MS:g} ms: "
        f"{_verdict(cold['p50'], TARGET_P50_MS)}    p99 < {TARGET_P99_MS:g} ms: "
        f"{_verdict(cold['p99'], TARGET_P99_MS)}"
    )


def print_mixed(res: dict[str, Any]) -> None:
    """The mixed-size table, with the targets."""
    s = res["cold"]
    print(
        f"\n2. Mixed typical turns ({s['n']} turns, sizes uniform in the envelope): context "
        f"~{res['context_tokens_mean']:,.0f} tokens, output ~{res['output_tokens_mean']:.0f} "
        f"tokens, {res['claims_mean']:.1f} claims of which {res['arguments_mean']:.1f} tool "
        "arguments, on average"
    )
    print(f"   {'':<26}{'p50':>8}{'p90':>8}{'p99':>8}{'mean':>8}{'max':>8}   (ms)")
    cells = "".join(f"{s[k]:>8.3f}" for k in ("p50", "p90", "p99", "mean", "max"))
    print(f"   {'cold (cache cleared)':<26}{cells}")
    print(
        f"   target (cold)             p50 < {TARGET_P50_MS:g} ms: "
        f"{_verdict(s['p50'], TARGET_P50_MS)}    p99 < {TARGET_P99_MS:g} ms: "
        f"{_verdict(s['p99'], TARGET_P99_MS)}"
    )


def print_scaling(rows: list[dict[str, float]]) -> None:
    """The scaling table: median cold ms and ms per 1k context tokens at each size."""
    print("\n3. Scaling with context size (cold, same output shape)")
    print(f"   {'target':>8}{'measured':>10}{'turns':>7}{'median ms':>11}{'ms / 1k tok':>13}")
    for r in rows:
        print(
            f"   {r['target']:>8,}{r['tokens']:>10,.0f}{r['n']:>7}"
            f"{r['median_ms']:>11.2f}{r['ms_per_1k']:>13.3f}"
        )


def print_import(res: dict[str, Any]) -> None:
    """Import time and which heavy modules a check loads."""
    print("\n4. Import cost (fresh interpreter)")
    print(f"   import agentguard, best of 5: {res['import_ms_best_of_5']:.1f} ms")
    print("   in sys.modules after import + one check:")
    for name, present in res["loaded"].items():
        print(f"     {name:<10} {'yes' if present else 'no'}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer iterations (smoke run)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write figures as JSON")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of cold checks")
    return parser.parse_args(argv)


def _plan(quick: bool) -> tuple[int, int, dict[int, int]]:
    """(typical turns, warm-up checks, scaling runs per size)."""
    if quick:
        return 30, 3, dict.fromkeys(SCALING_TOKENS, 3)
    return 300, 10, dict(zip(SCALING_TOKENS, (100, 50, 15, 7, 5), strict=True))


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its tables."""
    args = parse_args(argv)
    pinning = pin_one_core()
    n_typical, warmup, runs = _plan(args.quick)
    print(f"agentguard {__version__} speed benchmark{' (--quick)' if args.quick else ''}")
    print(f"Python {platform.python_version()} on {platform.machine()}, {pinning}")
    print("Tokens are estimated as characters / 4; latencies are wall-clock ms per check.")
    start = time.perf_counter()
    monitor = Monitor()
    typical = bench_typical(monitor, n_typical, warmup)
    print_typical(typical)
    mixed = bench_mixed(monitor, n_typical)
    print_mixed(mixed)
    scaling = bench_scaling(monitor, runs)
    print_scaling(scaling)
    imports = bench_import(make_turn(1))
    print_import(imports)
    if args.profile:
        print("\ncProfile of 20 cold checks of different ~4k-token turns, top 10 by cumulative:")
        print(profile_cold(monitor, 20))
    if args.json:
        figures = {"typical": typical, "mixed": mixed, "scaling": scaling, "import": imports}
        meta = {"agentguard": __version__, "python": platform.python_version(), "cpu": pinning}
        meta["interpreter"] = sys.executable
        args.json.write_text(json.dumps({"meta": meta, "quick": args.quick} | figures, indent=2))
        print(f"\nwrote {args.json}")
    print(f"\n(benchmark ran for {time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
