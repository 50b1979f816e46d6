"""The survey ingest's fast paths write exactly what the plain code would."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from feedback.config import load_config
from feedback.identity import customer_key
from feedback.items import Item
from feedback.pipeline import ingest_source
from feedback.warehouse import Batch, batches, commit_batch, open_warehouse
from feedback.warehouse.batches import ITEM_COLUMNS, _dump_extra, item_row

from .conftest import SECRET


@pytest.mark.parametrize(
    "extra",
    [
        {"file": "exports/a b.csv", "row": 3, "response_id": "row:0123456789abcdef"},
        {"quote": 'say "hi"\n\tthen\\go', "control": "\x00\x1f", "unicode": "é ’ \u2028 😀", "n": -12},
        {"big": 10**30, "zero": 0},
        {"flag": True, "none": None},  # not text or int: the encoder writes it
        {"float": 1.5, "nan": float("nan")},
        {"list": [1, "a"], "nested": {"a": 1}},
        {1: "int key"},
    ],
)
def test_extra_is_written_as_json_dumps_writes_it(extra: dict[Any, Any]) -> None:
    assert _dump_extra(extra) == json.dumps(extra, ensure_ascii=False)


def test_repeated_ratings_and_customers_are_read_per_row(tmp_path: Path, write_config: Callable[..., Path]) -> None:
    export = tmp_path / "nps.csv"
    export.write_text(
        "Timestamp,Email,Score,Why?\n"
        "9/14/2026 10:22:05,Ann@Example.com,11,Too slow\n"
        "9/14/2026 10:23:05,ann@example.com ,11,Still slow\n"
        "9/14/2026 10:24:05,bob@example.com,9,Fine\n",
        encoding="utf-8",
    )
    columns = {"received_at": "Timestamp", "customer": "Email", "rating": {"column": "Score", "scale": "nps"},
               "text": ["Why?"]}
    config = load_config(write_config([{"name": "nps", "channel": "survey", "paths": "nps.csv", "columns": columns}]))
    db = open_warehouse(config.warehouse)
    ingest_source(db, config, "nps", SECRET)
    rows = db.execute("select text, customer, rating, rating_raw from items order by location").fetchall()
    ann = customer_key("ann@example.com", SECRET)
    assert rows == [
        ("Too slow", ann, None, "11"),
        ("Still slow", ann, None, "11"),
        ("Fine", customer_key("bob@example.com", SECRET), 0.9, "9"),
    ]
    notes = db.execute("select location, reason from quarantine order by location").fetchall()
    reason = "rating 11 is outside the nps scale 0-10; comment kept without a rating"
    assert notes == [("nps.csv:row 1 (line 2)", reason), ("nps.csv:row 2 (line 3)", reason)]


def _stored(db: Any) -> list[tuple[Any, ...]]:
    columns = ", ".join(f"{col}, typeof({col})" for col in ITEM_COLUMNS[:-2])
    return db.execute(f"select rowid, {columns} from items order by rowid").fetchall()  # type: ignore[no-any-return]


@pytest.mark.parametrize("chunk_size", [1, 2, 5000])  # chunks of one row: every column but the id is one value
def test_a_column_with_one_value_in_a_chunk_is_stored_as_the_bound_value_would_be(
    tmp_path: Path, chunk_size: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    tricky = ["it's; drop table items; --", " padded ", "Café ☕", "nul\x00inside", "", "'", "x" * 300, "tab\there", "line\nbreak"]
    runs = [(value, n) for value in tricky for n in range(4)]  # runs of one value
    turns = [(value, n) for n in range(4, 8) for value in tricky]  # then all the values in turn
    rows = [
        item_row(Item(
            source=value, channel="survey", local_id=f"{value}|{n}", text=value or "t", title=value, question=value,
            customer=value, rating=0.1 * n, rating_raw=value, rating_scale=value, url=None, location=value,
            raw_hash=value, extra={"v": value},
        ))
        for value, n in runs + turns
    ]
    db = open_warehouse(tmp_path / "literal.db")
    commit_batch(db, Batch("s", [], [], rows=rows), chunk_size=chunk_size)
    monkeypatch.setattr(batches, "_sql_literal", lambda value: None)  # every value bound
    bound = open_warehouse(tmp_path / "bound.db")
    commit_batch(bound, Batch("s", [], [], rows=rows), chunk_size=chunk_size)
    assert _stored(db) == _stored(bound)
    assert len(_stored(db)) == len(rows) and db.execute("select count(*) from sqlite_master").fetchone()[0] > 1
    assert [r[:16] for r in db.execute(f"select {', '.join(ITEM_COLUMNS[:-2])} from items order by rowid")] == rows


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        (None, "NULL"), ("bench", "'bench'"), ("it's", "'it''s'"), ("'); drop table items; --", "'''); drop table items; --'"),
        ("", "''"), ("Café", None), ("a\x00b", None), ("tab\t", None), ("x" * 201, None), (0.5, None), (3, None),
    ],
)
def test_what_is_written_as_a_literal(value: Any, literal: str | None) -> None:
    assert batches._sql_literal(value) == literal


def test_a_bad_timestamp_in_a_learned_format_is_still_quarantined(tmp_path: Path, write_config: Callable[..., Path]) -> None:
    (tmp_path / "nps.csv").write_text(
        "Timestamp,Why?\n"
        "9/14/2026 10:22:05,Too slow\n"  # the column's format is learned here: read in halves from now on
        "2/30/2026 10:22:05,No such day\n"
        "9/14/2026 25:22:05,No such hour\n"
        "9/14/2026 10:22:05 PM,Another format\n"
        "9/14/2026  10:23:05,Two spaces\n"
        "9/15/2026 7:01:09,Fine\n",
        encoding="utf-8",
    )
    columns = {"received_at": "Timestamp", "text": ["Why?"]}
    config = load_config(write_config([{"name": "nps", "channel": "survey", "paths": "nps.csv", "columns": columns}]))
    db = open_warehouse(config.warehouse)
    result = ingest_source(db, config, "nps", SECRET)
    assert (result.new, result.quarantined) == (4, 2)
    assert db.execute("select text, received_at from items order by location").fetchall() == [
        ("Too slow", "2026-09-14T10:22:05Z"),
        ("Another format", "2026-09-14T22:22:05Z"),
        ("Two spaces", "2026-09-14T10:23:05Z"),
        ("Fine", "2026-09-15T07:01:09Z"),
    ]
    assert db.execute("select location, reason from quarantine order by location").fetchall() == [
        ("nps.csv:row 2 (line 3)", "cannot read the date '2/30/2026 10:22:05' in column 'Timestamp'"),
        ("nps.csv:row 3 (line 4)", "cannot read the date '9/14/2026 25:22:05' in column 'Timestamp'"),
    ]
