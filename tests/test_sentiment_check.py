"""Sentiment checked against ratings: the figures, and the table in the sample archive."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import sqlite_utils

from feedback.insights.sentiment_check import check_row

from .conftest import build_sample_archive


def test_row_figures() -> None:
    pairs = [(-0.8, 0.0, "low"), (-0.5, 0.25, "low"), (0.6, 1.0, "high"), (0.7, 0.9, "high"),
             (0.4, 0.0, "low"), (0.0, 1.0, "high"), (0.1, 0.6, "medium")]
    row = check_row("s", "stars", pairs)
    assert row["rated_comments"] == 7
    # 3 low-rated with clear sentiment (2 negative), 2 high-rated with clear sentiment (both positive)
    assert (row["low_rated_negative"], row["high_rated_positive"], row["agreement"]) == (0.667, 1.0, 0.8)
    assert 0 < row["spearman"] <= 1


def test_row_without_spread_has_no_correlation() -> None:
    row = check_row("s", "stars", [(0.5, 1.0, "high"), (0.6, 1.0, "high")])
    assert row["spearman"] is None and row["agreement"] == 1.0


@pytest.mark.slow
def test_sample_archive_reports_sentiment_against_ratings(tmp_path_factory: pytest.TempPathFactory) -> None:
    archive = sqlite_utils.Database(Path(build_sample_archive(tmp_path_factory)) / "archive.db")
    rows = {r["source"]: r for r in archive.table("sentiment_check").rows}
    rated = {r[0] for r in archive.execute("select distinct source from feedback where rating is not null")}
    assert rated <= set(rows) and "(all sources)" in rows
    overall = rows["(all sources)"]
    assert overall["rated_comments"] == archive.execute(
        "select count(*) from feedback where rating is not null and sentiment is not null").fetchone()[0]
    # the samples' complaints come with low scores and their praise with high ones
    assert overall["spearman"] > 0.3 and overall["agreement"] > 0.75, overall


def _scipy_row(pairs: list[tuple[float, float, str | None]]) -> tuple[float, float]:
    from scipy.stats import spearmanr

    result = spearmanr([p[0] for p in pairs], [p[1] for p in pairs])
    return float(result.statistic), float(result.pvalue)


@pytest.mark.parametrize(("seed", "n", "sentiments", "ratings"), [
    (1, 7, 5, 3),  # a handful of comments, heavy ties
    (2, 200, 40, 11),  # an NPS-like scale
    (3, 5_000, 2_001, 5),  # stars, sentiments to 3 decimals
    (4, 3, 3, 3),  # the smallest sample with a figure
    (5, 1_000, 20_001, 2),  # two ratings, sentiments to 4 decimals (the published precision)
])
def test_spearman_from_counts_is_scipys(seed: int, n: int, sentiments: int, ratings: int) -> None:
    import random

    from feedback.insights.sentiment_check import spearman

    rng = random.Random(seed)
    pairs = []
    for _ in range(n):
        rating = rng.randrange(ratings) / (ratings - 1)
        level = rng.randrange(sentiments)
        # sentiment leaning with the rating, on a grid of `sentiments` values in [-1, 1]
        s = round(min(sentiments - 1, max(0, level // 2 + int(rating * sentiments / 2))) * 2 / (sentiments - 1) - 1, 4)
        pairs.append((s, rating, None))
    if len({p[0] for p in pairs}) < 2:
        pairs.append((1.0, 0.0, None))
    found = spearman(Counter((s, r) for s, r, _ in pairs))
    assert found is not None
    rho, p = _scipy_row(pairs)
    assert found[0] == pytest.approx(rho, rel=1e-12, abs=1e-15)
    assert found[1] == pytest.approx(p, rel=1e-9, abs=1e-300)
    row = check_row("s", "stars", pairs)
    assert (row["spearman"], row["p_value"]) == (round(rho, 3), float(f"{p:.3g}"))


def test_spearman_of_a_perfect_and_a_reversed_order() -> None:
    from feedback.insights.sentiment_check import spearman

    assert spearman(Counter({(0.1, 0.0): 2, (0.5, 0.5): 1, (0.9, 1.0): 3})) == (1.0, 0.0)
    rho, p = spearman(Counter({(0.1, 1.0): 1, (0.5, 0.5): 1, (0.9, 0.0): 1, (0.95, 0.0): 1}))
    assert (rho, p) == pytest.approx(_scipy_row([(0.1, 1.0, None), (0.5, 0.5, None), (0.9, 0.0, None),
                                                 (0.95, 0.0, None)]), rel=1e-12)
    assert spearman(Counter({(0.1, 1.0): 5})) is None and spearman(Counter({(0.1, 1.0): 1, (0.2, 0.0): 1})) is None
