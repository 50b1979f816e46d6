"""Themes whose comments say a sentence, or nothing a phrase could name, get a label a person would write.

Realistic themes from the sample archive and the labelled sets (bench/labels_replay.py printed
their labels before: "Late again", "As above", "Everyone was really friendly", "The driver was
lovely", "Statement", "Funds"), labelled together as siblings, each with its exact expected label.
"""

from __future__ import annotations

import pytest

from feedback.themes import label_words, phrases, sayings
from feedback.themes.label import label_parents, label_themes

from .conftest import need

SIBLINGS: dict[str, tuple[list[str], str]] = {
    # a lovely-driver theme takes the phrase; its sibling saying the same is named by its topic
    "lovely driver": (["Lovely driver, carried everything in.", "The driver was lovely.", "Lovely driver as always.",
                       "Such a lovely driver, thank you."], "Lovely driver"),
    "driver was lovely": (["The driver was lovely, even helped my mum put the shopping away."] * 6
                          + ["The driver was lovely"], "Driver praise"),
    "late again": (["Late again."] * 8 + ["Always late!!", "Late."], "Repeated lateness"),
    "third time": (["Third time this month."] * 6 + ["Tried 3 times.", "Tried 5 times."], "Recurring problems"),
    "as above": (["As above."] * 5 + ["as above"], "No further comments"),
    "nothing to add": (["nothing else to add really"] * 4 + ["Can't think of anything"] * 2, "No new comments"),
    "nobody told me": (["Nobody let me know."] * 5, "No communication"),
    # what nobody did is what is missing (main named it "Answers phone", the opposite)
    "no answer": (["No one answers the phone."] * 5, "No answer"),
    "made my day": (["Made my day."] * 4 + ["Keep it up", "it makes a difference."], "General praise"),
    "i love it": (["i love it!"] * 4 + ["I love them!!", "Love it."], "Kind words"),  # beside "General praise"
    "fine": (["fine"] * 5 + ["It was alright", "it was ok"], "Neutral answers"),  # was "Satisfied answers": no claim
    "everyone friendly": (["Everyone was really friendly"] * 4 + ["everyone was really friendly!"],
                          "Friendly people"),
    "named staff": (["[NAME] was really helpful."] * 4 + ["[NAME] was so helpful!"], "Helpful staff member"),
    # how someone named treated a customer, not the circumstance ("Card declined" before, a problem over praise)
    "kind when declined": (["[NAME] on the tills was so kind when my card got declined."] * 5
                           + ["[NAME] on the tillls was so kind when my card got declined."], "Kind staff member"),
    # "well" is no praise: the lexicon's kind word does not make a late order "Order praise"; arriving after
    # the slot is the phrase ("Order comments" before)
    "after the slot": (["My order arrived well after the slot."] * 5 + ["Plus my order arrived well after the slot..."],
                       "Arrived after the slot"),
    # a long request whose phrase a quarter of the theme uses: the phrase, not the sentence
    "offers on the bill": (["Make sure offers actually come off the bill"] * 6
                           + ["Multibuy offer not applied, had to chase it.", "the offer wasn't applied to my bill"],
                           "Offer not applied"),
    # questions whose words are examples: what they ask
    "how long": (["How long until the transfer arrives?", "When will my funds show up?",
                  "How many days until the payment clears?", "How long does a top-up take?",
                  "How soon will the deposit appear?"], "Timing questions"),
    # words each used by a few comments are not the theme's topic ("Statement"): what it does
    "not showing": (["it is not showing up.", "it haven't show up yet.", "it doesn't show up", "it has not appeared.",
                     "my statement doesn't show it", "it doesn't show up yet."], "Mixed comments"),
}


@pytest.fixture(scope="module")
def labelled() -> dict[str, str]:
    need(phrases.load_parser() is not None, f"{phrases.DEFAULT_MODEL} is not installed: label phrases need its parser")
    docs = {theme: texts for theme, (texts, _) in SIBLINGS.items()}
    return {theme: lab.label for theme, lab in label_themes(docs, list(SIBLINGS)).items()}


@pytest.mark.parametrize("theme", list(SIBLINGS))
def test_a_saying_theme_gets_the_label_a_person_would_write(labelled: dict[str, str], theme: str) -> None:
    assert labelled[theme] == SIBLINGS[theme][1]


def test_siblings_doing_the_same_get_other_words_not_numbers(labelled: dict[str, str]) -> None:
    assert len({lab.lower() for lab in labelled.values()}) == len(labelled)
    assert not any(ch.isdigit() for lab in labelled.values() for ch in lab)


def test_a_parent_is_never_named_by_a_place_alone() -> None:
    need(phrases.load_parser() is not None, f"{phrases.DEFAULT_MODEL} is not installed")
    children = [
        ["is a socket converter required in france", "would a socket converter be needed in france",
         "does france use a socket converter", "do i need a plug adapter for france"],
        ["are there travel alerts for france", "any travel alerts for france", "what are the travel alerts for the us",
         "find travel alerts for haiti"],
        ["do i need a visa to travel to france", "if i go to france would i need a visa",
         "do i need a visa to get to peru", "do i need a travel visa for france"],
    ]
    lab = label_parents({"p": children}, ["p"])["p"].label
    assert "france" not in lab.lower() and label_words.label_phrase(lab), lab  # was "France"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Everyone was really friendly", "Friendly people"),
        ("Everything was fresh", "Fresh overall"),
        ("Everything was fresh and well chosen", "Fresh and well chosen"),
        ("[NAME] was great as always", "Great staff member"),
        ("Was really helpful", "Helpful staff member"),  # "[NAME]" cut off before: someone named
        ("It was delivered", None),  # no quality
        ("The staff were friendly", None),  # a subject of its own: a phrase ("friendly staff") names it
        ("", None),
    ],
)
def test_described(text: str, expected: str | None) -> None:
    assert label_words.described(text) == expected


