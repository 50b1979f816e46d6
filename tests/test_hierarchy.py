"""The top level over the themes (feedback/themes/hierarchy.py): Ward's merges of weighted points,
the cut, the silhouette, and the groups parent_groups makes of themes with a known topic."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import silhouette_score

from feedback.themes import hierarchy, label_claims


@pytest.mark.parametrize(("points", "weights", "merges"), [
    # three on a line: the two close ones first
    ([[0.0], [1.0], [5.0]], [1, 1, 1], [(0, 1), (0, 2)]),
    # equal gaps: the weights decide (merging two light points costs less)
    ([[0.0], [1.0], [2.0]], [10, 1, 1], [(1, 2), (0, 1)]),
    ([[0.0], [1.0], [2.0]], [1, 1, 10], [(0, 1), (0, 2)]),
    # two pairs: the tighter pair first, then the other, then the two groups
    ([[0.0, 0.0], [0.0, 0.5], [9.0, 0.0], [9.0, 1.0]], [1, 1, 1, 1], [(0, 1), (2, 3), (0, 2)]),
])
def test_weighted_ward_merges_the_cheapest_pair_first(points: list[list[float]], weights: list[int],
                                                      merges: list[tuple[int, int]]) -> None:
    assert hierarchy.weighted_ward(np.array(points), np.array(weights, dtype=float)) == merges


def test_weighted_ward_cost_is_the_rise_in_the_sum_of_squares() -> None:
    # a heavy point at 0 and a light one at 3 against two light points at 10 and 11: the heavy
    # point's pull makes joining 3 to it (cost 4*1/5*9 = 7.2) dearer than 10 with 11 (0.5), and
    # joining 3 to {10, 11} (1*2/3*7.5^2 = 37.5) dearer than to 0
    merges = hierarchy.weighted_ward(np.array([[0.0], [3.0], [10.0], [11.0]]), np.array([4.0, 1.0, 1.0, 1.0]))
    assert merges == [(2, 3), (0, 1), (0, 2)]


@pytest.mark.parametrize(("count", "labels"), [
    (4, [0, 1, 2, 3]),
    (3, [0, 0, 2, 3]),
    (2, [0, 0, 2, 2]),
    (1, [0, 0, 0, 0]),
])
def test_cut_replays_the_first_merges(count: int, labels: list[int]) -> None:
    assert hierarchy.cut([(0, 1), (2, 3), (0, 2)], 4, count).tolist() == labels


@pytest.mark.parametrize("labels", [[0, 0, 1, 1, 2, 2], [0, 0, 0, 1, 1, 2], [0, 1, 0, 1, 0, 1]])
def test_silhouette_is_scikit_learns(labels: list[int]) -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(6, 4))
    distance = np.sqrt(((x[:, None] - x[None]) ** 2).sum(-1))
    assert hierarchy.silhouette(distance, np.array(labels)) == pytest.approx(
        silhouette_score(distance, labels, metric="precomputed"), abs=1e-12)


def topics(count: int, per_topic: int, spread: float, seed: int = 0) -> tuple[np.ndarray, list[int]]:
    """Theme centroids around ``count`` topic directions (384 dims), and each theme's topic."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(count, 384))
    themes = np.vstack([c + spread * rng.normal(size=(per_topic, 384)) for c in centres])
    return themes, [t for t in range(count) for _ in range(per_topic)]


def as_partition(groups: list[list[int]], k: int) -> list[int]:
    top = list(range(k))
    for g, members in enumerate(groups):
        for i in members:
            top[i] = k + g
    return top


def same_partition(first: list[int], second: list[int]) -> bool:
    pairs = set(zip(first, second, strict=True))
    return len(pairs) == len(set(first)) == len(set(second))


@pytest.mark.parametrize("count", [8, 10, 13])
def test_the_data_chooses_how_many_top_level_themes(count: int) -> None:
    themes, truth = topics(count, per_topic=6, spread=0.5)
    groups = hierarchy.parent_groups(themes, threshold=0.35, max_top=25, sizes=[20] * len(truth))
    assert same_partition(as_partition(groups, len(truth)), truth)


@pytest.mark.parametrize(("fixed", "threshold", "entries"), [
    (8, 0.35, 8),
    (12, 0.9, 12),
    (12, 0.35, 12),  # the analyst's count, though average linkage keeps only 10 groups apart at `threshold`
])
def test_analysts_fix_the_count(fixed: int, threshold: float, entries: int) -> None:
    themes, truth = topics(10, per_topic=6, spread=0.5)
    groups = hierarchy.parent_groups(themes, threshold, max_top=fixed, sizes=[20] * len(truth), fewest=fixed)
    assert len(set(as_partition(groups, len(truth)))) == entries


def test_order_of_the_themes_does_not_change_the_groups() -> None:
    themes, truth = topics(9, per_topic=4, spread=0.6, seed=2)
    sizes = np.random.default_rng(1).integers(5, 80, len(truth))
    first = as_partition(hierarchy.parent_groups(themes, 0.35, 25, sizes=sizes), len(truth))
    order = np.random.default_rng(4).permutation(len(truth))
    again = hierarchy.parent_groups(themes[order], 0.35, 25, sizes=sizes[order])
    back = as_partition([[int(order[i]) for i in g] for g in again], len(truth))
    assert same_partition(first, back)


