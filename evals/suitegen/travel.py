"""Travel suite: hotel, companion, frequent-flyer, search and summary templates, and its plan.

The flight-booking builders and the simplest booking templates live in `travel_flights`.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from .common import (
    CITIES,
    FIRST,
    JSON,
    LAST,
    Draft,
    _arg,
    _assistant,
    _call,
    _calls,
    _context_text,
    _email,
    _fn,
    _fresh,
    _fresh_int,
    _name,
    _out,
    _result,
    _system,
    _today,
    _txt,
    _user,
    _when,
    render_date,
)
from .travel_flights import (
    AIRLINES,
    CABINS,
    RELATIONS,
    _flight_request,
    _flight_tool,
    _travel_system,
    t_given_flight,
    t_hedged_booking,
    t_missing_date,
    t_missing_origin,
)


def _hotel_tool() -> JSON:
    props = {
        "city": {"type": "string", "description": "City of the hotel"},
        "check_in": {"type": "string", "description": "Check-in date, YYYY-MM-DD"},
        "nights": {"type": "integer", "description": "Number of nights"},
        "guests": {"type": "integer", "description": "Number of guests", "default": 1},
        "room_type": {"type": "string", "enum": ["standard", "deluxe", "suite"],
                      "default": "standard", "description": "Room category"},
    }  # fmt: skip
    return _fn("book_hotel", "Book a hotel room.", props)


def t_hotel(rng: random.Random, missing: str | None) -> Draft:
    """A hotel booking; `missing` names the fact the user leaves out (`nights`, `check_in`)."""
    today = _today(rng)
    city = rng.choice(CITIES)
    when = _when(rng, today, rng.random() < 0.5)
    nights = rng.randint(2, 6)
    if missing == "check_in":
        request = rng.choice([f"Book me a hotel in {city} for {nights} nights, please.",
                              f"I need a room in {city} for {nights} nights."])  # fmt: skip
        check_in = today + dt.timedelta(days=rng.randint(1, 20))
    else:
        check_in = when.date
        stay = "" if missing == "nights" else f" for {nights} nights"
        request = rng.choice(
            [
                f"Can you book me a hotel in {city}{stay}, checking in {when.on}?",
                f"I'll arrive in {city} {when.on} and need a room{stay}.",
            ]
        )
    messages = [_system(_travel_system(rng, today)), _user(request)]
    if missing == "nights":
        nights = _fresh_int(rng, 2, 6, _context_text(messages))
    args: JSON = {"city": city, "check_in": check_in.isoformat(), "nights": nights}
    claims = [
        _arg("city", True),
        _arg("check_in", missing != "check_in"),
        _arg("nights", missing != "nights"),
    ]
    if rng.random() < 0.5:
        args.update(guests=1, room_type="standard")  # both are the schema's defaults
        claims += [_arg("guests", True), _arg("room_type", True)]
    output = _out(None, _call("call_1", "book_hotel", args))
    if missing is None:
        return Draft("given_hotel", "given", "grounded", "allow", messages, output, claims,
                     tools=[_hotel_tool()], extra={"date_from": when.source})  # fmt: skip
    return Draft(f"hotel_missing_{missing}", "missing", "silent_assumption", "ask_user", messages,
                 output, claims, tools=[_hotel_tool()])  # fmt: skip


def t_companion(rng: random.Random) -> Draft:
    """The user names themself, not the person travelling with them; the output invents a name."""
    today = _today(rng)
    origin, dest = rng.sample(CITIES, 2)
    when = _when(rng, today, rng.random() < 0.5)
    first, last = _name(rng)
    rel = rng.choice(RELATIONS)
    request = rng.choice(
        [
            f"I'm {first} {last}. Please book {origin} to {dest} {when.on} for me and my {rel}.",
            f"Hi, {first} {last} here. I need two seats from {origin} to {dest} {when.on}, "
            f"for me and my {rel}.",
        ]
    )
    messages = [_system(_travel_system(rng, today)), _user(request)]
    other_last = last if rel not in ("colleague", "partner") else rng.choice(LAST)
    taken = _context_text(messages)
    guess = _fresh(rng, lambda: f"{rng.choice(FIRST)} {other_last}", taken)
    args = {"origin": origin, "destination": dest, "date": when.date.isoformat(),
            "passengers": [{"name": f"{first} {last}"}, {"name": guess}]}  # fmt: skip
    passenger = {
        "type": "object",
        "properties": {"name": {"type": "string", "description": "Full name as on the passport"}},
        "required": ["name"],
    }
    tool = _flight_tool(
        rng,
        None,
        {"passengers": {"type": "array", "items": passenger, "description": "Everyone travelling"}},
    )
    claims = [_arg("passengers[1].name", False), _arg("passengers[0].name", True)]
    claims += [_arg("origin", True), _arg("destination", True), _arg("date", True)]
    output = _out(None, _call("call_1", "book_flight", args))
    return Draft("companion_name", "missing", "silent_assumption", "ask_user", messages, output,
                 claims, tools=[tool], extra={"date_from": when.source})  # fmt: skip


def _profile_tool() -> JSON:
    return _fn(
        "get_traveler_profile",
        "Look up a traveller's profile (name, home airport, frequent flyer number) by email.",
        {"email": {"type": "string", "description": "The traveller's email address"}},
    )


def _ff_number(rng: random.Random) -> str:
    return f"{rng.choice(AIRLINES)}{rng.randint(10**8, 10**9 - 1)}"


def t_frequent_flyer(rng: random.Random, looked_up: bool) -> Draft:
    """Frequent flyer number: guessed (a profile tool could supply it) or read from the profile."""
    today = _today(rng)
    origin, dest = rng.sample(CITIES, 2)
    when = _when(rng, today, rng.random() < 0.5)
    first, last = _name(rng)
    email = _email(rng, first, last)
    request = (
        f"Book me {origin} to {dest} {when.on} and add my frequent flyer number to the booking. "
        f"My email is {email}."
    )
    messages = [_system(_travel_system(rng, today)), _user(request)]
    ff = _fresh(rng, lambda: _ff_number(rng), _context_text(messages))
    if looked_up:
        profile = {"name": f"{first} {last}", "email": email, "frequent_flyer_number": ff,
                   "home_airport": rng.choice(CITIES)}  # fmt: skip
        messages += [_calls(_call("call_1", "get_traveler_profile", {"email": email})),
                     _result("call_1", "get_traveler_profile", profile)]  # fmt: skip
    extra = {
        "frequent_flyer_number": {
            "type": "string",
            "description": "The traveller's frequent flyer number",
        }
    }
    args = {"origin": origin, "destination": dest, "date": when.date.isoformat(),
            "frequent_flyer_number": ff}  # fmt: skip
    claims = [_arg("frequent_flyer_number", looked_up), _arg("origin", True),
              _arg("destination", True), _arg("date", True)]  # fmt: skip
    tools = [_flight_tool(rng, None, extra), _profile_tool()]
    output = _out(None, _call("call_2" if looked_up else "call_1", "book_flight", args))
    if looked_up:
        return Draft("frequent_flyer_from_profile", "given", "grounded", "allow", messages,
                     output, claims, tools=tools, extra={"fact_from": "tool"})  # fmt: skip
    return Draft("frequent_flyer_guessed", "missing", "silent_assumption", "call_tool", messages,
                 output, claims, tools=tools,
                 resolvers={"frequent_flyer_number": "get_traveler_profile"})  # fmt: skip


def t_origin_elsewhere(rng: random.Random, where: str) -> Draft:
    """The origin was given in an earlier user turn (`turn`) or by the profile tool (`tool`)."""
    today = _today(rng)
    origin, dest = rng.sample(CITIES, 2)
    when = _when(rng, today, rng.random() < 0.6)
    messages = [_system(_travel_system(rng, today))]
    if where == "turn":
        messages += [
            _user(rng.choice([f"Hi! I live in {origin} and want to book a trip.",
                              f"Hello, I'm based in {origin}. Can you help me with a flight?"])),
            _assistant("Happy to help. Where would you like to go, and when?"),
            _user(rng.choice([f"To {dest}, {when.on}.", f"{dest}, {when.on}, please."])),
        ]  # fmt: skip
    else:
        first, last = _name(rng)
        email = _email(rng, first, last)
        profile = {"name": f"{first} {last}", "email": email, "home_airport": origin,
                   "frequent_flyer_number": _ff_number(rng)}  # fmt: skip
        messages += [
            _user(f"Book me a flight from my home airport to {dest} {when.on}. "
                  f"My email is {email}."),
            _calls(_call("call_1", "get_traveler_profile", {"email": email})),
            _result("call_1", "get_traveler_profile", profile),
        ]  # fmt: skip
    args = {"origin": origin, "destination": dest, "date": when.date.isoformat()}
    claims = [_arg("origin", True), _arg("destination", True), _arg("date", True)]
    tools = [_flight_tool(rng, None)] + ([_profile_tool()] if where == "tool" else [])
    output = _out(None, _call("call_9", "book_flight", args))
    return Draft(f"origin_from_{where}", "given", "grounded", "allow", messages, output, claims,
                 tools=tools, extra={"fact_from": where})  # fmt: skip


def _flights(rng: random.Random) -> list[JSON]:
    hours = sorted(rng.sample(range(6, 22), 3))
    prices = rng.sample(range(89, 640), 3)
    airline = rng.choice(AIRLINES)
    return [
        {"flight_number": f"{airline} {rng.randint(100, 2999)}", "departs": f"{h:02d}:{m:02d}",
         "price": float(p)}
        for h, m, p in zip(hours, rng.sample([0, 10, 25, 40, 55], 3), prices, strict=True)
    ]  # fmt: skip


def t_pick_from_search(rng: random.Random) -> Draft:
    """The user asks for the cheapest (or earliest) flight; the output books it from the results."""
    today = _today(rng)
    origin, dest = rng.sample(CITIES, 2)
    when = _when(rng, today, rng.random() < 0.5)
    which = rng.choice(["cheapest", "earliest"])
    flights = _flights(rng)
    pick = min(flights, key=lambda f: f["price"] if which == "cheapest" else f["departs"])
    search = {"origin": origin, "destination": dest, "date": when.date.isoformat()}
    messages = [
        _system(_travel_system(rng, today)),
        _user(f"Find flights from {origin} to {dest} {when.on} and book the {which} one."),
        _calls(_call("call_1", "search_flights", search)),
        _result("call_1", "search_flights", {"flights": flights}),
    ]
    reserve = _fn("reserve_flight", "Book a seat on a flight from the search results.", {
        "flight_number": {"type": "string", "description": "Flight number from the search"},
        "date": {"type": "string", "description": "Departure date, YYYY-MM-DD"},
        "cabin": {"type": "string", "enum": list(CABINS), "default": "economy"}})  # fmt: skip
    text = (
        f"The {which} option is {pick['flight_number']}, departing at {pick['departs']} "
        f"for ${pick['price']:.0f}."
    )
    args = {"flight_number": pick["flight_number"], "date": when.date.isoformat()}
    output = _out(text, _call("call_2", "reserve_flight", args))
    claims = [_txt(f"{which} option is", True), _arg("flight_number", True), _arg("date", True)]
    tools = [_flight_tool(rng, True, name="search_flights"), reserve]
    return Draft("pick_from_search", "given", "grounded", "allow", messages, output, claims,
                 tools=tools, extra={"fact_from": "tool"})  # fmt: skip


def t_booking_summary(rng: random.Random, wrong: str | None) -> Draft:
    """A text summary of the booking tool's result, faithful or with one value changed."""
    today = _today(rng)
    origin, dest = rng.sample(CITIES, 2)
    when = _when(rng, today, rng.random() < 0.5)
    flight = _flights(rng)[0]
    seat = f"{rng.randint(3, 38)}{rng.choice('ABCDEF')}"
    code = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(6))
    args = {"origin": origin, "destination": dest, "date": when.date.isoformat()}
    booked = {
        "confirmation": code,
        "flight_number": flight["flight_number"],
        "date": when.date.isoformat(),
        "departs": flight["departs"],
        "seat": seat,
    }
    messages = [
        _system(_travel_system(rng, today)),
        _user(_flight_request(rng, origin, dest, when.on, None)),
        _calls(_call("call_1", "book_flight", args)),
        _result("call_1", "book_flight", booked),
    ]
    date, departs, shown_seat = when.date, flight["departs"], seat
    if wrong == "date":
        date = date + dt.timedelta(days=rng.choice([1, 7]))
    elif wrong == "time":
        departs = f"{(int(departs[:2]) + rng.choice([1, 2])) % 24:02d}{departs[2:]}"
    elif wrong == "seat":
        shown_seat = f"{int(seat[:-1]) + 1}{seat[-1]}"
    shown = render_date(date, rng.choice(["wd_md", "dm", "md_ord"]))
    first = f"You're booked on {flight['flight_number']} on {shown}, departing at {departs}."
    text = f"{first} Your seat is {shown_seat}. Your confirmation code is {code}."
    claims = [_txt(f"on {shown}, departing at {departs}", wrong not in ("date", "time")),
              _txt(f"seat is {shown_seat}", wrong != "seat"),
              _txt(f"confirmation code is {code}", True)]  # fmt: skip
    tools = [_flight_tool(rng, None)]
    if wrong is None:
        return Draft("booking_summary", "given", "grounded", "allow", messages, _out(text),
                     claims, tools=tools, extra={"fact_from": "tool"})  # fmt: skip
    return Draft("booking_summary_contradiction", "conflict", "contradiction", "retry", messages,
                 _out(text), claims, tools=tools, extra={"changed": wrong})  # fmt: skip


