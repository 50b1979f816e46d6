"""Every staff page of the Datasette plugin, in-process, over a real archive built from the samples.

One archive per test session (``sample_archive``, shared with tests/test_browser.py); the
embedding model loads once per process, on the first search by meaning.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import shutil
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote

import pytest
import sqlite_utils
import yaml

from feedback.insights.no_topic import names_no_topic

from .conftest import REPO, build_sample_archive

pytestmark = pytest.mark.slow

@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_sample_archive(tmp_path_factory) / "archive.db"


@pytest.fixture(scope="module")
def ds(archive: Path) -> Any:
    from datasette.app import Datasette

    metadata = yaml.safe_load((REPO / "data" / "datasette" / "metadata.yml").read_text())
    return Datasette([str(archive)], metadata=metadata)


def results(page: str) -> list[tuple[str, str]]:
    """(how it matched, text) of each search result on a page."""
    found = re.findall(r'data-how="(\w+)">\s*<p class="fb-text">(.*?)</p>', page, flags=re.S)
    return [(how, html.unescape(re.sub(r"<[^>]+>", "", text)).strip()) for how, text in found]


def found_count(page: str) -> int:
    match = re.search(r'id="result-count">(\d+) comment', page)
    assert match
    return int(match.group(1))


def chart_data(page: str, name: str) -> Any:
    match = re.search(rf'<script type="application/json" id="data-{name}">(.*?)</script>', page, flags=re.S)
    assert match, f"no chart data {name}"
    return json.loads(match.group(1))


async def get(ds: Any, path: str) -> str:
    response = await ds.client.get(path)
    assert response.status_code == 200, (path, response.text[:500])
    return str(response.text)


def first_theme(archive: Path) -> dict[str, Any]:
    db = sqlite_utils.Database(archive)
    return next(db.query("select * from themes where level = 0 order by comments desc limit 1"))


async def test_every_page_answers_without_loading_anything_from_outside(ds: Any, archive: Path) -> None:
    theme = first_theme(archive)
    parent = sqlite_utils.Database(archive).execute("select min(id) from themes where level = 1").fetchone()[0]
    customer = sqlite_utils.Database(archive).execute("select customer from customers limit 1").fetchone()[0]
    for path in ("/-/feedback", "/-/feedback/search", "/-/feedback/search?q=refund",
                 "/-/feedback/themes", "/-/feedback/themes?sort=growth", f"/-/feedback/themes/{theme['id']}",
                 f"/-/feedback/themes/{parent}", "/-/feedback/trends", "/-/feedback/drivers",
                 "/-/feedback/promises", "/-/feedback/customers", f"/-/feedback/customers/{customer}",
                 "/archive/promises", "/archive/theme_trends", "/archive/score_drivers", "/archive/customers"):
        page = await get(ds, path)
        assert not re.search(r'<script[^>]+src="(?:https?:)?//|<link rel="stylesheet" href="(?:https?:)?//', page), path
    chart = await ds.client.get("/-/feedback/static/chart.umd.min.js")
    assert chart.status_code == 200 and "Chart.js v4" in chart.text[:200]
    assert (await ds.client.get("/-/feedback/themes/999999")).status_code == 404
    assert (await ds.client.get("/-/feedback/themes/x")).status_code == 404
    assert (await ds.client.get("/-/feedback/customers/someone@example.com")).status_code == 403


async def test_search_by_meaning_finds_a_complaint_described_in_other_words(ds: Any, archive: Path) -> None:
    with sqlite3.connect(archive) as conn:  # the default backend's vectors: queries are embedded on it too
        [(version,)] = conn.execute("select model_version from vector_model").fetchall()
    assert version.endswith("+onnx")
    words = results(await get(ds, "/-/feedback/search?q=my+money+never+came+back&mode=keyword"))
    assert words == []  # no comment says it this way
    found = results(await get(ds, "/-/feedback/search?q=my+money+never+came+back&mode=meaning"))
    assert len(found) == 50
    assert sum("refund" in text.lower() for _, text in found[:5]) >= 4, found[:5]
    assert {how for how, _ in found} == {"meaning"}


async def test_search_by_meaning_in_two_stages_finds_what_exact_search_finds(
        ds: Any, archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A large archive is ranked on a PCA-reduced copy first, then the best candidates exactly."""
    from datasette.app import Datasette

    from feedback.serve import plugin as datasette_plugin
    from feedback.serve import search as insights_search
    from feedback.serve.vectors import QuantisedIndex

    shutil.copy(archive, tmp_path / "archive.db")  # a new path: its own index
    monkeypatch.setattr(insights_search, "MIN_CANDIDATES", 0)  # re-rank only 2 x 200 candidates
    metadata = yaml.safe_load((REPO / "data" / "datasette" / "metadata.yml").read_text())
    metadata.setdefault("plugins", {}).setdefault("feedback", {})["exact_below"] = 0  # as if it held millions
    two_stage = Datasette([str(tmp_path / "archive.db")], metadata=metadata)
    for path in ("/-/feedback/search?q=my+money+never+came+back&mode=meaning",
                 "/-/feedback/search?q=the+driver+was+rude&mode=meaning"):
        two, exact = results(await get(two_stage, path))[:10], results(await get(ds, path))[:10]
        # the same ten, best first; comments of the same words (on two channels) tie, in either order
        assert (two[0], sorted(two)) == (exact[0], sorted(exact)), path
    hybrid = results(await get(two_stage, "/-/feedback/search?q=refund"))  # fused ranks may swap near-ties
    assert hybrid[0][0] == "both" and all("refund" in text.lower() for _, text in hybrid[:10])
    index = next(i for p, i in datasette_plugin._indexes._indexes.items() if p.startswith(str(tmp_path)))
    assert isinstance(index, QuantisedIndex) and len(index.rowids) > 2 * 400  # int8 codes (serve/vectors.py)


