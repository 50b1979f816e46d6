"""A comment's sentiment from its segments: the learned blend of their mean, lowest and highest scores."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import sqlite_utils

from feedback.text.sentiment_model import comment_score, comment_score_sql
from feedback.text.sentiment_pooling import (
    FEATURES,
    POOLING_PATH,
    Pooling,
    features,
    fit_pooling,
    load_pooling,
    pooled_score,
    pooled_score_sql,
    read_pooling,
)

BLEND = Pooling((0.5, 0.3, 0.2))


def _sql(scores: list[float | None], sql: str) -> float | None:
    db = sqlite_utils.Database(memory=True)
    db.execute("create table t (v float)")
    db.conn.executemany("insert into t values (?)", [(v,) for v in scores])
    return db.execute(f"select {sql} from t").fetchone()[0]


@pytest.mark.parametrize(("scores", "expected"), [
    ([], None),
    ([None], None),
    ([0.5], 0.5),  # one segment: the comment reads as it
    ([0.0, 0.0], 0.0),  # nothing but neutral segments: neutral
    ([0.6, -0.3], 0.5 * 0.15 + 0.3 * -0.3 + 0.2 * 0.6),
    ([0.8, 0.6, -0.9], round(0.5 * (0.5 / 3) + 0.3 * -0.9 + 0.2 * 0.8, 4)),  # praise around a complaint
    ([0.2, None, 0.4], 0.5 * 0.3 + 0.3 * 0.2 + 0.2 * 0.4),
])
def test_a_blend_of_mean_min_and_max_in_python_and_sql(scores: list[float | None], expected: float | None) -> None:
    want = None if expected is None else pytest.approx(expected, abs=1e-4)
    assert pooled_score(scores, BLEND) == want
    assert _sql(scores, pooled_score_sql("v", BLEND)) == want


@pytest.mark.parametrize("scores", [[0.7], [0.3, -0.6, 0.9], [-0.2, -0.1], [0.0, 0.0, -0.4], [0.15, None]])
def test_the_shipped_pooling_is_the_same_in_sql_and_stays_within_its_segments(scores: list[float | None]) -> None:
    shipped = load_pooling()
    assert shipped.weights == pytest.approx(read_pooling(POOLING_PATH).weights)
    value = comment_score(scores)
    assert value is not None and _sql(scores, comment_score_sql("v")) == pytest.approx(value, abs=1e-4)
    present = [s for s in scores if s is not None]
    assert min(present) - 1e-4 <= value <= max(present) + 1e-4
    if len(present) == 1:
        assert value == pytest.approx(present[0])


def test_fitting_learns_that_one_strong_complaint_outweighs_praise() -> None:
    rng = np.random.default_rng(0)
    low = [[0.6 + rng.normal(0, 0.05), 0.5, -0.8 + rng.normal(0, 0.05)] for _ in range(50)]  # mean > 0, one complaint
    high = [[0.6 + rng.normal(0, 0.05), 0.5, 0.3 + rng.normal(0, 0.05)] for _ in range(50)]
    found = np.vstack([features(s) for s in low + high])
    positive = np.array([0] * 50 + [1] * 50)
    fitted = fit_pooling(found, positive)
    assert fitted == fit_pooling(found, positive)  # deterministic
    assert sum(fitted.weights) == pytest.approx(1.0) and fitted.weights[1] > fitted.weights[0]
    assert all(pooled_score(s, fitted) <= -0.05 for s in low)  # type: ignore[operator]
    assert all(pooled_score(s, fitted) > -0.05 for s in high)  # type: ignore[operator]
    assert sum(pooled_score(s, Pooling()) <= -0.05 for s in low) == 0  # type: ignore[operator]  # the mean missed them


@pytest.mark.parametrize(("found", "positive", "error"), [
    (np.zeros((4, 2)), np.array([0, 1, 0, 1]), r"\(n, 3\)"),
    (np.zeros((4, 3)), np.array([0, 1, 0]), "one label per row"),
    (np.zeros((4, 3)), np.array([1, 1, 1, 1]), "both present"),
    (np.zeros((4, 3)), np.array([0, 2, 0, 1]), "0 \\(low\\) or 1"),
])
def test_fitting_input_is_checked(found: np.ndarray, positive: np.ndarray, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        fit_pooling(found, positive)


@pytest.mark.parametrize("weights", [(0.5, 0.5), (1.2, -0.2, 0.0), (0.2, 0.2, 0.2), (float("nan"), 0.5, 0.5)])
def test_a_pooling_with_bad_weights_is_refused(weights: tuple[float, ...]) -> None:
    with pytest.raises(ValueError, match="weights"):
        Pooling(weights)  # type: ignore[arg-type]


@pytest.mark.parametrize("content", [
    "", "not json", "[]", '{"features": ["mean", "min"], "weights": [0.5, 0.5]}',
    '{"features": ["mean", "min", "max"], "weights": [0.5, 0.5]}',
    '{"features": ["mean", "min", "max"], "weights": [0.9, 0.9, 0.9]}',
])
def test_a_broken_pooling_file_is_refused_with_its_path(tmp_path: Path, content: str) -> None:
    path = tmp_path / "pooling.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match="pooling.json: not a sentiment pooling"):
        read_pooling(path)


def test_a_saved_pooling_reads_back_byte_for_byte(tmp_path: Path) -> None:
    BLEND.save(tmp_path / "a.json")
    read_pooling(tmp_path / "a.json").save(tmp_path / "b.json")
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    assert read_pooling(tmp_path / "a.json").weights == BLEND.weights and FEATURES == ("mean", "min", "max")
