"""The language of a comment, with no model download.

Language comes from lingua (an n-gram detector built for short text) in its
high-accuracy mode, limited to the languages a company expects, so that a
three-word comment is not called Latvian. The company's primary language (the
first one configured) is the prior: another language is taken only on clear
evidence, because a comment taken for another language gets no sentiment score.

- Lingua must find the other language ``PRIMARY_MARGIN`` times likelier than the
  primary one ("Bad substitutions." is only 1.4 times likelier French than
  English; "Sehr gut" is 12 times likelier German).
- A typo is no evidence (when the primary language is English): "More staaff at
  the weekend" reads Dutch because of "staaff". Words in plain ASCII letters that
  are no English word form (spacy-lookups-data's lemma table and spaCy's stop
  words: :func:`feedback.text.words.english_words`, which the name redactor reads
  too) are taken for typos; when they are fewer than the other words, lingua is
  asked again without them, and if the rest is not clearly another language the
  comment is in the primary language. Accented words ("abîmés") are
  never typos of English words, so they always count; a comment made mostly of
  such unknown words ("Livreur sympa") keeps lingua's answer.
- Words decide a short comment lingua leaves in the primary language (when that
  is English, up to ``SHORT_WORDS`` words): if at least half of its words are no
  English word forms (:func:`feedback.text.lexicons.english_forms`; given names
  that are no English word do not count either way) and every word is a word form
  of another configured language (:func:`feedback.text.lexicons.lexicon_languages`),
  it is in the one of those languages lingua rates highest, if lingua rates it at
  least as high as English. "Trop cher" (both words French, neither English) is
  French, though lingua rates German higher; "Alles super" is German ("super" is
  English too, and German, and Dutch; lingua rates German over Dutch); "Prima
  service" stays English (both words are English forms). English typos that are
  foreign words ("crashs" is French) stay English when lingua rates English higher.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from feedback.text.lexicons import LEXICON_LANGUAGES, english_forms, lexicon_languages
from feedback.text.words import english_words, name_evidence

DEFAULT_LANGUAGES = ("en", "fr", "de", "es", "it", "pt", "nl")

# How many times likelier than the primary language another one must be. On the generator's
# English comments (typos included) and hand-collected short comments, English texts lingua
# calls another language sit at 1-4.5 ("No bananas" 4.3), most short foreign ones at 7 and up
# ("Muy mal servicio" 6.9, "Danke" 7.7, "Livraison en retard" 30); the few below ("Perfecto"
# 2.3, "Muy caro" 4.4) lingua cannot tell from English: their words decide (short_comment_language).
# bench/language_short.py counts them.
PRIMARY_MARGIN = 5.0
# Fewer letters than this tell lingua no language ("ok", "Meh", "Thx"): only words can ("Nul").
MIN_LETTERS = 4
# Comments of up to this many words are read word by word when lingua finds no other language.
SHORT_WORDS = 4
# Fewer letters than this tell no language at all ("ok", "Si"): the primary one.
MIN_WORD_LETTERS = 3

_WORD = re.compile(r"[^\W\d_]+")


@lru_cache(maxsize=8)
def _detector(languages: tuple[str, ...]):  # type: ignore[no-untyped-def]
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    chosen = [Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())) for code in languages]
    return LanguageDetectorBuilder.from_languages(*chosen).build()


_DETECT_CHARS = 1000


def detect_language(text: str, languages: Iterable[str] = DEFAULT_LANGUAGES) -> str | None:
    """ISO 639-1 code of the text's language; the primary (first) language without clear evidence of another.

    None only for text without letters (emoji, numbers).
    """
    chosen = tuple(languages)
    # the first 1,000 characters tell the language as well as a whole long e-mail (on the shared
    # e-mail corpus: the same answer for all 1,085 messages as 2,000), at a fraction of the cost
    head = text[:_DETECT_CHARS]
    letters = sum(ch.isalpha() for ch in head)
    if letters < MIN_LETTERS and len(text) > len(head):
        letters = sum(ch.isalpha() for ch in text)
    if letters == 0 or not chosen:
        return None
    if len(chosen) == 1:
        return chosen[0]
    if letters < MIN_WORD_LETTERS:
        return chosen[0]
    if letters < MIN_LETTERS:
        return short_comment_language(head, chosen) or chosen[0]
    found = other_language(head, chosen)
    if found is None:
        return short_comment_language(head, chosen) or chosen[0]
    if chosen[0] != "en":  # the word table below is English
        return found
    # a verdict that rests on a few typos ("staaff") is no evidence: ask again without them
    words = _WORD.findall(head)
    kept = [w for w in words if not w.isascii() or w.lower() in english_words()]
    if len(words) < 2 * len(kept) < 2 * len(words) and other_language(" ".join(kept), chosen) is None:
        return short_comment_language(head, chosen) or chosen[0]
    return found


def other_language(text: str, languages: tuple[str, ...]) -> str | None:
    """The language lingua finds ``PRIMARY_MARGIN`` times likelier than the primary (first) one, if any."""
    confidence = _confidence(text, languages)
    primary = languages[0]
    best = max(confidence, key=lambda code: confidence[code])
    if best == primary or confidence[best] < PRIMARY_MARGIN * confidence.get(primary, 0.0):
        return None
    return best


def short_comment_language(text: str, languages: tuple[str, ...]) -> str | None:
    """Another language a short comment's words are in, when English is the primary one; else None.

    Mostly no English words ("Trop cher"), every word a form of another configured language:
    the likeliest of those languages by lingua, if not less likely than English.
    """
    if languages[0] != "en":  # the word tables are English
        return None
    given, _ = name_evidence()
    english = english_forms()
    words = [w for w in (w.lower() for w in _WORD.findall(text)) if w in english or w not in given]
    if not 0 < len(words) <= SHORT_WORDS or 2 * sum(w not in english for w in words) < len(words):
        return None
    spelled = lexicon_languages(words)
    candidates = [code for code in languages[1:] if code in LEXICON_LANGUAGES and all(code in s for s in spelled)]
    if not candidates:
        return None
    confidence = _confidence(text, languages)
    best = max(candidates, key=lambda code: confidence.get(code, 0.0))
    return best if confidence.get(best, 0.0) >= confidence.get(languages[0], 0.0) else None


def _confidence(text: str, languages: tuple[str, ...]) -> dict[str, float]:
    values = _detector(languages).compute_language_confidence_values(text)
    return {v.language.iso_code_639_1.name.lower(): v.value for v in values}
