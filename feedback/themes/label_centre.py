"""The word at a theme's centre, for a theme whose words are each used by a few of its segments.

A theme of short tweets can be about one thing said many ways: "What's the delay?", "Been waiting 30
mins", "7hr late and still continue", "Almost 2 hours on hold". No word is used by a third of it, so
counting words (:mod:`.label`) finds no topic and the theme was named by what its comments do ("Mixed
problems"). Its meaning is still in its vectors: the embedding model puts the word "delay" nearer the
theme's centre than most of the theme's own segments are.

:func:`central_word` is that test, KeyBERT's ranking against the centre with a bar no threshold has
to be tuned for: a word names the theme when it sits inside it, nearer its centre than its median
segment. Only a theme the counting left without a topic pays for it: the engine reads its
representative segments' stored vectors (:func:`.store.stored_encoder`) and embeds its candidate
words, a few short texts. Names never qualify (the caller leaves them out), and a theme of examples
keeps its fallback: among complaints about spoilt food ("The milk was sour", "Bread was stale",
"Eggs arrived cracked") neither "milk" nor "bread" is nearer the centre than the complaints themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from spacy.lang.en.stop_words import STOP_WORDS

from feedback.themes.label_units import Candidate

Encode = Callable[[list[str]], np.ndarray]  # texts -> unit vectors, one row each (Embedder.encode)

MIN_DOCS = 4  # a theme read from fewer segments has no centre worth the name


def central_word(docs: Sequence[str], words: Sequence[Candidate], encode: Encode) -> Candidate | None:
    """The one of ``words`` (each as written: :attr:`Candidate.text`) whose vector is nearest the centre of
    ``docs``' vectors, if it is nearer than the median of ``docs`` is; else None. A stop word ("this", which a
    theme of "Hey @company." writes) or a key not all letters is no topic and never a candidate."""
    words = [w for w in words if w.key.isalpha() and w.key.lower() not in STOP_WORDS]  # never "this" nor "2nd"
    if len(docs) < MIN_DOCS or not words:
        return None
    vectors = _unit(encode([*docs, *(w.text for w in words)]))
    segments, candidates = vectors[:len(docs)], vectors[len(docs):]
    centre = segments.mean(axis=0)
    norm = float(np.linalg.norm(centre))
    if norm == 0.0:
        return None
    centre /= norm
    bar = float(np.median(segments @ centre))
    near = candidates @ centre
    best = int(np.argmax(near))
    return words[best] if float(near[best]) > bar else None


def _unit(vectors: np.ndarray) -> np.ndarray:
    rows = np.asarray(vectors, dtype=np.float64)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return rows / np.where(norms == 0.0, 1.0, norms)
