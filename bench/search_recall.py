"""Search by meaning at a million comments: recall@10 and memory of float32 vs int8 codes.

    .venv/bin/python bench/search_recall.py                 # embeds the labelled texts once (cached)
    .venv/bin/python bench/search_recall.py --size 1000000 --queries 500

Real vectors: the labelled customer queries of ../shared/data/labelled (banking77 train and
test, clinc150 every split), embedded with ``feedback.embed.Embedder`` after the pipeline's
cleanup, 1,024 texts at a time, cached as ``bench/.cache/labelled_part_NNNN.npy``
(``--texts`` caps how many are embedded: on 2 loaded cores it runs at ~10 texts/s). A random
``--queries`` of them are held out as queries; the rest is the real corpus.

Scaled to ``--size`` comments (default 1M) by perturbing real vectors: comment ``i`` is a
random real corpus vector ``a`` moved a random 0-30 % of the way towards another random real
vector ``b``, plus Gaussian noise of norm 0.1 (``normalise(a + w (b - a) + noise)``), so its
nearest real vector is at cosine ~0.95-0.99. Every real vector thus gets a crowd of close
variants: the top 10 of a query is full of near-ties, harder for a quantised search than real
archives (conservative). The noise is isotropic, so it also fills the trailing principal axes.

Compared, at the real corpus's size and at ``--size``, with exact float32 search (every
vector, one product; the baseline of every timing, in the same process): the float32 two-stage
search (PCA 64 float32 copy first pass, exact re-rank: :class:`feedback.serve.search.VectorIndex`)
and the int8 codes as served (:class:`feedback.serve.vectors.QuantisedIndex`: 256 codes on the
leading principal axes, first pass on the 64 leading codes, the candidates ranked by all 256,
the best k + 50 by their float32 cosines), both with the served candidate count (2 %, at least
4,000); the codes also alone (no float32 re-rank: the quantisation error). Memory: the vectors
are written into a real archive file (``feedback_vectors``, and ``vector_codes`` by the publish
step), then read by a fresh process as the server reads it
(:func:`feedback.serve.vectors.load_vector_index`, and the float32 path
:func:`feedback.serve.search.load_index`), which answers ``--rss-queries`` queries and reports
its resident memory growth (VmRSS: anonymous + file-backed; VmHWM: the peak). Appends to
bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from feedback.insights.vector_codes import write_codes  # noqa: E402
from feedback.serve.search import VectorIndex, load_index, reduce_vectors  # noqa: E402
from feedback.serve.vectors import (  # noqa: E402
    Codebook,
    QuantisedIndex,
    fit_codebook,
    load_vector_index,
)

DATA = Path("/work/shared/data/labelled")
CACHE = ROOT / "bench" / ".cache"
PART = 1024  # texts embedded and cached at a time
KS = (10, 50)


def labelled_texts() -> list[str]:
    """Every labelled text, in a fixed order: banking77 train, test; clinc150's splits."""
    texts: list[str] = []
    for split in ("train", "test"):
        with (DATA / "banking77" / f"{split}.csv").open(encoding="utf-8") as fh:
            texts += [r["text"] for r in csv.DictReader(fh)]
    data = json.loads((DATA / "clinc150" / "data_full.json").read_text(encoding="utf-8"))
    for rows in data.values():
        texts += [t for t, _ in rows]
    return texts


def real_vectors(limit: int | None) -> np.ndarray:
    """The first ``limit`` labelled texts' vectors (all by default), embedding missing parts."""
    texts = labelled_texts()[:limit]
    embedder: Any = None
    parts = []
    CACHE.mkdir(parents=True, exist_ok=True)
    for start in range(0, len(texts), PART):
        path = CACHE / f"labelled_part_{start // PART:04d}.npy"
        batch = texts[start:start + PART]
        if path.exists():
            part = np.load(path)
        else:
            if embedder is None:
                from feedback.embed import Embedder

                embedder = Embedder(show_progress=False)
            from feedback.text.segments import clean_for_embedding

            started = time.perf_counter()
            part = np.asarray(embedder.encode([clean_for_embedding(t) or t for t in batch]), dtype=np.float32)
            np.save(path, part)
            print(f"embedded texts {start:,}-{start + len(batch):,} in {time.perf_counter() - started:.0f} s",
                  file=sys.stderr, flush=True)
        parts.append(part[:len(batch)])
    return np.ascontiguousarray(np.concatenate(parts), dtype=np.float32)


def cached_count() -> int:
    """How many labelled texts have cached vectors (whole leading parts)."""
    n = 0
    while (CACHE / f"labelled_part_{n:04d}.npy").exists():
        n += 1
    return min(n * PART, len(labelled_texts()))


def unit(rows: np.ndarray) -> np.ndarray:
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    return rows


