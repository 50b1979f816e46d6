"""Spam is told by content (SpamAssassin's spamd, started here on 127.0.0.1) or by an upstream
filter's headers, per source; it is skipped with the reason, never published as a customer's words.
A spamd that cannot be asked stops the source undecided: nothing is lost and the next run retries."""

from __future__ import annotations

import re
import socketserver
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlite_utils

from feedback.config import EmailSource, SpamCheck, load_config
from feedback.errors import ConfigError, SourceUnavailable
from feedback.sources import SourceContext
from feedback.sources.email.reader import SKIPPED_TABLE, message_batch, read_email
from feedback.sources.email.spam import (
    asks_spamd,
    read_report,
    score_reason,
    spamd_verdict,
    uses_headers,
)
from feedback.warehouse import commit_batch, open_warehouse, watermarks

from .conftest import need
from .spamd import NO_SPAMD, SPAMC, SPAMD, Spamd, free_port, running_spamd

SPAM = b"""From: "Prize Department" <winner.notice8841@hotmail.com>
To: undisclosed-recipients:;
Subject: CONGRATULATIONS!!! You have WON $1,000,000 !!!
Date: Mon, 04 May 2026 03:12:44 +0000
Message-ID: <prize-0001@bulk-mailer.example>
MIME-Version: 1.0
Content-Type: text/html; charset="iso-8859-1"

<html><body bgcolor="#FF0000"><font size="7" color="#FFFF00"><b>CONGRATULATIONS!!!</b></font>
<p><font size="5">You have been selected as the WINNER of our international lottery.
You WON <b>$1,000,000.00 US DOLLARS</b> CASH!!! 100% FREE, NO RISK, GUARANTEED!</font></p>
<p>To claim your prize <a href="http://198.51.100.23/claim.php?id=8841">CLICK HERE NOW</a>
and send your bank account details, full name and address. This offer expires in 24 hours!!!</p>
<p>Also: cheap VIAGRA and CIALIS online, no prescription needed, lowest prices!!!
<a href="http://198.51.100.23/pharmacy/">ORDER NOW</a></p>
<p><font size="1" color="#FFFFFF">To be removed from our mailing list click here. This is not spam.
You are receiving this because you opted in.</font></p>
</body></html>
"""

HAM = b"""From: Margaret Ellison <m.ellison@example.net>
To: support@brightmoor.co.uk
Subject: Damaged parcel and no reply to my last message
Date: Tue, 05 May 2026 09:41:02 +0100
Message-ID: <20260505094102.4411@example.net>
MIME-Version: 1.0
Content-Type: text/plain; charset="utf-8"

Hello,

My order BM-20417 arrived on Saturday with the box crushed and two of the
glass jars broken. I wrote to you on Sunday with photos but have not heard
back. Could you please either send replacements or refund the jars? The
rest of the order was fine and the courier was polite, but this is the
second time the packaging has let me down.

Thanks,
Margaret
"""

LIST_MAIL = b"""From: Dev List <dev@lists.example.org>
To: dev@lists.example.org
Subject: Weekly build report
Date: Wed, 06 May 2026 07:00:00 +0000
Message-ID: <build-report-19@lists.example.org>
List-Id: <dev.lists.example.org>

All 412 builds passed this week.
"""

REASON = re.compile(r"^SpamAssassin score \d+\.\d ≥ 5\.0 \([A-Z0-9_]+(, [A-Z0-9_]+)*(, \+\d+ more)?\)$")


def with_header(raw: bytes, header: bytes) -> bytes:
    return header + b"\n" + raw


def source(**spam: object) -> EmailSource:
    return EmailSource(name="support", channel="email", eml=["mail"], spam=SpamCheck.model_validate(spam))


CONTEXT = SourceContext(customer_secret=b"k", base_dir=Path("."))


