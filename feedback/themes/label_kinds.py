"""Kinds, not examples: a parent whose shared words are concrete things is named by the kind of problem.

A section of "Bag problems" whose sub-themes are crushed strawberries, a squashed loaf, a broken
jar, a burst bag, wasteful cardboard, ... shares the words "box" and "glasses" (two children each
mention one), and :func:`.label._parent_label` names it "Box and glasses problems": two examples,
not what the section is about. The same for "Peaches and tomatoes problems", "Kid problems",
"Blueberries and tomatoes". A person would write what happened ("Damaged items", "Packaging
problems") or the kind of thing ("Food problems").

:func:`kind_label` takes the label :mod:`.label` chose and the candidates it was read from; when
one of their words is a concrete example (:data:`EXAMPLES`: a food, a household object, a person;
:func:`is_example`), the group is named, in this order, by

- what its comments say happened (:data:`HAPPENED`: crushed / squashed / broke -> damage; cardboard /
  plastic / padding -> packaging; missing / wrong / instead -> mistakes; fresh / stale / ripe -> food
  quality; late / delayed -> delays; charged / invoice / receipt -> billing): a kind a child shows when at least ``CHILD`` of its segments say it, naming the group when
  children showing it (two or more) hold at least ``KIND`` of its segments and children showing only
  other kinds less than ``AGAINST`` (:data:`.parent_words.AGAINST`: the name must hold for the whole
  group, not "Wrong or missing items" over crushed strawberries and plastic trays); two such kinds are
  named together, as two shared words are ("Packaging and damage problems": :func:`.parent_words.pair`;
  "Damage and missing items": a kind's whole name last); when no kind holds alone, the biggest with
  the kind that contradicts it most, if that kind's children hold ``AGAINST`` (alone they would
  contradict it), the two kinds most of the group (:data:`.parent_words.CLAIM`) and the rest less than
  ``AGAINST`` (missing potatoes, cat food instead, crushed strawberries and one small sub-theme of
  plastic trays: "Damage and missing items", not "Food complaints");
- the class of its examples when all are one class that has a name (peaches and tomatoes: "Food
  problems", with what its comments do: :func:`.label_words.topic_phrase`);
- its best shared phrase of two words or more with no example in it, else its best shared word that
  is no example with what its comments do ("Website problems");
- when its children share nothing, the main words of its two biggest children that are not examples
  ("Partner and website" -> "Phone and website": the partner's phone);
- else the label as it was.

A group named by a topic its children holding less than ``THIN`` of it write (the sample's lateness section,
"Van complaints", from two of ten sub-themes; its charges "Card problems") is named by what most of it says
happened when that holds for it ("Late deliveries", "Billing problems"), else as it was. A group named after one way
of travelling whose children write of several ("Car and miles problems" over flights, trains and cars) is named by
travel (:func:`_travel`: "Travel problems").

A pair of shared words one of which is a quality of the other ("Quality and food") is written as a
person would: "Food quality" (:func:`attribute_first`). No WordNet ships offline (nltk's and ``wn``'s
data are downloads); the word classes here are the few a shop's feedback needs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from feedback.themes import label_words, parent_words, sayings
from feedback.themes.label_units import Candidate, Unit

CHILD = 0.25  # share of a child's segments saying what happened for the child to show that kind
KIND = 1 / 3  # share of a group's segments in children showing a kind for it to name the group (two children at least)
LEAF_KIND = 0.5  # a theme named by an example its segments use less than this, and say what happened this much
THIN = 0.3  # a group's topic used by children holding less than this share of it gives way to what happened
TOPIC = 0.5  # a child's main word is used by this share of its segments (as parent_words.MAIN)

_FOOD = """apple apples apricot apricots avocado avocados banana bananas bean beans beef berry berries biscuit
biscuits blueberry blueberries bread breads broccoli bun buns butter cabbage cake cakes carrot carrots cauliflower
cereal cheese cherry cherries chicken chocolate coffee courgette courgettes crisps cucumber cucumbers egg eggs fish
flour fruit fruits garlic grape grapes ham juice kiwi lamb leek leeks lemon lemons lettuce lime limes loaf loaves
mango mangoes meat melon melons milk mince mushroom mushrooms nectarine nectarines onion onions orange oranges pasta
peach peaches pear pears peas pepper peppers pineapple plum plums pork potato potatoes raspberry raspberries rice
salad salmon sausage sausages spinach steak strawberry strawberries sweetcorn tea toast tomato tomatoes tuna
turkey veg vegetable vegetables water wine yoghurt yogurt"""
_OBJECTS = """bottle bottles box boxes can cans carton cartons crate crates glass glasses jar jars lid lids pot pots
punnet punnets tin tins tray trays tub tubs"""
_PEOPLE = """baby babies boy boys brother child children dad daughter family girl girls grandchildren husband kid
kids mum mother father neighbour partner sister son wife"""
EXAMPLES: dict[str, str] = {
    **{w: "food" for w in _FOOD.split()}, **{w: "objects" for w in _OBJECTS.split()},
    **{w: "people" for w in _PEOPLE.split()}}
CLASS_TOPIC = {"food": "food"}  # a class a group is named by with what its comments do ("Food problems")
# Ways of travelling: one of them names its group ("Car questions"); several, "Travel" names it (flights, trains and
# cars: "Travel problems", not "Car and miles problems").
TRAVEL = frozenset({"bus", "car", "coach", "ferry", "flight", "plane", "taxi", "train", "tram"})

# What comments say happened: (labels, a short word for two kinds together, the words that say it). A
# word of two ("missing items") is a whole name of its kind: it comes last and takes no "problems".
HAPPENED: list[tuple[list[str], str, re.Pattern[str]]] = [
    (["Damaged items", "Damaged goods", "Items damaged"], "damage",
     re.compile(r"\b(?:crush|squash|squish|smash|broke|broken|break|burst|dent|crack|damag|bruis|leak|spill|"
                r"split)\w*\b(?<!breakdown)(?!\s+down)", re.IGNORECASE)),  # a car that broke down is not damaged
    (["Packaging problems", "Packaging complaints", "Packaging issues"], "packaging",
     re.compile(r"\b(?:packag|packing|cardboard|plastic|wrapp|padding|polystyrene|recycl|wasteful)\w*",
                re.IGNORECASE)),
    (["Wrong or missing items", "Order mistakes", "Missing items"], "missing items",
     re.compile(r"\b(?:missing|wrong|instead|substitut|swapped|forgot|left out|never (?:came|arrived|turned up)"
                r"|(?:didn't|did not) (?:come|arrive|turn up))\w*|\bno [\w-]+(?: [\w-]+)? in (?:my|the|our) "
                r"(?:delivery|order|bag|box|shopping)\b", re.IGNORECASE)),
    (["Food quality", "Freshness", "Produce quality"], "quality",
     re.compile(r"\b(?:fresh|stale|ripe|unripe|rotten|mouldy|moldy|tasty|tasteless|quality|bruised|off)\b",
                re.IGNORECASE)),
    # late, not a late fee; "delayed"; "running behind" (named "Late deliveries" where deliveries are the subject)
    (["Delays", "Late arrivals", "Hold-ups"], "delays",
     re.compile(r"\b(?:late(?! (?:fees?|charges?|payments?|night))|lateness|delay(?:s|ed)?|running behind|"
                r"(?:not|never) (?:on time|punctual))\b", re.IGNORECASE)),
    # what the customer was charged, not what things cost ("good prices") or a battery ("needs charging")
    (["Billing problems", "Charges", "Billing mistakes"], "billing",
     re.compile(r"\b(?:charged|(?:over|double[- ]?|re)charg\w*|charg(?:e|es|ing) (?:me|us|people|customers|members|"
                r"twice|extra)|(?:delivery|service|extra|hidden|admin) charges?|bill(?:ed|ing)?|invoices?|receipts?|"
                r"paid (?:for|full|twice)|full price|taken from my (?:card|account))\b", re.IGNORECASE)),
]
# What one theme's comments say happened, for :func:`leaf_kind`: as HAPPENED, with its mistakes told apart
# (a theme is one of them: "Missing items" or "Bad substitutions", not "Wrong or missing items").
LEAF_HAPPENED: list[tuple[list[str], re.Pattern[str]]] = [
    (["Missing items", "Items not delivered", "Items missing"],
     re.compile(r"\b(?:missing|left out|forgot\w*|never (?:came|arrived|turned up)|(?:didn't|did not) (?:come|arrive"
                r"|turn up))\b|\bno [\w-]+(?: [\w-]+)? in (?:my|the|our) (?:delivery|order|bag|box|shopping)\b",
                re.IGNORECASE)),
    (["Bad substitutions", "Substitution problems", "Wrong items"],
     re.compile(r"\b(?:substitut\w*|instead|swapped|wrong (?:item|product|size|one)s?)\b", re.IGNORECASE)),
    *[(names, words) for names, short, words in HAPPENED if short != "missing items"],
]
# Nouns that are a quality of another noun ("food quality", "delivery times"), written after it.
# Two of them together stay a pair ("Price and quality").
ATTRIBUTES = frozenset({"quality", "freshness", "choice", "range", "variety", "availability", "condition",
                        "size", "sizes", "price", "prices", "value", "cost", "costs",
                        # a thing's measures and feel: "Sleeve length", and "Size and length" (not "Length size")
                        "length", "width", "height", "weight", "fit", "shape", "taste", "texture"})


def is_example(key: str) -> bool:
    """Whether a word of ``key`` is a concrete example (a food, an object, a person: :data:`EXAMPLES`)."""
    return any(w in EXAMPLES for w in key.lower().split())


def kind_label(label: str, picked: Sequence[Candidate], free: Sequence[Candidate], unit: Unit, used: set[str],
               negative: float, positive: float) -> tuple[str, list[Candidate]]:
    """``label`` (from ``picked``) or, when ``picked`` names examples, the kind (see the module docstring)."""
    flipped = attribute_first(picked, used, unit.docs)
    if flipped:
        return flipped, list(picked)
    if not picked:
        return label, list(picked)
    if travel := _travel(label, unit, used, negative, positive):
        return travel, []
    if not any(is_example(c.key) for c in picked):  # a topic few of its children write: what most say happened
        thin = bool(unit.children) and max(parent_words.reach(unit, c.key) for c in picked) < THIN
        named = _happened(unit, used, negative, positive) if thin else None  # "Van complaints" over lateness
        if thin and not named:  # "Slot and van problems" over more staff and more tills: what most of it asks
            named, picked = _biggest_pair(unit, used, negative, positive) or (None, list(picked))
        return (named, []) if named else (label, list(picked))
    happened = _happened(unit, used, negative, positive)
    if happened:
        return happened, []
    classes = {EXAMPLES[w] for c in picked for w in c.key.split() if w in EXAMPLES}
    topic = CLASS_TOPIC.get(next(iter(classes))) if len(classes) == 1 else None
    if topic:
        for text in (_by_side(topic, unit, used, negative, positive),
                     label_words.topic_phrase(topic, unit.docs, unit.sentiment, negative, topic, positive, used)):
            if text and text.lower() not in used:
                return text, []
    plain = [c for c in free if not is_example(c.key) and not label_words.is_name(c.key)
             and not (c.words == 1 and parent_words.vague(c.key))]
    phrase = next((c for c in plain if c.words > 1), None)
    if phrase and phrase.text.lower() not in used:
        return sayings.capitalise(phrase.text), [phrase]
    for word in [c for c in plain if c.words == 1][:1]:
        text = label_words.topic_phrase(word.key, unit.docs, unit.sentiment, negative, word.text, positive, used)
        if text.lower() not in used:
            return text, [word]
    topics = _child_topics(unit)  # the children share nothing: the main words of the biggest, not examples
    if len(topics) >= 2:
        text = sayings.capitalise(parent_words.named_pair(topics[0].text, topics[1].text, unit, negative, positive))
        if text.lower() not in used:
            return text, topics[:2]
    return label, list(picked)


def _biggest_pair(unit: Unit, used: set[str], negative: float, positive: float) -> tuple[str, list[Candidate]] | None:
    """The main words of a group's two biggest children (:func:`.parent_words.children_pair`) when the children writing
    them hold most of it (``parent_words.CLAIM``) and the name is free: "More staff and tills"; else None."""
    named, pair = parent_words.children_pair(unit, negative, positive)
    if not named or len(pair) != 2 or named.lower() in used:
        return None
    children = unit.children or [unit]
    held = sum(child.size or len(child.docs) for child in children
               if any(parent_words.uses(child, c.key) for c in pair))
    return (named, list(pair)) if held >= parent_words.CLAIM * sum(c.size or len(c.docs) for c in children) else None


def _travel(label: str, unit: Unit, used: set[str], negative: float, positive: float) -> str | None:
    """A group named after one way of travelling ("Car and miles problems") whose children write of two or more
    (:data:`TRAVEL`), those children holding most of it (``parent_words.CLAIM``): named by travel ("Travel
    problems"), unless a label taken already is (a section of "Travel questions" keeps its own name)."""
    children = unit.children or [unit]
    ways = [{w for w in TRAVEL if parent_words.uses(child, w)} for child in children]
    travelling = sum(child.size or len(child.docs) for child, used_ways in zip(children, ways, strict=True) if used_ways)
    named = set().union(*ways)
    if (len(named) < 2 or not named & set(label.lower().split())
            or travelling < parent_words.CLAIM * sum(child.size or len(child.docs) for child in children)
            or any(u.split(" ", 1)[0] == "travel" for u in used)):
        return None
    for text in (_by_side("travel", unit, used, negative, positive),
                 label_words.topic_phrase("travel", unit.docs, unit.sentiment, negative, "travel", positive, used)):
        if text and text.lower() not in used:
            return text
    return None


def leaf_kind(label: str, picked: Sequence[Candidate], unit: Unit, used: set[str]) -> tuple[str, list[Candidate]]:
    """A theme named by one example among several ("New potatoes" over peaches, pears and tomatoes that
    never turned up, potatoes in a quarter of it): what most of its segments say happened
    (:data:`LEAF_HAPPENED`, said by ``LEAF_KIND`` of them: "Missing items"), else ``label``. A theme
    about one thing keeps its name ("Best blueberries", "Fresh fish": their example is most of it), and
    so does a label that says what happened ("Strawberries crushed")."""
    if (not picked or not all(is_example(c.key) for c in picked) or max(c.share for c in picked) >= LEAF_KIND
            or any(words.search(label) for _, _, words in HAPPENED)):  # "Strawberries crushed" says it
        return label, list(picked)
    docs = unit.docs or ["."]
    shares = [sum(bool(words.search(d)) for d in docs) / len(docs) for _, words in LEAF_HAPPENED]
    for i in sorted(range(len(LEAF_HAPPENED)), key=lambda i: (-shares[i], i)):
        if shares[i] < LEAF_KIND:
            break
        name = next((n for n in LEAF_HAPPENED[i][0] if n.lower() not in used), None)
        if name:
            return name, []
    return label, list(picked)


TOGETHER = 0.1  # of the segments writing the rarer word, the share that must write both ("Shoulder fit": 4 of 30)
OF_QUALITY = 0.2  # ... and of those writing the quality ("waist" in 7 of 63 segments read writing "fit": not "Waist fit")


def attribute_first(picked: Sequence[Candidate], used: set[str], docs: Sequence[str] | None = None) -> str | None:
    """ "Food quality" for the shared words "quality" and "food" (a quality of a thing: :data:`ATTRIBUTES`);
    None for any other pick, when that label is taken, or when too few segments of ``docs`` (None: not read)
    write the two together (:data:`TOGETHER`): "minimum spend" in one sub-theme and "better quality" in
    another are two topics, not "Spend quality"; nor is one review's "the quality in store" a group's "Store
    quality"; nor is a group's fit its waist's when few of those writing of fit write the waist (:data:`OF_QUALITY`:
    8,000 clothing reviews, "Waist fit" over great fit, length, sleeves, bust and waist)."""
    if len(picked) != 2 or any(c.words > 1 for c in picked):
        return None
    first, second = picked
    if (first.key in ATTRIBUTES) == (second.key in ATTRIBUTES):
        return None
    thing, quality = (second, first) if first.key in ATTRIBUTES else (first, second)
    if docs is not None:
        both = sum(_says(thing.key, d) and _says(quality.key, d) for d in docs)
        of_quality = sum(_says(quality.key, d) for d in docs)
        rarer = min(sum(_says(thing.key, d) for d in docs), of_quality)
        if both < max(2, TOGETHER * rarer, OF_QUALITY * of_quality):
            return None
    text = sayings.capitalise(f"{label_words.JOINED.get(thing.key, thing.key)} {quality.text.lower()}")
    return None if text.lower() in used else text


def _says(key: str, doc: str) -> bool:
    """Whether ``doc`` writes the word ``key`` (a lemma: "price" in "prices", "delivery" in "deliveries")."""
    stem = key[:-1] if key.endswith("y") else key
    return re.search(rf"\b{re.escape(stem)}", doc, re.IGNORECASE) is not None


def _happened(unit: Unit, used: set[str], negative: float, positive: float) -> str | None:
    """What the group's children say happened (:data:`HAPPENED`), as a label not in ``used``: a kind
    shown by two children or more holding ``KIND`` of the group's segments, whose name holds for the
    group (:func:`_holds`); two such kinds together when that holds (either way round: :func:`_pair`);
    else, when none holds alone, the biggest with the kind contradicting it most (see the module
    docstring); else None."""
    children = unit.children or [unit]
    sizes = [c.size or len(c.docs) for c in children]  # segments, as the archive counts them
    shows = [[bool(c.docs) and sum(bool(words.search(d)) for d in c.docs) / len(c.docs) >= CHILD for c in children]
             for _, _, words in HAPPENED]
    total = sum(sizes) or 1
    weight = [sum(n for n, on in zip(sizes, row, strict=True) if on) for row in shows]
    shown = [i for i, row in enumerate(shows) if (sum(row) >= 2 or (len(children) == 1 and any(row)))
             and weight[i] >= KIND * total]
    shown.sort(key=lambda i: (-weight[i], i))
    both = _pair(shown[0], shown[1], unit, used, negative, positive) if (
        len(shown) >= 2 and _holds(shows, shown[:2], sizes)) else None
    if both:
        return both
    if any(_holds(shows, [i], sizes) for i in shown):
        return next((lab for i in shown if _holds(shows, [i], sizes) for lab in _names(i, unit)
                     if lab.lower() not in used), None)
    # no kind holds alone: the biggest with the kind that contradicts it most, when that kind would
    # alone (``AGAINST``), the two hold most of the group (``CLAIM``) and the rest does not contradict them
    for first in shown[:1]:
        with_ = [j for j in range(len(HAPPENED)) if j != first and weight[j] >= parent_words.AGAINST * total
                 and _holds(shows, [first, j], sizes)
                 and sum(n for c, n in enumerate(sizes) if shows[first][c] or shows[j][c]) >= parent_words.CLAIM * total]
        for second in sorted(with_, key=lambda j: (-weight[j], j))[:1]:
            return _pair(first, second, unit, used, negative, positive)
    return None


DELIVERED = re.compile(r"\b(?:deliver\w*|driver|van|courier|parcel|package)s?\b", re.IGNORECASE)
DELIVERY_SUBJECT = 0.2  # share of a group's segments about deliveries that makes its delays "Late deliveries"


def _names(kind: int, unit: Unit) -> list[str]:
    """The names of a kind (an index in :data:`HAPPENED`) for this group: delays are "Late deliveries" where
    deliveries are what its segments are about (the sample's vans and drivers), else "Delays" (trains, flights)."""
    names = HAPPENED[kind][0]
    if HAPPENED[kind][1] == "delays" and unit.docs and (
            sum(bool(DELIVERED.search(d)) for d in unit.docs) / len(unit.docs) >= DELIVERY_SUBJECT):
        return ["Late deliveries", *names]
    return names


def _pair(first: int, second: int, unit: Unit, used: set[str], negative: float, positive: float) -> str | None:
    """Two kinds (indices in :data:`HAPPENED`, the bigger first) named together as two shared words are
    (:func:`.parent_words.named_pair`: "Damage and packaging problems"), a kind's whole name last ("Damage
    and missing items"); the other way round when taken; None when both are."""
    words = [HAPPENED[first][1], HAPPENED[second][1]]
    if " " in words[0] and " " in words[1]:
        return None
    orders = [words, words[::-1]]
    if any(" " in w for w in words):  # the whole name last, then first
        orders.sort(key=lambda ws: " " not in ws[1])
    for a, b in orders:
        text = (f"{a[:1].upper()}{a[1:]} and {b}" if " " in a or " " in b
                else parent_words.named_pair(a, b, unit, negative, positive))
        if text.lower() not in used:
            return text
    return None


def _holds(shows: list[list[bool]], kinds: list[int], sizes: list[int]) -> bool:
    """Whether a name for ``kinds`` (indices in :data:`HAPPENED`) holds for a group: the children
    that show another kind and none of these (they contradict it: "Plastic trays", packaging, under
    "Wrong or missing items") hold less than ``AGAINST`` of its segments (:data:`.parent_words.AGAINST`)."""
    against = sum(n for c, n in enumerate(sizes)
                  if not any(shows[i][c] for i in kinds) and any(row[c] for row in shows))
    return against < parent_words.AGAINST * (sum(sizes) or 1)


def _by_side(topic: str, unit: Unit, used: set[str], negative: float, positive: float) -> str | None:
    """ "<Topic> praise" / "<Topic> problems" when the group bears that claim (:func:`.parent_words.bears`:
    at least ``CLAIM`` of its segments in children on that side, :func:`.parent_words.side`: best
    blueberries, perfect avocados, fantastic bread -> "Food praise"), the next word for the head when
    taken; else None."""
    for sign, head in ((1, "praise"), (-1, "problems")):
        if parent_words.bears(*parent_words.side_shares(unit, sign, negative, positive)):
            labels = [f"{topic[:1].upper()}{topic[1:]} {word}" for word in label_words.HEADS[head]]
            return next((lab for lab in labels if lab.lower() not in used), None)
    return None


def _child_topics(unit: Unit) -> list[Candidate]:
    """The main word of each child (used by ``TOPIC`` of its segments or more, most used; as the two
    words every segment using it writes: "home page"), biggest child first, leaving out examples, names,
    vague words and the same word twice."""
    found: list[Candidate] = []
    for child in sorted(unit.children, key=lambda c: -len(c.docs)):
        singles = [k for k in child.eligible if " " not in k and child.share[k] >= TOPIC and not is_example(k)
                   and not label_words.is_name(k) and not parent_words.vague(k)]
        if not singles:
            continue
        best = min(singles, key=lambda k: (-child.df[k], k))
        best = min((k for k in child.eligible if best in k.split() and child.df[k] == child.df[best]
                    and not is_example(k) and k.count(" ") < 2), key=lambda k: (-len(k), k))  # "home page"
        if not any(parent_words.same_word(best, f.key) for f in found):
            found.append(Candidate(best, sayings.most_written(child.written[best]), 0.0, child.share[best]))
    return found
