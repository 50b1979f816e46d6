"""``feedback themes undo``: an analyst takes back a theme edit. The theme rows and segment
assignments are as before it, the undo is in each theme's history in words, and it is refused
when the themes moved on (a re-cluster, a night, a later edit of the same themes)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from click.testing import CliRunner

from feedback.cli.themes import themes as themes_cli
from feedback.config import load_config
from feedback.embed import Embedder
from feedback.pipeline import publish_archive
from feedback.themes import ThemeSettings, merge, pin, recluster, rename, split, store
from feedback.themes.edits import ThemeError, group, move, placements
from feedback.themes.history_words import describe, describe_edit
from feedback.themes.undo import undo
from tests.themes_fixtures import biggest, copy_of, shaped_warehouse

# when a row was last written (every edit, undo and statistics refresh writes it): all else must be as before
NOISE = ("updated_at",)


def themes_now(db: sqlite_utils.Database) -> dict[int, dict[str, Any]]:
    return {r["id"]: {k: v for k, v in r.items() if k not in NOISE} for r in db["themes"].rows}


def segments_now(db: sqlite_utils.Database) -> dict[str, int | None]:
    return dict(db.execute("select id, theme_id from theme_segments").fetchall())


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


@pytest.mark.parametrize("edit", [
    lambda db: rename(db, 1, "Refunds"),
    lambda db: pin(db, 2),
    lambda db: move(db, 1, 11),
    lambda db: move(db, 3, None),  # group 11 is left with no theme: retired, and back after the undo
    lambda db: merge(db, 1, [2, 3]),  # group 11 retired again; segments back to 2 and 3
])
def test_an_undo_puts_back_the_themes_and_segments_as_they_were(shaped: sqlite_utils.Database, edit: Any) -> None:
    db = shaped
    themes, segments = themes_now(db), segments_now(db)
    edit(db)
    assert themes_now(db) != themes
    done = undo(db)
    assert themes_now(db) == themes
    assert segments_now(db) == segments
    assert placements(db) == {}  # an undone move is no analyst's place: re-clusters do not keep it
    assert refused(lambda: undo(db)) == "nothing to undo: every edit recorded is undone already"
    assert refused(lambda: undo(db, done.id)) == (
        f"cannot undo edit #{done.id} ({describe_edit(done.kind, done.details)}): it was undone at"
        f" {db['theme_edits'].get(done.id)['undone_at'][:19]}")


def test_the_undo_is_in_each_theme_s_history_in_words(shaped: sqlite_utils.Database) -> None:
    db = shaped
    merge(db, 1, [3])
    undo(db)
    assert history(db, 3)[-2:] == ["merged into #1 (1 segments)", "undid edit #1: merged #3 into #1 (1 segments)"]
    assert history(db, 1)[-1] == "undid edit #1: merged #3 into #1 (3 segments)"
    assert history(db, 11)[-2:] == ["retired by a merge", "undid edit #1: merged #3 into #1"]
    assert [r[0] for r in db.execute("select theme_id from theme_history where event = 'undone' order by id")] == [
        1, 3, 11]


def test_the_latest_edit_is_undone_first_then_the_one_before(shaped: sqlite_utils.Database) -> None:
    db = shaped
    start = themes_now(db)
    rename(db, 1, "Refunds")
    after_first = themes_now(db)
    move(db, 1, None)
    assert undo(db).kind == "move"
    assert themes_now(db) == after_first
    assert undo(db).kind == "rename"
    assert themes_now(db) == start


def test_an_earlier_edit_is_undone_when_no_later_one_changed_its_themes(shaped: sqlite_utils.Database) -> None:
    db = shaped
    rename(db, 1, "Refunds")
    rename(db, 2, "Late")
    undo(db, 1)
    assert (db["themes"].get(1)["label"], db["themes"].get(2)["label"]) == ("Refund process", "Late")


@pytest.mark.parametrize(("edits", "undone", "message"), [
    # a later edit of the same theme: that one first
    (lambda db: (rename(db, 1, "Refunds"), move(db, 1, None)), 1,
     "cannot undo edit #1 (renamed #1 from 'Refund process' to 'Refunds'): a later edit, #2 (moved #1 from group"
     " #10 to the top level), changed theme #1 too: undo #2 first"),
    # a later edit retired the group the theme came from
    (lambda db: (move(db, 1, None), move(db, 2, None)), 1,
     "cannot undo edit #1 (moved #1 from group #10 to the top level): group #10, where theme #1 was, is no group"
     " now (`feedback themes show 10` tells why)"),
    (lambda db: rename(db, 1, "Refunds"), 7, "no edit #7 (`feedback themes undo --list` shows the recent ones)"),
])
def test_an_undo_is_refused_when_a_later_edit_is_in_the_way(shaped: sqlite_utils.Database, edits: Any,
                                                             undone: int, message: str) -> None:
    db = shaped
    edits(db)
    themes, rows = themes_now(db), db["theme_history"].count
    assert refused(lambda: undo(db, undone)) == message
    assert (themes_now(db), db["theme_history"].count) == (themes, rows)


@pytest.mark.parametrize(("key", "what"), [("last_fit", "a re-cluster"), ("last_update", "the nightly run")])
def test_an_undo_is_refused_after_a_fit_or_a_night(shaped: sqlite_utils.Database, key: str, what: str) -> None:
    db = shaped
    merge(db, 1, [2])
    store.set_state(db, key, {"run": "2024-06-01T03:00:00.000000Z"})
    themes, segments = themes_now(db), segments_now(db)
    assert refused(lambda: undo(db)) == (
        f"cannot undo edit #1 (merged #2 into #1): {what} of 2024-06-01T03:00:00 came after it: the themes moved"
        " on since; make the change again by hand")
    assert (themes_now(db), segments_now(db)) == (themes, segments)


def test_an_undo_does_not_take_away_a_theme_an_action_is_recorded_against(shaped: sqlite_utils.Database) -> None:
    db = shaped
    made = group(db, "Mixed", [1, 3])
    db["actions"].insert({"id": 4, "theme_id": made, "text": "More staff", "date": "2024-06-01"})
    assert refused(lambda: undo(db)) == (
        f"cannot undo edit #1 (made group #{made} 'Mixed' of #1, #3): action #4 is recorded against theme #{made},"
        f" which it made; to undo it, remove the action first (`feedback actions remove 4`)")
    db["actions"].delete(4)
    assert undo(db).id == 1


def test_an_undo_is_refused_when_the_comments_it_moved_have_moved_on(shaped: sqlite_utils.Database) -> None:
    db = shaped
    merge(db, 1, [2])
    db.execute("update theme_segments set theme_id = 6 where id = 's4'")
    assert refused(lambda: undo(db)) == (
        "cannot undo edit #1 (merged #2 into #1): comments it moved into theme #1 have moved on since")


def test_an_edit_that_changes_nothing_is_not_recorded(shaped: sqlite_utils.Database) -> None:
    db = shaped
    assert pin(db, 6) is False and move(db, 1, 10) is False
    assert db["theme_edits"].count == 0
    assert refused(lambda: undo(db)) == ("nothing to undo: no theme edit is recorded (edits made before `themes undo`"
                                         " existed cannot be undone)")


def test_the_ids_of_themes_an_undone_edit_made_are_not_given_again(shaped: sqlite_utils.Database) -> None:
    db = shaped
    made = group(db, "Mixed", [1, 3])
    assert made == 12
    undo(db)
    assert db.execute("select count(*) from themes where id = 12").fetchone()[0] == 0
    assert refused(lambda: move(db, 1, 12)) == "theme 12 is gone: edit #1, which made it, was undone"
    assert (db["themes"].get(1)["parent_id"], db["themes"].get(3)["parent_id"]) == (10, 11)
    assert store.next_theme_id(db) == 13  # 12 is in the history: a new theme does not inherit it


@pytest.mark.parametrize(("kind", "details", "text"), [
    ("rename", {"theme": 1, "from": "A", "to": "B"}, "renamed #1 from 'A' to 'B'"),
    ("pin", {"theme": 1, "label": "A"}, "pinned #1's label 'A'"),
    ("merge", {"into": 1, "merged": [2, 3]}, "merged #2, #3 into #1"),
    ("split", {"theme": 1, "into": [1, 40]}, "split #1 into #1, #40"),
    ("move", {"theme": 1, "from": 10, "to": None}, "moved #1 from group #10 to the top level"),
    ("group", {"group": 12, "label": "Mixed", "themes": [1, 3]}, "made group #12 'Mixed' of #1, #3"),
])
def test_edits_in_words(kind: str, details: dict[str, Any], text: str) -> None:
    assert describe_edit(kind, details) == text
    assert describe("undone", "A", 3, {"edit": 4, "undid": {"kind": kind, **details}}) == (
        f"undid edit #4: {text} (3 segments)")


def test_cli_undo_list_show_and_errors(shaped: sqlite_utils.Database, tmp_path: Path) -> None:
    db = shaped
    rename(db, 1, "Refunds")
    move(db, 1, None)
    rename(db, 2, "Late")
    stamps = [r[0][:19] for r in db.execute("select at from theme_edits order by id desc")]
    db.close()
    config = tmp_path / "config.yml"
    config.write_text("warehouse: warehouse.db\n")

    def run(*args: str) -> tuple[int, str, str]:
        result = CliRunner().invoke(themes_cli, ["--config", str(config), *args])
        return result.exit_code, result.stdout, result.stderr

    assert run("undo", "--list") == (0, "\n".join([
        "edits, latest first:",
        f"#3  {stamps[0]}  renamed #2 from 'Late delivery' to 'Late'",
        f"#2  {stamps[1]}  moved #1 from group #10 to the top level",
        f"#1  {stamps[2]}  renamed #1 from 'Refund process' to 'Refunds'  (cannot be undone: a later edit, #2 (moved"
        " #1 from group #10 to the top level), changed theme #1 too: undo #2 first)"]) + "\n", "")
    assert run("undo", "1") == (1, "", "Error: cannot undo edit #1 (renamed #1 from 'Refund process' to 'Refunds'):"
                                       " a later edit, #2 (moved #1 from group #10 to the top level), changed theme"
                                       " #1 too: undo #2 first\n")
    published = "republished archive.db (0 comments)\n"  # comments not yet processed: themes only
    assert run("undo", "2") == (0, "undid edit #2: moved #1 from group #10 to the top level\n", published)
    assert run("undo") == (0, "undid edit #3: renamed #2 from 'Late delivery' to 'Late'\n", published)
    shown = run("show", "1")[1].splitlines()
    history_ = shown[shown.index("history, latest first:") + 1:]
    assert [line[22:] for line in history_] == [
        "undid edit #2: moved #1 from group #10 to the top level (3 segments)",
        "moved from group #10 to the top level (3 segments)",
        "renamed from 'Refund process' to 'Refunds' (pinned) (3 segments)"]
    warehouse = sqlite_utils.Database(tmp_path / "warehouse.db")
    undone = [r[0][:19] for r in warehouse.execute("select undone_at from theme_edits where undone_at is not null"
                                                   " order by id desc")]
    warehouse.close()
    assert run("undo", "--list")[1] == "\n".join([
        "edits, latest first:",
        f"#3  {stamps[0]}  renamed #2 from 'Late delivery' to 'Late'  (undone at {undone[0]}; can be redone)",
        f"#2  {stamps[1]}  moved #1 from group #10 to the top level  (undone at {undone[1]}; can be redone)",
        f"#1  {stamps[2]}  renamed #1 from 'Refund process' to 'Refunds'"]) + "\n"
    archive = sqlite_utils.Database(tmp_path / "archive.db")
    assert archive.execute("select label, parent_id from themes where id in (1, 2) order by id").fetchall() == [
        ("Refunds", 10), ("Late delivery", 10)]
    archive.close()
    assert run("undo", "1")[0] == 0
    assert run("undo") == (1, "", "Error: nothing to undo: every edit recorded is undone already\n")
    warehouse = sqlite_utils.Database(tmp_path / "warehouse.db")
    undone = [r[0][:19] for r in warehouse.execute("select undone_at from theme_edits order by id desc")]
    warehouse.close()
    assert run("undo", "--list") == (0, "\n".join([  # the undone edits, and which can be redone (`themes redo`)
        "edits, latest first:",
        f"#3  {stamps[0]}  renamed #2 from 'Late delivery' to 'Late'  (undone at {undone[0]}; can be redone)",
        f"#2  {stamps[1]}  moved #1 from group #10 to the top level  (undone at {undone[1]}; cannot be redone:"
        " edit #1 (renamed #1 from 'Refund process' to 'Refunds'), made before it, was undone after it: redo #1"
        " first)",
        f"#1  {stamps[2]}  renamed #1 from 'Refund process' to 'Refunds'  (undone at {undone[2]}; can be redone)"]) + "\n",
        "")
    assert run("undo", "99") == (1, "", "Error: no edit #99 (`feedback themes undo --list` shows the recent ones)\n")
    code, _, error = run("undo", "2", "--list")
    assert code == 2 and error.endswith("Error: give either EDIT_ID or --list\n")
    code, _, error = run("undo", "x")
    assert code == 2 and error.endswith("Error: Invalid value for '[EDIT_ID]': 'x' is not a valid integer.\n")


# --- the real model -------------------------------------------------------------------------

SETTINGS = ThemeSettings()  # as the shared fitted warehouse (conftest.edits_fitted)


@pytest.fixture
def db(edits_fitted: Path, tmp_path: Path) -> sqlite_utils.Database:
    return copy_of(edits_fitted, tmp_path)


def a_group_s_themes(db: sqlite_utils.Database) -> list[int]:
    """The first theme of each of the two biggest groups."""
    found: dict[int, list[int]] = {}
    for theme, parent in db.execute("select id, parent_id from themes where status = 'active' and parent_id"
                                    " is not null order by id"):
        found.setdefault(parent, []).append(theme)
    return [kids[0] for _, kids in sorted(found.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:2]]


@pytest.mark.slow
@pytest.mark.parametrize("edit", [
    lambda db: merge(db, biggest(db, 3)[0], biggest(db, 3)[1:], SETTINGS.context_weight),
    lambda db: split(db, biggest(db, 1)[0], SETTINGS),
    lambda db: group(db, "Store queues", a_group_s_themes(db)),
    lambda db: move(db, a_group_s_themes(db)[0], None),
])
def test_an_undo_puts_back_what_the_fit_made(db: sqlite_utils.Database, embedder: Embedder, edit: Any) -> None:
    themes, segments = themes_now(db), segments_now(db)
    edit(db)
    assert themes_now(db) != themes
    made = [r[0] for r in db.execute("select id from themes where id > ?", [max(themes)])]
    undo(db)
    assert themes_now(db) == themes  # labels, keywords, status, parents, pins, centroids, sizes, representatives
    assert segments_now(db) == segments
    assert store.next_theme_id(db) == max([*themes, *made]) + 1
    # the next re-cluster goes on from the themes as they were: nothing of the edit is kept
    recluster(db, SETTINGS, embedder)
    assert not set(made) & {r[0] for r in db.execute("select id from themes")}


@pytest.mark.slow
def test_an_undo_is_refused_after_a_recluster(db: sqlite_utils.Database, embedder: Embedder) -> None:
    theme = a_group_s_themes(db)[0]
    home = db["themes"].get(theme)["parent_id"]
    move(db, theme, None)
    recluster(db, SETTINGS, embedder)
    run = store.get_state(db, "last_fit")["run"]
    assert refused(lambda: undo(db)) == (
        f"cannot undo edit #1 (moved #{theme} from group #{home} to the top level):"
        f" a re-cluster of {run[:19]} came after it: the themes moved on since; make the change again by hand")


@pytest.mark.slow
def test_the_published_archive_follows_an_undo(db: sqlite_utils.Database, tmp_path: Path) -> None:
    config_path = tmp_path / "config.yml"
    config_path.write_text("warehouse: warehouse.db\n")
    target, sources = biggest(db, 1)[0], biggest(db, 3)[1:]
    publish_archive(db, load_config(config_path))
    db.close()
    archive_path = tmp_path / "archive.db"

    def published() -> dict[str, list[tuple[Any, ...]]]:
        archive = sqlite_utils.Database(archive_path)
        found = {table: archive.execute(f"select * from {table} order by 1, 2").fetchall()
                 for table in ("themes", "feedback_themes", "segments")}
        archive.close()
        return found

    def run(*args: str) -> tuple[int, str, str]:
        result = CliRunner().invoke(themes_cli, ["--config", str(config_path), *args])
        return result.exit_code, result.stdout, result.stderr

    before = published()
    merged = f"merged {', '.join(map(str, sources))} into {target}"
    assert run("merge", str(target), *map(str, sources)) == (0, f"{merged}\n", "republished archive.db (260 comments)\n")
    assert published() != before
    words = f"merged {', '.join(f'#{s}' for s in sources)} into #{target}"
    assert run("--no-publish", "undo") == (0, f"undid edit #1: {words}\n", "")
    db = sqlite_utils.Database(tmp_path / "warehouse.db")
    moved = {r[0] for r in db.execute(f"select item_id from theme_segments where theme_id in ({','.join('?' * len(sources))})",
                                      sources)}
    result = publish_archive(db, load_config(config_path))
    db.close()
    # the next publish brings the archive up to date with the comments the undo moved back, not a rebuild
    assert (result.mode, result.reason, result.changed) == ("incremental", "", len(moved))
    assert published() == before
    archive = sqlite_utils.Database(archive_path)
    told = archive.execute("select theme_id from theme_history where event = 'undone' order by theme_id").fetchall()
    archive.close()
    assert [t for (t,) in told] == sorted([target, *sources])
