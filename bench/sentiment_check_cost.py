"""Benchmark: what the archive's ``sentiment_check`` costs a publish (not a test).

On a warehouse and the archive published from it (e.g. a folder bench/archive_scale.py left),
times, in one process:

- **every comment** (the way before the contingency counts): every rated comment read from the
  archive's ``feedback`` and ``scipy.stats.spearmanr`` per source and over all sources;
- **count again**: every rated comment counted into the contingency table (a full publish, or an
  incremental one whose counts are not those of the archive in place);
- **a night**: ``--changed`` rated comments taken out of the counts, then applied as a night's new
  comments (their cells read from the warehouse, ledger and counts written) and the table derived
  from the counts.

The figures of the first and the last must be equal (they are checked). Appends to bench/RESULTS.md.

    .venv/bin/python bench/sentiment_check_cost.py DIR [--changed 2000]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from feedback.insights import sentiment_check as check
from feedback.ratings import rating_band

RESULTS = Path(__file__).with_name("RESULTS.md")


def every_comment(archive: sqlite_utils.Database) -> list[dict[str, object]]:
    """The table as it was computed before: every rated comment, scipy per source."""
    from scipy.stats import spearmanr

    by_source: dict[str, list[tuple[float, float, str | None]]] = defaultdict(list)
    scales: dict[str, set[str]] = defaultdict(set)
    for source, rating, scale, sentiment in archive.execute(
            "select source, rating, rating_scale, sentiment from feedback where rating is not null order by source, id"):
        if sentiment is not None:
            by_source[source].append((float(sentiment), float(rating), rating_band(rating, scale)))
            scales[source].add(scale or "")
    groups = [(s, ",".join(sorted(scales[s])) or None, p) for s, p in sorted(by_source.items())]
    if len(groups) > 1:
        groups.append(("(all sources)", None, [p for pairs in by_source.values() for p in pairs]))
    rows = []
    for source, scale, pairs in groups:
        row = check.check_row(source, scale, pairs)  # agreement figures: the same counting
        result = spearmanr([p[0] for p in pairs], [p[1] for p in pairs])
        rho, p = float(result.statistic), float(result.pvalue)
        row["spearman"] = None if math.isnan(rho) else round(rho, 3)
        row["p_value"] = None if math.isnan(p) else float(f"{p:.3g}")
        rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="holds warehouse.db and archive.db")
    parser.add_argument("--changed", type=int, default=2000)
    args = parser.parse_args()
    db = sqlite_utils.Database(args.folder / "warehouse.db")
    archive = sqlite_utils.Database(args.folder / "archive.db")
    rated = archive.execute("select count(*) from feedback where rating is not null").fetchone()[0]

    started = time.perf_counter()
    before = every_comment(archive)
    old_s = time.perf_counter() - started

    build = check.tag(db)
    started = time.perf_counter()
    check.rebuild(db, build)
    recount_s = time.perf_counter() - started

    ids = [r[0] for r in archive.execute("select id from feedback where rating is not null and sentiment is not null"
                                         " order by random() limit ?", [args.changed])]
    cells = check.apply(db, [], build)  # nothing: the counts are those of the archive in place
    ledger = list(db.execute("select item_id, source, scale, rating, sentiment from sentiment_ledger"
                             " where item_id in (select value from json_each(?))", [json.dumps(ids)]))
    with db.conn:  # the night's comments taken out, as if they were new
        db.execute("delete from sentiment_ledger where item_id in (select value from json_each(?))", [json.dumps(ids)])
        db.conn.executemany("update sentiment_counts set n = n - 1 where source = ? and scale = ? and rating = ?"
                            " and sentiment = ?", [r[1:] for r in ledger])
    started = time.perf_counter()
    night = check.apply(db, ids, build)
    after = check.stored(db)
    night_s = time.perf_counter() - started
    assert not cells and sum(night.values()) == len(ledger), "the counts are not those of the archive in place"
    assert after == before, (after, before)
    cells = db.execute("select count(*) from sentiment_counts").fetchone()[0]

    lines = [
        f"{args.folder}: {rated:,} rated comments, {cells:,} cells in the contingency counts",
        f"every comment (archive feedback + scipy.stats.spearmanr, as before): {old_s:6.2f} s",
        f"count again (every rated comment into the counts):                   {recount_s:6.2f} s",
        f"a night of {len(ledger):,} new rated comments, table from the counts: {night_s:6.2f} s",
        f"night / every comment: {night_s / old_s:.3f}; the two tables are equal",
    ]
    print("\n".join(lines))
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    with RESULTS.open("a", encoding="utf-8") as out:
        out.write(f"\n## sentiment_check cost, {stamp} ({os.cpu_count()} cores, shared and loaded, {mem:.0f} GiB,"
                  f" Python {platform.python_version()})\n\nbench/sentiment_check_cost.py\n\n```\n"
                  + "\n".join(lines) + "\n```\n")


if __name__ == "__main__":
    main()
