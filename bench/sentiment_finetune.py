"""Would an encoder tuned for polarity read service praise right? A research run, not shipped.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/sentiment_finetune.py [--rows 20000] [--epochs 1] [--append]

The shipped sentiment head reads the all-MiniLM-L6-v2 sentence vector, which places "The refund was quick
and easy" among refund complaints (bench/RESULTS.md, "service praise read as a complaint is in the sentence
vector"). This fine-tunes a copy of that encoder (mean pooling, a 3-class linear layer on top; cross-entropy,
AdamW: the encoder at ``--lr``, the new layer at 1e-3) on the sentiment trainer's own segments (scripts/train_sentiment.py: the shipped recipe's texts, their
segments taking their text's class, the trainer's weights; a seeded sample of ``--rows`` of them, without the
validation fifth), then reads the same sets as bench/sentiment_dev_heads.py: a text's score is the mean over
its segments of P(positive) - P(negative), with the head's neutral band (0.2) cut out. Beside it, in the same
process: a logistic layer on the frozen encoder's vectors fitted on the same rows (the fair baseline), and the
shipped head (its cues and n-grams included). Nothing here is used by the product: a tuned encoder would be a
second 90 MB model beside the one the themes use.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
for extra in (ROOT, ROOT / "scripts", ROOT / "bench"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import sentiment_quality as quality  # noqa: E402
import train_sentiment as training  # noqa: E402

BAND = 0.2
EXAMPLES = ("Customer service sorted my problem in minutes", "Delivery was on time and the driver was polite",
            "The refund was quick and easy", "Support agreed a refund straight away, which was good",
            "Refunds take forever.", "money still hasn't arrived", "The app crashed twice at checkout",
            "When does the store open on Sundays?")


def training_rows(rows: int, seed: int) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(segment texts, classes, weights) of the trainer's recipe, a seeded sample of ``rows``."""
    texts = [t for t in training.training_texts(training.CLOTHING, training.VADER_GT, training.UCI, training.CLINC,
                                                1875, 15048) if not training.validation(t.text)]
    pieces = training.segment_texts([t.text for t in texts])
    blank = {clean: np.zeros(384) for segs in pieces for clean, _ in segs}  # design() weighs; vectors unused
    _, labels, weights, _ = training.design(texts, blank, pieces)
    flat = [clean for segs in pieces for clean, _ in segs]
    pick = np.random.default_rng(seed).choice(len(flat), size=min(rows, len(flat)), replace=False)
    return [flat[i] for i in pick], labels[pick], weights[pick]


def evaluation_sets() -> dict[str, tuple[list[str], np.ndarray, str]]:
    reviews = training.read_clothing(training.CLOTHING)
    unseen = [(t, s) for t, s in reviews[20000:] if not training.held_out(t) and not training.validation(t)]
    sets: dict[str, tuple[list[str], np.ndarray, str]] = {
        "clothing unseen (>= 20,000)": ([t for t, _ in unseen], np.array([s for _, s in unseen]), "stars")}
    for path in quality.SENTENCE_SETS:
        texts, truth = quality.read_sentences(path)
        sets[path.name] = (texts, truth, "3")
    tweets = training.read_vader_gt(training.VADER_GT, "tweets")
    sets["VADER tweets"] = ([t for t, _ in tweets], np.array([training.rating_class(r) - 1 for _, r in tweets]), "3")
    for name in ("amazon_cells", "yelp"):
        pairs = [(t, y) for t, y in training.read_uci(training.UCI, name) if training.held_out(t)]
        sets[f"UCI {name}"] = ([t for t, _ in pairs], np.array([y for _, y in pairs]), "2")
    return sets


def figure(kind: str, truth: np.ndarray, scores: np.ndarray) -> str:
    if kind == "stars":
        f = quality.star_figures(scores, truth)
        return f"{f['binary_f1']:.3f} / {f['spearman']:.3f}"
    return f"{quality.three_f1(truth, scores):.3f}" if kind == "3" else f"{quality.binary_f1(truth, scores):.3f}"


