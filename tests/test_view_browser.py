"""`agentguard view` in a real headless browser: filter, open a claim, see its evidence, label it.

Drives the system's Chromium (Debian's `chromium` package) through Playwright, without
Playwright's own browser download. Screenshots of each step are kept in `test-artifacts/view/`.
Skipped, with the reason, where Playwright or Chromium is not installed.
"""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agentguard.cli import main
from agentguard.inspection.labels import load_labels
from agentguard.viewer import TraceView, ViewServer, serve

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts" / "view"
EXAMPLES = ROOT / "examples" / "check"


def _chromium() -> str | None:
    for name in (os.environ.get("AGENTGUARD_CHROMIUM"), "chromium", "chromium-browser"):
        found = shutil.which(name) if name else None
        if found:
            return found
    return None


sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is not installed (pip install -e '.[dev]')"
)
CHROMIUM = _chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium installed (Debian: apt-get install chromium)"
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    opened = browser.new_page(viewport={"width": 1400, "height": 900})
    errors: list[str] = []
    opened.on("pageerror", lambda exc: errors.append(str(exc)))
    opened.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    opened.set_default_timeout(15_000)
    yield opened
    opened.close()
    assert errors == [], errors  # the page's code never failed


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _served(path: Path) -> ViewServer:
    server = serve(TraceView(path))
    server.view.wait(30)
    return server


def _stop(server: ViewServer) -> None:
    server.shutdown()
    server.server_close()
    server.view.close()


def _check_trace(path: Path) -> Path:
    files = sorted(str(p) for p in EXAMPLES.glob("*.json"))
    assert (
        main(["check", "--trace", str(path), "--trace-inputs", *files], stdout=io.StringIO()) == 0
    )
    return path


def test_filter_open_a_claim_see_its_evidence_and_label_it(page: Any, tmp_path: Path) -> None:
    trace = _check_trace(tmp_path / "t.jsonl")
    server = _served(trace)
    try:
        page.goto(server.url)
        page.wait_for_selector("#list tbody tr")
        assert page.locator("#list tbody tr").count() == 4
        _shot(page, "1-list")

        page.select_option("select[name=decision]", "retry")
        page.click("#apply")
        sync_api.expect(page.locator("#list tbody tr")).to_have_count(2)
        assert "of 2 records" in page.inner_text("#count")
        _shot(page, "2-filtered")

        page.click("#list tbody tr >> nth=0")
        supported = page.locator(".output .claim.hi").first
        supported.click()
        evidence = page.locator("#evidence")
        evidence.wait_for(state="visible")
        assert evidence.locator(".in-source mark").count() >= 1  # the span inside its source
        marked = evidence.locator(".in-source mark").first.inner_text()
        assert marked and marked in evidence.locator(".in-source").first.inner_text()
        assert "user#1" in evidence.inner_text()
        _shot(page, "3-evidence")

        # The question is about the claim (backed by what the agent was told), as a label's
        # `correct` is; not about whether the monitor judged it well.
        labels = page.locator("#evidence .labels")
        assert "Is this claim backed by what the agent was told?" in labels.inner_text()
        claim_id = str(supported.get_attribute("data-claim"))
        line = int(page.locator("#list tr.sel").get_attribute("data-line"))
        page.fill("#label-note", "checked by hand")
        page.click("#label-wrong")
        sync_api.expect(page.locator("#label-state")).to_contain_text("✗ not backed")
        label = load_labels(trace)[(line, claim_id)]
        assert (label["correct"], label["note"], label["by"]) == (
            False,
            "checked by hand",
            "viewer",
        )
        page.fill("#label-note", "")
        page.fill("#label-by", "ana")
        page.click("#label-right")
        sync_api.expect(page.locator("#label-state")).to_contain_text("✓ backed · labelled by ana")
        cell = page.locator(f'.label-cell[data-claim="{claim_id}"]')
        assert cell.inner_text().startswith("✓ backed")
        _shot(page, "4-labelled")
        label = load_labels(trace)[(line, claim_id)]
        assert (label["correct"], label["by"]) == (True, "ana")

        # A link to a trace line opens that record, even one the list does not show (line 6
        # has no flags); a later change of the address opens another.
        page.goto("about:blank")  # a fresh load, not a change of the address's fragment
        page.goto(server.url + "#line=6")
        sync_api.expect(page.locator("#detail h2")).to_contain_text("line 6")
        assert page.locator("#list tbody tr").count() == 4
        page.evaluate("location.hash = '#line=3'")
        sync_api.expect(page.locator("#detail h2")).to_contain_text("line 3")
        sync_api.expect(page.locator('#list tr[data-line="3"]')).to_have_class("sel")
        page.click('#list tr[data-line="4"]')
        sync_api.expect(page.locator("#detail h2")).to_contain_text("line 4")
        assert page.evaluate("location.hash") == "#line=4"  # the address names it, to share
        _shot(page, "4b-line-link")
    finally:
        _stop(server)


def test_an_eval_run_opens_the_cases_behind_a_bin_and_a_miss(page: Any, tmp_path: Path) -> None:
    out = tmp_path / "run"
    code = main(
        ["eval", "travel", "--fresh", "--no-progress", "--out", str(out)], stdout=io.StringIO()
    )
    assert code == 0
    server = _served(out)
    try:
        page.goto(server.url)
        page.wait_for_selector("#list tbody tr")
        page.click("#tab-calibration")
        page.wait_for_selector("figure svg")
        _shot(page, "5-calibration")

        page.locator("figure").first.locator("g.bin").first.click()
        page.wait_for_selector("#case-filter:not([hidden])")
        assert "case(s) of claims with support" in page.inner_text("#case-filter")
        assert page.locator("#list tbody tr").count() >= 1
        _shot(page, "6-bin-cases")

        page.click("#tab-calibration")
        miss = page.locator(".misses tr >> nth=1")
        case = miss.locator("td").first.inner_text()
        miss.click()
        page.wait_for_selector("#evidence:not([hidden])")
        assert case.split("/")[1] in page.inner_text("#detail h2")
        _shot(page, "7-miss")
    finally:
        _stop(server)


def test_the_saved_page_works_from_disk(page: Any, tmp_path: Path) -> None:
    trace = _check_trace(tmp_path / "t.jsonl")
    html = tmp_path / "view.html"
    assert main(["view", str(trace), "-o", str(html)], stdout=io.StringIO()) == 0
    page.goto(html.as_uri() + "#line=3")  # as the eval report links to `view.html#line=N`
    page.wait_for_selector("#list tbody tr")
    assert page.locator("#list tbody tr").count() == 4
    sync_api.expect(page.locator("#detail h2")).to_contain_text("line 3")
    page.fill("input[name=tool]", "book_flight")
    page.click("#apply")
    sync_api.expect(page.locator("#list tbody tr")).to_have_count(1)
    page.click("#list tbody tr >> nth=0")
    page.locator("#detail .calls .claim").first.click()
    page.locator("#evidence").wait_for(state="visible")
    assert "labels are made in the served viewer" in page.inner_text("#banner")
    _shot(page, "8-saved-page")
