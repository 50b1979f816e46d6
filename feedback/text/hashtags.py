"""Hashtags read as the words they join: "#neveragain" -> "never again", "#BadCustomerService" -> "Bad Customer
Service".

Posts and tweets tag what they feel ("my bag is still in Boston #neveragain"). Joined up, those words are one
unknown token to the embedding model, to the sentiment head's word n-grams and to the lexicon, so the tag said
nothing: "#customerservicefail" read 0.00 where "customer service fail" reads -0.94.

A tag is cut at its capitals first ("#NeverAgain"), else by the most likely words of an English frequency
dictionary (symspellpy's word segmentation, no spelling correction). A cut is kept only when every piece is a
dictionary word of two letters or more: "#sporcle" and "#tcot" stay as they are, a single word ("#fail") needs no
cut, and a tag with digits ("#prop8", "Order #12345") or a colour ("#cccccc") is left alone; underscores part
words ("#thank_you"). The words replace the tag only when the lexicon reads them as saying something
(:func:`.sentiment.felt`): a tag that names a topic stays as it was. Spelled out, "#customerservice" turned
"thanks for the quick reply #customerservice" from +0.56 to -0.27, as the words "customer service" lean towards
complaints in rated text. The displayed text is never changed.
"""

from __future__ import annotations

import importlib.resources
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

HANDLE = re.compile(r"(?<![\w@])@\w{1,30}")  # an @handle: an address (not inside an e-mail address)
# a tag: '#' not inside a word, link or HTML entity ("&#39;"), then a letter and 2-49 more letters or digits
TAG = re.compile(r"(?<![\w/&#])#([A-Za-z][A-Za-z0-9_]{2,49})\b")
_CAPITALS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")
_COLOUR = re.compile(r"(?:[0-9a-f]{3}){1,2}", re.IGNORECASE)  # "#cccccc" in a pasted style is no tag
MIN_PIECE = 2  # letters in each word of a cut
MAX_TAGS = 30  # tags read per text: a cut of an unknown 50-letter tag costs ~3 ms, and a spam post can hold thousands


@lru_cache(maxsize=1)
def _segmenter() -> Any:
    """symspellpy's English unigram dictionary (82,765 words), loaded once, on the first tag (~0.7 s)."""
    from symspellpy import SymSpell

    speller = SymSpell(max_dictionary_edit_distance=0, prefix_length=7)
    path = importlib.resources.files("symspellpy") / "frequency_dictionary_en_82_765.txt"
    if not speller.load_dictionary(str(path), term_index=0, count_index=1):
        raise RuntimeError(f"symspellpy's dictionary did not load from {path}")
    return speller


def _words(pieces: list[str]) -> bool:
    known = _segmenter().words
    return len(pieces) > 1 and all(len(p) >= MIN_PIECE and p.lower() in known for p in pieces)


@lru_cache(maxsize=8192)
def words_of(tag: str) -> str | None:
    """The words a tag (without its '#') joins, space-separated; None when it is one word or has no sure cut."""
    parts = [part for part in tag.split("_") if part]
    if len(parts) > 1 and all(part.isalpha() for part in parts):  # "#thank_you"
        return " ".join(words_of(part) or part for part in parts)
    if not tag.isalpha() or _COLOUR.fullmatch(tag):
        return None
    by_capitals = _CAPITALS.findall(tag)
    if "".join(by_capitals) == tag and _words(by_capitals):
        return " ".join(by_capitals)
    pieces = _segmenter().word_segmentation(tag.lower(), max_edit_distance=0).segmented_string.split()
    return " ".join(pieces) if _words(pieces) else None


def spell_out(text: str, felt: Callable[[str], bool]) -> str:
    """``text`` with each hashtag that joins words ``felt`` reads as saying something (the lexicon's
    :func:`.sentiment.felt`) replaced by those words; other tags, and any after the first :data:`MAX_TAGS`, stay as
    they are."""
    if "#" not in text:
        return text

    def words(match: re.Match[str]) -> str:
        spelled = words_of(match.group(1))
        return spelled if spelled is not None and felt(spelled) else match.group(0)

    return TAG.sub(words, text, count=MAX_TAGS)
