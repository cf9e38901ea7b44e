"""Traces under real concurrency and real crashes: processes, threads and SIGKILL.

The processes are started with the `fork` method on purpose: they inherit the loaded package,
so a test spends its time writing, not importing. Where `fork` does not exist the tests skip.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import random
import signal
import threading
import time
from collections import defaultdict
from multiprocessing.synchronize import Barrier, Event
from pathlib import Path
from typing import Any

import pytest

from agentguard import Monitor, Report, TraceError, TraceWriter, read_trace
from tests.conftest import load_example

pytestmark = pytest.mark.skipif(
    "fork" not in mp.get_all_start_methods() or not hasattr(signal, "SIGKILL"),
    reason="needs the fork start method and SIGKILL (POSIX)",
)


def _ctx() -> Any:
    return mp.get_context("fork")


def _start(target: Any, *args: Any) -> Any:
    """A started child process; a daemon, so that a failing test leaves none behind."""
    process = _ctx().Process(target=target, args=args, daemon=True)
    process.start()
    return process


def _lines(path: Path) -> list[dict[str, Any]]:
    """Every line of the file as JSON: fails on any partial or interleaved record."""
    text = path.read_text(encoding="utf-8")
    assert text.endswith("\n")
    return [json.loads(line) for line in text.split("\n")[:-1]]


def _one_header(path: Path) -> None:
    kinds = [x["kind"] for x in _lines(path)]
    assert kinds[0] == "header" and kinds.count("header") == 1


def _check_many(path: Path, k: int, n: int, barrier: Barrier) -> None:
    data = load_example("redundant_question")
    barrier.wait()  # every process opens the (new) trace at the same moment
    with Monitor(trace=path) as monitor:
        for i in range(n):
            monitor.check({**data, "id": f"p{k}-{i}"})


def test_eight_processes_append_every_check_to_one_trace(tmp_path: Path) -> None:
    path, procs, checks = tmp_path / "shared.jsonl", 8, 125
    barrier = _ctx().Barrier(procs)
    workers = [_start(_check_many, path, k, checks, barrier) for k in range(procs)]
    for w in workers:
        w.join(60)
    assert [w.exitcode for w in workers] == [0] * procs
    _one_header(path)
    trace = read_trace(path)
    assert not trace.truncated
    ids = [r["input_id"] for r in trace.records]
    assert len(ids) == procs * checks and len(set(ids)) == procs * checks
    assert len(trace.reports) == procs * checks
    assert len(trace.summaries) == procs and all(s["records"] == checks for s in trace.summaries)
    seqs: dict[str, list[int]] = defaultdict(list)
    for r in trace.records:
        seqs[r["writer"]].append(r["seq"])
    assert sorted(seqs) == sorted(s["writer"] for s in trace.summaries)
    assert all(v == list(range(1, checks + 1)) for v in seqs.values())


def _open_and_write(path: Path, barrier: Barrier, report: Report) -> None:
    barrier.wait()
    with TraceWriter(path, meta={"pid": os.getpid()}) as trace:
        trace.write(report)


def test_writers_racing_on_a_new_file_write_one_header(tmp_path: Path) -> None:
    report = Monitor().check(load_example("redundant_question"))
    for trial in range(24):
        path = tmp_path / f"race-{trial}.jsonl"
        barrier = _ctx().Barrier(3)
        workers = [_start(_open_and_write, path, barrier, report) for _ in range(3)]
        for w in workers:
            w.join(30)
        assert [w.exitcode for w in workers] == [0, 0, 0]
        _one_header(path)
        assert len(read_trace(path).records) == 3
    # Threads, each with a writer of its own, race the same way inside one process.
    for trial in range(30):
        path = tmp_path / f"threads-{trial}.jsonl"
        gate = threading.Barrier(4)

        def racer(path: Path = path, gate: threading.Barrier = gate) -> None:
            gate.wait()
            with TraceWriter(path) as trace:
                trace.write(report)

        threads = [threading.Thread(target=racer) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        _one_header(path)
        assert len(read_trace(path).records) == 4


def test_threads_share_one_writer_or_each_use_their_own(tmp_path: Path) -> None:
    path = tmp_path / "threads.jsonl"
    data = load_example("flight_missing_origin")
    Monitor().check(data)  # warm the first check's caches once, not in ten threads at once
    shared = Monitor(trace=path)

    def on_shared(k: int) -> None:
        for i in range(50):
            shared.check({**data, "id": f"s{k}-{i}"})

    def on_own(k: int) -> None:
        with Monitor(trace=path) as own:
            for i in range(50):
                own.check({**data, "id": f"o{k}-{i}"})

    threads = [threading.Thread(target=on_shared, args=(k,)) for k in range(6)]
    threads += [threading.Thread(target=on_own, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    shared.close()
    _one_header(path)
    trace = read_trace(path)
    assert len({r["input_id"] for r in trace.records}) == len(trace.records) == 500
    by_writer: dict[str, list[int]] = defaultdict(list)
    for r in trace.records:
        by_writer[r["writer"]].append(r["seq"])
    assert sorted(len(v) for v in by_writer.values()) == [50, 50, 50, 50, 300]
    assert all(sorted(v) == list(range(1, len(v) + 1)) for v in by_writer.values())


def _check_with_inherited(monitor: Monitor, k: int) -> None:
    data = load_example("redundant_question")
    for i in range(40):
        monitor.check({**data, "id": f"c{k}-{i}"})
    monitor.close()


def test_a_writer_inherited_by_forked_children_goes_on_under_new_ids(tmp_path: Path) -> None:
    path = tmp_path / "inherited.jsonl"
    monitor = Monitor(trace=path)
    monitor.check(load_example("redundant_question"))
    children = [_start(_check_with_inherited, monitor, k) for k in range(4)]
    for i in range(40):
        monitor.check({**load_example("redundant_question"), "id": f"parent-{i}"})
    for c in children:
        c.join(60)
    monitor.close()
    assert [c.exitcode for c in children] == [0] * 4
    _one_header(path)
    trace = read_trace(path)
    assert len(trace.records) == 1 + 40 + 4 * 40
    assert len(trace.summaries) == 5 and len({s["writer"] for s in trace.summaries}) == 5
    for summary in trace.summaries:
        mine = [r["seq"] for r in trace.records if r["writer"] == summary["writer"]]
        assert mine == list(range(1, summary["records"] + 1))


def _write_until_killed(path: Path, ready: Event, report: Report, big: int) -> None:
    rng = random.Random(os.getpid())
    trace = TraceWriter(path)  # never closed: the parent kills this process
    while True:
        size = rng.choice((10, 1_000, big))
        trace.write(report, metadata={"pad": "x" * size}, pad=size)
        ready.set()


def _write_until_stopped(path: Path, stop: Event, report: Report) -> None:
    with TraceWriter(path) as trace:
        while not stop.is_set():
            trace.write(report, metadata={"pad": "y" * 5_000}, pad=5_000)
            time.sleep(0.001)


def _kill(victim: Any, path: Path, within: float) -> None:
    """SIGKILL `victim` as soon as a write is seen half done, or after `within` seconds."""
    deadline = time.monotonic() + within
    fd = os.open(path, os.O_RDONLY)  # read without the lock, so a write in progress shows
    try:
        while time.monotonic() < deadline:
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                break
    finally:
        os.close(fd)
    os.kill(victim.pid, signal.SIGKILL)


def _ends_cut(path: Path) -> bool:
    with path.open("rb") as f:
        f.seek(-1, os.SEEK_END)
        return f.read(1) != b"\n"


def test_records_stay_whole_through_repeated_sigkills(tmp_path: Path) -> None:
    path = tmp_path / "killed.jsonl"
    report = Monitor().check(load_example("redundant_question"))
    rng, cuts = random.Random(13), 0
    for round_ in range(20):
        ready, stop = _ctx().Event(), _ctx().Event()
        # In odd rounds a live writer works next to the dying one; in even ones the victim is
        # alone, so the cut it leaves stays there until the next round's writers start.
        steady = _start(_write_until_stopped, path, stop, report) if round_ % 2 else None
        # Big records take long to write, so that a kill can land in the middle of one.
        big = 1_000_000 if steady is None else 200_000
        victim = _start(_write_until_killed, path, ready, report, big)
        try:
            assert ready.wait(20)
            # Alone, the victim is killed in the middle of a write; else at a random moment.
            _kill(victim, path, 2.0 if steady is None else rng.uniform(0.002, 0.03))
            victim.join(10)
            assert victim.exitcode == -signal.SIGKILL
        finally:
            stop.set()
            victim.kill()
        if steady is None:
            cuts += _ends_cut(path)
        else:
            steady.join(20)
            assert steady.exitcode == 0  # a live writer next to a dying one carries on
    assert cuts >= 2  # kills did cut records in half (7-10 of 10 when measured): repair was needed
    with TraceWriter(path) as last:  # a new writer after the last kill
        last.write(report, input_id="after")
    _one_header(path)
    trace = read_trace(path)
    assert not trace.truncated and trace.records[-1]["input_id"] == "after"
    assert all(len(r["metadata"]["pad"]) == r["pad"] for r in trace.records if "pad" in r)
    assert len(trace.reports) == len(trace.records)
    seqs: dict[str, list[int]] = defaultdict(list)
    for r in trace.records:
        seqs[r["writer"]].append(r["seq"])
    # 20 killed writers, 10 stopped ones and the last: no record lost in the middle of any...
    assert len(seqs) == 31 and all(v == list(range(1, len(v) + 1)) for v in seqs.values())
    # ...and none lost at the end of a writer that lived: the repair cut only dead writers' lines.
    assert len(trace.summaries) == 11
    assert all(len(seqs[s["writer"]]) == s["records"] for s in trace.summaries)


def _write_past_a_size_limit(path: Path, report: Report) -> None:
    import resource

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
    trace = TraceWriter(path)
    resource.setrlimit(resource.RLIMIT_FSIZE, (path.stat().st_size + 1_000, resource.RLIM_INFINITY))
    try:
        trace.write(report, metadata={"pad": "z" * 20_000})
    except TraceError as e:
        os._exit(0 if "cannot write the trace" in str(e) else 2)
    os._exit(1)


def test_a_write_that_fails_half_way_leaves_no_partial_record(tmp_path: Path) -> None:
    path = tmp_path / "full.jsonl"
    report = Monitor().check(load_example("redundant_question"))
    with TraceWriter(path) as trace:
        trace.write(report)
    before = path.read_bytes()
    child = _start(_write_past_a_size_limit, path, report)
    child.join(30)
    assert child.exitcode == 0  # the write failed part-way, as a full disk would make it
    assert path.read_bytes() == before
    with TraceWriter(path) as trace:
        trace.write(report)
    assert len(read_trace(path).records) == 2
