from __future__ import annotations

import copy
import math
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from agentguard.evaluation.harness.report import render_html, render_summary, write_html

CLAIM_KEYS = (
    "ece_width",
    "ece_mass",
    "mce",
    "brier",
    "brier_reliability",
    "brier_resolution",
    "brier_uncertainty",
    "log_loss",
    "auroc",
    "auprc",
    "accuracy",
    "f1",
    "auec",
)
BEHAVIOUR_KEYS = (
    "silent_assumption_rate",
    "ask_precision",
    "ask_recall",
    "redundant_question_rate",
    "tool_forcing_rate",
)
EVIL = "<script>alert(1)</script>"


def metric(value: float | None, low: float | None = None, high: float | None = None, **kw: Any):
    return {"value": value, "low": low, "high": high, "n": kw.get("n", 100), "note": kw.get("note")}


def undefined(note: str | None = "one class only") -> dict[str, Any]:
    return metric(None, note=note)


def bins(counts: list[int], edges: list[float] | None = None) -> list[dict[str, Any]]:
    edges = edges or [i / len(counts) for i in range(len(counts) + 1)]
    out = []
    for i, count in enumerate(counts):
        lo, hi = edges[i], edges[i + 1]
        mid = (lo + hi) / 2
        empty = count == 0
        out.append(
            {
                "lo": lo,
                "hi": hi,
                "count": count,
                "mean_p": None if empty else mid,
                "frac_pos": None if empty else max(0.0, mid - 0.1),
            }
        )
    return out


def group(n: int, base: float = 0.2, **overrides: dict[str, Any]) -> dict[str, Any]:
    metrics = {k: metric(base, base - 0.02, base + 0.03) for k in CLAIM_KEYS}
    metrics.update(overrides)
    return {
        "n": n,
        "n_supported": n // 2,
        "metrics": metrics,
        "reliability": {
            "width": bins([5, 0, 12, 37, 20, 9, 3, 0, 8, 6]),
            "mass": bins([25, 25, 25, 25], [0.0, 0.31, 0.52, 0.57, 1.0]),
        },
        "error_coverage": {"coverage": [0.25, 0.5, 0.75, 1.0], "error": [0.0, 0.05, 0.1, 0.2]},
    }


def behaviour(n: int, base: float) -> dict[str, Any]:
    return {
        "n": n,
        "metrics": {k: metric(base, base - 0.05, base + 0.05) for k in BEHAVIOUR_KEYS},
        "confusion": {
            "allow": {"allow": 70, "ask": 4},
            "ask": {"ask": 30, "allow": 11},
            "call_tool": {"call_tool": 20, "allow": 5},
        },
    }


def make_summary() -> dict[str, Any]:
    overall = group(240, ece_width=metric(0.123, 0.100, 0.150), auroc=metric(0.811, 0.752, 0.866))
    return {
        "threshold": 0.5,
        "claims": {
            "overall": overall,
            "by_kind": {
                "text": group(120),
                "argument": group(100),
                "question": group(20, auroc=undefined()),
            },
            "by_tool": {"book_flight": group(60), EVIL: group(40)},
            "by_domain": {"travel": group(150), "retail": group(90)},
            "by_model": {"replay": group(240)},
        },
        "responses": {
            "overall": group(80, base=0.3),
            "by_domain": {"travel": group(50, base=0.3)},
            "by_model": {"replay": group(80, base=0.3)},
        },
        "behaviour": {
            "overall": behaviour(240, 0.05),
            "by_domain": {"travel": behaviour(150, 0.04)},
            "by_model": {"replay": behaviour(240, 0.05)},
            "model_alone": behaviour(240, 0.31),
        },
    }


def make_run(**overrides: Any) -> dict[str, Any]:
    run = {
        "run_id": "run-2024-05-03",
        "suites": ["travel", "retail"],
        "policy": "balanced",
        "model": "replay",
        "estimator": "default",
        "calibration": None,
        "cases": 240,
        "errors": 0,
        "started": "2024-05-03T10:00:00+00:00",
        "finished": "2024-05-03T10:00:01+00:00",
        "duration_s": 1.23,
    }
    run.update(overrides)
    return run


class TagBalance(HTMLParser):
    VOID = {"meta", "br", "img", "line", "rect", "circle", "polyline", "input", "hr"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: Any) -> None:
        pass

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unexpected </{tag}> with open {self.stack[-3:]}")
        else:
            self.stack.pop()


def assert_no_nan(text: str) -> None:
    assert "nan" not in text.lower()  # the fixtures hold no word that contains it
    assert not re.search(r"\bnan\b", text, re.IGNORECASE)
    assert not re.search(r"\binf\b", text, re.IGNORECASE)


# ---------------------------------------------------------------- terminal


