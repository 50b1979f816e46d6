"""Benchmark: ingest 100k survey rows into the warehouse, process them, publish the archive.

Not a test. Prints rows/s per stage and peak memory, and appends them to bench/RESULTS.md.
Targets on 2 cores: ingest >= 20k rows/s; publish 100k rows with FTS <= 15 s.

    .venv/bin/python bench/ingest_publish.py [--rows 100000]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import yaml

from feedback.config import load_config
from feedback.pipeline import ingest_source, process
from feedback.publish import publish
from feedback.samples import write_bench_csv
from feedback.warehouse import open_warehouse

RESULTS = Path(__file__).with_name("RESULTS.md")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine() -> str:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores, {mem:.0f} GiB, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="feedback-bench-"))
    try:
        export = work / "big.csv"
        write_bench_csv(export, args.rows, seed=1)
        header = export.read_text(encoding="utf-8").splitlines()[0]
        import csv

        names = next(csv.reader([header]))
        config_path = work / "config.yml"
        config_path.write_text(yaml.safe_dump({
            "sources": [{
                "name": "bench", "channel": "survey", "paths": "big.csv",
                "columns": {"received_at": names[0], "customer": names[1],
                            "rating": {"column": names[2], "scale": "nps"}, "text": names[3:]},
            }],
        }))
        config = load_config(config_path)
        db = open_warehouse(config.warehouse)

        t0 = time.perf_counter()
        result = ingest_source(db, config, "bench", b"bench-key")
        ingest_s = time.perf_counter() - t0
        ingest_peak = peak_mb()

        t0 = time.perf_counter()
        processed = process(db, config)  # as the nightly run: names (NER) included, one worker per core
        process_s = time.perf_counter() - t0

        t0 = time.perf_counter()
        published = publish(db, config.archive)
        publish_s = time.perf_counter() - t0

        t0 = time.perf_counter()
        again = ingest_source(db, config, "bench", b"bench-key")
        rerun_s = time.perf_counter() - t0
        size_mb = config.archive.stat().st_size / 2**20
    finally:
        shutil.rmtree(work, ignore_errors=True)

    lines = [
        f"rows: {args.rows:,} survey rows -> {result.new:,} comments",
        f"ingest:  {ingest_s:6.2f} s  {args.rows / ingest_s:9,.0f} rows/s  ({result.new / ingest_s:,.0f} comments/s)  peak {ingest_peak:,.0f} MB",
        f"process: {process_s:6.2f} s  {processed / process_s:9,.0f} comments/s (redact incl. names + language + sentiment, "
        f"{config.processing.worker_count()} processes, redactor load included)",
        f"publish: {publish_s:6.2f} s  {published.feedback / publish_s:9,.0f} comments/s with FTS5 + indexes ({size_mb:.0f} MB archive)",
        f"rerun of unchanged input: {rerun_s:.2f} s, {again.new} new",
        f"peak memory: {peak_mb():,.0f} MB",
    ]
    print("\n".join(lines))
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    with RESULTS.open("a", encoding="utf-8") as out:
        out.write(f"\n## Ingest and publish, {stamp} ({machine()})\n\n```\n" + "\n".join(lines) + "\n```\n")


if __name__ == "__main__":
    main()
