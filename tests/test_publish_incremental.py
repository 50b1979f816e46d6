"""Incremental publish: nights of changes applied to the archive equal a full rebuild, and a
publish killed at any point leaves the previous archive served and the next one right."""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from feedback import publish as publish_module
from feedback import publish_base
from feedback.actions.record import add_action
from feedback.config import Config, EmailSource, load_config
from feedback.embed import Embedder
from feedback.insights.sentiment_check import counted, sentiment_delta
from feedback.pipeline import ingest_source, publish_archive
from feedback.publish import KILL_AT
from feedback.publish_state import Changes
from feedback.sources import SourceContext
from feedback.sources.email.reader import message_batch
from feedback.text.process import build_redactor, process_items
from feedback.themes import ThemeSettings, merge, recluster, rename, update_themes
from feedback.warehouse import commit_batch, open_warehouse

from .conftest import REPO, SECRET
from .themes_fixtures import sample_comments

spec = importlib.util.spec_from_file_location("archive_digest", REPO / "scripts" / "archive_digest.py")
assert spec and spec.loader
archive_digest = importlib.util.module_from_spec(spec)
spec.loader.exec_module(archive_digest)

pytestmark = pytest.mark.slow
HEADER = "Timestamp,Email Address,Score,Why?\n"
TEXTS = [t for t, _ in sample_comments(seed=11, per_theme=14)]
QUERIES = ["delivery", "refund", "driver", "app", "late", "staff OR store", "fresh", "charged"]
EMAIL = EmailSource(name="support", channel="email", eml=["x"], company_domains=["brightmoor.co.uk"])
# (where, on the previous archive in place or on a copy of the archive in place)
KILL_POINTS = [("after-copy", "copy"), ("after-feedback", "copy"), ("after-claim", "previous"),
               ("after-feedback", "previous"), ("before-swap", "previous"), ("after-pending", "previous"),
               ("after-link", "previous"), ("after-swap", "previous")]
SUBPROCESS = """
import sys
import feedback.publish_base
feedback.publish_base.BYTES_PER_CHANGE = 0  # the previous archive whenever it can be (a small archive copies)
from feedback.config import load_config
from feedback.pipeline import publish_archive
from feedback.warehouse import open_warehouse
config = load_config(sys.argv[1])
publish_archive(open_warehouse(config.warehouse), config)
"""


def _eml(mid: str, sender: str, subject: str, day: str, body: str, reply_to: str = "") -> bytes:
    to = "ann@example.com" if "brightmoor" in sender else "care@brightmoor.co.uk"
    headers = f"In-Reply-To: {reply_to}\n" if reply_to else ""
    return (f"From: {sender}\nTo: {to}\nSubject: {subject}\nDate: {day}\nMessage-ID: {mid}\n{headers}\n{body}\n").encode()


class Shop:
    """A warehouse the nights are run against, with the real stages (the real embedding model)."""

    def __init__(self, folder: Path, embedder: Embedder) -> None:
        self.folder = folder
        self.embedder = embedder
        self.rows: list[tuple[str, str, int, str]] = []
        self.emails = 0
        (folder / "config.yml").write_text(
            "warehouse: warehouse.db\narchive: archive.db\n"
            "promises:\n  - {text: \"Your groceries are delivered within 2 days\", threshold: 0.4}\n"
            "sources:\n  - name: nps\n    channel: survey\n    paths: nps.csv\n    columns:\n"
            "      received_at: Timestamp\n      customer: Email Address\n"
            "      rating: {column: Score, scale: nps}\n      text: Why?\n", encoding="utf-8")
        self.config: Config = load_config(folder / "config.yml")
        self.db = open_warehouse(self.config.warehouse)

    def add(self, count: int, month: int) -> None:
        start = len(self.rows)
        for n in range(start, start + count):
            self.rows.append((f"{month}/{1 + n % 27}/2026 10:{n % 60:02d}:00", f"cust{n % 23}@example.com",
                              n % 11, TEXTS[n % len(TEXTS)].replace('"', "")))

    def mail(self, *messages: bytes) -> None:
        context = SourceContext(customer_secret=SECRET)
        for raw in messages:
            self.emails += 1
            commit_batch(self.db, message_batch(EMAIL, context, raw, f"m{self.emails}", None)[0])

    def night(self) -> None:
        lines = [f'{t},{e},{s},"{w}"' for t, e, s, w in self.rows]
        (self.folder / "nps.csv").write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
        ingest_source(self.db, self.config, "nps", SECRET)
        process_items(self.db, build_redactor(["GB"]), ["en"])
        update_themes(self.db, ThemeSettings(), self.embedder)

    def publish(self, full: bool = False) -> Any:
        return publish_archive(self.db, self.config, full=full)

    def full_copy(self, folder: Path) -> Path:
        return full_rebuild(self.folder, folder)


