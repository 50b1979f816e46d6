"""Segment sentiment: the shipped head, its cues, calibration, and the warehouse step that uses it."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sqlite_utils

from feedback.embed import Embedder
from feedback.text import segments as nlp
from feedback.text.nothing_said import courtesy, prior_doubt, says_nothing
from feedback.text.sentiment import saying_reading, saying_side
from feedback.text.sentiment_model import (
    CLASSES,
    HEAD_FEATURES,
    HEAD_PATH,
    Calibration,
    SentimentHead,
    comment_score,
    comment_score_sql,
    cues,
    dead_zone,
    fit_calibration,
    load_head,
    logits,
    probabilities,
    published_sentiment_sql,
    read_head,
    score_segments,
)
from feedback.themes import segment_sentiment, store
from tests.conftest import shared
from tests.themes_fixtures import add_comments, new_warehouse

ROOT = Path(__file__).resolve().parent.parent


def segment_scores(text: str, embedder: Embedder) -> list[tuple[str, float]]:
    """(segment, score) as the theme stage scores a comment's themable segments."""
    segs = [s for s in nlp.segment(text) if nlp.is_themable(s.clean)]
    scores = score_segments(embedder.encode([s.clean for s in segs]), [s.text for s in segs])
    return [(s.text, float(v)) for s, v in zip(segs, scores, strict=True)]


def text_score(text: str, embedder: Embedder) -> float | None:
    return comment_score([score for _, score in segment_scores(text, embedder)])


# --- the shipped head ------------------------------------------------------------------------


def test_the_shipped_head_loads_and_is_small() -> None:
    head = load_head()
    assert (head.model, head.dim, head.features) == ("all-MiniLM-L6-v2", 384, HEAD_FEATURES)
    assert head.coef.shape == (len(CLASSES), 384 + len(HEAD_FEATURES))
    assert 0 < head.band < 1
    assert HEAD_PATH.stat().st_size < 2_000_000


@pytest.mark.parametrize("content", [b"", b"not an npz", b"PK\x03\x04broken zip"])
def test_a_broken_head_file_is_refused_with_its_path(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "head.npz"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="not a sentiment head"):
        read_head(path)


def test_a_head_for_other_features_or_shapes_is_refused(tmp_path: Path) -> None:
    head = load_head()
    with pytest.raises(ValueError, match="features"):
        SentimentHead(head.coef, head.intercept, head.model, head.dim, head.band, features=HEAD_FEATURES[:-1])
    with pytest.raises(ValueError, match="coef has shape"):
        SentimentHead(head.coef[:, :-1], head.intercept, head.model, head.dim, head.band)
    with pytest.raises(ValueError, match=r"expected an \(n, 384\) matrix"):
        score_segments(np.zeros((2, 10), np.float32), ["a", "b"])
    with pytest.raises(ValueError, match="2 texts for 1 vectors"):
        score_segments(np.zeros((1, 384), np.float32), ["a", "b"])
    head.save(tmp_path / "copy.npz")
    again = read_head(tmp_path / "copy.npz")
    assert again.version == head.version and np.array_equal(again.coef, head.coef)


# --- the examples, with the real model -----------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(("text", "sign"), [
    ("Refunds take forever. 11 days and counting for £16.55", -1),
    ("money still hasn't arrived", -1),
    ("Where is my order?", -1),  # 0.00 before: chasing what has not come is a complaint (sentiment.IDIOMS)
    ("What time does the store open on Sundays?", 0),
    ("The parcel was delivered on Tuesday.", 0),
    ("Lovely shop, always clean and the team is welcoming.", 1),
    ("Great value for money, I will definitely order again.", 1),
    ("Lovely staff, nothing is too much trouble.", 1),  # 0.00 before the lexicon read the saying (sentiment.IDIOMS)
    ("Could be better.", -1),  # 0.00 before
])
def test_complaints_questions_and_praise(embedder: Embedder, text: str, sign: int) -> None:
    score = text_score(text, embedder)
    assert score is not None
    if sign == 0:
        assert abs(score) < 0.05, score  # read as neutral by the product's -0.05 / 0.05 cut-offs
    else:
        assert score * sign >= 0.05, score


@pytest.mark.slow
@pytest.mark.parametrize(("text", "sign"), [
    # a request that says something is broken or not done is a complaint (0.00 before lexicon 28: a request)
    ("Fix the self checkouts so we don't have to queue.", -1),
    ("Please fix your app.", -1),
    ("Get the billing right first time.", -1),
    ("Be on time with deliveries, that's all.", -1),
    ("Test your app updates before releasing them.", -1),
    ("Answer your phones.", -1),
    ("Do your job.", -1),
    ("Charged me twice for one order, sort it out.", -1),
    ("Can you sort my account out please?", -1),
    ("The engineer will sort it out tomorrow.", 0),  # told, not asked
    # a wish for something new stays a request, neutral; and a fix told as done is praise
    ("Add PayPal at checkout.", 0),
    ("More staff at the weekend please.", 0),
    ("Can you fix a time for the engineer to come?", 0),  # "fix a time": arrange, nothing broken
    ("They fixed the app the same day, brilliant.", 1),
])
def test_a_request_to_put_right_what_is_wrong_is_a_complaint(embedder: Embedder, text: str, sign: int) -> None:
    score = text_score(text, embedder)
    assert score is not None
    if sign == 0:
        assert abs(score) < 0.05, score
    else:
        assert score * sign >= 0.05, score


