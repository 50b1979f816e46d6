"""Print a digest of a published archive: per table, its row count and a hash of its rows.

Used to check that a change which should not alter what users see (a refactoring) publishes
the same sample archive: run the sample nightly before and after, then compare the two outputs.
Columns that record when something ran (timestamps of the run itself) are left out.

    python scripts/archive_digest.py data/archive.db > after.txt && diff before.txt after.txt

``--ignore table.column`` (repeatable) leaves out columns a change altered on purpose.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import sys

# when the run happened, not what it found
VOLATILE = {
    "started", "finished", "published_at", "built_at", "ingested_at", "processed_at", "parameters",
    "details", "run_id", "generated_at", "seconds", "last_checked", "created_at", "changed_at", "at",
    "first_seen",  # today the time of the fit (issue 12 makes it the first comment's date)
    "build_id", "build_mode", "covers_change",  # which publish wrote the archive and when, not what it holds
    "fitted_at",  # when the sentiment calibration was fitted (the archive's sentiment_calibration)
}
LOCAL_PORT = re.compile(r"127\.0\.0\.1:\d+")  # the sample review site is served on a free port


def _value(v: object) -> object:
    if isinstance(v, bytes):
        return v.hex()
    if isinstance(v, str):
        return LOCAL_PORT.sub("127.0.0.1:PORT", v)
    return v


def digest(path: str, ignore: frozenset[str] = frozenset()) -> dict[str, str]:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    out = {}
    tables = [r[0] for r in db.execute(
        "select name from sqlite_master where type in ('table', 'view') and name not like '%_fts%'"
        " and name not like 'sqlite_%' order by name")]  # sqlite_stat1: the query planner's, not content
    for table in tables:
        columns = [r[1] for r in db.execute(f"pragma table_info([{table}])") if r[1] not in VOLATILE and f"{table}.{r[1]}" not in ignore]
        rows = db.execute(f"select {', '.join(f'[{c}]' for c in columns)} from [{table}]").fetchall()
        lines = sorted(json.dumps([_value(v) for v in row]) for row in rows)
        out[table] = f"{len(rows)} rows  {hashlib.sha256(chr(10).join(lines).encode()).hexdigest()[:16]}"
    return out


if __name__ == "__main__":
    args = sys.argv[1:]
    ignored = frozenset(args[i + 1] for i, a in enumerate(args) if a == "--ignore")
    path = next(a for i, a in enumerate(args) if a != "--ignore" and (i == 0 or args[i - 1] != "--ignore"))
    for table, line in digest(path, ignored).items():
        print(f"{table:32} {line}")
