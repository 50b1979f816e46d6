"""The common item type every source produces, and the quarantine record."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

Channel = Literal["survey", "email", "review", "form"]


def stable_id(source: str, local_id: str) -> str:
    """A short id that depends only on the source's name and the item's own identity."""
    digest = hashlib.sha256(f"{source}\x1f{local_id}".encode()).hexdigest()
    return digest[:20]


def content_hash(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Item:
    """One comment, as a source saw it: original text, before any redaction."""

    source: str
    channel: Channel
    local_id: str  # the item's own identity inside its source (response id + question, Message-ID, ...)
    text: str
    received_at: str | None = None  # ISO 8601, UTC
    title: str | None = None
    question: str | None = None
    customer: str | None = None  # pseudonymous key, never an address
    rating: float | None = None  # 0-1
    rating_raw: str | None = None
    rating_scale: str | None = None
    url: str | None = None
    location: str = ""  # where in the raw document: "file.csv:row 12"
    raw_hash: str | None = None  # the landed document it came from
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        # Cached by hand: functools.cached_property takes a lock on every first access
        # (Python 3.11), a third of the cost of the hash on a 100k-row ingest.
        try:
            return self.__dict__["_id"]  # type: ignore[no-any-return]
        except KeyError:
            value = self.__dict__["_id"] = stable_id(self.source, self.local_id)
            return value

    def row(self) -> dict[str, Any]:
        """A shallow dict of the fields plus the id (``asdict`` deep-copies: slow on hot paths)."""
        data = {name: getattr(self, name) for name in _ITEM_FIELDS}
        data["id"] = self.id
        return data


_ITEM_FIELDS = tuple(f.name for f in fields(Item))


@dataclass(frozen=True)
class Quarantined:
    """A record or file that could not be used, with the reason and a snippet to look at."""

    source: str
    location: str
    reason: str
    snippet: str = ""
    raw_hash: str | None = None

    @property
    def id(self) -> str:
        return stable_id(self.source, f"{self.location}\x1f{self.reason}")

    def row(self) -> dict[str, Any]:
        data = asdict(self)
        data["id"] = self.id
        data["snippet"] = self.snippet[:500]
        return data
