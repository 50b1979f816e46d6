"""``feedback themes redo``: an analyst takes back an undo. The themes (labels, keywords, status,
groups, pins; themes the edit made, with their ids) and the comments' themes are exactly as the edit
left them, the redo is in each theme's history in words, and it is refused, changing nothing, when
something changed the same themes since the undo (a later edit, a re-cluster, a night)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from click.testing import CliRunner

from feedback.cli.themes import themes as themes_cli
from feedback.config import load_config
from feedback.pipeline import publish_archive
from feedback.themes import ThemeSettings, merge, pin, rename, split, store
from feedback.themes.edits import ThemeError, group, move, placements
from feedback.themes.history_words import describe
from feedback.themes.redo import redo
from feedback.themes.undo import undo
from tests.themes_fixtures import biggest, copy_of, shaped_warehouse

# when a row was last written (every edit, undo, redo and statistics refresh writes it)
NOISE = ("updated_at",)


def themes_now(db: sqlite_utils.Database) -> dict[int, dict[str, Any]]:
    return {r["id"]: {k: v for k, v in r.items() if k not in NOISE} for r in db["themes"].rows}


def segments_now(db: sqlite_utils.Database) -> dict[str, int | None]:
    return dict(db.execute("select id, theme_id from theme_segments").fetchall())


def brief(db: sqlite_utils.Database) -> dict[int, tuple[Any, ...]]:
    """Each theme's label, status, group, merge target, pin and size."""
    return {r[0]: r[1:] for r in db.execute(
        "select id, label, status, parent_id, merged_into, label_pinned, size from themes order by id")}


def everything(db: sqlite_utils.Database) -> tuple[Any, ...]:
    """What a refused redo must leave as it was: themes, segments, history and the edit log."""
    return (themes_now(db), segments_now(db), db["theme_history"].count,
            db.execute("select * from theme_edits order by id").fetchall())


@pytest.fixture
def shaped(tmp_path: Path) -> sqlite_utils.Database:
    return shaped_warehouse(tmp_path / "warehouse.db")


def refused(call: Any) -> str:
    with pytest.raises(ThemeError) as raised:
        call()
    return str(raised.value)


def history(db: sqlite_utils.Database, theme_id: int) -> list[str]:
    return [describe(e, lab, size, json.loads(d)) for e, lab, size, d in db.execute(
        "select event, label, size, details from theme_history where theme_id = ? order by id", [theme_id])]


# the shaped warehouse: theme -> (label, status, group, merged into, pinned, size)
START = {1: ("Refund process", "active", 10, None, 0, 3), 2: ("Late delivery", "active", 10, None, 0, 2),
         3: ("Cat food", "active", 11, None, 0, 1), 5: ("Old bags", "retired", None, None, 0, None),
         6: ("Our own", "active", None, None, 1, 0), 10: ("Money matters", "parent", None, None, 0, 5),
         11: ("Cat things", "parent", None, None, 0, 1)}


