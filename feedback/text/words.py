"""Word tables for the name redactor, derived from data that ships in packages (offline).

- :func:`english_words`: English word forms (spacy-lookups-data's lemma table) and stop words.
- :func:`letter_case_evidence`: which words are usually written in lower case, which capitalised
  (spacy-lookups-data's case-sensitive web frequencies).
- :func:`name_evidence`: which capitalised words are given names, and which belong with places,
  brands, products and other things (Brown clusters from spacy-lookups-data, and the US Census
  1990 given-name lists, shipped as ``given_names.tsv``: ``scripts/given_names.py``).

Derived tables are computed once per installed version and cached as JSON (see ``_cached_tables``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

log = logging.getLogger(__name__)

NOT_NAMES = {
    "all", "everyone", "there", "team", "guys", "folks", "sir", "madam", "friends", "again", "so",
    "everybody", "you", "very", "much", "for", "in", "advance", "a", "lot",
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday",
    "saturday", "sunday", "today", "tomorrow", "yesterday", "english", "british", "american",
}


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    try:
        from spacy.lang.en.stop_words import STOP_WORDS
    except ImportError:  # pragma: no cover - spaCy is a dependency
        return frozenset(NOT_NAMES)
    return frozenset(STOP_WORDS) | NOT_NAMES


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Lower-cased English word forms (spacy-lookups-data's lemma table) plus stop words."""
    (words,) = _cached_tables("english-words", _english_words)
    return words | stop_words()


def _english_words() -> tuple[list[str]]:
    import gzip
    import json
    import os

    import spacy_lookups_data

    path = os.path.join(os.path.dirname(spacy_lookups_data.__file__), "data", "en_lemma_lookup.json.gz")
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        table = json.load(handle)
    return (sorted({k.lower() for k in table} | {v.lower() for v in table.values()}),)


def _cached_tables(name: str, compute: Callable[[], tuple[list[str], ...]]) -> tuple[frozenset[str], ...]:
    """Word tables derived from spacy-lookups-data, computed once per installed version and kept
    as JSON in the user's cache (``FEEDBACK_CACHE_DIR``, else ``$XDG_CACHE_HOME/feedback``, else
    ``~/.cache/feedback``): reading the cache takes ~0.05 s, deriving the tables ~4 s, which every
    run, every worker pool and every test process paid. A missing, stale or unreadable cache is
    recomputed; an unwritable one is only skipped."""
    import json

    path = cache_file(name, ".json")
    try:
        lists = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(lists, list) and all(isinstance(x, list) for x in lists):
            return tuple(frozenset(x) for x in lists)
    except (OSError, ValueError):
        pass
    computed = compute()
    keep_in_cache(path, lambda handle: handle.write(json.dumps(computed).encode("utf-8")))
    return tuple(frozenset(x) for x in computed)


