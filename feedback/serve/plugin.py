"""Datasette plugin: search by meaning, comments, themes, trends, score drivers, the promise gap, customers.

Pages live under ``/-/feedback/`` and read the archive tables that :mod:`feedback.insights.tables`
publishes. Configure in metadata (all optional)::

    plugins:
      feedback:
        database: archive        # default: the first database with a feedback table
        model_path: /models/x    # default: the packaged all-MiniLM-L6-v2
        embed_cache: /cache/x    # the ONNX exports' folder (embed.cache); `feedback serve` sets it
                                 # when the configuration does; default: the user's cache folder
        answer_days: 2           # "at risk": a complaint unanswered this long
        silence_days: 30         # ... or a returning customer silent this long after one
        warm_up: true            # default false; `feedback serve` sets it unless the file does
        exact_below: 50000       # search by meaning ranks every vector exactly below this many
                                 # comments, in two stages over int8 codes from it (serve/vectors.py)
        sql_result_mb: 64        # text and blobs one query may return (feedback.serve.limits)
        sql_memory_mb: 512       # cap on SQLite's memory for the whole process; default none,
                                 # `feedback serve` sets 512 unless the file does
        driver_min_responses: 20 # drivers: themes raised by fewer responses are "too few to tell"

The embedding model is loaded once per process, on the first search by meaning (the CLI
sets ``HF_HUB_OFFLINE=1``); the vectors once per archive file. A new publish is served from
the next request on, without a restart (:mod:`feedback.serve.reload`). With ``warm_up: true``
the model and each archive's search indexes are loaded in the background at start and after
a new publish, so the first search does not wait for them (8-25 s at a million comments).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Generator
from pathlib import Path
from typing import Any

from datasette import hookimpl
from datasette.utils.asgi import Response, asgi_static
from jinja2 import FileSystemLoader

from feedback.embed import backend_of
from feedback.serve import pages, search_page
from feedback.serve.access import fts_permission
from feedback.serve.errors import replace_default_handler
from feedback.serve.facets import load_facets
from feedback.serve.limits import RESULT_BYTES, cap_sqlite_memory, limit_connection
from feedback.serve.pages import NAV, settings
from feedback.serve.reload import reopen_middleware, served_key
from feedback.serve.search import EXACT_BELOW, IndexCache, QueryEncoder
from feedback.serve.search_page import FILTERS, MODES, Searcher, filter_sql, search_args
from feedback.serve.vectors import load_vector_index

__all__ = ["FILTERS", "MODES", "filter_sql", "search_args"]  # for callers that knew them here

HERE = Path(__file__).parent
_indexes = IndexCache(load_vector_index)
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
    support = options.get("driver_min_responses")
    if support is not None and (isinstance(support, bool) or not isinstance(support, int) or support < 1):
        raise ValueError("plugins.feedback.driver_min_responses must be a whole number of responses (1 or more),"
                         f" not {support!r}")


def index_options(datasette: Any) -> dict[str, Any]:
    """How the vector index is read: exactly below ``exact_below`` comments, in two stages from it."""
    value = settings(datasette).get("exact_below")
    return {"exact_below": EXACT_BELOW if value is None else int(value)}


def encoder(datasette: Any) -> QueryEncoder:
    path = settings(datasette).get("model_path")
    cache = settings(datasette).get("embed_cache")
    key = f"{path or ''}\0{cache or ''}"
    if key not in _encoders:
        _encoders[key] = QueryEncoder(path, cache=cache)
    return _encoders[key]


def searcher(datasette: Any) -> Searcher:
    """The process's search indexes and query model, for one request."""
    return Searcher(_indexes, _facet_indexes, lambda: encoder(datasette), index_options(datasette))


async def search(datasette: Any, request: Any) -> Response:
    return await search_page.search(searcher(datasette), datasette, request)


async def search_export(datasette: Any, request: Any) -> Response:
    return await search_page.search_export(searcher(datasette), datasette, request)


# --- hooks -----------------------------------------------------------------------------------

@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [
        (r"^/-/feedback/?$", pages.overview),
        (r"^/-/feedback/search$", search),
        (r"^/-/feedback/search\.(?P<format>json|csv)$", search_export),
        (r"^/-/feedback/themes$", pages.themes),
        (r"^/-/feedback/themes/(?P<theme_id>[^/]+)$", pages.theme_page),
        (r"^/-/feedback/trends$", pages.trends),
        (r"^/-/feedback/drivers$", pages.drivers),
        (r"^/-/feedback/promises$", pages.promises),
        (r"^/-/feedback/customers$", pages.customers),
        (r"^/-/feedback/customers/(?P<customer>[^/]+)$", pages.customer_page),
        (r"^/-/feedback/comments/(?P<comment_id>[^/]+)$", pages.comment_page),
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
    backends: set[str] = set()
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
                    index = _indexes.get(db.path, conn, key, True, **index_options(datasette))
                    backends.add(backend_of(index.model_version))
                if "feedback_fts" in tables:
                    _facet_indexes.get(db.path, conn, key, True)
            finally:
                conn.close()
        except Exception as exc:  # an optimisation only: the first search loads what is missing
            log.warning("warm-up of %s failed: %s", name, exc)
    for backend in sorted(backends):
        encoder(datasette).encode("warm up", backend)  # imports torch and loads the weights (or export)
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
    env.filters["feedback_rating"] = pages.rating_text


@hookimpl
def menu_links() -> list[dict[str, str]]:
    return [{"href": href, "label": label} for label, href in NAV]


@hookimpl
def extra_css_urls(view_name: str, datasette: Any) -> list[str]:
    # Datasette's table pages: a readable text column, the column descriptions folded away.
    return [datasette.urls.path("/-/feedback/static/datasette_tables.css")] if view_name == "table" else []


@hookimpl
def extra_js_urls(view_name: str, datasette: Any) -> list[dict[str, Any]]:
    if view_name != "table":
        return []
    return [{"url": datasette.urls.path("/-/feedback/static/datasette_tables.js"), "module": False}]


@hookimpl
def extra_template_vars(datasette: Any) -> dict[str, Any]:
    return {"feedback_static": datasette.urls.path("/-/feedback/static/")}
