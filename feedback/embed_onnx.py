"""The embedding model on onnxruntime: a local ONNX export of a sentence-transformers folder.

sentence-transformers' own ONNX backend needs ``optimum-onnx``, whose releases pin
``transformers<4.58`` while sentence-transformers 6 needs ``transformers>=5``: the two cannot be
installed together. So the export is made here with ``torch.onnx.export`` from the loaded model
(every module of it: transformer, pooling, normalisation, so the graph returns the sentence
vector), and the int8 variant with onnxruntime's own dynamic quantisation. Both are written once,
atomically, under the cache folder the configuration names, in a folder per model fingerprint;
nothing is downloaded. Texts are tokenised by the sentence-transformers model itself (the same
truncation and padding as the torch path) and encoded longest first in batches, as
sentence-transformers does.

Measured on real review segments (bench/embed_speed.py, bench/RESULTS.md): float32 gives the
torch vectors (cosine 1 - 1e-6, recall@10 1.0, the same theme NMI) 4.2x faster on two loaded
cores; int8 6.6x, cosine 0.97-1.0 (mean 0.99), recall@10 0.89, theme NMI -0.003, and its vectors
depend on their batch (one activation scale per batch).
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from feedback.errors import FeedbackError

log = logging.getLogger(__name__)

OPSET = 17
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
FLOAT_FILE = "model.onnx"
INT8_FILE = "model-int8.onnx"


def export_folder(cache: Path, name: str, version: str) -> Path:
    """Where the exports of the model ``name`` with weights fingerprint ``version`` are kept."""
    return cache / f"{name}-{version}"


def _atomic(target: Path, write: Any) -> Path:
    """Run ``write(temporary path)`` and move the result to ``target`` in one step (no half file)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(handle)
    try:
        write(Path(temporary))
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return target


def _export_float(model: Any, target: Path) -> None:
    import torch

    class _Graph(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            features = {"input_ids": input_ids, "attention_mask": attention_mask, "token_type_ids": token_type_ids}
            return self.inner(features)["sentence_embedding"]

    # two texts of different lengths: the traced graph sees real padding in the attention mask
    sample = model.preprocess(["a short one", "a somewhat longer example sentence to pad the other"])
    missing = [key for key in INPUTS if key not in sample]
    if missing:
        raise ValueError(f"the ONNX backend needs a BERT-style model (inputs {', '.join(INPUTS)}); "
                         f"this one has no {', '.join(missing)}")
    axes = {key: {0: "batch", 1: "tokens"} for key in INPUTS}
    with torch.no_grad():
        torch.onnx.export(
            _Graph(model).eval(), tuple(sample[key] for key in INPUTS), str(target), dynamo=False,
            input_names=list(INPUTS), output_names=["sentence_embedding"],
            dynamic_axes={**axes, "sentence_embedding": {0: "batch"}}, opset_version=OPSET)


def _quantise(source: Path, target: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, per_channel=True,
                     op_types_to_quantize=["MatMul"])


def ensure_export(model: Any, folder: Path, int8: bool) -> Path:
    """The ONNX file of ``model`` (float32, or int8 when ``int8``), exported into ``folder`` if missing."""
    float_file = folder / FLOAT_FILE
    if not float_file.exists():
        log.info("exporting the embedding model to ONNX in %s", folder)
        _atomic(float_file, lambda path: _export_float(model, path))
    if not int8:
        return float_file
    int8_file = folder / INT8_FILE
    if not int8_file.exists():
        log.info("quantising the ONNX embedding model to int8 in %s", folder)
        _atomic(int8_file, lambda path: _quantise(float_file, path))
    return int8_file


class OnnxEncoder:
    """Sentence vectors from an ONNX export on onnxruntime's CPU provider, ``threads`` intra-op threads."""

    def __init__(self, model: Any, path: Path, threads: int) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.model = model  # the sentence-transformers model: its tokenizer and settings
        self.path = path
        try:
            self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own Fail / InvalidProtobuf / NoSuchFile classes
            raise FeedbackError(f"{path}: not a usable ONNX export of the embedding model "
                                f"({' '.join(str(exc).split())[:200]}); delete it and the next run exports "
                                "it again") from None
        self.inputs = [item.name for item in self.session.get_inputs()]

    def encode(self, texts: list[str], batch_size: int, progress: bool) -> np.ndarray:
        order = np.argsort([-len(text) for text in texts], kind="stable")  # longest first, as sentence-transformers
        vectors: np.ndarray | None = None
        starts = range(0, len(texts), batch_size)
        if progress:
            from tqdm.auto import tqdm

            starts = tqdm(starts, desc="Batches")
        for start in starts:
            picked = order[start : start + batch_size]
            features = self.model.preprocess([texts[i] for i in picked])
            found = self.session.run(None, {name: features[name].numpy() for name in self.inputs})[0]
            if vectors is None:
                vectors = np.zeros((len(texts), found.shape[1]), dtype=np.float32)
            vectors[picked] = found
        assert vectors is not None
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return (vectors / norms).astype(np.float32)
