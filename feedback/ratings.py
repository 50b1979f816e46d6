"""What a rating means: its scale, how an answer is read on it, and what a rating on 0-1 says.

Every decision about ratings lives here; the survey and review channels read ratings
with it, publishing bands them and the insight tables score them.

**Scales.** A survey column names its scale (``rating: {scale: ...}`` in the config):

========  =======  =====================================================
nps       0-10     Net Promoter Score
csat      1-5      customer satisfaction
stars     1-5      star ratings
likert5   1-5      five-point agreement
custom    min-max  the column's own ``min`` and ``max``
========  =======  =====================================================

A review states its own scale (schema.org ``bestRating`` / ``worstRating``, 5 and 1 when
missing); its name is ``worst-best``, e.g. ``1-5`` or ``0-10`` (:meth:`Scale.stated`).

**Reading an answer** (:class:`AnswerReader`), the first rule that applies wins:

1. the column's own ``labels`` (``{"Meh": 3}``), case and outer spaces ignored;
2. a star answer, a row of glyphs (``★★★★☆``) or a count (``4 stars``, ``1 star``): the
   number of filled stars. A row is as long as the glyphs it shows, and five when it shows
   fewer (``★★★★``, ``4 stars``). A star answer is a rating on the ``stars`` scale, and on
   another scale only when that scale runs from 0 or 1 to the row's length: five stars on
   csat or likert5, ten on a 0-10 scale. Elsewhere (``★★★★☆`` or ``4 stars`` in an NPS
   column: 4 of 5 stars is not 4 out of 10) it is refused like a rating outside its scale:
   the comment is kept without a rating and the reason is said;
3. the first number in the text: ``9``, ``4/5``, ``10 - Extremely likely``, ``3,5``;
4. a common word answer (:data:`WORD_ANSWERS`): ``Very satisfied`` is 5, ``Not at all likely`` 0.

**Normalising**: ``(number - low) / (high - low)``, rounded to 4 places; a number outside
the scale is refused (:class:`~feedback.errors.BadInput`; a review's is dropped).

**Bands** (:func:`rating_band`, the archive's ``rating_band``) on the normalised rating:
NPS low below 0.65, medium below 0.85, else high (detractor 0-6, passive 7-8, promoter
9-10); every other scale low below 0.5, medium below 0.75, else high (1-2 / 3 / 4-5 on a
1-5 scale).

**Headline scores** (:data:`SCORE_NAMES`, :func:`band_points`): NPS scores a response
+100 / 0 / -100 by band; csat, stars and likert5 score the share of high answers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from numbers import Real
from typing import Any

from feedback.errors import BadInput

# The named scales' (lowest, highest) answers; a "custom" scale brings its own.
SCALES: dict[str, tuple[float, float]] = {"nps": (0, 10), "csat": (1, 5), "stars": (1, 5), "likert5": (1, 5)}
NPS = "nps"
STARS = "stars"
CUSTOM = "custom"

# schema.org Rating: a review without bestRating / worstRating is on 1-5.
DEFAULT_BEST = 5.0
DEFAULT_WORST = 1.0

FILLED_STAR = "★"
HOLLOW_STAR = "☆"
ROW_OF_STARS = 5  # the length of a row of stars that does not show its length

# Answers survey tools export as words, with their number (1-5; the NPS ends 0 and 10).
WORD_ANSWERS: dict[str, float] = {
    "very dissatisfied": 1, "dissatisfied": 2, "neither satisfied nor dissatisfied": 3, "neutral": 3,
    "satisfied": 4, "very satisfied": 5,
    "very poor": 1, "poor": 2, "fair": 3, "average": 3, "good": 4, "very good": 4, "excellent": 5,
    "strongly disagree": 1, "disagree": 2, "neither agree nor disagree": 3, "agree": 4, "strongly agree": 5,
    "not at all likely": 0, "extremely likely": 10,
}

# Band cut-offs on 0-1: below the first is low, below the second medium, else high.
NPS_CUTS = (0.65, 0.85)
CUTS = (0.5, 0.75)

# The headline score of each named scale (see band_points).
SCORE_NAMES = {"nps": "NPS", "csat": "CSAT (% satisfied)", "stars": "% 4-5 stars", "likert5": "% agree"}

_NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)?")
_STARS_AFTER = re.compile(r"[\s-]*stars?\b", re.IGNORECASE)  # what follows the number in "4 stars", "5-star"


@dataclass(frozen=True)
class Scale:
    """A rating scale: its name (as published in ``rating_scale``) and lowest and highest answer."""

    name: str
    low: float
    high: float

    @classmethod
    def named(cls, name: str, low: float | None = None, high: float | None = None) -> Scale:
        """A named scale, or a custom one from its bounds (the config checks them)."""
        if name == CUSTOM:
            if low is None or high is None or high <= low:
                raise ValueError("a custom scale needs min and max, with max > min")
            return cls(name, low, high)
        if name not in SCALES:
            raise ValueError(f"unknown rating scale {name!r}; known: {', '.join([*SCALES, CUSTOM])}")
        return cls(name, *SCALES[name])

    @classmethod
    def stated(cls, best: float | None, worst: float | None) -> Scale:
        """The scale a review states (schema.org bestRating / worstRating), named ``worst-best``."""
        high = DEFAULT_BEST if best is None else best
        low = DEFAULT_WORST if worst is None else worst
        return cls(f"{low:g}-{high:g}", low, high)

    def fraction(self, number: float | None) -> float | None:
        """``number`` on 0-1; None when there is none, it lies outside the scale or the scale is empty."""
        if number is None:
            return None
        try:
            return self.normalise(number)
        except BadInput:
            return None

    def normalise(self, number: float) -> float:
        """``number`` on 0-1, ``(number - low) / (high - low)`` to 4 places; BadInput outside the scale."""
        low, high = self.low, self.high
        if high <= low or not low <= number <= high:
            raise BadInput(f"rating {number:g} is outside the {self.name} scale {low:g}-{high:g}")
        return round((number - low) / (high - low), 4)

    def stars(self, filled: float, row: float, answer: str) -> float:
        """A star answer, ``filled`` of ``row`` stars, as a number on this scale; BadInput when it is none."""
        if self.name == STARS or (self.low in (0, 1) and row == self.high):
            return filled
        raise BadInput(
            f"rating {answer!r} is {filled:g} of {row:g} stars, not a rating on the {self.name} scale {self.low:g}-{self.high:g}"
        )


class AnswerReader:
    """Reads one column's answers on its scale, with the column's own answer labels."""

    def __init__(self, scale: Scale, labels: Mapping[str, float] | None = None) -> None:
        self.scale = scale
        self.labels = {k.casefold().strip(): float(v) for k, v in (labels or {}).items()}

    def number(self, value: Any) -> float | None:
        """The number an answer stands for, on the scale's own terms; None when the cell is empty."""
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            raise BadInput(f"rating {value!r} is not a number")
        if isinstance(value, int | float):
            return float(value)
        text = str(value).strip()
        if not text:
            return None
        key = text.casefold()
        if key in self.labels:
            return self.labels[key]
        if FILLED_STAR in text or HOLLOW_STAR in text:
            filled = text.count(FILLED_STAR)
            return self.scale.stars(float(filled), max(ROW_OF_STARS, filled + text.count(HOLLOW_STAR)), text)
        match = _NUMBER.search(text)
        if match:
            number = float(match.group().replace(",", "."))
            if _STARS_AFTER.match(text, match.end()):
                return self.scale.stars(number, max(ROW_OF_STARS, number), text)
            return number
        if key in WORD_ANSWERS:
            return float(WORD_ANSWERS[key])
        raise BadInput(f"rating {text!r} is not a number or a known answer label")

    def __call__(self, value: Any) -> float | None:
        """The answer normalised to 0-1; None when the cell is empty; BadInput when it is no rating on the scale."""
        number = self.number(value)
        return None if number is None else self.scale.normalise(number)


def rating_band(rating: float | None, scale: str | None) -> str | None:
    """low / medium / high, on the scale's own terms (NPS: detractor 0-6, passive 7-8, promoter 9-10);
    None without a rating, and for a stored value that is no number (a warehouse changed by hand)."""
    if not isinstance(rating, Real):
        return None
    low, medium = NPS_CUTS if scale == NPS else CUTS
    return "low" if rating < low else "medium" if rating < medium else "high"


def band_points(band: str | None, scale: str | None) -> float | None:
    """A response's contribution to the headline score: NPS +100 / 0 / -100; CSAT and stars % satisfied."""
    if band is None:
        return None
    if scale == NPS:
        return {"high": 100.0, "medium": 0.0, "low": -100.0}.get(band)
    return 100.0 if band == "high" else 0.0
