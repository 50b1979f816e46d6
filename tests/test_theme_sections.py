"""Sections: a large top-level entry's sub-themes are read in a few named sections (issue #12).

The rule on hand-made centroids, a fit on a real fitted warehouse (the threshold lowered, so the
small fixture's entries count as large), the pages over a small archive built here, and an
analyst's edit that unsections a theme (and its undo, which puts it back).
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sqlite_utils

from feedback.embed import Embedder
from feedback.serve.queries import OTHER_SUB_THEMES, in_sections
from feedback.themes import ThemeSettings, hierarchy, merge, recluster, sections, store
from feedback.themes.edits import move
from feedback.themes.engine import update_themes
from feedback.themes.redo import redo
from feedback.themes.undo import undo
from tests.page_helpers import get
from tests.themes_fixtures import add_comments, copy_of, fitted_warehouse, sample_comments

from .conftest import empty_archive

# --- the rule ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("children", "count"), [
    (0, 0), (5, 0), (12, 0),  # up to the threshold: one flat list, as before
    (13, 2), (20, 3), (28, 4), (37, 5), (38, 5), (44, 6), (200, 6),
])
def test_the_number_of_sections_follows_the_number_of_sub_themes(children: int, count: int) -> None:
    assert sections.section_count(children) == count


def _around(axis: int, n: int, dim: int = 6, step: float = 0.05) -> list[np.ndarray]:
    """``n`` centroids close to the unit vector ``axis``, each a little off it."""
    out = []
    for i in range(n):
        v = np.zeros(dim)
        v[axis] = 1.0
        v[(axis + 1 + i % (dim - 1)) % dim] += step * (1 + i // (dim - 1))
        out.append(v)
    return out


def test_two_topics_make_two_sections_the_bigger_first() -> None:
    # 14 sub-themes (2 sections): 6 about one thing (indices 0-5), 8 about another (6-13)
    cents = np.vstack(_around(0, 6) + _around(2, 8))
    sizes = [10] * 6 + [3] * 8  # the first topic weighs more: its section comes first
    assert sections.sections_of(cents, sizes) == [[0, 1, 2, 3, 4, 5], list(range(6, 14))]
    assert sections.sections_of(cents, [1] * 14) == [list(range(6, 14)), [0, 1, 2, 3, 4, 5]]


def test_a_section_of_one_sub_theme_joins_the_nearest_and_the_cut_is_taken_finer() -> None:
    # 13 sub-themes: 6 and 6 about two near things, one far off (index 12, a little nearer the
    # second topic): Ward's two groups are the twelve and the stray one; the stray one joins the
    # nearer topic and the twelve are cut in two
    cents = np.vstack(_around(0, 6) + _around(1, 6, step=0.02) + [np.array([0.0, 0.3, 0.0, 0.0, 0.0, 1.0])])
    cents[6:12, 0] = 3.0  # the two topics are near each other (cosine 0.95)
    merges = hierarchy.weighted_ward(cents / np.linalg.norm(cents, axis=1, keepdims=True), np.ones(13))
    assert hierarchy.cut(merges, 13, 2).tolist() == [0] * 12 + [12]
    assert sections.sections_of(cents, [5] * 13) == [[6, 7, 8, 9, 10, 11, 12], [0, 1, 2, 3, 4, 5]]


def test_an_entry_of_twelve_or_fewer_is_not_sectioned() -> None:
    assert sections.sections_of(np.eye(12), [1] * 12) == []
    with pytest.raises(ValueError, match="one size per sub-theme"):
        sections.sections_of(np.eye(13), [1] * 12)


@pytest.mark.parametrize(("name", "vague"), [
    ("Mixed problems", True), ("Assorted comments", True), ("Short answers", True), ("General remarks", True),
    ("Refund problems", False), ("Late delivery", False), ("Mixer broke", False),
])
def test_a_catch_all_name_is_recognised(name: str, vague: bool) -> None:
    assert sections.catch_all(name) is vague


def _child(i: int, section: int | None) -> dict[str, Any]:
    return {"id": i, "label": f"t{i}", "section_id": section}


@pytest.mark.parametrize(("children", "found", "expected"), [
    # in their sections' order, each keeping the children's order; the rest last
    ([_child(1, 8), _child(2, 7), _child(3, None), _child(4, 8)], [{"id": 7}, {"id": 8}],
     [(7, [2]), (8, [1, 4]), (None, [3])]),
    # a section none of them is in is left out; a child of a section not listed is "other"
    ([_child(1, 8), _child(2, 99)], [{"id": 7}, {"id": 8}], [(8, [1]), (None, [2])]),
    # no child in a section: a flat list
    ([_child(1, None), _child(2, None)], [{"id": 7}], []),
    ([_child(1, 7)], [], []),
])
def test_an_entrys_sub_themes_under_its_sections(children: list[dict[str, Any]], found: list[dict[str, Any]],
                                                  expected: list[tuple[int | None, list[int]]]) -> None:
    grouped = in_sections(children, [{**s, "label": f"s{s['id']}", "comments": 1, "sentiment": 0.0}
                                     for s in found])
    assert [(s["id"], [c["id"] for c in s["children"]]) for s in grouped] == expected
    assert all(s["label"] == OTHER_SUB_THEMES for s in grouped if s["id"] is None)


# --- a fit on a real warehouse --------------------------------------------------------------

SETTINGS = ThemeSettings()
DATA = sample_comments(seed=5, per_theme=20)


@pytest.fixture(scope="module")
def fitted(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Path:
    return fitted_warehouse(tmp_path_factory.mktemp("sections"), [t for t, _ in DATA[:260]], embedder, SETTINGS)


@pytest.fixture
def db(fitted: Path, tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch) -> sqlite_utils.Database:
    """A copy of the fitted warehouse re-fitted with entries of more than 3 sub-themes sectioned
    (about one section per 3): the small fixture's entries are large here."""
    monkeypatch.setattr(sections, "MOST_UNSECTIONED", 3)
    monkeypatch.setattr(sections, "PER_SECTION", 3)
    db = copy_of(fitted, tmp_path)
    recluster(db, SETTINGS, embedder)
    return db


