"""Segment sentiment in the warehouse: the embedding head scores what the lexicon scored first.

``store.segment_new`` gives every new segment its lexicon score (VADER + service lexicon;
None outside English). Once the segments are embedded, :func:`score_segments` scores every
English themable segment again with the head of :mod:`feedback.text.sentiment_model`, which
reads the stored vector: complaints without a complaint word ("money still hasn't arrived")
and questions (neutral) come out right. The lexicon stays where the head cannot read: other
languages (segments there keep no score), segments too short to embed, and warehouses embedded
with another model than the head's.

Calibration on the company's own rated comments (NPS, CSAT, stars: ``items.rating``) is
available but off by default: measured on the clothing reviews it made the head worse
(bench/RESULTS.md). With ``min_rated`` set, once that many rated comments have head-scored
segments their rating bands calibrate the head
(:func:`~feedback.text.sentiment_model.fit_calibration`), fitted again when they have grown by a
fifth. A new head or a new calibration scores every
segment again; otherwise only segments cut since the last run are scored. A comment's published
sentiment comes from its segments (:func:`~feedback.text.sentiment_model.comment_score`).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from typing import Any

import numpy as np
import sqlite_utils

from feedback.embed import SupportsEmbed, from_blobs
from feedback.ratings import rating_band
from feedback.text.sentiment_model import (
    Calibration,
    SentimentHead,
    fit_calibration,
    load_head,
    logits,
    score_segments,
)
from feedback.themes.store import get_state, set_state

log = logging.getLogger(__name__)

STATE_KEY = "segment_sentiment"
REFIT_GROWTH = 1.2  # refit the calibration when the rated comments have grown by this factor
_BATCH = 5000
_BANDS = {"low": 0, "medium": 1, "high": 2}
_SEGMENTS = """
    select s.id, s.item_id, s.text, e.vector {extra} from theme_segments s
    join embeddings e on e.text_hash = s.text_hash and e.model = ? and e.model_version = ?
    {join}
    where s.themable = 1 and (s.language is null or s.language = 'en') and ({where})
    order by s.id
"""


def score_pending(db: sqlite_utils.Database, embedder: SupportsEmbed, head: SentimentHead | None = None, *,
                  min_rated: int | None = None) -> int:
    """Score English themable segments with the head (see module docstring); returns how many.

    ``min_rated``: rated comments needed before the company's ratings calibrate the head
    (e.g. :data:`~feedback.text.sentiment_model.MIN_CALIBRATION`); None (the default) never
    calibrates.
    """
    head = head or load_head()
    if embedder.name != head.model:
        log.info("segment sentiment stays the lexicon's: the head reads %s vectors, not %s", head.model, embedder.name)
        return 0
    state = get_state(db, STATE_KEY) or {}
    calibration = _calibration(db, embedder, head, state, min_rated)
    cal_json = calibration.as_json() if calibration else None
    through = db.execute("select max(created_at) from theme_segments").fetchone()[0]
    if state.get("head") == head.version and state.get("calibration") == cal_json and state.get("through"):
        where, params = "s.created_at > ?", [state["through"]]  # stamps are microseconds: none is shared across runs
    else:
        where, params = "1", []
    updates: list[tuple[float, str]] = []
    for ids, texts, vectors, _ in _batches(db, embedder, where, params):
        scores = score_segments(vectors, texts, head, calibration)
        updates += [(float(s), i) for i, s in zip(ids, scores, strict=True)]
    done = {"head": head.version, "calibration": cal_json, "through": through}
    if not updates and done == state:  # a night with nothing new writes nothing
        return 0
    with db.atomic():  # written once the read is over: no update under an open cursor
        db.conn.executemany("update theme_segments set sentiment = ? where id = ?", updates)
        set_state(db, STATE_KEY, done)
    log.info("scored %d segments with the sentiment head%s", len(updates),
             f" (calibrated on {calibration.comments} rated comments)" if calibration else "")
    return len(updates)


def _calibration(db: sqlite_utils.Database, embedder: SupportsEmbed, head: SentimentHead,
                 state: dict[str, Any], min_rated: int | None) -> Calibration | None:
    """The stored calibration, refitted when the rated comments have grown enough; None below the minimum."""
    if min_rated is None:
        return None
    rated = db.execute(
        """select count(distinct s.item_id) from theme_segments s join items i on i.id = s.item_id
           where i.rating is not null and s.themable = 1 and (s.language is null or s.language = 'en')"""
    ).fetchone()[0]
    if rated < min_rated:
        return None
    stored = Calibration.from_json(state.get("calibration")) if state.get("head") == head.version else None
    if stored is not None and rated < stored.comments * REFIT_GROWTH:
        return stored
    raw, labels, owners = [], [], []
    for _, texts, vectors, extra in _batches(db, embedder, "i.rating is not null", [], rated=True):
        raw.append(logits(vectors, texts, head))
        labels += [_BANDS[str(rating_band(rating, scale))] for _, rating, scale in extra]
        owners += [item for item, _, _ in extra]
    segments = Counter(owners)  # a comment weighs 1 whatever its number of segments
    weights = np.array([1.0 / segments[item] for item in owners])
    calibration = fit_calibration(np.vstack(raw), np.array(labels), weights, comments=len(segments))
    log.info("sentiment calibrated on %d rated comments: %s", len(segments), calibration)
    return calibration


def _batches(db: sqlite_utils.Database, embedder: SupportsEmbed, where: str, params: list[Any], *,
             rated: bool = False) -> Iterator[tuple[list[str], list[str], np.ndarray, list[tuple[str, float, str]]]]:
    """(segment ids, display texts, vectors, [(item, rating, scale)] when ``rated``) in batches."""
    sql = _SEGMENTS.format(extra=", i.rating, i.rating_scale" if rated else "",
                           join="join items i on i.id = s.item_id" if rated else "", where=where)
    cursor = db.execute(sql, [embedder.name, embedder.version, *params])
    while rows := cursor.fetchmany(_BATCH):
        extra = [(r[1], float(r[4]), r[5]) for r in rows] if rated else []
        yield [r[0] for r in rows], [r[2] or "" for r in rows], from_blobs(r[3] for r in rows), extra
