"""Benchmark: what score drivers for the top-level groups cost a publish, against a baseline checkout (not a test).

The insight sums (``feedback.insights.sums``) are where the groups' drivers are kept: a full
publish rebuilds them, an incremental one applies the night's comments to them, and both derive
``score_drivers`` from them. This times those calls, in CPU seconds, on copies of one synthetic
warehouse per size (``--sizes``: comments over 100 weeks, three scored sources, 25 groups of 200
themes; no embeddings, which these calls do not read), alternating this checkout's code with a
baseline's (``--baseline``: another copy of the project, e.g. ``git archive main | tar -x -C /tmp/base``)
in fresh child interpreters, so both meet the same machine:

- full:  ``sums.rebuild`` + ``sums.driver_rows`` (what a full publish does for these tables)
- night: ``--new`` new comments and ``--new`` / 10 changed ones applied (``sums.apply``) + ``driver_rows``
- move:  one theme (the largest group's largest) moved to another group, its comments recounted as
         ``insight_delta`` does for a reparented theme (``sums.apply``) + ``driver_rows``

Each group holds its themes in ``SECTIONS`` sections (every theme in one), so each stage also derives the
sections' drivers and, where the code keeps them (session 42), the sections' weeks and trends
(``section_weeks``, ``section_trends``). The warehouse is built by each code's own migrations (the same rows).

A night's cost should follow the night, not the warehouse (compare the sizes); a move's follows the
moved theme's comments. Appends the figures to bench/RESULTS.md.

    .venv/bin/python bench/drivers_groups.py --baseline DIR [--sizes 20000,200000] [--new 2000] [--rounds 3]

``--page ARCHIVE [ARCHIVE ...]`` instead prints what the drivers page shows for each archive, per
source: main themes ranked / too few to tell (minimum 20 responses), sub-themes ranked / too few
(an archive without group rows shows its themes at the top level, as the page did before groups).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "RESULTS.md"
SOURCES = [("checkout-nps", "survey", "nps"), ("support-csat", "survey", "csat"), ("app", "review", "stars"),
           ("mail", "email", None)]
GROUPS, THEMES, SECTIONS = 25, 200, 2


def comment_rows(first: int, n: int, rng: random.Random, days: int | None = None) -> list[tuple[Any, ...]]:
    """``n`` comments numbered from ``first``: (item row, processed row, segment rows)."""
    start = datetime(2025, 1, 6, tzinfo=UTC)
    span = 100 * 7 * 24 * 3600
    weights = [1 / (i + 1) for i in range(THEMES)]  # Zipf-like theme sizes
    out = []
    for i in range(first, first + n):
        source, channel, scale = SOURCES[i % len(SOURCES)]
        item = hashlib.sha1(f"{source}:{i}".encode()).hexdigest()[:20]
        offset = rng.randrange(span) if days is None else span - rng.randrange(days * 24 * 3600)
        at = (start + timedelta(seconds=offset)).strftime("%Y-%m-%dT%H:%M:%SZ")
        rating = None if scale is None else (rng.randrange(11) / 10 if scale == "nps" else rng.randrange(5) / 4)
        segments = [(f"{item}:{seq}", item, seq, "t", 1,
                     rng.choices(range(1, THEMES + 1), weights=weights)[0] if rng.random() < 0.9 else None)
                    for seq in range(1 if rng.random() < 0.7 else 2)]
        out.append(((item, source, channel, str(i), at, f"c_{rng.randrange(n * 2 + 1000):x}", rating, scale, "t"),
                    (item, "t", round(rng.uniform(-1, 1), 4)), segments))
    return out


def insert(conn: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> None:
    conn.executemany("insert into items (id, source, channel, local_id, received_at, customer, rating, rating_scale,"
                     " text) values (?,?,?,?,?,?,?,?,?)", [r[0] for r in rows])
    conn.executemany("insert into processed (item_id, text, sentiment) values (?,?,?)", [r[1] for r in rows])
    conn.executemany("insert into theme_segments (id, item_id, seq, text, themable, theme_id) values (?,?,?,?,?,?)",
                     [s for r in rows for s in r[2]])


def build(path: Path, n: int) -> None:
    from feedback.warehouse import open_warehouse

    open_warehouse(path).close()  # the schema, by the real migrations
    conn = sqlite3.connect(path)
    for g in range(GROUPS):
        conn.execute("insert into themes (id, label, status, level) values (?, ?, 'parent', 1)", (1001 + g, f"group {g}"))
        for k in range(SECTIONS):
            conn.execute("insert into theme_sections (id, parent_id, label, keywords, position) values (?, ?, ?, '[]', ?)",
                         (section_of(g, k), 1001 + g, f"section {g}.{k}", k))
    for t in range(1, THEMES + 1):
        conn.execute("insert into themes (id, label, status, level, parent_id, section_id) values (?, ?, 'active', 0, ?, ?)",
                     (t, f"theme {t}", 1001 + t % GROUPS, section_of(t % GROUPS, t // GROUPS % SECTIONS)))
    rng = random.Random(1)
    for first in range(0, n, 50_000):
        insert(conn, comment_rows(first, min(50_000, n - first), rng))
        conn.commit()
    conn.execute("delete from publish_changes")
    conn.commit()
    conn.close()


def section_of(group: int, k: int) -> int:
    return 5001 + group * SECTIONS + k


def derive(db: Any) -> int:
    """The rows a publish derives from the sums for these tables: the drivers, the sections' drivers, and the
    sections' weeks and trends where the code keeps them."""
    from feedback.insights import sums

    rows = sums.driver_rows(db)
    sums.section_driver_rows(db)
    if "section_week" in sums.COLUMNS:
        from collections import Counter as Weeks

        from feedback.insights.grouped import section_info
        from feedback.insights.tables import section_trend_rows

        per_week: Weeks[str] = Weeks()
        for row in sums.rows(db, "volume"):
            per_week[row["week"]] += row["comments"]
        section_trend_rows(per_week, sums.rows(db, "section_week"), section_info(db))
    return len(rows)


