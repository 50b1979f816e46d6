"""Datasette plugin: search by meaning, themes, trends, score drivers, the promise gap, customers.

Pages live under ``/-/feedback/`` and read the archive tables that :mod:`feedback.insights.tables`
publishes. Configure in metadata (all optional)::

    plugins:
      feedback:
        database: archive        # default: the first database with a feedback table
        model_path: /models/x    # default: the packaged all-MiniLM-L6-v2
        answer_days: 2           # "at risk": a complaint unanswered this long
        silence_days: 30         # ... or a returning customer silent this long after one
        warm_up: true            # default false; `feedback serve` sets it unless the file does
        exact_below: 50000       # search by meaning ranks every vector exactly below this many
                                 # comments, in two stages (PCA first pass, exact re-rank) from it
        sql_result_mb: 64        # text and blobs one query may return (feedback.serve.limits)
        sql_memory_mb: 512       # cap on SQLite's memory for the whole process; default none,
                                 # `feedback serve` sets 512 unless the file does

The embedding model is loaded once per process, on the first search by meaning (the CLI
sets ``HF_HUB_OFFLINE=1``); the vectors once per archive file. A new publish is served from
the next request on, without a restart (:mod:`feedback.serve.reload`). With ``warm_up: true``
the model and each archive's search indexes are loaded in the background at start and after
a new publish, so the first search does not wait for them (8-25 s at a million comments).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
import time
from collections.abc import Generator
from pathlib import Path
from typing import Any

import numpy as np
from datasette import hookimpl
from datasette.utils import escape_fts
from datasette.utils.asgi import BadRequest, Response, asgi_static
from datasette.utils.sqlite import sqlite3 as served_sqlite
from jinja2 import FileSystemLoader

from feedback.serve import pages
from feedback.serve import queries as q
from feedback.serve.access import fts_permission
from feedback.serve.errors import replace_default_handler, text_arg
from feedback.serve.facets import load_facets, match_rowids, received_ranks
from feedback.serve.limits import RESULT_BYTES, cap_sqlite_memory, limit_connection, unlimited
from feedback.serve.pages import NAV, archive_db, render, settings
from feedback.serve.reload import reopen_middleware, served_key
from feedback.serve.search import EXACT_BELOW, IndexCache, QueryEncoder, SearchUnavailable, rrf

HERE = Path(__file__).parent
CANDIDATES = 200  # per ranking, before fusion
FILTERED_CANDIDATES = 5000  # nearest comments considered when filters narrow the result
MIN_COSINE = 0.2
PAGE = 50
FILTERS = ("source", "channel", "theme", "since", "until", "band")
MODES = ("hybrid", "keyword", "meaning")
MAX_QUERY = 500  # characters of search text

_indexes = IndexCache()
_facet_indexes = IndexCache(load_facets)
_encoders: dict[str, QueryEncoder] = {}
_warming: list[threading.Thread] = []  # background warm-ups started (tests join them)
log = logging.getLogger(__name__)


def check_settings(options: dict[str, Any]) -> None:
    """Refuse plugin options that could only fail later, on every search: one clear line at start."""
    below = options.get("exact_below")
    if below is not None and (isinstance(below, bool) or not isinstance(below, int) or below < 0):
        raise ValueError(f"plugins.feedback.exact_below must be a whole number of comments (0 or more), not {below!r}")
    warm = options.get("warm_up")
    if warm is not None and not isinstance(warm, bool):
        raise ValueError(f"plugins.feedback.warm_up must be true or false, not {warm!r}")
    for name in ("sql_result_mb", "sql_memory_mb"):
        value = options.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise ValueError(f"plugins.feedback.{name} must be a whole number of megabytes (1 or more), not {value!r}")


def index_options(datasette: Any) -> dict[str, Any]:
    """How the vector index is read: exactly below ``exact_below`` comments, in two stages from it."""
    value = settings(datasette).get("exact_below")
    return {"exact_below": EXACT_BELOW if value is None else int(value)}


def encoder(datasette: Any) -> QueryEncoder:
    path = settings(datasette).get("model_path")
    key = str(path or "")
    if key not in _encoders:
        _encoders[key] = QueryEncoder(path)
    return _encoders[key]


# --- search ----------------------------------------------------------------------------------

def theme_filter(value: str) -> int | None:
    """The theme id a filter value names; None (no theme filter, not an error) when it names none."""
    return int(value) if value.isdecimal() and len(value) <= 18 else None  # SQLite integers are 64-bit


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
        where.append("exists (select 1 from feedback_themes ft where ft.feedback_id = f.id"
                     " and ft.theme_id in (select :theme union select id from themes where parent_id = :theme))")
        params["theme"] = theme
    return (" and ".join(where) or "1"), params


def fts_query(text: str) -> str:
    """The full-text query for search text, each word quoted as Datasette's table page does
    (``searchmode: escaped``); 400 when no word is left (text of quotes only)."""
    query = escape_fts(text)
    if not query.strip('" '):
        raise BadRequest("the search text has no words to look for")
    return query


def search_args(request: Any) -> dict[str, str]:
    """The search page's parameters; 400 for a malformed one (unknown mode, a theme that is not a number)."""
    args = {k: text_arg(request, k, MAX_QUERY if k == "q" else 200) for k in ("q", "mode", *FILTERS)}
    if args["mode"] and args["mode"] not in MODES:
        raise BadRequest(f"mode must be one of {', '.join(MODES)}")
    if args["theme"] and theme_filter(args["theme"]) is None:
        raise BadRequest(f"theme must be a theme number, not {args['theme'][:40]!r}")
    return args


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