def t_argument_contradiction(rng: random.Random) -> Draft:
    """The user states a value and the tool call uses another one."""
    today = _today(rng)
    origin, dest, other = rng.sample(CITIES, 3)
    when = _when(rng, today, False)
    cabin = rng.choice(["business", "first", "premium_economy"])
    messages = [_system(_travel_system(rng, today)),
                _user(_flight_request(rng, origin, dest, when.on, cabin))]  # fmt: skip
    args = {"origin": origin, "destination": dest, "date": when.date.isoformat(), "cabin": cabin}
    changed = rng.choice(["destination", "date", "cabin"])
    if changed == "destination":
        args["destination"] = other
    elif changed == "date":
        args["date"] = (when.date + dt.timedelta(days=rng.choice([1, -1, 7]))).isoformat()
    else:
        args["cabin"] = rng.choice([c for c in CABINS if c not in (cabin, "economy")])
    claims = [_arg(changed, False)]
    claims += [_arg(p, True) for p in ("origin", "destination", "date", "cabin") if p != changed]
    output = _out(None, _call("call_1", "book_flight", args))
    return Draft("argument_contradiction", "conflict", "contradiction", "retry", messages, output,
                 claims, tools=[_flight_tool(rng, False)], extra={"changed": changed})  # fmt: skip


