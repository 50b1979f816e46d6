"""Chunked ``IN (...)`` queries: the helper, and every query built on it under SQLite's
smallest limit on ``?`` parameters (999, the default before SQLite 3.32)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sqlite_utils

from feedback.embed import ensure_embeddings, load_embeddings, missing_hashes, text_hash
from feedback.items import Item
from feedback.themes import store
from feedback.warehouse import Batch, commit_batch, migrate
from feedback.warehouse.sql import chunks, marks

OVER_THE_LIMIT = 2500


@pytest.mark.parametrize(
    ("values", "size", "expected"),
    [
        ([], 3, []),
        ([1], 3, [[1]]),
        ([1, 2, 3], 3, [[1, 2, 3]]),
        ([1, 2, 3, 4], 3, [[1, 2, 3], [4]]),
        ([1, 2, 3, 4, 5, 6, 7], 3, [[1, 2, 3], [4, 5, 6], [7]]),
        (range(4), 1, [[0], [1], [2], [3]]),
        ((c for c in "abcde"), 2, [["a", "b"], ["c", "d"], ["e"]]),  # any iterable, read once
        (range(2000), 900, [list(range(900)), list(range(900, 1800)), list(range(1800, 2000))]),
    ],
)
def test_chunks(values: Iterable[Any], size: int, expected: list[list[Any]]) -> None:
    assert list(chunks(values, size)) == expected


def test_chunks_default_to_fewer_parameters_than_the_oldest_limit() -> None:
    assert [len(part) for part in chunks(range(2000))] == [900, 900, 200]


@pytest.mark.parametrize("size", [0, -5])
def test_a_chunk_size_below_one_is_refused(size: int) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        list(chunks([1, 2], size))


@pytest.mark.parametrize(("n", "expected"), [(0, ""), (1, "?"), (3, "?,?,?")])
def test_marks(n: int, expected: str) -> None:
    assert marks(n) == expected


def test_negative_marks_are_refused() -> None:
    with pytest.raises(ValueError):
        marks(-1)


@pytest.fixture
def db(tmp_path: Path) -> sqlite_utils.Database:
    """A warehouse whose connection allows 999 parameters per statement."""
    conn = sqlite3.connect(tmp_path / "w.db")
    conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)
    db = sqlite_utils.Database(conn)
    with pytest.raises(sqlite3.OperationalError, match="too many SQL variables"):
        db.execute(f"select 1 where 1 in ({marks(1000)})", list(range(1000)))  # the limit bites
    migrate(db)
    return db


def test_a_batch_over_the_parameter_limit_commits_and_recommits(db: sqlite_utils.Database) -> None:
    items = [Item(source="s", channel="survey", local_id=f"r{n}", text=f"late {n}") for n in range(OVER_THE_LIMIT)]
    assert commit_batch(db, Batch("s", items, [])).new == OVER_THE_LIMIT
    items[-1] = Item(source="s", channel="survey", local_id=f"r{OVER_THE_LIMIT - 1}", text="on time")
    result = commit_batch(db, Batch("s", items, []))
    assert (result.seen, result.new, result.changed) == (OVER_THE_LIMIT, 0, 1)


class CountingEmbedder:
    """A two-dimensional stand-in for the model: text n -> (n, 1); the real one is slow to load."""

    name = "counting"
    version = "1"

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.array([[float(t.split()[-1]), 1.0] for t in texts], dtype=np.float32)


def test_embedding_lookups_over_the_parameter_limit(db: sqlite_utils.Database) -> None:
    texts = {text_hash(f"text {n}"): f"text {n}" for n in range(OVER_THE_LIMIT)}
    hashes = list(texts)
    embedder = CountingEmbedder()
    assert ensure_embeddings(db, {h: texts[h] for h in hashes[:2000]}, embedder) == 2000
    assert missing_hashes(db, hashes, embedder.name, embedder.version) == hashes[2000:]
    wanted = hashes[1999::-1]  # every stored vector, newest first
    vectors = load_embeddings(db, wanted, embedder.name, embedder.version)
    assert vectors[:, 0].tolist() == list(range(1999, -1, -1))


def test_segment_lookups_over_the_parameter_limit(db: sqlite_utils.Database) -> None:
    ids = [f"i{n:04d}" for n in range(1200)]
    db["items"].insert_all(
        {"id": i, "source": "s", "channel": "survey", "local_id": i, "text": f"Slow delivery {i}."} for i in ids
    )
    db["processed"].insert_all(
        {"item_id": i, "text_hash": "v1", "text": f"Slow delivery {i}.", "language": "en"} for i in ids
    )
    assert store.segment_new(db) == 1200
    # every comment's text changed: its old segments are deleted (one IN over 1200 ids) and cut again
    db.execute("update processed set text_hash = 'v2', text = text || ' Again.'")
    assert store.segment_new(db) == 2400
    assert db["theme_segments"].count == 2400
    found = store.segment_texts(db, [f"{i}:1" for i in ids])
    assert found[f"{ids[-1]}:1"] == ("Again.", "en") and len(found) == 1200
