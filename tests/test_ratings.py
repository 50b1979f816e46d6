"""What a rating means (feedback.ratings): every scale, answer form, band and score, as tables."""

from __future__ import annotations

from typing import Any

import pytest

from feedback.errors import BadInput
from feedback.ratings import SCORE_NAMES, AnswerReader, Scale, band_points, rating_band

from .conftest import assert_reads

NPS, CSAT, STARS, LIKERT5 = (Scale.named(n) for n in ("nps", "csat", "stars", "likert5"))
SEVEN = Scale.named("custom", 1, 7)
PERCENT = Scale.named("custom", 0, 100)


def refused(reason: str) -> BadInput:
    """The expected outcome of an answer that is no rating on its scale."""
    return BadInput(reason)


@pytest.mark.parametrize(
    ("scale", "answer", "expected"),
    [
        # numbers, on every scale
        (NPS, "9", 0.9), (NPS, 0, 0.0), (NPS, "0", 0.0), (NPS, 10, 1.0), (NPS, "6", 0.6), (NPS, 7.5, 0.75),
        (NPS, "10 - Extremely likely", 1.0), (NPS, " 8 ", 0.8),
        (CSAT, "1", 0.0), (CSAT, "3", 0.5), (CSAT, 5, 1.0),
        (STARS, "4/5", 0.75), (STARS, "3,5", 0.625), (STARS, 2.0, 0.25),
        (LIKERT5, 3.0, 0.5), (LIKERT5, "4", 0.75),
        (SEVEN, "4", 0.5), (SEVEN, 7, 1.0), (PERCENT, "85%", 0.85), (PERCENT, 33, 0.33),
        (Scale.named("custom", 1, 10), "7", 0.6667),
        # empty cells are no rating, and no problem
        (NPS, "", None), (NPS, None, None), (NPS, "   ", None),
        # outside the scale
        (NPS, "11", refused("rating 11 is outside the nps scale 0-10")),
        (NPS, "-1", refused("rating -1 is outside the nps scale 0-10")),
        (CSAT, 0, refused("rating 0 is outside the csat scale 1-5")),
        (STARS, "6", refused("rating 6 is outside the stars scale 1-5")),
        (SEVEN, "7.5", refused("rating 7.5 is outside the custom scale 1-7")),
        # not an answer at all
        (NPS, True, refused("rating True is not a number")),
        (CSAT, "whatever", refused("rating 'whatever' is not a number or a known answer label")),
        # word answers: satisfaction, quality, agreement, likelihood
        (CSAT, "Very dissatisfied", 0.0), (CSAT, "Dissatisfied", 0.25), (CSAT, "Neither satisfied nor dissatisfied", 0.5),
        (CSAT, "Neutral", 0.5), (CSAT, "Satisfied", 0.75), (CSAT, "Very satisfied", 1.0), (CSAT, "  VERY SATISFIED ", 1.0),
        (CSAT, "Very poor", 0.0), (CSAT, "Poor", 0.25), (CSAT, "Fair", 0.5), (CSAT, "Average", 0.5),
        (CSAT, "Good", 0.75), (CSAT, "Very good", 0.75), (CSAT, "Excellent", 1.0),
        (LIKERT5, "Strongly disagree", 0.0), (LIKERT5, "Disagree", 0.25), (LIKERT5, "Neither agree nor disagree", 0.5),
        (LIKERT5, "Agree", 0.75), (LIKERT5, "Strongly agree", 1.0),
        (NPS, "Not at all likely", 0.0), (NPS, "Extremely likely", 1.0),
        # star glyphs: on the stars scale, whatever the row shows
        (STARS, "★★☆☆☆", 0.25), (STARS, "★★★★★", 1.0), (STARS, "★☆☆☆☆", 0.0), (STARS, "★★★★", 0.75),
        (STARS, " ★★★★☆ ", 0.75), (STARS, "★★★★☆ (4)", 0.75),
        (STARS, "☆☆☆☆☆", refused("rating 0 is outside the stars scale 1-5")),
        (STARS, "★★★★★★★☆☆☆", refused("rating 7 is outside the stars scale 1-5")),
        # ... on a scale from 0 or 1 to the row's length (five when the row shows fewer)
        (CSAT, "★★★★☆", 0.75), (CSAT, "★★★★", 0.75), (LIKERT5, "★★☆☆☆", 0.25),
        (NPS, "★★★★★★★☆☆☆", 0.7), (SEVEN, "★★★★☆☆☆", 0.5),
        # ... and no rating elsewhere: 4 of 5 stars is not 4 out of 10
        (NPS, "★★★★☆", refused("rating '★★★★☆' is 4 of 5 stars, not a rating on the nps scale 0-10")),
        (NPS, "★★★★", refused("rating '★★★★' is 4 of 5 stars, not a rating on the nps scale 0-10")),
        (NPS, "☆☆☆☆☆", refused("rating '☆☆☆☆☆' is 0 of 5 stars, not a rating on the nps scale 0-10")),
        (CSAT, "★★★★★★★☆☆☆", refused("rating '★★★★★★★☆☆☆' is 7 of 10 stars, not a rating on the csat scale 1-5")),
        (SEVEN, "★★★★☆", refused("rating '★★★★☆' is 4 of 5 stars, not a rating on the custom scale 1-7")),
        (PERCENT, "★★★★★", refused("rating '★★★★★' is 5 of 5 stars, not a rating on the custom scale 0-100")),
        # "N stars" is a star answer too
        (STARS, "4 stars", 0.75), (STARS, "1 star", 0.0), (STARS, "4 Stars", 0.75), (STARS, "5-star", 1.0),
        (STARS, "Rated 4 stars", 0.75), (STARS, "4.5 stars", 0.875), (STARS, "4/5 stars", 0.75),
        (CSAT, "4 stars", 0.75), (LIKERT5, "2 stars", 0.25), (NPS, "7 out of 10", 0.7),
        (STARS, "0 stars", refused("rating 0 is outside the stars scale 1-5")),
        (NPS, "4 stars", refused("rating '4 stars' is 4 of 5 stars, not a rating on the nps scale 0-10")),
        (SEVEN, "1 star", refused("rating '1 star' is 1 of 5 stars, not a rating on the custom scale 1-7")),
    ],
)
def test_answers_on_each_scale(scale: Scale, answer: Any, expected: float | BadInput | None) -> None:
    read = AnswerReader(scale)
    assert_reads(read, answer, expected)


