"""Append-only JSONL traces: a versioned header, one record per report, a summary line.

Agent runs add `event` records (a tool error, a clarifying question and its answer, a run's
end) between the reports, each naming its run and step.

Several writers (threads, processes) may append to one trace. Each record is one `os.write` of
a whole line, made under an exclusive `flock` on the file, so records never interleave, the
file gets exactly one header, and a record is on disk before `write` returns. A writer killed
mid-record leaves at most a cut last line; the next writer to take the lock cuts it away before
appending, so the file only ever holds whole records. Every record names the writer that made
it (`writer`). Secrets (API keys, Authorization headers) are redacted before anything reaches
the file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import secrets
import threading
import weakref
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from agentguard.atomic import append_whole, cut_partial_line, file_lock, first_line
from agentguard.errors import InputError, from_validation_error
from agentguard.inputs import CheckInput
from agentguard.redaction import redact
from agentguard.types import Report

TRACE_VERSION = 3
"""Bumped on any change to the record format (2 added `event` records from agent runs; 3 the
`writer` of each record and the `checked` and `estimator_error` fields of a report)."""
READABLE_VERSIONS = (1, 2, 3)
"""Trace versions `read_trace` understands; a writer appends only to its own version."""


class TraceError(InputError):
    """A trace that cannot be opened, read or written."""


_HEADER_START = f'{{"version":{TRACE_VERSION},"kind":"header"'.encode()
"""How every header this module writes begins; a file holding only a cut of it is a new trace."""
_MAX_HEADER = 1 << 20
"""The longest first line read as a header (headers are small; a longer line is no trace)."""
_OPEN_FLAGS = os.O_RDWR | os.O_APPEND | os.O_CREAT | getattr(os, "O_BINARY", 0)


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


def _short(value: object) -> str:
    """`repr(value)` cut to a short prefix, for error messages."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _line(obj: dict[str, Any]) -> bytes:
    """One record as a UTF-8 JSON line, newline included."""
    try:
        return (json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
    except UnicodeEncodeError:
        # A lone surrogate has no UTF-8 form; escaped JSON keeps it and reads back the same.
        return (json.dumps(obj, separators=(",", ":")) + "\n").encode()


@contextlib.contextmanager
def _io(path: Path, doing: str) -> Iterator[None]:
    """Turn an OS error on the trace into a `TraceError` naming the file."""
    try:
        yield
    except OSError as e:
        raise TraceError(str(path), f"cannot {doing} the trace ({e.strerror})") from None


def _parse_header(first: bytes, where: str) -> dict[str, Any]:
    """The header in a trace's first line, checked for kind and version."""
    try:
        header = json.loads(first.decode("utf-8"))
    except (ValueError, RecursionError):
        raise TraceError(where, "not a trace: the first line is not JSON") from None
    if not isinstance(header, dict) or header.get("kind") != "header":
        raise TraceError(where, "not a trace: the first line is not a header")
    if header.get("version") not in READABLE_VERSIONS:
        raise TraceError(
            where,
            f"trace version {_short(header.get('version'))}; this agentguard reads "
            + ", ".join(map(str, READABLE_VERSIONS)),
        )
    return header


def input_sha256(inp: CheckInput) -> str:
    """SHA-256 of the canonical JSON of an input's messages and output.

    Canonical: the messages and output as validated (so a dict and an SDK or LangChain object of
    the same conversation hash alike), `None` fields left out, keys sorted, no spaces, UTF-8.
    """
    data = inp.model_dump(mode="json", include={"messages", "output"}, exclude_none=True)
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def flagged_spans(report: Report) -> list[dict[str, Any]]:
    """For each flag: its type, claim id and where the claim is in the output, with its text."""
    claims = {c.id: c for c in report.claims}
    out: list[dict[str, Any]] = []
    for flag in report.flags:
        entry: dict[str, Any] = {"type": flag.type, "claim_id": flag.claim_id}
        claim = claims.get(flag.claim_id) if flag.claim_id is not None else None
        if claim is None:
            entry["message"] = flag.message  # a malformed tool call has no claim
        else:
            entry["kind"] = claim.kind
            for name in ("span", "tool", "call_id", "path"):
                if (value := getattr(claim, name)) is not None:
                    entry[name] = list(value) if name == "span" else value
            entry["text"] = claim.text
        out.append(entry)
    return out


def provenance(inp: CheckInput, report: Report, *, context: bool = False) -> dict[str, Any]:
    """The fields that tie a report record to its input (`TraceWriter.write`'s extra fields).

    `input_sha256` when the input has no id, the output text, the flagged spans, and, when
    `context` is true, the messages, tools and documents the output was checked against.
    """
    fields: dict[str, Any] = {}
    if inp.id is None:
        fields["input_sha256"] = input_sha256(inp)
    fields["output_text"] = inp.output.text
    fields["flagged_spans"] = flagged_spans(report)
    if context:
        fields["context"] = inp.model_dump(
            mode="json", include={"messages", "tools", "documents"}, exclude_none=True
        )
    return fields


@dataclass(frozen=True)
class PreparedRecord:
    """A report record made ready to append (`TraceWriter.write_prepared`).

    Its redacted JSON without the `seq` and `writer` fields the writer adds, and what the
    writer's summary counts.
    """

    body: bytes
    """The record's JSON object, `}` last, no newline."""
    action: str
    flags: tuple[str, ...]


def prepare_record(
    report: Report,
    *,
    input_id: str | None = None,
    metadata: dict[str, Any] | None = None,
    **extra: Any,
) -> PreparedRecord:
    """A report record for `TraceWriter.write_prepared`: the costly part of `write`.

    Turning the report into redacted JSON happens here, so that worker processes can do it and
    one writer append what they made.
    """
    record: dict[str, Any] = {"kind": "report", "time": _now()}
    if input_id is not None:
        record["input_id"] = input_id
    if metadata:
        record["metadata"] = metadata
    record.update(extra)
    record["report"] = report.model_dump(mode="json")
    body = _line(redact(record))[:-1]
    return PreparedRecord(body, report.decision.action, tuple(f.type for f in report.flags))


class TraceWriter:
    """Writes reports to a JSONL trace; appends to an existing trace of the same version.

    Any number of writers, in threads or processes, may append to one trace at once (see the
    module docstring). A writer inherited by a forked process continues there under a writer id
    of its own.

    Example:
        >>> with TraceWriter(tmp / "run.jsonl") as trace:  # doctest: +SKIP
        ...     trace.write(report)
    """

    def __init__(self, path: str | Path, *, meta: dict[str, Any] | None = None) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._closed = False
        self._begin()
        self._header: dict[str, Any] = {"version": TRACE_VERSION, "kind": "header"}
        self._header["created"] = _now()
        self._header.update(redact(meta or {}))
        self._open()
        try:
            with _io(self.path, "write"), file_lock(self._fd, exclusive=True):
                self._check_existing()
                self._append(None)
        except BaseException:
            self._finalizer()
            raise
        _WRITERS.add(self)

    def _open(self) -> None:
        with _io(self.path, "open"):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, _OPEN_FLAGS, 0o644)
        self._finalizer = weakref.finalize(self, os.close, self._fd)

    def _begin(self) -> None:
        """Start this writer's counts under a fresh writer id."""
        self.writer_id = secrets.token_hex(4)
        """Names this writer in each record it writes (`writer`); `seq` counts within it."""
        self._pid = os.getpid()
        self._counts: Counter[str] = Counter()
        self._flags: Counter[str] = Counter()
        self._events: Counter[str] = Counter()
        self._records = 0
        self._errors = 0

    def _check_existing(self) -> None:
        """Refuse a file that is not a trace of this version; drop a header cut by a crash."""
        size = os.fstat(self._fd).st_size
        if size == 0:
            return
        first = first_line(self._fd, _MAX_HEADER)
        cut = not first.endswith(b"\n") and len(first) == size
        if cut and (_HEADER_START.startswith(first) or first.startswith(_HEADER_START)):
            return  # the writer that created the file died writing the header: `_append` cuts it
        version = _parse_header(first, f"{self.path}:1").get("version")
        if version != TRACE_VERSION:
            raise TraceError(
                str(self.path),
                f"trace version {version}; new records would be version {TRACE_VERSION} "
                "(write to a new file)",
            )

    def _append(self, line: bytes | None) -> None:
        """Append `line` (under the file lock): cut a dead writer's partial line, then write.

        An empty file gets the header first, so however many writers start on a new file at
        once, the first to take the lock writes the one header and the others see it.
        """
        size = cut_partial_line(self._fd)
        if size == 0:
            size = append_whole(self._fd, _line({**self._header, "writer": self.writer_id}), 0)
        if line is not None:
            append_whole(self._fd, line, size)

    def _own(self) -> None:
        """Check that the writer is open and this process's own (the caller holds `self._lock`).

        A forked child shares its parent's descriptor, and with it the lock: the child gets a
        descriptor of its own and a new writer id, its counts start from zero.
        """
        if self._closed:
            raise TraceError(str(self.path), "trace is closed")
        if os.getpid() != self._pid:
            self._finalizer.detach()
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._begin()
            self._open()

    def _emit(self, record: dict[str, Any]) -> None:
        """Write one record whole (the caller holds `self._lock` and has called `_own`)."""
        record["writer"] = self.writer_id
        line = _line(redact(record))
        with _io(self.path, "write"), file_lock(self._fd, exclusive=True):
            self._append(line)

    def write(
        self,
        report: Report,
        *,
        input_id: str | None = None,
        metadata: dict[str, Any] | None = None,
        **extra: Any,
    ) -> None:
        """Append one report record (thread-safe)."""
        self.write_prepared(prepare_record(report, input_id=input_id, metadata=metadata, **extra))

    def write_prepared(self, record: PreparedRecord) -> None:
        """Append a report record made by `prepare_record`, perhaps in another process."""
        with self._lock:
            self._own()
            self._records += 1
            tail = f',"seq":{self._records},"writer":{json.dumps(self.writer_id)}}}\n'
            line = record.body[:-1] + tail.encode()
            try:
                with _io(self.path, "write"), file_lock(self._fd, exclusive=True):
                    self._append(line)
            except BaseException:
                self._records -= 1
                raise
            self._counts[record.action] += 1
            self._flags.update(record.flags)

    def write_error(self, where: str, message: str, **extra: Any) -> None:
        """Append a record for an input that could not be checked."""
        with self._lock:
            self._own()
            self._emit({"kind": "error", "time": _now(), "where": where, "error": message, **extra})
            self._errors += 1

    def write_event(self, event: str, **fields: Any) -> None:
        """Append one event record of an agent run (thread-safe)."""
        with self._lock:
            self._own()
            self._emit({"kind": "event", "time": _now(), "event": event, **fields})
            self._events[event] += 1

    def close(self) -> None:
        """Write this writer's summary line and close the file (idempotent)."""
        with self._lock:
            if self._closed:
                return
            try:
                self._own()
                self._emit(
                    {
                        "kind": "summary",
                        "time": _now(),
                        "records": self._records,
                        "errors": self._errors,
                        "decisions": dict(self._counts),
                        "flags": dict(self._flags),
                        "events": dict(self._events),
                    }
                )
            finally:
                self._closed = True
                self._finalizer()

    def __enter__(self) -> TraceWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_WRITERS: weakref.WeakSet[TraceWriter] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    # A lock held by another thread at the fork would stay held forever in the child.
    for writer in list(_WRITERS):
        writer._lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


