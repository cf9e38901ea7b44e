"""An eval run folder as the viewer shows it: its calibration plots, the cases behind them.

The run's `summary.json` holds the reliability bins the HTML report draws; `results.jsonl`
holds each case's claims with their support and gold label. Each bin is given the claims (and
so the cases) that fall into it, with the same edges the statistics used: equal-width bins are
`[lo, hi)` with the last closed, equal-mass bins `(lo, hi]` with the first closed. A miss is a
claim whose gold label the support contradicts at the run's threshold: an unsupported claim
let through (a missed silent assumption) or a supported one flagged (a false alarm).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentguard.errors import InputError, clip
from agentguard.evaluation.harness.suite import EvalCase, load_suite
from agentguard.evaluation.harness.svg import error_coverage_svg, finite, reliability_svg

__all__ = ["RunView"]

_MAX_RESULTS = 200_000
_SUITES = Path(__file__).resolve().parent.parent / "evaluation" / "suites"
_SCHEMES = ("width", "mass")


@dataclass
class RunView:
    """The results, summary and run header of one eval run folder."""

    folder: Path
    run: dict[str, Any]
    summary: dict[str, Any]
    results: list[dict[str, Any]]
    warnings: list[str] = field(default_factory=list)
    _cases: dict[str, dict[str, EvalCase] | None] = field(default_factory=dict)

    @classmethod
    def open(cls, folder: Path) -> RunView:
        """Read `run.json`, `summary.json` and `results.jsonl`; what cannot be read is warned."""
        warnings: list[str] = []
        run = _json_file(folder / "run.json", warnings)
        summary = _json_file(folder / "summary.json", warnings)
        results: list[dict[str, Any]] = []
        with (folder / "results.jsonl").open("rb") as f:
            for n, raw in enumerate(f, 1):
                if not raw.strip() or len(results) >= _MAX_RESULTS:
                    continue
                try:
                    row = json.loads(raw)
                except (ValueError, RecursionError):
                    row = None
                if isinstance(row, dict) and isinstance(row.get("case"), str):
                    results.append(row)
                else:
                    warnings.append(f"results.jsonl:{n}: not a case result: skipped")
        return cls(folder=folder, run=run, summary=summary, results=results, warnings=warnings)

    def case_context(self, suite: Any, case_id: Any) -> dict[str, Any] | None:
        """The messages, tools and documents of a bundled suite's case, if the run used one."""
        if not isinstance(suite, str) or not isinstance(case_id, str):
            return None
        if suite not in self._cases:
            path = _SUITES / f"{suite}.jsonl"
            try:
                cases = {c.id: c for c in load_suite(path).cases} if path.is_file() else None
            except InputError:
                cases = None
            self._cases[suite] = cases
        case = (self._cases[suite] or {}).get(case_id)
        if case is None:
            return None
        return {
            "messages": [m.model_dump(exclude_none=True) for m in case.messages],
            "tools": [t.model_dump() for t in case.tools],
            "documents": [d.model_dump() for d in case.documents],
        }

    def view(self) -> dict[str, Any]:
        """The run header, its figures with the cases of each bin, and its misses."""
        threshold = finite(self.summary.get("threshold"))
        claims = [
            (f"{r.get('suite') or ''}/{r['case']}", c)
            for r in self.results
            for c in (r.get("claims") or [])
            if isinstance(c, dict) and isinstance(c.get("gold"), bool)
        ]
        responses = [
            (f"{r.get('suite') or ''}/{r['case']}", {"id": None, **r})
            for r in self.results
            if isinstance(r.get("gold_supported"), bool)
        ]
        return {
            "run": self.run,
            "threshold": threshold,
            "figures": [
                *self._figures("claims", claims, "gold"),
                *self._figures("responses", responses, "gold_supported"),
            ],
            "misses": _misses(claims, threshold),
            "cases": len(self.results),
        }

    def _figures(
        self, level: str, items: list[tuple[str, dict[str, Any]]], gold: str
    ) -> list[dict[str, Any]]:
        overall = _map(_map(self.summary, level), "overall")
        out = []
        for scheme in _SCHEMES:
            bins = [
                b for b in _map(overall, "reliability").get(scheme) or [] if isinstance(b, dict)
            ]
            label = f"reliability, all {level}, equal-{scheme} bins"
            out.append({
                "level": level,
                "scheme": scheme,
                "label": label,
                "svg": reliability_svg(bins, label),
                "bins": _bin_cases(bins, items, scheme, gold),
            })  # fmt: skip
        rc = _map(overall, "error_coverage")
        if rc:
            label = f"error-coverage, all {level}"
            coverage, error = rc.get("coverage") or [], rc.get("error") or []
            auec = _map(overall, "metrics").get("auec")
            value = auec.get("value") if isinstance(auec, dict) else auec
            note = f"AUEC {finite(value):.3f}" if finite(value) is not None else "AUEC -"
            svg = error_coverage_svg(coverage, error, label, caption=note)
            out.append({"level": level, "scheme": "error", "label": label, "svg": svg, "bins": []})
        return out


def _map(node: Any, key: str) -> Mapping[str, Any]:
    value = node.get(key) if isinstance(node, Mapping) else None
    return value if isinstance(value, Mapping) else {}


def _json_file(path: Path, warnings: list[str]) -> dict[str, Any]:
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        warnings.append(f"{path.name}: missing; the run shows without it")
        return {}
    except (OSError, ValueError, RecursionError) as exc:
        warnings.append(f"{path.name}: cannot be read ({clip(str(exc), 80)})")
        return {}
    if not isinstance(found, dict):
        warnings.append(f"{path.name}: not a JSON object")
        return {}
    return found


def _in_bin(p: float, lo: float, hi: float, *, first: bool, last: bool, scheme: str) -> bool:
    if scheme == "width":
        return lo <= p < hi or (last and p == hi)
    return lo < p <= hi or (first and p == lo)


def _bin_cases(
    bins: list[dict[str, Any]], items: list[tuple[str, dict[str, Any]]], scheme: str, gold: str
) -> list[dict[str, Any]]:
    """Each bin with the claims (case, claim id, support, gold) whose support falls in it."""
    out: list[dict[str, Any]] = []
    for i, b in enumerate(bins):
        lo, hi = finite(b.get("lo")), finite(b.get("hi"))
        if lo is None or hi is None:
            continue
        members = [
            {"case": case, "claim_id": item.get("id"), "support": p, "gold": item.get(gold)}
            for case, item in items
            if (p := finite(item.get("support"))) is not None
            and _in_bin(p, lo, hi, first=i == 0, last=i == len(bins) - 1, scheme=scheme)
        ]
        out.append({
            "lo": lo, "hi": hi, "count": b.get("count"), "mean_p": finite(b.get("mean_p")),
            "frac_pos": finite(b.get("frac_pos")), "members": members,
        })  # fmt: skip
    return out


def _misses(
    claims: list[tuple[str, dict[str, Any]]], threshold: float | None
) -> list[dict[str, Any]]:
    """Claims whose support disagrees with their gold label at `threshold`."""
    if threshold is None:
        return []
    out = []
    for case, c in claims:
        p = finite(c.get("support"))
        if p is None or (p >= threshold) == c["gold"]:
            continue
        out.append({
            "case": case, "claim_id": c.get("id"), "kind": c.get("kind"), "tool": c.get("tool"),
            "path": c.get("path"), "support": p,
            "miss": "missed assumption" if not c["gold"] else "false alarm",
        })  # fmt: skip
    return out
