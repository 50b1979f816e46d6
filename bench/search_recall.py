"""Recall of the two-stage search by meaning against exact search, on real MiniLM embeddings.

    .venv/bin/python bench/themes_data.py --large   # once: embeds the labelled sets into bench/out/
    .venv/bin/python bench/search_recall.py

Corpus: every labelled text of bench/out/all.npz (banking77 train + test, clinc150 every
split) except the banking77 and clinc150 *test* texts, which are held out; queries: a sample
of those held-out texts' vectors. For corpus sizes from a quarter to all of it, and each
number of PCA dimensions and of first-pass candidates, the search of
``feedback.serve.search.VectorIndex.top`` (PCA first pass, exact cosine re-rank) is
compared with exact search: recall@k = share of the exact top k that the two-stage top k
holds, averaged over queries. Appends the table to bench/RESULTS.md.

The corpus is ~29k texts, the archive 1M comments: the smaller sizes show how recall at a
fixed number of candidates, and at a fixed share of the corpus, moves as the corpus grows.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from themes_data import load  # noqa: E402

from feedback.serve.search import REDUCED_DIMS, VectorIndex, reduce_vectors  # noqa: E402

KS = (10, 50)


def held_out() -> tuple[np.ndarray, np.ndarray]:
    """(corpus vectors, query vectors): the test texts are queries and never in the corpus."""
    vectors, texts, _ = load("all")
    tests = [load(name) for name in ("banking77", "clinc150")]
    query_texts = {t for _, ts, _ in tests for t in ts}
    keep = np.array([t not in query_texts for t in texts])
    queries = np.concatenate([v for v, _, _ in tests]).astype(np.float32)
    return np.ascontiguousarray(vectors[keep], dtype=np.float32), queries


def recall(index: VectorIndex, exact: list[np.ndarray], queries: np.ndarray, candidates: int) -> list[float]:
    """Mean recall@k for each k in KS."""
    hits = np.zeros(len(KS))
    for query, truth in zip(queries, exact, strict=True):
        found, _ = index.top(query, max(KS), candidates)
        for i, k in enumerate(KS):
            hits[i] += len(np.intersect1d(found[:k], truth[:k])) / k
    return list(hits / len(queries))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=1000, help="held-out texts used as queries")
    parser.add_argument("--dims", type=int, nargs="+", default=[48, 64, 96])
    parser.add_argument("--shares", type=float, nargs="+", default=[0.5, 1, 2, 4],
                        help="first-pass candidates, in %% of the corpus")
    parser.add_argument("--candidates", type=int, nargs="+", default=[500, 1000, 2000],
                        help="first-pass candidates, fixed counts (second table, the served dimensions only)")
    parser.add_argument("--no-append", action="store_true", help="print only")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    corpus, queries = held_out()
    queries = queries[rng.choice(len(queries), min(args.queries, len(queries)), replace=False)]
    lines = [f"corpus {len(corpus):,} real MiniLM vectors (labelled sets minus their test texts),"
             f" {len(queries):,} held-out test texts as queries; cells: recall@10 / recall@50 against exact search"]
    started = time.perf_counter()
    sizes = sorted({len(corpus) // 4, len(corpus) // 2, len(corpus)})
    by_count = []
    for size in sizes:
        rows = np.sort(rng.choice(len(corpus), size, replace=False))
        matrix = np.ascontiguousarray(corpus[rows])
        rowids = np.arange(size, dtype=np.int64)
        exact_index = VectorIndex(rowids, matrix, "m", "v", None)
        exact = [exact_index.top(q, max(KS))[0] for q in queries]
        lines.append("")
        lines.append(f"corpus {size:6,}, candidates: " + "".join(f"{s:>5g}% of corpus     " for s in args.shares))
        for dims in args.dims:
            reduced = reduce_vectors(matrix, dims)
            kept = float(np.var(reduced.matrix, axis=0).sum() / np.var(matrix, axis=0).sum())
            index = VectorIndex(rowids, matrix, "m", "v", None, reduced)
            cells = [recall(index, exact, queries, max(1, round(share * size / 100))) for share in args.shares]
            lines.append(f"  PCA {dims:3d} ({100 * kept:2.0f}% of variance) "
                         + "".join(f"{r10:.3f} / {r50:.3f}    " for r10, r50 in cells))
            print(lines[-1], flush=True)
            if dims == (REDUCED_DIMS if REDUCED_DIMS in args.dims else args.dims[0]):
                cells = [recall(index, exact, queries, c) for c in args.candidates]
                by_count.append(f"corpus {size:6,}  PCA {dims:3d}  "
                                + "".join(f"{r10:.3f} / {r50:.3f}    " for r10, r50 in cells))
    lines += ["", "fixed numbers of candidates: " + "".join(f"{c:>7,}          " for c in args.candidates), *by_count]
    lines.append(f"\n({time.perf_counter() - started:.0f} s)")
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    block = (f"\n## Search by meaning: two-stage recall, {stamp} ({os.cpu_count()} cores, shared,"
             f" Python {platform.python_version()})\n\n"
             f"bench/search_recall.py (first pass over a PCA-reduced float32 copy, exact cosine re-rank"
             f" of the candidates; PCA fitted as at load time)\n\n```\n" + "\n".join(lines) + "\n```\n")
    print(block)
    if not args.no_append:
        with (ROOT / "bench" / "RESULTS.md").open("a", encoding="utf-8") as out:
            out.write(block)


if __name__ == "__main__":
    main()
