from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors

from agentguard import (
    Assessment,
    ClaimDraft,
    Context,
    DefaultEstimator,
    Estimate,
    Monitor,
    WithFallback,
)
from agentguard.claims import extract_claims
from agentguard.context import build_context
from agentguard.estimators.nli import NLIError, NLIEstimator
from agentguard.estimators.nli_chunks import chunk_sources, chunk_spans, rank_chunks
from agentguard.inputs import parse_check_input
from agentguard.text.tokens import content_terms
from agentguard.types import Source
from tests.conftest import call, tool, user


def pair(assessment: Assessment) -> tuple[list[Estimate], tuple[str, ...]]:
    """An assessment's estimates and notes."""
    return list(assessment.estimates), assessment.notes


# The tiny model is a word-overlap "NLI" built from ONNX operators:
#   missing = hypothesis words (not "not", not specials or punctuation) absent from the premise
#   negation = 1 when exactly one of premise and hypothesis has "not"
#   logits [contradiction, entailment, neutral] = [-2 - 2m + 6n, 3 - 5m - 6n, 0]
# so a hypothesis wholly found in the premise is entailed (p = 0.9465), one missing word makes
# it neutral (p = 0.1185), and a "not" on one side only contradicts (p(contradiction) = 0.9817).
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]"]
PUNCT = [".", ",", "?", "!"]
WORDS = (
    "order a1234 shipped ship on june 3 with ups fedex refunds take 14 30 days returns are "
    "free not where is my it did the filler yes no"
).split()
VOCAB = SPECIALS + PUNCT + WORDS
ID = {w: i for i, w in enumerate(VOCAB)}
LABELS3 = {"0": "contradiction", "1": "entailment", "2": "neutral"}
P_ENTAILED = float(np.exp(3) / (np.exp(-2) + np.exp(3) + 1))
P_ONE_MISSING = float(np.exp(-2) / (np.exp(-4) + np.exp(-2) + 1))


def write_tokenizer(path: Path, *, padded: bool = False) -> None:
    tok = Tokenizer(models.WordLevel(ID, unk_token="[UNK]"))
    if padded:
        tok.enable_padding(pad_id=ID["[PAD]"], pad_token="[PAD]", length=64)
    tok.normalizer = normalizers.Lowercase()
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A:0 [SEP]:0 $B:1 [SEP]:1",
        special_tokens=[("[CLS]", ID["[CLS]"]), ("[SEP]", ID["[SEP]"])],
    )
    tok.save(str(path))


def tensor(name: str, array: Any, dtype: Any = np.float32) -> onnx.TensorProto:
    return numpy_helper.from_array(np.asarray(array, dtype=dtype), name)


def save_graph(
    path: Path,
    nodes: list[onnx.NodeProto],
    inputs: list[str],
    inits: list[onnx.TensorProto],
    out_shape: list[Any],
    index_type: int = TensorProto.INT64,
) -> None:
    graph = helper.make_graph(
        nodes,
        "tiny_nli",
        [helper.make_tensor_value_info(n, index_type, ["batch", "seq"]) for n in inputs],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, out_shape)],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))


