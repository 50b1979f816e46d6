"""Text for the theme engine: segments, cleanup before embedding, lemmas and label phrases.

An offline spaCy pipeline (blank English, ``sentencizer``, lookup lemmatizer from
``spacy-lookups-data``) is built once per process. A blank pipeline has no parser,
so noun phrases come from lemma n-grams (1-3 tokens) that neither start nor end
with a stop word, punctuation or a number, and that contain a content word; this
approximates noun chunks well enough for labels, is fast (~200k tokens/s) and needs
no downloaded model.

A comment is cut into sentences, and a sentence that makes two points ("delivery
was late but the driver was lovely", "the driver was lovely, also Plus is good value") into clauses at a
contrast marker or where it adds a point, when both sides are substantial. Each segment keeps its display text (the redacted original)
and gets a cleaned text for embedding: links, @handles, '#' marks, redaction
placeholders and repeated punctuation removed, since in short texts those tokens
dominate the embedding; a hashtag that joins words is spelled out ("#neveragain" -> "never again").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import emoji

from feedback.text.hashtags import HANDLE, spell_out
from feedback.text.sentiment import felt

# What cuts comments: a new version makes the next night cut the archive's comments again (themes/recut.py).
# 5: a sentence that adds a second point (", also ...", "and on top of that ...") is cut there too;
# 4: a hashtag that joins words is embedded as those words ("#neveragain": feedback.text.hashtags);
# 3: emoji left out of the embedded text; 2: a redaction placeholder is one token ("... bags. - [NAME]" is not
# cut at its bracket); 1: before versions.
# 6: a link written without its scheme ("pic.twitter.com/9xSlQY4ZGH", "bit.ly/3xYz") is left out of the embedded
# text too (a tweet of nothing else was embedded as the link, and made a theme of them);
# 7: a review's title is cut into points of its own, scored but in no theme (:func:`title_to_read`);
# 8: a hashtag after a sentence's stop stays whole ("falling apart! #nothappy", not "... #" and "nothappy"), and tags
# alone after a sentence stay on it (:func:`tags_only`).
# 9: a number after an abbreviation's stop stays on its sentence ("Order no. 12345 never came", "approx. 20 minutes",
# "Vol. 2"; :func:`keep_numbered`), where spaCy's sentencizer cut after the stop and "No." was read alone.
# 10: a line break ends a point where a stop would (:func:`line_parts`: a blank line; one line break after a stop or
# before a line that opens as a sentence or a list item, unless the line runs on or the comment is hard-wrapped).
# 11: "\r\n" and "\r" end a line as "\n" does (a CSV export's multi-line cells keep them: version 10 read "...\r\n\r\n
# ..." as no paragraph break); the display text's line ends are written "\n".
# 12: a contrast beside a clause that only plays the point down ("it's a small thing but it makes a difference", "...
# but not a big deal") is not cut there (:func:`hedges`).
SEGMENTER_VERSION = "12"
MAX_SEGMENTS = 40  # per comment; the rest of a very long comment is joined into the last one
MAX_SEGMENT_CHARS = 600  # the model reads ~256 word pieces; longer text is cut for embedding
MIN_CONTENT_LETTERS = 3  # fewer letters than this (emoji, "ok", "??") is not a themable point
MIN_CLAUSE_WORDS = 3  # both sides of a split must have at least this many words

# a link: with its scheme or "www.", or a host under a common top-level domain and a path ("pic.twitter.com/abc",
# "bit.ly/3xYz", "amzn.to/x"; not "e.g." nor "3.5/5")
URL = re.compile(r"\b(?:https?://|www\.)\S+|\b(?:[a-z0-9-]+\.)+(?:com|net|org|co|ly|io|gl|me|to|be|uk|us|ie|de|fr|"
                 r"gov|edu|info|biz|app|ai|tv)/\S*", re.IGNORECASE)
HASHMARK = re.compile(r"#(?=\w)")
PLACEHOLDERS = ("EMAIL", "PHONE", "CARD", "IBAN", "ACCOUNT", "CREDENTIALS", "NAME", "URL", "ADDRESS")
PLACEHOLDER = re.compile(rf"\[(?:{'|'.join(PLACEHOLDERS)})\]")
REPEATED_PUNCT = re.compile(r"([!?.,*~\-=_])\1+")
SPACES = re.compile(r"\s+")
CLAUSE_SPLIT = re.compile(
    r"\s*(?:;|\s-\s|,?\s+but\s+|,?\s+however,?\s+|,?\s+although\s+|,?\s+though\s+|,?\s+whereas\s+"
    r"|,\s+(?:and\s+)?also\s+|,?\s+(?:and\s+)?on top of that,?\s+)",  # a second point added (not ", plus": a name)
    re.IGNORECASE,
)
EXTRA_STOP = {
    "get", "got", "would", "could", "also", "really", "just", "like", "one", "thing", "things",
    "lot", "bit", "way", "even", "still", "much", "well", "make", "go", "know", "want", "need",
    "please", "thanks", "thank", "hi", "hello", "dear", "regards", "-PRON-", "i", "im", "ive",
    "dont", "cant", "didnt", "doesnt", "wasnt", "isnt", "wont", "yes", "no", "ok", "okay",
    "actually", "honestly", "sure", "let", "particularly", "literally", "basically", "maybe",
    "definitely", "absolutely", "totally", "pretty", "quite", "time", "day", "week",
}  # fmt: skip


@dataclass(frozen=True)
class Segment:
    seq: int
    text: str  # for display: the redacted original
    clean: str  # for embedding


@lru_cache(maxsize=1)
def pipeline() -> Any:
    """The offline English pipeline, built once per process. A redaction placeholder ("[NAME]") is one
    token, so a sign-off ("... bags. - [NAME]") is not cut at its bracket into a segment "NAME]". So is a
    hashtag: spaCy's English tokenizer cuts "#" off as a prefix, and the sentencizer then ended a sentence
    after "!" or "." with the mark ("falling apart! #", "nothappy"): the tag was read as an unknown word. A number
    after an abbreviation's stop stays on its sentence (:func:`keep_numbered`)."""
    import spacy
    from spacy.symbols import ORTH
    from spacy.util import compile_prefix_regex

    nlp = spacy.blank("en")
    tokenizer: Any = nlp.tokenizer
    for name in PLACEHOLDERS:
        tokenizer.add_special_case(f"[{name}]", [{ORTH: f"[{name}]"}])
    tokenizer.prefix_search = compile_prefix_regex([p for p in nlp.Defaults.prefixes or () if p != "#"]).search
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    return nlp


