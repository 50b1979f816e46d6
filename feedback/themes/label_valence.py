"""How positive or negative a label phrase is, for choosing labels that name a theme's problem.

A word's valence is VADER's (on its -4..4 scale) with the service lexicon's and
:data:`PROBLEM_LEXICON`'s words on top; a phrase's is its strongest word's, turned round by "no" and
"not". Used by :mod:`.phrases` (problem verbs), :mod:`.label` (a theme's tone) and :mod:`.label_words`.
"""

from __future__ import annotations

from functools import lru_cache

from feedback.text.sentiment import SERVICE_LEXICON

# Quantifiers that carry the point of a request or a complaint ("no reply", "more tills");
# allowed as the first word of a noun phrase although they are stop words.
QUANTIFIERS = {"no", "more", "fewer", "less", "extra"}
# Problem words the sentiment lexicons have no opinion on (valences on VADER's -4..4 scale).
PROBLEM_LEXICON = {
    "slow": -1.2, "slower": -1.2, "declined": -1.5, "decline": -1.2, "rejected": -1.5, "failed": -1.8,
    "fails": -1.8, "failing": -1.8, "fail": -1.8, "unable": -1.2, "confusing": -1.5, "unclear": -1.2,
    "difficult": -1.2, "hard": -0.8, "unresponsive": -1.8, "stuck": -1.2, "split": -1.2, "burst": -1.5,
    "leaked": -1.6, "leak": -1.5, "unavailable": -1.2, "out-of-stock": -1.2, "dirty": -1.8,
    "long": -0.5, "lengthy": -1.0, "charged": -0.8, "lost": -1.3, "cancel": -1.0, "cancelling": -1.0,
    "freeze": -1.6, "froze": -1.6, "frozen": -0.5, "hanging": -1.0, "substituted": -0.8,
    "refused": -1.5, "disappointing": -1.9, "messy": -1.3, "rushed": -1.0, "short-dated": -1.5,
}  # fmt: skip


# What a customer is owed, though VADER or the service lexicon rate the word negative ("warning" -1.4, "refund" -0.6):
# its absence is the problem ("no warning", "no refund"), not a relief as "no problems", "no delay" are.
OWED = frozenset({"warning", "warnings", "refund", "refunds"})


@lru_cache(maxsize=1)
def _lexicon() -> dict[str, float]:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return {**SentimentIntensityAnalyzer().lexicon, **SERVICE_LEXICON, **PROBLEM_LEXICON}


def word_valence(word: str) -> float:
    return float(_lexicon().get(word.lower(), 0.0))


def valence(text: str) -> float:
    """A phrase's valence on VADER's -4..4 scale: its strongest word; "no" and "not" turn it round.

    "late delivery" -1.8, "friendly staff" 2.0, "no reply" -1.0, "no complaints" 1.7,
    "offer not applied" -1.0; "no warning" -1.4 and "no refund" -0.6 (:data:`OWED`: missing, not spared).
    """
    words = text.lower().split()
    scores = [word_valence(w) for w in words if w not in QUANTIFIERS and w != "not"]
    strongest = max(scores, key=abs, default=0.0)
    if words and (words[0] == "no" or "not" in words):
        if OWED.intersection(words):
            return -abs(strongest)
        return -strongest if strongest else -1.0
    return strongest
