"""`agentguard inspect TRACE|RUN_DIR`: the flagged assumptions of a trace, in the terminal.

The trace is read through its index (`agentguard.inspection.index`): a page of records is
read from the trace by offset, so a trace of any size opens in about the same time once
indexed. Lines that cannot be read are skipped with a warning naming each line; a path that is
no trace is one error line (exit 2).
"""

from __future__ import annotations

import argparse
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, TextIO

from agentguard.errors import InputError, safe_message
from agentguard.inspection.index import Filters, Row, TraceIndex
from agentguard.inspection.options import add_filter_options, filters_of
from agentguard.inspection.records import shown_record
from agentguard.inspection.terminal import render_footer, render_record, render_summary
from agentguard.policy import builtin_policies, load_policy

__all__ = ["DEFAULT_LIMIT", "add_parser", "run"]

DEFAULT_LIMIT = 20
"""Records shown per page."""
MAX_PROBLEMS_SHOWN = 10
"""Unreadable lines named one by one on stderr; the rest are counted."""
_DEFAULT_THRESHOLD = 0.5


def _count(text: str) -> int:
    """A non-negative whole number, for `--offset`."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} is negative")
    return value


def _page_size(text: str) -> int:
    """A page size for `--limit`: a whole number of at least 1."""
    value = _count(text)
    if value == 0:
        raise argparse.ArgumentTypeError("0 records per page shows nothing: give 1 or more")
    return value


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Add the `inspect` subcommand to the subparsers `sub`."""
    parser: argparse.ArgumentParser = sub.add_parser(
        "inspect",
        help="show the flagged assumptions of a trace or eval run",
        description="Show the report records of a trace (or of an eval run folder) that have "
        "flags: the output with its claims coloured by support, the evidence behind each "
        "flagged claim, and the decision. An index file is kept beside the trace "
        "(TRACE.index.sqlite) so that large traces open fast.",
    )
    parser.add_argument("trace", metavar="TRACE|RUN_DIR", help="a JSONL trace, or an eval run")
    add_filter_options(parser)
    shown = parser.add_argument_group("output")
    shown.add_argument(
        "--limit", type=_page_size, default=DEFAULT_LIMIT, metavar="N",
        help=f"records per page (default: {DEFAULT_LIMIT})",
    )  # fmt: skip
    shown.add_argument(
        "--offset", type=_count, default=0, metavar="N", help="skip the first N matching records"
    )
    shown.add_argument(
        "--summary",
        action="store_true",
        help="only the table of flagged claims by tool and parameter (most flagged first)",
    )
    shown.add_argument(
        "--json",
        action="store_true",
        help="one JSON object per record (with --summary: one object holding the table)",
    )
    shown.add_argument(
        "--color", action=argparse.BooleanOptionalAction, default=None, help="colour the output"
    )
    parser.set_defaults(func=run)
    return parser


@lru_cache(maxsize=16)
def _threshold(policy: str | None) -> float:
    """The support threshold of the built-in policy a report names (0.5 for any other)."""
    if policy in builtin_policies():
        return load_policy(policy).threshold
    return _DEFAULT_THRESHOLD


def _warn(stderr: TextIO, problems: list[str]) -> None:
    for problem in problems[:MAX_PROBLEMS_SHOWN]:
        print(f"agentguard: warning: {safe_message(problem, words=False)}", file=stderr)
    if len(problems) > MAX_PROBLEMS_SHOWN:
        more = len(problems) - MAX_PROBLEMS_SHOWN
        print(f"agentguard: warning: {more} more unreadable lines skipped", file=stderr)


def _cut_tail(trace: Path) -> int | None:
    """The number of the last line when it is cut (no newline yet), else None."""
    with trace.open("rb") as f:
        size = f.seek(0, os.SEEK_END)
        if size == 0:
            return None
        f.seek(size - 1)
        if f.read(1) == b"\n":
            return None
        f.seek(0)
        return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 22), b"")) + 1


def _summary(index: TraceIndex, filters: Filters, args: argparse.Namespace, out: TextIO) -> None:
    entries = index.summary(filters)
    matched = index.count(filters)
    if args.json:
        print(json.dumps({"summary": entries, "matched_records": matched}), file=out)
        return
    print(render_summary(entries, color=args.color), file=out)
    flags = sum(e["flags"] for e in entries)
    print(f"{flags} flagged claims in {matched} matching records", file=out)


def _show(row: Row, index: TraceIndex, args: argparse.Namespace, out: TextIO) -> bool:
    """Print one record; returns whether its output had to be rebuilt from its claims."""
    shown = shown_record(index.record(row.line), row.line, row.domain)
    if args.json:
        print(json.dumps(shown.to_json(), ensure_ascii=False), file=out)
    else:
        threshold = _threshold(shown.policy)
        print(render_record(shown, color=args.color, threshold=threshold), file=out)
        print(file=out)
    return shown.output_rebuilt


def _page(
    index: TraceIndex, filters: Filters, args: argparse.Namespace, out: TextIO, err: TextIO
) -> None:
    matched = index.count(filters)
    rows = index.rows(filters, offset=args.offset, limit=args.limit)
    said_rebuilt = False
    for row in rows:
        try:
            rebuilt = _show(row, index, args, out)
        except (InputError, ValueError, TypeError, KeyError, AttributeError) as exc:
            # A line changed since it was indexed, or a record of a shape nothing expected.
            where = f"{index.trace}:{row.line}"
            print(f"agentguard: warning: {where}: record could not be shown ({exc})", file=err)
            continue
        if rebuilt and not said_rebuilt and not args.json:
            print("note: this trace has no output text (an older version): outputs are "
                  "rebuilt from their claims", file=out)  # fmt: skip
            print(file=out)
            said_rebuilt = True
    if not args.json:
        total = index.count(Filters(flagged=False)) if matched == 0 else matched
        print(render_footer(len(rows), args.offset, args.limit, matched, total), file=out)


def run(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Run `agentguard inspect`; returns the exit code (0, or 2 for bad input).

    Raises:
        InputError: for a bad option value or a path that is no trace (the CLI prints it as
            one line and exits 2).
    """
    filters = filters_of(args)
    if args.color is None:
        args.color = stdout.isatty() and "NO_COLOR" not in os.environ
    with TraceIndex.open(args.trace) as index:
        cut = _cut_tail(index.trace)
        _warn(stderr, index.problems)
        if cut is not None:
            print(f"agentguard: warning: {safe_message(str(index.trace), words=False)}:{cut}: "
                  "the last line is cut (a crash, or a writer still writing it): skipped",
                  file=stderr)  # fmt: skip
        if args.summary:
            _summary(index, filters, args, stdout)
        else:
            _page(index, filters, args, stdout, stderr)
    stdout.flush()
    return 0