# abbreviations written before a number ("no. 5", "nr. 12", "ref. 4455", "approx. 20", "vol. 2", "ext. 22")
NUMBERED = ("no", "nr", "num", "ref", "approx", "appx", "ca", "vol", "ext", "tel", "pg", "pp")
_ABBREVIATION_END = re.compile(rf"\b(?:{'|'.join(NUMBERED)})\.\s*$", re.IGNORECASE)
_NUMBER_START = re.compile(r"[#£$€]?\s?\d")


def keep_numbered(sentences: Iterable[Any]) -> Iterator[str]:
    """The texts of spaCy's sentences with the sentencizer's cut after an abbreviation's stop undone when a number
    follows: "Order no. 12345 never came" is one sentence, not "Order no." and "12345 never came", and "No. 5 was
    broken" is not a lone "No." read as a refusal. "I said no. I want a refund." is still cut (no number after the
    stop). Read off the sentences' texts, not each token (a pipeline component looping over every token cost a
    third of the segmenter's time)."""
    text: str | None = None  # the sentence so far
    before: Any = None  # ... and how to write it with the whitespace after it (read only to join one)
    for sent in sentences:
        following = sent.text
        if text is not None and text.endswith(".") and _NUMBER_START.match(following) \
                and _ABBREVIATION_END.search(text):
            head = before if isinstance(before, str) else before.text_with_ws
            text, before = head + following, head + sent.text_with_ws
            continue
        if text is not None:
            yield text
        text, before = following, sent
    if text is not None:
        yield text