def overlap_graph(
    path: Path,
    *,
    width: int = 3,
    declared: int = 3,
    extra_input: str | None = None,
    index_type: int = TensorProto.INT64,
) -> None:
    """The word-overlap model above; `width` columns of logits, declared as `declared`."""
    v = len(VOCAB)
    hyp_rows = np.eye(v)
    for w in [*SPECIALS, *PUNCT, "not"]:
        hyp_rows[ID[w]] = 0
    premise_rows = hyp_rows.copy()
    premise_rows[ID["[UNK]"]] = 0  # an unknown hypothesis word is never found in the premise
    not_col = np.zeros((v, 1))
    not_col[ID["not"]] = 1
    weights = np.zeros((2, width))
    weights[:, :3] = [[-2, -5, 0], [6, -6, 0]]
    bias = np.zeros(width)
    bias[:3] = [-2, 3, 0]
    n = helper.make_node
    nodes = [
        n("Cast", ["attention_mask"], ["mask"], to=TensorProto.FLOAT),
        n("Cast", ["token_type_ids"], ["tt"], to=TensorProto.FLOAT),
        n("Mul", ["mask", "tt"], ["hm"]),
        n("Sub", ["one", "tt"], ["not_tt"]),
        n("Mul", ["mask", "not_tt"], ["pm"]),
        n("Unsqueeze", ["hm", "ax2"], ["hm3"]),
        n("Unsqueeze", ["pm", "ax2"], ["pm3"]),
        n("Gather", ["hyp_rows", "input_ids"], ["oh_h"]),
        n("Gather", ["premise_rows", "input_ids"], ["oh_p"]),
        n("Gather", ["not_col", "input_ids"], ["oh_not"]),
        n("Mul", ["oh_h", "hm3"], ["h_tok"]),
        n("Mul", ["oh_p", "pm3"], ["p_tok"]),
        n("ReduceSum", ["h_tok", "ax1"], ["h_count"], keepdims=0),
        n("ReduceSum", ["p_tok", "ax1"], ["p_count"], keepdims=0),
        n("Clip", ["p_count", "zero", "one"], ["p_bag"]),
        n("ReduceSum", ["h_count", "ax1"], ["total"], keepdims=1),
        n("Mul", ["h_count", "p_bag"], ["found"]),
        n("ReduceSum", ["found", "ax1"], ["covered"], keepdims=1),
        n("Sub", ["total", "covered"], ["missing"]),
        n("Mul", ["oh_not", "hm3"], ["h_not_tok"]),
        n("Mul", ["oh_not", "pm3"], ["p_not_tok"]),
        n("ReduceSum", ["h_not_tok", "ax1"], ["h_not_n"], keepdims=0),
        n("ReduceSum", ["p_not_tok", "ax1"], ["p_not_n"], keepdims=0),
        n("Clip", ["h_not_n", "zero", "one"], ["h_not"]),
        n("Clip", ["p_not_n", "zero", "one"], ["p_not"]),
        n("Sub", ["h_not", "p_not"], ["not_diff"]),
        n("Abs", ["not_diff"], ["negation"]),
        n("Concat", ["missing", "negation"], ["features"], axis=1),
        n("MatMul", ["features", "weights"], ["scaled"]),
        n("Add", ["scaled", "bias"], ["logits"]),
    ]
    inits = [
        tensor("hyp_rows", hyp_rows),
        tensor("premise_rows", premise_rows),
        tensor("not_col", not_col),
        tensor("weights", weights),
        tensor("bias", bias),
        tensor("one", 1.0),
        tensor("zero", 0.0),
        tensor("ax1", [1], np.int64),
        tensor("ax2", [2], np.int64),
    ]
    inputs = ["input_ids", "attention_mask", "token_type_ids"]
    if extra_input:
        inputs.append(extra_input)
    save_graph(path, nodes, inputs, inits, ["batch", declared], index_type)


def yes_graph(path: Path, n_labels: int) -> None:
    """No token_type_ids: each "yes" adds 4 to the last logit (entailment)."""
    table = np.zeros((len(VOCAB), n_labels))
    table[ID["yes"], -1] = 4
    n = helper.make_node
    nodes = [
        n("Cast", ["attention_mask"], ["mask"], to=TensorProto.FLOAT),
        n("Unsqueeze", ["mask", "ax2"], ["mask3"]),
        n("Gather", ["table", "input_ids"], ["rows"]),
        n("Mul", ["rows", "mask3"], ["masked"]),
        n("ReduceSum", ["masked", "ax1"], ["logits"], keepdims=0),
    ]
    inits = [tensor("table", table), tensor("ax1", [1], np.int64), tensor("ax2", [2], np.int64)]
    save_graph(path, nodes, ["input_ids", "attention_mask"], inits, ["batch", n_labels])


def mask_only_graph(path: Path) -> None:
    n = helper.make_node
    nodes = [
        n("Cast", ["attention_mask"], ["mask"], to=TensorProto.FLOAT),
        n("ReduceSum", ["mask", "ax1"], ["length"], keepdims=1),
        n("MatMul", ["length", "spread"], ["logits"]),
    ]
    inits = [tensor("spread", np.ones((1, 3))), tensor("ax1", [1], np.int64)]
    save_graph(path, nodes, ["attention_mask"], inits, ["batch", 3])


