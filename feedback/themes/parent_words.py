"""How a parent theme's shared words become a label a person would write (used by :mod:`.label`).

A parent is named from its children's common ground (:func:`.label_units.common_ground`); when
that is one or two words, these decide the phrase:

- :func:`vague`: a word that names no topic on its own ("number" in "my number is", "call me on
  this number", "number 34 in the queue"; "items", "thing"): never a parent's topic word, so the next
  shared word names it ("Phone and chat", not "Number and chat");
- :func:`pair`: two shared words, with the problem when most of the group complains ("Checkout and
  refund problems"), else as they are ("Prices and value");
- :func:`both_ways`: one word whose children go both ways, some mostly complaints and some mostly
  praise ("Buggy app", "Simple app"): "App problems and praise", not "App comments".
"""

from __future__ import annotations

from collections.abc import Sequence

# Nouns that stand for something else in feedback ("number": a phone number, a place in a queue,
# an order number; "items": whatever was ordered) and say nothing about a topic alone.
VAGUE = frozenset({"number", "numbers", "item", "items", "thing", "things", "stuff", "problem", "problems",
                   "issue", "issues", "person", "people", "one", "lot", "way", "kind", "sort", "part"})
BOTH_WAYS = 0.25  # share of a parent's segments in mostly negative children, and in mostly positive ones


def vague(key: str) -> bool:
    """Whether a single word names no topic on its own (:data:`VAGUE`)."""
    return key.lower() in VAGUE


def pair(first: str, second: str, sentiment: float, negative: float) -> str:
    """ "<first> and <second>", with " problems" when the group's mean sentiment is at most
    ``negative`` (a group of complaints is named by what goes wrong, as a single topic is)."""
    text = f"{first} and {second}"
    text = f"{text} problems" if sentiment <= negative else text
    return text[:1].upper() + text[1:]


def both_ways(topic: str, children: Sequence[tuple[float, int]], negative: float, positive: float) -> str | None:
    """ "<topic> problems and praise" when at least ``BOTH_WAYS`` of the segments are in children
    (mean sentiment, segments) at most ``negative`` and as many in children at least ``positive``;
    else None."""
    total = sum(n for _, n in children)
    if not total:
        return None
    low = sum(n for s, n in children if s <= negative) / total
    high = sum(n for s, n in children if s >= positive) / total
    if low < BOTH_WAYS or high < BOTH_WAYS:
        return None
    return f"{topic[:1].upper()}{topic[1:]} problems and praise"
