"""Parent themes: a human-sized top level over the themes.

How the themes are grouped (measured in bench/themes_samples.py and bench/themes_quality.py;
bench/RESULTS.md, "Top level: size-weighted Ward ..."):

- Each theme is placed by two halves of equal weight: its unit centroid, and its row of
  centroid cosines to every theme, centred over the themes and normalised: which themes it is
  near. The second half joins themes that sit near the same others even when their own cosine
  is low: MiniLM centroids of one customer topic ("too long on hold", "no reply from support")
  often sit at cosine 0.3-0.4. That row is a linear map of the centred centroid, so it is
  computed in the embedding's dimensions, not the number of themes.
- Ward's agglomeration of those points, each weighted by its theme's size (segments): merging
  costs what merging the segments costs, so a big theme is not pulled into a group by a ring of
  small ones and a few small themes do not make a top-level entry of their own.
- The number of entries comes from the data: among the cuts from ``fewest`` (8) to ``max_top``
  (and no more than the groups average linkage keeps at cosine ``threshold``, unless it keeps fewer
  than ``fewest``: a shop's own reviews, all about its products, had 2 entries of 50 themes; now 8,
  bench/themes_reviews.py) the one whose
  groups are best separated (silhouette of the cosine distances between centroids). One entry of
  ``fewest`` is held for General remarks / other languages (below) whether or not a fit has
  them, so a small greetings theme found in one fit and not the next does not move the range of
  cuts (:mod:`.top_count`: banking77's top level, 10 % subsamples against the base fit, ARI
  0.819 / 0.510 / 0.731 -> 0.819 / 0.755 / 0.816; a fit without such themes may have 7 entries).
  An analyst who sets ``fewest`` = ``max_top`` fixes it.

Against the unweighted Ward of the unit centroids before: clinc150's top level vs its 10
domains NMI 0.565 -> 0.643 at the same count; the sample surveys' known themes under one
top-level theme 0.742 -> 0.750 (surveys only), 0.688 -> 0.718 (every sample source, 14
entries). Groups of one stay top-level.

This is close to what the centroids allow (bench/themes_samples.py --diagnose, RESULTS.md "Top
level against its ceiling"): placing each theme by its centroid around the truth's own centres
(clinc150's domains, the samples' known themes; each theme left out of its centre) gives domain
NMI 0.650 (this: 0.643) and a known-theme share of 0.766 (this: 0.718), while the fine themes
grouped with perfect knowledge reach 0.935: what is missing is in the meaning, not the grouping.
Member-segment neighbours, embedded label/keyword descriptions, words, polarity, k-means and
other linkages separated the known themes no better.

Themes whose segments mostly say nothing about a topic ("As above", "Made my day", "Fine", another language:
:func:`.label_words.content_free`, the speech acts the labels already recognise) leave the groups Ward put them in for
one entry of their own (named "General remarks" by :mod:`.label`); before, they sat with whatever topic their centroids
were near (support contact, on the samples). The other groups stay as they were, so the known themes' shares do not
move (samples 0.756 at 12 entries, 11 before; clinc150 domains NMI 0.612 -> 0.614: RESULTS.md, "Top level: a General
remarks entry"). Grouping the other themes afresh (Ward without the content-free ones) was about level too (0.751 /
0.617) but moved groups analysts know; a words block (TF-IDF of the themes' texts, or each theme's main words) beside
the placement lowered clinc150's NMI; a Ward of the member segments (each theme under the cluster of most of its
segments) gained on both at 8-14 entries and lost at the counts the data picks.

Themes mostly in another language (:func:`other_language`) make an entry of their own, not part of "General remarks":
what they say is unread by the English model, not nothing (a French complaint about a refund). Then :func:`settle`
keeps a parent's label trustworthy (issue #12: "Staff praise" held "More tills" and "More staff", "Easy ordering" held
"Delivery slots"): each theme has a side (:func:`side`: praise; complaints and requests, :func:`.label_claims.asks`; or
neither; its tone the published sentiment of its segments, :mod:`.theme_tone`), a group with a substantial part of
each side splits in two, a theme on its group's smaller side moves to a group of its side about as near, and an entry
of more than ``MOST_CHILDREN`` themes is split by Ward's cut of its themes, all within the count. On the samples:
sub-themes contradicting their parent's claim 6.8% -> 0.8% of the segments, known-theme shares unchanged (0.756),
12 -> 17 entries; clinc150's domains NMI as before, 0.614 (RESULTS.md, "Top level: sides"). A cap at 20 or 30 themes split the
samples' damaged and missing items apart (0.756 -> 0.703 / 0.724), so the cap is 40. A side read from the published
sentiment instead of the lexicon: sub-themes contradicting their parent's claim (read so) 2.1% -> 0.0% of the segments
("Chat praise", +0.05 published, held "Waiting too long"), 17 -> 16 entries, known-theme shares 0.740 -> 0.741
(RESULTS.md, "Labels and sides read the published sentiment").

Themes about how the staff were ("[NAME] was great as always", "Lovely staff", "The staff at the Leeds store are
brilliant": :mod:`.people`) go under the one parent that holds most of them, whatever else their comments name (their
centroids sat under "Prices and value" and "Delivery and order problems"), and a group left with less than ``KEPT``
of its segments gives its other themes to the groups nearest them (:func:`_rehome`). On the samples the known theme
of friendly staff went 0.41 -> 0.76 under one entry, the other known themes as before or better (bench/RESULTS.md).
Themes about reaching the company share one entry; a quarter of it or more, it holds nothing else (:mod:`.contact`).
A group whose themes share no topic is read in its comments' context: each theme goes where the points next to it are
(:mod:`.context`; the samples' "Subs and greener comments": a late van's "The kids had toast for tea.", ...).

Before any of this, the themes that ask the company for something are placed without the way requests are worded
(:mod:`.request_form`: the requests' voice, each asking theme against its nearest other themes, taken away when the
requests share one). On the samples "Use less plastic" left "Substitution requests" for the packaging complaints and
"Plus requests" (self checkouts, PayPal, the bill) was no longer an entry; over twelve fits of 90 % of the comments
the known themes' mean share under one entry went 0.779 -> 0.827 (0.770 -> 0.819 at 16 entries each); clinc150's
domains, banking77 and the shop's reviews as before (bench/RESULTS.md, "The requests' voice measured topic by
topic").

Analysts' placements (``feedback themes move``) come first: a fit matches its groups to the
previous parents without the moved themes (:func:`set_aside`, :func:`continue_parents`: a group an
analyst named continues in the group holding most of its themes, also when a coarser top level
folded it into a bigger one), then puts each moved theme under the parent it was moved to when
that parent continues, and where the fit put it when not (:func:`honour_placements`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence

import numpy as np

from feedback.themes.cluster import weighted_centre
from feedback.themes.contact import contact_kinds, gathered
from feedback.themes.context import Neighbours, in_context
from feedback.themes.label_claims import asking
from feedback.themes.nearest import pulled
from feedback.themes.people import gather, people_side, unstaff
from feedback.themes.request_form import without_request_form
from feedback.themes.top_count import best_count, count_range, cut
from feedback.themes.top_count import silhouette as silhouette  # re-exported: callers read it here

FEWEST = 8  # fewest top-level entries the data may choose (when there are as many themes; one held: top_count)
CENTROID_WEIGHT = 0.5  # the centroid's share of the squared distance; the rest: the cosine row


def parent_groups(centroids: np.ndarray, threshold: float, max_top: int | None = None,
                  sizes: np.ndarray | list[int] | None = None, fewest: int = FEWEST,
                  docs: Sequence[Sequence[str]] | None = None,
                  tones: Sequence[Sequence[float | None]] | None = None,
                  neighbours: Neighbours | None = None) -> list[list[int]]:
    """Groups (of at least two theme indices) that should share a parent, biggest first.

    ``sizes``: each theme's segments (None: all alike). The top level has between ``fewest`` and ``max_top`` entries
    when there are enough themes, never more than average linkage of the centroids keeps apart at cosine ``threshold``.
    ``docs``: each theme's segment texts, best first (None: not read); the themes whose segments mostly say nothing
    about a topic (:func:`content_free`) make one entry of their own, those mostly in another language another
    (:func:`other_language`), and no group keeps themes of both sides (:func:`settle`, :func:`side`; ``tones``: each
    theme's segments' published sentiment, aligned with ``docs``, which gives its tone). ``neighbours``: which themes
    the points next to a theme's are in (:func:`.context.neighbour_counts`), read for a group that names no topic.
    """
    k = centroids.shape[0]
    weights = np.ones(k) if sizes is None else np.maximum(np.asarray(sizes, dtype=np.float64), 1.0)
    if k and weights.shape != (k,):
        raise ValueError(f"one size per theme is needed: {weights.shape} for {k} themes")
    if docs is not None and len(docs) != k:
        raise ValueError(f"one list of texts per theme is needed: {len(docs)} for {k} themes")
    foreign = other_language(docs) if docs is not None else []
    free = [i for i in content_free(docs) if i not in set(foreign)] if docs is not None else []
    if k < 2:
        return []
    if tones is not None and len(tones) != k:
        raise ValueError(f"one list of sentiment scores per theme is needed: {len(tones)} for {k} themes")
    sides = (np.array([side(texts, tones[i] if tones is not None else None) for i, texts in enumerate(docs)])
             if docs is not None else None)
    kinds = ([k if sides is None or sides[i] != -k else 0 for i, k in enumerate(people_side(list(t)[:READ]) for t in docs)]
             if docs is not None else None)  # about the staff, on the side of the theme's published tone
    if docs is not None:  # requests placed by what they ask about, not by how requests are worded
        centroids = without_request_form(_unit(centroids.astype(np.float64)), [asking(list(t)[:READ]) for t in docs],
                                         weights, set(free) | set(foreign))
    contact = contact_kinds(docs, sides, kinds, READ) if docs is not None and sides is not None and kinds else None
    return _grouped(centroids, threshold, max_top, weights, fewest, free, foreign, sides, kinds, contact, neighbours)


def content_free(docs: Sequence[Sequence[str]]) -> list[int]:
    """The themes (indices) most of whose segments say nothing about a topic ("As above", "Made my
    day", "Fine", another language: :func:`.label_words.content_free`)."""
    from feedback.themes.label_words import content_free as says_little

    return [i for i, texts in enumerate(docs) if says_little(texts)]


def other_language(docs: Sequence[Sequence[str]]) -> list[int]:
    """The themes (indices) at least half of whose segments are in another language: what they say
    is unread by the English model, not nothing, so they are not filed with the content-free ones."""
    from feedback.themes.label_language import is_foreign

    return [i for i, texts in enumerate(docs) if texts and sum(map(is_foreign, texts)) / len(texts) >= 0.5]


# --- sides: praise against complaints and requests -----------------------------------------------

READ = 40  # a theme's best segments its side is read from (as many as its label is: label.REPRESENTATIVES)
SIDE_SHARE = 0.25  # a side with this share of a group's segments (and two themes) becomes an entry of its own
MOVE_MARGIN = 0.3  # a theme on the group's smaller side moves to a group of its side this much less near (cosine;
# 0.1 left "Kind staff member" under "Delivery and order problems", 0.2 "Booking slot" praise under "Plus and slot
# problems" on the samples; clinc150 and a shop's reviews alike at each: bench/RESULTS.md)
KEPT = 1 / 3  # a group that kept less of its segments when the staff's themes were gathered is no entry of its own
MOST_CHILDREN = 40  # an entry with more themes than this is split (Ward's cut of its themes): too many to scan


def side(docs: Sequence[str], tones: Sequence[float | None] | None = None) -> int:
    """A theme's side (:func:`.parent_words.side`): -1 when most of its best ``READ`` segments ask the
    company to do something ("Open more tills") or its tone is at most the labels' negative line (a
    complaint), +1 at least their positive line (praise), else 0. Its tone is the mean of its segments'
    published sentiment (``tones``, aligned with ``docs``: every segment, as the archive averages a
    theme; :mod:`.theme_tone`); without ``tones``, the lexicon's over the best ``READ``, as its label
    reads it. Praise and a complaint or request under one parent make its label's claim ("Staff
    praise") false for part of it."""
    from feedback.themes import parent_words
    from feedback.themes.label import POSITIVE_THEME
    from feedback.themes.label_units import NEGATIVE_THEME
    from feedback.themes.theme_tone import mean_tone

    best = list(docs)[:READ]
    mean = mean_tone(docs, tones) if tones is not None else None
    return parent_words.side(best, NEGATIVE_THEME, POSITIVE_THEME, mean)


def settle(groups: list[list[int]], unit: np.ndarray, points: np.ndarray, weights: np.ndarray,
           sides: np.ndarray, most: int) -> list[list[int]]:
    """Ward's ``groups`` made trustworthy to read, in at most ``most`` entries (groups of one count):

    - a group with praise (side +1) and complaints or requests (side -1), each at least
      ``SIDE_SHARE`` of its segments and two themes, splits in two (a theme of neither side goes
      with the side whose centroid is nearer) while the entries, once capped (below), fit in
      ``most``: the groups whose smaller side is biggest first;
    - else a theme on the group's smaller side (when the larger holds ``SIDE_SHARE`` of it) moves to
      the nearest group (cosine to its centroid) whose larger side is its own, when that is no more than ``MOVE_MARGIN`` less near than its own
      group (without it); else it stays (its parent's label then names the topic without a claim);
    - while there is room, the biggest entry of more than ``MOST_CHILDREN`` themes is split in two
      by Ward's cut of its themes (its own two main topics).
    """
    parts = [by_side(group, unit, weights, sides) for group in groups]
    kept = [[group] for group in groups]  # each group's entries: whole until its split fits
    for n in sorted((n for n, p in enumerate(parts) if len(p) > 1),
                    key=lambda n: (-min(weights[p].sum() for p in parts[n]), n)):  # the biggest minority first
        trial = [*kept[:n], parts[n], *kept[n + 1:]]
        if _capped_count([g for entries in trial for g in entries]) <= most:
            kept = trial
    out = moved([g for entries in kept for g in entries], unit, weights, sides)
    while len(out) < most and max(map(len, out), default=0) > MOST_CHILDREN:
        biggest = max(range(len(out)), key=lambda n: (len(out[n]), -n))
        out[biggest:biggest + 1] = _split(out[biggest], points, weights, 2)
    return [sorted(g) for g in out if g]


def _capped_count(groups: list[list[int]]) -> int:
    """Entries once every group over ``MOST_CHILDREN`` themes is split to that size."""
    return sum(-(-len(g) // MOST_CHILDREN) for g in groups)


def by_side(group: list[int], unit: np.ndarray, weights: np.ndarray, sides: np.ndarray,
            share: float = SIDE_SHARE) -> list[list[int]]:
    """``group`` as [praise, complaints and requests] when each side holds ``share`` of its segments
    (``weights``) and two themes (a theme of neither side goes with the side whose centre is nearer),
    else [``group``]. Shared with :mod:`.sections`, which keeps the sides of an entry apart the same way."""
    total = weights[group].sum()
    plus = [i for i in group if sides[i] > 0]
    minus = [i for i in group if sides[i] < 0]
    if min(len(plus), len(minus)) < 2 or min(weights[plus].sum(), weights[minus].sum()) < share * total:
        return [group]
    centres = [weighted_centre(unit, weights, part) for part in (plus, minus)]
    for i in (i for i in group if sides[i] == 0):
        (plus if unit[i] @ centres[0] >= unit[i] @ centres[1] else minus).append(i)
    return [sorted(plus), sorted(minus)]


def lean(group: list[int], weights: np.ndarray, sides: np.ndarray) -> int:
    """The side holding more of a group's segments, when it holds ``SIDE_SHARE`` of them (0: neither,
    as in a group mostly of neither side: "Live chat", "Number in the queue")."""
    plus = weights[[i for i in group if sides[i] > 0]].sum()
    minus = weights[[i for i in group if sides[i] < 0]].sum()
    if max(plus, minus) < SIDE_SHARE * weights[group].sum():
        return 0
    return 1 if plus > minus else -1 if minus > plus else 0


def moved(groups: list[list[int]], unit: np.ndarray, weights: np.ndarray, sides: np.ndarray) -> list[list[int]]:
    """``groups`` with each theme on its group's smaller side moved to the nearest group leaning its way,
    when that is no more than ``MOVE_MARGIN`` less near than its own (see :func:`settle`; also :mod:`.sections`)."""
    leans = [lean(g, weights, sides) if len(g) >= 2 else 0 for g in groups]
    centres = [weighted_centre(unit, weights, g) for g in groups]
    out = [list(g) for g in groups]
    for n, group in enumerate(groups):
        if leans[n] == 0 or len(group) < 3:
            continue
        for i in group:
            if sides[i] != -leans[n]:
                continue
            own = weighted_centre(unit, weights, [j for j in group if j != i])
            near = [(float(unit[i] @ centres[m]), m) for m in range(len(groups))
                    if m != n and len(groups[m]) >= 2 and leans[m] == sides[i]]
            if not near:
                continue
            best, target = max(near)
            if best >= float(unit[i] @ own) - MOVE_MARGIN and len(out[n]) > 2:
                out[n].remove(i)
                out[target].append(i)
    return out


def _rehome(groups: list[list[int]], before: list[list[int]], unit: np.ndarray, weights: np.ndarray,
            sides: np.ndarray | None) -> list[list[int]]:
    """``groups`` (``before`` with some themes gathered elsewhere) with the rest of a group that kept less than
    ``KEPT`` of its segments each under the nearest other group not leaning against its side: what is left of "Driver
    praise" once its drivers went to the staff ("Great quality", "Easy experience": a quarter) is no entry of its own."""
    was = {min(g): float(weights[g].sum()) for g in before}
    out = [list(g) for g in groups]
    for n, group in enumerate(groups):
        origin = next((b for b in before if set(group) <= set(b)), None)
        if origin is None or float(weights[group].sum()) >= KEPT * was[min(origin)]:
            continue
        others = [m for m in range(len(out)) if m != n and len(out[m]) >= 2]
        leans = {m: lean(out[m], weights, sides) if sides is not None else 0 for m in others}
        for i in group:
            near = [(float(unit[i] @ weighted_centre(unit, weights, out[m])), m) for m in others
                    if sides is None or leans[m] != -sides[i]]
            if near:
                out[max(near)[1]].append(i)
                out[n].remove(i)
    return [sorted(g) for g in out if g]


def _split(group: list[int], points: np.ndarray, weights: np.ndarray, parts: int) -> list[list[int]]:
    """Ward's cut of ``group``'s themes into ``parts`` groups."""
    labels = cut(weighted_ward(points[group], weights[group]), len(group), parts)
    found: dict[int, list[int]] = {}
    for index, name in zip(group, labels, strict=True):
        found.setdefault(int(name), []).append(index)
    return list(found.values())


def _grouped(centroids: np.ndarray, threshold: float, max_top: int | None, weights: np.ndarray,
             fewest: int, free: list[int], foreign: list[int] | None = None,
             sides: np.ndarray | None = None, kinds: Sequence[int] | None = None,
             contact: Sequence[int] | None = None, neighbours: Neighbours | None = None) -> list[list[int]]:
    """:func:`parent_groups`: Ward's groups of every theme, cut where the silhouette is best; the
    themes in ``free`` then leave their groups for one entry of their own, which counts in the
    entries between ``fewest`` and ``max_top`` (not in the groups kept apart at ``threshold``)."""
    k = centroids.shape[0]
    unit = _unit(centroids.astype(np.float64))
    extra = (1 if free else 0) + (1 if foreign else 0)  # the entries of the content-free, the foreign themes
    least, most = count_range(k, _average_count(unit, threshold), max_top, fewest, extra)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):  # hundreds of small products: BLAS threads only wait on each other
        merges = weighted_ward(placement(unit), weights)
    cosine = np.clip(1.0 - unit @ unit.T, 0.0, 2.0)
    np.fill_diagonal(cosine, 0.0)
    best_labels = cut(merges, k, best_count(merges, k, least, most, cosine))
    skip = set(free) | set(foreign or [])
    rest = [i for i in range(k) if i not in skip]
    groups: dict[int, list[int]] = {}
    for index in rest:
        groups.setdefault(int(best_labels[index]), []).append(index)
    found = [sorted(g) for g in groups.values()]
    if sides is not None:
        found = settle(found, unit, placement(unit), weights, sides, max(1, (max_top or k) - extra))
    if kinds is not None:  # the staff praised (or blamed) in one place, whatever else their comments name
        found = _rehome(gather(found, kinds, weights), found, unit, weights, sides)
        if sides is not None:  # ... and what else of their side Ward put with them goes by its nearest theme
            found = unstaff(found, kinds, unit, sides, lambda i, g: lean(g, weights, sides) != -sides[i])
    if contact is not None and sides is not None:  # reaching the company: an entry holding nothing else (.contact)
        found = gathered(found, contact, unit, weights,
                         lambda rest, g: lean(g, weights, sides) != -lean(rest, weights, sides), MOVE_MARGIN)
    placed = [k or c for k, c in zip(kinds, contact, strict=True)] if kinds and contact else kinds  # gathered: stay
    allowed = lambda i, g: sides is None or lean(g, weights, sides) != -sides[i]  # noqa: E731
    found = pulled(found, unit, placed, allowed)
    found = in_context(found, unit, weights, neighbours, allowed, placed)  # a group naming no topic: read in context
    found = [g for g in found if len(g) >= 2]
    for own in (free, foreign or []):
        if len(own) >= 2:
            found.append(sorted(own))
    found.sort(key=lambda g: (-len(g), g[0]))
    return found


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def _average_count(unit: np.ndarray, threshold: float) -> int:
    """Groups average linkage of the centroids keeps apart at cosine ``threshold``."""
    from scipy.cluster.hierarchy import fcluster, linkage

    tree = linkage(unit, method="average", metric="cosine")
    return int(fcluster(tree, t=1.0 - threshold, criterion="distance").max())


def placement(unit: np.ndarray, centroid_weight: float = CENTROID_WEIGHT) -> np.ndarray:
    """Each theme's point: its unit centroid beside its centred row of cosines to every theme.

    Row i of ``unit @ unit.T`` minus the column means is ``unit @ (u_i - mean)``, whose lengths
    and dot products are those of ``(u_i - mean) @ sqrt(unit.T @ unit)``: the same geometry in
    the embedding's dimensions.
    """
    centred = unit - unit.mean(axis=0)
    values, vectors = np.linalg.eigh(unit.T @ unit)
    root = (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T
    rows = _unit(centred @ root)
    return np.hstack([np.sqrt(centroid_weight) * unit, np.sqrt(1.0 - centroid_weight) * rows])


def weighted_ward(points: np.ndarray, weights: np.ndarray) -> list[tuple[int, int]]:
    """Ward's agglomeration of weighted points: the merges (kept, absorbed), first to last.

    Merging groups a and b costs ``w_a w_b / (w_a + w_b) * |m_a - m_b|^2`` (m: weighted means),
    the rise in the within-group sum of squares; the cheapest pair merges first (ties: lowest
    indices). Row minima are cached, so a merge costs O(themes x dimensions).
    """
    k = points.shape[0]
    means = points.astype(np.float64).copy()
    size = weights.astype(np.float64).copy()
    alive = np.ones(k, dtype=bool)
    square = np.einsum("ij,ij->i", means, means)
    cost = np.maximum(square[:, None] + square[None, :] - 2.0 * means @ means.T, 0.0)
    cost *= size[:, None] * size[None, :] / (size[:, None] + size[None, :])
    np.fill_diagonal(cost, np.inf)
    row_best = cost.argmin(axis=1)
    merges: list[tuple[int, int]] = []
    for _ in range(k - 1):
        live = np.flatnonzero(alive)
        mins = cost[live, row_best[live]]
        a = int(live[int(np.argmin(mins))])
        b = int(row_best[a])
        a, b = min(a, b), max(a, b)
        merges.append((a, b))
        total = size[a] + size[b]
        means[a] = (size[a] * means[a] + size[b] * means[b]) / total
        size[a] = total
        alive[b] = False
        cost[b, :] = np.inf
        cost[:, b] = np.inf
        square[a] = means[a] @ means[a]
        gap = np.maximum(square + square[a] - 2.0 * (means @ means[a]), 0.0)
        row = size * size[a] / (size + size[a]) * gap
        row[~alive] = np.inf
        row[a] = np.inf
        cost[a, :] = row
        cost[:, a] = row
        row_best[a] = int(np.argmin(row))
        others = live[(live != a) & (live != b)]
        stale = others[(row_best[others] == a) | (row_best[others] == b)]
        if stale.size:
            row_best[stale] = cost[stale].argmin(axis=1)
        fresh = others[(row_best[others] != a) & (cost[others, a] < cost[others, row_best[others]])]
        row_best[fresh] = a
    return merges


def set_aside(groups: list[list[int]], placed: dict[int, int | None]) -> list[list[int]]:
    """``groups`` without the themes an analyst placed (indices in ``placed``): what a fit matches
    to the previous top level, so a moved theme neither holds a group together nor pulls it apart."""
    return [[i for i in group if i not in placed] for group in groups]


def continue_parents(groups: list[set[int]], old: dict[int, set[int]], analysts: Collection[int],
                     next_id: int) -> list[int]:
    """Each group's parent id (``groups``: the fit's groups, as theme ids): a previous parent it continues,
    else a new id from ``next_id`` on. ``old``: each previous parent's themes.

    A parent analysts named or made (``analysts``) continues in the group holding most of its
    themes (more than half, or a Jaccard overlap of at least 0.5), the parent holding the most
    first: a coarser top level that folds it into a bigger group keeps the analyst's name. Every
    other group continues the unclaimed previous parent it overlaps best, at a Jaccard of 0.5 or more.
    """
    ids: list[int | None] = [None] * len(groups)
    used: set[int] = set()

    def jaccard(n: int, pid: int) -> float:
        return len(groups[n] & old[pid]) / len(groups[n] | old[pid]) if old[pid] else 0.0

    claims = []
    for pid in (p for p in analysts if old.get(p)):
        held = [len(g & old[pid]) for g in groups]
        for n in range(len(groups)):
            if held[n] and (2 * held[n] > len(old[pid]) or jaccard(n, pid) >= 0.5):
                claims.append((-held[n], -held[n] / len(old[pid]), pid, n))
    for _, _, pid, n in sorted(claims):
        if ids[n] is None and pid not in used:
            ids[n] = pid
            used.add(pid)
    for n in range(len(groups)):
        if ids[n] is not None:
            continue
        best, best_j = None, 0.0
        for pid in old:
            j = jaccard(n, pid)
            if pid not in used and j > best_j and j >= 0.5:
                best, best_j = pid, j
        if best is None:
            best, next_id = next_id, next_id + 1
        used.add(best)
        ids[n] = best
    return [i for i in ids if i is not None]


def honour_placements(computed: list[list[int]], groups: list[list[int]], parent_ids: list[int],
                      placed: dict[int, int | None], kept: Collection[int] = ()
                      ) -> tuple[list[list[int]], list[int]]:
    """The top level with analysts' placements: (groups, their parent ids).

    ``computed``: the fit's groups; ``groups``/``parent_ids``: the same without the placed themes
    (:func:`set_aside`), each matched to a previous parent or given a new id. A placed theme
    (index -> parent id, None: an entry of its own) goes under its parent when that parent
    continues, or is one of ``kept`` (groups analysts made or named: they continue while at
    least two themes are placed in them), stays top-level when placed there, and otherwise goes where the fit
    put it. Groups left with fewer than two themes are dropped (their theme is top-level).
    """
    final = [list(group) for group in groups]
    ids = list(parent_ids)
    home = {i: n for n, group in enumerate(computed) for i in group}
    placed_in = Counter(placed.values())
    for index, parent in sorted(placed.items()):
        if parent is None:
            continue
        if parent not in ids and parent in kept and placed_in[parent] >= 2:
            final.append([])
            ids.append(parent)
        if parent in ids:
            final[ids.index(parent)].append(index)
        elif index in home:
            final[home[index]].append(index)
    left = [n for n, group in enumerate(final) if len(group) >= 2]
    return [sorted(final[n]) for n in left], [ids[n] for n in left]
