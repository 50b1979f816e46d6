"""A theme far nearer one theme of another top-level group than any of its own goes there (feedback/themes/nearest.py)."""

from __future__ import annotations

import numpy as np

from feedback.themes.nearest import MARGIN, NEAR, pulled


def _themes(rows: list[tuple[float, int]]) -> np.ndarray:
    """Unit rows: theme 0, then one theme per ``(cosine to theme 0, topic)``: themes of one topic (1, 2, ...) share a
    direction (0.7 of it), so they are near each other; each has a direction of its own for the rest."""
    topics = max(t for _, t in rows) + 1
    dim = 1 + topics + len(rows)
    out = [np.eye(dim)[0]]
    for n, (c, topic) in enumerate(rows):
        shared = 0.7 if topic else 0.0
        out.append(c * np.eye(dim)[0] + shared * np.eye(dim)[topic] + np.sqrt(1 - c * c - shared * shared)
                   * np.eye(dim)[1 + topics + n])
    return np.array(out)


# theme 0 "Use less plastic"; 1 "There was way too much plastic." (0.62 from it); 2, 3 the packaging complaints (0.42,
# 0.41; near 1: topic 1); 4, 5 "Late again.", "Third time this month." (0.26, 0.20; topic 2), the group Ward put it in
UNIT = _themes([(0.62, 1), (0.42, 1), (0.41, 1), (0.26, 2), (0.20, 2)])


def test_a_theme_goes_to_the_group_of_its_nearest_themes() -> None:
    assert NEAR <= 0.62 and 0.26 + MARGIN <= 0.62  # the premise: near, and far nearer than its own group
    assert pulled([[0, 4, 5], [1, 2, 3]], UNIT, None, lambda i, g: True) == [[4, 5], [0, 1, 2, 3]]


def test_it_stays_when_most_of_its_nearest_are_its_own_group() -> None:
    # "Stop charging Plus members for delivery": its nearest under the Plus cancellations, the next two billing's
    unit = _themes([(0.62, 1), (0.45, 2), (0.44, 2), (0.2, 1)])
    assert pulled([[0, 2, 3], [1, 4]], unit, None, lambda i, g: True) == [[0, 2, 3], [1, 4]]


def test_it_stays_when_its_own_group_is_about_as_near() -> None:
    unit = _themes([(0.62, 1), (0.42, 1), (0.41, 1), (0.40, 2), (0.20, 2)])  # one of its own group at 0.40
    assert pulled([[0, 4, 5], [1, 2, 3]], unit, None, lambda i, g: True) == [[0, 4, 5], [1, 2, 3]]


def test_it_stays_when_the_pair_is_not_near_enough() -> None:
    unit = _themes([(0.50, 1), (0.42, 1), (0.41, 1), (0.2, 2), (0.1, 2)])
    assert pulled([[0, 4, 5], [1, 2, 3]], unit, None, lambda i, g: True) == [[0, 4, 5], [1, 2, 3]]


def test_a_staff_theme_a_group_that_would_be_too_small_and_a_refused_group_keep_it() -> None:
    groups = [[0, 4, 5], [1, 2, 3]]
    assert pulled(groups, UNIT, [1, 0, 0, 0, 0, 0], lambda i, g: True) == groups  # gathered with the staff on purpose
    assert pulled([[0, 4], [1, 2, 3]], UNIT[:5], None, lambda i, g: True) == [[0, 4], [1, 2, 3]]  # two: a group
    assert pulled(groups, UNIT, None, lambda i, g: False) == groups  # e.g. the group leans against its side
    assert pulled([[0, 1]], UNIT[:2], None, lambda i, g: True) == [[0, 1]]
