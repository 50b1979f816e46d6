"""A large batch is a bulk load: ``items``' secondary indexes are built once, at the end of the
batch's transaction, and columns NULL in a whole chunk are written as literals. What lands in the
warehouse is what the row-by-row path wrote (digests pinned from the code before the change), and
a run killed in the middle of a bulk load leaves the warehouse, indexes included, as it was."""

from __future__ import annotations

import hashlib
import logging
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from feedback.config import load_config
from feedback.items import Item
from feedback.pipeline import ingest_source
from feedback.samples import write_bench_csv
from feedback.sources.context import SourceContext
from feedback.sources.surveys.reader import read_surveys
from feedback.warehouse import Batch, commit_batch, open_warehouse, watermarks
from feedback.warehouse.batches import item_row

from .conftest import SECRET, shared
from .ingest_fixtures import ITEMS, held_ingest
from .ingest_fixtures import snapshot as written


def snapshot(db: sqlite_utils.Database) -> dict[str, list[tuple[Any, ...]]]:
    """Everything an ingest writes but the times it was written, and ``items`` in rowid order."""
    return written(db, rowid_order=True)


def digest(db: sqlite_utils.Database) -> str:
    """A digest of every column of ``items`` but ``ingested_at``, in id order, and of the quarantine."""
    out = hashlib.sha256()
    for query in (ITEMS, "select id, source, location, reason, snippet, raw_hash, times_seen from quarantine order by id"):
        for row in db.execute(query):
            out.update(repr(row).encode())
    return out.hexdigest()[:16]


def item_indexes(db: sqlite_utils.Database) -> list[tuple[str, str]]:
    return db.execute("select name, sql from sqlite_master where type = 'index' and tbl_name = 'items' order by name").fetchall()


def test_the_real_google_forms_export_lands_as_it_always_did(tmp_path: Path, write_config: Callable[..., Path]) -> None:
    [export] = shared("surveys/autistica_google_form").glob("*.csv")
    shutil.copy(export, tmp_path / "responses.csv")  # so that its label (in location, extra) is the same anywhere
    columns = {"received_at": "Timestamp", "title": "Q2: Do you have a personal connection to autism?",
               "text": ["Q1: What information would you like us to know about your needs, priorities, desires and"
                        " concerns for the citizen science platform?",
                        "Q3: Can we use the information above to inform how we design and build the platform?"]}
    config = load_config(write_config([{"name": "autistica", "channel": "survey", "paths": "responses.csv", "columns": columns}]))
    db = open_warehouse(config.warehouse)
    result = ingest_source(db, config, "autistica", SECRET)
    assert (result.new, result.quarantined) == (69, 0)
    assert digest(db) == "fc3995cb8b4d5b99"  # written by the code before the bulk path (main at ba1f875)


def test_a_large_export_takes_the_bulk_path_and_lands_as_it_always_did(
    tmp_path: Path, write_config: Callable[..., Path], caplog: pytest.LogCaptureFixture
) -> None:
    write_bench_csv(tmp_path / "big.csv", 12_000, seed=1)
    columns = {"received_at": "Timestamp", "customer": "Email Address",
               "rating": {"column": "How likely are you to recommend Brightmoor to a friend or colleague?", "scale": "nps"},
               "text": ["What is the main reason for your score?", "What is one thing we could do better?"]}
    config = load_config(write_config([{"name": "bench", "channel": "survey", "paths": "big.csv", "columns": columns}]))
    db = open_warehouse(config.warehouse)
    indexes = item_indexes(db)
    with caplog.at_level(logging.DEBUG, logger="feedback.warehouse.batches"):
        result = ingest_source(db, config, "bench", SECRET)
    [(secondary,)] = db.execute(
        "select count(*) from sqlite_master m join pragma_index_list('items') l on l.name = m.name"
        " where m.type = 'index' and m.sql is not null and l.[unique] = 0").fetchall()
    assert secondary >= 3  # the items' probe indexes, none of them unique
    assert f"bulk load: items' {secondary} secondary indexes dropped" in caplog.text
    assert (result.new, result.quarantined) == (20_563, 0)
    assert digest(db) == "3552cc751b44b180"  # written by the code before the bulk path (main at ba1f875)
    assert item_indexes(db) == indexes
    assert db.execute("pragma integrity_check").fetchall() == [("ok",)]


HEADER = "Response ID,Submitted,Email,Score,Why?,Anything else?\n"
FIRST = [
    "r1,9/1/2026 10:00:00,a@example.com,9,Fine,\n",
    "r2,9/1/2026 10:01:00,b@example.com,3,Slow,Call me back\n",
    "r3,9/1/2026 10:02:00,,5,Late,\n",
    "r4,9/1/2026 10:03:00,d@example.com,11,Kept without its rating,\n",
]
SECOND = [
    "r1,9/1/2026 10:00:00,a@example.com,9,Fine after all,\n",  # changed
    "r2,9/1/2026 10:01:00,b@example.com,3,Slow,Call me back\n",  # the same
    "r5,9/2/2026 09:00:00,e@example.com,7,New,\n",
    "r6,not a date,f@example.com,7,Quarantined,\n",
    "r5,9/2/2026 09:00:00,e@example.com,8,New and rated again,More\n",  # the same id again: the last wins
    "r7,9/2/2026 09:05:00,g@example.com,10,Great,\n",
    "r3,9/1/2026 10:02:00,c@example.com,5,Late,Still late\n",  # changed: a customer and a second answer
    "r8,9/2/2026 09:07:00,h@example.com,6,Meh\n",  # a field short: quarantined
]
SOURCE = {"name": "s", "channel": "survey", "paths": "nps.csv",
          "columns": {"id": "Response ID", "received_at": "Submitted", "customer": "Email",
                      "rating": {"column": "Score", "scale": "nps"}, "text": ["Why?", "Anything else?"]}}


