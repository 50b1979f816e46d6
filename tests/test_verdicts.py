"""Verdicts on the whole thing, naming no topic (feedback/themes/verdicts.py)."""

from __future__ import annotations

import pytest

from feedback.themes.label_units import Unit
from feedback.themes.verdicts import VERDICTS, group_share, verdict, verdict_share


@pytest.mark.parametrize(("text", "expected"), [
    ("i love it!", True),
    ("i was very disappointed.", True),
    ("when it arrived, i was very disappointed.", True),
    ("sadly i had to return it.", True),
    ("i highly recommend!", True),
    ("not too bad.", True),
    ("Made my day.", True),  # says nothing about a topic
    ("the quality is excellent.", False),  # quality is a topic
    ("i got this at a great sale price!", False),
    ("The driver was lovely.", False),
    ("[NAME] was really helpful.", False),  # names a person
    ("Everyone was really friendly.", False),  # describes people: the staff
    ("Delivery was two days late.", False),
    ("", True),  # says nothing
    # asking for help is no verdict (the complaint tweets' requests for help were an entry named "Overall opinions")
    ("Please help", False),
    ("Can you help me?", False),
    ("Help!", False),
    ("help please", False),
    ("Thanks!", True),
])
def test_a_verdict_names_no_topic(text: str, expected: bool) -> None:
    assert verdict(text) is expected


def test_verdict_share() -> None:
    assert verdict_share(["i love it!", "the quality is excellent.", "so disappointed.", "Lovely driver."]) == 0.5
    assert verdict_share([]) == 0.0


def unit(docs: list[str], size: int = 0, children: list[Unit] | None = None) -> Unit:
    return Unit(df={}, share={}, eligible=set(), written={}, sentiment=0.0, docs=docs, foreign=0.0, bare=0.0,
                children=children or [], size=size)


def test_a_groups_share_weighs_its_children_by_size() -> None:
    big = unit(["i love it!", "i love it!"], size=300)  # all verdicts
    small = unit(["the quality is excellent.", "great quality."], size=100)  # a topic
    group = unit(big.docs + small.docs, children=[big, small])
    assert group_share(group) == 0.75 >= VERDICTS
    assert verdict_share(group.docs) == 0.5  # by segments read alone it would be half
    assert group_share(unit(["i love it!", "Lovely driver."])) == 0.5  # no children: its own segments


# written for this test, as a shop's reviews close (8,000 clothing reviews: such a theme was "Mixed problems")
AGAINST = ["i was very disappointed.", "i was so disappointed.", "was so disappointed when it came.",
           "unfortunately when it came i was so disappointed.", "it was very disappointing.", "i was not disappointed.",
           "i was surprised to like it as much as i did.", "sadly i was let down."]


@pytest.mark.parametrize(("docs", "tone", "expected"), [
    (AGAINST, -0.3, "General dissatisfaction"),
    (AGAINST, 0.05, "Mixed verdicts"),  # as many one way as the other
    (AGAINST, 0.5, "General praise"),
    (["the quality is excellent.", "the colour is lovely.", "so disappointed.", "the fabric is thin."], -0.3, None),
    (["yes please", "sure", "yes, please", "Made my day.", "i love it!"], 0.5, None),  # answers that say nothing
])
def test_a_theme_of_verdicts_is_named_by_their_side(docs: list[str], tone: float, expected: str | None) -> None:
    from feedback.themes.label_units import NEGATIVE_THEME, POSITIVE_THEME
    from feedback.themes.verdicts import leaf_names

    names = leaf_names(docs, tone, NEGATIVE_THEME, POSITIVE_THEME)
    assert (names[0] if names else None) == expected


def test_a_theme_of_verdicts_against_that_no_phrase_names_is_general_dissatisfaction(parser: object) -> None:
    from feedback.themes.label import label_themes

    docs = [*AGAINST[:6], "i was really disappointed.", "i was a bit disappointed.", "sadly i was let down.",
            "i was extremely disappointed when it arrived.", "so disappointing.", "i was pleasantly surprised!"]
    tones = [-0.99, -0.98, -0.94, -0.97, -1.0, 0.0, -0.97, -0.87, -0.6, -0.99, -0.97, 0.8]
    assert label_themes({1: docs}, [1], tones={1: tones})[1].label == "General dissatisfaction"


def test_a_group_asking_for_help_is_not_named_as_verdicts(parser: object) -> None:
    from feedback.themes.label import label_parents

    children = [["Can you help me?", "Can you help please?", "Can you help please??", "Can anyone help?"] * 6,
                ["Please help", "@TwitterSupport please help", "Please help.", "help please"] * 6]
    assert label_parents({"p": children}, ["p"])["p"].label not in ("Overall verdicts", "Overall opinions",
                                                                   "Overall impressions")

