"""The `agentguard` command.

`check` exit codes: 0 when every input was checked (whatever was flagged), 2 for bad input or
usage (after every good file, or line in `--jsonl` mode, has been checked). `demo` exits 0 when
every scene ends with an answer.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any, TextIO, TypeVar

from pydantic import ValidationError

from agentguard.errors import InputError, clip, from_validation_error, safe_message
from agentguard.evaluation.commands import add_parsers as add_eval_parsers
from agentguard.inputs import MAX_INPUT_CHARS, parse_check_input
from agentguard.inspection.commands import add_parsers as add_inspection_parsers
from agentguard.inspection.label_command import add_parsers as add_label_parsers
from agentguard.monitor import Monitor
from agentguard.policy import builtin_policies
from agentguard.redaction import Redaction, get_redaction, redact, redact_text, set_redaction
from agentguard.render import render_report
from agentguard.types import Report
from agentguard.viewer.commands import add_parsers as add_view_parsers

MAX_RAW_BYTES = 4 * MAX_INPUT_CHARS
"""Largest raw input (a file, or a line in `--jsonl` mode) read before parsing."""
_CHUNK = 1 << 16
Chunk = TypeVar("Chunk", str, bytes)


class _Bad(Exception):
    """One input that could not be checked; the message is redacted and clipped."""

    def __init__(self, where: str, message: str) -> None:
        self.where = safe_message(where, words=False)
        self.message = safe_message(message)
        super().__init__(f"{self.where}: {self.message}")


def _json_problem(exc: ValueError | RecursionError) -> str:
    if isinstance(exc, RecursionError):
        return "not valid JSON (nested too deeply)"
    if "digits" in str(exc):  # Python refuses ints of over 4,300 digits
        return "not valid JSON (a number has too many digits)"
    return f"not valid JSON ({exc})"


def _load_json(text: str, where: str, *, line: bool = False) -> object:
    """Parse JSON; errors are located as `FILE:LINE:COL` (`where` holds the line if `line`)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        at = f"{where}:{exc.colno}" if line else f"{where}:{exc.lineno}:{exc.colno}"
        raise _Bad(at, f"not valid JSON ({exc.msg})") from None
    except (ValueError, RecursionError) as exc:
        raise _Bad(where, _json_problem(exc)) from None


def _decode(raw: str | bytes, where: str, *, first: bool) -> str:
    """The text of raw input; a byte that is not UTF-8 is an error naming its column."""
    if isinstance(raw, str):
        return raw.removeprefix("\ufeff") if first else raw
    try:
        return raw.decode("utf-8-sig" if first else "utf-8")
    except UnicodeDecodeError as exc:
        raise _Bad(
            where, f"not valid UTF-8 (0x{raw[exc.start]:02x} at byte {exc.start + 1})"
        ) from None


def _lines(read: Callable[[int], Chunk], limit: int) -> Iterator[tuple[int, Chunk | int]]:
    r"""`(number, line)` for each line, split on `\n` only; a line over `limit` is its length.

    Memory stays within `limit` plus one chunk: a long line is counted, not kept. A last
    line without `\n` is still a line.
    """
    parts: list[Chunk] = []
    size = 0
    n = 0
    while chunk := read(_CHUNK):
        newline = "\n" if isinstance(chunk, str) else b"\n"
        pos = 0
        while (i := chunk.find(newline, pos)) >= 0:
            n += 1
            size += i - pos
            if size > limit:
                yield n, size
            else:
                parts.append(chunk[pos:i])
                yield n, chunk[:0].join(parts)
            parts, size, pos = [], 0, i + 1
        size += len(chunk) - pos
        if size > limit:
            parts = []
        elif pos < len(chunk):
            parts.append(chunk[pos:])
    if size:
        yield n + 1, size if size > limit else parts[0][:0].join(parts)


def _reader(name: str, stdin: TextIO, stack: ExitStack, *, whole: bool) -> Callable[[int], Any]:
    """A `read(n)` for a file or stdin: bytes where possible (so bad UTF-8 is per line).

    With `whole` (one input per file), a regular file over `MAX_RAW_BYTES` is refused before
    anything is read.
    """
    if name == "-":
        buffer = getattr(stdin, "buffer", None)
        if buffer is None:  # a text stream without bytes underneath (io.StringIO)
            return stdin.read
        # read1 returns what is there, so lines are checked as a producer writes them.
        read: Callable[[int], Any] = getattr(buffer, "read1", buffer.read)
        return read
    if os.path.isdir(name):
        raise _Bad(name, "is a directory")
    try:
        f = stack.enter_context(open(name, "rb"))  # noqa: SIM115 - closed by the stack
    except FileNotFoundError:
        raise _Bad(name, "no such file") from None
    except OSError as exc:
        raise _Bad(name, f"cannot read ({exc.strerror or exc})") from None
    except ValueError:  # a NUL in the name
        raise _Bad(name, "not a valid path") from None
    size = os.fstat(f.fileno()).st_size
    if whole and Path(name).is_file() and size > MAX_RAW_BYTES:
        raise _Bad(name, f"{size:,} bytes; the limit is {MAX_RAW_BYTES:,}")
    return f.read1


