"""The email channel end to end: the Brightmoor sample mailbox, the shared corpus, and leaks."""

from __future__ import annotations

import collections
import json
import re
import socket
from pathlib import Path

import pytest
import sqlite_utils

from feedback.config import EmailSource
from feedback.samples.emails import generate_emails
from feedback.sources import SourceContext, reader_for
from feedback.sources.email.reader import message_batch
from feedback.sources.email.threads import (
    ThreadMessage,
    archive_tables,
    known_names,
    subject_key,
    subject_links,
)
from feedback.text.names import NameRedactor
from feedback.text.redact import EMAIL, Redactor
from feedback.warehouse import BatchResult, commit_batch, open_warehouse, watermarks

from .conftest import SHARED_DATA, needs

SHARED = SHARED_DATA / "emails"
NOT_MESSAGES = {"LICENSE", "NOTICE", "SOURCE.txt", "README", "COPYING", "MIT.txt", "Apache-2.0.txt"}
PHONE = re.compile(r"(?:\+44|\b0)[\d ]{9,13}\d")
CARD = re.compile(r"\b(?:\d[ -]?){13,19}\b")


def _ingest(db: sqlite_utils.Database, source: EmailSource, base: Path) -> BatchResult:
    context = SourceContext(customer_secret=b"k", base_dir=base, watermarks=watermarks(db, source.name))
    total = BatchResult()
    for batch in reader_for("email")(source, context):
        total += commit_batch(db, batch)
    return total


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("samples")
    return out, generate_emails(out, seed=7)


SAMPLE_SOURCE = EmailSource(
    name="support-email", channel="email", mbox=["email/support.mbox"], maildir=["email/maildir"],
    company_domains=["brightmoor.co.uk"],
)


def test_sample_is_deterministic(sample: tuple[Path, dict[str, int]], tmp_path: Path) -> None:
    out, counts = sample
    assert generate_emails(tmp_path, seed=7) == counts
    assert (tmp_path / "email" / "support.mbox").read_bytes() == (out / "email" / "support.mbox").read_bytes()


def test_sample_mailbox_becomes_items_responses_and_skips(sample: tuple[Path, dict[str, int]], tmp_path: Path) -> None:
    out, counts = sample
    db = open_warehouse(tmp_path / "w.db")
    first = _ingest(db, SAMPLE_SOURCE, out)
    assert first.quarantined == 0
    assert first.new == counts["email_customer_messages"]
    directions = dict(db.execute("select direction, count(*) from email_messages group by 1").fetchall())
    assert directions == {"customer": counts["email_customer_messages"], "company": counts["email_staff_replies"]}
    skipped = collections.Counter(r[0] for r in db.execute("select reason from email_skipped"))
    assert skipped["bounce"] == 1 and skipped["newsletter"] == 1
    assert sum(skipped.values()) == counts["email_skippable"]
    assert db.execute("select count(*) from raw_documents").fetchone()[0] == counts["email_messages"]
    # the customer's words only: no quoted staff reply, no sign-off, no forwarded courier text
    texts = [r[0] for r in db.execute("select text from items")]
    assert not any("wrote:" in t or "\n>" in t or t.startswith(">") for t in texts)
    assert not any("Kind regards" in t or "Brightmoor Customer Care" in t for t in texts)
    assert not any("We tried to deliver" in t for t in texts)
    assert all(r[0] and r[0].startswith("c_") for r in db.execute("select customer from items"))
    # a rerun reads nothing
    assert _ingest(db, SAMPLE_SOURCE, out).seen == 0


def test_parsing_in_two_processes_gives_the_same_batches_as_in_one(
    sample: tuple[Path, dict[str, int]], tmp_path: Path
) -> None:
    out, _ = sample
    runs = []
    for workers in (1, 2):  # the sample mailbox is small: workers from 10 messages on
        context = SourceContext(customer_secret=b"k", base_dir=out, workers=workers, parallel_min_messages=10)
        runs.append([
            (b.watermark, [i.id for i in b.items], [i.text for i in b.items], [q.reason for q in b.quarantined],
             b.tables, b.raw.hash if b.raw else None)
            for b in reader_for("email")(SAMPLE_SOURCE, context)
        ])
    assert len(runs[0]) > 20
    assert runs[1] == runs[0]  # same batches, same order, same watermarks


