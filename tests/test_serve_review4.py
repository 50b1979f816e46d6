"""What a walkthrough of the sample archive's staff pages found (after pages3): a catch-all ranked as
a score driver, a trend called for a promise nobody mentions, a comment shown twice on a theme
page, months faceted by count, and a conversation read as answered while a later e-mail waits.

A small archive built here (no model) served by a real in-process Datasette; the drivers' ranks
from a small warehouse published with the real publish (tests/test_drivers_groups.py's).
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from feedback.config import Config, Promise, load_config
from feedback.insights import sums
from feedback.insights.comments import Comment
from feedback.insights.grouped import driver_rows
from feedback.insights.no_topic import CATCH_ALL, names_no_topic
from feedback.insights.promises import promise_summary
from feedback.insights.tables import customer_rows
from feedback.pipeline import publish_archive
from feedback.themes.edits import rename
from tests.page_helpers import get

from .conftest import empty_archive
from .test_drivers_groups import BEFORE, build

GROUP, REFUNDS, MIXED, GENERAL = 10, 1, 11, 20
FIRST, FOLLOW_UP = "2026-05-08T20:57:14Z", "2026-05-10T00:10:02Z"
MAIL = [Comment(id=i, source="support-email", channel="email", received_at=at, week=None, customer="c_mail",
                scale=None, band=None, sentiment=-0.6) for i, at in (("e1", FIRST), ("e2", FOLLOW_UP))]
THREADS = [{"thread_id": "t1", "customer": "c_mail", "customer_messages": 2, "responses": 1, "answered": 1,
            "first_customer_message_at": FIRST, "first_response_at": "2026-05-09T21:50:13Z",
            "hours_to_first_response": 24.9}]
ANSWERS = [{"feedback_id": "e1", "thread_id": "t1", "answered": 1}, {"feedback_id": "e2", "thread_id": "t1", "answered": 0}]
# a refund theme of 15 comments: the 12 with the best scores are its representatives, and the five
# most negative are among them; three milder complaints are not
SENTIMENTS = [-0.9, -0.8, -0.7, -0.6, -0.5] + [0.3] * 7 + [-0.4, -0.3, -0.2]
MONTHS = ["2026-03"] * 5 + ["2026-04"] * 8 + ["2026-05"] * 2  # 8 in April, 5 in March, 2 in May


def driver(theme: int, level: int, rank: int | None, k: int, with_theme: float, without: float, points: float,
           low: float, high: float) -> dict[str, Any]:
    return {"source": "checkout-nps", "score_name": "NPS", "level": level, "rank": rank, "theme_id": theme,
            "responses": 100, "theme_responses": k, "score": -5.0, "score_with_theme": with_theme,
            "score_without_theme": without, "points": points, "points_low": low, "points_high": high}


@pytest.fixture(scope="module")
def ds(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from datasette.app import Datasette

    path = empty_archive(tmp_path_factory.mktemp("review4"))
    db = sqlite_utils.Database(path)
    base = {"level": 0, "is_new": 0, "first_seen": "2026-03-01T00:00:00Z", "last_seen": "2026-05-20T00:00:00Z",
            "sentiment": -0.3}
    db["themes"].insert_all([
        {**base, "id": GROUP, "label": "Checkout and refund problems", "parent_id": None, "level": 1, "comments": 15,
         "size": 15},
        {**base, "id": REFUNDS, "label": "Refund delays", "parent_id": GROUP, "comments": 15, "size": 15},
        {**base, "id": MIXED, "label": "Mixed comments (2)", "parent_id": GROUP, "comments": 0, "size": 0},
        {**base, "id": GENERAL, "label": "General remarks", "parent_id": None, "level": 1, "comments": 0, "size": 0},
    ], alter=True)
    db["feedback"].insert_all([
        {"id": f"f{i}", "source": "checkout-nps", "channel": "survey", "received_at": f"{MONTHS[i]}-{i + 1:02d}T10:00:00",
         "month": MONTHS[i], "text": f"My refund number {i} is late", "sentiment": s, "language": "en"}
        for i, s in enumerate(SENTIMENTS)]
        + [{"id": c.id, "source": c.source, "channel": "email", "received_at": c.received_at, "customer": c.customer,
            "month": "2026-05", "text": f"Where is my parcel {c.id}", "sentiment": c.sentiment, "language": "en"}
           for c in MAIL], alter=True)
    db["feedback"].rebuild_fts()
    db["feedback_themes"].insert_all([{"feedback_id": f"f{i}", "theme_id": REFUNDS, "score": round(0.99 - 0.01 * i, 2)}
                                      for i in range(len(SENTIMENTS))])
    # as the sample archive ranked them: "General remarks" the biggest strength of checkout-nps (an
    # archive of format 5 leaves its rank null; the page reads the label either way)
    db["score_drivers"].insert_all([
        driver(GROUP, 1, 1, 30, -20.0, 1.4, 6.42, 1.0, 11.8),
        driver(GENERAL, 1, None, 40, 9.0, -13.8, -9.13, -15.0, -3.2),
        driver(REFUNDS, 0, 1, 25, -22.0, 1.0, 5.75, 0.4, 11.1),
        driver(MIXED, 0, 2, 22, 2.0, -7.0, -1.98, -8.0, 4.0),
    ], alter=True)
    # a promise nobody mentions (as archived before: "stable", q 1.0), and one mentioned 3 and 2 times
    promise = {"area": "delivery", "threshold": 0.5, "share": 0.0, "negative": 0, "negative_share": None,
               "sentiment": None, "status": "silent"}
    db["promises"].insert_all([
        {**promise, "id": 1, "promise": "Delivered within 2 days", "comments": 0, "last_4_weeks": 0,
         "previous_12_weeks": 0, "trend": "stable", "q_value": 1.0},
        {**promise, "id": 2, "promise": "Refunds in 5 days", "comments": 5, "last_4_weeks": 3,
         "previous_12_weeks": 2, "trend": "stable", "q_value": 0.5}], alter=True)
    db["customers"].insert_all(customer_rows(MAIL, THREADS, ANSWERS), alter=True)
    db["email_threads"].insert_all(THREADS, alter=True)
    db["email_feedback"].insert_all(ANSWERS, alter=True)
    db.execute("update archive_info set feedback = (select count(*) from feedback)")
    db.conn.commit()
    db.conn.close()
    return Datasette([str(path)])


def text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", fragment)).replace("\xa0", " ").split())


def cells(table: str) -> list[list[str]]:
    rows = table.split("<tbody>")[1].split("</tr>")[:-1]
    return [[text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", r, flags=re.S)] for r in rows]


# --- 1. the catch-alls are not ranked as drivers ------------------------------------------------


@pytest.mark.parametrize(("label", "catch_all"), [
    ("General remarks", True), ("General remarks (2)", True), ("Assorted remarks", True),
    ("Mixed comments (3)", True), ("  short   ANSWERS ", True), ("Unclear comments", True),
    ("Non-English comments", True), ("Comments in other languages", True), ("French comments", True),
    ("English comments", False), ("Refund delays", False), ("General remarks about refunds", False),
    ("Delivery comments", False), ("Contact details", False), ("", False), (None, False),
    ("Mixed problems", True), ("Assorted questions (2)", True), ("Varied praise", True),  # label_words.MIXED
    ("Mixed fruit problems", False), ("Mixed salad", False),
])
def test_a_catch_all_label_names_no_topic(label: str | None, catch_all: bool) -> None:
    assert names_no_topic(label) is catch_all


def test_the_catch_alls_are_the_label_engines() -> None:
    from feedback.themes import label

    fixed = [label.GENERAL, label.OTHER_COMMENTS, label.NOTHING_SPECIFIC, label.UNCLEAR, label.OTHER_LANGUAGES]
    expected = {f.lower() for f in fixed} | {v.lower() for f in fixed for v in label._VARIANTS[f.lower()]}
    assert expected == CATCH_ALL
    from feedback.themes.label_words import MIXED as LABELS_MIXED

    assert all(names_no_topic(name) for names in LABELS_MIXED.values() for name in names)
    from feedback.themes.verdicts import MIXED as VERDICTS_MIXED

    assert all(names_no_topic(name) for name in VERDICTS_MIXED)  # verdicts both ways name no topic either


async def test_the_drivers_page_ranks_topics_and_lists_the_catch_alls_apart(ds: Any) -> None:
    """checkout-nps: "General remarks" (-9.13 points) was ranked its biggest strength."""
    page = await get(ds, "/-/feedback/drivers")
    table = page.split('id="drivers-1"')[1].split("</table>")[0]
    assert [c[1] for c in cells(table)] == ["Checkout and refund problems"]
    apart = page.split('id="no-topic-1">')[1].split("</div>")[0]
    assert text(apart.split("</p>")[0]) == "Not ranked: it names no topic anyone can act on."
    assert text(apart.split("</p>")[1]) == "General remarks: 40 responses, -9.13 points"
    chart = json.loads(re.search(r'<script type="application/json" id="data-drivers">(.*?)</script>', page,
                                 flags=re.S).group(1))  # type: ignore[union-attr]
    assert [r["theme_id"] for r in chart["checkout-nps"]] == [GROUP]
    group = page.split(f'id="sub-1-{GROUP}">')[1].split("</details>")[0]
    assert text(group.split("</summary>")[0]) == "Checkout and refund problems: 2 sub-themes, 1 ranked, 1 naming no topic"
    assert [c[1] for c in cells(group)] == ["Refund delays"]
    assert text(group.split('class="fb-no-topic">')[1].split("</p>")[0]) == "Not ranked: it names no topic anyone can act on."
    assert text(group.split('<ul class="fb-children fb-no-topic">')[1].split("</ul>")[0]) == (
        "Mixed comments (2): 22 responses, -1.98 points")


@pytest.fixture
def config(tmp_path: Path, write_config: Callable[..., Path]) -> Config:
    return load_config(write_config([{"name": "nps", "channel": "survey", "paths": "nps.csv",
                                      "columns": {"received_at": "Timestamp", "text": "Why?"}}]))


def archived(config: Config) -> list[dict[str, Any]]:
    return list(sqlite_utils.Database(config.archive).query(
        "select * from score_drivers order by level desc, rank is null, rank, theme_id"))


# group 11 named "General remarks" and theme 3 "Unclear comments": their figures, no rank; the
# others ranked among themselves (theme 4 third, after theme 3's tie is left out)
UNRANKED = [BEFORE[0], {**BEFORE[1], "rank": None}, BEFORE[2], BEFORE[3], {**BEFORE[5], "rank": 3},
            {**BEFORE[4], "rank": None}]


def test_the_archive_ranks_no_catch_all(config: Config) -> None:
    db = build(config.warehouse)
    db.execute("update themes set label = 'General remarks' where id = 11")
    db.execute("update themes set label = 'Unclear comments' where id = 3")
    db.conn.commit()
    assert driver_rows(db) == UNRANKED  # the SQL group-by over every comment
    assert publish_archive(db, config).mode == "full"
    assert archived(config) == UNRANKED
    assert sums.driver_rows(db) == UNRANKED  # the kept sums


def test_a_catch_all_renamed_by_an_analyst_is_ranked_at_the_next_publish(config: Config) -> None:
    db = build(config.warehouse)
    db.execute("update themes set label = 'General remarks' where id = 11")
    db.conn.commit()
    publish_archive(db, config)
    assert [r["rank"] for r in archived(config) if r["level"] == 1] == [1, None]
    assert rename(db, 11, "Delivery")  # no comment changed: the sums are as they were
    assert publish_archive(db, config).mode == "incremental"
    assert archived(config) == BEFORE


# --- 2. a promise nobody mentions has no trend --------------------------------------------------


def test_a_promise_nobody_mentions_is_not_tested_for_a_trend() -> None:
    """Its "test" (0 of 0, p = 1) was called "no real change" and counted among the tests: the
    other promise's q was doubled."""
    weeks = [f"2026-{m:02d}-{d:02d}" for m, d in ((3, 2), (3, 9), (3, 16), (3, 23), (3, 30), (4, 6), (4, 13), (4, 20),
                                                   (4, 27), (5, 4), (5, 11), (5, 18), (5, 25), (6, 1), (6, 8), (6, 15))]
    mentions = [{"promise_id": 1, "week": "2026-06-15", "negative": 1, "sentiment": -0.5} for _ in range(5)]
    promises = [Promise(text="Refunds in 5 days"), Promise(text="Delivered within 2 days")]
    rows, _ = promise_summary(promises, mentions, Counter({w: 10 for w in weeks}), 160)
    # 5 of 5 mentions in the last 4 weeks, which hold 40 of the 160 comments: p = 0.25 ** 5
    assert [(r["last_4_weeks"], r["previous_12_weeks"], r["trend"], r["q_value"]) for r in rows] == [
        (5, 0, "emerging", 0.000977), (0, 0, None, None)]


