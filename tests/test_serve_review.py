"""What a staff member reads across the pages agrees with itself: a theme's figures link to as
many comments as they count (a group's too), a rating says what scale it is on, a promise area
counts each comment once, every customer at risk can be reached.

A small archive built here (no model) served by a real in-process Datasette.
"""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
import sqlite_utils

from tests.page_helpers import get, listed, result_count

from .conftest import empty_archive

GROUP, REFUNDS, CARDS = 10, 1, 2
RATINGS = [("5", "nps", "low"), ("5", "stars", "high"), ("Very satisfied", "csat", "high"), ("2", "1-5", "low"),
           ("★★★★☆", "stars", "high")]


def comment(i: int, text: str, source: str = "checkout-nps", **more: Any) -> dict[str, Any]:
    return {"id": f"f{i}", "source": source, "channel": "survey", "received_at": f"2026-07-{i + 1:02d}T10:00:00",
            "month": "2026-07", "text": text, "sentiment": -0.5, **more}


@pytest.fixture(scope="module")
def ds(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from datasette.app import Datasette

    path = empty_archive(tmp_path_factory.mktemp("review"))
    db = sqlite_utils.Database(path)
    base = {"level": 0, "is_new": 0, "first_seen": "2026-07-01T00:00:00Z", "last_seen": "2026-07-20T00:00:00Z"}
    db["themes"].insert_all([
        {**base, "id": GROUP, "label": "Checkout and refund problems", "parent_id": None, "level": 1,
         "comments": 7, "size": 8, "sentiment": -0.5},
        {**base, "id": REFUNDS, "label": "Refund delays", "parent_id": GROUP, "comments": 5, "size": 5, "sentiment": -0.5},
        {**base, "id": CARDS, "label": "Card declined", "parent_id": GROUP, "comments": 3, "size": 3, "sentiment": -0.5},
    ], alter=True)
    # texts that never name the theme's label: a search for the label's words finds none of them
    texts = ["Still waiting for my money", "Weeks and nothing back", "Where is my money",
             "Paid twice, got nothing", "The bank says you kept it", "Machine said no", "Declined again"]
    rows = [comment(i, t, source="checkout-nps" if i < 5 else "store-visit") for i, t in enumerate(texts)]
    for row, (raw, scale, band) in zip(rows, RATINGS, strict=False):
        row.update(rating_raw=raw, rating_scale=scale, rating_band=band)
    rows += [comment(20 + i, f"Unrelated remark {i}") for i in range(3)]
    rows[6].update(text="Carte refusée encore", language="fr", sentiment=None)
    db["feedback"].insert_all(rows, alter=True)
    db["feedback"].rebuild_fts()
    db["feedback_themes"].insert_all(
        [{"feedback_id": f"f{i}", "theme_id": REFUNDS, "score": 0.9} for i in range(5)]
        + [{"feedback_id": f"f{i}", "theme_id": CARDS, "score": 0.8} for i in (4, 5, 6)])
    db["theme_sources"].insert_all([
        {"theme_id": GROUP, "channel": "survey", "source": "checkout-nps", "comments": 5, "negative": 5, "sentiment": -0.5},
        {"theme_id": GROUP, "channel": "survey", "source": "store-visit", "comments": 2, "negative": 2, "sentiment": -0.5},
        {"theme_id": CARDS, "channel": "survey", "source": "store-visit", "comments": 2, "negative": 2, "sentiment": -0.5},
    ], alter=True)
    # 205 customers at risk: silent since a complaint, longest silent last (and c_mail, unanswered, below)
    db["customers"].insert_all([
        {"customer": f"c_{i:04d}", "comments": 2, "negative": 1, "said_since_last_negative": 0,
         "last_negative_at": f"2020-{1 + i // 28:02d}-{1 + i % 28:02d}T10:00:00", "oldest_unanswered_at": None,
         "usual_gap_days": 1.0, "channels": '["survey"]', "sentiment": -0.4} for i in range(205)])
    db["customers"].insert({"customer": "c_mail", "comments": 1, "negative": 1, "said_since_last_negative": 0,
                            "last_negative_at": "2026-07-01T10:00:00", "oldest_unanswered_at": "2026-04-05T05:11:00",
                            "unanswered_threads": 1, "email_threads": 1, "channels": '["email"]', "sentiment": None, "first_at": "2026-04-05T05:11:00",
                            "last_at": "2026-04-05T05:11:00"}, alter=True)
    db["email_threads"].insert({"thread_id": "t1", "customer": "c_mail", "answered": 0, "customer_messages": 1,
                                "responses": 0, "first_customer_message_at": "2026-04-05T05:11:00"}, alter=True)
    db["feedback"].insert(comment(30, "Il manquait deux articles", customer="c_mail", channel="email",
                                  source="support-email", language="fr", sentiment=None), alter=True)
    # comments in other languages: no text score; one a complaint by its low rating
    db["themes"].insert({**base, "id": 19, "label": "Non-English comments", "parent_id": None, "comments": 2, "size": 2})
    db["feedback"].insert_all([
        comment(40, "Livraison en retard, encore", language="fr", sentiment=None, rating=0.25, rating_raw="2",
                rating_scale="stars", rating_band="low"),
        comment(41, "Sehr gut", language="de", sentiment=None)], alter=True)
    db["feedback_themes"].insert_all([{"feedback_id": f"f{i}", "theme_id": 19, "score": 0.9} for i in (40, 41)])
    db["weekly_volume"].insert_all([{"week": w, "channel": "survey", "source": "checkout-nps", "comments": 3,
                                     "negative": 3} for w in ("2026-06-29", "2026-07-27")], alter=True)
    # the group's drivers, and one of its two sub-themes' (Card declined: too few responses for a row)
    db["score_drivers"].insert_all([
        {"source": "checkout-nps", "score_name": "NPS", "level": level, "rank": rank, "theme_id": theme, "responses": 200,
         "theme_responses": n, "score": -10.0, "score_with_theme": -40.0, "score_without_theme": -5.0,
         "points": 2.0, "points_low": 1.0, "points_high": 3.0}
        for rank, (theme, level, n) in enumerate([(GROUP, 1, 40), (REFUNDS, 0, 30)], start=1)], alter=True)
    # "the delivery came 2 hours late" mentions both delivery promises: one comment, not two
    promise = {"threshold": 0.5, "share": 0.1, "negative_share": 1.0, "sentiment": -0.5, "last_4_weeks": 0,
               "previous_12_weeks": 2, "status": "broken", "trend": "stable", "q_value": 1.0}
    db["promises"].insert_all([
        {**promise, "id": 1, "promise": "Delivered within 2 days", "area": "delivery", "comments": 2, "negative": 2},
        {**promise, "id": 2, "promise": "Delivered in your slot", "area": "delivery", "comments": 3, "negative": 3,
         "last_4_weeks": 3, "previous_12_weeks": 0, "trend": "emerging", "q_value": 0.01},
        {**promise, "id": 3, "promise": "Refunds paid quickly", "area": None, "comments": 1, "negative": 1},
        {**promise, "id": 4, "promise": "Free parking", "area": "stores", "comments": 0, "negative": 0, "share": 0.0,
         "status": "silent"}],
        alter=True)
    db["promise_mentions"].insert_all([
        {"id": f"m{p}-{f}", "promise_id": p, "feedback_id": f"f{f}", "negative": 1, "sentiment": -0.5}
        for p, f in ((1, 0), (1, 1), (2, 0), (2, 1), (2, 2), (3, 3))], alter=True)
    db.execute("update archive_info set feedback = (select count(*) from feedback)")
    db.conn.commit()
    db.conn.close()
    return Datasette([str(path)])


@pytest.mark.parametrize("theme", [GROUP, CARDS])
async def test_a_themes_figures_by_source_link_to_as_many_comments_as_they_count(ds: Any, theme: int) -> None:
    """The theme page's "By channel and source" counted 206 comments of a group from checkout-nps
    and linked to a search for the group's label that found 151 (6 and 0 for the comments in other
    languages): the link lists the theme's comments of that source, every one."""
    page = await get(ds, f"/-/feedback/themes/{theme}")
    table = page.split('id="by-source"')[1].split("</table>")[0]
    links = re.findall(r'<a href="([^"]+)">([\w-]+)</a></td><td class="num">(\d+)</td>', table)
    assert links
    for href, source, count in links:
        shown = await get(ds, html.unescape(href))
        assert result_count(shown).startswith(f"{count} comment{'' if count == '1' else 's'} in this theme")
        assert len(listed(shown)) == int(count)
        assert f"source: {source} <a" in shown  # the source the row names, as a filter


async def test_all_comments_of_a_group_are_listed_not_an_empty_table(ds: Any) -> None:
    """A group has no rows of its own in feedback_themes: its "All comments of this theme" link
    opened an empty table. It lists the comments of its sub-themes, newest first, each once."""
    page = await get(ds, f"/-/feedback/themes/{GROUP}")
    href = re.search(r'<a href="([^"]+)" id="all-comments">All 7 comments of this theme</a>', page)
    assert href, page[-1500:]
    shown = await get(ds, html.unescape(href.group(1)))
    assert result_count(shown).startswith("7 comments in this theme, newest first")
    assert listed(shown) == [f"f{i}" for i in range(6, -1, -1)]
    facets = shown.split('class="fb-facets"')[1].split("</aside>")[0]
    assert "Refund delays</a> <span class=\"n\">5</span>" in facets  # each comment in each of its themes
    assert "Card declined</a> <span class=\"n\">3</span>" in facets  # f4 too (its main theme: Refund delays)
    export = await ds.client.get(f"/-/feedback/search.json?theme={GROUP}&source=store-visit")
    assert export.status_code == 200 and export.json()["total"] == 2


async def test_a_theme_listing_with_filters_that_exclude_everything_says_so(ds: Any) -> None:
    shown = await get(ds, f"/-/feedback/search?theme={CARDS}&source=web-form")
    assert result_count(shown).startswith("0 comments in this theme with these filters")
    assert "No comment of this theme passes these filters" in shown
    # no theme and no words: still the hint, and an export still needs one of them
    assert 'id="result-count"' not in await get(ds, "/-/feedback/search?source=web-form")
    assert (await ds.client.get("/-/feedback/search.json?source=web-form")).status_code == 400


@pytest.mark.parametrize(("raw", "scale", "shown"), [
    ("5", "nps", "5 of 10"), ("5", "stars", "5 of 5"), ("2", "csat", "2 of 5"), ("3", "likert5", "3 of 5"),
    ("2", "1-5", "2 of 5"), ("8", "0-10", "8 of 10"), ("4.5", "1-5", "4.5 of 5"),
    ("Very satisfied", "csat", "Very satisfied"), ("★★★★☆", "stars", "★★★★☆"), ("4 stars", "stars", "4 stars"),
    ("4/5", "csat", "4/5"), ("10 - Extremely likely", "nps", "10 - Extremely likely"),
    ("7", "custom", "7 (custom scale)"), ("7", None, "7"), (" 6 ", "nps", "6 of 10"),
])
def test_rating_text(raw: str, scale: str | None, shown: str) -> None:
    from feedback.serve.pages import rating_text

    assert rating_text(raw, scale) == shown


async def test_a_rating_says_the_top_of_its_scale_wherever_a_comment_is_listed(ds: Any) -> None:
    """"rated 5 · a complaint by its rating" read as a contradiction: that 5 is out of 10 (an NPS
    detractor). A bare number says its scale's top; an answer in words or stars is as given."""
    expected = ["rated 5 of 10", "rated 5 of 5", "rated Very satisfied", "rated 2 of 5", "rated ★★★★☆"]
    theme = html.unescape(await get(ds, f"/-/feedback/themes/{REFUNDS}"))
    search = html.unescape(await get(ds, f"/-/feedback/search?theme={REFUNDS}"))
    for page in (theme, search):
        assert sorted(set(re.findall(r"rated [^·<]+?(?=\s*[·<])", page))) == sorted(expected)
    nps = html.unescape(await get(ds, "/-/feedback/comments/f0"))
    assert "<td>5 of 10 (NPS): low</td>" in nps


async def test_a_promise_area_counts_each_comment_once(ds: Any) -> None:
    """The sample archive's delivery area said 135 comments mentioning its promises (17 + 118) where
    124 comments did: a late delivery mentions both. And the promises' trend reads as the other
    pages' ("no real change", "new"), not the stored "stable" / "emerging"."""
    page = await get(ds, "/-/feedback/promises")
    areas = page.split('id="areas"')[1].split("</table>")[0]
    rows = re.findall(r"<tr[^>]*><td>([^<]+)</td><td class=\"num\">(\d+)</td><td class=\"num\">(\d+)</td>", areas)
    assert rows == [("stores", "1", "0"), ("(no area)", "1", "1"), ("delivery", "2", "3")]
    table = page.split('id="promises"')[1].split("</table>")[0]
    words = re.sub(r"<[^>]+>", " ", table)
    assert "stable" not in words and "emerging" not in words
    assert words.count("no real change") == 3 and "new  (unlikely to be chance)" in words
    assert "after correcting for the promises tested" in table


def at_risk(page: str) -> list[str]:
    return re.findall(r'<td><a href="/-/feedback/customers/(c_\w+)">', page.split('id="at-risk"')[1].split("</table>")[0])


async def test_every_customer_at_risk_can_be_reached_a_hundred_at_a_time(ds: Any) -> None:
    """"Customers at risk (230: the first 100 shown)" and no way to the other 130: the list pages."""
    first = await get(ds, "/-/feedback/customers")
    assert "Customers at risk (206: the first 100 shown)" in first
    seen, page = at_risk(first), first
    link = re.search(r'<a href="([^"]+)" rel="next" id="at-risk-next">', first)
    while link:
        page = await get(ds, "/-/feedback/customers" + html.unescape(link.group(1)))
        seen += at_risk(page)
        link = re.search(r'<a href="([^"]+)" rel="next" id="at-risk-next">', page)
    assert "Customers at risk (206: 201–206 shown)" in page and "page 3 of 3" in page
    assert 'id="at-risk-previous"' in page and "days=2&amp;silence=30&amp;page=2" in page
    assert sorted(seen) == [f"c_{i:04d}" for i in range(205)] + ["c_mail"] and len(seen) == 206
    past = await get(ds, "/-/feedback/customers?page=9")
    assert "Customers at risk (206: none shown)" in past and "Page 9 is past the last page (3)" in past
    assert (await ds.client.get("/-/feedback/customers?page=x")).status_code == 400


async def test_a_comment_not_scored_says_why_wherever_it_is_listed(ds: Any) -> None:
    """A theme page and the search listed a French comment as "text not scored" without the
    reason the customer's page gives (its language)."""
    for path in (f"/-/feedback/themes/{CARDS}", f"/-/feedback/search?theme={CARDS}"):
        page = await get(ds, path)
        assert "text not scored (French: sentiment reads English only)" in page, path


async def test_a_customer_with_one_of_everything_reads_in_the_singular_and_dates_read_as_dates(ds: Any) -> None:
    """"1 comments on email ... 1 complaints; mean sentiment –. ... 1 e-mail conversation(s)
    unanswered since 2026-04-05T05:11"."""
    page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", await get(ds, "/-/feedback/customers/c_mail")))
    assert "1 comment on email from 2026-04-05 to 2026-04-05; 1 complaint; no sentiment score." in page
    assert "1 e-mail conversation unanswered since 2026-04-05 05:11." in page
    assert "T05:11" not in page
    waiting = (await get(ds, "/-/feedback/customers")).split('id="waiting"')[1].split("</table>")[0]
    assert "<td>2026-04-05 05:11</td>" in waiting


async def test_the_overview_says_when_the_archive_was_built_as_a_date_and_time(ds: Any) -> None:
    page = await get(ds, "/-/feedback")
    assert re.search(r"archive built \d{4}-\d\d-\d\d \d\d:\d\d UTC\.", page), page[:3000]


async def test_the_overview_says_whether_the_sentiment_is_tuned_to_the_companys_ratings(ds: Any) -> None:
    path = ds.databases["archive"].path
    archive = sqlite_utils.Database(path)
    assert 'id="sentiment-tuning"' not in await get(ds, "/-/feedback")  # no calibration yet: nothing said
    archive["sentiment_calibration"].insert({
        "head": "h", "fitted_at": "2026-12-03T10:00:00Z", "applied": 1, "fitted_on": 1514, "checked_on": 351,
        "spearman_shipped": 0.604, "spearman_calibrated": 0.682, "binary_f1_shipped": 0.703,
        "binary_f1_calibrated": 0.791, "plain_sentences_shipped": 0.844, "plain_sentences_calibrated": 0.825})
    try:
        note = re.sub(r"<[^>]+>", "", (await get(ds, "/-/feedback")).split('id="sentiment-tuning">')[1].split("</p>")[0])
        assert note == ("Sentiment tuned to your customers' own ratings (1514 rated comments): on 351 others it follows"
                        " their ratings at 0.68 (rank correlation; 0.60 untuned). How it was checked.")
        archive.execute("update sentiment_calibration set applied = 0")
        archive.conn.commit()
        note = re.sub(r"<[^>]+>", "", (await get(ds, "/-/feedback")).split('id="sentiment-tuning">')[1].split("</p>")[0])
        assert note.startswith("Sentiment from the shipped model:") and "not used" in note
    finally:
        archive["sentiment_calibration"].drop()


async def test_the_at_risk_rule_names_every_reason_a_customer_is_listed_for(ds: Any) -> None:
    """The rule above the list spoke of "negative feedback" only: a customer listed for a low rating,
    or for an e-mail nothing could score, was not explained by it."""
    page = await get(ds, "/-/feedback/customers")
    rule = re.sub(r"<[^>]+>", "", page.split('id="at-risk-rule">')[1].split("</form>")[0])
    assert "a low rating" in rule and "nothing can score" in rule


async def test_a_groups_page_says_why_its_sub_themes_add_up_to_more_than_it(ds: Any) -> None:
    """App crashed: 82 comments, its sub-themes 38 + 18 + 16 + 14 = 86; a staff member reads a
    wrong total unless told. Here f4 is in both sub-themes: 5 + 3 = 8 against the group's 7."""
    page = re.sub(r"<[^>]+>", "", await get(ds, f"/-/feedback/themes/{GROUP}"))
    assert "Their comments add up to 8, more than the group's 7" in page
    assert 'id="overlap-note"' not in await get(ds, f"/-/feedback/themes/{CARDS}")


async def test_a_promise_nobody_mentions_links_to_no_empty_table(ds: Any) -> None:
    page = await get(ds, "/-/feedback/promises")
    silent = page.split('id="promise-4"')[1].split("<h2")[0]
    assert "0 comments (0.0 % of all), 0 complaints." in silent and "promise_mentions" not in silent
    refunds = page.split('id="promise-3"')[1].split("<h2")[0]
    assert "1 comment (10.0 % of all), 1 complaint." in refunds and "/-/feedback/search?promise=3" in refunds


async def test_all_mentions_of_a_promise_list_its_comments_not_a_table_of_ids(ds: Any) -> None:
    """"All mentions" opened the promise_mentions table: ids, no words. It lists the comments that
    mention the promise as a theme's are listed, named by the promise's words, and keeps the
    promise while words are searched among them (the exact-words index knows no promises)."""
    page = await get(ds, "/-/feedback/promises")
    href = re.search(r'<a href="([^"]+)">All mentions</a>', page.split('id="promise-2"')[1].split("<h2")[0])
    assert href
    shown = await get(ds, html.unescape(href.group(1)))
    assert result_count(shown).startswith("3 comments mentioning this promise, newest first")
    assert listed(shown) == ["f2", "f1", "f0"]
    assert "promise: Delivered in your slot <a" in shown
    assert '<input type="hidden" name="promise" value="2">' in shown
    words = await get(ds, "/-/feedback/search?q=money&mode=keyword&promise=2")
    assert listed(words) == ["f2", "f0"]  # "Where is my money", "Still waiting for my money"; not f1
    narrowed = await get(ds, "/-/feedback/search?promise=1&source=store-visit")
    assert "No comment mentioning this promise passes these filters" in narrowed
    export = await ds.client.get("/-/feedback/search.json?promise=3")
    assert export.status_code == 200 and [r["id"] for r in export.json()["rows"]] == ["f3"]
    bad = await ds.client.get("/-/feedback/search?promise=slot")
    assert bad.status_code == 400 and "promise must be a promise number" in bad.text


async def test_a_groups_drill_down_counts_its_sub_themes_as_the_themes_page_does(ds: Any) -> None:
    """Drivers said "Checkout and refund problems: 28 sub-themes" where the themes page says 38:
    the other 10 have no figure for the source. It says "28 of its 38" and why."""
    page = await get(ds, "/-/feedback/drivers")
    table = page.split('id="drivers-1"')[1].split("</table>")[0]
    assert f'href="#sub-1-{GROUP}" title="Open its sub-themes below">1 of 2</a>' in table
    drill = page.split(f'id="sub-1-{GROUP}"')[1].split("</details>")[0]
    words = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", drill))
    assert "Checkout and refund problems: 1 of its 2 sub-themes, 1 ranked" in words
    assert "The other one is raised by too few of these responses (or none) to be figured." in words


async def test_a_theme_shows_its_complaints_by_rating_when_its_texts_have_no_score(ds: Any) -> None:
    """Non-English comments counted 4 complaints (by their low ratings) and showed no "Strongest
    complaints": only a negative text score was looked for."""
    page = await get(ds, "/-/feedback/themes/19")
    assert "<h2>Strongest complaints</h2>" in page
    # f40 is among the representative comments, marked there: not repeated (pages4)
    strongest = page.split("<h2>Strongest complaints</h2>")[1].split("</ul>")[0]
    assert listed(strongest) == [] and "Its one complaint is among the representative comments above." in strongest
    representative = page.split("<h2>Most representative comments</h2>")[1].split("</ul>")[0]
    f40 = representative.split('comments/f40"')[1].split("</li>")[0]
    assert "a complaint by its rating" in f40
    # a theme with complaints by their text
    group = (await get(ds, f"/-/feedback/themes/{GROUP}")).split("<h2>Strongest complaints</h2>")[1].split("</ul>")[0]
    # (its five are all among the representative comments: not repeated, pages4)
    assert listed(group) == [] and "Its complaints are all among the representative comments above." in group


async def test_what_changed_says_its_week_is_the_last_with_comments_not_this_one(ds: Any, tmp_path: Any) -> None:
    """"What changed this week" showed the week of 9 November on 2 December without a word (and
    "Week of None" for an archive without comments)."""
    from datasette.app import Datasette

    nothing = Datasette([str(empty_archive(tmp_path))])
    empty = await nothing.client.get("/-/feedback/trends")
    assert empty.status_code == 200 and '<h2 id="last-week">No comments yet</h2>' in empty.text
    assert "None" not in re.sub(r"<[^>]+>", "", empty.text)
    # and the overview and the themes say why they are empty
    assert 'id="no-comments"' in (await nothing.client.get("/-/feedback")).text
    assert 'id="no-themes"' in (await nothing.client.get("/-/feedback/themes")).text
    assert 'id="no-comments"' not in await get(ds, "/-/feedback")
    page = await get(ds, "/-/feedback/trends")
    heading = re.sub(r"<[^>]+>", "", page.split('<h2 id="last-week">')[1].split("</h2>")[0])
    assert re.fullmatch(r"Week of 2026-07-27 \(the last week with comments; the archive was built \d{4}-\d\d-\d\d\)",
                        heading), heading


async def test_a_reader_who_may_not_see_promise_mentions_cannot_narrow_a_search_to_them(ds: Any) -> None:
    from datasette.app import Datasette

    path = next(d.path for d in ds.databases.values() if not d.is_memory)
    closed = Datasette([path], metadata={"databases": {"archive": {"tables": {
        "promise_mentions": {"allow": {"id": "admin"}}}}}})
    assert (await closed.client.get("/-/feedback/search?q=money&mode=keyword")).status_code == 200
    for url in ("/-/feedback/search?promise=2", "/-/feedback/search.json?q=money&promise=2"):
        assert (await closed.client.get(url)).status_code == 403, url
