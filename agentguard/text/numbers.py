"""Digit tokens read as numbers: signs, scale words, percentages, units and lists.

The context index finds a number by one of its renderings ("1200", "1,200") and hands the
token around the hit to `token_matches`, which reads it the ways a request may write it: "8%"
is 8 and 0.08, "50 million" 5e7, "300k" 300,000 or 300 kelvin, "-74.0060" -74.006.
"""

from __future__ import annotations

import re

from agentguard.text.values import SCALE_WORDS, num_key

_MULTIPLIERS = {"k": 1e3, "m": 1e6}
THOUSANDS = re.compile(r"[#$€£¥]?-?\d{1,3}(?:,\d{3})+(?:\.\d+)?%?")
"""A number with thousands separators: "1,200" is one number, not a list of two."""
DECIMAL_COMMA = re.compile(r"[$€£¥]-?\d+,\d{2}")
"""An amount written with a currency sign and a decimal comma: "€7,60" is 7.6."""
_SCALE_AFTER = re.compile(rf" ?({'|'.join(SCALE_WORDS)})\b")
_SCALE_STARTS = frozenset([" " + w[0] for w in SCALE_WORDS] + [w[:2] for w in SCALE_WORDS])


def number_start(blob: str, a: int) -> bool:
    """A digit, or a minus sign that opens a negative number ("-74.006", "=-3")."""
    c = blob[a]
    return c.isdigit() or (
        c == "-" and a + 1 < len(blob) and blob[a + 1].isdigit() and not blob[a - 1 : a].isalnum()
    )


def scale_after(blob: str, end: int) -> float:
    """The multiplier a scale word right after a number gives ("50 million"), else 1."""
    after = blob[end : end + 2]
    if after[:1] == "%" or after == " %":
        return SCALE_WORDS["percent"]
    if after not in _SCALE_STARTS:  # most numbers: no scale word, no expression run
        return 1.0
    m = _SCALE_AFTER.match(blob, end)
    return SCALE_WORDS[m.group(1)] if m else 1.0


def token_matches(token: str, wanted: set[str], scale: float) -> bool:
    """A digit-bearing token ("$1,200.50", "ord-58213", "10kg", "$2k", "8%") against keys.

    `scale` is what a word after the token multiplies it by. A percentage also reads as a
    fraction ("8%" is 8 and 0.08), and a one-letter multiplier may be a unit instead
    ("300k" is 300,000 or 300 kelvin, "5000m" five billion or 5000 metres).
    """
    if "id:" + "".join(c for c in token if c.isalnum()) in wanted:
        return True
    if "," in token and DECIMAL_COMMA.fullmatch(token):  # "€7,60": a decimal comma
        return num_key(float(token.lstrip("$€£¥").replace(",", ".")) * scale) in wanted
    bare = token.lstrip("#$€£¥").replace(",", "")
    percent = bare.endswith("%")
    bare = bare.rstrip("%")
    digits = bare.rstrip("abcdefghijklmnopqrstuvwxyz")
    unit = bare[len(digits) :]
    if not digits or len(unit) > 3:
        return False
    try:
        x = float(digits)
    except ValueError:
        return False
    if num_key(x * scale) in wanted:
        return True
    if unit in _MULTIPLIERS and num_key(x * _MULTIPLIERS[unit]) in wanted:
        return True
    return (percent or scale == 0.01) and (num_key(x) in wanted or num_key(x / 100) in wanted)
