"""How a sentence states a value it mentions: asserted, negated, asked, hypothetical or reported.

A value found in the context supports a claim only where its sentence asserts it. "I am NOT
flying from Boston", "Are you flying from Boston?", "If you were flying from Boston" and
"the page says 'fly from Boston'" all mention Boston, and none of them says the user flies from
there. The reading looks at the clause that holds the value: the words from the last clause
break (a comma, semicolon, colon, dash, "but" or "and") up to the value, and, for a question,
the sentence's first word. It is a reading of cue words, not a parse: it can be fooled, and
it errs towards `asserted`, which keeps the old behaviour (the value counts as stated).

Also here: the role a preposition gives a place ("from Boston" is an origin, "to Boston" a
destination), so that a value stated for one slot does not support another.
"""

from __future__ import annotations

import re
from collections.abc import Set
from typing import Literal

Polarity = Literal["asserted", "negated", "asked", "hypothetical", "reported"]
Role = Literal["from", "to"]

_CLAUSE_BREAK = re.compile(r"[,;:()\[\]{}\n\"“”]|\s[-–—]\s|\b(?:but|and|or|then|so|because)\b")
_NEGATED = re.compile(
    r"\b(?:not|never|no|neither|nor|without|except|excluding|instead of|rather than|other than"
    r"|anything but|cannot)\b|n['’]t\b"
)
# Negation words that say something else: "no later than May 3", "not only", "no problem".
_NOT_NEGATION = re.compile(
    r"\b(?:no|not)\s+(?:later|earlier|more|less|fewer|sooner|before|after|only|just|problem"
    r"|worries|doubt|matter|longer)\b"
    r"|\bno\.?\s*[#:]?\s*$"  # "Order No. 12345"
)
# A supposition, not a plain condition: "if I were flying from Boston", "what if", "suppose";
# "check if John Doe has a record" and "convert it if I need 200 dollars" state their values.
_HYPOTHETICAL = re.compile(
    r"\b(?:if (?:i|you|we|he|she|they) were|what if|suppose|supposing|imagine|hypothetically"
    r"|in case|unless|were you|were i|would have|could have|might)\b"
)
_REPORTED = re.compile(
    r"\b(?:said|says|say|told|tells|wrote|writes|claims?|claimed|according to|quoted?"
    r"|reads?|instructs?|instructed|asks?|asked)\b"
)
# A yes/no question asks whether the value holds; a request ("can you book ...?") and a
# wh-question ("what's the weather in Boston?") take the value as given.
_YES_NO = re.compile(
    r"^\W*(?:are|is|am|was|were|do|does|did|have|has|had|should|shall)\b", re.IGNORECASE
)
# A user's yes/no question that asks for something ("Is there a car in London on the 10th?",
# "Do you have flights on May 3?") takes its values as given.
_REQUEST = re.compile(
    r"^\W*(?:is there|are there|was there|do you (?:have|know|offer|sell)|does it (?:have|come))"
    r"\b",
    re.IGNORECASE,
)
# "Boston is not where I fly from", "ORD-1 isn't mine": a denial right after the value.
_DENIED_AFTER = re.compile(
    r"[\w.-]*\s+(?:is|was|are)\s+(?:not|never)\b|[\w.-]*\s+(?:isn|wasn|aren)['’]t\b",
    re.IGNORECASE,
)
_HEAD = 300
_QUOTES = re.compile("[\"“”]|(?<!\\w)'|'(?!\\w)")


def _quoted(sentence: str, start: int) -> bool:
    """True when the value sits inside quotation marks (an odd number of them before it)."""
    # Read past the value by one character, so that a quotation mark right before it is seen
    # with what follows it ("'Friends'": the opening mark is followed by a letter).
    a = max(0, start - _HEAD)
    return sum(1 for m in _QUOTES.finditer(sentence, a, start + 1) if m.start() < start) % 2 == 1


_ROLE_BEFORE = re.compile(
    r"\b(?P<from>from|leaving|departing|out of|origin|via)\s+(?:the\s+)?$"
    r"|\b(?P<to>to|towards|into|arriving (?:in|at)|destination|bound for|heading to)\s+"
    r"(?:the\s+)?$"
)
_FROM_WORDS = frozenset(
    "origin from source departure depart departing leaving start pickup src sender".split()
)
_TO_WORDS = frozenset(
    "destination dest to arrival arrive arriving target dropoff end recipient receiver".split()
)


def clause_before(sentence: str, start: int) -> str:
    """The lower-cased words of the value's clause, up to the value at `start`.

    At most the `_HEAD` characters before the value are read: a clause is shorter, and a long
    sentence (a JSON tool result) costs no more than a short one.
    """
    head = sentence[max(0, start - _HEAD) : start].lower()
    last = 0
    for m in _CLAUSE_BREAK.finditer(head):
        last = m.end()
    return head[last:]


def polarity(
    sentence: str,
    start: int,
    *,
    presupposed: bool = False,
    user: bool = False,
    structured: bool = False,
) -> Polarity:
    """How `sentence` states the value that begins at offset `start`.

    Args:
        sentence: The sentence holding the value.
        start: The value's offset in `sentence`.
        presupposed: True for a reference such as an order number or an email, or an amount:
            a question or a condition about it ("Is ORD-1 shipped?", "what do I get if I add
            5 to 3?") still says that it is the one meant, so only a negation or a report
            changes it.
        user: True when the user says it: a user's yes/no question that asks for something
            ("Is there a car in London on the 10th?") takes its values as given.
        structured: True for a value of a JSON object, whose quotation marks quote nothing.
    """
    clause = clause_before(sentence, start)
    if _NEGATED.search(_NOT_NEGATION.sub(" ", clause)) or _DENIED_AFTER.match(sentence, start):
        return "negated"
    if _REPORTED.search(clause) or (not structured and _quoted(sentence, start)):
        return "reported"
    if presupposed:
        return "asserted"
    if _HYPOTHETICAL.search(clause):
        return "hypothetical"
    question = sentence.rstrip().endswith("?") and _YES_NO.match(sentence)
    if question and not (user and _REQUEST.match(sentence)):
        return "asked"
    return "asserted"


def role_before(sentence: str, start: int) -> Role | None:
    """The role the words right before a value give it: `from`, `to`, or None."""
    m = _ROLE_BEFORE.search(sentence[max(0, start - 30) : start].lower())
    if m is None:
        return None
    return "from" if m["from"] else "to"


def parameter_role(words: Set[str]) -> Role | None:
    """The role a parameter's name words give it ("origin" -> `from`), if exactly one."""
    is_from, is_to = bool(words & _FROM_WORDS), bool(words & _TO_WORDS)
    if is_from == is_to:
        return None
    return "from" if is_from else "to"
