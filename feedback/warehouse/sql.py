"""How the warehouse talks to SQLite: the connection class, the write transaction, the
timestamp format, and chunked ``IN (...)`` queries.

Nested transactions join, they do not nest (:class:`Warehouse`). sqlite-utils turns a nested
``atomic()`` (and every ``insert_all``/``upsert_all`` inside a transaction) into a SAVEPOINT. With
a savepoint open, SQLite keeps a sub-journal of every statement that fires a trigger, and with
the temporary store in memory (pysqlite3's build is compiled so: ``TEMP_STORE=3``) the cost of
that grows with the square of the rows written: 11,000 segment rows took 142 s of CPU inside a
savepoint against 0.7 s without (the warehouse's publish and theme-statistics triggers fire on
every row; ``bench/savepoints.py``).

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


class Warehouse(sqlite_utils.Database):  # type: ignore[misc]
    """The warehouse's connection: a block that opens inside a transaction joins it.

    ``atomic()`` outside a transaction is sqlite-utils' own (BEGIN ... COMMIT, rolled back on
    an error). Inside one it opens no savepoint (see the module docstring for the cost); an
    error that leaves a joined block rolls the whole transaction back before it propagates, so
    no part of it can be committed by an outer block that catches the error and goes on.
    """

    @contextmanager
    def atomic(self) -> Iterator[Warehouse]:
        if not self.conn.in_transaction:
            with super().atomic():
                yield self
            return
        try:
            yield self
        except BaseException:
            if self.conn.in_transaction:
                self.conn.rollback()
            raise


@contextmanager
def write_transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """A write transaction that takes the write lock up front (BEGIN IMMEDIATE).

    A deferred transaction that reads and then writes fails at once with "database
    is locked" when another writer committed in between (WAL snapshots), whatever
    the busy timeout; taking the lock first makes concurrent writers wait instead.
    Inside an open transaction it is a plain ``atomic()`` block (on a :class:`Warehouse`,
    part of the open transaction).
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.rollback()
        raise
    db.execute("COMMIT")


def now_iso() -> str:
    """Now, as the warehouse stores times: ISO 8601 UTC with microseconds and a ``Z``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
