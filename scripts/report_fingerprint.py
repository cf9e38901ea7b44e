"""Fingerprint every report on the bundled suites and the example check inputs.

A change meant to leave behaviour alone (a refactor, a move) must leave these digests alone:
run this script before and after it and compare. One digest per estimator set-up and built-in
policy, a SHA-256 over the JSON of every report keyed by `suite:line` or by example file name,
leaving out the time taken and the estimator's name (which says how it was wrapped). The
set-ups are the default estimator, the same wrapped in `WithFallback` and in a one-member
`Ensemble` (which must match it), and the hand-set weights.

    .venv/bin/python scripts/report_fingerprint.py
    .venv/bin/python scripts/report_fingerprint.py --dump reports.jsonl   # every report too

It reads the suites from the package when it has them (`agentguard/evaluation/suites`) and from
`evals/*.jsonl` otherwise, so it also runs on checkouts from before the suites moved; the suite
once called `support` is keyed as `orders`, its name since.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import agentguard
from agentguard import DefaultEstimator, Ensemble, Monitor, WithFallback

ROOT = Path(__file__).resolve().parent.parent
POLICIES = ("strict", "balanced", "permissive")
SETUPS: dict[str, Callable[[str], Monitor]] = {
    "default": lambda policy: Monitor(policy),
    "with_fallback": lambda policy: Monitor(policy, estimator=WithFallback(DefaultEstimator())),
    "ensemble_of_one": lambda policy: Monitor(policy, estimator=Ensemble([DefaultEstimator()])),
    "hand_set": lambda policy: Monitor(policy, estimator=DefaultEstimator.hand_set()),
}
RENAMED = {"support": "orders"}
SKIPPED = {"latency_ms", "estimator"}


def suite_files() -> list[Path]:
    """The bundled suite files, wherever this checkout keeps them."""
    packaged = Path(agentguard.__file__).resolve().parent / "evaluation" / "suites"
    return sorted(packaged.glob("*.jsonl")) or sorted((ROOT / "evals").glob("*.jsonl"))


def inputs() -> Iterator[tuple[str, dict[str, Any]]]:
    """`(key, check input)` of every suite case with a recorded output, then of every example."""
    for path in suite_files():
        name = RENAMED.get(path.stem, path.stem)
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            case = json.loads(line)
            if case.get("output") is not None:
                keep = ("messages", "tools", "documents", "output")
                yield f"{name}:{i}", {k: case[k] for k in keep if case.get(k) is not None}
    for path in sorted((ROOT / "examples" / "check").glob("*.json")):
        yield path.name, json.loads(path.read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    """Print the digests (and write the reports with `--dump`)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--dump", type=Path, help="also write every report to this JSONL file")
    args = parser.parse_args(argv)
    cases = sorted(inputs())
    dump = args.dump.open("w", encoding="utf-8") if args.dump else None
    print(f"{len(cases)} inputs; digests of their reports (time and estimator name left out)")
    for setup, make in SETUPS.items():
        for policy in POLICIES:
            monitor, digest = make(policy), hashlib.sha256()
            for key, data in cases:
                report = monitor.check(data).model_dump(
                    mode="json", exclude={"latency_ms", "estimator"}
                )
                line = json.dumps({"case": key, "report": report}, sort_keys=True)
                digest.update(line.encode("utf-8"))
                if dump is not None:
                    dump.write(json.dumps({"setup": setup, "policy": policy, **json.loads(line)}))
                    dump.write("\n")
            print(f"  {setup:<16} {policy:<10} {digest.hexdigest()[:16]}")
    if dump is not None:
        dump.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
