"""Pseudonymous customer keys: the same person gets the same key on every channel."""

from __future__ import annotations

import hashlib
import hmac
import re

_SPACE = re.compile(r"\s+")


def normalise_identifier(value: str) -> str:
    """Lower-case, trimmed, inner spaces removed: 'Ann@Example.COM ' and 'ann@example.com' match."""
    return _SPACE.sub("", value.strip().lower())


def customer_key(identifier: str | None, secret: bytes) -> str | None:
    """A keyed hash of an address (or any customer identifier); None when there is none.

    Without the secret the key cannot be turned back into the address, nor can
    an address be tested against it, so the key can be published.
    """
    if identifier is None:
        return None
    normal = normalise_identifier(identifier)
    if not normal:
        return None
    digest = hmac.new(secret, normal.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"c_{digest[:16]}"
