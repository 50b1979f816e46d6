"""The staff pages' decisions as pure functions (search links, pages, CSV cells, driver verdicts,
colours, words for trends), and search paging and exports over a small archive built here
(exact words: no model is loaded).
"""

from __future__ import annotations

import csv
import io
import math
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
import sqlite_utils
from datasette.utils.asgi import BadRequest
from jinja2 import Environment, FileSystemLoader

from feedback.insights.stats import Driver, difference_se, score_drivers
from feedback.serve.pages import driver_verdict, pivot, split_drivers
from feedback.serve.search_page import month_range, page_number, search_query

from .conftest import empty_archive

TEMPLATES = Path(__file__).parent.parent / "feedback" / "serve" / "templates"
ARGS = {"q": "refund", "mode": "keyword", "source": "", "channel": "survey", "theme": "", "since": "", "until": "",
        "band": "", "page": "3"}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, [("q", "refund"), ("mode", "keyword"), ("channel", "survey")]),  # another search: page 1
        ({"channel": "survey"}, [("q", "refund"), ("mode", "keyword"), ("channel", "survey")]),  # never twice
        ({"channel": "email"}, [("q", "refund"), ("mode", "keyword"), ("channel", "email")]),
        ({"channel": None}, [("q", "refund"), ("mode", "keyword")]),  # the × of a filter
        ({"band": "low"}, [("q", "refund"), ("mode", "keyword"), ("channel", "survey"), ("band", "low")]),
        ({"page": 4}, [("q", "refund"), ("mode", "keyword"), ("channel", "survey"), ("page", "4")]),
        ({"page": 1}, [("q", "refund"), ("mode", "keyword"), ("channel", "survey")]),
        ({"mode": "meaning"}, [("q", "refund"), ("mode", "meaning"), ("channel", "survey")]),
        ({"q": "a&b=c"}, [("q", "a&b=c"), ("mode", "keyword"), ("channel", "survey")]),
    ],
    ids=["same search", "facet already on", "other value", "remove", "add", "next page", "first page", "by meaning",
         "escaped"],
)
def test_search_query(changes: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    query = search_query(ARGS, **changes)
    assert query.startswith("?")
    assert parse_qsl(query[1:]) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("", 1), ("1", 1), ("2", 2), ("10000", 10000), ("0", None), ("-1", None), ("10001", None), ("1.5", None),
     ("abc", None), ("9" * 30, None), ("²", None), (" 2", None)],
)
def test_page_number(value: str, expected: int | None) -> None:
    if expected is None:
        with pytest.raises(BadRequest, match="page must be a page number from 1 to 10000"):
            page_number(value)
    else:
        assert page_number(value) == expected


@pytest.mark.parametrize(
    ("month", "expected"),
    [("2026-02", ("2026-02-01", "2026-02-28")), ("2024-02", ("2024-02-01", "2024-02-29")),
     ("2026-12", ("2026-12-01", "2026-12-31")), ("2026-13", None), ("2026-1", None), ("x", None)],
)
def test_month_range(month: str, expected: tuple[str, str] | None) -> None:
    assert month_range(month) == expected


# --- score drivers ---------------------------------------------------------------------------

def test_difference_se_is_welchs_standard_error() -> None:
    with_theme = [-100.0, -100.0, 0.0, 100.0]
    without = [100.0, 100.0, 0.0, 0.0, -100.0, 100.0]
    everything = with_theme + without
    se = difference_se(with_theme, sum(everything), sum(v * v for v in everything), len(everything))
    var_with = sum((v - (-25.0)) ** 2 for v in with_theme) / 3
    mean_without = sum(without) / 6
    var_without = sum((v - mean_without) ** 2 for v in without) / 5
    assert se == pytest.approx(math.sqrt(var_with / 4 + var_without / 6))
    assert difference_se([1.0], 3.0, 5.0, 3) is None  # one response with the theme: no variance
    assert difference_se([1.0, 2.0, 3.0], 7.0, 15.0, 4) is None  # one without