def scale_up(real: np.ndarray, size: int, seed: int = 1, chunk: int = 65_536) -> np.ndarray:
    """``size`` vectors: the real ones, then perturbed real ones (see the module docstring)."""
    if size <= len(real):
        return real[:size].copy()
    rng = np.random.default_rng(seed)
    out = np.empty((size, real.shape[1]), dtype=np.float32)
    out[:len(real)] = real
    sigma = np.float32(0.1 / np.sqrt(real.shape[1]))
    for start in range(len(real), size, chunk):
        m = min(chunk, size - start)
        a = real[rng.integers(0, len(real), m)]
        b = real[rng.integers(0, len(real), m)]
        w = rng.uniform(0, 0.3, (m, 1)).astype(np.float32)
        out[start:start + m] = unit(a + w * (b - a) + sigma * rng.standard_normal(a.shape, dtype=np.float32))
    return out


class InMemory:
    """The served rescorer's interface over the float32 matrix (rowid = row), for the recall runs;
    the memory probes read the float32 vectors from the archive file as the server does."""

    def __init__(self, matrix: np.ndarray) -> None:
        self.matrix = matrix

    def vectors(self, rowids: np.ndarray) -> np.ndarray:
        return self.matrix[rowids]


def encode(codebook: Codebook, matrix: np.ndarray, chunk: int = 65_536) -> tuple[np.ndarray, np.ndarray]:
    """The codes and factors of every row, a chunk at a time (the encoding works in float64)."""
    codes = np.empty((len(matrix), codebook.code_dims), dtype=np.int8)
    factors = np.empty(len(matrix), dtype=np.float32)
    for start in range(0, len(matrix), chunk):
        codes[start:start + chunk], factors[start:start + chunk] = codebook.encode(matrix[start:start + chunk])
    return codes, factors


def recall(index: Any, truth: list[np.ndarray], queries: np.ndarray, candidates: int | None = None) -> tuple[
        list[float], float]:
    """(mean recall@k for each k in KS, median ms per query)."""
    hits = np.zeros(len(KS))
    times = []
    for query, exact in zip(queries, truth, strict=True):
        started = time.perf_counter()
        found, _ = index.top(query, max(KS), candidates)
        times.append(time.perf_counter() - started)
        for i, k in enumerate(KS):
            hits[i] += len(np.intersect1d(found[:k], exact[:k])) / k
    return list(hits / len(queries)), 1000 * float(np.median(times))


def write_archive(path: Path, matrix: np.ndarray) -> None:
    """A real archive file with the vectors (feedback, feedback_vectors, vector_model) and the
    publish step's vector_codes."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.executescript("""
        create table feedback (id text primary key, text text);
        create table feedback_vectors (feedback_id text primary key, vector blob);
        create table vector_model (model text, model_version text, dim integer, vectors integer);
    """)
    for start in range(0, len(matrix), 65_536):
        ids = [f"c{i:08d}" for i in range(start, min(start + 65_536, len(matrix)))]
        conn.executemany("insert into feedback values (?, '')", [(i,) for i in ids])
        conn.executemany("insert into feedback_vectors values (?, ?)",
                         [(i, matrix[start + j].tobytes()) for j, i in enumerate(ids)])
    conn.execute("insert into vector_model values ('m', 'v', ?, ?)", (matrix.shape[1], len(matrix)))
    write_codes(conn)
    conn.commit()
    conn.close()


def memory() -> dict[str, int]:
    """This process's VmRSS, RssAnon, RssFile and VmHWM, in bytes."""
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "RssAnon", "RssFile", "VmHWM"):
            out[name] = int(value.split()[0]) * 1024
    return out


def serve_once(kind: str, archive: str, queries_path: str, count: int) -> None:
    """(In a fresh process) read the index of ``kind`` as the server does, answer ``count``
    queries, print the memory figures as JSON."""
    queries = np.load(queries_path)[:count]
    conn = sqlite3.connect(f"file:{archive}?immutable=1", uri=True)
    before = memory()
    started = time.perf_counter()
    index: Any
    if kind == "float32":
        index = load_index(conn, "k", exact_below=0)  # the float32 path: vectors and a PCA 64 copy
    else:
        index = load_vector_index(conn, "k", exact_below=0)
    conn.close()
    loaded_in = time.perf_counter() - started
    after_load = memory()
    times = []
    for query in queries:
        began = time.perf_counter()
        index.top(query, 200)  # as the page asks
        times.append(time.perf_counter() - began)
    print(json.dumps({"before": before, "loaded": after_load, "served": memory(), "seconds": loaded_in,
                      "ms": 1000 * float(np.median(times))}))


