"""The promise gap: each configured promise matched to feedback by meaning, and what is not said.

A promise ("delivered within 2 days") is embedded with the theme engine's model (stored in
the warehouse like any text, so it is embedded once) and compared by cosine with every
published segment. A segment at or above the promise's threshold mentions it; a comment
mentions a promise through its closest segment. Per promise: mentions, complaints among
them, sentiment, weekly counts, a trend, and a status: ``silent`` when fewer than
``SILENT_BELOW`` comments mention it (nobody talks about it: unknown, not kept),
``broken`` when at least half of the mentions are complaints, ``kept`` otherwise.
"""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import sqlite_utils

from feedback.insights.comments import Comment, segment_vectors
from feedback.insights.stats import Trend, benjamini_hochberg, share_test, trend_label, weeks_back

log = logging.getLogger(__name__)

DEFAULT_THRESHOLD = 0.5  # cosine (MiniLM) at which a point counts as a mention; see tests/test_insights.py
SILENT_BELOW = 5
BROKEN_FROM = 0.5
EMPTY: dict[str, list[dict[str, Any]]] = {"promises": [], "promise_mentions": [], "promise_weeks": []}


def promise_status(comments: int, negative: int) -> str:
    if comments < SILENT_BELOW:
        return "silent"
    return "broken" if negative / comments >= BROKEN_FROM else "kept"


def promise_vectors(db: sqlite_utils.Database, texts: list[str], model: tuple[str, str],
                    model_path: Path | None) -> np.ndarray:
    """The promises' vectors, embedding (once, stored in the warehouse) those not seen before."""
    from feedback.embed import Embedder, ensure_embeddings, load_embeddings, text_hash

    hashes = [text_hash(t) for t in texts]
    embedder = Embedder(model_path)
    if (embedder.name, embedder.version) != model:
        raise ValueError(f"promises: the configured model {embedder.name} {embedder.version} is not the"
                         f" one of the stored vectors {model[0]} {model[1]}")
    ensure_embeddings(db, dict(zip(hashes, texts, strict=True)), embedder)
    return load_embeddings(db, hashes, *model)


def best_mentions(segment_items: list[str], matrix: np.ndarray, promise: np.ndarray,
                  threshold: float) -> dict[str, tuple[int, float]]:
    """{comment id: (segment index, cosine)} of the closest segment per comment at or above threshold."""
    scores = matrix @ promise
    best: dict[str, tuple[int, float]] = {}
    for index in np.flatnonzero(scores >= threshold):
        item = segment_items[index]
        score = float(scores[index])
        if item not in best or score > best[item][1]:
            best[item] = (int(index), score)
    return best


def promise_tables(db: sqlite_utils.Database, items: list[Comment], promises: list[Any],
                   model: tuple[str, str] | None, model_path: Path | None) -> dict[str, list[dict[str, Any]]]:
    if not promises or model is None:
        return {k: [] for k in EMPTY}

    seg_ids: list[str] = []
    seg_items: list[str] = []
    blobs: list[bytes] = []
    for segment_id, item_id, blob in segment_vectors(db, model):
        seg_ids.append(segment_id)
        seg_items.append(item_id)
        blobs.append(blob)
    if not blobs:
        return {k: [] for k in EMPTY}
    matrix = np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(blobs), -1)
    vectors = promise_vectors(db, [p.text for p in promises], model, model_path)
    by_id = {c.id: c for c in items}
    seg_sentiment = dict(db.execute("select id, sentiment from theme_segments where themable = 1").fetchall())
    weeks = [c.week for c in items if c.week]
    latest = max(weeks) if weeks else None
    per_week = Counter(weeks)
    promise_rows: list[dict[str, Any]] = []
    mention_rows: list[dict[str, Any]] = []
    week_rows: list[dict[str, Any]] = []
    tests: list[Trend] = []
    for number, (promise, vector) in enumerate(zip(promises, vectors, strict=True), start=1):
        threshold = promise.threshold if promise.threshold is not None else DEFAULT_THRESHOLD
        best = best_mentions(seg_items, matrix, vector, threshold)
        mentions: list[dict[str, Any]] = []
        for item_id, (index, score) in best.items():
            comment = by_id.get(item_id)
            if comment is None:
                continue
            mentions.append({
                "id": f"{number}:{item_id}", "promise_id": number, "feedback_id": item_id,
                "segment_id": seg_ids[index], "similarity": round(score, 4),
                "sentiment": seg_sentiment.get(seg_ids[index], comment.sentiment),
                "negative": int(comment.negative), "received_at": comment.received_at, "week": comment.week,
                "channel": comment.channel, "source": comment.source,
            })
        mentions.sort(key=lambda m: (m["promise_id"], -m["similarity"], m["feedback_id"]))
        mention_rows.extend(mentions)
        counts: Counter[str] = Counter(str(m["week"]) for m in mentions if m["week"])
        negatives: Counter[str] = Counter(str(m["week"]) for m in mentions if m["week"] and m["negative"])
        week_rows.extend({"promise_id": number, "week": w, "mentions": n, "negative": negatives[w]}
                         for w, n in sorted(counts.items()))
        scored = [m["sentiment"] for m in mentions if m["sentiment"] is not None]
        negative = sum(m["negative"] for m in mentions)
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
            "comments": len(mentions), "share": round(len(mentions) / len(items), 5) if items else 0.0,
            "negative": negative, "negative_share": round(negative / len(mentions), 4) if mentions else None,
            "sentiment": round(sum(scored) / len(scored), 4) if scored else None,
            "last_4_weeks": recent, "previous_12_weeks": base,
            "status": promise_status(len(mentions), negative),
        })
    for row, test, q in zip(promise_rows, tests, benjamini_hochberg([t.p_value for t in tests]), strict=True):
        row["trend"] = trend_label(test, q)
        row["q_value"] = round(q, 6)
    log.info("promises: %s", {r["promise"]: (r["comments"], r["status"]) for r in promise_rows})
    return {"promises": promise_rows, "promise_mentions": mention_rows, "promise_weeks": week_rows}