def full_rebuild(shop: Path, folder: Path) -> Path:
    """A full rebuild of a copy of the warehouse in ``shop`` as it is now (that one is left alone)."""
    folder.mkdir()
    shutil.copy(shop / "config.yml", folder / "config.yml")
    source = sqlite_utils.Database(shop / "warehouse.db")  # the SQLite library the warehouse is open with
    source.execute(f"vacuum into '{folder / 'warehouse.db'}'")
    source.close()
    config = load_config(folder / "config.yml")
    publish_archive(open_warehouse(config.warehouse), config, full=True)
    return config.archive


def fts(path: Path) -> dict[str, list[str]]:
    db = sqlite3.connect(path)
    return {q: sorted(r[0] for r in db.execute(
        "select f.id from feedback_fts join feedback f on f.rowid = feedback_fts.rowid where feedback_fts match ?", [q]))
        for q in QUERIES}


def assert_same_archive(incremental: Path, full: Path) -> None:
    a, b = archive_digest.digest(str(incremental)), archive_digest.digest(str(full))
    assert [t for t in a if a[t] != b.get(t)] == []
    assert a == b
    # the int8 search vectors too: one code row per vector, made with the warehouse's codebook
    db = sqlite3.connect(incremental)
    assert db.execute("select count(*) from vector_codes").fetchone() == db.execute(
        "select count(*) from feedback_vectors").fetchone() != (0,)
    assert db.execute("select count(*) from vector_codebook").fetchone() == (1,)
    assert fts(incremental) == fts(full)


def mentioned(path: Path) -> set[str]:
    """The texts of the comments that mention a promise."""
    db = sqlite_utils.Database(path)
    return {r["text"] for r in db.query("select f.text from promise_mentions m join feedback f on f.id = m.feedback_id")}


def carrying(path: Path, theme: int) -> set[str]:
    db = sqlite_utils.Database(path)
    return {r["feedback_id"] for r in db.query("select feedback_id from feedback_themes where theme_id = ?", [theme])}


def stored_counts(db: sqlite_utils.Database) -> Counter[tuple[str, str, float, float]]:
    """The sentiment check's counts kept in the warehouse."""
    return Counter({(s, sc, r, se): n for s, sc, r, se, n in db.execute(
        "select source, scale, rating, sentiment, n from sentiment_counts")})


def assert_counts_current(db: sqlite_utils.Database) -> None:
    """The counts an incremental publish brought up to date are those of every rated comment now."""
    assert stored_counts(db) == counted(db) != Counter()


def info(path: Path) -> dict[str, Any]:
    return dict(next(sqlite_utils.Database(path).query("select * from archive_info")))


@pytest.fixture
def previous_always(monkeypatch: pytest.MonkeyPatch) -> None:
    """The previous archive is brought up to date whenever it can be (a small archive is copied)."""
    monkeypatch.setattr(publish_base, "BYTES_PER_CHANGE", 0)


