"""The theme engine's two entry points: the nightly update and the full re-cluster.

Nightly (:func:`update_themes`): new processed comments are cut into segments,
embedded once, and assigned to the nearest existing theme centroid when the
cosine reaches ``assign_threshold``; theme ids never change. What fits nothing
waits in the outlier pool; when the pool holds a dense group (HDBSCAN, a core of at least
``pool_min_size`` segments, not close to an existing theme), it becomes a new
theme, but only when tonight's segments are in its core (a group may grow over several nights;
the pool is not even read when none of tonight's segments joined it or sits at a theme's edge). The pool fit
takes tonight's pooled segments, tonight's segments at a theme's edge (a new topic's first comments, taken by the
nearest theme at a low cosine) and only the earlier outliers nearest them (:mod:`.night_pool`), so its cost follows
what is new, not the pool the archive gathered over the years. A theme born at night
takes the neighbouring themes' segments nearer its centre than theirs, as a re-cluster would;
when one existing theme would supply ``fold_threshold`` of it, it is that theme cut in two, which
a re-cluster folds back, and it is not made (:func:`.match.claims_of_new_theme`). A night with nothing new (no
segment cut or embedded, none waiting for assignment) loads no model, reads no vector and
fits nothing: themes, their statistics and their history stay as they were. The first run,
or a change of embedding model, does a full fit instead.

Re-cluster (:func:`recluster`): HDBSCAN over every segment, then matched to the
previous themes (centroid cosine + member share, Hungarian), so matched themes
keep id, first_seen and any pinned label. With unchanged parameters the re-cluster
refreshes rather than re-shapes: a new cluster carved out of an existing theme is
folded back into it (``fold_threshold``) and continued themes' centres move half way
(see :func:`.match.continue_themes`), so comments keep the themes nightly gave them;
changing any clustering parameter lets the themes re-shape. Analyst edits survive: a new theme
that matches a merged-away theme folds into the merge target, and themes an
analyst touched (renamed, pinned, split) are kept even when unmatched, with
every segment re-assigned to the nearest of all centroids.

``first_seen`` / ``last_seen`` are the oldest / newest ``received_at`` among a theme's
comments, ``created_at`` when the engine made it; a theme ``is_new`` while its first comment
is recent (:func:`.store.refresh_theme_stats`), whatever produced it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import sqlite_utils

from feedback.embed import Embedder, SupportsEmbed, to_blob
from feedback.embed import make_embedder as configured_embedder
from feedback.embed_settings import EmbedSettings
from feedback.themes import (
    cluster,
    context,
    edits,
    hierarchy,
    label,
    night_pool,
    recut,
    segment_sentiment,
    store,
    theme_tone,
)
from feedback.themes.match import continue_themes
from feedback.themes.sections import write_sections
from feedback.themes.settings import ThemeSettings
from feedback.themes.settings import same_shape as shape_unchanged
from feedback.warehouse import now_iso

log = logging.getLogger(__name__)


def make_embedder(settings: ThemeSettings) -> Embedder:
    """The embedder of a configuration with no ``embed:`` section (its default backend and cache)."""
    return configured_embedder(settings.model_path, settings.batch_size, EmbedSettings(), Path.cwd())


def update_themes(
    db: sqlite_utils.Database, settings: ThemeSettings, embedder: SupportsEmbed | None = None
) -> dict[str, Any]:
    """The nightly step; returns run statistics (see module docstring)."""
    embedder = embedder or make_embedder(settings)
    run = now_iso()
    recut.recut_changed(db, settings.read_whole)  # once per segmenter version: what an older one cut differently
    segments_new = store.segment_new(db, settings.read_whole)
    embedded = store.embed_pending(db, embedder)
    rescored = segment_sentiment.score_pending(db, embedder)
    active = store.theme_rows(db)
    if not active or any((r["model"], r["model_version"]) != (embedder.name, embedder.version) for r in active):
        reason = "first run" if not active else "embedding model changed"
        log.info("full theme fit (%s)", reason)
        stats = _fit_all(db, settings, embedder, run, event="fit" if not active else "model-change")
        stats.update(segments_new=segments_new, embedded=embedded, mode="fit")
        return stats
    if not segments_new and not embedded and not store.has_unassigned(db):
        # a night with nothing new: no vector to read, no centroid to compare, no pool to fit;
        # the themes and their history stay as they are, their sentiment too unless a new head,
        # calibration or lexicon scored the segments again (before, the themes kept the old figures)
        if rescored:
            with db.atomic():
                store.refresh_theme_stats(db)
        stats = _summary(db)
        stats.update(segments_new=0, embedded=0, assigned=0, mode="unchanged")
        log.info("themes: nothing new to assign")
        return stats
    assigned, pooled, placed = _assign_pending(db, settings, embedder, active, run)
    created = night_pool.propose(db, settings, embedder, run, pooled, placed)
    with db.atomic():
        store.refresh_theme_stats(db)
        _snapshot(db, run, "nightly")
        store.set_state(db, "last_update", {"run": run, "settings": settings.model_dump(mode="json")})
    stats = _summary(db)
    stats.update(segments_new=segments_new, embedded=embedded, assigned=assigned, themes_new=created,
                 mode="assign")
    log.info("themes: %s", stats)
    return stats


def recluster(db: sqlite_utils.Database, settings: ThemeSettings, embedder: SupportsEmbed | None = None,
              **overrides: Any) -> dict[str, Any]:
    """Full re-cluster with analyst parameters, matched to the previous themes."""
    settings = settings.model_copy(update=overrides) if overrides else settings
    settings = ThemeSettings.model_validate(settings.model_dump())  # re-check the overrides
    embedder = embedder or make_embedder(settings)
    run = now_iso()
    recut.recut_changed(db, settings.read_whole)
    segments_new = store.segment_new(db, settings.read_whole)
    embedded = store.embed_pending(db, embedder)
    segment_sentiment.score_pending(db, embedder)
    stats = _fit_all(db, settings, embedder, run, event="recluster")
    stats.update(segments_new=segments_new, embedded=embedded, mode="recluster")
    return stats


# --- nightly -------------------------------------------------------------------------------


def _assign_pending(db: sqlite_utils.Database, settings: ThemeSettings, embedder: SupportsEmbed,
                    active: list[dict[str, Any]], run: str) -> tuple[int, set[str], night_pool.Placed]:
    """(segments assigned to a theme, ids of those that joined the outlier pool, those placed in a theme) of
    tonight's."""
    ids, hashes, vectors = store.unassigned_vectors(db, embedder, settings.context_weight)
    cents = store.centroid_matrix(active)
    result = cluster.assign(vectors, cents, settings.assign_threshold)
    theme_ids = [active[t]["id"] if t >= 0 else None for t in result.theme]
    with db.atomic():
        store.write_assignment(db, ids, theme_ids, list(result.score), run)
        store.stamp_unassigned(db, run)
    at = np.flatnonzero(result.theme >= 0)
    placed = night_pool.Placed([ids[i] for i in at], [hashes[i] for i in at], vectors[at],
                               [int(active[result.theme[i]]["id"]) for i in at], result.score[at])
    return len(at), {i for i, t in zip(ids, theme_ids, strict=True) if t is None}, placed


