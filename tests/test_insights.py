"""The decisions behind the staff pages, table-driven: weeks, trend tests, FDR, drivers, fusion, promises."""

from __future__ import annotations

import numpy as np
import pytest

from feedback.insights.promises import best_mentions, promise_status
from feedback.insights.stats import (
    benjamini_hochberg,
    binomial_two_sided,
    hours_between,
    is_negative,
    score_drivers,
    share_test,
    trend_label,
    week_of,
    weeks_back,
)
from feedback.serve.search import VectorIndex, rrf


@pytest.mark.parametrize(
    ("timestamp", "week"),
    [
        ("2026-11-22T22:00:00Z", "2026-11-16"),  # a Sunday belongs to the week that began on Monday
        ("2026-11-16T00:00:00Z", "2026-11-16"),
        ("2026-01-01T09:00:00Z", "2025-12-29"),  # the week crosses the year
        (None, None),
        ("", None),
    ],
)
def test_week_of_is_the_monday(timestamp: str | None, week: str | None) -> None:
    assert week_of(timestamp) == week


def test_weeks_back() -> None:
    assert weeks_back("2026-11-16", 3) == "2026-10-26"


@pytest.mark.parametrize(
    ("sentiment", "band", "negative"),
    [(-0.5, None, True), (-0.05, None, True), (0.0, None, False), (0.6, "low", True), (None, "high", False),
     (None, None, False)],
)
def test_is_negative(sentiment: float | None, band: str | None, negative: bool) -> None:
    assert is_negative(sentiment, band) is negative


@pytest.mark.parametrize(
    ("k", "n", "p", "expected"),
    [
        (5, 10, 0.5, 1.0),
        (0, 10, 0.5, 0.001953125),  # 2 x 0.5^10
        (10, 10, 0.5, 0.001953125),
        (3, 20, 0.25, 0.43937),  # scipy.stats.binomtest(3, 20, 0.25).pvalue
        (0, 0, 0.3, 1.0),
    ],
)
def test_binomial_two_sided_matches_the_exact_test(k: int, n: int, p: float, expected: float) -> None:
    assert binomial_two_sided(k, n, p) == pytest.approx(expected, abs=1e-4)


def test_binomial_agrees_with_scipy_over_a_grid() -> None:
    from scipy import stats as scipy_stats  # installed with scikit-learn (the theme engine's)
    for n in (1, 7, 30, 120):
        for k in range(0, n + 1, max(1, n // 6)):
            for p in (0.05, 0.3, 0.5, 0.8):
                assert binomial_two_sided(k, n, p) == pytest.approx(scipy_stats.binomtest(k, n, p).pvalue, rel=1e-6)


def test_benjamini_hochberg() -> None:
    # R: p.adjust(c(0.01, 0.04, 0.03, 0.2), "BH") = 0.04 0.0533 0.0533 0.2
    assert benjamini_hochberg([0.01, 0.04, 0.03, 0.2]) == pytest.approx([0.04, 0.16 / 3, 0.16 / 3, 0.2])
    assert benjamini_hochberg([]) == []


@pytest.mark.parametrize(
    ("recent", "baseline", "recent_total", "baseline_total", "trend"),
    [
        (40, 30, 400, 1200, "emerging"),  # 10 % of comments now, 2.5 % before
        (2, 120, 400, 1200, "declining"),  # 0.5 % now, 10 % before
        (10, 30, 400, 1200, "stable"),  # the same share
        (6, 0, 400, 1200, "emerging"),  # new: nothing before
        (1, 0, 400, 1200, "stable"),  # one comment is no trend
    ],
)
def test_trend_label(recent: int, baseline: int, recent_total: int, baseline_total: int, trend: str) -> None:
    test = share_test(recent, baseline, recent_total, baseline_total)
    assert trend_label(test, test.p_value) == trend


def test_trend_ratio_is_a_ratio_of_shares() -> None:
    test = share_test(40, 30, 400, 1200)
    assert test.ratio == pytest.approx(0.1 / 0.025)
    assert share_test(3, 0, 100, 100).ratio is None


def test_score_drivers_points_gained_if_a_themes_complaints_disappeared() -> None:
    # 10 NPS responses: 4 raise theme 1 (all detractors), 6 do not (3 promoters, 3 passives).
    responses = [(-100.0, frozenset({1}))] * 4 + [(100.0, frozenset({2}))] * 3 + [(0.0, frozenset())] * 3
    drivers = {d.theme_id: d for d in score_drivers(responses)}
    assert drivers[1].score == -10.0  # NPS now: 30 % promoters - 40 % detractors
    assert drivers[1].score_with == -100.0
    assert drivers[1].score_without == 50.0
    assert drivers[1].points == pytest.approx(0.4 * 150)  # -10 -> 50 if they scored like the others
    assert drivers[2].points == pytest.approx(0.3 * (-400 / 7 - 100))  # a strength: negative
    assert [d.theme_id for d in score_drivers(responses)] == [1, 2]


def test_score_drivers_leave_out_rare_and_universal_themes() -> None:
    responses = [(100.0, frozenset({1, 9}))] * 2 + [(0.0, frozenset({9}))] * 5
    assert score_drivers(responses) == []  # theme 1 has 2 responses (< 3), theme 9 is in every response


def test_rrf_rewards_agreement() -> None:
    fused = rrf([[1, 2, 3], [3, 4, 1]])
    assert [item for item, _ in fused][:2] == [1, 3]
    assert fused[0][1] == pytest.approx(1 / 61 + 1 / 63)
    assert rrf([]) == []


def test_vector_index_returns_the_nearest_first() -> None:
    matrix = np.eye(4, dtype=np.float32)
    index = VectorIndex(np.array([10, 11, 12, 13]), matrix, "m", "v", (0, 0, 0))
    query = np.array([0.1, 0.9, 0.4, 0.0], dtype=np.float32)
    rowids, scores = index.top(query, 3)
    assert rowids.tolist() == [11, 12, 10]
    assert scores.tolist() == pytest.approx([0.9, 0.4, 0.1])


def test_best_mentions_keep_the_closest_point_per_comment() -> None:
    matrix = np.array([[1, 0], [0.8, 0.6], [0, 1], [0.6, 0.8]], dtype=np.float32)
    items = ["a", "a", "b", "c"]
    found = best_mentions(items, matrix, np.array([1, 0], dtype=np.float32), threshold=0.5)
    assert found == {"a": (0, 1.0), "c": (3, pytest.approx(0.6))}


@pytest.mark.parametrize(("comments", "negative", "status"), [(0, 0, "silent"), (4, 4, "silent"), (5, 3, "broken"),
                                                              (10, 5, "broken"), (10, 4, "kept")])
def test_promise_status(comments: int, negative: int, status: str) -> None:
    assert promise_status(comments, negative) == status


def test_hours_between() -> None:
    assert hours_between("2026-11-20T10:00:00Z", "2026-11-21T12:30:00Z") == 26.5


def test_usual_gap_is_the_median_days_between_comments() -> None:
    from feedback.insights.tables import Comment, usual_gap_days

    def said(when: str | None) -> Comment:
        return Comment("i", "s", "survey", when, None, "c_1", None, None, -0.5)

    assert usual_gap_days([said("2026-01-01T00:00:00Z")]) is None
    assert usual_gap_days([said("2026-01-01T00:00:00Z"), said(None), said("2026-03-02T12:00:00Z"),
                           said("2026-03-12T12:00:00Z")]) == pytest.approx(35.25, abs=0.06)  # 60.5, 10 days
