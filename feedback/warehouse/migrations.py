"""The warehouse schema: named migrations, applied in order and recorded in ``_migrations``.

Applying them again does nothing; :func:`open_warehouse` brings a warehouse up to date
every time it is opened. A migration's name is permanent once released (it is what
``_migrations`` records); a schema change is a new migration, never an edit of one.
Numbering: 0001-0009 landing, items and run log; 0010-0019 theme engine; 0020-0029
e-mail channel; 0030-0039 public reviews; 0040-0049 the feedback form; 0050-0059 actions; 0060-0069 publishing;
0080-0089 the sentiment check's counts;
0120-0129 the nightly run's probes; 0140-0149 the themes' kept sums; 0150-0159 analysts' edits, to undo and redo;
0160-0199 in :mod:`.migrations_analysis` (the package's ``__init__`` imports it; it imports this module first).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import sqlite_utils

from feedback.errors import WarehouseError
from feedback.warehouse.runs import RUNS_COLUMNS
from feedback.warehouse.sql import Warehouse, now_iso, write_transaction

log = logging.getLogger(__name__)

Migration = Callable[[sqlite_utils.Database], None]
MIGRATIONS: list[tuple[str, Migration]] = []


def migration(name: str) -> Callable[[Migration], Migration]:
    """Register a schema change; names are permanent once released and registered in order."""

    def register(fn: Migration) -> Migration:
        if any(existing == name for existing, _ in MIGRATIONS):
            raise ValueError(f"duplicate migration name {name!r}")
        if MIGRATIONS and name < MIGRATIONS[-1][0]:
            raise ValueError(f"migration {name!r} registered after {MIGRATIONS[-1][0]!r}")
        MIGRATIONS.append((name, fn))
        return fn

    return register


def open_warehouse(path: str | Path) -> sqlite_utils.Database:
    """Open (creating if needed) the warehouse and bring its schema up to date."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = Warehouse(path)
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


# --- raw landing, items, quarantine, watermarks, run log: 0001-0009 ------------------------


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
    db.table("runs").create(RUNS_COLUMNS, pk="id")


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


# --- theme engine (feedback/themes): 0010-0019 ---------------------------------------------


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


# --- e-mail channel (feedback/sources/email): 0020-0029 -----------------------------------


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


# --- public reviews (feedback/sources/reviews): 0030-0039 ---------------------------------


@migration("0030_review_near_duplicates")
def _m0030(db: sqlite_utils.Database) -> None:
    # Pairs of reviews from different sites whose texts are near-identical (SimHash distance).
    db.table("review_near_duplicates").create(
        {"item_id": str, "duplicate_of": str, "distance": int, "flagged_at": str},
        pk=("item_id", "duplicate_of"),
    )
    db.table("review_near_duplicates").create_index(["duplicate_of"])


# --- the feedback form (feedback/sources/form): 0040-0049 ----------------------------------


@migration("0040_form_contacts")
def _m0040(db: sqlite_utils.Database) -> None:
    # The contact address a form submission gave, with its consent to be contacted. Internal:
    # the archive holds only the pseudonymous customer key.
    db.table("form_contacts").create(
        {"item_id": str, "source": str, "submission_id": str, "customer": str, "email": str,
         "consent": int, "received_at": str},
        pk="item_id",
    )
    db.table("form_contacts").create_index(["customer"])


# --- actions: "you said, we did" (feedback/actions): 0050-0059 ----------------------------


@migration("0050_actions")
def _m0050(db: sqlite_utils.Database) -> None:
    # What the company did about a theme, recorded by an analyst (`feedback actions add`).
    # theme_id is the theme named when it was recorded; a later merge is followed through
    # themes.merged_into when it is read. created_by is the analyst's OS user.
    db.table("actions").create(
        {"id": int, "theme_id": int, "text": str, "date": str, "created_at": str, "created_by": str},
        pk="id",
        not_null={"theme_id", "text", "date"},
    )
    db.table("actions").create_index(["theme_id"])
    # Every export of an action's consenting contacts (`feedback actions contacts`): who asked, when, how many.
    db.table("action_contact_exports").create(
        {"id": int, "action_id": int, "asked_by": str, "asked_at": str, "rows": int, "path": str},
        pk="id",
    )
    db.table("action_contact_exports").create_index(["action_id"])


# --- publishing (feedback/publish_state.py): 0060-0069 ------------------------------------


