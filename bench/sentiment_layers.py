"""Richer segment representations from the one MiniLM forward pass the pipeline already runs: do they rank
sentiment better than the sentence vector? (issue 12 item 4, branch senti5)

    HF_HUB_OFFLINE=1 .venv/bin/python bench/sentiment_layers.py embed
    HF_HUB_OFFLINE=1 .venv/bin/python bench/sentiment_layers.py probe [REPRESENTATION ...] [--ngrams] [--ood] [--c C] [--clothing-only] [--no-cues]
    HF_HUB_OFFLINE=1 .venv/bin/python bench/sentiment_layers.py cost
    .venv/bin/python bench/sentiment_layers.py table bench/.cache/layers/probe*.jsonl

``embed``: every segment the probe reads (the shipped recipe's training texts, ``--vader-gt --uci --limit 1875
--clothing-limit 15048``, the clothing reviews from file position 20,000, the out-of-domain sets and the named
complaints) through an ONNX export of all-MiniLM-L6-v2 that returns, from one forward pass, :data:`BLOCKS`: the
mean over the tokens (attention mask, as the product's pooling) of the embedding layer and of each of the six
transformer layers, the max over the tokens of the last layer, and its CLS token; each block L2-normalised (``L6``
is then the product's sentence vector, checked against :class:`feedback.embed.Embedder`). Kept in
``bench/.cache/layers/`` (git-ignored), chunk by chunk, so an interrupted run keeps its work.

``probe``: per representation (blocks joined by ``+``, e.g. ``L6+L4``), a dev head fitted by the shipped recipe
(scripts/train_sentiment.py's ``train``: the same texts, shares, class balance, comment rows, C, band) with the
representation in place of the sentence vector, without the validation fifth, and without word n-grams unless
``--ngrams`` (the shipped head reads them), at ``--c`` (default the recipe's 0.05); ``--clothing-only``: fitted on
the clothing reviews alone (the other sources' texts left out), ``--no-cues``: on the representation without the
lexicon cues (a plain probe of what the vectors carry); figures as bench/sentiment_dev_heads.py reads them, on the validation
fifth of the first 15,048 reviews and on the reviews from position 20,000 outside both fifths, and (``--ood``) on
the out-of-domain sets; then the named complaints' comment scores. The held-out fifth is never read.

``table``: the probe's JSON lines as the markdown rows of bench/RESULTS.md. ``cost``: microseconds per segment of the product's ONNX graph (sentence vector only) and of the graph that also
returns the other blocks, on the same segments, best of 3.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
for extra in (ROOT, ROOT / "scripts", ROOT / "bench"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import sentiment_dev_heads as dev  # noqa: E402
import sentiment_quality as quality  # noqa: E402
import train_sentiment as training  # noqa: E402

from feedback.embed import text_hash  # noqa: E402

log = logging.getLogger("sentiment_layers")

LAYERS_DIR = training.CACHE_DIR / "layers"
GRAPH = LAYERS_DIR / "minilm-blocks.onnx"
BLOCKS = ("L0", "L1", "L2", "L3", "L4", "L5", "L6", "max", "cls")
CHUNK = 2000
BATCH = 32
MISSES = (("Cheaper than where I used to shop and better quality.", "+"), ("Third time this month.", "-"),
          ("I haven't seen a penny back yet", "-"), ("Refunds take forever. 11 days and counting for £16.55", "-"),
          ("money still hasn't arrived", "-"))


def export_blocks(model: Any, target: Path) -> None:
    """An ONNX graph of the sentence-transformers MiniLM returning (batch, len(BLOCKS), 384), not normalised."""
    import torch

    bert = model[0].auto_model

    class _Blocks(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            out = self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids,
                            output_hidden_states=True)
            mask = attention_mask.unsqueeze(-1).to(out.hidden_states[0].dtype)
            count = mask.sum(1).clamp(min=1e-9)
            means = [(h * mask).sum(1) / count for h in out.hidden_states]
            last = out.hidden_states[-1]
            top = last.masked_fill(mask == 0, -1e9).max(1).values
            return torch.stack([*means, top, last[:, 0]], dim=1)

    sample = model.preprocess(["a short one", "a somewhat longer example sentence to pad the other"])
    axes = {key: {0: "batch", 1: "tokens"} for key in ("input_ids", "attention_mask", "token_type_ids")}
    target.parent.mkdir(parents=True, exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(_Blocks().eval(), tuple(sample[k] for k in ("input_ids", "attention_mask", "token_type_ids")),
                          str(target), dynamo=False, input_names=["input_ids", "attention_mask", "token_type_ids"],
                          output_names=["blocks"], dynamic_axes={**axes, "blocks": {0: "batch"}}, opset_version=17)


def session(path: Path, threads: int = 2) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def run_graph(model: Any, sess: Any, texts: Sequence[str], batch: int = BATCH) -> np.ndarray:
    """The graph's first output for ``texts``, longest first in batches (as the product's encoder), in input order."""
    order = np.argsort([-len(t) for t in texts], kind="stable")
    names = [i.name for i in sess.get_inputs()]
    out: np.ndarray | None = None
    for start in range(0, len(texts), batch):
        picked = order[start : start + batch]
        features = model.preprocess([texts[i] for i in picked])
        found = sess.run(None, {n: features[n].numpy() for n in names})[0]
        if out is None:
            out = np.zeros((len(texts), *found.shape[1:]), np.float32)
        out[picked] = found
    assert out is not None
    return out


def normalised(blocks: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(blocks, axis=-1, keepdims=True)
    norms[norms == 0] = 1.0
    return (blocks / norms).astype(np.float32)


def probe_texts() -> dict[str, list[tuple[str, float]]]:
    """Every text set the probe reads: (text, its label: stars, class index or rating)."""
    reviews = training.read_clothing(training.CLOTHING)
    sets: dict[str, list[tuple[str, float]]] = {
        "misses": [(t, 0.0) for t, _ in MISSES],
        "validation fifth < 15048": [(t, s) for t, s in reviews[:15048] if not training.held_out(t) and training.validation(t)],
        "unseen >= 20000": [(t, s) for t, s in reviews[20000:] if not training.held_out(t) and not training.validation(t)],
    }
    for path in quality.SENTENCE_SETS:
        texts, truth = quality.read_sentences(path)
        sets[path.name] = list(zip(texts, truth.astype(float), strict=True))
    sets["VADER tweets"] = [(t, training.rating_class(r) - 1) for t, r in training.read_vader_gt(training.VADER_GT, "tweets")]
    for name in training.VADER_GT_SETS:
        sets[f"VADER {name}"] = [(t, training.rating_class(r) - 1) for t, r in training.read_vader_gt(training.VADER_GT, name)
                                 if training.held_out(t)]
    for name in training.UCI_SETS:
        sets[f"UCI {name}"] = [(t, float(y)) for t, y in training.read_uci(training.UCI, name) if training.held_out(t)]
    return sets


def stored() -> dict[str, np.ndarray]:
    """Segment hash -> (len(BLOCKS), 384) normalised blocks, from every chunk written so far."""
    out: dict[str, np.ndarray] = {}
    for path in sorted(LAYERS_DIR.glob("chunk-*.npz")):
        with np.load(path, allow_pickle=False) as data:
            out.update(zip((str(h) for h in data["hashes"]), data["blocks"], strict=True))
    return out


def embed(argv: Sequence[str]) -> None:
    from feedback.embed import Embedder

    model = Embedder().model
    if not GRAPH.exists():
        export_blocks(model, GRAPH)
    sess = session(GRAPH)
    wanted = [clean for pairs in probe_texts().values() for segs in training.segment_texts([t for t, _ in pairs])
              for clean, _ in segs]
    wanted += [clean for segs in training.segment_texts([t.text for t in dev.texts(15048)]) for clean, _ in segs]
    have = stored()
    todo = [t for t in dict.fromkeys(wanted) if text_hash(t) not in have]
    log.info("%d segments wanted, %d stored, %d to embed", len(set(wanted)), len(have), len(todo))
    start_chunk = len(list(LAYERS_DIR.glob("chunk-*.npz")))
    for k, start in enumerate(range(0, len(todo), CHUNK)):
        part = todo[start : start + CHUNK]
        began = time.perf_counter()
        blocks = normalised(run_graph(model, sess, part))
        path = LAYERS_DIR / f"chunk-{start_chunk + k:04d}.npz"
        with path.with_suffix(".part").open("wb") as fh:
            np.savez(fh, hashes=np.array([text_hash(t) for t in part]), blocks=blocks)
        path.with_suffix(".part").replace(path)
        log.info("embedded %d of %d (%.0f segments/s)", start + len(part), len(todo),
                 len(part) / (time.perf_counter() - began))
    if "--check" in argv:  # the L6 block is the product's sentence vector
        sample = list(dict.fromkeys(wanted))[:500]
        product = Embedder(backend="onnx").encode(sample)
        have = stored()
        mine = np.vstack([have[text_hash(t)][BLOCKS.index("L6")] for t in sample])
        cos = (product * mine).sum(1)
        log.info("L6 against the product's onnx vectors on %d segments: cosine min %.7f", len(sample), cos.min())


class BlockView:
    """An embedder over the stored blocks: each segment's representation ``name`` (blocks joined by ``+``)."""

    def __init__(self, name: str, blocks: dict[str, np.ndarray]) -> None:
        self.name, self.version = "all-MiniLM-L6-v2", name
        self.columns = [BLOCKS.index(b) for b in name.split("+")]
        self.blocks = blocks

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384 * len(self.columns)), np.float32)
        return np.vstack([self.blocks[text_hash(t)][self.columns].reshape(-1) for t in texts])


