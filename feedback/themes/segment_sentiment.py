"""Segment sentiment in the warehouse: the embedding head scores what the lexicon scored first.

``store.segment_new`` gives every new segment its lexicon score (VADER + service lexicon;
None outside English). Once the segments are embedded, :func:`score_segments` scores every
English themable segment again with the head of :mod:`feedback.text.sentiment_model`, which
reads the stored vector: complaints without a complaint word ("money still hasn't arrived")
and questions (neutral) come out right. The lexicon stays where the head cannot read: other
languages (segments there keep no score), segments too short to embed, and warehouses embedded
with another model than the head's.

Calibration on the company's own rated comments (NPS, CSAT, stars: ``items.rating``): once
``min_rated`` rated comments (default :data:`~feedback.text.sentiment_model.MIN_CALIBRATION`)
have head-scored segments, their rating bands calibrate the head
(:func:`~feedback.text.sentiment_model.fit_calibration`: a scale, two biases and an embedding
delta, so the head learns how this company's customers word a complaint). It is fitted on four
fifths of them (by a hash of the comment's id; a rated comment's contrast left out: :func:`contrasts`)
and applied only when it ranks the fifth it did not see clearly closer to the ratings than the
shipped head does (:func:`worth_applying`: the ratings must track sentiment at all, and the gain
must be real, not the noise of a small fifth: a calibration re-scores every comment, so a chance
gain would cost a full re-publish), and when it still reads plain sentences as the shipped head
does (:mod:`feedback.text.sentiment_anchors`, within :data:`ANCHOR_SLACK`: ratings belong to whole
comments, and a calibration can learn what merely sits beside a low rating); either way the fit and its figures
are kept in ``sentiment_calibration`` (one row per head version), and fitted again when the rated
comments have grown by a fifth. A new head, a new calibration or a new lexicon (its cues:
:data:`~feedback.text.sentiment.LEXICON_VERSION`) scores every segment again;
otherwise only segments cut since the last run are scored. A comment's published sentiment comes
from its segments (:func:`~feedback.text.sentiment_model.comment_score`).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import sqlite_utils

from feedback.embed import SupportsEmbed, from_blobs
from feedback.ratings import rating_band
from feedback.text import sentiment_anchors
from feedback.text.nothing_said import courtesy, prior_doubt
from feedback.text.sentiment import LEXICON_VERSION
from feedback.text.sentiment_model import (
    CLASSES,
    MIN_CALIBRATION,
    RIDGE,
    Calibration,
    SentimentHead,
    comment_score,
    fit_calibration,
    load_head,
    logits,
    score_segments,
)
from feedback.themes import sentiment_corrections as corrections
from feedback.themes import tone_edits
from feedback.themes.store import get_state, set_state
from feedback.warehouse.sql import chunks, marks, now_iso

log = logging.getLogger(__name__)

STATE_KEY = "segment_sentiment"
REFIT_GROWTH = 1.2  # refit the calibration when the rated comments have grown by this factor
MIN_AGREEMENT = 0.2  # Spearman a calibrated head must reach on the checked fifth: below it, ratings do not track sentiment
MIN_GAIN = 0.01  # Spearman a calibration must add on the checked fifth
ANCHOR_SLACK = 0.05  # macro-F1 on the anchor sentences a calibration may lose against the shipped head
# The pulls of the embedding delta towards none tried in turn (sentiment_model.RIDGE first): the freest
# calibration that keeps the anchor sentences is the one checked. On the sample company the first unlearnt
# them (0.844 -> 0.768) and was not applied; at 2 it keeps them (0.825) and ranks the checked fifth better
# (Spearman 0.600 -> 0.683; bench/RESULTS.md).
RIDGES = (RIDGE, 2 * RIDGE, 4 * RIDGE, 8 * RIDGE)
FITTER_KEY = "sentiment_calibration_fitter"  # the fitter that fitted the stored calibration (theme_state)
FITTER_VERSION = "3"  # 3: a rated comment's contrasts left out (:func:`contrasts`); 2: RIDGES in turn; 1 (before
# the state was kept): one ridge. A calibration stored by an older fitter is fitted again once.
CONFIDENCE = 0.95  # share of bootstrap resamples of the checked fifth in which the calibration must rank better
MAX_CALIBRATION = 5_000  # rated comments a calibration is fitted on at most (by id: a fixed sample); ~10 s a fit for 1,000 on a loaded core
_BATCH = 5000
_BANDS = {"low": 0, "medium": 1, "high": 2}
_SEGMENTS = """
    select s.id, s.item_id, s.text, e.vector, s.text_hash {extra} from theme_segments s {index}
    join embeddings e on e.text_hash = s.text_hash and e.model = ? and e.model_version = ?
    {join}
    where s.themable > 0 and (s.language is null or s.language = 'en') and ({where})
    order by s.id
