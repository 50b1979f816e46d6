"""The promise gap: each configured promise matched to feedback by meaning, and what is not said.

A promise ("delivered within 2 days") is embedded with the theme engine's model (stored in
the warehouse like any text, so it is embedded once) and compared by cosine with every
published segment. A segment at or above the promise's threshold mentions it, unless another
promise is clearly nearer (by more than ``NEARER_BY``): "The delivery came 2 hours late" is about
the booked slot, not "delivered within 2 days", though it passes both thresholds. A comment
mentions a promise through its closest segment. Per promise: mentions, complaints among
them, sentiment, weekly counts, a trend, and a status: ``silent`` when fewer than
``SILENT_BELOW`` comments mention it (nobody talks about it: unknown, not kept),
``broken`` when at least half of the mentions are complaints, ``kept`` otherwise.

A full publish matches every segment, a batch at a time; an incremental one matches only the
changed comments' segments and keeps the archive's other mentions (:func:`promise_delta`).
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import sqlite_utils

from feedback.insights.comments import Comment, Rows
from feedback.insights.stats import Trend, benjamini_hochberg, share_test, trend_label, weeks_back
from feedback.publish_delta import TableUpdate
from feedback.warehouse.sql import chunks, marks

log = logging.getLogger(__name__)

DEFAULT_THRESHOLD = 0.5  # cosine (MiniLM) at which a point counts as a mention; see tests/test_insights.py
SILENT_BELOW = 5
BROKEN_FROM = 0.5
EMPTY: dict[str, list[dict[str, Any]]] = {"promises": [], "promise_mentions": [], "promise_weeks": []}
MATCH_BATCH = 20_000  # segments matched at a time
NEARER_BY = 0.05  # cosine by which another promise must be nearer for a segment not to mention this one


def promise_status(comments: int, negative: int) -> str:
    if comments < SILENT_BELOW:
        return "silent"
    return "broken" if negative / comments >= BROKEN_FROM else "kept"


def promise_vectors(db: sqlite_utils.Database, texts: list[str], model: tuple[str, str],
                    model_path: Path | None) -> np.ndarray:
    """The promises' vectors, embedding (once, stored in the warehouse) those not seen before."""
    from feedback.embed import Embedder, backend_of, ensure_embeddings, load_embeddings, text_hash

    hashes = [text_hash(t) for t in texts]
    embedder = Embedder(model_path, backend=backend_of(model[1]))  # the comments' backend, export cache
    if (embedder.name, embedder.version) != model:
        raise ValueError(f"promises: the configured model {embedder.name} {embedder.version} is not the"
                         f" one of the stored vectors {model[0]} {model[1]}")
    ensure_embeddings(db, dict(zip(hashes, texts, strict=True)), embedder)
    return load_embeddings(db, hashes, *model)


def best_mentions(segment_items: list[str], matrix: np.ndarray, promise: np.ndarray,
                  threshold: float) -> dict[str, tuple[int, float]]:
    """{comment id: (segment index, cosine)} of the closest segment per comment at or above
    threshold (the first of equal ones). Cosines are computed in float64, one segment at a
    time in effect, so a segment's score does not depend on which others it is matched with."""
    scores = np.asarray(matrix, dtype=np.float64) @ np.asarray(promise, dtype=np.float64)
    best: dict[str, tuple[int, float]] = {}
    for index in np.flatnonzero(scores >= threshold):
        item = segment_items[index]
        score = float(scores[index])
        if item not in best or score > best[item][1]:
            best[item] = (int(index), score)
    return best


@dataclass(frozen=True)
class Match:
    """A comment's closest segment to a promise."""

    segment_id: str
    similarity: float
    sentiment: float | None  # the segment's


def promise_segments(db: sqlite_utils.Database, model: tuple[str, str], items: list[str] | None = None
                     ) -> Iterator[tuple[str, str, float | None, bytes]]:
    """(segment id, comment id, segment sentiment, vector) of the embedded, published segments
    (of ``items`` when given), by comment and position."""
    if "theme_segments" not in db.table_names():
        return
    sql = """select s.id, s.item_id, s.sentiment, e.vector from theme_segments s
             join embeddings e on e.text_hash = s.text_hash and e.model = ? and e.model_version = ?
             join processed p on p.item_id = s.item_id where s.themable = 1"""
    if items is None:
        yield from db.execute(sql + " order by s.item_id, s.seq", list(model))
        return
    # "+s.themable": the comments' segments by the item_id index; the themable index would read
    # every segment of the warehouse (3.5 s CPU per 500 comments at 1M, bench/RESULTS.md)
    sql = sql.replace("where s.themable = 1", "where +s.themable = 1")
    for part in chunks(sorted(items)):
        yield from db.execute(sql + f" and s.item_id in ({marks(len(part))}) order by s.item_id, s.seq",
                              [*model, *part])


