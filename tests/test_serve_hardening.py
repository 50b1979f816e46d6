"""The server under hostile requests: SQL is opt-in and bounded, errors are cheap and plain, bad
parameters are 400s, table permissions hold on every page, and no comment can change a page.

Fast tests use a small archive built here (no model); the ``slow`` ones use the sample archive
(``build_sample_archive``, shared with tests/test_datasette_plugin.py) and a real in-process
Datasette; two run ``feedback serve``'s own Datasette command line in a subprocess.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import sqlite_utils
import yaml

from feedback.serve import errors, limits
from feedback.serve.access import PAGE_TABLES, fts_parents
from feedback.serve.pages import chart_json

from .conftest import REPO, build_sample_archive

PAYLOADS = ["</script><script>alert(1)</script>", "<!--<script>", "a & b > c < d", "line\u2028sep\u2029end",
            "</SCRIPT >", "\\u003c is not <"]


def small_archive(path: Path) -> Path:
    """An archive as publish writes it, with a handful of comments (no model needed)."""
    from feedback.config import Config
    from feedback.pipeline import archive_extensions
    from feedback.publish import publish
    from feedback.warehouse import open_warehouse

    publish(open_warehouse(path.parent / "warehouse.db"), path, extensions=archive_extensions(Config()))
    db = sqlite_utils.Database(path)
    db["feedback"].insert_all(
        [{"id": f"f{i}", "source": "checkout-nps", "channel": "survey", "received_at": f"2026-07-0{i + 1}T10:00:00",
          "month": "2026-07", "text": text, "rating_band": "low"}
         for i, text in enumerate(["the refund never came", "a refund, at last", "delivery was late"])],
        alter=True)
    db["feedback"].rebuild_fts()
    db.conn.close()
    return path


def datasette(archive: Path, **kwargs: Any) -> Any:
    from datasette.app import Datasette

    return Datasette([str(archive)], **kwargs)


# --- embedded JSON ---------------------------------------------------------------------------

@pytest.mark.parametrize("text", PAYLOADS)
def test_chart_json_cannot_end_or_comment_out_its_script_element(text: str) -> None:
    value = [{"text": text, "n": 1}]
    encoded = chart_json(value)
    assert not set(encoded) & {"<", ">", "&", "\u2028", "\u2029"}
    assert json.loads(encoded) == value


# --- error pages -----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("exception", "status", "message"),
    [
        ("not found", 404, "no such page"),
        ("forbidden", 403, "view-table"),
        ("bad request", 400, "theme must be a theme number"),
        ("sort", 400, "Cannot sort table by nosuch"),
        ("sort both", 400, "Cannot use _sort and _sort_desc at the same time"),
        ("datasette 500", 500, "something Datasette could not do"),
        ("too big", 400, errors.TOO_BIG),
        ("sqlite too big", 400, errors.TOO_BIG),
        ("out of memory", 400, errors.TOO_BIG),
        ("bug", 500, errors.INTERNAL),
        ("sqlite error", 500, errors.INTERNAL),
        ("datasette parsing a parameter", 400, errors.MALFORMED),
        ("our own value error", 500, errors.INTERNAL),
        ("time limit", 503, errors.BUSY),
    ],
)
def test_error_status(exception: str, status: int, message: str) -> None:
    from datasette.database import QueryInterrupted
    from datasette.utils.asgi import BadRequest, Forbidden, NotFound
    from datasette.utils.sqlite import sqlite3 as served
    from datasette.views.base import DatasetteError

    raised = {
        "not found": NotFound("no such page"), "forbidden": Forbidden("view-table"),
        "bad request": BadRequest("theme must be a theme number"),
        "sort": DatasetteError("Cannot sort table by nosuch"),
        "sort both": DatasetteError("Cannot use _sort and _sort_desc at the same time"),
        "datasette 500": DatasetteError("something Datasette could not do"),
        "too big": limits.ResultTooLarge("more than 64 MB"), "sqlite too big": served.DataError("string or blob too big"),
        "out of memory": MemoryError(), "bug": KeyError("password"),
        "sqlite error": served.OperationalError("no such column: secret_column"),
        "time limit": QueryInterrupted(served.OperationalError("interrupted"), "select 1", ()),
    }.get(exception) or raised_in(exception)
    assert errors.error_status(raised)[:2] == (status, message)


def raised_in(case: str) -> BaseException:
    """A ValueError raised by Datasette's code, or by this project's."""
    from datasette.utils import value_as_boolean

    from feedback.serve.plugin import check_settings

    try:
        value_as_boolean("maybe") if case == "datasette parsing a parameter" else check_settings({"warm_up": "yes"})
    except ValueError as exc:
        return exc
    raise AssertionError(case)


def broken_archive(path: Path) -> Path:
    """A file the plugin serves (it has a feedback table) but cannot read (themes lacks label)."""
    conn = sqlite3.connect(path)
    conn.executescript("create table feedback (id text primary key, text text); create table themes (id integer);")
    conn.close()
    return path


@pytest.fixture
def rich_calls(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every rich traceback printed while the test runs (Datasette's default handler prints one per error)."""
    import datasette.app  # first: it registers Datasette's default plugins, the handler among them
    import datasette.handle_exception
    import rich.console

    assert datasette.handle_exception.rich is not None  # without the plugin, every error below would print one
    calls: list[Any] = []
    monkeypatch.setattr(rich.console.Console, "print_exception", lambda self, *a, **k: calls.append((a, k)))
    return calls


