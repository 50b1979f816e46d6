"""How stable the fine themes can be on whole comments: partitions of one vector per comment.

The engine clusters segments and gives a comment its best-scoring segment's theme
(bench/themes_quality.py). This probe fits one vector per whole comment instead, with the engine's
partition (``cluster.fit``: Ward at HDBSCAN's count, refined), with Ward at a fixed count, and with
two other partitions at the engine's count (k-means, average linkage on the cosine), each refined
as the engine refines; for each: NMI against the intents, and the ARI of a fit on a 10 % subsample
(and on the same subsample shuffled, with seed 1) on the comments both fits share, as
bench/themes_quality.py measures stability (``--seed 7``).

    .venv/bin/python bench/themes_partition_probe.py banking77 --counts 77,116,150
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from themes_data import CachedEmbedder, labelled, text_vectors  # noqa: E402
from themes_metrics import common_ari, label_scores  # noqa: E402

from feedback.embed import text_hash  # noqa: E402
from feedback.themes import cluster  # noqa: E402
from feedback.themes.settings import ThemeSettings  # noqa: E402

RESULTS = Path(__file__).with_name("RESULTS.md")
Partition = Callable[[np.ndarray, list[str], ThemeSettings], np.ndarray]


def engine(count: int | None) -> Partition:
    """The engine's fit (``count`` None) or Ward at a fixed count, refined as the engine refines."""
    def run(x: np.ndarray, keys: list[str], settings: ThemeSettings) -> np.ndarray:
        if count is None:
            return cluster.fit(x, keys, settings)[1].theme
        labels = cluster.ward_labels(x, keys, count, settings)
        return cluster.refine(x, labels, settings)[1].theme
    return run


def sklearn_partition(kind: str, count: int) -> Partition:
    def run(x: np.ndarray, keys: list[str], settings: ThemeSettings) -> np.ndarray:
        from sklearn.cluster import AgglomerativeClustering, KMeans

        reduced = cluster.reduce(x, settings)
        if kind == "k-means":
            labels = KMeans(count, n_init=10, random_state=settings.seed).fit_predict(reduced)
        else:
            labels = AgglomerativeClustering(count, metric="cosine", linkage="average").fit_predict(reduced)
        return cluster.refine(x, np.asarray(labels, dtype=np.int64), settings)[1].theme
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("set", choices=("banking77", "clinc150"))
    parser.add_argument("--counts", default="", help="fixed Ward counts to try besides the engine's, e.g. 77,150")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-append", action="store_true")
    args = parser.parse_args()

    data = labelled(args.set, "test")
    x = text_vectors(data.texts, CachedEmbedder()).astype(np.float32)
    n = len(data.texts)
    keys = [f"{text_hash(t)}{i:06d}" for i, t in enumerate(data.texts)]
    rng = np.random.default_rng(args.seed)
    perm = rng.permutation(n)
    keep = np.sort(rng.permutation(n)[: round(0.9 * n)])
    both = perm[np.isin(perm, keep)]
    settings = ThemeSettings()

    def themes(partition: Partition, index: np.ndarray, seed: int) -> dict[int, int]:
        found = partition(x[index], [keys[i] for i in index], settings.model_copy(update={"seed": seed}))
        return {int(i): int(t) for i, t in zip(index, found, strict=True)}

    base_count = len(set(themes(engine(None), np.arange(n), 0).values()) - {-1})
    partitions: dict[str, Partition] = {"engine (Ward at HDBSCAN's count)": engine(None)}
    for count in (int(c) for c in args.counts.split(",") if c):
        partitions[f"Ward at {count}"] = engine(count)
    partitions[f"k-means at {base_count} (10 starts)"] = sklearn_partition("k-means", base_count)
    partitions[f"average linkage (cosine) at {base_count}"] = sklearn_partition("average", base_count)

    lines = ["| partition (one vector per whole comment) | themes | NMI vs intents | 10 % subsample ARI | "
             "subsample + order + seed 1 ARI |", "|---|---|---|---|---|"]
    for name, partition in partitions.items():
        base = themes(partition, np.arange(n), 0)
        scores = label_scores(data.labels, [base[i] for i in range(n)])
        sub, _ = common_ari(base, themes(partition, keep, 0))
        mixed, _ = common_ari(base, themes(partition, both, 1))
        lines.append(f"| {name} | {len(set(base.values()) - {-1})} | {scores['NMI']:.3f} | {sub:.3f} | {mixed:.3f} |")
        print(lines[-1], flush=True)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    section = [f"## Fine-theme partitions on whole comments, {args.set} test ({n:,} comments), {stamp} "
               f"({os.cpu_count()} cores, shared; Python {platform.python_version()})", "",
               f"`bench/themes_partition_probe.py {args.set} --counts {args.counts} --seed {args.seed}`", "",
               *lines, ""]
    if not args.no_append:
        with RESULTS.open("a", encoding="utf-8") as fh:
            fh.write("\n" + "\n".join(section) + "\n")


if __name__ == "__main__":
    main()