def clean_for_embedding(text: str) -> str:
    """Text without the boilerplate that would dominate a short text's embedding, and without emoji: the
    model knows none, and one written against a word makes the word unknown too ("Friendly staff😊" is read
    as "friendly [UNK]", at cosine 0.48 to "Friendly staff"). The displayed text keeps them, and the
    segment's sentiment reads them there (VADER's emoji)."""
    out = emoji.replace_emoji(text, replace=" ")
    out = URL.sub(" ", out)
    out = PLACEHOLDER.sub(" ", out)
    out = HANDLE.sub(" ", out)
    out = HASHMARK.sub("", spell_out(out, felt))  # "#neveragain" -> "never again", "#fail" -> "fail"
    out = REPEATED_PUNCT.sub(r"\1", out)
    out = SPACES.sub(" ", out).strip()
    return out[:MAX_SEGMENT_CHARS]


def content_letters(text: str) -> int:
    return sum(ch.isalpha() for ch in text)


def is_themable(clean: str) -> bool:
    """A segment worth clustering: enough letters to carry a point."""
    return content_letters(clean) >= MIN_CONTENT_LETTERS


# A line break ends a point where a sentence's stop would: a blank line always; one line break after a stop ("very
# boxy...\ni have no idea"), or before a line that opens as a sentence or a list item ("Every time I scan a barcode
# it crashes\nItems missing and no substitute offered"), unless the line before runs on (a comma, "and", "the",
# "since", ...), heads a list ("Pros", "What I liked:"), is as long as a wrapped line, or the comment is hard-wrapped
# (an e-mail client's lines of 60-80 characters, whose breaks fall anywhere in a sentence).
_LINE_END = re.compile(r"\r\n?")  # Windows' and old Macs' line ends: a survey export's multi-line answers keep them
_PARAGRAPH = re.compile(r"[ \t]*\n(?:[ \t]*\n)+[ \t]*")
_LINE = re.compile(r"[ \t]*\n[ \t]*(?=(?:[-*•·▪–]\s|\d{1,2}[.)]\s)|[A-Z\[])|(?<=[.!?…])[ \t]*\n[ \t]*(?=\S)")
_RUNS_ON = re.compile(r"(?:[,;:(&/+-]|\b(?:a|an|the|and|or|nor|of|to|in|on|at|by|for|from|with|without|into|onto|"
                      r"about|than|as|that|which|who|whom|whose|my|your|our|their|his|her|its|this|these|those|is|"
                      r"are|was|were|be|been|am|has|have|had|will|would|can|could|should|not|no|very|so|but|if|"
                      r"because|when|while|since|until|till|after|before|over|under|through|during|via|per|around|"
                      r"across|between|against|towards?|like|just|also|then|still|dear|hi|hello))$", re.IGNORECASE)
_BULLET = re.compile(r"^(?:[-*•·▪–]|\d{1,2}[.)])\s+")
WRAP_WIDTH = (60, 80)  # the lengths of a hard-wrapped comment's full lines


def hard_wrapped(text: str) -> bool:
    """Whether ``text``'s lines were wrapped at a fixed width (a plain-text e-mail): at least two lines, and most lines
    that another line follows in their paragraph, are :data:`WRAP_WIDTH` characters long."""
    lines = [line.rstrip() for line in text.strip().split("\n")]
    inner = [line for line, after in zip(lines[:-1], lines[1:], strict=True) if line.strip() and after.strip()]
    full = sum(WRAP_WIDTH[0] <= len(line) <= WRAP_WIDTH[1] for line in inner)
    return full >= 2 and 2 * full >= len(inner)


