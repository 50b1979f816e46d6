"""Search by meaning: the query embedder, the in-memory vector index, and hybrid rank fusion.

The archive's ``feedback_vectors`` (one normalised float32 vector per comment) are read once
per Datasette process into one contiguous numpy matrix (1M x 384 float32 = 1.5 GB). Below
``exact_below`` comments (the plugin option; :data:`EXACT_BELOW` by default) every vector is
ranked by one matrix-vector product (cosine, since every vector is unit length). From there on
the search has two stages: a first pass over a PCA-reduced copy of the vectors
(``REDUCED_DIMS`` float32 dimensions, computed when the index is loaded: 256 MB per million
comments at 64) keeps the best ``candidates`` comments, and those are re-ranked by their exact
cosine with the full vectors. Recall against exact search is measured on real MiniLM embeddings
by ``bench/search_recall.py``. The query is embedded with the same model, checked against the
archive's ``vector_model`` row so vector spaces are never mixed. Both the model and the index
are loaded lazily, once, under a lock, and the index is reloaded when the archive file is
replaced.
"""

from __future__ import annotations

import functools
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

RRF_K = 60  # reciprocal rank fusion constant (Cormack et al. 2009)
EXACT_BELOW = 50_000  # comments; below this one exact product is fast enough (~20 ms)
REDUCED_DIMS = 64  # PCA dimensions of the first pass (bench/search_recall.py)
MIN_CANDIDATES = 4_000  # the first pass keeps at least this many comments for the exact re-rank,
CANDIDATE_SHARE = 0.02  # ... or this share of the archive, whichever is more
PCA_SAMPLE = 50_000  # vectors the principal axes are fitted on


class SearchUnavailable(Exception):
    """Search by meaning cannot run here (no vectors, or another model); the page says why."""


@dataclass
class Reduction:
    """A PCA-reduced copy of the vectors for the first pass: ``(v - mean) @ basis`` per row."""

    mean: np.ndarray  # (dim,) float32
    basis: np.ndarray  # (dim, dims) float32, orthonormal columns, the principal axes
    matrix: np.ndarray  # (n, dims) float32

    def scores(self, query: np.ndarray) -> np.ndarray:
        """``query . (v - mean)`` projected on the axes: the cosine up to a constant, approximately."""
        return self.matrix @ (query @ self.basis)


def reduce_vectors(matrix: np.ndarray, dims: int = REDUCED_DIMS, sample: int = PCA_SAMPLE,
                   seed: int = 0, chunk: int = 16_384) -> Reduction:
    """Fit the principal axes on a sample of rows and project every row on the first ``dims``.

    Projected in chunks, so the only large new array is the (n, dims) result.
    """
    if matrix.ndim != 2 or matrix.dtype != np.float32:
        raise TypeError(f"expected an (n, dim) float32 matrix, got {matrix.dtype} {matrix.shape}")
    n, dim = matrix.shape
    if not 0 < dims <= dim:
        raise ValueError(f"dims must be in 1..{dim}, got {dims}")
    rows = np.random.default_rng(seed).choice(n, min(n, sample), replace=False) if n > sample else slice(None)
    fit = matrix[rows].astype(np.float64)
    mean = fit.mean(axis=0)
    fit -= mean
    _, eigenvectors = np.linalg.eigh(fit.T @ fit)  # ascending eigenvalues
    basis = np.ascontiguousarray(eigenvectors[:, ::-1][:, :dims], dtype=np.float32)
    mean32 = mean.astype(np.float32)
    reduced = np.empty((n, dims), dtype=np.float32)
    for start in range(0, n, chunk):
        np.matmul(matrix[start:start + chunk] - mean32, basis, out=reduced[start:start + chunk])
    return Reduction(mean32, basis, reduced)


