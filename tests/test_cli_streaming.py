"""`check --jsonl` streams: any size, split on `\\n` only, a record for every line."""

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from agentguard.cli import main
from tests.conftest import load_example

SMALL = {"messages": [{"role": "user", "content": "Hi."}], "output": {"content": "Hello."}}


def _run_bytes(*argv: str, stdin: bytes) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    wrapped = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")  # has .buffer, like sys.stdin
    code = main(list(argv), stdout=out, stderr=err, stdin=wrapped)
    return code, out.getvalue(), err.getvalue()


def _where(record: dict[str, object]) -> object:
    error = record.get("error")
    return error["where"] if isinstance(error, dict) else record["where"]


def test_stdin_over_8_mb_gets_a_record_for_every_line() -> None:
    # Padding between JSON tokens makes each line ~4.2 KB without making its check slower.
    line = json.dumps(SMALL).replace(', "output"', "," + " " * 4200 + '"output"').encode()
    lines = [line] * 2000
    lines[700] = b"not json"
    lines[1400] = b'{"messages": [{"content": "no role"}], "output": {}}'
    data = b"\n".join(lines) + b"\n"
    assert len(data) > 8_000_000
    code, out, err = _run_bytes("check", "--jsonl", "--json", "-", stdin=data)
    assert code == 2
    records = [json.loads(x) for x in out.splitlines()]
    assert [_where(r) for r in records] == [
        f"<stdin>:{n}" if n not in (701, 1401) else f"<stdin>:{n}{':1' if n == 701 else ''}"
        for n in range(1, 2001)
    ]
    assert sum("error" in r for r in records) == 2 and err.count("agentguard: error:") == 2


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\u0085"])
def test_unicode_line_separators_inside_strings_do_not_split_lines(separator: str) -> None:
    data = {**SMALL, "output": {"content": f"Hello{separator}there."}}
    text = json.dumps(data, ensure_ascii=False)
    assert separator in text
    stdin = (text + "\n" + json.dumps(SMALL) + "\n").encode()
    code, out, err = _run_bytes("check", "--jsonl", "--json", "-", stdin=stdin)
    assert code == 0, err
    assert [_where(json.loads(x)) for x in out.splitlines()] == ["<stdin>:1", "<stdin>:2"]


def test_a_bad_utf8_line_is_an_error_for_that_line_only() -> None:
    good = json.dumps(SMALL).encode()
    stdin = good + b"\n" + b'{"messages": "\xff"}' + b"\n" + good  # the last line has no \n
    code, out, err = _run_bytes("check", "--jsonl", "--json", "-", stdin=stdin)
    assert code == 2
    records = [json.loads(x) for x in out.splitlines()]
    assert [_where(r) for r in records] == ["<stdin>:1", "<stdin>:2", "<stdin>:3"]
    assert records[1]["error"]["message"] == "not valid UTF-8 (0xff at byte 15)"
    assert err == "agentguard: error: <stdin>:2: not valid UTF-8 (0xff at byte 15)\n"


def test_deep_nesting_and_huge_numbers_are_errors_for_their_lines() -> None:
    good = json.dumps(SMALL).encode()
    stdin = b"\n".join([b"[" * 100_000, b'{"n": ' + b"9" * 5000 + b"}", good])
    code, out, _ = _run_bytes("check", "--jsonl", "--json", "-", stdin=stdin)
    assert code == 2
    records = [json.loads(x) for x in out.splitlines()]
    assert [r.get("error", {}).get("message") for r in records] == [
        "not valid JSON (nested too deeply)",
        "not valid JSON (a number has too many digits)",
        None,
    ]


def test_lines_split_across_reads_and_crlf_and_blank_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import agentguard.input_files as input_files

    # Every line and multi-byte character crosses reads.
    monkeypatch.setattr(input_files, "CHUNK", 7)
    data = {**SMALL, "output": {"content": "Grüße, 東京 ①."}}
    line = json.dumps(data, ensure_ascii=False)
    src = tmp_path / "in.jsonl"
    src.write_bytes(f"{line}\r\n\r\n   \n{line}\n\n{line}".encode())
    out, err = io.StringIO(), io.StringIO()
    assert main(["check", "--jsonl", "--json", str(src)], stdout=out, stderr=err) == 0, err
    assert [_where(json.loads(x)) for x in out.getvalue().splitlines()] == [
        f"{src}:1",
        f"{src}:4",
        f"{src}:6",
    ]


def test_a_utf8_bom_is_accepted() -> None:
    stdin = b"\xef\xbb\xbf" + json.dumps(SMALL).encode() + b"\n"
    code, out, err = _run_bytes("check", "--jsonl", "--json", "-", stdin=stdin)
    assert code == 0, err
    assert len(out.splitlines()) == 1
    code, out, err = _run_bytes("check", "--json", "-", stdin=stdin)
    assert code == 0, err
    assert "decision" in json.loads(out)


def test_a_real_pipe_streams_every_line() -> None:
    good = json.dumps(load_example("redundant_question")).encode()
    stdin = b"\n".join([good] * 50 + [b"\xff", good])  # no final newline
    proc = subprocess.run(
        [sys.executable, "-m", "agentguard", "check", "--jsonl", "--json", "-"],
        input=stdin,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2
    records = [json.loads(x) for x in proc.stdout.splitlines()]
    assert len(records) == 52 and records[50]["error"]["where"] == "<stdin>:51"
    assert b"Traceback" not in proc.stderr
