"""Cheap, plain error pages, and the 400s a malformed request gets.

Datasette's own exception handler prints every error, a 404 included, as a ``rich`` traceback
with each frame's local variables when ``rich`` is importable (Prefect installs it): about a
second of one core per error, during which the server answers nobody else. The plugin's
``handle_exception`` wrapper puts :func:`error_response` in its place: the same page (the
``error.html`` template, or JSON for a ``.json`` path), without the traceback; a server error
is logged with a plain traceback and shown as "internal error", never with its internals.

Datasette answers some malformed table-page parameters with a 500 (``_sort`` by a column that
is not there): :func:`error_status` makes those 400s, as it does a value or a result larger than
:mod:`feedback.serve.limits` allows.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

import datasette as datasette_package
from datasette.database import QueryInterrupted
from datasette.utils import add_cors_headers
from datasette.utils.asgi import BadRequest, Base400, Response
from datasette.utils.sqlite import sqlite3
from datasette.views.base import DatasetteError
from markupsafe import Markup

log = logging.getLogger(__name__)

DEFAULT_HANDLER = "datasette.handle_exception"  # the module of Datasette's own handler
INTERNAL = "Internal error: the request could not be answered (the server's log says why)."
TOO_BIG = "The query asks for more data than this server returns: ask for fewer rows or shorter values."
# Datasette 0.65 raises these for a bad request parameter with its default status, 500.
CLIENT_ERRORS = ("Cannot sort table by ", "Cannot use _sort and _sort_desc", "Invalid _through")
SQLITE_INT = 2**63 - 1
MALFORMED = "A parameter of this request is malformed."
BUSY = "The server took too long to answer this request: try again in a moment."
DATASETTE_DIR = str(Path(datasette_package.__file__).parent) + "/"
PROJECT_DIR = str(Path(__file__).parent.parent) + "/"


def error_status(exception: BaseException) -> tuple[int, str, str | None]:
    """(HTTP status, message for the person, title) of an exception that reached Datasette."""
    if isinstance(exception, QueryInterrupted):  # Datasette's time limit (sql_time_limit_ms) cut a query off
        return 503, BUSY, None
    if isinstance(exception, Base400):
        return exception.status, str(exception.args[0]) if exception.args else "", None
    if isinstance(exception, DatasetteError):
        status = exception.status
        if status >= 500 and str(exception.message).startswith(CLIENT_ERRORS):
            status = 400
        message = exception.message
        return status, Markup(message) if exception.message_is_html else message, exception.title
    if isinstance(exception, sqlite3.DataError | MemoryError):  # beyond feedback.serve.limits
        return 400, TOO_BIG, None
    if isinstance(exception, ValueError | TypeError | OverflowError) and raised_by_datasette(exception):
        return 400, MALFORMED, None  # Datasette 0.65 parses _timelimit, _through, filters... unchecked
    return 500, INTERNAL, None


def raised_by_datasette(exception: BaseException) -> bool:
    """Did the exception come from Datasette's own code (not this project's), e.g. ``int()`` of a
    request parameter? Over a read-only archive its views have no other source of such errors."""
    last = None
    tb = exception.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.startswith((DATASETTE_DIR, PROJECT_DIR)):
            last = name
        tb = tb.tb_next
    return last is not None and last.startswith(DATASETTE_DIR)


def replace_default_handler(results: list[Any], datasette: Any, request: Any, exception: BaseException) -> list[Any]:
    """The ``handle_exception`` results with Datasette's own handler (the rich traceback) replaced
    by :func:`error_response` (which also answers when no handler did); left as they are under ``--pdb``."""
    if getattr(datasette, "pdb", False):
        return results

    async def plain() -> Response:
        return await error_response(datasette, request, exception)

    return [plain if getattr(r, "__module__", None) == DEFAULT_HANDLER else r for r in results] or [plain]


async def error_response(datasette: Any, request: Any, exception: BaseException) -> Response:
    status, message, title = error_status(exception)
    if status >= 500:
        log.error("%s %s: %s", request.method, request.path, exception,
                  exc_info=(type(exception), exception, exception.__traceback__))
    headers: dict[str, str] = {"Retry-After": "5"} if status == 503 else {}
    if datasette.cors:
        add_cors_headers(headers)
    info = {"ok": False, "error": message, "status": status, "title": title}
    if request.path.split("?")[0].endswith(".json"):
        return Response.json({**info, "error": str(message)}, status=status, headers=headers)
    try:
        page = await datasette.render_template([f"{status}.html", "error.html"], info, request=request)
    except Exception:  # the page itself failed (a broken template or plugin): say it in plain text
        log.exception("rendering the error page for %s failed", request.path)
        return Response.text(f"Error {status}: {message}", status=status, headers=headers)
    return Response.html(page, status=status, headers=headers)


# --- request parameters ----------------------------------------------------------------------

def text_arg(request: Any, name: str, limit: int = 1000) -> str:
    """A text parameter (the first if repeated), stripped; 400 when it holds a NUL or is too long."""
    value = (request.args.get(name) or "").strip()
    if "\x00" in value:
        raise BadRequest(f"{name} must not contain a NUL character")
    if len(value) > limit:
        raise BadRequest(f"{name} is limited to {limit} characters")
    return value


def whole_number(value: str, name: str) -> int | None:
    """A whole number a SQLite integer can hold; None for an empty value; 400 otherwise."""
    if not value:
        return None
    if not (value.isascii() and value.lstrip("-").isdigit() and value.count("-") <= 1) or abs(int(value)) > SQLITE_INT:
        raise BadRequest(f"{name} must be a whole number, not {value[:40]!r}")
    return int(value)


def days_number(value: str, name: str, default: float, most: float = 36500) -> float:
    """A number of days between 0 and ``most``; ``default`` for an empty value; 400 otherwise."""
    if not value:
        return float(default)
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or not 0 <= number <= most:
        raise BadRequest(f"{name} must be a number of days from 0 to {most:g}, not {value[:40]!r}")
    return number
