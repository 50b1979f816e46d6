"""Themes about reaching the company share one top-level entry, which holds nothing else (feedback/themes/contact.py)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import sqlite_utils

from feedback.themes import hierarchy
from feedback.themes.contact import (
    SHARE,
    contact_kinds,
    detail_sections,
    gathered,
    reaching,
    section_name,
)
from feedback.themes.hierarchy import MOVE_MARGIN
from feedback.themes.sections import write_sections
from feedback.warehouse import open_warehouse

HOLD = ["I was on hold for 90 minutes.", "Waited on hold for an hour, then got cut off."]
CHAT = ["The chat queue was huge.", "Live chat said I was number 34 in the queue."]
EMAIL = ["No one replies to emails.", "Answer emails within a day at least."]
LATE = ["The van turned up 120 minutes late.", "Late again."]
SLOTS = ["Delivery slots are always full.", "Cannot get a delivery slot this week."]
PRAISED = ["Delivery slots are clear.", "The delivery slot was easy to book."]
APP = ["The app is easy to use.", "The app keeps crashing."]


@pytest.mark.parametrize(("doc", "about"), [
    ("I was on hold for 90 minutes", True),
    ("Shorter hold times please", True),
    ("The chat queue was huge", True),
    ("Get rid of the chatbot and let us talk to a person", True),
    ("No one replies to emails.", True),
    ("I've contacted support three times about this", True),
    ("I've sent photos to customer services.", True),
    ("More staff on the phones", True),
    ("email me on [EMAIL] please", True),
    ("My number is [PHONE].", True),
    ("Still no reply to my complaint", True),
    # a phone or a call of any kind is not the company's channel: an assistant's commands, an app fault
    ("i need to call my mom", False),
    ("i want you to call me bailey", False),
    ("can you help me locate my phone", False),
    ("Tried on my iPhone and my partner's phone, both the same.", False),
    ("The van turned up 120 minutes late", False),
    ("Holding the door for me was kind", False),
])
def test_what_is_about_reaching_the_company(doc: str, about: bool) -> None:
    assert reaching([doc]) == float(about)


def test_a_contact_theme_is_not_praise_nor_about_the_staff() -> None:
    docs = [HOLD, HOLD, HOLD, LATE, ["Email me.", "Late again."], ["Call me.", "Ring me.", "On hold.", "Late."]]
    assert contact_kinds(docs, [-1, 1, 0, -1, -1, -1], [0, 0, 1, 0, 0, 0], 40) == [1, 0, 0, 0, 1, 0]
    assert contact_kinds([["Late.", "Late.", "On hold."]], [-1], [0], 2) == [0]  # read from its best ``read`` only


def _unit(rows: list[list[float]]) -> np.ndarray:
    x = np.array(rows, dtype=np.float64)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


# themes 0, 1 late deliveries; 2, 3 hold times (Ward's group 0); 4, 5 delivery slots; 6 the refunds' e-mails, 7 refunds
UNIT = _unit([[1, 0.2, 0, 0], [1, 0.3, 0, 0], [1, 0, 0.6, 0], [1, 0, 0.7, 0],
              [0.6, 1, 0, 0], [0.5, 1, 0, 0], [0.2, 0, 0.5, 1], [0, 0, 0.1, 1]])
KINDS = [0, 0, 1, 1, 0, 0, 1, 0]
EVERYWHERE = lambda rest, group: True  # noqa: E731


def test_contact_themes_are_gathered_and_what_else_was_there_leaves_for_its_nearest() -> None:
    weights = np.full(8, 10.0)
    groups = gathered([[0, 1, 2, 3], [4, 5], [6, 7]], KINDS, UNIT, weights, EVERYWHERE, MOVE_MARGIN)
    # the e-mails join the hold times (20 of their 30 segments there); the late deliveries go, both, to the slots
    assert groups == [[2, 3, 6], [0, 1, 4, 5], [7]]


def test_what_else_was_with_the_contact_themes_leaves_theme_by_theme() -> None:
    # Ward's contact group also held an app crash (8): it goes to the app's problems (9, 10), not with the late
    # deliveries to the slots (together, their centre was nearest the slots: the sample surveys' 48-theme entry)
    unit = _unit([[1, 0.2, 0, 0, 0], [1, 0.3, 0, 0, 0], [1, 0, 0.6, 0, 0], [1, 0, 0.7, 0, 0], [0.6, 1, 0, 0, 0],
                  [0.5, 1, 0, 0, 0], [0.2, 0, 0.5, 1, 0], [0, 0, 0.1, 1, 0], [0.5, 0, 0, 0, 1], [0, 0, 0, 0, 1],
                  [0.1, 0, 0, 0.1, 1]])
    groups = gathered([[0, 1, 2, 3, 8], [4, 5], [6, 7], [9, 10]], [*KINDS, 0, 0, 0], unit, np.full(11, 10.0),
                      EVERYWHERE, MOVE_MARGIN)
    assert groups == [[2, 3, 6], [0, 1, 4, 5], [7], [8, 9, 10]]
    # a theme whose nearest group leans the other way goes to the nearest that does not only when that is about as
    # near (hierarchy.MOVE_MARGIN): else it is an entry of its own, not filed under a topic it is far from
    slots_praised = lambda rest, group: group != [4, 5]  # noqa: E731
    assert gathered([[0, 1, 2, 3, 8], [4, 5], [6, 7], [9, 10]], [*KINDS, 0, 0, 0], unit, np.full(11, 10.0),
                    slots_praised, MOVE_MARGIN) == [[2, 3, 6], [4, 5], [7], [8, 9, 10], [0, 1]]


def test_the_rest_stays_when_the_contact_themes_are_a_small_part_of_their_group() -> None:
    weights = np.array([50.0, 50.0, 10.0, 10.0, 10.0, 10.0, 5.0, 10.0])  # contact 25 of 125 segments: < SHARE
    assert SHARE > 25 / 125
    groups = gathered([[0, 1, 2, 3], [4, 5], [6, 7]], KINDS, UNIT, weights, EVERYWHERE, MOVE_MARGIN)
    assert groups == [[0, 1, 2, 3, 6], [4, 5], [7]]


def test_nothing_moves_without_two_contact_themes_or_where_no_group_will_take_the_rest() -> None:
    weights = np.full(8, 10.0)
    groups = [[0, 1, 2, 3], [4, 5], [6, 7]]
    assert gathered(groups, [0, 0, 1, 0, 0, 0, 0, 0], UNIT, weights, EVERYWHERE, MOVE_MARGIN) == groups
    refused = gathered(groups, KINDS, UNIT, weights, lambda rest, group: False, MOVE_MARGIN)  # a group leaning the other way
    assert refused == [[2, 3, 6], [4, 5], [7], [0, 1]]  # the late deliveries: an entry of their own


def test_the_top_level_gives_support_contact_an_entry_of_its_own() -> None:
    # four topics of four themes; Ward puts the hold times and chat queues with the late deliveries (one topic
    # of waiting), the e-mails unanswered with the app
    rng = np.random.default_rng(4)
    centres = rng.normal(size=(4, 384))
    centres[1] = 0.4 * centres[0] + np.sqrt(0.84) * centres[1]  # the delivery slots near the late deliveries
    themes = np.vstack([c + 0.45 * rng.normal(size=(4, 384)) for c in centres])
    docs = [LATE, LATE, HOLD, CHAT, SLOTS, SLOTS, SLOTS, SLOTS, APP, APP, APP, EMAIL, *[["Good prices."]] * 4]
    plain = hierarchy.parent_groups(themes, 0.35, 25, sizes=[20] * 16, fewest=3,
                                    docs=[LATE, LATE, LATE, LATE, *docs[4:11], APP, *docs[12:]])
    assert [0, 1, 2, 3] in plain and [8, 9, 10, 11] in plain  # the premise: Ward's groups by topic
    groups = hierarchy.parent_groups(themes, 0.35, 25, sizes=[20] * 16, fewest=3, docs=docs)
    assert [2, 3, 11] in groups  # reaching the company, and nothing else
    assert [0, 1, 4, 5, 6, 7] in groups  # the late deliveries with the slots, their nearest
    assert [8, 9, 10] in groups and [12, 13, 14, 15] in groups
    # the slots praised: complaints are not filed under praise, the late deliveries are an entry of their own
    groups = hierarchy.parent_groups(themes, 0.35, 25, sizes=[20] * 16, fewest=3,
                                     docs=[*docs[:4], *[PRAISED] * 4, *docs[8:]])
    assert [2, 3, 11] in groups and [0, 1] in groups and [4, 5, 6, 7] in groups


# --- a contact entry's sections (contact.detail_sections, sections.write_sections) -------------------------------

DETAILS = [["email me on [EMAIL] please", "Call me on [PHONE] if you need to."], ["My number is [PHONE]."],
           ["You can reach me at [EMAIL]."], ["Please ring [PHONE] to discuss."]]
WAITS = [HOLD, CHAT, EMAIL, ["Get rid of the chatbot and let us talk to a person"], ["More staff on the phones"],
         ["Shorter hold times please"], ["I've sent photos to customer services."],
         ["I've contacted support three times about the same issue and nobody ever gets back to me."],
         ["After an hour I was still number 12."]]


def test_the_contact_details_left_are_a_section_apart_from_reaching_support() -> None:
    docs = [*WAITS, *DETAILS]
    found = detail_sections(docs, [10] * len(docs), read=40)
    assert found == [("Reaching support", list(range(9))), ("Contact details left", [9, 10, 11, 12])]
    # the bigger first, by segments
    sizes = [1] * 9 + [50] * 4
    assert [name for name, _ in detail_sections(docs, sizes, read=40)] == ["Contact details left", "Reaching support"]


@pytest.mark.parametrize("docs", [
    [*WAITS, DETAILS[0]],  # one theme of details: no heading over one line
    [HOLD, *DETAILS],  # one theme of the rest
    WAITS,  # none
])
def test_a_contact_entry_with_one_side_of_one_theme_is_not_read_in_two(docs: list[list[str]]) -> None:
    assert detail_sections(docs, [10] * len(docs), read=40) == []


def test_a_contact_sections_name_is_never_one_already_taken() -> None:
    assert section_name("Reaching support", set()) == "Reaching support"
    assert section_name("Reaching support", {"reaching support"}) == "Getting through"
    assert section_name("Contact details left", {"contact details left"}) == "Details left"


def _entry(db: sqlite_utils.Database, label: str, docs: list[list[str]]) -> list[int]:
    parent = db["themes"].insert({"label": label, "status": "parent"}).last_pk
    return [db["themes"].insert({"label": f"Sub-theme {i}", "status": "active", "parent_id": parent}).last_pk
            for i in range(len(docs))]


@pytest.mark.parametrize(("entry", "expected"), [
    ("Support contact", [("Reaching support", 9), ("Contact details left", 4)]),
    ("Customer contact", [("Reaching support", 9), ("Contact details left", 4)]),
])
def test_a_fit_reads_a_large_contact_entry_in_two(tmp_path: Path, entry: str,
                                                  expected: list[tuple[str, int]]) -> None:
    db = open_warehouse(tmp_path / "warehouse.db")
    docs = [*WAITS, *DETAILS]
    ids = _entry(db, entry, docs)
    vectors = np.random.default_rng(3).normal(size=(len(ids), 8))
    written = write_sections(db, ids, vectors, {t: 5 for t in ids}, dict(zip(ids, docs, strict=True)),
                             {t: [-0.5] * len(d) for t, d in zip(ids, docs, strict=True)})
    found = db.execute("select x.label, count(t.id) from theme_sections x join themes t on t.section_id = x.id"
                       " group by x.id order by x.position").fetchall()
    assert written == 2 and found == expected
    details = {r[0] for r in db.execute("select t.id from themes t join theme_sections x on x.id = t.section_id"
                                        " where x.label = 'Contact details left'")}
    assert details == set(ids[9:])
    keywords = db.execute("select keywords from theme_sections where label = 'Contact details left'").fetchone()[0]
    assert json.loads(keywords), "the details section says what is left"
