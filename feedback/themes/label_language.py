"""Whether a segment is in another language, for theme labels: its phrases name no English theme.

Used by :mod:`.phrases` (a foreign segment gives no phrases), :mod:`.label_units` and :mod:`.sayings`.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[^\W\d_]+")

# Function words of the other languages a company is likely to hear (Spanish, French, German,
# Italian, Portuguese, Dutch) that English does not use; accented words count too.
FOREIGN_WORDS = frozenset({
    "el", "los", "las", "del", "una", "unos", "muy", "pero", "porque", "fue", "gracias", "todo", "nada",
    "le", "les", "des", "du", "une", "est", "avec", "pour", "dans", "je", "il", "elle", "nous", "vous",
    "mon", "mes", "et", "qui", "cette", "mais", "der", "das", "und", "ist", "nicht", "sehr", "ein",
    "eine", "ich", "sie", "wir", "auf", "zu", "von", "dem", "alles", "aber", "auch", "noch", "nur",
    "gli", "della", "che", "molto", "non", "sono", "anche", "questo", "os", "um", "muito", "com",
    "foi", "eu", "meu", "minha", "het", "een", "niet", "zeer", "voor", "ik", "van", "dat",
})  # fmt: skip


def is_foreign(text: str) -> bool:
    """A segment not in English: its words are mostly other languages' stop words or accented, or,
    with an accented word English does not have or one of those stop words, half of them are no
    English words ("Bon rapport qualité-prix": English has "rapport" but not "qualité", "prix").

    Cheap and conservative: a couple of borrowed words ("café", "plus") leave a sentence English.
    """
    words = [w.lower() for w in _WORD.findall(text)]
    if not words:
        return False
    marked = sum(w in FOREIGN_WORDS or not w.isascii() for w in words)
    if marked >= 2 and marked / len(words) >= 0.3:
        return True
    known = _english()
    unknown = sum(w not in known for w in words) / len(words)
    if all(w.isascii() for w in words):  # "Il manquait deux articles dans ma commande": one of their words
        return marked >= 1 and unknown >= 0.5
    accented = [w for w in words if not w.isascii() and w not in known]
    return bool(accented) and unknown >= 0.5


def foreign_word(word: str) -> bool:
    """An accented word English does not have ("qualité", not "café"): no label is written with one."""
    return not word.isascii() and word.lower() not in _english()


def _english() -> frozenset[str]:
    from feedback.text.words import english_words

    # spacy-lookups-data's word forms, cached per process

    return english_words()
