"""Benchmark: what a segmenter change costs the next night (feedback/themes/recut.py), not a test.

A warehouse of ``--size`` comments (the sample archive's processed texts, repeated under new ids) is cut
once by this checkout (``store.segment_new``: the baseline, timed in the same process). Then:

- unchanged: the archive marked as cut by segmenter version 1 while its segments are this version's:
  every comment is read and cut again, none rewritten (the pure cost of the check);
- changed: the comments holding a redaction placeholder cut as version 1 cut them (spaCy's sentencizer
  without the placeholder as one token) and marked so: those whose cut differs are rewritten.

    .venv/bin/python bench/recut_cost.py [--size 50000] [--no-append]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from feedback.text import segments as nlp  # noqa: E402
from feedback.themes import recut, store  # noqa: E402
from feedback.warehouse import now_iso, open_warehouse  # noqa: E402

RESULTS = ROOT / "bench" / "RESULTS.md"


def sample_texts() -> list[str]:
    from themes_samples import processed_warehouse

    db = sqlite3.connect(processed_warehouse())
    try:
        return [row[0] for row in db.execute("select text from processed where text != '' order by item_id")]
    finally:
        db.close()


def build(path: Path, texts: list[str], size: int) -> None:
    db = open_warehouse(path)
    stamp = now_iso()
    rows = [(f"c{n:08d}", texts[n % len(texts)]) for n in range(size)]
    with db.atomic():
        db.conn.executemany("insert into items (id, source, channel, local_id, received_at, text) values"
                            " (?, 'bench', 'survey', ?, '2026-11-01T10:00:00Z', ?)", [(i, i, t) for i, t in rows])
        db.conn.executemany("insert into processed (item_id, text_hash, version, text, language, processed_at)"
                            " values (?, ?, '10', ?, 'en', ?)", [(i, str(hash(t)), t, stamp) for i, t in rows])
    db.close()


def old_cut(db: object, ids_texts: list[tuple[str, str, str]]) -> int:
    """Rewrite these comments' segments as segmenter version 1 cut them; returns how many differ."""
    import spacy

    old = spacy.blank("en")
    old.add_pipe("sentencizer")
    differ = 0
    records = []
    for (item_id, source, text), doc in zip(ids_texts, old.pipe(t for _, _, t in ids_texts), strict=True):
        pieces = [c for s in doc.sents for c in nlp.split_clauses(s.text)]
        if pieces != [s.text for s in nlp.segment(text)]:
            differ += 1
        records += [(f"{item_id}:{n}", item_id, n, source, p, str(hash(p)), 1) for n, p in enumerate(pieces)]
    conn = db.conn  # type: ignore[attr-defined]
    with db.atomic():  # type: ignore[attr-defined]
        conn.executemany("delete from theme_segments where item_id = ?", [(i,) for i, _, _ in ids_texts])
        conn.executemany("insert into theme_segments (id, item_id, seq, source_hash, text, text_hash, themable)"
                         " values (?, ?, ?, ?, ?, ?, ?)", records)
    return differ


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=50_000)
    parser.add_argument("--no-append", action="store_true")
    args = parser.parse_args()
    texts = sample_texts()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "w.db"
        build(path, texts, args.size)
        db = open_warehouse(path)
        start = time.process_time()
        segments = store.segment_new(db)
        first = time.process_time() - start
        store.set_state(db, recut.SEGMENTED_BY, "1")
        start = time.process_time()
        unchanged = recut.recut_changed(db)
        check = time.process_time() - start
        marked = db.execute("select item_id, text_hash, text from processed where text like '%[%]%'").fetchall()
        differ = old_cut(db, marked)
        store.set_state(db, recut.SEGMENTED_BY, "1")
        start = time.process_time()
        rewritten = recut.recut_changed(db)
        changed = time.process_time() - start
        db.close()
    load = os.getloadavg()[0]
    lines = [
        f"\n## Segmenter change: the next night's recut (bench/recut_cost.py), {date.today()} "
        f"({os.cpu_count()} cores, shared; load average {load:.1f}; Python {sys.version.split()[0]})\n",
        f"{args.size:,} comments (the sample archive's {len(texts):,} processed texts repeated), "
        f"{segments:,} segments; CPU seconds (time.process_time), one run each:\n",
        "| step | comments rewritten | CPU s | against the first cut |",
        "|---|---|---|---|",
        f"| first cut (`store.segment_new`, every comment) | {args.size:,} | {first:.1f} | 1.00 |",
        f"| recut, nothing cut differently | {unchanged} | {check:.1f} | {check / first:.2f} |",
        f"| recut, {len(marked):,} comments with a placeholder cut as version 1 did ({differ:,} differ) "
        f"| {rewritten:,} | {changed:.1f} | {changed / first:.2f} |",
    ]
    print("\n".join(lines))
    if not args.no_append:
        with RESULTS.open("a") as fh:
            fh.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
