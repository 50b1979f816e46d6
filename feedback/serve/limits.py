"""What SQL queries may allocate inside Datasette, so no request can exhaust the server's memory.

Three bounds, on the SQLite module Datasette itself uses (``pysqlite3`` when installed, as this
project installs it, else the standard ``sqlite3``):

- a result budget on every connection (the ``prepare_connection`` hook, :func:`limit_connection`):
  the rows one query returns may hold at most ``result_bytes`` of text and blobs in all, counted
  as they are fetched, so a thousand rows of large values fail with :class:`ResultTooLarge`;
- a cap on SQLite's heap for the whole process (:func:`cap_sqlite_memory`, the plugin option
  ``sql_memory_mb``, which ``feedback serve`` sets): a value SQLite would have to build beyond it
  (``zeroblob(1000000000)``, ``randomblob``, a string doubled in a recursive query) fails with
  "out of memory" before it exists. Pages, vectors and facet arrays are read through SQLite's
  memory map and small rows, far below the cap; the cap cannot be raised again in the process,
  so it is only set where Datasette serves;
- with the standard ``sqlite3`` (Python 3.11+), SQLite's own ``SQLITE_LIMIT_LENGTH`` per value
  as well (``pysqlite3`` connections have no ``setlimit``).

Datasette's ``sql_time_limit_ms`` bounds the time. The plugin's index loaders read far more than
a page does (every vector, one ``group_concat`` of row ids per facet value): they run in
:func:`unlimited` for their one connection while they read.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from datasette.utils.sqlite import sqlite3

RESULT_BYTES = 64 * 2**20  # text and blobs one query may return in all
VALUE_BYTES = 16 * 2**20  # the longest string or blob (where the SQLite module can set the limit)
SQLITE_MAX_LENGTH = 1_000_000_000  # SQLite's compiled-in length limit (its default)
VALUE_OVERHEAD = 16  # counted per value besides its text, so many small values add up too


class ResultTooLarge(sqlite3.DataError):  # type: ignore[misc,name-defined]
    """A query returned more text and blobs than the result budget allows."""


class ResultBudget:
    """A row factory that builds Datasette's ``Row`` and counts the bytes each cursor returned."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._cursor: Any = None
        self._used = 0

    def __call__(self, cursor: Any, values: tuple[Any, ...]) -> Any:
        size = VALUE_OVERHEAD * len(values)
        for value in values:
            if isinstance(value, str | bytes):
                size += len(value)
        if cursor is not self._cursor:  # a connection runs one query at a time: a new cursor, a new count
            self._cursor, self._used = cursor, 0
        self._used += size
        if self._used > self.limit:
            raise ResultTooLarge(f"the result is larger than this server sends ({self.limit // 2**20} MB):"
                                 " ask for fewer rows or shorter values")
        return sqlite3.Row(cursor, values)


def limit_connection(conn: Any, result_bytes: int = RESULT_BYTES, value_bytes: int = VALUE_BYTES) -> None:
    """Bound what any query on ``conn`` may return (see the module docstring)."""
    if hasattr(conn, "setlimit"):
        conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, value_bytes)
    conn.row_factory = ResultBudget(result_bytes)


def cap_sqlite_memory(megabytes: int) -> int:
    """Cap the heap of Datasette's SQLite library for the whole process (``hard_heap_limit``;
    it can only be lowered afterwards). Returns the cap now in force, in bytes."""
    conn = sqlite3.connect(":memory:")
    try:
        return int(conn.execute(f"PRAGMA hard_heap_limit = {int(megabytes) * 2**20}").fetchone()[0])
    finally:
        conn.close()


@contextmanager
def unlimited(conn: Any) -> Iterator[Any]:
    """Lift the per-connection bounds of :func:`limit_connection` while the plugin reads a whole index."""
    length = conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, SQLITE_MAX_LENGTH) if hasattr(conn, "setlimit") else None
    factory = conn.row_factory
    conn.row_factory = sqlite3.Row
    try:
        yield conn
    finally:
        if length is not None:
            conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, length)
        conn.row_factory = factory
