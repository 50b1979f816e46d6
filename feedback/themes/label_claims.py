"""What a label claims of the comments under it, and labels that would claim praise over requests.

:func:`claim_kind` reads a label as a person would: "praise" ("Staff praise", "Easy ordering"),
"problems" ("Bag problems", "Late delivery", "No reply"), "requests" ("Bag suggestions", "More
staff", an instruction: "Respect no-substitutes", "Add PayPal") or nothing (a topic: "Prices and
value", "Order comments"). A problem said not to be there is praise ("No complaints", "Nothing
wrong", "Never late"); an absence of something neutral is a problem ("No reply", "Not kept
informed"). :func:`.parent_words.claim` gives its sign (requests count with problems, as the top
level's sides do).

:func:`as_request`: a theme whose comments mostly ask for something ("Better substitutions", "Send
a clear receipt that matches ...", "Make it as easy to cancel Plus as it is to join") is not named
by a phrase that reads as praise ("Better substitutions", "Clear receipt", "Easy to cancel") but
as a request: "Substitution requests", "Receipt requests", "Cancellation requests" (a verb by its noun,
:data:`NOUN_OF`; another word for the head when a sibling or the parent has it). A segment asks when :func:`asks` says so
(an instruction, "More ...") or when it is a short wish opening with a comparative and comparing
with nothing ("Better substitutions", "Faster refunds please"; not "Cheaper than where I used to
shop and better quality"): :func:`wants`. Used by :mod:`.label` for themes (not parents:
:func:`.parent_words.held` weighs a parent's claim against its children).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

from feedback.themes import speech_acts
from feedback.themes.label_valence import OWED
from feedback.themes.phrase_tokens import COMPARATIVES

NEGATORS = frozenset({"no", "nothing", "never", "not", "zero", "none", "without"})
# Words that name what is on offer, not how it was: "Free trial", "Free delivery", "Free returns" claim nothing
# (customers charged after a free trial are under "Free trial"); "Great free delivery" claims praise by "great".
OFFER_WORDS = frozenset({"free"})
# The noun a label names a service verb by ("Easy to cancel" over complaints: "Cancellation problems", not
# "Cancel problems"); a verb not here is written as it is.
NOUN_OF = {"cancel": "cancellation", "deliver": "delivery", "pay": "payment", "renew": "renewal",
           "subscribe": "subscription", "substitute": "substitution", "book": "booking", "install": "installation",
           "register": "registration", "verify": "verification", "apply": "application", "collect": "collection",
           "replace": "replacement", "ship": "shipping", "track": "tracking", "reserve": "reservation",
           "connect": "connection", "arrive": "arrival", "order": "ordering", "unsubscribe": "unsubscribing"}
WISH_WORDS = 5  # a wish opening with a comparative is this short ("Better substitutions please")
_MORE = frozenset({"more", "less", "fewer"})
ASKING = 0.5  # share of a theme's segments that ask for something making its praise-like label a request


def asks(doc: str) -> bool:
    """Whether a segment asks the company to do something: an instruction (:mod:`.label_words`'s
    words: "Don't put the bottles on the bread") or more or less of something ("More staff at the
    weekend", "Open more tills", "Need fewer bags"), not a question."""
    from spacy.lang.en.stop_words import STOP_WORDS

    from feedback.themes.label_words import PRONOUNS, opens_with_request

    if opens_with_request(doc):  # not the parse's reading: grouping must not depend on what was parsed before
        return True
    words = doc.lower().replace("\u2019", "'").split()
    if not words or doc.rstrip().endswith("?"):
        return False
    return words[0] in _MORE or (len(words) > 2 and words[1] in _MORE and words[0].isalpha()
                                 and words[0] not in STOP_WORDS and words[0] not in PRONOUNS)


def wants(doc: str) -> bool:
    """Whether a segment asks the company for something: :func:`asks`, or a short wish
    that opens with a comparative and compares with nothing ("Better substitutions", "Quicker
    refunds please"), not a question."""
    if asks(doc):
        return True
    words = [w.strip(".,!?;:") for w in doc.lower().replace("\u2019", "'").split()]
    return (bool(words) and words[0] in COMPARATIVES and len(words) <= WISH_WORDS and "than" not in words
            and not doc.rstrip().endswith("?"))


def asking(docs: Sequence[str]) -> bool:
    """Whether at least ``ASKING`` of ``docs`` ask for something (:func:`wants`)."""
    return bool(docs) and sum(map(wants, docs)) / len(docs) >= ASKING


def claim_kind(label: str) -> tuple[str | None, list[str]]:
    """What ``label`` claims ("praise", "problems", "requests" or None) and the words that claim it
    (see the module docstring): from its head (:data:`.label_words.HEADS`), an opening "No"/"Nothing"/
    "Never"/"Not" turning what follows round, an opening "More"/"Less"/"Fewer", an instruction (its
    parse: :mod:`.label_commands`), else the tone of its words that are no nouns ("easy", "late"; not
    "support"); two topics joined by "and" claim only with a head ("Checkout and refund problems")."""
    from feedback.themes.label_words import HEADS

    words = label.split()
    lower = [w.lower() for w in words]
    if not words or ("problems" in lower and "praise" in lower):
        return None, []
    for kind in ("praise", "problems", "requests"):
        if lower[-1] in HEADS[kind] and not (lower[0] in NEGATORS and len(words) > 1):
            return kind, words[-1:]
    if lower[-1] in HEADS["comments"] or lower[-1] in HEADS["questions"]:
        return None, []
    if lower[0] in NEGATORS and len(words) > 1:  # "No complaints", "Nothing wrong"; "No reply"
        rest, _ = claim_kind(" ".join(words[1:]))
        if rest is None or OWED.intersection(lower):  # the absence of something: "No reply", "No warning"
            return "problems", words[:1]
        turned = {"problems": "praise", "praise": "problems"}.get(rest)  # a negated request claims nothing
        return turned, words if turned else []
    if "and" in lower:
        return None, []
    if lower[0] in ("more", "less", "fewer"):
        return "requests", words[:1]
    return _by_parse(label, words)


def _by_parse(label: str, words: list[str]) -> tuple[str | None, list[str]]:
    """An instruction is a request ("Respect no-substitutes", though "respect" is a kind word);
    else the strongest tone of the words that are no nouns."""
    from feedback.themes.label_commands import command
    from feedback.themes.phrases import load_parser, valence

    parser = load_parser()
    if parser is None:
        return None, []
    doc = parser(label)
    if command(doc):
        return "requests", words[:1]
    tones = [(valence(t.text), t.text) for t in doc if t.pos_ not in ("NOUN", "PROPN") and t.lower_ not in OFFER_WORDS]
    tone = max((t for t, _ in tones), key=abs, default=0.0)
    if not tone:
        return None, []
    return ("praise" if tone > 0 else "problems"), [w for t, w in tones if t and (t > 0) == (tone > 0)]


def as_request(label: str, docs: Sequence[str], used: set[str], parser: Any = None, tone: float | None = None,
               negative: float = -1.0) -> str:
    """``label`` as a request ("<topic> requests", or "suggestions"/"wishes" when taken) when it
    claims praise (:func:`claim_kind`) while most of ``docs`` ask for something (:func:`asking`);
    the topic is what the label names besides its praise words, singular ("Better substitutions" ->
    "Substitution requests"). Likewise "<topic> problems" when a phrase without a verb claims praise of a theme
    whose ``tone`` is at most ``negative`` ("Fresh food" over "I was sceptical about buying fresh food online", -0.91:
    "Food problems"; not "Driver was polite", which is what its comments say before the problem they tell).
    ``label`` as it is otherwise, or when no topic is left."""
    from spacy.lang.en.stop_words import STOP_WORDS

    from feedback.text.sentiment import sentiment
    from feedback.themes.label_words import HEADS
    from feedback.themes.phrases import load_parser

    asked = asking(docs)
    if not asked and (tone is None or tone > negative):  # the words first: a label is parsed only when it may change
        return label
    if speech_acts.is_act(label):  # what the comments do, no topic: "Kind words" over "Keep it up" asks for no words
        return label
    kind, claiming = claim_kind(label)
    if kind != "praise" or not (asked or (sentiment(label) or 0.0) > 0):  # "Huge disappointment" names its problem
        return label
    parser = parser or load_parser()
    if asked and (written := as_written(label, docs)):  # "More reliable delivery times", "Send a clear receipt"
        return written
    tokens = list(parser(label)) if parser else []
    if not asked and any(t.pos_ == "AUX" or (t.pos_ == "VERB" and t.dep_ == "ROOT") for t in tokens):  # a clause:
        return label  # "Driver was polite, shame the frozen food had thawed" is no praise of the food (not a participle
    # before its noun nor an infinitive after its adjective: "Promised refund", "Easy to cancel" name no clause)
    rest = [t for t in tokens if t.text not in claiming and t.is_alpha and t.lower_ not in STOP_WORDS]
    if not rest:
        return label
    topic = " ".join(t.lemma_.lower() if t.tag_ in ("NNS", "NNPS") else
                     NOUN_OF.get(t.lemma_.lower(), t.lower_) if t.pos_ == "VERB" else t.lower_ for t in rest)
    choices = [f"{topic[:1].upper()}{topic[1:]} {head}" for head in HEADS["requests" if asked else "problems"]]
    return next((c for c in choices if c.lower() not in used), choices[0])


WRITTEN_WORDS = 4  # a label is a phrase of at most this many words


def as_written(label: str, docs: Sequence[str]) -> str | None:
    """``label`` as most of ``docs`` ask for it, when that is a request of at most :data:`WRITTEN_WORDS` words:
    after the "more", "less" or "fewer" they wrote before it ("More reliable delivery times please" -> "More
    reliable delivery times") or after the verb that opens them ("Send a clear receipt that matches what you take
    from my card" -> "Send a clear receipt"); None when fewer than half write it one way, or that way is no request
    (:func:`claim_kind`: "Really clear receipt" tells no one to do anything)."""
    phrase = re.escape(label.lower())
    more = re.compile(rf"\b(?:more|less|fewer)\s+{phrase}\b")
    opening = re.compile(rf"^(?:please\s+)?[a-z]+\s+(?:(?:a|an|the|my|our|your)\s+)?{phrase}\b")
    before: Counter[str] = Counter()  # the words written before the label
    for doc in docs:
        text = " ".join(doc.lower().replace("\u2019", "'").split())
        if found := more.search(text) or opening.match(text):
            words = found.group(0).split()[:-len(label.split())]
            before[" ".join(words[1:] if words[0] == "please" else words)] += 1
    if not before:
        return None
    asked, count = before.most_common(1)[0]
    first, *rest = label.split()
    first = first.lower() if first[1:].islower() else first  # "Reliable", not "PayPal" or "PIN"
    text = " ".join([asked, first, *rest])
    if count / len(docs) < ASKING or len(text.split()) > WRITTEN_WORDS:
        return None
    text = f"{text[:1].upper()}{text[1:]}"
    return text if claim_kind(text)[0] == "requests" else None


def more_of_both(first: str, second: str, docs: Sequence[str]) -> str | None:
    """Two topics a group asks more (or less, fewer) of, as its segments write it: "More staff and tills" over "More
    staff at the weekend" and "Open more tills at busy times", when at least :data:`ASKING` of ``docs`` ask for more of
    one of them (a word may come between: "more helpful staff"), each is asked for, and with the same word (not "Less
    bags and plastic" for fewer bags and less plastic); else None."""
    said: list[Counter[str]] = [Counter(), Counter()]
    for doc in docs:
        text = " ".join(doc.lower().replace("\u2019", "'").split())
        for n, topic in enumerate((first, second)):
            if found := re.search(rf"\b(more|less|fewer)\s+(?:[a-z]+\s+)?{re.escape(topic.lower())}\b", text):
                said[n][found.group(1)] += 1
                break
    words = [count.most_common(1)[0][0] for count in said if count]
    if (not docs or sum(sum(count.values()) for count in said) / len(docs) < ASKING or len(words) < 2
            or words[0] != words[1]):
        return None
    return f"{words[0].capitalize()} {first} and {second}"
