"""Analysts' sentiment corrections (feedback/themes/sentiment_corrections.py): a person's reading of
a segment outranks the head's, for every segment with its text, on every later night, in the themes'
figures at once; the company's calibration learns from them; bad requests are refused with the reason."""

from __future__ import annotations

import html
import sqlite3
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import sqlite_utils
from click.testing import CliRunner

from feedback.embed import Embedder
from feedback.text.sentiment_model import load_head, logits, score_segments
from feedback.themes import segment_sentiment, store
from feedback.themes import sentiment_corrections as corrections
from tests.themes_fixtures import add_comments, copy_of, new_warehouse


@pytest.mark.parametrize(("score", "side", "expected"), [
    (0.0, "positive", 0.5),  # read neutral: the side's floor
    (0.1374, "positive", 0.5),  # too faint
    (0.8, "positive", 0.8),  # already there: the head's own strength is kept
    (-0.6, "positive", 0.5),  # the wrong side
    (-0.93, "negative", -0.93),
    (0.4, "negative", -0.5),
    (None, "negative", -0.5),
    (0.7, "neutral", 0.0),
    (-0.7, "neutral", 0.0),
])
def test_a_corrected_score_is_on_its_side_and_keeps_the_heads_strength_there(score: float | None, side: str,
                                                                           expected: float) -> None:
    assert corrections.corrected(score, side) == expected


def test_a_side_is_one_of_three() -> None:
    with pytest.raises(ValueError, match="positive"):
        corrections.corrected(0.3, "happy")


def _repeated(db: sqlite_utils.Database) -> tuple[str, str, list[str]]:
    """(text hash, text, segment ids) of the themed English text most segments share."""
    found = Counter(r[0] for r in db.execute(
        "select text_hash from theme_segments where themable = 1 and theme_id is not null"
        " and (language is null or language = 'en')"))
    text_hash = found.most_common(1)[0][0]
    rows = db.execute("select id, text from theme_segments where text_hash = ? order by id", [text_hash]).fetchall()
    return text_hash, rows[0][1], [r[0] for r in rows]


def _theme_means(db: sqlite_utils.Database) -> dict[int, float]:
    """Each theme's mean segment sentiment now."""
    return {r[0]: r[1] for r in db.execute(
        "select theme_id, avg(sentiment) from theme_segments where theme_id is not null and sentiment is not null"
        " group by theme_id")}


def _stored_means(db: sqlite_utils.Database) -> dict[int, float]:
    """Each active theme's sentiment as stored (what the pages show)."""
    return {r[0]: r[1] for r in db.execute("select id, sentiment from themes where status = 'active'"
                                           " and sentiment is not null")}


@pytest.mark.slow
def test_a_correction_reads_every_segment_of_its_text_now_and_on_later_nights(
        edits_fitted: Path, tmp_path: Path, embedder: Embedder) -> None:
    db = copy_of(edits_fitted, tmp_path)
    segment_sentiment.score_pending(db, embedder)  # the head's readings, as a night leaves them
    text_hash, text, ids = _repeated(db)
    before = dict(db.execute("select id, sentiment from theme_segments where text_hash = ?", [text_hash]).fetchall())
    side = "negative" if np.mean(list(before.values())) > 0 else "positive"
    themes_before = _stored_means(db)
    row, moved = segment_sentiment.correct(db, embedder, ids[0], side, note="read wrongly")
    assert row["text_hash"] == text_hash and moved == len(ids) > 1  # the same sentence in other comments too
    after = dict(db.execute("select id, sentiment from theme_segments where text_hash = ?", [text_hash]).fetchall())
    assert after == {i: corrections.corrected(s, side) for i, s in before.items()}
    stored = _stored_means(db)
    assert stored == pytest.approx(_theme_means(db), abs=0.002)  # the themes' figures followed at once ...
    touched = {r[0] for r in db.execute("select theme_id from theme_segments where text_hash = ?", [text_hash])}
    assert all(abs(stored[t] - themes_before[t]) > 0.01 for t in touched), (touched, stored, themes_before)  # ... and moved
    listed = corrections.listed(db)
    assert [(r["text"], r["side"], r["segments"], r["note"]) for r in listed] == [(text, side, len(ids), "read wrongly")]

    # a later night: the same text in a new comment reads so too, and a full re-score keeps them all
    add_comments(db, [text], "later", day="2024-06-01")
    store.segment_new(db)
    store.embed_pending(db, embedder)
    segment_sentiment.score_pending(db, embedder)
    new = db.execute("select s.sentiment from theme_segments s join items i on i.id = s.item_id"
                     " where i.local_id = 'later-0' and s.text_hash = ?", [text_hash]).fetchone()
    assert new is not None and new[0] == corrections.corrected(before[ids[0]], side)
    state = store.get_state(db, segment_sentiment.STATE_KEY)
    store.set_state(db, segment_sentiment.STATE_KEY, {**state, "lexicon": "an older lexicon"})  # every segment again
    assert segment_sentiment.score_pending(db, embedder) > len(ids)
    assert {i: s for i, s in db.execute("select id, sentiment from theme_segments where text_hash = ?", [text_hash])
            if i in after} == after

    # taken away: the head's readings return, exactly
    segment_sentiment.correct(db, embedder, ids[-1], None)
    back = dict(db.execute("select id, sentiment from theme_segments where text_hash = ?", [text_hash]).fetchall())
    assert {i: back[i] for i in before} == before and corrections.listed(db) == []