_CUES: dict[str, np.ndarray] = {}


def remembered_cues(texts: Sequence[str]) -> np.ndarray:
    """:func:`feedback.text.sentiment_model.cue_matrix`, each segment's cues computed once per process."""
    from feedback.text import sentiment_model

    todo = [t for t in dict.fromkeys(texts) if t not in _CUES]
    if todo:
        _CUES.update(zip(todo, _ORIGINAL_CUES(todo), strict=True))
    return np.vstack([_CUES[t] for t in texts]) if texts else np.zeros((0, len(sentiment_model.HEAD_FEATURES)), np.float32)


def _patch_cues() -> None:
    from feedback.text import sentiment_model

    global _ORIGINAL_CUES
    _ORIGINAL_CUES = sentiment_model.cue_matrix
    sentiment_model.cue_matrix = remembered_cues
    training.cue_matrix = remembered_cues


_ORIGINAL_CUES: Any = None


def scores(pieces: list[list[tuple[str, str]]], view: BlockView, head: Any) -> np.ndarray:
    """Each text's comment score as the product gives it (:func:`quality.head_scores`, the pieces given)."""
    from feedback.text.sentiment_model import comment_score, score_segments

    flat = [piece for segs in pieces for piece in segs]
    values = score_segments(view.encode([c for c, _ in flat]), [r for _, r in flat], head)
    out, start = np.zeros(len(pieces)), 0
    for i, segs in enumerate(pieces):
        out[i] = comment_score(values[start : start + len(segs)]) or 0.0
        start += len(segs)
    return out


