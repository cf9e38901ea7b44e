"""An index of a trace, in SQLite beside it, so that large traces open fast and filter quickly.

The index (`TRACE.index.sqlite`, next to the trace) holds one row per record (its line, byte
offset and length, kind, time, input id, decision, support, ...) and one row per flagged claim
(tool, parameter, support, label, flag type). It is SQLite because the standard library has
it, it answers filtered, paged queries without loading anything whole, and several readers may
share it. Opening a trace reads only what was
appended since the index was last brought up to date: traces are append-only, so the index keeps
the byte offset it has read to. A trace that shrank or whose header changed is indexed again.
A whole record is read from the trace itself, by seeking to its offset: nothing loads the file
whole.

A line that cannot be read (cut by a crash, not JSON, an unknown kind) is skipped and kept in
`problems` with its line number; it never stops the rest. An eval run folder is opened through
its `trace.jsonl`, with each case's domain taken from its `results.jsonl`.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentguard.errors import InputError
from agentguard.processes import processors

__all__ = ["INDEX_SUFFIX", "Filters", "Row", "TraceIndex", "read_header", "trace_path_of"]

INDEX_SUFFIX = ".index.sqlite"
"""What the index file of `TRACE` is called: `TRACE` followed by this."""
_SCHEMA = 1
_CHUNK = 1 << 22  # bytes read from the trace at a time
_PARALLEL_BYTES = 32 << 20  # more new bytes than this are parsed in worker processes
_BUSY_S = 120.0  # how long a process waits while another writes a piece of the index
_PIECE_BYTES = 4 << 20  # a piece is parsed, written and committed at once

try:  # orjson parses records several times faster; the standard library does the same job
    import orjson

    _loads: Callable[[bytes], Any] = orjson.loads
except ImportError:  # pragma: no cover - orjson comes with the package's dependencies
    _loads = json.loads


def trace_path_of(path: str | Path) -> Path:
    """The trace of `path`: the file itself, or `trace.jsonl` in an eval run folder.

    Raises:
        InputError: when there is no such file, or the folder holds no trace.
    """
    path = Path(path)
    if path.is_dir():
        found = path / "trace.jsonl"
        if not found.is_file():
            raise InputError(str(path), "a folder that holds no trace.jsonl (not an eval run)")
        return found
    if not path.exists():
        raise InputError(str(path), "no such file or folder")
    if not path.is_file():
        raise InputError(str(path), "not a regular file")
    return path


@dataclass(frozen=True)
class Filters:
    """Which records to show. Empty fields filter nothing; the others must all hold.

    The flag, tool, parameter and support filters apply to the flagged claims of a record: a
    record passes when one of its flagged claims passes them all.
    """

    flag_types: tuple[str, ...] = ()
    """Flag types, any of (`silent_assumption`, `contradiction`, ...)."""
    tools: tuple[str, ...] = ()
    params: tuple[str, ...] = ()
    """Argument paths (`origin`, `passengers[0].name`), any of."""
    domains: tuple[str, ...] = ()
    decisions: tuple[str, ...] = ()
    input_id: str | None = None
    """An input id; `*` matches any run of characters."""
    support_min: float | None = None
    support_max: float | None = None
    since: str | None = None
    """ISO time (or its start, such as `2026-12-03`): records at or after it."""
    until: str | None = None
    """ISO time: records before it (a date alone: before the end of that day)."""
    flagged: bool = True
    """Only records with at least one flag."""

    def _claim_terms(self) -> bool:
        return bool(
            self.flag_types or self.tools or self.params or self.support_min is not None
        ) or (self.support_max is not None)


@dataclass(frozen=True)
class Row:
    """One record in a listing: where it is and what it decided."""

    line: int
    """Its line in the trace (from 1; the header is line 1): the record's id in the index."""
    kind: str
    time: str | None
    input_id: str | None
    decision: str | None
    support: float | None
    flags: int
    domain: str | None


