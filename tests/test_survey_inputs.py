"""Survey exports as real tools and people produce them, where a careless reader loses or merges
answers: a cell too big for the CSV reader, identical answers from different people, a second
header row of question texts, UTF-16 without a byte-order mark."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from feedback.config import load_config
from feedback.errors import BadInput
from feedback.pipeline import ingest_source
from feedback.sources.tabular import decode, detect_header_rows, read_table
from feedback.warehouse import BatchResult, open_warehouse

from .conftest import SECRET


def survey(paths: str, columns: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"name": "s", "channel": "survey", "paths": paths, "columns": columns, **extra}


def ingest(config_path: Path) -> tuple[sqlite_utils.Database, BatchResult]:
    config = load_config(config_path)
    db = open_warehouse(config.warehouse)
    return db, ingest_source(db, config, "s", SECRET)


def csv_text(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def watermark(db: sqlite_utils.Database, name: str) -> dict[str, Any]:
    value = db.execute("select value from watermarks where source = 's' and key = ?", [name]).fetchone()[0]
    return json.loads(value)  # type: ignore[no-any-return]


# --- one oversized cell ------------------------------------------------------------------------

FEEDBACK_COLUMNS = {"id": "Response ID", "text": "Your comments"}


def thousand_rows(bad_cell: str) -> str:
    rows = [["Response ID", "Your comments"]]
    rows += [[f"R{n:04d}", f"Delivery {n} arrived on time, thanks"] for n in range(1, 1001)]
    rows[10][1] = bad_cell  # data row 10
    return csv_text(rows)


@pytest.mark.parametrize(
    "bad_cell",
    [
        "x" * 200_000,  # one line, no quotes
        "Pasted log:\n" + "stack frame\n" * 20_000,  # quoted, over 20,000 lines
        'He said "' + "ha" * 100_000,  # quoted, a quote inside
    ],
    ids=["plain", "multiline", "quotes"],
)
def test_an_oversized_cell_sets_aside_only_its_row(
    tmp_path: Path, write_config: Callable[..., Path], bad_cell: str
) -> None:
    (tmp_path / "big.csv").write_text(thousand_rows(bad_cell), encoding="utf-8")
    config = write_config([survey("big.csv", FEEDBACK_COLUMNS)])
    db, result = ingest(config)
    assert (result.new, result.quarantined) == (999, 1)
    [bad] = list(db.query("select location, reason from quarantine"))
    assert bad["location"] == "big.csv:row 10 (line 11)"
    assert "field larger than field limit (131072)" in bad["reason"]
    assert "the row is set aside" in bad["reason"]
    texts = {r["local_id"].split("|")[0] for r in db.query("select local_id from items")}
    assert "R0010" not in texts and {"R0009", "R0011", "R1000"} <= texts
    assert watermark(db, "big.csv")["rows"] == 1000
    _, again = ingest(config)
    assert (again.seen, again.quarantined) == (0, 0)


def test_a_stray_quote_mid_file_sets_aside_only_its_row(tmp_path: Path, write_config: Callable[..., Path]) -> None:
    rows = thousand_rows("ok").splitlines(keepends=True)
    rows[5] = 'R0005,"Great" service\r\n'  # text after a closing quote: strict CSV cannot read it
    (tmp_path / "q.csv").write_text("".join(rows), encoding="utf-8")
    db, result = ingest(write_config([survey("q.csv", FEEDBACK_COLUMNS)]))
    assert (result.new, result.quarantined) == (999, 1)
    [bad] = list(db.query("select location, reason, snippet from quarantine"))
    assert bad["location"] == "q.csv:row 5 (line 6)"
    assert "',' expected after '\"'" in bad["reason"]
    assert bad["snippet"] == 'R0005,"Great" service\r\n'


def test_a_file_cut_inside_a_quoted_cell_still_says_truncated() -> None:
    table = read_table(b'id,comment\r\n1,fine\r\n2,"cut sh', "csv")
    rows = list(table.rows)
    assert len(rows) == 2 and isinstance(rows[1], BadInput)
    assert rows[1].location == "row 2 (line 3)" and rows[1].reason.endswith("(file truncated?)")


def test_a_file_cut_after_a_newline_inside_a_quoted_cell_rereads_that_row(
    tmp_path: Path, write_config: Callable[..., Path]
) -> None:
    full = 'Response ID,Your comments\r\nR1,Fine\r\nR2,"Two lines:\r\nthe second one"\r\nR3,Good\r\n'
    export = tmp_path / "cut.csv"
    export.write_text(full[: full.index("the second")], encoding="utf-8")  # ends with a newline, quote open
    config = write_config([survey("cut.csv", FEEDBACK_COLUMNS)])
    db, first = ingest(config)
    assert (first.new, first.quarantined) == (1, 1)
    assert watermark(db, "cut.csv")["rows"] == 1  # the cut record is not counted as read
    export.write_text(full, encoding="utf-8")
    _, later = ingest(config)
    assert later.new == 2
    assert sorted(r["text"] for r in db.query("select text from items")) == ["Fine", "Good", "Two lines:\r\nthe second one"]


# --- identical answers from different people ---------------------------------------------------

LANGUAGE = "What programming language would you recommend an aspiring data scientist to learn first?"


def answers(*counts: tuple[str, int]) -> str:
    rows = [[LANGUAGE]] + [[name] for name, n in counts for _ in range(n)]
    return csv_text(rows)


def test_identical_answers_from_different_people_stay_apart(tmp_path: Path, write_config: Callable[..., Path]) -> None:
    export = tmp_path / "lang.csv"
    export.write_text(answers(("Python", 95), ("R", 3), ("SQL", 2)), encoding="utf-8")
    config = write_config([survey("lang.csv", {"text": LANGUAGE})])
    db, first = ingest(config)
    assert first.new == 100
    assert dict(db.execute("select text, count(*) from items group by text").fetchall()) == {
        "Python": 95, "R": 3, "SQL": 2}
    # A row that occurs once keeps the key such rows always had: the hash of its content.
    sql_key = "row:" + hashlib.sha256(b"SQL").hexdigest()[:16]
    r_key = "row:" + hashlib.sha256(b"R").hexdigest()[:16]
    assert {r[0] for r in db.execute("select local_id from items where text = 'R'")} == {
        f"{r_key}|{LANGUAGE}", f"{r_key}#2|{LANGUAGE}", f"{r_key}#3|{LANGUAGE}"}
    assert {r[0] for r in db.execute("select local_id from items where text = 'SQL'")} == {
        f"{sql_key}|{LANGUAGE}", f"{sql_key}#2|{LANGUAGE}"}

    # The same export again, its rows in another order: nothing new.
    export.write_text(answers(("SQL", 2), ("R", 3), ("Python", 95)), encoding="utf-8")
    _, reordered = ingest(config)
    assert (reordered.seen, reordered.new, reordered.changed) == (100, 0, 0)

    # Three more people answered: only they are new, whether the file grew at its end...
    export.write_text(answers(("SQL", 2), ("R", 3), ("Python", 95)) + "Python\r\nJulia\r\n", encoding="utf-8")
    _, grown = ingest(config)
    assert (grown.seen, grown.new) == (2, 2)  # the known rows are not even mapped
    # ... or was re-exported in another order.
    export.write_text(answers(("Julia", 1), ("Python", 97), ("R", 3), ("SQL", 2)), encoding="utf-8")
    _, again = ingest(config)
    assert (again.seen, again.new) == (103, 1)
    assert dict(db.execute("select text, count(*) from items group by text").fetchall()) == {
        "Python": 97, "R": 3, "SQL": 2, "Julia": 1}


# --- a second header row of question texts -----------------------------------------------------

KAGGLE_CODES = ["Time from Start to Finish (seconds)", "Q1", "Q2", "Q2_OTHER_TEXT", "Q3", "Q5",
                "Q7_Part_1", "Q7_Part_2", "Q7_OTHER", "Q8", "Q9_OTHER_TEXT"]
KAGGLE_QUESTIONS = [
    "Duration (in seconds)",
    "What is your age (# years)?",
    "What is your gender? - Selected Choice",
    "What is your gender? - Prefer to self-describe - Text",
    "In which country do you currently reside?",
    "Select the title most similar to your current role (or most recent title if retired): - Selected Choice",
    "What programming languages do you use on a regular basis? (Select all that apply) - Selected Choice - Python",
    "What programming languages do you use on a regular basis? (Select all that apply) - Selected Choice - R",
    "What programming languages do you use on a regular basis? (Select all that apply) - Selected Choice - Other",
    LANGUAGE,
    "Is there anything else you would like to tell us about learning data science? - Text",
]


def kaggle_export(respondents: int, seed: int = 16) -> str:
    """A generated export in the shape of Kaggle's ML & DS survey: codes, then question texts."""
    rng = random.Random(seed)
    rows = [KAGGLE_CODES, KAGGLE_QUESTIONS]
    for _ in range(respondents):
        rows.append([
            str(rng.randint(180, 4000)), rng.choice(["18-21", "22-24", "25-29", "30-34", "40-44"]),
            rng.choice(["Man", "Woman", "Prefer not to say"]), "",
            rng.choice(["India", "Brazil", "Nigeria", "Germany", "Other"]),
            rng.choice(["Student", "Data Scientist", "Software Engineer"]),
            rng.choice(["Python", ""]), rng.choice(["R", ""]), "",
            rng.choice(["Python", "Python", "R", "SQL"]),
            rng.choice(["", "", "Kaggle courses helped me most", "More beginner datasets please"]),
        ])
    return csv_text(rows)


