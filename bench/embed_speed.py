"""Embedding speed and quality of each backend (embed: {backend: torch | onnx | onnx-int8}).

    .venv/bin/python bench/embed_speed.py                     # appends to bench/RESULTS.md
    .venv/bin/python bench/embed_speed.py --segments 1000 --no-append

One process, so the ratios compare like with like on a shared machine: real clothing reviews are
cut into segments exactly as the nightly step cuts them (the cleaned text of each themable
segment, what the warehouse embeds); every backend encodes the same segments in rounds that
alternate the backends, through the product's ``Embedder`` (batch 32, the machine's threads).
Speed: texts/s per round, median, and its ratio to torch's in the same round. Quality against
the torch vectors: cosine per segment (min, 1st percentile, mean); recall@10 of search by
meaning (each of ``--queries`` segments' 10 nearest among all the segments, by the backend's
vectors, against the torch vectors' 10); and theme NMI on banking77 (the engine's clustering,
``feedback.themes.cluster.fit`` with the default settings, on each backend's vectors of the
intents' texts, outliers counted as one cluster) beside torch's (torch's vectors come from
bench/.cache when ``themes_data.py --warm`` left them there: the same model and version).
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from themes_data import CachedEmbedder  # noqa: E402
from themes_metrics import OUTLIER, label_scores  # noqa: E402

from feedback.embed import Embedder, text_hash  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "labelled"
BACKENDS = ("torch", "onnx", "onnx-int8")


def review_segments(count: int) -> tuple[list[str], int]:
    """The cleaned themable segments of the first real reviews, until ``count`` of them; and how
    many reviews that took."""
    from feedback.text.segments import is_themable, segment_many

    texts: list[str] = []
    with (DATA / "clothing_reviews" / "reviews.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["Review Text"].strip():
                texts.append(row["Review Text"])
            if len(texts) >= count:  # a review has several segments: enough, cut below
                break
    found: list[str] = []
    for used, cut in enumerate(segment_many(texts), start=1):
        found.extend(seg.clean for seg in cut if is_themable(seg.clean))
        if len(found) >= count:
            return found[:count], used
    return found, len(texts)


def banking77() -> tuple[list[str], list[str]]:
    from feedback.text.segments import clean_for_embedding

    with (DATA / "banking77" / "test.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [clean_for_embedding(r["text"]) or r["text"] for r in rows], [r["category"] for r in rows]


def recall_at(found: np.ndarray, truth: np.ndarray, queries: int, k: int = 10) -> float:
    """Mean share of each query's ``k`` nearest (itself excluded) under ``truth`` that ``found`` finds."""
    picks = np.random.default_rng(7).choice(len(truth), min(queries, len(truth)), replace=False)
    hits = []
    for i in picks:
        near_truth = np.argsort(-(truth @ truth[i]))
        near_found = np.argsort(-(found @ found[i]))
        want = [j for j in near_truth[: k + 1] if j != i][:k]
        got = {j for j in near_found[: k + 1] if j != i}
        hits.append(len(got.intersection(want)) / k)
    return float(np.mean(hits))


def theme_nmi(vectors: np.ndarray, texts: list[str], labels: list[str]) -> tuple[float, float]:
    from feedback.themes.cluster import fit
    from feedback.themes.settings import ThemeSettings

    _, assignment = fit(vectors, [text_hash(t) for t in texts], ThemeSettings())
    pred = [OUTLIER if t < 0 else int(t) for t in assignment.theme]  # outliers: one cluster
    scores = label_scores(labels, pred)
    return scores["NMI"], scores["outliers"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--segments", type=int, default=2000, help="review segments to embed per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--queries", type=int, default=300, help="search queries for recall@10")
    parser.add_argument("--no-nmi", action="store_true", help="skip the banking77 theme NMI")
    parser.add_argument("--no-append", action="store_true")
    args = parser.parse_args()

    segments, reviews = review_segments(args.segments)
    print(f"{len(segments):,} segments from {reviews:,} clothing reviews "
          f"(mean {np.mean([len(s) for s in segments]):.0f} characters)")
    lines: list[str] = []
    with tempfile.TemporaryDirectory(prefix="embed-speed-") as cache:
        embedders = {b: Embedder(backend=b, cache=cache if b != "torch" else None, show_progress=False)
                     for b in BACKENDS}
        for backend, embedder in embedders.items():  # load, export, warm up: not timed with the rounds
            started = time.perf_counter()
            embedder.encode(segments[:64])
            print(f"{backend}: loaded (and exported) in {time.perf_counter() - started:.1f} s")
        rates: dict[str, list[float]] = {b: [] for b in BACKENDS}
        vectors: dict[str, np.ndarray] = {}
        for round_ in range(args.rounds):
            for backend in BACKENDS if round_ % 2 == 0 else BACKENDS[::-1]:
                started = time.perf_counter()
                vectors[backend] = embedders[backend].encode(segments)
                rates[backend].append(len(segments) / (time.perf_counter() - started))
            print(f"round {round_ + 1}: " + ", ".join(f"{b} {rates[b][-1]:.0f}/s" for b in BACKENDS)
                  + f" (load {os.getloadavg()[0]:.1f})", flush=True)
        torch_vectors = vectors["torch"]
        nmi: dict[str, tuple[float, float]] = {}
        if not args.no_nmi:
            texts, labels = banking77()
            for backend in BACKENDS:  # torch's vectors from bench/.cache when there (themes_data.py --warm)
                encoder = CachedEmbedder() if backend == "torch" else embedders[backend]
                nmi[backend] = theme_nmi(encoder.encode(texts), texts, labels)
                print(f"{backend}: banking77 NMI {nmi[backend][0]:.4f}", flush=True)

    load = os.getloadavg()
    lines.append(f"{len(segments):,} real review segments ({reviews:,} clothing reviews), {args.rounds} rounds,"
                 f" batch 32, {os.cpu_count()} cores (shared), load {load[0]:.1f}/{load[1]:.1f}")
    for backend in BACKENDS:
        rate = statistics.median(rates[backend])
        ratio = statistics.median(r / t for r, t in zip(rates[backend], rates["torch"], strict=True))
        line = f"  {backend:<10} {rate:6.0f} texts/s  {ratio:4.2f}x torch"
        if backend != "torch":
            cosine = (vectors[backend] * torch_vectors).sum(axis=1)
            recall = recall_at(vectors[backend], torch_vectors, args.queries)
            line += (f" | cosine to torch min {cosine.min():.6f} p1 {np.quantile(cosine, 0.01):.6f}"
                     f" mean {cosine.mean():.6f} | recall@10 {recall:.3f}")
        if backend in nmi:
            line += f" | banking77 NMI {nmi[backend][0]:.4f} (outliers {nmi[backend][1]:.1%})"
        lines.append(line)
    print("\n".join(lines))
    if not args.no_append:
        with (ROOT / "bench" / "RESULTS.md").open("a", encoding="utf-8") as out:
            out.write(f"\n## Embedding backends ({date.today().isoformat()}, {platform.machine()})\n\n"
                      f"bench/embed_speed.py --segments {args.segments} --rounds {args.rounds}\n\n```\n"
                      + "\n".join(lines) + "\n```\n")


if __name__ == "__main__":
    main()
