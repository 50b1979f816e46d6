"""Personal data out of published text: addresses, phone, card and IBAN numbers.

Originals stay in the warehouse; the archive gets placeholders. Phone numbers
are found with libphonenumber (the ``phonenumbers`` port), which knows every
country's numbering plan, instead of a home-made pattern. Card numbers must pass
the Luhn check, so order numbers and dates are left alone.
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

    def many(self, texts: Sequence[str | None]) -> list[str | None]:
        """The same as calling the redactor on each text; a step with a ``many`` method (the
        name finder) is given all of them at once, so its model reads them in batches."""
        out = [self._patterns(t) if t else t for t in texts]
        for step in self.extra:
            todo = [i for i, t in enumerate(out) if t]
            batch = getattr(step, "many", None)
            done = batch([out[i] for i in todo]) if batch else [step(out[i] or "") for i in todo]
            for i, value in zip(todo, done, strict=True):
                out[i] = value
        return out

    def _patterns(self, text: str) -> str:
        out = URL_WITH_CREDENTIALS.sub(lambda m: m.group(0).split("://")[0] + "://[CREDENTIALS]@", text)
        out = EMAIL.sub("[EMAIL]", out)
        out = IBAN.sub(lambda m: "[IBAN]" if _iban_ok(m.group(0)) else m.group(0), out)
        out = CARD.sub(lambda m: "[CARD]" if luhn_ok(re.sub(r"\D", "", m.group(0))) else m.group(0), out)
        return self._phones(out)

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
