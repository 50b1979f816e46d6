"""Where the fine themes' NMI against human intents is lost (issue #12), on the cached vectors.

    .venv/bin/python bench/themes_nmi_loss.py            # banking77 + clinc150 test splits; prints
    .venv/bin/python bench/themes_nmi_loss.py --append   # ... and appends to bench/RESULTS.md
    .venv/bin/python bench/themes_nmi_loss.py --grid '[{}, {"context_weight": 2}]'  # settings side by side

The segments and their vectors are the engine's (a nightly fit on a temporary warehouse,
bench/themes_warehouse.py); then ``cluster.fit`` runs directly on them. Per set:

- homogeneity / completeness (sklearn): is NMI lost by splitting intents or by mixing them?
- how a comment's theme is chosen from its segments: the best-scoring segment (what the
  benchmark and the pages' "main theme" use) against the mean segment vector, the longest
  segment, a length-weighted vote, length-weighted similarities, the whole comment's own vector
  (BERTopic's input), and an oracle picking the segment whose theme's majority intent is right;
- ceilings of the representation: Ward linkage told the true number of intents, on the segments
  and on whole-comment vectors;
- the partition: HDBSCAN's clusters against Ward at HDBSCAN's count (``partition``), with the
  10 % subsample ARI of bench/themes_quality.py (``--seed 7``).

Outliers count as one cluster, as in bench/themes_quality.py.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from themes_data import CachedEmbedder, labelled, text_vectors  # noqa: E402
from themes_warehouse import BenchWarehouse  # noqa: E402

from feedback.themes import cluster, store  # noqa: E402
from feedback.themes.settings import ThemeSettings  # noqa: E402


class Segments:
    """One labelled set's segments as the engine stores them."""

    def __init__(self, name: str, embedder: CachedEmbedder, folder: Path) -> None:
        data = labelled(name, "test")
        ids = [f"{i:06d}" for i in range(len(data.texts))]
        with tempfile.TemporaryDirectory(dir=folder) as tmp:
            wh = BenchWarehouse(Path(tmp), ThemeSettings(), embedder)
            wh.add(ids, data.texts, "2026-01-01")
            wh.nightly()
            seg_ids, hashes, self.vectors = store.segment_vectors(wh.db, embedder)
            rows = {r[0]: r[1:] for r in wh.db.execute("select id, item_id, seq, text from theme_segments")}
            self.items = np.array([int(wh.local_of[rows[s][0]]) for s in seg_ids])
            self.seq = np.array([rows[s][1] for s in seg_ids])
            self.lengths = np.array([len(rows[s][2]) for s in seg_ids])
            wh.close()
        self.name = name
        self.keys = [f"{h}:{s}" for h, s in zip(hashes, seg_ids, strict=True)]
        self.labels = np.array(data.labels)
        self.texts = data.texts
        self.of: dict[int, list[int]] = defaultdict(list)
        for j, item in enumerate(self.items):
            self.of[int(item)].append(j)

    def by_rule(self, rule: Callable[[list[int]], int]) -> np.ndarray:
        out = np.full(len(self.labels), -1, dtype=np.int64)
        for item, segs in self.of.items():
            if segs:  # a comment without themable segments stays an outlier
                out[item] = rule(segs)
        return out

    def best(self, theme: np.ndarray, score: np.ndarray) -> np.ndarray:
        def rule(segs: list[int]) -> int:
            themed = [j for j in segs if theme[j] >= 0]
            return int(theme[max(themed, key=lambda j: (score[j], -self.seq[j]))]) if themed else -1
        return self.by_rule(rule)


def scores(truth: np.ndarray, pred: np.ndarray) -> str:
    from sklearn.metrics import homogeneity_completeness_v_measure, normalized_mutual_info_score

    h, c, _ = homogeneity_completeness_v_measure(truth, pred)
    return (f"NMI {normalized_mutual_info_score(truth, pred):.3f} | homogeneity {h:.3f} | completeness {c:.3f} | "
            f"outliers {np.mean(pred < 0):.1%} | themes {len(set(pred.tolist()) - {-1})}")


