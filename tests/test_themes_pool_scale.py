"""The night's outlier-pool fit costs what is new, not the archive's age (issue 13).

The nightly step looks for a new theme by clustering the outlier pool; the pool grows with the
archive (every night leaves its outliers there), so fitting all of it made a night into a big
archive cost many times a night into an empty one. Here two archives differ only in how many
earlier outliers they hold: tonight's pool fit must see the same number of segments in both, and
the group tonight completes (earlier outliers plus tonight's) must still become a theme.

The vectors are planted (an embedder whose ``encode`` looks each text up in a table), so the
geometry is known; everything else is the real engine on a real warehouse.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sqlite_utils

from feedback.themes import cluster, night_pool, update_themes
from feedback.themes.night_pool import pool_sample
from feedback.themes.settings import ThemeSettings

from .themes_fixtures import add_comments, new_warehouse

DIM = 384  # MiniLM's
PARKED = 8  # earlier remarks about parking: too few for a theme until tonight adds 15
TOPICS = ["late delivery", "rude driver", "refund missing", "app crashes", "fresh bread"]
SIZES = [60, 60, 60, 60, 22]  # comments of each topic: the fit's smallest theme is no bigger than the parking group
SETTINGS = ThemeSettings(min_cluster_size=20, pool_min_size=20)


class PlantedEmbedder:
    """A real ``SupportsEmbed``: each text's vector is looked up in a table the test planted."""

    name = "planted"
    version = "1"

    def __init__(self) -> None:
        self.table: dict[str, np.ndarray] = {}

    def plant(self, texts: list[str], vectors: np.ndarray) -> list[str]:
        for text, vector in zip(texts, vectors, strict=True):
            self.table[text.lower()] = vector / np.linalg.norm(vector)
        return texts

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.vstack([self.table[t.lower().rstrip(".")] for t in texts]).astype(np.float32)


def _around(rng: np.random.Generator, centre: np.ndarray, count: int, spread: float = 0.5) -> np.ndarray:
    return centre + rng.normal(0.0, spread / np.sqrt(DIM), (count, DIM))


def _archive(path: Path, earlier_outliers: int) -> tuple[sqlite_utils.Database, PlantedEmbedder, list[str]]:
    """A warehouse fitted on five topics (``SIZES`` comments) and ``earlier_outliers`` scattered remarks,
    then a night of PARKED remarks about parking (too few for a theme); returns tonight's texts."""
    rng = np.random.default_rng(3)
    embedder = PlantedEmbedder()
    centres = rng.normal(size=(len(TOPICS) + 1, DIM))
    texts: list[str] = []
    for topic, centre, size in zip(TOPICS, centres, SIZES, strict=False):
        texts += embedder.plant([f"{topic} comment {n}" for n in range(size)], _around(rng, centre, size))
    # scattered: far from everything (random directions), always the same first ones
    scattered = np.random.default_rng(4).normal(size=(earlier_outliers, DIM))
    texts += embedder.plant([f"stray remark {n}" for n in range(earlier_outliers)], scattered)
    db = new_warehouse(path)
    add_comments(db, texts, "old", day="2024-05-01")
    assert update_themes(db, SETTINGS, embedder)["mode"] == "fit"
    parked = embedder.plant([f"parking remark {n}" for n in range(PARKED)], _around(rng, centres[-1], PARKED, 0.3))
    add_comments(db, parked, "parked", day="2024-05-02")
    assert update_themes(db, SETTINGS, embedder)["themes_new"] == 0  # too few to be a theme yet
    themed = {r[0] for r in db.execute("select i.text from theme_segments s join items i on i.id = s.item_id"
                                         " where s.theme_id is not null")}
    assert all(f"{topic} comment {n}" in themed for topic, size in zip(TOPICS, SIZES, strict=True) for n in range(size))
    assert not any(text.startswith("parking") for text in themed)
    tonight = embedder.plant([f"parking tonight {n}" for n in range(15)], _around(rng, centres[-1], 15, 0.3))
    tonight += embedder.plant([f"{TOPICS[0]} tonight {n}" for n in range(20)], _around(rng, centres[0], 20))
    tonight += embedder.plant([f"odd remark tonight {n}" for n in range(20)],
                              np.random.default_rng(5).normal(size=(20, DIM)))
    return db, embedder, tonight


