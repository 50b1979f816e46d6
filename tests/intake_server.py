"""Helpers for the intake tests: the real app under uvicorn on 127.0.0.1, a free port, signed
requests, and reading the spool back."""

from __future__ import annotations

import json
import re
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from feedback.intake.guards import sign

SECRET = b"test-intake-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, alive: Any, timeout: float = 30) -> None:
    """Poll until something accepts connections on 127.0.0.1:port (``alive()`` false: it died)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if not alive() or time.monotonic() > deadline:
                raise RuntimeError(f"nothing listens on 127.0.0.1:{port}") from None
            time.sleep(0.02)  # polling interval, not an ordering assumption


@contextmanager
def serving(app: Any, **options: Any) -> Iterator[str]:
    """The app under a real uvicorn server in a thread on a free port; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="off", **options))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for_port(port, thread.is_alive)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def csrf_of(page: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    assert match, "the form has no CSRF field"
    return match.group(1)


def signed(body: bytes, timestamp: int | None = None, secret: bytes = SECRET) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return {"Content-Type": "application/json", "X-Feedback-Timestamp": ts,
            "X-Feedback-Signature": sign(secret, ts, body)}


def post_json(client: httpx.Client, base: str, data: dict[str, Any], **kwargs: Any) -> httpx.Response:
    body = json.dumps(data).encode()
    return client.post(f"{base}/api/submissions", content=body, headers=signed(body, **kwargs))


def spooled(path: Path) -> list[dict[str, Any]]:
    """Every row of the spool, as dicts, in id order."""
    if not path.exists():
        return []
    with closing(sqlite3.connect(path)) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute("select * from submissions order by id")]
