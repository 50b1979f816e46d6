"""Whether a segment tells the company to do something, read off its parse ("clear my calendar for friday").

:func:`.phrases.phrases_many` parses each segment once and notes here whether it is a command
(:func:`note`); :func:`imperative` answers for the texts parsed, so :mod:`.label_words` can call a
theme of commands "<topic> requests" without parsing again.
"""

from __future__ import annotations

from typing import Any

_IMPERATIVE: dict[str, bool] = {}  # text -> whether its parse is a command
_OPENERS = {"please", "pls", "just", "kindly", "do", "don't", "dont", "never"}
_FEELINGS = {"love", "like", "hate", "enjoy", "prefer", "want", "need", "thank", "miss", "appreciate", "wish", "hope"}


def imperative(text: str) -> bool | None:
    """Whether ``text`` tells someone to do something ("Take the bags back", "clear my calendar for
    friday", "please turn on the tv"), as its parse said; None if it was not parsed."""
    return _IMPERATIVE.get(text)


def _commands(doc: Any) -> bool:
    """The first word (after "please", "don't", ...) is the sentence's verb, with no subject: a
    base form, or a word misread as an adjective that takes an object ("clear my calendar")."""
    words = [t for t in doc if t.is_alpha or t.lower_ in ("n't", "don't")]
    while words and words[0].lower_ in _OPENERS | {"n't"}:
        words = words[1:]
    if not words or words[0].dep_ != "ROOT" or any(c.dep_ in ("nsubj", "nsubjpass", "expl") for c in words[0].children):
        return False
    first = words[0]
    if first.lemma_.lower() in _FEELINGS:  # "Love the app": praise, not a request
        return False
    return first.tag_ in ("VB", "VBP") or (first.tag_ == "JJ" and any(c.dep_ == "dobj" for c in first.children))


def command(doc: Any) -> bool:
    """Whether the parse ``doc`` tells someone to do something (a label: "Respect no-substitutes")."""
    return _commands(doc)


def note(text: str, doc: Any) -> None:
    """Keep whether the parse ``doc`` of ``text`` is a command."""
    _IMPERATIVE[text] = _commands(doc)


def forget() -> None:
    """Forget every text noted (the parser's memo was cleared)."""
    _IMPERATIVE.clear()