@pytest.mark.slow
@pytest.mark.parametrize(("text", "complaint"), [
    # what a company has still not done, told plainly, is a complaint (the head read such tweets neutral before lexicon
    # 29; bench/sentiment_quality.py --complaints)
    ("Still waiting for my refund, it's been a fortnight.", True),
    ("I emailed on Monday and have not heard back.", True),
    ("You still haven't replied to my message.", True),
    ("Still no response from your team.", True),
    ("Still can't log in to my account.", True),
    # waiting for what is wanted, and a reply that came, are not
    ("Still waiting for the new series, can't wait!", False),
    ("They got back to me the same day.", False),
    ("The engineer replied within the hour.", False),
])
def test_what_is_still_not_done_is_a_complaint(embedder: Embedder, text: str, complaint: bool) -> None:
    score = text_score(text, embedder)
    assert score is not None
    assert (score <= -0.05) is complaint, score


@pytest.mark.slow
@pytest.mark.parametrize(("text", "praise"), [
    ("The mushrooms were really fresh.", True),  # the head alone: 0.00
    ("However, the new potatoes were really fresh.", True),  # the head alone: -0.60
    ("The fish was fresh.", True),
    ("The fish wasn't fresh.", False), ("The bread was not very fresh.", False),
])
def test_fresh_food_reads_as_praise_and_stale_food_not(embedder: Embedder, text: str, praise: bool) -> None:
    score = text_score(text, embedder)
    assert score is not None and (score >= 0.05 if praise else score <= -0.05), score


@pytest.mark.slow
@pytest.mark.parametrize("text", ["Thanks for the quick response to my query.",
                                  "The staff at the counter were really helpful and patient."])
def test_thanks_and_praise_of_people_read_clearly_positive(embedder: Embedder, text: str) -> None:
    # +0.34 and +0.37 with head 4ebac6e9eb91 (its reviews thank nobody), +0.95 and +0.55 with 0cf8b73b54a0, which learnt
    # from GoEmotions' comments: a head that reads them faintly again is noticed
    score = text_score(text, embedder)
    assert score is not None and score >= 0.5, score


# Complaints written for this test (not taken from any data set the head was trained or measured on):
# waits, unanswered contact, money taken and not returned, told in plain words with no "bad" word.
COMPLAINTS = [
    "Still waiting on my refund.",
    "I've been on hold for 40 minutes and nobody has picked up.",
    "Third time I've asked for a callback, still nothing.",
    "The app says delivered but there is no parcel at my door.",
    "Charged twice for the same order and no one will sort it out.",
    "Nobody has answered my email from last Monday.",  # -0.01 with head 4ebac6e9eb91, -0.42 with 0cf8b73b54a0
    # known misses of the shipped head 0cf8b73b54a0, kept so that a head that gets them right is noticed (strict:
    # the test fails when it starts passing). "replacement card" read -0.25 with 4ebac6e9eb91, -0.03 with
    # a1ca8c0b84f8 and -0.04 with 0cf8b73b54a0 (just inside the product's cut-off: the GoEmotions comments it learnt
    # from took the edge off it; bench/RESULTS.md 2026-12-03 18:40); "out of pocket" read 0.00 with aa50b8ebb7ea,
    # +0.37 with 1b7826ffd925, +0.29 with 4ebac6e9eb91, +0.15 with a1ca8c0b84f8 and +0.02 with 0cf8b73b54a0
    # (clothing reviews make "a month ago" praise).
    # the head reads it -0.04 (every head since a1ca8c0b84f8): a thing owed that has not come is a saying of the
    # lexicon since version 38, whose reading it takes (-0.42)
    "Two weeks and my replacement card hasn't come.",
    "My new card hasn't come yet.",
    pytest.param("I returned the jacket a month ago and I'm still out of pocket.",
                 marks=pytest.mark.xfail(strict=True, reason="known miss of heads aa50b8ebb7ea to 0cf8b73b54a0")),
]


@pytest.mark.slow
@pytest.mark.parametrize("text", COMPLAINTS)
def test_plain_complaints_read_negative(embedder: Embedder, text: str) -> None:
    score = text_score(text, embedder)
    assert score is not None and score <= -0.05, score