def mask_as_logits_graph(path: Path) -> None:
    """Logits of shape [batch, seq]: loads (the width is not known), fails when run."""
    nodes = [helper.make_node("Cast", ["attention_mask"], ["logits"], to=TensorProto.FLOAT)]
    save_graph(path, nodes, ["input_ids", "attention_mask"], [], ["batch", "seq"])


def make_dir(
    root: Path,
    name: str = "tiny-nli",
    *,
    labels: dict[str, str] | None = None,
    config: dict[str, Any] | None = None,
    **graph: Any,
) -> Path:
    model_dir = root / name
    model_dir.mkdir()
    write_tokenizer(model_dir / "tokenizer.json")
    overlap_graph(model_dir / "model.onnx", **graph)
    body = config if config is not None else {"id2label": labels or LABELS3}
    (model_dir / "config.json").write_text(json.dumps(body))
    return model_dir


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    return make_dir(tmp_path)


TOOL_RESULT = "Order A1234 shipped on June 3 with UPS."
FAQ = "Refunds take 14 days. Returns are free."
OUTPUT = "Order A1234 shipped on June 3. Refunds take 30 days. Returns are not free."
CASE: dict[str, Any] = {
    "messages": [
        user("Where is my order A1234?"),
        {"role": "assistant", "content": None, "tool_calls": [call("get_order", {"id": "A1234"})]},
        {"role": "tool", "tool_call_id": "call_1", "content": TOOL_RESULT},
    ],
    "documents": [{"id": "faq", "text": FAQ}],
    "tools": [tool("get_order", id={"type": "string"}), tool("email", to={"type": "string"})],
    "output": {
        "role": "assistant",
        "content": OUTPUT,
        "tool_calls": [call("email", {"to": "ann@example.com"}, "call_2")],
    },
}


def drafts(case: dict[str, Any]) -> tuple[list[ClaimDraft], Context, str]:
    if isinstance(case["output"], str):
        case = {**case, "output": {"role": "assistant", "content": case["output"]}}
    inp = parse_check_input(case)
    context = build_context(inp)
    claims, _ = extract_claims(inp.output, context)
    return claims, context, inp.output.text


def test_scores_text_claims_with_the_model_and_the_rest_with_the_default(model_dir: Path) -> None:
    claims, context, text = drafts(CASE)
    assert [c.kind for c in claims] == ["text", "text", "text", "argument"]
    est = NLIEstimator(model_dir)
    estimates, notes = pair(est.assess(claims, context, text))

    shipped, refunds, returns, email = estimates
    assert shipped.support == pytest.approx(P_ENTAILED)
    assert not shipped.contradicted
    assert [(e.source, e.span, e.text) for e in shipped.evidence] == [
        ("tool:get_order#1", (0, len(TOOL_RESULT)), TOOL_RESULT)
    ]
    assert refunds.support == pytest.approx(P_ONE_MISSING)
    assert not refunds.contradicted
    assert [e.source for e in refunds.evidence] == ["doc:faq"]
    assert returns.support < 0.01
    assert returns.contradicted
    assert [(e.source, e.span) for e in returns.evidence] == [("doc:faq", (0, len(FAQ)))]
    # 3 chunks (user turn, tool result, document) for each of 3 claims.
    assert notes == (
        "nli tiny-nli: 9 pairs, 3 claims; 1 argument/question claims scored by 'default'",
    )
    assert email == DefaultEstimator().score(claims, context, text)[3]
    assert est.score(claims, context, text) == estimates


def test_questions_go_to_the_default_estimator(model_dir: Path) -> None:
    case = {**CASE, "output": "Order A1234 shipped on June 3. Is it my order?"}
    claims, context, text = drafts(case)
    assert [c.kind for c in claims] == ["text", "question"]
    estimates = NLIEstimator(model_dir).score(claims, context, text)
    assert estimates[1] == DefaultEstimator().score(claims, context, text)[1]
    assert estimates[0].support == pytest.approx(P_ENTAILED)


