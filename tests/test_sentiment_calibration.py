"""A company's calibration of the sentiment head on its own rated comments: it learns the company's language."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from feedback.embed import Embedder
from feedback.text import segments as nlp
from feedback.text import sentiment_anchors, sentiment_model
from feedback.text.sentiment_model import (
    Calibration,
    comment_score,
    fit_calibration,
    load_head,
    logits,
    score_segments,
)
from feedback.themes import segment_sentiment, store
from tests.themes_fixtures import add_comments, new_warehouse


def test_the_embedding_delta_learns_a_direction_only_this_company_complains_in() -> None:
    rng = np.random.default_rng(0)
    dim = 8
    vectors = rng.normal(0, 0.3, size=(300, dim))
    vectors[:150, 0] += 1.0  # the first 150 segments use the company's complaint phrase (dimension 0)
    labels = np.array([0] * 150 + [2] * 150)  # ... and their comments were rated low; the rest high
    raw = np.zeros((300, 3))  # the shipped head reads every one of them as nothing in particular
    fitted = fit_calibration(raw, labels, np.ones(300), comments=300, vectors=vectors, ridge=5.0)
    assert fitted.delta is not None and fitted.delta.shape == (3, dim) and not fitted.delta[1].any()
    again = fit_calibration(raw, labels, np.ones(300), comments=300, vectors=vectors, ridge=5.0)
    assert again.version == fitted.version  # deterministic
    phrase, other = np.zeros((1, dim)), np.zeros((1, dim))
    phrase[0, 0] = 1.0
    adjust = lambda v: (v @ fitted.delta.T + np.asarray(fitted.bias))[0]  # noqa: E731
    assert adjust(phrase)[0] - adjust(phrase)[2] > 1.0  # the phrase now leans negative
    assert adjust(other)[2] - adjust(other)[0] > 1.0  # without it, as its peers were rated: positive
    no_delta = fit_calibration(raw, labels, np.ones(300), comments=300)
    assert no_delta.delta is None and no_delta.version != fitted.version


def test_vectors_of_the_wrong_shape_are_refused() -> None:
    with pytest.raises(ValueError, match=r"vectors must be \(n, dim\)"):
        fit_calibration(np.zeros((4, 3)), np.zeros(4, int), np.ones(4), comments=4, vectors=np.zeros((3, 5)))
    with pytest.raises(ValueError, match="delta"):
        Calibration(delta=np.zeros(5, np.float32))


def text_score(text: str, embedder: Embedder, calibration: Calibration | None = None) -> float | None:
    segs = [s for s in nlp.segment(text) if nlp.is_themable(s.clean)]
    return comment_score(score_segments(embedder.encode([s.clean for s in segs]), [s.text for s in segs],
                                        calibration=calibration))


# A hotel on a busy road: its guests complain about a room facing the road in plain words the
# shipped head reads as neutral (0.00), and praise a room facing the garden in words just as plain.
ROAD = ["Room {n} faced the main road.", "Our room looked onto the main road, number {n}.",
        "They gave us room {n}, which is on the road side.", "Room {n} has a window right above the street."]
GARDEN = ["Room {n} faced the garden.", "Our room looked out over the garden, number {n}.",
          "They gave us room {n}, which is on the garden side.", "Room {n} has a window right above the lawn."]


@pytest.mark.slow
def test_a_company_calibration_learns_its_language_and_is_kept_in_the_warehouse(tmp_path: Path,
                                                                               embedder: Embedder) -> None:
    unseen_complaint, unseen_fine = "The bedroom window opened onto the busy road.", "Breakfast is served from seven."
    before = text_score(unseen_complaint, embedder)
    assert before is not None and abs(before) < 0.05, before  # the shipped head reads no complaint in it (-0.0089)
    db = new_warehouse(tmp_path / "w.db")
    low = [template.format(n=n) for n in range(2, 27) for template in ROAD]
    high = [template.format(n=n) for n in range(2, 27) for template in GARDEN]
    add_comments(db, low, "low", rating=0.0)  # 1 star
    add_comments(db, high, "high", rating=1.0)  # 5 stars
    store.segment_new(db)
    store.embed_pending(db, embedder)
    assert segment_sentiment.score_pending(db, embedder, min_rated=150) == 200
    calibration, row = segment_sentiment.stored_calibration(db, load_head())  # type: ignore[misc]
    assert row["applied"] == 1 and row["comments"] + row["checked"] == row["rated"] == 200
    assert row["spearman_after"] > row["spearman_before"]
    assert calibration.delta is not None and calibration.delta.shape == (3, 384)
    after = text_score(unseen_complaint, embedder, calibration)
    assert after is not None and after <= -0.05, after  # learnt: this company's guests complain so
    fine, fine_before = text_score(unseen_fine, embedder, calibration), text_score(unseen_fine, embedder)
    assert fine is not None and fine_before is not None
    assert abs(fine - fine_before) < 0.1, (fine_before, fine)  # an unrelated plain statement is not dragged along
    stored = {r[0]: r[1] for r in db.execute("select text, sentiment from theme_segments")}
    assert np.mean([stored[t] for t in low]) <= -0.05 < 0.05 <= np.mean([stored[t] for t in high])
    # nothing new: neither refitted nor rescored
    fitted_at = row["fitted_at"]
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    assert segment_sentiment.score_pending(db, embedder, min_rated=150) == 0
    db.conn.set_trace_callback(None)
    # the rated items have not grown by a fifth: no pass over every segment to count them (13 s at 1M)
    assert statements and not any("count(distinct s.item_id)" in sql for sql in statements)
    assert segment_sentiment.stored_calibration(db, load_head())[1]["fitted_at"] == fitted_at  # type: ignore[index]


@pytest.mark.slow
def test_too_few_rated_comments_leave_the_head_as_shipped(tmp_path: Path, embedder: Embedder) -> None:
    db = new_warehouse(tmp_path / "w.db")
    add_comments(db, [t.format(n=n) for n in range(3) for t in ROAD], "low", rating=0.0)
    store.segment_new(db)
    store.embed_pending(db, embedder)
    assert segment_sentiment.score_pending(db, embedder) == 12  # default minimum: far more rated comments
    assert segment_sentiment.stored_calibration(db, load_head()) is None
    assert store.get_state(db, segment_sentiment.STATE_KEY)["calibration"] is None


def test_a_corrupt_stored_calibration_is_ignored_and_refitted(tmp_path: Path) -> None:
    db = new_warehouse(tmp_path / "w.db")
    head = load_head()
    db["sentiment_calibration"].insert({"head": head.version, "fitted_at": "2026-01-01", "rated": 12, "comments": 10, "scale": 1.0,
                                        "bias": "[0, 0, 0]", "dim": 384, "delta": b"\x00" * 12, "checked": 2,
                                        "applied": 1})
    assert segment_sentiment.stored_calibration(db, head) is None
    db.execute("update sentiment_calibration set delta = null, bias = 'not json'")
    assert segment_sentiment.stored_calibration(db, head) is None
    raw = logits(np.zeros((1, 384), np.float32), ["fine"], head)
    assert raw.shape == (1, 3)


def _rated_rooms() -> tuple[list[str], np.ndarray, np.ndarray, list[str]]:
    """(owners, bands, vectors, texts) of 200 rated comments, half low and half high, whose vectors
    tell them apart in one direction that the shipped head does not read."""
    rng = np.random.default_rng(1)
    owners = [f"item-{n}" for n in range(200)]
    bands = np.array([0] * 100 + [2] * 100)
    vectors = rng.normal(0, 0.05, size=(200, 384)).astype(np.float32)
    vectors[:100, 0] += 1.0  # what the low-rated comments share
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return owners, bands, vectors, ["Room facing the road."] * 200


def test_a_fit_is_checked_on_the_fifth_it_did_not_see() -> None:
    head = load_head()
    owners, bands, vectors, texts = _rated_rooms()
    raw = logits(vectors, texts, head)
    calibration, figures = segment_sentiment.fit_checked(raw, vectors, texts, owners, bands, head)
    checked = sum(segment_sentiment._checked(o) for o in owners)
    assert figures["checked"] == checked and calibration.comments == 200 - checked and 0 < checked < 200
    assert figures["applied"] == 1 and figures["spearman_after"] > figures["spearman_before"]
    only_checked = [o for o in owners if segment_sentiment._checked(o)]
    with pytest.raises(ValueError, match="both the fitted and the checked part"):
        segment_sentiment.fit_checked(raw[: len(only_checked)], vectors[: len(only_checked)],
                                      texts[: len(only_checked)], only_checked, bands[: len(only_checked)], head)


def test_a_fit_can_be_held_at_one_rung_of_the_ladder() -> None:
    # bench/calibration_companies.py measures each rung: ``ridges`` is the ladder a fit climbs
    head = load_head()
    owners, bands, vectors, texts = _rated_rooms()
    raw = logits(vectors, texts, head)
    fitted = np.array([not segment_sentiment._checked(o) for o in owners])
    weights = np.ones(len(owners))
    for ridge in (segment_sentiment.RIDGES[0], segment_sentiment.RIDGES[-1]):
        held, _ = segment_sentiment.fit_checked(raw, vectors, texts, owners, bands, head, ridges=(ridge,))
        alone = sentiment_model.fit_calibration(raw[fitted], bands[fitted], weights[fitted], comments=int(fitted.sum()),
                                                vectors=vectors[fitted], ridge=ridge)
        assert held.version == alone.version
    first, _ = segment_sentiment.fit_checked(raw, vectors, texts, owners, bands, head, ridges=segment_sentiment.RIDGES[:1])
    last, _ = segment_sentiment.fit_checked(raw, vectors, texts, owners, bands, head, ridges=segment_sentiment.RIDGES[-1:])
    assert first.version != last.version  # the rung matters: the delta is held back harder
    with pytest.raises(ValueError, match="at least one ridge"):
        segment_sentiment.fit_checked(raw, vectors, texts, owners, bands, head, ridges=())


def test_a_calibration_on_ratings_that_do_not_track_sentiment_is_not_applied() -> None:
    # ratings at random (a synthetic warehouse, or a rating that measures something else): the fit
    # may still rank the checked fifth a shade better by chance; that must not re-score every comment
    head = load_head()
    rng = np.random.default_rng(2)
    owners = [f"item-{n}" for n in range(600)]
    vectors = rng.normal(0, 1, size=(600, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    texts = ["Room facing the road."] * 600
    bands = rng.integers(0, 3, 600)
    raw = logits(vectors, texts, head)
    _, figures = segment_sentiment.fit_checked(raw, vectors, texts, owners, bands, head)
    assert figures["applied"] == 0 and abs(figures["spearman_after"]) < segment_sentiment.MIN_AGREEMENT


@pytest.mark.parametrize(("gain", "applied"), [(0.0, False), (0.005, False), (0.3, True)])
def test_a_calibration_must_add_a_clear_gain(gain: float, applied: bool) -> None:
    rng = np.random.default_rng(3)
    truth = rng.integers(0, 3, 400)
    old = truth + rng.normal(0, 1.2, 400)  # the shipped head: agrees with the ratings, with noise
    new = old + gain * (truth - old)  # a calibration pulling the scores towards the ratings
    assert segment_sentiment.worth_applying((old, truth), (new, truth)) is applied


@pytest.mark.parametrize(("readings", "ridges", "applied"), [
    ([0.84, 0.70, 0.83], 2, 1),  # the freest unlearns the anchors, the next keeps them: that one is checked
    ([0.84, 0.84], 1, 1),  # the freest keeps them: as before the ladder
    ([0.84, 0.70, 0.71, 0.72, 0.73], 4, 0),  # none keeps them: not applied
])
def test_the_freest_calibration_that_keeps_the_anchor_sentences_is_checked(
        monkeypatch: pytest.MonkeyPatch, readings: list[float], ridges: int, applied: int) -> None:
    head = load_head()
    owners, bands, vectors, texts = _rated_rooms()
    tried: list[float] = []

    def fit(*args: object, ridge: float, **kwargs: object) -> Calibration:
        tried.append(ridge)
        return fit_calibration(*args, ridge=ridge, **kwargs)  # type: ignore[arg-type, misc]

    agreement = iter(readings)  # the shipped head's reading of the anchors first, then each fit's in turn
    monkeypatch.setattr(segment_sentiment, "fit_calibration", fit)
    monkeypatch.setattr(sentiment_anchors, "agreement", lambda scores, labels: next(agreement))
    anchors = (np.zeros((2, 384), np.float32), ["Great service.", "Awful service."], np.array([2, 0]))
    _, figures = segment_sentiment.fit_checked(logits(vectors, texts, head), vectors, texts, owners, bands, head,
                                               anchors=anchors)
    assert tried == list(segment_sentiment.RIDGES[:ridges])
    assert figures["anchors_after"] == readings[-1] and figures["applied"] == applied, figures


# A survey whose scale was set up the wrong way round (1 = best): its praise is rated low and its
# complaints high. A calibration fitted on it ranks the checked fifth "better" by reading English
# backwards; the anchor sentences catch it.
PRAISE = ["The {x} was lovely, thank you.", "Really happy with the {x}.", "Great {x}, well done."]
COMPLAINTS = ["The {x} was a disgrace.", "Really unhappy with the {x}.", "Awful {x}, never again."]
MILD = ["The {x} was fine, nothing special.", "The {x} was okay I suppose."]
PLAIN = ["I asked about the {x} on Monday.", "The {x} was on the second page.", "We use the {x} every week."]
# things, not people: "The driver was lovely" is read by the lexicon whatever a calibration says (a person praised:
# sentiment.PRAISED_PERSON), so a calibration could not read it backwards
THINGS = ["delivery", "van", "bread", "service", "packing", "chat", "refund", "app", "checkout", "till",
          "fruit", "website", "order", "shop", "parking", "salad", "milk", "queue", "voucher", "slot"]


@pytest.mark.slow
def test_a_calibration_that_unlearns_plain_english_is_not_applied(embedder: Embedder,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # the fitter as it was, free to flatten the head (it read "Not good enough." as 0.00 on the samples)
    monkeypatch.setattr(sentiment_model, "MIN_SCALE", 0.25)
    head = load_head()
    kinds = [(PRAISE, 0), (COMPLAINTS, 2), (MILD, 1)]  # praise rated 1 of 5, complaints 5 of 5
    texts = [t.format(x=x) for x in THINGS for templates, _ in kinds for t in templates]
    bands = np.array([band for _ in THINGS for templates, band in kinds for _ in templates])
    owners = [f"item-{n}" for n in range(len(texts))]
    vectors = embedder.encode(texts)
    anchor_texts, labels = sentiment_anchors.anchors()
    anchors = (embedder.encode(list(anchor_texts)), list(anchor_texts), labels)
    raw = logits(vectors, texts, head)
    calibration, figures = segment_sentiment.fit_checked(raw, vectors, texts, owners, bands, head, anchors=anchors)
    assert figures["spearman_after"] > figures["spearman_before"] + segment_sentiment.MIN_GAIN, figures  # it "helps" ...
    assert figures["anchors_before"] >= 0.8  # the shipped head reads the anchors (0.844)
    assert figures["anchors_after"] < figures["anchors_before"] - segment_sentiment.ANCHOR_SLACK, figures  # ... backwards
    assert figures["applied"] == 0
    # without the anchors the same fit would have been applied
    _, unchecked = segment_sentiment.fit_checked(raw, vectors, texts, owners, bands, head)
    assert unchecked["applied"] == 1 and "anchors_after" not in unchecked, unchecked


def test_the_anchor_sentences_are_read_and_a_bad_line_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = tmp_path / "sentiment_anchors.tsv"
    broken.write_text("# label\ttext\nnegative\tNot good enough.\nangry\tWhere is my parcel?\n", encoding="utf-8")
    monkeypatch.setattr(sentiment_anchors, "PATH", broken)
    sentiment_anchors.anchors.cache_clear()
    with pytest.raises(ValueError, match=r"sentiment_anchors.tsv line 3: want '<negative\|neutral\|positive>"):
        sentiment_anchors.anchors()
    monkeypatch.undo()
    sentiment_anchors.anchors.cache_clear()
    texts, labels = sentiment_anchors.anchors()
    assert len(texts) == len(labels) == 60 and sorted(Counter(labels.tolist()).values()) == [15, 20, 25]
    assert sentiment_anchors.agreement(np.array([-0.5, 0.0, 0.04, 0.9]), np.array([0, 1, 1, 2])) == 1.0
    assert sentiment_anchors.agreement(np.array([0.5, 0.0, -0.5, -0.9]), np.array([0, 1, 1, 2])) == round(
        (0 + 2 / 3 + 0) / 3, 4)


def test_a_calibration_applied_before_the_anchor_check_is_fitted_again(tmp_path: Path, embedder: Embedder) -> None:
    db = new_warehouse(tmp_path / "w.db")
    head = load_head()
    db["sentiment_calibration"].insert({"head": head.version, "fitted_at": "2026-01-01", "rated": 200, "comments": 160,
                                        "scale": 0.25, "bias": "[0, 0, 0]", "dim": 384, "delta": None, "checked": 40,
                                        "applied": 1})
    assert segment_sentiment.stored_calibration(db, head) is not None
    add_comments(db, [t.format(n=n) for n in range(2, 27) for t in ROAD], "low", rating=0.0)
    add_comments(db, [t.format(n=n) for n in range(2, 27) for t in GARDEN], "high", rating=1.0)
    store.segment_new(db)
    store.embed_pending(db, embedder)
    segment_sentiment.score_pending(db, embedder, min_rated=150)
    _, row = segment_sentiment.stored_calibration(db, head)  # type: ignore[misc]
    assert row["fitted_at"] != "2026-01-01" and row["anchors_after"] is not None


@pytest.mark.slow
@pytest.mark.parametrize("applied", [0, 1])
def test_a_calibration_stored_by_an_older_fitter_is_fitted_once_more(tmp_path: Path, embedder: Embedder,
                                                                    applied: int) -> None:
    # left unapplied (fitter 1: one ridge), or applied with the contrasts of rated comments in its fit (fitter 2)
    db = new_warehouse(tmp_path / "w.db")
    head = load_head()
    db["sentiment_calibration"].insert({"head": head.version, "fitted_at": "2026-01-01", "rated": 200, "comments": 160,
                                        "scale": 1.0, "bias": "[0, 0, 0]", "dim": 384, "delta": None, "checked": 40,
                                        "applied": applied, "anchors_before": 0.84, "anchors_after": 0.70})
    if applied:
        store.set_state(db, segment_sentiment.FITTER_KEY, "2")
    add_comments(db, [t.format(n=n) for n in range(2, 27) for t in ROAD], "low", rating=0.0)
    add_comments(db, [t.format(n=n) for n in range(2, 27) for t in GARDEN], "high", rating=1.0)
    store.segment_new(db)
    store.embed_pending(db, embedder)
    segment_sentiment.score_pending(db, embedder, min_rated=150)  # as many rated comments: only the fitter is new
    _, row = segment_sentiment.stored_calibration(db, head)  # type: ignore[misc]
    assert row["fitted_at"] != "2026-01-01" and row["applied"] == 1, row
    assert store.get_state(db, segment_sentiment.FITTER_KEY) == segment_sentiment.FITTER_VERSION
    db.execute("update sentiment_calibration set applied = 0, fitted_at = '2026-01-02'")  # now by this fitter:
    segment_sentiment.score_pending(db, embedder, min_rated=150)  # kept until the rated comments grow
    assert segment_sentiment.stored_calibration(db, head)[1]["fitted_at"] == "2026-01-02"  # type: ignore[index]


def test_a_rated_comments_contrast_is_left_out_of_the_fit() -> None:
    # a low-rated comment: "Late again." (read -0.9) and "However, the pears were really fresh." (read +0.5); the
    # rating is the complaint's, not the praise's. A high-rated one with a grumble beside its praise likewise.
    owners = ["low", "low", "high", "high", "high", "alone", "mixed", "mixed", "quiet", "quiet"]
    bands = np.array([0, 0, 2, 2, 2, 0, 1, 1, 0, 0])
    scores = np.array([-0.9, 0.5, 0.8, -0.4, 0.0, 0.6, -0.7, 0.7, 0.0, 0.4])
    assert segment_sentiment.contrasts(scores, owners, bands).tolist() == [
        False, True,  # the praise beside the complaint of a low rating
        False, True, False,  # the grumble beside the praise of a high rating; a plain statement stays
        False,  # praise alone in a low-rated comment: nothing else accounts for its rating (the company's language)
        False, False,  # a middle rating: no side to contradict
        False, False,  # nothing read on the rating's side: the praise may be how this company complains
    ]


def test_a_fit_leaves_the_contrasts_out_and_each_comment_weighs_one() -> None:
    head = load_head()
    owners, bands, vectors, texts = _rated_rooms()
    # every low-rated comment also says, in a second segment, what the head reads as clear praise
    praise = "The staff were lovely and the room was spotless, thank you so much!"
    owners2 = owners + [o for o, b in zip(owners, bands, strict=True) if b == 0]
    bands2 = np.concatenate([bands, np.zeros(100, int)])
    vectors2 = np.vstack([vectors, np.tile(vectors[:1], (100, 1))])
    texts2 = texts + [praise] * 100
    raw = logits(vectors2, texts2, head)
    shipped = score_segments(vectors2, texts2, head)
    assert (shipped[200:] > 0).all() and (shipped[:100] < 0).any()  # the premise: praise beside a complaint read as one
    dropped = segment_sentiment.contrasts(shipped, owners2, bands2)
    calibration, figures = segment_sentiment.fit_checked(raw, vectors2, texts2, owners2, bands2, head)
    fitted = np.array([not segment_sentiment._checked(o) for o in owners2]) & ~dropped
    assert figures["contrasts"] == int((dropped & np.array([not segment_sentiment._checked(o) for o in owners2])).sum())
    assert figures["contrasts"] > 0
    kept = Counter(o for o, f in zip(owners2, fitted, strict=True) if f)
    alone = sentiment_model.fit_calibration(raw[fitted], bands2[fitted], np.array([1.0 / kept[o] for o in np.array(owners2)[fitted]]),
                                            comments=len(kept), vectors=vectors2[fitted], ridge=segment_sentiment.RIDGES[0])
    assert calibration.version == alone.version
