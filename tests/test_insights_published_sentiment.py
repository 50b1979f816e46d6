"""The insight tables (weekly volume, theme weeks and sources, customers) count a comment with
the sentiment the archive publishes for it (from its segments), not the process stage's own
score: the pages must not show a theme at -0.54 above a by-source table at -0.07."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlite_utils

from feedback.insights import sums
from feedback.insights.comments import comments
from feedback.insights.grouped import source_rows
from feedback.insights.incremental import comments_by
from feedback.text.sentiment_model import comment_score
from feedback.warehouse import open_warehouse

SEGMENTS = {"a": [-0.6, -0.4], "b": [0.3, None]}  # a: read positive by the process stage, negative by its points
PROCESSED = {"a": 0.5, "b": -0.2, "c": -0.3}  # c: no scored segments, so the process stage's score stands


@pytest.fixture
def warehouse(tmp_path: Path) -> sqlite_utils.Database:
    db = open_warehouse(tmp_path / "warehouse.db")
    db.table("themes").insert({"id": 1, "label": "Refund delays", "status": "active", "parent_id": None})
    for n, (item, sentiment) in enumerate(PROCESSED.items()):
        db.table("items").insert({"id": item, "source": "mail", "channel": "email", "local_id": str(n),
                                  "received_at": "2026-03-02T10:00:00Z", "customer": f"c{n}", "text": item})
        db.table("processed").insert({"item_id": item, "text": item, "text_hash": f"h{item}", "sentiment": sentiment})
        for seq, score in enumerate(SEGMENTS.get(item, [None])):
            db.table("theme_segments").insert({"id": f"{item}:{seq}", "item_id": item, "seq": seq, "text": item,
                                               "themable": 1, "theme_id": 1, "source_hash": f"h{item}",
                                               "sentiment": score})
    # a segment cut from an older text of the comment does not count
    db.table("theme_segments").insert({"id": "c:9", "item_id": "c", "seq": 9, "text": "c", "themable": 1,
                                       "theme_id": None, "source_hash": "old", "sentiment": 0.9})
    return db


def published() -> dict[str, float]:
    return {"a": comment_score([-0.6, -0.4]), "b": 0.3, "c": -0.3}


def test_comments_carry_the_published_sentiment(warehouse: sqlite_utils.Database) -> None:
    found = {c.id: c for c in comments(warehouse)}
    assert {k: c.sentiment for k, c in found.items()} == pytest.approx(published())
    assert found["a"].negative and not found["b"].negative and found["c"].negative
    assert {c.id: c.sentiment for c in comments_by(warehouse, "id", {"a", "b"})} == pytest.approx(
        {"a": published()["a"], "b": 0.3})


def test_theme_sources_and_the_sums_use_it(warehouse: sqlite_utils.Database) -> None:
    expected = published()
    mean = round((expected["a"] + expected["b"] + expected["c"]) / 3, 4)
    assert source_rows(warehouse) == [{"theme_id": 1, "channel": "email", "source": "mail", "comments": 3,
                                       "negative": 2, "sentiment": mean}]
    sums.rebuild(warehouse)
    volume = sums.rows(warehouse, "volume")
    assert [(r["comments"], r["negative"]) for r in volume] == [(3, 2)]
    (theme,) = sums.rows(warehouse, "theme_source")
    assert (theme["negative"], theme["sentiment"]) == (2, mean)
