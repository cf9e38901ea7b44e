"""Typed values in text (numbers, money, dates, times, emails, phones, ids, quoted strings, names).

Every value is normalised to keys, so "3 May 2024", "2024-05-03" and "May 3rd" meet, as do
"$1,200" and "1200 dollars". One combined regular expression finds the structured kinds in a
single pass; a second, case-sensitive pass finds names.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from agentguard.text.dates import (
    MONTH_RE,
    NUMBER_WORDS,
    WEEKDAY_RE,
    expand_year,
    month_number,
    resolve_relative,
    safe_date,
    time_key,
)
from agentguard.text.names import name_spans

ValueKind = str  # date | time | money | number | email | phone | url | id | quoted | name

_NUM = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
SCALE_WORDS = {"percent": 0.01, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
"""What a word after a number multiplies it by ("50 million", "8 percent")."""


def _by_first_letter(words: list[str]) -> str:
    """An alternation grouped by first letter, longest words first within a group.

    `(?:t(?:wenty|hree|en)|f(?:...))` rejects a word on its first letter, where a flat
    alternation of thirty words tries each of them in turn at every word start.
    """
    groups: dict[str, list[str]] = {}
    for w in sorted(words, key=len, reverse=True):
        groups.setdefault(w[0], []).append(re.escape(w[1:]))
    parts = [f"{first}(?:{'|'.join(rest)})" for first, rest in groups.items()]
    return "(?:" + "|".join(parts) + ")"


# "on Sunday, August 3" is the date August 3: the weekday before it only names its day.
_NO_DATE_AFTER = (
    rf"(?!,?\s+(?:{MONTH_RE}\s+\d|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{MONTH_RE}|\d{{4}}-))"
)
# "€7,60": a comma before exactly two digits is a decimal comma in an amount of money.
_AMOUNT = rf"(?:\d+,\d{{2}}(?![\d,])|{_NUM})"
_NUMWORD = _by_first_letter([w for w in NUMBER_WORDS if len(w) > 2])
_ORD = r"(?:st|nd|rd|th)?"
_TIME_DIGITS = (
    r"(?P<time>(?P<th>\d{1,2})(?::(?P<tm>\d{2}))?\s*(?P<tp>[ap]\.?m\b\.?)"
    r"|(?P<th2>\d{1,2}):(?P<tm2>\d{2})\b)"
)
_DIGIT_LED = [
    r"(?P<iso>(?P<iy>\d{4})(?P<isep>[-/.])(?P<im>\d{1,2})(?P=isep)(?P<id_>\d{1,2})"
    r"(?:[t ](?P<it>\d{1,2}:\d{2}))?\b)",
    r"(?P<numdate>(?P<na>\d{1,2})(?:/(?P<nb>\d{1,2})/(?P<ny>\d{4}|\d{2})"
    r"|-(?P<nb2>\d{1,2})-(?P<ny2>\d{4})|\.(?P<nb3>\d{1,2})\.(?P<ny3>\d{4}))\b)",
    rf"(?P<dmy>(?P<dd>\d{{1,2}}){_ORD}(?:\s+of)?\s+(?P<dm>{MONTH_RE})(?:,?\s+(?P<dy>\d{{4}})\b)?)",
    _TIME_DIGITS,
    rf"(?P<money_n>(?P<amt2>{_NUM})\s?(?:dollars|euros|pounds|usd|eur|gbp)\b)",
    r"(?P<phone_d>\d{3}[\s.-]\d{3}[\s.-]\d{4}\b)",
    # Up to the first letter in a look-ahead, which never backtracks: a long token that does
    # not end well then fails in one pass (`[\w-]*[a-z][\w-]*` tried every letter: quadratic).
    r"(?P<alnum_d>(?=(?P<alead>\d[\w-]*?[a-z]))(?P=alead)[\w-]*[a-z0-9]\b)",
    rf"(?P<number>{_NUM}(?:(?P<pct>%)|\s(?P<scale>{'|'.join(SCALE_WORDS)})\b"
    r"|(?P<unit>[a-z]{1,3}))?(?![\w]))",
]
_LETTER_LED = [
    r"(?P<url>https?://[^\s<>\"')\]]+)",
    rf"(?P<mdy>(?P<mm>{MONTH_RE})\s+(?P<md>\d{{1,2}}){_ORD}\b(?:,?\s+(?P<my>\d{{4}})\b)?)",
    rf"(?P<rel>(?:(?:the\s+)?day\s+after\s+tomorrow|today|tonight|tomorrow|yesterday"
    rf"|(?:this|next|coming|last|on)\s+{WEEKDAY_RE}{_NO_DATE_AFTER}"
    rf"|in\s+(?:\d+|a|an|{_NUMWORD})\s+(?:day|week)s?"
    rf"|(?:\d+|a|an|{_NUMWORD})\s+(?:day|week)s?\s+from\s+(?:today|now))\b)",
    r"(?P<time_w>noon|midnight)\b",
    rf"(?P<money>(?:usd|eur|gbp)\s?(?P<amt>{_AMOUNT})(?:\s?(?P<mul>k|m|million|billion|thousand)\b)?)",
    r"(?P<alnum>[a-z][a-z_-]*\d(?:[\w-]*[a-z0-9])?\b)",
    rf"(?P<numword>{_NUMWORD}(?:-{_NUMWORD})?\b)",
]
_SYMBOL_LED = [
    rf"(?P<money_s>(?P<cur>[$€£¥])\s?(?P<amt3>{_AMOUNT})(?:\s?(?P<mul3>k|m|million|billion|thousand)\b)?)",
    r"(?P<phone>(?:\+\d{1,3}[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}\b)",
    r"(?P<hashid>#[A-Za-z0-9][\w-]*)",
    r"(?P<quoted>\"(?=(?P<q1>[^\"\n]{1,200})\")|“(?=(?P<q2>[^”\n]{1,200})”))",
]
_EMAIL = r"(?P<email>[\w.+-]+@[\w-]+(?:\.[\w-]+)+)"


def _compile(with_email: bool) -> re.Pattern[str]:
    """The value scanner.

    Every alternative starts where no word character precedes (the gate): inside a word the
    whole alternation is skipped with one look-behind. A look-ahead on the first character then
    sends the engine to the few alternatives that can start with it (digits, letters or
    symbols), and the e-mail alternative, which has to scan a whole word to fail, is only in
    the pattern used for texts that contain an `@`. Quoted strings are matched by their opening
    quote with a look-ahead, so the scan goes on inside them and finds the values they hold
    (`"order_id": "A123"`).
    """
    branches = [
        r"(?=\d)(?:" + "|".join(_DIGIT_LED) + ")",
        r"(?=[a-z])(?:" + "|".join(_LETTER_LED) + ")",
        '(?=[$€£¥+(#"“])(?:' + "|".join(_SYMBOL_LED) + ")",
    ]
    if with_email:
        branches.insert(0, _EMAIL)
    # No IGNORECASE: the scanners run on folded (lower-case) text, which is much faster.
    return re.compile(r"(?<![\w.+-])(?:" + "|".join(branches) + ")")


_PATTERN = _compile(with_email=False)
_PATTERN_AT = _compile(with_email=True)


def _scanner(text: str) -> re.Pattern[str]:
    return _PATTERN_AT if "@" in text else _PATTERN


_UNIT = re.compile(r"(\d+(?:\.\d+)?)([a-z]{1,3})", re.IGNORECASE)
_MULT = {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6, "billion": 1e9}


@dataclass(frozen=True, slots=True)
class Value:
    """A typed value found in text, normalised to keys.

    `keys` are what the value offers as evidence when it sits in a source; `query` are the keys
    a claim holding this value looks for. They differ only for dates: a date without a year
    supports any year, a date with a year needs that year.
    """

    kind: ValueKind
    text: str
    span: tuple[int, int]
    keys: tuple[str, ...]
    query: tuple[str, ...]


class _FoldTable(dict[int, str]):
    """`str.translate` table for non-ASCII characters, filled on first sight of each."""

    def __missing__(self, code: int) -> str:
        c = chr(code)
        low = c.lower()
        if len(low) != 1:
            low = c  # "İ".lower() has two characters: keep the length
        base = unicodedata.normalize("NFKD", low)
        stripped = "".join(ch for ch in base if not unicodedata.combining(ch))
        out = stripped.lower() if len(stripped) == 1 and len(stripped.lower()) == 1 else low
        self[code] = out
        return out


_FOLD = _FoldTable()


def fold(text: str) -> str:
    """Lowercase and strip accents, so "Müller" meets "Muller"; the length never changes.

    Keeping the length lets an offset found in folded text index the original text.
    """
    if text.isascii():
        return text.lower()
    return text.translate(_FOLD)


def num_key(x: float) -> str:
    """Canonical key of a number: `num:1200`, `num:3.5`."""
    x = round_number(x)
    return f"num:{int(x)}" if x.is_integer() else f"num:{x!r}"


def round_number(x: float) -> float:
    """`x` to six decimals, or to six significant digits when it is smaller than 1e-4.

    Rounding first lets float noise ("$2.01k" = 2010.0000000000002) give `num:2010`; the
    significant digits keep a small number (a charge of 1e-9) from reading as 0.
    """
    x = float(x)
    return round(x, 6) if abs(x) >= 1e-4 or x == 0 else float(f"{x:.6g}")


def _to_float(s: str) -> float:
    return float(s.replace(",", ""))


_OTHER_YEAR_DAYS = 183
"""A year-less date may be of the year before or after when that puts it this close to today."""


def _amount(s: str) -> float:
    """An amount of money: "7,60" (a decimal comma) is 7.6, "1,234" is 1234."""
    if re.fullmatch(r"\d+,\d{2}", s):
        return float(s.replace(",", "."))
    return _to_float(s)


def date_value(
    text: str, span: tuple[int, int], ymd: tuple[int | None, int, int] | None, today: dt.date | None
) -> Value | None:
    """A date value; a year-less date takes `today`'s year when the context states one.

    It may also be of the year before or after, when that puts it within half a year of
    today: said on January 2, "31 December" is also the day two days before, and said on
    December 15, "7 March" also the day 82 days after.
    """
    if ymd is None:
        return None
    y, m, d = ymd
    near: tuple[str, ...] = ()
    if y is None and today is not None:
        y = today.year
        near = tuple(
            f"date:{yy:04d}-{m:02d}-{d:02d}"
            for yy in (y - 1, y + 1)
            if safe_date(yy, m, d) is not None
            and abs((dt.date(yy, m, d) - today).days) <= _OTHER_YEAR_DAYS
        )
    md = f"md:{m:02d}-{d:02d}"
    if y is None:
        return Value("date", text, span, (md, "mdonly:" + md[3:]), (md,))
    full = f"date:{y:04d}-{m:02d}-{d:02d}"
    return Value("date", text, span, (full, *near, md), (full, *near, "mdonly:" + md[3:]))


def _date_from_match(m: re.Match[str], today: dt.date | None) -> tuple[int | None, int, int] | None:
    g = m.lastgroup
    if g == "iso":
        return safe_date(int(m["iy"]), int(m["im"]), int(m["id_"]))
    if g == "numdate":
        a, b = int(m["na"]), int(m["nb"] or m["nb2"] or m["nb3"])
        y = expand_year(int(m["ny"] or m["ny2"] or m["ny3"]))
        if m["nb3"]:  # "15.03.2024": dots put the day first
            return safe_date(y, b, a)
        # US month/day order unless the first number cannot be a month.
        return safe_date(y, b, a) if a > 12 else safe_date(y, a, b)
    if g == "mdy":
        return safe_date(int(m["my"]) if m["my"] else None, month_number(m["mm"]), int(m["md"]))
    if g == "dmy":
        return safe_date(int(m["dy"]) if m["dy"] else None, month_number(m["dm"]), int(m["dd"]))
    if g == "rel" and today is not None:
        resolved = resolve_relative(m.group(0), today)
        if resolved is not None:
            return (resolved.year, resolved.month, resolved.day)
    return None


def _time_from_match(m: re.Match[str]) -> str | None:
    s = m.group(0).lower()
    if s == "noon":
        return "12:00"
    if s == "midnight":
        return "00:00"
    if m["th"] is not None:
        return time_key(int(m["th"]), int(m["tm"] or 0), m["tp"])
    return time_key(int(m["th2"]), int(m["tm2"]), None)


def _iso_time(m: re.Match[str]) -> Value | None:
    """The time of an ISO date-time ("2024-05-03T10:30"), which the date match swallows."""
    if m.lastgroup != "iso" or not m["it"]:
        return None
    hour, minute = m["it"].split(":")
    key = time_key(int(hour), int(minute), None)
    return Value("time", m["it"], m.span("it"), (f"time:{key}",), (f"time:{key}",)) if key else None


def _id_value(s: str, span: tuple[int, int]) -> Value:
    """An id ("A-991", "#12345"), or a number when it is digits with a short unit ("10kg")."""
    unit = _UNIT.fullmatch(s)
    if unit:  # "10kg", "3rd", "5pm" without a space: a number with a unit or an ordinal
        k = num_key(float(unit.group(1)))
        return Value("number", s, span, (k,), (k,))
    key = "id:" + re.sub(r"[^0-9a-z]", "", s.lower())
    keys = (key, num_key(float(key[3:]))) if key[3:].isdigit() else (key,)
    return Value("id", s, span, keys, keys)


def _quoted(m: re.Match[str], orig: str) -> Value:
    inner = m["q1"] or m["q2"] or ""
    start = m.start()
    key = "str:" + " ".join(fold(inner).split())
    return Value(
        "quoted",
        orig[start : start + len(inner) + 2],
        (start, start + len(inner) + 2),
        (key,),
        (key,),
    )


def _structured(
    m: re.Match[str], today: dt.date | None, claim: bool, orig: str | None = None
) -> Value | None:
    """The value of a scanner match; `orig` is the unfolded text, for the value's `text`."""
    g = m.lastgroup or ""
    span = m.span()
    s = m.group(0) if orig is None else orig[span[0] : span[1]]
    if g in ("iso", "numdate", "mdy", "dmy", "rel"):
        return date_value(s, span, _date_from_match(m, today), today)
    if g in ("time", "time_w"):
        key = _time_from_match(m)
        return Value("time", s, span, (f"time:{key}",), (f"time:{key}",)) if key else None
    if g in ("money", "money_n", "money_s"):
        multiplier = _MULT.get((m["mul"] or m["mul3"] or "").lower(), 1.0)
        amount = _amount(m["amt"] or m["amt2"] or m["amt3"]) * multiplier
        return Value("money", s, span, (num_key(amount),), (num_key(amount),))
    if g == "email":
        return Value("email", s, span, ("email:" + s.lower(),), ("email:" + s.lower(),))
    if g == "url":
        key = "url:" + s.lower().rstrip("/.")
        return Value("url", s, span, (key,), (key,))
    if g in ("phone", "phone_d"):
        key = "phone:" + re.sub(r"\D", "", s)[-10:]
        return Value("phone", s, span, (key,), (key,))
    if g in ("hashid", "alnum", "alnum_d"):
        return _id_value(s, span)
    if g == "number":
        return _number(m, s, span)
    if g == "numword" and not claim:
        parts = s.lower().split("-")
        n = sum(NUMBER_WORDS.get(p, 0) for p in parts)
        return Value("number", s, span, (num_key(n),), (num_key(n),))
    return None


