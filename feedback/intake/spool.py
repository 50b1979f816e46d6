"""The intake's spool: a SQLite database in WAL mode that the intake appends submissions to and
the nightly run reads from a watermark (the row id), so a submission is kept the moment it is
accepted whether or not the nightly is running, and is ingested exactly once.

One row per submission; ``id`` is AUTOINCREMENT, so ids only grow and are never reused, and
SQLite's single writer commits them in order: every row above a watermark is new. The contact
address stays here and in the warehouse (``form_contacts``), never in the archive.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from feedback.errors import FeedbackError

SCHEMA_VERSION = 2
SCHEMA = """
create table if not exists submissions (
    id integer primary key autoincrement,
    submission_id text not null unique,  -- 'form:<random>' or 'api:<the caller's id>'
    via text not null,                   -- 'form' or 'api'
    received_at text not null,           -- ISO 8601, UTC
    text text not null,
    rating integer,                      -- 1-5 stars, or null
    email text,                          -- the contact address, or null
    consent integer not null default 0,  -- 1: the customer agreed to be contacted
    spooled_at text                      -- when the intake accepted it (UTC; null in version 1 spools)
)
"""
COLUMNS = "id, submission_id, via, received_at, text, rating, email, consent"


class SpoolBusy(FeedbackError):
    """The spool stayed locked by another process for longer than the timeout; nothing was written."""


class DuplicateSubmission(FeedbackError):
    """A submission with this id is already in the spool (a replayed request)."""


@dataclass(frozen=True)
class Submission:
    """What a customer sent, checked (see :mod:`feedback.intake.fields`)."""

    submission_id: str
    via: str
    received_at: str
    text: str
    rating: int | None = None
    email: str | None = None
    consent: bool = False


@dataclass(frozen=True)
class Spooled(Submission):
    """A submission as read back from the spool, with its row id (the watermark)."""

    id: int = 0


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def open_spool(path: Path, timeout: float = 2.0, create: bool = True) -> sqlite3.Connection:
    """A connection to the spool in autocommit mode, waiting up to ``timeout`` seconds for a lock.

    With ``create`` the file, the WAL mode and the table are made when missing (the intake);
    without it the spool must exist (the reader never creates one). ``synchronous = FULL``: an
    accepted submission survives a power cut, not only a crash.
    """
    path = Path(path)
    if create:
        path.parent.mkdir(parents=True, exist_ok=True)
    elif not path.exists():
        raise FileNotFoundError(f"no spool at {path}")
    conn = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
    try:
        conn.execute("pragma synchronous = FULL")
        if create:
            if conn.execute("pragma journal_mode").fetchone()[0] != "wal":
                conn.execute("pragma journal_mode = wal")
            conn.execute(SCHEMA)
            if conn.execute("pragma user_version").fetchone()[0] < 2 and "spooled_at" not in _columns(conn):
                conn.execute("alter table submissions add column spooled_at text")
            conn.execute(f"pragma user_version = {SCHEMA_VERSION}")
    except sqlite3.OperationalError as exc:
        conn.close()
        if _is_busy(exc):
            raise SpoolBusy(f"{path}: the spool is locked by another process") from None
        raise
    except sqlite3.DatabaseError:
        conn.close()
        raise
    return conn


def _columns(conn: sqlite3.Connection) -> set[str]:
    return {row[1] for row in conn.execute("pragma table_info(submissions)")}


def add(conn: sqlite3.Connection, submission: Submission) -> int:
    """Append a submission; its spool row id. DuplicateSubmission for a known id, SpoolBusy when
    the spool stayed locked beyond the connection's timeout."""
    s = submission
    try:
        cursor = conn.execute(
            "insert into submissions (submission_id, via, received_at, text, rating, email, consent, spooled_at)"
            " values (?, ?, ?, ?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
            [s.submission_id, s.via, s.received_at, s.text, s.rating, s.email, int(s.consent)],
        )
    except sqlite3.IntegrityError:
        raise DuplicateSubmission(f"submission {s.submission_id!r} was received before") from None
    except sqlite3.OperationalError as exc:
        if _is_busy(exc):
            raise SpoolBusy("the spool is locked by another process; nothing was written") from None
        raise
    return int(cursor.lastrowid or 0)


def latest_id(conn: sqlite3.Connection) -> int:
    """The highest row id committed so far (0 for an empty spool)."""
    return int(conn.execute("select coalesce(max(id), 0) from submissions").fetchone()[0])


def read_after(conn: sqlite3.Connection, after: int, upto: int, limit: int = 500) -> list[Spooled]:
    """Up to ``limit`` submissions with ``after < id <= upto``, in id order."""
    rows = conn.execute(
        f"select {COLUMNS} from submissions where id > ? and id <= ? order by id limit ?",
        [after, upto, limit],
    ).fetchall()
    return [
        Spooled(id=row[0], submission_id=row[1], via=row[2], received_at=row[3], text=row[4],
                rating=row[5], email=row[6], consent=bool(row[7]))
        for row in rows
    ]


def prune(conn: sqlite3.Connection, ingested: int, keep_days: int) -> int:
    """Delete the submissions the warehouse already holds (``id <= ingested``, its committed
    watermark) that were spooled more than ``keep_days`` ago; how many went.

    The text and the contact address then live only in the warehouse. Ids are AUTOINCREMENT, so
    a deleted id is never reused and the watermark keeps its meaning. A submission stays at least
    ``keep_days`` (at least a day, longer than any replay window), so a replayed request within
    the window still finds its id and is refused. Rows of a version 1 spool, which have no
    ``spooled_at``, count from their ``received_at``.
    """
    if "spooled_at" not in _columns(conn):
        return 0
    try:
        cursor = conn.execute(
            "delete from submissions where id <= ? and coalesce(spooled_at, received_at)"
            " < strftime('%Y-%m-%dT%H:%M:%SZ', 'now', ?)",
            [ingested, f"-{int(keep_days)} days"],
        )
    except sqlite3.OperationalError as exc:
        if _is_busy(exc):
            return 0  # the intake is writing: prune next time
        raise
    return int(cursor.rowcount or 0)
