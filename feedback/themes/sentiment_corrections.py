"""Analysts' sentiment corrections: a person's reading of a segment outranks the head's.

The head reads some plain praise as neutral ("Everyone was really friendly" 0.00 on the sample
company) and the company's ratings, which belong to whole comments, cannot always teach it
otherwise. An analyst who sees such a reading says which side the segment is on
(``feedback themes tone SEGMENT positive``), and from then on:

- every segment with the same text as embedded (its ``text_hash``: the same sentence in other
  comments, now and on later nights) reads on that side: the head's own score when it is already
  there and at least :data:`FLOOR` strong, else :data:`FLOOR` (``neutral``: exactly 0), so the
  order the head gives within a side is kept;
- the company's calibration, when it has one, learns from the corrections beside its ratings
  (:mod:`.segment_sentiment`: each a segment-level row of :data:`WEIGHT` comments' worth, fitted
  again once they have changed by :data:`REFIT_STEP`), so similar wording moves too, still only
  when it ranks the company's held-out ratings better and keeps the plain anchor sentences;
- the theme figures and the published archive follow at once (the command re-scores the text's
  segments, refreshes the themes and republishes).

Which points to look at first: :func:`suggestions` (``feedback themes tone --suggest``) lists the texts
the head and the lexicon (VADER with the service lexicon) read most differently, the texts most points
share first, so a few corrections move the most points. On the sample company, 22 of its 1,035 distinct
texts, led by "[NAME] on the tills was so kind when my card got declined." (18 points, read 0.00) and
"The driver was lovely, even helped my mum put the shopping away." (6, 0.00); some are the lexicon's
mistakes ("The packaging was fine so it must have been like that when it was packed." reads as praise
to it), which is why a person decides. A question or a request the head reads neutral is not suggested: it
is neutral by design ("More reliable delivery times please", which the lexicon reads as praise).
The same command lists the texts the company's calibration moved furthest from the shipped head
(:func:`.segment_sentiment.calibration_moves`), and ``tone`` names a label a correction leaves claiming
the other side of its theme's sentiment (:func:`contradicted`; labels follow at the next re-cluster).
The archive marks each corrected point (``segments.sentiment_corrected``, :data:`ARCHIVE_COLUMN`).
A correction holds for its exact text; :func:`alike` finds the same point written a little differently in the
same themes (``tone ... --alike`` corrects those too, each as its own correction).

A correction is kept in ``sentiment_corrections`` (migration ``0190_sentiment_corrections``), one
row per text; ``feedback themes tone SEGMENT --clear`` takes it away and the head's reading
returns. Only segments the head scores (English, themable, embedded) can be corrected: the others
keep the lexicon's reading or none, and correcting them is refused with that reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sqlite_utils

from feedback.errors import FeedbackError
from feedback.warehouse.sql import marks, now_iso

SIDES = ("negative", "neutral", "positive")
FLOOR = 0.5  # a corrected segment reads at least this strongly on its side
WEIGHT = 10.0  # a correction in the calibration's fit, in rated comments' worth: a person read this very segment
LEXICON_SURE = 0.5  # a suggestion: the lexicon reads the text at least this strongly ...
HEAD_NEUTRAL = 0.05  # ... while the head reads it neutral (the product's cut), or ...
HEAD_SURE = 0.3  # ... at least this strongly on the other side
REFIT_STEP = 5  # corrections added or taken away since the calibration's fit that make it fitted again
# another text reads almost the same as a corrected one at this cosine of their embeddings (case, end punctuation,
# a typo, a leading "Also" or "However,": 0.92-0.98 on the sample) when both are negated or neither is (a negation
# alone can stay above it: "The delivery was on time" / "... was not on time" 0.915)
ALIKE = 0.9
ALIKE_SCAN = 20000  # the most shared texts compared (those of the corrected text's themes, or of no theme)
# the archive's segments.sentiment_corrected (1: an analyst set this point's side), over theme_segments ``s``
ARCHIVE_COLUMN = "exists(select 1 from sentiment_corrections c where c.text_hash = s.text_hash) as sentiment_corrected"


class CorrectionError(FeedbackError):
    """A correction that cannot be made: no such segment, or one the head does not score."""


@dataclass(frozen=True)
class Correction:
    """One analyst's correction (a ``sentiment_corrections`` row)."""

    text_hash: str
    text: str
    side: str
    segment_id: str | None
    at: str
    note: str | None = None


def corrected(score: float | None, side: str) -> float:
    """A segment's score on ``side``: the head's ``score`` when it is there at least :data:`FLOOR`
    strong, else :data:`FLOOR` with the side's sign; 0 for ``neutral``."""
    if side not in SIDES:
        raise ValueError(f"a side is one of {', '.join(SIDES)}, not {side!r}")
    sign = SIDES.index(side) - 1
    if sign == 0:
        return 0.0
    return round(sign * max(sign * float(score or 0.0), FLOOR), 4)