@dataclass
class TraceIndex:
    """The index of one trace. Open with `TraceIndex.open(path)`; it is brought up to date."""

    trace: Path
    index_path: Path
    problems: list[str] = field(default_factory=list)
    """The lines that could not be read: `PATH:LINE: what is wrong`."""
    _db: sqlite3.Connection | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _domains: dict[tuple[str | None, str], str] = field(default_factory=dict)

    @classmethod
    def open(
        cls, path: str | Path, *, progress: Callable[[int, int], None] | None = None
    ) -> TraceIndex:
        """Open the index of the trace (or eval run folder) at `path`, brought up to date.

        Args:
            path: A trace file, or an eval run folder.
            progress: Called with (bytes read, bytes in all) while new lines are indexed.

        Raises:
            InputError: when `path` is no trace (see `trace_path_of`), or its first line is
                no trace header.
        """
        trace = trace_path_of(path)
        index = cls(trace=trace, index_path=trace.with_name(trace.name + INDEX_SUFFIX))
        if trace.parent.joinpath("results.jsonl").is_file():
            index._domains = _run_domains(trace.parent / "results.jsonl")
        index.refresh(progress)
        return index

    # -- building ---------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        if self._db is None:
            try:
                self._db = sqlite3.connect(
                    self.index_path, timeout=_BUSY_S, check_same_thread=False
                )
            except sqlite3.OperationalError:  # a read-only folder: an index in memory
                self._db = sqlite3.connect(":memory:", check_same_thread=False)
            try:
                self._db.execute("PRAGMA journal_mode=WAL")
            except sqlite3.DatabaseError:  # a damaged index file: it is only a cache, remade
                self._db.close()
                self.index_path.unlink(missing_ok=True)
                self._db = sqlite3.connect(
                    self.index_path, timeout=_BUSY_S, check_same_thread=False
                )
                self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=OFF")
        return self._db

    def refresh(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Index the lines appended since the last refresh; returns how many were read.

        Several processes may refresh one index at once: each piece is written only if the
        index still ends where this process began it; otherwise it starts again from there.
        """
        with self._lock:
            db = self._connect()
            header = _header(self.trace)
            size = self.trace.stat().st_size
            while True:
                db.execute("BEGIN IMMEDIATE")
                state = _state(db)
                if state is None or state["header"] != header or state["size"] > size:
                    _create(db, header)
                    state = {"header": header, "size": len(header) + 1, "line": 1}
                db.commit()
                self.problems = [f"{self.trace}:{line}: {why}" for line, why in db.execute(
                    "SELECT line, reason FROM bad ORDER BY line")]  # fmt: skip
                try:
                    return self._read_from(
                        db, int(state["size"]), int(state["line"]), size, progress
                    )
                except _Overtaken:
                    continue

    def _read_from(
        self,
        db: sqlite3.Connection,
        offset: int,
        line: int,
        size: int,
        progress: Callable[[int, int], None] | None,
    ) -> int:
        """Index the complete lines from `offset` to `size`, piece by piece, in order.

        A stretch of more than `_PARALLEL_BYTES` is parsed by worker processes (`_can_fork`);
        each piece is written and committed as it comes, so readers see the index fill.
        """
        import concurrent.futures
        import contextlib
        import multiprocessing

        jobs = [
            (str(self.trace), a, b, self._domains) for a, b in _pieces(self.trace, offset, size)
        ]
        count = 0
        bad_all: list[tuple[int, str]] = []
        with contextlib.ExitStack() as stack:
            parse: Callable[..., Any] = map
            if size - offset >= _PARALLEL_BYTES and _can_fork():
                context = multiprocessing.get_context("fork")
                workers = min(len(jobs), processors())
                parse = stack.enter_context(
                    concurrent.futures.ProcessPoolExecutor(workers, mp_context=context)
                ).map
            for records, claims, bad, n, end in parse(_parse_piece, jobs):
                records = [(r[0] + line, *r[1:]) for r in records]
                claims = [(c[0] + line, *c[1:]) for c in claims]
                bad = [(b[0] + line, b[1]) for b in bad]
                _flush(db, records, claims, bad, (offset, end), line + n)
                bad_all += bad
                line += n
                count += n
                offset = end
                if progress is not None:
                    progress(offset, size)
        db.executescript(_INDEXES)  # made after a first bulk load: inserting is faster without
        self.problems += [f"{self.trace}:{n}: {why}" for n, why in bad_all]
        return count

    # -- reading ----------------------------------------------------------------------------

    def _where(self, filters: Filters) -> tuple[str, list[Any]]:
        terms: list[str] = ["r.kind = 'report'"]
        args: list[Any] = []

        def any_of(column: str, values: tuple[Any, ...]) -> None:
            terms.append(f"{column} IN ({', '.join('?' * len(values))})")
            args.extend(values)

        if filters.decisions:
            any_of("r.decision", filters.decisions)
        if filters.domains:
            any_of("r.domain", filters.domains)
        if filters.input_id:
            terms.append("r.input_id GLOB ?")
            args.append(filters.input_id)
        if filters.since:
            terms.append("r.time >= ?")
            args.append(filters.since)
        if filters.until:
            terms.append("r.time < ?")
            args.append(filters.until + ("~" if len(filters.until) <= 10 else ""))
        if filters._claim_terms():
            inner = _claim_where(filters, args)
            # The set of lines is made once: a correlated EXISTS let SQLite walk the claims
            # index by flag for every record, quadratic in a large trace.
            terms.append(f"r.line IN (SELECT c.line FROM claims c WHERE {inner})")
        elif filters.flagged:  # the same records, without a look into the claims
            terms.append("r.flags > 0")
        return " AND ".join(terms), args

    def count(self, filters: Filters = Filters()) -> int:
        """How many report records pass `filters`."""
        where, args = self._where(filters)
        with self._lock:
            found = self._connect().execute(f"SELECT COUNT(*) FROM records r WHERE {where}", args)
            return int(found.fetchone()[0])

    def rows(self, filters: Filters = Filters(), *, offset: int = 0, limit: int = 50) -> list[Row]:
        """A page of the report records that pass `filters`, in trace order."""
        where, args = self._where(filters)
        sql = (
            "SELECT r.line, r.kind, r.time, r.input_id, r.decision, r.support, r.flags, r.domain "
            f"FROM records r WHERE {where} ORDER BY r.line LIMIT ? OFFSET ?"
        )
        with self._lock:
            found = self._connect().execute(sql, [*args, max(0, limit), max(0, offset)])
            return [Row(*values) for values in found.fetchall()]

    def record(self, line: int) -> dict[str, Any]:
        """The whole record on `line`, read from the trace.

        Raises:
            InputError: when no record of the index is on that line.
        """
        with self._lock:
            found = (
                self._connect()
                .execute("SELECT offset, length FROM records WHERE line = ?", (line,))
                .fetchone()
            )
        if found is None:
            raise InputError(f"{self.trace}:{line}", "no record on this line")
        with self.trace.open("rb") as f:
            f.seek(found[0])
            obj = _loads(f.read(found[1]))
        return obj if isinstance(obj, dict) else {}

    def summary(self, filters: Filters = Filters()) -> list[dict[str, Any]]:
        """Flagged claims by tool and parameter, most flagged first.

        Each entry: `tool`, `param` (None for text and question claims), `flags`, `records`,
        `mean_support` and the flag types seen.
        """
        where, args = self._where(filters)
        sql = (
            "SELECT c.tool, c.path, COUNT(*), COUNT(DISTINCT c.line), AVG(c.support), "
            "GROUP_CONCAT(DISTINCT c.flag) FROM claims c JOIN records r ON r.line = c.line "
            f"WHERE c.flag IS NOT NULL AND {where} GROUP BY c.tool, c.path "
            "ORDER BY COUNT(*) DESC, c.tool, c.path"
        )
        with self._lock:
            found = self._connect().execute(sql, args).fetchall()
        return [
            {
                "tool": tool,
                "param": path,
                "flags": n,
                "records": records,
                "mean_support": None if mean is None else round(mean, 4),
                "flag_types": sorted((types or "").split(",")) if types else [],
            }
            for tool, path, n, records, mean, types in found
        ]

    def close(self) -> None:
        """Close the index file."""
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def __enter__(self) -> TraceIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _claim_where(filters: Filters, args: list[Any]) -> str:
    """The terms a flagged claim must meet (its values appended to `args`)."""
    claim: list[str] = ["c.flag IS NOT NULL"]
    for column, values in (
        ("c.flag", filters.flag_types),
        ("c.tool", filters.tools),
        ("c.path", filters.params),
    ):
        if values:
            claim.append(f"{column} IN ({', '.join('?' * len(values))})")
            args.extend(values)
    if filters.support_min is not None:
        claim.append("c.support >= ?")
        args.append(filters.support_min)
    if filters.support_max is not None:
        claim.append("c.support <= ?")
        args.append(filters.support_max)
    return " AND ".join(claim)


def read_header(path: str | Path) -> dict[str, Any]:
    """The header of the trace at `path` (a trace file or an eval run folder), checked.

    Raises:
        InputError: when `path` is no trace, its first line is cut or no trace header, or its
            version is not one this reads.
    """
    found: dict[str, Any] = _loads(_header(trace_path_of(path)))
    return found


def _header(trace: Path) -> bytes:
    with trace.open("rb") as f:
        first = f.readline(1 << 16)
    if not first.endswith(b"\n"):
        raise InputError(str(trace), "not a trace: its first line is no complete header")
    try:
        obj = _loads(first)
    except (ValueError, RecursionError):
        raise InputError(f"{trace}:1", "not a trace: the first line is not JSON") from None
    if not isinstance(obj, dict) or obj.get("kind") != "header":
        raise InputError(f"{trace}:1", "not a trace: the first line is no trace header")
    version = obj.get("version")
    if not isinstance(version, int) or not 1 <= version <= 3:
        raise InputError(
            f"{trace}:1", f"trace version {str(version)[:20]} is not one this reads (1 to 3)"
        )
    return first.rstrip(b"\n")


def _can_fork() -> bool:
    """Whether pieces of a trace may be parsed in forked workers.

    Only on a platform that forks, from the main thread (a forked copy of a process whose
    other threads hold locks may deadlock), with more than one processor.
    """
    import multiprocessing

    return (
        "fork" in multiprocessing.get_all_start_methods()
        and threading.current_thread() is threading.main_thread()
        and processors() > 1
    )


def _pieces(trace: Path, offset: int, size: int) -> list[tuple[int, int]]:
    """`[offset, size)` cut into pieces of about `_PIECE_BYTES` that end at a line end."""
    cuts = [offset]
    with trace.open("rb") as f:
        at = offset + _PIECE_BYTES
        while at < size:
            f.seek(at)
            f.readline()
            end = f.tell()
            if end >= size:
                break
            cuts.append(end)
            at = end + _PIECE_BYTES
    cuts.append(size)
    return list(zip(cuts, cuts[1:], strict=False))


def _parse_piece(
    job: tuple[str, int, int, dict[tuple[str | None, str], str]],
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[int, str]], int, int]:
    """The rows of the complete lines of one piece, lines numbered from 1 within it."""
    path, start, end, domains = job
    records: list[tuple[Any, ...]] = []
    claims: list[tuple[Any, ...]] = []
    bad: list[tuple[int, str]] = []
    line, after = 0, start
    with open(path, "rb") as f:
        f.seek(start)
        for raw, at in _lines(f, start, end):
            line += 1
            _parse_line(raw, line, at, domains, records, claims, bad)
            after = at + len(raw) + 1
    return records, claims, bad, line, after


def _parse_line(
    raw: bytes,
    line: int,
    at: int,
    domains: dict[tuple[str | None, str], str],
    records: list[tuple[Any, ...]],
    claims: list[tuple[Any, ...]],
    bad: list[tuple[int, str]],
) -> None:
    """Add the rows of one line to `records` and `claims`, or why it is unreadable to `bad`."""
    if not raw.strip():
        return
    try:
        obj = _loads(raw)
    except (ValueError, RecursionError):
        bad.append((line, "corrupt record (not JSON): skipped"))
        return
    kind = obj.get("kind") if isinstance(obj, dict) else None
    if kind not in ("report", "error", "event", "summary"):
        bad.append((line, f"unknown record kind {str(kind)[:40]!r}: skipped"))
        return
    if kind == "summary":
        return
    try:
        record, found = _rows(obj, line, at, len(raw), domains)
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        what = str(exc) if isinstance(exc, ValueError) else "a field of the wrong type"
        bad.append((line, f"malformed {kind} record ({what[:80]}): skipped"))
        return
    records.append(record)
    claims.extend(found)


def _lines(f: Any, offset: int, size: int) -> Iterator[tuple[bytes, int]]:
    """Complete lines from `offset` to `size`, with their offsets; a cut last line is left."""
    tail = b""
    at = offset
    while at + len(tail) < size:
        chunk = f.read(min(_CHUNK, size - at - len(tail)))
        if not chunk:
            break
        data = tail + chunk
        start = 0
        while True:
            end = data.find(b"\n", start)
            if end < 0:
                break
            yield data[start:end], at + start
            start = end + 1
        at += start
        tail = data[start:]


_CREATE = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value);
CREATE TABLE records (line INTEGER PRIMARY KEY, offset INTEGER, length INTEGER, kind TEXT,
    time TEXT, input_id TEXT, decision TEXT, support REAL, flags INTEGER, domain TEXT,
    suite TEXT, thread TEXT, run TEXT, step INTEGER);
CREATE TABLE claims (line INTEGER, claim_id TEXT, kind TEXT, tool TEXT, path TEXT,
    support REAL, label TEXT, flag TEXT);
CREATE TABLE bad (line INTEGER PRIMARY KEY, reason TEXT);
CREATE INDEX claims_line ON claims (line);
"""
_INDEXES = """
CREATE INDEX IF NOT EXISTS claims_line ON claims (line);
CREATE INDEX IF NOT EXISTS claims_flag ON claims (flag, tool, path);
CREATE INDEX IF NOT EXISTS records_decision ON records (decision);
CREATE INDEX IF NOT EXISTS records_input ON records (input_id);
"""


def _create(db: sqlite3.Connection, header: bytes) -> None:
    """Make the tables afresh, inside the caller's transaction."""
    for table in ("meta", "records", "claims", "bad"):
        db.execute(f"DROP TABLE IF EXISTS {table}")
    for name in ("claims_line", "claims_flag", "records_decision", "records_input"):
        db.execute(f"DROP INDEX IF EXISTS {name}")
    for statement in _CREATE.split(";"):
        if statement.strip():
            db.execute(statement)
    db.executemany(
        "INSERT INTO meta VALUES (?, ?)",
        [("schema", _SCHEMA), ("header", header), ("size", len(header) + 1), ("line", 1)],
    )


def _state(db: sqlite3.Connection) -> dict[str, Any] | None:
    try:
        found = dict(db.execute("SELECT key, value FROM meta").fetchall())
    except sqlite3.DatabaseError:
        return None
    if found.get("schema") != _SCHEMA or not isinstance(found.get("header"), bytes):
        return None
    return found


class _Overtaken(Exception):
    """Another process indexed the same lines first."""


def _flush(
    db: sqlite3.Connection,
    records: list[tuple[Any, ...]],
    claims: list[tuple[Any, ...]],
    bad: list[tuple[int, str]],
    piece: tuple[int, int],
    line: int,
) -> None:
    """Write the rows of the bytes `piece` (start, end), if the index still ends at its start."""
    db.execute("BEGIN IMMEDIATE")
    if db.execute("SELECT value FROM meta WHERE key = 'size'").fetchone() != (piece[0],):
        db.rollback()
        raise _Overtaken
    db.executemany("INSERT OR REPLACE INTO records VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", records)
    db.executemany("INSERT INTO claims VALUES (?,?,?,?,?,?,?,?)", claims)
    db.executemany("INSERT OR REPLACE INTO bad VALUES (?, ?)", bad)
    db.executemany("UPDATE meta SET value = ? WHERE key = ?", [(piece[1], "size"), (line, "line")])
    db.commit()
    records.clear()
    claims.clear()


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _rows(
    obj: dict[str, Any],
    line: int,
    at: int,
    length: int,
    domains: dict[tuple[str | None, str], str],
) -> tuple[tuple[Any, ...], list[tuple[Any, ...]]]:
    """The index rows of one record: its `records` row and the rows of its flagged claims."""
    report = obj.get("report") if obj["kind"] == "report" else None
    input_id = _text(obj.get("input_id"))
    metadata = obj.get("metadata")
    domain = _text(metadata.get("domain")) if isinstance(metadata, dict) else None
    if domain is None and input_id is not None:
        domain = domains.get((_text(obj.get("suite")), input_id)) or domains.get((None, input_id))
    claims: list[tuple[Any, ...]] = []
    decision = support = None
    n_flags = 0
    if obj["kind"] == "report" and not _report_shaped(report):
        raise ValueError("no report of the trace format")
    if isinstance(report, dict):
        decision = _text(report["decision"].get("action"))
        value = report.get("support")
        support = float(value) if isinstance(value, (int, float)) else None
        flags: dict[str | None, str] = {}
        for flag in report.get("flags") or []:
            flags.setdefault(_text(flag.get("claim_id")), str(flag.get("type")))
        n_flags = len(report.get("flags") or [])
        if flags:  # only flagged claims are indexed: the viewer reads the rest from the trace
            for claim in report.get("claims") or []:
                cid = claim.get("id")
                if cid in flags:
                    claims.append((
                        line, cid, claim.get("kind"), claim.get("tool"), claim.get("path"),
                        claim.get("support"), claim.get("label"), flags[cid],
                    ))  # fmt: skip
            if None in flags:  # a flag on no claim: a malformed tool call
                claims.append((line, None, None, None, None, None, None, flags[None]))
    record = (
        line, at, length, obj["kind"], _text(obj.get("time")), input_id, decision, support,
        n_flags, domain, _text(obj.get("suite")), _text(obj.get("thread")),
        _text(obj.get("run")), obj.get("step") if isinstance(obj.get("step"), int) else None,
    )  # fmt: skip
    return record, claims


def _report_shaped(report: Any) -> bool:
    """Whether `report` has the shape a report record's report has (the index reads these)."""
    if not isinstance(report, dict) or not isinstance(report.get("decision"), dict):
        return False
    return all(isinstance(report.get(k, []), list) for k in ("claims", "flags"))


def _run_domains(results: Path) -> dict[tuple[str | None, str], str]:
    """(suite, case) -> domain, from an eval run's `results.jsonl` (unreadable lines skipped)."""
    out: dict[tuple[str | None, str], str] = {}
    with results.open("rb") as f:
        for raw in f:
            try:
                row = _loads(raw)
            except (ValueError, RecursionError):
                continue
            if isinstance(row, dict) and isinstance(row.get("case"), str):
                domain = row.get("domain")
                if isinstance(domain, str):
                    out[(_text(row.get("suite")), row["case"])] = domain
                    out.setdefault((None, row["case"]), domain)
    return out