def test_a_kaggle_style_export_has_two_header_rows(tmp_path: Path, write_config: Callable[..., Path]) -> None:
    (tmp_path / "kaggle.csv").write_text(kaggle_export(60), encoding="utf-8")
    # The configuration may name a column by its code or by its question.
    config = write_config([survey("kaggle.csv", {"text": ["Q8", KAGGLE_QUESTIONS[-1]]})])
    db, result = ingest(config)
    assert result.quarantined == 0
    texts = {r["text"] for r in db.query("select text from items")}
    assert texts == {"Python", "R", "SQL", "Kaggle courses helped me most", "More beginner datasets please"}
    assert not any(q in texts for q in KAGGLE_QUESTIONS)  # the question row is a header, not an answer
    assert {r["question"] for r in db.query("select distinct question from items")} == {
        LANGUAGE, KAGGLE_QUESTIONS[-1]}
    # Every respondent's Q8 answer is a comment of its own, identical ones included.
    assert db.execute("select count(*) from items where question = ?", [LANGUAGE]).fetchone()[0] == 60


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([KAGGLE_CODES, KAGGLE_QUESTIONS, ["300", "22-24"]], 2),
        # Codes over answers, not questions: numbers, or short repeated choices.
        ([["Q1", "Q2", "Q3"], ["3", "5", "4"]], 1),
        ([["Q1", "Q2", "Q3"], ["Yes", "Yes", "No"]], 1),
        # Plain question headers over a long free-text answer: one header row.
        ([["Timestamp", "What could we do better?"], ["9/14/2026 10:22", "The app logs me out every time I switch tabs"]], 1),
        ([["ID", "Q1"], ["1", "Why is the delivery always late on Mondays?"]], 1),
    ],
)
def test_question_text_header_row_detection(rows: list[list[str]], expected: int) -> None:
    assert detect_header_rows(rows) == expected


