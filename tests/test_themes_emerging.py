"""A new topic becomes a theme on the night it arrives, though the nearest theme took its comments.

A topic the themes do not know (parking, after a store's car park closed) is often near enough one of them (late
deliveries) for the nightly assignment to place its comments there, at a low cosine: its first comments never
reached the outlier pool, so no theme was born at night and the topic hid inside another until an analyst
re-clustered. The night now fits those of tonight's segments at their theme's edge with the pool
(:mod:`feedback.themes.night_pool`); a dense group of them becomes a theme, and what the theme that held them had
before tonight decides whether it is that theme cut in two.

Planted vectors (a table an embedder looks texts up in), so the geometry is known; the rest is the real engine on a
real warehouse.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import sqlite_utils

from feedback.themes import night_pool, store, update_themes
from feedback.themes.match import claims_of_new_theme
from feedback.themes.settings import ThemeSettings

from .test_themes_pool_scale import DIM, PlantedEmbedder
from .themes_fixtures import add_comments, new_warehouse

TOPICS = ["late delivery", "rude driver", "refund missing", "app crashes", "fresh bread"]
SETTINGS = ThemeSettings(min_cluster_size=20, pool_min_size=20)
ANGLE = 0.6  # cosine of the new topic's centre to the late deliveries': assigned there (>= 0.42), far from its core


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def _around(rng: np.random.Generator, centre: np.ndarray, count: int, spread: float) -> np.ndarray:
    return centre + rng.normal(0.0, spread / np.sqrt(DIM), (count, DIM))


def _fitted(path: Path, least: int = 25) -> tuple[sqlite_utils.Database, PlantedEmbedder, np.ndarray]:
    """Five topics, fitted: four of 60 comments and the last of ``least``; returns the warehouse, the embedder and
    the topics' centres."""
    rng = np.random.default_rng(3)
    embedder = PlantedEmbedder()
    centres = _unit(rng.normal(size=(len(TOPICS) + 1, DIM)))
    texts: list[str] = []
    for n, (topic, centre) in enumerate(zip(TOPICS, centres, strict=False)):
        count = least if n == len(TOPICS) - 1 else 60
        texts += embedder.plant([f"{topic} comment {k}" for k in range(count)], _around(rng, centre, count, 0.5))
    db = new_warehouse(path)
    add_comments(db, texts, "old", day="2024-05-01")
    assert update_themes(db, SETTINGS, embedder)["mode"] == "fit"
    return db, embedder, centres


def _theme_of(db: sqlite_utils.Database, prefix: str) -> dict[str, int | None]:
    return {r[0]: r[1] for r in db.execute(
        "select i.text, s.theme_id from theme_segments s join items i on i.id = s.item_id where i.text like ?",
        [f"{prefix}%"])}


def _parking_night(tmp_path: Path, least: int = 25) -> tuple[sqlite_utils.Database, dict[str, int],
                                                             dict[str, int | None]]:
    db, embedder, centres = _fitted(tmp_path / "warehouse.db", least)
    late = _theme_of(db, "late delivery comment")
    (late_theme,) = set(late.values())
    # the new topic lies between the late deliveries and a direction no theme has
    centre = _unit(ANGLE * centres[0] + np.sqrt(1 - ANGLE**2) * _unit(centres[-1] - (centres[-1] @ centres[0]) * centres[0]))
    rng = np.random.default_rng(8)
    parking = embedder.plant([f"parking tonight {n}" for n in range(30)], _around(rng, centre, 30, 0.3))
    ordinary = embedder.plant([f"late delivery tonight {n}" for n in range(30)], _around(rng, centres[0], 30, 0.5))
    add_comments(db, parking + ordinary, "night", day="2024-05-02")
    night = update_themes(db, SETTINGS, embedder)
    return db, {"late": late_theme, "made": night["themes_new"]}, _theme_of(db, "parking tonight")


