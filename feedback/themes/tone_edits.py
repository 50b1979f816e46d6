"""Sentiment corrections as edits an analyst can undo and redo (``feedback themes undo`` / ``redo``).

``feedback themes tone`` keeps a ``theme_edits`` row of kind ``tone`` (:func:`record`): the correction rows of the
texts it touched (``sentiment_corrections``, one per text hash) as they were before and after, in its details
under ``corrections``. An undo puts the rows back as they were before (a text that had no correction loses
its one, one that had another side gets it back), a redo as they were after; either re-scores the texts' segments
and refreshes the themes' figures, as the correction itself did (:func:`.segment_sentiment.correct`).

A correction is no theme's state: a re-cluster or a night does not stand in its way (corrections hold across
fits). Another tone edit does, when it touched one of the same texts later: it is undone first, as for theme edits.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import sqlite_utils

from feedback.themes import edit_log
from feedback.themes.edit_log import Edit
from feedback.warehouse.sql import chunks, marks, now_iso

KIND = "tone"
COLUMNS = ("text_hash", "text", "side", "segment_id", "at", "note")
Rows = dict[str, dict[str, Any] | None]  # text hash -> its correction row (None: no correction)


def rows_now(db: sqlite_utils.Database, hashes: list[str]) -> Rows:
    """The correction row of each text hash now (None where it has none)."""
    found: Rows = dict.fromkeys(hashes)
    for part in chunks(hashes):
        cursor = db.execute(f"select {', '.join(COLUMNS)} from sentiment_corrections"
                            f" where text_hash in ({marks(len(part))})", part)
        found.update({row[0]: dict(zip(COLUMNS, row, strict=True)) for row in cursor})
    return found


def record(db: sqlite_utils.Database, details: dict[str, Any], before: Rows, after: Rows) -> int:
    """Keep a tone edit (in the caller's transaction) and return its id; ``details``: what it did, in words' terms."""
    changes = {h: [before[h], after[h]] for h in sorted(before) if before[h] != after[h]}
    cursor = db.execute(
        "insert into theme_edits (at, kind, details, themes, before, after, segments, marks, history_from,"
        " history_to, step) values (?, ?, ?, '[]', '{}', '{}', '[]', ?, null, null, ?)",
        [now_iso(), KIND, json.dumps({**details, "corrections": changes}, sort_keys=True),
         json.dumps(edit_log.fit_marks(db)), edit_log.next_step(db)])
    return int(cursor.lastrowid or 0)


def changes(edit: Edit) -> dict[str, tuple[dict[str, Any] | None, dict[str, Any] | None]]:
    """Text hash -> (its correction row before the edit, after it)."""
    return {h: (pair[0], pair[1]) for h, pair in (edit.details.get("corrections") or {}).items()}


def quoted(text: str, width: int = 60) -> str:
    """``text`` in quotation marks, cut to ``width`` characters."""
    return "\u201c" + (text if len(text) <= width else text[:width] + "\u2026") + "\u201d"


def _quoted(row: dict[str, Any] | None, text_hash: str) -> str:
    return quoted((row or {}).get("text") or text_hash[:12])


def _touching(db: sqlite_utils.Database, edit: Edit, where: str, params: list[Any]) -> list[Edit]:
    """The other tone edits matching ``where`` that touched one of ``edit``'s texts, in step order."""
    mine = set(changes(edit))
    return [e for e in reversed(edit_log.edits(db, f"kind = '{KIND}' and id != ? and ({where})",
                                               [edit.id, *params], order="step"))
            if mine & set(changes(e))]


def why_not_undo(db: sqlite_utils.Database, edit: Edit, named: Callable[[Edit], str]) -> str | None:
    """Why the tone edit cannot be undone now, in words (None: it can)."""
    if edit.undone_at is not None:
        return f"it was undone at {edit.undone_at[:19]}"
    later = _touching(db, edit, "step > ? and undone_at is null", [edit.step])
    if later:
        return f"a later {named(later[0])} changed the same correction: undo #{later[0].id} first"
    now = rows_now(db, list(changes(edit)))
    for text_hash, (_, after) in changes(edit).items():
        if now[text_hash] != after:
            return f"the correction of {_quoted(after or now[text_hash], text_hash)} changed since"
    return None


def why_not_redo(db: sqlite_utils.Database, edit: Edit, named: Callable[[Edit], str]) -> str | None:
    """Why the undone tone edit cannot be redone now, in words (None: it can)."""
    if edit.undone_at is None:
        if edit.redone_at is not None:
            return f"it was redone at {edit.redone_at[:19]} and stands"
        return f"it is not undone (`feedback themes undo {edit.id}` takes it back)"
    now = rows_now(db, list(changes(edit)))
    if all(now[h] == before for h, (before, _) in changes(edit).items()):
        return None
    for other in _touching(db, edit, "step > ?", [edit.step]):
        if other.undone_at is None:
            return f"{named(other)} changed the same correction since the undo: undo #{other.id} first"
        if other.id < edit.id:
            return f"{named(other)}, made before it, was undone after it: redo #{other.id} first"
    text_hash, (before, _) = next((h, pair) for h, pair in changes(edit).items() if now[h] != pair[0])
    return f"the correction of {_quoted(before or now[text_hash], text_hash)} changed since the undo"


def put(db: sqlite_utils.Database, rows: Rows) -> None:
    """Make the correction rows ``rows`` (None: none for that text)."""
    for text_hash, row in rows.items():
        if row is None:
            db.execute("delete from sentiment_corrections where text_hash = ?", [text_hash])
        else:
            db.table("sentiment_corrections").upsert(row, pk="text_hash")


def apply(db: sqlite_utils.Database, edit: Edit, rescore: Callable[[list[str]], int] | None, undoing: bool,
          stamp: str) -> int:
    """Undo (``undoing``) or redo the tone edit, in one transaction: its texts' corrections as before / after it,
    their segments re-scored by ``rescore`` (text hashes -> how many scores moved), the themes' figures refreshed,
    the archive's points marked for the next publish, the undo or redo recorded at ``stamp``. Returns how many
    scores moved."""
    from feedback.themes.store import refresh_theme_stats

    if rescore is None:
        raise ValueError(f"{'undoing' if undoing else 'redoing'} a sentiment correction re-scores its texts: pass rescore")
    pairs = changes(edit)
    hashes = sorted(pairs)
    with db.atomic():
        put(db, {h: (before if undoing else after) for h, (before, after) in pairs.items()})
        moved = rescore(hashes)
        if moved:
            refresh_theme_stats(db)
        for part in chunks(hashes):
            db.execute("insert into publish_changes (kind, key) select distinct 'item', item_id from theme_segments"
                       f" where text_hash in ({marks(len(part))})", part)
        if undoing:
            db.execute("update theme_edits set undone_at = ?, step = ? where id = ?",
                       [stamp, edit_log.next_step(db), edit.id])
        else:
            db.execute("update theme_edits set undone_at = null, redone_at = ?, step = ? where id = ?",
                       [stamp, edit_log.next_step(db), edit.id])
    return moved


def describe(details: dict[str, Any]) -> str:
    """A tone edit in words: "corrected “…” to negative (and 2 texts read alike)", "took the correction of “…” away"."""
    said = quoted(str(details.get("text") or ""))
    side = details.get("side")
    if side is None:
        return f"took the correction of {said} away"
    more = int(details.get("alike") or 0)
    return f"corrected {said} to {side}" + (f" (and {more} text{'s' * (more != 1)} read alike)" if more else "")
