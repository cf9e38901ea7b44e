"""The SQLite index beside a trace: built once, extended as the trace grows, never misled."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest

from agentguard import InputError, Monitor
from agentguard.inspection.index import INDEX_SUFFIX, Filters, TraceIndex

ASK = [{"role": "user", "content": "Book me a flight to Denver on 2026-05-03."}]
TOLD = [{"role": "user", "content": "Book me a flight from Boston to Denver on 2026-05-03."}]
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "book",
            "parameters": {
                "type": "object",
                "properties": {"origin": {"type": "string"}, "destination": {"type": "string"}},
            },
        },
    }
]


def _call(origin: str) -> dict[str, object]:
    args = json.dumps({"origin": origin, "destination": "Denver"})
    call = {"id": "c1", "type": "function", "function": {"name": "book", "arguments": args}}
    return {"role": "assistant", "content": None, "tool_calls": [call]}


def _trace(path: Path, n: int) -> None:
    with Monitor(trace=path) as monitor:
        for i in range(n):
            messages = ASK if i % 2 == 0 else TOLD
            monitor.check(messages=messages, tools=TOOLS, output=_call("Boston"), id=f"case-{i}")


def test_filters_pages_summary_and_whole_records(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    _trace(path, 10)
    with TraceIndex.open(path) as index:
        assert index.count(Filters(flagged=False)) == 10
        assert index.count() == 5  # the guessed origins
        rows = index.rows(Filters(tools=("book",), params=("origin",)), limit=2, offset=1)
        assert [r.input_id for r in rows] == ["case-2", "case-4"]
        assert index.count(Filters(input_id="case-1*")) == 0  # case-1 was told the origin
        assert index.count(Filters(decisions=("allow",), flagged=False)) == 5
        assert (
            index.count(Filters(support_max=0.2)) == 5
            and index.count(Filters(support_min=0.9)) == 0
        )
        (entry,) = index.summary()
        assert (entry["tool"], entry["param"], entry["flags"]) == ("book", "origin", 5)
        record = index.record(rows[0].line)
        assert (
            record["input_id"] == "case-2" and record["report"]["decision"]["action"] == "ask_user"
        )
    assert path.with_name(path.name + INDEX_SUFFIX).is_file()


def test_the_index_grows_with_the_trace_and_is_rebuilt_when_it_is_replaced(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    _trace(path, 4)
    with TraceIndex.open(path) as index:
        assert index.count(Filters(flagged=False)) == 4
    _trace(path, 2)  # appended by another writer
    with TraceIndex.open(path) as index:
        assert index.count(Filters(flagged=False)) == 6
    path.unlink()
    _trace(path, 1)  # a new trace under the same name
    with TraceIndex.open(path) as index:
        assert index.count(Filters(flagged=False)) == 1


def test_bad_lines_are_skipped_with_their_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    _trace(path, 2)
    with path.open("ab") as f:
        f.write(b'{"kind": "report", "report": \n{"kind": "mystery"}\n')
        f.write(b'{"kind": "report", "report": {"claims": 5}}\n{"kind": "rep')
    with TraceIndex.open(path) as index:
        assert index.count(Filters(flagged=False)) == 2
        problems = index.problems
    assert [p.split(": ", 1)[0].rsplit(":", 1)[1] for p in problems] == ["5", "6", "7"]
    assert "corrupt record" in problems[0] and "unknown record kind 'mystery'" in problems[1]


def test_what_is_no_trace_gets_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        TraceIndex.open(tmp_path / "missing.jsonl")
    with pytest.raises(InputError, match="holds no trace.jsonl"):
        TraceIndex.open(tmp_path)
    other = tmp_path / "other.jsonl"
    other.write_text('{"hello": 1}\n', encoding="utf-8")
    with pytest.raises(InputError, match="no trace header"):
        TraceIndex.open(other)
    future = tmp_path / "future.jsonl"
    future.write_text('{"kind": "header", "version": 9}\n', encoding="utf-8")
    with pytest.raises(InputError, match="version 9 is not one this reads"):
        TraceIndex.open(future)


def test_a_large_stretch_parsed_in_worker_processes_indexes_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agentguard.inspection import index as index_module

    path = tmp_path / "t.jsonl"
    _trace(path, 60)
    with path.open("ab") as f:
        f.write(b'{"kind": "report", "report": \n{"kind": "mystery"}\n')
    _trace(path, 40)
    with path.open("ab") as f:
        f.write(b'{"kind": "rep')  # a cut last line
    with TraceIndex.open(path) as serial:
        expected = (
            serial.rows(Filters(flagged=False), limit=1000),
            serial.summary(),
            serial.problems,
        )
    path.with_name(path.name + INDEX_SUFFIX).unlink()
    monkeypatch.setattr(index_module, "_PARALLEL_BYTES", 1)
    monkeypatch.setattr(index_module, "_PIECE_BYTES", 3000)
    if not index_module._can_fork():
        pytest.skip("this platform does not fork, or has one processor: the serial path only")
    with TraceIndex.open(path) as parallel:
        got = (
            parallel.rows(Filters(flagged=False), limit=1000),
            parallel.summary(),
            parallel.problems,
        )
        assert len(index_module._pieces(path, 0, path.stat().st_size)) > 5
    assert got == expected
    assert len(got[0]) == 100 and len(got[2]) == 2


def _open_in_small_pieces(path: str) -> tuple[object, ...]:
    from agentguard.inspection import index as index_module

    index_module._PIECE_BYTES = 2000  # many commits, so the processes interleave
    with TraceIndex.open(path) as index:
        return (
            [r.line for r in index.rows(Filters(flagged=False), limit=1000)],
            index.summary(),
            index.problems,
            index.count(),
        )


def test_processes_opening_one_new_index_at_once_all_see_it_whole(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    _trace(path, 80)
    with path.open("ab") as f:
        f.write(b"not json\n")
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        seen = pool.map(_open_in_small_pieces, [str(path)] * 8)
    assert all(got == seen[0] for got in seen)
    lines, summary, problems, flagged = seen[0]
    assert lines == list(range(2, 82)) and flagged == 40  # no line twice, none missing
    assert summary[0]["flags"] == 40 and len(problems) == 1
