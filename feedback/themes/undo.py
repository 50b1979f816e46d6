"""Undo an analyst's theme edit (``feedback themes undo``): put back the theme rows and segment
assignments it changed, as :mod:`.edit_log` kept them, and record the undo in each theme's history.

An edit can be undone while the themes are as it left them: refused when a fit (re-cluster) or a
night that assigned comments came after it (the themes moved on), when a later edit (not undone)
changed one of the same themes, or when what it put back no longer fits (a group it took a theme
from was retired since). The published archive follows on the next publish: segments moved back
are logged by the warehouse's triggers, and each publish compares the themes' status and parent
with the archive's (:mod:`feedback.publish_state`). The undo keeps the rows of the themes it takes
away, so that ``feedback themes redo`` (:mod:`.redo`) can bring the edit back. An analyst's sentiment
correction (``feedback themes tone``) is an edit too, undone by its own rules (:mod:`.tone_edits`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import sqlite_utils

from feedback.themes import edit_log, store, tone_edits
from feedback.themes.edit_log import Edit
from feedback.themes.edits import ThemeError
from feedback.themes.history_words import describe_edit
from feedback.warehouse.sql import chunks, marks, now_iso

RECENT = 10  # edits `feedback themes undo --list` shows


def why_not(db: sqlite_utils.Database, edit: Edit) -> str | None:
    """Why ``edit`` cannot be undone now, in words (None: it can)."""
    if edit.kind == tone_edits.KIND:
        return tone_edits.why_not_undo(db, edit, _named)
    if edit.undone_at is not None:
        return f"it was undone at {edit.undone_at[:19]}"
    now = edit_log.fit_marks(db)
    for key, what in (("last_fit", "a re-cluster"), ("last_update", "the nightly run")):
        if now[key] != edit.marks[key]:
            return (f"{what} of {str(now[key])[:19]} came after it: the themes moved on since; make the change"
                    " again by hand")
    later = _later(db, edit)
    if later is not None:
        shared = sorted(set(later.themes) & set(edit.themes))
        return (f"a later edit, #{later.id} ({describe_edit(later.kind, later.details)}), changed {_themes(shared)}"
                f" too: undo #{later.id} first")
    current = edit_log.current_rows(db, edit.themes)
    for theme in edit.themes:
        row = current.get(theme)
        if (edit_log.state_of(row) if row else None) != edit.after.get(theme):
            return f"theme #{theme} changed since"
    for _, new, ids in edit.segments:
        if any(now_in != new for now_in in edit_log.segments_now(db, ids).values()):
            return f"comments it moved into {_where(new)} have moved on since"
    made = [t for t in edit.themes if edit.before[t] is None]
    for theme in made:  # the undo takes away the themes the edit made: not one an action is recorded against
        action = db.execute("select min(id) from actions where theme_id = ?", [theme]).fetchone()[0]
        if action is not None:
            return (f"action #{action} is recorded against theme #{theme}, which it made; to undo it, remove the"
                    f" action first (`feedback actions remove {action}`)")
    return _misplaced(db, edit)


def _named(edit: Edit) -> str:
    return f"edit #{edit.id} ({describe_edit(edit.kind, edit.details)})"


def _later(db: sqlite_utils.Database, edit: Edit) -> Edit | None:
    """The earliest later edit, not undone, that changed one of ``edit``'s themes."""
    mine = set(edit.themes)
    return next((e for e in reversed(edit_log.edits(db, "id > ? and undone_at is null", [edit.id]))
                 if mine & set(e.themes)), None)


def _themes(ids: list[int]) -> str:
    return ("theme " if len(ids) == 1 else "themes ") + ", ".join(f"#{t}" for t in ids)


def _where(theme: int | None) -> str:
    return "no theme" if theme is None else f"theme #{theme}"