def test_a_drivers_interval_surrounds_its_points_and_narrows_with_more_responses() -> None:
    def responses(copies: int) -> list[tuple[float, frozenset[int]]]:
        return ([(-100.0, frozenset({1}))] * 3 + [(0.0, frozenset({1}))]
                + [(100.0, frozenset())] * 3 + [(0.0, frozenset())] * 3) * copies

    small = next(d for d in score_drivers(responses(1)) if d.theme_id == 1)
    large = next(d for d in score_drivers(responses(10)) if d.theme_id == 1)
    assert small.points == pytest.approx(large.points) == pytest.approx(0.4 * (50 + 75))
    assert small.interval is not None and large.interval is not None
    assert small.interval[0] < small.points < small.interval[1]
    # with theme: -100 x3, 0 (variance 2500); without: 100 x3, 0 x3 (variance 3000)
    half = 0.4 * 1.959964 * math.sqrt(2500 / 4 + 3000 / 6)
    assert small.interval == pytest.approx((small.points - half, small.points + half))
    assert large.interval[1] - large.interval[0] < (small.interval[1] - small.interval[0]) / 3
    assert Driver(1, 10, 3, 0.0, 0.0, 0.0).interval is None


@pytest.mark.parametrize(
    ("low", "high", "verdict"),
    [(0.5, 2.0, "drag"), (-3.0, -0.1, "strength"), (-0.3, 1.2, "could be chance"), (0.0, 1.0, "could be chance"),
     (None, None, "unknown")],
)
def test_driver_verdict(low: float | None, high: float | None, verdict: str) -> None:
    assert driver_verdict({"points_low": low, "points_high": high}) == verdict


def test_drivers_below_the_minimum_support_are_too_few_to_tell() -> None:
    rows = [{"source": "nps", "rank": r, "theme_id": r, "parent_id": None, "points": 10.0 - r, "theme_responses": n,
             "points_low": 0.1, "points_high": 0.2} for r, n in ((1, 3), (2, 25), (3, 20), (4, 19), (5, 40))]
    split = split_drivers(rows, 20)["nps"]
    assert [r["rank"] for r in split["ranked"]] == [2, 3, 5]  # as published: biggest drag first
    assert [r["rank"] for r in split["too_few"]] == [4, 1]  # most responses first
    assert split["head"]["rank"] == 1 and split["children"] == {}


def test_drivers_lead_with_the_groups_and_drill_down_to_their_sub_themes() -> None:
    def row(theme: int, parent: int | None, level: int, rank: int, points: float, n: int) -> dict[str, object]:
        return {"source": "nps", "theme_id": theme, "label": f"t{theme}", "parent_id": parent, "level": level,
                "rank": rank, "points": points, "theme_responses": n, "points_low": points - 1, "points_high": points + 1}

    rows = [row(10, None, 1, 1, 5.0, 60), row(11, None, 1, 2, -3.0, 40), row(12, None, 1, 3, 1.0, 5),
            row(1, 10, 0, 1, 4.0, 30), row(2, 10, 0, 3, 0.5, 25), row(3, 11, 0, 2, 2.0, 10),
            row(4, None, 0, 4, 3.0, 50),  # a theme of its own: at the top level among the groups
            row(5, 99, 0, 5, -4.0, 20)]  # its group has no figure (raised by every response): shown at the top
    split = split_drivers(rows, 20)["nps"]
    assert [(r["theme_id"], r["verdict"]) for r in split["ranked"]] == [
        (10, "drag"), (4, "drag"), (11, "strength"), (5, "strength")]
    assert [r["theme_id"] for r in split["too_few"]] == [12]
    assert {g: ([r["theme_id"] for r in c["ranked"]], [r["theme_id"] for r in c["too_few"]])
            for g, c in split["children"].items()} == {10: ([1, 2], []), 11: ([], [3])}
    assert list(split["children"]) == [10, 11] and split["children"][10]["label"] == "t10"


def test_pivot() -> None:
    rows = [{"week": "w1", "channel": "email", "n": 2}, {"week": "w1", "channel": "survey", "n": 5},
            {"week": "w2", "channel": "survey", "n": 1}, {"week": "w2", "channel": "survey", "n": None}]
    assert pivot(rows, "week", "channel", "n") == (
        ["email", "survey"], [{"key": "w1", "cells": [2, 5]}, {"key": "w2", "cells": [0, 1]}])


