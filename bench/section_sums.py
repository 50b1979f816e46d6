"""Benchmark: the publish cost of the sections' distinct comments, counted over every segment (the old
path) or kept with the theme sums (feedback/themes/sums.py, ``theme_section_sums``), at a large archive.

Builds a lean synthetic warehouse (items and theme segments only: no text processing, no embeddings,
which this part does not read): ``--comments`` comments of 1-2 segments, 200 themes under 10 entries of
20 sub-themes, every entry in 3 sections (so every themed segment is in a section: the worst case for a
count over the sectioned themes), Zipf-like theme sizes as bench/archive_scale.py has them. Then, in one
process: the first refresh (counts everything, sections included, as a fit does); the published
``theme_sections`` rows by both paths (median of ``--repeat``); a night of ``--night`` new comments
(a fifth with two segments in two sub-themes of one section) applied by the refresh; both paths
again, and their figures compared. CPU seconds (time.process_time) are the figures to compare on a
shared machine.

    .venv/bin/python bench/section_sums.py [--comments 1000000] [--night 2000] [--repeat 3] [--no-append]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from feedback.themes import sections, store, sums  # noqa: E402
from feedback.warehouse import open_warehouse  # noqa: E402

RESULTS = Path(__file__).with_name("RESULTS.md")
THEMES = list(range(1, 201))
ENTRIES = list(range(1001, 1011))


def entry_of(theme: int) -> int:
    return ENTRIES[(theme - 1) // 20]


def section_of(theme: int) -> int:
    """Sections 1-30: the sub-themes of an entry in 3 sections (7, 7, 6)."""
    return 3 * ((theme - 1) // 20) + min(((theme - 1) % 20) // 7, 2) + 1


def build(path: Path, n: int, rng: random.Random) -> None:
    db = open_warehouse(path)
    db["themes"].insert_all([{"id": p, "label": f"entry {p}", "status": "parent", "level": 1} for p in ENTRIES])
    db["theme_sections"].insert_all([{"id": x, "parent_id": ENTRIES[(x - 1) // 3], "label": f"section {x}",
                                      "keywords": "[]", "position": (x - 1) % 3 + 1, "created_at": "2025"}
                                     for x in range(1, 31)])
    db["themes"].insert_all([{"id": t, "label": f"theme {t}", "status": "active", "level": 0, "parent_id": entry_of(t),
                              "section_id": section_of(t), "is_new": 0} for t in THEMES])
    db.conn.commit()
    add(db, 0, n, rng)


def add(db: Any, first: int, n: int, rng: random.Random, pairs: float = 0.0) -> None:
    """Comments ``first``.. ``first + n``: 80 % one segment, else two; 10 % of segments in no theme;
    ``pairs``: the share whose two segments are in two sub-themes of one section."""
    cumulative = [0.0]
    for i in range(len(THEMES)):
        cumulative.append(cumulative[-1] + 1 / (i + 1))
    cumulative = cumulative[1:]
    items, segments = [], []
    for i in range(first, first + n):
        item = f"c{i:08d}"
        items.append((item, "bench", "survey", str(i), f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}T10:00:00Z", "x"))
        if rng.random() < pairs:
            theme = rng.choice(THEMES)
            mates = [t for t in THEMES if section_of(t) == section_of(theme) and t != theme]
            themes: list[int | None] = [theme, rng.choice(mates)]
        else:
            themes = [rng.choices(THEMES, cum_weights=cumulative)[0] if rng.random() < 0.9 else None
                      for _ in range(1 if rng.random() < 0.8 else 2)]
        for seq, theme in enumerate(themes):
            segments.append((f"{item}:{seq}", item, seq, "t", f"{item}:{seq}", 1, round(rng.uniform(-1, 1), 4), theme,
                             None if theme is None else round(rng.uniform(0.45, 0.9), 4), "2025"))
        if len(items) >= 50_000 or i == first + n - 1:
            with db.conn:
                db.conn.executemany("insert into items (id, source, channel, local_id, received_at, text)"
                                    " values (?, ?, ?, ?, ?, ?)", items)
                db.conn.executemany("insert into theme_segments (id, item_id, seq, text, text_hash, themable, sentiment,"
                                    " theme_id, score, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", segments)
            items.clear()
            segments.clear()


def old_rows(db: Any) -> list[dict[str, Any]]:
    """``sections.archive_rows`` as it was before the kept counts (branch sums7): the comments of each
    section counted over every segment of its sub-themes at every publish (the old path, verbatim)."""
    found = db.execute(
        """select x.id, x.parent_id, x.label, x.keywords, x.position, count(t.id), coalesce(sum(s.segments), 0),
                  coalesce(sum(s.sentiment_total), 0), coalesce(sum(s.sentiment_n), 0)
           from theme_sections x join themes t on t.section_id = x.id and t.parent_id = x.parent_id
                and t.status = 'active'
           left join theme_sums s on s.theme_id = t.id
           group by x.id order by x.parent_id, x.position""").fetchall()
    out = []
    for sid, parent, lab, words, position, themes, size, total, n in found:
        comments = db.execute(
            """select count(distinct s.item_id) from themes t cross join theme_segments s on s.theme_id = t.id
               where t.section_id = ? and t.parent_id = ? and t.status = 'active'""", [sid, parent]).fetchone()[0]
        out.append({"id": sid, "parent_id": parent, "label": lab, "keywords": words, "position": position,
                    "themes": themes, "size": size, "comments": comments,
                    "sentiment": round(total / sums.SENTIMENT_UNIT / n, 4) if n else None})
    return out


def cpu(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """Median CPU and wall seconds of ``repeat`` calls, and the last call's result."""
    cpus, walls, out = [], [], None
    for _ in range(repeat):
        c, w = time.process_time(), time.perf_counter()
        out = fn()
        cpus.append(time.process_time() - c)
        walls.append(time.perf_counter() - w)
    return statistics.median(cpus), statistics.median(walls), out


