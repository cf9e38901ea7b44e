"""The question model: its features, its shipped weights and the script that fits them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from agentguard import DefaultEstimator
from agentguard.context import build_context
from agentguard.estimators.default import QuestionAnswer
from agentguard.estimators.question_model import FEATURES, FITTED_PATH, support
from agentguard.inputs import parse_check_input
from tests.conftest import tool

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
FIT = ROOT / "training" / "fit_questions.py"
BOOK = tool(
    "book_flight",
    origin={"type": "string", "description": "The city you fly from."},
    destination={"type": "string", "description": "The city you fly to."},
)


def _answers(user: str, question: str) -> list[QuestionAnswer]:
    inp = parse_check_input(
        {
            "messages": [{"role": "user", "content": user}],
            "tools": [BOOK],
            "output": {"role": "assistant", "content": question},
        }
    )
    return DefaultEstimator().question_answers(question, build_context(inp))


def test_each_answer_has_a_feature_vector_and_the_support_it_gives() -> None:
    (answer,) = _answers("Book me a flight from Boston to Denver.", "Where are you flying from?")
    assert (answer.asked.param.path, answer.candidate.value) == ("origin", "Boston")
    assert len(answer.features) == len(FEATURES)
    assert answer.support == support(answer.features)
    assert answer.features[FEATURES.index("role_match")] == 1.0  # "from Boston"


def test_the_shipped_weights_name_every_feature() -> None:
    weights = json.loads(FITTED_PATH.read_text(encoding="utf-8"))["weights"]
    assert list(weights) == list(FEATURES)


def test_weights_missing_a_feature_are_refused_by_name(tmp_path: Path) -> None:
    data = json.loads(FITTED_PATH.read_text(encoding="utf-8"))
    del data["weights"]["place"]
    path = tmp_path / "questions.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError, match="no weight for place"):
        support([0.0] * len(FEATURES), path)


@pytest.mark.skipif(not DATA.is_dir(), reason=f"no public data at {DATA} (needed to fit)")
def test_the_committed_weights_are_a_fresh_fit_and_a_stale_file_is_caught(
    tmp_path: Path,
) -> None:
    done = subprocess.run(
        [sys.executable, str(FIT), "--check", "--data", str(DATA)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "is up to date" in done.stdout
    stale = tmp_path / "stale.json"
    data = json.loads(FITTED_PATH.read_text(encoding="utf-8"))
    data["weights"]["bias"] += 1.0
    stale.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(FIT), "--check", "--data", str(DATA), "--out", str(stale)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1 and "differs from a fresh fit" in done.stdout
