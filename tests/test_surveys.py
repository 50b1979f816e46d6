"""The survey channel against messy exports, as survey tools and people write them."""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from openpyxl import Workbook

from feedback.config import load_config
from feedback.pipeline import ingest_source
from feedback.sources.tabular import decode, detect_header_rows
from feedback.warehouse import BatchResult, open_warehouse

from .conftest import SECRET, shared

GOOGLE_HEADER = "Timestamp,Email Address,How likely are you to recommend us?,What is the main reason for your score?,Anything else?\n"
GOOGLE_ROWS = [
    "9/14/2026 10:22:05,ann@example.com,9,Quick delivery and friendly driver,\n",
    "9/15/2026 08:01:00,bob@example.com,3,\"Order arrived late, again\",Call me on 07700 900123\n",
    "9/16/2026 17:45:10,,7,,n/a\n",  # no real answer at all: nothing to keep
]
GOOGLE_COLUMNS = {
    "received_at": "Timestamp",
    "customer": "Email Address",
    "rating": {"column": "How likely are you to recommend us?", "scale": "nps"},
    "text": ["What is the main reason for your score?", "Anything else?"],
}


def survey(name: str, paths: str, **extra: Any) -> dict[str, Any]:
    columns = extra.pop("columns", GOOGLE_COLUMNS)
    return {"name": name, "channel": "survey", "paths": paths, "columns": columns, **extra}


def ingest(config_path: Path, name: str) -> tuple[sqlite_utils.Database, BatchResult]:
    config = load_config(config_path)
    db = open_warehouse(config.warehouse)
    return db, ingest_source(db, config, name, SECRET)


