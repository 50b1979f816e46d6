"""Serve a freshly published archive without restarting Datasette.

``publish`` swaps the archive with ``os.replace``: the path then names a new file (a new
inode) while a running Datasette keeps reading the old one through its open connections.
Before each request, :func:`reopen_replaced` compares every served database file's identity
(device, inode, size, mtime) with the one it was opened at and, when it differs, registers a
new :class:`ReopenedDatabase` under the same name and route, keeping its mutability, so URLs,
metadata and permissions stay as they were and the next query reads the new file.

Datasette keeps one read connection per executor thread under the database's *name*, so a
new ``Database`` object with the old name would silently reuse the old connections;
:class:`ReopenedDatabase` replaces (and closes) such a connection the first time each thread
runs one of its queries. A stat per served file per request costs microseconds.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

from datasette import database as datasette_database
from datasette.database import Database

log = logging.getLogger(__name__)

FileKey = tuple[int, int, int, int]


def file_key(path: str | os.PathLike[str]) -> FileKey | None:
    """What identifies one version of a file: (device, inode, size, mtime in ns); None when absent."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns


class ReopenedDatabase(Database):  # type: ignore[misc]
    """A database file opened again after it was replaced on disk."""

    def __init__(self, ds: Any, path: str, is_mutable: bool, key: FileKey | None) -> None:
        super().__init__(ds, path=path, is_mutable=is_mutable)
        self.file_key = key

    async def execute_fn(self, fn: Callable[[Any], Any]) -> Any:
        def own_connection(conn: Any) -> Any:
            if conn not in self._all_file_connections:  # opened by the database this one replaced
                stale = conn
                conn = self.connect()
                self.ds._prepare_connection(conn, self.name)
                setattr(datasette_database.connections, self.name, conn)
                stale.close()
            return fn(conn)

        return await super().execute_fn(own_connection)


def served_key(db: Any) -> FileKey | None:
    """The file version a served database was opened at (recorded on first sight)."""
    key = getattr(db, "file_key", None)
    if key is None and db.path and not db.is_memory:
        key = file_key(db.path)
        db.file_key = key
    return key


async def reopen_replaced(datasette: Any) -> list[str]:
    """Re-register every served database whose file was replaced; returns their names."""
    reopened = []
    for name, db in list(datasette.databases.items()):
        if db.is_memory or not db.path or name == "_internal":
            continue
        was = served_key(db)
        now = file_key(db.path)
        if now is None or now == was:
            continue  # unchanged, or mid-swap / removed: keep serving what is open
        fresh = ReopenedDatabase(datasette, db.path, db.is_mutable, now)
        route = db.route
        # No await between the two: no request can see the name missing.
        datasette.remove_database(name)
        datasette.add_database(fresh, name=name, route=route)
        reopened.append(name)
        log.info("reopened %s: %s was replaced", name, db.path)
    if reopened and "_internal" in datasette.databases and getattr(datasette, "internal_db_created", False):
        # Datasette's schema catalogue is refreshed by schema_version, which a rebuilt file may share.
        internal = datasette.databases["_internal"]
        for name in reopened:
            await internal.execute_write("delete from databases where database_name = ?", [name])
    return reopened


def reopen_middleware(
    datasette: Any, on_reopen: Callable[[list[str]], None] | None = None
) -> Callable[[Any], Any]:
    """An ASGI wrapper (Datasette's ``asgi_wrapper`` hook) that reopens replaced files first
    (and tells ``on_reopen`` which)."""

    def wrap(app: Any) -> Any:
        async def asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope.get("type") == "http":
                reopened = await reopen_replaced(datasette)
                if reopened and on_reopen is not None:
                    on_reopen(reopened)
            await app(scope, receive, send)

        return asgi

    return wrap
