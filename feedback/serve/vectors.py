"""Search vectors in a quarter of the memory: int8 codes on the principal axes.

From ``exact_below`` comments on, search by meaning keeps no float32 vector in memory. Each
comment's unit vector ``v`` is stored as ``dim`` signed bytes on the principal axes of the
archive's vectors::

    code[d] = round(((v - mean) @ basis)[d] / (scales[d] * factor))

``basis`` holds every principal axis (an orthonormal ``dim`` x ``dim`` rotation, by decreasing
variance), so nothing is projected away: the rotation only puts most of the variance in the
first coordinates. ``scales[d]`` is the largest ``|coordinate d|`` of the sample the codebook was
fitted on, over 127: one step per dimension, since the last axes vary fifty times less than the
first and get a finer step. ``factor`` (one float32 per comment) is 1 unless a coordinate of the
comment lies beyond the sample's range: then it grows just enough for every code to fit in
-127..127, so no coordinate is ever clipped. A query's cosine with a comment is then, up to
the quantisation error, ``factor * (codes @ weights) + offset`` with ``weights = (basis.T @
query) * scales`` and ``offset = query @ mean``: nothing is decoded, the query is rotated and
scaled once.

The first :data:`HEAD_DIMS` codes of every comment (the leading axes) are the first pass of the
two-stage search, as the 64-dimension float32 PCA copy was (:mod:`feedback.serve.search`); the
candidates it keeps are ranked by all ``dim`` codes. One array of ``n`` x ``dim`` bytes serves
both stages: 384 MB per million comments with 384 dimensions, plus 4 MB of factors and 4 MB of
row ids, instead of 1.5 GB of float32 vectors and a 256 MB float32 PCA copy.

The codes are written at publish time into two archive tables (:func:`write_codes`, called by
:mod:`feedback.publish`): ``vector_codebook`` (one row: format, dimensions, mean, basis, scales)
and ``vector_codes`` (blocks of :data:`BLOCK_ROWS` comments: their ``feedback`` rowids, factors and
codes, each blob under 16 MB so SQLite and Datasette read it whole). ``feedback_vectors`` keeps the
float32 vectors as before. An archive published before the codes existed is encoded when it is
read (:func:`encode_archive`). Below ``exact_below`` comments the float32 vectors are searched
exactly, as before (:func:`feedback.serve.search.load_index`).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from feedback.serve.search import (
    EXACT_BELOW,
    PCA_SAMPLE,
    REDUCED_DIMS,
    SearchUnavailable,
    _blas,
    candidate_count,
    load_index,
    top_k,
)

log = logging.getLogger(__name__)

FORMAT = "pca-int8/1"  # vector_codebook.format: what the codes mean (a reader refuses another)
HEAD_DIMS = REDUCED_DIMS  # leading codes the first pass ranks every comment by
BLOCK_ROWS = 32_768  # comments per vector_codes row: 12 MB of codes at 384 dimensions
CHUNK_ROWS = 65_536  # rows converted to float32 at a time while scoring (16 MB at 64 dimensions)
LIMIT = 127  # codes are -127..127 (symmetric: -128 is never written)
RESCORE_MARGIN = 50  # the codes' best k + this many are ranked again by their float32 cosines ...
RESCORE_MAX = 1_000  # ... at most this many (beyond, the order of the codes stands)


@dataclass(frozen=True)
class Codebook:
    """How codes map back to vectors: ``v ~= (codes * factor * scales) @ basis.T + mean``."""

    mean: np.ndarray  # (dim,) float32
    basis: np.ndarray  # (dim, dim) float32, orthonormal columns: the principal axes, largest first
    scales: np.ndarray  # (dim,) float32, one step of each coordinate's code

    @property
    def dim(self) -> int:
        return len(self.mean)

    def encode(self, matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """((n, dim) int8 codes, (n,) float32 factors) of (n, dim) vectors."""
        steps = (np.asarray(matrix, dtype=np.float32) - self.mean) @ self.basis
        steps /= self.scales
        factors = np.maximum(np.abs(steps).max(axis=1) / LIMIT, 1.0).astype(np.float32) if len(steps) \
            else np.ones(0, dtype=np.float32)
        steps /= factors[:, None]
        np.rint(steps, out=steps)
        np.clip(steps, -LIMIT, LIMIT, out=steps)  # only rounding can reach past the limit
        return steps.astype(np.int8), factors

    def decode(self, codes: np.ndarray, factors: np.ndarray) -> np.ndarray:
        """(n, dim) float32 vectors the codes stand for."""
        return (codes.astype(np.float32) * factors[:, None] * self.scales) @ self.basis.T + self.mean

    def weights(self, query: np.ndarray) -> tuple[np.ndarray, float]:
        """(weights, offset): a comment's cosine with ``query`` is ``factor * (codes @ weights) + offset``."""
        query = np.asarray(query, dtype=np.float32)
        return (self.basis.T @ query) * self.scales, float(query @ self.mean)