# --- what the macros print -------------------------------------------------------------------

def macro(call: str) -> str:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True)
    return env.from_string('{% import "_feedback_macros.html" as m %}' + call).render().strip()


@pytest.mark.parametrize(
    ("value", "html"),
    [(0.0, '<span class="neutral">0.00</span>'), (-0.001, '<span class="neutral">0.00</span>'),
     (0.049, '<span class="neutral">+0.05</span>'), (0.05, '<span class="pos">+0.05</span>'),
     (0.32, '<span class="pos">+0.32</span>'), (-0.0499, '<span class="neutral">-0.05</span>'),
     (-0.05, '<span class="neg">-0.05</span>'),  # a complaint (feedback.insights.stats.is_negative): red
     (-0.4, '<span class="neg">-0.40</span>'), (None, "–")],
)
def test_sentiment_is_coloured_as_the_archive_counts_it(value: float | None, html: str) -> None:
    assert macro("{{ m.sentiment(v) }}".replace("v", repr(value))) == html


@pytest.mark.parametrize(
    ("trend", "baseline", "q", "words"),
    [("stable", 10, 0.762, "no real change"), ("emerging", 10, 0.001, "rising <small>(unlikely to be chance)</small>"),
     ("emerging", 0, 0.01, "new <small>(unlikely to be chance)</small>"),
     ("declining", 30, 0.02, "falling <small>(unlikely to be chance)</small>"), ("stable", None, None, "no real change"),
     ("emerging", 5, 0.0004, "rising <small>(unlikely to be chance)</small>")],
)
def test_a_trend_in_words_with_its_figure_in_a_tooltip(trend: str, baseline: int | None, q: float | None,
                                                      words: str) -> None:
    html = macro(f"{{{{ m.change({{'trend': {trend!r}, 'baseline': {baseline!r}, 'q_value': {q!r}}}) }}}}")
    assert re.sub(r"<span[^>]*>|</span>.*", "", html, flags=re.S) == words
    if q is not None and q < 0.001:
        assert 'title="q &lt; 0.001: the chance' in html and "q&nbsp;&lt;&nbsp;0.001</small>" in html
    elif q is not None:
        assert f'title="q = {q:.3f}: the chance' in html and f"q&nbsp;{q:.3f}</small>" in html
    else:
        assert 'title=""' in html and "q&nbsp;" not in html


# --- paging and exports over a small archive -------------------------------------------------

TEXTS = ["=HYPERLINK(\"http://evil.example\", \"refund\")", "+refund 555", "-refund now", "@refund SUM(A1)"]


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """120 comments saying "refund" (four begin like a formula) on survey and e-mail, one a day."""
    from datasette.app import Datasette

    path = empty_archive(tmp_path_factory.mktemp("pages"))
    db = sqlite_utils.Database(path)
    rows = []
    for i in range(120):
        day = f"2026-{6 + i // 30:02d}-{1 + i % 30:02d}"
        rows.append({"id": f"f{i:03d}", "source": "checkout-nps" if i % 3 else "support-email",
                     "channel": "survey" if i % 3 else "email", "received_at": f"{day}T10:00:00", "month": day[:7],
                     "text": TEXTS[i] if i < len(TEXTS) else f"refund number {i}", "rating_band": "low",
                     "sentiment": -0.5 + i / 120})
    db["feedback"].insert_all(rows, alter=True)
    db["feedback"].rebuild_fts()
    db.conn.close()
    return Datasette([str(path)])


def ids_on(page: str) -> list[str]:
    return re.findall(r'href="/-/feedback/comments/([^"]+)" class="fb-open"', page)


