"""Answers that say nothing: "As above", "Nothing to add", "N/A", "Just the usual"; and courtesy that says
nothing about the service: a greeting or a sign-off beside a comment's points ("Thanks", "Kind regards").

An open question of a survey gets such answers by the hundred. They carry no opinion, so their
sentiment is exactly 0 (:func:`feedback.text.sentiment_model.score_segments`), whatever a head or a
company's calibration would read into them: customers who rate high write "just the usual" too,
and a calibration fitted on the ratings learnt to read it as praise (+0.38 on the sample company).
A theme made of them names no topic ("No further comments": :mod:`feedback.themes.label_words`).
"""

from __future__ import annotations

import re

NOTHING_SAID = re.compile(
    r"^(?:as|see) (?:above|before)$|^same as (?:above|before)$|^nothing"
    r"(?: (?:else|more|further))?(?: to (?:add|say|report))?(?: really| thanks)?$|^can'?t think of anything"
    r"(?: else)?$|^no(?: further| other| more)? comments?$|^n/?a$|^none$|^nil$|^(?:just )?the usual$")


def normal(text: str) -> str:
    """``text`` as the patterns read it: lower case, straight apostrophes, single spaces, no end punctuation."""
    return " ".join(text.lower().replace("\u2019", "'").strip(" .!?,").split())


def says_nothing(text: str) -> bool:
    """Whether ``text`` is an answer that says nothing (:data:`NOTHING_SAID`)."""
    return NOTHING_SAID.search(normal(text)) is not None


# A point that is only a greeting, thanks or a sign-off. Beside a complaint it is courtesy, not praise: "My order
# is 3 days late. Please sort it out. Thanks" read +0.27, its "Thanks" +0.97 outweighing the lateness. Alone
# ("Thank you!") it is the comment, and keeps its reading (feedback.text.sentiment_model.score_segments).
COURTESY = re.compile(
    r"^(?:(?:hi|hello|hey|dear)(?: (?:there|all|team|sir|madam|sir or madam))?"
    r"|(?:many |big )?thank(?:s| you)(?: (?:so|very) much| a lot| again| all)?"
    r"|thank(?:s| you) in advance(?: .*)?|ty|thx|tia|cheers|(?:kind |best |warm )?regards|best(?: wishes)?"
    r"|sincerely|yours(?: sincerely| faithfully| truly)?|take care)$")
_NOT_WORDS = re.compile(r"[^a-z' ]+")
_ADDRESSED = re.compile(r"(?<![\w@])[@#]\w+")  # "Thanks @northjet": whom a tweet thanks, or its tag, is no point


def courtesy(text: str) -> bool:
    """Whether ``text`` is only a greeting, thanks or a sign-off (:data:`COURTESY`), whatever its punctuation,
    emoji, case or the @handles and #tags a post addresses it with."""
    words = _NOT_WORDS.sub(" ", _ADDRESSED.sub(" ", text.lower().replace("\u2019", "'")))
    return COURTESY.search(" ".join(words.split())) is not None