def fit_codebook(sample: np.ndarray) -> Codebook:
    """The principal axes of ``sample`` (an (n, dim) float32 matrix) and each axis's code step."""
    if sample.ndim != 2 or sample.dtype != np.float32 or not len(sample):
        raise TypeError(f"expected a non-empty (n, dim) float32 matrix, got {sample.dtype} {sample.shape}")
    fit = sample.astype(np.float64)
    mean = fit.mean(axis=0)
    fit -= mean
    _, eigenvectors = np.linalg.eigh(fit.T @ fit)  # ascending eigenvalues
    basis = np.ascontiguousarray(eigenvectors[:, ::-1])
    extent = np.abs(fit @ basis).max(axis=0)
    scales = np.maximum(extent / LIMIT, 1e-9).astype(np.float32)
    return Codebook(mean.astype(np.float32), basis.astype(np.float32), scales)


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
    codes: np.ndarray  # (n, dim) int8, C order
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

    def scores(self, weights: np.ndarray, dims: int | None = None) -> np.ndarray:
        """Every comment's ``factor * (codes[:dims] @ weights[:dims])``, converting a chunk of rows to
        float32 at a time (a whole float32 copy of 64 codes would be 256 MB per million comments)."""
        dims = min(dims or self.codes.shape[1], self.codes.shape[1])
        out = np.empty(len(self.codes), dtype=np.float32)
        buffer = np.empty((min(CHUNK_ROWS, len(self.codes)), dims), dtype=np.float32)
        for start in range(0, len(self.codes), CHUNK_ROWS):
            part = self.codes[start:start + CHUNK_ROWS, :dims]
            chunk = buffer[:len(part)]
            chunk[...] = part
            np.matmul(chunk, weights[:dims], out=out[start:start + len(part)])
        out *= self.factors
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
                kept = np.sort(top_k(self.scores(weights, HEAD_DIMS), keep))
                scores = (self.codes[kept].astype(np.float32) @ weights) * self.factors[kept]  # in file order
        rescored = min(k + RESCORE_MARGIN, RESCORE_MAX) if self.rescorer is not None else 0
        best = top_k(scores, max(k, rescored))
        found = self.rowids[best if kept is None else kept[best]].astype(np.int64)
        cosines = scores[best] + np.float32(offset)
        if self.rescorer is not None and len(found):
            exact = self.rescorer.vectors(found[:rescored]) @ np.asarray(query, dtype=np.float32)
            order = np.argsort(-exact, kind="stable")
            found[:rescored], cosines[:rescored] = found[:rescored][order], exact[order]
        return found[:k], cosines[:k]


# --- reading and writing the archive's tables ---------------------------------------------------

Blocks = Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]  # (rowids, codes, factors) per block


def _floats(blob: Any, dim: int) -> np.ndarray:
    if not isinstance(blob, bytes) or len(blob) != 4 * dim:
        got = f"{len(blob)} bytes" if isinstance(blob, bytes) else type(blob).__name__
        raise SearchUnavailable(f"a feedback_vectors row holds {got}, not {4 * dim} ({dim} float32 numbers):"
                                " publish the archive again")
    return np.frombuffer(blob, dtype=np.float32)


