"""The run log: one row in ``runs`` per flow run, and a per-source summary for the CLI.

:data:`RUNS_COLUMNS` is the one definition of the ``runs`` table: the warehouse creates it
(migration 0001) and the published archive copies it as it is (``feedback.publish``).

A run that is killed cannot record its own end. So a run records its owner (process id, a hash
of the host's name, the process's start time) in ``details`` while it runs, and while the
archive it leads to is still being published (``"publish": "pending"``); the next run closes
every such row whose process is gone as ``interrupted`` (:func:`close_stale_runs`). A row owned
by another host is left alone: from here there is no telling whether its process lives.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
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


PUBLISH_PENDING = "pending"


# --- who runs a run ----------------------------------------------------------------------------


def host_id() -> str:
    """This host, as runs record it: a hash of its name (the name itself is not published)."""
    return hashlib.sha256(socket.gethostname().encode("utf-8")).hexdigest()[:12]


def process_started(pid: int) -> str | None:
    """When a process started (clock ticks since boot, from /proc), to tell a reused pid from the
    process that had it; None where /proc is not there or the process is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[-1].split()  # after the command name, which may hold spaces
    return fields[19] if len(fields) > 19 else None


def process_alive(pid: int, started: str | None = None) -> bool:
    """Whether a process of this host with that pid (and, when known, that start time) still runs."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, under another user
    return started is None or process_started(pid) in (None, started)


def run_owner() -> dict[str, Any]:
    pid = os.getpid()
    return {"pid": pid, "host": host_id(), "started": process_started(pid)}


def owner_gone(owner: Any) -> bool:
    """Whether the process a run row names has ended. A row without an owner was written before
    runs recorded one: nothing can still be running it. A row of another host is not judged."""
    if not isinstance(owner, dict) or not isinstance(owner.get("pid"), int):
        return True
    if owner.get("host") != host_id():
        return False
    return not process_alive(owner["pid"], owner.get("started"))


# --- recording ---------------------------------------------------------------------------------


def start_run(db: sqlite_utils.Database, flow: str, parameters: dict[str, Any]) -> int:
    with write_transaction(db):
        table = db.table("runs").insert(
            {
                "flow": flow,
                "parameters": json.dumps(parameters, sort_keys=True, default=str),
                "started": now_iso(),
                "status": "running",
                "details": json.dumps({"owner": run_owner()}, sort_keys=True),
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
    publish_follows: bool = False,
) -> None:
    """Record a run's outcome; with ``publish_follows`` the run's owner stays recorded and the
    publish is marked pending until :func:`publish_record` records its end."""
    details = dict(details or {})
    if publish_follows:
        details.update(publish=PUBLISH_PENDING, owner=run_owner())
    with write_transaction(db):
        db.table("runs").update(
            run_id,
            {
                "finished": now_iso(),
                "status": status,
                "items_in": counts.seen,
                "items_new": counts.new,
                "quarantined": counts.quarantined,
                "details": json.dumps(details, sort_keys=True, default=str),
            },
        )


def _amend(
    db: sqlite_utils.Database, run_id: int, status: str | None = None, finished: bool = False, **more: Any
) -> None:
    """Drop the owner and the pending publish from a run's details, add ``more``; set its status
    when given, and its end time when ``finished`` and it has none."""
    with write_transaction(db):
        row = db.execute("select status, details, finished from runs where id = ?", [run_id]).fetchone()
        if row is None:
            return
        details = _details(row[1])
        details.pop("owner", None)
        details.pop("publish", None)
        details.update(more)
        db.execute(
            "update runs set status = ?, details = ?, finished = ? where id = ?",
            [status or row[0], json.dumps(details, sort_keys=True, default=str),
             row[2] or (now_iso() if finished else None), run_id],
        )


def _details(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def public_details(text: str | None) -> str | None:
    """A run's details as the archive publishes them: without the bookkeeping of who runs it."""
    if not text or ('"owner"' not in text and '"publish"' not in text):
        return text
    details = _details(text)
    details.pop("owner", None)
    details.pop("publish", None)
    return json.dumps(details, sort_keys=True, default=str)


def close_stale_runs(db: sqlite_utils.Database) -> list[int]:
    """Close the runs whose process ended without recording it (killed, the machine restarted):
    ``interrupted``, with what was left undone. Returns their ids."""
    rows = db.execute(
        "select id, status, details from runs where status = 'running' or details like ?",
        [f'%"publish": "{PUBLISH_PENDING}"%'],
    ).fetchall()
    closed = []
    for run_id, status, text in rows:
        details = _details(text)
        if status != "running" and details.get("publish") != PUBLISH_PENDING:
            continue
        if not owner_gone(details.get("owner")):
            continue
        if status == "running":
            why = "the run's process ended before the run did (killed?)"
        else:
            why = f"the run's process ended before the archive was published (the run itself was {status})"
        _amend(db, run_id, "interrupted", finished=True, interrupted=why)
        closed.append(run_id)
    return closed