@pytest.mark.slow
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Do you ship to Ireland?", 0.0),  # the head -0.11: its topic, not its tone
        ("How do I report a lost bag?", 0.0),  # the head -0.23
        ("Is there a delay at ORD?", 0.0),  # the head -0.27
        ("Why is my flight delayed again?", None),  # heat: the head's reading stays
        ("Where is my bag?", None),  # a chase: the saying's reading stays
    ],
)
def test_a_plain_question_reads_neutral(embedder: Embedder, text: str, expected: float | None) -> None:
    [(_, score)] = segment_scores(text, embedder)
    if expected is None:
        assert score <= -0.3
    else:
        assert score == expected


@pytest.mark.slow
@pytest.mark.parametrize("text", ["lost my luggage, still no call back", "can I bring my dog on the plane?",
                                  "no one at the gate to help us"])
def test_a_handle_is_read_as_nothing(embedder: Embedder, text: str) -> None:
    [(_, plain)] = segment_scores(text, embedder)
    [(_, addressed)] = segment_scores(f"@united {text}", embedder)  # its cues read "united" (+1.8) and no question
    assert addressed == plain


@pytest.mark.slow
def test_each_segment_has_its_own_sign(embedder: Embedder) -> None:
    (driver, one), (food, two) = segment_scores("the driver was lovely but the food came late", embedder)
    assert (driver, food) == ("the driver was lovely", "the food came late")
    assert one > 0.05 and two < -0.05


@pytest.mark.slow
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Can't fault them.", 0.5719),  # the head -0.72 ("fault"): the saying's side wins, read by the lexicon
        ("Cheaper than the supermarket down the road.", 0.6486),  # head -0.01 (neutral band)
        ("Prices are lower than elsewhere.", 0.6486),  # head -0.31 ("lower")
        ("Delivery was quicker than expected.", 0.6249),  # the head agrees more faintly (+0.58): the lexicon's
        ("Brilliant service, can't fault them at all!", 0.8313),  # likewise (the head +0.23)
        ("Could be better.", -0.5572),  # the head agrees, more strongly than the lexicon (-0.49): the head's
        ("Never again, absolutely awful service.", -0.999),  # likewise (the lexicon -0.75)
        ("Support agreed a refund straight away, which was good", 0.8885),  # the head -0.83: a refund, its topic
        ("Great job losing my luggage.", -0.4767),  # the head +0.30: thanks for a harm is a complaint
        ("Love being on hold for an hour.", -0.4404),  # the head +0.32
        ("Great, another delay.", -0.8465),  # 0.00 before: sarcasm; its cues now read the saying, and the head agrees
        ("So much for on-time delivery.", -0.4939),  # the head +0.74 ("on-time")
        ("My refund came through today, thank you.", 0.7717),  # the head -0.68: a refund, its topic
        ("All my websites are down!", -0.5093),  # the head 0.00: an outage of many (lexicon 30)
        ("I have messaged you twice and not heard back yet.", -0.6376),  # 0.00 before lexicon 29; its cues read it now
        ("It's always something.", -0.4019),  # +0.32 before lexicon 31: a problem that keeps coming back
        ("It's always traffic.", -0.5803),  # 0.00 before (the sample archive's "Traffic comments")
        ("There's always something to do here.", 0.4652),  # not the saying: as before
        ("When it finally came the driver just said traffic.", -0.4019),  # 0.00 before lexicon 32: an excuse was all
        ("The driver said traffic was light today so he was early.", -0.0),  # not the saying: as before
        ("Live chat said I was number 34 in the queue.", -0.44),  # 0.00 before lexicon 34: a long queue
        ("I'm 27th in line on the phone.", -0.44),
        # lexicon 35: an order that came as it should, service done quickly or as promised (the head read the topic)
        ("Everything arrived as ordered.", 0.4404),  # the head -0.04
        ("Nothing missing, nothing broken.", 0.7713),  # the head -0.75
        ("Order was complete.", 0.4404),  # the head -0.49
        ("Reasonable prices and no silly minimum spend.", 0.4263),  # the head -0.21 (the samples' 14 comments)
        ("Refund was processed the same day.", 0.1779),  # the head -0.88: a refund, its topic
        ("Cancelled my subscription in one click.", 0.2263),  # the head -0.91
        ("Installation went without a hitch.", 0.3182),  # the head -0.68
        ("They called back when they said they would.", 0.3818),  # the head -0.36
        ("The parcel came a day early.", 0.2484),  # lexicon 36; the head 0.00
        ("It was not as described.", -0.73),  # not the saying: the head's, as before
        ("Refund was processed the same day but never arrived.", -0.99),  # taken back after it: the head's
    ],
)
def test_a_saying_read_against_its_words_takes_the_lexicons_side(embedder: Embedder, text: str,
                                                                  expected: float) -> None:
    assert [score for _, score in segment_scores(text, embedder)] == [pytest.approx(expected, abs=0.02)]


@pytest.mark.slow
def test_a_lexicon_reading_on_the_other_side_of_its_saying_is_not_taken(embedder: Embedder) -> None:
    # "had to chase" reads "frustrating", which VADER's negation ("not applied, frustrating") turned to +0.34: the
    # complaint read as praise. A reading against the saying's own side is no reading of it.
    text = "Multibuy offer not applied, had to chase it."
    assert saying_reading(text) > 0 and saying_side(text) == -1
    [(_, score)] = segment_scores(text, embedder)
    assert score <= 0, score


