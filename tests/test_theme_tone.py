"""A theme's tone, for its label and its side at the top level, is the mean of its segments' published
sentiment (feedback/themes/theme_tone.py; issue #12: a top-level "Chat praise" held complaints the
page beside it showed negative); the lexicon (VADER) reads only segments with no published score."""

from __future__ import annotations

from typing import Any

import pytest
import sqlite_utils

from feedback.themes import hierarchy, label_units, parent_words, theme_tone
from feedback.themes.label import POSITIVE_THEME, label_parents, label_themes
from feedback.themes.label_units import NEGATIVE_THEME

# Complaints about drivers in words the lexicon likes ("smiled", "thanks a lot", "nice enough"), and
# the scores the shipped head gives them (feedback/text/sentiment_model.py over MiniLM, 2 d.p.).
SLIGHTED = ["The driver said he would come back later and never did",
            "Driver smiled and handed me someone else's shopping",
            "The driver left my bags with a neighbour I have never met, thanks a lot",
            "Nice enough driver but he dropped the eggs and just laughed"]
SLIGHTED_HEAD = [-0.79, 0.1, -0.81, 0.52]
SLIGHTED_LEXICON = [-0.0772, 0.5423, -0.3412, 0.7096]  # VADER + the service lexicon
SPOILT = ["The driver was friendly but half the order was missing",
          "Driver was polite, shame the frozen food had thawed",
          "Lovely driver, but he turned up two hours after the slot",
          "The driver was cheerful, the bread was squashed flat though"]
SPOILT_HEAD = [-0.83, -0.99, -0.45, -0.72]
PRAISED = ["The driver was lovely and carried everything in", "Really friendly driver, thank you",
           "Our driver was so helpful and polite"]
PRAISED_HEAD = [0.77, 0.35, -0.2]


@pytest.mark.parametrize(("tones", "expected"), [
    (SLIGHTED_HEAD, SLIGHTED_HEAD),  # published scores, as they are
    ([-0.79, None, -0.81, 0.52], [-0.79, 0.5423, -0.81, 0.52]),  # no score (another language): the lexicon's
    ([-0.79, 0.1], [-0.79, 0.1, -0.3412, 0.7096]),  # fewer scores than texts: the rest by the lexicon
    (None, SLIGHTED_LEXICON),  # no scores at all: the lexicon, as before
])
def test_a_segments_tone_is_its_published_score_else_the_lexicons(tones: list[float | None] | None,
                                                                  expected: list[float]) -> None:
    assert theme_tone.segment_tones(SLIGHTED, tones) == expected
    assert theme_tone.mean_tone(SLIGHTED, tones) == pytest.approx(sum(expected) / 4, abs=1e-12)


def test_a_theme_with_no_tone_at_all_is_neutral() -> None:
    assert theme_tone.mean_tone([], None) == 0.0
    assert theme_tone.mean_tone(["", " "], [None, None]) == 0.0  # the lexicon has nothing to read either
    assert theme_tone.published_share(SLIGHTED, [None, 0.2, None]) == 0.25


def test_a_units_tone_follows_the_published_scores_of_every_segment(parser: Any) -> None:
    by_head = label_units.unit(SLIGHTED, parser, SLIGHTED_HEAD)
    assert by_head.sentiment == pytest.approx(-0.245, abs=1e-12)
    assert by_head.size == 4
    by_lexicon = label_units.unit(SLIGHTED, parser)
    assert by_lexicon.sentiment == pytest.approx(sum(SLIGHTED_LEXICON) / 4, abs=1e-12)  # 0.2084: praise-ish
    # phrases from the best two, the tone from all four as the archive averages the theme
    best_two = label_units.unit(SLIGHTED, parser, SLIGHTED_HEAD, limit=2)
    assert best_two.docs == SLIGHTED[:2]
    assert (best_two.sentiment, best_two.size) == (pytest.approx(-0.245, abs=1e-12), 4)


def test_a_parents_tone_weighs_its_children_by_segments_as_the_archive_does(parser: Any) -> None:
    big = label_units.unit(SPOILT * 15, parser, SPOILT_HEAD * 15, limit=4)  # 60 segments, 4 read for phrases
    small = label_units.unit(PRAISED, parser, PRAISED_HEAD)
    parent = label_units.common_ground([big, small])
    assert parent.size == 63
    assert parent.sentiment == pytest.approx((15 * sum(SPOILT_HEAD) + sum(PRAISED_HEAD)) / 63, abs=1e-12)


