"""Ward's top-level groups refined: each theme under the group it is nearest (:mod:`.hierarchy`).

Ward's agglomeration never undoes a merge: a theme that joined a group early, while the groups
were small, stays there when the groups grow into other topics, and the placement Ward reads
(centroid beside the row of cosines) lets themes of one phrasing ("Offer bagless delivery",
"Shorter hold times please": requests) pull each other together across topics. :func:`refine`
then moves each theme to the group whose size-weighted mean centroid, without the theme itself,
is nearest by cosine, all at once, until none moves (a spherical k-means from Ward's groups, with
the themes weighted by their segments as Ward weighs them). No group empties (it keeps the theme
nearest it): the count of entries is the one the data, or an analyst, chose.

Measured on the sample archive (bench/themes_samples.py; RESULTS.md, "Top level: each theme under
its nearest group"): known themes under one top-level entry 7 -> 9 of 16, mean share 0.759 -> 0.788
(billing_error 0.79 -> 1.00, packaging_waste 0.39 -> 0.72: "Use less plastic" leaves "Substitution
requests" for "Bag problems"; missing_items 0.49 -> 0.34, support_wait 0.60 -> 0.44); clinc150's top level vs its 10 domains NMI 0.618 -> 0.628, ARI
0.429 -> 0.447. With 15 % of the themes left out at random (8 draws, both sets) the samples' mean
share gains 0.021 and clinc150's NMI 0.005. A margin of 0.02-0.05 measured higher on the samples
(mean 0.79-0.83) but emptied a small group of requests ("More staff", "More tills") down to the theme
the guard keeps, which then gathered requests of other topics under a delivery label.
What stays apart is mostly the embedding's: requests of several topics ("Offer bagless delivery",
"Shorter hold times please", "Tell me at the door if something is missing") sit nearer each other
than their topics (bench/themes_samples.py --where).
"""

from __future__ import annotations

import numpy as np

ROUNDS = 10  # moves of every theme at most; it settles in a few on the samples and clinc150
MARGIN = 0.06  # a theme moves only to a group this much nearer (cosine) than its own: a near tie is no evidence


def refine(groups: list[list[int]], unit: np.ndarray, weights: np.ndarray, rounds: int = ROUNDS,
           margin: float = MARGIN) -> list[list[int]]:
    """``groups`` (theme indices into ``unit``, unit rows) with each theme moved to the group whose
    ``weights``-weighted mean of unit centroids, without the theme, has the highest cosine to it,
    when that is more than ``margin`` above its own group's; a group keeps at least the theme
    nearest it (a theme alone stays): the count of groups is the one given. All themes move at once,
    for at most ``rounds`` rounds or until none moves. Themes in no group are not read."""
    found = [list(g) for g in groups if g]
    for _ in range(rounds):
        members = np.array(sorted(i for g in found for i in g), dtype=np.int64)
        if not members.size or len(found) < 2:
            break
        own = np.empty(int(members.max()) + 1, dtype=np.int64)
        for n, group in enumerate(found):
            own[group] = n
        sums = np.stack([(unit[g] * weights[g, None]).sum(axis=0) for g in found])
        dots = unit[members] @ sums.T  # each theme's dot product with every group's weighted sum
        norms = np.linalg.norm(sums, axis=1)
        cos = dots / np.maximum(norms, 1e-12)[None, :]
        rows = np.arange(members.size)
        mine = own[members]
        without = sums[mine] - weights[members, None] * unit[members]  # its own group without it
        left = np.linalg.norm(without, axis=1)
        cos[rows, mine] = np.where(left > 1e-9, (dots[rows, mine] - weights[members] * np.einsum(
            "ij,ij->i", unit[members], unit[members])) / np.maximum(left, 1e-12), np.inf)  # alone: stays
        best = cos.argmax(axis=1)
        best = np.where(cos[rows, best] > cos[rows, mine] + max(margin, 1e-12), best, mine)
        for n in sorted(set(range(len(found))) - set(best.tolist())):  # a group no theme would stay in
            inside = np.flatnonzero(mine == n)
            best[inside[int(np.argmax(cos[inside, n]))]] = n  # keeps the theme nearest it: the count stays
        if np.array_equal(best, mine):
            break
        moved: list[list[int]] = [[] for _ in found]
        for i, n in zip(members.tolist(), best.tolist(), strict=True):
            moved[n].append(i)
        found = moved
    return [sorted(g) for g in found]
