"""Answers that say nothing: "As above", "Nothing to add", "N/A", "Just the usual"; and courtesy that says
nothing about the service: a greeting or a sign-off beside a comment's points ("Thanks", "Kind regards"); and a
doubt the customer had before ("I was sceptical about buying fresh food online, but ..."), which tells of no
experience.

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
    r"(?: else)?$|^no(?: further| other| more)? comments?$|^n/?a$|^none$|^nil$|^(?:just )?the usual$"
    r"|^(?:i'?m |i am )?not (?:sure|certain)$|^(?:i )?(?:don'?t|do not) know$|^dunno$|^no idea$")


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


# A doubt before the experience: "I was sceptical about buying fresh food online" before ", but the quality has been
# excellent" read -0.96 and took the comment to 0.00. In the clothing reviews 366 of the 390 that tell one are rated 4-5
# stars ("I was worried it would be too small but it fits perfectly"). Not one the experience bore out ("I was worried
# it would be late and it was", "I was rightly sceptical").
PRIOR_DOUBT = re.compile(
    r"^(?:(?:honestly|initially|at first|originally|to be honest|i must admit|i have to admit),? )?"
    r"(?:i|we) (?:was|were) (?:a (?:bit|little) |quite |very |so |really |initially |at first |slightly |somewhat )?"
    r"(?:sceptical|skeptical|hesitant|nervous|wary|dubious|unsure|apprehensive|worried|doubtful|afraid|scared|"
    r"concerned)\b")
_BORNE_OUT = re.compile(r"\b(?:and|which) (?:it|they|he|she|this|that) (?:was|were|did|is|are)\b|\b(?:rightly|justified|"
                        r"proved right|proven right|confirmed|for good reason|with good reason)\b")


def prior_doubt(text: str) -> bool:
    """Whether ``text`` tells a doubt the customer had before the experience (:data:`PRIOR_DOUBT`), not borne out."""
    low = normal(text)
    return PRIOR_DOUBT.search(low) is not None and _BORNE_OUT.search(low) is None


# A plain question about how things work: "Do you ship to Ireland?" read -0.11, "How do I report a lost bag?" -0.23,
# "Is there a delay at ORD?" -0.27, the head reading the topic. Not a question with heat in it ("Why ...", "... again?",
# "Do you even read these?", "??", "!"), nor one a saying reads ("Where is my bag?", "How is this acceptable?"), nor
# "When will my refund arrive?" (a chase as often as a question).
PLAIN_QUESTION = re.compile(
    r"^\W*(?:how (?:do|does|can|could|would|should|long|much)|can (?:i|we|you)|could (?:i|we|you)|do (?:i|we|you|they)|"
    r"does|is there|are there|what (?:if|happens|is the|are the|time|do|does|should|would)|what's the|will (?:i|we|it)|"
    r"when (?:does|do|is|are|can)|where (?:can|do|does|is the|are the)|which|who (?:do|can|should))\b[^?!]*\?\s*$",
    re.IGNORECASE)
_HEAT = re.compile(r"\b(?:why|again|still|even|ever|actually|seriously|really|hell|ridiculous|joke|worst|never|yet|"
                   r"always)\b|!|\?\?", re.IGNORECASE)


def plain_question(text: str) -> bool:
    """Whether ``text`` is only a plain question about how things work (:data:`PLAIN_QUESTION`), with no heat in it."""
    return PLAIN_QUESTION.search(text) is not None and _HEAT.search(text) is None