@pytest.mark.parametrize(
    ("scale", "labels", "answer", "expected"),
    [
        (SEVEN, {"Meh": 4}, "Meh", 0.5),
        (SEVEN, {"Meh": 4}, " meh ", 0.5),
        (CSAT, {"Superb": 5}, "SUPERB", 1.0),
        (CSAT, {"Good": 3}, "Good", 0.5),  # the column's own label wins over the common word
        (NPS, {"★★★★☆": 8}, "★★★★☆", 0.8),  # ... and over star glyphs
        (CSAT, {"Meh": 3}, "Good", 0.75),
        (CSAT, {"Meh": 9}, "Meh", refused("rating 9 is outside the csat scale 1-5")),
    ],
)
def test_a_columns_own_labels(scale: Scale, labels: dict[str, float], answer: str, expected: float | BadInput) -> None:
    read = AnswerReader(scale, labels)
    assert_reads(read, answer, expected)


@pytest.mark.parametrize(
    ("name", "low", "high", "expected"),
    [
        ("nps", None, None, Scale("nps", 0, 10)),
        ("csat", None, None, Scale("csat", 1, 5)),
        ("stars", None, None, Scale("stars", 1, 5)),
        ("likert5", None, None, Scale("likert5", 1, 5)),
        ("custom", 1, 7, Scale("custom", 1, 7)),
        ("custom", 5, 5, ValueError("a custom scale needs min and max, with max > min")),
        ("custom", None, 5, ValueError("a custom scale needs min and max, with max > min")),
        ("nps10", None, None, ValueError("unknown rating scale 'nps10'; known: nps, csat, stars, likert5, custom")),
    ],
)
def test_named_scales(name: str, low: float | None, high: float | None, expected: Scale | ValueError) -> None:
    if isinstance(expected, ValueError):
        with pytest.raises(ValueError) as caught:
            Scale.named(name, low, high)
        assert str(caught.value) == str(expected)
    else:
        assert Scale.named(name, low, high) == expected


