"""Benchmark: the warehouse's large writes inside a transaction, with and without savepoints (not a test).

sqlite-utils opens a SAVEPOINT for a nested ``atomic()`` and for every ``insert_all`` /
``upsert_all`` inside a transaction. The warehouse's triggers (publish changes, theme
statistics) fire on every row of ``processed``, ``theme_segments`` and ``embeddings``; with a
savepoint open and the temporary store in memory (pysqlite3: ``TEMP_STORE=3``) that costs time
growing with the square of the rows. ``feedback.warehouse.sql.Warehouse`` joins the open
transaction instead. This times, in one process on the same files, each write as the pipeline
nests it, through sqlite-utils' own ``Database`` (savepoints) and through ``Warehouse``:

- processed: ``text.process.write_processed`` (``write_transaction`` + ``upsert_all``)
- segments:  ``themes.store.write_segments`` inside an outer ``atomic()`` block
- vectors:   ``embed.store_vectors`` inside an outer ``atomic()`` block

    .venv/bin/python bench/savepoints.py [--existing 20000] [--rows 2000 5000] [--append bench/RESULTS.md]

Figures are CPU seconds (``time.process_time``) of the write alone, best of ``--rounds``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import sqlite_utils

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from feedback.embed import store_vectors  # noqa: E402
from feedback.text.process import write_processed  # noqa: E402
from feedback.themes.store import write_segments  # noqa: E402
from feedback.warehouse.migrations import open_warehouse  # noqa: E402
from feedback.warehouse.sql import Warehouse  # noqa: E402

Write = Callable[[sqlite_utils.Database, int, int], None]


def key(kind: str, k: int) -> str:
    """A hashed key, as the warehouse's ids and text hashes are: rows land all over the B-trees."""
    return hashlib.sha1(f"{kind}{k}".encode()).hexdigest()


def _processed(db: sqlite_utils.Database, start: int, n: int) -> None:
    write_processed(db, [{"item_id": key("i", start + k), "text_hash": key("t", start + k), "version": "v", "title": None,
                          "text": "the parcel came late and the box was torn", "language": "en", "sentiment": -0.4,
                          "processed_at": "2026-12-02T00:00:00.000000Z"} for k in range(n)])


def _segments(db: sqlite_utils.Database, start: int, n: int) -> None:
    records = [(key("s", start + k), key("i", start + k), 0, key("src", start + k), "the parcel came late",
                key("t", start + k), 1, "en", -0.4) for k in range(n)]
    with db.atomic():
        write_segments(db, [key("i", start + k) for k in range(n)], records, "2026-12-02T00:00:00.000000Z")


def _vectors(db: sqlite_utils.Database, start: int, n: int) -> None:
    vectors = np.random.default_rng(start).standard_normal((n, 384)).astype(np.float32)
    with db.atomic():
        store_vectors(db, [key("t", start + k) for k in range(n)], vectors, "all-MiniLM-L6-v2", "bench")


WRITES: dict[str, Write] = {"processed": _processed, "segments": _segments, "vectors": _vectors}


def build(path: Path, existing: int) -> None:
    db = open_warehouse(path)
    for write in WRITES.values():
        for start in range(0, existing, 10_000):
            write(db, start, min(10_000, existing - start))
    db.execute("delete from publish_changes")
    db.execute("delete from theme_stats_log")
    db.conn.commit()
    db.close()


def timed(kind: type[sqlite_utils.Database], template: Path, work: Path, write: Write, start: int, n: int) -> float:
    for suffix in ("", "-wal", "-shm"):
        (work.parent / (work.name + suffix)).unlink(missing_ok=True)
    shutil.copyfile(template, work)
    db = kind(work)
    db.execute("PRAGMA cache_size = -65536")  # as open_warehouse sets it
    began = time.process_time()
    write(db, start, n)
    spent = time.process_time() - began
    db.close()
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--existing", type=int, default=20_000)
    parser.add_argument("--rows", type=int, nargs="+", default=[2_000, 5_000])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--append", type=Path)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="savepoints-"))
    try:
        template, work = folder / "template.db", folder / "work.db"
        build(template, args.existing)
        rows = []
        for name, write in WRITES.items():
            for n in args.rows:
                best = {kind: min(timed(kind, template, work, write, args.existing, n) for _ in range(args.rounds))
                        for kind in (sqlite_utils.Database, Warehouse)}
                rows.append((name, n, best[sqlite_utils.Database], best[Warehouse]))
                print(f"{name:10} {n:>7,} rows: savepoints {best[sqlite_utils.Database]:8.2f} s  "
                      f"joined {best[Warehouse]:6.2f} s  ({best[sqlite_utils.Database] / max(best[Warehouse], 1e-6):.0f}x)",
                      flush=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if args.append:
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        lines = [f"\n## Writes inside a transaction, savepoints vs joined, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC "
                 f"({os.cpu_count()} cores, shared: load {load}; Python {platform.python_version()}, SQLite "
                 f"{sqlite_utils.db.sqlite3.sqlite_version})\n",  # type: ignore[attr-defined]
                 f"`bench/savepoints.py --existing {args.existing} --rows {' '.join(map(str, args.rows))}`: CPU seconds "
                 f"of the write alone, best of {args.rounds}, on copies of one warehouse of {args.existing:,} rows per table.\n",
                 "| write | rows | sqlite-utils Database (savepoints) | Warehouse (joined) | ratio |", "|---|---|---|---|---|"]
        lines += [f"| {name} | {n:,} | {a:.2f} | {b:.2f} | {a / max(b, 1e-6):.0f}x |" for name, n, a, b in rows]
        with args.append.open("a", encoding="utf-8") as fh:
            fh.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