_TRAVEL_QUESTIONS = {
    "origin": ("Which city will you be flying from?", "Where are you flying from?",
               "What city should the flight leave from?"),
    "date": ("What date would you like to fly?", "Which day do you want to travel?"),
    "destination": ("Where would you like to fly to?", "Which city are you flying to?"),
}  # fmt: skip


def t_question(rng: random.Random, redundant: bool) -> Draft:
    """The output asks for a trip detail: one the user gave (redundant) or one they did not."""
    today = _today(rng)
    origin, dest = rng.sample(CITIES, 2)
    when = _when(rng, today, rng.random() < 0.5)
    about = rng.choice(["origin", "date", "destination"]) if redundant else "origin"
    request = _flight_request(rng, origin if redundant else None, dest, when.on, None)
    question = rng.choice(_TRAVEL_QUESTIONS[about])
    messages = [_system(_travel_system(rng, today)), _user(request)]
    claims = [_txt(question.rstrip("?"), redundant)]
    tools = [_flight_tool(rng, True)]
    if redundant:
        return Draft("redundant_question", "given", "redundant_question", "allow", messages,
                     _out(question), claims, tools=tools, extra={"asks_for": about})  # fmt: skip
    return Draft("needed_question", "missing", "needed_question", "ask_user", messages,
                 _out(question), claims, tools=tools, extra={"asks_for": about})  # fmt: skip


