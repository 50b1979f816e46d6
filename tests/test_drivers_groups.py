"""Score drivers for the top-level groups of themes (issue 12): a response counts once for a group
when any of its scored comments raises any of the group's active sub-themes; the full and the
incremental publish give the same rows; a sub-theme moved to another group (``feedback themes
move``) moves its responses with it; the drivers page leads with the groups and drills down.

A small warehouse built here by hand (no model), published with the real publish and served by a
real in-process Datasette.
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sqlite_utils

from feedback.config import Config, load_config
from feedback.insights import sums
from feedback.insights.grouped import driver_rows
from feedback.pipeline import publish_archive
from feedback.themes.edits import group, move
from feedback.warehouse import open_warehouse

CHECKOUT = 'Checkout <b>&</b> "refunds"'  # typed by an analyst: escaped on the page
# (id, label, status, parent)
THEMES = [(10, CHECKOUT, "parent", None), (11, "Delivery", "parent", None), (1, "Refund delays", "active", 10),
          (2, "Card <i>declined</i>", "active", 10), (3, "Late vans", "active", 11), (4, "Damaged boxes", "active", 11)]
DETRACTOR, PASSIVE, PROMOTER = 0.0, 0.7, 1.0  # NPS points -100, 0, +100
# one response each (source, time, customer), but r11 has two comments: the first one's points count
COMMENTS = [("r1", DETRACTOR, [1, 2]), ("r2", DETRACTOR, [1]), ("r3", DETRACTOR, [2, 3]), ("r4", PASSIVE, [1]),
            ("r5", PROMOTER, [3]), ("r6", PROMOTER, [4]), ("r7", PROMOTER, [3, 4]), ("r8", DETRACTOR, [4]),
            ("r9", PROMOTER, []), ("r10", PASSIVE, []), ("r11", DETRACTOR, []), ("r11b", PROMOTER, [2])]


def build(path: Path) -> sqlite_utils.Database:
    db = open_warehouse(path)
    for theme, label, status, parent in THEMES:
        centre = np.eye(4, dtype=np.float32)[theme % 4]  # for an analyst's new group's centre
        db.table("themes").insert({"id": theme, "label": label, "status": status, "parent_id": parent,
                                   "level": 1 if status == "parent" else 0, "size": 3, "centroid": centre.tobytes()})
    for n, (item, rating, themes) in enumerate(COMMENTS):
        response = item.rstrip("b")  # r11b: a second comment of response r11, ingested after it
        db.table("items").insert({"id": item, "source": "nps", "channel": "survey", "local_id": item,
                                  "received_at": f"2026-03-{int(response[1:]):02d}T10:00:00Z",
                                  "customer": f"c{response}", "rating": rating, "rating_scale": "nps",
                                  "text": f"comment {n}"})
        db.table("processed").insert({"item_id": item, "text": f"comment {n}", "sentiment": 0.0})
        for seq, theme in enumerate(themes):
            db.table("theme_segments").insert({"id": f"{item}:{seq}", "item_id": item, "seq": seq,
                                               "text": f"comment {n}", "themable": 1, "theme_id": theme})
    db.conn.commit()
    return db


def row(theme: int, level: int, rank: int, k: int, with_theme: float, without: float, points: float,
        low: float | None, high: float | None) -> dict[str, Any]:
    return {"source": "nps", "score_name": "NPS", "level": level, "rank": rank, "theme_id": theme, "responses": 11,
            "theme_responses": k, "score": -9.1, "score_with_theme": with_theme, "score_without_theme": without,
            "points": points, "points_low": low, "points_high": high}


def interval(with_points: list[float], without_points: list[float]) -> tuple[float, float]:
    """The 95 % interval of a driver's points, by its definition (Welch's standard error), from the lists."""
    k, m = len(with_points), len(without_points)
    mean_with, mean_without = sum(with_points) / k, sum(without_points) / m
    var_with = sum((v - mean_with) ** 2 for v in with_points) / (k - 1)
    var_without = sum((v - mean_without) ** 2 for v in without_points) / (m - 1)
    points = k / (k + m) * (mean_without - mean_with)
    half = k / (k + m) * 1.959964 * math.sqrt(var_with / k + var_without / m)
    return round(points - half, 2), round(points + half, 2)


# the responses' points: r1..r11 (r11: its first comment's, a detractor's)
POINTS = {"r1": -100.0, "r2": -100.0, "r3": -100.0, "r4": 0.0, "r5": 100.0, "r6": 100.0, "r7": 100.0, "r8": -100.0,
          "r9": 100.0, "r10": 0.0, "r11": -100.0}


def split(responses: set[str]) -> tuple[list[float], list[float]]:
    return [POINTS[r] for r in POINTS if r in responses], [POINTS[r] for r in POINTS if r not in responses]


# group 10 is raised by r1 (both its themes: once), r2, r3, r4, r11: 5 responses, where its themes have 3 + 3
BEFORE = [
    row(10, 1, 1, 5, -80.0, 50.0, 59.09, *interval(*split({"r1", "r2", "r3", "r4", "r11"}))),
    row(11, 1, 2, 5, 20.0, -33.3, -24.24, *interval(*split({"r3", "r5", "r6", "r7", "r8"}))),
    row(2, 0, 1, 3, -100.0, 25.0, 34.09, *interval(*split({"r1", "r3", "r11"}))),
    row(1, 0, 2, 3, -66.7, 12.5, 21.59, *interval(*split({"r1", "r2", "r4"}))),
    row(3, 0, 3, 3, 33.3, -25.0, -15.91, *interval(*split({"r3", "r5", "r7"}))),
    row(4, 0, 4, 3, 33.3, -25.0, -15.91, *interval(*split({"r6", "r7", "r8"}))),
]
# theme 2 moved from group 10 to group 11: 10 is theme 1's responses, 11 gains r1, r11 (r3 it had)
AFTER = [
    row(10, 1, 1, 3, -66.7, 12.5, 21.59, *interval(*split({"r1", "r2", "r4"}))),
    row(11, 1, 2, 7, -14.3, 0.0, 9.09, *interval(*split({"r1", "r3", "r5", "r6", "r7", "r8", "r11"}))),
    *BEFORE[2:],
]


def test_the_expected_rows_follow_from_the_definition() -> None:
    assert BEFORE[0]["points"] == round(5 / 11 * (50.0 - -80.0), 2)
    assert AFTER[1]["points"] == round(7 / 11 * (0.0 - -100 / 7), 2)
    assert BEFORE[0]["points_low"] < BEFORE[0]["points"] < BEFORE[0]["points_high"]


@pytest.fixture
def config(tmp_path: Path, write_config: Callable[..., Path]) -> Config:
    return load_config(write_config([{"name": "nps", "channel": "survey", "paths": "nps.csv",
                                      "columns": {"received_at": "Timestamp", "text": "Why?"}}]))


def archived(config: Config) -> list[dict[str, Any]]:
    return list(sqlite_utils.Database(config.archive).query("select * from score_drivers order by level desc, rank"))


def test_groups_are_scored_once_per_response_in_the_full_and_the_sql_definitions(config: Config) -> None:
    db = build(config.warehouse)
    assert driver_rows(db) == BEFORE  # the SQL group-by over every comment
    assert publish_archive(db, config).mode == "full"  # the kept sums, rebuilt
    assert archived(config) == BEFORE
    assert sum(r["theme_responses"] for r in BEFORE if r["theme_id"] in (1, 2)) == 6  # the group: 5


def test_a_moved_sub_theme_takes_its_responses_to_its_new_group(config: Config,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    db = build(config.warehouse)
    publish_archive(db, config)
    assert move(db, 2, 11)
    ledger = db.execute("select count(*) from insight_ledger").fetchone()[0]
    recounted: list[set[str]] = []
    apply = sums.apply

    def counted(db: sqlite_utils.Database, ids: Any, *args: Any, **kwargs: Any) -> Any:
        recounted.append(set(ids))
        return apply(db, ids, *args, **kwargs)

    monkeypatch.setattr(sums, "apply", counted)
    result = publish_archive(db, config)
    assert result.mode == "incremental"
    assert recounted == [{"r1", "r3", "r11b"}]  # the moved theme's comments, not every comment
    monkeypatch.undo()
    assert archived(config) == AFTER
    assert driver_rows(db) == AFTER  # what every comment gives
    # the incremental sums agree with a rebuild from scratch, and with a full publish
    kept = sorted(json.dumps(r, sort_keys=True) for r in sums.driver_rows(db))
    sums.rebuild(db)
    assert sorted(json.dumps(r, sort_keys=True) for r in sums.driver_rows(db)) == kept
    assert publish_archive(db, config, full=True).mode == "full" and archived(config) == AFTER
    assert db.execute("select count(*) from insight_ledger").fetchone()[0] == ledger == len(COMMENTS)
    # and back: the figures return
    assert move(db, 2, 10)
    assert publish_archive(db, config).mode == "incremental" and archived(config) == BEFORE


def test_a_group_emptied_by_a_move_leaves_no_row(config: Config) -> None:
    db = build(config.warehouse)
    publish_archive(db, config)
    move(db, 3, 10)
    move(db, 4, 10)  # group 11 has no theme left: retired
    assert db.execute("select status from themes where id = 11").fetchone()[0] == "retired"
    assert publish_archive(db, config).mode == "incremental"
    rows = archived(config)
    assert [r["theme_id"] for r in rows if r["level"] == 1] == [10]
    assert rows == driver_rows(db)


def test_an_analysts_new_group_is_scored_at_the_next_publish(config: Config) -> None:
    db = build(config.warehouse)
    publish_archive(db, config)
    new = group(db, "Payments", [2, 4])  # out of groups 10 and 11
    assert publish_archive(db, config).mode == "incremental"
    rows = archived(config)
    assert rows == driver_rows(db)
    groups = {r["theme_id"]: r for r in rows if r["level"] == 1}
    assert set(groups) == {10, 11, new}
    # theme 2 (r1, r3, r11) and theme 4 (r6, r7, r8): r1, r3, r6, r7, r8, r11; 10 keeps theme 1, 11 theme 3
    assert (groups[new]["theme_responses"], groups[new]["score_with_theme"]) == (6, round(-200 / 6, 1))
    assert (groups[10]["theme_responses"], groups[11]["theme_responses"]) == (3, 3)


@pytest.fixture
def page(config: Config) -> str:
    import asyncio

    from datasette.app import Datasette

    publish_archive(build(config.warehouse), config)
    ds = Datasette([str(config.archive)], metadata={"plugins": {"feedback": {"driver_min_responses": 3}}})

    async def get() -> str:
        response = await ds.client.get("/-/feedback/drivers")
        assert response.status_code == 200
        return str(response.text)

    return asyncio.run(get())


def text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


def test_the_drivers_page_leads_with_the_groups_and_drills_down(page: str) -> None:
    table = page.split('id="drivers-1"')[1].split("</table>")[0]
    rows = table.split("<tbody>")[1].split("</tr>")[:-1]
    assert re.findall(r'<td><a href="/-/feedback/themes/(\d+)"', table) == ["10", "11"]
    cells = [[text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", r, flags=re.S)] for r in rows]
    assert [c[1:] for c in cells] == [
        [CHECKOUT, "5", "-80.0", "50.0", "+59.09", f"{BEFORE[0]['points_low']:+.1f} to {BEFORE[0]['points_high']:+.1f}",
         "drag" if BEFORE[0]["points_low"] > 0 else "could be chance", "2"],
        ["Delivery", "5", "20.0", "-33.3", "-24.24", f"{BEFORE[1]['points_low']:+.1f} to {BEFORE[1]['points_high']:+.1f}",
         "could be chance", "2"]]
    # a typed label is escaped, in the table, the drill-down and the chart's data
    assert "<b>&</b>" not in page and "<i>declined</i>" not in page
    assert "Checkout &lt;b&gt;&amp;&lt;/b&gt; &#34;refunds&#34;" in table
    chart = json.loads(re.search(r'<script type="application/json" id="data-drivers">(.*?)</script>', page,
                                 flags=re.S).group(1))  # type: ignore[union-attr]
    assert [r["theme_id"] for r in chart["nps"]] == [10, 11] and chart["nps"][0]["label"] == CHECKOUT
    # the drill-down: each group's sub-themes, ranked with their verdicts, after the groups' table
    assert page.index('id="drivers-1"') < page.index('id="sub-1-10"') < page.index('id="sub-1-11"')
    checkout = page.split('id="sub-1-10"')[1].split("</details>")[0]
    assert text(checkout.split("</summary>")[0]).endswith(f"{CHECKOUT}: 2 sub-themes, 2 ranked")
    assert re.findall(r'<td><a href="/-/feedback/themes/(\d+)"', checkout) == ["2", "1"]
    assert "Card &lt;i&gt;declined&lt;/i&gt;" in checkout and "+34.09" in checkout
    assert 'href="#sub-1-10"' in table
