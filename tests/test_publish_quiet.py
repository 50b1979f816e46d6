"""A night with nothing new keeps the archive in place as it is: no copy, no apply, no state
written; the next busy night still knows how far behind the previous archive is."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlite_utils

from feedback import publish_base
from feedback.publish import remove_stale_temporaries
from feedback.publish_base import measured_costs
from feedback.warehouse.batches import BatchResult
from feedback.warehouse.runs import finish_run, start_run

from .test_publish_incremental import LATE, Survey, archive_digest, full_rebuild

SECOND = '3/2/2026 10:00:00,b@example.com,9,"Quick and friendly"'
THIRD = '3/3/2026 10:00:00,c@example.com,2,"The app crashed at checkout"'


@pytest.fixture
def survey(tmp_path: Path, write_config: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> Survey:
    monkeypatch.setattr(publish_base, "BYTES_PER_CHANGE", 0)  # the previous archive whenever it can be
    return Survey(tmp_path, write_config)


def files(survey: Survey) -> dict[str, tuple[int, int]]:
    """The archive files beside the target: (inode, modification time) by name."""
    folder = survey.config.archive.parent
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in folder.iterdir() if "archive.db" in p.name}


def recorded(survey: Survey) -> dict[str, str]:
    return dict(survey.db.execute("select key, value from publish_state where key in"
                                  " ('archive', 'previous', 'pruned', 'insight_sums', 'sentiment_counts')").fetchall())


def test_a_night_with_nothing_new_writes_nothing_and_the_next_night_is_right(survey: Survey, tmp_path: Path) -> None:
    survey.night(LATE)
    assert survey.publish().mode == "full"
    survey.night(LATE, SECOND)
    assert (survey.publish().base, survey.publish().base) == ("previous", "none")  # on the full build's copy
    before, state = files(survey), recorded(survey)
    assert set(before) == {"archive.db", ".archive.db.prev"}

    quiet = survey.publish()
    assert (quiet.mode, quiet.base, quiet.changed, quiet.feedback) == ("incremental", "none", 0, 2)
    assert quiet.tables["sources"] == 1
    assert files(survey) == before  # neither archive written, linked or copied
    assert recorded(survey) == state  # the previous archive is still one night (one comment) behind

    survey.night(LATE, SECOND, THIRD)
    busy = survey.publish()
    # the previous archive brought up to date: the night it missed and this one
    assert (busy.mode, busy.base, busy.changed, busy.feedback) == ("incremental", "previous", 2, 3)
    assert measured_costs(survey.db) == {}  # no copy made, and two changes are too few to measure an apply by
    full = full_rebuild(survey.csv.parent, tmp_path / "full")
    assert archive_digest.digest(str(survey.config.archive)) == archive_digest.digest(str(full))


def test_a_run_that_found_nothing_leaves_the_archive_and_shows_with_the_next_publish(survey: Survey) -> None:
    # every nightly run records itself: one more row in runs is no reason to rewrite the archive
    survey.night(LATE)
    survey.publish()
    run = start_run(survey.db, "nightly", {})
    finish_run(survey.db, run, "completed", BatchResult(), {"note": "nothing new"})
    before = files(survey)
    result = survey.publish()
    assert (result.mode, result.base, result.changed) == ("incremental", "none", 0)
    assert files(survey) == before
    runs = list(sqlite_utils.Database(survey.config.archive).query("select id from runs"))
    assert runs == []

    survey.night(LATE, SECOND)
    busy = survey.publish()
    assert (busy.mode, busy.changed) == ("incremental", 1)
    runs = list(sqlite_utils.Database(survey.config.archive).query("select id, status, details from runs"))
    assert runs == [{"id": run, "status": "completed", "details": '{"note": "nothing new"}'}]


def test_an_archive_whose_state_was_not_recorded_is_published(survey: Survey) -> None:
    """A publish killed between its swap and recording it: the archive in place is the pending one."""
    survey.night(LATE)
    survey.publish()
    with survey.db.conn:
        survey.db.execute("update publish_state set key = 'pending' where key = 'archive'")
    result = survey.publish()
    assert (result.mode, result.base) == ("incremental", "previous")
    assert survey.db.execute("select count(*) from publish_state where key = 'archive'").fetchone() == (1,)
    assert os.path.exists(survey.config.archive)


def test_an_apply_to_the_previous_archive_is_measured_per_change(survey: Survey, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(publish_base, "MEASURED_MIN", 2)
    survey.night(LATE)
    survey.publish()
    publish_base.previous_path(survey.config.archive).unlink()  # the full build's copy gone: this night copies
    survey.night(LATE, SECOND)
    assert survey.publish().base == "copy"
    assert set(measured_costs(survey.db)) == {"byte"} and measured_costs(survey.db)["byte"] > 0
    survey.night(LATE, SECOND, THIRD)
    busy = survey.publish()
    assert (busy.base, busy.changed) == ("previous", 2)
    costs = measured_costs(survey.db)
    assert set(costs) == {"byte", "change"}
    assert costs["change"] == pytest.approx(busy.seconds / 2)


def test_a_full_build_leaves_a_copy_that_the_next_night_starts_from(survey: Survey, tmp_path: Path) -> None:
    survey.night(LATE)
    assert survey.publish().mode == "full"
    archive, previous = survey.config.archive, publish_base.previous_path(survey.config.archive)
    assert not os.path.samefile(archive, previous)
    assert archive_digest.digest(str(previous)) == archive_digest.digest(str(archive))
    gc.collect()  # the digest's connection, closed: no process reads the previous archive any more
    state = recorded(survey)
    assert json.loads(state["previous"]) == json.loads(state["archive"])
    assert [p.name for p in archive.parent.iterdir() if p.name.endswith(".tmp")] == []
    survey.night(LATE, SECOND)
    night = survey.publish()
    assert (night.mode, night.base, night.changed) == ("incremental", "previous", 1)
    full = full_rebuild(survey.csv.parent, tmp_path / "full")
    assert archive_digest.digest(str(archive)) == archive_digest.digest(str(full))


def test_a_spare_copy_left_by_a_killed_full_build_is_removed(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True)
    stale = tmp_path / f".archive.db.{int(done.stdout)}.prev.tmp"
    stale.write_bytes(b"SQLite format 3\x00")
    assert remove_stale_temporaries(tmp_path / "archive.db") == [stale]
    assert not stale.exists()
