"""Theme labels a person would write where main wrote "Friendly staff (2)" or named an incidental object.

Realistic themes from the sample archive (bench/labels_replay.py printed them): a theme whose best
phrase a sibling or a pinned label has is named by the word that tells it apart, or by what its
comments do, never by a number while another way is left; a theme whose segments return, each, a
different thing is about returns ("Returned items"), not about the "Table lamp" three of them name.
"""

from __future__ import annotations

import pytest

from feedback.themes import label_distinct, label_examples, label_units
from feedback.themes.label import label_themes
from feedback.themes.phrases import Phrase

FRIENDLY = ["Friendly staff", "Friendly staff😊", "Really friendly staff.", "The staff were friendly and helpful.",
            "Friendly staff as always"]
PHONE = ["The staff on the phone were so friendly.", "Friendly staff on the phone, sorted it quickly.",
         "Friendly staff, answered the phone quickly.", "friendly staff when I rang"]
TILLS = ["Friendly staff on the tills.", "The till staff are friendly.", "friendly till staff, quick too",
         "Friendly staff at the tills"]
MIXED = ["Friendly staff😊", "Friendly staff😊", "Please stop. 🤬", "easy❤️", "Awful subs😤", "Thanks, Kemi  🤷",
         "Please stop."]  # theme 108 of the sample fit: main named it "Friendly staff (2)"
NEVER_CAME = ["the sourdough rolls never turned up.", "the mushrooms never turned up!", "The peaches never turned up",
              "The pears never turned up.", "the tomatoes never turned up..."]
RETURNS = ["I returned the table lamp on Monday and haven't seen a penny back yet.",
           "I returned the frying pan on Sunday and haven't seen a penny back yet.",
           "i returned the storage jars on friday and haven't seen a penny back yet",
           "I returned the duvet cover on Sunday and haven't seen a penny back yet.",
           "The table lamp I ordered arrived with a crack down the side!",
           "The table lamp arrived cracked, also the refund took ages.",
           "Got my kettle today and it was dented."]  # theme 67: main named it "Table lamp"
CANCELLED = ["I cancelled my order and still got charged.", "Cancelled my order twice, it still came.",
             "cancelled my order last week, no confirmation", "I cancelled my subscription and my order."]


@pytest.mark.parametrize(
    ("themes", "taken", "expected"),
    [
        # siblings: the first takes the phrase, the others add the word that tells them apart
        ({"friendly": FRIENDLY, "phone": PHONE, "tills": TILLS}, [],
         {"friendly": "Friendly staff", "phone": "Friendly staff on phone", "tills": "Friendly till staff"}),
        # a pinned label: the same
        ({"tills": TILLS}, ["Friendly staff"], {"tills": "Friendly till staff"}),
        ({"phone": PHONE}, ["Friendly staff", "Staff on the phone"], {"phone": "Friendly staff on phone"}),
        # its next phrase scores half the taken one's: that phrase
        ({"phone staff": ["Friendly phone staff.", "The phone staff were friendly.",
                          "friendly phone staff, sorted it quickly", "Friendly staff, quick to answer"]},
         ["Friendly staff"], {"phone staff": "Phone staff"}),
        # nothing tells it apart: what its comments do (main: "Friendly staff (2)")
        ({"friendly": FRIENDLY, "mixed": MIXED}, [], {"friendly": "Friendly staff", "mixed": "Mixed comments"}),
        ({"mixed": MIXED}, ["Friendly staff", "Mixed comments"], {"mixed": "Assorted comments"}),
        # the objects of one verb, each another: examples of what the theme does (main: "Table lamp")
        ({"returns": RETURNS}, [], {"returns": "Returned items"}),
        # mostly one object: that object is the topic
        ({"cancelled": CANCELLED}, [], {"cancelled": "Cancelled order"}),
        # the subjects of one thing not done, each another: examples (was "Varied problems" on the sample)
        ({"never came": NEVER_CAME}, [], {"never came": "Items never turning up"}),
        # mostly one subject: that subject is the topic
        ({"no driver": ["The driver never turned up.", "Driver never turned up", "the driver never turned up!",
                        "The peaches never turned up"]}, [], {"no driver": "Driver never turning up"}),
    ],
)
def test_labels_tell_themes_apart_without_numbers(parser: object, themes: dict[str, list[str]], taken: list[str],
                                                  expected: dict[str, str]) -> None:
    labels = label_themes(themes, list(themes), taken=taken)
    assert {k: v.label for k, v in labels.items()} == expected


