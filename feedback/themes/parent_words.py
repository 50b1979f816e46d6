"""How a parent theme's shared words become a label a person would write (used by :mod:`.label`).

A parent is named from its children's common ground (:func:`.label_units.common_ground`); when
that is one or two words, these decide the phrase:

- :func:`vague`: a word that names no topic on its own ("number" in "my number is", "call me on
  this number", "number 34 in the queue"; "items", "thing"): never a parent's topic word, so the next
  shared word names it ("Phone and chat", not "Number and chat");
- :func:`contact_share`: a group much of which is about reaching the company (phone, chat, e-mail,
  contact details left) is "Support contact";
- :func:`widest`: a shared word that covers much more of the group than its best phrase names it
  ("Substitutions and plastic", not "Less plastic" after one big child);
- :func:`pair`: two shared words (or the topics of the two biggest children), with the problem when
  the group complains (:func:`complains`: its mean at the negative line or most of its segments in
  complaints by their tone, and under ``AGAINST`` praise: "Checkout and refund problems", "Food and
  brand problems"), else as they are ("Prices and value", "Car and tires" over "tell me ...");
- :func:`service_label`: a group most of whose segments name one service its label does not ("cancel",
  "cancelling", "cancellation") is named by it: "Plus cancellation problems", not "Plus and reminder problems";
- :func:`as_category`: a group named by what happened to a thing is named as the category of events it holds:
  "App crashes", "Flight cancellations", not "App crashed";
- :func:`instead_of_comments`: a phrase holding the group's word ("Easy ordering") rather than
  "Order comments" when its comments do nothing one head could say;
- :func:`both_ways`: one word whose children go both ways, some mostly complaints and some mostly
  praise ("Buggy app", "Simple app"): "App problems and praise", not "App comments";
- :func:`held`: a label's claim (:func:`claim`: "praise", "problems", "easy ...", "More ...") must be
  true of at least ``CLAIM`` of the group's segments (:func:`bears`; a section's also contradicted by
  less than ``AGAINST`` of them: :mod:`.sections`), its children read by :func:`side` (praise;
  complaints and requests, :func:`asks`; each child's tone its published sentiment, :mod:`.theme_tone`), else the label names the topic without it ("Staff
  comments", not "Staff praise" over "More staff" and "More tills"). The top level keeps the sides
  apart first (:mod:`.hierarchy`), so this is rare.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

from feedback.themes.label_claims import NOUN_OF, more_of_both

if TYPE_CHECKING:
    from feedback.themes.label_units import Candidate, Unit

# Nouns that stand for something else in feedback ("number": a phone number, a place in a queue,
# an order number; "items": whatever was ordered) and say nothing about a topic alone.
VAGUE = frozenset({"number", "numbers", "item", "items", "thing", "things", "stuff", "problem", "problems",
                   "issue", "issues", "person", "people", "one", "lot", "way", "kind", "sort", "part"})
# Shell nouns, whose meaning is whatever they point at ("the result of the flip", "my request for PTO", "the
# process", "info on nutrition", "a place to eat"), and nouns of quantity ("a couple of days", "for ages"):
# a group's comments share them whatever they are about, so neither names its topic nor half of a pair.
SHELL = frozenset({"request", "requests", "result", "results", "info", "information", "process", "detail",
                   "details", "option", "options", "reason", "reasons", "question", "questions", "answer",
                   "answers", "type", "types", "case", "matter", "aspect",
                   "situation", "status", "step", "steps", "place", "places", "end", "couple", "bit", "bunch",
                   "amount", "ages", "plenty", "handful", "dozen", "half", "noon", "midnight", "weekend",
                   "pair", "pairs"})  # "a pair of jeans": "Pants and pair" named the clothing reviews' trousers
CONTACT = 0.4  # share of a parent's segments about contacting the company that names it "Support contact"
SUPPORT_CONTACT = ["Support contact", "Customer contact", "Contact with support"]
_CHANNEL = re.compile(r"\b(?:phones?|phoned|calls?|called|calling|rang|chat|chatbot|e-?mails?|e-?mailed|helpline|"
                      r"hotline|call-?backs?|support|agents?|customer services?|on hold)\b|\[(?:PHONE|EMAIL)\]",
                      re.IGNORECASE)
WIDER = 1.25  # a parent's shared word covering this many times its best phrase's share names it instead
INSTEAD = 0.5  # a phrase with the topic word names a parent instead of "<topic> comments" at this share of its score
INSTEAD_SHARE = 0.15  # ... written by this share of the segments writing the word ("shopping list": 0.21 of "list")
BOTH_WAYS = 0.25  # share of a parent's segments in mostly negative children, and in mostly positive ones
CLAIM = 0.5  # share of a parent's segments on the side its label claims, else the label names the topic only
AGAINST = 0.25  # a section's name (its claim, its kind) holds for less than this share of its segments against it
# (a side this big is substantial: hierarchy.SIDE_SHARE)
PAIRED = 1 / 3  # share of a group's segments its two biggest children must hold to name it when it shares no word
MAIN = 0.5  # a child's main word is used by this share of its segments
PASSING = 0.25  # a word one segment of a child writes is the child's when that segment is this share of those read
REACH = 0.15  # share of a group's segments in children using a word for the word to be its common ground
COMMON = 0.01  # ... and its common-ground share (children using it times their mean share of it) at least this
PROBLEM_WORD = -1.2  # a word this negative (VADER's -4..4 scale, :mod:`.label_valence`) names a problem itself
ASKING = 0.5  # share of a theme's segments asking the company to do something that makes it a request


def vague(key: str) -> bool:
    """Whether a single word names no topic on its own: :data:`VAGUE`, :data:`SHELL`, a point in time
    ("noon", "Monday", "tonight": :data:`.phrases.TIME_WORDS`; an example, not what a group asks about)."""
    from feedback.themes.phrases import TIME_WORDS

    word = key.lower()
    return word in VAGUE or word in SHELL or word in TIME_WORDS


SAME_STEM = 3  # letters after a shared start of at least 5 that still make two keys one word


def same_word(a: str, b: str) -> bool:
    """Whether two keys are one word written two ways: one starts the other ("app", "application"), or both
    share all but ``SAME_STEM`` letters of the shorter and at least five ("substitutions", "substitute";
    "deliveries", "delivery"), so a pair never names one thing twice ("Substitutions and substitute problems")."""
    shared = len(os.path.commonprefix([a, b]))
    return a.startswith(b) or b.startswith(a) or shared >= max(5, min(len(a), len(b)) - SAME_STEM)


def reach(unit: Unit, key: str) -> float:
    """The share of a group's segments (every child's, as the archive counts them) in children using ``key``: in two
    of their segments read, or in ``PASSING`` of them (one of a child's four segments). A word written once in
    passing is not the child's ("substitute" once among 21 "The pears were really fresh." counted all 21: the sample
    archive's fresh food praise was "Substitute praise"; banking77's account questions "App comments", from three
    children writing "app" once each). A word inside a child's phrase counts: "quality" in "good quality fresh food"
    (without, "Quality praise" was short of ``REACH``)."""
    children = unit.children or [unit]
    total = sum(c.size or len(c.docs) for c in children)
    return sum(c.size or len(c.docs) for c in children if uses(c, key)) / total if total else 0.0


def uses(child: Unit, key: str) -> bool:
    """Whether a child writes ``key`` (:func:`reach`); a word inside its phrases counts ("quality" in "good quality
    fresh food")."""
    count = child.df.get(key, 0)
    if " " not in key:
        count = max([count, *(n for k, n in child.df.items() if key in k.split())])
    return count >= min(2, PASSING * len(child.docs))


def vague_word(candidate: Candidate) -> bool:
    """:func:`vague` by the word's key or as it is written: "for ages" is the key "age" ("Age questions"
    names a topic) written "ages", a while."""
    return vague(candidate.key) or vague(candidate.text)


def topics(free: Sequence[Candidate], unit: Unit) -> list[Candidate]:
    """The candidates that can name a group: not a word that names no topic (:func:`vague`) or a name
    ("France", "New York"), and, for a group of children, used by children holding ``REACH`` of its
    segments (a word two small children share is theirs, not the group's: "Company and word" over jokes,
    coins, pets and spelling), and used that much there (``COMMON``: a word one segment in each of several
    children writes is no group's topic: "Employees and team problems" over ice cream, reactions and lost time)."""
    from feedback.themes.label_words import is_name

    return [c for c in free if not (c.words == 1 and vague_word(c)) and not is_name(c.key.split()[-1])
            and (not unit.children or (reach(unit, c.key) >= REACH and c.share >= COMMON))]


def pair(first: str, second: str, sentiment: float, negative: float,
         sides: tuple[float, float] | None = None) -> str:
    """ "<first> and <second>", with " problems" when the group complains (:func:`complains`: a
    group of complaints is named by what goes wrong, as a single topic is). A word that names a problem
    itself (at most ``PROBLEM_WORD`` to the labels' lexicon: "crashes", "delays", "damage"; not "refund" or
    "queue", topics the lexicon leans against) is not a topic of problems:
    "App problems and crashes" (not "App and crashes problems"), "Damage and packaging problems" as it
    is; two such words stand alone ("Delays and damage")."""
    from feedback.text.lexicons import adjectives
    from feedback.themes.label_valence import word_valence

    text = f"{first} and {second}"
    if complains(sentiment, negative, sides):  # a noun that names a problem; not "wrong", "late": they describe one
        problem = [w for w in (first, second) if word_valence(w) <= PROBLEM_WORD and w.lower() not in adjectives()]
        if problem == [second]:  # "App problems and crashes", "Update problems and delays" (most wrote "delay")
            text = f"{first} problems and {many(second)}"
        elif not problem or problem == [first]:
            text = f"{text} problems"
    return text[:1].upper() + text[1:]


# Problems told as a mass, not counted: no plural ("Damage", not "Damages").
_UNCOUNTED = frozenset({"damage", "spam", "fraud", "theft", "abuse", "waste", "rudeness", "negligence", "chaos",
                        "confusion", "incompetence", "disrespect", "harassment", "misinformation", "rubbish", "garbage",
                        "trash", "mess", "pain", "stress", "hassle", "disappointment", "frustration", "neglect"})


def many(word: str) -> str:
    """A problem named among others, as many of them: "delay" -> "delays", "crash" -> "crashes", "loss" -> "losses",
    "outages" as it is; a mass noun (:data:`_UNCOUNTED`) or a word of several as written."""
    low = word.lower()
    if " " in word or low in _UNCOUNTED or (low.endswith("s") and not low.endswith("ss")) or not word.isalpha():
        return word
    if low.endswith(("x", "z", "ch", "sh", "ss")):
        return word + "es"
    if low.endswith("y") and low[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    return word + "s"


def complains(sentiment: float, negative: float, sides: tuple[float, float] | None = None) -> bool:
    """Whether a group is named by its problems: its mean sentiment is at most ``negative`` or, with
    ``sides`` ((complaints, praise): the shares of its segments in children on each side by their
    tone, :func:`side_shares` without ``asking``: a request, "tell me my tire pressure", is not a
    problem), at least ``CLAIM`` of them are in complaints; never when ``AGAINST`` of them or more
    are praise (a mean below the line over 40 % praise is not a group of problems). Without
    ``sides``, by the mean alone."""
    if sides is None:
        return sentiment <= negative
    on, against = sides
    return (sentiment <= negative or on >= CLAIM) and against < AGAINST


def named_pair(first: str, second: str, unit: Unit, negative: float, positive: float) -> str:
    """:func:`pair` for a group (:class:`.label_units.Unit`): its published tone and its children's
    sides by their tone (:func:`side_shares`); a group asking for more of both as most of it writes it: "More staff
    and tills" (:func:`.label_claims.more_of_both`)."""
    return more_of_both(first, second, unit.docs) or pair(
        first, second, unit.sentiment, negative, side_shares(unit, -1, negative, positive, asking=False))


def both_ways(topic: str, children: Sequence[tuple[float, int]], negative: float, positive: float) -> str | None:
    """ "<topic> problems and praise" when at least ``BOTH_WAYS`` of the segments are in children
    (mean sentiment, segments) at most ``negative`` and as many in children at least ``positive``;
    else None."""
    total = sum(n for _, n in children)
    if not total:
        return None
    low = sum(n for s, n in children if s <= negative) / total
    high = sum(n for s, n in children if s >= positive) / total
    if low < BOTH_WAYS or high < BOTH_WAYS:
        return None
    return f"{topic[:1].upper()}{topic[1:]} problems and praise"


def instead_of_comments(label: str, top: Candidate, free: Sequence[Candidate]) -> Candidate | None:
    """For a parent that would be "<topic> comments" (its comments neither mostly complain, ask,
    request nor praise), the best phrase of two words or more holding the topic word or a longer form
    of it ("easy ordering" for "order"), scoring at least ``INSTEAD`` of the word and written by ``INSTEAD_SHARE``
    of the segments that write the word (8,000 clothing reviews: "Regular size", written by one in fifteen of those
    writing "size", named a group of sizes of every kind); else None."""
    if not is_comments(label):
        return None
    return next((c for c in free if c.words > 1 and c.score >= INSTEAD * top.score
                 and c.share >= INSTEAD_SHARE * top.share
                 and any(w.startswith(top.key) for w in c.key.split())), None)


def widest(ranked: Sequence[Candidate]) -> Candidate:
    """The first of ``ranked`` (best first), or the best single word when the first is a phrase and
    the word covers ``WIDER`` times as much of the group (a phrase of one big child, "less plastic",
    does not name a group most of whose children are about "substitutions")."""
    first = ranked[0]
    word = next((c for c in ranked if c.words == 1 and not vague(c.key)), None)
    return word if first.words > 1 and word is not None and word.share >= WIDER * first.share else first


def is_comments(label: str) -> bool:
    """Whether ``label`` is a topic with the head that says nothing ("Order comments", "App feedback")."""
    from feedback.themes.label_words import HEADS

    return label.split()[-1].lower() in HEADS["comments"]


def contact_share(docs: Sequence[str]) -> float:
    """The share of ``docs`` about contacting the company: a channel ("live chat", "on hold", "no one
    answers the phone", "e-mails") or contact details left ("[PHONE]", "[EMAIL]")."""
    return sum(bool(_CHANNEL.search(d)) for d in docs) / max(len(docs), 1)


def side(docs: Sequence[str], negative: float, positive: float, mean: float | None = None,
         asking: bool = True) -> int:
    """-1 when at least ``ASKING`` of ``docs`` ask the company to do something (:func:`asks`) or
    their mean sentiment is at most ``negative``; +1 at least ``positive``; else 0. ``mean``: the
    theme's published tone (a label's :class:`.label_units.Unit` has it; :mod:`.theme_tone`); None
    reads ``docs`` with the lexicon (:func:`.theme_tone.mean_tone` without scores). ``asking``
    False: by the tone alone (a request is not a problem: :func:`complains`)."""
    from feedback.themes.label_claims import asks
    from feedback.themes.label_words import told_wrong
    from feedback.themes.theme_tone import mean_tone

    if not docs:
        return 0
    if asking and sum(map(asks, docs)) / len(docs) >= ASKING:
        return -1
    mean = mean_tone(docs) if mean is None else mean
    if negative < mean < positive and asking and told_wrong(docs):  # "the driver just said traffic": as labelled
        return -1
    return -1 if mean <= negative else 1 if mean >= positive else 0


def claim(label: str) -> tuple[int, list[str]]:
    """What a label claims of the comments under it, and the words that claim it: -1 problems or
    requests ("Bag problems", "Staff requests", "More staff", "Late delivery", "Respect
    no-substitutes"), +1 praise ("Staff praise", "Easy ordering", "No complaints"), 0 a topic
    ("Prices and value", "Support contact", "App problems and praise"): :func:`.label_claims.claim_kind`."""
    from feedback.themes.label_claims import claim_kind

    kind, words = claim_kind(label)
    return {"praise": 1, "problems": -1, "requests": -1}.get(kind or "", 0), words


def side_shares(unit: Unit, sign: int, negative: float, positive: float,
                asking: bool = True) -> tuple[float, float]:
    """(on, against): the shares of a group's segments (every child's, as the archive counts them) in
    children on side ``sign`` and on the other side (:func:`side`, ``asking`` as there); (1.0, 0.0)
    for a group of none."""
    children = unit.children or [unit]
    total = sum(c.size or len(c.docs) for c in children)
    if not total:
        return 1.0, 0.0
    sides = [(side(c.docs, negative, positive, c.sentiment, asking), c.size or len(c.docs)) for c in children]
    return (sum(n for s, n in sides if s == sign) / total, sum(n for s, n in sides if s == -sign) / total)


def bears(on: float, against: float, most_against: float = 1.0) -> bool:
    """Whether a group bears a claim: at least ``CLAIM`` of its segments on the claimed side, and less
    than ``most_against`` on the other (a section's name must hold for its members, :mod:`.sections`:
    ``AGAINST``; "Food praise" over "Food problems" and "Different brand", 26 % of its segments)."""
    return on >= CLAIM and against < most_against


def held(label: str, unit: Unit, used: set[str], negative: float, positive: float) -> str:
    """``label`` when its parent bears what it claims (:func:`claim`, :func:`bears`: each child by its
    :func:`side`), else :func:`without_claim`."""
    sign, _ = claim(label)
    if not sign or not unit.children or label in SUPPORT_CONTACT:
        return label
    return label if bears(*side_shares(unit, sign, negative, positive)) else without_claim(label, used)


def without_claim(label: str, used: Collection[str]) -> str:
    """``label``'s topic without its claim, with "comments" (or another word for it not in ``used``,
    lower case): "Staff praise" -> "Staff comments", "Easy ordering" -> "Ordering comments"; as it is
    when no topic is left ("No complaints")."""
    from feedback.themes.label_words import HEADS

    _, words = claim(label)
    rest = [w for w in label.split() if w not in words]
    if not rest:
        return label
    topic = " ".join(rest)
    choices = [f"{topic[:1].upper()}{topic[1:]} {head}" for head in HEADS["comments"]]
    return next((c for c in choices if c.lower() not in used), choices[0])


def children_pair(unit: Unit, negative: float, positive: float) -> tuple[str | None, list[Candidate]]:
    """A group whose children share no word that names it: the main words (:func:`main_word`) of its two
    biggest children that have one, not names, vague words nor the same word twice ("Ordering and
    order"), when those two children hold ``PAIRED`` of its segments ("Timezone and weather" over
    timezones, the weather, alarms and timers); else (None, []): two of many children ("Pets and joke"
    over jokes, dice, spelling, meanings, the company, ...) are examples, not the group (a catch-all
    names it: :func:`.label._fallback`). Children that name nothing but do one thing ("Late again.", "Third time
    this month.": :func:`children_act`) name the group by it when they hold more of it than those two, and
    ``PAIRED``, and the group bears the act's claim: "Recurring problems", not "Plastic and subs problems"."""
    from feedback.themes.label_words import is_name
    from feedback.themes.sayings import capitalise

    found: list[tuple[Candidate, Unit]] = []
    words = {id(child): main_word(child) for child in unit.children}
    for child in sorted(unit.children, key=lambda c: -len(c.docs)):
        t = words[id(child)]
        if t and not is_name(t.key) and not vague(t.key) and not any(same_word(t.key, f.key) for f, _ in found):
            found.append((t, child))
    total = sum(c.size or len(c.docs) for c in unit.children)
    held_by = sum(c.size or len(c.docs) for _, c in found[:2]) if len(found) >= 2 else 0
    act, by_act = children_act([child for child in unit.children if words[id(child)] is None])
    sign = claim(act)[0] if act else 0
    if act and by_act > held_by and by_act >= PAIRED * total and (  # "Late again.", "Third time this month."
            not sign or bears(*side_shares(unit, sign, negative, positive))):
        return act, []
    if len(found) < 2:
        return None, []
    if total and held_by < PAIRED * total:
        return None, []
    first, second = found[0][0], found[1][0]
    return capitalise(named_pair(first.text, second.text, unit, negative, positive)), [first, second]


def children_act(children: Sequence[Unit]) -> tuple[str | None, int]:
    """What the most of a group's segments do, read child by child: the speech act (:mod:`.speech_acts`) of the
    ``children`` that do one (those that name no main word, :func:`main_word`), a recurring problem said of lateness
    counted as a recurring problem (:data:`.speech_acts.KIND_OF`), and the segments of those children; (None, 0)
    without one."""
    from feedback.themes.speech_acts import KIND_OF, speech_act

    held: dict[str, int] = {}
    for child in children:
        act = speech_act(child.docs)
        if act:
            held[KIND_OF.get(act, act)] = held.get(KIND_OF.get(act, act), 0) + (child.size or len(child.docs))
    if not held:
        return None, 0
    act = max(held, key=lambda a: (held[a], a))
    return act, held[act]


def main_word(unit: Unit) -> Candidate | None:
    """A theme's main single word (used by ``MAIN`` of its segments or more, the most used; a word that names no
    topic alone only when no other is: "More staff at the weekend" is about staff, :func:`vague`), for a group
    whose children share no phrase."""
    from feedback.themes.label_units import Candidate
    from feedback.themes.sayings import most_written

    singles = [k for k in unit.eligible if " " not in k and unit.share[k] >= MAIN]
    if not singles:
        return None
    best = min(singles, key=lambda k: (vague(k), -unit.df[k], k))
    return Candidate(best, most_written(unit.written[best]), 0.0, unit.share[best])


SERVICE = 0.5  # share of a group's segments using one service verb or its noun ("cancel", "cancellation") that names it
_IRREGULAR = {"pay": ("paid",)}


def _service_forms(verb: str, noun: str) -> re.Pattern[str]:
    """A service verb written any way, or its noun: "cancel", "cancelled", "cancelling", "cancellation(s)"."""
    forms = {verb, f"{verb}s", noun, f"{noun}s", *_IRREGULAR.get(verb, ())}
    if verb.endswith("e"):
        forms |= {f"{verb}d", f"{verb[:-1]}ing"}
    else:
        forms |= {f"{verb}ed", f"{verb}ing", f"{verb}es", f"{verb}{verb[-1]}ed", f"{verb}{verb[-1]}ing"}
    written = "|".join(sorted(map(re.escape, forms), key=len, reverse=True))
    return re.compile(rf"\b(?:{written})\b", re.IGNORECASE)


# "my order", "a book", "tracking number": the thing, not the service, in most feedback that writes them
_SERVICES = {verb: _service_forms(verb, noun) for verb, noun in NOUN_OF.items() if verb not in {"order", "book", "track"}}


def service_label(label: str, picked: Sequence[Candidate], unit: Unit, used: Collection[str], negative: float,
                  positive: float) -> str | None:
    """A group most of whose segments (``SERVICE``) name one service (:data:`.label_claims.NOUN_OF`: "I want to
    cancel", "Cancelling Plus was a nightmare", "charged after cancelling") that its label does not name, named by
    it: with the label's most written word when that is used as widely ("Plus and reminder problems" -> "Plus
    cancellation problems"; "Bill questions" -> "Bill payments"), else alone ("Cancellation problems"), with
    "problems" when the group complains (:func:`complains`). None when no service is named by most of it, the label
    names it already ("Delivery problems"), is a phrase its children share or a kind ("Damaged items", whatever
    "delivery" half of it writes), or the new label is taken."""
    from feedback.themes.label_words import is_name
    from feedback.themes.sayings import capitalise

    docs = unit.docs
    if not docs or not picked or any(c.words > 1 for c in picked):  # a shared phrase or a kind says more
        return None
    verb, share = main_service(docs)
    if share < SERVICE or _SERVICES[verb].search(label):
        return None
    noun = NOUN_OF[verb]

    def used_by(key: str) -> float:
        return sum(bool(re.search(rf"\b{re.escape(key)}", d, re.IGNORECASE)) for d in docs) / len(docs)

    words = [c for c in picked if not vague(c.key) and not is_name(c.key)]
    first = max(words, key=lambda c: used_by(c.key), default=None)  # the label's word most of it writes
    widely = first is not None and used_by(first.key) >= share
    problems = complains(unit.sentiment, negative, side_shares(unit, -1, negative, positive, asking=False))
    plural = noun if noun.endswith("ing") else many(noun)
    text = (f"{first.text} {noun} problems" if problems else f"{first.text} {plural}") if widely and first else (
        f"{noun} problems" if problems else f"{noun} comments")
    text = capitalise(text)
    return None if text.lower() in used else text


def main_service(docs: Sequence[str]) -> tuple[str, float]:
    """The service verb (:data:`.label_claims.NOUN_OF`) most of ``docs`` name in some form, and the share naming it."""
    shares = {verb: sum(bool(_SERVICES[verb].search(d)) for d in docs) / max(len(docs), 1) for verb in _SERVICES}
    verb = max(shares, key=lambda v: (shares[v], v))
    return verb, shares[verb]


# Nouns that judge rather than name a topic: "Cancelling Plus was a nightmare" is about cancelling.
# Those a person writes after the service ("Refund hassle", "Delivery chaos"); not "joke" ("Delivery joke").
VERDICTS = frozenset({"nightmare", "shambles", "hassle", "mess", "disaster", "fiasco", "chaos", "headache"})


def verdict_phrase(key: str, docs: Sequence[str], used: Collection[str]) -> str | None:
    """A theme whose word is a verdict (:data:`VERDICTS`) named by the service most of it judges, as a person writes
    it: "Cancelling Plus was a nightmare" -> "Cancellation nightmare" (was "Nightmare problems"); None when the word
    is no verdict, no service (:data:`.label_claims.NOUN_OF`) is named by ``SERVICE`` of it, or the label is taken."""
    from feedback.themes.sayings import capitalise

    if key.lower() not in VERDICTS or not docs:
        return None
    verb, share = main_service(docs)
    text = capitalise(f"{NOUN_OF[verb]} {key.lower()}")
    return text if share >= SERVICE and text.lower() not in used else None


# Verbs that are their own noun for what happened ("the app crashed": app crashes); a service verb's noun is
# :data:`.label_claims.NOUN_OF`'s ("cancelled": cancellations).
EVENT_NOUNS = frozenset({"crash", "delay", "freeze", "leak", "spill", "drop"})
_FROZE = {"froze": "freeze", "frozen": "freeze"}


def as_category(label: str, used: Collection[str]) -> str:
    """A group named by what happened to a thing ("App crashed", "Flight cancelled", "Train delayed") as the kind of
    event it holds, as a person names a category: "App crashes", "Flight cancellations", "Train delays". Two words,
    the second a past form whose verb is its own noun (:data:`EVENT_NOUNS`) or a service's
    (:data:`.label_claims.NOUN_OF`); else, or when taken, ``label`` as it is."""
    words = label.split()
    if len(words) != 2:
        return label
    done = words[1].lower()
    verb = _FROZE.get(done) or next((stem for stem in (done[:-2], done[:-1], done[:-3]) if done.endswith("ed") and (
        stem in EVENT_NOUNS or stem in NOUN_OF)), None)
    noun = NOUN_OF.get(verb, verb) if verb else ""
    if not noun or noun.endswith("ing"):  # "shipping", "ordering": no plural of its own
        return label
    text = f"{words[0]} {many(noun)}"
    return label if text.lower() in used else text