def chosen(db: sqlite_utils.Database, edit_id: int | None, latest: str, none_left: str, none_recorded: str) -> Edit:
    """The edit ``edit_id``, or (None) the last by step of those ``latest`` (SQL) holds; a
    :class:`.ThemeError` with ``none_left`` / ``none_recorded`` when there is none."""
    if edit_id is None:
        found = edit_log.edits(db, latest, limit=1, order="step")
        if not found:
            recorded = db.execute("select count(*) from theme_edits").fetchone()[0]
            raise ThemeError(none_left if recorded else none_recorded)
    else:
        found = edit_log.edits(db, "id = ?", [edit_id])
        if not found:
            raise ThemeError(f"no edit #{edit_id} (`feedback themes undo --list` shows the recent ones)")
    return found[0]


def undo(db: sqlite_utils.Database, edit_id: int | None = None,
         rescore: Callable[[list[str]], int] | None = None) -> Edit:
    """Undo the edit ``edit_id`` (None: the latest done or redone, not undone) and return it; a
    :class:`.ThemeError` says why not when it cannot be undone. ``rescore``: for a sentiment correction
    (:mod:`.tone_edits`), scores the segments of these text hashes again and says how many moved."""
    edit = chosen(db, edit_id, "undone_at is null", "nothing to undo: every edit recorded is undone already",
                  "nothing to undo: no theme edit is recorded (edits made before `themes undo` existed cannot be undone)")
    refused = why_not(db, edit)
    if refused:
        raise ThemeError(f"cannot undo {_named(edit)}: {refused}")
    stamp = now_iso()
    if edit.kind == tone_edits.KIND:
        tone_edits.apply(db, edit, rescore, undoing=True, stamp=stamp)
        return edit
    with db.atomic():
        made = edit_log.current_rows(db, [t for t in edit.themes if edit.before[t] is None])
        for old, _, ids in edit.segments:
            for part in chunks(ids):
                db.execute(f"update theme_segments set theme_id = ? where id in ({marks(len(part))})", [old, *part])
        for theme in edit.themes:
            _restore(db, theme, edit.before[theme], stamp)
        db.execute("update theme_edits set undone_at = ?, step = ?, undone_rows = ? where id = ?",
                   [stamp, edit_log.next_step(db), json.dumps({str(t): edit_log.encode(r) for t, r in made.items()}),
                    edit.id])
        store.refresh_theme_stats(db)
        tell(db, edit, stamp, "undone")
    return edit


def tell(db: sqlite_utils.Database, edit: Edit, stamp: str, event: str) -> None:
    """Record the undo (``event`` "undone") or redo ("redone") of ``edit`` in the history of each theme
    it changed or whose history tells it: "undid edit #3: ..." (:func:`.history_words.describe`)."""
    said = {"kind": edit.kind, **edit.details}
    told = {t for (t,) in db.execute("select theme_id from theme_history where id between ? and ?",
                                     list(edit.history))}  # the themes whose history tells the edit
    for theme in sorted(told | set(edit.themes)):
        row = db.execute("select label, size, status from themes where id = ?", [theme]).fetchone()
        label, size = (row[0], row[1] if row[2] == "active" else None) if row else (edit.after[theme]["label"], None)
        store.history(db, stamp, theme, event, label, size, edit=edit.id,
                      **({"undid": said} if event == "undone" else {"redid": said}))


def _restore(db: sqlite_utils.Database, theme: int, row: dict[str, Any] | None, stamp: str) -> None:
    """Put the theme row back as it was (None: the edit made it; it goes)."""
    if row is None:
        db.execute("delete from themes where id = ?", [theme])
        return
    db.table("themes").update(theme, {**{k: v for k, v in row.items() if k != "id"}, "updated_at": stamp})


def _misplaced(db: sqlite_utils.Database, edit: Edit) -> str | None:
    """A theme the undo would put back in a group that is no group now (a later edit retired it)."""
    for theme in edit.themes:
        row = edit.before[theme]
        parent = row["parent_id"] if row and row["status"] == "active" else None
        if parent is None:
            continue
        back = edit.before.get(parent) if parent in edit.before else None
        status = back["status"] if back else (db.execute("select status from themes where id = ?", [parent]
                                                          ).fetchone() or [None])[0]
        if status != "parent":
            return (f"group #{parent}, where theme #{theme} was, is no group now"
                    f" (`feedback themes show {parent}` tells why)")
    return None
