"""Text sentiment against the customer's own stars, on real reviews.

    .venv/bin/python bench/sentiment_rating.py [--head [--compare OLD_HEAD.npz]] [--append bench/RESULTS.md]

The 797 reader reviews of ../shared/data/review_pages/recipe_scrapers carry a star
rating (schema.org reviewRating). Each review text goes through the product's sentiment
(feedback.text.sentiment.sentiment: VADER + service lexicon) and is compared with its stars by the
same figures the archive's ``sentiment_check`` table shows, plus plain VADER for reference.

With ``--head`` the segment head is measured beside them (a review's score from its segments',
as the pipeline publishes it), and the head calibrated on the site's own ratings as the pipeline
calibrates a company's (feedback.themes.segment_sentiment: scale, biases, embedding delta),
out of fold: each fifth of the reviews (by a hash of the text) scored by a calibration fitted on
the other four. Segment vectors come from (and go to) ``--cache``.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from feedback.insights.sentiment_check import check_row  # noqa: E402
from feedback.sources.reviews.extract import extract_page  # noqa: E402
from feedback.text.sentiment import sentiment  # noqa: E402

PAGES = Path(__file__).resolve().parents[2] / "shared/data/review_pages/recipe_scrapers"  # ../shared beside the project


def head_methods(reviews: list[tuple[str, float]], cache: Path,
                 head_file: Path | None = None) -> list[tuple[str, list[tuple[float, float, str]]]]:
    """(name, [(score, rating, band)]) for the head as shipped (or ``head_file``'s) and calibrated out of fold
    on the reviews' ratings."""
    import hashlib
    from collections import Counter

    import numpy as np

    sys.path.insert(0, str(ROOT / "bench"))
    from sentiment_quality import CachedEmbedder, training  # type: ignore[import-not-found]

    from feedback.embed import Embedder
    from feedback.publish import rating_band
    from feedback.text.sentiment_model import (
        comment_score,
        fit_calibration,
        load_head,
        logits,
        read_head,
        score_segments,
    )

    head, embedder = read_head(head_file) if head_file else load_head(), CachedEmbedder(Embedder(), cache)
    pieces = training.segment_texts([text for text, _ in reviews])
    owners = np.array([i for i, segs in enumerate(pieces) for _ in segs])
    vectors = embedder.encode([clean for segs in pieces for clean, _ in segs])
    texts = [raw for segs in pieces for _, raw in segs]
    bands = [rating_band(rating, "stars") for _, rating in reviews]
    labels = np.array([{"low": 0, "medium": 1, "high": 2}[str(bands[i])] for i in owners])
    weights = 1.0 / np.array([Counter(owners.tolist())[i] for i in owners])
    fold = np.array([int(hashlib.sha256(text.encode()).hexdigest()[:8], 16) % 5 for text, _ in reviews])[owners]
    plain = score_segments(vectors, texts, head)
    calibrated = np.zeros(len(texts))
    raw = logits(vectors, texts, head)
    for k in range(5):
        fit = fold != k
        calibration = fit_calibration(raw[fit], labels[fit], weights[fit], comments=int(len(set(owners[fit]))),
                                      vectors=vectors[fit])
        calibrated[~fit] = score_segments(vectors[~fit], [t for t, f in zip(texts, fit, strict=True) if not f], head,
                                          calibration)

    def per_review(scores: np.ndarray) -> list[tuple[float, float, str]]:
        return [(comment_score(scores[owners == i]) or 0.0, rating, str(bands[i]))
                for i, (_, rating) in enumerate(reviews)]

    shipped = "from " + head_file.name if head_file else "as shipped"
    return [(f"segment head {head.version}, {shipped}", per_review(plain)),
            (f"segment head {head.version}, calibrated on the site's ratings (out of fold)", per_review(calibrated))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--append", type=Path, help="append the results to this markdown file")
    parser.add_argument("--head", action="store_true", help="also the segment head, plain and calibrated out of fold")
    parser.add_argument("--compare", type=Path, help="with --head: another head file (e.g. the previous one) beside")
    parser.add_argument("--cache", type=Path, default=ROOT / "bench" / ".cache" / "vectors.npz", help="vector cache")
    args = parser.parse_args()
    if not PAGES.is_dir():
        sys.exit(f"{PAGES} not found: the shared review pages are needed")
    reviews = []
    for page in sorted(PAGES.glob("*.html")):
        for review in extract_page(page.read_bytes(), "http://127.0.0.1/" + page.name).reviews:
            if review.rating_value is not None and review.body:
                best, worst = review.best or 5.0, review.worst or 1.0
                if best > worst:
                    reviews.append((review.body, (review.rating_value - worst) / (best - worst)))
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from feedback.publish import rating_band

    plain = SentimentIntensityAnalyzer()
    started = time.perf_counter()
    ours = [(sentiment(text) or 0.0, rating, rating_band(rating, "stars")) for text, rating in reviews]
    seconds = time.perf_counter() - started
    vader = [(plain.polarity_scores(text)["compound"], rating, rating_band(rating, "stars"))
             for text, rating in reviews]
    methods = [("feedback.text.sentiment.sentiment (VADER + service lexicon)", ours), ("plain VADER", vader)]
    if args.head:
        methods += (head_methods(reviews, args.cache, args.compare) if args.compare else []) + head_methods(
            reviews, args.cache)
    lines = [
        f"\n## Sentiment against stars, {date.today()} ({os.cpu_count()} cores, 24 GiB, "
        f"Python {platform.python_version()})\n",
        f"`bench/sentiment_rating.py`: {len(reviews)} rated reviews from the shared review pages; "
        f"{len(reviews) / seconds:,.0f} texts/s.\n",
        "| method | spearman | agreement | low-rated read negative | high-rated read positive |",
        "|---|---|---|---|---|",
    ]
    for name, pairs in methods:
        row = check_row(name, "stars", pairs)
        lines.append(f"| {name} | {row['spearman']} | {row['agreement']} | {row['low_rated_negative']} "
                     f"| {row['high_rated_positive']} |")
    lows = sum(band == "low" for _, _, band in ours)
    lines.append(f"\n{lows} of {len(ours)} reviews are low-rated (under 3 stars of 5): recipe readers are kind.")
    print("\n".join(lines))
    if args.append:
        with args.append.open("a", encoding="utf-8") as fh:
            fh.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
