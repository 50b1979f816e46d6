"""Theme quality on labelled intent sets, against BERTopic on the same embeddings.

    .venv/bin/pip install -e '.[bench]'   # bertopic, only for this comparison
    .venv/bin/python bench/themes_quality.py

Per set: NMI / ARI / V-measure against the labels (outliers count as one cluster,
for both tools), outlier share, run-to-run ARI (seed 1 + shuffled input vs seed 0),
and nightly agreement: fit on 80 %, assign the other 20 % nightly, then a full
re-cluster on 100 % matched to the 80 % themes (as the product does): the share of
the 20 % whose theme id is the same (the re-cluster continues the themes as
feedback.themes.engine does with unchanged parameters: matching, folding of splits,
centres moving half way). The labels after that re-cluster are scored too. Appends a table to bench/RESULTS.md.
"""

from __future__ import annotations

import os
import platform
import random
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score, v_measure_score

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from themes_data import load  # noqa: E402

from feedback.themes import cluster  # noqa: E402
from feedback.themes.match import continue_themes  # noqa: E402
from feedback.themes.settings import ThemeSettings  # noqa: E402


def scores(y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    return {
        "NMI": normalized_mutual_info_score(y, pred),
        "ARI": adjusted_rand_score(y, pred),
        "V": v_measure_score(y, pred),
        "outliers": float(np.mean(pred < 0)),
    }


def ours(x: np.ndarray, keys: list[str], settings: ThemeSettings) -> np.ndarray:
    return cluster.fit(x, keys, settings)[1].theme


def incremental_agreement(x: np.ndarray, keys: list[str], settings: ThemeSettings) -> tuple[float, float]:
    """(share of nightly assignments the re-cluster keeps, NMI-ready labels of the re-cluster)."""
    rng = random.Random(7)
    idx = list(range(len(keys)))
    rng.shuffle(idx)
    cut = int(0.8 * len(idx))
    old, new = np.array(sorted(idx[:cut])), np.array(sorted(idx[cut:]))
    cents_old, fit_old = cluster.fit(x[old], [keys[i] for i in old], settings)
    nightly = cluster.assign(x[new], cents_old, settings.assign_threshold).theme
    # The re-cluster as feedback.themes.engine does it with unchanged parameters.
    cents_full, fit_full = cluster.fit(x, keys, settings)
    old_members = [{keys[old[i]] for i in np.flatnonzero(fit_old.theme == c)} for c in range(len(cents_old))]
    old_members = [
        members | {keys[new[i]] for i in np.flatnonzero(nightly == c)} for c, members in enumerate(old_members)
    ]
    full_members = [{keys[i] for i in np.flatnonzero(fit_full.theme == c)} for c in range(len(cents_full))]
    carried = continue_themes(cents_full, full_members, cents_old, old_members,
                              min_cosine=settings.match_threshold, min_share=settings.overlap_threshold,
                              fold_share=settings.fold_threshold)
    ids: list[int] = []
    vecs: list[np.ndarray] = []
    for c, j in enumerate(carried.target):
        theme = j if j is not None else 10_000 + c
        if theme not in ids:
            ids.append(theme)
            vecs.append(carried.centroids[j] if j is not None else cents_full[c])
    final = cluster.assign(x, np.vstack(vecs), settings.assign_threshold).theme
    as_ids = np.array([ids[t] if t >= 0 else -1 for t in final])
    return float(np.mean(as_ids[new] == nightly)), as_ids


def bertopic_labels(texts: list[str], x: np.ndarray) -> tuple[np.ndarray, float]:
    from bertopic import BERTopic

    started = time.perf_counter()
    model = BERTopic()  # defaults: UMAP 5-d, HDBSCAN min_cluster_size 10, eom
    topics, _ = model.fit_transform(texts, embeddings=x)
    return np.asarray(topics), time.perf_counter() - started


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    settings = ThemeSettings()
    lines = [
        f"\n## Theme quality, {date.today()} ({os.cpu_count()} cores, 24 GiB, {platform.python_version()})\n",
        f"Settings: {settings.model_dump(exclude={'model_path'})}\n",
        "| set | tool | themes | NMI | ARI | V | outliers | run-to-run ARI | nightly agreement | fit s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name in ("banking77", "clinc150"):
        x, texts, labels = load(name)
        y = np.unique(labels, return_inverse=True)[1]
        keys = [f"{i:06d}" for i in range(len(texts))]
        started = time.perf_counter()
        pred = ours(x, keys, settings)
        seconds = time.perf_counter() - started
        perm = np.random.default_rng(3).permutation(len(keys))
        other = np.empty_like(pred)
        other[perm] = ours(x[perm], [keys[i] for i in perm], settings.model_copy(update={"seed": 1}))
        run_ari = adjusted_rand_score(pred, other)
        agree, refreshed = incremental_agreement(x, keys, settings)
        s = scores(y, pred)
        r = scores(y, refreshed)
        lines.append(
            f"| {name} | feedback.themes | {pred.max() + 1} | {s['NMI']:.3f} | {s['ARI']:.3f} | {s['V']:.3f} "
            f"| {s['outliers']:.1%} | {run_ari:.3f} | {agree:.1%} | {seconds:.1f} |"
        )
        lines.append(
            f"| {name} | feedback.themes after nightly + re-cluster | {len(set(refreshed[refreshed >= 0]))} "
            f"| {r['NMI']:.3f} | {r['ARI']:.3f} | {r['V']:.3f} | {r['outliers']:.1%} | | | |"
        )
        print(*lines[-2:], sep="\n", flush=True)
        try:
            topics, bt_seconds = bertopic_labels(texts, x)
            topics2, _ = bertopic_labels([texts[i] for i in perm], x[perm])
            back = np.empty_like(topics2)
            back[perm] = topics2
            b = scores(y, topics)
            lines.append(
                f"| {name} | BERTopic defaults | {topics.max() + 1} | {b['NMI']:.3f} | {b['ARI']:.3f} "
                f"| {b['V']:.3f} | {b['outliers']:.1%} | {adjusted_rand_score(topics, back):.3f} | n/a "
                f"| {bt_seconds:.1f} |"
            )
        except ImportError:
            lines.append(f"| {name} | BERTopic | not installed (pip install -e '.[bench]') | | | | | | | |")
        print(lines[-1], flush=True)
    lines.append(
        "\nOutliers count as one cluster in NMI/ARI/V for both tools. BERTopic's fit time includes "
        "UMAP's numba compilation on its first call in the process."
    )
    with (ROOT / "bench" / "RESULTS.md").open("a", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
