"""Opening a large trace: the index beside it, and `agentguard inspect` pages of it.

Writes a synthetic trace of `--n` report records (100,000 by default) made by repeating the
reports of a real eval run (`agentguard eval --fresh`) with new input ids and times, then
prints how long it takes to build the index from nothing (cold), to open it again once built
(warm), and to print with `agentguard inspect` (called in process, output to a null sink): the
first page cold and warm, a filtered page deep into the trace, and the summary table. The aim
is that a trace of 100,000 reports opens in under 2 s; the figures are printed, not asserted.

    python benchmarks/trace_index.py [--n 100000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from agentguard.cli import build_parser
from agentguard.inspection.index import INDEX_SUFFIX, TraceIndex
from agentguard.inspection.inspect_command import run


def _eval_reports(folder: Path) -> tuple[str, list[dict[str, object]]]:
    """The header line and the report records of a fresh eval run."""
    out = folder / "run"
    subprocess.run(
        [sys.executable, "-m", "agentguard", "eval", "--fresh", "--out", str(out)],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    lines = (out / "trace.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines[1:]]
    return lines[0], [r for r in records if r.get("kind") == "report"]


def write_trace(path: Path, n: int, folder: Path) -> int:
    """Write a trace of `n` report records; returns its size in bytes."""
    header, reports = _eval_reports(folder)
    start = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    with path.open("w", encoding="utf-8") as f:
        f.write(header + "\n")
        for i in range(n):
            record = dict(reports[i % len(reports)])
            record["input_id"] = f"{record.get('input_id')}-{i // len(reports)}"
            when = start + dt.timedelta(seconds=i)
            record["time"] = when.isoformat(timespec="milliseconds")
            record["seq"] = i + 1
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path.stat().st_size


def _timed(what: Callable[[], object]) -> float:
    began = time.perf_counter()
    what()
    return time.perf_counter() - began


def _inspect(path: Path, *options: str) -> Callable[[], object]:
    args = build_parser().parse_args(["inspect", str(path), "--no-color", *options])

    def call() -> int:
        return run(args, io.StringIO(), io.StringIO())

    return call


def _drop_index(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):  # SQLite's journal files go with the index
        Path(f"{path}{INDEX_SUFFIX}{suffix}").unlink(missing_ok=True)


def _open(path: Path) -> None:
    TraceIndex.open(path).close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="report records in the trace")
    parser.add_argument("--keep", metavar="DIR", help="write the trace here and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "trace.jsonl"
        index = path.with_name(path.name + INDEX_SUFFIX)
        began = time.perf_counter()
        size = write_trace(path, args.n, folder)
        print(f"trace: {args.n:,} reports, {size / 1e6:.1f} MB, written in "
              f"{time.perf_counter() - began:.1f} s")  # fmt: skip
        _drop_index(path)
        figures = {"index build (cold open)": _timed(lambda: _open(path))}
        figures["open (warm)"] = _timed(lambda: _open(path))
        _drop_index(path)
        figures["inspect, first page (cold: builds the index)"] = _timed(_inspect(path))
        figures["inspect, first page (warm)"] = _timed(_inspect(path))
        deep = _inspect(path, "--flag", "silent_assumption", "--tool", "book_flight",
                        "--offset", str(args.n // 20))  # fmt: skip
        figures[f"inspect --flag --tool, page at offset {args.n // 20:,}"] = _timed(deep)
        figures["inspect --summary"] = _timed(_inspect(path, "--summary"))
        figures["inspect --summary --json"] = _timed(_inspect(path, "--summary", "--json"))
        print(f"index: {index.stat().st_size / 1e6:.1f} MB beside the trace")
        for name, seconds in figures.items():
            print(f"  {name:<48} {seconds:8.3f} s")


if __name__ == "__main__":
    main()
