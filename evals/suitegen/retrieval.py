"""Retrieval-QA suite: topic documents and the questions answered (or not) from them."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from .common import JSON, Draft, _fn, _money, _out, _system, _txt, _user

NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
                "ten", "eleven", "twelve")  # fmt: skip
Said = tuple[str, str]
"""A sentence of an answer and a distinctive part of it (the gold selector)."""


@dataclass(frozen=True)
class Topic:
    """A document and what can (and cannot) be said from it."""

    doc_id: str
    text: str
    question: str
    answers: tuple[Said, ...]
    """Sentences the document supports (paraphrased)."""
    extras: tuple[Said, ...]
    """Plausible sentences the document does not support (nor contradict)."""
    wrong: tuple[Said, ...]
    """Variants of `answers[i]` that state another value than the document (same order)."""
    uncovered: tuple[str, Said]
    """A question the document does not answer, and an answer that states a number anyway."""
    redundant: str
    """A clarifying question that `question` already answers."""


PRODUCT_KINDS = (
    ("Espresso Max 2", "espresso machine", "pump", "heating element"),
    ("CleanSweep R7", "robot vacuum", "motor", "battery"),
    ("AirPure 300", "air purifier", "fan", "control board"),
    ("MixMaster Pro", "stand mixer", "motor", "gearbox"),
    ("AquaWash 45", "dishwasher", "pump", "control panel"),
    ("ThermoSense T2", "thermostat", "sensor", "display"),
    ("GrindKing 60", "coffee grinder", "burrs", "motor"),
    ("SonicBar 5", "soundbar", "amplifier", "subwoofer"),
)  # fmt: skip
GADGETS = (
    ("Volt E5", "e-bike", "riding"),
    ("Aria X2", "pair of headphones", "playback"),
    ("Slate 14", "laptop", "video playback"),
    ("Trek Lamp", "camping lantern", "light"),
)


def _n(rng: random.Random, n: int) -> str:
    return NUMBER_WORDS[n] if n < len(NUMBER_WORDS) and rng.random() < 0.4 else str(n)


def _years(n: int) -> str:
    return "1 year" if n == 1 else f"{n} years"


def r_warranty(rng: random.Random, product: tuple[str, str, str, str]) -> Topic:
    """A product guide with warranty terms."""
    name, kind, a, b = product
    years, days, weight = rng.randint(1, 5), rng.choice([14, 30, 60, 90]), rng.randint(3, 14)
    text = (
        f"{name} user guide. The {name} comes with a {_n(rng, years)}-year warranty covering "
        f"the {a} and the {b}. Register the {kind} within {days} days of purchase to "
        "activate the warranty. The warranty does not cover damage caused by misuse."
    )
    q = rng.choice(
        [
            f"What warranty does the {name} come with?",
            f"How long is my {name} covered, and what do I need to do?",
        ]
    )
    return Topic(
        f"{name.lower().replace(' ', '-')}-guide", text, q,
        ((f"The {name} is covered for {_years(years)}, including the {a} and the {b}.",
          f"covered for {_years(years)}"),
         (f"To activate the warranty, register it within {days} days of buying it.",
          f"within {days} days")),
        (("The warranty also includes a free yearly service visit.", "free yearly service"),
         (f"You can extend the cover to {years + 2} years for ${rng.randint(3, 9)}9.",
          "extend the cover"),
         (f"Repairs under warranty usually take {rng.randint(5, 12)} working days.",
          "repairs under warranty")),
        ((f"The {name} is covered for {_years(years + 1)}, including the {a} and the {b}.",
          f"covered for {_years(years + 1)}"),
         (f"To activate the warranty, register it within {days + 30} days of buying it.",
          f"within {days + 30} days")),
        (f"How much does the {name} weigh?", (f"The {name} weighs {weight} kg.", "weighs")),
        f"Which {kind} do you have?",
    )  # fmt: skip


def r_returns(rng: random.Random, shop: str) -> Topic:
    """A shop's returns policy."""
    days, fee = rng.choice([14, 30, 45, 60]), rng.choice([395, 495, 599, 750])
    refund = rng.randint(3, 10)
    text = (
        f"{shop} returns policy. Unused items can be returned within {days} days of delivery "
        f"for a full refund. Return shipping costs {_money(fee)} unless the item is faulty. "
        f"Refunds go to the original payment method within {refund} business days of "
        "receiving the return."
    )
    item = rng.choice(["jacket", "lamp", "backpack", "blender", "rug"])
    return Topic(
        f"{shop.lower().split()[0]}-returns", text,
        f"I got a {item} from {shop} last week and haven't used it. Can I return it, and what "
        "does it cost?",
        ((f"Unused items can be sent back within {days} days of delivery for a full refund.",
          f"within {days} days"),
         (f"Return shipping costs {_money(fee)}, unless the item is faulty.",
          "return shipping costs"),
         (f"The money goes back to your original payment method within {refund} business days.",
          "original payment method")),
        (("Returns can also be dropped off at any of our stores.", "dropped off"),
         (f"You also get a {rng.choice([10, 15, 20])}% discount code with every return.",
          "discount code"),
         ("Gift receipts are accepted for exchanges.", "gift receipts")),
        ((f"Unused items can be sent back within {days + 15} days of delivery for a full refund.",
          f"within {days + 15} days"),
         (f"Return shipping costs {_money(fee + 200)}, unless the item is faulty.",
          "return shipping costs")),
        ("Can I return something I bought in one of your physical stores?",
         (f"Yes, in-store purchases can be returned within {days * 2} days at any branch.",
          "in-store purchases")),
        f"Which shop did you buy the {item} from?",
    )  # fmt: skip


