"""The survey ingest's fast paths write exactly what the plain code would."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from feedback.config import load_config
from feedback.identity import customer_key
from feedback.pipeline import ingest_source
from feedback.warehouse import open_warehouse
from feedback.warehouse.batches import _dump_extra

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