def subsample_ari(s: Segments, settings: ThemeSettings, full: np.ndarray, seed: int) -> float:
    """bench/themes_quality.py's "10 % subsample": a fit without 10 % of the comments, ARI on the rest."""
    from sklearn.metrics import adjusted_rand_score

    n = len(s.labels)
    rng = np.random.default_rng(seed)
    rng.permutation(n)  # the order variant's draw, so the subsample is the benchmark's
    keep = np.sort(rng.permutation(n)[: round(0.9 * n)])
    segs = np.flatnonzero(np.isin(s.items, keep))
    _, sub = cluster.fit(s.vectors[segs], [s.keys[j] for j in segs], settings)
    theme = np.full(len(s.keys), -1, dtype=np.int64)
    score = np.zeros(len(s.keys), dtype=np.float32)
    theme[segs], score[segs] = sub.theme, sub.score
    return float(adjusted_rand_score(full[keep], s.best(theme, score)[keep]))


def ward_at(vectors: np.ndarray, count: int, settings: ThemeSettings) -> cluster.Assignment:
    keys = [f"{i:07d}" for i in range(vectors.shape[0])]
    return cluster.refine(vectors, cluster.ward_labels(vectors, keys, count, settings), settings)[1]


def _pair(a: cluster.Assignment) -> tuple[np.ndarray, np.ndarray]:
    return a.theme, a.score


def evaluate(s: Segments, embedder: CachedEmbedder, seed: int) -> list[str]:
    lines = [f"### {s.name}: {len(s.labels):,} comments, {len(s.keys):,} segments, "
             f"{sum(len(v) > 1 for v in s.of.values()):,} comments of several segments", ""]
    settings = ThemeSettings()
    old = settings.model_copy(update={"partition": "hdbscan"})
    cents, fitted = cluster.fit(s.vectors, s.keys, old)
    theme, score = fitted.theme, fitted.score
    best = s.best(theme, score)
    lines.append("| HDBSCAN partition (the old default): a comment's theme from | NMI and parts |")
    lines.append("|---|---|")
    lines.append(f"| its best-scoring segment (the benchmark, the pages' main theme) | {scores(s.labels, best)} |")
    several = np.array([len(s.of.get(i, [])) > 1 for i in range(len(s.labels))])
    if several.any():
        lines.append(f"| ... comments of one segment only | {scores(s.labels[~several], best[~several])} |")
        lines.append(f"| ... comments of several segments only | {scores(s.labels[several], best[several])} |")
    lines.append(f"| every segment on its own (segment carries its comment's intent) | {scores(s.labels[s.items], theme)} |")
    dim = s.vectors.shape[1]
    mean = cluster.normalise(np.vstack([s.vectors[s.of[i]].mean(axis=0) if s.of.get(i) else np.zeros(dim)
                                        for i in range(len(s.labels))]))
    lines.append(f"| its mean segment vector -> nearest centroid | "
                 f"{scores(s.labels, cluster.assign(mean, cents, settings.assign_threshold).theme)} |")
    lines.append(f"| its longest segment | "
                 f"{scores(s.labels, s.by_rule(lambda js: int(theme[max(js, key=lambda j: (s.lengths[j], -s.seq[j]))])))} |")

    def vote(js: list[int]) -> int:
        count: Counter[int] = Counter()
        for j in js:
            if theme[j] >= 0:
                count[int(theme[j])] += int(s.lengths[j])
        return min(count, key=lambda t: (-count[t], t)) if count else -1

    lines.append(f"| a length-weighted vote of its segments | {scores(s.labels, s.by_rule(vote))} |")

    def summed(js: list[int]) -> int:
        sims = (s.vectors[js] @ cents.T) * s.lengths[js][:, None]
        return int(sims.sum(axis=0).argmax())

    lines.append(f"| length-weighted similarities summed | {scores(s.labels, s.by_rule(summed))} |")
    whole = text_vectors(s.texts, embedder)
    lines.append(f"| the whole comment's vector -> nearest centroid (BERTopic's input) | "
                 f"{scores(s.labels, cluster.assign(whole, cents, settings.assign_threshold).theme)} |")
    major = {t: Counter(s.labels[s.items[theme == t]].tolist()).most_common(1)[0][0]
             for t in set(theme.tolist()) - {-1}}

    def oracle(js: list[int]) -> int:
        right = [int(theme[j]) for j in js if theme[j] >= 0 and major[int(theme[j])] == s.labels[s.items[j]]]
        return right[0] if right else int(best[s.items[js[0]]])

    lines.append(f"| oracle: the segment whose theme's majority intent is right | {scores(s.labels, s.by_rule(oracle))} |")
    lines.append("")
    k = len(set(s.labels.tolist()))
    lines.append("| ceilings and partitions (best-scoring segment) | NMI and parts | 10 % subsample ARI |")
    lines.append("|---|---|---|")
    lines.append(f"| Ward told the true count ({k}), segments | {scores(s.labels, s.best(*_pair(ward_at(s.vectors, k, settings))))} | |")
    lines.append(f"| Ward told the true count ({k}), whole-comment vectors | {scores(s.labels, ward_at(whole, k, settings).theme)} | |")
    lines.append(f"| HDBSCAN partition (`partition: hdbscan`) | {scores(s.labels, best)} | "
                 f"{subsample_ari(s, old, best, seed):.3f} |")
    _, ward = cluster.fit(s.vectors, s.keys, settings)
    ward_best = s.best(ward.theme, ward.score)
    lines.append(f"| Ward at HDBSCAN's count (`partition: ward`, the default) | {scores(s.labels, ward_best)} | "
                 f"{subsample_ari(s, settings, ward_best, seed):.3f} |")
    return lines


