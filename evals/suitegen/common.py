"""What every suite shares: names, places, dates, message builders, and `make_case`.

A template draws everything from the `random.Random` it is given, in a fixed order, so the
suites come out the same bytes on every run.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agentguard.evaluation.harness.suite import parse_case

JSON = dict[str, Any]

FIRST = (
    "Dana", "Omar", "Priya", "Mateo", "Aisha", "Lukas", "Mei", "Jonas", "Fatima", "Diego",
    "Sofia", "Kenji", "Amara", "Noah", "Elena", "Tariq", "Ingrid", "Rahul", "Chloe", "Kwame",
    "Yuki", "Marta", "Hugo", "Leila", "Samuel", "Zanele", "Nikolai", "Ana", "Ravi", "Grace",
)  # fmt: skip
LAST = (
    "Lee", "Haddad", "Sharma", "Rossi", "Okafor", "Novak", "Chen", "Berg", "Nasser", "Alvarez",
    "Moreau", "Tanaka", "Mensah", "Fischer", "Kowalski", "Silva", "Ibrahim", "Larsen", "Patel",
    "Dubois", "Nguyen", "Costa", "Schmidt", "Ortiz", "Kim", "Adeyemi", "Petrov", "Walsh",
)  # fmt: skip
CITIES = (
    "Denver", "Boston", "Chicago", "Seattle", "Austin", "Miami", "Atlanta", "Phoenix", "Portland",
    "San Diego", "Nashville", "Toronto", "Vancouver", "Montréal", "Lisbon", "Madrid", "Barcelona",
    "Paris", "Berlin", "Amsterdam", "Vienna", "Prague", "Rome", "Dublin", "Edinburgh",
    "Copenhagen", "Stockholm", "Oslo", "Athens", "Istanbul", "Tokyo", "Osaka", "Seoul",
    "Singapore", "Sydney", "Melbourne", "Auckland", "Mexico City", "Bogotá", "Lima", "Cape Town",
    "Nairobi", "Marrakesh", "Reykjavík", "Kraków", "Zürich", "São Paulo",
)  # fmt: skip
STREETS = ("Elm", "Harbour", "Maple", "Station", "Mill", "Orchard", "Bridge", "Linden", "Quarry")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
FULL_STYLES = ("iso", "dmy", "mdy")
YEARLESS_STYLES = ("dm", "md", "md_ord", "ord_of", "short")


@dataclass
class Draft:
    """One case before it gets its id: the conversation, the output and the gold labels."""

    scene: str
    direction: str
    """`missing` (the context lacks the fact), `given` (it has it) or `conflict`."""
    pattern: str
    action: str
    messages: list[JSON]
    output: JSON
    claims: list[JSON]
    others: bool | None = True
    tools: list[JSON] = field(default_factory=list)
    documents: list[JSON] = field(default_factory=list)
    resolvers: dict[str, str] = field(default_factory=dict)
    extra: JSON = field(default_factory=dict)
    domain: str | None = None
    """The case's domain tag; `None` uses the suite's name."""
    needless_calls: list[str] | None = None
    """Ids of the output's calls whose result the agent already has (`gold.needless_calls`)."""


def _ordinal(n: int) -> str:
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def render_date(d: dt.date, style: str) -> str:
    """`d` written the way `style` says (`iso`, `dmy`, `md_ord`, `wd_md`, ...)."""
    month = MONTHS[d.month - 1]
    forms = {
        "iso": d.isoformat(),
        "dmy": f"{d.day} {month} {d.year}",
        "mdy": f"{month} {d.day}, {d.year}",
        "dm": f"{d.day} {month}",
        "md": f"{month} {d.day}",
        "md_ord": f"{month} {_ordinal(d.day)}",
        "ord_of": f"the {_ordinal(d.day)} of {month}",
        "short": f"{month[:3]} {d.day}",
        "wd_md": f"{WEEKDAYS[d.weekday()]}, {month} {d.day}",
        "wd_dm": f"{WEEKDAYS[d.weekday()]} {d.day} {month}",
    }
    return forms[style]


def relative_dates(today: dt.date) -> list[tuple[str, dt.date]]:
    """Phrases for dates relative to `today` that have one reading, with the date each means.

    "this <weekday>" is used only for a day later in the same (Monday-first) week and "next
    <weekday>" only when the first such day after today already falls in the next week, so the
    two common readings of "next Friday" never disagree.
    """
    day = dt.timedelta(days=1)
    out = [("tomorrow", today + day), ("the day after tomorrow", today + 2 * day)]
    out += [(f"in {n} days", today + n * day) for n in (2, 3, 4, 5, 6, 10)]
    out.append(("a week from today", today + 7 * day))
    wd = today.weekday()
    out += [(f"this {WEEKDAYS[k]}", today + (k - wd) * day) for k in range(wd + 1, 7)]
    out += [(f"next {WEEKDAYS[k]}", today + ((k - wd) % 7 or 7) * day) for k in range(0, wd + 1)]
    return out


def _today(rng: random.Random) -> dt.date:
    return dt.date(2024, 1, 8) + dt.timedelta(days=rng.randrange(1050))


def _today_line(rng: random.Random, today: dt.date) -> str:
    return f"Today is {WEEKDAYS[today.weekday()]}, {render_date(today, rng.choice(FULL_STYLES))}."


@dataclass(frozen=True)
class When:
    """A date as a user says it."""

    on: str
    """With its preposition: "tomorrow", "on 14 June"."""
    date: dt.date
    source: str
    """Where the date comes from: `user` (absolute) or `system_date` (relative)."""