# --- full fit ------------------------------------------------------------------------------


def _fit_all(db: sqlite_utils.Database, settings: ThemeSettings, embedder: SupportsEmbed, run: str,
             event: str) -> dict[str, Any]:
    ids, hashes, vectors = store.segment_vectors(db, embedder, context=settings.context_weight)
    keys = [f"{h}:{i}" for h, i in zip(hashes, ids, strict=True)]
    cents, result = cluster.fit(vectors, keys, settings) if ids else (np.zeros((0, 0)), None)
    k = cents.shape[0]
    new_members = [{ids[i] for i in np.flatnonzero(result.theme == c)} for c in range(k)] if result else []

    same_model = [r for r in store.theme_rows(db, ("active", "merged"))
                  if (r["model"], r["model_version"]) == (embedder.name, embedder.version)]
    old_members = [
        store.theme_segment_ids(db, row["id"]) if row["status"] == "active" else set()
        for row in same_model
    ]
    last = (store.get_state(db, "last_fit") or {}).get("settings") or {}
    same_shape = shape_unchanged(last, settings)
    fold = event == "recluster" and same_shape and settings.fold_threshold < 1.0
    carried = continue_themes(cents, new_members, store.centroid_matrix(same_model), old_members,
                              min_cosine=settings.match_threshold, min_share=settings.overlap_threshold,
                              fold_share=settings.fold_threshold if fold else None)
    by_id = {row["id"]: row for row in store.theme_rows(db, ("active", "merged", "parent", "retired"))}

    def resolve(theme_id: int) -> int:
        seen = set()
        while by_id[theme_id]["status"] == "merged" and by_id[theme_id]["merged_into"] in by_id:
            if theme_id in seen:
                break
            seen.add(theme_id)
            theme_id = by_id[theme_id]["merged_into"]
        return theme_id

    # Final theme set: continued ids (several old ids folding into a merge target add up),
    # new ids, and analyst-anchored old themes.
    next_id = store.next_theme_id(db)
    final_ids: list[int] = []
    final_vecs: list[np.ndarray] = []
    created: set[int] = set()
    counted: set[int] = set()
    for c in range(k):
        j = carried.target[c]
        if j is None:
            theme_id, next_id = next_id, next_id + 1
            created.add(theme_id)
            final_ids.append(theme_id)
            final_vecs.append(cents[c])
            continue
        if j in counted:
            continue
        counted.add(j)
        theme_id = resolve(same_model[j]["id"])
        if theme_id in final_ids:
            final_vecs[final_ids.index(theme_id)] = final_vecs[final_ids.index(theme_id)] + carried.centroids[j]
        else:
            final_ids.append(theme_id)
            final_vecs.append(carried.centroids[j].copy())
    final_vecs = [cluster.normalise(v[None, :])[0] for v in final_vecs]
    if carried.folded:
        log.info("re-cluster: %d new clusters were splits of existing themes and were folded back into them",
                 len(carried.folded))
    anchored = store.anchored_ids(db)
    for row in same_model:
        if row["status"] == "active" and row["id"] not in final_ids and row["id"] in anchored:
            final_ids.append(row["id"])
            final_vecs.append(store.centroid_matrix([row])[0])
    final = np.vstack(final_vecs) if final_vecs else np.zeros((0, vectors.shape[1] if ids else 0))
    assignment = cluster.assign(vectors, final, settings.assign_threshold)
    seg_theme = [final_ids[t] if t >= 0 else None for t in assignment.theme]

    # Labels: pinned ones stay; the rest are phrases from their segments (label.py), biggest first, distinct.
    sizes = {tid: int(np.sum(assignment.theme == j)) for j, tid in enumerate(final_ids)}
    pinned = {tid: by_id[tid]["label"] for tid in final_ids if tid in by_id and by_id[tid]["label_pinned"]}
    docs_of, tones_of = theme_tone.label_inputs(db, ids, seg_theme, final_ids, list(assignment.score))
    plan = _plan_parents(db, settings, final_ids, final, docs_of, taken=pinned.values(), next_id=next_id,
                         sizes=[sizes[t] for t in final_ids], tones_of=tones_of,
                         neighbours=context.neighbour_counts(db, ids, seg_theme, final_ids))
    docs = {tid: docs_of[tid] for tid in final_ids if tid not in pinned}
    order = sorted(docs, key=lambda t: (-sizes[t], t))
    labels = label.label_themes(docs, order, taken=[*pinned.values(), *plan.pinned.values(),
                                                    *(lab.label for lab in plan.labels.values())],
                                keywords=settings.keywords, tones=tones_of, encode=store.stored_encoder(db, embedder))

    with db.atomic():
        store.clear_assignments(db, run)
        store.write_assignment(db, ids, seg_theme, list(assignment.score), run)
        for j, tid in enumerate(final_ids):
            lab = labels.get(tid)
            if tid in created:
                store.insert_theme(db, tid, lab.label if lab else "misc", lab.keywords if lab else [],
                                   final[j], embedder, run)
                store.history(db, run, tid, "created", lab.label if lab else None, sizes[tid], by=event)
                continue
            update: dict[str, Any] = {"status": "active", "centroid": to_blob(final[j]), "merged_into": None,
                                      "model": embedder.name, "model_version": embedder.version}
            if lab:
                update.update(label=lab.label, keywords=json.dumps(lab.keywords))
            store.update_theme(db, tid, update)
            store.history(db, run, tid, "matched", update.get("label", pinned.get(tid)), sizes[tid], by=event)
        for row in store.theme_rows(db, ("active",)):
            if row["id"] not in final_ids:
                store.retire_theme(db, row["id"], run)
                store.history(db, run, row["id"], "retired", row["label"], row["size"], by=event)
        _write_parents(db, plan, final_ids, final, run)
        write_sections(db, final_ids, final, sizes, docs_of, tones_of, settings.keywords)
        store.refresh_theme_stats(db, full=True)
        smallest = min((n for n in sizes.values() if n), default=0)  # what a night theme holds at least (night_pool)
        store.set_state(db, "last_fit", {"run": run, "segments": len(ids), "event": event, "smallest": smallest,
                                         "settings": settings.model_dump(mode="json")})
    stats = _summary(db)
    stats.update(themes_new=len(created), themes_matched=len(final_ids) - len(created),
                 themes_folded=len(carried.folded), reshaped=not same_shape)
    log.info("theme %s: %s", event, stats)
    return stats


