"""The sample top level's diagnosis (bench/themes_taxonomy.py) on tiny themes with known answers."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from themes_taxonomy import (  # noqa: E402
    Leaves,
    diagnose,
    known_of_leaves,
    nearest_known_groups,
    pair_auc,
    perfect_groups,
    shares,
)


def leaves(centroids: list[list[float]], themes_of: dict[str, set[int]], top: list[int] | None = None,
           sizes: list[float] | None = None) -> Leaves:
    cents = np.array(centroids, dtype=np.float64)
    cents /= np.linalg.norm(cents, axis=1, keepdims=True)
    ids = [10 + i for i in range(len(centroids))]
    return Leaves(ids, [f"theme {i}" for i in ids], top or ids, cents,
                  np.array(sizes or [1.0] * len(ids)), themes_of)


# Themes 10 and 11 hold known theme "a" (4 comments each), 12 holds "b", 13 a mix of both.
THEMES_OF = {**{f"a{i}": {10} for i in range(4)}, **{f"a{i}": {11} for i in range(4, 8)},
             **{f"b{i}": {12} for i in range(4)}, "a8": {13}, "b4": {13}, "a9": {13}}
TRUTH = {"a": [f"a{i}" for i in range(10)], "b": [f"b{i}" for i in range(5)]}


def test_a_theme_belongs_to_a_known_theme_only_with_enough_agreeing_comments() -> None:
    found = leaves([[1, 0], [1, 0.1], [0, 1], [1, 1]], THEMES_OF)
    assert known_of_leaves(found, TRUTH, min_votes=3, purity=0.6) == ["a", "a", "b", "a"]  # 13: 2 of 3 are "a"
    assert known_of_leaves(found, TRUTH, min_votes=3, purity=0.7) == ["a", "a", "b", None]
    assert known_of_leaves(found, TRUTH, min_votes=4, purity=0.6) == ["a", "a", "b", None]


def test_shares_count_a_comment_under_a_group_when_any_of_its_themes_is_there() -> None:
    found = leaves([[1, 0], [1, 0.1], [0, 1], [1, 1]], THEMES_OF)
    # every theme alone: "a" has 4 of 10 under its modal theme, "b" 4 of 5
    assert shares(found, TRUTH, [0, 1, 2, 3], min_comments=1) == {"a": 0.4, "b": 0.8}
    # 10 and 11 together: 8 of 10; 13 joins "b": 5 of 5
    assert shares(found, TRUTH, [0, 0, 2, 2], min_comments=1) == {"a": 0.8, "b": 1.0}
    assert perfect_groups(["a", "a", "b", None]) == [0, 0, 1, 5]


def test_each_theme_goes_to_the_nearest_known_centre_without_itself() -> None:
    # "a": 10 and 11 near (1, 0); "b": 12 at (0, 1) and 13 at (1, 0.2), far nearer "a"'s centre
    found = leaves([[1, 0], [1, 0.1], [0, 1], [1, 0.2]], THEMES_OF)
    assert nearest_known_groups(found, ["a", "a", "b", "b"]) == [0, 0, 1, 0]
    # a theme alone in its known theme has no centre of its own left: it goes to the nearest other
    assert nearest_known_groups(found, ["a", "a", "b", None]) == [0, 0, 0, 0]


@pytest.mark.parametrize(("similarity", "auc"), [
    ([[1, 0.9, 0.1], [0.9, 1, 0.2], [0.1, 0.2, 1]], 1.0),  # the one same-theme pair is the most similar
    ([[1, 0.1, 0.9], [0.1, 1, 0.2], [0.9, 0.2, 1]], 0.0),  # ... the least similar
    ([[1, 0.5, 0.9], [0.5, 1, 0.2], [0.9, 0.2, 1]], 0.5),  # between the two others
])
def test_pair_auc_ranks_same_known_theme_pairs_above_the_others(similarity: list[list[float]], auc: float) -> None:
    assert pair_auc(np.array(similarity), ["a", "a", "b"]) == auc


def test_pair_auc_needs_pairs_of_both_kinds() -> None:
    with pytest.raises(ValueError, match="both kinds"):
        pair_auc(np.eye(3), ["a", "a", None])


def test_diagnosis_reports_each_grouping_and_where_known_themes_go() -> None:
    found = leaves([[1, 0], [1, 0.1], [0, 1], [1, 0.2]], THEMES_OF, top=[10, 10, 12, 13])
    lines = diagnose(found, TRUTH, min_comments=1)
    assert lines[0] == "- this top level: 3 entries, 0 of 2 known themes >= 0.85, mean share 0.800, lowest 0.80"
    assert lines[1].startswith("- perfect grouping of the fine themes: 2 entries, 1 of 2 known themes >= 0.85, "
                             "mean share 0.900")
    assert lines[3].startswith("- theme pairs of one known theme vs two (4 of 4 themes with one), ROC AUC: ")
    assert lines[4].startswith("- a (10 comments, 0.80 under one entry): entries #10 8, #13 2; themes ")
