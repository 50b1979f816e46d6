"""Which file an incremental publish writes into: the previous archive, or a copy of the one in place.

Copying the archive in place costs its size every night (2.7 GiB at 1M comments: 18-30 s on a
shared ext4 disk, bench/RESULTS.md), whatever the night brought. So each publish keeps the
archive it replaces beside the new one, as a hard link (``.archive.db.prev``: no copy), and the
next publish brings that file up to date in place from its own recorded state (the changes since
it was built: two nights' instead of one) rather than copying, when applying the night before
again costs less than the copy (:func:`cheaper_than_a_copy`, from what this warehouse's publishes
measured: a copy's seconds per byte, an apply's seconds per change; at 1M comments applying a busy
night's 2,000 changes again cost about twice a copy, so a busy night after a busy night copies).

Served archives are opened read-only and often ``immutable`` (``datasette serve --immutable``:
SQLite then takes no lock and trusts the file never to change), so no SQLite lock can tell whether
a reader still reads the previous archive. It is reused only when no process holds it open, as a
descriptor or a memory map, of any user: the kernel grants a write lease only on such a file
(:func:`held_open`); when that cannot be told (a file system without leases), the archive in
place is copied as before. A reader never reaches
the previous archive by its name: it is the file the archive's name left at the last swap, and
``feedback.serve.reload`` reopens a served archive whose file changed before any request.

A night with nothing new (no change logged since the archive in place was built, and every
table a publish recomputes as the archive shows it: :func:`nothing_new`) writes nothing: no copy,
no apply, no state recorded; the previous archive stays as far behind as it was recorded.

The previous archive is first renamed to the publish's temporary file (``.archive.db.<pid>.tmp``)
and only then changed: a publish killed at any point leaves the archive in place served and at
most a temporary file for the next publish to remove (it then copies).
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import sqlite3
from pathlib import Path
from typing import Any

import sqlite_utils

from feedback import publish_state
from feedback.insights.vector_codes import codes_current
from feedback.publish_delta import IncrementalExtension
from feedback.publish_state import Changes

log = logging.getLogger(__name__)
F_SETLEASE = getattr(fcntl, "F_SETLEASE", 1024)  # Linux
# Applying one more comment's changes costs about what copying 3 MB of archive does, until this
# warehouse's publishes have measured both (:func:`measure`): 1M archive, bench/RESULTS.md: 3,997
# changes applied to the previous archive in 27.2 s, 2,000 in 10.3 s after copying 3.36 GB in ~8.5 s
# (page cache warm, a loaded machine; 20-30 s cold): ~8.5 ms per extra change, ~2.5 ns per byte
BYTES_PER_CHANGE = 3_000_000
COSTS = "publish_costs"  # publish_state key: {"change": seconds per change applied to the previous archive,
#                                              "byte": seconds per byte of archive copied}, the last measured
MEASURED_MIN = 500  # an apply of fewer changes is mostly its fixed costs: not a measure of one change


def previous_path(target: Path) -> Path:
    """Where the archive the one in place replaced is kept."""
    return target.with_name(f".{target.name}.prev")


def held_open(path: Path) -> bool | None:
    """Does any process hold the file at ``path`` open (a descriptor or a memory map, any user)?
    None when that cannot be told (a file system without leases, a file we do not own).

    The kernel answers: a write lease (``F_SETLEASE``) is granted only on a file no other open
    file refers to; it is released at once."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.fcntl(fd, F_SETLEASE, fcntl.F_WRLCK)
    except OSError as error:
        return True if error.errno in (errno.EAGAIN, errno.EBUSY) else None
    else:
        fcntl.fcntl(fd, F_SETLEASE, fcntl.F_UNLCK)
        return False
    finally:
        os.close(fd)


def usable_previous(target: Path) -> tuple[bool, str]:
    """(True, "") when the previous archive beside ``target`` may be changed in place, else
    (False, why not)."""
    previous = previous_path(target)
    if not previous.exists():
        return False, "no previous archive"
    if target.exists() and os.path.samefile(previous, target):
        return False, "the previous archive is the archive in place"  # a publish killed between link and swap
    holding = held_open(previous)
    if holding is None:
        return False, "cannot tell whether a process reads the previous archive"
    if holding:
        return False, "a process still has the previous archive open"
    return True, ""