@pytest.mark.parametrize(
    ("workers", "least"),
    # inline; in workers (the failure comes while they parse); too few messages for workers (the
    # failure comes while the reader is still counting them)
    [(1, 200), (2, 10), (2, 10_000)],
)
def test_an_unreachable_imap_server_does_not_stop_the_mailbox_files(
    sample: tuple[Path, dict[str, int]], tmp_path: Path, workers: int, least: int
) -> None:
    from feedback.config import ImapAccount
    from feedback.errors import SourceUnavailable

    out, counts = sample
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    imap = ImapAccount(host="127.0.0.1", port=port, security="plain", username="support",
                       password="env:NO_SUCH_IMAP_PASSWORD", retries=0, timeout=2)
    source = SAMPLE_SOURCE.model_copy(update={"imap": [imap]})
    db = open_warehouse(tmp_path / "w.db")
    context = SourceContext(customer_secret=b"k", base_dir=out, workers=workers, parallel_min_messages=least,
                            secrets={"env:NO_SUCH_IMAP_PASSWORD": "x"})
    committed = BatchResult()
    with pytest.raises(SourceUnavailable, match="127.0.0.1"):
        for batch in reader_for("email")(source, context):
            committed += commit_batch(db, batch)
    assert committed.new == counts["email_customer_messages"]  # the files were read all the same
    assert db.execute("select count(*) from raw_documents").fetchone()[0] == counts["email_messages"]


def test_threads_answered_and_time_to_first_answer(sample: tuple[Path, dict[str, int]], tmp_path: Path) -> None:
    out, counts = sample
    db = open_warehouse(tmp_path / "w.db")
    _ingest(db, SAMPLE_SOURCE, out)
    db.execute("insert into processed (item_id, version) select id, 'test' from items")
    db.conn.commit()
    tables = archive_tables(db)
    threads = tables["email_threads"]
    assert len(threads) == counts["email_threads"] + 1  # + the forwarded message, a thread of its own
    answered = [t for t in threads if t["answered"]]
    assert len(answered) == counts["email_staff_replies"]
    for thread in answered:
        assert thread["first_response_at"] >= thread["first_customer_message_at"]
        assert 0.5 <= thread["hours_to_first_response"] <= 72
    feedback = tables["email_feedback"]
    assert len(feedback) == counts["email_customer_messages"]
    assert {f["thread_id"] for f in feedback} == {t["thread_id"] for t in threads}
    published = json.dumps(tables)
    assert "@" not in published and "brightmoor" not in published.lower()


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Late parcel", ("late parcel", False)),
        ("Re: Late parcel", ("late parcel", True)),
        ("RE:  Late   PARCEL ", ("late parcel", True)),
        ("AW: WG: Late parcel", ("late parcel", True)),
        ("SV: Re[2]: Late parcel", ("late parcel", True)),
        ("Fwd: Late parcel", ("late parcel", True)),
        ("Re:", ("", True)),
        ("", ("", False)),
        (None, ("", False)),
        ("Regarding my parcel", ("regarding my parcel", False)),  # 're' only as a prefix with a colon
    ],
)
def test_subject_key(subject: str | None, expected: tuple[str, bool]) -> None:
    assert subject_key(subject) == expected


def _msg(mid: str, day: int, customer: str | None, subject: str | None, headers: bool = False,
         month: int = 3) -> ThreadMessage:
    return ThreadMessage(mid, f"2026-{month:02d}-{day:02d}T10:00:00Z", customer, subject, headers)


@pytest.mark.parametrize(
    ("messages", "links"),
    [
        # a reply whose client dropped In-Reply-To/References joins the customer's message
        ([_msg("a", 1, "c1", "Late parcel"), _msg("b", 3, "c1", "Re: Late parcel")], [("b", "a")]),
        # the company answering that customer (customer = the key of the recipient)
        ([_msg("a", 1, "c1", "Late parcel"), _msg("r", 2, "c1", "RE: late parcel")], [("r", "a")]),
        # a chain: each reply joins the latest earlier one
        ([_msg("a", 1, "c1", "Late parcel"), _msg("r", 2, "c1", "Re: Late parcel"),
          _msg("b", 4, "c1", "Re: Re: Late parcel")], [("r", "a"), ("b", "r")]),
        # another customer with the same subject: not linked
        ([_msg("a", 1, "c1", "Late parcel"), _msg("b", 3, "c2", "Re: Late parcel")], []),
        # the same customer months later: outside the 30-day window
        ([_msg("a", 1, "c1", "Late parcel"), _msg("b", 5, "c1", "Re: Late parcel", month=6)], []),
        # 30 days exactly is inside, 31 is not
        ([_msg("a", 1, "c1", "X"), _msg("b", 31, "c1", "Re: X")], [("b", "a")]),
        ([_msg("a", 1, "c1", "X"), _msg("b", 1, "c1", "Re: X", month=4)], []),
        # headers present: the header links decide, not the subject
        ([_msg("a", 1, "c1", "Late parcel"), _msg("b", 3, "c1", "Re: Late parcel", headers=True)], []),
        # no reply prefix: a new message on the same topic starts its own thread
        ([_msg("a", 1, "c1", "Late parcel"), _msg("b", 3, "c1", "Late parcel")], []),
        # only earlier messages are parents; nothing without a customer, a date or a subject
        ([_msg("b", 1, "c1", "Re: Late parcel"), _msg("a", 3, "c1", "Late parcel")], []),
        ([_msg("a", 1, None, "Late parcel"), _msg("b", 3, None, "Re: Late parcel")], []),
        ([ThreadMessage("a", None, "c1", "X", False), _msg("b", 3, "c1", "Re: X")], []),
        ([_msg("a", 1, "c1", ""), _msg("b", 3, "c1", "Re:")], []),
    ],
)
def test_subject_links(messages: list[ThreadMessage], links: list[tuple[str, str]]) -> None:
    assert subject_links(messages) == links


