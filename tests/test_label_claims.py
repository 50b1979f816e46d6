"""A theme label never claims praise over comments that ask for something, nor problems over "No
complaints" (feedback/themes/label_claims.py; bench/themes_samples.py counts labels claiming praise
or problems against the published sentiment of their comments: "Better substitutions" at -0.37,
"Easy to cancel" at -0.15, "No complaints" at +0.65). A typo a theme is named by is written as the
fit writes the word (feedback/themes/label_spelling.py: "Better substitutinos")."""

from __future__ import annotations

from typing import Any

import pytest

from feedback.themes import label_claims, label_spelling, label_units, parent_words
from feedback.themes.label import label_themes
from feedback.themes.label_units import NEGATIVE_THEME


@pytest.mark.parametrize(("label", "kind", "words", "sign"), [
    ("No complaints", "praise", ["No", "complaints"], 1),  # a problem said not to be there
    ("No problems", "praise", ["No", "problems"], 1), ("No issues", "praise", ["No", "issues"], 1),
    ("Nothing wrong", "praise", ["Nothing", "wrong"], 1), ("Never late", "praise", ["Never", "late"], 1),
    ("Not bad", "praise", ["Not", "bad"], 1),
    ("No reply", "problems", ["No"], -1), ("No apology", "problems", ["No"], -1),  # something missing
    ("No warning", "problems", ["No"], -1), ("No refund", "problems", ["No"], -1),  # owed, though VADER reads them ill
    ("Not kept informed", "problems", ["Not"], -1), ("No friendly staff", "problems", ["No", "friendly", "staff"], -1),
    ("No further comments", None, [], 0), ("No more to add", None, [], 0),  # nothing claimed either way
    ("Respect no-substitutes", "requests", ["Respect"], -1),  # an instruction, though "respect" is a kind word
    ("Check order", "requests", ["Check"], -1), ("Stop charging", "requests", ["Stop"], -1),
    ("More staff", "requests", ["More"], -1), ("Bag suggestions", "requests", ["suggestions"], -1),
    ("Love the app", "praise", ["Love"], 1),  # a feeling, not an instruction
    ("Better substitutions", "praise", ["Better"], 1), ("Easy to cancel", "praise", ["Easy"], 1),
    ("Repeat problems", "problems", ["problems"], -1), ("Late delivery", "problems", ["Late"], -1),
    ("Return policy", None, [], 0), ("Prices and value", None, [], 0), ("App problems and praise", None, [], 0),
    ("Free trial", None, [], 0), ("Free delivery", None, [], 0),  # what is on offer, not how it was
    ("Great free delivery", "praise", ["Great"], 1), ("Fresh pears", "praise", ["Fresh"], 1),
])
def test_what_a_label_claims(parser: Any, label: str, kind: str | None, words: list[str], sign: int) -> None:
    assert label_claims.claim_kind(label) == (kind, words)
    assert parent_words.claim(label) == (sign, words)


@pytest.mark.parametrize(("doc", "asks"), [
    ("Better substitutions", True), ("Better substitutions.", True), ("Faster refunds please", True),
    ("Make it as easy to cancel Plus as it is to join", True), ("More reliable delivery times please", True),
    ("Send a clear receipt that matches what you take from my card", True),
    ("Cheaper than where I used to shop and better quality.", False),  # praise: compared with something
    ("Better than expected", False), ("Better substitutions now?", False),  # a question
    ("Substitutions make no sense.", False), ("Better every single week I have ordered", False),  # no short wish
])
def test_which_segments_ask_for_something(doc: str, asks: bool) -> None:
    assert label_claims.wants(doc) is asks


BETTER = ["Better substitutions"] * 8 + ["Substitutions make no sense."] * 4 + ["Bad substitutions."] * 2
RECEIPT = ["Send a clear receipt that matches what you take from my card"] * 6
CANCEL = (["Make it as easy to cancel Plus as it is to join"] * 5 + ["Cancelling Plus is deliberately made difficult."] * 2
          + ["Stop charging me for Plus"] * 3)
CHEAPER = ["Cheaper than where I used to shop and better quality."] * 5
EASY = ["Checkout is simple and quick", "Checkout was so easy", "Love the checkout, so easy", "Easy checkout every time"]


@pytest.mark.parametrize(("label", "docs", "used", "expected"), [
    ("Better substitutions", BETTER, set(), "Substitution requests"),
    ("Better substitutions", BETTER, {"substitution requests"}, "Substitution suggestions"),  # the parent's
    ("Clear receipt", RECEIPT, set(), "Send a clear receipt"),  # as most ask for it (label_claims.as_written)
    ("Reliable delivery times", ["More reliable delivery times please"] * 3 + ["More reliable deliveery times"],
     set(), "More reliable delivery times"),
    ("Clear receipt", RECEIPT[:2] + ["Email a clear receipt"] * 2 + ["Print a clear receipt"] * 2, set(),
     "Receipt requests"),  # not most one way
    ("Easy to cancel", CANCEL, set(), "Cancellation requests"),  # the verb by its noun (NOUN_OF)
    ("Easy to pay", ["Make it easy to pay with PayPal"] * 3, set(), "Payment requests"),
    ("Better quality", CHEAPER, set(), "Better quality"),  # praise, whatever its published score
    ("Easy checkout", EASY, set(), "Easy checkout"),
    ("Less plastic", ["Use less plastic"] * 3, set(), "Less plastic"),  # a request already
    ("Respect no-substitutes", ["Respect the no-substitutes setting"] * 3, set(), "Respect no-substitutes"),
    # what the comments do, no topic: "Keep it up" asks nothing ("Word requests" on the sample archive)
    ("Kind words", ["Keep it up"] * 7, {"general praise"}, "Kind words"),
    ("Warm feedback", ["Keep it up", "Keep up the good work"], set(), "Warm feedback"),
])
def test_a_praise_label_over_requests_is_a_request(parser: Any, label: str, docs: list[str], used: set[str],
                                                   expected: str) -> None:
    assert label_claims.as_request(label, docs, used, parser) == expected


