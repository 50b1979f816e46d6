"""Warehouse guarantees: idempotent migrations, atomic batches, safe reruns after a crash."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

import feedback.warehouse as warehouse
from feedback.config import load_config
from feedback.errors import WarehouseError
from feedback.items import Item, Quarantined
from feedback.pipeline import ingest_source
from feedback.publish import publish
from feedback.text.process import build_redactor, process_items
from feedback.warehouse import (
    Batch,
    commit_batch,
    get_watermark,
    migrate,
    open_warehouse,
    run_record,
)
from feedback.warehouse import migrations as schema

from .conftest import SECRET

HEADER = "Timestamp,Email Address,Score,Why?\n"


def item(n: int, text: str = "late again") -> Item:
    return Item(source="s", channel="survey", local_id=f"r{n}", text=f"{text} {n}")


def test_migrations_are_idempotent_and_recorded(tmp_path: Path) -> None:
    db = open_warehouse(tmp_path / "w.db")
    names = [name for name, _ in schema.MIGRATIONS]
    assert [r["name"] for r in db.query("select name from _migrations order by rowid")] == names
    assert migrate(db) == []
    assert open_warehouse(tmp_path / "w.db")["items"].exists()


def test_released_migration_names_never_change() -> None:
    # _migrations records these names: renaming one would apply it again to every existing warehouse.
    assert [name for name, _ in schema.MIGRATIONS] == [
        "0001_landing_items_quarantine",
        "0002_processed_text",
        "0010_theme_engine",
        "0020_email_messages",
        "0030_review_near_duplicates",
        "0040_form_contacts",
        "0050_actions",
        "0060_publish_changes",
        "0070_insight_sums",
        "0080_sentiment_counts",
        "0090_sentiment_calibration",
        "0120_nightly_probe_indexes",
        "0140_theme_sums",
        "0141_theme_night_indexes",
        "0150_theme_edits",
        "0151_theme_redo",
        "0160_calibration_anchors",
        "0170_theme_sections",
        "0180_theme_section_sums",
        "0190_sentiment_corrections",
        "0200_calibration_contrasts",
        "0210_response_sections",
        "0211_ledger_sections",
    ]


def test_a_warehouse_is_brought_up_to_date_by_name_whatever_order_it_was_built_in(tmp_path: Path) -> None:
    # Warehouses built before the migrations were sorted applied 0030 before 0020; one without
    # the e-mail tables yet gets exactly that migration.
    db = open_warehouse(tmp_path / "w.db")
    db.execute("drop view email_responses")
    db["email_messages"].drop()
    db["email_skipped"].drop()
    db.execute("delete from _migrations where name = '0020_email_messages'")
    db.conn.commit()
    assert migrate(db) == ["0020_email_messages"]
    assert db["email_messages"].exists() and db["review_near_duplicates"].exists()


@pytest.mark.parametrize("name", ["0002_processed_text", "0015_late", "0030_review_near_duplicates"])
def test_a_migration_out_of_order_or_twice_is_refused(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(schema, "MIGRATIONS", list(schema.MIGRATIONS))
    with pytest.raises(ValueError, match="duplicate|registered after"):
        schema.migration(name)(lambda db: None)
    assert schema.MIGRATIONS[-1][0] == "0211_ledger_sections"


def test_a_warehouse_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    db = open_warehouse(tmp_path / "w.db")
    db["_migrations"].insert({"name": "9999_from_the_future", "applied_at": "2030-01-01"})
    with pytest.raises(WarehouseError, match="written by a newer version"):
        migrate(db)


def test_a_failed_batch_leaves_nothing_behind_not_even_its_watermark(tmp_path: Path) -> None:
    db = open_warehouse(tmp_path / "w.db")
    commit_batch(db, Batch("s", [item(1)], [], watermark=("f.csv", {"rows": 1})))
    bad = Batch("s", [item(2)], [Quarantined("s", "f.csv:row 3", "bad")], watermark=("f.csv", {"rows": 3}))
    # An item without text violates NOT NULL after the first one is written: the whole batch must roll back.
    bad.items.append(Item(source="s", channel="survey", local_id="r3", text=None))  # type: ignore[arg-type]
    with pytest.raises(sqlite_utils.db.sqlite3.IntegrityError):  # type: ignore[attr-defined]
        commit_batch(db, bad)
    assert db["items"].count == 1
    assert db["quarantine"].count == 0
    assert get_watermark(db, "s", "f.csv") == {"rows": 1}


def test_commit_counts_new_changed_and_unchanged(tmp_path: Path) -> None:
    db = open_warehouse(tmp_path / "w.db")
    assert commit_batch(db, Batch("s", [item(1), item(2), item(2)], [])).new == 2
    result = commit_batch(db, Batch("s", [item(1), item(2, "on time")], []))
    assert (result.seen, result.new, result.changed) == (2, 0, 1)
    assert db["items"].get(item(2).id)["text"] == "on time 2"


def test_run_record_marks_failures(tmp_path: Path) -> None:
    db = open_warehouse(tmp_path / "w.db")
    with pytest.raises(RuntimeError), run_record(db, "nightly", {"x": 1}):
        raise RuntimeError("boom")
    with run_record(db, "nightly", {}) as (_, counts, details):
        counts.new += 3
        details["failed"] = {"imap": "down"}
    rows = list(db.query("select status, items_new, details from runs order by id"))
    assert [r["status"] for r in rows] == ["failed", "partial"]
    assert "RuntimeError: boom" in rows[0]["details"] and rows[1]["items_new"] == 3


def _archive_rows(path: Path) -> list[dict[str, Any]]:
    return list(sqlite_utils.Database(path).query("select * from feedback order by id"))


def _run(config_path: Path) -> None:
    config = load_config(config_path)
    db = open_warehouse(config.warehouse)
    for source in config.sources:
        ingest_source(db, config, source.name, SECRET)
    process_items(db, build_redactor(["GB"]), ["en"])
    publish(db, config.archive)


def test_a_run_interrupted_between_commit_points_reruns_to_the_same_archive(
    tmp_path: Path, write_config: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    exports = tmp_path / "exports"
    exports.mkdir()
    for n in range(4):
        rows = "".join(f"9/{n + 1}/2026 10:0{i}:00,p{n}{i}@example.com,{i + 3},Comment {n}-{i} about delivery\n" for i in range(5))
        (exports / f"part{n}.csv").write_text(HEADER + rows, encoding="utf-8")
    columns = {"received_at": "Timestamp", "customer": "Email Address",
               "rating": {"column": "Score", "scale": "nps"}, "text": "Why?"}
    source = {"name": "s", "channel": "survey", "paths": "exports/*.csv", "columns": columns}

    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "exports").symlink_to(exports)
    uninterrupted = clean / "config.yml"
    uninterrupted.write_text(write_config([source]).read_text())
    _run(uninterrupted)

    config_path = write_config([source])
    real_commit = warehouse.commit_batch
    calls = {"n": 0}

    def crash_on_third(db: sqlite_utils.Database, batch: Batch, run_id: int | None = None) -> Any:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt("killed between commit points")
        return real_commit(db, batch, run_id)

    monkeypatch.setattr("feedback.pipeline.commit_batch", crash_on_third)
    with pytest.raises(KeyboardInterrupt):
        _run(config_path)
    db = open_warehouse(tmp_path / "warehouse.db")
    assert db["items"].count == 10  # two files committed, nothing from the third
    monkeypatch.setattr("feedback.pipeline.commit_batch", real_commit)
    _run(config_path)
    _run(config_path)  # and once more: still nothing twice
    assert _archive_rows(tmp_path / "archive.db") == _archive_rows(clean / "archive.db")
    assert len(_archive_rows(tmp_path / "archive.db")) == 20


def test_item_rows_are_written_in_column_order(tmp_path: Path) -> None:
    db = open_warehouse(tmp_path / "w.db")
    full = Item(source="s", channel="email", local_id="m1", text="body", received_at="2026-01-01T00:00:00Z",
                title="subject", question="q", customer="c_1", rating=0.5, rating_raw="3", rating_scale="stars",
                url="https://example.com/r", location="inbox:1", raw_hash="abc", extra={"thread": "t"})
    commit_batch(db, Batch("s", [full], []), run_id=7)
    row = db.table("items").get(full.id)
    expected = {k: v for k, v in full.row().items() if k != "extra"}
    assert {k: row[k] for k in expected} == expected
    assert row["extra"] == '{"thread": "t"}' and row["run_id"] == 7
