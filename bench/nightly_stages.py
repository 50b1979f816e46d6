"""Benchmark: a night's process and assign stages, and a night with nothing new, against a baseline checkout (not a test).

``bench/nightly_scale.py`` times a whole night once; this times the stages that should cost what
is new, on copies of the same snapshots, alternating this checkout's code with a baseline's
(``--baseline``: another checkout of the project, e.g. ``git worktree add /tmp/base main``) in
fresh child interpreters, so both meet the same machine. The snapshots, made once with this
checkout and kept in ``--snapshots``: a settled warehouse of ``--existing`` synthetic comments
(``nightly_scale.py``'s setup) with tonight's ``--new`` real reviews ingested; the same after
the process stage, segmenting and embedding; the same after the assign stage.

- process: ``pipeline.process`` from the ingested snapshot (redaction, language, sentiment)
- assign:  ``update_themes`` from the embedded snapshot (assignment, outlier pool, statistics)
- quiet:   the process, segment+embed and assign stages of a night with nothing new

The snapshots are made by this checkout; the baseline's copies have this checkout's migration 0120
taken out (its indexes dropped, its record removed), as a warehouse the baseline left would be.

    .venv/bin/python bench/nightly_stages.py --baseline DIR [--existing 200000] [--new 2000] [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
REPO = Path(__file__).resolve().parent.parent
STAGES = {"process": "ingested", "assign": "embedded", "quiet": "assigned"}


def make_snapshots(folder: Path, existing: int, new: int) -> None:
    """The four snapshots (see the module docstring), unless they are there already."""
    import random

    import nightly_scale as ns
    from archive_scale import build_warehouse

    from feedback.config import load_config
    from feedback.pipeline import ingest_source, process
    from feedback.themes import make_embedder, store, update_themes
    from feedback.themes.settings import with_overrides
    from feedback.warehouse import open_warehouse

    if all((folder / f"{name}.db").exists() for name in STAGES.values()):
        return
    root = folder / "night"
    root.mkdir(parents=True, exist_ok=True)
    ns.write_config(root)
    path = root / "warehouse.db"
    build_warehouse(path, existing, random.Random(42))
    ns.settle(path, ns.real_centroids())
    ns.write_export(root / "new.csv", ns.real_reviews(new))
    config = load_config(root / "config.yml")
    settings = with_overrides(config.themes, config.base_dir, {})
    embedder = make_embedder(settings)
    steps = [("ingested", lambda db: ingest_source(db, config, "reviews", ns.SECRET)),
             ("processed", lambda db: process(db, config)),
             ("embedded", lambda db: (store.segment_new(db), store.embed_pending(db, embedder))),
             ("assigned", lambda db: update_themes(db, settings, embedder))]
    for name, step in steps:
        db = open_warehouse(path)
        step(db)
        db.close()  # the last connection checkpoints the WAL into the file
        shutil.copy(path, folder / f"{name}.db")


OURS = ("0120_nightly_probe_indexes", ["idx_items_probe", "idx_processed_probe",
          "idx_theme_segments_item_source", "idx_theme_segments_themable", "idx_theme_segments_themed",
          "idx_theme_segments_created_at", "idx_theme_segments_unassigned"])


def copy_for(source: Path, target: Path, baseline: bool) -> None:
    """A fresh copy of a snapshot; the baseline's without migration 0120."""
    shutil.copy(source, target)
    for extra in ("-wal", "-shm"):
        Path(f"{target}{extra}").unlink(missing_ok=True)
    if baseline:
        conn = sqlite3.connect(target)
        for name in OURS[1]:
            conn.execute(f'drop index if exists "{name}"')
        conn.execute("delete from _migrations where name = ?", [OURS[0]])
        conn.commit()
        conn.close()


def run_stage(stage: str, folder: Path) -> dict[str, Any]:
    """A child: one stage on the warehouse in ``folder`` (a copy), timed; what it did."""
    import nightly_scale as ns

    from feedback.config import load_config
    from feedback.pipeline import process
    from feedback.themes import make_embedder, store, update_themes
    from feedback.themes.settings import with_overrides
    from feedback.warehouse import open_warehouse

    ns.write_config(folder)
    config = load_config(folder / "config.yml")
    settings = with_overrides(config.themes, config.base_dir, {})
    embedder = make_embedder(settings)
    db = open_warehouse(config.warehouse)
    laps: dict[str, float] = {}
    started = time.perf_counter()
    if stage == "process":
        did: Any = process(db, config)
    elif stage == "assign":
        did = {k: v for k, v in update_themes(db, settings, embedder).items()
               if k in ("assigned", "themes_new", "themes_total", "outlier_share")}
    else:
        process(db, config)
        laps["process"] = time.perf_counter() - started
        store.segment_new(db)
        store.embed_pending(db, embedder)
        laps["segment+embed"] = time.perf_counter() - started - laps["process"]
        did = update_themes(db, settings, embedder)["mode"]
        laps["assign"] = time.perf_counter() - started - laps["process"] - laps["segment+embed"]
    seconds = time.perf_counter() - started
    found = {"seconds": seconds, "laps": laps, "did": did, "digest": digest(db)}
    db.close()
    return found


