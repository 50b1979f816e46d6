"""Label phrases: the short phrases people write, read off a parse of a theme's segments.

spaCy's English pipeline (tagger, parser, lemmatizer; no NER) parses a theme's
representative segments, and each segment gives the phrases a person would use to
name what it is about, in the words it uses:

- noun phrases with their modifiers: "late delivery", "rude store staff", "missing items",
  "no reply", "more tills", and a noun with its complement: "lack of communication";
- a subject with what is said of it, turned into a noun phrase: "the delivery was late" ->
  "late delivery", "the staff were friendly and helpful" -> "friendly staff", "helpful staff",
  "two items missing from my order" -> "missing items";
- problem verbs with their subject or object: "my card got declined" -> "card declined",
  "the app keeps crashing" -> "app keeps crashing", "cancelled my order" -> "cancelled order",
  "still waiting for my refund" -> "waiting for refund";
- a request for a quality: "make checkout simpler" -> "simpler checkout"; someone named: "[NAME] was kind" -> "kind staff member";
- what nobody did, as the thing missing: "no one replies to emails" -> "no reply", "no reply to emails".

A phrase starts and ends with a content word (never a stop word, number, placeholder or
foreign word; "no", "more" may lead: "no reply") and has at most four words; inside it only
the linking words of a noun's complement ("of", "the") may appear. Places and times are left
out ("Nottingham store" -> "store", "Monday morning"): they say where and when, not what.
Each phrase carries a key (lowercased lemmas of its nouns and verbs, other words as written)
so "late delivery" and "late deliveries" count as one, and its surface form for display.
Segments written in another language give no phrases.

The pipeline is optional: :func:`load_parser` returns None when it is not installed, and
the caller falls back to lemma n-grams.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from feedback.text.names import DEFAULT_MODEL
from feedback.text.segments import clean_for_embedding
from feedback.themes import label_commands
from feedback.themes.label_language import is_foreign
from feedback.themes.label_valence import PROBLEM_LEXICON, QUANTIFIERS, valence, word_valence
from feedback.themes.phrase_tokens import (
    DEGREE,
    SENSE_VERBS,
    THING,
    VERDICTS,
    comparative_wish,
    named_person,
    verb_with,
)
from feedback.themes.phrase_tokens import content as _content
from feedback.themes.phrase_tokens import gerund as gerund  # re-exported: callers read it here
from feedback.themes.phrase_tokens import neg as _neg
from feedback.themes.phrase_tokens import negated as _negated
from feedback.themes.phrase_tokens import numbered as _numbered

# JOINED, MAX_WORDS, PREDICATIVE and TIME_WORDS are re-exported: callers read them here
from feedback.themes.phrase_words import JOINED as JOINED
from feedback.themes.phrase_words import MAX_WORDS as MAX_WORDS
from feedback.themes.phrase_words import PARTICLES, THINGS, VAGUE_HEADS, Phrase
from feedback.themes.phrase_words import PREDICATIVE as PREDICATIVE
from feedback.themes.phrase_words import TIME_WORDS as TIME_WORDS
from feedback.themes.phrase_words import lemma as _lemma
from feedback.themes.phrase_words import negative as _negative
from feedback.themes.phrase_words import phrase as _phrase
from feedback.themes.phrase_words import readable as _readable
from feedback.themes.phrase_words import surface as _surface

log = logging.getLogger(__name__)

__all__ = ["PROBLEM_LEXICON", "QUANTIFIERS", "Phrase", "extract", "load_parser", "phrases_many", "valence", "word_valence"]

# Verbs too light to name anything on their own ("use the website", "have a look").
LIGHT_VERBS = {
    "be", "have", "get", "make", "do", "go", "take", "give", "use", "put", "come", "let", "say", "tell",
    "see", "know", "want", "need", "like", "love", "hate", "enjoy", "prefer", "try", "find", "think",
    "keep", "look", "seem", "feel", "leave", "pay", "buy", "order", "shop", "ask", "call", "ring",
    "send", "help", "thank", "mean", "start", "stop", "continue", "manage", "happen", "become",
    "got",  # "Got my kettle today": the lemmatizer's lemma of a sentence's first "Got"
}  # fmt: skip
# Adjectives that describe nothing a label could name ("make sure offers ...", "my own bags").
PLAIN_ADJECTIVES = {
    "sure", "own", "whole", "certain", "able", "entire", "usual", "various", "previous", "following",
    "recent", "actual", "additional", "single", "particular", "general", "overall", "okay", "ok",
}  # fmt: skip
# Spans of time name something only with a noun in front ("delivery times", not "no time").
PERIODS = {"time", "day", "week", "month", "year"}
_JOIN = re.compile(r"\b(top)(?:ped|ping|s)?[ -](up)(s?)\b", re.IGNORECASE)


@lru_cache(maxsize=2)
def load_parser(model: str = DEFAULT_MODEL) -> Any | None:
    """The spaCy pipeline ``model`` with what phrases need (no NER), once per process; None if missing."""
    try:
        import spacy

        return spacy.load(model, exclude=["ner", "senter"])
    except (ImportError, OSError) as exc:
        log.warning("theme labels from lemma n-grams: cannot load spaCy model %s (%s)", model, exc)
        return None


_MEMO: dict[tuple[str, str], tuple[Phrase, ...]] = {}
_MEMO_MAX = 50_000


def phrases_many(texts: Sequence[str], nlp: Any) -> list[tuple[Phrase, ...]]:
    """The phrases of each text; one batched ``pipe`` over the texts not parsed before.

    Parents and leaves of one fit are labelled from the same segments, so the phrases are kept
    per (pipeline, text) for the life of the process, up to ``_MEMO_MAX`` texts.
    """
    name = f"{nlp.meta.get('lang')}_{nlp.meta.get('name')}-{nlp.meta.get('version')}"
    todo = list(dict.fromkeys(t for t in texts if (name, t) not in _MEMO))
    if len(_MEMO) + len(todo) > _MEMO_MAX:
        _MEMO.clear()
        label_commands.forget()
    english = [t for t in todo if not is_foreign(t)]
    for text in todo:
        _MEMO[(name, text)] = ()
    cleaned = (_unpleased(_join(clean_for_embedding(t))) for t in english)
    for text, doc in zip(english, nlp.pipe(cleaned, batch_size=256), strict=True):
        _MEMO[(name, text)] = tuple(dict.fromkeys(extract(doc)))
        label_commands.note(text, doc)
    return [_MEMO[(name, t)] for t in texts]


_PLEASE = re.compile(r"(?:,?\s*\bplease\b[\s.!]*$)", re.IGNORECASE)


def _unpleased(text: str) -> str:
    """ "Cheaper delivery please" -> "Cheaper delivery": a closing "please" is parsed as the verb of a request
    with no verb ("please" the root, "delivery" left a modifier of nothing), and names nothing."""
    return _PLEASE.sub("", text) or text


def _join(text: str) -> str:
    """ "My top up failed" -> "My topup failed": a phrasal noun of stop words as one word."""
    return _JOIN.sub(lambda m: f"{m.group(1)}{m.group(2)}{m.group(3)}".lower(), text)


# --- extraction ------------------------------------------------------------------------------


def extract(doc: Any) -> list[Phrase]:
    """Every label phrase of one parsed segment (see the module docstring)."""
    out: list[Phrase] = []
    for token in doc:
        if token.dep_ == "nsubj" and _no_one(token):
            out.extend(_nobody(token))
        if token.pos_ in ("NOUN", "PROPN") and _content(token) and token.dep_ not in ("compound", "nmod", "amod"):
            out.extend(_noun_phrases(token))
            out.extend(_predicated(token))
        elif token.pos_ == "VERB" and _content(token):
            out.extend(_verb_phrases(token))
        elif token.pos_ == "ADJ" and _content(token):
            out.extend(_easy_to(token))
            out.extend(_made(token))
        elif token.pos_ == "ADV" and token.tag_ in ("RBR", "JJR") and _content(token):  # "make it faster"
            out.extend(_made(token))
        elif token.pos_ == "PRON":
            out.extend(_described(token))
            out.extend(_said_of(token))
            out.extend(_something(token))
    out.extend(Phrase(key, text) for key, text in [*comparative_wish(doc), *named_person(doc)])  # "Kind staff"
    return [p for p in out if _readable(p)]


def _noun_phrases(head: Any) -> list[Phrase]:
    """The noun alone, with its modifiers ("rude store staff", "store staff"), with its complement."""
    mods = _modifiers(head)
    if _lemma(head) in PERIODS and (not any(m.dep_ == "compound" for m in mods)
                                    or any(c.lower_ == "all" for c in head.lefts)):  # "all the time"
        return []
    found = [_phrase([head])]
    if mods:
        found.append(_phrase([*mods, head]))
        if len(mods) > 1:
            found.append(_phrase([mods[-1], head]))
    for tail in _complements(head):  # "more staff on the phones" -> "more staff on phones": four words
        words = [*mods[-1:], head, *tail]
        found.append(_phrase(words if len(words) <= MAX_WORDS else [t for t in words if t.lower_ != "the"]))
    instead = [c for c in head.head.children if c.lower_ == "instead" and c.dep_ == "advmod"]
    if head.dep_ == "dobj" and instead and head.head.lemma_ in RECEIVED:  # "got cat food instead": in place of
        return [_phrase([*_compounds(head), head, instead[0]])]  # what was ordered, not the thing alone
    for acl in head.children:  # "items missing from my order" -> "missing items"
        if acl.dep_ == "acl" and acl.i > head.i and acl.tag_ in ("VBG", "VBN"):
            if _negated(acl) and acl.tag_ == "VBN":  # "multibuy offer not applied"
                found.append(_phrase([*_compounds(head), head, _neg(acl), acl]))
            elif _negative(acl) and not _negated(acl):
                found.append(_phrase([acl, *_compounds(head), head]))
    return found


def _modifiers(head: Any) -> list[Any]:
    """Left modifiers that belong in a label: adjectives, participles, compounds, "no"/"more".

    A place or person in front of a common noun is left out: "Nottingham store" and "York
    store" are both "store" to a theme.
    """
    mods = []
    for child in head.lefts:
        if child.dep_ in ("amod", "compound", "nmod") and _content(child) and child.pos_ in (
                "ADJ", "NOUN", "PROPN", "VERB"):
            if (child.pos_ == "PROPN" and head.pos_ == "NOUN") or child.lower_ in PLAIN_ADJECTIVES:
                continue
            mods.extend(_modifiers(child) if child.dep_ != "amod" else [])
            mods.append(child)
        elif child.dep_ in ("det", "amod") and child.lower_ in QUANTIFIERS and not mods:
            mods.append(child)
    return mods[-(MAX_WORDS - 1):]


def _compounds(token: Any) -> list[Any]:
    """The nouns in front of a noun that make one name with it ("customer service team")."""
    found = []
    for child in token.lefts:
        if child.dep_ == "compound" and _content(child) and not (child.pos_ == "PROPN" and token.pos_ == "NOUN"):
            found.extend([*_compounds(child), child])
    return found


def _complements(head: Any) -> Iterable[list[Any]]:
    """ "lack [of communication]", "staff [at the weekend]", "problems [with the app]"."""
    for prep in head.rights:
        if prep.dep_ != "prep" or prep.lower_ not in ("of", "for", "with", "at", "on", "in"):
            continue
        for obj in prep.children:  # not "deliveries [in Liverpool]": a place is not a topic
            if obj.dep_ == "pobj" and (obj.pos_ == "NOUN" or head.pos_ == "PROPN") and _content(obj) \
                    and not _numbered(obj):
                det = [d for d in obj.lefts if d.dep_ == "det" and d.lower_ == "the"]
                yield [prep, *det, *_compounds(obj), obj]


def _described(pronoun: Any) -> list[Phrase]:
    """ "everyone was friendly and helpful" -> "friendly and helpful": two qualities of nobody named."""
    verb = pronoun.head
    if pronoun.dep_ != "nsubj" or verb.lemma_ not in ("be", "seem", "feel") or _negated(verb):
        return []
    for comp in verb.children:
        if comp.dep_ == "acomp" and comp.pos_ == "ADJ" and _content(comp):
            also = [c for c in comp.conjuncts if c.pos_ == "ADJ" and _content(c)]
            cc = [c for c in comp.children if c.dep_ == "cc" and c.lower_ == "and"]
            if also and cc:
                return [_phrase([comp, cc[0], also[0]])]
    return []


SOMETHING = frozenset({"something", "anything", "everything"})  # goods none of which is named


def _something(pronoun: Any) -> list[Phrase]:
    """ "tell me if something is missing" -> "missing items", "everything was broken" -> "broken items", "everything
    arrived damaged" -> "damaged items": a problem of goods none of which is named (not "nothing was missing", nor
    "everything was great")."""
    verb = pronoun.head
    if pronoun.lower_ not in SOMETHING or pronoun.dep_ not in ("nsubj", "nsubjpass") or _negated(verb):
        return []
    said = [verb] if verb.tag_ in ("VBG", "VBN") else []
    said += [c for c in verb.children if c.dep_ in ("acomp", "advcl", "oprd") and c.tag_ in ("VBG", "VBN", "JJ")]
    return [Phrase(f"{word.lower_} item", f"{word.lower_} {THINGS}") for word in said if _negative(word)]


def _said_of(pronoun: Any) -> list[Phrase]:
    """ "it runs large" -> "runs large", "it was way too small" -> "too small", "it's so flattering" -> "very
    flattering": what a review says of the thing it is about, named by a pronoun (product reviews name it so in
    most sentences)."""
    verb = pronoun.head
    if pronoun.dep_ != "nsubj" or pronoun.lower_ not in THING or _negated(verb):
        return []
    for comp in verb.children:
        if comp.dep_ != "acomp" or comp.pos_ != "ADJ" or not _content(comp):
            continue
        if verb.lemma_ in SENSE_VERBS:
            return [_phrase([verb, comp])]
        degree = [c for c in comp.children if c.dep_ == "advmod" and c.lower_ in DEGREE]
        if verb.lemma_ == "be" and degree and degree[0].lower_ == "too":
            return [_phrase([degree[0], comp])]
        if verb.lemma_ == "be" and degree and comp.tag_ == "JJ" and comp.lower_ not in VERDICTS:  # "very flattering"
            return [Phrase(key=f"very {comp.lower_}", text=f"very {comp.lower_}")]
    return []


def _predicated(noun: Any) -> list[Phrase]:
    """ "the delivery was late" -> "late delivery"; "my card got declined" -> "card declined";
    "the offer wasn't applied" -> "offer not applied"."""
    if noun.dep_ not in ("nsubj", "nsubjpass"):
        return []
    verb = noun.head
    subject = [*_compounds(noun), noun]
    if _negated(verb):
        return _not_done(subject, verb)
    found = []
    for also in verb.conjuncts:  # "my delivery was booked for 8pm and didn't turn up" -> "delivery not turning up"
        if also.i > verb.i and _negated(also) and not any(c.dep_ in ("nsubj", "nsubjpass") for c in also.children):
            found.extend(_not_done(subject, also))
    if verb.lemma_ in ("be", "seem", "look", "feel", "arrive", "come", "get", "become", "remain"):
        described = [m for m in _modifiers(noun) if m.dep_ == "amod" and m.lower_ not in QUANTIFIERS]
        for comp in verb.children:
            if comp.dep_ == "acomp" and _content(comp) and comp.pos_ in ("ADJ", "ADV", "VERB"):
                for adjective in (comp, *comp.conjuncts):
                    if _content(adjective) and adjective.pos_ in ("ADJ", "ADV", "VERB"):
                        found.append(_phrase([adjective, *subject]))
                        if described:  # "the fresh food was excellent" -> also "excellent fresh food"
                            found.append(_phrase([adjective, *described, *subject]))
    elif verb.pos_ == "VERB" and _negative(verb) and not any(c.dep_ == "dobj" for c in verb.children):
        found.append(_phrase([*subject, verb]))  # "card declined", "app crashes"
    elif noun.dep_ == "nsubjpass" and verb.tag_ == "VBN" and verb.lemma_ not in LIGHT_VERBS and _content(verb) \
            and _lemma(noun) not in VAGUE_HEADS:
        found.append(_phrase([*subject, verb]))  # "my vacation was approved" -> "vacation approved"
    elif verb.lemma_ == "keep" and noun.dep_ == "nsubj":
        for comp in verb.children:  # "the app keeps crashing"
            if comp.dep_ == "xcomp" and comp.tag_ == "VBG" and _negative(comp):
                found.append(_phrase([*subject, verb, comp]))
    if verb.lemma_ in TIMED:  # "my flight arrived late", "the van turned up 90 minutes late": "late flight", "late van"
        found.extend(_phrase([when, *subject]) for when in verb.children
                     if when.dep_ == "advmod" and when.lower_ in ("late", "early"))
    return found


def _problem_when(verb: Any, clause: Any) -> list[Phrase]:
    """A problem with what the customer was doing: "the app crashed three times while I was trying to change my
    delivery slot" -> "crashed when changing slot", "the app crashes when I try to check in" -> "crashes when checking
    in" (at most four words: the object's compounds, then the object, give way; a light verb, "when I tried to pay",
    names no doing)."""
    if not any(c.dep_ in ("mark", "advmod") and c.lower_ in ("when", "while", "whilst") for c in clause.children):
        return []
    if any(c.dep_ in ("nsubj", "nsubjpass") and c.lower_ not in ("i", "we") for c in clause.children):
        return []  # what the customer was doing, not "when something is missing"
    act = clause
    if act.lemma_ in ("try", "attempt"):  # what was tried
        act = next((c for c in act.children if c.dep_ == "xcomp" and c.pos_ == "VERB"), None)
    if act is None or act.lemma_ in LIGHT_VERBS or _negated(act) or not _content(act):
        return []
    particle = [c for c in act.children if (c.dep_ == "prt" or (c.dep_ == "prep" and not list(c.children)))
                and c.lower_ in PARTICLES][:1]  # "check in": a particle, though parsed as a preposition
    objects = [c for c in act.children if c.dep_ == "dobj" and c.pos_ in ("NOUN", "PROPN") and _content(c)][:1]
    done = [_surface(verb), "when", gerund(act.lemma_.lower()), *(p.lower_ for p in particle)]
    keys = [_lemma(verb), "when", _lemma(act), *(p.lower_ for p in particle)]
    for thing in ([*_compounds(objects[0]), objects[0]], objects[:1], []) if objects else ([],):
        if len(done) + len(thing) <= MAX_WORDS:
            return [Phrase(" ".join([*keys, *map(_lemma, thing)]), " ".join([*done, *map(_surface, thing)]))]
    return []


TIMED = {"arrive", "come", "turn", "show", "land", "leave", "depart", "deliver", "run"}  # late or early, said of it


def _not_done(subject: list[Any], verb: Any) -> list[Phrase]:
    """ "the offer wasn't applied" -> "offer not applied"; "my card won't work", "the driver didn't
    turn up" -> "card not working", "driver not turning up" (a phrasal verb keeps its particle)."""
    if verb.pos_ != "VERB" or verb.lemma_ in LIGHT_VERBS:
        return []
    if verb.tag_ in ("VBN", "VBD") and not any(c.dep_ == "prt" for c in verb.children):
        done = _phrase([*subject, _neg(verb), verb])
        return [Phrase(done.key, done.text, subject=_phrase(subject).key)]
    if _content(verb) and _lemma(subject[-1]) not in VAGUE_HEADS:
        particle = [c for c in verb.children if c.dep_ == "prt" and c.is_alpha]
        found = _phrase([*subject, _neg(verb), verb, *particle[:1]])
        words = found.text.split()
        at = len(words) - 1 - len(particle[:1])
        return [Phrase(found.key, " ".join([*words[:at], gerund(verb.lemma_.lower()), *words[at + 1:]]),
                       subject=_phrase(subject).key)]
    return []


