"""How the sample generator's known themes are scored against a warehouse's top level
(feedback/samples/truth.py), on a real warehouse with hand-written themes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlite_utils

from feedback.samples.truth import modal_shares, single_theme_comments, top_level_shares
from feedback.warehouse import open_warehouse


@pytest.mark.parametrize(("groups", "min_comments", "shares"), [
    ({"a": [{1}, {1}, {2}, {1, 2}]}, 1, {"a": 0.75}),  # modal 1: in 3 of 4
    ({"a": [{1}, set(), set(), {1}]}, 1, {"a": 0.5}),  # a comment in no theme counts against it
    ({"a": [set(), set()]}, 1, {"a": 0.0}),
    ({"a": [{1}], "b": [{2}, {3}]}, 2, {"b": 0.5}),  # too rare to measure
    ({"a": [{3}, {2}]}, 1, {"a": 0.5}),  # a tie goes to the lowest id
])
def test_modal_shares(groups: dict[str, list[set[int]]], min_comments: int, shares: dict[str, float]) -> None:
    assert modal_shares(groups, min_comments) == shares


def warehouse(tmp_path: Path) -> sqlite_utils.Database:
    db = open_warehouse(tmp_path / "warehouse.db")
    for n in range(4):
        db["items"].insert({"id": f"i{n}", "source": "s", "channel": "survey", "local_id": str(n), "text": "x",
                            "question": "Why?", "extra": json.dumps({"file": "samples/surveys/a.csv",
                                                                      "response_id": f"r{n}"})})
    db["themes"].insert_all([
        {"id": 1, "label": "Late delivery", "status": "active", "parent_id": 9},
        {"id": 2, "label": "Driver never came", "status": "active", "parent_id": 9},
        {"id": 3, "label": "Refund delays", "status": "active", "parent_id": None},
        {"id": 9, "label": "Deliveries", "status": "parent", "parent_id": None},
    ])
    for n, theme in enumerate([1, 2, 3, None]):
        db["theme_segments"].insert({"id": f"s{n}", "item_id": f"i{n}", "seq": 0, "text": "x", "themable": 1,
                                     "theme_id": theme, "score": 0.9})
    return db


def truth(tmp_path: Path, rows: list[str], header: str = "source,file,response_id,question,theme_keys") -> Path:
    path = tmp_path / "truth.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_known_themes_are_joined_by_file_response_and_question(tmp_path: Path) -> None:
    db = warehouse(tmp_path)
    path = truth(tmp_path, [
        "s,surveys/a.csv,r0,Why?,late_delivery",
        "s,surveys/a.csv,r1,Why?,late_delivery",
        "s,surveys/a.csv,r2,Why?,slow_refund",
        "s,surveys/a.csv,r3,Why?,late_delivery;slow_refund",  # two known themes: not counted
        "s,surveys/a.csv,r3,Other?,late_delivery",  # no such comment in the warehouse
        "s,surveys/b.csv,r0,Why?,late_delivery",
    ])
    assert single_theme_comments(db, path) == {"late_delivery": ["i0", "i1"], "slow_refund": ["i2"]}
    # i0 and i1 sit in two themes under one parent: the top level holds all of late_delivery
    assert top_level_shares(db, path, min_comments=1) == {"late_delivery": 1.0, "slow_refund": 1.0}


def test_a_file_that_is_not_the_truth_file_is_refused(tmp_path: Path) -> None:
    db = warehouse(tmp_path)
    path = truth(tmp_path, ["s,surveys/a.csv,r0,late_delivery"], header="source,file,response_id,themes")
    with pytest.raises(ValueError, match="no column question, theme_keys"):
        single_theme_comments(db, path)
