"""The IMAP reader against a real Dovecot on 127.0.0.1 (a temp config, maildir and free port)."""

from __future__ import annotations

import ipaddress
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
from cryptography import x509  # a dependency of prefect; makes the test certificate
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from feedback.config import EmailSource, ImapAccount
from feedback.errors import ConfigError, SourceUnavailable
from feedback.sources import SourceContext
from feedback.sources.email.reader import read_email
from feedback.warehouse import BatchResult, commit_batch, open_warehouse, watermarks

from .conftest import needs

DOVECOT = shutil.which("dovecot") or ("/usr/sbin/dovecot" if os.path.exists("/usr/sbin/dovecot") else None)
pytestmark = needs(DOVECOT is not None, "dovecot is not installed (scripts/system-deps.sh installs dovecot-imapd)")
PASSWORD_REF = "env:TEST_IMAP_PASSWORD"
SECRET = "s3cret-imap"


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A throwaway certificate for localhost and 127.0.0.1 (its own CA), made at test time."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        ]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "server.crt", directory / "server.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ))
    key_path.chmod(0o600)
    return cert_path, key_path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Dovecot:
    root: Path
    port: int  # plain IMAP, STARTTLS offered
    ssl_port: int  # implicit TLS (imaps)
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
listen = 127.0.0.1, 127.0.0.2
base_dir = {self.root}/run
state_dir = {self.root}/state
instance_name = feedback-test-{self.port}
ssl = yes
ssl_cert = <{self.root}/server.crt
ssl_key = <{self.root}/server.key
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
    address = 127.0.0.1, 127.0.0.2
    port = {self.port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.ssl_port}
    ssl = yes
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

    def login_log(self) -> list[str]:
        """The login process's log lines, once it has logged a login or a disconnect (it lags a little).

        A login reads 'imap-login: Info: Login: user=<support>, ..., TLS, ...' when the session was
        encrypted; a client that gave up during the handshake leaves only 'Disconnected'.
        """
        deadline = time.monotonic() + 5
        while True:
            log = (self.root / "dovecot.log").read_text(errors="replace")
            lines = [line for line in log.splitlines() if "imap-login: Info: " in line]
            if lines or time.monotonic() > deadline:
                return lines
            time.sleep(0.05)

    def login_lines(self) -> list[str]:
        return [line for line in self.login_log() if "imap-login: Info: Login:" in line]

    def folder(self, name: str) -> Path:
        """A Maildir++ subfolder (IMAP name ``name``), created empty if needed."""
        path = self.maildir / f".{name}"
        for sub in ("cur", "new", "tmp"):
            (path / sub).mkdir(parents=True, exist_ok=True)
        self._own(path)
        return path

    def deliver(self, count: int, start: datetime | None = None, folder: str | None = None) -> list[str]:
        """Drop ``count`` customer messages into new/ (of INBOX or a subfolder); returns their Message-IDs."""
        target = self.folder(folder) if folder else self.maildir
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
            path = target / "new" / f"{1700000000 + n}.M{n}P1.test"
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
    self_signed_certificate(root)  # the key stays in the temp dir, removed below
    port = _free_port()
    ssl_port = next(p for p in iter(_free_port, None) if p != port)
    server = Dovecot(root, port, ssl_port, maildir)
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


@pytest.mark.parametrize(
    ("workers", "count", "batch_size"),
    # with two workers the reader fetches ahead while they parse: more messages than it reads ahead
    [(1, 12, 4), (2, 300, 20)],
    ids=["one process", "two parsing processes"],
)
def test_server_stopped_mid_fetch_keeps_watermark_and_loses_nothing(
    dovecot: Dovecot, tmp_path: Path, workers: int, count: int, batch_size: int
) -> None:
    dovecot.deliver(count)
    db = open_warehouse(tmp_path / "w.db")
    source = _source(dovecot, retries=1, retry_delay=0.1, batch_size=batch_size)
    context = SourceContext(customer_secret=b"test-key", secrets={PASSWORD_REF: SECRET}, workers=workers)
    batches = read_email(source, context)
    for _ in range(5):  # five messages committed, then the server goes away
        commit_batch(db, next(batches))
    dovecot.stop()
    with pytest.raises(SourceUnavailable, match="gave up after 1 retries; the watermark stays at UID"):
        for batch in batches:
            commit_batch(db, batch)
    committed = len(_items(db))
    assert 5 <= committed < count  # what was fetched before the stop is committed, in order
    assert list(watermarks(db, "support-imap").values())[0]["uid"] == committed
    dovecot.start()
    rest = _ingest(db, source)
    assert rest.new == count - committed
    assert len(_items(db)) == count
    assert db.execute("select count(*) from raw_documents").fetchone()[0] == count


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


# --- TLS: implicit (imaps) and STARTTLS, with a certificate made for this test ------------------


