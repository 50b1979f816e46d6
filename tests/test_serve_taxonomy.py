"""The staff pages lead with the top level of the theme taxonomy and drill down: the overview's
figures are the main themes (never the content-free "General remarks" entry among the largest),
the search page's theme filter lists each group with its sub-themes, a comment and a changing
sub-theme name their group, a group's comments come from each of its sub-themes in turn (a text
never twice); and the counts read right ("1 comment", "101 customers at risk" when 100 are shown).

A small archive built here (no model) served by a real in-process Datasette.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from feedback.serve.queries import GENERAL
from feedback.serve.search_page import taxonomy_order
from tests.page_helpers import get

from .conftest import empty_archive

TOP = [(10, "Checkout and refund problems", 60, -0.5), (11, "Delivery problems", 30, -0.3), (12, GENERAL, 90, 0.2)]
SUB = [(1, "Refund delays", 10, 40, -0.6), (4, "Card declined", 10, 20, -0.3), (2, "Late deliveries", 11, 30, -0.5),
       (3, "No further comments", 12, 90, 0.1)]


@pytest.fixture(scope="module")
def ds(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from datasette.app import Datasette

    path = empty_archive(tmp_path_factory.mktemp("taxonomy"))
    db = sqlite_utils.Database(path)
    themes = [{"id": i, "label": label, "parent_id": None, "level": 1, "comments": n, "size": n, "sentiment": s,
               "is_new": 0, "first_seen": "2026-06-01T00:00:00Z", "last_seen": "2026-08-01T00:00:00Z"}
              for i, label, n, s in TOP]
    themes += [{"id": i, "label": label, "parent_id": p, "level": 0, "comments": n, "size": n, "sentiment": s,
                "is_new": 0, "first_seen": "2026-06-01T00:00:00Z", "last_seen": "2026-08-01T00:00:00Z"}
               for i, label, p, n, s in SUB]
    db["themes"].insert_all(themes, alter=True)
    db["theme_weeks"].insert_all([{"theme_id": t, "week": "2026-07-06", "comments": 5, "negative": 1, "sentiment": 0.0}
                                  for t in (10, 11, 12, 1, 2, 3, 4)])
    db["theme_trends"].insert_all([
        {"window": w, "theme_id": 1, "level": 0, "recent": r, "baseline": 12, "ratio": ratio, "q_value": q,
         "trend": trend, "since": "2026-07-06", "baseline_since": "2026-04-13"}
        for w, r, ratio, q, trend in (("1 week", 1, 1.0, 1.0, "stable"), ("4 weeks", 4, 2.5, 0.01, "emerging"))])
    db["feedback"].insert({"id": "f1", "source": "checkout-nps", "channel": "survey",
                           "received_at": "2026-07-07T10:00:00", "month": "2026-07",
                           "text": "The refund took weeks. The van came late.", "sentiment": -0.6}, alter=True)
    # Refund delays (40 comments): six more, loosely held; Card declined (20): one text four times, tightly
    db["feedback"].insert_all(
        [{"id": f"r{i}", "source": "checkout-nps", "channel": "survey", "received_at": f"2026-07-0{i + 1}T09:00:00",
          "month": "2026-07", "text": f"Refund delay number {i}", "sentiment": -0.5} for i in range(6)]
        + [{"id": f"c{i}", "source": "checkout-nps", "channel": "survey", "received_at": f"2026-07-0{i + 1}T08:00:00",
            "month": "2026-07", "text": "Card declined at checkout" if i % 2 else "card declined  at Checkout",
            "sentiment": -0.7} for i in range(4)])
    db["feedback"].rebuild_fts()
    db["feedback_themes"].insert_all([{"feedback_id": "f1", "theme_id": 1, "score": 0.9},
                                      {"feedback_id": "f1", "theme_id": 2, "score": 0.8}]
                                     + [{"feedback_id": f"r{i}", "theme_id": 1, "score": 0.7 - i / 100} for i in range(6)]
                                     + [{"feedback_id": f"c{i}", "theme_id": 4, "score": 0.99} for i in range(4)])
    db["segments"].insert_all([
        {"id": "f1-0", "feedback_id": "f1", "seq": 0, "text": "The refund took weeks.", "sentiment": -0.6, "theme_id": 1},
        {"id": "f1-1", "feedback_id": "f1", "seq": 1, "text": "The van came late.", "sentiment": -0.5, "theme_id": 2}])
    db["score_drivers"].insert_all([
        {"source": "checkout-nps", "score_name": "NPS", "rank": rank, "theme_id": theme, "responses": 200,
         "theme_responses": n, "score": -10.0, "score_with_theme": -40.0, "score_without_theme": -5.0,
         "points": 2.0, "points_low": 1.0, "points_high": 3.0}
        for rank, theme, n in ((1, 1, 30), (2, 3, 5))])
    db["customers"].insert_all([
        {"customer": f"c_{i:04d}", "comments": 2, "negative": 1, "said_since_last_negative": 0,
         "last_negative_at": f"2020-01-{1 + i % 28:02d}T10:00:00", "oldest_unanswered_at": None,
         "usual_gap_days": 1.0, "channels": '["survey"]', "sentiment": -0.4} for i in range(101)])
    db.conn.close()
    return Datasette([str(path)])


def chart_data(page: str, name: str) -> Any:
    found = re.search(rf'<script type="application/json" id="data-{name}">(.*?)</script>', page, flags=re.S)
    assert found, name
    return json.loads(found.group(1))


async def test_the_overview_reads_the_main_themes_and_never_ranks_general_remarks_among_the_largest(ds: Any) -> None:
    page = await get(ds, "/-/feedback")
    # the largest topics, though "General remarks" carries more comments than any
    assert [t["id"] for t in chart_data(page, "top-themes")] == [10, 11]
    assert re.findall(r'data-chart="theme-multiple" data-theme="(\d+)"', page) == ["10", "11"]
    # sentiment: the top level, largest first, as the other figures (sub-themes are on the groups' pages),
    # and the catch-all after the topics
    assert [(t["id"], t["sentiment"]) for t in chart_data(page, "sentiment")] == [(10, -0.5), (11, -0.3), (12, 0.2)]
    table = page.split('id="figures-sentiment"')[1].split("</table>")[0]
    assert re.findall(r'href="/-/feedback/themes/(\d+)">', table) == ["10", "11", "12"]
    assert "Sentiment of the main themes" in page


@pytest.mark.parametrize("query", ["", "?sort=growth"])
async def test_the_themes_page_lists_general_remarks_after_the_topics_and_its_page_says_what_it_is(
        ds: Any, query: str) -> None:
    page = await get(ds, f"/-/feedback/themes{query}")
    rows = re.findall(r'<tr class="level-\d"><td><a href="/-/feedback/themes/(\d+)">', page)
    assert rows == ["10", "11", "12"]  # though "General remarks" carries the most comments
    general = await get(ds, "/-/feedback/themes/12")
    assert 'id="general-note"' in general and "non-answers" in general
    assert 'id="general-note"' not in await get(ds, "/-/feedback/themes/10")
    assert 'id="general-note"' not in await get(ds, "/-/feedback/themes/3")


def test_general_is_the_theme_engines_label() -> None:
    from feedback.themes.label import GENERAL as ENGINE_GENERAL

    assert GENERAL == ENGINE_GENERAL


async def test_a_theme_page_counts_one_comment_in_the_singular(ds: Any) -> None:
    page = await get(ds, "/-/feedback/themes/1")
    trends = page.split('id="theme-trends"')[1].split("</ul>")[0]
    assert "Last week: 1 comment against 12 in the 12 weeks before" in trends
    assert "Last 4 weeks: 4 comments against 12 in the 12 weeks before" in trends


async def test_customers_at_risk_count_them_all_when_only_the_first_hundred_are_shown(ds: Any) -> None:
    page = await get(ds, "/-/feedback/customers?silence=30")
    assert re.search(r'<h2 id="at-risk-count">(.*?)</h2>', page).group(1) == (  # type: ignore[union-attr]
        "Customers at risk (101: the first 100 shown)")
    assert page.split('id="at-risk"')[1].split("</table>")[0].count("/-/feedback/customers/c_") == 100
    few = await get(ds, "/-/feedback/customers?silence=36500")  # nobody silent that long
    assert '<h2 id="at-risk-count">Customers at risk (0)</h2>' in few


async def test_the_search_pages_theme_filter_lists_each_group_with_its_sub_themes(ds: Any) -> None:
    page = await get(ds, "/-/feedback/search?q=refund&mode=keyword&theme=4")
    select = page.split('<select name="theme">')[1].split("</select>")[0]
    options = re.findall(r'<option value="(\d*)"( selected)?>(.*?)</option>', select)
    indent = "&nbsp;" * 3
    assert [(v, html.unescape(label.replace(indent, "> "))) for v, _, label in options] == [
        ("", "any theme"),
        ("10", "Checkout and refund problems"), ("4", "> Card declined"), ("1", "> Refund delays"),
        ("11", "Delivery problems"), ("2", "> Late deliveries"),
        ("12", GENERAL), ("3", "> No further comments")]
    assert [v for v, selected, _ in options if selected] == ["4"]


async def test_a_comment_names_the_group_of_each_of_its_themes(ds: Any) -> None:
    page = await get(ds, "/-/feedback/comments/f1")
    themes = page.split('id="comment-themes">')[1].split("</td>")[0]
    assert re.sub(r"<[^>]+>", "", themes) == "Checkout and refund problems › Refund delays; Delivery problems › Late deliveries"
    assert re.findall(r'href="/-/feedback/themes/(\d+)"', themes) == ["10", "1", "11", "2"]
    points = page.split('id="segments"')[1].split("</table>")[0]
    assert re.findall(r'href="/-/feedback/themes/(\d+)"', points) == ["10", "1", "11", "2"]


@pytest.mark.parametrize(
    ("themes", "expected"),
    [
        ([], []),
        ([(1, "b", None), (2, "a", None)], [(2, 0), (1, 0)]),
        ([(5, "z", 9), (9, "Group", None), (6, "a", 9)], [(9, 0), (6, 1), (5, 1)]),
        ([(3, "grandchild", 2), (2, "child", 1), (1, "top", None)], [(1, 0), (2, 1), (3, 2)]),  # three levels
        ([(4, "orphan", 99), (1, "top", None)], [(4, 0), (1, 0)]),  # parent not published: top-level
        ([(1, "x", 2), (2, "y", 1), (3, "top", None)], [(3, 0), (1, 0), (2, 0)]),  # a loop: still listed once
    ],
    ids=["none", "by label", "group then its sub-themes", "three levels", "orphan", "loop"],
)
def test_taxonomy_order(themes: list[tuple[int, str, int | None]], expected: list[tuple[int, int]]) -> None:
    rows = [{"id": i, "label": label, "parent_id": p} for i, label, p in themes]
    assert [(t["id"], t["depth"]) for t in taxonomy_order(rows)] == expected


def test_the_taxonomy_fixture_is_what_the_engine_publishes() -> None:
    """The columns the fixture gives themes are the archive's (metadata describes each)."""
    import yaml

    metadata = yaml.safe_load((Path(__file__).parent.parent / "data" / "datasette" / "metadata.yml").read_text())
    described = set(metadata["databases"]["archive"]["tables"]["themes"]["columns"])
    assert {"id", "label", "parent_id", "level", "comments", "size", "sentiment", "is_new", "first_seen",
            "last_seen"} <= described