def cheaper_than_a_copy(extra: int, target: Path, measured: dict[str, float] | None = None) -> bool:
    """Is applying ``extra`` more changes (the previous archive's night) cheaper than copying
    the archive at ``target``? From this warehouse's ``measured`` costs (:func:`measured_costs`)
    when both are known, else :data:`BYTES_PER_CHANGE`."""
    measured = measured or {}
    per_change: float = BYTES_PER_CHANGE
    if measured.get("change") and measured.get("byte"):
        per_change = measured["change"] / measured["byte"]
    return extra * per_change <= target.stat().st_size


def measured_costs(warehouse: sqlite_utils.Database) -> dict[str, float]:
    """The costs earlier publishes measured; a value that is not a positive number (a damaged
    state) is left out, so the rule falls back to :data:`BYTES_PER_CHANGE` rather than fail."""
    try:
        stored = publish_state.get(warehouse, COSTS)
    except ValueError:  # not JSON
        return {}
    if not isinstance(stored, dict):
        return {}
    return {key: float(value) for key, value in stored.items()
            if key in ("change", "byte") and isinstance(value, int | float) and not isinstance(value, bool)
            and 0 < value < float("inf")}


def measure(warehouse: sqlite_utils.Database, base: str, copy_seconds: float, size: int, apply_seconds: float,
            changes: int) -> None:
    """Record what an incremental publish measured: a copy's seconds per byte, or (``MEASURED_MIN``
    changes or more applied to the previous archive) its seconds per change."""
    costs = measured_costs(warehouse)
    if base == "copy" and copy_seconds > 0 and size:
        costs["byte"] = copy_seconds / size
    elif base == "previous" and changes >= MEASURED_MIN:
        costs["change"] = apply_seconds / changes
    else:
        return
    publish_state.put(warehouse, COSTS, costs)


def keep_previous(target: Path) -> None:
    """Keep the archive in place (about to be replaced) beside it as the next publish's base."""
    previous = previous_path(target)
    previous.unlink(missing_ok=True)
    if target.exists():
        try:
            os.link(target, previous)
        except OSError as error:  # a file system without hard links: the next publish copies
            log.info("the archive replaced is not kept for the next publish: %s", error)


def sources_current(warehouse: sqlite_utils.Database, archive: sqlite_utils.Database) -> bool:
    """Does the archive's ``sources`` table still hold, with no comment changed? Its counts, first
    and last times (an index-only count) and quarantined rows are compared; a source's channel
    only changes with an item, which the change log records."""
    if not archive.table("sources").exists():
        return False
    shown = {r[0]: tuple(r[1:]) for r in archive.execute(
        "select name, items, first_received, last_received, quarantined from sources")}
    now = {r[0]: (*r[1:], 0) for r in warehouse.execute(
        "select source, count(*), min(received_at), max(received_at) from items group by source")}
    for source, quarantined in warehouse.execute("select source, count(*) from quarantine group by source"):
        if source in now:
            now[source] = (*now[source][:3], quarantined)
    return shown == now


def nothing_new(warehouse: sqlite_utils.Database, target: Path, extensions: list[Any], changes: Changes) -> bool:
    """Does the archive in place still show what the warehouse holds? No change logged since it
    was built (``changes``), its sources and search codes the warehouse's, and every extension's
    tables current (:attr:`IncrementalExtension.current`): then nothing is written, copied or
    applied. Read-only: the archive in place may be served.

    Runs alone do not count: every nightly run records itself, so a night that found nothing would
    otherwise rewrite (at 1M comments, copy 3.4 GB of) the archive to add one row to ``runs``. Its
    run is in the warehouse and reaches the archive with the next publish that has something to
    write."""
    if changes.items or changes.emails or changes.themes_moved or changes.themes_status:
        return False
    checks = [e.current for e in extensions if isinstance(e, IncrementalExtension) and e.current is not None]
    if len(checks) != len(extensions):
        return False  # a plain extension's tables are recomputed on every publish
    archive = sqlite_utils.Database(sqlite3.connect(f"file:{target}?mode=ro", uri=True))
    try:
        return (sources_current(warehouse, archive) and codes_current(archive.conn, warehouse)
                and all(check(warehouse, archive, changes) for check in checks))
    finally:
        archive.close()
