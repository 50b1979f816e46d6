"""Themes about the staff (feedback/themes/people.py) and where the top level puts them (hierarchy)."""

from __future__ import annotations

import numpy as np
import pytest

from feedback.themes import hierarchy, people
from feedback.themes.people import gather, people_side, person_side


@pytest.mark.parametrize(("doc", "side"), [
    ("The staff at the Leeds store are brilliant, [NAME] helped me find everything.", 1),
    ("[NAME] was great as always.", 1),
    ("Everyone in the Bristol store is friendly and helpful.", 1),
    ("Lovely staff, nothing is too much trouble.", 1),
    ("The driver was so rude.", -1),
    ("Rude staff at the Leeds store.", -1),
    ("The driver was late.", 0),  # what happened to the delivery, not how the driver was
    ("The bag was damaged.", 0),
    ("[NAME] wasn't rude at all.", 0),  # no blame, and no praise either
    ("They are lovely and soft.", 0),  # in a review "they" are as often the trousers
    ("Great quality! Thanks, [NAME]", 0),
    ("Customer services were great.", 0),  # a department, not a person
    # ... unless it is told how they treated the customer: its people
    ("Customer services were great, very understanding and quick to help.", 1),
    ("The customer service team was so helpful.", 1),
    ("Customer service was rude and dismissive.", -1),
    ("Customer services were not helpful.", 0),
    ("Customer services were never helpful.", 0),  # denied: no praise
    ("Customer service was hardly helpful.", 0),
    ("Customer services were no help and never polite.", 0),
    ("Great service from [NAME]", 1),  # a named person's service
    ("Brilliant help from [NAME] today.", 1),
    ("Terrible service from [NAME].", -1),
    ("No service from [NAME].", 0),
    ("Great service, fast delivery.", 0),  # nobody's
    ("Great, they lost my parcel again.", 0),  # "great" said of nobody
    ("The driver was friendly but half the order was missing.", 0),  # its point is the rest
    ("The lady on live chat, [NAME], was really helpful and patient with me", 1),  # a name set apart
    ("[NAME] on the phone sorted everything out in five minutes and was really nice about it.", 1),  # did, then was
    ("The driver left the bags outside and was rude about it.", -1),
    ("The driver came late and the bread was squashed.", 0),  # the bread was, not the driver
    ("The agent took my details and the refund was slow.", 0),
])
def test_how_a_person_was(doc: str, side: int) -> None:
    assert person_side(doc) == side


def test_a_theme_is_about_the_staff_when_half_its_segments_are() -> None:
    assert people_side(["The driver was lovely."] * 2 + ["Came on time."] * 2) == 1
    assert people_side(["The driver was lovely."] + ["Came on time."] * 2) == 0
    assert people_side(["The driver was so rude."] * 3) == -1
    assert people_side([]) == 0


def test_gather_puts_one_sides_themes_where_most_of_them_are() -> None:
    groups = [[0, 1, 2], [3, 4], [5, 6]]
    kinds = [1, 1, 0, 1, 0, 0, 0]  # themes 0, 1 and 3 praise the staff
    weights = [10.0, 10.0, 5.0, 30.0, 5.0, 5.0, 5.0]
    assert gather(groups, kinds, weights) == [[2], [0, 1, 3, 4], [5, 6]]  # 30 > 20: group 1 holds most
    assert gather(groups, [0, 0, 0, 1, 0, 0, 0], weights) == groups  # one theme: nothing to gather
    assert gather([[0, 1], [2, 3]], [1, 1, -1, -1], [1.0] * 4) == [[0, 1], [2, 3]]


