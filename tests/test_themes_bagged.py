"""Bagged Ward (ThemeSettings.bag_fits): Ward fits on hash subsamples, the themes most of them draw kept."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError
from sklearn.metrics import adjusted_rand_score

from feedback.themes import cluster
from feedback.themes.settings import ThemeSettings, same_shape
from tests.themes_fixtures import blobs, keys_of

SETTINGS = ThemeSettings(min_cluster_size=10, dims=10, bag_fits=5, bag_min=100)


def test_bagging_is_the_default_and_part_of_the_fit_shape() -> None:
    settings = ThemeSettings()
    assert (settings.bag_fits, settings.bag_share, settings.bag_distance, settings.bag_min) == (25, 0.7, 0.13, 1000)
    stored = settings.model_dump(mode="json")
    assert same_shape(stored, ThemeSettings())
    for other in ({"bag_fits": 0}, {"bag_share": 0.5}, {"bag_distance": 0.2}, {"bag_min": 500}):
        assert not same_shape(stored, ThemeSettings(**other)), other  # type: ignore[arg-type]
    # a fit stored before bagging was one Ward fit: today's default is another shape
    before = {k: v for k, v in stored.items() if not k.startswith("bag_")}
    assert not same_shape(before, ThemeSettings())
    assert same_shape(before, ThemeSettings(bag_fits=0))


@pytest.mark.parametrize("bad", [{"bag_fits": -1}, {"bag_fits": 51}, {"bag_share": 0.0}, {"bag_share": 1.5},
                                 {"bag_distance": 0.0}, {"bag_distance": 1.0}, {"bag_min": 9}, {"bag_fits": "many"}])
def test_bad_bagging_settings_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        ThemeSettings(**bad)  # type: ignore[arg-type]


def spy_on_ward(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The keys of every Ward fit the engine runs, in call order (the real Ward still runs)."""
    calls: list[list[str]] = []
    real = cluster.ward_labels

    def spy(vectors: np.ndarray, keys: list[str], count: int, settings: ThemeSettings) -> np.ndarray:
        calls.append(list(keys))
        return real(vectors, keys, count, settings)

    monkeypatch.setattr(cluster, "ward_labels", spy)
    return calls


def test_bagged_fit_recovers_separated_themes_in_any_input_order(monkeypatch: pytest.MonkeyPatch) -> None:
    vectors, truth = blobs()
    keys = keys_of(len(truth))
    calls = spy_on_ward(monkeypatch)
    cents, result = cluster.fit(vectors, keys, SETTINGS)
    assert len(calls) == 5 and all(len(c) == 252 for c in calls)  # five fits of 70 % of 360 segments
    assert len({tuple(c) for c in calls}) == 5  # each its own sample
    assert cents.shape[0] == 6
    assert adjusted_rand_score(truth, result.theme) == pytest.approx(1.0)
    perm = np.random.default_rng(1).permutation(len(truth))
    again_cents, again = cluster.fit(vectors[perm], [keys[i] for i in perm], SETTINGS)
    assert np.array_equal(result.theme[perm], again.theme)  # same numbering too
    assert np.allclose(cents, again_cents, atol=1e-6)


def test_the_seed_draws_other_samples(monkeypatch: pytest.MonkeyPatch) -> None:
    vectors, truth = blobs()
    keys = keys_of(len(truth))
    calls = spy_on_ward(monkeypatch)
    _, first = cluster.fit(vectors, keys, SETTINGS)
    _, other = cluster.fit(vectors, keys, SETTINGS.model_copy(update={"seed": 1}))
    assert not {tuple(c) for c in calls[:5]} & {tuple(c) for c in calls[5:]}
    assert adjusted_rand_score(first.theme, other.theme) == pytest.approx(1.0)  # clear themes do not move