@pytest.mark.slow
def test_a_new_topic_taken_by_a_near_theme_becomes_a_theme_that_night(tmp_path: Path) -> None:
    db, found, parking = _parking_night(tmp_path)
    assert found["made"] == 1
    (theme,) = set(parking.values())  # every parking remark, in one theme ...
    assert theme is not None and theme != found["late"]  # ... of its own
    members = {r[0] for r in db.execute(
        "select i.text from theme_segments s join items i on i.id = s.item_id where s.theme_id = ?", [theme])}
    assert members == set(parking)  # no late delivery, of before or of tonight
    assert set(_theme_of(db, "late delivery").values()) == {found["late"]}
    row = db["themes"].get(theme)
    assert row["first_seen"].startswith("2024-05-02") and row["is_new"]
    history = list(db.execute("select event, size, details from theme_history where theme_id = ?", [theme]))
    assert history[0] == ("proposed", 30, '{"source": "outlier pool"}')  # then the night's snapshot


@pytest.mark.slow
def test_without_the_edge_the_new_topic_stays_hidden_in_the_near_theme(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(night_pool, "LOOSE", False)  # the night before: only the outlier pool is fitted
    _, found, parking = _parking_night(tmp_path)
    assert found["made"] == 0
    assert set(parking.values()) == {found["late"]}


@pytest.mark.slow
def test_a_group_smaller_than_every_theme_the_fit_drew_is_not_made_a_theme_at_night(tmp_path: Path) -> None:
    """The fit's smallest theme holds 60 segments: tonight's 30 parking remarks, a theme the night before, are a
    group the next re-cluster would not draw (on the complaint tweets such themes went back to the outliers), so they
    wait, in the theme that took them, until the topic is as big as the fit's themes or an analyst re-clusters."""
    db, found, parking = _parking_night(tmp_path, least=60)
    assert json.loads(db.execute("select value from theme_state where key = 'last_fit'").fetchone()[0])[
        "smallest"] == 60
    assert found["made"] == 0
    assert set(parking.values()) == {found["late"]}


@pytest.mark.slow
def test_a_theme_ordinary_comments_at_its_edge_make_no_theme(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db, embedder, centres = _fitted(tmp_path / "warehouse.db")
    rng = np.random.default_rng(9)
    # tonight's comments are the themes' own, far looser than most: at an edge, none a topic of their own
    texts = [text for n, topic in enumerate(TOPICS) for text in embedder.plant(
        [f"{topic} tonight {k}" for k in range(25)], _around(rng, centres[n], 25, 1.4))]
    add_comments(db, texts, "night", day="2024-05-02")
    before = len(store.theme_rows(db))
    edges: list[int] = []
    real_loose = night_pool.Placed.loose

    def counting_loose(placed: night_pool.Placed, bar: float) -> night_pool.Placed:
        edges.append(len((found := real_loose(placed, bar)).ids))
        return found

    monkeypatch.setattr(night_pool.Placed, "loose", counting_loose)
    night = update_themes(db, SETTINGS, embedder)
    assert edges and edges[0] >= 100  # most of tonight's 125 were fitted with the pool ...
    assert night["themes_new"] == 0 and len(store.theme_rows(db)) == before  # ... and made no theme
    for topic in TOPICS:
        assert len(set(_theme_of(db, f"{topic} ").values())) == 1  # tonight's stayed with theirs


def test_a_theme_cut_in_two_is_judged_by_what_it_held_before_tonight() -> None:
    """One existing theme gives a new theme most of its segments: a split when it held them before tonight, a new
    topic when they are tonight's, which the assignment placed at its edge."""
    rng = np.random.default_rng(1)
    own, new = _unit(rng.normal(size=DIM)), _unit(rng.normal(size=DIM))
    centre = _unit(own + 2 * new)
    members = _unit(np.vstack([_around(rng, own, 20, 0.3), _around(rng, centre, 10, 0.2)]))
    kwargs = {"min_cosine": 0.42, "fold_share": 0.3}
    assert claims_of_new_theme(centre, 5, [members], own[None, :], **kwargs) is None  # 10 of 15 from one theme
    tonight = np.arange(30) >= 20
    (moved,) = claims_of_new_theme(centre, 5, [members], own[None, :], held=[~tonight], **kwargs) or [None]
    assert moved is not None and list(np.flatnonzero(moved)) == list(range(20, 30))  # tonight's ten move
    earlier = np.arange(30) < 25  # five of the ten were the theme's before tonight: 5 of 15, a split
    assert claims_of_new_theme(centre, 5, [members], own[None, :], held=[earlier], **kwargs) is None