def _verb_phrases(verb: Any) -> list[Phrase]:
    """ "cancelled my order" -> "cancelled order"; "waiting for my refund" -> "waiting for refund"."""
    particle = [c for c in verb.children if c.dep_ == "prt" and c.is_alpha]
    if verb.tag_ == "VBG" and verb.dep_ in ("csubj", "nsubj") and particle and not _negated(verb):
        return [_phrase([verb, particle[0]])]  # "Signing up took one click" -> "signing up"
    found = [_phrase(words)] if (words := verb_with(verb)) and not _negated(verb) else []  # "tried on in store"
    if verb.lemma_.lower() in LIGHT_VERBS or _negated(verb):
        return found
    for child in verb.children:
        if child.dep_ == "dobj" and child.pos_ in ("NOUN", "PROPN") and _content(child) \
                and _lemma(child) not in PERIODS:  # not "crashes (all the) time"
            done = _phrase([verb, *_modifiers(child), child, *_misread_plural(child)])
            found.append(Phrase(done.key, done.text, verb=_surface(verb)))
        elif child.dep_ == "prep" and child.lower_ == "after" and verb.lemma_ in ARRIVALS:
            for obj in child.children:  # "my order arrived well after the slot" -> "arrived after the slot"
                if obj.dep_ == "pobj" and obj.pos_ == "NOUN" and _content(obj) and _lemma(obj) not in TIME_WORDS:
                    found.append(_phrase([verb, child, *[d for d in obj.lefts if d.lower_ == "the"], obj]))
        elif child.dep_ == "prep" and child.lower_ == "after" and _negative(verb):
            found.extend(_problem_after(verb, child))
        elif child.dep_ == "advcl" and _negative(verb):
            found.extend(_problem_when(verb, child))
        elif child.dep_ == "prep" and child.lower_ in ("for", "on", "about") and _negative(verb):
            # what the problem is about ("charged for delivery"), not where ("split in the bag")
            for obj in child.children:
                if obj.dep_ == "pobj" and obj.pos_ in ("NOUN", "PROPN") and _content(obj) and not _numbered(obj):
                    found.append(_phrase([verb, child, *_compounds(obj), obj]))
    return found