@dataclass
class Trace:
    """A trace read back: header, records in order, summaries, and whether the tail was cut."""

    header: dict[str, Any]
    records: list[dict[str, Any]] = field(default_factory=list)
    summaries: list[dict[str, Any]] = field(default_factory=list)
    truncated: bool = False

    @property
    def events(self) -> list[dict[str, Any]]:
        """The event records of agent runs, in order."""
        return [r for r in self.records if r["kind"] == "event"]

    @property
    def reports(self) -> list[Report]:
        """The report records as `Report` objects.

        Raises:
            TraceError: naming the record (counted from 1 among `records`) that is no report.
        """
        out: list[Report] = []
        for n, record in enumerate(self.records, 1):
            if record["kind"] != "report":
                continue
            try:
                out.append(Report.model_validate(record.get("report")))
            except ValidationError as exc:
                where, what = from_validation_error(exc, f"records[{n - 1}].report")
                raise TraceError(where, what) from None
        return out


def _read(path: Path, whole: bool) -> bytes:
    """The file's bytes (or its first line) read under a shared lock: no record half-written."""
    if not path.exists():
        raise TraceError(str(path), "no such trace file")
    if not path.is_file():
        raise TraceError(str(path), "not a regular file")
    with _io(path, "read"):
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        with _io(path, "read"), file_lock(fd, exclusive=False, required=False):
            if not whole:
                return first_line(fd, _MAX_HEADER)
            with open(fd, "rb", closefd=False) as f:
                return f.read()
    finally:
        os.close(fd)


def read_header(path: str | Path) -> dict[str, Any]:
    """The header of a trace file, checked for kind and version."""
    path = Path(path)
    return _parse_header(_read(path, whole=False), f"{path}:1")


def read_trace(path: str | Path) -> Trace:
    """Read a trace; a cut last line (a crash mid-write) is skipped and reported as `truncated`.

    A line counts once its newline is written: a last line without one is a record cut by a
    crash (the next writer removes it), even when what is there happens to parse.
    """
    path = Path(path)
    lines = _read(path, whole=True).split(b"\n")
    trace = Trace(header=_parse_header(lines[0], f"{path}:1"))
    if len(lines) > 1 and lines[-1]:
        trace.truncated = True
    for n, raw in enumerate(lines[1:-1], 2):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw.decode("utf-8"))
        except (ValueError, RecursionError):
            raise TraceError(f"{path}:{n}", "corrupt record (not JSON)") from None
        kind = obj.get("kind") if isinstance(obj, dict) else None
        if kind == "summary":
            trace.summaries.append(obj)
        elif kind in ("report", "error", "event"):
            trace.records.append(obj)
        else:
            raise TraceError(f"{path}:{n}", f"unknown record kind {_short(kind)}")
    return trace
