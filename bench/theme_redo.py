"""Time an analyst edit, its undo and its redo on a copy of a fitted warehouse (the original is only
read), and check that the redo puts back exactly the state after the edit.

    PYTHONPATH=$PWD .venv/bin/python bench/theme_redo.py data/warehouse.db
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlite_utils

from feedback.themes import ThemeSettings, merge, split
from feedback.themes.edits import group, move
from feedback.themes.redo import redo
from feedback.themes.undo import undo
from feedback.warehouse import open_warehouse


def state(db: sqlite_utils.Database) -> tuple[Any, ...]:
    themes = {r["id"]: {k: v for k, v in r.items() if k != "updated_at"} for r in db["themes"].rows}
    return themes, dict(db.execute("select id, theme_id from theme_segments").fetchall())


def timed(call: Callable[[], Any]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def main(source: Path) -> None:
    settings = ThemeSettings()
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "warehouse.db"
        original = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        original.execute(f"vacuum into '{copy}'")
        original.close()
        db = open_warehouse(copy)
        segments = db.execute("select count(*) from theme_segments").fetchone()[0]
        themes = db.execute("select count(*) from themes where status = 'active'").fetchone()[0]
        print(f"{source}: {segments} segments, {themes} active themes")
        big = [r[0] for r in db.execute("select id from themes where status = 'active' order by size desc, id limit 3")]
        grouped = [r[0] for r in db.execute("select id from themes where status = 'active' and parent_id is not null"
                                            " order by size desc, id limit 2")]
        edits: list[tuple[str, Callable[[], Any]]] = [
            ("merge 3 biggest", lambda: merge(db, big[0], big[1:], settings.context_weight)),
            ("split biggest", lambda: split(db, big[0], settings)),
            ("group 2", lambda: group(db, "Bench group", grouped)),
            ("move to top", lambda: move(db, grouped[0], None)),
        ]
        for name, edit in edits:
            before = state(db)
            took = timed(edit)
            after = state(db)
            took_undo = timed(lambda: undo(db))
            assert state(db) == before, name
            took_redo = timed(lambda: redo(db))
            assert state(db) == after, name
            undo(db)
            db.conn.commit()
            print(f"{name}: edit {took:.3f} s, undo {took_undo:.3f} s, redo {took_redo:.3f} s; redo exact")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
