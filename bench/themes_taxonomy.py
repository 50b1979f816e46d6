"""Why a known theme of the samples is split at the top level, and how far grouping could go.

Used by ``bench/themes_samples.py --diagnose``. The generator's known themes (surveys'
truth.csv) are measured against the top level by :func:`feedback.samples.truth.modal_shares`;
this module regroups the same fine themes in other ways and measures them the same way:

- ``perfect``: each fine theme under the known theme most of its single-theme comments have
  (themes with fewer than ``MIN_VOTES`` such comments, or no clear majority, stay alone): what
  grouping the fine themes with perfect knowledge reaches;
- ``known centres, leave one out``: each fine theme under the known theme whose size-weighted
  centroid (of its *other* fine themes) is nearest by cosine. The truth places the 16 centres; a
  theme is then placed by the embedding alone. This bounds any grouping by centroid geometry: if
  a known theme's fine themes are nearer another known theme's than their own, no clustering of
  the centroids puts them together without pulling in the other;
- pairwise separability (ROC AUC) of a theme-pair similarity: same known theme vs different.

And per known theme, where its comments go: the top-level entries and fine themes (with their
labels) that hold them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import sqlite_utils

from feedback.embed import from_blobs
from feedback.samples.truth import MIN_COMMENTS, modal_shares

MIN_VOTES = 3  # single-theme comments a fine theme needs before it counts as one known theme's
PURITY = 0.6  # ... and the share of them that must agree


@dataclass(frozen=True)
class Leaves:
    """The fine themes of a fit, as the top level sees them."""

    ids: list[int]
    labels: list[str]
    top: list[int]  # each theme's top-level entry: its parent, or itself
    centroids: np.ndarray  # unit rows
    sizes: np.ndarray  # segments
    themes_of: dict[str, set[int]]  # item id -> the fine themes its segments are in


def read_leaves(db: sqlite_utils.Database) -> Leaves:
    """The active themes of ``db`` with their segments' comments."""
    rows = list(db.execute("select id, label, parent_id, centroid from themes where status = 'active' order by id"))
    sizes = dict(db.execute("select theme_id, count(*) from theme_segments where theme_id is not null group by theme_id"))
    themes_of: dict[str, set[int]] = defaultdict(set)
    for item, theme in db.execute("select item_id, theme_id from theme_segments where theme_id is not null"):
        themes_of[item].add(int(theme))
    cents = from_blobs(r[3] for r in rows).astype(np.float64)
    cents /= np.maximum(np.linalg.norm(cents, axis=1, keepdims=True), 1e-12)
    return Leaves([int(r[0]) for r in rows], [str(r[1]) for r in rows], [int(r[2] or r[0]) for r in rows],
                  cents, np.array([sizes.get(r[0], 0) for r in rows], dtype=np.float64), dict(themes_of))


def known_of_leaves(leaves: Leaves, truth: dict[str, list[str]], min_votes: int = MIN_VOTES,
                    purity: float = PURITY) -> list[str | None]:
    """Per fine theme, the known theme most of its single-theme comments have (None: too few, or mixed)."""
    key_of = {item: key for key, items in truth.items() for item in items}
    position = {t: i for i, t in enumerate(leaves.ids)}
    votes: list[Counter[str]] = [Counter() for _ in leaves.ids]
    for item, key in key_of.items():
        for theme in leaves.themes_of.get(item, ()):
            if theme in position:
                votes[position[theme]][key] += 1
    out: list[str | None] = []
    for v in votes:
        total = sum(v.values())
        top = v.most_common(1)
        out.append(top[0][0] if total >= min_votes and top[0][1] >= purity * total else None)
    return out


def shares(leaves: Leaves, truth: dict[str, list[str]], group: list[int],
           min_comments: int = MIN_COMMENTS) -> dict[str, float]:
    """Per known theme (of at least ``min_comments`` comments), its comments' share under its modal
    group when fine theme i is in ``group[i]``."""
    group_of = dict(zip(leaves.ids, group, strict=True))
    return modal_shares({key: [{group_of[t] for t in leaves.themes_of.get(item, ()) if t in group_of}
                                for item in items] for key, items in truth.items()}, min_comments)


