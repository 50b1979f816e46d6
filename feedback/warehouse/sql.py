"""How the warehouse talks to SQLite: the write transaction, the timestamp format, and
chunked ``IN (...)`` queries.

A statement may carry only so many ``?`` parameters (999 before SQLite 3.32), so a
query over an arbitrary list of keys runs once per chunk::

    for part in chunks(ids):
        db.execute(f"select ... where id in ({marks(len(part))})", part)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TypeVar

import sqlite_utils

T = TypeVar("T")

# Below SQLite's oldest limit (999) with room for the parameters a query has besides the list.
CHUNK = 900


def chunks(values: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    """``values`` in order, as consecutive lists of at most ``size``; none for no values."""
    if size < 1:
        raise ValueError(f"chunk size must be at least 1, not {size}")
    part: list[T] = []
    for value in values:
        part.append(value)
        if len(part) == size:
            yield part
            part = []
    if part:
        yield part


def marks(n: int) -> str:
    """``n`` parameter marks for ``IN (...)``: ``marks(3) == "?,?,?"``."""
    if n < 0:
        raise ValueError(f"cannot make {n} parameter marks")
    return ",".join("?" * n)


@contextmanager
def write_transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """A write transaction that takes the write lock up front (BEGIN IMMEDIATE).

    A deferred transaction that reads and then writes fails at once with "database
    is locked" when another writer committed in between (WAL snapshots), whatever
    the busy timeout; taking the lock first makes concurrent writers wait instead.
    Inside an open transaction it nests as a savepoint.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        with db.atomic():  # a savepoint inside our transaction
            yield db
    except BaseException:
        db.rollback()
        raise
    db.execute("COMMIT")


def now_iso() -> str:
    """Now, as the warehouse stores times: ISO 8601 UTC with microseconds and a ``Z``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
