from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from agentguard import Monitor
from agentguard.evaluation.public.adapters import PUBLIC_SETS, load_public
from agentguard.evaluation.public.bfcl_live import LIVE_KINDS, live_split
from agentguard.text.lexicon import STOPWORDS

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
needs_data = pytest.mark.skipif(
    not (DATA / "bfcl_live").exists(), reason="public sets not present at ../shared/data"
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
            "note": {"type": "string", "description": "A note.", "default": None},
        },
    },
}


def entry(eid: str, request: str) -> dict[str, Any]:
    return {"id": eid, "question": [[{"role": "user", "content": request}]], "function": [RIDE]}


def truth(eid: str, loc: str, kind: str, time: int) -> dict[str, Any]:
    call = {"loc": [loc], "type": [kind], "time": [time], "note": [None, ""]}
    return {"id": eid, "ground_truth": [{"uber.ride": call}]}


ENTRIES = [
    (entry("live_simple_1-1-0", "A Plus ride from 1 Main St, Berkeley, CA; I can wait 600 s."),
     truth("live_simple_1-1-0", "1 Main St, Berkeley, CA", "plus", 600)),
    (entry("live_simple_2-1-1", "Comfort ride from 9 Oak Ave, Austin, TX, wait 300 seconds."),
     truth("live_simple_2-1-1", "9 Oak Ave, Austin, TX", "comfort", 300)),
    (entry("live_simple_3-2-0", "A comfort ride from 5 Elm Rd, Denver, CO within 120 seconds."),
     truth("live_simple_3-2-0", "5 Elm Rd, Denver, CO", "comfort", 120)),
]  # fmt: skip


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "bfcl_live"
    (folder / "possible_answer").mkdir(parents=True)
    for kind in LIVE_KINDS:
        rows = ENTRIES if kind == "live_simple" else []
        (folder / f"BFCL_v4_{kind}.json").write_text("".join(json.dumps(e) + "\n" for e, _ in rows))
        (folder / "possible_answer" / f"BFCL_v4_{kind}.json").write_text(
            "".join(json.dumps(t) + "\n" for _, t in rows)
        )
    return tmp_path


def arguments(case: Any) -> dict[str, Any]:
    (call,) = case.output.tool_calls
    return dict(json.loads(call.function.arguments))


def test_the_live_sets_are_public_sets() -> None:
    assert {"bfcl-live", "bfcl-live-replaced"} <= set(PUBLIC_SETS)


def test_the_split_goes_by_tool_set() -> None:
    assert live_split("live_multiple_412-130-2", "train", "x")
    assert live_split("live_multiple_413-131-0", "dev", "x")
    assert not live_split("live_multiple_413-131-0", "train", "x")
    with pytest.raises(Exception, match="no '-SET-N' suffix"):
        live_split("live_simple_7", "dev", "x")


def test_ground_truth_calls_are_positives_without_null_arguments(data: Path) -> None:
    dev = load_public("bfcl-live", data, split="dev")
    assert [c.id for c in dev.cases] == ["live_simple_1-1-0", "live_simple_2-1-1"]
    first = dev.cases[0]
    assert arguments(first) == {"loc": "1 Main St, Berkeley, CA", "type": "plus", "time": 600}
    assert (first.gold.action, first.gold.supported, first.gold.others) == ("allow", True, True)
    assert first.metadata["file"] == "live_simple"
    train = load_public("bfcl-live", data, split="train")
    assert [c.id for c in train.cases] == ["live_simple_3-2-0"]


def test_each_replaced_argument_is_an_unstated_value_of_the_same_slot(data: Path) -> None:
    suite = load_public("bfcl-live-replaced", data, split="dev")
    by_path = {c.metadata["replaced"]["path"]: c for c in suite.cases if "1-1-0" in c.id}
    assert set(by_path) == {"loc", "type", "time"}
    ride = by_path["type"]
    assert ride.metadata["replaced"] | {"call_id": "-"} == {
        "call_id": "-", "tool": "uber.ride", "path": "type", "original": "plus",
        "value": "comfort", "from": "enum",
    }  # fmt: skip
    assert arguments(ride)["type"] == "comfort"
    assert (ride.gold.action, ride.gold.supported) == ("ask_user", False)
    assert [(g.path, g.tool, g.supported) for g in ride.gold.claims] == [
        ("type", "uber.ride", False)
    ]
    # The other entry of the same tool set gives the replacement of a free value.
    assert arguments(by_path["loc"])["loc"] == "9 Oak Ave, Austin, TX"
    assert arguments(by_path["time"])["time"] == 300
    second = {c.metadata["replaced"]["path"]: c for c in suite.cases if "2-1-1" in c.id}
    assert arguments(second["type"])["type"] == "plus"
    # Alone in its split, the train entry has no other value to take but an enum member.
    train = load_public("bfcl-live-replaced", data, split="train")
    assert [c.metadata["replaced"]["path"] for c in train.cases] == ["type"]
    assert train.notes == (
        "bfcl-live-replaced: skipped 2 (no plausible unstated value of the same type and slot)",
    )


def test_the_monitor_flags_the_replaced_argument(data: Path) -> None:
    monitor = Monitor()
    for case in load_public("bfcl-live-replaced", data, split="dev").cases:
        report = monitor.check(case.check_input())
        r = case.metadata["replaced"]
        (claim,) = [c for c in report.claims if c.path == r["path"]]
        assert claim.value == r["value"] and claim.label != "supported", case.id


@needs_data
def test_on_the_real_data_no_replacement_is_stated_in_its_request() -> None:
    for split in ("train", "dev"):
        suite = load_public("bfcl-live-replaced", DATA, split=split)
        assert len(suite.cases) > 300
        for case in suite.cases:
            r = case.metadata["replaced"]
            request = " ".join(m.text for m in case.messages).casefold()
            assert r["value"] != r["original"] and type(r["value"]) in (str, int, float)
            if isinstance(r["value"], str):
                # No content word in common, plural or not (stopwords aside).
                words = set(re.findall(r"[^\W_]{3,}", request))
                mine = set(re.findall(r"[^\W_]{3,}", r["value"].casefold())) - STOPWORDS
                assert not {w for w in mine if w in words or w + "s" in words}, case.id
            else:
                number = str(int(r["value"])) if float(r["value"]).is_integer() else str(r["value"])
                assert not re.search(rf"(?<![\d.]){re.escape(number)}(?!\d)", request), case.id


def _benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "bfcl_live_benchmark", BENCHMARKS / "bfcl_live.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bfcl_live_benchmark"] = module
    spec.loader.exec_module(module)
    return module


def test_benchmark_without_data_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _benchmark().main(["--data", str(tmp_path / "absent")]) == 0
    assert "no data at" in capsys.readouterr().out


def test_benchmark_prints_every_figure(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _benchmark().main(["--data", str(data)]) == 0
    out = capsys.readouterr().out
    assert "ground-truth calls (2)" in out
    assert re.search(r"silent_assumption on some argument\s+\d+\.\d% \[", out)
    assert re.search(r"replaced argument flagged\s+100\.0% \[100\.0, 100\.0\]\s+target >= 95%", out)
    assert "ECE (15 equal-mass bins)" in out
