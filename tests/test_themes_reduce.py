"""The PCA before Ward and HDBSCAN (feedback/themes/cluster.py ``reduce``): the leading components of the data, as an
SVD of every row finds them, whatever solver computes them."""

from __future__ import annotations

import numpy as np

from feedback.themes.cluster import reduce
from feedback.themes.settings import ThemeSettings


def _reference(x: np.ndarray, dims: int) -> np.ndarray:
    """The rows projected on the ``dims`` leading right singular vectors of the centred data, each normalised, signs
    as sklearn fixes them (the largest loading of each component positive)."""
    centred = x - x.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    comps = vt[:dims]
    comps *= np.sign(comps[np.arange(dims), np.abs(comps).argmax(axis=1)])[:, None]
    out = centred @ comps.T
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def test_the_projection_is_the_data_s_leading_components() -> None:
    rng = np.random.default_rng(0)
    scales = np.linspace(3.0, 0.1, 384)  # distinct variances: each component is one direction, no ties
    x = (rng.normal(size=(2500, 384)) * scales) @ np.linalg.qr(rng.normal(size=(384, 384)))[0]
    got = reduce(x.astype(np.float32), ThemeSettings())
    assert got.shape == (2500, 30)
    np.testing.assert_allclose(got, _reference(x.astype(np.float32).astype(np.float64), 30), atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-6)


def test_few_rows_keep_fewer_components_and_none_keeps_the_vectors() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(12, 384))
    assert reduce(x, ThemeSettings()).shape == (12, 11)
    assert reduce(x, ThemeSettings(reduction="none")) is x
