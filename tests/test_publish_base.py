"""The previous archive as the next publish's base: changed in place only when no process reads it."""

from __future__ import annotations

import mmap
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from feedback.publish_base import (
    cheaper_than_a_copy,
    held_open,
    keep_previous,
    measured_costs,
    previous_path,
    usable_previous,
)
from feedback.warehouse import open_warehouse


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    path = tmp_path / "archive.db"
    conn = sqlite3.connect(path)
    conn.execute("create table feedback (id text)")
    conn.commit()
    conn.close()
    return path


def test_a_file_nobody_opened_is_not_held(archive: Path) -> None:
    assert held_open(archive) is False


def test_a_reader_holds_the_file_until_it_closes(archive: Path) -> None:
    reader = sqlite3.connect(f"file:{archive}?immutable=1", uri=True)  # as Datasette serves it: no lock taken
    reader.execute("select count(*) from feedback").fetchone()
    assert held_open(archive) is True
    reader.close()
    assert held_open(archive) is False


def test_a_memory_map_holds_the_file_after_its_descriptor_is_closed(archive: Path) -> None:
    with archive.open("rb") as f:
        mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    try:
        assert held_open(archive) is True
    finally:
        mapped.close()
    assert held_open(archive) is False


def test_another_process_holds_the_file_while_it_reads(archive: Path) -> None:
    code = f"import sqlite3, sys; c = sqlite3.connect({str(archive)!r}); c.execute('select 1 from feedback')" \
           "; print('open', flush=True); sys.stdin.read()"
    reader = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout is not None and reader.stdout.readline() == "open\n"
        assert held_open(archive) is True
    finally:
        reader.communicate("")
    assert held_open(archive) is False


def test_a_missing_file_cannot_be_told(tmp_path: Path) -> None:
    assert held_open(tmp_path / "missing.db") is None


def test_the_previous_archive_is_a_hard_link_and_reused_only_when_free(archive: Path) -> None:
    assert usable_previous(archive) == (False, "no previous archive")
    keep_previous(archive)
    previous = previous_path(archive)
    assert previous.name == ".archive.db.prev" and os.path.samefile(previous, archive)
    # killed between the link and the swap: the previous archive is the one served
    assert usable_previous(archive) == (False, "the previous archive is the archive in place")
    replacement = archive.with_name("new.db")
    replacement.write_bytes(archive.read_bytes())
    os.replace(replacement, archive)  # the swap: the name now points at the new file
    assert usable_previous(archive) == (True, "")
    reader = sqlite3.connect(previous)
    reader.execute("select 1 from feedback").fetchall()
    assert usable_previous(archive) == (False, "a process still has the previous archive open")
    reader.close()
    assert usable_previous(archive) == (True, "")


MEASURED = {"change": 0.008, "byte": 2.5e-9}  # 8 ms per change, 2.5 ns per byte: 3.2 MB per change


@pytest.mark.parametrize(("size", "extra", "measured", "cheaper"), [
    (9_000_000, 0, None, True),  # nothing more to apply
    (9_000_000, 3, None, True),  # unmeasured: 3 changes cost about a 9 MB copy
    (9_000_000, 4, None, False),
    (100_000, 1, None, False),  # a small archive is copied
    (3_360_000_000, 1_050, MEASURED, True),  # measured: 1,050 x 3.2 MB = 3.36 GB
    (3_360_000_000, 1_051, MEASURED, False),
    (3_360_000_000, 2_000, {"change": 0.004, "byte": 2.5e-9}, True),  # changes measured cheaper: 1.6 MB each
    (3_360_000_000, 2_000, {"byte": 1e-12}, False),  # only a copy measured: the default per change
])
def test_the_previous_archive_is_used_only_when_cheaper_than_a_copy(tmp_path: Path, size: int, extra: int,
                                                                    measured: dict[str, float] | None,
                                                                    cheaper: bool) -> None:
    target = tmp_path / "archive.db"
    with target.open("wb") as out:
        out.truncate(size)  # a sparse file: only its size counts
    assert cheaper_than_a_copy(extra, target, measured) is cheaper


@pytest.mark.parametrize(("stored", "expected"), [
    ('{"change": 0.0085, "byte": 2.5e-9}', {"change": 0.0085, "byte": 2.5e-9}),
    ('{"change": 0, "byte": 2.5e-9}', {"byte": 2.5e-9}),  # a zero would divide by zero
    ('{"change": "fast", "byte": -1, "other": 3}', {}),
    ('{"change": true, "byte": 1e999}', {}),  # a boolean, an infinity
    ('[0.0085]', {}),
    ("not json {", {}),
])
def test_damaged_measured_costs_are_left_out_not_a_failed_publish(tmp_path: Path, archive: Path, stored: str,
                                                                   expected: dict[str, float]) -> None:
    db = open_warehouse(tmp_path / "w.db")
    db.execute("insert into publish_state (key, value, updated_at) values ('publish_costs', ?, 'x')", [stored])
    assert measured_costs(db) == expected
    # the rule still answers (a tiny archive: one change costs more than copying it either way)
    assert cheaper_than_a_copy(0, archive, measured_costs(db))
    assert not cheaper_than_a_copy(1, archive, measured_costs(db))
