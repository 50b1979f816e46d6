"""The IMAP reader against a real Dovecot on 127.0.0.1 (a temp config, maildir and free port)."""

from __future__ import annotations

import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
import sqlite_utils

from feedback.config import EmailSource, ImapAccount
from feedback.errors import ConfigError, SourceUnavailable
from feedback.sources import SourceContext
from feedback.sources.email import read_email
from feedback.warehouse import BatchResult, commit_batch, open_warehouse, watermarks

DOVECOT = shutil.which("dovecot") or ("/usr/sbin/dovecot" if os.path.exists("/usr/sbin/dovecot") else None)
pytestmark = pytest.mark.skipif(
    DOVECOT is None, reason="dovecot not installed (scripts/system-deps.sh installs dovecot-imapd)"
)
PASSWORD_REF = "env:TEST_IMAP_PASSWORD"
SECRET = "s3cret-imap"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Dovecot:
    root: Path
    port: int
    maildir: Path
    process: subprocess.Popen[bytes] | None = None
    counter: int = 0

    @property
    def config(self) -> Path:
        return self.root / "dovecot.conf"

    def write_config(self) -> None:
        root_user = os.geteuid() == 0
        user = "dovecot" if root_user else pwd.getpwuid(os.geteuid()).pw_name
        login = "dovenull" if root_user else user
        (self.root / "passwd").write_text(f"support:{{PLAIN}}{SECRET}::::::\n")
        self.config.write_text(
            f"""
protocols = imap
listen = 127.0.0.1
base_dir = {self.root}/run
state_dir = {self.root}/state
instance_name = feedback-test-{self.port}
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
log_path = {self.root}/dovecot.log
mail_location = maildir:{self.maildir}
mail_uid = {user}
mail_gid = {user}
first_valid_uid = 0
first_valid_gid = 0
default_internal_user = {user}
default_internal_group = {user}
default_login_user = {login}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.root}/passwd
}}
userdb {{
  driver = static
  args = uid={user} gid={user} home={self.root}/home
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""
        )
        self._own(self.root)

    def _own(self, path: Path) -> None:
        if os.geteuid() == 0:
            for p in [path, *path.rglob("*")]:
                shutil.chown(p, "dovecot", "dovecot")

    def start(self) -> None:
        self.process = subprocess.Popen(
            [str(DOVECOT), "-c", str(self.config), "-F"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                    if sock.recv(100).startswith(b"* OK"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"dovecot did not start: {(self.root / 'dovecot.log').read_text(errors='replace')}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=10)
        self.process = None
        # the master removes its pid file on exit; wait for the listener to go away
        for _ in range(50):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                time.sleep(0.05)
            except OSError:
                return

    def deliver(self, count: int, start: datetime | None = None) -> list[str]:
        """Drop ``count`` customer messages into new/; returns their Message-IDs."""
        ids = []
        when = start or datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
        for _ in range(count):
            self.counter += 1
            n = self.counter
            mid = f"<imap-{n}@customer.example>"
            raw = (
                f"From: Customer {n} <customer{n}@example.com>\r\nTo: support@brightmoor.co.uk\r\n"
                f"Subject: Order {n}\r\nDate: {format_datetime(when + timedelta(minutes=n))}\r\n"
                f"Message-ID: {mid}\r\n\r\nMy order number {n} arrived late and the eggs were broken.\r\n"
            ).encode()
            path = self.maildir / "new" / f"{1700000000 + n}.M{n}P1.test"
            path.write_bytes(raw)
            self._own(path)
            ids.append(mid)
        return ids

    def change_uidvalidity(self) -> None:
        """Renumber the folder as a server migration would: new UIDVALIDITY, same messages."""
        self.stop()
        uidlist = self.maildir / "dovecot-uidlist"
        text = uidlist.read_text()
        text = re.sub(r"^(\d+) V(\d+)", lambda m: f"{m.group(1)} V{int(m.group(2)) + 1000}", text, count=1)
        uidlist.write_text(text)
        for index in self.maildir.glob("dovecot.index*"):
            index.unlink()
        self._own(self.maildir)
        self.start()


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    # Not under tmp_path: pytest makes its parents 0700, and Dovecot's own users must traverse it.
    root = Path(tempfile.mkdtemp(prefix="feedback-dovecot-"))
    os.chmod(root, 0o755)
    maildir = root / "home" / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    (root / "run").mkdir()
    (root / "state").mkdir()
    server = Dovecot(root, _free_port(), maildir)
    server.write_config()
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


def _source(server: Dovecot, **account: object) -> EmailSource:
    settings: dict[str, object] = {
        "host": "127.0.0.1", "port": server.port, "security": "plain", "username": "support",
        "password": PASSWORD_REF, "retries": 2, "retry_delay": 0.2, "batch_size": 4, "timeout": 5,
    }
    settings.update(account)
    return EmailSource(name="support-imap", channel="email", imap=[ImapAccount.model_validate(settings)],
                       company_domains=["brightmoor.co.uk"])


def _ingest(db: sqlite_utils.Database, source: EmailSource, secret: str = SECRET,
            stop_after: int | None = None) -> BatchResult:
    context = SourceContext(customer_secret=b"test-key", watermarks=watermarks(db, source.name),
                            secrets={PASSWORD_REF: secret})
    total = BatchResult()
    for index, batch in enumerate(read_email(source, context)):
        total += commit_batch(db, batch)
        if stop_after is not None and index + 1 >= stop_after:
            break
    return total


def _items(db: sqlite_utils.Database) -> list[str]:
    return [r[0] for r in db.execute("select local_id from items order by local_id")]


def test_fetch_then_incremental_then_new_message(dovecot: Dovecot, tmp_path: Path) -> None:
    ids = dovecot.deliver(10)
    db = open_warehouse(tmp_path / "w.db")
    source = _source(dovecot)
    first = _ingest(db, source)
    assert (first.seen, first.new) == (10, 10)
    assert _items(db) == sorted(i.strip("<>") for i in ids)
    mark = watermarks(db, "support-imap")
    assert list(mark.values())[0]["uid"] == 10
    # nothing new: nothing read
    assert _ingest(db, source).seen == 0
    # a new message arrives: only it is read
    dovecot.deliver(1)
    again = _ingest(db, source)
    assert (again.seen, again.new) == (1, 1)
    assert len(_items(db)) == 11
    # read-only: nothing was marked as read on the server (no S flag on any file)
    assert not [p for p in (dovecot.maildir / "cur").iterdir() if re.search(r"[:;]2,.*S", p.name)]


def test_uidvalidity_change_rereads_without_doubling(dovecot: Dovecot, tmp_path: Path) -> None:
    dovecot.deliver(6)
    db = open_warehouse(tmp_path / "w.db")
    source = _source(dovecot)
    assert _ingest(db, source).new == 6
    before = list(watermarks(db, "support-imap").values())[0]
    dovecot.change_uidvalidity()
    result = _ingest(db, source)
    after = list(watermarks(db, "support-imap").values())[0]
    assert after["uidvalidity"] != before["uidvalidity"]
    assert (result.seen, result.new) == (6, 0)  # read again, nothing doubled
    assert db.execute("select count(*) from items").fetchone()[0] == 6


def test_auth_failure_is_a_clear_error_and_advances_nothing(dovecot: Dovecot, tmp_path: Path) -> None:
    dovecot.deliver(2)
    db = open_warehouse(tmp_path / "w.db")
    with pytest.raises(ConfigError, match=r"support@127\.0\.0\.1:\d+: login refused \(\[AUTHENTICATIONFAILED\]"):
        _ingest(db, _source(dovecot), secret="wrong")
    assert watermarks(db, "support-imap") == {}
    assert _items(db) == []


def test_missing_password_secret_is_a_clear_error(dovecot: Dovecot, tmp_path: Path) -> None:
    db = open_warehouse(tmp_path / "w.db")
    with pytest.raises(ConfigError, match="env:TEST_IMAP_PASSWORD is not set"):
        _ingest(db, _source(dovecot), secret="")


def test_server_stopped_mid_fetch_keeps_watermark_and_loses_nothing(dovecot: Dovecot, tmp_path: Path) -> None:
    dovecot.deliver(12)
    db = open_warehouse(tmp_path / "w.db")
    source = _source(dovecot, retries=1, retry_delay=0.1)
    context = SourceContext(customer_secret=b"test-key", secrets={PASSWORD_REF: SECRET})
    batches = read_email(source, context)
    for _ in range(5):  # five messages committed, then the server goes away
        commit_batch(db, next(batches))
    dovecot.stop()
    with pytest.raises(SourceUnavailable, match="gave up after 1 retries; the watermark stays at UID"):
        for batch in batches:
            commit_batch(db, batch)
    committed = len(_items(db))
    assert 5 <= committed < 12  # the fetched chunk may have been handed out before the stop
    assert list(watermarks(db, "support-imap").values())[0]["uid"] == committed
    dovecot.start()
    rest = _ingest(db, source)
    assert rest.new == 12 - committed
    assert len(_items(db)) == 12
    assert db.execute("select count(*) from raw_documents").fetchone()[0] == 12


def test_dropped_connection_is_retried_within_the_run(dovecot: Dovecot, tmp_path: Path) -> None:
    dovecot.deliver(8)
    db = open_warehouse(tmp_path / "w.db")
    source = _source(dovecot, retries=5, retry_delay=0.3, batch_size=2)
    context = SourceContext(customer_secret=b"test-key", secrets={PASSWORD_REF: SECRET})
    batches = read_email(source, context)
    commit_batch(db, next(batches))
    commit_batch(db, next(batches))
    dovecot.stop()
    restarter = threading.Timer(0.5, dovecot.start)
    restarter.start()
    try:
        for batch in batches:
            commit_batch(db, batch)
    finally:
        restarter.join()
    assert len(_items(db)) == 8
    assert list(watermarks(db, "support-imap").values())[0]["uid"] == 8