@migration("0060_publish_changes")
def _m0060(db: sqlite_utils.Database) -> None:
    # What changed since the last publish, written by triggers, so an incremental publish
    # applies only that; pruned by publish once an archive covering it is in place.
    # AUTOINCREMENT: a sequence number is never reused after a prune.
    db.execute("create table publish_changes (seq integer primary key autoincrement, kind text not null,"
               " key text not null)")
    db.table("publish_state").create({"key": str, "value": str, "updated_at": str}, pk="key")
    db.execute("insert into publish_state (key, value, updated_at) values ('warehouse_id', lower(hex(randomblob(16))), ?)",
               [now_iso()])
    db.table("items").create_index(["customer"], if_not_exists=True)  # customer rows of affected customers
    published = ("theme_id", "score", "text", "text_hash", "sentiment", "themable", "seq", "item_id")
    moved = " or ".join(f"old.{c} is not new.{c}" for c in published)
    for name, sql in {
        "items_update": "after update on items begin {log} ('item', new.id); end",
        "items_delete": "after delete on items begin {log} ('item', old.id); end",
        "processed_insert": "after insert on processed begin {log} ('item', new.item_id); end",
        "processed_update": "after update on processed begin {log} ('item', new.item_id); end",
        "processed_delete": "after delete on processed begin {log} ('item', old.item_id); end",
        "segments_insert": "after insert on theme_segments begin {log} ('item', new.item_id); end",
        "segments_update": f"after update on theme_segments when {moved} begin {{log}} ('item', new.item_id);"
                           " {log} ('item', old.item_id); end",
        "segments_delete": "after delete on theme_segments begin {log} ('item', old.item_id); end",
        "embeddings_insert": "after insert on embeddings begin {log} ('text', new.text_hash); end",
        "embeddings_delete": "after delete on embeddings begin {log} ('text', old.text_hash); end",
        "email_insert": "after insert on email_messages begin {log} ('email', new.id); end",
        "email_update": "after update on email_messages begin {log} ('email', new.id); end",
        "email_delete": "after delete on email_messages begin {log} ('email', old.id); end",
    }.items():
        db.execute(f"create trigger publish_{name} " + sql.format(log="insert into publish_changes (kind, key) values"))


# --- insight sums (feedback/insights/sums.py): 0070-0079 ----------------------------------


@migration("0070_insight_sums")
def _m0070(db: sqlite_utils.Database) -> None:
    # Per-key partial sums behind weekly_volume, theme_weeks, theme_sources and score_drivers, kept
    # between publishes so an incremental publish adds and subtracts only the changed comments'
    # contributions. insight_ledger: what each published comment last added (its keys and values);
    # insight_responses: what each scored response (source, time, customer) last added; insight_sums:
    # the sums per (kind, key); key is a JSON array, total an exact sum as JSON [numerator, shift].
    db.table("insight_ledger").create(
        {"item_id": str, "week": str, "channel": str, "source": str, "negative": int, "sentiment": float,
         "themes": str, "response": str},
        pk="item_id",
    )
    db.table("insight_responses").create({"key": str, "source": str, "scale": str, "points": int, "themes": str},
                                         pk="key")
    db.table("insight_sums").create(
        {"kind": str, "key": str, "n": int, "negative": int, "scored": int, "total": str, "squares": int},
        pk=("kind", "key"),
    )
    # the archive's sources table (each source's channel) from an index, not a pass over every item
    db.table("items").create_index(["source", "channel"], if_not_exists=True)


# --- the sentiment check's counts (feedback/insights/sentiment_check.py): 0080-0089 -----------


@migration("0080_sentiment_counts")
def _m0080(db: sqlite_utils.Database) -> None:
    # How many rated comments have each (source, scale ('' for none), rating, published sentiment):
    # the archive's sentiment_check is derived from these, kept between publishes so an incremental
    # publish adds and subtracts only the changed comments; sentiment_ledger: the cell each rated
    # comment last added.
    db.table("sentiment_ledger").create({"item_id": str, "source": str, "scale": str, "rating": float,
                                         "sentiment": float}, pk="item_id")
    # clustered by its key (without rowid): a source's cells are read in one range scan
    db.execute("create table sentiment_counts (source text, scale text, rating float, sentiment float, n integer,"
               " primary key (source, scale, rating, sentiment)) without rowid")


# --- segment sentiment (feedback/themes/segment_sentiment.py): 0090-0099 -----------------------


@migration("0090_sentiment_calibration")
def _m0090(db: sqlite_utils.Database) -> None:
    # A company's calibration of the sentiment head on its own rated comments, one row per head
    # version: the rated comments there were when it was fitted (it is fitted again when they have
    # grown by a fifth), how many it was fitted on (comments) and checked on, its parameters
    # (delta: float32 (3, dim) bytes, how the company's words lean), and how it read the checked
    # fifth before and after; `applied` only when it read them better.
    db.table("sentiment_calibration").create(
        {"head": str, "fitted_at": str, "rated": int, "comments": int, "scale": float, "bias": str, "dim": int,
         "delta": bytes,
         "checked": int, "spearman_before": float, "spearman_after": float, "f1_before": float,
         "f1_after": float, "applied": int},
        pk="head",
    )


# --- the nightly run's probes (feedback/text/process.py, feedback/themes/store.py): 0120-0129 ---


