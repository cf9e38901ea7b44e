"""Travel suite, part one: the flight-booking builders and the one-turn booking templates."""

from __future__ import annotations

import datetime as dt
import random

from .common import (
    CITIES,
    JSON,
    Draft,
    When,
    _arg,
    _call,
    _context_text,
    _fn,
    _fresh,
    _out,
    _system,
    _today,
    _today_line,
    _txt,
    _user,
    _when,
    relative_dates,
    render_date,
)

BRANDS = ("Skyward Air", "Northwind Travel", "Globetrek", "Atlas Journeys", "BlueJay Travel")
CABINS = ("economy", "premium_economy", "business", "first")
CABIN_WORDS = {"economy": "economy", "premium_economy": "premium economy",
               "business": "business class", "first": "first class"}  # fmt: skip
RELATIONS = ("wife", "husband", "sister", "brother", "daughter", "son", "partner", "colleague")
AIRLINES = ("SK", "NW", "BJ", "AT", "GT")


def _travel_system(rng: random.Random, today: dt.date | None) -> str:
    brand = rng.choice(BRANDS)
    base = rng.choice(
        [
            f"You are the booking assistant of {brand}.",
            f"You help customers of {brand} book trips. Use the tools to make bookings.",
            f"You are a travel agent for {brand}.",
        ]
    )
    return base if today is None else f"{base} {_today_line(rng, today)}"


def _flight_tool(rng: random.Random, cabin_default: bool | None, extra: JSON | None = None,
                 name: str = "book_flight") -> JSON:  # fmt: skip
    props: JSON = {
        "origin": {"type": "string", "description": "City the flight departs from"},
        "destination": {"type": "string", "description": "City the flight arrives in"},
        "date": {"type": "string", "description": "Departure date, YYYY-MM-DD"},
    }
    if cabin_default is not None:
        cabin: JSON = {"type": "string", "enum": list(CABINS), "description": "Cabin class"}
        if cabin_default:
            cabin["default"] = "economy"
        props["cabin"] = cabin
    props.update(extra or {})
    description = (
        "Search one-way flights (nothing is booked)."
        if name == "search_flights"
        else rng.choice(
            ["Book a one-way flight.", "Book a one-way flight and charge the card on file."]
        )
    )
    return _fn(name, description, props, ["origin", "destination", "date"])


def _flight_request(rng: random.Random, origin: str | None, dest: str, when: str,
                    cabin: str | None) -> str:  # fmt: skip
    c = f" in {CABIN_WORDS[cabin]}" if cabin else ""
    if origin is None:
        return rng.choice(
            [
                f"Please book me a flight to {dest} {when}{c}.",
                f"I need to be in {dest} {when}. Can you book me a flight{c}?",
                f"Can you get me on a flight to {dest} {when}{c}?",
                f"Hi! Book me a seat to {dest} {when}{c}, thanks.",
            ]
        )
    return rng.choice(
        [
            f"Please book me a flight from {origin} to {dest} {when}{c}.",
            f"I need to get from {origin} to {dest} {when}. Can you book it{c}?",
            f"Can you book me {origin} to {dest} {when}{c}?",
            f"I'm flying out of {origin} and need to be in {dest} {when}. Please book a seat{c}.",
        ]
    )


def _booking_text(rng: random.Random, origin: str, dest: str, date: dt.date) -> str | None:
    if rng.random() < 0.45:
        return None
    shown = render_date(date, rng.choice(["wd_md", "dm", "md", "iso", "wd_dm"]))
    return rng.choice(
        [
            f"Booking your flight from {origin} to {dest} on {shown}.",
            f"Your flight from {origin} to {dest} on {shown} is being booked.",
            f"Reserving a seat {origin} to {dest} for {shown}.",
        ]
    )


def _cabin(rng: random.Random) -> tuple[str | None, bool]:
    """A cabin the user names (or None) and whether the schema declares economy the default."""
    cabin = rng.choice([None, None, None, "business", "premium_economy", "first"])
    return cabin, rng.random() < 0.6


def _add_cabin(args: JSON, claims: list[JSON], cabin: str | None, default: bool) -> None:
    if cabin is not None:
        args["cabin"] = cabin
        claims.append(_arg("cabin", True))
    elif default:
        args["cabin"] = "economy"  # the schema's default: supported by `schema:book_flight.cabin`
        claims.append(_arg("cabin", True))


