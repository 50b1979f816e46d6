"""Benchmark: the publish-time cost of the archive's ``actions`` table (not a test).

Synthetic comments (``--comments``, default 1M, over two years, 200 themes, 1-2 themes per
comment) and ``--actions`` actions (default 20) on random themes; times
:func:`feedback.insights.actions.action_tables` against :func:`feedback.insights.tables.trend_rows`
(the trends page's table, the same kind of work, run in the same process as the baseline).
Appends the figures to bench/RESULTS.md.

    .venv/bin/python bench/actions_publish.py [--comments 1000000] [--actions 20]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from feedback.insights.actions import action_tables
from feedback.insights.comments import Comment
from feedback.insights.stats import week_of
from feedback.insights.tables import theme_rows, trend_rows
from feedback.warehouse import open_warehouse

RESULTS = Path(__file__).with_name("RESULTS.md")


def best_of(n: int, fn: object) -> float:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=1_000_000)
    parser.add_argument("--actions", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(14)
    start = date(2024, 6, 1)
    items, carried = [], {}
    for i in range(args.comments):
        day = (start + timedelta(days=rng.randrange(730))).isoformat() + "T10:00:00Z"
        cid = f"c{i}"
        items.append(Comment(cid, "nps", "survey", day, week_of(day), f"k{rng.randrange(args.comments // 3)}",
                             None, None, rng.uniform(-1, 1)))
        carried[cid] = frozenset(rng.sample(range(1, 201), rng.choice((1, 1, 2))))
    info = {t: {"label": f"theme {t}", "parent_id": 200 + (t % 25) + 1 if t <= 175 else None, "status": "active"}
            for t in range(1, 201)}
    with tempfile.TemporaryDirectory() as tmp:
        db = open_warehouse(Path(tmp) / "warehouse.db")
        db.table("themes").insert_all([{"id": t, "label": f"theme {t}", "status": "active"} for t in range(1, 201)])
        db.table("actions").insert_all([
            {"theme_id": rng.randrange(1, 201), "text": f"fix {n}", "created_at": "2026-01-01",
             "date": (start + timedelta(days=rng.randrange(60, 700))).isoformat()} for n in range(args.actions)])
        week_rows, _ = theme_rows(items, carried, info)
        trends = best_of(args.repeat, lambda: trend_rows(items, week_rows, info))
        actions = best_of(args.repeat, lambda: action_tables(db, items, carried, info))
        rows = action_tables(db, items, carried, info)["actions"]
    line = (f"- {time.strftime('%Y-%m-%d')} actions_publish: {args.comments:,} comments, {args.actions} actions:"
            f" action_tables {actions:.2f} s ({actions / args.actions * 1000:.0f} ms per action), trend_rows"
            f" {trends:.2f} s; ratio {actions / trends:.2f} (best of {args.repeat}; {os.cpu_count()} cores, shared,"
            f" loaded; Python {platform.python_version()}); {sum(r['weeks'] > 0 for r in rows)} actions with weeks")
    print(line)
    with RESULTS.open("a", encoding="utf-8") as out:
        out.write("\n" + line + "\n")


if __name__ == "__main__":
    main()
