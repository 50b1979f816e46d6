"""Reading new messages from an IMAP folder, incrementally and without changing the mailbox.

A folder's watermark is its UIDVALIDITY and the highest UID committed. Messages
are fetched in UID order, in chunks, with ``BODY.PEEK[]`` from a folder opened
with EXAMINE (read-only), so nothing is marked as read, moved or deleted unless
the source says ``read_only: false``. When UIDVALIDITY changes, the server has
renumbered the folder: it is read again from the start, and the stable item
ids (from Message-ID) keep that from doubling anything.

A dropped connection is retried (reconnect, re-select, resume after the last
UID handed out); when the retries are used up the reader raises
:class:`~feedback.errors.SourceUnavailable` and the watermark stays where the
last committed message left it.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import re
import socket
import ssl
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from feedback.dates import imap_date
from feedback.errors import ConfigError, FolderUnavailable, SourceUnavailable

log = logging.getLogger(__name__)

CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    imaplib.IMAP4.abort, OSError, EOFError, socket.timeout, ssl.SSLError,
)
_UID = re.compile(rb"UID (\d+)")
_INTERNALDATE = re.compile(rb'INTERNALDATE "([^"]+)"')
_UIDVALIDITY = re.compile(rb"UIDVALIDITY (\d+)")


@dataclass(frozen=True)
class ImapSettings:
    """Connection settings, the password already resolved (see ``SourceContext.secrets``)."""

    host: str
    port: int
    security: str  # ssl | starttls | plain
    username: str
    password: str
    read_only: bool = True
    ca_file: str | None = None
    timeout: float = 60.0
    batch_size: int = 100
    retries: int = 2
    retry_delay: float = 2.0

    @property
    def label(self) -> str:
        return f"imap://{self.username}@{self.host}:{self.port}"


@dataclass(frozen=True)
class FetchedMessage:
    uid: int
    raw: bytes
    internal_date: datetime | None


def _tls_context(settings: ImapSettings) -> ssl.SSLContext:
    """Certificate and host name checked against the system CAs, or only ``ca_file`` when set."""
    try:
        return ssl.create_default_context(cafile=settings.ca_file)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"{settings.label}: cannot read ca_file {settings.ca_file}: {exc}") from None


def _unverified(settings: ImapSettings, exc: ssl.SSLCertVerificationError) -> ConfigError:
    reason = exc.verify_message or str(exc)
    trusted = f"the CAs in ca_file {settings.ca_file}" if settings.ca_file else "the system's CAs"
    return ConfigError(
        f"{settings.label}: the server's TLS certificate for {settings.host} was not verified "
        f"({reason}) against {trusted}; for a private CA or a self-signed certificate set ca_file "
        "to it, and connect by the name the certificate is for"
    )


def _starttls(conn: imaplib.IMAP4, context: ssl.SSLContext | None, settings: ImapSettings) -> None:
    try:
        conn.starttls(ssl_context=context)
    except imaplib.IMAP4.abort:
        raise
    except imaplib.IMAP4.error as exc:  # not offered: never fall back to sending the password in clear
        _close(conn)
        raise ConfigError(f"{settings.label}: STARTTLS failed ({exc}); the password was not sent") from None


def connect(settings: ImapSettings) -> imaplib.IMAP4:
    """An authenticated connection.

    ConfigError when the server refuses the login or its certificate cannot be verified
    (retrying would not help); SourceUnavailable when it cannot be reached.
    """
    context = _tls_context(settings) if settings.security in ("ssl", "starttls") else None
    conn: imaplib.IMAP4 | None = None
    try:
        if settings.security == "ssl":
            conn = imaplib.IMAP4_SSL(settings.host, settings.port, ssl_context=context, timeout=settings.timeout)
        else:
            conn = imaplib.IMAP4(settings.host, settings.port, timeout=settings.timeout)
            if settings.security == "starttls":
                _starttls(conn, context, settings)
    except ssl.SSLCertVerificationError as exc:
        if conn is not None:
            _close(conn)
        raise _unverified(settings, exc) from None
    except CONNECTION_ERRORS as exc:
        if conn is not None:
            _close(conn)
        raise SourceUnavailable(f"{settings.label}: cannot connect: {exc}") from exc
    except imaplib.IMAP4.error as exc:
        raise SourceUnavailable(f"{settings.label}: the server refused the connection: {exc}") from exc
    assert conn is not None
    try:
        conn.login(settings.username, settings.password)
    except imaplib.IMAP4.abort as exc:
        raise SourceUnavailable(f"{settings.label}: connection lost during login: {exc}") from exc
    except imaplib.IMAP4.error as exc:
        _close(conn)
        reason = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        if "[UNAVAILABLE]" in reason or "[INUSE]" in reason or "temporary" in reason.lower():
            raise SourceUnavailable(f"{settings.label}: login failed for now ({reason})") from exc
        raise ConfigError(
            f"{settings.label}: login refused ({reason}); check the user name and the password secret"
        ) from None
    except CONNECTION_ERRORS as exc:
        raise SourceUnavailable(f"{settings.label}: connection lost during login: {exc}") from exc
    return conn


def _close(conn: imaplib.IMAP4) -> None:
    try:
        conn.logout()
    except Exception:  # the connection is being dropped either way
        with contextlib.suppress(Exception):
            conn.shutdown()


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


_LIST_NAME = re.compile(rb'\(([^)]*)\) (?:"[^"]*"|NIL) (.+)$')


def folder_names(conn: imaplib.IMAP4) -> list[str]:
    """The names LIST reports (best effort, for error messages; modified UTF-7 left as is)."""
    try:
        status, data = conn.list()
    except imaplib.IMAP4.error:
        return []
    names = []
    for entry in data if status == "OK" else []:
        match = _LIST_NAME.match(entry) if isinstance(entry, bytes) else None
        if match and b"\\Noselect" not in match.group(1):
            name = match.group(2).decode("utf-8", "replace")
            names.append(name[1:-1].replace('\\"', '"').replace("\\\\", "\\") if name.startswith('"') else name)
    return sorted(names)


def select(conn: imaplib.IMAP4, folder: str, read_only: bool, label: str) -> int:
    """Open a folder (EXAMINE when read-only) and return its UIDVALIDITY."""
    status, data = conn.select(_quote(folder), readonly=read_only)
    if status != "OK":  # e.g. "NO [NONEXISTENT] Mailbox doesn't exist"
        detail = data[0].decode("utf-8", "replace") if data and isinstance(data[0], bytes) else str(data)
        existing = folder_names(conn)
        known = f"; the account's folders: {', '.join(existing)}" if existing else ""
        raise FolderUnavailable(f"{label}: cannot open folder {folder!r}: {detail}{known}")
    _, values = conn.response("UIDVALIDITY")
    for value in values or []:
        if value:
            return int(value)
    status, data = conn.status(_quote(folder), "(UIDVALIDITY)")
    match = _UIDVALIDITY.search(data[0] if data and isinstance(data[0], bytes) else b"")
    if status != "OK" or not match:
        raise SourceUnavailable(f"{label}: the server did not report UIDVALIDITY for {folder!r}")
    return int(match.group(1))


def new_uids(conn: imaplib.IMAP4, after: int) -> list[int]:
    """UIDs greater than ``after``, ascending ('N:*' also returns the highest UID when none is newer)."""
    status, data = conn.uid("SEARCH", "UID", f"{after + 1}:*")
    if status != "OK":
        raise SourceUnavailable(f"UID SEARCH failed: {data!r}")
    uids = {int(part) for chunk in data if chunk for part in chunk.split()}
    return sorted(uid for uid in uids if uid > after)


def _internal_date(meta: bytes) -> datetime | None:
    match = _INTERNALDATE.search(meta)
    if not match:
        return None
    return imap_date(match.group(1).decode("ascii"))


def fetch(conn: imaplib.IMAP4, uids: list[int], read_only: bool) -> list[FetchedMessage]:
    """The given messages, whole, in UID order."""
    body = "BODY.PEEK[]" if read_only else "BODY[]"
    status, data = conn.uid("FETCH", ",".join(str(u) for u in uids), f"(UID INTERNALDATE {body})")
    if status != "OK":
        raise SourceUnavailable(f"UID FETCH failed: {data!r}")
    found: dict[int, FetchedMessage] = {}
    items = list(data or [])
    for index, entry in enumerate(items):
        if not isinstance(entry, tuple) or len(entry) < 2:
            continue
        meta = entry[0]
        tail = items[index + 1] if index + 1 < len(items) and isinstance(items[index + 1], bytes) else b""
        match = _UID.search(meta) or _UID.search(tail)
        if not match:
            continue
        uid = int(match.group(1))
        found[uid] = FetchedMessage(uid, bytes(entry[1]), _internal_date(meta) or _internal_date(tail))
    return [found[uid] for uid in sorted(found)]


def read_folder(
    settings: ImapSettings,
    folder: str,
    mark: dict[str, int] | None,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[tuple[int, FetchedMessage]]:
    """(uidvalidity, message) for every message newer than the watermark, with reconnects.

    The caller commits each message before asking for the next, so resuming after the
    last message handed out loses and doubles nothing.
    """
    label = f"{settings.label}/{folder}"
    last: int | None = None  # highest UID handed out in this call
    validity: int | None = None  # UIDVALIDITY seen by this call
    attempt = 0
    while True:
        conn = None
        try:
            conn = connect(settings)
            uidvalidity = select(conn, folder, settings.read_only, label)
            previous = validity if validity is not None else (mark or {}).get("uidvalidity")
            if last is None or uidvalidity != validity:
                if last is None and mark and previous == uidvalidity:
                    last = int(mark.get("uid", 0))
                else:
                    if previous is not None and previous != uidvalidity:
                        log.warning(
                            "%s: UIDVALIDITY changed (%s -> %s): reading the folder again",
                            label, previous, uidvalidity,
                        )
                    last = 0
                validity = uidvalidity
            uids = new_uids(conn, last)
            if uids:
                log.info("%s: %d new messages after UID %d", label, len(uids), last)
            for start in range(0, len(uids), max(1, settings.batch_size)):
                for message in fetch(conn, uids[start : start + settings.batch_size], settings.read_only):
                    attempt = 0
                    yield uidvalidity, message
                    last = message.uid
            _close(conn)
            return
        except CONNECTION_ERRORS as exc:
            if conn is not None:
                _close(conn)
            attempt += 1
            if attempt > settings.retries:
                raise SourceUnavailable(
                    f"{label}: connection lost ({type(exc).__name__}: {exc}); gave up after "
                    f"{settings.retries} retries; the watermark stays at UID {last or 0}"
                ) from exc
            delay = settings.retry_delay * attempt
            log.warning("%s: connection lost (%s); retry %d of %d in %.1f s",
                        label, exc, attempt, settings.retries, delay)
            sleep(delay)
        except SourceUnavailable:
            if conn is not None:
                _close(conn)
            attempt += 1
            if attempt > settings.retries:
                raise
            sleep(settings.retry_delay * attempt)
        except ConfigError:  # a missing folder, a refused login: not worth a retry
            if conn is not None:
                _close(conn)
            raise