def line_parts(text: str, wrapped: bool = False) -> list[str]:
    """``text`` cut at its line breaks where they end a point (above :func:`hard_wrapped`); each part stripped of
    its spaces and list mark, empty parts left out ("\\n\\ncolours are nice" is "colours are nice")."""
    parts: list[str] = []
    for paragraph in _PARAGRAPH.split(text):
        start = 0
        if not wrapped:
            for found in _LINE.finditer(paragraph):
                line = paragraph[paragraph.rfind("\n", 0, found.start()) + 1:found.start()].rstrip()
                heading = len(line.split()) <= 2 and _BULLET.match(paragraph[found.end():])  # "Pros\n- fresh bread"
                if not (_RUNS_ON.search(line) or heading or WRAP_WIDTH[0] <= len(line) <= WRAP_WIDTH[1]):
                    parts.append(paragraph[start:found.start()])
                    start = found.end()
        parts.append(paragraph[start:])
    return [part for part in (_BULLET.sub("", p.strip()) for p in parts) if part]


# A clause that only plays down the point beside it ("it's a small thing", "that's a minor quibble", "not a big
# deal", "it may sound petty"): a contrast beside it is no second point, so the sentence is not cut there.
HEDGE = re.compile(
    r"(?:i know |i realise |i realize |i guess )?(?:(?:it'?s|it is|its|this is|that'?s|that is|it was|this was) )?"
    r"(?:only |just |such |probably |maybe |perhaps )?(?:a |an )?(?:very |really )?"
    r"(?:small|little|minor|tiny|trivial|petty|silly|picky) "
    r"(?:thing|detail|point|issue|complaint|gripe|niggle|quibble|nitpick|touch|gesture)s?"
    r"|(?:i know |i realise |i realize )?(?:it |this |that )?(?:may|might|will|could|must) (?:seem|sound|be) "
    r"(?:a bit |a little |rather |very |really )?(?:silly|petty|trivial|picky|minor|small|nitpicky|fussy)"
    r"|(?:(?:it'?s|its|it is|it was|that'?s) )?not (?:a |such a )?(?:big|huge|major) (?:deal|thing|issue)",
    re.IGNORECASE,
)
_CLAUSE_EDGE = re.compile(r"[,;:]\s*|\s-\s")  # where the clause next to a cut starts or ends


def hedges(clause: str) -> bool:
    """Whether ``clause`` only plays down a point (:data:`HEDGE`): "it's a small thing", "but not a big deal"."""
    return HEDGE.fullmatch(clause.strip(" .!?\"'").replace("\u2019", "'")) is not None


def split_clauses(sentence: str) -> list[str]:
    """A sentence cut at contrast markers and where it adds a point (", also", "and on top of that") when
    every side has MIN_CLAUSE_WORDS words. A cut beside a clause that only plays the point down is not made
    (:func:`hedges`): "... always waves to my son, it's a small thing but it makes a difference" is one point (cut,
    "... it's a small thing" read -0.62, a complaint), and so is "The sleeves are long but not a big deal"."""
    parts: list[str] = []
    start = 0
    for cut in CLAUSE_SPLIT.finditer(sentence):
        before = _CLAUSE_EDGE.split(sentence[start:cut.start()])[-1]
        after = _CLAUSE_EDGE.split(sentence[cut.end():], maxsplit=1)[0]
        if not (hedges(before) or hedges(after)):
            parts.append(sentence[start:cut.start()])
            start = cut.end()
    parts = [p.strip(" ,") for p in [*parts, sentence[start:]]]
    parts = [p for p in parts if p]
    if len(parts) < 2 or any(len(p.split()) < MIN_CLAUSE_WORDS for p in parts):
        return [sentence.strip()]
    return parts


# A request after what happened ("..., please help me find it", "..., can you send someone?"), or a plea
# before it ("Please help, ...", "I need help, ..."): group 1 is the comma between the two. (The head's request
# cue, sentiment_model._REQUEST, is a feature it was trained on and finds a request anywhere; this finds where one
# starts after a comma.)
_ASKS = r"(?:please|pls|can you|could you|would you|will you|can someone|can anyone|can somebody|help me)\b"
_REQUEST_AFTER = re.compile(rf"\w(\s*,\s*)(?={_ASKS})", re.IGNORECASE)
_REQUEST_BEFORE = re.compile(r"^\s*(?:please help(?: me)?|help me|help|i need help|help please)(\s*,\s*)(?=\w)",
                             re.IGNORECASE)


