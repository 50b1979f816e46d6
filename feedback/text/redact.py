"""Personal data out of published text: addresses, phone, card, IBAN and account numbers.

Originals stay in the warehouse; the archive gets placeholders. Phone numbers
are found with libphonenumber (the ``phonenumbers`` port), which knows every
country's numbering plan, and, where it rejects a number people really wrote
("TEL:+225 05775748", "234-80-33357110", "702 604\n6163"), by context: a label
before the digits (tel, phone, call, mobile, WhatsApp, fax; A/C, account, acct,
IBAN, sort code), or a phone's shape (a leading + or bracketed code, or three or
more digit groups ending in a long one, 9 to 15 digits, that are no date). Card
numbers must pass the Luhn check, so order numbers and dates are left alone, and
so are order numbers, amounts, dates, times and prices without a label.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import phonenumbers

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
URL_WITH_CREDENTIALS = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s/@]+@", re.IGNORECASE)
CARD = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
# Nine or more digits, possibly separated: the least a phone number with its area code has.
PHONE_LIKE = re.compile(r"\+?(?:\d[\s().\-/]{0,3}){8,}\d")
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b")
# digits in groups: single separators, one line break at most between two groups
_DIGITS = r"\d(?:\d|[ \t]?[-./][ \t]?(?=\d)|[ \t](?=\d)|[ \t]*\r?\n[ \t]*(?=\d)|[ \t]?\([ \t]?(?=\d)|\)[ \t]?(?=\d))*"
_PHONE_LABEL = r"tel(?:ephone)?|phone|ph|mob(?:ile)?|cell(?:phone)?|call|whats[ \t]?app|fax"
_ACCOUNT_LABEL = r"a/c|acct|account|iban|sort[ \t]*code|bank[ \t]+details"
LABELLED = re.compile(
    r"(?i)(?<![\w/])(?:(?P<phone>" + _PHONE_LABEL + r")|(?P<account>" + _ACCOUNT_LABEL + r"))"
    r"(?:[ \t]+(?:me|us))?(?:[ \t]+(?:on|at))?(?:[ \t]*(?:no\.?|num(?:ber)?|n°|#))?[ \t]*[:.#=-]?[ \t]*"
    r"(?P<number>\+?\(?" + _DIGITS + r")(?!\w)"
)
_LABEL_WORDS = ("tel", "phone", "ph", "mob", "cell", "call", "whats", "fax", "a/c", "acct", "account", "iban",
                "sort", "bank")
SHAPED = re.compile(r"(?<![\w+.,/-])(?P<number>(?:\+[ \t]?|\([ \t]?)?" + _DIGITS + r")(?![\w-]|[.,/]\d)")
_DATE = re.compile(r"(\d{1,4})[-./ ](\d{1,2})[-./ ](\d{1,4})")


def luhn_ok(digits: str) -> bool:
    total, double = 0, False
    for ch in reversed(digits):
        d = int(ch)
        if double:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
        double = not double
    return total % 10 == 0


def _iban_ok(candidate: str) -> bool:
    compact = candidate.replace(" ", "")
    if not 15 <= len(compact) <= 34:
        return False
    moved = compact[4:] + compact[:4]
    number = "".join(str(int(ch, 36)) for ch in moved)
    return int(number) % 97 == 1


@dataclass
class Redactor:
    """Replaces personal data with placeholders. ``regions`` guide phone numbers written without +country."""

    regions: tuple[str, ...] = ("GB", "US")
    extra: list[Callable[[str], str]] = field(default_factory=list)  # e.g. a name finder

    def __call__(self, text: str | None) -> str | None:
        if not text:
            return text
        out = self._patterns(text)
        for step in self.extra:
            out = step(out)
        return out

    def many(self, texts: Sequence[str | None], languages: Sequence[str | None] | None = None) -> list[str | None]:
        """The same as calling the redactor on each text; a step with a ``many`` method (the
        name finder) is given all of them at once, so its model reads them in batches, with the
        texts' ``languages`` when known (the name finder's English model reads English only)."""
        out = [self._patterns(t) if t else t for t in texts]
        for step in self.extra:
            todo = [i for i, t in enumerate(out) if t]
            batch = getattr(step, "many", None)
            if batch is not None and languages is not None:
                done = batch([out[i] for i in todo], languages=[languages[i] for i in todo])
            elif batch is not None:
                done = batch([out[i] for i in todo])
            else:
                done = [step(out[i] or "") for i in todo]
            for i, value in zip(todo, done, strict=True):
                out[i] = value
        return out

    def _patterns(self, text: str) -> str:
        out = URL_WITH_CREDENTIALS.sub(lambda m: m.group(0).split("://")[0] + "://[CREDENTIALS]@", text)
        out = EMAIL.sub("[EMAIL]", out)
        out = IBAN.sub(lambda m: "[IBAN]" if _iban_ok(m.group(0)) else m.group(0), out)
        out = CARD.sub(lambda m: "[CARD]" if luhn_ok(re.sub(r"\D", "", m.group(0))) else m.group(0), out)
        if not any(ch.isdigit() for ch in out):
            return out
        return _shaped(_labelled(self._phones(out)))

    def _phones(self, text: str) -> str:
        # POSSIBLE leniency: a real number in a range libphonenumber thinks unassigned is
        # still someone's number. Over-redacting a long order reference is the safer error.
        if not PHONE_LIKE.search(text):
            return text
        spans: list[tuple[int, int]] = []
        for region in self.regions:
            for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.POSSIBLE):
                if sum(ch.isdigit() for ch in match.raw_string) >= 9:
                    spans.append((match.start, match.end))
        if not spans:
            return text
        merged: list[tuple[int, int]] = []
        for start, end in sorted(spans):
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        pieces, last = [], 0
        for start, end in merged:
            pieces.append(text[last:start])
            pieces.append("[PHONE]")
            last = end
        pieces.append(text[last:])
        return "".join(pieces)


def _labelled(text: str) -> str:
    """Digits right after a phone or account label: a phone's 7 or more, an account's 6 or more
    (a sort code), unless they are a date ('call 12/03/2026' is a date)."""

    lower = text.lower()
    if not any(word in lower for word in _LABEL_WORDS):  # a substring test costs less than the regex
        return text

    def replace(match: re.Match[str]) -> str:
        number = match.group("number").rstrip("-./ \t\n(")
        digits = sum(ch.isdigit() for ch in number)
        least = 7 if match.group("phone") else 6
        if digits < least or _is_date(number):
            return match.group(0)
        placeholder = "[PHONE]" if match.group("phone") else "[ACCOUNT]"
        start = match.start("number") - match.start(0)
        return match.group(0)[:start] + placeholder + match.group("number")[len(number):]

    return LABELLED.sub(replace, text)


def _shaped(text: str) -> str:
    """Digits shaped like a phone number without a label: 8 to 15 digits after a + or a bracketed
    code ('+225 05775748', '(86) 755-83503744'), or 9 to 15 digits in three to six groups whose
    last has three or more digits and none but the first fewer than two ('234-80-33357110',
    '702 604\\n6163'; not the version 10.0.19041.1234), and that are no date."""

    def replace(match: re.Match[str]) -> str:
        number = match.group("number")
        digits = sum(ch.isdigit() for ch in number)
        if digits > 15:
            return number
        if number[0] in "+(" and digits >= 8:
            return "[PHONE]"
        groups = re.findall(r"\d+", number)
        if (digits >= 9 and 3 <= len(groups) <= 6 and len(groups[-1]) >= 3
                and all(len(g) >= 2 for g in groups[1:]) and not _is_date(number)):  # not 10.0.19041.1234
            return "[PHONE]"
        return number

    return SHAPED.sub(replace, text)


def _is_date(number: str) -> bool:
    """Whether digits begin with a date: 2024-03-01, 01/03/2024, 3.1.24 (a valid day and month)."""
    match = _DATE.match(number)
    if not match:
        return False
    a, b, c = (int(g) for g in match.groups())
    if len(match.group(1)) == 4:  # year first
        return 1 <= b <= 12 and 1 <= c <= 31
    day_month = 1 <= a <= 31 and 1 <= b <= 12 or 1 <= a <= 12 and 1 <= b <= 31
    return day_month and len(match.group(3)) in (2, 4)