@pytest.mark.slow
def test_the_pool_fit_does_not_grow_with_the_archive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(night_pool, "POOL_OLD_MIN", 100)
    fitted: list[int] = []
    real_fit = cluster.fit

    def counting_fit(vectors: np.ndarray, keys: list[str], settings: ThemeSettings) -> Any:
        fitted.append(len(keys))
        return real_fit(vectors, keys, settings)

    monkeypatch.setattr(cluster, "fit", counting_fit)
    edges: list[int] = []  # tonight's segments placed at their theme's edge, fitted beside the pool
    real_loose = night_pool.Placed.loose

    def counting_loose(placed: night_pool.Placed, tight: float) -> night_pool.Placed:
        edges.append(len((found := real_loose(placed, tight)).ids))
        return found

    monkeypatch.setattr(night_pool.Placed, "loose", counting_loose)
    nights = {}
    for earlier in (400, 1600):
        db, embedder, tonight = _archive(tmp_path / f"{earlier}.db", earlier)
        fitted.clear()
        edges.clear()
        add_comments(db, tonight, "new", day="2024-05-03")
        night = update_themes(db, SETTINGS, embedder)
        assert night["mode"] == "assign"
        (pool_fit,) = fitted  # the night's only fit: the outlier pool's
        new = {r[0] for r in db.execute(
            "select i.text from theme_segments s join items i on i.id = s.item_id join themes t on t.id = s.theme_id"
            " where t.created_at = (select max(created_at) from themes) and t.status = 'active'")}
        (edge,) = edges
        assert edge < 20  # of the 20 late-delivery remarks tonight, those at their theme's edge (if any)
        nights[earlier] = (pool_fit - edge, night["themes_new"], new)
    # tonight's 35 pooled segments (15 parking, 20 odd), those at a theme's edge and at most POOL_OLD_MIN earlier
    # ones, whatever the pool
    assert nights[400][0] == nights[1600][0] == 35 + 100
    for _, created, members in nights.values():
        assert created == 1  # the parking group, completed tonight, with its earlier remarks
        assert {t for t in members if t.startswith("parking")} == {f"parking remark {n}" for n in range(PARKED)} | {
            f"parking tonight {n}" for n in range(15)}
        assert not {t for t in members if "stray" in t or "odd" in t}


def test_pool_sample_keeps_tonight_and_the_nearest_earlier_outliers() -> None:
    rng = np.random.default_rng(0)
    tonight = cluster.normalise(rng.normal(size=(10, DIM)))
    near = cluster.normalise(tonight[:5] + rng.normal(0.0, 0.05, (5, DIM)))  # close to five of tonight's
    for far_count in (3000, 30000):
        far = cluster.normalise(rng.normal(size=(far_count, DIM)))
        vectors = np.vstack([far[: far_count // 2], near, tonight, far[far_count // 2 :]])
        old = np.ones(len(vectors), dtype=bool)
        old[far_count // 2 + 5 : far_count // 2 + 15] = False
        kept = pool_sample(vectors, old)
        assert len(kept) == 10 + night_pool.POOL_OLD_MIN  # bounded: the same for 3,000 or 30,000 earlier ones
        assert set(range(far_count // 2, far_count // 2 + 15)) <= set(kept)  # tonight's and their neighbours
        assert list(kept) == sorted(kept)  # in the pool's order
    small = np.ones(50, dtype=bool)
    small[:3] = False
    assert list(pool_sample(cluster.normalise(rng.normal(size=(50, DIM))), small)) == list(range(50))  # whole


def test_pool_sample_makes_room_for_tonights_pooled_segments_not_those_at_an_edge(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(night_pool, "POOL_OLD_MIN", 3)
    rng = np.random.default_rng(2)
    vectors = cluster.normalise(rng.normal(size=(100, DIM)))
    old = np.ones(100, dtype=bool)
    old[:10] = False  # tonight's ten: four joined the pool, six sit at a theme's edge
    nearest = np.argsort(-(vectors[10:] @ vectors[:10].T).max(axis=1), kind="stable") + 10
    assert list(pool_sample(vectors, old, 4)) == sorted([*range(10), *nearest[:4]])
    assert list(pool_sample(vectors, old)) == sorted([*range(10), *nearest[:10]])  # before: each of tonight's
    assert list(pool_sample(vectors, old, 0)) == sorted([*range(10), *nearest[:3]])  # at least POOL_OLD_MIN


def test_pool_sample_without_tonight_or_with_an_empty_pool() -> None:
    assert len(pool_sample(np.zeros((0, DIM), dtype=np.float32), np.zeros(0, dtype=bool))) == 0
    every = np.ones(5000, dtype=bool)
    assert len(pool_sample(cluster.normalise(np.random.default_rng(1).normal(size=(5000, DIM))), every)) == 5000
