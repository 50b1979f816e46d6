"""Themes about the staff: praise or complaints of people, whatever else they mention.

Staff praise is the praise customers give most ("The staff at the Leeds store are brilliant", "[NAME] was great
as always", "Everyone in the Bristol store is friendly and helpful"), and its themes' centroids sit near whatever
else the comments name (the store, the prices, a declined card): Ward placed them under "Prices and value" or
"Delivery and order problems" as often as under "Staff praise". A theme most of whose segments say how a person
was (a person, a "was", a word of praise or blame: :func:`person_side`) is about the staff; :func:`gather` puts
such themes of one side under the parent that already holds most of them (:mod:`.hierarchy`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from feedback.text.sentiment import PEOPLE_WORDS, PERSON, ROLE, SERVICE_LEXICON
from feedback.text.sentiment_model import negated
from feedback.themes.label_valence import PROBLEM_LEXICON, word_valence

if TYPE_CHECKING:
    from feedback.themes.label_units import Unit

PEOPLE = 0.5  # share of a theme's segments that say how a person was for it to be about the staff
# a person, up to six words, a name set apart ("The lady on live chat, [NAME], was ..."), "was ..."; or what the person
# did and then how they were ("[NAME] on the phone sorted everything out in five minutes and was really nice")
_SAID_OF = re.compile(
    rf"\b{PERSON}(?:(?: [\w'’]+){{0,6}}?(?:,(?: [\w'’\[\]]+){{1,3}},)?|(?: [\w'’]+){{1,12}}? and) (?:was|were|is|are|'s|"
    r"has been|have been) (?:always |all |so |very |really |extremely |super |incredibly |ever so |such |just |"
    r"absolutely |most |not |never |quite |a bit |too )*(?P<word>[a-z-]+)\b", re.IGNORECASE)
# "Lovely staff" (not "Great, she"), and a named person's service: "Great service from [NAME]"
_DESCRIBED = re.compile(rf"\b(?P<word>[a-z-]+),? (?:and [a-z-]+ )?{ROLE}\b"
                        r"|\b(?!no\b)(?P<done>[a-z-]+) (?:service|help|support|job) from \[NAME\]", re.IGNORECASE)
STAFF_PRAISE = ["Staff praise", "Praise for staff", "Staff compliments"]  # a parent of such themes (:mod:`.label`)
STAFF_PROBLEMS = ["Staff problems", "Staff complaints", "Staff manner"]
# the people who answered, told by how they treated the customer: "Customer services were great, very understanding
# and quick to help" (not "Customer services were great": the service, as much as its people)
_MANNERS = "|".join(sorted(PEOPLE_WORDS | {"understanding", "accommodating", "reassuring", "thoughtful", "respectful"}))
_TEAM = re.compile(r"\bcustomer (?:services?|support|care)(?: team)? (?:was|were|is|are|has been|have been)\b[^.!?]*?"
                   rf"\b(?P<word>{_MANNERS})\b", re.IGNORECASE)
_HARDLY = re.compile(r"\b(?:hardly|barely|scarcely|rarely|seldom)\b", re.IGNORECASE)
_TURN = re.compile(r"\b(?:but|though|although|however|shame|except)\b", re.IGNORECASE)
_WORD = 1.0  # valence (VADER's -4..4 scale) of a word that praises or blames whom it is said of


def person_side(doc: str) -> int:
    """+1 when ``doc`` says a person was good ("[NAME] was great as always"), -1 bad ("the driver was so rude"),
    0 when it says neither ("the driver was late" is about the delivery; "wasn't rude" is no praise either)."""
    if _TURN.search(doc):  # "The driver was friendly but half the order was missing": its point is the rest
        return 0
    for found in _SAID_OF.finditer(doc):
        between = found.group().lower().split()
        if between[0] == "they":  # in a review, "they" are as often the trousers ("they are lovely")
            continue
        if "not" in between or "never" in between:  # "wasn't" never matches: the pattern wants "was "
            return 0
        word = found.group("word").lower()
        value = word_valence(word)
        if value <= -_WORD and word not in PEOPLE_WORDS and _of_things(word):
            continue  # "the driver was late", "the bag was damaged": what happened, not how someone was
        if abs(value) >= _WORD:
            return 1 if value > 0 else -1
    for found in _TEAM.finditer(doc):
        if negated(found.group()) or _HARDLY.search(found.group()):  # "were never helpful": no praise, no blame
            return 0
        return -1 if word_valence(found.group("word").lower()) < 0 else 1  # "understanding": no valence, praise
    for found in _DESCRIBED.finditer(doc):
        word = (found.group("word") or found.group("done")).lower()
        value = word_valence(word)
        if abs(value) >= _WORD and not (value < 0 and word not in PEOPLE_WORDS and _of_things(word)):
            return 1 if value > 0 else -1
    return 0


def _of_things(word: str) -> bool:
    """A complaint word of the service lexicons ("late", "damaged", "missing"): said of what happened, not of a person."""
    return word in SERVICE_LEXICON or word in PROBLEM_LEXICON


def people_side(docs: Sequence[str]) -> int:
    """A theme's side when at least :data:`PEOPLE` of its segments say how a person was on that side, else 0."""
    if not docs:
        return 0
    sides = [person_side(d) for d in docs]
    for side in (1, -1):
        if sides.count(side) >= PEOPLE * len(docs):
            return side
    return 0


