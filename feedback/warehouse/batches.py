"""Batches: a source's raw documents, items, quarantined records and watermark, committed together.

Every write that belongs to one unit of a source's work happens in one transaction
(:func:`commit_batch`), so a run killed at any point leaves the warehouse as it was
before that batch or after it, never in between.
"""

from __future__ import annotations

import itertools
import json
import logging
import operator
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from feedback.errors import WarehouseError
from feedback.items import Item, Quarantined
from feedback.warehouse.sql import chunks, marks, now_iso, write_transaction

log = logging.getLogger(__name__)

# --- raw landing -------------------------------------------------------------------------


@dataclass(frozen=True)
class RawDocument:
    hash: str
    source: str
    uri: str
    content: bytes
    media_type: str = "application/octet-stream"


def land(db: sqlite_utils.Database, doc: RawDocument) -> bool:
    """Keep a raw document's bytes once per content hash; True when it is new."""
    existing = db.execute("select 1 from raw_documents where hash = ?", [doc.hash]).fetchone()
    if existing:
        return False
    db.table("raw_documents").insert(
        {
            "hash": doc.hash,
            "source": doc.source,
            "uri": doc.uri,
            "size": len(doc.content),
            "media_type": doc.media_type,
            "landed_at": now_iso(),
            "content": doc.content,
        }
    )
    return True


# --- items, quarantine, watermarks ---------------------------------------------------------


@dataclass
class BatchResult:
    seen: int = 0
    new: int = 0
    changed: int = 0
    quarantined: int = 0

    def __iadd__(self, other: BatchResult) -> BatchResult:
        self.seen += other.seen
        self.new += other.new
        self.changed += other.changed
        self.quarantined += other.quarantined
        return self


ITEM_COLUMNS = ("id", "source", "channel", "local_id", "raw_hash", "location", "received_at", "customer", "rating", "rating_raw", "rating_scale", "title", "question", "text", "url", "extra", "run_id", "ingested_at")
# What makes an item "changed"; provenance (location, extra, raw_hash) alone does not.
_ITEM_CONTENT = ("received_at", "customer", "rating", "rating_raw", "title", "question", "text", "url")
_CONTENT_AT = tuple(ITEM_COLUMNS.index(col) for col in _ITEM_CONTENT)

ItemRow = tuple[
    str, str, str, str, str | None, str, str | None, str | None, float | None, str | None, str | None,
    str | None, str | None, str, str | None, str | None,
]
"""An item as the ``items`` table stores it: :data:`ITEM_COLUMNS` from ``id`` to ``extra`` (JSON
text, as ``json.dumps(extra, ensure_ascii=False)`` writes it); ``run_id`` and ``ingested_at`` are
added when it is written. What a reader that streams its items yields (:attr:`Batch.rows`)."""

# Items written per statement while a batch streams: bounds the Python objects alive at once
# (with a 100k-row export held whole, the garbage collector took about a quarter of its ingest).
ITEM_CHUNK = 5000
# A batch that has brought at least this many rows, and at least as many as ``items`` held before
# it, is a bulk load: ``items``' secondary indexes are dropped for the rest of it and built again,
# by sorting, before it commits (see :func:`_upsert_rows`).
BULK_MIN = 5000
_STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")  # now_iso()'s form
_PRINTABLE_ASCII = re.compile(r"[ -~]*")  # texts written into a statement as literals (see _NewRows)
_LITERAL_MAX = 200


# json.dumps(x, ensure_ascii=False) builds a new encoder on every call; one encoder with the
# same settings writes the same text in two thirds of the time.
_encode_json = json.JSONEncoder(ensure_ascii=False).encode
_encode_str = json.encoder.encode_basestring  # what that encoder uses for str keys and values


def _dump_extra(extra: dict[str, Any]) -> str:
    """``json.dumps(extra, ensure_ascii=False)``; a flat dict of text and integers (what sources
    put in ``extra``) is written directly, ~3x faster, anything else by the encoder."""
    parts = []
    for key, value in extra.items():
        kind = type(value)
        if type(key) is not str or (kind is not str and kind is not int):
            return _encode_json(extra)
        parts.append(_encode_str(key) + ": " + (_encode_str(value) if kind is str else int.__repr__(value)))
    return "{" + ", ".join(parts) + "}"


