"""Search vectors in a quarter of the memory: int8 codes on the principal axes.

From ``exact_below`` comments on, search by meaning keeps no float32 vector in memory. Each
comment's unit vector ``v`` is stored as :data:`CODE_DIMS` signed bytes, its coordinates on the
leading principal axes of the archive's vectors::

    code[d] = round(((v - mean) @ basis)[d] / (scales[d] * factor))

``basis`` holds the ``CODE_DIMS`` leading principal axes (orthonormal columns, by decreasing
variance); the axes left out carry what varies least, and the final order comes from the
float32 vectors anyway (below). ``scales[d]`` is the largest ``|coordinate d|`` of the sample the
codebook was fitted on, over 127 (at least 10 % of the first axis's: a small sample's empty axes
get a usable step). ``factor`` (one float32 per comment) is 1 unless a coordinate of the comment
lies beyond the sample's range: then it grows just enough for every code to fit in -127..127,
so no coordinate is ever clipped. A query's cosine with a comment is then, up to the
quantisation error and what the left-out axes hold, ``factor * (codes @ weights) + offset`` with
``weights = (basis.T @ query) * scales`` and ``offset = query @ mean``: nothing is decoded.

Search runs in two stages, as over the 64-dimension float32 PCA copy before
(:mod:`feedback.serve.search`): the first :data:`HEAD_DIMS` codes of every comment rank them all
(int8 converted to float32 a cache-sized chunk at a time), the best 2 % are ranked by all their
codes, and the best k + :data:`RESCORE_MARGIN` of those by their exact float32 cosines, read from
``feedback_vectors`` (:class:`Rescorer`). Memory per million comments: 256 MB of codes, 4 MB of
factors, 4 MB of int32 row ids, instead of 1.5 GB of float32 vectors and a 256 MB PCA copy.

The codes are written at publish time (:mod:`feedback.insights.vector_codes`) into the archive's
``vector_codebook`` (one row) and ``vector_codes`` (one row per comment: ``feedback_id``,
``factor``, ``codes``), and read here once per archive file into three numpy arrays
(:func:`read_codes`). An archive without them is searched with float32 vectors, as before
(:func:`feedback.serve.search.load_index`), as is any archive below ``exact_below`` comments.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from feedback.serve.search import (
    EXACT_BELOW,
    REDUCED_DIMS,
    SearchUnavailable,
    _blas,
    candidate_count,
    load_index,
    top_k,
)

log = logging.getLogger(__name__)

FORMAT = "pca-int8/2"  # vector_codebook.format: what the codes mean (a reader refuses another)
CODE_DIMS = 256  # leading principal axes a comment is coded on (bench/search_recall.py: recall at 1M)
HEAD_DIMS = REDUCED_DIMS  # leading codes the first pass ranks every comment by
CHUNK_ROWS = 4_096  # rows converted to float32 at a time while scoring (1 MB at 64 codes: stays in cache)
READ_ROWS = 32_768  # vector_codes rows read at a time
LIMIT = 127  # codes are -127..127 (symmetric: -128 is never written)
MIN_EXTENT = 0.1  # an axis's range is at least this share of the first axis's (real MiniLM: 0.24 at axis 256)
RESCORE_MARGIN = 50  # the codes' best k + this many are ranked again by their float32 cosines ...
RESCORE_MAX = 1_000  # ... at most this many (beyond, the order of the codes stands)


@dataclass(frozen=True)
class Codebook:
    """How codes map back to vectors: ``v ~= (codes * factor * scales) @ basis.T + mean``."""

    mean: np.ndarray  # (dim,) float32
    basis: np.ndarray  # (dim, code_dims) float32, orthonormal columns: the principal axes, largest first
    scales: np.ndarray  # (code_dims,) float32, one step of each coordinate's code

    @property
    def dim(self) -> int:
        return len(self.mean)

    @property
    def code_dims(self) -> int:
        return len(self.scales)

    @property
    def id(self) -> str:
        """A fingerprint of the codebook's numbers (which codebook an archive's codes were made with)."""
        digest = hashlib.sha256()
        for part in (self.mean, self.basis, self.scales):
            digest.update(np.ascontiguousarray(part, dtype="<f4").tobytes())
        return digest.hexdigest()[:16]

    def encode(self, matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """((n, code_dims) int8 codes, (n,) float32 factors) of (n, dim) vectors. Computed in
        float64, so a vector's codes do not depend on the rows encoded with it (the publish
        encodes all comments at once, or only the changed ones)."""
        steps = (np.asarray(matrix, dtype=np.float64) - self.mean) @ self.basis.astype(np.float64)
        steps /= self.scales
        factors = np.maximum(np.abs(steps).max(axis=1) / LIMIT, 1.0).astype(np.float32) if len(steps) \
            else np.ones(0, dtype=np.float32)
        steps /= factors[:, None]
        np.rint(steps, out=steps)
        np.clip(steps, -LIMIT, LIMIT, out=steps)  # only rounding can reach past the limit
        return steps.astype(np.int8), factors

    def decode(self, codes: np.ndarray, factors: np.ndarray) -> np.ndarray:
        """(n, dim) float32 vectors the codes stand for (without what the left-out axes held)."""
        return (codes.astype(np.float32) * factors[:, None] * self.scales) @ self.basis.T + self.mean

    def weights(self, query: np.ndarray) -> tuple[np.ndarray, float]:
        """(weights, offset): a comment's cosine with ``query`` is ~ ``factor * (codes @ weights) + offset``."""
        query = np.asarray(query, dtype=np.float32)
        return (self.basis.T @ query) * self.scales, float(query @ self.mean)


