from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
from sklearn.metrics import balanced_accuracy_score, roc_auc_score

from agentguard.evaluation.public.adapters import load_public
from agentguard.types import Flag

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
SCRIPT = BENCHMARKS / "quality.py"


def _load() -> ModuleType:
    # the script imports its helper modules from its own folder, as when run from the shell
    if str(BENCHMARKS) not in sys.path:
        sys.path.insert(0, str(BENCHMARKS))
    spec = importlib.util.spec_from_file_location("quality_benchmark", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


q = _load()
qs = importlib.import_module("quality_scores")
qf = importlib.import_module("quality_figures")
TRAIN_LINES = "{}\n" * 6000  # HaluEval dev starts at line 6001; train lines are never parsed


def _jsonl(path: Path, records: list[dict[str, Any]], head: str = "") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(head + "".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")


def write_halueval(root: Path) -> None:
    _jsonl(
        root / "halueval" / "qa.jsonl",
        [
            {
                "knowledge": "Paris is the capital of France. It lies on the Seine.",
                "question": "What is the capital of France?",
                "right_answer": "Paris",
                "hallucinated_answer": "Paris is the capital of France",
            },
            {
                "knowledge": "The Eiffel Tower was completed in 1889 in Paris.",
                "question": "When was the Eiffel Tower completed?",
                "right_answer": "The Eiffel Tower was completed in 1889.",
                "hallucinated_answer": "The Eiffel Tower was completed in 1925 by Gustave Eiffel.",
            },
        ],
        TRAIN_LINES,
    )
    _jsonl(
        root / "halueval" / "dialogue.jsonl",
        [
            {
                "knowledge": "Iron Man is starring Robert Downey Jr.",
                "dialogue_history": "[Human]: Do you like Iron Man? [Assistant]: I do.",
                "right_response": "Robert Downey Jr. stars in it.",
                "hallucinated_response": "Tom Cruise stars in it.",
            }
        ],
        TRAIN_LINES,
    )


def _sample(i: int, summary: str, wrong: bool, meta: dict[str, Any]) -> dict[str, Any]:
    annotations = (
        [{"label": ["Unwanted", "Unwanted.Intrinsic"], "summary_start": 4, "summary_end": 7}]
        if wrong
        else []
    )
    return {
        "sample_id": i,
        "source": "The cat sat on the mat in the kitchen while the dog slept.",
        "summary": summary,
        "annotations": annotations,
        "metadata": {"summarizer": "some-model", **meta},
    }


def write_faithbench(root: Path) -> None:
    folder = root / "faithbench"
    folder.mkdir(parents=True)
    samples = [
        _sample(
            0,
            "The cat sat on the mat.",
            False,
            {"hhemv1": 0.9, "hhem-2.1": 0.8, "trueteacher": 1, "gpt_4o": 1},
        ),
        _sample(
            1,
            "The dog sat on the mat.",
            True,
            {"hhemv1": 0.3, "hhem-2.1": None, "trueteacher": 0, "gpt_4o": 1},
        ),
        _sample(
            2,
            "The dog slept in the kitchen.",
            False,
            {"hhemv1": 0.4, "hhem-2.1": 0.6, "trueteacher": 0, "gpt_4o": 1},
        ),
        _sample(
            3,
            "The cat slept on the roof.",
            True,
            {"hhemv1": 0.2, "hhem-2.1": 0.7, "trueteacher": 0, "gpt_4o": 0},
        ),
    ]
    (folder / "batch_9.json").write_text(json.dumps({"samples": samples}), encoding="utf-8")


def write_bfcl(root: Path) -> None:
    bfcl = root / "bfcl"
    tail = {
        "name": "tail",
        "description": "Show the last lines of a file.",
        "parameters": {
            "type": "dict",
            "properties": {
                "file_name": {"type": "string", "description": "The file."},
                "lines": {"type": "integer", "description": "How many lines.", "default": 10},
            },
            "required": ["file_name"],
        },
    }
    _jsonl(bfcl / "multi_turn_func_doc" / "gorilla_file_system.json", [tail])
    call = "tail(file_name='log.txt', lines=20)"
    first = [{"role": "user", "content": "Show me the end of log.txt please."}]
    dialogues = {
        "miss_param": ([first, [{"role": "user", "content": "The last 20 lines."}]], [[], [call]]),
        "base": ([[{"role": "user", "content": "Show the last 20 lines of log.txt."}]], [[call]]),
    }
    for kind, (question, truth) in dialogues.items():
        did = f"multi_turn_{kind}_1"
        entry = {"id": did, "question": question, "initial_config": {}}
        entry["involved_classes"] = ["GorillaFileSystem"]
        _jsonl(bfcl / f"BFCL_v4_multi_turn_{kind}.json", [entry])
        _jsonl(
            bfcl / "possible_answer" / f"BFCL_v4_multi_turn_{kind}.json",
            [{"id": did, "ground_truth": truth}],
        )


@pytest.fixture
def data(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    write_halueval(root)
    write_faithbench(root)
    write_bfcl(root)
    return root


def test_words_and_naive_floor() -> None:
    assert qs.words("Don't STOP_me at 42!") == ["don", "t", "stop", "me", "at", "42"]
    assert qs.naive_score("Berlin is the capital", "The capital of France is Paris") == 0.5
    assert qs.naive_score("Paris is the capital", "The capital of France is Paris") == 1.0
    assert qs.naive_score("It is what it is.", "anything") == 1.0  # stopwords only


def test_pair_selection_and_floor_scores(data: Path) -> None:
    cases = load_public("halueval-qa", data, split="dev").cases
    assert [c.id for c in cases] == [
        "halueval-qa-6001-right",
        "halueval-qa-6001-hallucinated",
        "halueval-qa-6002-right",
        "halueval-qa-6002-hallucinated",
    ]
    assert qs.sentence_pair_mask(cases).tolist() == [False, False, True, True]
    assert qs.hard_pair_mask(cases).tolist() == [True, True, False, False]
    # eiffel, tower, completed, eiffel occur; 1925 and gustave do not ("by", "was" stopwords)
    assert qs.naive_scores(cases) == pytest.approx([1.0, 1.0, 1.0, 4 / 6])


def test_text_figures_on_fixture(data: Path) -> None:
    cases = load_public("halueval-qa", data, split="dev").cases
    runs = qs.check_cases(cases)
    fig = qf.text_figures(runs, 0.5, n_boot=20)
    assert fig["n"] == 4
    assert fig["sentence_pairs"]["pairs"] == 1 and fig["hard_pairs"]["pairs"] == 1
    # floor p = [1, 1, 1, 2/3], y = [1, 0, 1, 0]: two ties and two wins over four pairs
    assert fig["floor"]["auroc"].value == pytest.approx(0.75)
    assert fig["sentence_pairs"]["floor_auroc"].value == pytest.approx(1.0)
    assert fig["hard_pairs"]["floor_auroc"].value == pytest.approx(0.5)
    p, y, no_claims = qs.response_scores(runs)
    assert y.tolist() == [1.0, 0.0, 1.0, 0.0]
    assert fig["metrics"]["auroc"].value == pytest.approx(roc_auc_score(y, p))
    assert fig["no_claims"] == no_claims
    assert set(fig["metrics"]) == {"auroc", "auprc", "balanced_accuracy", "f1", "ece", "brier"}


def test_balanced_accuracy_matches_sklearn() -> None:
    p = np.array([0.9, 0.2, 0.7, 0.6, 0.1, 0.55])
    y = np.array([1, 1, 0, 0, 0, 1])
    stat = qs.balanced_accuracy_statistic(0.5)
    value = stat(p[None, :], y[None, :].astype(float))[0]
    assert value == pytest.approx(balanced_accuracy_score(y, p >= 0.5))
    one_class = stat(p[None, :], np.ones((1, 6)))[0]
    assert np.isnan(one_class)  # the metrics module turns this into None with a note


def test_detectors_side_by_side(data: Path) -> None:
    runs = qs.check_cases(load_public("faithbench", data, split="dev").cases)
    rows = {r["detector"]: r for r in qf.detector_figures(runs, 0.5, n_boot=20)}
    p, y, _ = qs.response_scores(runs)
    assert y.tolist() == [1.0, 0.0, 1.0, 0.0]
    assert rows["hhemv1"]["metric"] == "auroc" and rows["hhemv1"]["n"] == 4
    assert rows["hhemv1"]["detector_value"].value == pytest.approx(1.0)
    # hhem-2.1 has no value on sample 1: scored on samples 0, 2, 3 only, ours too
    assert rows["hhem-2.1"]["n"] == 3
    assert rows["hhem-2.1"]["detector_value"].value == pytest.approx(0.5)
    assert rows["hhem-2.1"]["agentguard"].value == pytest.approx(
        roc_auc_score(y[[0, 2, 3]], p[[0, 2, 3]])
    )
    assert rows["trueteacher"]["metric"] == "balanced_accuracy"
    assert rows["trueteacher"]["detector_value"].value == pytest.approx(0.75)
    assert rows["gpt_4o"]["detector_value"].value == pytest.approx(0.75)
    assert rows["hhem-2.1-english"] == {
        "detector": "hhem-2.1-english",
        "n": 0,
        "note": "no values on these samples",
    }


def test_char_level_scores_by_hand() -> None:
    assert qs.characters([(0, 3), (2, 5)]) == {0, 1, 2, 3, 4}
    # predicted 0-3, gold 2-7 (two annotations): overlap 2, 3
    assert qs.char_counts([(0, 4)], [(2, 6), (5, 8)]) == (2, 4, 6)
    # sums: tp 3, predicted 6, gold 10 -> P 3/6, R 3/10, F1 2*3/(6+10)
    scores = qs.char_scores([(2, 4, 6), (0, 0, 3), (1, 2, 1)], n_boot=50)
    assert scores["precision"].value == pytest.approx(0.5)
    assert scores["recall"].value == pytest.approx(0.3)
    assert scores["f1"].value == pytest.approx(0.375)
    for m in scores.values():
        assert m.n == 3 and m.low is not None and m.high is not None
        assert m.low <= m.value <= m.high
    nothing = qs.char_scores([(0, 0, 3), (0, 0, 0)], n_boot=50)
    assert nothing["precision"].value is None and nothing["precision"].note == "none predicted"
    assert nothing["recall"].value == 0.0 and nothing["f1"].value == 0.0
    empty = qs.char_scores([(0, 0, 0), (0, 0, 0)], n_boot=50)
    assert {k: m.value for k, m in empty.items()} == dict.fromkeys(empty)


def test_span_figures_on_fixture(data: Path) -> None:
    runs = qs.check_cases(load_public("faithbench", data, split="dev").cases)
    fig = qf.span_figures(runs, n_boot=20)
    lengths = [len(r.case.output.content) for r in runs]
    assert fig["n"] == 4 and fig["gold_samples"] == 2 and fig["gold_chars"] == 6
    assert fig["chars"] == sum(lengths)
    assert fig["all_unsupported"]["recall"].value == 1.0
    assert fig["all_unsupported"]["precision"].value == pytest.approx(6 / sum(lengths))
    assert fig["none_unsupported"]["f1"].value == 0.0
    tp = pred = 0
    for r in runs:
        chars = qs.characters(r.report.unsupported_spans())
        pred += len(chars)
        tp += len(chars & {4, 5, 6}) if r.case.gold.supported is False else 0
    assert fig["agentguard"]["f1"].value == pytest.approx(2 * tp / (pred + 6))
    assert fig["any_predicted"].value == pytest.approx(
        np.mean([bool(r.report.unsupported_spans()) for r in runs])
    )


def _flag(claim_id: str | None) -> Flag:
    return Flag(type="silent_assumption", claim_id=claim_id, risk=0.9, message="assumed")


def test_bfcl_flagged_shares(data: Path) -> None:
    missing, given = qs.check_cases(load_public("bfcl-miss-param", data, split="dev").cases)
    assert missing.case.id.endswith("-missing") and given.case.id.endswith("-given")
    ids = {c.path: c.id for c in missing.report.claims if c.kind == "argument"}
    assert set(ids) == {"file_name", "lines"}

    def with_flags(run: Any, *claim_ids: str | None) -> Any:
        report = run.report.model_copy(update={"flags": tuple(_flag(i) for i in claim_ids)})
        return qs.Checked(run.case, report, run.ms)

    cases = {
        "none": ([], False),
        "withheld": ([ids["lines"]], True),
        "other argument": ([ids["file_name"]], True),
        "response level": ([None], False),
    }
    for name, (flags, any_flag) in cases.items():
        run = with_flags(missing, *flags)
        assert qf.withheld_flagged(run.case, run.report) == [name == "withheld"], name
        assert qf.any_argument_flagged(run.report) is any_flag, name

    fig = qf.bfcl_figures([with_flags(missing, ids["lines"]), with_flags(given)], n_boot=20)
    assert fig["missing_flagged"].value == 1.0 and fig["missing_flagged"].n == 1
    assert fig["complete_flagged"].value == 0.0 and fig["complete_flagged"].n == 1
    given_ids = [c.id for c in given.report.claims if c.kind == "argument"]
    fig = qf.bfcl_figures([with_flags(missing), with_flags(given, given_ids[0])], n_boot=20)
    assert fig["missing_flagged"].value == 0.0
    assert fig["complete_flagged"].value == 1.0
    # The "given" call's values are all stated, so its flag also counts among those calls...
    assert not given.case.metadata.get("unmatched")
    assert fig["complete_flagged_stated"].value == 1.0 and fig["complete_flagged_stated"].n == 1
    # ...and a call with a value the dialogue never states is left out of that share.
    unstated = qs.Checked(
        given.case.model_copy(update={"metadata": {**given.case.metadata, "unmatched": ["x"]}}),
        given.report,
        given.ms,
    )
    fig = qf.bfcl_figures([with_flags(missing), unstated], n_boot=20)
    assert fig["complete_flagged_stated"].n == 0

    p, y = qf.argument_claims([missing])  # gold: file_name stated, lines withheld
    assert sorted(y.tolist()) == [0.0, 1.0]
    assert p.tolist() == [c.support for c in missing.report.claims if c.kind == "argument"]
    # A supported value the dialogue never states is left out of the stated-only figures;
    # an unsupported one stays.
    name = next(c for c in missing.report.claims if c.path == "file_name")
    lines = next(c for c in missing.report.claims if c.path == "lines")
    meta = {
        **missing.case.metadata,
        "unstated": [{"call_id": c.call_id, "tool": c.tool, "path": c.path} for c in (name, lines)],
    }
    both = qs.Checked(missing.case.model_copy(update={"metadata": meta}), missing.report, 0.0)
    p, y = qf.argument_claims([both], stated_only=True)
    assert y.tolist() == [0.0] and p.tolist() == [lines.support]


def test_main_on_fixture_writes_json(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "quality.json"
    assert q.main(["--data", str(data), "--n-boot", "20", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    for name in q.TITLES:
        assert f"({name}, dev)" in printed
    assert "target >= 0.95" in printed and "not measured" in printed

    def no_nan(token: str) -> None:
        raise AssertionError(f"{token} in the JSON")

    doc = json.loads(out.read_text(), parse_constant=no_nan)
    assert set(doc["sets"]) == set(q.TITLES)
    assert doc["sets"]["halueval-qa"]["sentence_pairs"]["pairs"] == 1
    assert doc["sets"]["bfcl-miss-param"]["missing_cases"] == 1
    assert doc["targets"]["bfcl"]["complete_flagged"] == {"bound": 0.05, "at_most": True}
    assert "ece" in doc["bfcl_pooled"]
    assert set(doc["sets"]["faithbench"]["spans"]["agentguard"]) == {"precision", "recall", "f1"}


def test_data_absent_skips(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert q.main(["--data", str(tmp_path / "nowhere")]) == 0
    out = capsys.readouterr().out.strip()
    assert out.startswith("quality benchmark skipped: no data folder at")
    assert len(out.splitlines()) == 1


def test_malformed_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "data" / "halueval" / "qa.jsonl"
    path.parent.mkdir(parents=True)
    path.write_text(TRAIN_LINES + "{not json\n", encoding="utf-8")
    assert q.main(["--data", str(tmp_path / "data"), "--sets", "halueval-qa"]) == 2
    assert f"{path}:6001: not JSON" in capsys.readouterr().err


@pytest.mark.skipif(
    not q.DEFAULT_DATA.is_dir(), reason=f"no public data at {q.DEFAULT_DATA} (not shipped)"
)
def test_quick_run_on_real_data(capsys: pytest.CaptureFixture[str]) -> None:
    assert q.main(["--quick"]) == 0
    printed = capsys.readouterr().out
    for name, title in q.TITLES.items():
        assert f"== {title} ({name}, dev)" in printed


def test_fitted_bundle_on_fixture(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "quality.json"
    argv = ["--data", str(data), "--n-boot", "20", "--coefficients", "fitted", "--json", str(out)]
    assert q.main(argv) == 0
    doc = json.loads(out.read_text())
    assert doc["meta"]["coefficients"] == "fitted"
    assert "ece" in doc["sets"]["bfcl-base"]["argument_claims_stated"]


def test_dialogue_examples_on_fixture(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    examples = importlib.import_module("dialogue_examples")
    assert examples.main(["--data", str(data), "--count", "1"]) == 0
    out = capsys.readouterr().out
    assert "(ranked as labelled)" in out
    assert "knowledge: Iron Man is starring Robert Downey Jr." in out
    assert "right response (support" in out and "hallucinated response (support" in out
    assert examples.main(["--data", str(data / "absent")]) == 0
    assert "no data folder" in capsys.readouterr().out
