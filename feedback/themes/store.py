"""Warehouse reads and writes of the theme engine: segments, vectors, theme rows, history."""

from __future__ import annotations

import json
import logging
from typing import Any

import numpy as np
import sqlite_utils

from feedback.embed import (
    SupportsEmbed,
    ensure_embeddings,
    from_blobs,
    load_embeddings,
    text_hash,
    to_blob,
)
from feedback.text import segments as nlp
from feedback.text.sentiment import sentiment as vader
from feedback.warehouse import now_iso
from feedback.warehouse.sql import chunks, marks

log = logging.getLogger(__name__)


def segment_new(db: sqlite_utils.Database) -> int:
    """Cut processed comments that have no segments yet (or whose text changed) into segments."""
    rows = db.execute(
        """
        select p.item_id, p.text_hash, coalesce(nullif(trim(p.text), ''), p.title, ''), p.language
        from processed p
        where not exists (select 1 from theme_segments s
                          where s.item_id = p.item_id and s.source_hash is p.text_hash)
        order by p.item_id
        """
    ).fetchall()
    if not rows:
        return 0
    stamp = now_iso()
    records = []
    segmented = nlp.segment_many(row[2] for row in rows)
    for (item_id, source_hash, _, language), segments in zip(rows, segmented, strict=True):
        # A comment with no text gets one empty, unthemable segment: it is not read again.
        for seg in segments or [nlp.Segment(0, "", "")]:
            records.append(
                (
                    f"{item_id}:{seg.seq}", item_id, seg.seq, source_hash, seg.text,
                    text_hash(seg.clean), int(nlp.is_themable(seg.clean)), language,
                    vader(seg.text, language) if language in (None, "en") else None, stamp,
                )
            )
    with db.atomic():
        for part in chunks(r[0] for r in rows):
            db.execute(f"delete from theme_segments where item_id in ({marks(len(part))})", part)
        db.conn.executemany(
            "insert into theme_segments (id, item_id, seq, source_hash, text, text_hash, themable,"
            " language, sentiment, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            records,
        )
    log.info("segmented %d comments into %d segments", len(rows), len(records))
    return len(records)


def embed_pending(db: sqlite_utils.Database, embedder: SupportsEmbed) -> int:
    """Embed the cleaned text of every themable segment that has no vector for this model."""
    texts: dict[str, str] = {}
    for (text,) in db.execute(
        """select s.text from theme_segments s where s.themable = 1 and not exists
           (select 1 from embeddings e where e.text_hash = s.text_hash and e.model = ?
            and e.model_version = ?)""",
        [embedder.name, embedder.version],
    ):
        clean = nlp.clean_for_embedding(text)
        texts[text_hash(clean)] = clean
    return ensure_embeddings(db, texts, embedder)


def segment_vectors(
    db: sqlite_utils.Database, embedder: SupportsEmbed, where: str = "1", params: list[Any] | None = None
) -> tuple[list[str], list[str], np.ndarray]:
    """(segment ids, text hashes, vectors) of the themable segments matching ``where``."""
    rows = db.execute(
        f"""select s.id, s.text_hash, e.vector from theme_segments s
            join embeddings e on e.text_hash = s.text_hash and e.model = ? and e.model_version = ?
            where s.themable = 1 and ({where}) order by s.id""",
        [embedder.name, embedder.version, *(params or [])],
    ).fetchall()
    ids = [r[0] for r in rows]
    hashes = [r[1] for r in rows]
    return ids, hashes, from_blobs((r[2] for r in rows), dim=None)