async def test_hybrid_search_puts_comments_matching_both_ways_first(ds: Any) -> None:
    found = results(await get(ds, "/-/feedback/search?q=refund"))
    assert found[0][0] == "both"
    assert all("refund" in text.lower() for _, text in found[:10])
    hybrid = await get(ds, "/-/feedback/search?q=refund")
    words = await get(ds, "/-/feedback/search?q=refund&mode=keyword")
    assert found_count(hybrid) > found_count(words) > 0  # meaning adds comments that say it otherwise


async def test_search_filters_and_facets(ds: Any, archive: Path) -> None:
    page = await get(ds, "/-/feedback/search?q=late+delivery&channel=email")
    found = results(page)
    assert found
    ids = re.findall(r'href="/-/feedback/comments/([^"]+)" class="fb-open">\d{4}', page)
    db = sqlite_utils.Database(archive)
    channels = {db.execute("select channel from feedback where id = ?", [i]).fetchone()[0] for i in ids}
    assert channels == {"email"}
    facets = re.search(r'<aside class="fb-facets">(.*?)</aside>', page, flags=re.S)
    assert facets and "<h3>channel</h3>" in facets.group(1) and "<h3>theme</h3>" in facets.group(1)


def facet_counts(page: str) -> dict[str, dict[str, int]]:
    aside = re.search(r'<aside class="fb-facets">(.*?)</aside>', page, flags=re.S)
    assert aside
    out: dict[str, dict[str, int]] = {}
    for name, items in re.findall(r"<h3>(.*?)</h3><ul>(.*?)</ul>", aside.group(1), flags=re.S):
        out[name] = {html.unescape(re.sub(r"<[^>]+>", "", v)).strip(): int(n)
                     for v, n in re.findall(r'<li[^>]*>(.*?)<span class="n">(\d+)</span>', items, flags=re.S)}
    return out


@pytest.mark.parametrize("filters", ["", "&channel=survey", "&band=low", "&source=checkout-nps&channel=survey"])
async def test_search_by_words_counts_and_facets_every_match_as_the_table_page_does(ds: Any, filters: str) -> None:
    """The fast words search gives the feedback table page's numbers, newest first."""
    page = await get(ds, f"/-/feedback/search?q=refund&mode=keyword{filters}")
    table_filters = filters.replace("band=", "rating_band=")
    table = (await ds.client.get(f"/archive/feedback.json?_search=refund{table_filters}&_size=50&_sort_desc=received_at"
                                 "&_facet=source&_facet=channel&_facet=rating_band&_facet=month&_shape=objects")).json()
    count = table["filtered_table_rows_count"]
    assert count > 40 and found_count(page) == count
    facets = facet_counts(page)
    for name, column in (("source", "source"), ("channel", "channel"), ("rating band", "rating_band"), ("month", "month")):
        expected = {r["value"]: r["count"] for r in table["facet_results"][column]["results"]}
        assert facets[name] == dict(sorted(expected.items(), key=lambda kv: (-kv[1], kv[0]))[:10]), name
    assert facets["theme"] and max(facets["theme"].values()) <= found_count(page)  # a comment counts in each of its themes
    dates = re.findall(r'href="/-/feedback/comments/[^"]+" class="fb-open">(\d{4}-\d\d-\d\d)</a>', page)
    assert len(dates) == min(50, count) and dates == sorted(dates, reverse=True)
    assert dates[0] == table["rows"][0]["received_at"][:10]


