"""Redaction speed: MB/s on 1 MB of ordinary, secret-laden and adversarial text.

Redaction runs on every trace record, `--json` output and error message, so it must stay
linear in the text's length whatever the text: the adversarial cases repeat the prefixes and
characters each detector looks for, the inputs that make a backtracking regex quadratic.

    python benchmarks/redaction_speed.py [--mb 1]
"""

from __future__ import annotations

import argparse
import random
import string
import time
from collections.abc import Callable

from agentguard.redaction import Redaction, redact_text

PROSE = (
    "Your order A1234 will arrive on June 3. The flight from Boston to Denver leaves at 9:40 "
    "and costs $412.50; the basic fare has no bag. Ask the bearer of the ticket to check in. "
)


def _cases(size: int) -> dict[str, str]:
    rnd = random.Random(0)
    b64 = string.ascii_letters + string.digits + "+/"

    def fill(unit: str) -> str:
        return (unit * (size // len(unit) + 1))[:size]

    secrets = " ".join(
        [
            "sk-proj-" + "".join(rnd.choices(string.ascii_letters + string.digits, k=60)),
            "AKIA" + "".join(rnd.choices(string.ascii_uppercase, k=16)),
            "password=hunter2",
            "Authorization: Bearer abc123def456",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
            "john@example.com",
            "+1 415 555 2671",
        ]
    )
    return {
        "prose": fill(PROSE),
        "prose with secrets": fill(PROSE + secrets + " "),
        "one letter run": "a" * size,
        "base64 run": "".join(rnd.choices(b64, k=size)),
        "digits": fill("1234567890"),
        "digits and spaces": fill("1 "),
        "sk- repeated": fill("sk-"),
        "sk-a1 repeated": fill("sk-a1"),
        "sk-a- repeated": fill("sk-a-"),
        "eyJ- repeated": fill("eyJ-"),
        "eyJ segments": fill("eyJaaaa."),
        "AKIA repeated": fill("AKIA"),
        "AIza repeated": fill("AIza"),
        "xoxb- repeated": fill("xoxb-"),
        "ghp_ repeated": fill("ghp_"),
        "://a: repeated": fill("://a:"),
        "://a:b repeated": "://a:" + fill("b"),
        "password= repeated": fill("password="),
        "password: quote": fill('password: "'),
        "token_ repeated": fill("token_"),
        "Authorization repeated": fill("Authorization: "),
        "Bearer repeated": fill("Bearer "),
        "Bearer aaaa": "Bearer " + fill("a"),
        "PEM begin repeated": fill("-----BEGIN PRIVATE KEY-----"),
        "PEM with END far": "-----BEGIN PRIVATE KEY-----" + fill("A") + "-----END PRIVATE KEY-----",
        "aws and base64": fill("aws " + "A" * 39 + "/"),
        "secret and 41 chars": fill("secret" + "A" * 41 + " "),
        "a@ repeated": fill("a@"),
        "a. then @": fill("a.") + "@",
        "@a. repeated": "x" + fill("@a."),
        "x@a.b repeated": fill("x@a.b"),
        "+1 repeated": fill("+1 "),
        "+1 2 3 repeated": fill("+1 2 3 4 5 6 7 8 "),
        "(415) repeated": fill("(415) "),
        "415-555- repeated": fill("415-555-"),
    }


def _measure(fn: Callable[[str], str], text: str) -> float:
    start = time.perf_counter()
    fn(text)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=float, default=1.0, help="text size in MB (default 1)")
    args = parser.parse_args()
    size = int(args.mb * 1_000_000)
    all_on = Redaction(emails=True, phones=True, patterns=(r"ACME-[0-9]{6}",))
    worst = ("", float("inf"))
    print(f"{'case':<26}{'secrets MB/s':>14}{'all on MB/s':>14}")
    for name, text in _cases(size).items():
        default = _measure(redact_text, text)
        full = _measure(lambda t: redact_text(t, all_on), text)
        rate = len(text) / 1e6 / max(default, full)
        worst = min(worst, (name, rate), key=lambda x: x[1])
        print(f"{name:<26}{len(text) / 1e6 / default:>14.1f}{len(text) / 1e6 / full:>14.1f}")
    print(f"slowest: {worst[0]} at {worst[1]:.1f} MB/s ({1 / worst[1]:.2f} s per MB)")


if __name__ == "__main__":
    main()
