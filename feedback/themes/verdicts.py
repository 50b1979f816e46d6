"""Groups of verdicts: what customers think of the whole thing, with no topic named.

Reviews close with a verdict ("i love it!", "i was very disappointed.", "i'm returning it.", "highly
recommend!"). Such segments share no topic, so a group of them has no common ground to be named by, and
was named by whatever few of its segments shared ("Store and quality" over "i love it!" and "sadly i had
to return it"). A parent most of whose segments are verdicts is "Overall verdicts" (:mod:`.label`).

A verdict is a segment whose content words (not stop words) are all opinion words (any word the lexicon
gives a valence: "love", "disappointed", "great") or words of buying, keeping, returning and
recommending, or that says nothing about a topic at all (:func:`.label_words.says_nothing`: "Made my
day"); not one asking for help ("Please help", "Can you help me?"). A segment that names a person ("[NAME] was
really helpful") or describes people ("Everyone was really friendly") is about the staff, not a verdict.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from feedback.text.sentiment import PEOPLE_WORDS  # how someone was: about the staff, no verdict

if TYPE_CHECKING:
    from feedback.themes.label_units import Unit

VERDICTS = 0.5  # share of a parent's segments that are verdicts for it to be named as a group of verdicts
OVERALL = ["Overall verdicts", "Overall opinions", "Overall impressions"]

# Buying, keeping, returning and recommending the thing, and the words a verdict is said with.
_VERDICT_WORDS = frozenset({
    "recommend", "recommended", "recommending", "return", "returns", "returned", "returning", "keep", "keeping",
    "kept", "buy", "buying", "bought", "purchase", "purchased", "purchasing", "order", "ordered", "worth",
    "overall", "experience", "item", "product", "thing", "things", "piece", "pair", "ones", "highly",
    "definitely", "absolutely", "totally", "sadly", "actually", "probably", "truly", "honestly", "really",
    "ended", "end", "going", "decided", "bit", "little", "pretty", "super", "extremely", "wanted", "wish",
    "hoped", "expected", "expecting", "time", "times", "second", "arrived", "arrive", "received", "receive",
    "came", "got", "finally", "immediately", "opened",
})
_TOKEN = re.compile(r"[a-z][a-z'’]*")
# Asking for help is no verdict, though the lexicon gives "help" and "please" a valence ("Please help", "Can you help
# me?": the complaint tweets' requests for help were an entry named "Overall opinions").
_ASKED = frozenset({"help", "please", "pls", "plz", "assist", "assistance", "advice", "advise"})
_PLACEHOLDER = re.compile(r"\[[A-Z]+\]")


def verdict(doc: str) -> bool:
    """Whether a segment is a verdict on the whole thing ("i love it!", "sadly i had to return it", "not too
    bad."), naming no topic."""
    from feedback.themes.label_words import STOP_WORDS, says_nothing

    if _PLACEHOLDER.search(doc):  # names someone, or leaves a number
        return False
    words = [w for w in _TOKEN.findall(doc.lower().replace("’", "'")) if w not in STOP_WORDS]
    if _ASKED.intersection(words):
        return False
    if says_nothing(doc):
        return True
    return bool(words) and all(w in _VERDICT_WORDS or (_opinion(w) and w not in PEOPLE_WORDS) for w in words)


def verdict_share(docs: Sequence[str]) -> float:
    """The share of ``docs`` (a group's segments) that are verdicts (:func:`verdict`)."""
    return sum(map(verdict, docs)) / len(docs) if docs else 0.0


def group_share(unit: Unit) -> float:
    """The share of a group's segments that are verdicts, each child's share weighed by its size (as the archive
    sums a parent's sentiment), or over its segments when it has no children."""
    kids = [(verdict_share(child.docs), child.size or len(child.docs)) for child in unit.children if child.docs]
    if not kids:
        return verdict_share(unit.docs)
    return sum(share * size for share, size in kids) / max(sum(size for _, size in kids), 1)


MIXED = ["Mixed verdicts", "Mixed opinions"]  # a theme of verdicts both ways


def leaf_names(docs: Sequence[str], tone: float, negative: float, positive: float) -> list[str] | None:
    """The names of a theme no phrase names whose segments are mostly verdicts (at least :data:`VERDICTS` of
    ``docs``), by its ``tone``: "General dissatisfaction" at most ``negative`` ("so sad this didn't work", "I'm so
    disappointed", "i don't love it"), "General praise" at least ``positive``, else "Mixed verdicts"; the first name
    is the speech act's (:data:`.speech_acts.SPEECH_ACTS`), the rest for siblings. None when they are not verdicts
    holding an opinion ("yes please", "sure" say nothing: no praise)."""
    from feedback.themes.label_words import says_nothing
    from feedback.themes.speech_acts import SPEECH_ACTS

    if not docs or sum(verdict(d) and not says_nothing(d) for d in docs) / len(docs) < VERDICTS:
        return None

    act = "General dissatisfaction" if tone <= negative else "General praise" if tone >= positive else None
    return next(names for names, _ in SPEECH_ACTS if names[0] == act) if act else MIXED


@lru_cache(maxsize=8192)
def _opinion(word: str) -> bool:
    """Whether the lexicon gives ``word`` a valence on its own ("love", "disappointed", "horrible")."""
    from feedback.text.sentiment import vader_scores

    return vader_scores(word)[3] != 0