async def test_the_promise_page_says_no_mentions_rather_than_no_real_change(ds: Any) -> None:
    page = await get(ds, "/-/feedback/promises")
    table = page.split('id="promises"')[1].split("</table>")[0]
    assert [(c[0], c[-1]) for c in cells(table)] == [("Delivered within 2 days", "no mentions"),
                                                      ("Refunds in 5 days", "no real change q 0.500")]


# --- 3. a theme page shows a comment once -------------------------------------------------------


async def test_the_strongest_complaints_are_not_the_representative_comments_again(ds: Any) -> None:
    """The five most negative are among the 12 representatives: the complaints repeated them."""
    page = await get(ds, f"/-/feedback/themes/{REFUNDS}")
    listed = re.findall(r'href="/-/feedback/comments/([^"]+)" class="fb-open"', page)
    representative = page.split("<h2>Most representative comments</h2>")[1].split("</ul>")[0]
    assert re.findall(r'comments/([^"]+)" class="fb-open"', representative) == [f"f{i}" for i in range(12)]
    complaints = page.split("<h2>Strongest complaints</h2>")[1].split("</ul>")[0]
    assert re.findall(r'comments/([^"]+)" class="fb-open"', complaints) == ["f12", "f13", "f14"]
    assert text(complaints.split("</p>")[0]) == "5 of the strongest are among the representative comments above; the next strongest:"
    assert len(listed) == len(set(listed)) == 15