"""


def score_pending(db: sqlite_utils.Database, embedder: SupportsEmbed, head: SentimentHead | None = None, *,
                  min_rated: int | None = MIN_CALIBRATION) -> int:
    """Score English themable segments with the head (see module docstring); returns how many.

    ``min_rated``: rated comments needed before the company's ratings calibrate the head; None
    never calibrates.
    """
    head = head or load_head()
    if embedder.name != head.model:
        log.info("segment sentiment stays the lexicon's: the head reads %s vectors, not %s", head.model, embedder.name)
        return 0
    state = get_state(db, STATE_KEY) or {}
    calibration = current_calibration(db, embedder, head, min_rated)
    cal_key = calibration.version if calibration else None
    through = db.execute("select max(created_at) from theme_segments").fetchone()[0]
    if (state.get("head") == head.version and state.get("calibration") == cal_key and state.get("through")
            and state.get("lexicon") == LEXICON_VERSION):
        where, params = "s.created_at > ?", [state["through"]]  # stamps are microseconds: none is shared across runs
        index = "indexed by idx_theme_segments_created_at"  # else SQLite reads every themable segment (3 s at 1M)
    else:
        where, params, index = "1", [], ""
    updates: list[tuple[float, str]] = []
    corrected = corrections.sides(db)  # a few rows, read once
    for ids, texts, vectors, _, hashes in _batches(db, embedder, where, params, index=index):
        scores = corrections.apply(score_segments(vectors, texts, head, calibration, alone(db, ids, texts),
                                                  embedder.encode), hashes, corrected)
        updates += [(float(s), i) for i, s in zip(ids, scores, strict=True)]
    done = {"head": head.version, "calibration": cal_key, "through": through, "lexicon": LEXICON_VERSION}
    if not updates and done == state:  # a night with nothing new writes nothing
        return 0
    with db.atomic():  # written once the read is over: no update under an open cursor
        db.conn.executemany("update theme_segments set sentiment = ? where id = ?", updates)
        set_state(db, STATE_KEY, done)
    log.info("scored %d segments with the sentiment head%s", len(updates),
             f" (calibrated on {calibration.comments} rated comments)" if calibration else "")
    return len(updates)


def alone(db: sqlite_utils.Database, ids: list[str], texts: list[str]) -> list[bool]:
    """Per segment (``item:seq`` ids), whether it is its comment's only scored point: asked of the warehouse
    only for the greetings, thanks and sign-offs (:func:`.nothing_said.courtesy`) and the doubts before the experience
    (:func:`.nothing_said.prior_doubt`), the only ones it changes."""
    asked = sorted({i.rpartition(":")[0] for i, text in zip(ids, texts, strict=True)
                    if courtesy(text) or prior_doubt(text)})
    points: dict[str, int] = {}
    for part in chunks(asked):
        points.update(db.execute(
            f"select item_id, count(*) from theme_segments where item_id in ({marks(len(part))}) and themable > 0"
            " and (language is null or language = 'en') group by item_id", part).fetchall())
    return [points.get(i.rpartition(":")[0], 1) <= 1 for i in ids]


def rescore_texts(db: sqlite_utils.Database, embedder: SupportsEmbed, text_hashes: list[str],
                  head: SentimentHead | None = None) -> int:
    """Score the segments with these texts (as embedded) again as the last night did (the head, the
    calibration it applied) with the analysts' corrections as they are now; returns how many changed.
    The caller refreshes the themes' figures (:func:`.store.refresh_theme_stats`)."""
    head = head or load_head()
    if embedder.name != head.model or not text_hashes:
        return 0
    stored = stored_calibration(db, head)
    used = (get_state(db, STATE_KEY) or {}).get("calibration")
    calibration = stored[0] if stored is not None and used and stored[0].version == used else None
    updates: list[tuple[float, str]] = []
    corrected = corrections.sides(db)
    for part in chunks(sorted(set(text_hashes))):
        for ids, texts, vectors, _, hashes in _batches(db, embedder, f"s.text_hash in ({marks(len(part))})", part):
            scores = corrections.apply(score_segments(vectors, texts, head, calibration, alone(db, ids, texts),
                                                      embedder.encode), hashes, corrected)
            updates += [(float(s), i) for i, s in zip(ids, scores, strict=True)]
    with db.atomic():  # rowcount: the segments whose score moved (sqlite3 sums it over executemany)
        cursor = db.conn.executemany("update theme_segments set sentiment = ? where id = ? and sentiment is not ?",
                                     [(s, i, s) for s, i in updates])
        return max(int(cursor.rowcount), 0)


