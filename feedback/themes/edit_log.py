"""What each analyst edit changed, kept so it can be undone (:mod:`.undo`) and redone (:mod:`.redo`).

An edit runs inside :func:`recorded`, which reads the theme rows before and after it and keeps, in
``theme_edits`` (migration ``0150_theme_edits``), the rows whose own state changed (label, pin,
keywords, parent, status, merge target, split origin, centroid, model) as they were before and
after, the segments whose theme changed (from which theme to which), the theme history rows the
edit wrote, and the last fit and night it came after. An undo keeps the rows of the themes it took
away (the ones the edit made), so a redo brings them back with their ids (migration ``0151_theme_redo``);
each edit's ``step`` orders the edits by when they were last done, undone or redone. The figures a theme shows (size, comments,
sentiment, dates, representatives) are not state: they follow from the segments
(:func:`.store.refresh_theme_stats`).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from feedback.themes import store
from feedback.warehouse.sql import chunks, marks, now_iso

# a theme row's own state: what an edit changes and an undo puts back (the rest is counted from segments)
STATE = ("label", "label_pinned", "keywords", "parent_id", "level", "status", "merged_into", "split_of",
         "centroid", "model", "model_version", "created_at")


@dataclass
class Edit:
    """One recorded edit (a ``theme_edits`` row)."""

    id: int
    at: str
    kind: str  # rename | pin | merge | split | move | group
    details: dict[str, Any]  # what the edit did, for words (:func:`.history_words.describe_edit`)
    themes: list[int]  # the themes whose own state it changed
    before: dict[int, dict[str, Any] | None]  # their rows before it (None: it made the theme)
    after: dict[int, dict[str, Any]]  # their state after it
    segments: list[tuple[int | None, int | None, list[str]]]  # (theme before, theme after, segment ids)
    marks: dict[str, str | None]  # the last fit and night before it
    history: tuple[int, int]  # the theme_history ids it wrote (first, last)
    undone_at: str | None
    redone_at: str | None = None
    step: int = 0  # when it was last done, undone or redone, in that order (:func:`next_step`)
    undone_rows: dict[int, dict[str, Any]] = field(default_factory=dict)  # the rows its undo took away


def fit_marks(db: sqlite_utils.Database) -> dict[str, str | None]:
    """The run of the last fit (first fit or re-cluster) and of the last night that assigned comments:
    an edit made before either of the current ones cannot be undone (the themes moved on)."""
    return {key: (store.get_state(db, key) or {}).get("run") for key in ("last_fit", "last_update")}


def next_step(db: sqlite_utils.Database) -> int:
    """The step of an edit, undo or redo being recorded now: after every other's."""
    return int(db.execute("select coalesce(max(step), 0) + 1 from theme_edits").fetchone()[0])


def _rows(db: sqlite_utils.Database) -> dict[int, dict[str, Any]]:
    cursor = db.execute("select * from themes")
    names = [d[0] for d in cursor.description]
    return {row[0]: dict(zip(names, row, strict=True)) for row in cursor}


def state_of(row: dict[str, Any]) -> dict[str, Any]:
    """The state columns of a theme row (:data:`STATE`)."""
    return {k: row[k] for k in STATE}


def _segments_where(db: sqlite_utils.Database, column: str, values: list[Any]) -> dict[str, int | None]:
    """Segment id -> theme of the segments whose ``column`` (id or theme_id) is one of ``values``."""
    found: dict[str, int | None] = {}
    for part in chunks(values):
        found.update(db.execute(f"select id, theme_id from theme_segments where {column} in ({marks(len(part))})",
                                part).fetchall())
    return found


def _segments(db: sqlite_utils.Database, themes: list[int]) -> dict[str, int | None]:
    return _segments_where(db, "theme_id", themes)


def segments_now(db: sqlite_utils.Database, ids: list[str]) -> dict[str, int | None]:
    """The theme each of the segments ``ids`` is in now (a deleted comment's segments are absent)."""
    return _segments_where(db, "id", ids)