def sides(db: sqlite_utils.Database) -> dict[str, str]:
    """Every corrected text (its hash) and its side: analysts' corrections are few, so a night reads
    them once rather than per batch of segments."""
    return dict(db.execute("select text_hash, side from sentiment_corrections").fetchall())


def apply(scores: np.ndarray, text_hashes: Sequence[str], found: dict[str, str]) -> np.ndarray:
    """``scores`` (one per segment, in the order of ``text_hashes``) with the corrections ``found`` applied."""
    out = np.asarray(scores, dtype=np.float64).copy()
    for n, text_hash in enumerate(text_hashes):
        if text_hash in found:
            out[n] = corrected(out[n], found[text_hash])
    return out


def count(db: sqlite_utils.Database) -> int:
    """How many texts are corrected."""
    return int(db.execute("select count(*) from sentiment_corrections").fetchone()[0])


def listed(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every correction, newest first, with how many segments have its text and their score now."""
    return [dict(r) for r in db.query(
        """select c.text_hash, c.text, c.side, c.segment_id, c.at, c.note, count(s.id) as segments,
                  round(avg(s.sentiment), 4) as sentiment
           from sentiment_corrections c left join theme_segments s on s.text_hash = c.text_hash
           group by c.text_hash order by c.at desc, c.text_hash""")]


def segment(db: sqlite_utils.Database, segment_id: str) -> dict[str, Any]:
    """The segment an analyst named, checked to be one the head scores."""
    rows = list(db.query("select id, text, text_hash, themable, language from theme_segments where id = ?", [segment_id]))
    if not rows:
        raise CorrectionError(f"no segment {segment_id!r} (segment ids are in the archive's segments table, "
                              "e.g. 002adb6835860d85a938:0)")
    row = rows[0]
    if not row["themable"] or (row["language"] not in (None, "en")) or not row["text_hash"]:
        why = f"it is in {row['language']}" if row["language"] not in (None, "en") else "it says too little to be read"
        raise CorrectionError(f"segment {segment_id} is not scored by the sentiment head ({why}): its sentiment "
                              "cannot be corrected")
    return row


def record(db: sqlite_utils.Database, row: dict[str, Any], side: str, note: str | None = None) -> Correction:
    """Keep ``side`` as the correction of the segment ``row``'s text (replacing an earlier one)."""
    if side not in SIDES:
        raise CorrectionError(f"a side is one of {', '.join(SIDES)}, not {side!r}")
    correction = Correction(text_hash=row["text_hash"], text=row["text"] or "", side=side, segment_id=row["id"],
                            at=now_iso(), note=note)
    db.table("sentiment_corrections").upsert(correction.__dict__, pk="text_hash")
    return correction


def forget(db: sqlite_utils.Database, text_hash: str) -> bool:
    """Take the correction of a text away; whether there was one."""
    gone = db.execute("delete from sentiment_corrections where text_hash = ?", [text_hash]).rowcount
    return bool(gone)


def training_rows(db: sqlite_utils.Database) -> list[tuple[str, str, str]]:
    """(text hash, display text, side) of every correction, for the calibration's fit."""
    return [(r[0], r[1], r[2]) for r in db.execute("select text_hash, text, side from sentiment_corrections order by text_hash")]


def _asks(text: str) -> bool:
    """Whether a point is a question or a request, as the head's cues read it."""
    from feedback.text.sentiment_model import HEAD_FEATURES, cues

    found = dict(zip(HEAD_FEATURES, cues(text), strict=True))
    return bool(found["question_mark"] or found["question_start"] or found["request"])


def suggestions(db: sqlite_utils.Database, limit: int = 20) -> list[dict[str, Any]]:
    """Up to ``limit`` uncorrected texts the head and the lexicon read most differently (see the module
    docstring), the texts most points share first: (one segment id, text, points, the head's mean score,
    the lexicon's score, a theme's label)."""
    from feedback.text.sentiment import sentiment

    cursor = db.execute(
        """select s.text_hash, min(s.id), min(s.text), count(*), avg(s.sentiment), min(t.label)
           from theme_segments s left join themes t on t.id = s.theme_id
           where s.themable > 0 and (s.language is null or s.language = 'en') and s.sentiment is not null
             and s.text_hash not in (select text_hash from sentiment_corrections)
           group by s.text_hash order by count(*) desc, s.text_hash""")
    found: list[dict[str, Any]] = []
    while len(found) < limit and (batch := cursor.fetchmany(1000)):
        for _, segment_id, text, points, head, theme in batch:
            lexicon = sentiment(text or "", "en")
            if lexicon is None or abs(lexicon) < LEXICON_SURE:
                continue
            if abs(head) < HEAD_NEUTRAL and _asks(text or ""):
                continue  # a question or request reads neutral by design ("More reliable delivery times please")
            if abs(head) < HEAD_NEUTRAL or (head * lexicon < 0 and abs(head) >= HEAD_SURE):
                found.append({"segment_id": segment_id, "text": text, "points": points, "model": round(head, 2),
                              "lexicon": round(lexicon, 2), "theme": theme})
                if len(found) == limit:
                    break
    return found


def _negated(text: str) -> bool:
    from vaderSentiment.vaderSentiment import negated

    return bool(negated(text.lower().split()))


def alike(db: sqlite_utils.Database, model: str, version: str, text_hash: str, side: str,
          limit: int = 20) -> list[dict[str, Any]]:
    """Up to ``limit`` uncorrected texts that read almost the same as the text ``text_hash`` (:data:`ALIKE`)
    and are not yet read on ``side``, the texts most points share first: (one segment id, text, points, the
    head's mean score now, cosine). Only the themes holding the text are searched (texts this close share a
    theme), and the points in no theme when it is one of them (outliers, a warehouse not yet fitted). A correction holds for its exact text; these are the same point written a little differently
    ("Everyone was really friendly." beside "Everyone was really friendly"), for the analyst to correct too."""
    from feedback.embed import from_blobs

    themes = [r[0] for r in db.execute("select distinct theme_id from theme_segments where text_hash = ?", [text_hash])]
    held = [t for t in themes if t is not None]
    where = " or ".join(([f"s.theme_id in ({marks(len(held))})"] if held else [])
                        + (["s.theme_id is null"] if None in themes else []))
    rows = db.execute(
        f"""select s.text_hash, min(s.id), min(s.text), count(*), avg(s.sentiment), e.vector
           from theme_segments s join embeddings e on e.text_hash = s.text_hash and e.model = ? and e.model_version = ?
           where ({where or "0"}) and s.sentiment is not null and s.themable > 0
             and (s.language is null or s.language = 'en')
             and (s.text_hash = ? or s.text_hash not in (select text_hash from sentiment_corrections))
           group by s.text_hash order by s.text_hash = ? desc, count(*) desc, s.text_hash limit ?""",
        [model, version, *held, text_hash, text_hash, ALIKE_SCAN]).fetchall()
    mine = next((r for r in rows if r[0] == text_hash), None)
    if mine is None:
        return []
    vectors = from_blobs(r[5] for r in rows).astype(np.float64)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    cosines = vectors @ vectors[rows.index(mine)]
    sign, negated = SIDES.index(side) - 1, _negated(mine[2] or "")
    found = []
    for row, cosine in zip(rows, cosines, strict=True):
        score = float(row[4])
        on_side = abs(score) < HEAD_NEUTRAL if sign == 0 else sign * score >= HEAD_NEUTRAL
        if row[0] == text_hash or cosine < ALIKE or on_side or _negated(row[2] or "") != negated:
            continue
        found.append({"segment_id": row[1], "text": row[2], "points": row[3], "model": round(score, 2),
                      "cosine": round(float(cosine), 3)})
        if len(found) == limit:
            break
    return found


def contradicted(db: sqlite_utils.Database, text_hash: str) -> list[tuple[int, str, float, str]]:
    """(id, label, sentiment, claim) of the themes and parents holding a text whose label now claims
    the other side of their sentiment ("Driver problems" at +0.22 once "The driver was lovely" reads
    as praise): labels follow sentiment at the next re-cluster, so the analyst is told now."""
    from feedback.themes.label import POSITIVE_THEME
    from feedback.themes.label_units import NEGATIVE_THEME
    from feedback.themes.parent_words import claim

    rows = db.execute(
        """select t.id, t.label, t.sentiment from themes t where t.sentiment is not null and t.id in (
               select theme_id from theme_segments where text_hash = ? and theme_id is not null
               union select p.parent_id from themes p join theme_segments s on s.theme_id = p.id
               where s.text_hash = ? and p.parent_id is not null)
           order by t.id""", [text_hash, text_hash]).fetchall()
    found = []
    for theme_id, label, sentiment in rows:
        sign, _ = claim(label or "")
        if (sign > 0 and sentiment <= NEGATIVE_THEME) or (sign < 0 and sentiment >= POSITIVE_THEME):
            found.append((theme_id, label, round(float(sentiment), 2), "praise" if sign > 0 else "problems"))
    return found
