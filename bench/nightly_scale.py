"""Benchmark: a nightly run of 2,000 new comments into archives of 0, 200k and 1M comments (not a test).

For each archive size, a warehouse of that many existing comments is built by
``bench/archive_scale.py``'s synthetic builder (texts from the sample archive plus random
words, **stored random vectors**: embedding a million texts would take hours) and settled as
a past nightly run leaves it: processed by the current process stage, segmented, assigned,
scored, and published in full once. Its 200 themes get centroids made from real MiniLM
vectors (means of neighbourhoods of 2,000 real reviews that are not tonight's), so tonight's
comments meet themes they can join, as they would in a real archive.

Then a night of ``--new`` real comments (women's clothing reviews from ../shared/data, as a
survey export with star ratings) runs in a child process of its own, calling the library
functions the nightly flow calls, stage by stage: ``ingest_source``, ``process`` (the redactor,
with the configured workers), segmenting and embedding (``store.segment_new`` and
``store.embed_pending`` with the run's embedder: the model load is in this stage),
``update_themes`` (assignment, outlier pool, theme statistics), ``publish_archive``
(incremental). Peak RSS is the child's own (``ru_maxrss``), and its largest worker process's (sampled).
A second child then runs a night with nothing new, and says whether it loaded the embedding
model, built the redactor or touched the themes.

Targets (issue 13, 2 cores): 2k new into 1M costs at most 2x 2k new into an empty archive and
at most 90 s in all, embedding included; peak RSS at most 4 GiB; a night with nothing new does
no model, redactor or clustering work. Appends the figures to bench/RESULTS.md.

    .venv/bin/python bench/nightly_scale.py [--sizes 0,200000,1000000] [--new 2000] [--keep DIR] [--reuse DIR]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from archive_scale import build_warehouse, write_results  # noqa: E402 - bench/ is not a package

REPO = Path(__file__).resolve().parent.parent
REVIEWS = REPO.parent / "shared" / "data" / "labelled" / "clothing_reviews" / "reviews.csv"
CACHE = Path(__file__).resolve().parent / ".cache"
STAGES = ("ingest", "process", "segment+embed", "assign", "publish")
TARGET_RATIO, TARGET_SECONDS, TARGET_GIB = 2.0, 90.0, 4.0
SECRET = b"nightly-scale-bench-customer-key"


def real_reviews(count: int, skip: int = 0) -> list[tuple[str, str, str]]:
    """(id, stars, text) of ``count`` real reviews with a text, after the first ``skip`` of them."""
    if not REVIEWS.exists():
        sys.exit(f"{REVIEWS}: not there (the shared data lives in ../shared/data beside the project)")
    found: list[tuple[str, str, str]] = []
    with REVIEWS.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if not row["Review Text"].strip():
                continue
            if skip:
                skip -= 1
                continue
            found.append((f"r{row['']}", row["Rating"], row["Review Text"]))
            if len(found) == count:
                break
    if len(found) < count:
        sys.exit(f"{REVIEWS}: only {len(found)} reviews with a text after the skipped ones, {count} wanted")
    return found


def write_export(path: Path, reviews: list[tuple[str, str, str]]) -> None:
    """Tonight's survey export: the reviews spread over the last week of the synthetic archive's span."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["id", "when", "stars", "comment"])
        for n, (review_id, stars, text) in enumerate(reviews):
            out.writerow([review_id, f"2026-12-{1 + n % 7:02d} {8 + n % 12:02d}:{n % 60:02d}", stars, text])


def write_config(root: Path) -> None:
    """The shipped configuration (promises, processing, themes), with tonight's export as its one source."""
    config = yaml.safe_load((REPO / "data" / "config.yml").read_text(encoding="utf-8"))
    config["sources"] = [{
        "name": "reviews", "channel": "survey", "paths": "new.csv",
        "columns": {"id": "id", "received_at": "when", "text": "comment",
                    "rating": {"column": "stars", "scale": "stars"}},
    }]
    (root / "config.yml").write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    shutil.copytree(REPO / "data" / "datasette", root / "datasette", dirs_exist_ok=True)


