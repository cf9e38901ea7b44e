"""Labels: a person's verdict on a claim of a trace, kept in a file beside the trace.

A label says whether a claim is right: `correct: true` when what the claim states is backed by
what the agent was told (the same sense as a suite's gold `supported`; for a question claim,
that the context already answers it), `false` when it is not. Labels turn traces into
evaluation data: `agentguard calibrate` fits on them and the statistics of an eval run count
them in place of the suite's gold.

The label file of `TRACE` is `TRACE.labels.jsonl` (for an eval run folder, beside its
`trace.jsonl`): JSONL, append-only, a header line with the format version, then one record per
label. A record names the claim by the trace line of its report (the id the index uses) and
its claim id, and keeps what the claim was when it was labelled (input id, suite, text, tool,
path, value, support), so a label stays meaningful if the trace is replaced. Labelling a claim
again appends a new record; the latest one counts.

Several people (processes) may label one trace at once: each record is one whole line written
under an exclusive lock on the file, like a trace record, and a line cut by a crash is removed
by the next writer. A reader skips a line it cannot read, with a warning naming the line.

Example:
    >>> add_label(Path("run/trace.jsonl"), line=12, claim_id="c2", correct=False)  # doctest: +SKIP
    >>> load_labels(Path("run/trace.jsonl"))[(12, "c2")]["correct"]  # doctest: +SKIP
    False
"""

from __future__ import annotations

import datetime as dt
import json
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from agentguard.atomic import append_whole, cut_partial_line, file_lock, first_line
from agentguard.errors import AgentguardWarning, InputError, clip
from agentguard.inspection.index import TraceIndex, trace_path_of
from agentguard.redaction import redact_text

__all__ = [
    "LABELS_SUFFIX",
    "LABELS_VERSION",
    "ClaimLabel",
    "LabelFile",
    "LabelWarning",
    "add_label",
    "labels_path_of",
    "load_labels",
    "read_labels",
]

LABELS_SUFFIX = ".labels.jsonl"
"""What the label file of `TRACE` is called: `TRACE` followed by this."""
LABELS_VERSION = 1
"""Version of the label file format (bumped on any change to it)."""
MAX_NOTE_CHARS = 2_000
"""Longest note a label keeps."""
MAX_BY_CHARS = 200
"""Longest name of who labelled."""
_MAX_HEADER = 1 << 16
_OPEN_FLAGS = os.O_RDWR | os.O_APPEND | os.O_CREAT | getattr(os, "O_BINARY", 0)


class LabelWarning(AgentguardWarning):
    """A line of a label file that could not be read (it is skipped)."""


class ClaimLabel(BaseModel):
    """One label record: a person's verdict on one claim of one report record."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    kind: Literal["label"] = "label"
    """Record kind."""
    line: int
    """The trace line of the report record (from 1; the header is line 1)."""
    input_id: str | None = None
    """The input id of the report record, when it has one."""
    input_sha256: str | None = None
    """The input hash of the report record, when it has no id."""
    suite: str | None = None
    """The eval suite of the record (eval run traces)."""
    claim_id: str
    """The claim's id within its report (`c1`, `c2`, ...)."""
    claim_kind: str | None = None
    """`text`, `argument` or `question`, when labelled."""
    text: str | None = None
    """The claim's text when labelled."""
    tool: str | None = None
    """Its tool (argument claims)."""
    path: str | None = None
    """Its argument path (argument claims)."""
    value: str | int | float | bool | None = None
    """Its argument value (argument claims)."""
    support: float | None = None
    """The support the monitor gave the claim (as recorded in the trace)."""
    correct: bool
    """True: the claim is right (backed by what the agent was told); false: it is not."""
    note: str | None = None
    """Why, in the labeller's words."""
    by: str | None = None
    """Who labelled."""
    time: str
    """When (UTC, ISO 8601)."""


@dataclass
class LabelFile:
    """A label file read back: the latest label per claim, and the lines that were skipped."""

    path: Path
    """The label file (it need not exist: then there are no labels)."""
    labels: dict[tuple[int, str], ClaimLabel] = field(default_factory=dict)
    """The latest label per (trace line, claim id)."""
    records: int = 0
    """Label records read, superseded ones included."""
    problems: list[str] = field(default_factory=list)
    """The lines that were skipped: `PATH:LINE: what is wrong`."""