def keep_in_cache(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Write a cache file whole or not at all (``write`` fills a temporary file, renamed over
    ``path``), so a process reading it meanwhile never sees half of it; a cache that cannot be
    written is only skipped (logged), as the table is computed again next time."""
    import os

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        with open(temporary, "wb") as handle:
            write(handle)
        os.replace(temporary, path)
    except OSError as exc:
        log.debug("not cached at %s: %s", path, exc)


def cache_file(name: str, suffix: str) -> Path:
    """Where a table derived from the installed spacy-lookups-data is cached (see ``_cached_tables``)."""
    import os
    from importlib.metadata import PackageNotFoundError, version

    try:
        source = version("spacy-lookups-data")
    except PackageNotFoundError:  # pragma: no cover - a dependency
        source = "unknown"
    root = os.environ.get("FEEDBACK_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "feedback"
    )
    return Path(root) / f"{name}-{source}-v{_TABLES_FORMAT}{suffix}"


_TABLES_FORMAT = 1  # bump when a derived table's rule changes (e.g. the letter-case margin)
_LEXEME_FLOOR = -19.5  # en_lexeme_prob's value for its rarest words: no evidence either way

@lru_cache(maxsize=1)
def letter_case_evidence(margin: float = 0.5) -> tuple[frozenset[str], frozenset[str]]:
    """(usually lower case, usually capitalised): lower-case word forms whose lower-case or whose
    capitalised spelling is at least e**margin (1.65x) as frequent as the other.

    From spacy-lookups-data's ``en_lexeme_prob`` (case-sensitive log frequencies over a large web
    corpus, 1M forms). 'news', 'software', 'despite', 'weblog' are usually lower case: capitalised,
    they start a sentence or a heading, so they need no NER (the lemma table behind
    :func:`english_words` misses them). 'bush', 'ford', 'jack' are English words that are usually
    capitalised: in the middle of a sentence they may well be a name, so they do need it. Forms
    too rare to tell are in neither set.
    """
    lower, title = _cached_tables(f"letter-case-{margin}", lambda: _letter_case(margin))
    return lower, title


def _letter_case(margin: float) -> tuple[list[str], list[str]]:
    import gzip
    import json
    import os

    import spacy_lookups_data

    path = os.path.join(os.path.dirname(spacy_lookups_data.__file__), "data", "en_lexeme_prob.json.gz")
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        prob: dict[str, float] = json.load(handle)
    lower, title = set(), set()
    for word, p in prob.items():
        if not (word.isalpha() and word.islower()):
            continue
        capitalised = prob.get(word[:1].upper() + word[1:], _LEXEME_FLOOR)
        if p > _LEXEME_FLOOR and p - capitalised >= margin:
            lower.add(word)
        elif capitalised > _LEXEME_FLOOR and capitalised - p >= margin:
            title.add(word)
    return sorted(lower), sorted(title)


# Brown clusters group words by the company they keep; a cluster's bit path, read from its lowest
# bit, is its place in the hierarchy. Paths starting '01101' hold people's names (85 % of the
# clustered Census surnames, 68 % of the given names); '0110111' is the given-name branch (Sarah,
# Dave, Margaret); the '01100' and other branches hold places, brands and things (Denver, Visa,
# Nike, Hilton) but also a quarter of the given names (Sara, Megan, Jose), which the Census
# lists take back.
_NAME_BRANCH = "01101"
_GIVEN_BRANCH = "0110111"
_COMMON_GIVEN = 0.01  # per cent of the Census population with that given name
GIVEN_NAMES = "given_names.tsv"  # the Census 1990 given names, written by scripts/given_names.py


@lru_cache(maxsize=1)
def name_evidence() -> tuple[frozenset[str], frozenset[str]]:
    """(given names, thing words), lower-cased.

    Given names: the US Census 1990 given-name lists (5,163 names; ``given_names.tsv``) and
    the capitalised words in the given-name branch of spacy-lookups-data's Brown clusters. Thing
    words: capitalised words whose cluster lies outside the branch of people's names (cities,
    brands, products), less the given names at least 1 in 10,000 people have (Austin, Dallas);
    a rarer given name in a thing's cluster counts as a thing (Denver, Houston, Paris).
    Words too rare to be clustered are in neither set.
    """
    given, things = _cached_tables("name-evidence", _name_evidence)
    return given, things


@lru_cache(maxsize=1)
def thing_words() -> frozenset[str]:
    """Lower-cased capitalised words whose Brown cluster lies outside the branch of people's names
    (cities, brands, products), common given names included ('dallas', 'orlando'): a name written
    in lower case is taken for a person only when it is none of these."""
    (things,) = _cached_tables("thing-words", lambda: (_clusters_outside_names(),))
    return things


def _clusters_outside_names() -> list[str]:
    import gzip
    import json
    import os

    import spacy_lookups_data

    path = os.path.join(os.path.dirname(spacy_lookups_data.__file__), "data", "en_lexeme_cluster.json.gz")
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        clusters: dict[str, int] = json.load(handle)
    return sorted(word.lower() for word, cluster in clusters.items()
                  if cluster and word[:1].isupper() and word[1:].islower() and word.isalpha()
                  and not bin(cluster)[2:][::-1].startswith(_NAME_BRANCH))


def _name_evidence() -> tuple[list[str], list[str]]:
    import gzip
    import json
    import os
    from importlib.resources import files

    import spacy_lookups_data

    given: set[str] = set()
    common: set[str] = set()  # given to at least 1 in 10,000 people: Austin and Dallas, not Denver
    text = files("feedback.text").joinpath(GIVEN_NAMES).read_text(encoding="ascii")
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, share = line.split("\t")
            given.add(name)
            if float(share) >= _COMMON_GIVEN:
                common.add(name)
    path = os.path.join(os.path.dirname(spacy_lookups_data.__file__), "data", "en_lexeme_cluster.json.gz")
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        clusters: dict[str, int] = json.load(handle)
    things: set[str] = set()
    for word, cluster in clusters.items():
        if not (cluster and word[:1].isupper() and word[1:].islower() and word.isalpha()):
            continue
        branch = bin(cluster)[2:][::-1]
        if branch.startswith(_GIVEN_BRANCH):
            given.add(word.lower())
        elif not branch.startswith(_NAME_BRANCH):
            things.add(word.lower())
    things -= common
    return sorted(given - things), sorted(things)


_MIXED_FLOOR = -16.0  # only forms common enough in lower case to be words people write that way


@lru_cache(maxsize=1)
def mixed_case_words(margin: float = 0.5) -> frozenset[str]:
    """Lower-cased forms written in lower case about as often as capitalised (neither spelling
    e**margin as frequent as the other) and common in lower case: 'meh', 'yuck', 'hey'. A name is
    usually capitalised ('sarah', 'priya'), so such a word alone is no person."""
    (mixed,) = _cached_tables(f"mixed-case-{margin}", lambda: _mixed_case(margin))
    return mixed


def _mixed_case(margin: float) -> tuple[list[str]]:
    import gzip
    import json
    import os

    import spacy_lookups_data

    path = os.path.join(os.path.dirname(spacy_lookups_data.__file__), "data", "en_lexeme_prob.json.gz")
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        prob: dict[str, float] = json.load(handle)
    mixed = [
        word for word, p in prob.items()
        if word.isalpha() and word.islower() and p > _MIXED_FLOOR
        and abs(p - prob.get(word[:1].upper() + word[1:], _LEXEME_FLOOR)) < margin
    ]
    return (sorted(mixed),)