@pytest.mark.parametrize(("entry", "name", "restated"), [
    ("Support contact", "Customer contact", True),
    ("Support contact", "Contact with support", True),
    ("Staff praise", "Staff compliments", True),
    ("Staff praise", "Praise for staff", True),
    ("Staff problems", "Staff manner", True),
    ("Overall verdicts", "Overall impressions", True),
    ("Staff praise", "Driver praise", False),  # a part of the staff: a section worth its heading
    ("Support contact", "Waited on hold", False),
    ("Staff praise", "Customer contact", False),  # another kind
    ("Refund problems", "Refund complaints", False),  # a topic's section, not a kind's
])
def test_a_section_named_as_its_entrys_kind_restates_it(entry: str, name: str, restated: bool) -> None:
    assert sections.restates(entry, name) is restated


def test_an_entry_whose_sections_would_restate_it_is_not_sectioned(
        fitted: Path, tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sections, "MOST_UNSECTIONED", 3)
    monkeypatch.setattr(sections, "PER_SECTION", 3)
    db = copy_of(fitted, tmp_path)
    recluster(db, SETTINGS, embedder)
    assert db.execute("select count(*) from theme_sections").fetchone()[0] > 0  # the premise: entries are sectioned
    monkeypatch.setattr(sections, "restates", lambda entry, name: True)  # every section named as its entry
    recluster(db, SETTINGS, embedder)
    assert db.execute("select count(*) from theme_sections").fetchone()[0] == 0
    assert db.execute("select count(*) from themes where section_id is not null").fetchone()[0] == 0


def children_of(db: sqlite_utils.Database) -> dict[int, list[tuple[int, int | None]]]:
    found: dict[int, list[tuple[int, int | None]]] = {}
    for theme, parent, section in db.execute("select id, parent_id, section_id from themes where status = 'active'"
                                             " and parent_id is not null order by id"):
        found.setdefault(parent, []).append((theme, section))
    return found