async def test_search_by_words_filters_by_dates_and_theme_with_its_children(ds: Any, archive: Path) -> None:
    db = sqlite_utils.Database(archive)
    parent = db.execute(  # the group most of the comments saying "refund" have a theme in
        """select t.parent_id from feedback_fts join feedback f on f.rowid = feedback_fts.rowid
           join feedback_themes ft on ft.feedback_id = f.id join themes t on t.id = ft.theme_id
           where feedback_fts match 'refund' and t.parent_id is not null
           group by t.parent_id order by count(*) desc limit 1""").fetchone()[0]
    expected = db.execute(
        """select count(*) from feedback f where f.rowid in (select rowid from feedback_fts where feedback_fts match 'refund')
           and f.received_at >= '2026-07-01' and f.received_at < date('2026-09-30', '+1 day')
           and f.id in (select ft.feedback_id from feedback_themes ft
                        where ft.theme_id in (select ? union select id from themes where parent_id = ?))""",
        [parent, parent]).fetchone()[0]
    page = await get(ds, f"/-/feedback/search?q=refund&mode=keyword&since=2026-07-01&until=2026-09-30&theme={parent}")
    assert found_count(page) == expected > 0
    assert set(facet_counts(page)["month"]) <= {"2026-07", "2026-08", "2026-09"}
    assert found_count(await get(ds, "/-/feedback/search?q=refund&mode=keyword&source=no-such-source")) == 0


async def test_theme_page_shows_label_keywords_weeks_sources_and_comments(ds: Any, archive: Path) -> None:
    theme = first_theme(archive)
    page = await get(ds, f"/-/feedback/themes/{theme['id']}")
    assert f"Theme: {html.escape(theme['label'])}" in page
    for keyword in json.loads(theme["keywords"])[:3]:
        assert html.escape(keyword) in page
    weeks = chart_data(page, "weeks")
    assert sum(w["comments"] for w in weeks) == theme["comments"]
    db = sqlite_utils.Database(archive)
    by_source = db.execute("select sum(comments) from theme_sources where theme_id = ?", [theme["id"]]).fetchone()[0]
    assert by_source == theme["comments"]
    assert page.count('class="fb-comment"') >= 5
    if theme["parent_id"]:
        assert f'/-/feedback/themes/{theme["parent_id"]}"' in page


ROW = r'<tr class="level-\d"><td><a href="/-/feedback/themes/(\d+)">(.*?)</a>'


async def test_theme_overview_leads_with_the_top_level(ds: Any, archive: Path) -> None:
    page = await get(ds, "/-/feedback/themes")
    db = sqlite_utils.Database(archive)
    top = db.execute("select id, label from themes where parent_id is null"
                     " order by label = 'General remarks', comments desc, id").fetchall()  # the catch-all last
    assert [(int(i), html.unescape(label)) for i, label in re.findall(ROW, page)] == top
    parent, children = db.execute(
        "select parent_id, count(*) from themes where parent_id is not null group by parent_id"
        " order by count(*) desc, parent_id limit 1").fetchone()
    group = page[page.index(f'href="/-/feedback/themes/{parent}"'):]
    group = group[: group.index("</tr>")]
    assert f"<summary>{children} sub-themes</summary>" in group
    assert len(re.findall(r'<li><a href="/-/feedback/themes/\d+">', group)) == children


async def test_theme_overview_ranks_all_themes_by_size_and_by_growth(ds: Any, archive: Path) -> None:
    page = await get(ds, "/-/feedback/themes?view=all")
    db = sqlite_utils.Database(archive)
    biggest = db.execute("select label from themes order by comments desc, id limit 1").fetchone()[0]
    rows = re.findall(ROW, page)
    assert len(rows) == db.table("themes").count
    assert html.unescape(rows[0][1]) == biggest
    growth = await get(ds, "/-/feedback/themes?sort=growth&view=all")
    assert len(re.findall(r'<tr class="level-\d">', growth)) == len(rows)


async def test_trends_page_states_its_test_and_every_theme_is_tested(ds: Any, archive: Path) -> None:
    page = await get(ds, "/-/feedback/trends")
    assert "binomial test" in page and "Benjamini" in page
    db = sqlite_utils.Database(archive)
    tested = db.execute("select count(*) from theme_trends where window = '4 weeks'").fetchone()[0]
    assert f"corrected for the {tested} themes tested" in page
    assert db.execute("select count(*) from theme_trends where q_value < p_value - 1e-9").fetchone()[0] == 0