@pytest.mark.parametrize(
    ("docs", "avoid", "expected"),
    [
        (["Can I use honey instead of sugar?", "Can I swap flour for cornflour?", "Is there a substitute for eggs?"],
         (), "Substitution questions"),
        (["How long until it arrives?", "When will it come?", "How soon can I get it?"], (), "Timing questions"),
        (["How long until it arrives?", "When will it come?"], ("timing questions",), "Questions on timing"),
        (["How much is it?", "What does it cost?", "Is there a fee?"], (), "Cost questions"),
        (["Is it raining?", "Can I order online?", "Do you deliver?"], (), None),  # questions, nothing in common
        (["The app crashed.", "Refund please."], (), None),  # not questions
        ([], (), None),
    ],
)
def test_question_kind(docs: list[str], avoid: tuple[str, ...], expected: str | None) -> None:
    assert label_words.question_kind(docs, avoid) == expected


def test_topic_and_mixed_phrases_take_another_word_when_taken() -> None:
    docs = ["Make sure the bags are packed", "Don't squash the bags"]
    assert label_words.topic_phrase("bag", docs, 0.0, -0.1, "bags") == "Bag requests"
    assert label_words.topic_phrase("bag", docs, 0.0, -0.1, "bags", avoid={"bag requests"}) == "Bag suggestions"
    assert label_words.mixed_phrase(["Why?", "What now?"], 0.0, -0.1) == "Mixed questions"
    assert label_words.mixed_phrase(["Why?", "What now?"], 0.0, -0.1, avoid={"mixed questions"}) == "Assorted questions"


@pytest.mark.parametrize(
    ("doc", "measured"),
    [
        ("i am 5' 5\" and 128 lbs.", True), ("i'm 5'8\" 120lbs.", True), ("I'm 5 ft 3 and curvy", True),
        ("i usually wear a 32dd", True), ("I weigh 62 kg", True),
        ("I withdrew 30 pounds and the ATM gave me 10.", False),  # money, not a weight
        ("It took 5 days to arrive.", False), ("Order 34 of 40 was late", False), ("Size 8 fits.", False),
        ("I paid 35 a month for it.", False),
    ],
)
def test_measurements_are_a_writers_height_weight_or_bra_size(doc: str, measured: bool) -> None:
    assert sayings.measurement_share([doc]) == float(measured)


def test_measurement_labels_say_what_most_give() -> None:
    assert sayings.measurement_labels(["i am 5'4, 130 lbs", "5'7\" 120lbs", "i'm tall"])[0] == "Height and weight"
    assert sayings.measurement_labels(["i am 5'4", "i'm 5'2 and slim", "I wear a 34b"])[0] == "Body measurements"


@pytest.mark.parametrize(("text", "key", "bare"), [
    ("i can't wait to wear it!", "can't wait to wear", "Can't wait to wear"),
    ("I cannot wait to wear it.", "can't wait to wear", "Can't wait to wear"),
    ("Can't wait to wear", "can't wait to wear", "Can't wait to wear"),
    ("I would recommend it", "would recommend", "Would recommend"),
    ("I love it", "love it", "Love it"),  # two words are left: "Love" alone says less
    ("i do", "i do", "I do"),
    ("Late again", "late again", "Late again"),
])
def test_one_saying_however_it_is_written(text: str, key: str, bare: str) -> None:
    assert (sayings.same_saying(text), sayings.bare_saying(text)) == (key, bare)


def test_a_quarter_saying_one_thing_names_a_theme_of_no_phrase() -> None:
    # the clothing reviews' theme of 322 segments was "Mixed comments" with a third of its best saying this
    need(phrases.load_parser() is not None, f"{phrases.DEFAULT_MODEL} is not installed")
    docs = ["i can't wait to wear it!", "I cannot wait to wear it.", "can't wait to wear it", "i can't wait to wear.",
            "I'm looking forward to wearing it often!", "I will wear this a lot this winter.",
            "I intend to wear this for a variety of occasions.", "I think I will wear this all the time.",
            "I can't wait for the weather to cool down so I can wear it!", "Already worn it a few times.",
            "I'm planning to wear it to a wedding.", "Will be perfect in the fall."]
    assert label_themes({1: docs}, [1], tones={1: [0.6] * len(docs)})[1].label == "Can't wait to wear"
    assert label_themes({1: docs[4:]}, [1], tones={1: [0.6] * 8})[1].label != "Can't wait to wear"
    most = [*docs[:4], "Can't wait to wear it!!", "I can't wait to wear it", *docs[4:6], docs[9], docs[11]]
    assert label_themes({1: most}, [1], tones={1: [0.6] * len(most)})[1].label == "Can't wait to wear"  # 60 %