def measure(path: Path, n: int, new: int) -> dict[str, float]:
    """In a child: the three stages' CPU seconds on the warehouse at ``path`` (changed)."""
    import sqlite_utils

    from feedback.insights import sums
    from feedback.insights.comments import theme_info

    db = sqlite_utils.Database(path)
    out: dict[str, float] = {}
    cpu = time.process_time()
    sums.rebuild(db)
    out["rows"] = derive(db)
    out["full"] = time.process_time() - cpu
    rng = random.Random(2)
    night = comment_rows(n, new, rng, days=1)
    insert(db.conn, night)
    changed = [r[0] for r in db.execute("select item_id from processed order by random() limit ?", [new // 10])]
    db.conn.executemany("update processed set sentiment = -sentiment where item_id = ?", [(c,) for c in changed])
    db.conn.commit()
    ids = {r[0][0] for r in night} | {c[0] for c in changed}
    cpu = time.process_time()
    sums.apply(db, ids, "night", theme_info(db))
    derive(db)
    out["night"] = time.process_time() - cpu
    theme, group = db.execute("select id, parent_id from themes where status = 'active' order by"
                              " (select count(*) from theme_segments s where s.theme_id = themes.id) desc limit 1").fetchone()
    db.execute("update themes set parent_id = ? where id = ?", [1001 if group != 1001 else 1002, theme])
    db.conn.commit()
    cpu = time.process_time()
    recount = {r[0] for r in db.execute("select distinct item_id from theme_segments where theme_id = ?", [theme])}
    sums.apply(db, recount, "move", theme_info(db))
    derive(db)
    out["move"] = time.process_time() - cpu
    out["moved"] = len(recount)
    return out


def child(code: Path, snapshot: Path, n: int, new: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "warehouse.db"
        shutil.copy(snapshot, copy)
        env = {**os.environ, "PYTHONPATH": str(code)}
        done = subprocess.run([sys.executable, __file__, "--child", str(copy), str(n), str(new)], env=env,
                              check=True, capture_output=True, text=True)
        return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def page_counts(archive: Path, least: int = 20) -> list[str]:
    """Per source, what the drivers page shows (feedback.serve.pages.split_drivers over the rows
    feedback.serve.queries.drivers reads)."""
    from feedback.serve.pages import split_drivers

    conn = sqlite3.connect(archive)
    conn.row_factory = sqlite3.Row
    found = [dict(r) for r in conn.execute(
        """select d.*, t.label, t.parent_id, p.label as parent_label from score_drivers d
           join themes t on t.id = d.theme_id left join themes p on p.id = t.parent_id order by d.source, d.rank""")]
    lines = []
    for source, entry in split_drivers(found, least).items():
        children = entry["children"].values()
        lines.append(f"  {source}: main themes {len(entry['ranked'])} ranked / {len(entry['too_few'])} too few"
                     f" ({sum(r.get('level') == 1 for r in entry['ranked'])} of the ranked are groups;"
                     f" {', '.join(f'{n} {v}' for v, n in sorted(Counter(r['verdict'] for r in entry['ranked']).items()))});"
                     f" sub-themes {sum(len(c['ranked']) for c in children)} ranked"
                     f" / {sum(len(c['too_few']) for c in children)} too few")
    return lines


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(measure(Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--build":
        build(Path(sys.argv[2]), int(sys.argv[3]))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--page":
        for archive in sys.argv[2:]:
            print(archive)
            print("\n".join(page_counts(Path(archive))))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, required=True)
    parser.add_argument("--sizes", default="20000,200000")
    parser.add_argument("--new", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--snapshots", type=Path, default=Path(tempfile.gettempdir()) / "drivers-groups")
    args = parser.parse_args()
    args.snapshots.mkdir(parents=True, exist_ok=True)
    lines = []
    for n in (int(s) for s in args.sizes.split(",")):
        codes = {"baseline": args.baseline.resolve(), "groups": REPO}
        snapshots = {name: args.snapshots / f"warehouse-{n}-{name}.db" for name in codes}
        for name, code in codes.items():  # the same rows, by each code's migrations
            snapshots[name].unlink(missing_ok=True)
            subprocess.run([sys.executable, __file__, "--build", str(snapshots[name]), str(n)], check=True,
                           env={**os.environ, "PYTHONPATH": str(code)})
        runs: dict[str, list[dict[str, float]]] = {"baseline": [], "groups": []}
        for _ in range(args.rounds):
            for name, code in codes.items():
                runs[name].append(child(code, snapshots[name], n, args.new))
        median = {name: {k: statistics.median(r[k] for r in found) for k in found[0]} for name, found in runs.items()}
        base, ours = median["baseline"], median["groups"]
        lines.append(f"{n:,} comments, a night of {args.new:,} new + {args.new // 10:,} changed;"
                     f" a move recounts {int(ours['moved']):,} comments; score_drivers rows {int(base['rows']):,}"
                     f" -> {int(ours['rows']):,} (median CPU s of {args.rounds} rounds, baseline -> groups)")
        for stage in ("full", "night", "move"):
            lines.append(f"  {stage:5}: {base[stage]:.2f} -> {ours[stage]:.2f} s CPU ({ours[stage] / base[stage]:.2f}x)")
        print("\n".join(lines[-4:]), flush=True)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    block = (f"\n## The insight sums' cost (drivers, sections' drivers and weeks), {stamp} ({os.cpu_count()} cores,"
             f" shared and loaded)\n\n    .venv/bin/python bench/drivers_groups.py --baseline {args.baseline}"
             f" --sizes {args.sizes} --new {args.new} --rounds {args.rounds}\n\n```\n" + "\n".join(lines) + "\n```\n")
    with RESULTS.open("a", encoding="utf-8") as out:
        out.write(block)


if __name__ == "__main__":
    main()
