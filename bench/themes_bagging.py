"""What bagged Ward (``ThemeSettings.bag_fits``) costs a fit: one Ward fit against the bagged fit, same process.

    .venv/bin/python bench/themes_data.py          # once: cache the labelled texts' vectors
    .venv/bin/python bench/themes_bagging.py       # prints; appends to bench/RESULTS.md

``cluster.fit`` (HDBSCAN's count, Ward, refinement) on the cached whole-message vectors of banking77 and clinc150
(test splits, 7,580 messages), at 3,000 and 7,580 segments (Ward and its bags run on at most ``ward_max`` = 6,000 of
them), each timed as the best of ``--repeat`` runs, alternating the two settings so load on a shared machine falls on
both alike. The quality side (NMI, stability) is bench/themes_quality.py's.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from themes_data import CachedEmbedder, labelled, text_vectors  # noqa: E402

from feedback.themes import cluster  # noqa: E402
from feedback.themes.settings import ThemeSettings  # noqa: E402


def timed(vectors: np.ndarray, keys: list[str], settings: ThemeSettings) -> tuple[float, int]:
    started = time.perf_counter()
    cents, _ = cluster.fit(vectors, keys, settings)
    return time.perf_counter() - started, int(cents.shape[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=2, help="runs per size and setting (the best counts)")
    parser.add_argument("--no-append", dest="append", action="store_false", help="print only")
    args = parser.parse_args()
    embedder = CachedEmbedder()
    vectors = np.vstack([text_vectors(labelled(name, "test").texts, embedder) for name in ("banking77", "clinc150")])
    keys = [f"m{i:06d}" for i in range(len(vectors))]
    bagged = ThemeSettings()
    single = bagged.model_copy(update={"bag_fits": 0})
    lines = []
    for n in (3000, len(vectors)):
        best: dict[str, tuple[float, int]] = {}
        for _ in range(args.repeat):
            for name, settings in (("one Ward fit", single), (f"bagged ({bagged.bag_fits} fits)", bagged)):
                seconds, themes = timed(vectors[:n], keys[:n], settings)
                if name not in best or seconds < best[name][0]:
                    best[name] = (seconds, themes)
        (one, one_k), (bag, bag_k) = best.values()
        lines.append(f"| {n:,} | {one:.1f} s ({one_k} themes) | {bag:.1f} s ({bag_k} themes) | {bag / one:.1f}x |")
        print(lines[-1], flush=True)
    load = os.getloadavg()[0]
    text = (f"\n## Bagged Ward: what a fit costs (bench/themes_bagging.py), {date.today()} ({os.cpu_count()} cores, "
            f"shared; load average {load:.1f}; Python {platform.python_version()})\n\n"
            f"`cluster.fit` on whole-message vectors (banking77 + clinc150 test), best of {args.repeat}, the two "
            "settings alternated in one process:\n\n| segments | one Ward fit | bagged | ratio |\n|---|---|---|---|\n"
            + "\n".join(lines) + "\n")
    print(text)
    if args.append:
        with (ROOT / "bench" / "RESULTS.md").open("a") as out:
            out.write(text)


if __name__ == "__main__":
    main()
