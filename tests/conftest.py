"""Shared fixtures: no network, no real keys, logs in a temporary folder."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "check"


@pytest.fixture(autouse=True)
def _offline_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-dummy-key-000000000000")
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    # One process per command unless a test asks for more (tests/test_scale_local.py does).
    monkeypatch.setenv("AGENTGUARD_WORKERS", "1")
    for name in list(os.environ):
        upper = name.upper()
        if upper.endswith("_PROXY") or upper.endswith("_BASE_URL"):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def bundled_check_inputs() -> list[dict[str, Any]]:
    """The check input of every bundled suite case with a recorded output, in suite order."""
    from agentguard.evaluation.harness.suite import load_suite

    suites = Path(__file__).resolve().parent.parent / "agentguard" / "evaluation" / "suites"
    return [
        case.check_input(case.output.model_dump(exclude_none=True))
        for path in sorted(suites.glob("*.jsonl"))
        for case in load_suite(path).cases
        if case.output is not None
    ]


def load_example(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / f"{name}.json").read_text())
    return data


def tool(name: str, **props: dict[str, Any]) -> dict[str, Any]:
    """An OpenAI tool definition whose parameters are `props` (all required unless defaulted)."""
    required = [k for k, v in props.items() if "default" not in v]
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": f"The {name} tool.",
            "parameters": {"type": "object", "properties": props, "required": required},
        },
    }


def call(name: str, args: dict[str, Any] | str, call_id: str = "call_1") -> dict[str, Any]:
    arguments = args if isinstance(args, str) else json.dumps(args)
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": text}


def system(text: str) -> dict[str, Any]:
    return {"role": "system", "content": text}
