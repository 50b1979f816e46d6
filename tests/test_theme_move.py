"""``feedback themes move``: an analyst puts a theme under another top-level group (or on its
own); the nightly run, a re-cluster and the published archive keep the place."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner

from feedback.cli.themes import themes as themes_cli
from feedback.embed import Embedder
from feedback.themes import ThemeSettings, recluster, rename, update_themes
from feedback.themes.edits import ThemeError, group, move, placements
from feedback.themes.hierarchy import continue_parents, honour_placements, set_aside
from tests.themes_fixtures import (
    add_comments,
    copy_of,
    fitted_warehouse,
    sample_comments,
)

SETTINGS = ThemeSettings()
LIST_ALL = "(`feedback themes list --all` shows every id)"


# --- the rule, on indices -------------------------------------------------------------------

def test_set_aside_takes_the_placed_themes_out_of_the_fit_s_groups() -> None:
    assert set_aside([[0, 1, 2], [3, 4]], {1: 7, 4: None}) == [[0, 2], [3]]
    assert set_aside([[0, 1], [2, 3]], {}) == [[0, 1], [2, 3]]


@pytest.mark.parametrize(("placed", "groups", "ids"), [
    # nothing placed: the fit's top level as it is
    ({}, [[0, 1, 2], [3, 4]], [50, 51]),
    # 1 moved under 51, which continues: it leaves 50's group and joins 51's
    ({1: 51}, [[0, 2], [1, 3, 4]], [50, 51]),
    # 4 made an entry of its own: 51 keeps only 3, so it is no group (3 is top-level too)
    ({4: None}, [[0, 1, 2]], [50]),
    # 1 moved under 99, which did not continue: it stays where the fit put it
    ({1: 99}, [[0, 1, 2], [3, 4]], [50, 51]),
    # 3 and 4 moved away: 51 is left with nothing and is no group
    ({3: 50, 4: 50}, [[0, 1, 2, 3, 4]], [50]),
])
def test_placements_are_honoured_while_their_parent_continues(placed: dict[int, int | None],
                                                               groups: list[list[int]], ids: list[int]) -> None:
    computed = [[0, 1, 2], [3, 4]]
    assert honour_placements(computed, set_aside(computed, placed), [50, 51], placed) == (groups, ids)


@pytest.mark.parametrize(("placed", "kept", "groups", "ids"), [
    # 1 and 3 placed in 77, a group an analyst made: it continues with them, after the fit's groups
    ({1: 77, 3: 77}, {77}, [[0, 2], [1, 3]], [50, 77]),
    # the same placements without 77 among the kept groups: each theme stays where the fit put it
    ({1: 77, 3: 77}, set(), [[0, 1, 2], [3, 4]], [50, 51]),
    # one theme left in the analyst's group: it does not continue, the theme goes where the fit put it
    ({1: 77}, {77}, [[0, 1, 2], [3, 4]], [50, 51]),
    # a kept group the fit did continue takes its placed themes like any other
    ({1: 51}, {51}, [[0, 2], [1, 3, 4]], [50, 51]),
])
def test_a_group_analysts_made_continues_with_the_themes_placed_in_it(
        placed: dict[int, int | None], kept: set[int], groups: list[list[int]], ids: list[int]) -> None:
    computed = [[0, 1, 2], [3, 4]]
    assert honour_placements(computed, set_aside(computed, placed), [50, 51], placed, kept) == (groups, ids)


def test_a_singleton_left_by_the_fit_is_a_group_again_when_a_theme_is_moved_into_it() -> None:
    computed = [[0, 1], [2, 3]]
    placed: dict[int, int | None] = {1: 51}
    assert honour_placements(computed, set_aside(computed, placed), [50, 51], placed) == ([[1, 2, 3]], [51])


@pytest.mark.parametrize(("groups", "old", "analysts", "ids"), [
    # the same top level: each group continues its parent (Jaccard 0.5 or more)
    ([{1, 2, 3}, {4, 5}], {50: {1, 2, 3}, 51: {4, 5}}, set(), [50, 51]),
    # coarser: the engine's parents are folded into one group, which continues the one it overlaps best
    ([{1, 2, 3, 4, 5}], {50: {1, 2, 3}, 51: {4, 5}}, set(), [50]),
    # ... unless an analyst named the other: the group holds all its themes and keeps the analyst's name
    ([{1, 2, 3, 4, 5}], {50: {1, 2, 3}, 51: {4, 5}}, {51}, [51]),
    # two named parents folded into one: the one it holds more themes of
    ([{1, 2, 3, 4, 5, 6, 7}], {50: {1, 2, 3}, 51: {4, 5}}, {50, 51}, [50]),
    # a named parent of which a group holds most, but not at Jaccard 0.5 (3 of 4 among 8): it continues
    ([{1, 2, 3, 6, 7, 8, 9, 10}, {4, 5}], {50: {1, 2, 3, 4}}, {50}, [50, 99]),
    # the same, not named: a new group
    ([{1, 2, 3, 6, 7, 8, 9, 10}, {4, 5}], {50: {1, 2, 3, 4}}, set(), [99, 100]),
    # half of a named parent's themes is not most of them: new groups
    ([{1, 2, 6, 7, 8}, {3, 4, 9, 10, 11}], {50: {1, 2, 3, 4}}, {50}, [99, 100]),
])
def test_a_group_continues_the_parent_an_analyst_named_when_it_holds_most_of_its_themes(
        groups: list[set[int]], old: dict[int, set[int]], analysts: set[int], ids: list[int]) -> None:
    assert continue_parents(groups, old, analysts, 99) == ids


# --- the real model -------------------------------------------------------------------------

DATA = sample_comments(seed=5, per_theme=20)


@pytest.fixture(scope="module")
def fitted(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Path:
    return fitted_warehouse(tmp_path_factory.mktemp("move"), [t for t, _ in DATA[:260]], embedder, SETTINGS)


@pytest.fixture
def db(fitted: Path, tmp_path: Path) -> sqlite_utils.Database:
    return copy_of(fitted, tmp_path)


def parent_of(db: sqlite_utils.Database, theme_id: int) -> int | None:
    return db.execute("select parent_id from themes where id = ?", [theme_id]).fetchone()[0]  # type: ignore[no-any-return]


def groups(db: sqlite_utils.Database) -> dict[int, list[int]]:
    """Each top-level group's themes, biggest group first."""
    found: dict[int, list[int]] = {}
    for theme, parent in db.execute("select id, parent_id from themes where status = 'active' and parent_id"
                                    " is not null order by id"):
        found.setdefault(parent, []).append(theme)
    return dict(sorted(found.items(), key=lambda kv: (-len(kv[1]), kv[0])))


