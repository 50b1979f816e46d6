"""A comment whose text has no sentiment score (a language the sentiment model does not read)
but a low rating is a complaint by its rating: it counts in its customer's complaints and last
complaint (so "at risk" sees them) and in the complaint counts, never in a sentiment mean. The
text is asked first; a stored rating that is no rating on 0-1 makes no complaint and no crash.
A full and an incremental publish agree, and the pages say why.
"""

from __future__ import annotations

import math
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from jinja2 import Environment, FileSystemLoader

from feedback.config import Config
from feedback.insights.comments import band_of, comments
from feedback.insights.stats import complaint_by
from feedback.insights.tables import customer_rows
from feedback.pipeline import archive_extensions
from feedback.publish import publish
from feedback.ratings import rating_band
from feedback.warehouse import now_iso, open_warehouse

from .test_publish_incremental import archive_digest

TEMPLATES = Path(__file__).parent.parent / "feedback" / "serve" / "templates"

# (item, customer, received_at, language, text sentiment, stored rating, scale, raw answer)
COMMENTS: list[tuple[str, str, str, str, float | None, Any, str | None, str | None]] = [
    # a French customer: an English remark, then a French 1/5 CSAT: a complaint by its rating
    ("fr-1", "c_fr", "2026-01-05T09:00:00Z", "en", 0.0, None, None, None),
    ("fr-2", "c_fr", "2026-02-02T09:00:00Z", "fr", None, 0.0, "csat", "1"),
    # an NPS detractor (3 of 10) in German, after a German promoter (9)
    ("de-1", "c_de", "2026-01-12T09:00:00Z", "de", None, 0.9, "nps", "9"),
    ("de-2", "c_de", "2026-02-09T09:00:00Z", "de", None, 0.3, "nps", "3"),
    # French and unrated: nothing says it is a complaint
    ("un-1", "c_unrated", "2026-01-05T09:00:00Z", "en", 0.1, None, None, None),
    ("un-2", "c_unrated", "2026-02-02T09:00:00Z", "fr", None, None, None, None),
    # English: the text first. Negative words rated 5/5 are a complaint by the text; kind words
    # rated 1/5 a complaint by the rating (as always: a low rating is a complaint)
    ("en-1", "c_en", "2026-01-05T09:00:00Z", "en", 0.2, 1.0, "csat", "5"),
    ("en-2", "c_en", "2026-02-02T09:00:00Z", "en", -0.6, 1.0, "csat", "5"),
    ("en-3", "c_kind", "2026-01-05T09:00:00Z", "en", 0.2, 1.0, "csat", "5"),
    ("en-4", "c_kind", "2026-02-02T09:00:00Z", "en", 0.5, 0.0, "csat", "1"),
    # one survey response, two answers: French rated 0 of 10, English negative words: the last
    # complaint is by its text (the text is asked first), whichever id sorts last
    ("mx-b", "c_mixed", "2026-02-16T09:00:00Z", "fr", None, 0.0, "nps", "0"),
    ("mx-a", "c_mixed", "2026-02-16T09:00:00Z", "en", -0.4, 0.0, "nps", "0"),
    # stored ratings that are no rating on 0-1 (a warehouse changed by hand): no complaint, no crash
    ("odd-1", "c_odd", "2026-01-05T09:00:00Z", "fr", None, 1.7, "csat", "9"),
    ("odd-2", "c_odd", "2026-01-19T09:00:00Z", "fr", None, -0.4, "csat", "-1"),
    ("odd-3", "c_odd", "2026-02-02T09:00:00Z", "fr", None, "bof", "csat", "bof"),
]


def add(db: sqlite_utils.Database, item: str, customer: str, at: str, language: str, sentiment: float | None,
        rating: Any, scale: str | None, raw: str | None) -> None:
    db.table("items").insert({"id": item, "source": f"{scale or 'mail'}-survey", "channel": "survey",
                              "local_id": item, "received_at": at, "customer": customer, "rating": rating,
                              "rating_raw": raw, "rating_scale": scale, "text": f"<b>{item}</b> & co"})
    db.table("processed").insert({"item_id": item, "text": f"<b>{item}</b> & co", "text_hash": item,
                                  "language": language, "sentiment": sentiment})


def build(path: Path, rows: list[tuple[Any, ...]] = COMMENTS) -> sqlite_utils.Database:
    db = open_warehouse(path)
    for row in rows:
        add(db, *row)
    db.conn.commit()
    return db


