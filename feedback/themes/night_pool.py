"""New themes at night: dense groups of the outlier pool that hold tonight's segments (:mod:`.engine`).

:func:`propose` fits the pool (tonight's pooled segments and the earlier outliers nearest them,
:func:`pool_sample`) and makes a theme of each dense group whose core holds one of tonight's segments and
that is not close to an existing theme; a theme born at night takes the neighbouring themes' segments
nearer its centre than theirs, unless one of them would supply so much that it is that theme cut in two
(:func:`.match.claims_of_new_theme`).

Tonight's segments the assignment placed at a theme's edge (their cosine to its centre below halfway between the
assignment's threshold and the themes' median member's: :data:`EDGE`, :meth:`Placed.loose`) are fitted with the pool
too. A new topic's first comments are often near enough a known theme to be placed in it (parking, near late
deliveries), so before only the few that fitted nothing reached the pool, and the topic hid in another theme until an
analyst re-clustered. Whether such a group is a theme cut in two is judged by what that theme held before tonight:
tonight's segments at its edge are not its history. bench/themes_emerging.py (three draws; RESULTS.md "New topics at
night"), clinc150's test split with 15 of 150 intents held out of the first of three nights: held-out intents owning
a theme born at night 3 of 45 -> 14 of 45, their comments left in other topics' themes 72.4 % -> 39.8 %, nightly vs
re-cluster one-to-one 89.4 % -> 93.1 %; no theme made of the known intents' comments, none retired by the
re-cluster; banking77 (8 of 77 held out, its intents nearer each other) 1 of 24 both ways. Real feedback in four
nights: the complaint tweets' nightly vs re-cluster agreement 76.6 % -> 80.2 % (themes the re-cluster retired 16 ->
10); 6,000 clothing reviews 82.6 % -> 82.1 % (2 -> 4 night-born themes, all retired by the re-cluster either way).

A theme born at night holds at least as many segments as the smallest theme the last fit drew (:func:`smallest_theme`).
The pool's size rule (``settings.pool_size``, HDBSCAN's smallest cluster) is far below the Ward fit's themes: on the
complaint tweets (four nights, the fit's smallest theme 31 segments) the nights made themes of 14-22 segments ("Fitbit
problems", "Mixed complaints") whose comments the re-cluster put back among the outliers. With the bar: night themes
18 -> 10, retired by the re-cluster 10 -> 4, nightly vs re-cluster one-to-one 80.2 % -> 82.7 %; clinc150 and banking77
as before (three draws each); clothing reviews 4 -> 3 night themes (RESULTS.md, "Night themes a re-cluster keeps").
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import numpy as np
import sqlite_utils

from feedback.embed import SupportsEmbed
from feedback.themes import cluster, label, store, theme_tone
from feedback.themes.match import claims_of_new_theme
from feedback.themes.settings import ThemeSettings

log = logging.getLogger(__name__)


@dataclass
class Placed:
    """Tonight's segments the assignment placed in a theme: ids, text hashes, vectors, their themes' ids and their
    cosines to those themes' centres."""

    ids: list[str]
    hashes: list[str]
    vectors: np.ndarray
    themes: list[int]
    scores: np.ndarray

    def loose(self, bar: float) -> Placed:
        """Those whose cosine to their theme's centre is below ``bar``: at its edge, where a new topic's first comments
        land."""
        at = np.flatnonzero(self.scores < bar)
        return Placed([self.ids[i] for i in at], [self.hashes[i] for i in at], self.vectors[at],
                      [self.themes[i] for i in at], self.scores[at])