def _load_index(conn: Any, path: str, key: Any, current: bool, options: dict[str, Any]) -> Any:
    with unlimited(conn):  # reads every vector
        return _indexes.get(path, conn, key, current, **options)


async def meaning_ranking(datasette: Any, db: Any, text: str, args: dict[str, str]) -> tuple[list[int], dict[int, float]]:
    enc = encoder(datasette)
    key, current = served_key(db), datasette.databases.get(db.name) is db
    options = index_options(datasette)
    index = await db.execute_fn(lambda conn: _load_index(conn, db.path, key, current, options))
    if enc.identity() != (index.model, index.model_version):
        raise SearchUnavailable(f"the archive's vectors come from {index.model} {index.model_version},"
                                f" this server's model is {' '.join(enc.identity())}")
    vector = await asyncio.to_thread(enc.encode, text)
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


async def search(datasette: Any, request: Any) -> Response:
    db = await archive_db(datasette, request, "search")
    args = search_args(request)
    text, mode = args["q"], args["mode"] or "hybrid"
    started = time.perf_counter()
    results: list[dict[str, Any]] = []
    facets: dict[str, list[tuple[str, int]]] = {}
    total = 0
    notice = None
    exact = mode == "keyword"
    if text and exact:
        total, results, facets = await exact_search(db, datasette, text, args)
    elif text:
        keyword: list[int] = []
        meaning: list[int] = []
        cosine: dict[int, float] = {}
        if mode in ("hybrid", "keyword"):
            keyword = await keyword_ranking(db, text, args)
        if mode in ("hybrid", "meaning"):
            try:
                meaning, cosine = await meaning_ranking(datasette, db, text, args)
            except SearchUnavailable as exc:
                notice = f"Search by meaning is unavailable: {exc}. Showing keyword matches only."
        fused = rrf([r for r in (keyword, meaning) if r])
        keyword_set = set(keyword)
        fused_ids = [rowid for rowid, _ in fused]
        details = await _feedback_by_rowid(db, fused_ids)
        for rowid, score in fused:
            row = details.get(rowid)
            if row is None:
                continue
            row["how"] = "both" if rowid in keyword_set and rowid in cosine else ("words" if rowid in keyword_set else "meaning")
            row["similarity"] = round(cosine[rowid], 3) if rowid in cosine else None
            row["fused"] = round(score, 5)
            results.append(row)
        for name, key in (("channel", "channel"), ("source", "source"), ("band", "rating_band"),
                          ("theme", "theme_label"), ("month", "month")):
            counts: dict[str, int] = {}
            for row in results:
                if row.get(key):
                    counts[row[key]] = counts.get(row[key], 0) + 1
            facets[name] = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
        total = len(results)
    themes = await q.rows(db, "select id, label from themes order by label")
    theme_ids = {t["label"]: t["id"] for t in themes}
    return await render(datasette, request, db, "feedback_search.html", {
        "args": args, "mode": mode, "results": results[:PAGE], "total": total, "facets": facets, "exact": exact,
        "theme_ids": theme_ids, "themes": themes, "notice": notice,
        "sources": await q.rows(db, "select name, channel from sources order by name"),
        "ms": round((time.perf_counter() - started) * 1000),
    })


