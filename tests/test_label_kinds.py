"""A parent or section whose shared words are concrete examples (foods, objects, people) is named by
the kind: what its comments say happened, the class of its examples, or a shared phrase with no
example in it (feedback/themes/label_kinds.py; the sample's sections were "Box and glasses problems",
"Blueberries and tomatoes", "Kid problems", "Quality and food")."""

from __future__ import annotations

from typing import Any

import pytest

from feedback.themes import label_kinds
from feedback.themes.label import label_parents, label_themes
from feedback.themes.label_units import Candidate

DAMAGE = [
    ["The strawberries came crushed at the bottom of the box.", "My strawberries were crushed in the box.",
     "Strawberries crushed under the glasses in the box."],
    ["Two glasses arrived broken in the box.", "The glasses were broken when the box came.",
     "Both glasses broke in the box."],
    ["Far too much cardboard and plastic packaging.", "So much cardboard and plastic packaging for a few glasses.",
     "Cardboard and plastic packaging everywhere."],
    ["Wasteful packaging, a huge box for one jar.", "Wasteful packaging again, glasses wrapped in plastic.",
     "Such wasteful packaging in the box."],
]
FOOD_PRAISE = [
    ["Best blueberries I've had in ages.", "Best blueberries in ages, and lovely tomatoes.", "The best blueberries ever."],
    ["The tomatoes were perfect and tasty.", "Perfect tomatoes, lasted all week.",
     "Lovely tomatoes, perfect with the blueberries."],
    ["The avocados were perfect.", "Perfect avocados, really lovely.", "Lovely avocados and tomatoes."],
]
MISTAKES = [
    ["My kid wanted toast for tea but got the wrong bread.", "The kid got the wrong bread again.",
     "Wrong bread, my kid was upset."],
    ["Wrong flavour crisps for my kid.", "The wrong flavour came, my kid hates it.", "Wrong flavour yoghurt for the kid."],
    ["The bill was wrong, charged twice for the kid's juice.", "Wrong bill again.", "My bill was wrong."],
]
APART = [  # nothing shared but a person
    ["My partner tried it too, both the same.", "My partner tried as well, same result.", "Same for my partner.",
     "My partner has the same."],
    ["Had to use the website instead.", "Had to use the website instead.", "Used the website instead."],
    ["The home page loads, then it closes.", "It opens the home page and closes.", "Home page then it closes."],
]
PRICES = [
    ["Prices are good value.", "Good value for the prices.", "Prices are fair, good value."],
    ["Great value and low prices.", "Value is good, prices are low.", "Low prices, great value."],
]


@pytest.mark.parametrize(("children", "taken", "expected"), [
    (DAMAGE, [], "Damage and packaging problems"),  # was "Glasses and box problems"
    # half of it is packaging: not "Damaged items" (its kind must hold for the group: sections' names, branch sect2)
    (DAMAGE, ["Damage and packaging problems"], "Packaging problems and damage"),
    (FOOD_PRAISE, [], "Food praise"),  # was "Tomatoes and blueberries"
    (FOOD_PRAISE, ["Food praise"], "Food compliments"),
    (MISTAKES, [], "Wrong or missing items"),  # was "Kid problems"
    (MISTAKES, ["Wrong or missing items"], "Order mistakes"),
    (APART, [], "Website and home page"),  # was "Partner and website"
    (PRICES, [], "Prices and value"),  # no example: as before
])
def test_a_group_of_examples_is_named_by_the_kind(parser: Any, children: list[list[str]], taken: list[str],
                                                  expected: str) -> None:
    assert label_parents({"p": children}, ["p"], taken=taken)["p"].label == expected


@pytest.mark.parametrize(("key", "example"), [
    ("tomatoes", True), ("box", True), ("glasses", True), ("kid", True), ("partner", True),
    ("best blueberries", True), ("food", False), ("bag", False), ("refund", False), ("delivery slot", False),
])
def test_what_is_an_example(key: str, example: bool) -> None:
    assert label_kinds.is_example(key) is example


def _words(*keys: str) -> list[Candidate]:
    return [Candidate(k, k, 1.0, 0.5) for k in keys]


@pytest.mark.parametrize(("picked", "used", "expected"), [
    (_words("quality", "food"), set(), "Food quality"),
    (_words("food", "quality"), set(), "Food quality"),
    (_words("quality", "food"), {"food quality"}, None),
    (_words("prices", "value"), set(), None),  # both are qualities: a pair
    (_words("price", "quality"), set(), None),
    (_words("range", "bread"), set(), "Bread range"),
    (_words("size", "length"), set(), None),  # two measures: a pair ("Size and length"), not "Length size"
    (_words("length", "sleeve"), set(), "Sleeve length"),
    (_words("checkout", "refund"), set(), None),
    (_words("quality"), set(), None),
])
def test_a_quality_of_a_thing_is_written_after_it(picked: list[Candidate], used: set[str],
                                                   expected: str | None) -> None:
    assert label_kinds.attribute_first(picked, used) == expected


