"""The form channel in the nightly: the spool read after its watermark, exactly once, with the
contact address kept in the warehouse and only the pseudonymous key published."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import httpx
import pytest
import sqlite_utils

from feedback.config import Config, load_config
from feedback.errors import SourceUnavailable
from feedback.identity import customer_key
from feedback.intake import spool
from feedback.intake.app import create_app
from feedback.intake.settings import FormSource
from feedback.pipeline import ingest_source
from feedback.publish import publish
from feedback.sources import SourceContext
from feedback.sources.form import reader
from feedback.text.process import build_redactor, process_items
from feedback.warehouse import commit_batch, open_warehouse, watermarks

from .conftest import SECRET
from .intake_server import SECRET as INTAKE_SECRET
from .intake_server import csrf_of, post_json, serving


def submission(n: int, text: str = "Late again.", email: str | None = None, consent: bool = False,
               rating: int | None = None) -> spool.Submission:
    return spool.Submission(f"form:t{n}", "form", f"2026-11-{n:02d}T10:00:00Z", text, rating, email, consent)


def fill(path: Path, *submissions: spool.Submission) -> None:
    with closing(spool.open_spool(path)) as conn:
        for s in submissions:
            spool.add(conn, s)


@pytest.fixture
def config(write_config: Callable[..., Path]) -> Config:
    return load_config(write_config([{"name": "web-form", "channel": "form", "spool": "intake.db"}]))


def items(db: sqlite_utils.Database) -> list[tuple[str, str]]:
    return [tuple(r) for r in db.execute("select local_id, text from items order by local_id")]  # type: ignore[misc]


def test_each_submission_is_ingested_once(config: Config) -> None:
    fill(config.base_dir / "intake.db", submission(1, "Driver was rude.", "Ann@Example.com ", True, 1),
         submission(2, "Fresh bread, thanks!", rating=5), submission(3, "Where is my refund?", "bo@example.org"))
    db = open_warehouse(config.warehouse)
    first = ingest_source(db, config, "web-form", SECRET)
    second = ingest_source(db, config, "web-form", SECRET)
    assert (first.seen, first.new, second.seen, second.new) == (3, 3, 0, 0)
    assert items(db) == [("form:t1", "Driver was rude."), ("form:t2", "Fresh bread, thanks!"),
                         ("form:t3", "Where is my refund?")]
    assert watermarks(db, "web-form") == {"spool": {"id": 3}}
    rows = list(db.query("select channel, customer, rating, rating_raw, rating_scale, question, received_at"
                         " from items order by local_id"))
    assert rows[0] == {"channel": "form", "customer": customer_key("ann@example.com", SECRET), "rating": 0.0,
                       "rating_raw": "1", "rating_scale": "stars", "question": "What happened?",
                       "received_at": "2026-11-01T10:00:00Z"}
    assert rows[1]["customer"] is None and rows[1]["rating"] == 1.0
    contacts = list(db.query("select submission_id, customer, email, consent from form_contacts order by submission_id"))
    assert contacts == [
        {"submission_id": "form:t1", "customer": customer_key("ann@example.com", SECRET), "email": "Ann@Example.com",
         "consent": 1},
        {"submission_id": "form:t3", "customer": customer_key("bo@example.org", SECRET), "email": "bo@example.org",
         "consent": 0},
    ]
    fill(config.base_dir / "intake.db", submission(4, "App crashed."))
    third = ingest_source(db, config, "web-form", SECRET)
    assert (third.seen, third.new) == (1, 1) and watermarks(db, "web-form") == {"spool": {"id": 4}}


def test_submissions_arriving_during_ingest_wait_for_the_next_run(config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "BATCH", 2)
    path = config.base_dir / "intake.db"
    fill(path, *(submission(n) for n in range(1, 4)))
    db = open_warehouse(config.warehouse)
    source = config.source("web-form")
    context = SourceContext(customer_secret=SECRET, base_dir=config.base_dir, watermarks=watermarks(db, "web-form"))
    batches = reader.read_form(source, context)
    commit_batch(db, next(batches))
    fill(path, submission(9, "Arrived mid-run."))  # while the run is between batches
    for batch in batches:
        commit_batch(db, batch)
    assert [i for i, _ in items(db)] == ["form:t1", "form:t2", "form:t3"]
    later = ingest_source(db, config, "web-form", SECRET)
    assert (later.new, items(db)[-1]) == (1, ("form:t9", "Arrived mid-run."))
    assert ingest_source(db, config, "web-form", SECRET).seen == 0


def test_a_run_that_fails_after_a_batch_resumes_after_it(config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "BATCH", 2)
    fill(config.base_dir / "intake.db", *(submission(n) for n in range(1, 6)))
    db = open_warehouse(config.warehouse)
    context = SourceContext(customer_secret=SECRET, base_dir=config.base_dir)
    batches = reader.read_form(config.source("web-form"), context)
    commit_batch(db, next(batches))
    batches.close()  # the run dies here
    result = ingest_source(db, config, "web-form", SECRET)
    assert (result.seen, result.new) == (3, 3)
    assert len(items(db)) == 5


def spooled(path: Path) -> list[str]:
    with closing(sqlite3.connect(path)) as conn:
        return [r[0] for r in conn.execute("select submission_id from submissions order by id")]


def age(path: Path, days: int, *submission_ids: str) -> None:
    """Make these submissions look spooled ``days`` ago (the test cannot wait a week)."""
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.executemany("update submissions set spooled_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', ?)"
                         " where submission_id = ?", [(f"-{days} days", s) for s in submission_ids])


def test_the_spool_lets_go_of_what_the_warehouse_holds_after_keep_days(config: Config) -> None:
    path = config.base_dir / "intake.db"
    fill(path, submission(1, "Driver was rude.", "ann@example.com", True), submission(2, "Bread was stale."))
    db = open_warehouse(config.warehouse)
    assert ingest_source(db, config, "web-form", SECRET).new == 2
    fill(path, submission(3, "Still no refund."))  # not ingested yet
    age(path, 8, "form:t1", "form:t3")
    assert ingest_source(db, config, "web-form", SECRET).new == 1
    # t1: ingested and 8 days old, gone; t2: ingested but fresh (a replay could still come); t3 was
    # read by this run, so the next run lets it go
    assert spooled(path) == ["form:t2", "form:t3"]
    with closing(spool.open_spool(path)) as conn, pytest.raises(spool.DuplicateSubmission):
        spool.add(conn, submission(2))
    fill(path, submission(4, "App crashed."))
    result = ingest_source(db, config, "web-form", SECRET)
    assert (result.seen, result.new) == (1, 1)  # ids are never reused: the watermark still holds
    assert spooled(path) == ["form:t2", "form:t4"]
    assert len(items(db)) == 4
    assert db.execute("select email from form_contacts").fetchall() == [("ann@example.com",)]


def test_a_version_1_spool_is_upgraded_and_pruned_by_when_it_was_received(config: Config) -> None:
    path = config.base_dir / "intake.db"
    with closing(sqlite3.connect(path)) as conn, conn:  # a spool written before spooled_at existed
        conn.execute("create table submissions (id integer primary key autoincrement, submission_id text not null"
                     " unique, via text not null, received_at text not null, text text not null, rating integer,"
                     " email text, consent integer not null default 0)")
        conn.execute("insert into submissions (submission_id, via, received_at, text) values"
                     " ('form:old', 'form', '2020-01-01T00:00:00Z', 'Old.')")
        conn.execute("pragma user_version = 1")
    db = open_warehouse(config.warehouse)
    assert ingest_source(db, config, "web-form", SECRET).new == 1  # read as it is, nothing pruned yet
    assert spooled(path) == ["form:old"]
    fill(path, submission(1, "New."))  # the intake opens it: the column is added
    assert ingest_source(db, config, "web-form", SECRET).new == 1
    assert spooled(path) == ["form:t1"]


def test_no_spool_yet_is_nothing_to_read(config: Config) -> None:
    db = open_warehouse(config.warehouse)
    assert ingest_source(db, config, "web-form", SECRET).seen == 0
    assert not (config.base_dir / "intake.db").exists()  # the reader never creates the spool


def test_rows_the_reader_cannot_use_are_quarantined(config: Config) -> None:
    path = config.base_dir / "intake.db"
    fill(path, submission(1, "Fine."))
    with closing(sqlite3.connect(path)) as conn, conn:  # written by something other than the app
        conn.execute("insert into submissions (submission_id, via, received_at, text, rating) values"
                     " ('form:x', 'form', '2026-11-02T10:00:00Z', '   ', null),"
                     " ('form:y', 'form', '2026-11-03T10:00:00Z', 'Good.', 9),"
                     " ('form:z', 'form', '2026-11-04T10:00:00Z', 'Ok.', 'four')")
    db = open_warehouse(config.warehouse)
    result = ingest_source(db, config, "web-form", SECRET)
    assert (result.new, result.quarantined) == (3, 3)
    reasons = [r[0] for r in db.execute("select reason from quarantine order by location")]
    assert reasons == ["submission without text", "rating 9 is outside the stars scale 1-5; comment kept without a rating",
                       "rating 'four' is not a whole number of stars; comment kept without a rating"]
    assert ingest_source(db, config, "web-form", SECRET).seen == 0


def test_a_spool_that_is_not_a_database_is_unavailable(config: Config) -> None:
    (config.base_dir / "intake.db").write_bytes(b"this is not sqlite" * 100)
    db = open_warehouse(config.warehouse)
    with pytest.raises(SourceUnavailable, match="cannot read the spool intake.db"):
        ingest_source(db, config, "web-form", SECRET)


def test_from_the_form_to_the_archive_redacted_and_without_the_address(config: Config) -> None:
    """A customer's words reach the archive redacted, under their pseudonymous key; the address
    they gave stays in the warehouse with their consent."""
    source = config.source("web-form")
    assert isinstance(source, FormSource)
    app = create_app(source.model_copy(update={"max_text": 2000}), config.resolve(source.spool), secret=INTAKE_SECRET)
    with serving(app) as base, httpx.Client(timeout=30) as client:
        token = csrf_of(client.get(f"{base}/").text)
        said = "Two days late. Call me on 07700 900123 or write to ann.lee@example.com <b>please</b>"
        form = client.post(f"{base}/", data={"csrf": token, "text": said, "rating": "1",
                                             "email": "ann.lee@example.com", "consent": "yes"})
        assert form.status_code == 200
        api = post_json(client, base, {"id": "crm-5", "text": "Refund still missing.", "email": "bo@example.org"})
        assert api.status_code == 201
    db = open_warehouse(config.warehouse)
    assert ingest_source(db, config, "web-form", SECRET).new == 2
    process_items(db, build_redactor(["GB", "US"]), ["en"])
    publish(db, config.archive)
    archive = sqlite_utils.Database(config.archive)
    rows = list(archive.query("select channel, source, customer, text, rating_band from feedback order by text desc"))
    assert [(r["channel"], r["source"], r["customer"], r["rating_band"]) for r in rows] == [
        ("form", "web-form", customer_key("ann.lee@example.com", SECRET), "low"),
        ("form", "web-form", customer_key("bo@example.org", SECRET), None),
    ]
    assert "07700 900123" not in rows[0]["text"] and "ann.lee@example.com" not in rows[0]["text"]
    assert rows[0]["text"].startswith("Two days late.") and "<b>please</b>" in rows[0]["text"]
    for table in archive.table_names():
        for row in archive[table].rows:
            assert not any(isinstance(v, str) and ("@example.com" in v or "@example.org" in v) for v in row.values()), table
    contacts = {r["email"]: r["consent"] for r in db.query("select email, consent from form_contacts")}
    assert contacts == {"ann.lee@example.com": 1, "bo@example.org": 0}
