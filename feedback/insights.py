"""Archive tables for the staff pages: search vectors, weekly aggregates, trends, drivers, customers.

One archive extension (:func:`insight_tables`) computes, from the warehouse, what the
Datasette plugin shows, so pages read small precomputed tables instead of scanning the
whole archive:

- ``feedback_vectors`` / ``vector_model``: one L2-normalised float32 vector per comment
  (the mean of its segments' stored embeddings) and the model that made them, for search
  by meaning. Nothing is embedded here.
- ``weekly_volume``, ``theme_weeks``, ``theme_sources``: counts and sentiment per week,
  channel, source and theme.
- ``theme_trends``: emerging and declining themes (conditional binomial test of a theme's
  share of comments, recent window vs the previous 12 weeks, Benjamini-Hochberg at 5 %).
- ``score_drivers``: each theme's effect on NPS / CSAT / star scores.
- ``customers``: per pseudonymous customer, feedback across channels and unanswered e-mail.
- ``promises`` / ``promise_mentions`` / ``promise_weeks``: see :mod:`feedback.insights_promises`.
"""

from __future__ import annotations

import json
import logging
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import sqlite_utils

from .insights_stats import (
    SCORE_NAMES,
    band_points,
    benjamini_hochberg,
    is_negative,
    share_test,
    trend_label,
    week_of,
    weeks_back,
)
from .publish import ArchiveExtension, rating_band

log = logging.getLogger(__name__)

Rows = list[dict[str, Any]]
WINDOWS = {"4 weeks": (4, 12), "1 week": (1, 12)}  # recent weeks vs the weeks before them


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