@pytest.mark.usefixtures("previous_always")
def test_nights_of_incremental_publish_equal_a_full_rebuild(tmp_path: Path, embedder: Embedder) -> None:
    shop = Shop(tmp_path, embedder)
    ann, staff = "Ann Lee <ann@example.com>", "Care <care@brightmoor.co.uk>"
    # night 1: the first publish is a full one
    shop.add(150, month=3)
    shop.mail(_eml("<a1@x>", ann, "Broken eggs", "Mon, 02 Mar 2026 09:00:00 +0000", "Half the eggs were broken."))
    shop.night()
    first = shop.publish()
    assert (first.mode, first.reason) == ("full", "no archive yet")
    assert_same_archive(shop.config.archive, shop.full_copy(tmp_path / "full1"))

    # night 2: new comments in new and old weeks, an edited comment, a reply that answers the thread
    shop.add(40, month=4)
    shop.add(5, month=3)
    shop.rows.append(("4/9/2026 10:00:00", "cust3@example.com", 9, "My groceries were delivered within 2 days"))
    time, email, score, _ = shop.rows[3]
    shop.rows[3] = (time, email, score, "The refund never arrived and nobody answers the phone")
    time, email, score, text = shop.rows[7]
    shop.rows[7] = (time, email, (score + 6) % 11, text)  # a score changed: its response's points move
    shop.mail(_eml("<r1@x>", staff, "RE: Broken eggs", "Mon, 02 Mar 2026 15:00:00 +0000", "A refund is on its way.",
                   reply_to="<a1@x>"))
    shop.night()
    themes = [r[0] for r in shop.db.execute("select id from themes where status = 'active' order by size desc")]
    rename(shop.db, themes[0], "Our own label")
    add_action(shop.db, themes[0], "Two more vans on Mondays", "2026-02-01", today=date(2026, 12, 1))  # "you said, we did"
    before = archive_digest.digest(str(shop.config.archive))
    second = shop.publish()
    assert second.mode == "incremental" and 45 <= second.changed < 80
    after = archive_digest.digest(str(shop.config.archive))
    # rated comments came: the rating check was recomputed; a comment newly mentions the promise
    assert before["sentiment_check"] != after["sentiment_check"]
    assert mentioned(shop.config.archive) - mentioned(tmp_path / "full1" / "archive.db") >= {
        "My groceries were delivered within 2 days"}
    assert info(shop.config.archive)["build_mode"] == "incremental"
    assert_counts_current(shop.db)
    assert_same_archive(shop.config.archive, shop.full_copy(tmp_path / "full2"))
    threads = list(sqlite_utils.Database(shop.config.archive).query("select answered from email_threads"))
    assert threads == [{"answered": 1}]
    assert [r["text"] for r in sqlite_utils.Database(shop.config.archive).query("select text from actions")] == [
        "Two more vans on Mondays"]

    # a re-cluster: the next publish rebuilds in full by itself
    recluster(shop.db, ThemeSettings(min_cluster_size=4), embedder)
    third = shop.publish()
    assert (third.mode, third.reason) == ("full", "the themes were re-fitted")

    # night 3: more comments, a merge of two themes, a new thread
    shop.add(30, month=5)
    shop.mail(_eml("<b1@x>", "Bob Ray <bob@example.org>", "Late van", "Fri, 01 May 2026 10:00:00 +0000",
                   "The van came four hours late."))
    shop.night()
    themes = [r[0] for r in shop.db.execute("select id from themes where status = 'active' order by size desc")]
    merge(shop.db, themes[0], [themes[1]])
    moved = carrying(shop.config.archive, themes[1])
    fourth = shop.publish()
    assert (fourth.mode, fourth.base) == ("incremental", "previous")  # the copy the full build left
    assert moved and carrying(shop.config.archive, themes[1]) == set()  # those comments changed theme
    assert moved <= carrying(shop.config.archive, themes[0])
    assert_counts_current(shop.db)
    assert_same_archive(shop.config.archive, shop.full_copy(tmp_path / "full3"))

    # night 4: only an e-mail (no rated comment): the rating check is kept as it was
    shop.mail(_eml("<c1@x>", "Cat Roe <cat@example.net>", "Thanks", "Sat, 02 May 2026 10:00:00 +0000",
                   "The driver was lovely."))
    shop.night()
    # a comment withdrawn from the warehouse (its text and segments removed): it leaves every table
    gone = shop.db.execute("select item_id from processed where item_id in (select id from items where rating"
                           " is not null) order by item_id limit 1").fetchone()[0]
    with shop.db.conn:
        shop.db.execute("delete from theme_segments where item_id = ?", [gone])
        shop.db.execute("delete from processed where item_id = ?", [gone])
    unrated = {r[0] for r in shop.db.execute("select id from items where rating is null")}
    rated = shop.db.execute("select id from items where rating is not null and id != ? limit 1", [gone]).fetchone()[0]
    served = sqlite_utils.Database(shop.config.archive)
    build, counts = info(shop.config.archive)["build_id"], stored_counts(shop.db)
    # comments whose rating and sentiment are as the archive shows them leave the counts and the table alone
    unchanged = Changes(items=unrated | {rated}, base_build=build, build=build)
    assert sentiment_delta(shop.db, served, unchanged)["sentiment_check"].keep_table
    assert stored_counts(shop.db) == counts
    # a rated comment withdrawn: its cell leaves the counts, tagged for another build (a publish killed before
    # its swap): the publish derives the table again, without taking the cell out twice
    withdrawn = Changes(items={gone}, base_build=build, build="probe")
    assert not sentiment_delta(shop.db, served, withdrawn)["sentiment_check"].keep_table
    assert stored_counts(shop.db) == counted(shop.db) != counts
    assert sum(counts.values()) - sum(stored_counts(shop.db).values()) == 1
    fifth = shop.publish()
    assert (fifth.mode, fifth.base) == ("incremental", "previous")  # two nights applied to the archive before
    assert fifth.changed > 30 + 1
    assert_same_archive(shop.config.archive, shop.full_copy(tmp_path / "full4"))
    assert sqlite_utils.Database(shop.config.archive).execute("select count(*) from feedback where id = ?",
                                                               [gone]).fetchone() == (0,)

    # a night with nothing new changes nothing, not even the build stamp: the archive in place is kept
    before = archive_digest.digest(str(shop.config.archive))
    stamp = info(shop.config.archive)["build_id"]
    quiet = shop.publish()
    assert (quiet.mode, quiet.changed, quiet.base) == ("incremental", 0, "none")
    assert archive_digest.digest(str(shop.config.archive)) == before
    assert info(shop.config.archive)["build_id"] == stamp
    # a staff rename is no logged change, but the themes table shows it: published (on a copy: `served`, this
    # process, still reads the archive the fifth publish replaced, so it is not changed in place)
    rename(shop.db, themes[0], "Vans and Mondays")
    renamed = shop.publish()
    assert (renamed.mode, renamed.changed, renamed.base) == ("incremental", 0, "copy")
    assert [r["label"] for r in sqlite_utils.Database(shop.config.archive).query(
        "select label from themes where id = ?", [themes[0]])] == ["Vans and Mondays"]
    assert_same_archive(shop.config.archive, shop.full_copy(tmp_path / "full5"))
    before = archive_digest.digest(str(shop.config.archive))

    # `--full` on demand
    assert shop.publish(full=True).reason == "asked for a full rebuild"
    assert archive_digest.digest(str(shop.config.archive)) == before