def test_bagging_acts_only_from_bag_min(monkeypatch: pytest.MonkeyPatch) -> None:
    vectors, truth = blobs(per=30)  # 180 segments
    keys = keys_of(len(truth))
    calls = spy_on_ward(monkeypatch)
    _, few = cluster.fit(vectors, keys, SETTINGS.model_copy(update={"bag_min": 181}))
    assert len(calls) == 1 and len(calls[0]) == 180  # one Ward fit on everything
    _, single = cluster.fit(vectors, keys, SETTINGS.model_copy(update={"bag_fits": 0}))
    assert len(calls) == 2
    assert np.array_equal(few.theme, single.theme)
    _, bagged = cluster.fit(vectors, keys, SETTINGS.model_copy(update={"bag_min": 180}))
    assert len(calls) == 7
    assert adjusted_rand_score(truth, bagged.theme) == pytest.approx(1.0)


def fits_that_join(monkeypatch: pytest.MonkeyPatch, truth: np.ndarray, keys: list[str], joining: int) -> None:
    """Every fit draws the true groups, but the first ``joining`` fits draw groups 0 and 1 as one."""
    group = dict(zip(keys, truth.tolist(), strict=True))
    calls: list[int] = []

    def fake(vectors: np.ndarray, fit_keys: list[str], count: int, settings: ThemeSettings) -> np.ndarray:
        calls.append(1)
        drawn = np.array([group[k] for k in fit_keys])
        if len(calls) <= joining:
            drawn = np.where(drawn == 1, 0, drawn)
        return np.unique(drawn, return_inverse=True)[1]

    monkeypatch.setattr(cluster, "ward_labels", fake)


@pytest.mark.parametrize(("joining", "themes"), [(0, 6), (2, 6), (3, 5), (5, 5)])
def test_a_theme_is_kept_when_more_than_half_the_fits_draw_it(monkeypatch: pytest.MonkeyPatch, joining: int,
                                                             themes: int) -> None:
    vectors, truth = blobs()
    keys = keys_of(len(truth))
    fits_that_join(monkeypatch, truth, keys, joining)
    labels = cluster.bagged_labels(vectors, keys, 6, SETTINGS)
    assert int(labels.max()) + 1 == themes
    if themes == 6:  # groups 0 and 1 apart in 3 or more of 5 fits: the joined group (2 fits) is not a theme
        assert adjusted_rand_score(truth, labels) == pytest.approx(1.0)
    else:  # joined in 3 or more: the two halves (2 fits or fewer) are not themes, the joined one is
        assert adjusted_rand_score(np.where(truth == 1, 0, truth), labels) == pytest.approx(1.0)


def test_bagging_with_no_count_falls_back_to_one_ward_fit() -> None:
    vectors, _ = blobs(per=30)
    keys = keys_of(len(vectors))
    assert cluster.bagged_labels(vectors, keys, 0, SETTINGS).tolist() == [-1] * len(keys)


def test_the_outlier_pool_proposes_groups_each_bagged_fit_would_see() -> None:
    settings = ThemeSettings()
    assert settings.pool_size(999) == 5  # one Ward fit below bag_min: the smallest theme
    assert settings.pool_size(1000) == 8  # bagged: 5 segments in each fit's 70 % need 8 (ceil of 7.14)
    assert settings.pool_size(30000) == 29  # max(5, 20,000 fitted / 1000) = 20, over 0.7
    assert ThemeSettings(bag_fits=0).pool_size(5000) == 5
    assert ThemeSettings(partition="hdbscan").pool_size(5000) == 5
    assert ThemeSettings(consensus_fits=5).pool_size(5000) == 5
    assert ThemeSettings(pool_min_size=6).pool_size(5000) == 6  # the analyst's own size as given


def test_fewer_fits_when_the_pooled_centroids_would_be_too_many(monkeypatch: pytest.MonkeyPatch) -> None:
    vectors, truth = blobs()
    keys = keys_of(len(truth))
    calls = spy_on_ward(monkeypatch)
    monkeypatch.setattr(cluster, "BAG_CENTROIDS", 24)  # 6 themes a fit: 4 fits
    labels = cluster.bagged_labels(vectors, keys, 6, SETTINGS.model_copy(update={"bag_fits": 25}))
    assert len(calls) == 4
    assert adjusted_rand_score(truth, labels) == pytest.approx(1.0)
    monkeypatch.setattr(cluster, "BAG_CENTROIDS", 6)  # one fit's worth: still 3, so a majority means something
    cluster.bagged_labels(vectors, keys, 6, SETTINGS)
    assert len(calls) == 4 + 3
