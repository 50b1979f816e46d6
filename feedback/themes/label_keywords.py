"""A theme's keywords: its label's phrases, then the candidates most relevant and least alike (maximal marginal
relevance, as KeyBERT ranks keyphrases), where two phrases are alike by the words they share ("refund", "refund
request"). Used by :mod:`.label` for every theme and parent it names.
"""

from __future__ import annotations

from feedback.themes.label_distinct import norm
from feedback.themes.label_units import Candidate

MMR_LAMBDA = 0.7  # relevance against likeness to the keywords already chosen


def diverse(ranked: list[Candidate], picked: list[Candidate], limit: int) -> list[str]:
    """Keywords: the label's phrases, then maximal marginal relevance over the candidates, where
    two phrases are similar by the words they share ("refund", "refund request"); never one
    text twice (two candidates, "bag" and "bags", can both be written "bags")."""
    written = {t: c for t, c in reversed([(norm(c.text), c) for c in picked])}  # the first of each text
    chosen = sorted(written.values(), key=picked.index)[:limit]
    pool = [c for c in ranked if norm(c.text) not in written][: limit * 4]
    top = max((c.score for c in pool), default=1.0) or 1.0
    while pool and len(chosen) < limit:
        best = max(pool, key=lambda c: MMR_LAMBDA * c.score / top
                   - (1 - MMR_LAMBDA) * max((_overlap(c.key, o.key) for o in chosen), default=0.0))
        chosen.append(best)
        pool = [c for c in pool if norm(c.text) != norm(best.text)]
    return [c.text for c in chosen]


def _overlap(a: str, b: str) -> float:
    x, y = set(a.split()), set(b.split())
    return len(x & y) / len(x | y)
