"""`agentguard label`: mark a claim of a trace right or wrong, or list the labels so far."""

from __future__ import annotations

import argparse
import getpass
import json
from pathlib import Path
from typing import Any, TextIO

from agentguard.errors import InputError, clip
from agentguard.inspection.labels import ClaimLabel, add_label, read_labels

__all__ = ["add_parsers", "cmd_label"]


def _who() -> str | None:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (a container without a passwd entry)
        return None


def _claim(label: ClaimLabel | dict[str, Any]) -> str:
    """What the claim said: `tool.path = value` for an argument, else its text (clipped)."""
    data = label.model_dump() if isinstance(label, ClaimLabel) else label
    if data.get("claim_kind") == "argument" and data.get("path"):
        return f"{data.get('tool')}.{data['path']} = {clip(repr(data.get('value')), 40)}"
    return clip(data.get("text") or "", 60)


def _support(value: Any) -> str:
    return f"{value:.2f}" if isinstance(value, (int, float)) else "-"


def cmd_label(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Run `agentguard label`: add one label, or list the labels (`--list`)."""
    if args.list:
        return _list(args, stdout, stderr)
    if args.line is None or args.claim is None or args.correct is None:
        raise InputError("label", "give --line N, --claim ID and --right or --wrong (or --list)")
    done = add_label(
        Path(args.trace),
        line=args.line,
        claim_id=args.claim,
        correct=args.correct,
        note=args.note,
        by=args.by if args.by is not None else _who(),
    )
    verdict = "right" if done["correct"] else "wrong"
    found = read_labels(args.trace)
    stdout.write(
        f"line {done['line']} claim {done['claim_id']} ({_claim(done)}, support "
        f"{_support(done['support'])}): {verdict}\n"
        f"labels: {found.path} ({len(found.labels)} labelled claim(s))\n"
    )
    return 0


def _list(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    found = read_labels(args.trace)
    for problem in found.problems:
        stderr.write(f"agentguard: warning: {problem}\n")
    labels = sorted(found.labels.values(), key=lambda label: (label.line, label.claim_id))
    if args.json:
        for label in labels:
            stdout.write(json.dumps(label.model_dump(mode="json"), ensure_ascii=False) + "\n")
        return 0
    if not labels:
        stdout.write(f"no labels yet ({found.path})\n")
        return 0
    stdout.write(f"{'line':>6}  {'input':<22} {'claim':<5} {'support':>7}  {'label':<5}  claim\n")
    for label in labels:
        who = " · ".join(x for x in (label.by, label.time[:19], label.note) if x)
        stdout.write(
            f"{label.line:>6}  {clip(label.input_id or '-', 20):<22} {label.claim_id:<5} "
            f"{_support(label.support):>7}  {'right' if label.correct else 'wrong':<5}  "
            f"{_claim(label)}\n"
        )
        if who:
            stdout.write(f"{'':>6}  {clip(who, 90)}\n")
    stdout.write(f"{len(labels)} labelled claim(s) in {found.path}\n")
    return 0


def add_parsers(sub: Any) -> None:
    """Add the `label` subcommand to the `agentguard` parser."""
    lab = sub.add_parser(
        "label",
        help="mark a claim of a trace right or wrong (labels feed calibrate and eval)",
        description="Label one claim of a trace (or eval run folder) right or wrong; the label "
        "is appended to TRACE.labels.jsonl beside the trace. The line is the report's line in "
        "the trace, as `agentguard inspect` and `agentguard view` show it. --list prints the "
        "labels so far. `agentguard calibrate` and the statistics of an eval run use them.",
    )
    lab.add_argument("trace", metavar="TRACE|RUN_DIR", help="a trace, or an eval run folder")
    lab.add_argument("--line", type=int, metavar="N", help="trace line of the report record")
    lab.add_argument("--claim", metavar="ID", help="claim id in that report (c1, c2, ...)")
    verdict = lab.add_mutually_exclusive_group()
    verdict.add_argument("--right", dest="correct", action="store_const", const=True,
                         help="the claim is right: backed by what the agent was told")  # fmt: skip
    verdict.add_argument("--wrong", dest="correct", action="store_const", const=False,
                         help="the claim is wrong: an assumption, or contradicted")  # fmt: skip
    lab.add_argument("--note", metavar="TEXT", help="why, in a few words")
    lab.add_argument("--by", metavar="NAME", help="who labels (default: your login name)")
    lab.add_argument("--list", action="store_true", help="list the labels so far")
    lab.add_argument("--json", action="store_true", help="with --list: one JSON label per line")
    lab.set_defaults(func=cmd_label, correct=None)