def test_summary_shows_key_numbers_with_intervals() -> None:
    text = render_summary(make_summary(), make_run())
    assert "run-2024-05-03" in text
    assert "travel, retail" in text and "policy balanced" in text and "1.23 s" in text
    assert "0.123 [0.100, 0.150]" in text  # ECE (width), overall claims
    assert "0.811 [0.752, 0.866]" in text  # AUROC, overall claims
    assert "one class only" in text  # AUROC of the question kind
    for name in ("ECE (width)", "ECE (mass)", "Brier", "AUROC", "AUPRC", "F1"):
        assert name in text
    assert "kind question" in text and "domain travel" in text
    assert_no_nan(text)
    assert "\x1b[" not in text
    assert 25 <= len(text.splitlines()) <= 40


def test_summary_compares_monitor_with_model_alone() -> None:
    text = render_summary(make_summary(), make_run())
    lines = text.splitlines()
    row = next(line for line in lines if "silent-assumption rate" in line)
    assert "0.050 [0.000, 0.100]" in row and "0.310 [0.260, 0.360]" in row
    assert row.index("0.050") < row.index("0.310")  # with monitor first, model alone second
    for name in ("ask precision", "ask recall", "redundant-question rate", "tool-forcing rate"):
        assert any(name in line for line in lines)
    assert any(
        line.startswith("responses n=80") and "0.300 [0.280, 0.330]" in line for line in lines
    )


def test_summary_colour_only_when_asked() -> None:
    coloured = render_summary(make_summary(), make_run(errors=3), color=True)
    assert "\x1b[1m" in coloured and "\x1b[31merrors 3" in coloured
    plain = render_summary(make_summary(), make_run(errors=3))
    assert "\x1b[" not in plain and "errors 3" in plain


def test_summary_missing_parts_do_not_crash() -> None:
    text = render_summary({"threshold": 0.5, "claims": {}, "responses": {}, "behaviour": {}}, {})
    assert "claims  none in this run" in text
    assert "responses" not in text and "behaviour" not in text
    only_claims = {"claims": {"overall": {"n": 3, "metrics": {"auroc": undefined()}}}}
    text = render_summary(only_claims, make_run(calibration="cal.json"))
    assert "one class only" in text and "n/a" in text and "calibration cal.json" in text


def test_summary_cuts_long_breakdowns() -> None:
    summary = make_summary()
    summary["claims"]["by_domain"] = {f"d{i:02d}": group(10 + i) for i in range(10)}
    text = render_summary(summary, make_run())
    assert "4 more by domain" in text
    assert "domain d09" in text and "domain d00" not in text  # the largest groups are kept


def test_summary_non_finite_values_read_as_undefined() -> None:
    summary = make_summary()
    summary["claims"]["overall"]["metrics"]["brier"] = metric(math.nan, math.nan, math.inf)
    summary["claims"]["overall"]["metrics"]["f1"] = undefined(note=None)
    text = render_summary(summary, make_run(duration_s=math.nan))
    assert_no_nan(text)
    assert "undefined" in text


def test_summary_rejects_non_dicts() -> None:
    with pytest.raises(TypeError, match="`summary` must be a dict, got list"):
        render_summary([], make_run())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="`run` must be a dict"):
        render_html(make_summary(), None)  # type: ignore[arg-type]


# ---------------------------------------------------------------- HTML


def test_html_is_self_contained_and_well_formed() -> None:
    page = render_html(make_summary(), make_run())
    assert page.startswith("<!DOCTYPE html>")
    assert "http://" not in page and "https://" not in page
    assert "<script" not in page.lower() and "<link" not in page and "@import" not in page
    assert "url(" not in page and "<img" not in page
    assert_no_nan(page)
    parser = TagBalance()
    parser.feed(page)
    assert parser.errors == [] and parser.stack == []
    for svg in re.findall(r"<svg\b.*?</svg>", page, re.DOTALL):
        ET.fromstring(svg)  # every chart is well-formed XML


def test_html_has_one_svg_per_chart() -> None:
    page = render_html(make_summary(), make_run())
    # Equal-width and equal-mass diagrams for all claims, each of the 3 kinds, and all responses.
    assert page.count('aria-label="reliability, ') == 2 * (1 + 3) + 2
    assert page.count('aria-label="error-coverage, ') == (1 + 3) + 1
    assert page.count("<svg") == 10 + 5
    assert 'aria-label="reliability, question claims, equal-mass bins"' in page
    assert page.count('class="diag"') == 10


def test_html_reliability_diagram_draws_bins_and_counts() -> None:
    page = render_html(make_summary(), make_run())
    first = re.search(r"<svg\b.*?</svg>", page, re.DOTALL)
    assert first is not None
    svg = ET.fromstring(first.group(0))
    texts = [t.text for t in svg.iter("text")]
    assert "37" in texts and "20" in texts  # bin counts under wide-enough bins
    titles = [t.text or "" for t in svg.iter("title")]
    # Empty bins draw no point; the eight others each get a point with its details.
    assert len(titles) == 8 and len(list(svg.iter("circle"))) == 8
    assert any("n=37" in t and "mean p 0.350" in t for t in titles)
    assert "0.123 [0.100, 0.150]" in page  # ECE in the caption and the overall table


