"""A parent label's claim ("praise", "problems", "easy ...", "More ...") must be true of most of
its group by segments, else the label names the topic only (feedback/themes/parent_words.py:
claim, side, held; issue #12: "Staff praise" held "More tills", "Easy ordering" held "Delivery slots")."""

from __future__ import annotations

from typing import Any

import pytest

from feedback.themes import label_claims, label_units, parent_words
from feedback.themes.label import POSITIVE_THEME, label_parents
from feedback.themes.label_units import NEGATIVE_THEME


@pytest.mark.parametrize(("label", "claimed"), [
    ("Staff praise", (1, ["praise"])), ("Driver compliments", (1, ["compliments"])),
    ("Bag problems", (-1, ["problems"])), ("Checkout and refund problems", (-1, ["problems"])),
    ("Bag suggestions", (-1, ["suggestions"])), ("More staff", (-1, ["More"])), ("Less plastic", (-1, ["Less"])),
    ("Easy ordering", (1, ["Easy"])), ("Fresh food", (1, ["Fresh"])), ("Late delivery", (-1, ["Late"])),
    ("Support contact", (0, [])),  # "support" is a noun here, though the lexicon likes it
    ("App problems and praise", (0, [])), ("Prices and value", (0, [])), ("Order comments", (0, [])),
    ("Timing questions", (0, [])), ("General remarks", (0, [])), ("", (0, [])),
])
def test_what_a_label_claims(parser: Any, label: str, claimed: tuple[int, list[str]]) -> None:
    assert parent_words.claim(label) == claimed


PRAISE = ["Lovely staff, nothing is too much trouble.", "Staff are always friendly and polite.",
          "Very helpful staff, brilliant service."]
REQUESTS = ["Open more tills at busy times", "More staff at the weekend", "More staff on the tills please"]
EASY = ["Ordering is really easy.", "Really easy to order, love it.", "Easy ordering, no fuss."]
SLOTS = ["Stick to the delivery slots you give people, terrible.", "The delivery was late again.",
         "Awful, the order was wrong and late."]


@pytest.mark.parametrize(("label", "children", "used", "expected"), [
    ("Staff praise", [PRAISE, PRAISE, PRAISE], set(), "Staff praise"),  # all praise: the claim holds
    ("Staff praise", [PRAISE, PRAISE, REQUESTS], set(), "Staff praise"),  # most praise
    ("Staff praise", [PRAISE, REQUESTS, REQUESTS], set(), "Staff comments"),  # mostly asking for more staff
    ("Staff praise", [PRAISE, REQUESTS, REQUESTS], {"staff comments"}, "Staff feedback"),
    ("Easy ordering", [EASY, SLOTS, SLOTS], set(), "Ordering comments"),
    ("Easy ordering", [EASY, EASY, SLOTS], set(), "Easy ordering"),
    ("Delivery problems", [SLOTS, EASY, EASY], set(), "Delivery comments"),
    ("More staff", [REQUESTS, REQUESTS, PRAISE], set(), "More staff"),
    ("More staff", [PRAISE, PRAISE, REQUESTS], set(), "Staff comments"),
    ("Support contact", [PRAISE, PRAISE, SLOTS], set(), "Support contact"),  # a fixed name, no claim
    ("Prices and value", [SLOTS, SLOTS, PRAISE], set(), "Prices and value"),
    ("No complaints", [PRAISE, PRAISE, SLOTS], set(), "No complaints"),  # praise: no problem (it was "No comments")
    ("No complaints", [SLOTS, SLOTS, PRAISE], set(), "No complaints"),  # no topic left to name without the claim
])
def test_a_claim_most_of_the_group_does_not_bear_gives_way_to_the_topic(
        parser: Any, label: str, children: list[list[str]], used: set[str], expected: str) -> None:
    unit = label_units.common_ground([label_units.unit(docs, parser) for docs in children])
    assert parent_words.held(label, unit, used, NEGATIVE_THEME, POSITIVE_THEME) == expected


@pytest.mark.parametrize(("docs", "expected"), [
    (PRAISE, 1), (REQUESTS, -1), (SLOTS, -1), (EASY, 1), ([], 0),
    (["I ordered on Tuesday for the weekend.", "The delivery came at noon."], 0),
])
def test_a_childs_side(docs: list[str], expected: int) -> None:
    assert parent_words.side(docs, NEGATIVE_THEME, POSITIVE_THEME) == expected


def test_a_parent_of_other_languages_is_not_general_remarks(parser: Any) -> None:
    french = ["Le remboursement n'est toujours pas arrivé, c'est inadmissible.", "Livraison en retard encore une fois."]
    spanish = ["El reembolso todavía no ha llegado.", "La entrega llegó tarde otra vez."]
    labels = label_parents({"p": [french, spanish]}, ["p"])
    assert labels["p"].label == "Non-English comments"
    assert labels["p"].keywords == ["Spanish", "French"]  # their languages (two each: by language code, es < fr)


def test_a_childs_side_does_not_depend_on_what_the_process_parsed_before(parser: Any) -> None:
    """The top level is grouped before the labels parse anything; a theme's side must read the same
    in a fresh process and after a night's labels parsed its texts (it once did not: the parse's
    commands counted only once noted), or a re-cluster in a long-lived worker groups differently."""
    from feedback.themes import label_commands

    wish = ["Clear my basket after checkout", "Clear my basket after checkout please",
            "Clear my basket after checkout!"]
    before = [label_claims.asks(d) for d in wish], parent_words.side(wish, NEGATIVE_THEME, POSITIVE_THEME)
    for text, doc in zip(wish, parser.pipe(wish), strict=True):
        label_commands.note(text, doc)
    assert any(label_commands.imperative(t) for t in wish)  # the parse reads them as commands ...
    after = [label_claims.asks(d) for d in wish], parent_words.side(wish, NEGATIVE_THEME, POSITIVE_THEME)
    assert after == before  # ... and the grouping's reading stays its own


@pytest.mark.parametrize(("doc", "asked"), [
    ("Respect the no-substitutes setting", True), ("Open more tills at busy times", True),
    ("More staff at the weekend", True), ("The driver was respectful", False),
    ("Can you respect my settings?", False),
])
def test_what_asks_the_company_to_do_something(doc: str, asked: bool) -> None:
    assert label_claims.asks(doc) is asked