@pytest.mark.slow
def test_what_cannot_be_corrected_is_refused_with_the_reason_and_changes_nothing(
        edits_fitted: Path, tmp_path: Path, embedder: Embedder) -> None:
    db = copy_of(edits_fitted, tmp_path)
    with pytest.raises(corrections.CorrectionError, match="no segment 'nope'"):
        segment_sentiment.correct(db, embedder, "nope", "positive")
    some = db.execute("select id from theme_segments where themable = 1 limit 1").fetchone()[0]
    db.execute("update theme_segments set language = 'fr' where id = ?", [some])
    with pytest.raises(corrections.CorrectionError, match="is in fr"):
        segment_sentiment.correct(db, embedder, some, "positive")
    other = db.execute("select id from theme_segments where themable = 1 and language is not 'fr' limit 1").fetchone()[0]
    with pytest.raises(corrections.CorrectionError, match="no correction to take away"):
        segment_sentiment.correct(db, embedder, other, None)
    with pytest.raises(corrections.CorrectionError, match="a side is one of"):
        segment_sentiment.correct(db, embedder, other, "glowing")
    assert corrections.listed(db) == []


def _rooms(low_direction: int) -> tuple[list[str], np.ndarray, np.ndarray, list[str]]:
    """(owners, bands, vectors, texts): 200 rated comments whose vectors tell low from high in one direction."""
    rng = np.random.default_rng(1)
    owners = [f"item-{n}" for n in range(200)]
    bands = np.array([0] * 100 + [2] * 100)
    vectors = rng.normal(0, 0.05, size=(200, 384)).astype(np.float32)
    vectors[:100, low_direction] += 1.0
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return owners, bands, vectors, ["Room facing the road."] * 200


def test_the_calibration_learns_from_corrections_what_the_ratings_do_not_say() -> None:
    head = load_head()
    owners, bands, vectors, texts = _rooms(low_direction=0)
    rng = np.random.default_rng(4)
    taught = rng.normal(0, 0.05, size=(6, 384)).astype(np.float32)
    taught[:, 7] += 1.0  # a way of speaking no rated comment uses, corrected to positive six times
    taught /= np.linalg.norm(taught, axis=1, keepdims=True)
    probe = taught[:1] * 0.9 + rng.normal(0, 0.01, size=(1, 384)).astype(np.float32)
    probe /= np.linalg.norm(probe)
    raw = logits(vectors, texts, head)
    plain, plain_figures = segment_sentiment.fit_checked(raw, vectors, texts, owners, bands, head)
    corrected_rows = (logits(taught, texts[:6], head), taught, np.array([2] * 6))
    taught_cal, figures = segment_sentiment.fit_checked(raw, vectors, texts, owners, bands, head, corrected=corrected_rows)
    assert figures["applied"] == plain_figures["applied"] == 1
    assert figures["checked"] == plain_figures["checked"]  # corrections are fitted, never checked
    without, with_corrections = (score_segments(probe, texts[:1], head, c)[0] for c in (plain, taught_cal))
    assert with_corrections > without + 0.2, (without, with_corrections)


