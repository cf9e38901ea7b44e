"""The bundled eval suites: they load, they are balanced, and their labels fit their construction.

The label checks re-derive each label from the case itself (is the value in the context? does the
system date turn "next Tuesday" into this date?) with code of their own, independent of the
generator and of the monitor.
"""

from __future__ import annotations

import ast
import datetime as dt
import io
import json
import operator
import re
import subprocess
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from agentguard import InputError
from agentguard.evaluation.harness.suite import EvalCase, Suite, load_suite

ROOT = Path(__file__).resolve().parent.parent
EVALS = ROOT / "evals"
SUITES_DIR = ROOT / "agentguard" / "evaluation" / "suites"
SUITES = ("travel", "orders", "retrieval", "arithmetic")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december")  # fmt: skip
WORDS = {
    w: i for i, w in enumerate("zero one two three four five six seven eight nine ten".split())
}


@pytest.fixture(scope="module")
def suites() -> dict[str, Suite]:
    return {name: load_suite(SUITES_DIR / f"{name}.jsonl") for name in SUITES}


def _cases(suites: dict[str, Suite]) -> list[EvalCase]:
    return [c for s in suites.values() for c in s.cases]


def _build(*args: str) -> subprocess.CompletedProcess[str]:
    script = str(EVALS / "build_suites.py")
    return subprocess.run(
        [sys.executable, script, *args], capture_output=True, text=True, cwd=ROOT, timeout=60
    )


# --- helpers that read a case -------------------------------------------------------------------


def _arguments(case: EvalCase) -> dict[str, tuple[str, Any]]:
    """path -> (tool, value) for every scalar argument of the output's tool calls."""
    flat: dict[str, tuple[str, Any]] = {}

    def walk(tool: str, value: Any, path: str) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(tool, v, f"{path}.{k}" if path else k)
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(tool, v, f"{path}[{i}]")
        else:
            flat[path] = (tool, value)

    assert case.output is not None
    for call in case.output.tool_calls:
        args = call.function.arguments
        walk(call.function.name, json.loads(args) if isinstance(args, str) else args, "")
    return flat


def _source_text(case: EvalCase) -> str:
    """What the agent legitimately has: system, user and tool messages, and documents."""
    texts = [m.text for m in case.messages if m.role != "assistant"]
    return "\n".join(texts + [d.text for d in case.documents])


def _all_text(case: EvalCase) -> str:
    """Every message (assistant turns and their tool calls included) and every document."""
    texts = [m.text for m in case.messages] + [d.text for d in case.documents]
    for m in case.messages:
        texts += [str(c.function.arguments) for c in m.tool_calls or []]
    return "\n".join(texts)


def _date_forms(d: dt.date) -> list[str]:
    month = MONTHS[d.month - 1]
    day = str(d.day)
    return [d.isoformat(), f"{day} {month}", f"{month} {day}", f"{month[:3]} {day}",
            f"{month} {day}st", f"{month} {day}nd", f"{month} {day}rd", f"{month} {day}th",
            f"{day}st of {month}", f"{day}nd of {month}", f"{day}rd of {month}",
            f"{day}th of {month}"]  # fmt: skip


def _mentions_date(text: str, d: dt.date) -> bool:
    low = text.lower()
    return any(re.search(rf"(?<![\w-]){re.escape(f)}(?![\w-])", low) for f in _date_forms(d))


def _system_today(case: EvalCase) -> dt.date | None:
    system = " ".join(m.text for m in case.messages if m.role == "system").lower()
    m = re.search(r"today is \w+, (.+?)\.(?:\s|$)", system)
    if m is None:
        return None
    said = m.group(1)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", said):
        return dt.date.fromisoformat(said)
    parts = re.fullmatch(r"(\d+) (\w+) (\d{4})|(\w+) (\d+), (\d{4})", said)
    assert parts is not None, said
    day, month, year = parts.group(1, 2, 3) if parts.group(1) else parts.group(5, 4, 6)
    return dt.date(int(year), MONTHS.index(month) + 1, int(day))