@pytest.mark.slow
@pytest.mark.parametrize(
    ("text", "head"),
    [  # what the head b42d16adfb61 reads: "was so" tells of expectations in the reviews it learnt from
        ("The driver was so kind.", 0.0),
        ("[NAME] on the tills was so kind when my card got declined.", 0.0),
        ("He was so polite.", -0.13),  # -0.11 by the heads before b42d16adfb61
        ("Everyone was so nice.", 0.0),  # not read as praise
        ("The lady on live chat, [NAME], was really helpful and patient with me", 0.0),  # a name between commas
    ],
)
def test_a_person_praised_reads_as_praise(embedder: Embedder, text: str, head: float) -> None:
    vectors = embedder.encode([text])
    proba = probabilities(logits(vectors, [text], load_head()))
    assert dead_zone(proba[:, 2] - proba[:, 0], load_head().band, load_head().praise_band)[0] == pytest.approx(head, abs=0.02)
    [score] = score_segments(vectors, [text])  # the lexicon's reading of a person praised
    assert score >= 0.5, score


@pytest.mark.slow
@pytest.mark.parametrize("text", ["The staff were kind of rude.", "The driver wasn't very friendly.",
                                  "The cashier was helpful but the queue took forever.",
                                  "The friendly driver was late again.", "Not friendly staff at all."])
def test_a_person_not_praised_stays_a_complaint(embedder: Embedder, text: str) -> None:
    assert text_score(text, embedder) <= -0.05


@pytest.mark.slow
@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("@northjet you lost my suitcase between Madrid and Leeds, please help me find it.", -1),
        ("Please help, my flight was cancelled and nobody at the gate knows what to do.", -1),
        ("The crew were brilliant with my kids, can you let them know?", 1),
    ],
)
def test_what_a_request_tells_is_read_not_the_request(embedder: Embedder, text: str, sign: int) -> None:
    vectors = embedder.encode([text])
    assert score_segments(vectors, [text]) == [0.0]  # the request reads the segment neutral
    [score] = score_segments(vectors, [text], embed=embedder.encode)
    assert score * sign >= 0.05, score


@pytest.mark.slow
@pytest.mark.parametrize(
    ("text", "whole", "read"),
    [
        # read neutral as a whole: what went wrong before "so I" is what it tells
        ("The promotion price didn't come off so I paid full price for the Greek yoghurt.", 0.0, -0.7473),
        # not neutral as a whole: the whole is read, whatever came before "so I"
        ("I was worried about sizing so I ordered up and it fits perfectly.", 0.9937, 0.9937),
        ("The strap broke on the first day so I sent it back.", -0.8543, -0.8543),
    ],
)
def test_what_went_wrong_before_so_i_is_read_when_the_whole_says_nothing(embedder: Embedder, text: str,
                                                                         whole: float, read: float) -> None:
    vectors = embedder.encode([text])
    assert score_segments(vectors, [text]).tolist() == [pytest.approx(whole, abs=0.02)]
    assert score_segments(vectors, [text], embed=embedder.encode).tolist() == [pytest.approx(read, abs=0.02)]


# --- pure pieces ------------------------------------------------------------------------------


def test_cues_see_questions_and_unresolved_waits() -> None:
    names = dict(zip(HEAD_FEATURES, cues("Where is my order? It still hasn't arrived after 11 days"), strict=True))
    assert names["question_mark"] == 1 and names["question_start"] == 1
    assert names["unresolved"] == 1 and names["duration"] == 1 and names["persistence"] == 0.5
    plain = dict(zip(HEAD_FEATURES, cues("The staff were lovely"), strict=True))
    assert plain["question_mark"] == plain["unresolved"] == plain["negation"] == 0 and plain["vader_pos"] > 0


@pytest.mark.parametrize(("raw", "band", "expected"), [
    ([0.0, 0.2, -0.3, 0.65, -1.0, 1.0], 0.3, [0.0, 0.0, 0.0, 0.5, -1.0, 1.0]),
    ([0.1, -0.1], 0.0, [0.1, -0.1]),
])
def test_dead_zone_cuts_the_neutral_band_and_keeps_order(raw: list[float], band: float, expected: list[float]) -> None:
    assert dead_zone(np.array(raw), band).tolist() == pytest.approx(expected)


def test_praise_needs_the_wider_band_a_complaint_the_narrower() -> None:
    raw = np.array([-0.25, 0.25, -0.6, 0.6, 0.3, -1.0, 1.0])
    assert dead_zone(raw, 0.2, 0.3).tolist() == pytest.approx([-0.0625, 0.0, -0.5, 3 / 7, 0.0, -1.0, 1.0])
    assert dead_zone(raw, 0.2, None).tolist() == dead_zone(raw, 0.2).tolist()