async def test_error_pages_are_plain_and_print_no_rich_traceback(tmp_path: Path, rich_calls: list[Any]) -> None:
    ds = datasette(broken_archive(tmp_path / "archive.db"))
    for path, status in (("/no-such-page", 404), ("/archive/no_such_table", 404), ("/-/feedback/themes/x", 404),
                         ("/archive/feedback?_sort=nosuch", 400)):
        response = await ds.client.get(path)
        assert response.status_code == status, path
        assert "<h1>" in response.text and "Traceback" not in response.text, path
    response = await ds.client.get("/-/feedback/search")  # the page's query fails: a server error
    assert response.status_code == 500
    assert errors.INTERNAL in html.unescape(response.text)
    assert "no such column" not in response.text and "Traceback" not in response.text
    as_json = await ds.client.get("/archive/no_such_table.json")
    assert as_json.status_code == 404 and as_json.json()["ok"] is False
    assert rich_calls == []


async def test_without_the_plugin_wrapper_datasette_prints_a_rich_traceback(
        tmp_path: Path, rich_calls: list[Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """The check above can fail: Datasette's own handler, left in place, prints one per error."""
    from feedback.serve import plugin

    monkeypatch.setattr(plugin, "replace_default_handler", lambda results, *args: results)
    ds = datasette(broken_archive(tmp_path / "archive.db"))
    assert (await ds.client.get("/archive/no_such_table")).status_code == 404
    assert len(rich_calls) == 1


# --- SQL: opt-in and bounded -----------------------------------------------------------------

async def test_arbitrary_sql_is_refused_when_off_and_canned_queries_still_answer(tmp_path: Path) -> None:
    metadata = {"databases": {"archive": {"queries": {"comments": {"sql": "select count(*) as n from feedback"}}}}}
    ds = datasette(small_archive(tmp_path / "archive.db"), metadata=metadata, settings={"default_allow_sql": False})
    assert (await ds.client.get("/archive.json?sql=select+zeroblob(1000000000)")).status_code == 403
    assert (await ds.client.get("/archive/feedback.json?_where=1")).status_code == 403
    assert (await ds.client.get("/archive/comments.json?_shape=array")).json() == [{"n": 3}]
    assert (await ds.client.get("/archive/feedback.json?_search=refund")).json()["filtered_table_rows_count"] == 2
    page = await ds.client.get("/-/feedback/search?q=refund&mode=keyword")
    assert page.status_code == 200 and 'id="result-count">2 comment' in page.text


async def test_a_query_returning_more_than_the_budget_is_a_400(tmp_path: Path) -> None:
    metadata = {"plugins": {"feedback": {"sql_result_mb": 1}}}
    ds = datasette(small_archive(tmp_path / "archive.db"), metadata=metadata)
    small = await ds.client.get("/archive.json?sql=select+length(zeroblob(500000))+as+n,+zeroblob(500000)+as+b&_shape=array")
    assert small.status_code == 200 and small.json()[0]["n"] == 500_000
    for sql in ("select zeroblob(2000000)",  # one value
                "with recursive c(x) as (select 1 union all select x + 1 from c limit 40) select randomblob(50000) from c"):
        response = await ds.client.get("/archive.json", params={"sql": sql})
        assert response.status_code == 400, sql
        assert response.json()["error"] == ("the result is larger than this server sends (1 MB):"
                                            " ask for fewer rows or shorter values")
    assert (await ds.client.get("/-/feedback/search?q=refund&mode=keyword")).status_code == 200  # the pages still read


def serve_command(tmp_path: Path, write_config: Callable[..., Path], monkeypatch: pytest.MonkeyPatch,
                  *options: str) -> list[str]:
    """The Datasette command line `feedback serve` runs, over a small archive."""
    from click.testing import CliRunner

    from feedback.cli import cli

    small_archive(tmp_path / "archive.db")
    metadata = {"plugins": {"feedback": {"warm_up": False}},
                "databases": {"archive": {"queries": {"comments": {"sql": "select count(*) as n from feedback"}}}}}
    (tmp_path / "metadata.yml").write_text(yaml.safe_dump(metadata), encoding="utf-8")
    path = write_config([], datasette_metadata="metadata.yml")
    commands: list[list[str]] = []
    monkeypatch.setattr("feedback.cli.check_port_free", lambda host, port: None)  # not what this is about
    monkeypatch.setattr("feedback.cli.run_until_stopped",
                        lambda command, probe, announce: commands.append(list(command)) or 0)
    result = CliRunner().invoke(cli, ["--config", str(path), "serve", *options])
    assert result.exit_code == 0, result.output
    return commands[0]


def get(command: list[str], path: str) -> tuple[int, str]:
    """One request answered by that command line's Datasette (``--get``: exit 0 for a 200)."""
    done = subprocess.run([*command, "--get", path], capture_output=True, text=True, timeout=300)
    return done.returncode, done.stdout


def test_feedback_serve_runs_no_sql_of_its_own_by_default(
        tmp_path: Path, write_config: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> None:
    command = serve_command(tmp_path, write_config, monkeypatch)
    assert command[command.index("default_allow_sql") - 1:][:2] == ["--setting", "default_allow_sql"]
    code, out = get(command, "/archive.json?sql=select+zeroblob(1000000000)")
    assert code == 1 and "<title>Forbidden</title>" in out and "execute-sql" in out  # Datasette's own 403 page
    code, out = get(command, "/archive/comments.json?_shape=array")  # a canned query still answers
    assert (code, json.loads(out)) == (0, [{"n": 3}])


def test_with_sql_allowed_a_huge_value_is_refused_not_built(
        tmp_path: Path, write_config: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """`zeroblob(1000000000)` once took the server to 16 GB: SQLite's heap cap refuses it."""
    command = serve_command(tmp_path, write_config, monkeypatch, "--allow-sql")
    code, out = get(command, "/archive.json?sql=select+count(*)+as+n+from+feedback&_shape=array")
    assert (code, json.loads(out)) == (0, [{"n": 3}])
    for sql in ("select+zeroblob(1000000000)", "select+length(randomblob(900000000))"):
        code, out = get(command, f"/archive.json?sql={sql}")
        assert code == 1 and json.loads(out) == {"ok": False, "error": errors.TOO_BIG, "status": 400, "title": None}


# --- full-text indexes follow their table ----------------------------------------------------

@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ([("feedback", "create table feedback (id text)"),
          ("feedback_fts", "CREATE VIRTUAL TABLE [feedback_fts] USING FTS5 ([title], [text], content=[feedback])"),
          *[(f"feedback_fts_{s}", "create table x (k)") for s in ("data", "idx", "docsize", "config")]],
         {"feedback_fts": "feedback", **{f"feedback_fts_{s}": "feedback" for s in ("data", "idx", "docsize", "config")}}),
        ([("docs", "create table docs (t)"), ("docs_fts", "create virtual table docs_fts using fts4(t, content='docs')"),
          ("docs_fts_segdir", "create table x (k)")], {"docs_fts": "docs", "docs_fts_segdir": "docs"}),
        ([("notes", "create table notes (t)"), ("notes_fts", "create virtual table notes_fts using fts5(t)"),
          ("notes_fts_content", "create table x (k)")],  # no content=: it holds its own copy, named for its table
         {"notes_fts": "notes", "notes_fts_content": "notes"}),
        ([("a", "create table a (t)"), ("search", "create virtual table search using fts5(t, content_rowid=id)")], {}),
        ([("a", "create table a (t)"), ("v", "create virtual table v using rtree(id, x0, x1)")], {}),
    ],
    ids=["fts5 external content", "fts4 content", "fts5 own copy", "no table to follow", "not full-text"],
)
def test_fts_parents(schema: list[tuple[str, str]], expected: dict[str, str]) -> None:
    assert fts_parents(schema) == expected


# --- over the sample archive -----------------------------------------------------------------

@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_sample_archive(tmp_path_factory) / "archive.db"


def metadata_with(**extra: Any) -> dict[str, Any]:
    metadata = yaml.safe_load((REPO / "data" / "datasette" / "metadata.yml").read_text())
    for key, value in extra.items():
        metadata[key] = value
    return metadata


@pytest.mark.slow
async def test_a_restricted_table_is_closed_on_every_page_that_reads_it(archive: Path) -> None:
    from datasette.app import Datasette

    metadata = metadata_with()
    metadata["databases"]["archive"]["tables"]["feedback"]["allow"] = {"id": "admin"}
    ds = Datasette([str(archive)], metadata=metadata)
    db = sqlite_utils.Database(archive)
    customer = db.execute("select customer from customers order by comments desc limit 1").fetchone()[0]
    theme = db.execute("select min(id) from themes").fetchone()[0]
    shadows = [t for t in db.table_names() if t.startswith("feedback_fts_")]
    assert shadows
    comment = db.execute("select id from feedback order by id limit 1").fetchone()[0]
    closed = ["/archive/feedback", "/archive/feedback_fts.json", *[f"/archive/{t}.json" for t in shadows],
              "/-/feedback/search?q=refund&mode=keyword", "/-/feedback/search?q=refund",
              "/-/feedback/search.csv?q=refund&mode=keyword", "/-/feedback/search.json?q=refund",
              f"/-/feedback/comments/{comment}",
              f"/-/feedback/customers/{customer}", f"/-/feedback/themes/{theme}", "/-/feedback/promises"]
    still_open = ["/-/feedback", "/-/feedback/themes", "/-/feedback/trends", "/-/feedback/drivers",
                  "/-/feedback/customers", "/-/feedback/actions", "/archive/themes"]
    admin = {"ds_actor": ds.sign({"a": {"id": "admin"}}, "actor")}
    staff = {"ds_actor": ds.sign({"a": {"id": "staff"}}, "actor")}
    sample = db.execute("select text from feedback where text like '%refund%' limit 1").fetchone()[0]
    for cookies in ({}, staff):
        for path in closed:
            response = await ds.client.get(path, cookies=cookies)
            assert response.status_code == 403, (path, cookies)
            assert html.escape(sample[:40]) not in response.text
        for path in still_open:
            assert (await ds.client.get(path, cookies=cookies)).status_code == 200, path
    for path in closed + still_open:
        assert (await ds.client.get(path, cookies=admin)).status_code == 200, path


@pytest.mark.slow
def test_every_page_names_the_tables_it_reads(archive: Path) -> None:
    """Every table a page may read is in the archive (a typo would check nothing)."""
    tables = set(sqlite_utils.Database(archive).table_names())
    assert {t for names in PAGE_TABLES.values() for t in names} <= tables


@pytest.mark.slow
async def test_a_comment_cannot_change_the_customer_page(archive: Path, tmp_path: Path) -> None:
    from datasette.app import Datasette

    copy = tmp_path / "archive.db"
    shutil.copy(archive, copy)
    conn = sqlite3.connect(copy)
    customer, ids = conn.execute(
        "select customer, group_concat(id) from feedback where customer is not null group by customer"
        " having count(*) >= 2 order by customer limit 1").fetchone()
    first, second = ids.split(",")[:2]
    conn.execute("update feedback set text = ? where id = ?", (PAYLOADS[0], first))
    conn.execute("update feedback set text = ? where id = ?", (PAYLOADS[1] + " " + PAYLOADS[2], second))
    conn.commit()
    conn.close()
    ds = Datasette([str(copy)], metadata=metadata_with())
    page = (await ds.client.get(f"/-/feedback/customers/{customer}")).text
    block = re.search(r'<script type="application/json" id="data-timeline">(.*?)</script>', page, flags=re.S)
    assert block
    texts = {row["id"]: row["text"] for row in json.loads(block.group(1))}
    assert texts[first] == PAYLOADS[0] and texts[second] == PAYLOADS[1] + " " + PAYLOADS[2]
    assert page.count("<script") == 4  # chart.js, the page's charts, the data block, Datasette's menu
    assert html.escape(PAYLOADS[0]) in page and "<!--" not in page


# --- malformed parameters on every page ------------------------------------------------------

NASTY = ["", " ", "0", "-1", "1.5", "9" * 30, "-" + "9" * 30, "inf", "-inf", "nan", "1e309", "0x10",
         "\x00", "a\x00b", '"', "'", '""', '"refund', "refund\"", "(", ")", "NEAR(a b", "*", "^", "a OR", "-",
         "\\", "%", "text:refund", "<script>alert(1)</script>", "\u2028", "\ufffd", "../..", "c_", "c_\x00",
         "x" * 10_000, "é" * 600, "1 or 1=1", "'; drop table feedback; --"]
RAW = ["%ff", "%C3%28", "%00", "%", "%zz", "%E2%80%A8"]  # sent as they are: percent escapes that are not UTF-8


def routes() -> dict[str, tuple[str, tuple[str, ...]]]:
    """Each plugin page route -> (a path for it with {} for its URL part, the parameters it reads)."""
    from feedback.serve.plugin import FILTERS

    return {
        r"^/-/feedback/?$": ("/-/feedback", ()),
        r"^/-/feedback/search$": ("/-/feedback/search", ("q", "mode", "page", *FILTERS)),
        r"^/-/feedback/search\.(?P<format>json|csv)$": ("/-/feedback/search.csv", ("q", "mode", "page", *FILTERS)),
        r"^/-/feedback/themes$": ("/-/feedback/themes", ("sort", "view")),
        r"^/-/feedback/themes/(?P<theme_id>[^/]+)$": ("/-/feedback/themes/{}", ()),
        r"^/-/feedback/trends$": ("/-/feedback/trends", ()),
        r"^/-/feedback/drivers$": ("/-/feedback/drivers", ()),
        r"^/-/feedback/promises$": ("/-/feedback/promises", ()),
        r"^/-/feedback/customers$": ("/-/feedback/customers", ("days", "silence", "page")),
        r"^/-/feedback/customers/(?P<customer>[^/]+)$": ("/-/feedback/customers/{}", ()),
        r"^/-/feedback/comments/(?P<comment_id>[^/]+)$": ("/-/feedback/comments/{}", ()),
        r"^/-/feedback/actions$": ("/-/feedback/actions", ()),
    }


def requests_for(path: str, params: tuple[str, ...]) -> list[str]:
    base = {"q": "refund", "mode": "keyword"} if "/search" in path else {}
    out = []
    if "{}" in path:
        out += [path.format(quote(v, safe="")) for v in NASTY if v.strip() and v not in (".", "..")]
        out += [path.format(raw) for raw in RAW if raw != "%"]
        return out
    out.append(path)
    for name in params:
        fixed = "".join(f"&{k}={quote(v)}" for k, v in base.items() if k != name)
        for value in NASTY:
            out.append(f"{path}?{name}={quote(value, safe='')}{fixed}")
        for raw in RAW:
            out.append(f"{path}?{name}={raw}{fixed}")
        out.append(f"{path}?{name}=1&{name}=inf&{name}=%22{fixed}")  # repeated
    return out


@pytest.mark.slow
async def test_no_malformed_parameter_makes_a_plugin_page_fail(archive: Path) -> None:
    from datasette.app import Datasette

    from feedback.serve.plugin import register_routes

    served = {pattern for pattern, _ in register_routes() if "static" not in pattern}
    assert served == set(routes())  # a new page needs its parameters here
    ds = Datasette([str(archive)], metadata=metadata_with())
    seen: dict[int, int] = {}
    for path, params in routes().values():
        for url in requests_for(path, params):
            response = await ds.client.get(url)
            seen[response.status_code] = seen.get(response.status_code, 0) + 1
            # 503: Datasette's time limit cut a query off (a loaded machine); never a 500
            assert response.status_code in (200, 302, 400, 403, 404, 503), (url[:200], response.text[-500:])
            if response.status_code != 200:
                assert not re.search(r"Traceback|sqlite3|OperationalError|Error:|File \"", response.text), url[:200]
    assert seen[200] > 100 and seen[400] > 100  # both the lenient and the refused cases ran
    # and Datasette's own table page, with its own parameters
    for name in ("_sort", "_sort_desc", "_size", "_search", "_facet", "_next", "_col", "_nocol", "_through",
                 "_where", "_fts_table", "_shape", "_labels", "_sort_by_desc", "_nofacet"):
        for value in NASTY[:30]:
            url = f"/archive/feedback?{name}={quote(value, safe='')}"
            response = await ds.client.get(url)
            assert response.status_code < 500, (url, response.text[-500:])


@pytest.mark.slow
async def test_bad_parameters_named_in_the_report_are_400s_with_a_plain_message(archive: Path) -> None:
    from datasette.app import Datasette

    ds = Datasette([str(archive)], metadata=metadata_with())
    cases = {
        "/-/feedback/search?q=%22": "the search text has no words to look for",
        "/-/feedback/search?q=refund&theme=abc": "theme must be a theme number, not &#39;abc&#39;",
        "/-/feedback/search?theme=99999999999999999999": "theme must be a theme number",
        "/-/feedback/themes/99999999999999999999": "a theme number is a whole number below 2^63",
        "/-/feedback/customers?days=inf": "days must be a number of days from 0 to 36500, not &#39;inf&#39;",
        "/-/feedback/search?q=a%00b&mode=keyword": "q must not contain a NUL character",
        "/-/feedback/search?q=refund&mode=fast": "mode must be one of hybrid, keyword, meaning",
        "/-/feedback/search?q=refund&mode=keyword&page=0": "page must be a page number from 1 to 10000, not &#39;0&#39;",
        "/-/feedback/search.csv?q=refund&page=x": "page must be a page number from 1 to 10000",
        "/-/feedback/search.json?q=refund&theme=abc": "theme must be a theme number, not 'abc'",
        "/archive/feedback?_sort=nosuch": "Cannot sort table by nosuch",
    }
    for url, message in cases.items():
        response = await ds.client.get(url)
        assert response.status_code == 400, url
        assert message in response.text, (url, response.text[-800:])