def _number(m: re.Match[str], s: str, span: tuple[int, int]) -> Value:
    """A plain number: "1.5kg" is 1.5, "8%" and "8 percent" 8 and 0.08, "50 million" 5e7.

    The number is read from the folded match, where "①" and "²" are the digits they stand
    for; `s`, the text as written, may hold characters no number parser reads.
    """
    scale = m["scale"]
    digits = m.group(0)
    if scale:
        x = _to_float(digits[: -len(scale)].rstrip())
        keys: tuple[str, ...] = (num_key(x * SCALE_WORDS[scale]),)
        if scale == "percent":
            keys = (num_key(x), *keys)
        return Value("number", s, span, keys, keys)
    x = _to_float(digits[: -len(m["unit"])] if m["unit"] else digits.rstrip("%"))
    keys = (num_key(x), num_key(x / 100)) if m["pct"] else (num_key(x),)
    if s.isdecimal() and len(s) >= 4:  # not "①②③④": `isdigit` takes those too
        keys += ("id:" + s,)  # long digit strings are often ids: "order 12345"
    return Value("number", s, span, keys, keys)


def _name_value(text: str, span: tuple[int, int]) -> Value:
    name = text[span[0] : span[1]]
    key = "name:" + fold(name.replace(".", ""))
    return Value("name", name, span, (key,), (key,))


