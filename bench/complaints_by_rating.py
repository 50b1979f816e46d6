"""Benchmark: what counting complaints by rating changes on an archive, and what it costs (not a test).

Publishes a copy of a warehouse (default: the sample's, data/warehouse.db) in full, then prints:
the comments whose text has no sentiment score, how many of them are rated and rated low (a
complaint by their rating), the customers' complaints, those only by a rating
(``customers.negative_by_rating``, when the archive has it) and the customers at risk (the
customers page's rule with the configuration's ``answer_days`` / ``silence_days``). Run it with
the code before and after a change (``PYTHONPATH``) to compare. Costs: the full publish (best of
``--runs``), and in-process the customers table (:func:`feedback.insights.tables.customer_rows`)
against the weekly volume table (:func:`~feedback.insights.tables.volume_rows`, the same kind of
pass over every comment) as the baseline run in the same process.

    PYTHONPATH=. .venv/bin/python bench/complaints_by_rating.py [--warehouse W] [--config C] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

from feedback.config import load_config
from feedback.insights.comments import comments
from feedback.insights.tables import customer_rows, volume_rows
from feedback.pipeline import archive_extensions
from feedback.publish import publish
from feedback.serve import queries
from feedback.warehouse import open_warehouse

REPO = Path(__file__).resolve().parent.parent


class _Db:
    """What the page queries need of a Datasette database, over sqlite3."""

    class _Result:
        def __init__(self, rows: list[sqlite3.Row]) -> None:
            self.rows = rows

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path)
        self.conn.row_factory = sqlite3.Row

    async def execute(self, sql: str, params: Any = None) -> Any:
        return self._Result(self.conn.execute(sql, params or {}).fetchall())

    async def table_names(self) -> list[str]:
        return [r[0] for r in self.conn.execute("select name from sqlite_master where type = 'table'")]

    async def table_columns(self, table: str) -> list[str]:
        return [r[1] for r in self.conn.execute(f"pragma table_info([{table}])")]


def best_of(n: int, fn: Any) -> float:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, default=REPO / "data" / "warehouse.db")
    parser.add_argument("--config", type=Path, default=REPO / "data" / "config.yml")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    config = load_config(args.config)
    settings = {}
    for line in args.config.read_text().splitlines():  # the customers page's settings (datasette plugin config)
        for key in ("answer_days", "silence_days"):
            if line.strip().startswith(f"{key}:"):
                settings[key] = float(line.split(":", 1)[1].split("#")[0])
    with tempfile.TemporaryDirectory() as folder:
        shutil.copy(args.warehouse, Path(folder) / "warehouse.db")
        db = open_warehouse(Path(folder) / "warehouse.db")
        archive = Path(folder) / "archive.db"
        seconds = best_of(args.runs, lambda: publish(db, archive, extensions=archive_extensions(config), full=True))
        items = comments(db)
        customers_s = best_of(5, lambda: customer_rows(items, []))
        volume_s = best_of(5, lambda: volume_rows(items))
        a = sqlite3.connect(archive)
        unscored = a.execute("select count(*), count(rating_band), sum(rating_band = 'low') from feedback"
                             " where sentiment is null").fetchone()
        columns = [r[1] for r in a.execute("pragma table_info(customers)")]
        by_rating = a.execute("select count(*), sum(negative_by_rating) from customers where negative_by_rating > 0"
                              ).fetchone() if "negative_by_rating" in columns else (None, None)
        negative = a.execute("select count(*), sum(negative) from customers where negative > 0").fetchone()
        days, silence = settings.get("answer_days", 2), settings.get("silence_days", 30)
        at_risk = asyncio.run(queries.customers_at_risk(_Db(archive), days, silence, limit=10_000))
    print(f"comments without a text score: {unscored[0]}, rated {unscored[1]}, rated low {unscored[2]}")
    print(f"customers with a complaint: {negative[0]} ({negative[1]} complaints); with one only by a rating:"
          f" {by_rating[0]} ({by_rating[1]} complaints)")
    print(f"at risk (answer {days:g} days, silence {silence:g}): {len(at_risk)}")
    for row in at_risk:
        print(f"  {row['customer']}: {row['reason']}")
    print(f"full publish: {seconds:.2f} s (best of {args.runs}); customer_rows {customers_s * 1000:.1f} ms,"
          f" volume_rows {volume_s * 1000:.1f} ms, ratio {customers_s / volume_s:.2f}"
          f" ({len(items)} comments; {platform.machine()}, {os.cpu_count()} cores, shared)")


if __name__ == "__main__":
    main()