def encode(row: dict[str, Any]) -> dict[str, Any]:
    """A theme row as JSON can hold it (the centroid's bytes in base64)."""
    blob = row.get("centroid")
    return {**row, "centroid": base64.b64encode(blob).decode() if blob is not None else None}


def decode(row: dict[str, Any]) -> dict[str, Any]:
    blob = row.get("centroid")
    return {**row, "centroid": base64.b64decode(blob) if blob is not None else None}


@contextmanager
def recorded(db: sqlite_utils.Database, kind: str, details: dict[str, Any],
             moving: list[int] | tuple[int, ...] = ()) -> Iterator[dict[str, Any]]:
    """Record the edit run inside the block (in the block's transaction) as a ``theme_edits`` row.

    ``details``: what it does, in words' terms (the block may add to the dict it gets back);
    ``moving``: the themes whose segments it may move to other themes (a merge's sources, a split theme).
    Nothing is recorded when the block changes no theme's state."""
    before = _rows(db)
    segs_before = _segments(db, list(moving))
    first = db.execute("select coalesce(max(id), 0) from theme_history").fetchone()[0] + 1
    made_after = fit_marks(db)
    yield details
    after = _rows(db)
    changed = sorted(t for t in set(before) | set(after)
                     if t not in before or t not in after or state_of(before[t]) != state_of(after[t]))
    if not changed:
        return
    last = db.execute("select coalesce(max(id), 0) from theme_history").fetchone()[0]
    now_in = segments_now(db, list(segs_before))
    moved: dict[tuple[int | None, int | None], list[str]] = {}
    for seg, old in segs_before.items():
        if now_in.get(seg, old) != old:
            moved.setdefault((old, now_in[seg]), []).append(seg)
    db.execute(
        "insert into theme_edits (at, kind, details, themes, before, after, segments, marks, history_from,"
        " history_to, step) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [now_iso(), kind, json.dumps(details, sort_keys=True), json.dumps(changed),
         json.dumps({str(t): encode(before[t]) if t in before else None for t in changed}),
         json.dumps({str(t): encode(state_of(after[t])) for t in changed if t in after}),
         json.dumps([[old, new, sorted(ids)] for (old, new), ids in sorted(moved.items(), key=str)]),
         json.dumps(made_after), first, last, next_step(db)])


def edits(db: sqlite_utils.Database, where: str = "1", params: list[Any] | None = None,
          limit: int = -1, order: str = "id") -> list[Edit]:
    """Recorded edits matching ``where``, latest first (by ``order``: ``id``, when they were made;
    ``step``, when they were last done, undone or redone)."""
    cursor = db.execute(
        f"select id, at, kind, details, themes, before, after, segments, marks, history_from, history_to, undone_at,"
        f" redone_at, step, undone_rows from theme_edits where {where} order by {order} desc, id desc limit ?",
        [*(params or []), limit])
    out = []
    for (eid, at, kind, details, themes, before, after, segments, made_after, first, last, undone, redone, step,
         taken) in cursor:
        out.append(Edit(
            eid, at, kind, json.loads(details), json.loads(themes),
            {int(t): decode(r) if r is not None else None for t, r in json.loads(before).items()},
            {int(t): decode(r) for t, r in json.loads(after).items()},
            [(old, new, ids) for old, new, ids in json.loads(segments)], json.loads(made_after),
            (first, last), undone, redone, step or 0,
            {int(t): decode(r) for t, r in json.loads(taken or "{}").items()}))
    return out


def current_rows(db: sqlite_utils.Database, ids: list[int]) -> dict[int, dict[str, Any]]:
    found: dict[int, dict[str, Any]] = {}
    for part in chunks(ids):
        cursor = db.execute(f"select * from themes where id in ({marks(len(part))})", part)
        names = [d[0] for d in cursor.description]
        found.update({row[0]: dict(zip(names, row, strict=True)) for row in cursor})
    return found

