"""Text sentiment against the customer's own stars, on real reviews.

    .venv/bin/python bench/sentiment_rating.py [--append bench/RESULTS.md]

The 797 reader reviews of ../shared/data/review_pages/recipe_scrapers carry a star
rating (schema.org reviewRating). Each review text goes through the product's sentiment
(feedback.text.sentiment.sentiment: VADER + service lexicon) and is compared with its stars by the
same figures the archive's ``sentiment_check`` table shows, plus plain VADER for reference.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--append", type=Path, help="append the results to this markdown file")
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
    lines = [
        f"\n## Sentiment against stars, {date.today()} ({os.cpu_count()} cores, 24 GiB, "
        f"Python {platform.python_version()})\n",
        f"`bench/sentiment_rating.py`: {len(reviews)} rated reviews from the shared review pages; "
        f"{len(reviews) / seconds:,.0f} texts/s.\n",
        "| method | spearman | agreement | low-rated read negative | high-rated read positive |",
        "|---|---|---|---|---|",
    ]
    for name, pairs in (("feedback.text.sentiment.sentiment (VADER + service lexicon)", ours), ("plain VADER", vader)):
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