@pytest.mark.parametrize(
    ("sentiment", "band", "expected"),
    [(None, "low", "rating"),  # text not scored, rated low
     (None, "medium", None), (None, "high", None), (None, None, None),  # unrated: cannot tell, no complaint
     (-0.05, "high", "text"), (-0.6, "low", "text"),  # the text is asked first
     (-0.0499, "low", "rating"), (0.5, "low", "rating"),  # text not negative, rating low
     (0.5, "high", None), (-0.0499, None, None)],
)
def test_what_makes_a_complaint(sentiment: float | None, band: str | None, expected: str | None) -> None:
    assert complaint_by(sentiment, band) == expected
    # the pages' macro says the same
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True)
    macro = env.from_string('{% import "_feedback_macros.html" as m %}{{ m.complaint_by(row) }}')
    assert macro.render(row={"sentiment": sentiment, "rating_band": band}) == (expected or "")
    assert macro.render(row={"sentiment": sentiment, "rating_band": band, "rating": 0.1}) == (expected or "")
    if expected == "rating":  # a published band of a stored value outside 0-1 is no complaint
        for odd in (-0.4, 1.7, "bof"):
            assert macro.render(row={"sentiment": sentiment, "rating_band": band, "rating": odd}) == ""


@pytest.mark.parametrize(
    ("rating", "scale", "band"),
    [(0.0, "csat", "low"), (0.25, "csat", "low"), (0.5, "csat", "medium"), (1.0, "csat", "high"),
     (0.6, "nps", "low"), (0.7, "nps", "medium"), (0.9, "nps", "high"), (1, "stars", "high"), (0, "nps", "low"),
     (None, "csat", None), (1.7, "csat", None), (-0.4, "csat", None), ("bof", "csat", None), ("0.1", "csat", None),
     (math.nan, "csat", None), (True, "csat", None), (b"\x00", "nps", None)],
)
def test_only_a_rating_on_0_1_has_a_band_for_complaints(rating: Any, scale: str, band: str | None) -> None:
    assert band_of(rating, scale) == band


def test_a_stored_non_number_has_no_band_and_does_not_crash() -> None:
    assert rating_band("bof", "csat") is None  # type: ignore[arg-type]
    assert rating_band(0.2, "csat") == "low"


def at_risk_rows(db: sqlite_utils.Database) -> dict[str, dict[str, Any]]:
    return {r["customer"]: r for r in customer_rows(comments(db), [])}


def test_customers_count_complaints_by_rating_without_mixing_ratings_into_sentiment(tmp_path: Path) -> None:
    rows = at_risk_rows(build(tmp_path / "warehouse.db"))
    found = {k: (r["comments"], r["negative"], r["negative_by_rating"], r["last_negative_at"], r["last_negative_by"],
                 r["sentiment"]) for k, r in rows.items()}
    assert found == {
        "c_fr": (2, 1, 1, "2026-02-02T09:00:00Z", "rating", 0.0),  # the mean is the English text's alone
        "c_de": (2, 1, 1, "2026-02-09T09:00:00Z", "rating", None),  # no text scored: no sentiment
        "c_unrated": (2, 0, 0, None, None, 0.1),
        "c_en": (2, 1, 0, "2026-02-02T09:00:00Z", "text", -0.2),
        "c_kind": (2, 1, 1, "2026-02-02T09:00:00Z", "rating", 0.35),
        "c_odd": (3, 0, 0, None, None, None),
        "c_mixed": (2, 2, 1, "2026-02-16T09:00:00Z", "text", -0.4),
    }


def publish_to(db: sqlite_utils.Database, path: Path) -> Any:
    return publish(db, path, extensions=archive_extensions(Config()))


def table(path: Path, name: str) -> list[dict[str, Any]]:
    db = sqlite3.connect(path)
    db.row_factory = sqlite3.Row
    return [dict(r) for r in db.execute(f"select * from [{name}] order by 1, 2, 3")]