async def exact_search(db: Any, datasette: Any, text: str, args: dict[str, str]) -> tuple[
        int, list[dict[str, Any]], dict[str, list[tuple[str, int]]]]:
    """Every comment with the words: exact count and facets, the newest first (insights_facets)."""
    key, current = served_key(db), datasette.databases.get(db.name) is db

    query = fts_query(text)

    def run(conn: Any) -> tuple[np.ndarray, Any, tuple[int | None, int | None]]:
        with unlimited(conn):
            index = _facet_indexes.get(db.path, conn, key, current)
            rowids = match_rowids(conn, query)  # one group_concat of every matching rowid
        return rowids, index, received_ranks(conn, args["since"], args["until"])

    rowids, index, (since, until) = await matching(db.execute_fn(run))
    filters = {"source": args["source"], "channel": args["channel"], "rating_band": args["band"],
               "theme": args["theme"] if theme_filter(args["theme"]) is not None else ""}
    selected = index.select(rowids, filters, since, until)
    found = index.facets(selected)
    facets = {"channel": found["channel"], "source": found["source"], "band": found["rating_band"],
              "theme": found["theme"], "month": found["month"]}
    page = index.newest(selected, PAGE)
    details = await _feedback_by_rowid(db, page)
    results = []
    for rowid in page:
        if rowid in details:
            results.append({**details[rowid], "how": "words", "similarity": None})
    return len(selected), results, facets