@pytest.mark.parametrize(("edit", "changed", "moved"), [
    (lambda db: rename(db, 1, "Refunds"), {1: ("Refunds", "active", 10, None, 1, 3)}, {}),
    (lambda db: pin(db, 2), {2: ("Late delivery", "active", 10, None, 1, 2)}, {}),
    (lambda db: move(db, 1, 11), {1: ("Refund process", "active", 11, None, 0, 3),
                                   10: ("Money matters", "parent", None, None, 0, 2),
                                   11: ("Cat things", "parent", None, None, 0, 4)}, {}),
    # group 11 is left with no theme: retired by the move, and again by its redo
    (lambda db: move(db, 3, None), {3: ("Cat food", "active", None, None, 0, 1),
                                     11: ("Cat things", "retired", None, None, 0, 1)}, {}),
    (lambda db: merge(db, 1, [2, 3]), {1: ("Refund process", "active", 10, None, 0, 6),
                                        2: ("Late delivery", "merged", 10, 1, 0, 2),
                                        3: ("Cat food", "merged", 11, 1, 0, 1),
                                        10: ("Money matters", "parent", None, None, 0, 6),
                                        11: ("Cat things", "retired", None, None, 0, 1)},
     {"s4": 1, "s5": 1, "s6": 1}),
    # group 12 comes back with its id; group 10, left with no theme, is retired again
    (lambda db: group(db, "Mixed", [1, 2]), {1: ("Refund process", "active", 12, None, 0, 3),
                                             2: ("Late delivery", "active", 12, None, 0, 2),
                                             10: ("Money matters", "retired", None, None, 0, 5),
                                             12: ("Mixed", "parent", None, None, 1, 5)}, {}),
])
def test_a_redo_puts_back_exactly_what_the_edit_did(shaped: sqlite_utils.Database, edit: Any,
                                                   changed: dict[int, tuple[Any, ...]], moved: dict[str, int]) -> None:
    db = shaped
    assert brief(db) == START
    start_segments = segments_now(db)
    edit(db)
    assert brief(db) == {**START, **changed}
    themes, segments, places = themes_now(db), segments_now(db), placements(db)
    assert segments == {**start_segments, **moved}
    undone = undo(db)
    assert brief(db) == START
    assert redo(db).id == undone.id
    assert themes_now(db) == themes  # labels, keywords, status, groups, pins, centroids, sizes, representatives
    assert segments_now(db) == segments
    assert placements(db) == places  # a redone move is the analyst's place again: re-clusters keep it
    assert refused(lambda: redo(db)) == "nothing to redo: no edit is undone"


def test_undo_redo_undo_goes_back_and_forth(shaped: sqlite_utils.Database) -> None:
    db = shaped
    made = group(db, "Mixed", [1, 3])
    done = themes_now(db), segments_now(db)
    undo(db)
    gone = themes_now(db), segments_now(db)
    assert 12 not in gone[0] and brief(db) == START
    redo(db)
    assert (themes_now(db), segments_now(db)) == done
    undo(db)
    assert (themes_now(db), segments_now(db)) == gone
    redo(db)
    assert (themes_now(db), segments_now(db)) == done
    assert made == 12 and store.next_theme_id(db) == 13
    assert history(db, 12) == ["group 'Mixed' made by an analyst", "undid edit #1: made group #12 'Mixed' of #1, #3",
                               "redid edit #1: made group #12 'Mixed' of #1, #3",
                               "undid edit #1: made group #12 'Mixed' of #1, #3",
                               "redid edit #1: made group #12 'Mixed' of #1, #3"]


def test_the_redo_is_in_each_theme_s_history_in_words(shaped: sqlite_utils.Database) -> None:
    db = shaped
    merge(db, 1, [3])
    undo(db)
    redo(db)
    assert history(db, 3)[-2:] == ["undid edit #1: merged #3 into #1 (1 segments)", "redid edit #1: merged #3 into #1"]
    assert history(db, 1)[-1] == "redid edit #1: merged #3 into #1 (4 segments)"
    assert history(db, 11)[-1] == "redid edit #1: merged #3 into #1"
    assert [r[0] for r in db.execute("select theme_id from theme_history where event = 'redone' order by id")] == [
        1, 3, 11]


def test_redo_takes_back_the_latest_undo_and_undo_the_latest_redo(shaped: sqlite_utils.Database) -> None:
    db = shaped
    rename(db, 1, "Refunds")
    rename(db, 2, "Late")
    assert [undo(db).id, undo(db).id] == [2, 1]
    assert redo(db).id == 1  # the latest undo first
    assert brief(db)[1][0] == "Refunds" and brief(db)[2][0] == "Late delivery"
    assert undo(db).id == 1  # the latest done or redone, not the latest made
    assert [redo(db).id, redo(db).id] == [1, 2]
    assert (brief(db)[1][0], brief(db)[2][0]) == ("Refunds", "Late")


def test_a_new_edit_of_other_themes_keeps_the_redo(shaped: sqlite_utils.Database) -> None:
    db = shaped
    merge(db, 1, [2])
    undo(db)
    rename(db, 6, "Ours")  # another theme: the merge can still be redone
    assert redo(db).id == 1
    assert (brief(db)[2][1:4], brief(db)[6][0]) == (("merged", 10, 1), "Ours")