def told_part(text: str) -> str | None:
    """What happened, in a segment that also asks: "you lost my suitcase, please help me find it" -> "you lost
    my suitcase"; "Please help, my flight was cancelled" -> "my flight was cancelled". None when the text does
    not ask so, or a side is too short to stand alone (MIN_CLAUSE_WORDS words told, two asked). A segment stays
    whole (its theme is what it is about, request and all); only its sentiment is read from this part, as the
    request itself reads neutral."""
    found = _REQUEST_AFTER.search(text) or _REQUEST_BEFORE.match(text)
    if found is None:
        return None
    first, second = text[: found.start(1)].strip(" ,"), text[found.end(1):].strip(" ,")
    told, asked = (first, second) if found.re is _REQUEST_AFTER else (second, first)
    if "\n" in asked:  # "..., can someone sort a refund please\nLove that I can reorder": more than a request
        return None
    return told if len(told.split()) >= MIN_CLAUSE_WORDS and len(asked.split()) >= 2 else None


_CONSEQUENCE = re.compile(r"\w(\s*,?\s+so\s+)(?=(?:i|we|my|our)\b)", re.IGNORECASE)


def cause_part(text: str) -> str | None:
    """What went wrong, in a segment that goes on to tell what the writer did about it: "The promotion price didn't
    come off so I paid full price for the yoghurt" -> "The promotion price didn't come off". None without such a
    consequence ("so I", "so we", "so my"), or when a side is too short to stand alone (MIN_CLAUSE_WORDS words each).
    Read only where the whole segment reads neutral: what the writer did next can hide what happened."""
    found = _CONSEQUENCE.search(text)
    if found is None:
        return None
    cause, then = text[: found.start(1)].strip(" ,"), text[found.end(1):].strip(" ,")
    return cause if len(cause.split()) >= MIN_CLAUSE_WORDS and len(then.split()) >= MIN_CLAUSE_WORDS else None


TITLED = frozenset({"review"})  # channels whose items' titles are the writer's own headline, read as a point
_TITLE_END = " .!?…:;,-–—"


def title_to_read(title: str | None, text: str | None, channel: str | None) -> str | None:
    """The title a comment's sentiment reads beside its text, or None: a review's ("Disappointed", "Runs small"),
    since the headline is often where the reviewer says what they think. Not when the text opens with it (a source
    that titles a review with its first words) or is empty (the title is then the text), nor another channel's
    title (an e-mail's subject repeats down its thread and is often an order number)."""
    body, head = (text or "").strip(), (title or "").strip()
    if not body or not head or channel not in TITLED or _said_first(head, body):
        return None
    return head


def _said_first(title: str, body: str) -> bool:
    """Whether ``body`` opens with ``title`` (case, spacing and the title's closing marks aside; a title cut
    short mid-word counts, and so does one of four words or more whose last word is not the text's: cut, or
    redacted as a name, "... every single [NAME]" for "every single tim")."""
    short, opening = SPACES.sub(" ", title.rstrip(_TITLE_END)).lower(), SPACES.sub(" ", body).lower()
    words = short.split()
    return opening.startswith(short) or (len(words) >= 4 and opening.startswith(" ".join(words[:-1]) + " "))


def segment(text: str | None) -> list[Segment]:
    """A comment's points: sentences, split into clauses where one sentence makes two points.

    Fragments with too few letters are attached to the previous segment, so
    "Great service!!! :)" stays one segment. Returns [] for empty text.
    """
    return segment_many([text])[0]


def read_whole(text: str | None) -> list[Segment]:
    """A comment of a source whose messages each ask one thing (``ThemeSettings.read_whole``) as its one point: the
    whole text ("I made a transfer yesterday. Why hasn't it arrived?"), not its sentences, one of which says
    nothing alone. [] for empty text."""
    text = (text or "").strip()
    return [Segment(seq=0, text=text, clean=clean_for_embedding(text))] if text else []


