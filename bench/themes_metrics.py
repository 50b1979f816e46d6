"""The figures of bench/themes_quality.py, as pure functions over partitions and labels.

A partition is one theme per item (any hashable; ``OUTLIER`` = in no theme), items aligned by
position or given as ``{item: theme}`` maps. Tested with exact values in
tests/test_bench_metrics.py.

- :func:`label_scores`: NMI / ARI against human labels (outliers count as one cluster, for
  every tool alike) and the outlier share.
- :func:`common_ari`: ARI of two fits on the items both saw (stability across seeds, input
  orders and subsamples).
- :func:`agreement`: how far the themes nightly gave agree with a re-cluster's. Under the
  *one-to-one* mapping (Hungarian on the contingency table, outliers mapped only to outliers)
  the figure is the share of items whose nightly theme is mapped to their re-cluster theme: a
  night that cut a theme in two, or spawned one the re-cluster folds back, loses the smaller
  part. Under the *majority* mapping each nightly theme maps to the re-cluster theme holding
  most of its items (many-to-one: splits are forgiven; ties go to the theme met first).
- :func:`label_checks`: the share of labels that are 2-4-word phrases of content words, of
  one-word labels, and duplicates among siblings.
- :func:`binary_macro_f1`: macro-F1 of a sentiment score against low / high stars.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

OUTLIER: Hashable = -1
_WORD = re.compile(r"^[^\W\d_]+(?:['’-][^\W\d_]+)*$")
_CLITICS = {"n't", "n’t"}  # "n't" alone is half a word ("do n't")
# Quantifiers that carry a phrase's point ("No reply", "More staff", "Less plastic"): stop words to
# spaCy, but a label that leads with one names a request or a lack, not filler ("The refund").
_LEADING_QUANTIFIERS = {"no", "more", "less", "fewer", "too", "very"}
# A label with a person in it is something said, not a name for a theme ("I topped up", "App does not
# recognize me", "Both times it was declined"), as is one opening with a question word ("What can I do").
_PRONOUNS = {"i", "me", "my", "mine", "you", "your", "yours", "we", "us", "our", "he", "him", "his", "she", "her",
             "they", "them", "their", "it", "its", "i'm", "i've", "you're", "it's"}
_PARTICLES = {"up", "in", "out", "off", "down", "through"}  # of a phrasal verb: may end a label after its verb
_QUESTION_WORDS = {"what", "how", "why", "when", "where", "who", "which", "whats", "what's", "how's"}


def _codes(values: Sequence[Hashable]) -> np.ndarray:
    index: dict[Hashable, int] = {}
    return np.array([index.setdefault(v, len(index)) for v in values], dtype=np.int64)


def label_scores(truth: Sequence[Hashable], pred: Sequence[Hashable]) -> dict[str, float]:
    """NMI, ARI against ``truth``; ``outliers`` = share of items predicted ``OUTLIER``."""
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    if len(truth) != len(pred):
        raise ValueError("truth and prediction must have one entry per item")
    y, p = _codes(truth), _codes(pred)
    return {
        "NMI": float(normalized_mutual_info_score(y, p)),
        "ARI": float(adjusted_rand_score(y, p)),
        "outliers": float(np.mean([v == OUTLIER for v in pred])) if len(pred) else 0.0,
    }


def common_ari(first: Mapping[Hashable, Hashable], second: Mapping[Hashable, Hashable]) -> tuple[float, int]:
    """(ARI over the items both partitions hold, how many those are); outliers are one cluster."""
    from sklearn.metrics import adjusted_rand_score

    common = [item for item in first if item in second]
    if not common:
        raise ValueError("the two partitions share no item")
    return float(adjusted_rand_score(_codes([first[i] for i in common]), _codes([second[i] for i in common]))), len(
        common
    )


@dataclass(frozen=True)
class Agreement:
    items: int
    one_to_one: float  # share of items whose nightly theme maps one-to-one to their re-cluster theme
    majority: float  # share under the many-to-one majority mapping
    nightly_themes: int  # distinct nightly themes (outliers not counted)
    recluster_themes: int
    unmatched_nightly: int  # nightly themes the one-to-one mapping leaves without a partner


def agreement(nightly: Sequence[Hashable], recluster: Sequence[Hashable]) -> Agreement:
    """Agreement of nightly themes with re-cluster themes over the same items (see module doc)."""
    from scipy.optimize import linear_sum_assignment

    if len(nightly) != len(recluster):
        raise ValueError("nightly and recluster must have one entry per item")
    if not nightly:
        raise ValueError("no items to compare")
    pairs = Counter(zip(nightly, recluster, strict=True))
    rows = [t for t in dict.fromkeys(nightly) if t != OUTLIER]
    cols = [t for t in dict.fromkeys(recluster) if t != OUTLIER]
    table = np.zeros((len(rows), len(cols)), dtype=np.int64)
    r_index = {t: i for i, t in enumerate(rows)}
    c_index = {t: j for j, t in enumerate(cols)}
    for (a, b), n in pairs.items():
        if a != OUTLIER and b != OUTLIER:
            table[r_index[a], c_index[b]] = n
    both_out = pairs.get((OUTLIER, OUTLIER), 0)
    matched = 0
    paired = 0
    if table.size:
        r, c = linear_sum_assignment(-table)
        kept = table[r, c] > 0
        matched = int(table[r, c].sum())
        paired = int(kept.sum())
    majority = both_out
    for i in range(len(rows)):
        if table.shape[1]:
            majority += int(table[i].max())
    n = len(nightly)
    return Agreement(n, (matched + both_out) / n, majority / n, len(rows), len(cols), len(rows) - paired)


def split_nights(n: int, first: float, nights: int, seed: int) -> list[np.ndarray]:
    """Item positions in a simulated date order (a shuffle with ``seed``) cut into ``nights``
    nights: the first holds ``first`` of the items, the rest share the remainder equally."""
    if nights < 2 or not 0.0 < first < 1.0:
        raise ValueError("at least two nights and a first-night share between 0 and 1 are needed")
    order = np.random.default_rng(seed).permutation(n)
    head = int(round(first * n))
    cuts = [0, head] + [head + round((n - head) * k / (nights - 1)) for k in range(1, nights)]
    return [np.sort(order[a:b]) for a, b in zip(cuts[:-1], cuts[1:], strict=True)]


# --- labels --------------------------------------------------------------------------------


def _stop_words() -> frozenset[str]:
    """spaCy's English stop words but the few nouns in it that the labeller may name a theme by ("Phone
    call", "Name change": feedback.themes.phrase_tokens.STOP_NOUNS)."""
    from spacy.lang.en.stop_words import STOP_WORDS

    from feedback.themes.phrase_tokens import STOP_NOUNS

    return frozenset(STOP_WORDS) - STOP_NOUNS