def _relative(phrase: str, today: dt.date) -> dt.date | None:
    """The date an unambiguous relative phrase means (None for anything else)."""
    fixed = {"tomorrow": 1, "the day after tomorrow": 2, "a week from today": 7}
    if phrase in fixed:
        return today + dt.timedelta(days=fixed[phrase])
    if m := re.fullmatch(r"in (\d+) days", phrase):
        return today + dt.timedelta(days=int(m.group(1)))
    if m := re.fullmatch(r"(this|next) (\w+)", phrase):
        ahead = (WEEKDAYS.index(m.group(2)) - today.weekday()) % 7 or 7
        this_week = WEEKDAYS.index(m.group(2)) > today.weekday()
        if (m.group(1) == "this") == this_week:
            return today + dt.timedelta(days=ahead)
    return None


def _relative_phrases(text: str) -> list[str]:
    day = "|".join(WEEKDAYS)
    pattern = (
        rf"tomorrow|the day after tomorrow|a week from today|in \d+ days|(?:this|next) ({day})"
    )
    # A match that starts at "the day after tomorrow" takes it whole, "tomorrow" included.
    return [m.group(0) for m in re.finditer(pattern, text.lower())]


def _numbers(text: str) -> set[Decimal]:
    """Every number written in `text`: "1,000" is 1000, "€5,80" is 5.80, "four-year" is 4."""
    out: set[Decimal] = set()
    for m in re.finditer(r"\d[\d,]*(?:\.\d+)?", text):
        raw = m.group(0).rstrip(",")
        out.add(Decimal(raw.replace(",", "")))
        if re.fullmatch(r"\d+,\d{2}", raw):
            out.add(Decimal(raw.replace(",", ".")))
    for word, n in WORDS.items():
        if re.search(rf"\b{word}\b", text.lower()):
            out.add(Decimal(n))
    return out


def _schema(case: EvalCase, tool: str, path: str) -> dict[str, Any]:
    node: dict[str, Any] = next(
        t.function.parameters for t in case.tools if t.function.name == tool
    )
    for part in re.sub(r"\[\d+\]", ".[]", path).split("."):
        if part == "[]":
            node = node["items"]
        elif part:
            node = node["properties"][part]
    return node


def _grounded(case: EvalCase, tool: str, path: str, value: Any) -> bool:
    """Whether the context gives `value`: literally, as a default, or as a resolvable date."""
    source = _source_text(case)
    schema = _schema(case, tool, path)
    if "default" in schema and schema["default"] == value:
        return True
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return Decimal(str(value)) in _numbers(source)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        date = dt.date.fromisoformat(value)
        if _mentions_date(source, date):
            return True
        today = _system_today(case)
        users = " ".join(m.text for m in case.messages if m.role == "user")
        return today is not None and any(_relative(p, today) == date
                                         for p in _relative_phrases(users))  # fmt: skip
    if tool == "calculator":
        return _numbers(value) <= _numbers(source)
    return value.lower().replace("_", " ") in source.lower()


def _evaluate(expression: str) -> Decimal:
    ops = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
           ast.Div: operator.truediv}  # fmt: skip

    def ev(node: ast.AST) -> Decimal:
        if isinstance(node, ast.Constant):
            return Decimal(str(node.value))
        assert isinstance(node, ast.BinOp), ast.dump(node)
        return Decimal(ops[type(node.op)](ev(node.left), ev(node.right)))

    return ev(ast.parse(expression, mode="eval").body)


def _result_forms(value: Decimal) -> list[str]:
    cents = f"{value.quantize(Decimal('0.01')):,}"
    plain = format(value.normalize(), "f")
    return [
        cents,
        cents.replace(",", ""),
        plain,
        f"{int(value):,}" if value == int(value) else plain,
    ]


# --- shape --------------------------------------------------------------------------------------


def test_every_suite_loads_and_is_large_enough(suites: dict[str, Suite]) -> None:
    for name, suite in suites.items():
        assert suite.name == name
        assert len(suite.cases) >= 50, name
    assert sum(len(s.cases) for s in suites.values()) >= 200