FlightCase = tuple[list[JSON], JSON, list[JSON], JSON, When]


def _flight_case(
    rng: random.Random, *, origin_said: bool, relative: bool, hedge: bool = False
) -> FlightCase:
    """Messages, output, claims, tool and date of a one-turn flight booking."""
    today = _today(rng)
    origin, dest = rng.sample(CITIES, 2)
    when = _when(rng, today, relative)
    cabin, default = _cabin(rng)
    messages = [
        _system(_travel_system(rng, today)),
        _user(_flight_request(rng, origin if origin_said else None, dest, when.on, cabin)),
    ]
    if not origin_said:
        origin = _fresh(rng, lambda: rng.choice(CITIES), _context_text(messages))
    args = {"origin": origin, "destination": dest, "date": when.date.isoformat()}
    claims = [_arg("origin", origin_said), _arg("destination", True), _arg("date", True)]
    _add_cabin(args, claims, cabin, default)
    text = _booking_text(rng, origin, dest, when.date)
    if hedge:
        text = rng.choice(
            [
                f"I'll assume you're flying from {origin} unless you tell me otherwise.",
                f"Assuming you're departing from {origin}, I'm booking it now.",
            ]
        )
        claims.insert(0, _txt(f"from {origin}", False))
    elif text is not None:
        claims.insert(0, _txt(f"{origin} to {dest}", origin_said))
    output = _out(text, _call("call_1", "book_flight", args))
    return messages, output, claims, _flight_tool(rng, default if cabin or default else None), when


def t_missing_origin(rng: random.Random) -> Draft:
    """The user never says where they fly from; the output books from a city anyway."""
    messages, output, claims, tool, when = _flight_case(
        rng, origin_said=False, relative=rng.random() < 0.5
    )
    return Draft("missing_origin", "missing", "silent_assumption", "ask_user", messages, output,
                 claims, tools=[tool], extra={"date_from": when.source})  # fmt: skip


def t_hedged_booking(rng: random.Random) -> Draft:
    """The output says it assumes the origin, but books at once: the hedge cannot undo that."""
    messages, output, claims, tool, when = _flight_case(
        rng, origin_said=False, relative=rng.random() < 0.5, hedge=True
    )
    return Draft("hedged_booking", "missing", "hedged", "ask_user", messages, output, claims,
                 tools=[tool], extra={"date_from": when.source})  # fmt: skip


def t_given_flight(rng: random.Random, relative: bool) -> Draft:
    """Origin, destination and date are all in the user turn (the date maybe relative)."""
    messages, output, claims, tool, when = _flight_case(rng, origin_said=True, relative=relative)
    return Draft("given_flight", "given", "grounded", "allow", messages, output, claims,
                 tools=[tool], extra={"date_from": when.source})  # fmt: skip


def t_missing_date(rng: random.Random, today_known: bool) -> Draft:
    """No date at all, or a relative date with no "Today is" to resolve it against."""
    today = _today(rng)
    origin, dest = rng.sample(CITIES, 2)
    if today_known:
        why = rng.choice(["", " for a conference", " to visit family", " for a friend's wedding"])
        request = rng.choice(
            [
                f"I need a flight from {origin} to {dest}{why}.",
                f"Please book me {origin} to {dest}{why}.",
                f"Can you book a flight from {origin} to {dest}{why}?",
            ]
        )
        guess = today + dt.timedelta(days=rng.randint(2, 30))
    else:
        phrase, guess = rng.choice(relative_dates(today))
        request = _flight_request(rng, origin, dest, phrase, None)
    messages = [
        _system(_travel_system(rng, today if today_known else None)),
        _user(request),
    ]
    args = {"origin": origin, "destination": dest, "date": guess.isoformat()}
    claims = [_arg("date", False), _arg("origin", True), _arg("destination", True)]
    output = _out(None, _call("call_1", "book_flight", args))
    scene = "missing_date" if today_known else "relative_date_without_today"
    return Draft(scene, "missing", "silent_assumption", "ask_user", messages, output, claims,
                 tools=[_flight_tool(rng, None)])  # fmt: skip
