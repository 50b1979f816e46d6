"""bench/labels_replay.py compares labels by what they name: a theme and a top-level entry by id, a
section by its entry and its members (no model: hand-made recorded calls)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from labels_replay import _renamed, interleaved, keyed, section_changes, settle  # noqa: E402

# leaves 1-6; entries 10 (leaves 1-4) and 20 (leaves 5, 6)
PARENT_OF: dict[Any, Any] = {1: 10, 2: 10, 3: 10, 4: 10, 5: 20, 6: 20, 7: None}
DOCS = {t: [f"text {t} a", f"text {t} b"] for t in PARENT_OF}


def _call(kind: str, docs: dict[Any, Any]) -> dict[str, Any]:
    return {"kind": kind, "docs": docs, "order": list(docs), "taken": [], "tones": None,
            "out": {k: f"label {k}" for k in docs}}


def _sections(*groups: list[int]) -> dict[int, list[list[str]]]:
    return {n: [DOCS[t] for t in g] for n, g in enumerate(groups)}


TOP = _call("label_parents", {10: [DOCS[t] for t in (1, 2, 3, 4)], 20: [DOCS[5], DOCS[6]]})
LEAVES = _call("label_themes", {t: DOCS[t] for t in PARENT_OF})


@pytest.mark.parametrize(("calls", "expected"), [
    # the fit's entries and themes by id
    ([TOP, LEAVES], [{10: ("parent", 10), 20: ("parent", 20)}, {t: ("theme", t) for t in PARENT_OF}]),
    # two entries' sections, each keyed 0 and 1 by its call: four sections, by entry and members
    ([TOP, LEAVES, _call("label_parents", _sections([1, 2], [3, 4])), _call("label_parents", _sections([5], [6]))],
     [None, None, {0: ("section", 10, frozenset({1, 2})), 1: ("section", 10, frozenset({3, 4}))},
      {0: ("section", 20, frozenset({5})), 1: ("section", 20, frozenset({6}))}]),
    # the same members in the other order: the same sections
    ([TOP, LEAVES, _call("label_parents", _sections([4, 3], [2, 1]))],
     [None, None, {0: ("section", 10, frozenset({3, 4})), 1: ("section", 10, frozenset({1, 2}))}]),
    # a section named again from its members' texts together: that section
    ([TOP, LEAVES, _call("label_parents", _sections([1, 2], [3, 4])),
      _call("label_themes", {1: interleaved([DOCS[3], DOCS[4]])})],
     [None, None, None, {1: ("section", 10, frozenset({3, 4}))}]),
    # texts of no theme (a new theme in an update): as they are
    ([LEAVES, _call("label_themes", {"new3": ["something else"]})], [None, {"new3": ("other", "new3")}]),
])
def test_labels_are_keyed_by_what_they_name(calls: list[dict[str, Any]], expected: list[Any]) -> None:
    found = keyed(calls, PARENT_OF)
    assert [f for f, e in zip(found, expected, strict=True) if e is not None] == [e for e in expected if e is not None]


def test_interleaved_takes_each_lists_first_then_second() -> None:
    assert interleaved([["a1", "a2", "a3"], ["b1"], ["c1", "c2"]]) == ["a1", "b1", "c1", "a2", "c2", "a3"]


A, B, C = ("section", 10, frozenset({1, 2})), ("section", 10, frozenset({3, 4})), ("section", 10, frozenset({1}))
D, E = ("section", 10, frozenset({2, 3, 4})), ("section", 20, frozenset({5, 6}))


@pytest.mark.parametrize(("before", "after", "renamed", "moved"), [
    # same members, same names, whatever the order of the sections: nothing
    ({A: "Damage", B: "Packaging"}, {B: "Packaging", A: "Damage"}, [], {}),
    # same members, one renamed
    ({A: "Food complaints", B: "Packaging"}, {A: "Damage and missing items", B: "Packaging"},
     [(A, "Food complaints", "Damage and missing items")], {}),
    # members changed in entry 10 (one sub-theme moved), entry 20 renamed: reported apart
    ({A: "Damage", B: "Packaging", E: "Slots"}, {C: "Damage", D: "Packaging", E: "Slot problems"},
     [(E, "Slots", "Slot problems")], {10: ([A, B], [C, D])}),
    # a theme or an entry renamed is no section's change
    ({("theme", 1): "x", ("parent", 10): "y", A: "Damage"}, {("theme", 1): "z", ("parent", 10): "w", A: "Damage"},
     [], {}),
])
def test_section_changes_are_renames_for_the_same_members_and_membership_apart(
        before: dict[Any, str], after: dict[Any, str], renamed: list[Any], moved: dict[Any, Any]) -> None:
    assert section_changes(before, after) == (renamed, moved)


@pytest.mark.parametrize(("key", "then", "expected"), [
    (A, "Short answers", "Food problems"),  # a section keeps its topic over a catch-all
    (A, "Damaged items", "Damaged items"),
    (("theme", 1), "Short answers", "Short answers"),  # a theme takes its last word
])
def test_a_section_named_again_keeps_its_name_over_a_catch_all(key: Any, then: str, expected: str) -> None:
    labels = {key: "Food problems"}
    settle(labels, key, then)
    assert labels[key] == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Bag problems", "Bag and box problems"),  # one entry, renamed
    ("Food problems", "Food problems"),  # a sub-theme (kept) and a section (renamed): as recorded
    ("Slots", "Slots"),  # nothing named so
])
def test_a_taken_label_is_replayed_when_what_it_named_is_named_alike(text: str, expected: str) -> None:
    renamed = {"Bag problems": {("parent", 10): "Bag and box problems"},
               "Food problems": {("theme", 3): "Food problems", A: "Damage and missing items"}}
    assert _renamed(text, renamed) == expected
