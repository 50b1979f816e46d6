"""The nightly outlier pool's rules for a theme born at night (feedback.themes.match.claims_of_new_theme).

A new theme takes the existing themes' segments that sit nearer its centre than their own (the
rule a re-cluster assigns by), unless one existing theme would supply ``fold_share`` of it: then
it is that theme cut in two, which a re-cluster folds back, and it is not made.
"""

from __future__ import annotations

import numpy as np
import pytest

from feedback.themes.match import claims_of_new_theme


def unit(*xs: float) -> np.ndarray:
    v = np.array(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


NEW = unit(0, 1, 0)  # the centre of the group the pool found
OWN = np.vstack([unit(1, 0, 0), unit(0, 0, 1)])  # two existing themes
THEME_A = np.vstack([unit(1, 0, 0), unit(0.6, 0.8, 0), unit(0.8, 0.6, 0), unit(1, 0.1, 0)])
THEME_B = np.vstack([unit(0, 0, 1), unit(0, 0.3, 1)])  # both nearer their own centre


@pytest.mark.parametrize(
    ("pooled", "expected"),
    [
        # 8 pool segments + A's one leaning segment: A gives 1 of 9 < 0.3, so the theme is made and takes it
        (8, [[False, True, False, False], [False, False]]),
        # 3 pool segments: A would give 1 of 4 = 0.25 < 0.3, still a theme of its own
        (3, [[False, True, False, False], [False, False]]),
        # 2 pool segments: A would give 1 of 3 >= 0.3: a split of A, not made
        (2, None),
    ],
)
def test_a_new_theme_takes_nearer_segments_unless_it_is_a_split(pooled: int, expected: list[list[bool]] | None) -> None:
    moves = claims_of_new_theme(NEW, pooled, [THEME_A, THEME_B], OWN, min_cosine=0.42, fold_share=0.3)
    assert (None if moves is None else [m.tolist() for m in moves]) == expected


def test_a_segment_nearer_the_new_centre_but_below_the_assign_cut_stays() -> None:
    # cos to the new centre 0.30, to its own theme -0.95: nearer the new one, but no theme would take it
    stray = unit(-0.95, 0.3, 0.0).reshape(1, 3)
    moves = claims_of_new_theme(NEW, 5, [stray], OWN[:1], min_cosine=0.42, fold_share=0.3)
    assert moves is not None and moves[0].tolist() == [False]


def test_a_group_close_to_one_theme_is_that_theme_cut_in_two() -> None:
    # a pool group centred between A and the new direction: two of A's four segments lean to it
    centre = unit(0.7, 0.7, 0)
    assert claims_of_new_theme(centre, 4, [THEME_A], OWN[:1], min_cosine=0.42, fold_share=0.3) is None  # 2 of 6
    kept = claims_of_new_theme(centre, 5, [THEME_A], OWN[:1], min_cosine=0.42, fold_share=0.3)  # 2 of 7
    assert kept is not None and kept[0].tolist() == [False, True, True, False]
    # fold_threshold 1.0 (re-clusters never fold): never a split, even when A gives 2 of 3
    kept = claims_of_new_theme(centre, 1, [THEME_A], OWN[:1], min_cosine=0.42, fold_share=1.0)
    assert kept is not None and kept[0].tolist() == [False, True, True, False]


def test_no_neighbours_and_empty_themes() -> None:
    moves = claims_of_new_theme(NEW, 5, [np.zeros((0, 3), dtype=np.float32)], OWN[:1], min_cosine=0.42,
                                fold_share=0.3)
    assert moves is not None and moves[0].tolist() == []
    assert claims_of_new_theme(NEW, 5, [], np.zeros((0, 3), dtype=np.float32), min_cosine=0.42,
                               fold_share=0.3) == []
