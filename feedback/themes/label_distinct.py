"""A label another theme already has: what a person would name the second theme instead of "(2)".

:func:`distinct` is the last step of choosing a label (:mod:`.label`): when the label found for a
theme is taken (a sibling's, a parent's, an analyst's pinned one), a person names the second theme
by what tells it apart, in this order:

- another name for a fixed label ("Unclear remarks" for a second "Unclear comments");
- its own next-best phrase of two words or more that no theme has (eligible candidates, best first);
  before any other way (:func:`qualified`, called first by :mod:`.label`), when that phrase scores
  under ``NEXT`` of the taken one, the taken phrase with the word that tells it apart;
- the taken phrase with a word its own segments put in front of its head ("Friendly till staff"
  when "Friendly staff" is a sibling's), or another phrase of its segments holding that head
  ("Staff at the weekend"), used by at least one of them;
- its head with what its comments do, when a third of it uses the head ("Staff praise", "Staff
  problems", ...; :func:`.label_words.topic_phrase`), else what its comments do when its words are
  each used by a few ("Mixed comments", "Assorted problems": :func:`.label_words.mixed_phrase`);
- only then a number ("Friendly staff (2)"); bench/labels_replay.py counts how often.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from feedback.themes import label_words, sayings
from feedback.themes.label_units import NEGATIVE_THEME, Candidate, Unit

POSITIVE_THEME = 0.2  # as in :mod:`.label`
NEXT = 0.5  # a theme whose best phrase is taken is named by its next when that scores this share of it
QUALIFIER = 0.25  # ... else by the taken phrase with a word this share of it uses ("Friendly till staff")
TOPIC_WORD = 0.35  # a third of the theme uses the head: its topic, not an example


def distinct(label: str, used: set[str], unit: Unit | None = None, ranked: Sequence[Candidate] = (),
             variants: Mapping[str, Sequence[str]] | None = None) -> str:
    """``label`` if no theme has it, else what tells this theme apart (see the module docstring)."""
    if norm(label) not in used:
        return label
    other = next((v for v in (variants or {}).get(norm(label), []) if norm(v) not in used), None)
    if other:
        return other
    for text in _instead(label, used, unit, ranked) if unit is not None else ():
        if text and norm(text) not in used and not label_words.names_person(text):
            return text
    n = 2
    while norm(f"{label} ({n})") in used:
        n += 1
    return f"{label} ({n})"


def qualified(ranked: Sequence[Candidate], unit: Unit, used: set[str]) -> tuple[str, list[Candidate]] | None:
    """When a theme's best phrase is taken ("friendly staff") and it has no other phrase scoring
    ``NEXT`` of it: that phrase with the word that tells this theme apart, as one of its segments
    wrote it ("Friendly till staff", "Friendly staff on phone"): a phrase holding all its words and
    one more that ``QUALIFIER`` of the theme writes ("till", "phone"); the most used, then the shortest."""
    if not ranked or ranked[0].words < 2 or (ranked[0].key not in used and norm(ranked[0].text) not in used):
        return None
    best = ranked[0]
    if any(c.words > 1 and c.score >= NEXT * best.score for c in ranked[1:]
           if c.key not in used and norm(c.text) not in used):
        return None  # its next-best phrase names it
    words = best.key.split()
    found = []
    for key in unit.df:
        extra = [w for w in key.split() if w not in words and w not in _LINKS]
        text = sayings.most_written(unit.written[key])
        if (all(w in key.split() for w in words) and len(extra) == 1 and len(text.split()) <= 4
                and _coverage(extra[0], unit.docs) >= QUALIFIER and key not in used and norm(text) not in used):
            found.append((key, text))
    if not found:
        return None
    key, text = min(found, key=lambda kt: (-unit.df[kt[0]], len(kt[1].split()), kt[0]))
    return sayings.capitalise(text), [Candidate(key, text, 0.0, unit.share[key])]


def _coverage(word: str, docs: Sequence[str]) -> float:
    """The share of ``docs`` that write ``word`` (or its plural), in a phrase or not ("till staff", "tills")."""
    pattern = re.compile(rf"\b{re.escape(word)}(?:s|es)?\b", re.IGNORECASE)
    return sum(bool(pattern.search(d)) for d in docs) / max(len(docs), 1)


_LINKS = {"of", "for", "with", "at", "on", "in", "the"}  # a complement's linking words (:mod:`.phrases`)


def _instead(label: str, used: set[str], unit: Unit, ranked: Sequence[Candidate]) -> list[str | None]:
    found: list[str | None] = [sayings.capitalise(c.text) for c in ranked
                               if c.words > 1 and c.key not in used and norm(c.text) not in used]
    words = norm(label).split()
    head = _key_of(words[-1], unit)
    if head is None:  # not a phrase of this theme (a fixed label): what its comments do
        return [*found, _mixed(unit, used)]
    qualified = [k for k in unit.df if k != head and head in k.split() and k not in used
                 and len(sayings.most_written(unit.written[k]).split()) <= 4]
    qualified.sort(key=lambda k: (-_holds(k, words), -unit.df[k], len(k), k))  # the label's words kept first
    found += [sayings.capitalise(sayings.most_written(unit.written[k])) for k in qualified]
    written = sayings.most_written(unit.written[head])
    topic = label_words.topic_phrase(head, unit.docs, unit.sentiment, NEGATIVE_THEME, written, POSITIVE_THEME, used)
    mixed = _mixed(unit, used)
    found += [topic, mixed] if unit.share.get(head, 0.0) >= TOPIC_WORD else [mixed, topic]
    return found


def _key_of(word: str, unit: Unit) -> str | None:
    """The theme's key for a label's last word ("staff"; "delays" -> "delay"), None if it has none."""
    for key in (word, word[:-1] if word.endswith("s") else None):
        if key and key in unit.df and " " not in key:
            return key
    return next((k for k, ways in unit.written.items() if " " not in k and any(w.lower() == word for w in ways)), None)


def _holds(key: str, words: list[str]) -> int:
    return sum(w in key.split() for w in words)


def _mixed(unit: Unit, used: set[str]) -> str | None:
    return label_words.mixed_phrase(unit.docs, unit.sentiment, NEGATIVE_THEME, POSITIVE_THEME, used)


def norm(label: str) -> str:
    return " ".join(label.lower().split())