def test_a_fit_sections_every_large_entry_and_names_each_section_apart(db: sqlite_utils.Database) -> None:
    entries = children_of(db)
    large = {p: kids for p, kids in entries.items() if len(kids) > 3}
    assert large, "the fixture has an entry of more than 3 sub-themes"
    held = {p: [r[0] for r in db.execute("select id from theme_sections where parent_id = ? order by position", [p])]
            for p in entries}
    for parent, kids in entries.items():
        if parent not in large or not held[parent]:  # a small entry (or one too scattered): no section
            assert held[parent] == [] and all(s is None for _, s in kids)
            continue
        # every sub-theme in one of its entry's sections, each section holding at least two
        assert {s for _, s in kids} == set(held[parent])
        assert 2 <= len(held[parent]) <= sections.section_count(len(kids))
        assert all(sum(s == section for _, s in kids) >= 2 for section in held[parent])
    assert any(held[p] for p in large)
    labels = [r[0] for r in db.execute("select label from theme_sections")]
    tops = {r[0] for r in db.execute("select label from themes where status = 'parent'")}
    assert all(labels) and len(set(labels)) == len(labels) and not set(labels) & tops
    assert all(2 <= len(lab.split()) <= 4 for lab in labels), labels
    # published: each section's sub-themes, comments counted once, and each sub-theme's section
    published = {r["id"]: r for r in sections.archive_rows(db)}
    assert set(published) == {s for p in large for s in held[p]} and published
    for sid, row in published.items():
        kids = [t for p in large for t, s in entries[p] if s == sid]
        assert row["themes"] == len(kids)
        distinct = db.execute(f"select count(distinct item_id) from theme_segments where theme_id in"
                              f" ({', '.join('?' * len(kids))})", kids).fetchone()[0]
        assert row["comments"] == distinct


def test_an_edit_unsections_the_themes_it_changes_and_its_undo_puts_them_back(db: sqlite_utils.Database) -> None:
    entries = children_of(db)
    home, kids = next((p, kids) for p, kids in entries.items() if any(s is not None for _, s in kids))
    other = next(p for p in entries if p != home)
    theme, section = next((t, s) for t, s in kids if s is not None)
    move(db, theme, other)
    assert db.execute("select section_id from themes where id = ?", [theme]).fetchone()[0] is None
    assert all(r["themes"] == sum(s == r["id"] for t, s in kids if t != theme)
               for r in sections.archive_rows(db) if r["parent_id"] == home)
    undo(db)
    assert db.execute("select parent_id, section_id from themes where id = ?", [theme]).fetchone() == (home, section)
    # a merge: the merged theme and the one it joins are both unsectioned until the next fit
    (target, _), (source, _) = [(t, s) for t, s in kids if t != theme][:2]
    merge(db, target, [source])
    assert db.execute("select count(*) from themes where id in (?, ?) and section_id is null",
                      [target, source]).fetchone()[0] == 2



def test_published_section_comments_are_the_full_count_after_nights_edits_and_fits(
        db: sqlite_utils.Database, embedder: Embedder) -> None:
    def published() -> dict[int, dict[str, Any]]:  # kept (what a publish reads) == counted over every segment
        kept = sections.archive_rows(db)
        assert kept == sections.archive_rows(db, recount=True)
        return {r["id"]: r for r in kept}

    assert published()  # after the fit
    add_comments(db, [t for t, _ in DATA[260:300]], "night", day="2024-06-01")
    assert update_themes(db, SETTINGS, embedder)["mode"] != "fit"
    night = published()
    # a comment whose two segments move into two sub-themes of one section (as a night's claim moves them):
    # the section gains one comment
    section = next(sid for sid, r in night.items() if r["themes"] >= 2)
    a, b = [r[0] for r in db.execute("select id from themes where section_id = ? and status = 'active' order by id"
                                     " limit 2", [section])]
    item = db.execute("""select item_id from theme_segments group by item_id having count(*) >= 2 and
                         sum(coalesce(theme_id in (select id from themes where section_id = ?), 0)) = 0
                         limit 1""", [section]).fetchone()[0]
    first, second = [r[0] for r in db.execute("select id from theme_segments where item_id = ? order by seq limit 2",
                                              [item])]
    db.execute("update theme_segments set theme_id = ?, score = 0.7 where id = ?", [a, first])
    db.execute("update theme_segments set theme_id = ?, score = 0.7 where id = ?", [b, second])
    store.refresh_theme_stats(db)
    assert published()[section]["comments"] == night[section]["comments"] + 1
    # an edit that unsections a sub-theme, its undo, its redo; then a re-cluster
    home = db.execute("select parent_id from themes where id = ?", [a]).fetchone()[0]
    move(db, a, next(p for p in children_of(db) if p != home))
    assert published()[section]["themes"] == night[section]["themes"] - 1
    undo(db)
    assert published()[section]["comments"] == night[section]["comments"] + 1
    redo(db)
    assert published()[section]["themes"] == night[section]["themes"] - 1
    # a re-cluster to fewer entries, so they are big enough to section (at the count the data picks, after segmenter 12
    # and the contact themes' neighbours moved one by one, its entries held 2-4 sub-themes: no two sections of two)
    recluster(db, SETTINGS.model_copy(update={"top_themes": 5}), embedder)
    assert published()


