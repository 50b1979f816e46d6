"""The internal warehouse: raw landing, items, quarantine, watermarks and the run log.

The schema is a list of named migrations, applied in order and recorded in
``_migrations``; applying them again does nothing. Every write that belongs to
one source's batch (raw documents, items, quarantined records and the source's
watermark) happens in one transaction, so a run killed at any point leaves the
warehouse as it was before that batch or after it, never in between.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import itemgetter
from pathlib import Path
from typing import Any

import sqlite_utils
from sqlite_utils.db import NotFoundError

from feedback.errors import WarehouseError
from feedback.items import Item, Quarantined

log = logging.getLogger(__name__)

Migration = Callable[[sqlite_utils.Database], None]
MIGRATIONS: list[tuple[str, Migration]] = []


def migration(name: str) -> Callable[[Migration], Migration]:
    """Register a schema change; names are permanent once released."""

    def register(fn: Migration) -> Migration:
        if any(existing == name for existing, _ in MIGRATIONS):
            raise ValueError(f"duplicate migration name {name!r}")
        MIGRATIONS.append((name, fn))
        return fn

    return register


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
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@migration("0001_landing_items_quarantine")
def _m0001(db: sqlite_utils.Database) -> None:
    db.table("raw_documents").create(
        {
            "hash": str,
            "source": str,
            "uri": str,
            "size": int,
            "media_type": str,
            "landed_at": str,
            "content": bytes,
        },
        pk="hash",
    )
    db.table("items").create(
        {
            "id": str,
            "source": str,
            "channel": str,
            "local_id": str,
            "raw_hash": str,
            "location": str,
            "received_at": str,
            "customer": str,
            "rating": float,
            "rating_raw": str,
            "rating_scale": str,
            "title": str,
            "question": str,
            "text": str,
            "url": str,
            "extra": str,
            "run_id": int,
            "ingested_at": str,
        },
        pk="id",
        not_null={"source", "channel", "local_id", "text"},
    )
    db.table("items").create_index(["source", "received_at"])
    db.table("items").create_index(["received_at"])
    db.table("quarantine").create(
        {
            "id": str,
            "source": str,
            "location": str,
            "reason": str,
            "snippet": str,
            "raw_hash": str,
            "run_id": int,
            "first_seen": str,
            "last_seen": str,
            "times_seen": int,
        },
        pk="id",
    )
    db.table("quarantine").create_index(["source"])
    db.table("watermarks").create(
        {"source": str, "key": str, "value": str, "updated_at": str},
        pk=("source", "key"),
    )
    db.table("runs").create(
        {
            "id": int,
            "flow": str,
            "parameters": str,
            "started": str,
            "finished": str,
            "status": str,
            "items_in": int,
            "items_new": int,
            "quarantined": int,
            "details": str,
        },
        pk="id",
    )


@migration("0002_processed_text")
def _m0002(db: sqlite_utils.Database) -> None:
    # What the process stage derives from an item: redacted text, language, sentiment.
    db.table("processed").create(
        {
            "item_id": str,
            "text_hash": str,
            "version": str,
            "title": str,
            "text": str,
            "language": str,
            "sentiment": float,
            "processed_at": str,
        },
        pk="item_id",
        foreign_keys=[("item_id", "items", "id")],
    )


def open_warehouse(path: str | Path) -> sqlite_utils.Database:
    """Open (creating if needed) the warehouse and bring its schema up to date."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite_utils.Database(path)
        db.execute("PRAGMA busy_timeout = 30000")
        if db.journal_mode != "wal":
            db.enable_wal()
        db.execute("PRAGMA synchronous = NORMAL")
        # 64 MiB of page cache (default 2 MiB): a batch of 100k+ items otherwise spills
        # dirty index pages to the WAL mid-transaction and writes them again and again.
        db.execute("PRAGMA cache_size = -65536")
        migrate(db)
    except (OSError, sqlite_utils.db.sqlite3.DatabaseError) as exc:  # type: ignore[attr-defined]
        raise WarehouseError(f"{path}: cannot open the warehouse: {exc}") from exc
    return db


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply the migrations not yet recorded; return the names applied now."""
    db.table("_migrations").create({"name": str, "applied_at": str}, pk="name", if_not_exists=True)
    done = {row["name"] for row in db.table("_migrations").rows}
    known = {name for name, _ in MIGRATIONS}
    if done - known:
        raise WarehouseError(
            f"the warehouse was written by a newer version (unknown migrations: {sorted(done - known)})"
        )
    applied = []
    for name, fn in MIGRATIONS:
        if name in done:
            continue
        with write_transaction(db):
            fn(db)
            db.table("_migrations").insert({"name": name, "applied_at": now_iso()})
        applied.append(name)
        log.info("applied migration %s", name)
    return applied


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


_ITEM_COLUMNS = ["id", "source", "channel", "local_id", "raw_hash", "location", "received_at", "customer", "rating", "rating_raw", "rating_scale", "title", "question", "text", "url", "extra", "run_id", "ingested_at"]
# What makes an item "changed"; provenance (location, extra, raw_hash) alone does not.
_ITEM_CONTENT = ("received_at", "customer", "rating", "rating_raw", "title", "question", "text", "url")


_CONTENT_AT = tuple(_ITEM_COLUMNS.index(col) for col in _ITEM_CONTENT)


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


def _item_values(item: Item, run_id: int | None, stamp: str) -> tuple[Any, ...]:
    """The row for ``items`` in ``_ITEM_COLUMNS`` order (a hot path: one tuple, no dicts)."""
    extra = _dump_extra(item.extra) if item.extra else None
    return (
        item.id, item.source, item.channel, item.local_id, item.raw_hash, item.location,
        item.received_at, item.customer, item.rating, item.rating_raw, item.rating_scale,
        item.title, item.question, item.text, item.url, extra, run_id, stamp,
    )


def _upsert_items(db: sqlite_utils.Database, items: list[Item], run_id: int | None) -> tuple[int, int]:
    """Insert new items, update ones whose content changed; returns (new, changed)."""
    if not items:
        return 0, 0
    stamp = now_iso()
    # Last occurrence wins inside one batch (a duplicated row counts once).
    unique: dict[str, Item] = {}
    for item in items:
        unique[item.id] = item
    ids = list(unique)
    existing: dict[str, tuple[Any, ...]] = {}
    content_cols = ", ".join(_ITEM_CONTENT)
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        marks = ",".join("?" * len(chunk))
        for row in db.execute(f"select id, {content_cols} from items where id in ({marks})", chunk):
            existing[row[0]] = tuple(row[1:])
    fresh, changed = [], []
    for item_id, item in unique.items():
        values = _item_values(item, run_id, stamp)
        if item_id not in existing:
            fresh.append(values)
            continue
        current = tuple(values[i] for i in _CONTENT_AT)
        if current != existing[item_id]:
            changed.append(values)
    cols = ", ".join(_ITEM_COLUMNS)
    marks = ", ".join("?" * len(_ITEM_COLUMNS))
    if fresh:
        fresh.sort(key=itemgetter(0))  # ids in key order: B-tree appends instead of random inserts
        db.conn.executemany(f"insert into items ({cols}) values ({marks})", fresh)
    if changed:
        updates = ", ".join(f"{col} = excluded.{col}" for col in _ITEM_COLUMNS if col != "id")
        db.conn.executemany(
            f"insert into items ({cols}) values ({marks}) on conflict(id) do update set {updates}",
            changed,
        )
    return len(fresh), len(changed)


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
    # Rows for a channel's own tables (created by its migrations), written in the same
    # transaction and replacing rows with the same primary key: {"email_messages": [...]}.
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def commit_batch(db: sqlite_utils.Database, batch: Batch, run_id: int | None = None) -> BatchResult:
    """Write a batch atomically: landing, items, quarantine and watermark in one transaction."""
    with write_transaction(db):
        if batch.raw is not None:
            land(db, batch.raw)
        new, changed = _upsert_items(db, batch.items, run_id)
        _quarantine(db, batch.quarantined, run_id)
        for table, rows in batch.tables.items():
            if rows:
                if not db.table(table).exists():
                    raise WarehouseError(f"batch rows for table {table!r}, which no migration created")
                db.table(table).insert_all(rows, replace=True)
        if batch.watermark is not None:
            _set_watermark(db, batch.source, *batch.watermark)
    return BatchResult(
        seen=len(batch.items), new=new, changed=changed, quarantined=len(batch.quarantined)
    )


# --- run log -------------------------------------------------------------------------------


def start_run(db: sqlite_utils.Database, flow: str, parameters: dict[str, Any]) -> int:
    with write_transaction(db):
        table = db.table("runs").insert(
            {
                "flow": flow,
                "parameters": json.dumps(parameters, sort_keys=True, default=str),
                "started": now_iso(),
                "status": "running",
            }
        )
    assert table.last_pk is not None
    return int(table.last_pk)


def finish_run(
    db: sqlite_utils.Database,
    run_id: int,
    status: str,
    counts: BatchResult,
    details: dict[str, Any] | None = None,
) -> None:
    with write_transaction(db):
        db.table("runs").update(
            run_id,
            {
                "finished": now_iso(),
                "status": status,
                "items_in": counts.seen,
                "items_new": counts.new,
                "quarantined": counts.quarantined,
                "details": json.dumps(details or {}, sort_keys=True, default=str),
            },
        )


@contextmanager
def run_record(
    db: sqlite_utils.Database, flow: str, parameters: dict[str, Any]
) -> Iterator[tuple[int, BatchResult, dict[str, Any]]]:
    """Record a run: yields (run id, counts to add to, details); status follows the outcome."""
    run_id = start_run(db, flow, parameters)
    counts = BatchResult()
    details: dict[str, Any] = {}
    try:
        yield run_id, counts, details
    except BaseException as exc:
        details.setdefault("error", f"{type(exc).__name__}: {exc}")
        finish_run(db, run_id, "failed", counts, details)
        raise
    finish_run(db, run_id, "partial" if details.get("failed") else "completed", counts, details)


def source_summary(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Per source: items, quarantined records, last ingestion."""
    rows = db.execute(
        """
        select s.source,
               (select count(*) from items i where i.source = s.source) as items,
               (select count(*) from quarantine q where q.source = s.source) as quarantined,
               (select max(ingested_at) from items i where i.source = s.source) as last_item,
               (select max(updated_at) from watermarks w where w.source = s.source) as last_checked
        from (select source from items union select source from quarantine
              union select source from watermarks) s
        order by s.source
        """
    ).fetchall()
    keys = ["source", "items", "quarantined", "last_item", "last_checked"]
    return [dict(zip(keys, row, strict=True)) for row in rows]


