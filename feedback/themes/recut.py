"""Comments cut again when the segmenter changes, so an archive does not keep what an old one cut wrongly.

A comment is cut into segments once, when its text is first seen (:func:`.store.segment_new`). When the
segmenter changes (:data:`feedback.text.segments.SEGMENTER_VERSION`; version 2 stopped cutting a sign-off
"... bags. - [NAME]" into a segment "NAME]", version 3 leaves emoji out of the text a segment is embedded
from), the comments already cut are cut again the next night, once, and only those whose segments come out
different (their texts, or the texts they are embedded from) are rewritten. Their new segments are
unassigned, as an edited comment's are, so the night assigns them to themes; every other comment keeps
its segments, their themes and their vectors.

Cost: the segmenter runs over every processed text once per version (spaCy's sentencizer, no model);
reading and comparing is done in batches of :data:`BATCH` comments in item order.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from itertools import groupby

import sqlite_utils

from feedback.embed import text_hash
from feedback.text import segments as nlp
from feedback.themes import store
from feedback.warehouse.sql import marks

log = logging.getLogger(__name__)

SEGMENTED_BY = "segmented_by"  # theme_state: the segmenter version every comment's segments were cut by
BATCH = 5_000

_CUT = """
    select p.item_id, p.text_hash, p.title, p.text, i.channel, p.language, i.source
    from processed p left join items i on i.id = p.item_id where p.item_id > ? and exists
        (select 1 from theme_segments s where s.item_id = p.item_id and s.source_hash is p.text_hash)
    order by p.item_id limit ?
"""


def cut_by(whole: Collection[str] = ()) -> str:
    """What the archive's segments are cut by: the segmenter version, and the sources read whole (a source added to
    ``ThemeSettings.read_whole`` or taken out of it has its comments cut again, as a new segmenter would)."""
    return nlp.SEGMENTER_VERSION + (f"; whole: {', '.join(sorted(set(whole)))}" if whole else "")


def recut_changed(db: sqlite_utils.Database, whole: Collection[str] = ()) -> int:
    """When the archive was cut by another segmenter version (or by one from before versions were kept), or with
    other sources read whole (:func:`cut_by`), cut every segmented comment again and rewrite those whose segments
    differ; returns how many comments were rewritten. Does nothing when the archive was cut as it would be now."""
    try:
        version = store.get_state(db, SEGMENTED_BY)
    except ValueError:  # a damaged record: which segmenter cut the archive is unknown, so cut it again
        version = None
    if version == cut_by(whole):
        return 0
    rewritten, after = 0, ""
    while rows := [store.as_input(row, whole) for row in db.execute(_CUT, [after, BATCH])]:
        after = rows[-1][0]
        changed = _changed(db, rows)
        if changed:
            store.write_segments(db, [row[0] for row in changed], store.segment_records(changed))
            rewritten += len(changed)
    store.set_state(db, SEGMENTED_BY, cut_by(whole))
    if rewritten:
        log.info("segmenter %s: %d comments cut again", cut_by(whole), rewritten)
    return rewritten


def _changed(db: sqlite_utils.Database, rows: list[store.SegmentInput]) -> list[store.SegmentInput]:
    """The comments of ``rows`` whose segments this segmenter cuts or cleans for embedding differently from
    the stored ones (a segment's text, or the hash of the text it is embedded from)."""
    ids = [row[0] for row in rows]
    stored = {item: [(text, hashed) for _, text, hashed in group] for item, group in groupby(
        db.execute(f"select item_id, text, text_hash from theme_segments where item_id in ({marks(len(ids))})"
                   " order by item_id, seq", ids).fetchall(), key=lambda r: r[0])}
    return [row for row, segments in zip(rows, store.cut(rows), strict=True)
            if [(s.text, text_hash(s.clean)) for s, _ in segments] != stored.get(row[0], [])]