@pytest.mark.parametrize(("thing", "docs", "expected"), [
    ("food", ["The food quality has dropped.", "Food quality is great.", "Lovely fresh food."], "Food quality"),
    ("delivery", ["Quality of the deliveries is poor.", "Delivery quality varies."], "Delivery quality"),  # "deliveries"
    ("spend", ["No silly minimum spend.", "Better quality than the big shops."], None),  # never written together
    ("food", ["The food quality has dropped.", "Lovely fresh food."], None),  # once: not the group's topic
    ("store", ["Tried it on in store."] * 37 + ["Excellent quality!"] * 37 + ["The quality in store was better."] * 3,
     None),  # 3 of the 40 that say "store" (and of the 40 "quality"): chance, not "Store quality"
])
def test_a_quality_is_a_things_only_where_they_are_written_together(thing: str, docs: list[str],
                                                                    expected: str | None) -> None:
    assert label_kinds.attribute_first(_words(thing, "quality"), set(), docs) == expected


def test_a_groups_fit_is_not_one_parts_when_few_writing_of_fit_write_it() -> None:
    # as the 8,000 clothing reviews' fit entry read: "waist" in 7 of the 63 segments writing "fit" ("Waist fit")
    docs = (["Great fit, true to size."] * 40 + ["The fit is perfect."] * 16 + ["Tight fit in the waist."] * 7
            + ["The waist is a bit big."] * 31)
    assert label_kinds.attribute_first(_words("fit", "waist"), set(), docs) is None
    assert label_kinds.attribute_first(_words("fit", "waist"), set(), docs[40:]) == "Waist fit"  # 7 of 23 write both


def test_a_section_of_two_topics_is_not_named_as_one(parser: Any) -> None:
    spend = [["Reasonable prices and no silly minimum spend."] * 6 + ["No silly minimum spend, great."] * 3,
             ["Cheaper than where I used to shop and better quality."] * 5 + ["Better quality than the big shops."] * 2]
    assert label_parents({"s": spend}, ["s"])["s"].label == "Spend and quality"  # not "Spend quality"


MISSING = ["The peaches never turned up, also the milk had leaked everywhere...", "the tomatoes never turned up...",
           "The pears never turned up.", "missing new potatoes", "the mushrooms never turned up!",
           "The peaches was missing", "I got a weird substitute for the new potatoes.", "Missing olive oil"]
SUBSTITUTED = ["Stop substituting gluten free bread with normal bread, it's not the same thing!",
               "Stop substituting gluten free bread with normal bread, it's not the same thing!",
               "That's not a substitute, I'm lactose intolerant.", "They swapped my oat milk for normal milk.",
               "Got cat food instead of dog food."]
BLUEBERRIES = ["Best blueberries I've had in ages.", "Best blueberries in ages.", "The best blueberries ever.",
               "Lovely tomatoes too."]
CRUSHED = ["The strawberries came crushed.", "Strawberries crushed again.", "My raspberries were crushed.",
           "Crushed grapes at the bottom."]
NONE_IN = ["No free-range eggs in my delivery even", "the free-range eggs was missing!", "No nappies in my delivery even",
           "I got a weird substitute for the free-range eggs", "No peaches in my delivery even",
           "No pasta in my delivery even", "No cheddar in my order again"]
LEAVES = {"missing": MISSING, "substituted": SUBSTITUTED, "blueberries": BLUEBERRIES, "crushed": CRUSHED,
          "app": ["The app keeps crashing at checkout.", "App crashed again.", "The app froze on the payment page."]}


@pytest.mark.parametrize(("theme", "taken", "expected"), [
    ("missing", [], "Missing items"),  # was "New potatoes": a quarter of it, an example
    ("missing", ["Missing items"], "Items not delivered"),
    ("substituted", [], "Bad substitutions"),  # was "Free bread"
    ("blueberries", [], "Best blueberries"),  # one thing, most of the theme: its name stays
    ("crushed", [], "Strawberries crushed"),  # the label says what happened: it stays
    ("app", [], "App crashed"),  # no example
])
def test_a_theme_named_by_one_example_among_several_is_named_by_what_happened(
        parser: Any, theme: str, taken: list[str], expected: str) -> None:
    assert label_themes(LEAVES, [theme], taken=taken)[theme].label == expected