def values_at(text: str, pos: int, today: dt.date | None) -> list[Value]:
    """The structured value(s) that start exactly at `pos` (a date-time gives two)."""
    m = _PATTERN_AT.match(text, pos)
    if m is None or m.lastgroup == "quoted":
        return []
    out = [v for v in (_structured(m, today, False),) if v is not None]
    if m.lastgroup == "iso":
        t = _iso_time(m)
        if t is not None:
            out.append(t)
    return out


def extract_values(text: str, today: dt.date | None = None, *, claim: bool = False) -> list[Value]:
    """All typed values in `text`, in order.

    Args:
        text: Text to scan.
        today: The date the context states, for relative dates and year-less dates.
        claim: True when scanning a claim: number words ("one", "two") are skipped there,
            because "the one you booked" asserts no number, while a source's "two of us"
            can support an argument `passengers=2`.
    """
    values: list[Value] = []
    taken: list[tuple[int, int]] = []
    low = fold(text)  # same length: offsets in `low` are offsets in `text`
    for m in _scanner(low).finditer(low):
        g = m.lastgroup
        if g == "quoted":
            v: Value | None = _quoted(m, text)
        else:
            v = _structured(m, today, claim, text)
            if g in ("mdy", "dmy", "rel"):
                taken.append(m.span())  # a month name in an unparseable date is not a name
        if v is not None:
            values.append(v)
            if g != "quoted":
                taken.append(v.span)
        if g == "iso":
            t = _iso_time(m)
            if t is not None:
                values.append(t)
    if text != text.lower():  # names need a capital letter
        values += [_name_value(text, span) for span in name_spans(text, taken)]
    values.sort(key=lambda v: v.span)
    return values


def absolute_dates(text: str) -> list[tuple[int, dt.date]]:
    """`(offset, date)` for each date with a year in `text` (used to find the reference date)."""
    out = []
    for m in _PATTERN.finditer(fold(text)):
        if m.lastgroup in ("iso", "numdate", "mdy", "dmy"):
            ymd = _date_from_match(m, None)
            if ymd is not None and ymd[0] is not None:
                out.append((m.start(), dt.date(ymd[0], ymd[1], ymd[2])))
    return out