def fit(name: str, view: BlockView, texts: list[training.Labelled], pieces: list[list[tuple[str, str]]],
        ngrams: bool, c: float = training.C, cues: bool = True) -> Any:
    """The shipped recipe (scripts/train_sentiment.py ``train``) on ``view``'s vectors; n-grams only with ``ngrams``."""
    vectors = dict(zip(*_flat_vectors(pieces, view), strict=True))
    features, labels, weights, owners = training.design(texts, vectors, pieces)
    if not cues:  # constant columns: standardised to 0, so the head reads the representation alone
        features[:, features.shape[1] - len(training.HEAD_FEATURES):] = 0.0
    return training.fit_head(features, labels, weights, view.name, c=c, meta={"representation": name},
                             texts=[raw for segs in pieces for _, raw in segs],
                             ngram_weight=training.NGRAM_WEIGHT if ngrams else 0.0, owners=owners)


def _flat_vectors(pieces: list[list[tuple[str, str]]], view: BlockView) -> tuple[list[str], np.ndarray]:
    cleans = list(dict.fromkeys(c for segs in pieces for c, _ in segs))
    return cleans, view.encode(cleans)


def probe(argv: Sequence[str]) -> None:
    """Fit and measure a dev head per representation; one JSON line per (representation, set)."""
    _patch_cues()
    at = argv.index("--c") + 1 if "--c" in argv else None
    c = float(argv[at]) if at is not None else training.C
    names = [a for i, a in enumerate(argv) if not a.startswith("--") and i != at] or ["L6"]
    ngrams, ood = "--ngrams" in argv, "--ood" in argv
    blocks = stored()
    everything = [t for t in dev.texts(15048) if "--clothing-only" not in argv or t.source == "clothing"]
    cues = "--no-cues" not in argv
    train_texts = [t for t in everything if not training.validation(t.text)]
    train_pieces = training.segment_texts([t.text for t in train_texts])
    sets = probe_texts()
    set_pieces = {k: training.segment_texts([t for t, _ in v]) for k, v in sets.items()}
    log.info("%d training texts (%d segments); sets %s", len(train_texts), sum(map(len, train_pieces)),
             {k: len(v) for k, v in sets.items()})
    tag = "-clothing" * ("--clothing-only" in argv) + "-nocues" * (not cues)
    out_path = LAYERS_DIR / f"probe{'-ngrams' if ngrams else ''}{tag}.jsonl"
    for name in names:
        view = BlockView(name, blocks)
        began = time.perf_counter()
        head = fit(name, view, train_texts, train_pieces, ngrams, c, cues)
        seconds = time.perf_counter() - began
        head.save(LAYERS_DIR / f"head-{name}{'-ngrams' if ngrams else ''}{tag}-{c}.npz")
        rows: dict[str, Any] = {"representation": name, "ngrams": ngrams, "C": c, "fit_seconds": round(seconds, 1)}
        for key in ("validation fifth < 15048", "unseen >= 20000"):
            stars = np.array([s for _, s in sets[key]])
            rows[key] = dev.figures(scores(set_pieces[key], view, head), stars)
        rows["misses"] = [float(v) for v in scores(set_pieces["misses"], view, head)]
        if ood:
            for key in [k for k in sets if k not in ("misses", "validation fifth < 15048", "unseen >= 20000")]:
                truth = np.array([y for _, y in sets[key]])
                measure = quality.binary_f1 if key.startswith("UCI") else quality.three_f1
                rows[key] = measure(truth, scores(set_pieces[key], view, head))
        log.info("%s", json.dumps(rows))
        with out_path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(rows) + "\n")