def r_specs(rng: random.Random, gadget: tuple[str, str, str]) -> Topic:
    """A gadget's specification sheet."""
    name, kind, activity = gadget
    hours, charge, watts = rng.randint(6, 40), rng.randint(2, 6), rng.choice([30, 45, 65, 100])
    weight = f"{rng.randint(1, 25)}.{rng.randint(1, 9)}"
    text = (
        f"{name} specifications. Weight: {weight} kg. Battery life: up to {hours} hours of "
        f"{activity}. A full charge takes {charge} hours with the included {watts} W charger."
    )
    return Topic(
        f"{name.lower().replace(' ', '-')}-specs", text,
        f"How long does the battery of the {name} last, and how long does charging take?",
        ((f"The battery of the {name} lasts up to {hours} hours of {activity}.",
          f"up to {hours} hours"),
         (f"Charging it fully takes {charge} hours with the {watts} W charger in the box.",
          f"takes {charge} hours")),
        ((f"A faster charger cuts charging to {max(1, charge // 2)} hours.", "faster charger"),
         ("The battery keeps 80% of its capacity after 1,000 charge cycles.", "charge cycles"),
         (f"A spare battery costs ${rng.randint(39, 149)}.", "spare battery")),
        ((f"The battery of the {name} lasts up to {hours + 5} hours of {activity}.",
          f"up to {hours + 5} hours"),
         (f"Charging it fully takes {charge + 2} hours with the {watts} W charger in the box.",
          f"takes {charge + 2} hours")),
        (f"Is the {name} waterproof?",
         (f"The {name} can stay under water for up to {rng.choice([10, 30, 60])} minutes.",
          "under water")),
        f"Which {kind} do you have?",
    )  # fmt: skip


def r_leave(rng: random.Random, company: str) -> Topic:
    """An employee handbook section on paid leave."""
    days, carry, weeks = rng.randint(20, 30), rng.randint(3, 10), rng.randint(2, 6)
    long = rng.choice([5, 10])
    text = (
        f"{company} employee handbook, section 4. Full-time employees receive {days} days of "
        f"paid leave per year. Up to {carry} unused days can be carried over into the next "
        f"year. Leave of more than {long} consecutive days must be requested {weeks} weeks "
        "in advance."
    )
    return Topic(
        f"{company.lower().split()[0]}-handbook-leave", text,
        f"I'm full-time at {company}. How many vacation days do I get, and can I carry unused "
        "ones over?",
        ((f"Full-time staff get {days} days of paid leave a year.", f"{days} days of paid leave"),
         (f"You can carry up to {carry} unused days over into the next year.",
          f"carry up to {carry}"),
         (f"For more than {long} days in a row, ask {weeks} weeks ahead.", f"{weeks} weeks ahead")),
        ((f"Part-time employees get {days // 2} days.", "part-time"),
         ("Unused days beyond that are paid out in December.", "paid out"),
         ("Public holidays do not count as leave days.", "public holidays")),
        ((f"Full-time staff get {days + 5} days of paid leave a year.",
          f"{days + 5} days of paid leave"),
         (f"You can carry up to {carry + 5} unused days over into the next year.",
          f"carry up to {carry + 5}")),
        ("How many paid sick days do I get?",
         (f"You get {rng.randint(5, 15)} paid sick days per year.", "sick days")),
        "Are you a full-time employee?",
    )  # fmt: skip