def has_segments(db: sqlite_utils.Database, model: tuple[str, str]) -> bool:
    """Is there any embedded, published segment to match the promises with?"""
    return "theme_segments" in db.table_names() and db.execute(
        """select 1 from theme_segments s
           join embeddings e on e.text_hash = s.text_hash and e.model = ? and e.model_version = ?
           join processed p on p.item_id = s.item_id where s.themable = 1 limit 1""", list(model)).fetchone() is not None


def match_promises(segments: Iterable[tuple[str, str, float | None, bytes]], vectors: np.ndarray,
                   thresholds: list[float], batch: int = MATCH_BATCH) -> list[dict[str, Match]]:
    """Per promise, {comment id: its closest segment at or above the threshold, of those no
    other promise is more than ``NEARER_BY`` nearer to}, reading the segments ``batch`` at a time
    (so memory does not grow with the archive). Segments come by comment and position; of equal
    cosines the first counts."""
    found: list[dict[str, Match]] = [{} for _ in thresholds]
    promise_matrix = np.asarray(vectors, dtype=np.float64)

    def match(rows: list[tuple[str, str, float | None, bytes]]) -> None:
        matrix = np.frombuffer(b"".join(r[3] for r in rows), dtype=np.float32).reshape(len(rows), -1)
        scores = matrix.astype(np.float64) @ promise_matrix.T
        nearest = scores.max(axis=1)
        for number, threshold in enumerate(thresholds):
            best = found[number]
            ours = scores[:, number]
            for index in np.flatnonzero((ours >= threshold) & (ours >= nearest - NEARER_BY)):
                segment_id, item_id, sentiment, _ = rows[index]
                score = float(scores[index, number])
                if item_id not in best or score > best[item_id].similarity:
                    best[item_id] = Match(segment_id, score, sentiment)

    rows: list[tuple[str, str, float | None, bytes]] = []
    for row in segments:
        rows.append(row)
        if len(rows) >= batch:
            match(rows)
            rows = []
    if rows:
        match(rows)
    return found


def mention_rows(found: list[dict[str, Match]], by_id: dict[str, Comment]) -> Rows:
    """promise_mentions rows of the matches whose comment is published (in ``by_id``)."""
    out: Rows = []
    for number, best in enumerate(found, start=1):
        for item_id, m in best.items():
            comment = by_id.get(item_id)
            if comment is None:
                continue
            out.append({
                "id": f"{number}:{item_id}", "promise_id": number, "feedback_id": item_id,
                "segment_id": m.segment_id, "similarity": round(m.similarity, 4), "sentiment": m.sentiment,
                "negative": int(comment.negative), "received_at": comment.received_at, "week": comment.week,
                "channel": comment.channel, "source": comment.source,
            })
    out.sort(key=lambda m: (m["promise_id"], -m["similarity"], m["feedback_id"]))
    return out


def promise_summary(promises: list[Any], mentions: Rows, per_week: Counter[str], comments: int) -> tuple[Rows, Rows]:
    """(promises, promise_weeks) rows from every mention (sorted as :func:`mention_rows` sorts
    them), the published comments per week and their number."""
    latest = max(per_week) if per_week else None
    by_promise: dict[int, Rows] = {}
    for m in mentions:
        by_promise.setdefault(m["promise_id"], []).append(m)
    promise_rows: Rows = []
    week_rows: Rows = []
    tests: list[Trend] = []
    for number, promise in enumerate(promises, start=1):
        threshold = promise.threshold if promise.threshold is not None else DEFAULT_THRESHOLD
        mine = by_promise.get(number, [])
        counts: Counter[str] = Counter(str(m["week"]) for m in mine if m["week"])
        negatives: Counter[str] = Counter(str(m["week"]) for m in mine if m["week"] and m["negative"])
        week_rows.extend({"promise_id": number, "week": w, "mentions": n, "negative": negatives[w]}
                         for w, n in sorted(counts.items()))
        scored = [m["sentiment"] for m in mine if m["sentiment"] is not None]
        negative = sum(m["negative"] for m in mine)
        recent = base = recent_total = base_total = 0
        if latest:
            start = weeks_back(latest, 3)
            base_start = weeks_back(start, 12)
            recent = sum(n for w, n in counts.items() if w >= start)
            base = sum(n for w, n in counts.items() if base_start <= w < start)
            recent_total = sum(n for w, n in per_week.items() if w >= start)
            base_total = sum(n for w, n in per_week.items() if base_start <= w < start)
        tests.append(share_test(recent, base, recent_total, base_total))
        promise_rows.append({
            "id": number, "promise": promise.text, "area": promise.area, "threshold": threshold,
            "comments": len(mine), "share": round(len(mine) / comments, 5) if comments else 0.0,
            "negative": negative, "negative_share": round(negative / len(mine), 4) if mine else None,
            "sentiment": round(math.fsum(scored) / len(scored), 4) if scored else None,  # fsum: any order
            "last_4_weeks": recent, "previous_12_weeks": base,
            "status": promise_status(len(mine), negative),
        })
    # a promise not mentioned in the 16 weeks has no trend to test (and is not counted among the tests)
    tested = [(row, test) for row, test in zip(promise_rows, tests, strict=True) if test.recent + test.baseline]
    for row in promise_rows:
        row["trend"] = row["q_value"] = None
    for (row, test), q in zip(tested, benjamini_hochberg([t.p_value for _, t in tested]), strict=True):
        row["trend"] = trend_label(test, q)
        row["q_value"] = round(q, 6)
    log.info("promises: %s", {r["promise"]: (r["comments"], r["status"]) for r in promise_rows})
    return promise_rows, week_rows