@pytest.mark.parametrize(
    ("docs", "label", "used", "expected"),
    [
        (FRIENDLY, "Friendly staff", set(), "Friendly staff"),  # free: kept
        (MIXED, "Friendly staff", {"friendly staff"}, "Mixed comments"),
        # only when every other way is taken: a number
        (MIXED, "Friendly staff", {"friendly staff", "mixed comments", "assorted comments", "varied comments",
                                   "mixed feedback", "assorted feedback", "varied feedback", "mixed remarks",
                                   "assorted remarks", "varied remarks", "staff comments", "staff feedback",
                                   "staff remarks"}, "Friendly staff (2)"),
        (MIXED, "Friendly staff", {"friendly staff", "friendly staff (2)", "mixed comments", "assorted comments",
                                   "varied comments", "mixed feedback", "assorted feedback", "varied feedback",
                                   "mixed remarks", "assorted remarks", "varied remarks", "staff comments",
                                   "staff feedback", "staff remarks"}, "Friendly staff (3)"),
    ],
)
def test_a_taken_label_is_numbered_only_as_the_last_resort(parser: object, docs: list[str], label: str,
                                                           used: set[str], expected: str) -> None:
    unit = label_units.unit(docs, parser)
    assert label_distinct.distinct(label, used, unit) == expected


def test_a_fixed_label_takes_its_other_name_first() -> None:
    variants = {"unclear comments": ["Unclear remarks"]}
    assert label_distinct.distinct("Unclear comments", {"unclear comments"}, None, (), variants) == "Unclear remarks"
    assert label_distinct.distinct("Unclear comments", {"unclear comments", "unclear remarks"}, None, (),
                                   variants) == "Unclear comments (2)"


def _never_came(subject: str) -> tuple[Phrase, ...]:
    return (Phrase(subject, subject), Phrase(f"{subject} never turn up", f"{subject}s never turning up", subject=subject))


@pytest.mark.parametrize(
    ("found", "expected"),
    [
        # three subjects, each once: examples, read as "items never turning up"
        ([_never_came("peach"), _never_came("pear"), _never_came("mushroom")],
         [(Phrase("item never turn up", "items never turning up"),)] * 3),
        # one subject most of the time: the topic, kept
        ([_never_came("driver"), _never_came("driver"), _never_came("peach"), _never_came("pear")],
         [_never_came("driver"), _never_came("driver"), _never_came("peach"), _never_came("pear")]),
        # two subjects are not yet examples
        ([_never_came("peach"), _never_came("pear")], [_never_came("peach"), _never_came("pear")]),
    ],
)
def test_varied_subjects_of_one_thing_not_done_are_examples(found: list[tuple[Phrase, ...]],
                                                             expected: list[tuple[Phrase, ...]]) -> None:
    assert label_examples.subjects(found) == expected


def _returned(obj: str) -> tuple[Phrase, ...]:
    words = obj.split()
    return (Phrase(f"return {obj}", f"returned {obj}", verb="returned"), Phrase(obj, obj),
            Phrase(words[-1], words[-1]), Phrase("penny", "penny"))


@pytest.mark.parametrize(
    ("found", "expected"),
    [
        # three objects, each once: examples, read as "returned items"; "penny" stays
        ([_returned("table lamp"), _returned("frying pan"), _returned("duvet cover")],
         [(Phrase("penny", "penny"), Phrase("return item", "returned items"))] * 3),
        # one object most of the time: the topic, kept
        ([_returned("table lamp"), _returned("table lamp"), _returned("frying pan"), _returned("duvet cover")],
         [_returned("table lamp"), _returned("table lamp"), _returned("frying pan"), _returned("duvet cover")]),
        # two objects are not yet examples
        ([_returned("table lamp"), _returned("frying pan")], [_returned("table lamp"), _returned("frying pan")]),
        # a segment without the verb keeps the object it names ("The table lamp arrived cracked")
        ([_returned("table lamp"), _returned("frying pan"), _returned("duvet cover"),
          (Phrase("table lamp", "table lamp"), Phrase("lamp", "lamp"))],
         [*[(Phrase("penny", "penny"), Phrase("return item", "returned items"))] * 3,
          (Phrase("table lamp", "table lamp"), Phrase("lamp", "lamp"))]),
    ],
)
def test_varied_objects_of_one_verb_are_examples(found: list[tuple[Phrase, ...]],
                                                 expected: list[tuple[Phrase, ...]]) -> None:
    assert label_examples.generalise(found) == expected
