"""Honest theme dates: first/last seen are the theme's comments' dates, "new" means the comments
are new, and a run without new comments creates no theme (real model, real warehouse)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlite_utils

from feedback.embed import Embedder
from feedback.themes import ThemeSettings, archive_tables, recluster, update_themes
from feedback.themes.store import NEW_WINDOW_DAYS
from tests.themes_fixtures import add_comments, copy_of, new_warehouse, sample_comments

pytestmark = pytest.mark.slow

DATA = [text for text, _ in sample_comments(seed=11, per_theme=12)]
# The comments arrive on six days months apart; the last day is the archive's newest.
DAYS = ["2024-01-10", "2024-02-14", "2024-03-20", "2024-04-24", "2024-05-20", "2024-06-03"]
SETTINGS = ThemeSettings(pool_min_size=2)  # the smallest pool group: any old outliers could form one


@pytest.fixture(scope="module")
def fitted(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Path:
    path = tmp_path_factory.mktemp("dates") / "warehouse.db"
    db = new_warehouse(path)
    step = len(DATA) // len(DAYS) + 1
    for n, day in enumerate(DAYS):
        add_comments(db, DATA[n * step : (n + 1) * step], f"d{n}", day=day)
    assert update_themes(db, SETTINGS, embedder)["mode"] == "fit"
    db.close()
    return path


@pytest.fixture
def db(fitted: Path, tmp_path: Path) -> Iterator[sqlite_utils.Database]:
    db = copy_of(fitted, tmp_path)
    yield db
    db.close()


def comment_dates(db: sqlite_utils.Database) -> dict[int, tuple[str, str]]:
    """Theme id -> (earliest, latest) received_at of its comments, computed from scratch."""
    return {tid: (first, last) for tid, first, last in db.execute(
        """select s.theme_id, min(i.received_at), max(i.received_at) from theme_segments s
           join items i on i.id = s.item_id where s.theme_id is not null group by s.theme_id""")}


def theme_dates(db: sqlite_utils.Database, status: str = "active") -> dict[int, tuple[str, str]]:
    return {tid: (first, last) for tid, first, last in db.execute(
        "select id, first_seen, last_seen from themes where status = ?", [status])}


def expected_new(db: sqlite_utils.Database) -> set[int]:
    # the newest comment is 2024-06-03T10:00:00Z; 28 days before it is 2024-05-06T10:00:00Z
    assert NEW_WINDOW_DAYS == 28
    return {tid for tid, (first, _) in theme_dates(db).items() if first >= "2024-05-06T10:00:00Z"}


def test_first_and_last_seen_are_the_dates_of_the_themes_comments(db: sqlite_utils.Database) -> None:
    assert theme_dates(db) == comment_dates(db)
    assert all(first <= last for first, last in theme_dates(db).values())
    for parent, first, last in db.execute("select id, first_seen, last_seen from themes where status = 'parent'"):
        children = [(f, la) for f, la in db.execute(
            "select first_seen, last_seen from themes where parent_id = ? and status = 'active'", [parent])]
        assert (first, last) == (min(f for f, _ in children), max(la for _, la in children))


def test_when_the_engine_made_a_theme_is_its_own_field(db: sqlite_utils.Database) -> None:
    made = {r[0] for r in db.execute("select created_at from themes where status = 'active'")}
    assert len(made) == 1 and next(iter(made)) > "2025"  # the fit's time, not a comment's date
    published = archive_tables(db)["themes"]
    assert all(row["created_at"] is not None for row in published)
    assert {row["id"]: (row["first_seen"], row["last_seen"]) for row in published if row["level"] == 0} \
        == theme_dates(db)


def test_new_means_the_themes_first_comment_is_recent(db: sqlite_utils.Database) -> None:
    flagged = {r[0] for r in db.execute("select id from themes where status = 'active' and is_new = 1")}
    assert flagged == expected_new(db)
    assert len(flagged) < len(theme_dates(db))  # most themes began months before the newest comment


def test_a_run_without_new_comments_creates_no_theme(db: sqlite_utils.Database, embedder: Embedder) -> None:
    before = db.execute("select count(*) from themes").fetchone()[0]
    pool = db.execute("select count(*) from theme_segments where theme_id is null and themable = 1").fetchone()[0]
    assert pool >= SETTINGS.pool_min_size  # old outliers the pool could have grouped
    for _ in range(2):
        stats = update_themes(db, SETTINGS, embedder)
        assert (stats["mode"], stats["segments_new"], stats["themes_new"]) == ("unchanged", 0, 0)
    assert db.execute("select count(*) from themes").fetchone()[0] == before


def test_a_recluster_keeps_comment_dates_and_does_not_make_old_themes_new(
    db: sqlite_utils.Database, embedder: Embedder
) -> None:
    recluster(db, SETTINGS.model_copy(update={"min_cluster_size": 6}), embedder)
    assert theme_dates(db) == comment_dates(db)
    flagged = {r[0] for r in db.execute("select id from themes where status = 'active' and is_new = 1")}
    assert flagged == expected_new(db)