@pytest.mark.parametrize(
    ("value", "best", "worst", "name", "expected"),
    [
        (5, None, None, "1-5", 1.0), (1, None, None, "1-5", 0.0), (4, None, None, "1-5", 0.75),
        (8, 10, 0, "0-10", 0.8), (3, 3, 1, "1-3", 1.0), (4.5, 5, 0.5, "0.5-5", 0.8889),
        (6, None, None, "1-5", None),  # outside the scale
        (None, None, None, "1-5", None),  # no rating
        (2, 1, 1, "1-1", None),  # a scale with no room
        (2, 1, 3, "3-1", None),  # ... or upside down
    ],
)
def test_a_reviews_stated_scale(value: float | None, best: float | None, worst: float | None, name: str, expected: float | None) -> None:
    scale = Scale.stated(best, worst)
    assert (scale.name, scale.fraction(value)) == (name, expected)


@pytest.mark.parametrize(
    ("rating", "scale", "band"),
    [
        # NPS: detractor 0-6, passive 7-8, promoter 9-10 (cut-offs 0.65 and 0.85)
        (0.0, "nps", "low"), (0.6, "nps", "low"), (0.6499, "nps", "low"), (0.65, "nps", "medium"),
        (0.7, "nps", "medium"), (0.8, "nps", "medium"), (0.8499, "nps", "medium"), (0.85, "nps", "high"),
        (0.9, "nps", "high"), (1.0, "nps", "high"),
        # every other scale: 1-2 / 3 / 4-5 on 1-5 (cut-offs 0.5 and 0.75)
        (0.0, "csat", "low"), (0.25, "csat", "low"), (0.4999, "csat", "low"), (0.5, "csat", "medium"),
        (0.7499, "stars", "medium"), (0.75, "stars", "high"), (1.0, "likert5", "high"),
        (0.4999, "custom", "low"), (0.5, "custom", "medium"), (0.75, "1-5", "high"), (0.7, "0-10", "medium"),
        (0.3, None, "low"),
        (None, "nps", None), (None, None, None),
    ],
)
def test_rating_bands(rating: float | None, scale: str | None, band: str | None) -> None:
    assert rating_band(rating, scale) == band


@pytest.mark.parametrize(
    ("band", "scale", "points"),
    [
        ("high", "nps", 100.0), ("medium", "nps", 0.0), ("low", "nps", -100.0), ("other", "nps", None),
        ("high", "csat", 100.0), ("medium", "csat", 0.0), ("low", "csat", 0.0),
        ("high", "stars", 100.0), ("medium", "stars", 0.0), ("high", "likert5", 100.0), ("low", "likert5", 0.0),
        (None, "nps", None), (None, "csat", None),
    ],
)
def test_band_points(band: str | None, scale: str, points: float | None) -> None:
    assert band_points(band, scale) == points


@pytest.mark.parametrize(
    ("scale", "name"),
    [("nps", "NPS"), ("csat", "CSAT (% satisfied)"), ("stars", "% 4-5 stars"), ("likert5", "% agree"),
     ("custom", None), ("1-5", None)],
)
def test_score_names(scale: str, name: str | None) -> None:
    assert SCORE_NAMES.get(scale) == name
