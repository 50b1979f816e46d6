"""The archive tells staff whether the sentiment they read is tuned to their own ratings (sentiment_calibration)."""

from __future__ import annotations

from pathlib import Path

import sqlite_utils

from feedback.insights import calibration_table
from feedback.publish import publish
from feedback.text.sentiment_model import load_head
from tests.themes_fixtures import new_warehouse

FIGURES = {"fitted_at": "2026-12-03T10:00:00Z", "rated": 1865, "comments": 1514, "scale": 1.0, "bias": "[0.26, 0, -0.06]",
           "dim": 384, "delta": None, "checked": 351, "spearman_before": 0.604, "spearman_after": 0.682,
           "f1_before": 0.703, "f1_after": 0.791, "anchors_before": 0.844, "anchors_after": 0.825, "applied": 1}


def test_the_current_heads_calibration_is_published_with_names_a_reader_understands(tmp_path: Path) -> None:
    db = new_warehouse(tmp_path / "w.db")
    head = load_head().version
    db["sentiment_calibration"].insert_all([{"head": head, **FIGURES}, {"head": "an-older-head", **FIGURES}])
    target = tmp_path / "archive.db"
    publish(db, target, extensions=[calibration_table.archive_tables], full=True)
    archive = sqlite_utils.Database(target)
    assert list(archive["sentiment_calibration"].rows) == [{
        "head": head, "fitted_at": "2026-12-03T10:00:00Z", "applied": 1, "fitted_on": 1514, "checked_on": 351,
        "spearman_shipped": 0.604, "spearman_calibrated": 0.682, "binary_f1_shipped": 0.703,
        "binary_f1_calibrated": 0.791, "plain_sentences_shipped": 0.844, "plain_sentences_calibrated": 0.825}]
    assert calibration_table.archive_tables.current is not None
    assert calibration_table.archive_tables.current(db, archive, None)  # nothing to publish again
    # refitted and not applied: the next publish says so
    db.execute("update sentiment_calibration set applied = 0, spearman_after = 0.6 where head = ?", [head])
    assert not calibration_table.archive_tables.current(db, archive, None)
    archive.close()
    publish(db, target, extensions=[calibration_table.archive_tables])
    row = next(sqlite_utils.Database(target)["sentiment_calibration"].rows)
    assert (row["applied"], row["spearman_calibrated"]) == (0, 0.6)


def test_without_a_calibration_there_is_no_table(tmp_path: Path) -> None:
    db = new_warehouse(tmp_path / "w.db")
    target = tmp_path / "archive.db"
    publish(db, target, extensions=[calibration_table.archive_tables], full=True)
    archive = sqlite_utils.Database(target)
    assert "sentiment_calibration" not in archive.table_names()
    assert calibration_table.archive_tables.current(db, archive, None)  # type: ignore[misc]