def item_row(item: Item) -> ItemRow:
    """An item as the row ``items`` stores (a hot path: one tuple, no dicts)."""
    extra = _dump_extra(item.extra) if item.extra else None
    return (
        item.id, item.source, item.channel, item.local_id, item.raw_hash, item.location,
        item.received_at, item.customer, item.rating, item.rating_raw, item.rating_scale,
        item.title, item.question, item.text, item.url, extra,
    )


def _tail_literals(run_id: int | None, stamp: str) -> str:
    """``run_id`` and ``ingested_at`` as SQL literals: the same for every row of a batch, so
    written into the statement once instead of bound (and a row tuple extended) per row. Both
    are ours, never input text; checked all the same."""
    if run_id is not None and type(run_id) is not int:
        raise TypeError(f"run_id must be an int or None, not {type(run_id).__name__}")
    if not _STAMP.fullmatch(stamp):
        raise ValueError(f"not a warehouse timestamp: {stamp!r}")
    return f"{'NULL' if run_id is None else run_id}, '{stamp}'"


class _NewRows:
    """Inserts rows new to the batch (``on conflict(id) do nothing``), a chunk at a time.

    A column with one value in every row of a chunk is written into the statement as a literal
    rather than bound: NULL (``title`` and ``url`` of a survey: the sqlite3 module binds None
    through its adaptation lookup, ~1.8 us a value with pysqlite3, ~0.6 s for two NULLs in each
    of 172k rows), or a short ASCII text (a survey's ``source``, ``channel``, ``raw_hash`` and
    ``rating_scale``: each bound text is copied, under SQLite's mutex, for every row). SQLite
    stores a text literal as it stores the same text bound. Rows keep their order, so their
    rowids are the same.
    """

    def __init__(self, tail: str) -> None:
        self.tail = tail  # run_id and ingested_at, as :func:`_tail_literals` writes them
        self.statements: dict[tuple[tuple[int, str], ...], str] = {}  # (column, literal) pairs -> statement

    def statement(self, fixed: tuple[tuple[int, str], ...]) -> str:
        sql = self.statements.get(fixed)
        if sql is None:
            literals = dict(fixed)
            values = ", ".join(literals.get(i, "?") for i in range(len(ITEM_COLUMNS) - 2))
            sql = self.statements[fixed] = (
                f"insert into items ({', '.join(ITEM_COLUMNS)}) values ({values}, {self.tail}) on conflict(id) do nothing"
            )
        return sql

    def __call__(self, conn: Any, rows: list[ItemRow]) -> int:
        """Insert ``rows``; returns how many went in."""
        first = rows[0]  # a column has one value throughout only if it is the first row's
        fixed = tuple(
            (i, literal) for i in range(1, len(first))
            if (literal := _sql_literal(first[i])) is not None
            and all(map(operator.eq, map(operator.itemgetter(i), rows), itertools.repeat(first[i])))
        )
        values: list[Any] = rows
        if fixed:
            literal_at = {i for i, _literal in fixed}
            bound = [i for i in range(len(first)) if i not in literal_at]  # the id at least
            pick = operator.itemgetter(*bound)
            values = list(map(pick, rows)) if len(bound) > 1 else [(pick(row),) for row in rows]
        return conn.executemany(self.statement(fixed), values).rowcount  # type: ignore[no-any-return]


def _sql_literal(value: Any) -> str | None:
    """``value`` as an SQL literal that SQLite reads back as exactly that value: NULL, or a text
    of printable ASCII (quotes doubled); None for anything else (bound as usual)."""
    if value is None:
        return "NULL"
    if type(value) is str and len(value) <= _LITERAL_MAX and _PRINTABLE_ASCII.fullmatch(value):
        return "'" + value.replace("'", "''") + "'"
    return None


