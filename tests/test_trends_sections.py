"""Each section of a large entry tested for a rise or a fall as themes are (section_weeks, section_trends): a
comment counts once for a section, the sections are corrected as a family of their own, a night's incremental
publish gives what a full one gives, and the trends page and the overview link a changed section to its heading."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlite_utils

from feedback.config import Config
from feedback.insights.stats import benjamini_hochberg
from feedback.insights.tables import section_trend_rows
from feedback.notify.render import render
from feedback.notify.summary import morning_summary
from feedback.pipeline import publish_archive

from . import test_drivers_groups as groups
from .test_drivers_groups import text
from .test_drivers_sections import REFUNDS, sectioned
from .test_insights_sums import section_weeks

config = groups.config  # the fixture: a configured warehouse and archive

FIRST = date(2026, 1, 5)  # a Monday: 12 weeks of baseline, then 4 recent weeks


def add(db: sqlite_utils.Database, item: str, day: date, themes: list[int]) -> None:
    at = f"{day.isoformat()}T09:00:00Z"
    db.table("items").insert({"id": item, "source": "nps", "channel": "survey", "local_id": item, "received_at": at,
                              "customer": f"c{item}", "text": item})
    db.table("processed").insert({"item_id": item, "text": item, "sentiment": -0.5})
    for seq, theme in enumerate(themes):
        db.table("theme_segments").insert({"id": f"{item}:{seq}", "item_id": item, "seq": seq, "text": item,
                                           "themable": 1, "theme_id": theme})


def weeks(db: sqlite_utils.Database, first: int, last: int, refunds: int) -> None:
    """Weeks ``first`` to ``last`` (0 = FIRST's): 10 comments each, ``refunds`` of them in section 100 (sub-themes 1
    and 2, the first of them in both), the others in section 102 (sub-theme 3) and 103 (4) by turns."""
    for week in range(first, last + 1):
        day = FIRST + timedelta(weeks=week, days=2)
        for n in range(10):
            themes = ([1, 2] if n == 0 else [1 + n % 2]) if n < refunds else [3 + n % 2]
            add(db, f"w{week}-{n}", day, themes)
    db.conn.commit()


def archived(config: Config, table: str) -> list[dict[str, Any]]:
    db = sqlite_utils.Database(config.archive)
    return sorted((dict(r) for r in db.query(f"select * from {table}")), key=lambda r: sorted(r.items()).__repr__())


def test_a_section_that_rises_is_found_and_counts_each_comment_once(config: Config) -> None:
    db = sectioned(config.warehouse)
    weeks(db, 0, 11, refunds=1)
    weeks(db, 12, 15, refunds=8)
    assert publish_archive(db, config).mode == "full"
    assert archived(config, "section_weeks") == sorted(section_weeks(db), key=lambda r: sorted(r.items()).__repr__())
    trends = {(r["window"], r["section_id"]): r for r in archived(config, "section_trends")}
    refunds = trends[("4 weeks", 100)]
    # 8 a week for 4 weeks, each comment once though the first of each week is in both sub-themes
    assert (refunds["recent"], refunds["trend"], refunds["parent_id"]) == (32, "emerging", 10)
    assert refunds["baseline"] == 12 + 5  # one a week, and the base warehouse's r1-r4, r11 (early March)
    assert trends[("4 weeks", 102)]["trend"] == trends[("4 weeks", 103)]["trend"] == "declining"
    # the sections are corrected as a family of their own, per window
    month = sorted((r for r in trends.values() if r["window"] == "4 weeks"), key=lambda r: r["section_id"])
    corrected = benjamini_hochberg([r["p_value"] for r in month])  # (of the p-values as stored, rounded)
    assert [r["q_value"] for r in month] == pytest.approx(corrected, abs=2e-6)
    assert len(month) == 3 and {r["window"] for r in trends.values()} == {"4 weeks", "1 week"}


def test_section_trends_drop_a_section_no_longer_known() -> None:
    per_week = Counter({"2026-03-02": 10, "2026-03-09": 10})
    rows = [{"section_id": 7, "week": "2026-03-09", "comments": 3}, {"section_id": 8, "week": "2026-03-09", "comments": 2}]
    found = section_trend_rows(per_week, rows, {7: (70, "Seven")})
    assert {(r["section_id"], r["parent_id"]) for r in found} == {(7, 70)}


def test_a_nights_incremental_publish_gives_the_full_ones_sections(config: Config) -> None:
    db = sectioned(config.warehouse)
    weeks(db, 0, 11, refunds=1)
    publish_archive(db, config)
    weeks(db, 12, 15, refunds=8)  # the next night: the recent weeks
    db.execute("update themes set parent_id = 11 where id = 2")  # and an analyst moves sub-theme 2 out of its entry
    db.conn.commit()
    assert publish_archive(db, config).mode == "incremental"
    night = {t: archived(config, t) for t in ("section_weeks", "section_trends")}
    assert night["section_weeks"] == sorted(section_weeks(db), key=lambda r: sorted(r.items()).__repr__())
    assert publish_archive(db, config, full=True).mode == "full"
    assert night == {t: archived(config, t) for t in ("section_weeks", "section_trends")}
    recent = {r["section_id"]: r["recent"] for r in night["section_trends"] if r["window"] == "4 weeks"}
    assert recent[100] == 4 * 4  # sub-theme 1's comments alone: 4 of the 8 a week


def pages(config: Config) -> tuple[str, str, str, str]:
    from datasette.app import Datasette

    ds = Datasette([str(config.archive)])

    async def get(path: str) -> str:
        response = await ds.client.get(path)
        assert response.status_code == 200
        return str(response.text)

    return (asyncio.run(get("/-/feedback/trends")), asyncio.run(get("/-/feedback")),
            asyncio.run(get("/-/feedback/themes/10")), asyncio.run(get("/-/feedback/themes")))


def test_the_trends_page_and_the_overview_link_a_rising_section_to_its_heading(config: Config) -> None:
    db = sectioned(config.warehouse)
    weeks(db, 0, 11, refunds=1)
    weeks(db, 12, 15, refunds=8)
    publish_archive(db, config)
    trends, overview, theme, themes = pages(config)
    month = trends.split('id="changed-month"')[1].split("</table>")[0]
    row = next(r for r in month.split("<tr>") if "#section-100" in r)
    assert 'href="/-/feedback/themes/10#section-100"' in row and "section of" in row
    assert "Refunds &lt;b&gt;&amp;&lt;/b&gt;" in row and "<b>&</b>" not in trends  # a typed label, escaped
    cells = [text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)]
    assert cells[2:] == ["32", "17", cells[4]] and cells[1].startswith("rising")
    assert "apart for the 3 sections of large themes" in text(trends)
    emerging = overview.split("Emerging themes")[1].split("</ul>")[0]
    assert 'href="/-/feedback/themes/10#section-100"' in emerging and "Refunds &lt;b&gt;" in emerging
    assert REFUNDS not in overview
    heading = theme.split('id="section-100"')[1].split("</h3>")[0]  # the entry's page, at the section's heading
    assert "rising" in text(heading) and "over the last 4 weeks" in text(heading)
    listed = themes.split("Refunds &lt;b&gt;")[1].split("</li>")[0]  # the themes page's drop-down, at the section
    assert "rising" in text(listed) and "Vans" in themes and "rising" not in text(themes.split("Vans")[1].split("<ul>")[0])


def test_the_morning_summary_names_a_rising_section_and_alerts_once(config: Config) -> None:
    db = sectioned(config.warehouse)
    weeks(db, 0, 11, refunds=1)
    weeks(db, 12, 15, refunds=8)
    publish_archive(db, config)
    now = datetime(2026, 4, 25, 7, 0, tzinfo=UTC)
    summary = morning_summary(3, [], config.archive, set(), now)
    news = [t for t in summary.themes if t.section_of is not None]
    assert [(t.theme_id, t.label, t.section_of, t.alert) for t in news] == [(100, REFUNDS, groups.CHECKOUT, True)]
    emerging = news[0].changes["emerging"]
    assert (emerging.recent, emerging.baseline, emerging.tested, emerging.family) == (32, 17, 3, "sections")
    assert "after correcting for the 3 sections tested" in emerging.why()
    assert news[0].quote is not None and news[0].quote.startswith("w15-")  # a comment of the window, redacted text
    assert "emerging:section:100" in summary.state()["keys"]
    body = render(summary)
    assert "Refunds &lt;b&gt;&amp;&lt;/b&gt; \"cards\"** (section of " in body and "<b>" not in body
    again = morning_summary(4, [], config.archive, set(summary.state()["keys"]), now)
    assert [t.alert for t in again.themes if t.section_of is not None] == [False]  # listed, but alerts once