def theme_rows(db: sqlite_utils.Database, statuses: tuple[str, ...] = ("active",)) -> list[dict[str, Any]]:
    cursor = db.execute(
        f"select * from themes where status in ({marks(len(statuses))}) order by id", list(statuses)
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


def centroid_matrix(rows: list[dict[str, Any]]) -> np.ndarray:
    return from_blobs(r["centroid"] for r in rows)


def next_theme_id(db: sqlite_utils.Database) -> int:
    row = db.execute("select coalesce(max(id), 0) from themes").fetchone()
    return int(row[0]) + 1


def history(db: sqlite_utils.Database, run: str, theme_id: int, event: str, label: str | None,
            size: int | None, **details: Any) -> None:
    db.execute(
        "insert into theme_history (at, run, theme_id, event, label, size, details) values (?, ?, ?, ?, ?, ?, ?)",
        [now_iso(), run, theme_id, event, label, size, json.dumps(details, sort_keys=True, default=str)],
    )


def write_assignment(db: sqlite_utils.Database, ids: list[str], themes: list[int | None],
                     scores: list[float], stamp: str) -> None:
    db.conn.executemany(
        "update theme_segments set theme_id = ?, score = ?, assigned_at = ? where id = ?",
        [(t, round(float(s), 4), stamp, i) for i, t, s in zip(ids, themes, scores, strict=True)],
    )


def refresh_theme_stats(db: sqlite_utils.Database, embedder: SupportsEmbed | None = None) -> None:
    """Size, comments, sentiment, last_seen and representatives of every active and parent theme."""
    stamp = now_iso()
    db.execute(
        """
        update themes set
          size = (select count(*) from theme_segments s where s.theme_id = themes.id),
          comments = (select count(distinct s.item_id) from theme_segments s where s.theme_id = themes.id),
          sentiment = (select round(avg(s.sentiment), 4) from theme_segments s where s.theme_id = themes.id),
          last_seen = coalesce((select max(i.received_at) from theme_segments s join items i on i.id = s.item_id
                                where s.theme_id = themes.id), last_seen),
          updated_at = ?
        where status = 'active'
        """,
        [stamp],
    )
    db.execute(
        """
        update themes set
          size = (select coalesce(sum(c.size), 0) from themes c where c.parent_id = themes.id and c.status = 'active'),
          comments = (select count(distinct s.item_id) from theme_segments s join themes c on c.id = s.theme_id
                      where c.parent_id = themes.id and c.status = 'active'),
          sentiment = (select round(avg(s.sentiment), 4) from theme_segments s join themes c on c.id = s.theme_id
                       where c.parent_id = themes.id and c.status = 'active'),
          last_seen = (select max(c.last_seen) from themes c where c.parent_id = themes.id and c.status = 'active'),
          updated_at = ?
        where status = 'parent'
        """,
        [stamp],
    )
    for theme_id in [r[0] for r in db.execute("select id from themes where status = 'active'")]:
        reps = [
            r[0]
            for r in db.execute(
                """select min(id) from theme_segments where theme_id = ?
                   group by text_hash order by max(score) desc, min(id) limit 3""",
                [theme_id],
            )
        ]
        db.execute("update themes set representatives = ? where id = ?", [json.dumps(reps), theme_id])


def member_centroid(db: sqlite_utils.Database, theme_id: int, name: str, version: str) -> np.ndarray | None:
    hashes = [r[0] for r in db.execute("select text_hash from theme_segments where theme_id = ?", [theme_id])]
    if not hashes:
        return None
    vectors = load_embeddings(db, hashes, name, version)
    mean = vectors.mean(axis=0)
    return (mean / (np.linalg.norm(mean) or 1.0)).astype(np.float32)


def set_state(db: sqlite_utils.Database, key: str, value: Any) -> None:
    db.execute(
        "insert into theme_state (key, value, updated_at) values (?, ?, ?)"
        " on conflict(key) do update set value = excluded.value, updated_at = excluded.updated_at",
        [key, json.dumps(value, sort_keys=True, default=str), now_iso()],
    )


def get_state(db: sqlite_utils.Database, key: str) -> Any:
    row = db.execute("select value from theme_state where key = ?", [key]).fetchone()
    return json.loads(row[0]) if row else None


__all__ = ["ensure_embeddings", "to_blob"]
