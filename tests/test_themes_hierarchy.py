"""The top level: which themes share a parent (hierarchy.parent_groups), table-driven."""

from __future__ import annotations

import numpy as np
import pytest

from feedback.themes.hierarchy import parent_groups

# Four themes whose centroids say nothing (orthogonal): the words their customers use decide.
ORTHOGONAL = np.eye(4, dtype=np.float32)
# Two pairs of close centroids: (0, 2) and (1, 3).
PAIRS = np.array([[1, 0, 0, 0], [0, 0, 1, 0], [0.95, 0.3, 0, 0], [0, 0, 0.95, 0.3]], dtype=np.float32)


@pytest.mark.parametrize(("centroids", "texts", "expected"), [
    (ORTHOGONAL, ["my card was declined at the shop", "card blocked after a payment",
                  "flight delayed by three hours", "the flight was cancelled"], [[0, 1], [2, 3]]),
    (ORTHOGONAL, ["flight delayed by three hours", "my card was declined at the shop",
                  "the flight was cancelled", "card blocked after a payment"], [[0, 2], [1, 3]]),
    # no word in two themes: the embedding alone decides
    (PAIRS, ["alpha", "beta", "gamma", "delta"], [[0, 2], [1, 3]]),
    (PAIRS, None, [[0, 2], [1, 3]]),
    # words shared across the embedding's pairs: the embedding still wins when it is clear
    (PAIRS, ["late delivery", "refund late", "delivery refund", "late refund"], [[0, 2], [1, 3]]),
])
def test_parent_groups(centroids: np.ndarray, texts: list[str] | None, expected: list[list[int]]) -> None:
    assert parent_groups(centroids, threshold=1.0, max_top=2, texts=texts) == expected


def test_one_text_per_theme_is_needed() -> None:
    with pytest.raises(ValueError, match="one text per theme"):
        parent_groups(ORTHOGONAL, threshold=1.0, max_top=2, texts=["card declined"])


def test_too_few_themes_have_no_parent() -> None:
    assert parent_groups(ORTHOGONAL[:1], threshold=0.3, max_top=2, texts=["card"]) == []