async def _feedback_by_rowid(db: Any, rowids: list[int]) -> dict[int, dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {}
    for start in range(0, len(rowids), 500):
        chunk = ",".join(str(int(r)) for r in rowids[start:start + 500])
        for row in await q.rows(db, f"""
            select f.rowid as rowid, {q.FEEDBACK_FIELDS}, f.month,
                   (select t.label from feedback_themes ft join themes t on t.id = ft.theme_id
                    where ft.feedback_id = f.id order by ft.score desc limit 1) as theme_label
            from feedback f where f.rowid in ({chunk})"""):
            out[row["rowid"]] = row
    return out


# --- hooks -----------------------------------------------------------------------------------

@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [
        (r"^/-/feedback/?$", pages.overview),
        (r"^/-/feedback/search$", search),
        (r"^/-/feedback/themes$", pages.themes),
        (r"^/-/feedback/themes/(?P<theme_id>[^/]+)$", pages.theme_page),
        (r"^/-/feedback/trends$", pages.trends),
        (r"^/-/feedback/drivers$", pages.drivers),
        (r"^/-/feedback/promises$", pages.promises),
        (r"^/-/feedback/customers$", pages.customers),
        (r"^/-/feedback/customers/(?P<customer>[^/]+)$", pages.customer_page),
        (r"^/-/feedback/actions$", pages.actions),
        (r"^/-/feedback/static/(?P<path>.*)$", asgi_static(str(HERE / "static"))),
    ]


MMAP_BYTES = 1 << 36  # map the whole archive: row lookups read the OS page cache without a system call


@hookimpl
def prepare_connection(conn: Any, database: str, datasette: Any) -> None:
    result_mb = settings(datasette).get("sql_result_mb")  # no query may return more (feedback.serve.limits)
    limit_connection(conn, RESULT_BYTES if result_mb is None else int(result_mb) * 2**20)
    db = datasette.databases.get(database)
    if db is not None and db.path and not db.is_mutable:  # a file that is never written while served
        conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")


@hookimpl
def permission_allowed(datasette: Any, actor: dict[str, Any] | None, action: str, resource: Any) -> Any:
    async def inner() -> bool | None:  # a full-text index is closed to whoever may not view its table
        return await fts_permission(datasette, actor, action, resource)

    return inner


@hookimpl(wrapper=True)
def handle_exception(datasette: Any, request: Any, exception: Exception) -> Generator[None, list[Any], list[Any]]:
    # Datasette's own handler prints a rich traceback with locals for every error: replace it.
    results = yield
    return replace_default_handler(results, datasette, request, exception)


def warm_up(datasette: Any, names: list[str]) -> None:
    """Read the named archives' search indexes and load the query model (in a background thread:
    ``datasette serve`` runs the startup hooks on an event loop it then leaves for uvicorn's)."""
    wanted = False
    for name in names:
        db = datasette.databases.get(name)
        if db is None or db.is_mutable or not db.path:
            continue
        key = served_key(db)
        try:
            conn = sqlite3.connect(f"file:{db.path}?immutable=1", uri=True)
            try:
                tables = {r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")}
                if "feedback_vectors" in tables:
                    wanted = True
                    _indexes.get(db.path, conn, key, True, **index_options(datasette))
                if "feedback_fts" in tables:
                    _facet_indexes.get(db.path, conn, key, True)
            finally:
                conn.close()
        except Exception as exc:  # an optimisation only: the first search loads what is missing
            log.warning("warm-up of %s failed: %s", name, exc)
    if wanted:
        encoder(datasette).encode("warm up")  # imports torch and loads the weights
    log.info("search indexes ready: %s", ", ".join(names))


def start_warm_up(datasette: Any, names: list[str]) -> None:
    """Warm the named archives up in a background thread, when the ``warm_up`` option is set."""
    if settings(datasette).get("warm_up") is not True or not names:
        return
    thread = threading.Thread(target=warm_up, args=(datasette, names), name="feedback-warm-up", daemon=True)
    _warming.append(thread)
    thread.start()


@hookimpl
def startup(datasette: Any) -> Any:
    check_settings(settings(datasette))
    memory_mb = settings(datasette).get("sql_memory_mb")
    if memory_mb is not None:  # for the whole process: set where Datasette serves (feedback serve)
        log.info("SQLite memory capped at %d bytes", cap_sqlite_memory(int(memory_mb)))

    async def inner() -> None:
        # Note which file version each served database opened, so a later publish is noticed.
        for db in datasette.databases.values():
            served_key(db)
        start_warm_up(datasette, [name for name in datasette.databases if name != "_internal"])

    return inner


@hookimpl
def asgi_wrapper(datasette: Any) -> Any:
    return reopen_middleware(datasette, on_reopen=lambda names: start_warm_up(datasette, names))


@hookimpl
def prepare_jinja2_environment(env: Any) -> None:
    # Python 3.11's importlib.resources cannot see templates beside a plugin *module*.
    env.loader.loaders.append(FileSystemLoader(str(HERE / "templates")))


@hookimpl
def menu_links() -> list[dict[str, str]]:
    return [{"href": href, "label": label} for label, href in NAV]


@hookimpl
def extra_template_vars(datasette: Any) -> dict[str, Any]:
    return {"feedback_static": datasette.urls.path("/-/feedback/static/")}
