"""Ward's top-level groups refined (feedback/themes/hierarchy_refine.py): each theme under the group
it is nearest, its own group winning ties, no group emptied. Themes are unit vectors in a plane at
the given angles (degrees), so the cosines are those of the angles between them."""

from __future__ import annotations

import numpy as np
import pytest

from feedback.themes import hierarchy
from feedback.themes.hierarchy_refine import refine


def plane(*degrees: float) -> np.ndarray:
    angles = np.radians(np.array(degrees, dtype=np.float64))
    return np.stack([np.cos(angles), np.sin(angles)], axis=1)


@pytest.mark.parametrize(("degrees", "groups", "weights", "expected"), [
    # the theme at 80 degrees, put with 0 and 10, is 15 from the other group's 95 and 75 from its own 5
    ((0, 10, 80, 90, 100), [[0, 1, 2], [3, 4]], [1, 1, 1, 1, 1], [[0, 1], [2, 3, 4]]),
    # already each under its nearest group: nothing moves
    ((0, 10, 80, 90, 100), [[0, 1], [2, 3, 4]], [1, 1, 1, 1, 1], [[0, 1], [2, 3, 4]]),
    # 45 degrees from its own group (the other theme at 0) and from the other (90): its own wins the tie
    ((0, 90, 45), [[0, 2], [1]], [1, 1, 1], [[0, 2], [1]]),
    # a theme alone in its group stays, however near another group is
    ((40, 44, 46), [[0], [1, 2]], [1, 1, 1], [[0], [1, 2]]),
    # every theme of the first group is nearer another: the one nearest the rest of its group (90, 22.5
    # from the others' mean at 112.5) stays, 0 and 225 go to the groups at 10 and 220
    ((0, 90, 225, 10, 95, 220), [[0, 1, 2], [3], [4], [5]], [1] * 6, [[1], [0, 3], [4], [2, 5]]),
    # the weights place a group's centre: 45 degrees between 0 + 20 and 70 + 90 ...
    ((0, 20, 45, 70, 90), [[0, 1, 2], [3, 4]], [1, 5, 1, 1, 1], [[0, 1, 2], [3, 4]]),  # ... its own heavy at 20
    ((0, 20, 45, 70, 90), [[0, 1, 2], [3, 4]], [1, 1, 1, 5, 1], [[0, 1], [2, 3, 4]]),  # ... the other heavy at 70
])
def test_each_theme_moves_to_the_group_it_is_nearest(degrees: tuple[float, ...], groups: list[list[int]],
                                                     weights: list[int], expected: list[list[int]]) -> None:
    assert refine(groups, plane(*degrees), np.array(weights, dtype=np.float64)) == expected


@pytest.mark.parametrize(("margin", "expected"), [
    (0.0, [[0, 1], [2, 3, 4]]),  # 52 degrees: 43 from the other group's 95, 47 from its own 5: cosine 0.049 nearer
    (0.04, [[0, 1], [2, 3, 4]]),
    (0.06, [[0, 1, 2], [3, 4]]),  # the default (MARGIN): not near enough to move
])
def test_a_theme_moves_only_to_a_group_nearer_by_the_margin(margin: float, expected: list[list[int]]) -> None:
    assert refine([[0, 1, 2], [3, 4]], plane(0, 10, 52, 90, 100), np.ones(5), margin=margin) == expected
    if margin == 0.06:
        assert refine([[0, 1, 2], [3, 4]], plane(0, 10, 52, 90, 100), np.ones(5)) == expected


def test_moves_repeat_until_none_moves() -> None:
    # 55 joins 70 and 90 (35 from its group's 20, 25 from their 80); then 40, left with 0 alone (40 away),
    # is nearer the others' mean (31.7 away)
    unit, weights = plane(0, 40, 55, 70, 90), np.ones(5)
    assert refine([[0, 1, 2], [3, 4]], unit, weights, rounds=1) == [[0, 1], [2, 3, 4]]
    assert refine([[0, 1, 2], [3, 4]], unit, weights) == [[0], [1, 2, 3, 4]]


def test_themes_in_no_group_are_not_read() -> None:
    # theme 1 (content-free, say) sits at 80: it neither moves nor pulls 60 towards it
    assert refine([[0, 2], [3, 4]], plane(0, 80, 60, 90, 100), np.ones(5)) == [[0], [2, 3, 4]]


def test_the_top_level_places_each_theme_under_its_nearest_group() -> None:
    # two topics of four themes; every theme ends under the group whose other themes it is nearest
    rng = np.random.default_rng(3)
    themes = np.vstack([rng.normal(0, 0.3, (4, 16)) + np.eye(16)[0] * 2,
                        rng.normal(0, 0.3, (4, 16)) + np.eye(16)[1] * 2])
    groups = hierarchy.parent_groups(themes, threshold=0.9, max_top=2, sizes=[10] * 8, fewest=2)
    assert groups == [[0, 1, 2, 3], [4, 5, 6, 7]]
    unit = themes / np.linalg.norm(themes, axis=1, keepdims=True)
    assert refine(groups, unit, np.full(8, 10.0)) == groups
