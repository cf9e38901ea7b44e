"""An NLI cross-encoder the user names, run with onnxruntime and a `tokenizers` tokenizer.

The model directory holds `model.onnx`, `tokenizer.json` and `config.json` (with `id2label`),
the layout an ONNX export of a Hugging Face sequence-classification model has. Text claims are
scored sentence-level: each source is cut into chunks of sentences, the `top_chunks` chunks
sharing the most words with the claim are paired with it (premise = chunk, hypothesis = claim)
and put to the model in batches; support is the highest entailment probability.

Tool-call arguments and questions are not sentences a source entails (an argument is a value
for a parameter; a question asks rather than asserts), so they are scored by the default
estimator and merged back in order.

onnxruntime and tokenizers are imported when a model is loaded, never by `import agentguard`
(`pip install 'agentguard[nli]'`). A directory that cannot be used raises `NLIError` at load;
a model that fails or gives an unusable result while scoring raises `NLIError` too, so that
the monitor's fail mode or `WithFallback` handles it.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from agentguard.estimators.base import Assessment, Estimate, Estimator
from agentguard.estimators.default import DefaultEstimator
from agentguard.estimators.nli_chunks import Chunk, chunk_sources, rank_chunks
from agentguard.text.lexicon import HEDGE_RE
from agentguard.text.tokens import content_terms
from agentguard.types import ClaimDraft, Context

CHUNK_CHARS = 500
"""Default chunk size: about 125 English tokens, half of the default `max_length`, so the
claim fits beside a chunk without truncation."""

TOKENIZER_INPUTS = {
    "input_ids": "ids",
    "attention_mask": "attention_mask",
    "token_type_ids": "type_ids",
}
"""The model inputs a tokenizer gives, and the `Encoding` attribute each comes from."""
_DTYPES = {"tensor(int64)": np.int64, "tensor(int32)": np.int32}
_INSTALL = "pip install 'agentguard[nli]'"


class NLIError(ValueError):
    """The NLI model directory is unusable, or the model gave an unusable result."""


def _require(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ModuleNotFoundError(
            f"the NLI estimator needs {module}, which is not installed: {_INSTALL}"
        ) from exc


def _is_label(name: str, stem: str) -> bool:
    """`stem` in the label's name, not negated ("entailment" yes, "not_entailment" no)."""
    lowered = name.lower()
    return stem in lowered and not lowered.startswith(("not", "non"))


@dataclass(frozen=True)
class Labels:
    """The model's output labels, and which of them are entailment and contradiction."""

    names: tuple[str, ...]
    entailment: int
    contradiction: int | None


def _read_config(config_path: Path) -> dict[str, Any]:
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise NLIError(f"nli: cannot read {config_path}: {exc}") from exc
    if not isinstance(config, dict):
        raise NLIError(f"nli: {config_path} is not a JSON object")
    return config


def read_labels(
    config: dict[str, Any], config_path: Path, entailment_label: str | int | None = None
) -> Labels:
    """Labels from the `id2label` of a model's config (`config_path` names it in errors).

    Raises:
        NLIError: if there is no usable `id2label`, or no single entailment label in it.
    """
    raw = config.get("id2label")
    if not isinstance(raw, dict) or not raw:
        raise NLIError(f"nli: {config_path} has no id2label mapping of label ids to names")
    try:
        by_id = {int(k): str(v) for k, v in raw.items()}
    except ValueError as exc:
        raise NLIError(f"nli: {config_path}: id2label keys must be integers ({exc})") from exc
    if sorted(by_id) != list(range(len(by_id))) or len(by_id) < 2:
        raise NLIError(f"nli: {config_path}: id2label must number 2 or more labels from 0: {raw}")
    names = tuple(by_id[i] for i in range(len(by_id)))
    if isinstance(entailment_label, int):
        found = [entailment_label] if 0 <= entailment_label < len(names) else []
    elif entailment_label is not None:
        found = [i for i, n in enumerate(names) if n.lower() == entailment_label.lower()]
    else:
        found = [i for i, n in enumerate(names) if _is_label(n, "entail")]
    if len(found) != 1:
        wanted = "single entailment" if entailment_label is None else repr(entailment_label)
        raise NLIError(
            f"nli: {config_path}: id2label {list(names)} has no {wanted} label; "
            "name it with entailment_label="
        )
    contra = [i for i, n in enumerate(names) if _is_label(n, "contradict")]
    return Labels(names, found[0], contra[0] if len(contra) == 1 else None)


