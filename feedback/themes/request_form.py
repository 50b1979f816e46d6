"""Requests placed by what they ask about, not by how requests are worded.

Customers ask in one voice whatever they ask for: "Use less plastic", "Offer bagless delivery", "Add PayPal at
checkout", "Shorter hold times please". MiniLM's centroids of such themes share that voice, so Ward grouped them
with each other (an entry "Plus requests" held the self checkouts, PayPal and the bill) rather than with what the
other comments say about the same thing ("Cardboard and plastic everywhere.", "Waited 75 minutes on hold").

:func:`without_request_form` takes the voice out: the size-weighted mean centroid of the themes that ask
(:func:`.label_claims.asking`) minus that of the others is the offset between the two ways of writing, and each
asking theme is placed at its centroid minus that offset. That holds only where requests and statements share
their topics; an assistant's commands ("Turn volume up to 4", "Call mom") have no statement counterpart, and
removing the offset moves them away from every other theme. So the offset is removed only when it brings the
asking themes nearer the others (each theme's cosine to its nearest other theme, weighed by its size, rises on
average); else the centroids are left as they were.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np

FEWEST = 2  # asking themes (and other themes) needed to estimate the offset between them


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def without_request_form(unit: np.ndarray, asking: Sequence[bool], weights: np.ndarray,
                         skip: Collection[int] = ()) -> np.ndarray:
    """``unit`` (unit centroids, one row per theme) with the requests' offset taken from the rows that ask, when that
    brings them nearer the other themes; the themes in ``skip`` (content-free, another language) are in neither
    mean. Returns unit rows; ``unit`` itself when nothing moves."""
    ask = np.array([bool(a) and i not in skip for i, a in enumerate(asking)], dtype=bool)
    rest = np.array([i not in skip for i in range(len(asking))], dtype=bool) & ~ask
    if ask.sum() < FEWEST or rest.sum() < FEWEST:
        return unit
    offset = (np.average(unit[ask], axis=0, weights=weights[ask])
              - np.average(unit[rest], axis=0, weights=weights[rest]))
    moved = _unit(unit[ask] - offset)
    before = (unit[ask] @ unit[rest].T).max(axis=1)
    after = (moved @ unit[rest].T).max(axis=1)
    if np.average(after - before, weights=weights[ask]) <= 0:
        return unit
    out = unit.copy()
    out[ask] = moved
    return out
