from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from agentguard import FunctionModel, InputError, read_trace
from agentguard.evaluation.harness.runner import load_run, read_results, rows, run_eval
from agentguard.evaluation.harness.suite import load_suite
from tests.conftest import call, system, tool, user

ROOT = Path(__file__).resolve().parent.parent
SYSTEM = system("You book flights. Today is Wednesday, 2026-11-25.")
BOOK = tool(
    "book_flight",
    origin={"type": "string", "description": "The city you fly from."},
    destination={"type": "string"},
)


def booking(origin: str) -> dict[str, Any]:
    return {"tool_calls": [call("book_flight", {"origin": origin, "destination": "Denver"})]}


def case(i: int, said: str, origin: str, action: str, supported: bool) -> dict[str, Any]:
    return {
        "id": f"t-{i}",
        "domain": "travel",
        "messages": [SYSTEM, user(said)],
        "tools": [BOOK],
        "output": booking(origin),
        "gold": {
            "action": action,
            "claims": [{"path": "origin", "supported": supported}],
            "others": True,
        },
    }


def write_suite(path: Path, cases: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(c) + "\n" for c in cases))
    return path


@pytest.fixture
def suite_path(tmp_path: Path) -> Path:
    cases = [
        case(1, "Fly me to Denver.", "Boston", "ask_user", False),
        case(2, "Fly me from Chicago to Denver.", "Chicago", "allow", True),
        case(3, "I need Denver, leaving from Oslo.", "Oslo", "allow", True),
    ]
    return write_suite(tmp_path / "mini.jsonl", cases)


def test_run_joins_reports_with_gold(suite_path: Path, tmp_path: Path) -> None:
    result = run_eval([load_suite(suite_path)], tmp_path / "run", progress=False)
    by_case = {r["case"]: r for r in result.results}
    assert by_case["t-1"]["behaviour"] == "ask_user" and by_case["t-1"]["alone"] == "allow"
    assert by_case["t-2"]["behaviour"] == "allow"
    origin = next(c for c in by_case["t-1"]["claims"] if c["path"] == "origin")
    assert origin["gold"] is False and origin["support"] < 0.5
    dest = next(c for c in by_case["t-2"]["claims"] if c["path"] == "destination")
    assert dest["gold"] is True  # `others`
    claims, responses, behaviours = rows(result.results)
    assert len(claims) == 6 and responses == []
    assert [b["gold"] for b in behaviours] == ["ask_user", "allow", "allow"]
    header, results = load_run(tmp_path / "run")
    assert header["settings"]["suites"] == ["mini"] and header["cases"] == 3
    records = read_trace(tmp_path / "run" / "trace.jsonl").records
    assert len([r for r in records if r["kind"] == "report"]) == 3
    first = next(r for r in records if r.get("input_id") == "t-1")
    assert [f["path"] for f in first["flagged_spans"]] == ["origin"]
    assert "output_text" in first


