"""Requests placed by what they ask about, not by how requests are worded.

Customers ask in one voice whatever they ask for: "Use less plastic", "Offer bagless delivery", "Add PayPal at
checkout", "Shorter hold times please". MiniLM's centroids of such themes share that voice, so Ward grouped them
with each other (an entry "Plus requests" held the self checkouts, PayPal and the bill) rather than with what the
other comments say about the same thing ("Cardboard and plastic everywhere.", "Waited 75 minutes on hold").

:func:`without_request_form` takes the voice out of the centroids of the themes that ask
(:func:`.label_claims.asking`). First, whether the requests share a voice at all: the size-weighted mean centroid of
the asking themes minus that of the others, taken from the asking themes, must bring them nearer the others (each
theme's cosine to its nearest other theme, weighed by its size, rises on average). An assistant's commands ("Turn
volume up to 4", "Call mom") have no statement counterpart, and that moves them away from every other theme: they
stay where they are. Then what is taken away is the voice measured topic by topic (:func:`local_offset`: each
asking theme against its nearest other themes), not the difference of the two means, which also holds which topics
customers ask about more than they tell about. Over twelve fits of 90 % of the sample's comments (bench/themes_samples.py --subsamples 12) the
known themes' mean share under one entry: 0.779 without the change, 0.793 with the difference of the means, 0.827
with the voice measured against the 5 nearest (0.818 / 0.823 / 0.830 with 3 / 2 / 8).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np

FEWEST = 2  # asking themes (and other themes) needed to estimate the offset between them
NEAREST = 5  # other themes each asking theme's voice is measured against (:func:`local_offset`)


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
    before = (unit[ask] @ unit[rest].T).max(axis=1)
    after = (_unit(unit[ask] - offset) @ unit[rest].T).max(axis=1)
    if np.average(after - before, weights=weights[ask]) <= 0:  # no voice the requests share: they stay
        return unit
    out = unit.copy()
    out[ask] = _unit(unit[ask] - local_offset(unit, ask, rest, weights))
    return out


def local_offset(unit: np.ndarray, ask: np.ndarray, rest: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The requests' voice measured topic by topic: each asking theme's centroid minus the mean of its
    :data:`NEAREST` nearest other themes, averaged by size. The difference of the two means also holds which topics
    are asked about more than told about; this one does not."""
    asked, told = np.flatnonzero(ask), np.flatnonzero(rest)
    near = np.argsort(-(unit[asked] @ unit[told].T), axis=1, kind="stable")[:, :NEAREST]
    return np.average(unit[asked] - unit[told][near].mean(axis=1), axis=0, weights=weights[asked])
