"""Which parsed tokens are words a theme's label phrase may hold (:mod:`.phrases` reads them).

A word is letters, or a name written with a digit or two ("W2", "401k"); never a number, a code, a
redaction placeholder ("NAME" of "[NAME]") or a word spaCy tags foreign; and not one of spaCy's stop
words, save the few nouns in that list that name what people write about ("phone call", "name change").
Also the word helpers phrases are built with: a verb's -ing form, a phrase saying one word twice, a token's
negation and number.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from feedback.text.segments import PLACEHOLDERS
from feedback.text.sentiment import PEOPLE_WORDS

PLACEHOLDER_WORDS = frozenset(PLACEHOLDERS)  # a redaction placeholder's word, "[NAME]" parsed as "[", "NAME", "]"


# A name made of letters then a few digits ("W2", "PS5", "covid19", "S21", "A4", "MP3"): a thing people
# name, not a number. Digits first is mostly an amount or a time ("50p", "5pm", "3rd", "10kg"), save a few
# names everyone writes so. Codes (more than two digits: flight "DL123", order "AB123456") stay out.
_ALNUM_NAME = re.compile(r"[a-z]{1,6}\d{1,2}[a-z]?")
_DIGITS_FIRST_NAMES = frozenset({"401k", "403b", "3g", "4g", "5g", "4k", "8k", "3d"})


def named_with_digits(word: str) -> bool:
    """Whether ``word`` is a name written with digits ("W2", "PS5", "401k"), not a number or a code."""
    text = word.lower()
    return _ALNUM_NAME.fullmatch(text) is not None or text in _DIGITS_FIRST_NAMES


# Nouns in spaCy's stop list (taken from an information-retrieval list) that name what people write
# about: "phone call", "name change", "spare part", a shop's "tops" and "bottoms". ("the right amount of
# cash": words that rarely name a theme stay stop words; so does a place on a thing, "on top of that",
# "the bottom of the page": :func:`_position`.)
STOP_NOUNS = frozenset({"name", "call", "part", "top", "bottom"})
# Stop words that are content as verbs: "the tomatoes last longer" (not "last week").
STOP_VERBS = frozenset({"last"})
# Interjections, tagged so ("UH") or not, and a form of address ("hi guys", "dude"): a reaction or whom it is said to, never
# a topic ("Ah problems" named tweets that could not find it, "Guys problems and WTF" a group of complaint tweets).
INTERJECTIONS = frozenset({"guys", "folks", "dude", "dudes", "bro", "bruh", "fam", "ah", "aah", "oh", "ooh", "uh", "um",
                           "er", "eh", "ugh", "argh", "wow", "whoa", "omg", "lol", "haha", "hahaha", "hmm", "meh", "yay",
                           "yikes", "oops", "duh", "wtf", "smh", "ffs", "lmao", "rofl", "hey", "hi", "hiya", "hello",
                           "ok", "okay", "yeah", "yep", "nope", "yup"})
# Units written short after a number ("20 kms speed", "5 hrs late", "50 mbps"): a measure, never a topic ("Kms speed"
# named a theme of tweets about late trains, from 2 of its 24 segments). Not "min": a "min spend" is a topic.
UNITS = frozenset({"km", "kms", "kmh", "kph", "kmph", "mph", "hr", "hrs", "mins", "sec", "secs", "lb", "lbs",
                   "kg", "kgs", "gb", "mb", "kb", "tb", "mbps", "gbps", "ml", "oz", "ft", "cm", "mm"})


def content(token: Any) -> bool:
    """Whether a parsed token is a word a phrase may hold: letters (or a name written with digits), not a
    stop word (save :data:`STOP_NOUNS` as nouns and :data:`STOP_VERBS` as verbs), a number, a redaction placeholder, a foreign
    word, an interjection (:data:`INTERJECTIONS`) or a unit written short (:data:`UNITS`)."""
    text = token.lower_
    word = token.is_alpha or named_with_digits(text)
    stop = token.is_stop and not (token.pos_ == "NOUN" and token.lemma_.lower() in STOP_NOUNS
                                  and not _introduction(token) and not _position(token)) \
        and not (token.pos_ == "VERB" and token.lemma_.lower() in STOP_VERBS)
    return (
        word and text.isascii() and len(text) > 1 and not stop and not token.like_num and text not in INTERJECTIONS
        and text not in UNITS
        and token.text not in PLACEHOLDER_WORDS and token.tag_ not in ("FW", "XX", "UH")
    )


PLACE_PREPOSITIONS = frozenset({"in", "at"})
LOOK_PREPOSITIONS = frozenset({"on", "in"})


def phrasal_where(verb: Any) -> list[Any]:
    """ "tried it on in the store" -> [tried, on, in, store]; "picked it up at the depot" -> [picked, up, at,
    depot]: a verb with its particle and where it was done, which names a way of shopping even when the verb
    alone is too light to ("try", "pick"); "looks on the model" -> [looks, on, model], where a thing was seen.
    Nothing for any other verb or place ("in time", "at all")."""
    particle = next((c for c in verb.children if c.dep_ == "prt" and c.is_alpha), None)
    if particle is None and verb.lemma_.lower() != "look":  # "how it looks on the model": where it was seen
        return []
    places, after = (PLACE_PREPOSITIONS, particle.i) if particle is not None else (LOOK_PREPOSITIONS, verb.i)
    for prep in verb.children:
        if prep.dep_ == "prep" and prep.lower_ in places and prep.i > after:
            place = next((o for o in prep.children if o.dep_ == "pobj" and o.pos_ == "NOUN" and content(o)), None)
            if place is not None and not any(c.dep_ in ("compound", "amod") for c in place.children):
                return [verb, prep, place] if particle is None else [verb, particle, prep, place]
    return []


def verb_with(verb: Any) -> list[Any]:
    """A verb with what makes it a phrase on its own: where it was done (:func:`phrasal_where`: "tried on in
    store"), or how much more it does ("the tomatoes last longer than the ones from the market" -> [last, longer],
    "the app works better now" -> [works, better]): a comparative that names what customers compare."""
    if where := phrasal_where(verb):
        return where
    more = next((c for c in verb.children if c.dep_ == "advmod" and c.tag_ == "RBR" and content(c)), None)
    return [verb, more] if more is not None and verb.pos_ == "VERB" and content(verb) else []


def _position(token: Any) -> bool:
    """ "on top of that", "at the bottom of the bag": a place on something, not a thing (a "top" one wears)."""
    doc, i = token.doc, token.i
    return token.lemma_.lower() in ("top", "bottom") and i + 1 < len(doc) and doc[i + 1].lower_ == "of"


def _introduction(token: Any) -> bool:
    """ "Order BM123, my name's [NAME]": a writer giving their name, not writing about names. The name
    itself is redacted, so "name" is followed by "is" and nothing ("What is your name" and "my name is
    wrong" are about names)."""
    doc, i = token.doc, token.i
    if token.lemma_.lower() != "name" or i + 1 >= len(doc) or doc[i + 1].lower_.replace("’", "'") not in ("'s", "is", "was"):
        return False
    return i + 2 >= len(doc) or doc[i + 2].is_punct or doc[i + 2].pos_ == "CCONJ"


# Comparatives a short wish opens with ("Better substitutions", "Cheaper delivery": label_claims.wants and
# comparative_wish below); "more", "less" and "fewer" are label_claims.asks' own.
COMPARATIVES = frozenset({"better", "cheaper", "faster", "quicker", "clearer", "easier", "simpler", "fresher",
                          "bigger", "smaller", "longer", "shorter", "earlier", "later", "nicer", "friendlier",
                          "lower", "higher", "wider", "politer", "safer", "tidier", "sooner"})


def comparative_wish(doc: Any) -> list[tuple[str, str]]:
    """ "Shorter hold times please", "Shorter wait times": a wish for more or less of a thing whose name is
    a verb and a noun, which the parser reads as a sentence ("hold" its verb, "Shorter" a modifier of it);
    as (key, text) of the noun phrases it means: ("shorter hold time", "shorter hold times"), ("hold time",
    "hold times"). Nothing when it is not such a wish."""
    words = [t for t in doc if not t.is_punct and t.lower_ != "please"]
    if len(words) != 3 or words[0].lower_ not in COMPARATIVES or words[1].dep_ != "ROOT" or words[1].pos_ != "VERB":
        return []
    noun = words[2]
    if noun.pos_ != "NOUN" or not content(noun) or not content(words[1]):
        return []
    name = f"{words[1].lower_} {noun.lemma_.lower()}"
    written = f"{words[1].lower_} {noun.lower_}"
    return [(f"{words[0].lower_} {name}", f"{words[0].lower_} {written}"), (name, written)]


def named_person(doc: Any) -> list[tuple[str, str]]:
    """ "[NAME] on the tills was so kind" -> ("kind staff member", ...): how someone the comment names treated the
    customer (in feedback a person named to praise or blame is staff, as :func:`.label_words.described` has it), as
    (key, text) of a phrase. The name is gone from the parsed text (:func:`.segments.clean_for_embedding`), so it is
    a "was" with no subject; not what they felt ("[NAME] was thrilled") nor what they were not ("wasn't rude")."""
    found = []
    for verb in doc:
        if verb.lemma_ != "be" or verb.dep_ != "ROOT" or negated(verb) or any(
                c.dep_ in ("nsubj", "nsubjpass", "expl", "csubj") for c in verb.children):
            continue
        for comp in verb.children:
            for word in (comp, *comp.conjuncts) if comp.dep_ == "acomp" else ():
                if word.lower_ in PEOPLE_WORDS or word.lower_ == "lovely":  # said of someone named: of the staff
                    found.append((f"{word.lower_} staff member",) * 2)
    return found


# Verbs by which a review says how the thing it is about is ("it runs large", "they feel cheap", "it looks dated").
SENSE_VERBS = frozenset({"run", "fit", "feel", "look", "smell", "taste", "sound", "wear"})
THING = frozenset({"it", "this", "that", "they", "these", "those"})
DEGREE = frozenset({"too", "very", "really", "so", "super", "extremely", "incredibly"})  # all but "too" read "very"
# Verdicts on anything, which name no quality of it ("it is very good"): no "Very good" theme.
VERDICTS = frozenset({"good", "great", "nice", "bad", "fine", "ok", "okay", "amazing", "awesome", "excellent",
                      "wonderful", "perfect", "terrible", "horrible", "awful", "lovely", "happy", "pleased", "sad",
                      "disappointed", "disappointing", "worth", "cool"})


_INFLECTED = ("", "e", "s", "es", "d", "ed", "ing")


def says_twice(words: Sequence[str]) -> bool:
    """Whether one word of a phrase is another's inflection, or the same word ("size" / "sized", "order" /
    "orders"): the phrase says one thing twice."""
    for i, word in enumerate(words):
        root = word[:-1] if word.endswith("e") and len(word) > 3 else word
        if any(j != i and other.startswith(root) and other[len(root):] in _INFLECTED for j, other in enumerate(words)):
            return True
    return False


def gerund(verb: str) -> str:
    """ "work" -> "working", "recognise" -> "recognising", "stop" -> "stopping", "die" -> "dying"."""
    if verb.endswith("ie"):
        return verb[:-2] + "ying"
    if verb.endswith("e") and not verb.endswith(("ee", "ye", "oe")) and len(verb) > 2:
        return verb[:-1] + "ing"
    vowels = "aeiou"
    if (sum(ch in vowels for ch in verb) == 1 and len(verb) >= 3 and verb[-1] not in vowels + "wxy"
            and verb[-2] in vowels and verb[-3] not in vowels):  # one syllable ending consonant-vowel-consonant
        return verb + verb[-1] + "ing"
    return verb + "ing"


def numbered(noun: Any) -> bool:
    """ "step 3", "order 12345": a noun that names one instance by its number."""
    return any(c.dep_ == "nummod" and c.i > noun.i for c in noun.children)


def neg(verb: Any) -> Any:
    return next(c for c in verb.children if c.dep_ == "neg")


def negated(token: Any) -> bool:
    return any(c.dep_ == "neg" for c in token.children)
