"""The sections' kept distinct comments (feedback/themes/sums.py, ``theme_section_sums``): what a
publish reads is exactly what a count over every segment of the sectioned themes gives, after
nights, unsectioning edits and their undo, whatever changed in between; a night does not count
over the sectioned themes' segments; migration 0180 backfills an existing warehouse."""

from __future__ import annotations

import json
import random
from pathlib import Path

import sqlite_utils

from feedback.themes import sections, store, sums
from feedback.warehouse import migrations as schema
from feedback.warehouse import open_warehouse
from tests.test_theme_sums import build, change

# --- a small hand-made case -------------------------------------------------------------------
# entries 100 (sub-themes 1, 2, 3) and 101 (4, 5); sections 10 (1, 2) and 11 (3) of 100, 12 (4) of 101;
# theme 5 points at section 10, another entry's: it is in no section (as published)
PLACES = {1: (100, 10), 2: (100, 10), 3: (100, 11), 4: (101, 12), 5: (101, 10)}


def small(path: Path) -> sqlite_utils.Database:
    db = open_warehouse(path)
    db["themes"].insert_all([{"id": p, "status": "parent", "level": 1} for p in (100, 101)])
    db["themes"].insert_all([{"id": t, "status": "active", "level": 0, "parent_id": p, "section_id": x, "is_new": 0}
                             for t, (p, x) in PLACES.items()])
    db["theme_sections"].insert_all([{"id": x, "parent_id": p, "label": f"s{x}", "keywords": "[]", "position": x - 9,
                                      "created_at": "2024"} for x, p in ((10, 100), (11, 100), (12, 101))])
    comments(db, {"a": [1, 2], "b": [1], "c": [3, 4], "d": [5], "e": [2, None]})
    return db


def comments(db: sqlite_utils.Database, themes_of: dict[str, list[int | None]]) -> None:
    """New comments, one segment per theme listed (None: an outlier segment)."""
    for item, themes in themes_of.items():
        db["items"].insert({"id": item, "source": "s", "channel": "survey", "local_id": item,
                            "received_at": "2024-03-01T10:00:00Z", "text": "x"})
        db["theme_segments"].insert_all([{
            "id": f"{item}:{seq}", "item_id": item, "seq": seq, "text": "t", "text_hash": f"{item}{seq}", "themable": 1,
            "sentiment": 0.5, "theme_id": theme, "score": None if theme is None else 0.5, "created_at": "2024"}
            for seq, theme in enumerate(themes)])


def published(db: sqlite_utils.Database) -> list[tuple[int, int, int]]:
    """(section, sub-themes, comments) as published, after the refresh every writer of themes makes;
    asserted equal to the count over every segment."""
    store.refresh_theme_stats(db)
    kept = sections.archive_rows(db)
    assert kept == sections.archive_rows(db, recount=True)
    return [(r["id"], r["themes"], r["comments"]) for r in kept]


def test_a_sections_comments_are_counted_once_whatever_its_sub_themes_hold(tmp_path: Path) -> None:
    db = small(tmp_path / "w.db")
    # 10: a (in both its sub-themes: once), b, e; 11: c; 12: c; d is in theme 5, of no section
    assert published(db) == [(10, 2, 3), (11, 1, 1), (12, 1, 1)]
    # a night: f in both sub-themes of 10, g in 3 and 5, h twice in 2; b's one segment leaves theme 1
    comments(db, {"f": [1, 2], "g": [3, 5], "h": [2, 2]})
    db.execute("update theme_segments set theme_id = null, score = null where id = 'b:0'")
    assert published(db) == [(10, 2, 4), (11, 1, 2), (12, 1, 1)]
    sections.unsection(db, [2])  # an analyst's edit: theme 2 has no section until the next fit
    assert published(db) == [(10, 1, 2), (11, 1, 2), (12, 1, 1)]  # a and f, through theme 1
    db.execute("update themes set section_id = 10 where id = 2")  # its undo puts it back
    assert published(db) == [(10, 2, 4), (11, 1, 2), (12, 1, 1)]
    db.execute("update themes set status = 'merged' where id = 3")  # a section no sub-theme is left in
    assert published(db) == [(10, 2, 4), (12, 1, 1)]
    assert sums.read_sections(db) == {10: 4, 12: 1}
    db.execute("update themes set status = 'active' where id = 3")
    assert published(db) == [(10, 2, 4), (11, 1, 2), (12, 1, 1)]


def test_a_night_adds_what_changed_without_counting_the_sectioned_themes(tmp_path: Path) -> None:
    db = small(tmp_path / "w.db")
    published(db)
    comments(db, {"f": [1, 2], "g": [3]})
    seen: list[str] = []
    db.conn.set_trace_callback(seen.append)
    store.refresh_theme_stats(db)
    db.conn.set_trace_callback(None)
    assert not [q for q in seen if "count(distinct" in q.lower()]  # no count over any theme's segments
    assert sums.read_sections(db) == {10: 4, 11: 2, 12: 1}
    sections.unsection(db, [3])  # only the section whose sub-themes changed is counted again
    seen.clear()
    db.conn.set_trace_callback(seen.append)
    store.refresh_theme_stats(db)
    db.conn.set_trace_callback(None)
    counted = [q for q in seen if "count(distinct item_id)" in q]
    assert len(counted) == 0 and sums.read_sections(db) == {10: 4, 12: 1}  # 11 lost its only sub-theme
    db.execute("update themes set section_id = 11 where id = 3")
    seen.clear()
    db.conn.set_trace_callback(seen.append)
    store.refresh_theme_stats(db)
    db.conn.set_trace_callback(None)
    assert [q for q in seen if "count(distinct item_id)" in q] == [
        "select count(distinct item_id) from theme_segments indexed by idx_theme_segments_theme_id"
        " where theme_id in (3)"]
    assert sums.read_sections(db) == {10: 4, 11: 2, 12: 1}


