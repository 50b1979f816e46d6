"""Names in label candidates: a person's or a place's name is never a theme's topic alone, and a customer's
given name is never published as a label.

- :func:`is_name`: a person's or a place's name ("Aaron", "Portland"), or a word English does not have that a
  theme's segments always write capitalised (the company's own name);
- :func:`names_person`: whether a text holds a person's given name ("call me bob", "spell aaron"): such a
  phrase or saying never becomes a label or a keyword, so a name the redactor missed (written in lower case,
  say) is not published as a theme's name; :func:`without_people` leaves the names out.

The tables are feedback/text/words.py's (given names, place and brand names, letter case on the web).
Callers read these through :mod:`.label_words`, where they were first written.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache


@lru_cache(maxsize=1)
def _names() -> frozenset[str]:
    from feedback.text.words import letter_case_evidence, name_evidence

    given, things = name_evidence()
    _, capitalised = letter_case_evidence()
    return frozenset((given | things) & capitalised)


@lru_cache(maxsize=1)
def _people() -> frozenset[str]:
    from feedback.text.words import letter_case_evidence, name_evidence

    given, _ = name_evidence()
    _, capitalised = letter_case_evidence()
    return frozenset(given & capitalised)


def is_person(word: str) -> bool:
    """A given name usually written capitalised ("aaron", "bob", "chloe"; not "mark", "olive",
    "bill", which are words too): feedback/text/words.py's tables."""
    return word.lower() in _people()


_LETTERS = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")  # "Don't" is one word, not "Don"


@lru_cache(maxsize=65_536)  # phrases repeat across segments and themes
def names_person(text: str) -> bool:
    """Whether ``text`` holds a person's given name as a word ("Call me bob", "Text Chloe")."""
    return any(is_person(w) for w in _LETTERS.findall(text))


def without_people(text: str) -> str:
    """``text`` with every given name left out ("call me bob" -> "call me")."""
    return " ".join(_LETTERS.sub(lambda m: "" if is_person(m.group()) else m.group(), text).split())


def is_name(word: str, docs: Sequence[str] = ()) -> bool:
    """A word usually written capitalised that is a given name or names a place or brand
    ("aaron", "portland", "alexa"): feedback/text/words.py's tables; or, given a theme's segments
    ``docs``, a word English does not have that they always write capitalised: the company's own name
    ("Brightmoor") or another name the tables do not know."""
    return word.lower() in _names() or unknown_name(word, docs)


def unknown_name(word: str, docs: Sequence[str]) -> bool:
    """A word English does not have that ``docs`` always write capitalised ("Brightmoor")."""
    if not docs or not word.isalpha() or word.lower() in _english():
        return False
    ways = re.findall(rf"\b{re.escape(word)}\b", "\n".join(docs), re.IGNORECASE)
    return bool(ways) and all(w[:1].isupper() for w in ways)


def is_english(word: str) -> bool:
    """Whether English has ``word`` (any case): spacy-lookups-data's tables and the words written lower case."""
    return word.lower() in _english()


@lru_cache(maxsize=1)
def _english() -> frozenset[str]:
    from feedback.text.words import english_words, letter_case_evidence

    lower, _ = letter_case_evidence()
    return english_words() | lower
