"""A top-level group whose themes share no topic is read in the context of its comments.

Ward's cut of the themes (:mod:`.hierarchy`) can leave a group of themes that sit near no topic, and so nearest each
other: on the sample archive an entry "Subs and greener comments" held "The kids had toast for tea.", "Thought you
were meant to be going greener?", "Three screens of 'are you sure'.", "Bill was wrong.", "Could have been nasty with
the kids around." and "Terrible subs again." Its themes' centroids sat at a mean cosine of 0.14 from each other (every
other entry 0.22-0.52; on banking77, clinc150, 3,000 clothing reviews and the complaint tweets no entry is below 0.24).
Each of those points follows or precedes one that names the topic in its comment: a van that came at 10pm, packaging
waste, cancelling Plus, a broken glass jar.

:func:`in_context` puts each theme of such a group (:func:`loose`) under the group holding most of the points next to
its own in their comments, when those are more than half as many as its points (one neighbour for nine points is no
context: "Our regular driver ..." does not follow it) and the hierarchy allows it (``allowed``: one not leaning against
its side). A theme no context places goes to the group nearest its centroid that allows it: nothing holds it with the
rest (on the sample surveys alone, "Bags and prices" over a regular driver, thank-you notes, great quality and great
prices was no entry a person can read).

:func:`neighbour_counts` reads, for the themes asked about, which themes the points next to theirs are in: only when a
loose group exists, and only the comments holding those themes' points.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial

import numpy as np
import sqlite_utils

from feedback.themes.cluster import weighted_centre
from feedback.warehouse.sql import chunks, marks

LOOSE = 0.18  # mean centroid cosine between a group's themes below which the group names no topic

Neighbours = Callable[[list[int]], np.ndarray]  # theme indices -> (len, themes) counts of the points next to theirs


def cohesion(group: Sequence[int], unit: np.ndarray) -> float:
    """Mean cosine between the unit centroids of ``group``'s themes, pair by pair (1.0 for one theme)."""
    if len(group) < 2:
        return 1.0
    rows = unit[list(group)]
    sims = rows @ rows.T
    n = len(group)
    return float((sims.sum() - np.trace(sims)) / (n * (n - 1)))


def loose(groups: Sequence[Sequence[int]], unit: np.ndarray, line: float = LOOSE) -> list[int]:
    """The positions in ``groups`` of the groups of three themes or more whose :func:`cohesion` is below ``line``."""
    return [n for n, group in enumerate(groups) if len(group) >= 3 and cohesion(group, unit) < line]


def in_context(groups: list[list[int]], unit: np.ndarray, weights: np.ndarray, neighbours: Neighbours | None,
               allowed: Callable[[int, list[int]], bool], stay: Sequence[int] | None = None) -> list[list[int]]:
    """``groups`` (theme indices; ``unit``: their unit centroids; ``weights``: their points) with each theme of a
    :func:`loose` group under the group holding the points next to its own (``neighbours``) more than half as many
    times as it has points, when ``allowed``; the others under the allowed group nearest their centroids (of the groups
    that are not loose, as they were). Themes with a nonzero ``stay`` (gathered on purpose: the staff, reaching the
    company) do not move."""
    found = loose(groups, unit)
    if not found or neighbours is None:
        return [list(g) for g in groups]
    home = {i: n for n, group in enumerate(groups) for i in group}
    members = sorted(i for n in found for i in groups[n] if not (stay and stay[i]))
    counts = neighbours(members) if members else np.zeros((0, unit.shape[0]))
    out = [list(g) for g in groups]
    for row, i in zip(counts, members, strict=True):
        by_group = np.zeros(len(groups))
        for j in np.flatnonzero(row):
            if int(j) in home and home[int(j)] != home[i]:
                by_group[home[int(j)]] += row[j]
        target = int(np.argmax(by_group))
        if by_group[target] * 2 > weights[i] and allowed(i, groups[target]):
            out[home[i]].remove(i)
            out[target].append(i)
    others = [m for m in range(len(groups)) if m not in set(found) and len(out[m]) >= 2]
    centres = {m: weighted_centre(unit, weights, out[m]) for m in others}
    for n in found:  # what no comment placed has nothing placing it with the rest either: it goes by its centroid
        for i in [i for i in out[n] if not (stay and stay[i])]:
            near = [(float(unit[i] @ centres[m]), m) for m in others if allowed(i, groups[m])]
            if near:
                out[n].remove(i)
                out[max(near)[1]].append(i)
    return [sorted(g) for g in out if g]


def from_matrix(counts: np.ndarray) -> Neighbours:
    """:data:`Neighbours` read off a whole (themes, themes) matrix of counts: for tests, and for a fit's inputs kept to
    be regrouped offline (it pickles, as the warehouse reader does not)."""
    return partial(_rows, counts)


def _rows(counts: np.ndarray, members: list[int]) -> np.ndarray:
    return counts[members]


def neighbour_counts(db: sqlite_utils.Database, seg_ids: Sequence[str], seg_theme: Sequence[int | None],
                     theme_ids: Sequence[int]) -> Neighbours:
    """What :func:`in_context` reads: for theme indices (positions in ``theme_ids``), how many points next to theirs
    (the one before and the one after, in their comment) are in each theme. ``seg_theme``: each segment's theme id in
    this fit (None: none), aligned with ``seg_ids``; the segments' comments and order are read from the warehouse."""
    def counts(members: list[int]) -> np.ndarray:  # read when asked: most fits have no loose group
        index = {tid: n for n, tid in enumerate(theme_ids)}
        theme_of: Mapping[str, int] = {s: index[t] for s, t in zip(seg_ids, seg_theme, strict=True) if t in index}
        at = {m: row for row, m in enumerate(members)}
        mine = [s for s, t in theme_of.items() if t in at]
        items: set[str] = set()
        for part in chunks(mine):
            items.update(r[0] for r in db.execute(
                f"select distinct item_id from theme_segments where id in ({marks(len(part))})", part))
        points: dict[str, list[tuple[int, str]]] = {}
        for part in chunks(sorted(items)):
            for seg_id, item, seq in db.execute(
                    f"select id, item_id, seq from theme_segments where item_id in ({marks(len(part))})", part):
                points.setdefault(item, []).append((seq, seg_id))
        out = np.zeros((len(members), len(theme_ids)))
        for found in points.values():
            order = [theme_of.get(s) for _, s in sorted(found)]
            for k, theme in enumerate(order):
                if theme not in at:
                    continue
                for other in (order[k - 1] if k else None, order[k + 1] if k + 1 < len(order) else None):
                    if other is not None and other != theme:
                        out[at[theme], other] += 1
        return out

    return counts