def comment_ids(section: str) -> list[str]:
    return re.findall(r'href="/-/feedback/comments/([^"]+)" class="fb-open"', section)


async def test_a_groups_comments_come_from_its_sub_themes_in_turn_and_never_twice(ds: Any) -> None:
    page = await get(ds, "/-/feedback/themes/10")
    representative = page.split("<h2>Most representative comments</h2>")[1].split("</ul>")[0]
    # the best of Refund delays (the larger sub-theme), then of Card declined, then the second best of
    # each...: Card declined's one text (said four times, scored highest) is shown once
    assert comment_ids(representative) == ["f1", "c0", "r0", "r1", "r2", "r3", "r4", "r5"]
    complaints = page.split("<h2>Strongest complaints</h2>")[1].split("</ul>")[0]
    assert comment_ids(complaints) == []  # c0, f1, r0, r1, r2: all shown above, not repeated (pages4)
    assert "Its complaints are all among the representative comments above." in complaints
    leaf = await get(ds, "/-/feedback/themes/4")
    assert comment_ids(leaf.split("<h2>Most representative comments</h2>")[1].split("</ul>")[0]) == ["c0"]


async def test_a_changing_sub_theme_names_its_group_on_the_trends_page_and_the_overview(ds: Any) -> None:
    trends = await get(ds, "/-/feedback/trends")
    month = trends.split('id="changed-month"')[1].split("</table>")[0]
    assert re.sub(r"<[^>]+>", "", month.split("<td>")[1]).strip() == "Refund delays in Checkout and refund problems"
    assert re.findall(r'href="/-/feedback/themes/(\d+)"', month) == ["1", "10"]
    overview = await get(ds, "/-/feedback")
    emerging = overview.split("<h2>Emerging themes (last 4 weeks)</h2>")[1].split("</ul>")[0]
    assert re.sub(r"<[^>]+>", "", emerging).strip() == (
        "Refund delays (in Checkout and refund problems): 4 comments, 2.5× its usual share")


