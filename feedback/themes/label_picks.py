"""Which word, or which longer phrase, names a theme its labeller is left choosing between (:mod:`.label`).

- :func:`topic`: a word that is a theme's topic, not an example of it ("train" in 28 % of tweets whose other words
  are stations; not "butter" where each segment names another food);
- :func:`thing_at`: a phrase that is the thing every segment naming a place has there ("payment on banking app"
  over "banking app");
- :func:`said_topics`: the words of what most segments say that the theme uses ("driver" in "The driver was
  lovely");
- :func:`second_word`: the second word a theme named by one takes ("Milk and fridge").
"""

from __future__ import annotations

from feedback.themes import label_words, parent_words, sayings
from feedback.themes.label_units import Candidate, Unit

TOPIC_WORD = 0.35  # a theme named by one word and a head ("Bus questions") uses it this much, else it is an example
ALONE = 0.2  # ... or this much, when no other word (not a name) is used half as much (:func:`topic`)
PAIR = 0.5  # a theme is named by two words when the second scores this share of the first
LEAF_PAIR = 0.25  # a theme left with one word is named by two when each is used by this share of it


_AT = ("on", "in", "at", "from", "of")


def thing_at(longer: Candidate, place: Candidate) -> bool:
    """Whether ``longer`` is one thing at ``place`` ("payment on banking app", "fruit in plastic trays"): of at
    most four words, one word before a preposition before ``place``'s words, that word a topic (not a time, a
    number of minutes, nor a vague word)."""
    from feedback.themes.phrases import TIME_WORDS

    words = longer.text.lower().split()
    if len(words) > 4 or len(words) < 3 or words[1] not in _AT or " ".join(words[2:]) != place.text.lower():
        return False
    return words[0] not in TIME_WORDS and not parent_words.vague(words[0]) and words[0].isalpha()


def topic(word: Candidate, ranked: list[Candidate], unit: Unit) -> bool:
    """Whether a word a theme is left with is its topic, not an example: used by ``TOPIC_WORD`` of its segments,
    or by ``ALONE`` and twice as much as any other word not a name ("train" in 28 % of tweets whose other words are
    stations: Euston, Ipswich; "car" in 23 %, beside Chrysler, VW and "dealerships" in 7 %)."""
    if word.share >= TOPIC_WORD:
        return True
    return word.share >= ALONE and all(
        2 * c.share <= word.share for c in ranked
        if c.words == 1 and c.key != word.key and not label_words.is_name(c.key, unit.docs))


_PEOPLE = {"people", "person", "someone", "anyone", "everyone", "customer", "guy", "lady", "man", "woman"}


def said_topics(said: str, unit: Unit, free: list[Candidate]) -> list[Candidate]:
    """The words of ``said`` the theme uses (nouns or verbs the phrases found: "driver" in "The
    driver was lovely"), not names, most used first, then the most distinctive ("substitution"
    before "order")."""
    words = {w.strip(".,!?;:'\"").lower() for w in said.split()}
    found = [k for k in unit.eligible if " " not in k and not label_words.is_name(k, unit.docs) and k not in _PEOPLE
             and (k in words or k + "s" in words or any(w in words for w in unit.written[k]))]
    rank = {c.key: i for i, c in enumerate(free)}
    found.sort(key=lambda k: (-unit.share[k], rank.get(k, len(rank)), k))
    return [Candidate(k, sayings.most_written(unit.written[k]), 0.0, unit.share[k]) for k in found]


def second_word(free: list[Candidate], pick: Candidate) -> Candidate | None:
    """A theme named by one word takes a second that is as much its own ("Milk and fridge",
    "Salary and income"): used by ``LEAF_PAIR`` of its segments or more, as is the first, scoring
    ``PAIR`` of it, and not the same word written longer ("app", "application"). Words only a few
    segments use are examples ("Onions and flour"), not what the theme is about; a word that names no
    topic alone ("ages", "couple", "noon": :func:`.parent_words.vague`) is never the second."""
    if pick.share < LEAF_PAIR:
        return None
    for c in free:
        if (c.words == 1 and c.key != pick.key and c.share >= LEAF_PAIR and c.score >= PAIR * pick.score
                and not parent_words.same_word(c.key, pick.key) and not parent_words.vague_word(c)):
            return c
    return None
