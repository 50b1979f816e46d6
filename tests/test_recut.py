"""Comments cut again after a segmenter change (feedback/themes/recut.py): only those whose segments
come out different are rewritten, and they are left for the night to assign; the rest keep theirs."""

from __future__ import annotations

from pathlib import Path

import sqlite_utils

from feedback.embed import text_hash
from feedback.text import segments as nlp
from feedback.themes import recut, store
from feedback.warehouse import open_warehouse
from tests.themes_fixtures import add_comments

SIGNED = "All inside more plastic bags. - [NAME] 👎"
PLAIN = "The driver was late. Lovely fresh bread though."


def old_cut(db: sqlite_utils.Database, item_id: str, pieces: list[str]) -> None:
    """The comment's segments as segmenter version 1 cut them, assigned to theme 7."""
    db.execute("delete from theme_segments where item_id = ?", [item_id])
    source = db.execute("select text_hash from processed where item_id = ?", [item_id]).fetchone()[0]
    for seq, text in enumerate(pieces):
        db["theme_segments"].insert({"id": f"{item_id}:{seq}", "item_id": item_id, "seq": seq, "source_hash": source,
                                     "text": text, "text_hash": text_hash(nlp.clean_for_embedding(text)), "themable": 1,
                                     "theme_id": 7,
                                     "assigned_at": "2026-11-01T00:00:00Z"})


def segments(db: sqlite_utils.Database, item_id: str) -> list[tuple[str, int | None]]:
    return [(r[0], r[1]) for r in db.execute(
        "select text, theme_id from theme_segments where item_id = ? order by seq", [item_id])]


def archive_cut_by_version_one(tmp_path: Path) -> tuple[sqlite_utils.Database, str, str]:
    db = open_warehouse(tmp_path / "w.db")
    signed, plain = add_comments(db, [SIGNED, PLAIN], "a")
    store.segment_new(db)
    old_cut(db, signed, ["All inside more plastic bags. - [", "NAME] 👎"])
    old_cut(db, plain, ["The driver was late.", "Lovely fresh bread though."])  # cut the same by both
    store.set_state(db, recut.SEGMENTED_BY, "1")
    return db, signed, plain


def test_a_comment_cut_differently_is_cut_again_and_left_for_the_night_to_assign(tmp_path: Path) -> None:
    db, signed, plain = archive_cut_by_version_one(tmp_path)
    assert recut.recut_changed(db) == 1
    assert segments(db, signed) == [(SIGNED, None)]  # one segment, no theme yet
    assert db.execute("select assigned_at from theme_segments where item_id = ?", [signed]).fetchone()[0] is None
    assert segments(db, plain) == [("The driver was late.", 7), ("Lovely fresh bread though.", 7)]  # untouched
    assert store.get_state(db, recut.SEGMENTED_BY) == nlp.SEGMENTER_VERSION
    assert recut.recut_changed(db) == 0  # once per version
    assert store.unsegmented_ids(db) == []  # the rewritten comment is not cut a third time


def test_an_archive_from_before_versions_were_kept_is_cut_again(tmp_path: Path) -> None:
    db, signed, plain = archive_cut_by_version_one(tmp_path)
    db.execute("delete from theme_state where key = ?", [recut.SEGMENTED_BY])
    assert recut.recut_changed(db) == 1
    assert segments(db, signed) == [(SIGNED, None)]
    assert segments(db, plain)[0] == ("The driver was late.", 7)


def test_an_archive_cut_by_this_version_is_not_read_again(tmp_path: Path) -> None:
    db, signed, _ = archive_cut_by_version_one(tmp_path)
    store.set_state(db, recut.SEGMENTED_BY, nlp.SEGMENTER_VERSION)  # (says so, even though its cut is old)
    assert recut.recut_changed(db) == 0
    assert segments(db, signed) == [("All inside more plastic bags. - [", 7), ("NAME] 👎", 7)]


def test_a_segment_embedded_from_another_text_is_cut_again(tmp_path: Path) -> None:
    """Version 3 embeds "Friendly staff😊" as "Friendly staff": the stored hash of what was embedded differs."""
    db = open_warehouse(tmp_path / "w.db")
    smiling, plain = add_comments(db, ["Friendly staff😊", "Friendly staff"], "a")
    store.segment_new(db)
    old_cut(db, plain, ["Friendly staff"])
    old_cut(db, smiling, ["Friendly staff😊"])
    db.execute("update theme_segments set text_hash = ? where item_id = ?", [text_hash("Friendly staff😊"), smiling])
    store.set_state(db, recut.SEGMENTED_BY, "2")
    assert recut.recut_changed(db) == 1
    assert segments(db, smiling) == [("Friendly staff😊", None)]
    assert segments(db, plain) == [("Friendly staff", 7)]
    hashes = {r[0] for r in db.execute("select text_hash from theme_segments")}
    assert hashes == {text_hash("Friendly staff")}  # one vector for both


def test_comments_without_text_and_in_many_batches(tmp_path: Path, monkeypatch: object) -> None:
    db = open_warehouse(tmp_path / "w.db")
    ids = add_comments(db, ["", "Late again. [NAME]", "Fine.", "Late again. [NAME]"], "a")
    store.segment_new(db)
    for item in ids[1::2]:
        old_cut(db, item, ["Late again. [", "NAME]"])
    store.set_state(db, recut.SEGMENTED_BY, "1")
    monkeypatch.setattr(recut, "BATCH", 1)  # type: ignore[attr-defined]
    assert recut.recut_changed(db) == 2
    assert [segments(db, item) for item in ids] == [[("", None)], [("Late again. [NAME]", None)], [("Fine.", None)],
                                                    [("Late again. [NAME]", None)]]


