"""Labels of social posts: written to a company's @handle, with links, and often only a reaction.

A company's social channel brings tweets such as "@acme_help Hello.", "Really? https://t.co/..." or "Horrible.".
On 1,974 real complaint tweets (bench/themes_reviews.py --tweets) 18 of 56 themes were named "Mixed problems",
"Varied comments" and the like, three "Fix items", "Contact items" and "Check items", and a group "Guys problems
and WTF". The texts below are written for these tests, in the way such posts are written.
"""

from __future__ import annotations

from typing import Any

import pytest

from feedback.themes import label_examples, label_words
from feedback.themes.label import label_themes
from feedback.themes.phrases import Phrase


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@acme_help Hello.", "Hello."),
        ("Really? https://t.co/pX1sQ9", "Really?"),
        ("Broken again pic.twitter.com/9xSlQY4ZGH", "Broken again"),
        ("Thanks @acme for nothing www.example.com/page", "Thanks for nothing"),
        ("Write to help@acme.com please", "Write to help@acme.com please"),  # an e-mail address is no handle
        ("Fish &amp; chips were cold", "Fish & chips were cold"),
        ("No handle here", "No handle here"),
    ],
)
def test_a_post_is_read_without_whom_it_is_addressed_to_and_its_links(text: str, expected: str) -> None:
    assert label_words.unaddressed(text) == expected


@pytest.mark.parametrize(
    ("docs", "expected"),
    [
        (["@acme_help Hello.", "@acme hi guys", "Hey @acme_help", "@acme_help hi there", "@acme good morning"],
         "Greeting messages"),  # was unread: the handle came first
        (["Really?", "@acme_help seriously??", "WTF", "Wow.", "What gives? https://t.co/abc", "Ugh!", "Come on @acme",
          "Really @acme?"], "Short reactions"),
        (["Horrible.", "@acme you are the worst", "Very disappointed.", "Unacceptable! https://t.co/x1", "Not happy.",
          "Pathetic", "They suck.", "Absolutely shocking"], "General dissatisfaction"),
        (["@acme Hello.", "@acme_help Yes.", "Hey @acme.", "@acme Nope.", "@acme hi there", "@acme Sure.",
          "@acme_help yes!", "Hello? @acme", "Loved the new range in store"], "Short replies"),  # greetings and answers
        (["Horrible service at the Leeds store.", "Horrible.", "The app is useless.", "Useless.",
          "Disgusting food in the cafe."], None),  # most name what was wrong
        (["thank you ai for everything you do", "i would like to thank you ai", "yes that is correct",
          "hello there ai", "what company made this ai"], None),  # content-free mostly, but no short replies
    ],
    ids=["greetings", "reactions", "verdicts", "short replies", "verdicts with a topic", "long thanks"],
)
def test_what_posts_do_names_a_theme_of_them(docs: list[str], expected: str | None) -> None:
    assert label_words.speech_act(docs) == expected


def test_a_greeting_addressed_to_a_handle_says_nothing_about_a_topic() -> None:
    assert label_words.says_nothing("@acme_help Hello.")
    assert not label_words.says_nothing("@acme_help my parcel never came")


@pytest.mark.parametrize(
    ("docs", "expected"),
    [
        (["Really?", "@acme_help seriously??", "WTF", "Wow.", "What gives? https://t.co/abc", "Ugh!", "Come on @acme",
          "Really @acme?"], "Short reactions"),
        (["Horrible.", "@acme you are the worst", "Very disappointed.", "Unacceptable! https://t.co/x1", "Not happy.",
          "Pathetic", "They suck.", "Absolutely shocking"], "General dissatisfaction"),
        (["@acme Hello.", "Hey @acme.", "@acme hi there", "@acme_help Yes.", "@acme Nope.", "@acme Sure.",
          "Thanks @acme", "@acme cheers"], "Short replies"),  # greetings, answers and thanks: none most of it
    ],
    ids=["reactions", "verdicts", "short replies"],
)
def test_a_theme_of_posts_is_named_by_what_they_do(parser: Any, docs: list[str], expected: str) -> None:
    assert label_themes({1: docs}, [1])[1].label == expected


def test_what_is_fixed_is_no_item(parser: Any) -> None:
    """Varied objects of "fix" are problems, not goods: never "Fix items" (objects of "return" still are items)."""
    docs = ["Please fix this issue.", "Can you fix the problem?", "Fix the process please.", "When will you fix this error?",
            "Still not fixed, this issue is a joke."]
    assert "items" not in label_themes({1: docs}, [1])[1].label.lower()
    fixed = [(Phrase(f"fix {obj}", f"fix {obj}", verb="fix"), Phrase(obj, obj)) for obj in ("issue", "process", "error")]
    assert label_examples.generalise(fixed) == fixed
    returned = [(Phrase(f"return {obj}", f"returned {obj}", verb="returned"),) for obj in ("lamp", "pan", "jar")]
    assert label_examples.generalise(returned) == [(Phrase("return item", "returned items"),)] * 3


def test_an_interjection_or_one_post_of_many_names_no_theme(parser: Any) -> None:
    docs = ["@acme_help Ah great, thanks!", "I can't see it anywhere", "Where can I view it?", "It's not showing up",
            "I can't find it on the website", "There is no place for it that I can see", "It is not there",
            "Ah, where did it go?"]
    name = label_themes({1: docs}, [1])[1].label
    assert not name.lower().startswith("ah"), name
    assert name != "Ah great"
