"""Benchmark: survey ingest alone, 100k rows into a fresh warehouse, this code against a baseline.

Not a test. The baseline is the ``feedback`` package of a git revision (``--baseline``, default
``main``), exported to a temporary folder; each run is a fresh subprocess, baseline and this code
alternated, so both see the same machine load. Prints every run's wall and CPU time, the best of
each, their ratios, and a digest of what was written (every column of items but ``ingested_at``,
the quarantine, the watermarks), which must be the same for both. Appends to bench/RESULTS.md.
Target on 2 cores: >= 20k rows/s.

On a shared, loaded machine wall time says little, CPU time (``time.process_time``) a bit more;
``--instructions`` also counts the instructions each code executes per row (valgrind's
cachegrind, the difference between ingesting a small and a larger export, so that start-up and
imports cancel out): a figure that does not depend on the load at all.

    .venv/bin/python bench/survey_ingest.py [--rows 100000] [--repeats 5] [--baseline main] [--instructions]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")
ROOT = Path(__file__).resolve().parent.parent


def machine() -> str:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores, {mem:.0f} GiB, Python {platform.python_version()}"


def one_run(export: Path, digest_rows: bool = True) -> dict[str, object]:
    """Ingest ``export`` into a new warehouse with whichever ``feedback`` is first on the path
    (and digest what was written, unless ``digest_rows`` is false: instruction counts leave it out)."""
    import yaml

    from feedback.config import load_config
    from feedback.pipeline import ingest_source
    from feedback.warehouse import open_warehouse

    work = Path(tempfile.mkdtemp(prefix="feedback-survey-bench-"))
    try:
        shutil.copy(export, work / "big.csv")
        names = next(csv.reader([export.read_text(encoding="utf-8").split("\n", 1)[0]]))
        (work / "config.yml").write_text(yaml.safe_dump({"sources": [{
            "name": "bench", "channel": "survey", "paths": "big.csv",
            "columns": {"received_at": names[0], "customer": names[1],
                        "rating": {"column": names[2], "scale": "nps"}, "text": names[3:]},
        }]}))
        config = load_config(work / "config.yml")
        db = open_warehouse(config.warehouse)
        wall, cpu = time.perf_counter(), time.process_time()
        result = ingest_source(db, config, "bench", b"bench-key")
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        digest = hashlib.sha256()
        for query in () if not digest_rows else (
            "select id, source, channel, local_id, raw_hash, location, received_at, customer, rating, rating_raw,"
            " rating_scale, title, question, text, url, extra, run_id from items order by id",
            "select id, source, location, reason, snippet, raw_hash, times_seen from quarantine order by id",
            "select source, key, value from watermarks order by source, key",
        ):
            for row in db.execute(query):
                digest.update(repr(row).encode())
        db.close()
        return {"wall": wall, "cpu": cpu, "new": result.new, "quarantined": result.quarantined,
                "digest": digest.hexdigest()[:16]}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def export_revision(revision: str, into: Path) -> Path:
    """The ``feedback`` package of a git revision, unpacked under ``into``."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision, "feedback"], check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def run_in(code_root: Path, export: Path) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(code_root)}
    out = subprocess.run([sys.executable, __file__, "--one", str(export)], env=env, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def instructions(code_root: Path, export: Path) -> int:
    """Instructions valgrind counts for one ingest of ``export`` (start-up and imports included, the
    digest of what was written not: it cost ~1.2 G instructions for 20k rows, as much for either code)."""
    env = {**os.environ, "PYTHONPATH": str(code_root)}
    with tempfile.NamedTemporaryFile(suffix=".log") as log:
        subprocess.run(
            ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
             f"--log-file={log.name}", sys.executable, __file__, "--one", str(export), "--no-digest"],
            env=env, check=True, capture_output=True,
        )
        for line in Path(log.name).read_text().splitlines():
            if "I" in line and "refs:" in line:
                return int(line.rsplit(":", 1)[1].strip().replace(",", ""))
    raise RuntimeError("valgrind printed no instruction count")