def _secondary_indexes(conn: Any) -> list[tuple[str, str]]:
    """(name, SQL) of the indexes on ``items`` that no constraint needs: created by a statement
    (not the primary key's) and not unique, so that nothing but lookups depends on them."""
    return conn.execute(  # type: ignore[no-any-return]
        "select m.name, m.sql from sqlite_master m join pragma_index_list('items') l on l.name = m.name"
        " where m.type = 'index' and m.tbl_name = 'items' and m.sql is not null and l.[unique] = 0"
        " order by m.name"
    ).fetchall()


def _upsert_rows(
    db: sqlite_utils.Database, rows: Iterable[ItemRow], run_id: int | None, chunk_size: int, bulk_min: int = BULK_MIN
) -> tuple[int, int, int]:
    """Insert new items, update ones whose content changed; returns (seen, new, changed).

    ``rows`` is read once, ``chunk_size`` at a time, each chunk written before the next is read,
    all inside the caller's transaction. The result is the one of writing the batch whole: the
    last occurrence of an id in the batch wins and counts once; an item the warehouse held before
    the batch is compared, and rewritten, only with its last occurrence, at the end.

    A chunk's ids not yet seen in the batch are inserted unless the warehouse has them (``on
    conflict do nothing``); only when fewer rows went in than were offered are the others looked
    up: those are rows the warehouse held before the chunk (their rowid is at most the largest
    one before it, as SQLite gives a new row the largest rowid plus one).

    A bulk load (``bulk_min`` rows written, and as many as ``items`` held before the batch) drops
    the table's secondary indexes and creates them again, with the statements that made them, at
    the end: SQLite builds an index by sorting faster than it keeps one up to date row by row
    (random keys such as customers). Both happen inside the caller's transaction, so a run
    killed in between leaves the indexes as they were; the rebuild costs at most about twice
    the batch's rows.
    """
    if chunk_size < 1:
        raise ValueError(f"chunk size must be at least 1, not {chunk_size}")
    cols = ", ".join(ITEM_COLUMNS)
    tail = _tail_literals(run_id, now_iso())
    values = f"{marks(len(ITEM_COLUMNS) - 2)}, {tail}"
    insert = _NewRows(tail)
    updates = ", ".join(f"{col} = excluded.{col}" for col in ITEM_COLUMNS if col != "id")
    upsert = f"insert into items ({cols}) values ({values}) on conflict(id) do update set {updates}"
    content_cols = ", ".join(_ITEM_CONTENT)
    inserted: set[str] = set()  # ids this batch added
    held: dict[str, ItemRow] = {}  # ids the warehouse had before: their last row in this batch
    before: dict[str, tuple[Any, ...]] = {}  # ... and their content before it
    seen = 0
    stream = iter(rows)
    conn = db.conn
    held_before = conn.execute("select max(rowid) from items").fetchone()[0] or 0  # about the rows it holds
    deferred: list[tuple[str, str]] | None = None  # indexes dropped for a bulk load
    while part := list(itertools.islice(stream, chunk_size)):
        seen += len(part)
        ids = [row[0] for row in part]
        unique = set(ids)
        again: list[ItemRow] = []  # ids an earlier chunk added, with their later row
        if len(unique) == len(part) and unique.isdisjoint(inserted) and held.keys().isdisjoint(unique):
            fresh, latest = part, None  # the usual chunk: every id new to the batch
        else:
            latest = {row[0]: row for row in part}  # last occurrence wins
            fresh = []
            for item_id, row in latest.items():
                if item_id in inserted:
                    again.append(row)  # added by an earlier chunk: the later row replaces it
                elif item_id in held:
                    held[item_id] = row
                else:
                    fresh.append(row)
            ids = [row[0] for row in fresh]
        if fresh:
            top = conn.execute("select max(rowid) from items").fetchone()[0] or 0
            went_in = insert(conn, fresh)
            if went_in != len(fresh):
                latest = latest if latest is not None else dict(zip(ids, part, strict=True))
                for part_ids in chunks(ids):
                    query = f"select id, {content_cols} from items where id in ({marks(len(part_ids))}) and rowid <= ?"
                    for found in conn.execute(query, [*part_ids, top]):
                        before[found[0]] = tuple(found[1:])
                        held[found[0]] = latest[found[0]]
                inserted.update(i for i in ids if i not in held)
            else:
                inserted.update(ids)
        if again:
            conn.executemany(upsert, again)
        if deferred is None and seen >= bulk_min and seen >= held_before:
            deferred = _secondary_indexes(conn)
            log.debug("bulk load: items' %d secondary indexes dropped after %d rows, built again at the end of the batch",
                      len(deferred), seen)
            for name, _sql in deferred:
                conn.execute(f"drop index [{name}]")
    changed = [row for item_id, row in held.items() if tuple(row[i] for i in _CONTENT_AT) != before[item_id]]
    if changed:
        conn.executemany(upsert, changed)
    for _name, sql in deferred or ():
        conn.execute(sql)
    return seen, len(inserted), len(changed)


