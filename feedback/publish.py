"""Build the published archive from the warehouse, then swap it in atomically.

The archive holds only what staff may read: redacted text, pseudonymous
customer keys, no raw documents. It is built in a temporary file next to the
target and moved over it with ``os.replace``, so a reader sees the old archive
or the new one, never half of one. Table and column names follow the contract
in ARCHITECTURE.md; more tables come from extensions (themes, email threads).
"""

from __future__ import annotations

import glob
import json
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from feedback.ratings import rating_band
from feedback.serve.vectors import write_codes
from feedback.warehouse import now_iso
from feedback.warehouse.runs import RUNS_COLUMNS, process_alive, public_details

log = logging.getLogger(__name__)

ArchiveExtension = Callable[[sqlite_utils.Database], dict[str, list[dict[str, Any]]]]

FEEDBACK_COLUMNS: dict[str, type] = {
    "id": str,
    "source": str,
    "channel": str,
    "received_at": str,
    "month": str,
    "customer": str,
    "rating": float,
    "rating_raw": str,
    "rating_scale": str,
    "rating_band": str,
    "title": str,
    "text": str,
    "question": str,
    "language": str,
    "sentiment": float,
    "url": str,
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


def feedback_rows(warehouse: sqlite_utils.Database) -> Iterator[dict[str, Any]]:
    """Published rows: processed (redacted) items only; an unprocessed item is never published."""
    cursor = warehouse.execute(
        """
        select i.id, i.source, i.channel, i.received_at, i.customer, i.rating, i.rating_raw,
               i.rating_scale, p.title, p.text, i.question, p.language, p.sentiment, i.url
        from items i join processed p on p.item_id = i.id
        order by i.received_at desc, i.id
        """
    )
    for (item_id, source, channel, received_at, customer, rating, rating_raw, scale, title, text,
         question, language, sentiment, url) in cursor:
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
    rows = warehouse.execute(
        """
        select s.source, max(s.channel), count(i.id), min(i.received_at), max(i.received_at),
               (select count(*) from quarantine q where q.source = s.source)
        from (select distinct source, channel from items) s
        left join items i on i.source = s.source
        group by s.source order by s.source
        """
    ).fetchall()
    keys = ["name", "channel", "items", "first_received", "last_received", "quarantined"]
    archive.table("sources").insert_all([dict(zip(keys, r, strict=True)) for r in rows], pk="name")
    return len(rows)


def build_archive(
    warehouse: sqlite_utils.Database,
    path: Path,
    extensions: Iterable[ArchiveExtension] = (),
    batch_size: int = 10_000,
) -> PublishResult:
    """Write a complete archive at ``path`` (which must not exist yet)."""
    started = time.perf_counter()
    archive = sqlite_utils.Database(path)
    archive.execute("PRAGMA journal_mode = OFF")
    archive.execute("PRAGMA synchronous = OFF")
    result = PublishResult(path=path)
    _create_contract_tables(archive)
    with archive.atomic():
        archive.table("feedback").insert_all(feedback_rows(warehouse), batch_size=batch_size)
        result.feedback = archive.table("feedback").count
        result.tables["runs"] = _copy_runs(warehouse, archive)
        result.tables["sources"] = _sources_table(warehouse, archive)
        for extension in extensions:
            for table, rows in extension(warehouse).items():
                target = archive.table(table)
                if target.exists():
                    target.insert_all(rows, batch_size=batch_size, alter=True)
                elif rows:
                    target.insert_all(rows, batch_size=batch_size, pk="id" if "id" in rows[0] else None)
                result.tables[table] = result.tables.get(table, 0) + len(rows)
        write_codes(archive.conn)  # the int8 search vectors (feedback.serve.vectors)
    for column in ("source", "channel", "received_at", "month", "rating_band", "customer", "language"):
        archive.table("feedback").create_index([column])
    archive.table("feedback_themes").create_index(["theme_id", "score"])
    if archive.table("segments").exists():
        archive.table("segments").create_index(["feedback_id"])
        archive.table("segments").create_index(["theme_id"])
    archive.table("themes").create_index(["parent_id"])
    archive.table("feedback").enable_fts(["title", "text"], tokenize="porter", create_triggers=False)
    archive.table("archive_info").insert(
        {
            "built_at": now_iso(),
            "feedback": result.feedback,
            "tables": json.dumps(result.tables, sort_keys=True),
        }
    )
    archive.execute("ANALYZE")
    archive.conn.commit()
    archive.close()
    result.seconds = time.perf_counter() - started
    return result


def remove_stale_temporaries(target: Path) -> list[Path]:
    """Remove the half-built archives (``.archive.db.<pid>.tmp``) that publishes killed midway
    left beside ``target``: those whose process is gone. Returns what was removed."""
    removed = []
    prefix = f".{target.name}."
    for path in target.parent.glob(f"{glob.escape(prefix)}*.tmp"):
        pid = path.name[len(prefix) : -len(".tmp")]
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
) -> PublishResult:
    """Build the archive in a temporary file beside ``target`` and move it into place."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(target)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        result = build_archive(warehouse, tmp, extensions)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    result.path = target
    log.info("published %s: %d comments in %.1f s", target, result.feedback, result.seconds)
    return result
