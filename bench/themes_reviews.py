"""The taxonomy a person reads on real feedback of one subject: a clothing shop's product reviews.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/themes_reviews.py [--reviews 3000] [--seed 4] [--no-append]

The labelled sets of bench/themes_quality.py (banking77, clinc150) are questions to an assistant over many
domains, and the sample company is generated. A shop's own reviews are the other case: every comment is about
the same products, so the themes' centroids all sit close together. This fits the theme engine, as the product
runs it (bench/themes_warehouse.py), on ``--reviews`` reviews of the shared Women's E-Commerce Clothing Reviews
(``../shared/data/labelled/clothing_reviews``, CC0; a fixed shuffle), and prints what a person reads: how many
top-level entries, each with its biggest sub-themes, and the label checks of bench/themes_metrics.py (2-4-word
content phrases, sibling duplicates, the fallbacks that say little), and how far a second fit without a tenth of
the reviews agrees with the first (ARI of the themes and of the top level, as bench/themes_quality.py measures
banking77 and clinc150). Appends to bench/RESULTS.md.

``--tweets`` fits the complaint tweets instead (Preotiuc-Pietro et al. 2019, ``bench/.cache/complaints``, as
bench/sentiment_quality.py ``--complaints`` reads them; measured only, its licence unstated): 1,974 tweets written to
companies of nine domains, most of them complaints, as a company's social channel would bring them in, with the
@handles, links and hashtags they were written with. It also prints how far the top level and the themes follow the
nine domains (NMI; info: a person reading the top level would expect the kinds of company apart).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "scripts"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from sentiment_quality import COMPLAINTS, complaint_rows  # noqa: E402
from sklearn.metrics import normalized_mutual_info_score  # noqa: E402
from themes_metrics import common_ari, label_checks, label_weakness  # noqa: E402
from themes_warehouse import BenchWarehouse, Snapshot  # noqa: E402
from train_sentiment import CLOTHING, read_clothing  # noqa: E402

from feedback.embed import Embedder  # noqa: E402
from feedback.themes.settings import ThemeSettings  # noqa: E402

SHOWN = 8  # sub-themes shown per top-level entry


def reviews(n: int, seed: int, path: Path = CLOTHING) -> list[str]:
    """``n`` non-empty reviews in a fixed shuffle of the file."""
    if not path.is_file():
        raise SystemExit(f"{path} not found: the shared clothing reviews (../shared/data/labelled/clothing_reviews)")
    texts = [text for text, _ in read_clothing(path) if text.strip()]
    random.Random(seed).shuffle(texts)
    return texts[:n]


def tweets(folder: Path = COMPLAINTS) -> tuple[list[str], list[str]]:
    """The complaint tweets' texts and each one's domain, in the file's order."""
    if not (folder / "complaints-data.csv").is_file():
        raise SystemExit(f"{folder / 'complaints-data.csv'} not found: copy complaints-data.csv of the GitHub "
                         "repository danielpreotiuc/complaints-social-media there")
    rows = complaint_rows(folder)
    return [text for text, _, _ in rows], [domain for _, _, domain in rows]


def fit(texts: list[str], locals_: list[str], embedder: Embedder) -> tuple[Snapshot, dict[int, int], float]:
    """The engine's first fit of ``texts`` in a temporary warehouse: (what a user sees, theme sizes, seconds)."""
    with tempfile.TemporaryDirectory() as folder:
        bench = BenchWarehouse(Path(folder), ThemeSettings(), embedder)
        bench.add(locals_, texts, "2026-11-01")
        began = time.perf_counter()
        bench.nightly()
        seconds = time.perf_counter() - began
        snap = bench.snapshot()
        sizes = dict(bench.db.execute("select id, size from themes where status = 'active'").fetchall())
        bench.close()
    return snap, sizes, seconds


