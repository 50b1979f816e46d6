"""The search page and its exports: by words, by meaning, or both; paged, faceted, filterable.

``/-/feedback/search`` shows :data:`PAGE` results a page (``page=2`` ...); the same parameters
on ``/-/feedback/search.json`` or ``.csv`` give every matching comment, up to
:data:`EXPORT_ROWS` (the export says when it stopped there). Search by meaning and the fused
search rank at most :data:`CANDIDATES` comments per ranking; search by exact words
(``mode=keyword``) finds every comment with the words, newest first, and counts its facets
exactly (:mod:`feedback.serve.facets`). A theme chosen without search text lists every
comment of the theme (a group: of its sub-themes), newest first, with exact counts and facets
(:func:`browse`): the theme page's figures link there, and it shows as many comments as they say.
"""

from __future__ import annotations

import asyncio
import calendar
import csv
import io
import json
import re
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

import numpy as np
from datasette.utils import escape_fts
from datasette.utils.asgi import BadRequest, Response
from datasette.utils.sqlite import sqlite3 as served_sqlite

from feedback.embed import backend_of
from feedback.serve import queries as q
from feedback.serve.access import PAGE_TABLES, ensure_tables
from feedback.serve.errors import text_arg, whole_number
from feedback.serve.facets import facet_order, match_rowids, received_ranks
from feedback.serve.limits import unlimited
from feedback.serve.pages import archive_db, render
from feedback.serve.reload import served_key
from feedback.serve.search import IndexCache, QueryEncoder, SearchUnavailable, rrf
from feedback.spreadsheet import neutralise

CANDIDATES = 200  # per ranking, before fusion
FILTERED_CANDIDATES = 5000  # nearest comments considered when filters narrow the result
MIN_COSINE = 0.2
PAGE = 50  # results a page
MAX_PAGE = 10_000
EXPORT_ROWS = 10_000  # rows a .json / .csv export holds at most
# the comments that mention a promise (the promise page's "All mentions")
MENTIONS = "f.id in (select pm.feedback_id from promise_mentions pm where pm.promise_id = :promise)"
FILTERS = ("source", "channel", "theme", "section", "promise", "since", "until", "band")
# the comments with a point in a section of a large entry (in any of its sub-themes)
IN_SECTION = ("f.id in (select ft.feedback_id from feedback_themes ft where ft.theme_id in"
              f" (select theme_id from ({q.SECTION_MEMBERS}) where section_id = :section))")
MODES = ("hybrid", "keyword", "meaning")
MAX_QUERY = 500  # characters of search text
ORDER = {  # how the results are ordered, in the words the page uses
    "keyword": "newest first",
    "meaning": "closest in meaning first",
    "hybrid": "best keyword and meaning matches first",
    "words": "best keyword matches first",  # hybrid, when search by meaning is unavailable
    "browse": "newest first",  # a theme's comments, no search text
}
EXPORT_FIELDS = ("id", "url", "received_at", "source", "channel", "customer", "rating_raw", "rating_band",
                 "sentiment", "title", "text", "theme", "matched", "similarity")



@dataclass
class Searcher:
    """What a search reads besides the archive, loaded once per process (the plugin holds them)."""

    vectors: IndexCache  # the vector index per archive file (search by meaning)
    facets: IndexCache  # the facet arrays per archive file (search by exact words)
    encoder: Callable[[], QueryEncoder]  # the query embedder, loaded on first use
    options: dict[str, Any] = field(default_factory=dict)  # how the vector index is read (exact_below)


# --- parameters ------------------------------------------------------------------------------

def theme_filter(value: str) -> int | None:
    """The theme (or promise) id a filter value names; None (no such filter, not an error) when it names none."""
    return int(value) if value.isdecimal() and len(value) <= 18 else None  # SQLite integers are 64-bit


