"""The flow's side of scale-out: the warehouse snapshot the workers read, the batches, the writes.

A batch travels as a list of ids (item ids, text hashes), never as the texts: the worker reads
them itself (:mod:`.worker`). For that the warehouse file must be one the workers can open: on
this machine for a local cluster, on a shared mount for workers on other machines.

While batches run, the warehouse file itself must not change under the workers, who open it
``immutable`` (no locks: SQLite's WAL cannot be shared between machines). The warehouse is in
WAL mode, so :func:`snapshot` first copies the WAL into the file (a checkpoint) and then stops
this connection from checkpointing again: the flow's writes meanwhile go to the WAL only, and the
file stays the snapshot. The next snapshot, or the end of the stage, checkpoints them in.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from feedback.errors import FeedbackError
from feedback.scale.worker import Snapshot

log = logging.getLogger(__name__)

AUTOCHECKPOINT = 1000  # SQLite's default, restored after a snapshot


@contextmanager
def snapshot(db: sqlite_utils.Database, worker_path: Path | None = None) -> Iterator[Snapshot]:
    """Freeze the warehouse file as it is now for the workers; yields what names it to them.

    Only this connection may write while the snapshot is in use (the run's single writer)."""
    busy, _, _ = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    if busy:
        raise FeedbackError("the warehouse is busy (another process holds it open for writing): "
                            "no snapshot for the workers")
    db.execute("PRAGMA wal_autocheckpoint = 0")
    path = worker_path or Path(db.execute("PRAGMA database_list").fetchone()[2])
    try:
        yield Snapshot(str(path), uuid.uuid4().hex)
    finally:
        db.execute(f"PRAGMA wal_autocheckpoint = {AUTOCHECKPOINT}")
        db.execute("PRAGMA wal_checkpoint(PASSIVE)")


def batches(ids: list[str], size: int) -> list[list[str]]:
    """``ids`` in order, ``size`` at a time."""
    if size < 1:
        raise ValueError(f"batch size must be at least 1, not {size}")
    return [ids[start : start + size] for start in range(0, len(ids), size)]
