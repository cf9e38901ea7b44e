"""People's labels as gold: the label file of a run folder, and labelled production traces.

A label (`agentguard label`, or the viewer) says whether a claim of a trace is right. In an eval
run folder, a label overrides the suite's gold for its claim, or gives gold to a claim the
suite has none for; the statistics and `agentguard calibrate` then count it like gold. A label
is matched to its case by the suite, input id and claim id it was made on, and only while the
run's trace still holds that claim with the same text: a label made on an earlier run whose
output differed is stale and is not used (the report counts both).

A production trace with labels (`agentguard calibrate --labels-from TRACE`) gives calibration
data of its own: each labelled claim's support, as the trace recorded it, and its label.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentguard.errors import InputError
from agentguard.inspection.labels import ClaimLabel, read_labels

__all__ = [
    "LabelUse",
    "TraceCase",
    "apply_labels",
    "label_claim_rows",
    "run_labels",
    "trace_cases",
]


@dataclass(frozen=True)
class TraceCase:
    """Where a case's report is in a run's trace, and the text of each of its claims."""

    line: int
    """The report record's line in the trace (from 1; the header is line 1)."""
    claims: dict[str, str]
    """Claim id -> claim text."""


@dataclass
class LabelUse:
    """The labels of a run folder, matched to its cases."""

    file: Path | None = None
    """The label file, when the run has one."""
    gold: dict[tuple[str, str, str], bool] = field(default_factory=dict)
    """(suite, case id, claim id) -> the label (True: the claim is right)."""
    labels: int = 0
    """Labelled claims in the file (the latest label of each)."""
    used: int = 0
    """Labels that gave a finished case's claim its gold."""
    changed: int = 0
    """Of those, labels that differ from the suite's gold."""
    added: int = 0
    """Of those, labels on claims the suite gives no gold."""
    stale: int = 0
    """Labels whose claim is not in this run (another output, a case not run)."""
    problems: list[str] = field(default_factory=list)
    """Lines of the label file that were skipped."""

    def to_json(self) -> dict[str, Any]:
        """The counts, as the run header of a report shows them."""
        return {
            "file": str(self.file) if self.file else None,
            "labels": self.labels,
            "used": self.used,
            "changed": self.changed,
            "added": self.added,
            "stale": self.stale,
            "skipped_lines": len(self.problems),
        }


def trace_cases(trace: Path) -> dict[tuple[str | None, str], TraceCase]:
    """(suite, input id) -> the case's report line and claim texts, from a run's trace.

    Lines that cannot be read are passed over (the index and the viewer report them); a case
    with more than one report (another writer) keeps its last.
    """
    out: dict[tuple[str | None, str], TraceCase] = {}
    if not trace.is_file():
        return out
    with trace.open("rb") as f:
        for n, raw in enumerate(f, 1):
            if n == 1 or not raw.endswith(b"\n"):
                continue
            try:
                obj = json.loads(raw)
            except (ValueError, RecursionError):
                continue
            if not isinstance(obj, dict) or obj.get("kind") != "report":
                continue
            case, suite = obj.get("input_id"), obj.get("suite")
            report = obj.get("report")
            if not isinstance(case, str) or not isinstance(report, dict):
                continue
            claims = {
                str(c.get("id")): str(c.get("text"))
                for c in report.get("claims") or []
                if isinstance(c, dict)
            }
            out[(suite if isinstance(suite, str) else None, case)] = TraceCase(n, claims)
    return out


def _matches(label: ClaimLabel, case: TraceCase | None) -> bool:
    return case is not None and case.claims.get(label.claim_id) == label.text


def run_labels(out: Path, cases: dict[tuple[str | None, str], TraceCase]) -> LabelUse:
    """The labels of the run folder `out`, matched to the cases of its trace (`trace_cases`).

    A label counts for the case and claim it was made on while the trace holds that claim with
    the same text. A case is found by its suite and id, not by the label's line, so a label
    survives a resumed run that rewrote the trace.

    A label file that is no label file (its first line) is named in `problems` and not used.
    """
    trace = out / "trace.jsonl"
    if not trace.is_file():
        return LabelUse()
    try:
        found = read_labels(trace)
    except InputError as exc:  # not a label file: the run is summarised without labels
        return LabelUse(problems=[f"{exc}: labels not used"])
    if not found.path.exists():
        return LabelUse()
    use = LabelUse(file=found.path, labels=len(found.labels), problems=found.problems)
    for label in found.labels.values():
        key = (label.suite, label.input_id or "")
        if label.input_id is not None and _matches(label, cases.get(key)):
            use.gold[(label.suite or "", label.input_id, label.claim_id)] = label.correct
        else:
            use.stale += 1
    return use


def apply_labels(results: Iterable[dict[str, Any]], use: LabelUse) -> list[dict[str, Any]]:
    """The result lines with each labelled claim's gold set to its label; counts into `use`.

    Result lines without labels are passed on as they are (the same objects); a labelled one
    is copied, so the caller's lines never change.
    """
    out: list[dict[str, Any]] = []
    matched: set[tuple[str, str, str]] = set()
    for row in results:
        if not use.gold or row.get("error") or not isinstance(row.get("claims"), list):
            out.append(row)
            continue
        suite, case = str(row.get("suite") or ""), str(row.get("case"))
        claims, labelled = [], False
        for claim in row["claims"]:
            key = (suite, case, str(claim.get("id")))
            if key in use.gold and key not in matched:
                matched.add(key)
                label = use.gold[key]
                if claim.get("gold") is None:
                    use.added += 1
                elif claim["gold"] != label:
                    use.changed += 1
                claim = {**claim, "gold": label, "labelled": True}
                labelled = True
            claims.append(claim)
        out.append({**row, "claims": claims} if labelled else row)
    use.used = len(matched)
    use.stale += len(use.gold) - len(matched)
    return out


def label_claim_rows(trace: str | Path) -> tuple[list[dict[str, Any]], list[str]]:
    """Calibration rows of a labelled trace: `p` (the recorded support), `y`, `kind`, `tool`.

    Returns:
        The rows of the labelled claims that have a support, and the lines of the label file
        that were skipped.

    Raises:
        InputError: when there is no trace at `trace`, or its label file is no label file.
    """
    found = read_labels(trace)
    rows = [
        {
            "p": label.support,
            "y": int(label.correct),
            "kind": label.claim_kind,
            "tool": label.tool,
        }
        for label in found.labels.values()
        if label.support is not None and 0.0 <= label.support <= 1.0
    ]
    return rows, found.problems