def test_the_praise_band_is_kept_in_the_file_and_in_the_version(tmp_path: Path) -> None:
    head = load_head()
    assert head.praise_band is not None and head.band < head.praise_band < 1
    one_band = replace(head, praise_band=None)
    one_band.save(tmp_path / "one.npz")
    head.save(tmp_path / "two.npz")
    assert read_head(tmp_path / "one.npz").praise_band is None
    assert read_head(tmp_path / "two.npz").praise_band == head.praise_band
    # a head whose two bands agree keeps the version a one-band head had; a new praise band is a new head
    assert replace(head, praise_band=head.band).version == one_band.version != head.version
    with pytest.raises(ValueError, match="bands must be in"):
        replace(head, praise_band=1.0)
    with np.load(tmp_path / "two.npz") as data:  # a file whose praise band is out of range or not a number
        arrays = {name: data[name] for name in data.files}
    for wrong in (1.5, "wide"):
        info = json.loads(str(arrays["info"]))
        arrays["info"] = np.array(json.dumps({**info, "praise_band": wrong}))
        np.savez_compressed(tmp_path / "wrong.npz", **arrays)
        with pytest.raises(ValueError, match="not a sentiment head"):
            read_head(tmp_path / "wrong.npz")


@pytest.mark.parametrize(("scores", "expected"), [
    ([], None),
    ([None], None),
    ([0.5], 0.5),
    ([0.6, -0.3], 0.15),
    ([0.0, 0.0, -0.6], -0.2),  # a neutral question beside a complaint: still negative
    ([0.2, None, 0.4], 0.3),
])
def test_comment_score_is_the_mean_of_its_segments(scores: list[float | None], expected: float | None) -> None:
    assert comment_score(scores) == (pytest.approx(expected) if expected is not None else None)
    db = sqlite_utils.Database(memory=True)
    db.execute("create table t (v float)")
    db.conn.executemany("insert into t values (?)", [(v,) for v in scores])
    sql = db.execute(f"select {comment_score_sql('v')} from t").fetchone()[0]
    assert sql == (pytest.approx(expected) if expected is not None else None)


def test_calibration_moves_the_bias_towards_a_skewed_company() -> None:
    rng = np.random.default_rng(0)
    raw = rng.normal(0, 1, size=(400, 3))
    complaints = fit_calibration(raw, np.zeros(400, int), np.ones(400), comments=400)
    praise = fit_calibration(raw, np.full(400, 2), np.ones(400), comments=400)
    assert complaints.bias[0] > 1.0 > 0.0 > complaints.bias[2]
    assert praise.bias[2] > 1.0 > 0.0 > praise.bias[0]
    assert complaints == fit_calibration(raw, np.zeros(400, int), np.ones(400), comments=400)  # deterministic
    balanced = fit_calibration(raw, rng.integers(0, 3, 400), np.ones(400), comments=400)
    assert abs(balanced.bias[0]) < 0.3 and abs(balanced.bias[2]) < 0.3


@pytest.mark.parametrize(("value", "error"), [
    ({"scale": 1.0, "bias": [0.1, 0.0]}, "3 biases"),
    ({"bias": [0, 0, 0]}, "scale"),
])
def test_a_broken_stored_calibration_is_refused(value: dict[str, object], error: str) -> None:
    with pytest.raises((ValueError, KeyError), match=error):
        Calibration.from_json(value)


def test_calibration_input_is_checked() -> None:
    with pytest.raises(ValueError, match=r"\(n, 3\)"):
        fit_calibration(np.zeros((4, 2)), np.zeros(4, int), np.ones(4), comments=4)
    with pytest.raises(ValueError, match="CLASSES indices"):
        fit_calibration(np.zeros((2, 3)), np.array([0, 3]), np.ones(2), comments=2)


# --- in the warehouse -------------------------------------------------------------------------


def _published(db: sqlite_utils.Database) -> dict[str, float | None]:
    return {r[0]: r[1] for r in db.execute(
        f"select p.item_id, {published_sentiment_sql('p')} from processed p order by p.item_id")}


