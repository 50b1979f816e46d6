"""How many entries the top level has (feedback/themes/top_count.py): the range of Ward's cuts, with a
slot held for General remarks, and the cut whose silhouette is best (issue #12: a steady top level)."""

from __future__ import annotations

import numpy as np
import pytest

from feedback.themes import hierarchy
from feedback.themes.top_count import best_count, count_range


@pytest.mark.parametrize(("themes", "apart", "max_top", "fewest", "extra", "expected"), [
    (128, 17, 14, 8, 1, (7, 13)),  # banking77's base fit: one "Hello." theme, General remarks
    (120, 15, 13, 8, 0, (7, 13)),  # a subsample without it: the same range (before: 8-13)
    (221, 68, 18, 8, 2, (6, 16)),  # the samples: General remarks and Non-English comments
    (214, 56, 18, 8, 1, (7, 17)),  # clinc150
    (60, 10, 25, 8, 0, (7, 10)),  # never more groups than average linkage keeps apart
    (60, 7, 25, 8, 0, (7, 7)),  # ... when it keeps as many apart as the fewest entries
    (51, 2, 9, 8, 0, (7, 9)),  # one subject (a clothing shop's reviews): not 2 entries, the range from the fewest
    (51, 1, 9, 8, 1, (7, 8)),
    (5, 5, 25, 8, 0, (5, 5)),  # fewer themes than entries
    (60, 60, 12, 12, 0, (12, 12)),  # an analyst's fixed count holds exactly
    (60, 60, 12, 12, 1, (11, 11)),  # ... with General remarks its twelfth entry
    (60, 60, None, 8, 0, (7, 60)),  # no most: the themes
])
def test_the_range_of_counts_holds_a_slot_for_general_remarks(themes: int, apart: int, max_top: int | None,
                                                              fewest: int, extra: int,
                                                              expected: tuple[int, int]) -> None:
    assert count_range(themes, apart, max_top, fewest, extra) == expected


LINE = [[0.0], [0.1], [0.2], [5.0], [5.1], [9.0], [9.1], [9.2]]  # three clumps on a line


@pytest.mark.parametrize(("least", "most", "expected"), [
    (2, 6, 3),  # the clumps
    (4, 6, 4),  # from 4 groups on: the first split of a clump
    (2, 2, 2),
    (1, 1, 1),  # one group (silhouette -1): the only count allowed
])
def test_the_count_is_where_the_silhouette_is_best(least: int, most: int, expected: int) -> None:
    x = np.array(LINE)
    merges = hierarchy.weighted_ward(x, np.ones(len(x)))
    distance = np.abs(x - x.T)
    assert best_count(merges, len(x), least, most, distance) == expected


def nested(seed: int = 0, topics: int = 7, halves: int = 2, per: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Theme centroids (384 dims): ``topics`` topics of ``halves`` sub-topics of ``per`` themes, and
    one more theme near the first (a "Hello." theme whose greetings sit near a topic)."""
    rng = np.random.default_rng(seed)
    themes = []
    for _ in range(topics):
        centre = rng.normal(size=384)
        for _ in range(halves):
            half = centre + 0.5 * rng.normal(size=384)
            themes += [half + 0.4 * rng.normal(size=384) for _ in range(per)]
    return np.array(themes), themes[0] + 0.8 * rng.normal(size=384)


TOPIC = ["Late delivery again."]
SEVEN = [list(range(t * 6, t * 6 + 6)) for t in range(7)]


def test_a_greetings_theme_found_or_not_leaves_the_topic_groups_alone() -> None:
    # 7 topics whose silhouette peaks at 7 groups (8 splits a topic); fit A also has a small "Hello."
    # theme, which makes an entry of its own, fit B has none. Before, B's range started at 8 groups
    # (no slot for General remarks) and split a topic; now both hold the same 7 topic groups
    themes, hello = nested()
    k = len(themes)
    with_hello = hierarchy.parent_groups(np.vstack([themes, hello]), 0.9, 25, sizes=[20] * (k + 1),
                                         docs=[TOPIC] * k + [["Hello."] * 5])
    without = hierarchy.parent_groups(themes, 0.9, 25, sizes=[20] * k, docs=[TOPIC] * k)
    assert with_hello == without == SEVEN
    unit = hierarchy._unit(themes)
    merges = hierarchy.weighted_ward(hierarchy.placement(unit), np.full(k, 20.0))
    distance = np.clip(1.0 - unit @ unit.T, 0.0, 2.0)
    np.fill_diagonal(distance, 0.0)
    assert best_count(merges, k, 8, 25, distance) == 8  # the range before: a topic split in two
    assert best_count(merges, k, *count_range(k, 40, 25, 8, 0), distance) == 7


def test_the_same_themes_give_the_same_groups() -> None:
    themes, hello = nested(seed=3)
    x = np.vstack([themes, hello])
    sizes = np.random.default_rng(5).integers(5, 80, len(x))
    docs = [TOPIC] * len(themes) + [["Hello."] * 5]
    first = hierarchy.parent_groups(x, 0.9, 25, sizes=sizes, docs=docs)
    again = hierarchy.parent_groups(x.copy(), 0.9, 25, sizes=sizes.copy(), docs=[list(d) for d in docs])
    assert first == again == SEVEN
