"""Record, list and remove what was done about a theme, in the warehouse's ``actions`` table.

An action names the theme it answers. Theme ids are stable across re-clusters; when a theme
is merged into another the action follows ``themes.merged_into`` (:func:`current_theme`), so
it keeps counting for the theme that now holds its comments.
"""

from __future__ import annotations

import logging
import re
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

import sqlite_utils

from feedback.errors import FeedbackError
from feedback.warehouse.sql import now_iso

log = logging.getLogger(__name__)

MAX_TEXT = 2000  # characters of an action's description
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class ActionError(FeedbackError):
    """An action that cannot be recorded or found (unknown theme or id, a date in the future, no text)."""


@dataclass(frozen=True)
class Action:
    id: int
    theme_id: int  # the theme that holds the comments now (merges followed)
    recorded_theme_id: int  # the theme named when the action was recorded
    theme_label: str | None
    theme_status: str | None  # active | parent | retired (merged themes are followed)
    text: str
    date: str  # YYYY-MM-DD: from this day on, the change was in place
    created_at: str | None
    created_by: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def parse_day(value: str | date, today: date) -> date:
    """An action's date (ISO ``YYYY-MM-DD``), not after ``today``."""
    if isinstance(value, date):
        day = value
    else:
        text = value.strip()
        try:
            if not _DAY.fullmatch(text):
                raise ValueError(text)
            day = date.fromisoformat(text)
        except ValueError:  # 29/04/2026, 2026-02-30
            raise ActionError(f"the date must be a day written YYYY-MM-DD (e.g. {today.isoformat()}),"
                              f" not {text[:40]!r}") from None
    if day > today:
        raise ActionError(f"the date {day.isoformat()} is in the future (today is {today.isoformat()}):"
                          " record an action once it is in place")
    return day


def clean_text(text: str) -> str:
    """What was done, in the analyst's words: stripped, not empty, no NUL, at most MAX_TEXT characters."""
    cleaned = text.strip()
    if not cleaned:
        raise ActionError("say what was done: the action's text is empty")
    if "\x00" in cleaned:
        raise ActionError("the action's text must not contain a NUL character")
    if len(cleaned) > MAX_TEXT:
        raise ActionError(f"the action's text is limited to {MAX_TEXT} characters (it has {len(cleaned)})")
    return cleaned


def current_theme(db: sqlite_utils.Database, theme_id: int) -> dict[str, Any] | None:
    """The theme row that holds ``theme_id``'s comments now: itself, or the theme it was merged
    into (followed through every later merge); None for an id that was never a theme."""
    if "themes" not in db.table_names():
        return None
    seen: set[int] = set()
    current = theme_id
    while current not in seen:
        seen.add(current)
        row = db.execute("select id, label, status, merged_into from themes where id = ?", [current]).fetchone()
        if row is None:
            return None
        if row[2] != "merged" or row[3] is None:
            return {"id": row[0], "label": row[1], "status": row[2]}
        current = row[3]
    raise ActionError(f"theme {theme_id} is merged in a circle ({sorted(seen)}): fix the themes first")


def add_action(db: sqlite_utils.Database, theme_id: int, text: str, on: str | date | None = None, *,
               today: date, created_by: str | None = None) -> Action:
    """Record what was done about a theme on day ``on`` (default ``today``).

    Refuses an id that is not a theme, a theme a re-cluster retired, a day after ``today``
    and an empty text, each with one line that says so. A merged theme's action is recorded
    against the theme it was merged into."""
    description = clean_text(text)
    day = parse_day(on if on is not None else today, today)
    theme = current_theme(db, theme_id)
    if theme is None:
        raise ActionError(f"no theme {theme_id} (`feedback themes list` shows them)")
    if theme["status"] == "retired":
        raise ActionError(f"theme {theme['id']} was retired by a re-cluster: record the action against a current"
                          " theme (`feedback themes list`)")
    if theme["id"] != theme_id:
        log.info("theme %d was merged into %d: the action is recorded against %d", theme_id, theme["id"], theme["id"])
    row = {"theme_id": theme["id"], "text": description, "date": day.isoformat(), "created_at": now_iso(),
           "created_by": created_by}
    with db.atomic():
        action_id = db.table("actions").insert(row).last_rowid
    return get_action(db, int(action_id or 0))


def _action(db: sqlite_utils.Database, row: tuple[Any, ...]) -> Action:
    action_id, theme_id, text, day, created_at, created_by = row
    theme = current_theme(db, theme_id) or {"id": theme_id, "label": None, "status": None}
    return Action(action_id, theme["id"], theme_id, theme["label"], theme["status"], text, day, created_at,
                  created_by)


_COLUMNS = "id, theme_id, text, date, created_at, created_by"


def get_action(db: sqlite_utils.Database, action_id: int) -> Action:
    row = db.execute(f"select {_COLUMNS} from actions where id = ?", [action_id]).fetchone()
    if row is None:
        raise ActionError(f"no action {action_id} (`feedback actions list` shows them)")
    return _action(db, row)


def list_actions(db: sqlite_utils.Database) -> list[Action]:
    """Every recorded action, newest first (by its date, then as recorded)."""
    rows = db.execute(f"select {_COLUMNS} from actions order by date desc, id desc").fetchall()
    return [_action(db, row) for row in rows]


def remove_action(db: sqlite_utils.Database, action_id: int) -> Action:
    """Delete an action; returns what it was. The log of its contact exports is kept."""
    found = get_action(db, action_id)
    with db.atomic():
        db.execute("delete from actions where id = ?", [action_id])
    return found