@pytest.mark.parametrize(("themes", "groups"), [(np.zeros((0, 4)), []), (np.ones((1, 4)), []),
                                                 (np.eye(2), [])])
def test_too_few_themes_for_groups(themes: np.ndarray, groups: list[list[int]]) -> None:
    assert hierarchy.parent_groups(themes, 0.35, 25) == groups


def test_one_size_per_theme_is_needed() -> None:
    with pytest.raises(ValueError, match="one size per theme"):
        hierarchy.parent_groups(np.eye(4), 0.35, 25, sizes=[1, 2, 3])


TOPIC_TEXT = ["The refund took two weeks.", "Late delivery again.", "The app keeps crashing."]
NOTHING = [["As above."] * 5, ["fine", "Fine.", "fine", "It was alright", "fine"], ["Made my day."] * 4,
           ["Le livreur était très sympathique et serviable.", "El repartidor fue muy amable, ¡gracias!"] * 2]


def test_themes_that_say_nothing_make_one_entry_of_their_own() -> None:
    # 8 topics of 6 themes; in four topics one theme says nothing about a topic ("As above", "Fine",
    # "Made my day") or is in another language: the first three leave their topics for one entry,
    # the other language for an entry of its own (what it says is unread, not nothing)
    themes, truth = topics(8, per_topic=6, spread=0.5, seed=5)
    free, foreign = [0, 13, 26], 39
    docs = [NOTHING[[*free, foreign].index(i)] if i in [*free, foreign] else TOPIC_TEXT for i in range(len(truth))]
    plain = hierarchy.parent_groups(themes, 0.35, 25, sizes=[20] * len(truth))
    groups = hierarchy.parent_groups(themes, 0.35, 25, sizes=[20] * len(truth), docs=docs)
    assert free in groups
    expected = [101 if i == foreign else 100 if i in free else t for i, t in enumerate(truth)]
    assert same_partition(as_partition(groups, len(truth)), expected)
    assert len(groups) == len(plain) + 1 == 9


@pytest.mark.parametrize(("docs", "free"), [
    ([["As above."], ["Late delivery again."], []], [0]),  # a theme with no texts names nothing either way
    ([["n/a", "Thanks, [NAME]"], ["Call me on [PHONE]"], ["The app keeps crashing."]], [0]),
    ([["Thanks, [NAME]"] * 3, ["As above.", "Late delivery again.", "Wrong items."], ["👍"]], [2]),
])
def test_content_free_themes_are_read_from_their_texts(docs: list[list[str]], free: list[int]) -> None:
    assert hierarchy.content_free(docs) == free


def test_one_list_of_texts_per_theme_is_needed() -> None:
    with pytest.raises(ValueError, match="one list of texts per theme"):
        hierarchy.parent_groups(np.eye(4), 0.35, 25, docs=[["As above."]] * 3)


@pytest.mark.parametrize("fixed", [8, 12])
def test_a_fixed_count_holds_the_content_free_entry(fixed: int) -> None:
    themes, truth = topics(10, per_topic=6, spread=0.5)
    free = [0, 13, 26, 39]
    docs = [NOTHING[free.index(i)] if i in free else TOPIC_TEXT for i in range(len(truth))]
    groups = hierarchy.parent_groups(themes, 0.9, max_top=fixed, sizes=[20] * len(truth), fewest=fixed, docs=docs)
    assert free[:3] in groups
    assert all(39 not in g for g in groups)  # another language: an entry of its own
    assert len(set(as_partition(groups, len(truth)))) == fixed


# --- sides: praise against complaints and requests (issue #12: "Staff praise" held "More tills") --------

PRAISE = ["Lovely staff, nothing is too much trouble.", "Staff are always friendly and polite.",
          "Very helpful staff, brilliant service."]
REQUESTS = ["Open more tills at busy times", "More staff at the weekend", "Offer bagless delivery"]
COMPLAINTS = ["The driver was rude and the bags were damaged.", "Terrible, the order was late and wrong.",
              "Useless app, it crashed again."]
NEUTRAL = ["I ordered on Tuesday for the weekend.", "The delivery came at noon."]
FOREIGN = ["Le remboursement n'est toujours pas arrivé, c'est inadmissible.",
           "El reembolso todavía no ha llegado."]


@pytest.mark.parametrize(("docs", "expected"), [
    (PRAISE, 1), (REQUESTS, -1), (COMPLAINTS, -1), (NEUTRAL, 0), ([], 0),
    (["More staff at the weekend", "More staff on the tills", "Lovely staff"], -1),  # most ask: a request
    (["Lovely staff", "Friendly staff", "More staff at the weekend"], 1),
])
def test_a_themes_side_is_read_from_its_best_segments(docs: list[str], expected: int) -> None:
    assert hierarchy.side(docs) == expected


