"""A batch's rows stream into the warehouse in chunks inside one transaction: the result is the
one of writing the batch whole, whatever the chunk size, and a run killed between two chunks
leaves nothing of the batch behind."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from feedback.config import load_config
from feedback.items import Item
from feedback.pipeline import ingest_source
from feedback.sources.context import SourceContext
from feedback.sources.surveys.reader import read_surveys
from feedback.warehouse import Batch, commit_batch, open_warehouse, watermarks
from feedback.warehouse.batches import ItemRow, item_row

from .conftest import SECRET
from .ingest_fixtures import held_ingest, snapshot

CHUNK_SIZES = [1, 2, 3, 5000]


def row(n: int, text: str = "late again") -> ItemRow:
    return item_row(Item(source="s", channel="survey", local_id=f"r{n}", text=f"{text} {n}"))


@pytest.mark.parametrize("chunk_size", CHUNK_SIZES)
def test_repeated_ids_across_chunk_edges_count_once_and_the_last_row_wins(tmp_path: Path, chunk_size: int) -> None:
    db = open_warehouse(tmp_path / "w.db")
    commit_batch(db, Batch("s", [], [], rows=[row(1), row(2), row(3)]), run_id=1)
    stream = [
        row(1, "changed"), row(4, "first"), row(2), row(1),  # r1 changes, then changes back
        row(4, "second"), row(2, "on time"), row(5),  # r4 is new twice; r2 changes only at the end
    ]
    result = commit_batch(db, Batch("s", [], [], rows=iter(stream)), run_id=2, chunk_size=chunk_size)
    assert (result.seen, result.new, result.changed) == (7, 2, 1)
    assert db.execute("select local_id, text, run_id from items order by local_id").fetchall() == [
        ("r1", "late again 1", 1),  # back as it was: not rewritten
        ("r2", "on time 2", 2),
        ("r3", "late again 3", 1),
        ("r4", "second 4", 2),
        ("r5", "late again 5", 2),
    ]


def test_items_and_streamed_rows_of_one_batch_are_written_together(tmp_path: Path) -> None:
    db = open_warehouse(tmp_path / "w.db")
    item = Item(source="s", channel="survey", local_id="r1", text="late again 1")
    result = commit_batch(db, Batch("s", [item], [], rows=iter([row(2), row(1, "on time")])), chunk_size=1)
    assert (result.seen, result.new, result.changed) == (3, 2, 0)
    assert db.execute("select local_id, text from items order by local_id").fetchall() == [
        ("r1", "on time 1"), ("r2", "late again 2"),
    ]


HEADER = "Timestamp,Email Address,Score,Why?\n"
ROWS = [
    "9/1/2026 10:00:00,a@example.com,9,Fine\n",
    "9/1/2026 10:01:00,b@example.com,3,Slow\n",
    "not a date,c@example.com,5,Bad date\n",  # quarantined, between the 2nd and 3rd comment
    "9/1/2026 10:03:00,d@example.com,11,Kept without its rating\n",
    "9/1/2026 10:04:00,e@example.com,7,Good\n",
    "9/1/2026 10:05:00,f@example.com,8\n",  # a field short: quarantined
    "9/1/2026 10:00:00,a@example.com,9,Fine\n",  # the first row again: a second comment
    "9/1/2026 10:07:00,g@example.com,10,Great\n",
]
SOURCE = {"name": "s", "channel": "survey", "paths": "nps.csv",
          "columns": {"received_at": "Timestamp", "customer": "Email Address",
                      "rating": {"column": "Score", "scale": "nps"}, "text": "Why?"}}


def reference(tmp_path: Path, write_config: Callable[..., Path], *exports: list[str]) -> dict[str, list[tuple[Any, ...]]]:
    """The warehouse uninterrupted runs of ``ingest_source`` write, one per state of the export
    (its rows), in a folder of their own."""
    folder = tmp_path / "reference"
    folder.mkdir(exist_ok=True)
    config = load_config(write_config([SOURCE]).rename(folder / "config.yml"))
    db = open_warehouse(config.warehouse)
    for rows in exports:
        (folder / "nps.csv").write_text(HEADER + "".join(rows), encoding="utf-8")
        ingest_source(db, config, "s", SECRET)
    return snapshot(db)


@pytest.mark.parametrize("chunk_size", CHUNK_SIZES)
def test_a_survey_export_streamed_in_any_chunk_size_writes_what_the_whole_export_writes(
    tmp_path: Path, write_config: Callable[..., Path], chunk_size: int
) -> None:
    expected = reference(tmp_path, write_config, ROWS)
    (tmp_path / "nps.csv").write_text(HEADER + "".join(ROWS), encoding="utf-8")
    config = load_config(write_config([SOURCE]))
    db = open_warehouse(config.warehouse)
    context = SourceContext(customer_secret=SECRET, base_dir=config.base_dir, watermarks=watermarks(db, "s"))
    for batch in read_surveys(config.source("s"), context):
        assert batch.watermark is None  # known once the rows are read
        result = commit_batch(db, batch, chunk_size=chunk_size)
        assert (result.seen, result.new, result.quarantined) == (6, 6, 3)
    assert snapshot(db) == expected
    assert sorted((location, reason) for _, location, reason, *_ in expected["quarantine"]) == [
        ("nps.csv:row 3 (line 4)", "cannot read the date 'not a date' in column 'Timestamp'"),
        ("nps.csv:row 4 (line 5)", "rating 11 is outside the nps scale 0-10; comment kept without a rating"),
        ("nps.csv:row 6 (line 7)", "row has 3 fields but the header has 4 (truncated?)"),
    ]
    assert json.loads(expected["watermarks"][0][2])["rows"] == 8
    fine = sorted(local_id for _, _, _, local_id, *rest in expected["items"] if rest[9] == "Fine")
    assert len(fine) == 2 and fine[0] == fine[1].replace("|", "#2|")  # the repeated row is the second occurrence


def test_extra_is_the_json_of_file_row_and_response(tmp_path: Path, write_config: Callable[..., Path]) -> None:
    name = 'export "Q3" é.csv'
    response = 'R_1 "quoted" \\ é \u2028 😀'
    with (tmp_path / name).open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([["Response ID", "Why?"], [response, "Too slow"]])
    source = {"name": "s", "channel": "survey", "paths": name, "columns": {"id": "Response ID", "text": "Why?"}}
    config = load_config(write_config([source]))
    db = open_warehouse(config.warehouse)
    ingest_source(db, config, "s", SECRET)
    (extra,) = db.execute("select extra from items").fetchone()
    assert extra == json.dumps({"file": name, "row": 1, "response_id": response}, ensure_ascii=False)


def test_a_run_killed_between_chunks_leaves_the_last_commit_and_reruns_correctly(
    tmp_path: Path, write_config: Callable[..., Path]
) -> None:
    expected = reference(tmp_path, write_config, ROWS[:2], ROWS)
    export = tmp_path / "nps.csv"
    export.write_text(HEADER + "".join(ROWS[:2]), encoding="utf-8")
    config_path = write_config([SOURCE])
    config = load_config(config_path)
    db = open_warehouse(config.warehouse)
    ingest_source(db, config, "s", SECRET)
    before = snapshot(db)
    assert len(before["items"]) == 2

    export.write_text(HEADER + "".join(ROWS), encoding="utf-8")  # the export grew
    # chunks of 1, no bulk load: two rows are written in the open transaction when it stops
    child, said = held_ingest(config_path, "s", held_at=2, chunk_size=1, bulk_min=10**9)
    try:
        assert said.startswith("held; indexes ")
        assert snapshot(db) == before  # another reader never sees half a batch
        child.kill()
    finally:
        child.wait()
    assert child.returncode == -9

    db = open_warehouse(config.warehouse)
    assert snapshot(db) == before
    ingest_source(db, config, "s", SECRET)
    assert snapshot(db) == expected
    assert ingest_source(db, config, "s", SECRET).new == 0


def test_a_chunk_size_below_one_is_refused_not_a_batch_silently_dropped(tmp_path: Path) -> None:
    db = open_warehouse(tmp_path / "w.db")
    with pytest.raises(ValueError, match="chunk size must be at least 1, not 0"):
        commit_batch(db, Batch("s", [], [], rows=[row(1)], watermark=("f.csv", {"rows": 1})), chunk_size=0)
    assert db["items"].count == 0 and watermarks(db, "s") == {}


def test_a_run_id_that_is_not_an_integer_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    # run_id and ingested_at are written into the insert statement as literals, not bound per row
    db = open_warehouse(tmp_path / "w.db")
    with pytest.raises(TypeError, match="run_id must be an int"):
        commit_batch(db, Batch("s", [], [], rows=[row(1)]), run_id="1); drop table items; --")  # type: ignore[arg-type]
    assert db.execute("select count(*) from items").fetchone()[0] == 0
