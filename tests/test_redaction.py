"""Redaction: every common key format, in every field a trace or an error can carry."""

import io
import json
import random
import string
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from agentguard import (
    InputError,
    Monitor,
    Redaction,
    get_redaction,
    parse_check_input,
    redact,
    redact_text,
    set_redaction,
)
from agentguard.cli import main

_rnd = random.Random(13)
_ALNUM = string.ascii_letters + string.digits


def _r(n: int, alphabet: str = _ALNUM) -> str:
    return "".join(_rnd.choice(alphabet) for _ in range(n))


# Built at run time (no literal key in the repository); each maps a format to
# `(text as it appears, the secret part that must disappear)`.
AWS_SECRET = _r(40, _ALNUM + "/+")
PEM_BODY = _r(64, _ALNUM + "+/")
SECRETS: dict[str, tuple[str, str]] = {
    name: (text, secret if secret else text)
    for name, text, secret in [
        ("openai short", "sk-" + _r(10) + "7", ""),
        ("openai legacy", "sk-" + _r(20) + "T3BlbkFJ" + _r(20), ""),
        ("openai project", "sk-proj-" + _r(48) + "_" + _r(20), ""),
        ("anthropic", "sk-ant-api03-" + _r(80) + "-" + _r(8) + "AA", ""),
        ("stripe secret", "sk_live_" + _r(24), ""),
        ("stripe restricted", "rk_live_" + _r(24), ""),
        ("stripe publishable", "pk_live_" + _r(24), ""),
        ("github ghp", "ghp_" + _r(36), ""),
        ("github gho", "gho_" + _r(36), ""),
        ("github ghs", "ghs_" + _r(36), ""),
        ("github fine-grained", "github_pat_" + _r(22) + "_" + _r(59), ""),
        (
            "slack bot",
            "xoxb-" + _r(11, string.digits) + "-" + _r(12, string.digits) + "-" + _r(24),
            "",
        ),
        (
            "slack user",
            "xoxp-" + _r(11, string.digits) + "-" + _r(13, string.digits) + "-" + _r(32),
            "",
        ),
        ("slack app", "xapp-1-A" + _r(10) + "-" + _r(13, string.digits) + "-" + _r(64), ""),
        ("aws key id", "AKIA" + _r(16, string.ascii_uppercase + string.digits), ""),
        ("aws session key id", "ASIA" + _r(16, string.ascii_uppercase + string.digits), ""),
        ("aws secret", f"aws_secret_access_key = {AWS_SECRET}", AWS_SECRET),
        ("google", "AIza" + _r(35, _ALNUM + "_-"), ""),
        ("jwt", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0." + _r(43, _ALNUM + "_-"), ""),
        ("bearer", "Authorization: Bearer q" + _r(30), ""),
        ("basic", "Authorization: Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA=="),
        (
            "pem",
            f"-----BEGIN RSA PRIVATE KEY-----\nMIIE{PEM_BODY}\n-----END RSA PRIVATE KEY-----",
            PEM_BODY,
        ),
        ("password assignment", "password=Tr0ub4dor&3", "Tr0ub4dor"),
        ("api_key assignment", "api_key=" + _r(20), ""),
        ("url credentials", "postgres://admin:" + _r(16) + "@db.internal:5432/app", ""),
    ]
}
for _name, (_text, _secret) in list(SECRETS.items()):
    if _secret == _text and "=" in _text:
        SECRETS[_name] = (_text, _text.split("=", 1)[1])
    elif _name in ("bearer", "url credentials"):
        SECRETS[_name] = (_text, _text.split()[-1] if _name == "bearer" else _text[17:33])


def _leaks(text: str) -> list[str]:
    """The formats whose secret, or a 12-character piece of it, is still in `text`."""
    found = []
    for name, (_, secret) in SECRETS.items():
        pieces = {secret[i : i + 12] for i in range(0, max(1, len(secret) - 11), 6)}
        if secret in text or any(p in text for p in pieces if len(p) == 12):
            found.append(name)
    return found


@pytest.fixture(autouse=True)
def _default_redaction() -> Iterator[None]:
    previous = set_redaction(Redaction())
    yield
    set_redaction(previous)


@pytest.mark.parametrize("name", list(SECRETS))
@pytest.mark.parametrize(
    "context", ["{}", "note: {} end", '{{"key": "{}"}}', "Here it is:{}.", "(`{}`)"]
)
def test_every_format_is_redacted_in_any_context(name: str, context: str) -> None:
    text, _ = SECRETS[name]
    out = redact_text(context.format(text))
    assert _leaks(out) == []
    assert "[REDACTED]" in out


@pytest.mark.parametrize(
    "text",
    [
        "Your order A1234 will arrive on June 3, 2024.",
        "Use sk-learn-style estimators and a task-runner.",
        "The bearer of this ticket needs basic arithmetic.",
        "see https://example.com:8080/path?q=1 and the secretary: Jane",
        "max_tokens: 500, tokens: 12, passwordless login",
        "commit 0123456789abcdef0123456789abcdef01234567 fixes the laws page",
        "tool:call_Mn3Ew9lT3Zr5vYqH6wQ2Kx8A answered, and getUserAccountByIdentifierV2Handler",
        "Call +1 415 555 2671 or write to ana@example.com",  # off unless asked for
    ],
)
def test_ordinary_text_is_unchanged(text: str) -> None:
    assert redact_text(text) == text


def test_keys_values_and_nesting() -> None:
    token = SECRETS["github ghp"][0]
    record = {
        "headers": {"Authorization": "Bearer abc", "X-Api-Key": "k"},
        "db_password": "p",
        "aws": {"key": AWS_SECRET},
        token: 1,
        "items": [("t", token)],
        "max_tokens": 100,
        "n": 3,
    }
    assert redact(record) == {
        "headers": {"Authorization": "[REDACTED]", "X-Api-Key": "[REDACTED]"},
        "db_password": "[REDACTED]",
        "aws": {"key": "[REDACTED]"},
        "[REDACTED]": 1,
        "items": [("t", "[REDACTED]")],
        "max_tokens": 100,
        "n": 3,
    }


def test_the_value_of_a_claim_about_a_secret_parameter_goes() -> None:
    claim = {"path": "auth.password", "value": "hunter2", "text": 'password="hunter2"'}
    assert redact(claim) == {
        "path": "auth.password",
        "value": "[REDACTED]",
        "text": 'password="[REDACTED]"',
    }


def test_same_length_masking_keeps_offsets() -> None:
    text = "key sk-proj-" + _r(30) + "9 and password=hunter2 end"
    masked = redact_text(text, same_length=True)
    assert len(masked) == len(text) and masked.endswith(" end")
    assert "hunter2" not in masked and "sk-proj" not in masked


def test_options_emails_phones_patterns_keys_and_off() -> None:
    text = "Mail ana.b@example.co.uk, call +44 20 7946 0958 or (415) 555-2671; ref ACME-123456."
    cfg = Redaction(emails=True, phones=True, patterns=(r"ACME-[0-9]{6}",))
    assert redact_text(text, cfg) == "Mail [EMAIL], call [PHONE] or [PHONE]; ref [REDACTED]."
    assert redact_text("order 2024-05-03, id 123456789", cfg) == "order 2024-05-03, id 123456789"
    assert redact({"Member-Number": "77"}, Redaction(keys=("member_number",))) == {
        "Member-Number": "[REDACTED]"
    }
    off = Redaction(enabled=False)
    assert redact_text(SECRETS["stripe secret"][0], off) == SECRETS["stripe secret"][0]


def test_process_default_and_bad_pattern() -> None:
    previous = set_redaction(Redaction(emails=True))
    assert redact_text("ana@example.com") == "[EMAIL]"
    assert get_redaction().emails
    set_redaction(previous)
    assert redact_text("ana@example.com") == "ana@example.com"
    with pytest.raises(ValidationError, match="not a regex"):
        Redaction(patterns=("(unclosed",))


def test_deep_records_are_cut_not_crashed() -> None:
    node: object = SECRETS["google"][0]
    for _ in range(2000):
        node = [node]
    out = json.dumps(redact(node))  # a list nested 2,000 deep: no RecursionError
    assert _leaks(out) == []


def _planted_input() -> dict[str, object]:
    """An input with every format in messages, tool results, documents, output, metadata, id."""
    texts = [t for t, _ in SECRETS.values()]
    joined = " ; ".join(texts)
    sentences = " ".join(f"The value {t} is valid until June 3." for t in texts)
    return {
        "id": "run-" + SECRETS["openai short"][0],
        "messages": [
            {"role": "system", "content": "Credentials: " + joined},
            {"role": "user", "content": "Use these: " + joined},
            {
                "role": "assistant",
                "tool_calls": [
                    {
                        "id": "c1",
                        "type": "function",
                        "function": {"name": "vault", "arguments": "{}"},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "c1", "content": json.dumps({"secrets": texts})},
        ],
        "documents": [{"id": "doc-" + SECRETS["github ghp"][0], "text": sentences}],
        "output": {
            "role": "assistant",
            "content": sentences,
            "tool_calls": [
                {
                    "id": "c2",
                    "type": "function",
                    "function": {
                        "name": "deploy",
                        "arguments": json.dumps(
                            {
                                "token": SECRETS["slack bot"][0],
                                "password": "Tr0ub4dor&3",
                                "note": joined,
                            }
                        ),
                    },
                }
            ],
        },
        "metadata": {
            "api_key": "plain-value-1",
            "notes": texts,
            SECRETS["stripe secret"][0]: "as a key",
            "nested": {"aws": {"secret": AWS_SECRET}, "header": SECRETS["bearer"][0]},
        },
    }


def test_planted_secrets_never_reach_the_trace(tmp_path: Path) -> None:
    trace = tmp_path / "t.jsonl"
    with Monitor(trace=trace) as monitor:
        report = monitor.check(parse_check_input(_planted_input()))
    assert report.claims  # the sentences were read and scored
    written = trace.read_text(encoding="utf-8")
    assert "June 3" in written
    assert _leaks(written) == []
    assert "plain-value-1" not in written


def test_planted_secrets_never_reach_json_output_or_errors(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    bad = {"messages": [{"role": " ".join(t for t, _ in SECRETS.values())}], "output": {}}
    src.write_text(json.dumps(_planted_input()) + "\n" + json.dumps(bad) + "\n")
    out, err = io.StringIO(), io.StringIO()
    code = main(["check", "--jsonl", "--json", str(src)], stdout=out, stderr=err)
    assert code == 2
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert "claims" in records[0] and "error" in records[1]
    assert _leaks(out.getvalue()) == []
    assert "agentguard: error:" in err.getvalue() and _leaks(err.getvalue()) == []
    # The terminal report too.
    out = io.StringIO()
    assert main(["check", "--jsonl", "--no-color", str(src)], stdout=out, stderr=io.StringIO()) == 2
    assert "June 3" in out.getvalue() and _leaks(out.getvalue()) == []


def test_input_errors_are_redacted_and_clipped() -> None:
    key = SECRETS["anthropic"][0]
    huge = "x" * 100_000
    with pytest.raises(InputError) as caught:
        parse_check_input({"messages": [{"role": f"{key} {huge}"}], "output": {}})
    message = str(caught.value)
    assert key not in message and "[REDACTED]" in message
    assert len(message) < 400 and "x" * 61 not in message
    with pytest.raises(InputError) as caught:
        parse_check_input({"messages": [], "output": {}, huge: 1})
    assert len(str(caught.value)) < 400 and "100,000 characters" in str(caught.value)


@pytest.mark.parametrize("name", sorted(SECRETS))
def test_no_piece_of_a_secret_in_a_bad_value_reaches_the_error(name: str) -> None:
    text, secret = SECRETS[name]
    with pytest.raises(InputError) as caught:
        parse_check_input({"messages": [{"role": f"my key: {text}"}], "output": {}})
    message = str(caught.value)
    pieces = [secret[i : i + 12] for i in range(len(secret) - 11)]
    assert [p for p in pieces if p in message] == [], message