@pytest.mark.parametrize(("label", "docs", "expected"), [
    ("Reliable delivery times", ["More reliable delivery times please"] * 2 + ["Faster vans"], "More reliable delivery times"),
    ("Clear receipt", ["Please send a clear receipt that matches my card"] * 2, "Send a clear receipt"),
    ("PIN reset", ["send a PIN reset by text"] * 2, "Send a PIN reset"),  # the label's own letters
    ("Clear receipt", ["Really clear receipt please"] * 2, None),  # no one told to do anything
    ("Clear receipt", ["Send a clear receipt", "Print a clear receipt", "Email a clear receipt"], None),  # no one way
    ("Reliable delivery times", ["Make the delivery times more reliable"] * 2, None),  # not the label's words
    ("Clear receipt for every order", ["Send a clear receipt for every order"] * 2, None),  # over four words
])
def test_a_request_is_named_as_most_write_it(parser: Any, label: str, docs: list[str], expected: str | None) -> None:
    assert label_claims.as_written(label, docs) == expected


SCEPTICAL = ["I was sceptical about buying fresh food online"] * 6  # published -0.91: the head's reading


@pytest.mark.parametrize(("label", "docs", "tone", "expected"), [
    ("Fresh food", SCEPTICAL, -0.91, "Food problems"),  # praise claimed of a complaint: its topic's problems
    ("Fresh food", SCEPTICAL, -0.05, "Fresh food"),  # not past the negative line (-0.1)
    ("Fresh food", ["Lovely fresh food"] * 6, 0.6, "Fresh food"),
    ("Huge disappointment", ["Huge disappointment, sending it back"] * 6, -0.8, "Huge disappointment"),  # its problem
    ("Late delivery", ["The van was late again"] * 6, -0.7, "Late delivery"),
    ("Driver was polite", ["Driver was polite, shame the frozen food had thawed"] * 6, -0.99, "Driver was polite"),
    # a participle before its noun, an infinitive after its adjective: no clause (the sample's themes, session 26)
    ("Promised refund", ["Refunds take forever.", "My refund took 14 days.",
                         "They promised a refund within 48 hours, it's been 13 days."] * 2, -0.93, "Refund problems"),
    ("Easy to cancel", ["Cancelling Plus is deliberately made difficult.", "cancelling Plus was a nightmare...",
                        "Make it as easy to cancel Plus as it is to join"] * 2, -0.45, "Cancellation problems"),
])
def test_a_praise_label_over_complaints_names_the_problem(parser: Any, label: str, docs: list[str], tone: float,
                                                         expected: str) -> None:
    assert label_claims.as_request(label, docs, set(), parser, tone=tone, negative=NEGATIVE_THEME) == expected


def test_themes_asking_for_something_are_named_as_requests(parser: Any) -> None:
    docs = {1: BETTER, 2: RECEIPT, 3: CANCEL, 4: CHEAPER, 5: ["No complaints"] * 5, 6: EASY,
            7: ["Respect the no-substitutes setting"] * 6 + ["I untick 'allow substitutes' and still get them."] * 2}
    out = label_themes(docs, list(docs), taken=["Substitution requests"])
    assert {k: v.label for k, v in out.items()} == {
        1: "Substitution suggestions", 2: "Send a clear receipt", 3: "Cancellation requests", 4: "Better quality",
        5: "No complaints", 6: "Easy checkout", 7: "Respect no-substitutes"}


def test_a_theme_named_by_a_typo_is_named_as_the_fit_writes_the_word(parser: Any) -> None:
    """A theme of a few typos has no shared phrase and is named by what one of its segments says:
    that segment is written as the rest of the fit writes its words (a sibling's "substitutions"),
    and as a request, as most of it asks for something."""
    docs = {1: ["Better substitutions"] * 8, 2: ["Use less pllastic", "Make cehckout simpler", "Better substitutinos"],
            3: ["Bon rapport qualité-prix."] * 3, 4: ["Less plastic in the bags please", "Too much plastic in my order",
                                                       "The checkout crashed", "Checkout is slow"]}
    units = {k: label_units.unit(v, parser) for k, v in docs.items()}
    fixed = label_spelling.correct(units)
    assert fixed[2].docs == ["Use less plastic", "Make checkout simpler", "Better substitutions"]
    assert fixed[3].docs == docs[3]  # another language is not English misspelt ("qualité" is no "quality")
    out = label_themes({2: docs[2], 1: docs[1], 4: docs[4]}, [2], taken=[])
    assert (out[2].label, out[2].keywords[:2]) == ("Substitution requests", ["better substitutions", "simpler checkout"])
