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
object ("cancelled my order") keeps it: that object is the topic. Only a verb done to goods (:data:`GOODS_VERBS`:
returned, ordered, sent, lost, ...) has things in general for its objects: "fix this issue / the process / the
problem" are no items (complaint tweets: "Fix items", "Contact items", "Check items" named three themes).

The same holds for the subjects of what was not done ("the peaches never turned up", "the mushrooms never turned
up", "the pears never turned up": :func:`subjects`): varied subjects of one predicate are examples, and each of
those segments has the phrase of things in general with it ("items never turning up").
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence

from feedback.themes.phrase_words import THINGS
from feedback.themes.phrases import Phrase

OBJECTS = 3  # different objects of one verb that make them examples
MOST_OF = 1 / 3  # ... when none is the object of more than this share of the verb's uses
# Verbs whose objects are goods (lemmas, as phrase keys write them): their varied objects are examples of items.
GOODS_VERBS = frozenset({"return", "order", "buy", "purchase", "receive", "send", "deliver", "pack", "miss", "damage",
                         "break", "crush", "replace", "exchange", "swap", "substitute", "bring", "forget", "leave",
                         "drop", "lose", "refund", "collect", "pick", "get", "ship", "stock", "sell"})


def generalise(found: Sequence[tuple[Phrase, ...]]) -> list[tuple[Phrase, ...]]:
    """``found`` (each segment's phrases) with varied objects of a verb read as examples."""
    return _as_examples(found, _verb_objects, lambda verb, written: Phrase(f"{verb} item", f"{written} {THINGS}"))


def subjects(found: Sequence[tuple[Phrase, ...]]) -> list[tuple[Phrase, ...]]:
    """``found`` (each segment's phrases) with varied subjects of one thing not done read as examples."""
    return _as_examples(found, _subject_sayings, lambda said, written: Phrase(f"item {said}", f"{THINGS} {written}"))


def _as_examples(found: Sequence[tuple[Phrase, ...]], uses: Callable[[Sequence[Phrase]], list[tuple[str, str, str]]],
                 general: Callable[[str, str], Phrase]) -> list[tuple[Phrase, ...]]:
    """``found`` with the examples of each varied use read as things in general: ``uses`` gives a segment's (what is
    done, to or by what, how the doing is written), ``general`` the phrase of the doing with things in general."""
    examples_of: dict[str, Counter[str]] = defaultdict(Counter)
    written: dict[str, Counter[str]] = defaultdict(Counter)
    for doc_phrases in found:
        for done, example, how in uses(doc_phrases):
            examples_of[done][example] += 1
            written[done][how] += 1
    varied = {done for done, seen in examples_of.items()
              if len(seen) >= OBJECTS and max(seen.values()) <= MOST_OF * sum(seen.values())}
    if not varied:
        return list(found)
    out = []
    for doc_phrases in found:
        examples = {(done, example) for done, example, _ in uses(doc_phrases) if done in varied}
        if not examples:
            out.append(tuple(doc_phrases))
            continue
        dropped = {example for _, example in examples}
        kept = [p for p in doc_phrases if not (p.subject in dropped or _part_of(p.key, dropped))]
        made = [general(done, written[done].most_common(1)[0][0]) for done in sorted({done for done, _ in examples})]
        out.append(tuple(dict.fromkeys([*kept, *made])))
    return out


def _verb_objects(doc_phrases: Sequence[Phrase]) -> list[tuple[str, str, str]]:
    """(verb key, object key, the verb as written) of each verb phrase: "returned table lamp" -> ("return", "table
    lamp", "returned")."""
    found = []
    for p in doc_phrases:
        if p.verb and " " in p.key:
            verb, obj = p.key.split(" ", 1)
            if verb in GOODS_VERBS:
                found.append((verb, obj, p.verb))
    return found


def _subject_sayings(doc_phrases: Sequence[Phrase]) -> list[tuple[str, str, str]]:
    """(what was said of the subject, the subject's key, that as written) of each phrase with a subject:
    "peaches never turning up" -> ("never turn up", "peach", "never turning up")."""
    found = []
    for p in doc_phrases:
        if p.subject and p.key.startswith(p.subject + " "):
            found.append((p.key[len(p.subject) + 1:], p.subject, " ".join(p.text.split()[len(p.subject.split()):])))
    return found


def _part_of(key: str, objects: set[str]) -> bool:
    """ "table lamp" and "lamp" are part of the object "table lamp"; so is "returned table lamp"."""
    return any(key == obj or obj.endswith(" " + key) or key.endswith(" " + obj) for obj in objects)