def instructions_per_row(roots: dict[str, Path], work: Path, small: int, large: int) -> dict[str, float]:
    from feedback.samples import write_bench_csv

    exports = {}
    for rows in (small, large):
        exports[rows] = work / f"rows-{rows}" / "big.csv"
        write_bench_csv(exports[rows], rows, seed=1)
    per_row = {}
    for name, root in roots.items():
        counts = {rows: instructions(root, path) for rows, path in exports.items()}
        per_row[name] = (counts[large] - counts[small]) / (large - small)
        print(f"instructions {name:8s} {counts[small]:,} ({small:,} rows)  {counts[large]:,} ({large:,} rows)  "
              f"-> {per_row[name]:,.0f} a row", flush=True)
    return per_row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--baseline", default="main", help="git revision whose feedback package is the baseline")
    parser.add_argument("--instructions", action="store_true",
                        help="also count instructions per row under valgrind (2k and 20k rows; minutes)")
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)  # internal: one run, JSON on stdout
    parser.add_argument("--no-digest", action="store_true", help=argparse.SUPPRESS)  # internal, with --one
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one_run(args.one, digest_rows=not args.no_digest)))
        return

    sys.path.insert(0, str(ROOT))
    from feedback.samples import write_bench_csv

    work = Path(tempfile.mkdtemp(prefix="feedback-survey-bench-"))
    try:
        export = work / "big.csv"
        write_bench_csv(export, args.rows, seed=1)
        base_root = export_revision(args.baseline, work / "baseline")
        runs: dict[str, list[dict[str, object]]] = {"baseline": [], "this": []}
        loads = [os.getloadavg()[0]]
        for n in range(args.repeats):
            for name, root in (("baseline", base_root), ("this", ROOT)):
                run = run_in(root, export)
                runs[name].append(run)
                print(f"run {n + 1} {name:8s} wall {run['wall']:6.2f} s  cpu {run['cpu']:6.2f} s  "
                      f"digest {run['digest']}  load {os.getloadavg()[0]:.1f}", flush=True)
                loads.append(os.getloadavg()[0])
        counted = (
            instructions_per_row({"baseline": base_root, "this": ROOT}, work, 2_000, 20_000) if args.instructions else None
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)

    best = {name: (min(float(str(r["wall"])) for r in rs), min(float(str(r["cpu"])) for r in rs)) for name, rs in runs.items()}
    pairs = {
        kind: statistics.median(float(str(b[kind])) / float(str(t[kind])) for b, t in zip(runs["baseline"], runs["this"], strict=True))
        for kind in ("wall", "cpu")
    }
    digests = {str(r["digest"]) for rs in runs.values() for r in rs}
    first = runs["this"][0]
    lines = [
        f"rows: {args.rows:,} survey rows -> {first['new']:,} comments, {first['quarantined']} quarantined; "
        f"baseline: {args.baseline}; best of {args.repeats}, alternated",
        *(f"{name:8s}  wall {w:6.2f} s {args.rows / w:9,.0f} rows/s   cpu {c:6.2f} s {args.rows / c:9,.0f} rows/s of CPU"
          f" ({c / args.rows * 1e6:5.1f} us a row)"
          for name, (w, c) in best.items()),
        f"speed-up, best against best: wall x{best['baseline'][0] / best['this'][0]:.2f}, cpu x{best['baseline'][1] / best['this'][1]:.2f}",
        f"speed-up, median of the {args.repeats} pairs run back to back: wall x{pairs['wall']:.2f}, cpu x{pairs['cpu']:.2f}",
        *([f"instructions a row (valgrind): baseline {counted['baseline']:,.0f}, this {counted['this']:,.0f}, "
           f"x{counted['baseline'] / counted['this']:.2f}"] if counted else []),
        f"same rows written: {'yes' if len(digests) == 1 else 'NO: ' + ', '.join(sorted(digests))}",
        f"load average (1 min) during the runs: {min(loads):.1f}-{max(loads):.1f}",
    ]
    print("\n".join(lines))
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    with RESULTS.open("a", encoding="utf-8") as out:
        out.write(f"\n## Survey ingest, this code against {args.baseline}, {stamp} ({machine()})\n\n```\n" + "\n".join(lines) + "\n```\n")


if __name__ == "__main__":
    main()