@contextmanager
def run_record(
    db: sqlite_utils.Database, flow: str, parameters: dict[str, Any], publish_follows: bool = False
) -> Iterator[tuple[int, BatchResult, dict[str, Any]]]:
    """Record a run: yields (run id, counts to add to, details); status follows the outcome.

    Runs that were killed before are closed first (:func:`close_stale_runs`). With
    ``publish_follows`` the caller publishes after the block inside :func:`publish_record`.
    """
    close_stale_runs(db)
    run_id = start_run(db, flow, parameters)
    counts = BatchResult()
    details: dict[str, Any] = {}
    try:
        yield run_id, counts, details
    except BaseException as exc:
        details.setdefault("error", f"{type(exc).__name__}: {exc}")
        finish_run(db, run_id, "failed", counts, details)
        raise
    status = "partial" if details.get("failed") else "completed"
    finish_run(db, run_id, status, counts, details, publish_follows=publish_follows)


@contextmanager
def publish_record(db: sqlite_utils.Database, run_id: int) -> Iterator[dict[str, Any]]:
    """The publish that ends a recorded run (``run_record(..., publish_follows=True)``): yields a
    dict of details to add; a publish that raises fails the run."""
    more: dict[str, Any] = {}
    try:
        yield more
    except BaseException as exc:
        _amend(db, run_id, "failed", error=f"publish: {type(exc).__name__}: {exc}", **more)
        raise
    _amend(db, run_id, **more)


# Pages a site's robots.txt forbids: ``skipped:<url>`` watermarks (feedback.sources.reviews.crawl),
# unless the same URL was fetched since (its page:, feed:, sitemap: or export: watermark is newer).
_SKIPPED = """
    select w.source, substr(w.key, 9) as url, w.value, w.updated_at from watermarks w
    where w.key like 'skipped:%' and not exists (
        select 1 from watermarks f where f.source = w.source and f.updated_at > w.updated_at
        and f.key in ('page:' || substr(w.key, 9), 'feed:' || substr(w.key, 9),
                      'sitemap:' || substr(w.key, 9), 'export:' || substr(w.key, 9)))
"""


def source_summary(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Per source: items, quarantined records, pages skipped (robots.txt), last ingestion."""
    rows = db.execute(
        f"""
        with skipped as ({_SKIPPED})
        select s.source,
               (select count(*) from items i where i.source = s.source) as items,
               (select count(*) from quarantine q where q.source = s.source) as quarantined,
               (select count(*) from skipped k where k.source = s.source) as skipped,
               (select max(ingested_at) from items i where i.source = s.source) as last_item,
               (select max(updated_at) from watermarks w where w.source = s.source) as last_checked
        from (select source from items union select source from quarantine
              union select source from watermarks) s
        order by s.source
        """
    ).fetchall()
    keys = ["source", "items", "quarantined", "skipped", "last_item", "last_checked"]
    return [dict(zip(keys, row, strict=True)) for row in rows]


def skipped_pages(db: sqlite_utils.Database, source: str | None = None, limit: int = -1) -> list[dict[str, Any]]:
    """Pages not fetched because the site's robots.txt forbids it, newest first: source, url,
    reason, checked (when the page was last found forbidden)."""
    where, params = ("where source = ?", [source]) if source else ("", [])
    rows = db.execute(
        f"select source, url, value, updated_at from ({_SKIPPED}) {where} order by updated_at desc, url limit ?",
        [*params, limit],
    ).fetchall()
    out = []
    for src, url, value, updated in rows:
        details = _details(value)
        out.append({"source": src, "url": url, "reason": str(details.get("reason") or "skipped"),
                    "checked": details.get("checked") or updated})
    return out



def last_by_source(db: sqlite_utils.Database, flow: str) -> dict[str, dict[str, Any]]:
    """Per source (a run's ``parameters.source``), its runs of ``flow``: the last that completed
    and the latest of any status, each as {id, started, finished, status, items_in, items_new,
    details (a dict)}, or None: {source: {"completed": ..., "latest": ...}}."""
    out: dict[str, dict[str, Any]] = {}
    rows = db.execute(
        "select id, started, finished, status, items_in, items_new, details, json_extract(parameters, '$.source')"
        " from runs where flow = ? and json_valid(parameters) order by id", [flow],
    ).fetchall()
    for *values, source in rows:
        if not isinstance(source, str):
            continue
        run = dict(zip(("id", "started", "finished", "status", "items_in", "items_new"), values[:6], strict=True))
        run["details"] = _details(values[6])
        seen = out.setdefault(source, {"completed": None, "latest": None})
        seen["latest"] = run
        if run["status"] == "completed":
            seen["completed"] = run
    return out