def test_a_damaged_record_of_the_version_cuts_again_and_loses_nothing(tmp_path: Path) -> None:
    db, signed, plain = archive_cut_by_version_one(tmp_path)
    db.execute("update theme_state set value = ? where key = ?", ["{not json", recut.SEGMENTED_BY])
    assert recut.recut_changed(db) == 1
    assert segments(db, signed) == [(SIGNED, None)]
    assert segments(db, plain)[0] == ("The driver was late.", 7)
    assert store.get_state(db, recut.SEGMENTED_BY) == nlp.SEGMENTER_VERSION


def add_titled(db: sqlite_utils.Database, rows: list[tuple[str, str | None, str]]) -> list[str]:
    """Items of (channel, title, text) with their processed rows, as the process stage writes them."""
    ids = add_comments(db, [text for _, _, text in rows], "t")
    for item_id, (channel, title, text) in zip(ids, rows, strict=True):
        db.execute("update items set channel = ?, title = ? where id = ?", [channel, title, item_id])
        db.execute("update processed set title = ?, text_hash = ? where item_id = ?",
                   [title, str(hash(f"{title}\x1f{text}")), item_id])
    return ids


TITLED = [("review", "Runs small", "The fabric is lovely. I had to size up."),
          ("review", "Friendly staff", "Friendly staff, nothing is too much trouble."),  # the text says it first
          ("email", "Refund", "Still waiting for my money."),  # an e-mail's subject repeats down its thread
          ("review", "Disappointed", "")]


def points(db: sqlite_utils.Database, item_id: str) -> list[tuple[str, int]]:
    return [(r[0], r[1]) for r in db.execute(
        "select text, themable from theme_segments where item_id = ? order by seq", [item_id])]


def test_a_reviews_title_is_read_as_points_in_no_theme(tmp_path: Path) -> None:
    """A review's headline ("Runs small", "Disappointed") is where many reviewers say what they think: its points
    come first, embedded and scored for the comment's sentiment (binary F1 on the held-out clothing reviews 0.861 ->
    0.880: bench/RESULTS.md), but in no theme (``themable`` 2: generic headlines made the review themes less steady)."""
    db = open_warehouse(tmp_path / "w.db")
    ids = add_titled(db, TITLED)
    store.segment_new(db)
    assert [points(db, item) for item in ids] == [
        [("Runs small", 2), ("The fabric is lovely.", 1), ("I had to size up.", 1)],
        [("Friendly staff, nothing is too much trouble.", 1)],
        [("Still waiting for my money.", 1)],
        [("Disappointed", 1)]]  # no text: the title is the text, themed as before


def test_an_archive_cut_before_titles_were_read_cuts_its_reviews_again(tmp_path: Path) -> None:
    db = open_warehouse(tmp_path / "w.db")
    ids = add_titled(db, TITLED)
    store.segment_new(db)
    old_cut(db, ids[0], ["The fabric is lovely.", "I had to size up."])  # as version 6 cut it: no title
    old_cut(db, ids[2], ["Still waiting for my money."])
    store.set_state(db, recut.SEGMENTED_BY, "6")
    assert recut.recut_changed(db) == 1
    assert segments(db, ids[0]) == [("Runs small", None), ("The fabric is lovely.", None), ("I had to size up.", None)]
    assert points(db, ids[0])[0] == ("Runs small", 2)
    assert segments(db, ids[2]) == [("Still waiting for my money.", 7)]  # the e-mail keeps its segment and theme


def test_a_titles_points_are_not_counted_as_points_in_no_theme(tmp_path: Path) -> None:
    """The themes' counts (segments, those in no theme) are of the points themes are made of: a review title's
    points are left out, whether the counts are kept up as segments arrive or counted afresh."""
    from feedback.themes import sums

    db = open_warehouse(tmp_path / "w.db")
    add_comments(db, ["The driver was late."], "a")
    store.segment_new(db)
    assert sums.counts(db)["segments"] == 1  # counted afresh, then kept up by the log of changed segments
    add_titled(db, TITLED)
    store.segment_new(db)
    kept = sums.counts(db)
    sums.sync(db, full=True)
    assert kept == sums.counts(db) == {"segments": 6, "segment_outliers": 6, "comments": 5, "comment_outliers": 5}


def test_a_title_with_nothing_to_read_adds_no_point_and_a_long_one_is_one_point() -> None:
    """Broken titles lose nothing of the comment: one of emoji and marks is left out, one past the embedding's length
    is one point (cut for embedding as any long segment), a comment with neither title nor text keeps its one empty
    segment, so it is not read again."""
    rows: list[store.SegmentInput] = [("a", "h", "Great dress.", "en", "!!! 😍", False),
                                      ("b", "h", "Great dress.", "en", "lovely " * 300, False),
                                      ("c", "h", "", "en", None, False)]
    cut = [[(s.seq, s.text[:12], kind) for s, kind in segments] for segments in store.cut(rows)]
    assert cut == [[(0, "Great dress.", 1)], [(0, "lovely lovel", 2), (1, "Great dress.", 1)], [(0, "", 0)]]
