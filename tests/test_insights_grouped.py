"""The statistics over every comment (theme_sources, score_drivers by SQL group-bys) and the
promise matching in batches give the figures the per-comment definitions give."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sqlite_utils

from feedback.insights.comments import comment_themes, comments, theme_info
from feedback.insights.grouped import driver_rows, source_rows
from feedback.insights.promises import match_promises
from feedback.insights.stats import score_drivers
from feedback.insights.tables import theme_rows
from feedback.ratings import band_points
from feedback.warehouse import open_warehouse

# (id, source, received_at, customer, rating, scale, sentiment, themes of its segments)
COMMENTS: list[tuple[str, str, str | None, str | None, float | None, str | None, float | None, list[int | None]]] = [
    ("a", "nps", "2026-03-02T10:00:00Z", "c1", 0.2, "nps", 0.5, [1, 2]),  # detractor: a complaint
    ("b", "nps", "2026-03-02T10:00:00Z", "c1", 0.9, "nps", -0.3, [3]),  # same response as a: a's points count
    ("c", "nps", "2026-03-03T10:00:00Z", "c2", 0.9, "nps", 0.1, [1]),
    ("d", "nps", "2026-03-04T10:00:00Z", None, 0.7, "nps", None, [1, 1]),
    ("e", "nps", "2026-03-04T10:00:00Z", None, 1.0, "nps", 0.04, [2]),  # same response as d (no customer)
    ("f", "nps", "2026-03-05T10:00:00Z", "c3", 0.0, "nps", -0.9, [1]),
    ("g", "nps", "2026-03-06T10:00:00Z", "c4", 1.0, "nps", 0.3, [2]),
    ("h", "nps", "2026-03-07T10:00:00Z", "c5", 0.6, "nps", 0.2, [None]),
    ("i", "csat", "2026-03-02T11:00:00Z", "c1", 1.0, "csat", 0.7, [1]),
    ("j", "csat", "2026-03-02T12:00:00Z", "c2", 0.25, "csat", -0.05, [1, 4]),  # 4: retired, not counted
    ("k", "csat", "2026-03-02T13:00:00Z", "c3", 0.75, "csat", 0.0, [2]),
    ("l", "csat", "2026-03-02T14:00:00Z", "c4", 0.5, "csat", 0.1, [1]),
    ("m", "csat", "2026-03-02T15:00:00Z", "c5", 1.0, "csat", 0.6, []),
    ("n", "mail", "2026-03-02T16:00:00Z", "c6", None, None, -0.2, [2]),  # no rating: no score
    ("o", "reviews", "2026-03-02T17:00:00Z", "c7", 0.5, "1-5", 0.3, [1]),  # a scale without a headline score
]
THEMES = [(1, "active", 10), (2, "active", 10), (3, "active", None), (4, "retired", None), (10, "parent", None)]


@pytest.fixture
def warehouse(tmp_path: Path) -> sqlite_utils.Database:
    db = open_warehouse(tmp_path / "warehouse.db")
    for theme, status, parent in THEMES:
        db.table("themes").insert({"id": theme, "label": f"t{theme}", "status": status, "parent_id": parent})
    for n, (item, source, at, customer, rating, scale, sentiment, themes) in enumerate(COMMENTS):
        db.table("items").insert({"id": item, "source": source, "channel": "email" if source == "mail" else "survey",
                                  "local_id": str(n), "received_at": at, "customer": customer, "rating": rating,
                                  "rating_scale": scale, "text": item})
        db.table("processed").insert({"item_id": item, "text": item, "sentiment": sentiment})
        for seq, theme in enumerate(themes):
            db.table("theme_segments").insert({"id": f"{item}:{seq}", "item_id": item, "seq": seq, "text": item,
                                               "themable": 1, "theme_id": theme})
    db.table("items").insert({"id": "z", "source": "nps", "channel": "survey", "local_id": "z", "rating": 0.0,
                              "rating_scale": "nps", "text": "not processed: not published"})
    return db


def _sorted(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: sorted((k, str(v)) for k, v in r.items()))


def test_theme_sources_count_each_comment_once_per_theme_and_parent(warehouse: sqlite_utils.Database) -> None:
    rows = {(r["theme_id"], r["source"]): r for r in source_rows(warehouse)}
    assert rows[(1, "nps")] == {"theme_id": 1, "channel": "survey", "source": "nps", "comments": 4, "negative": 2,
                                "sentiment": round((0.5 + 0.1 - 0.9) / 3, 4)}  # a, c, d (no sentiment), f
    assert rows[(10, "nps")]["comments"] == 6  # the parent: a (themes 1 and 2) once, c, d, e, f, g
    assert rows[(1, "csat")]["negative"] == 1  # j (low, -0.05); not i (high), nor l (medium, 0.1)
    assert (4, "csat") not in rows and (3, "nps") in rows
    assert rows[(2, "mail")] == {"theme_id": 2, "channel": "email", "source": "mail", "comments": 1, "negative": 1,
                                 "sentiment": -0.2}
    # what the per-comment definition (feedback.insights.tables.theme_rows) gives
    expected = theme_rows(comments(warehouse), comment_themes(warehouse), theme_info(warehouse))[1]
    assert source_rows(warehouse) == expected


def test_score_drivers_count_a_response_once_with_its_first_comments_points(warehouse: sqlite_utils.Database) -> None:
    rows = {(r["source"], r["theme_id"]): r for r in driver_rows(warehouse) if r["level"] == 0}
    # nps responses: (a+b) -100 {1,2,3}, c +100 {1}, (d+e) 0 {1,2}, f -100 {1}, g +100 {2}, h -100 {}
    nps = rows[("nps", 1)]
    assert (nps["responses"], nps["theme_responses"], nps["score"]) == (6, 4, round(-100 / 6, 1))
    assert (nps["score_with_theme"], nps["score_without_theme"]) == (-25.0, 0.0)
    assert nps["points"] == round(4 / 6 * (0.0 - -25.0), 2)
    assert rows[("nps", 2)]["theme_responses"] == 3 and ("nps", 3) not in rows  # theme 3: one response
    assert rows[("csat", 1)]["score_name"] == "CSAT (% satisfied)" and rows[("csat", 1)]["responses"] == 5
    assert {s for s, _ in rows} == {"nps", "csat"}  # no rating, or a scale without a headline score: none
    # the per-response definition (feedback.insights.stats.score_drivers) over the same responses
    responses = {"nps": [(-100.0, frozenset({1, 2, 3})), (100.0, frozenset({1})), (0.0, frozenset({1, 2})),
                         (-100.0, frozenset({1})), (100.0, frozenset({2})), (-100.0, frozenset())]}
    expected = [(d.theme_id, round(d.points, 2)) for d in score_drivers(responses["nps"])]
    assert [(r["theme_id"], r["points"]) for r in driver_rows(warehouse)
            if r["source"] == "nps" and r["level"] == 0] == expected
    assert band_points("low", "nps") == -100.0


def test_a_group_counts_a_response_once_whichever_of_its_themes_it_raises(warehouse: sqlite_utils.Database) -> None:
    groups = [r for r in driver_rows(warehouse) if r["level"] == 1]
    # group 10 (themes 1 and 2): nps responses a+b (themes 1, 2: once) -100, c +100, d+e (1, 2: once) 0, f -100,
    # g +100; not h -100. Its sub-themes' 4 + 3 responses are 5 here.
    # csat: i 100, j 0, k 100, l 0 carry 1 or 2 (j's retired theme 4 counts for nothing); not m 100
    assert groups == [
        {"source": "csat", "score_name": "CSAT (% satisfied)", "level": 1, "rank": 1, "theme_id": 10, "responses": 5,
         "theme_responses": 4, "score": 60.0, "score_with_theme": 50.0, "score_without_theme": 100.0,
         "points": 40.0, "points_low": None, "points_high": None},
        {"source": "nps", "score_name": "NPS", "level": 1, "rank": 1, "theme_id": 10, "responses": 6,
         "theme_responses": 5, "score": -16.7, "score_with_theme": 0.0, "score_without_theme": -100.0,
         "points": -83.33, "points_low": None, "points_high": None},  # one response without: no interval
    ]
    # the per-response definition, the group standing for its themes
    nps = [(-100.0, frozenset({10, 3})), (100.0, frozenset({10})), (0.0, frozenset({10})), (-100.0, frozenset({10})),
           (100.0, frozenset({10})), (-100.0, frozenset())]
    assert [(d.theme_id, round(d.points, 2)) for d in score_drivers(nps)] == [(10, -83.33)]


def test_grouped_tables_without_themes_are_empty(tmp_path: Path) -> None:
    db = sqlite_utils.Database(tmp_path / "bare.db")
    db.table("items").insert({"id": "a"})
    assert source_rows(db) == [] and driver_rows(db) == []


def _segments(vectors: np.ndarray, items: list[str]) -> list[tuple[str, str, float | None, bytes]]:
    return [(f"{item}:{n}", item, 0.1 * n, v.astype(np.float32).tobytes())
            for n, (item, v) in enumerate(zip(items, vectors, strict=True))]


def test_promise_matches_do_not_depend_on_the_batches() -> None:
    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((300, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    promises = vectors[[5, 77]] * 0.9 + rng.standard_normal((2, 16)).astype(np.float32) * 0.05
    items = [f"c{n // 3}" for n in range(300)]
    once = match_promises(_segments(vectors, items), promises, [0.3, 0.3], batch=1000)
    assert once == match_promises(_segments(vectors, items), promises, [0.3, 0.3], batch=7)
    assert once[0]["c1"].segment_id == "c1:5" and once[1]["c25"].segment_id == "c25:77"
    assert all(m.similarity >= 0.3 for found in once for m in found.values())


def test_promise_match_keeps_the_first_of_equal_segments_and_the_threshold() -> None:
    vectors = np.array([[0.6, 0.8], [0.6, 0.8], [1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    found = match_promises(_segments(vectors, ["a", "a", "b", "c"]), np.array([[0.6, 0.8]]), [0.8], batch=1)
    assert {k: m.segment_id for k, m in found[0].items()} == {"a": "a:0", "c": "c:3"}  # b: 0.6 < 0.8
    assert found[0]["c"].similarity == pytest.approx(0.8) and found[0]["a"].sentiment == 0.0


def test_a_segment_clearly_nearer_another_promise_does_not_mention_this_one() -> None:
    # promise 0 along x, promise 1 along y; unit segments at 60, 45 and 40 degrees from x
    angles = np.radians([60.0, 45.0, 40.0, 10.0])
    vectors = np.stack([np.cos(angles), np.sin(angles)], axis=1).astype(np.float32)
    promises = np.array([[1.0, 0.0], [0.0, 1.0]])
    found = match_promises(_segments(vectors, ["a", "b", "c", "d"]), promises, [0.5, 0.5], batch=2)
    # a: cos 0.50 to x, 0.87 to y: y nearer by 0.37, so not x's; b: 0.707 to both: both; c: 0.766 / 0.643:
    # x nearer by 0.12, so not y's though above its threshold; d: 0.98 / 0.17
    assert sorted(found[0]) == ["b", "c", "d"]
    assert sorted(found[1]) == ["a", "b"]


@pytest.mark.slow
def test_a_late_delivery_mentions_the_slot_not_the_two_days(embedder: Any) -> None:
    promises = ["Your groceries are delivered within 2 days", "Your delivery arrives in the time slot you booked"]
    # cosines with the real model: 0.535 / 0.657 and 0.834 / 0.499 (bench/RESULTS.md, 2026-12-03)
    texts = ["The delivery came 2 hours late", "It took five days for my groceries to be delivered"]
    vectors = embedder.encode(texts)
    found = match_promises(_segments(np.asarray(vectors), ["late", "days"]), np.asarray(embedder.encode(promises)),
                           [0.5, 0.5])
    assert sorted(found[0]) == ["days"] and sorted(found[1]) == ["late"]