def test_a_full_publish_counts_them_and_an_incremental_one_agrees(tmp_path: Path) -> None:
    db = build(tmp_path / "warehouse.db")
    archive = tmp_path / "archive.db"
    assert publish_to(db, archive).mode == "full"
    customers = {r["customer"]: r for r in table(archive, "customers")}
    assert {k: (r["negative"], r["negative_by_rating"], r["last_negative_by"]) for k, r in customers.items()} == {
        "c_fr": (1, 1, "rating"), "c_de": (1, 1, "rating"), "c_unrated": (0, 0, None), "c_en": (1, 0, "text"),
        "c_kind": (1, 1, "rating"), "c_odd": (0, 0, None), "c_mixed": (2, 1, "text")}
    # complaint counts: the week of 2026-02-02 has fr-2 (rating), en-2 (text), en-4 (rating); un-2, odd-3 none
    weeks = {(r["week"], r["source"]): (r["comments"], r["negative"], r["sentiment"])
             for r in table(archive, "weekly_volume")}
    assert weeks[("2026-02-02", "csat-survey")] == (4, 3, round((-0.6 + 0.5) / 2, 4))  # fr-2, odd-3: no score
    assert weeks[("2026-02-02", "mail-survey")] == (1, 0, None)  # un-2
    assert weeks[("2026-02-09", "nps-survey")] == (1, 1, None)  # de-2: a complaint, still no sentiment
    assert weeks[("2026-02-16", "nps-survey")] == (2, 2, -0.4)  # mx-a by its text, mx-b by its rating
    # the published sentiment stays the text's: none for the French comment rated 1/5
    assert [(r["id"], r["sentiment"], r["rating_band"]) for r in table(archive, "feedback") if r["id"] == "fr-2"] \
        == [("fr-2", None, "low")]

    # a night: the unrated customer rates 2 of 5 in French, the odd ratings are put right, the kind
    # English customer's low rating is withdrawn, and a new customer writes in Spanish, rated 0 of 10
    db.execute("update items set rating = 0.25, rating_scale = 'csat', rating_raw = '2' where id = 'un-2'")
    db.execute("update items set rating = 0.0 where id = 'odd-3'")
    db.execute("update items set rating = null, rating_raw = null where id = 'en-4'")
    add(db, "es-1", "c_es", "2026-02-10T09:00:00Z", "es", None, 0.0, "nps", "0")
    db.conn.commit()
    result = publish_to(db, archive)
    assert result.mode == "incremental", result.reason
    customers = {r["customer"]: r for r in table(archive, "customers")}
    assert {k: (r["negative"], r["negative_by_rating"], r["last_negative_by"]) for k, r in customers.items()} == {
        "c_fr": (1, 1, "rating"), "c_de": (1, 1, "rating"), "c_unrated": (1, 1, "rating"), "c_en": (1, 0, "text"),
        "c_kind": (0, 0, None), "c_odd": (1, 1, "rating"), "c_es": (1, 1, "rating"), "c_mixed": (2, 1, "text")}

    full = tmp_path / "full"
    full.mkdir()
    db.execute(f"vacuum into '{full / 'warehouse.db'}'")
    assert publish_to(open_warehouse(full / "warehouse.db"), full / "archive.db").mode == "full"
    incremental, rebuilt = archive_digest.digest(str(archive)), archive_digest.digest(str(full / "archive.db"))
    assert [t for t in incremental if incremental[t] != rebuilt.get(t)] == []
    assert incremental == rebuilt


# --- the pages, in a real Datasette ------------------------------------------------------------

def days_since(day: str) -> int:
    return int(sqlite3.connect(":memory:").execute("select round(julianday('now') - julianday(?))", [day])
               .fetchone()[0])


@pytest.fixture
def site(tmp_path: Path) -> Any:
    from datasette.app import Datasette

    db = build(tmp_path / "warehouse.db")
    publish_to(db, tmp_path / "archive.db")
    return Datasette([str(tmp_path / "archive.db")])


async def page(ds: Any, path: str) -> str:
    response = await ds.client.get(path)
    assert response.status_code == 200, path
    return str(response.text)


async def test_at_risk_lists_a_complaint_by_rating_with_its_reason(site: Any) -> None:
    html = await page(site, "/-/feedback/customers?days=2&silence=30")
    table_html = html.split('id="at-risk"', 1)[1].split("</table>", 1)[0]
    reasons = dict(re.findall(r'/-/feedback/customers/(c_\w+)">c_\w+</a></td><td>([^<]*)</td>', table_html))
    assert reasons == {
        "c_fr": f"silent for {days_since('2026-02-02T09:00:00Z')} days since a low rating",
        "c_de": f"silent for {days_since('2026-02-09T09:00:00Z')} days since a low rating",
        "c_en": f"silent for {days_since('2026-02-02T09:00:00Z')} days since a complaint",
        "c_kind": f"silent for {days_since('2026-02-02T09:00:00Z')} days since a low rating",
        "c_mixed": f"silent for {days_since('2026-02-16T09:00:00Z')} days since a complaint",
    }  # not c_unrated (no rating, text not scored), not c_odd (no rating on 0-1)


