"""What a theme's segments say as a whole, for themes no phrase names.

Some themes are made of whole answers with no phrase in them ("As above", "Everyone was
really friendly", "Check the order before it leaves the depot"), or of contact details
("Call me on [PHONE]"). Such a theme is best named by what most of its segments say: their
main clause, as most wrote it, without placeholders, emoji or trailing punctuation.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from spacy.lang.en.stop_words import STOP_WORDS

from feedback.themes.phrases import is_foreign

_CONTACT = re.compile(r"\[?\b(?:EMAIL|PHONE|ADDRESS)\b\]?")
_PARTIAL_PLACEHOLDER = re.compile(r"\[?\b(?:EMAIL|PHONE|CARD|IBAN|ACCOUNT|CREDENTIALS|NAME|URL|ADDRESS)\b\]?")
_PHONE = re.compile(r"\bPHONE\b")
_EMAIL = re.compile(r"\bEMAIL\b")
_ADDRESS = re.compile(r"\bADDRESS\b")
_CALL_BACK = re.compile(r"\b(?i:call|ring|phone)\b.*\bPHONE\b|\bPHONE\b.*\b(?i:call|ring)\b")
_REFERENCE = re.compile(r"\b(?=[A-Z]*\d)(?=\d*[A-Z])[A-Z\d]{6,}\b")
_SPACES = re.compile(r"\s+")
_CLAUSE = re.compile(r"\s*(?:[,;:.!?]\s|\s[-–—]\s)")
_CONJUNCTION = re.compile(r"\s+(?:and|because|but|so|which|while|as|until|since)\s+", re.IGNORECASE)
_CONNECTIVES = {"on the other hand", "on top of that", "in fact", "to be honest", "tbh", "overall", "that said"}
_OBJECTS = {"me", "us", "him", "her", "them", "it"}  # "Call me [on]" keeps its object
_AUXILIARIES = {"was", "is", "were", "has", "had", "did", "does", "will", "can", "could", "would"}
_CODE_OR_PRICE = re.compile(r"\b(?=\w*\d)(?=\w*[A-Za-z])\w+|[£$€]\s?\d")
# Trimmed from both ends: punctuation, symbols and emoji (U+2000-U+2BFF, U+1F000-U+1FAFF).
_TRIM = " .!?,;:-–—()[]\"'*~_/\\" + "".join(chr(c) for c in range(0x2000, 0x2BFF)) \
    + "".join(chr(c) for c in range(0x1F000, 0x1FAFF)) + "\ufe0f"


def contact_share(docs: Sequence[str]) -> float:
    """The share of segments that leave a phone number, e-mail or address ("call me on [PHONE]")."""
    return sum(bool(_CONTACT.search(d)) for d in docs) / max(len(docs), 1)


CONTACT_DETAILS = "Contact details"
_DETAILS = [("Call-back requests", _CALL_BACK), ("Phone numbers", _PHONE), ("Email addresses", _EMAIL),
            ("Postal addresses", _ADDRESS)]  # the kinds of contact details a segment leaves, most specific first


def contact_labels(docs: Sequence[str]) -> list[str]:
    """Names for a theme of contact details, most specific first: "Call-back requests" when most
    ask to be rung ("Call me on [PHONE]"), "Phone numbers" / "Email addresses" / "Postal
    addresses" when most leave that kind, then "Contact details" (siblings of contact themes
    get distinct names before a number)."""
    n = max(len(docs), 1)
    found = [name for name, pattern in _DETAILS if sum(bool(pattern.search(d)) for d in docs) / n >= 0.5]
    if {"Phone numbers", "Email addresses"} <= set(found):  # "Contact me: [EMAIL] / [PHONE]"
        found.insert(0, CONTACT_DETAILS)
    return list(dict.fromkeys([*found, CONTACT_DETAILS]))


def details_left(docs: Sequence[str]) -> list[str]:
    """What ``docs`` leave, as keywords (the names of :func:`contact_labels`), the most left first: "phone numbers",
    "email addresses", "postal addresses", "call-back requests"."""
    counts = [(sum(bool(pattern.search(d)) for d in docs), -n, name.lower())
              for n, (name, pattern) in enumerate(_DETAILS)]
    return [name for count, _, name in sorted(counts, reverse=True) if count]


def reference_share(docs: Sequence[str]) -> float:
    """The share of segments that give an order or reference number ("Order BM6614972")."""
    return sum(bool(_REFERENCE.search(d)) for d in docs) / max(len(docs), 1)


# A reviewer's own measurements, which clothing reviews give for reference ("i'm 5'4", 130 lbs, 34b").
_HEIGHT = re.compile(r"\b[4-6]\s*(?:'|’|′|ft\b|foot\b|feet\b)\s*(?:\d{1,2}\b)?", re.IGNORECASE)
_WEIGHT = re.compile(r"\b\d{2,3}(?:\.\d)?\s*(?:lbs?|kgs?)\b", re.IGNORECASE)  # not "pounds": money too
_BUST = re.compile(r"\b(?:2[89]|3\d|4[0-4])(?:\s?d{2,3}|[a-d])\b", re.IGNORECASE)  # "34b", "32 dd", not "35 a month"


def measurement_share(docs: Sequence[str]) -> float:
    """The share of segments in which the writer gives a height, weight or bra size ("i am 5'5" and 128 lbs")."""
    found = sum(any(p.search(d) for p in (_HEIGHT, _WEIGHT, _BUST)) for d in docs)
    return found / max(len(docs), 1)


def measurement_labels(docs: Sequence[str]) -> list[str]:
    """Names for a theme of writers' measurements: "Height and weight" when a third or more give each,
    else "Body measurements" (then its variants, for siblings)."""
    n = max(len(docs), 1)
    both = all(sum(bool(p.search(d)) for d in docs) / n >= 1 / 3 for p in (_HEIGHT, _WEIGHT))
    return [*(["Height and weight"] if both else []), "Body measurements", "Body shape and size"]


def commonest(docs: Sequence[str], cut: bool = True) -> tuple[str, float] | None:
    """What most of the segments say (:func:`said`), written as most wrote it, capitalised, with
    the share of segments that say it; None when none says anything :func:`said` keeps."""
    ways: dict[str, Counter[str]] = {}
    for doc in docs:
        text = said(doc, cut)
        if text:
            ways.setdefault(same_saying(text), Counter())[text] += 1
    if not ways:
        return None
    best = min(ways, key=lambda k: (-sum(ways[k].values()), k))
    return capitalise(most_written(ways[best])), sum(ways[best].values()) / len(docs)


def said(doc: str, cut: bool = True) -> str | None:
    """A segment's main clause as a label, or None: in another language, with an order number or
    a price, or with a placeholder whose removal leaves a fragment ("[NAME] on the tills was
    kind"). A placeholder at the end is cut off with the words that led to it ("You can reach
    me at [PHONE]" -> "You can reach me").

    The clause is the first one that says something ("However, everyone was friendly" ->
    "everyone was friendly"), up to a comma, or unless not ``cut`` a conjunction between two parts
    of four and three words or more ("Half my order was substitutions and the rest was
    missing" -> "Half my order was substitutions").
    """
    if is_foreign(doc):
        return None
    clauses = [c for c in _CLAUSE.split(doc.strip(_TRIM)) if c.strip(_TRIM)]
    clause = next((c for c in clauses if not _connective(c)), clauses[0] if clauses else "")
    head = _CONJUNCTION.split(clause, maxsplit=1)
    if cut and len(head) > 1 and len(head[0].split()) >= 4 and len(head[1].split()) >= 3:
        clause = head[0]
    for found in _PARTIAL_PLACEHOLDER.finditer(clause):
        before, after = clause[: found.start()].split(), clause[found.end():].split()
        if not before and (not after or after[0].lower() not in _AUXILIARIES):
            return None  # "[NAME] on the tills was kind": the rest is a fragment
        if before and (not after or before[-1].lower() in STOP_WORDS):
            # "You can reach me at [PHONE]" -> "You can reach me"; "My number is [PHONE]" -> "My number"
            while before and before[-1].lower() in STOP_WORDS - _OBJECTS:
                before.pop()
            if len(before) < 2:
                return None
            clause = " ".join(before)
            break
    text = _SPACES.sub(" ", _PARTIAL_PLACEHOLDER.sub(" ", clause)).strip(_TRIM)
    if sum(ch.isalpha() for ch in text) < 2 or _CODE_OR_PRICE.search(text):
        return None
    return text


def _connective(clause: str) -> bool:
    """ "However", "Also", "On the other hand": a clause that only links to the one before."""
    words = clause.strip(_TRIM).lower()
    return words in _CONNECTIVES or (" " not in words and words in STOP_WORDS)


_CANNOT = re.compile(r"\b(?:cannot|can not)\b", re.IGNORECASE)
_PRONOUN_OBJECTS = {"it", "this", "them", "one"}


def same_saying(text: str) -> str:
    """What two segments say alike are one saying: "I can't wait to wear it!", "can't wait to wear it" and
    "I cannot wait to wear" are one, keyed "can't wait to wear" (lower case, "cannot" as "can't", without an
    opening "I" or a closing "it" / "this" / "them" while two words are left)."""
    return " ".join(_bare_words(_CANNOT.sub("can't", text.strip(_TRIM).lower().replace("’", "'")).split()))


def bare_saying(text: str) -> str:
    """A saying as a label would put it: without an opening "I" or a closing object pronoun while two words are
    left, "cannot" as "can't" ("I cannot wait to wear it!" -> "Can't wait to wear"), as written otherwise."""
    return capitalise(" ".join(_bare_words(_CANNOT.sub("can't", text.strip(_TRIM)).split())))


def _bare_words(words: list[str]) -> list[str]:
    words = list(words)
    if len(words) > 2 and words[0].lower() == "i":
        words.pop(0)
    while len(words) > 2 and words[-1].lower() in _PRONOUN_OBJECTS:
        words.pop()
    return words


def most_written(ways: Counter[str]) -> str:
    """How most wrote something; on a tie the longer ("late deliveries"), then the first."""
    return min(ways, key=lambda text: (-ways[text], -len(text), text))


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]
