"""Benchmark: does a topic that arrives later become a theme at night? (not a test)

A labelled set's test split arrives in three nights. Some of its intents are held out of the first night (the
fit) and arrive in nights 2 and 3, half each: new topics, as a product recall or a new app bug would be. Each draw
runs twice in this process on the same nights: the night as it is (tonight's segments at their theme's edge are
fitted with the outlier pool, :mod:`feedback.themes.night_pool`) and the night before (the pool alone,
``night_pool.LOOSE = False``). Then the engine re-clusters, as an analyst would.

Printed per set and mode, over the draws (seeds SEED, SEED+1, ...):

- held-out intents owning a theme born at night: a theme made in nights 2-3 holding at least half of the intent's
  comments, of which the intent is at least half (two new topics in one theme own nothing);
- where the held-out comments are: in night-1 themes (taken by another topic), the outlier pool, night-born themes;
- night-born themes made mostly of the other intents' comments (a topic cut out of a known one: should be 0), and
  those the re-cluster retires;
- after the re-cluster: held-out intents owning a theme (what an analyst's re-cluster finds);
- nightly vs re-cluster one-to-one agreement on the comments of nights 2-3 (issue #12's target: >= 90 %), and the
  other intents' comments left outliers at night.

``--real``: also real feedback without topic labels, where what a night makes can only be checked against the
re-cluster: the shared clothing reviews (``--reviews`` of them, cut into points as the product cuts reviews) and the
complaint tweets (bench/.cache/complaints, as bench/themes_reviews.py --tweets reads them), each in four nights (half,
then a sixth a night): themes born at night, those the re-cluster retires, and nightly vs re-cluster agreement.

    .venv/bin/python bench/themes_emerging.py [--sets banking77,clinc150] [--held 0.1] [--draws 3] [--seed 11]
                                              [--real] [--reviews 6000] [--no-append]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from themes_data import CACHE, CachedEmbedder, Labelled, labelled  # noqa: E402
from themes_metrics import agreement  # noqa: E402
from themes_warehouse import BenchWarehouse, Snapshot, run_nights  # noqa: E402

from feedback.themes import night_pool  # noqa: E402
from feedback.themes.settings import ThemeSettings  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FIRST_DAY = date(2026, 11, 1)
FIRST = 0.6  # share of the other intents' comments in the first night
MODES = ((False, "pool only (before)"), (True, "pool + tonight's edge (this)"))


@dataclass
class Outcome:
    held: int  # held-out intents
    owned_night: int  # held-out intents owning a night-born theme
    absorbed: float  # held-out comments in night-1 themes
    pooled: float  # ... in the outlier pool
    in_new: float  # ... in night-born themes
    made: int  # themes born at night
    spurious: int  # night-born themes mostly of the other intents
    retired: int  # night-born themes the re-cluster retired
    owned_after: int  # held-out intents owning a theme after the re-cluster
    agreement: float  # nightly vs re-cluster, one-to-one, nights 2-3
    outliers: float  # the other intents' comments of nights 2-3 left outliers at night
    seconds: float


def nights_of(data: Labelled, held_share: float, seed: int) -> tuple[list[list[int]], set[str]]:
    """The three nights' comment positions and the intents held out of the first."""
    rng = random.Random(seed)
    intents = sorted(set(data.labels))
    held = set(rng.sample(intents, max(1, round(held_share * len(intents)))))
    order = list(range(len(data.texts)))
    rng.shuffle(order)
    known = [i for i in order if data.labels[i] not in held]
    new = [i for i in order if data.labels[i] in held]
    first = int(len(known) * FIRST)
    half = first + (len(known) - first) // 2
    return [known[:first], known[first:half] + new[: len(new) // 2], known[half:] + new[len(new) // 2:]], held


def owners(snap: Snapshot, data: Labelled, ids: list[str], held: set[str], themes: set[int]) -> int:
    """Held-out intents with a theme in ``themes`` holding at least half of their comments, and of whom at least
    half of that theme's comments are."""
    by_theme = Counter(snap.theme[ids[i]] for i in range(len(ids)))
    owned = 0
    for intent in held:
        where = Counter(snap.theme[ids[i]] for i in range(len(ids)) if data.labels[i] == intent)
        theme, count = where.most_common(1)[0]
        owned += theme in themes and count >= 0.5 * sum(where.values()) and count >= 0.5 * by_theme[theme]
    return owned


def run(data: Labelled, embedder: CachedEmbedder, nights: list[list[int]], held: set[str], loose: bool,
        folder: Path) -> Outcome:
    night_pool.LOOSE = loose
    ids = [f"{i:06d}" for i in range(len(data.texts))]
    settings = ThemeSettings(read_whole=("bench",))
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        wh = BenchWarehouse(Path(tmp), settings, embedder)
        ran = run_nights(wh, [([ids[i] for i in night], [data.texts[i] for i in night]) for night in nights], FIRST_DAY)
        wh.close()
    snap, after = ran.night, ran.after
    made = set(snap.leaves) - ran.first
    new = [i for i in range(len(ids)) if data.labels[i] in held]
    where = Counter("pool" if snap.theme[ids[i]] < 0 else "new" if snap.theme[ids[i]] in made else "old" for i in new)
    spurious = 0
    for theme in made:
        members = [i for i in range(len(ids)) if snap.theme[ids[i]] == theme]
        spurious += sum(data.labels[i] not in held for i in members) > 0.5 * len(members)
    later = [ids[i] for night in nights[1:] for i in night]
    known_later = [ids[i] for night in nights[1:] for i in night if data.labels[i] not in held]
    return Outcome(
        held=len(held), owned_night=owners(snap, data, ids, held, made),
        absorbed=where["old"] / len(new), pooled=where["pool"] / len(new), in_new=where["new"] / len(new),
        made=len(made), spurious=spurious, retired=len(made - set(after.leaves)),
        owned_after=owners(after, data, ids, held, set(after.leaves)),
        agreement=agreement([snap.theme[i] for i in later], [after.theme[i] for i in later]).one_to_one,
        outliers=float(np.mean([snap.theme[i] < 0 for i in known_later])), seconds=wh.seconds)


def real_run(texts: list[str], loose: bool, folder: Path) -> str:
    """``texts`` in four nights (half, then a sixth a night), the engine's defaults: themes born at night and retired by
    the re-cluster, nightly vs re-cluster agreement on nights 2-4, seconds."""
    night_pool.LOOSE = loose
    ids = [f"{i:06d}" for i in range(len(texts))]
    cuts = [0, len(texts) // 2, len(texts) * 2 // 3, len(texts) * 5 // 6, len(texts)]
    embedder = CachedEmbedder(CACHE)
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        wh = BenchWarehouse(Path(tmp), ThemeSettings(), embedder)
        ran = run_nights(wh, [(ids[cuts[k]:cuts[k + 1]], texts[cuts[k]:cuts[k + 1]]) for k in range(4)], FIRST_DAY)
        wh.close()
    snap, after, made, first = ran.night, ran.after, ran.made, ran.first
    born = set(snap.leaves) - first
    later = ids[cuts[1]:]
    agreed = agreement([snap.theme[i] for i in later], [after.theme[i] for i in later]).one_to_one
    return (f"{len(first)} | {sum(made)} ({' '.join(map(str, made))}) / {len(born - set(after.leaves))} | "
            f"{agreed:.1%} | {float(np.mean([snap.theme[i] < 0 for i in later])):.1%} | {wh.seconds:.0f}")


def summary(outcomes: list[Outcome]) -> list[str]:
    def each(values: list[float], fmt: str) -> str:
        return f"{format(float(np.mean(values)), fmt)} ({' '.join(format(v, fmt) for v in values)})"

    o = outcomes
    return [
        f"{sum(x.owned_night for x in o)} of {sum(x.held for x in o)} ({' '.join(str(x.owned_night) for x in o)})",
        f"{each([x.absorbed for x in o], '.1%')} / {each([x.pooled for x in o], '.1%')} / "
        f"{each([x.in_new for x in o], '.1%')}",
        f"{sum(x.made for x in o)} / {sum(x.spurious for x in o)} / {sum(x.retired for x in o)}",
        f"{sum(x.owned_after for x in o)} of {sum(x.held for x in o)} ({' '.join(str(x.owned_after) for x in o)})",
        each([x.agreement for x in o], ".1%"),
        each([x.outliers for x in o], ".1%"),
        f"{sum(x.seconds for x in o):.0f}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="banking77,clinc150")
    parser.add_argument("--held", type=float, default=0.1, help="share of the intents held out of the first night")
    parser.add_argument("--draws", type=int, default=3, help="draws of the held-out intents and the order")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--real", action="store_true", help="also the clothing reviews and the complaint tweets")
    parser.add_argument("--reviews", type=int, default=6000, help="clothing reviews read with --real")
    parser.add_argument("--no-append", dest="append", action="store_false")
    args = parser.parse_args()
    import os

    started = time.perf_counter()
    embedder = CachedEmbedder(CACHE)
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    lines = [f"## New topics at night: held-out intents arriving later, {stamp} ({os.cpu_count()} cores, "
             f"load average {os.getloadavg()[0]:.1f} at the start, Python {sys.version.split()[0]})", "",
             f"`bench/themes_emerging.py --sets {args.sets} --held {args.held} --draws {args.draws} --seed {args.seed}"
             f"{f' --real --reviews {args.reviews}' if args.real else ''}`:"
             f" each set's test split in three nights ({FIRST:.0%} of the other intents' comments in the first), the"
             f" held-out intents' comments in nights 2 and 3, half each; both modes on the same nights, in one"
             f" process; engine defaults read whole. Figures over {args.draws} draws (each draw's in brackets).", "",
             "| set | night | held-out intents owning a theme born at night | their comments in night-1 themes / "
             "pool / night-born themes | themes born at night / of other intents / retired by the re-cluster | "
             "held-out intents owning a theme after the re-cluster | nightly vs re-cluster one-to-one (nights 2-3) "
             "| other intents' outliers at night | seconds |", "|---|---|---|---|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory(prefix="themes-emerging-") as folder:
        for name in args.sets.split(","):
            data = labelled(name, "test")
            results: dict[bool, list[Outcome]] = {True: [], False: []}
            for draw in range(args.draws):
                nights, held = nights_of(data, args.held, args.seed + draw)
                for loose in (False, True):
                    results[loose].append(run(data, embedder, nights, held, loose, Path(folder)))
                    print(name, "draw", draw, "edge" if loose else "pool only", results[loose][-1], flush=True)
            for loose, mode in MODES:
                lines.append("| " + " | ".join([name, mode, *summary(results[loose])]) + " |")
        if args.real:
            from themes_reviews import reviews, tweets

            lines += ["", "Real feedback without topic labels, in four nights (half of it, then a sixth a night):", "",
                      "| feedback | night | themes after night 1 | born at night (per night) / retired by the re-cluster "
                      "| nightly vs re-cluster one-to-one (nights 2-4) | outliers at night | seconds |",
                      "|---|---|---|---|---|---|---|"]
            for name, texts in ((f"{args.reviews:,} clothing reviews", reviews(args.reviews, args.seed)),
                                ("1,974 complaint tweets", tweets()[0])):
                for loose, mode in MODES:
                    lines.append(f"| {name} | {mode} | {real_run(texts, loose, Path(folder))} |")
                    print(lines[-1], flush=True)
    night_pool.LOOSE = True
    lines += ["", f"- Whole run {time.perf_counter() - started:.0f} s; vectors embedded in this run: "
              f"{embedder.computed:,} (the rest from bench/.cache)."]
    print("\n".join(lines))
    if args.append:
        with (ROOT / "bench" / "RESULTS.md").open("a", encoding="utf-8") as fh:
            fh.write("\n" + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
