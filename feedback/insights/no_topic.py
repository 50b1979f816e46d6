"""Which themes name no topic anyone can act on: the theme engine's fixed catch-all labels.

A theme of "No further comments" and "Good thanks" is "General remarks"; a group whose themes share
nothing is "Mixed comments" (or "Short answers", or "Mixed problems" when they are mostly complaints); a
theme with nothing said twice is "Unclear comments"; one mostly in other languages is "Non-English
comments" or "French comments". Each is
a real share of the comments, but not a driver of a score beside "Refund delays": the score
drivers leave them out of the ranking (:func:`feedback.insights.grouped.source_drivers`, and the
drivers page lists them apart).

The labels are :mod:`feedback.themes.label`'s constants and their variants (given to a second
theme of the same kind, then numbered: "General remarks (2)"); they are repeated here because
that module loads spaCy, and a test checks the two agree. A theme an analyst renames ("Thanks and
praise") is ranked from the next publish on, and read as a topic by the page at once.
"""

from __future__ import annotations

import re
from functools import cache

CATCH_ALL = frozenset({
    "general remarks", "general comments", "assorted remarks",  # label.GENERAL and its variants
    "mixed comments", "mixed remarks", "assorted comments",  # label.OTHER_COMMENTS
    "short answers", "brief answers", "short replies",  # label.NOTHING_SPECIFIC
    "unclear comments", "unclear remarks", "assorted unclear comments",  # label.UNCLEAR
    "non-english comments", "comments in other languages",  # label.OTHER_LANGUAGES
})
_NUMBER = re.compile(r" \(\d+\)$")  # "General remarks (2)": label._unique when the variants are taken
# "Mixed problems", "Assorted questions", "Varied praise": label_words.MIXED, a theme or group whose words are
# each used by a few (examples, not a topic), named by what its comments do; "Mixed verdicts": verdicts.MIXED.
MIXED = re.compile(r"(?:mixed|assorted|varied) (?:problems|complaints|issues|questions|enquiries|queries|requests|"
                   r"suggestions|wishes|praise|compliments|appreciation|comments|feedback|remarks|verdicts|opinions)")


@cache
def _languages() -> frozenset[str]:
    """ "french comments", ...: what label_words.language_label names a theme in one language."""
    from lingua import Language

    return frozenset(f"{language.name.lower()} comments" for language in Language.all()
                     if language.name != "ENGLISH")


def names_no_topic(label: str | None) -> bool:
    """Whether a theme's label is one of the engine's catch-alls (:data:`CATCH_ALL`, numbered or
    not, "Mixed problems" and the like (:data:`MIXED`), or "<Language> comments"): comments that name no
    topic anyone can act on."""
    if not label:
        return False
    text = _NUMBER.sub("", " ".join(label.lower().split()))
    return text in CATCH_ALL or MIXED.fullmatch(text) is not None or text in _languages()
