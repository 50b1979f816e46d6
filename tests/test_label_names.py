"""A theme label or keyword never shows a person's name, even one the redactor missed.

Comments reach the labeller redacted ("[NAME] was great"), but a name written in lower case or in
an odd place can slip through ("please call me bob", "chloe on the phone sorted it"). Such a name
must not become what a theme is called: a label and its keywords are shown on every page.
"""

from __future__ import annotations

from typing import Any

import pytest

from feedback.themes import label_words, phrases
from feedback.themes.label import label_parents, label_themes

PEOPLE = {"bob", "bailey", "jake", "aaron", "chloe", "dave", "sarah"}

CALL_ME = ["please start calling me bob", "please call me bailey", "i want you to call me bailey",
           "i'd like to start calling you jake", "start calling me jake from now on", "call me bob from now on",
           "call me bob", "call me bailey please"]
SPELL = ["spell aaron", "spell the word aaron", "how do you spell aaron", "spell aaron for me",
         "correct spelling for aaron"]
STAFF = ["chloe was great", "chloe was great", "chloe was great!", "Chloe was great.", "chloe was great today"]
DRIVER = ["dave the driver was brilliant", "Dave the driver was brilliant again", "dave the driver was brilliant",
          "our driver dave was brilliant", "dave the driver carried the bags in"]


def _words(texts: list[str]) -> set[str]:
    return {w.strip(".,!?").lower() for text in texts for w in text.split()}


@pytest.mark.parametrize("model", [phrases.DEFAULT_MODEL, None], ids=["phrases", "lemma n-grams"])
def test_no_label_or_keyword_names_a_person(parser: Any, model: str | None) -> None:
    themes = {"call me": CALL_ME, "spell": SPELL, "staff": STAFF, "driver": DRIVER}
    labels = label_themes(themes, list(themes), model=model)
    for theme, lab in labels.items():
        shown = [lab.label, *lab.keywords]
        assert not _words(shown) & PEOPLE, (theme, shown)
        assert lab.label


def test_a_parent_whose_children_share_a_name_is_not_named_by_it(parser: Any) -> None:
    children = [CALL_ME, ["text bob i'm late", "send bob a text", "text bob that i'll be there soon",
                          "send a text to bob"], ["call bob", "call bob at home", "phone bob now", "call bob please"]]
    lab = label_parents({"p": children}, ["p"])["p"]
    assert not _words([lab.label, *lab.keywords]) & PEOPLE, lab


@pytest.mark.parametrize(("text", "expected"), [
    ("Call me bob", True), ("chloe on the phone sorted it", True), ("Don't put the bottles on the bread", False),
    ("Mark the order as urgent", False), ("Olive oil was missing", False), ("[NAME] was great", False), ("", False),
])
def test_names_person(text: str, expected: bool) -> None:
    assert label_words.names_person(text) is expected


def test_without_people() -> None:
    assert label_words.without_people("please call me Bob, thanks") == "please call me , thanks"
    assert label_words.without_people("Don't bill me twice") == "Don't bill me twice"