def labels_path_of(trace_path: str | Path) -> Path:
    """The label file of a trace (or of the trace of an eval run folder).

    Raises:
        InputError: as `trace_path_of`, when there is no trace there.
    """
    trace = trace_path_of(trace_path)
    return trace.with_name(trace.name + LABELS_SUFFIX)


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


def _header_line(trace: Path) -> bytes:
    header = {"version": LABELS_VERSION, "kind": "labels", "trace": trace.name, "created": _now()}
    return (json.dumps(header, separators=(",", ":")) + "\n").encode()


def _check_header(first: bytes, where: str) -> None:
    """Refuse a first line that is no label header of this version."""
    try:
        header = json.loads(first.decode("utf-8"))
    except (ValueError, RecursionError):
        raise InputError(where, "not a label file: the first line is not JSON") from None
    if not isinstance(header, dict) or header.get("kind") != "labels":
        raise InputError(where, "not a label file: the first line is no label header")
    if header.get("version") != LABELS_VERSION:
        version = clip(header.get("version"), 20)
        raise InputError(where, f"label file version {version}; this agentguard reads 1")


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _claim_of(trace_path: Path, line: int, claim_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The report record on `line` and its claim `claim_id`, or an InputError naming the problem."""
    with TraceIndex.open(trace_path) as index:
        record = index.record(line)
    where = f"{trace_path}:{line}"
    kind = record.get("kind")
    if kind != "report":
        raise InputError(
            where, f"holds a record of kind {clip(kind, 20)!r}, not a report: nothing to label"
        )
    report = record.get("report")
    claims = report.get("claims") if isinstance(report, dict) else None
    claims = [c for c in claims or [] if isinstance(c, dict)]
    for claim in claims:
        if claim.get("id") == claim_id:
            return record, claim
    known = ", ".join(str(c.get("id")) for c in claims[:12]) or "none"
    more = " ..." if len(claims) > 12 else ""
    raise InputError(
        where, f"the report has no claim {clip(claim_id, 20)!r} (its claims: {known}{more})"
    )


def _checked_text(value: str | None, name: str, limit: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InputError(name, f"must be text, not {type(value).__name__}")
    if len(value) > limit:
        raise InputError(name, f"longer than {limit:,} characters ({len(value):,})")
    return redact_text(value)  # a pasted key must not reach the file


def add_label(
    trace_path: Path,
    *,
    line: int,
    claim_id: str,
    correct: bool,
    note: str | None = None,
    by: str | None = None,
) -> dict[str, Any]:
    """Label one claim of a trace right (`correct=True`) or wrong, in the trace's label file.

    The report record on `line` must hold a claim `claim_id`; what the claim is (its text,
    tool, path, value and support) is copied into the label. The label is appended as one
    whole line under an exclusive lock, so several labellers may write at once.

    Args:
        trace_path: The trace, or an eval run folder.
        line: The trace line of the report record (as the index and the viewer number them).
        claim_id: The claim's id in that report (`c1`, ...).
        correct: Whether the claim is right: backed by what the agent was told.
        note: Why, in a few words (at most `MAX_NOTE_CHARS`).
        by: Who labels (at most `MAX_BY_CHARS`).

    Returns:
        The label record as written.

    Raises:
        InputError: when the trace cannot be read, no report record is on `line`, it has no
            such claim, an argument is of the wrong type or too long, or the label file beside
            the trace is no label file.
    """
    if isinstance(line, bool) or not isinstance(line, int) or line < 2:
        raise InputError("line", f"must be a trace line number of at least 2, not {clip(line, 20)}")
    if not isinstance(claim_id, str) or not claim_id:
        raise InputError("claim", "must be a claim id such as c1")
    if not isinstance(correct, bool):
        raise InputError("correct", f"must be true or false, not {clip(correct, 20)}")
    note = _checked_text(note, "note", MAX_NOTE_CHARS)
    by = _checked_text(by, "by", MAX_BY_CHARS)
    trace = trace_path_of(trace_path)
    record, claim = _claim_of(trace, line, claim_id)
    support = claim.get("support")
    value = claim.get("value")
    label = ClaimLabel(
        line=line,
        input_id=_text(record.get("input_id")),
        input_sha256=_text(record.get("input_sha256")),
        suite=_text(record.get("suite")),
        claim_id=claim_id,
        claim_kind=_text(claim.get("kind")),
        text=_text(claim.get("text")),
        tool=_text(claim.get("tool")),
        path=_text(claim.get("path")),
        value=value if isinstance(value, (str, int, float, bool)) else None,
        support=float(support) if isinstance(support, (int, float)) else None,
        correct=correct,
        note=note,
        by=by,
        time=_now(),
    )
    out = label.model_dump(mode="json")
    _append(trace, (json.dumps(out, ensure_ascii=False, separators=(",", ":")) + "\n").encode())
    return out


def _append(trace: Path, data: bytes) -> None:
    """Append one record line to the label file of `trace`, writing its header when new."""
    path = trace.with_name(trace.name + LABELS_SUFFIX)
    try:
        fd = os.open(path, _OPEN_FLAGS, 0o644)
    except OSError as exc:
        raise InputError(str(path), f"cannot open the label file ({exc.strerror})") from None
    try:
        with file_lock(fd, exclusive=True):
            size = cut_partial_line(fd)  # a labeller that died mid-line left a cut line
            if size == 0:
                size = append_whole(fd, _header_line(trace), 0)
            else:
                _check_header(first_line(fd, _MAX_HEADER), f"{path}:1")
            append_whole(fd, data, size)
    except OSError as exc:
        raise InputError(str(path), f"cannot write the label file ({exc.strerror})") from None
    finally:
        os.close(fd)


def _read_bytes(path: Path) -> bytes:
    """The whole label file, read under a shared lock (no record is half-written then)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        with file_lock(fd, exclusive=False, required=False), open(fd, "rb", closefd=False) as f:
            return f.read()
    finally:
        os.close(fd)


def read_labels(trace_path: str | Path) -> LabelFile:
    """The labels of a trace (or eval run folder): the latest per claim, bad lines skipped.

    A line that is not JSON, not a label record, or cut by a crash (no newline) is skipped and
    named in `problems`; the lines after it still count.

    Raises:
        InputError: when there is no trace at `trace_path`, or its label file is unreadable or
            is no label file of this version (its first line).
    """
    return _read(labels_path_of(trace_path))


def _read(path: Path) -> LabelFile:
    found = LabelFile(path=path)
    if not path.exists():
        return found
    try:
        data = _read_bytes(path)
    except OSError as exc:
        raise InputError(str(path), f"cannot read the label file ({exc.strerror})") from None
    lines = data.split(b"\n")
    if not data:
        return found
    _check_header(lines[0], f"{path}:1")
    last = len(lines)
    for n, raw in enumerate(lines[1:], 2):
        if not raw.strip():
            continue
        if n == last:  # no newline after it: a writer died mid-line
            found.problems.append(f"{path}:{n}: cut label record (no newline): skipped")
            continue
        try:
            label = ClaimLabel.model_validate_json(raw)
        except ValidationError as exc:
            where = ".".join(str(p) for p in exc.errors()[0]["loc"]) or "record"
            found.problems.append(f"{path}:{n}: not a label record ({clip(where, 40)}): skipped")
            continue
        found.records += 1
        found.labels[(label.line, label.claim_id)] = label
    return found


def load_labels(trace_path: Path) -> dict[tuple[int, str], dict[str, Any]]:
    """The latest label per (trace line, claim id) of a trace, as dicts (see `ClaimLabel`).

    A line of the label file that cannot be read is skipped with a `LabelWarning` naming its
    line; a label file that is no label file at all gives a warning and no labels. A trace with
    no label file has none.

    Raises:
        InputError: when there is no trace at `trace_path`.
    """
    path = labels_path_of(trace_path)
    try:
        found = _read(path)
    except InputError as exc:
        warnings.warn(f"{exc}: no labels read", LabelWarning, stacklevel=2)
        return {}
    for problem in found.problems:
        warnings.warn(problem, LabelWarning, stacklevel=2)
    return {key: label.model_dump(mode="json") for key, label in found.labels.items()}
