"""Extracted reviews into feedback items: identity, pseudonyms, near-duplicates.

A review's rating is put on 0-1 on the scale it states (:meth:`feedback.ratings.Scale.stated`,
``bestRating``/``worstRating``, default 1-5) and its date read by :func:`feedback.dates.loose_date`.
Pure decisions with table-driven tests:

- :func:`review_key`: the same review seen on two pages of a site, or on two
  nights, gets one key: its own ``@id``/``url``/``guid`` when it has one, else a
  hash of who wrote it, the day and the normalised text.
- :func:`simhash`: a 64-bit fingerprint; two reviews on different sites within
  :data:`NEAR_DUPLICATE_BITS` bits of each other are flagged as near-duplicates
  (the later one's ``extra.near_duplicate_of`` in the warehouse; not published).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from feedback.dates import loose_date
from feedback.identity import customer_key
from feedback.items import Item, Quarantined, content_hash
from feedback.ratings import Scale
from feedback.sources.reviews.records import ExtractedReview

NEAR_DUPLICATE_BITS = 3
_WORD = re.compile(r"\w+", re.UNICODE)


def normalise_text(text: str) -> str:
    """Case, punctuation and spacing removed: what two copies of one review share."""
    return " ".join(_WORD.findall(text.casefold()))


def fingerprint(text: str) -> str:
    return content_hash(normalise_text(text))[:16]


def simhash(text: str) -> int:
    """64-bit SimHash over word trigrams (words, for very short texts)."""
    words = _WORD.findall(text.casefold())
    grams = [" ".join(words[i : i + 3]) for i in range(max(1, len(words) - 2))] if len(words) >= 3 else words
    weights = [0] * 64
    for gram in grams or [""]:
        value = int.from_bytes(hashlib.blake2b(gram.encode(), digest_size=8).digest(), "big")
        for bit in range(64):
            weights[bit] += 1 if value >> bit & 1 else -1
    return sum(1 << bit for bit in range(64) if weights[bit] > 0)


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def review_key(review: ExtractedReview, published: str | None) -> str:
    """The review's identity inside its site (see module docstring)."""
    if review.review_id:
        return "id:" + review.review_id
    author = normalise_text(review.author or "")
    day = (published or "")[:10]
    return "c:" + content_hash(f"{author}\x1f{day}\x1f{normalise_text(review.body)}")[:24]


def author_key(site: str, author: str | None, secret: bytes) -> str | None:
    """A review author's pseudonym. A display name is only someone within one site ("Sarah" on
    two sites is two people), so the site is part of the key."""
    if not author or not author.strip():
        return None
    return customer_key(f"review:{site}:{author.strip()}", secret)


@dataclass
class ItemMaker:
    """Turns one source's extracted reviews into items, flagging near-duplicates across sites."""

    source: str
    secret: bytes
    timezone: str = "UTC"
    _seen: dict[int, list[tuple[int, str, str]]] = field(default_factory=dict)  # band -> (hash, site, id)

    def make(
        self,
        review: ExtractedReview,
        site: str,
        url: str,
        raw_hash: str | None,
        aggregate: Mapping[str, object] | None = None,
    ) -> tuple[Item, list[Quarantined]]:
        notes: list[Quarantined] = []
        location = f"{url} review {review.position}"
        published = loose_date(review.published, self.timezone)
        if review.published and published is None:
            notes.append(Quarantined(self.source, location, f"unreadable date {review.published!r}; review kept without a date", review.body[:200], raw_hash))
        scale = Scale.stated(review.best, review.worst)
        rating = scale.fraction(review.rating_value)
        if review.rating_value is not None and rating is None:
            notes.append(Quarantined(self.source, location, f"rating {review.rating_raw!r} is outside its scale; review kept without a rating", review.body[:200], raw_hash))
        local_id = f"{site}|{review_key(review, published)}"
        hashed = simhash(review.body)
        extra: dict[str, object] = {
            "page": url,
            "site": site,
            "syntax": review.syntax,
            "fingerprint": fingerprint(review.body),
            "simhash": f"{hashed:016x}",
        }
        if review.item_reviewed:
            extra["item_reviewed"] = review.item_reviewed
        if aggregate:
            extra["aggregate"] = dict(aggregate)
        item_id = Item(self.source, "review", local_id, review.body).id
        duplicate = self._near_duplicate(hashed, site, item_id)
        if duplicate:
            extra["near_duplicate_of"] = duplicate
        item = Item(
            source=self.source,
            channel="review",
            local_id=local_id,
            text=review.body,
            received_at=published,
            title=review.title,
            customer=author_key(f"{self.source}/{site}", review.author, self.secret),
            rating=rating,
            rating_raw=review.rating_raw,
            rating_scale=scale.name if review.rating_value is not None else None,
            url=url if url.startswith(("http://", "https://")) else None,
            location=location,
            raw_hash=raw_hash,
            extra=extra,
        )
        return item, notes

    def _near_duplicate(self, hashed: int, site: str, item_id: str) -> str | None:
        """The id of an earlier review from another site within NEAR_DUPLICATE_BITS; remembers this one."""
        found = None
        bands = [(band, hashed >> (16 * band) & 0xFFFF) for band in range(4)]
        for band, key in bands:
            for other, other_site, other_id in self._seen.get(band << 16 | key, []):
                if other_site != site and other_id != item_id and hamming(hashed, other) <= NEAR_DUPLICATE_BITS:
                    found = other_id
                    break
            if found:
                break
        for band, key in bands:
            self._seen.setdefault(band << 16 | key, []).append((hashed, site, item_id))
        return found