def stored_calibration(db: sqlite_utils.Database, head: SentimentHead) -> tuple[Calibration, dict[str, Any]] | None:
    """The calibration fitted for ``head`` and its row (figures, ``applied``); None when there is none."""
    if not db["sentiment_calibration"].exists():
        return None
    rows = list(db.query("select * from sentiment_calibration where head = ?", [head.version]))
    if not rows:
        return None
    row = rows[0]
    try:
        delta = None
        if row["delta"] is not None:
            delta = np.frombuffer(row["delta"], dtype=np.float32).reshape(len(CLASSES), int(row["dim"])).copy()
        calibration = Calibration.from_json({"scale": row["scale"], "bias": json.loads(row["bias"]),
                                             "comments": row["comments"]}, delta)
    except (TypeError, ValueError, KeyError) as exc:  # a damaged row is fitted again, never used
        log.warning("stored sentiment calibration for head %s ignored: %s", head.version, exc)
        return None
    if calibration is None:
        return None
    return calibration, row


def current_calibration(db: sqlite_utils.Database, embedder: SupportsEmbed, head: SentimentHead,
                 min_rated: int | None) -> Calibration | None:
    """The calibration to score with: the stored one when it was applied, refitted when the rated
    comments have grown enough; None below the minimum or when it did not help."""
    if min_rated is None:
        return None
    rated_items = db.execute("select count(*) from items where rating is not null").fetchone()[0]
    if rated_items < min_rated:
        return None  # cheap bound first: most nights of most companies stop here
    stored = stored_calibration(db, head)
    if stored is not None and stored[1]["applied"] and stored[1].get("anchors_after") is None:
        stored = None  # applied before the anchor check existed: fitted and checked again
    if stored is not None and get_state(db, FITTER_KEY) != FITTER_VERSION:
        stored = None  # fitted by an older fitter: fitted once more (the ridges may keep it, the contrasts move it)
    corrected = corrections.count(db)
    moved = stored is not None and abs(corrected - (stored[1].get("corrections") or 0)) >= corrections.REFIT_STEP
    if stored is not None and not moved and rated_items < (stored[1]["rated"] or 0) * REFIT_GROWTH:
        # the rated comments with segments (counted below, a pass over every segment: 13 s at 1M)
        # are at most the rated items, so they have not grown enough either: no refit tonight
        return stored[0] if stored[1]["applied"] else None
    rated = db.execute(
        """select count(distinct s.item_id) from theme_segments s join items i on i.id = s.item_id
           where i.rating is not null and s.themable > 0 and (s.language is null or s.language = 'en')"""
    ).fetchone()[0]
    if rated < min_rated:
        return None
    if stored is not None and not moved and rated < (stored[1]["rated"] or 0) * REFIT_GROWTH:
        return stored[0] if stored[1]["applied"] else None
    segments = _rated_segments(db, embedder, head)
    if segments is None:
        return None
    texts, labels = sentiment_anchors.anchors()
    try:
        calibration, figures = fit_checked(*segments, anchors=(embedder.encode(list(texts)), list(texts), labels),
                                           corrected=_corrected_segments(db, embedder, head))
    except ValueError as exc:  # e.g. every rated comment fell in the checked fifth: nothing to fit on
        log.info("sentiment calibration not fitted: %s", exc)
        return None
    row = {"head": head.version, "fitted_at": now_iso(), "rated": rated, "comments": calibration.comments,
           "scale": calibration.scale, "bias": json.dumps(list(calibration.bias)),
           "dim": head.dim, "delta": None if calibration.delta is None else calibration.delta.astype(np.float32).tobytes(),
           "corrections": corrected, **figures}
    with db.atomic():
        db.table("sentiment_calibration").upsert(row, pk="head")
        set_state(db, FITTER_KEY, FITTER_VERSION)
    log.info("sentiment calibration on %d rated comments: held-out Spearman %s -> %s, anchor sentences %s -> %s (%s)",
             calibration.comments, figures["spearman_before"], figures["spearman_after"], figures["anchors_before"],
             figures["anchors_after"], "applied" if figures["applied"] else "not applied")
    return calibration if figures["applied"] else None


