"""The words of a label phrase (used by :mod:`.phrases`): a :class:`Phrase`, its key and surface form
read off spaCy tokens (:func:`phrase`, :func:`lemma`, :func:`surface`; a hyphenated word as one,
:func:`chain`), and whether it reads as a label (:func:`readable`: at most ``MAX_WORDS`` words, no vague
head, no time, no foreign word, not ending on a stop word).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from spacy.lang.en.stop_words import STOP_WORDS

from feedback.text.segments import EXTRA_STOP
from feedback.themes.label_language import foreign_word
from feedback.themes.label_valence import QUANTIFIERS, word_valence
from feedback.themes.phrase_tokens import STOP_NOUNS
from feedback.themes.phrase_tokens import says_twice as _twice

MAX_WORDS = 4
THINGS = "items"  # goods in general, none named ("returned items", "missing items")
# Heads too vague to name a theme even with a modifier ("whole thing", "same one").
VAGUE_HEADS = {"thing", "lot", "bit", "way", "one", "stuff", "something", "anything", "sense", "kind", "sort",
               # units a reviewer measures herself in ("5'4, 120 lbs" -> "Tall lbs"), and "pair" (of jeans)
               "lb", "lbs", "kg", "kgs", "cm", "mm", "ml", "oz", "inch", "inches", "ft", "pair",
               # money counted ("charged me $103 dollars" -> "charged for dollars"): an amount, not what it was for
               "dollar", "dollars", "buck", "bucks", "euro", "euros", "quid", "pence", "penny", "cent", "cents", "rupee",
               "rupees"}
# Adjectives English puts after a verb only ("I'm sure", "are you sure"): before a noun, a misreading ("sure screens").
PREDICATIVE = {"sure", "unsure", "able", "unable", "aware", "afraid", "glad", "ok", "okay",
               "disappointed", "upset", "annoyed", "frustrated", "furious", "gutted", "fuming", "livid"}  # the writer's
# Times are when something happened, not what it was ("Monday morning", "20 minutes").
TIME_WORDS = {
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "morning",
    "afternoon", "evening", "night", "today", "tonight", "tomorrow", "yesterday", "minute", "min",
    "mins", "hour", "hr", "hrs", "second", "sec", "pm", "am", "lunch", "lunchtime", "january",
    "february", "march", "april", "june", "july", "august", "september", "october", "november",
    "december",
}  # fmt: skip
# Phrasal nouns made of stop words ("top up" is two stop words to spaCy): joined into one word
# before the parse, whatever the inflection ("topped up", "top-ups"), and written hyphenated.
JOINED = {"topup": "top-up"}


@dataclass(frozen=True)
class Phrase:
    """One phrase of one segment: ``key`` groups its variants, ``text`` is how it was written."""

    key: str
    text: str
    verb: str = ""  # a verb with its object ("returned table lamp"): the verb as written (:mod:`.label_examples`)
    subject: str = ""  # a subject with what it did not do ("peaches never turning up"): the subject's key (ditto)


def phrase(tokens: Sequence[Any]) -> Phrase:
    """The phrase of ``tokens`` in that order; its key leaves out articles and the preposition
    after a verb ("waiting for my refund" and "waiting on a refund" are one phrase)."""
    words: dict[int, Any] = {}
    for token in tokens:  # a hyphenated word ("use-by") is one word, whichever token was named
        words.setdefault(chain(token)[0].i, token)
    kept = list(words.values())
    key = " ".join(lemma(t) for t in kept if not (
        (t.dep_ == "det" and t.lower_ not in QUANTIFIERS) or (t.dep_ == "prep" and t.head.pos_ == "VERB")))
    return Phrase(key=key, text=" ".join(surface(t) for t in kept))


def chain(token: Any) -> list[Any]:
    """The tokens of the hyphenated word ``token`` belongs to ("use", "-", "by"), else [token]."""
    doc, start, end = token.doc, token.i, token.i
    while start >= 2 and doc[start - 1].text == "-" and not doc[start - 2].whitespace_ \
            and not doc[start - 1].whitespace_:
        start -= 2
    while end + 2 < len(doc) and doc[end + 1].text == "-" and not doc[end].whitespace_ \
            and not doc[end + 1].whitespace_:
        end += 2
    return [doc[i] for i in range(start, end + 1)]


def lemma(token: Any) -> str:
    """The word's key: the lemma of nouns and verbs ("deliveries" -> "delivery"), else as written
    ("better" stays "better")."""
    tokens = chain(token)
    if len(tokens) > 1:
        return "".join(t.lower_ for t in tokens)
    if token.lower_ in ("n't", "not"):
        return "not"
    if token.pos_ in ("NOUN", "PROPN", "VERB"):
        return str(token.lemma_ or token.text).lower()
    return str(token.lower_)


def surface(token: Any) -> str:
    """As written, lowercased unless it is an acronym or a name written with a capital mid-sentence."""
    tokens = chain(token)
    if len(tokens) > 1:
        return "".join(t.lower_ for t in tokens)
    text = str(token.text)
    if token.lower_.rstrip("s") in JOINED:
        return JOINED[token.lower_.rstrip("s")] + token.lower_[len(token.lower_.rstrip("s")):]
    if token.lower_ in ("n't", "not"):
        return "not"
    if len(text) > 1 and text.isupper():
        return text
    if token.pos_ == "PROPN" and text[:1].isupper() and not token.is_sent_start:
        return text
    return text.lower()


PARTICLES = frozenset({"up", "in", "out", "off", "down", "through"})  # may end a phrase after its -ing/-ed verb


def readable(found: Phrase) -> bool:
    """At most MAX_WORDS words as written ("more staff on the phones" is a sentence), not ending on
    a stop word (save a phrasal verb's particle), and a head that names something: not a vague word
    or a time; a single word not one of the words that name nothing alone ("time", "way")."""
    words = found.key.split()
    if not words:  # every token left out of the key: a misspelt article tagged as a noun ("teh")
        return False
    head = words[-1]
    written = found.text.lower().split()
    if len(written) > MAX_WORDS or head in VAGUE_HEADS or head in TIME_WORDS or any(map(foreign_word, written)):
        return False
    if len(written) > 1 and any(w in PREDICATIVE for w in written):  # "sure screens", "unable staff"
        return False
    if _twice(written):  # "sized size" ("I sized up a size", "regular sized size"): one word, said twice
        return False
    if len(written) > 1 and written[-1] in STOP_WORDS and written[-1] not in STOP_NOUNS and not (  # "able to get": no object
            written[-1] in PARTICLES and written[-2].endswith(("ing", "ed"))):  # "Signed up" reads
        return False
    return len(words) > 1 or head not in EXTRA_STOP


def negative(token: Any) -> bool:
    return min(word_valence(token.lower_), word_valence(lemma(token))) < 0
