"""Rows for the published archive: themes, feedback_themes, segments, theme_history, theme_sections.

Only redacted text leaves the warehouse: segment text is cut from ``processed.text``.
"""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from feedback.themes.sections import SECTION_COLUMN, archive_rows
from feedback.themes.sentiment_corrections import ARCHIVE_COLUMN as CORRECTED


def _rows(db: sqlite_utils.Database, sql: str) -> list[dict[str, Any]]:
    cursor = db.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


def archive_tables(db: sqlite_utils.Database) -> dict[str, list[dict[str, Any]]]:
    """{table: rows} for publish: themes, feedback_themes, segments, theme_history, theme_sections."""
    themes = _rows(
        db,
        f"""select id, label, keywords, parent_id, size, sentiment, first_seen, last_seen, is_new,
                  comments, level, label_pinned, created_at, representatives, {SECTION_COLUMN}
           from themes where status in ('active', 'parent') order by id""",
    )
    texts = dict(db.execute("select id, text from theme_segments where theme_id is not null").fetchall())
    for row in themes:
        reps = json.loads(row.pop("representatives") or "[]")
        row["representative_comments"] = json.dumps([texts[r] for r in reps if r in texts], ensure_ascii=False)
        row["size"] = row["size"] or 0
        row["is_new"] = row["is_new"] or 0
    feedback_themes = _rows(
        db,
        """select s.item_id as feedback_id, s.theme_id, round(max(max(s.score, 0.0)), 4) as score,
                  count(*) as segments
           from theme_segments s join themes t on t.id = s.theme_id and t.status = 'active'
           group by s.item_id, s.theme_id order by s.item_id, score desc""",
    )
    segments = _rows(
        db,
        f"""select s.id, s.item_id as feedback_id, s.seq, s.text, s.theme_id, s.score, s.sentiment, {CORRECTED}
           from theme_segments s where s.text != '' order by s.item_id, s.seq""",
    )
    history = _rows(db, "select id, at, theme_id, event, label, size, details from theme_history order by id")
    return {"themes": themes, "feedback_themes": feedback_themes, "segments": segments,
            "theme_history": history, "theme_sections": archive_rows(db, recount=True)}