def test_a_new_edit_of_the_same_theme_holds_the_redo_until_it_is_undone(shaped: sqlite_utils.Database) -> None:
    db = shaped
    rename(db, 1, "Refunds")
    undo(db)
    rename(db, 1, "Money back")
    state = everything(db)
    assert refused(lambda: redo(db, 1)) == (
        "cannot redo edit #1 (renamed #1 from 'Refund process' to 'Refunds'): a later edit, #2 (renamed #1 from"
        " 'Refund process' to 'Money back'), changed theme #1 since the undo: undo #2 first")
    assert everything(db) == state
    undo(db)
    assert redo(db, 1).id == 1
    assert brief(db)[1] == ("Refunds", "active", 10, None, 1, 3)


@pytest.mark.parametrize(("steps", "redone", "message"), [
    # an earlier edit of the same theme, undone after it: that one first
    (lambda db: (rename(db, 1, "Refunds"), move(db, 1, None), undo(db), undo(db)), 2,
     "cannot redo edit #2 (moved #1 from group #10 to the top level): edit #1 (renamed #1 from 'Refund process' to"
     " 'Refunds'), made before it, was undone after it: redo #1 first"),
    # a later edit of other themes retired the group the redo would put the theme in
    (lambda db: (move(db, 1, 11), undo(db), move(db, 3, None)), 1,
     "cannot redo edit #1 (moved #1 from group #10 to group #11): group #11, where it puts theme #1, is no group now"
     " (`feedback themes show 11` tells why)"),
    # ... or merged away the theme the redo would merge into
    (lambda db: (merge(db, 1, [3]), undo(db), merge(db, 2, [1])), 1,
     "cannot redo edit #1 (merged #3 into #1): theme #1, which it merges theme #3 into, is not active now"
     " (`feedback themes show 1` tells why)"),
    # an earlier edit of the same theme, redone since the undo
    (lambda db: (rename(db, 1, "Refunds"), undo(db), move(db, 1, None), undo(db), redo(db, 1)), 2,
     "cannot redo edit #2 (moved #1 from group #10 to the top level): edit #1 (renamed #1 from 'Refund process' to"
     " 'Refunds') was redone since the undo and changed theme #1: undo #1 first"),
    (lambda db: (rename(db, 1, "Refunds"),), 1,
     "cannot redo edit #1 (renamed #1 from 'Refund process' to 'Refunds'): it is not undone (`feedback themes undo 1`"
     " takes it back)"),
    (lambda db: (rename(db, 1, "Refunds"),), 7, "no edit #7 (`feedback themes undo --list` shows the recent ones)"),
    (lambda db: (rename(db, 1, "Refunds"),), None, "nothing to redo: no edit is undone"),
    (lambda db: (), None, "nothing to redo: no theme edit is recorded"),
])
def test_a_redo_is_refused_and_changes_nothing(shaped: sqlite_utils.Database, steps: Any, redone: int | None,
                                               message: str) -> None:
    db = shaped
    steps(db)
    state = everything(db)
    assert refused(lambda: redo(db, redone)) == message
    assert everything(db) == state


def test_a_redone_edit_is_not_redone_twice(shaped: sqlite_utils.Database) -> None:
    db = shaped
    pin(db, 2)
    undo(db)
    redo(db)
    stamp = db["theme_edits"].get(1)["redone_at"][:19]
    assert refused(lambda: redo(db, 1)) == (
        f"cannot redo edit #1 (pinned #2's label 'Late delivery'): it was redone at {stamp} and stands")


@pytest.mark.parametrize(("key", "what"), [("last_fit", "a re-cluster"), ("last_update", "the nightly run")])
def test_a_redo_is_refused_after_a_fit_or_a_night(shaped: sqlite_utils.Database, key: str, what: str) -> None:
    db = shaped
    merge(db, 1, [2])
    undo(db)
    store.set_state(db, key, {"run": "2024-06-01T03:00:00.000000Z"})
    state = everything(db)
    assert refused(lambda: redo(db)) == (
        f"cannot redo edit #1 (merged #2 into #1): {what} of 2024-06-01T03:00:00 came after the undo: the themes"
        " moved on since; make the change again by hand")
    assert everything(db) == state


