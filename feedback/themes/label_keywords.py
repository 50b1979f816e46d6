"""A theme's keywords: its label's phrases, then the candidates most relevant and least alike (maximal marginal
relevance, as KeyBERT ranks keyphrases), where two phrases are alike by the words they share ("refund", "refund
request"). Used by :mod:`.label` for every theme and parent it names; a group whose themes share no phrase (an analyst's
group of unrelated themes, a fit's "Mixed problems") takes what each of its themes says most, in turns
(:func:`from_children`), so its page still shows what it holds; a theme with no phrase at all, whole short answers
("Made my day", "Same as last time", "As above"), shows what its segments say (:func:`from_sayings`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence

from feedback.themes.label_distinct import norm
from feedback.themes.label_units import Candidate, Unit
from feedback.themes.label_words import names_person
from feedback.themes.sayings import most_written, said

MMR_LAMBDA = 0.7  # relevance against likeness to the keywords already chosen
_LEADING_VERB = {"was", "were", "is", "are", "has", "had"}  # "[NAME] was great as always" says "great as always"
# a sum, a number or a code, with the preposition that leads to it ("for £16.55", "11", "BM6614972")
_AMOUNT = re.compile(r"(?:\b(?:for|of|at|by|over|about)\s+)?(?:[£$€]\s?\d[\d,.]*\d|\b(?=[\w-]*\d)[\w-]+\b)", re.IGNORECASE)


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


def from_children(children: list[Unit], limit: int, keep: Callable[[str], bool] = lambda key: True) -> list[str]:
    """Keywords of a group whose themes share no phrase: each theme's phrase used most (of those ``keep`` allows),
    the biggest theme's first, then each one's second, and so on; never one text twice."""
    ranked = [(c, sorted((k for k in c.eligible if keep(k)), key=lambda k: (-c.share.get(k, 0.0), k)))
              for c in sorted(children, key=lambda c: -(c.size or len(c.docs)))]
    chosen: list[str] = []
    seen: set[str] = set()
    for depth in range(max((len(keys) for _, keys in ranked), default=0)):
        for child, keys in ranked:
            if depth < len(keys) and len(chosen) < limit:
                text = most_written(child.written[keys[depth]])
                if norm(text) not in seen:
                    seen.add(norm(text))
                    chosen.append(text)
    return chosen


def from_sayings(docs: Sequence[str], limit: int) -> list[str]:
    """Keywords of a theme no phrase names: what its segments say (:func:`.sayings.said`; without the sums,
    numbers and codes that keep a saying from a label), most said first, as most wrote it, each said by two
    segments at least (one in a theme of fewer than four); never one text twice, nor one holding a person's name
    the redactor missed."""
    ways: dict[str, Counter[str]] = {}
    for doc in docs:
        text = said(doc) or said(_AMOUNT.sub("", doc).strip())  # "11 days and counting for £16.55": "days and counting"
        words = (text or "").split()
        while words and words[0].lower() in _LEADING_VERB:  # a placeholder's verb left behind
            words.pop(0)
        if words and not names_person(" ".join(words)):  # never a customer's name ("chloe was great")
            text = " ".join(words)
            ways.setdefault(text.lower(), Counter())[text] += 1
    need = 2 if len(docs) >= 4 else 1
    common = sorted((k for k in ways if sum(ways[k].values()) >= need), key=lambda k: (-sum(ways[k].values()), k))
    return [_sentence_case(most_written(ways[k])) for k in common[:limit]]


def _sentence_case(text: str) -> str:
    """ "Made my day" -> "made my day", as keywords are written; "I" and "NHS ..." stay."""
    first = text.split()[0]
    return text if first == "I" or first.startswith("I'") or first[1:2].isupper() else text[:1].lower() + text[1:]


def languages(docs: Sequence[str], limit: int) -> list[str]:
    """Keywords of a theme of other languages, which no English phrase names: the languages it is written in, most
    used first ("French", "German"), as the process stage detects a comment's language."""
    from lingua import IsoCode639_1, Language

    from feedback.text.language import detect_language

    found = Counter(code for code in (detect_language(d) for d in docs if d.strip()) if code and code != "en")
    return [Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())).name.title()
            for code, _ in sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]]
