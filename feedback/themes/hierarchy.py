"""Parent themes: themes whose centroids are close are grouped under a parent.

Average-linkage agglomerative clustering of the theme centroids, cut where the
cosine between groups falls below ``threshold``. Groups of one stay top-level.
"""

from __future__ import annotations

import numpy as np


def parent_groups(centroids: np.ndarray, threshold: float) -> list[list[int]]:
    """Groups (of at least two theme indices) that should share a parent, biggest index set first."""
    k = centroids.shape[0]
    if k < 2:
        return []
    from sklearn.cluster import AgglomerativeClustering

    model = AgglomerativeClustering(
        n_clusters=None,
        metric="cosine",
        linkage="average",
        distance_threshold=1.0 - threshold,
    )
    labels = model.fit_predict(centroids)
    groups: dict[int, list[int]] = {}
    for index, label in enumerate(labels):
        groups.setdefault(int(label), []).append(index)
    found = [sorted(g) for g in groups.values() if len(g) >= 2]
    found.sort(key=lambda g: (-len(g), g[0]))
    return found
