"""What the publish-time tables read from the warehouse: the published comments with their
week, band and sentiment, the themes each carries, and the comments' vectors."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import sqlite_utils

from feedback.insights.stats import complaint_by, is_negative, week_of
from feedback.ratings import rating_band
from feedback.text.sentiment_model import published_sentiment_sql

Rows = list[dict[str, Any]]


@dataclass(frozen=True)
class Comment:
    id: str
    source: str
    channel: str
    received_at: str | None
    week: str | None
    customer: str | None
    scale: str | None
    band: str | None
    sentiment: float | None

    @property
    def negative(self) -> bool:
        return is_negative(self.sentiment, self.band)

    @property
    def complaint_by(self) -> str | None:
        """"text", "rating" or None (:func:`feedback.insights.stats.complaint_by`)."""
        return complaint_by(self.sentiment, self.band)


def band_of(rating: Any, scale: str | None) -> str | None:
    """The band of a comment's stored rating (:func:`feedback.ratings.rating_band`); None when it
    has none, and when what is stored is no rating on 0-1 (not a number, or outside 0-1: ingestion
    refuses both, so only a warehouse changed by hand holds one): such a rating makes no complaint."""
    if isinstance(rating, bool) or not isinstance(rating, int | float) or not 0 <= rating <= 1:
        return None  # NaN too: it compares false
    return rating_band(float(rating), scale)


def comments(db: sqlite_utils.Database) -> list[Comment]:
    """The published comments (processed items), with what the aggregates need."""
    out = []
    for item_id, source, channel, received_at, customer, rating, scale, sentiment in db.execute(
        f"""select i.id, i.source, i.channel, i.received_at, i.customer, i.rating, i.rating_scale,
                   {published_sentiment_sql("p")} from items i join processed p on p.item_id = i.id"""
    ):
        out.append(Comment(item_id, source, channel, received_at, week_of(received_at), customer, scale,
                           band_of(rating, scale), sentiment))
    return out


def comment_themes(db: sqlite_utils.Database) -> dict[str, frozenset[int]]:
    """Active themes carried by each comment (as published in feedback_themes)."""
    found: dict[str, set[int]] = defaultdict(set)
    if "theme_segments" not in db.table_names():
        return {}
    for item_id, theme_id in db.execute(
        """select distinct s.item_id, s.theme_id from theme_segments s
           join themes t on t.id = s.theme_id and t.status = 'active'"""
    ):
        found[item_id].add(theme_id)
    return {k: frozenset(v) for k, v in found.items()}


def theme_info(db: sqlite_utils.Database) -> dict[int, dict[str, Any]]:
    """Per active theme and top-level group: its label, parent, status and section (a section of its own entry, as
    published: one an analyst's edit moved it out of since the fit is none)."""
    tables = db.table_names()
    if "themes" not in tables:
        return {}
    section = ("(select x.id from theme_sections x where x.id = t.section_id and x.parent_id = t.parent_id"
               " and t.status = 'active')" if "theme_sections" in tables else "null")
    return {
        r[0]: {"label": r[1], "parent_id": r[2], "status": r[3], "section_id": r[4]}
        for r in db.execute(f"select t.id, t.label, t.parent_id, t.status, {section} from themes t"
                            " where t.status in ('active', 'parent')")
    }


def vector_model(db: sqlite_utils.Database) -> tuple[str, str] | None:
    """The (model, version) of the theme engine's vectors: its themes', else the most used one."""
    tables = db.table_names()
    if "themes" in tables:
        row = db.execute(
            "select model, model_version from themes where status = 'active' and model is not null"
            " group by 1, 2 order by count(*) desc limit 1"
        ).fetchone()
        if row:
            return row[0], row[1]
    if "embeddings" in tables:
        row = db.execute(
            "select model, model_version from embeddings group by 1, 2 order by count(*) desc limit 1"
        ).fetchone()
        if row:
            return row[0], row[1]
    return None


def segment_vectors(db: sqlite_utils.Database, model: tuple[str, str]) -> Iterator[tuple[str, str, bytes]]:
    """(segment id, comment id, vector blob) of every embedded, published segment, by comment."""
    if "theme_segments" not in db.table_names():
        return iter(())
    return iter(db.execute(
        """select s.id, s.item_id, e.vector from theme_segments s
           join embeddings e on e.text_hash = s.text_hash and e.model = ? and e.model_version = ?
           join processed p on p.item_id = s.item_id
           where s.themable = 1 order by s.item_id, s.seq""",
        list(model),
    ))


def feedback_vectors(db: sqlite_utils.Database, model: tuple[str, str] | None) -> tuple[Rows, Rows]:
    """One normalised mean vector per comment, and the model row."""
    if model is None:
        return [], []
    rows: Rows = []
    current: str | None = None
    total: np.ndarray | None = None

    def flush() -> None:
        if current is not None and total is not None:
            norm = float(np.linalg.norm(total)) or 1.0
            rows.append({"feedback_id": current, "vector": (total / norm).astype(np.float32).tobytes()})

    for _segment, item_id, blob in segment_vectors(db, model):
        vector = np.frombuffer(blob, dtype=np.float32)
        if item_id != current:
            flush()
            current, total = item_id, vector.astype(np.float64)
        else:
            total = vector + total if total is not None else vector.astype(np.float64)
    flush()
    dim = len(rows[0]["vector"]) // 4 if rows else 0
    return rows, [{"model": model[0], "model_version": model[1], "dim": dim, "vectors": len(rows)}]
