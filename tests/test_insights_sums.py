"""The insight sums kept between publishes (feedback.insights.sums): after any night of changes,
adding and subtracting only the changed comments' contributions gives exactly the rows the
per-comment definitions and the SQL group-bys give over every comment."""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from feedback.config import load_config
from feedback.insights import sums
from feedback.insights.comments import comment_themes, comments, theme_info
from feedback.insights.grouped import driver_rows, section_rows, source_rows
from feedback.insights.incremental import sum_updates
from feedback.insights.tables import theme_rows, volume_rows
from feedback.pipeline import publish_archive
from feedback.publish_state import Changes
from feedback.warehouse import open_warehouse

from .test_insights_grouped import COMMENTS, THEMES

TIMES = ["2026-03-02T10:00:00Z", "2026-03-02T10:00:00Z", "2026-03-09T10:00:00Z", "2026-03-16T08:00:00Z", None]
CUSTOMERS = ["c1", "c2", None]
SOURCES = {"nps": ("survey", "nps"), "csat": ("survey", "csat"), "mail": ("email", None), "reviews": ("web", "1-5")}
# sections of entry 10: theme 1 in section 100, 2 in 101; 3 names 100 but is under no entry, so in no section (an
# analyst moved it out since the fit) until a night moves it under 10
SECTIONS = {100: 10, 101: 10}
SECTION_OF = {1: 100, 2: 101, 3: 100}


def build(path: Path) -> sqlite_utils.Database:
    db = open_warehouse(path)
    for theme, status, parent in THEMES:
        db.table("themes").insert({"id": theme, "label": f"t{theme}", "status": status, "parent_id": parent,
                                   "section_id": SECTION_OF.get(theme)})
    for section, parent in SECTIONS.items():
        db.table("theme_sections").insert({"id": section, "parent_id": parent, "label": f"s{section}", "keywords": "[]",
                                           "position": section - 99})
    for item, source, at, customer, rating, scale, sentiment, themes in COMMENTS:
        add_comment(db, item, source, at, customer, rating, scale, sentiment, themes)
    db.table("items").insert({"id": "z", "source": "nps", "channel": "survey", "local_id": "z", "rating": 0.0,
                              "rating_scale": "nps", "text": "not processed: not published"})
    db.conn.commit()
    return db


def add_comment(db: sqlite_utils.Database, item: str, source: str, at: str | None, customer: str | None,
                rating: float | None, scale: str | None, sentiment: float | None, themes: list[int | None]) -> None:
    db.table("items").insert({"id": item, "source": source, "channel": "email" if source == "mail" else "survey",
                              "local_id": item, "received_at": at, "customer": customer, "rating": rating,
                              "rating_scale": scale, "text": item})
    db.table("processed").insert({"item_id": item, "text": item, "sentiment": sentiment})
    for seq, theme in enumerate(themes):
        db.table("theme_segments").insert({"id": f"{item}:{seq}", "item_id": item, "seq": seq, "text": item,
                                           "themable": 1, "theme_id": theme})


def _sorted(rows: list[dict[str, Any]]) -> list[str]:
    return sorted(json.dumps(r, sort_keys=True) for r in rows)


