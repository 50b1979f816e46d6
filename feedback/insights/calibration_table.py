"""The archive's ``sentiment_calibration``: is the sentiment staff read tuned to the company's own ratings?

Once enough rated comments are in, the theme stage fits a calibration of the sentiment head on them
(:mod:`feedback.themes.segment_sentiment`) and applies it only when it ranks the fifth it never saw
closer to the ratings and still reads plain sentences as the shipped head does. The warehouse keeps
that decision with its figures; this publishes them for the current head, one row, with names a
reader understands. No comment text, no customer: counts and figures only. Without a calibration
(too few rated comments) the table is absent.
"""

from __future__ import annotations

from typing import Any

import sqlite_utils

from feedback.publish_delta import IncrementalExtension, TableUpdate, holds
from feedback.text.sentiment_model import load_head

TABLE = "sentiment_calibration"
# warehouse column -> archive column
COLUMNS = {
    "head": "head", "fitted_at": "fitted_at", "applied": "applied", "comments": "fitted_on", "checked": "checked_on",
    "spearman_before": "spearman_shipped", "spearman_after": "spearman_calibrated",
    "f1_before": "binary_f1_shipped", "f1_after": "binary_f1_calibrated",
    "anchors_before": "plain_sentences_shipped", "anchors_after": "plain_sentences_calibrated",
}


def calibration_rows(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """The current head's calibration as the archive shows it (none: an empty list)."""
    if TABLE not in db.table_names():
        return []
    found = db.execute(f"select {', '.join(COLUMNS)} from {TABLE} where head = ?", [load_head().version]).fetchall()
    return [dict(zip(COLUMNS.values(), row, strict=True)) for row in found]


def _full(db: sqlite_utils.Database) -> dict[str, list[dict[str, Any]]]:
    return {TABLE: calibration_rows(db)}


def _delta(db: sqlite_utils.Database, archive: sqlite_utils.Database, changes: Any) -> dict[str, TableUpdate]:
    return {TABLE: TableUpdate.replace(calibration_rows(db))}


def _current(db: sqlite_utils.Database, archive: sqlite_utils.Database, changes: Any) -> bool:
    return holds(archive, TABLE, calibration_rows(db), key="head")


archive_tables = IncrementalExtension(full=_full, delta=_delta, tables=(TABLE,), current=_current)