def perfect_groups(known: list[str | None]) -> list[int]:
    """Fine themes of one known theme together; the others alone."""
    names = sorted({k for k in known if k is not None})
    return [names.index(k) if k is not None else len(names) + i for i, k in enumerate(known)]


def nearest_known_groups(leaves: Leaves, known: list[str | None]) -> list[int]:
    """Each fine theme under the known theme whose size-weighted centroid, without the theme
    itself, is nearest by cosine (themes with no known theme too: placed by the embedding)."""
    names = sorted({k for k in known if k is not None})
    weighted = leaves.centroids * leaves.sizes[:, None]
    sums = {name: weighted[[i for i, k in enumerate(known) if k == name]].sum(axis=0) for name in names}
    out = []
    for i, own in enumerate(known):
        best, best_cos = len(names) + i, -np.inf
        for j, name in enumerate(names):
            centre = sums[name] - (weighted[i] if own == name else 0.0)
            norm = float(np.linalg.norm(centre))
            if norm > 1e-12 and float(leaves.centroids[i] @ centre) / norm > best_cos:
                best, best_cos = j, float(leaves.centroids[i] @ centre) / norm
        out.append(best)
    return out


def pair_auc(similarity: np.ndarray, known: list[str | None]) -> float:
    """ROC AUC of ``similarity`` between pairs of themes with a known theme: same vs different."""
    from sklearn.metrics import roc_auc_score

    idx = [i for i, k in enumerate(known) if k is not None]
    same, score = [], []
    for a, i in enumerate(idx):
        for j in idx[a + 1:]:
            same.append(known[i] == known[j])
            score.append(float(similarity[i, j]))
    if len(set(same)) < 2:
        raise ValueError("pairs of both kinds are needed: themes of one known theme and of two")
    return float(roc_auc_score(same, score))


def summary(name: str, found: dict[str, float], entries: int, line: float = 0.85) -> str:
    mean = sum(found.values()) / max(len(found), 1)
    return (f"- {name}: {entries} entries, {sum(s >= line for s in found.values())} of {len(found)} known themes "
            f">= {line:.2f}, mean share {mean:.3f}, lowest {min(found.values(), default=0.0):.2f}")


def diagnose(leaves: Leaves, truth: dict[str, list[str]],
             placement: Callable[[np.ndarray], np.ndarray] | None = None,
             min_comments: int = MIN_COMMENTS) -> list[str]:
    """Report lines: the regroupings beside the top level, pair separability, and per known theme
    where its comments go."""
    known = known_of_leaves(leaves, truth)
    now = shares(leaves, truth, leaves.top, min_comments)
    lines = [summary("this top level", now, len(set(leaves.top)))]
    for name, group in (("perfect grouping of the fine themes", perfect_groups(known)),
                        ("known centres (truth), each theme placed by its centroid, leave one out",
                         nearest_known_groups(leaves, known))):
        found = shares(leaves, truth, group, min_comments)
        lines.append(summary(name, found, len(set(group))) + "; per known theme: "
                     + ", ".join(f"{k} {v:.2f}" for k, v in found.items()))
    auc = [f"centroid cosine {pair_auc(leaves.centroids @ leaves.centroids.T, known):.3f}"]
    if placement is not None:
        points = placement(leaves.centroids)
        auc.append(f"top-level placement {pair_auc(-np.square(points[:, None] - points[None]).sum(-1), known):.3f}")
    lines.append(f"- theme pairs of one known theme vs two ({sum(k is not None for k in known)} of "
                 f"{len(known)} themes with one), ROC AUC: " + ", ".join(auc))
    position = {t: i for i, t in enumerate(leaves.ids)}
    for key, items in sorted(truth.items()):
        if key not in now:
            continue
        fine = Counter(t for item in items for t in leaves.themes_of.get(item, ()) if t in position)
        tops = Counter(top for top in (
            {leaves.top[position[t]] for t in leaves.themes_of.get(item, ()) if t in position} for item in items)
            for top in top)
        lines.append(f"- {key} ({len(items)} comments, {now[key]:.2f} under one entry): entries "
                     + ", ".join(f"#{t} {n}" for t, n in tops.most_common(4)) + "; themes "
                     + ", ".join(f"\"{leaves.labels[position[t]]}\" {n} (#{leaves.top[position[t]]})"
                                 for t, n in fine.most_common(6)))
    return lines
