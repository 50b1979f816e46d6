"""Examples, not topics: the objects of one verb that each segment of a theme names differently.

"I returned the table lamp on Monday and haven't seen a penny back", "I returned the frying pan on
Sunday ...", "I returned the storage jars ...": the theme is about returning things, and the lamp,
the pan and the jars are examples. Counted as phrases, the object a few segments share ("table
lamp", also in "The table lamp arrived cracked") outscores what the segments have in common, and
the theme is named after an incidental object.

:func:`generalise` reads a theme's phrases per segment (:mod:`.phrases`, whose verb phrases carry
their verb): a verb whose objects vary (at least ``OBJECTS`` different ones, none the object of more
than ``MOST_OF`` of its uses: examples, not one thing) gives each of those segments the phrase of the
verb with things in general ("returned items"), and the object in them no longer counts for the
theme (its own phrases, "table lamp", "lamp", are dropped from those segments). A verb with mostly one
object ("cancelled my order") keeps it: that object is the topic.

The same holds for the subjects of what was not done ("the peaches never turned up", "the mushrooms never turned
up", "the pears never turned up": :func:`subjects`): varied subjects of one predicate are examples, and each of
those segments has the phrase of things in general with it ("items never turning up").
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

from feedback.themes.phrases import Phrase

OBJECTS = 3  # different objects of one verb that make them examples
MOST_OF = 1 / 3  # ... when none is the object of more than this share of the verb's uses
THINGS = "items"  # what the examples are in general ("returned items")


def generalise(found: Sequence[tuple[Phrase, ...]]) -> list[tuple[Phrase, ...]]:
    """``found`` (each segment's phrases) with varied objects of a verb read as examples."""
    objects: dict[str, Counter[str]] = defaultdict(Counter)
    written: dict[str, Counter[str]] = defaultdict(Counter)
    for doc_phrases in found:
        for verb, obj, p in _verb_objects(doc_phrases):
            objects[verb][obj] += 1
            written[verb][p.verb] += 1
    varied = {verb for verb, objs in objects.items()
              if len(objs) >= OBJECTS and max(objs.values()) <= MOST_OF * sum(objs.values())}
    if not varied:
        return list(found)
    out = []
    for doc_phrases in found:
        examples = {(verb, obj) for verb, obj, _ in _verb_objects(doc_phrases) if verb in varied}
        if not examples:
            out.append(tuple(doc_phrases))
            continue
        dropped = {obj for _, obj in examples}
        kept = [p for p in doc_phrases if not _part_of(p.key, dropped)]
        general = [Phrase(f"{verb} item", f"{written[verb].most_common(1)[0][0]} {THINGS}")
                   for verb in sorted({verb for verb, _ in examples})]
        out.append(tuple(dict.fromkeys([*kept, *general])))
    return out


def subjects(found: Sequence[tuple[Phrase, ...]]) -> list[tuple[Phrase, ...]]:
    """``found`` (each segment's phrases) with varied subjects of one thing not done read as examples."""
    told: dict[str, Counter[str]] = defaultdict(Counter)
    written: dict[str, Counter[str]] = defaultdict(Counter)
    for doc_phrases in found:
        for said, subject, text in _subject_sayings(doc_phrases):
            told[said][subject] += 1
            written[said][text] += 1
    varied = {said for said, subs in told.items()
              if len(subs) >= OBJECTS and max(subs.values()) <= MOST_OF * sum(subs.values())}
    if not varied:
        return list(found)
    out = []
    for doc_phrases in found:
        examples = {(said, subject) for said, subject, _ in _subject_sayings(doc_phrases) if said in varied}
        if not examples:
            out.append(tuple(doc_phrases))
            continue
        dropped = {subject for _, subject in examples}
        kept = [p for p in doc_phrases if not (p.subject in dropped or _part_of(p.key, dropped))]
        general = [Phrase(f"item {said}", f"{THINGS} {written[said].most_common(1)[0][0]}")
                   for said in sorted({said for said, _ in examples})]
        out.append(tuple(dict.fromkeys([*kept, *general])))
    return out


def _subject_sayings(doc_phrases: Sequence[Phrase]) -> list[tuple[str, str, str]]:
    """(what was said of the subject, the subject's key, that as written) of each phrase with a subject:
    "peaches never turning up" -> ("never turn up", "peach", "never turning up")."""
    found = []
    for p in doc_phrases:
        if p.subject and p.key.startswith(p.subject + " "):
            found.append((p.key[len(p.subject) + 1:], p.subject, " ".join(p.text.split()[len(p.subject.split()):])))
    return found


def _verb_objects(doc_phrases: Sequence[Phrase]) -> list[tuple[str, str, Phrase]]:
    """(verb key, object key, phrase) of each verb phrase: "return table lamp" -> ("return", "table lamp")."""
    found = []
    for p in doc_phrases:
        if p.verb and " " in p.key:
            verb, obj = p.key.split(" ", 1)
            found.append((verb, obj, p))
    return found


def _part_of(key: str, objects: set[str]) -> bool:
    """ "table lamp" and "lamp" are part of the object "table lamp"; so is "returned table lamp"."""
    return any(key == obj or obj.endswith(" " + key) or key.endswith(" " + obj) for obj in objects)
