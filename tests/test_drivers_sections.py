"""Score drivers of the sections of large entries (section_drivers): a response counts once for a section when any of
its scored comments raises any sub-theme the section holds; the SQL definition, the full publish and the incremental
one agree; a sub-theme moved out of its entry leaves its section; the drivers page shows an entry's sections above its
sub-themes.

The warehouse of tests/test_drivers_groups.py (built by hand, no model) with sections written into it as a fit would,
published with the real publish and served by a real in-process Datasette.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import sqlite_utils

from feedback.config import Config
from feedback.insights import sums
from feedback.insights.grouped import section_rows
from feedback.pipeline import publish_archive
from feedback.themes.edits import move

from . import test_drivers_groups as groups
from .test_drivers_groups import build, interval, split, text

config = groups.config  # the fixture: a configured warehouse and archive

REFUNDS = 'Refunds <b>&</b> "cards"'  # escaped on the page
# (section, entry, label, its sub-themes): entry 10's two sub-themes in one section, entry 11's one each
SECTIONS = [(100, 10, REFUNDS, (1, 2)), (102, 11, "Vans", (3,)), (103, 11, "Boxes", (4,))]


def sectioned(path: Path) -> sqlite_utils.Database:
    db = build(path)
    for section, entry, label, members in SECTIONS:
        db.table("theme_sections").insert({"id": section, "parent_id": entry, "label": label, "keywords": "[]",
                                           "position": 1})
        for theme in members:
            db.execute("update themes set section_id = ? where id = ?", [section, theme])
    db.conn.commit()
    return db


def row(section: int, entry: int, rank: int, responses: set[str], with_section: float, without: float,
        points: float) -> dict[str, Any]:
    low, high = interval(*split(responses))
    return {"source": "nps", "score_name": "NPS", "rank": rank, "section_id": section, "parent_id": entry,
            "responses": 11, "section_responses": len(responses), "score": -9.1, "score_with_section": with_section,
            "score_without_section": without, "points": points, "points_low": low, "points_high": high}


# section 100 is raised by r1 (both its sub-themes: once), r2, r3, r4 and r11: 5 responses, where its sub-themes
# have 3 + 3; 102 by r3, r5, r7; 103 by r6, r7, r8
EXPECTED = [row(100, 10, 1, {"r1", "r2", "r3", "r4", "r11"}, -80.0, 50.0, 59.09),
            row(102, 11, 2, {"r3", "r5", "r7"}, 33.3, -25.0, -15.91),
            row(103, 11, 3, {"r6", "r7", "r8"}, 33.3, -25.0, -15.91)]
# sub-theme 2 moved to entry 11: out of section 100 (a move leaves the sub-theme in no section), which keeps theme 1's
# responses r1, r2, r4
MOVED = [row(100, 10, 1, {"r1", "r2", "r4"}, -66.7, 12.5, 21.59), *EXPECTED[1:]]


def archived(config: Config) -> list[dict[str, Any]]:
    return list(sqlite_utils.Database(config.archive).query("select * from section_drivers order by rank"))


def test_a_section_counts_a_response_once_in_the_sql_definition_and_the_full_publish(config: Config) -> None:
    db = sectioned(config.warehouse)
    assert section_rows(db) == EXPECTED
    assert publish_archive(db, config).mode == "full"
    assert archived(config) == EXPECTED


def test_a_sub_theme_moved_out_of_its_entry_leaves_its_section(config: Config) -> None:
    db = sectioned(config.warehouse)
    publish_archive(db, config)
    assert move(db, 2, 11)
    assert publish_archive(db, config).mode == "incremental"
    assert archived(config) == MOVED == section_rows(db)
    kept = sorted(json.dumps(r, sort_keys=True) for r in sums.section_driver_rows(db))
    sums.rebuild(db)  # the incremental sums agree with a rebuild from scratch
    assert sorted(json.dumps(r, sort_keys=True) for r in sums.section_driver_rows(db)) == kept
    assert move(db, 2, 10)  # back in its entry, but in none of its sections until the next fit
    assert publish_archive(db, config).mode == "incremental" and archived(config) == MOVED


def test_the_drivers_page_shows_an_entrys_sections_above_its_sub_themes(config: Config) -> None:
    from datasette.app import Datasette

    publish_archive(sectioned(config.warehouse), config)
    ds = Datasette([str(config.archive)], metadata={"plugins": {"feedback": {"driver_min_responses": 3}}})

    async def get() -> str:
        response = await ds.client.get("/-/feedback/drivers")
        assert response.status_code == 200
        return str(response.text)

    page = asyncio.run(get())
    checkout = page.split('id="sub-1-10"')[1].split("</details>")[0]
    assert text(checkout.split("</summary>")[0]).endswith("2 sub-themes, 2 ranked; 1 section")
    sections = checkout.split('class="fb-table drivers fb-section-drivers"')[1].split("</table>")[0]
    cells = [text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", sections.split("<tbody>")[1], flags=re.S)]
    assert cells == ["1", REFUNDS, "5", "-80.0", "50.0", "+59.09",
                     f"{EXPECTED[0]['points_low']:+.1f} to {EXPECTED[0]['points_high']:+.1f}",
                     "drag" if EXPECTED[0]["points_low"] > 0 else "could be chance"]
    assert 'href="/-/feedback/themes/10#section-100"' in sections
    assert "<b>&</b>" not in page and "Refunds &lt;b&gt;&amp;&lt;/b&gt;" in sections
    assert checkout.index("By section") < checkout.index("By sub-theme") < checkout.index("themes/2\"")
    delivery = page.split('id="sub-1-11"')[1].split("</details>")[0]
    assert re.findall(r'themes/11#section-(\d+)"', delivery) == ["102", "103"]
    theme_page = asyncio.run(ds.client.get("/-/feedback/themes/10")).text
    assert 'id="section-100"' in theme_page  # where the section's link lands
    # and there, beside its heading, its clear effect (a drag: the interval excludes 0), linked to the drivers page
    effect = theme_page.split('id="section-100"')[1].split("</p>")[0].split("</h3>")[1]
    assert text(effect) == (f"costs 59.1 points of NPS on nps (95 % interval {EXPECTED[0]['points_low']:+.1f} to "
                            f"{EXPECTED[0]['points_high']:+.1f}, 5 responses)") and "/-/feedback/drivers" in effect
    delivery_page = asyncio.run(ds.client.get("/-/feedback/themes/11")).text  # sections whose effect could be chance
    assert "fb-section-drivers" not in delivery_page


def test_a_group_whose_sub_themes_are_too_rare_to_figure_still_shows_its_sections() -> None:
    from feedback.serve.pages import split_drivers

    def driver(theme: int, k: int, parent: int | None = None) -> dict[str, Any]:
        return {"source": "nps", "score_name": "NPS", "level": 1 if parent is None else 0, "rank": 1, "theme_id": theme,
                "parent_id": parent, "label": f"t{theme}", "responses": 100, "theme_responses": k, "points": 3.0,
                "points_low": 1.0, "points_high": 5.0, "sub_themes": 4}

    section = {"source": "nps", "score_name": "NPS", "rank": 1, "section_id": 100, "parent_id": 10, "label": "Vans",
               "responses": 100, "theme_responses": 30, "points": 2.0, "points_low": 0.5, "points_high": 3.5}
    other_source = {**section, "source": "csat", "section_id": 101}
    # group 10 has a figure, none of its sub-themes does (each raised by too few responses); group 11 has neither
    split = split_drivers([driver(10, 40), driver(11, 25)], 20, [section, other_source])["nps"]
    assert list(split["children"]) == [10]
    child = split["children"][10]
    assert (child["ranked"], child["too_few"], child["no_topic"]) == ([], [], [])
    assert [(s["section_id"], s["verdict"]) for s in child["sections"]["ranked"]] == [(100, "drag")]
