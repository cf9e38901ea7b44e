"""`agentguard view`: the JSON API of a served trace, the one-file page, and bad traces."""

from __future__ import annotations

import io
import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agentguard import Monitor
from agentguard.cli import main
from agentguard.inspection.labels import load_labels
from agentguard.viewer import TraceView, ViewServer, embedded_data, serve

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "check"


def _check_trace(path: Path) -> Path:
    """A trace of the bundled check examples, with their inputs (`--trace-inputs`)."""
    files = sorted(str(p) for p in EXAMPLES.glob("*.json"))
    out = io.StringIO()
    assert main(["check", "--trace", str(path), "--trace-inputs", *files], stdout=out) == 0
    return path


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[ViewServer, Path]]:
    trace = _check_trace(tmp_path / "t.jsonl")
    server = serve(TraceView(trace))
    server.view.wait(30)
    yield server, trace
    server.shutdown()
    server.server_close()
    server.view.close()


def _get(server: ViewServer, path: str) -> Any:
    with urllib.request.urlopen(server.url + path.lstrip("/"), timeout=10) as answer:
        return json.loads(answer.read())


def _post(server: ViewServer, path: str, body: object) -> tuple[int, Any]:
    request = urllib.request.Request(
        server.url + path.lstrip("/"),
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_the_api_lists_filters_and_opens_records_with_their_sources(
    served: tuple[ViewServer, Path],
) -> None:
    server, _ = served
    status = _get(server, "/api/status")
    assert (status["kind"], status["indexing"], status["problems"]) == ("trace", False, [])
    page = _get(server, "/api/rows")
    assert page["total"] == 4 and [r["line"] for r in page["rows"]] == [2, 3, 4, 5]
    assert _get(server, "/api/rows?all=1")["total"] == 5
    assert _get(server, "/api/rows?decision=retry")["total"] == 2
    booked = _get(server, "/api/rows?tool=book_flight&param=origin")
    assert [r["flagged"][-1]["text"] for r in booked["rows"]] == ['origin="Boston"']
    assert _get(server, "/api/rows?limit=1&offset=1")["rows"][0]["line"] == 3
    assert _get(server, "/api/rows?max=0.05")["total"] < page["total"]
    summary = _get(server, "/api/summary")
    assert {"tool": "book_flight", "param": "origin"}.items() <= summary[0].items() or any(
        s["tool"] == "book_flight" and s["param"] == "origin" for s in summary
    )
    detail = _get(server, "/api/record/2")
    claim = detail["record"]["report"]["claims"][0]
    assert detail["sources_from"] == "context" and claim["evidence"]
    for ev in claim["evidence"]:  # each evidence span lies inside its source's text
        start, end = ev["span"]
        assert detail["sources"][ev["source"]]["text"][start:end] == ev["text"]


def test_labels_are_saved_beside_the_trace_and_shown_with_the_record(
    served: tuple[ViewServer, Path],
) -> None:
    server, trace = served
    code, label = _post(server, "/api/labels", {"line": 2, "claim_id": "c2", "correct": False})
    assert code == 201 and label["correct"] is False
    code, _ = _post(server, "/api/labels", {"line": 2, "claim_id": "c2", "correct": True})
    assert load_labels(trace)[(2, "c2")]["correct"] is True  # the latest label counts
    assert _get(server, "/api/record/2")["labels"]["c2"]["correct"] is True
    code, error = _post(server, "/api/labels", {"line": 2, "claim_id": "c99", "correct": True})
    assert code == 400 and "no claim" in error["error"]
    code, error = _post(server, "/api/labels", {"line": 2, "claim_id": "c1"})
    assert code == 400


def test_bad_requests_get_errors_and_the_server_goes_on(served: tuple[ViewServer, Path]) -> None:
    server, trace = served
    for path, code in [
        ("/api/rows?min=high", 400),
        ("/api/rows?offset=-1", 400),
        ("/api/record/999", 400),
        ("/api/record/x", 400),
        ("/api/run", 404),
        ("/nothing", 404),
    ]:
        with pytest.raises(urllib.error.HTTPError) as caught:
            _get(server, path)
        assert caught.value.code == code, path
    # A filter is checked as `agentguard inspect` checks its options: 400 naming the key.
    for query, key in [
        ("flag=bogus", "flag"),
        ("decision=ASK_USER", "decision"),
        ("since=yesterday", "since"),
        ("until=2026-13-01", "until"),
        ("min=0.9&max=0.1", "min/max"),
        ("min=high", "min/max"),
        ("all=maybe", "all"),
        ("foo=bar", "foo"),
    ]:
        for route in ("rows", "summary"):
            with pytest.raises(urllib.error.HTTPError) as caught:
                _get(server, f"/api/{route}?{query}")
            error = json.loads(caught.value.read())
            assert caught.value.code == 400 and error["where"] == key, (route, query, error)
            assert error["error"].startswith(f"{key}: "), error
    assert "valid: silent_assumption" in _error(server, "/api/rows?flag=bogus")
    assert "MIN is above MAX" in _error(server, "/api/rows?min=0.9&max=0.1")
    assert _get(server, "/api/rows?since=2000-01-01&until=2999-01-01T00:00Z")["total"] == 4
    assert _get(server, "/api/rows?all=0")["total"] == 4
    # A request naming another host (a DNS name pointed here) is refused.
    request = urllib.request.Request(server.url + "api/status", headers={"Host": "evil.test"})
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)
    assert caught.value.code == 403
    # A record rewritten in place after indexing is an error row, not a failed page.
    data = trace.read_bytes()
    start = data.index(b"\n") + 1
    end = data.index(b"\n", start)
    trace.write_bytes(data[:start] + b"x" * (end - start) + data[end:])
    rows = _get(server, "/api/rows")["rows"]
    assert "cannot be read" in rows[0]["error"] and rows[0]["line"] == 2
    assert _get(server, "/api/rows")["total"] == 4  # still serving


