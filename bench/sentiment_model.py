"""Today's lexicon sentiment against the embedding head, on reviews it never saw.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/sentiment_model.py [--cache bench/out/sentiment_vectors.npz]
        [--vader-gt DIR] [--append bench/RESULTS.md]

Held-out split: the clothing reviews (../shared/data/labelled/clothing_reviews, CC0) whose text
hashes into the fifth that bench/train_sentiment_head.py never trains on. Per method: Spearman
against the stars; binary macro-F1 of 1-2 vs 4-5 stars (3 left out; positive when the score is
at least the method's cut-off: 0.05 for VADER as customary, 0 for the head); three-class
macro-F1 with 1-2 / 3 / 4-5 stars as negative / neutral / positive and each method's neutral
band (VADER +-0.05, the head's band). Also the hand-written customer-service sentences of
bench/sentiment_sentences.tsv (a sanity check, never trained on) and, with ``--vader-gt``, the
human-rated sentence sets of the VADER paper (hutto_ICWSM_2014 folder; rating >= 0.5 positive,
<= -0.5 negative, else neutral). Embeddings are cached (``--cache``), so a second run is quick.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # sentiment_head
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from sentiment_head import load_head, score_texts, score_vectors  # noqa: E402
from train_sentiment_head import DATA, embed_cached, held_out, read_reviews  # noqa: E402

from feedback.embed import Embedder  # noqa: E402
from feedback.text import segments as nlp  # noqa: E402
from feedback.text.sentiment import sentiment  # noqa: E402

SENTENCES = ROOT / "bench" / "sentiment_sentences.tsv"
VADER_BAND = 0.05
GT_SETS = ("tweets", "amazonReviewSnippets", "nytEditorialSnippets", "movieReviewSnippets")


class CachedEmbedder:
    """The real embedder behind the training script's vector cache (same name and version)."""

    def __init__(self, embedder: Embedder, cache: Path | None) -> None:
        self.embedder, self.cache = embedder, cache
        self.name, self.version = embedder.name, embedder.version

    def encode(self, texts: list[str]) -> np.ndarray:
        vectors = embed_cached(texts, self.embedder, self.cache)
        return np.vstack([vectors[t] for t in texts]) if texts else np.zeros((0, 384), np.float32)


def three_class(scores: np.ndarray, band: float) -> np.ndarray:
    return np.where(scores > band, 1, np.where(scores < -band, -1, 0))


def figures(scores: np.ndarray, stars: np.ndarray, cut: float, band: float) -> dict[str, float]:
    from scipy.stats import spearmanr
    from sklearn.metrics import f1_score

    rated = stars != 3
    return {
        "spearman": float(spearmanr(scores, stars).statistic),
        "binary": float(f1_score(stars[rated] >= 4, scores[rated] >= cut, average="macro")),
        "three": float(f1_score(np.sign(stars - 3), three_class(scores, band), average="macro")),
    }


def macro3(truth: np.ndarray, scores: np.ndarray, band: float) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(truth, three_class(scores, band), average="macro", labels=[-1, 0, 1]))


