"""What one SQL query may allocate inside Datasette, so no request can exhaust the server's memory.

Every connection Datasette opens (the ``prepare_connection`` hook) gets two bounds:

- SQLite's ``SQLITE_LIMIT_LENGTH``: no string or blob longer than :data:`VALUE_BYTES`, so
  ``zeroblob(1000000000)``, ``randomblob`` or a huge ``group_concat`` fail inside SQLite with
  "string or blob too big" before anything is allocated;
- a result budget: the rows one query returns may hold at most :data:`RESULT_BYTES` of text and
  blobs in all (counted as the rows are fetched), so a thousand rows of large values fail too.

Datasette's ``sql_time_limit_ms`` already bounds the time. The plugin's own index loaders read
far more than a page does (every vector, one ``group_concat`` per facet value): they run
:func:`unlimited` for their one connection while they read.
"""

from __future__ import annotations

import sqlite3
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

VALUE_BYTES = 16 * 2**20  # the largest string or blob one value may be
RESULT_BYTES = 64 * 2**20  # text and blobs one query may return in all
SQLITE_MAX_LENGTH = 1_000_000_000  # SQLite's compiled-in limit (its default)
VALUE_OVERHEAD = 16  # counted per value besides its text, so many small values add up too


class ResultTooLarge(sqlite3.DataError):
    """A query returned more than the result budget (SQLite says "string or blob too big" for one value)."""


class ResultBudget:
    """A row factory that builds Datasette's ``sqlite3.Row`` and counts each cursor's bytes."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._used: weakref.WeakKeyDictionary[sqlite3.Cursor, int] = weakref.WeakKeyDictionary()

    def __call__(self, cursor: sqlite3.Cursor, values: tuple[Any, ...]) -> sqlite3.Row:
        size = VALUE_OVERHEAD * len(values)
        for value in values:
            if isinstance(value, str | bytes):
                size += len(value)
        used = self._used.get(cursor, 0) + size
        if used > self.limit:
            raise ResultTooLarge(f"the query's result is larger than this server returns ({self.limit // 2**20} MB)")
        self._used[cursor] = used
        return sqlite3.Row(cursor, values)


def limit_connection(conn: sqlite3.Connection, value_bytes: int = VALUE_BYTES, result_bytes: int = RESULT_BYTES) -> None:
    """Bound what any query on ``conn`` may allocate (see the module docstring)."""
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, value_bytes)
    conn.row_factory = ResultBudget(result_bytes)


@contextmanager
def unlimited(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Lift the bounds of :func:`limit_connection` while the plugin reads a whole index."""
    length = conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, SQLITE_MAX_LENGTH)
    factory = conn.row_factory
    conn.row_factory = sqlite3.Row
    try:
        yield conn
    finally:
        conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, length)
        conn.row_factory = factory
