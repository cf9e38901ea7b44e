"""Counts of questions and tool calls the agent did not need, in the summary and the reports."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from agentguard.errors import InputError
from agentguard.evaluation.commands import summarise_run_cases
from agentguard.evaluation.harness.needs import need_counts, need_items, need_section
from agentguard.evaluation.harness.report import render_html, render_summary
from agentguard.evaluation.harness.runner import run_eval
from agentguard.evaluation.harness.suite import load_suite, parse_case

ROOT = Path(__file__).resolve().parents[1]
SUITES_DIR = ROOT / "agentguard" / "evaluation" / "suites"
NEED_SUITES = ("paraphrased", "tool_answers", "stale_values", "conflicting_values",
               "optional_defaults", "repeated_calls", "calculator_calls")  # fmt: skip

FLIGHT = {"type": "function", "function": {"name": "book_flight", "parameters": {
    "type": "object", "properties": {
        "origin": {"type": "string", "description": "The city you fly from."},
        "destination": {"type": "string", "description": "The city you fly to."}},
    "required": ["origin", "destination"]}}}  # fmt: skip
CALC = {"type": "function", "function": {"name": "calculator",
        "description": "Evaluate an arithmetic expression.", "parameters": {"type": "object",
        "properties": {"expression": {"type": "string"}}}}}  # fmt: skip
QUESTION = {"role": "assistant", "content": "Which city will you be leaving from?"}


def _cases() -> list[dict[str, Any]]:
    calc_call = {
        "id": "c1",
        "type": "function",
        "function": {"name": "calculator", "arguments": '{"expression": "17 * 23"}'},
    }
    return [
        {"id": "asked-again", "domain": "travel", "tools": [FLIGHT], "output": QUESTION,
         "messages": [{"role": "user",
                       "content": "I'm flying from Boston. Book me a flight to Denver."}],
         "gold": {"action": "allow", "claims": [{"text": "leaving from", "supported": True}]}},
        {"id": "needed", "domain": "travel", "tools": [FLIGHT], "output": QUESTION,
         "messages": [{"role": "user", "content": "Book me a flight to Denver."}],
         "gold": {"action": "ask_user", "claims": [{"text": "leaving from", "supported": False}]}},
        {"id": "calc", "domain": "math", "tools": [CALC],
         "messages": [{"role": "user", "content": "What is 17 times 23?"}],
         "output": {"role": "assistant", "content": None, "tool_calls": [calc_call]},
         "gold": {"action": "allow", "needless_calls": ["c1"]}},
    ]  # fmt: skip


def _suite(tmp_path: Path) -> Path:
    path = tmp_path / "needs.jsonl"
    path.write_text("".join(json.dumps(c) + "\n" for c in _cases()), encoding="utf-8")
    return path


def test_a_run_counts_unneeded_questions_and_calls_in_every_report(tmp_path: Path) -> None:
    out = tmp_path / "run"
    run_eval([load_suite(_suite(tmp_path))], out, progress=False)
    lines = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    calc = next(r for r in lines if r["case"] == "calc")
    assert calc["calls"] == ["c1"] and calc["needless_calls"] == ["c1"]
    assert calc["gold_needless_calls"] == ["c1"]

    header, summary, links = summarise_run_cases(out)
    needless = summary["needless"]
    assert needless["overall"]["questions"] == {
        "unneeded": 1, "recognised": 1, "acted_on": 1, "needed": 1, "suppressed": 0,
    }  # fmt: skip
    assert needless["overall"]["calls"] == {
        "unneeded": 1, "recognised": 1, "acted_on": 1, "needed": 0, "suppressed": 0,
    }  # fmt: skip
    assert needless["by_domain"]["math"]["calls"]["acted_on"] == 1
    assert needless["by_domain"]["math"]["questions"]["unneeded"] == 0
    assert set(needless["by_suite"]) == {"needs"}
    json.dumps(summary, allow_nan=False)

    text = render_summary(summary, header)
    block = text.split("not needed: questions and tool calls")[1].splitlines()
    assert block[2].split() == ["questions", "1", "1", "1", "1", "0"]
    assert block[3].split() == ["tool", "calls", "1", "1", "1", "0", "0"]
    assert "domain math: tool calls" in text

    page = render_html(summary, header, cases=links)
    section = page.split("<h2>Questions and tool calls not needed</h2>")[1].split("<h2>")[0]
    assert '<a href="#case-needs-asked-again"' in section
    assert '<a href="#case-needs-calc" title="needs">calc</a> (c1)' in section
    assert "<th>tool calls</th>" + '<td class="num">1</td>' * 3 in section


def _row(**fields: Any) -> dict[str, Any]:
    base = {"error": None, "action": "allow", "gold_action": None, "flags": [],
            "flag_claims": [], "claims": []}  # fmt: skip
    return {**base, **fields}


def test_need_items_follow_the_gold_and_the_flags() -> None:
    question = {"id": "c1", "kind": "question", "gold": None}
    # Unlabeled question: the case's right action decides; the decision holds it back.
    needed = need_items(_row(claims=[question], gold_action="ask_user", action="use_context"))
    assert needed == [{"kind": "question", "item": "c1", "needed": True, "flagged": False,
                       "acted": False, "suppressed": True}]  # fmt: skip
    # A flag on another claim does not count for this question.
    other = _row(claims=[{**question, "gold": True}], flags=["redundant_question"],
                 flag_claims=["c9"])  # fmt: skip
    assert need_items(other)[0]["flagged"] is False
    # A result line without flag_claims (older runs) counts any question flag.
    old = {k: v for k, v in other.items() if k != "flag_claims"}
    assert need_items(old)[0]["flagged"] is True
    # Calls count only where the gold labels them.
    calls = _row(calls=["a", "b"], needless_calls=["a", "b"], gold_needless_calls=["a"],
                 action="use_context")  # fmt: skip
    items = need_items(calls)
    assert [(i["item"], i["needed"], i["acted"], i["suppressed"]) for i in items] == [
        ("a", False, True, False), ("b", True, False, True)]  # fmt: skip
    assert need_items(_row(calls=["a"], needless_calls=["a"])) == []
    assert need_items(_row(error="boom", claims=[question])) == []
    assert need_counts(items)["calls"] == {
        "unneeded": 1, "recognised": 1, "acted_on": 1, "needed": 1, "suppressed": 1}  # fmt: skip
    section = need_section([{"suite": "s", "domain": None, "needs": items}])
    assert list(section["by_suite"]) == ["s"] and section["by_domain"] == {}


def test_gold_needless_calls_must_name_a_call_of_the_output() -> None:
    case = {**_cases()[2], "gold": {"needless_calls": ["c7"]}}
    with pytest.raises(InputError) as err:
        parse_case(case, "f:3")
    assert err.value.where == "f:3: gold.needless_calls[0]"
    assert parse_case({**case, "gold": {"needless_calls": []}}, "f:3").gold.needless_calls == []


def test_the_need_suites_are_sized_mixed_and_built_by_the_generator(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "evals"))
    try:
        import build_suites
    finally:
        sys.path.pop(0)
    assert build_suites.main(["--check"]) == 0
    for name in NEED_SUITES:
        suite = load_suite(SUITES_DIR / f"{name}.jsonl")
        assert 20 <= len(suite.cases) <= 40, name
        assert len({c.domain for c in suite.cases}) >= 3, name
        actions = {c.gold.action for c in suite.cases}
        if name.endswith("_calls"):
            labelled = [c.gold.needless_calls for c in suite.cases]
            assert all(v is not None for v in labelled), name
            assert sum(bool(v) for v in labelled) >= 10 and labelled.count([]) >= 10, name
            assert actions == {"allow"}, name
        else:
            assert actions == {"allow", "ask_user"}, name


def test_a_repeated_call_repeats_an_earlier_call_with_its_result() -> None:
    for case in load_suite(SUITES_DIR / "repeated_calls.jsonl").cases:
        assert case.output is not None
        call = case.output.tool_calls[0]
        earlier = [c for m in case.messages for c in m.tool_calls or []]
        same = [
            c
            for c in earlier
            if c.function.name == call.function.name
            and json.loads(c.function.arguments) == json.loads(call.function.arguments)
        ]
        results = {m.tool_call_id: str(m.content) for m in case.messages if m.role == "tool"}
        needless = case.gold.needless_calls == [call.id]
        failed = any("error" in results.get(c.id or "", "") for c in same)
        assert needless == (bool(same) and not failed), case.id


def test_an_exact_calculator_call_uses_only_the_users_numbers() -> None:
    import re

    for case in load_suite(SUITES_DIR / "calculator_calls.jsonl").cases:
        assert case.output is not None
        args = json.loads(case.output.tool_calls[0].function.arguments)
        expression = str(args.get("expression", ""))
        if case.gold.needless_calls:
            question = str(case.messages[-1].content)
            stated = set(re.findall(r"\d+(?:\.\d+)?", question)) | {"100"}
            numbers = re.findall(r"\d+(?:\.\d+)?", expression) or [str(v) for v in args.values()]
            assert set(numbers) <= stated, case.id
            assert re.fullmatch(r"[\d\s.+\-*/()]*", expression), case.id