def quarantine(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    return list(db.query("select location, reason, snippet from quarantine order by location"))


def test_google_forms_export_lands_one_item_per_answer(tmp_path: Path, write_config: Callable[..., Path]) -> None:
    (tmp_path / "nps.csv").write_text(GOOGLE_HEADER + "".join(GOOGLE_ROWS), encoding="utf-8")
    db, result = ingest(write_config([survey("nps", "nps.csv")]), "nps")
    assert (result.new, result.quarantined) == (3, 0)
    rows = list(db.query("select text, question, rating, rating_raw, received_at, customer from items order by received_at, question"))
    assert [r["text"] for r in rows] == [
        "Quick delivery and friendly driver",
        "Call me on 07700 900123",
        "Order arrived late, again",
    ]
    assert rows[0]["question"] == "What is the main reason for your score?"
    assert rows[0]["rating"] == 0.9 and rows[0]["rating_raw"] == "9"
    # Naive timestamps are read in the configured zone (UTC by default) and stored as UTC.
    assert rows[0]["received_at"] == "2026-09-14T10:22:05Z"
    assert rows[0]["customer"].startswith("c_") and "@" not in rows[0]["customer"]
    assert rows[1]["customer"] == rows[2]["customer"]


def test_rerun_adds_nothing_and_a_grown_file_adds_only_its_new_rows(tmp_path: Path, write_config: Callable[..., Path]) -> None:
    export = tmp_path / "nps.csv"
    export.write_text(GOOGLE_HEADER + GOOGLE_ROWS[0], encoding="utf-8")
    config = write_config([survey("nps", "nps.csv")])
    db, first = ingest(config, "nps")
    _, again = ingest(config, "nps")
    assert (first.new, again.seen, again.new) == (1, 0, 0)
    export.write_text(GOOGLE_HEADER + "".join(GOOGLE_ROWS), encoding="utf-8")
    _, grown = ingest(config, "nps")
    # Only rows after the known ones are read: the first row is not even looked at.
    assert (grown.seen, grown.new) == (2, 2)
    assert db["items"].count == 3
    assert db["raw_documents"].count == 2  # both versions of the file are kept


def test_a_rewritten_file_is_reread_and_only_added_rows_are_new(tmp_path: Path, write_config: Callable[..., Path]) -> None:
    export = tmp_path / "nps.csv"
    export.write_text(GOOGLE_HEADER + GOOGLE_ROWS[1] + GOOGLE_ROWS[0], encoding="utf-8")
    config = write_config([survey("nps", "nps.csv")])
    db, _ = ingest(config, "nps")
    # Same rows in another order: nothing new.
    export.write_text(GOOGLE_HEADER + GOOGLE_ROWS[0] + GOOGLE_ROWS[1], encoding="utf-8")
    _, second = ingest(config, "nps")
    assert (second.seen, second.new, second.changed) == (3, 0, 0)
    # A row a second time is a second response (two people can answer alike): one new comment.
    export.write_text(GOOGLE_HEADER + GOOGLE_ROWS[0] + GOOGLE_ROWS[1] + GOOGLE_ROWS[0], encoding="utf-8")
    _, third = ingest(config, "nps")
    assert (third.new, third.changed) == (1, 0)
    assert db["items"].count == 4


def test_bom_cp1252_and_semicolons(tmp_path: Path, write_config: Callable[..., Path]) -> None:
    header = "Ref;Date;Rating;Comments\n"
    (tmp_path / "bom.csv").write_bytes(codecs.BOM_UTF8 + (header + "A1;14/09/2026 10:22;★★★★☆;Très bien, merci\n").encode("utf-8"))
    (tmp_path / "win.csv").write_bytes((header + "A2;15/09/2026 09:00;2 stars;The café’s “fresh” bread was stale\n").encode("cp1252"))
    columns = {"id": "Ref", "received_at": "Date", "rating": {"column": "Rating", "scale": "stars"}, "text": "Comments"}
    db, result = ingest(write_config([survey("pulse", "*.csv", dayfirst=True, columns=columns)]), "pulse")
    assert (result.new, result.quarantined) == (2, 0)
    rows = {r["text"]: r for r in db.query("select text, rating, received_at from items")}
    assert rows["Très bien, merci"]["rating"] == 0.75
    assert rows["Très bien, merci"]["received_at"] == "2026-09-14T10:22:00Z"
    assert rows["The café’s “fresh” bread was stale"]["rating"] == 0.25


def test_surveymonkey_two_header_rows(tmp_path: Path, write_config: Callable[..., Path]) -> None:
    content = (
        "Respondent ID,End Date,How satisfied were you?,Which products?,,Tell us more\n"
        ",,Response,Fruit,Bread,Open-Ended Response\n"
        "1001,09/14/2026 10:22:05 AM,Very satisfied,Fruit,,Lovely service\n"
        "1002,09/14/2026 01:05:00 PM,Dissatisfied,,Bread,Bread was squashed\n"
    )
    columns = {"id": "Respondent ID", "received_at": "End Date",
               "rating": {"column": "How satisfied were you?", "scale": "csat"}, "text": "Tell us more"}
    db, result = ingest(write_config([survey("csat", "sm.csv", columns=columns)]), "csat") if (
        (tmp_path / "sm.csv").write_text(content, encoding="utf-8")) else (None, None)
    assert result is not None and (result.new, result.quarantined) == (2, 0)
    rows = list(db.query("select text, rating, received_at, question from items order by received_at"))
    assert [(r["text"], r["rating"]) for r in rows] == [("Lovely service", 1.0), ("Bread was squashed", 0.25)]
    assert rows[1]["received_at"] == "2026-09-14T13:05:00Z"
    assert rows[0]["question"] == "Tell us more"


def test_qualtrics_xlsx_with_three_header_rows(tmp_path: Path, write_config: Callable[..., Path]) -> None:
    from datetime import datetime

    book = Workbook()
    sheet = book.active
    sheet.append(["ResponseId", "RecordedDate", "Q1", "Q2"])
    sheet.append(["Response ID", "Recorded Date", "How satisfied are you?", "What could we do better?"])
    sheet.append(['{"ImportId":"_recordId"}', '{"ImportId":"recordedDate"}', '{"ImportId":"QID1"}', '{"ImportId":"QID2_TEXT"}'])
    sheet.append(["R_1", datetime(2026, 9, 14, 10, 22, 5), 2, "Queue at the till was 20 minutes"])
    sheet.append(["R_2", datetime(2026, 9, 15, 9, 0, 0), 5, None])
    book.save(tmp_path / "q.xlsx")
    columns = {"id": "ResponseId", "received_at": "RecordedDate", "rating": {"column": "Q1", "scale": "csat"},
               "text": "What could we do better?"}
    db, result = ingest(write_config([survey("qx", "q.xlsx", columns=columns)]), "qx")
    assert (result.new, result.quarantined) == (1, 0)
    row = next(db.query("select text, rating, question, local_id from items"))
    assert row == {"text": "Queue at the till was 20 minutes", "rating": 0.25,
                   "question": "What could we do better?", "local_id": "R_1|What could we do better?"}


def test_json_and_jsonl_exports(tmp_path: Path, write_config: Callable[..., Path]) -> None:
    doc = {"items": [
        {"response_id": "t1", "submitted_at": "2026-09-14T10:22:05Z", "answers": {"rating": 5, "comment": "Great app"}},
        {"response_id": "t2", "submitted_at": "2026-09-14T11:00:00+01:00", "answers": {"rating": 1, "comment": "Crashes at checkout"}},
    ]}
    (tmp_path / "tf.json").write_text(json.dumps(doc), encoding="utf-8")
    (tmp_path / "tf.jsonl").write_text(
        json.dumps(doc["items"][0]) + "\n{not json\n" + json.dumps({**doc["items"][1], "response_id": "t3"}) + "\n",
        encoding="utf-8",
    )
    columns = {"id": "response_id", "received_at": "submitted_at", "rating": {"column": "answers.rating", "scale": "stars"},
               "text": "answers.comment"}
    config = write_config([survey("tf", "tf.json", records_path="items", columns=columns),
                           survey("tfl", "tf.jsonl", columns=columns)])
    db, result = ingest(config, "tf")
    assert (result.new, result.quarantined) == (2, 0)
    assert next(db.query("select received_at from items where text = 'Crashes at checkout'"))["received_at"] == "2026-09-14T10:00:00Z"
    _, lines = ingest(config, "tfl")
    assert (lines.new, lines.quarantined) == (2, 1)
    [bad] = quarantine(db)
    assert bad["location"] == "tf.jsonl:record 2 (line 2)"
    assert bad["reason"].startswith("not valid JSON")


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("binary.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary content (NUL bytes): this is not a text export"),
        ("empty.csv", b"", "the file is empty: no header row"),
        ("fake.xlsx", b"Timestamp,Score\n", "not an XLSX workbook (an .xlsx file is a zip archive)"),
        ("broken.json", b'{"items": [{"a": 1}', "not valid JSON"),
    ],
)
def test_unreadable_files_are_quarantined_whole(
    tmp_path: Path, write_config: Callable[..., Path], name: str, content: bytes, reason: str
) -> None:
    (tmp_path / name).write_bytes(content)
    (tmp_path / "good.csv").write_text(GOOGLE_HEADER + GOOGLE_ROWS[0], encoding="utf-8")
    config = write_config([survey("s", [name, "good.csv"], records_path="items" if name.endswith(".json") else None)])
    db, result = ingest(config, "s")
    assert (result.new, result.quarantined) == (1, 1)  # the good file still lands
    [bad] = quarantine(db)
    assert bad["location"] == name and bad["reason"].startswith(reason)
    # The raw bytes are kept, and a rerun does not quarantine the same file again.
    assert db.execute("select count(*) from raw_documents where uri = ?", [name]).fetchone()[0] == 1
    _, again = ingest(config, "s")
    assert (again.seen, again.quarantined) == (0, 0)


