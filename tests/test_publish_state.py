"""What changed in the themes since the archive was built (feedback.publish_state.changes_since)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from feedback.publish_state import changes_since, last_change
from feedback.warehouse import open_warehouse


@pytest.mark.parametrize(("before", "after", "moved", "status", "reparented"), [
    ({"1": ["active", None]}, {"1": ["active", None]}, set(), set(), set()),
    # a new theme under an existing parent: the parent's other children are not re-parented
    ({"1": ["parent", None], "2": ["active", 1]}, {"1": ["parent", None], "2": ["active", 1], "3": ["active", 1]},
     {3, 1}, {3}, set()),
    # a theme moved from one parent to another
    ({"1": ["parent", None], "4": ["parent", None], "2": ["active", 1]},
     {"1": ["parent", None], "4": ["parent", None], "2": ["active", 4]}, {2, 1, 4}, set(), {2}),
    # a theme retired (merged): its status changed, it has no parent after
    ({"2": ["active", 1], "1": ["parent", None]}, {"1": ["parent", None]}, {2, 1}, {2}, set()),
    # a theme that became a parent
    ({"1": ["active", None]}, {"1": ["parent", None]}, {1}, {1}, set()),
])
def test_themes_moved_by_status_and_parent(tmp_path: Path, before: dict[str, Any], after: dict[str, Any],
                                           moved: set[int], status: set[int], reparented: set[int]) -> None:
    db = open_warehouse(tmp_path / "w.db")
    upto = last_change(db)
    changes = changes_since(db, {"covers": upto, "themes": before, "build_id": "a"}, upto,
                            {"themes": after, "build_id": "b"})
    assert (changes.themes_moved, changes.themes_status, changes.themes_reparented) == (moved, status, reparented)
    assert changes.items == set()
