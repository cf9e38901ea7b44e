"""The `agentguard` command.

`check` exit codes: 0 when every input was checked (whatever was flagged), 2 for bad input or
usage (after every good file, or line in `--jsonl` mode, has been checked). `demo` exits 0 when
every scene ends with an answer.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from contextlib import ExitStack
from typing import TextIO

from pydantic import ValidationError

from agentguard.errors import InputError, clip, from_validation_error, safe_message
from agentguard.evaluation.commands import add_parsers as add_eval_parsers
from agentguard.input_files import count_lines, raw_inputs
from agentguard.inspection.commands import add_parsers as add_inspection_parsers
from agentguard.inspection.label_command import add_parsers as add_label_parsers
from agentguard.policy import builtin_policies
from agentguard.progress import Progress, isatty
from agentguard.redaction import Redaction, get_redaction, set_redaction
from agentguard.scale.check_job import (
    INTERNAL,
    Checked,
    CheckJob,
    CheckSettings,
    Show,
    error_line,
    exc_text,
)
from agentguard.scale.local import BATCH, check_raw_inputs
from agentguard.scale.pool import default_workers, workers_option
from agentguard.trace import TraceWriter
from agentguard.viewer.commands import add_parsers as add_view_parsers


def _emit(stream: TextIO, text: str) -> None:
    """Print, with characters the stream cannot encode (a lone surrogate) escaped."""
    try:
        print(text, file=stream)
    except UnicodeEncodeError:
        encoding = getattr(stream, "encoding", None) or "utf-8"
        print(text.encode(encoding, "backslashreplace").decode(encoding), file=stream)


def _show(
    checked: Checked, out: TextIO, err: TextIO, trace: TraceWriter | None, json_errors: bool
) -> bool:
    """Write one input's outcome: its trace record, then its report (or error).

    Returns `False` for an input that could not be checked.
    """
    bad = checked.bad
    if bad is None:
        if trace is not None and checked.record is not None:
            trace.write_prepared(checked.record)
        if checked.shown is not None:
            _emit(out, checked.shown)
            out.flush()
        return True
    if trace is not None:
        try:
            trace.write_error(bad.where, bad.message)
        except (InputError, OSError) as exc:
            _emit(err, f"agentguard: error: {safe_message(str(exc))}")
    if json_errors:
        _emit(out, error_line(bad))
    _emit(err, f"agentguard: error: {bad.where}: {bad.message}")
    return False


def _redaction(args: argparse.Namespace) -> Redaction:
    try:
        return Redaction(
            enabled=not args.no_redact,
            patterns=tuple(args.redact_pattern or ()),
            emails=args.redact_emails,
            phones=args.redact_phones,
        )
    except ValidationError as exc:
        raise InputError(*from_validation_error(exc, "--redact-pattern")) from None


def _allowed_policies(specs: Sequence[str] | None) -> dict[str, str]:
    allowed: dict[str, str] = {}
    for spec in specs or ():
        name, sep, path = spec.partition("=")
        if not sep or not name or not path:
            raise InputError("--allow-policy", f"expected NAME=PATH, not {clip(spec)!r}")
        allowed[name] = path
    return allowed


def _settings(args: argparse.Namespace) -> CheckSettings:
    show: Show = "text"
    if args.json:
        show = "jsonl" if args.jsonl else "json"
    return CheckSettings(
        policy=args.policy,
        calibration=args.calibration,
        policies=tuple(_allowed_policies(args.allow_policy).items()),
        trace=args.trace is not None,
        trace_inputs=args.trace_inputs,
        show=show,
        color=args.color,
        redaction=get_redaction(),
    )


def cmd_check(args: argparse.Namespace, stdout: TextIO, stderr: TextIO, stdin: TextIO) -> int:
    """Run `agentguard check`."""
    previous = set_redaction(_redaction(args))
    if args.color is None:
        args.color = stdout.isatty() and "NO_COLOR" not in os.environ
    if args.progress is None:
        args.progress = isatty(stderr) and not isatty(stdout)
    failed = 0
    try:
        with ExitStack() as stack:
            try:
                many = args.jsonl or len(args.files) > BATCH
                workers = args.workers or (default_workers() if many else 1)
                job = CheckJob(_settings(args))
                trace = None
                if args.trace is not None:
                    meta = {"policy": job.monitor.policy.name}
                    trace = stack.enter_context(TraceWriter(args.trace, meta=meta))
            except InputError as exc:
                _emit(stderr, f"agentguard: error: {exc}")
                return 2
            total: int | None = len(args.files)
            if args.jsonl:  # lines are counted only for a bar to show
                total = count_lines(args.files) if args.progress else None
            raws = raw_inputs(args.files, args.jsonl, stdin)
            outcomes = stack.enter_context(check_raw_inputs(job, raws, workers))
            # The bar starts once the workers are up, so its rate is the checking's.
            bar = stack.enter_context(
                Progress(total, "checks", stream=stderr, enabled=args.progress)
            )
            out, err = bar.above(stdout), bar.above(stderr)
            json_errors = args.json and args.jsonl
            for checked in outcomes:
                if not _show(checked, out, err, trace, json_errors):
                    failed += 1
                bar.update()
    finally:
        set_redaction(previous)
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
    from agentguard import __version__

    parser.add_argument("--version", action="version", version=f"agentguard {__version__}")
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
    check.add_argument(
        "--allow-policy",
        action="append",
        metavar="NAME=PATH",
        help="let the `policy` field of an input name this policy file (repeatable); "
        "otherwise the field may name only a built-in policy",
    )
    check.add_argument(
        "--workers",
        type=workers_option,
        default=None,
        metavar="N",
        help="check in N processes, output in input order (default: $AGENTGUARD_WORKERS, else "
        "all cores with --jsonl or more than 64 files, else 1)",
    )
    check.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show a progress bar with rate and ETA on standard error (default: when it is a "
        "terminal and standard output is not)",
    )
    check.add_argument("--trace", metavar="PATH", help="append every report to this JSONL trace")
    check.add_argument(
        "--trace-inputs",
        action="store_true",
        help="also store each input's messages, tools and documents in the trace (redacted); "
        "by default a record holds the output text and the input's id or hash only",
    )
    check.add_argument(
        "--calibration", metavar="FILE", help="apply a calibration file (agentguard calibrate)"
    )
    check.add_argument(
        "--color", action=argparse.BooleanOptionalAction, default=None, help="colour the report"
    )
    redaction = check.add_argument_group(
        "redaction",
        "secrets (API keys, tokens, passwords, private keys) are redacted from traces, --json "
        "output and errors by default",
    )
    redaction.add_argument(
        "--redact-emails", action="store_true", help="also replace e-mail addresses"
    )
    redaction.add_argument(
        "--redact-phones", action="store_true", help="also replace phone numbers"
    )
    redaction.add_argument(
        "--redact-pattern",
        action="append",
        metavar="REGEX",
        help="also redact what this regular expression matches (repeatable)",
    )
    redaction.add_argument(
        "--no-redact", action="store_true", help="redact nothing (for data known to be clean)"
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
    add_label_parsers(sub)
    add_inspection_parsers(sub)
    add_view_parsers(sub)
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


def _dispatch(argv: list[str], out: TextIO, err: TextIO, stdin: TextIO) -> int:
    if argv[:1] == ["simulate"]:
        # The simulation parses its own options (argparse's REMAINDER cannot take "--n 5").
        return cmd_simulate(argparse.Namespace(rest=argv[1:]), out, err)
    args = build_parser().parse_args(argv)
    if getattr(args, "color", False) is None and args.func is not cmd_check:
        args.color = out.isatty() and "NO_COLOR" not in os.environ
    if args.func in (cmd_check, cmd_demo):
        code: int = args.func(args, out, err, stdin)
    else:
        code = args.func(args, out, err)
    return code


def main(
    argv: Sequence[str] | None = None,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    stdin: TextIO | None = None,
) -> int:
    """Entry point of the `agentguard` command; returns the exit code (never a traceback)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    out, err = stdout or sys.stdout, stderr or sys.stderr
    try:
        return _dispatch(argv, out, err, stdin or sys.stdin)
    except InputError as exc:
        _emit(err, f"agentguard: error: {exc}")
        return 2
    except BrokenPipeError:
        # The reader went away (`agentguard check ... | head`): stop quietly, like other tools.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except OSError as exc:
        # An unreadable or unwritable path: one line, like any other bad input.
        where = f"{clip(exc.filename, 240)}: " if exc.filename else ""
        _emit(err, f"agentguard: error: {where}{safe_message(str(exc.strerror or exc))}")
        return 2
    except KeyboardInterrupt:
        return 130
    except RecursionError:
        _emit(err, "agentguard: error: input nested too deeply")
        return 2
    except Exception as exc:  # noqa: BLE001 - the command answers with one line, not a traceback
        message = safe_message(f"{type(exc).__name__}: {exc_text(exc)}")
        _emit(err, f"agentguard: {INTERNAL}: {message}")
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