@pytest.mark.slow
def test_the_theme_stage_scores_segments_and_comments_follow(tmp_path: Path, embedder: Embedder) -> None:
    db = new_warehouse(tmp_path / "w.db")
    late, mixed, question, french = add_comments(db, [
        "Refunds take forever. 11 days and counting for £16.55",
        "the driver was lovely but the food came late",
        "What time does the store open on Sundays?",
    ], "t") + add_comments(db, ["La livraison était en retard."], "f", language="fr")
    store.segment_new(db)
    # the lexicon's reading (0.00 as the issue found it; "take forever" is slow, "11 days and counting" a running wait)
    assert _published(db)[late] == -0.3682
    store.embed_pending(db, embedder)
    assert segment_sentiment.score_pending(db, embedder) == 5  # 2 + 2 + 1 English segments
    seg = {r[0]: r[1] for r in db.execute("select id, sentiment from theme_segments")}
    assert seg[f"{mixed}:0"] > 0.05 and seg[f"{mixed}:1"] < -0.05
    assert seg[f"{french}:0"] is None  # no language the head or the lexicon reads
    published = _published(db)
    assert published[late] < -0.05 and abs(published[question]) < 0.05 and published[french] is None
    assert published[mixed] == comment_score([seg[f"{mixed}:0"], seg[f"{mixed}:1"]])
    # a rerun scores only what is new; a new comment is scored
    assert segment_sentiment.score_pending(db, embedder) == 0  # nothing new: nothing scored again
    (parcel,) = add_comments(db, ["The parcel came late."], "n")
    store.segment_new(db)
    store.embed_pending(db, embedder)
    assert segment_sentiment.score_pending(db, embedder) == 1
    assert _published(db)[parcel] < -0.05
    state = store.get_state(db, segment_sentiment.STATE_KEY)
    assert state["head"] == load_head().version and state["calibration"] is None
    assert state["lexicon"] == segment_sentiment.LEXICON_VERSION
    # a new lexicon (the head's cues) scores every segment again, once; as does a state from before it was kept
    store.set_state(db, segment_sentiment.STATE_KEY, {**state, "lexicon": "1"})
    assert segment_sentiment.score_pending(db, embedder) == 6
    assert segment_sentiment.score_pending(db, embedder) == 0
    store.set_state(db, segment_sentiment.STATE_KEY, {k: v for k, v in state.items() if k != "lexicon"})
    assert segment_sentiment.score_pending(db, embedder) == 6


@pytest.mark.slow
def test_a_reviews_title_counts_in_its_sentiment(tmp_path: Path, embedder: Embedder) -> None:
    """A polite review headed "Disappointed" is no praise: its title is read as a point of its own, before its text,
    in no theme. The same words with a title from another channel (an e-mail's subject) read as before, on the text
    alone."""
    db = new_warehouse(tmp_path / "w.db")
    body = "It looked lovely online and the delivery was fast."
    review, email = add_comments(db, [body, body], "t")
    for item_id, channel in ((review, "review"), (email, "email")):
        db.execute("update items set channel = ?, title = 'Disappointed' where id = ?", [channel, item_id])
        db.execute("update processed set title = 'Disappointed', text_hash = ? where item_id = ?",
                   [f"{item_id}:titled", item_id])
    store.segment_new(db)
    assert store.embed_pending(db, embedder) == 2  # the title's point and the text (the e-mail's is the same text)
    assert segment_sentiment.score_pending(db, embedder) == 3  # the review's title and text, the e-mail's text
    published = _published(db)
    assert published[review] < -0.05 < 0.05 < published[email]  # -0.30 and +0.37 with head 241951a61949
    # the title's point is scored, but the themes are made and assigned without it
    assert sorted(store.segment_vectors(db, embedder)[0]) == sorted([f"{review}:1", f"{email}:0"])


@pytest.mark.slow
def test_another_embedding_model_keeps_the_lexicon(tmp_path: Path, embedder: Embedder) -> None:
    class Other:
        name, version = "other-model", "1"

        def encode(self, texts: list[str]) -> np.ndarray:
            return embedder.encode(texts)

    db = new_warehouse(tmp_path / "w.db")
    (item,) = add_comments(db, ["money still hasn't arrived"], "t")
    store.segment_new(db)
    store.embed_pending(db, Other())
    assert segment_sentiment.score_pending(db, Other()) == 0
    assert db.execute("select sentiment from theme_segments").fetchone()[0] == pytest.approx(0.0, abs=1.0)
    assert _published(db)[item] == db.execute("select sentiment from theme_segments").fetchone()[0]


@pytest.mark.slow
def test_a_company_rated_in_one_band_is_fitted_but_not_applied(tmp_path: Path, embedder: Embedder) -> None:
    db = new_warehouse(tmp_path / "w.db")
    texts = [f"The delivery of order {n} arrived on day {n % 7 + 1}." for n in range(24)]
    add_comments(db, texts, "low", rating=0.0)  # factual texts, every one rated 1 star
    store.segment_new(db)
    store.embed_pending(db, embedder)
    assert segment_sentiment.score_pending(db, embedder, min_rated=None) == 24
    plain = [r[0] for r in db.execute("select sentiment from theme_segments order by id")]
    assert segment_sentiment.score_pending(db, embedder, min_rated=20) == 0  # nothing new, nothing applied
    calibration, row = segment_sentiment.stored_calibration(db, load_head())  # type: ignore[misc]
    assert calibration.comments + row["checked"] == 24
    # one band: nothing to rank, so the fit cannot be shown to help and is not applied
    assert row["applied"] == 0 and row["spearman_before"] is None and row["spearman_after"] is None
    assert store.get_state(db, segment_sentiment.STATE_KEY)["calibration"] is None
    assert [r[0] for r in db.execute("select sentiment from theme_segments order by id")] == plain


# --- the training script ----------------------------------------------------------------------