def test_sentence_chunks_give_sentence_evidence_and_top_chunks_limits_pairs(
    model_dir: Path,
) -> None:
    claims, context, text = drafts({**CASE, "output": "Returns are not free."})
    est = NLIEstimator(model_dir, chunk_chars=25, top_chunks=1)
    (returns,), notes = pair(est.assess(claims, context, text))
    start = FAQ.index("Returns")
    assert [(e.source, e.span, e.text) for e in returns.evidence] == [
        ("doc:faq", (start, len(FAQ)), "Returns are free.")
    ]
    assert returns.contradicted
    assert notes == ("nli tiny-nli: 1 pairs, 1 claims",)


def test_hedged_text_claims_are_marked(model_dir: Path) -> None:
    claims, context, text = drafts({**CASE, "output": "Refunds probably take 14 days."})
    (est,) = NLIEstimator(model_dir).score(claims, context, text)
    assert est.hedged


def test_no_source_text_means_unsupported_with_a_note(model_dir: Path) -> None:
    claim = ClaimDraft("text", "Refunds take 14 days.", (0, 21))
    estimates, notes = pair(NLIEstimator(model_dir).assess([claim], Context(sources=()), ""))
    assert estimates == [Estimate(0.0)]
    assert "no text" in notes[0]
    assert pair(NLIEstimator(model_dir).assess([], Context(sources=()), "")) == ([], ())


def test_batches_give_the_same_results_as_single_pairs(tmp_path: Path) -> None:
    model_dir = make_dir(tmp_path)
    docs = [{"id": f"d{i}", "text": t} for i, t in enumerate([FAQ, TOOL_RESULT, "It is free."])]
    output = (
        "Order A1234 shipped on June 3. Refunds take 30 days. Returns are not free. "
        "It did not ship with FedEx. My order is free. Where is the filler?"
    )
    claims, context, text = drafts({**CASE, "documents": docs, "output": output})
    by_one = NLIEstimator(model_dir, batch_size=1)
    by_four = NLIEstimator(model_dir, batch_size=4)
    one, (note,) = pair(by_one.assess(claims, context, text))
    four, _ = pair(by_four.assess(claims, context, text))
    assert int(note.split(": ")[1].split(" pairs")[0]) > 4
    assert one == four
    pairs = [(FAQ, "Refunds take 14 days."), ("It is free.", "filler " * 30), (TOOL_RESULT, "no")]
    assert by_one.probabilities(pairs).tolist() == by_four.probabilities(pairs).tolist()
    assert by_one.probabilities([]).shape == (0, 3)


def test_int32_inputs_give_the_same_results(tmp_path: Path) -> None:
    claims, context, text = drafts(CASE)
    as64 = NLIEstimator(make_dir(tmp_path, "m64"))
    as32 = NLIEstimator(make_dir(tmp_path, "m32", index_type=TensorProto.INT32))
    assert as64.score(claims, context, text) == as32.score(claims, context, text)


def test_pairs_are_truncated_to_max_length_premise_first(model_dir: Path) -> None:
    premise = "filler " * 40 + "order shipped"
    short = NLIEstimator(model_dir, max_length=16)
    assert len(short.tokenizer.encode(premise, "order shipped").ids) == 16
    (cut,) = short.probabilities([(premise, "order shipped")])
    (whole,) = NLIEstimator(model_dir).probabilities([(premise, "order shipped")])
    assert whole[1] == pytest.approx(P_ENTAILED)
    assert cut[1] < 0.01  # the premise lost its end; the hypothesis was kept whole


def test_feeds_only_the_declared_inputs_and_reads_two_labels(tmp_path: Path) -> None:
    model_dir = tmp_path / "yes"
    model_dir.mkdir()
    write_tokenizer(model_dir / "tokenizer.json", padded=True)
    yes_graph(model_dir / "model.onnx", 2)
    labels = {"0": "NOT_ENTAILED", "1": "Entailed"}
    (model_dir / "config.json").write_text(json.dumps({"id2label": labels}))
    est = NLIEstimator(model_dir)
    assert (est.labels.entailment, est.labels.contradiction) == (1, None)
    # The saved padding's token is kept; its fixed length gives way to the longest pair.
    assert len(est.tokenizer.encode_batch([("It is.", "yes"), ("a", "b")])[0].ids) == 7
    yes = ClaimDraft("text", "yes it is", (0, 9))
    no = ClaimDraft("text", "no it is", (0, 8))
    context = Context(sources=(Source(id="user#1", kind="user", text="It is."),))
    p_yes, p_no = est.score([yes, no], context, "")
    assert p_yes.support == pytest.approx(1 / (1 + np.exp(-4)))
    assert p_no.support == pytest.approx(0.5)
    assert not p_yes.contradicted and not p_no.contradicted