@pytest.mark.parametrize(("text", "asks"), [
    ("Open more tills at busy times", True), ("More staff at the weekend", True), ("Need fewer plastic bags", True),
    ("Offer bagless delivery", True), ("Don't put the bottles on the bread", True),
    ("Can you open more tills?", False), ("There were more tills open today", False),
    ("I want more choice", False), ("The staff were lovely", False), ("", False),
])
def test_what_asks_the_company_to_do_something(text: str, asks: bool) -> None:
    assert label_claims.asks(text) is asks


def two_sided(seed: int = 11) -> tuple[np.ndarray, list[int]]:
    """8 topics of 6 themes; topic 0's themes 0-2 praise it, 3-5 ask for more of it (one topic to
    the centroids, as "Lovely staff" and "More staff" are to MiniLM)."""
    return topics(8, per_topic=6, spread=0.5, seed=seed)


@pytest.mark.parametrize(("kinds", "expected"), [
    # praise and requests, each half of the topic: two entries ("Staff praise", "Staff requests")
    ({0: PRAISE, 1: PRAISE, 2: PRAISE, 3: REQUESTS, 4: REQUESTS, 5: REQUESTS}, [[0, 1, 2], [3, 4, 5]]),
    # praise and complaints; a neutral theme goes with the side whose centroid is nearer (here the complaints')
    ({0: PRAISE, 1: PRAISE, 2: NEUTRAL, 3: COMPLAINTS, 4: COMPLAINTS, 5: COMPLAINTS}, [[0, 1], [2, 3, 4, 5]]),
    # one complaint in a topic of praise (too small a side to split) stays: no other group is of its side
    ({0: PRAISE, 1: PRAISE, 2: PRAISE, 3: PRAISE, 4: PRAISE, 5: COMPLAINTS}, [[0, 1, 2, 3, 4, 5]]),
])
def test_a_group_of_both_sides_splits(kinds: dict[int, list[str]], expected: list[list[int]]) -> None:
    themes, truth = two_sided()
    docs = [kinds.get(i, NEUTRAL) for i in range(len(truth))]
    plain = hierarchy.parent_groups(themes, 0.35, 25, sizes=[20] * len(truth))
    groups = hierarchy.parent_groups(themes, 0.35, 25, sizes=[20] * len(truth), docs=docs)
    assert [0, 1, 2, 3, 4, 5] in plain  # Ward alone keeps the topic whole
    topic = [g for g in groups if set(g) & set(range(6))]
    assert sorted(topic) == expected
    assert [g for g in groups if not set(g) & set(range(6))] == [g for g in plain if not set(g) & set(range(6))]


@pytest.mark.parametrize(("own", "expected"), [
    (0.52, [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9, 10, 11]]),  # about as near topic 1 (complaints): it moves there
    (0.57, [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9, 10, 11]]),  # nearer its own, within MOVE_MARGIN (stayed at 0.1)
    (0.6, [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9, 10, 11]]),  # likewise (stayed at 0.2)
    (0.65, [[0, 1, 2, 3, 4, 5], [6, 7, 8, 9, 10, 11]]),  # much nearer its own topic: it stays
])
def test_a_theme_on_the_wrong_side_moves_to_a_near_group_of_its_side(own: float, expected: list[list[int]]) -> None:
    # topic 0: five praise themes and a complaint (theme 5) between topic 0 and topic 1 (complaints),
    # ``own`` of the way to topic 0's centre; Ward alone keeps it in topic 0 both times
    themes, truth = two_sided()
    centres = [themes[0:5].mean(axis=0), themes[6:12].mean(axis=0)]
    themes[5] = own * centres[0] / np.linalg.norm(centres[0]) + (1 - own) * centres[1] / np.linalg.norm(centres[1])
    docs = [PRAISE if i < 5 else COMPLAINTS for i in range(len(truth))]
    plain = hierarchy.parent_groups(themes, 0.35, 25, sizes=[20] * len(truth))
    groups = hierarchy.parent_groups(themes, 0.35, 25, sizes=[20] * len(truth), docs=docs)
    assert [0, 1, 2, 3, 4, 5] in plain
    assert sorted(g for g in groups if g[0] < 12) == expected


def test_an_entry_too_big_to_scan_splits_in_two() -> None:
    # one topic of 50 themes beside 7 of 3: over MOST_CHILDREN (40), it is split in two when the
    # count allows one more entry; the other entries stay
    big, _ = topics(1, per_topic=50, spread=0.4, seed=3)
    rest, _ = topics(7, per_topic=3, spread=0.3, seed=4)
    everything = np.vstack([big, rest])
    docs = [NEUTRAL] * len(everything)
    plain = hierarchy.parent_groups(everything, 0.9, max_top=9, sizes=[20] * len(everything), fewest=8)
    groups = hierarchy.parent_groups(everything, 0.9, max_top=9, sizes=[20] * len(everything), fewest=8, docs=docs)
    assert list(range(50)) in plain and len(plain) == 8
    parts = [g for g in groups if g[0] < 50]
    assert len(parts) == 2 and sorted(parts[0] + parts[1]) == list(range(50))
    assert max(map(len, parts)) <= hierarchy.MOST_CHILDREN
    assert [g for g in groups if g[0] >= 50] == [g for g in plain if g[0] >= 50]
