"""Clustering: PCA, HDBSCAN on a deterministic sample, and soft assignment to centroids.

Strategy, measured in bench/themes_quality.py:

- Vectors are L2-normalised MiniLM embeddings. PCA (exact SVD, so no randomness)
  to ``dims`` dimensions, normalised again so distances stay cosine-like.
  UMAP was not used: ~60 s of numba compilation per process for no measured gain.
- HDBSCAN with ``leaf`` selection gives even, fine themes; the hierarchy module
  groups them into parents. The input is sorted by text hash first, so the same
  data in another order gives the same themes, and when there is more than
  ``max_fit`` the fit runs on a sample chosen by hashing (seed, text hash), which
  is stable as data grows.
- Near-duplicate clusters (centroid cosine >= ``merge_threshold``) are merged, then
  the assignment is refined to a fixed point (nearest centroid, a few Lloyd rounds):
  banking77 NMI +0.01 and nightly agreement with a re-fit +4-5 points.
- ``partition`` "ward" (the default): HDBSCAN (after the merge) only sets how many themes there
  are (an analyst's ``theme_count`` instead, when given: :func:`asked_count`); Ward linkage on the
  PCA vectors of at most ``ward_max`` segments (a hash sample, in key order), cut at that count,
  draws them before the refinement. HDBSCAN's leaves are dense cores
  whose borders the refinement settles; Ward's clusters are compact and split the space evenly:
  clinc150 NMI 0.887 -> 0.910, 10 % subsample ARI 0.871 -> 0.900, outliers 2.7 -> 1.0 %;
  banking77 NMI 0.785 -> 0.788, ARI 0.812 -> 0.813 (bench/RESULTS.md, "Where NMI is lost").
- Ward on neighbour means (``ward_neighbours``, 5 by default, :func:`neighbour_means`): each sampled
  point replaced by the mean of itself and its nearest neighbours before the linkage, so a point on a
  border does not decide which side a cut falls on. 10 % subsample ARI (mean of 6 draws) banking77
  0.814 -> 0.879, clinc150 0.893 -> 0.906; a shop's reviews 0.698 -> 0.819; NMI banking77 +0.007,
  clinc150 -0.004. Once the top level it carried held worse (its ARI 0.687 -> 0.505), so it was off;
  with today's top level that holds better too (banking77 0.583 -> 0.760): bench/RESULTS.md,
  "Neighbour means by default".
- Bagged Ward (``bag_fits``, 15 by default, from ``bag_min`` segments on: :func:`bagged_labels`): Ward
  fits on hash subsamples (``bag_share`` of the segments each, chosen by seed, fit number and key), their
  centroids pooled; centroids within ``bag_distance`` (cosine, average linkage) are one theme, kept when
  more than half the fits found it; each segment then starts from the nearest kept theme. A theme that
  only one cut of the data draws does not make the fit. 10 % subsample ARI (bench/themes_quality.py, mean of
  6 draws) banking77 read whole 0.886 -> 0.913, clinc150 0.912 -> 0.923; with the seed and order varied too
  0.905 / 0.919; NMI 0.827 -> 0.824 / 0.909 -> 0.909. The fit takes 4.4x as long at 7,580 segments (29 s on 2
  cores), 7x at 3,000 (10 s): bench/RESULTS.md, "Bagged Ward".
- Optional, off by default (neither won on both sets, bench/RESULTS.md "context and count"):
  ``context_weight`` (the store mixes each segment's vector with its comment's mean segment vector,
  :func:`in_context`, for the fit, nightly and the re-cluster alike) and ``count_fits`` (Ward's count
  as the median of HDBSCAN counts on fixed-size hash samples, :func:`theme_count`).
- Optional consensus (``consensus_fits`` > 1, off by default): HDBSCAN on hash subsamples,
  each merged and refined; segments together in more than half the fits (average linkage on
  the co-association) make the clusters. banking77 10 % subsample ARI 0.812 -> 0.872 with 15
  fits at ~15x the fit time (bench/RESULTS.md).
- Outliers: HDBSCAN calls 40-60 % of short texts noise. Every segment (members
  too) is then assigned to the nearest theme centroid in the full embedding
  space when the cosine is at least ``assign_threshold``; below that it stays an
  outlier. One rule for the fit and for nightly assignment, so predictions for
  new text agree with the fit by construction.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

import numpy as np

from feedback.themes.settings import ThemeSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Assignment:
    theme: np.ndarray  # index into the centroid list, -1 = outlier
    score: np.ndarray  # cosine to the chosen centroid (0 when outlier and no centroid)


def normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (vectors / norms).astype(np.float32)


def weighted_centre(unit: np.ndarray, weights: np.ndarray, members: list[int]) -> np.ndarray:
    """The unit mean of ``members``' rows of ``unit``, each weighted by its ``weights`` (a theme by its segments)."""
    mean = (unit[members] * weights[members, None]).sum(axis=0)
    return np.asarray(mean / max(float(np.linalg.norm(mean)), 1e-12))