def _files(model_dir: Path) -> tuple[Path, Path, Path]:
    if not model_dir.is_dir():
        raise NLIError(f"nli: model directory {model_dir} does not exist or is not a directory")
    paths = tuple(model_dir / n for n in ("model.onnx", "tokenizer.json", "config.json"))
    missing = [p.name for p in paths if not p.is_file()]
    if missing:
        raise NLIError(f"nli: {model_dir} has no {', '.join(missing)}")
    return paths[0], paths[1], paths[2]


def _load_tokenizer(path: Path, max_length: int, pad_id: object) -> Any:
    tokenizers = _require("tokenizers")
    try:
        tokenizer = tokenizers.Tokenizer.from_file(str(path))
    except Exception as exc:  # noqa: BLE001 - the Rust side raises plain Exception
        raise NLIError(f"nli: cannot load the tokenizer {path}: {exc}") from exc
    # The claim is short: longest_first cuts the chunk, which is what should give way.
    tokenizer.enable_truncation(max_length, strategy="longest_first")
    saved = tokenizer.padding
    if saved is not None:
        pad_id, pad_token = saved["pad_id"], saved["pad_token"]
    else:
        if not isinstance(pad_id, int):
            known = (tokenizer.token_to_id(t) for t in ("[PAD]", "<pad>"))
            pad_id = next((i for i in known if i is not None), 0)
        pad_token = tokenizer.id_to_token(pad_id) or "[PAD]"
    # Padded positions are masked out, so the pad id changes nothing but the shape.
    tokenizer.enable_padding(pad_id=pad_id, pad_token=pad_token)
    return tokenizer


def _load_session(path: Path, threads: int, providers: Sequence[str]) -> Any:
    ort = _require("onnxruntime")
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3  # errors only: no optimiser chatter on stderr
    try:
        return ort.InferenceSession(str(path), options, providers=list(providers))
    except Exception as exc:  # noqa: BLE001 - onnxruntime's errors share no public base
        raise NLIError(f"nli: cannot load the model {path}: {exc}") from exc


def _check_io(session: Any, path: Path, n_labels: int) -> tuple[dict[str, Any], str]:
    """The inputs to feed (name to numpy dtype) and the logits output's name."""
    feeds: dict[str, Any] = {}
    for node in session.get_inputs():
        if node.name not in TOKENIZER_INPUTS:
            raise NLIError(
                f"nli: {path} has an input {node.name!r} that the tokenizer does not give "
                f"(it gives {', '.join(TOKENIZER_INPUTS)})"
            )
        if node.type not in _DTYPES:
            raise NLIError(f"nli: {path}: input {node.name!r} is {node.type}, not an int tensor")
        feeds[node.name] = _DTYPES[node.type]
    if "input_ids" not in feeds:
        raise NLIError(f"nli: {path} has no input_ids input (inputs: {', '.join(feeds)})")
    outputs = session.get_outputs()
    output = next((o for o in outputs if o.name == "logits"), outputs[0])
    shape = list(output.shape)
    if len(shape) != 2 or (isinstance(shape[1], int) and shape[1] != n_labels):
        raise NLIError(
            f"nli: {path}: output {output.name!r} has shape {shape}, "
            f"expected [batch, {n_labels}] for the {n_labels} labels of config.json"
        )
    return feeds, str(output.name)


