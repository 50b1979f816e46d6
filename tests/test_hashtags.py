"""Hashtags read as the words they join (feedback/text/hashtags.py): what is embedded and what the sentiment reads."""

from __future__ import annotations

import pytest

from feedback.embed import Embedder
from feedback.text import segments as nlp
from feedback.text.hashtags import MAX_TAGS, spell_out, words_of
from feedback.text.sentiment import felt, sentiment
from tests.test_sentiment_model import segment_scores


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my bag is still in Boston #neveragain", "my bag is still in Boston never again"),
        ("#customerservicefail", "customer service fail"),
        ("#NeverAgain", "Never Again"),  # cut at its capitals, case kept
        ("#BadCustomerService!", "Bad Customer Service!"),
        ("#WorstAirlineEver", "Worst Airline Ever"),
        ("#customerservice #DestinationDragons #USAirways", "#customerservice #DestinationDragons #USAirways"),  # topics
        ("#thank_you", "thank you"),
        ("#unitedsucks #lostluggage", "united sucks lost luggage"),
        ("#fail", "#fail"),  # one word: nothing to cut
        ("#sporcle #tcot", "#sporcle #tcot"),  # no cut into dictionary words of two letters or more
        ("#iPhone", "#iPhone"),  # not "i phone"
        ("Order #12345, #prop8", "Order #12345, #prop8"),  # digits
        ("color: #cccccc; #FFEEDD", "color: #cccccc; #FFEEDD"),  # a colour
        ("https://example.com/page#neveragain", "https://example.com/page#neveragain"),  # inside a link
        ("&#39;neveragain", "&#39;neveragain"),
        ("no tags at all", "no tags at all"),
        ("", ""),
    ],
)
def test_a_hashtag_that_joins_words_is_spelled_out(text: str, expected: str) -> None:
    assert spell_out(text, felt) == expected


def test_a_post_full_of_tags_has_only_its_first_tags_read() -> None:
    text = " ".join(["#neveragain"] * (MAX_TAGS + 10))
    assert spell_out(text, felt) == " ".join(["never again"] * MAX_TAGS + ["#neveragain"] * 10)


def test_words_of_a_tag() -> None:
    assert words_of("worstairlineever") == "worst airline ever"
    assert words_of("happycustomer") == "happy customer"
    assert words_of("fail") is None
    assert words_of("sporcle") is None
    assert words_of("customerservice") == "customer service"
    assert not felt("customer service")  # words, but only a topic: not spelled out


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bag lost again #NeverAgain", "Bag lost again Never Again"),
        ("@brightmoor my order!!! https://t.co/x #customerservicefail", "my order! customer service fail"),
        ("Order #12345 #fail", "Order 12345 fail"),  # other tags lose only their mark, as before
    ],
)
def test_the_embedded_text_reads_the_words(text: str, expected: str) -> None:
    assert nlp.clean_for_embedding(text) == expected


def test_the_displayed_segment_keeps_the_tag() -> None:
    [seg] = nlp.segment("Bag lost again #NeverAgain")
    assert seg.text == "Bag lost again #NeverAgain"
    assert seg.clean == "Bag lost again Never Again"


@pytest.mark.parametrize(
    ("text", "points"),
    [  # spaCy cut "#" off as a prefix, and a sentence ended with it: "... apart! #" and "nothappy" (read as no word)
        ("They are falling apart! #nothappy", [("They are falling apart! #nothappy", "They are falling apart! not happy")]),
        ("Late again. #fail #NeverAgain", [("Late again. #fail #NeverAgain", "Late again. fail Never Again")]),
        ("Really @brand? Lasted 5 smoothies. #badservice @brand https://t.co/x",
         [("Really @brand?", "Really ?"), ("Lasted 5 smoothies. #badservice @brand https://t.co/x",
                                           "Lasted 5 smoothies. bad service")]),
        ("#fail. The van was late.", [("#fail.", "fail."), ("The van was late.", "The van was late.")]),  # first: alone
        ("Loved it. #1 fan of your shop!", [("Loved it.", "Loved it."), ("#1 fan of your shop!", "1 fan of your shop!")]),
        ("Order #12345 is late. It's the third time.", [("Order #12345 is late.", "Order 12345 is late."),
                                                        ("It's the third time.", "It's the third time.")]),
    ],
)
def test_tags_after_a_sentence_stay_whole_and_on_it(text: str, points: list[tuple[str, str]]) -> None:
    assert [(s.text, s.clean) for s in nlp.segment(text)] == points


@pytest.mark.parametrize(
    ("text", "expected"),
    [("#nothappy #fail", True), ("#tragedy @TommyHilfiger http://t.co/x", True), ("#fail!!", True),
     ("#1 fan of your shop!", False), ("@brand http://t.co/x", False), ("fail", False), ("Order #12345 is late", False)],
)
def test_tags_only(text: str, expected: bool) -> None:
    assert nlp.tags_only(text) is expected


def test_the_lexicon_reads_the_words() -> None:
    assert sentiment("my bag is still in Boston #neveragain") == sentiment("my bag is still in Boston never again")
    assert sentiment("#neveragain") < -0.4  # "never again" is a saying the lexicon reads as "terrible"
    assert sentiment("#loveit") == sentiment("love it") > 0.5


@pytest.mark.slow
@pytest.mark.parametrize(
    ("tagged", "side"),
    [  # each read 0.00 while its tag was one unknown word
        ("@skyline #customerservicefail", -1),
        ("my bag is still in Boston #neveragain", -1),
        ("@skyline #NeverAgain", -1),
        ("@skyline #loveit", 1),
        ("@skyline thanks for the quick reply #customerservice", 1),  # a topic tag stays a tag (spelled out: -0.27)
    ],
)
def test_a_segment_with_a_joined_tag_scores_as_its_words(embedder: Embedder, tagged: str, side: int) -> None:
    [(shown, score)] = segment_scores(tagged, embedder)
    [(_, spelled)] = segment_scores(spell_out(tagged, felt), embedder)
    assert shown == tagged
    assert score == spelled  # the same vector and the same reading as the words written apart
    assert score * side > 0.3


@pytest.mark.slow
def test_a_tag_after_the_stop_is_read_with_its_sentence(embedder: Embedder) -> None:
    # two points before, "... falling apart! #" and "nothappy https://...", both read 0.00
    tweet = "@Superdry Bought these less than 4 weeks ago and they are falling apart! #nothappy https://t.co/vuxUOTgAtG"
    [(shown, score)] = segment_scores(tweet, embedder)
    assert shown == tweet
    assert score == pytest.approx(-0.19, abs=0.02)  # -0.24 by the heads before b42d16adfb61