@pytest.mark.slow
def test_training_is_reproducible_on_a_small_slice(tmp_path: Path) -> None:
    data = shared("labelled/clothing_reviews/reviews.csv")
    clinc = shared("labelled/clinc150/data_full.json")
    heads = []
    for name in ("one", "two"):
        out = tmp_path / f"{name}.npz"
        subprocess.run([sys.executable, str(ROOT / "scripts" / "train_sentiment.py"), "--clothing", str(data),
                        "--clinc", str(clinc), "--limit", "60", "--out", str(out),
                        "--cache", str(tmp_path / "vectors.npz")], check=True, cwd=ROOT)
        heads.append(read_head(out))
    one, two = heads
    assert np.array_equal(one.coef, two.coef) and np.array_equal(one.intercept, two.intercept)
    assert one.vocab == two.vocab and np.array_equal(one.ngram_coef, two.ngram_coef) and one.vocab
    assert 0 < one.meta["texts"]["clothing"] < 60 and 0 < one.meta["texts"]["clinc"] <= 60  # held-out fifth left out
    assert json.dumps(one.meta, sort_keys=True) == json.dumps(two.meta, sort_keys=True)


@pytest.mark.parametrize("flag", ["--clothing", "--hotel"])
def test_training_refuses_a_missing_file(tmp_path: Path, flag: str) -> None:
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "train_sentiment.py"), flag,
                             str(tmp_path / "missing.csv"), "--out", str(tmp_path / "h.npz")],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 2 and "missing.csv not found" in result.stderr
    assert not (tmp_path / "h.npz").exists()


@pytest.mark.parametrize(("flag", "present", "absent"), [
    ("--vader-gt", ["amazonReviewSnippets_GroundTruth.txt", "movieReviewSnippets_GroundTruth.txt"],
     "nytEditorialSnippets_GroundTruth.txt"),
    ("--uci", ["amazon_cells_labelled.txt", "imdb_labelled.txt"], "yelp_labelled.txt"),
])
def test_training_refuses_a_data_folder_missing_a_file(tmp_path: Path, flag: str, present: list[str],
                                                       absent: str) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    for name in present:
        (folder / name).write_text("a sentence\t1\n", encoding="utf-8")
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "train_sentiment.py"), flag, str(folder),
                             "--out", str(tmp_path / "h.npz")], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 2, result.stderr
    assert f"{folder / absent} not found" in result.stderr and "docstring" in result.stderr
    assert not (tmp_path / "h.npz").exists()


def test_the_data_folders_default_to_the_documented_cache() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import train_sentiment
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    assert train_sentiment.VADER_GT == ROOT / "bench" / ".cache" / "vader"
    assert train_sentiment.UCI == ROOT / "bench" / ".cache" / "uci"
    assert "bench/.cache/vader" in (train_sentiment.__doc__ or "") and "bench/.cache/uci" in (train_sentiment.__doc__ or "")
    assert train_sentiment.missing_files(None, None) == []


