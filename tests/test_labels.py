"""Labels beside a trace: the file, the latest label winning, concurrent labellers, the CLI."""

from __future__ import annotations

import io
import json
import multiprocessing
from pathlib import Path

import pytest

from agentguard import InputError, Monitor
from agentguard.cli import main
from agentguard.inspection.labels import (
    LABELS_SUFFIX,
    LabelWarning,
    add_label,
    labels_path_of,
    load_labels,
    read_labels,
)
from tests.test_trace_index import ASK, TOLD, TOOLS, _call


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def trace(tmp_path: Path) -> Path:
    """A trace: line 2 and 3 are reports (case-0 assumes its origin, case-1 was told it)."""
    path = tmp_path / "t.jsonl"
    with Monitor(trace=path) as monitor:
        monitor.check(messages=ASK, tools=TOOLS, output=_call("Boston"), id="case-0")
        monitor.check(messages=TOLD, tools=TOOLS, output=_call("Boston"), id="case-1")
    return path


def _origin(trace: Path, line: int) -> str:
    record = json.loads(trace.read_text().splitlines()[line - 1])
    return next(c["id"] for c in record["report"]["claims"] if c["path"] == "origin")


def test_a_label_is_a_record_beside_the_trace(trace: Path) -> None:
    claim = _origin(trace, 2)
    done = add_label(trace, line=2, claim_id=claim, correct=False, note="no origin", by="ana")
    path = trace.with_name(trace.name + LABELS_SUFFIX)
    assert labels_path_of(trace) == path and path.is_file()
    header, record = (json.loads(line) for line in path.read_text().splitlines())
    assert header["kind"] == "labels" and header["version"] == 1
    assert record == done
    assert (record["line"], record["claim_id"], record["correct"]) == (2, claim, False)
    assert record["input_id"] == "case-0" and record["tool"] == "book"
    assert record["path"] == "origin" and record["value"] == "Boston"
    assert record["support"] < 0.5 and record["note"] == "no origin" and record["by"] == "ana"
    assert record["time"].endswith("+00:00")
    assert load_labels(trace) == {(2, claim): record}


def test_the_latest_label_of_a_claim_wins(trace: Path) -> None:
    claim = _origin(trace, 3)
    add_label(trace, line=3, claim_id=claim, correct=False)
    add_label(trace, line=3, claim_id=claim, correct=True, note="the user said Boston")
    add_label(trace, line=2, claim_id=_origin(trace, 2), correct=False)
    labels = load_labels(trace)
    assert len(labels) == 2
    assert labels[(3, claim)]["correct"] is True
    assert labels[(3, claim)]["note"] == "the user said Boston"
    assert read_labels(trace).records == 3


def _label_many(args: tuple[str, int, str]) -> int:
    path, worker, claim = args
    for i in range(20):
        add_label(Path(path), line=2, claim_id=claim, correct=i % 2 == 0, by=f"w{worker}")
    return worker


def test_labellers_in_several_processes_append_whole_lines(trace: Path) -> None:
    claim = _origin(trace, 2)
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(4) as pool:
        done = pool.map(_label_many, [(str(trace), w, claim) for w in range(4)])
    assert sorted(done) == [0, 1, 2, 3]
    lines = labels_path_of(trace).read_text().splitlines()
    assert len(lines) == 1 + 4 * 20  # one header, every record whole
    records = [json.loads(line) for line in lines[1:]]
    assert {r["by"] for r in records} == {"w0", "w1", "w2", "w3"}
    assert read_labels(trace).records == 80 and read_labels(trace).problems == []