def _quarantine(db: sqlite_utils.Database, records: list[Quarantined], run_id: int | None) -> None:
    stamp = now_iso()
    for record in records:
        row = record.row()
        db.execute(
            """
            insert into quarantine (id, source, location, reason, snippet, raw_hash, run_id,
                                    first_seen, last_seen, times_seen)
            values (:id, :source, :location, :reason, :snippet, :raw_hash, :run_id, :stamp, :stamp, 1)
            on conflict(id) do update set last_seen = :stamp, times_seen = times_seen + 1,
                                          run_id = :run_id
            """,
            {**row, "run_id": run_id, "stamp": stamp},
        )


def get_watermark(db: sqlite_utils.Database, source: str, key: str) -> Any:
    row = db.execute(
        "select value from watermarks where source = ? and key = ?", [source, key]
    ).fetchone()
    return json.loads(row[0]) if row else None


def watermarks(db: sqlite_utils.Database, source: str) -> dict[str, Any]:
    return {
        key: json.loads(value)
        for key, value in db.execute("select key, value from watermarks where source = ?", [source])
    }


def _set_watermark(db: sqlite_utils.Database, source: str, key: str, value: Any) -> None:
    db.execute(
        """insert into watermarks (source, key, value, updated_at) values (?, ?, ?, ?)
           on conflict(source, key) do update set value = excluded.value,
                                                  updated_at = excluded.updated_at""",
        [source, key, json.dumps(value, sort_keys=True), now_iso()],
    )


@dataclass
class Batch:
    """Everything one unit of a source's work produced: committed together or not at all."""

    source: str
    items: list[Item]
    quarantined: list[Quarantined]
    raw: RawDocument | None = None
    watermark: tuple[str, Any] | None = None  # (key, value) advanced with the items
    # More items, as rows, for a reader that streams a large input: read once, in chunks,
    # inside the batch's transaction. ``quarantined`` and ``watermark`` are read after the
    # rows, so such a reader may fill them in as it goes.
    rows: Iterable[ItemRow] = ()
    # Rows for a channel's own tables (created by its migrations), written in the same
    # transaction and replacing rows with the same primary key: {"email_messages": [...]}.
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def commit_batch(
    db: sqlite_utils.Database, batch: Batch, run_id: int | None = None, chunk_size: int = ITEM_CHUNK,
    bulk_min: int = BULK_MIN,
) -> BatchResult:
    """Write a batch atomically: landing, items, quarantine and watermark in one transaction
    (items, then rows, ``chunk_size`` to a statement; a bulk load of ``bulk_min`` rows or more
    builds the secondary indexes once at the end, see :func:`_upsert_rows`)."""
    with write_transaction(db):
        if batch.raw is not None:
            land(db, batch.raw)
        items = itertools.chain(map(item_row, batch.items), batch.rows)
        seen, new, changed = _upsert_rows(db, items, run_id, chunk_size, bulk_min)
        _quarantine(db, batch.quarantined, run_id)
        for table, rows in batch.tables.items():
            if rows:
                if not db.table(table).exists():
                    raise WarehouseError(f"batch rows for table {table!r}, which no migration created")
                db.table(table).insert_all(rows, replace=True)
        if batch.watermark is not None:
            _set_watermark(db, batch.source, *batch.watermark)
    return BatchResult(seen=seen, new=new, changed=changed, quarantined=len(batch.quarantined))
