"""Serve a folder over HTTP on 127.0.0.1 for the length of a ``with`` block.

Used by ``make run`` to put the generated sample review site online while the
reviews channel scrapes it. The standard library's handler answers
``If-Modified-Since`` with 304 and sends ``Last-Modified``, so the scraper's
conditional GETs work against it as they would against a real site.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        log.debug("sample site: " + format, *args)


@contextmanager
def serve_directory(path: str | Path, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve ``path`` on a free port of ``host`` in a background thread; yields the base URL (ending in '/')."""
    root = Path(path)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such folder to serve")
    handler = functools.partial(_QuietHandler, directory=str(root.resolve()))
    server = ThreadingHTTPServer((host, 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name=f"serve {root.name}", daemon=True)
    thread.start()
    port = server.server_address[1]
    try:
        yield f"http://{host}:{port}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
