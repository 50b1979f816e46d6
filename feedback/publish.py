"""Publish the archive from the warehouse: a full build, or the night's changes applied to a copy.

The archive holds only what staff may read: redacted text, pseudonymous
customer keys, no raw documents. It is written in a temporary file next to the
target and moved over it with ``os.replace``, so a reader sees the old archive
or the new one, never half of one. Table and column names follow the contract
in ARCHITECTURE.md; more tables come from extensions (themes, email threads).

Two ways, one result (tests/test_publish_incremental.py checks they are equal):

- **full** (:func:`build_archive`): every table from the warehouse. Used for the first
  publish, ``feedback publish --full``, and whenever :func:`feedback.publish_state.plan`
  finds the archive in place unusable (missing, unreadable, another format, another
  warehouse, a migration or a theme re-fit since), and for a night that changes a large share
  of the archive's comments (:data:`FULL_SHARE`: a re-calibrated sentiment re-scores them all),
  which a full build publishes faster than applying every change.
- **incremental** (:func:`update_archive`): the archive the one in place replaced (kept beside
  it; when no process reads it: :mod:`feedback.publish_base`), or else a copy of the archive in
  place, with only what the warehouse logged since it was built (:mod:`feedback.publish_state`) applied:
  comments by id, and each extension's :class:`~feedback.publish_delta.TableUpdate`.

Adding a table to the archive: return it from an extension (a function of the warehouse
giving ``{table: rows}``, listed in :func:`feedback.pipeline.archive_extensions`). A plain
function's tables are recomputed in full on every publish, so they are always right; to
update a table by keys instead, make the extension an
:class:`~feedback.publish_delta.IncrementalExtension` and give the table a ``TableUpdate``
in its ``delta`` (see :mod:`feedback.insights.incremental`). A change to what the archive
holds bumps :data:`feedback.publish_state.ARCHIVE_FORMAT`, so the next publish rebuilds.

``FEEDBACK_TEST_KILL_AT`` (tests only) names a point of an incremental publish at which
the process kills itself, to test that a kill leaves the previous archive served.
"""

from __future__ import annotations

import glob
import json
import logging
import os
import shutil
import signal
import sqlite3
import time
import uuid
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from feedback import publish_base, publish_state
from feedback.insights.vector_codes import update_codes, write_codes
from feedback.publish_delta import (
    ArchiveExtension,
    IncrementalExtension,
    TableUpdate,
    apply_update,
    delete_where,
    insert_rows,
)
from feedback.ratings import rating_band
from feedback.text.sentiment_model import published_sentiment_sql
from feedback.warehouse import now_iso
from feedback.warehouse.runs import RUNS_COLUMNS, process_alive, public_details
from feedback.warehouse.sql import chunks, marks

log = logging.getLogger(__name__)

__all__ = ["ArchiveExtension", "IncrementalExtension", "PublishResult", "TableUpdate", "build_archive", "publish",
           "update_archive"]
KILL_AT = "FEEDBACK_TEST_KILL_AT"
# A night that changes this share of the archive's comments (and at least FULL_MIN_CHANGES) is built
# in full: applying a change costs ~4x what building a comment does (200k archive, bench/RESULTS.md:
# 201,990 changes applied in 334 s, a full build in 70-82 s), so past ~1/4 the full build is
# cheaper; below FULL_MIN_CHANGES either takes seconds.
FULL_SHARE = 0.2
FULL_MIN_CHANGES = 5_000

FEEDBACK_COLUMNS: dict[str, type] = {
    "id": str, "source": str, "channel": str, "received_at": str, "month": str, "customer": str, "rating": float,
    "rating_raw": str, "rating_scale": str, "rating_band": str, "title": str, "text": str, "question": str,
    "language": str, "sentiment": float, "url": str,
}
THEMES_COLUMNS: dict[str, type] = {
    "id": int,
    "label": str,
    "keywords": str,
    "parent_id": int,
    "size": int,
    "sentiment": float,
    "first_seen": str,
    "last_seen": str,
    "created_at": str,
    "section_id": int,  # its section in a large entry (theme_sections), null when none
}
FEEDBACK_THEMES_COLUMNS: dict[str, type] = {"feedback_id": str, "theme_id": int, "score": float}
# "You said, we did": always present, empty until an action is recorded (rows: feedback.insights.actions).
ACTIONS_COLUMNS: dict[str, type] = {
    "id": int, "theme_id": int, "recorded_theme_id": int, "theme_label": str, "theme_status": str, "date": str,
    "text": str, "created_at": str, "customers_before": int, "weeks": int, "before_since": str, "after_until": str,
    "comments_before": int, "comments_after": int, "theme_before": int, "theme_after": int, "share_before": float,
    "share_after": float, "share_p": float, "share_change": str, "share_words": str, "negative_before": int,
    "negative_after": int, "complaint_before": float, "complaint_after": float, "complaint_p": float,
    "complaint_change": str, "complaint_words": str,
}
ACTION_CUSTOMERS_COLUMNS: dict[str, type] = {
    "action_id": int, "customer": str, "comments": int, "last_at": str, "emails": int, "answered": int,
    "answered_at": str,
}