async def test_a_driver_names_its_group(ds: Any) -> None:
    page = await get(ds, "/-/feedback/drivers")
    table = page.split('id="drivers-1"')[1].split("</table>")[0]
    assert re.sub(r"<[^>]+>", "", table.split("<td>")[2].split("</td>")[0]).strip() == (
        "Refund delays in Checkout and refund problems")
    too_few = page.split('class="fb-too-few"')[1].split("</details>")[0]
    assert re.sub(r"<[^>]+>", "", too_few.split("<li>")[1]).strip() == f"No further comments in {GENERAL}: 5 responses"


@pytest.mark.parametrize(
    ("found", "order", "limit", "expected"),
    [
        ([], [1], 5, []),
        ([("a", 1, "x"), ("b", 1, "y"), ("c", 2, "z")], [1, 2], 5, ["a", "c", "b"]),  # in turn
        ([("a", 1, "x"), ("b", 1, "y"), ("c", 2, "z")], [2, 1], 2, ["c", "a"]),  # the order given, to the limit
        ([("a", 1, "Same  words"), ("b", 2, "same words"), ("c", 2, "other")], [1, 2], 5, ["a", "c"]),  # never twice
        ([("a", 3, "x"), ("b", 1, "y")], [1], 5, ["b", "a"]),  # a theme not in the order comes last
        ([("a", None, "x"), ("b", None, "x"), ("c", None, "y")], [None], 5, ["a", "c"]),  # one list
    ],
    ids=["none", "in turn", "order and limit", "same text", "unlisted theme", "one list"],
)
def test_spread(found: list[tuple[str, Any, str]], order: list[Any], limit: int, expected: list[str]) -> None:
    from feedback.serve.queries import spread

    rows = [{"id": i, "theme_id": t, "title": None, "text": text} for i, t, text in found]
    assert [r["id"] for r in spread(rows, order, limit)] == expected