def _whole(read: Callable[[int], Any], label: str) -> object:
    """One input read whole (bounded) and parsed."""
    chunks: list[Any] = []
    size = 0
    while size <= MAX_RAW_BYTES and (chunk := read(_CHUNK)):
        chunks.append(chunk)
        size += len(chunk)
    if size > MAX_RAW_BYTES:
        raise _Bad(label, f"more than {MAX_RAW_BYTES:,} bytes (the limit)")
    raw = chunks[0][:0].join(chunks) if chunks else ""
    return _load_json(_decode(raw, label, first=True), label)


def _jsonl(read: Callable[[int], Any], label: str) -> Iterator[tuple[str, object]]:
    for n, line in _lines(read, MAX_RAW_BYTES):
        where = f"{label}:{n}"
        if isinstance(line, int):
            yield where, _Bad(where, f"a line of {line:,} bytes; the limit is {MAX_RAW_BYTES:,}")
            continue
        if not line.strip():
            continue
        try:
            yield where, _load_json(_decode(line, where, first=n == 1), where, line=True)
        except _Bad as bad:
            yield where, bad


def _inputs(files: Sequence[str], jsonl: bool, stdin: TextIO) -> Iterator[tuple[str, object]]:
    """`(where, parsed JSON or _Bad)` for each input, in order, read lazily."""
    for name in files:
        label = "<stdin>" if name == "-" else name
        with ExitStack() as stack:
            try:
                read = _reader(name, stdin, stack, whole=not jsonl)
                if not jsonl:
                    yield label, _whole(read, label)
                    continue
            except _Bad as bad:
                yield label, bad
                continue
            yield from _jsonl(read, label)


def _check_one(monitor: Monitor, where: str, data: object) -> tuple[Report, str]:
    """Check one parsed input; any failure becomes `_Bad` (one error line, never a traceback)."""
    if isinstance(data, _Bad):
        raise data
    try:
        inp = parse_check_input(data)
        return monitor.check(inp), inp.output.text
    except InputError as exc:
        raise _Bad(where, str(exc)) from None
    except RecursionError:
        raise _Bad(where, "nested too deeply") from None
    except Exception as exc:  # noqa: BLE001 - one input's failure must not end the batch
        raise _Bad(where, f"{_INTERNAL}: {type(exc).__name__}: {_exc_text(exc)}") from None


_INTERNAL = "internal error (a bug in agentguard: please report it)"


def _exc_text(exc: BaseException) -> str:
    try:
        return str(exc)
    except Exception:  # noqa: BLE001 - an exception whose message cannot be made
        return "(no message)"


def _emit(stream: TextIO, text: str) -> None:
    """Print, with characters the stream cannot encode (a lone surrogate) escaped."""
    try:
        print(text, file=stream)
    except UnicodeEncodeError:
        encoding = getattr(stream, "encoding", None) or "utf-8"
        print(text.encode(encoding, "backslashreplace").decode(encoding), file=stream)


def _show_error(
    monitor: Monitor, args: argparse.Namespace, bad: _Bad, out: TextIO, err: TextIO
) -> None:
    if monitor.trace is not None:
        try:
            monitor.trace.write_error(bad.where, bad.message)
        except (InputError, OSError) as exc:
            _emit(err, f"agentguard: error: {safe_message(str(exc))}")
    if args.json and args.jsonl:
        _emit(out, json.dumps({"error": {"where": bad.where, "message": bad.message}}))
    _emit(err, f"agentguard: error: {bad.where}: {bad.message}")


def _show_report(
    report: Report, text: str, where: str, args: argparse.Namespace, out: TextIO
) -> None:
    if args.json:
        body = redact(report.model_dump(mode="json"))
        if args.jsonl:
            _emit(out, json.dumps({"where": redact_text(where), **body}, ensure_ascii=False))
        else:
            _emit(out, json.dumps(body, indent=2, ensure_ascii=False))
    else:
        if get_redaction().enabled:
            # The same length, so the claims' spans into the output still hold.
            text = redact_text(text, same_length=True)
            report = Report.model_validate(redact(report.model_dump(mode="json")))
        _emit(out, render_report(report, text, title=redact_text(where), color=args.color))
        _emit(out, "")
    out.flush()


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


def cmd_check(args: argparse.Namespace, stdout: TextIO, stderr: TextIO, stdin: TextIO) -> int:
    """Run `agentguard check`."""
    previous = set_redaction(_redaction(args))
    try:
        monitor = Monitor(
            policy=args.policy,
            trace=args.trace,
            calibration=args.calibration,
            policies=_allowed_policies(args.allow_policy),
            trace_inputs=args.trace_inputs,
        )
    except InputError as exc:
        set_redaction(previous)
        _emit(stderr, f"agentguard: error: {exc}")
        return 2
    if args.color is None:
        args.color = stdout.isatty() and "NO_COLOR" not in os.environ
    failed = 0
    try:
        for where, data in _inputs(args.files, args.jsonl, stdin):
            try:
                report, text = _check_one(monitor, where, data)
            except _Bad as bad:
                failed += 1
                _show_error(monitor, args, bad, stdout, stderr)
                continue
            _show_report(report, text, where, args, stdout)
    finally:
        try:
            monitor.close()
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
        message = safe_message(f"{type(exc).__name__}: {_exc_text(exc)}")
        _emit(err, f"agentguard: {_INTERNAL}: {message}")
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