# a comment's sentiment comes from its segments' (feedback.text.sentiment_model)
FEEDBACK_SQL = f"""
    select i.id, i.source, i.channel, i.received_at, i.customer, i.rating, i.rating_raw,
           i.rating_scale, p.title, p.text, i.question, p.language, {published_sentiment_sql("p")}, i.url
    from items i join processed p on p.item_id = i.id
"""


def feedback_rows(warehouse: sqlite_utils.Database, ids: Collection[str] | None = None) -> Iterator[dict[str, Any]]:
    """Published rows: processed (redacted) items only (those of ``ids`` when given); an
    unprocessed item is never published."""
    if ids is None:
        cursors: Iterable[Any] = [warehouse.execute(FEEDBACK_SQL + " order by i.received_at desc, i.id")]
    else:
        cursors = (warehouse.execute(FEEDBACK_SQL + f" where i.id in ({marks(len(part))})", part)
                   for part in chunks(sorted(ids)))
    for (item_id, source, channel, received_at, customer, rating, rating_raw, scale, title, text,
         question, language, sentiment, url) in (row for cursor in cursors for row in cursor):
        yield {
            "id": item_id,
            "source": source,
            "channel": channel,
            "received_at": received_at,
            "month": received_at[:7] if received_at else None,
            "customer": customer,
            "rating": rating,
            "rating_raw": rating_raw,
            "rating_scale": scale,
            "rating_band": rating_band(rating, scale),
            "title": title,
            "text": text,
            "question": question,
            "language": language,
            "sentiment": sentiment,
            "url": url,
        }


@dataclass
class PublishResult:
    path: Path
    feedback: int = 0
    tables: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    mode: str = "full"
    reason: str = ""  # why a full rebuild
    changed: int = 0  # comments republished by an incremental publish
    base: str = ""  # what an incremental publish wrote into: "previous" archive (in place), a "copy", or "none"
    #                 (nothing new: the archive in place kept as it is)


def _create_contract_tables(archive: sqlite_utils.Database) -> None:
    archive.table("feedback").create(FEEDBACK_COLUMNS, pk="id")
    archive.table("themes").create(THEMES_COLUMNS, pk="id", foreign_keys=[("parent_id", "themes", "id")])
    archive.table("feedback_themes").create(
        FEEDBACK_THEMES_COLUMNS,
        pk=("feedback_id", "theme_id"),
        foreign_keys=[("feedback_id", "feedback", "id"), ("theme_id", "themes", "id")],
    )
    archive.table("runs").create(RUNS_COLUMNS, pk="id")
    archive.table("actions").create(ACTIONS_COLUMNS, pk="id")
    archive.table("action_customers").create(ACTION_CUSTOMERS_COLUMNS, pk=("action_id", "customer"))


def _copy_runs(warehouse: sqlite_utils.Database, archive: sqlite_utils.Database) -> int:
    cols = ", ".join(RUNS_COLUMNS)
    rows = [dict(zip(RUNS_COLUMNS, r, strict=True)) for r in warehouse.execute(f"select {cols} from runs order by id")]
    for row in rows:
        row["details"] = public_details(row["details"])
    archive.table("runs").insert_all(rows)
    return len(rows)


def _sources_table(warehouse: sqlite_utils.Database, archive: sqlite_utils.Database) -> int:
    """Per source: its channel, items (processed or not), first and last times, quarantined rows:
    index-only scans (items by source and time, by source and channel), no pass over the rows."""
    quarantined = dict(warehouse.execute("select source, count(*) from quarantine group by source").fetchall())
    channels = dict(warehouse.execute("select source, max(channel) from items group by source").fetchall())
    rows = [(source, channels.get(source), n, first, last, quarantined.get(source, 0)) for source, n, first, last
            in warehouse.execute("select source, count(*), min(received_at), max(received_at) from items"
                                 " group by source order by source")]
    keys = ["name", "channel", "items", "first_received", "last_received", "quarantined"]
    archive.table("sources").insert_all([dict(zip(keys, r, strict=True)) for r in rows], pk="name")
    return len(rows)