def test_unknown_column_in_the_mapping_quarantines_the_file_with_the_columns_it_has(
    tmp_path: Path, write_config: Callable[..., Path]
) -> None:
    (tmp_path / "nps.csv").write_text(GOOGLE_HEADER + GOOGLE_ROWS[0], encoding="utf-8")
    columns = {**GOOGLE_COLUMNS, "text": ["What is the main reason for your score?", "Comments"]}
    db, result = ingest(write_config([survey("nps", "nps.csv", columns=columns)]), "nps")
    assert (result.new, result.quarantined) == (0, 1)
    [bad] = quarantine(db)
    assert bad["reason"].startswith("column 'Comments' is not in this export (its columns: Timestamp; Email Address;")


def test_truncated_file_keeps_good_rows_and_quarantines_the_cut_one(tmp_path: Path, write_config: Callable[..., Path]) -> None:
    full = GOOGLE_HEADER + GOOGLE_ROWS[0] + GOOGLE_ROWS[1]
    cut = full[: full.index("late, again")]  # ends inside a quoted field
    (tmp_path / "nps.csv").write_text(cut, encoding="utf-8")
    config = write_config([survey("nps", "nps.csv")])
    db, result = ingest(config, "nps")
    assert (result.new, result.quarantined) == (1, 1)
    [bad] = quarantine(db)
    assert bad["location"] == "nps.csv:row 2 (line 3)"
    assert "file truncated?" in bad["reason"]
    # The complete file arrives later: the cut row now lands, nothing doubles.
    (tmp_path / "nps.csv").write_text(full, encoding="utf-8")
    _, later = ingest(config, "nps")
    assert later.new == 2 and db["items"].count == 3