ARRIVALS = {"arrive", "deliver", "turn"}  # arriving after a time is arriving late


def _misread_plural(noun: Any) -> list[Any]:
    """The plural noun the parser read as a second object verb right after ``noun`` ("Test your app updates":
    "updates" a VERB object of "Test"), so that the phrase keeps it ("test app updates", not "test app")."""
    after = noun.doc[noun.i + 1] if noun.i + 1 < len(noun.doc) else None
    if after is not None and after.dep_ == "dobj" and after.head == noun.head and after.tag_ == "VBZ":
        return [after]
    return []


def _problem_after(verb: Any, after: Any) -> list[Phrase]:
    """A problem with what set it off: "still being charged for Plus after cancelling" -> "charged after
    cancelling", "crashes after the update" -> "crashes after update"; never after a time ("broke after two
    weeks") or a number of times ("shrank after one wash": what it was is the wash, said on its own)."""
    return [_phrase([verb, after, obj]) for obj in after.children if _content(obj) and (
        (obj.dep_ == "pcomp" and obj.tag_ == "VBG" and not _negated(obj))
        or (obj.dep_ == "pobj" and obj.pos_ == "NOUN" and _lemma(obj) not in TIME_WORDS | PERIODS
            and not _numbered(obj)))]


RECEIVED = {"get", "receive", "send", "give", "deliver", "bring"}  # "got X instead": a substitution


