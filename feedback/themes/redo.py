"""Redo an undone theme edit (``feedback themes redo``): put the theme rows and segment assignments
back as the edit left them, as :mod:`.edit_log` kept them (themes the edit made come back with their
ids and the rows the undo took away), and record the redo in each theme's history. Here too the list of ``feedback themes undo --list``
(:func:`listed`): the recent edits, which can be undone and which undone ones redone.

A redo is refused unless the themes are exactly as the undo left them: a re-cluster or a night that
assigned comments came after the undo (the themes moved on), a later edit changed one of the same
themes (undo that one first), an earlier edit of the same themes was undone after it (redo that one
first), or a group the edit puts a theme in is no group now.

A new edit does not clear the redo of other edits. Undo here is per edit, not a stack: an analyst
undoes edit #3 while #4 and #5, on other themes, stand; so a redo is refused only while an edit of
the same themes stands in its way, and comes back when that edit is undone. With the text editor's
rule (any new edit clears redo) renaming theme 9 would throw away the redo of a merge of themes 1
and 2, which is not what an analyst expects.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlite_utils

from feedback.themes import edit_log, store, tone_edits, undo
from feedback.themes.edit_log import Edit
from feedback.themes.edits import ThemeError
from feedback.themes.history_words import describe_edit
from feedback.themes.undo import RECENT, _named, _themes, _where, tell
from feedback.warehouse.sql import chunks, marks, now_iso


def why_not(db: sqlite_utils.Database, edit: Edit) -> str | None:
    """Why ``edit`` cannot be redone now, in words (None: it can)."""
    if edit.kind == tone_edits.KIND:
        return tone_edits.why_not_redo(db, edit, _named)
    if edit.undone_at is None:
        if edit.redone_at is not None:
            return f"it was redone at {edit.redone_at[:19]} and stands"
        return f"it is not undone (`feedback themes undo {edit.id}` takes it back)"
    now = edit_log.fit_marks(db)
    for key, what in (("last_fit", "a re-cluster"), ("last_update", "the nightly run")):
        if now[key] != edit.marks[key]:
            return (f"{what} of {str(now[key])[:19]} came after the undo: the themes moved on since; make the"
                    " change again by hand")
    changed = _changed(db, edit)
    if changed is not None:
        return _in_the_way(db, edit) or changed
    return _misplaced(db, edit)


def _changed(db: sqlite_utils.Database, edit: Edit) -> str | None:
    """What differs from the state the undo left (its themes as before the edit, the comments it moved
    back where the undo put them); None: nothing."""
    current = edit_log.current_rows(db, edit.themes)
    for theme in edit.themes:
        row, was = current.get(theme), edit.before[theme]
        if (edit_log.state_of(row) if row else None) != (edit_log.state_of(was) if was else None):
            return (f"theme #{theme}, which the edit made, is there again" if was is None else
                    f"theme #{theme} changed since the undo")
    for old, _, ids in edit.segments:
        if any(now_in != old for now_in in edit_log.segments_now(db, ids).values()):
            return f"comments it moved out of {_where(old)} have moved on since the undo"
    return None


def _in_the_way(db: sqlite_utils.Database, edit: Edit) -> str | None:
    """The edit, done, undone or redone after ``edit``'s undo, that changed the same themes, in words."""
    mine = set(edit.themes)
    for other in reversed(edit_log.edits(db, "step > ?", [edit.step], order="step")):
        shared = sorted(mine & set(other.themes))
        if not shared:
            continue
        if other.undone_at is None:  # done or redone since the undo
            said = f"#{other.id} ({describe_edit(other.kind, other.details)})"
            return (f"a later edit, {said}, changed {_themes(shared)} since the undo: undo #{other.id} first"
                    if other.id > edit.id else
                    f"edit {said} was redone since the undo and changed {_themes(shared)}: undo #{other.id} first")
        if other.undone_at is not None and other.id < edit.id:
            return (f"edit #{other.id} ({describe_edit(other.kind, other.details)}), made before it, was undone"
                    f" after it: redo #{other.id} first")
    return None


