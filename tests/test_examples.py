from __future__ import annotations

import runpy
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "agents"


def test_agent_quickstart_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    runpy.run_path(str(EXAMPLES / "quickstart.py"), run_name="__main__")
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "agent asks: Could you tell me the city you fly from?",
        "answered -> Booked Chicago -> Denver on 2026-11-27, confirmation K7Q2.",
        "step 1 ask_user",
        "event ask",
        "event answer",
        "step 2 allow",
        "step 3 allow",
        "event run_end",
    ]