def comments(db: sqlite_utils.Database) -> list[Comment]:
    """The published comments (processed items), with what the aggregates need."""
    out = []
    for item_id, source, channel, received_at, customer, rating, scale, sentiment in db.execute(
        """select i.id, i.source, i.channel, i.received_at, i.customer, i.rating, i.rating_scale,
                  p.sentiment from items i join processed p on p.item_id = i.id"""
    ):
        out.append(Comment(item_id, source, channel, received_at, week_of(received_at), customer, scale,
                           rating_band(rating, scale), sentiment))
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
    if "themes" not in db.table_names():
        return {}
    return {
        r[0]: {"label": r[1], "parent_id": r[2], "status": r[3]}
        for r in db.execute("select id, label, parent_id, status from themes where status in ('active', 'parent')")
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


def volume_rows(items: list[Comment]) -> Rows:
    groups: dict[tuple[str, str, str], list[Comment]] = defaultdict(list)
    for c in items:
        if c.week:
            groups[(c.week, c.channel, c.source)].append(c)
    return [_aggregate({"week": w, "channel": ch, "source": s}, group) for (w, ch, s), group in sorted(groups.items())]


def _aggregate(key: dict[str, Any], group: list[Comment]) -> dict[str, Any]:
    scored = [c.sentiment for c in group if c.sentiment is not None]
    return {
        **key,
        "comments": len(group),
        "negative": sum(c.negative for c in group),
        "sentiment": round(sum(scored) / len(scored), 4) if scored else None,
    }


def _with_parents(themes: frozenset[int], info: dict[int, dict[str, Any]]) -> set[int]:
    out = set(themes)
    for t in themes:
        parent = info.get(t, {}).get("parent_id")
        if parent is not None:
            out.add(parent)
    return out


def theme_rows(items: list[Comment], carried: dict[str, frozenset[int]],
               info: dict[int, dict[str, Any]]) -> tuple[Rows, Rows]:
    """theme_weeks and theme_sources; a parent counts every comment of its children once."""
    weeks: dict[tuple[int, str], list[Comment]] = defaultdict(list)
    sources: dict[tuple[int, str, str], list[Comment]] = defaultdict(list)
    for c in items:
        for theme in _with_parents(carried.get(c.id, frozenset()), info):
            if c.week:
                weeks[(theme, c.week)].append(c)
            sources[(theme, c.channel, c.source)].append(c)
    week_rows = [_aggregate({"theme_id": t, "week": w}, g) for (t, w), g in sorted(weeks.items())]
    source_rows = [_aggregate({"theme_id": t, "channel": ch, "source": s}, g)
                   for (t, ch, s), g in sorted(sources.items())]
    return week_rows, source_rows


def trend_rows(items: list[Comment], week_rows: Rows, info: dict[int, dict[str, Any]]) -> Rows:
    """Emerging / declining themes per window, with the test's p-value and BH q-value."""
    weeks = [c.week for c in items if c.week]
    if not weeks:
        return []
    latest = max(weeks)
    per_week = Counter(weeks)
    out: Rows = []
    for window, (recent_weeks, base_weeks) in WINDOWS.items():
        start = weeks_back(latest, recent_weeks - 1)
        base_start = weeks_back(start, base_weeks)
        recent_total = sum(n for w, n in per_week.items() if w >= start)
        base_total = sum(n for w, n in per_week.items() if base_start <= w < start)
        recent: Counter[int] = Counter()
        base: Counter[int] = Counter()
        for row in week_rows:
            if row["week"] >= start:
                recent[row["theme_id"]] += row["comments"]
            elif row["week"] >= base_start:
                base[row["theme_id"]] += row["comments"]
        themes = sorted(set(recent) | set(base))
        tests = [share_test(recent[t], base[t], recent_total, base_total) for t in themes]
        q_values = benjamini_hochberg([t.p_value for t in tests])
        for theme, test, q in zip(themes, tests, q_values, strict=True):
            out.append({
                "window": window, "theme_id": theme, "level": 1 if info.get(theme, {}).get("status") == "parent" else 0,
                "since": start, "baseline_since": base_start,
                "recent": test.recent, "baseline": test.baseline,
                "recent_share": round(test.recent_share, 5), "baseline_share": round(test.baseline_share, 5),
                "ratio": round(test.ratio, 3) if test.ratio is not None else None,
                "p_value": round(test.p_value, 6), "q_value": round(q, 6), "trend": trend_label(test, q),
            })
    return out


def driver_rows(items: list[Comment], carried: dict[str, frozenset[int]]) -> Rows:
    """Per source with a score: each theme's effect on it (a response = source, time, customer)."""
    responses: dict[tuple[str, str | None, str | None], dict[str, Any]] = {}
    for c in items:
        points = band_points(c.band, c.scale) if c.scale in SCORE_NAMES else None
        if points is None:
            continue
        key = (c.source, c.received_at, c.customer)
        entry = responses.setdefault(key, {"points": points, "scale": c.scale, "themes": set()})
        entry["themes"] |= carried.get(c.id, frozenset())
    by_source: dict[str, list[tuple[float, frozenset[int]]]] = defaultdict(list)
    scales: dict[str, str] = {}
    for (source, _, _), entry in responses.items():
        by_source[source].append((entry["points"], frozenset(entry["themes"])))
        scales[source] = entry["scale"]
    from .insights_stats import score_drivers

    out: Rows = []
    for source in sorted(by_source):
        for rank, d in enumerate(score_drivers(by_source[source]), start=1):
            out.append({
                "source": source, "score_name": SCORE_NAMES[scales[source]], "rank": rank, "theme_id": d.theme_id,
                "responses": d.responses, "theme_responses": d.theme_responses, "score": round(d.score, 1),
                "score_with_theme": round(d.score_with, 1), "score_without_theme": round(d.score_without, 1),
                "points": round(d.points, 2),
            })
    return out


def usual_gap_days(comments: list[Comment]) -> float | None:
    """Median days between a customer's consecutive comments (None with fewer than two dated ones).

    A customer who writes every few months is not "silent" a month after a complaint; the
    at-risk rule waits for twice their usual gap."""
    days = sorted(datetime.fromisoformat(c.received_at.replace("Z", "+00:00")).timestamp() / 86400
                  for c in comments if c.received_at)
    gaps = [b - a for a, b in zip(days, days[1:], strict=False)]
    return round(statistics.median(gaps), 1) if gaps else None


def customer_rows(items: list[Comment], threads: Rows) -> Rows:
    """Per customer: comments, channels, complaints, and e-mail waiting for an answer."""
    by_customer: dict[str, list[Comment]] = defaultdict(list)
    for c in items:
        if c.customer:
            by_customer[c.customer].append(c)
    waiting: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for t in threads:
        if t.get("customer"):
            waiting[t["customer"]].append(t)
    out: Rows = []
    for customer in sorted(set(by_customer) | set(waiting)):
        mine = sorted(by_customer.get(customer, []), key=lambda c: c.received_at or "")
        negatives = [c for c in mine if c.negative]
        last_negative = negatives[-1].received_at if negatives else None
        open_threads = [t for t in waiting.get(customer, []) if not t.get("answered")]
        scored = [c.sentiment for c in mine if c.sentiment is not None]
        out.append({
            "customer": customer,
            "comments": len(mine),
            "channels": json.dumps(sorted({c.channel for c in mine})),
            "sources": json.dumps(sorted({c.source for c in mine})),
            "first_at": mine[0].received_at if mine else None,
            "last_at": mine[-1].received_at if mine else None,
            "sentiment": round(sum(scored) / len(scored), 4) if scored else None,
            "negative": len(negatives),
            "last_negative_at": last_negative,
            "said_since_last_negative": sum(1 for c in mine if last_negative and (c.received_at or "") > last_negative),
            "usual_gap_days": usual_gap_days(mine),
            "email_threads": len(waiting.get(customer, [])),
            "unanswered_threads": len(open_threads),
            "oldest_unanswered_at": min((t["first_customer_message_at"] for t in open_threads
                                         if t.get("first_customer_message_at")), default=None),
        })
    return out


def insight_tables(db: sqlite_utils.Database, promises: list[Any] | None = None,
                   model_path: Any = None) -> dict[str, Rows]:
    """{table: rows} for publish (see the module docstring)."""
    from .insights_promises import promise_tables
    from .sources.email import archive_tables as email_tables

    items = comments(db)
    carried = comment_themes(db)
    info = theme_info(db)
    model = vector_model(db)
    vectors, model_rows = feedback_vectors(db, model)
    week_rows, source_rows = theme_rows(items, carried, info)
    threads = email_tables(db)["email_threads"]
    tables: dict[str, Rows] = {
        "feedback_vectors": vectors,
        "vector_model": model_rows,
        "weekly_volume": volume_rows(items),
        "theme_weeks": week_rows,
        "theme_sources": source_rows,
        "theme_trends": trend_rows(items, week_rows, info),
        "score_drivers": driver_rows(items, carried),
        "customers": customer_rows(items, threads),
    }
    tables.update(promise_tables(db, items, promises or [], model, model_path))
    log.info("insight tables: %s", {k: len(v) for k, v in tables.items()})
    return tables


def insights_extension(config: Any) -> ArchiveExtension:
    """The archive extension for a configuration (its promises and embedding model)."""
    model_path = config.themes.model_path
    if model_path is not None and not model_path.is_absolute():
        model_path = config.base_dir / model_path

    def extension(db: sqlite_utils.Database) -> dict[str, Rows]:
        return insight_tables(db, list(config.promises), model_path)

    return extension