def section_weeks(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """section_weeks by its definition: a comment counts once for a section when any of its segments is in an active
    sub-theme the section holds (a section of the sub-theme's own entry)."""
    members: dict[str, set[int]] = {}
    for item, section in db.execute("""select distinct s.item_id, x.id from theme_segments s
                                       join themes t on t.id = s.theme_id and t.status = 'active'
                                       join theme_sections x on x.id = t.section_id and x.parent_id = t.parent_id"""):
        members.setdefault(item, set()).add(section)
    groups: dict[tuple[int, str], list[Any]] = {}
    for c in comments(db):
        for section in members.get(c.id, set()) if c.week else ():
            groups.setdefault((section, c.week), []).append(c)
    out = []
    for (section, week), group in groups.items():
        scored = [c.sentiment for c in group if c.sentiment is not None]
        out.append({"section_id": section, "week": week, "comments": len(group),
                    "negative": sum(c.negative for c in group),
                    "sentiment": round(math.fsum(scored) / len(scored), 4) if scored else None})
    return out


def expected(db: sqlite_utils.Database) -> dict[str, list[str]]:
    """Every table by its definition over every comment (the per-comment pass and the SQL group-bys)."""
    items, carried, info = comments(db), comment_themes(db), theme_info(db)
    return {"volume": _sorted(volume_rows(items)), "theme_week": _sorted(theme_rows(items, carried, info)[0]),
            "theme_source": _sorted(source_rows(db)), "section_week": _sorted(section_weeks(db)),
            "drivers": _sorted(driver_rows(db)), "sections": _sorted(section_rows(db))}


def derived(db: sqlite_utils.Database) -> dict[str, list[str]]:
    return {**{kind: _sorted(sums.rows(db, kind)) for kind in sums.COLUMNS}, "drivers": _sorted(sums.driver_rows(db)),
            "sections": _sorted(sums.section_driver_rows(db))}


def logged(db: sqlite_utils.Database) -> set[str]:
    """The comments the warehouse's change log names (what a publish would recount), then forgets."""
    found = {r[0] for r in db.execute("select key from publish_changes where kind = 'item'")}
    db.execute("delete from publish_changes")
    db.conn.commit()
    return found


@pytest.fixture
def warehouse(tmp_path: Path) -> sqlite_utils.Database:
    return build(tmp_path / "warehouse.db")


def test_rebuilt_sums_give_the_tables_every_comment_gives(warehouse: sqlite_utils.Database) -> None:
    sums.rebuild(warehouse)
    assert derived(warehouse) == expected(warehouse)
    week = {(r["week"], r["source"]): r for r in sums.rows(warehouse, "volume")}
    assert week[("2026-03-02", "nps")] == {"week": "2026-03-02", "channel": "survey", "source": "nps", "comments": 8,
                                           "negative": 4, "sentiment": -0.0086}  # a, b, f, h; d has no sentiment
    assert sums.tag(warehouse) is None  # a full rebuild derives for no archive until it is marked
    sums.mark(warehouse, "b1")
    assert sums.tag(warehouse) == "b1"


def test_a_section_counts_a_response_once_and_follows_its_themes(warehouse: sqlite_utils.Database) -> None:
    sums.rebuild(warehouse)
    warehouse.execute("update themes set parent_id = 10 where id = 3")  # into section 100 beside theme 1
    warehouse.conn.commit()
    sums.apply(warehouse, {r[0] for r in warehouse.execute("select item_id from theme_segments where theme_id = 3")},
               "b1")
    assert derived(warehouse) == expected(warehouse)
    nps = {r["section_id"]: r for r in sums.section_driver_rows(warehouse) if r["source"] == "nps"}
    # theme 1 is raised by 4 responses, theme 3 by one of them (b, a's response): the section by 4, not 5
    assert nps[100] == {"source": "nps", "score_name": "NPS", "rank": 1, "section_id": 100, "parent_id": 10,
                        "responses": 6, "section_responses": 4, "score": -16.7, "score_with_section": -25.0,
                        "score_without_section": 0.0, "points": 16.67, "points_low": -128.2, "points_high": 161.53}
    assert nps[101]["section_responses"] == 3 and nps[101]["rank"] == 2  # theme 2's responses: a, d and g
    warehouse.execute("update themes set parent_id = null where id in (1, 3)")  # both out of entry 10: no section
    warehouse.conn.commit()
    sums.apply(warehouse, {r[0] for r in warehouse.execute("select item_id from theme_segments where theme_id in (1, 3)")},
               "b2")
    assert derived(warehouse) == expected(warehouse)
    assert {r["section_id"] for r in sums.section_driver_rows(warehouse)} == {101}


def test_exact_sums_add_and_subtract_without_rounding() -> None:
    rng = random.Random(5)
    values = [rng.uniform(-1, 1) * 10 ** rng.randint(-8, 3) for _ in range(500)]
    numerator, shift = 0, 0
    for v in values + values[::2]:
        numerator, shift = sums.exact_add(numerator, shift, v)
    for v in values[::2]:
        numerator, shift = sums.exact_add(numerator, shift, v, -1)
    assert sums.exact_value(numerator, shift) == math.fsum(values)


def _night(db: sqlite_utils.Database, rng: random.Random, serial: int) -> set[str]:
    """A few random changes of the kinds a night brings; returns the comments carrying a theme whose parent moved."""
    ids = [r[0] for r in db.execute("select item_id from processed order by item_id")]
    moved: set[str] = set()
    for _ in range(rng.randint(1, 6)):
        item = rng.choice(ids) if ids else None
        what = rng.choice(["add", "theme", "score", "source", "time", "customer", "sentiment", "delete", "quarantine",
                           "parent", "add"])
        if what == "add" or item is None:
            source = rng.choice(list(SOURCES))
            item = f"n{serial}-{rng.randint(0, 10**6)}"
            add_comment(db, item, source, rng.choice(TIMES), rng.choice(CUSTOMERS), rng.choice([None, 0.1, 0.7, 1.0]),
                        SOURCES[source][1], rng.choice([None, rng.uniform(-1, 1)]),
                        rng.sample([1, 2, 3, 4, None], rng.randint(0, 2)))
            ids.append(item)
        elif what == "theme":
            db.execute("update theme_segments set theme_id = ? where item_id = ?", [rng.choice([1, 2, 3, 4, None]), item])
        elif what == "score":
            db.execute("update items set rating = ? where id = ?", [rng.choice([None, 0.0, 0.3, 0.7, 0.9, 1.0]), item])
        elif what == "source":
            source = rng.choice(list(SOURCES))
            db.execute("update items set source = ?, channel = ?, rating_scale = ? where id = ?",
                       [source, *SOURCES[source], item])
        elif what == "time":
            db.execute("update items set received_at = ? where id = ?", [rng.choice(TIMES), item])
        elif what == "customer":
            db.execute("update items set customer = ? where id = ?", [rng.choice(CUSTOMERS), item])
        elif what == "sentiment":
            db.execute("update processed set sentiment = ? where item_id = ?", [rng.choice([None, rng.uniform(-1, 1)]),
                                                                                 item])
        elif what == "delete":  # removed from the warehouse
            for table, column in (("theme_segments", "item_id"), ("processed", "item_id"), ("items", "id")):
                db.execute(f"delete from {table} where {column} = ?", [item])
            ids.remove(item)
        elif what == "quarantine":  # its processed text withdrawn: no longer published
            db.execute("delete from processed where item_id = ?", [item])
            db.table("quarantine").insert({"id": f"q-{item}", "source": "nps", "reason": "withdrawn"})
            ids.remove(item)
        else:  # a theme moves under another parent (the change log does not name its comments)
            theme = rng.choice([1, 2, 3])
            db.execute("update themes set parent_id = ? where id = ?", [rng.choice([10, None]), theme])
            moved |= {r[0] for r in db.execute("select item_id from theme_segments where theme_id = ?", [theme])}
    db.conn.commit()
    return moved


@pytest.mark.parametrize("seed", range(12))
def test_nights_of_changes_keep_the_sums_equal_to_a_recount(tmp_path: Path, seed: int) -> None:
    db = build(tmp_path / "warehouse.db")
    sums.rebuild(db)
    logged(db)
    rng = random.Random(seed)
    for serial in range(8):
        moved = _night(db, rng, serial)
        changed = logged(db) | moved
        sums.apply(db, changed, f"b{serial}")
        assert derived(db) == expected(db), serial
        assert sums.tag(db) == f"b{serial}"
    # the same night applied twice (a publish killed after it, then run again) changes nothing
    before = derived(db)
    sums.apply(db, {r[0] for r in db.execute("select id from items")}, "again")
    assert derived(db) == before
    # and a rebuild from scratch agrees with what the nights added up to
    db.execute(f"vacuum into '{tmp_path / 'copy.db'}'")
    fresh = sqlite_utils.Database(tmp_path / "copy.db")
    sums.rebuild(fresh)
    assert derived(fresh) == before


def test_a_comment_changing_theme_score_and_source_moves_its_contribution(warehouse: sqlite_utils.Database) -> None:
    sums.rebuild(warehouse)
    warehouse.execute("update theme_segments set theme_id = 3 where item_id = 'c'")  # theme 1 -> 3
    warehouse.execute("update items set rating = 0.1, source = 'csat', rating_scale = 'csat' where id = 'c'")
    warehouse.conn.commit()
    touched = sums.apply(warehouse, {"c"}, "b2")
    assert derived(warehouse) == expected(warehouse)
    assert {json.loads(k)[0] for k in touched["theme_source"]} == {1, 3, 10}  # old, new and the old parent
    assert touched["score"] == {sums.key("nps", "nps"), sums.key("csat", "csat")}
    rows = {(r["theme_id"], r["source"]): r for r in sums.rows(warehouse, "theme_source")}
    assert rows[(3, "csat")] == {"theme_id": 3, "channel": "survey", "source": "csat", "comments": 1, "negative": 1,
                                 "sentiment": 0.1}


def test_deleted_and_withdrawn_comments_leave_no_sums(warehouse: sqlite_utils.Database) -> None:
    sums.rebuild(warehouse)
    ids = [r[0] for r in warehouse.execute("select item_id from processed")]
    warehouse.execute("delete from processed")
    warehouse.conn.commit()
    sums.apply(warehouse, set(ids), "b3")
    assert derived(warehouse) == {"volume": [], "theme_week": [], "theme_source": [], "section_week": [], "drivers": [],
                                  "sections": []}
    assert [warehouse.table(t).count for t in ("insight_ledger", "insight_responses", "insight_sums")] == [0, 0, 0]


def test_sums_derived_for_another_archive_replace_whole_tables(warehouse: sqlite_utils.Database) -> None:
    sums.rebuild(warehouse)
    sums.mark(warehouse, "A")
    warehouse.execute("update items set received_at = '2026-03-16T10:00:00Z' where id = 'o'")
    warehouse.conn.commit()
    info = theme_info(warehouse)
    in_step = sum_updates(warehouse, Changes(items={"o"}, base_build="A", build="B"), {"o"}, info)
    assert in_step["weekly_volume"].composite is not None and in_step["theme_weeks"].composite is not None
    assert sorted(in_step["weekly_volume"].composite[1]) == [("2026-03-02", "survey", "reviews"),
                                                             ("2026-03-16", "survey", "reviews")]
    # a publish killed after updating the sums (tagged B), the archive in place still A: whole tables
    again = sum_updates(warehouse, Changes(items={"o"}, base_build="A", build="C"), {"o"}, info)
    assert again["weekly_volume"].where is None and again["theme_weeks"].where is None
    assert _sorted(again["weekly_volume"].rows) == expected(warehouse)["volume"]  # type: ignore[arg-type]
    assert sums.tag(warehouse) == "C"
    # in step and nothing changed: the tables are kept
    quiet = sum_updates(warehouse, Changes(base_build="C", build="D"), set(), info)
    assert all(quiet[t].keep_table for t in ("weekly_volume", "theme_weeks", "theme_sources", "score_drivers",
                                             "section_drivers"))


def test_publishes_keep_the_sums_in_step_with_the_archive_in_place(tmp_path: Path,
                                                                   write_config: Callable[..., Path]) -> None:
    config = load_config(write_config([{"name": "nps", "channel": "survey", "paths": "nps.csv",
                                        "columns": {"received_at": "Timestamp", "text": "Why?"}}]))
    db = build(config.warehouse)

    def archive_rows(table: str) -> list[str]:
        return _sorted(list(sqlite_utils.Database(config.archive).query(f"select * from [{table}]")))

    def build_id() -> str:
        return str(sqlite_utils.Database(config.archive).execute("select build_id from archive_info").fetchone()[0])

    assert publish_archive(db, config).mode == "full"
    assert sums.tag(db) == build_id()  # the full publish's sums are the ones its archive was derived from
    db.execute("update items set received_at = '2026-03-16T10:00:00Z', rating = 0.1 where id = 'c'")
    db.execute("update theme_segments set theme_id = 2 where item_id = 'f'")
    db.conn.commit()
    result = publish_archive(db, config)
    assert (result.mode, result.changed) == ("incremental", 2)
    assert sums.tag(db) == build_id()
    want = expected(db)
    assert archive_rows("weekly_volume") == want["volume"] and archive_rows("theme_weeks") == want["theme_week"]
    assert archive_rows("theme_sources") == want["theme_source"] and archive_rows("score_drivers") == want["drivers"]
    assert archive_rows("section_drivers") == want["sections"] != []