async def test_drivers_agree_with_the_nps_computed_from_the_feedback_table(ds: Any, archive: Path) -> None:
    db = sqlite_utils.Database(archive)
    nps = db.execute(
        """with r as (select max(rating_band) as band from feedback where source = 'checkout-nps'
                      group by received_at, customer)
           select round(100.0 * (sum(band = 'high') - sum(band = 'low')) / count(*), 1) from r"""
    ).fetchone()[0]
    top = next(db.query("select * from score_drivers where source = 'checkout-nps' order by rank limit 1"))
    assert top["score"] == nps
    assert top["points"] == pytest.approx(
        top["theme_responses"] / top["responses"] * (top["score_without_theme"] - top["score_with_theme"]), abs=0.02)
    page = await get(ds, "/-/feedback/drivers")
    assert f"checkout-nps: NPS {nps}" in page


async def test_promise_gap_shows_broken_kept_and_silent_promises(ds: Any, archive: Path) -> None:
    from feedback.config import load_config

    configured = [p.text for p in load_config(REPO / "data" / "config.yml").promises]
    page = await get(ds, "/-/feedback/promises")
    for text in configured:
        assert html.escape(text) in page
    db = sqlite_utils.Database(archive)
    status = dict(db.execute("select promise, status from promises").fetchall())
    assert status["Refunds are paid back quickly"] == "broken"
    assert status["Friendly, helpful staff in every store"] == "kept"
    assert status["Every store has free, accessible parking"] == "silent"
    not_said = page.split('id="not-said"')[1].split("</ul>")[0]
    assert "Every store has free, accessible parking" in not_said
    assert "Refunds are paid back quickly" not in not_said
    assert [p["promise"] for p in chart_data(page, "promises")] == configured
    worst = page.split('id="promise-7"')[1].split("<h2")[0]
    assert worst.count('class="fb-comment"') == 5


async def test_customers_waiting_and_a_customers_whole_story(ds: Any, archive: Path) -> None:
    db = sqlite_utils.Database(archive)
    unanswered = db.execute("select count(*) from customers where oldest_unanswered_at is not null").fetchone()[0]
    page = await get(ds, "/-/feedback/customers?days=2")
    assert f"Waiting for an answer ({unanswered})" in page  # customers, each once
    assert "@" not in re.sub(r"<[^>]+>", "", page)
    key, comments = db.execute(
        "select customer, comments from customers order by comments desc, customer limit 1"
    ).fetchone()
    story = await get(ds, f"/-/feedback/customers/{key}")
    assert story.count('class="fb-comment"') == comments
    assert len(chart_data(story, "timeline")) == comments


async def test_overview_charts_carry_the_archive_numbers(ds: Any, archive: Path) -> None:
    page = await get(ds, "/-/feedback")
    volume = chart_data(page, "volume")
    db = sqlite_utils.Database(archive)
    assert sum(v["comments"] for v in volume) == db.execute(
        "select count(*) from feedback where received_at is not null").fetchone()[0]
    assert {v["channel"] for v in volume} == {"survey", "email", "review", "form"}
    top = db.execute("select count(*) from (select 1 from themes where parent_id is null limit 4)").fetchone()[0]
    assert page.count("<canvas data-chart=") == 3 + top  # the largest themes as small multiples
    assert re.findall(r'data-chart="theme-multiple" data-theme="(\d+)"', page) == [str(t["id"]) for t in chart_data(
        page, "top-themes")] and {t["id"] for t in chart_data(page, "top-themes")} <= {
        r[0] for r in db.execute("select id from themes where parent_id is null")}
    # every chart has a text alternative: a label, and the figures in a table
    for canvas in re.findall(r"<canvas [^>]*>", page):
        assert 'role="img"' in canvas and re.search(r'aria-label(ledby)?="[^"]+"', canvas), canvas
        described = re.search(r'aria-describedby="([^"]+)"', canvas)
        assert described and f'id="{described.group(1)}"' in page, canvas
    volume_table = page.split('id="figures-volume"')[1].split("</table>")[0]
    assert sum(int(n) for n in re.findall(r'<td class="num">(\d+)</td>', volume_table)) == sum(
        v["comments"] for v in volume)
    assert not re.search(r"\d\.\d{2,}×", page)  # "3.589×" is "3.6×"
    # the main themes' sentiment: a bar for each one with a score; one nothing could score (the
    # other languages' entry) has no bar, and the figures table lists it with "–"
    main = {r[0]: r[1] for r in db.execute(
        "select label, sentiment from themes where parent_id is null")}
    unscored = [label for label, value in main.items() if value is None]
    assert unscored  # the sample archive's "Non-English comments" entry
    bars = chart_data(page, "sentiment")
    assert all(b["sentiment"] is not None for b in bars) and {b["label"] for b in bars} == {
        label for label, value in main.items() if value is not None}
    figures = page.split('id="figures-sentiment"')[1].split("</table>")[0]
    for label in unscored:
        assert re.search(rf">{re.escape(html.escape(label))}</a></td><td class=\"num\">\d+</td><td class=\"num\">–</td>",
                         figures), label


