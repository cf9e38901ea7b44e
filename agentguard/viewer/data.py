"""What the viewer's page reads: pages of a trace's records, whole records with their sources.

`TraceView` wraps the trace's `TraceIndex`. A trace not indexed yet is indexed in a background
thread while the page is already served: every batch the index commits is readable at once,
so the first pages show while the rest is read, with its progress in `status()`. Nothing here
loads the trace whole: a page reads only the records it shows, by their byte offsets.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from agentguard.context import build_context
from agentguard.errors import InputError, clip
from agentguard.inputs import parse_check_input
from agentguard.inspection.index import (
    INDEX_SUFFIX,
    Filters,
    Row,
    TraceIndex,
    read_header,
    trace_path_of,
)
from agentguard.inspection.labels import add_label, load_labels
from agentguard.viewer.evalrun import RunView
from agentguard.viewer.query import PAGE_KEYS, filters_of, one, values

__all__ = ["MAX_PAGE", "TraceView"]

MAX_PAGE = 200
"""The most records one page of `/api/rows` holds."""
_PREVIEW = 160
_MAX_PROBLEMS = 200


def _glob_literal(text: str) -> str:
    """`text` as a GLOB pattern that matches only itself."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)


class TraceView:
    """A trace (or eval run folder) as the viewer shows it.

    Example:
        >>> view = TraceView("trace.jsonl")  # doctest: +SKIP
        >>> view.start()  # indexes in the background; pages are served meanwhile
        >>> view.rows({"tool": ["book_flight"]})["total"]  # doctest: +SKIP
    """

    def __init__(self, path: str | Path) -> None:
        """Check that `path` is a trace or an eval run folder; nothing is indexed yet.

        Raises:
            InputError: when `path` is no trace, or its header is cut, foreign or of an
                unknown version.
        """
        self.path = Path(path)
        self.trace = trace_path_of(path)
        self.header = read_header(self.trace)
        self.run = RunView.open(self.trace.parent) if self._is_run() else None
        self._size = self.trace.stat().st_size
        self._read = 0
        self._done = threading.Event()
        self._error: str | None = None
        self._built: TraceIndex | None = None
        # Reads what the indexing thread has committed so far, through its own connection.
        self._reader = TraceIndex(
            trace=self.trace, index_path=self.trace.with_name(self.trace.name + INDEX_SUFFIX)
        )
        self._thread: threading.Thread | None = None
        self._tail_lock = threading.Lock()
        self._counted = (0, 0)  # bytes of the trace counted by `cut_line`, newlines in them

    def _is_run(self) -> bool:
        return self.trace.name == "trace.jsonl" and (self.trace.parent / "results.jsonl").is_file()

    # -- indexing -----------------------------------------------------------------------------

    def start(self) -> None:
        """Bring the index up to date in a background thread (once)."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._index, name="agentguard-index", daemon=True
            )
            self._thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the index to be up to date; whether it is."""
        self.start()
        return self._done.wait(timeout)

    def _index(self) -> None:
        def progress(read: int, size: int) -> None:
            self._read, self._size = read, size

        try:
            # The size before reading: what is appended meanwhile is left to `catch_up`.
            size = self.trace.stat().st_size
            self._built = TraceIndex.open(self.trace, progress=progress)
            self._read = self._size = size
        except (InputError, OSError, sqlite3.Error) as exc:
            self._error = clip(str(exc), 300)
        finally:
            self._done.set()

    @property
    def index(self) -> TraceIndex:
        """The index to read: the finished one, or what has been committed so far."""
        return self._built if self._built is not None else self._reader

    def catch_up(self) -> None:
        """Index the lines appended to the trace since it was indexed (once indexing is done).

        Cheap when the trace has not grown: one `stat`. A trace replaced by another is
        indexed anew (see `TraceIndex.refresh`).
        """
        if self._built is None or not self._done.is_set():
            return
        try:
            size = self.trace.stat().st_size
            if size != self._size:
                self._built.refresh()
                self._read = self._size = size
        except (InputError, OSError, sqlite3.Error) as exc:
            self._error = clip(str(exc), 300)

    def cut_line(self) -> int | None:
        """The number of the trace's last line when it is cut (no newline yet), else None.

        Counted incrementally: a trace only grows, so only the bytes appended since the last
        count are read.
        """
        with self._tail_lock, self.trace.open("rb") as f:
            size = f.seek(0, 2)
            if size == 0:
                return None
            f.seek(size - 1)
            if f.read(1) == b"\n":
                return None
            at, newlines = self._counted if self._counted[0] <= size else (0, 0)
            f.seek(at)
            while at < size:
                chunk = f.read(min(1 << 22, size - at))
                if not chunk:
                    break
                newlines += chunk.count(b"\n")
                at += len(chunk)
            self._counted = (at, newlines)
            return newlines + 1

    def notes(self) -> list[str]:
        """Warnings about the trace as a whole: an old version, an eval run's missing parts."""
        version = self.header.get("version")
        warnings = []
        if version == 2 or version == 1:
            warnings.append(
                f"This trace is of version {version}: it holds no output text, so each output "
                "is shown from its claims."
            )
        return warnings + (self.run.warnings if self.run is not None else [])

    @property
    def problems(self) -> list[str]:
        """The lines that could not be read, `TRACE:LINE: why` (once indexing is done)."""
        return list(self._built.problems) if self._built is not None else []

    def status(self) -> dict[str, Any]:
        """Where indexing stands, what the trace is, and the lines that could not be read.

        Brought up to date with the trace first (`catch_up`): lines appended since show in
        `problems` and `warnings` as they do in the pages of records.
        """
        self.catch_up()
        problems = self.problems
        warnings = self.notes()
        if problems:
            warnings.append(f"{len(problems)} line(s) of the trace could not be read: skipped.")
        cut = self.cut_line() if self._done.is_set() else None
        if cut is not None:
            warnings.append(
                f"Line {cut} of the trace is cut (a crash, or a writer still writing it): skipped."
            )
        return {
            "trace": str(self.trace),
            "path": str(self.path),
            "version": self.header.get("version"),
            "kind": "run" if self.run is not None else "trace",
            "indexing": not self._done.is_set(),
            "read": self._read,
            "size": self._size,
            "error": self._error,
            "warnings": warnings,
            "problems": [_problem(p, str(self.trace)) for p in problems[:_MAX_PROBLEMS]],
            "n_problems": len(problems),
            "cut_line": cut,
        }

    # -- reading ------------------------------------------------------------------------------

    def rows(self, query: Mapping[str, Sequence[str]]) -> dict[str, Any]:
        """One page of records: `{total, offset, limit, rows, indexing}`.

        `offset` and `limit` page it; `cases` (suite/case or case ids, comma-separated) keeps
        only those inputs, flagged or not, as a reliability bin or a miss names them.

        Raises:
            InputError: for a bad filter, offset or limit.
        """
        filters = filters_of(query, PAGE_KEYS)
        offset = _count(one(query, "offset"), "offset", 0)
        limit = min(MAX_PAGE, _count(one(query, "limit"), "limit", 50))
        cases = values(query, "cases")
        self.catch_up()
        try:
            if cases:
                total, rows = self._case_rows(cases, offset, limit)
            else:
                total = self.index.count(filters)
                rows = self.index.rows(filters, offset=offset, limit=limit)
        except sqlite3.OperationalError:  # the index has no tables yet: its first batch
            total, rows = 0, []
        return {
            "total": total,
            "offset": offset,
            "limit": limit,
            "rows": [self.row(r) for r in rows],
            "indexing": not self._done.is_set(),
        }

    def _case_rows(self, cases: tuple[str, ...], offset: int, limit: int) -> tuple[int, list[Row]]:
        found: dict[int, Row] = {}
        for case in cases[:2_000]:
            suite, _, case_id = case.rpartition("/")
            filters = Filters(input_id=_glob_literal(case_id), flagged=False)
            for row in self.index.rows(filters, limit=50):
                if not suite or self._suite_of(row.line) in (suite, None):
                    found[row.line] = row
        ordered = [found[line] for line in sorted(found)]
        return len(ordered), ordered[offset : offset + limit]

    def _suite_of(self, line: int) -> str | None:
        try:
            suite = self.index.record(line).get("suite")
        except (InputError, ValueError, OSError):
            return None
        return suite if isinstance(suite, str) else None

    def row(self, row: Row) -> dict[str, Any]:
        """A listed record: its index row, where it is in its run, its flags and a preview."""
        out: dict[str, Any] = {
            "line": row.line,
            "time": row.time,
            "input_id": row.input_id,
            "decision": row.decision,
            "support": row.support,
            "flags": row.flags,
            "domain": row.domain,
        }
        try:
            record = self.index.record(row.line)
        except (InputError, ValueError, RecursionError, OSError) as exc:
            out["error"] = f"line {row.line}: the record cannot be read ({type(exc).__name__})"
            return out
        for key in ("suite", "thread", "run", "step", "agent", "input_sha256"):
            value = record.get(key)
            if isinstance(value, (str, int)) and not isinstance(value, bool):
                out[key] = value
        spans = record.get("flagged_spans")
        out["flagged"] = [
            {"claim_id": s.get("claim_id"), "type": s.get("type"), "text": _short(s.get("text"))}
            for s in (spans if isinstance(spans, list) else [])
            if isinstance(s, dict)
        ][:8]
        text = record.get("output_text")
        out["preview"] = text[:_PREVIEW] if isinstance(text, str) else None
        return out

    def record(self, line: int) -> dict[str, Any]:
        """The whole record on `line`, the texts of its sources, and its labels.

        `sources` maps each evidence source id (`user#1`, `tool:NAME#2`, `doc:ID`) to its kind
        and text, taken from the record's `context` or, in an eval run, from its suite case.

        Raises:
            InputError: when no readable record is on that line.
        """
        try:
            record = self.index.record(line)
        except (ValueError, RecursionError) as exc:
            raise InputError(f"line {line}", f"the record cannot be read ({exc})") from None
        sources, origin = self._sources(record)
        labels = {cid: label for (at, cid), label in load_labels(self.trace).items() if at == line}
        return {
            "line": line,
            "record": record,
            "sources": sources,
            "sources_from": origin,
            "labels": labels,
        }

    def _sources(self, record: Mapping[str, Any]) -> tuple[dict[str, dict[str, str]], str | None]:
        context = record.get("context")
        origin = "context"
        if not isinstance(context, dict) and self.run is not None:
            context = self.run.case_context(record.get("suite"), record.get("input_id"))
            origin = "suite case"
        if not isinstance(context, dict):
            return {}, None
        data = {k: context.get(k) or [] for k in ("messages", "tools", "documents")}
        try:
            built = build_context(parse_check_input({**data, "output": {"content": ""}}))
        except InputError:
            return {}, None
        return {s.id: {"kind": s.kind, "text": s.text} for s in built.sources}, origin

    def summary(self, query: Mapping[str, Sequence[str]]) -> list[dict[str, Any]]:
        """Flagged claims by tool and parameter, for the records that pass the filters."""
        filters = filters_of(query)
        self.catch_up()
        try:
            return self.index.summary(filters)
        except sqlite3.OperationalError:
            return []

    def label(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """Save a person's label of one claim (`line`, `claim_id`, `correct`, `note`, `by`).

        `correct` is true when the claim is backed by what the agent was told (as for
        `agentguard label --right`); `by` names who labels, `"viewer"` when left out.

        Raises:
            InputError: for a body without a record line, a claim of that record, or a verdict.
        """
        line, claim_id, correct = body.get("line"), body.get("claim_id"), body.get("correct")
        if not isinstance(line, int) or isinstance(line, bool):
            raise InputError("line", "must be the record's line number")
        if not isinstance(claim_id, str) or not isinstance(correct, bool):
            raise InputError("label", "needs a claim_id and correct: true or false")
        note, by = body.get("note"), body.get("by")
        if by is not None and not isinstance(by, str):
            raise InputError("by", "must be a name (text)")
        claims = self.index.record(line).get("report", {}).get("claims") or []
        if claim_id not in {c.get("id") for c in claims if isinstance(c, dict)}:
            raise InputError(f"line {line}", f"no claim {clip(claim_id, 20)} in this record")
        return add_label(
            self.trace,
            line=line,
            claim_id=claim_id,
            correct=correct,
            note=note if isinstance(note, str) and note.strip() else None,
            by=by.strip() if by is not None and by.strip() else "viewer",
        )

    def close(self) -> None:
        """Close the index files (after the indexing thread, if running, is done)."""
        self._done.wait(30)
        self._reader.close()
        if self._built is not None:
            self._built.close()


def _short(value: Any) -> str | None:
    return value if not isinstance(value, str) or len(value) <= 80 else value[:79] + "…"


def _count(text: str | None, name: str, default: int) -> int:
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise InputError(name, f"not a whole number: {clip(text, 20)}") from None
    if value < 0:
        raise InputError(name, "must not be negative")
    return value


def _problem(text: str, trace: str) -> dict[str, Any]:
    """`TRACE:LINE: why` as `{line, reason}`."""
    number, _, reason = text.removeprefix(trace + ":").partition(": ")
    return {"line": int(number) if number.isdigit() else None, "reason": reason or text}