def iter_items(db: sqlite_utils.Database, where: str = "", params: Iterable[Any] = ()) -> Iterator[dict[str, Any]]:
    sql = "select * from items" + (f" where {where}" if where else "") + " order by id"
    cursor = db.execute(sql, list(params))
    names = [d[0] for d in cursor.description]
    for row in cursor:
        yield dict(zip(names, row, strict=True))


__all__ = [
    "Batch",
    "BatchResult",
    "NotFoundError",
    "RawDocument",
    "commit_batch",
    "finish_run",
    "get_watermark",
    "land",
    "migrate",
    "migration",
    "now_iso",
    "open_warehouse",
    "run_record",
    "source_summary",
    "start_run",
    "watermarks",
]


# --- theme engine (feedback/themes): migrations 0010-0019 ---------------------------------


@migration("0010_theme_engine")
def _m0010(db: sqlite_utils.Database) -> None:
    # One vector per (text hash, model, model version): a text is never embedded twice.
    db.table("embeddings").create(
        {"text_hash": str, "model": str, "model_version": str, "dim": int, "vector": bytes,
         "created_at": str},
        pk=("text_hash", "model", "model_version"),
    )
    # The points a comment makes (sentences / clauses of processed.text, redacted).
    db.table("theme_segments").create(
        {"id": str, "item_id": str, "seq": int, "source_hash": str, "text": str, "text_hash": str,
         "themable": int, "language": str, "sentiment": float, "theme_id": int, "score": float,
         "assigned_at": str, "created_at": str},
        pk="id",
        foreign_keys=[("item_id", "items", "id")],
    )
    db.table("theme_segments").create_index(["item_id"])
    db.table("theme_segments").create_index(["theme_id"])
    db.table("theme_segments").create_index(["text_hash"])
    # The persistent theme set. status: active | parent | merged | retired.
    db.table("themes").create(
        {"id": int, "label": str, "label_pinned": int, "keywords": str, "parent_id": int,
         "level": int, "status": str, "merged_into": int, "split_of": int, "size": int,
         "comments": int, "sentiment": float, "first_seen": str, "last_seen": str, "is_new": int,
         "representatives": str, "centroid": bytes, "model": str, "model_version": str,
         "created_at": str, "updated_at": str},
        pk="id",
    )
    db.table("theme_history").create(
        {"id": int, "at": str, "run": str, "theme_id": int, "event": str, "label": str,
         "size": int, "details": str},
        pk="id",
    )
    db.table("theme_history").create_index(["theme_id"])
    db.table("theme_state").create({"key": str, "value": str, "updated_at": str}, pk="key")


