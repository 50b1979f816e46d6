"""A run or a publish killed midway is closed by the next run: its row in ``runs`` says
``interrupted`` (not ``running`` for ever, nor ``completed`` when nothing was published) and the
half-built archive it left is removed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from feedback.publish import publish, remove_stale_temporaries
from feedback.warehouse import open_warehouse, run_record
from feedback.warehouse.runs import host_id, process_alive, process_started, publish_record

REPO = Path(__file__).resolve().parents[1]


def dead_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.fixture
def live_pid() -> Iterator[int]:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        yield child.pid
    finally:
        child.kill()
        child.wait()


def killed_python(code: str, tmp_path: Path) -> None:
    """Run ``code`` in a fresh interpreter that is expected to SIGKILL itself."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=tmp_path, env=env, check=False,
                          capture_output=True, text=True)
    assert done.returncode == -signal.SIGKILL, done.stderr


def runs(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    rows = list(db.query("select id, status, finished, details from runs order by id"))
    for row in rows:
        row["details"] = json.loads(row["details"] or "{}")
    return rows


def add_run(db: sqlite_utils.Database, status: str, details: dict[str, Any]) -> int:
    table = db.table("runs").insert({"flow": "nightly", "parameters": "{}", "started": "2026-09-14T02:00:00Z",
                                     "status": status, "details": json.dumps(details, sort_keys=True)})
    return int(table.last_pk or 0)


def test_a_killed_run_is_closed_as_interrupted_by_the_next(tmp_path: Path) -> None:
    killed_python(
        """
        import os, signal
        from feedback.warehouse import open_warehouse, run_record
        db = open_warehouse("w.db")
        with run_record(db, "nightly", {}) as (run_id, counts, details):
            os.kill(os.getpid(), signal.SIGKILL)
        """,
        tmp_path,
    )
    db = open_warehouse(tmp_path / "w.db")
    [killed] = runs(db)
    assert killed["status"] == "running"  # nothing could record its end
    with run_record(db, "nightly", {}):
        pass
    first, second = runs(db)
    assert (first["status"], second["status"]) == ("interrupted", "completed")
    assert first["finished"] is not None
    assert first["details"] == {"interrupted": "the run's process ended before the run did (killed?)"}


def test_a_run_killed_while_publishing_is_not_completed(tmp_path: Path) -> None:
    killed_python(
        """
        import os, signal
        from feedback.publish import publish
        from feedback.warehouse import open_warehouse, run_record
        from feedback.warehouse.runs import publish_record

        def killed_midway(db):
            os.kill(os.getpid(), signal.SIGKILL)

        db = open_warehouse("w.db")
        with run_record(db, "nightly", {}, publish_follows=True) as (run_id, counts, details):
            counts.new += 2
        with publish_record(db, run_id):
            publish(db, "archive.db", extensions=[killed_midway])
        """,
        tmp_path,
    )
    left = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".archive.db."))
    assert len(left) == 1 and left[0].endswith(".tmp")  # the half-built archive
    db = open_warehouse(tmp_path / "w.db")
    with run_record(db, "nightly", {}, publish_follows=True) as (run_id, _, _):
        pass
    with publish_record(db, run_id) as done:
        done["published"] = publish(db, tmp_path / "archive.db").feedback
    first, second = runs(db)
    assert first["status"] == "interrupted"
    assert first["details"] == {
        "interrupted": "the run's process ended before the archive was published (the run itself was completed)"}
    assert (second["status"], second["details"]) == ("completed", {"published": 0})
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".archive.db.") and p.suffix == ".tmp"] == []
    # The archive shows the runs without the bookkeeping of who ran them.
    archive = sqlite_utils.Database(tmp_path / "archive.db")
    assert [json.loads(r["details"]) for r in archive.query("select details from runs order by id")] == [
        first["details"], {}]


def test_only_runs_whose_process_is_gone_are_closed(tmp_path: Path, live_pid: int) -> None:
    db = open_warehouse(tmp_path / "w.db")
    here, gone = host_id(), dead_pid()
    ids = {
        "dead": add_run(db, "running", {"owner": {"pid": gone, "host": here, "started": None}}),
        "legacy": add_run(db, "running", {}),  # written before runs recorded their owner
        "alive": add_run(db, "running", {"owner": {"pid": live_pid, "host": here, "started": process_started(live_pid)}}),
        "elsewhere": add_run(db, "running", {"owner": {"pid": gone, "host": "0123456789ab", "started": None}}),
        "publishing": add_run(db, "completed", {"owner": {"pid": live_pid, "host": here, "started": None},
                                                "publish": "pending", "sources": {}}),
        "unpublished": add_run(db, "partial", {"owner": {"pid": gone, "host": here, "started": None},
                                               "publish": "pending", "failed": {"imap": "down"}}),
        "done": add_run(db, "completed", {"sources": {}}),
    }
    with run_record(db, "nightly", {}):
        pass
    status = {r["id"]: r["status"] for r in runs(db)}
    assert {name: status[i] for name, i in ids.items()} == {
        "dead": "interrupted", "legacy": "interrupted", "alive": "running", "elsewhere": "running",
        "publishing": "completed", "unpublished": "interrupted", "done": "completed"}
    unpublished = next(r for r in runs(db) if r["id"] == ids["unpublished"])
    assert unpublished["details"]["failed"] == {"imap": "down"}  # what the run found is kept


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="process start times come from /proc")
def test_a_reused_pid_does_not_keep_a_run_open(tmp_path: Path) -> None:
    db = open_warehouse(tmp_path / "w.db")
    # Our own pid, but a start time that is not ours: the process that ran it is gone.
    run_id = add_run(db, "running", {"owner": {"pid": os.getpid(), "host": host_id(), "started": "1"}})
    assert process_alive(os.getpid(), process_started(os.getpid()))
    assert not process_alive(os.getpid(), "1")
    with run_record(db, "nightly", {}):
        pass
    assert runs(db)[0]["id"] == run_id and runs(db)[0]["status"] == "interrupted"


def test_only_temporary_archives_of_ended_processes_are_removed(tmp_path: Path, live_pid: int) -> None:
    target = tmp_path / "archive.db"
    stale = tmp_path / f".archive.db.{dead_pid()}.tmp"
    building = tmp_path / f".archive.db.{live_pid}.tmp"
    other = tmp_path / f".other.db.{dead_pid()}.tmp"
    for path in (stale, building, other):
        path.write_bytes(b"SQLite format 3\x00")
    assert remove_stale_temporaries(target) == [stale]
    assert (stale.exists(), building.exists(), other.exists()) == (False, True, True)


def test_a_failed_publish_fails_its_run(tmp_path: Path) -> None:
    db = open_warehouse(tmp_path / "w.db")

    def broken(_: sqlite_utils.Database) -> dict[str, list[dict[str, Any]]]:
        raise OSError("No space left on device")

    with run_record(db, "nightly", {}, publish_follows=True) as (run_id, _, _):
        pass
    with pytest.raises(OSError), publish_record(db, run_id):
        publish(db, tmp_path / "archive.db", extensions=[broken])
    [run] = runs(db)
    assert run["status"] == "failed"
    assert run["details"] == {"error": "publish: OSError: No space left on device"}