def r_api(rng: random.Random, api: str) -> Topic:
    """An API reference page on rate limits."""
    per_min = rng.choice([60, 100, 120, 300, 600])
    enterprise = per_min * rng.choice([5, 10])
    text = (
        f"{api} API reference: rate limits. Each API key may send {per_min} requests per "
        "minute. Requests over the limit are rejected with HTTP status 429 and a Retry-After "
        f"header. Enterprise plans raise the limit to {enterprise:,} requests per minute."
    )
    return Topic(
        f"{api.lower()}-rate-limits", text,
        f"What's the rate limit of the {api} API, and what happens if I go over it?",
        ((f"Each key can make {per_min} requests per minute.", f"{per_min} requests"),
         ("Requests above the limit get HTTP status 429 with a Retry-After header.", "429"),
         (f"Enterprise plans allow {enterprise} requests per minute.", "enterprise plans")),
        (("Rejected requests still count towards your monthly quota.", "monthly quota"),
         ("The limit resets at the start of every minute in UTC.", "resets"),
         (f"Keys that go over the limit {rng.randint(3, 9)} times in an hour are suspended.",
          "suspended")),
        ((f"Each key can make {per_min * 2} requests per minute.", f"{per_min * 2} requests"),
         ("Requests above the limit get HTTP status 503 with a Retry-After header.", "503")),
        ("How long do API keys stay valid?",
         (f"API keys expire after {rng.choice([30, 90, 180, 365])} days.", "expire after")),
        "Which API are you asking about?",
    )  # fmt: skip


def _days(n: int) -> str:
    return "day" if n == 1 else "days"


def r_shipping(rng: random.Random, shop: str) -> Topic:
    """A shop's shipping page."""
    a, b = rng.randint(2, 4), rng.randint(5, 8)
    free, std = rng.choice([35, 50, 75]), rng.choice([399, 495, 599])
    express, fast = rng.choice([999, 1295, 1499]), rng.randint(1, 2)
    text = (
        f"Shipping at {shop}. Standard shipping takes {a} to {b} business days and is free on "
        f"orders over ${free}. Below that it costs {_money(std)}. Express shipping costs "
        f"{_money(express)} and arrives within {fast} business {_days(fast)}."
    )
    return Topic(
        f"{shop.lower().split()[0]}-shipping", text,
        f"How long does {shop} take to deliver, and when is shipping free?",
        ((f"Standard delivery takes {a} to {b} business days.", f"{a} to {b} business days"),
         (f"It's free once your order is over ${free}.", f"over ${free}"),
         (f"Express costs {_money(express)} and arrives within {fast} business {_days(fast)}.",
          "express costs")),
        (("Orders placed before 2 pm ship the same day.", "same day"),
         (f"International orders take {rng.randint(2, 3)} to 4 weeks.", "international"),
         ("Every parcel is shipped carbon-neutral.", "carbon-neutral")),
        ((f"Standard delivery takes {a + 2} to {b + 2} business days.",
          f"{a + 2} to {b + 2} business days"),
         (f"It's free once your order is over ${free + 25}.", f"over ${free + 25}")),
        ("Do you ship to Canada?",
         (f"Yes, shipping to Canada costs {_money(rng.choice([1499, 1999, 2499]))}.", "canada")),
        "Which shop are you ordering from?",
    )  # fmt: skip


def r_transit(rng: random.Random, pair: tuple[str, str]) -> Topic:
    """A train line's timetable page."""
    a, b = pair
    every, ride = rng.choice([10, 15, 20, 30]), rng.randint(25, 95)
    fare, day = rng.choice([320, 450, 580, 760]), rng.choice([1200, 1500, 1800])
    text = (
        f"{a}–{b} line timetable. Trains between {a} and {b} run every {every} minutes from "
        f"05:30 until midnight. The journey takes {ride} minutes. A single ticket costs "
        f"€{fare // 100},{fare % 100:02d} and a day pass €{day // 100},{day % 100:02d}."
    )
    return Topic(
        f"{a.lower()}-{b.lower()}-timetable".replace(" ", "-"), text,
        f"How often do trains go from {a} to {b}, and how long is the ride?",
        ((f"Trains run every {every} minutes between 05:30 and midnight.",
          f"every {every} minutes"),
         (f"The ride takes {ride} minutes.", "ride takes"),
         (f"A single ticket is €{fare / 100:.2f}.", "single ticket")),
        (("Bicycles travel free outside rush hour.", "bicycles"),
         ("Every train has a quiet carriage at the front.", "quiet carriage"),
         ("Tickets bought on board cost €2 extra.", "on board")),
        ((f"Trains run every {every + 5} minutes between 05:30 and midnight.",
          f"every {every + 5} minutes"),
         (f"The ride takes {ride + 20} minutes.", "ride takes")),
        ("How much is a monthly pass?",
         (f"A monthly pass costs €{rng.randint(60, 140)}.", "monthly pass")),
        "Which line are you travelling on?",
    )  # fmt: skip