@lru_cache(maxsize=1)
def _person_names() -> frozenset[str]:
    """Given names usually written capitalised (Aaron, Bob, Sal), not words also written in lower
    case (olive, mark, bill): feedback/text/words.py's tables, lower-cased."""
    from feedback.text.words import letter_case_evidence, name_evidence

    given, _ = name_evidence()
    _, capitalised = letter_case_evidence()
    return frozenset(given & capitalised)


def label_problem(label: str, stop_words: Iterable[str] | None = None,
                  names: Iterable[str] | None = None) -> str | None:
    """Why ``label`` is not a 2-4-word phrase of content words, or None when it is one.

    Words are split on spaces; a word must be letters (inner ``'``/``-`` allowed: "don't",
    "double-charged") or a name written with a digit or two ("W2", "PS5", "401k": the labeller's ``named_with_digits``), so a
    number ("number": "Flight dl123", "5pm"), a placeholder, punctuation or a bare "n't" is a "fragment"; the first and
    last word must not be stop words (spaCy's English list less the nouns "name", "call", "part"), save a leading "No", "More", "Less", "Fewer"
    and a phrasal verb's particle after its -ing or -ed form ("Delivery not turning up", "Signed up");
    no word may be a personal pronoun and the first not a question word (a "saying": "I topped up",
    "App does not recognize me", "What can I do"), and no word a person's given name ("name": "Bob and
    sal", "Busy denny"; ``names`` defaults to :func:`_person_names`, which also holds a few places
    named like people: Austin, Dallas). What the check cannot see: whether a well-formed phrase is the
    right one ("Delivery booked" for late deliveries) or two topics belong together ("France and charge").
    """
    from feedback.themes.phrase_tokens import COMPARATIVES, STOP_VERBS, named_with_digits

    stops = frozenset(stop_words) if stop_words is not None else _stop_words()
    people = frozenset(names) if names is not None else _person_names()
    words = label.split()
    if not words:
        return "empty"
    if any(any(ch.isdigit() for ch in w) and not named_with_digits(w) for w in words):
        return "number"
    if any(not (_WORD.match(w) or named_with_digits(w)) or w.lower() in _CLITICS for w in words):
        return "fragment"
    lower = [w.lower().replace("’", "'") for w in words]
    if any(w in _PRONOUNS for w in lower) or lower[0] in _QUESTION_WORDS:
        return "saying"
    if len(words) == 1:
        return "one word"
    if len(words) > 4:
        return "too long"
    phrasal = lower[-1] in _PARTICLES and lower[-2].endswith(("ing", "ed"))  # "Delivery not turning up"
    compared = lower[0] in STOP_VERBS and lower[1] in COMPARATIVES  # "Last longer": a verb, as the labeller reads it
    if (lower[0] in stops and lower[0] not in _LEADING_QUANTIFIERS and not compared) or (
            lower[-1] in stops and not phrasal):
        return "stop word at an edge"
    if any(w in people for w in lower):
        return "name"
    return None


