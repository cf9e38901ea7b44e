"""The tasks the question suites share: one tool per domain, its parameters, their wording.

Per parameter: how a user states a value for it and how an agent asks for it in words other
than the parameter's name.

Each `Task` is one tool of one domain. A parameter's `says` are user sentences that state a
value (`{v}`), its `asks` are questions for it that never use the parameter's name, and its
`values` draw a value. Optional parameters carry a schema `default`.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from .common import CITIES, FIRST, JSON, LAST, WEEKDAYS, _email, _fn


@dataclass(frozen=True)
class Param:
    """One parameter of a task's tool."""

    name: str
    schema: JSON
    values: Callable[[random.Random], object]
    says: tuple[str, ...]
    asks: tuple[str, ...]
    default: object = None


@dataclass(frozen=True)
class Task:
    """One tool of one domain, with the request that opens a conversation about it."""

    domain: str
    tool: str
    description: str
    system: str
    opener: tuple[str, ...]
    params: tuple[Param, ...]

    def tool_def(self) -> JSON:
        """The OpenAI tool definition."""
        props = {p.name: dict(p.schema) for p in self.params}
        for p in self.params:
            if p.default is not None:
                props[p.name]["default"] = p.default
        return _fn(self.tool, self.description, props)

    def param(self, name: str) -> Param:
        """The parameter called `name`."""
        return next(p for p in self.params if p.name == name)

    @property
    def required(self) -> tuple[Param, ...]:
        """Parameters without a default."""
        return tuple(p for p in self.params if p.default is None)

    @property
    def optional(self) -> tuple[Param, ...]:
        """Parameters with a schema default."""
        return tuple(p for p in self.params if p.default is not None)


def _city(rng: random.Random) -> object:
    return rng.choice(CITIES)


def _person(rng: random.Random) -> object:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def _order(rng: random.Random) -> object:
    return f"{rng.choice('ABKMRW')}-{rng.randint(10000, 99999)}"


def _mail(rng: random.Random) -> object:
    return _email(rng, rng.choice(FIRST), rng.choice(LAST))


RESTAURANTS = ("Casa Lola", "The Green Fig", "Sakura House", "Blue Door Bistro", "Trattoria Luca",
               "Little Saigon Kitchen", "The Copper Pot", "Maison Verte")  # fmt: skip
TIMES = ("6:00 pm", "6:30 pm", "7:00 pm", "7:30 pm", "8:00 pm", "8:30 pm", "12:30 pm", "1:00 pm")