def _when(rng: random.Random, today: dt.date | None, relative: bool) -> When:
    if relative and today is not None:
        phrase, date = rng.choice(relative_dates(today))
        return When(phrase, date, "system_date")
    base = today or _today(rng)
    date = base + dt.timedelta(days=rng.randint(4, 75))
    style = rng.choice(YEARLESS_STYLES if today is not None else FULL_STYLES)
    return When(f"on {render_date(date, style)}", date, "user")


def _name(rng: random.Random) -> tuple[str, str]:
    return rng.choice(FIRST), rng.choice(LAST)


def _email(rng: random.Random, first: str, last: str) -> str:
    f, la = first.lower(), last.lower()
    return rng.choice(
        [
            f"{f}.{la}@example.com",
            f"{f[0]}{la}@example.org",
            f"{f}{rng.randint(2, 98)}@mail.example.net",
            f"{la}.{f}@example.com",
        ]
    )


def _phone(rng: random.Random) -> str:
    a, b = rng.randint(200, 989), rng.randint(100, 199)
    return rng.choice(
        [
            f"+1 {a} 555 0{b}",
            f"({a}) 555-0{b}",
            f"+44 20 7946 0{b}",
            f"+61 2 5550 0{b}",
        ]
    )


def _system(text: str) -> JSON:
    return {"role": "system", "content": text}


def _user(text: str) -> JSON:
    return {"role": "user", "content": text}


def _assistant(text: str) -> JSON:
    return {"role": "assistant", "content": text}


def _call(call_id: str, name: str, args: JSON) -> JSON:
    arguments = json.dumps(args, ensure_ascii=False)
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def _calls(*calls: JSON) -> JSON:
    return {"role": "assistant", "content": None, "tool_calls": list(calls)}


def _result(call_id: str, name: str, payload: object) -> JSON:
    content = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
    return {"role": "tool", "tool_call_id": call_id, "name": name, "content": content}


def _out(text: str | None, *calls: JSON) -> JSON:
    out: JSON = {"role": "assistant", "content": text}
    if calls:
        out["tool_calls"] = list(calls)
    return out


def _fn(name: str, description: str, props: JSON, required: list[str] | None = None) -> JSON:
    need = required if required is not None else [k for k, v in props.items() if "default" not in v]
    params = {"type": "object", "properties": props, "required": need}
    return {"type": "function", "function": {"name": name, "description": description,
                                             "parameters": params}}  # fmt: skip


def _arg(path: str, supported: bool) -> JSON:
    return {"path": path, "supported": supported}


def _txt(text: str, supported: bool) -> JSON:
    return {"text": text, "supported": supported}


def _money(cents: int) -> str:
    return f"${cents // 100:,}.{cents % 100:02d}"


def _fresh(rng: random.Random, make: Callable[[], str], taken: str) -> str:
    """A value made by `make` that does not occur in `taken` (so a guess is really a guess)."""
    for _ in range(100):
        value = make()
        if value.lower() not in taken.lower():
            return value
    raise RuntimeError("no fresh value after 100 draws")


def _fresh_int(rng: random.Random, lo: int, hi: int, taken: str) -> int:
    """An integer in [lo, hi] that no number written in `taken` equals."""
    written = {int(t) for t in re.findall(r"\d+", taken)}
    return rng.choice([n for n in range(lo, hi + 1) if n not in written])


def _context_text(messages: list[JSON], documents: list[JSON] | None = None) -> str:
    parts = [str(m.get("content") or "") for m in messages]
    return "\n".join(parts + [d["text"] for d in documents or []])


def _arguments(output: JSON) -> dict[str, Any]:
    """Flattened argument paths of the output's tool calls, with their values."""
    flat: dict[str, Any] = {}

    def walk(value: Any, path: str) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, f"{path}.{k}" if path else k)
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(v, f"{path}[{i}]")
        else:
            flat[path] = value

    for call in output.get("tool_calls") or []:
        walk(json.loads(call["function"]["arguments"]), "")
    return flat


def _check_labels(case: JSON) -> None:
    """Raise when a gold entry points at nothing in the output: such a label measures nothing."""
    text = str(case["output"].get("content") or "").lower()
    args = _arguments(case["output"])
    for entry in case["gold"]["claims"]:
        if "path" in entry and entry["path"] not in args:
            raise ValueError(f"{case['id']}: gold path {entry['path']!r} is not an argument")
        if "text" in entry and entry["text"].lower() not in text:
            raise ValueError(f"{case['id']}: gold text {entry['text']!r} is not in the output")


def make_case(suite: str, number: int, d: Draft) -> JSON:
    """The JSON case of draft `d`, validated with `parse_case`.

    Raises:
        agentguard.InputError: when the case is not a valid suite case.
        ValueError: when a gold label points at nothing in the output.
    """
    labels = [c["supported"] for c in d.claims]
    supported = False if not all(labels) else (True if d.others is True else None)
    gold: JSON = {"action": d.action}
    if supported is not None:
        gold["supported"] = supported
    gold["claims"] = d.claims
    if d.others is not None:
        gold["others"] = d.others
    if d.needless_calls is not None:
        gold["needless_calls"] = d.needless_calls
    case: JSON = {"id": f"{suite}-{number:03d}", "domain": d.domain or suite,
                  "messages": d.messages}  # fmt: skip
    if d.tools:
        case["tools"] = d.tools
    if d.documents:
        case["documents"] = d.documents
    case["output"] = d.output
    if d.resolvers:
        case["resolvers"] = d.resolvers
    case["gold"] = gold
    case["metadata"] = {"scene": d.scene, "direction": d.direction, "pattern": d.pattern,
                        **d.extra}  # fmt: skip
    _check_labels(case)
    parse_case(case, case["id"])
    return case


def render(cases: list[JSON]) -> str:
    """One case per line, as the suite file holds them."""
    return "".join(json.dumps(case, ensure_ascii=False) + "\n" for case in cases)