# --- the decision's pieces ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "threshold", "rules", "expected"),
    [
        (9.34, 5.0, ["BAYES_99", "URIBL_BLACK"], "SpamAssassin score 9.3 ≥ 5.0 (BAYES_99, URIBL_BLACK)"),
        (5.0, 5.0, ["A"], "SpamAssassin score 5.0 ≥ 5.0 (A)"),
        (1.2, 5.0, [], "SpamAssassin score 1.2 < 5.0"),
        (-0.1, 3.5, ["ALL_TRUSTED"], "SpamAssassin score -0.1 < 3.5 (ALL_TRUSTED)"),
        (20.0, 5.0, [f"R{i}" for i in range(14)],
         "SpamAssassin score 20.0 ≥ 5.0 (R0, R1, R2, R3, R4, R5, R6, R7, R8, R9, R10, R11, +2 more)"),
    ],
)
def test_the_reason_says_score_threshold_and_rules(score: float, threshold: float, rules: list[str],
                                                    expected: str) -> None:
    assert score_reason(score, threshold, rules) == expected


REPORT = """9.4/5.0
Spam detection software, running on the system "mx", has identified this incoming email as
possible spam.

Content preview:  WINNER!!! 2.5 MILLION dollars for you
   3.0 TIMES more

Content analysis details:   (9.4 points, 5.0 required)

 pts rule name              description
---- ---------------------- --------------------------------------------------
-0.0 NO_RELAYS              Informational: message was not relayed via SMTP
 1.0 BANG_GUAR              BODY: Something is emphatically guaranteed
 2.8 DRUG_ED_CAPS           BODY: Mentions an E.D. drug
                            [continuation line 4.0 NOT_A_RULE]
 1.0 US_DOLLARS_3           BODY: Mentions millions of $ ($NN,NNN,NNN.NN)
 4.6 BAYES_99               BODY: Bayes spam probability is 99 to 100%
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (REPORT, (9.4, 5.0, ["BAYES_99", "DRUG_ED_CAPS", "BANG_GUAR", "US_DOLLARS_3", "NO_RELAYS"])),
        ("0.0/5.0\nSpam detection software ... has NOT identified this incoming email as spam.\n",
         (0.0, 5.0, [])),
        ("-1.9/3.5\n", (-1.9, 3.5, [])),  # a report template without the table: no names
        ("0/0\n", (0.0, 0.0, [])),
        ("", None),
        ("HTTP/1.1 400 Bad Request\n", None),
    ],
    ids=["spam", "ham", "no table", "bare", "empty", "not spamc"],
)
def test_reading_spamcs_report(text: str, expected: tuple[float, float, list[str]] | None) -> None:
    assert read_report(text) == expected


@pytest.mark.parametrize(
    ("settings", "upstream", "headers_decide", "spamd_asked"),
    [
        ({}, "", True, False),  # the default without a spamd: headers only, as before
        ({"host": "127.0.0.1"}, "", True, True),
        ({"host": "127.0.0.1"}, "X-Spam-Status: No, score=0.1", True, False),  # an upstream verdict stands
        ({"check": "headers", "host": "127.0.0.1"}, "", True, False),
        ({"check": "spamd", "host": "127.0.0.1"}, "X-Spam-Status: No, score=0.1", False, True),
        ({"check": "off", "host": "127.0.0.1"}, "", False, False),
    ],
)
def test_who_decides(settings: dict[str, object], upstream: str, headers_decide: bool, spamd_asked: bool) -> None:
    check = SpamCheck.model_validate(settings)
    assert (uses_headers(check), asks_spamd(check, upstream)) == (headers_decide, spamd_asked)


def test_a_spamd_check_without_a_host_is_a_configuration_error(write_config: Callable[..., Path]) -> None:
    path = write_config([{"name": "support", "channel": "email", "eml": "mail", "spam": {"check": "spamd"}}])
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == f"{path}: source 'support': spam: check: spamd needs the host (and port) of a running spamd"


@pytest.mark.parametrize(
    ("settings", "header", "kind", "detail"),
    [
        ({}, b"X-Spam-Status: Yes, score=9.1 required=5.0 tests=BAYES_99", "skipped",
         "upstream filter: X-Spam-Status: Yes, score=9.1 required=5.0 tests=BAYES_99"),
        ({}, b"X-Spam-Flag: YES", "skipped", "upstream filter: X-Spam-Flag: YES"),
        ({"check": "headers"}, b"X-Spam-Flag: YES", "skipped", "upstream filter: X-Spam-Flag: YES"),
        ({}, b"X-Spam-Status: No, score=0.3", "item", ""),
        ({"check": "off"}, b"X-Spam-Flag: YES", "item", ""),  # the source said: no spam check at all
    ],
)
def test_an_upstream_filters_verdict_without_spamd(settings: dict[str, object], header: bytes, kind: str,
                                                   detail: str) -> None:
    _, outcome = message_batch(source(**settings), CONTEXT, with_header(HAM, header), "m.eml", None)
    assert (outcome.kind, outcome.reason if kind == "skipped" else "", outcome.detail) == (
        kind, "spam" if kind == "skipped" else "", detail)


# --- against a real spamd ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def spamd() -> Iterator[Spamd]:
    need(SPAMD is not None and SPAMC is not None, NO_SPAMD)
    with running_spamd() as server:
        yield server


def test_spam_is_skipped_with_spamassassins_reason_and_ham_is_published(spamd: Spamd) -> None:
    checked = source(host=spamd.host, port=spamd.port)
    _, spam = message_batch(checked, CONTEXT, SPAM, "spam.eml", None)
    _, ham = message_batch(checked, CONTEXT, HAM, "ham.eml", None)
    assert (spam.kind, spam.reason, spam.item) == ("skipped", "spam", None)
    assert REASON.match(spam.detail), spam.detail
    assert "DRUG_ED_CAPS" in spam.detail  # "viagra": a rule of the highest points, so among those named
    assert ham.kind == "item" and ham.item is not None
    assert ham.item.text.startswith("My order BM-20417 arrived on Saturday")


def test_a_senders_own_no_spam_header_fools_auto_but_not_check_spamd(spamd: Spamd) -> None:
    forged = with_header(SPAM, b"X-Spam-Status: No, score=-2.0 required=5.0")
    trusting = source(host=spamd.host, port=spamd.port)
    strict = source(check="spamd", host=spamd.host, port=spamd.port)
    assert message_batch(trusting, CONTEXT, forged, "m.eml", None)[1].kind == "item"
    outcome = message_batch(strict, CONTEXT, forged, "m.eml", None)[1]
    assert (outcome.kind, outcome.reason, bool(REASON.match(outcome.detail))) == ("skipped", "spam", True)


def test_the_sources_threshold_overrides_spamds(spamd: Spamd) -> None:
    lenient = SpamCheck(check="spamd", host=spamd.host, port=spamd.port, threshold=1000.0)
    verdict = spamd_verdict(SPAM, lenient)
    assert verdict.spam is False
    assert re.match(r"^SpamAssassin score \d+\.\d < 1000\.0 \(", verdict.reason), verdict.reason
    assert message_batch(source(check="spamd", host=spamd.host, port=spamd.port, threshold=1000.0),
                         CONTEXT, SPAM, "m.eml", None)[1].kind == "item"


def test_without_spamc_the_check_is_a_configuration_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no spamc on it
    with pytest.raises(ConfigError) as caught:
        message_batch(source(check="spamd", host="127.0.0.1"), CONTEXT, HAM, "m.eml", None)
    assert str(caught.value) == "spam check: the spamc command is not installed (Debian: apt-get install spamc)"


def write_mailbox(folder: Path) -> Path:
    """An .eml folder, read in name order: a list mail (no check needed), ham, spam."""
    mail = folder / "mail"
    mail.mkdir()
    for name, raw in (("1-list.eml", LIST_MAIL), ("2-ham.eml", HAM), ("3-spam.eml", SPAM)):
        (mail / name).write_bytes(raw)
    return mail


def ingest(db: sqlite_utils.Database, email: EmailSource, base: Path, workers: int = 1) -> None:
    context = SourceContext(customer_secret=b"k", base_dir=base, watermarks=watermarks(db, email.name),
                            workers=workers, parallel_min_messages=1)
    for batch in read_email(email, context):
        commit_batch(db, batch)


def decided(db: sqlite_utils.Database) -> dict[str, str]:
    """Each message's fate in the warehouse: item, or skipped: reason."""
    fates = {row[0]: "item" for row in db.execute("select location from items")}
    fates |= {row[0]: f"skipped: {row[1]}" for row in db.execute(f"select location, reason from {SKIPPED_TABLE}")}
    return fates