def read_gt(folder: Path, name: str) -> tuple[list[str], np.ndarray]:
    import html

    texts, ratings = [], []
    for line in (folder / f"{name}_GroundTruth.txt").read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split("\t")
        if len(parts) >= 3:
            texts.append(html.unescape(parts[2]))
            ratings.append(float(parts[1]))
    return texts, np.array(ratings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--cache", type=Path, default=ROOT / "bench" / "out" / "sentiment_vectors.npz")
    parser.add_argument("--vader-gt", type=Path, help="folder of the VADER paper's *_GroundTruth.txt files")
    parser.add_argument("--append", type=Path, help="append the results to this markdown file")
    args = parser.parse_args()
    if not args.data.exists():
        sys.exit(f"{args.data} not found: the shared clothing reviews are needed")
    head = load_head()
    embedder = CachedEmbedder(Embedder(show_progress=True), args.cache)
    reviews = [r for r in read_reviews(args.data) if held_out(r.text)]
    texts = [r.text for r in reviews]
    stars = np.array([r.stars for r in reviews])

    started = time.perf_counter()
    old = np.array([sentiment(t) or 0.0 for t in texts])
    vader_rate = len(texts) / (time.perf_counter() - started)
    new = score_texts(texts, embedder, head)

    # speed of the head alone on stored vectors (what the theme stage will do): every segment
    segs = [(s.clean, s.text) for ss in nlp.segment_many(texts) for s in ss if nlp.is_themable(s.clean)]
    vectors = embedder.encode([clean for clean, _ in segs])
    lexicon = np.array([sentiment(raw) or 0.0 for _, raw in segs])
    started = time.perf_counter()
    for _ in range(5):
        score_vectors(vectors, lexicon, head)
    head_rate = 5 * len(segs) / (time.perf_counter() - started)

    lines = [
        f"\n## Sentiment: lexicon vs embedding head, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC "
        f"(2 cores, 24 GiB, Python {platform.python_version()})\n",
        f"`bench/sentiment_model.py`: {len(texts):,} held-out clothing reviews (never trained on); head "
        f"{head.meta.get('examples')} training examples, C={head.meta.get('C')}, neutral band {head.band}.\n",
        "| method | Spearman vs stars | binary macro-F1 (1-2 vs 4-5) | 3-class macro-F1 (1-2/3/4-5) |",
        "|---|---|---|---|",
    ]
    for name, scores, cut, band in (
        ("feedback.text.sentiment.sentiment (VADER + service lexicon)", old, VADER_BAND, VADER_BAND),
        ("MiniLM head, segment mean (bench/sentiment_head.py)", new, 0.0, head.band),
    ):
        f = figures(scores, stars, cut, band)
        lines.append(f"| {name} | {f['spearman']:.3f} | {f['binary']:.3f} | {f['three']:.3f} |")

    sentences = list(csv.DictReader(SENTENCES.open(encoding="utf-8"), delimiter="\t"))
    truth = np.array([{"negative": -1, "neutral": 0, "positive": 1}[row["label"]] for row in sentences])
    said = [row["text"] for row in sentences]
    old_s = np.array([sentiment(t) or 0.0 for t in said])
    new_s = score_texts(said, embedder, head)
    lines += [
        "",
        f"Out of domain, 3-class macro-F1 (VADER band {VADER_BAND}, head band {head.band}; Spearman in brackets):",
        "",
        "| set | texts | VADER + lexicon | head |",
        "|---|---|---|---|",
        f"| hand-written service sentences (bench/sentiment_sentences.tsv) | {len(said)} "
        f"| {macro3(truth, old_s, VADER_BAND):.3f} | {macro3(truth, new_s, head.band):.3f} |",
    ]
    if args.vader_gt:
        from scipy.stats import spearmanr

        for name in GT_SETS:
            gt_texts, ratings = read_gt(args.vader_gt, name)
            gt_truth = np.where(ratings >= 0.5, 1, np.where(ratings <= -0.5, -1, 0))
            o = np.array([sentiment(t) or 0.0 for t in gt_texts])
            n = np.nan_to_num(score_texts(gt_texts, embedder, head))
            lines.append(
                f"| VADER paper {name} | {len(gt_texts):,} | {macro3(gt_truth, o, VADER_BAND):.3f} "
                f"({spearmanr(o, ratings).statistic:.3f}) | {macro3(gt_truth, n, head.band):.3f} "
                f"({spearmanr(n, ratings).statistic:.3f}) |"
            )
    wrong = [t for t, s, y in zip(said, new_s, truth, strict=True) if y != 0 and np.sign(s) != y]
    lines += [
        "",
        f"Hand-written sentences whose sign the head gets wrong ({len(wrong)} of {int((truth != 0).sum())} "
        f"non-neutral): " + "; ".join(f'"{t}"' for t in wrong),
        "",
        f"Speed: the head on stored vectors {head_rate:,.0f} segments/s ({len(segs):,} segments of "
        f"{len(texts):,} reviews); VADER + lexicon {vader_rate:,.0f} texts/s. The head needs the "
        "segment embeddings the theme stage stores anyway (~35-160 segments/s to compute on these 2 cores).",
    ]
    print("\n".join(lines))
    if args.append:
        with args.append.open("a", encoding="utf-8") as fh:
            fh.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