# --- the pages --------------------------------------------------------------------------------

ENTRY = "Bag <problems> & co"
SECTIONED = [  # (id, label, section, comments, sentiment)
    (1, "Strawberries crushed", 100, 18, -0.5), (2, "Bread squashed", 100, 16, -0.6),
    (3, "Wasteful packaging", 101, 13, -0.4), (4, "Plastic <trays>", 101, 30, -0.3), (5, "Cat food instead", None, 6, -0.2)]


@pytest.fixture(scope="module")
def ds(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from datasette.app import Datasette

    path = empty_archive(tmp_path_factory.mktemp("sections_pages"))
    db = sqlite_utils.Database(path)
    stamp = {"is_new": 0, "first_seen": "2026-06-01T00:00:00Z", "last_seen": "2026-08-01T00:00:00Z"}
    db["themes"].insert_all(
        [{"id": 10, "label": ENTRY, "parent_id": None, "level": 1, "comments": 70, "size": 83, "sentiment": -0.4, **stamp},
         {"id": 11, "label": "Delivery", "parent_id": None, "level": 1, "comments": 9, "size": 9, "sentiment": -0.1, **stamp},
         {"id": 6, "label": "Late van", "parent_id": 11, "level": 0, "comments": 5, "size": 5, "sentiment": -0.2, **stamp},
         {"id": 7, "label": "No text", "parent_id": 11, "level": 0, "comments": 4, "size": 4, "sentiment": -0.1, **stamp}]
        + [{"id": i, "label": lab, "parent_id": 10, "level": 0, "comments": n, "size": n, "sentiment": s,
            "section_id": sec, **stamp} for i, lab, sec, n, s in SECTIONED], alter=True)
    db["theme_sections"].insert_all([  # the packaging section has more comments: it comes first
        {"id": 100, "parent_id": 10, "label": "Crushed <food>", "keywords": "[]", "position": 1, "themes": 2,
         "size": 34, "comments": 33, "sentiment": -0.55},
        {"id": 101, "parent_id": 10, "label": "Packaging & plastic", "keywords": "[]", "position": 2, "themes": 2,
         "size": 43, "comments": 41, "sentiment": -0.33}], pk="id")
    db.conn.close()
    return Datasette([str(path)])


def headings(page: str) -> list[str]:
    return [html.unescape(re.sub(r"<[^>]+>", "", h)) for h in re.findall(r'<h3 class="fb-section"[^>]*>(.*?)</h3>', page)]


async def test_a_large_entrys_page_lists_its_sub_themes_under_section_headings(ds: Any) -> None:
    page = await get(ds, "/-/feedback/themes/10")
    assert headings(page) == ["Packaging & plastic (41 comments, sentiment -0.33)",
                              "Crushed <food> (33 comments, sentiment -0.55)", OTHER_SUB_THEMES]
    assert "Crushed &lt;food&gt;" in page and "Plastic &lt;trays&gt;" in page and "<trays>" not in page
    shown = re.findall(r'<h3 class="fb-section"[^>]*>.*?</h3>\s*<ul>(.*?)</ul>', page, flags=re.S)
    assert [re.findall(r"/-/feedback/themes/(\d+)", part) for part in shown] == [["4", "3"], ["1", "2"], ["5"]]


async def test_a_small_entrys_page_is_as_before(ds: Any) -> None:
    page = await get(ds, "/-/feedback/themes/11")
    assert "fb-section" not in page and OTHER_SUB_THEMES not in page
    assert re.search(r'<h2>Themes in this group</h2>\s*<ul><li><a href="/-/feedback/themes/6">Late van</a> \(5 comments',
                     page)


async def test_the_themes_pages_drop_down_groups_a_large_entrys_sub_themes_the_same_way(ds: Any) -> None:
    page = await get(ds, "/-/feedback/themes")
    row = page.split('<a href="/-/feedback/themes/10">')[1].split("</tr>")[0]
    assert "5 sub-themes" in row
    labels = [html.unescape(x) for x in re.findall(r'<span class="fb-section-label">(.*?)</span>', row)]
    assert labels == ["Packaging & plastic", "Crushed <food>", OTHER_SUB_THEMES]
    parts = row.split('class="fb-section"')[1:]
    assert [re.findall(r"/-/feedback/themes/(\d+)", p) for p in parts] == [["4", "3"], ["1", "2"], ["5"]]
    small = page.split('<a href="/-/feedback/themes/11">')[1].split("</tr>")[0]
    assert "fb-section" not in small and "Late van" in small


REFUNDS = ["The refund took three weeks.", "Still waiting for my refund.", "My refund never arrived.",
           "Refund took ages to come through.", "Waiting on a refund for two weeks now."]
SLOTS = ["No delivery slots this week.", "Could not book a delivery slot.", "Every delivery slot was taken.",
         "The slots were all full.", "No evening slots again."]


def test_a_section_is_never_named_like_a_sub_theme_elsewhere() -> None:
    groups = [[1, 2], [3, 4]]
    docs = {1: REFUNDS[:3], 2: REFUNDS[2:], 3: SLOTS[:3], 4: SLOTS[2:]}
    tones: dict[int, list[float | None]] = {t: [-0.5] * len(d) for t, d in docs.items()}
    first = sections.section_labels(groups, docs, tones, taken=["Checkout"])[0].label
    # its own sub-theme's name it may keep; one elsewhere's it may not
    assert sections.section_labels(groups, docs, tones, ["Checkout"], leaf_labels={1: first})[0].label == first
    again = sections.section_labels(groups, docs, tones, ["Checkout"], leaf_labels={9: first})[0].label
    assert again.lower() != first.lower() and not sections.catch_all(again), (first, again)
    # nor in the other number: the sample's "Late deliveries" section beside a "Late delivery" sub-theme elsewhere
    other = sections.number_forms(first)[1]
    again = sections.section_labels(groups, docs, tones, ["Checkout"], leaf_labels={9: other})[0].label
    assert again.lower() not in sections.number_forms(first) and not sections.catch_all(again), (first, other, again)


@pytest.mark.parametrize(("name", "forms"), [
    ("Late delivery", ["late delivery", "late deliveries"]), ("Late deliveries", ["late deliveries", "late delivery"]),
    ("Refund problems", ["refund problems", "refund problem"]), ("Damaged goods", ["damaged goods", "damaged good"]),
    ("Bag", ["bag", "bags"]), ("Day", ["day", "days"]), ("Lunch box", ["lunch box", "lunch boxes"]),
    ("Glass", ["glass", "glasses"]), ("Boxes", ["boxes", "box"]), ("Loss", ["loss", "losses"]),
])
def test_number_forms(name: str, forms: list[str]) -> None:
    assert sections.number_forms(name) == forms



def test_a_section_is_not_named_after_one_sub_theme_no_other_writes() -> None:
    """The sample archive's section of "Very wasteful", "Bag requests", "Recycling bin", ... was "Regular driver", one
    sub-theme's name that no other sub-theme writes; "Refund problems" over refunds all its sub-themes write of is one."""
    kids = [["Please stop double bagging everything, it's so wasteful", "Take the bags back and reuse them"],
            ["Our regular driver [NAME] knows to leave the bags in the porch and always waves to my son"],
            ["Better packing so things don't get broken", "Pack heavy things at the bottom!"],
            ["My recycling bin is full after one order"]]
    leaves = {1: "Very wasteful", 2: "Regular driver", 3: "Things broken", 4: "Recycling bin"}
    assert sections._one_childs("Regular driver", [1, 2, 3, 4], kids, leaves)
    assert not sections._one_childs("Bag requests", [1, 2, 3, 4], kids, leaves)  # no sub-theme's own name
    refunds = [REFUNDS[:3], REFUNDS[2:], ["Refunds are so slow."]]
    assert not sections._one_childs("Refund problems", [1, 2, 3], refunds, {1: "Refund problems", 2: "Slow refunds"})