@pytest.mark.parametrize(
    ("security", "host"),
    [("ssl", "127.0.0.1"), ("starttls", "localhost")],
)
def test_fetch_over_tls_with_the_servers_ca_file(
    dovecot: Dovecot, tmp_path: Path, security: str, host: str
) -> None:
    ids = dovecot.deliver(3)
    db = open_warehouse(tmp_path / "w.db")
    port = dovecot.ssl_port if security == "ssl" else dovecot.port
    source = _source(dovecot, security=security, host=host, port=port, ca_file=str(dovecot.root / "server.crt"))
    result = _ingest(db, source)
    assert (result.seen, result.new) == (3, 3)
    assert _items(db) == sorted(i.strip("<>") for i in ids)
    assert list(watermarks(db, "support-imap")) == [f"imap:support@{host}:{port}/INBOX"]
    logins = dovecot.login_lines()
    assert logins and all(", TLS," in line for line in logins)  # the password never went in clear


def test_plain_login_is_not_encrypted(dovecot: Dovecot, tmp_path: Path) -> None:
    # the other side of the check above: the log does tell the two apart
    dovecot.deliver(1)
    _ingest(open_warehouse(tmp_path / "w.db"), _source(dovecot))
    logins = dovecot.login_lines()
    assert logins and not any(", TLS," in line for line in logins)


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_untrusted_certificate_is_a_clear_error_and_commits_nothing(
    dovecot: Dovecot, tmp_path: Path, security: str, caplog: pytest.LogCaptureFixture
) -> None:
    dovecot.deliver(2)
    db = open_warehouse(tmp_path / "w.db")
    port = dovecot.ssl_port if security == "ssl" else dovecot.port
    source = _source(dovecot, security=security, port=port)  # no ca_file: the system's CAs
    with caplog.at_level("WARNING"), pytest.raises(ConfigError) as error:
        _ingest(db, source)
    message = str(error.value)
    assert f"imap://support@127.0.0.1:{port}: the server's TLS certificate for 127.0.0.1 was not verified" in message
    assert "self-signed certificate" in message and "set ca_file" in message
    assert not [r for r in caplog.records if "retry" in r.getMessage()]  # another try cannot help
    assert watermarks(db, "support-imap") == {}
    assert _items(db) == []
    assert db.execute("select count(*) from raw_documents").fetchone()[0] == 0
    log = dovecot.login_log()
    assert log and not [line for line in log if "Login:" in line]  # the password was not sent


def test_certificate_for_another_name_is_not_verified(dovecot: Dovecot, tmp_path: Path) -> None:
    db = open_warehouse(tmp_path / "w.db")
    # trusted CA, but the certificate names localhost and 127.0.0.1, not 127.0.0.2 (loopback too)
    source = _source(dovecot, security="starttls", host="127.0.0.2", port=dovecot.port,
                     ca_file=str(dovecot.root / "server.crt"))
    with pytest.raises(ConfigError, match=r"certificate for 127\.0\.0\.2 was not verified \(IP address mismatch"):
        _ingest(db, source)
    assert watermarks(db, "support-imap") == {}


# --- a configured folder that does not exist ------------------------------------------------------


def test_missing_folder_is_quarantined_and_the_other_folders_are_read(dovecot: Dovecot, tmp_path: Path) -> None:
    inbox = dovecot.deliver(2)
    sales = dovecot.deliver(2, folder="Sales")
    db = open_warehouse(tmp_path / "w.db")
    source = _source(dovecot, folders=["INBOX", "Complaints", "Sales"])
    result = _ingest(db, source)
    assert (result.new, result.quarantined) == (4, 1)
    assert _items(db) == sorted(i.strip("<>") for i in inbox + sales)
    prefix = f"imap:support@127.0.0.1:{dovecot.port}/"
    assert sorted(watermarks(db, "support-imap")) == [prefix + "INBOX", prefix + "Sales"]
    rows = list(db.query("select location, reason, snippet, times_seen from quarantine"))
    assert len(rows) == 1
    assert rows[0]["location"] == f"imap://support@127.0.0.1:{dovecot.port}/Complaints"
    assert rows[0]["reason"] == "IMAP folder 'Complaints' of support@127.0.0.1 cannot be opened"
    assert rows[0]["snippet"].startswith(
        f"imap://support@127.0.0.1:{dovecot.port}/Complaints: cannot open folder 'Complaints': "
        "Mailbox doesn't exist: Complaints"
    )
    assert rows[0]["snippet"].endswith("; the account's folders: INBOX, Sales")
    # the next run says so again (one record, seen twice) and reads what is new elsewhere
    dovecot.deliver(1, folder="Sales")
    again = _ingest(db, source)
    assert (again.new, again.quarantined) == (1, 1)
    assert db.execute("select times_seen from quarantine").fetchone()[0] == 2
    # once the folder exists it is read from its first message
    complaints = dovecot.deliver(2, folder="Complaints")
    last = _ingest(db, source)
    assert (last.new, last.quarantined) == (2, 0)
    assert set(i.strip("<>") for i in complaints) <= set(_items(db))
    assert watermarks(db, "support-imap")[prefix + "Complaints"]["uid"] == 2