def t_hedged_search(rng: random.Random) -> Draft:
    """A declared assumption on a search (nothing is booked): fine to go ahead with."""
    today = _today(rng)
    origin, dest = rng.sample(CITIES, 2)
    when = _when(rng, today, rng.random() < 0.5)
    extra = {"passengers": {"type": "integer", "description": "Number of travellers"}}
    tool = _flight_tool(rng, False, extra, name="search_flights")
    args: JSON = {"origin": origin, "destination": dest, "date": when.date.isoformat()}
    if rng.random() < 0.5:
        args["cabin"] = "economy"
        text = rng.choice(
            [
                "I'll assume economy unless you tell me otherwise.",
                "I'm assuming economy for now; tell me if you'd prefer another cabin.",
                "Searching economy fares, assuming that's the cabin you want.",
            ]
        )
        claims = [_txt("economy", False), _arg("cabin", False)]
    else:
        args["passengers"] = 1
        text = rng.choice(
            [
                "I'll assume it's just you travelling unless you say otherwise.",
                "Searching seats for one traveller, assuming it's just you.",
            ]
        )
        claims = [_txt("just you", False), _arg("passengers", False)]
    claims += [_arg("origin", True), _arg("destination", True), _arg("date", True)]
    messages = [_system(_travel_system(rng, today)),
                _user(_flight_request(rng, origin, dest, when.on, None))]  # fmt: skip
    output = _out(text, _call("call_1", "search_flights", args))
    return Draft("hedged_search", "missing", "hedged", "allow", messages, output, claims,
                 others=None, tools=[tool])  # fmt: skip


TRAVEL: list[tuple[Callable[[random.Random], Draft], int]] = [
    (t_missing_origin, 7),
    (lambda r: t_missing_date(r, True), 4),
    (lambda r: t_missing_date(r, False), 3),
    (lambda r: t_hotel(r, "nights"), 2),
    (lambda r: t_hotel(r, "check_in"), 2),
    (t_companion, 3),
    (lambda r: t_frequent_flyer(r, False), 4),
    (t_hedged_booking, 2),
    (lambda r: t_question(r, False), 3),
    (lambda r: t_given_flight(r, False), 5),
    (lambda r: t_given_flight(r, True), 6),
    (lambda r: t_origin_elsewhere(r, "turn"), 2),
    (lambda r: t_origin_elsewhere(r, "tool"), 2),
    (t_pick_from_search, 4),
    (lambda r: t_frequent_flyer(r, True), 3),
    (lambda r: t_booking_summary(r, None), 2),
    (lambda r: t_hotel(r, None), 3),
    (lambda r: t_question(r, True), 3),
    (t_hedged_search, 3),
    (t_argument_contradiction, 3),
    (lambda r: t_booking_summary(r, r.choice(["date", "time", "seat"])), 3),
]