def a_move(db: sqlite_utils.Database) -> tuple[int, int, int]:
    """(theme, its group, another group): the biggest group's first theme and the second group."""
    (home, kids), (other, _) = list(groups(db).items())[:2]
    return kids[0], home, other


def last_history(db: sqlite_utils.Database, theme_id: int) -> tuple[str, str, int | None, dict[str, object]]:
    event, label, size, details = db.execute("select event, label, size, details from theme_history"
                                             " where theme_id = ? order by id desc limit 1", [theme_id]).fetchone()
    return event, label, size, json.loads(details)


@pytest.mark.slow
def test_move_puts_the_theme_under_the_group_and_records_it(db: sqlite_utils.Database) -> None:
    theme, home, other = a_move(db)
    row = db["themes"].get(theme)
    before = {p: db["themes"].get(p)["size"] for p in (home, other)}
    assert move(db, theme, other) is True
    assert parent_of(db, theme) == other
    assert last_history(db, theme) == ("moved", row["label"], row["size"], {"from": home, "to": other})
    assert placements(db) == {theme: other}
    # the groups' sizes follow their themes
    assert db["themes"].get(home)["size"] == before[home] - row["size"]
    assert db["themes"].get(other)["size"] == before[other] + row["size"]
    # moving it there again changes nothing and records nothing
    rows = db["theme_history"].count
    assert move(db, theme, other) is False
    assert db["theme_history"].count == rows
    # a top-level entry of its own
    assert move(db, theme, None) is True
    assert parent_of(db, theme) is None
    assert last_history(db, theme)[3] == {"from": other, "to": None}
    assert placements(db) == {theme: None}


@pytest.mark.slow
def test_a_group_left_without_themes_is_retired(db: sqlite_utils.Database) -> None:
    (target, _), *_, (smallest, kids) = groups(db).items()
    for kid in kids:
        move(db, kid, target)
    assert db["themes"].get(smallest)["status"] == "retired"
    assert last_history(db, smallest)[0] == "retired"
    assert last_history(db, smallest)[3] == {"by": "move"}
    assert set(kids) <= set(groups(db)[target])


