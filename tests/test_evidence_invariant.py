"""No claim is labelled supported without evidence: every bundled suite, every public set."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentguard import Monitor
from agentguard.evaluation.harness.suite import EvalCase, load_suite
from agentguard.evaluation.public.adapters import PUBLIC_SETS, load_public

ROOT = Path(__file__).resolve().parents[1]
SUITES = sorted((ROOT / "agentguard" / "evaluation" / "suites").glob("*.jsonl"))
DATA = ROOT.parent / "shared" / "data"


def _unevidenced(cases: list[EvalCase]) -> list[str]:
    monitor = Monitor()
    out = []
    for case in cases:
        if case.output is None:
            continue
        for c in monitor.check(case.check_input()).claims:
            if c.kind != "question" and c.label == "supported" and not c.evidence:
                out.append(f"{case.id} {c.id} {c.text[:60]!r} support {c.support}")
    return out


@pytest.mark.parametrize("suite", SUITES, ids=lambda p: p.stem)
def test_every_supported_claim_of_a_bundled_suite_has_evidence(suite: Path) -> None:
    assert _unevidenced(load_suite(suite).cases) == []


@pytest.mark.skipif(not DATA.is_dir(), reason=f"no public data at {DATA}")
@pytest.mark.parametrize("name", sorted(PUBLIC_SETS))
def test_every_supported_claim_of_a_public_set_has_evidence(name: str) -> None:
    assert _unevidenced(load_public(name, DATA, split="dev").cases) == []
