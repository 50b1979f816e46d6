"""What a staff member reads on the search and promise pages agrees with the theme pages: a
theme's comments are counted and found the same way everywhere, and a promise's worst examples
show the point that mentions the promise, in the order they are listed.

A small archive built here (no model) served by a real in-process Datasette.
"""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
import sqlite_utils

from feedback.insights.comments import Comment
from feedback.insights.tables import customer_rows
from tests.page_helpers import get, result_count

from .conftest import empty_archive

GROUP, REFUNDS, CARDS = 10, 1, 2
FIRST, FOLLOW_UP = "2026-05-08T20:57:14Z", "2026-05-10T00:10:02Z"
MAIL = [Comment(id=i, source="support-email", channel="email", received_at=at, week=None, customer="c_mail",
                scale=None, band=None, sentiment=-0.6) for i, at in (("e1", FIRST), ("e2", FOLLOW_UP))]
THREADS = [{"thread_id": "t1", "customer": "c_mail", "customer_messages": 2, "responses": 1, "answered": 1,
            "first_customer_message_at": FIRST, "first_response_at": "2026-05-09T21:50:13Z"}]
ANSWERS = [{"feedback_id": "e1", "thread_id": "t1", "answered": 1}, {"feedback_id": "e2", "thread_id": "t1", "answered": 0}]


def comment(i: int, text: str, sentiment: float = -0.5) -> dict[str, Any]:
    return {"id": f"f{i}", "source": "checkout-nps", "channel": "survey", "received_at": f"2026-07-{i + 1:02d}T10:00:00",
            "month": "2026-07", "text": text, "sentiment": sentiment, "language": "en"}