def say(lines: list[str], line: str) -> None:
    lines.append(line)
    print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--comments", type=int, default=1_000_000)
    parser.add_argument("--night", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-append", action="store_true")
    args = parser.parse_args()
    rng = random.Random(7)
    lines: list[str] = []
    folder = Path(tempfile.mkdtemp(prefix="section-sums-"))
    path = folder / "warehouse.db"
    started = time.perf_counter()
    build(path, args.comments, rng)
    db = open_warehouse(path)
    segments, sectioned = db.execute("select count(*), count(theme_id) from theme_segments").fetchone()
    say(lines, f"built {args.comments:,} comments, {segments:,} segments ({sectioned:,} in a sectioned sub-theme,"
               f" 30 sections) in {time.perf_counter() - started:.0f} s")
    c, w, _ = cpu(lambda: store.refresh_theme_stats(db), 1)
    say(lines, f"first refresh (every theme's and section's sums counted, as after a fit): {c:.1f} s CPU, {w:.1f} s wall")

    def both(when: str) -> None:
        old_c, old_w, old = cpu(lambda: old_rows(db), args.repeat)
        full_c, full_w, full = cpu(lambda: sections.archive_rows(db, recount=True), args.repeat)
        new_c, new_w, new = cpu(lambda: sections.archive_rows(db), args.repeat)
        assert old == full == new, "kept and counted figures differ"
        say(lines, f"{when}: theme_sections rows, comments counted over every segment at publish (old path):"
                   f" {old_c:.3f} s CPU ({old_w:.3f} s wall); kept (new): {new_c * 1000:.2f} ms CPU"
                   f" ({new_w * 1000:.2f} ms wall); old / new CPU {old_c / max(new_c, 1e-6):,.0f}x; the new full"
                   f" recount (a fit, a rebuild): {full_c:.3f} s CPU; figures identical ({len(new)} sections,"
                   f" {sum(r['comments'] for r in new):,} section-comments)")

    both(f"archive of {args.comments:,}")
    add(db, args.comments, args.night, rng, pairs=0.2)
    c, w, _ = cpu(lambda: store.refresh_theme_stats(db), 1)
    say(lines, f"a night of {args.night:,} new comments (a fifth in two sub-themes of one section): the refresh that"
               f" applies them (every theme's sums, the sections' included): {c:.3f} s CPU, {w:.3f} s wall")
    both("after the night")
    if not args.no_append:
        uname = platform.uname()
        load = os.getloadavg()[0]
        head = (f"\n## Sections' distinct comments kept, not counted at publish (branch sums7),"
                f" {datetime.now(UTC):%Y-%m-%d %H:%M} UTC ({os.cpu_count()} cores, shared with the lead and helpers;"
                f" load average {load:.1f} at the end; Python {platform.python_version()}, {uname.machine})\n\n"
                f"bench/section_sums.py --comments {args.comments} --night {args.night} --repeat {args.repeat}"
                " (one process; old and new paths run on the same warehouse; medians of the repeats)\n\n")
        with RESULTS.open("a") as out:
            out.write(head + "\n".join(f"- {line}" for line in lines) + "\n")
    db.close()
    for p in folder.iterdir():
        p.unlink()
    folder.rmdir()


if __name__ == "__main__":
    main()