def _create_indexes(archive: sqlite_utils.Database) -> None:
    for column in ("source", "channel", "received_at", "month", "rating_band", "customer", "language"):
        archive.table("feedback").create_index([column], if_not_exists=True)
    archive.table("feedback_themes").create_index(["theme_id", "score"], if_not_exists=True)
    if archive.table("segments").exists():
        archive.table("segments").create_index(["feedback_id"], if_not_exists=True)
        archive.table("segments").create_index(["theme_id"], if_not_exists=True)
        if "sentiment_corrected" in archive.table("segments").columns_dict:  # the overview counts them
            archive.execute("create index if not exists idx_segments_corrected on segments (sentiment_corrected)"
                            " where sentiment_corrected = 1")
    archive.table("themes").create_index(["parent_id"], if_not_exists=True)
    # the tables an incremental publish updates by comment or customer: a delete by key is a lookup, not a scan
    for table, column in (("feedback_vectors", "feedback_id"), ("promise_mentions", "feedback_id"),
                          ("customers", "customer")):
        if archive.table(table).exists():
            archive.table(table).create_index([column], if_not_exists=True)


def _write_info(archive: sqlite_utils.Database, result: PublishResult, state: dict[str, Any] | None) -> None:
    state = state or {}
    archive.execute("drop table if exists archive_info")
    archive.table("archive_info").insert(
        {
            "built_at": now_iso(),
            "feedback": result.feedback,
            "tables": json.dumps(result.tables, sort_keys=True),
            "build_id": state.get("build_id"),
            "build_mode": result.mode,
            "covers_change": state.get("covers"),
            "warehouse_id": state.get("warehouse_id"),
            "format": publish_state.ARCHIVE_FORMAT,
        }
    )


def _open(path: Path) -> sqlite_utils.Database:
    archive = sqlite_utils.Database(path)
    archive.execute("PRAGMA journal_mode = OFF")  # a temporary file: a failed publish discards it
    archive.execute("PRAGMA synchronous = OFF")
    return archive


def _checkpoint(name: str) -> None:
    """Tests kill the publish here (``FEEDBACK_TEST_KILL_AT=name``): nothing after it happens."""
    if os.environ.get(KILL_AT) == name:
        os.kill(os.getpid(), signal.SIGKILL)


def build_archive(
    warehouse: sqlite_utils.Database,
    path: Path,
    extensions: Iterable[ArchiveExtension] = (),
    batch_size: int = 10_000,
    state: dict[str, Any] | None = None,
) -> PublishResult:
    """Write a complete archive at ``path`` (which must not exist yet); ``state`` (from
    :func:`feedback.publish_state.current`) is recorded in its ``archive_info``."""
    started = time.perf_counter()
    archive = _open(path)
    result = PublishResult(path=path)
    _create_contract_tables(archive)
    with archive.atomic():
        archive.table("feedback").insert_all(feedback_rows(warehouse), batch_size=batch_size)
        result.feedback = archive.table("feedback").count
        result.tables["runs"] = _copy_runs(warehouse, archive)
        result.tables["sources"] = _sources_table(warehouse, archive)
        for extension in extensions:
            for table, rows in extension(warehouse).items():
                insert_rows(archive, table, rows, batch_size)
                result.tables[table] = result.tables.get(table, 0) + len(rows)
            if isinstance(extension, IncrementalExtension) and extension.built and state:
                extension.built(warehouse, state["build_id"])
        result.tables.update(write_codes(archive.conn, warehouse))  # int8 search vectors (feedback.serve.vectors)
    _create_indexes(archive)
    archive.table("feedback").enable_fts(["title", "text"], tokenize="porter", create_triggers=False)
    _write_info(archive, result, state)
    archive.execute("ANALYZE")
    archive.conn.commit()
    archive.close()
    result.seconds = time.perf_counter() - started
    return result


def _update_feedback(warehouse: sqlite_utils.Database, archive: sqlite_utils.Database, ids: set[str]) -> None:
    """Republish the comments ``ids`` (deleting those no longer published), keeping the FTS index in step."""
    for part in chunks(sorted(ids)):
        archive.execute("insert into feedback_fts (feedback_fts, rowid, title, text) select 'delete', rowid, title,"
                        f" text from feedback where id in ({marks(len(part))})", part)
    delete_where(archive, "feedback", "id", ids)
    archive.table("feedback").insert_all(feedback_rows(warehouse, ids), batch_size=10_000)
    for part in chunks(sorted(ids)):
        archive.execute("insert into feedback_fts (rowid, title, text) select rowid, title, text from feedback"
                        f" where id in ({marks(len(part))})", part)