TRAVEL = Task(
    "travel", "book_flight", "Book a one-way flight.",
    "You are the booking assistant of Skyward Travel.",
    ("Please book a flight for me.", "I need a plane ticket.", "Can you get me on a flight?"),
    (
        Param("origin", {"type": "string", "description": "City the flight departs from"}, _city,
              ("I'm flying from {v}.", "I'll be leaving from {v}.", "My trip starts in {v}."),
              ("Which city will you be leaving from?", "Where does your trip start?",
               "What city are you departing from?")),
        Param("destination", {"type": "string", "description": "City the flight arrives in"},
              _city, ("I need to get to {v}.", "I'm headed to {v}.", "I want to go to {v}."),
              ("Where are you headed?", "Which city are you travelling to?",
               "Where would you like to go?")),
        Param("passengers", {"type": "integer", "description": "Number of travellers"},
              lambda r: r.randint(2, 5), ("There are {v} of us travelling.",
                                          "We need {v} seats."),
              ("How many people are travelling?", "How many seats do you need?"), default=1),
        Param("cabin", {"type": "string", "enum": ["economy", "premium_economy", "business"],
                        "description": "Cabin class"}, lambda r: r.choice(["business",
                                                                            "premium_economy"]),
              ("Please book {v} class.",), ("Which class would you like to fly in?",
                                            "Where on the plane would you like to sit: which "
                                            "fare class?"), default="economy"),
    ),
)  # fmt: skip
ORDERS = Task(
    "orders", "start_return", "Start a return for an order and email the return label.",
    "You are the support assistant of Brightline Home.",
    ("I want to send something back.", "I'd like to return an item.",
     "Can you help me with a return?"),
    (
        Param("order_id", {"type": "string", "description": "The order number, like K-12345"},
              _order, ("My order number is {v}.", "It's order {v}.", "The order was {v}."),
              ("Which order is this about?", "What's the number on your order confirmation?",
               "Which purchase would you like to send back?")),
        Param("email", {"type": "string", "description": "Where the return label is sent"},
              _mail, ("You can reach me at {v}.", "My account is under {v}.",
                      "Send it to {v}, please."),
              ("Where should we send the return label?", "How can we reach you with the label?")),
        Param("refund_method", {"type": "string", "enum": ["original_payment", "store_credit"],
                                "description": "How the refund is paid"},
              lambda r: "store_credit", ("I'd like {v}, please.",),
              ("How would you like to get your money back?",
               "Should we pay you back to your card or as credit?"),
              default="original_payment"),
    ),
)  # fmt: skip
DINING = Task(
    "dining", "book_table", "Reserve a table at a restaurant.",
    "You are a reservations assistant for TableNow.",
    ("I'd like to reserve a table.", "Can you book dinner for me?", "Please make a reservation."),
    (
        Param("restaurant", {"type": "string", "description": "Name of the restaurant"},
              lambda r: r.choice(RESTAURANTS), ("We want to eat at {v}.",
                                                "I'm thinking of {v}.", "Let's go to {v}."),
              ("Where would you like to eat?", "Which place did you have in mind?")),
        Param("party_size", {"type": "integer", "description": "Number of diners"},
              lambda r: r.randint(2, 8), ("We're a group of {v}.", "It's for {v} people."),
              ("How many people will be dining?", "How many guests should I book for?")),
        Param("time", {"type": "string", "description": "Reservation time"},
              lambda r: r.choice(TIMES), ("We'd like to come at {v}.", "Around {v} works."),
              ("When should the reservation be for?", "What hour suits you best?")),
        Param("seating", {"type": "string", "enum": ["indoor", "outdoor", "bar"],
                          "description": "Where to sit"}, lambda r: r.choice(["outdoor", "bar"]),
              ("We'd prefer {v} seats.",), ("Would you prefer to sit inside or outside?",
                                            "Do you have a preference for where you sit?"),
              default="indoor"),
    ),
)  # fmt: skip
PAYMENTS = Task(
    "payments", "send_money", "Send money from the user's account.",
    "You are the assistant of Lumen Bank's app.",
    ("I need to send some money.", "Can you make a transfer for me?", "I want to pay someone."),
    (
        Param("recipient", {"type": "string", "description": "Full name of the payee"}, _person,
              ("It's for {v}.", "Please pay {v}.", "The money goes to {v}."),
              ("Who should I send the money to?", "Who is the payment for?")),
        Param("amount", {"type": "number", "description": "How much to send"},
              lambda r: r.randint(15, 480), ("Send ${v}.", "It's ${v}.", "The sum is ${v}."),
              ("How much would you like to send?", "What sum should I transfer?")),
        Param("currency", {"type": "string", "enum": ["USD", "EUR", "GBP"],
                           "description": "ISO code"}, lambda r: r.choice(["EUR", "GBP"]),
              ("Make it in {v}.",), ("Which money should the transfer be in: dollars, euros or "
                                     "pounds?",), default="USD"),
    ),
)  # fmt: skip
CALENDAR = Task(
    "calendar", "schedule_meeting", "Put a meeting in the user's calendar and invite someone.",
    "You are a scheduling assistant.",
    ("Set up a meeting for me.", "I need to schedule a call.", "Please book a meeting."),
    (
        Param("attendee", {"type": "string", "description": "Who is invited"}, _person,
              ("I'm meeting {v}.", "It's with {v}.", "Invite {v}."),
              ("Who would you like to meet with?", "Who should I invite?")),
        Param("day", {"type": "string", "enum": list(WEEKDAYS[:5]),
                      "description": "Weekday of the meeting"},
              lambda r: r.choice(WEEKDAYS[:5]), ("Let's do {v}.", "{v} works for me."),
              ("When would you like to meet?", "Which part of the week works for you?")),
        Param("duration_minutes", {"type": "integer", "description": "Length in minutes"},
              lambda r: r.choice([45, 60, 90]), ("It should take {v} minutes.",),
              ("How long should the meeting be?", "How much time should I block?"), default=30),
    ),
)  # fmt: skip

TASKS = (TRAVEL, ORDERS, DINING, PAYMENTS, CALENDAR)
