"""The run log: one row in ``runs`` per flow run, and a per-source summary for the CLI.

:data:`RUNS_COLUMNS` is the one definition of the ``runs`` table: the warehouse creates it
(migration 0001) and the published archive copies it as it is (``feedback.publish``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlite_utils

from feedback.warehouse.batches import BatchResult
from feedback.warehouse.sql import now_iso, write_transaction

# The archive contract publishes these columns. A new column needs a new migration that adds it
# to existing warehouses (migration 0001 creates the table from this dict on a fresh one).
RUNS_COLUMNS: dict[str, type] = {
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
}



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