def mixed(s: Segments, weight: float) -> np.ndarray:
    """The segments' vectors in their comment's context (``context_weight``), as the engine mixes them."""
    comments = [str(i) for i in s.items]
    return cluster.in_context(s.vectors, cluster.comment_means(s.vectors, comments, comments), weight)


WHOLE = "whole_context"  # bench only: mix in the whole comment's own vector instead of its mean segment vector


def grid_rows(s: Segments, grid: list[dict[str, object]], seed: int, embedder: CachedEmbedder) -> list[str]:
    """``cluster.fit`` with each settings override of ``grid``: NMI and parts, 10 % subsample ARI, CPU seconds.
    ``{"whole_context": w}`` (not a setting: the engine has no whole-comment vectors) mixes each segment
    with its whole comment's own vector, ``normalise(segment + w * comment)``."""
    import time

    lines = ["| settings (defaults with) | NMI and parts | 10 % subsample ARI | fit CPU s |", "|---|---|---|---|"]
    own = s.vectors
    for override in grid:
        settings = ThemeSettings(**{k: v for k, v in override.items() if k != WHOLE})  # type: ignore[arg-type]
        s.vectors = mixed(s, settings.context_weight)
        if WHOLE in override:
            whole = text_vectors(s.texts, embedder)[s.items]
            s.vectors = cluster.in_context(s.vectors, whole, float(override[WHOLE]))  # type: ignore[arg-type]
        started = time.process_time()
        _, fitted = cluster.fit(s.vectors, s.keys, settings)
        cpu = time.process_time() - started
        best = s.best(fitted.theme, fitted.score)
        lines.append(f"| `{override or 'defaults'}` | {scores(s.labels, best)} | "
                     f"{subsample_ari(s, settings, best, seed):.3f} | {cpu:.1f} |")
        s.vectors = own
        print(f"{s.name}: {lines[-1]}", flush=True)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", default="banking77,clinc150")
    parser.add_argument("--seed", type=int, default=7, help="the subsample seed (bench/themes_quality.py's)")
    parser.add_argument("--append", action="store_true", help="append the tables to bench/RESULTS.md")
    parser.add_argument("--grid", type=json.loads, default=None,
                        help='only cluster.fit with these settings overrides, as a JSON list: '
                        '\'[{}, {"context_weight": 2, "count_fits": 5}]\'')
    args = parser.parse_args()
    embedder = CachedEmbedder()
    lines: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        for name in args.sets.split(","):
            s = Segments(name, embedder, Path(folder))
            if args.grid is not None:
                lines += [f"### {name}: {len(s.labels):,} comments, {len(s.keys):,} segments", ""]
                lines += grid_rows(s, args.grid, args.seed, embedder) + [""]
                continue
            lines += evaluate(s, embedder, args.seed) + [""]
    text = "\n".join(lines)
    print(text)
    if args.append:
        with (ROOT / "bench" / "RESULTS.md").open("a", encoding="utf-8") as fh:
            fh.write("\n" + text)


if __name__ == "__main__":
    main()
