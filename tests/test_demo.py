from __future__ import annotations

import io
from pathlib import Path

import pytest

from agentguard import read_trace
from agentguard.cli import main
from agentguard.demos.catalog import SCENES
from agentguard.demos.show import run_demo


def test_demo_command_runs_every_scene_offline(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    code = main(["demo", "--trace", str(tmp_path / "demo.jsonl")], stdout=out, stderr=err)
    text = out.getvalue()
    assert code == 0, err.getvalue()
    for name in SCENES:
        assert f"== {name}:" in text
    assert "agent    Could you tell me the city you fly from?" in text
    assert "monitor  calls find_orders(email='dana.lee@example.com')" in text
    assert "monitor  -> retry: the model is told what was unsupported" in text
    assert "model    calculator(expression='17 * 23')" in text
    # The other direction: a question the context answers is not sent, a needless call not run.
    assert "model    Could you give me the email address on your account?" in text
    assert (
        "monitor  -> use_context: Already known, no need to ask: email is "
        "'dana.lee@example.com' (user#1: \"Hi, I'm dana.lee@example.com.\")."
    ) in text
    assert "agent    Could you give me the email address" not in text
    assert "agent    I've refunded $74.00 for order HD-19822." in text
    assert "monitor  answers calculator(expression='17 * 23'): 391" in text
    assert "agent    17 times 23 is 391." in text
    assert f"trace: {tmp_path / 'demo.jsonl'}" in text
    trace = read_trace(tmp_path / "demo.jsonl")
    assert trace.summaries and len(trace.reports) >= 10


def test_each_scene_does_the_right_thing(tmp_path: Path) -> None:
    outcomes = {
        o.scene: o
        for o in run_demo(list(SCENES.values()), trace_path=tmp_path / "d.jsonl", out=io.StringIO())
    }
    travel, orders = outcomes["travel"], outcomes["orders"]
    assert (travel.asked, travel.caught, travel.statuses) == (1, ["origin='Boston'"], ["answered"])
    assert "origin='Boston'" in travel.unguarded[0]  # alone, it books from a guessed city
    assert (orders.asked, orders.looked_up) == (0, ["find_orders"])
    assert "$249.00 for order HD-10001" in orders.unguarded[0]  # alone, the wrong order
    # Asked for the email it already has, it goes on with it and refunds the second order.
    assert orders.needless == ["'Could you give me the email address on your account?'"]
    assert (orders.used_context, orders.unsent, orders.answered) == (1, 1, [])
    assert orders.statuses == ["answered", "answered"]
    assert orders.unguarded[1] == "Could you give me the email address on your account?"
    retrieval = outcomes["retrieval"]
    assert retrieval.retries == 1 and retrieval.asked == 0
    assert "descaling" in retrieval.caught[0] and "descaling" in retrieval.unguarded[0]
    calc = outcomes["calculator"]
    # The calculator is used for the unsupported product, not for the supported split.
    assert calc.looked_up == ["calculator"]
    assert calc.caught == ["'17 times 23 is 381.'"]
    # The monitor computes 17 * 23 itself: the model's calculator call is answered, not run.
    assert calc.needless == ["expression='17 * 23'"]
    assert (calc.used_context, calc.unsent, calc.answered) == (1, 0, [("calculator", "391")])
    assert calc.statuses == ["answered", "answered"]
    assert "381" in calc.unguarded[0]


def test_interactive_mode_reads_answers_from_the_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("I fly from Oslo.\n"))
    out = io.StringIO()
    code = main(
        ["demo", "travel", "--interactive", "--trace", str(tmp_path / "i.jsonl")],
        stdout=out, stderr=io.StringIO(),
    )  # fmt: skip
    assert code == 0
    assert "You're booked from Oslo to Denver" in out.getvalue()


def test_unknown_scene_is_a_usage_error(tmp_path: Path) -> None:
    err = io.StringIO()
    assert main(["demo", "weather"], stdout=io.StringIO(), stderr=err) == 2
    assert err.getvalue().startswith("agentguard: error: unknown scene 'weather'")


def test_trace_of_another_version_is_refused(tmp_path: Path) -> None:
    old = tmp_path / "old.jsonl"
    old.write_text('{"version": 1, "kind": "header"}\n')
    err = io.StringIO()
    code = main(["demo", "travel", "--trace", str(old)], stdout=io.StringIO(), stderr=err)
    assert code == 2
    assert "trace version 1; new records would be version 3" in err.getvalue()