@dataclass
class _Parents:
    """The top level of a fit, planned before the leaves are labelled (parents name the general
    idea, so their labels are chosen first and the leaves take the more specific phrases)."""

    groups: list[list[int]]
    ids: list[int]
    labels: dict[int, label.Labelling]
    old_rows: dict[int, dict[str, Any]]
    pinned: dict[int, str]
    keywords: dict[int, list[str]]  # the analysts' groups' (their labels are pinned)


def _plan_parents(db: sqlite_utils.Database, settings: ThemeSettings, leaf_ids: list[int],
                  leaf_vecs: np.ndarray, docs_of: dict[int, list[str]], taken: Iterable[str],
                  next_id: int, sizes: list[int] | None = None,
                  tones_of: dict[int, list[float | None]] | None = None,
                  neighbours: context.Neighbours | None = None) -> _Parents:
    tones_of = tones_of or {}  # each theme's segments' published sentiment, aligned with docs_of
    groups = (hierarchy.parent_groups(leaf_vecs, settings.parent_threshold, settings.top_count(len(leaf_ids)),
                                      sizes=sizes, fewest=settings.top_themes or hierarchy.FEWEST,
                                      docs=[docs_of.get(t, []) for t in leaf_ids],
                                      tones=[tones_of.get(t, []) for t in leaf_ids], neighbours=neighbours)
              if len(leaf_ids) > 2 else [])
    moved = edits.placements(db)  # analysts' placements: matched without, then honoured
    placed = {n: moved[tid] for n, tid in enumerate(leaf_ids) if tid in moved}
    computed, groups = groups, hierarchy.set_aside(groups, placed)
    old_parents = store.theme_rows(db, ("parent",))
    old_children = {p["id"]: store.child_ids(db, p["id"]) - set(moved) for p in old_parents}
    analysts = {p["id"] for p in old_parents if p["label_pinned"]}  # named or made by analysts: kept with their themes
    parent_of_group = hierarchy.continue_parents([{leaf_ids[i] for i in group} for group in groups], old_children,
                                                 analysts, next_id)
    groups, parent_of_group = hierarchy.honour_placements(computed, groups, parent_of_group, placed, analysts)
    rows = {p["id"]: p for p in old_parents}
    pinned = {pid: rows[pid]["label"] for pid in parent_of_group if pid in rows and rows[pid]["label_pinned"]}
    docs = {pid: [docs_of.get(leaf_ids[i], []) for i in group]
            for group, pid in zip(groups, parent_of_group, strict=True) if pid not in pinned}
    tones = {pid: [tones_of.get(leaf_ids[i], []) for i in group]
             for group, pid in zip(groups, parent_of_group, strict=True) if pid not in pinned}
    labels = label.label_parents(docs, sorted(docs, key=lambda p: (-sum(len(d) for d in docs[p]), p)),
                                 taken=[*taken, *pinned.values()], keywords=settings.keywords, tones=tones)
    # an analyst's group keeps its label; its keywords follow its themes, drawn as the others' are
    own = {pid: [docs_of.get(leaf_ids[i], []) for i in group]
           for group, pid in zip(groups, parent_of_group, strict=True) if pid in pinned}
    own_tones = {pid: [tones_of.get(leaf_ids[i], []) for i in group]
                 for group, pid in zip(groups, parent_of_group, strict=True) if pid in pinned}
    words = {pid: lab.keywords for pid, lab in
             (label.label_parents(own, sorted(own), keywords=settings.keywords, tones=own_tones) if own else {}).items()}
    return _Parents(groups, parent_of_group, labels, rows, pinned, words)