class Survey:
    """A one-source warehouse of a few survey comments, the real process stage, no themes."""

    def __init__(self, folder: Path, write_config: Callable[..., Path]) -> None:
        self.csv = folder / "nps.csv"
        columns = {"received_at": "Timestamp", "customer": "Email Address",
                   "rating": {"column": "Score", "scale": "nps"}, "text": "Why?"}
        self.config = load_config(write_config([{"name": "nps", "channel": "survey", "paths": "nps.csv",
                                                 "columns": columns}]))
        self.db = open_warehouse(self.config.warehouse)

    def night(self, *lines: str) -> None:
        """The export now holds ``lines`` (CSV rows): ingested and processed."""
        self.csv.write_text(HEADER + "".join(f"{line}\n" for line in lines))
        ingest_source(self.db, self.config, "nps", SECRET)
        process_items(self.db, build_redactor(["GB"]), ["en"])

    def publish(self) -> Any:
        return publish_archive(self.db, self.config)


@pytest.fixture
def survey(tmp_path: Path, write_config: Callable[..., Path]) -> Survey:
    return Survey(tmp_path, write_config)


LATE = '3/1/2026 10:00:00,a@example.com,3,"Late again"'


@pytest.mark.parametrize(
    ("spoil", "reason"),
    [
        (lambda p: p.unlink(), "no archive yet"),
        (lambda p: p.write_bytes(b"not a database"), "the archive is unreadable or was built before incremental publishing"),
        (lambda p: sqlite3.connect(p).execute("update archive_info set build_id = 'x'").connection.commit(),
         "the archive in place is not the one this warehouse last published"),
    ],
)
def test_an_archive_that_cannot_be_the_base_is_rebuilt(survey: Survey, spoil: Callable[[Path], None],
                                                       reason: str) -> None:
    survey.night(LATE)
    assert survey.publish().mode == "full"
    assert survey.publish().mode == "incremental"
    spoil(survey.config.archive)
    result = survey.publish()
    assert (result.mode, result.reason) == ("full", reason)
    assert [r["text"] for r in sqlite_utils.Database(survey.config.archive)["feedback"].rows] == ["Late again"]


