"""The text detectors behind `agentguard.redaction`: patterns and the passes that apply them.

Every pattern runs in time linear in the text: a detector starts only where its prefix can
start (a lookbehind keeps it from restarting inside a run of token characters), quantifiers
are not nested, and the ones that can fail after a long scan are bounded. Each family is
skipped unless a cheap substring test finds its prefix. `benchmarks/redaction_speed.py`
measures them on adversarial text.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable

REDACTED = "[REDACTED]"
"""What a secret is replaced with."""
EMAIL = "[EMAIL]"
"""What an e-mail address is replaced with."""
PHONE = "[PHONE]"
"""What a phone number is replaced with."""

# A prefixed token starts after a non-alphanumeric (`run-sk-...` is found). The patterns that
# can fail after scanning a long run (a JWT needs its dots) start only where no token character
# precedes, so a run is scanned from its start once, not from every position inside it.
_TOKENS = re.compile(
    r"(?<![A-Za-z0-9])(?:"
    # OpenAI (sk-, sk-proj-, sk-svcacct-) and Anthropic (sk-ant-); `_keyish` keeps words
    # such as "sk-learn-style" out.
    r"sk-[A-Za-z0-9_-]{8,}"
    r"|(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{8,}"  # Stripe
    r"|whsec_[A-Za-z0-9]{16,}"  # Stripe webhook secret
    r"|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}"  # GitHub
    r"|glpat-[A-Za-z0-9_-]{20,}"  # GitLab
    r"|xox[abposr]-[A-Za-z0-9-]{8,}|xapp-[A-Za-z0-9-]{8,}"  # Slack
    r"|(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16,}"  # AWS access key id
    r"|AIza[A-Za-z0-9_-]{30,}"  # Google API key
    r"|hf_[A-Za-z0-9]{30,}|npm_[A-Za-z0-9]{36}|pypi-AgE[A-Za-z0-9_-]{50,}"
    r"|(?<![_-])SG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}"  # SendGrid
    r"|(?<![_-])eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"  # JWT
    r")"
)
_TOKEN_HINTS = (
    "sk-",
    "_live_",
    "_test_",
    "whsec_",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "glpat-",
    "xox",
    "xapp-",
    "AKIA",
    "ASIA",
    "ABIA",
    "ACCA",
    "AIza",
    "hf_",
    "npm_",
    "pypi-",
    "SG.",
    "eyJ",
)
_SLACK_HOOK = re.compile(r"hooks\.slack\.com/services/[A-Za-z0-9_/]{8,}")
_PEM_BEGIN = re.compile(r"-----BEGIN[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----")
_PEM_END = re.compile(r"-----END[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----")
# `scheme://user:password@host`: the password goes, the user stays.
_URL_CREDENTIALS = re.compile(r"(?<=://)([^\s/?#@:]{0,256}):([^\s/?#@]{1,256})@")
# A credential has a digit or symbol, or a lower-upper pair; prose after "Bearer" has neither.
# Tested on the whole match (`_keyish`) rather than by a lookahead, which would rescan a run
# from every occurrence of the prefix inside it.
_KEYISH = re.compile(r"[0-9_~+/=]|[a-z][A-Z]")
_DIGIT_OR_CAMEL = re.compile(r"[0-9]|[a-z][A-Z]")
# Searched in the lower-cased text (three times faster than a case-insensitive pattern).
_AUTH_HEADER = (
    r"((?:proxy-)?authorization[\"']?[ \t]{0,10}[:=][ \t]{0,10}[\"']?"
    r"(?:(?:basic|bearer|token|digest|negotiate|ntlm|apikey)[ \t]{1,10})?)"
    r"([^\s\"',;]{1,4096})"
)
_AUTH_SCHEME = re.compile(r"(\b(?i:bearer|basic)[ \t]{1,10})([A-Za-z0-9._~+/-]{8,}=*)")
_ASSIGNMENT = (
    r"((?:password|passwd|passphrase|pwd|secret|api[_-]?key|apikey|access[_-]?key"
    r"|access[_-]?token|auth[_-]?token|refresh[_-]?token|private[_-]?key|token|credentials?)"
    r"(?:[_-][a-z0-9]{1,12}){0,2}[\"']?[ \t]{0,10}[:=][ \t]{0,10})"
    r"(\"[^\"\n]{1,512}\"|'[^'\n]{1,512}'|[^\s\"'&,;<>]{1,512})"
)
_ASSIGNMENT_HINTS = ("pass", "pwd", "secret", "key", "token", "credential")
# One search each instead of a loop of `in` tests: most strings of a record are short and hold
# no hint, and redaction runs on every record.
_TOKEN_HINT = re.compile("|".join(re.escape(h) for h in _TOKEN_HINTS))
_ASSIGNMENT_HINT = re.compile("|".join(_ASSIGNMENT_HINTS))
_LOWERED = {p: (re.compile(p), re.compile(p, re.IGNORECASE)) for p in (_AUTH_HEADER, _ASSIGNMENT)}
# An AWS secret access key: 40 base64 characters, redacted when "aws" or "secret" is near.
_AWS_SECRET = re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")
_AWS_NEAR = re.compile(r"(?<![a-z])aws|secret")
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8}"
)
# Separators are required between digit groups, so a digit run splits one way only.
_PHONE = re.compile(
    r"(?<![\w+])(?:\+[1-9][0-9]{0,2}"
    r"(?:[ .-]?[0-9]{6,12}|(?:[ .-](?:\([0-9]{1,4}\)|[0-9]{1,4})){2,6})"
    r"|(?:\([0-9]{3}\)[ .-]?|[0-9]{3}[ .-])[0-9]{3}[ .-][0-9]{4})(?![\w])"
)
# A long random-looking run (mixed case and digits, changing often between letters and
# digits, high entropy): the body of a key quoted without its prefix or its header. 32 and
# more characters: tool-call ids (`call_` and 24 characters) are random but no secret.
_RANDOM = re.compile(r"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{32,}")

Mark = Callable[[str, str], str]
"""Builds a replacement from the matched secret and the marker (`[REDACTED]`, ...)."""


def _pem(text: str, mark: Mark) -> str:
    # A key without its END line is redacted to the end of the text: better too much than a
    # key's tail in a log.
    out: list[str] = []
    pos = 0
    while (begin := _PEM_BEGIN.search(text, pos)) is not None:
        end = _PEM_END.search(text, begin.end())
        stop = end.end() if end is not None else len(text)
        out += [text[pos : begin.start()], mark(text[begin.start() : stop], REDACTED)]
        pos = stop
    out.append(text[pos:])
    return "".join(out)


def _aws_secrets(text: str, mark: Mark, near: bool) -> str:
    def sub(m: re.Match[str]) -> str:
        before = text[max(0, m.start() - 100) : m.start()].lower()
        if near or _AWS_NEAR.search(before) is not None:
            return mark(m.group(), REDACTED)
        return m.group()

    return _AWS_SECRET.sub(sub, text)


def _value(value: str, mark: Mark) -> str:
    """A redacted value; the quotes around a quoted one stay."""
    if len(value) > 2 and value[0] in "\"'" and value[-1] == value[0]:
        return value[0] + mark(value[1:-1], REDACTED) + value[0]
    return mark(value, REDACTED)


def _keep_first(text: str, pattern: re.Pattern[str], mark: Mark) -> str:
    """Keep group 1 of each match (`password=`), redact group 2 (the value)."""
    return pattern.sub(lambda m: m.group(1) + _value(m.group(2), mark), text)


def _keep_first_lowered(text: str, lower: str, pattern: str, mark: Mark) -> str:
    """`_keep_first` for a lower-case `pattern`, matched in the lower-cased text."""
    exact, folded = _LOWERED[pattern]
    if len(lower) != len(text):  # a character whose lower case is longer: no common offsets
        return _keep_first(text, folded, mark)
    out: list[str] = []
    pos = 0
    for m in exact.finditer(lower):
        start, stop = m.span(2)
        out += [text[pos:start], _value(text[start:stop], mark)]
        pos = stop
    out.append(text[pos:])
    return "".join(out)


def _email_sub(mark: Mark) -> Callable[[re.Match[str]], str]:
    def sub(m: re.Match[str]) -> str:
        tld = m.group().rsplit(".", 1)[1]
        if len(tld) >= 2 and tld.isalpha():
            return mark(m.group(), EMAIL)
        return m.group()

    return sub


def _phone_sub(mark: Mark) -> Callable[[re.Match[str]], str]:
    def sub(m: re.Match[str]) -> str:
        digits = sum(c.isdigit() for c in m.group())
        return mark(m.group(), PHONE) if 8 <= digits <= 15 else m.group()

    return sub


def _keyish(token: str) -> bool:
    return _KEYISH.search(token) is not None


def _token_sub(mark: Mark) -> Callable[[re.Match[str]], str]:
    def sub(m: re.Match[str]) -> str:
        token = m.group()
        # A short `sk-` word (`sk-learn-style`) is kept; from 12 characters on, any goes.
        if len(token) < 15 and token.startswith("sk-") and not _DIGIT_OR_CAMEL.search(token):
            return token
        return mark(token, REDACTED)

    return sub


def _scheme_sub(mark: Mark) -> Callable[[re.Match[str]], str]:
    def sub(m: re.Match[str]) -> str:
        # `Bearer` as a header writes it goes; after "bearer" or "Basic", prose ("the bearer
        # instrument", "Basic arithmetic") stays unless the word looks like a credential.
        if m.group(1).rstrip() in ("Bearer", "BEARER") or _keyish(m.group(2)):
            return mark(m.group(), REDACTED)
        return m.group()

    return sub


def random_looking(run: str) -> bool:
    """Whether a run of 32+ base64 characters looks like a random key rather than a word.

    Mixed case and digits, four or more letter-digit changes and over 4 bits of entropy per
    character: camel-case identifiers (`getUserById2`) and hex digests fail.
    """
    head = run[:256]
    if len(head) < 32 or head.isalpha() or head.isdigit() or head.lower() == head:
        return False
    if head.upper() == head:
        return False
    changes = sum(1 for a, b in zip(head, head[1:], strict=False) if a.isdigit() != b.isdigit())
    if changes < 4:
        return False
    counts = Counter(head)
    entropy = -sum(n / len(head) * math.log2(n / len(head)) for n in counts.values())
    return entropy >= 4.0


def _random_tokens(text: str, mark: Mark) -> str:
    return _RANDOM.sub(
        lambda m: mark(m.group(), REDACTED) if random_looking(m.group()) else m.group(), text
    )


def secrets(text: str, mark: Mark, *, near: bool = False, random_tokens: bool = True) -> str:
    """`text` with each secret found replaced by `mark(secret, REDACTED)`.

    Args:
        text: Any text.
        mark: Builds the replacement (a marker, or as many `*`).
        near: The text is the value of an AWS- or secret-named field.
        random_tokens: Also replace random-looking runs of 32+ characters.
    """
    lower = text.lower()
    if "private key" in lower:
        text = _pem(text, mark)
    if "://" in text:
        text = _URL_CREDENTIALS.sub(
            lambda m: m.group(1) + ":" + mark(m.group(2), REDACTED) + "@", text
        )
        if "hooks.slack.com" in text:
            text = _SLACK_HOOK.sub(lambda m: mark(m.group(), REDACTED), text)
    if "authorization" in lower:
        text = _keep_first_lowered(text, text.lower(), _AUTH_HEADER, mark)
    if "bearer" in lower or "basic" in lower:
        text = _AUTH_SCHEME.sub(_scheme_sub(mark), text)
    if _ASSIGNMENT_HINT.search(lower):
        text = _keep_first_lowered(text, text.lower(), _ASSIGNMENT, mark)
    if _TOKEN_HINT.search(text):
        text = _TOKENS.sub(_token_sub(mark), text)
    if near or "aws" in lower or "secret" in lower:
        text = _aws_secrets(text, mark, near)
    if random_tokens:
        text = _random_tokens(text, mark)
    return text


def emails(text: str, mark: Mark) -> str:
    """`text` with each e-mail address replaced by `mark(address, EMAIL)`."""
    return _EMAIL.sub(_email_sub(mark), text) if "@" in text else text


def phones(text: str, mark: Mark) -> str:
    """`text` with each phone number replaced by `mark(number, PHONE)`."""
    return _PHONE.sub(_phone_sub(mark), text)