@migration("0120_nightly_probe_indexes")
def _m0120(db: sqlite_utils.Database) -> None:
    # A night asks "what is new?" of every table: without these the questions read every row of
    # the warehouse (the items' and segments' texts included), ~5 s at 200k comments with nothing
    # new. Covering indexes let them read small index entries, and the "not yet" probes (segments
    # waiting for assignment, the newest segment) read only what is new.
    db.execute("create index if not exists idx_items_probe on items (id, ingested_at, received_at)")
    db.execute("create index if not exists idx_processed_probe on processed (item_id, version, processed_at, text_hash)")
    db.execute("create index if not exists idx_theme_segments_item_source on theme_segments (item_id, source_hash, theme_id)")
    db.execute("create index if not exists idx_theme_segments_themable on theme_segments (themable, text_hash, id)")
    db.execute("create index if not exists idx_theme_segments_themed on theme_segments (themable, theme_id)")
    db.execute("create index if not exists idx_theme_segments_created_at on theme_segments (created_at)")
    db.execute("create index if not exists idx_theme_segments_unassigned on theme_segments (assigned_at)"
               " where assigned_at is null")


# --- the themes' kept sums (feedback/themes/sums.py): 0140-0149 ------------------------------


@migration("0140_theme_sums")
def _m0140(db: sqlite_utils.Database) -> None:
    # Per-theme sums kept between runs (a night's theme statistics add what changed instead of
    # reading every segment), and the log of segment changes they have not taken in yet, written
    # by triggers: the row before (-1) and after (+1) any change of what the statistics read.
    db.execute("create table theme_sums (theme_id integer primary key, segments integer, comments integer,"
               " sentiment_total integer, sentiment_n integer, score_total integer, score_n integer,"
               " first_seen text, last_seen text, representatives text)")
    db.execute("create table theme_stats_log (seq integer primary key, item_id text, segment_id text, sign integer,"
               " theme_id integer, themable integer, text_hash text, sentiment float, score float)")
    log = ("insert into theme_stats_log (item_id, segment_id, sign, theme_id, themable, text_hash, sentiment, score)"
           " values ({r}.item_id, {r}.id, {sign}, {r}.theme_id, {r}.themable, {r}.text_hash, {r}.sentiment, {r}.score);")
    read = ("theme_id", "themable", "text_hash", "sentiment", "score", "item_id")
    changed = " or ".join(f"old.{c} is not new.{c}" for c in read)
    old, new = log.format(r="old", sign=-1), log.format(r="new", sign=1)
    db.execute(f"create trigger theme_sums_insert after insert on theme_segments begin {new} end")
    db.execute(f"create trigger theme_sums_delete after delete on theme_segments begin {old} end")
    db.execute(f"create trigger theme_sums_update after update on theme_segments when {changed} begin {old} {new} end")


@migration("0141_theme_night_indexes")
def _m0141(db: sqlite_utils.Database) -> None:
    # A theme's best-scoring segments (the background texts of a night's new-theme labels) read
    # from an index in score order, not by sorting every member of every theme; the comments
    # processed since the last segmenting found from an index, not by probing every comment.
    db.execute("create index if not exists idx_theme_segments_theme_score on theme_segments (theme_id, score)")
    db.execute("create index if not exists idx_processed_at on processed (processed_at)")


# --- analysts' theme edits, kept to undo (feedback/themes/edit_log.py, undo.py): 0150-0159 ------


@migration("0150_theme_edits")
def _m0150(db: sqlite_utils.Database) -> None:
    # One row per analyst edit: the theme rows whose own state it changed, before (null: it made the
    # theme) and after, as JSON; the segments it moved ([theme before, theme after, [ids]]); the
    # theme_history ids it wrote; the last fit and night it came after; when it was undone.
    # AUTOINCREMENT: an edit's number is never reused (`feedback themes undo ID` names it).
    db.execute("create table theme_edits (id integer primary key autoincrement, at text not null,"
               " kind text not null, details text not null, themes text not null, before text not null,"
               " after text not null, segments text not null, marks text not null, history_from integer,"
               " history_to integer, undone_at text)")


@migration("0151_theme_redo")
def _m0151(db: sqlite_utils.Database) -> None:
    # Redo (feedback/themes/redo.py): the rows of the themes an undo took away (the themes the edit
    # made, JSON: a redo brings them back with their ids and figures); when the edit was last redone;
    # and its step: the order in which the edits were last done, undone or redone (`themes undo` takes
    # back the latest done or redone, `themes redo` the latest undone). Rows from before get steps in
    # the order of their last undo or, not undone, of the edit.
    for column, kind in (("undone_rows", "text"), ("redone_at", "text"), ("step", "integer")):
        db.execute(f"alter table theme_edits add column {column} {kind}")
    db.execute("update theme_edits set step = (select count(*) from theme_edits e where (coalesce(e.undone_at, e.at), e.id)"
               " <= (coalesce(theme_edits.undone_at, theme_edits.at), theme_edits.id))")
