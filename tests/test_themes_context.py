"""A segment in its comment's context (``context_weight``) and the sample-median theme count
(``count_fits``): exact behaviour on small synthetic vectors, and (slow, the real model) that the
fit, nightly assignment and the re-cluster all use the same mixed vectors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import sqlite_utils
from pydantic import ValidationError
from sklearn.metrics import adjusted_rand_score

from feedback.embed import Embedder
from feedback.themes import cluster, merge, recluster, split, store, update_themes
from feedback.themes.settings import ThemeSettings, same_shape
from tests.themes_fixtures import add_comments, blobs, keys_of, new_warehouse, sample_comments


def test_comment_means_are_per_comment_and_zero_for_a_comment_without_vectors() -> None:
    vectors = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1]], dtype=np.float32)
    means = cluster.comment_means(vectors, ["a", "a", "b"], ["b", "a", "a", "c"])
    assert means.tolist() == [[0, 0, 1], [0.5, 0.5, 0], [0.5, 0.5, 0], [0, 0, 0]]


def test_in_context_mixes_exactly_and_leaves_one_segment_comments_alone() -> None:
    vectors = np.array([[1, 0], [0, 1], [0.6, 0.8]], dtype=np.float32)
    comments = ["two", "two", "one"]
    means = cluster.comment_means(vectors, comments, comments)
    mixed = cluster.in_context(vectors, means, 1.0)
    # normalise([1, 0] + [0.5, 0.5]) = [1.5, 0.5] / sqrt(2.5)
    assert mixed[0] == pytest.approx([1.5 / 2.5**0.5, 0.5 / 2.5**0.5], abs=1e-6)
    assert mixed[1] == pytest.approx([0.5 / 2.5**0.5, 1.5 / 2.5**0.5], abs=1e-6)
    assert mixed[2] == pytest.approx([0.6, 0.8], abs=1e-6)  # its own mean: unchanged at any weight
    assert cluster.in_context(vectors, means, 0.0) is vectors
    heavy = cluster.in_context(vectors, means, 100.0)
    assert heavy[0] @ heavy[1] > 0.999  # a large weight makes a comment's segments one point


def test_in_context_refuses_means_of_another_shape() -> None:
    with pytest.raises(ValueError, match="one comment mean per vector"):
        cluster.in_context(np.ones((3, 2), dtype=np.float32), np.ones((2, 2), dtype=np.float32), 1.0)


def test_a_content_free_piece_joins_its_comments_theme() -> None:
    vectors, truth = blobs(per=40, k=3, seed=4)
    centres = cluster.centroids(vectors, truth)
    # comment c0: two points of blob 0 and a piece saying little ("Why is that?"), leaning to blob 2
    lean = np.random.default_rng(9).normal(size=(1, vectors.shape[1]))
    piece = cluster.normalise(0.6 * centres[2:3] + cluster.normalise(lean))
    all_vectors = np.vstack([vectors, piece])
    keys = [*keys_of(len(truth)), "hpiece:c0:2"]
    keys[1] = "h00001:c0:1"
    comments = [k.split(":")[1] for k in keys]
    settings = ThemeSettings(min_cluster_size=10, dims=10)
    _, own = cluster.fit(all_vectors, keys, settings)
    assert own.theme[-1] == own.theme[np.flatnonzero(truth == 2)[0]]  # alone, it is blob 2's
    mixed = cluster.in_context(all_vectors, cluster.comment_means(all_vectors, comments, comments), 2.0)
    _, context = cluster.fit(mixed, keys, settings)
    assert context.theme[-1] == context.theme[0]  # in context, it goes where its comment goes
    assert adjusted_rand_score(truth, context.theme[: len(truth)]) == pytest.approx(1.0)


COUNT = ThemeSettings(min_cluster_size=10, dims=10, count_fits=3, count_sample=300)


def test_the_sample_median_count_finds_the_groups_and_does_not_follow_the_size() -> None:
    vectors, truth = blobs(per=100, k=6, seed=5)
    keys = keys_of(len(truth))
    assert cluster.theme_count(vectors, keys, COUNT) == 6
    keep = np.sort(np.random.default_rng(2).permutation(len(truth))[:540])  # a tenth gone
    assert cluster.theme_count(vectors[keep], [keys[i] for i in keep], COUNT) == 6
    cents, result = cluster.fit(vectors, keys, COUNT)
    assert cents.shape[0] == 6
    assert adjusted_rand_score(truth, result.theme) == pytest.approx(1.0)


def test_the_count_is_hdbscans_on_all_when_off_or_when_the_data_fits_one_sample() -> None:
    vectors, _ = blobs(per=40, k=5, seed=6)
    keys = keys_of(len(vectors))
    whole = cluster.merge_close(vectors, cluster.hdbscan_labels(vectors, keys, COUNT), COUNT.merge_threshold)
    expected = int(whole.max()) + 1
    assert expected == 5
    assert cluster.theme_count(vectors, keys, COUNT.model_copy(update={"count_fits": 0})) == expected
    assert cluster.theme_count(vectors, keys, COUNT.model_copy(update={"count_sample": 200})) == expected  # n = 200


def test_the_new_settings_shape_the_fit_and_bad_values_are_refused() -> None:
    stored = ThemeSettings().model_dump(mode="json")
    assert not same_shape(stored, ThemeSettings(context_weight=3.0))
    assert not same_shape(stored, ThemeSettings(count_fits=7))
    assert not same_shape(stored, ThemeSettings(count_sample=1000))
    for bad in ({"context_weight": -1}, {"count_fits": 16}, {"count_sample": 99}, {"context_weight": "much"}):
        with pytest.raises(ValidationError):
            ThemeSettings(**bad)  # type: ignore[arg-type]


# --- slow: the real model, the engine on a warehouse ----------------------------------------------

WEIGHT = 2.0


def _check_scores(db: sqlite_utils.Database, embedder: Embedder, settings: ThemeSettings) -> int:
    """Every stored segment score is the cosine of its mixed vector to its theme's centre, and that
    theme is its nearest; returns how many segments differ from their own vector."""
    ids, hashes, mixed = store.segment_vectors(db, embedder, context=settings.context_weight)
    _, _, own = store.segment_vectors(db, embedder)
    rows = store.theme_rows(db)
    cents = store.centroid_matrix(rows)
    index = {r["id"]: j for j, r in enumerate(rows)}
    stored = dict(((i, (t, s)) for i, t, s in db.execute("select id, theme_id, score from theme_segments")))
    for n, seg in enumerate(ids):
        theme, score = stored[seg]
        if theme is not None:
            assert score == pytest.approx(float(mixed[n] @ cents[index[theme]]), abs=2e-4)
            assert int((cents @ mixed[n]).argmax()) == index[theme]
    return int(np.sum(np.abs(mixed - own).max(axis=1) > 1e-4))


@pytest.mark.slow
def test_fit_nightly_and_recluster_use_the_same_mixed_vectors(tmp_path: Path, embedder: Embedder) -> None:
    data = sample_comments(seed=11, per_theme=12)
    texts = [t for t, _ in data]
    # comments of several segments, so the context changes their vectors
    texts = [f"{a} Also, {b[0].lower()}{b[1:]}" if n % 3 == 0 else a
             for n, (a, b) in enumerate(zip(texts, texts[1:] + texts[:1], strict=True))]
    settings = ThemeSettings(context_weight=WEIGHT)
    db = new_warehouse(tmp_path / "warehouse.db")
    add_comments(db, texts[:150], "a")
    assert update_themes(db, settings, embedder)["mode"] == "fit"
    assert _check_scores(db, embedder, settings) > 0
    add_comments(db, texts[150:], "b", day="2024-05-02")
    assert update_themes(db, settings, embedder)["mode"] == "assign"
    _check_scores(db, embedder, settings)
    # a subset's mixed vectors are those of the whole: the comment's context is read whatever is selected
    ids, _, mixed = store.segment_vectors(db, embedder, context=WEIGHT)
    some, _, part = store.segment_vectors(db, embedder, "s.item_id in (select item_id from theme_segments"
                                                        " where seq = 1)", context=WEIGHT)
    assert some and np.allclose(part, mixed[[ids.index(i) for i in some]], atol=1e-6)
    recluster(db, settings, embedder)
    _check_scores(db, embedder, settings)
    # an analyst's merge and split place centroids in the same mixed space as the fit
    largest = [r["id"] for r in sorted(store.theme_rows(db, ("active",)), key=lambda r: -r["size"])]
    merge(db, largest[0], [largest[1]], WEIGHT)
    parts = split(db, largest[2], settings)
    mixed_themes = 0
    for theme in (largest[0], *parts):
        _, _, members = store.segment_vectors(db, embedder, "s.theme_id = ?", [theme], context=WEIGHT)
        _, _, raw = store.segment_vectors(db, embedder, "s.theme_id = ?", [theme])
        centre = store.centroid_matrix([r for r in store.theme_rows(db) if r["id"] == theme])[0]
        mean = members.mean(axis=0)
        assert np.allclose(centre, mean / np.linalg.norm(mean), atol=1e-5)
        if np.abs(members - raw).max() > 1e-3:  # some member has a context: the raw mean is elsewhere
            mixed_themes += 1
            assert not np.allclose(centre, raw.mean(axis=0) / np.linalg.norm(raw.mean(axis=0)), atol=1e-3)
    assert mixed_themes
