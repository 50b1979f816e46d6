"""Theme labels: the short phrases people write ("Late delivery", "Rude staff"), distinct.

A theme is named from its representative segments (the best-scoring ``REPRESENTATIVES``;
callers pass them best first), parsed into candidate phrases by :mod:`.phrases` (a customer's typo
written as the rest of the fit writes the word: :mod:`.label_spelling`). A candidate's score is

- how much of the theme uses it (the share of its segments; for a parent, the share of its
  children that use it times their mean share: the children's common ground),
- times its distinctiveness against the other themes labelled with it (c-TF-IDF's
  ``log(1 + A / f)``, ``A`` the average phrase count per theme, ``f`` the phrase's count
  over all of them),
- times a length factor: two or three words name a theme; one word is a topic, not a label
  (a parent may be one word: "Delivery"),
- times the tone: a mostly negative theme (mean published segment sentiment, :mod:`.theme_tone`, at
  most ``NEGATIVE_THEME``) prefers a phrase that names the problem ("late delivery", "no reply")
  and shuns a positive one ("lovely driver"); a positive theme shuns a negative one.

A candidate must be used by at least two segments (every segment of a tiny theme), a
parent's by at least two children. A theme's label is its best candidate not taken, where a
single word gives way to a phrase containing it ("refund" -> "refund delays"), else to another
phrase a quarter of the theme uses ("joke" -> "delivery times"); a theme whose best phrase is taken
is named by it with the word that tells it apart ("Friendly till staff": :mod:`.label_distinct`); but when much of the theme says
the same short thing and no phrase covers half as much, that is the label if it reads as one
("Slow refunds"; :mod:`.sayings`, :func:`.label_words.label_phrase`), its own phrase if it is over
four words and has one ("More staff on the phones" -> "More staff"), else what the theme does ("As
above" -> "No further comments", "Late again" -> "Repeated lateness", "Made my day" -> "General
praise": :func:`.label_words.speech_act`), what the saying describes ("Everyone was really
friendly" -> "Friendly people"), or the saying's topic with what its comments do ("The driver was
lovely" -> "Driver praise" when "Lovely driver" is a sibling's). Siblings that do the same get
other words ("Bag suggestions" after "Bag requests", "Phone call requests"), not a number. A theme
left with one word is named, in this order (:mod:`.label_words`), by what most of its segments do
when they say nothing a phrase could name ("Requests for help", "Greeting messages", "Next-step
questions"), by two words both a quarter of it uses ("Salary and income"), by the word most write
before its word ("Swift transfers"), or, when a third of it uses the word, by the word and what its
comments do: "Refund problems" (mostly negative), "Staff praise" (mostly positive), "Traffic
questions" (mostly questions), "Bottle comments"; when no word is used by a third of it, by what its
questions ask ("Timing questions") or "Mixed questions" / "Assorted comments" (:func:`_fallback`). A
name ("Aaron", "Portland") is never a topic, and a phrase or saying holding a person's given name
("call me bob", "spell aaron") is no candidate at all, for a label or a keyword: a name the redactor
missed (written in lower case, say) is never published as a theme's name (:mod:`.label_units`). A
parent's label is its best shared phrase, two shared words ("Prices and value"; "Checkout and refund
problems" when mostly negative), its one shared word with what its comments do ("Weather questions",
"Delivery problems"; "App problems and praise" when its children go both ways), or its two biggest
children's main words, never a name alone ("France") nor a word that names no topic alone ("Number":
:mod:`.parent_words`), nor by examples ("Box and glasses" -> "Damage and packaging problems": :mod:`.label_kinds`);
a parent much of which is about reaching the company (phone, chat, e-mail, numbers left) is "Support contact";
one most of whose segments are verdicts naming no topic ("i love it!", "sadly i returned it") "Overall verdicts" (:mod:`.verdicts`);
a parent whose children mostly say nothing about a topic ("As above", "Made my day", another language:
:func:`.label_words.content_free`) is "General remarks"; one whose children share nothing is "Short answers",
"Mixed problems" (mostly complaints; "Mixed questions", ...) or "Mixed comments". Labels are written as most segments wrote them, capitalised, and chosen in the order given
(biggest first) against ``taken`` (analysts' pinned labels, the parents' labels), so no two themes share one;
keywords are the label's phrase and the best other candidates picked for variety (maximal marginal relevance).

Relevance is the share of the theme's best-scoring segments (those nearest its centroid) that use a phrase,
not the cosine of a phrase embedding to the centroid: MiniLM cost ~8 ms of CPU per short phrase on the machine
this was measured on, and the sample's fit has ~500 distinct candidates, more than the whole labelling (~3.5 s).

Without the English pipeline (:func:`.phrases.load_parser` returns None) labels come, as
before, from class-based TF-IDF over lemma n-grams (:mod:`.ngram_labels`), capitalised.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from feedback.themes import (
    label_centre,
    label_claims,
    label_distinct,
    label_kinds,
    label_picks,
    label_spelling,
    label_units,
    label_words,
    parent_words,
    people,
    phrases,
    sayings,
    speech_acts,
    verdicts,
)
from feedback.themes.label_keywords import diverse, from_children, from_sayings, languages
from feedback.themes.label_picks import LEAF_PAIR, TOPIC_WORD
from feedback.themes.label_units import NEGATIVE_THEME, POSITIVE_THEME, Candidate, Unit
from feedback.themes.ngram_labels import (
    Labelling,
    choose_labels,
    class_terms,
    commonest_text,
    ctfidf,
)

__all__ = ["Labelling", "choose_labels", "class_terms", "commonest_text", "ctfidf", "label_parents", "label_themes"]

REPRESENTATIVES = 40  # segments of a theme its label is read from (the best-scoring)
BACKGROUND = 15  # segments of a theme that is only background for distinctiveness
LENGTH = {1: 0.5, 2: 1.0, 3: 0.9, 4: 0.75}  # by words in the phrase's key
PARENT_WORD = 0.8  # a parent may be a single word ("Delivery"): it names a group of themes
PROBLEM = 1.5  # in a negative theme: a phrase naming the problem
OFF_TONE = 0.3  # a phrase of the opposite tone ("lovely" for late deliveries)
EXTEND = 0.2  # a phrase containing the best single word wins if it scores this share of it
OTHER_PHRASE = 0.5  # ... else another phrase used by LEAF_PAIR of the theme, scoring this share of it
PARENT_EXTEND = 0.8  # ... for a parent, whose single words are its common ground
SHARED = 0.25  # ... if that phrase covers this share of what the word covers ("venture card" never)
PARENT_PAIR = 0.3  # ... a parent (two topics its children share: "Car and tires")
SAID = 0.4  # a theme where this share of segments say the same short text ...
SAID_WORDS = 8  # ... of at most this many words is named by it, unless a phrase covers half as much
OWN = 0.8  # ... but by its own phrase (used by this share of the segments saying it) if longer than four
NAMED = 0.8  # a phrase holding a name the word tables lack (the company's) says less than one without
FEW = 0.25  # a phrase used by less of a theme than this gives way to the verdict most of it says (speech_acts.verdict)
MOST = 0.5  # a phrase of two words or more used by more than this share of a theme, and by twice as much of it as
COVERS = 0.5  # the best phrase, names it if it scores this share of that one ("Missing items" over "No substitute")
WORD_SUPPORT = 0.2  # a phrase's words' own shares add this much (ties go to common words)
OTHER_LANGUAGES = "Non-English comments"
OTHER_COMMENTS = "Mixed comments"  # a parent whose children share nothing and name no topic
NOTHING_SPECIFIC = "Short answers"  # ... and mostly say nothing a phrase could name ("As above", "Why?")
UNCLEAR = "Unclear comments"  # a theme with no phrase and nothing said twice
REFERENCES = "Reference numbers"  # a theme of "Order BM6614972, my name's [NAME]"
BARE = 0.6  # share of segments without a phrase that makes a parent "Short answers"
GENERAL = "General remarks"  # a parent whose children mostly say nothing about a topic (hierarchy.py)
CONTACT_DETAILS = sayings.CONTACT_DETAILS  # a theme of "call me on [PHONE]" (or a more specific name)


def label_themes(
    docs_by_theme: Mapping[Any, Sequence[str]],
    order: Iterable[Any],
    *,
    taken: Iterable[str] = (),
    keywords: int = 8,
    model: str | None = phrases.DEFAULT_MODEL,
    tones: Mapping[Any, Sequence[float | None]] | None = None,
    encode: label_centre.Encode | None = None,
) -> dict[Any, Labelling]:
    """Labels and keywords for the themes in ``order`` from their segments' texts, best first.

    Themes in ``docs_by_theme`` but not in ``order`` are background: they make phrases less
    distinctive but get no label. ``model`` is the spaCy pipeline to parse with; without it
    (None, or not installed) labels come from lemma n-grams. ``tones``: per theme, its segments'
    published sentiment aligned with its texts: its tone (:mod:`.theme_tone`; else the lexicon's).
    ``encode``: the embedding model's, for a theme no word names to be named by its centre (:mod:`.label_centre`).
    """
    order = list(order)
    parser = phrases.load_parser(model) if model else None
    if parser is None:  # lemma n-grams, of the texts without people's names
        docs_by_theme = {theme: [label_words.without_people(d) for d in docs] for theme, docs in docs_by_theme.items()}
        return choose_labels(ctfidf(class_terms(docs_by_theme)), order, taken=taken, keywords=keywords,
                             fallbacks={theme: commonest_text(docs) for theme, docs in docs_by_theme.items()},
                             capitalise=True)
    wanted = set(order)
    units = {theme: label_units.unit(list(docs), parser, (tones or {}).get(theme) if theme in wanted else None,
                                     REPRESENTATIVES if theme in wanted else BACKGROUND)
             for theme, docs in docs_by_theme.items()}
    units = label_spelling.correct(units)  # "cehckout" -> "checkout" when the fit writes it so
    return _choose(_rank(units, LENGTH[1]), units, order, taken, keywords, parents=False, encode=encode)


def label_parents(
    children_docs: Mapping[Any, Sequence[Sequence[str]]],
    order: Iterable[Any],
    *,
    taken: Iterable[str] = (),
    keywords: int = 8,
    model: str | None = phrases.DEFAULT_MODEL,
    tones: Mapping[Any, Sequence[Sequence[float | None]]] | None = None,
) -> dict[Any, Labelling]:
    """Labels for parent themes from their children's segments (one list per child, best first;
    ``tones``: their published sentiment, one list per child, as in :func:`label_themes`).

    A parent is named by what several of its children say, never by one child alone; when
    its children share no phrase it is named by the topics of its two biggest children.
    """
    order = list(order)
    parser = phrases.load_parser(model) if model else None
    if parser is None:
        flat = {p: [text for child in kids for text in child] for p, kids in children_docs.items()}
        return label_themes(flat, order, taken=taken, keywords=keywords, model=None)
    units = {parent: label_units.common_ground([label_units.unit(list(d), parser, t or None, REPRESENTATIVES) for d, t in zip(
        kids, (tones or {}).get(parent) or [()] * len(kids), strict=True) if d]) for parent, kids in children_docs.items()}
    return _choose(_rank(units, PARENT_WORD), units, order, taken, keywords, parents=True)


# --- ranking -------------------------------------------------------------------------------


def _rank(units: Mapping[Any, Unit], single_word: float) -> dict[Any, list[Candidate]]:
    """Eligible candidates per theme, best first (see the module docstring)."""
    total: Counter[str] = Counter()
    for unit in units.values():
        total.update(unit.df)
    average = sum(total.values()) / max(len(units), 1)
    length = {**LENGTH, 1: single_word}
    ranked: dict[Any, list[Candidate]] = {}
    for theme, unit in units.items():
        found = []
        for key in unit.eligible:
            text = sayings.most_written(unit.written[key])
            words = key.split()
            support = sum(unit.share.get(w, 0.0) for w in words) / len(words) if len(words) > 1 else 0.0
            score = ((unit.share[key] + WORD_SUPPORT * support) * math.log(1 + average / total[key])
                     * length.get(len(words), LENGTH[4]) * _tone(unit.sentiment, phrases.valence(text)))
            if len(words) > 1 and any(label_words.unknown_name(w, unit.docs) for w in words):
                score *= NAMED  # "Cancel Brightmoor": every comment is about the company; "No button" says what
            found.append(Candidate(key, text, score, unit.share[key]))
        found.sort(key=lambda c: (-c.score, c.key))
        ranked[theme] = found
    return ranked


def _tone(theme: float, phrase: float) -> float:
    if theme <= NEGATIVE_THEME:
        return PROBLEM if phrase < 0 else OFF_TONE if phrase > 0 else 1.0
    return OFF_TONE if theme >= POSITIVE_THEME and phrase < 0 else 1.0


# --- choosing ------------------------------------------------------------------------------


def _choose(ranked: Mapping[Any, list[Candidate]], units: Mapping[Any, Unit], order: list[Any],
            taken: Iterable[str], keywords: int, *, parents: bool,
            encode: label_centre.Encode | None = None) -> dict[Any, Labelling]:
    used = {_norm(label) for label in taken}
    out: dict[Any, Labelling] = {}
    for theme in order:
        unit = units[theme]
        free = [c for c in ranked.get(theme, []) if _norm(c.text) not in used and c.key not in used]
        label, picked = _parent_label(free, unit, used) if parents else (  # "Friendly till staff"
            label_distinct.qualified(ranked.get(theme, []), unit, used) or _leaf_label(free, unit, used))
        if not parents and label:  # "New potatoes" over items that never came: "Missing items"
            label, picked = label_kinds.leaf_kind(label, picked, unit, used)
        label, picked = label_kinds.kind_label(label, picked, free, unit, used, NEGATIVE_THEME, POSITIVE_THEME) \
            if parents and label else (label, picked)  # "Box and glasses problems": the kind (label_kinds)
        if parents and label:  # "Plus and reminder problems" over cancelling Plus: "Plus cancellation problems"
            label = parent_words.service_label(label, picked, unit, used, NEGATIVE_THEME, POSITIVE_THEME) or label
        if label is None:
            label = _fallback(unit, ranked.get(theme, []), parents, used, encode)
        # a claim most of a group does not bear: its topic only; praise words over requests: a request (label_claims)
        label = (parent_words.as_category(parent_words.held(label, unit, used, NEGATIVE_THEME, POSITIVE_THEME), used)
                 if parents
                 else label_claims.as_request(label, unit.docs, used, tone=unit.sentiment, negative=NEGATIVE_THEME))
        if label_words.names_person(label):  # never a customer's name, whatever way a label was found
            label = _free([UNCLEAR, OTHER_COMMENTS], used)
        label = label_spelling.cased(label_distinct.distinct(label, used, unit, ranked.get(theme, []), _VARIANTS))
        used.add(_norm(label))
        used.update(c.key for c in picked)
        pool = ranked.get(theme, [])  # a group's keywords: its topics, not "ages" or "request" (parent_words.vague)
        pool = [c for c in pool if not parent_words.vague(c.key.split()[0]) and not (  # nor "couple of times"
            c.words == 1 and parent_words.vague_word(c))] if parents else pool
        words = diverse(pool, picked, keywords)
        if parents and not words:  # its themes share nothing: what each says most ("Mixed problems" showed none)
            words = from_children(unit.children, keywords, lambda key: not parent_words.vague(key.split()[0]))
        if not parents and not words:  # no phrase at all ("Made my day", "As above"): what its segments say
            words = from_sayings(unit.docs, keywords) or (languages(unit.docs, keywords) if unit.foreign else [])
        if parents and not words and unit.foreign:  # a group of comments in other languages: their languages
            words = languages(unit.docs, keywords)
        out[theme] = Labelling(label=label, keywords=[label_spelling.cased(w) for w in words])  # "PIN", "TVs"
    return out


def _leaf_label(free: list[Candidate], unit: Unit, used: set[str]) -> tuple[str | None, list[Candidate]]:
    """The best free candidate; a single word gives way to a phrase that contains it. When much
    of a theme says the same short thing ("Everyone was really friendly", "Check the order before
    it leaves the depot") and no phrase of two words or more covers half as much, that is its label;
    a theme of phone numbers and e-mail addresses with nothing else to say is "Contact details"
    (or "Call-back requests", "Phone numbers", ...), one of writers' heights and weights "Height and weight"."""
    pick = None
    if free:
        pick = free[0]
        if pick.words == 1:
            pick = next((c for c in free if c.words > 1 and pick.key in c.key.split()
                         and c.score >= EXTEND * pick.score), pick)
        if pick.words == 1:
            pick = next((c for c in free if c.words > 1 and c.score >= OTHER_PHRASE * pick.score
                         and c.share >= LEAF_PAIR), pick)
        else:  # "banking app" -> "Payment on banking app": what every segment naming the place has there
            pick = next((c for c in free if c.share >= pick.share and label_picks.thing_at(c, pick)), pick)
            pick = next((c for c in free if c.words > 1 and c.share > MOST and c.share >= 2 * pick.share
                         and c.score >= COVERS * pick.score), pick)  # what most of it says, not a few's detail
    if (pick is None or pick.words == 1) and sayings.contact_share(unit.docs) >= 0.5:
        return _free(sayings.contact_labels(unit.docs), used), []
    if (pick is None or pick.words == 1) and sayings.measurement_share(unit.docs) >= 0.5:  # "i'm 5'4, 130 lbs"
        return _free(sayings.measurement_labels(unit.docs), used), []
    said = _said_by(unit.docs, used)
    if said and said[1] >= SAID and len(said[0].split()) <= SAID_WORDS and (
            pick is None or pick.words == 1 or pick.share < said[1] / 2):
        if len(said[0].split()) > phrases.MAX_WORDS:  # a sentence: its own phrase if it has one
            own = next((c for c in free if c.words > 1 and c.share >= OWN * said[1]), None)
            if own:
                return sayings.capitalise(own.text), [own]
        if label_words.label_phrase(said[0]):
            return said[0], []
        ways = [label_words.speech_act(unit.docs, used), label_words.described(said[0])]
        if said[0].lower().startswith(("[name]", "was ", "were ")):  # someone named: "Great staff member"
            ways.reverse()
        for text in ways:
            if text and _norm(text) not in used:  # "As above" -> "No further comments"; "Friendly people"
                return text, []
        if pick is None or pick.words == 1:  # what the saying is about: "The driver was lovely" -> "Driver praise"
            topics = label_picks.said_topics(said[0], unit, free)
            for topic in topics:  # "Tried to use my Plus discount at checkout" -> "Plus discount"
                text = label_words.neighbour_phrase(topic.text, unit.docs, used)
                if text and _norm(text) not in used:
                    return text, [topic]
            for topic in topics[:1]:  # "Cancelling Plus was a nightmare": "Cancellation nightmare"
                text = parent_words.verdict_phrase(topic.key, unit.docs, used) or label_words.topic_phrase(
                    topic.key, unit.docs, unit.sentiment, NEGATIVE_THEME, topic.text, POSITIVE_THEME, used)
                if _norm(text) not in used:
                    return text, [topic]
    if pick is not None and pick.words > 1 and pick.share < FEW:  # 25 of 40 "Very disappointed", "Shocking.", ...
        act = label_words.speech_act(unit.docs, used)  # and "Waste of time" twice: "General dissatisfaction"
        if act and speech_acts.verdict(act) and _norm(act) not in used:
            return act, []
    if pick is None or pick.words > 1:
        return (sayings.capitalise(pick.text), [pick]) if pick else (None, [])
    act = label_words.speech_act(unit.docs, used)
    if act and _norm(act) not in used:
        return act, []
    second = label_picks.second_word(free, pick)
    if second and not (label_words.is_name(pick.key) or label_words.is_name(second.key)):
        return sayings.capitalise(f"{pick.text} and {second.text}"), [pick, second]
    return _one_word_way_out(free, unit, used)


def _one_word_way_out(free: list[Candidate], unit: Unit, used: set[str]) -> tuple[str | None, list[Candidate]]:
    """A theme whose best free phrase is one word: the word with what most segments write next to
    it ("Swift transfers"), else, if half the theme uses it, with what the comments do ("Refund
    problems", "Holiday questions"); a name ("Portland", "Aaron") gives way to the next word."""
    for pick in [c for c in free if c.words == 1][:3]:
        if label_words.is_name(pick.key, unit.docs) or parent_words.vague_word(pick):  # "ages": no "Age problems"
            continue
        topic = pick.share >= TOPIC_WORD  # else an example ("butter" where each names another food)
        for text in (parent_words.verdict_phrase(pick.key, unit.docs, used),  # "Cancellation nightmare"
                     label_words.neighbour_phrase(pick.text, unit.docs, used),
                     label_words.topic_phrase(pick.key, unit.docs, unit.sentiment, NEGATIVE_THEME, pick.text,
                                              POSITIVE_THEME, used)
                     if topic else None):
            if text and _norm(text) not in used:
                return text, [pick]
    return (None, [])  # the fallback names it


def _parent_label(free: list[Candidate], unit: Unit, used: set[str]) -> tuple[str | None, list[Candidate]]:
    """What the children share: the best shared phrase, or two shared topics ("Emails and chat");
    without any, the main topics of the two biggest children (:func:`.parent_words.children_pair`).
    A name alone ("France") names no group, nor a word its children use little (:func:`.parent_words.topics`)."""
    if unit.foreign >= 0.5:  # unread by the English model, not content-free (hierarchy.other_language)
        return _free([OTHER_LANGUAGES, *_VARIANTS[OTHER_LANGUAGES.lower()]], used), []
    if label_words.content_free(unit.docs):  # "As above", "Made my day", another language: no topic
        return _free([GENERAL], used), []
    if parent_words.contact_share(unit.docs) >= parent_words.CONTACT:  # phone, chat, e-mail, "[PHONE]"
        return _free(parent_words.SUPPORT_CONTACT, used), []
    if verdicts.group_share(unit) >= verdicts.VERDICTS:  # "i love it!", "sadly i had to return it"
        return _free(verdicts.OVERALL, used), []
    if staff := people.group_side(unit):  # "Lovely staff", "Kind staff member", "Cheerful driver": "Staff praise"
        return _free(people.STAFF_PRAISE if staff > 0 else people.STAFF_PROBLEMS, used), []
    free = parent_words.topics(free, unit)  # no name, no vague word, the group's common ground
    if free:
        top = parent_words.widest(free)  # a phrase, unless a word covers much more of the group
        if top.words > 1:
            return sayings.capitalise(top.text), [top]
        first = free[0]  # the phrase the word stood in for, if any
        longer = next((c for c in free if c.words > 1 and top.key in c.key.split()
                       and c.score >= PARENT_EXTEND * top.score and c.share >= SHARED * top.share), None)
        if longer:
            return sayings.capitalise(longer.text), [longer]
        second = next((c for c in free[1:] if c.words == 1 and c.score >= PARENT_PAIR * top.score
                       and not parent_words.same_word(c.key, top.key)
                       and not label_words.is_name(c.key)), None)
        if second and not label_words.is_name(top.key):  # "Prices and value", "Checkout and refund problems"
            return sayings.capitalise(parent_words.named_pair(top.text, second.text, unit, NEGATIVE_THEME, POSITIVE_THEME)), [
                top, second]
        split = (parent_words.both_ways(top.text, [(c.sentiment, c.size or len(c.docs)) for c in unit.children],
                                        NEGATIVE_THEME, POSITIVE_THEME)
                 if NEGATIVE_THEME < unit.sentiment < POSITIVE_THEME else None)
        if split and not label_words.is_name(top.key) and _norm(split) not in used:  # "App problems and praise"
            return sayings.capitalise(split), [top]
        if not label_words.is_name(top.key):  # "Weather questions", "Refund problems"
            text = label_words.topic_phrase(top.key, unit.docs, unit.sentiment, NEGATIVE_THEME, top.text,
                                            POSITIVE_THEME, used)
            said = parent_words.instead_of_comments(text, top, free)  # "Order comments" -> "Easy ordering"
            if said is None and first.words > 1 and parent_words.is_comments(text):
                said = first  # "Less plastic" rather than "Substitution comments"
            return (sayings.capitalise(said.text), [said]) if said else (text, [top])
        return sayings.capitalise(top.text), [top]
    return parent_words.children_pair(unit, NEGATIVE_THEME, POSITIVE_THEME)  # "Timezone and weather"


def _fallback(unit: Unit, ranked: list[Candidate], parent: bool, used: set[str],
              encode: label_centre.Encode | None = None) -> str:
    """A theme with no free phrase: what most of it says if that reads as a label (or, said by a quarter of it,
    without its opening "I" and closing "it": "I can't wait to wear it!" -> "Can't wait to wear"), what most of it
    does (:func:`.label_words.speech_act`), its best phrase of two words or more not taken, what its
    saying describes ("Friendly people"), a word a third of it uses with what its comments do
    ("Traffic enquiries" when "Traffic questions" is a sibling's), what most of its questions ask
    ("Timing questions"), what most of it says went wrong or how it is said when no word names it ("Faults and
    repairs", "Short exclamations": :func:`.speech_acts.fallback_kind`), "Mixed questions" / "Assorted comments" /
    ... when its words are each used by a few (examples, not its topic), else its best phrase even if taken (told apart by :mod:`.label_distinct`),
    "Reference numbers" when most of it gives one, its commonest text when that reads as a label, else
    "Unclear comments"; "French comments" or "Non-English comments" when most of it is not English,
    "Contact details" (or "Phone numbers", ...: :func:`.sayings.contact_labels`) when most of it
    leaves a phone number or an address. A parent whose children share nothing is "Short answers"
    when they are mostly answers with no phrase ("As above", "Why?"), else what they mostly do ("Mixed
    problems", "Mixed questions": :func:`.label_words.mixed_phrase`), else "Mixed comments"."""
    if unit.foreign >= 0.5:  # "French comments" when one language, else "Non-English comments"
        return label_words.language_label(unit.docs) or OTHER_LANGUAGES
    if sayings.contact_share(unit.docs) >= 0.5:
        return _free(sayings.contact_labels(unit.docs), used)
    if parent:  # "Mixed problems" when its sub-themes are mostly complaints, as a theme would be named
        if unit.bare >= BARE:  # answers with no phrase ("Why?", "Really?"): "Short answers", then its variants
            return _free([NOTHING_SPECIFIC, OTHER_COMMENTS], used)
        mixed = label_words.mixed_phrase(unit.docs, unit.sentiment, NEGATIVE_THEME, POSITIVE_THEME, used)
        return _free([mixed] if mixed and not mixed.endswith(("comments", "feedback", "remarks")) else [OTHER_COMMENTS], used)
    candidates = [c.text for c in ranked]
    said = _said_by(unit.docs, used)
    # what one segment of many says ("Ah great", first of 31 different tweets) is no name before the others below
    repeated = said if said and said[1] * len(unit.docs) >= (2 if len(unit.docs) >= 4 else 1) else None
    if repeated and label_words.label_phrase(repeated[0]):
        return repeated[0]
    bare = sayings.bare_saying(repeated[0]) if repeated and repeated[1] >= LEAF_PAIR else ""
    if len(bare.split()) >= 3 and label_words.label_phrase(bare) and _norm(bare) not in used:
        return bare  # a quarter of it says "I can't wait to wear it!": "Can't wait to wear"
    act = label_words.speech_act(unit.docs, used)
    if act and _norm(act) not in used:
        return act
    words = [c for c in ranked if c.words == 1 and not label_words.is_name(c.key, unit.docs)
             and not parent_words.vague_word(c)]  # "took ages": not "Age problems"
    alone = [c for c in words if label_picks.topic(c, ranked, unit)]  # "train" in 28 %, its other words stations
    phrase = next((c for c in ranked if c.words > 1 and _norm(c.text) not in used  # not "Kms speed" (2 of 40) then
                   and not any(w.share >= 2 * c.share and w.key not in c.key.split() for w in alone)), None)
    if phrase:
        return sayings.capitalise(phrase.text)
    described = label_words.described(repeated[0]) if repeated else None
    if described and _norm(described) not in used:
        return described
    kind = label_words.question_kind(unit.docs, used)
    for c in [c for c in words if c.share >= TOPIC_WORD][:3]:
        text = label_words.topic_phrase(c.key, unit.docs, unit.sentiment, NEGATIVE_THEME, c.text, POSITIVE_THEME, used)
        if _norm(text) not in used:
            return text
    mixed = label_words.mixed_phrase(unit.docs, unit.sentiment, NEGATIVE_THEME, POSITIVE_THEME, used)
    if kind:
        return kind
    for c in alone[:3]:  # what its questions ask comes first: "Substitution questions", not "Recipe questions"
        text = label_words.topic_phrase(c.key, unit.docs, unit.sentiment, NEGATIVE_THEME, c.text, POSITIVE_THEME, used)
        if _norm(text) not in used:
            return text
    if found := speech_acts.fallback_kind(unit.docs, used):  # "Faults and repairs", "Short exclamations"
        return found
    central = label_centre.central_word(unit.docs, [c for c in words if not parent_words.vague_word(c)], encode) \
        if encode is not None else None  # "delay" over "What's the delay?", "Been waiting 30 mins", "on hold"
    if central:
        text = label_words.topic_phrase(central.key, unit.docs, unit.sentiment, NEGATIVE_THEME, central.text,
                                        POSITIVE_THEME, used)
        if _norm(text) not in used:
            return text
    if names := verdicts.leaf_names(unit.docs, unit.sentiment, NEGATIVE_THEME, POSITIVE_THEME):
        return _free(names, used)  # "so sad this didn't work", "I'm so disappointed": not "Mixed problems"
    if mixed and (words or said):  # words a few use are examples: "Mixed questions", not "Deal questions"
        return mixed
    if candidates and (top := ranked[0]).words == 1 and not label_words.is_name(top.key, unit.docs):
        return label_words.topic_phrase(top.key, unit.docs, unit.sentiment, NEGATIVE_THEME, top.text, POSITIVE_THEME, used)
    if candidates:  # (a word above: with what the comments do, "Timezone questions", never alone)
        return sayings.capitalise(candidates[0])
    if sayings.reference_share(unit.docs) >= 0.5:
        return REFERENCES  # then what most say if it reads as a label: "Can we please" names nothing
    return said[0] if said and label_words.label_phrase(said[0]) else _free([UNCLEAR, *_VARIANTS[UNCLEAR.lower()]], used)


def _said_by(docs: Sequence[str], used: set[str]) -> tuple[str, float] | None:
    """What most segments say, uncut when the cut text is another theme's label."""
    said = sayings.commonest(docs)
    if said and _norm(said[0]) in used:
        said = sayings.commonest(docs, cut=False) or said
    return None if said and label_words.names_person(said[0]) else said


def _free(choices: list[str], used: set[str]) -> str:
    """The first of ``choices`` no other theme has, else the first (told apart by :func:`.label_distinct.distinct`)."""
    return next((c for c in choices if _norm(c) not in used), choices[0])


# Other names for the fixed labels, for siblings that are the same kind of theme (before a number);
# none opens with a stop word ("Other ..."), as no label does.
_VARIANTS = {
    "call-back requests": ["Phone call requests", "Callback requests"],
    "contact details": ["Contact details left", "Contact information"],
    "phone numbers": ["Phone numbers left"], "email addresses": ["Email addresses left"],
    "reference numbers": ["Order references", "Reference codes"],
    UNCLEAR.lower(): ["Unclear remarks", "Assorted unclear comments"],
    OTHER_COMMENTS.lower(): ["Mixed remarks", "Assorted comments"],
    NOTHING_SPECIFIC.lower(): ["Brief answers", "Short replies"],
    OTHER_LANGUAGES.lower(): ["Comments in other languages"],
    GENERAL.lower(): ["General comments", "Assorted remarks"],
}


def _norm(label: str) -> str:
    return " ".join(label.lower().split())
