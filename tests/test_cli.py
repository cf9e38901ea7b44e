import io
import json
import os
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
        ("redundant_question", ["redundant_question"], "use_context"),
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
    # permissive lets a redundant question go out; the default (balanced) uses the context.
    code, out, _ = _run("check", "--json", "--policy", "permissive", "-", stdin=data)
    body = json.loads(out)
    assert code == 0 and body["decision"]["action"] == "allow"
    assert [f["type"] for f in body["flags"]] == ["redundant_question"]
    code, out, _ = _run("check", "--json", "-", stdin=data)
    assert code == 0 and json.loads(out)["decision"]["action"] == "use_context"


def test_redundant_question_example_tells_the_agent_what_it_already_has() -> None:
    code, out, _ = _run("check", "--json", str(EXAMPLES / "redundant_question.json"))
    decision = json.loads(out)["decision"]
    assert code == 0 and decision["question"] is None
    (known,) = decision["known"]
    assert (known["origin"], known["tool"], known["path"], known["value"]) == (
        "stated",
        "send_replacement_part",
        "order_id",
        "ORD-40417",
    )
    assert [e["source"] for e in known["evidence"]] == ["user#1"]
    assert decision["message"].startswith(
        "Already known, no need to ask: order_id is 'ORD-40417' (user#1: "
    )
    code, out, _ = _run("check", "--no-color", str(EXAMPLES / "redundant_question.json"))
    assert code == 0
    assert "evidence: user#1  ! redundant_question" in out
    assert "decision: USE_CONTEXT" in out
    assert f"  tell the agent: {decision['message']}" in out
    assert "\n  ask: " not in out


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
    assert records[0]["where"] == f"{src}:1" and records[0]["decision"]["action"] == "use_context"
    assert records[1]["error"]["where"] == f"{src}:2:1"
    assert records[2]["error"] == {
        "where": f"{src}:3",
        "message": "messages[0]: missing field 'role'",
    }
    assert records[3]["where"] == f"{src}:4"
    assert err.count("agentguard: error:") == 2
    logged = read_trace(trace)
    assert [r["kind"] for r in logged.records] == ["report", "error", "error", "report"]


def test_an_oversized_jsonl_line_is_refused_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import agentguard.input_files as input_files

    monkeypatch.setattr(input_files, "MAX_RAW_BYTES", 1000)
    good = json.dumps(load_example("redundant_question"))
    src = tmp_path / "in.jsonl"
    src.write_text(good + "\n" + "x" * 5000 + "\n" + good + "\n")
    code, out, err = _run("check", "--jsonl", "--json", str(src))
    assert code == 2
    records = [json.loads(x) for x in out.splitlines()]
    assert [r.get("where") or r["error"]["where"] for r in records] == [
        f"{src}:1",
        f"{src}:2",
        f"{src}:3",
    ]
    assert err == f"agentguard: error: {src}:2: a line of 5,000 bytes; the limit is 1,000\n"


def test_a_whole_file_over_the_limit_is_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import agentguard.input_files as input_files

    monkeypatch.setattr(input_files, "MAX_RAW_BYTES", 100)
    src = tmp_path / "big.json"
    src.write_text(json.dumps(load_example("redundant_question")))
    code, _, err = _run("check", str(src))
    assert code == 2 and err.startswith(f"agentguard: error: {src}: ")
    assert "the limit is 100" in err


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"\xff", "not valid UTF-8 (0xff at byte 1)"),
        (b"[" * 100_000, "not valid JSON (nested too deeply)"),
        (b'{"n": ' + b"1" * 4301 + b"}", "not valid JSON (a number has too many digits)"),
        (b"", "not valid JSON (Expecting value)"),
    ],
)
def test_unreadable_single_files_are_one_line_errors(
    tmp_path: Path, content: bytes, problem: str
) -> None:
    src = tmp_path / "in.json"
    src.write_bytes(content)
    code, out, err = _run("check", str(src))
    assert code == 2 and out == ""
    assert err.startswith("agentguard: error: ") and err.endswith(f"{problem}\n")
    assert err.count("\n") == 1


def test_a_directory_and_a_device_are_refused(tmp_path: Path) -> None:
    code, _, err = _run("check", str(tmp_path))
    assert code == 2 and err == f"agentguard: error: {tmp_path}: is a directory\n"
    code, _, err = _run("check", "/dev/zero")
    assert code == 2 and "/dev/zero: more than" in err


def _with_policy(value: str) -> str:
    return json.dumps({**load_example("redundant_question"), "policy": value})