def _error(server: ViewServer, path: str) -> str:
    with pytest.raises(urllib.error.HTTPError) as caught:
        _get(server, path)
    return str(json.loads(caught.value.read())["error"])


def test_the_status_follows_a_growing_trace_and_names_a_cut_last_line(
    served: tuple[ViewServer, Path],
) -> None:
    server, trace = served
    assert _get(server, "/api/status")["warnings"] == []
    record = trace.read_bytes().splitlines()[1]
    with trace.open("ab") as f:  # a record, a line that is no JSON, and a record being written
        f.write(record + b"\nnot json\n" + record[:40])
    status = _get(server, "/api/status")
    assert status["size"] == trace.stat().st_size and status["cut_line"] == 10
    assert [p["line"] for p in status["problems"]] == [9]
    assert any("Line 10 of the trace is cut" in w for w in status["warnings"])
    assert any("1 line(s) of the trace could not be read" in w for w in status["warnings"])
    assert _get(server, "/api/rows")["total"] == 5  # the appended record is listed
    with trace.open("ab") as f:  # the writer finishes its line
        f.write(record[40:] + b"\n")
    status = _get(server, "/api/status")
    assert status["cut_line"] is None and not any("cut" in w for w in status["warnings"])
    assert _get(server, "/api/rows")["total"] == 6


def test_the_page_is_served_whole_and_loads_nothing_from_elsewhere(
    served: tuple[ViewServer, Path],
) -> None:
    server, _ = served
    assert server.url.startswith("http://127.0.0.1:")
    with urllib.request.urlopen(server.url, timeout=10) as answer:
        page = answer.read().decode()
        policy = answer.headers["Content-Security-Policy"]
    assert "<script>" in page and 'id="filters"' in page
    assert not re.search(r"(src|href)=\"https?:", page) and "default-src 'none'" in policy


def test_an_eval_run_shows_its_figures_with_the_cases_of_each_bin(tmp_path: Path) -> None:
    out = tmp_path / "run"
    code = main(
        ["eval", "travel", "--fresh", "--no-progress", "--out", str(out)], stdout=io.StringIO()
    )
    assert code == 0
    server = serve(TraceView(out))
    try:
        server.view.wait(30)
        run = _get(server, "/api/run")
        width = next(f for f in run["figures"] if (f["level"], f["scheme"]) == ("claims", "width"))
        assert "<svg" in width["svg"]
        assert [len(b["members"]) for b in width["bins"]] == [b["count"] for b in width["bins"]]
        assert run["misses"] and all(m["case"].startswith("travel/") for m in run["misses"])
        case = run["misses"][0]["case"]
        rows = _get(server, f"/api/rows?cases={case}")["rows"]
        assert [r["input_id"] for r in rows] == [case.split("/")[1]]
        detail = _get(server, f"/api/record/{rows[0]['line']}")
        assert detail["sources_from"] == "suite case" and "user#1" in detail["sources"]
        assert _get(server, "/api/status")["kind"] == "run"
    finally:
        server.shutdown()
        server.server_close()
        server.view.close()


def test_view_writes_one_self_contained_html_file(tmp_path: Path) -> None:
    trace = _check_trace(tmp_path / "t.jsonl")
    page = tmp_path / "view.html"
    out, err = io.StringIO(), io.StringIO()
    assert main(["view", str(trace), "-o", str(page)], stdout=out, stderr=err) == 0
    html = page.read_text(encoding="utf-8")
    data = json.loads(
        re.search(r'<script type="application/json" id="embedded">(.*?)</script>', html, re.S)[1]  # type: ignore[index]
    )
    assert data["shown"] == data["total"] == 5 and err.getvalue() == ""
    assert data["records"][0]["detail"]["sources"]
    assert "</script" not in json.dumps(data) or "<\\/" in html
    assert not re.search(r"(src|href)=\"https?:", html)