def search_args(request: Any) -> dict[str, str]:
    """The search page's parameters; 400 for a malformed one (unknown mode, a theme or a page that
    is not a number)."""
    args = {k: text_arg(request, k, MAX_QUERY if k == "q" else 200) for k in ("q", "mode", *FILTERS, "page")}
    if args["mode"] and args["mode"] not in MODES:
        raise BadRequest(f"mode must be one of {', '.join(MODES)}")
    if args["theme"] and theme_filter(args["theme"]) is None:
        raise BadRequest(f"theme must be a theme number, not {args['theme'][:40]!r}")
    if args["promise"] and theme_filter(args["promise"]) is None:
        raise BadRequest(f"promise must be a promise number, not {args['promise'][:40]!r}")
    if args["section"] and theme_filter(args["section"]) is None:
        raise BadRequest(f"section must be a section number, not {args['section'][:40]!r}")
    page_number(args["page"])
    return args


def page_number(value: str) -> int:
    """The page a request asks for: 1 when none; 400 unless a whole number from 1 to MAX_PAGE."""
    try:
        number = whole_number(value, "page")
    except BadRequest:
        number = 0
    if number is None:
        return 1
    if not 1 <= number <= MAX_PAGE:
        raise BadRequest(f"page must be a page number from 1 to {MAX_PAGE}, not {value[:40]!r}")
    return number


def search_query(args: dict[str, str], **changes: str | int | None) -> str:
    """The query string of the search with ``changes`` (None removes a parameter): each parameter
    once, in a fixed order, empty ones left out."""
    merged: dict[str, Any] = {**args, **changes}
    if "page" not in changes:
        merged["page"] = ""  # another search starts at its first page
    pairs = [(k, str(merged[k])) for k in ("q", "mode", *FILTERS, "page") if merged.get(k) not in (None, "")]
    if ("page", "1") in pairs:
        pairs.remove(("page", "1"))
    return "?" + urlencode(pairs)


def month_range(month: str) -> tuple[str, str] | None:
    """(first day, last day) of a YYYY-MM month, for the since / until filters of a month facet."""
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        return None
    year, number = int(month[:4]), int(month[5:])
    return f"{month}-01", f"{month}-{calendar.monthrange(year, number)[1]:02d}"


