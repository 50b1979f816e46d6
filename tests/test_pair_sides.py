"""A two-word parent or section name ("<first> and <second>") says " problems" when its group
complains: its mean sentiment at the negative line, or most of its segments in complaint children
(each by its side, :func:`.parent_words.side`, by tone: a request is not a problem), and never when a
sizeable share (``AGAINST``) is praise
(feedback/themes/parent_words.py: complains, pair, named_pair; issue #12 item 2: on the sample, a
section of "Food problems" and "Different brand" was "Food and brand")."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from feedback.themes import parent_words
from feedback.themes.label import POSITIVE_THEME, label_parents
from feedback.themes.label_units import NEGATIVE_THEME, Unit

NEG, POS = NEGATIVE_THEME, POSITIVE_THEME


@pytest.mark.parametrize(("sentiment", "sides", "expected"), [
    (-0.3, None, True),  # no sides: the mean alone, as before
    (0.0, None, False),
    (0.0, (1.0, 0.0), True),  # every segment in complaints, the mean above the line: problems
    (0.0, (0.5, 0.0), True),  # half
    (0.0, (0.49, 0.0), False),
    (NEG, (0.0, 0.0), True),  # at the line
    (-0.3, (0.9, 0.1), True),
    (-0.3, (0.7, 0.25), False),  # a quarter praise: not a group of problems, whatever its mean
    (0.0, (0.6, 0.3), False),
    (0.0, (0.74, 0.24), True),
])
def test_a_group_complains(sentiment: float, sides: tuple[float, float] | None, expected: bool) -> None:
    assert parent_words.complains(sentiment, NEG, sides) is expected


@pytest.mark.parametrize(("first", "second", "sentiment", "sides", "expected"), [
    ("food", "brand", 0.0, (1.0, 0.0), "Food and brand problems"),  # the sample's two complaint sub-themes
    ("checkout", "refund", -0.3, (0.8, 0.0), "Checkout and refund problems"),
    ("checkout", "refund", -0.3, (0.6, 0.3), "Checkout and refund"),  # 30 % praise
    ("prices", "value", 0.5, (0.0, 1.0), "Prices and value"),
    ("phone", "chat", 0.0, (0.3, 0.2), "Phone and chat"),
    ("checkout", "refund", -0.3, None, "Checkout and refund problems"),
])
def test_two_words_say_the_problem_of_a_group_of_complaints(
        first: str, second: str, sentiment: float, sides: tuple[float, float] | None, expected: str) -> None:
    assert parent_words.pair(first, second, sentiment, NEG, sides) == expected


def _child(tone: float, size: int, docs: list[str] | None = None) -> Unit:
    """A sub-theme of ``size`` segments at published tone ``tone`` (statements, asking for nothing)."""
    docs = docs or ["The order came on Tuesday."] * 3
    return Unit(Counter(), {}, set(), {}, tone, docs, size=size)


def _group(children: list[Unit]) -> Unit:
    total = sum(c.size for c in children)
    mean = sum(c.sentiment * c.size for c in children) / total
    return Unit(Counter(), {}, set(), {}, mean, [d for c in children for d in c.docs], size=total, children=children)


ASKING = ["Please stop sending a different brand", "Please send the brand I ordered",
          "Please ask before swapping the brand"]


@pytest.mark.parametrize(("children", "expected"), [
    ([_child(-0.3, 30), _child(0.1, 20)], "Food and brand problems"),  # 60 % complaints, mean -0.14
    ([_child(-0.15, 30), _child(0.1, 20)], "Food and brand problems"),  # 60 % complaints, mean above the line
    ([_child(-0.15, 20), _child(0.05, 30)], "Food and brand"),  # 40 % complaints, mean above the line
    ([_child(-0.15, 20), _child(0.05, 30, ASKING)], "Food and brand"),  # requests are not problems
    ([_child(-0.3, 30), _child(-0.3, 20)], "Food and brand problems"),  # below the line, as before
    ([_child(-0.3, 40), _child(-0.3, 40), _child(0.6, 20)], "Food and brand problems"),  # 20 % praise...
    ([_child(-0.3, 25), _child(-0.3, 25), _child(0.6, 20)], "Food and brand"),  # ... 29 %: not problems
    ([_child(-0.6, 60), _child(0.6, 40)], "Food and brand"),  # mean below the line, 40 % praise
    ([_child(0.6, 30), _child(0.5, 20)], "Food and brand"),
])
def test_a_group_is_named_by_its_childrens_sides(children: list[Unit], expected: str) -> None:
    assert parent_words.named_pair("food", "brand", _group(children), NEG, POS) == expected


# The sample's section of two complaint sub-themes that share no phrase: named by each one's main
# word, which said nothing of the tone ("Food and brand" on the sample, mean -0.65).
BRAND = [f"The substitute for my {x} was a different brand I've never heard of." for x in
         ("strawberries", "blueberries", "sourdough rolls", "cheddar", "pasta", "peaches")]
SCEPTICAL = ["I was sceptical about buying fresh food online"] * 8


@pytest.mark.parametrize(("tones", "expected"), [
    ([[-0.82] * 8, [-0.4] * 6], "Food and brand problems"),  # both complaints
    ([[0.5] * 8, [0.4] * 6], "Food and brand"),  # the same words, praised
    ([[-0.82] * 8, [0.4] * 6], "Food and brand"),  # 43 % praise
])
def test_the_topics_of_two_children_say_the_problem(parser: Any, tones: list[list[float]], expected: str) -> None:
    assert label_parents({"s": [SCEPTICAL, BRAND]}, ["s"], tones={"s": tones})["s"].label == expected