def test_ids_are_unique_prefixed_and_domains_name_the_suite(suites: dict[str, Suite]) -> None:
    for name, suite in suites.items():
        ids = [c.id for c in suite.cases]
        assert len(set(ids)) == len(ids)
        assert all(re.fullmatch(rf"{name}-\d{{3}}", i) for i in ids), ids
        assert {c.domain for c in suite.cases} == {name}


def test_every_case_has_an_action_claim_labels_and_a_recorded_output(
    suites: dict[str, Suite],
) -> None:
    for case in _cases(suites):
        assert case.gold.action is not None, case.id
        assert case.gold.claims, case.id
        assert case.output is not None, case.id
        assert case.metadata["direction"] in ("missing", "given", "conflict"), case.id


def test_both_directions_in_similar_numbers(suites: dict[str, Suite]) -> None:
    for name, suite in suites.items():
        directions = Counter(c.metadata["direction"] for c in suite.cases)
        actions = Counter(c.gold.action for c in suite.cases)
        assert directions["missing"] >= 20 and directions["given"] >= 20, (name, directions)
        assert 0.6 <= directions["missing"] / directions["given"] <= 1.67, (name, directions)
        assert actions["allow"] >= 20, (name, actions)
        gather = actions["ask_user"] + actions["call_tool"] + actions["retry"]
        assert gather >= 20, (name, actions)


def test_every_suite_has_the_smaller_patterns(suites: dict[str, Suite]) -> None:
    for name, suite in suites.items():
        patterns = Counter(c.metadata["pattern"] for c in suite.cases)
        assert patterns["redundant_question"] >= 3, name
        assert patterns["contradiction"] >= 3, name
        assert patterns["needed_question"] >= 3, name
    patterns = Counter(c.metadata["pattern"] for c in _cases(suites))
    assert patterns["hedged"] >= 6
    assert patterns["added_sentence"] >= 16


def test_call_tool_cases_declare_a_resolver_among_their_tools(suites: dict[str, Suite]) -> None:
    for case in _cases(suites):
        if case.gold.action == "call_tool":
            assert case.resolvers, case.id
            names = {t.function.name for t in case.tools}
            assert set(case.resolvers.values()) <= names, case.id


def test_gold_labels_point_at_the_output(suites: dict[str, Suite]) -> None:
    for case in _cases(suites):
        assert case.output is not None
        text = case.output.text.lower()
        args = _arguments(case)
        for g in case.gold.claims:
            assert g.path in args if g.path is not None else str(g.text).lower() in text, case.id


# --- the generator ------------------------------------------------------------------------------


def test_committed_suites_are_what_the_generator_writes() -> None:
    done = _build("--check")
    assert done.returncode == 0, done.stderr


def test_generator_is_deterministic_and_check_sees_a_change(tmp_path: Path) -> None:
    assert _build("--out", str(tmp_path), "--check").returncode == 1  # nothing written yet
    assert _build("--out", str(tmp_path)).returncode == 0
    for name in SUITES:
        written = (tmp_path / f"{name}.jsonl").read_bytes()
        assert written == (SUITES_DIR / f"{name}.jsonl").read_bytes()
        assert written.endswith(b"\n") and b"\r" not in written
    assert _build("--out", str(tmp_path), "--check").returncode == 0
    path = tmp_path / "orders.jsonl"
    path.write_text(path.read_text(encoding="utf-8").replace('"allow"', '"retry"', 1), "utf-8")
    done = _build("--out", str(tmp_path), "--check")
    assert done.returncode == 1
    assert "orders.jsonl" in done.stderr


# --- labels against construction ----------------------------------------------------------------


def test_travel_ask_user_guesses_appear_nowhere_in_the_case(suites: dict[str, Suite]) -> None:
    checked = 0
    for case in suites["travel"].cases:
        if case.gold.action != "ask_user":
            continue
        args, everything = _arguments(case), _all_text(case)
        for g in case.gold.claims:
            if g.path is None or g.supported:
                continue
            _, value = args[g.path]
            checked += 1
            if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                assert not _mentions_date(everything, dt.date.fromisoformat(value)), case.id
            elif isinstance(value, int):
                assert Decimal(value) not in _numbers(everything), case.id
            else:
                assert str(value).lower() not in everything.lower(), case.id
    assert checked >= 20


