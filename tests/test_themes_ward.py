"""The Ward partition (ThemeSettings.partition = "ward"): real HDBSCAN and scipy on synthetic unit vectors."""

from __future__ import annotations

import hdbscan
import numpy as np
import pytest
from pydantic import ValidationError
from sklearn.metrics import adjusted_rand_score

from feedback.themes import cluster
from feedback.themes.settings import ThemeSettings, same_shape
from tests.themes_fixtures import blobs, keys_of

SETTINGS = ThemeSettings(min_cluster_size=10, dims=10)


def test_ward_is_the_default_and_part_of_the_fit_shape() -> None:
    assert ThemeSettings().partition == "ward"
    stored = ThemeSettings().model_dump(mode="json")
    assert same_shape(stored, ThemeSettings())
    assert not same_shape(stored, ThemeSettings(partition="hdbscan"))
    assert not same_shape(stored, ThemeSettings(ward_max=1000))


def test_ward_neighbours_are_five_by_default_and_part_of_the_fit_shape() -> None:
    assert ThemeSettings().ward_neighbours == 5
    assert not same_shape(ThemeSettings().model_dump(mode="json"), ThemeSettings(ward_neighbours=0))
    # a fit stored before the field existed linked the points themselves: today's default is another shape
    before_neighbours = {k: v for k, v in ThemeSettings().model_dump(mode="json").items() if k != "ward_neighbours"}
    assert not same_shape(before_neighbours, ThemeSettings())
    assert same_shape(before_neighbours, ThemeSettings(ward_neighbours=0))
    # ... and one stored before the Ward partition kept HDBSCAN's own clusters
    before_ward = {k: v for k, v in before_neighbours.items() if k not in ("partition", "ward_max")}
    assert not same_shape(before_ward, ThemeSettings())
    assert same_shape(before_ward, ThemeSettings(partition="hdbscan", ward_neighbours=0))


def test_ward_on_neighbour_means_recovers_separated_themes() -> None:
    vectors, truth = blobs()
    settings = SETTINGS.model_copy(update={"ward_neighbours": 5})
    cents, result = cluster.fit(vectors, keys_of(len(truth)), settings)
    assert cents.shape[0] == 6
    assert adjusted_rand_score(truth, result.theme) == pytest.approx(1.0)


def test_neighbour_means_average_each_row_with_its_nearest() -> None:
    rows = np.array([[1, 0], [0.8, 0.6], [0, 1], [-1, 0]], dtype=np.float32)
    # nearest other row by cosine: 0 -> 1 (0.8), 1 -> 0 (0.8), 2 -> 1 (0.6), 3 -> 2 (0.0)
    expected = np.array([[0.9, 0.3], [0.9, 0.3], [0.4, 0.8], [-0.5, 0.5]])
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
    assert np.allclose(cluster.neighbour_means(rows, 1), expected, atol=1e-6)
    # every other row: one mean for all
    assert np.allclose(cluster.neighbour_means(rows, 3), cluster.normalise(rows.mean(axis=0, keepdims=True)))
    assert np.allclose(cluster.neighbour_means(rows, 50), cluster.neighbour_means(rows, 3))  # capped at n - 1
    assert cluster.neighbour_means(rows, 0) is rows
    assert cluster.neighbour_means(rows[:1], 5) is not None and np.array_equal(cluster.neighbour_means(rows[:1], 5), rows[:1])


def test_neighbour_means_in_chunks_match_one_pass() -> None:
    vectors, _ = blobs(per=220, k=5, seed=3)  # 1,100 rows: two chunks of cosines
    whole = cluster.normalise(vectors)
    sims = whole @ whole.T
    np.fill_diagonal(sims, np.inf)
    nearest = np.argsort(-sims, axis=1)[:, :4]
    assert np.allclose(cluster.neighbour_means(vectors, 3), cluster.normalise(whole[nearest].mean(axis=1)), atol=1e-6)


@pytest.mark.parametrize("bad", [{"partition": "kmeans"}, {"ward_max": 99}, {"ward_max": "many"},
                                 {"ward_neighbours": -1}, {"ward_neighbours": 51}])
def test_bad_ward_settings_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        ThemeSettings(**bad)  # type: ignore[arg-type]


def test_ward_fit_recovers_separated_themes_in_any_input_order() -> None:
    vectors, truth = blobs()
    keys = keys_of(len(truth))
    cents, result = cluster.fit(vectors, keys, SETTINGS)
    assert cents.shape[0] == 6
    assert adjusted_rand_score(truth, result.theme) == pytest.approx(1.0)
    perm = np.random.default_rng(1).permutation(len(truth))
    again_cents, again = cluster.fit(vectors[perm], [keys[i] for i in perm], SETTINGS)
    assert np.array_equal(result.theme[perm], again.theme)  # same numbering too, not only the same partition
    assert np.allclose(cents, again_cents)


def test_ward_draws_the_count_hdbscan_found() -> None:
    vectors, truth = blobs(per=40, k=4, seed=8)
    keys = keys_of(len(truth))
    labels = cluster.ward_labels(vectors, keys, 4, SETTINGS)
    assert adjusted_rand_score(truth, labels) == pytest.approx(1.0)
    assert labels[0] == 0  # numbered by first member in key order
    two = cluster.ward_labels(vectors, keys, 2, SETTINGS)
    assert sorted(set(two.tolist())) == [0, 1]
    # every blob stays whole when fewer clusters are asked for
    assert all(len(set(two[truth == b].tolist())) == 1 for b in range(4))


