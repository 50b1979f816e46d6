"""The themes' kept sums (feedback/themes/sums.py): a refresh that adds what changed gives exactly
the statistics a count over every segment gives, whatever changed in between."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import sqlite_utils

from feedback.themes import store, sums
from feedback.warehouse import open_warehouse

STATS = "id, status, size, comments, sentiment, first_seen, last_seen, is_new, representatives"


def build(path: Path, rng: random.Random) -> sqlite_utils.Database:
    """A warehouse with 6 themes under 2 parents, 60 comments of 1-4 segments, some unassigned."""
    db = open_warehouse(path)
    db["themes"].insert_all([{"id": 100 + p, "status": "parent", "level": 1} for p in range(2)])
    db["themes"].insert_all([{"id": t, "status": "active", "level": 0, "parent_id": 100 + t % 2, "is_new": 0}
                             for t in range(1, 7)])
    for n in range(60):
        item = f"i{n:03d}"
        db["items"].insert({"id": item, "source": "s", "channel": "survey", "local_id": str(n),
                            "received_at": f"2024-0{1 + n % 6}-{1 + n % 27:02d}T10:00:00Z", "text": "x"})
        for seq in range(rng.randint(1, 4)):
            db["theme_segments"].insert(segment(rng, item, seq))
    db.conn.commit()
    return db


def segment(rng: random.Random, item: str, seq: int) -> dict[str, Any]:
    themed = rng.random() < 0.8
    return {"id": f"{item}:{seq}", "item_id": item, "seq": seq, "text": "t", "text_hash": f"h{rng.randint(0, 40)}",
            "themable": int(rng.random() < 0.95), "sentiment": rng.choice([None, round(rng.uniform(-1, 1), 6)]),
            "theme_id": rng.randint(1, 6) if themed else None,
            "score": round(rng.uniform(0.3, 0.9), 4) if themed else None, "created_at": "2024"}


def change(db: sqlite_utils.Database, rng: random.Random, n: int) -> None:
    """``n`` random changes of the kinds a night, a re-segmented comment or an analyst makes."""
    ids = [r[0] for r in db.execute("select id from theme_segments")]
    for step in range(n):
        kind, seg = rng.randrange(6), rng.choice(ids)
        if kind == 0:  # assigned or moved to a theme (a night, a claim, a split)
            db.execute("update theme_segments set theme_id = ?, score = ? where id = ?",
                       [rng.randint(1, 6), round(rng.uniform(0.3, 0.99), 4), seg])
        elif kind == 1:  # back to the pool
            db.execute("update theme_segments set theme_id = null, score = null where id = ?", [seg])
        elif kind == 2:  # scored again
            db.execute("update theme_segments set sentiment = ? where id = ?", [round(rng.uniform(-1, 1), 6), seg])
        elif kind == 3:  # a comment re-segmented: its segments replaced
            item = seg.split(":")[0]
            db.execute("delete from theme_segments where item_id = ?", [item])
            for seq in range(rng.randint(0, 3)):
                db["theme_segments"].insert(segment(rng, item, seq))
        elif kind == 4:  # a new comment
            item = f"new{step}-{rng.randrange(10**6)}"
            db["items"].insert({"id": item, "source": "s", "channel": "survey", "local_id": item,
                                "received_at": f"2024-0{rng.randint(1, 9)}-0{rng.randint(1, 9)}T10:00:00Z", "text": "x"})
            for seq in range(rng.randint(1, 3)):
                db["theme_segments"].insert(segment(rng, item, seq))
        else:  # an unchanged write (no trigger should matter)
            db.execute("update theme_segments set assigned_at = 'x' where id = ?", [seg])
        ids = [r[0] for r in db.execute("select id from theme_segments")]


def figures(db: sqlite_utils.Database) -> tuple[Any, ...]:
    rows = db.execute(f"select {STATS} from themes order by id").fetchall()
    return rows, store.counts(db), sorted(store.theme_cohesion(db))


def recounted(db: sqlite_utils.Database, folder: Path) -> tuple[Any, ...]:
    """The figures of a copy of ``db`` with every statistic counted again from every segment."""
    copy = folder / "recount.db"
    copy.unlink(missing_ok=True)
    db.conn.commit()
    db.conn.execute(f"vacuum into '{copy}'")
    other = open_warehouse(copy)
    store.refresh_theme_stats(other, full=True)
    found = figures(other)
    other.close()
    return found


def test_kept_sums_equal_a_count_over_every_segment_after_any_changes(tmp_path: Path) -> None:
    rng = random.Random(7)
    db = build(tmp_path / "w.db", rng)
    store.refresh_theme_stats(db)  # the first refresh counts everything
    assert db.execute("select count(*) from theme_stats_log").fetchone()[0] == 0
    for night in range(12):
        change(db, rng, rng.choice([1, 5, 30]))
        store.refresh_theme_stats(db)
        assert db.execute("select count(*) from theme_stats_log").fetchone()[0] == 0
        assert figures(db) == recounted(db, tmp_path), f"night {night}"


def test_a_changed_segment_is_logged_and_an_unread_column_is_not(tmp_path: Path) -> None:
    db = build(tmp_path / "w.db", random.Random(1))
    store.refresh_theme_stats(db)
    db.execute("update theme_segments set assigned_at = 'later', created_at = 'later'")
    assert db.execute("select count(*) from theme_stats_log").fetchone()[0] == 0
    assert store.counts(db) == recounted(db, tmp_path)[1]  # kept counts are used while nothing changed
    db.execute("update theme_segments set theme_id = 3, score = 0.5 where id = 'i000:0'")
    assert db.execute("select sign, theme_id, score from theme_stats_log order by seq").fetchall()[-1] == (1, 3, 0.5)


def test_a_damaged_or_missing_state_is_counted_again(tmp_path: Path) -> None:
    rng = random.Random(3)
    db = build(tmp_path / "w.db", rng)
    store.refresh_theme_stats(db)
    for damage in ("not json", "[]", '{"parents": {}}'):
        change(db, rng, 5)
        db.execute("update theme_state set value = ? where key = ?", [damage, sums.STATE_KEY])
        db.execute("update theme_sums set segments = segments + 1000")  # stale sums must not survive
        store.refresh_theme_stats(db)
        assert figures(db) == recounted(db, tmp_path), damage
    db.execute("delete from theme_state where key = ?", [sums.STATE_KEY])
    assert store.counts(db) == recounted(db, tmp_path)[1]  # no kept counts: counted over every segment


def test_a_new_parent_plan_counts_again(tmp_path: Path) -> None:
    rng = random.Random(5)
    db = build(tmp_path / "w.db", rng)
    store.refresh_theme_stats(db)
    db.execute("update themes set parent_id = 100 where id = 3")
    change(db, rng, 3)
    store.refresh_theme_stats(db)
    assert figures(db) == recounted(db, tmp_path)


def test_a_theme_born_under_a_parent_is_added_not_counted_again(tmp_path: Path) -> None:
    rng = random.Random(11)
    db = build(tmp_path / "w.db", rng)
    store.refresh_theme_stats(db)
    db.execute("insert into theme_sums (theme_id, segments) values (999, 0)")  # a recount would drop it
    db["themes"].insert({"id": 7, "status": "active", "level": 0, "parent_id": 101, "is_new": 0})
    moved = [r[0] for r in db.execute("select id from theme_segments where theme_id in (1, 2) or theme_id is null"
                                      " order by id limit 12")]
    db.execute(f"update theme_segments set theme_id = 7, score = 0.61 where id in ({', '.join('?' * len(moved))})",
               moved)
    store.refresh_theme_stats(db)
    assert db.execute("select count(*) from theme_sums where theme_id = 999").fetchone()[0] == 1
    assert figures(db) == recounted(db, tmp_path)
    db.execute("update themes set parent_id = 100 where id = 7")  # a theme with segments changes parent
    store.refresh_theme_stats(db)
    assert db.execute("select count(*) from theme_sums where theme_id = 999").fetchone()[0] == 0
    assert figures(db) == recounted(db, tmp_path)
    db.execute("update themes set parent_id = null where id = 3")
    store.refresh_theme_stats(db)
    db.execute("update themes set parent_id = 100 where id = 3")  # a theme with segments under a parent
    change(db, rng, 3)
    store.refresh_theme_stats(db)
    assert figures(db) == recounted(db, tmp_path)
