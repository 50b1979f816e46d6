"""Per-comment text signals that need no model download: language and sentiment.

Language comes from lingua (an n-gram detector built for short text), limited to
the languages a company expects, so that a three-word comment is not called
Latvian. Sentiment comes from VADER, a lexicon and rule model built for short
informal text; it is English-only, so other languages get no score rather
than a wrong one.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

DEFAULT_LANGUAGES = ("en", "fr", "de", "es", "it", "pt", "nl")


@lru_cache(maxsize=8)
def _detector(languages: tuple[str, ...]):  # type: ignore[no-untyped-def]
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    chosen = [Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())) for code in languages]
    return (
        LanguageDetectorBuilder.from_languages(*chosen)
        .with_minimum_relative_distance(0.05)
        .with_low_accuracy_mode()
        .build()
    )


def detect_language(text: str, languages: Iterable[str] = DEFAULT_LANGUAGES) -> str | None:
    """ISO 639-1 code of the text's language, or None when the text is too short to tell."""
    letters = sum(ch.isalpha() for ch in text)
    if letters < 3:
        return None
    found = _detector(tuple(languages)).detect_language_of(text)
    return None if found is None else found.iso_code_639_1.name.lower()


@lru_cache(maxsize=1)
def _vader():  # type: ignore[no-untyped-def]
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def sentiment(text: str, language: str | None = "en") -> float | None:
    """Sentiment from -1 (negative) to 1 (positive); None for languages the lexicon does not cover."""
    if language not in (None, "en") or not text.strip():
        return None
    return round(float(_vader().polarity_scores(text)["compound"]), 4)
