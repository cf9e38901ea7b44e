"""Checking on all cores: `check --jsonl --workers N` and `eval --workers N` give, in input
order, the same reports, errors and trace records as one process."""

from __future__ import annotations

import io
import json
import os
import pickle
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agentguard.cli import main
from agentguard.input_files import BadInput
from agentguard.progress import Progress
from agentguard.scale import pool as pool_module
from agentguard.scale.pool import OrderedPool, WorkerDied, ready_batches
from tests.conftest import bundled_check_inputs


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err, stdin=io.StringIO(""))
    return code, out.getvalue(), err.getvalue()


def _without_latency(text: str) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in text.splitlines()]
    for row in rows:
        row.pop("latency_ms", None)
    return rows


def _trace_records(path: Path) -> list[dict[str, Any]]:
    """The report and error records, without what differs run to run (time, writer, latency)."""
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["kind"] not in ("report", "error"):
            continue
        record.pop("time")
        record.pop("writer")
        if "report" in record:
            record["report"].pop("latency_ms")
        records.append(record)
    return records


@pytest.fixture(scope="module")
def mixed_jsonl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every bundled case as a check input, with bad lines among them."""
    lines = [json.dumps(i, ensure_ascii=False) for i in bundled_check_inputs()]
    lines[5:5] = ["{not json", "", json.dumps({"messages": "not a list", "output": "x"})]
    lines.insert(200, json.dumps({"messages": [], "output": {"content": "hi"}, "policy": "/etc"}))
    path = tmp_path_factory.mktemp("inputs") / "mixed.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_check_with_workers_gives_the_same_output_errors_and_trace_in_order(
    mixed_jsonl: Path, tmp_path: Path
) -> None:
    runs = {}
    for workers in ("1", "2", "3"):
        trace = tmp_path / f"trace{workers}.jsonl"
        argv = ["check", "--jsonl", "--json", "--workers", workers, "--trace", str(trace)]
        code, out, err = _run(*argv, str(mixed_jsonl))
        runs[workers] = (code, _without_latency(out), err, _trace_records(trace))
    assert runs["1"][0] == 2  # some lines are bad
    assert len(runs["1"][1]) > 600 and runs["1"][2].count("agentguard: error:") == 3
    assert runs["2"] == runs["1"]
    assert runs["3"] == runs["1"]
    wheres = [row.get("where") or row["error"]["where"] for row in runs["2"][1]]
    numbers = [int(w.split("mixed.jsonl:")[1].split(":")[0]) for w in wheres]
    assert numbers == sorted(numbers) and 7 not in numbers  # in order; the blank line skipped


def test_text_reports_with_workers_are_the_same(mixed_jsonl: Path) -> None:
    one = _run("check", "--jsonl", "--no-color", "--workers", "1", str(mixed_jsonl))
    two = _run("check", "--jsonl", "--no-color", "--workers", "2", str(mixed_jsonl))
    strip = [line for line in one[1].splitlines() if "latency" not in line and " ms" not in line]
    assert strip == [line for line in two[1].splitlines() if "latency" not in line
                     and " ms" not in line]  # fmt: skip
    assert one[0] == two[0] == 2 and one[2] == two[2]


def test_eval_with_workers_writes_the_same_run(tmp_path: Path) -> None:
    def run(workers: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
        out = tmp_path / f"run{workers}"
        code, printed, err = _run("eval", "--workers", workers, "--out", str(out),
                                  "--no-progress", "--json")  # fmt: skip
        assert code == 0, err
        results = _without_latency((out / "results.jsonl").read_text(encoding="utf-8"))
        return results, _trace_records(out / "trace.jsonl"), json.loads(printed)

    one, two = run("1"), run("2")
    assert len(one[0]) > 400
    assert two == one


def test_bad_worker_counts_are_usage_errors(
    mixed_jsonl: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for value in ("0", "two", "-1"):
        with pytest.raises(SystemExit):
            _run("check", "--jsonl", "--workers", value, str(mixed_jsonl))
    monkeypatch.setenv("AGENTGUARD_WORKERS", "lots")
    code, _, err = _run("check", "--jsonl", str(mixed_jsonl))
    assert code == 2
    assert err == "agentguard: error: AGENTGUARD_WORKERS: expected a whole number of at least " \
                  "1, not 'lots'\n"  # fmt: skip


class _Slow:
    """A job whose first batch takes longest: results must still come back in order."""

    def run(self, batch: list[int]) -> list[tuple[int, int]]:
        time.sleep(0.3 if batch[0] == 0 else 0.01)
        return [(n, os.getpid()) for n in batch]


class _Dies:
    def run(self, batch: list[int]) -> list[int]:
        if 3 in batch:
            os._exit(1)
        return batch


def test_the_pool_keeps_order_and_runs_in_other_processes() -> None:
    with OrderedPool(_Slow, 2) as pool:
        done = [x for batch in pool.map([[i, i + 1] for i in range(0, 40, 2)]) for x in batch]
    assert [n for n, _ in done] == list(range(40))
    assert os.getpid() not in {pid for _, pid in done}


def test_the_pool_spawns_where_it_cannot_fork(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pool_module, "can_fork", lambda: False)
    with OrderedPool(_Slow, 2) as pool:
        done = [x for batch in pool.map([[0], [1], [2]]) for x in batch]
    assert [n for n, _ in done] == [0, 1, 2]


def test_a_dead_worker_is_named() -> None:
    with OrderedPool(_Dies, 2) as pool, pytest.raises(WorkerDied, match="ended without"):
        list(pool.map([[1], [2], [3], [4]]))


def test_ready_batches_hand_on_what_a_slow_producer_has_written() -> None:
    seen = threading.Event()

    def producer() -> Iterator[int]:
        yield 1
        yield 2
        assert seen.wait(10), "the first lines were held back waiting for more"
        yield 3

    batches = ready_batches(producer(), size=64, weight=lambda _: 1, max_weight=1000)
    first = next(batches)
    seen.set()
    rest = [x for batch in batches for x in batch]
    assert first + rest == [1, 2, 3] and len(first) <= 2


def test_ready_batches_cut_by_size_and_weight_and_raise_after_the_items() -> None:
    def items() -> Iterator[int]:
        yield from range(10)
        raise ValueError("cut")

    got: list[list[int]] = []
    with pytest.raises(ValueError, match="cut"):
        for batch in ready_batches(items(), size=4, weight=lambda n: n, max_weight=12):
            got.append(batch)
            time.sleep(0.01)
    assert [x for b in got for x in b] == list(range(10))
    assert all(len(b) <= 4 and (sum(b) - b[-1] < 12) for b in got)


def test_a_bad_input_crosses_processes_as_it_is() -> None:
    bad = BadInput("in.jsonl:3", "not valid JSON (Expecting value)")
    again = pickle.loads(pickle.dumps(bad))
    assert (again.where, again.message, str(again)) == (bad.where, bad.message, str(bad))


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_shows_rate_and_time_left() -> None:
    log = io.StringIO()
    with Progress(20, "checks", stream=log) as bar:
        for _ in range(20):
            time.sleep(0.002)
            bar.update()
    lines = log.getvalue().splitlines()
    assert (
        lines[0].startswith("2/20 checks (") and "/s, about " in lines[0] and " left)" in lines[0]
    )
    assert lines[-1].startswith("20/20 checks (") and "left" not in lines[-1]
    terminal = _Terminal()
    with Progress(None, "checks", stream=terminal) as bar:
        bar.update(5)
    assert "5 checks" in terminal.getvalue() and "checks/s" in terminal.getvalue()


def test_check_draws_its_bar_on_a_terminal_and_prints_errors_above_it(mixed_jsonl: Path) -> None:
    out, err = io.StringIO(), _Terminal()
    argv = ["check", "--jsonl", "--json", "--progress", "--workers", "2", str(mixed_jsonl)]
    assert main(argv, stdout=out, stderr=err) == 2
    text = err.getvalue()
    assert "checks/s" in text and "it/s" not in text
    assert text.count("agentguard: error: ") == 3
    assert "\n" in text.split("agentguard: error: ")[1]  # each error on a line of its own


def test_spawned_workers_check_with_the_same_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where workers cannot be forked, each builds its own job: policy and redaction too."""
    said = "I sent it to ann@example.com and to bob@example.org."
    secret = {"messages": [{"role": "user", "content": "Mail ann@example.com my invoice."}],
              "output": {"content": said}}  # fmt: skip
    lines = [json.dumps(i) for i in bundled_check_inputs()[:60]] + [json.dumps(secret)] * 3
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    argv = ["check", "--jsonl", "--json", "--policy", "strict", "--redact-emails", str(src)]
    one = _run(*argv, "--workers", "1")
    monkeypatch.setattr(pool_module, "can_fork", lambda: False)
    two = _run(*argv, "--workers", "2")
    assert _without_latency(two[1]) == _without_latency(one[1]) and two[0] == one[0] == 0
    assert "example.com" not in two[1] and all(r["policy"] == "strict" for r in
                                              _without_latency(two[1]))  # fmt: skip


def test_piped_lines_are_checked_as_they_come_with_workers(tmp_path: Path) -> None:
    """A slow producer (`tail -f log | agentguard check --jsonl -`) gets each report while it
    is still writing, not when it ends."""
    import subprocess
    import sys

    lines = [json.dumps(i) for i in bundled_check_inputs()[:2]]
    command = [sys.executable, "-m", "agentguard", "check", "--jsonl", "--json",
               "--workers", "2", "-"]  # fmt: skip
    with subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          text=True, cwd=tmp_path) as proc:  # fmt: skip
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(lines[0] + "\n")
        proc.stdin.flush()
        first: list[str] = []
        reader = threading.Thread(target=lambda: first.append(proc.stdout.readline()))  # type: ignore[union-attr]
        reader.start()
        reader.join(120)
        assert first and json.loads(first[0])["where"] == "<stdin>:1", "no report while open"
        proc.stdin.write(lines[1] + "\n")
        proc.stdin.close()
        rest = proc.stdout.read()
    assert proc.returncode == 0
    assert json.loads(rest)["where"] == "<stdin>:2"