@pytest.mark.slow
def test_move_refuses_what_it_cannot_do(db: sqlite_utils.Database) -> None:
    theme, home, other = a_move(db)
    leaf = groups(db)[other][0]
    cases = [
        (9999, other, f"no theme with id 9999 {LIST_ALL}"),
        (theme, 9999, f"no theme with id 9999 {LIST_ALL}"),
        (home, other, f"theme {home} is a top-level group; move the themes under it instead"),
        (theme, leaf, f"theme {leaf} is not a top-level group (`feedback themes list` marks them [group])"),
        (theme, theme, f"theme {theme} cannot be moved under itself"),
    ]
    rows = db["theme_history"].count
    for theme_id, under, message in cases:
        with pytest.raises(ThemeError) as raised:
            move(db, theme_id, under)
        assert str(raised.value) == message
    assert db["theme_history"].count == rows and parent_of(db, theme) == home


def nightly_then_recluster(db: sqlite_utils.Database, embedder: Embedder) -> dict[str, object]:
    add_comments(db, [t for t, _ in DATA[260:]], "b", day="2024-05-02")
    assert update_themes(db, SETTINGS, embedder)["mode"] == "assign"
    return recluster(db, SETTINGS, embedder)


def kept_groups(fitted: Path, folder: Path, embedder: Embedder) -> list[int]:
    """The groups that the nightly run and the re-cluster of the test below keep with the same themes
    when nobody moves anything (on a copy), biggest first: places that can survive."""
    folder.mkdir()
    control = copy_of(fitted, folder)
    before = groups(control)
    nightly_then_recluster(control, embedder)
    after = groups(control)
    return [g for g, kids in before.items() if set(after.get(g, [])) >= set(kids)]


@pytest.mark.slow
def test_the_place_survives_the_nightly_run_and_a_recluster(db: sqlite_utils.Database, fitted: Path, tmp_path: Path,
                                                            embedder: Embedder) -> None:
    # the places must be ones the re-cluster can keep: groups it keeps when nobody moves anything (the group the theme
    # leaves among them: a group the fit itself would not keep need not continue)
    kept = kept_groups(fitted, tmp_path / "control", embedder)
    home = next(g for g in kept if len(groups(db)[g]) >= 3)
    theme = groups(db)[home][0]
    other = next(g for g in kept if g != home)
    alone = groups(db)[other][0]
    move(db, theme, other)
    move(db, alone, None)
    add_comments(db, [t for t, _ in DATA[260:]], "b", day="2024-05-02")
    assert update_themes(db, SETTINGS, embedder)["mode"] == "assign"
    assert (parent_of(db, theme), parent_of(db, alone)) == (other, None)
    stats = recluster(db, SETTINGS, embedder)
    assert stats["reshaped"] is False
    assert db["themes"].get(other)["status"] == "parent"
    assert (parent_of(db, theme), parent_of(db, alone)) == (other, None)
    assert db["themes"].get(home)["status"] == "parent"  # the group it left continues without it
    # a second re-cluster: the place is still the analyst's
    recluster(db, SETTINGS, embedder)
    assert (parent_of(db, theme), parent_of(db, alone)) == (other, None)


@pytest.mark.slow
def test_without_the_move_a_recluster_puts_the_theme_back(db: sqlite_utils.Database, embedder: Embedder) -> None:
    """The control of the test above: the place the re-cluster keeps is the analyst's, not the fit's."""
    theme, home, other = a_move(db)
    db["themes"].update(theme, {"parent_id": other})  # the same change, not recorded as a move
    recluster(db, SETTINGS, embedder)
    assert parent_of(db, theme) == home