def segment_many(texts: Iterable[str | None]) -> list[list[Segment]]:
    """:func:`segment` for many texts: one batched spaCy ``pipe`` with only the sentencizer, over their lines
    (:func:`line_parts`)."""
    texts = [_LINE_END.sub("\n", text) if text and "\r" in text else text for text in texts]  # a CSV cell's "\r\n"
    parts = [(i, part) for i, text in enumerate(texts) if text and text.strip()
             for part in line_parts(text, "\n" in text and hard_wrapped(text))]
    docs: list[list[Any]] = [[] for _ in texts]
    for (i, _), doc in zip(parts, pipeline().pipe((part for _, part in parts), batch_size=256,
                                                   disable=["lemmatizer"]), strict=True):
        docs[i].append(doc)
    return [_segments(lines) if lines else [] for lines in docs]


# a hashtag, an @handle or a link: what a post may end a sentence with
TAG_WORD = re.compile(r"(?<![\w#])#\w+|@\w+|https?://\S+")


def tags_only(text: str) -> bool:
    """Whether ``text`` holds hashtags and nothing else but @handles, links and punctuation ("#nothappy #fail",
    "#tragedy @TommyHilfiger http://t.co/x"): a post's tags on the sentence before them, no point of their own."""
    return "#" in text and not TAG_WORD.sub(" ", text).strip(" \t\n.,!?;:()-\"'")  # the mark went with what matched


def _segments(lines: list[Any]) -> list[Segment]:
    pieces: list[str] = []
    for sent in (sent for doc in lines for sent in keep_numbered(doc.sents)):
        for clause in split_clauses(sent):
            if pieces and (not is_themable(clean_for_embedding(clause)) or tags_only(clause)):
                pieces[-1] = f"{pieces[-1]} {clause}"
            else:
                pieces.append(clause)
    if len(pieces) > MAX_SEGMENTS:
        pieces = pieces[: MAX_SEGMENTS - 1] + [" ".join(pieces[MAX_SEGMENTS - 1 :])]
    return [Segment(seq=i, text=p, clean=clean_for_embedding(p)) for i, p in enumerate(pieces)]


def _token_ok(token: Any) -> bool:
    return bool(token.is_alpha) and len(token.text) > 1


LINKERS = {"of", "to", "for", "on", "in", "with", "and"}  # allowed inside a phrase ("speed of delivery")


def lemma_terms(text: str, max_n: int = 3) -> list[str]:
    """Candidate label terms: lemma n-grams made of content words (linkers allowed inside).

    Text is lowercased first because the lookup lemmatizer does not ("Drivers").
    """
    return lemma_terms_many([text], max_n)[0]


def lemma_terms_many(texts: list[str], max_n: int = 3) -> list[list[str]]:
    """:func:`lemma_terms` for many texts at once (spaCy's batched ``pipe``)."""
    nlp = pipeline()
    stops = nlp.Defaults.stop_words
    cleaned = (clean_for_embedding(t).lower() for t in texts)
    return [_terms(doc, stops, max_n) for doc in nlp.pipe(cleaned, batch_size=256)]


def _terms(doc: Any, stops: set[str], max_n: int) -> list[str]:
    lemmas = [(token.lemma_ or token.text) if _token_ok(token) else None for token in doc]
    terms: list[str] = []
    for i in range(len(lemmas)):
        for n in range(1, max_n + 1):
            gram = lemmas[i : i + n]
            if len(gram) < n or any(g is None for g in gram):
                break
            words = [g for g in gram if g is not None]
            if _stop(words[0], stops) or _stop(words[-1], stops):
                continue
            if any(_stop(w, stops) and w not in LINKERS for w in words[1:-1]):
                continue
            terms.append(" ".join(words))
    return terms


def _stop(word: str, stops: set[str]) -> bool:
    return word in stops or word in EXTRA_STOP or len(word) < 2
