"""Sentiment checked against ratings: the figures, and the table in the sample archive."""

from __future__ import annotations

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
