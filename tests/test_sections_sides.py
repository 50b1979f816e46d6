"""Sections keep an entry's praise and complaints apart, and a section's name holds for its members
(issue #12: on the sample, "Food praise" held "Food problems"; "Wrong or missing items" held "Plastic
trays" and "Strawberries crushed").

The sides are the top level's (:func:`.hierarchy.side`, :func:`.hierarchy.by_side`, :func:`.hierarchy.moved`);
a claim ("... praise", "... problems") must be borne by the section (:func:`.parent_words.bears`), a
kind ("Wrong or missing items", "Damaged items") by its members (:func:`.label_kinds._happened`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from feedback.themes import hierarchy, parent_words, sections
from feedback.themes.label import label_parents

# --- sections by side ---------------------------------------------------------------------------

# A "Fresh food" entry of 14 sub-themes, as the sample's: praise of the food and of its quality, and
# four complaints about the same food. MiniLM puts "mouldy strawberries" near "lovely strawberries"
# (the topic, not the tone), so the complaints' centroids sit among the praise's.
FRESH_FOOD = [  # (label, side, axis the centroid leans to, size)
    ("Fresh fish", 1, 0, 20), ("Fresh produce", 1, 0, 18), ("Best blueberries", 1, 0, 15),
    ("Perfect avocados", 1, 0, 12), ("Bakery bread", 1, 0, 10),
    ("Great quality", 1, 1, 20), ("Good quality", 1, 1, 16), ("Excellent quality", 1, 1, 14),
    ("Fresh and tasty", 1, 1, 10), ("Lovely fresh food", 1, 1, 8),
    ("Mouldy strawberries", -1, 0, 9), ("Stale bread", -1, 0, 7),  # near the food praise
    ("Poor quality meat", -1, 1, 6), ("Different brand", -1, 1, 4),  # near the quality praise
]


def _centroids(rows: list[tuple[str, int, int, int]], dim: int = 6) -> np.ndarray:
    """One centroid per sub-theme: its axis, a little off it (each sub-theme another way)."""
    out = []
    for n, (_, _, axis, _) in enumerate(rows):
        v = np.zeros(dim)
        v[axis] = 1.0
        v[2 + n % (dim - 2)] += 0.05 * (1 + n // (dim - 2))
        out.append(v)
    return np.vstack(out)


def _named(found: list[list[int]], rows: list[tuple[str, int, int, int]]) -> list[list[str]]:
    return [[rows[i][0] for i in group] for group in found]


@pytest.mark.parametrize(("read_sides", "expected"), [
    (False, [  # by the centroids only: each complaint in a section of praise
        ["Fresh fish", "Fresh produce", "Best blueberries", "Perfect avocados", "Bakery bread",
         "Mouldy strawberries", "Stale bread"],
        ["Great quality", "Good quality", "Excellent quality", "Fresh and tasty", "Lovely fresh food",
         "Poor quality meat", "Different brand"]]),
    (True, [  # the sides apart: the ten praise sub-themes in one section (10 / 8 rounds to 1), the four complaints
        ["Fresh fish", "Fresh produce", "Best blueberries", "Perfect avocados", "Bakery bread",
         "Great quality", "Good quality", "Excellent quality", "Fresh and tasty", "Lovely fresh food"],
        ["Mouldy strawberries", "Stale bread", "Poor quality meat", "Different brand"]]),
])
def test_an_entrys_praise_and_complaints_are_read_in_sections_apart(read_sides: bool,
                                                                    expected: list[list[str]]) -> None:
    sides = [row[1] for row in FRESH_FOOD] if read_sides else None
    found = sections.sections_of(_centroids(FRESH_FOOD), [row[3] for row in FRESH_FOOD], sides)
    assert _named(found, FRESH_FOOD) == expected


# Twenty sub-themes: twelve praise (two topics), eight complaints (two topics): each side is cut by Ward on
# its own, in about one section per eight of its sub-themes (12 -> 2, 8 -> 1).
BIG = ([(f"praise {n}", 1, 0, 10) for n in range(6)] + [(f"praise {n}", 1, 1, 10) for n in range(6, 12)]
       + [(f"complaint {n}", -1, 0, 5) for n in range(12, 16)] + [(f"complaint {n}", -1, 1, 5) for n in range(16, 20)])


@pytest.mark.parametrize(("rows", "sides", "expected"), [
    # by the centroids only (20 -> 3 sections): the complaints in sections of praise
    (BIG, None, [[0, 1, 2, 3, 4, 5, 12, 13, 14, 15], [6, 8, 9, 10, 16, 17, 18], [7, 11, 19]]),
    (BIG, [r[1] for r in BIG], [[0, 1, 2, 3, 4, 5], [6, 7, 8, 9, 10, 11], list(range(12, 20))]),
    # one complaint is not a section's worth: it stays where its topic is
    (BIG[:13], [r[1] for r in BIG[:13]], [[0, 1, 2, 3, 4, 5, 12], [6, 7, 8, 9, 10, 11]]),
])
def test_each_side_is_cut_on_its_own(rows: list[tuple[str, int, int, int]], sides: list[int] | None,
                                     expected: list[list[int]]) -> None:
    assert sections.sections_of(_centroids(rows), [r[3] for r in rows], sides) == expected


def test_the_sides_need_one_side_per_sub_theme() -> None:
    with pytest.raises(ValueError, match="one size per sub-theme"):
        sections.sections_of(np.eye(13), [1] * 13, [1] * 12)


@pytest.mark.parametrize(("on", "against", "most_against", "bears"), [
    (1.0, 0.0, 1.0, True), (0.67, 0.33, 1.0, True),  # a top-level entry: most on its side is enough
    (0.74, 0.24, parent_words.AGAINST, True),
    (0.74, 0.26, parent_words.AGAINST, False),  # "Food praise" over "Food problems", "Different brand" (26 %)
    (0.49, 0.0, parent_words.AGAINST, False),  # most of it on neither side: no claim either
])
def test_a_sections_claim_must_hold_for_most_and_be_contradicted_by_few(on: float, against: float,
                                                                        most_against: float, bears: bool) -> None:
    assert parent_words.bears(on, against, most_against) is bears


# --- names that hold for the members -----------------------------------------------------------

BLUEBERRIES = ["Best blueberries I've had in ages.", "The best blueberries ever, so sweet.",
               "Best blueberries in ages."]
AVOCADOS = ["The avocados were perfect.", "Perfect avocados, lovely on toast.", "Lovely avocados, perfect."]
BREAD = ["The bakery bread is lovely.", "Lovely bread from the bakery.", "Really lovely bakery bread."]
AWFUL = ["The strawberries were awful.", "Awful strawberries again, had to bin them.",
         "Strawberries were horrible, went in the bin."]
HARD = ["The bread was hard as a rock.", "Bread hard and dry, a day past its best.", "The bread was dry and hard."]
PRAISED, COMPLAINED = 0.8, -0.6  # published sentiment of each segment


def _child(docs: list[str], tone: float, times: int = 1) -> tuple[list[str], list[float | None]]:
    """A sub-theme of ``times`` as many segments (its best three repeated), each of published sentiment ``tone``."""
    return docs * times, [tone] * (len(docs) * times)


@pytest.mark.parametrize(("children", "expected"), [
    # all praise: the claim holds
    ([_child(BLUEBERRIES, PRAISED, 2), _child(AVOCADOS, PRAISED, 2), _child(BREAD, PRAISED, 2)], "Food praise"),
    # one complaint of 9 segments in 33 (27 %): not "Food praise" (a top-level entry would keep it: most is praise)
    ([_child(BLUEBERRIES, PRAISED, 3), _child(AVOCADOS, PRAISED, 3), _child(BREAD, PRAISED, 2),
      _child(AWFUL, COMPLAINED, 3)], "Food comments"),
    # a complaint of 3 segments in 30 (10 %): still praise
    ([_child(BLUEBERRIES, PRAISED, 3), _child(AVOCADOS, PRAISED, 3), _child(BREAD, PRAISED, 3),
      _child(AWFUL, COMPLAINED)], "Food praise"),
    # all complaints
    ([_child(AWFUL, COMPLAINED, 2), _child(HARD, COMPLAINED, 2)], "Food problems"),
])
def test_a_sections_claim_holds_for_its_members(parser: Any, children: list[tuple[list[str], list[float | None]]],
                                                expected: str) -> None:
    docs = {t: d for t, (d, _) in enumerate(children)}
    tones = {t: tone for t, (_, tone) in enumerate(children)}
    assert sections.section_labels([list(docs)], docs, tones, taken=[])[0].label == expected


MISSING = ["The potatoes were missing from my order.", "Missing potatoes again.", "My potatoes were missing."]
INSTEAD = ["Got cat food instead of dog food.", "They sent cat food instead.", "Cat food instead of what I ordered."]
WRONG = ["Wrong flavour crisps came.", "The wrong flavour again.", "Wrong flavour yoghurt."]
TRAYS = ["So many plastic trays in the packaging.", "Plastic trays and packaging everywhere.",
         "The plastic packaging trays go straight in the bin."]
CRUSHED = ["The strawberries came crushed.", "Crushed strawberries at the bottom.", "Strawberries crushed again."]
SQUASHED = ["The bread was squashed flat.", "Squashed bread under the bottles.", "Bread squashed again."]


@pytest.mark.parametrize(("children", "expected"), [
    # three mistakes: the kind holds
    ([_child(MISSING, COMPLAINED, 2), _child(INSTEAD, COMPLAINED, 2), _child(WRONG, COMPLAINED, 2)],
     "Wrong or missing items"),
    # the same with plastic trays and crushed strawberries, 12 of 24 segments: not "Wrong or missing items"
    ([_child(MISSING, COMPLAINED, 2), _child(INSTEAD, COMPLAINED, 2), _child(TRAYS, COMPLAINED, 2),
      _child(CRUSHED, COMPLAINED, 2)], "Food problems"),
    # one small packaging sub-theme, 3 of 21 segments (14 %): the kind still holds
    ([_child(MISSING, COMPLAINED, 2), _child(INSTEAD, COMPLAINED, 2), _child(WRONG, COMPLAINED, 2),
      _child(TRAYS, COMPLAINED)], "Wrong or missing items"),
    # no kind holds alone, two together do (branch sect3; the sample's "Food complaints"): mistakes 12 of 24
    # segments, crushed strawberries 9 (37 %, alone it would contradict "Wrong or missing items"), trays 3
    ([_child(MISSING, COMPLAINED, 2), _child(INSTEAD, COMPLAINED, 2), _child(CRUSHED, COMPLAINED, 3),
      _child(TRAYS, COMPLAINED)], "Damage and missing items"),
    # mistakes 12 of 21, trays 9
    ([_child(MISSING, COMPLAINED, 2), _child(INSTEAD, COMPLAINED, 2), _child(TRAYS, COMPLAINED, 3)],
     "Packaging and missing items"),
    # two kinds of two sub-themes each, half and half
    ([_child(MISSING, COMPLAINED, 2), _child(INSTEAD, COMPLAINED, 2), _child(CRUSHED, COMPLAINED, 2),
      _child(SQUASHED, COMPLAINED, 2)], "Damage and missing items"),
])
def test_a_sections_kind_holds_for_its_members(parser: Any, children: list[tuple[list[str], list[float | None]]],
                                               expected: str) -> None:
    docs = {0: [d for d, _ in children]}
    tones = {0: [t for _, t in children]}
    assert label_parents(docs, [0], tones=tones)[0].label == expected


@pytest.mark.parametrize(("taken", "expected"), [
    ([], "Damage and missing items"),
    (["Damage and missing items"], "Missing items and damage"),  # the other way round when taken
    (["Damage and missing items", "Missing items and damage"], "Food problems"),
])
def test_two_kinds_named_together_stay_distinct(parser: Any, taken: list[str], expected: str) -> None:
    children = [_child(MISSING, COMPLAINED, 2), _child(INSTEAD, COMPLAINED, 2), _child(CRUSHED, COMPLAINED, 3),
                _child(TRAYS, COMPLAINED)]
    docs = {0: [d for d, _ in children]}
    tones = {0: [t for _, t in children]}
    assert label_parents(docs, [0], taken=taken, tones=tones)[0].label == expected


def test_sides_are_read_as_the_top_level_reads_them() -> None:
    assert [hierarchy.side(*_child(d, t)) for d, t in ((BLUEBERRIES, PRAISED), (AWFUL, COMPLAINED))] == [1, -1]


@pytest.mark.parametrize(("sides", "counts"), [
    ([10, 4], [1, 1]),
    ([12, 8], [2, 1]),  # 1.5 rounds up
    ([2, 16], [1, 2]),
    ([40, 30], [3, 3]),  # 5 + 4, at most MOST: the side with more sections gives one up first (4, 4; 3, 4; 3, 3)
])
def test_each_side_has_about_one_section_per_eight_sub_themes(sides: list[int], counts: list[int]) -> None:
    assert sections._shares(sides) == counts
