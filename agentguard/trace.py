"""Append-only JSONL traces: a versioned header, one record per report, a summary line.

Agent runs add `event` records (a tool error, a clarifying question and its answer, a run's
end) between the reports, each naming its run and step.

Each record is written whole and flushed before `write` returns, so a crash loses at most the
record being written and never corrupts earlier ones. Secrets (API keys, Authorization headers)
are redacted before anything reaches the file.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from agentguard.errors import InputError
from agentguard.types import Report

TRACE_VERSION = 2
"""Bumped on any change to the record format (2 added `event` records from agent runs)."""
READABLE_VERSIONS = (1, 2)
"""Trace versions `read_trace` understands; a writer appends only to its own version."""

_SECRET_KEY = re.compile(
    r"^(?:api[_-]?key|x-api-key|authorization|proxy-authorization|secret|client[_-]?secret"
    r"|password|access[_-]?token|refresh[_-]?token|bearer)$",
    re.IGNORECASE,
)
_SECRET_VALUE = re.compile(
    r"\b(?:sk-[A-Za-z0-9_-]{12,}|Bearer\s+[A-Za-z0-9._~+/=-]{8,}|AKIA[0-9A-Z]{16}"
    r"|(?:api[_-]?key|access[_-]?token)=[^\s&\"']+)",
    re.IGNORECASE,
)
REDACTED = "[REDACTED]"


class TraceError(InputError):
    """A trace that cannot be opened, read or written."""


def redact(node: Any) -> Any:
    """A copy of `node` with secret-looking keys and values replaced by `[REDACTED]`."""
    if isinstance(node, dict):
        return {
            k: REDACTED if isinstance(k, str) and _SECRET_KEY.match(k) else redact(v)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [redact(v) for v in node]
    if isinstance(node, str):
        return _SECRET_VALUE.sub(REDACTED, node)
    return node


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


def _lock(handle: IO[str], path: Path) -> None:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows has no fcntl; one writer is then on trust
        return
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise TraceError(str(path), "another writer has this trace open") from None


class TraceWriter:
    """Writes reports to a JSONL trace; appends to an existing trace of the same version.

    Example:
        >>> with TraceWriter(tmp / "run.jsonl") as trace:  # doctest: +SKIP
        ...     trace.write(report)
    """

    def __init__(self, path: str | Path, *, meta: dict[str, Any] | None = None) -> None:
        self.path = Path(path)
        self._counts: Counter[str] = Counter()
        self._flags: Counter[str] = Counter()
        self._events: Counter[str] = Counter()
        self._records = 0
        self._errors = 0
        self._lock = threading.Lock()
        self._closed = False
        existing = self.path.exists() and self.path.stat().st_size > 0
        if existing:
            # Refuse to append to something that is not our trace, or to another version.
            version = read_header(self.path).get("version")
            if version != TRACE_VERSION:
                raise TraceError(
                    str(self.path),
                    f"trace version {version}; new records would be version {TRACE_VERSION} "
                    "(write to a new file)",
                )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file: IO[str] = self.path.open("a", encoding="utf-8")
        _lock(self._file, self.path)
        if not existing:
            header = {"version": TRACE_VERSION, "kind": "header", "created": _now()}
            header.update(redact(meta or {}))
            self._emit(header)

    def _emit(self, obj: dict[str, Any]) -> None:
        line = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
        self._file.write(line + "\n")
        self._file.flush()

    def write(
        self,
        report: Report,
        *,
        input_id: str | None = None,
        metadata: dict[str, Any] | None = None,
        **extra: Any,
    ) -> None:
        """Append one report record (thread-safe)."""
        record: dict[str, Any] = {"kind": "report", "time": _now()}
        if input_id is not None:
            record["input_id"] = input_id
        if metadata:
            record["metadata"] = metadata
        record.update(extra)
        record["report"] = report.model_dump(mode="json")
        with self._lock:
            self._check_open()
            self._records += 1
            record["seq"] = self._records
            self._emit(redact(record))
            self._counts[report.decision.action] += 1
            self._flags.update(f.type for f in report.flags)

    def write_error(self, where: str, message: str, **extra: Any) -> None:
        """Append a record for an input that could not be checked."""
        with self._lock:
            self._check_open()
            self._errors += 1
            record = {"kind": "error", "time": _now(), "where": where, "error": message, **extra}
            self._emit(redact(record))

    def write_event(self, event: str, **fields: Any) -> None:
        """Append one event record of an agent run (thread-safe)."""
        with self._lock:
            self._check_open()
            self._events[event] += 1
            record = {"kind": "event", "time": _now(), "event": event, **fields}
            self._emit(redact(record))

    def _check_open(self) -> None:
        if self._closed:
            raise TraceError(str(self.path), "trace is closed")

    def close(self) -> None:
        """Write the summary line and close the file (idempotent)."""
        with self._lock:
            if self._closed:
                return
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
            self._closed = True
            self._file.close()

    def __enter__(self) -> TraceWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


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
        """The report records as `Report` objects."""
        return [Report.model_validate(r["report"]) for r in self.records if r["kind"] == "report"]


def read_header(path: Path) -> dict[str, Any]:
    """The header of a trace file, checked for kind and version."""
    with path.open(encoding="utf-8") as f:
        first = f.readline()
    try:
        header = json.loads(first)
    except ValueError:
        raise TraceError(f"{path}:1", "not a trace: the first line is not JSON") from None
    if not isinstance(header, dict) or header.get("kind") != "header":
        raise TraceError(f"{path}:1", "not a trace: the first line is not a header")
    if header.get("version") not in READABLE_VERSIONS:
        raise TraceError(
            f"{path}:1",
            f"trace version {header.get('version')!r}; this agentguard reads "
            + ", ".join(map(str, READABLE_VERSIONS)),
        )
    return header


def read_trace(path: str | Path) -> Trace:
    """Read a trace; a cut last line (a crash mid-write) is skipped and reported as `truncated`."""
    path = Path(path)
    if not path.exists():
        raise TraceError(str(path), "no such trace file")
    trace = Trace(header=read_header(path))
    lines = path.read_text(encoding="utf-8").split("\n")
    last = len(lines) - 1
    for n, line in enumerate(lines[1:], 2):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            if n - 1 == last:  # the final line had no newline: the writer died mid-record
                trace.truncated = True
                continue
            raise TraceError(f"{path}:{n}", "corrupt record (not JSON)") from None
        kind = obj.get("kind") if isinstance(obj, dict) else None
        if kind == "summary":
            trace.summaries.append(obj)
        elif kind in ("report", "error", "event"):
            trace.records.append(obj)
        else:
            raise TraceError(f"{path}:{n}", f"unknown record kind {kind!r}")
    return trace