def test_the_problem_rule_is_the_lexicons_not_the_heads(parser: Any) -> None:
    """"Card not accepted": words the lexicon has no opinion on make a theme at most NEGATIVE_THEME
    when it is read by the lexicon; a theme the head scored keeps its published mean."""
    docs = ["My card is not accepted at checkout", "The discount code is not working", "The card is not working",
            "Voucher not accepted again"]
    assert label_units.unit(docs, parser).sentiment <= NEGATIVE_THEME
    assert label_units.unit(docs, parser, [0.3, 0.1, 0.2, 0.2]).sentiment == pytest.approx(0.2, abs=1e-12)
    assert label_units.unit(docs, parser, [None, None, None, 0.2]).sentiment <= NEGATIVE_THEME  # mostly unscored


@pytest.mark.parametrize(("docs", "tones", "expected"), [
    (SLIGHTED, SLIGHTED_HEAD, -1),
    (SLIGHTED, None, 1),  # the lexicon reads these complaints as praise
    (SLIGHTED, [None] * 4, 1),  # no published score: the lexicon, explicitly
    (SPOILT, SPOILT_HEAD, -1),
    (SPOILT, None, 0),
    (PRAISED, PRAISED_HEAD, 1),
])
def test_a_themes_side_at_the_top_level_is_its_published_tone(docs: list[str], tones: list[float | None] | None,
                                                              expected: int) -> None:
    assert hierarchy.side(docs, tones) == expected


@pytest.mark.parametrize(("docs", "expected"), [
    # the sample archive's "Traffic problems" sat under "Staff praise": its tone is 0, its label says what went wrong
    (["When it finally came the driver just said traffic."] * 5, -1),
    (["Had to use the website instead."] * 3, -1),
    (["Can I use butter instead of oil?"] * 3, 0),  # asking is no complaint
    (["It's always traffic."] * 3, 0),
])
def test_a_theme_that_tells_what_went_wrong_in_neutral_words_is_on_the_complaints_side(docs: list[str],
                                                                                     expected: int) -> None:
    from feedback.themes import label_words

    assert hierarchy.side(docs, [0.0] * len(docs)) == expected
    assert label_words.topic_phrase("traffic", docs, 0.0, NEGATIVE_THEME).endswith(" problems") == (expected == -1)


def test_the_top_level_needs_one_list_of_scores_per_theme() -> None:
    import numpy as np

    with pytest.raises(ValueError, match="one list of sentiment scores per theme"):
        hierarchy.parent_groups(np.eye(3), 0.5, docs=[SLIGHTED, SPOILT, PRAISED], tones=[SLIGHTED_HEAD])


def test_a_theme_of_complaints_the_lexicon_likes_is_named_by_its_problem(parser: Any) -> None:
    docs = {"slighted": SLIGHTED, "spoilt": SPOILT, "praised": PRAISED}
    tones = {"slighted": SLIGHTED_HEAD, "spoilt": SPOILT_HEAD, "praised": PRAISED_HEAD}
    order = ["slighted", "spoilt", "praised"]
    assert label_themes(docs, order)["slighted"].label == "Driver praise"  # the lexicon's reading
    labels = label_themes(docs, order, tones=tones)
    assert {k: v.label for k, v in labels.items()} == {
        "slighted": "Driver problems", "spoilt": "Driver complaints", "praised": "Helpful driver"}  # what one of
    # the four spoilt deliveries says ("Driver was polite") names no theme of them
    assert {k: v.label for k, v in label_themes(docs, order, tones=tones).items()} == {
        k: v.label for k, v in labels.items()}  # the same input, the same labels


