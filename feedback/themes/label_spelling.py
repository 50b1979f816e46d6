"""Misspelt words in label candidates, written as the rest of the fit writes them ("cehckout" -> "checkout").

A customer's typo must not become a theme's name ("Simpler cehckout"). A candidate word English
does not have (spacy-lookups-data's word forms, :func:`feedback.text.words.english_words`) is
replaced by an English word one edit away (a letter left out, added, changed or two swapped) that
the fit's segments write at least twice as often; with several, the most written. A word the web
frequencies know (spacy-lookups-data's, as for names: "pork", "iPhone", "York"), one no other segment
writes correctly, a name or a brand stays as written: only a
correction the fit itself attests is made. :func:`correct` rewrites the themes' :class:`Unit`\\ s
before they are ranked (:mod:`.label`): their phrases and their segments' texts (a theme named by
what one segment says), not a segment in another language.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from feedback.themes.label_units import Unit

MIN_LETTERS = 4  # shorter words are too often another word one edit away ("teh" is "the", "tea")
_LETTERS = re.compile(r"[a-z]+")
_WORDS = re.compile(r"[^\W\d_]+")  # the words of a segment's text, as written ("qualité" whole)
RARER = 2  # a typo is written at most half as often as the word it misspells, in the same fit


def corrections(counts: Mapping[str, int], english: frozenset[str], seen: frozenset[str]) -> dict[str, str]:
    """Misspelt word -> correction, for the words of ``counts`` (uses in the fit) in neither ``english``
    (word forms, the corrections) nor ``seen`` (every word the web frequencies know: "pork", "iphone",
    "york" are no typos, though no inflection table lists them)."""
    fixes = {}
    for word, used in counts.items():
        if len(word) < MIN_LETTERS or not word.isalpha() or not word.isascii() or word in english or word in seen:
            continue
        found = [w for w in _edits(word) if w in english and counts.get(w, 0) >= RARER * used]
        if found:
            fixes[word] = min(found, key=lambda w: (-counts[w], w))
    return fixes


def _edits(word: str) -> set[str]:
    """Every string one deletion, transposition, replacement or insertion of a letter from ``word``."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    letters = string.ascii_lowercase
    return ({a + b[1:] for a, b in splits if b}
            | {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
            | {a + c + b[1:] for a, b in splits if b for c in letters}
            | {a + c + b for a, b in splits for c in letters})


def correct(units: Mapping[Any, Unit]) -> dict[Any, Unit]:
    """``units`` with misspelt words corrected: candidate keys merged, their texts and the segments'
    own texts rewritten (a theme of a few typos is named by what one of them says: "Better
    substitutinos" is written "Better substitutions" when the fit writes it so)."""
    from feedback.text.words import english_words, letter_case_evidence

    counts: Counter[str] = Counter()
    for u in units.values():
        for doc in u.docs:
            counts.update(_LETTERS.findall(doc.lower()))
    lower, capitalised = letter_case_evidence()
    fixes = corrections(counts, english_words(), lower | capitalised)
    if not fixes:
        return dict(units)
    return {theme: _rewritten(u, fixes) for theme, u in units.items()}


def _rewritten(u: Unit, fixes: Mapping[str, str]) -> Unit:
    def fix(text: str) -> str:
        return " ".join(_fixed(w, fixes) for w in text.split())

    from feedback.themes.phrases import is_foreign

    docs = [d if is_foreign(d) else _WORDS.sub(lambda m: _fixed(m.group(0), fixes), d) for d in u.docs]
    if docs == u.docs and not any(w.lower() in fixes for ways in u.written.values() for text in ways for w in text.split()):
        return u
    df: Counter[str] = Counter()
    written: dict[str, Counter[str]] = {}
    for key, n in u.df.items():
        df[fix(key)] += n
    for key, ways in u.written.items():
        for text, n in ways.items():
            written.setdefault(fix(key), Counter())[fix(text)] += n
    n_docs = max(len(u.docs), 1)
    df = Counter({k: min(n, n_docs) for k, n in df.items()})
    return Unit(df=df, share={k: n / n_docs for k, n in df.items()}, eligible=set(_mapped(u.eligible, fix)),
                written=written, sentiment=u.sentiment, docs=docs, foreign=u.foreign, bare=u.bare,
                children=u.children, size=u.size)


def _fixed(word: str, fixes: Mapping[str, str]) -> str:
    found = fixes.get(word.lower())
    if found is None:
        return word
    return found.capitalize() if word[:1].isupper() else found


def _mapped(keys: Iterable[str], fix: Any) -> list[str]:
    return [fix(k) for k in keys]


# Words written in capitals, or with a capital inside, whatever case a customer typed them in ("my pin", "fire tvs"):
# a label reads "PIN blocked", "Fire TVs", "New iPhone" (banking77's "Card pin", clinc150's "Tv comments" before).
CASED = {w.lower(): w for w in (
    "PIN", "PINs", "ATM", "ATMs", "TV", "TVs", "AI", "SMS", "USB", "PC", "PCs", "DVD", "DVDs", "GPS", "GBP", "USD",
    "EUR", "VAT", "FAQ", "FAQs", "URL", "URLs", "API", "OTP", "UK", "EU", "NHS", "iPhone", "iPhones", "iPad", "iPads",
    "iOS", "eBay", "PayPal")}
_WORD = re.compile(r"[A-Za-z]+")


def cased(text: str) -> str:
    """``text`` with each word of :data:`CASED` written as English writes it, when it was typed all lower case or
    capitalised ("Pin blocked" -> "PIN blocked"; "PiN" stays as written)."""
    def one(match: re.Match[str]) -> str:
        word = match.group()
        return CASED.get(word.lower(), word) if word in (word.lower(), word.capitalize()) else word
    return _WORD.sub(one, text)