def fit_order(keys: list[str], seed: int) -> list[int]:
    """Positions sorted by hash(seed, key): the fit order and the sample priority."""
    ranked = sorted(
        range(len(keys)),
        key=lambda i: (hashlib.sha1(f"{seed}:{keys[i]}".encode()).hexdigest(), keys[i]),
    )
    return ranked


def reduce(vectors: np.ndarray, settings: ThemeSettings) -> np.ndarray:
    if settings.reduction == "none":
        return vectors
    from sklearn.decomposition import PCA

    dims = min(settings.dims, vectors.shape[0] - 1, vectors.shape[1])
    if dims < 2:
        return vectors
    # the eigenvectors of the 384 x 384 covariance, not an SVD of every row: the same components (to 1e-13), at
    # 20,000 rows 0.2 s against 7.7 s, at the 4,200 of a bagged Ward fit 0.15 s against 0.67 s
    reduced = PCA(n_components=dims, svd_solver="covariance_eigh").fit_transform(vectors.astype(np.float64))
    return normalise(reduced)


def hdbscan_labels(vectors: np.ndarray, keys: list[str], settings: ThemeSettings) -> np.ndarray:
    """HDBSCAN cluster per vector (-1 noise), order-independent, fitted on a sample when large."""
    n = vectors.shape[0]
    size = settings.cluster_size(min(n, settings.max_fit))
    labels = np.full(n, -1, dtype=np.int64)
    if n < max(size, 2) + 1:
        return labels
    order = fit_order(keys, settings.seed)[: settings.max_fit]
    order.sort(key=lambda i: (keys[i], i))  # fit in key order: same data, same tree
    sample = vectors[order]
    reduced = reduce(sample, settings)
    import hdbscan

    clusterer = hdbscan.HDBSCAN(
        min_cluster_size=size,
        min_samples=min(settings.min_samples or size, size),
        cluster_selection_method=settings.cluster_selection_method,
        metric="euclidean",
        core_dist_n_jobs=1,
    )
    found = clusterer.fit_predict(reduced)
    if found.max() < 0:
        # HDBSCAN never selects its root: one dense group among scattered points (a small outlier
        # pool holding tonight's new topic) is found only when a single cluster is allowed.
        # Like _duplicate_groups, it must come from enough comments, not one comment repeating itself.
        clusterer.set_params(allow_single_cluster=True, cluster_selection_method="eom")
        found = clusterer.fit_predict(reduced)
        if len(_comments([keys[order[i]] for i in np.flatnonzero(found >= 0)])) < size:
            found[:] = -1
    labels[order] = found
    _duplicate_groups(labels, keys, size)
    log.info(
        "HDBSCAN: %d segments fitted, %d clusters, %.0f %% noise before assignment",
        len(order), int(found.max()) + 1, 100 * float(np.mean(found < 0)),
    )
    return labels


def _duplicate_groups(labels: np.ndarray, keys: list[str], size: int) -> None:
    """Identical texts left as noise become a theme when enough comments say them.

    Keys are "text hash:comment id:seq" (or just unique strings), so one comment
    repeating a sentence does not make a theme.

    HDBSCAN finds no structure when all points coincide ("Great service" x 30); that is
    still a point many customers made.
    """
    groups: dict[str, list[int]] = {}
    for i in np.flatnonzero(labels < 0):
        groups.setdefault(keys[i].split(":", 1)[0], []).append(int(i))
    next_label = int(labels.max()) + 1
    for key in sorted(groups):
        if len(groups[key]) >= size and len(_comments([keys[i] for i in groups[key]])) >= size:
            labels[groups[key]] = next_label
            next_label += 1


