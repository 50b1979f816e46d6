"""The sentiment of a comment, from -1 to 1, with no model download.

Sentiment comes from VADER, a lexicon and rule model built for short informal text, with a
service lexicon and a few service sayings (:data:`IDIOMS`, both in :mod:`.service_sayings`) on top; it is English-only, so other languages get no score rather than a
wrong one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from feedback.text.hashtags import HANDLE, spell_out
from feedback.text.service_sayings import IDIOMS as IDIOMS  # re-exported: callers read them here
from feedback.text.service_sayings import SERVICE_LEXICON as SERVICE_LEXICON

# What the lexicon reads (the head's cues are its scores): a new version makes the theme stage score every segment
# again (feedback/themes/segment_sentiment.py). 36: early, kept informed, well packed ("The parcel came a day
# early": IDIOMS); 35: an order that came as it should ("Everything arrived as ordered",
# "Nothing missing", "Reasonably priced": IDIOMS); 34: a place in a queue of two digits or more ("I was number 34 in the
# queue": IDIOMS); 33: a segment read neutral is read by what went wrong before "so I"
# (feedback.text.segments.cause_part: "The promotion didn't come off so I paid full price"); 32: an excuse reported as all that was said ("the driver just said
# traffic.": IDIOMS); 31: a problem that keeps coming back, told as all there is to say
# ("It's always something.", "There's always an excuse!", "It's always traffic.": IDIOMS); 30: an outage of many
# ("all my websites are down", "the servers are down": IDIOMS, which read only one); 29: what a company has still not done ("not heard back", "still no
# response", "still waiting for my refund", "still can't log in") and thanks for what came wrong ("Thanks for sending me
# the wrong size") are complaints (IDIOMS); 28: a request to put right what is wrong ("Fix the self checkouts",
# "Get the billing right first time", "sort it out", "Answer your phones") is a complaint, not a wish (IDIOMS); 27: a wait on hold told by its length ("Been on hold 50 minutes.",
# "2 hours on hold"), not one told as short ("only on hold 2 minutes"): IDIOMS; 26: stars given in words ("Five stars from me."), "second-rate",
# "absolute cowboys" (IDIOMS); 25: impressed by someone or something (IDIOMS); 24: a person praised before the role
# ("Friendly drivers.": PRAISED_PERSON), "Nothing to improve", "Keep doing what you're doing" (IDIOMS); 23: "Could do
# better.", "Room for improvement" (IDIOMS), and "Not sure." / "Don't know." as answers that say nothing
# (feedback.text.nothing_said); 22: a problem denied is praise ("No issues whatsoever", "Never had a problem", "Can't
# complain", "Never lets me down"; "never let me down" is no let-down; "No hassle" is the saying it was meant to be:
# IDIOMS); 21: leaving said plainly ("I'll take my business elsewhere", "Time to find a new bank": IDIOMS); 20: a
# plain question about how things work that the head reads faintly reads 0 (feedback.text.nothing_said.plain_question:
# "Do you ship to Ireland?"); 19: a point the head reads neutral takes what its ASCII faces say (EMOTICONS: "It
# arrived today. :)"); 18: nobody there to help ("no one at the gate to help us": IDIOMS); the lexicon and the head's
# cues read no @handles (as_read: "@united" read as the word "united", +1.8); 17: outrage asked ("How is this
# acceptable?"), asking again ("How many times do I have to call?"), a wait still running ("and counting"), thanks for
# a delay (IDIOMS); 16: a hashtag that joins words is read as them ("#neveragain", "#customerservicefail":
# feedback.text.hashtags); 15: "Lovely, another great delivery" is no sarcasm; 14: "Where is my order number?" is no
# chase (IDIOMS); 13: "smooth" (in 108 clothing, GoEmotions, VADER and UCI sentences: 87 rated positive, 8 negative);
# money that "was in my account" (IDIOMS); 12: a person praised with their name between commas ("The lady on live
# chat, [NAME], was really helpful": PRAISED_PERSON) and a long wait or queue told as such (IDIOMS); 11: being blocked
# ("won't let me check in"), chasing ("Where is my bag?"), "so much for", sarcasm ("Great, another delay.", "Cheers
# for the cold chips") and money owed that came through (IDIOMS); 10: a point the head reads neutral takes what its
# emoji say (feedback.text.emoji_sentiment: "Delivery came today 😡"), thanks or praise for a harm ("Great job losing
# my luggage", "Love being on hold for an hour") is a complaint (IDIOMS), a doubt before the experience beside the
# comment's other points reads 0 (feedback.text.nothing_said.prior_doubt); 9: "out of order", "third time this month",
# "last longer than", "takes no time at all", "simple to use", "agreed a refund" (IDIOMS), a person praised for how
# they were ("The driver was so kind": PRAISED_PERSON), and a saying the head reads more faintly than the lexicon
# takes the lexicon's score; 8: service praise the head reads as a complaint by its topic ("Got a full refund without
# any fuss", "sorted my refund so quickly", "never looked back", "rock solid", "looked after us", "is so much
# faster"), a problem put right ("They refunded me.", "Sorted my billing mistake") (IDIOMS); 7: comparisons a lexicon
# reads by their words ("used to be better", "cheaper than", "quicker than expected"), quick fixes, waits on hold and
# nobody answering (IDIOMS); a saying the head reads against its words takes the lexicon's side, and a segment that
# tells and asks is read by what it tells (sentiment_model.score_segments); 6: the sayings "couldn't be happier",
# "can't fault", "expected more" (IDIOMS); 5: courtesy addressed with an @handle or #tag ("Thanks a lot @northjet") is
# courtesy too; 4: a greeting, thanks or sign-off beside a comment's points reads 0
# (feedback.text.nothing_said.courtesy); 3: the head's word n-grams skip redaction placeholders ("[NAME]" is not the
# word "name": feedback.text.sentiment_model.word_ngrams), and answers that say nothing score 0
# (feedback.text.nothing_said); 2: the service sayings (IDIOMS) and "slow", "unreliable", "inconsistent"; 1: before
# versions were kept. 37: "no." before a number is the word "number" ("No. 2 son loved it" was read as a denial
# of "loved": :func:`as_read`). 38: a thing owed that has not come ("Two weeks and my replacement card hasn't
# come.", "The refund has not been processed yet": IDIOMS). 39: "fresh" said of how a thing was ("The fish was
# fresh.": IDIOMS, read as itself, so the head's cues are unchanged and its neutral reading gives way).
LEXICON_VERSION = "39"

# A person praised for how they were ("The driver was so kind.", "[NAME] on the tills was ever so patient"). Review
# sets tell of expectations with "was so" ("I was so excited to wear it"), so the head read such praise as neutral.
# Not a saying (its words say what it means, and the head's lexicon cues read them as they are): it only tells
# :func:`saying_side` which side the text is on, and :func:`saying_reading` reads it as plain praise.
# Words that say how a person treats others (:mod:`feedback.themes.people`, the labels' "Kind staff member"); the
# praising ones, and a few more said mostly of people, make a person praised.
_MANNERS_PRAISED = frozenset({"friendly", "helpful", "polite", "kind", "cheerful", "courteous", "welcoming", "patient",
                              "professional", "knowledgeable", "attentive", "caring", "considerate"})
_MANNERS_BLAMED = frozenset({"unfriendly", "unhelpful", "impolite", "rude", "impatient", "unprofessional", "grumpy",
                             "dismissive", "condescending"})
PEOPLE_WORDS = _MANNERS_PRAISED | _MANNERS_BLAMED
_PERSON_PRAISE = tuple(sorted(_MANNERS_PRAISED | {"lovely", "nice", "sweet", "understanding", "accommodating",
                                                  "reassuring", "thoughtful", "gentle", "respectful"}))
# a person, as a comment names one: a role, or a pronoun or a redacted name (regular expressions)
ROLE = (r"(?:staff|team|crew|driver|cashier|agent|adviser|advisor|assistant|manager|engineer|technician|courier|lady|"
        r"ladies|guy|gentleman|woman|waiter|waitress|server|nurse|doctor|receptionist|host|employee|rep|representative|"
        r"operator|member|colleague|chef|pharmacist|porter|stewardess|steward|attendant|cleaner)s?")
PERSON = rf"(?:he|she|they|everyone|everybody|name\]|{ROLE})"
_PRAISING = "|".join(_PERSON_PRAISE)
PRAISED_PERSON = re.compile(
    rf"\b{PERSON}(?: [\w'’]+){{0,6}}?(?:,(?: [\w'’\[\]]+){{1,3}},)? (?:was|were|is|are|'s|has been|have been) (?:always |"
    r"all |so |very |really |extremely |super |incredibly |ever so |such |just |lovely and |most )*"
    rf"(?:{_PRAISING})\b(?! of\b)"  # not "kind of rude"
    # ... or praised before the role, as a survey answer names them: "Friendly drivers.", "Polite and helpful driver"
    # (the head read "Friendly drivers." 0.00: "driver" is a word of delivery complaints), the whole point: not "The
    # friendly driver was late again"
    rf"|^[\W_]*(?:(?:very|really|super|so|always|extremely|incredibly) )?(?:{_PRAISING})(?:,? (?:and )?"
    rf"(?:very |really |super )?(?:{_PRAISING}))* {ROLE}(?: (?:as always|every time|today|too))?[\W_]*$",
    re.IGNORECASE)
PRAISE = "they were kind"  # how the lexicon reads a person praised


def praises_person(text: str) -> bool:
    """Whether ``text`` praises a person for how they were (:data:`PRAISED_PERSON`). Its words are looked for first,
    as plain text: the pattern alone costs ~45 us on a 300-character review."""
    low = text.lower()
    return any(word in low for word in _PERSON_PRAISE) and PRAISED_PERSON.search(text) is not None


# Every saying starts with a word boundary: one that starts with a look-behind or "^" makes the combined search try
# every position the slow way (3x its cost on review sentences). The combined search reads the text in lower case
# with a case-sensitive pattern (the sayings are written in lower case): 2.4x faster than ignoring case
# (bench/sayings_search.py).
_ANY_SAYING = re.compile("|".join(f"(?:{pattern.pattern})" for pattern, _ in IDIOMS))


def saying_side(text: str) -> int:
    """+1 or -1 when ``text`` holds sayings of :data:`IDIOMS` that all mean one side ("Can't fault them", "It used
    to be better"), else 0: where a model reading words ("fault", "better") is most likely wrong."""
    praised = praises_person(text)
    if not _has_saying(text):  # one search for most texts, which hold none
        return int(praised)
    sides = {_side(plain) for pattern, plain in IDIOMS if pattern.search(text)} | ({1} if praised else set())
    return sides.pop() if len(sides) == 1 else 0


# ASCII faces the head never reads as faces (they are not in what a segment is embedded from, and its n-grams keep
# only words). A point whose words the head reads as neutral takes what its faces say, by VADER's people-rated
# valences ("It arrived today. :)" +0.46): as its emoji do (.emoji_sentiment). Not "D:" (VADER's +1.2 reads it as a
# grin), ":o" (surprise) or "8)" (a list's eighth item).
EMOTICONS = (":)", ":-)", ":(", ":-(", ":D", ":-D", ";)", ";-)", ":P", ":p", ":-P", ":-p", ":/", ":-/", ":'(", "<3",
             "</3", "=)", ":]", ":[", "=D", "xD", "XD", ":\\", "=/", ":|", ":-|", ":S", ":s")
_FACE = "|".join(re.escape(face) for face in sorted(EMOTICONS, key=len, reverse=True))
_ONE_FACE = re.compile(_FACE)
_FACE_ALONE = re.compile(rf"(?<!\S)(?:{_FACE})+(?=[.,!?]*(?:\s|$))")


def emoticon_reading(text: str) -> float | None:
    """VADER's compound score of the faces standing alone in ``text`` (":)", ":-(", "<3"), None when it holds none."""
    if not any(mark in text for mark in ":;<=xX"):  # most points: no face could be there
        return None
    found = [face for run in _FACE_ALONE.findall(text) for face in _ONE_FACE.findall(run)]
    return round(float(_vader().polarity_scores(" ".join(found))["compound"]), 4) if found else None


@lru_cache(maxsize=8192)
def felt(words: str) -> bool:
    """Whether the lexicon reads ``words`` (sayings included) as saying anything: "never again", "happy customer" do,
    "customer service" does not."""
    return abs(_vader().polarity_scores(plain_words(words))["compound"]) >= 0.05


def saying_reading(text: str) -> float:
    """The lexicon's compound score of ``text`` with its sayings, and a person praised (:data:`PRAISED_PERSON`),
    read as what they mean: the score a segment gets when the head reads it against its sayings."""
    return float(_vader().polarity_scores(PRAISED_PERSON.sub(PRAISE, plain_words(text)))["compound"])


def _has_saying(text: str) -> bool:
    """Whether ``text`` holds any saying of :data:`IDIOMS`. A segment is asked twice (for its cues and its side), so
    short texts are remembered; a long one (a whole e-mail read by :func:`sentiment`) is not kept in memory."""
    return _short_has_saying(text) if len(text) <= _WHOLE else _ANY_SAYING.search(text.lower()) is not None


@lru_cache(maxsize=4096)
def _short_has_saying(text: str) -> bool:
    return _ANY_SAYING.search(text.lower()) is not None


@lru_cache(maxsize=64)
def _side(plain: str) -> int:
    compound = _vader().polarity_scores(plain)["compound"]
    return (compound > 0) - (compound < 0)


_SPACES = re.compile(r"\s+")
_NUMBER_SIGN = re.compile(r"\b(?:no|nr)\.\s?(?=#?\d)", re.IGNORECASE)  # "Order no. 12345", "No. 2 son", "nr.5"


def as_read(text: str) -> str:
    """The words of ``text`` that the lexicon and the head's cues and word n-grams read: @handles left out (an
    address, not an opinion: VADER read "@united" as the word "united", +1.8, and a leading handle hid a question's
    first word), "no." before a number read as "number" (VADER read it as the denial "no", and "No. 2 son loved the
    cake" as 0), and a hashtag that joins words of feeling spelled out (:func:`.hashtags.spell_out`)."""
    if "@" in text:
        text = _SPACES.sub(" ", HANDLE.sub(" ", text)).strip()
    if "." in text:
        text = _NUMBER_SIGN.sub("number ", text)
    return spell_out(text, felt)


def plain_words(text: str) -> str:
    """``text`` as read (:func:`as_read`) with the sayings of :data:`IDIOMS` read as what they mean ("nothing is too
    much trouble" -> "very helpful"), for the lexicon."""
    text = as_read(text)
    if not _has_saying(text):
        return text
    for pattern, plain in IDIOMS:
        text = pattern.sub(plain, text)
    return text


@lru_cache(maxsize=1)
def _vader():  # type: ignore[no-untyped-def]
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    analyzer.lexicon.update(SERVICE_LEXICON)
    return analyzer


_WHOLE = 500  # characters: a text up to this long (nearly every survey answer and review) is scored whole
_PIECE_WORDS = 60  # a sentence longer than this (a line without stops) is scored in pieces


def sentiment(text: str, language: str | None = "en") -> float | None:
    """Sentiment from -1 (negative) to 1 (positive); None for languages the lexicon does not cover.

    VADER scores sentences: a short text is scored whole; a longer one (an e-mail) sentence by
    sentence, and its sentiment is the mean of the sentences that carry any (|score| >= 0.05),
    0 when none does. Scored whole, a long text's compound saturates towards +-1 whatever its
    balance, and VADER's cost grows with the square of the text's length (a 3,000-word e-mail
    took seconds).
    """
    if language not in (None, "en") or not text.strip():
        return None
    analyzer = _vader()
    text = plain_words(text)
    if len(text) <= _WHOLE:
        return round(float(analyzer.polarity_scores(text)["compound"]), 4)
    scores = [analyzer.polarity_scores(piece)["compound"] for piece in _sentences(text)]
    felt = [score for score in scores if abs(score) >= 0.05]
    return round(float(sum(felt) / len(felt)), 4) if felt else 0.0


def vader_scores(text: str) -> tuple[float, float, float, float]:
    """VADER's (negative, neutral, positive, compound) for a short text, service lexicon included."""
    scores = _vader().polarity_scores(plain_words(text))
    return float(scores["neg"]), float(scores["neu"]), float(scores["pos"]), float(scores["compound"])


# A sentence as cheap cuts see it: up to its stops, or to the end of its line. Only the unit a
# model reads depends on it (VADER here, NER in mail_names), so a cut this simple does, where
# spaCy's tokenizer cost more than VADER itself.
SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|\n|$)")


def _sentences(text: str) -> Iterable[str]:
    """Pieces to score: sentences, and a sentence over 60 words (a line without stops) in pieces."""
    for match in SENTENCE.finditer(text):
        words = match.group().split()
        for start in range(0, len(words), _PIECE_WORDS):
            yield " ".join(words[start : start + _PIECE_WORDS])