def filter_sql(args: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """SQL conditions on ``f`` (feedback) for the page's filters."""
    where: list[str] = []
    params: dict[str, Any] = {}
    for column in ("source", "channel"):
        if args.get(column):
            where.append(f"f.{column} = :{column}")
            params[column] = args[column]
    if args.get("band"):
        where.append("f.rating_band = :band")
        params["band"] = args["band"]
    if args.get("since"):
        where.append("f.received_at >= :since")
        params["since"] = args["since"]
    if args.get("until"):
        where.append("f.received_at < date(:until, '+1 day')")
        params["until"] = args["until"]
    theme = theme_filter(args.get("theme", ""))
    if theme is not None:
        # not "exists (select 1 ... where ft.feedback_id = f.id and ft.theme_id in (select :theme union
        # ...))": SQLite 3.51 returns a comment once per theme of the group it has for that (a
        # comment on two sub-themes ranked twice by words, its fused score doubled)
        where.append("f.id in (select ft.feedback_id from feedback_themes ft"
                     " where ft.theme_id in (select :theme union select id from themes where parent_id = :theme))")
        params["theme"] = theme
    section = theme_filter(args.get("section", ""))
    if section is not None:
        where.append(IN_SECTION)
        params["section"] = section
    promise = theme_filter(args.get("promise", ""))
    if promise is not None:
        where.append(MENTIONS)
        params["promise"] = promise
    return (" and ".join(where) or "1"), params


def fts_query(text: str) -> str:
    """The full-text query for search text, each word quoted as Datasette's table page does
    (``searchmode: escaped``); 400 when no word is left (text of quotes only)."""
    query = escape_fts(text)
    if not query.strip('" '):
        raise BadRequest("the search text has no words to look for")
    return query


# --- ranking ---------------------------------------------------------------------------------

async def matching(run: Any) -> Any:
    """Run a full-text query; SQLite's refusal of the query text is the request's fault (400)."""
    try:
        return await run
    except (served_sqlite.OperationalError, sqlite3.OperationalError) as exc:
        if "fts5" in str(exc) or "unterminated string" in str(exc) or "malformed MATCH" in str(exc):
            raise BadRequest(f"the search text could not be read as words: {exc}") from None
        raise


async def keyword_ranking(db: Any, text: str, args: dict[str, str]) -> list[int]:
    where, params = filter_sql(args)
    result = await matching(db.execute(
        f"""select f.rowid from feedback_fts join feedback f on f.rowid = feedback_fts.rowid
            where feedback_fts match :q and {where} order by rank limit {CANDIDATES}""",
        {"q": fts_query(text), **params},
    ))
    return [r[0] for r in result.rows]


async def meaning_ranking(searcher: Searcher, datasette: Any, db: Any, text: str,
                         args: dict[str, str]) -> tuple[list[int], dict[int, float]]:
    enc = searcher.encoder()
    key, current = served_key(db), datasette.databases.get(db.name) is db

    def load(conn: Any) -> Any:
        with unlimited(conn):  # reads every vector
            return searcher.vectors.get(db.path, conn, key, current, **searcher.options)

    index = await db.execute_fn(load)
    backend = backend_of(index.model_version)
    if enc.identity(backend) != (index.model, index.model_version):
        raise SearchUnavailable(f"the archive's vectors come from {index.model} {index.model_version},"
                                f" this server's model is {' '.join(enc.identity(backend))}")
    vector = await asyncio.to_thread(enc.encode, text, backend)
    filtered = any(args.get(k) for k in FILTERS)
    rowids, scores = await asyncio.to_thread(index.top, vector, FILTERED_CANDIDATES if filtered else CANDIDATES)
    cosine = {int(r): float(s) for r, s in zip(rowids, scores, strict=True) if s >= MIN_COSINE}
    ranked = [int(r) for r in rowids if int(r) in cosine]
    if filtered and ranked:
        where, params = filter_sql(args)
        allowed: set[int] = set()
        for start in range(0, len(ranked), 500):
            chunk = ranked[start:start + 500]
            result = await db.execute(
                f"select f.rowid from feedback f where f.rowid in ({','.join(map(str, chunk))}) and {where}", params)
            allowed.update(r[0] for r in result.rows)
        ranked = [r for r in ranked if r in allowed][:CANDIDATES]
    return ranked, cosine


@dataclass
class Found:
    """One search's answer: how many match, the rows asked for, facets, and how they are ordered."""

    total: int = 0
    rows: list[dict[str, Any]] = field(default_factory=list)
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    order: str = ""
    notice: str | None = None
    capped: list[str] = field(default_factory=list)  # the rankings that stopped at CANDIDATES: more may match


async def find(searcher: Searcher, datasette: Any, db: Any, args: dict[str, str], start: int, count: int) -> Found:
    """Rows ``start`` to ``start + count`` of the search ``args`` asks for, with the total and facets."""
    text, mode = args["q"], args["mode"] or "hybrid"
    if not text:
        return await browse(db, args, start, count) if browsing(args) else Found(order=ORDER[mode])
    if mode == "keyword":
        return await exact_search(searcher, db, datasette, text, args, start, count)
    keyword: list[int] = []
    meaning: list[int] = []
    cosine: dict[int, float] = {}
    found = Found(order=ORDER[mode])
    if mode == "hybrid":
        keyword = await keyword_ranking(db, text, args)
    try:
        meaning, cosine = await meaning_ranking(searcher, datasette, db, text, args)
    except SearchUnavailable as exc:
        found.notice = f"Search by meaning is unavailable: {exc}."
        if mode == "hybrid":
            found.notice += " Showing keyword matches only."
            found.order = ORDER["words"]
    found.capped = [name for name, ranked in (("words", keyword), ("meaning", meaning)) if len(ranked) >= CANDIDATES]
    fused = rrf([r for r in (keyword, meaning) if r])
    keyword_set = set(keyword)
    details = await _feedback_by_rowid(db, [rowid for rowid, _ in fused])
    results = []
    for rowid, score in fused:
        row = details.get(rowid)
        if row is None:
            continue
        row["how"] = "both" if rowid in keyword_set and rowid in cosine else ("words" if rowid in keyword_set else "meaning")
        row["similarity"] = round(cosine[rowid], 3) if rowid in cosine else None
        row["fused"] = round(score, 5)
        results.append(row)
    for name, key in (("channel", "channel"), ("source", "source"), ("band", "rating_band"),
                      ("theme", "theme_labels"), ("month", "month")):
        counts: dict[str, int] = {}
        for row in results:  # a comment counts in each of its themes, as the theme pages count it
            for value in json.loads(row[key] or "[]") if key == "theme_labels" else [row.get(key)]:
                if value:
                    counts[value] = counts.get(value, 0) + 1
        found.facets[name] = facet_order(name, list(counts.items()))
    found.total, found.rows = len(results), results[start:start + count]
    return found


def browsing(args: dict[str, str]) -> bool:
    """A theme's, a section's or a promise's comments listed without search text (one chosen, no words)."""
    return not args["q"] and any(theme_filter(args.get(k, "")) is not None for k in ("theme", "section", "promise"))


async def browse(db: Any, args: dict[str, str], start: int, count: int) -> Found:
    """Every comment of the chosen theme (a group: of any of its sub-themes) or promise that passes
    the other filters, newest first, with exact counts and facets. Read from the theme's rows of
    ``feedback_themes`` (its index) or the promise's mentions, so the cost follows their size, not
    the archive's."""
    where, params = filter_sql({**args, "theme": ""})
    chosen = []
    if theme_filter(args["theme"]) is not None:
        params["theme"] = theme_filter(args["theme"])
        chosen.append("f.id in (select ft.feedback_id from feedback_themes ft where ft.theme_id in"
                      " (select :theme union select id from themes where parent_id = :theme))")
    condition = " and ".join([*chosen, where])
    total = (await q.rows(db, f"select count(*) as n from feedback f where {condition}", params))[0]["n"]
    page = await q.rows(db, f"select f.rowid as rowid from feedback f where {condition}"
                            " order by f.received_at desc, f.id limit :n offset :s", {**params, "n": count, "s": start})
    details = await _feedback_by_rowid(db, [r["rowid"] for r in page])
    found = Found(total, [{**details[r["rowid"]], "how": "theme", "similarity": None}
                          for r in page if r["rowid"] in details], order=ORDER["browse"])
    every = ("feedback f join feedback_themes ft on ft.feedback_id = f.id join themes t on t.id = ft.theme_id")
    for name, column in (("channel", "f.channel"), ("source", "f.source"), ("band", "f.rating_band"),
                         ("theme", "t.label"), ("month", "f.month")):
        counted = await q.rows(db, f"""
            select value, count(*) as n from (select {column} as value from {every if name == 'theme' else 'feedback f'}
                                             where {condition})
            where value is not null group by value order by {'value desc' if name == 'month' else 'n desc, value'}
            limit 10""", params)  # as facet_order: the months newest first
        found.facets[name] = [(r["value"], r["n"]) for r in counted]
    return found


async def exact_search(searcher: Searcher, db: Any, datasette: Any, text: str, args: dict[str, str],
                       start: int, count: int) -> Found:
    """Every comment with the words: exact count and facets, the newest first (insights_facets)."""
    key, current = served_key(db), datasette.databases.get(db.name) is db
    query = fts_query(text)

    def run(conn: Any) -> tuple[np.ndarray, Any, tuple[int | None, int | None]]:
        with unlimited(conn):
            index = searcher.facets.get(db.path, conn, key, current)
            rowids = match_rowids(conn, query)  # one group_concat of every matching rowid
        return rowids, index, received_ranks(conn, args["since"], args["until"])

    rowids, index, (since, until) = await matching(db.execute_fn(run))
    filters = {"source": args["source"], "channel": args["channel"], "rating_band": args["band"],
               "theme": args["theme"] if theme_filter(args["theme"]) is not None else "",
               "section": args["section"] if theme_filter(args["section"]) is not None else ""}
    selected = index.select(rowids, filters, since, until)
    promise = theme_filter(args["promise"])
    if promise is not None:  # the facet index knows no promises: their mentions, read from the archive
        mentioned = await q.rows(db, "select f.rowid as rowid from promise_mentions pm join feedback f"
                                     " on f.id = pm.feedback_id where pm.promise_id = :p", {"p": promise})
        selected = selected[np.isin(selected, np.array([r["rowid"] for r in mentioned], dtype=selected.dtype))]
    found = index.facets(selected)
    facets = {"channel": found["channel"], "source": found["source"], "band": found["rating_band"],
              "theme": found["theme"], "month": found["month"]}
    page = index.newest(selected, start + count)[start:]
    details = await _feedback_by_rowid(db, page)
    results = [{**details[rowid], "how": "words", "similarity": None} for rowid in page if rowid in details]
    return Found(len(selected), results, facets, ORDER["keyword"])


async def _feedback_by_rowid(db: Any, rowids: list[int]) -> dict[int, dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {}
    for start in range(0, len(rowids), 500):
        chunk = ",".join(str(int(r)) for r in rowids[start:start + 500])
        for row in await q.rows(db, f"""
            select f.rowid as rowid, {q.FEEDBACK_FIELDS}, f.month,
                   (select t.label from feedback_themes ft join themes t on t.id = ft.theme_id
                    where ft.feedback_id = f.id order by ft.score desc limit 1) as theme_label,
                   (select json_group_array(t.label) from feedback_themes ft join themes t on t.id = ft.theme_id
                    where ft.feedback_id = f.id) as theme_labels
            from feedback f where f.rowid in ({chunk})"""):
            out[row["rowid"]] = row
    return out


# --- the page and its exports ----------------------------------------------------------------

def active_filters(args: dict[str, str], theme_labels: dict[int, str],
                   promises: dict[int, str] | None = None,
                   sections: dict[int, str] | None = None) -> list[dict[str, str]]:
    """Each filter in force: its name, its value as a person reads it (a theme's label, a promise's
    words), the search without it."""
    names = {"band": "rating", "since": "from", "until": "to"}
    out = []
    for name in FILTERS:
        value = args.get(name)
        if not value:
            continue
        named = {"theme": theme_labels, "promise": promises or {}, "section": sections or {}}.get(name)
        shown = named.get(theme_filter(value) or -1, value) if named is not None else value
        out.append({"name": names.get(name, name), "value": shown, "remove": search_query(args, **{name: None})})
    return out


def taxonomy_order(themes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Themes as the theme filter lists them: each top-level theme (by label) followed by its
    sub-themes (by label), each with its ``depth`` (0 at the top); a theme whose parent is not
    there counts as top-level, and every theme is listed once."""
    ids = {t["id"] for t in themes}
    children: dict[Any, list[dict[str, Any]]] = {}
    for t in themes:
        children.setdefault(t["parent_id"] if t["parent_id"] in ids else None, []).append(t)
    out: list[dict[str, Any]] = []
    seen: set[Any] = set()

    def walk(parent: Any, depth: int) -> None:
        for t in sorted(children.get(parent, []), key=lambda t: (t["label"] or "", t["id"])):
            if t["id"] not in seen:
                seen.add(t["id"])
                out.append({**t, "depth": depth})
                walk(t["id"], depth + 1)

    walk(None, 0)
    for t in themes:  # a loop of parents, which the engine never makes: still listed
        if t["id"] not in seen:
            seen.add(t["id"])
            out.append({**t, "depth": 0})
    return out


async def search(searcher: Searcher, datasette: Any, request: Any) -> Response:
    db = await archive_db(datasette, request, "search")
    args = search_args(request)
    promises = await promise_filter(datasette, request, db, args)
    mode = args["mode"] or "hybrid"
    page = page_number(args["page"])
    started = time.perf_counter()
    found = await find(searcher, datasette, db, args, (page - 1) * PAGE, PAGE)
    # every theme of each shown comment, its main one first: "Friendly staff, but I'm still waiting on
    # a refund" is found for the refund and should say so, not only name the staff theme
    of = await q.comment_themes(db, [r["id"] for r in found.rows])
    for row in found.rows:
        row["themes"] = of.get(row["id"], [])
    themes = taxonomy_order(await q.rows(db, "select id, label, parent_id from themes"))
    theme_ids = {t["label"]: t["id"] for t in themes}
    pages = max(1, -(-found.total // PAGE))

    def here(**changes: str | int | None) -> str:
        return search_query(args, **changes)

    months = {value: month_range(value) for value, _ in found.facets.get("month", [])}
    return await render(datasette, request, db, "feedback_search.html", {
        "args": args, "mode": mode, "results": found.rows, "total": found.total, "facets": found.facets,
        "exact": mode == "keyword", "browsing": browsing(args), "order": found.order, "theme_ids": theme_ids, "themes": themes,
        "notice": found.notice, "capped": found.capped, "candidates": CANDIDATES, "page": page, "pages": pages, "first": (page - 1) * PAGE + 1, "here": here,
        "sections": await q.rows(db, "select x.id, x.label, p.label as parent_label from theme_sections x"
                                     " join themes p on p.id = x.parent_id order by p.label, x.label"),
        "months": months, "active": active_filters(args, {t["id"]: t["label"] for t in themes}, promises,
                                                   await q.section_names(db, theme_filter(args["section"]))),
        "export": search_query(args, page=None), "export_rows": EXPORT_ROWS,
        "sources": await q.rows(db, "select name, channel from sources order by name"),
        "ms": round((time.perf_counter() - started) * 1000),
    })


async def promise_filter(datasette: Any, request: Any, db: Any, args: dict[str, str]) -> dict[int, str]:
    """{id: words} of the promises, when the search is narrowed to one: it reads their tables, so
    the reader must be allowed to view them (403 otherwise, as the promise page answers)."""
    if theme_filter(args["promise"]) is None:
        return {}
    await ensure_tables(datasette, request.actor, db.name, PAGE_TABLES["promise_filter"])
    return {r["id"]: r["promise"] for r in await q.rows(db, "select id, promise from promises")}


def export_row(datasette: Any, row: dict[str, Any]) -> dict[str, Any]:
    url = datasette.urls.path(f"/-/feedback/comments/{comment_path(row['id'])}")
    return {**{k: row.get(k) for k in EXPORT_FIELDS}, "url": url, "theme": row.get("theme_label"),
            "matched": row.get("how")}


def comment_path(comment_id: str) -> str:
    """A comment id as one URL path segment."""
    return quote(str(comment_id), safe="")


async def search_export(searcher: Searcher, datasette: Any, request: Any) -> Response:
    """``search.json`` / ``search.csv``: every matching comment, up to EXPORT_ROWS."""
    db = await archive_db(datasette, request, "search")
    args = search_args(request)
    await promise_filter(datasette, request, db, args)
    if not args["q"] and not browsing(args):
        raise BadRequest("q is required: the text to search for (or a theme, section or promise, for all its comments)")
    found = await find(searcher, datasette, db, args, 0, EXPORT_ROWS)
    rows = [export_row(datasette, r) for r in found.rows]
    if request.url_vars["format"] == "json":
        return Response.json({
            "ok": True, "q": args["q"], "mode": args["mode"] or "hybrid",
            "filters": {k: args[k] for k in FILTERS if args[k]}, "order": found.order, "total": found.total,
            "count": len(rows), "truncated": found.total > len(rows), "row_cap": EXPORT_ROWS,
            "notice": found.notice, "rows": rows,
        })
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_FIELDS)
    for row in rows:
        writer.writerow([neutralise(row[k]) for k in EXPORT_FIELDS])
    return Response(out.getvalue(), content_type="text/csv; charset=utf-8",
                    headers={"content-disposition": 'attachment; filename="feedback-search.csv"'})
