"""Build the bundled eval suites (`agentguard/evaluation/suites/*.jsonl`) from seeded templates.

Every case is built so that its gold labels follow from how it was built: each fact the recorded
output uses is either put into the context (a user turn, a tool result, a document, the date in
the system prompt, a schema default) or left out of it, and the labels say which. No label comes
from running the monitor.

    python evals/build_suites.py            # rewrite the suites (the same bytes every run)
    python evals/build_suites.py --check    # exit 1 when the committed files are out of date
    python evals/build_suites.py --out DIR  # write (or check) the files in DIR instead

The templates live in the `suitegen` package next to this script, grouped by suite. The suite
files ship inside the package, so that `agentguard eval` finds them wherever it is installed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

# The templates live in the `suitegen` package beside this file, and `evals/` is no package: put
# this folder on `sys.path` ourselves, since Python adds a script's folder only when it runs as a
# script without `-P` (not when the file is imported by path or run with a safe path).
sys.path.insert(0, str(Path(__file__).resolve().parent))

from suitegen import ALL_SUITES, build, render  # noqa: E402

SUITES_DIR = Path(__file__).resolve().parents[1] / "agentguard" / "evaluation" / "suites"


def main(argv: list[str] | None = None) -> int:
    """Write (or with `--check`, compare) the suite files; the exit code says how it went."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit 1 when the files differ from what would be written",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=SUITES_DIR,
        help="folder of the suite files (default: agentguard/evaluation/suites)",
    )
    args = parser.parse_args(argv)  # fmt: skip
    texts = {name: render(build(name)) for name in ALL_SUITES}
    if args.check:
        stale = []
        for name, text in texts.items():
            path = args.out / f"{name}.jsonl"
            if not path.is_file() or path.read_bytes() != text.encode("utf-8"):
                stale.append(str(path))
        for path in stale:
            print(f"{path} is out of date: run python evals/build_suites.py", file=sys.stderr)
        return 1 if stale else 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        (args.out / f"{name}.jsonl").write_bytes(text.encode("utf-8"))
        print(f"{name}: {text.count(chr(10))} cases -> {args.out / name}.jsonl")
    return 0


if __name__ == "__main__":
    sys.exit(main())