def test_none_of_a_thing_in_the_delivery_is_a_missing_item(parser: Any) -> None:
    """The sample archive's theme "Free-range eggs" (published mean -0.57): "No pasta in my delivery even"."""
    themes = {"none in": NONE_IN, "crushed": CRUSHED, "app": LEAVES["app"]}
    assert label_themes(themes, ["none in"])["none in"].label == "Missing items"



# The sample archive's "No substitute": four of its fourteen segments name no substitute, twelve say the items were
# missing, in either order ("Missing items again!!", "Items missing."), and other themes beside it mention missing
# items too (so the phrase is less distinctive than "no substitute").
ITEMS_MISSING = {
    "missing": ["Missing items again!!"] * 6 + ["Items missing."] * 2
               + ["Items missing and no substitute offered, just not there."] * 4
               + ["4 items were missing.", "Also the bananas was missing."],
    "door": ["Tell me at the door if something is missing, not a day later"] * 6,
    "check": ["Double check orders for missing items"] * 5 + ["Check orders for missing items before they leave"] * 3,
    "bags": ["Missing items in my bags again", "The bags had missing items", "Two bags of missing items"] * 2,
    "late": ["The delivery was late again", "Late delivery, no warning"] * 4,
}


def test_a_theme_is_named_by_what_most_of_it_says_in_either_word_order(parser: Any) -> None:
    assert label_themes(ITEMS_MISSING, ["missing"])["missing"].label == "Missing items"  # was "No substitute"
    few = {**ITEMS_MISSING, "missing": ITEMS_MISSING["missing"][6:]}  # 4 of 8 say "no substitute": not a few's detail
    assert label_themes(few, ["missing"])["missing"].label == "No substitute"


def test_two_word_phrases_in_either_order_are_one_phrase() -> None:
    from feedback.themes.label_units import one_order
    from feedback.themes.phrase_words import Phrase

    found = [(Phrase("missing item", "missing items"),), (Phrase("item missing", "items missing"),),
             (Phrase("missing item", "Missing items"), Phrase("late delivery", "late delivery")),
             (Phrase("delivery late", "delivery late"),)]
    merged = one_order(found)
    assert [[p.key for p in doc] for doc in merged] == [["missing item"], ["missing item"],  # the order most use
                                                         ["missing item", "delivery late"],
                                                         ["delivery late"]]  # a tie: the first alphabetically
    assert [p.text for doc in merged for p in doc][:2] == ["missing items", "items missing"]  # as written
    alone = [(Phrase("late delivery", "late delivery"),), (Phrase("delivery slot", "delivery slot"),)]
    assert one_order(alone) == alone


def test_one_use_each_way_makes_no_candidate(parser: Any) -> None:
    """Merging the two orders pools the use of a phrase the theme already uses; it makes no candidate out of two
    segments writing it once each way (a complaint tweets' theme of orders not arriving was named "Cancelling
    order" by one "cancelling my order" and one "order cancelled")."""
    from feedback.themes.label_units import unit

    docs = ["Status of my order please", "I am cancelling my order now", "Order cancelled without warning",
            "Where is my order?", "My order never came", "Missing items again", "Items missing.",
            "Missing items, no refund"]
    found = unit(docs, parser)
    assert (found.df["cancel order"], found.df["miss item"]) == (2, 3)  # one phrase, whichever order
    assert "miss item" in found.eligible and "cancel order" not in found.eligible


# A section of the sample archive's "Delivery and slot problems": "van" is written by two of its eight
# children (a fifth of it), lateness by most; before, "Van problems".
LATENESS = [
    ["Late again.", "Late.", "Late, as usual.", "Late again!!", "So late.", "Late again today."],
    ["Every week it's late.", "Every week its late.", "It's late every single week.", "Every week, late."],
    ["The van turned up 120 minutes late.", "The van turned up 90 minutes late.", "The van was late again."],
    ["Booked the evening slot, the van came at nearly 10pm.", "The van came at nearly 10pm on Monday."],
    ["45 minutes late and no apology.", "No apology for being late.", "Two hours late and no apology."],
    ["Text us if the driver is running late.", "Tell us when the driver is running late."],
    ["Nobody let me know.", "Nobody told me anything.", "No one let me know.", "Nobody let me know at all."],
    ["Third time this month.", "Same as last time.", "Third time now.", "Tried three times."],
]
# ... and of its "Checkout and refund problems": "card" is two children's; before, "Card comments".
BILLING = [
    ["The invoice has items on it I never received.", "The invoice total is wrong.", "The invoice doesn't match."],
    ["I was charged for things I never got.", "Charged twice for one order.", "Charged for items I never received."],
    ["Couldn't pay at checkout, my card kept getting declined.", "My card was declined at checkout.", "Card declined."],
    ["Send a clear receipt that matches what you take from my card.", "Send a receipt that matches my card."],
    ["Multibuy offer not applied, had to chase it.", "Make sure offers actually come off the bill."],
    ["Stop charging members for delivery.", "Members are still being charged for delivery."],
    ["Order BM6614972, my name's [NAME].", "Order BM3279664, my name is [NAME]."],
]


