import hashlib
import io
import json
from pathlib import Path
from typing import Any

import pytest

from agentguard import TRACE_VERSION, CheckInput, Monitor, TraceError, TraceWriter, read_trace
from agentguard.cli import main
from agentguard.trace import redact
from tests.conftest import EXAMPLES, load_example, user


def test_trace_has_header_records_and_summary(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    with Monitor(trace=path) as monitor:
        monitor.check(load_example("flight_missing_origin"))
        monitor.check({**load_example("refund_order_from_tool"), "id": "refund-1"})
    lines = [json.loads(x) for x in path.read_text().splitlines()]
    assert lines[0]["kind"] == "header" and lines[0]["version"] == TRACE_VERSION
    assert lines[0]["policy"] == "balanced"
    assert [x["kind"] for x in lines] == ["header", "report", "report", "summary"]
    assert lines[2]["input_id"] == "refund-1" and lines[2]["seq"] == 2
    assert lines[3]["records"] == 2
    assert lines[3]["decisions"] == {"ask_user": 1, "allow": 1}
    trace = read_trace(path)
    assert [r.decision.action for r in trace.reports] == ["ask_user", "allow"]
    assert not trace.truncated


def test_each_record_is_on_disk_before_write_returns(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    monitor = Monitor(trace=path)
    monitor.check(load_example("redundant_question"))
    on_disk = read_trace(path)  # read while the writer is still open
    assert len(on_disk.records) == 1 and on_disk.summaries == []
    monitor.close()
    monitor.close()  # idempotent
    assert len(read_trace(path).summaries) == 1


def test_a_cut_last_line_is_skipped_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    monitor = Monitor(trace=path)
    monitor.check(load_example("redundant_question"))
    monitor.check(load_example("redundant_question"))
    monitor.close()
    text = path.read_text()
    path.write_text(text[: len(text) - 40])  # the writer died in the middle of the summary
    trace = read_trace(path)
    assert trace.truncated and len(trace.records) == 2


def test_corruption_in_the_middle_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    with Monitor(trace=path) as monitor:
        monitor.check(load_example("redundant_question"))
    lines = path.read_text().splitlines()
    lines[1] = lines[1][:20]
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(TraceError, match=r"run\.jsonl:2: corrupt record"):
        read_trace(path)


def test_appending_continues_an_existing_trace(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    for _ in range(2):
        with Monitor(trace=path) as monitor:
            monitor.check(load_example("redundant_question"))
    trace = read_trace(path)
    assert len(trace.records) == 2 and len(trace.summaries) == 2
    assert path.read_text().count('"kind":"header"') == 1


def test_refuses_a_file_that_is_not_a_trace_or_another_version(tmp_path: Path) -> None:
    path = tmp_path / "notes.jsonl"
    path.write_text("hello\n")
    with pytest.raises(TraceError, match="not a trace"):
        TraceWriter(path)
    path.write_text(json.dumps({"kind": "header", "version": 99}) + "\n")
    with pytest.raises(TraceError, match="trace version 99; this agentguard reads 1"):
        read_trace(path)


def test_two_open_writers_share_a_trace(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    first, second = Monitor(trace=path), Monitor(trace=path)
    for _ in range(3):
        first.check(load_example("redundant_question"))
        second.check(load_example("flight_missing_origin"))
    first.close()
    second.close()
    lines = [json.loads(x) for x in path.read_text().splitlines()]
    assert [x["kind"] for x in lines].count("header") == 1 and lines[0]["kind"] == "header"
    trace = read_trace(path)
    assert len(trace.records) == 6 and len(trace.summaries) == 2
    ids = {r["writer"] for r in trace.records}
    assert len(ids) == 2 and {s["writer"] for s in trace.summaries} == ids
    for writer in ids:  # (writer, seq) names a report
        assert [r["seq"] for r in trace.records if r["writer"] == writer] == [1, 2, 3]
    assert all(s["records"] == 3 for s in trace.summaries)


def test_a_writer_cuts_a_dead_writers_partial_line_before_appending(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    live = Monitor(trace=path)
    live.check(load_example("redundant_question"))
    with path.open("a") as f:  # another writer died in the middle of a record
        f.write('{"kind":"report","time":"2025-01-01T00:00:00.000+00:00","repo')
    assert read_trace(path).truncated
    live.check(load_example("redundant_question"))
    with Monitor(trace=path) as late:
        late.check(load_example("redundant_question"))
    live.close()
    text = path.read_text()
    assert text.endswith("\n") and all(json.loads(x) for x in text.splitlines())
    trace = read_trace(path)
    assert not trace.truncated and len(trace.records) == 3 and len(trace.summaries) == 2


def test_a_last_line_without_its_newline_is_not_a_record(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    with Monitor(trace=path) as monitor:
        monitor.check(load_example("redundant_question"))
    path.write_text(path.read_text().rstrip("\n"))  # only the newline of the summary was lost
    trace = read_trace(path)
    assert trace.truncated and trace.summaries == [] and len(trace.records) == 1
    with TraceWriter(path):
        pass
    trace = read_trace(path)
    assert not trace.truncated and len(trace.summaries) == 1


def test_a_header_cut_by_a_crash_starts_the_trace_again(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    path.write_bytes(b'{"version":3,"kind":"hea')
    with Monitor(trace=path) as monitor:
        monitor.check(load_example("redundant_question"))
    trace = read_trace(path)
    assert trace.header["policy"] == "balanced" and len(trace.records) == 1


def test_a_file_that_is_no_trace_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello, no newline")
    with pytest.raises(TraceError, match="not a trace"):
        TraceWriter(path)
    assert path.read_text() == "hello, no newline"
    with pytest.raises(TraceError, match="not a regular file"):
        read_trace(tmp_path)
    with pytest.raises(TraceError, match="cannot open the trace"):
        TraceWriter(tmp_path)


def test_bad_bytes_in_a_trace_are_errors_not_crashes(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    with Monitor(trace=path) as monitor:
        monitor.check(load_example("redundant_question"))
    good = path.read_bytes()
    path.write_bytes(good + b"\xff\xfe{\n")
    with pytest.raises(TraceError, match=r"run\.jsonl:4: corrupt record"):
        read_trace(path)
    path.write_bytes(good + b"[" * 100_000 + b"\n")
    with pytest.raises(TraceError, match=r"run\.jsonl:4: corrupt record"):
        read_trace(path)
    path.write_bytes(good + b'{"kind":"' + b"x" * 10_000 + b'"}\n')
    with pytest.raises(TraceError, match="unknown record kind") as caught:
        read_trace(path)
    assert len(str(caught.value)) < 200
    path.write_bytes(b"\xff\n")
    with pytest.raises(TraceError, match="not a trace"):
        read_trace(path)


def test_a_lone_surrogate_is_written_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    with TraceWriter(path) as trace:
        trace.write_event("answer", text="Order \ud800 ships May 3.")
    assert read_trace(path).events[0]["text"] == "Order \ud800 ships May 3."


def test_secrets_never_reach_the_log(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    data = load_example("redundant_question")
    data["messages"][1]["content"] = "my key is sk-abcdefghijklmnopqrstuv, order ORD-40417"
    data["metadata"] = {
        "api_key": "hunter2",
        "headers": {"Authorization": "Bearer abc.def.ghi.jkl"},
    }
    with TraceWriter(
        path, meta={"openai_api_key": "x", "api_key": "sk-zzzzzzzzzzzzzzzzzzzz"}
    ) as trace:
        Monitor(trace=trace).check(data)
    text = path.read_text()
    assert "hunter2" not in text and "abc.def" not in text and "sk-zzzz" not in text
    assert "[REDACTED]" in text
    assert redact({"max_tokens": 5, "note": "Bearer abcdefghijkl"}) == {
        "max_tokens": 5,
        "note": "[REDACTED]",
    }


def test_errors_are_logged_as_records(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    with TraceWriter(path) as trace:
        trace.write_error("in.jsonl:3", "messages[0]: missing field 'role'")
    trace_read = read_trace(path)
    assert trace_read.records[0]["kind"] == "error"
    assert trace_read.summaries[0]["errors"] == 1
    with pytest.raises(TraceError, match="trace is closed"):
        trace.write_error("x", "y")


def test_a_record_that_is_no_report_is_named(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    with Monitor(trace=path) as monitor:
        monitor.check(load_example("redundant_question"))
    lines = path.read_text(encoding="utf-8").splitlines()
    record = json.loads(lines[1])
    record["report"]["decision"] = "allow"
    lines[1] = json.dumps(record)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(TraceError, match=r"records\[0\]\.report\.decision"):
        _ = read_trace(path).reports


def _report_records(path: Path) -> list[dict[str, Any]]:
    return [r for r in read_trace(path).records if r["kind"] == "report"]


def test_a_record_ties_each_flag_to_its_input_and_output(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    data = load_example("delivery_date_unsupported")
    with Monitor(trace=path) as monitor:
        monitor.check(data)
        monitor.check({**data, "id": "case-7"})
        monitor.check(load_example("malformed_tool_call"))
    first, second, third = _report_records(path)
    text = data["output"]["content"]
    assert first["output_text"] == text
    assert first["flagged_spans"] == [
        {
            "type": "silent_assumption",
            "claim_id": "c2",
            "kind": "text",
            "span": [73, 105],
            "text": "It will be delivered on June 14.",
        }
    ]
    assert text[73:105] == first["flagged_spans"][0]["text"]
    canonical = CheckInput.model_validate(data).model_dump(
        mode="json", include={"messages", "output"}, exclude_none=True
    )
    digest = hashlib.sha256(
        json.dumps(canonical, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()
    assert first["input_sha256"] == digest and "input_id" not in first
    assert second["input_id"] == "case-7" and "input_sha256" not in second
    assert [f["type"] for f in third["flagged_spans"]] == ["malformed_tool_call"]
    assert third["flagged_spans"][0]["claim_id"] is None and third["flagged_spans"][0]["message"]
    # The context stays out unless asked for; readers still read the records as reports.
    assert all("context" not in r for r in (first, second, third))
    assert data["messages"][-1]["content"][:30] not in path.read_text(encoding="utf-8")
    assert len(read_trace(path).reports) == 3


def test_the_hash_is_the_same_whatever_form_the_input_came_in(tmp_path: Path) -> None:
    from langchain_core.messages import AIMessage, HumanMessage

    path = tmp_path / "run.jsonl"
    as_dicts = {"messages": [user("Ship it to 12 Elm St.")], "output": "Shipping to 12 Elm St."}
    as_objects = {
        "messages": [HumanMessage("Ship it to 12 Elm St.")],
        "output": AIMessage("Shipping to 12 Elm St."),
    }
    other = {**as_dicts, "output": "Shipping to 14 Elm St."}
    with Monitor(trace=path) as monitor:
        for data in (as_dicts, as_objects, other):
            monitor.check(data)
    hashes = [r["input_sha256"] for r in _report_records(path)]
    assert hashes[0] == hashes[1] != hashes[2]


def test_the_context_is_stored_on_request_and_redacted(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    data = load_example("refund_order_from_tool")
    data["messages"][1]["content"] += " My key is sk-abcdefghijklmnopqrstuv."
    with Monitor(trace=path, trace_inputs=True) as monitor:
        monitor.check(data)
    (record,) = _report_records(path)
    context = record["context"]
    assert [m["role"] for m in context["messages"]] == [m["role"] for m in data["messages"]]
    assert context["tools"][0]["function"]["name"] == data["tools"][0]["function"]["name"]
    assert "My key is" in context["messages"][1]["content"]
    assert "sk-abcdefghijklmnopqrstuv" not in path.read_text(encoding="utf-8")
    assert len(read_trace(path).reports) == 1


def test_the_cli_stores_the_context_with_trace_inputs(tmp_path: Path) -> None:
    example = str(EXAMPLES / "redundant_question.json")
    for flag, stored in ((), False), (("--trace-inputs",), True):
        path = tmp_path / f"run{stored}.jsonl"
        code = main(
            ["check", example, "--trace", str(path), *flag],
            stdout=io.StringIO(),
            stderr=io.StringIO(),
            stdin=io.StringIO(),
        )
        assert code in (0, 1)
        (record,) = _report_records(path)
        assert ("context" in record) is stored and "output_text" in record