def cost(argv: Sequence[str]) -> None:
    """Microseconds per segment: the product's ONNX encoder (feedback.embed_onnx, sentence vector) against the
    blocks graph, the same segments (those of the first 500 unseen reviews), alternating, best of 3 each."""
    from feedback.embed import Embedder

    embedder = Embedder(backend="onnx", threads=2)
    pairs = probe_texts()["unseen >= 20000"][:500]
    segments = [c for segs in training.segment_texts([t for t, _ in pairs]) for c, _ in segs]
    product, blocks = embedder.onnx, session(GRAPH, 2)
    best = {"product": float("inf"), "blocks": float("inf")}
    for _ in range(3):
        began = time.perf_counter()
        product.encode(segments, BATCH, False)
        best["product"] = min(best["product"], time.perf_counter() - began)
        began = time.perf_counter()
        normalised(run_graph(embedder.model, blocks, segments))
        best["blocks"] = min(best["blocks"], time.perf_counter() - began)
    figures = {k: round(v / len(segments) * 1e6, 1) for k, v in best.items()}
    log.info("%d segments; microseconds per segment, best of 3: %s (ratio %.3f)", len(segments), figures,
             best["blocks"] / best["product"])


OOD_SETS = ("sentiment_sentences.tsv", "sentiment_service.tsv", "VADER tweets", "VADER amazonReviewSnippets",
            "VADER movieReviewSnippets", "VADER nytEditorialSnippets", "UCI amazon_cells", "UCI imdb", "UCI yelp")


def table(argv: Sequence[str]) -> None:
    """The probe's JSON lines (files ``argv``) as markdown table rows, as bench/RESULTS.md shows them."""
    for path in argv:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            name = row["representation"] + " + n-grams" * row["ngrams"]
            name += f", C {row['C']}" if row.get("C", training.C) != training.C else ""
            cells = [name]
            for key in ("validation fifth < 15048", "unseen >= 20000"):
                f = row[key]
                cells += [f"{f['binary_f1']:.3f}", f"{f['auc']:.3f}", f"{f['spearman']:.3f}",
                          f"{f['best'][0]:.3f} ({f['best'][1]:+.2f})"]
            ood = [f"{row[k]:.3f}" for k in OOD_SETS if k in row]
            cells += [" / ".join(ood[:2]), " / ".join(ood[2:6]), " / ".join(ood[6:]),
                      " / ".join(f"{v:+.2f}" for v in row["misses"])]
            print("| " + " | ".join(cells) + " |")


def main(argv: list[str]) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    commands = {"embed": embed, "probe": probe, "cost": cost, "table": table}
    commands[argv[0]](argv[1:])


if __name__ == "__main__":
    main(sys.argv[1:])