def fit_codebook(sample: np.ndarray, code_dims: int = CODE_DIMS) -> Codebook:
    """The ``code_dims`` leading principal axes of ``sample`` (an (n, dim) float32 matrix) and each
    axis's code step."""
    if sample.ndim != 2 or sample.dtype != np.float32 or not len(sample):
        raise TypeError(f"expected a non-empty (n, dim) float32 matrix, got {sample.dtype} {sample.shape}")
    fit = sample.astype(np.float64)
    mean = fit.mean(axis=0)
    fit -= mean
    _, eigenvectors = np.linalg.eigh(fit.T @ fit)  # ascending eigenvalues
    basis = np.ascontiguousarray(eigenvectors[:, ::-1][:, :min(code_dims, sample.shape[1])])
    extent = np.abs(fit @ basis).max(axis=0)
    extent = np.maximum(extent, max(float(extent[0]) * MIN_EXTENT, 1e-6))
    return Codebook(mean.astype(np.float32), basis.astype(np.float32), (extent / LIMIT).astype(np.float32))


class Rescorer:
    """Exact float32 vectors of a few comments, read from ``feedback_vectors`` through a read-only
    connection of its own to the archive file the codes came from (held open, so a publish that
    replaces the file does not change what it reads; one query at a time, under a lock)."""

    def __init__(self, path: str, dim: int) -> None:
        self.dim = dim
        self._conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self._lock = threading.Lock()

    @classmethod
    def of(cls, conn: sqlite3.Connection, dim: int) -> Rescorer | None:
        """A rescorer for the file ``conn`` reads; None for an in-memory or temporary database."""
        path = next((r[2] for r in conn.execute("pragma database_list") if r[1] == "main"), "")
        return cls(path, dim) if path else None

    def vectors(self, rowids: np.ndarray) -> np.ndarray:
        """The (len(rowids), dim) float32 vectors of these feedback rowids, in their order."""
        marks = ",".join(str(int(r)) for r in rowids)
        with self._lock:
            rows = self._conn.execute("select f.rowid, v.vector from feedback f join feedback_vectors v"
                                      f" on v.feedback_id = f.id where f.rowid in ({marks})").fetchall()
        found = {rowid: _floats(blob, self.dim) for rowid, blob in rows}
        if len(found) != len(rowids):
            raise SearchUnavailable("the archive's feedback_vectors lack comments its vector_codes hold:"
                                    " publish it again")
        return np.stack([found[int(r)] for r in rowids])