def test_a_large_trace_embeds_the_flagged_records_first_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    trace = _check_trace(tmp_path / "t.jsonl")
    monkeypatch.setattr("agentguard.viewer.commands.MAX_EMBEDDED", 3)
    page, err = tmp_path / "view.html", io.StringIO()
    assert main(["view", str(trace), "-o", str(page)], stdout=io.StringIO(), stderr=err) == 0
    assert "holds 3 of the 5 records (flagged ones first)" in err.getvalue()
    data = embedded_data(TraceView(trace), limit=3)
    assert data["shown"] == 3 and data["total"] == 5
    assert all(r["flags"] for r in data["records"])


def test_what_is_no_trace_is_refused_on_the_command_line(tmp_path: Path) -> None:
    cases = {
        "missing.jsonl": None,
        "notrace.jsonl": b'{"hello": 1}\n',
        "future.jsonl": b'{"kind": "header", "version": 9}\n',
        "cut.jsonl": b'{"kind": "header", "vers',
    }
    for name, content in cases.items():
        path = tmp_path / name
        if content is not None:
            path.write_bytes(content)
        err = io.StringIO()
        assert main(["view", str(path), "--no-open"], stdout=io.StringIO(), stderr=err) == 2
        assert err.getvalue().startswith("agentguard: error:") and err.getvalue().count("\n") == 1


def test_a_trace_with_bad_lines_warns_and_names_them(tmp_path: Path) -> None:
    trace = _check_trace(tmp_path / "t.jsonl")
    with trace.open("ab") as f:
        f.write(b'{"kind": "report", "report": \n{"kind": "mystery"}\n')
    view = TraceView(trace)
    view.wait(30)
    status = view.status()
    assert [p["line"] for p in status["problems"]] == [8, 9]
    assert any("could not be read" in w for w in status["warnings"])
    assert view.rows({})["total"] == 4
    view.close()


def test_view_o_names_each_unreadable_line_and_a_cut_last_line(tmp_path: Path) -> None:
    trace = _check_trace(tmp_path / "t.jsonl")
    with trace.open("ab") as f:
        f.write(b"not json\n" * 12 + b'{"kind": "rep')
    page, err = tmp_path / "view.html", io.StringIO()
    assert main(["view", str(trace), "-o", str(page)], stdout=io.StringIO(), stderr=err) == 0
    lines = err.getvalue().splitlines()
    assert all(line.startswith("agentguard: warning: ") for line in lines), lines
    assert lines[0] == f"agentguard: warning: {trace}:8: corrupt record (not JSON): skipped"
    assert len([x for x in lines if "corrupt record" in x]) == 10
    assert "2 more unreadable lines skipped" in lines[10]
    assert lines[11] == (
        f"agentguard: warning: {trace}:20: the last line is cut "
        "(a crash, or a writer still writing it): skipped"
    )
    html = page.read_text(encoding="utf-8")
    assert "Line 20 of the trace is cut" in html and "12 line(s) of the trace" in html


def _big_trace(path: Path, n: int) -> None:
    """A trace of `n` reports: one real report record repeated, each with its own input id."""
    with Monitor(trace=path) as monitor:
        monitor.check(
            messages=[{"role": "user", "content": "Book me a flight to Denver."}],
            output={"role": "assistant", "content": "You fly from Boston to Denver tomorrow."},
            id="seed",
        )
    header, record = path.read_bytes().splitlines()[:2]
    with path.open("wb") as f:
        f.write(header + b"\n")
        for i in range(n):
            f.write(record.replace(b'"seed"', f'"case-{i}"'.encode()) + b"\n")


def test_a_large_trace_serves_its_first_page_while_it_is_indexed(tmp_path: Path) -> None:
    trace = tmp_path / "big.jsonl"
    _big_trace(trace, 20_000)
    started = time.monotonic()
    server = serve(TraceView(trace))
    try:
        first = _get(server, "/api/rows?limit=50")
        while first["total"] == 0 and time.monotonic() - started < 2:
            first = _get(server, "/api/rows?limit=50")
        assert time.monotonic() - started < 2 and len(first["rows"]) == 50
        assert server.view.wait(60)
        assert _get(server, "/api/rows")["total"] == 20_000
        assert _get(server, "/api/rows?input=case-19999")["rows"][0]["input_id"] == "case-19999"
    finally:
        server.shutdown()
        server.server_close()
        server.view.close()