def r_plans(rng: random.Random, service: str) -> Topic:
    """A subscription service's two plans."""
    p1, p2 = rng.choice([5, 6, 8]), rng.choice([12, 15, 20])
    s1, s2 = rng.choice([50, 100, 200]), rng.choice([1000, 2000, 5000])
    text = (
        f"{service} plans. The Basic plan costs ${p1} per month and includes {s1} GB of "
        f"storage. The Pro plan costs ${p2} per month and includes {s2:,} GB of storage and "
        "priority support. Paying yearly gives two months free on either plan."
    )
    return Topic(
        f"{service.lower()}-plans", text,
        f"What do I get with the Pro plan of {service}, and what does it cost?",
        ((f"The Pro plan is ${p2} a month.", f"${p2} a month"),
         (f"It includes {s2:,} GB of storage and priority support.", f"{s2:,} GB"),
         ("If you pay yearly, you get two months free.", "two months free")),
        (("The Pro plan also comes with a dedicated account manager.", "account manager"),
         (f"You can share it with up to {rng.randint(3, 6)} family members.", "family members"),
         ("Students get 50% off on request.", "students")),
        ((f"The Pro plan is ${p2 + 3} a month.", f"${p2 + 3} a month"),
         (f"It includes {s2 * 2:,} GB of storage and priority support.", f"{s2 * 2:,} GB")),
        ("Is there a free trial?",
         (f"Yes, there is a {rng.choice([7, 14, 30])}-day free trial.", "free trial")),
        "Which plan are you asking about?",
    )  # fmt: skip


_SHOP_NAMES = ("Homeware Direct", "Northgate Outfitters", "Bookhaven", "PixelPeak Electronics")
_COMPANIES = ("Brightline Logistics", "Oakridge Labs", "Marlow & Finch", "Tidewater Health")
_APIS = ("Weatherly", "Paystream", "Geonode", "Mailbolt")
_SERVICES = ("CloudNest", "Vaultly", "PhotoKeep", "DriveBox")
_LINES = (("Harbour", "Airport"), ("Central", "University"), ("Old Town", "Stadium"))


def _topic(rng: random.Random, kind: str) -> Topic:
    makers: dict[str, Callable[[], Topic]] = {
        "warranty": lambda: r_warranty(rng, rng.choice(PRODUCT_KINDS)),
        "returns": lambda: r_returns(rng, rng.choice(_SHOP_NAMES)),
        "specs": lambda: r_specs(rng, rng.choice(GADGETS)),
        "leave": lambda: r_leave(rng, rng.choice(_COMPANIES)),
        "api": lambda: r_api(rng, rng.choice(_APIS)),
        "shipping": lambda: r_shipping(rng, rng.choice(_SHOP_NAMES)),
        "transit": lambda: r_transit(rng, rng.choice(_LINES)),
        "plans": lambda: r_plans(rng, rng.choice(_SERVICES)),
    }
    return makers[kind]()


TOPIC_KINDS = ("warranty", "returns", "specs", "leave", "api", "shipping", "transit", "plans")


def _documents(rng: random.Random, topic: Topic, kind: str) -> list[JSON]:
    """The topic's document among 0-2 documents of other kinds."""
    others = [k for k in TOPIC_KINDS if k != kind]
    docs = [topic] + [_topic(rng, k) for k in rng.sample(others, rng.randint(0, 2))]
    rng.shuffle(docs)
    return [{"id": d.doc_id, "text": d.text} for d in docs]


_RETRIEVAL_SYSTEM = (
    "Answer questions from the documents you are given.",
    "You answer customer questions. Use only the retrieved documents.",
    "Answer from the documents below; say so when they do not cover a question.",
)


