"""The consensus fit (ThemeSettings.consensus_fits): real HDBSCAN on synthetic unit vectors."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from feedback.themes import cluster
from feedback.themes.settings import ThemeSettings
from tests.themes_fixtures import blobs, keys_of

SETTINGS = ThemeSettings(consensus_fits=5, min_cluster_size=10, dims=10)


def test_consensus_recovers_separated_themes_and_ignores_input_order() -> None:
    vectors, truth = blobs()
    keys = keys_of(len(truth))
    cents, result = cluster.fit(vectors, keys, SETTINGS)
    assert cents.shape[0] == 6
    assert adjusted_rand_score(truth, result.theme) == pytest.approx(1.0)
    perm = np.random.default_rng(1).permutation(len(truth))
    _, again = cluster.fit(vectors[perm], [keys[i] for i in perm], SETTINGS)
    assert adjusted_rand_score(result.theme[perm], again.theme) == pytest.approx(1.0)


def test_consensus_seed_changes_the_subsamples_not_clear_themes() -> None:
    vectors, truth = blobs(seed=5)
    keys = keys_of(len(truth))
    _, first = cluster.fit(vectors, keys, SETTINGS)
    _, other = cluster.fit(vectors, keys, SETTINGS.model_copy(update={"seed": 9}))
    assert adjusted_rand_score(first.theme, other.theme) == pytest.approx(1.0)


def test_consensus_on_a_capped_sample_still_assigns_everyone() -> None:
    vectors, truth = blobs(per=80)
    settings = SETTINGS.model_copy(update={"consensus_max": 200})
    cents, result = cluster.fit(vectors, keys_of(len(truth)), settings)
    assert cents.shape[0] == 6
    assert np.all(result.theme >= 0)
    assert adjusted_rand_score(truth, result.theme) == pytest.approx(1.0)


def test_consensus_matrix_counts_only_agreeing_fits() -> None:
    # two tight groups and scattered points: the scattered ones never form a theme of their own
    vectors, truth = blobs(per=50, k=2, spread=0.05)
    noise = cluster.normalise(np.random.default_rng(2).normal(size=(15, vectors.shape[1])))
    allv = np.vstack([vectors, noise])
    labels = cluster.consensus_labels(allv, keys_of(len(allv)), SETTINGS)
    assert set(labels[:100].tolist()) == {0, 1}
    assert adjusted_rand_score(truth, labels[:100]) == pytest.approx(1.0)
    assert len(set(labels.tolist()) - {-1}) == 2


def test_consensus_settings_are_bounded() -> None:
    with pytest.raises(ValueError):
        ThemeSettings(consensus_share=0.0)
    with pytest.raises(ValueError):
        ThemeSettings(consensus_fits=-1)
    assert ThemeSettings().consensus_fits == 0  # one fit unless an analyst asks for more


def test_settings_stored_before_the_consensus_fields_keep_the_same_shape() -> None:
    from feedback.themes.settings import same_shape

    stored = ThemeSettings().model_dump(mode="json")
    for name in ("consensus_fits", "consensus_share", "consensus_max"):
        del stored[name]
    assert same_shape(stored, ThemeSettings())
    assert not same_shape(stored, ThemeSettings(consensus_fits=15))
    assert not same_shape(stored, ThemeSettings(merge_threshold=0.7))
    assert not same_shape({}, ThemeSettings())
