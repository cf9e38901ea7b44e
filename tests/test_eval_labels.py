"""Labels as gold in eval statistics and calibration; the report's links from figures to cases."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from agentguard import Monitor
from agentguard.evaluation.commands import summarise_run
from agentguard.evaluation.harness.report_cases import case_anchor
from agentguard.inspection.labels import add_label, labels_path_of
from tests.test_eval_cli import run_cli
from tests.test_runner import case, write_suite
from tests.test_trace_index import ASK, TOLD, TOOLS, _call


@pytest.fixture
def run(tmp_path: Path) -> Path:
    """An eval run of 12 cases: each asks for a flight, half never say where from."""
    cities = ["Chicago", "Oslo", "Lyon", "Austin", "Dublin", "Madrid"]
    cases = []
    for i, city in enumerate(cities):
        cases.append(case(2 * i, "Fly me to Denver.", city, "ask_user", False))
        cases.append(case(2 * i + 1, f"Fly me from {city} to Denver.", city, "allow", True))
    suite = write_suite(tmp_path / "mini.jsonl", cases)
    out = tmp_path / "run"
    code, _, err = run_cli("eval", str(suite), "--out", str(out), "--no-progress")
    assert code == 0, err
    return out


def _report_of(trace: Path, case_id: str) -> tuple[int, dict[str, Any]]:
    for n, raw in enumerate(trace.read_text().splitlines(), 1):
        obj = json.loads(raw)
        if obj.get("kind") == "report" and obj.get("input_id") == case_id:
            return n, obj
    raise AssertionError(case_id)


def _claim(record: dict[str, Any], path: str) -> str:
    return next(c["id"] for c in record["report"]["claims"] if c.get("path") == path)


def test_without_labels_the_statistics_do_not_change(run: Path) -> None:
    before = json.loads((run / "summary.json").read_text())
    header, summary = summarise_run(run)
    assert summary == before and "labels" not in summary and "labels" not in header


def test_a_label_overrides_the_suites_gold_and_the_report_says_so(run: Path) -> None:
    before = json.loads((run / "summary.json").read_text())["claims"]["overall"]
    line, record = _report_of(run / "trace.jsonl", "t-1")  # told the origin: gold supported
    add_label(run, line=line, claim_id=_claim(record, "origin"), correct=False)
    code, out, err = run_cli("report", str(run))
    assert code == 0, err
    header, summary = summarise_run(run)
    after = summary["claims"]["overall"]
    assert after["n"] == before["n"]
    assert after["n_supported"] == before["n_supported"] - 1
    assert after["metrics"]["brier"]["value"] > before["metrics"]["brier"]["value"]
    assert summary["labels"]["used"] == 1 and summary["labels"]["changed"] == 1
    assert header["labels"] == summary["labels"]
    page = (run / "report.html").read_text()
    assert "1 of 1 used as gold (1 changed the suite&#x27;s gold)" in page
    code, out, _ = run_cli("compare", str(run), str(run))
    assert code == 0


def test_a_label_whose_claim_is_no_longer_in_the_run_is_stale(run: Path) -> None:
    line, record = _report_of(run / "trace.jsonl", "t-1")
    add_label(run, line=line, claim_id=_claim(record, "origin"), correct=False)
    path = labels_path_of(run)
    lines = path.read_text().splitlines()
    label = json.loads(lines[1])
    label["text"] = "origin='Somewhere else'"  # labelled on an output this run did not give
    path.write_text(lines[0] + "\n" + json.dumps(label) + "\n")
    before = json.loads((run / "summary.json").read_text())
    _, summary = summarise_run(run)
    assert summary["claims"] == before["claims"]
    assert summary["labels"]["used"] == 0 and summary["labels"]["stale"] == 1


def test_calibrate_fits_on_the_runs_labels(run: Path, tmp_path: Path) -> None:
    line, record = _report_of(run / "trace.jsonl", "t-1")
    add_label(run, line=line, claim_id=_claim(record, "origin"), correct=False)
    cal = tmp_path / "cal.json"
    code, out, err = run_cli("calibrate", str(run), "-o", str(cal), "--folds", "2")
    assert code == 0, err
    meta = json.loads(cal.read_text())["meta"]
    assert meta["labels"] == 1 and meta["claims"] == 24


def _production_trace(path: Path) -> Path:
    """A trace of six checks: three assume the origin, three were told it; all labelled."""
    with Monitor(trace=path) as monitor:
        for i in range(6):
            messages = ASK if i % 2 == 0 else TOLD
            monitor.check(messages=messages, tools=TOOLS, output=_call("Boston"), id=f"p-{i}")
    for n, raw in enumerate(path.read_text().splitlines(), 1):
        obj = json.loads(raw)
        if obj.get("kind") != "report":
            continue
        told = obj["input_id"] in ("p-1", "p-3", "p-5")
        for claim in obj["report"]["claims"]:
            right = told or claim["path"] != "origin"
            add_label(path, line=n, claim_id=claim["id"], correct=right, by="ops")
    return path


def test_calibrate_takes_labelled_production_traces(run: Path, tmp_path: Path) -> None:
    trace = _production_trace(tmp_path / "prod.jsonl")
    cal = tmp_path / "cal.json"
    code, out, err = run_cli("calibrate", "--labels-from", str(trace), "-o", str(cal),
                             "--folds", "2")  # fmt: skip
    assert code == 0, err
    assert "12 labeled claims" in out
    meta = json.loads(cal.read_text())["meta"]
    assert meta["run"] is None and meta["labels_from"] == [{"trace": str(trace), "claims": 12}]
    code, out, err = run_cli("calibrate", str(run), "--labels-from", str(trace),
                             "-o", str(cal), "--folds", "2")  # fmt: skip
    assert code == 0, err
    assert "36 labeled claims" in out  # the run's 24 and the trace's 12
    code, _, err = run_cli("calibrate", "-o", str(cal))
    assert code == 2 and "give a run folder, --labels-from TRACE, or both" in err


class _Page(HTMLParser):
    """Ids, links, the links of each bin row, and each `<th>` with the `<td>` after it."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.bins: dict[str, list[str]] = {}
        self.cells: dict[str, str] = {}
        self._bin: str | None = None
        self._text: list[str] | None = None
        self._head: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "tr" and a.get("id", "").startswith("bin-"):
            self._bin = a["id"]
            self.bins[self._bin] = []
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
            if self._bin is not None:
                self.bins[self._bin].append(a["href"])
        if tag in ("th", "td"):
            self._text = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "tr":
            self._bin, self._head = None, None
        elif tag in ("th", "td") and self._text is not None:
            text, self._text = "".join(self._text), None
            if tag == "th":
                self._head = text
            elif self._head is not None:
                self.cells.setdefault(self._head, text)
                self._head = None

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)