def test_a_redo_is_refused_when_the_comments_it_moves_have_moved_on(shaped: sqlite_utils.Database) -> None:
    db = shaped
    merge(db, 1, [2])
    undo(db)
    db.execute("update theme_segments set theme_id = 6 where id = 's4'")
    state = everything(db)
    assert refused(lambda: redo(db)) == (
        "cannot redo edit #1 (merged #2 into #1): comments it moved out of theme #2 have moved on since the undo")
    assert everything(db) == state


def test_cli_redo_and_the_archive(shaped: sqlite_utils.Database, tmp_path: Path) -> None:
    db = shaped
    rename(db, 1, "Refunds")
    move(db, 1, None)
    db.close()
    config = tmp_path / "config.yml"
    config.write_text("warehouse: warehouse.db\n")

    def run(*args: str) -> tuple[int, str, str]:
        result = CliRunner().invoke(themes_cli, ["--config", str(config), *args])
        return result.exit_code, result.stdout, result.stderr

    def published() -> list[tuple[Any, ...]]:
        archive = sqlite_utils.Database(tmp_path / "archive.db")
        found = archive.execute("select id, label, parent_id from themes where id in (1, 2) order by id").fetchall()
        archive.close()
        return found

    assert run("redo") == (1, "", "Error: nothing to redo: no edit is undone\n")
    published_ = "republished archive.db (0 comments)\n"  # comments not yet processed: themes only
    assert run("undo") == (0, "undid edit #2: moved #1 from group #10 to the top level\n", published_)
    assert run("undo") == (0, "undid edit #1: renamed #1 from 'Refund process' to 'Refunds'\n", published_)
    assert published() == [(1, "Refund process", 10), (2, "Late delivery", 10)]
    assert run("redo", "2") == (1, "", "Error: cannot redo edit #2 (moved #1 from group #10 to the top level): edit"
                                       " #1 (renamed #1 from 'Refund process' to 'Refunds'), made before it, was undone"
                                       " after it: redo #1 first\n")
    assert run("redo") == (0, "redid edit #1: renamed #1 from 'Refund process' to 'Refunds'\n", published_)
    assert run("redo") == (0, "redid edit #2: moved #1 from group #10 to the top level\n", published_)
    assert published() == [(1, "Refunds", None), (2, "Late delivery", 10)]
    shown = run("show", "1")[1].splitlines()
    assert [line[22:] for line in shown[shown.index("history, latest first:") + 1:]] == [
        "redid edit #2: moved #1 from group #10 to the top level (3 segments)",
        "redid edit #1: renamed #1 from 'Refund process' to 'Refunds' (3 segments)",
        "undid edit #1: renamed #1 from 'Refund process' to 'Refunds' (3 segments)",
        "undid edit #2: moved #1 from group #10 to the top level (3 segments)",
        "moved from group #10 to the top level (3 segments)",
        "renamed from 'Refund process' to 'Refunds' (pinned) (3 segments)"]
    assert run("redo", "99") == (1, "", "Error: no edit #99 (`feedback themes undo --list` shows the recent ones)\n")
    code, _, error = run("redo", "x")
    assert code == 2 and error.endswith("Error: Invalid value for '[EDIT_ID]': 'x' is not a valid integer.\n")


def test_edit_words_for_a_redo() -> None:
    assert describe("redone", "A", 3, {"edit": 4, "redid": {"kind": "split", "theme": 1, "into": [1, 40]}}) == (
        "redid edit #4: split #1 into #1, #40 (3 segments)")


# --- the real model -------------------------------------------------------------------------

SETTINGS = ThemeSettings()  # as the shared fitted warehouse (conftest.edits_fitted)


@pytest.fixture
def db(edits_fitted: Path, tmp_path: Path) -> sqlite_utils.Database:
    return copy_of(edits_fitted, tmp_path)


