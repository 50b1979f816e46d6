"""The search page's filters as SQL (``filter_sql``): fixed conditions, every value a parameter.

The exact fragment and parameters per case; the same cases run on a real SQLite table; and
hostile values through the real page (an empty archive: no model is loaded).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from feedback.serve.plugin import FILTERS, filter_sql

THEME = ("f.id in (select ft.feedback_id from feedback_themes ft"
         " where ft.theme_id in (select :theme union select id from themes where parent_id = :theme))")
EVERY = {"source": "checkout-nps", "channel": "survey", "band": "detractor", "since": "2026-07-01",
         "until": "2026-09-30", "theme": "2"}

# (page arguments, SQL fragment, parameters, ids of the rows of ROWS it keeps)
CASES: list[tuple[dict[str, str], str, dict[str, Any], list[str]]] = [
    ({}, "1", {}, ["a", "b", "c", "d"]),
    (dict.fromkeys(FILTERS, ""), "1", {}, ["a", "b", "c", "d"]),  # the form sends empty fields
    ({"q": "refund", "mode": "meaning"}, "1", {}, ["a", "b", "c", "d"]),  # not filters
    ({"source": "checkout-nps"}, "f.source = :source", {"source": "checkout-nps"}, ["a", "b"]),
    ({"channel": "email"}, "f.channel = :channel", {"channel": "email"}, ["c"]),
    ({"band": "detractor"}, "f.rating_band = :band", {"band": "detractor"}, ["a", "c"]),
    ({"since": "2026-07-01"}, "f.received_at >= :since", {"since": "2026-07-01"}, ["a", "c", "d"]),
    ({"until": "2026-09-30"}, "f.received_at < date(:until, '+1 day')", {"until": "2026-09-30"},
     ["a", "b", "c"]),  # the whole last day: 2026-09-30T23:59:59 is in
    ({"theme": "1"}, THEME, {"theme": 1}, ["a", "b", "c"]),  # a parent theme: its children's comments too
    ({"theme": "2"}, THEME, {"theme": 2}, ["a", "b"]),
    (EVERY, "f.source = :source and f.channel = :channel and f.rating_band = :band"
     " and f.received_at >= :since and f.received_at < date(:until, '+1 day') and " + THEME,
     {**{k: v for k, v in EVERY.items() if k != "theme"}, "theme": 2}, ["a"]),
    # hostile values end up as parameters, never in the SQL
    ({"source": "x' or '1'='1"}, "f.source = :source", {"source": "x' or '1'='1"}, []),
    ({"channel": "email'; drop table feedback; --"}, "f.channel = :channel",
     {"channel": "email'; drop table feedback; --"}, []),
    ({"band": ":source"}, "f.rating_band = :band", {"band": ":source"}, []),
    ({"since": "9' or '1'='1"}, "f.received_at >= :since", {"since": "9' or '1'='1"}, []),
    ({"until": "2026-01-01', '+100 years') or (1"}, "f.received_at < date(:until, '+1 day')",
     {"until": "2026-01-01', '+100 years') or (1"}, []),  # not a date: date() is null, nothing passes
    # a theme value that names no theme id is no theme filter (it used to be a 500 error)
    ({"theme": "1 or 1=1"}, "1", {}, ["a", "b", "c", "d"]),
    ({"theme": "-1"}, "1", {}, ["a", "b", "c", "d"]),
    ({"theme": "\u00b2"}, "1", {}, ["a", "b", "c", "d"]),  # a superscript two: a digit, not a number
    ({"theme": "9" * 30}, "1", {}, ["a", "b", "c", "d"]),  # beyond SQLite's 64-bit integers
]
IDS = ["nothing", "empty fields", "not filters", "source", "channel", "band", "since", "until", "parent theme",
       "child theme", "every filter", "quote in source", "statement in channel", "placeholder in band",
       "quote in since", "quote in until", "expression as theme", "negative theme", "superscript theme",
       "huge theme"]

# id, source, channel, band, received_at, theme ids; theme 1 is the parent of 2 and 3
ROWS = [
    ("a", "checkout-nps", "survey", "detractor", "2026-09-30T23:59:59", [2]),
    ("b", "checkout-nps", "survey", "promoter", "2026-06-30T10:00:00", [2]),
    ("c", "mail", "email", "detractor", "2026-07-01T00:00:00", [3]),
    ("d", "reviews", "review", None, "2026-10-01T00:00:00", [4]),
]


@pytest.fixture(scope="module")
def feedback() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.executescript("""
        create table feedback (id text primary key, source text, channel text, rating_band text, received_at text);
        create table feedback_themes (feedback_id text, theme_id integer);
        create table themes (id integer primary key, parent_id integer);
        insert into themes values (1, null), (2, 1), (3, 1), (4, null);
    """)
    for *row, themes in ROWS:
        conn.execute("insert into feedback values (?, ?, ?, ?, ?)", row)
        conn.executemany("insert into feedback_themes values (?, ?)", [(row[0], t) for t in themes])
    return conn


@pytest.mark.parametrize(("args", "sql", "params", "kept"), CASES, ids=IDS)
def test_filter_sql(args: dict[str, str], sql: str, params: dict[str, Any], kept: list[str]) -> None:
    assert filter_sql(args) == (sql, params)


@pytest.mark.parametrize(("args", "sql", "params", "kept"), CASES, ids=IDS)
def test_filter_sql_keeps_the_right_rows(feedback: sqlite3.Connection, args: dict[str, str], sql: str,
                                         params: dict[str, Any], kept: list[str]) -> None:
    where, values = filter_sql(args)
    assert [r[0] for r in feedback.execute(f"select f.id from feedback f where {where} order by f.id", values)] == kept
    assert feedback.execute("select count(*) from feedback").fetchone() == (4,)


async def test_hostile_filters_on_the_search_page_are_refused_plainly(tmp_path: Path) -> None:
    """A theme that is not a theme number is a 400 with a plain message (it was a 500, then ignored)."""
    from datasette.app import Datasette

    from feedback.config import Config
    from feedback.pipeline import archive_extensions
    from feedback.publish import publish
    from feedback.warehouse import open_warehouse

    publish(open_warehouse(tmp_path / "warehouse.db"), tmp_path / "archive.db",
            extensions=archive_extensions(Config()))
    ds = Datasette([str(tmp_path / "archive.db")])
    for mode in ("hybrid", "keyword"):
        for theme in ("1 or 1=1", "\u00b2", "9" * 30):
            response = await ds.client.get("/-/feedback/search", params={"q": "refund", "mode": mode, "theme": theme})
            assert response.status_code == 400, (mode, theme, response.text[-300:])
            assert "theme must be a theme number" in response.text


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({}, None),
        ({"exact_below": 0, "warm_up": True}, None),
        ({"exact_below": 50000, "warm_up": False}, None),
        ({"exact_below": "lots"}, "plugins.feedback.exact_below must be a whole number of comments (0 or more), not 'lots'"),
        ({"exact_below": -1}, "plugins.feedback.exact_below must be a whole number of comments (0 or more), not -1"),
        ({"exact_below": True}, "plugins.feedback.exact_below must be a whole number of comments (0 or more), not True"),
        ({"warm_up": "yes"}, "plugins.feedback.warm_up must be true or false, not 'yes'"),
    ],
)
def test_plugin_options_are_checked_at_start(options: dict[str, Any], error: str | None) -> None:
    from feedback.serve.plugin import check_settings

    if error is None:
        check_settings(options)
    else:
        with pytest.raises(ValueError) as caught:
            check_settings(options)
        assert str(caught.value) == error