@pytest.mark.usefixtures("previous_always")
def test_a_night_that_changes_a_large_share_of_the_archive_is_built_in_full(
        survey: Survey, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, tmp_path: Path) -> None:
    monkeypatch.setattr(publish_module, "FULL_MIN_CHANGES", 2)  # at scale: 5,000; the share is the real one
    lines = [f'3/{day}/2026 10:00:00,c{day}@example.com,{day % 11},"Comment number {day} about the van"'
             for day in range(1, 11)]
    survey.night(*lines)
    assert survey.publish().mode == "full"
    survey.night(*lines, '3/11/2026 10:00:00,new@example.com,9,"A new one"')  # 1 of 10: applied
    night = survey.publish()
    assert (night.mode, night.changed) == ("incremental", 1)
    lines.append('3/11/2026 10:00:00,new@example.com,9,"A new one"')
    refunds = [line.replace("about the van", "about the refund") for line in lines[:3]]  # new comments
    survey.night(*lines, *refunds)  # 3 new: built in full
    with caplog.at_level(logging.INFO, logger="feedback.publish"):
        result = survey.publish()
    # 4 since the archive before the one in place: too many to bring it up to date; 3 since the one in place
    reason = "3 of 11 comments changed (>= 20%): a full build is cheaper than applying them"
    assert (result.mode, result.reason) == ("full", reason)
    assert reason in caplog.text
    texts = sorted(r["text"] for r in sqlite_utils.Database(survey.config.archive)["feedback"].rows)
    assert sum("about the refund" in t for t in texts) == 3 and len(texts) == 14
    full = full_rebuild(survey.csv.parent, tmp_path / "full")
    assert archive_digest.digest(str(survey.config.archive)) == archive_digest.digest(str(full))
    # nothing new since the full build: the archive in place is kept as it is
    assert (survey.publish().mode, survey.publish().base) == ("incremental", "none")
    # the state of the full build is recorded: the next night applies to the copy of it the full build left
    survey.night(*lines, *refunds, '3/12/2026 10:00:00,new@example.com,9,"One more"')
    after = survey.publish()
    assert (after.mode, after.base, after.changed) == ("incremental", "previous", 1)
    full = full_rebuild(survey.csv.parent, tmp_path / "full-after")
    assert archive_digest.digest(str(survey.config.archive)) == archive_digest.digest(str(full))


@pytest.mark.usefixtures("previous_always")
def test_a_publish_killed_at_any_point_leaves_the_old_archive_and_the_next_one_right(
        tmp_path: Path, embedder: Embedder) -> None:
    (tmp_path / "shop").mkdir()
    shop = Shop(tmp_path / "shop", embedder)
    shop.add(120, month=3)
    shop.night()
    shop.publish()
    shop.add(10, month=3)
    shop.night()
    assert shop.publish().base == "previous"  # the full build's copy; this one keeps the first beside it
    previous = shop.folder / ".archive.db.prev"
    assert previous.exists() and not os.path.samefile(previous, shop.config.archive)
    shop.add(30, month=4)
    shop.rows[0] = (*shop.rows[0][:3], "Nobody answered my complaint about the refund")
    shop.night()  # changes waiting for the publish
    shop.db.close()
    old = archive_digest.digest(str(shop.config.archive))
    full = full_rebuild(shop.folder, tmp_path / "full")
    for point, base in KILL_POINTS:
        folder = tmp_path / f"{point}-{base}"
        shutil.copytree(shop.folder, folder)
        if base == "copy":
            (folder / ".archive.db.prev").unlink()
        config = load_config(folder / "config.yml")
        done = subprocess.run([sys.executable, "-c", SUBPROCESS, str(folder / "config.yml")],
                              env={**os.environ, KILL_AT: point, "PYTHONPATH": str(REPO)}, capture_output=True)
        assert done.returncode == -9, done.stderr.decode()[-2000:]
        served = archive_digest.digest(str(config.archive))
        if point == "after-swap":
            assert served != old  # swapped, not yet recorded
        else:
            assert served == old, point
        result = publish_archive(open_warehouse(config.warehouse), config)
        assert result.mode == "incremental", (point, result.reason)
        assert_same_archive(config.archive, full)
        assert [p.name for p in folder.iterdir() if p.name.endswith(".tmp")] == []


def test_the_sources_table_follows_items_not_yet_processed_and_quarantined_rows(survey: Survey) -> None:
    survey.night(LATE)
    survey.publish()
    # a row ingested but not processed (not published, but counted), and a row with no date
    survey.csv.write_text(HEADER + f'{LATE}\n3/2/2026 10:00:00,b@example.com,9,"Fine"\nnot a date,c@example.com,5,"When?"\n')
    ingest_source(survey.db, survey.config, "nps", SECRET)
    result = survey.publish()
    assert (result.mode, result.changed) == ("incremental", 0)
    sources = list(sqlite_utils.Database(survey.config.archive).query(
        "select name, items, last_received, quarantined from sources"))
    quarantined = survey.db.execute("select count(*) from quarantine").fetchone()[0]
    assert sources == [{"name": "nps", "items": 2, "last_received": "2026-03-02T10:00:00Z", "quarantined": quarantined}]
    assert quarantined == 1