async def test_pages_obey_datasette_permissions(archive: Path) -> None:
    """Behind an auth plugin, `allow:` in the metadata closes the staff pages to anyone else."""
    from datasette.app import Datasette

    metadata = {**yaml.safe_load((REPO / "data" / "datasette" / "metadata.yml").read_text()), "allow": {"id": "staff"}}
    ds = Datasette([str(archive)], metadata=metadata)
    staff = {"ds_actor": ds.sign({"a": {"id": "staff"}}, "actor")}
    for path in ("/-/feedback", "/-/feedback/themes", "/-/feedback/search?q=refund&mode=keyword",
                 "/-/feedback/promises", "/-/feedback/customers"):
        assert (await ds.client.get(path)).status_code == 403, path
        assert (await ds.client.get(path, cookies=staff)).status_code == 200, path


async def test_pages_answer_over_an_archive_without_themes_email_scores_or_promises(tmp_path: Path) -> None:
    """Publish creates no table for an extension with no rows; every page still answers."""
    from datasette.app import Datasette

    from feedback.config import Config
    from feedback.pipeline import archive_extensions
    from feedback.publish import publish
    from feedback.warehouse import open_warehouse

    warehouse = open_warehouse(tmp_path / "warehouse.db")
    publish(warehouse, tmp_path / "archive.db", extensions=archive_extensions(Config()))
    ds = Datasette([str(tmp_path / "archive.db")])
    for path in ("/-/feedback", "/-/feedback/search?q=refund", "/-/feedback/search?q=refund&mode=keyword",
                 "/-/feedback/themes", "/-/feedback/trends",
                 "/-/feedback/drivers", "/-/feedback/promises", "/-/feedback/customers"):
        response = await ds.client.get(path)
        assert response.status_code == 200, (path, response.text[-500:])
    page = (await ds.client.get("/-/feedback/search?q=refund")).text
    assert "Search by meaning is unavailable" in page


# --- issue 15: pages without dead ends ------------------------------------------------------

def href_params(link: str) -> dict[str, str]:
    return dict(parse_qsl(html.unescape(link).split("?", 1)[1]))


async def test_search_pages_and_exports_agree(ds: Any) -> None:
    first = await get(ds, "/-/feedback/search?q=refund&mode=keyword")
    total = found_count(first)
    assert total > 50
    second = await get(ds, "/-/feedback/search?q=refund&mode=keyword&page=2")
    on_pages = [re.findall(r'href="/-/feedback/comments/([^"]+)" class="fb-open"', p) for p in (first, second)]
    assert len(on_pages[0]) == 50 and len(on_pages[1]) == min(50, total - 50)
    exported = (await ds.client.get("/-/feedback/search.json?q=refund&mode=keyword")).json()
    assert exported["total"] == exported["count"] == total
    assert [r["id"] for r in exported["rows"]][:100] == on_pages[0] + on_pages[1]
    link = re.search(r'<a href="([^"]+)" id="export-csv"', first)
    assert link and html.unescape(link.group(1)) == "/-/feedback/search.csv?q=refund&mode=keyword"
    rows = list(csv.DictReader(io.StringIO((await ds.client.get(html.unescape(link.group(1)))).text)))
    assert [r["id"] for r in rows] == [r["id"] for r in exported["rows"]]
    hybrid = (await ds.client.get("/-/feedback/search.json?q=refund")).json()
    assert hybrid["order"] == "best keyword and meaning matches first"
    assert hybrid["count"] == hybrid["total"] == found_count(await get(ds, "/-/feedback/search?q=refund"))


async def test_search_by_meaning_says_how_it_ranks_in_plain_words(ds: Any) -> None:
    meaning = await get(ds, "/-/feedback/search?q=my+money+never+came+back&mode=meaning")
    hybrid = await get(ds, "/-/feedback/search?q=refund")
    for page in (meaning, hybrid):
        assert "reciprocal rank fusion" not in page.lower()
    assert "closest in meaning first" in meaning
    assert "best keyword and meaning matches first" in hybrid
    nothing = await get(ds, "/-/feedback/search?q=my+money+never+came+back&mode=keyword")
    link = re.search(r'<a href="([^"]+)" id="try-meaning">Search by meaning instead</a>', nothing)
    assert link and href_params(link.group(1)) == {"q": "my money never came back", "mode": "meaning"}
    assert len(results(await get(ds, "/-/feedback" + "/search" + html.unescape(link.group(1))))) == 50


