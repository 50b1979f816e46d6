"""Benchmark: where a night's assign stage (``update_themes``) spends its time, this checkout beside a baseline (not a test).

Uses bench/nightly_stages.py's snapshots (made once in ``--snapshots``: a settled synthetic
warehouse of ``--existing`` comments with tonight's ``--new`` real reviews ingested, processed,
segmented and embedded) and runs ``update_themes`` on a fresh copy of the embedded snapshot in a
child interpreter per checkout, under cProfile counting CPU time (on a shared, loaded machine the
CPU seconds compare better than wall seconds). With ``--together`` both children run at once, so
they meet the same load. Prints, per checkout, wall and CPU seconds, the CPU seconds of the
stage's parts, and what the night did.

    .venv/bin/python bench/assign_profile.py --baseline DIR [--snapshots /tmp/nightly-stages] [--together]

``--embedded FILE``: that embedded snapshot instead (e.g. one of 1M comments made the same way);
the copies are made beside it. A checkout that keeps theme sums (feedback/themes/sums.py) counts
them once before the profiled night, as the previous night would have left them.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
REPO = Path(__file__).resolve().parent.parent
PARTS = {  # name -> pieces ("|" between) of the profiled function's "file(name)", any of which counts
    "update_themes": "engine.py(update_themes)", "pool, all": "engine.py(_propose_from_pool)|night_pool.py(propose)",
    "pool cluster.fit": "cluster.py(fit)", "HDBSCAN": "(_hdbscan_boruvka_kdtree)",
    "PCA": "_pca.py(fit_transform)", "choosing the pool": "(pool_sample)",
    "labels": "label.py(label_themes)", "segment sentiment": "(score_pending)",
    "theme statistics": "(refresh_theme_stats)", "assignment": "(_assign_pending)",
    "pool vectors": "(outlier_vectors)", "cohesion": "(theme_cohesion)",
    "claims": "(_claims)", "summary": "(_summary)", "segment_new": "(segment_new)", "embed_pending": "(embed_pending)",
}


def run_assign(folder: Path) -> dict[str, Any]:
    """A child: ``update_themes`` on the warehouse in ``folder`` (a copy), profiled."""
    import nightly_scale as ns

    from feedback.config import load_config
    from feedback.themes import make_embedder, update_themes
    from feedback.themes.settings import with_overrides
    from feedback.warehouse import open_warehouse

    ns.write_config(folder)
    config = load_config(folder / "config.yml")
    settings = with_overrides(config.themes, config.base_dir, {})
    embedder = make_embedder(settings)
    db = open_warehouse(config.warehouse)
    from feedback import themes

    if (Path(themes.__file__).parent / "sums.py").exists():  # the previous night's sums
        from feedback.themes import store

        store.refresh_theme_stats(db, full=True)  # type: ignore[call-arg]
        db.conn.commit()
    profile = cProfile.Profile(time.process_time)
    wall, cpu = time.perf_counter(), time.process_time()
    profile.enable()
    stats = update_themes(db, settings, embedder)
    profile.disable()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    found = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    parts = {name: round(sum(v[3] for k, v in found.items()
                             if any(p in f"{Path(k[0]).name}({k[2]})" for p in piece.split("|"))), 1)
             for name, piece in PARTS.items()}
    db.close()
    return {"wall": wall, "cpu": cpu, "parts": parts,
            "did": {k: stats.get(k) for k in ("assigned", "themes_new", "themes_total", "outlier_share")}}


def start(code: Path, folder: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(code), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    return subprocess.Popen([sys.executable, __file__, "--child", str(folder)], stdout=subprocess.PIPE, text=True,
                            env=env)


def finish(child: subprocess.Popen[str]) -> dict[str, Any]:
    out, _ = child.communicate()
    if child.returncode:
        sys.exit(f"a child failed ({child.returncode})")
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, help="a checkout of the project to compare with")
    parser.add_argument("--snapshots", type=Path, default=Path("/tmp/nightly-stages"))
    parser.add_argument("--existing", type=int, default=200_000)
    parser.add_argument("--new", type=int, default=2000)
    parser.add_argument("--together", action="store_true", help="run both checkouts at once")
    parser.add_argument("--embedded", type=Path, help="an embedded snapshot to use instead of --snapshots")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_assign(args.child)))
        return
    if args.baseline is None or not (args.baseline / "feedback").is_dir():
        parser.error("--baseline: a checkout of the project (a folder holding feedback/)")
    import nightly_stages

    if args.embedded is None:
        nightly_stages.make_snapshots(args.snapshots, args.existing, args.new)
    embedded = args.embedded or args.snapshots / "embedded.db"
    runs: dict[str, Any] = {}
    children = {}
    for who, code in (("baseline", args.baseline), ("this", REPO)):
        folder = embedded.parent / f"profile-{who}"
        folder.mkdir(exist_ok=True)
        shutil.copy(embedded, folder / "warehouse.db")
        for extra in ("-wal", "-shm"):
            Path(f"{folder / 'warehouse.db'}{extra}").unlink(missing_ok=True)
        children[who] = start(code, folder)
        if not args.together:
            runs[who] = finish(children[who])
    for who, child in children.items():
        if who not in runs:
            runs[who] = finish(child)
    for who, run in runs.items():
        print(f"{who:8s} wall {run['wall']:6.1f} s, CPU {run['cpu']:6.1f} s; {run['did']}")
        print("          " + ", ".join(f"{k} {v:.1f}" for k, v in run["parts"].items()))


if __name__ == "__main__":
    main()
