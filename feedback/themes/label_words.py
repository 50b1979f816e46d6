"""Labels for themes one word or one sentence would name badly ("Cash", "What can I do").

:mod:`.label` names a theme by its best phrase; these are its ways out when that phrase is a
single word or what the theme's segments say is a sentence, not a name:

- :func:`statement`: whether a saying names its theme although it is no phrase ("Everyone was
  really friendly", not "It was alright" or "What can I do");
- :func:`label_phrase`: whether a text reads as a label (two to four words, no person in it, not a
  question, no number; the rule bench/themes_metrics.py checks, without its name tables);
- :func:`speech_act` (:mod:`.speech_acts`, read here): what a theme of content-free messages does ("Hello!",
  "Please help", "What do I do?", "Can you repeat that"), when most of its segments do the same;
- :func:`neighbour_phrase`: the word a theme's segments write next to its main word most often
  ("swift" -> "Swift transfers"), when enough of them do;
- :func:`topic_phrase`: the main word with a head saying what the comments do with it: "Refund
  problems" (mostly negative), "Weather questions" (mostly questions), "Staff comments";
- :func:`says_nothing` / :func:`content_free`: whether a segment / most of a theme says nothing about
  a topic ("As above", "Made my day", "Fine", another language): such themes make a top-level entry
  of their own (:mod:`.hierarchy`), named "General remarks" (:mod:`.label`);
- :func:`is_name`, :func:`names_person`, :func:`without_people`: names (:mod:`.label_names`, read here by
  its callers).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

from spacy.lang.en.stop_words import STOP_WORDS

from feedback.text.nothing_said import normal
from feedback.themes.label_commands import imperative
from feedback.themes.label_language import is_foreign
from feedback.themes.label_names import is_name as is_name
from feedback.themes.label_names import is_person as is_person
from feedback.themes.label_names import names_person as names_person
from feedback.themes.label_names import unknown_name as unknown_name
from feedback.themes.label_names import without_people as without_people
from feedback.themes.phrases import JOINED, PREDICATIVE, TIME_WORDS

# speech_act and unaddressed are re-exported: callers read them here
from feedback.themes.speech_acts import MOST, NO_TOPIC, SPEECH_ACTS, YES_OR_NO, act
from feedback.themes.speech_acts import speech_act as speech_act
from feedback.themes.speech_acts import unaddressed as unaddressed

LEADING = {"no", "more", "less", "fewer", "too", "very"}  # may open a label ("No reply", "More staff", "Too small")
PRONOUNS = {"i", "me", "my", "mine", "you", "your", "yours", "we", "us", "our", "he", "him", "his", "she", "her",
            "they", "them", "their", "it", "its", "i'm", "i've", "you're", "it's", "im", "ive"}
QUESTION_WORDS = {"what", "how", "why", "when", "where", "who", "which", "whats", "what's", "how's"}
AUXILIARIES = {"is", "are", "was", "were", "do", "does", "did", "can", "could", "will", "would", "should", "may",
               "have", "has", "am"}
NEIGHBOUR = 0.25  # share of its segments writing the same word next to its main word
_WORD = re.compile(r"^[^\W\d_]+(?:['’-][^\W\d_]+)*$")
_TOKEN = re.compile(r"[a-z][a-z'’-]*")

# Nouns with no singular of their own: a label says "Pants praise", not the lemma's "Pant praise".
PLURAL_ONLY = frozenset({"pants", "jeans", "trousers", "leggings", "shorts", "tights", "jeggings", "pajamas",
                         "pyjamas", "overalls", "glasses", "sunglasses", "scissors", "clothes",
                         "headphones", "earphones", "earbuds"})


def label_phrase(text: str) -> bool:
    """Two to four words, each letters, none a person ("I", "it", "me"), not opening with a
    question word or an auxiliary ("What can I do", "Is it working"), first and last not stop
    words (save a leading "No", "More", ...)."""
    words = [w.lower().replace("’", "'") for w in text.split()]
    if not 2 <= len(words) <= 4 or any(not _WORD.match(w) or w in PRONOUNS for w in words):
        return False
    if words[0] in QUESTION_WORDS or words[0] in AUXILIARIES or words[-1] in STOP_WORDS:
        return False
    return words[0] not in STOP_WORDS or words[0] in LEADING


def statement(text: str) -> bool:
    """A saying about something, not about the writer or the reader (no "I", "my", "you", "we")
    and not a question ("Is it working"): "Everyone was really friendly", "Was really helpful"."""
    words = [w.lower().replace("’", "'") for w in text.split()]
    asks = bool(words) and (words[0] in QUESTION_WORDS or text.rstrip().endswith("?") or (
        words[0] in AUXILIARIES and len(words) > 1 and words[1] in PRONOUNS))  # "Is it working"
    return bool(words) and not asks and not any(
        w in PRONOUNS and w not in ("it", "its", "it's", "they", "them", "their") for w in words)


_DESCRIBED = re.compile(
    r"^(?:(?:also|plus|however|and|but),? )?(?:(everyone|everybody|all the staff|they|\[name\]|everything|it all|it) )?"
    r"(?:was|were|is|are|'s|has been|have been) (?:really |so |very |always |all |just |absolutely )?([a-z-]+)"
    r"(?: and (?:really |so |very )?((?:well )?[a-z-]+))?(?: as (?:always|usual|ever))?$")
_PEOPLE_WORDS = {"everyone", "everybody", "all the staff", "they"}


def described(text: str) -> str | None:
    """A saying that describes nobody and nothing named, as a label: "Everyone was really friendly"
    -> "Friendly people", "Everything was fresh" -> "Fresh overall", "Everyone was friendly and
    helpful" -> "Friendly and helpful"; None when it says more than that or the word is no quality
    ("It was [NAME]", "It was delivered")."""
    found = _DESCRIBED.match(normal(text))
    if not found:
        return None
    subject, first, second = found.groups()
    if not _quality(first):
        return None
    if second and (_quality(second) or second.startswith("well ")):  # "fresh and well chosen"
        return f"{first[:1].upper()}{first[1:]} and {second}"
    if subject in ("[name]", None):  # someone the comments name ("[NAME] was great"): in feedback, staff
        return f"{first[:1].upper()}{first[1:]} staff member"
    return f"{first[:1].upper()}{first[1:]} {'people' if subject in _PEOPLE_WORDS else 'overall'}"


def _quality(word: str) -> bool:
    from feedback.themes.phrases import word_valence

    return word not in STOP_WORDS and not word.endswith("ed") and (word_valence(word) != 0 or word in _QUALITIES)


_QUALITIES = {"fresh", "quick", "fast", "slow", "late", "early", "clean", "cold", "warm", "hot", "busy", "quiet", "easy"}


_NOTHING_WRONG = re.compile(r"^(?:no|not any|never any) (?:complaints?|problems?|issues?)(?: at all| so far)?"
                            r"(?:,? thanks?(?: you)?)?$")
_PLACEHOLDER = re.compile(r"\[[A-Z]+\]")
_ANSWER_WORDS = {"yes", "yeah", "yep", "yup", "sure", "nope", "correct", "incorrect", "right", "wrong", "true", "false", "that's",
                 "it's", "you're"}


def says_nothing(text: str) -> bool:
    """Whether a segment says nothing about a topic: in another language (what it is about is not
    read), no words at all ("👍"), or a content-free speech act (:data:`NO_TOPIC`: "As above", "All
    good thanks", "Made my day", "It was alright") or "No complaints". A segment that names someone or
    leaves a number ("Thanks, [NAME]", "Call me on [PHONE]") is about that person or that contact."""
    if _PLACEHOLDER.search(text):
        return False
    if is_foreign(text) or not _TOKEN.search(text.lower()):
        return True
    found = act(text)
    if found is not None and SPEECH_ACTS[found][0][0] == YES_OR_NO:  # "That's right", not "Bill was wrong"
        return not any(w not in STOP_WORDS and w not in _ANSWER_WORDS and not w.endswith("ly")
                       for w in _TOKEN.findall(text.lower().replace("’", "'")))
    if found is not None:
        return SPEECH_ACTS[found][0][0] in NO_TOPIC
    return bool(_NOTHING_WRONG.match(normal(text)))


def content_free(docs: Sequence[str], share: float = MOST) -> bool:
    """Whether at least ``share`` of ``docs`` (a theme's segments) say nothing about a topic
    (:func:`says_nothing`): "No further comments", "General praise", "Non-English comments"."""
    return bool(docs) and sum(says_nothing(d) for d in docs) / len(docs) >= share


def neighbour_phrase(word: str, docs: Sequence[str], avoid: set[str]) -> str | None:
    """ "<neighbour> <word>": the content word most segments write right before ``word`` (a stop word, a time, a number or a name is no neighbour), if at least
    ``NEIGHBOUR`` of them do and the phrase is not in ``avoid`` (lowercased labels taken)."""
    if not docs:
        return None
    forms = {word.lower(), word.lower() + "s", word.lower().rstrip("s")}
    pairs: Counter[tuple[str, str]] = Counter()
    for doc in docs:
        tokens = _TOKEN.findall(doc.lower().replace("’", "'"))
        seen = set()
        for i, token in enumerate(tokens):  # the word before: a right neighbour is as often a verb ("van turned")
            if token in forms and i > 0 and _content(tokens[i - 1]):
                seen.add((tokens[i - 1], token))
        pairs.update(seen)
    for (a, b), count in pairs.most_common():
        if count / len(docs) < NEIGHBOUR:
            break
        text = f"{a} {b}"
        if text not in avoid and label_phrase(text):
            return text[:1].upper() + text[1:]
    return None


# Verb forms that stand before a noun without naming it ("said traffic", "got refund").
_VERB_FORMS = {"said", "says", "say", "told", "got", "get", "made", "went", "took", "gave", "came", "used", "tried",
               "wanted", "needed", "asked", "paid", "bought", "ordered", "keep", "kept", "find", "found", "take",
               "let", "lets", "tell", "stop", "start", "check", "send", "bring", "fix", "use"}


def _content(token: str) -> bool:
    return (token.isalpha() and token not in _VERB_FORMS and len(token) > 2 and token not in STOP_WORDS and token not in TIME_WORDS
            and token not in PREDICATIVE
            and token not in PRONOUNS and not is_name(token))


# What a theme's comments do with a topic, each with other words for siblings that do the same.
HEADS = {"problems": ["problems", "complaints", "issues"], "questions": ["questions", "enquiries", "queries"],
         "requests": ["requests", "suggestions", "wishes"], "praise": ["praise", "compliments", "appreciation"],
         "comments": ["comments", "feedback", "remarks"]}


TOLD = 0.6  # share of a group's segments telling the company what to do that names it "<topic> requests"


def topic_phrase(key: str, docs: Sequence[str], sentiment: float, negative: float, written: str = "",
                 positive: float = 0.2, avoid: Iterable[str] = ()) -> str:
    """ "<topic> requests" when most of its segments tell the company what to do ("Don't put the bottles
    on the bread"; its tone is negative to the head, as a wish implies a complaint) and do not ask, else
    "<topic> problems" for a theme at most ``negative`` in mean sentiment, "<topic> questions" when most
    ask, "<topic> praise" at least ``positive``, else "<topic> comments"; the topic as a noun in front ("refunds"
    -> "Refund problems", "topup" -> "Top-up questions"), an acronym as ``written`` ("SWIFT questions");
    another word for the head when that label is in ``avoid`` (lowercased labels taken: "Bag suggestions")."""
    stem = written[:-1] if written.endswith("s") and written[:-1].isupper() else written
    topic = stem if len(stem) > 1 and stem.isupper() and stem.lower() == key else JOINED.get(key, key)
    topic = written.lower() if written.lower() in PLURAL_ONLY else topic  # "pants", not the lemma "pant"
    questions = asked(docs)
    told = bool(docs) and sum(_request(d) for d in docs) / len(docs) >= TOLD
    if told and not questions:  # "Take the bags back and reuse them": a request, though its tone is negative
        head = "requests"
    elif sentiment <= negative:
        head = "problems"
    elif questions:
        head = "questions"  # before praise: "swift" and "holiday" are kind words to the lexicon
    elif told:
        head = "requests"  # "Make sure everything is in the bags": "sure" is a kind word too
    elif sentiment < positive and told_wrong(docs):
        head = "problems"  # "Had to use the website instead": a complaint in words the lexicon finds neutral
    elif sentiment >= positive and docs and sum(_kind(d) for d in docs) / len(docs) >= MOST:
        head = "praise"  # not for "arrived well after the slot": "well" is no praise
    else:
        head = "comments"
    taken = set(avoid)
    labels = [f"{topic[:1].upper()}{topic[1:]} {word}" for word in HEADS[head]]
    return next((lab for lab in labels if lab.lower() not in taken), labels[0])


# What a theme of questions asks when no topic is its own (first match of most wins), with other names;
# the last kinds name what is asked for, so a theme of requests may be named by them too.
QUESTION_KINDS = [
    (["Substitution questions", "Swap questions"], re.compile(r"\binstead of\b|\bsubstitute\b|\bswap\b")),
    (["Meaning questions", "Definition questions"], re.compile(r"\bmean(?:s|ing)?\b|\bdefin(?:e|ition)\b")),
    (["Safety questions", "Questions on safety"], re.compile(r"\bsafe(?:ty)?\b|\bdanger(?:ous)?\b")),
    (["Busy times", "Crowding questions"], re.compile(r"\bbusy\b|\bcrowded\b")),
    (["Timing questions", "Questions on timing", "Questions on dates"],
     re.compile(r"\bhow long\b|\bwhen\b|\bhow (?:many|much) (?:days|hours|weeks|time)\b|\bhow (?:soon|fast|quickly)\b"
                r"|\buntil\b|\btakes? long\b|\beta\b|\b(?:delivery|arrival|certain|specific|approximate) (?:date|time)\b")),
    (["Cost questions", "Price questions"], re.compile(r"\bhow much\b|\bcosts?\b|\bfees?\b|\bprices?\b")),
    (["Location questions", "Questions on places"], re.compile(r"\bwhere\b")),
    (["Identity questions", "Questions on people"], re.compile(r"\bwho(?:'s| is| are| was)?\b")),
]
ASKED_FOR = [  # (questions or requests)
    (["Activity ideas", "Activity suggestions"], re.compile(r"\bthings? (?:\w+ )?(?:to|can) do\b|\bactivit(?:y|ies)\b|\bwhat to do\b")),
]


MIXED = {head: [f"{word} {other}" for other in others for word in ("Mixed", "Assorted", "Varied")]
         for head, others in HEADS.items()}


def mixed_phrase(docs: Sequence[str], sentiment: float, negative: float, positive: float = 0.2,
                 avoid: Iterable[str] = ()) -> str | None:
    """What a theme does whose words are each used by a few of its comments (examples, not its
    topic: "Account" in "change my name please"): "Mixed questions", "Mixed problems", ..., as
    :func:`topic_phrase` would head them; the first name not in ``avoid``, else None."""
    head = topic_phrase("x", docs, sentiment, negative, "", positive).split()[-1]
    taken = set(avoid)
    return next((n for n in MIXED[head] if n.lower() not in taken), None)


def question_kind(docs: Sequence[str], avoid: Iterable[str] = ()) -> str | None:
    """What most of a theme's questions ask when no word is its topic ("Timing questions": "How long
    until the money is in my account?"; "Substitution questions": "Can I use honey instead of
    sugar?"; "Meaning questions": "what does assiduous mean"), or what most of its questions and
    requests ask for ("Activity ideas": "tell me some things to do in phoenix"), the first name not in
    ``avoid`` (lowercased labels taken); None when they do not mostly ask or ask different things."""
    taken = set(avoid)
    texts = [d.lower().replace("’", "'") for d in docs]
    if not texts:
        return None
    asked = sum(_question(d) for d in docs) / len(texts)
    requested = sum(_question(d) or _request(d) for d in docs) / len(texts)
    kinds = (QUESTION_KINDS if asked >= MOST else []) + (ASKED_FOR if requested >= MOST else [])
    for names, pattern in kinds:
        if sum(bool(pattern.search(t)) for t in texts) / len(texts) >= MOST:
            free = [n for n in names if n.lower() not in taken]
            return free[0] if free else None
    return None


# Words the lexicon likes that praise nothing in feedback ("arrived well after", "plus", "like").
_NOT_KIND = {"well", "like", "pretty", "plus", "sure", "please", "free", "yes", "ok", "okay", "right", "fine", "kind",
             "want", "hope", "thanks", "thank", "ready"}


def _kind(doc: str) -> bool:
    from feedback.themes.phrases import word_valence

    return any(word_valence(w) > 0 and w not in _NOT_KIND for w in _TOKEN.findall(doc.lower()))


_CLAUSE_OPENERS = {"when", "where", "while", "once", "whenever"}  # "When it finally came, ...": a clause
_CLAUSE_SUBJECTS = PRONOUNS | {"the", "a", "an", "this", "that", "everything", "everyone"}
_WHEN_TOLD = frozenset({"at", "by", "on", "in", "before", "beforehand", "first", "straight", "immediately", "sooner"})


def _question(doc: str) -> bool:
    """Ends with "?" or opens like a question ("how do i ...", "tell me the weather"), not with a clause of time
    or place ("When it finally came the driver just said traffic") nor with when to be told ("Tell me at the door")."""
    doc = unaddressed(doc)
    words = doc.lower().split()
    if doc.rstrip().endswith("?"):
        return True
    if len(words) > 1 and words[0] in _CLAUSE_OPENERS and words[1] in _CLAUSE_SUBJECTS:
        return False
    if len(words) > 2 and words[0] == "tell" and words[1] in ("me", "us") and words[2] in _WHEN_TOLD:
        return False  # an instruction: "Tell me at the door if something is missing", "Tell us before ..."
    return bool(words and (words[0] in QUESTION_WORDS or words[0] in AUXILIARIES or words[0] in ("tell", "please")))


# What a complaint says when it names no problem word: a workaround forced ("had to use the website
# instead"), a wait ended ("when it finally came"), what should not have happened ("shouldn't pay"),
# what a screen or a person claimed ("the app says delivered in full", "the driver just said traffic"), or
# what did not come or work ("I didn't receive all the cash I asked for", "the transfer won't go through").
_COMPLAINT = re.compile(r"\b(?:had to|having to|instead|finally|not good enough|shouldn'?t|should have|supposed to|"
                        r"meant to|still (?:not|no|waiting|haven'?t|hasn'?t))\b|\b(?:the|my) \w+ (?:just )?(?:says|"
                        r"said|shows|showed|claims|claimed)\b|\b(?:didn'?t|did not|haven'?t|have not|hasn'?t|has not|"
                        r"won'?t|couldn'?t|could not|can'?t|cannot|not) (?:\w+ )?(?:receiv|get|got|arriv|work|go through|"
                        r"show up|turn up|come through)\w*")


def _complaint(doc: str) -> bool:
    return bool(_COMPLAINT.search(unaddressed(doc).lower().replace("’", "'")))


def told_wrong(docs: Sequence[str]) -> bool:
    """Whether most of ``docs`` tell of something that went wrong in words a lexicon finds neutral ("Had to use the
    website instead", "When it finally came the driver just said traffic.") and most do not ask ("Can I use butter
    instead of oil?"): a theme of them is named "<topic> problems" (:func:`topic_phrase`) and is on the side of the
    complaints (:func:`.parent_words.side`)."""
    return bool(docs) and sum(map(_complaint, docs)) / len(docs) >= MOST and not asked(docs)


def asked(docs: Sequence[str]) -> bool:
    """Whether most of ``docs`` ask a question (a theme of them is "<topic> questions": :func:`topic_phrase`)."""
    return bool(docs) and sum(_question(d) for d in docs) / len(docs) >= MOST


# Words an instruction to the company opens with ("Make sure ...", "Don't put ...", "Please stop ...").
_IMPERATIVES = {"please", "don't", "dont", "do", "make", "put", "pack", "let", "keep", "stop", "start", "give", "send",
                "text", "bring", "check", "add", "fix", "be", "get", "use", "try", "offer", "allow", "sort", "remember",
                "take", "turn", "reuse", "return", "show", "tell", "call", "ring", "email", "include", "label", "leave",
                "deliver", "stock", "open", "hire", "train", "change", "improve", "reduce", "refund", "wrap", "bag",
                "separate", "listen", "answer", "reply", "respond", "update", "ask", "warn", "drop", "go", "bin", "respect"}


def _request(doc: str) -> bool:
    """Opens with a word that tells the company what to do, or parsed as a command (:func:`.label_commands.imperative`)."""
    doc = unaddressed(doc)
    return opens_with_request(doc) or (bool(imperative(doc)) and not doc.rstrip().endswith("?"))


def opens_with_request(doc: str) -> bool:
    """Opens with a word that tells the company what to do ("Respect the no-substitutes setting"), not
    a question. From the words alone, so the same text always gets the same answer, whatever this
    process parsed before (the top level's grouping reads it: :func:`.label_claims.asks`)."""
    doc = unaddressed(doc)
    words = doc.lower().replace("’", "'").split()
    return bool(words) and words[0] in _IMPERATIVES and not doc.rstrip().endswith("?")


LANGUAGE_SHARE = 0.8  # share of a theme's segments in one language for the label to name it


def language_label(docs: Sequence[str]) -> str | None:
    """"French comments" when nearly all (:data:`LANGUAGE_SHARE`) of ``docs`` are in one language
    other than English (lingua, as the process stage detects a comment's language); None for a
    mix, so that two themes of other languages read "French comments" and "German comments"
    rather than "Non-English comments" and "Non-English comments (2)"."""
    from lingua import IsoCode639_1, Language

    from feedback.text.language import detect_language

    found = Counter(detect_language(d) for d in docs if d.strip())
    code, n = next(iter(found.most_common(1)), (None, 0))
    if not code or code == "en" or n < LANGUAGE_SHARE * max(len(docs), 1):
        return None
    return f"{Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())).name.title()} comments"
