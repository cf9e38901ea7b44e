"""The `agentguard` command.

`check` exit codes: 0 when every input was checked (whatever was flagged), 2 for bad input or
usage (in `--jsonl` mode, after all good lines have been checked). `demo` exits 0 when every
scene ends with an answer.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from agentguard.errors import InputError
from agentguard.evaluation.commands import add_parsers as add_eval_parsers
from agentguard.inputs import MAX_INPUT_CHARS, parse_check_input
from agentguard.monitor import Monitor
from agentguard.policy import builtin_policies
from agentguard.render import render_report

MAX_RAW_BYTES = 4 * MAX_INPUT_CHARS
"""Largest raw input (a file, or a line in `--jsonl` mode) read before parsing."""


class _Bad(Exception):
    def __init__(self, where: str, message: str) -> None:
        self.where, self.message = where, message
        super().__init__(f"{where}: {message}")


def _load_json(text: str, where: str, *, line: bool = False) -> object:
    """Parse JSON; errors are located as `FILE:LINE:COL` (`where` holds the line if `line`)."""
    if len(text) > MAX_RAW_BYTES:
        raise _Bad(where, f"{len(text):,} bytes; the limit is {MAX_RAW_BYTES:,}")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        at = f"{where}:{exc.colno}" if line else f"{where}:{exc.lineno}:{exc.colno}"
        raise _Bad(at, f"not valid JSON ({exc.msg})") from None


def _read(name: str, stdin: TextIO) -> str:
    if name == "-":
        return stdin.read(MAX_RAW_BYTES + 1)
    path = Path(name)
    if not path.is_file():
        raise _Bad(name, "no such file")
    if path.stat().st_size > MAX_RAW_BYTES:
        raise _Bad(name, f"{path.stat().st_size:,} bytes; the limit is {MAX_RAW_BYTES:,}")
    return path.read_text(encoding="utf-8")


def _inputs(files: Sequence[str], jsonl: bool, stdin: TextIO) -> Iterator[tuple[str, object]]:
    """`(where, parsed JSON or _Bad)` for each input, in order."""
    for name in files:
        label = "<stdin>" if name == "-" else name
        try:
            text = _read(name, stdin)
        except _Bad as bad:
            yield label, bad
            continue
        if not jsonl:
            try:
                yield label, _load_json(text, label)
            except _Bad as bad:
                yield label, bad
            continue
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                yield f"{label}:{n}", _load_json(line, f"{label}:{n}", line=True)
            except _Bad as bad:
                yield f"{label}:{n}", bad


def _check_one(monitor: Monitor, where: str, data: object) -> tuple[Any, str]:
    if isinstance(data, _Bad):
        raise data
    try:
        inp = parse_check_input(data)
        return monitor.check(inp), inp.output.text
    except InputError as exc:
        raise _Bad(where, str(exc)) from None


def cmd_check(args: argparse.Namespace, stdout: TextIO, stderr: TextIO, stdin: TextIO) -> int:
    """Run `agentguard check`."""
    try:
        monitor = Monitor(policy=args.policy, trace=args.trace, calibration=args.calibration)
    except InputError as exc:
        print(f"agentguard: error: {exc}", file=stderr)
        return 2
    color = (
        args.color if args.color is not None else stdout.isatty() and "NO_COLOR" not in os.environ
    )
    failed = 0
    try:
        for where, data in _inputs(args.files, args.jsonl, stdin):
            try:
                report, text = _check_one(monitor, where, data)
            except _Bad as bad:
                failed += 1
                if monitor.trace is not None:
                    monitor.trace.write_error(bad.where, bad.message)
                if args.json and args.jsonl:
                    print(
                        json.dumps({"error": {"where": bad.where, "message": bad.message}}),
                        file=stdout,
                    )
                print(f"agentguard: error: {bad.where}: {bad.message}", file=stderr)
                if not args.jsonl:
                    return 2
                continue
            if args.json:
                body = report.model_dump(mode="json")
                if args.jsonl:
                    print(json.dumps({"where": where, **body}, ensure_ascii=False), file=stdout)
                else:
                    print(json.dumps(body, indent=2, ensure_ascii=False), file=stdout)
            else:
                print(render_report(report, text, title=where, color=color), file=stdout)
                print(file=stdout)
            stdout.flush()
    finally:
        monitor.close()
    return 2 if failed else 0


def cmd_demo(args: argparse.Namespace, stdout: TextIO, stderr: TextIO, stdin: TextIO) -> int:
    """Run `agentguard demo`."""
    from agentguard.demos.catalog import SCENES
    from agentguard.demos.show import run_demo

    unknown = [s for s in args.scenes if s not in SCENES]
    if unknown:
        print(
            f"agentguard: error: unknown scene {unknown[0]!r} (scenes: {', '.join(SCENES)})",
            file=stderr,
        )
        return 2
    color = (
        args.color if args.color is not None else stdout.isatty() and "NO_COLOR" not in os.environ
    )
    try:
        outcomes = run_demo(
            [SCENES[name] for name in args.scenes or SCENES],
            trace_path=args.trace,
            interactive=args.interactive,
            out=stdout,
            color=color,
        )
    except InputError as exc:
        print(f"agentguard: error: {exc}", file=stderr)
        return 2
    return 0 if all(s == "answered" for o in outcomes for s in o.statuses) else 1


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the `agentguard` command."""
    parser = argparse.ArgumentParser(
        prog="agentguard",
        description="Find the facts an agent's output silently assumes.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser(
        "check",
        help="check model outputs against their context",
        description="Check one `check` input per FILE (or per line with --jsonl); - is stdin.",
    )
    check.add_argument("files", nargs="+", metavar="FILE", help="input file(s), or - for stdin")
    check.add_argument("--json", action="store_true", help="print the machine-readable report")
    check.add_argument("--jsonl", action="store_true", help="read one input per line")
    check.add_argument(
        "--policy",
        default="balanced",
        metavar="NAME|PATH",
        help=f"policy name ({', '.join(builtin_policies())}) or YAML path (default: balanced)",
    )
    check.add_argument("--trace", metavar="PATH", help="append every report to this JSONL trace")
    check.add_argument(
        "--calibration", metavar="FILE", help="apply a calibration file (agentguard calibrate)"
    )
    check.add_argument(
        "--color", action=argparse.BooleanOptionalAction, default=None, help="colour the report"
    )
    check.set_defaults(func=cmd_check)
    demo = sub.add_parser(
        "demo",
        help="run the example agents offline and show what the monitor does",
        description="Run the example agents (travel, orders, retrieval, calculator) with "
        "scripted models, behind the monitor and alone; print each conversation, what the "
        "monitor caught and did, and a summary. Exit code 1 if a scene did not end answered.",
    )
    demo.add_argument("scenes", nargs="*", metavar="SCENE", help="scenes to run (default: all)")
    demo.add_argument(
        "--interactive", action="store_true", help="answer the clarifying questions yourself"
    )
    demo.add_argument(
        "--trace",
        default="agentguard-demo.jsonl",
        metavar="PATH",
        help="append the reports and run events to this JSONL trace "
        "(default: agentguard-demo.jsonl)",
    )
    demo.add_argument(
        "--color", action=argparse.BooleanOptionalAction, default=None, help="colour the output"
    )
    demo.set_defaults(func=cmd_demo)
    add_eval_parsers(sub, builtin_policies())
    sim = sub.add_parser(
        "simulate",
        help="the seed's thought experiments: behaviour cloning with and without the monitor",
        add_help=False,
    )
    sim.add_argument("rest", nargs=argparse.REMAINDER)
    sim.set_defaults(func=cmd_simulate)
    return parser


