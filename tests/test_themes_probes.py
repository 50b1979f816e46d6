"""A night's "what is new?" probes of the theme stage (feedback/themes/store.py) read what is new:
comments processed since the last segmenting, segments no night has assigned yet; with no (or a
damaged) record of the last pass, or another embedding model, they read everything again."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlite_utils

from feedback.embed import Embedder
from feedback.themes import store
from feedback.warehouse import now_iso, open_warehouse
from tests.themes_fixtures import add_comments


def reprocess(db: sqlite_utils.Database, item_id: str, text: str) -> None:
    db.execute("update processed set text = ?, text_hash = ?, processed_at = ? where item_id = ?",
               [text, str(hash(text)), now_iso(), item_id])


def test_new_and_reprocessed_comments_are_cut_after_the_first_pass(tmp_path: Path) -> None:
    db = open_warehouse(tmp_path / "w.db")
    first = add_comments(db, ["The driver was late.", "Lovely fresh bread."], "a")
    assert store.segment_new(db) == 2
    assert store.get_state(db, store.SEGMENTED_THROUGH) is not None
    assert store.unsegmented_ids(db) == []
    second = add_comments(db, ["Refund took three weeks."], "b")
    reprocess(db, first[0], "The app crashed at checkout.")
    assert store.unsegmented_ids(db) == sorted([second[0], first[0]])
    assert store.segment_new(db) == 2
    texts = dict(db.execute("select item_id, text from theme_segments").fetchall())
    assert texts[first[0]] == "The app crashed at checkout." and texts[second[0]] == "Refund took three weeks."
    assert store.unsegmented_ids(db) == []


@pytest.mark.parametrize("damage", ["not a stamp", "9999-12-31T00:00:00Z", 17])
def test_a_missing_or_damaged_record_reads_every_comment(tmp_path: Path, damage: object) -> None:
    db = open_warehouse(tmp_path / "w.db")
    add_comments(db, ["The driver was late."], "a")
    store.segment_new(db)
    late = add_comments(db, ["Refund took three weeks."], "b")
    db.execute("update processed set processed_at = '2000-01-01T00:00:00.000000Z' where item_id = ?", late)
    # processed "before" the last pass (a clock set back): found only by a pass over every comment
    assert store.unsegmented_ids(db) == []
    store.set_state(db, store.SEGMENTED_THROUGH, damage)
    expected = [] if damage == "9999-12-31T00:00:00Z" else late  # a well-formed stamp is trusted
    assert store.unsegmented_ids(db) == expected
    db.execute("delete from theme_state where key = ?", [store.SEGMENTED_THROUGH])
    assert store.unsegmented_ids(db) == late


def test_only_unassigned_segments_are_probed_for_vectors_once_all_had_one(tmp_path: Path, embedder: Embedder) -> None:
    db = open_warehouse(tmp_path / "w.db")
    add_comments(db, ["The driver was late.", "Lovely fresh bread."], "a")
    store.segment_new(db)
    assert store.unembedded(db, embedder) != []
    assert store.embed_pending(db, embedder) == 2
    assert store.get_state(db, store.EMBEDDED_FOR) == [embedder.name, embedder.version]
    db.execute("update theme_segments set assigned_at = ?", [now_iso()])  # a night saw them
    add_comments(db, ["Refund took three weeks."], "b")
    store.segment_new(db)
    new_hash = db.execute("select text_hash from theme_segments where assigned_at is null").fetchone()[0]
    assert store.unembedded(db, embedder) == [new_hash]
    assert store.embed_pending(db, embedder) == 1 and store.unembedded(db, embedder) == []
    # a vector missing for a segment a night has seen is found again once the record is gone
    db.execute("delete from embeddings where text_hash = ?", [new_hash])
    db.execute("update theme_segments set assigned_at = ?", [now_iso()])
    assert store.unembedded(db, embedder) == []
    db.execute("delete from theme_state where key = ?", [store.EMBEDDED_FOR])
    assert store.unembedded(db, embedder) == [new_hash]