@pytest.mark.parametrize(("count", "expected"), [(None, 6), (3, 3), (12, 12), (36, 36), (2000, 36)])
def test_an_analyst_sets_how_many_themes_a_fit_draws(count: int | None, expected: int) -> None:
    """``theme_count``: the granularity an analyst chooses (`feedback themes recluster --themes N`), in place of
    the count HDBSCAN finds (six blobs); at most one theme per smallest theme's worth of segments (360 / 10)."""
    vectors, truth = blobs()
    settings = SETTINGS.model_copy(update={"theme_count": count})
    cents, result = cluster.fit(vectors, keys_of(len(truth)), settings)
    assert (cents.shape[0], len(set(result.theme.tolist()) - {-1})) == (expected, expected)
    if count == 3:  # broader: blobs join, none is cut
        assert all(len(set(result.theme[truth == b].tolist())) == 1 for b in range(6))


def test_a_theme_count_is_part_of_the_fit_shape_and_needs_the_ward_partition() -> None:
    stored = ThemeSettings().model_dump(mode="json")
    assert not same_shape(stored, ThemeSettings(theme_count=40))
    before = {k: v for k, v in stored.items() if k != "theme_count"}  # stored before the field existed
    assert same_shape(before, ThemeSettings())
    for bad in ({"theme_count": 1}, {"theme_count": 40, "partition": "hdbscan"},
                {"theme_count": 40, "consensus_fits": 5}):
        with pytest.raises(ValidationError, match="theme_count"):
            ThemeSettings(**bad)  # type: ignore[arg-type]


def test_ward_on_a_capped_sample_leaves_the_rest_to_the_refinement() -> None:
    vectors, truth = blobs(per=80)
    keys = keys_of(len(truth))
    settings = SETTINGS.model_copy(update={"ward_max": 200})
    labels = cluster.ward_labels(vectors, keys, 6, settings)
    assert int((labels >= 0).sum()) == 200
    sampled = labels >= 0
    assert adjusted_rand_score(truth[sampled], labels[sampled]) == pytest.approx(1.0)
    cents, result = cluster.fit(vectors, keys, settings)
    assert cents.shape[0] == 6
    assert np.all(result.theme >= 0)
    assert adjusted_rand_score(truth, result.theme) == pytest.approx(1.0)


def test_ward_with_no_count_or_few_segments() -> None:
    vectors, _ = blobs(per=3, k=1)
    keys = keys_of(3)
    assert cluster.ward_labels(vectors, keys, 0, SETTINGS).tolist() == [-1, -1, -1]
    assert cluster.ward_labels(vectors, keys, 5, SETTINGS).tolist() == [0, 1, 2]


# the Ward partition (default), the old HDBSCAN one and the consensus fit meet the same edge cases alike
PARTITIONS = [SETTINGS, SETTINGS.model_copy(update={"partition": "hdbscan"}),
              ThemeSettings(consensus_fits=5, min_cluster_size=10, dims=10)]


@pytest.mark.parametrize("settings", PARTITIONS, ids=["ward", "hdbscan", "consensus"])
@pytest.mark.parametrize("n", [0, 1, 7])
def test_a_fit_on_too_few_segments_gives_no_theme(n: int, settings: ThemeSettings) -> None:
    vectors, _ = blobs(per=max(n, 1), k=1)
    vectors = vectors[:n]
    cents, result = cluster.fit(vectors, keys_of(n), settings)
    assert cents.shape[0] == 0
    assert result.theme.tolist() == [-1] * n


@pytest.mark.parametrize("settings", PARTITIONS, ids=["ward", "hdbscan", "consensus"])
def test_a_fit_needs_one_key_per_vector(settings: ThemeSettings) -> None:
    vectors, _ = blobs()
    with pytest.raises(ValueError, match="one key per vector"):
        cluster.fit(vectors, keys_of(3), settings)


def test_hdbscan_partition_is_still_available() -> None:
    vectors, truth = blobs(seed=4)
    keys = keys_of(len(truth))
    _, ward = cluster.fit(vectors, keys, SETTINGS)
    _, old = cluster.fit(vectors, keys, SETTINGS.model_copy(update={"partition": "hdbscan"}))
    assert adjusted_rand_score(ward.theme, old.theme) == pytest.approx(1.0)


def test_one_dense_group_among_scattered_points_is_a_cluster() -> None:
    group, _ = blobs(per=8, k=1, dim=64, spread=0.03, seed=11)
    scattered = cluster.normalise(np.random.default_rng(12).normal(size=(20, 64)))  # nearly orthogonal
    vectors = np.vstack([group, scattered])
    settings = ThemeSettings(min_cluster_size=5, reduction="none", partition="hdbscan")
    plain = hdbscan.HDBSCAN(min_cluster_size=5, min_samples=3, cluster_selection_method="leaf")
    assert plain.fit_predict(vectors).max() == -1  # HDBSCAN alone never selects its root
    labels = cluster.hdbscan_labels(vectors, keys_of(len(vectors)), settings)
    assert int((labels[:8] == 0).sum()) >= 5 and labels.max() == 0
    assert labels[8:].tolist() == [-1] * 20
    _, result = cluster.fit(vectors, keys_of(len(vectors)), settings)
    assert result.theme.tolist() == [0] * 8 + [-1] * 20


def test_one_comment_repeating_itself_is_not_a_cluster() -> None:
    group, _ = blobs(per=8, k=1, dim=64, spread=0.03, seed=11)
    scattered = cluster.normalise(np.random.default_rng(12).normal(size=(20, 64)))  # nearly orthogonal
    vectors = np.vstack([group, scattered])
    keys = [f"h{i:05d}:same:{i}" for i in range(8)] + [f"s{i:05d}:c{i}:0" for i in range(20)]
    settings = ThemeSettings(min_cluster_size=5, reduction="none", partition="hdbscan")
    assert cluster.hdbscan_labels(vectors, keys, settings).tolist() == [-1] * 28