def test_a_mailbox_through_the_reader_publishes_only_the_customer(spamd: Spamd, tmp_path: Path) -> None:
    write_mailbox(tmp_path)
    db = open_warehouse(tmp_path / "warehouse.db")
    ingest(db, source(host=spamd.host, port=spamd.port), tmp_path)
    assert decided(db) == {"mail/1-list.eml": "skipped: mailing-list", "mail/2-ham.eml": "item",
                           "mail/3-spam.eml": "skipped: spam"}
    (detail,) = [row[0] for row in db.execute(f"select detail from {SKIPPED_TABLE} where reason = 'spam'")]
    assert REASON.match(detail), detail


# --- spamd that cannot be asked --------------------------------------------------------------------


@pytest.mark.parametrize("workers", [1, 2], ids=["inline", "in workers"])
def test_spamd_down_stops_the_source_undecided_and_the_next_run_decides_the_rest(
    spamd: Spamd, tmp_path: Path, workers: int
) -> None:
    write_mailbox(tmp_path)
    db = open_warehouse(tmp_path / "warehouse.db")
    down = free_port()
    with pytest.raises(SourceUnavailable) as caught:
        ingest(db, source(host="127.0.0.1", port=down), tmp_path, workers)
    assert str(caught.value) == (f"spam check: spamd at 127.0.0.1:{down} did not answer (spamc exit 69: "
                                 "connect to spamd on 127.0.0.1 failed, retrying (#1 of 3): Connection refused)")
    # nothing was published unchecked, and only what was decided is marked as read: inline, the
    # list mail before the first check; in workers, the results of its chunk are dropped with the
    # error and simply decided again next run
    first = {"mail/1-list.eml": "skipped: mailing-list"} if workers == 1 else {}
    assert decided(db) == first
    assert sorted(watermarks(db, "support")) == sorted(f"eml:{location}" for location in first)
    ingest(db, source(host=spamd.host, port=spamd.port), tmp_path, workers)  # the next run, spamd back
    assert decided(db) == {"mail/1-list.eml": "skipped: mailing-list", "mail/2-ham.eml": "item",
                           "mail/3-spam.eml": "skipped: spam"}