def _eml(mid: str, sender: str, to: str, subject: str, date: str, body: str, reply_to: str = "") -> bytes:
    headers = f"In-Reply-To: {reply_to}\n" if reply_to else ""
    return (
        f"From: {sender}\nTo: {to}\nSubject: {subject}\nDate: {date}\nMessage-ID: {mid}\n{headers}\n{body}\n"
    ).encode()


def test_replies_without_thread_headers_are_threaded_by_subject(tmp_path: Path) -> None:
    source = EmailSource(name="s", channel="email", eml=["x"], company_domains=["brightmoor.co.uk"])
    context = SourceContext(customer_secret=b"k")
    db = open_warehouse(tmp_path / "w.db")
    ann, bob = "Ann Lee <ann@example.com>", "Bob Ray <bob@example.org>"
    staff = "Care <care@brightmoor.co.uk>"
    messages = [
        _eml("<a1@x>", ann, "care@brightmoor.co.uk", "Broken eggs", "Mon, 02 Mar 2026 09:00:00 +0000",
             "Half the eggs in my box were broken."),
        # staff answer from a client that dropped In-Reply-To and References
        _eml("<r1@x>", staff, "ann@example.com", "RE: Broken eggs", "Mon, 02 Mar 2026 15:00:00 +0000",
             "Sorry, a refund is on its way."),
        # Ann's follow-up, also without headers
        _eml("<a2@x>", ann, "care@brightmoor.co.uk", "Re: Broken eggs", "Wed, 04 Mar 2026 08:00:00 +0000",
             "Thanks, the refund arrived today."),
        # Bob, same subject, months later, as a reply: not Ann's thread
        _eml("<b1@x>", bob, "care@brightmoor.co.uk", "Re: Broken eggs", "Fri, 03 Jul 2026 10:00:00 +0000",
             "My eggs were broken again this week."),
    ]
    for index, raw in enumerate(messages):
        commit_batch(db, message_batch(source, context, raw, f"m{index}", None)[0])
    db.execute("insert into processed (item_id, version) select id, 'test' from items")
    db.conn.commit()
    tables = archive_tables(db)
    threads = sorted(tables["email_threads"], key=lambda t: t["first_customer_message_at"])
    assert [(t["customer_messages"], t["responses"], t["answered"]) for t in threads] == [(2, 1, 1), (1, 0, 0)]
    assert threads[0]["first_customer_message_at"] == "2026-03-02T09:00:00Z"
    assert threads[0]["hours_to_first_response"] == 6.0
    assert threads[1]["first_customer_message_at"] == "2026-07-03T10:00:00Z"
    by_thread = collections.Counter(f["thread_id"] for f in tables["email_feedback"])
    assert sorted(by_thread.values()) == [1, 2]


def test_mbox_that_grew_is_read_from_the_first_new_message(tmp_path: Path) -> None:
    box = tmp_path / "in.mbox"
    message = "From x Mon Jan  5 10:00:00 2026\nFrom: A <a{n}@example.com>\nMessage-ID: <m{n}@x>\nSubject: s\n\nText {n} here.\n"
    box.write_text(message.format(n=1) + message.format(n=2))
    source = EmailSource(name="m", channel="email", mbox=["in.mbox"])
    db = open_warehouse(tmp_path / "w.db")
    assert _ingest(db, source, tmp_path).new == 2
    with box.open("a") as f:
        f.write(message.format(n=3))
    again = _ingest(db, source, tmp_path)
    assert (again.seen, again.new) == (1, 1)
    assert watermarks(db, "m")["mbox:in.mbox"]["count"] == 3


