"""The themes extension's incremental publish: what changed in themes, feedback_themes, segments.

``themes``, ``theme_history`` and ``theme_sections`` are small and recomputed (the representatives' texts are
looked up by id, not read for every segment); ``feedback_themes`` and ``segments`` are
updated for the comments that changed only (see :mod:`feedback.publish_delta`).
"""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from feedback.publish_delta import IncrementalExtension, TableUpdate, holds
from feedback.publish_state import Changes
from feedback.themes.archive import _rows, archive_tables
from feedback.themes.sections import SECTION_COLUMN, archive_rows
from feedback.themes.sentiment_corrections import ARCHIVE_COLUMN as CORRECTED
from feedback.warehouse.sql import chunks, marks


def theme_rows(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    themes = _rows(
        db,
        f"""select id, label, keywords, parent_id, size, sentiment, first_seen, last_seen, is_new,
                  comments, level, label_pinned, created_at, representatives, {SECTION_COLUMN}
           from themes where status in ('active', 'parent') order by id""",
    )
    wanted = sorted({r for row in themes for r in json.loads(row["representatives"] or "[]")})
    texts: dict[str, str] = {}
    for part in chunks(wanted):
        texts.update(db.execute(f"select id, text from theme_segments where theme_id is not null and id in"
                                f" ({marks(len(part))})", part).fetchall())
    for row in themes:
        reps = json.loads(row.pop("representatives") or "[]")
        row["representative_comments"] = json.dumps([texts[r] for r in reps if r in texts], ensure_ascii=False)
        row["size"] = row["size"] or 0
        row["is_new"] = row["is_new"] or 0
    return themes


def _for_items(db: sqlite_utils.Database, sql: str, items: set[str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for part in chunks(sorted(items)):
        out.extend(_query(db, sql.format(marks=marks(len(part))), part))
    return out


def _query(db: sqlite_utils.Database, sql: str, params: list[str]) -> list[dict[str, Any]]:
    cursor = db.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


HISTORY_SQL = "select id, at, theme_id, event, label, size, details from theme_history order by id"


def theme_delta(db: sqlite_utils.Database, archive: sqlite_utils.Database, changes: Changes) -> dict[str, TableUpdate]:
    items = changes.items
    feedback_themes = _for_items(
        db,
        """select s.item_id as feedback_id, s.theme_id, round(max(max(s.score, 0.0)), 4) as score,
                  count(*) as segments
           from theme_segments s join themes t on t.id = s.theme_id and t.status = 'active'
           where s.item_id in ({marks}) group by s.item_id, s.theme_id""",
        items,
    )
    segments = _for_items(
        db,
        "select s.id, s.item_id as feedback_id, s.seq, s.text, s.theme_id, s.score, s.sentiment, " + CORRECTED
        + " from theme_segments s where s.text != '' and s.item_id in ({marks})",
        items,
    )
    return {
        "themes": TableUpdate.replace(theme_rows(db)),
        "feedback_themes": TableUpdate.keyed({"feedback_id": items}, feedback_themes),
        "segments": TableUpdate.keyed({"feedback_id": items}, segments),
        "theme_history": TableUpdate.replace(_rows(db, HISTORY_SQL)),
        "theme_sections": TableUpdate.replace(archive_rows(db)),
    }


def themes_current(db: sqlite_utils.Database, archive: sqlite_utils.Database, changes: Changes) -> bool:
    """With no comment changed, the archive's tables still hold when its themes (labels, sizes:
    a staff rename is not logged as a change) and their history are the warehouse's."""
    return (holds(archive, "themes", theme_rows(db)) and holds(archive, "theme_history", _rows(db, HISTORY_SQL))
            and holds(archive, "theme_sections", archive_rows(db)))


THEME_TABLES = IncrementalExtension(full=archive_tables, delta=theme_delta,
                                    tables=("themes", "feedback_themes", "segments", "theme_history",
                                            "theme_sections"),
                                    current=themes_current)