def test_report_links_every_bin_and_miss_to_its_cases(run: Path) -> None:
    page = (run / "report.html").read_text()
    parsed = _Page()
    parsed.feed(page)
    results = [json.loads(line) for line in (run / "results.jsonl").read_text().splitlines()]
    # An equal-width bin of all claims lists the cases of the claims whose support falls in it.
    supports = [(c["support"], r["case"]) for r in results for c in r["claims"]]
    k = min(int(min(p for p, _ in supports) * 15), 14)
    in_bin = sorted({case for p, case in supports if min(int(p * 15), 14) == k})
    got = parsed.bins[f"bin-all-claims-width-{k}"]
    assert sorted(h.removeprefix("#case-mini-") for h in got) == in_bin
    assert f'href="#bin-all-claims-width-{k}"' in page  # the bin's bar leads to its list
    # Every case link lands on a row of the case table, and each row gives its trace line.
    case_links = {h for h in parsed.links if h.startswith("#case-")}
    assert case_links and all(h[1:] in parsed.ids for h in case_links)
    assert f"#{case_anchor('mini', 't-0')}" in case_links
    line, _ = _report_of(run / "trace.jsonl", "t-0")
    assert f"view.html#line={line}" in parsed.links
    assert "agentguard view " + str(run) in page
    assert "Silent assumptions let through" in page
    started = json.loads((run / "run.json").read_text())["created"]
    assert parsed.cells.get("started") == started
    assert ".wrap{overflow-x:auto" in page


def test_a_broken_label_file_is_named_and_the_run_still_summarised(run: Path) -> None:
    before = json.loads((run / "summary.json").read_text())
    line, record = _report_of(run / "trace.jsonl", "t-1")
    add_label(run, line=line, claim_id=_claim(record, "origin"), correct=False)
    path = labels_path_of(run)
    with path.open("a") as f:
        f.write("{not json\n")
    code, _, err = run_cli("report", str(run))
    assert code == 0 and f"agentguard: warning: {path}:3: not a label record" in err
    assert summarise_run(run)[1]["labels"]["used"] == 1
    path.write_text("no header\n")
    code, _, err = run_cli("report", str(run))
    assert code == 0 and "not a label file" in err and "labels not used" in err
    assert summarise_run(run)[1] == before
