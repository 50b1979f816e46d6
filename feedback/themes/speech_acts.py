"""What a short message does, and how a social post is read before its words are.

- :func:`unaddressed`: a post as a label reads it, without whom it is addressed to (an @handle), links, a help desk's
  routing tags, HTML entities;
- :data:`SPEECH_ACTS`, :func:`act`: what a message does when it names no topic ("Hello!", "Please help", "What do I
  do?", "Can you repeat that", "Third time this month"), first match wins;
- :func:`speech_act`: a theme's label when most of its segments do the same (:mod:`.label_words` and :mod:`.label`
  use it as a way out when no phrase names the theme);
- :func:`fallback_kind`: a theme no shared word names, by what most of it says went wrong ("Faults and repairs") or
  how it is said ("Short exclamations"). On the 1,974 complaint tweets these and the wider "what's going on"
  (labels that say little 8 -> 5 of 56; bench/RESULTS.md, "Themes of posts named by what went wrong").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

from feedback.text.nothing_said import NOTHING_SAID, normal
from feedback.text.segments import URL
from feedback.themes.label_names import is_english

MOST = 0.5  # share of a theme's segments that must do the same thing (a speech act, a question)

# Whom a post is addressed to and what it links to: "@VirginTrains Hello.", "Really? https://t.co/pxpS1IDTLo",
# "pic.twitter.com/9xSlQY4ZGH" (not inside an e-mail address); and the HTML entities tweets are written with ("&amp;").
_ADDRESS = re.compile(rf"(?<![\w@])@\w{{1,30}}|{URL.pattern}", re.IGNORECASE)
_ENTITY = re.compile(r"&(?:amp|lt|gt|quot|#39|apos)(?:;|\b)")  # "&amp" cut short too
_HASHTAG = re.compile(r"(?<![\w&])#([^\W\d_]\w*)")
_ENTITIES = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'", "&apos;": "'"}


def unaddressed(text: str) -> str:
    """``text`` as a label reads it: without @handles and links, a hashtag as its word if English has it and else
    not at all, HTML entities written as characters. A post opens with whom it is addressed to ("@VirginTrains
    Hello."), so a greeting, a question or a request was not read as one; a handle or a link is no topic ("Help and
    link" named a group of tweets), nor a help desk's routing tag ("#hppsdr #ijkhelp" named printer complaints)."""
    if "@" in text or "/" in text or "www." in text:
        text = " ".join(_ADDRESS.sub(" ", text).split())
    if "#" in text:  # "#fail" reads "fail"; "#hppsdr #ijkhelp", a help desk's routing tags, are no words
        text = " ".join(_HASHTAG.sub(lambda m: m.group(1) if is_english(m.group(1)) else " ", text).split())
    return _ENTITY.sub(lambda m: _ENTITIES[m.group(0).rstrip(";") + ";"], text) if "&" in text else text


YES_OR_NO = "Yes or no answers"
SHORT = 6  # words of an answer that is only "yes" or "that's false" ("No one replies to emails" is none)
# What a theme of content-free messages does, first match wins: (labels, best first, for siblings that
# do the same; a pattern over the lowercased text).
SPEECH_ACTS = [
    (["Thank-you messages", "Thanking messages"],
     re.compile(r"\b(?:thanks|thank you|thankyou|cheers|much appreciated)\b")),
    (["Goodbye messages", "Farewell messages"],
     re.compile(r"\b(?:bye|goodbye|good night|see you|farewell|talk (?:to you )?later)\b|\b(?:great|nice|good|"
                r"pleasure|lovely|awesome) (?:to )?(?:talk|talking|speak|speaking|chat|chatting) (?:to|with) you\b")),
    (["Greeting messages", "Hello messages"],
     re.compile(r"^(?:hi|hello|hey|hiya|howdy|good (?:morning|afternoon|evening))\b")),
    # asking for help or for ideas, naming nothing ("Can you help please?", "Any suggestions?", "Advice?")
    (["Requests for help", "Help and advice requests", "Help requests"],
     re.compile(r"^(?:please )?help\b|\bhelp me\b|\bneed (?:some )?help\b|\bassist me\b|\blittle help\b"
                r"|\b(?:can|could|would|will) (?:you|u|someone|anyone)(?: guys| please)? (?:help|assist|advise|suggest)\b"
                r"|\b(?:able to|provide) help\b|^(?:any(?: more)? )?(?:suggestions?|ideas?|advice|tips)(?: (?:or|and) "
                r"(?:suggestions?|ideas?|advice|tips))?(?: (?:on|for|about) (?:this|that|it))?\W*$")),
    (["Next-step questions", "How-to questions"],
     re.compile(r"\bwhat (?:do|should|can|to) (?:i|we) do\b|\bhow (?:can|do|should) (?:i|we) do (?:this|that|it)\b"
                r"|\bhow (?:can|do|should|would) (?:i|we)\b|\bwhere (?:can|do|should) (?:i|we)\b")),
    (["Unexplained problems", "Unexplained issues", "Unexplained faults", "Questions about problems"],
     re.compile(r"\bwhat(?:'s| is|s)?(?: the (?:hell|heck|fuck))?(?: is)? (?:going on|happening|happened)\b|^why\W*$"
                r"|\b(?:why|how) (?:has|did|does|is|could|would|can|do) (?:this|that|it) (?:keep )?happen|^what(?:'s| is|s) "
                r"(?:up\b(?! (?:for|to|next))|the (?:story|deal|problem)\W*(?:now|here)?\W*$)|\bis the system down\b")),
    (["Requests to repeat", "Repeat requests"],
     re.compile(r"\brepeat (?:that|it|yourself|please)\b|\bsay (?:that|it) again\b|\bsay again\b")),
    (["Unsure answers", "Uncertain answers"],
     re.compile(r"\bnot (?:\w+ )?sure\b|\bdon't know\b|\bno idea\b|\bunsure\b")),
    # answers that add nothing ("As above", "Nothing else to add", "Just the usual")
    (["No further comments", "No new comments", "No more to add", "No other comments", "No comments given"],
     NOTHING_SAID),
    # a wait too long, said without naming what was waited for ("It took ages to get through", "10 days
    # and counting", "After an hour I was still number 12")
    (["Long waits", "Long wait times", "Waiting too long"],
     re.compile(r"\btook (?:ages|forever|an? (?:hour|day|week|month)|\d+ (?:minutes|mins|hours|days|weeks))\b"
                r"|\b(?:minutes|hours|days|weeks) and counting\b|\bafter (?:an?|\d+|half an) (?:hours?|minutes|days|"
                r"weeks)\b.*\bstill\b|\b(?:waited|waiting) (?:for )?(?:ages|forever|an? (?:hour|week)|\d+ (?:minutes|"
                r"mins|hours|days|weeks))\b|^(?:a |very |such a |really )?long wait\b")),
    (["Repeated lateness", "Late every time", "Constant lateness"],
     re.compile(r"\blate\b.*\b(?:again|every|always)\b|\b(?:again|every \w+|always)\b.*\blate\b")),
    # a problem that keeps coming back, said without naming it ("Third time this month", "Late again")
    (["Recurring problems", "Repeat problems", "Repeated failures", "Ongoing problems", "Problems every week"],
     re.compile(r"\b(?:again|every (?:other )?(?:week|time|day|month|order|delivery)|(?:second|third|fourth|fifth|"
                r"\d+(?:st|nd|rd|th)?) time(?:s)?(?: this| in a)?|same as last time|tried \d+ times|keeps? happening|"
                r"not the first time|(?:always|still) (?:late|wrong|broken|missing))\b")),
    (["No communication", "No updates", "Not kept informed"],
     re.compile(r"\b(?:nobody|no one|noone|no-one) (?:let me know|told me|tells you|informed me|updated me|"
                r"contacted me|got back to me|warned me|rang|called)\b|^no (?:update|communication|warning)s?$")),
    # short praise that names nothing ("Made my day", "Keep it up")
    (["General praise", "Kind words", "Warm feedback", "Happy customers", "Positive remarks"],
     re.compile(r"\bmade my (?:day|week)\b|^keep (?:it|up the good work)(?: up)?$|\bmakes? (?:a|all the) difference"
                r"|\b(?:great|brilliant|excellent|amazing|good) as (?:always|usual|ever)\b|^well done$"
                r"|^(?:i |we )?(?:absolutely |just |really |so )?love (?:it|them|this|these)(?: so much)?$")),
    # a reaction and no more ("Really?", "WTF", "Seriously??", "Wow.", "Ugh!", "What gives?"): it names no topic, but
    # is no content-free answer (a doubt, a complaint: not NO_TOPIC)
    (["Short reactions", "Brief reactions", "One-word reactions"],
     re.compile(r"^[\W_]*(?:really|seriously|wtf|what the (?:fuck|hell|heck)|what gives|wow(?: just wow)?|ugh+|yikes|"
                r"omg|smh|wut|what|how|wait|again|ya+y+|boom|well shoot|argh+|meh|hmm+|oh no|oh dear|come on|no way|"
                r"are you (?:serious|kidding(?: me)?)|you'?re (?:kidding|joking)(?: me)?|unbelievable|lol|ha(?:ha)+)[\W_]*$")),
    # a verdict against and no more ("Horrible.", "Very upset.", "is the worst", "They suck."): no topic named, as
    # "General praise" names none; a complaint all the same, read beside the others (not NO_TOPIC)
    (["General dissatisfaction", "Unhappy customers", "Short complaints"],
     re.compile(r"^[\W_]*(?:(?:you|they|it|this|that|it's|its|that's|is|are|was|so|very|really|absolutely|totally|just|"
                r"truly|utterly|simply|quite|such|a|an|the|extremely|bloody|completely)\s+)*(?:horrible|terrible|awful|"
                r"disgusting|disgraceful|disgrace|shocking|appalling|pathetic|pitiful|unacceptable|disappointed|"
                r"disappointing|dissapointing|disapointed|upset|worst|rubbish|useless|ridiculous|shameful|gross|unfair|"
                r"not (?:pleased|happy|impressed|good|cool|ok|okay|acceptable|good enough)|nothappy|bad experience|"
                r"sucks?|joke|mess|fuck you|fed up|dreadful|abysmal|atrocious)[\W_]*$")),
    # an answer that says it was fine and no more ("Fine", "It was alright", "Average"): lukewarm, so no name
    # claims satisfaction (the head reads "It was alright" below zero; a "Satisfied" theme at -0.51 misleads)
    (["Neutral answers", "Lukewarm answers", "Average answers"],
     re.compile(r"^(?:it was |it's |its |all |everything was |everything's )?(?:fine|ok|okay|alright|all right|"
                r"not bad|average|so-so|good enough)$")),
    (["Easy experience", "Easy experiences", "Ease of use"],
     re.compile(r"^(?:so |very |really |it was |it's |its |all )?(?:easy|simple|straightforward)(?: to (?:use|order))?$")),
    ([YES_OR_NO, "True or false answers"],
     re.compile(r"^(?:yes|yeah|yep|yup|sure|no|nope|correct|incorrect|right|wrong)(?:,? (?:please|thanks|thank you))?"
                r"(?:,|$)|\b(?:right|correct|incorrect|wrong|true|false)$")),
]


_ACT_NAMES = frozenset(name for names, _ in SPEECH_ACTS for name in names)


def is_act(label: str) -> bool:
    """Whether ``label`` is one of the names of :data:`SPEECH_ACTS`: what comments do, naming no topic."""
    return label in _ACT_NAMES


def speech_act(docs: Sequence[str], used: Iterable[str] = ()) -> str | None:
    """The label of what most of ``docs`` do (:data:`SPEECH_ACTS`), the first of its names not in
    ``used`` (lowercased labels taken), or None."""
    if not docs:
        return None
    counts: Counter[int] = Counter()
    for doc in docs:
        found = act(doc)
        if found is not None:
            counts[found] += 1
    if not counts:
        return None
    index, count = counts.most_common(1)[0]
    taken = set(used)
    names = SPEECH_ACTS[index][0]
    if count / len(docs) < MOST:  # greetings and yes-or-no answers, each a third: together they say nothing
        silent = sum(c for i, c in counts.items() if SPEECH_ACTS[i][0][0] in NO_TOPIC or SPEECH_ACTS[i][0][0] == REACTIONS)
        short = sum(len(unaddressed(d).split()) <= SHORT for d in docs)  # "thank you ai for everything you do": no reply
        names = SHORT_REPLIES if min(silent, short) / len(docs) >= REPLIES else []
    return next((n for n in names if n.lower() not in taken), names[0]) if names else None


def verdict(name: str) -> bool:
    """Whether the speech act named ``name`` is a verdict that names no topic ("General praise", "General
    dissatisfaction" and their other names): a phrase a few of its segments share says less than it."""
    return any(name in names for names, _ in SPEECH_ACTS if names[0] in VERDICT_ACTS)


VERDICT_ACTS = {"General praise", "General dissatisfaction"}


def act(doc: str) -> int | None:
    """The index in :data:`SPEECH_ACTS` of what ``doc`` does, or None."""
    text = normal(unaddressed(doc))
    return next((i for i, (names, pattern) in enumerate(SPEECH_ACTS) if pattern.search(text)
                 and (names[0] != YES_OR_NO or len(text.split()) <= SHORT)), None)


# What a comment does that names no topic: thanks, greetings, "As above", "Made my day", "Fine", "Yes".
NO_TOPIC = {"Thank-you messages", "Goodbye messages", "Greeting messages", "Requests to repeat", "Unsure answers",
            "No further comments", "General praise", "Neutral answers", YES_OR_NO}
# A theme of such messages none of which most of it sends ("Hello.", "Hi guys", "Yes.", "Nope.")
SHORT_REPLIES = ["Short replies", "Brief replies", "Short messages"]
REACTIONS = "Short reactions"  # "Really?", "Ugh!": no topic either, though a doubt or a complaint
REPLIES = 2 / 3  # ... when they make this share of it, and as many are short (at most SHORT words)


# What a theme's comments say went wrong, or do with the thing, when they name no thing they share (a theme
# reaching :func:`.label._fallback` only: where a theme shares a word, "App problems" says more): a thing broke or
# does not work ("Mine abruptly quit working", "will not turn on", "needs repairing"), it is sent back, how it is
# worn. Read after the speech acts, so "How do I get this repaired?" is asked for a repair whatever it is.
FALLBACK_KINDS: list[tuple[list[str], re.Pattern[str]]] = [
    (["Faults and repairs", "Broken or faulty", "Things not working"],
     re.compile(r"\b(?:quit|stopped|stops|ceased) (?:working|functioning)\b|\b(?:doesn't|does not|don't|do not|won't|"
                r"will not|wont|isn't|is not|not|never) (?:work|working|turn(?:ing)? on|start(?:ing)?|charg(?:e|ing)|"
                r"power(?:ing)? on|function(?:ing)?)\b|\b(?:broke|broken|busted|faulty|defective|falling apart|fell apart|"
                r"repair\w*|replacement|warranty|recall(?:ed)?)\b|\bfix (?:it|this|them)\b|\bfail\W*$")),
    # the thing sent back, whatever was wrong with it ("i'm sending it back", "sadly this will be going back",
    # "returned them"): in a shop's reviews one of the largest themes, and no noun its segments share
    (["Returned items", "Item returns", "Returns and exchanges"],
     re.compile(r"\b(?:return(?:s|ed|ing)?|exchang(?:e|ed|ing)|(?:send|sending|sent) (?:\w+ )?back|(?:going|go|goes|"
                r"went) back)\b")),
    # how and where the thing is worn ("i wore it to a wedding", "easily dressed up or down", "i wear it with a
    # cami underneath")
    (["Wearing and styling", "Ways to wear", "Styling ideas"],
     re.compile(r"\b(?:wear(?:s|ing|able)?|wore|worn|dress(?:ed|es)? (?:\w+ )?(?:up|down)|pair(?:ed|s)? (?:\w+ )?with)\b")),
]
# Speech acts that are a kind of another, counted with it when a group's children are read (.parent_words.children_act)
KIND_OF = {"Repeated lateness": "Recurring problems"}
EXCLAMATIONS = ["Short exclamations", "Brief exclamations", "One-line exclamations"]


def fallback_kind(docs: Sequence[str], used: Iterable[str] = ()) -> str | None:
    """What a theme no shared word names is about when ``MOST`` of ``docs`` say it (:data:`FALLBACK_KINDS`),
    else "Short exclamations" when ``MOST`` of them exclaim and are short (at most ``SHORT`` words: "YAY!",
    "Ugh!", "So dumb!", "Back to square one!"): reactions, thanks and complaints the embedding grouped by their
    form. The first of its names not in ``used`` (lowercased labels taken), or None."""
    if not docs:
        return None
    read = [unaddressed(d) for d in docs]
    texts = [normal(r) for r in read]
    counts = Counter(i for t in texts for i, (_, pattern) in enumerate(FALLBACK_KINDS) if pattern.search(t))
    taken = set(used)
    for index, count in counts.most_common(1):
        if count / len(docs) >= MOST:
            return next((n for n in FALLBACK_KINDS[index][0] if n.lower() not in taken), None)
    exclaim = sum("!" in r and len(t.split()) <= SHORT for r, t in zip(read, texts, strict=True))
    if exclaim / len(docs) >= MOST:
        return next((n for n in EXCLAMATIONS if n.lower() not in taken), None)
    return None