def test_the_staff_praised_across_topics_share_one_entry() -> None:
    # three topics of four themes; the staff are praised in two themes of topic 0 and two of topic 1
    rng = np.random.default_rng(5)
    centres = rng.normal(size=(3, 384))
    themes = np.vstack([c + 0.5 * rng.normal(size=(4, 384)) for c in centres])
    staff = ["The driver was lovely.", "Everyone was really friendly."]
    other = ["The app is easy to use.", "Good prices on fruit."]
    docs = [staff if i in (0, 1, 4, 5) else other for i in range(12)]
    plain = hierarchy.parent_groups(themes, 0.35, 25, sizes=[20] * 12, fewest=3)
    groups = hierarchy.parent_groups(themes, 0.35, 25, sizes=[20] * 12, fewest=3, docs=docs)
    assert [0, 1, 2, 3] in plain and [4, 5, 6, 7] in plain  # Ward alone: by topic
    assert next(g for g in groups if 0 in g) == next(g for g in groups if 4 in g)  # the staff together
    assert {0, 1, 4, 5} <= set(next(g for g in groups if 0 in g))
    assert [6, 7] in groups  # the rest of topic 1 (half its segments) stays an entry of its own
    # topic 1 mostly about the staff: its one other theme is no entry of its own, it joins the group nearest it
    docs = [staff if i in (0, 1, 4, 5, 6) else other for i in range(12)]
    groups = hierarchy.parent_groups(themes, 0.35, 25, sizes=[20] * 12, fewest=3, docs=docs)
    assert not any(g == [7] for g in groups) and any(7 in g and len(g) > 1 for g in groups), groups


def test_a_group_of_the_staff_is_named_by_what_it_says_of_them() -> None:
    from feedback.themes import phrases
    from feedback.themes.label import label_parents
    from tests.conftest import need

    need(phrases.load_parser() is not None, f"{phrases.DEFAULT_MODEL} is not installed: label phrases need its parser")
    praise = [["Lovely staff, nothing is too much trouble."] * 4, ["The driver was so cheerful."] * 3,
              ["[NAME] was great as always."] * 3]
    blame = [["The driver was so rude."] * 4, ["Rude staff at the Leeds store."] * 3]
    mixed = [["The driver was so cheerful."] * 2, ["The app keeps crashing."] * 6, ["The app froze at checkout."] * 5]
    labels = label_parents({"a": praise, "b": blame, "c": mixed}, ["a", "b", "c"])
    assert labels["a"].label == "Staff praise"  # not the words its children share ("Driver and staff")
    assert labels["b"].label == "Staff problems"
    assert "staff" not in labels["c"].label.lower()  # mostly about the app: named by it


def test_praise_not_about_the_staff_leaves_their_group_for_its_nearest_theme() -> None:
    """Ward put "Excellent quality" (2, praise) with three staff-praise themes (0, 1, 3); its nearest theme is "Good
    quality" (4), grouped with "Fresh fish" (5): it goes there. "Great service" (6), nearest a staff theme, stays; so
    does a complaint (7) the sides left in the group, and praise whose nearest group leans against it."""
    unit = np.array([[1.0, 0.0, 0.0], [0.95, 0.31, 0.0], [0.0, 0.2, 0.98], [0.9, 0.0, 0.44], [0.0, 0.0, 1.0],
                     [0.0, 0.6, 0.8], [0.93, 0.0, 0.37], [0.3, 0.9, 0.0]])
    unit /= np.linalg.norm(unit, axis=1, keepdims=True)
    kinds = [1, 1, 0, 1, 0, 0, 0, 0]
    sides = [1, 1, 1, 1, 1, 1, 1, -1]
    anywhere = lambda i, g: True  # noqa: E731
    assert people.unstaff([[0, 1, 2, 3, 6, 7], [4, 5]], kinds, unit, sides, anywhere) == [[0, 1, 3, 6, 7], [2, 4, 5]]
    assert people.unstaff([[0, 1, 2, 3, 6], [4, 5]], kinds, unit, sides, lambda i, g: False) == [[0, 1, 2, 3, 6], [4, 5]]
    assert people.unstaff([[0, 2], [4, 5]], kinds, unit, sides, anywhere) == [[0, 2], [4, 5]]  # one staff theme
    # a theme of neither side ("The kids had toast for tea.", told after a late van) leaves as praise does; a
    # complaint (7) still stays where the sides put it
    neither = [1, 1, 0, 1, 1, 1, 1, -1]
    assert people.unstaff([[0, 1, 2, 3, 6, 7], [4, 5]], kinds, unit, neither, anywhere) == [[0, 1, 3, 6, 7], [2, 4, 5]]
