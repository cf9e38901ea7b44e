"""Literal strings to search the context for, per claim value.

The context is never scanned for every value it holds. Instead each claim value names a few
short strings that any rendering of it must contain ("58213" for the id `ORD-58213`, "may" or
"2024-05-03" or "friday" for 3 May 2024); the index finds those with `str.find` and confirms
each hit by running the normaliser where the value would start. That keeps a check
proportional to the context size with a small constant, instead of a full extraction of every
source.
"""

from __future__ import annotations

import datetime as dt
import re

from agentguard.text.dates import WEEKDAYS
from agentguard.text.values import Value, fold, round_number

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DIGITS = re.compile(r"\d+")
_SMALL = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty"
).split()
_WEEKDAY_NAMES = {v: k for k, v in WEEKDAYS.items()}
_SCALES = (1_000, 1_000_000, 1_000_000_000)
_SCALE_STEP = {1_000: 1_000, 1_000_000: 1_000, 1_000_000_000: 1_000_000}
"""A scale's leading digits are an anchor when they are whole or have at most three decimals."""


def _plain(x: float) -> str:
    """A number as digits: `8`, `0.05`, `-74.006`; a tiny one as `1e-9`."""
    x = round_number(x)
    if x.is_integer():
        return str(int(x))
    if abs(x) < 1e-4:
        mantissa, exponent = f"{x:.14e}".split("e")
        return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"
    return repr(x)  # the shortest digits that read back as x: "89.99", not "89.98999..."


def _number_anchors(x: float) -> list[str]:
    if float(x).is_integer():
        n = int(x)
        out = [str(n)]
        if abs(n) >= 1000:
            out.append(f"{n:,}")
        if 0 <= n < len(_SMALL):
            out.append(_SMALL[n])
        # "50 million", "2.5 billion": the leading digits, confirmed with the scale word.
        out += [_plain(n / s) for s in _SCALES if abs(n) >= s and n % _SCALE_STEP[s] == 0]
        return out
    out = [_plain(x)]
    if round(x, 2) == x:
        out.append(f"{x:.2f}".replace(".", ","))  # "7,60" for 7.6: a decimal comma
    if abs(x) >= 1000:
        out.append(f"{x:,.6f}".rstrip("0"))
    if 1e-4 <= abs(x) < 1:
        out.append(_plain(x * 100))  # "8%" or "8 percent" for 0.08
    return out


def _date_anchors(key: str, today: dt.date | None) -> list[str]:
    body = key.split(":", 1)[1]
    parts = [int(p) for p in body.split("-")]
    y, m, d = (parts[0], parts[1], parts[2]) if len(parts) == 3 else (None, parts[0], parts[1])
    out = [_MONTHS[m - 1], f"{m}/{d}", f"{m:02d}/{d:02d}", f"{d}/{m}", f"{d:02d}/{m:02d}"]
    out += [f"{m}-{d}-", f"{m:02d}-{d:02d}-"]  # 07-10-2024 (month first, as with slashes)
    if d > 12:  # 25-12-2024 can only be day first
        out += [f"{d}-{m}-", f"{d:02d}-{m:02d}-"]
    if y is None:
        out.append(f"-{m:02d}-{d:02d}")  # "24 October" is 2024-10-24 when no year is known
    else:
        out += [f"{y}-{m:02d}-{d:02d}", f"{y}/{m:02d}/{d:02d}", f"{y}-{m}-{d}", f"{y}/{m}/{d}"]
        out += [f"{y}.{m}.{d}", f"{y}.{m:02d}.{d:02d}", f"{d}.{m}.{y}", f"{d:02d}.{m:02d}.{y}"]
        if today is not None:
            delta = (dt.date(y, m, d) - today).days
            if -1 <= delta <= 2:
                out += ["today", "tonight", "tomorrow", "yesterday"]
            if -7 <= delta <= 14:
                out.append(_WEEKDAY_NAMES[dt.date(y, m, d).weekday()])
            if 0 < delta <= 70:
                out += _in_days(delta)
    return out


def _in_days(delta: int) -> list[str]:
    """How "in N days", "in N weeks" or "N days from today" would show a date `delta` days ahead."""
    words = [str(delta)] + ([_SMALL[delta]] if delta < len(_SMALL) else [])
    out = [f"in {w} day" for w in words]
    if delta == 1:
        out += ["in a day", "in one day"]
    if delta % 7 == 0:
        weeks = delta // 7
        out += [f"in {weeks} week"] + ([f"in {_SMALL[weeks]} week"] if weeks < len(_SMALL) else [])
        if weeks == 1:
            out.append("in a week")
    return [*out, "from today", "from now"]  # "a week from today": its value is checked after


def _time_anchors(key: str) -> list[str]:
    h, mm = (int(p) for p in key[5:].split(":"))
    h12 = h % 12 or 12
    out = [f"{h}:{mm:02d}", f"{h:02d}:{mm:02d}", f"{h12}:{mm:02d}"]
    if mm == 0:
        out += [f"{h12}am", f"{h12} am", f"{h12}pm", f"{h12} pm", f"{h12} a.", f"{h12} p."]
        out += [f"{h12}a.", f"{h12}p."]
    if key == "time:12:00":
        out.append("noon")
    if key == "time:00:00":
        out.append("midnight")
    return out


def anchors(value: Value, today: dt.date | None) -> list[str]:
    """Folded literal strings, at least one of which occurs wherever `value` is written."""
    out: list[str] = []
    if value.kind in ("email", "url"):
        return [fold(value.text).rstrip("/.")]
    if value.kind in ("quoted", "name"):
        return [" ".join(fold(value.text.strip('"“”').replace(".", " ")).split())]
    for key in value.query:
        kind = key.split(":", 1)[0]
        if kind == "num":
            out += _number_anchors(float(key[4:]))
        elif kind in ("date", "md"):
            out += _date_anchors(key, today)
        elif kind == "time":
            out += _time_anchors(key)
        elif kind == "phone":
            out.append(key[-4:])
        elif kind == "id":
            runs = _DIGITS.findall(key[3:])
            out.append(max(runs, key=len) if runs else key[3:])
    return list(dict.fromkeys(a for a in out if a))
