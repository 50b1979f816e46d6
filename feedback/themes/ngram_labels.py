"""Theme labels without spaCy's English pipeline: class-based TF-IDF over lemma n-grams.

:func:`class_terms` counts each theme's lemma phrases, :func:`ctfidf` ranks them (a term's
share of the theme's segments times c-TF-IDF's rarity, longer terms a little ahead), and
:func:`choose_labels` picks distinct labels in priority order. :mod:`.label` uses these when
the parser is missing; a theme with no term is named by :func:`commonest_text`.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from feedback.text import segments as nlp
from feedback.themes import sayings

PHRASE_BONUS = 0.3  # per extra word
MAX_DOCS_PER_THEME = 1500


@dataclass(frozen=True)
class Labelling:
    """A theme's label and keywords (both labellers return these; :mod:`.label` re-exports it)."""

    label: str
    keywords: list[str]


def class_terms(docs_by_theme: Mapping[Any, Sequence[str]]) -> dict[Any, tuple[Counter[str], Counter[str]]]:
    """Per theme: (term frequency, document frequency) of its lemma phrases."""
    out: dict[Any, tuple[Counter[str], Counter[str]]] = {}
    for theme, docs in docs_by_theme.items():
        docs = list(docs)[:MAX_DOCS_PER_THEME]
        tf: Counter[str] = Counter()
        df: Counter[str] = Counter()
        for terms in nlp.lemma_terms_many(docs):
            tf.update(terms)
            df.update(set(terms))
        out[theme] = (tf, df)
    return out


def ctfidf(terms: Mapping[Any, tuple[Counter[str], Counter[str]]]) -> dict[Any, list[tuple[str, float]]]:
    """Ranked (term, weight) candidates per theme."""
    total: Counter[str] = Counter()
    for tf, _ in terms.values():
        total.update(tf)
    if not terms:
        return {}
    average = sum(total.values()) / max(len(terms), 1)
    ranked: dict[Any, list[tuple[str, float]]] = {}
    for theme, (tf, df) in terms.items():
        size = sum(tf.values()) or 1
        docs = max(df.values(), default=0)
        need = 2 if docs >= 4 else 1
        scored = []
        for term, count in tf.items():
            if df[term] < need:
                continue
            words = term.count(" ") + 1
            # Share of the theme's segments that use the term (not raw counts, so one
            # segment repeating a word cannot name a theme), times c-TF-IDF's rarity.
            spread = math.sqrt((count / size) * (df[term] / docs))
            weight = spread * math.log(1 + average / total[term]) * (1 + PHRASE_BONUS * (words - 1))
            scored.append((term, weight))
        scored.sort(key=lambda pair: (-pair[1], pair[0]))
        ranked[theme] = scored
    return ranked


def choose_labels(
    ranked: Mapping[Any, list[tuple[str, float]]],
    order: Iterable[Any],
    *,
    taken: Iterable[str] = (),
    keywords: int = 8,
    fallbacks: Mapping[Any, str | None] | None = None,
    capitalise: bool = False,
) -> dict[Any, Labelling]:
    """Distinct labels, in priority ``order`` (biggest theme first); keywords = top terms.

    A theme with no candidate term (its comments are all "As above" or "n/a") is named by
    ``fallbacks`` (its commonest text), else "misc". ``capitalise`` writes labels as a
    person would ("Refund request").
    """
    used = {label.lower() for label in taken}
    out: dict[Any, Labelling] = {}
    for theme in order:
        candidates = [term for term, _ in ranked.get(theme, [])]
        fallback = fallbacks.get(theme) if fallbacks else None
        if not candidates and fallback:
            candidates = [fallback]
        label = next((c for c in candidates[:25] if c.lower() not in used), None)
        if label is None:
            base = candidates[0] if candidates else "misc"
            n = 2
            while f"{base} ({n})".lower() in used:
                n += 1
            label = f"{base} ({n})"
        used.add(label.lower())
        out[theme] = Labelling(label=sayings.capitalise(label) if capitalise else label,
                               keywords=_keywords(candidates, keywords))
    return out


def _keywords(candidates: list[str], limit: int) -> list[str]:
    """Top terms without ones contained in a better-ranked term ('refund' under 'refund request')."""
    picked: list[str] = []
    for term in candidates:
        if any(term in other.split(" ") or term == other for other in picked):
            continue
        if any(f" {term} " in f" {other} " for other in picked):
            continue
        picked.append(term)
        if len(picked) == limit:
            break
    return picked


def commonest_text(docs: Sequence[str], words: int = 6) -> str | None:
    """The text most of a theme's segments say, normalised and cut to ``words`` words."""
    cleaned = (nlp.PLACEHOLDER.sub(" ", d).strip(" .!?,;:") for d in docs)  # no "[NAME]" in a label
    normal = Counter(" ".join(c.lower().split()[:words]).strip(" .!?,;:") for c in cleaned if c)
    if not normal:
        return None
    return min(normal, key=lambda text: (-normal[text], text))
