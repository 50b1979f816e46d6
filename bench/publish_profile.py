"""Profile one nightly publish of a night directory (warehouse.db, archive.db, config.yml), as
the nightly flow calls it: wall and CPU seconds, what it did, and where the time went.

    python bench/publish_profile.py DIR [--touch N] [--base previous|copy] [--profile out.prof] [--top 25]

``--touch N`` first logs N comments of the warehouse as changed (as an edited or re-themed
comment is: republished with every table of theirs), drawn at random with a fixed seed; the
publish then applies them (and whatever the previous archive missed, when it starts from that).
``--base`` makes an incremental publish start from the previous archive (whenever it can be)
or from a copy of the archive in place, whatever the rule says (``publish_base.cheaper_than_a_copy``).
The directory is changed (the publish swaps an archive in and records its state): run it on a
copy. CPU seconds (time.process_time) are the figure to compare on a shared machine.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import random
import time
from pathlib import Path

from feedback import publish_base
from feedback.config import load_config
from feedback.pipeline import archive_extensions
from feedback.publish import publish
from feedback.warehouse import open_warehouse


def touch(db: object, count: int, seed: int = 7) -> int:
    """Log ``count`` published comments as changed; returns how many were logged."""
    ids = [r[0] for r in db.execute("select item_id from processed order by item_id")]  # type: ignore[attr-defined]
    chosen = random.Random(seed).sample(ids, min(count, len(ids)))
    with db.conn:  # type: ignore[attr-defined]
        db.conn.executemany("insert into publish_changes (kind, key) values ('item', ?)",  # type: ignore[attr-defined]
                            [(i,) for i in chosen])
    return len(chosen)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--touch", type=int, default=0, help="log this many comments as changed first")
    parser.add_argument("--seed", type=int, default=7, help="which comments --touch draws")
    parser.add_argument("--base", choices=["previous", "copy"], help="start from this, whatever the rule says")
    parser.add_argument("--profile", type=Path, help="profile, and write the cProfile statistics here")
    parser.add_argument("--top", type=int, default=25, help="functions to print, by cumulative time")
    args = parser.parse_args()

    if args.base:
        always = args.base == "previous"
        publish_base.cheaper_than_a_copy = lambda *_: always  # type: ignore[assignment]
    config = load_config(args.folder / "config.yml")
    db = open_warehouse(config.warehouse)
    if args.touch:
        print(f"touched {touch(db, args.touch, args.seed):,} comments")
    extensions = archive_extensions(config)  # imported before the clock starts, as in a nightly run
    profiler = cProfile.Profile() if args.profile else None
    wall, cpu = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    result = publish(db, config.archive, extensions=extensions)
    if profiler:
        profiler.disable()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"update_archive {result.seconds:.1f} s wall")
    print(f"publish {result.mode} on {result.base or '-'}: {result.changed:,} changed, {result.feedback:,} comments;"
          f" wall {wall:.1f} s, CPU {cpu:.1f} s")
    if profiler:  # CPU seconds with the profiler on are inflated: compare runs without it
        profiler.dump_stats(args.profile)
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(args.top)
        print(out.getvalue())


if __name__ == "__main__":
    main()