def gather(groups: list[list[int]], kinds: Sequence[int], weights: Sequence[float] | np.ndarray) -> list[list[int]]:
    """``groups`` with every theme of one people side (``kinds``: :func:`people_side` per theme) moved to the group
    holding most of that side's segments, when there are two such themes or more; a group left empty is dropped."""
    out = [list(g) for g in groups]
    for side in (1, -1):
        theirs = [i for g in out for i in g if kinds[i] == side]
        if len(theirs) < 2:
            continue
        held = [sum(weights[i] for i in g if kinds[i] == side) for g in out]
        home = max(range(len(out)), key=lambda n: (held[n], -n))
        out = [[i for i in g if kinds[i] != side or n == home] for n, g in enumerate(out)]
        out[home] = sorted(set(out[home]) | set(theirs))
    return [g for g in out if g]


def group_side(unit: Unit) -> int:
    """The people side of at least :data:`PEOPLE` of a group's segments, each child weighed by its size (as the
    archive sums a parent), else 0: a parent of "Lovely staff", "Kind staff member" and "Cheerful driver" is named
    "Staff praise", not by the words its children share ("Driver and staff")."""
    kids = [(_on_its_tone(people_side(child.docs), child.sentiment), child.size or len(child.docs))
            for child in unit.children if child.docs]
    total = sum(size for _, size in kids)
    for side in (1, -1):
        if kids and sum(size for s, size in kids if s == side) >= PEOPLE * total:
            return side
    return 0


def _on_its_tone(side: int, tone: float) -> int:
    """``side`` unless the theme's published tone is on the other ("Lovely driver, but ..." read as a complaint)."""
    return side if side * tone >= 0 else 0


def unstaff(groups: list[list[int]], kinds: Sequence[int], unit: np.ndarray, sides: Sequence[int] | np.ndarray,
            allowed: Callable[[int, list[int]], bool]) -> list[list[int]]:
    """``groups`` with each theme of a group of staff themes that is not about the staff but on their side (praise
    in "Staff praise": "Excellent quality") or on neither (the sample's "The kids had toast for tea.", told after a
    late van) under the group of its nearest theme (centroid cosine, ``unit`` rows) when
    that is in another group, not itself of the staff, that ``allowed(theme, group)``; a theme of the other side
    stays where the sides put it (:func:`.hierarchy.settle`)."""
    out = [list(g) for g in groups]
    for n, group in enumerate(groups):
        staff = [kinds[i] for i in group if kinds[i] != 0]
        side = (sum(staff) > 0) - (sum(staff) < 0)  # the side most of its staff themes are on
        if len(staff) < 2 or side == 0:
            continue
        for i in [i for i in group if kinds[i] == 0 and sides[i] in (side, 0)]:  # nor a neutral one ("Toast for tea")
            own = max((float(unit[j] @ unit[i]) for j in out[n] if j != i), default=-1.0)
            near = [(float(np.max(unit[g] @ unit[i])), m) for m, g in enumerate(out)
                    if m != n and len(g) >= 2 and not any(kinds[j] != 0 for j in g) and allowed(i, g)]
            if near and max(near)[0] > own:
                out[max(near)[1]].append(i)
                out[n].remove(i)
    return [sorted(g) for g in out if g]