async def test_a_comment_page_says_its_text_was_not_scored_and_what_its_rating_says(site: Any) -> None:
    html = await page(site, "/-/feedback/comments/fr-2")
    sentiment = re.search(r'id="comment-sentiment">(.*?)</td>', html).group(1)  # type: ignore[union-attr]
    assert re.sub(r"<[^>]+>", "", sentiment) == "text not scored (French: sentiment reads English only)"
    complaint = re.search(r'id="comment-complaint">(.*?)</td>', html).group(1)  # type: ignore[union-attr]
    assert re.sub(r"<[^>]+>", "", complaint) == "yes, by its rating (1 of 5 on the CSAT scale is low): its text could not say"
    assert "&lt;b&gt;fr-2&lt;/b&gt; &amp; co" in html and "<b>fr-2</b>" not in html  # the text is escaped
    unrated = await page(site, "/-/feedback/comments/un-2")
    complaint = re.search(r'id="comment-complaint">(.*?)</td>', unrated).group(1)  # type: ignore[union-attr]
    assert complaint == "cannot tell: no sentiment score and no rating"
    english = await page(site, "/-/feedback/comments/en-2")
    assert re.search(r'id="comment-complaint">(.*?)</td>', english).group(1) == "yes, by its text"  # type: ignore[union-attr]


async def test_a_customer_page_says_which_comments_were_not_scored(site: Any) -> None:
    html = await page(site, "/-/feedback/customers/c_fr")
    assert '<span id="by-rating">1 by a low rating alone</span>' in html
    assert re.sub(r"\s+", " ", re.search(r'<span id="unscored">(.*?)</span>', html, re.S).group(1)) == (  # type: ignore[union-attr]
        "1 of their comments was not scored for sentiment (French): the mean leaves it out;"
        " its rating still says whether it is a complaint.")
    assert '<span class="neg fb-by-rating">a complaint by its rating</span>' in html
    assert "text not scored (French: sentiment reads English only)" in html
    unrated = await page(site, "/-/feedback/customers/c_unrated")
    assert "0 complaints;" in unrated and 'id="by-rating"' not in unrated
    assert ("1 of their comments was not scored for sentiment (French): the mean leaves it out; with no rating"
            " either, nothing says whether it is a complaint.") in re.sub(r"\s+", " ", unrated)
    de = await page(site, "/-/feedback/customers/c_de")
    assert ("2 of their comments were not scored for sentiment (German): the mean leaves them out; their ratings"
            " still say whether they are complaints.") in re.sub(r"\s+", " ", de)
    odd = await page(site, "/-/feedback/customers/c_odd")
    assert "by a low rating alone" not in odd and "fb-by-rating" not in odd
    assert "3 of their comments were not scored for sentiment (French)" in odd


async def test_an_unanswered_e_mail_nothing_can_score_puts_its_customer_at_risk(tmp_path: Path) -> None:
    """A French e-mail without a rating, unanswered for weeks: nothing says it is not a complaint,
    and the wait is the risk. Scored, rated or answered ones stay as the complaint rule has them.
    The publish counts such e-mails per customer (``unscored_emails``), so the page reads the
    customers table alone: the archive here has no comments table at all."""
    from datasette.app import Datasette

    from feedback.insights.comments import Comment
    from feedback.serve.queries import customers_at_risk

    old, recent = "2026-01-05T09:00:00Z", now_iso()
    items = [  # (customer, channel, sentiment, band)
        ("c_fr_mail", "email", None, None), ("c_fr_answered", "email", None, None),
        ("c_fr_recent", "email", None, None), ("c_en_mail", "email", 0.4, None),
        ("c_fr_rated", "email", None, "high"), ("c_fr_survey", "survey", None, None)]
    comments_ = [Comment(id=f"f-{c}", source="mail", channel=ch, received_at=old, week="2026-W02", customer=c,
                         scale=None, band=band, sentiment=s) for c, ch, s, band in items]
    opened = {"c_fr_mail": old, "c_fr_recent": recent, "c_en_mail": old, "c_fr_rated": old, "c_fr_survey": old}
    threads = [{"customer": c, "answered": c not in opened, "first_customer_message_at": opened.get(c, old)}
               for c, *_ in items]
    rows_ = customer_rows(comments_, threads)
    assert {r["customer"]: r["unscored_emails"] for r in rows_} == {
        "c_fr_mail": 1, "c_fr_answered": 1, "c_fr_recent": 1, "c_en_mail": 0, "c_fr_rated": 0, "c_fr_survey": 0}
    path = tmp_path / "archive.db"
    db = sqlite_utils.Database(path)
    db["customers"].insert_all(rows_)
    db.close()
    site = Datasette([str(path)])
    rows = await customers_at_risk(site.get_database("archive"), days=2, silence=30)
    assert [(r["customer"], r["reason"]) for r in rows] == [
        ("c_fr_mail", f"no answer for {days_since(old)} days (their e-mail could not be scored for sentiment"
                      " and may be a complaint)")]