def candidate_count(n: int, k: int) -> int:
    """How many comments the first pass keeps for the exact re-rank of the best ``k``."""
    return min(n, max(MIN_CANDIDATES, int(CANDIDATE_SHARE * n), 2 * k))


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` highest scores, best first (ties by position)."""
    k = min(k, len(scores))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    kth = scores[np.argpartition(scores, len(scores) - k)[len(scores) - k:]].min()
    above = np.flatnonzero(scores > kth)
    # argpartition picks among equal scores arbitrarily: take the earliest of those tied at the cut
    best = np.sort(np.concatenate([above, np.flatnonzero(scores == kth)[: k - len(above)]]))
    return best[np.argsort(-scores[best], kind="stable")]


@dataclass
class VectorIndex:
    rowids: np.ndarray  # feedback.rowid per matrix row
    matrix: np.ndarray  # (n, dim) float32, unit rows
    model: str
    model_version: str
    key: Any  # the archive file version it was read from
    reduced: Reduction | None = None  # the first pass's copy; None: exact search only

    def top(self, query: np.ndarray, k: int, candidates: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(feedback rowids, cosines) of the k nearest comments, best first.

        Exact when the index has no reduced copy; otherwise the best ``candidates`` comments
        (default :func:`candidate_count`) by the reduced copy, re-ranked by exact cosine.
        """
        if not len(self.rowids):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        query = query.astype(np.float32)
        with _blas().limit(limits=1, user_api="blas"):  # memory-bound: a 2nd thread only contends
            if self.reduced is None:
                scores = self.matrix @ query
                best = top_k(scores, k)
                return self.rowids[best], scores[best]
            kept = np.sort(top_k(self.reduced.scores(query), max(k, candidates or candidate_count(len(self.rowids), k))))
            scores = self.matrix[kept] @ query  # rows gathered in file order
        best = top_k(scores, k)
        return self.rowids[kept[best]], scores[best]


@functools.cache
def _blas() -> Any:
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def file_key(path: str | Path) -> tuple[int, int, int]:
    stat = os.stat(path)
    return stat.st_ino, stat.st_size, stat.st_mtime_ns


def load_index(conn: sqlite3.Connection, key: Any, exact_below: int = EXACT_BELOW) -> VectorIndex:
    """Read feedback_vectors into memory (called in Datasette's connection thread), with a
    reduced copy for the two-stage search from ``exact_below`` comments on (the plugin's
    ``exact_below`` option)."""
    tables = {r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")}
    if not {"feedback_vectors", "vector_model"} <= tables:
        raise SearchUnavailable("this archive has no vectors for search by meaning (publish it again)")
    row = conn.execute("select model, model_version, dim, vectors from vector_model").fetchone()
    if row is None:
        raise SearchUnavailable("this archive has no vectors for search by meaning")
    model, version, dim, count = row
    matrix = np.empty((count, dim), dtype=np.float32)
    rowids = np.empty(count, dtype=np.int64)
    n = 0
    for rowid, blob in conn.execute(
        "select f.rowid, v.vector from feedback_vectors v join feedback f on f.id = v.feedback_id"
    ):
        if n == count:
            break
        matrix[n] = np.frombuffer(blob, dtype=np.float32)
        rowids[n] = rowid
        n += 1
    matrix, rowids = matrix[:n], rowids[:n]
    reduced = reduce_vectors(matrix) if n >= exact_below else None
    log.info("search index: %d vectors of %s%s", n, model,
             f", first pass over {reduced.matrix.shape[1]} PCA dimensions" if reduced else ", exact")
    return VectorIndex(rowids, matrix, model, version, key, reduced)


class QueryEncoder:
    """The embedding model, loaded on first use (once per process and backend) from a local folder.

    A query is embedded on the backend its archive's vectors were made with (read from their model
    version: ``feedback.embed.backend_of``), its ONNX export taken from ``cache`` (default: the
    user's cache folder, where the nightly run put it). One short query is embedded at a time, so
    the model gets ``threads`` (1) threads: with two, a server busy with other requests spends more
    time in OpenMP waits than in the model (measured on 2 shared cores: 150-750 ms per query instead
    of 30-40 ms).
    """

    def __init__(self, model_path: str | Path | None = None, threads: int | None = 1,
                 cache: str | Path | None = None) -> None:
        self.model_path = model_path
        self.threads = threads
        self.cache = cache
        self._embedders: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._encode_lock = threading.Lock()

    def embedder(self, backend: str = "torch") -> Any:
        with self._lock:
            if backend not in self._embedders:
                from feedback.embed import Embedder

                self._embedders[backend] = Embedder(self.model_path, show_progress=False, backend=backend,
                                                    cache=self.cache, threads=self.threads)
            return self._embedders[backend]

    def identity(self, backend: str = "torch") -> tuple[str, str]:
        embedder = self.embedder(backend)
        return embedder.name, embedder.version

    def encode(self, text: str, backend: str = "torch") -> np.ndarray:
        from feedback.text.segments import clean_for_embedding

        embedder = self.embedder(backend)
        with self._encode_lock:  # one query at a time, on ``threads`` threads; others keep theirs
            import torch

            previous = torch.get_num_threads()
            torch.set_num_threads(self.threads or previous)
            try:
                return np.asarray(embedder.encode([clean_for_embedding(text) or text])[0], dtype=np.float32)
            finally:
                torch.set_num_threads(previous)


class IndexCache:
    """One index per archive path (by default the vector index), reloaded when a new publish
    replaced the file. ``loader(conn, key, **options)`` reads it; an index read with other
    ``options`` (e.g. ``exact_below``) is read again.

    ``key`` names the file version the caller's connection reads (see
    :func:`feedback.serve.reload.served_key`); ``current`` is False for a request that
    began on the file a publish has since replaced: it is told to search again rather than
    reload the old vectors over the new ones.
    """

    def __init__(self, loader: Callable[..., Any] | None = None) -> None:
        self._loader = loader or load_index
        self._indexes: dict[str, Any] = {}
        self._options: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def get(self, path: str, conn: sqlite3.Connection, key: Any = None, current: bool = True, **options: Any) -> Any:
        key = key if key is not None else file_key(path)
        with self._lock:
            index = self._indexes.get(path)
            if index is None or index.key != key or self._options.get(path) != options:
                if index is not None and index.key != key and not current:
                    raise SearchUnavailable("the archive was replaced by a new publish while searching; search again")
                self._indexes.pop(path, None)  # free the old matrix before reading the new one
                index = self._loader(conn, key, **options)
                self._indexes[path] = index
                self._options[path] = options
            return index


def rrf(rankings: Sequence[Sequence[int]], k: int = RRF_K) -> list[tuple[int, float]]:
    """Reciprocal rank fusion: items ranked by sum of 1 / (k + rank) over the lists, best first."""
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