def update_archive(
    warehouse: sqlite_utils.Database,
    path: Path,
    extensions: Iterable[ArchiveExtension],
    changes: publish_state.Changes,
    state: dict[str, Any] | None = None,
) -> PublishResult:
    """Apply ``changes`` to the archive at ``path`` (a copy of the one in place, or the one it replaced).

    Every extension's updates are computed before the archive is touched (they read what it
    held: a changed comment's old week, customer and themes), then applied in order."""
    started = time.perf_counter()
    archive = _open(path)
    result = PublishResult(path=path, mode="incremental", changed=len(changes.items))
    old = json.loads(archive.execute("select tables from archive_info").fetchone()[0])
    _create_indexes(archive)  # an archive from before an index was added gets it once, before the updates
    updates: list[tuple[str, TableUpdate]] = []
    for extension in extensions:
        if isinstance(extension, IncrementalExtension):
            delta = extension.delta(warehouse, archive, changes)
            if set(delta) != set(extension.tables):
                raise ValueError(f"{extension.full.__name__}: a delta must update exactly {extension.tables}")
            updates.extend(delta.items())
        else:  # a plain extension: its tables are recomputed in full
            updates.extend((table, TableUpdate.replace(rows)) for table, rows in extension(warehouse).items())
    with archive.atomic():
        _update_feedback(warehouse, archive, changes.items)
        _checkpoint("after-feedback")
        archive.execute("delete from runs")
        result.tables["runs"] = _copy_runs(warehouse, archive)
        if changes.items or not publish_base.sources_current(warehouse, archive):
            archive.table("sources").drop(ignore=True)
            result.tables["sources"] = _sources_table(warehouse, archive)
        for table, update in updates:
            apply_update(archive, table, update)
        result.tables.update(update_codes(archive.conn, warehouse, changes.items))
    for table in set(old) | {t for t, _ in updates}:
        if table not in result.tables:
            result.tables[table] = archive.table(table).count if archive.table(table).exists() else 0
    result.feedback = archive.table("feedback").count
    _create_indexes(archive)
    _write_info(archive, result, state)
    archive.execute("PRAGMA analysis_limit = 1000")  # planner statistics from a sample: bounded cost
    archive.execute("ANALYZE")
    archive.conn.commit()
    archive.close()
    result.seconds = time.perf_counter() - started
    return result


