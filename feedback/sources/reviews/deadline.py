"""A total deadline for one HTTP request, download included.

httpx's timeouts bound each network operation (connect, each read), not a whole request: a
server that sends one byte a second never trips a 20-second read timeout. A :class:`Deadline`
is started with the request; when it passes, it shuts the connection's socket, which wakes a
read blocked on such a server at once (the request then fails and the caller asks
:attr:`Deadline.expired` why). The socket is learnt from httpcore's ``trace`` extension when a
connection is opened; for a kept-alive connection the caller names the one the host's last
response came on (and the response's own, once its headers are in).
"""

from __future__ import annotations

import contextlib
import socket
import threading
from typing import Any


class Deadline:
    """Use as a context manager around one request; pass :meth:`trace` as its ``trace`` extension."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._socket: socket.socket | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()

    def trace(self, event: str, info: dict[str, Any]) -> None:
        """httpcore's trace callback: remember the socket of a connection as it is opened."""
        if event in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            self.watch(info.get("return_value"))

    def watch(self, stream: Any) -> None:
        """Remember the socket of an httpcore network stream (``response.extensions["network_stream"]``)."""
        get = getattr(stream, "get_extra_info", None)
        sock = get("socket") if get is not None else None
        if not isinstance(sock, socket.socket):
            return
        with self._lock:
            self._socket = sock
            late = self.expired
        if late:
            _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            sock = self._socket
        if sock is not None:
            _shut(sock)


def _shut(sock: socket.socket) -> None:
    # The plain socket's shutdown, also for a TLS socket: ssl.SSLSocket.shutdown would drop its
    # TLS state under the thread that is reading.
    with contextlib.suppress(OSError):  # already closed
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
