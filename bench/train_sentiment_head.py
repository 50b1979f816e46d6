"""Train the sentiment head (bench/sentiment_head.npz) from star-rated product reviews.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/train_sentiment_head.py \\
        [--data ../shared/data/labelled/clothing_reviews/reviews.csv] \\
        [--out bench/sentiment_head.npz] [--cache bench/out/sentiment_vectors.npz] [--limit N]

Data: the CC0 Women's E-Commerce Clothing Reviews (22,641 reviews with text, 1-5 stars). A
review is held out (never trained on, used by bench/sentiment_model.py) when the first 8 hex
digits of the SHA-256 of its text are 0 modulo 5: about 20 %, fixed, and the same for any copy
of the text. Each training review is cut into segments as the theme stage cuts comments; every
segment gets its review's class (1-2 stars negative, 3 neutral, 4-5 positive) and a weight of
1 / (segments in the review), and the classes are weighted equally, so a factual sentence that
appears under every rating lands near the middle.

To read sentiment outside clothing, the ~7,500 words and emoticons of VADER's lexicon (rated by
people, MIT, shipped with vaderSentiment) plus the service lexicon of feedback/text/sentiment.py
are added as one-word examples (valence >= 1 positive, <= -1 negative, else neutral), carrying
15 % of the training weight.

Features: the segment's all-MiniLM-L6-v2 vector plus its VADER + service-lexicon score and that
score's absolute value. Model: multinomial logistic regression (L2, lbfgs: deterministic). A
segment's score is 0.7 x (P(positive) - P(negative)) + 0.3 x its lexicon score.
Embeddings are the slow part (~100-160 segments/s on 2 cores); ``--cache`` keeps them between
runs, keyed by the SHA-256 of the cleaned segment text.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import html
import logging
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # sentiment_head

from sentiment_head import CLASSES, HEAD_PATH, SentimentHead  # noqa: E402

from feedback.embed import SupportsEmbed, text_hash  # noqa: E402
from feedback.text import segments as nlp  # noqa: E402
from feedback.text.sentiment import SERVICE_LEXICON  # noqa: E402
from feedback.text.sentiment import sentiment as lexicon_sentiment  # noqa: E402

log = logging.getLogger("train_sentiment")

DATA = ROOT.parent / "shared" / "data" / "labelled" / "clothing_reviews" / "reviews.csv"
HOLD_OUT_MODULUS = 5
C = 0.3  # inverse L2 strength
BAND = 0.2  # neutral band of the shipped head's 3-class decision (bench/RESULTS.md says how it was chosen)
BLEND = 0.7  # the head's share of a segment's score; the rest is the segment's lexicon score
LEXICON_SHARE = 0.15  # share of the training weight carried by the one-word lexicon examples


@dataclass(frozen=True)
class Review:
    text: str
    stars: int


def held_out(text: str) -> bool:
    """Whether a review belongs to the fixed held-out split (about 1 in 5, by a hash of its text)."""
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:8], 16) % HOLD_OUT_MODULUS == 0


def read_reviews(path: Path) -> list[Review]:
    """Reviews with text and a 1-5 star rating, HTML entities decoded, in file order."""
    out = []
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            text = html.unescape(row["Review Text"] or "").strip()
            if text and row["Rating"].strip():
                out.append(Review(text, int(row["Rating"])))
    return out


def star_class(stars: int) -> int:
    """Index into CLASSES: 1-2 stars negative, 3 neutral, 4-5 positive."""
    return 0 if stars <= 2 else 1 if stars == 3 else 2


def review_segments(texts: list[str]) -> list[list[tuple[str, str]]]:
    """Per text, its themable segments as (cleaned text to embed, original text for the lexicon)."""
    return [
        [(seg.clean, seg.text) for seg in segs if nlp.is_themable(seg.clean)]
        for segs in nlp.segment_many(texts)
    ]


def embed_cached(texts: Iterable[str], embedder: SupportsEmbed, cache: Path | None) -> dict[str, np.ndarray]:
    """Vectors by text, embedding only what the cache (hash -> vector, .npz) does not hold."""
    wanted = list(dict.fromkeys(texts))
    stored: dict[str, np.ndarray] = {}
    tag = f"{embedder.name}:{embedder.version}"
    if cache and cache.exists():
        with np.load(cache, allow_pickle=False) as data:
            if str(data["model"]) == tag:
                stored = dict(zip((str(h) for h in data["hashes"]), data["vectors"], strict=True))
    hashes = {text: text_hash(text) for text in wanted}
    todo = [text for text in wanted if hashes[text] not in stored]
    if todo:
        log.info("embedding %d segments (%d cached)", len(todo), len(wanted) - len(todo))
        stored.update(zip((hashes[t] for t in todo), embedder.encode(todo), strict=True))
        if cache:
            cache.parent.mkdir(parents=True, exist_ok=True)
            keys = sorted(stored)
            with cache.open("wb") as fh:
                np.savez(fh, model=np.array(tag), hashes=np.array(keys),
                         vectors=np.vstack([stored[k] for k in keys]).astype(np.float32))
    return {text: stored[hashes[text]] for text in wanted}


def lexicon_words() -> list[tuple[str, float]]:
    """VADER's rated words and emoticons with the service lexicon on top, as (word, valence -4..4)."""
    import vaderSentiment

    rated: dict[str, float] = {}
    path = Path(vaderSentiment.__file__).with_name("vader_lexicon.txt")
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) >= 2 and parts[0].strip():
            rated[parts[0].strip()] = float(parts[1])
    rated.update(SERVICE_LEXICON)
    return sorted(rated.items())