def _starting_file(warehouse: sqlite_utils.Database, target: Path, base: dict[str, Any],
                   state: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """What an incremental publish starts from: ("previous": the archive the one in place replaced,
    brought up to date in place from its own state) when it can be, else ("copy": the archive in
    place, copied); with the recorded state of that archive."""
    previous, why = publish_state.reusable(warehouse, publish_base.previous_path(target), state)
    if previous is not None:
        usable, why = publish_base.usable_previous(target)
        if usable:
            return previous, "previous"
    log.info("incremental publish on a copy of the archive in place: %s", why)
    return base, "copy"


def _archived(path: Path) -> int:
    """The comments the archive at ``path`` holds (its ``archive_info``)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return int(conn.execute("select feedback from archive_info").fetchone()[0] or 0)
    finally:
        conn.close()


def _too_many(changed: int, archived: int) -> str:
    """Why a night that changes ``changed`` comments of an archive of ``archived`` is built in
    full rather than applied (a large share of the archive), or "" to apply it."""
    if changed < FULL_MIN_CHANGES or changed < FULL_SHARE * archived:
        return ""
    return (f"{changed:,} of {archived:,} comments changed (>= {FULL_SHARE:.0%}): a full build is cheaper than"
            " applying them")


def _kept(target: Path, started: float) -> PublishResult:
    """The result of a publish that kept the archive in place as it is."""
    conn = sqlite3.connect(f"file:{target}?mode=ro", uri=True)
    try:
        feedback, tables = conn.execute("select feedback, tables from archive_info").fetchone()
    finally:
        conn.close()
    return PublishResult(path=target, feedback=int(feedback or 0), tables=json.loads(tables), mode="incremental",
                         base="none", seconds=time.perf_counter() - started)


def remove_stale_temporaries(target: Path) -> list[Path]:
    """Remove the half-built archives (``.archive.db.<pid>.tmp``, ``.<pid>.prev.tmp``) that publishes
    killed midway left beside ``target``: those whose process is gone. Returns what was removed."""
    removed = []
    prefix = f".{target.name}."
    for path in target.parent.glob(f"{glob.escape(prefix)}*.tmp"):
        pid = path.name[len(prefix) : -len(".tmp")].removesuffix(".prev")
        if not pid.isdigit() or int(pid) == os.getpid() or process_alive(int(pid)):
            continue
        try:
            path.unlink()
        except FileNotFoundError:
            continue  # another publish removed it first
        log.info("removed %s, left by a publish that did not finish (process %s is gone)", path, pid)
        removed.append(path)
    return removed


def publish(
    warehouse: sqlite_utils.Database,
    target: str | Path,
    extensions: Iterable[ArchiveExtension] = (),
    full: bool = False,
) -> PublishResult:
    """Bring the archive at ``target`` up to date with the warehouse and move it into place.

    Incremental (what changed since the archive in place was built, applied to a copy of it, or
    since the archive it replaced was built, applied to that one: :mod:`feedback.publish_base`)
    unless ``full`` or :func:`feedback.publish_state.plan` says the archive in place cannot
    be the base. Either way the new archive is written beside ``target`` and swapped in, and
    the archive it replaces is kept beside it for the next publish (after a full build: a copy of
    the new one, so the night after applies its changes to that, not to a copy made then)."""
    started = time.perf_counter()
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(target)
    extensions = list(extensions)
    upto = publish_state.last_change(warehouse)  # before reading any data: later changes wait for the next publish
    state = publish_state.current(warehouse, upto, uuid.uuid4().hex)
    base, reason = (None, "asked for a full rebuild") if full else publish_state.plan(warehouse, target, state)
    direct = publish_state.changes_since(warehouse, base, upto, state) if base is not None else None
    recorded = publish_state.get(warehouse, "archive")
    if (base is not None and direct is not None and recorded is not None and recorded.get("build_id") == base["build_id"]
            and publish_base.nothing_new(warehouse, target, extensions, direct)):
        # the recorded state stays as it is: the previous archive is still as far behind as it was
        log.info("published %s: nothing changed since it was built, kept as it is", target)
        return _kept(target, started)
    copied = 0.0
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    spare = target.with_name(f".{target.name}.{os.getpid()}.prev.tmp")  # a full build's copy: the next base
    tmp.unlink(missing_ok=True)
    try:
        if base is None:
            log.info("full publish: %s", reason)
            result = build_archive(warehouse, tmp, extensions, state=state)
            result.reason = reason
        else:
            start, how = _starting_file(warehouse, target, base, state)
            changes = publish_state.changes_since(warehouse, start, upto, state)
            archived = _archived(target)
            if how == "previous" and direct is not None:  # when the night before costs less to apply again than a copy
                extra = len(changes.items) - len(direct.items)
                if _too_many(len(changes.items), archived) or not publish_base.cheaper_than_a_copy(
                        extra, target, publish_base.measured_costs(warehouse)):
                    log.info("incremental publish on a copy of the archive in place: %d more changes to apply"
                             " to the previous archive", extra)
                    how, changes = "copy", direct
            reason = _too_many(len(changes.items), archived)
            if reason:
                log.info("full publish: %s", reason)
                result = build_archive(warehouse, tmp, extensions, state=state)
                result.reason = reason
            else:
                if how == "previous":
                    os.replace(publish_base.previous_path(target), tmp)  # from here a temporary file
                    _checkpoint("after-claim")
                else:
                    copied = time.perf_counter()
                    shutil.copyfile(target, tmp)
                    copied = time.perf_counter() - copied
                    _checkpoint("after-copy")
                result = update_archive(warehouse, tmp, extensions, changes, state)
                result.base = how
        if result.mode == "full":  # the next night applies its changes to a copy made now, not one made then
            shutil.copyfile(tmp, spare)
        _checkpoint("before-swap")
        publish_state.write_pending(warehouse, state)
        _checkpoint("after-pending")
        if result.mode == "full":
            os.replace(spare, publish_base.previous_path(target))
            base = state
        else:
            publish_base.keep_previous(target)
        _checkpoint("after-link")
        os.replace(tmp, target)
        _checkpoint("after-swap")
        publish_state.record(warehouse, state, displaced=base)
    finally:
        tmp.unlink(missing_ok=True)
        spare.unlink(missing_ok=True)
    if result.base:
        publish_base.measure(warehouse, result.base, copied, target.stat().st_size, result.seconds, result.changed)
    result.path = target
    log.info("published %s (%s%s): %d comments in %.1f s", target, result.mode,
             f", {result.changed} changed, on the {result.base}" if result.mode == "incremental" else f": {reason}",
             result.feedback, result.seconds)
    return result