# The same lateness of a broadband engineer's visits: delays, not deliveries ("order" is written, not delivered).
ENGINEER_LATE = [[text.replace("van", "engineer").replace("driver", "appointment").replace("evening", "morning")
                  .replace("10pm", "5pm") for text in child] for child in LATENESS[:-1]] + [
    ["Third time this month with my order.", "Same as last time.", "Third time now.", "Tried three times."]]


@pytest.mark.parametrize(("children", "taken", "expected"), [
    (LATENESS, [], "Late deliveries"),
    (ENGINEER_LATE, [], "Delays"),
    (LATENESS, ["Late deliveries"], "Delays"),
    (BILLING, [], "Billing problems"),
    (BILLING, ["Billing problems"], "Charges"),
    (PRICES, [], "Prices and value"),  # a topic every child writes stays its name
])
def test_a_topic_few_children_write_gives_way_to_what_most_say_happened(
        parser: Any, children: list[list[str]], taken: list[str], expected: str) -> None:
    assert label_parents({"p": children}, ["p"], taken=taken)["p"].label == expected


@pytest.mark.parametrize(("text", "late"), [
    ("The van turned up 120 minutes late.", True), ("Delivery delayed again.", True), ("Late again!", True),
    ("They are never on time.", True), ("The driver was running behind.", True),
    ("I was charged a late fee.", False), ("Late payment charges are steep.", False), ("I latched the gate.", False),
])
def test_what_says_lateness(text: str, late: bool) -> None:
    lateness = next(words for _, short, words in label_kinds.HAPPENED if short == "delays")
    assert bool(lateness.search(text)) is late


@pytest.mark.parametrize(("text", "billed"), [
    ("I was charged twice.", True), ("The bill was wrong.", True), ("Invoice total is wrong.", True),
    ("Paid full price for it.", True), ("Send a clear receipt.", True), ("Overcharged again.", True),
    ("Stop charging members for delivery.", True), ("A delivery charge again.", True),
    ("Good prices.", False), ("The prices are fair.", False), ("My phone needs charging.", False),
    ("It won't charge past 80%.", False),
])
def test_what_says_billing(text: str, billed: bool) -> None:
    billing = next(words for _, short, words in label_kinds.HAPPENED if short == "billing")
    assert bool(billing.search(text)) is billed


# Complaint tweets to a few companies: an airline's, a train company's and a car maker's children, and where
# people are; before, "Car and miles problems" (named after the car child).
TRAVELLING = [
    ["My flight was delayed by three hours again.", "You cancelled my flight and nobody told me.",
     "Worst flight ever, no food and no seat.", "Can I change my flight to Friday?"],
    ["Why is the train from Euston stuck outside Crewe?", "Is the 20:40 train running tonight?",
     "The train was rammed and half an hour late.", "No train again this morning."],
    ["Car still in the shop after three weeks.", "My car broke down 200 miles from home.",
     "The car has been back four times for the same fault.", "Car needs a new engine at 30,000 miles."],
    ["Which street is the depot on?", "Is this at the Newark station?", "Where do I pick it up?"],
]
CARS = [
    ["Car still in the shop after three weeks.", "My car broke down 200 miles from home.", "Car won't start again."],
    ["The car has been back four times for the same fault.", "My car needs a new engine.", "Car makes a noise."],
]


@pytest.mark.parametrize(("children", "taken", "expected"), [
    (TRAVELLING, [], "Travel problems"),
    (TRAVELLING, ["Travel questions"], "Delays"),  # a section of "Travel questions": what most of it says happened
    (CARS, [], "Car problems"),  # one way of travelling names its group
])
def test_several_ways_of_travelling_are_travel(parser: Any, children: list[list[str]], taken: list[str],
                                                expected: str) -> None:
    assert label_parents({"p": children}, ["p"], taken=taken)["p"].label == expected


@pytest.mark.parametrize(("text", "damaged"), [
    ("Two glasses arrived broken.", True), ("The jar broke in the bag.", True), ("Strawberries crushed.", True),
    ("My car broke down 200 miles from home.", False), ("Another breakdown on the motorway.", False),
    ("The boiler has broken down again.", False),
])
def test_what_says_damage(text: str, damaged: bool) -> None:
    damage = next(words for _, short, words in label_kinds.HAPPENED if short == "damage")
    assert bool(damage.search(text)) is damaged
