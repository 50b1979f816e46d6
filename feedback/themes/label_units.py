"""What a theme says, as its label sees it: the candidate phrases of its segments and their shares.

:func:`unit` parses a theme's representative segments (:mod:`.phrases`) into a :class:`Unit`: how
many segments use each phrase, how they wrote it, the theme's tone (its segments' published
sentiment: :mod:`.theme_tone`) and how much of it is in
another language or gives no phrase; :func:`common_ground` makes a parent's from its children's
(a phrase's share is the share of children using it times their mean share). The varied objects of one verb
count as examples, not as the theme's topic (:mod:`.label_examples`: "returned items"). A phrase or saying
holding a person's given name is left out here, so no label or keyword can show it
(:func:`.label_words.names_person`). :class:`Candidate` is one ranked phrase. Used by :mod:`.label`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from feedback.themes import label_examples, label_words, phrases
from feedback.themes.theme_tone import Tones, mean_tone, published_share

NEGATIVE_THEME = -0.1
POSITIVE_THEME = 0.2  # a theme at least this positive is praise (:mod:`.label`)
PROBLEMS = 0.5  # a theme where this share of segments says something was not done ("card not working") is negative


@dataclass
class Unit:
    """A theme (or a parent) as its label sees it."""

    df: Counter[str]  # segments using each phrase key
    share: dict[str, float]  # how much of the theme each key covers, 0..1
    eligible: set[str]  # keys used widely enough to name it
    written: dict[str, Counter[str]]  # key -> how its segments wrote it
    sentiment: float  # mean published segment sentiment (:mod:`.theme_tone`); see :func:`unit`
    docs: list[str]
    foreign: float = 0.0  # share of segments in another language
    bare: float = 0.0  # share of segments that give no phrase ("As above", "Fine")
    size: int = 0  # segments its tone was read from (every segment when their scores were given; else docs)
    children: list[Unit] = field(default_factory=list)


def unit(docs: list[str], parser: Any, tones: Tones | None = None, limit: int | None = None) -> Unit:
    """``docs`` (best first) as a label sees them: phrases from the best ``limit`` (None: all).

    ``tones``: the docs' published sentiment, aligned. The unit's tone is the mean over every
    segment of the theme, as the archive publishes it (:func:`.theme_tone.mean_tone`: the lexicon
    only for segments without a score); without ``tones``, the lexicon's over the best ``limit``
    (what a caller that has no scores can afford). When most of them have no published score, a theme
    where ``PROBLEMS`` of them say something was not done ("didn't turn up until after the slot",
    "the code isn't applying": words the lexicon has no opinion on) is at most ``NEGATIVE_THEME``;
    the head reads those itself, so a theme it scores is left as the archive shows it.
    """
    whole = [label_words.unaddressed(d) for d in docs]  # no @handle nor link: "@VirginTrains Hello."
    docs = whole[:limit]
    mean = mean_tone(whole, tones) if tones is not None else mean_tone(docs)
    read_by_lexicon = tones is None or published_share(whole, tones) < 0.5
    found = [tuple(p for p in doc_phrases if not label_words.names_person(p.text))  # no customer's name
             for doc_phrases in phrases.phrases_many(docs, parser)]
    found = [tuple(_as_staff(p) for p in doc_phrases) for doc_phrases in found]  # "rude employees": "rude staff"
    found = label_examples.generalise(found)  # "returned the lamp/pan/jars" -> "returned items"
    found = label_examples.subjects(found)  # "the peaches/pears/mushrooms never turned up" -> "items never turning up"
    n = max(len(docs), 1)
    need = 2 if len(docs) >= 4 else 1
    used = Counter(key for doc_phrases in found for key in {p.key for p in doc_phrases})
    found = one_order(found)  # "Items missing." and "Missing items again": one phrase
    df: Counter[str] = Counter()
    written: dict[str, Counter[str]] = {}
    for doc_phrases in found:
        df.update({p.key for p in doc_phrases})
        for p in doc_phrases:
            written.setdefault(p.key, Counter())[p.text] += 1
    problems = sum(any(" not " in p.key for p in doc_phrases) for doc_phrases in found) / n if read_by_lexicon else 0.0
    return Unit(
        df=df, share={k: c / n for k, c in df.items()},
        eligible={k for k, c in df.items() if c >= need and max(used[k], used[_reversed(k)]) >= need},
        written=written, sentiment=min(mean, NEGATIVE_THEME) if problems >= PROBLEMS else mean, docs=docs,
        foreign=sum(phrases.is_foreign(d) for d in docs) / n, bare=sum(not found_ for found_ in found) / n,
        size=len(whole) if tones is not None else len(docs),
    )


def _reversed(key: str) -> str:
    words = key.split()
    return f"{words[1]} {words[0]}" if len(words) == 2 else key


def one_order(found: Sequence[tuple[phrases.Phrase, ...]]) -> list[tuple[phrases.Phrase, ...]]:
    """``found`` (each segment's phrases) with a two-word phrase written in both orders in the theme ("missing
    items", "items missing"; "delivery late", "late delivery") under one key: the order more of its segments use
    (on a tie, the first in alphabetical order). Each keeps how it was written; the label is then written the way
    most of them wrote it. (:func:`unit` still asks one order alone to be used widely enough to name a theme: two
    segments writing it once each way make no candidate, "cancelling order" beside "order cancelled".) Apart, each order's share was a part of the theme's ("No substitute" named a theme of
    "Missing items again!!" and "Items missing.", where "no substitute" was in 4 of 14 segments and the two orders
    together in 12)."""
    uses: Counter[str] = Counter(key for doc_phrases in found for key in {p.key for p in doc_phrases})
    key_of: dict[str, str] = {}
    for key in uses:
        other = _reversed(key)
        if other != key and other in uses:
            key_of[key] = min((key, other), key=lambda k: (-uses[k], k))
    if not key_of:
        return list(found)
    return [tuple(replace(p, key=key_of.get(p.key, p.key)) for p in doc_phrases) for doc_phrases in found]


# Other words for the people who work for the company, counted as the word feedback uses most: a theme where
# some write "staff" and as many "employees" is about the staff (complaint tweets: "Member of staff", from 3 of
# 30 segments, named a theme of rude staff and employees).
_STAFF_KEYS = {"employee": "staff", "worker": "staff", "staffer": "staff"}
_STAFF_WRITTEN = re.compile(r"\b(?:employees?|workers?|staffers?)\b", re.IGNORECASE)


def _as_staff(phrase: phrases.Phrase) -> phrases.Phrase:
    words = phrase.key.split()
    if not any(w in _STAFF_KEYS for w in words):
        return phrase
    return replace(phrase, key=" ".join(_STAFF_KEYS.get(w, w) for w in words),
                   text=_STAFF_WRITTEN.sub("staff", phrase.text))


def common_ground(children: list[Unit]) -> Unit:
    """A parent: a key's share is the share of children using it times their mean share."""
    df: Counter[str] = Counter()
    written: dict[str, Counter[str]] = {}
    covered: Counter[str] = Counter()
    for child in children:
        df.update(child.df)
        covered.update(child.df.keys())
        for key, ways in child.written.items():
            written.setdefault(key, Counter()).update(ways)
    n = max(len(children), 1)
    share = {k: (covered[k] / n) * sum(c.share.get(k, 0.0) for c in children) / n for k in df}
    need = 2 if len(children) >= 2 else 1
    docs = [d for c in children for d in c.docs]
    weights = [c.size or len(c.docs) for c in children]  # as the archive sums a parent's sentiment: by segments
    mean = sum(c.sentiment * w for c, w in zip(children, weights, strict=True)) / max(sum(weights), 1)
    return Unit(df=df, share=share, eligible={k for k in df if covered[k] >= need}, written=written,
                 sentiment=mean, docs=docs, foreign=sum(phrases.is_foreign(d) for d in docs) / max(len(docs), 1),
                 bare=sum(c.bare * len(c.docs) for c in children) / max(len(docs), 1), children=children,
                 size=sum(weights))


@dataclass(frozen=True)
class Candidate:
    key: str
    text: str  # as most segments wrote it
    score: float
    share: float

    @property
    def words(self) -> int:
        return self.key.count(" ") + 1
