"""Matching a new theme set to the previous one, so ids, labels and edits carry over.

Pure function over centroids and member sets. The score of a (new, old) pair is
centroid cosine plus member share (the part of the new theme's segments that
belonged to the old theme); the Hungarian algorithm picks the one-to-one pairing
with the highest total score, and a pair is kept only when the cosine reaches
``min_cosine`` or the share reaches ``min_share``. Unpaired new themes get new
ids; unpaired old themes are retired.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment


def match_themes(
    new_centroids: np.ndarray,
    new_members: Sequence[set[str]],
    old_centroids: np.ndarray,
    old_members: Sequence[set[str]],
    *,
    min_cosine: float,
    min_share: float,
) -> dict[int, int]:
    """{new index: old index} for the pairs that are the same theme."""
    k, m = len(new_members), len(old_members)
    if k == 0 or m == 0:
        return {}
    cosine = new_centroids @ old_centroids.T
    share = np.zeros((k, m), dtype=np.float64)
    for i, members in enumerate(new_members):
        if not members:
            continue
        for j, old in enumerate(old_members):
            if old:
                share[i, j] = len(members & old) / len(members)
    score = cosine + share
    rows, cols = linear_sum_assignment(-score)
    return {
        int(i): int(j)
        for i, j in zip(rows, cols, strict=True)
        if cosine[i, j] >= min_cosine or share[i, j] >= min_share
    }