def test_rows_with_wrong_field_counts_and_bad_dates_are_quarantined(tmp_path: Path, write_config: Callable[..., Path]) -> None:
    rows = GOOGLE_ROWS[0] + "9/15/2026 08:01:00,x@example.com,3\n" + "yesterday-ish,,5,Okay I guess,\n" + GOOGLE_ROWS[1]
    (tmp_path / "nps.csv").write_text(GOOGLE_HEADER + rows, encoding="utf-8")
    db, result = ingest(write_config([survey("nps", "nps.csv")]), "nps")
    assert (result.new, result.quarantined) == (3, 2)
    reasons = [q["reason"] for q in quarantine(db)]
    assert reasons == [
        "row has 3 fields but the header has 5 (truncated?)",
        "cannot read the date 'yesterday-ish' in column 'Timestamp'",
    ]


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ("11", "rating 11 is outside the nps scale 0-10"),
        ("★★★★☆", "rating '★★★★☆' is 4 of 5 stars, not a rating on the nps scale 0-10"),  # not 0.4
    ],
)
def test_a_bad_rating_keeps_the_comment_and_says_so(
    tmp_path: Path, write_config: Callable[..., Path], answer: str, reason: str
) -> None:
    (tmp_path / "nps.csv").write_text(GOOGLE_HEADER + f"9/14/2026 10:22:05,,{answer},Too many emails from you,\n", encoding="utf-8")
    db, result = ingest(write_config([survey("nps", "nps.csv")]), "nps")
    assert (result.new, result.quarantined) == (1, 1)
    assert next(db.query("select rating, rating_raw, rating_scale from items")) == {
        "rating": None, "rating_raw": answer, "rating_scale": "nps"}
    assert quarantine(db)[0]["reason"] == f"{reason}; comment kept without a rating"


@pytest.mark.parametrize(
    ("content", "text", "encoding"),
    [
        (codecs.BOM_UTF8 + "héllo".encode(), "héllo", "utf-8-sig"),
        ("héllo".encode(), "héllo", "utf-8"),
        ("héllo ’".encode("cp1252"), "héllo ’", "cp1252"),
        (codecs.BOM_UTF16_LE + "héllo".encode("utf-16-le"), "héllo", "utf-16"),
    ],
)
def test_decoding(content: bytes, text: str, encoding: str) -> None:
    assert decode(content) == (text, encoding)


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([["Timestamp", "Q"], ["1/1/2026", "x"]], 1),
        ([["ID", "Q", ""], ["", "Response", "Open-Ended Response"], ["1", "a", "b"]], 2),
        ([["ResponseId", "Q1"], ["Response ID", "How?"], ['{"ImportId":"_recordId"}', '{"ImportId":"QID1"}']], 3),
    ],
)
def test_header_row_detection(rows: list[list[str]], expected: int) -> None:
    assert detect_header_rows(rows) == expected


def test_the_real_google_forms_export_in_shared_data(tmp_path: Path, write_config: Callable[..., Path]) -> None:
    folder = shared("surveys/autistica_google_form")
    [export] = folder.glob("*.csv")
    q1 = ("Q1: What information would you like us to know about your needs, priorities, desires "
          "and concerns for the citizen science platform?")
    columns = {"received_at": "Timestamp", "text": [q1, "Q2: Do you have a personal connection to autism?"]}
    config = write_config([survey("autistica", str(export), columns=columns)])
    db, result = ingest(config, "autistica")
    assert result.quarantined == 0
    assert db.execute("select count(*) from items where question = ?", [q1]).fetchone()[0] == 27
    assert db.execute("select min(received_at) from items").fetchone()[0] == "2019-08-21T13:10:31Z"
    _, again = ingest(config, "autistica")
    assert again.seen == 0
