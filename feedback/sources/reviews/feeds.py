"""Reviews out of RSS and Atom feeds (feedparser): one review per entry."""

from __future__ import annotations

from time import struct_time
from typing import Any

import feedparser

from feedback.sources.reviews.records import ExtractedReview, PageExtraction
from feedback.sources.reviews.values import html_to_text, parse_number, text_of


def _feed_date(entry: Any) -> str | None:
    for key in ("published_parsed", "updated_parsed"):
        value = entry.get(key)
        if isinstance(value, struct_time):
            return "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}Z".format(*value[:6])
    return entry.get("published") or entry.get("updated")


def extract_feed(content: bytes, feed_url: str) -> PageExtraction:
    """One review per RSS/Atom entry; ratings from any ``*rating*`` extension element."""
    parsed = feedparser.parse(content, response_headers={"content-location": feed_url})
    result = PageExtraction(encoding=str(parsed.get("encoding") or "utf-8"))
    if parsed.get("bozo") and not parsed.entries:
        result.notes.append((f"not a readable feed: {parsed.get('bozo_exception')}", content[:500].decode("utf-8", "replace")))
        return result
    for number, entry in enumerate(parsed.entries, start=1):
        contents = entry.get("content") or []
        raw_body = contents[0].get("value") if contents else entry.get("summary", "")
        body = html_to_text(raw_body or "")
        if not body:
            continue
        rating_key = next((k for k in entry if "rating" in k.lower() and "best" not in k.lower() and "worst" not in k.lower()), None)
        best_key = next((k for k in entry if "bestrating" in k.lower()), None)
        raw = text_of(entry.get(rating_key)) if rating_key else None
        result.reviews.append(
            ExtractedReview(
                body=body,
                syntax="feed",
                title=text_of(entry.get("title")),
                rating_value=parse_number(raw),
                rating_raw=raw,
                best=parse_number(entry.get(best_key)) if best_key else None,
                author=text_of(entry.get("author")),
                published=_feed_date(entry),
                item_reviewed=text_of(parsed.feed.get("title")),
                review_id=entry.get("id") or entry.get("link"),
                position=number,
            )
        )
    if result.reviews:
        result.syntaxes.add("feed")
    return result
