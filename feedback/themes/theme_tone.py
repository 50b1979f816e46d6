"""A theme's tone as the archive publishes it: the mean of its segments' stored sentiment.

The archive publishes each segment's sentiment from the embedding head
(:mod:`.segment_sentiment` writes it to ``theme_segments.sentiment``), so the labels
(:mod:`.label_units`, :mod:`.parent_words`) and the top level's sides (:mod:`.hierarchy`) read a
theme's tone from those same numbers: a label never says "praise" over comments the page beside it
shows in red (issue #12). A segment with no stored score (another language, a text too short to
embed, or texts passed without scores) is read by the lexicon (:func:`feedback.text.sentiment.sentiment`,
VADER + the service lexicon) instead: that fallback is explicit here and nowhere else.

:func:`label_inputs` reads, per theme, the segment texts a label is drawn from and their stored
scores, aligned (the engine's full fit); :func:`texts_and_tones` the same for a list of segment ids
(a theme born at night).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlite_utils

from feedback.text.sentiment import sentiment as lexicon
from feedback.warehouse.sql import chunks, marks

Tones = Sequence[float | None]  # a theme's segments' published sentiment, aligned with its texts (None: none stored)


def segment_tones(docs: Sequence[str], tones: Tones | None = None) -> list[float | None]:
    """Each segment's tone: its published score where ``tones`` holds one, else the lexicon's (None
    when the lexicon has none either: an empty text). ``tones`` shorter than ``docs`` leaves the rest
    to the lexicon; None reads every segment with the lexicon."""
    given = list(tones or [])
    return [given[i] if i < len(given) and given[i] is not None else lexicon(doc) for i, doc in enumerate(docs)]


def mean_tone(docs: Sequence[str], tones: Tones | None = None) -> float:
    """The mean tone of ``docs`` (:func:`segment_tones`); 0.0 when no segment has one."""
    scores = [s for s in segment_tones(docs, tones) if s is not None]
    return sum(scores) / len(scores) if scores else 0.0


def published_share(docs: Sequence[str], tones: Tones | None) -> float:
    """The share of ``docs`` whose tone is a published score (the rest is the lexicon's)."""
    given = list(tones or [])
    return sum(i < len(given) and given[i] is not None for i in range(len(docs))) / max(len(docs), 1)


def _rows(db: sqlite_utils.Database, seg_ids: Sequence[str]) -> dict[str, tuple[str, str | None, float | None]]:
    """Segment id -> (text, language, published sentiment) for the ids that exist."""
    out: dict[str, tuple[str, str | None, float | None]] = {}
    for part in chunks(list(seg_ids)):
        for seg_id, text, language, score in db.execute(
            f"select id, text, language, sentiment from theme_segments where id in ({marks(len(part))})", part
        ):
            out[seg_id] = (text, language, score)
    return out


def label_inputs(db: sqlite_utils.Database, seg_ids: list[str], seg_theme: list[int | None],
                 theme_ids: list[int], scores: list[float]) -> tuple[dict[int, list[str]], dict[int, list[float | None]]]:
    """Per theme, the segment texts its label is drawn from, closest to its centre first (``scores``:
    each segment's cosine to its theme), and their published sentiment, aligned: the English ones when
    it has any (the parser and the embedding model are English; a stray Spanish sentence should not
    name a theme), else all of them."""
    found = _rows(db, seg_ids)
    every: dict[int, list[tuple[str, float | None]]] = {tid: [] for tid in theme_ids}
    english: dict[int, list[tuple[str, float | None]]] = {tid: [] for tid in theme_ids}
    ranked = sorted(range(len(seg_ids)), key=lambda j: -float(scores[j]))
    for seg_id, tid in ((seg_ids[j], seg_theme[j]) for j in ranked):
        if tid in every and seg_id in found:
            text, language, tone = found[seg_id]
            every[tid].append((text, tone))
            if language in (None, "en"):
                english[tid].append((text, tone))
    chosen = {tid: english[tid] or every[tid] for tid in theme_ids}
    return ({tid: [t for t, _ in rows] for tid, rows in chosen.items()},
            {tid: [s for _, s in rows] for tid, rows in chosen.items()})


def texts_and_tones(db: sqlite_utils.Database, seg_ids: Sequence[str]) -> tuple[list[str], list[float | None]]:
    """The texts of ``seg_ids`` (those that exist, in order) and their published sentiment."""
    found = _rows(db, seg_ids)
    kept = [found[i] for i in seg_ids if i in found]
    return [text for text, _, _ in kept], [score for _, _, score in kept]