def test_gathering_cases_guess_values_the_context_does_not_hold(suites: dict[str, Suite]) -> None:
    for case in suites["orders"].cases:
        if case.gold.action in ("ask_user", "call_tool") and case.metadata["pattern"] == (
            "silent_assumption"
        ):
            args = _arguments(case)
            for g in case.gold.claims:
                if g.path is not None and not g.supported:
                    tool, value = args[g.path]
                    assert not _grounded(case, tool, g.path, value), case.id


def test_supported_arguments_are_in_the_context_a_default_or_a_resolvable_date(
    suites: dict[str, Suite],
) -> None:
    checked = 0
    for case in _cases(suites):
        if case.gold.action != "allow":
            continue
        args = _arguments(case)
        for g in case.gold.claims:
            if g.path is not None and g.supported:
                tool, value = args[g.path]
                assert _grounded(case, tool, g.path, value), (case.id, g.path, value)
                checked += 1
    assert checked >= 80


def test_relative_dates_resolve_against_the_system_date(suites: dict[str, Suite]) -> None:
    resolved = 0
    for case in suites["travel"].cases:
        if case.metadata.get("date_from") != "system_date":
            continue
        today = _system_today(case)
        assert today is not None, case.id
        users = " ".join(m.text for m in case.messages if m.role == "user")
        dates = {_relative(p, today) for p in _relative_phrases(users)}
        assert len(dates) == 1, (case.id, users)
        date = dates.pop()
        assert date is not None, (case.id, users)
        args = _arguments(case)
        key = "date" if "date" in args else "check_in"
        assert args[key][1] == date.isoformat(), case.id
        resolved += 1
    assert resolved >= 10


def test_arithmetic_labels_follow_the_true_result(suites: dict[str, Suite]) -> None:
    for case in suites["arithmetic"].cases:
        meta = case.metadata
        if "result" not in meta:
            continue
        result = _evaluate(meta["expression"])
        assert result == Decimal(meta["result"]), case.id
        assert case.output is not None
        text = case.output.text
        stated = [g for g in case.gold.claims if g.text is not None and g.text[0] in "$0123456789"]
        for g in stated:
            value = Decimal(str(g.text).lstrip("$").replace(",", ""))
            assert (value == result) == g.supported, case.id
            if g.supported:
                assert any(f in text for f in _result_forms(result)), case.id


def test_retrieval_answers_state_only_numbers_the_documents_give(suites: dict[str, Suite]) -> None:
    for case in suites["retrieval"].cases:
        if case.metadata["pattern"] != "grounded":
            continue
        given = _numbers(_source_text(case))
        assert case.output is not None
        for sentence in re.split(r"(?<=[.?!])\s+", case.output.text):
            assert _numbers(sentence) <= given, (case.id, sentence)


def test_retrieval_contradictions_change_a_number_of_a_faithful_sentence(
    suites: dict[str, Suite],
) -> None:
    for case in suites["retrieval"].cases:
        if case.metadata["pattern"] != "contradiction":
            continue
        faithful = case.metadata["faithful"]
        assert _numbers(faithful) <= _numbers(_source_text(case)), case.id
        assert case.output is not None
        wrong = [g for g in case.gold.claims if not g.supported]
        assert len(wrong) == 1, case.id
        sentence = next(
            s
            for s in re.split(r"(?<=[.?!])\s+", case.output.text)
            if str(wrong[0].text).lower() in s.lower()
        )
        assert faithful not in case.output.text, case.id
        assert _numbers(sentence) != _numbers(faithful), case.id