async def test_a_facet_click_sets_its_filter_once_and_the_filter_can_be_removed(ds: Any) -> None:
    page = await get(ds, "/-/feedback/search?q=refund&channel=survey")
    aside = page.split('<aside class="fb-facets">')[1].split("</aside>")[0]
    for link in re.findall(r'href="(\?[^"]+)"', aside):
        keys = [k for k, _ in parse_qsl(html.unescape(link)[1:])]
        assert len(keys) == len(set(keys)), link
    assert 'href="?q=refund&amp;channel=survey&amp;channel=survey"' not in page
    remove = re.search(r'channel: survey <a href="([^"]+)" class="fb-remove"', page)
    assert remove and href_params(remove.group(1)) == {"q": "refund"}


async def test_a_comment_has_its_own_page(ds: Any, archive: Path) -> None:
    db = sqlite_utils.Database(archive)
    comment_id, thread = db.execute(
        """select f.id, e.thread_id from feedback f join email_feedback e on e.feedback_id = f.id
           where f.customer is not null and exists (select 1 from feedback_themes ft where ft.feedback_id = f.id)
           and (select count(*) from email_feedback o where o.thread_id = e.thread_id) >= 2
           order by f.id limit 1""").fetchone()
    row = next(db.query("select * from feedback where id = ?", [comment_id]))
    page = await get(ds, f"/-/feedback/comments/{comment_id}")
    assert html.escape(row["text"]) in page
    facts = page.split('id="comment-facts"')[1].split("</table>")[0]
    assert f"{row['source']} ({row['channel']})" in facts and row["received_at"][:10] in facts
    themes = db.execute("select theme_id from feedback_themes where feedback_id = ? order by score desc, theme_id",
                        [comment_id]).fetchall()
    listed = re.findall(r'href="/-/feedback/themes/(\d+)" class="fb-theme"', page)
    assert [int(t) for t in listed] == [t[0] for t in themes]
    assert f'href="/-/feedback/customers/{row["customer"]}" id="customer-link"' in page
    segments = db.execute("select count(*) from segments where feedback_id = ?", [comment_id]).fetchone()[0]
    assert segments and page.split('id="segments"')[1].split("</table>")[0].count("<tr>") == segments + 1
    others = db.execute("select feedback_id from email_feedback where thread_id = ? and feedback_id != ?",
                        [thread, comment_id]).fetchall()
    assert 'id="thread"' in page
    for (other,) in others:
        assert f'href="/-/feedback/comments/{other}"' in page
    survey = db.execute("select id from feedback where channel = 'survey' limit 1").fetchone()[0]
    assert 'id="thread"' not in await get(ds, f"/-/feedback/comments/{survey}")
    assert (await ds.client.get("/-/feedback/comments/no-such-comment")).status_code == 404


async def test_search_results_and_lists_link_to_the_comment_page(ds: Any) -> None:
    for path in ("/-/feedback/search?q=refund", "/-/feedback/search?q=refund&mode=keyword"):
        page = await get(ds, path)
        assert "/archive/feedback/" not in page.split('<ol class="fb-results"')[1]
        assert len(re.findall(r'href="/-/feedback/comments/[^"]+" class="fb-open"', page)) == 50


async def test_a_search_result_names_every_theme_of_its_comment_main_first(ds: Any, archive: Path) -> None:
    db = sqlite_utils.Database(archive)
    themed = {}
    for fid, tid, label, parent in db.execute(
            """select ft.feedback_id, t.id, t.label, p.label from feedback_themes ft join themes t on t.id = ft.theme_id
               left join themes p on p.id = t.parent_id order by ft.feedback_id, ft.score desc, t.id"""):
        themed.setdefault(fid, []).append((tid, label, parent))
    for mode in ("keyword", "hybrid"):
        page = await get(ds, f"/-/feedback/search?q=refund&mode={mode}")
        shown = re.findall(r'<li class="fb-comment fb-result".*?</li>', page, flags=re.S)
        several = 0
        for item in shown:
            comment = re.search(r'href="/-/feedback/comments/([^"]+)" class="fb-open"', item)
            assert comment
            expected = themed.get(unquote(comment.group(1)), [])
            listed = re.findall(r'href="/-/feedback/themes/(\d+)" class="fb-theme"(?: title="in ([^"]*)")?>([^<]*)</a>',
                                item)
            assert [(int(t), html.unescape(lab), html.unescape(p) or None) for t, p, lab in listed] == expected
            several += len(expected) > 1
        assert several, mode  # the sample archive has refund complaints with a second theme on the first page