# --- 4. months in date order --------------------------------------------------------------------


def month_facet(page: str) -> list[tuple[str, int]]:
    aside = page.split('class="fb-facets"')[1].split("</aside>")[0]
    items = aside.split("<h3>month</h3><ul>")[1].split("</ul>")[0]
    return [(text(v), int(n)) for v, n in re.findall(r'<li[^>]*>(.*?)<span class="n">(\d+)</span>', items, flags=re.S)]


@pytest.mark.parametrize("search", ["q=refund&mode=keyword", f"theme={REFUNDS}", "q=refund"])
async def test_the_month_facet_reads_newest_first(ds: Any, search: str) -> None:
    """By count it read April (8), March (5), May (2)."""
    page = await get(ds, f"/-/feedback/search?{search}")
    assert month_facet(page) == [("2026-05", 2), ("2026-04", 8), ("2026-03", 5)]


# --- 5. a conversation answered once, its follow-up waiting -------------------------------------


async def test_a_conversation_with_a_later_email_waiting_says_so(ds: Any) -> None:
    """The table read "Days to first answer 1" and nothing else, as if the conversation were settled."""
    page = await get(ds, "/-/feedback/customers/c_mail")
    table = page.split("<h2>E-mail conversations</h2>")[1].split("</table>")[0]
    assert [text(h) for h in re.findall(r"<th>(.*?)</th>", table)][-1] == "Waiting for an answer"
    assert cells(table) == [["2026-05-08 20:57", "2", "1", "1", "a later e-mail, since 2026-05-10 00:10"]]