def propose(db: sqlite_utils.Database, settings: ThemeSettings, embedder: SupportsEmbed,
            run: str, tonight: set[str], placed: Placed | None = None) -> int:
    """New themes made tonight from the outlier pool (``tonight``: the ids of tonight's segments that joined it) and
    from ``placed``, tonight's segments the assignment put in a theme, of which those at their theme's edge are
    fitted with the pool: a new topic's first comments are often taken by the nearest theme at a low cosine, and
    without them the pool held too few of the topic to make a theme (:data:`LOOSE`)."""
    # the pool's size from the kept counts, tonight's part from the assignment: no pass over the pool
    pooled, joined = store.counts(db)["segment_outliers"], len(tonight)
    fitted = (store.get_state(db, "last_fit") or {}).get("segments", pooled)
    size = settings.pool_size(fitted)
    placed = placed if placed is not None and LOOSE else Placed([], [], np.zeros((0, 0), np.float32), [], np.zeros(0))
    if pooled + len(placed.ids) < size or not (joined or placed.ids):  # nothing new tonight: the pool is not read
        return 0
    # Outliers are clustered among outliers only, where a loose group looks dense. A group becomes
    # a theme only when its core (members as close to its centre as the fitted themes' median
    # member is to theirs) is big enough and holds one of tonight's segments: else a re-cluster of
    # everything would not find it, or an unrelated remark would have tipped old outliers over.
    cohesion = store.theme_cohesion(db)
    tight = float(np.median(cohesion)) if cohesion else 0.0
    edge = placed.loose(settings.assign_threshold + EDGE * (tight - settings.assign_threshold))
    if pooled + len(edge.ids) < size or not (joined or edge.ids):
        return 0
    log.info("outlier pool: %d segments, %d of them tonight's, and %d of tonight's at a theme's edge: looking for a"
             " new theme", pooled, joined, len(edge.ids))
    ids, hashes, vectors = store.outlier_vectors(db, embedder, settings.context_weight)
    pool_ids = set(ids)
    if edge.ids:
        ids, hashes = ids + edge.ids, hashes + edge.hashes
        vectors = np.vstack([vectors, edge.vectors]) if len(vectors) else edge.vectors
    old = np.array([i not in tonight and i in pool_ids for i in ids], dtype=bool)
    kept = pool_sample(vectors, old, joined)
    if len(kept) < len(ids):
        log.info("outlier pool: fitting tonight's %d segments with the %d earlier outliers nearest them"
                 " (of %d)", int((~old).sum()), len(kept) - int((~old).sum()), int(old.sum()))
        ids, hashes = [ids[i] for i in kept], [hashes[i] for i in kept]
        vectors, old = vectors[kept], old[kept]
    # the pool wants dense groups among scattered remarks, not a partition of them
    pool_settings = settings.model_copy(update={"min_cluster_size": size, "partition": "hdbscan"})
    cents, result = cluster.fit(vectors, [f"{h}:{i}" for h, i in zip(hashes, ids, strict=True)], pool_settings)
    active = store.theme_rows(db)
    existing = store.centroid_matrix(active)
    edge_theme = dict(zip(edge.ids, edge.themes, strict=True))
    edge_score = dict(zip(edge.ids, (float(x) for x in edge.scores), strict=True))
    fresh = set(edge.ids)
    free = np.array([i in pool_ids for i in ids], dtype=bool)  # in no theme yet (the edge's are in theirs)
    keep = []
    for c in range(cents.shape[0]):
        members = result.theme == c
        core = members & (result.score >= tight)
        near = float((existing @ cents[c]).max()) if existing.shape[0] else 0.0
        # tonight's segments must be in its core: without them the group would have been proposed before
        if core.sum() >= size and (core & ~old).any() and near < settings.match_threshold:
            keep.append(c)
    # A theme born at night takes the neighbouring themes' segments nearer its centre than theirs
    # (the re-cluster's rule), unless one theme would give so much that it is that theme cut in two. Its members
    # at the edge of a theme further off move by the same rule, read from tonight's assignment (no theme is read
    # beyond the nearest): a theme too far to be among the nearest is not the one cut in two.
    moves: dict[int, tuple[list[str], list[float]]] = {}
    smallest = smallest_theme(db, active)
    members_of: dict[int, tuple[list[str], list[str], np.ndarray]] = {}  # a theme's segments, read once a night
    before: dict[int, np.ndarray] = {}  # ... and which of them it held before tonight, worked out once
    for c in list(keep):
        members = result.theme == c
        nearest = [int(j) for j in np.argsort(-(existing @ cents[c]))[:NEIGHBOURS]] if existing.shape[0] else []
        near_ids = {active[j]["id"] for j in nearest}
        far = [(ids[i], cosine) for i in np.flatnonzero(members & ~free) if edge_theme[ids[i]] not in near_ids
               and (cosine := float(vectors[i] @ cents[c])) > edge_score[ids[i]]
               and cosine >= settings.assign_threshold]
        claimed = _claims(db, embedder, settings, active, existing[nearest], nearest, cents[c],
                          int((members & free).sum()) + len(far), members_of, before, fresh)
        if claimed is None or int((members & free).sum()) + len(claimed[0]) + len(far) < smallest:
            keep.remove(c)
            continue
        moves[c] = (claimed[0] + [seg for seg, _ in far], claimed[1] + [cosine for _, cosine in far])
    if not keep:
        return 0

    def held(c: int) -> list[str]:  # the segments the theme will hold, nearest its centre first
        scored = [(float(result.score[i]), ids[i]) for i in np.flatnonzero((result.theme == c) & free)]
        return [seg for _, seg in sorted([*scored, *zip(moves[c][1], moves[c][0], strict=True)],
                                         key=lambda pair: -pair[0])]

    read = {f"new{c}": theme_tone.texts_and_tones(db, held(c)) for c in keep}
    docs = {key: texts for key, (texts, _) in read.items()}
    # existing themes only give the background term frequencies: a sample of each is enough, and
    # a bounded one in all (each text is parsed), so a night's labelling does not grow with the themes
    per = max(2, min(label.BACKGROUND, BACKGROUND_TEXTS // max(1, len(active))))
    docs.update({str(r["id"]): store.theme_texts(db, r["id"], per) for r in active})
    order = [f"new{c}" for c in sorted(keep, key=lambda c: -int((result.theme == c).sum()))]
    taken = [r["label"] for r in store.theme_rows(db, ("active", "parent")) if r["label"]]
    labels = label.label_themes(docs, order, taken=taken, keywords=settings.keywords,  # type: ignore[arg-type]
                                tones={key: tones for key, (_, tones) in read.items()},
                                encode=store.stored_encoder(db, embedder))
    next_id = store.next_theme_id(db)
    with db.atomic():
        for c in keep:
            theme_id, next_id = next_id, next_id + 1
            members = np.flatnonzero((result.theme == c) & free)
            parent = _nearest_parent(active, existing, cents[c], settings.parent_threshold)
            lab = labels[f"new{c}"]
            store.insert_theme(db, theme_id, lab.label, lab.keywords, cents[c], embedder, run,
                               parent_id=parent)
            store.write_assignment(db, [ids[i] for i in members], [theme_id] * len(members),
                                   [float(result.score[i]) for i in members], run)
            taken_ids, taken_scores = moves[c]
            store.write_assignment(db, taken_ids, [theme_id] * len(taken_ids), taken_scores, run)
            store.history(db, run, theme_id, "proposed", lab.label, int(len(members)) + len(taken_ids),
                          source="outlier pool")
    return len(keep)


LOOSE = True  # tonight's segments at their theme's edge are fitted with the outlier pool (:func:`propose`)
# Where a theme's edge begins, between the assignment's threshold (0) and the themes' median member's cosine to its
# centre (1). Tonight's comments between that median and the threshold are half a theme's ordinary members: fitted
# with the pool, they make groups of a known topic's looser comments. At 1 (three draws of bench/themes_emerging.py)
# clinc150's held-out intents owned more night-born themes (20 of 45 against 14 at 0.5) but the complaint tweets'
# nights agreed less with the re-cluster than with the pool alone (72.7 % against 76.6 %; 80.2 % at 0.5, 80.3 % at 0.3,
# 76.2 % at 0.7, one run each); a third of the way found fewer new topics (one clinc150 draw: 5 of 15, 10 at 0.5).
EDGE = 0.5


BACKGROUND_TEXTS = 1500  # existing themes' texts a night's new-theme labelling parses, at most (>= 2 a theme)
POOL_OLD_PER_NEW = 1  # earlier outliers fitted beside each of tonight's pooled segments, at most ...
POOL_OLD_MIN = 2000  # ... but at least this many (when the pool holds them)


def pool_sample(vectors: np.ndarray, old: np.ndarray, pooled: int | None = None) -> np.ndarray:
    """Positions of the outlier pool the night fits: all of tonight's segments (``~old``) and the
    earlier outliers nearest them (highest cosine to any of tonight's, ties in input order), at most
    ``POOL_OLD_PER_NEW`` per segment of tonight's that joined the pool (``pooled``; None: every one of
    tonight's) or ``POOL_OLD_MIN``, whichever is more.

    A group the pool may propose holds tonight's segments in its core, so its earlier members are
    among their neighbours: the fit costs what is new, not what the pool gathered over the archive's
    life. A pool within the bound is fitted whole, as before. Tonight's segments at a theme's edge
    are fitted and looked near, but make no room: they are members of a theme already, and their room
    made the pool fit of a 1M night 5.8 s instead of 2.7 s (bench/RESULTS.md, the 1M night of 2026-12-07 01:51).
    """
    new_at, old_at = np.flatnonzero(~old), np.flatnonzero(old)
    room = max(POOL_OLD_PER_NEW * (len(new_at) if pooled is None else pooled), POOL_OLD_MIN)
    if len(old_at) <= room or not len(new_at):
        return np.arange(len(old))
    near = np.empty(len(old_at), dtype=np.float32)
    tonight = vectors[new_at].T
    for start in range(0, len(old_at), 4096):
        near[start : start + 4096] = (vectors[old_at[start : start + 4096]] @ tonight).max(axis=1)
    nearest = old_at[np.argsort(-near, kind="stable")[:room]]
    return np.sort(np.concatenate([new_at, nearest]))


NEIGHBOURS = 5  # existing themes, nearest first, whose segments a theme born at night may take (and judge a split by)


def _claims(db: sqlite_utils.Database, embedder: SupportsEmbed, settings: ThemeSettings,
            active: list[dict[str, Any]], centres: np.ndarray, nearest: list[int], centre: np.ndarray,
            pooled: int, members_of: dict[int, tuple[list[str], list[str], np.ndarray]],
            before: dict[int, np.ndarray], fresh: Collection[str] = ()) -> tuple[list[str], list[float]] | None:
    """(segment ids, their cosines to ``centre``) a new theme takes from its ``nearest`` existing themes (positions
    in ``active``; ``centres`` theirs), or None when it is a split of one of them (:func:`.match.claims_of_new_theme`:
    ``fresh``, tonight's segments at a theme's edge, are not what a theme held before tonight).
    ``members_of``: the themes' segments read so far tonight (nothing is written between claims); ``before``: which
    of them each held before tonight, as far as worked out."""
    if not nearest:
        return [], []
    for j in nearest:
        if j not in members_of:
            members_of[j] = store.segment_vectors(db, embedder, "s.theme_id = ?", [active[j]["id"]],
                                                  context=settings.context_weight)
        if j not in before:
            before[j] = np.array([i not in fresh for i in members_of[j][0]], dtype=bool)
    found = [members_of[j] for j in nearest]
    moves = claims_of_new_theme(centre, pooled, [vectors for _, _, vectors in found], centres,
                                min_cosine=settings.assign_threshold, fold_share=settings.fold_threshold,
                                held=[before[j] for j in nearest])
    if moves is None:
        return None
    ids = [seg for (seg_ids, _, _), moved in zip(found, moves, strict=True) for seg, m in zip(seg_ids, moved,
                                                                                               strict=True) if m]
    scores = [float(s) for (_, _, vectors), moved in zip(found, moves, strict=True) if len(vectors)
              for s in (vectors[moved] @ centre)]
    return ids, scores


def smallest_theme(db: sqlite_utils.Database, active: list[dict[str, Any]]) -> int:
    """Segments a theme born at night must hold: as many as the smallest theme the last fit drew (recorded by the
    fit; for a fit made before it was, the smallest active theme now). A group a fit would not draw as a theme of its
    own is one the next re-cluster retires, its comments back among the outliers."""
    recorded = (store.get_state(db, "last_fit") or {}).get("smallest")
    if recorded is not None:
        return int(recorded)
    return min((int(r["size"]) for r in active if r["size"]), default=0)


def _nearest_parent(active: list[dict[str, Any]], existing: np.ndarray, centroid: np.ndarray,
                    threshold: float) -> int | None:
    if not active:
        return None
    sims = existing @ centroid
    best = int(sims.argmax())
    return active[best]["parent_id"] if sims[best] >= threshold else None
