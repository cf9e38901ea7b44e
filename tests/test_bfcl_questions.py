from __future__ import annotations

import importlib.util
import json
import re
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from agentguard.evaluation.public.bfcl_live import LIVE_KINDS
from agentguard.evaluation.public.bfcl_questions import (
    TEMPLATES,
    description_phrase,
    load_questions,
    name_words,
    phrasings,
)

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
RIDE = {
    "name": "uber.ride",
    "description": "Finds an Uber ride.",
    "parameters": {
        "type": "dict",
        "required": ["loc", "type", "time"],
        "properties": {
            "loc": {"type": "string", "description": "Start, as 'Street, City, ST'."},
            "type": {"type": "string", "description": "Ride type.", "enum": ["plus", "comfort"]},
            "time": {"type": "integer", "description": "Wait in seconds."},
            "note": {"type": "string", "description": "A note. Defaults to 'none'."},
            "tip": {"type": "integer", "description": "Tip in dollars."},
        },
    },
}
REQUESTS = [
    ("live_simple_1-1-0", "A Plus ride from 1 Main St, Berkeley, CA; I can wait 600 s.",
     "1 Main St, Berkeley, CA", "plus", 600),
    ("live_simple_2-2-0", "Comfort ride from 9 Oak Ave, Austin, TX, wait 300 seconds.",
     "9 Oak Ave, Austin, TX", "comfort", 300),
]  # fmt: skip


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "bfcl_live"
    (folder / "possible_answer").mkdir(parents=True)
    entries, truths = [], []
    for eid, request, loc, kind, time in REQUESTS:
        entries.append({"id": eid, "question": [[{"role": "user", "content": request}]],
                        "function": [RIDE]})  # fmt: skip
        call = {"loc": [loc], "type": [kind], "time": [time], "note": [None, ""]}
        truths.append({"id": eid, "ground_truth": [{"uber.ride": call}]})
    for name in LIVE_KINDS:
        simple = name == "live_simple"
        lines = "".join(json.dumps(e) + "\n" for e in entries) if simple else ""
        answers = "".join(json.dumps(t) + "\n" for t in truths) if simple else ""
        (folder / f"BFCL_v4_{name}.json").write_text(lines)
        (folder / "possible_answer" / f"BFCL_v4_{name}.json").write_text(answers)
    return tmp_path


def test_names_and_descriptions_become_words_to_ask_with() -> None:
    assert name_words("food_item") == name_words("foodItem") == "food item"
    assert description_phrase("The starting location for the ride, in the format X.") == (
        "starting location for the ride"
    )
    assert description_phrase("Limits the number of results returned.") == (
        "number of results returned"
    )
    assert description_phrase("Whether the SSID is hidden.") is None
    asked = dict(phrasings("loc", "The starting location for the ride."))
    assert asked == {
        "name": "What is your loc?",
        "description": "Could you tell me the starting location for the ride?",
        "which": "Which loc would you like?",
        "paraphrase": "What would you like for the starting ride?",  # no `location`: it is `loc`
    }
    # A name with no noun in it (`from`) asks with the description's words instead.
    assert dict(phrasings("from", "The departure city."))["name"] == "What is your departure city?"


def test_each_parameter_gets_its_kind_and_a_question_per_phrasing(data: Path) -> None:
    cases, notes = load_questions(data, "dev")
    assert notes == []
    assert {c.metadata["entry"] for c in cases} == {"live_simple_1-1-0"}  # tool set 1: dev
    kinds = Counter((c.metadata["kind"], c.metadata["param"]) for c in cases)
    # Stated values: four phrasings each; `note` keeps its stated default (its description
    # has no word besides the name, so no paraphrase); `tip` is optional without a default
    # and gives nothing; each required stated value, cut out of the request, is needed.
    assert kinds == {
        ("redundant", "loc"): 4, ("redundant", "type"): 4, ("redundant", "time"): 4,
        ("needless", "note"): 3,
        ("needed", "loc"): 4, ("needed", "type"): 4, ("needed", "time"): 4,
    }  # fmt: skip
    for case in cases:
        assert case.output is not None and case.output.role == "assistant"
        assert (
            case.output.content
            == dict(phrasings(case.metadata["param"], _desc(case)))[case.metadata["template"]]
        )
        assert case.tools[0].function.name == "uber.ride"
        assert case.gold.claims[0].supported == (case.metadata["kind"] != "needed")
    train, _ = load_questions(data, "train")
    assert {c.metadata["entry"] for c in train} == {"live_simple_2-2-0"}
    assert len(train) == len(cases)


def test_a_needed_question_is_asked_on_the_request_without_the_value(data: Path) -> None:
    cases, _ = load_questions(data, "dev")
    by_param = {c.metadata["param"]: c for c in cases if c.metadata["kind"] == "needed"}
    assert by_param["time"].messages[0].content == (
        "A Plus ride from 1 Main St, Berkeley, CA; I can wait s."
    )
    assert "Plus" not in str(by_param["type"].messages[0].content)
    assert "Berkeley" not in str(by_param["loc"].messages[0].content)
    redundant = next(c for c in cases if c.metadata["kind"] == "redundant")
    assert "600" in str(redundant.messages[0].content)
    assert set(TEMPLATES) == {c.metadata["template"] for c in cases}


def _desc(case: Any) -> str:
    props = case.tools[0].function.parameters["properties"]
    return str(props[case.metadata["param"]].get("description", ""))


def _benchmark() -> ModuleType:
    sys.path.insert(0, str(BENCHMARKS))
    spec = importlib.util.spec_from_file_location(
        "redundant_questions", BENCHMARKS / "redundant_questions.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_benchmark_prints_the_three_figures(data: Path, capsys: Any) -> None:
    assert _benchmark().main(["--data", str(data), "--split", "dev"]) == 0
    out = capsys.readouterr().out
    assert "questions for a value the request states (3 parameters)" in out
    # The note is optional and its description states its default: each question is needless.
    assert re.search(r"flagged needless_question +3/3 ", out)
    assert re.search(r"wrongly flagged redundant or needless +0/12 ", out)
    assert "its value cut out (3 parameters)" in out


def test_the_benchmark_says_when_there_is_no_data(tmp_path: Path, capsys: Any) -> None:
    assert _benchmark().main(["--data", str(tmp_path)]) == 0
    assert "no data at" in capsys.readouterr().out