class _Silent(socketserver.BaseRequestHandler):
    def handle(self) -> None:  # reads the request, never answers: a hung spamd
        self.request.recv(65536)
        self.server.done.wait()  # type: ignore[attr-defined]


class _Garbage(socketserver.BaseRequestHandler):
    def handle(self) -> None:  # not the SPAMD protocol (something else listens on the port)
        self.request.recv(65536)
        self.request.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")


@pytest.fixture
def impostor(request: pytest.FixtureRequest) -> Iterator[int]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), request.param)
    server.daemon_threads = True
    server.done = threading.Event()  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.done.set()  # type: ignore[attr-defined]
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    ("impostor", "said"),
    [(_Silent, "spamc exit 74: no answer in time, or a read error"),
     (_Garbage, "spamc exit 76: spamd responded with bad string 'HTTP/1.1 400 Bad Request'")],
    ids=["hung", "not spamd"], indirect=["impostor"],
)
def test_a_spamd_that_does_not_answer_properly_is_unavailable_not_a_verdict(impostor: int, said: str) -> None:
    need(SPAMC is not None, NO_SPAMD)
    checked = source(check="spamd", host="127.0.0.1", port=impostor, timeout=1)
    with pytest.raises(SourceUnavailable) as caught:
        message_batch(checked, CONTEXT, HAM, "m.eml", None)
    assert str(caught.value) == f"spam check: spamd at 127.0.0.1:{impostor} did not answer ({said})"

