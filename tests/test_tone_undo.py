"""An analyst's sentiment correction is an edit like the others: ``feedback themes undo`` takes it back (the
correction as it was before, the texts' segments re-scored, the themes' figures following) and ``redo`` brings
it back (feedback/themes/tone_edits.py); what stands in the way is named and nothing changes."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner

from feedback.embed import Embedder
from feedback.themes import segment_sentiment, store
from feedback.themes import sentiment_corrections as corrections
from feedback.themes.edits import ThemeError
from feedback.themes.redo import listed, redo
from feedback.themes.undo import undo
from tests.themes_fixtures import copy_of

pytestmark = pytest.mark.slow


def _texts(db: sqlite_utils.Database, n: int) -> list[tuple[str, list[str]]]:
    """(text hash, segment ids) of the ``n`` themed English texts most segments share."""
    found = Counter(r[0] for r in db.execute(
        "select text_hash from theme_segments where themable = 1 and theme_id is not null"
        " and (language is null or language = 'en')"))
    return [(h, [r[0] for r in db.execute("select id from theme_segments where text_hash = ? order by id", [h])])
            for h, _ in found.most_common(n)]


def _scores(db: sqlite_utils.Database) -> dict[str, float]:
    return dict(db.execute("select id, sentiment from theme_segments where sentiment is not null").fetchall())


def _themes(db: sqlite_utils.Database) -> dict[int, float]:
    return dict(db.execute("select id, sentiment from themes where status = 'active'").fetchall())


def _sides(db: sqlite_utils.Database) -> dict[str, str]:
    return dict(db.execute("select text_hash, side from sentiment_corrections").fetchall())


@pytest.fixture
def scored(edits_fitted: Path, tmp_path: Path, embedder: Embedder) -> sqlite_utils.Database:
    db = copy_of(edits_fitted, tmp_path)
    segment_sentiment.score_pending(db, embedder)  # the head's readings, as a night leaves them
    return db


def _rescore(db: sqlite_utils.Database, embedder: Embedder):  # noqa: ANN202
    return lambda hashes: segment_sentiment.rescore_texts(db, embedder, hashes)


def test_undo_takes_a_correction_back_and_redo_brings_it_back(scored: sqlite_utils.Database,
                                                             embedder: Embedder) -> None:
    db = scored
    (text_hash, ids), = _texts(db, 1)
    head_scores, head_themes = _scores(db), _themes(db)
    segment_sentiment.correct(db, embedder, ids[0], "negative", note="a complaint")
    corrected_scores, corrected_themes = _scores(db), _themes(db)
    assert _sides(db) == {text_hash: "negative"}
    assert all(corrected_scores[i] <= -0.5 for i in ids) and corrected_themes != head_themes
    edit = undo(db, rescore=_rescore(db, embedder))
    assert edit.kind == "tone" and _sides(db) == {}
    assert _scores(db) == head_scores and _themes(db) == head_themes  # the head's readings again, figures too
    again = redo(db, rescore=_rescore(db, embedder))
    assert again.id == edit.id and _sides(db) == {text_hash: "negative"}
    assert _scores(db) == corrected_scores and _themes(db) == corrected_themes
    note = db.execute("select note from sentiment_corrections").fetchone()[0]
    assert note == "a complaint"  # the row as it was, its note too
    # the archive's next publish re-reads the comments whose points moved
    items = {i.rpartition(":")[0] for i in ids}
    marked = {r[0] for r in db.execute("select key from publish_changes where kind = 'item'")}
    assert items <= marked


def test_undoing_a_change_of_side_or_a_clearing_puts_the_earlier_correction_back(scored: sqlite_utils.Database,
                                                                                 embedder: Embedder) -> None:
    db = scored
    (text_hash, ids), = _texts(db, 1)
    segment_sentiment.correct(db, embedder, ids[0], "negative")
    negative = _scores(db)
    segment_sentiment.correct(db, embedder, ids[0], "positive")
    undo(db, rescore=_rescore(db, embedder))
    assert _sides(db) == {text_hash: "negative"} and _scores(db) == negative
    segment_sentiment.correct(db, embedder, ids[0], None)  # tone --clear
    assert _sides(db) == {}
    undo(db, rescore=_rescore(db, embedder))
    assert _sides(db) == {text_hash: "negative"} and _scores(db) == negative


def test_texts_corrected_alike_are_taken_back_together(scored: sqlite_utils.Database, embedder: Embedder) -> None:
    db = scored
    (first, ids), (second, others), (third, more) = _texts(db, 3)
    head = _scores(db)
    corrections.record(db, corrections.segment(db, more[0]), "neutral")  # corrected before, by hand
    segment_sentiment.correct(db, embedder, ids[0], "positive", alike=[others[0], more[0]])
    assert _sides(db) == {first: "positive", second: "positive", third: "positive"}
    edit = undo(db, rescore=_rescore(db, embedder))
    assert "(and 2 texts read alike)" in listed(db)[0] and f"#{edit.id}" in listed(db)[0]
    assert _sides(db) == {third: "neutral"}  # the one corrected before keeps its earlier side
    assert all(_scores(db)[i] == head[i] for i in ids + others)


def test_what_stands_in_the_way_is_named_and_nothing_changes(scored: sqlite_utils.Database,
                                                            embedder: Embedder) -> None:
    db = scored
    (text_hash, ids), (other_hash, others) = _texts(db, 2)
    segment_sentiment.correct(db, embedder, ids[0], "negative")
    first = db.execute("select max(id) from theme_edits").fetchone()[0]
    segment_sentiment.correct(db, embedder, others[0], "positive")  # another text: no obstacle
    segment_sentiment.correct(db, embedder, ids[0], "neutral")
    latest = db.execute("select max(id) from theme_edits").fetchone()[0]
    scores = _scores(db)
    with pytest.raises(ThemeError, match=f"cannot undo edit #{first} .*a later edit #{latest} .*undo #{latest} first"):
        undo(db, first, rescore=_rescore(db, embedder))
    assert _sides(db) == {text_hash: "neutral", other_hash: "positive"} and _scores(db) == scores
    assert f"cannot be undone: a later edit #{latest}" in next(line for line in listed(db) if line.startswith(f"#{first} "))
    undo(db, latest, rescore=_rescore(db, embedder))
    undo(db, first, rescore=_rescore(db, embedder))
    assert _sides(db) == {other_hash: "positive"}
    # undone, the text corrected again by hand: the redo would overwrite it, so it is refused
    segment_sentiment.correct(db, embedder, ids[0], "positive")
    newest = db.execute("select max(id) from theme_edits").fetchone()[0]
    with pytest.raises(ThemeError, match=f"cannot redo edit #{first} .*#{newest} .*undo #{newest} first"):
        redo(db, first, rescore=_rescore(db, embedder))
    assert _sides(db) == {text_hash: "positive", other_hash: "positive"}
    with pytest.raises(ThemeError, match="it is not undone"):
        redo(db, newest, rescore=_rescore(db, embedder))
    with pytest.raises(ValueError, match="pass rescore"):
        undo(db, newest)


def test_a_correction_outlives_a_re_cluster_and_so_does_its_undo(scored: sqlite_utils.Database,
                                                                  embedder: Embedder) -> None:
    db = scored
    (_, ids), = _texts(db, 1)
    segment_sentiment.correct(db, embedder, ids[0], "negative")
    store.set_state(db, "last_fit", {"run": "a later re-cluster"})  # theme edits before it can no longer be undone
    undo(db, rescore=_rescore(db, embedder))
    assert _sides(db) == {}


def test_the_commands_undo_and_redo_a_correction(edits_fitted: Path, tmp_path: Path, embedder: Embedder) -> None:
    from feedback.cli import cli

    db = copy_of(edits_fitted, tmp_path)
    segment_sentiment.score_pending(db, embedder)
    (_, ids), = _texts(db, 1)
    text = db.execute("select text from theme_segments where id = ?", [ids[0]]).fetchone()[0]
    db.close()
    config = tmp_path / "config.yml"
    config.write_text("warehouse: warehouse.db\narchive: archive.db\n", encoding="utf-8")
    runner = CliRunner()
    base = ["--config", str(config), "themes", "--no-publish"]
    done = runner.invoke(cli, [*base, "tone", ids[0], "negative"])
    assert done.exit_code == 0 and "`feedback themes undo` takes it back" in done.output, done.output
    shown = runner.invoke(cli, [*base, "undo", "--list"])
    assert shown.exit_code == 0 and f"corrected \u201c{text[:60]}" in shown.output, shown.output
    undone = runner.invoke(cli, [*base, "undo"])
    assert undone.exit_code == 0 and f"undid edit #1: corrected \u201c{text[:60]}" in undone.output, undone.output
    assert "no sentiment corrections" in runner.invoke(cli, [*base, "tone", "--list"]).output
    redone = runner.invoke(cli, [*base, "redo"])
    assert redone.exit_code == 0 and "redid edit #1" in redone.output, redone.output
    assert "negative" in runner.invoke(cli, [*base, "tone", "--list"]).output