def test_the_policy_field_names_only_allowed_policies(tmp_path: Path) -> None:
    lines = [_with_policy(p) for p in ("/etc/passwd", "/nonexistent", "../x.yaml", "strict")]
    code, out, err = _run("check", "--jsonl", "--json", "-", stdin="\n".join(lines))
    assert code == 2
    records = [json.loads(x) for x in out.splitlines()]
    messages = [r["error"]["message"] for r in records[:3]]
    # The same words whether or not a file exists there: no way to probe the file system.
    assert (
        messages
        == ["policy: not an allowed policy name (allowed: balanced, permissive, strict)"] * 3
    )
    assert records[3]["policy"] == "strict"


def test_allow_policy_lets_an_input_name_an_operator_file(tmp_path: Path) -> None:
    mine = tmp_path / "mine.yaml"
    mine.write_text("name: mine\nthreshold: 0.9\n")
    code, out, _ = _run(
        "check", "--json", "--allow-policy", f"mine={mine}", "-", stdin=_with_policy("mine")
    )
    assert code == 0 and json.loads(out)["policy"] == "mine"
    code, _, err = _run("check", "--allow-policy", "mine", "-", stdin=_with_policy("mine"))
    assert code == 2 and "--allow-policy: expected NAME=PATH" in err


def test_policy_paths_that_are_not_regular_files_fail_fast(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text("# " + "x" * 1_000_001)
    example = str(EXAMPLES / "redundant_question.json")
    cases = {
        "/dev/zero": "cannot read policy file (not a regular file)",
        str(tmp_path): "cannot read policy file (a directory)",
        str(big): "cannot read policy file (more than 1,000,000 bytes)",
    }
    for path, problem in cases.items():
        code, _, err = _run("check", "--policy", path, example)
        assert code == 2 and err == f"agentguard: error: {path}: {problem}\n"
    fifo = tmp_path / "p.yaml"
    os.mkfifo(fifo)
    # In a subprocess with a timeout: an open that blocked on the FIFO would hang the run.
    proc = subprocess.run(
        [sys.executable, "-m", "agentguard", "check", "--policy", str(fifo), example],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert (
        proc.stderr == f"agentguard: error: {fifo}: cannot read policy file (not a regular file)\n"
    )


def test_bad_redaction_pattern_is_a_usage_error() -> None:
    code, _, err = _run("check", "--redact-pattern", "(", "-", stdin="{}")
    assert code == 2 and err.startswith("agentguard: error: --redact-pattern")


def test_redaction_options_apply_to_json_output() -> None:
    data = load_example("delivery_date_unsupported")
    data["messages"][0]["content"] += " Mail ana@example.com or call +1 415 555 2671."
    data["output"]["content"] = "Sent to ana@example.com, ticket ACME-123456."
    stdin = json.dumps(data)
    _, plain, _ = _run("check", "--json", "-", stdin=stdin)
    assert "ana@example.com" in plain and "ACME-123456" in plain
    code, out, _ = _run(
        "check",
        "--json",
        "--redact-emails",
        "--redact-phones",
        "--redact-pattern",
        "ACME-[0-9]{6}",
        "-",
        stdin=stdin,
    )
    assert code == 0
    assert "ana@example.com" not in out and "ACME-123456" not in out and "[EMAIL]" in out
    # The process-wide settings are restored after the command.
    _, again, _ = _run("check", "--json", "-", stdin=stdin)
    assert "ana@example.com" in again and "ACME-123456" in again


def test_an_unexpected_exception_is_one_line_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import agentguard.monitor as monitor_module

    def broken(*args: object, **kwargs: object) -> object:
        raise KeyError("boom")

    good = json.dumps(load_example("redundant_question"))
    monkeypatch.setattr(monitor_module, "build_context", broken)
    code, out, err = _run("check", "--jsonl", "--json", "-", stdin=good + "\n" + good + "\n")
    assert code == 2
    assert [json.loads(x)["error"]["where"] for x in out.splitlines()] == [
        "<stdin>:1",
        "<stdin>:2",
    ]
    assert err.count("internal error") == 2 and "Traceback" not in err
    assert "KeyError: 'boom'" in err and "please report it" in err


def test_an_exception_outside_a_check_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import agentguard.cli as cli

    def broken(*args: object, **kwargs: object) -> int:
        raise RuntimeError("unexpected " + "y" * 10_000)

    monkeypatch.setattr(cli, "cmd_demo", broken)
    code, _, err = _run("demo")
    assert code == 2 and err.startswith("agentguard: internal error")
    assert err.count("\n") == 1 and len(err) < 400


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


def test_a_bad_file_among_several_does_not_stop_the_others(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(b"\xff")
    good = str(EXAMPLES / "redundant_question.json")
    code, out, err = _run("check", "--json", good, str(bad), good)
    assert code == 2
    assert err == f"agentguard: error: {bad}: not valid UTF-8 (0xff at byte 1)\n"
    assert out.count('"decision"') == 2