@pytest.mark.parametrize(("children", "lexicon", "published"), [
    # two children of complaints (the head) and one of praise: never "Driver praise"
    ([SLIGHTED, SPOILT, PRAISED], "Driver praise", "Driver problems"),
    ([SLIGHTED, SPOILT], "Driver comments", "Driver problems"),
    ([SLIGHTED, PRAISED], "Driver praise", "Driver problems and praise"),  # both ways, by the head
])
def test_a_parents_label_follows_its_childrens_published_tone(parser: Any, children: list[list[str]],
                                                              lexicon: str, published: str) -> None:
    head = {id(SLIGHTED): SLIGHTED_HEAD, id(SPOILT): SPOILT_HEAD, id(PRAISED): PRAISED_HEAD}
    assert label_parents({"p": children}, ["p"])["p"].label == lexicon
    tones = {"p": [head[id(c)] for c in children]}
    assert label_parents({"p": children}, ["p"], tones=tones)["p"].label == published


def test_a_praise_claim_its_childrens_published_tone_does_not_bear_gives_way(parser: Any) -> None:
    by_lexicon = label_units.common_ground([label_units.unit(d, parser) for d in (SLIGHTED, SPOILT, PRAISED)])
    assert parent_words.held("Driver praise", by_lexicon, set(), NEGATIVE_THEME, POSITIVE_THEME) == "Driver praise"
    published = label_units.common_ground([label_units.unit(d, parser, t) for d, t in
                                           ((SLIGHTED, SLIGHTED_HEAD), (SPOILT, SPOILT_HEAD), (PRAISED, PRAISED_HEAD))])
    assert parent_words.held("Driver praise", published, set(), NEGATIVE_THEME, POSITIVE_THEME) == "Driver comments"


def segments_db() -> sqlite_utils.Database:
    db = sqlite_utils.Database(memory=True)
    db["theme_segments"].insert_all([
        {"id": "a:0", "text": "Lovely driver, but he turned up two hours after the slot", "language": "en", "sentiment": -0.45},
        {"id": "a:1", "text": "Le chauffeur est arrivé en retard", "language": "fr", "sentiment": None},
        {"id": "b:0", "text": "Driver was polite, shame the frozen food had thawed", "language": "en", "sentiment": -0.99},
        {"id": "c:0", "text": "El conductor fue muy amable", "language": "es", "sentiment": None},
        {"id": "d:0", "text": "Really friendly driver, thank you", "language": None, "sentiment": 0.35},
    ], pk="id")
    return db


def test_the_engine_reads_each_themes_texts_with_their_published_scores_aligned() -> None:
    db = segments_db()
    seg_ids = ["a:0", "a:1", "b:0", "c:0", "d:0", "gone:0"]
    docs, tones = theme_tone.label_inputs(db, seg_ids, [1, 1, 1, 2, 1, 1], [1, 2], [0.5, 0.9, 0.7, 0.4, 0.6, 0.8])
    # theme 1: its English segments, nearest its centre first; theme 2: all it has (Spanish), unscored
    assert docs == {1: ["Driver was polite, shame the frozen food had thawed",
                        "Really friendly driver, thank you",
                        "Lovely driver, but he turned up two hours after the slot"],
                    2: ["El conductor fue muy amable"]}
    assert tones == {1: [-0.99, 0.35, -0.45], 2: [None]}
    texts, scores = theme_tone.texts_and_tones(db, ["d:0", "gone:0", "a:1"])
    assert (texts, scores) == (["Really friendly driver, thank you", "Le chauffeur est arrivé en retard"], [0.35, None])


@pytest.mark.parametrize(("docs", "tone", "expected"), [
    # requests the head reads negative (the wish implies a complaint) stay requests
    (["Take the bags back and reuse them", "Take the bags back and reuse them please"], -0.37, "Bag requests"),
    (["Text us if the driver is running late.", "Text us if the driver is running late"], -0.5, "Driver requests"),
    # a negative theme that does not tell the company what to do names the problem
    (["The driver was late again", "Driver turned up late, no apology"], -0.53, "Driver problems"),
    # asking is not telling: a negative theme of questions is still its problem
    (["Why is my refund taking so long?", "Where is my refund?"], -0.6, "Refund problems"),
])
def test_a_request_is_a_request_whatever_its_published_tone(docs: list[str], tone: float, expected: str) -> None:
    from feedback.themes import label_words

    key = expected.split()[0].lower()
    assert label_words.topic_phrase(key, docs, tone, NEGATIVE_THEME, key) == expected