# --- random changes ---------------------------------------------------------------------------
# tests.test_theme_sums.build: themes 1-6, theme t under parent 100 + t % 2; sections 20 (1, 3) and
# 21 (5) of 101, 22 (2, 4, 6) of 100


def sectioned(path: Path, rng: random.Random) -> sqlite_utils.Database:
    db = build(path, rng)
    db["theme_sections"].insert_all([{"id": x, "parent_id": p, "label": f"s{x}", "keywords": "[]", "position": 1,
                                      "created_at": "2024"} for x, p in ((20, 101), (21, 101), (22, 100))])
    for theme, section in {1: 20, 3: 20, 5: 21, 2: 22, 4: 22, 6: 22}.items():
        db.execute("update themes set section_id = ? where id = ?", [section, theme])
    return db


def regroup(db: sqlite_utils.Database, rng: random.Random) -> None:
    """A change of the kinds an edit, its undo or redo, or a fit makes to which theme is in which section."""
    theme, kind = rng.randint(1, 6), rng.randrange(5)
    if kind == 0:  # unsectioned by an edit
        sections.unsection(db, [theme])
    elif kind == 1:  # put back (an undo), perhaps into another section, perhaps another entry's
        db.execute("update themes set section_id = ? where id = ?", [rng.choice([20, 21, 22]), theme])
    elif kind == 2:  # merged away, or back (an undo of the merge)
        db.execute("update themes set status = ? where id = ?", [rng.choice(["merged", "active"]), theme])
    elif kind == 3:  # moved to the other entry (the parents change: everything is counted again)
        db.execute("update themes set parent_id = 201 - parent_id where id = ?", [theme])
    else:  # a new section (a fit writes them all again)
        section = db["theme_sections"].insert({"parent_id": 100 + theme % 2, "label": "n", "keywords": "[]",
                                               "position": 2, "created_at": "2024"}).last_pk
        db.execute("update themes set section_id = ? where id = ?", [section, theme])


def test_kept_section_comments_equal_a_count_over_every_segment_after_any_changes(tmp_path: Path) -> None:
    rng = random.Random(17)
    db = sectioned(tmp_path / "w.db", rng)
    store.refresh_theme_stats(db)
    for night in range(40):
        if rng.random() < 0.4:
            regroup(db, rng)
        if rng.random() < 0.8:
            change(db, rng, rng.choice([1, 5, 30]))
        store.refresh_theme_stats(db)
        assert sums.read_sections(db) == sums.section_comments(db), f"night {night}"
        assert sections.archive_rows(db) == sections.archive_rows(db, recount=True), f"night {night}"
    assert sum(sums.read_sections(db).values()) > 0


def test_a_damaged_sections_state_is_counted_again(tmp_path: Path) -> None:
    rng = random.Random(4)
    db = sectioned(tmp_path / "w.db", rng)
    store.refresh_theme_stats(db)
    state = json.loads(db.execute("select value from theme_state where key = ?", [sums.STATE_KEY]).fetchone()[0])
    for damage in (None, [], "x"):
        db.execute("update theme_state set value = ? where key = ?",
                   [json.dumps({**state, "sections": damage}), sums.STATE_KEY])
        db.execute("update theme_section_sums set comments = comments + 1000")  # stale sums must not survive
        db.execute("insert or replace into theme_section_sums values (99, 5)")  # nor a section that is gone
        change(db, rng, 5)
        store.refresh_theme_stats(db)
        assert sums.read_sections(db) == sums.section_comments(db) and 99 not in sums.read_sections(db), damage
        state = json.loads(db.execute("select value from theme_state where key = ?", [sums.STATE_KEY]).fetchone()[0])


# --- migration 0180 ---------------------------------------------------------------------------


def before_0180(db: sqlite_utils.Database) -> None:
    """Make ``db`` a warehouse from before migration 0180, its sums kept without sections."""
    db.execute("drop table theme_section_sums")
    db.execute("delete from _migrations where name = '0180_theme_section_sums'")
    state = json.loads(db.execute("select value from theme_state where key = ?", [sums.STATE_KEY]).fetchone()[0])
    state.pop("sections")
    db.execute("update theme_state set value = ? where key = ?", [json.dumps(state), sums.STATE_KEY])
    db.conn.commit()


def test_an_existing_warehouse_is_backfilled_and_a_rerun_changes_nothing(tmp_path: Path) -> None:
    db = small(tmp_path / "w.db")
    store.refresh_theme_stats(db)
    before_0180(db)
    comments(db, {"f": [1, 2]})  # a change still waiting in the log when the warehouse is migrated
    db.conn.commit()
    db.close()
    db = open_warehouse(tmp_path / "w.db")
    assert sums.read_sections(db) == {10: 4, 11: 1, 12: 1}  # as the segments are now: a, b, e, f
    dict(schema.MIGRATIONS)["0180_theme_section_sums"](db)  # applied again: the same
    assert sums.read_sections(db) == {10: 4, 11: 1, 12: 1}
    assert published(db) == [(10, 2, 4), (11, 1, 1), (12, 1, 1)]  # the log is not added on top
    comments(db, {"g": [2, 3]})
    assert published(db) == [(10, 2, 5), (11, 1, 2), (12, 1, 1)]