DIGESTED = {  # what a stage leaves, without when it ran (run stamps differ from run to run)
    "processed": "item_id, text_hash, version, title, text, language, sentiment",
    "theme_segments": "id, item_id, seq, source_hash, text, text_hash, themable, language, sentiment, theme_id, score",
    "themes": "id, label, keywords, parent_id, level, status, merged_into, split_of, size, comments, sentiment,"
              " first_seen, last_seen, is_new, representatives, centroid, model, model_version",
    "theme_history": "theme_id, event, label, size, details",
}


def digest(db: Any) -> str:
    """A hash of what the stages write, in key order: equal digests, equal warehouses."""
    import hashlib

    total = hashlib.sha256()
    for table, columns in DIGESTED.items():
        key = "id, event" if table == "theme_history" else columns.split(",")[0]
        for row in db.execute(f"select {columns} from {table} order by {key}"):
            total.update(repr(tuple(row)).encode())
    return total.hexdigest()[:16]


def child(code: Path, stage: str, folder: Path) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(code), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    done = subprocess.run([sys.executable, __file__, "--stage", stage, "--folder", str(folder)], check=True,
                          stdout=subprocess.PIPE, text=True, env=env)
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, help="a checkout of the project to compare with")
    parser.add_argument("--snapshots", type=Path, default=Path("/tmp/nightly-stages"))
    parser.add_argument("--existing", type=int, default=200_000)
    parser.add_argument("--new", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=2, help="runs of each stage with each code, alternating")
    parser.add_argument("--stage", help=argparse.SUPPRESS)  # a child
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:
        print(json.dumps(run_stage(args.stage, args.folder)))
        return
    if args.baseline is None or not (args.baseline / "feedback").is_dir():
        parser.error("--baseline: a checkout of the project (a folder holding feedback/)")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    make_snapshots(args.snapshots, args.existing, args.new)
    results: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for _ in range(args.rounds):
        for stage, snapshot in STAGES.items():
            for who, code in (("baseline", args.baseline), ("this", REPO)):
                folder = args.snapshots / f"run-{who}-{stage}"
                folder.mkdir(exist_ok=True)
                copy_for(args.snapshots / f"{snapshot}.db", folder / "warehouse.db", who == "baseline")
                found = child(code, stage, folder)
                results.setdefault((stage, who), []).append(found)
                print(f"{stage:8s} {who:8s} {found['seconds']:7.2f} s  {found['did']}  {found['digest']}"
                      f"  {({k: round(v, 2) for k, v in found['laps'].items()}) or ''}", flush=True)
    lines = []
    for stage in STAGES:
        base = statistics.median(r["seconds"] for r in results[(stage, "baseline")])
        this = statistics.median(r["seconds"] for r in results[(stage, "this")])
        same = len({r["digest"] for who in ("baseline", "this") for r in results[(stage, who)]}) == 1
        lines.append(f"{stage:8s}: baseline {base:6.2f} s, this {this:6.2f} s, this / baseline {this / base:.2f};"
                     f" warehouse after it {'the same' if same else 'DIFFERENT'}"
                     f" (did: {results[(stage, 'this')][-1]['did']})")
        if stage == "quiet":
            for who in ("baseline", "this"):
                laps = results[("quiet", who)][-1]["laps"]
                lines.append(f"          {who} laps: " + ", ".join(f"{k} {v:.2f} s" for k, v in laps.items()))
    from archive_scale import write_results

    write_results(f"Nightly stages, {args.new:,} new into {args.existing:,}, against a baseline",
                  f"bench/nightly_stages.py --existing {args.existing} --new {args.new} --rounds {args.rounds}"
                  " (each run a fresh interpreter on a fresh copy of the snapshot;"
                  " medians; baseline and this checkout alternate)", lines)


if __name__ == "__main__":
    main()
