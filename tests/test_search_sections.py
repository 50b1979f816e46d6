"""A section of a large entry as a search filter: its comments listed (from its heading on the theme's page), searched
by words, with its label shown escaped; a sub-theme moved out of its entry leaves the section's comments."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import sqlite_utils

from feedback.config import Config
from feedback.pipeline import publish_archive

from . import test_drivers_groups as groups
from .test_drivers_groups import text
from .test_trends_sections import sectioned, weeks

config = groups.config  # the fixture: a configured warehouse and archive


def get(config: Config, path: str) -> Any:
    from datasette.app import Datasette

    ds = Datasette([str(config.archive)])

    async def fetch() -> Any:
        return await ds.client.get(path)

    return asyncio.run(fetch())


def in_themes(db: sqlite_utils.Database, themes: tuple[int, ...]) -> set[str]:
    return {r[0] for r in db.execute(
        f"select distinct item_id from theme_segments where theme_id in ({', '.join(map(str, themes))})")}


def exported(config: Config, query: str) -> dict[str, Any]:
    response = get(config, f"/-/feedback/search.json?{query}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_a_sections_comments_are_listed_and_searched_by_words(config: Config) -> None:
    db = sectioned(config.warehouse)
    weeks(db, 0, 3, refunds=4)
    publish_archive(db, config)
    section = in_themes(db, (1, 2))  # section 100 holds sub-themes 1 and 2 (entry 10)
    listed = exported(config, "section=100")
    assert listed["total"] == len(section) == 4 * 4 + 5  # 4 a week, and r1-r4 and r11b of the base warehouse
    assert {r["url"].rsplit("/", 1)[1] for r in listed["rows"]} == section and listed["order"] == "newest first"
    for query in ("section=100&q=w2&mode=keyword", "section=100&q=w2"):  # by the facet index, and ranked by words
        found = exported(config, query)
        assert {r["url"].rsplit("/", 1)[1] for r in found["rows"]} == {f"w2-{n}" for n in range(4)}
    page = get(config, "/-/feedback/search?section=100").text
    assert text(page.split('id="result-count">')[1].split("</p>")[0]).startswith("21 comments in this section")
    active = page.split('id="active-filters"')[1].split("</p>")[0]
    assert 'section: Refunds &lt;b&gt;&amp;&lt;/b&gt; &#34;cards&#34; (in Checkout &lt;b&gt;' in active
    assert "<b>&</b>" not in page
    chosen = page.split('<select name="section">')[1].split("</select>")[0]  # kept when words are typed
    assert re.findall(r'<option value="(\d*)"( selected)?>', chosen) == [("", ""), ("100", " selected"), ("103", ""),
                                                                        ("102", "")]  # by entry, then label
    assert "Checkout &lt;b&gt;&amp;&lt;/b&gt; &#34;refunds&#34;: Refunds &lt;b&gt;" in chosen
    theme = get(config, "/-/feedback/themes/10").text.split('id="section-100"')[1].split("</h3>")[0]
    assert 'href="/-/feedback/search?section=100"' in theme and "21 comments" in text(theme)


def test_a_sub_theme_moved_out_of_its_entry_leaves_its_sections_comments(config: Config) -> None:
    db = sectioned(config.warehouse)
    db.execute("update themes set parent_id = 11 where id = 2")  # out of entry 10: in no section of it
    db.conn.commit()
    publish_archive(db, config)
    ids = {r["url"].rsplit("/", 1)[1] for r in exported(config, "section=100")["rows"]}
    assert ids == in_themes(db, (1,)) and ids != in_themes(db, (1, 2))
    assert {r["url"].rsplit("/", 1)[1] for r in exported(config, "section=100&q=comment&mode=keyword")["rows"]} == ids


def test_a_section_filter_must_be_a_number(config: Config) -> None:
    publish_archive(sectioned(config.warehouse), config)
    response = get(config, "/-/feedback/search.json?section=abc")
    assert response.status_code == 400 and "section must be a section number, not 'abc'" in response.text