def _softmax(logits: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    out: npt.NDArray[np.float64] = shifted / shifted.sum(axis=1, keepdims=True)
    return out


class NLIEstimator(Estimator):
    """Support from an NLI cross-encoder in ONNX form (see the module docstring).

    Args:
        model_dir: Directory with `model.onnx`, `tokenizer.json` and `config.json`.
        entailment_label: The entailment label's name or id, when `id2label` does not make it
            plain (a label whose name has "entail" in it, without a "not"/"non" prefix).
        max_length: Tokens per (chunk, claim) pair; longer pairs are cut, the chunk first.
        chunk_chars: Longest chunk of source text, in characters.
        top_chunks: Chunks put to the model per claim, by most words shared with it.
        batch_size: Pairs per model call.
        threads: onnxruntime intra-op threads.
        providers: onnxruntime execution providers; the CPU one when omitted.

    Raises:
        NLIError: if the directory, a file in it, or the model's inputs or outputs are unusable.
        ModuleNotFoundError: if onnxruntime or tokenizers is not installed.

    Example:
        >>> from agentguard import Monitor, WithFallback
        >>> monitor = Monitor(estimator=WithFallback(NLIEstimator("models/nli")))  # doctest: +SKIP
    """

    name = "nli"

    def __init__(
        self,
        model_dir: str | Path,
        *,
        entailment_label: str | int | None = None,
        max_length: int = 256,
        chunk_chars: int = CHUNK_CHARS,
        top_chunks: int = 3,
        batch_size: int = 16,
        threads: int = 1,
        providers: Sequence[str] | None = None,
    ) -> None:
        sizes = {"max_length": max_length, "chunk_chars": chunk_chars, "top_chunks": top_chunks}
        sizes |= {"batch_size": batch_size, "threads": threads}
        for key, value in sizes.items():
            if value < 1:
                raise ValueError(f"nli: {key} must be at least 1, not {value}")
        self.model_dir = Path(model_dir)
        self.max_length, self.chunk_chars = max_length, chunk_chars
        self.top_chunks, self.batch_size = top_chunks, batch_size
        model_path, tokenizer_path, config_path = _files(self.model_dir)
        config = _read_config(config_path)
        self.labels = read_labels(config, config_path, entailment_label)
        positions = config.get("max_position_embeddings")
        if isinstance(positions, int) and max_length > positions:
            raise NLIError(
                f"nli: max_length {max_length} exceeds the model's "
                f"max_position_embeddings {positions} ({config_path})"
            )
        self.tokenizer = _load_tokenizer(tokenizer_path, max_length, config.get("pad_token_id"))
        self._session = _load_session(model_path, threads, providers or ["CPUExecutionProvider"])
        self._feeds, self._output = _check_io(self._session, model_path, len(self.labels.names))
        self._default = DefaultEstimator()
        self._tag = f"nli {self.model_dir.resolve().name}"

    def probabilities(self, pairs: Sequence[tuple[str, str]]) -> npt.NDArray[np.float64]:
        """Label probabilities, one row per (premise, hypothesis) pair, in `batch_size` batches.

        Raises:
            NLIError: if the model fails, or gives output of the wrong shape or not finite.
        """
        rows = [
            self._batch(pairs[at : at + self.batch_size])
            for at in range(0, len(pairs), self.batch_size)
        ]
        if not rows:
            return np.zeros((0, len(self.labels.names)))
        return np.concatenate(rows)

    def _batch(self, pairs: Sequence[tuple[str, str]]) -> npt.NDArray[np.float64]:
        encodings = self.tokenizer.encode_batch(list(pairs))
        feed = {
            name: np.array([getattr(e, TOKENIZER_INPUTS[name]) for e in encodings], dtype=dtype)
            for name, dtype in self._feeds.items()
        }
        try:
            (out,) = self._session.run([self._output], feed)
        except Exception as exc:  # noqa: BLE001 - onnxruntime's errors share no public base
            raise NLIError(
                f"{self._tag}: the model failed on {len(pairs)} pairs: {type(exc).__name__}: {exc}"
            ) from exc
        logits = np.asarray(out, dtype=np.float64)
        want = (len(pairs), len(self.labels.names))
        if logits.shape != want:
            raise NLIError(
                f"{self._tag}: output of shape {list(logits.shape)}, expected {list(want)}"
            )
        if not np.isfinite(logits).all():
            raise NLIError(f"{self._tag}: the model gave logits that are not finite")
        return _softmax(logits)

    def score(
        self, claims: Sequence[ClaimDraft], context: Context, output_text: str
    ) -> list[Estimate]:
        """One estimate per claim, in order.

        Raises:
            NLIError: if the model fails or gives an unusable result.
        """
        return list(self.assess(claims, context, output_text).estimates)

    def assess(
        self, claims: Sequence[ClaimDraft], context: Context, output_text: str
    ) -> Assessment:
        """Estimates, and a note of the pairs run and the claims the default scored."""
        if not claims:
            return Assessment(())
        text_at = [i for i, c in enumerate(claims) if c.kind == "text"]
        other_at = [i for i, c in enumerate(claims) if c.kind != "text"]
        out: list[Estimate | None] = [None] * len(claims)
        notes: list[str] = []
        if other_at:
            others = [claims[i] for i in other_at]
            by_default = self._default.assess(others, context, output_text)
            for i, e in zip(other_at, by_default.estimates, strict=True):
                out[i] = e
            notes += by_default.notes
        chunks = chunk_sources(context.sources, self.chunk_chars)
        texts = [claims[i] for i in text_at]
        n_pairs = 0
        if texts and chunks:
            estimates, n_pairs = self._text_estimates(texts, chunks, output_text)
            for i, e in zip(text_at, estimates, strict=True):
                out[i] = e
        else:
            for i in text_at:
                out[i] = Estimate(0.0)  # no source text: nothing can entail the claim
        note = f"{self._tag}: {n_pairs} pairs, {len(text_at)} claims"
        if texts and not chunks:
            note += " (the context has no text: every claim unsupported)"
        if other_at:
            note += f"; {len(other_at)} argument/question claims scored by 'default'"
        return Assessment(tuple(e for e in out if e is not None), (note, *notes))

    def _text_estimates(
        self, claims: Sequence[ClaimDraft], chunks: Sequence[Chunk], output_text: str
    ) -> tuple[list[Estimate], int]:
        ranked = [rank_chunks(content_terms(c.text), chunks, self.top_chunks) for c in claims]
        # The same (chunk, claim text) pair is run once, however many claims share it.
        pair_at: dict[tuple[int, str], int] = {}
        for claim, best in zip(claims, ranked, strict=True):
            for ci in best:
                pair_at.setdefault((ci, claim.text), len(pair_at))
        probs = self.probabilities([(chunks[ci].text, text) for ci, text in pair_at])
        hedges = [m.start() for m in HEDGE_RE.finditer(output_text)]
        ent, con = self.labels.entailment, self.labels.contradiction
        out = []
        for claim, best in zip(claims, ranked, strict=True):
            rows = probs[[pair_at[(ci, claim.text)] for ci in best]]
            top = int(np.argmax(rows[:, ent]))  # argmax takes the first: the better-ranked chunk
            p = float(rows[top, ent])
            evidence_at, contradicted = top, False
            if con is not None:
                worst = int(np.argmax(rows[:, con]))
                c = float(rows[worst, con])
                # Contradicted when the strongest contradiction outweighs all entailment found.
                if c > 0.5 and c > rows[worst, ent] and c > p:
                    evidence_at, contradicted = worst, True
            sa, sb = claim.sentence_span or claim.span or (0, 0)
            hedged = any(sa <= h < sb for h in hedges)
            evidence = (chunks[best[evidence_at]].evidence(),)
            out.append(Estimate(p, contradicted, hedged, evidence))
        return out, len(pair_at)