def _write_parents(db: sqlite_utils.Database, plan: _Parents, leaf_ids: list[int], leaf_vecs: np.ndarray,
                   run: str) -> None:
    store.clear_parents(db)
    for group, pid in zip(plan.groups, plan.ids, strict=True):
        cent = cluster.normalise(leaf_vecs[group].mean(axis=0)[None, :])[0]
        lab = plan.labels.get(pid)
        if pid in plan.old_rows:
            update: dict[str, Any] = {"status": "parent", "centroid": to_blob(cent)}
            if lab:
                update.update(label=lab.label, keywords=json.dumps(lab.keywords))
            elif pid in plan.keywords:
                update["keywords"] = json.dumps(plan.keywords[pid])
            store.update_theme(db, pid, update)
            store.history(db, run, pid, "matched", update.get("label", plan.old_rows[pid]["label"]), None, kind="parent")
        else:
            store.insert_parent(db, pid, lab.label if lab else "group", lab.keywords if lab else [], cent, run)
            store.history(db, run, pid, "created", lab.label if lab else None, None, kind="parent")
        for i in group:
            store.update_theme(db, leaf_ids[i], {"parent_id": pid})
    for pid in plan.old_rows:
        if pid not in plan.ids:
            store.retire_theme(db, pid, run)
            store.history(db, run, pid, "retired", plan.old_rows[pid]["label"], None, kind="parent")


def _snapshot(db: sqlite_utils.Database, run: str, event: str) -> None:
    for row in store.theme_rows(db, ("active",)):
        store.history(db, run, row["id"], event, row["label"], row["size"])


def _summary(db: sqlite_utils.Database) -> dict[str, Any]:
    n = store.counts(db)
    return {
        "segments_total": n["segments"],
        "comments_total": n["comments"],
        "outlier_share": round(n["comment_outliers"] / n["comments"], 4) if n["comments"] else 0.0,
        "segment_outlier_share": round(n["segment_outliers"] / n["segments"], 4) if n["segments"] else 0.0,
        "themes_total": n["themes"],
        "parents_total": n["parents"],
        "themes_new": 0,
    }