def test_readme_example_and_counts_match_the_suites(suites: dict[str, Suite]) -> None:
    readme = (EVALS / "README.md").read_text(encoding="utf-8")
    example = re.search(r"```json\n(\{.*\})\n```", readme)
    assert example is not None
    line = example.group(1)
    name = json.loads(line)["domain"]
    assert line in (SUITES_DIR / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
    for name, suite in suites.items():
        assert f"| `{name}` | {len(suite.cases)} |" in readme, name


# --- malformed suite files ----------------------------------------------------------------------

GOOD_CASE = {
    "id": "c-1",
    "messages": [{"role": "user", "content": "Hi"}],
    "output": {"content": "Hello! How can I help?"},
    "gold": {"action": "allow"},
}
GOOD_LINE = json.dumps(GOOD_CASE).encode()


def _with(**fields: Any) -> bytes:
    return json.dumps({**GOOD_CASE, **fields}).encode()


def _nested(depth: int) -> bytes:
    inner = '{"a":' * depth + "1" + "}" * depth
    return GOOD_LINE[:-1] + b', "metadata": ' + inner.encode() + b"}"


MALFORMED = [
    ("not-json", b"{nope", "1: not JSON"),
    ("an 0xFF byte", b"\xff", "1: not UTF-8 text (byte 0xFF at byte 0)"),
    ("0xFF inside a case", GOOD_LINE[:20] + b"\xff" + GOOD_LINE[20:], "1: not UTF-8 text"),
    ("100,000 brackets", b"[" * 100_000, "1: nested deeper than 64 levels (MAX_DEPTH)"),
    ("deep metadata", _nested(100), "1: metadata.a.a.a"),
    ("lone surrogate", _with(messages=[{"role": "user", "content": "Hi \ud800"}]),
     "1: messages[0].content: a lone surrogate (not valid Unicode)"),
    ("lone surrogate key", _with(metadata={"\udc00": 1}), "1: metadata: a key with a lone"),
    ("4,301 digits", GOOD_LINE[:-1] + b', "metadata": {"n": ' + b"9" * 4301 + b"}}",
     "1: an integer of more than 100 digits"),
    ("a list", b"[1, 2]", "1: a case must be a JSON object, not list"),
    ("wrong type", _with(messages="Hi"), "1: messages: Input should be a valid list"),
    ("unknown field", _with(colour="red"), "1: colour: unknown field"),
    ("bad gold", _with(gold={"action": "dance"}), "1: gold.action: Input should be"),
    ("schema", _with(tools=[{"type": "function", "function": {"name": "f", "parameters":
                                                            {"type": "object", "required": 5}}}]),
     "1: tools[0].function.parameters.required"),
    ("a huge line", b'{"id": "' + b"x" * (16 << 20) + b'"}', "1: a line longer than 16,777,216"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("line", "message"), [m[1:] for m in MALFORMED], ids=[m[0] for m in MALFORMED]
)
def test_a_malformed_suite_line_is_named_by_file_line_and_field(
    tmp_path: Path, line: bytes, message: str
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(GOOD_LINE + b"\n" + line + b"\n")
    with pytest.raises(InputError) as info:
        load_suite(path)
    shown = message.replace("1: ", "2: ", 1)
    assert str(info.value).startswith(f"{path}:2"), str(info.value)[:200]
    assert shown in str(info.value)
    assert len(str(info.value)) < 400  # a short prefix of a bad value, never all of it

    from agentguard.cli import main

    err = io.StringIO()
    assert main(["eval", str(path), "--no-progress"], stdout=io.StringIO(), stderr=err) == 2
    assert err.getvalue().startswith("agentguard: error:") and shown in err.getvalue()
    assert err.getvalue().count("\n") == 1


def test_only_newlines_split_a_suite(tmp_path: Path) -> None:
    said = "Fly me\u2028to Denver\u2029please\x85now."
    line = json.dumps({**GOOD_CASE, "messages": [{"role": "user", "content": said}]},
                      ensure_ascii=False)  # fmt: skip
    path = tmp_path / "s.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + line.encode() + b"\r\n\n")  # a BOM, CRLF, a blank line
    (case,) = load_suite(path).cases
    assert case.messages[0].content == said


@pytest.mark.parametrize("special", ["/dev/zero", "."])
def test_a_suite_path_that_is_no_regular_file_is_refused(special: str) -> None:
    with pytest.raises(InputError, match="not a regular file"):
        load_suite(special)
    with pytest.raises(InputError, match="no such file"):
        load_suite("missing.jsonl")