# --- UTF-16 without a byte-order mark ------------------------------------------------------------

UTF16_TEXT = "Response ID\tYour comments\r\nR1\tLa crème brûlée était parfaite\r\nR2\tToo sweet\r\n"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark_is_read(
    tmp_path: Path, write_config: Callable[..., Path], codec: str
) -> None:
    assert decode(UTF16_TEXT.encode(codec)) == (UTF16_TEXT, codec)
    (tmp_path / "export.txt").write_bytes(UTF16_TEXT.encode(codec))
    db, result = ingest(write_config([survey("export.txt", FEEDBACK_COLUMNS)]))
    assert (result.new, result.quarantined) == (2, 0)
    assert [r["text"] for r in db.query("select text from items order by local_id")] == [
        "La crème brûlée était parfaite", "Too sweet"]


def test_broken_utf16_without_a_byte_order_mark_says_to_set_the_encoding() -> None:
    content = "id,comment\r\n1,fine\r\n".encode("utf-16-le") + b"\x00\xd8" + "2,cut".encode("utf-16-le")
    with pytest.raises(BadInput) as caught:
        decode(content)
    assert caught.value.reason.startswith("looks like UTF-16-LE without a byte-order mark")
    assert caught.value.reason.endswith("set the source's encoding")


def test_binary_content_is_still_binary() -> None:
    with pytest.raises(BadInput, match="binary content"):
        decode(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(BadInput, match="binary content"):
        decode(codecs.BOM_UTF8[:1] + b"\x00" * 64)
