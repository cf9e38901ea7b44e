"""`agentguard view`: the viewer, served on the loopback interface or written as one HTML file."""

from __future__ import annotations

import argparse
import time
import webbrowser
from pathlib import Path
from typing import Any, TextIO

from agentguard.atomic import write_text_atomic
from agentguard.errors import safe_message
from agentguard.inspection.inspect_command import MAX_PROBLEMS_SHOWN
from agentguard.viewer.data import TraceView
from agentguard.viewer.page import MAX_EMBEDDED, embedded_data, render_page
from agentguard.viewer.server import ViewServer

__all__ = ["add_parsers", "cmd_view"]


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text[:20]!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port (0 to 65535)")
    return value


def add_parsers(sub: Any) -> None:
    """Add the `view` subcommand to the `agentguard` parser's subparsers."""
    p = sub.add_parser(
        "view",
        help="open a trace or eval run folder in the browser (served on 127.0.0.1)",
        description="Serve a viewer of a trace (or an eval run folder) on this machine's "
        "loopback interface and print its address; with -o, write it as one HTML file.",
    )
    p.add_argument("path", metavar="TRACE|RUN_DIR", help="a trace file or an eval run folder")
    p.add_argument("--port", type=_port, default=8765, help="port (default 8765; 0: any free)")
    p.add_argument(
        "--host", default="127.0.0.1", help="address to serve on (default 127.0.0.1, this machine)"
    )
    p.add_argument("--no-open", action="store_true", help="do not open a browser")
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE.html",
        help=f"write one self-contained HTML file (at most {MAX_EMBEDDED:,} records) and exit",
    )
    p.set_defaults(func=cmd_view)


def cmd_view(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Run `agentguard view`; returns the exit code (2 for a path that is no trace).

    Raises:
        InputError: for a path that is no trace, or whose header is cut or foreign.
    """
    view = TraceView(args.path)
    if args.output:
        return _write(view, Path(args.output), stdout, stderr)
    try:
        server = ViewServer(view, args.host, args.port)
    except OSError as exc:
        print(f"agentguard: cannot serve on {args.host}:{args.port} ({exc.strerror})", file=stderr)
        return 2
    view.start()
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"warning: serving on {args.host}: others on the network can read it", file=stderr)
    print(f"agentguard view: {server.url}  (Ctrl-C to stop)", file=stdout, flush=True)
    if not args.no_open:
        webbrowser.open(server.url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        view.close()
    return 0


def _write(view: TraceView, out: Path, stdout: TextIO, stderr: TextIO) -> int:
    started = time.monotonic()
    data = embedded_data(view, limit=MAX_EMBEDDED)
    _warn(view, stderr)
    if data["shown"] < data["total"]:
        print(
            f"agentguard: warning: the file holds {data['shown']:,} of the {data['total']:,} "
            "records (flagged ones first); serve the trace with `agentguard view` to see them all",
            file=stderr,
        )
    write_text_atomic(out, render_page(data, title=str(view.path)))
    view.close()
    took = time.monotonic() - started
    print(f"wrote {out} ({data['shown']:,} records, {took:.1f} s)", file=stdout)
    return 0


def _warn(view: TraceView, stderr: TextIO) -> None:
    """The trace's warnings, each unreadable line named as `agentguard inspect` names it."""
    for note in view.notes():
        print(f"agentguard: warning: {note}", file=stderr)
    problems = view.problems
    for problem in problems[:MAX_PROBLEMS_SHOWN]:
        print(f"agentguard: warning: {safe_message(problem, words=False)}", file=stderr)
    if len(problems) > MAX_PROBLEMS_SHOWN:
        more = len(problems) - MAX_PROBLEMS_SHOWN
        print(f"agentguard: warning: {more} more unreadable lines skipped", file=stderr)
    cut = view.cut_line()
    if cut is not None:
        print(f"agentguard: warning: {safe_message(str(view.trace), words=False)}:{cut}: "
              "the last line is cut (a crash, or a writer still writing it): skipped",
              file=stderr)  # fmt: skip
