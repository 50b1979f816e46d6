"""What the ingest tests share: a snapshot of what an ingest wrote, and a survey ingest run in a
child process that holds its batch's transaction open at a chosen row, to be killed there."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import sqlite_utils

from .conftest import SECRET

ROOT = Path(__file__).resolve().parents[1]
ITEMS = ("select id, source, channel, local_id, raw_hash, location, received_at, customer, rating, rating_raw,"
         " rating_scale, title, question, text, url, extra, run_id from items order by id")


def snapshot(db: sqlite_utils.Database, rowid_order: bool = False) -> dict[str, list[tuple[Any, ...]]]:
    """Everything an ingest writes but the times it was written (and with ``rowid_order`` the
    order of ``items``' rows)."""
    out = {
        "items": db.execute(ITEMS).fetchall(),
        "quarantine": db.execute("select id, location, reason, snippet, raw_hash, times_seen from quarantine order by id").fetchall(),
        "watermarks": db.execute("select source, key, value from watermarks order by key").fetchall(),
    }
    if rowid_order:
        out["order"] = db.execute("select id from items order by rowid").fetchall()
    return out


HELD_CHILD = """
import sys
from feedback.config import load_config
from feedback.sources.context import SourceContext
from feedback.sources.surveys.reader import read_surveys
from feedback.warehouse import commit_batch, open_warehouse, watermarks

config_path, secret, source, held_at, chunk_size, bulk_min = sys.argv[1:]
config = load_config(config_path)
db = open_warehouse(config.warehouse)
context = SourceContext(customer_secret=secret.encode(), base_dir=config.base_dir, watermarks=watermarks(db, source))
batch = next(read_surveys(config.source(source), context))

def held(rows):
    for n, row in enumerate(rows):
        if n == int(held_at):
            count = "select count(*) from sqlite_master where type = 'index' and tbl_name = 'items' and sql is not null"
            print("held; indexes", db.execute(count).fetchone()[0], flush=True)  # inside the open transaction
            sys.stdin.readline()  # wait here to be killed
        yield row

batch.rows = held(batch.rows)
commit_batch(db, batch, chunk_size=int(chunk_size), bulk_min=int(bulk_min))
print("committed", flush=True)
"""


def held_ingest(config_path: Path, source: str, held_at: int, chunk_size: int, bulk_min: int) -> tuple[subprocess.Popen[str], str]:
    """A child process committing the first batch of ``source`` with this code, stopped before its
    row ``held_at`` (counted from 0), its transaction open; and the line it printed there
    (``held; indexes N``: the secondary indexes of ``items`` it sees). The caller kills it."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    child = subprocess.Popen(
        [sys.executable, "-c", HELD_CHILD, str(config_path), SECRET.decode(), source, str(held_at), str(chunk_size), str(bulk_min)],
        env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    assert child.stdout is not None
    return child, child.stdout.readline().strip()