def run(n: int, seed: int, subsample: bool = True, texts: list[str] | None = None,
        truth: list[str] | None = None, what: str = "reviews") -> list[str]:
    """What a person reads of a fit of ``texts`` (None: ``n`` clothing reviews, shuffle ``seed``); ``truth``: each
    text's known kind (the tweets' domains), against which the top level and the themes are scored."""
    texts = reviews(n, seed) if texts is None else texts
    locals_ = [f"r{i}" for i in range(len(texts))]
    embedder = Embedder(threads=2)
    snap, sizes, seconds = fit(texts, locals_, embedder)
    stability = []
    if subsample:  # as bench/themes_quality.py: a fit without a tenth of the comments, on the ones both hold
        kept = [i for i in range(len(texts)) if random.Random(seed + i).random() >= 0.1]
        other, _, _ = fit([texts[i] for i in kept], [locals_[i] for i in kept], embedder)
        fine, common = common_ari(snap.theme, other.theme)
        top, _ = common_ari(snap.top, other.top)
        stability = [f"- 10 % subsample (a fit without a tenth of the {what}, on the {common:,} both hold): themes ARI "
                     f"{fine:.3f}, top level ARI {top:.3f} ({other.top_level} entries)"]
    if truth is not None:  # outliers count as one group, as in bench/themes_quality.py
        kinds = dict(zip(locals_, truth, strict=True))
        nmi = [normalized_mutual_info_score([kinds[k] for k in locals_], [of[k] for k in locals_])
               for of in (snap.top, snap.theme)]
        stability.append(f"- against the {len(set(truth))} domains written to (info): top level NMI {nmi[0]:.3f}, "
                         f"themes NMI {nmi[1]:.3f}")
    leaves = snap.leaf_siblings()
    entries = [(label, [snap.leaves[t] for t, p in snap.parent_of.items() if p == pid]) for pid, label in snap.parents.items()]
    entries += [(snap.leaves[t], []) for t, p in snap.parent_of.items() if p is None]
    weight = {label: sum(sizes[t] for t, p in snap.parent_of.items() if p == pid) for pid, label in snap.parents.items()}
    entries.sort(key=lambda e: -weight.get(e[0], 0))
    leaf_checks, top_checks = label_checks(leaves), label_checks(snap.top_labels())
    by_label = {label: t for t, label in snap.leaves.items()}
    lines = [f"- {len(texts):,} {what}, {len(snap.leaves)} themes, top level {snap.top_level} entries (the issue's aim: "
             f"8-25); fit {seconds:.0f} s",
             *stability,
             f"- labels: themes {leaf_checks.phrase_share:.1%} 2-4-word content phrases ({leaf_checks.duplicate_siblings}"
             f" sibling duplicates), top level {top_checks.phrase_share:.1%}; problems {leaf_checks.problems or 'none'}",
             f"- labels that say little (a phrase none of the theme's comments share): {sum(leaf_checks.weak.values())} of"
             f" {leaf_checks.labels} ({dict(Counter(w for w in map(label_weakness, snap.leaves.values()) if w)) or 'none'})",
             "- the top level, biggest first (segments), with its biggest sub-themes:"]
    for label, children in entries:
        shown = sorted(children, key=lambda c: -sizes[by_label[c]])
        lines.append(f"  - **{label}** ({weight.get(label, sizes.get(by_label.get(label, -1), 0))}): "
                     + "; ".join(shown[:SHOWN]) + (f"; ... {len(shown) - SHOWN} more" if len(shown) > SHOWN else ""))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reviews", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--tweets", action="store_true", help="the complaint tweets (bench/.cache/complaints) instead")
    parser.add_argument("--no-append", dest="append", action="store_false")
    parser.add_argument("--note", default="", help="what this run measures (goes into RESULTS.md)")
    parser.add_argument("--no-subsample", dest="subsample", action="store_false",
                        help="skip the second fit (10 %% subsample stability)")
    args = parser.parse_args()
    if args.tweets:
        texts, domains = tweets()
        lines = run(len(texts), args.seed, args.subsample, texts, domains, "tweets")
        title, command = "Complaint tweets to companies: the taxonomy a person reads", "--tweets"
    else:
        lines = run(args.reviews, args.seed, args.subsample)
        title, command = "A shop's own reviews: the taxonomy a person reads", f"--reviews {args.reviews} --seed {args.seed}"
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = os.getloadavg()[0]
    head = [f"## {title} (bench/themes_reviews.py), {stamp} "
            f"({os.cpu_count()} cores, shared; load average {load:.1f}; Python {platform.python_version()})", "",
            f"`bench/themes_reviews.py {command}`"
            + (f": {args.note}" if args.note else ""), ""]
    text = "\n".join([*head, *lines])
    print(text)
    if args.append:
        with (ROOT / "bench" / "RESULTS.md").open("a", encoding="utf-8") as out:
            out.write("\n" + text + "\n")


if __name__ == "__main__":
    main()