RatedSegments = tuple[np.ndarray, np.ndarray, list[str], list[str], np.ndarray, SentimentHead]


def _rated_segments(db: sqlite_utils.Database, embedder: SupportsEmbed, head: SentimentHead) -> RatedSegments | None:
    """(logits, vectors, texts, owners, ratings per segment, head) of the rated comments' segments
    (at most :data:`MAX_CALIBRATION` comments, by id)."""
    raw, vectors, texts, owners, ratings = [], [], [], [], []
    where = f"i.id in (select id from items where rating is not null order by id limit {MAX_CALIBRATION})"
    for _, batch_texts, batch_vectors, extra, _ in _batches(db, embedder, where, [], rated=True):
        raw.append(logits(batch_vectors, batch_texts, head))
        vectors.append(batch_vectors)
        texts += batch_texts
        owners += [item for item, _, _ in extra]
        ratings += [(rating, scale) for _, rating, scale in extra]
    if not raw:
        return None
    bands = np.array([_BANDS[str(rating_band(rating, scale))] for rating, scale in ratings])
    return np.vstack(raw), np.vstack(vectors), texts, owners, bands, head


def _corrected_segments(db: sqlite_utils.Database, embedder: SupportsEmbed, head: SentimentHead,
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(logits, vectors, sides as CLASSES indices) of the analysts' corrected texts that are embedded."""
    rows = corrections.training_rows(db)
    blobs: dict[str, bytes] = {}
    for part in chunks([h for h, _, _ in rows]):
        blobs.update(db.execute(f"select text_hash, vector from embeddings where model = ? and model_version = ?"
                                f" and text_hash in ({marks(len(part))})", [embedder.name, embedder.version, *part]).fetchall())
    kept = [(h, text, side) for h, text, side in rows if h in blobs]
    if not kept:
        return None
    vectors = from_blobs(blobs[h] for h, _, _ in kept)
    return (logits(vectors, [text for _, text, _ in kept], head), vectors,
            np.array([CLASSES.index(side) for _, _, side in kept]))


def _checked(item: str) -> bool:
    """Whether a rated comment is in the fifth a calibration is checked on, never fitted on."""
    return int(hashlib.sha256(item.encode("utf-8")).hexdigest()[:8], 16) % 5 == 0


def fit_checked(raw: np.ndarray, vectors: np.ndarray, texts: list[str], owners: list[str], bands: np.ndarray,
                head: SentimentHead, anchors: tuple[np.ndarray, list[str], np.ndarray] | None = None,
                corrected: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
                ridges: Sequence[float] = RIDGES) -> tuple[Calibration, dict[str, Any]]:
    """A calibration fitted on four fifths of the rated comments and its figures on the other fifth:
    Spearman of the comment score against the rating band and binary macro-F1 (low vs high),
    before and after; ``applied`` when the Spearman rose. With ``anchors``, the embedding delta is
    held back harder (:data:`RIDGES`, in turn) until the calibration reads the anchor sentences within
    :data:`ANCHOR_SLACK` of the shipped head; none that does is not applied (``ridges``: the ladder, first to last;
    bench/calibration_companies.py measures one rung at a time). ``corrected``: (logits,
    vectors, sides) of analysts' corrected segments, fitted beside the fitted part's, each
    :data:`.sentiment_corrections.WEIGHT` comments' worth (never in the checked fifth). A rated comment's contrasts
    (:func:`contrasts`) are not fitted, each comment weighing one over the segments that are; ``contrasts``: how many."""
    if not ridges:
        raise ValueError("a calibration needs at least one ridge to fit with")
    segments = Counter(owners)
    check = np.array([_checked(item) for item in owners])
    shipped = score_segments(vectors, texts, head, alone=[segments[o] == 1 for o in owners])  # as published
    fit = ~check & ~contrasts(shipped, owners, bands)
    if not fit.any() or not check.any():
        raise ValueError("the rated comments do not fill both the fitted and the checked part")
    kept = Counter(o for o, f in zip(owners, fit, strict=True) if f)
    weights = np.array([1.0 / kept[item] if kept[item] else 0.0 for item in owners])  # a comment weighs 1
    comments = len(kept)
    checked_texts = [t for t, c in zip(texts, check, strict=True) if c]
    checked_owners = [o for o, c in zip(owners, check, strict=True) if c]
    figures: dict[str, Any] = {"checked": len(set(checked_owners)), "contrasts": int((~check & ~fit).sum())}
    only = [segments[o] == 1 for o in checked_owners]  # the comments read as published (courtesy beside points: 0)
    values = {"before": _comment_values(shipped[check], checked_owners, bands[check])}
    figures["spearman_before"], figures["f1_before"] = _figures(*values["before"])
    if anchors is not None:  # (vectors, texts, CLASSES indices) of sentences any reader agrees on
        figures["anchors_before"] = sentiment_anchors.agreement(score_segments(anchors[0], anchors[1], head), anchors[2])
    fitted = [raw[fit], bands[fit], weights[fit], vectors[fit]]
    if corrected is not None:  # a person's reading of one segment, beside the comments' ratings
        extra = (corrected[0], corrected[2], np.full(len(corrected[2]), corrections.WEIGHT), corrected[1])
        fitted = [np.concatenate([mine, theirs]) for mine, theirs in zip(fitted, extra, strict=True)]
    for ridge in ridges if anchors is not None else ridges[:1]:  # the freest that still reads plain English
        calibration = fit_calibration(fitted[0], fitted[1], fitted[2], comments=comments, vectors=fitted[3],
                                      ridge=ridge)
        reads = True
        if anchors is not None:
            figures["anchors_after"] = sentiment_anchors.agreement(
                score_segments(anchors[0], anchors[1], head, calibration), anchors[2])
            reads = figures["anchors_after"] >= figures["anchors_before"] - ANCHOR_SLACK
        if reads:
            break
    values["after"] = _comment_values(score_segments(vectors[check], checked_texts, head, calibration, only),
                                      checked_owners, bands[check])
    figures["spearman_after"], figures["f1_after"] = _figures(*values["after"])
    figures["applied"] = int(worth_applying(values["before"], values["after"]) and reads)
    log.info("sentiment calibration fitted with ridge %s (%s)", ridge, "kept" if reads else "unlearns the anchors")
    return calibration, figures


def contrasts(scores: np.ndarray, owners: list[str], bands: np.ndarray) -> np.ndarray:
    """Which segments are a rated comment's contrast, left out of a calibration's fit: in a low-rated comment one the
    shipped head reads as praise ("However, the potatoes were really fresh."), in a high-rated one a complaint, when
    another segment of the comment is read on its rating's side and so accounts for the rating. A rating belongs to
    the whole comment; fitted on such segments, the calibration learnt that the company's customers praise fresh food
    in complaints and read "The mushrooms were really fresh." as one (-0.28 on the sample company)."""
    sign = np.where(bands == 0, -1.0, np.where(bands == 2, 1.0, 0.0)) * np.asarray(scores, dtype=np.float64)
    agrees = Counter(o for o, s in zip(owners, sign, strict=True) if s > 0)
    return np.array([s < 0 and agrees[o] > 0 for o, s in zip(owners, sign, strict=True)], dtype=bool)


def worth_applying(before: tuple[np.ndarray, np.ndarray], after: tuple[np.ndarray, np.ndarray]) -> bool:
    """Whether a calibration ranks the checked comments clearly better than the shipped head:
    ``(comment scores, bands)`` of each. Its Spearman must reach :data:`MIN_AGREEMENT`, beat the
    head's by :data:`MIN_GAIN`, and beat it in :data:`CONFIDENCE` of 200 bootstrap resamples of
    the checked comments (a fixed seed: the same comments give the same answer)."""
    from scipy.stats import spearmanr

    (old, truth), (new, _) = before, after
    if len(truth) < 3 or len(set(truth.tolist())) < 2 or len(set(new.tolist())) < 2:
        return False
    rho_new = float(spearmanr(new, truth).statistic)
    rho_old = float(spearmanr(old, truth).statistic) if len(set(old.tolist())) > 1 else 0.0
    if not rho_new >= MIN_AGREEMENT or not rho_new - rho_old >= MIN_GAIN:  # "not >=": a NaN fails too
        return False
    rng = np.random.default_rng(0)
    wins = 0
    for _ in range(200):
        pick = rng.integers(0, len(truth), len(truth))
        sample = truth[pick]
        if len(set(sample.tolist())) < 2:
            continue
        gained = np.nan_to_num(spearmanr(new[pick], sample).statistic) - np.nan_to_num(spearmanr(old[pick], sample).statistic)
        wins += bool(gained > 0)
    return wins >= CONFIDENCE * 200


def _comment_values(scores: np.ndarray, owners: list[str], bands: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(each comment's score from its segments' ``scores``, its band), comments in id order."""
    by_item: dict[str, list[float]] = {}
    band: dict[str, int] = {}
    for score, item, b in zip(scores, owners, bands, strict=True):
        by_item.setdefault(item, []).append(float(score))
        band[item] = int(b)
    items = sorted(by_item)
    return np.array([comment_score(by_item[i]) or 0.0 for i in items]), np.array([band[i] for i in items])


def _figures(values: np.ndarray, truth: np.ndarray) -> tuple[float | None, float | None]:
    """(Spearman of comment scores vs bands, binary macro-F1 of low vs high read at -0.05); None where
    it cannot be computed (one band, too few comments)."""
    from scipy.stats import spearmanr
    from sklearn.metrics import f1_score

    if len(truth) < 3 or len(set(truth.tolist())) < 2 or len(set(values.tolist())) < 2:
        return None, None
    spearman = round(float(spearmanr(values, truth).statistic), 4)
    sided = truth != 1
    f1 = None
    if len(set(truth[sided].tolist())) == 2:
        f1 = round(float(f1_score(truth[sided] == 2, values[sided] > -0.05, average="macro")), 4)
    return spearman, f1


def _batches(db: sqlite_utils.Database, embedder: SupportsEmbed, where: str, params: list[Any], *,
             rated: bool = False, index: str = "") -> Iterator[tuple[list[str], list[str], np.ndarray,
                                                                    list[tuple[str, float, str]], list[str]]]:
    """(segment ids, display texts, vectors, [(item, rating, scale)] when ``rated``, text hashes) in
    batches (``index``: an "indexed by" clause for the segments)."""
    sql = _SEGMENTS.format(extra=", i.rating, i.rating_scale" if rated else "", index=index,
                           join="join items i on i.id = s.item_id" if rated else "", where=where)
    cursor = db.execute(sql, [embedder.name, embedder.version, *params])
    while rows := cursor.fetchmany(_BATCH):
        extra = [(r[1], float(r[5]), r[6]) for r in rows] if rated else []
        yield ([r[0] for r in rows], [r[2] or "" for r in rows], from_blobs(r[3] for r in rows), extra,
               [r[4] for r in rows])


def correct(db: sqlite_utils.Database, embedder: SupportsEmbed, segment_id: str, side: str | None,
            note: str | None = None, alike: Sequence[str] = ()) -> tuple[dict[str, Any], int]:
    """An analyst's correction of a segment's sentiment (``side``; None takes the correction away),
    applied at once to every segment with its text (:mod:`.sentiment_corrections`), the themes'
    figures refreshed; returns (the segment's row, how many segments' scores moved). ``alike``: more
    segments corrected to ``side`` with it, each text its own correction (``tone --alike``), in one pass. Kept as
    an edit ``feedback themes undo`` takes back (:mod:`.tone_edits`)."""
    from feedback.themes.store import refresh_theme_stats

    row = corrections.segment(db, segment_id)
    others = [corrections.segment(db, other) for other in alike]
    if others and side is None:
        raise ValueError("texts read alike are corrected to a side, not cleared with a correction")
    hashes = sorted({each["text_hash"] for each in [row, *others]})
    with db.atomic():
        before = tone_edits.rows_now(db, hashes)
        if side is None:
            if not corrections.forget(db, row["text_hash"]):
                raise corrections.CorrectionError(f"segment {segment_id} has no correction to take away")
        else:
            for each in [row, *others]:
                corrections.record(db, each, side, note)
        tone_edits.record(db, {"segment": segment_id, "text": row["text"] or "", "side": side,
                               "alike": len(hashes) - 1}, before, tone_edits.rows_now(db, hashes))
        moved = rescore_texts(db, embedder, hashes)
        if moved:
            refresh_theme_stats(db)
        # the archive marks a corrected point (segments.sentiment_corrected) even where its score did not move
        db.execute("insert into publish_changes (kind, key) select distinct 'item', item_id from theme_segments"
                   f" where text_hash in ({marks(len(hashes))})", hashes)
    return row, moved


MOVED = 0.6  # a suggestion: the company's calibration moved a text's reading at least this far from the shipped head's
MOVES_SCAN = 5000  # the most shared texts read again by the shipped head for it


def calibration_moves(db: sqlite_utils.Database, embedder: SupportsEmbed, limit: int = 20,
                      head: SentimentHead | None = None) -> list[dict[str, Any]]:
    """Up to ``limit`` uncorrected texts (of the :data:`MOVES_SCAN` most shared) whose reading the company's
    calibration moved at least :data:`MOVED` from the shipped head's, the most shared first: where an
    analyst checks what the company's ratings taught (on the sample, "Really good quality fresh food, the
    avocados especially." +0.76 -> +0.05, but also "Booking a slot and checking out takes no time at all."
    -0.93 -> -0.16). None without an applied calibration."""
    head = head or load_head()
    used = (get_state(db, STATE_KEY) or {}).get("calibration")
    stored = stored_calibration(db, head)
    if embedder.name != head.model or not used or stored is None or stored[0].version != used:
        return []
    rows = db.execute(
        """select s.text_hash, min(s.id), min(s.text), count(*), avg(s.sentiment), e.vector, min(t.label)
           from theme_segments s join embeddings e on e.text_hash = s.text_hash and e.model = ? and e.model_version = ?
           left join themes t on t.id = s.theme_id
           where s.themable > 0 and (s.language is null or s.language = 'en') and s.sentiment is not null
             and s.text_hash not in (select text_hash from sentiment_corrections)
           group by s.text_hash order by count(*) desc, s.text_hash limit ?""",
        [embedder.name, embedder.version, MOVES_SCAN]).fetchall()
    if not rows:
        return []
    shipped = score_segments(from_blobs(r[5] for r in rows), [r[2] or "" for r in rows], head)
    found = [{"segment_id": r[1], "text": r[2], "points": r[3], "shipped": round(float(before), 2),
              "model": round(float(r[4]), 2), "theme": r[6]}
             for r, before in zip(rows, shipped, strict=True) if abs(float(before) - float(r[4])) >= MOVED]
    return found[:limit]