def r_answer(rng: random.Random, variant: str) -> Draft:
    """An answer from the documents: faithful, with one added sentence, or with a changed value."""
    kind = rng.choice(TOPIC_KINDS)
    topic = _topic(rng, kind)
    docs, question = _documents(rng, topic, kind), topic.question
    rest = range(1, len(topic.answers))
    picked = [0, *sorted(rng.sample(rest, rng.randint(1, len(rest))))]
    said = [(topic.answers[i], True) for i in picked]
    extra: JSON = {"topic": kind}
    if variant == "wrong":
        j = rng.choice([k for k, i in enumerate(picked) if i < len(topic.wrong)])
        said[j] = (topic.wrong[picked[j]], False)
        extra["faithful"] = topic.answers[picked[j]][0]
    elif variant == "added":
        said.insert(rng.randint(1, len(said)), (rng.choice(topic.extras), False))
    text = " ".join(sentence for (sentence, _), _ok in said)
    claims = [_txt(selector, ok) for (_, selector), ok in said]
    scene, direction, pattern, action = {
        "given": ("supported_answer", "given", "grounded", "allow"),
        "added": ("added_sentence", "missing", "added_sentence", "retry"),
        "wrong": ("contradicted_value", "conflict", "contradiction", "retry"),
    }[variant]
    messages = [_system(rng.choice(_RETRIEVAL_SYSTEM)), _user(question)]
    return Draft(scene, direction, pattern, action, messages, _out(text), claims,
                 documents=docs, extra=extra)  # fmt: skip


def _search_tool() -> JSON:
    return _fn("search_knowledge_base", "Search the help centre for more documents.",
               {"query": {"type": "string", "description": "What to search for"}})  # fmt: skip


def r_uncovered(rng: random.Random, searchable: bool) -> Draft:
    """The documents do not answer the question; the output states a number anyway."""
    kind = rng.choice(TOPIC_KINDS)
    topic = _topic(rng, kind)
    question, (sentence, selector) = topic.uncovered
    docs = _documents(rng, topic, kind)
    messages = [_system(rng.choice(_RETRIEVAL_SYSTEM)), _user(question)]
    claims = [_txt(selector, False)]
    if searchable:
        return Draft("uncovered_question", "missing", "silent_assumption", "call_tool", messages,
                     _out(sentence), claims, tools=[_search_tool()], documents=docs,
                     resolvers={"text:number": "search_knowledge_base",
                                "text:money": "search_knowledge_base"},
                     extra={"topic": kind})  # fmt: skip
    return Draft("uncovered_question", "missing", "silent_assumption", "retry", messages,
                 _out(sentence), claims, documents=docs, extra={"topic": kind})  # fmt: skip


def r_redundant(rng: random.Random) -> Draft:
    """The output asks which product (shop, plan, line) the question is about: it names it."""
    kind = rng.choice(TOPIC_KINDS)
    topic = _topic(rng, kind)
    docs, question = _documents(rng, topic, kind), topic.question
    messages = [_system(rng.choice(_RETRIEVAL_SYSTEM)), _user(question)]
    return Draft("redundant_question", "given", "redundant_question", "allow", messages,
                 _out(topic.redundant), [_txt(topic.redundant.rstrip("?"), True)],
                 documents=docs, extra={"topic": kind})  # fmt: skip


def r_needed_question(rng: random.Random) -> Draft:
    """Two documents answer for two products; the user does not say which: asking is right."""
    kind = rng.choice(["warranty", "specs", "plans"])
    if kind == "warranty":
        a, b = (r_warranty(rng, p) for p in rng.sample(PRODUCT_KINDS, 2))
        question, ask = "How long is my warranty?", "Which product do you have?"
    elif kind == "specs":
        a, b = (r_specs(rng, g) for g in rng.sample(GADGETS, 2))
        question, ask = "How long does the battery last?", "Which device is it about?"
    else:
        a, b = r_plans(rng, rng.choice(_SERVICES)), r_returns(rng, rng.choice(_SHOP_NAMES))
        question = "How much storage does my plan include?"
        ask = "Which plan are you on, Basic or Pro?"
    docs = [{"id": t.doc_id, "text": t.text} for t in (a, b)]
    messages = [_system(rng.choice(_RETRIEVAL_SYSTEM)), _user(question)]
    return Draft("needed_question", "missing", "needed_question", "ask_user", messages, _out(ask),
                 [_txt(ask.rstrip("?"), False)], documents=docs, extra={"topic": kind})  # fmt: skip


RETRIEVAL: list[tuple[Callable[[random.Random], Draft], int]] = [
    (lambda r: r_answer(r, "given"), 22),
    (r_redundant, 5),
    (lambda r: r_answer(r, "added"), 16),
    (lambda r: r_uncovered(r, True), 4),
    (lambda r: r_uncovered(r, False), 4),
    (r_needed_question, 5),
    (lambda r: r_answer(r, "wrong"), 6),
]
