"""How well a warehouse's top-level themes recover the sample generator's known themes.

The generator writes ``surveys/truth.csv``: each survey comment's known themes (late_delivery,
billing_error, ...). A comment with exactly one known theme is joined to its warehouse item by
(file, response id, question); per known theme we then measure the share of its comments that
carry its modal top-level theme (a parent, or a theme without one), as a person reading the top
level first would meet them. tests/test_themes_samples.py and bench/themes_samples.py both read
the samples through these functions.
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from pathlib import Path

import sqlite_utils

from feedback.themes.archive import archive_tables

MIN_COMMENTS = 40  # known themes at least this common are measured one by one
TRUTH_COLUMNS = frozenset({"file", "response_id", "question", "theme_keys"})


def single_theme_comments(db: sqlite_utils.Database, truth_csv: Path) -> dict[str, list[str]]:
    """Known theme -> the warehouse item ids of the survey comments that have only that theme."""
    items = {(r[1], r[2], r[3]): r[0] for r in db.execute(
        "select id, json_extract(extra, '$.file'), json_extract(extra, '$.response_id'), question"
        " from items where channel = 'survey'")}
    comments: dict[str, list[str]] = defaultdict(list)
    with truth_csv.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = sorted(TRUTH_COLUMNS - set(reader.fieldnames or ()))
        if missing:
            raise ValueError(f"{truth_csv.name} is not the generator's truth file: no column {', '.join(missing)}")
        for row in reader:
            keys = [k for k in row["theme_keys"].split(";") if k]
            item = items.get(("samples/" + row["file"], row["response_id"], row["question"]))
            if len(keys) == 1 and item:
                comments[keys[0]].append(item)
    return dict(comments)


def top_level_of_items(db: sqlite_utils.Database) -> dict[str, set[int]]:
    """Item id -> the top-level themes (parent, or the theme itself) its segments are in, as published."""
    tables = archive_tables(db)
    parent = {r["id"]: r["parent_id"] for r in tables["themes"]}
    tops: dict[str, set[int]] = defaultdict(set)
    for row in tables["feedback_themes"]:
        tops[row["feedback_id"]].add(parent[row["theme_id"]] or row["theme_id"])
    return dict(tops)


def modal_shares(groups: dict[str, list[set[int]]], min_comments: int = MIN_COMMENTS) -> dict[str, float]:
    """Per group of at least ``min_comments`` comments (each a set of top-level themes): the share
    of its comments that carry the group's most common top-level theme; a comment in no theme counts
    against it."""
    shares = {}
    for key, sets in sorted(groups.items()):
        if len(sets) < min_comments:
            continue
        counted = Counter(t for s in sets for t in sorted(s))
        if not counted:
            shares[key] = 0.0
            continue
        modal = counted.most_common(1)[0][0]
        shares[key] = sum(modal in s for s in sets) / len(sets)
    return shares


def top_level_shares(db: sqlite_utils.Database, truth_csv: Path,
                     min_comments: int = MIN_COMMENTS) -> dict[str, float]:
    """Per known theme with at least ``min_comments`` single-theme comments: the share of them under
    its modal top-level theme."""
    tops = top_level_of_items(db)
    groups = {key: [tops.get(item, set()) for item in items]
              for key, items in single_theme_comments(db, truth_csv).items()}
    return modal_shares(groups, min_comments)
