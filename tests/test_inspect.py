"""`agentguard inspect`: filters, pages, the JSON shape, the summary, and bad traces."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from agentguard import Monitor
from agentguard.cli import main
from agentguard.inspection.index import INDEX_SUFFIX

EXAMPLES = sorted(str(p) for p in (Path(__file__).parent.parent / "examples/check").glob("*.json"))
HEADER = re.compile(r"^── line (\d+) · (\S+)", re.M)
RECORD_KEYS = {
    "line", "input_id", "input_sha256", "time", "suite", "domain", "thread", "run", "step",
    "decision", "reason", "question", "support", "policy", "output_text", "output_rebuilt",
    "other_flags", "flagged_claims",
}  # fmt: skip
CLAIM_KEYS = {
    "id", "kind", "text", "tool", "call_id", "path", "value", "support", "label", "span",
    "hedged", "flags", "messages", "evidence",
}  # fmt: skip


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def _json(*argv: str) -> list[dict[str, Any]]:
    code, out, err = _run("inspect", *argv, "--json")
    assert code == 0, err
    return [json.loads(line) for line in out.splitlines()]


@pytest.fixture(scope="module")
def eval_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("inspect") / "run"
    code, _, err = _run(
        "eval", "travel", "orders", "--limit", "40", "--fresh", "--no-progress", "--out", str(out)
    )
    assert code == 0, err
    return out


@pytest.fixture(scope="module")
def check_trace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("inspect") / "check.jsonl"
    code, _, err = _run("check", "--trace", str(path), "--trace-inputs", *EXAMPLES)
    assert code == 0, err
    return path


def test_a_page_of_flagged_records_with_a_footer_that_tells_the_next_page(eval_run: Path) -> None:
    code, out, err = _run("inspect", str(eval_run), "--no-color", "--limit", "5")
    assert code == 0 and err == ""
    assert len(HEADER.findall(out)) == 5
    matched = len(_json(str(eval_run), "--limit", "1000"))
    assert matched > 5
    assert f"records 1-5 of {matched} matched (page 1 of {-(-matched // 5)})" in out
    assert "next page: the same command with --offset 5" in out
    assert (eval_run / ("trace.jsonl" + INDEX_SUFFIX)).is_file()
    # The last page says no more.
    code, out, _ = _run("inspect", str(eval_run), "--no-color", "--offset", str(matched - 2))
    assert len(HEADER.findall(out)) == 2 and "next page" not in out
    # --all also shows records without flags.
    assert len(_json(str(eval_run), "--all", "--limit", "1000")) == 80


def test_filters(eval_run: Path) -> None:
    orders = _json(str(eval_run), "--domain", "orders", "--limit", "1000")
    assert orders and all(r["domain"] == "orders" for r in orders)
    asks = _json(str(eval_run), "--decision", "ask_user", "--decision", "block")
    assert asks and all(r["decision"] in ("ask_user", "block") for r in asks)
    contradictions = _json(str(eval_run), "--flag", "contradiction", "--limit", "1000")
    assert contradictions
    for record in contradictions:
        flags = [f for c in record["flagged_claims"] for f in c["flags"]]
        assert "contradiction" in flags
    origin = _json(str(eval_run), "--tool", "book_flight", "--param", "origin", "--limit", "1000")
    assert origin and all(any(c["path"] == "origin" for c in r["flagged_claims"]) for r in origin)
    low = _json(str(eval_run), "--support", ":0.1", "--limit", "1000")
    assert low and all(any(c["support"] <= 0.1 for c in r["flagged_claims"]) for r in low)
    assert not _json(str(eval_run), "--support", "0.999:")
    travel = _json(str(eval_run), "--input", "travel-00?", "--limit", "1000")
    assert travel and all(re.fullmatch(r"travel-00\d", str(r["input_id"])) for r in travel)
    assert not _json(str(eval_run), "--since", "2999-01-01")
    assert len(_json(str(eval_run), "--until", "2999-01-01T00:00Z", "--limit", "1000")) == len(
        _json(str(eval_run), "--limit", "1000")
    )


def test_json_shape(eval_run: Path) -> None:
    (record,) = _json(str(eval_run), "--flag", "contradiction", "--limit", "1")
    assert set(record) == RECORD_KEYS
    assert isinstance(record["line"], int) and record["suite"] in ("travel", "orders")
    assert record["output_rebuilt"] is False and isinstance(record["reason"], str)
    claim = record["flagged_claims"][0]
    assert set(claim) == CLAIM_KEYS
    assert claim["label"] == "contradicted" and 0 <= claim["support"] <= 1
    evidence = claim["evidence"][0]
    assert set(evidence) == {"source", "span", "text", "note", "before", "after"}
    if claim["kind"] == "text":
        a, b = claim["span"]
        assert record["output_text"][a:b] == claim["text"]


def test_summary_by_tool_and_parameter(eval_run: Path) -> None:
    code, out, _ = _run("inspect", str(eval_run), "--summary", "--json")
    (body,) = [json.loads(line) for line in out.splitlines()]
    entries = body["summary"]
    assert [e["flags"] for e in entries] == sorted((e["flags"] for e in entries), reverse=True)
    assert {"tool", "param", "flags", "records", "mean_support", "flag_types"} == set(entries[0])
    assert body["matched_records"] == len(_json(str(eval_run), "--limit", "1000"))
    code, out, _ = _run("inspect", str(eval_run), "--summary", "--no-color")
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["tool", "parameter", "flags", "records"]
    top = entries[0]
    assert re.split(r"\s{2,}", lines[1])[:3] == [
        top["tool"] or "(no tool)",
        top["param"] or "-",
        str(top["flags"]),
    ]
    flags, matched = sum(e["flags"] for e in entries), body["matched_records"]
    assert lines[-1] == f"{flags} flagged claims in {matched} matching records"
    only = json.loads(
        _run("inspect", str(eval_run), "--summary", "--json", "--domain", "orders")[1]
    )
    assert all(e["tool"] != "book_flight" for e in only["summary"])


def test_evidence_in_its_source_and_colour_off_or_on(check_trace: Path) -> None:
    code, out, _ = _run("inspect", str(check_trace), "--no-color", "--decision", "ask_user")
    assert code == 0 and "\x1b[" not in out
    # The claim below threshold is marked; its evidence is shown inside the user's message.
    assert "[[Booking your flight from Boston to Denver on Friday, May 3.]]" in out
    assert "Hi! Please book me a flight to [[Denver]] next Friday, economy is fine." in out
    assert 'book_flight(origin=[["Boston"]], destination="Denver"' in out
    assert "decision: ASK_USER" in out and "ask: Could you tell me" in out
    code, coloured, _ = _run("inspect", str(check_trace), "--color", "--decision", "ask_user")
    assert "\x1b[31;4m" in coloured and "[[" not in coloured  # red and underlined: flagged, low


def test_bad_option_values_name_the_option_and_the_value(check_trace: Path) -> None:
    code, out, err = _run("inspect", str(check_trace), "--flag", "made_up")
    assert code == 2 and out == ""
    assert err.startswith("agentguard: error: --flag: no such value 'made_up' (valid: ")
    assert "silent_assumption" in err and "Traceback" not in err
    for option, value in [("--support", "0.5"), ("--support", "1:0"), ("--since", "soon")]:
        code, _, err = _run("inspect", str(check_trace), option, value)
        assert code == 2 and err.startswith(f"agentguard: error: {option}: '{value}'"), err
    with pytest.raises(SystemExit) as exit_:
        _run("inspect", str(check_trace), "--limit", "-3")
    assert exit_.value.code == 2


def test_what_is_no_trace_gets_one_error_line(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello\n", encoding="utf-8")
    (tmp_path / "future.jsonl").write_text('{"kind": "header", "version": 9}\n', encoding="utf-8")
    for path, message in [
        (tmp_path / "notes.txt", "not a trace"),
        (tmp_path / "missing.jsonl", "no such file"),
        (tmp_path, "holds no trace.jsonl"),
        (tmp_path / "future.jsonl", "version 9 is not one this reads"),
    ]:
        code, out, err = _run("inspect", str(path))
        assert code == 2 and out == "" and len(err.splitlines()) == 1, err
        assert message in err and "Traceback" not in err


def test_bad_lines_are_warned_about_with_their_line_numbers(
    check_trace: Path, tmp_path: Path
) -> None:
    path = tmp_path / "t.jsonl"
    lines = check_trace.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join([lines[0], lines[1], '{"kind": "report", "repo\n', *lines[2:]]))
    code, out, err = _run("inspect", str(path), "--no-color", "--all")
    assert code == 0
    assert f"agentguard: warning: {path}:3: corrupt record (not JSON): skipped" in err
    assert len(HEADER.findall(out)) == len(lines) - 2  # every record but the header and summary
    with path.open("a", encoding="utf-8") as f:
        f.write('{"kind": "report", "time": "2026')  # a writer killed mid-line
    code, out, err = _run("inspect", str(path), "--no-color")
    assert code == 0 and f"{path}:{len(lines) + 2}: the last line is cut" in err
    # A damaged index is only a cache: it is made again.
    path.with_name(path.name + INDEX_SUFFIX).write_bytes(b"not sqlite at all" * 10)
    code, again, err = _run("inspect", str(path), "--no-color")
    assert code == 0 and again == out


def test_an_older_trace_without_output_text_is_rebuilt_from_its_claims(
    check_trace: Path, tmp_path: Path
) -> None:
    old = tmp_path / "v2.jsonl"
    rows = []
    for line in check_trace.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["kind"] == "header":
            record = {"version": 2, "kind": "header", "created": record["created"]}
        for key in ("output_text", "flagged_spans", "writer", "seq", "context"):
            record.pop(key, None)
        rows.append(json.dumps(record))
    old.write_text("\n".join(rows) + "\n", encoding="utf-8")
    code, out, err = _run("inspect", str(old), "--no-color")
    assert code == 0 and err == ""
    assert out.count("outputs are rebuilt from their claims") == 1
    assert "output (rebuilt from its claims):" in out
    records = _json(str(old), "--decision", "ask_user")
    assert records and all(r["output_rebuilt"] for r in records)
    claim = next(c for c in records[0]["flagged_claims"] if c["kind"] == "text")
    a, b = claim["span"]
    assert records[0]["output_text"][a:b] == claim["text"]


def test_escape_sequences_in_a_trace_do_not_reach_the_terminal(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    messages = [{"role": "user", "content": "Where is my order?"}]
    output = {"role": "assistant", "content": "It arrives \x1b[2J\x1b]0;owned\x07 on June 14."}
    with Monitor(trace=path) as monitor:
        monitor.check(messages=messages, output=output, id="escape")
    for colour in ("--color", "--no-color"):
        code, out, _ = _run("inspect", str(path), colour)
        assert code == 0 and "\x1b[2J" not in out and "\x07" not in out
        assert "It arrives ␛[2J␛]0;owned␇ on June 14." in out.replace("[[", "").replace("]]", "")
    (record,) = _json(str(path))
    assert "\x1b[2J" in record["output_text"]  # --json keeps the text as it is