_COMMENTS = {"comments", "remarks", "feedback"}
_MIXED = {"mixed", "assorted", "varied"}
# The labeller's fixed names for what a theme does that names no topic (a parent of "As above", "Made my day";
# a theme of kind words): chosen, not fallen back to.
_FIXED = {"general remarks", "general comments", "warm feedback"}


@lru_cache(maxsize=1)
def _known_words() -> frozenset[str]:
    """Every word spacy-lookups-data's tables know (word forms, web frequencies in either case)."""
    from feedback.text.words import english_words, letter_case_evidence

    lower, capitalised = letter_case_evidence()
    return english_words() | lower | capitalised


def label_weakness(label: str, known: Iterable[str] | None = None) -> str | None:
    """Why a well-formed ``label`` says little, or None; counted apart from :func:`label_problem`'s
    failures, since each can be the best a theme allows:

    - "comments fallback": "<word> comments" / "remarks" / "feedback" ("Click comments", "Mixed
      remarks"): the labeller found no phrase and named a word with what its comments do, which
      tells a reader little and, for a mostly negative theme, not the problem (the fixed labels of
      what a theme does, "No further comments", "Non-English comments", "General remarks", are not counted);
    - "mixed fallback": "Mixed questions", "Assorted requests", "Varied problems": the labeller found
      neither a phrase nor a word most of the theme uses, and says only what its comments do;
    - "foreign": an accented word English does not have ("Rapport qualité-prix");
    - "unknown word": a word none of spacy-lookups-data's tables knows (``known``, lower-cased words;
      defaults to :func:`_known_words`): a customer's typo ("Simpler cehckout"), or a name the
      tables lack ("Brightmoor").
    """
    words = [w.lower().replace("’", "'") for w in label.split()]
    if len(words) == 2 and words[1] in _COMMENTS and _WORD.match(words[0]) and "-" not in words[0] \
            and " ".join(words) not in _FIXED:
        return "comments fallback"
    if len(words) == 2 and words[0] in _MIXED:
        return "mixed fallback"
    letters = [part for w in words for part in re.split(r"['-]", w) if part]
    if any(not part.isascii() for part in letters):
        return "foreign"
    table = frozenset(known) if known is not None else _known_words()
    if any(part.isalpha() and part not in table for part in letters):
        return "unknown word"
    return None


@dataclass(frozen=True)
class LabelChecks:
    labels: int
    phrase_share: float  # 2-4-word phrases of content words
    one_word_share: float
    duplicate_siblings: int  # labels equal (case-insensitive) to an earlier sibling's
    problems: dict[str, int]  # reason -> count
    weak: dict[str, int] = field(default_factory=dict)  # well-formed labels that say little (label_weakness)


def label_checks(siblings: Mapping[Hashable, Sequence[str]], stop_words: Iterable[str] | None = None,
                 names: Iterable[str] | None = None) -> LabelChecks:
    """Checks over labels grouped by parent (``siblings``: parent -> its children's labels)."""
    stops = frozenset(stop_words) if stop_words is not None else _stop_words()
    people = frozenset(names) if names is not None else _person_names()
    labels = [lab for group in siblings.values() for lab in group]
    if not labels:
        raise ValueError("no labels to check")
    problems = Counter(p for p in (label_problem(lab, stops, people) for lab in labels) if p)
    duplicates = 0
    for group in siblings.values():
        seen = Counter(" ".join(lab.lower().split()) for lab in group)
        duplicates += sum(count - 1 for count in seen.values())
    n = len(labels)
    weak = Counter(w for w in (label_weakness(lab) for lab in labels if not label_problem(lab, stops, people)) if w)
    return LabelChecks(n, (n - sum(problems.values())) / n, problems.get("one word", 0) / n, duplicates,
                       dict(sorted(problems.items())), dict(sorted(weak.items())))


# --- sentiment -----------------------------------------------------------------------------


def binary_macro_f1(scores: Sequence[float], stars: Sequence[int], *, cut: float = 0.0) -> tuple[float, int]:
    """(macro-F1, items) of "score > cut means positive" against 1-2 stars negative, 4-5 positive
    (3 stars left out)."""
    from sklearn.metrics import f1_score

    pairs = [(s > cut, r >= 4) for s, r in zip(scores, stars, strict=True) if r != 3]
    if not pairs:
        raise ValueError("no 1-2 or 4-5 star items")
    return float(f1_score([t for _, t in pairs], [p for p, _ in pairs], average="macro")), len(pairs)