@dataclass
class QuantisedIndex:
    """The two-stage search over int8 codes; the same interface as :class:`feedback.serve.search.VectorIndex`."""

    rowids: np.ndarray  # (n,) int32 feedback.rowid per code row
    codes: np.ndarray  # (n, code_dims) int8, C order
    factors: np.ndarray  # (n,) float32
    codebook: Codebook
    model: str
    model_version: str
    key: Any  # the archive file version it was read from
    rescorer: Rescorer | None = None  # the best results ranked again by float32 cosine; None: codes only

    @property
    def nbytes(self) -> int:
        """Memory the index holds (codes, factors, row ids, codebook)."""
        book = self.codebook
        return (self.codes.nbytes + self.factors.nbytes + self.rowids.nbytes
                + book.mean.nbytes + book.basis.nbytes + book.scales.nbytes)

    def scores(self, weights: np.ndarray, dims: int | None = None, rows: np.ndarray | None = None) -> np.ndarray:
        """``factor * (codes[:dims] @ weights[:dims])`` of every comment (or of the positions
        ``rows``), converting :data:`CHUNK_ROWS` rows to float32 at a time: the buffer stays in the
        processor's cache, and no float32 copy of the codes is ever held."""
        dims = min(dims or self.codes.shape[1], self.codes.shape[1])
        count = len(self.codes) if rows is None else len(rows)
        out = np.empty(count, dtype=np.float32)
        buffer = np.empty((min(CHUNK_ROWS, count), dims), dtype=np.float32)
        weights = np.ascontiguousarray(weights[:dims], dtype=np.float32)
        for start in range(0, count, CHUNK_ROWS):
            end = min(start + CHUNK_ROWS, count)
            part = self.codes[start:end, :dims] if rows is None else self.codes[rows[start:end], :dims]
            chunk = buffer[:end - start]
            chunk[...] = part
            np.matmul(chunk, weights, out=out[start:end])
        out *= self.factors if rows is None else self.factors[rows]
        return out

    def top(self, query: np.ndarray, k: int, candidates: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(feedback rowids, cosines) of the k nearest comments, best first: the best ``candidates``
        (default :func:`~feedback.serve.search.candidate_count`) by the leading :data:`HEAD_DIMS`
        codes, ranked by all of them; with a :class:`Rescorer`, the best ``k`` + :data:`RESCORE_MARGIN`
        of those (at most :data:`RESCORE_MAX`) ranked again by their exact float32 cosines. Without
        one, cosines are within the quantisation error of the exact ones."""
        if not len(self.rowids):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        weights, offset = self.codebook.weights(query)
        keep = max(k, candidates or candidate_count(len(self.rowids), k))
        with _blas().limit(limits=1, user_api="blas"):  # memory-bound: a 2nd thread only contends
            if keep >= len(self.rowids) or self.codes.shape[1] <= HEAD_DIMS:
                kept, scores = None, self.scores(weights)
            else:
                kept = np.sort(top_k(self.scores(weights, HEAD_DIMS), keep))  # in file order
                scores = self.scores(weights, rows=kept)
        rescored = min(k + RESCORE_MARGIN, RESCORE_MAX) if self.rescorer is not None else 0
        best = top_k(scores, max(k, rescored))
        found = self.rowids[best if kept is None else kept[best]].astype(np.int64)
        cosines = scores[best] + np.float32(offset)
        if self.rescorer is not None and len(found):
            exact = self.rescorer.vectors(found[:rescored]) @ np.asarray(query, dtype=np.float32)
            order = np.argsort(-exact, kind="stable")
            found[:rescored], cosines[:rescored] = found[:rescored][order], exact[order]
        return found[:k], cosines[:k]


# --- reading the archive's tables -----------------------------------------------------------------


def _floats(blob: Any, dim: int) -> np.ndarray:
    if not isinstance(blob, bytes) or len(blob) != 4 * dim:
        got = f"{len(blob)} bytes" if isinstance(blob, bytes) else type(blob).__name__
        raise SearchUnavailable(f"a feedback_vectors row holds {got}, not {4 * dim} ({dim} float32 numbers):"
                                " publish the archive again")
    return np.frombuffer(blob, dtype=np.float32)


def _blob(value: Any, dtype: str, count: int, what: str) -> np.ndarray:
    """``count`` numbers of ``dtype`` from a blob, or a clear refusal."""
    size = np.dtype(dtype).itemsize * count
    if not isinstance(value, bytes) or len(value) != size:
        got = f"{len(value)} bytes" if isinstance(value, bytes) else type(value).__name__
        raise SearchUnavailable(f"the archive's {what} holds {got}, not {size}: publish it again")
    return np.frombuffer(value, dtype=dtype)


CODEBOOK_COLUMNS = "codebook, format, model, model_version, dim, code_dims, fitted_on, mean, basis, scales"


def codebook_of(row: Any, what: str = "vector_codebook") -> Codebook:
    """The codebook in a ``vector_codebook`` row (:data:`CODEBOOK_COLUMNS`), checked."""
    _, fmt, _, _, dim, code_dims, _, mean, basis, scales = row
    if fmt != FORMAT or not isinstance(dim, int) or not isinstance(code_dims, int) or not 0 < code_dims <= dim:
        raise SearchUnavailable(f"the archive's vector codes ({fmt}, {code_dims} of {dim} dimensions) are not"
                                f" {FORMAT} codes: publish it again")
    return Codebook(_blob(mean, "<f4", dim, f"{what}.mean").astype(np.float32),
                    _blob(basis, "<f4", dim * code_dims, f"{what}.basis").reshape(dim, code_dims).astype(np.float32),
                    _blob(scales, "<f4", code_dims, f"{what}.scales").astype(np.float32))


def read_codes(conn: sqlite3.Connection, dim: int, count: int, key: Any = None) -> QuantisedIndex:
    """The index in ``vector_codebook`` and ``vector_codes`` (model fields left empty), read
    :data:`READ_ROWS` rows at a time into three arrays allocated once (no object per comment is
    kept). Another format or dimension, a blob of the wrong length, or codes that are not one per
    vector (``count``, from ``vector_model``) raise SearchUnavailable."""
    row = conn.execute(f"select {CODEBOOK_COLUMNS} from vector_codebook").fetchone()
    if row is None:
        raise SearchUnavailable("the archive's vector_codebook is empty: publish it again")
    codebook = codebook_of(row)
    if codebook.dim != dim:
        raise SearchUnavailable(f"the archive's vector codes are of {codebook.dim} dimensions, its vectors of"
                                f" {dim}: publish it again")
    width = codebook.code_dims
    index = QuantisedIndex(np.empty(count, dtype=np.int32), np.empty((count, width), dtype=np.int8),
                           np.empty(count, dtype=np.float32), codebook, "", "", key)
    cursor = conn.execute("select f.rowid, c.factor, c.codes from vector_codes c join feedback f on f.id = c.feedback_id")
    n = 0
    while rows := cursor.fetchmany(READ_ROWS):
        if n + len(rows) > count:
            raise SearchUnavailable(f"the archive's vector_codes hold more comments than its feedback_vectors"
                                    f" ({count}): publish it again")
        end = n + len(rows)
        blobs = [r[2] for r in rows]
        if any(not isinstance(b, bytes) or len(b) != width for b in blobs):
            bad = next(b for b in blobs if not isinstance(b, bytes) or len(b) != width)
            _blob(bad, "i1", width, "vector_codes.codes")  # raises, naming what it holds
        index.codes[n:end] = np.frombuffer(b"".join(blobs), dtype=np.int8).reshape(len(rows), width)
        index.rowids[n:end] = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        try:
            index.factors[n:end] = np.fromiter((r[1] for r in rows), dtype=np.float32, count=len(rows))
        except (TypeError, ValueError) as exc:
            raise SearchUnavailable(f"the archive's vector_codes.factor holds a non-number ({exc}):"
                                    " publish it again") from None
        n = end
    if n != count:
        raise SearchUnavailable(f"the archive's vector_codes hold {n} comments, its feedback_vectors {count}:"
                                " publish it again")
    return index


def load_vector_index(conn: sqlite3.Connection, key: Any, exact_below: int = EXACT_BELOW) -> Any:
    """The search index of an archive: float32 and exact below ``exact_below`` comments
    (:func:`feedback.serve.search.load_index`), int8 codes in two stages from it, read from
    ``vector_codes``; an archive published without them is searched with float32 vectors."""
    tables = {r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")}
    row = conn.execute("select model, model_version, dim, vectors from vector_model").fetchone() \
        if "vector_model" in tables else None
    if row is None or "feedback_vectors" not in tables or row[3] < exact_below \
            or not {"vector_codebook", "vector_codes"} <= tables:
        return load_index(conn, key, exact_below)
    model, version, dim, count = row
    index = read_codes(conn, dim, count, key)
    index.model, index.model_version = model, version
    index.rescorer = Rescorer.of(conn, dim)
    log.info("search index: %d vectors of %s as int8 codes (%.0f MB), first pass over %d of %d codes",
             len(index.rowids), model, index.nbytes / 2**20, min(HEAD_DIMS, index.codes.shape[1]),
             index.codes.shape[1])
    return index