def text_scores(texts: list[str], segment_scores: Callable[[list[str]], np.ndarray]) -> np.ndarray:
    pieces = training.segment_texts(texts)
    flat = [clean for segs in pieces for clean, _ in segs]
    raw = segment_scores(flat) if flat else np.zeros(0)
    raw = np.where(np.abs(raw) < BAND, 0.0, raw)
    out, start = np.zeros(len(pieces)), 0
    for i, segs in enumerate(pieces):
        out[i] = raw[start : start + len(segs)].mean() if segs else 0.0
        start += len(segs)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--lr", type=float, default=3e-5)
    parser.add_argument("--append", action="store_true", help="append the table to bench/RESULTS.md")
    args = parser.parse_args(argv)
    import torch
    from sentence_transformers import SentenceTransformer
    from sklearn.linear_model import LogisticRegression

    from feedback.embed import Embedder, default_model_path
    from feedback.text.sentiment_model import load_head

    torch.manual_seed(args.seed)
    torch.set_num_threads(2)
    texts, labels, weights = training_rows(args.rows, args.seed)
    embedder = Embedder()
    cached = quality.CachedEmbedder(embedder, training.CACHE_DIR / "vectors-r.npz")
    frozen = cached.encode(texts)
    mu, sd = frozen.mean(0), frozen.std(0) + 1e-9
    logistic = LogisticRegression(C=training.C, max_iter=3000).fit((frozen - mu) / sd, labels, sample_weight=weights)

    model = SentenceTransformer(str(default_model_path()), device="cpu")
    layer = torch.nn.Linear(model.get_sentence_embedding_dimension(), 3)
    optimiser = torch.optim.AdamW([{"params": model.parameters(), "lr": args.lr},
                                   {"params": layer.parameters(), "lr": 1e-3}])  # the new layer starts from nothing
    w = torch.tensor(weights / weights.mean(), dtype=torch.float32)
    y = torch.tensor(labels, dtype=torch.long)
    batch, started = 32, time.process_time()
    model.train()
    for epoch in range(args.epochs):
        order = np.random.default_rng(args.seed + epoch).permutation(len(texts))
        for step, start in enumerate(range(0, len(order), batch)):
            idx = order[start : start + batch]
            features = model.tokenize([texts[i] for i in idx])
            pooled = model(features)["sentence_embedding"]
            loss = (torch.nn.functional.cross_entropy(layer(pooled), y[idx], reduction="none") * w[idx]).mean()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            if step % 100 == 0:
                print(f"epoch {epoch} step {step}: loss {loss.item():.3f}", flush=True)
    seconds = time.process_time() - started
    model.eval()

    def tuned(segments: list[str]) -> np.ndarray:
        with torch.no_grad():
            vectors = model.encode(segments, batch_size=64, convert_to_tensor=True)
            p = torch.softmax(layer(vectors), dim=1).numpy()
        return p[:, 2] - p[:, 0]

    other = quality.CachedEmbedder(embedder, training.CACHE_DIR / "vectors.npz")

    def frozen_scores(segments: list[str]) -> np.ndarray:
        p = logistic.predict_proba((other.encode(segments) - mu) / sd)
        return p[:, 2] - p[:, 0]

    head = load_head()
    rows = []
    for name, (set_texts, truth, kind) in evaluation_sets().items():
        shipped = quality.head_scores(set_texts, other, head)
        rows.append((name, len(set_texts), figure(kind, truth, shipped),
                     figure(kind, truth, text_scores(set_texts, frozen_scores)),
                     figure(kind, truth, text_scores(set_texts, tuned))))
        print(rows[-1], flush=True)
    examples = [(text, float(quality.head_scores([text], other, head)[0]), float(frozen_scores([text])[0]),
                 float(tuned([text])[0])) for text in EXAMPLES]
    lines = [f"\n### Encoder tuned for polarity (bench/sentiment_finetune.py), {time.strftime('%Y-%m-%d %H:%M')} UTC, "
             f"{os.cpu_count()} cores\n",
             f"{len(texts):,} training segments, {args.epochs} epoch(s), lr {args.lr}; tuning took {seconds:.0f} s CPU.\n",
             "| set | texts | shipped head | logistic on the frozen vector (same rows) | tuned encoder |",
             "|---|---|---|---|---|"]
    lines += [f"| {name} | {n:,} | {a} | {b} | {c} |" for name, n, a, b, c in rows]
    lines += ["", "| segment | shipped head | frozen + logistic | tuned |", "|---|---|---|---|"]
    lines += [f"| {text} | {a:+.2f} | {b:+.2f} | {c:+.2f} |" for text, a, b, c in examples]
    print("\n".join(lines), flush=True)
    if args.append:
        with (ROOT / "bench" / "RESULTS.md").open("a", encoding="utf-8") as fh:
            fh.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
