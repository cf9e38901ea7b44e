"""Date and time normalisation, including dates relative to a date the context states."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
WEEKDAYS = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3,
    "friday": 4, "saturday": 5, "sunday": 6,
}  # fmt: skip
NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "a": 1, "an": 1,
}  # fmt: skip

MONTH_RE = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
WEEKDAY_RE = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"

REFERENCE_CUES = ("today", "current date", "the date", "date today", "now", "as of")
"""Words after which a context states its date ("Today is 1 May 2024")."""
_REFERENCE_CUE = re.compile(
    r"(?<!\w)(?=[tcdna])(?:today(?:'s date)?|" + "|".join(REFERENCE_CUES[1:]) + r")\b"
    r"(?:\s+is)?[\s:,-]*",
    re.IGNORECASE,
)


def month_number(word: str) -> int:
    """`"Sept."` -> 9."""
    w = word.lower().rstrip(".")
    return MONTHS[w[:4] if w.startswith("sept") else w[:3]]


def safe_date(year: int | None, month: int, day: int) -> tuple[int | None, int, int] | None:
    """`(year, month, day)` if it is a real calendar date (leap day allowed without a year)."""
    try:
        dt.date(year if year is not None else 2000, month, day)
    except ValueError:
        return None
    return (year, month, day)


def expand_year(year: int) -> int:
    """Two-digit years are taken as 20YY (agents book forward, not back a century)."""
    return 2000 + year if year < 100 else year


def _count(digits: str) -> int | None:
    """A count of days or weeks written in digits; `None` past what any date can add."""
    return int(digits) if len(digits) <= 6 and digits.isascii() else None


def resolve_relative(phrase: str, today: dt.date) -> dt.date | None:
    """Resolve `tomorrow`, `next Friday`, `in 3 days`, `a week from today`, ... against `today`.

    `this`/`coming`/bare weekday: the next such day after today (today itself for `this`).
    `next <weekday>`: the first such day strictly after today. `last <weekday>`: the most
    recent such day before today.
    """
    p = " ".join(phrase.lower().split())
    simple = {"today": 0, "tonight": 0, "tomorrow": 1, "yesterday": -1}
    if p in simple:
        return today + dt.timedelta(days=simple[p])
    if p in ("the day after tomorrow", "day after tomorrow"):
        return today + dt.timedelta(days=2)
    m = re.fullmatch(r"(?:(this|next|coming|last|on)\s+)?" + f"({WEEKDAY_RE})", p)
    if m:
        which, wd = m.group(1) or "on", WEEKDAYS[m.group(2)]
        ahead = (wd - today.weekday()) % 7
        if which == "last":
            return today - dt.timedelta(days=(today.weekday() - wd) % 7 or 7)
        if which == "this":
            return today + dt.timedelta(days=ahead)
        return today + dt.timedelta(days=ahead or 7)
    m = re.fullmatch(r"in\s+(\w+)\s+(day|week)s?", p) or re.fullmatch(
        r"(\w+)\s+(day|week)s?\s+from\s+(?:today|now)", p
    )
    if m:
        word = m.group(1)
        # Any digit run may come here ("in 5000-digit days"): only a count a calendar holds.
        count = NUMBER_WORDS.get(word) if not word.isdigit() else _count(word)
        if count is None:
            return None
        try:
            return today + dt.timedelta(days=count * (7 if m.group(2) == "week" else 1))
        except OverflowError:  # past the year 9999
            return None
    return None


def time_key(hour: int, minute: int, meridiem: str | None) -> str | None:
    """Normalise a clock time to `HH:MM` (24h); `None` if impossible."""
    if meridiem:
        mer = meridiem.lower().replace(".", "")
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if mer.startswith("p") else 0)
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return f"{hour:02d}:{minute:02d}"


def find_reference_date(
    texts: list[str], parse: Callable[[str], list[tuple[int, dt.date]]]
) -> dt.date | None:
    """The date the context says is today, e.g. "Today is Friday, 3 May 2024".

    `parse` is a function text -> list of (start, date-with-year) for the absolute dates in it;
    the first date within 40 characters after a cue (`today`, `current date`, `as of`) wins.
    """
    for text in texts:
        for cue in _REFERENCE_CUE.finditer(text):
            # Room for a long date that starts at offset 40: a cut "05/03/2024" reads as 2020.
            for start, date in parse(text[cue.end() : cue.end() + 80]):
                if start <= 40:
                    return date
    return None
