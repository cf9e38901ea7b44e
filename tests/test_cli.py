import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from agentguard import read_trace
from agentguard.cli import main
from tests.conftest import EXAMPLES, load_example


def _run(*argv: str, stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err, stdin=io.StringIO(stdin))
    return code, out.getvalue(), err.getvalue()


def test_terminal_report_marks_the_assumed_claim_and_asks() -> None:
    code, out, _ = _run("check", "--no-color", str(EXAMPLES / "flight_missing_origin.json"))
    assert code == 0
    assert "[[Booking your flight from Boston to Denver on Friday, May 3.]]" in out
    assert "book_flight.origin = 'Boston'" in out and "! silent_assumption" in out
    assert "decision: ASK_USER" in out
    assert "ask: Could you tell me the city the flight departs from?" in out
    assert "evidence: user#1" in out


@pytest.mark.parametrize(
    ("example", "flags", "action"),
    [
        ("flight_missing_origin", ["silent_assumption", "silent_assumption"], "ask_user"),
        ("refund_order_from_tool", [], "allow"),
        ("delivery_date_unsupported", ["silent_assumption"], "retry"),
        ("redundant_question", ["redundant_question"], "annotate"),
        ("malformed_tool_call", ["malformed_tool_call"], "retry"),
    ],
)
def test_every_example_gives_its_documented_result(
    example: str, flags: list[str], action: str
) -> None:
    code, out, _ = _run("check", "--json", str(EXAMPLES / f"{example}.json"))
    assert code == 0
    body = json.loads(out)
    assert [f["type"] for f in body["flags"]] == flags
    assert body["decision"]["action"] == action
    assert set(body) >= {"support", "claims", "flags", "decision", "latency_ms"}


def test_stdin_and_policy_by_name() -> None:
    data = json.dumps(load_example("redundant_question"))
    code, out, _ = _run("check", "--json", "--policy", "strict", "-", stdin=data)
    assert code == 0 and json.loads(out)["decision"]["action"] == "retry"


def test_not_json_is_a_one_line_error_with_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"messages": [}\n')
    code, out, err = _run("check", str(bad))
    assert code == 2 and out == ""
    assert err == f"agentguard: error: {bad}:1:15: not valid JSON (Expecting value)\n"


def test_missing_file_and_bad_policy_exit_2(tmp_path: Path) -> None:
    code, _, err = _run("check", str(tmp_path / "nope.json"))
    assert code == 2 and "nope.json: no such file" in err
    policy = tmp_path / "p.yaml"
    policy.write_text("thresold: 0.4\n")
    code, _, err = _run("check", "--policy", str(policy), str(EXAMPLES / "redundant_question.json"))
    assert code == 2 and err.strip() == f"agentguard: error: {policy}: thresold: unknown field"


def test_jsonl_reports_bad_lines_and_checks_the_rest(tmp_path: Path) -> None:
    good = json.dumps(load_example("redundant_question"))
    lines = [good, "not json", json.dumps({"messages": [{"content": "x"}], "output": {}}), good]
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(lines) + "\n")
    trace = tmp_path / "trace.jsonl"
    code, out, err = _run("check", "--jsonl", "--json", "--trace", str(trace), str(src))
    assert code == 2
    records = [json.loads(x) for x in out.splitlines()]
    assert len(records) == 4
    assert records[0]["where"] == f"{src}:1" and records[0]["decision"]["action"] == "annotate"
    assert records[1]["error"]["where"] == f"{src}:2:1"
    assert records[2]["error"] == {
        "where": f"{src}:3",
        "message": "messages[0]: missing field 'role'",
    }
    assert records[3]["where"] == f"{src}:4"
    assert err.count("agentguard: error:") == 2
    logged = read_trace(trace)
    assert [r["kind"] for r in logged.records] == ["report", "error", "error", "report"]


def test_oversized_jsonl_line_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import agentguard.cli as cli

    monkeypatch.setattr(cli, "MAX_RAW_BYTES", 100)
    src = tmp_path / "in.jsonl"
    src.write_text("x" * 50 + "\n" + json.dumps(load_example("redundant_question")) + "\n")
    code, _, err = _run("check", "--jsonl", str(src))
    assert code == 2
    assert f"{src}: " in err and "the limit is 100" in err


def test_console_script_runs_in_a_subprocess() -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "agentguard",
            "check",
            "--no-color",
            str(EXAMPLES / "delivery_date_unsupported.json"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "[[It will be delivered on June 14.]]" in " ".join(proc.stdout.split())
    assert "decision: RETRY" in proc.stdout