def real_centroids(count: int = 200, neighbours: int = 10, reviews: int = 600) -> np.ndarray:
    """``count`` theme centres from real vectors: each the mean of a review's nearest neighbours among
    ``reviews`` reviews that are not tonight's (so tonight's comments join some themes, not all).
    The vectors are kept in bench/.cache for the next run."""
    from feedback.embed import Embedder

    embedder = Embedder()
    cache = CACHE / f"nightly-centres-{embedder.name}-{embedder.version}-{reviews}.npy"
    if cache.exists():
        vectors = np.load(cache)
    else:
        vectors = embedder.encode([text for _, _, text in real_reviews(reviews, skip=20_000)])
        cache.parent.mkdir(exist_ok=True)
        np.save(cache, vectors)
    picks = np.random.default_rng(1).choice(len(vectors), count, replace=False)
    near = np.argsort(-(vectors[picks] @ vectors.T), axis=1)[:, :neighbours]
    centres = vectors[near].mean(axis=1)
    return (centres / np.linalg.norm(centres, axis=1, keepdims=True)).astype(np.float32)


def settle(path: Path, centroids: np.ndarray) -> None:
    """Leave the synthetic warehouse as a past nightly run would: everything processed by this
    version, segmented from the processed text, assigned, scored by the sentiment head, its
    company calibration fitted; themes with real centres and the fit state a fit leaves; the
    themes' kept sums counted (:mod:`feedback.themes.sums`)."""
    from feedback.embed import DEFAULT_BACKEND, Embedder
    from feedback.text.process import PROCESS_VERSION
    from feedback.text.sentiment_model import MIN_CALIBRATION, load_head
    from feedback.themes import recut, store
    from feedback.themes.segment_sentiment import LEXICON_VERSION, STATE_KEY, current_calibration
    from feedback.themes.settings import ThemeSettings
    from feedback.warehouse import now_iso, open_warehouse

    db = open_warehouse(path)
    with db.conn:
        db.execute("update processed set version = ?", [PROCESS_VERSION])
        db.execute("""update theme_segments set assigned_at = created_at, source_hash =
                      (select p.text_hash from processed p where p.item_id = theme_segments.item_id)""")
        ids = [r[0] for r in db.execute("select id from themes where status = 'active' order by id")]
        db.conn.executemany("update themes set centroid = ? where id = ?",
                            [(centroids[n % len(centroids)].tobytes(), tid) for n, tid in enumerate(ids)])
        segments = db.execute("select count(*) from theme_segments where themable = 1").fetchone()[0]
        stamp = now_iso()
        store.set_state(db, "last_fit", {"run": stamp, "segments": segments, "event": "fit",
                                         "settings": ThemeSettings().model_dump(mode="json")})
        # the past nights cut the archive with this segmenter: tonight does not cut a million comments again (without
        # this record every night of the benchmark since segmenter versions were kept re-cut the whole archive)
        store.set_state(db, recut.SEGMENTED_BY, recut.cut_by(ThemeSettings().read_whole))
    # a past night has fitted the company calibration on the rated comments it had (and kept it,
    # applied or not): tonight refits only when they have grown by a fifth
    head = load_head()
    calibration = current_calibration(db, Embedder(backend=DEFAULT_BACKEND), head, MIN_CALIBRATION)
    with db.conn:
        through = db.execute("select max(created_at) from theme_segments").fetchone()[0]
        store.set_state(db, STATE_KEY, {"head": head.version, "through": through, "lexicon": LEXICON_VERSION,
                                        "calibration": calibration.version if calibration else None})
    # a past night left the themes' kept sums counted and their change log applied: without this the first night
    # counted every segment of the archive again (~19 s at 1M), as no real night after the first fit does
    with db.atomic():
        store.refresh_theme_stats(db, full=True)
    db.close()


