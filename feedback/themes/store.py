"""Warehouse reads and writes of the theme engine: segments, vectors, theme rows, history.

Every SQL statement the engine (:mod:`.engine`) runs is a named function here.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Collection
from operator import itemgetter
from typing import Any, NamedTuple

import numpy as np
import sqlite_utils

from feedback.embed import (
    SupportsEmbed,
    ensure_embeddings,
    from_blobs,
    load_embeddings,
    missing_hashes,
    text_hash,
    to_blob,
)
from feedback.text import segments as nlp
from feedback.text.sentiment import sentiment as vader
from feedback.themes import cluster, sums
from feedback.warehouse import now_iso
from feedback.warehouse.sql import chunks, marks

log = logging.getLogger(__name__)


_UNSEGMENTED = """
    select p.item_id, p.text_hash, p.title, p.text, i.channel, p.language, i.source
    from processed p left join items i on i.id = p.item_id
    where not exists (select 1 from theme_segments s
                      where s.item_id = p.item_id and s.source_hash is p.text_hash) {also}
    order by p.item_id
"""
# (item id, source hash, text, language, title read beside the text or None, read whole: ThemeSettings.read_whole):
# what a comment is segmented from
SegmentInput = tuple[str, str, str, str | None, str | None, bool]
THEMED, TITLE_POINT = 1, 2  # themable: a point the themes are made of; a review title's point, scored in no theme
# a theme_segments row without created_at: (id, item_id, seq, source_hash, text, text_hash, themable, language, sentiment)
SegmentRecord = tuple[str, str, int, str, str, str, int, str | None, float | None]

SEGMENTED_THROUGH = "segmented_through"  # theme_state: every comment processed before this stamp has segments
EMBEDDED_FOR = "embedded_for"  # theme_state: [model, version] every segment a night has seen has a vector of


def segment_new(db: sqlite_utils.Database, whole: Collection[str] = ()) -> int:
    """Cut processed comments that have no segments yet (or whose text changed) into segments (those of the sources
    in ``whole`` into one)."""
    newest = db.execute("select max(processed_at) from processed").fetchone()[0]
    rows = unsegmented(db, whole=whole)
    records = segment_records(rows) if rows else []
    # The segments first, in their own transaction, then the stamp: a run killed in between
    # leaves the older stamp, and the next one looks at more comments, never fewer. (Not one
    # transaction: the segments written inside a savepoint cost 60-75 s for 11k at 200k comments,
    # against 0.6 s.)
    if rows:
        write_segments(db, [row[0] for row in rows], records)
    if newest is not None and newest != get_state(db, SEGMENTED_THROUGH):
        set_state(db, SEGMENTED_THROUGH, newest)
    if rows:
        log.info("segmented %d comments into %d segments", len(rows), len(records))
    return len(records)


def unsegmented(db: sqlite_utils.Database, ids: list[str] | None = None, whole: Collection[str] = ()
                ) -> list[SegmentInput]:
    """The processed comments :func:`segment_new` would cut (of these ``ids`` only, when given)."""
    if ids is None:  # the ids first, from the indexes: the processed texts are read only for those
        ids = unsegmented_ids(db)
    found: list[SegmentInput] = []
    for part in chunks(ids):
        found += (as_input(row, whole) for row in db.execute(
            _UNSEGMENTED.format(also=f"and p.item_id in ({marks(len(part))})"), part))
    return sorted(found)


def as_input(row: tuple[str, str, str | None, str | None, str | None, str | None, str | None],
             whole: Collection[str] = ()) -> SegmentInput:
    """(item id, source hash, title, text, channel, language, source) -> what the comment is cut from: its text (its
    title when it has none), a review's title to read beside it (:func:`feedback.text.segments.title_to_read`), and
    whether its source is one of ``whole``, whose comments are each read as one point."""
    item_id, source_hash, title, text, channel, language, source = row
    body = text if text and text.strip() else title or ""
    return item_id, source_hash, body, language, nlp.title_to_read(title, text, channel), source in whole


def unsegmented_ids(db: sqlite_utils.Database) -> list[str]:
    """The ids of :func:`unsegmented` comments, without their texts (how a batch travels): of
    those processed since :func:`segment_new` last cut every comment, when it has."""
    through = get_state(db, SEGMENTED_THROUGH)
    if not (isinstance(through, str) and re.match(r"\d{4}-\d\d-\d\dT", through)):  # none kept (or damaged)
        rows = db.execute(
            """select p.item_id from processed p indexed by idx_processed_probe where not exists
               (select 1 from theme_segments s where s.item_id = p.item_id and s.source_hash is p.text_hash)""")
    else:  # ">=": a comment processed in the same microsecond as the last one cut is looked at again
        rows = db.execute(
            """select p.item_id from processed p indexed by idx_processed_at where p.processed_at >= ? and not exists
               (select 1 from theme_segments s where s.item_id = p.item_id and s.source_hash is p.text_hash)""",
            [through])
    return sorted(row[0] for row in rows)


def cut(rows: list[SegmentInput]) -> list[list[tuple[nlp.Segment, int]]]:
    """Each comment's segments with their ``themable`` value: a review title's points first (:data:`TITLE_POINT`:
    read for the comment's sentiment, in no theme; a generic headline, "Love it!", made the review themes less
    steady: bench/RESULTS.md; a title piece with nothing to read, "!!! 😍", is left out), then its text's; one
    empty unthemable segment for a comment with no text, so it is not read again; a comment read whole is one."""
    cuts = nlp.segment_many(None if row[5] else row[2] for row in rows)
    texts = [nlp.read_whole(row[2]) if row[5] else found for row, found in zip(rows, cuts, strict=True)]
    titles = nlp.segment_many(row[4] for row in rows)
    out = []
    for title, text in zip(titles, texts, strict=True):
        points = [(seg, TITLE_POINT) for seg in title if nlp.is_themable(seg.clean)]
        points += [(seg, THEMED if nlp.is_themable(seg.clean) else 0) for seg in text or [nlp.Segment(0, "", "")]]
        out.append([(nlp.Segment(seq, seg.text, seg.clean), kind) for seq, (seg, kind) in enumerate(points)])
    return out


def segment_records(rows: list[SegmentInput]) -> list[SegmentRecord]:
    """The segments of these comments (:func:`cut`), with their lexicon sentiment."""
    records: list[SegmentRecord] = []
    for (item_id, source_hash, _, language, _, _), segments in zip(rows, cut(rows), strict=True):
        for seg, themable in segments:
            records.append(
                (
                    f"{item_id}:{seg.seq}", item_id, seg.seq, source_hash, seg.text,
                    text_hash(seg.clean), themable, language,
                    vader(seg.text, language) if language in (None, "en") else None,
                )
            )
    return records


def write_segments(db: sqlite_utils.Database, item_ids: list[str], records: list[SegmentRecord],
                   stamp: str | None = None) -> None:
    """Replace the segments of ``item_ids`` by ``records``, in one transaction."""
    stamp = stamp or now_iso()
    with db.atomic():
        for part in chunks(item_ids):
            db.execute(f"delete from theme_segments where item_id in ({marks(len(part))})", part)
        db.conn.executemany(
            "insert into theme_segments (id, item_id, seq, source_hash, text, text_hash, themable,"
            " language, sentiment, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(*record, stamp) for record in records],
        )


def embed_pending(db: sqlite_utils.Database, embedder: SupportsEmbed) -> int:
    """Embed the cleaned text of every themable segment that has no vector for this model."""
    hashes = unembedded(db, embedder)
    done = ensure_embeddings(db, embedding_texts(db, hashes), embedder) if hashes else 0
    if get_state(db, EMBEDDED_FOR) != [embedder.name, embedder.version]:
        set_state(db, EMBEDDED_FOR, [embedder.name, embedder.version])
    return done


def unembedded(db: sqlite_utils.Database, embedder: SupportsEmbed) -> list[str]:
    """The text hashes of themable segments (and review titles' points) with no vector for this model, in
    segment order (the order :func:`~feedback.embed.ensure_embeddings` embeds them in, chunk by chunk)."""
    # sorted here, not by SQL: an "order by s.id" makes SQLite walk every segment row in id order
    # instead of the (themable, text_hash, id) index (warehouse migration 0120). Once every
    # segment had a vector of this model (:func:`embed_pending`), only segments no night has
    # assigned yet can lack one: those are read from their partial index.
    only_new = get_state(db, EMBEDDED_FOR) == [embedder.name, embedder.version]
    rows = db.execute(
        f"""select s.id, s.text_hash from theme_segments s
            {"indexed by idx_theme_segments_unassigned" if only_new else ""}
            where s.themable > 0 {"and s.assigned_at is null" if only_new else ""} and not exists
           (select 1 from embeddings e where e.text_hash = s.text_hash and e.model = ?
            and e.model_version = ?)""",
        [embedder.name, embedder.version],
    ).fetchall()
    return list(dict.fromkeys(text_hash for _, text_hash in sorted(rows)))


def embedding_texts(db: sqlite_utils.Database, hashes: list[str]) -> dict[str, str]:
    """The cleaned text (what is embedded) of each hash, in the hashes' order."""
    raw: dict[str, str] = {}
    for part in chunks(hashes):
        for h, text in db.execute(
            f"select text_hash, text from theme_segments where text_hash in ({marks(len(part))})", part
        ):
            raw.setdefault(h, text)
    return {h: nlp.clean_for_embedding(raw[h]) for h in hashes if h in raw}


class ModelKey(NamedTuple):
    """The model a set of stored vectors belongs to (what :func:`segment_vectors` reads of an embedder)."""

    name: str
    version: str


def segment_vectors(
    db: sqlite_utils.Database, embedder: SupportsEmbed | ModelKey, where: str = "1", params: list[Any] | None = None,
    *, context: float = 0.0,
) -> tuple[list[str], list[str], np.ndarray]:
    """(segment ids, text hashes, vectors) of the themable segments matching ``where``.

    ``context`` > 0: the vectors the themes are fitted and assigned by, each segment's mixed with the
    mean vector of its comment's themable segments (:func:`.cluster.in_context`, ``context_weight``),
    whichever of them ``where`` selects; the stored embeddings stay the segments' own.
    """
    rows = sorted(db.execute(  # by id, sorted here: SQLite's sort of the rows with their vectors took a third more
        f"""select s.id, s.text_hash, e.vector, s.item_id from theme_segments s
            join embeddings e on e.text_hash = s.text_hash and e.model = ? and e.model_version = ?
            where s.themable = 1 and ({where})""", [embedder.name, embedder.version, *(params or [])]),
        key=itemgetter(0))
    ids = [r[0] for r in rows]
    hashes = [r[1] for r in rows]
    vectors = from_blobs((r[2] for r in rows), dim=None)
    if context and rows:
        items = [r[3] for r in rows]
        siblings, of = (vectors, items) if where == "1" else _comment_vectors(db, embedder, sorted(set(items)))
        vectors = cluster.in_context(vectors, cluster.comment_means(siblings, of, items), context)
    return ids, hashes, vectors


def _comment_vectors(db: sqlite_utils.Database, embedder: SupportsEmbed | ModelKey,
                     items: list[str]) -> tuple[np.ndarray, list[str]]:
    """(vectors, item id of each) of every themable segment of ``items``."""
    blobs: list[bytes] = []
    of: list[str] = []
    for part in chunks(items):
        for item_id, blob in db.execute(
            f"""select s.item_id, e.vector from theme_segments s
                join embeddings e on e.text_hash = s.text_hash and e.model = ? and e.model_version = ?
                where s.themable = 1 and s.item_id in ({marks(len(part))})""",
            [embedder.name, embedder.version, *part],
        ):
            of.append(item_id)
            blobs.append(blob)
    return from_blobs(blobs), of


def theme_rows(db: sqlite_utils.Database, statuses: tuple[str, ...] = ("active",)) -> list[dict[str, Any]]:
    cursor = db.execute(f"select * from themes where status in ({marks(len(statuses))}) order by id",
                        list(statuses))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


def centroid_matrix(rows: list[dict[str, Any]]) -> np.ndarray:
    return from_blobs(r["centroid"] for r in rows)


def next_theme_id(db: sqlite_utils.Database) -> int:
    """An id no theme has had: above every theme's, and every id the history names (an undone
    edit's new themes are gone, their history is not)."""
    row = db.execute("select max(coalesce((select max(id) from themes), 0),"
                     " coalesce((select max(theme_id) from theme_history), 0))").fetchone()
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


NEW_WINDOW_DAYS = 28  # a theme is new while its first comment is this recent (the trends' 4 weeks)


def refresh_theme_stats(db: sqlite_utils.Database, embedder: SupportsEmbed | None = None, *,
                        full: bool = False) -> None:
    """Size, comments, sentiment, dates, newness and representatives of every active and parent theme.

    ``first_seen`` / ``last_seen`` are the earliest / latest ``received_at`` of the theme's
    comments (a parent: of its children's); when the engine made the theme is ``created_at``.
    A theme ``is_new`` while its first comment is at most :data:`NEW_WINDOW_DAYS` older than the
    newest comment of all: new because what customers say is new, never because a fit or the
    outlier pool produced it. The figures come from the kept sums (:mod:`.sums`), which add only
    the segments changed since the last refresh; ``full`` counts them again from every segment.
    """
    stamp = now_iso()
    sums.sync(db, full=full)
    found = sums.read(db)
    none = sums.Sums()
    active = [r[0] for r in db.execute("select id from themes where status = 'active'")]
    db.conn.executemany(
        "update themes set size = ?, comments = ?, sentiment = ?, first_seen = ?, last_seen = ?,"
        " representatives = ?, updated_at = ? where id = ?",
        [(s.segments, s.comments, _mean(s.sentiment_total, s.sentiment_n), s.first, s.last,
          json.dumps(s.representatives), stamp, theme_id)
         for theme_id in active for s in [found.get(theme_id, none)]],
    )
    children: dict[int, list[sums.Sums]] = {}
    for child, parent in db.execute("select id, parent_id from themes where status = 'active' and parent_id is not null"):
        children.setdefault(parent, []).append(found.get(child, none))
    updates = []
    for (parent,) in db.execute("select id from themes where status = 'parent'").fetchall():
        kids = children.get(parent, [])
        firsts, lasts = [k.first for k in kids if k.first], [k.last for k in kids if k.last]
        updates.append((sum(k.segments for k in kids), found.get(parent, none).comments,
                        _mean(sum(k.sentiment_total for k in kids), sum(k.sentiment_n for k in kids)),
                        min(firsts, default=None), max(lasts, default=None), stamp, parent))
    db.conn.executemany("update themes set size = ?, comments = ?, sentiment = ?, first_seen = ?, last_seen = ?,"
                        " updated_at = ? where id = ?", updates)
    newest = db.execute("select max(received_at) from items").fetchone()[0]
    db.execute(
        """update themes set is_new = coalesce(first_seen >= strftime('%Y-%m-%dT%H:%M:%SZ', ?, ?), 0)
           where status in ('active', 'parent')""",
        [newest, f"-{NEW_WINDOW_DAYS} days"],
    )


def _mean(total: int, n: int) -> float | None:
    """A sentiment average from its sum in millionths."""
    return round(total / sums.SENTIMENT_UNIT / n, 4) if n else None


def member_centroid(db: sqlite_utils.Database, theme_id: int, name: str, version: str,
                    context: float = 0.0) -> np.ndarray | None:
    """The unit mean of a theme's member vectors, in the space its centroid lives in (``context``:
    the settings' ``context_weight``, as the fit and the nights mix them)."""
    _, _, vectors = segment_vectors(db, ModelKey(name, version), "s.theme_id = ?", [theme_id], context=context)
    if not len(vectors):
        return None
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



# --- segments ------------------------------------------------------------------------------


def unassigned_vectors(
    db: sqlite_utils.Database, embedder: SupportsEmbed, context: float = 0.0
) -> tuple[list[str], list[str], np.ndarray]:
    """Themable segments no nightly run has assigned yet (see :func:`segment_vectors`)."""
    return segment_vectors(db, embedder, "s.assigned_at is null", context=context)


def has_unassigned(db: sqlite_utils.Database) -> bool:
    """Whether a segment waits for a nightly run to assign it (cut, but not yet seen by one)."""
    return bool(db.execute("select exists(select 1 from theme_segments where assigned_at is null)").fetchone()[0])


def theme_cohesion(db: sqlite_utils.Database) -> list[float]:
    """Each active theme's mean cosine of its segments to its centre (how tight the themes are),
    from the kept sums (:mod:`.sums`, brought up to date first)."""
    sums.sync(db)
    active = [r[0] for r in db.execute("select id from themes where status = 'active' order by id")]
    return [s.score_total / sums.SCORE_UNIT / s.score_n for s in sums.read(db, active).values() if s.score_n]


def outlier_vectors(
    db: sqlite_utils.Database, embedder: SupportsEmbed, context: float = 0.0
) -> tuple[list[str], list[str], np.ndarray]:
    """Themable segments in no theme: the outlier pool (see :func:`segment_vectors`)."""
    return segment_vectors(db, embedder, "s.theme_id is null", context=context)


def stamp_unassigned(db: sqlite_utils.Database, stamp: str) -> None:
    """Mark every segment not yet assigned as seen by the run ``stamp`` (fitting a theme or not)."""
    db.execute("update theme_segments set assigned_at = ? where assigned_at is null", [stamp])


def clear_assignments(db: sqlite_utils.Database, stamp: str) -> None:
    """Take every segment out of its theme (a full fit assigns them all again)."""
    db.execute("update theme_segments set theme_id = null, score = null, assigned_at = ?", [stamp])


def theme_segment_ids(db: sqlite_utils.Database, theme_id: int) -> set[str]:
    return {r[0] for r in db.execute("select id from theme_segments where theme_id = ?", [theme_id])}


def segment_texts(db: sqlite_utils.Database, seg_ids: list[str]) -> dict[str, tuple[str, str | None]]:
    """Segment id -> (text, language) for the given ids that exist."""
    out: dict[str, tuple[str, str | None]] = {}
    for part in chunks(seg_ids):
        for seg_id, text, language in db.execute(
            f"select id, text, language from theme_segments where id in ({marks(len(part))})", part
        ):
            out[seg_id] = (text, language)
    return out


def theme_texts(db: sqlite_utils.Database, theme_id: int, limit: int) -> list[str]:
    """The texts of a theme's best-scoring segments, at most ``limit``."""
    return [r[0] for r in db.execute(
        "select text from theme_segments indexed by idx_theme_segments_theme_score where theme_id = ?"
        " order by score desc limit ?", [theme_id, limit])]


# --- themes --------------------------------------------------------------------------------


def insert_theme(db: sqlite_utils.Database, theme_id: int, lab: str, keywords: list[str],
                 centroid: np.ndarray, embedder: SupportsEmbed, run: str, *,
                 parent_id: int | None = None, split_of: int | None = None) -> None:
    """A new active (leaf) theme, with no segments counted yet (dates and newness come from its
    comments: :func:`refresh_theme_stats`)."""
    db.table("themes").insert(
        {"id": theme_id, "label": lab, "label_pinned": 0, "keywords": json.dumps(keywords),
         "parent_id": parent_id, "level": 0, "status": "active", "split_of": split_of, "size": 0,
         "is_new": 0, "centroid": to_blob(centroid), "model": embedder.name,
         "model_version": embedder.version, "created_at": run, "updated_at": run}
    )


def insert_parent(db: sqlite_utils.Database, theme_id: int, lab: str, keywords: list[str],
                  centroid: np.ndarray, run: str) -> None:
    """A new top-level theme grouping leaves (their ``parent_id`` is set separately)."""
    db.table("themes").insert({"id": theme_id, "label": lab, "label_pinned": 0,
                               "keywords": json.dumps(keywords), "level": 1,
                               "status": "parent", "centroid": to_blob(centroid),
                               "is_new": 0, "created_at": run, "updated_at": run})


def update_theme(db: sqlite_utils.Database, theme_id: int, values: dict[str, Any]) -> None:
    """Set columns of an existing theme row (``values`` in stored form: JSON text, blobs)."""
    db.table("themes").update(theme_id, values)


def retire_theme(db: sqlite_utils.Database, theme_id: int, stamp: str) -> None:
    db.table("themes").update(theme_id, {"status": "retired", "updated_at": stamp})


def clear_parents(db: sqlite_utils.Database) -> None:
    """Detach every active theme from its parent (a fit plans the top level again)."""
    db.execute("update themes set parent_id = null where status = 'active'")


def child_ids(db: sqlite_utils.Database, parent_id: int) -> set[int]:
    return {r[0] for r in db.execute("select id from themes where parent_id = ?", [parent_id])}


def anchored_ids(db: sqlite_utils.Database) -> set[int]:
    """Themes an analyst shaped: pinned or renamed, split off, or split."""
    return {
        r[0]
        for r in db.execute(
            """select id from themes where status = 'active' and (label_pinned = 1 or split_of is not null
               or id in (select split_of from themes where split_of is not null))"""
        )
    }


def stored_encoder(db: sqlite_utils.Database, embedder: SupportsEmbed) -> Callable[[list[str]], np.ndarray]:
    """``embedder.encode`` that reads a text's stored vector (its cleaned text's, as segments are embedded) when
    the warehouse has one: a theme's segments cost nothing to read again, only new texts are encoded."""
    def encode(texts: list[str]) -> np.ndarray:
        cleaned = [nlp.clean_for_embedding(t) for t in texts]
        hashes = [text_hash(c) for c in cleaned]
        missing = set(missing_hashes(db, hashes, embedder.name, embedder.version))
        known = [h for h in dict.fromkeys(hashes) if h not in missing]
        found = dict(zip(known, load_embeddings(db, known, embedder.name, embedder.version), strict=True))
        new = list(dict.fromkeys(c for c, h in zip(cleaned, hashes, strict=True) if h in missing))
        if new:  # (an empty call would load the model for its dimension)
            found.update(zip(map(text_hash, new), embedder.encode(new), strict=True))
        return np.vstack([found[h] for h in hashes]) if hashes else embedder.encode([])
    return encode


def counts(db: sqlite_utils.Database) -> dict[str, int]:
    """Themable segments (all, in no theme), comments with segments (all, with none themed),
    active and parent themes (the first from the kept sums, :mod:`.sums`)."""
    kept = sums.counts(db)
    segments, segment_outliers = kept["segments"], kept["segment_outliers"]
    comments, comment_outliers = kept["comments"], kept["comment_outliers"]
    themes = db.execute("select count(*) from themes where status = 'active'").fetchone()[0]
    parents = db.execute("select count(*) from themes where status = 'parent'").fetchone()[0]
    return {"segments": int(segments), "segment_outliers": int(segment_outliers),
            "comments": int(comments), "comment_outliers": int(comment_outliers),
            "themes": int(themes), "parents": int(parents)}


__all__ = ["ensure_embeddings", "to_blob"]