def ingest_twice(folder: Path, write_config: Callable[..., Path], chunk_size: int, bulk_min: int) -> sqlite_utils.Database:
    """The two states of the export, each read and committed with the given chunk size and bulk threshold."""
    folder.mkdir()
    config = load_config(write_config([SOURCE]).rename(folder / "config.yml"))
    db = open_warehouse(config.warehouse)
    for rows in (FIRST, SECOND):
        (folder / "nps.csv").write_text(HEADER + "".join(rows), encoding="utf-8")
        context = SourceContext(customer_secret=SECRET, base_dir=config.base_dir, watermarks=watermarks(db, "s"))
        for batch in read_surveys(config.source("s"), context):
            commit_batch(db, batch, run_id=1, chunk_size=chunk_size, bulk_min=bulk_min)
    return db


@pytest.mark.parametrize(("chunk_size", "bulk_min"), [(1, 1), (2, 1), (3, 4), (5000, 1)])
def test_a_bulk_load_writes_what_the_row_by_row_path_writes(
    tmp_path: Path, write_config: Callable[..., Path], chunk_size: int, bulk_min: int, caplog: pytest.LogCaptureFixture
) -> None:
    expected = ingest_twice(tmp_path / "reference", write_config, chunk_size, bulk_min=10**9)
    with caplog.at_level(logging.DEBUG, logger="feedback.warehouse.batches"):
        db = ingest_twice(tmp_path / "bulk", write_config, chunk_size, bulk_min)
    assert caplog.text.count("bulk load: items' ") == caplog.text.count("secondary indexes dropped") == 2  # both states
    assert snapshot(db) == snapshot(expected)
    assert item_indexes(db) == item_indexes(expected)
    assert db.execute("pragma integrity_check").fetchall() == [("ok",)]
    assert db.execute("select local_id, text, customer is not null, rating from items where local_id like 'r3|%'"
                      " or local_id like 'r5|%' order by local_id").fetchall() == [
        ("r3|Anything else?", "Still late", 1, 0.5),
        ("r3|Why?", "Late", 1, 0.5),
        ("r5|Anything else?", "More", 1, 0.8),
        ("r5|Why?", "New and rated again", 1, 0.8),
    ]
    changes = "select kind, key from publish_changes order by seq"  # the updates logged for the next publish
    assert db.execute(changes).fetchall() == expected.execute(changes).fetchall() != []


def test_a_small_batch_into_a_larger_warehouse_keeps_its_indexes_up_to_date(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    db = open_warehouse(tmp_path / "w.db")
    rows = [item_row(Item(source="s", channel="survey", local_id=f"r{n}", text=f"late {n}")) for n in range(10)]
    commit_batch(db, Batch("s", [], [], rows=rows[:6]), bulk_min=1)
    with caplog.at_level(logging.DEBUG, logger="feedback.warehouse.batches"):
        commit_batch(db, Batch("s", [], [], rows=rows[6:]), chunk_size=1, bulk_min=1)  # 4 rows into 6
    assert "bulk load" not in caplog.text
    assert db.execute("select count(*) from items").fetchone()[0] == 10


def test_a_column_null_in_some_rows_of_a_chunk_is_bound_and_one_null_in_all_is_written_null(tmp_path: Path) -> None:
    db = open_warehouse(tmp_path / "w.db")
    items = [
        Item(source="s", channel="survey", local_id="r1", text="late", title="Order 1", url=None, rating=0.5),
        Item(source="s", channel="survey", local_id="r2", text="slow", title=None, url=None, rating=None),
        Item(source="s", channel="survey", local_id="r3", text="fine", title="", url=None, rating=0.0, customer=""),
    ]
    rows = [item_row(item) for item in items]
    assert commit_batch(db, Batch("s", [], [], rows=rows), chunk_size=3).new == 3
    assert db.execute("select local_id, title, url, rating, customer, received_at from items order by rowid").fetchall() == [
        ("r1", "Order 1", None, 0.5, None, None),
        ("r2", None, None, None, None, None),
        ("r3", "", None, 0.0, "", None),  # empty text and zero are not NULL
    ]


def test_a_run_killed_in_a_bulk_load_leaves_the_last_commit_and_its_indexes(
    tmp_path: Path, write_config: Callable[..., Path]
) -> None:
    expected = ingest_twice(tmp_path / "reference", write_config, 5000, bulk_min=10**9)
    export = tmp_path / "nps.csv"
    export.write_text(HEADER + "".join(FIRST), encoding="utf-8")
    config_path = write_config([SOURCE])
    config = load_config(config_path)
    db = open_warehouse(config.warehouse)
    ingest_source(db, config, "s", SECRET, run_id=1)
    before, indexes = snapshot(db), item_indexes(db)

    export.write_text(HEADER + "".join(SECOND), encoding="utf-8")
    # chunks of 2 and a bulk load from 4 rows on: at its 9th row the indexes are dropped
    child, said = held_ingest(config_path, "s", held_at=8, chunk_size=2, bulk_min=1)
    try:
        assert said == "held; indexes 0"  # inside the child's open transaction
        assert (snapshot(db), item_indexes(db)) == (before, indexes)  # another reader sees the last commit
        child.kill()
    finally:
        child.wait()
    assert child.returncode == -9

    db = open_warehouse(config.warehouse)
    assert (snapshot(db), item_indexes(db)) == (before, indexes)
    assert db.execute("pragma integrity_check").fetchall() == [("ok",)]
    ingest_source(db, config, "s", SECRET, run_id=1)
    assert snapshot(db) == snapshot(expected)
    assert ingest_source(db, config, "s", SECRET).new == 0