def measure(kind: str, archive: Path, queries_path: Path, count: int) -> dict[str, Any]:
    result = subprocess.run([sys.executable, __file__, "--serve-once", kind, str(archive), str(queries_path),
                             str(count)], capture_output=True, text=True, check=True)
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=None, help="labelled texts to embed (default: all)")
    parser.add_argument("--cached", action="store_true", help="use only the texts already embedded")
    parser.add_argument("--queries", type=int, default=500, help="held-out texts used as queries")
    parser.add_argument("--size", type=int, default=1_000_000, help="comments the corpus is scaled up to")
    parser.add_argument("--rss-queries", type=int, default=200, help="queries each memory probe answers")
    parser.add_argument("--no-append", action="store_true", help="print only")
    parser.add_argument("--serve-once", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_once:
        kind, archive, queries_path, count = args.serve_once
        serve_once(kind, archive, queries_path, int(count))
        return
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    real = real_vectors(cached_count() if args.cached else args.texts)
    rng = np.random.default_rng(0)
    held = rng.choice(len(real), args.queries, replace=False)
    keep = np.ones(len(real), dtype=bool)
    keep[held] = False
    queries, corpus = real[held], np.ascontiguousarray(real[keep])
    lines = [f"real vectors: {len(real):,} labelled texts embedded (all-MiniLM-L6-v2); {len(queries)} held out as"
             f" queries, {len(corpus):,} the real corpus; scaled to {args.size:,} by perturbing real vectors",
             "recall@10 / recall@50 against exact float32 search (every vector); median ms per query, top 50",
             ""]
    started = time.perf_counter()
    for size in (len(corpus), args.size):
        matrix = scale_up(corpus, size)
        rowids = np.arange(size, dtype=np.int64)
        exact = VectorIndex(rowids, matrix, "m", "v", None)
        truth = [exact.top(q, max(KS))[0] for q in queries]
        float32 = VectorIndex(rowids, matrix, "m", "v", None, reduce_vectors(matrix))
        codebook: Codebook = fit_codebook(matrix[rng.choice(size, min(size, 50_000), replace=False)])
        codes = QuantisedIndex(rowids.astype(np.int32), *encode(codebook, matrix), codebook, "m", "v", None)
        rescored = QuantisedIndex(codes.rowids, codes.codes, codes.factors, codebook, "m", "v", None,
                                  InMemory(matrix))  # type: ignore[arg-type]
        rows = [("float32 exact, every vector (baseline)", exact, None),
                ("float32 vectors, PCA 64 float32 first pass", float32, None),
                ("int8 codes, then float32 top k+50 (served)", rescored, None),
                ("int8 codes only, 64 leading codes first pass", codes, None)]
        if size == len(corpus):  # the quantisation error alone (a full scan: slow at a million)
            rows.append(("int8 codes only, every code scored", codes, size))
        lines.append(f"{size:>9,} comments")
        baseline = 1.0
        for name, index, candidates in rows:
            (r10, r50), ms = recall(index, truth, queries, candidates)
            baseline = baseline if index is not exact else ms
            lines.append(f"  {name:<44} recall@10 {r10:.4f}  recall@50 {r50:.4f}  {ms:6.1f} ms"
                         f"  (x{ms / baseline:.2f} of exact float32)")
            print(lines[-1], flush=True)
        lines.append(f"  (index bytes: float32 {float32.matrix.nbytes + float32.reduced.matrix.nbytes + rowids.nbytes:,},"  # type: ignore[union-attr]
                     f" int8 {codes.nbytes:,}: {codes.codes.shape[1]} codes, float32 factors, int32 row ids)")
        del exact, float32, codes
        if size == args.size:
            with tempfile.TemporaryDirectory(dir=ROOT / "bench" / ".cache") as tmp:
                archive = Path(tmp) / "archive.db"
                built = time.perf_counter()
                write_archive(archive, matrix)
                lines.append(f"  archive file {archive.stat().st_size / 2**20:,.0f} MB, written with its codes in"
                             f" {time.perf_counter() - built:.0f} s")
                del matrix
                np.save(Path(tmp) / "queries.npy", queries)
                lines.append(f"  memory of one reading process, per million comments, after {args.rss_queries}"
                             " queries (MB; before: after imports):")
                for kind, name in (("float32", "float32 vectors + PCA 64 float32 copy"),
                                   ("int8", "int8 codes read from vector_codes (served)")):
                    m = measure(kind, archive, Path(tmp) / "queries.npy", args.rss_queries)
                    per = 1e6 / size / 2**20

                    def grew(name: str, m: dict[str, Any] = m, per: float = per) -> float:
                        return (m["served"][name] - m["before"][name]) * per

                    peak = f"peak +{(m['served']['VmHWM'] - m['before']['VmRSS']) * per:5.0f}"
                    lines.append(f"  {name:<44} RSS +{grew('VmRSS'):5.0f} (anon +{grew('RssAnon'):4.0f},"
                                 f" file +{grew('RssFile'):4.0f}), {peak}, read in {m['seconds']:.1f} s,"
                                 f" {m['ms']:.0f} ms/query (top 200)")
                    print(lines[-1], flush=True)
        lines.append("")
    lines.append(f"({time.perf_counter() - started:.0f} s)")
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    block = (f"\n## Search by meaning: int8 codes against float32, {stamp} ({os.cpu_count()} cores, shared, loaded;"
             f" Python {platform.python_version()})\n\n"
             "bench/search_recall.py (two stages, served candidate count: 2 %, at least 4,000)\n\n```\n"
             + "\n".join(lines) + "\n```\n")
    print(block)
    if not args.no_append:
        with (ROOT / "bench" / "RESULTS.md").open("a", encoding="utf-8") as out:
            out.write(block)


if __name__ == "__main__":
    main()