@pytest.fixture(scope="module")
def ds(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from datasette.app import Datasette

    path = empty_archive(tmp_path_factory.mktemp("review3"))
    db = sqlite_utils.Database(path)
    base = {"level": 0, "is_new": 0, "first_seen": "2026-07-01T00:00:00Z", "last_seen": "2026-07-20T00:00:00Z"}
    db["themes"].insert_all([
        {**base, "id": GROUP, "label": "Checkout and refund problems", "parent_id": None, "level": 1,
         "comments": 7, "size": 9, "sentiment": -0.5},
        {**base, "id": REFUNDS, "label": "Refund delays", "parent_id": GROUP, "comments": 5, "size": 5, "sentiment": -0.5},
        {**base, "id": CARDS, "label": "Card declined", "parent_id": GROUP, "comments": 4, "size": 4, "sentiment": -0.5},
    ], alter=True)
    # every text says "order"; f3 and f4 make a point on each theme, the refund one scoring higher
    texts = ["My order refund is late", "Order refund still missing", "Where is my order money",
             "Order refund late and the card was declined", "Card declined on my order, refund slow",
             "Order card declined", "Card declined again on the order"]
    db["feedback"].insert_all([comment(i, t) for i, t in enumerate(texts)]
                              + [comment(20 + i, f"Order arrived fine {i}", 0.4) for i in range(2)]
                              + [{**comment(0, f"Parking was easy {i}", 0.3), "id": f"p{i}"} for i in range(205)], alter=True)
    db["feedback"].rebuild_fts()
    db["feedback_themes"].insert_all(
        [{"feedback_id": f"f{i}", "theme_id": REFUNDS, "score": 0.9} for i in range(5)]
        + [{"feedback_id": f"f{i}", "theme_id": CARDS, "score": 0.8} for i in (3, 4, 5, 6)])
    # a promise mentioned by three complaints: the mildest comment holds the sharpest point
    db["promises"].insert({"id": 1, "promise": "Refunds are paid back quickly", "area": "payments", "threshold": 0.5,
                           "comments": 3, "negative": 3, "share": 0.3, "negative_share": 1.0, "sentiment": -0.6,
                           "last_4_weeks": 0, "previous_12_weeks": 3, "status": "broken", "trend": "stable",
                           "q_value": 1.0}, alter=True)
    db["segments"].insert_all([
        {"id": "s0", "feedback_id": "f0", "seq": 1, "text": "My order refund is late", "sentiment": -0.5},
        {"id": "s1", "feedback_id": "f1", "seq": 1, "text": "Order refund still missing", "sentiment": -0.7},
        {"id": "s3", "feedback_id": "f3", "seq": 1, "text": "Order refund late", "sentiment": -0.9},
    ], alter=True)
    db["promise_mentions"].insert_all([
        {"id": f"m{f}", "promise_id": 1, "feedback_id": f"f{f}", "segment_id": f"s{f}", "similarity": 0.7,
         "sentiment": s, "negative": 1} for f, s in ((0, -0.5), (1, -0.7), (3, -0.9))], alter=True)
    db["theme_trends"].insert_all([
        {"window": "1 week", "theme_id": CARDS, "level": 0, "since": "2026-07-20", "baseline_since": "2026-04-27",
         "recent": 19, "baseline": 46, "recent_share": 0.2043, "baseline_share": 0.06845, "ratio": 2.985,
         "p_value": 0.0002, "q_value": 0.0428, "trend": "emerging"},
        {"window": "4 weeks", "theme_id": CARDS, "level": 0, "since": "2026-06-29", "baseline_since": "2026-04-06",
         "recent": 4, "baseline": 17, "recent_share": 0.01316, "baseline_share": 0.0227, "ratio": 0.58,
         "p_value": 0.47, "q_value": 1.0, "trend": "stable"}], alter=True)
    # an e-mail answered the next day, and the customer's follow-up the day after, never answered
    db["customers"].insert_all(customer_rows(MAIL, THREADS, ANSWERS), alter=True)
    db["email_threads"].insert_all(THREADS, alter=True)
    db.execute("update archive_info set feedback = (select count(*) from feedback)")
    db.conn.commit()
    db.conn.close()
    return Datasette([str(path)])


def theme_facet(page: str) -> dict[str, int]:
    aside = page.split('class="fb-facets"')[1].split("</aside>")[0]
    items = aside.split("<h3>theme</h3><ul>")[1].split("</ul>")[0]
    return {html.unescape(re.sub(r"<[^>]+>", "", v)).strip(): int(n)
            for v, n in re.findall(r'<li[^>]*>(.*?)<span class="n">(\d+)</span>', items, flags=re.S)}


@pytest.mark.parametrize(("search", "count"), [
    # a group's listing: its theme facet counted each comment by its main theme alone (Card declined 2)
    (f"theme={GROUP}", "7 comments in this theme"),
    # exact words: the theme filter kept only comments whose main theme it was (2 of Card declined's 4)
    ("q=order&mode=keyword", "9 comments with these words"),
    (f"q=order&mode=keyword&theme={GROUP}", "7 comments with these words"),
    # words and meaning (no vectors here: by words alone), its facet by main theme too
    ("q=order", "9 comments found"),
])
async def test_the_theme_facet_counts_every_comment_of_a_theme_as_its_page_does(ds: Any, search: str,
                                                                                 count: str) -> None:
    """The theme page says Card declined has 4 comments; the search page's theme facet said 2 (f3
    and f4 have a point on each theme, and counted for their main one alone), and a click on it
    listed 4 comments (or, searching by exact words, 2)."""
    page = await get(ds, f"/-/feedback/search?{search}")
    assert result_count(page).startswith(count)
    assert theme_facet(page) == {"Refund delays": 5, "Card declined": 4}
    assert "A comment with points on two themes counts in each." in page


@pytest.mark.parametrize("search", ["", "q=order&mode=keyword&", "q=order&"])
async def test_a_theme_filter_finds_every_comment_of_the_theme(ds: Any, search: str) -> None:
    page = await get(ds, f"/-/feedback/search?{search}theme={CARDS}")
    listed = re.findall(r'href="/-/feedback/comments/([^"]+)" class="fb-open"', page)
    assert sorted(listed) == ["f3", "f4", "f5", "f6"]  # words and meaning: best match first, so by set
    assert theme_facet(page) == {"Card declined": 4, "Refund delays": 2}


async def test_a_promises_worst_examples_show_the_point_that_mentions_it_in_their_order(ds: Any) -> None:
    """Listed by the point's sentiment (-0.9, -0.7, -0.5), the examples showed the comments' own
    (-0.5, -0.5, -0.5 here; -0.35, -0.38, -0.36, -0.35, -0.69 on the sample archive), so the
    order read as none, and nothing said which words matched the promise."""
    page = await get(ds, "/-/feedback/promises")
    points = re.findall(r'<p class="fb-meta fb-passage">the point: “(.*?)” · sentiment <span class="(\w+)">(.*?)</span>',
                        page)
    assert points == [("Order refund late", "neg", "-0.90"), ("Order refund still missing", "neg", "-0.70"),
                      ("My order refund is late", "neg", "-0.50")]
    assert "the most negative point first" in page


async def test_a_search_that_stops_at_its_limit_says_more_may_match(ds: Any) -> None:
    """Words and meaning rank at most 200 comments each: "200 comments found" read as a count
    when 205 comments say "parking" (the sample archive's "my money never came back", by meaning:
    "200 comments found", the 200 closest of 2,014)."""
    page = await get(ds, "/-/feedback/search?q=parking")
    assert re.sub(r"<[^>]+>", "", result_count(page)).startswith("200 comments found (the best 200 by words; more may match: exact words"
                                         " counts every comment with them), 1–50 shown")
    exact = await get(ds, "/-/feedback/search?q=parking&mode=keyword")
    assert result_count(exact).startswith("205 comments with these words")
    assert 'id="capped"' not in await get(ds, "/-/feedback/search?q=order")  # 9 found: every one


async def test_words_and_meaning_rank_a_comment_of_two_sub_themes_once(ds: Any) -> None:
    """With a group chosen, the words ranking listed a comment once per sub-theme of the group it
    has a point on (SQLite 3.51 and an ``exists`` filter): f3 and f4 came twice, their fused score
    doubled, and went first. On the sample archive, "refund" in "Checkout and refund problems"
    ranked 111 rows for 90 comments."""
    db = sqlite_utils.Database(ds.databases["archive"].path)
    by_words = [r[0] for r in db.execute(
        "select f.id from feedback_fts join feedback f on f.rowid = feedback_fts.rowid"
        " where feedback_fts match 'order' and f.id like 'f%' and f.id not in ('f20', 'f21') order by rank")]
    page = await get(ds, f"/-/feedback/search?q=order&theme={GROUP}")
    assert re.findall(r'href="/-/feedback/comments/([^"]+)" class="fb-open"', page) == by_words


def test_a_follow_up_after_our_answer_waits_for_an_answer_too() -> None:
    """"Had to chase my refund 3 times" came the day after our answer and was never answered: the
    thread counted as answered, so the customer was neither waiting nor at risk (7 such e-mails on
    the sample archive). The wait runs from the unanswered follow-up."""
    row = customer_rows(MAIL, THREADS, ANSWERS)[0]
    assert (row["unanswered_threads"], row["oldest_unanswered_at"]) == (1, FOLLOW_UP)
    # the follow-up answered too: no wait; a thread never answered waits from its first message
    assert customer_rows(MAIL, THREADS, [{**a, "answered": 1} for a in ANSWERS])[0]["oldest_unanswered_at"] is None
    row = customer_rows(MAIL, [{**THREADS[0], "answered": 0}], [{**a, "answered": 0} for a in ANSWERS])[0]
    assert (row["unanswered_threads"], row["oldest_unanswered_at"]) == (1, FIRST)


async def test_the_customers_page_lists_a_customer_whose_follow_up_is_unanswered(ds: Any) -> None:
    page = await get(ds, "/-/feedback/customers?days=2")
    waiting = page.split('id="waiting"')[1].split("</table>")[0]
    assert re.findall(r'customers/(c_\w+)">c_\w+</a></td><td>([^<]*)</td><td class="num">(\d+)</td>', waiting) == [
        ("c_mail", "2026-05-10 00:10", "1")]
    at_risk = page.split('id="at-risk"')[1].split("</table>")[0]
    assert re.search(r'customers/c_mail">c_mail</a></td><td>no answer for \d+ days</td>', at_risk)


async def test_a_themes_trend_gives_the_shares_it_compares(ds: Any) -> None:
    """"Last week: 19 comments against 46 in the 12 weeks before: rising" read as fewer comments
    called a rise (App crashed, sample archive): the test compares shares of all comments."""
    page = html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", await get(ds, f"/-/feedback/themes/{CARDS}")))).replace("\xa0", " ")
    assert ("Last week: 19 comments (20.4 % of all) against 46 in the 12 weeks before (6.8 %): rising"
            " (unlikely to be chance) q 0.043.") in page
    assert "Last 4 weeks: 4 comments (1.3 % of all) against 17 in the 12 weeks before (2.3 %): no real change" in page