def _misplaced(db: sqlite_utils.Database, edit: Edit) -> str | None:
    """A group the redo would put a theme in that is no group now, or a theme it would merge a theme
    into that is not active now (a later edit of other themes retired or merged it)."""
    for theme, row in edit.after.items():
        group, into = row["parent_id"], row["merged_into"]
        if row["status"] == "active" and group is not None and group not in edit.after \
                and _status(db, group) != "parent":
            return f"group #{group}, where it puts theme #{theme}, is no group now (`feedback themes show {group}` tells why)"
        if row["status"] == "merged" and into not in edit.after and _status(db, into) != "active":
            return (f"theme #{into}, which it merges theme #{theme} into, is not active now"
                    f" (`feedback themes show {into}` tells why)")
    return None


def _status(db: sqlite_utils.Database, theme: int) -> str | None:
    return (db.execute("select status from themes where id = ?", [theme]).fetchone() or [None])[0]


def redo(db: sqlite_utils.Database, edit_id: int | None = None,
         rescore: Callable[[list[str]], int] | None = None) -> Edit:
    """Redo the undone edit ``edit_id`` (None: the one undone last) and return it; a
    :class:`.ThemeError` says why not when it cannot be redone. ``rescore``: as for :func:`.undo.undo`."""
    edit = undo.chosen(db, edit_id, "undone_at is not null", "nothing to redo: no edit is undone",
                       "nothing to redo: no theme edit is recorded")
    refused = why_not(db, edit)
    if refused:
        raise ThemeError(f"cannot redo {_named(edit)}: {refused}")
    stamp = now_iso()
    if edit.kind == tone_edits.KIND:
        tone_edits.apply(db, edit, rescore, undoing=False, stamp=stamp)
        return edit
    with db.atomic():
        for theme in edit.themes:  # first the themes, so that the comments have their themes to go to
            _apply(db, theme, edit, stamp)
        for _, new, ids in edit.segments:
            for part in chunks(ids):
                db.execute(f"update theme_segments set theme_id = ? where id in ({marks(len(part))})", [new, *part])
        db.execute("update theme_edits set undone_at = null, redone_at = ?, step = ?, undone_rows = null"
                   " where id = ?", [stamp, edit_log.next_step(db), edit.id])
        store.refresh_theme_stats(db)
        tell(db, edit, stamp, "redone")
    return edit


def _apply(db: sqlite_utils.Database, theme: int, edit: Edit, stamp: str) -> None:
    """Put the theme row as the edit left it; one the edit made comes back as the undo took it away
    (an undo from before migration 0151 kept no row: its state, the figures counted again)."""
    state = edit.after.get(theme)
    if state is None:  # the edit took the theme away (no edit does so now)
        db.execute("delete from themes where id = ?", [theme])
        return
    row: dict[str, Any] = {**state, "updated_at": stamp}
    if edit.before[theme] is None:
        db.table("themes").insert({**edit.undone_rows.get(theme, {}), **row, "id": theme})
    else:
        db.table("themes").update(theme, row)


def listed(db: sqlite_utils.Database, limit: int = RECENT) -> list[str]:
    """``feedback themes undo --list``: the recent edits in words, latest first; whether each can be
    undone or, undone, redone."""
    lines = []
    for edit in edit_log.edits(db, limit=limit):
        said = f"#{edit.id}  {edit.at[:19]}  {describe_edit(edit.kind, edit.details)}"
        if edit.undone_at is not None:
            why = why_not(db, edit)
            undone = f"undone at {edit.undone_at[:19]}"
            lines.append(f"{said}  ({undone}; can be redone)" if why is None else
                         f"{said}  ({undone}; cannot be redone: {why})")
            continue
        why = undo.why_not(db, edit)
        lines.append(said if why is None else f"{said}  (cannot be undone: {why})")
    return lines
