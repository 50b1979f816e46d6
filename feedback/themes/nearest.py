"""A theme far nearer one theme of another top-level group than any of its own goes to that group.

Ward's groups (:mod:`.hierarchy`) place each theme by its centroid and by which themes it is near, so a short
request can land with other short comments rather than with its topic: on the samples "Use less plastic" (31
segments) sat under "Recurring problems" beside "Late again." and "Third time this month.", at cosine 0.62 from
"There was way too much plastic." under the packaging complaints, and at most 0.3 from any theme of its own group.
:func:`pulled` moves such a theme: its nearest theme (centroid cosine) is at least ``NEAR``, in another group that
holds most of its ``NEIGHBOURS`` nearest, and ``MARGIN`` nearer than the nearest theme of its own group. (Without the
second condition "Stop charging Plus members for delivery" left the billing complaints, two of its three nearest, for
"I'm still being charged for Plus after cancelling" under the Plus cancellations.) One pass over the groups as Ward left them (a theme whose
nearest is itself moving stays), never emptying a group below two themes, never a theme of the staff (gathered on
purpose: :mod:`.people`), and only into a group that ``allowed`` (the hierarchy: one not leaning against its side).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

NEAR = 0.6  # centroid cosine of a theme to its nearest theme for the pair to be one topic
MARGIN = 0.3  # ... and how much nearer than any theme of its own group that one must be (0.55 and 0.15 moved themes
# between banking77's eight entries from fit to fit: their 10 % subsample ARI 0.606 -> 0.578 over six draws)
NEIGHBOURS = 3  # a theme's nearest themes, most of which must be in the group of the nearest for it to go there


def pulled(groups: list[list[int]], unit: np.ndarray, kinds: Sequence[int] | None,
           allowed: Callable[[int, list[int]], bool]) -> list[list[int]]:
    """``groups`` (theme indices; ``unit``: their unit centroids, rows) with each theme whose nearest theme is in
    another group, at least ``NEAR`` and ``MARGIN`` nearer than its own group's nearest, under that group."""
    home = {i: n for n, group in enumerate(groups) for i in group}
    members = np.array(sorted(home), dtype=np.int64)
    if len(members) < 3:
        return [list(g) for g in groups]
    at = {int(i): k for k, i in enumerate(members)}
    rows = unit[members].astype(np.float64)
    sims = rows @ rows.T  # every pair once: a few thousand themes at archive scale
    np.fill_diagonal(sims, -np.inf)
    nearest = {int(i): int(members[k]) for i, k in zip(members, np.argmax(sims, axis=1), strict=True)}
    wanted: dict[int, int] = {}
    for n, group in enumerate(groups):
        if len(group) < 3:
            continue
        for i in group:
            if kinds is not None and kinds[i] != 0:
                continue
            row = sims[at[i]]
            near = [int(members[k]) for k in np.argsort(-row, kind="stable")[:NEIGHBOURS]]
            target = home[nearest[i]]
            own = max(row[at[k]] for k in group if k != i)
            if (target != n and sum(home[j] == target for j in near) > NEIGHBOURS // 2 and row.max() >= NEAR
                    and row.max() >= own + MARGIN and allowed(i, groups[target])):
                wanted[i] = target
    out = [list(g) for g in groups]
    for i, target in sorted(wanted.items()):
        if nearest[i] in wanted or len(out[home[i]]) <= 2:  # a theme whose nearest moves too stays
            continue
        out[home[i]].remove(i)
        out[target].append(i)
    return [sorted(g) for g in out if g]