def test_entailment_label_can_be_named(tmp_path: Path) -> None:
    labels = {"0": "LABEL_0", "1": "LABEL_1", "2": "LABEL_2"}
    model_dir = make_dir(tmp_path, labels=labels)
    with pytest.raises(NLIError, match=r"entailment_label="):
        NLIEstimator(model_dir)
    assert NLIEstimator(model_dir, entailment_label="label_1").labels.entailment == 1
    assert NLIEstimator(model_dir, entailment_label=1).labels.entailment == 1
    with pytest.raises(NLIError, match=r"'LABEL_7'"):
        NLIEstimator(model_dir, entailment_label="LABEL_7")


def test_loading_errors_name_the_path_and_the_problem(tmp_path: Path) -> None:
    with pytest.raises(NLIError, match=r"nowhere does not exist"):
        NLIEstimator(tmp_path / "nowhere")

    no_tok = make_dir(tmp_path, "no-tok")
    (no_tok / "tokenizer.json").unlink()
    with pytest.raises(NLIError, match=r"no-tok has no tokenizer.json"):
        NLIEstimator(no_tok)

    no_labels = make_dir(tmp_path, "no-labels", config={"model_type": "bert"})
    with pytest.raises(NLIError, match=r"no-labels.config\.json has no id2label"):
        NLIEstimator(no_labels)

    bad_json = make_dir(tmp_path, "bad-json")
    (bad_json / "config.json").write_text("{")
    with pytest.raises(NLIError, match=r"cannot read .*bad-json.config\.json"):
        NLIEstimator(bad_json)

    neg_only = make_dir(tmp_path, "neg-only", labels={"0": "not_entailment", "1": "other"})
    with pytest.raises(NLIError, match=r"has no single entailment label"):
        NLIEstimator(neg_only)

    one_label = make_dir(tmp_path, "one-label", labels={"0": "entailment"})
    with pytest.raises(NLIError, match=r"2 or more labels"):
        NLIEstimator(one_label)

    too_long = make_dir(
        tmp_path, "too-long", config={"id2label": LABELS3, "max_position_embeddings": 128}
    )
    with pytest.raises(NLIError, match=r"max_length 256 exceeds .* 128"):
        NLIEstimator(too_long)

    bad_tok = make_dir(tmp_path, "bad-tok")
    (bad_tok / "tokenizer.json").write_text('{"model": 1}')
    with pytest.raises(NLIError, match=r"cannot load the tokenizer .*bad-tok"):
        NLIEstimator(bad_tok)

    bad_model = make_dir(tmp_path, "bad-model")
    (bad_model / "model.onnx").write_bytes(b"not a model")
    with pytest.raises(NLIError, match=r"cannot load the model .*bad-model.model\.onnx"):
        NLIEstimator(bad_model)

    with pytest.raises(ValueError, match=r"batch_size must be at least 1, not 0"):
        NLIEstimator(make_dir(tmp_path, "ok"), batch_size=0)


def test_model_inputs_and_output_must_fit_the_tokenizer_and_labels(tmp_path: Path) -> None:
    extra = make_dir(tmp_path, "extra", extra_input="pixel_values")
    with pytest.raises(NLIError, match=r"extra.model\.onnx has an input 'pixel_values'"):
        NLIEstimator(extra)

    no_ids = make_dir(tmp_path, "no-ids")
    mask_only_graph(no_ids / "model.onnx")
    with pytest.raises(NLIError, match=r"no-ids.model\.onnx has no input_ids"):
        NLIEstimator(no_ids)

    wide = make_dir(tmp_path, "wide", width=5, declared=5)
    with pytest.raises(NLIError, match=r"shape \['batch', 5\], expected \[batch, 3\]"):
        NLIEstimator(wide)