def thresholds(promises: list[Any]) -> list[float]:
    return [p.threshold if p.threshold is not None else DEFAULT_THRESHOLD for p in promises]


def promise_tables(db: sqlite_utils.Database, items: list[Comment], promises: list[Any],
                   model: tuple[str, str] | None, model_path: Path | None) -> dict[str, Rows]:
    if not promises or model is None or not has_segments(db, model):
        return {k: [] for k in EMPTY}
    vectors = promise_vectors(db, [p.text for p in promises], model, model_path)
    found = match_promises(promise_segments(db, model), vectors, thresholds(promises))
    mentions = mention_rows(found, {c.id: c for c in items})
    promise_rows, week_rows = promise_summary(promises, mentions, Counter(c.week for c in items if c.week), len(items))
    return {"promises": promise_rows, "promise_mentions": mentions, "promise_weeks": week_rows}


def promise_delta(db: sqlite_utils.Database, archive: sqlite_utils.Database, items: set[str], changed: list[Comment],
                  promises: list[Any], model: tuple[str, str] | None, model_path: Path | None
                  ) -> dict[str, TableUpdate] | None:
    """The promise tables' incremental update, or None when they must be recomputed from every
    comment (the promises, their thresholds or the model differ from the archive's).

    Mentions are keyed by comment: only the segments of the comments that changed (``items``;
    ``changed``: those of them still published) are matched, the archive's other mentions stay.
    ``promises`` and ``promise_weeks`` are then summed from the archive's mentions and its
    ``weekly_volume``, after those are updated."""
    if not promises or model is None or not has_segments(db, model):
        return {k: TableUpdate.replace([]) for k in EMPTY}
    if not _same_promises(archive, promises, model):
        return None
    if not items:
        return {k: TableUpdate.keep() for k in EMPTY}
    mentions: Rows = []
    if changed:
        segments = list(promise_segments(db, model, sorted(c.id for c in changed)))
        if segments:
            vectors = promise_vectors(db, [p.text for p in promises], model, model_path)
            mentions = mention_rows(match_promises(segments, vectors, thresholds(promises)),
                                    {c.id: c for c in changed})
    summary: dict[str, Rows] = {}

    def summed(table: str) -> Callable[[sqlite_utils.Database], Rows]:
        def rows(updated: sqlite_utils.Database) -> Rows:
            if not summary:
                every = list(updated.query("select * from promise_mentions"))
                every.sort(key=lambda m: (m["promise_id"], -m["similarity"], m["feedback_id"]))
                per_week: Counter[str] = Counter(dict(updated.execute(
                    "select week, sum(comments) from weekly_volume group by week").fetchall()))
                total = updated.execute("select count(*) from feedback").fetchone()[0]
                summary["promises"], summary["promise_weeks"] = promise_summary(promises, every, per_week, total)
            return summary[table]
        return rows

    return {"promise_mentions": TableUpdate.keyed({"feedback_id": items}, mentions),
            "promises": TableUpdate.replace(summed("promises")),
            "promise_weeks": TableUpdate.replace(summed("promise_weeks"))}


def _same_promises(archive: sqlite_utils.Database, promises: list[Any], model: tuple[str, str]) -> bool:
    """Were the archive's promise tables built for these promises, and its vectors by this model?"""
    tables = archive.table_names()
    if not {"promises", "promise_mentions", "vector_model"} <= set(tables):
        return False
    built = [(r["id"], r["promise"], r["area"], r["threshold"])
             for r in archive.query("select id, promise, area, threshold from promises order by id")]
    wanted = [(n, p.text, p.area, t) for n, (p, t) in enumerate(zip(promises, thresholds(promises), strict=True), 1)]
    used = [(r["model"], r["model_version"]) for r in archive.query("select model, model_version from vector_model")]
    return built == wanted and used == [model]