def test_hotel_parts_keep_their_side_and_drop_what_names_nothing(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import train_sentiment
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    data = tmp_path / "hotel.csv"
    data.write_text(
        "Hotel_Name,Negative_Review,Positive_Review,Reviewer_Score\n"
        'A, The shower didn t work and nobody came ,Staff were friendly and helpful,6.3\n'
        "A,No Negative, Great location near the station ,9.6\n"
        "A, Nothing it was great ,Lovely big room,10\n"
        'A,"Noisy, very noisy",No Positive,4.2\n'
        "A,Too small,None at all,5.0\n"
        "A,Not one thing,Not one thing I liked,3.0\n", encoding="utf-8")
    assert train_sentiment.read_hotel(data) == [
        ("The shower didn't work and nobody came", 0), ("Staff were friendly and helpful", 1),
        ("Great location near the station", 1), ("Lovely big room", 1), ("Noisy, very noisy", 0)]
    broken = tmp_path / "other.csv"
    broken.write_text("text,stars\nfine,5\n", encoding="utf-8")
    with pytest.raises(ValueError, match="other.csv: no Negative_Review or Positive_Review column"):
        train_sentiment.read_hotel(broken)


@pytest.mark.slow
@pytest.mark.parametrize("text", ["just the usual", "As above.", "Nothing else to add really", "N/A", "no comment"])
def test_an_answer_that_says_nothing_scores_zero_whatever_a_calibration_reads(embedder: Any, text: str) -> None:
    head = load_head()
    leaning = Calibration(bias=(-3.0, 0.0, 3.0))  # a company whose calibration reads everything as praise
    vectors = embedder.encode([text, "The staff were lovely."])
    nothing, praise = score_segments(vectors, [text, "The staff were lovely."], head, leaning)
    assert nothing == 0.0 and praise > 0.5


@pytest.mark.parametrize(("text", "nothing"), [
    ("As above", True), ("see above.", True), ("Just the usual!", True), ("Nothing to add thanks", True),
    ("n/a", True), ("None", True), ("No further comments", True),
    ("Not sure.", True), ("I don't know", True), ("No idea", True),
    ("Nothing arrived", False), ("The usual driver was late", False), ("None of it was fresh", False),
    ("Not sure why my order was cancelled", False), ("No idea where my parcel is", False),
])
def test_what_says_nothing(text: str, nothing: bool) -> None:
    assert says_nothing(text) is nothing


@pytest.mark.parametrize(("text", "polite"), [
    ("Thanks", True), ("many thanks!", True), ("Thank you so much.", True), ("Kind regards", True),
    ("Cheers 😊", True), ("Hi team,", True), ("Thanks in advance for looking into it.", True), ("TIA", True),
    ("Thanks for the quick response", False), ("Thanks, that sorted it.", False), ("thank you for nothing", False),
    ("Best service in town", False), ("Regards to the driver, he was lovely", False),
    ("Thanks a lot @northjet", True), ("@northjet thanks!", True), ("Thanks #travel", True), ("@northjet", False),
    ("Thanks @northjet for losing my bag", False),
])
def test_what_is_only_courtesy(text: str, polite: bool) -> None:
    assert courtesy(text) is polite


@pytest.mark.slow
def test_thanks_beside_a_complaint_is_courtesy_and_alone_it_is_thanks(embedder: Any) -> None:
    texts = ["My order is 3 days late.", "Thanks", "Thank you!", "Thanks for the quick response to my query."]
    vectors = embedder.encode(texts)
    late, signoff, alone_thanks, praise = score_segments(vectors, texts, alone=[False, False, True, False])
    assert late <= -0.05 and signoff == 0.0  # beside the complaint: courtesy, no praise
    assert alone_thanks >= 0.5  # the whole comment: thanks
    assert praise >= 0.5  # thanks for something is praise of it, beside other points too
    assert score_segments(vectors, texts)[1] >= 0.5  # without the comment's shape, read as the head reads it


@pytest.mark.parametrize(("text", "doubt"), [
    ("I was sceptical about buying fresh food online", True),
    ("Initially, I was a bit nervous about ordering groceries online", True),
    ("We were worried the fruit would be bruised", True),
    ("I was worried it would be late and it was.", False),  # borne out: a complaint
    ("I was rightly sceptical", False),
    ("I'm sceptical about your new prices", False),  # a doubt now, not before
    ("The driver was worried about the parking", False),
])
def test_what_is_a_doubt_before_the_experience(text: str, doubt: bool) -> None:
    assert prior_doubt(text) is doubt


@pytest.mark.slow
def test_a_doubt_beside_the_experience_reads_nothing(embedder: Any) -> None:
    # "I was sceptical about buying fresh food online, but the quality has been excellent." read 0.00: the doubt -0.96
    texts = ["I was sceptical about buying fresh food online", "the quality has been excellent."]
    doubt, praise = score_segments(embedder.encode(texts), texts, alone=[False, False])
    assert doubt == 0.0 and praise >= 0.5 and comment_score([doubt, praise]) >= 0.4
    [alone] = score_segments(embedder.encode(texts[:1]), texts[:1], alone=[True])
    assert alone < 0  # the whole comment: read as the head reads it


@pytest.mark.slow
def test_a_sign_off_beside_a_complaint_leaves_it_a_complaint_in_the_warehouse(tmp_path: Path, embedder: Any) -> None:
    db = new_warehouse(tmp_path / "w.db")
    signed, thanks, doubted = add_comments(db, [
        "I was charged twice for one order and nobody answers. Many thanks", "Thank you!",
        "I was sceptical about buying fresh food online. Honestly the quality has been excellent every time."], "c")
    store.segment_new(db)
    store.embed_pending(db, embedder)
    segment_sentiment.score_pending(db, embedder)
    seg = dict(db.execute("select id, sentiment from theme_segments").fetchall())
    assert seg[f"{signed}:1"] == 0.0 and seg[f"{signed}:0"] < -0.05  # "Many thanks" beside the complaint
    assert seg[f"{thanks}:0"] >= 0.5  # the whole comment
    published = _published(db)
    assert published[signed] < -0.05 and published[thanks] >= 0.5
    # a doubt before the experience beside it reads nothing (it read -0.91 in the warehouse while the scorer read 0)
    assert seg[f"{doubted}:0"] == 0.0 and seg[f"{doubted}:1"] >= 0.5 and published[doubted] >= 0.4
    # an analyst's correction re-scores its text as a night does: the sign-off stays courtesy
    text_hash = db.execute("select text_hash from theme_segments where id = ?", [f"{signed}:1"]).fetchone()[0]
    db.execute("update theme_segments set sentiment = 0.9 where id = ?", [f"{signed}:1"])
    assert segment_sentiment.rescore_texts(db, embedder, [text_hash]) == 1
    assert db.execute("select sentiment from theme_segments where id = ?", [f"{signed}:1"]).fetchone()[0] == 0.0