async def test_customers_wait_in_days_and_each_is_listed_once(ds: Any, archive: Path) -> None:
    db = sqlite_utils.Database(archive)
    page = await get(ds, "/-/feedback/customers")
    assert "Hours waiting" not in page and "<th>Days waiting</th>" in page
    waiting = page.split('id="waiting"')[1].split("</table>")[0]
    listed = re.findall(r'href="/-/feedback/customers/(c_\w+)"', waiting)
    # a customer waits for a thread nobody answered, or for a message sent after our last answer
    expected = db.execute("select count(*) from customers where oldest_unanswered_at is not null").fetchone()[0]
    assert len(listed) == len(set(listed)) == expected
    assert db.execute("select sum(unanswered_threads) from customers").fetchone()[0] > expected  # the case
    assert expected > db.execute("select count(distinct customer) from email_threads where answered = 0").fetchone()[0]
    oldest = db.execute("select min(oldest_unanswered_at) from customers").fetchone()[0]
    days = db.execute("select cast(round(julianday('now') - julianday(?)) as int)", [oldest]).fetchone()[0]
    assert re.search(rf'<td class="num">{days}</td></tr>', waiting.split("</tr>")[1] + "</tr>")


async def test_a_customers_themes_sit_inside_their_comment(ds: Any, archive: Path) -> None:
    db = sqlite_utils.Database(archive)
    key = db.execute("""select customer from feedback f where customer is not null
                        and exists (select 1 from feedback_themes ft where ft.feedback_id = f.id)
                        group by customer having count(*) >= 2 order by count(*) desc, customer limit 1""").fetchone()[0]
    page = await get(ds, f"/-/feedback/customers/{key}")
    items = re.findall(r'<li class="fb-comment">(.*?)</li>', page, flags=re.S)
    themed = db.execute("""select f.id from feedback f where f.customer = ?
                           and exists (select 1 from feedback_themes ft where ft.feedback_id = f.id)
                           order by f.received_at, f.id""", [key]).fetchall()
    with_themes = [i for i in items if "themes: " in i]
    assert len(with_themes) == len(themed) >= 1
    for item, (comment_id,) in zip(with_themes, themed, strict=True):
        assert f"/-/feedback/comments/{comment_id}" in item
    outside = re.sub(r'<li class="fb-comment">.*?</li>', "", page, flags=re.S)
    assert "themes: " not in outside and "theme: " not in outside


async def test_the_home_page_hides_the_vectors_and_the_table_page_gives_text_room(ds: Any) -> None:
    for path in ("/", "/archive"):
        assert 'href="/archive/feedback_vectors"' not in await get(ds, path), path
    table = await get(ds, "/archive/feedback")
    assert '/-/feedback/static/datasette_tables.css' in table and '/-/feedback/static/datasette_tables.js' in table
    css = (await ds.client.get("/-/feedback/static/datasette_tables.css")).text
    assert re.search(r"td\.col-text \{ min-width: 24em; \}", css)
    assert "datasette_tables" not in await get(ds, "/-/feedback")  # only Datasette's table pages