def child(*args: str) -> dict[str, Any]:
    """Run this script with ``args`` in a fresh interpreter; its last output line is its JSON result."""
    done = subprocess.run([sys.executable, __file__, *args], check=True, stdout=subprocess.PIPE, text=True,
                          env={**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"})
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _peak_gib() -> float:
    """This process's peak RSS, GiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


class WorkerPeak:
    """The largest RSS any descendant process (the process stage's fork server and workers)
    reached, sampled every 0.2 s in a thread: they are not this process's children to wait for,
    so ``RUSAGE_CHILDREN`` does not see them. Needs psutil (``pip install -e '.[bench]'``)."""

    def __init__(self) -> None:
        import threading

        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        import psutil

        me = psutil.Process()
        while not self._stop.wait(0.2):
            for proc in me.children(recursive=True):
                try:
                    self.peak = max(self.peak, proc.memory_info().rss)
                except psutil.Error:
                    continue

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak / 2**30


def run_publish(root: Path) -> dict[str, Any]:
    """The setup's full publish of the existing archive (a child of its own: its memory is given back)."""
    from feedback.config import load_config
    from feedback.pipeline import publish_archive
    from feedback.warehouse import open_warehouse

    config = load_config(root / "config.yml")
    started = time.perf_counter()
    result = publish_archive(open_warehouse(config.warehouse), config, full=True)
    return {"seconds": time.perf_counter() - started, "peak": _peak_gib(), "comments": result.feedback}


def run_night(root: Path) -> dict[str, Any]:
    """One night, stage by stage, as the nightly flow calls the library; timings and what was loaded."""
    from feedback.config import load_config
    from feedback.pipeline import ingest_source, process, publish_archive
    from feedback.text.names import load_model
    from feedback.themes import make_embedder, store, update_themes
    from feedback.themes.settings import with_overrides
    from feedback.warehouse import open_warehouse

    config = load_config(root / "config.yml")
    db = open_warehouse(config.warehouse)
    workers = WorkerPeak()
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    new = ingest_source(db, config, "reviews", SECRET).new
    seconds["ingest"] = time.perf_counter() - started

    ner = load_model.cache_info()
    started = time.perf_counter()
    processed = process(db, config)
    seconds["process"] = time.perf_counter() - started
    redactor_built = load_model.cache_info() != ner

    started = time.perf_counter()
    settings = with_overrides(config.themes, config.base_dir, {})
    embedder = make_embedder(settings)  # the flow's assign-themes task: one embedder, loaded on first use
    segmented = store.segment_new(db)
    embedded = store.embed_pending(db, embedder)
    seconds["segment+embed"] = time.perf_counter() - started

    started = time.perf_counter()
    themes = update_themes(db, settings, embedder)
    seconds["assign"] = time.perf_counter() - started

    started = time.perf_counter()
    published = publish_archive(db, config)
    seconds["publish"] = time.perf_counter() - started
    own, largest = _peak_gib(), workers.stop()
    return {"seconds": seconds, "load": os.getloadavg()[1], "new": new, "processed": processed, "segmented": segmented, "embedded": embedded,
            "themes": {k: themes.get(k) for k in ("mode", "assigned", "themes_new", "themes_total",
                                                  "outlier_share")},
            "publish_mode": published.mode, "published_changed": published.changed,
            "model_loaded": "model" in embedder.__dict__, "redactor_built": redactor_built,
            "peak": own, "workers_peak": largest}


def night_line(label: str, night: dict[str, Any]) -> str:
    stages = " | ".join(f"{stage} {night['seconds'][stage]:5.1f} s" for stage in STAGES)
    total = sum(night["seconds"].values())
    return (f"{label}: {stages} | total {total:5.1f} s | peak RSS {night['peak']:.2f} GiB"
            f" (largest worker {night['workers_peak']:.2f} GiB) | machine load (5 min) {night['load']:.1f}")


def synthetic(path: Path, existing: int, reuse: Path | None) -> None:
    """The synthetic warehouse of ``existing`` comments at ``path``: built, or copied from ``reuse``
    where an earlier run left one built for the same embedding version (the
    1M build takes minutes; what a night costs does not depend on where its warehouse came from)."""
    from feedback.embed import DEFAULT_BACKEND, Embedder

    if reuse is None:
        build_warehouse(path, existing, random.Random(42))
        return
    key = f"{existing}-{Embedder(backend=DEFAULT_BACKEND).version}"  # a later migration applies on opening
    cached = reuse / f"synthetic-{key}.db"
    if not cached.exists():
        build_warehouse(path, existing, random.Random(42))
        reuse.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, cached.with_suffix(".tmp"))
        os.replace(cached.with_suffix(".tmp"), cached)
    else:
        shutil.copyfile(cached, path)


def one_size(existing: int, new: int, keep: Path | None, centroids: np.ndarray | None,
             reuse: Path | None = None) -> list[str]:
    root = Path(tempfile.mkdtemp(prefix=f"nightly-{existing}-", dir=keep))
    write_config(root)
    lines = [f"existing {existing:,} comments ({root})"]
    if existing:
        started = time.perf_counter()
        synthetic(root / "warehouse.db", existing, reuse)
        assert centroids is not None
        settle(root / "warehouse.db", centroids)
        built = time.perf_counter() - started
        first = child("--publish", str(root))
        lines.append(f"  setup: synthetic warehouse in {built:.0f} s; full publish {first['seconds']:.0f} s,"
                     f" peak RSS {first['peak']:.2f} GiB")
    write_export(root / "new.csv", real_reviews(new))
    night = child("--night", str(root))
    lines.append(f"  {night['new']:,} new: ingested {night['new']:,}, processed {night['processed']:,},"
                 f" {night['segmented']:,} segments cut, {night['embedded']:,} texts embedded;"
                 f" themes {night['themes']}; publish {night['publish_mode']} ({night['published_changed']:,}"
                 " comments changed)")
    lines.append("  " + night_line(f"{new:,} new", night))
    quiet = child("--night", str(root))
    lines.append("  " + night_line("nothing new", quiet))
    lines.append(f"  nothing new: embedding model loaded {quiet['model_loaded']}, redactor built"
                 f" {quiet['redactor_built']}, themes {quiet['themes']['mode']}, publish {quiet['publish_mode']}"
                 f" ({quiet['published_changed']} comments changed)")
    lines.append(json.dumps({"existing": existing, "night": night, "quiet": quiet}))
    if keep is None:
        shutil.rmtree(root, ignore_errors=True)
    return lines


def verdicts(results: dict[int, dict[str, Any]]) -> list[str]:
    """The issue's targets against what was measured."""
    totals = {size: sum(r["night"]["seconds"].values()) for size, r in results.items()}
    lines = []
    for size, total in totals.items():
        peak = max(results[size]["night"]["peak"], results[size]["night"]["workers_peak"])
        lines.append(f"{size:>9,} existing: total {total:5.1f} s (target <= {TARGET_SECONDS:.0f} s:"
                     f" {'met' if total <= TARGET_SECONDS else 'NOT met'}), peak RSS {peak:.2f} GiB"
                     f" (target <= {TARGET_GIB:.0f} GiB: {'met' if peak <= TARGET_GIB else 'NOT met'})")
        if size and 0 in totals:
            ratio = total / totals[0]
            lines.append(f"{'':>9}  / into an empty archive: {ratio:.2f}x (target <= {TARGET_RATIO:.0f}x:"
                         f" {'met' if ratio <= TARGET_RATIO else 'NOT met'})")
        quiet = results[size]["quiet"]
        idle = not quiet["model_loaded"] and not quiet["redactor_built"] and quiet["themes"]["mode"] == "unchanged"
        lines.append(f"{'':>9}  nothing new: {sum(quiet['seconds'].values()):.1f} s, no model, redactor or"
                     f" clustering work: {'met' if idle else 'NOT met'}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="0,200000,1000000",
                        help="existing comments in the archive, comma-separated (default 0,200000,1000000)")
    parser.add_argument("--new", type=int, default=2000, help="new comments tonight (real reviews)")
    parser.add_argument("--keep", type=Path, help="build the archives in this folder and keep them")
    parser.add_argument("--reuse", type=Path, help="keep each synthetic warehouse, before it is settled, in this"
                        " folder, and start from it when a later run asks for the same size")
    parser.add_argument("--night", type=Path, help=argparse.SUPPRESS)  # a child: one timed night
    parser.add_argument("--publish", type=Path, help=argparse.SUPPRESS)  # a child: the setup's full publish
    args = parser.parse_args()
    if args.night or args.publish:
        print(json.dumps(run_night(args.night) if args.night else run_publish(args.publish)))
        return
    try:
        sizes = [int(part) for part in args.sizes.split(",") if part.strip()]
    except ValueError:
        parser.error(f"--sizes: comma-separated whole numbers, not {args.sizes!r}")
    if not sizes or any(size < 0 for size in sizes) or args.new < 1:
        parser.error("--sizes needs at least one size >= 0, --new at least 1")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    centroids = real_centroids() if any(sizes) else None
    results: dict[int, dict[str, Any]] = {}
    lines: list[str] = []
    for size in sizes:
        found = one_size(size, args.new, args.keep, centroids, args.reuse)
        results[size] = json.loads(found.pop())
        lines += found
        print("\n".join(found), flush=True)
    lines += ["", *verdicts(results)]
    write_results(f"Nightly run at scale, {args.new:,} new into {', '.join(f'{s:,}' for s in sizes)}",
                  f"bench/nightly_scale.py --sizes {args.sizes} --new {args.new} (each night in a child process"
                  " of its own; peak RSS is that child's, and its largest worker's)", lines)


if __name__ == "__main__":
    main()