@pytest.mark.slow
def test_enough_new_corrections_fit_the_calibration_again(tmp_path: Path, embedder: Embedder) -> None:
    from tests.test_sentiment_calibration import GARDEN, ROAD

    db = new_warehouse(tmp_path / "w.db")
    add_comments(db, [t.format(n=n) for n in range(2, 27) for t in ROAD], "low", rating=0.0)
    add_comments(db, [t.format(n=n) for n in range(2, 27) for t in GARDEN], "high", rating=1.0)
    store.segment_new(db)
    store.embed_pending(db, embedder)
    segment_sentiment.score_pending(db, embedder, min_rated=150)
    first = segment_sentiment.stored_calibration(db, load_head())[1]  # type: ignore[index]
    assert first["corrections"] == 0
    ids = [r[0] for r in db.execute("select id from theme_segments where text like 'Room 2 %' or text like 'Room 3 %'"
                                    " order by id")]
    for segment_id in ids[:corrections.REFIT_STEP - 1]:
        corrections.record(db, corrections.segment(db, segment_id), "negative")
    segment_sentiment.score_pending(db, embedder, min_rated=150)
    assert segment_sentiment.stored_calibration(db, load_head())[1]["fitted_at"] == first["fitted_at"]  # type: ignore[index]
    corrections.record(db, corrections.segment(db, ids[corrections.REFIT_STEP - 1]), "negative")
    segment_sentiment.score_pending(db, embedder, min_rated=150)
    again = segment_sentiment.stored_calibration(db, load_head())[1]  # type: ignore[index]
    assert again["fitted_at"] != first["fitted_at"] and again["corrections"] == corrections.REFIT_STEP