def valence_class(valence: float) -> int:
    """Index into CLASSES for a lexicon valence: >= 1 positive, <= -1 negative, else neutral."""
    return 2 if valence >= 1.0 else 0 if valence <= -1.0 else 1


def _balanced(labels: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weights rescaled so that every class carries the same total (and the mean stays 1)."""
    share = np.array([weights[labels == k].sum() for k in range(len(CLASSES))])
    if (share == 0).any():
        raise ValueError("every class (negative, neutral, positive) needs at least one example")
    out = weights * (share.sum() / (len(CLASSES) * share))[labels]
    return np.asarray(out / out.mean())


def training_set(
    reviews: list[Review],
    embedder: SupportsEmbed,
    cache: Path | None,
    lexicon: list[tuple[str, float]] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(features, class, weight) per training example: review segments, then lexicon words
    (``lexicon``, by default :func:`lexicon_words`)."""
    train = [r for r in reviews if not held_out(r.text)]
    pieces = review_segments([r.text for r in train])
    rated = lexicon_words() if lexicon is None else lexicon
    words = [(nlp.clean_for_embedding(word), word, valence) for word, valence in rated]
    words = [(clean, word, valence) for clean, word, valence in words if clean]
    vectors = embed_cached(
        [clean for segs in pieces for clean, _ in segs] + [clean for clean, _, _ in words], embedder, cache
    )
    rows, labels, weights = [], [], []
    for review, segs in zip(train, pieces, strict=True):
        for clean, raw in segs:
            rows.append(_features(vectors[clean], raw))
            labels.append(star_class(review.stars))
            weights.append(1.0 / len(segs))
    review_labels = np.array(labels)
    review_weights = _balanced(review_labels, np.array(weights))
    word_labels = np.array([valence_class(valence) for _, _, valence in words])
    word_weights = _balanced(word_labels, np.ones(len(words)))
    word_weights *= review_weights.sum() * LEXICON_SHARE / (1 - LEXICON_SHARE) / word_weights.sum()
    rows.extend(_features(vectors[clean], word) for clean, word, _ in words)
    return (
        np.vstack(rows).astype(np.float64),
        np.concatenate([review_labels, word_labels]),
        np.concatenate([review_weights, word_weights]),
    )


def _features(vector: np.ndarray, raw: str) -> np.ndarray:
    lex = lexicon_sentiment(raw) or 0.0
    return np.concatenate([vector, [lex, abs(lex)]])


def fit_head(features: np.ndarray, labels: np.ndarray, weights: np.ndarray, model: str, *, c: float = C,
             band: float = BAND) -> SentimentHead:
    """A multinomial logistic head fitted with the given per-example weights."""
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=c, max_iter=5000, tol=1e-6)
    clf.fit(features, labels, sample_weight=weights)
    dim = features.shape[1] - 2
    return SentimentHead(
        coef=np.asarray(clf.coef_, dtype=np.float32), intercept=np.asarray(clf.intercept_, dtype=np.float32),
        model=model, dim=dim, lexicon=True, band=band, blend=BLEND,
        meta={"trained_on": "clothing_reviews (CC0) training split + VADER and service lexicon words",
              "examples": int(len(labels)), "C": c, "lexicon_share": LEXICON_SHARE,
              "hold_out": f"sha256(text)[:8] % {HOLD_OUT_MODULUS} == 0"},
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA, help="the clothing reviews CSV")
    parser.add_argument("--out", type=Path, default=HEAD_PATH, help="where to write the head (.npz)")
    parser.add_argument("--cache", type=Path, help="segment vectors cache (.npz), reused between runs")
    parser.add_argument("--limit", type=int, help="train on the first N reviews only (for tests)")
    parser.add_argument("--model-path", type=Path, help="sentence-transformers folder (default: MiniLM)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from feedback.embed import Embedder

    reviews = read_reviews(args.data)[: args.limit]
    embedder = Embedder(args.model_path, show_progress=True)
    features, labels, weights = training_set(reviews, embedder, args.cache)
    head = fit_head(features, labels, weights, embedder.name)
    head.save(args.out)
    counts = np.bincount(labels, minlength=len(CLASSES))
    log.info("wrote %s: %d examples (%s)", args.out, len(labels),
             ", ".join(f"{name} {n}" for name, n in zip(CLASSES, counts, strict=True)))


if __name__ == "__main__":
    main()
