"""What a submission may contain: the checks the form and the JSON endpoint share.

Pure functions: each takes what arrived and returns the clean value or raises :class:`Invalid`
naming the field and saying, in words a customer understands, what to change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

MAX_EMAIL = 254  # RFC 5321's limit on a forward path
MAX_ID = 100
# One @, no spaces, quotes, angle brackets, commas or semicolons, and a dot in the domain. Deliverability
# is not ours to judge; this keeps out typing slips and markup.
_EMAIL = re.compile(r"^[^@\s<>\"'(),;:\\\[\]]+@[^@\s<>\"'(),;:\\\[\]]+\.[^@\s<>\"'(),;:\\\[\]]+$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@/-]*$")


class Invalid(ValueError):
    """A field that cannot be accepted as sent."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Fields:
    text: str
    rating: int | None
    email: str | None
    consent: bool


def clean_text(value: Any, max_text: int) -> str:
    """'What happened': required, at most ``max_text`` characters, no control characters."""
    if not isinstance(value, str):
        raise Invalid("text", "must be text")
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise Invalid("text", "please tell us what happened")
    if _CONTROL.search(text):
        raise Invalid("text", "contains control characters")
    if len(text) > max_text:
        raise Invalid("text", f"please keep it to {max_text} characters (this is {len(text)})")
    return text


def clean_rating(value: Any) -> int | None:
    """1 to 5 stars, or none: the form sends text ('' for none), the endpoint a number or null."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip() in {"1", "2", "3", "4", "5"}:
        return int(value)
    if type(value) is int and 1 <= value <= 5:
        return value
    raise Invalid("rating", "must be a whole number of stars from 1 to 5, or none")


def clean_email(value: Any) -> str | None:
    """An optional contact address: trimmed, at most 254 characters, shaped like an address."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise Invalid("email", "must be text")
    email = value.strip()
    if not email:
        return None
    if len(email) > MAX_EMAIL or not _EMAIL.match(email):
        raise Invalid("email", "does not look like an e-mail address (name@example.com)")
    return email


def clean_consent(value: Any) -> bool:
    """The form's checkbox ('yes' when ticked, absent otherwise) or the endpoint's true/false."""
    if value is None or value is False or value == "":
        return False
    if value is True or value in ("yes", "on", "true", "1"):
        return True
    raise Invalid("consent", "must be true or false")


def clean_fields(text: Any, rating: Any, email: Any, consent: Any, max_text: int) -> Fields:
    """All four fields checked; consent counts only with an address to contact."""
    address = clean_email(email)
    return Fields(clean_text(text, max_text), clean_rating(rating), address,
                  clean_consent(consent) and address is not None)


def clean_id(value: Any) -> str:
    """The caller's id of a submission sent to the endpoint: what makes a replay recognisable."""
    if not isinstance(value, str) or not value:
        raise Invalid("id", "is required: your system's unique id of this submission")
    if len(value) > MAX_ID or not _ID.match(value):
        raise Invalid("id", f"must be 1-{MAX_ID} letters, digits and . _ : @ / - (starting with a letter or digit)")
    return value