def cmd_simulate(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Run `agentguard simulate` (its options are parsed by the simulation itself)."""
    from agentguard.evaluation.simulation.simulate import main as simulate_main

    return simulate_main(args.rest, stdout=stdout, stderr=stderr)


def main(
    argv: Sequence[str] | None = None,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    stdin: TextIO | None = None,
) -> int:
    """Entry point of the `agentguard` command; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    out, err = stdout or sys.stdout, stderr or sys.stderr
    if argv[:1] == ["simulate"]:
        # The simulation parses its own options (argparse's REMAINDER cannot take "--n 5").
        return cmd_simulate(argparse.Namespace(rest=argv[1:]), out, err)
    args = build_parser().parse_args(argv)
    if getattr(args, "color", False) is None:
        args.color = out.isatty() and "NO_COLOR" not in os.environ
    try:
        if args.func in (cmd_check, cmd_demo):
            code: int = args.func(args, out, err, stdin or sys.stdin)
        else:
            code = args.func(args, out, err)
    except InputError as exc:
        print(f"agentguard: error: {exc}", file=err)
        return 2
    except BrokenPipeError:
        # The reader went away (`agentguard check ... | head`): stop quietly, like other tools.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except OSError as exc:
        # An unreadable or unwritable path: one line, like any other bad input.
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"agentguard: error: {where}{exc.strerror or exc}", file=err)
        return 2
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