def _leaks(texts: list[str], names: set[str]) -> list[str]:
    found = []
    for text in texts:
        for pattern in (EMAIL, PHONE, CARD):
            found += [m.group(0) for m in pattern.finditer(text)]
        lowered = text.lower()
        found += [n for n in names if re.search(r"\b" + re.escape(n.lower()) + r"\b", lowered)]
    return found


def test_no_addresses_phones_or_sender_names_survive_redaction(
    sample: tuple[Path, dict[str, int]], tmp_path: Path
) -> None:
    out, _ = sample
    db = open_warehouse(tmp_path / "w.db")
    _ingest(db, SAMPLE_SOURCE, out)
    people = known_names(db)
    assert len(people) > 20
    redact = Redactor(regions=("GB",), extra=[NameRedactor.load(known=people, keep=["Brightmoor"])])
    rows = db.execute("select title, text from items").fetchall()
    published = [redact(t) or "" for row in rows for t in row if t]
    # every name part of every person in the input (senders, signatures, staff)
    name_parts = {part for name in people for part in name.split() if len(part) >= 3}
    assert _leaks(published, name_parts) == []
    assert any("[NAME]" in t for t in published)
    assert any("[PHONE]" in t for t in published)


def _corpus_files() -> list[Path]:
    return [
        p for p in sorted(SHARED.rglob("*"))
        if p.is_file() and p.suffix != ".json" and p.name not in NOT_MESSAGES and "LICENSES" not in p.parts
    ]


@needs(SHARED.is_dir(), f"shared data not present: {SHARED}")
def test_shared_corpus_every_message_accounted_for(tmp_path: Path) -> None:
    files = _corpus_files()
    assert len(files) > 2900
    source = EmailSource(name="corpus", channel="email", eml=["x"], company_domains=["spamassassin.taint.org"])
    context = SourceContext(customer_secret=b"k", base_dir=SHARED)
    db = open_warehouse(tmp_path / "w.db")
    outcomes: collections.Counter[str] = collections.Counter()
    reasons: collections.Counter[str] = collections.Counter()
    item_ids: set[str] = set()
    for path in files:
        batch, outcome = message_batch(source, context, path.read_bytes(), str(path.relative_to(SHARED)),
                                       ("eml:" + path.name, {}))
        commit_batch(db, batch)
        outcomes[outcome.kind] += 1
        if outcome.item is not None:
            item_ids.add(outcome.item.id)
        if outcome.kind in ("skipped", "quarantined"):
            assert outcome.reason, path
            reasons[f"{outcome.kind}: {outcome.reason}"] += 1
    print(f"\nshared corpus: {len(files)} messages: {dict(outcomes)}")
    for reason, count in reasons.most_common():
        print(f"  {count:5d}  {reason}")
    assert sum(outcomes.values()) == len(files)
    assert not any(r.startswith("quarantined: unexpected") for r in reasons)  # zero crashes
    assert outcomes["item"] > 400 and outcomes["item"] + outcomes["response"] > 1000
    # the warehouse holds what the outcomes say; a Message-ID seen twice is one item, not two
    assert db.execute("select count(*) from quarantine").fetchone()[0] == outcomes["quarantined"]
    assert db.execute("select count(*) from items").fetchone()[0] == len(item_ids)


@needs(SHARED.is_dir(), f"shared data not present: {SHARED}")
def test_shared_corpus_redaction_leaves_no_addresses_or_sender_names(tmp_path: Path) -> None:
    source = EmailSource(name="corpus", channel="email", eml=["x"])
    context = SourceContext(customer_secret=b"k", base_dir=SHARED)
    db = open_warehouse(tmp_path / "w.db")
    for path in _corpus_files()[::3]:  # every third message keeps the test quick; the bench runs all
        commit_batch(db, message_batch(source, context, path.read_bytes(), path.name, None)[0])
    people = known_names(db)
    redact = Redactor(regions=("GB", "US"), extra=[NameRedactor.load(known=people)])
    rows = db.execute("select title, text from items").fetchall()
    published = [redact(t) or "" for row in rows for t in row if t]
    addresses = [m.group(0) for t in published for m in EMAIL.finditer(t)]
    assert addresses == []
    full_names = {n for n in people if " " in n}
    leaked = [n for n in full_names for t in published if n in t]
    assert leaked == []