@pytest.mark.slow
def test_a_redone_split_has_the_same_ids(db: sqlite_utils.Database) -> None:
    theme = biggest(db, 1)[0]
    parts = split(db, theme, SETTINGS)
    made = sorted(set(parts) - {theme})
    assert made and store.next_theme_id(db) == max(made) + 1
    themes, segments = themes_now(db), segments_now(db)
    undo(db)
    assert not set(made) & set(themes_now(db))
    redo(db)
    assert themes_now(db) == themes  # the parts with their ids, labels, keywords, centroids, sizes
    assert segments_now(db) == segments
    assert store.next_theme_id(db) == max(made) + 1
    assert all(history(db, t)[-1].startswith(f"redid edit #1: split #{theme} into ") for t in parts)


@pytest.mark.slow
def test_the_published_archive_follows_a_redo(db: sqlite_utils.Database, tmp_path: Path) -> None:
    config_path = tmp_path / "config.yml"
    config_path.write_text("warehouse: warehouse.db\n")
    target, sources = biggest(db, 1)[0], biggest(db, 3)[1:]
    publish_archive(db, load_config(config_path))
    archive_path = tmp_path / "archive.db"

    def published() -> dict[str, list[tuple[Any, ...]]]:
        archive = sqlite_utils.Database(archive_path)
        found = {table: archive.execute(f"select * from {table} order by 1, 2").fetchall()
                 for table in ("themes", "feedback_themes", "segments")}
        archive.close()
        return found

    merge(db, target, sources, SETTINGS.context_weight)
    publish_archive(db, load_config(config_path))
    merged = published()
    undo(db)
    publish_archive(db, load_config(config_path))
    assert published() != merged
    moved = {r[0] for r in db.execute(f"select item_id from theme_segments where theme_id in"
                                      f" ({','.join('?' * len(sources))})", sources)}
    redo(db)
    result = publish_archive(db, load_config(config_path))
    # the next publish brings the archive up to the redone merge: the comments it moved, not a rebuild
    assert (result.mode, result.reason, result.changed) == ("incremental", "", len(moved))
    assert published() == merged
    archive = sqlite_utils.Database(archive_path)
    told = archive.execute("select theme_id from theme_history where event = 'redone' order by theme_id").fetchall()
    archive.close()
    assert [t for (t,) in told] == sorted([target, *sources])


def test_migration_0151_orders_the_edits_made_before_it_by_their_last_edit_or_undo() -> None:
    from feedback.themes import edit_log
    from feedback.warehouse.migrations import MIGRATIONS

    steps = dict(MIGRATIONS)
    db = sqlite_utils.Database(memory=True)
    steps["0150_theme_edits"](db)
    db["theme_edits"].insert_all([
        {"id": eid, "at": f"2026-11-0{day}T10:00:00.000000Z", "undone_at": undone, "kind": "rename", "details": "{}",
         "themes": "[1]", "before": "{}", "after": "{}", "segments": "[]", "marks": "{}"}
        for eid, day, undone in [(1, 1, "2026-11-05T10:00:00.000000Z"), (2, 2, None),
                                 (3, 3, "2026-11-04T10:00:00.000000Z")]])
    steps["0151_theme_redo"](db)
    assert db.execute("select id, step, undone_rows, redone_at from theme_edits order by id").fetchall() == [
        (1, 3, None, None), (2, 1, None, None), (3, 2, None, None)]
    assert [e.id for e in edit_log.edits(db, "undone_at is not null", order="step")] == [1, 3]  # #1 undone last
    assert edit_log.next_step(db) == 4


def test_an_edit_undone_before_migration_0151_is_redone_with_its_ids(shaped: sqlite_utils.Database) -> None:
    db = shaped
    group(db, "Mixed", [1, 3])
    done = themes_now(db), segments_now(db)
    undo(db)
    db.execute("update theme_edits set undone_rows = null")  # the undo kept no rows before 0151
    redo(db)
    assert (themes_now(db), segments_now(db)) == done  # group 12 with its state, its figures counted again