def test_html_error_coverage_curve_and_auec_caption() -> None:
    page = render_html(make_summary(), make_run())
    curves = re.findall(r'<polyline points="([^"]+)"', page)
    assert len(curves) == 5
    assert all(len(c.split()) == 4 for c in curves)
    assert "<figcaption>all claims: AUEC 0.200 [0.180, 0.230]</figcaption>" in page
    assert "<figcaption>all responses: AUEC 0.300 [0.280, 0.330]</figcaption>" in page


def test_html_tables_cover_breakdowns_behaviour_and_confusion() -> None:
    page = render_html(make_summary(), make_run())
    for heading in ("By kind", "By tool", "By domain", "By model"):
        assert f"<h3>{heading}</h3>" in page
    assert "book_flight" in page and "<th>retail</th>" in page
    assert "with monitor (n=240)" in page and "model alone (n=240)" in page
    assert "Confusion: with monitor" in page and "Confusion: model alone" in page
    assert "<th>gold action \\ behaviour</th>" in page
    assert "<th>call_tool</th>" in page and ">70</td>" in page and ">74</td>" in page  # a total


def test_html_escapes_user_strings() -> None:
    summary = make_summary()
    summary["claims"]["by_domain"][EVIL] = group(5, auroc=undefined(note="<b>bold</b> & co"))
    summary["behaviour"]["overall"]["confusion"][EVIL] = {'"><svg onload=x>': 2}
    run = make_run(run_id=EVIL, suites=[EVIL, "travel"], policy='" onmouseover="x')
    page = render_html(summary, run)
    assert "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; co" in page
    assert "<svg onload" not in page and '" onmouseover="x' not in page
    parser = TagBalance()
    parser.feed(page)
    assert parser.errors == [] and parser.stack == []


def test_html_degenerate_metrics_show_their_note() -> None:
    summary = make_summary()
    summary["claims"]["overall"]["metrics"]["f1"] = undefined(note=None)
    summary["claims"]["overall"]["metrics"]["log_loss"] = metric(math.inf, 0.1, 0.2)
    summary["behaviour"]["model_alone"]["metrics"]["ask_precision"] = undefined("no asks")
    page = render_html(summary, make_run())
    assert '<td class="note">one class only</td>' in page
    assert '<td class="note">no asks</td>' in page
    assert '<td class="note">undefined</td>' in page
    assert_no_nan(page)


def test_html_missing_groups_do_not_crash() -> None:
    page = render_html({}, {})
    assert "No claim-level results" in page and "No response-level results" in page
    assert "No behaviour results" in page and "<svg" not in page
    sparse = {
        "threshold": None,
        "claims": {"overall": {"n": 0, "metrics": {}}, "by_kind": {"text": "not a group"}},
        "responses": {},
        "behaviour": {"overall": {"n": 0, "metrics": {}, "confusion": {}}},
    }
    page = render_html(sparse, make_run(suites=None, duration_s=None))
    assert page.count("no data</text>") == 3  # two reliability diagrams, one curve
    assert "No confusion matrix." in page and "No response-level results" in page
    only_breakdown = render_html({"claims": {"by_domain": {"travel": group(4)}}}, {})
    assert "<svg" not in only_breakdown and "<h3>By domain</h3>" in only_breakdown
    assert_no_nan(page)


def test_html_degenerate_bins_and_curves() -> None:
    summary = make_summary()
    overall = summary["claims"]["overall"]
    overall["reliability"]["width"] = [
        {"lo": 0.0, "hi": 0.5, "count": 0, "mean_p": None, "frac_pos": None},
        {"lo": 0.5, "hi": 1.0, "count": 4, "mean_p": math.nan, "frac_pos": 1.0},
    ]
    overall["error_coverage"] = {"coverage": [1.0], "error": [0.1]}
    page = render_html(summary, make_run())
    assert_no_nan(page)
    for svg in re.findall(r"<svg\b.*?</svg>", page, re.DOTALL):
        ET.fromstring(svg)


def test_write_html_is_atomic_and_returns_path(tmp_path: Path) -> None:
    target = tmp_path / "reports" / "eval.html"
    written = write_html(target, make_summary(), make_run())
    assert written == target
    assert target.read_text(encoding="utf-8") == render_html(make_summary(), make_run())
    assert target.stat().st_mode & 0o777 == 0o644
    summary = copy.deepcopy(make_summary())
    summary["claims"] = {}
    write_html(str(target), summary, make_run())  # replaces the old page
    assert "No claim-level results" in target.read_text(encoding="utf-8")
    assert sorted(p.name for p in target.parent.iterdir()) == ["eval.html"]


def test_write_html_leaves_old_page_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "eval.html"
    target.write_text("old page", encoding="utf-8")
    with pytest.raises(TypeError):
        write_html(target, "not a summary", make_run())  # type: ignore[arg-type]
    assert target.read_text(encoding="utf-8") == "old page"
    assert [p.name for p in tmp_path.iterdir()] == ["eval.html"]


def test_summary_has_no_trailing_blank_line() -> None:
    text = render_summary(make_summary(), make_run())
    assert not text.endswith("\n") and "\n\n\n" not in text