async def test_drivers_show_an_interval_and_set_rare_themes_apart(ds: Any, archive: Path) -> None:
    db = sqlite_utils.Database(archive)
    page = await get(ds, "/-/feedback/drivers")
    assert "too few to tell" in page.lower()
    rows = list(db.query("select d.*, t.label, t.parent_id from score_drivers d join themes t on t.id = d.theme_id"
                         " where source = 'checkout-nps' order by d.level desc, d.rank is null, d.rank"))
    assert all(r["points_low"] <= r["points"] <= r["points_high"] for r in rows if r["points_low"] is not None)
    groups = [r for r in rows if r["level"] == 1]
    assert groups and all(r["parent_id"] is None for r in groups)
    # a theme is in a group, or a top-level entry of its own ("Non-English comments")
    assert {r["parent_id"] for r in rows if r["level"] == 0} - {None} <= {r["theme_id"] for r in groups}
    top = [r for r in rows if r["level"] == 1 or r["parent_id"] is None]
    # the catch-alls ("General remarks", "Non-English comments") have figures but no rank (pages4)
    assert [r["label"] for r in rows if r["rank"] is None] == [r["label"] for r in rows if names_no_topic(r["label"])]
    assert "General remarks" in [r["label"] for r in rows if r["rank"] is None]  # it was ranked the biggest strength
    # the page leads with the groups (every topic of the sample has one), biggest drag first
    ranked = [r for r in groups if r["theme_responses"] >= 20 and r["rank"] is not None][:15]
    assert all(r["theme_responses"] < 20 for r in top if r["level"] == 0 and r["rank"] is not None)
    few = [r for r in top if r["theme_responses"] < 20 and r["rank"] is not None]
    assert ranked
    section = page.split("<h2>checkout-nps")[1].split("<h2>")[0]
    table = section.split('class="fb-table drivers"')[1].split("<tbody>")[1].split("</tbody>")[0]
    assert re.findall(r'<td><a href="/-/feedback/themes/(\d+)"', table) == [str(r["theme_id"]) for r in ranked]
    for r in ranked:
        assert f"{r['points_low']:+.1f} to {r['points_high']:+.1f}" in table
    if few:
        too_few = section.split('class="fb-too-few"')[1].split("</details>")[0]
        assert len(re.findall(r'<li><a href="/-/feedback/themes/\d+"', too_few)) == len(few)
    apart = [r for r in top if r["rank"] is None]
    if apart:  # listed under the ranking, most responses first
        listed = section.split('id="no-topic-')[1].split("</div>")[0]
        ids = [int(t) for t in re.findall(r'<li><a href="/-/feedback/themes/(\d+)"', listed)]
        assert sorted(ids) == sorted(r["theme_id"] for r in apart)
        responses = {r["theme_id"]: r["theme_responses"] for r in apart}
        assert [responses[t] for t in ids] == sorted(responses.values(), reverse=True)
    # and drills down: every sub-theme's row is under its group, ranked or too few to tell
    for group in groups:
        themes = [r for r in rows if r["parent_id"] == group["theme_id"]]
        if not themes:
            continue
        drill = re.split(rf'id="sub-\d+-{group["theme_id"]}"', section)[1].split("</details>")[0]
        shown = re.findall(r'<(?:td|li)><a href="/-/feedback/themes/(\d+)"', drill)
        assert sorted(shown) == sorted(str(r["theme_id"]) for r in themes)
        topics = [r for r in themes if r["rank"] is not None]
        assert [int(t) for t in shown[:len([r for r in topics if r["theme_responses"] >= 20])]] == [
            r["theme_id"] for r in sorted(topics, key=lambda r: r["rank"]) if r["theme_responses"] >= 20]


async def test_the_minimum_support_is_a_plugin_option(archive: Path) -> None:
    from datasette.app import Datasette

    metadata = yaml.safe_load((REPO / "data" / "datasette" / "metadata.yml").read_text())
    metadata.setdefault("plugins", {}).setdefault("feedback", {})["driver_min_responses"] = 5
    page = await get(Datasette([str(archive)], metadata=metadata), "/-/feedback/drivers")
    assert "fewer than 5 responses" in page and "fewer than 20" not in page


async def test_trends_and_theme_pages_speak_words(ds: Any, archive: Path) -> None:
    db = sqlite_utils.Database(archive)
    trends = await get(ds, "/-/feedback/trends")
    assert "<th>q</th>" not in trends
    emerging = db.execute("select count(*) from theme_trends where window = '4 weeks' and trend = 'emerging'"
                          " and baseline > 0").fetchone()[0]
    section = trends.split('id="changed-month"')[1].split("</table>")[0]
    assert section.count("rising <small>(unlikely to be chance)</small>") == emerging
    theme_id, q_value = db.execute("select theme_id, q_value from theme_trends where window = '4 weeks'"
                                   " and trend = 'stable' order by theme_id limit 1").fetchone()
    page = await get(ds, f"/-/feedback/themes/{theme_id}")
    sentence = page.split('id="theme-trends"')[1].split("</ul>")[0]
    assert "no real change" in sentence and f'title="q = {q_value:.3f}' in sentence
    assert "(q = " not in page


async def test_a_reviews_title_point_says_it_is_the_title(archive: Path, tmp_path: Path) -> None:
    """A review's title is read for its sentiment and is in no theme: its point says so, not a bare "no theme"."""
    from datasette.app import Datasette

    copy = tmp_path / "archive.db"
    shutil.copy(archive, copy)
    db = sqlite_utils.Database(copy)
    review = db.execute("select id from feedback where channel = 'review' and text not like '%Disappointed%'"
                        " order by id limit 1").fetchone()[0]
    db.execute("update feedback set title = 'Disappointed' where id = ?", [review])
    db.execute("update segments set seq = seq + 1 where feedback_id = ?", [review])
    db["segments"].insert({"id": f"{review}:title", "feedback_id": review, "seq": 0, "text": "Disappointed",
                           "sentiment": -0.97})
    db.conn.commit()
    page = await get(Datasette([str(copy)]), f"/-/feedback/comments/{review}")
    points = page.split('id="segments"')[1].split("</table>")[0]
    first = re.findall(r"<tr><td class=\"num\">1</td><td>([^<]*)</td><td>(.*?)</td>", points)
    assert first and first[0][0] == "Disappointed" and "the title: in no theme" in first[0][1]
    assert points.count("the title: in no theme") == 1  # the text's points keep their themes
