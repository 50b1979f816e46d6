"""Sources whose comments each ask one thing (``ThemeSettings.read_whole``): each comment is one point, themed and
scored whole; turning a source on or off cuts its comments again, and only its comments."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlite_utils

from feedback.text import segments as nlp
from feedback.themes import ThemeSettings, recut, store, update_themes
from feedback.warehouse import open_warehouse
from tests.themes_fixtures import add_comments

ASKED = "I made a transfer yesterday. Why hasn't it arrived?"
TOLD = "The driver was lovely. The bread was squashed."


def test_a_comment_read_whole_is_one_point() -> None:
    assert [(s.seq, s.text, s.clean) for s in nlp.read_whole(f"  {ASKED} 😡 ")] == [(0, f"{ASKED} 😡", ASKED)]
    assert nlp.read_whole("") == nlp.read_whole("   ") == nlp.read_whole(None) == []
    assert [s.text for s in nlp.segment(ASKED)] == ["I made a transfer yesterday.", "Why hasn't it arrived?"]


def warehouse(tmp_path: Path) -> tuple[sqlite_utils.Database, str, str]:
    """A warehouse with one comment of a chat source and one survey answer (source "test")."""
    db = open_warehouse(tmp_path / "w.db")
    chat, survey = add_comments(db, [ASKED, TOLD], "a")
    db.execute("update items set source = 'chat' where id = ?", [chat])
    return db, chat, survey


def texts(db: sqlite_utils.Database, item_id: str) -> list[str]:
    return [r[0] for r in db.execute("select text from theme_segments where item_id = ? order by seq", [item_id])]


def test_only_the_sources_read_whole_are_cut_into_one_point(tmp_path: Path) -> None:
    db, chat, survey = warehouse(tmp_path)
    assert store.segment_new(db, {"chat"}) == 3
    assert texts(db, chat) == [ASKED]
    assert texts(db, survey) == ["The driver was lovely.", "The bread was squashed."]


def test_a_source_turned_on_or_off_has_its_comments_cut_again_and_no_other(tmp_path: Path) -> None:
    db, chat, survey = warehouse(tmp_path)
    store.segment_new(db)
    assert recut.recut_changed(db) == 0  # no version kept yet: read once, cut the same, nothing rewritten
    db.execute("update theme_segments set theme_id = 7, assigned_at = '2026-11-01T00:00:00Z'")
    assert recut.recut_changed(db, ("chat",)) == 1
    assert texts(db, chat) == [ASKED]
    assert db.execute("select theme_id, assigned_at from theme_segments where item_id = ?", [chat]).fetchall() == [
        (None, None)]  # left for the night to assign
    assert {r[0] for r in db.execute("select theme_id from theme_segments where item_id = ?", [survey])} == {7}
    assert store.get_state(db, recut.SEGMENTED_BY) == f"{nlp.SEGMENTER_VERSION}; whole: chat"
    assert recut.recut_changed(db, ("chat",)) == 0  # once
    assert recut.recut_changed(db) == 1  # taken out again: its sentences come back
    assert texts(db, chat) == ["I made a transfer yesterday.", "Why hasn't it arrived?"]
    assert store.get_state(db, recut.SEGMENTED_BY) == nlp.SEGMENTER_VERSION


def test_the_night_reads_the_setting(tmp_path: Path, embedder: Any) -> None:
    """The theme stage cuts, themes and scores a chat request whole: one point, in a theme, read as a complaint
    (its second sentence alone says nothing a theme could hold)."""
    db = open_warehouse(tmp_path / "w.db")
    asks = [f"I made a transfer {when}. Why hasn't it arrived?" for when in ("yesterday", "on Monday", "last week")]
    told = [f"The driver was lovely. The {what} was squashed." for what in ("bread", "cake", "box", "fruit")]
    chats = add_comments(db, asks * 4, "c")
    db.execute(f"update items set source = 'chat' where id in ({', '.join('?' * len(chats))})", chats)
    surveys = add_comments(db, told * 3, "s")
    update_themes(db, ThemeSettings(read_whole=("chat",), min_cluster_size=3), embedder)
    rows = db.execute("select item_id, text, theme_id, sentiment from theme_segments").fetchall()
    of = {item: [r for r in rows if r[0] == item] for item in chats + surveys}
    assert all(len(of[item]) == 1 and of[item][0][2] is not None for item in chats)
    assert all(of[item][0][3] < 0 for item in chats)
    assert all(len(of[item]) == 2 for item in surveys)
    assert store.get_state(db, recut.SEGMENTED_BY) == f"{nlp.SEGMENTER_VERSION}; whole: chat"


def test_a_comment_read_whole_with_nothing_to_read_or_too_much_loses_nothing() -> None:
    """An empty answer keeps one empty unthemable segment (it is not read again), one of emoji only is kept but themes
    nothing, an overlong one is one point embedded from its first MAX_SEGMENT_CHARS and displayed whole."""
    long = "The app logs me out. " * 60
    rows: list[store.SegmentInput] = [("a", "h", "", "en", None, True), ("b", "h", "👍👍", "en", None, True),
                                      ("c", "h", long, "en", None, True)]
    cut = [[(s.seq, s.text, len(s.clean), kind) for s, kind in segments] for segments in store.cut(rows)]
    assert cut == [[(0, "", 0, 0)], [(0, "👍👍", 0, 0)], [(0, long.strip(), nlp.MAX_SEGMENT_CHARS, store.THEMED)]]