def test_a_missing_package_names_the_extra(
    model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.raises(ModuleNotFoundError, match=r"onnxruntime.*pip install 'agentguard\[nli\]'"):
        NLIEstimator(model_dir)


def test_import_agentguard_does_not_load_onnxruntime_or_tokenizers() -> None:
    code = (
        "import sys, agentguard, agentguard.estimators.nli\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in ('onnxruntime', 'tokenizers')]\n"
        "print(','.join(sorted(heavy)))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == ""


def test_monitor_end_to_end(model_dir: Path) -> None:
    report = Monitor(estimator=NLIEstimator(model_dir)).check(CASE)
    labels = [(c.kind, c.label) for c in report.claims]
    assert labels == [
        ("text", "supported"),
        ("text", "unsupported"),
        ("text", "contradicted"),
        ("argument", "unsupported"),
    ]
    assert report.estimator == "nli"
    assert report.claims[0].evidence[0].source == "tool:get_order#1"
    assert {f.type for f in report.flags} == {"silent_assumption", "contradiction"}
    assert report.notes[0].startswith("nli tiny-nli: 9 pairs, 3 claims")


def test_with_fallback_uses_the_model_when_it_works(model_dir: Path) -> None:
    report = Monitor(estimator=WithFallback(NLIEstimator(model_dir))).check(CASE)
    assert report.estimator == "nli|default"
    assert report.claims[0].support == pytest.approx(P_ENTAILED, abs=1e-4)
    assert report.notes[0].startswith("nli tiny-nli: ")


def test_a_model_with_the_wrong_output_falls_back_to_default(tmp_path: Path) -> None:
    broken_dir = make_dir(tmp_path, "broken")
    mask_as_logits_graph(broken_dir / "model.onnx")
    broken = NLIEstimator(broken_dir)
    claims, context, text = drafts(CASE)
    with pytest.raises(NLIError, match=r"nli broken: output of shape \[3, 5\], expected \[3, 3\]"):
        broken.probabilities([("a", "b")] * 3)

    report = Monitor(estimator=WithFallback(broken)).check(CASE)
    default = Monitor().check(CASE)
    assert [c.support for c in report.claims] == [c.support for c in default.claims]
    assert report.notes[0].startswith("estimator 'nli' failed (NLIError: nli broken: output")
    assert report.notes[0].endswith("scored by 'default' instead")

    unguarded = Monitor(estimator=broken).check(CASE)  # balanced's fail mode falls back too
    assert unguarded.claims == default.claims and unguarded.checked
    assert "estimator 'nli' failed: NLIError" in unguarded.notes[0]


def test_concurrent_scoring_matches_serial(model_dir: Path) -> None:
    est = NLIEstimator(model_dir, batch_size=2)
    claims, context, text = drafts(CASE)
    expected = est.score(claims, context, text)
    results: list[list[Estimate]] = []

    def work() -> None:
        results.append(est.score(claims, context, text))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [expected] * 4


def test_chunks_group_sentences_and_cut_long_ones() -> None:
    text = "One two. Three four. Five."
    assert chunk_spans(text, 20) == [(0, 20), (21, 26)]
    assert chunk_spans(text, 100) == [(0, len(text))]
    long = "word " * 30
    spans = chunk_spans(long, 24)
    assert all(b - a <= 24 for a, b in spans)
    assert " ".join(long[a:b] for a, b in spans) == long.strip()
    assert chunk_spans("x" * 50, 20) == [(0, 20), (20, 40), (40, 50)]


def test_ranking_prefers_shared_words_then_earlier_chunks() -> None:
    sources = (
        Source(id="user#1", kind="user", text="Nothing here."),
        Source(id="doc:a", kind="doc", text="Refunds take days."),
        Source(id="doc:b", kind="doc", text="Refunds take 14 days to arrive."),
        Source(id="doc:c", kind="doc", text="Unrelated words."),
    )
    chunks = chunk_sources(sources, 100)
    terms = content_terms("refunds take days")
    assert rank_chunks(terms, chunks, 3) == [1, 2, 0]
    assert rank_chunks(set(), chunks, 2) == [0, 1]