def test_bad_lines_are_skipped_with_a_warning_naming_them(trace: Path) -> None:
    claim = _origin(trace, 2)
    add_label(trace, line=2, claim_id=claim, correct=False)
    path = labels_path_of(trace)
    with path.open("a") as f:
        f.write("not json\n")
        f.write('{"kind": "label", "line": "x"}\n')
    add_label(trace, line=3, claim_id=_origin(trace, 3), correct=True)
    with path.open("a") as f:
        f.write('{"kind": "label", "line": 2, "claim_id"')  # cut by a crash
    with pytest.warns(LabelWarning) as caught:
        labels = load_labels(trace)
    messages = [str(w.message) for w in caught]
    assert len(labels) == 2
    assert any(f"{path}:3:" in m and "not a label record" in m for m in messages)
    assert any(f"{path}:4:" in m for m in messages)
    assert any(f"{path}:6:" in m and "cut" in m for m in messages)
    # The next labeller cuts the partial line away before appending.
    add_label(trace, line=2, claim_id=claim, correct=True)
    assert labels_path_of(trace).read_text().endswith("}\n")
    assert len(read_labels(trace).problems) == 2


def test_a_file_that_is_no_label_file_is_refused_and_not_written(trace: Path) -> None:
    path = labels_path_of(trace)
    path.write_text('{"something": "else"}\n')
    with pytest.raises(InputError, match="not a label file"):
        add_label(trace, line=2, claim_id=_origin(trace, 2), correct=True)
    assert path.read_text() == '{"something": "else"}\n'
    with pytest.warns(LabelWarning, match="not a label file"):
        assert load_labels(trace) == {}


@pytest.mark.parametrize(
    ("line", "claim", "message"),
    [
        (99, "c1", ":99: no record on this line"),
        (2, "c9", "the report has no claim 'c9' (its claims: c1, c2"),
        (1, "c1", "line: must be a trace line number of at least 2"),
        (2, "", "claim: must be a claim id"),
    ],
)
def test_add_label_names_what_is_wrong(trace: Path, line: int, claim: str, message: str) -> None:
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        add_label(trace, line=line, claim_id=claim, correct=True)
    assert not labels_path_of(trace).exists()


def test_add_label_refuses_a_record_that_is_no_report(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    with Monitor(trace=path) as monitor:
        monitor.check(messages=ASK, tools=TOOLS, output=_call("Boston"), id="case-0")
    with path.open("a") as f:  # an agent run's event, as runtime traces hold them
        f.write(json.dumps({"kind": "event", "time": "2026-01-01T00:00:00Z", "event": "x"}) + "\n")
    line = len(path.read_text().splitlines())
    with pytest.raises(InputError, match="holds a record of kind .event., not a report"):
        add_label(path, line=line, claim_id="c1", correct=True)
    with pytest.raises(InputError, match="note: longer than 2,000 characters"):
        add_label(path, line=2, claim_id="c1", correct=True, note="x" * 2001)
    with pytest.raises(InputError, match="no such file"):
        add_label(tmp_path / "nope.jsonl", line=2, claim_id="c1", correct=True)


def test_cli_labels_and_lists(trace: Path) -> None:
    claim = _origin(trace, 2)
    code, out, err = run_cli(
        "label", str(trace), "--line", "2", "--claim", claim, "--wrong", "--note", "guessed"
    )
    assert code == 0, err
    assert f"line 2 claim {claim} (book.origin = 'Boston'" in out and out.count("wrong") == 1
    assert str(labels_path_of(trace)) in out
    assert run_cli("label", str(trace), "--line", "3", "--claim", claim, "--right")[0] == 0
    code, out, _ = run_cli("label", str(trace), "--list")
    assert code == 0
    assert "case-0" in out and "case-1" in out and "guessed" in out
    assert "2 labelled claim(s)" in out
    code, out, _ = run_cli("label", str(trace), "--list", "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert [(r["line"], r["correct"]) for r in rows] == [(2, False), (3, True)]


def test_cli_errors_are_one_line_and_exit_2(trace: Path, tmp_path: Path) -> None:
    code, _, err = run_cli("label", str(trace), "--line", "2", "--claim", "c9", "--right")
    assert code == 2 and err.count("\n") == 1 and "no claim 'c9'" in err
    code, _, err = run_cli("label", str(trace), "--line", "2", "--claim", "c1")
    assert code == 2 and "--right or --wrong" in err
    code, _, err = run_cli("label", str(tmp_path), "--list")
    assert code == 2 and "holds no trace.jsonl" in err
    code, out, _ = run_cli("label", str(trace), "--list")
    assert code == 0 and "no labels yet" in out
