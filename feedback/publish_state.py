"""What the published archive covers, and what changed in the warehouse since.

Triggers (warehouse migration ``0060_publish_changes``) log every write that can alter the
archive in ``publish_changes`` (sequence number, kind, key): ``item`` (an item, its processed
text or its segments: a comment to republish), ``text`` (an embedding: the comments whose
segments have that text), ``email`` (an e-mail message: threads to recompute).

``publish_state`` records, as JSON rows:

- ``archive``: the archive in place: its ``build_id`` (also in its ``archive_info``), the last
  change it covers (``covers``), the archive ``format``, the warehouse's ``migrations``, the
  theme ``fit`` it was built on, and each theme's ``[status, parent_id]``;
- ``pending``: the same for an archive written and about to be swapped in, so a publish killed
  between the swap and recording it is recognised by the next one;
- ``previous``: the same for the archive the one in place replaced (kept beside it: the next
  publish brings it up to date in place instead of copying the archive in place), and ``pruned``:
  the changes up to ``upto`` are gone (pruned up to what both archives cover).

An incremental publish starts from the recorded state when the archive in place is the one
it describes (same build id, format, migrations, fit and warehouse); anything else rebuilds
in full (:func:`plan`). Changes up to ``covers`` of the previous archive are pruned once an
archive covering them is recorded.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from feedback.warehouse.sql import chunks, marks, now_iso

ARCHIVE_FORMAT = 8  # 2: vector_codebook and vector_codes; 3: customers.negative_by_rating, last_negative_by; 4: score_drivers.level (groups); 5: customers.unscored_emails, a follow-up e-mail after an answer waits, score_drivers.rank null for a catch-all (General remarks, ...), promises.trend and q_value null for a promise not mentioned in the 16 weeks; 6: theme_sections, themes.section_id; 7: section_drivers; 8: section_weeks, section_trends; bump when what the archive holds changes (a table or column): the next publish rebuilds


@dataclass
class Changes:
    """What an incremental publish applies (see :func:`changes_since`)."""

    items: set[str] = field(default_factory=set)  # comments to republish (new, changed, deleted)
    emails: bool = False  # an e-mail message changed: threads are recomputed
    themes_moved: set[int] = field(default_factory=set)  # themes whose status or parent changed, and their parents
    themes_status: set[int] = field(default_factory=set)  # themes that became or stopped being active
    themes_reparented: set[int] = field(default_factory=set)  # themes before and after, under another parent
    base_build: str | None = None  # the build id of the archive the changes are applied to
    build: str | None = None  # the build id of the archive being written


def warehouse_id(db: sqlite_utils.Database) -> str:
    row = db.execute("select value from publish_state where key = 'warehouse_id'").fetchone()
    return str(row[0])


def last_change(db: sqlite_utils.Database) -> int:
    """The sequence number of the newest logged change (0 before any)."""
    row = db.execute("select seq from sqlite_sequence where name = 'publish_changes'").fetchone()
    return int(row[0]) if row else 0


def current(db: sqlite_utils.Database, covers: int, build_id: str) -> dict[str, Any]:
    """The state an archive built now from ``db`` (covering changes up to ``covers``) will have."""
    tables = db.table_names()
    fit = None
    if "theme_state" in tables:
        row = db.execute("select value from theme_state where key = 'last_fit'").fetchone()
        fit = (json.loads(row[0]) or {}).get("run") if row else None
    themes = {}
    if "themes" in tables:
        themes = {str(i): [status, parent] for i, status, parent in db.execute(
            "select id, status, parent_id from themes where status in ('active', 'parent')")}
    return {
        "build_id": build_id,
        "covers": covers,
        "format": ARCHIVE_FORMAT,
        "warehouse_id": warehouse_id(db),
        "migrations": [r[0] for r in db.execute("select name from _migrations order by name")],
        "fit": fit,
        "themes": themes,
    }


def get(db: sqlite_utils.Database, key: str) -> dict[str, Any] | None:
    row = db.execute("select value from publish_state where key = ?", [key]).fetchone()
    return json.loads(row[0]) if row else None


def _put(db: sqlite_utils.Database, key: str, value: dict[str, Any]) -> None:
    db.execute("insert into publish_state (key, value, updated_at) values (?, ?, ?) on conflict(key) do update"
               " set value = excluded.value, updated_at = excluded.updated_at", [key, json.dumps(value), now_iso()])


def put(db: sqlite_utils.Database, key: str, value: dict[str, Any]) -> None:
    """Record ``value`` under ``key`` (committed)."""
    with db.conn:
        _put(db, key, value)


def write_pending(db: sqlite_utils.Database, state: dict[str, Any]) -> None:
    with db.conn:
        _put(db, "pending", state)


def record(db: sqlite_utils.Database, state: dict[str, Any], displaced: dict[str, Any] | None = None) -> None:
    """The archive ``state`` describes is in place: record it, and ``displaced``, the state of the
    archive it replaced (kept beside it as the next publish's base), and prune the changes both cover."""
    upto = min(state["covers"], displaced["covers"]) if displaced else state["covers"]
    with db.conn:
        _put(db, "archive", state)
        if displaced:
            _put(db, "previous", displaced)
        else:
            db.execute("delete from publish_state where key = 'previous'")
        db.execute("delete from publish_state where key = 'pending'")
        db.execute("delete from publish_changes where seq <= ?", [upto])
        _put(db, "pruned", {"upto": upto})


def reusable(db: sqlite_utils.Database, path: Path, now: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
    """(the recorded state of the archive at ``path``, "") when it can be brought up to date from
    the changes kept since it was built, else (None, why not)."""
    build = archive_build_id(path)
    if build is None:
        return None, "no previous archive"
    state = next((s for key in ("previous", "archive", "pending") if (s := get(db, key)) and s.get("build_id") == build),
                 None)
    if state is None:
        return None, "the previous archive is not one this warehouse recorded"
    for key in ("warehouse_id", "format", "migrations", "fit"):
        if state.get(key) != now[key]:
            return None, f"the previous archive has another {key}"
    pruned = get(db, "pruned")
    if pruned is None or pruned["upto"] > state["covers"]:
        return None, "the changes since the previous archive are no longer kept"
    return state, ""


def archive_build_id(path: Path) -> str | None:
    """The build id an archive carries, or None when it is missing, unreadable or has none."""
    if not path.exists():
        return None
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = conn.execute("select build_id from archive_info").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return None
    return str(row[0]) if row and row[0] else None


def plan(db: sqlite_utils.Database, target: Path, now: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
    """(the state of the archive in place, "") when an incremental publish can start from it,
    else (None, why the archive is rebuilt in full)."""
    if not target.exists():
        return None, "no archive yet"
    build = archive_build_id(target)
    if build is None:
        return None, "the archive is unreadable or was built before incremental publishing"
    base = next((s for s in (get(db, "archive"), get(db, "pending")) if s and s.get("build_id") == build), None)
    if base is None:
        return None, "the archive in place is not the one this warehouse last published"
    for key, why in (("warehouse_id", "built from another warehouse"), ("format", "the archive format changed"),
                     ("migrations", "the warehouse schema changed (a migration)"), ("fit", "the themes were re-fitted")):
        if base.get(key) != now[key]:
            return None, why
    return base, ""


def changes_since(db: sqlite_utils.Database, base: dict[str, Any], upto: int,
                  now: dict[str, Any]) -> Changes:
    """The changes logged after the archive's ``covers`` up to ``upto``, and the themes that moved."""
    changes = Changes(base_build=base.get("build_id"), build=now.get("build_id"))
    texts: set[str] = set()
    for kind, key in db.execute("select distinct kind, key from publish_changes where seq > ? and seq <= ?",
                                [base["covers"], upto]):
        if kind == "item":
            changes.items.add(key)
        elif kind == "text":
            texts.add(key)
        elif kind == "email":
            changes.emails = True
    for part in chunks(sorted(texts)):
        changes.items.update(r[0] for r in db.execute(
            f"select distinct item_id from theme_segments where text_hash in ({marks(len(part))})", part))
    before, after = base["themes"], now["themes"]
    for theme in set(before) | set(after):
        old, new = before.get(theme), after.get(theme)
        if old == new:
            continue
        changes.themes_moved.add(int(theme))
        for entry in (old, new):
            if entry and entry[1] is not None:
                changes.themes_moved.add(int(entry[1]))
        if (old or [None])[0] != (new or [None])[0]:
            changes.themes_status.add(int(theme))
        if old and new and old[1] != new[1]:
            changes.themes_reparented.add(int(theme))
    if changes.themes_status:
        ids = sorted(changes.themes_status)
        changes.items.update(r[0] for r in db.execute(
            f"select distinct item_id from theme_segments where theme_id in ({marks(len(ids))})", ids))
    if changes.items and not changes.emails and "email_messages" in db.table_names():
        for part in chunks(sorted(changes.items)):
            if db.execute(f"select 1 from email_messages where item_id in ({marks(len(part))}) limit 1",
                          part).fetchone():
                changes.emails = True
                break
    return changes