def _comments(keys: list[str]) -> set[str]:
    """The comments these keys ("text hash:comment id:seq") come from; the keys themselves when
    they do not name comments."""
    return {k.split(":")[1] for k in keys if k.count(":") >= 2} or set(keys)


def centroids(vectors: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Normalised mean vector per cluster 0..k-1."""
    k = int(labels.max()) + 1 if labels.size else 0
    if k == 0:
        return np.zeros((0, vectors.shape[1] if vectors.ndim == 2 else 0), dtype=np.float32)
    out = np.vstack([vectors[labels == c].mean(axis=0) for c in range(k)])
    return normalise(out)


def assign(vectors: np.ndarray, cents: np.ndarray, threshold: float) -> Assignment:
    """Nearest centroid by cosine, kept when at least ``threshold``."""
    n = vectors.shape[0]
    if n == 0 or cents.shape[0] == 0:
        return Assignment(np.full(n, -1, dtype=np.int64), np.zeros(n, dtype=np.float32))
    best = np.empty(n, dtype=np.int64)
    score = np.empty(n, dtype=np.float32)
    for start in range(0, n, 8192):
        sims = vectors[start : start + 8192] @ cents.T
        best[start : start + 8192] = sims.argmax(axis=1)
        score[start : start + 8192] = sims.max(axis=1)
    theme = np.where(score >= threshold, best, -1)
    return Assignment(theme, score)


def merge_close(vectors: np.ndarray, labels: np.ndarray, threshold: float) -> np.ndarray:
    """Labels with clusters whose centroids are ``threshold``-similar (average linkage) made one.

    Leaf selection cuts a theme into near-duplicates ("too long on hold" / "waited
    90 minutes on hold"); those split differently from fit to fit, so they are
    joined before assignment.
    """
    cents = centroids(vectors, labels)
    if cents.shape[0] < 2 or threshold >= 1.0:
        return labels
    from scipy.cluster.hierarchy import fcluster, linkage

    tree = linkage(cents.astype(np.float64), method="average", metric="cosine")
    groups = fcluster(tree, t=1.0 - threshold, criterion="distance")
    # Number groups by their first cluster, so the result does not depend on fcluster's numbering.
    first: dict[int, int] = {}
    for c, g in enumerate(groups):
        first.setdefault(int(g), c)
    rank = {g: r for r, g in enumerate(sorted(first, key=first.__getitem__))}
    remap = np.array([rank[int(g)] for g in groups], dtype=np.int64)
    return np.where(labels >= 0, remap[np.maximum(labels, 0)], -1)


def _compact(theme: np.ndarray, k: int) -> np.ndarray:
    """Cluster numbers 0..k'-1 of the clusters that still have members (-1 stays)."""
    kept = [c for c in range(k) if np.any(theme == c)]
    remap = np.full(max(k, 1), -1, dtype=np.int64)
    remap[kept] = np.arange(len(kept))
    return np.where(theme >= 0, remap[np.maximum(theme, 0)], -1)


def fit(vectors: np.ndarray, keys: list[str], settings: ThemeSettings) -> tuple[np.ndarray, Assignment]:
    """Cluster and assign: (centroids, assignment of every vector).

    HDBSCAN clusters -> near-duplicates merged -> nearest-centroid refinement (Lloyd
    rounds on the cosine, outliers below ``assign_threshold`` left out) until the
    assignment no longer changes. The result is a fixed point of :func:`assign`, the
    rule nightly uses, so a re-fit and nightly assignment agree on the same data.
    """
    if vectors.shape[0] != len(keys):
        raise ValueError("one key per vector is needed")
    if settings.consensus_fits > 1:
        labels = consensus_labels(vectors, keys, settings)
    elif settings.partition == "ward":
        count = (asked_count(settings.theme_count, settings, len(keys)) if settings.theme_count
                 else theme_count(vectors, keys, settings))
        if settings.bagged(vectors.shape[0]):
            labels = bagged_labels(vectors, keys, count, settings)
        else:
            labels = ward_labels(vectors, keys, count, settings)
    else:
        labels = merge_close(vectors, hdbscan_labels(vectors, keys, settings), settings.merge_threshold)
    cents, result = refine(vectors, labels, settings)
    return cents, result


def asked_count(asked: int, settings: ThemeSettings, segments: int) -> int:
    """The analyst's theme count ``asked``, at most one theme per smallest theme's worth of ``segments``
    (``min_cluster_size``): asking for 5,000 themes of 2,600 segments draws 520, not one theme per segment."""
    size = settings.cluster_size(segments)
    most = max(2, segments // size)
    if asked > most:
        log.info("theme count %d asked, %d drawn: at most one theme per %d segments", asked, most, size)
    return min(asked, most)


def theme_count(vectors: np.ndarray, keys: list[str], settings: ThemeSettings) -> int:
    """How many themes the Ward partition draws: HDBSCAN's clusters after the merge of near-duplicates.

    With ``count_fits`` > 1 and more than ``count_sample`` segments, the median of the counts of
    ``count_fits`` fits on hash samples (seed, fit number, key) of exactly ``count_sample``
    segments: the count then estimates the data's structure and not its size (HDBSCAN's count on
    all the segments falls ~10 % when a tenth of them goes, the main cause of unstable themes).
    """
    n = vectors.shape[0]
    if settings.count_fits > 1 and n > settings.count_sample:
        counts = []
        for b in range(settings.count_fits):
            chosen = sorted(fit_order(keys, settings.seed * 1000 + b + 1)[: settings.count_sample])
            found = hdbscan_labels(vectors[chosen], [keys[i] for i in chosen], settings)
            counts.append(int(merge_close(vectors[chosen], found, settings.merge_threshold).max()) + 1)
        count = int(np.floor(np.median(counts)))  # the lower middle when even: no half clusters
        log.info("theme count %d: median of %s (%d fits of %d segments)", count, counts, len(counts),
                 settings.count_sample)
        return count
    labels = merge_close(vectors, hdbscan_labels(vectors, keys, settings), settings.merge_threshold)
    return int(labels.max()) + 1 if labels.size else 0


def comment_means(vectors: np.ndarray, comments: list[str], wanted: list[str]) -> np.ndarray:
    """Per entry of ``wanted`` (a comment id), the mean of the ``vectors`` whose ``comments`` entry is
    that comment (zeros for a comment with none)."""
    index = {c: j for j, c in enumerate(dict.fromkeys(comments))}
    sums = np.zeros((len(index) + 1, vectors.shape[1] if vectors.ndim == 2 else 0), dtype=np.float64)
    counts = np.zeros(len(index) + 1, dtype=np.float64)
    rows = np.array([index[c] for c in comments], dtype=np.int64)
    np.add.at(sums, rows, vectors.astype(np.float64))
    np.add.at(counts, rows, 1.0)
    means = sums / np.maximum(counts, 1.0)[:, None]
    return means[[index.get(c, len(index)) for c in wanted]].astype(np.float32)


def in_context(vectors: np.ndarray, means: np.ndarray, weight: float) -> np.ndarray:
    """``normalise(vector + weight * its comment's mean segment vector)``, row by row: the vector a
    segment is clustered and assigned by (``context_weight``). Weight 0 gives the vectors back."""
    if means.shape != vectors.shape:
        raise ValueError(f"one comment mean per vector is needed ({means.shape} for {vectors.shape})")
    if weight == 0.0 or not vectors.shape[0]:
        return vectors
    return normalise(vectors.astype(np.float64) + weight * means.astype(np.float64))


def ward_labels(vectors: np.ndarray, keys: list[str], count: int, settings: ThemeSettings) -> np.ndarray:
    """``count`` clusters by Ward linkage on the PCA vectors of at most ``ward_max`` segments (-1: not in
    the sample, left to the refinement). The sample is chosen by hashing (seed, key) and taken in key
    order, so the same data in another order gives the same clusters."""
    n = vectors.shape[0]
    labels = np.full(n, -1, dtype=np.int64)
    if count < 1:
        return labels
    order = fit_order(keys, settings.seed)[: settings.ward_max]
    order.sort(key=lambda i: (keys[i], i))
    if len(order) <= count:
        labels[order] = np.arange(len(order))
        return labels
    from scipy.cluster.hierarchy import fcluster, linkage

    points = neighbour_means(vectors[order], settings.ward_neighbours)
    tree = linkage(reduce(points, settings).astype(np.float64), method="ward")
    groups = fcluster(tree, t=count, criterion="maxclust")
    # Number clusters by their first member in key order, not by fcluster's numbering.
    first: dict[int, int] = {}
    for g in groups:
        first.setdefault(int(g), len(first))
    labels[order] = [first[int(g)] for g in groups]
    return labels


BAG_CENTROIDS = 8000  # pooled centroids the bagged fit links at most (~256 MB of distances): 25 fits up to 320 themes


def bagged_labels(vectors: np.ndarray, keys: list[str], count: int, settings: ThemeSettings) -> np.ndarray:
    """The themes most of ``bag_fits`` Ward fits agree on, each segment at the nearest (bagging).

    Each fit cuts ``count`` clusters by :func:`ward_labels` from a hash sample of ``bag_share`` of the segments
    (at most ``ward_max``; chosen by seed, fit number and key, so a segment is in the same fits whatever else
    the data holds). Their centroids are pooled and joined by average linkage on the cosine up to
    ``bag_distance``; a group that more than half the fits contributed to is a theme, at the size-weighted
    mean of its centroids. Every segment starts from the nearest such theme; the refinement settles them.
    The linkage's memory grows with the square of the pooled centroids: past :data:`BAG_CENTROIDS` of them,
    fewer fits are run (3 at least).
    """
    n = vectors.shape[0]
    take = max(2, round(settings.bag_share * min(n, settings.ward_max)))
    fit_count = max(3, min(settings.bag_fits, BAG_CENTROIDS // max(count, 1)))
    pooled: list[np.ndarray] = []
    sizes: list[np.ndarray] = []
    fit_of: list[np.ndarray] = []
    for b in range(fit_count):
        chosen = sorted(fit_order(keys, settings.seed * 1000 + 500 + b)[:take])
        found = ward_labels(vectors[chosen], [keys[i] for i in chosen], count, settings)
        cents = centroids(vectors[chosen], found)
        pooled.append(cents)
        sizes.append(np.bincount(found[found >= 0], minlength=cents.shape[0]).astype(np.float64))
        fit_of.append(np.full(cents.shape[0], b))
    pool, weight, fits = np.vstack(pooled), np.concatenate(sizes), np.concatenate(fit_of)
    if pool.shape[0] < 2:
        return ward_labels(vectors, keys, count, settings)
    from scipy.cluster.hierarchy import fcluster, linkage

    tree = linkage(pool.astype(np.float64), method="average", metric="cosine")
    groups = fcluster(tree, t=settings.bag_distance, criterion="distance")
    kept = [g for g in dict.fromkeys(groups.tolist()) if 2 * len(set(fits[groups == g].tolist())) > fit_count]
    if not kept:
        return ward_labels(vectors, keys, count, settings)
    themes = normalise(np.vstack([(pool[groups == g] * weight[groups == g, None]).sum(axis=0) for g in kept]))
    log.info("bagged Ward: %d fits of %d segments, %d centroids, %d themes found by more than half",
             fit_count, take, pool.shape[0], len(kept))
    return assign(normalise(vectors), themes, -1.0).theme


def neighbour_means(vectors: np.ndarray, k: int) -> np.ndarray:
    """Each row replaced by the normalised mean of itself and its ``k`` nearest other rows (cosine; of
    rows tied at the k-th place, which ones count is left to numpy's selection: tied rows are mostly
    one text's copies, equal vectors). ``k`` 0, or fewer than two rows: the rows as given."""
    n = vectors.shape[0]
    k = min(k, n - 1)
    if k < 1:
        return vectors
    unit = normalise(vectors.astype(np.float32))
    nearest = np.empty((n, k + 1), dtype=np.int64)
    for start in range(0, n, 1024):  # 1,024 rows of cosines at a time: ~25 MB at 6,000 rows
        sims = unit[start:start + 1024] @ unit.T
        rows = np.arange(sims.shape[0])
        sims[rows, start + rows] = np.inf  # a row is its own nearest
        nearest[start:start + 1024] = np.argpartition(-sims, k, axis=1)[:, : k + 1]
    return normalise(unit[nearest].mean(axis=1))


def refine(vectors: np.ndarray, labels: np.ndarray, settings: ThemeSettings) -> tuple[np.ndarray, Assignment]:
    """Nearest-centroid rounds from ``labels`` to a fixed point of :func:`assign` (unused centroids dropped)."""
    cents = centroids(vectors, labels)
    result = assign(vectors, cents, settings.assign_threshold)
    for _ in range(settings.refine_iterations):
        if not cents.shape[0]:
            break
        relabelled = _compact(result.theme, cents.shape[0])
        cents = centroids(vectors, relabelled)
        again = assign(vectors, cents, settings.assign_threshold)
        stable = np.array_equal(again.theme, relabelled)
        result = again
        if stable:
            break
    # A centroid nobody is nearest to can go without changing anyone's assignment.
    used = [c for c in range(cents.shape[0]) if np.any(result.theme == c)]
    if len(used) < cents.shape[0]:
        result = Assignment(_compact(result.theme, cents.shape[0]), result.score)
        cents = cents[used]
    return cents, result


def consensus_labels(vectors: np.ndarray, keys: list[str], settings: ThemeSettings) -> np.ndarray:
    """Themes that ``consensus_fits`` fits on hash subsamples agree on (evidence accumulation).

    Each fit runs HDBSCAN on ``consensus_share`` of the segments (chosen by hashing seed, fit
    number and key), merges near-duplicates and refines to a partition of every segment. Two
    segments are co-clustered with the share of fits that put them in one theme; average
    linkage on that share, cut where segments are together in more than half the fits, gives
    the clusters. Clusters smaller than ``min_cluster_size`` are left to the refinement. The
    matrix is square in the segments, so it is built on at most ``consensus_max`` of them
    (a hash sample); the others join by nearest centroid in :func:`fit`.
    """
    n = vectors.shape[0]
    fits = settings.consensus_fits
    pool = sorted(fit_order(keys, settings.seed)[: min(settings.max_fit, settings.consensus_max)])
    size = settings.cluster_size(min(n, settings.max_fit))
    labels = np.full(n, -1, dtype=np.int64)
    if len(pool) < 2 * max(size, 2) + 1:
        return merge_close(vectors, hdbscan_labels(vectors, keys, settings), settings.merge_threshold)
    sub_vectors = vectors[pool]
    sub_keys = [keys[i] for i in pool]
    together = np.zeros((len(pool), len(pool)), dtype=np.float32)
    take = max(int(round(settings.consensus_share * len(pool))), 2 * size + 1)
    for b in range(fits):
        chosen = sorted(fit_order(sub_keys, settings.seed * 1000 + b + 1)[:take])
        found = np.full(len(pool), -1, dtype=np.int64)
        found[chosen] = hdbscan_labels(sub_vectors[chosen], [sub_keys[i] for i in chosen], settings)
        found = merge_close(sub_vectors, found, settings.merge_threshold)
        _, result = refine(sub_vectors, found, settings)
        member = result.theme >= 0
        onehot = np.zeros((len(pool), int(result.theme.max()) + 1 if member.any() else 0), dtype=np.float32)
        onehot[np.flatnonzero(member), result.theme[member]] = 1.0
        together += onehot @ onehot.T
    together /= fits
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    distance = 1.0 - together.astype(np.float64)
    np.fill_diagonal(distance, 0.0)
    tree = linkage(squareform(distance, checks=False), method="average")
    groups = fcluster(tree, t=0.5, criterion="distance")
    counts = np.bincount(groups)
    first: dict[int, int] = {}
    for i, g in enumerate(groups):
        if counts[g] >= size:
            first.setdefault(int(g), i)
    rank = {g: r for r, g in enumerate(sorted(first, key=first.__getitem__))}
    labels[pool] = [rank.get(int(g), -1) for g in groups]
    log.info("consensus of %d fits on %d segments: %d clusters", fits, len(pool), len(rank))
    return labels
