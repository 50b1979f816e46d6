"""Is it a person? Decisions the name redactor takes around its model, as pure functions.

- :func:`person_span`: whether a PERSON entity of the NER model is a person, with evidence from
  its words and context: a small English model calls cities, brands, dishes and interjections
  PERSON ("flight out of Denver", "Visa or Mastercard", "the Crispy Duck", "Meh").
- :func:`signoff_spans`: the name under a closing ("Kind regards,\\nSarah Jones") or after a
  signature dash ("-Violet Wilson, Johnstown, PA"), and names in capitals after a title
  ("MR.VINCENT NNAJI").
- :func:`extend_names`: a placeholder takes in the rest of the name it began
  ("[NAME] Bender" -> "[NAME]"), so a surname never survives its first name.

Each takes ``name_word``: whether a single word could be part of a person's name (see
:meth:`feedback.text.names.NameRedactor.name_word`).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from feedback.text.words import mixed_case_words, name_evidence

_WORD = re.compile(r"[^\W\d_][\w'’.-]*")
_CLITIC = re.compile(r"(?:['’]s|['’])$")
# Before a person's name there is no article or possessive: "the Reuben sandwich", "a Visa", "my Nike"
_DETERMINERS = frozenset(
    ["the", "a", "an", "my", "your", "our", "their", "this", "that", "these", "those", "its", "his", "her", "any", "some", "every", "each", "no"]
)
_BEFORE = re.compile(r"([A-Za-z]+)[ \t]*$")
_TRIPLE = re.compile(r"(.)\1\1")
_REPEATS = re.compile(r"(.)\1+")


def _interjection(low: str) -> bool:
    """'meh', 'yuck', and drawn-out words ('ehhh', 'ooooo', 'mehh'): no name has a letter three
    times in a row, and squeezed they are words written in lower case as often as not."""
    return low in mixed_case_words() or bool(_TRIPLE.search(low)) or _REPEATS.sub(r"\1", low) in mixed_case_words()


def person_span(
    text: str, start: int, end: int, ordinary: Callable[[str], bool]
) -> tuple[int, int] | None:
    """The part of ``text[start:end]`` (a PERSON entity) that names a person, or None.

    Edge words that are ordinary English ('Best Reuben' -> 'Reuben') are trimmed. Then, in order:
    no person after an article or possessive; a given name is a person; a span of ordinary words
    or of interjections ('Meh', 'Ehhh': as often written in lower case, or drawn out) is not; nor is one whose
    every other word is a place's, brand's or thing's (Brown clusters: 'Mastercard', 'Denver').
    Anything else the model called a person stays one: an unknown name is not made public on a guess.
    """
    words = [m for m in _WORD.finditer(text, start, end)]
    while words and ordinary(words[0].group().rstrip(".")):
        words.pop(0)
    while words and ordinary(words[-1].group().rstrip(".")):
        words.pop()
    if not words:
        return None
    first, last = words[0].start(), words[-1].end()
    if text[last - 1] == "." and not re.fullmatch(r"[A-Z]\.", words[-1].group()):
        last -= 1  # a sentence's full stop, not an initial
    before = _BEFORE.search(text, 0, first)
    if before and before.group(1).lower() in _DETERMINERS:
        return None
    given, things = name_evidence()
    lows = [_CLITIC.sub("", w.group().rstrip(".")).lower() for w in words]
    if any(low in given for low in lows):
        return first, last
    content = [low for w, low in zip(words, lows, strict=True) if not ordinary(w.group().rstrip("."))]
    if not content or all(_interjection(low) for low in content):
        return None
    if all(low in things for low in content):
        return None
    return first, last


_CLOSING = (
    r"(?:(?:kind(?:est)?|best|warm(?:est)?|many|with|all\s+the|many\s+thanks\s+and|thanks\s+(?:and|&)|thank\s+you\s+(?:and|&))\s+)?"
    r"(?:regards|rgds|wishes|thanks|thank\s+you|thx|sincerely|cheers|best|respectfully|cordially|"
    r"yours(?:\s+(?:truly|sincerely|faithfully))?|love|take\s+care)"
)
_TITLE = r"(?:(?:mr|mrs|ms|miss|mx|dr|prof|sir|dame)\.?[ \t]*)?"
_NAME_WORDS = r"((?:[A-Z][\w'’-]*\.?)(?:[ \t]+(?:[A-Z][\w'’-]*\.?)){0,3})"
_END = r"(?=[ \t]*(?:$|\n|,|\||\(|[-–—]\s))"
# a closing at the start of a line or after a sentence, then the name on the same or the next line
SIGNOFF = re.compile(
    r"(?:^|(?<=[\n.!?])[ \t]*)[ \t]*(?i:" + _CLOSING + r")[ \t]*[,.!:;-]*[ \t]*\n?[ \t]*(?i:" + _TITLE + r")"
    + _NAME_WORDS + _END,
    re.MULTILINE,
)
# a signature dash at the start of a line or after a sentence: "-Violet Wilson, Johnstown, PA"
DASH_SIGNATURE = re.compile(r"(?:^|(?<=[.!?])[ \t]+)[-–—~][ \t]*" + _NAME_WORDS + _END, re.MULTILINE)
# a title in any case, with or without a space after its dot: "MR.VINCENT NNAJI", "Mr.Okafor"
TITLE_NAME = re.compile(
    r"\b(?i:mr|mrs|ms|miss|mx|dr|prof|herr|frau|mme|mlle)(?:\.[ \t]*|[ \t]+)((?:[A-Z][\w'’-]+)(?:[ \t]+[A-Z][\w'’-]+){0,2})\b"
)


# cheap tests that a text may hold what a pattern looks for (plain substring tests: a case-blind
# regex alternation costs more than the pattern itself, and most texts hold none of it)
_CLOSING_WORDS = ("regard", "rgds", "wishes", "thank", "thx", "sincerely", "cheers", "best", "respectfully",
                  "cordially", "yours", "love", "care")
_TITLE_WORD = re.compile(r"\b(?:mr|mrs|ms|miss|mx|dr|prof|herr|frau|mme|mlle)\b")


def _hints(text: str) -> list[re.Pattern[str]]:
    lower = text.lower()
    patterns = []
    if any(word in lower for word in _CLOSING_WORDS):
        patterns.append(SIGNOFF)
    if any(dash in text for dash in "-–—~"):
        patterns.append(DASH_SIGNATURE)
    if _TITLE_WORD.search(lower):
        patterns.append(TITLE_NAME)
    return patterns


def signoff_spans(text: str, name_word: Callable[[str], bool]) -> list[tuple[int, int]]:
    """Spans of the names under a closing, after a signature dash, and in capitals after a title."""
    spans = []
    for pattern in _hints(text):
        for match in pattern.finditer(text):
            words = match.group(1).split()
            if all(name_word(w.rstrip(".")) for w in words):
                end = match.end(1)
                if text[end - 1] == "." and len(words[-1]) > 2:
                    end -= 1  # the sentence's full stop, not an initial's
                spans.append((match.start(1), end))
    return spans


_FOLLOWING = re.compile(r"[ \t]+([A-Z][\w'’-]*\.?)")


def extend_names(text: str, placeholder: str, name_word: Callable[[str], bool]) -> str:
    """Each placeholder with the capitalised name words right after it taken in (at most three):
    "[NAME] Bender" and "[NAME] O'Neill" become "[NAME]"; "[NAME] Customer Service" stays."""
    if placeholder not in text:
        return text
    pieces, last = [], 0
    index = text.find(placeholder)
    while index != -1:
        end = index + len(placeholder)
        for _ in range(3):
            following = _FOLLOWING.match(text, end)
            if not following or not name_word(following.group(1).rstrip(".")):
                break
            end = following.end()
        pieces.append(text[last:index] + placeholder)
        last = end
        index = text.find(placeholder, end)
    pieces.append(text[last:])
    return "".join(pieces)