@pytest.mark.slow
def test_cli_move_and_the_republished_archive(db: sqlite_utils.Database, tmp_path: Path) -> None:
    config = tmp_path / "config.yml"
    config.write_text("warehouse: warehouse.db\n")
    theme, home, other = a_move(db)
    runner = CliRunner()

    def run(*args: str) -> tuple[int, str, str]:
        result = runner.invoke(themes_cli, ["--config", str(config), "move", *args])
        return result.exit_code, result.stdout, result.stderr

    published = "republished archive.db (260 comments)\n"
    assert run(str(theme), "--under", str(other)) == (0, f"theme {theme} is now under group {other}\n", published)
    archive = sqlite_utils.Database(tmp_path / "archive.db")
    assert archive.execute("select parent_id from themes where id = ?", [theme]).fetchone()[0] == other
    moved = archive.execute("select details from theme_history where theme_id = ? and event = 'moved'",
                            [theme]).fetchall()
    assert [json.loads(d) for (d,) in moved] == [{"from": home, "to": other}]
    archive.close()
    # nothing changed: nothing republished
    assert run(str(theme), "--under", str(other)) == (
        0, f"theme {theme} is already under group {other}; nothing changed\n", "")
    assert run(str(theme), "--top") == (0, f"theme {theme} is now a top-level entry\n", published)
    archive = sqlite_utils.Database(tmp_path / "archive.db")
    assert archive.execute("select parent_id from themes where id = ?", [theme]).fetchone()[0] is None
    archive.close()
    assert run("9999", "--top") == (1, "", f"Error: no theme with id 9999 {LIST_ALL}\n")
    for wrong in ([str(theme)], [str(theme), "--top", "--under", str(other)]):
        code, _, error = run(*wrong)
        assert code == 2 and error.endswith("Error: give either --under PARENT_ID or --top\n")
    code, _, error = run("abc", "--top")
    assert code == 2 and error.endswith("Error: Invalid value for 'THEME_ID': 'abc' is not a valid integer.\n")
    code, _, error = run(str(theme), "--under", "x")
    assert code == 2 and error.endswith("Error: Invalid value for '--under': 'x' is not a valid integer.\n")


# --- a group of the analyst's own ---------------------------------------------------------------

def not_drawn_from(keywords: list[str], texts: str) -> list[str]:
    """The keywords with a word none of ``texts`` has (a phrase may put its words in another order or drop a pronoun:
    "The driver was cheerful" -> "cheerful driver", "save me loads" -> "save loads")."""
    words = set(re.findall(r"[\w'-]+", texts.lower()))
    return [k for k in keywords if not set(re.findall(r"[\w'-]+", k.lower())) <= words]


def two_of_different_groups(db: sqlite_utils.Database) -> tuple[int, int, int, int]:
    """(theme, its group, theme, its group) from the two biggest groups."""
    (first, kids1), (second, kids2) = list(groups(db).items())[:2]
    return kids1[0], first, kids2[0], second


@pytest.mark.slow
def test_group_makes_a_pinned_top_level_group_of_the_themes(db: sqlite_utils.Database) -> None:
    a, home_a, b, home_b = two_of_different_groups(db)
    sizes = {t: db["themes"].get(t)["size"] for t in (a, b)}
    next_id = db.execute("select max(id) + 1 from themes").fetchone()[0]
    assert group(db, "  Store queues ", [a, b, a]) == next_id
    row = db["themes"].get(next_id)
    assert (row["label"], row["label_pinned"], row["status"], row["size"]) == (
        "Store queues", 1, "parent", sizes[a] + sizes[b])
    assert (parent_of(db, a), parent_of(db, b)) == (next_id, next_id)
    assert placements(db) == {a: next_id, b: next_id}
    assert last_history(db, a)[3] == {"from": home_a, "to": next_id}
    assert last_history(db, b)[3] == {"from": home_b, "to": next_id}
    created = db.execute("select event, label, details from theme_history where theme_id = ? order by id",
                         [next_id]).fetchall()
    assert [(e, lab, json.loads(d)) for e, lab, d in created] == [
        ("created", "Store queues", {"by": "analyst", "kind": "parent", "themes": [a, b]})]
    # keywords from its themes' segments, as a fit gives a group (they were empty: pages showed nothing)
    keywords = json.loads(row["keywords"])
    texts = " ".join(r[0].lower() for r in db.execute("select text from theme_segments where theme_id in (?, ?)",
                                                       [a, b]))
    assert 1 <= len(keywords) <= SETTINGS.keywords  # also when the two themes share no phrase (from_children)
    assert not_drawn_from(keywords, texts) == []


