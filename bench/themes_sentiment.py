"""Sentiment against the stars of the shared rated reviews, on a held-out split (issue #12 targets).

The held-out split is a fixed-seed 20 % of ../shared/data/labelled/clothing_reviews (reviews with
text). :func:`evaluate` scores it with today's ``feedback.text.sentiment.sentiment`` (VADER +
service lexicon): Spearman against the stars and binary macro-F1 (1-2 stars negative, 4-5
positive, 3 left out; a score above 0 reads positive). When the sentiment model's own evaluation
(``evaluate_sentiment`` in bench/sentiment_*.py, branch sentiment12) lands, :func:`evaluate`
is where it is called on the same split.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from themes_metrics import binary_macro_f1

REVIEWS = Path(__file__).resolve().parents[2] / "shared/data/labelled/clothing_reviews/reviews.csv"  # ../shared beside the project
HELD_OUT = 0.2
SEED = 12


@dataclass(frozen=True)
class SentimentFigures:
    method: str
    reviews: int  # held-out reviews scored
    binary_reviews: int  # of which 1-2 or 4-5 stars
    spearman: float
    macro_f1: float


def held_out(path: Path = REVIEWS, share: float = HELD_OUT, seed: int = SEED) -> list[tuple[str, int]]:
    """(review text, stars) of the held-out split: a seeded ``share`` of the reviews with text."""
    with path.open(encoding="utf-8", newline="") as fh:
        rows = [(r["Review Text"].strip(), int(r["Rating"])) for r in csv.DictReader(fh)
                if (r.get("Review Text") or "").strip() and (r.get("Rating") or "").strip().isdigit()]
    pick = np.random.default_rng(seed).permutation(len(rows))[: round(share * len(rows))]
    return [rows[i] for i in sorted(pick)]


def evaluate(reviews: list[tuple[str, int]]) -> SentimentFigures:
    """Today's scorer on ``reviews``; the place to call the new sentiment evaluation from."""
    from scipy.stats import spearmanr

    from feedback.text.sentiment import sentiment

    scores = [sentiment(text) or 0.0 for text, _ in reviews]
    stars = [stars for _, stars in reviews]
    f1, binary = binary_macro_f1(scores, stars)
    rho = float(spearmanr(scores, stars).statistic)
    return SentimentFigures("feedback.text.sentiment (VADER + service lexicon)", len(reviews), binary, rho, f1)
