"""The archive's int8 search vectors: ``vector_codebook`` and ``vector_codes`` (see :mod:`feedback.serve.vectors`).

Written after ``feedback_vectors`` by both publishes (:mod:`feedback.publish`): a full one
encodes every comment (:func:`write_codes`), an incremental one only the comments that changed,
with the codebook the archive's codes were made with (:func:`update_codes`).

The codebook is kept in the warehouse (``publish_state`` key ``vector_codebook``), so every
publish of a warehouse, full or incremental, codes a vector the same way and the two give the
same archive. It is fitted (on a sample of the archive's vectors) when there is none, when the
model or its dimensions changed, or when the archive holds twice the vectors it was fitted on
or more (so it follows the archive's growth, and re-encoding everything is paid once per
doubling); then every comment is encoded again. An archive whose codes were made with another
codebook (a publish killed after the warehouse recorded a new one) is encoded again in full.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import sqlite3
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
import sqlite_utils

from feedback.serve.search import PCA_SAMPLE, SearchUnavailable
from feedback.serve.vectors import (
    CODEBOOK_COLUMNS,
    FORMAT,
    Codebook,
    _floats,
    codebook_of,
    fit_codebook,
)
from feedback.warehouse.sql import chunks, marks, now_iso

log = logging.getLogger(__name__)

STATE_KEY = "vector_codebook"  # publish_state key of the warehouse's codebook
ENCODE_ROWS = 32_768  # vectors encoded at a time
TABLES = ("vector_codebook", "vector_codes")
SCHEMA = ("create table vector_codebook (codebook text, format text, model text, model_version text, dim integer,"
          " code_dims integer, fitted_on integer, mean blob, basis blob, scales blob)",  # CODEBOOK_COLUMNS
          "create table vector_codes (feedback_id text primary key, factor float, codes blob)")


def _model(conn: sqlite3.Connection) -> tuple[str, str, int, int] | None:
    """(model, version, dim, vectors) of the archive's ``vector_model``; None without vectors."""
    tables = {r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")}
    if not {"feedback_vectors", "vector_model"} <= tables:
        return None
    row = conn.execute("select model, model_version, dim, vectors from vector_model").fetchone()
    return (str(row[0]), str(row[1]), int(row[2]), int(row[3])) if row and row[3] else None


def _codebook_row(book: Codebook, model: tuple[str, str, int, int], fitted_on: int) -> tuple[Any, ...]:
    return (book.id, FORMAT, model[0], model[1], book.dim, book.code_dims, fitted_on,
            book.mean.astype("<f4").tobytes(), book.basis.astype("<f4").tobytes(), book.scales.astype("<f4").tobytes())


def _stored(warehouse: sqlite_utils.Database | None) -> tuple[Any, ...] | None:
    """The warehouse's codebook as a ``vector_codebook`` row; None when it has none (or no publish_state)."""
    if warehouse is None or not warehouse.table("publish_state").exists():
        return None
    row = warehouse.execute("select value from publish_state where key = ?", [STATE_KEY]).fetchone()
    if row is None:
        return None
    try:
        stored = tuple(base64.b64decode(v) if name in ("mean", "basis", "scales") else v
                       for name, v in zip(CODEBOOK_COLUMNS.split(", "), json.loads(row[0]), strict=True))
        if codebook_of(stored, "warehouse's vector codebook").id != stored[0]:
            raise ValueError("its fingerprint does not match its numbers")
    except (ValueError, TypeError, binascii.Error, SearchUnavailable) as exc:
        log.warning("the warehouse's vector codebook is unreadable (%s): fitting a new one", exc)
        return None
    return stored


def _store(warehouse: sqlite_utils.Database | None, row: tuple[Any, ...]) -> None:
    if warehouse is None or not warehouse.table("publish_state").exists():
        return
    value = [base64.b64encode(v).decode() if isinstance(v, bytes) else v for v in row]
    with warehouse.conn:
        warehouse.execute("insert into publish_state (key, value, updated_at) values (?, ?, ?) on conflict(key)"
                          " do update set value = excluded.value, updated_at = excluded.updated_at",
                          [STATE_KEY, json.dumps(value), now_iso()])


def codebook_for(warehouse: sqlite_utils.Database | None, conn: sqlite3.Connection,
                 model: tuple[str, str, int, int]) -> tuple[Any, ...]:
    """The ``vector_codebook`` row to code the archive's vectors with: the warehouse's, unless it
    must be fitted again (see the module docstring); a new one is recorded in the warehouse."""
    row = _stored(warehouse)
    if row is not None:
        _, fmt, name, version, dim, _, fitted_on, *_ = row
        if (fmt, name, version, dim) == (FORMAT, model[0], model[1], model[2]) and model[3] < 2 * fitted_on:
            return row
    book = fit_codebook(vector_sample(conn, model[2]))
    row = _codebook_row(book, model, model[3])
    _store(warehouse, row)
    log.info("vector codebook %s fitted on %d vectors (%d codes each)", book.id, model[3], book.code_dims)
    return row


def codes_current(conn: sqlite3.Connection, warehouse: sqlite_utils.Database | None) -> bool:
    """Are the archive's codes still right with no vector changed: its codebook the warehouse's,
    and one the next publish would keep (:func:`codebook_for`), or no vectors and no codes?"""
    model = _model(conn)
    tables = {r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")}
    if model is None:
        return not set(TABLES) & tables
    row = _stored(warehouse)
    if row is None or not set(TABLES) <= tables:
        return False
    _, fmt, name, version, dim, _, fitted_on, *_ = row
    archived = conn.execute(f"select {CODEBOOK_COLUMNS} from vector_codebook").fetchone()
    return ((fmt, name, version, dim) == (FORMAT, model[0], model[1], model[2]) and model[3] < 2 * fitted_on
            and archived is not None and tuple(archived) == tuple(row))


def vector_sample(conn: sqlite3.Connection, dim: int, size: int = PCA_SAMPLE, seed: int = 0) -> np.ndarray:
    """At most ``size`` float32 vectors of ``feedback_vectors``, drawn at random (the codebook's fit)."""
    ids = np.array([r[0] for r in conn.execute("select rowid from feedback_vectors order by rowid")], dtype=np.int64)
    if len(ids) > size:
        ids = np.sort(np.random.default_rng(seed).choice(ids, size, replace=False))
    out = np.empty((len(ids), dim), dtype=np.float32)
    n = 0
    for start in range(0, len(ids), 500):
        part = ",".join(map(str, ids[start:start + 500]))
        for (blob,) in conn.execute(f"select vector from feedback_vectors where rowid in ({part}) order by rowid"):
            out[n] = _floats(blob, dim)
            n += 1
    return out[:n]


def _vectors(conn: sqlite3.Connection, dim: int, items: Iterable[str] | None) -> Iterator[tuple[list[str], np.ndarray]]:
    """(feedback ids, (m, dim) float32 vectors) of ``feedback_vectors`` (of ``items`` only, if given)."""
    if items is None:
        queries: Iterable[tuple[str, list[str]]] = [("select feedback_id, vector from feedback_vectors", [])]
    else:
        queries = ((f"select feedback_id, vector from feedback_vectors where feedback_id in ({marks(len(part))})", part)
                   for part in chunks(sorted(items)))
    for sql, params in queries:
        cursor = conn.execute(sql, params)
        while rows := cursor.fetchmany(ENCODE_ROWS):
            matrix = np.empty((len(rows), dim), dtype=np.float32)
            for i, (_, blob) in enumerate(rows):
                matrix[i] = _floats(blob, dim)
            yield [r[0] for r in rows], matrix


def _encode(conn: sqlite3.Connection, row: tuple[Any, ...], items: Iterable[str] | None) -> int:
    book = codebook_of(row, "warehouse's vector codebook")
    total = 0
    for ids, matrix in _vectors(conn, book.dim, items):
        codes, factors = book.encode(matrix)
        conn.executemany("insert into vector_codes values (?, ?, ?)",
                         zip(ids, factors.tolist(), (c.tobytes() for c in codes), strict=True))
        total += len(ids)
    return total


def write_codes(conn: sqlite3.Connection, warehouse: sqlite_utils.Database | None = None) -> dict[str, int]:
    """(Re)write both tables from the archive's ``feedback_vectors``, with the warehouse's codebook
    (fitted if needed); returns their row counts (nothing without vectors)."""
    for table in TABLES:
        conn.execute(f"drop table if exists [{table}]")
    model = _model(conn)
    if model is None:
        return {}
    row = codebook_for(warehouse, conn, model)
    for statement in SCHEMA:
        conn.execute(statement)
    conn.execute(f"insert into vector_codebook ({CODEBOOK_COLUMNS}) values ({marks(len(row))})", row)
    total = _encode(conn, row, None)
    log.info("vector codes: %d comments, %d bytes each", total, row[5])
    return {"vector_codebook": 1, "vector_codes": total}


def update_codes(conn: sqlite3.Connection, warehouse: sqlite_utils.Database | None, items: set[str]) -> dict[str, int]:
    """Bring both tables up to date after ``feedback_vectors`` was updated for the comments
    ``items``: only theirs are encoded when the archive's codebook is still the one to use."""
    model = _model(conn)
    tables = {r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")}
    if model is None or not set(TABLES) <= tables:
        return write_codes(conn, warehouse)
    row = codebook_for(warehouse, conn, model)
    archived = conn.execute(f"select {CODEBOOK_COLUMNS} from vector_codebook").fetchone()
    if archived is None or tuple(archived) != tuple(row):
        return write_codes(conn, warehouse)
    for part in chunks(sorted(items)):
        conn.execute(f"delete from vector_codes where feedback_id in ({marks(len(part))})", part)
    _encode(conn, row, items)
    return {"vector_codebook": 1, "vector_codes": conn.execute("select count(*) from vector_codes").fetchone()[0]}