@pytest.mark.slow
def test_group_refuses_what_it_cannot_do(db: sqlite_utils.Database) -> None:
    a, home_a, b, _ = two_of_different_groups(db)
    taken = db["themes"].get(home_a)["label"]
    cases = [
        (" ", [a, b], "a group's label cannot be empty"),
        ("Mine", [a], "a group needs at least two themes"),
        ("Mine", [a, a], "a group needs at least two themes"),
        ("Mine", [a, 9999], f"no theme with id 9999 {LIST_ALL}"),
        ("Mine", [a, home_a], f"theme {home_a} is a top-level group, not a theme: `feedback themes show {home_a}`"
                              f" lists its themes (to put a theme in it: `feedback themes move THEME --under {home_a}`)"),
        (taken.upper(), [a, b], f"theme {home_a} is already labelled {taken.upper()!r}; choose another label"),
    ]
    rows, themes = db["theme_history"].count, db["themes"].count
    for label_, ids, message in cases:
        with pytest.raises(ThemeError) as raised:
            group(db, label_, ids)
        assert str(raised.value) == message
    assert (db["theme_history"].count, db["themes"].count) == (rows, themes)
    assert parent_of(db, a) == home_a


@pytest.mark.slow
def test_the_analyst_s_group_survives_the_nightly_run_and_reclusters(db: sqlite_utils.Database,
                                                                    embedder: Embedder) -> None:
    a, _, b, _ = two_of_different_groups(db)
    made = group(db, "Store queues", [a, b])
    db["themes"].update(made, {"keywords": "[]"})  # as a group made before groups had keywords
    add_comments(db, [t for t, _ in DATA[260:]], "b", day="2024-05-02")
    assert update_themes(db, SETTINGS, embedder)["mode"] == "assign"
    for _ in range(2):
        assert groups(db).get(made) == sorted([a, b])
        assert (db["themes"].get(made)["label"], db["themes"].get(made)["status"]) == ("Store queues", "parent")
        recluster(db, SETTINGS, embedder)
        # its keywords follow its themes' comments (a group made before it had them gets them)
        texts = " ".join(r[0].lower() for r in db.execute("select text from theme_segments where theme_id in (?, ?)",
                                                           [a, b]))
        keywords = json.loads(db["themes"].get(made)["keywords"])
        assert keywords and not_drawn_from(keywords, texts) == []
    assert groups(db).get(made) == sorted([a, b])
    # an analyst takes one theme out again: a group of one is no group, and the theme left goes back
    move(db, a, None)
    recluster(db, SETTINGS, embedder)
    assert db["themes"].get(made)["status"] == "retired"
    assert parent_of(db, b) is not None and parent_of(db, b) != made


@pytest.mark.slow
def test_cli_group(db: sqlite_utils.Database, tmp_path: Path) -> None:
    config = tmp_path / "config.yml"
    config.write_text("warehouse: warehouse.db\n")
    a, _, b, _ = two_of_different_groups(db)
    made = db.execute("select max(id) + 1 from themes").fetchone()[0]
    db.close()
    result = CliRunner().invoke(themes_cli, ["--config", str(config), "group", "Store <queues>", str(a), str(b)])
    assert (result.exit_code, result.stdout, result.stderr) == (
        0, f"group {made} 'Store <queues>' now holds {a}, {b}\n", "republished archive.db (260 comments)\n")
    archive = sqlite_utils.Database(tmp_path / "archive.db")
    assert archive.execute("select label from themes where id = ?", [made]).fetchone()[0] == "Store <queues>"
    assert sorted(r[0] for r in archive.execute("select id from themes where parent_id = ?", [made])) == sorted([a, b])
    archive.close()
    result = CliRunner().invoke(themes_cli, ["--config", str(config), "group", "Solo", str(a)])
    assert (result.exit_code, result.stderr) == (1, "Error: a group needs at least two themes\n")
    shown = CliRunner().invoke(themes_cli, ["--config", str(config), "show", str(a)])
    assert f"parent: #{made} Store <queues>\n" in shown.stdout


@pytest.mark.slow
def test_a_renamed_group_keeps_its_name_when_a_coarser_recluster_continues_it(db: sqlite_utils.Database,
                                                                             embedder: Embedder) -> None:
    before = groups(db)
    named = next(iter(before))  # the group of most themes, named by an analyst
    rename(db, named, "Our group")
    recluster(db, SETTINGS, embedder, top_themes=2)
    after = groups(db)
    holder = max(after, key=lambda g: (len(set(after[g]) & set(before[named])), -g))
    # a new group holds most of its themes (the re-cluster's top level is coarser: it held them with others)
    assert len(set(after[holder]) & set(before[named])) > len(before[named]) / 2
    assert len(after[holder]) > len(before[named])
    assert holder == named
    assert (db["themes"].get(named)["label"], db["themes"].get(named)["status"]) == ("Our group", "parent")
