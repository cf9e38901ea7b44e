"""The run folder of an eval: its header, its results, and what a resumed run keeps.

A case is finished when its result line is in `results.jsonl` without an `error`. The runner
writes a case's trace record (report or error) first and its result line second, so the result
line is the commit point: a crash between the two leaves a trace record of a case that is not
finished. When a run resumes, `prepare` makes the folder consistent before anything new is
written: result lines of failed cases are removed (those cases run again), and so are the trace
records of every case that is not finished, together with a cut last line in either file. Each
finished case then has exactly one result line and one trace record, however often the run was
killed or resumed.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agentguard.atomic import write_text_atomic
from agentguard.errors import InputError

RUN_VERSION = 1
"""Bumped on any change to the layout of `run.json` or `results.jsonl`."""
FILES = ("run.json", "results.jsonl", "trace.jsonl", "summary.json", "report.html")
"""What a run folder holds (`--fresh` removes these, nothing else)."""


@dataclass(frozen=True)
class RunSettings:
    """What makes two runs comparable; a folder only resumes a run with the same settings."""

    suites: tuple[str, ...]
    policy: str
    model: str = "replay"
    estimator: str = "default"
    calibration: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The settings as stored in `run.json`."""
        return {
            "suites": list(self.suites),
            "policy": self.policy,
            "model": self.model,
            "estimator": self.estimator,
            "calibration": self.calibration,
        }


def now() -> str:
    """The current UTC time, to the second, ISO 8601."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def _lines(path: Path) -> tuple[list[tuple[int, str, dict[str, Any]]], bool]:
    """`(number, text, object)` of each line of a JSONL file, and whether the last was cut.

    Raises:
        InputError: for a line other than the last that is not a JSON object.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(str(path), f"not UTF-8 text (byte {exc.start})") from None
    lines = text.split("\n")
    out: list[tuple[int, str, dict[str, Any]]] = []
    cut = False
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except (ValueError, RecursionError):
            obj = None
        if isinstance(obj, dict):
            out.append((n, line, obj))
        elif n == len(lines):
            cut = True  # the last line, without its newline: the writer died mid-line
        else:
            raise InputError(f"{path}:{n}", "corrupt line (not a JSON object)")
    return out, cut


def read_results(path: Path) -> list[dict[str, Any]]:
    """The result lines of a results file; a cut last line (a crash mid-write) is dropped."""
    if not path.exists():
        return []
    return [obj for _, _, obj in _lines(path)[0]]


def case_key(row: dict[str, Any]) -> tuple[str, str]:
    """`(suite, case id)` of a result line."""
    return str(row.get("suite")), str(row.get("case"))


def _keep_finished_results(path: Path) -> tuple[list[dict[str, Any]], int]:
    """Rewrite `path` to the finished cases only; return them and how many failed ones left."""
    if not path.exists():
        return [], 0
    lines, cut = _lines(path)
    kept = [(line, obj) for _, line, obj in lines if not obj.get("error")]
    if cut or len(kept) < len(lines):
        write_text_atomic(path, "".join(line + "\n" for line, _ in kept))
    return [obj for _, obj in kept], len(lines) - len(kept)


def _keep_finished_trace(path: Path, finished: set[tuple[str, str]]) -> int:
    """Drop the trace records of cases that are not finished; return how many were dropped.

    A record names its case by `suite` and `input_id`. Summary lines count the records of the
    session that wrote them, so they go too when records are dropped.
    """
    if not path.exists() or path.stat().st_size == 0:
        return 0
    lines, cut = _lines(path)
    ids = {case for _, case in finished}
    kept: list[tuple[str, dict[str, Any]]] = []
    dropped = 0
    for n, line, obj in lines:
        kind = obj.get("kind")
        if n == 1 or kind not in ("report", "error"):
            kept.append((line, obj))  # the header, summaries, and records of other writers
            continue
        suite, case = obj.get("suite"), str(obj.get("input_id"))
        if ((str(suite), case) in finished) if suite is not None else (case in ids):
            kept.append((line, obj))
        else:
            dropped += 1
    if dropped:
        kept = [(line, obj) for line, obj in kept if obj.get("kind") != "summary"]
    if cut or dropped:
        # Lines are kept as they were written; only whole lines go.
        write_text_atomic(path, "".join(line + "\n" for line, _ in kept))
    return dropped


@dataclass
class Prepared:
    """A run folder made ready to run into."""

    header: dict[str, Any]
    """The run header (`run.json`), new or read back."""
    done: list[dict[str, Any]]
    """Result lines of the finished cases."""
    retried: int
    """Cases that had failed and run again."""
    superseded: int
    """Trace records dropped: their cases were not finished."""


def prepare(out: Path, settings: RunSettings, fresh: bool) -> Prepared:
    """Make `out` ready for a run with `settings`: new, or consistent for a resume.

    Raises:
        InputError: for a path that is a file, a folder holding a run with other settings, or a
            corrupt results or trace file.
    """
    if out.exists() and not out.is_dir():
        raise InputError(str(out), "is a file; a run needs a folder (choose another --out)")
    if fresh:
        for name in FILES:
            (out / name).unlink(missing_ok=True)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(str(out), f"cannot create the run folder ({exc.strerror})") from None
    header_path = out / "run.json"
    if header_path.exists():
        header = _read_header(header_path)
        if header.get("settings") != settings.to_json():
            raise InputError(
                str(out),
                "holds a run with other settings "
                f"({json.dumps(header.get('settings'))[:300]}); choose another --out or use "
                "--fresh",
            )
    else:
        header = {
            "version": RUN_VERSION,
            "kind": "agentguard-run",
            "run_id": out.name,
            "settings": settings.to_json(),
            "created": now(),
        }
    done, retried = _keep_finished_results(out / "results.jsonl")
    superseded = _keep_finished_trace(out / "trace.jsonl", {case_key(r) for r in done})
    return Prepared(header, done, retried, superseded)


def _read_header(path: Path) -> dict[str, Any]:
    try:
        header = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, RecursionError):
        raise InputError(str(path), "not JSON") from None
    if not isinstance(header, dict) or header.get("kind") != "agentguard-run":
        raise InputError(str(path), "not an agentguard run header")
    if header.get("version") != RUN_VERSION:
        raise InputError(
            str(path), f"run version {header.get('version')!r}; this agentguard reads {RUN_VERSION}"
        )
    return header


def write_header(out: Path, header: dict[str, Any]) -> None:
    """Write `run.json` whole (readers never see half of it)."""
    write_text_atomic(out / "run.json", json.dumps(header, indent=2, ensure_ascii=False) + "\n")


def load_run(run: str | Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The header and results of a run folder.

    Raises:
        InputError: when the folder is not a run.
    """
    run = Path(run)
    header_path = run / "run.json"
    if not header_path.exists():
        raise InputError(str(run), "not a run folder (no run.json); make one with agentguard eval")
    return _read_header(header_path), read_results(run / "results.jsonl")


def failed(results: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The result lines of cases that failed (a model error, an input the monitor refused)."""
    return [r for r in results if r.get("error")]