def test_rerun_resumes_and_fresh_starts_over(suite_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    run_eval([load_suite(suite_path)], out, progress=False)
    again = run_eval([load_suite(suite_path)], out, progress=False)
    assert (again.ran, again.skipped, len(again.results)) == (0, 3, 3)
    fresh = run_eval([load_suite(suite_path)], out, progress=False, fresh=True)
    assert (fresh.ran, fresh.skipped) == (3, 0)
    assert len(read_results(out / "results.jsonl")) == 3


def test_a_cut_last_line_is_run_again(suite_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    run_eval([load_suite(suite_path)], out, progress=False)
    results = out / "results.jsonl"
    lines = results.read_text().splitlines(keepends=True)
    results.write_text("".join(lines[:2]) + lines[2][:40])  # a crash mid-write
    again = run_eval([load_suite(suite_path)], out, progress=False)
    assert (again.ran, again.skipped) == (1, 2)
    assert len(read_results(results)) == 3
    assert all(json.loads(line) for line in results.read_text().splitlines())


def test_other_settings_in_the_same_folder_are_refused(suite_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    run_eval([load_suite(suite_path)], out, progress=False)
    with pytest.raises(InputError, match="holds a run with other settings"):
        run_eval([load_suite(suite_path)], out, policy="strict", progress=False)


def test_live_model_with_concurrency(suite_path: Path, tmp_path: Path) -> None:
    def model(messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> Any:
        said = messages[-1]["content"]
        return booking("Chicago") if "Chicago" in said else "Where are you flying from?"

    live = FunctionModel(model, name="fn")
    result = run_eval(
        [load_suite(suite_path)], tmp_path / "live", model=live, concurrency=2, progress=False
    )
    by_case = {r["case"]: r for r in result.results}
    assert {r["model"] for r in result.results} == {"fn"}
    assert by_case["t-1"]["alone"] == "ask_user" and by_case["t-1"]["behaviour"] == "ask_user"
    assert by_case["t-2"]["behaviour"] == "allow"


def test_failing_cases_are_recorded_not_fatal(tmp_path: Path) -> None:
    no_output = case(9, "Fly me to Denver.", "Boston", "ask_user", False)
    del no_output["output"]
    path = write_suite(tmp_path / "s.jsonl", [no_output])
    result = run_eval([load_suite(path)], tmp_path / "run", progress=False)
    assert "no recorded output" in result.results[0]["error"]
    assert rows(result.results) == ([], [], [])
    assert load_run(tmp_path / "run")[0]["errors"] == 1


def test_not_a_run_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a run folder"):
        load_run(tmp_path)
    with pytest.raises(InputError, match="concurrency"):
        run_eval([], tmp_path / "x", concurrency=0)


# -- failures, resumes and the trace ----------------------------------------------------------


def live_booking(fail_on: set[str]) -> FunctionModel:
    """A live model that books from the city the user named, and fails for some requests."""

    def model(messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> Any:
        said = messages[-1]["content"]
        if any(word in said for word in fail_on):
            raise ConnectionError("the provider is down")
        city = next((c for c in ("Chicago", "Oslo") if c in said), "Boston")
        return booking(city)

    return FunctionModel(model, name="fn")


def live_records(out: Path) -> list[tuple[str, str]]:
    """`(kind, case id)` of every report and error record in a run's trace."""
    trace = read_trace(out / "trace.jsonl")
    assert not trace.truncated
    return [(r["kind"], r["input_id"]) for r in trace.records]


def test_failed_cases_run_again_on_resume(suite_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    first = run_eval([load_suite(suite_path)], out, model=live_booking({"Oslo"}), progress=False)
    assert [r["case"] for r in first.failed] == ["t-3"]
    assert first.failed[0]["error"] == "ConnectionError: the provider is down"
    assert live_records(out) == [("report", "t-1"), ("report", "t-2"), ("error", "t-3")]

    again = run_eval([load_suite(suite_path)], out, model=live_booking(set()), progress=False)
    assert (again.ran, again.skipped, again.retried, again.failed) == (1, 2, 1, [])
    assert [r["case"] for r in read_results(out / "results.jsonl")] == ["t-1", "t-2", "t-3"]
    assert live_records(out) == [("report", "t-1"), ("report", "t-2"), ("report", "t-3")]
    assert load_run(out)[0]["errors"] == 0


def test_a_hung_live_model_fails_its_case(suite_path: Path, tmp_path: Path) -> None:
    release = threading.Event()

    def hang(messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> str:
        release.wait(30)
        return "late"

    try:
        result = run_eval([load_suite(suite_path)], tmp_path / "run", progress=False,
                          model=FunctionModel(hang, name="hang"), model_timeout=0.05)  # fmt: skip
    finally:
        release.set()
    errors = [r["error"] for r in result.failed]
    assert errors == ["ModelError: model 'hang' timed out after 0.05 s"] * 3


KILLED_RUN = """
import os, signal, sys
from agentguard.cli import main
from agentguard.evaluation.harness import runner

written = runner._append_result
def append_or_die(sink, row):
    if row["case"] == sys.argv[3]:
        os.kill(os.getpid(), signal.SIGKILL)  # after the trace record, before the result line
    written(sink, row)
runner._append_result = append_or_die
main(["eval", sys.argv[1], "--out", sys.argv[2], "--no-progress"])
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_a_run_killed_between_trace_and_result_resumes_without_duplicates(
    suite_path: Path, tmp_path: Path
) -> None:
    out = tmp_path / "run"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_RUN, str(suite_path), str(out), "t-3"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert [r["case"] for r in read_results(out / "results.jsonl")] == ["t-1", "t-2"]
    assert live_records(out) == [("report", "t-1"), ("report", "t-2"), ("report", "t-3")]

    again = run_eval([load_suite(suite_path)], out, progress=False)
    assert (again.ran, again.skipped) == (1, 2)
    assert live_records(out) == [("report", "t-1"), ("report", "t-2"), ("report", "t-3")]
    assert [r["case"] for r in read_results(out / "results.jsonl")] == ["t-1", "t-2", "t-3"]


def test_a_trace_cut_mid_record_is_repaired_on_resume(suite_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    run_eval([load_suite(suite_path)], out, progress=False)
    results = out / "results.jsonl"
    results.write_text("".join(results.read_text().splitlines(keepends=True)[:2]))
    trace = out / "trace.jsonl"
    lines = trace.read_text().splitlines(keepends=True)
    cut = [line for line in lines if '"kind":"summary"' not in line]
    trace.write_text("".join(cut)[:-30])  # the last record, t-3's, cut mid-write
    assert read_trace(trace).truncated

    run_eval([load_suite(suite_path)], out, progress=False)
    assert live_records(out) == [("report", "t-1"), ("report", "t-2"), ("report", "t-3")]