async def test_search_pages_through_every_match_newest_first(small: Any) -> None:
    pages = []
    for n in (1, 2, 3):
        response = await small.client.get(f"/-/feedback/search?q=refund&mode=keyword&page={n}")
        assert response.status_code == 200
        pages.append(response.text)
    shown = [ids_on(p) for p in pages]
    assert [len(s) for s in shown] == [50, 50, 20]
    assert sum(shown, []) == [f"f{i:03d}" for i in range(119, -1, -1)]  # every match once, newest first
    assert "51–100 shown" in pages[1] and "page 2 of 3" in pages[1]
    assert 'id="previous-page"' not in pages[0] and 'href="?q=refund&amp;mode=keyword&amp;page=2" rel="next"' in pages[0]
    assert 'href="?q=refund&amp;mode=keyword" rel="prev"' in pages[1]
    assert 'id="next-page"' not in pages[2]
    past = await small.client.get("/-/feedback/search?q=refund&mode=keyword&page=4")
    assert past.status_code == 200 and "Page 4 is past the last page of results (3)" in past.text
    for bad in ("0", "x", "-2", "10001"):
        response = await small.client.get(f"/-/feedback/search?q=refund&mode=keyword&page={bad}")
        assert response.status_code == 400 and "page must be a page number from 1 to 10000" in response.text


async def test_search_exports_every_match_as_json_and_as_spreadsheet_safe_csv(small: Any) -> None:
    as_json = (await small.client.get("/-/feedback/search.json?q=refund&mode=keyword&channel=survey")).json()
    assert as_json["total"] == as_json["count"] == 80 and as_json["truncated"] is False
    assert as_json["order"] == "newest first" and as_json["filters"] == {"channel": "survey"}
    assert [r["id"] for r in as_json["rows"]] == [f"f{i:03d}" for i in range(119, -1, -1) if i % 3]
    assert as_json["rows"][-1]["text"] == TEXTS[1]  # JSON is plain
    assert as_json["rows"][0]["url"] == "/-/feedback/comments/f119"
    response = await small.client.get("/-/feedback/search.csv?q=refund&mode=keyword")
    assert response.status_code == 200 and response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="feedback-search.csv"'
    table = list(csv.DictReader(io.StringIO(response.text)))
    assert len(table) == 120
    texts = {r["id"]: r["text"] for r in table}
    assert [texts[f"f{i:03d}"] for i in range(4)] == ["'" + t for t in TEXTS]
    sentiment = {r["id"]: r["sentiment"] for r in table}
    assert sentiment["f000"] == "-0.5"  # a negative number stays a number
    assert (await small.client.get("/-/feedback/search.csv?q=refund&mode=keyword&page=x")).status_code == 400
    missing = await small.client.get("/-/feedback/search.json")
    assert missing.status_code == 400 and missing.json()["error"] == "q is required: the text to search for (or a theme, section or promise, for all its comments)"


async def test_a_keyword_search_with_no_match_links_to_a_search_by_meaning(small: Any) -> None:
    page = (await small.client.get("/-/feedback/search?q=parcel&mode=keyword&channel=email")).text
    link = re.search(r'<a href="([^"]+)" id="try-meaning">', page)
    assert link and dict(parse_qsl(link.group(1)[1:].replace("&amp;", "&"))) == {
        "q": "parcel", "mode": "meaning", "channel": "email"}


async def test_facets_never_repeat_a_parameter_and_each_filter_can_be_removed(small: Any) -> None:
    page = (await small.client.get("/-/feedback/search?q=refund&mode=keyword&channel=survey&since=2026-07-01")).text
    links = re.findall(r'href="(\?[^"]*)"', page)
    assert len(links) > 5
    for link in links:
        keys = [k for k, _ in parse_qsl(link[1:].replace("&amp;", "&"))]
        assert len(keys) == len(set(keys)), link
    active = re.search(r'<p class="fb-active" id="active-filters">(.*?)</p>', page, flags=re.S)
    assert active
    removals = dict(re.findall(r'>(\w+): [^<]* <a href="([^"]+)" class="fb-remove"', active.group(1)))
    assert {k: dict(parse_qsl(v[1:].replace("&amp;", "&"))) for k, v in removals.items()} == {
        "channel": {"q": "refund", "mode": "keyword", "since": "2026-07-01"},
        "from": {"q": "refund", "mode": "keyword", "channel": "survey"},
    }
