"""A comment's sentiment from its segments' scores: a learned blend of their mean, lowest and highest.

A mixed review ("love the colour ... but the fit is awful") praises something, so the plain
mean of its segments lands near 0 while the customer gave it one star. The comment's score is
instead a convex blend ``w_mean * mean + w_min * min + w_max * max`` of its segments' scores
(weights >= 0 summing to 1, :class:`Pooling`), fitted on rated reviews by
``scripts/train_sentiment.py --pooling`` and shipped as ``sentiment_pooling.json`` beside this
module. Being a convex blend it keeps what a reader expects of a comment's score: a comment of
one segment reads as that segment, a comment whose segments are all neutral reads 0, and the
score stays within its segments' range (-1..1). It is plain SQL (:func:`pooled_score_sql`),
so the archive computes it from the stored segment scores.

Everything here is pure: reading the shipped file is the only I/O.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

POOLING_PATH = Path(__file__).with_name("sentiment_pooling.json")
FEATURES = ("mean", "min", "max")
CUT = 0.05  # the product reads a score <= -0.05 as negative (feedback.insights.stats)


@dataclass(frozen=True)
class Pooling:
    """Weights of a comment's segment-score mean, min and max (:data:`FEATURES` order)."""

    weights: tuple[float, float, float] = (1.0, 0.0, 0.0)
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.weights) != len(FEATURES):
            raise ValueError(f"a pooling has {len(FEATURES)} weights ({', '.join(FEATURES)}), got {len(self.weights)}")
        if any(not np.isfinite(w) or w < 0 for w in self.weights) or abs(sum(self.weights) - 1.0) > 1e-3:
            raise ValueError(f"pooling weights must be >= 0 and sum to 1, got {self.weights}")

    def save(self, path: str | Path) -> None:
        """Write the pooling as JSON (sorted keys: the same pooling gives the same bytes)."""
        info = {"features": list(FEATURES), "weights": list(self.weights), "meta": self.meta}
        Path(path).write_text(json.dumps(info, sort_keys=True, indent=1) + "\n", encoding="utf-8")


def read_pooling(path: str | Path) -> Pooling:
    """A pooling from a file written by :meth:`Pooling.save`; ValueError when it is not one."""
    try:
        info = json.loads(Path(path).read_text(encoding="utf-8"))
        if tuple(info["features"]) != FEATURES:
            raise ValueError(f"built for features {info['features']}, this code computes {list(FEATURES)}")
        weights = tuple(float(w) for w in info["weights"])
        if len(weights) != len(FEATURES):
            raise ValueError(f"{len(weights)} weights for {len(FEATURES)} features")
        return Pooling((weights[0], weights[1], weights[2]), dict(info.get("meta") or {}))
    except (OSError, KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{path}: not a sentiment pooling ({exc.__class__.__name__}: {exc})") from exc


@lru_cache(maxsize=1)
def load_pooling() -> Pooling:
    """The shipped pooling, read once per process."""
    return read_pooling(POOLING_PATH)


def features(scores: Sequence[float | None] | np.ndarray) -> np.ndarray | None:
    """(mean, min, max) of the scores that are set; None when none is."""
    values = np.array([s for s in scores if s is not None and not np.isnan(s)], dtype=np.float64)
    if not values.size:
        return None
    return np.array([values.mean(), values.min(), values.max()])


def pooled_score(scores: Sequence[float | None] | np.ndarray, pooling: Pooling | None = None) -> float | None:
    """A comment's sentiment from its segments' scores (None when no segment has one), rounded to 4 places."""
    pooling = pooling or load_pooling()
    found = features(scores)
    if found is None:
        return None
    return round(float(found @ np.asarray(pooling.weights)), 4)


def pooled_score_sql(column: str, pooling: Pooling | None = None) -> str:
    """:func:`pooled_score` as an SQLite aggregate expression over ``column`` (NULLs ignored; NULL when
    every value is)."""
    pooling = pooling or load_pooling()
    parts = [f"{w!r} * {fn}({column})" for w, fn in zip(pooling.weights, ("avg", "min", "max"), strict=True) if w]
    return f"round({' + '.join(parts) or f'0.0 * avg({column})'}, 4)"


def fit_pooling(found: np.ndarray, positive: np.ndarray, cut: float = CUT, meta: dict[str, Any] | None = None) -> Pooling:
    """The convex weights whose blend best separates low- from high-rated comments at the product's cut.

    ``found``: (n, 3) :func:`features` of rated comments; ``positive``: 1 for a high rating, 0 for a
    low one. Logistic likelihood of ``P(high) = sigmoid(k * (w . f + cut))``, the two classes
    weighing the same, with ``w = softmax(theta)`` and ``k = exp(kappa)``: the blend reads a comment
    as negative (<= -cut) where low ratings are likelier. L-BFGS from equal weights: deterministic.
    Weights are rounded to 4 places (renormalised), so the same data gives the same file.
    """
    from scipy.optimize import minimize

    found = np.asarray(found, dtype=np.float64)
    positive = np.asarray(positive, dtype=np.float64)
    if found.ndim != 2 or found.shape[1] != len(FEATURES) or len(positive) != found.shape[0]:
        raise ValueError(f"expected (n, {len(FEATURES)}) features and one label per row")
    if not ((positive == 0) | (positive == 1)).all() or len(set(positive.tolist())) < 2:
        raise ValueError("labels must be 0 (low) or 1 (high), both present")
    weight = np.where(positive == 1, 0.5 / positive.sum(), 0.5 / (1 - positive).sum())

    def loss(params: np.ndarray) -> float:
        theta, kappa = params[:-1], params[-1]
        w = np.exp(theta - theta.max())
        w /= w.sum()
        z = np.exp(kappa) * (found @ w + cut)
        return float((weight * (np.logaddexp(0.0, z) - positive * z)).sum() + 1e-4 * (theta @ theta))

    result = minimize(loss, np.zeros(len(FEATURES) + 1), method="L-BFGS-B")
    theta = result.x[:-1]
    w = np.exp(theta - theta.max())
    w = np.round(w / w.sum(), 4)
    w[int(np.argmax(w))] += round(1.0 - float(w.sum()), 4)  # rounded weights still sum to 1
    return Pooling((float(w[0]), float(w[1]), float(w[2])), dict(meta or {}))