# --- public reviews (feedback/sources/reviews.py): migrations 0030-0039 ------------------------


@migration("0030_review_near_duplicates")
def _m0030(db: sqlite_utils.Database) -> None:
    # Pairs of reviews from different sites whose texts are near-identical (SimHash distance).
    db.table("review_near_duplicates").create(
        {"item_id": str, "duplicate_of": str, "distance": int, "flagged_at": str},
        pk=("item_id", "duplicate_of"),
    )
    db.table("review_near_duplicates").create_index(["duplicate_of"])


# --- email channel (feedback/sources/email.py): migrations 0020-0029 --------------------------


@migration("0020_email_messages")
def _m0020(db: sqlite_utils.Database) -> None:
    # Every customer message and company response, for threads and time to first answer.
    # Internal: subjects, display names and Message-IDs never leave the warehouse.
    db.table("email_messages").create(
        {"id": str, "source": str, "message_id": str, "in_reply_to": str, "refs": str,
         "direction": str, "sent_at": str, "customer": str, "sender_name": str,
         "signature_names": str, "attachments": str, "subject": str, "removed": str,
         "raw_hash": str, "location": str, "item_id": str},
        pk="id",
    )
    db.table("email_messages").create_index(["message_id"])
    db.table("email_messages").create_index(["item_id"])
    db.execute(
        "create view email_responses as select * from email_messages where direction = 'company'"
    )
    # Automatic traffic recognised and skipped (not broken, so not quarantined), with the reason.
    db.table("email_skipped").create(
        {"id": str, "source": str, "location": str, "message_id": str, "reason": str,
         "detail": str, "subject": str, "sent_at": str, "from_company": int, "raw_hash": str},
        pk="id",
    )
    db.table("email_skipped").create_index(["source", "reason"])
