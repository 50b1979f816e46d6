"""A top-level group whose themes share no topic is read in the context of its comments (feedback/themes/context.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from feedback.themes.context import (
    LOOSE,
    cohesion,
    from_matrix,
    in_context,
    loose,
    neighbour_counts,
)
from feedback.warehouse import open_warehouse


def axes(*spec: tuple[int, float]) -> np.ndarray:
    """A unit vector in 8 dimensions: mostly along its first axis, a little along the others given."""
    v = np.zeros(8)
    for axis, weight in spec:
        v[axis] = weight
    return v / np.linalg.norm(v)


# themes 0-2 about one topic (axis 0), 3-5 about another (axis 1), 6-8 about nothing they share (axes 5, 6, 7)
UNIT = np.vstack([axes((0, 1), (2, 0.2)), axes((0, 1), (3, 0.2)), axes((0, 1), (4, 0.2)),
                  axes((1, 1), (2, 0.2)), axes((1, 1), (3, 0.2)), axes((1, 1), (4, 0.2)),
                  axes((5, 1)), axes((6, 1)), axes((7, 1))])
GROUPS = [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
POINTS = np.array([10.0, 10, 10, 10, 10, 10, 5, 6, 4])


def counts(pairs: dict[tuple[int, int], int]) -> np.ndarray:
    out = np.zeros((9, 9))
    for (a, b), n in pairs.items():
        out[a, b] = n
    return out


def anywhere(i: int, group: list[int]) -> bool:
    return True


def test_cohesion_is_the_mean_cosine_between_a_groups_themes() -> None:
    assert cohesion([0, 1, 2], UNIT) == pytest.approx(1 / 1.04)  # each pair shares the first axis: 1 / (1 + 0.2²)
    assert cohesion([6, 7, 8], UNIT) == 0.0
    assert cohesion([6], UNIT) == 1.0
    assert loose(GROUPS, UNIT) == [2]
    assert loose([[0, 1, 2], [6, 7]], UNIT) == []  # two themes are no group to read in context
    assert cohesion([0, 3, 6], UNIT) < LOOSE


def test_each_theme_of_a_loose_group_goes_where_its_comments_neighbours_are() -> None:
    near = from_matrix(counts({(6, 0): 3, (6, 1): 1, (6, 7): 2,  # 4 of its 5 points next to the first topic's
                               (7, 3): 2,                        # 2 of 6: too few to tell
                               (8, 4): 3, (8, 1): 1}))           # 3 of 4 next to the second topic's
    unit = UNIT.copy()
    unit[7] = axes((6, 1), (0, 0.3))  # ... and, left alone, it goes to the group nearest its centroid
    assert in_context(GROUPS, unit, POINTS, near, anywhere) == [[0, 1, 2, 6, 7], [3, 4, 5, 8]]
    unit[8] = axes((7, 1), (0, 0.1), (1, 0.2))  # two themes no context places: each goes by its centroid
    near = from_matrix(counts({(6, 0): 5}))
    assert in_context(GROUPS, unit, POINTS, near, anywhere) == [[0, 1, 2, 6, 7], [3, 4, 5, 8]]


def test_a_theme_no_context_places_goes_to_the_group_nearest_its_centroid() -> None:
    unit = UNIT.copy()
    unit[7] = axes((6, 1), (1, 0.45))  # still loose beside 6 and 8 (cohesion ~0.0), but nearer the second topic
    near = from_matrix(counts({(6, 0): 5, (8, 0): 4}))
    assert in_context(GROUPS, unit, POINTS, near, anywhere) == [[0, 1, 2, 6, 8], [3, 4, 5, 7]]
    assert in_context(GROUPS, unit, POINTS, None, anywhere) == GROUPS  # comments read whole: nothing is read


def test_nothing_moves_without_context_or_where_the_hierarchy_forbids_it() -> None:
    near = from_matrix(counts({(6, 0): 5, (7, 0): 6, (8, 4): 4}))
    not_topics = lambda i, group: 6 in group  # noqa: E731 (both topics lean against their side)
    assert in_context(GROUPS, UNIT, POINTS, near, not_topics) == GROUPS
    not_first = lambda i, group: 0 not in group  # noqa: E731 (the first topic leans against their side)
    unit = UNIT.copy()
    unit[6], unit[7] = axes((5, 1), (0, 0.3)), axes((6, 1), (0, 0.3))  # nearer the first topic: not allowed there
    assert in_context(GROUPS, unit, POINTS, near, not_first) == [[0, 1, 2], [3, 4, 5, 6, 7, 8]]
    stay = [0, 0, 0, 0, 0, 0, 1, 1, 0]  # gathered on purpose (the staff, reaching the company)
    assert in_context(GROUPS, UNIT, POINTS, near, anywhere, stay) == [[0, 1, 2], [3, 4, 5, 8], [6, 7]]


def test_a_group_about_one_topic_keeps_its_themes_whatever_their_neighbours() -> None:
    near = from_matrix(counts({(0, 3): 10, (1, 4): 10, (6, 0): 5, (7, 3): 6, (8, 4): 4}))
    assert in_context(GROUPS, UNIT, POINTS, near, anywhere) == [[0, 1, 2, 6], [3, 4, 5, 7, 8]]


def test_the_neighbours_are_the_points_before_and_after_in_the_same_comment(tmp_path: Path) -> None:
    db = open_warehouse(tmp_path / "warehouse.db")
    comments = {  # item -> its points in order: (segment id, the theme id this fit gives it)
        "i1": [("a", 10), ("b", 30), ("c", 20)],  # theme 30 between 10 and 20
        "i2": [("d", 30), ("e", 10)],
        "i3": [("f", 20), ("g", None), ("h", 30)],  # an unthemed point between: no neighbour
        "i4": [("k", 10), ("m", 20)],  # no point of theme 30: not read
    }
    db["items"].insert_all([{"id": i, "source": "s", "channel": "survey", "local_id": i, "text": "t"}
                            for i in comments], pk="id")
    db["theme_segments"].insert_all([{"id": s, "item_id": i, "seq": n, "text": s, "themable": 1}
                                     for i, points in comments.items() for n, (s, _) in enumerate(points)], pk="id")
    seg_ids = [s for points in comments.values() for s, _ in points]
    themes = [t for points in comments.values() for _, t in points]
    read = neighbour_counts(db, seg_ids, themes, [10, 20, 30])
    assert read([2]).tolist() == [[2.0, 1.0, 0.0]]  # theme 30: next to 10 twice, to 20 once
    assert read([0, 2]).tolist() == [[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]  # theme 10: i1's 30, i2's 30, i4's 20