def float_vectors(conn: sqlite3.Connection, dim: int, chunk: int = BLOCK_ROWS) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(feedback rowids, (m, dim) float32 vectors) of ``feedback_vectors``, ``chunk`` rows at a time."""
    cursor = conn.execute("select f.rowid, v.vector from feedback_vectors v join feedback f on f.id = v.feedback_id")
    while rows := cursor.fetchmany(chunk):
        matrix = np.empty((len(rows), dim), dtype=np.float32)
        for i, (_, blob) in enumerate(rows):
            matrix[i] = _floats(blob, dim)
        yield np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)), matrix


def vector_sample(conn: sqlite3.Connection, dim: int, size: int = PCA_SAMPLE, seed: int = 0) -> np.ndarray:
    """At most ``size`` float32 vectors of ``feedback_vectors``, drawn at random (the codebook's fit)."""
    ids = np.array([r[0] for r in conn.execute("select rowid from feedback_vectors")], dtype=np.int64)
    if len(ids) > size:
        ids = np.sort(np.random.default_rng(seed).choice(ids, size, replace=False))
    out = np.empty((len(ids), dim), dtype=np.float32)
    for start in range(0, len(ids), 500):
        part = ",".join(map(str, ids[start:start + 500]))
        for i, (blob,) in enumerate(conn.execute(f"select vector from feedback_vectors where rowid in ({part})")):
            out[start + i] = _floats(blob, dim)
    return out


def encode_archive(conn: sqlite3.Connection, dim: int) -> tuple[Codebook, Blocks]:
    """The codebook fitted on a sample of the archive's float32 vectors, and the (rowids, codes,
    factors) of :data:`BLOCK_ROWS` comments at a time, encoded as they are read."""
    codebook = fit_codebook(vector_sample(conn, dim))
    return codebook, ((rowids, *codebook.encode(matrix)) for rowids, matrix in float_vectors(conn, dim))


def write_codes(conn: sqlite3.Connection) -> int:
    """Write ``vector_codebook`` and ``vector_codes`` from the archive's ``feedback_vectors``
    (publish time, in the archive being built); returns the comments encoded (0: no vectors)."""
    tables = {r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")}
    if not {"feedback_vectors", "vector_model"} <= tables:
        return 0
    row = conn.execute("select dim, vectors from vector_model").fetchone()
    if row is None or not row[1]:
        return 0
    dim = int(row[0])
    codebook, blocks = encode_archive(conn, dim)
    conn.execute("create table vector_codebook (format text, dim integer, head_dims integer, rows integer,"
                 " mean blob, basis blob, scales blob)")
    conn.execute("create table vector_codes (block integer primary key, rows integer, rowids blob,"
                 " factors blob, codes blob)")
    total = 0
    for block, (rowids, codes, factors) in enumerate(blocks):
        conn.execute("insert into vector_codes values (?, ?, ?, ?, ?)",
                     (block, len(rowids), rowids.astype("<i8").tobytes(), factors.astype("<f4").tobytes(),
                      codes.tobytes()))
        total += len(rowids)
    conn.execute("insert into vector_codebook values (?, ?, ?, ?, ?, ?, ?)",
                 (FORMAT, dim, HEAD_DIMS, total, codebook.mean.astype("<f4").tobytes(),
                  codebook.basis.astype("<f4").tobytes(), codebook.scales.astype("<f4").tobytes()))
    log.info("vector codes: %d comments, %d bytes each", total, dim)
    return total


def _blob(value: Any, dtype: str, count: int, what: str) -> np.ndarray:
    """``count`` numbers of ``dtype`` from a blob, or a clear refusal."""
    size = np.dtype(dtype).itemsize * count
    if not isinstance(value, bytes) or len(value) != size:
        got = f"{len(value)} bytes" if isinstance(value, bytes) else type(value).__name__
        raise SearchUnavailable(f"the archive's {what} holds {got}, not {size}: publish it again")
    return np.frombuffer(value, dtype=dtype)


def read_codes(conn: sqlite3.Connection, dim: int, key: Any = None) -> QuantisedIndex:
    """The index in ``vector_codebook`` and ``vector_codes`` (model fields left empty), checked:
    another format or dimension, a blob of the wrong length or blocks that do not add up to the
    codebook's count of comments raise SearchUnavailable."""
    row = conn.execute("select format, dim, head_dims, rows, mean, basis, scales from vector_codebook").fetchone()
    if row is None:
        raise SearchUnavailable("the archive's vector_codebook is empty: publish it again")
    fmt, book_dim, _, count, mean, basis, scales = row
    if fmt != FORMAT or book_dim != dim or not isinstance(count, int) or count < 0:
        raise SearchUnavailable(f"the archive's vector codes ({fmt}, {book_dim} dimensions, {count} comments)"
                                f" are not {FORMAT} codes of {dim} dimensions: publish it again")
    codebook = Codebook(_blob(mean, "<f4", dim, "vector_codebook.mean").astype(np.float32),
                        _blob(basis, "<f4", dim * dim, "vector_codebook.basis").reshape(dim, dim).astype(np.float32),
                        _blob(scales, "<f4", dim, "vector_codebook.scales").astype(np.float32))
    index = QuantisedIndex(np.empty(count, dtype=np.int32), np.empty((count, dim), dtype=np.int8),
                           np.empty(count, dtype=np.float32), codebook, "", "", key)
    n = 0
    for block, size, ids, factors, data in conn.execute(
            "select block, rows, rowids, factors, codes from vector_codes order by block"):
        if not isinstance(size, int) or size < 0 or n + size > count:
            raise SearchUnavailable(f"the archive's vector_codes block {block} holds more comments than"
                                    f" vector_codebook counts ({count}): publish it again")
        index.rowids[n:n + size] = _blob(ids, "<i8", size, f"vector_codes block {block} rowids")
        index.factors[n:n + size] = _blob(factors, "<f4", size, f"vector_codes block {block} factors")
        index.codes[n:n + size] = _blob(data, "i1", size * dim, f"vector_codes block {block} codes").reshape(size, dim)
        n += size
    if n != count:
        raise SearchUnavailable(f"the archive's vector_codes hold {n} comments, vector_codebook counts {count}:"
                                " publish it again")
    return index


def encode_index(conn: sqlite3.Connection, dim: int, key: Any = None) -> QuantisedIndex:
    """The index of an archive published without ``vector_codes``, encoded from its float32 vectors."""
    codebook, blocks = encode_archive(conn, dim)
    parts = list(blocks)  # int8 already: a quarter of the float32 vectors, one block of which is read at a time
    if not parts:
        return QuantisedIndex(np.zeros(0, np.int32), np.zeros((0, dim), np.int8), np.zeros(0, np.float32),
                              codebook, "", "", key)
    return QuantisedIndex(np.concatenate([p[0] for p in parts]).astype(np.int32),
                          np.concatenate([p[1] for p in parts]), np.concatenate([p[2] for p in parts]),
                          codebook, "", "", key)


def load_vector_index(conn: sqlite3.Connection, key: Any, exact_below: int = EXACT_BELOW) -> Any:
    """The search index of an archive: float32 and exact below ``exact_below`` comments
    (:func:`feedback.serve.search.load_index`), int8 codes in two stages from it, read from
    ``vector_codes`` or, for an archive published without them, encoded while reading."""
    tables = {r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")}
    row = conn.execute("select model, model_version, dim, vectors from vector_model").fetchone() \
        if "vector_model" in tables else None
    if row is None or "feedback_vectors" not in tables or row[3] < exact_below:
        return load_index(conn, key, exact_below)
    model, version, dim, count = row
    if {"vector_codebook", "vector_codes"} <= tables:
        index = read_codes(conn, dim, key)
    else:
        log.info("search index: %s has no vector_codes (published before them): encoding %d vectors", key, count)
        index = encode_index(conn, dim, key)
    index.model, index.model_version = model, version
    index.rescorer = Rescorer.of(conn, dim)
    log.info("search index: %d vectors of %s as int8 codes (%.0f MB), first pass over %d of %d axes",
             len(index.rowids), model, index.nbytes / 2**20, min(HEAD_DIMS, dim), dim)
    return index