@pytest.mark.slow
def test_the_points_a_calibration_moved_most_are_listed_for_an_analyst(tmp_path: Path, embedder: Embedder,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.test_sentiment_calibration import GARDEN, ROAD

    db = new_warehouse(tmp_path / "w.db")
    add_comments(db, [t.format(n=n) for n in range(2, 27) for t in ROAD], "low", rating=0.0)
    add_comments(db, [t.format(n=n) for n in range(2, 27) for t in GARDEN], "high", rating=1.0)
    store.segment_new(db)
    store.embed_pending(db, embedder)
    assert segment_sentiment.calibration_moves(db, embedder) == []  # nothing scored, no calibration yet
    segment_sentiment.score_pending(db, embedder, min_rated=150)
    assert segment_sentiment.stored_calibration(db, load_head())[1]["applied"] == 1  # type: ignore[index]
    monkeypatch.setattr(segment_sentiment, "MOVED", 0.2)
    moved = segment_sentiment.calibration_moves(db, embedder, limit=500)
    assert moved and all(abs(r["shipped"] - r["model"]) >= 0.2 - 0.01 for r in moved)
    road = {t.format(n=n) for n in range(2, 27) for t in ROAD}
    assert any(r["text"] in road and r["model"] < r["shipped"] for r in moved)  # the road complaint, learnt
    stored = dict(db.execute("select text, sentiment from theme_segments").fetchall())
    assert all(r["model"] == round(stored[r["text"]], 2) for r in moved)
    corrections.record(db, corrections.segment(db, moved[0]["segment_id"]), "negative")
    assert moved[0]["text"] not in {r["text"] for r in segment_sentiment.calibration_moves(db, embedder, limit=500)}


@pytest.mark.slow
def test_the_command_corrects_lists_and_takes_away(edits_fitted: Path, tmp_path: Path, embedder: Embedder,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from feedback.cli import cli

    db = copy_of(edits_fitted, tmp_path)
    segment_sentiment.score_pending(db, embedder)
    _, text, ids = _repeated(db)
    db.close()
    config = tmp_path / "config.yml"
    config.write_text("warehouse: warehouse.db\narchive: archive.db\n", encoding="utf-8")
    runner = CliRunner()
    base = ["--config", str(config), "themes", "--no-publish", "tone"]
    done = runner.invoke(cli, [*base, ids[0], "positive", "--note", "plain praise"])
    assert done.exit_code == 0, done.output
    assert f"\u201c{text}\u201d is corrected to positive: {len(ids)} segments with this text" in done.output
    shown = runner.invoke(cli, [*base, "--list"])
    assert shown.exit_code == 0 and text in shown.output and "positive" in shown.output and "plain praise" in shown.output
    suggested = runner.invoke(cli, [*base, "--suggest", "-n", "3"])
    assert suggested.exit_code == 0, suggested.output
    lines = [line for line in suggested.output.splitlines() if "lexicon" in line]
    assert len(lines) <= 3 and text not in suggested.output  # a corrected text is never suggested again
    assert lines or "agree on every uncorrected point" in suggested.output
    for args, message in [([ids[0]], "give SEGMENT_ID and SIDE"), ([ids[0], "positive", "--clear"], "give SEGMENT_ID"),
                          (["--suggest", ids[0]], "--suggest takes no"),
                          (["--list", ids[0]], "--list takes no"), (["nope", "negative"], "no segment 'nope'")]:
        refused = runner.invoke(cli, [*base, *args])
        assert refused.exit_code != 0 and message in refused.output, (args, refused.output)
    cleared = runner.invoke(cli, [*base, ids[0], "--clear"])
    assert cleared.exit_code == 0 and "no longer corrected" in cleared.output, cleared.output
    assert "no sentiment corrections" in runner.invoke(cli, [*base, "--list"]).output


@pytest.mark.slow
async def test_the_archive_marks_a_corrected_point_and_the_comment_page_says_so(
        edits_fitted: Path, tmp_path: Path, embedder: Embedder) -> None:
    from datasette.app import Datasette

    from feedback.config import Config
    from feedback.pipeline import archive_extensions
    from feedback.publish import publish

    db = copy_of(edits_fitted, tmp_path)
    segment_sentiment.score_pending(db, embedder)
    text_hash, text, ids = _repeated(db)
    archive = tmp_path / "archive.db"

    def marked() -> dict[str, int]:
        return dict(sqlite3.connect(archive).execute("select id, sentiment_corrected from segments").fetchall())

    publish(db, archive, extensions=archive_extensions(Config()))
    assert set(marked().values()) == {0}
    segment_sentiment.correct(db, embedder, ids[0], "positive")
    publish(db, archive, extensions=archive_extensions(Config()))  # the changes since the last publish
    assert {i for i, flag in marked().items() if flag} == set(ids)
    item = db.execute("select item_id from theme_segments where id = ?", [ids[0]]).fetchone()[0]
    ds = Datasette([str(archive)])
    response = await ds.client.get(f"/-/feedback/comments/{item}")
    assert response.status_code == 200
    points = html.unescape(response.text).split('id="segments"', 1)[1].split("</table>", 1)[0].split("<tr>")
    assert [("set by an analyst" in r) for r in points if text in r] == [True], points
    assert sum("set by an analyst" in r for r in points) == 1  # the comment's other points are the model's
    assert f'title="point {ids[0]}: an analyst corrects its sentiment with feedback themes tone {ids[0]} positive' in (
        html.unescape(response.text))  # where the id to correct a point comes from
    overview = html.unescape((await ds.client.get("/-/feedback")).text)
    assert f'id="sentiment-corrected">{len(ids)} points read as your analysts set them' in overview
    segment_sentiment.correct(db, embedder, ids[0], None)
    publish(db, archive, extensions=archive_extensions(Config()))
    assert set(marked().values()) == {0}
    overview = html.unescape((await Datasette([str(archive)]).client.get("/-/feedback")).text)
    assert 'id="sentiment-corrected"' not in overview
    # an archive published before corrections existed: no such column, the pages read as before
    with sqlite3.connect(archive) as old:
        old.execute("drop index if exists idx_segments_corrected")
        old.execute("alter table segments drop column sentiment_corrected")
    before = Datasette([str(archive)])
    for path in ("/-/feedback", f"/-/feedback/comments/{item}"):
        response = await before.client.get(path)
        assert response.status_code == 200 and "set by an analyst" not in response.text, path


def test_suggestions_are_the_points_model_and_lexicon_read_apart_most_shared_first(tmp_path: Path) -> None:
    db = new_warehouse(tmp_path / "w.db")
    points = [("Everyone was really friendly", 0.0, 3),  # the model neutral, the lexicon sure: suggested
              ("Support agreed a refund straight away, which was good", -0.82, 1),  # opposite sides, both sure
              ("The staff were rude and unhelpful.", -0.8, 4),  # both negative: not
              ("When does the store open on Sundays?", 0.0, 5),  # both neutral: not
              ("More reliable delivery times please", 0.0, 6),  # a request: neutral by design, though the lexicon
              ("Could you make the app as great as the shop?", 0.0, 6),  # reads praise in it; a question too
              ("Great service, thank you", 0.9, 2),  # both positive: not
              ("Lovely driver, very kind", -0.1, 2),  # the model faintly negative (not sure), the lexicon sure: not
              ("Brilliant, the best shop in town", 0.0, 2)]  # suggested, but corrected already: not
    n = 0
    for text, score, count in points:
        for _ in range(count):
            db["theme_segments"].insert({"id": f"i{n}:0", "item_id": f"i{n}", "seq": 0, "text": text,
                                         "text_hash": f"h-{text}", "themable": 1, "language": "en", "sentiment": score})
            n += 1
    corrections.record(db, corrections.segment(db, f"i{n - 1}:0"), "positive")
    found = corrections.suggestions(db)
    assert [(r["text"], r["points"], r["model"]) for r in found] == [
        ("Everyone was really friendly", 3, 0.0), ("Support agreed a refund straight away, which was good", 1, -0.82)]
    assert found[0]["segment_id"] == "i0:0" and found[0]["lexicon"] >= corrections.LEXICON_SURE
    assert len(corrections.suggestions(db, limit=1)) == 1


def test_labels_a_correction_leaves_claiming_the_other_side_are_named(tmp_path: Path) -> None:
    db = new_warehouse(tmp_path / "w.db")
    base = {"keywords": "[]", "label_pinned": 0, "level": 0}
    db["themes"].insert_all([
        {**base, "id": 1, "label": "Driver problems", "sentiment": 0.22, "status": "active", "parent_id": 2},
        {**base, "id": 2, "label": "Van praise", "sentiment": -0.3, "status": "parent", "level": 1},
        {**base, "id": 3, "label": "Prices and value", "sentiment": 0.5, "status": "active"},  # claims nothing
        {**base, "id": 4, "label": "Lovely drivers", "sentiment": 0.6, "status": "active"},  # claims what it reads
        {**base, "id": 5, "label": "Late deliveries", "sentiment": 0.9, "status": "active"},  # holds no such point
    ], alter=True)
    for n, theme in enumerate([1, 1, 3, 4]):
        db["theme_segments"].insert({"id": f"i{n}:0", "item_id": f"i{n}", "seq": 0, "text": "The driver was lovely",
                                     "text_hash": "h", "themable": 1, "language": "en", "sentiment": 0.5,
                                     "theme_id": theme})
    assert corrections.contradicted(db, "h") == [(1, "Driver problems", 0.22, "problems"), (2, "Van praise", -0.3, "praise")]


def _unit(cosine: float, axis: int, dim: int = 8) -> np.ndarray:
    """A unit vector at ``cosine`` to the first axis, the rest along ``axis``."""
    out = np.zeros(dim, np.float32)
    out[0], out[axis] = cosine, np.sqrt(1.0 - cosine**2)
    return out


def test_texts_that_read_almost_the_same_are_found_in_the_corrected_texts_themes(tmp_path: Path) -> None:
    db = new_warehouse(tmp_path / "w.db")
    points = [  # text, cosine to the corrected text, the head's score, points, theme
        ("Everyone was really friendly", 1.0, 0.0, 3, 1),  # the corrected text itself
        ("However, everyone was really friendly.", 0.95, 0.0, 1, 1),  # found
        ("Also, everyone was really friendly!", 0.93, 0.02, 2, 1),  # found, first: more points
        ("Everyone was really friendly.", 0.98, 0.3, 4, 1),  # already read positive: not
        ("Everyone was not really friendly", 0.95, 0.0, 1, 1),  # negated: not, however close
        ("The driver was friendly", 0.8, 0.0, 1, 1),  # another point: not
        ("everyone was really friendly", 0.99, 0.0, 1, 2),  # a theme the corrected text is not in: not searched
        ("Everyone was really friendly!!", 0.97, 0.0, 1, 1),  # corrected already: not
        ("Staff were really friendly", 0.99, 0.0, 1, None),  # in no theme: only beside a text in no theme
        ("Staff were really friendly.", 0.98, 0.0, 1, None),
    ]
    n = 0
    for axis, (text, cosine, score, count, theme) in enumerate(points, 1):
        db["embeddings"].insert({"text_hash": f"h{axis}", "model": "m", "model_version": "v", "dim": 8,
                                 "vector": _unit(cosine, axis % 7 + 1).tobytes()})
        for _ in range(count):
            db["theme_segments"].insert({"id": f"i{n}:0", "item_id": f"i{n}", "seq": 0, "text": text,
                                         "text_hash": f"h{axis}", "themable": 1, "language": "en",
                                         "sentiment": score, "theme_id": theme})
            n += 1
    done = db.execute("select id from theme_segments where text = 'Everyone was really friendly!!'").fetchone()[0]
    corrections.record(db, corrections.segment(db, done), "positive")
    found = corrections.alike(db, "m", "v", "h1", "positive")
    assert [(r["text"], r["points"], r["model"], r["cosine"]) for r in found] == [
        ("Also, everyone was really friendly!", 2, 0.02, 0.93), ("However, everyone was really friendly.", 1, 0.0, 0.95)]
    assert found[0]["segment_id"] == "i4:0"
    # to the other side, a text already read positive is not on it yet
    assert [r["text"] for r in corrections.alike(db, "m", "v", "h1", "negative")] == [
        "Everyone was really friendly.", "Also, everyone was really friendly!", "However, everyone was really friendly."]
    assert len(corrections.alike(db, "m", "v", "h1", "positive", limit=1)) == 1
    assert corrections.alike(db, "other model", "v", "h1", "positive") == []  # no vectors of that model
    assert corrections.alike(db, "m", "v", "no such text", "positive") == []
    # a text in no theme (an outlier, a warehouse not yet fitted) is compared with the others in none
    assert [r["text"] for r in corrections.alike(db, "m", "v", "h9", "positive")] == ["Staff were really friendly."]


@pytest.mark.slow
def test_the_command_lists_texts_read_alike_and_corrects_them_with_alike(tmp_path: Path, embedder: Embedder) -> None:
    from feedback.cli import cli

    db = new_warehouse(tmp_path / "warehouse.db")
    plain, variant, negated = ("The van was really clean", "However, the van was really clean.",
                               "The van was not really clean")
    add_comments(db, [plain] * 3 + [variant, negated, "The parking was full again."], "c")
    store.segment_new(db)
    store.embed_pending(db, embedder)
    segment_sentiment.score_pending(db, embedder)
    db["themes"].insert({"id": 1, "label": "Clean vans", "status": "active", "keywords": "[]", "level": 0,
                         "label_pinned": 0, "model": embedder.name, "model_version": embedder.version}, alter=True)
    db.execute("update theme_segments set theme_id = 1")  # one theme holds them all (and names the backend)
    db.conn.commit()
    ids = {text: segment_id for segment_id, text in db.execute("select id, text from theme_segments order by id")}
    scores = dict(db.execute("select text, sentiment from theme_segments").fetchall())
    assert scores[plain] < 0.5 and scores[variant] < 0.05, scores  # the head reads little or no praise in them
    db.close()
    config = tmp_path / "config.yml"
    config.write_text("warehouse: warehouse.db\narchive: archive.db\n", encoding="utf-8")
    runner = CliRunner()
    base = ["--config", str(config), "themes", "--no-publish", "tone"]
    listed = runner.invoke(cli, [*base, ids[plain], "positive"])
    assert listed.exit_code == 0, listed.output
    assert "These read almost the same and are not on that side (positive):" in listed.output
    assert f"\u201c{variant}\u201d" in listed.output and negated not in listed.output and "parking" not in listed.output
    assert f"Correct them too with: feedback themes tone {ids[plain]} positive --alike" in listed.output
    with sqlite3.connect(tmp_path / "warehouse.db") as check:
        assert check.execute("select sentiment from theme_segments where text = ?", [variant]).fetchone()[0] < 0.05
    done = runner.invoke(cli, [*base, ids[plain], "positive", "--alike"])
    assert done.exit_code == 0 and "Also corrected to positive, reading almost the same:" in done.output, done.output
    with sqlite3.connect(tmp_path / "warehouse.db") as check:
        now = dict(check.execute("select text, sentiment from theme_segments").fetchall())
        sides = dict(check.execute("select text, side from sentiment_corrections").fetchall())
    assert now[plain] == now[variant] == 0.5 and sides == {plain: "positive", variant: "positive"}
    assert now[negated] == scores[negated]  # untouched
    again = runner.invoke(cli, [*base, ids[plain], "positive"])
    assert again.exit_code == 0 and "read almost the same" not in again.output  # nothing left to offer
    db = sqlite_utils.Database(tmp_path / "warehouse.db")
    with pytest.raises(ValueError, match="corrected to a side"):  # texts read alike are never cleared in passing
        segment_sentiment.correct(db, embedder, ids[plain], None, alike=[ids[variant]])
    assert dict(db.execute("select text, side from sentiment_corrections").fetchall()) == sides  # nothing lost
    db.close()
    for args, message in [([ids[plain], "--clear", "--alike"], "--alike goes with a SIDE"),
                          (["--suggest", "--alike"], "--suggest takes no"), (["--list", "--alike"], "--list takes no")]:
        refused = runner.invoke(cli, [*base, *args])
        assert refused.exit_code != 0 and message in refused.output, (args, refused.output)
