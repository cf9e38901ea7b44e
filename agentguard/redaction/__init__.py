"""Redaction of secrets, and optionally e-mail addresses and phone numbers, in text and records.

Traces, `--json` output and error messages go through `redact` before anyone sees them. The
detectors (`agentguard.redaction.rules`) are regular expressions written for linear time, since
redaction runs on every record; docs/security.md lists what they find and the limits.

Example:
    >>> redact({"note": "key sk-proj-4f9Qx2LmA7", "password": "hunter2"})
    {'note': 'key [REDACTED]', 'password': '[REDACTED]'}
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from agentguard.redaction import rules
from agentguard.redaction.rules import EMAIL, PHONE, REDACTED, Mark

__all__ = ["EMAIL", "PHONE", "REDACTED", "Redaction", "get_redaction", "redact", "redact_text"]

MAX_DEPTH = 200
"""Deeper parts of a record are replaced whole: they cannot be checked without recursing."""
_PLAIN_KEY = re.compile(r"[a-z_]{1,24}\Z")
_FRAGMENT = re.compile(r"[A-Za-z0-9+/=_~-]{8,}")
_SECRET_KEY = re.compile(
    r"(?:^|_)(?:api_?key|apikey|x_api_key|secret|client_secret|secret_key|secret_access_key"
    r"|password|passwd|passphrase|pwd|authorization|proxy_authorization|bearer|cookie"
    r"|set_cookie|token|access_token|refresh_token|id_token|auth_token|session_token"
    r"|api_token|private_key|credentials?|access_key)$"
)


class Redaction(BaseModel):
    """What to redact. Secrets are on by default; e-mail and phone masking are opt-in.

    Example:
        >>> set_redaction(Redaction(emails=True, patterns=("ACME-[0-9]{6}",)))  # doctest: +SKIP
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    """Redact at all; off only for debugging on data known to hold no secret."""
    patterns: tuple[str, ...] = ()
    """Extra regular expressions (Python syntax); each match becomes `[REDACTED]`. They run
    on every record: keep them free of nested quantifiers."""
    keys: tuple[str, ...] = ()
    """Extra record keys (case-insensitive; `-` and `_` alike) whose values are redacted whole."""
    random_tokens: bool = True
    """Also redact random-looking runs of 32+ characters (mixed case and digits): the body of a
    key quoted without its prefix, such as a line of a private key."""
    emails: bool = False
    """Replace e-mail addresses with `[EMAIL]`."""
    phones: bool = False
    """Replace phone numbers with `[PHONE]`: `+` and a country code, or the North American
    `(415) 555-2671` / `415-555-2671` forms (national forms of other countries are not)."""

    @field_validator("patterns")
    @classmethod
    def _compiles(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for i, pattern in enumerate(value):
            try:
                re.compile(pattern)
            except re.error as exc:
                shown = pattern if len(pattern) <= 60 else pattern[:60] + "…"
                raise ValueError(f"pattern {i + 1} ({shown!r}) is not a regex: {exc}") from None
        return value


_default = Redaction()


def get_redaction() -> Redaction:
    """The process-wide redaction settings (traces, `--json` output and errors use them)."""
    return _default


def set_redaction(config: Redaction) -> Redaction:
    """Set the process-wide redaction settings; returns the previous ones (to restore them)."""
    global _default
    previous, _default = _default, config
    return previous


def _marker(secret: str, marker: str) -> str:
    return marker


def _stars(secret: str, marker: str) -> str:
    return "*" * len(secret)


@lru_cache(maxsize=16)
def _user_patterns(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in patterns)


def _clean(text: str, cfg: Redaction, mark: Mark, near: bool) -> str:
    text = rules.secrets(text, mark, near=near, random_tokens=cfg.random_tokens)
    for pattern in _user_patterns(cfg.patterns):
        text = pattern.sub(lambda m: mark(m.group(), REDACTED), text)
    if cfg.emails:
        text = rules.emails(text, mark)
    if cfg.phones:
        text = rules.phones(text, mark)
    return text


def redact_text(
    text: str, config: Redaction | None = None, *, same_length: bool = False, near: bool = False
) -> str:
    """`text` with secrets (and, if configured, e-mail addresses and phone numbers) replaced.

    Args:
        text: Any text.
        config: The settings; the process-wide ones (`set_redaction`) when omitted.
        same_length: Replace each secret with as many `*` (so spans into the text still hold).
        near: The text is the value of an AWS- or secret-named field: a 40-character key is
            redacted without "aws" or "secret" written next to it.

    Example:
        >>> redact_text("curl -H 'Authorization: Bearer abc123def456ghi789'")
        "curl -H 'Authorization: Bearer [REDACTED]'"
    """
    cfg = _default if config is None else config
    if not cfg.enabled or not text:
        return text
    return _clean(text, cfg, _stars if same_length else _marker, near)


def _norm_key(key: str) -> str:
    return key.lower().replace("-", "_")


def secret_key(key: str, config: Redaction | None = None) -> bool:
    """Whether a record key names a secret (`api_key`, `Authorization`, `db_password`, ...)."""
    cfg = _default if config is None else config
    return _secret_key(key, cfg.keys)


@lru_cache(maxsize=4096)
def _secret_key(key: str, extra: tuple[str, ...]) -> bool:
    # Cached: a record's keys are mostly the same few dozen names, record after record.
    norm = _norm_key(key)
    if _SECRET_KEY.search(norm[-40:]) is not None:
        return True
    return any(norm == _norm_key(k) for k in extra)


def redact(node: Any, config: Redaction | None = None) -> Any:
    """A copy of `node` (dicts, lists, tuples, strings) with secrets replaced by `[REDACTED]`.

    The value of a secret-named key (`api_key`, `password`, `Authorization`, ...) goes whole;
    strings, keys included, are cleaned with `redact_text`. A secret found anywhere in the
    record is then also removed where it appears without the words that gave it away (a
    claim's evidence quoting only `hunter2` of `password=hunter2`). Other values are returned
    as they are.

    Example:
        >>> redact({"headers": {"Authorization": "Bearer abc"}, "n": 3})
        {'headers': {'Authorization': '[REDACTED]'}, 'n': 3}
    """
    cfg = _default if config is None else config
    if not cfg.enabled:
        return node
    walker = _Walker(cfg)
    out = walker.walk(node, 0, False)
    return walker.fragments(out) if walker.found else out


class _Walker:
    """One pass over a record, keeping the secrets it found for the fragment pass."""

    def __init__(self, cfg: Redaction) -> None:
        self.cfg = cfg
        self.found: set[str] = set()

    def mark(self, secret: str, marker: str) -> str:
        if marker == REDACTED and len(secret) >= 8 and len(self.found) < 1000:
            self.found.add(secret)
        return marker

    def text(self, text: str, near: bool) -> str:
        return _clean(text, self.cfg, self.mark, near) if text else text

    def key(self, key: str) -> str:
        # A short lower-case name (`support`, `latency_ms`) matches no detector: no need to scan.
        if not self.cfg.patterns and _PLAIN_KEY.match(key):
            return key
        return self.text(key, False)

    def walk(self, node: Any, depth: int, near: bool) -> Any:
        if isinstance(node, str):
            return self.text(node, near)
        if isinstance(node, (dict, list, tuple)) and depth >= MAX_DEPTH:
            return REDACTED
        if isinstance(node, dict):
            return self._dict(node, depth, near)
        if isinstance(node, list):
            return [self.walk(v, depth + 1, near) for v in node]
        if isinstance(node, tuple):
            return tuple(self.walk(v, depth + 1, near) for v in node)
        return node

    def _dict(self, node: dict[Any, Any], depth: int, near: bool) -> dict[Any, Any]:
        # A claim about a secret-named tool parameter (`path: "auth.password"`) holds the
        # secret as its `value`.
        path = node.get("path")
        if isinstance(path, str) and "value" in node and secret_key(_last_part(path), self.cfg):
            node = {**node, "value": REDACTED}
        out: dict[Any, Any] = {}
        for k, v in node.items():
            if not isinstance(k, str):
                out[k] = self.walk(v, depth + 1, near)
            elif secret_key(k, self.cfg):
                out[self.key(k)] = REDACTED
            else:
                lowered = k.lower()
                nearby = near or "aws" in lowered or "secret" in lowered
                out[self.key(k)] = self.walk(v, depth + 1, nearby)
        return out

    def fragments(self, node: Any) -> Any:
        """`node` with every 8+ character piece of a secret found elsewhere replaced."""
        grams = {s[i : i + 8] for s in self.found for i in range(len(s) - 7)}
        found = tuple(self.found)

        def piece(m: re.Match[str]) -> str:
            run = m.group()
            if run[:8] in grams and run[-8:] in grams and any(run in s for s in found):
                return REDACTED
            return run

        def walk(value: Any) -> Any:
            if isinstance(value, str):
                return _FRAGMENT.sub(piece, value)
            if isinstance(value, dict):
                return {walk(k): walk(v) for k, v in value.items()}
            if isinstance(value, list):
                return [walk(v) for v in value]
            if isinstance(value, tuple):
                return tuple(walk(v) for v in value)
            return value

        return walk(node)


def _last_part(path: str) -> str:
    return path.rsplit(".", 1)[-1].split("[", 1)[0]
