"""Which languages spell a word: word forms of English and of the company's other languages (offline).

lingua reads letters, not words: to it "Trop cher" is as likely German as French, and "Nul" Italian.
:mod:`feedback.text.language` asks these tables about short comments.

- :func:`english_forms`: :func:`feedback.text.words.english_words` plus spaCy's English lemma index
  and exceptions (the adjectives the lookup table lacks: 'terrible', 'brilliant', 'super') and the
  ASCII forms common on the English web (``en_lexeme_prob`` above ``COMMON_ENGLISH``: 'jeans',
  'yup', 'meh'). Foreign words seen on the English web sit below it ('nicht' -12.2, 'muy' -12.6,
  'trop' -14.2, 'alles' -14.3).
- :func:`lexicon_languages`: which of ``LEXICON_LANGUAGES`` have a word form (spaCy's lemma lookup
  tables, lemma index and exceptions, and stop words, from spacy-lookups-data and spaCy). The 2.8
  million forms are kept as 58-bit hashes with a 6-bit language mask in one sorted array (23 MB),
  built once per installed spacy-lookups-data (~15 s CPU) and memory-mapped from the user's cache,
  so worker processes share it.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from feedback.text.words import _cached_tables, cache_file, english_words, keep_in_cache

LEXICON_LANGUAGES = ("fr", "de", "es", "it", "pt", "nl")  # the bit order of the mask
COMMON_ENGLISH = -12.0  # en_lexeme_prob (natural log of the share of web tokens): 'steven' -12.2 is below
_MASK = np.uint64(63)


@lru_cache(maxsize=1)
def english_forms() -> frozenset[str]:
    """Lower-cased English word forms: the English word list, the lemma index, the common web forms."""
    (forms,) = _cached_tables(f"english-forms-above{COMMON_ENGLISH}", _english_forms)
    return forms | english_words()


def _english_forms() -> tuple[list[str]]:
    forms: set[str] = set()
    for table in _tables("en_lemma_index", "en_lemma_exc"):  # part of speech -> lemmas (-> forms)
        _collect(list(table.values()), forms)
    (prob,) = _tables("en_lexeme_prob")
    forms.update(w.lower() for w, p in prob.items() if p > COMMON_ENGLISH and w.isascii() and w.isalpha())
    return (sorted(forms),)


@lru_cache(maxsize=1)
def adjectives() -> frozenset[str]:
    """Lower-cased English adjectives and their forms (spaCy's lemma index and exceptions: 'wrong', 'worse'), so a
    label can tell a word that names a thing ('crashes', 'delays') from one that describes it."""
    (forms,) = _cached_tables("english-adjectives", _adjectives)
    return forms


def _adjectives() -> tuple[list[str]]:
    forms: set[str] = set()
    for table in _tables("en_lemma_index"):
        forms.update(w.lower() for w in table.get("adj", []))
    for table in _tables("en_lemma_exc"):
        _collect(table.get("adj", {}), forms)
    return (sorted(forms),)


def lexicon_languages(words: Sequence[str]) -> list[frozenset[str]]:
    """For each (lower-cased) word, the languages of ``LEXICON_LANGUAGES`` that have that form."""
    table = _table()
    if not words or not len(table):
        return [frozenset() for _ in words]
    keys = np.array([_key(w) for w in words], dtype=np.uint64)
    at = np.minimum(np.searchsorted(table, keys), len(table) - 1)
    found = table[at]
    masks = np.where(found & ~_MASK == keys, found & _MASK, 0)
    return [frozenset(code for bit, code in enumerate(LEXICON_LANGUAGES) if int(mask) >> bit & 1) for mask in masks]


def load_lexicons() -> None:
    """Build (the first time) and map the word-form table, so that worker processes started after
    this read the cached file instead of each building it (~15 s CPU, 400 MB at its peak)."""
    _table()


def _key(word: str) -> int:
    import hashlib

    return int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "little") & ~63


@lru_cache(maxsize=1)
def _table() -> np.ndarray:
    path = cache_file("lexicons", ".npy")
    try:
        table = np.load(path, mmap_mode="r")
        if table.dtype == np.uint64 and table.ndim == 1:
            return table
    except (OSError, ValueError, EOFError):  # missing, broken or empty (EOFError): built again
        pass
    table = _build()
    keep_in_cache(path, lambda handle: np.save(handle, table))
    return table


def _build() -> np.ndarray:
    import importlib

    keys, masks = [], []
    for bit, code in enumerate(LEXICON_LANGUAGES):
        forms: set[str] = set(importlib.import_module(f"spacy.lang.{code}.stop_words").STOP_WORDS)
        for table in _tables(f"{code}_lemma_lookup*"):  # form -> lemma
            _collect(table, forms)
        for table in _tables(f"{code}_lemma_index", f"{code}_lemma_exc"):  # part of speech -> lemmas (-> forms)
            _collect(list(table.values()), forms)
        hashed = np.unique(np.array([_key(w) for w in {f.lower() for f in forms} if w.isalpha()], dtype=np.uint64))
        keys.append(hashed)
        masks.append(np.full(len(hashed), 1 << bit, dtype=np.uint64))
    key, mask = np.concatenate(keys), np.concatenate(masks)
    order = np.argsort(key, kind="stable")
    key, mask = key[order], mask[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    return key[starts] | np.bitwise_or.reduceat(mask, starts)


def _tables(*patterns: str) -> list[Any]:
    """The spacy-lookups-data tables whose names match the patterns ('it_lemma_lookup*': one per part of speech)."""
    import fnmatch
    import gzip
    import json
    import os

    import spacy_lookups_data

    folder = os.path.join(os.path.dirname(spacy_lookups_data.__file__), "data")
    names = sorted(n[: -len(".json.gz")] for n in os.listdir(folder) if n.endswith(".json.gz"))
    tables = []
    for name in (n for n in names if any(fnmatch.fnmatchcase(n, p) for p in patterns)):
        with gzip.open(os.path.join(folder, f"{name}.json.gz"), "rt", encoding="utf-8") as handle:
            tables.append(json.load(handle))
    return tables


def _collect(value: object, forms: set[str]) -> None:
    """Every string in a lookup table (form -> lemma), lemma index (part of speech -> lemmas) or
    exception table (part of speech -> form -> lemmas), keys and values alike."""
    if isinstance(value, str):
        forms.add(value.lower())
    elif isinstance(value, dict):
        for key, item in value.items():
            forms.add(key.lower())
            _collect(item, forms)
    elif isinstance(value, list):
        for item in value:
            _collect(item, forms)