def _easy_to(adjective: Any) -> list[Phrase]:
    """ "so easy to use" -> "easy to use"; "quick to help" (any verb: "use" is light alone)."""
    found = []
    for verb in adjective.children:
        if verb.dep_ == "xcomp" and verb.pos_ == "VERB" and verb.is_alpha and not _negated(verb):
            to = [t for t in verb.children if t.dep_ == "aux" and t.lower_ == "to"]
            if to and to[0].i == verb.i - 1 and adjective.i < verb.i:
                found.append(_phrase([adjective, to[0], verb]))
    return found


# What nobody did, as the thing missing ("nobody replied" -> "no reply"; "no one called me back" -> "no callback").
NOT_DONE = {"reply": "reply", "respond": "response", "answer": "answer", "apologise": "apology",
            "apologize": "apology", "explain": "explanation", "update": "update", "contact": "contact", "help": "help"}


def _no_one(token: Any) -> bool:
    return token.lower_ in ("nobody", "noone") or (
        token.lower_ == "one" and any(c.dep_ == "det" and c.lower_ == "no" for c in token.children))


def _nobody(subject: Any) -> list[Phrase]:
    """ "No one replies to emails" -> "no reply", "no reply to emails"; "nobody called me back" ->
    "no callback"; "nobody apologised" -> "no apology"."""
    verb = subject.head
    lemma = verb.lemma_.lower()
    back = any(c.lower_ == "back" for c in verb.children)
    noun = "callback" if lemma in ("call", "ring", "phone") and back else NOT_DONE.get(lemma)
    if verb.pos_ != "VERB" or noun is None or _negated(verb):
        return []
    found = [Phrase(f"no {noun}", f"no {noun}")]
    for prep in verb.children:
        if prep.dep_ == "prep" and prep.lower_ == "to":
            for obj in prep.children:
                if obj.dep_ == "pobj" and obj.pos_ == "NOUN" and _content(obj):
                    found.append(Phrase(f"no {noun} to {_lemma(obj)}", f"no {noun} to {obj.lower_}"))
    return found


def _made(adjective: Any) -> list[Phrase]:
    """ "make checkout simpler" -> "simpler checkout", "make the app faster" -> "faster app": a
    request for a quality, named as the thing with it."""
    if adjective.head.lemma_ != "make" or adjective.dep_ not in ("ccomp", "xcomp", "oprd", "acomp", "advmod"):
        return []
    nouns = [c for c in adjective.children if c.dep_ == "nsubj" and c.pos_ == "NOUN" and _content(c)]
    nouns += [c for c in adjective.head.children if c.dep_ == "dobj" and c.pos_ == "NOUN" and _content(c)]
    return [_phrase([adjective, *_compounds(nouns[0]), nouns[0]])] if nouns else []
